"""The evaluation sets (tests/eval/*.yaml) are well formed: a typo in a set silently weakens the
evaluation (a bare `no` in YAML is the boolean False, an unknown topic is never matched, a duplicate id
hides a case), so the files are checked on their own, without running `ask`."""

from __future__ import annotations

import typing
from collections import Counter
from pathlib import Path

import pytest
import yaml

from nephroguide.knowledge.models import Topic

EVAL_DIR = Path(__file__).parent / "eval"
FILES = sorted(EVAL_DIR.glob("*.yaml"))
FIELDS = {"id", "q", "audience", "scope", "topic", "intent", "must_contain", "must_not_contain", "lead", "before",
          "split"}
LISTS = ("must_contain", "must_not_contain", "lead", "before")


def _intents() -> set[str]:
    path = Path(__file__).parents[1] / "src" / "nephroguide" / "answer" / "data" / "understanding.yaml"
    return set(yaml.safe_load(path.read_text(encoding="utf-8"))["intents"])


def _questions(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1, path.name
    assert isinstance(data["questions"], list) and data["questions"], path.name
    return data["questions"]


def test_there_are_several_sets_and_enough_questions():
    assert {p.name for p in FILES} >= {"questions.yaml", "questions_broad.yaml"}
    assert sum(len(_questions(p)) for p in FILES) > 440


def test_ids_are_unique_across_all_sets():
    ids = [q["id"] for p in FILES for q in _questions(p)]
    assert [i for i, n in Counter(ids).items() if n > 1] == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_question_is_well_formed(path):
    topics = set(typing.get_args(Topic))
    intents = _intents()
    problems: list[tuple[object, ...]] = []
    for q in _questions(path):
        qid = q.get("id")
        if set(q) - FIELDS:
            problems.append((qid, "unknown fields", sorted(set(q) - FIELDS)))
        if not isinstance(q.get("q"), str) or not q["q"].strip():
            problems.append((qid, "empty question"))
        if q.get("audience", "clinician") not in {"clinician", "family", "student"}:
            problems.append((qid, "audience", q.get("audience")))
        if q.get("scope", "covered") not in {"covered", "partly_covered", "not_covered"}:
            problems.append((qid, "scope", q.get("scope")))
        if "topic" in q and q["topic"] not in topics:
            problems.append((qid, "topic", q["topic"]))
        if q.get("intent") is not None and q["intent"] not in intents:
            problems.append((qid, "intent", q["intent"]))
        for f in LISTS:
            value = q.get(f) or []
            if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
                problems.append((qid, f, value))   # e.g. lead: [no] parsed as [False]
    assert problems == []


def test_broad_set_names_a_subject_for_every_covered_question_and_holds_out_a_quarter():
    qs = _questions(EVAL_DIR / "questions_broad.yaml")
    for q in qs:
        if q.get("scope", "covered") != "not_covered":
            assert ("topic" in q) != (q.get("intent") is not None), q["id"]
            assert 1 <= len(q.get("must_contain") or []) <= 3, q["id"]
        if q.get("audience") == "family":
            assert "95% CI" in (q.get("must_not_contain") or []), q["id"]
    held = [q for q in qs if q.get("split") == "heldout4"]
    assert 0.2 <= len(held) / len(qs) <= 0.3
    assert len({q.get("topic") or q.get("intent") for q in held}) >= 25   # spread across subjects
    assert Counter(q.get("scope", "covered") for q in qs)["not_covered"] >= 20
    assert Counter(q.get("audience", "clinician") for q in qs).keys() == {"clinician", "family", "student"}
