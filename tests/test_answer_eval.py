"""The evaluation sets (every tests/eval/*.yaml) as a regression gate.

questions.yaml: the treatment pathway (dev tuned on; heldout, heldout2 scored once then tuned on;
heldout3 never tuned on). questions_broad.yaml: the whole disease (dev tuned on; heldout4, about a
quarter, never used to tune understanding rules, retrieval or pack wording).

Measured 2026-12-03 (benchmarks/eval_ask.py, brief answers): pathway set 81.5% pass (intent 92.4%);
broad set 61.5%; heldout3 75%; heldout4 58.9%; lead line 78.5% of 317 questions with a lead; 3 of 38
out-of-scope questions answered; median words clinician 408, family 358; citation coverage 100%.
Seven pathway questions still expect the dose wording before issue 10 ("2 mg per day", "1 mg × 2"; the
answers now say "1 mg twice daily (every 12 hours), 2 mg/day").

A question passes when its intent (pathway) or topic matches, its scope matches, its first line holds
one of its ``lead`` texts, it contains every ``must_contain`` and none of its ``must_not_contain`` as
current advice. Thresholds are the measured figures (benchmarks/eval_ask.py) rounded down a little, so
that a regression fails; the issue's target (95% pass) is not yet met and is reported, not asserted.

Correctness rules, not targets: citation coverage 100% (summary included); the length budgets of
issue 11 (median words of the default answer: clinician <= 600, family <= 400).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nephroguide.answer.evaluate import run

EVAL = Path(__file__).parent / "eval"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return run(EVAL, home=tmp_path_factory.mktemp("eval-home"))


def test_every_set_is_loaded(report):
    sources = {r.case.source for r in report.results}
    assert {"questions.yaml", "questions_broad.yaml"} <= sources
    assert report.n >= 500


def test_citation_coverage_is_complete(report):
    assert report.citation_coverage == 1.0


def test_pathway_set_pass_rate(report):
    part = report.where(lambda r: r.case.source == "questions.yaml")
    assert part.pass_rate >= 0.84, [(r.case.id, r.missing) for r in part.results if not r.passed]
    assert part.intent_accuracy >= 0.90


def test_broad_set_pass_rate(report):
    part = report.where(lambda r: r.case.source == "questions_broad.yaml")
    assert part.pass_rate >= 0.65


def test_untuned_splits_are_reported_and_hold(report):
    assert report.split("heldout3").n >= 20 and report.split("heldout3").pass_rate >= 0.70
    assert report.split("heldout4").n >= 80 and report.split("heldout4").pass_rate >= 0.57


def test_not_covered_questions_are_not_answered_with_another_topic(report):
    oos = report.where(lambda r: r.case.scope == "not_covered")
    assert oos.n >= 20
    wrong = [r.case.id for r in oos.results if r.answer.scope != "not_covered"]
    assert len(wrong) / oos.n <= 0.15, wrong
    for r in oos.results:
        if r.answer.scope == "not_covered":
            assert not r.answer.sections and r.answer.summary_text.startswith("nephroguide")


def test_lead_line_answers_the_question(report):
    with_lead = report.where(lambda r: bool(r.case.lead))
    assert with_lead.n >= 200
    assert sum(r.lead_ok for r in with_lead.results) / with_lead.n >= 0.75


def test_length_budgets(report):
    assert report.median_words("clinician") <= 600
    assert report.median_words("family") <= 400


def test_every_follow_up_offered_is_answerable(report):
    from nephroguide.answer.evaluate import TODAY
    from nephroguide.api import ask

    offered = sorted({f for r in report.results for f in r.answer.follow_ups})
    assert len(offered) >= 10
    not_answered = [q for q in offered if ask(q, today=TODAY).scope == "not_covered"]
    assert not not_answered, not_answered


def test_neighbour_topics_are_few_declared_pairs_of_real_topics():
    from nephroguide.answer.evaluate import neighbour_topics
    from nephroguide.knowledge.pack import load_pack

    pairs = neighbour_topics()
    from nephroguide.answer.retrieve import settings

    topics = {a.topic for a in load_pack().answers.values()} | set(settings()["intent_topic"].values())
    assert 0 < len(pairs) <= 4
    for pair in pairs:
        assert len(pair) == 2 and pair <= topics, pair
    assert frozenset(("monitoring", "adverse_effects")) in pairs
    assert frozenset(("prognosis", "relapse")) not in pairs   # a treatment article is not a prognosis answer
