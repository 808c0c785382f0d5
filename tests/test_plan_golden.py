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
    md = plan_markdown(plan)
    js = json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n"
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
