"""Golden plans for the synthetic children, plus clinical expectations that do not depend on the goldens.

Regenerate after an intended change: NEPHROGUIDE_UPDATE_GOLDEN=1 pytest tests/test_plan_golden.py, then
read the diff (git diff tests/golden) before committing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from conftest import PATIENTS_DIR
from nephroguide import api
from nephroguide.answer.render_plan import plan_markdown
from nephroguide.intake.record import read_record_file
from nephroguide.schemas import plan_schema

GOLDEN = Path(__file__).parent / "golden" / "plans"
UPDATE = os.environ.get("NEPHROGUIDE_UPDATE_GOLDEN") == "1"
CHILDREN = sorted(PATIENTS_DIR.glob("*.yaml"))

EXPECTED_LABELS = {
    "01": {"nephrotic", "first_episode", "on_initial_steroids", "no_remission"},
    "02": {"steroid_sensitive", "complete_remission", "on_initial_steroids", "first_episode"},
    "03": {"confirmation_period", "first_episode"},
    "04": {"late_responder", "steroid_sensitive", "complete_remission"},
    "05": {"srns", "srns_initial", "nephrotic"},
    "06": {"srns", "srns_secondary"},
    "07": {"srns", "srns_initial", "genetic_srns"},
    "08": {"srns", "genetic_srns"},
    "09": {"srns", "cni_responsive", "complete_remission"},
    "10": {"srns", "cni_resistant", "no_remission"},
    "11": {"srns", "multidrug_resistant"},
    "12": {"frequently_relapsing", "steroid_sensitive", "complete_remission"},
    "13": {"steroid_dependent", "steroid_sensitive"},
    "14": {"srns", "cni_responsive", "in_relapse"},
    "15": {"srns", "ckd_egfr_below_30"},
    "16": {"infant", "nephrotic"},
    "17": {"nephrotic", "first_episode"},
    "18": {"out_of_scope_age"},
    "19": {"infrequently_relapsing", "in_relapse", "steroid_sensitive"},
    "20": {"srns", "cni_resistant", "no_remission"},
    "21": set(),
}
NOT_EXPECTED_LABELS = {
    "01": {"srns"}, "02": {"srns"}, "03": {"srns"}, "04": {"srns"}, "09": {"cni_resistant"},
    "12": {"steroid_dependent", "srns"}, "17": {"srns", "steroid_sensitive"}, "19": {"frequently_relapsing"},
}


def _plan(path: Path):
    return api.plan(read_record_file(path))


def _walk_statements(node, path="$"):
    """Yield every statement-like object (has text and kb_id) in the JSON."""
    if isinstance(node, dict):
        if "text" in node and "kb_id" in node:
            yield path, node
        for k, v in node.items():
            yield from _walk_statements(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_statements(v, f"{path}[{i}]")


@pytest.mark.parametrize("path", CHILDREN, ids=lambda p: p.stem)
def test_plan_matches_golden(path):
    plan = _plan(path)
    # The pack version changes with every content edit; goldens compare everything else.
    md = plan_markdown(plan).replace(plan.pack_version, "<pack-version>")
    js = (json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n").replace(plan.pack_version, "<pack-version>")
    md_file, js_file = GOLDEN / f"{path.stem}.md", GOLDEN / f"{path.stem}.json"
    if UPDATE or not md_file.exists():
        GOLDEN.mkdir(parents=True, exist_ok=True)
        md_file.write_text(md)
        js_file.write_text(js)
        if not UPDATE:
            pytest.fail(f"golden file {md_file.name} was missing and has been written; review and commit it")
    assert md == md_file.read_text(), f"plan markdown changed for {path.stem}; regenerate and review the diff"
    assert js == js_file.read_text(), f"plan JSON changed for {path.stem}; regenerate and review the diff"


@pytest.mark.parametrize("path", CHILDREN, ids=lambda p: p.stem)
def test_plan_clinical_expectations(path):
    plan = _plan(path)
    key = path.stem[:2]
    labels = set(plan.classification.labels)
    assert EXPECTED_LABELS[key] <= labels, f"{path.stem}: missing {EXPECTED_LABELS[key] - labels}"
    assert not (NOT_EXPECTED_LABELS.get(key, set()) & labels), f"{path.stem}: unexpected labels"
    data = plan.to_json()
    jsonschema.validate(data, plan_schema())
    for where, st in _walk_statements(data):
        assert st.get("refs"), f"statement without a reference at {where}: {st['text'][:60]}"
    cited = {r for _, st in _walk_statements(data) for r in st["refs"]}
    listed = {r["id"] for r in data["references"]}
    assert cited <= listed, f"cited but not listed: {cited - listed}"


def test_plan_is_deterministic():
    path = PATIENTS_DIR / "05_srns_initial.yaml"
    assert plan_markdown(_plan(path)) == plan_markdown(_plan(path))


# (child, recommendation expected first, recommendations that must appear, ones that must not)
RECOMMENDATIONS = [
    ("01", "ssns.first_episode.prednisolone", set(), {"srns.cni.first_line"}),
    ("03", "srns.confirmation.extend_and_raas", {"srns.raas.start"}, {"srns.cni.first_line"}),
    ("05", "supportive.workup.kidney_function_before_nephrotoxic",
     {"srns.cni.first_line", "srns.raas.start", "srns.cni_resistant.cyclophosphamide_avoid"}, set()),
    ("07", "srns.genetic.avoid_immunosuppression", set(), {"srns.cni.first_line", "srns.steroids_with_cni"}),
    ("08", "srns.genetic.coq10", set(), {"srns.cni.first_line"}),
    ("09", "srns.cni.continue_responder", set(), {"srns.cni.first_line", "srns.cni.stop_no_response"}),
    ("10", "srns.cni_resistant.clinical_trial", {"srns.cni.stop_no_response", "srns.cni_resistant.rituximab"},
     {"srns.cni.first_line"}),
    ("12", "ssns.steroid_sparing.indication", {"ssns.levamisole", "ssns.mmf"}, {"srns.cni.first_line"}),
    ("15", None, {"srns.mmf.low_egfr", "srns.cni.avoid_low_egfr"}, {"srns.cni.first_line"}),
    ("16", "srns.workup.infant_referral", set(), set()),
    ("19", "ssns.relapse.prednisolone", set(), {"ssns.first_episode.prednisolone"}),
]


@pytest.mark.parametrize(("key", "first", "present", "absent"), RECOMMENDATIONS, ids=[r[0] for r in RECOMMENDATIONS])
def test_recommendation_selection(key, first, present, absent):
    path = next(p for p in CHILDREN if p.stem.startswith(key))
    ids = [r.kb_id for r in _plan(path).recommendations]
    if first:
        assert ids[0] == first, ids[:5]
    assert present <= set(ids), present - set(ids)
    assert not (absent & set(ids)), absent & set(ids)


def test_adult_gets_no_pediatric_recommendations():
    plan = _plan(PATIENTS_DIR / "18_adult.yaml")
    assert plan.out_of_scope and not plan.recommendations


def test_caution_fires_for_a_drug_about_to_be_started():
    plan = _plan(PATIENTS_DIR / "05_srns_initial.yaml")
    cni = next(r for r in plan.recommendations if r.kb_id == "srns.cni.first_line")
    assert "caution.live_vaccines.immunosuppressed" in {c.kb_id for c in cni.cautions}


def test_alternatives_are_not_combined_when_testing_cautions():
    # A child on an ACE inhibitor must not be warned about ACEi + ARB just because the
    # recommendation lists ARBs as alternatives.
    plan = _plan(PATIENTS_DIR / "07_genetic_srns.yaml")
    ids = {c.kb_id for r in plan.recommendations for c in r.cautions} | {w.kb_id for w in plan.warnings}
    assert "caution.srns.raas_dual_blockade" not in ids


def test_egfr_below_30_is_critical():
    plan = _plan(PATIENTS_DIR / "15_egfr_below_30.yaml")
    crit = {w.kb_id for w in plan.warnings if w.severity == "critical"}
    assert "caution.cni.egfr_below_30" in crit
