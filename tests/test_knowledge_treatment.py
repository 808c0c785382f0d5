"""Direct answers of the treatment pathway (knowledge/pack/topics/treatment.yaml): phrasings that can only meet
their own question, answer-first wording, plain family text, and the answers a clinician and a parent get."""

from __future__ import annotations

import datetime as dt
import re

import pytest

_FILE = "topics/treatment.yaml"

_YES_NO_QUESTION = re.compile(r"^(is|are|can|could|does|do|did|should|will|would|has|have|must|may)\b", re.I)
_YES_NO_OPENING = re.compile(
    r"^(yes|no|not|usually|rarely|possibly|perhaps|sometimes|often|very|only|either|somewhat|little|mostly|"
    r"unlikely|likely|probably|never|always|seldom|occasionally)\b", re.I)
# Shorthand a family should not have to read: abbreviations and guideline names.
_CLINICAL_SHORTHAND = re.compile(r"\b(SRNS|SSNS|FRNS|SDNS|CNI|MMF|ACEi|ARB|KDIGO|IPNA|UPCR|FSGS)\b|mg/(kg|m2)")


# Bare questions people type as they are, whose only subject word is the thing defined: the exact phrasing routes
# to its answer; elsewhere in a longer question the other words decide.
_BARE_QUESTIONS = {"what is a relapse"}


@pytest.fixture(scope="module")
def answers(pack):
    out = [a for kb_id, a in pack.answers.items() if pack.origin[kb_id].endswith(_FILE)]
    assert len(out) >= 60
    return out


def test_every_phrasing_names_at_least_two_subject_words(answers):
    """A phrasing reduced to one stem ('relapse what to do' -> relapse) meets every question holding that word."""
    from nephroguide.answer.retrieve import index

    idx = index()
    for a in answers:
        assert len(a.asks) >= 3, a.id
        for text, stems in zip(a.asks, idx.asks(a.id), strict=True):
            assert len(stems) >= 2 or text in _BARE_QUESTIONS, (a.id, text, sorted(stems))


def test_yes_no_questions_are_answered_yes_or_no_first(answers):
    for a in answers:
        if _YES_NO_QUESTION.match(a.asks[0]):
            for text in (a.answer, a.family_answer):
                assert _YES_NO_OPENING.match(text.strip()), (a.id, text[:60])


def test_family_answers_use_plain_words(answers):
    for a in answers:
        found = _CLINICAL_SHORTHAND.search(a.family_answer)
        assert found is None, (a.id, found and found.group(0))


def test_answers_cite_and_support_existing_entries(pack, answers):
    for a in answers:
        assert a.citations and a.support, a.id
        for c in a.citations:
            assert c.source in pack.sources, (a.id, c.source)


@pytest.mark.parametrize(("question", "audience", "first_words"), [
    # the first line answers the question asked, in the reader's words
    ("can a child with SRNS get IV cyclophosphamide if tacrolimus cannot be bought", "clinician", "Only"),
    ("how long should levamisole be continued", "clinician", "At least 12 months"),
    ("is a second cyclophosphamide course allowed for frequent relapses", "clinician", "No"),
    ("maximum prednisolone maintenance dose on alternate days", "clinician", "0.5 mg/kg"),
    ("how many IV methylprednisolone pulses are given", "clinician", "Three"),
    ("what does SDNS stand for", "family", "It stands for steroid-dependent"),
    ("he relapsed again, do we go back to the full dose of prednisolone?", "family", "Yes"),
])
def test_pathway_questions_get_the_direct_answer_first(tmp_path, question, audience, first_words):
    from nephroguide.api import ask

    a = ask(question, audience=audience, home=tmp_path, today=dt.date(2026, 12, 3))
    assert a.summary_text.startswith(first_words), (question, a.summary_text[:120])
    assert a.summary_refs, question
