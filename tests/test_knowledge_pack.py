"""The shipped pack: valid, cross-referenced, and every clinical entry sourced and graded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from nephroguide.errors import KnowledgeError
from nephroguide.knowledge.pack import PACK_DIR, build_pack, map_grade


def test_pack_builds_and_has_content(pack):
    counts = pack.counts()
    assert counts["recommendations"] >= 30
    assert counts["dose_rules"] >= 15
    assert counts["definitions"] >= 15
    assert {"current", "kdigo2012", "haddad2021"} <= set(pack.definition_sets)


def test_every_clinical_entry_has_a_source_and_a_grade(pack):
    tables = {"recommendation": pack.recommendations, "dose rule": pack.dose_rules, "caution": pack.cautions,
              "study": pack.studies, "definition": pack.definitions}
    for kind, table in tables.items():
        for kb_id, entry in table.items():
            assert entry.citations, f"{kind} {kb_id} has no citation"
            for c in entry.citations:
                assert c.source in pack.sources, f"{kind} {kb_id} cites unknown {c.source}"
                g = pack.grade(c)
                assert g.written, f"{kind} {kb_id} has an empty grade"
    for kb_id, conflict in pack.conflicts.items():
        assert all(p.citations for p in conflict.positions), kb_id
        assert sum(p.current for p in conflict.positions) <= 1, kb_id
    for dset in pack.definition_sets.values():
        assert dset.citations


def test_verification_status_follows_source_access(pack):
    # A citation cannot claim more verification than the pack had access to for that source.
    rank = {"unverified": 0, "secondary": 1, "verified": 2}
    for table in (pack.recommendations, pack.dose_rules, pack.cautions, pack.definitions):
        for kb_id, entry in table.items():
            for c in entry.citations:
                assert rank[c.verification] <= rank[pack.sources[c.source].access], (kb_id, c.source)


def test_current_recommendations_have_family_text(pack):
    for kb_id, rec in pack.recommendations.items():
        assert rec.text.strip() and rec.family_text.strip(), kb_id


@pytest.mark.parametrize(("written", "scale", "strength", "certainty"), [
    ("1C", "grade", "strong", "low"), ("2D", "grade", "weak", "very low"), ("1B", "grade", "strong", "moderate"),
    ("practice point", "grade", "ungraded", "ungraded"), ("B, moderate", "aap", "weak", "moderate"),
    ("A, strong", "aap", "strong", "high"), ("not graded", "aap", "ungraded", "ungraded"),
])
def test_grade_mapping(pack, written, scale, strength, certainty):
    g = map_grade(written, pack.grade_scales[scale])
    assert (g.strength, g.certainty) == (strength, certainty)


def test_bad_grade_rejected(pack):
    with pytest.raises(ValueError):
        map_grade("3Z", pack.grade_scales["grade"])


def _copy_pack(tmp_path: Path) -> Path:
    dst = tmp_path / "pack"
    shutil.copytree(PACK_DIR, dst)
    return dst


def test_validate_names_file_id_and_field_for_unknown_key(tmp_path):
    dst = _copy_pack(tmp_path)
    f = dst / "srns" / "cni.yaml"
    data = yaml.safe_load(f.read_text())
    data["recommendations"][0]["dosage"] = "oops"
    f.write_text(yaml.safe_dump(data))
    with pytest.raises(KnowledgeError) as exc:
        build_pack(dst)
    msg = str(exc.value)
    assert "srns/cni.yaml" in msg and "srns.cni.first_line" in msg and "dosage" in msg


def test_validate_catches_dangling_reference(tmp_path):
    dst = _copy_pack(tmp_path)
    f = dst / "srns" / "cni.yaml"
    data = yaml.safe_load(f.read_text())
    data["recommendations"][0]["cautions"].append("caution.does_not_exist")
    f.write_text(yaml.safe_dump(data))
    with pytest.raises(KnowledgeError) as exc:
        build_pack(dst)
    assert "caution.does_not_exist" in str(exc.value)


def test_validate_catches_unknown_source_and_bad_grade(tmp_path):
    dst = _copy_pack(tmp_path)
    f = dst / "srns" / "cni.yaml"
    data = yaml.safe_load(f.read_text())
    data["recommendations"][0]["citations"][0]["grade"] = "9Q"
    f.write_text(yaml.safe_dump(data))
    with pytest.raises(KnowledgeError) as exc:
        build_pack(dst)
    assert "citations.0.grade" in str(exc.value)
    data["recommendations"][0]["citations"][0].update(grade="1C", source="nobody2099")
    f.write_text(yaml.safe_dump(data))
    with pytest.raises(KnowledgeError) as exc:
        build_pack(dst)
    assert "nobody2099" in str(exc.value)


def test_user_definition_set_file(tmp_path, pack):
    data = yaml.safe_load((PACK_DIR / "definition_sets" / "current.yaml").read_text())
    data.update(id="mine", title="My study", status="user")
    data["complete_remission"]["any_of"][0]["limits"][0]["values"] = {"mg/mg": 0.3}
    f = tmp_path / "mine.yaml"
    f.write_text(yaml.safe_dump(data))
    dset = pack.definition_set(str(f))
    assert dset.id == "mine"
    data["complete_remission"]["consecutive"]["count"] = 0
    f.write_text(yaml.safe_dump(data))
    with pytest.raises(KnowledgeError) as exc:
        pack.definition_set(str(f))
    assert "consecutive.count" in str(exc.value)


_TRICKY_YAML = [
    "a: 1\nb: 1.5\nc: true\nd: no\ne: ~\nf: 2021-05-01\ng: '007'\nh: 0x1f\ni: .inf\nj: [1, two, {k: v}]\n",
    "base: &b {x: 1, y: [a, b]}\nother: *b\nmerged:\n  <<: *b\n  y: override\n",
    "- &s shared text\n- *s\n- !!str 12\n- !!int '12'\n- !!binary aGVsbG8=\n- !!set {a, b}\n",
    "? [unhashable]\n: value\n",
    "",
    "--- plain scalar\n",
    "r: &r [1, *r]\n",
    "block: |\n  line one\n  line two\nfolded: >-\n  joined\n  words\n",
]


@pytest.mark.parametrize("text", _TRICKY_YAML)
def test_fast_yaml_loader_matches_pyyaml(text):
    from nephroguide.knowledge.pack import load_yaml_text

    try:
        expected = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        with pytest.raises(type(exc)):
            load_yaml_text(text)
        return
    got = load_yaml_text(text)
    assert repr(got) == repr(expected)
    assert type(got) is type(expected)


def test_a_key_given_twice_in_a_pack_file_is_an_error_naming_it_and_its_line(tmp_path):
    from nephroguide.knowledge.pack import _read_yaml, load_yaml_text

    with pytest.raises(yaml.YAMLError, match="duplicate key 'dose'"):
        load_yaml_text("rule:\n  dose: 2\n  unit: mg/kg\n  dose: 20\n")
    f = tmp_path / "rules.yaml"
    f.write_text("rule:\n  dose: 2\n  dose: 20\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        _read_yaml(f)
    assert "duplicate key 'dose'" in str(exc.value) and "line 3" in str(exc.value)
    assert load_yaml_text("a: {x: 1}\nb: {x: 1}\n") == {"a": {"x": 1}, "b": {"x": 1}}   # same key, other maps


def test_fast_yaml_loader_matches_pyyaml_on_every_pack_file():
    from nephroguide.knowledge.pack import load_yaml_text

    files = sorted(PACK_DIR.rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert load_yaml_text(text) == yaml.load(text, Loader=yaml.CSafeLoader), path


def test_core_only_pack_skips_question_files_but_keeps_every_core_entry():
    core = build_pack(PACK_DIR, core_only=True)
    full = build_pack(PACK_DIR)
    assert not core.complete and full.complete
    assert core.version == full.version  # every file's bytes still count
    for table in ("grade_scales", "drugs", "recommendations", "dose_rules", "cautions", "studies", "definitions",
                  "definition_sets"):
        assert getattr(core, table) == getattr(full, table), table
    assert set(core.sources) < set(full.sources)
    for kb_id, entry in core.conflicts.items():
        assert full.conflicts[kb_id] == entry
    with pytest.raises(KnowledgeError, match="not loaded"):
        core.facts.get("anything")
    with pytest.raises(KnowledgeError, match="not loaded"):
        len(core.answers)


@pytest.mark.parametrize("text, expected", [
    ("schema_version: 1\nfacts:\n  - id: a\n    text: 'x'\nanswers: []\n", True),
    ("# note\nsources:\n  - id: s\nfacts: []\n", True),
    ("sources:\n  - id: s\n", False),                         # no facts/answers: nothing to skip
    ("facts: []\nrecommendations: []\n", False),
    ("facts: []\n\"recommendations\": []\n", False),         # quoted key
    ("{facts: [], recommendations: []}\n", False),          # flow style
    ("---\nfacts: []\n", False),                            # document marker
    ("facts: []\n? recommendations\n: []\n", False),         # complex key
    ("\ufefffacts: []\n", False),                           # BOM
    ("facts: []\n\tcautions: []\n", False),                 # tab at column 0
])
def test_question_only_scan_is_conservative(text, expected):
    from nephroguide.knowledge.pack import _question_only

    assert _question_only(text) is expected


def test_core_only_falls_back_to_the_full_pack_when_a_core_entry_cites_a_question_file(tmp_path):
    dst = _copy_pack(tmp_path)
    shipped = build_pack(dst)
    core = build_pack(dst, core_only=True)
    only_in_question_files = sorted(set(shipped.sources) - set(core.sources))
    assert only_in_question_files
    f = dst / "srns" / "cni.yaml"
    data = yaml.safe_load(f.read_text())
    data["recommendations"][0]["citations"][0]["source"] = only_in_question_files[0]
    data["recommendations"][0]["citations"][0]["grade"] = "not graded"
    f.write_text(yaml.safe_dump(data))
    full = build_pack(dst)
    pack = build_pack(dst, core_only=True)
    assert pack.complete and pack.version == full.version
    assert pack.recommendations == full.recommendations
    assert len(pack.facts) == len(full.facts) > 0


def test_plan_dose_and_remission_are_the_same_from_a_core_only_pack(monkeypatch):
    from nephroguide import api
    from nephroguide.answer.render_plan import dose_markdown, plan_markdown, remission_markdown
    from nephroguide.knowledge import pack as pack_mod

    patients = sorted((Path(__file__).parent / "patients").glob("*.yaml"))
    assert len(patients) >= 5

    def run() -> list[str]:
        out = []
        for p in patients:
            out.append(plan_markdown(api.plan(str(p))))
            out.append(remission_markdown(api.remission(str(p))))
        for drug, ind in (("prednisolone", "first_episode"), ("tacrolimus", None), ("rituximab", None)):
            out.append(dose_markdown(api.dose(drug, weight_kg=20, height_cm=115, indication=ind)))
        return out

    monkeypatch.setattr(pack_mod, "_full", {})
    monkeypatch.setattr(pack_mod, "_core", {})
    with pack_mod.core_only_pack():
        core_out = run()
    assert pack_mod._full == {}, "a plan/dose/remission path needed the full pack"
    assert [p.complete for p in pack_mod._core.values()] == [False]
    full_out = run()
    assert len(pack_mod._full) == 1
    assert core_out == full_out


_SHOWN_FIELDS = {"text", "family_text", "answer", "family_answer", "note", "family_note", "title", "student_note",
                 "rationale", "notes", "subject"}
_INTERNAL_ID = __import__("re").compile(
    r"\b(?:answer|fact|conflict|caution|monitoring|supportive|def|srns|ssns|transplant)\.[a-z_]+(?:\.[a-z0-9_]+)*\b")


def test_no_text_shown_to_readers_names_an_internal_entry_id():
    """A reader never sees 'conflict.first_episode_duration': every field the renderers show is checked in every
    pack file, as loaded."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _SHOWN_FIELDS and isinstance(value, str) and _INTERNAL_ID.search(value):
                    found.append(f"{where}: {key}: {_INTERNAL_ID.search(value).group()}")
                walk(value, where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    files = sorted(PACK_DIR.rglob("*.yaml"))
    assert len(files) > 20
    for path in files:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    assert not found, found


def test_a_gap_pattern_that_does_not_compile_is_a_load_error_naming_the_field():
    import pydantic
    import pytest

    from nephroguide.knowledge.models import DirectAnswer

    entry = {"id": "answer.x.y", "topic": "vaccination", "asks": ["a"], "answer": "b", "family_answer": "c",
             "citations": [{"source": "kdigo2025", "location": "l", "verification": "verified"}],
             "last_reviewed": "2026-12-05", "gap": "an aciclovir dose", "gap_asked": "(unclosed"}
    with pytest.raises(pydantic.ValidationError, match="gap_asked"):
        DirectAnswer.model_validate(entry)
    assert DirectAnswer.model_validate({**entry, "gap_asked": "clovir"}).gap_asked == "clovir"


def test_a_direct_answer_asked_when_pattern_that_does_not_compile_is_a_load_error():
    import pytest
    from pydantic import ValidationError

    from nephroguide.knowledge.models import DirectAnswer

    with pytest.raises(ValidationError, match="asked_when"):
        DirectAnswer(id="answer.x.y", topic="workup", asks=["q"], answer="a", family_answer="a",
                     citations=[{"source": "kdigo2025", "location": "x", "verification": "secondary"}],
                     last_reviewed="2026-12-05", asked_when="(unclosed")


def test_one_answer_is_composed_from_one_pack(monkeypatch) -> None:
    """ask resolves the active pack once (one stat of <home>/pack/CURRENT, not dozens) and composes the whole
    answer from it: a pack approved while an answer is being composed is used from the next question on."""
    from nephroguide import api
    from nephroguide.knowledge import pack as P

    calls: list[int] = []
    real = P.active_pack_dir

    def counting():   # type: ignore[no-untyped-def]
        calls.append(1)
        return real()

    monkeypatch.setattr(P, "active_pack_dir", counting)
    api.ask("what is nephrotic syndrome?")
    assert len(calls) == 1
    with P.pinned_pack() as pinned:
        def switched():   # type: ignore[no-untyped-def]
            raise AssertionError("the active pack was looked up again inside one answer")

        monkeypatch.setattr(P, "active_pack_dir", switched)
        assert P.load_pack() is pinned
    with pytest.raises(AssertionError):   # outside an answer, every call looks again
        P.load_pack()
