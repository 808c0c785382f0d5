"""The evaluation sets (every tests/eval/*.yaml) as a regression gate.

questions.yaml: the treatment pathway (dev, heldout, heldout2 and heldout3: tuned on). questions_broad.yaml: the
whole disease (dev and heldout4: tuned on since session 3). questions_heldout5.yaml: written blind by a helper,
opened in session 3 to find kinds of engine failure. questions_heldout6.yaml: written blind, opened in session 9
to find kinds of failure. questions_heldout7.yaml: written blind in session 9, never opened or tuned on: the
honest measure of new questions (63% when first scored). questions_probes.yaml: the 100 questions of five blind
probes in session 16 (helpers judged the first two lines; their failures were fixed), kept as a regression split.

Measured 2026-12-03 (benchmarks/eval_ask.py --rounds 0 --fresh 0, brief answers): the 566 questions of the two
tuned files 95.4% (pathway 95.7%, broad 95.3%, heldout4 95.8%); heldout5 65.5%; heldout6 55.0%; all 776: 86.0%;
lead line 95.7%; median words clinician 392, family 352; citation coverage 100%.

A question passes when its intent (pathway) or topic matches, its scope matches, its first line holds
one of its ``lead`` texts, it contains every ``must_contain`` and none of its ``must_not_contain`` as
current advice. Thresholds are the measured figures rounded down a little, so that a regression fails; the
issue's target (95% on every set) is met on the tuned files, not on the blind ones, and is reported, not asserted.

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
    assert {"questions.yaml", "questions_broad.yaml", "questions_heldout5.yaml", "questions_heldout6.yaml",
            "questions_heldout7.yaml"} <= sources
    assert report.n >= 700


def test_citation_coverage_is_complete(report):
    assert report.citation_coverage == 1.0


def test_pathway_set_pass_rate(report):
    part = report.where(lambda r: r.case.source == "questions.yaml")
    assert part.pass_rate >= 0.95, [(r.case.id, r.missing) for r in part.results if not r.passed]
    assert part.intent_accuracy >= 0.95


def test_broad_set_pass_rate(report):
    part = report.where(lambda r: r.case.source == "questions_broad.yaml")
    assert part.pass_rate >= 0.95


def test_untuned_splits_are_reported_and_hold(report):
    assert report.split("heldout3").n >= 20 and report.split("heldout3").pass_rate >= 0.80
    assert report.split("heldout4").n >= 80 and report.split("heldout4").pass_rate >= 0.95
    assert report.split("heldout5").n >= 100 and report.split("heldout5").pass_rate >= 0.74
    assert report.split("heldout6").n >= 100 and report.split("heldout6").pass_rate >= 0.68
    # never read, never tuned on: a floor under the honest figure, so a regression in generalisation fails
    assert report.split("heldout7").n >= 100 and report.split("heldout7").pass_rate >= 0.60


def test_blind_probe_questions_stay_fixed(report):
    # the 100 questions of the session-16 blind probes (questions_probes.yaml), fixed after they were judged
    part = report.split("probes")
    assert part.n >= 100 and part.pass_rate >= 0.95, [(r.case.id, r.missing, r.violations) for r in part.results
                                                     if not r.passed]


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
    assert sum(r.lead_ok for r in with_lead.results) / with_lead.n >= 0.95


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
