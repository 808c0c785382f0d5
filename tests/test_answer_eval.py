"""The evaluation set (tests/eval/questions.yaml) as a regression gate.

Splits: `dev` (109 questions the understanding rules were tuned on), `heldout` and `heldout2` (each
written after the previous round of tuning, scored once, then used for tuning), `heldout3` (written
last, never used to tune intent rules).

First honest runs, before any tuning on them: heldout 0.833 intent accuracy (25/30), 0.90 recall;
heldout2 0.64 (16/25), 0.83 recall; heldout3 0.75 (15/20), 0.88 recall. After two honesty fixes found
by heldout3 (an unknown drug is not covered instead of getting a generic article; a named drug class
with no dose rule is not dosed with another drug), heldout3 scores 0.80.

Thresholds, and why:
- citation coverage must be 100% and must-not violations 0: correctness rules, not targets.
- intent accuracy >= 0.90 overall: keeps the tuned behaviour from regressing.
- intent accuracy >= 0.70 on heldout3: its first honest run was 0.75; this is the estimate of how
  the keyword understanding does on unseen phrasing, and the gate allows one more miss than that.
- must-contain recall >= 0.90 overall; scope accuracy >= 0.95 (the honest-scope contract).
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
    untuned = report.split("heldout3")
    assert untuned.n >= 20 and untuned.intent_accuracy >= 0.70


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
