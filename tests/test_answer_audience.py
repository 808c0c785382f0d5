"""Audiences: same facts and references; clinicians get doses and grades; families plain language at
school grade 6-8 (textstat) without dosing tables unless asked; students get terms explained."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from nephroguide.answer.audience import reading_grade, sentences
from nephroguide.api import ask

TODAY = dt.date(2026, 11, 21)
FAMILY_QUESTIONS = [
    "What is the next step for a child with steroid-resistant nephrotic syndrome?",
    "my son didn't respond to prednisolone after a month, what happens now?",
    "How is a first episode of nephrotic syndrome treated?",
    "my daughter relapsed twice in 6 months, what can we do",
    "What if tacrolimus doesn't work?",
    "Which vaccines should a child with nephrotic syndrome have?",
    "What is partial remission?",
    "Should children with steroid-resistant nephrotic syndrome have genetic testing?",
    "What monitoring is needed for a child on tacrolimus?",
    "How is swelling treated in nephrotic syndrome?",
    "What is the risk of recurrence after kidney transplant in SRNS?",
    "When is a kidney biopsy needed?",
]
MG_TABLE = re.compile(r"\d+(?:\.\d+)?\s*(?:mg|g)/(?:kg|m2)|\d+(?:\.\d+)?\s*mg(?:/day| (?:per day|once daily|twice daily|on alternate days|once every other day|× ))")


def answer(q: str, audience: str):
    return ask(q, audience=audience, today=TODAY)


@pytest.mark.parametrize("q", FAMILY_QUESTIONS)
def test_family_summary_reading_level_is_grade_6_to_8(q):
    a = answer(q, "family")
    assert a.readability is not None and a.readability["method"].startswith("Flesch-Kincaid")
    grade = a.readability["summary_grade"]
    assert grade is not None and reading_grade(a.summary_text) == grade
    if a.direct_answer is None:   # composed summaries are chosen to fit; a direct answer is the pack's own text
        assert 6 <= grade <= 8, (grade, a.summary_text)


@pytest.mark.parametrize("q", FAMILY_QUESTIONS)
def test_family_answers_have_no_dosing_tables_unless_asked(q):
    a = answer(q, "family")
    body = " ".join(i.statement.text for s in a.sections for i in s.items if s.key != "changes")
    assert not MG_TABLE.search(a.summary_text + " " + body), MG_TABLE.search(a.summary_text + " " + body)
    assert "grade 1C" not in a.markdown and "_(grade" not in a.markdown


def test_family_gets_doses_when_asked():
    a = answer("What dose of tacrolimus will my 20 kg daughter take for steroid resistant nephrotic syndrome?",
               "family")
    assert "1 mg twice daily (every 12 hours), 2 mg/day" in a.markdown


def test_family_framing_is_practical():
    a = answer("What is the next step for a child with steroid-resistant nephrotic syndrome?", "family")
    assert "Ask your child's kidney team" in a.summary_text or "Ask the team which" in a.summary_text
    assert "not medical advice" in a.disclaimer


@pytest.mark.parametrize("q", FAMILY_QUESTIONS[:6])
def test_same_facts_and_references_in_all_three(q):
    answers = {aud: answer(q, aud) for aud in ("clinician", "family", "student")}
    refs = {aud: [r.id for r in a.references] for aud, a in answers.items()}
    if answers["clinician"].direct_answer is not None:
        # a direct answer: families read the same statements minus study statistics (never more, never others)
        assert refs["clinician"] == refs["student"] and set(refs["family"]) <= set(refs["clinician"])
        fam = [(s.key, i.statement.kb_id) for s in answers["family"].sections for i in s.items]
        cli = [(s.key, i.statement.kb_id) for s in answers["clinician"].sections for i in s.items]
        assert {k for _, k in fam} <= {k for _, k in cli} and fam
        return
    assert refs["clinician"] == refs["family"] == refs["student"]

    def trail(a, kinds_skipped=("conflict",), results=True):
        return [(s.key, i.statement.kb_id, i.statement.grade) for s in a.sections for i in s.items
                if i.kind not in kinds_skipped and (results or not (i.kind == "evidence" and i.level == 1))]

    assert trail(answers["clinician"]) == trail(answers["student"])
    # families read the same statements, minus dose lines that have no plain-language form (no dosing
    # tables unless asked); conflicts are read as one plain sentence; study results (RR/CI) are not read
    assert trail(answers["clinician"], ("conflict", "dose"), results=False) == trail(answers["family"],
                                                                                    ("conflict", "dose"))
    family_doses = [x for x in trail(answers["family"], ("conflict",)) if x not in trail(answers["family"],
                                                                                        ("conflict", "dose"))]
    assert set(family_doses) <= set(trail(answers["clinician"]))


def test_clinician_is_terse_with_grades_and_doses():
    a = answer("What is the next step for a child with steroid-resistant nephrotic syndrome?", "clinician")
    assert "grade 1C" in a.markdown and "0.1 mg/kg/day" in a.markdown
    assert len(sentences(a.summary_text)) <= 2


def test_student_gets_terms_explained():
    a = answer("What is the next step for a child with steroid-resistant nephrotic syndrome?", "student")
    terms = {g.term for g in a.glossary}
    assert {"SRNS", "CNI"} <= terms or {"SRNS", "CNIs"} & terms
    assert "## Terms" in a.markdown
    assert "strong recommendation" in a.markdown, "grades are explained"
    assert "T-cell" in a.markdown, "the pack's student notes are shown"
    for g in a.glossary:
        assert "8 weeks" not in g.meaning, "superseded definitions are not taught as terms"


def test_family_summary_never_opens_with_a_sentence_that_points_back():
    from nephroguide.answer.audience import pick_family_summary

    first = "Your child will start a new medicine such as tacrolimus or ciclosporin, given twice a day."
    rest = ["These calm the immune system and help the kidneys stop leaking protein.",
            "They are given for at least six months."]
    text, _ = pick_family_summary([first, *rest], "Ask your child's kidney team what happens next.", (0.0, 1.0))
    assert not text.startswith(("These", "They")), text
    srns = ask("What is the next step in treatment for pediatric patients with steroid resistant nephrotic syndrome?",
               audience="family", today=dt.date(2026, 11, 21))
    assert srns.summary_text.split()[0].lower() not in {"these", "this", "they", "it", "those"}, srns.summary_text


def test_a_parent_who_asks_how_many_mg_reads_the_childs_doses_first():
    from nephroguide.api import ask

    q = ("My son is 6 and weighs 22kg, the doctor said nephrotic syndrome and gave prednisolone. How many mg should "
         "he be taking a day and for how many weeks?")
    a = ask(q, audience="family", today=TODAY)
    first = a.summary_text
    assert first.startswith("Prednisolone 44 mg once daily: one dose by mouth every day for 4 weeks")
    assert "Then 33 mg once every other day" in first and first.index("44 mg") < first.index("33 mg")
    assert "mg/kg" not in first   # the worked-out dose, not the rule


def test_the_family_summary_keeps_the_lead_statement_even_when_another_reads_more_easily():
    from nephroguide.answer.audience import pick_family_summary

    lead = ("When the usual medicines have not worked, a research study of a newer medicine may be the best "
            "next step for many children whose kidneys keep leaking protein despite treatment.")
    other = "Rituximab is a drip."
    text, _ = pick_family_summary([lead, other], "Ask the team.", (1.0, 2.0))   # no option reaches grade 2
    assert text.startswith(lead)


def test_a_teenager_asking_about_themself_is_spoken_to_not_about():
    import datetime as dt

    from nephroguide.answer.audience import asks_for_self, to_the_reader
    from nephroguide.api import ask

    assert asks_for_self("im 15 and ive had nephrotic since i was 3, can i stop taking my steroids")
    assert not asks_for_self("my son is 15, can he stop his steroids")
    assert to_the_reader("Your child takes it once a day and needs blood tests.") == \
        "You take it once a day and need blood tests."
    assert to_the_reader("Let your child rest if they feel unwell.") == "Rest if you feel unwell."
    # "they" stays the team's when the sentence names the team
    assert to_the_reader("Tell the team if your child is upset, and they can help.") == \
        "Tell the team if you are upset, and they can help."
    a = ask("im 14 and i have nephrotic, can i go swimming with my friends when my face is puffy?", audience="family",
            today=dt.date(2026, 12, 3))
    assert "your child" not in a.summary_text.lower() and "you" in a.summary_text
    b = ask("my daughter is 14, can she go swimming when her face is puffy?", audience="family",
            today=dt.date(2026, 12, 3))
    assert "your child" in (b.summary_text + " ".join(i.statement.text for s in b.sections for i in s.items)).lower()


def test_a_slashed_abbreviation_is_one_glossary_term_never_standard_deviation():
    from nephroguide.answer.audience import glossary
    from nephroguide.knowledge.pack import load_pack

    entries = glossary(["About 80% relapse (half of them FR/SD); SRNS is different."], [], load_pack())
    terms = {g.term: g.meaning for g in entries}
    assert terms.get("FR/SD") == "frequently relapsing or steroid-dependent"
    assert "SD" not in terms and "FR" not in terms
    assert terms.get("SRNS") == "steroid-resistant nephrotic syndrome"
