"""The evaluation set (tests/eval/questions.yaml) as a regression gate.

Thresholds, and why:
- citation coverage must be 100% and must-not violations 0: these are correctness rules, not targets.
- intent accuracy >= 0.90 overall and >= 0.80 on the held-out split: the held-out questions scored
  0.833 (25/30) when first run, before any rule was tuned on them; the dev split, which the rules were
  tuned on, scores 1.0. 0.80 on held-out allows one more miss than that first honest measurement; 0.90
  overall keeps the tuned behaviour from regressing while leaving room for new, harder questions.
- must-contain recall >= 0.90: the held-out split's first honest recall was 0.90.
- scope accuracy >= 0.95: not-covered and partly-covered answers are the honest-scope contract.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nephroguide.answer.evaluate import run

EVAL = Path(__file__).parent / "eval" / "questions.yaml"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return run(EVAL, home=tmp_path_factory.mktemp("eval-home"))


def test_enough_questions(report):
    assert report.n >= 80


def test_citation_coverage_is_complete(report):
    assert report.citation_coverage == 1.0


def test_no_must_not_violations(report):
    assert report.violations == []


def test_intent_accuracy(report):
    assert report.intent_accuracy >= 0.90, [(r.case.id, r.answer.intent, r.case.intent)
                                            for r in report.results if not r.intent_ok]
    held = report.split("heldout")
    assert held.n >= 20 and held.intent_accuracy >= 0.80


def test_must_contain_recall(report):
    assert report.recall >= 0.90, [(r.case.id, r.missing) for r in report.results if r.missing]


def test_scope_accuracy(report):
    assert report.scope_accuracy >= 0.95


def test_every_follow_up_offered_is_answerable(report, tmp_path):
    from nephroguide.answer.evaluate import TODAY
    from nephroguide.api import ask

    offered = sorted({f for r in report.results for f in r.answer.follow_ups})
    assert len(offered) >= 10
    for q in offered:
        a = ask(q, today=TODAY)
        assert a.scope == "covered", (q, a.summary_text)
