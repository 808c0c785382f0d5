"""Facts and direct answers of the shipped pack: honest verification, plain family wording, answer first."""

from __future__ import annotations

import re

import pytest

# Statistics and grade codes families must not see: RR/HR/OR/CI, p values, KDIGO (1B) and IPNA (A, strong) grades.
_STATISTIC_OR_GRADE = re.compile(
    r"\b(RR|HR|OR|CI|aHR|AHR)\b|\bp\s*[=<>]\s*0|\b[12][A-D]\b|\b[A-DX],\s*(strong|moderate|weak|discretionary)\b")

# A yes/no question (its first phrasing starts with an auxiliary verb) must be answered in the first word:
# yes or no, or a hedged form of them.
_YES_NO_QUESTION = re.compile(r"^(is|are|can|could|does|do|did|should|will|would|has|have|must|may)\b", re.I)
_YES_NO_OPENING = re.compile(
    r"^(yes|no|not|usually|rarely|possibly|perhaps|sometimes|often|very|only|either|somewhat|little|mostly|"
    r"unlikely|likely|probably|never|always|seldom|occasionally)\b", re.I)

# The broad-sheet topic files whose answers this test holds to the yes/no rule.
_BROAD_FILES = {f"topics/{name}.yaml" for name in
                ("presentation", "causes", "workup", "ssns_course", "complications", "supportive", "diet")}

_RANK = {"unverified": 0, "secondary": 1, "verified": 2}


def test_facts_and_answers_do_not_claim_more_verification_than_the_source_had(pack):
    for table in (pack.facts, pack.answers):
        for kb_id, entry in table.items():
            for c in entry.citations:
                assert _RANK[c.verification] <= _RANK[pack.sources[c.source].access], (kb_id, c.source)


def test_family_wording_has_no_statistics_or_grade_codes(pack):
    for kb_id, fact in pack.facts.items():
        found = _STATISTIC_OR_GRADE.search(fact.family_text)
        assert found is None, (kb_id, found and found.group(0))
    for kb_id, ans in pack.answers.items():
        found = _STATISTIC_OR_GRADE.search(ans.family_answer)
        assert found is None, (kb_id, found and found.group(0))


def test_the_statistics_pattern_catches_what_it_should():
    for text in ("RR 0.41 (95% CI 0.2-0.8)", "p=0.70", "grade 1B", "A, strong", "HR 1.77"):
        assert _STATISTIC_OR_GRADE.search(text), text
    for text in ("Take 2 tablets", "about 3 in 100 children", "or ask the team", "the B cells come back"):
        assert not _STATISTIC_OR_GRADE.search(text), text


_NO_GUIDANCE_OPENING = re.compile(r"^(?:the sources give no|our guidance (?:gives|has) no)\b", re.I)


def test_broad_sheet_yes_no_questions_are_answered_first(pack):
    checked = 0
    for kb_id, ans in pack.answers.items():
        if pack.origin[kb_id] not in _BROAD_FILES or not _YES_NO_QUESTION.match(ans.asks[0]):
            continue
        checked += 1
        for text in (ans.answer, ans.family_answer):
            if ans.gap and _NO_GUIDANCE_OPENING.match(text.strip()):
                continue   # the sources say nothing either way: that is the first thing said, not a guessed yes/no
            assert _YES_NO_OPENING.match(text.strip()), (kb_id, text[:60])
    assert checked >= 40


@pytest.mark.parametrize("kb_id", ["answer.infection.peritonitis_risk", "answer.lipids.treat", "answer.diet.fruit",
                                   "answer.edema.when_albumin", "answer.causes.contagious",
                                   "answer.infection.steroids_cold"])
def test_key_broad_answers_exist_with_support(pack, kb_id):
    ans = pack.answers[kb_id]
    assert ans.support and ans.citations
    assert all(s in pack.facts or s in pack.recommendations or s in pack.cautions or s in pack.conflicts
               or s in pack.definitions for s in ans.support)


def test_broad_sheet_conflicts_have_one_current_position_with_a_reason(pack):
    for kb_id, fact in pack.facts.items():
        if pack.origin[kb_id] not in _BROAD_FILES:
            continue
        for ref in fact.conflicts:
            conflict = pack.conflicts[ref]
            assert sum(p.current for p in conflict.positions) == 1, ref
            assert conflict.note.strip(), ref
