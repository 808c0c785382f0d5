"""Answer the question that was asked, first (issue 11; issue 10 items 6-7): routing to a direct answer,
the direct line first, brief answers with the full article one step away, honest scope naming the
subject, and follow-ups that keep their context."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from nephroguide.answer.evaluate import current_text
from nephroguide.answer.retrieve import retrieve
from nephroguide.api import ask

TODAY = dt.date(2026, 11, 21)


def answer(q: str, **kw):
    return ask(q, today=TODAY, **kw)


def test_mmr_on_tacrolimus_says_no_first_then_what_can_be_given():
    a = answer("Can a child on tacrolimus have the MMR vaccine?")
    assert a.summary_text.startswith("No: live vaccines") and "tacrolimus" in a.summary_text
    body = current_text(a)
    for needed in ("inactivated", "pneumococcal", "influenza", "household"):
        assert needed in body, needed
    assert "older advice" not in a.summary_text.lower()
    family = answer("Can a child on tacrolimus have the MMR vaccine?", audience="family")
    assert family.summary_text.startswith("No") and "tacrolimus" in family.summary_text


def test_cyclophosphamide_in_srns_says_not_recommended_on_the_first_line():
    a = answer("Should cyclophosphamide be used in SRNS?")
    first = a.markdown.split("\n\n")[2]   # title, question, then the answer
    assert first.startswith(("**No:", "**No,")) and "not recommended" in first


def test_hyperlipidaemia_is_not_answered_with_the_first_episode_article():
    a = answer("How is hyperlipidemia treated?")
    assert a.scope == "covered" and a.topic == "lipids"
    assert "first episode" not in a.title.lower() and "60 mg/m2/day" not in current_text(a)


def test_rituximab_versus_levamisole_is_not_headed_by_a_transplant_study():
    a = answer("Is rituximab better than levamisole for FRNS?")
    assert a.topic != "transplant" and "transplant" not in a.summary_text.lower()
    assert "levamisole" in a.summary_text.lower()


def test_likely_to_recur_is_about_relapse_not_transplant_recurrence():
    a = answer("Is nephrotic syndrome likely to recur?")
    assert a.topic == "prognosis" and a.summary_text.startswith("Yes")
    assert "transplant" not in a.summary_text.lower()


def test_general_answer_states_the_cumulative_rule_never_a_child_specific_caution():
    a = answer("What are the options for frequently relapsing nephrotic syndrome?", detail="full")
    assert "has reached 168" not in a.markdown
    assert "cumulative maximum 168 mg/kg" in a.markdown or "cumulative limit for cyclophosphamide is 168 mg/kg" in a.markdown


def test_child_who_reached_the_limit_gets_the_specific_caution(tmp_path):
    rec = {"age_years": 8, "weight_kg": 25, "sex": "male", "medications": [
        {"drug": "cyclophosphamide", "start": "2026-01-01", "end": "2026-03-25", "dose": 2, "dose_unit": "mg/kg/day",
         "frequency": "daily"}]}
    a = answer("What are the options for frequently relapsing nephrotic syndrome?", patient=rec, detail="full")
    assert "cumulative cyclophosphamide dose has reached 168 mg/kg" in a.markdown


def test_brief_by_default_full_article_one_step_away():
    brief = answer("What is the next step for a child with steroid-resistant nephrotic syndrome?")
    full = answer("What is the next step for a child with steroid-resistant nephrotic syndrome?", detail="full")
    assert brief.detail == "brief" and full.detail == "full"
    assert brief.more > 0 and full.more == 0
    assert len(brief.markdown.split()) < len(full.markdown.split()) / 2
    assert "--detail full" in brief.markdown
    md = brief.markdown
    assert md.index("## Follow-up questions") < md.index("## References"), "follow-ups right after the answer"
    assert brief.summary_text == full.summary_text


def test_not_covered_names_the_subject_and_offers_closest_questions():
    a = answer("Is homeopathy useful for nephrotic syndrome?")
    assert a.scope == "not_covered" and a.exit_code == 3
    assert "no guidance on homeopathy" in a.summary_text and not a.sections and a.follow_ups
    adult = answer("Haemodialysis prescription for an adult with ESKD")
    assert adult.scope == "not_covered" and not adult.sections


def test_retrieval_ranks_the_direct_answer_and_names_unknown_subjects():
    r = retrieve("can a child on tacrolimus have the mmr vaccine", ["tacrolimus"])
    assert r.answer is not None and r.answer.id == "answer.vaccination.live_on_immunosuppressants"
    assert r.answer.match >= 0.9
    unknown = retrieve("is homeopathy useful")
    assert "homeopathy" in unknown.unknown


def test_direct_answer_statements_are_cited_and_family_has_no_statistics():
    a = answer("Why are nephrotic children at risk of blood clots?", audience="family")
    assert a.direct_answer and a.summary_refs
    for s in a.sections:
        for i in s.items:
            assert i.statement.refs
            assert "95% CI" not in i.statement.text and "(RR" not in i.statement.text


def test_interactive_prompt_keeps_the_subject_across_turns(tmp_path):
    env = {**os.environ, "NEPHROGUIDE_HOME": str(tmp_path)}
    stdin = "Can a child on tacrolimus have the MMR vaccine?\nand the flu jab?\nquit\n"
    r = subprocess.run([sys.executable, "-m", "nephroguide.cli", "ask", "--format", "json"], input=stdin,
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    import json

    decoder = json.JSONDecoder()
    out = r.stdout   # the prompt ("? ") is printed before each answer
    first, end = decoder.raw_decode(out, out.index("{"))
    second, _ = decoder.raw_decode(out, out.index("{", end))
    assert first["topic"] == "vaccination" and second["topic"] == "vaccination"
    assert second["context"]["from_session"] and second["summary"]["text"].startswith("Yes")
    assert "flu" in second["summary"]["text"].lower() and "MMR" not in second["summary"]["text"]


def test_several_questions_in_one_message_each_get_their_direct_answer():
    a = answer("three questions: can she go swimming, does she need to avoid salt, and can she have the flu spray "
               "they give at school?", audience="family")
    key = next(s for s in a.sections if s.key == "key")
    text = " ".join(i.statement.text for i in key.items)
    assert "salt" in text.lower() and "nasal" in text.lower()
    assert all(i.statement.refs for i in key.items)


def test_http_api_detail_full_and_bad_detail(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from nephroguide.web.app import create_app
    from nephroguide.web.settings import Settings

    client = TestClient(create_app(Settings(home=tmp_path)), raise_server_exceptions=False)
    q = "What is the next step for a child with steroid-resistant nephrotic syndrome?"
    brief = client.post("/api/v1/ask", json={"question": q}).json()
    full = client.post("/api/v1/ask", json={"question": q, "detail": "full"}).json()
    assert brief["detail"] == "brief" and full["detail"] == "full"
    assert brief["more_statements"] > 0 and full["more_statements"] == 0
    assert len(full["markdown"].split()) > len(brief["markdown"].split())
    bad = client.post("/api/v1/ask", json={"question": q, "detail": "everything"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


def test_an_answer_about_another_medicine_is_never_given():
    a = answer("Is tacrolimus safe in pregnancy?")
    assert "mycophenolate" not in a.summary_text.lower()


def test_dose_words_without_a_medicine_get_the_direct_answer_not_a_dosing_article():
    # "how much" and "dose" alone do not make a dosing question: there is no medicine to dose
    protein = answer("how much protein should he eat", audience="family")
    assert protein.topic == "diet" and protein.intent != "dosing"
    assert "protein" in protein.summary_text.lower() and "prednisolone" not in protein.summary_text.lower()
    live = answer("steroid dose threshold for live vaccines")
    assert live.topic == "vaccination" and "mg/kg" in live.summary_text   # the threshold itself, first
    # a medicine named keeps the dosing article
    assert answer("Tacrolimus dose for a 20 kg child with SRNS").intent == "dosing"


def test_general_answers_carry_no_caution_about_who_the_child_is():
    for q in ("What is the prednisolone dose for the first episode?", "how is the first episode treated?"):
        a = answer(q, detail="full")
        ids = {i.statement.kb_id for s in a.sections for i in s.items}
        assert "caution.out_of_scope_age" not in ids, q
    # a grown-up patient named in a question is outside the pack altogether (session 8: no children's regimen)
    adult = answer("Treatment of minimal change disease in a 35-year-old man", detail="full")
    assert adult.scope == "not_covered" and not adult.sections


def test_conflict_titles_are_words_not_topic_codes():
    from nephroguide.answer.compose import _conflict_title
    from nephroguide.knowledge.pack import load_pack

    conflicts = list(load_pack().conflicts.values())
    assert conflicts
    for c in conflicts:
        title = _conflict_title(c)
        assert title.startswith("Sources differ: ") and "_" not in title and "." not in title, title
        assert title != c.topic


def test_medicine_with_a_subject_never_said_together_is_not_answered_about_something_else():
    # the pack has tacrolimus (food, side effects) and pregnancy (mycophenolate), never tacrolimus in pregnancy
    a = answer("Is tacrolimus safe in pregnancy?")
    assert a.scope == "not_covered"
    assert "pregnancy" in a.summary_text and "tacrolimus" in a.summary_text
    assert "grapefruit" not in a.summary_text.lower()
    # a covered pair still gets its answer
    assert answer("Can my child eat grapefruit on tacrolimus?").scope == "covered"


def test_a_phrasing_that_is_a_small_part_of_one_question_does_not_win():
    # "school" is the whole of a school answer's phrasing, but this question is about the live nasal flu vaccine
    a = answer("can she have the flu spray they give at school", audience="family")
    assert a.topic == "vaccination", a.summary_text
    assert "nasal" in a.summary_text.lower()


def test_a_message_with_a_part_about_another_condition_answers_the_rest_and_names_what_is_not_covered():
    q = "Can my son on prednisolone have the MMR? And which cream is best for his eczema?"
    a = answer(q, audience="family")
    assert a.scope == "partly_covered" and "skin disease" in a.scope_note
    assert a.summary_text.lower().startswith("no") and "live" in current_text(a).lower()
    assert a.question == q
    # the same condition on its own is not covered at all
    assert answer("which cream is best for eczema?").scope == "not_covered"


def test_an_exam_question_with_lettered_options_is_read_from_its_stem():
    from nephroguide.answer.ask import split_options

    q = "Which drug used in FRNS needs ANCA monitoring? A) MMF B) levamisole C) tacrolimus D) rituximab"
    stem, options = split_options(q)
    assert stem.endswith("ANCA monitoring?") and [k for k, _ in options] == ["A", "B", "C", "D"]
    assert options[1] == ("B", "levamisole")
    # ordinary questions (a "?" and no lettered options) are left alone
    assert split_options("Is it safe? He is 5.") == ("Is it safe? He is 5.", [])
    a = answer(q, audience="student")
    assert a.question == q and a.scope == "covered"
    assert not a.summary_text.startswith(("A)", "B)", "C)", "D)"))   # no guessed letter


def test_an_answer_that_never_gives_the_duration_asked_for_says_so():
    from nephroguide.answer.direct import missing_kinds

    assert missing_kinds("which antibiotic and for how many days?", "cefotaxime or ceftriaxone IV") == \
        ["how long to give it"]
    assert missing_kinds("how long does levamisole have to be given?", "for at least 12 months") == []
    assert missing_kinds("what dose of enoxaparin?", "low-molecular-weight heparin is used") == ["the dose asked for"]
    assert missing_kinds("when should I call the doctor?", "if there is fever or tummy pain") == []   # not a number
    # the pack names the antibiotics for peritonitis but holds no sourced course length
    a = answer("Peritonitis in a nephrotic child: which antibiotic and for how many days?")
    assert a.scope == "partly_covered" and "how long" in a.scope_note and "cefotaxime" in a.summary_text.lower()


def test_a_part_about_adults_or_another_illness_is_set_aside_and_named():
    a = answer("24 year old with childhood SSNS now relapsing again - how common is that and how are adults treated?")
    assert a.scope == "partly_covered" and "adults" in a.scope_note and "relapse" in a.summary_text.lower()
    b = answer("tac trough target in SRNS, and how do I treat his asthma flare?")
    assert b.scope == "partly_covered" and "lung disease" in b.scope_note and "ng/mL" in b.summary_text
    # after "they say HUS", "will he need dialysis?" is about HUS: not answered as nephrotic syndrome
    c = answer("my toddler had bloody diarrhoea and now they say HUS, will he need dialysis?", audience="family")
    assert c.scope == "not_covered"


def test_a_question_about_something_the_pack_never_mentions_is_set_aside_by_name():
    a = answer("relapse, 30 kg - pred dose? and can I swap to deflazacort, mum worried about weight")
    assert a.scope == "partly_covered" and "deflazacort" in a.scope_note
    assert "60 mg" in a.summary_text and "relapse" in a.summary_text.lower()   # 2 mg/kg x 30 kg, cap 60 mg
    # narrative words the pack does not use ("the GP thought it was hayfever") are not a separate question
    b = answer("how do i know if it is nephrotic syndrome? his eyes were puffy every morning for a week and the GP "
               "thought it was hayfever", audience="family")
    assert b.scope == "covered"


def test_a_question_about_one_step_is_not_answered_by_a_curated_answer_about_another():
    # after CNI failure: not the "tacrolimus beats cyclophosphamide as first treatment" trial answer
    a = answer("does IV cyclophosphamide work after tacrolimus failure?")
    assert a.intent == "cni_resistant_next_step"
    assert a.summary_text.startswith("No") and "not recommended" in a.summary_text
    assert "Tacrolimus is better" not in a.summary_text


def test_dipstick_grades_are_searched_as_words():
    from nephroguide.answer.retrieve import grades

    assert grades("dipstick 3+ for 3 days").split() == ["dipstick", "3plus", "for", "3", "days", "3day"]
    assert grades("protein +++").split() == ["protein", "3plus"] and grades("two plus").split() == ["2plus"]
    assert grades("C3+C4 normal") == "C3+C4 normal"   # not a reading
    a = answer("is 2+ a relapse", audience="family")
    assert a.summary_text.startswith("No") and "3+" in a.summary_text


def test_a_quoted_drug_level_is_read_against_the_trough_target():
    high = answer("her tacrolimus level came back 14, is that dangerous?")
    assert "above" in high.summary_text and "5-10" in high.summary_text
    assert "missed doses" not in high.summary_text.lower()   # never the low-level answer to a high level
    # "came back" about a result is not a relapse
    assert "in_relapse" not in high.understanding["stage"]


def test_adult_words_about_a_childs_outcome_or_care_do_not_make_the_patient_an_adult():
    assert answer("Final adult height after childhood SSNS?").scope == "covered"
    assert answer("VTE incidence in childhood NS compared with adults?").scope == "covered"
    assert answer("Adult with steroid resistant FSGS, is tacrolimus used?").scope == "partly_covered"


def test_a_dose_question_naming_the_alternate_day_phase_leads_with_that_phase():
    a = answer("1st episode, 20kg, finished 4/52 daily pred and in remission. alt-day dose?")
    assert a.summary_text.startswith("Prednisolone, first episode, alternate-day phase")
    assert "30 mg once every other day" in a.summary_text   # 1.5 mg/kg x 20 kg
    daily = answer("1st episode, 20kg - pred dose?")
    assert "daily phase" in daily.summary_text and "40 mg once daily" in daily.summary_text


def test_day_counts_tell_two_days_of_3plus_from_three():
    from nephroguide.answer.retrieve import grades

    assert grades("3+ for 2 days").split()[-1] == "2day" and grades("three consecutive days").split()[-1] == "3day"
    two = answer("3+ on the stick for 2 days, start pred?", audience="family")
    three = answer("3+ for 3 days, what now?", audience="family")
    assert two.summary_text.startswith("Not yet") and "3 days" in two.summary_text
    assert "relapse" in three.summary_text.lower() and not three.summary_text.startswith("Not yet")


def test_a_yes_no_answer_reached_from_the_other_way_round_drops_its_yes_or_no():
    from nephroguide.answer.direct import same_polarity

    asks = ["does he need to avoid other children", "can he be around other kids"]
    assert same_polarity("Can he be around other kids?", asks, "No. Your child can mix.") == "Your child can mix."
    assert same_polarity("should he avoid other kids?", asks, "No. Your child can mix.") == "No. Your child can mix."
    a = answer("Can he be around other kids?", audience="family")
    assert not a.summary_text.startswith("No") and "mix with other children" in a.summary_text


def test_a_stage_named_keeps_its_article_over_a_near_exact_answer_about_another_step():
    a = answer("what if tacrolimus doesn't work?")
    assert a.intent == "cni_resistant_next_step" and "trial" in a.summary_text


def test_a_side_effect_of_the_medicine_named_gets_its_side_effect_answer_not_the_treatment_article():
    q = ("My son is on cyclosporine and his gums are growing over his teeth and he's getting hairy. Is this from the "
         "medicine and should we stop it?")
    a = answer(q, audience="family")
    assert a.topic == "adverse_effects" and "gums" in a.summary_text.lower()
    assert "drip" not in a.summary_text.lower()


def test_puffy_again_on_alternate_day_prednisolone_reads_as_a_relapse():
    q = ("my sons legs and eyes are puffy agian and he peeing frothy, he is on the predisolone 10mg every other day, "
         "do i up the dose or ring the docter")
    a = answer(q, audience="family")
    assert "in_relapse" in a.understanding["stage"] and "first episode" not in a.summary_text.lower()
    assert a.scope == "covered"   # no "no guidance on docter" banner: a typo is not a subject


def test_each_question_of_a_message_is_answered_in_the_first_line():
    q = "three questions: can she go swimming, does she need to avoid salt, and can she have the flu spray they give at school?"
    a = answer(q, audience="family")
    first = a.summary_text
    assert "salt" in first and "Can she have the flu spray they give at school? Not the nasal spray: it is a live vaccine" in first
    assert first.count("?") >= 2 and not first.startswith("No")   # "can she go swimming?" is not answered "No"
    assert "Can she go swimming? Yes" in first
    assert {a.topic, *a.also_topics} >= {"diet", "vaccination"}


def test_a_which_agent_question_names_the_agents_in_the_first_line():
    q = ("7yo with steroid-sensitive NS, 3rd relapse this year while on alternate-day pred 0.3 mg/kg - what "
         "steroid-sparing agent would you go for next?")
    first = answer(q).summary_text
    assert "levamisole" in first and "cyclophosphamide" in first and "rituximab" in first


def test_fever_with_abdominal_pain_puts_peritonitis_first_whatever_else_is_named():
    q = ("Nephrotic child in relapse with fever, abdominal pain and tenderness, albumin 14 g/L. What's the concern "
         "and empirical management?")
    a = answer(q)
    assert a.summary_text.startswith("Peritonitis") and "cephalosporin" in a.summary_text
    fam = answer("my daughter has nephrotic syndrome and now has a temperature and bad stomach ache", audience="family")
    assert "peritonitis" in fam.summary_text.lower() and "hospital" in fam.summary_text.lower()


def test_a_second_question_is_answered_in_the_first_line_only_when_its_answer_fits_it():
    a = answer("Can a child in relapse on high-dose prednisolone get the MMR/varicella live vaccine? When is it safe?")
    assert a.summary_text.startswith("No") and "When is it safe?" not in a.summary_text


def test_a_partial_responder_on_a_cni_is_told_to_continue_not_to_stop():
    a = answer("SRNS on tacrolimus 9 months, partial remission only. Stop it or carry on?")
    assert "cni_responsive" in a.understanding["stage"]
    assert a.summary_text.startswith("Partial remission") and "continue the CNI for at least 12 months" in a.summary_text


def test_every_question_of_a_message_is_answered_or_said_to_be_not_covered_in_the_first_lines():
    # the part the pack has nothing on is named in the summary itself, not only in a note below it
    a = answer("Can she go swimming? And also can she take montelukast for her wheeze?", audience="family")
    first, _, rest = a.summary_text.partition("Can she take montelukast")
    assert "swim" in current_text(a) and first.strip()
    assert rest and "no information on montelukast" in rest and "kidney team" in rest
    assert a.scope == "partly_covered" and "montelukast" in a.scope_note
    # a part about another condition is named too ("how is lupus nephritis treated?"), and the part the pack
    # answers is answered first
    b = answer("How do I tell lupus nephritis from minimal change at onset, and how is lupus nephritis treated?")
    head, _, tail = b.summary_text.partition("How is lupus nephritis treated?")
    assert "C3" in head and "no guidance on lupus nephritis" in tail
    assert b.scope == "partly_covered"


def test_a_part_is_never_answered_with_an_answer_of_the_wrong_form():
    from types import SimpleNamespace

    from nephroguide.answer.direct import _fits_form

    yes_no = SimpleNamespace(asks=["can he have the flu jab"])
    which = SimpleNamespace(asks=["what are the risk factors for a clot"])
    # "When is it safe? Yes: ..." and "Should I start it? Anticoagulation ..." are mis-pairs
    assert not _fits_form("when is it safe", yes_no, "Yes: inactivated vaccines are given as usual.", [])
    assert not _fits_form("should I start anticoagulation", which, "Anticoagulation; thrombolysis is for ...", [])
    assert _fits_form("should I start anticoagulation", which, "Not routinely: evidence does not support it.", [])
    assert _fits_form("how much salt can he have", which, "No exact number: add no salt in cooking.", [])
    # a part asking how long is answered only by a sentence that gives a duration
    assert not _fits_form("how long does he take it", which, "Until the team says so.", [])
    assert _fits_form("how long does he take it", which, "For 12 weeks in all.", [])


def test_a_story_then_a_question_is_answered_on_the_question_when_the_whole_fits_loosely():
    from nephroguide.answer import direct
    from nephroguide.answer.understand import understand
    from nephroguide.knowledge.pack import load_pack

    q = "4yo, eyelids puffy, BP nl, dip 4+ prot. which bloods at presentation?"
    u = understand(q, relapse_rule=load_pack().definition_set("current").relapse_frequency)
    whole = direct.route(u, direct.retrieval_for(u), has_patient=False, from_session=False)
    assert whole.answer is not None and whole.answer.topic != "workup"   # "BP" pulls the blood-pressure answers
    a = answer(q)
    assert a.topic == "workup" and "albumin" in a.summary_text and "creatinine" in a.summary_text


def test_an_answer_written_for_another_situation_than_the_one_stated_is_never_given():
    # "No, not if it goes away with prednisolone" is for steroid-sensitive disease: not for a child stated to be
    # steroid-resistant, who gets the SRNS answer instead
    a = answer('the doctors say he is "steroid resistant" after 4 weeks of pred. what does this mean, is he going '
               'to need dialysis?', audience="family")
    assert "goes away with prednisolone" not in a.summary_text and "Not necessarily" in a.summary_text
    assert "goes away with prednisolone" in answer("will my child need dialysis", audience="family").summary_text
    # "settles in a day or two" is for high blood pressure at diagnosis, not for a child on tacrolimus
    b = answer("My 10 yr old son is on tacro and his BP was high at clinic 130/85. should we worry?", audience="family")
    assert b.direct_answer == "answer.hypertension.on_cni" and b.summary_text.startswith("Yes")
    # a 3-year-old is not a teenager: not the biopsy-at-12 answer
    c = answer("Do they need to do a kidney biopsy on my 3 year old?", audience="family")
    assert c.direct_answer == "answer.biopsy.needed"
    # "Not yet, if it is only the first or second day" is never the answer on the third day of 3+
    d = answer("dipstick +++ this morning, 3rd day in a row. hes on no meds now. what do i do??", audience="family")
    assert not d.summary_text.startswith("Not yet") and "prednisolone" in d.summary_text
    assert answer("The dipstick is 3+ for the second day should I restart prednisolone?",
                  audience="family").summary_text.startswith("Not yet")
    # a child who never had chickenpox is not told that having had it usually protects
    e = answer("chicken pox at my sons school and he's on prednisolone. he never had it. what now", audience="family")
    assert e.direct_answer != "answer.infection.chickenpox_had_it_before" and "today" in e.summary_text


def test_every_not_for_condition_names_known_labels_and_medicine_classes():
    from nephroguide.answer.compose import COURSE_LABELS, rules
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    classes = {d.drug_class for d in pack.drugs.values()}
    # the engine's course labels, and the situations a question can state (understanding.yaml stages)
    known_labels = set(COURSE_LABELS) | {"infant", "out_of_scope_age"} | set(rules().raw["stages"])

    def walk(c):
        yield c
        for x in [*(c.all or []), *(c.any or []), *([c.not_] if c.not_ is not None else [])]:
            yield from walk(x)

    seen = 0
    for da in pack.answers.values():
        if da.not_for is None:
            continue
        for c in walk(da.not_for):
            seen += 1
            assert c.label is None or c.label in known_labels, (da.id, c.label)
            assert c.class_current is None or c.class_current in classes, (da.id, c.class_current)
            assert c.class_ever is None or c.class_ever in classes, (da.id, c.class_ever)
            assert c.drug_current is None or c.drug_current in pack.drugs, (da.id, c.drug_current)
    assert seen >= 5


def test_the_course_a_question_states_wins_over_one_read_from_its_few_details():
    a = answer("6yo frequently relapsing, 4 relapses in 12 months on alt day pred 0.5 mg/kg. Which next: levamisole, "
               "cyclophosphamide, MMF or rituximab?")
    assert "first_episode" not in a.context["stage"] and "on_initial_steroids" not in a.context["stage"]
    assert "frequently_relapsing" in a.context["stage"]
    assert "first_episode" not in answer("10 yo boy with SRNS, 32 kg, no remission after 7 months of tacrolimus. "
                                         "Next?").context["stage"]


def test_a_what_when_or_why_question_is_never_answered_with_a_bare_yes_or_no():
    a = answer("SRNS - when do I start the ACEi/ARB?", audience="family")
    assert not a.summary_text.lower().startswith(("yes", "no")) and "enalapril" in a.summary_text
    # a yes/no question keeps its Yes
    assert answer("can she go swimming?", audience="family").summary_text.startswith("Yes")


def test_one_question_asking_two_things_of_one_subject_answers_both():
    a = answer("Can my son still play football and go on the school trip abroad next month? He's on steroids.",
               audience="family")
    assert a.summary_text.startswith("Yes") and "Can my son still play football? Yes" in a.summary_text
    assert "not answered" not in a.summary_text   # (the trip is the answer given: never "not answered")
    from nephroguide.answer.direct import _two_verbs

    assert _two_verbs("can she go swimming and have cake at the party") == [
        "can she go swimming", "can she have cake at the party"]
    assert _two_verbs("does salt and water matter") == ["does salt and water matter"]


def test_a_question_of_a_message_nothing_answers_is_named_as_not_answered_not_dropped():
    a = answer("Does the gut microbiome matter in idiopathic NS? what is known about the cause")
    assert "Does the gut microbiome matter in idiopathic NS? Not answered here" in a.summary_text
    # (a circulating factor is spoken of now: the immune-mechanism answer opens the summary)
    c = answer("Is there a circulating factor in idiopathic NS? what is known about the cause")
    assert c.summary_text.startswith("Probably, at least in part") and "What is known about the cause?" in c.summary_text
    # a part the answer given speaks of, or a fragment that is not a question, is never flagged
    b = answer("List the investigations at presentation of childhood nephrotic syndrome and what each one shows")
    assert "not answered here" not in b.summary_text.lower()
    c = answer("my son has relapsed again and is really swollen BUT hes dizzy when he stands up, his hands and feet "
               "are cold. is this normal with the swelling or do we go to hospital", audience="family")
    assert "not answered here" not in c.summary_text.lower()


def test_a_short_first_question_and_a_question_after_a_statement_still_count_as_parts():
    a = answer("Is it my fault? Will his brother get it?", audience="family")
    assert a.summary_text.startswith("No") and "Will his brother get it?" in a.summary_text
    b = answer("Its been 3 years since his last relapse. Is he cured? Can we stop the dipsticks?", audience="family")
    assert "?" in b.summary_text and "dipstick" in b.summary_text.lower() and "cure" in b.summary_text.lower()


def test_tummy_pain_in_a_puffy_or_relapsing_child_sends_to_hospital_and_no_fever_is_not_a_fever():
    a = answer("Does nephrotic syndrome hurt? My son relapsed last week, hes very puffy and keeps saying his tummy "
               "hurts. No temperature so far. Should I be worried", audience="family")
    assert a.summary_text.startswith("Go to hospital now") and a.direct_answer == "answer.warning_signs.tummy_pain"
    b = answer("My child has sudden bad tummy pain and is vomiting, she's very puffy. Is this just a bug?",
               audience="family")
    assert b.summary_text.startswith("Go to hospital now")
    # a fever with tummy pain is still the infection (peritonitis) danger first
    c = answer("my child has nephrotic syndrome and a temperature of 38.8 and a sore tummy. Should I worry?",
               audience="family")
    assert c.topic in ("warning_signs", "infection") and "hospital" in c.summary_text.lower()


def test_after_cni_failure_the_first_line_never_offers_a_cni_again():
    for q in ("calcineurin inhibitor resistant SRNS, what next",
              "SRNS, genetic panel negative, biopsy FSGS, tac trough 5-8 for 6m no response. what next"):
        a = answer(q)
        assert a.intent == "cni_resistant_next_step" and "trial" in a.summary_text
        assert "A calcineurin inhibitor with RAAS blockade" not in a.summary_text
        assert "Do not delay the calcineurin inhibitor" not in a.summary_text


def test_an_answer_to_a_later_question_of_a_message_stands_under_that_question_in_the_readers_order():
    a = answer("she is puffy again, do we need to cut salt? and how much water can she drink", audience="family")
    assert a.summary_text.startswith("Yes: while your child is in a relapse or puffy, cut down on salt")
    assert "How much water can she drink? Usually as much as" in a.summary_text   # never the answer about salt
    b = answer("Is nephrotic syndrome genetic? Should her little brother be tested?", audience="family")
    assert b.summary_text.startswith("Is nephrotic syndrome genetic? Usually not")   # the reader's order
    assert "Should her little brother be tested? No" in b.summary_text


def test_a_first_presentation_is_not_answered_as_a_relapse_and_its_questions_are_each_answered():
    a = answer("my son is 4 and his eyes were puffy this morning and now his ankles look swollen too, the GP dipped his "
               "wee and said protein 3+. is this kidney failure?? what tests will they do at the hospital",
               audience="family")
    assert "relapse" not in a.summary_text.lower()
    # the first question's own answer leads (its No first), the second is answered under its words
    assert a.summary_text.startswith("No. Nephrotic syndrome means the kidney filters leak protein")
    assert "What tests will they do at the hospital? A urine test" in a.summary_text


def test_a_word_beginning_with_a_cue_stem_is_not_corrected_to_the_stem():
    from nephroguide.answer.understand import correct_spelling, normalise

    assert correct_spelling(normalise("should we anticoagulate him"))[1] == []
    a = answer("anticoagulate in nephrotic child? Alb 15.")
    assert a.summary_text.startswith("Not routinely")   # prophylaxis, not the treatment of a clot ("Anticoagulation;")


def test_albumin_with_furosemide_is_never_the_lead_for_a_child_with_signs_of_low_blood_volume():
    a = answer("Albumin 12, oedematous, Na 128, urea up, cap refill 4s. Albumin infusion + furosemide?")
    assert a.direct_answer != "answer.edema.albumin_regimen" and "without furosemide" in a.summary_text
    assert answer("albumin + furosemide for severe symptomatic oedema - doses?").direct_answer == \
        "answer.edema.albumin_regimen"


def test_the_first_lines_never_say_no_and_yes_to_the_same_thing():
    a = answer("dipstick 3+ protein this morning and yesterday 2+ , do i restart the prednisolone??", audience="family")
    assert a.summary_text.startswith("No") and "Yes" not in a.summary_text


def test_one_question_about_two_things_with_one_verb_is_read_as_two_only_when_it_clearly_is():
    from nephroguide.answer.direct import _two_verbs

    assert _two_verbs("Can he have the flu jab and the MMR while on pred") == [
        "Can he have the flu jab while on pred", "Can he have the MMR while on pred"]
    # "crisps and a burger at a party" is one treat question, not two
    assert len(_two_verbs("can he have crisps and a burger at his friend's party or is salt still banned")) == 1


def test_a_dose_question_with_the_childs_weight_gets_the_worked_out_doses_first():
    a = answer("relapse in 24 kg 7yo, how much pred and for how long?")
    assert "48 mg once daily" in a.summary_text   # 2 mg/kg x 24 kg, not the mg/kg rule alone
    text = " ".join(i.statement.text for s in a.sections for i in s.items)
    assert "36 mg once every other day" in text


def test_a_question_defining_two_terms_defines_both_in_its_first_lines():
    for q in ("define FRNS and SDNS", "Difference between steroid dependent and frequently relapsing?"):
        a = answer(q, audience="student")
        assert a.intent == "definition"
        assert "FRNS" in a.summary_text and "SDNS" in a.summary_text, q
        assert "14 days" in a.summary_text and "6 months" in a.summary_text, q


def test_a_question_pointing_back_is_read_with_what_the_message_told_before_it():
    from nephroguide.answer.direct import _asked_parts

    parts = ["she is on prednisolone", "she is eating everything in sight", "is that normal",
             "will stopping suddenly hurt her"]
    assert _asked_parts(parts) == [
        ("she is eating everything in sight, is that normal (prednisolone)", "is that normal"),
        ("will stopping suddenly hurt her", "will stopping suddenly hurt her")]
    # "it" is the medicine the story names, for each question that points back at it
    story = ["the doctor said she might need rituximab because she keeps relapsing", "what is it", "is it dangerous"]
    assert [x for x, _ in _asked_parts(story)] == ["what is it (rituximab)", "is it dangerous (rituximab)"]
    # after another question, with nothing told before it, a question that only points back has no subject: it is
    # not a part of its own; as a message's first question it is about the illness ("is it genetic?")
    assert _asked_parts(["can she swim", "is that normal"]) == [("can she swim", "can she swim")]
    assert _asked_parts(["is it genetic", "can she swim"])[0] == ("is it genetic", "is it genetic")
    # one that names its own subject stands as it is
    assert _asked_parts(["her leg is swollen", "is this a blood clot in the leg"])[0][0] == \
        "is this a blood clot in the leg"


def test_signs_of_a_low_blood_volume_put_no_diuretic_and_volume_first():
    a = answer("Alb 9, oedematous, abdo pain, HR 140, CRT 4s, Hb 160. furosemide?")
    assert a.summary_text.startswith("No furosemide") and "20 mL/kg" in a.summary_text
    b = answer("my 2 year old has swelling and albumin is 12. they want to give him albumin and furosemide. why cant "
               "they just give the steroids? also his feet are cold and he's very floppy", audience="family")
    assert b.summary_text.startswith("Tell the doctor or nurse straight away")
    # the word alone is not a finding: a question about hypovolaemia is answered as asked
    c = answer("FENa cut-off suggesting hypovolaemia in a nephrotic child?")
    assert "0.2" in c.summary_text


def test_a_danger_answer_keeps_its_instruction_and_says_no_yes_to_giving_something_instead():
    # "can I just give calpol and see (how she is) in the morning?" asks whether paracetamol can stand in for the
    # hospital: the danger answer's No is its answer, never "Can I just give calpol? Yes." after "Go to hospital now"
    for q in ("my daughter has a temperature of 38.9 and a really sore tummy, she's in relapse and on high dose pred. "
              "its 3am, can i just give calpol and see in the morning??",
              "she has a temperature of 38.9 and really bad tummy pain, she's in relapse at the moment. can i just give "
              "calpol and see how she is in the morning?"):
        s = answer(q, audience="family").summary_text
        assert s.startswith("No.") and "Go to hospital now." in s
        assert "? Yes" not in s and "calpol? Yes" not in s.lower()


def test_a_clinician_dose_answer_gives_the_course_and_the_basis_when_asked():
    a = answer("SSNS relapse, uPCR 450, wt 22kg, pred how much and how long")
    assert "44 mg once daily" in a.summary_text and "33 mg once every other day" in a.summary_text
    b = answer("4yo first presentation NS, wt 16kg ht 102cm, pred dose? 60/m2 or 2/kg?")
    assert "40 mg once daily" in b.summary_text and "Calculation: 60 mg/m²/day" in b.summary_text
    assert "2 mg/kg/day × 16 kg = 32 mg/day" in b.summary_text


def test_a_phrasing_about_a_value_does_not_answer_a_question_that_states_none():
    a = answer("tacrolimus dose and target trough for SDNS")
    assert "trough of 3 ng/mL" not in a.summary_text and "5-10 ng/mL" in a.summary_text
    b = answer("tacrolimus level 3 is that too low")
    assert b.direct_answer == "answer.monitoring.tacrolimus_level_3"


def test_a_message_naming_medicines_is_not_a_treatment_question_when_a_stored_question_is_all_there():
    a = answer("we're going to Spain for 2 weeks in summer, hes on tacrolimus and pred. anything we need to do? what "
               "if he relapses while we're away", audience="family")
    assert a.direct_answer == "answer.travel.relapse_away" and "3 days in a row" in a.summary_text


def test_several_questions_after_a_story_lead_with_the_first_that_has_an_answer_not_the_stories_article():
    a = answer("Doctor said my daughter might need rituximab because she keeps relapsing on the other medicines. "
               "what is it and is it dangerous? how many times will she need it", audience="family")
    assert a.direct_answer == "answer.medicines.rituximab" and a.summary_text.startswith("Rituximab is")


def test_a_two_month_old_is_an_infant():
    from nephroguide.answer.understand import understand

    u = understand("infant 2mo, alb 10, uPCR 1200, steroids or not?")
    assert dict(u.details)["age_years"] < 0.2 and "infant" in u.stage
    assert "age_years" not in dict(understand("6mo of tacrolimus, still nephrotic").details)


def test_a_high_trough_answer_gives_each_calcineurin_inhibitors_target():
    a = answer("ciclosporin trough 220, creat rising 40->65, what now")
    assert "ciclosporin 60-150 ng/mL" in a.summary_text and a.summary_text.startswith("Reduce the dose")


def test_a_stated_dose_well_above_the_rule_for_the_childs_size_is_flagged_first_and_a_right_one_confirmed():
    q = ("Our daughter (6) was diagnosed with nephrotic syndrome yesterday and started on prednisolone 60mg?? that "
         "seems like a lot for a little girl she weighs 20kg. how long will she be on it")
    fam = answer(q, audience="family")
    assert fam.summary_text.startswith("Please ask the kidney team to check this dose today")
    assert "60 mg of prednisolone" in fam.summary_text and "2 mg/kg/day gives 40 mg" in fam.summary_text
    assert "kdigo2025" in fam.summary_refs and any(r.id == "kdigo2025" for r in fam.references)
    clin = answer(q)
    assert clin.summary_text.startswith("Check the dose: 60 mg of prednisolone is above the dose for 20 kg")
    ok = answer("18 kg, pred 36 mg daily first episode, correct?")
    assert ok.summary_text.startswith("36 mg of prednisolone matches the dose for 18 kg")
    # no size, or no question about it: nothing is said about the stated dose
    assert "matches the dose" not in answer("pred 36 mg daily first episode, correct?").summary_text
    assert "Check the dose" not in answer("18 kg child on prednisolone 36 mg, what are the side effects?").summary_text


def test_sizes_doses_and_ward_shorthand_are_not_unknown_subjects():
    a = answer("Hi my daughter weighs 18kg and they gave her prednisolone 35mg once a day. Is that too much??",
               audience="family")
    assert a.scope == "covered" and a.summary_text.startswith("35 mg of prednisolone is close to the usual dose for a child of 18 kg")
    b = answer("prophylactic anticoag in nephrotic child with alb 12? when?")
    # (with the albumin stated, the low-albumin answer is as right: not automatically, weigh the other risks)
    assert b.direct_answer in ("answer.thrombosis.prophylaxis", "answer.thrombosis.low_albumin")
    assert b.summary_text.startswith(("Not routinely", "Not automatically"))
    c = answer("tac trough 14 in SRNS pt, creat up from 40 to 58. what now")
    assert c.direct_answer == "answer.monitoring.cni_trough_high"


def test_a_message_whose_only_question_has_no_answer_here_is_not_covered_not_answered_by_its_story():
    a = answer("how do i get rid of head lice?? the school sent a letter", audience="family")
    assert a.scope == "not_covered" and "head lice" in a.summary_text and a.exit_code == 3
    # a question the pack answers beside one it does not: covered, the other part named
    b = answer("my son is 6 and has nephrotic. can he have cake at a party? and can he take ibuprofen", audience="family")
    assert b.scope == "covered" and "ibuprofen" in b.summary_text.lower() and "cake" in b.summary_text.lower()


def test_cyclo_is_cyclophosphamide_in_a_dose_question():
    a = answer("oral cyclo for FRNS - dose, duration, cumulative max?")
    assert "cyclophosphamide" in a.summary_text.lower() and "168 mg/kg" in a.summary_text


def test_router_reports_from_the_pack_helpers():
    # "wait and see" is one question, answered by the danger answer (never "this part is not answered")
    a = answer("he has a temperature of 38.5 and says his tummy really hurts, hes in relapse. should i wait and see "
               "how he is tomorrow?", audience="family")
    assert a.summary_text.startswith("No.") and "Go to hospital now" in a.summary_text
    assert "not answered" not in a.summary_text
    # fever with "his tummy hurts" in a relapsing child: the peritonitis danger first, not the general fever advice
    b = answer("my son's dipstick was 3+ for 3 days so we started the steroids like the plan says, but now hes got a "
               "fever and his tummy hurts. is this normal?", audience="family")
    assert "peritonitis" in b.summary_text and "hospital" in b.summary_text
    # "pred" beside another medicine is a medicine, not an unknown subject
    c = answer("can she have the MMR on alternate day pred? she is also on tacrolimus", audience="family")
    assert c.scope == "covered" and c.summary_text.startswith("No") and "MMR" in c.summary_text
    # a misspelling is no unknown subject
    d = answer("will my kids cholestrol go down by itself", audience="family")
    assert d.scope == "covered" and d.topic == "lipids"
    # a side effect of the child's own medicine named as a disease is answered, not set aside
    e = answer("there was sugar on the dipstick today, will the steroids give her diabetes??", audience="family")
    assert e.scope == "covered" and "Will the steroids give her diabetes? It can, but rarely" in e.summary_text


def test_the_answer_given_keeps_its_words_and_its_question_beside_other_parts():
    a = answer("he is screaming and hitting and up at night on prednisolone. is it the medicine? will he go back to "
               "normal?", audience="family")
    assert "Probably, yes. Prednisolone often causes mood swings" in a.summary_text   # not a bare "Probably, yes."
    b = answer("i feel like its my fault, did i do something to cause this? and im so anxious every morning doing the "
               "dipstick, is that normal", audience="family")
    # each under its own question, in the reader's order: a bare Yes never reads as "yes, it is your fault"
    assert b.summary_text.startswith("Did I do something to cause this? No.")
    assert "Is that normal? Yes." in b.summary_text
    c = answer("what is mycophenolate and how long will she have to take it?", audience="family")
    assert c.summary_text.startswith("Mycophenolate (MMF, CellCept) is a medicine") and "diarrhoea" not in c.summary_text


def test_a_question_about_another_medicine_beside_a_dose_question_is_answered_and_a_lone_uncovered_one_is_not():
    a = answer("relapse, 30 kg, how much pred? and can he take ibuprofen", audience="family")
    assert "60 mg once daily" in a.summary_text and "Can he take ibuprofen? Best not" in a.summary_text
    b = answer("im 16 and on tacrolimus, can i get a tattoo?", audience="family")
    assert b.scope == "not_covered" and "tattoo" in b.summary_text
    c = answer("im 15, will nephrotic stop me having kids one day", audience="family")
    assert "fertil" in c.summary_text.lower() or "cyclophosphamide" in c.summary_text


def test_several_terms_to_define_and_an_ssns_child_never_gets_srns_ace_inhibitor_advice():
    a = answer("Define complete remission, relapse and frequently relapsing NS.", audience="student")
    s = a.summary_text
    assert s.index("Complete remission") < s.index("Relapse") < s.index("Frequently relapsing")
    assert "Partial remission" not in s   # not asked
    b = answer("SSNS in remission, ACEi needed? BP 95th centile")
    assert b.direct_answer not in ("answer.srns.raas_start", "answer.srns.raas_dose")
    c = answer("relapse in SSNS, 30kg, how long daily pred before switching to alt day?")
    assert "until the child has been in complete remission for at least 3 days" in c.summary_text


def test_measles_or_chickenpox_contact_leads_with_calling_the_team_whatever_course_the_child_is_on():
    a = answer("my sons sister has measles and hes on pred for a relapse, what do we do", audience="family")
    assert a.direct_answer == "answer.vaccination.measles_contact" and a.summary_text.startswith("Call the kidney team")
    b = answer("GP: child on alt-day pred, sibling has measles. Next step?")
    assert b.direct_answer == "answer.vaccination.measles_contact"
    # a vaccine question is not a contact
    c = answer("can she have the chickenpox vaccine on pred", audience="family")
    assert c.direct_answer != "answer.vaccination.chickenpox_contact"


def test_shorthand_questions_marked_with_a_question_mark_are_parts_beside_a_dosing_article():
    a = answer("cyclophosphamide 18 kg: dose and FBC frequency?")
    assert "36 mg once daily" in a.summary_text and "Weekly" in a.summary_text
    b = answer("new NS 10yo 30 kg: biopsy? pred dose?")
    assert "60 mg once daily" in b.summary_text and "biopsy is not routine" in b.summary_text
    c = answer("levamisole 20 kg: dose and monitoring?")
    assert "50 mg" in c.summary_text and "CBC every 2-3 months" in c.summary_text
    assert "At least 12 months" not in c.summary_text   # the dose part is the article's, not a duration answer


def test_a_childs_future_as_an_adult_is_not_a_question_about_adults():
    a = answer("will my daughter grow out of nephrotic syndrome? will she still have it when she's an adult?",
               audience="family")
    assert a.scope == "covered" and "about the part about adults" not in a.summary_text
    assert "as an adult" in a.summary_text or "adult" in a.summary_text.lower()
    b = answer("Haemodialysis prescription for an adult with ESKD")
    assert b.scope == "not_covered"


def test_an_everyday_place_or_occasion_does_not_make_the_questions_beside_it_not_covered():
    a = answer("We're going to Florida in summer. What do we need to take, and can she go in the pool?",
               audience="family")
    assert a.scope != "not_covered" and "pool" in a.summary_text.lower()
    b = answer("im 14 on tacrolimus. can i go to a festival and can i drink?", audience="family")
    # (the drinking answer names drinking itself, with or without the question before it)
    assert "Best not. For anyone under 18, not drinking" in b.summary_text and "no information on festival" in b.summary_text


def test_an_answer_only_about_one_medicine_is_never_given_when_the_question_names_none():
    a = answer("he has a sore throat, do I need to call someone", audience="family")
    assert "levamisole" not in a.summary_text.lower()
    b = answer("sore throat on levamisole", audience="family")
    assert "levamisole" in b.summary_text.lower()


def test_a_question_the_answer_given_fits_about_as_well_is_answered_by_it_not_by_a_neighbour():
    a = answer("Tacrolimus side effects? my son just started it, 2mg twice a day. what should i watch for and why do "
               "they keep taking blood?", audience="family")
    assert "They work about equally well" not in a.summary_text   # the tacrolimus-versus-ciclosporin answer
    assert a.summary_text.startswith("Tacrolimus can affect the kidneys")


def test_final_probe_safety_fixes():
    # a phrasing of an answer written for another situation is never given, even when typed word for word
    a = answer("our baby was diagnosed with congenital nephrotic syndrome at 3 weeks. is it genetic and will our next "
               "baby have it too?", audience="family")
    assert "very unlikely" not in a.summary_text and "1 in 4" in a.summary_text
    # still 3+ after 4 weeks of full-dose prednisolone is not the home 'not yet' relapse check
    b = answer("4 wks of 60mg/m2 pred, still 3+ protein. steroid resistant now or wait? what workup")
    assert not b.summary_text.startswith("Not yet") and "SRNS" in b.summary_text
    # "remission" on its own is the complete remission definition
    c = answer("Define remission, relapse and steroid resistance in childhood nephrotic syndrome.", audience="student")
    assert c.summary_text.startswith("Complete remission") and "Relapse" in c.summary_text


def test_a_dose_asked_beside_another_answer_is_given_from_the_pack_rule_with_its_source():
    a = answer("MMF dose for FRNS? and monitoring")
    assert "1200 mg/m2/day" in a.summary_text and "Blood count" in a.summary_text
    assert "kdigo2025" in a.summary_refs and any(r.id == "kdigo2025" for r in a.references)


def test_three_plus_for_three_days_is_a_relapse_first_whatever_else_the_message_asks():
    a = answer("Dipstick has been 3+ for 3 days now, he seems totally fine no swelling. do I start the pred again "
               "myself or ring the team first? and is 2+ the same?", audience="family")
    # the relapse and what to do come first (its own answer to 'do I start the pred again myself?' says both)
    assert a.summary_text.startswith(("After 3 days in a row of 3+ or more, this is a relapse. Start prednisolone",
                                      "Start it, do not wait for the clinic: after 3 days in a row of 3+"))
    assert not a.summary_text.startswith("No")


def test_a_question_with_a_close_answer_of_its_own_is_answered_beside_its_story_and_dose_words_alone_ask_no_dose():
    a = answer("can he still have his school vaccinations while on steroids? the nurse is asking about the nasal flu "
               "spray", audience="family")
    assert "Non-live vaccines are safe" in a.summary_text and "it is a live vaccine" in a.summary_text
    b = answer("is it normal that my 5yo is so angry since starting pred? will it stop when the dose goes down",
               audience="family")
    assert "daily phase (KDIGO 2025)" not in b.summary_text   # "the dose goes down" asks for no dose


def test_how_long_beside_a_dosing_article_is_the_articles_course_not_the_time_to_remission():
    a = answer("Relapse in SSNS, 22kg, 0.85m2 — pred dose? how long after remission?")
    assert "Then 4 weeks, alternate days" in a.summary_text
    assert "Usually 1-2 weeks" not in a.summary_text and "How long after remission?" not in a.summary_text


def test_a_yes_or_no_reached_only_through_the_story_is_not_given_to_a_question_pointing_back():
    a = answer("My son is 5 and finished his steroids 3 weeks ago. This morning his dipstick showed 2+ protein, "
               "yesterday it was trace. He has a runny nose. Is this a relapse? Should I restart the prednisolone today "
               "myself or wait? And does the cold mean anything?", audience="family")
    assert "Is this a relapse? Yes" not in a.summary_text


def test_is_a_chickenpox_contact_dangerous_is_answered_before_what_to_do():
    a = answer("my daughter on pred 2 weeks, boy in her class has chickenpox. is that dangerous?? she never had it",
               audience="family")
    assert a.summary_text.startswith("Chickenpox can be serious for a child on prednisolone")
    assert "call the kidney team today" in a.summary_text


def test_a_medicine_the_message_names_does_not_pull_its_other_questions_to_answers_about_that_medicine():
    a = answer("Can he do football? He's in remission but on levamisole. And swimming lessons?", audience="family")
    assert "Can he do football? Yes." in a.summary_text and "Swimming lessons? Yes" in a.summary_text
    assert a.direct_answer != "answer.school_sport.sport_when_swollen"   # he is in remission, not swollen
    assert "levamisole" not in a.summary_text.split("Can he do football?")[1][:80].lower()


def test_an_frns_question_asking_which_agent_never_gets_an_article_of_srns_trials():
    a = answer("FRNS on alt day pred 0.5mg/kg, still relapsing, cushingoid. next agent? levamisole vs MMF vs CNI")
    assert a.topic == "frns_sdns" and a.intent in ("frns_sdns_treatment", "evidence")   # ("vs": a comparison)
    assert "SRNS (RCT)" not in a.summary_text and "steroid-sparing agent" in a.summary_text


def test_srns_answers_are_never_given_about_a_child_the_question_calls_frns_or_sdns():
    a = answer("relapse on alt-day pred 10mg, 3rd relapse in 6 months. FRNS or SDNS? next step?")
    assert "calcineurin inhibitor with RAAS blockade" not in a.summary_text


def test_a_baby_with_congenital_ns_is_not_told_a_transplant_depends_on_the_type():
    a = answer("my baby is 6 weeks old and they said she has congenital nephrotic syndrome. will she need a kidney "
               "transplant", audience="family")
    assert "Most likely, yes" in a.summary_text and "It depends on the type" not in a.summary_text


def test_a_dose_asked_for_another_medicine_than_the_stated_course_leads_the_dosing_article():
    a = answer("7yo 24kg SDNS, relapses when pred drops below 0.5mg/kg alt days, steroid toxic (BMI >98th). "
               "MMF vs rituximab vs tac which first? MMF dose?")
    # (the questions answered in the order asked: which first, then the dose)
    assert a.summary_text.startswith("MMF vs rituximab vs tac which first? Any of the three")
    assert "Mycophenolate mofetil" in a.summary_text and "1200 mg/m2/day" in a.summary_text


def test_paeds_and_a_and_e_are_understood():
    a = answer("GP. 3yo boy periorbital oedema 4/7, urine dip prot 4+ blood neg. What bloods to send and does he "
               "need same-day paeds referral?")
    assert "no guidance on paeds" not in a.summary_text
    b = answer("what are the danger signs that mean I should bring him straight to A&E and not wait for clinic?",
               audience="family")
    assert b.scope == "covered" and "fever" in b.summary_text


def test_an_answer_reached_through_the_story_gives_way_to_the_first_questions_own_answer():
    a = answer("Is it ok for my son to play football? he's on alternate day steroids and his knees were a bit swollen "
               "last week. also can he go swimming with school", audience="family")
    assert a.summary_text.startswith("Yes. A child in remission can do PE")
    assert "Can he go swimming with school? Yes" in a.summary_text
    b = answer("tac starting dose and trough: SRNS vs SSNS?")   # an answer fitting the whole message closely stays
    assert b.direct_answer == "answer.srns.tacrolimus_dose_srns_vs_ssns"


def test_max_dose_time_to_remission_and_a_shorthand_regimen_are_each_answered_beside_a_dose():
    a = answer("first presentation 4yo BSA 0.7 m2. initial pred dose and duration, max dose? how long to expect "
               "remission?")
    assert "Prednisolone 42 mg once daily" in a.summary_text and "Max dose? " in a.summary_text
    assert "at most 60 mg a day" in a.summary_text
    b = answer("relapse definition in INS? standard relapse pred regimen for 20kg 5yo")
    assert "prednisolone 40 mg once daily" in b.summary_text and "prednisolone 30 mg once every other day" in b.summary_text
    assert "Relapse definition in INS?" not in b.summary_text   # the definition it opens with is not said twice


def test_a_part_answer_that_speaks_of_nothing_the_part_asks_is_not_given():
    a = answer("Why is he so hungry and angry all the time on the prednisolone? He eats everything and shouts at his "
               "brother. Will it stop? How do we cope with the food?", audience="family")
    assert "main treatment for nephrotic syndrome" not in a.summary_text


def test_a_list_in_brackets_is_one_question_and_a_because_answer_only_answers_a_why():
    a = answer("rituximab for SDNS 12yo: dose and number of doses? what to check before (hep B, IgG)?")
    assert "What to check before (hep B, IgG)? Before: HBsAg, anti-HBc and a TB IGRA, with IgG" in a.summary_text
    assert "375 mg/m2" in a.summary_text and "? Because" not in a.summary_text


def test_each_question_is_read_with_what_it_points_back_to_and_a_neighbour_never_contradicts_the_one_question():
    a = answer("why is her blood pressure high? the nurse says its the steroids. will it go back to normal?",
               audience="family")
    assert "mood swings" not in a.summary_text and "blood pressure" in a.summary_text
    b = answer("his dipstick is 2+ today, is it the same as a relapse?", audience="family")
    assert b.summary_text.startswith("No, not yet") and "Usually yes" not in b.summary_text
    c = answer("can he have the flu jab? and what about the MMR he is due, he is on steroids every other day",
               audience="family")
    assert "What about the MMR he is due? No" in c.summary_text
    d = answer("What is the most common histological finding in childhood idiopathic NS, and why do these children "
               "get oedema?", audience="student")
    assert "Why do these children get oedema?" in d.summary_text


def test_a_definitions_article_gives_each_question_its_own_answer_first():
    a = answer("she has a runny nose and the dipstick was 2+ this morning. is this a relapse? should i start the "
               "steroids", audience="family")
    assert "not yet" in a.summary_text[:40].lower() and "3+" in a.summary_text   # (its own answer, or as a part)


def test_a_side_effect_of_the_childs_steroids_and_parents_speaking_together_are_covered():
    a = answer("will she get diabetes from the steroids", audience="family")
    assert a.scope == "covered" and a.summary_text.startswith("It can, but rarely")
    b = answer("my husband and i are worried about long term side effects of the steroids. what are they?",
               audience="family")
    assert b.scope == "covered" and "Prednisolone can cause" in b.summary_text


def test_a_statement_about_another_medicine_never_answers_a_question_about_the_childs_steroids():
    a = answer("can steroids make her hair fall out", audience="family")
    assert "cyclophosphamide" not in a.summary_text
    assert a.scope == "not_covered" and "hair fall with steroids" in a.summary_text


def test_a_yes_no_question_on_stopping_early_gets_no_first_and_an_answer_about_nothing_asked_is_not_given():
    a = answer("can we stop the pred early if the dipstick is negative", audience="family")
    assert a.summary_text.startswith("No, not early")
    # (not covered until session 20; the Medicines for Children leaflet now answers it - never "hungry")
    b = answer("can i crush the prednisolone tablets and put them in yoghurt", audience="family")
    assert b.summary_text.startswith("Yes, if they are ordinary tablets") and "hungry" not in b.summary_text


def test_story_clauses_are_not_questions_and_a_study_leads_with_what_it_found():
    a = answer("he relapsed last week and is on full dose pred again. can he still go swimming with his club?",
               audience="family")
    assert "Is on full dose pred again?" not in a.summary_text
    b = answer("CsA vs tac in a 14yo girl SRNS?")
    assert "85.7%" in b.summary_text.split(".")[0] + b.summary_text
    c = answer("he has a temperature of 38.5 and tummy ache and he is in relapse. what should i do", audience="family")
    assert not c.summary_text.startswith("No")
    d = answer("first step in CNS? genetics?")
    assert "calcineurin" not in d.summary_text.split(".")[0]


def test_one_word_questions_are_parts_and_get_only_an_answer_that_speaks_of_them():
    from nephroguide.answer.direct import _message_parts

    assert _message_parts("pred 60 mg daily 6 weeks - PPI? calcium? vitamin D?")[-2:] == ["calcium", "vitamin D"]
    a = answer("SRNS no remission after tac + MMF - label? options?")
    assert "Options? Mainly to maintain a remission" not in a.summary_text


def test_a_childs_future_as_a_grown_up_is_not_about_adults_and_what_to_eat_when_swollen_is_answered():
    a = answer("will my son grow out of nephrotic syndrome?? he is 3 and its his first time. will he still have it "
               "when hes a grown up", audience="family")
    assert a.scope == "covered" and "Will he still have it when hes a grown up? Maybe" in a.summary_text
    b = answer("what should my child eat when hes swollen with nephrotic? do we stop salt completly and should we "
               "limit how much he drinks??", audience="family")
    assert "not answered here" not in b.summary_text and "Normal, healthy family food" in b.summary_text


def test_probe_17_18_fixes():
    # a danger sign keeps the lead whatever the message's other questions
    a = answer("my son is in relapse, fever and his tummy hurts, can I give calpol and see in the morning?",
               audience="family")
    assert "Go to hospital now" in a.summary_text.split("?")[0] + a.summary_text[:200]
    # a 3+ x3 message answers 'is this a relapse?' and what to do
    b = answer("home dipstick been 3+ three mornings in a row but hes not puffy at all. is this a relapse? do i start "
               "the prednisolone myself or ring the doctor", audience="family")
    assert "this is a relapse" in b.summary_text and "Start it" in b.summary_text
    # the FRNS/SDNS trough gives both sources; the interacting medicine is answered after it (fluconazole was not
    # covered until round 25, and was named as such)
    c = answer("tacrolimus for FRNS - target trough level? which interacting drugs to flag (clarithro, fluconazole)?")
    assert "3-7 ng/mL" in c.summary_text and "5-10 ng/mL" in c.summary_text
    assert c.summary_text.startswith("Tacrolimus 5-10 ng/mL") and "no guidance on fluconazole" not in c.summary_text
    assert "Which interacting drugs to flag (clarithro, fluconazole)? " in c.summary_text
    # a teenager moving to the adult doctors is not a question about adults
    d = answer("im 15 and had nephrotic since i was 4. will i grow out of it? when do i move to the adult doctors?",
               audience="family")
    assert d.scope == "covered" and "When do I move to the adult doctors?" in d.summary_text
    # low-dose steroids: the non-live jabs are a yes
    e = answer("my son is 4 in remission but still on low dose steroids. he is due his preschool jabs and flu vaccine. "
               "can he have them while on the steroids", audience="family")
    assert e.summary_text.startswith("Yes for the vaccines that are not live")
    f = answer("my daughter is 9 and takes tacrolimus. she has had bad diarrhoea and sickness since last night. is that "
               "dangerous with the tacrolimus? should i still give her dose", audience="family")
    assert "live vaccine" not in f.summary_text and "mg/kg" not in f.summary_text


def test_final_probe_19_20_safety_fixes():
    # a danger answer never has 'Usually not' beside it
    a = answer("my daughter has a bad tummy ache and a fever, she is in relapse and on prednisolone. is this serious?? "
               "should we go to hospital", audience="family")
    assert a.summary_text.startswith("Go to hospital now") and "Usually not" not in a.summary_text
    # relapsing on alternate-day prednisolone: the relapse dose is the daily one first
    b = answer("5yo 19kg relapse on alt day pred, dose? and when to add a steroid sparer?")
    assert "Prednisolone 38 mg once daily" in b.summary_text.split(".")[1] + b.summary_text[:200]
    # 'CNI dose?' is the calcineurin inhibitor's, never prednisolone's
    c = answer("9yo no remission after 4 wk pred 60 mg/m2, next steps? CNI dose and add ACEi? BP 128/84")
    assert "CNI dose? Tacrolimus" in c.summary_text
    # a swollen child not peeing much leads with getting seen
    d = answer("my grandson is very swollen, his tummy is big and hes not peeing much. should we cut down his salt and "
               "water?? what food should he eat", audience="family")
    assert d.summary_text.startswith("Go to hospital now if your child is passing very little urine")
    # a baby with congenital NS: what causes it is a gene change, not 'not known'
    e = answer("our baby girl is 3 weeks old, she was born very swollen and the doctors say it is congenital nephrotic "
               "syndrome. what causes it? will she need a kidney transplant", audience="family")
    assert "NPHS1" in e.summary_text and "cause is not known" not in e.summary_text
    # high blood pressure on steroids never gets the weak-bones answer
    f = answer("my son is on steroids for nephrotic syndrome and the nurse said his blood pressure was high today. is "
               "that because of the steroids? will he need blood pressure tablets", audience="family")
    assert "bones" not in f.summary_text


def test_which_first_line_agent_is_named_and_a_school_trip_abroad_is_travel():
    a = answer("SDNS with steroid toxicity (cushingoid, BMI>98th) - which steroid-sparing agent first line?")
    assert "MMF, rituximab, a CNI" in a.summary_text
    b = answer("my son is 6 and in remission, off steroids for 3 months. his class is going on a school trip abroad for a "
               "week. can he go? and can he still do football and swimming", audience="family")
    assert b.summary_text.startswith("Yes. Take the urine sticks")
    c = answer("pneumococcal vaccine in NS on pred 2/kg daily, give now or wait?")
    assert "defer live vaccines" not in c.summary_text.split(".")[0]


def test_probe_21_fixes():
    # a first presentation asking about tonight never gets the relapse-at-home plan
    a = answer("my son is 4 and his eyes have been puffy every morning for a week, now his legs are swollen too and his "
               "wee is really foamy. the GP dipped it and said 4+ protein. is this nephrotic syndrome?? do we need to "
               "go to hospital tonight or can it wait till morning", audience="family")
    assert "written plan" not in a.summary_text and "See a doctor today" in a.summary_text
    # beside a danger answer, only the part's own close answer (or one on the same danger) stands
    b = answer("my daughter is 6 and on 40mg pred a day for a relapse. a boy in her class came out in chickenpox spots "
               "today and they sat together yesterday. she has never had chicken pox. what do we do?? is she in danger",
               audience="family")
    assert "while your child is swollen" not in b.summary_text and "VZIG" in b.summary_text


def test_a_single_2_plus_is_never_told_to_start_and_a_grandparent_is_told_not_yet():
    a = answer("My son is 5 and finished his steroids 3 weeks ago. This morning his dipstick showed 2+ protein, yesterday "
               "it was trace. He has a runny nose. Is this a relapse? Should I restart the prednisolone today myself or "
               "wait? And does the cold mean anything?", audience="family")
    assert "Start it" not in a.summary_text
    b = answer("i look after my grandson after school, he has nephrotic syndrome and has finished his steroids. his urine "
               "stick showed ++ yesterday and +++ this morning and again tonight. no swelling that i can see. should i "
               "ring the hospital now or wait and keep testing?", audience="family")
    assert b.summary_text.startswith("Not yet")


def test_a_part_read_with_the_stage_the_message_states_keeps_the_answer_given_for_that_stage():
    # "keep her off school?" after "she relapsed again" is about a relapse, not a cold
    a = answer("she relapsed again. can she still go to the music festival next weekend? and should i keep her off "
               "school?", audience="family")
    assert "during a relapse" in a.summary_text and "mild cold" not in a.summary_text
    assert "festival" in a.summary_text   # the part with no answer is named, not dropped


def test_a_clot_stated_or_suspected_gets_treatment_never_the_prevention_answer():
    a = answer("ED reg. 8yo nephrotic on pred, 2 days worsening headache, vomiting, now focal seizure. ?CSVT. what "
               "imaging and do we anticoagulate")
    assert "Do we anticoagulate? Anticoagulate" in a.summary_text and "Not routinely" not in a.summary_text
    b = answer("7yo SSNS in relapse, R calf swollen and painful, albumin 14. next step?")
    assert b.direct_answer == "answer.thrombosis.one_leg" and "same day" in b.summary_text[:80]
    c = answer("anticoag prophylaxis if alb <20?")   # a question about preventing one still gets that answer
    assert c.summary_text.startswith("Not automatically")


def test_a_stated_chickenpox_exposure_leads_even_beside_a_vaccine_question_and_the_jab_is_not_on_steroids():
    a = answer("grandad here. can my grandson (3) have the chickenpox jab while hes on the steroids? and his cousin at "
               "nursery came out in chickenpox today, they were playing together all sunday. what do we do",
               audience="family")
    assert a.summary_text.startswith("Chickenpox can be serious")
    assert "call the kidney team today" in a.summary_text
    assert "jab while hes on the steroids? No, not while the prednisolone dose is high" in a.summary_text
    assert "Yes, at the right time" not in a.summary_text


def test_an_infant_gets_the_congenital_work_up_not_the_srns_one():
    a = answer("10mo, oedema since age 2 months, albumin 9, heavy proteinuria, normal creat. work-up? would you trial "
               "steroids?")
    assert a.summary_text.startswith("Refer to paediatric nephrology now, send a genetic panel")
    assert "no steroid trial" in a.summary_text and "calcineurin" not in a.summary_text


def test_what_to_take_abroad_is_not_read_as_taking_a_medicine():
    a = answer("We are flying to Pakistan for 6 weeks this summer for a family wedding. My son is 7, he has frequently "
               "relapsing nephrotic syndrome and takes levamisole. What should we take with us, and what do we do if he "
               "relapses while we are out there? Can he have the travel jabs like typhoid and yellow fever?",
               audience="family")
    # (the first question's answer opens the summary, under its words or as its first line)
    assert a.summary_text.startswith("Take the urine test sticks") \
        or "What should we take with us? Take the urine test sticks" in a.summary_text
    assert "rash" not in a.summary_text


def test_a_dose_stated_in_a_side_effect_story_is_not_a_dose_question():
    # "... on 36 mg ... will it stop when the dose comes down?" asks about the behaviour, not for a dose
    a = answer("Our daughter Amira is 4 and weighs 18 kg, she is on prednisolone 36 mg every day for her first "
               "episode. She is hungry all the time, wakes crying at night and screams at her little brother over "
               "nothing. Is this from the steroids? Will it stop when the dose comes down? Should we be cutting back "
               "her food?", audience="family")
    assert a.summary_text.startswith("Probably, yes. Prednisolone often causes mood swings")
    assert "Weeks 1-4" not in a.summary_text and "When the planned course ends" not in a.summary_text


def test_a_stated_dose_above_the_cap_is_flagged_even_within_rounding_of_the_calculation():
    a = answer("pharmacist query: child BSA 1.1 m2 first episode NS, prescribed prednisolone 70mg once daily. isnt 60 mg "
               "the max daily dose?")
    assert a.summary_text.startswith("Check the dose: 70 mg of prednisolone is above the dose for 1.1 m²")
    assert "capped: maximum 60 mg/day" in a.summary_text


def test_dose_and_cumulative_maximum_asked_beside_other_questions_are_in_the_first_lines():
    a = answer("no remission after 4/52 pred 60mg/m2, next step? tac starting dose + target level?")
    assert "Tac starting dose + target level? Tacrolimus for SRNS (KDIGO 2025): 0.1 mg/kg/day" in a.summary_text
    assert "5-10 ng/mL" in a.summary_text
    b = answer("pharmacy - oral cyclophosphamide for steroid dependent NS, 20kg child. dose per day, how many weeks, and "
               "what's the max cumulative dose")
    assert "Maximum cumulative dose: 168 mg/kg (= 3360 mg for 20 kg)" in b.summary_text


def test_questions_beside_a_danger_sign_keep_their_own_answers():
    # "?SBP ..." leads with the antibiotic; "do I stop the pred?" and "20% albumin?" are not about the danger's urgency
    a = answer("?SBP in 4yo on day 3 of relapse pred, tender abdomen, fever. which abx? do I stop the pred? also should "
               "he get 20% albumin")
    assert a.summary_text.startswith("An IV third-generation cephalosporin")
    assert "Do I stop the pred? No:" in a.summary_text and "including during an infection" in a.summary_text
    assert "Should he get 20% albumin? No: indiscriminate albumin is not recommended" in a.summary_text


def test_medicines_that_failed_are_not_offered_again():
    a = answer("FRNS 8yo, already had levamisole and MMF, still relapsing. levamisole vs MMF vs cyclo vs ritux - which next?")
    assert a.summary_text.startswith("One not yet tried: oral cyclophosphamide (one course only), rituximab or a calcineurin")
    offered = [s.title for sec in a.sections for s in sec.items if getattr(s, "title", None)]
    assert not any(t.startswith(("Levamisole", "Mycophenolate")) for t in offered), offered
    assert any(t.startswith("Oral cyclophosphamide") for t in offered)


def test_a_rare_one_word_question_after_a_story_is_named_when_not_answered():
    # the clot answer stands; "what imaging?" is said to be not covered rather than silently dropped
    a = answer("suspected cerebral venous sinus thrombosis in a nephrotic 9yo with headache and vomiting - what imaging?")
    assert a.summary_text.startswith("Cerebral venous (sinus) thrombosis must be considered")
    assert "What imaging? nephroguide has no guidance on imaging yet." in a.summary_text
    assert a.scope == "partly_covered"
    # a pack-common word is not named so ("what to monitor?" beside rituximab's infection risk)
    b = answer("Risk of infection on rituximab and what to monitor")
    assert "no guidance on monitor" not in b.summary_text


def test_home_questions_get_their_own_yes_or_no():
    a = answer("dipstick trace every morning for a week, is that a relapse?", audience="family")
    assert a.summary_text.startswith("No. Trace is a good result")
    b = answer("can my son have paracetamol for a fever while on prednisolone?", audience="family")
    assert b.summary_text.startswith("Yes. Paracetamol (Calpol) is the usual choice")
    assert "medical advice the same day" in b.summary_text
    c = answer("my daughter has the finnish type congenital nephrotic syndrome, will she need a transplant?",
               audience="family")
    assert c.summary_text.startswith("Most likely, yes")


def test_mechanism_and_symptom_questions_get_their_own_answer():
    a = answer("what's the mechanism of proteinuria in minimal change disease?", audience="student")
    assert a.summary_text.startswith("Injury to the podocytes")
    b = answer("is nephrotic syndrome an autoimmune disease?", audience="family")
    assert b.summary_text.startswith("Probably, at least partly")
    c = answer("why does my son's urine look frothy?", audience="family")
    assert c.summary_text.startswith("Possibly: wee can look frothy") and c.scope == "covered"


def test_a_yes_no_question_is_answered_yes_or_no_first():
    a = answer("can we go on holiday to spain while he is on prednisolone?", audience="family")
    assert a.summary_text.startswith("Yes. Take the urine sticks")
    b = answer("4 year old with first episode, dad has FSGS. genetics?")
    assert b.summary_text.startswith("Yes: a family history of SRNS or FSGS is a KDIGO 2025 indication for genetic")
    c = answer("my son is 14 and wants to stop taking his tacrolimus, he says he is fine. what do i do", audience="family")
    assert c.summary_text.startswith("Talk to the kidney team soon") and "tacrolimus or ciclosporin" in c.summary_text


def test_a_dose_asked_with_the_childs_weight_is_worked_out_even_beside_a_supportive_care_word():
    a = answer("frusemide dose oedema nephrotic 18kg?")
    assert a.summary_text.startswith("IV furosemide with an albumin infusion (IPNA 2023): Furosemide 18 mg IV per dose")


def test_a_medicine_named_twice_does_not_crowd_out_the_answer_to_the_question():
    # "MMF" typed and read as mycophenolate mofetil filled the BM25 candidates with mycophenolate answers
    a = answer("can she have the HPV vaccine on MMF?", audience="family")
    assert a.summary_text.startswith("Yes. Non-live vaccines are safe") and a.scope == "covered"


def test_a_question_about_the_childs_age_gets_the_age_answer():
    a = answer("my daughter is 3, is she too young for this?", audience="family")
    assert a.summary_text.startswith("No. Nephrotic syndrome usually starts between the ages of 1 and 10")
    b = answer("my son is 13, is he too old for this kind of nephrotic syndrome?", audience="family")
    assert b.summary_text.startswith("Usually between the ages of 1 and 10") and "cancer" not in b.summary_text
    c = answer("he is 8 months, is that young for nephrotic syndrome?", audience="family")
    assert not c.summary_text.startswith("No.")


def test_should_we_give_albumin_for_a_low_level_is_answered_not_with_a_regimen():
    a = answer("albumin 18, should we give him albumin?")
    assert a.summary_text.startswith("Not for the level alone")


def test_probe_24_parent_and_ward_messages_get_each_part_answered_safely():
    # a parent at home at night with signs of a low blood volume: go now, not "tell the nurse"
    a = answer("my 4 year old is in relapse and now he says his tummy really hurts and hes very sleepy and cold hands. "
               "the swelling is worse. should i wait till the morning clinic or go now", audience="family")
    assert "go to hospital now" in a.summary_text.split(".")[0] + a.summary_text.split(".")[1]
    # "can I give her less or stop it?" beside a side-effect story: No, never stop suddenly
    b = answer("hi the doctor put my daughter on prednisolone 60mg a day she is 7. shes eating everything in the house "
               "and crying all the time and cant sleep. is this normal, can i give her less or stop it for a few days, i "
               "cant bear seeing her like this", audience="family")
    assert "Can I give her less or stop it for a few days? No. Never stop prednisolone suddenly" in b.summary_text
    # DVT prophylaxis is thromboprophylaxis, not a suspected clot, and is not dropped beside the albumin questions
    c = answer("nephrotic relapse, alb 12, massive oedema, Hb 160, on furosemide. DVT prophylaxis needed? when to give "
               "20% albumin and how much")
    assert c.summary_text.startswith("Not routinely: evidence does not support routine thromboprophylaxis")
    assert "When to give 20% albumin?" in c.summary_text
    d = answer("ward: 3yo nephrotic relapse, abdo pain, fever 38.6, tender abdomen, alb 14. ?SBP. which abx and do we "
               "stop steroids")
    assert "Do we stop steroids? No:" in d.summary_text and "moon face" not in d.summary_text
    e = answer("we were supposed to fly to spain in the summer for 2 weeks. is it safe to travel with a kid with nefrotic "
               "syndrom, what if he relapses over there, what do i pack. also can he do football and PE at school "
               "while on steroids", audience="family")
    assert "What if he relapses over there? Do what you would do at home" in e.summary_text
    assert "Is it safe to travel with a kid with nefrotic syndrom? Yes." in e.summary_text


def test_a_grown_up_patient_is_not_given_the_childrens_rules():
    a = answer("pharmacist q: 45yo adult with new minimal change disease, pred 1mg/kg max 80mg daily? how long before "
               "calling it steroid resistant in adults")
    assert a.scope == "not_covered" and "KDIGO 2021" in a.summary_text and "4 weeks" not in a.summary_text
    # a grown-up relative beside the child is not the patient
    b = answer("Pneumococcal vaccine for my nephrotic child and for my 70 year old mother?")
    assert b.scope != "not_covered"


def test_probe_24_dose_phase_and_unmarked_questions():
    # "alternate day taper?" is another question: the dose asked leads with the daily phase
    a = answer("4yo first presentation INS, 18kg, BSA 0.74. pred dose and duration per current guidance? alternate day "
               "taper or stop after 8wk?")
    assert a.summary_text.startswith("Prednisolone, first episode, daily phase (KDIGO 2025)")
    assert "Alternate day taper or stop after 8wk? KDIGO 2025 gives no taper" in a.summary_text
    # questions without a question mark ("who looks after him ...", "is it because ...") are still questions
    from nephroguide.answer.direct import _asked_parts, _marked_questions, _message_parts

    q = ("they said my baby (3 months) has congenital nephrotic syndrome finnish type and may need the kidneys "
         "removed. why would they take out kidneys?? is it because of something we did, will our next baby have it")
    asked = [b for _, b in _asked_parts(_message_parts(q), _marked_questions(q))]
    assert "is it because of something we did" in asked and len(asked) == 3
    b = answer(q, audience="family")
    assert "Why would they take out kidneys? Only if the protein leak keeps causing serious problems" in b.summary_text


def test_probe_24_each_family_question_keeps_its_own_polarity():
    a = answer("will my son grow out of this? the nurse said most kids do but he has had 5 relapses already. will he have "
               "it when hes an adult, who looks after him when he turns 16-18, and can he have children one day",
               audience="family")
    assert "Can he have children one day? Usually yes" in a.summary_text
    assert "Who looks after him when he turns 16-18? Every young person nearing adulthood moves to an adult kidney team" \
        in a.summary_text
    assert answer("will nephrotic syndrome affect me having kids when im older", audience="family").summary_text \
        .startswith("Usually not")
    b = answer("SSNS, 3rd relapse in 5 months on alt-day pred, now steroid dependent. next steroid-sparing option: "
               "levamisole vs MMF vs CNI vs rituximab? doses pls")
    assert "MMF, rituximab or a calcineurin inhibitor, unranked" in b.summary_text and "Either" not in b.summary_text


def test_a_student_asking_underfill_versus_overfill_gets_both():
    a = answer("explain the pathophysiology of oedema in nephrotic syndrome - underfill vs overfill hypothesis",
               audience="student")
    assert a.summary_text.startswith("Both occur: underfill") and "ENaC" in a.summary_text


def test_probe_25_doses_never_start_on_a_later_phase():
    a = answer("pred dose for relapse in 22 kg child? how long at full dose before switching to alternate day?")
    assert a.summary_text.startswith("Prednisolone for a relapse, daily phase (KDIGO 2025)")
    assert "Prednisolone 44 mg once daily" in a.summary_text and "33 mg once every other day" in a.summary_text
    assert a.summary_text.index("44 mg") < a.summary_text.index("33 mg")
    # without the child's size, both phases as the rule is written
    b = answer("4yo first presentation, oedema, UPCR 850 mg/mmol, alb 14, normal C3, no haematuria. pred dose and "
               "duration? need biopsy?")
    assert "60 mg/m2/day or 2 mg/kg/day" in b.summary_text and "40 mg/m2/dose or 1.5 mg/kg/dose" in b.summary_text


def test_probe_25_another_condition_likened_to_nephrotic_syndrome_is_not_covered():
    a = answer("my son has IgA nephropathy and blood in his pee after colds, does he need steroids like the nephrotic "
               "kids?", audience="family")
    assert a.scope == "not_covered" and "IgA nephropathy" in a.summary_text and "prednisolone" not in a.summary_text


def test_probe_25_family_parts():
    a = answer("my son is 3 and his eyes were really puffy this morning and now his legs are swollen too, the doctor "
               "says its nephrotic syndrome and hes started on steroids. is this going to damage his kidneys forever?? "
               "will he need dialysis?? im so scared", audience="family")
    assert a.summary_text.startswith("No, not if the nephrotic syndrome goes away with prednisolone")
    b = answer("can my son get his MMR booster and the flu vaccine while hes on prednisolone? the GP said no live "
               "vaccines but isnt flu spray live?", audience="family")
    assert "Not the nasal spray: it is a live vaccine" in b.summary_text
    c = answer("our baby was born at 36 weeks with a very big placenta and now at 3 weeks old shes swollen and the "
               "doctors say congenital nephrotic syndrome finnish type. what does this mean, will she need a "
               "transplant? can our next baby have it too", audience="family")
    # the chance itself answers "can our next baby have it too?" (round 15: the answer opens with it)
    assert "Can our next baby have it too? A 1 in 4 chance for each child, with the usual gene types, when both " \
        "parents carry the same gene change" in c.summary_text
    d = answer("we're going to spain for 2 weeks in summer, my son has nephrotic syndrome and is in remission on no "
               "medication. what should we bring and what if he relapses there? also can he go swimming in the sea",
               audience="family")
    assert "What should we bring? Take the urine test sticks" in d.summary_text
    assert "Can he go swimming in the sea? Yes, if your child feels well" in d.summary_text


def test_a_choice_between_two_medicines_is_not_answered_by_a_choice_between_others():
    a = answer("frequent relapser, 3rd relapse in 6 months, steroid toxic (BMI >98th, cushingoid). next step - "
               "levamisole, MMF, cyclophosphamide or rituximab? doses?")
    assert "Cyclophosphamide or rituximab? It depends on the pattern" in a.summary_text
    assert "lists both as preferred SDNS agents" not in a.summary_text


def test_a_teenager_still_relapsing_is_not_promised_she_will_grow_out_of_it():
    a = answer("my daughter is 14 and has had nephrotic syndrome since she was 2, still relapsing. will she grow out of "
               "it? will she be able to have children later? the tacrolimus worries me", audience="family")
    assert "Will she grow out of it? Maybe, but it is less certain than for most children" in a.summary_text
    assert "depends mostly on treatment" not in a.summary_text   # (the steroid-resistant answer is not hers)
    assert answer("will she grow out of it?", audience="family").summary_text.startswith("Usually, yes")


def test_probe_26_told_requests_are_answered_and_a_husband_is_not_an_adult_patient():
    a = answer("pharmacist q: child on pred 60mg/m2 daily, mum wants ibuprofen for fever, and practice nurse asks if MMR "
               "2nd dose can go ahead. ok or not?")
    assert a.intent != "dosing" and "60 mg/m2/day or 2 mg/kg/day" not in a.summary_text
    assert "No, not on high doses: defer live vaccines" in a.summary_text and "Avoid NSAIDs" in a.summary_text
    b = answer("since starting the steroids he is so angry and not sleeping and eats everything in the house, is this "
               "normal?? will it stop? my husband wants to cut the dose down himself because its too much",
               audience="family")
    assert b.scope == "covered" and "Never stop prednisolone suddenly" in b.summary_text
    c = answer("my son is on tacrolimus for steroid resistent nephrotic and his level came back high, he has shaky hands "
               "and a headache. is this dangerous?? and is grapefruit juice ok for him", audience="family")
    assert c.summary_text.startswith("It can be: call the kidney team today, and go to hospital straight away if he has "
                                     "a fit")
    d = answer("adult 45M membranous nephropathy PLA2R+, rituximab dose and when to start?")
    assert d.scope == "not_covered" and "CD19" not in d.summary_text


def test_probe_26_five_questions_and_a_students_why():
    a = answer("I am the grandmother and I am looking after my grandson (he is 5) for the summer while his parents are "
               "abroad. He takes prednisolone every morning. What foods should I avoid, is salt alright, can he have "
               "sweets and crisps? And what signs should make me call the doctor?", audience="family")
    assert "What signs should make me call the doctor? Straight away if your child" in a.summary_text \
        or "what signs should make me call the doctor? Straight away if your child" in a.summary_text
    b = answer("why does minimal change disease cause oedema and hyperlipidaemia?", audience="student")
    assert b.summary_text.startswith("Both follow the protein leak")
    c = answer("SSNS boy 7y, 3rd relapse in 6/12 while on alt-day pred 0.5mg/kg. next step - levamisole, MMF, cyclo or "
               "ritux?")
    assert "Cyclo or ritux? It depends on the pattern" in c.summary_text


def test_probe_26_a_choice_told_without_a_question_word_is_asked_and_genetic_care_needs_a_genetic_cause():
    a = answer("SRNS after 4/52 pred 60. tac or CsA first line, do we add ACEi, and when to send genetics?")
    assert "Either, chosen by side effects" in a.summary_text
    assert "Start in the confirmation period" in a.summary_text
    assert "When to send genetics?" in a.summary_text
    assert "once a monogenic cause is confirmed" not in a.summary_text
    assert answer("NPHS2 confirmed, what treatment").summary_text.startswith("Usually stop (or do not start) immuno")


def test_a_numbered_list_of_questions_beside_an_exposure_gets_every_answer():
    a = answer("Four things please: 1) can she go to school while on the high dose steroids 2) chickenpox is going round "
               "her class, what do we do 3) can she keep going to swimming club 4) we are flying to spain in august, "
               "anything we need to take?", audience="family")
    s = a.summary_text
    assert s.startswith("Chickenpox can be serious for a child on prednisolone")
    assert "Can she keep going to swimming club?" in s and "Anything we need to take? Take the urine test sticks" in s
    # beside an acute danger a family's other question is still left out ("can he go to school tomorrow?")
    b = answer("my son has a fever of 39 and a really sore tummy, he's in relapse. can he go to school tomorrow?",
               audience="family")
    assert "go to school tomorrow? Yes" not in b.summary_text


def test_a_question_after_a_shorthand_dose_request_is_answered_beside_the_dose():
    a = answer("MMF dose 1.0 m2 SDNS, and which bloods?")
    assert a.summary_text.startswith("Mycophenolate mofetil for FRNS/SDNS (KDIGO 2025): Mycophenolate mofetil 600 mg "
                                     "twice daily (every 12 hours), 1200 mg/day.")
    assert "Which bloods? Blood count and liver enzymes" in a.summary_text


def test_session_9_heldout6_kinds_of_failure():
    # heldout6 opened in session 9 (heldout7 written blind first): one test per kind of failure found there
    # dizzy on standing and hardly weeing, at home: an emergency, never "yes, relapses are common"
    a = answer("my son is weeing hardly anything today, he looks pale and says he feels dizzy when he stands up. "
               "relapse day 3. is this normal?", audience="family")
    assert a.summary_text.startswith("This is an emergency: go to hospital now"), a.summary_text[:120]
    # a baby of weeks ("6-wk-old"): infant onset, referred and tested, not the first-episode prednisolone course first
    b = answer("6-wk-old, alb 12, massive proteinuria. first steps? pred?")
    # (a baby under 3 months: no steroids, then the first steps, refer; never the first-episode course)
    assert "Refer to pediatric nephrology now" in b.summary_text and not b.summary_text.startswith("Treat the first episode")
    assert b.summary_text.startswith("No: steroids and immunosuppressants do not work")
    # a regimen beside the weight is worked out
    c = answer("relapse, 26 kg — pred regimen pls")
    assert "52 mg" in c.summary_text and "39 mg" in c.summary_text
    # no remission at the end of week 4, told as numbers: steroid resistance, not the first-episode course
    d = answer("end of wk 4 of 60/m2 pred, UPCR 350 mg/mmol, alb 22. what now?")
    assert d.intent == "srns_next_step" and "Treat the first episode" not in d.summary_text
    assert "srns" in d.context["stage"]
    e = answer("SRNS, on tac 6 months, troughs 6-8, no partial response. next?")
    assert e.intent == "cni_resistant_next_step" and "trial" in e.summary_text[:80]
    # clinician shorthand "FR/SD" is frequently relapsing / steroid-dependent, not a standard deviation
    f = answer("Ca + vit D for every kid on pred, or only FR/SD?")
    assert f.summary_text.startswith("Yes in FRNS/SDNS: oral calcium with vitamin D") and "?" not in f.summary_text
    # questions of no subject of their own are about the story's subject (blood clots), not nephrotic syndrome
    g = answer("I read that kids with nephrotic can get blood clots. what are the signs i should look out for? how "
               "common is it?", audience="family")
    assert "Clots are uncommon" in g.summary_text and "puffy eyes first" not in g.summary_text
    assert "1 to 17 in every 100,000" not in g.summary_text
    # "when to start?" after "aciclovir - dose and" is the aciclovir's, never the relapse course's start
    h = answer("varicella contact day 8, on pred 2 mg/kg, non-immune, no VZIG available. aciclovir - dose and when "
               "to start?")
    assert "VZIG" in h.summary_text and "relapse" not in h.summary_text.lower()


def test_probe_27_flu_jab_and_mmr_are_answered_each_on_its_own():
    # one "No" for "her flu jab and the MMR booster" told a family to skip the injected flu vaccine (probe 27, unsafe)
    a = answer("our daughter is 7 on prednisolone and her school friend has chickenpox!! they sat together yesterday. "
               "what do we do, is it dangerous. and can she still have her flu jab and the MMR booster thats due",
               audience="family")
    s = a.summary_text
    assert s.startswith("Chickenpox can be serious")
    assert "Can she still have her flu jab? Yes" in s and "Can she still have the MMR booster? No" in s


def test_probe_27_clinician_parts():
    # "is this FRNS?" is not read with the medicines of the next question (it got "No: oral cyclophosphamide is
    # given as one course only"); the three-way choice gets the next-agent answer
    a = answer("6yo SSNS 3rd relapse in 8 months on alt day pred. is this FRNS? next steroid sparing agent - "
               "levamisole vs MMF vs cyclo?")
    s = a.summary_text
    assert "Is this FRNS? It depends on when the relapses happen" in s and "one course only, with a cumulative" not in s
    assert "levamisole vs MMF vs cyclo? Add a steroid-sparing agent" in s
    # a GP's "send in now?" beside suspected peritonitis: the danger answer says hospital, no list of onset tests
    b = answer("GP here - child with known NS has fever, abdo pain, diffuse tenderness, oedematous. what to worry "
               "about, send in now?")
    assert "assess in hospital now" in b.summary_text and "Send in now?" not in b.summary_text
    # "next steps: biopsy? genetics? ..." : biopsy is answered as biopsy, not as the CNI step
    c = answer("SRNS 8yo after 4 wks pred no remission. next steps: biopsy? genetics? CNI first line? add ACEi?")
    assert "Biopsy? A calcineurin inhibitor" not in c.summary_text and "Biopsy? " in c.summary_text


def test_probe_27_family_parts():
    # a first episode's puffy eyes are not "swelling again" (call the team the same day); "will it come back?" is
    # answered
    a = answer("my son is 5 and was just diagnosed with nephrotic syndrome last week, his eyes are so puffy and the "
               "doctor gave him predisolone. how long will he need to take it and will it come back?? I am so "
               "scared, will he need dialysis", audience="family")
    s = a.summary_text
    assert s.startswith("8 or 12 weeks in all") and "call the kidney team the same day" not in s
    assert "Will it come back? Probably" in s and "Will he need dialysis? No" in s
    # the team's plan told ("They want to start levamisole.") is not a question of its own
    b = answer("They want to start levamisole. what are the side effects? they said blood tests every few months, "
               "what are they looking for", audience="family")
    assert b.summary_text.startswith("Levamisole is usually well tolerated")


def test_probe_27_and_heldout6_more_parts_and_scope():
    # a told complaint beside the questions is answered (prednisolone after food, a stomach medicine may help)
    a = answer("my boy has been moody, angry, not sleeping and crying since starting steroids. is this normal? will "
               "it stop when dose goes down. he also says his tummy hurts after tablets", audience="family")
    assert "Is this normal? Yes. Tantrums" in a.summary_text and "Give prednisolone after a meal or snack" in a.summary_text
    assert "Will it stop when dose goes down? Probably, yes" in a.summary_text
    # ... but the story of a danger sign is not a question of its own
    b = answer("he has a temperature of 38.5 and says his tummy really hurts, hes in relapse. should i wait and see "
               "how he is tomorrow?", audience="family")
    assert "Says his tummy" not in b.summary_text
    # "what treatment is there" for a baby with the Finnish type names the treatment
    c = answer("our baby was born with nephrotic syndrome, finnish type they said, she is 3 weeks old. will she "
               "survive, what treatment is there", audience="family")
    assert "What treatment is there? Treatment supports the baby" in c.summary_text
    assert "Will she survive? Yes" in c.summary_text
    # a subject in shorthand after a dash is asked: IgG monitoring after rituximab
    d = answer("child on rituximab for SDNS - hypogammaglobulinaemia monitoring, PJP prophylaxis needed? live "
               "vaccines timing?")
    assert "Check IgG before rituximab and after each course" in d.summary_text
    # one question about a medicine the pack never names: not covered, not an answer about prednisolone
    e = answer("he also has ADHD and the paediatrician wants to start methylphenidate. is it safe to take with his "
               "prednisolone?", audience="family")
    assert e.scope == "not_covered" and "methylphenidate" in e.summary_text
    f = answer("Explain the mechanism by which SGLT2 inhibitors slow CKD progression.", audience="student")
    assert f.scope == "not_covered" and "SGLT2 inhibitors" in f.summary_text
    # ... but a known medicine in the story does not make the question about it not covered
    g = answer("she is on tacrolimus. can she go swimming?", audience="family")
    assert g.scope != "not_covered"
    # the asker's own adult age ("I'm 28 ... myself"): the children's doses are not the answer
    h = answer("I'm 28 and have just been diagnosed with minimal change disease myself. what dose of prednisolone "
               "should i be on?", audience="family")
    assert h.scope == "not_covered" and "60 mg" not in h.summary_text and "adults" in h.summary_text


def test_heldout6_dose_parts_and_negated_signs():
    # "not hypovolaemic" is not a sign of hypovolaemia; two medicines asked together get each dose, and a range is
    # never shown as its low end alone
    a = answer("15 kg, gross oedema + ascites, well perfused, not hypovolaemic. albumin / frusemide dose?")
    assert "hypovolaemic_signs" not in a.context["stage"]
    s = a.summary_text
    assert "Human albumin 20-25% 7.5 g IV per dose (low end of the range; range 7.5-15 g per dose)" in s
    assert "Furosemide 15 mg IV per dose (low end of the range; range 15-30 mg per dose)" in s
    # "stress-dose hydrocortisone needed?" is not a dose request for the maintenance prednisolone
    b = answer("8yo on alt-day pred for 2 yrs (SDNS), tonsillectomy next week. stress-dose hydrocortisone needed?")
    assert b.summary_text.startswith("Possibly, and likely after long-term use: stress-dose hydrocortisone") and "0.5 mg/kg" not in b.summary_text
    # typical presentation with microscopic blood: typical, and the blood changes nothing (it got the BP answer)
    c = answer("4yo, periorbital + pedal oedema, dip 4+ prot 1+ blood, BP normal, creat normal. typical INS? does "
               "the blood change anything")
    assert "Typical INS? Yes" in c.summary_text and "Does the blood change anything? No" in c.summary_text
    assert "No single number" not in c.summary_text


def test_probe_28_and_29_safety():
    # a hypovolaemic child on the ward: restore volume first, without furosemide; the oedema answers about
    # albumin and furosemide are not given beside it (they said "No: indiscriminate albumin" and "furosemide 1-2
    # mg/kg with albumin")
    a = answer("Ward: 3yo first presentation, alb 14, gross oedema, Na 128, Hb 165, CRT 4s, cold peripheries, abdo "
               "pain, creat up from baseline. Albumin infusion? furosemide with it? Does he need thromboprophylaxis?")
    s = a.summary_text
    assert s.startswith("Restore intravascular volume first, without furosemide")
    assert "indiscriminate albumin" not in s and "Furosemide with it?" not in s
    assert "Does he need thromboprophylaxis? Not routinely" in s
    # a run-on "can i just stop the tablets ..." is asked and answered No
    b = answer("hes 5 and on the high dose steriods, hes so angry, hungry all the time, cant sleep and his face has "
               "gone all round and chubby. will his face stay like this forever? hes so misrable can i just stop the "
               "tablets early and not tell the doctor", audience="family")
    assert "Can I just stop the tablets early and not tell the doctor? No. Never stop prednisolone suddenly" \
        in b.summary_text
    # ... but "What foods should I avoid" stays one question
    c = answer("I am the grandmother and I am looking after my grandson (he is 5) for the summer while his parents "
               "are abroad. He takes prednisolone every morning. What foods should I avoid, is salt alright?",
               audience="family")
    assert "Should I avoid?" not in c.summary_text
    # another condition told in the story (post-streptococcal), nephrotic syndrome named only in a question: not
    # covered (it got the congenital NS treatment); "cola" as a drink is not that condition
    d = answer("my 8yo had a sore throat 2 weeks ago and now his wee is dark like cola and his eyes are puffy, the GP "
               "said maybe post strep something. is this the same thing as nephrotic syndrome? what is the treatment "
               "and will his kidneys be ok", audience="family")
    assert d.scope == "not_covered" and "albumin drips" not in d.summary_text
    e = answer("can she drink cola on prednisolone?", audience="family")
    assert "post-infectious" not in e.summary_text


def test_probe_28_and_29_vaccines_and_family():
    # off steroids for months, in remission: live vaccines yes (it got "No: not on tacrolimus ...")
    a = answer("GP query: child with NS in remission, off steroids 4 months. OK to give MMR and varicella vaccine "
               "now? Flu jab - live nasal or injected? And should siblings be vaccinated?")
    assert a.summary_text.startswith("Yes, usually: in remission") and "Should siblings be vaccinated? Yes" \
        in a.summary_text
    # a sibling's MMR with the child in the house: yes; "have it" is the nasal spray told just before
    b = answer("The school is doing the nasal spray flu vaccine next week. Can my daughter have it while shes on "
               "prednisolone? And her little brother is due his MMR, is it safe for him to have it with her in the "
               "house?", audience="family")
    assert "Is it safe for him to have it with her in the house? Yes" in b.summary_text
    # "MMR booster once on low alt-day dose?" asks about the vaccine, not the prednisolone dose
    c = answer("GP here. 5yo on pred 60 mg/m2 for relapse, sib has chickenpox, child never had varicella or the "
               "vaccine. VZIG or aciclovir, and how soon? Also can he get MMR booster once on low alt-day dose?")
    assert "Can he get MMR booster once on low alt-day dose? Yes, if the alternate-day dose is below 2 mg/kg" \
        in c.summary_text   # (the low alternate-day dose answer, since round 29; was "No, not on high doses")
    assert "daily phase" not in c.summary_text
    # "my son (he is 4) and now ..." is not a numbered list; the next baby gets the genetics answer
    d = answer("the steroids didnt work for my son (he is 4) and now they want to do a gene test and a kidney "
               "biopsy. does this mean its inherited, will our new baby get it too? and is he going to need dialysis "
               "or a transplant?", audience="family")
    assert "Will our new baby get it too? It depends on the cause" in d.summary_text
    assert "A new kidney takes over" not in d.summary_text


def test_probe_29_pharmacist_and_family_parts():
    # doses and levels asked in a list before the message's question are asked too
    a = answer("Pharmacist: tacrolimus for SDNS 8yo - usual starting dose, target trough, and which interactions "
               "matter (clarithromycin, fluconazole, grapefruit)? Anything to monitor?")
    s = a.summary_text
    assert "0.1-0.2 mg/kg/day" in s and "Target trough? Tacrolimus 12-hour trough 5-10 ng/mL" in s
    # "max daily dose?" beside a dose: the caps, not the dose again
    b = answer("Pharmacist here - script for prednisolone 60 mg/m2/day for a 4yo girl, BSA 0.68 m2, first episode "
               "NS. Is 41 mg once daily in the morning right, what is the max daily dose, and does she need a PPI or "
               "calcium/vit D cover?")
    assert "What is the max daily dose? Weeks 1-4 (or 1-6), daily: at most 60 mg a day" in b.summary_text
    # a misspelt adverb is no subject ("what can he actualy eat" was "no information on actualy")
    c = answer("should i cut his salt and what can he actualy eat, can he still have crisps and chips",
               audience="family")
    assert "actualy" not in c.summary_text.lower().replace("what can he actualy eat", "")
    # a baby with congenital NS: kidneys out or a transplant is the congenital answer, not transplant recurrence
    d = answer("our baby is 6 weeks old and the doctors said she has congenital nephrotic syndrome, she is on albumin "
               "drips nearly every day. what is it exactly and why did it happen? will she need her kidneys out or "
               "a transplant? could our next baby have it too", audience="family")
    assert "Will she need her kidneys out or a transplant? Most likely, yes" in d.summary_text
    assert "1 in 3 transplants" not in d.summary_text and "Our baby is 6 weeks old" not in d.summary_text


def test_probe_28_dropped_parts():
    # a relative's diet advice told then "is that right?": not all of it (salt down, normal protein, drinks)
    a = answer("what is he allowed to eat while he has the swelling? my mum says we should cut out salt completly "
               "and also stop giving him water and meat because the protein is leaking. is that right? he is always "
               "starving on the tablets", audience="family")
    assert "Is that right? Not all of that" in a.summary_text
    # "did I cause it by something I gave her to eat" is answered (it was dropped)
    b = answer("my daughter is 3 and her eyes have been so puffy every morning, the doctor says its nephrotic "
               "syndrom and started her on steriods. will she grow out of this?? does it mean her kidneys are "
               "failing? and did i cause it by something i gave her to eat, she had a cold the week before",
               audience="family")
    assert "Did I cause it by something I gave her to eat? No." in b.summary_text
    # a choice is not answered "Yes:"; the statin part is answered
    c = answer("9yo SRNS after 4 wks pred 60 mg/m2 no remission. Biopsy or genetics first? Start CNI + ACEi? BP "
               "125/82 and chol 8.9 - treat with statin?")
    # (the choice's answer leads, or follows under its words: never "Yes")
    assert "Biopsy or genetics first? Yes" not in c.summary_text and not c.summary_text.startswith("Yes") \
        and "kidney biopsy" in c.summary_text
    assert "statin? Consider one only for persistent hyperlipidaemia" in c.summary_text


def test_probe_30_measles_outbreak_and_lowering_the_dose():
    # a measles outbreak at school beside a vaccine question: the exposure leads (it was left out: unsafe), and a
    # run-on "... next week can he have that" is asked
    a = answer("my boy is on steroids and theres a measles outbreak at his school. he had both his MMR jabs when he "
               "was little. is he protected or should he stay home? also the school nurse is doing the flu nasal "
               "spray vaccine next week can he have that", audience="family")
    assert a.summary_text.startswith("Call the kidney team straight away")
    assert "Can he have that? Not the nasal spray" in a.summary_text
    # "can I give her a bit less of the dose?" -> No, never lower it yourself
    b = answer("my daughter is on prednisolone 60mg a day since last week and she is eating constantly, crying all "
               "the time, cant sleep, her face has gone so round. is this normal? how long does it last? can i give "
               "her a bit less of the dose because it's making her so miserable", audience="family")
    assert "No. Never stop prednisolone suddenly or lower the dose yourself" in b.summary_text


def test_probe_30_clinician_parts():
    # "before I call it steroid resistant" is a hypothetical, not the child's stage: the first-episode doses, both
    # bases, beside the caps (it once gave the SRNS low-dose prednisolone with a CNI)
    a = answer("4yo boy, 1st presentation NS, 17kg, 104cm. pred dose per m2 or per kg? max daily? how many weeks "
               "before I call it steroid resistant?")
    s = a.summary_text
    assert "srns" not in a.context["stage"] and "Prednisolone 42 mg once daily" in s and "34 mg" in s
    assert "Low-dose prednisolone with a CNI" not in s
    # dry, D&V, AKI on enalapril and furosemide: hold both; the thromboprophylaxis part is answered (the story's
    # medicines made it look like a choice between medicines)
    b = answer("relapse, alb 11, creat doubled from baseline, on enalapril and furosemide, now D&V and looks dry. "
               "what do I hold? and does she need thromboprophylaxis?")
    assert b.summary_text.startswith("Hold both") and "Does she need thromboprophylaxis? Not routinely" in b.summary_text
    # 3+ for two days after a 2+ day: not yet (the 2+ answer was given)
    c = answer("we test his wee every morning with the sticks and its been 3+ for 2 days now, it was 2+ the day "
               "before that. he seems totaly fine in himself, playing normally. do we restart the steroids ourselves "
               "or wait or take him to A&E? its sunday and the clinic is closed", audience="family")
    assert c.summary_text.startswith("Not yet, if it is only the first or second day")


def test_probe_30_a_list_of_definitions():
    # "what are the definitions of A, B, C and D?": each term its own question (only one was answered)
    a = answer("what are the definitions of remission, relapse, frequently relapsing and steroid dependent nephrotic "
               "syndrome (with the UPCR/dipstick numbers)?", audience="student")
    s = a.summary_text
    assert "A relapse is a urine dipstick of 3+" in s and "Frequently relapsing nephrotic syndrome: 2 or more" in s
    assert "Steroid-dependent nephrotic syndrome: 2 consecutive relapses" in s


def test_probe_31_safety():
    # a fit with headache and vomiting on high-dose prednisolone: cerebral venous thrombosis first (an exam stem got
    # relapse risk factors and the prednisolone course); the stem's generic questions are not answered otherwise
    a = answer("Exam stem: a 7-year-old with relapsing nephrotic syndrome on high-dose prednisolone develops severe "
               "headache, vomiting and then a seizure. BP is normal. What is the most likely diagnosis, which "
               "investigation confirms it, and what is the treatment?", audience="student")
    assert a.summary_text.startswith("Cerebral venous (sinus) thrombosis must be considered")
    assert "oral prednisolone 60 mg/m2/day" not in a.summary_text and "Boys (adjusted HR" not in a.summary_text
    # ... but a seizure on tacrolimus with a tremor is not read as a clot first
    b = answer("tremor, headache then a seizure on tacrolimus - what to consider?")
    assert not b.summary_text.startswith("Cerebral venous")
    # a newly diagnosed 3-year-old is never told "Most likely, yes" to dialysis or a transplant (congenital text)
    c = answer("hi my son is 3 and his eyes have been puffy for about a week and his legs are swolen, the hospital "
               "said its nefrotic syndrome and there was lots of protein in his wee. Does this mean his kidneys are "
               "failing?? will he need dialysis or a transplant? they started him on steroids, how long will he have "
               "to take them", audience="family")
    assert "Most likely, yes" not in c.summary_text and "Most babies with congenital" not in c.summary_text
    # "NPHS2 neg" is a negative genetic result, not a genetic cause
    from nephroguide.answer.understand import understand

    u = understand("8yo SRNS (NPHS2 neg), on tac 6 mo partial remission, BP persistently 128/86. statin?")
    assert "genetic_srns" not in u.stage
    # a varicella vaccine "later" for a child on prednisolone now: when, not "No"
    d = answer("GP here. 6yo boy on pred 2mg/kg daily for nephrotic relapse, sister has chickenpox since yesterday, "
               "he's never had it and not vaccinated. what do I do? aciclovir or VZIG? and can he have varicella "
               "vaccine later?")
    assert any(f"Can he have varicella vaccine later? {when}" in d.summary_text
               for when in ("At least 1 month after stopping", "Yes, later: not during the high-dose course"))


def test_probe_31_more_parts():
    # a bare "ok?" after the GP's plan asks about it (tacrolimus with clarithromycin)
    a = answer("pharmacist q: 9yo on tacrolimus for SDNS, GP wants to start clarithromycin for a chest infection. ok? "
               "target tac trough for NS? what to monitor?")
    assert a.summary_text.startswith("Expect the tacrolimus level to rise") and "Target tac trough for NS?" \
        in a.summary_text
    # a baby with congenital NS: "will she need a kidney transplant?" is the congenital answer, not recurrence
    b = answer("our baby girl is 6 weeks old and they just told us she has congenital nephrotic syndrome, maybe the "
               "finnish type. what does that mean, is it the same as what older kids get, will steroids work and what "
               "treatment will she need? will she need a kidney transplant", audience="family")
    assert "Will she need a kidney transplant? Most likely, yes" in b.summary_text
    assert "1 in 3 transplants" not in b.summary_text
    # "can I just cut the dose down a bit myself" -> No
    c = answer("my daughter (7) has been on prednisolone for 3 weeks and she is a different child, screaming "
               "tantrums, awake half the night. Is this normal?? can I just cut the dose down a bit myself because "
               "she is so unhappy", audience="family")
    assert "No. Never stop prednisolone suddenly or lower the dose yourself" in c.summary_text
    # exam stem: the histology and the first-line treatment, not the onset blood tests
    d = answer("Exam stem: a 3-year-old boy presents with periorbital oedema. Urine protein:creatinine ratio 800 "
               "mg/mmol, serum albumin 18 g/L, normal C3/C4, no haematuria, normal BP and creatinine. What is the most "
               "likely histological diagnosis and what is first-line treatment?", audience="student")
    assert d.summary_text.startswith("Minimal change disease") and "What is first-line treatment? Oral prednisolone" \
        in d.summary_text


def test_a_shorthand_dose_before_another_question_is_worked_out():
    # "MMF dose for a 1.1 m2 child with SDNS, and how long ...?": the dose part is asked too (it was read as told,
    # so the answer gave 600 mg/m2 without working it out for the stated BSA)
    a = answer("MMF dose for a 1.1 m2 child with SDNS, and how long do we continue it?")
    assert "Mycophenolate mofetil 650 mg twice daily (every 12 hours), 1300 mg/day" in a.summary_text


def test_a_no_opening_a_noun_phrase_is_not_taken_for_an_answer():
    # "No exact number: ..." answers no yes/no question: it was cut to "Exact number: ..." when the question was
    # asked the other way round, which says the opposite
    from nephroguide.answer.direct import same_polarity

    asks = ["should he avoid salt"]
    text = "No exact number: add no salt in cooking or at the table."
    assert same_polarity("can he have salt?", asks, text) == text
    assert same_polarity("can he have salt?", asks, "No, not in a relapse.") == "Not in a relapse."
    # "is salt bad for my son" gets its Yes, not the salt-limit answer
    a = answer("is salt bad for my son with nephrotic syndrome", audience="family")
    assert a.summary_text.startswith("Yes: while your child is in a relapse or puffy, cut down on salt")


def test_a_part_with_only_a_loose_answer_is_named_not_dropped():
    # "which one is safer?" fits an answer only loosely: it was left out without a word; now it is named
    a = answer("My grandson is 9 and has had nephrotic syndrome since he was 3. He has relapsed 5 or 6 times this "
               "year. The doctors are now talking about either cyclophosphamide tablets or a drip called rituximab. Is "
               "that chemotherapy? Will it make him infertile when hes older? Which one is safer?", audience="family")
    assert "Which one is safer? This part is not answered here." in a.summary_text
    # ... but not when the answer given speaks of most of what it asks ("3+ for 3 days in a row is a relapse")
    b = answer("we test his wee every morning with the sticks. today its 3+ and yesterday was 2+ but he seems totally "
               "fine no swelling. do i need to take him to hospital tonight or wait? how many days of protein before "
               "its a relapse and do we just restart the steroids ourselves", audience="family")
    assert "not answered" not in b.summary_text and "3 days in a row" in b.summary_text
    # ... nor beside a danger answer, which says what to do
    c = answer("its 2am and my 5 yr old has a temprature of 38.9 and is crying that his tummy really hurts, he is on "
               "prednisolone for nephrotic syndrome and is very swollen at the moment. should i give calpol and wait "
               "till morning or go to A&E now?", audience="family")
    assert "Go to hospital now" in c.summary_text and "not answered" not in c.summary_text


def test_an_answer_about_two_medicines_together_is_not_given_for_one():
    # "MMF ..., how long do we continue it?" got the MMF-after-rituximab answer ("the sources set no duration")
    # beside the lead's "at least 12 months"
    a = answer("MMF dose for a 1.1 m2 child with SDNS, and how long do we continue it?")
    assert "At least 12 months" in a.summary_text and "after rituximab" not in a.summary_text
    assert "Mycophenolate mofetil 650 mg twice daily (every 12 hours), 1300 mg/day" in a.summary_text
    # asked about both, it still answers
    b = answer("how long to continue MMF after rituximab?")
    assert b.summary_text.startswith("The sources set no duration")


def test_which_srns_children_should_not_get_immunosuppression_names_them_first():
    a = answer("In SRNS, which children should not receive immunosuppression?", audience="student")
    assert a.summary_text.startswith("Children with a monogenic (single-gene) cause")
    f = answer("which children with steroid resistant nephrotic syndrome will immunosuppression not help?",
               audience="family")
    assert f.summary_text.startswith("Children whose illness is caused by a change in one gene")
    assert "tacrolimus" in f.summary_text


def test_a_stated_dose_a_few_mg_off_is_near_not_a_match_and_a_low_one_is_flagged():
    a = answer("22 kg boy, first episode, pred 41 mg daily. Is 41 mg right?")
    assert a.summary_text.startswith("41 mg of prednisolone is 3 mg (7%) below the dose for 22 kg")
    assert "2 mg/kg/day = 44 mg" in a.summary_text and "matches" not in a.summary_text
    b = answer("pred 36 mg daily for 18 kg first episode, correct?")
    assert b.summary_text.startswith("36 mg of prednisolone matches the dose for 18 kg")
    # below every phase of the course, asked about: said so, with each phase's dose
    c = answer("22 kg boy, first episode, pred 20 mg daily. Is that right?")
    assert c.summary_text.startswith("Check the dose: 20 mg of prednisolone is below every phase's dose for 22 kg")
    assert "= 44 mg" in c.summary_text and "= 33 mg" in c.summary_text
    f = answer("my son is 22 kg, relapse, they gave pred 15 mg a day, is that enough?", audience="family")
    assert f.summary_text.startswith("Please ask the kidney team to check this dose today, and do not change it "
                                     "yourself: 15 mg of prednisolone is less than the usual doses")
    # a low dose in a maintenance course is not flagged (low alternate-day doses are the regimen there)
    m = answer("FRNS, 22 kg, on pred 5 mg alternate days as maintenance, is that ok?")
    assert "Check the dose" not in m.summary_text


def test_probe_32_gene_test_next_baby_and_aki_on_furosemide():
    # "could our next baby have it too?" was answered with what SRNS means, and "what does the gene test mean
    # for us?" with "no gene change was found" (a test not yet done)
    a = answer("they said the steroids didnt work and its \"steroid resistant\" and want to do a biopsy and a gene "
               "test. what does the gene test mean for us, could our next baby have it too?", audience="family")
    assert "no gene change was found" not in a.summary_text
    assert "the gene test look for the cause" in a.summary_text
    assert "Could our next baby have it too? It depends on the cause" in a.summary_text and "1 in 4" in a.summary_text
    # the usual type stated: very unlikely, not "it depends"
    b = answer("Will our next baby get it too? Our first child has the normal steroid-sensitive kind.", audience="family")
    assert b.summary_text.startswith("No, very unlikely for the usual type")
    # rising creatinine on furosemide in relapse: volume status first and stop the furosemide; "stop diuretic?"
    # is never answered with what furosemide is
    c = answer("child in relapse, oedematous, Cr rising 35->80 over 2 days, on furosemide. albumin infusion? stop "
               "diuretic? risk of AKI with NSAIDs?")
    assert c.summary_text.startswith("Judge volume status first, and stop the furosemide")
    assert "A loop diuretic that increases urine output" not in c.summary_text
    assert "Risk of AKI with NSAIDs? Avoid NSAIDs" in c.summary_text
    # a part with a specific subject of its own is not taken as answered by the answer given
    d = answer("relapse, alb 11, creat doubled from baseline, on enalapril and furosemide, now D&V and looks dry. "
               "what do I hold? and does she need thromboprophylaxis?")
    assert d.summary_text.startswith("Hold both") and "Does she need thromboprophylaxis? Not routinely" in d.summary_text


def test_probe_32_new_presentation_dose_and_when_to_call_it_srns():
    # a new case: the dose worked out for the stated BSA, and "how long before calling it SRNS?" answered with the
    # definition (4 weeks, confirmation period to week 6), not with secondary SRNS at a later relapse
    a = answer("4yo new NS, wt 16kg, BSA 0.68. pred starting dose mg/m2 and max? daily or split? how long before "
               "calling it SRNS?")
    assert "Prednisolone 41 mg once daily" in a.summary_text
    assert "How long before calling it SRNS? Steroid-resistant nephrotic syndrome: no complete remission within 4 " \
           "weeks" in a.summary_text and "confirmation period to week 6" in a.summary_text
    assert "at a later relapse" not in a.summary_text and "Daily or split? Once a day" in a.summary_text


def test_probe_32_which_signs_mean_go_now_lists_them_all():
    # "leg swelling and tummy pain" is not one painful leg; asked which signs mean A&E, every one is listed
    a = answer("doctor said his leg swelling and tummy pain could mean a clot or an infection in the tummy. what "
               "signs should i look for that mean go to A&E straight away at night", audience="family")
    assert a.summary_text.startswith("Go to hospital now.")
    assert "very little urine; trouble breathing" in a.summary_text and "blood clot" in a.summary_text
    b = answer("her left leg is swollen and sore, bigger than the other one", audience="family")
    assert b.summary_text.startswith("Get your child seen urgently today. One leg")


def test_probe_33_srns_never_gets_an_sdns_answer_and_little_urine_means_go_now():
    # "SRNS - ... CNI vs MMF vs rituximab?" was answered "Any of the three: in SDNS KDIGO 2025 lists ..."
    a = answer("SRNS - first line second agent? CNI vs MMF vs rituximab, and should we send genetics first")
    assert "in SDNS" not in a.summary_text and "calcineurin inhibitor" in a.summary_text
    # hardly any urine, swollen, sleepy, tummy pain at 2 am: go now, not "seen urgently" unless dizzy or cold
    b = answer("my son had a cold and now his legs are swollen and he hasnt peed much today and hes very sleepy and "
               "his tummy hurts. he relapsed last month. what should i do it's 2am", audience="family")
    assert b.summary_text.startswith("Go to hospital now")


def test_probe_33_a_relapse_dose_is_prednisolone_even_beside_levamisole():
    # "relapse ... - what dose? ... already on levamisole, what next, rituximab dose?" got the levamisole dose
    # under the relapse question
    a = answer("relapse in known steroid-sensitive kid - what dose and when to taper? and if he's a frequent relapser "
               "already on levamisole, what next, rituximab dose?")
    assert "what dose? Prednisolone for a relapse" in a.summary_text
    assert "what dose? Levamisole" not in a.summary_text


def test_a_monogenic_child_asking_to_stop_tacrolimus_gets_the_genetic_answer():
    a = answer("NPHS2 mutation found in a child with SRNS - should we stop tacrolimus?")
    assert "Should we stop tacrolimus? Usually stop (or do not start) immunosuppression" in a.summary_text


def test_probe_33_how_long_on_the_medicine_is_answered_not_called_uncovered():
    a = answer("my son is 3 and his eyes were puffy for a week, the GP says he has nefrotic syndrome and we have to "
               "start steroids tomorrow. is this kidney failure?? will he need dialysis? how long will he be on the "
               "medicine for", audience="family")
    assert "How long will he be on the medicine for? 8 or 12 weeks in all" in a.summary_text
    assert a.scope == "covered"


def test_a_yes_no_answer_asked_the_other_way_round_gets_its_other_way_line():
    # "will her kidneys be ok?" reached the kidney-failure answer and read "No, not if it goes away with prednisolone"
    ok = answer("will she grow out of it? and will her kidneys be ok in the long run? she's 5 and steroid sensitive",
                audience="family")
    assert "Will her kidneys be ok in the long run? Yes, if the nephrotic syndrome goes away" in ok.summary_text
    assert "No, not if" not in ok.summary_text
    fail = answer("will her kidneys be damaged in the long run if she responds to prednisolone?", audience="family")
    assert fail.summary_text.startswith("No, not if the nephrotic syndrome goes away with prednisolone")
    clinician = answer("SSNS - will the kidneys be fine long term?")
    assert clinician.summary_text.startswith("Yes, in steroid-sensitive disease")


def test_clot_signs_are_listed_in_the_first_line_and_a_relapse_line_names_prednisolone():
    a = answer("I read that kids with nephrotic can get blood clots. what are the signs i should look out for?",
               audience="family")
    assert "sudden breathlessness or chest pain" in a.summary_text and "It depends where" not in a.summary_text
    b = answer("his urine has been 3+ for 3 mornings now but he looks totally fine, no swelling at all. is it a "
               "relapse? do we restart the steroids or wait to see the doctor", audience="family")
    assert "takes it every day" not in current_text(b)


def test_what_is_not_covered_is_said_right_under_the_answer():
    from nephroguide.answer.render import answer_markdown

    a = answer("16yo SRNS on tac, derm wants to start isotretinoin for acne. ok? and what tac trough should I aim for?")
    lines = [x for x in answer_markdown(a).splitlines() if x.strip()]
    assert a.scope == "partly_covered" and lines[3].startswith("> **Scope:** nephroguide has no guidance on")


def test_probe_34_transition_and_contraception_on_mmf_are_answered_not_the_sdns_article():
    a = answer("16yo girl, SDNS since age 4, on MMF and low-dose alt-day pred, moving to adult services next year. what "
               "needs sorting out for transition? contraception issues?")
    assert "contraception" in a.summary_text and "teratogenic" in a.summary_text
    assert "steroid-sparing agent rather than steroids alone" not in a.summary_text


def test_probe_34_a_sibling_question_is_about_getting_it_not_about_vaccines():
    a = answer("What causes nephrotic syndrome? Did I do something wrong in pregnancy or give him something, and could "
               "his little sister get it too?", audience="family")
    assert "Could his little sister get it too? No, very unlikely" in a.summary_text
    assert "normal vaccines" not in a.summary_text


def test_probe_34_no_live_vaccine_is_advised_before_a_cni_in_a_child_on_high_dose_prednisolone():
    a = answer("what to check before starting tacrolimus")
    assert "varicella only while prednisolone is below 1 mg/kg/day" in a.summary_text
    b = answer("9yo SRNS, 30 kg, genetics pending. Starting tacrolimus: dose, target trough? Hold off until genetics back?")
    assert "Hold off until genetics back? No, do not wait" in b.summary_text


def test_probe_34_chickenpox_vaccine_afterwards_is_yes_later_not_no():
    a = answer("My daughter (7) is on prednisolone for a relapse and a girl in her class just got chickenpox. She has "
               "never had chickenpox and wasn't vaccinated for it. What do we need to do, and can she have the chickenpox "
               "vaccine afterwards?", audience="family")
    assert "Can she have the chickenpox vaccine afterwards? Yes, later" in a.summary_text
    assert "call the kidney team today" in a.summary_text


def test_probe_34_three_courses_defined_and_a_ssns_relapse_gets_no_srns_items():
    a = answer("What is the difference between frequently relapsing, steroid-dependent and steroid-resistant nephrotic "
               "syndrome?", audience="student")
    assert "SRNS: no complete remission after 4 weeks" in a.summary_text
    b = answer("relapse in 12yo, 45 kg, SSNS, infrequent relapser. pred dose and how long?")
    text = current_text(b)
    assert "cni responder" not in text and "prednisolone 60 mg once daily" in text


def test_probe_34_a_title_does_not_call_a_girl_my_son():
    a = answer("can my 9 yr old go on the school ski trip to france next month? she's on tacrolimus and is in "
               "remission", audience="family")
    assert "son" not in a.title.lower().split() and "tacrolimus" in a.summary_text


def test_a_listed_question_asks_each_item():
    # "dose, duration, cumulative max, monitoring?" asks four things, not only the last
    a = answer("oral cyclophosphamide for FRNS, 20 kg 6yo. dose, duration, cumulative max, monitoring?")
    assert "Cyclophosphamide 40 mg once daily" in a.summary_text
    assert "Cumulative max? Maximum cumulative dose: 168 mg/kg (= 3360 mg for 20 kg)" in a.summary_text
    b = answer("levamisole 18 kg. dose, duration, side effects?")
    assert "Duration: at least 12 months" in b.summary_text and "Duration?" not in b.summary_text
    assert "Side effects? The main ones are neutropenia" in b.summary_text


def test_a_hypovolaemic_child_gets_no_diuretic_answer_among_key_points():
    a = answer("nephrotic relapse, 3yo, cold peripheries, CRT 4 s, HR 160, abdo pain, Hct 48%, oliguric. 20% albumin + "
               "furosemide?")
    assert a.summary_text.startswith("No furosemide while there are signs of intravascular depletion")
    keys = " ".join(i.statement.text for s in a.sections if s.key == "key" for i in s.items)
    assert "congenital" not in keys.lower() and "diuretics alone without albumin? Yes" not in keys


def test_probe_35_macrolide_with_tacrolimus_is_answered_for_parents_and_clinicians():
    a = answer("my daughter is on tacrolimus and the GP wants to give her clarithromycin for a chest infection, is that ok "
               "together? also she drinks grapefruit juice most mornings does that matter", audience="family")
    assert "clarithromycin, can push the tacrolimus or ciclosporin level" in a.summary_text and "grapefruit" in a.summary_text
    b = answer("SDNS 9yo on tacrolimus 1.5 mg bd, started clarithromycin 3 days ago by GP, trough now 16 (was 6), "
               "creatinine up 35% from baseline. what to do?")
    assert b.summary_text.startswith("The macrolide raised it (clarithromycin and erythromycin are listed interacting drugs), so treat it as CNI toxicity: stop the macrolide")


def test_probe_35_acei_statin_thyroid_and_infant_questions_get_their_own_answers():
    a = answer("SRNS 11yo on tacrolimus, BP persistently >95th centile (128/84), UPCR 180 mg/mmol. ACEi - which drug, "
               "dose, what to monitor, BP target?")
    assert a.summary_text.startswith("An ACE inhibitor (such as enalapril) or an ARB")
    b = answer("SRNS 12yo, still nephrotic after 8 months, total chol 9.2 mmol/L, LDL 6.5. Start a statin? which and what "
               "monitoring?")
    assert b.summary_text.startswith("Consider one only for persistent hyperlipidaemia") and "What monitoring? CK before" in b.summary_text
    c = answer("5yo in relapse, TSH 8.1, free T4 normal. treat with levothyroxine or repeat in remission?")
    assert c.summary_text.startswith("Usually not in SSNS: repeat the tests in remission")
    d = answer("A 2-month-old presents with oedema and heavy proteinuria. What is the differential diagnosis and how does "
               "management differ from typical childhood nephrotic syndrome?", audience="student")
    assert d.summary_text.startswith("Congenital nephrotic syndrome (onset before 3 months)") and "PRES" not in d.summary_text


def test_probe_35_each_rituximab_question_of_a_parent_gets_its_own_answer():
    a = answer("consultant wants to give my 10yo rituximab bc she keeps relapsing on steroids. is this chemo?? will her "
               "hair fall out, how long does it work for and what are the risks. scared", audience="family")
    assert "How long does it work for? Often for many months" in a.summary_text
    assert "What are the risks? Rituximab often causes a mild reaction during the drip" in a.summary_text


def test_probe_35_flu_and_pneumococcal_eyes_and_bones_each_answered_the_right_way_round():
    a = answer("Is it safe for my son (5, on prednisolone for a relapse) to have the flu vaccine and the pneumonia "
               "vaccine? School is doing the nasal spray flu next week.", audience="family")
    assert "not the nasal spray" in a.summary_text and "Yes, every year, as an injection" not in a.summary_text
    b = answer("my daughter is 6 and on pred for her 3rd relapse. will the steroids stop her growing?? someone at school "
               "said steroids cause cataracts - does she need to see an eye doctor? and are her bones ok",
               audience="family")
    assert "eye check once a year" in b.summary_text
    assert "Are her bones ok? Usually, yes, but prednisolone taken for a long time" in b.summary_text
    c = answer("can steroids make bones break more easily", audience="family")
    assert c.summary_text.startswith("Yes, it can when taken for a long time")


def test_probe_35_secondary_resistance_answers_biopsy_genetics_and_cni_in_its_first_sentence():
    a = answer("10yo SSNS since age 3, now relapsed and still 3+ after 4 weeks of pred 60 mg/m2 daily. next steps - "
               "biopsy? genetics? CNI?")
    assert a.summary_text.startswith("Treat it as secondary (late) SRNS: biopsy, yes; genetic testing, yes")
    assert "confirmation period to week 6" in a.summary_text
    # (the teenage-onset biopsy answer is not this child's: onset was at 3)
    assert "onset at 12 or older" not in a.summary_text


def test_probe_35_a_story_dose_is_not_a_dose_asked_for_and_travel_jabs_and_ringing_the_ward_are_answered():
    a = answer("We're flying to Spain for 2 weeks in August. My daughter (8) is in remission on a low dose of "
               "prednisolone every other day. Can she fly, does she need any travel jabs, what do we take, and what "
               "do we do if she relapses while we're away?", audience="family")
    assert a.scope == "covered" and "dose asked for" not in (a.scope_note or "")
    assert "Does she need any travel jabs? Only if where you are going needs them, and only non-live ones" \
        in a.summary_text
    b = answer("he's got a streaming cold since yesterday and this mornings stick was 1+ (normally neg). he's on 10mg "
               "pred every other day. should I give it every day now? at what point do i ring the ward",
               audience="family")
    assert "At what point do I ring the ward? 3+ or more for 3 days in a row" in b.summary_text
    assert "Should I give it every day now? Not usually" in b.summary_text


def test_probe_35_growing_out_of_it_says_how_many_still_relapse_as_adults():
    a = answer("will my son grow out of this? he's 7 and has had 5 relapses", audience="family")
    assert a.summary_text.startswith("Usually, yes.") and "about 3 in 10 still have some as adults" in a.summary_text


def test_probe_35_a_comparison_of_steroid_sparing_agents_gives_each_dose_duration_and_toxicity():
    a = answer("Compare the steroid-sparing agents used in frequently relapsing nephrotic syndrome: doses, duration and "
               "main adverse effects.", audience="student")
    assert a.summary_text.startswith("They differ in dose, duration and toxicity")
    for said in ("levamisole 2.5 mg/kg once on alternate days", "cumulative max 168 mg/kg", "MMF 600 mg/m2 twice daily",
                 "tacrolimus 0.05 mg/kg twice daily", "rituximab 375 mg/m2 IV per dose", "gonadal toxicity"):
        assert said in a.summary_text


def test_short_clinician_questions_about_a_drugs_toxicity_or_work_up_are_not_answered_with_what_the_drug_is():
    assert answer("work-up before rituximab?").summary_text.startswith("Before: HBsAg, anti-HBc and a TB IGRA")
    assert answer("tacrolimus AEs to watch for in kids with NS?").summary_text.startswith("The main ones are nephrotoxicity")
    assert answer("ciclosporin AEs?").summary_text.startswith("The main ones are nephrotoxicity")
    assert answer("Which drug used in frequently relapsing nephrotic syndrome needs ANCA monitoring").summary_text \
        .startswith("Levamisole: check ANCA every 6 months")
    f = answer("The consultant suggested cyclophosphamide tablets for 12 weeks. Will my son be able to have children "
               "when he's older?", audience="family")
    assert f.summary_text.startswith("Usually yes. The main known risk to fertility is a medicine called cyclophosphamide")


def test_probe_36_a_dose_asked_after_thromboprophylaxis_is_never_a_prednisolone_dose():
    a = answer("13 yo nephrotic relapse, alb 14 g/L, has a central line for albumin, d-dimer 3, fibrinogen 6. should i "
               "start thromboprophylaxis, with what and what dose")
    assert "What dose? No stored source gives one: there is no LMWH (enoxaparin) dose" in a.summary_text
    assert "60 mg/day" not in a.summary_text


def test_probe_36_mmf_dose_is_rounded_to_50_mg_and_the_other_questions_and_egfr_are_read():
    q = ("SRNS 11 y, 1.2 m2, tac responder in CR for 2.5 years, eGFR drifted 95 -> 58, LDL 4.8 mmol/L persistently. "
         "biopsy for CNI tox? switch to MMF - what dose? statin?")
    a = answer(q)
    assert "Mycophenolate mofetil 700 mg twice daily (every 12 hours), 1400 mg/day" in a.summary_text
    assert "720 mg" not in a.summary_text
    assert "Biopsy for CNI tox? After 2-3 years of CNI exposure" in a.summary_text
    assert "Statin? Consider one only for persistent hyperlipidaemia" in a.summary_text
    assert a.understanding["details"]["egfr"] == 58.0   # (the latest value of a change, not the first)


def test_probe_36_prednos_and_twelve_versus_eight_weeks_are_each_answered_and_no_internal_id_is_shown():
    a = answer("PREDNOS trial - what did it compare and find? is 12 weeks of steroids for a first episode better than 8 "
               "weeks, what does kdigo 2025 say", audience="student")
    assert "better than 8 weeks? No: neither has been shown better" in a.summary_text
    assert "It compared a 16-week tapering first course of prednisolone" in a.summary_text
    assert "conflict." not in current_text(a)


def test_probe_36_frns_versus_sdns_upcr_cut_offs_and_kdigo_changes_each_get_their_answer():
    a = answer("whats the difference between frequently relapsing and steroid dependent nephrotic syndrome, and what "
               "are the UPCR cut offs for remission and relapse? did kdigo 2025 change anything from 2012",
               audience="student")
    assert a.summary_text.startswith("It depends on when the relapses happen: SDNS is 2 relapses in a row")
    body = current_text(a)   # (lower-cased)
    assert "relapse: upcr 200 mg/mmol (2 mg/mg) or more" in body
    assert "yes: srns is now called after 4 weeks of standard-dose prednisolone" in body


def test_probe_36_a_parent_hears_the_behaviour_is_the_steroids_and_that_it_settles():
    a = answer("my son is 4 and been on prednisolone for 3 weeks (first time), hes so angry and crying at night and wont "
               "sleep, is this the steroids?? will it go away when we stop. can i give it at night instead so he sleeps "
               "thru the morning", audience="family")
    assert a.summary_text.startswith("Probably, yes. Prednisolone often causes mood swings")
    assert "settle 3 to 6 months after the medicine stops" in a.summary_text


def test_probe_36_keeping_a_child_off_school_in_a_chickenpox_outbreak_is_not_answered_as_a_cold():
    a = answer("chickenpox is going round my daughters class. she is on pred 20mg every other day and shes never had "
               "chickenpox. what do i do?? should i keep her off school", audience="family")
    assert "Should I keep her off school? Ask the kidney team today" in a.summary_text
    assert "cold" not in a.summary_text


def test_probe_36_a_rituximab_plan_doses_rituximab_not_the_failing_mmf_and_says_what_happens_after():
    a = answer("SDNS 9yo 28 kg, 1.0 m2, still relapsing on MMF + alt day pred. considering rituximab - dose, number of "
               "infusions, pre-checks (hep B, IgG, TB?), PJP prophylaxis, and what to do with the pred/MMF after?")
    assert a.summary_text.startswith("Rituximab for FRNS/SDNS (KDIGO 2025): Rituximab 375 mg IV per dose")
    assert "What to do with the pred/MMF after? Taper the prednisolone off and consider keeping the MMF" \
        in a.summary_text


def test_probe_36_a_student_comparison_names_both_trials_and_an_albumin_below_30_is_no_partial_remission():
    a = answer("compare tacrolimus vs cyclosporine vs IV cyclophosphamide for SRNS - key RCTs (Gulati 2012, Choudhry "
               "2009) with the numbers, and why is cyclophosphamide not recommended", audience="student")
    assert a.summary_text.startswith("Both CNIs beat IV cyclophosphamide and are similar to each other")
    assert "Choudhry 2009 (41 children)" in a.summary_text and "Why is cyclophosphamide not recommended?" in a.summary_text
    b = answer("12yo girl first episode, 4 wks of pred 60 mg daily, UPCR 150 mg/mmol, albumin 28 g/L, dipstick 2+. is "
               "she steroid resistant yet? next steps - pulses, ACEi, biopsy, genetics?")
    assert "confirmation_period" not in b.understanding["stage"]   # (albumin below 30 g/L: no partial remission)
    assert "Is she steroid resistant yet? 4 weeks: SRNS is no complete remission after 4 weeks" in b.summary_text
    c = answer("4 wks pred done, UPCR now 80 mg/mmol, alb 3.1")   # (3.1 g/dL: albumin 31 g/L, partial remission)
    assert "confirmation_period" in c.understanding["stage"]


def test_probe_36_mmr_on_levamisole_names_levamisole():
    a = answer("can he have his MMR booster on levamisole")
    assert a.summary_text.startswith("Ask the team first: no source addresses levamisole itself")


def test_probe_36_family_bedside_questions_each_answered_without_contradiction():
    a = answer("dipstick was 2+ yesterday and 3+ this morning, no swelling at all. should i restart the pred myself or "
               "wait? shes 6 and had 2 relapses before, the last one they told us 60mg", audience="family")
    assert a.summary_text.startswith("Not yet, if it is only the first or second day")
    assert "on the third day of 3+" in a.summary_text and "not an old one" in a.summary_text
    b = answer("the doctor wants to start my son on tacrolimus because he keeps relapsing. what are the side effects, "
               "does he need blood tests all the time? and can he still have grapefruit juice he loves it",
               audience="family")
    assert "Does he need blood tests all the time? Every 3 months" in b.summary_text
    assert "not answered" not in b.summary_text
    c = answer("my daughter (5) is in a relapse and now her tummy really hurts, she has a temp of 38.5 and shes been "
               "sick twice. is this normal with a relapse or do we need to go to hospital now", audience="family")
    assert c.summary_text.startswith("Go to hospital now") and "Usually not" not in current_text(c)
    d = answer("10yo 32kg SRNS on tacrolimus 1.6mg bd, started clarithromycin 3 days ago for mycoplasma, tac trough now "
               "14 ng/ml and creat 62 from baseline 45 umol/L. what do i do with the tac? stop clari?")
    assert "What do I do with the tac? A calcineurin inhibitor" not in d.summary_text


def test_probe_36_no_stock_question_is_shown_as_if_the_reader_asked_it():
    a = answer("what should he eat when hes swollen? do we stop salt completely and limit his water?? and is he allowed "
               "milk and bananas still, someone told me no fruit", audience="family")
    assert "My mum says" not in current_text(a)
    assert "do we stop salt completely and limit his water? no, not all of that" in current_text(a)
    b = answer("8yo, 24 kg, 120 cm, known SSNS, relapse confirmed (3+ x3 days). pred dose for relapse please - mg per "
               "day, how long daily, and then the alternate day part?")
    assert "Prednisolone 54 mg once daily" in b.summary_text and "prednisolone 36 mg once every other day" in b.summary_text
    assert "Then the alternate day part?" not in b.summary_text   # (the article gives it worked out)
    c = answer("3yo in relapse, albumin 12 g/L, cold peripheries, CRT 4 s, tachy 150, abdo pain, Hct 48%, FENa 0.1%. "
               "give 20% albumin with furosemide? dose?")
    assert "hyponatraemia 128" not in current_text(c)


def test_probe_37_cni_toxicity_with_figures_is_answered_reduce_the_dose_not_a_new_starting_dose():
    a = answer("14 yo, 45 kg, SRNS in CR on tacrolimus 3 mg bd for 18 months. trough today 12.8 ng/mL, creatinine up from "
               "55 to 78 umol/L, Mg 0.6 mmol/L. what do I do with the dose, what trough am I aiming for, and does he "
               "need a biopsy?")
    assert a.summary_text.startswith("Reduce the dose: a 12-hour trough above the KDIGO 2025 target")
    assert "2.25 mg" not in a.summary_text and "missed-dose" not in a.summary_text
    assert "Does he need a biopsy? After 2-3 years of CNI exposure, or earlier if kidney function falls" in a.summary_text


def test_probe_37_no_remission_at_week_4_is_srns_and_the_cni_starts_once_it_is_confirmed():
    a = answer("8 yo girl, first episode, no complete remission after 4 wks of pred 60 mg/m2/day. UPCR 350 mg/mmol, "
               "albumin 22 g/L, creatinine normal, no haematuria. what now - confirmation period, methylpred pulse dose, "
               "ACEi, genetics, biopsy, and when do i start a CNI?")
    assert "confirmation_period" not in a.understanding["stage"]   # ('confirmation period' is one thing asked about)
    assert a.summary_text.startswith("IV methylprednisolone before starting the CNI in SRNS (KDIGO 2025)")
    assert "When do I start a CNI? As soon as SRNS is confirmed" in a.summary_text and "optionally" not in a.summary_text
    b = answer("methylpred dose in the confirmation period?")
    assert b.summary_text.startswith("IV methylprednisolone pulses in the confirmation period")


def test_probe_37_family_messages_get_their_own_answer_first():
    a = answer("my son is 4 and got diagnosed 3 weeks ago, hes on prednisolone 40mg every morning. he is so angry and "
               "starving all the time and wakes up screaming at night, is this the steroids?? will it stop when the dose "
               "goes down or is something else wrong", audience="family")
    assert a.summary_text.startswith("Probably, yes. Prednisolone often causes mood swings")
    b = answer("dipstick was 2+ two days ago then 3+ yesterday and 3+ again this morning. no swelling. shes 6 and weighs "
               "21kg and isnt on any medicine at the moment. do i start the pred myself or wait? how much do i give",
               audience="family")
    # whether to start, asked first, is answered first; then the dose in a family's words
    assert "Not yet, if it is only the first or second day" in b.summary_text[:100]
    assert b.summary_text.index("Not yet") < b.summary_text.index("Prednisolone 42 mg")
    assert "Prednisolone 42 mg once daily: one dose by mouth every day until the urine has been clear for 3 days. " \
           "Then 32 mg" in b.summary_text
    c = answer("what should my daughter eat when she is in relapse - does she need low salt, should i cut down protein "
               "or water?? and can she still go to school and do PE and swimming while shes puffy", audience="family")
    # (its first question, "what should my daughter eat", is the one answered, under its own words)
    assert "eat when she is in relapse? Normal, healthy family food with normal amounts of protein, but less salt" \
        in c.summary_text


def test_probe_37_missed_dose_levamisole_duration_congenital_steroids_and_fertility_the_right_way_round():
    a = answer("i look after my grandson (8) on weekends, he takes tacrolimus twice a day. can he have grapefruit juice "
               "or pomelo, is it ok to give him ibuprofen if he gets a fever, and what if i forget a dose",
               audience="family")
    assert "What if I forget a dose? Do not take two doses together" in a.summary_text
    assert "mg/kg" not in a.summary_text
    b = answer("the consultant wants to start my son on levamisole because he keeps relapsing. what side effects should i "
               "watch for, does he need blood tests and how long will he be on it", audience="family")
    assert "How long will he be on it? At least a year" in b.summary_text and b.scope == "covered"
    d = answer("im 15 and have had nephrotic syndrome since i was 5 and still relapse. will i grow out of it? can i drink "
               "alcohol at parties while im on tacrolimus and will any of this stop me having kids later",
               audience="family")
    assert "Will any of this stop me having kids later? Usually not" in d.summary_text
    for q in ("will my son be able to have children one day", "can i still have kids with nephrotic syndrome"):
        assert answer(q, audience="family").summary_text.startswith("Usually yes"), q


def test_a_students_direct_answer_explains_its_abbreviations_as_the_disclaimer_promises():
    a = answer("what is the difference between SSNS and SRNS", audience="student")
    assert "explained below the answer" in a.disclaimer
    terms = {g.term: g.meaning for g in a.glossary}
    assert terms.get("SRNS") == "steroid-resistant nephrotic syndrome"
    assert not answer("what is the difference between SSNS and SRNS").glossary   # (clinicians: no glossary)


def test_probe_37_prednisolone_alongside_cyclophosphamide_is_answered():
    a = answer("5yo boy 18 kg with FRNS, want oral cyclophosphamide. dose per day and duration, cumulative max, what "
               "monitoring, what pred alongside? he had a cyclophosphamide course 2 years ago, can i repeat it?")
    assert "What pred alongside? Alternate-day prednisolone, tapered" in a.summary_text
    assert "Cyclophosphamide 36 mg once daily in the morning" in a.summary_text and "Can I repeat it? No" in a.summary_text


def test_probe_37_rituximab_plan_answers_pre_screening_and_the_prednisolone_taper():
    a = answer("9yo SDNS, wt 28 kg, ht 130 cm, relapsing on pred 0.7 mg/kg/day despite MMF. planning rituximab: dose in mg "
               "for her BSA, 1 or 2 infusions, what pre-screening, PJP prophylaxis needed, and when do I taper the pred")
    assert a.summary_text.startswith("Rituximab for FRNS/SDNS (KDIGO 2025): Rituximab 377 mg IV per dose")
    assert "What pre-screening? Before: HBsAg, anti-HBc and a TB IGRA" in a.summary_text
    assert "When do I taper the pred? Taper the prednisolone off" in a.summary_text


def test_a_parent_asking_if_an_infection_is_from_mycophenolate_is_not_told_what_mycophenolate_is():
    a = answer("my daughter is on mycophenolate and got a bad cold sore on her lip, is that because of the medicine and "
               "should i worry", audience="family")
    assert a.summary_text.startswith("It may be. Mycophenolate makes infections more likely")


def test_probe_38_danger_signs_lead_before_any_reading_of_scope():
    # one swollen, warm calf at albumin 15: a clot until proven otherwise, never "no information on worried clinic"
    a = answer("my 13 yr old is in a bad relapse (alb was 15 on tuesday). today her left calf is swollen more than the "
               "right one and its sore and warm. she says its from PE. should i be worried or wait for the clinic on "
               "friday", audience="family")
    assert a.scope == "covered" and a.summary_text.startswith("Get your child seen urgently today.")
    assert "not answered" not in a.summary_text
    # cola-coloured urine with one-sided back pain in a relapse: renal vein thrombosis or infection, not "another disease"
    b = answer("my 9 yr old is relapsing and this evening his wee has gone dark red/cola coloured and he says his back "
               "hurts on one side. he's never had blood in his wee before. is this part of the relapse?", audience="family")
    assert b.scope == "covered" and "blood clot in a kidney vein" in b.summary_text
    assert b.summary_text.startswith("Get your child seen urgently today.")
    # a dipstick "blood 2+" is no visible blood: not the renal-vein answer
    c = answer("6yo FRNS on levamisole 2.5 mg/kg alt days for 9 months, new purpuric rash on legs, ANC 0.8, pANCA "
               "positive, urine blood 2+. stop levamisole? what next for relapse prevention")
    assert c.summary_text.startswith("Stop levamisole and check ANCA")
    assert "renal vein" not in c.summary_text
    assert "What next for relapse prevention? Another steroid-sparing agent" in c.summary_text


def test_probe_38_answers_with_a_known_gap_are_partly_covered_and_say_what_is_missing():
    a = answer("PJP prophylaxis after rituximab for SDNS - co-trimoxazole, for how long?")
    assert a.scope == "partly_covered" and "who needs co-trimoxazole after rituximab" in a.scope_note
    assert "up to 12 months" in a.summary_text
    # the gap is named only when the question asks for it
    b = answer("non-immune child on tacrolimus, chickenpox contact 4 days ago")
    assert b.scope == "covered"
    c = answer("varicella contact day 8, on pred 2 mg/kg, non-immune, no VZIG available. aciclovir - dose and when to start?")
    assert c.scope == "partly_covered" and "aciclovir dose" in c.scope_note
    d = answer("he had rituximab in June. when can he have his covid booster and will it even work?", audience="family")
    assert d.summary_text.startswith("Your child can have non-live vaccines such as the COVID-19 booster")
    assert d.scope == "partly_covered"
    e = answer("can she have the flu jab after rituximab?", audience="family")
    assert e.scope == "covered" and e.summary_text.startswith("Non-live vaccines, such as the flu injection, yes")


def test_probe_38_missed_days_of_prednisolone_and_steroid_cover():
    a = answer("he threw up about 20 mins after his pred this morning (he takes 30mg) do i give it again?? also we ran "
               "out over the weekend and he missed saturday and sunday, hes been on it for 4 months. is that dangerous",
               audience="family")
    # (session 18: the vomited dose, asked first, is answered first from a read source - sick within 30 minutes,
    # give it again - and the missed days keep their own "It can be" with what to do)
    assert a.summary_text.startswith("If your child was sick less than 30 minutes after the dose, you can usually "
                                     "give the same dose again.")
    assert "Is that dangerous? It can be: after months of prednisolone the body may not make enough" in a.summary_text
    assert "call the kidney team today" in a.summary_text
    b = answer("my daughter is 8 and having her tonsils out next month. she has been on prednisolone every other day for "
               "about a year and a half. the anaesthetist asked about \"steroid cover\" - what is that and does she "
               "need it? could the operation make her relapse", audience="family")
    assert b.summary_text.startswith("Possibly, and more likely after long-term prednisolone. Steroid cover is extra")
    # (no dose asked: the missing hydrocortisone dose is not this question's gap; whether an operation sets off a
    # relapse is: the sources do not say)
    assert b.scope == "partly_covered"
    assert "Could the operation make her relapse? Possibly, but our guidance does not list operations" in b.summary_text


def test_probe_38_doses_use_the_weight_before_the_swelling_and_the_medicine_switched_to():
    a = answer("4yo boy, weighs 19 kg today but 16 kg before he got puffy, height 102 cm. first episode. which weight do "
               "i dose on, what is his BSA and pred dose in mg daily then alternate days")
    assert a.summary_text.startswith("Dosed on 16 kg, the dry (non-oedematous, ideal-for-height) weight stated, not 19 kg")
    assert "Prednisolone 40 mg once daily" in a.summary_text and "44 mg" not in a.summary_text
    assert a.context["patient"]["weight_kg"] == 16.0
    b = answer("7yo SDNS on ciclosporin 75 mg bd for 2 years (21 kg), in remission but marked gum hyperplasia and "
               "hirsutism, family very upset. switch to tacrolimus? what dose and trough, and how do i do the switch. "
               "also is a biopsy needed at 2 yrs CNI")
    assert b.summary_text.startswith("Switch to tacrolimus? Both are recognised ciclosporin effects")   # asked first
    assert "switching to tacrolimus is the usual answer" in b.summary_text and "Tacrolimus for FRNS/SDNS" in b.summary_text
    assert "srns" not in b.context["stage"] and "Cyclosporine 32 mg" not in b.summary_text
    c = answer("13yo SRNS on tacrolimus 0.15 mg/kg/day, trough 7, partial remission. fasting glucose 8.4 and HbA1c 50 "
               "mmol/mol, BMI 29 after steroids. switch to ciclosporin? other options? how to monitor")
    assert c.summary_text.startswith("Ciclosporin may be preferred: tacrolimus causes more glucose intolerance")
    assert "switching to tacrolimus is the usual answer" not in c.summary_text


def test_probe_38_low_igg_with_infections_live_vaccines_breathing_and_a_teen_skipping_doses():
    a = answer("10yo SDNS, got 2 doses rituximab 375 mg/m2 8 months ago, IgG now 2.8 g/L (was 7 before), 2 chest "
               "infections needing antibiotics. CD19 back at 2%. replace IgG? safe to give another rituximab course when "
               "he relapses? PJP still?")
    assert a.summary_text.startswith("Possibly, and review with immunology before any more rituximab")
    assert "Generally yes" not in a.summary_text and "PJP still? Often yes, but it is not guideline-defined" in a.summary_text
    assert a.scope == "partly_covered"
    # low IgG asked about without replacement or re-dosing: no gap named
    assert answer("after her rituximab the blood test showed her IgG antibodies are low. what does that mean, is she at "
                  "risk of infections now?", audience="family").scope == "covered"
    b = answer("6 yo, 20 kg, SSNS, in remission on pred 10 mg alternate days (weaning). varicella IgG negative, due MMR2. "
               "can i give varicella and MMR now or wait till off steroids? how long after stopping?")
    assert b.summary_text.startswith("Yes, if the alternate-day dose is below 2 mg/kg (<40 mg)")
    c = answer("my boy is 5 and in relapse, his willy and scrotum are massively swollen he can hardly walk and cries when "
               "he wees. tonight his breathing seems faster than normal. is this just the fluid or an emergency",
               audience="family")
    assert c.summary_text.startswith("Go to hospital now.")
    d = answer("im 14 and been on steroids again for 6 weeks. my face is massive and people at school call me moon face. "
               "can i just skip the tablets on days i have school photos or stop them myself now my wee is clear? when "
               "will my face go back to normal", audience="family")
    assert d.summary_text.startswith("Please do not stop prednisolone or skip doses on your own")
    assert "photos" not in d.scope_note and "not answered" not in d.summary_text
    assert "3 to 6 months after the last dose" in d.summary_text


def test_probe_38_student_multi_part_questions_each_answered():
    a = answer("what did the PREDNOS 2 trial find about giving daily prednisolone at the start of a cold, how does it "
               "compare to the Gulati 2011 indian trial, and what does KDIGO 2025 now recommend", audience="student")
    assert "Not answered here" not in a.summary_text and "KDIGO 2025 does not recommend it routinely" in a.summary_text
    b = answer("epidemiology of childhood idiopathic nephrotic syndrome: incidence, typical age, sex ratio, what % relapse "
               "and become FRNS/SDNS, and which factors predict a frequently relapsing course", audience="student")
    assert "Incidence? 1.15-16.9 per 100,000" in b.summary_text or b.summary_text.startswith("Incidence 1.15-16.9 per 100,000")
    assert "Typical age? Typically between 1 and 10 years" in b.summary_text
    assert "Which factors predict a frequently relapsing course? Boys" in b.summary_text
    c = answer("what is the evidence for rituximab in steroid dependent nephrotic syndrome in children (Ravani 2015 etc)? "
               "single 375 mg/m2 vs 2 doses vs 750 mg/m2, how long does remission last and what are the main adverse "
               "effects", audience="student")
    assert "Single 375 mg/m2 vs 2 doses vs 750 mg/m2? Often one" in c.summary_text
    d = answer("just got home from hospital first diagnosis. they gave us pred 40mg, penicillin and omeprazole. why does "
               "he need penicillin and omeprazole and for how long? also he spits the pred out because of the taste, can "
               "i crush it into chocolate spread", audience="family")
    assert "Why does he need omeprazole and for how long? To protect the stomach" in d.summary_text
    assert d.scope == "partly_covered" and "how long" in d.scope_note


def test_probe_39_headache_vision_or_fit_on_a_cni_is_urgent_and_waiting_is_never_yes():
    a = answer("my son is 10 with SRNS on tacrolimus + pred, hospital gave us a BP machine. tonight hes got a pounding "
               "headache, been sick once, says everything looks blurry, machine says 148/96 and then 151/98. can i just "
               "give calpol and recheck in the morning? what BP is too high for a 10 yr old anyway", audience="family")
    assert a.summary_text.startswith("Get urgent medical help now")
    assert "Yes. Paracetamol" not in a.summary_text
    b = answer("ward reg. 8yo 26 kg SRNS on tacrolimus 1.5 mg bd (trough last week 6.2), generalised tonic-clonic seizure "
               "today, BP 142/94. what do I do with the tac, what workup?")
    assert b.summary_text.startswith("Urgent - emergency assessment now: on ciclosporin or tacrolimus think of PRES")


def test_probe_39_vomited_doses_on_long_term_steroids_with_shock_signs_is_an_emergency():
    a = answer("8 year old, on prednisolone for 2 years for FRNS, vomiting his doses for 2 days, now lethargic, HR 130, "
               "BP 88/50. how do we give his steroid, IV?")
    assert a.summary_text.startswith("Treat as an emergency now")
    assert "adrenal crisis" in a.summary_text and "Maximum" not in a.summary_text
    # (session 18: the emergency hydrocortisone dose by age, from the NHS GGC adrenal insufficiency guideline)
    assert a.scope == "covered" and "100 mg from 6 years" in a.summary_text
    b = answer("my son has been on steroids for two years and has been sick all day, he can't keep his prednisolone "
               "down, he's very sleepy and pale. what should I do?", audience="family")
    assert b.summary_text.startswith("This is an emergency: go to hospital now")
    # one vomited dose in a well child stays the same-day call, not an ambulance
    c = answer("she threw up her prednisolone this morning, do I give it again?", audience="family")
    assert c.summary_text.startswith("If your child was sick less than 30 minutes after the dose")
    assert "get a doctor the same day" in c.summary_text and "ambulance" not in c.summary_text


def test_probe_39_a_baby_under_one_is_referred_before_any_prednisolone_dose():
    a = answer("9-month-old boy, first presentation with oedema, albumin 14, UPCR 900. start prednisolone 60 mg/m2?")
    assert a.summary_text.startswith("Refer to pediatric nephrology now")
    assert "60 mg/m2/day" not in a.summary_text   # no standard-course dose beside "refer first"
    # months of a medicine are not an age ("tac 8/12" is eight months of tacrolimus)
    b = answer("tac 8/12, troughs in range, still nephrotic range proteinuria, panel negative. next?")
    assert "under 1 year" not in b.summary_text
    c = answer("8 year old relapse, he had his first episode 6 months ago, dose?")
    assert "under 1 year" not in c.summary_text


def test_a_fever_today_keeps_a_child_off_school_until_seen():
    a = answer("my daughter is on alternate day pred and has a sore throat and a temperature of 38, can she still go "
               "to school?", audience="family")
    assert a.summary_text.startswith("Not today")
    assert "go to school as normal" not in a.summary_text
    b = answer("febrile 38.4 on pred, ok for school?")
    assert b.summary_text.startswith("Not today")
    # fever questions of their own keep their answers
    c = answer("can I give calpol for his temperature", audience="family")
    assert c.summary_text.startswith("Yes. Paracetamol")
    d = answer("can he go swimming?", audience="family")
    assert d.summary_text.startswith("Yes")


def test_a_why_question_gets_the_why_answer_not_how_often():
    a = answer("why do children with nephrotic syndrome get blood clots?", audience="student")
    assert a.summary_text.startswith("Haemoconcentration and hypovolaemia")
    b = answer("can children with nephrotic syndrome get blood clots?", audience="student")
    assert b.summary_text.startswith("Yes, uncommonly")


def test_probe_40_a_baby_under_3_months_gets_no_steroids_and_the_congenital_work_up():
    a = answer("6 week old, born 35 weeks with a big placenta, generalised oedema, albumin 8 g/L, UPCR 1200 mg/mmol. "
               "Steroids? What workup and management?")
    assert a.summary_text.startswith("Congenital nephrotic syndrome (onset before 3 months)")
    assert "do not give steroids (prednisolone)" in a.summary_text
    assert "To measure proteinuria" not in a.summary_text   # not the UPCR definition for "Steroids?"
    # a congenital question of its own keeps its own answer
    b = answer("3 week old congenital NS, furosemide dose?")
    assert b.summary_text.startswith("Furosemide 0.5-2 mg/kg per dose")


def test_probe_40_a_hypothetical_cni_resistance_is_not_the_childs_stage():
    a = answer("10yo girl SRNS, FSGS on biopsy, genetic panel pending. Tacrolimus 0.1 mg/kg/d for 3 months, trough 6, "
               "UPCR down from 600 to 150 mg/mmol, albumin 28 g/L. Keep going? When do I call her CNI-resistant and "
               "what next if she is?")
    assert "cni_resistant" not in a.understanding["stage"]
    assert a.summary_text.startswith("6 months to judge it, at least 12 months if it works")


def test_probe_40_evidence_on_steroids_at_a_cold_is_not_an_srns_trial():
    a = answer("Does giving daily prednisolone when a child on alternate-day steroids catches a cold actually prevent "
               "relapse? I read conflicting things about PREDNOS 2 and the Indian trial", audience="student")
    assert "in_relapse" not in a.understanding["stage"]   # "prevent relapse" is not a child in relapse
    assert "Gulati 2011" in a.summary_text and "42.7%" in a.summary_text
    assert "Tacrolimus versus IV cyclophosphamide" not in a.summary_text
    b = answer("daily prednisolone during a cold to prevent relapse, evidence?")
    assert b.summary_text.startswith("Not routinely")


def test_probe_40_yellow_fever_on_mycophenolate_is_no_and_the_title_names_no_other_medicine():
    a = answer("We are going to Kenya in the summer. My son is 8 with nephrotic syndrome and takes mycophenolate. Can he "
               "have the yellow fever vaccine and the other travel jabs, and what should we pack/plan for the trip?",
               audience="family")
    assert a.summary_text.startswith("No, not while your child takes immune-weakening medicines")
    assert "prednisolone" not in a.title.lower()   # the heading is not another child's question


def test_probe_40_did_prednos_show_fewer_relapses_is_answered_no():
    a = answer("whats the evidence on giving a longer first steroid course (like 12-16 weeks vs 8 weeks) in first episode "
               "nephrotic syndrome? did PREDNOS show fewer relapses?", audience="student")
    assert a.summary_text.startswith("No: PREDNOS (16 vs 8 weeks)")
    b = answer("is 8 weeks of steroids really enough?", audience="student")
    assert b.summary_text.startswith("Yes: PREDNOS")


def test_probe_40_tremor_and_sugar_on_tacrolimus_and_grapefruit_answered_the_way_asked():
    a = answer("our boy is 11 and on tacrolimus for nephrotic syndrome. his hands have started shaking a bit and the "
               "nurse said there was sugar in his wee. should we be worried? and is grapefruit juice really a problem",
               audience="family")
    assert a.summary_text.startswith("Tell the kidney team soon")
    # "is it really a problem?" is answered Yes, never a bare "No grapefruit" a parent could read as "no problem"
    assert "really a problem? Yes, avoid grapefruit" in a.summary_text
    b = answer("Can she have grapefruit juice on Prograf?", audience="family")
    assert b.summary_text.startswith("No, avoid grapefruit")
    c = answer("he has grapefruit juice every morning, does that matter", audience="family")
    assert c.summary_text.startswith("Yes, avoid grapefruit")


def test_probe_40_statin_which_one_leans_on_the_statin_and_a_serum_albumin_is_no_medicine():
    a = answer("13 yo SRNS with persistent nephrotic proteinuria, albumin 16 g/L, total chol 9.5 mmol/L, LDL 6.8 for 6 "
               "months. Should I start a statin, which one and dose? And does she need thromboprophylaxis at that albumin?")
    assert "missed-dose" not in a.summary_text and "atorvastatin 10 mg/day" in a.summary_text
    assert "thromboprophylaxis at that albumin? Not automatically" in a.summary_text
    assert "albumin" not in [d["drug"] for d in a.understanding["patient_drugs"]]
    from nephroguide.answer.understand import understand

    assert understand("albumin 16 g/L with persistent nephrotic proteinuria").failed == ()
    assert understand("no response to 20% albumin and furosemide, still oedematous").failed == ("albumin", "furosemide")


def test_probe_40_ham_and_crisps_on_no_added_salt_are_answered_not_unknown_words():
    a = answer("my son is 4 and just got diagnosed with nephrotic syndrome, doctor said no added salt. can he still have "
               "crisps and ham sandwiches in his school lunch box? and do we have to limit how much water he drinks",
               audience="family")
    assert a.scope == "covered" and a.summary_text.startswith("Only a little for now")
    assert "limit how much water he drinks? Not usually at first" in a.summary_text
    b = answer("is bacon ok on prednisolone", audience="family")
    assert b.scope == "covered" and "no information" not in b.summary_text
    c = answer("can he have crisps at a party now he's in remission?", audience="family")
    assert c.summary_text.startswith("Yes")


def test_probe_40_a_list_then_a_question_asks_each_item_and_the_question():
    a = answer("Planning oral cyclophosphamide for 9yo boy 28 kg with FRNS, currently in remission. Dose, duration, "
               "monitoring, and what do I tell the family about fertility?")
    assert a.summary_text.startswith("Oral cyclophosphamide for FRNS/SDNS")
    assert "56 mg once daily" in a.summary_text and "Monitoring? Weekly" in a.summary_text
    # a what-question answered by a yes/no answer's own sentence, without its bare "Yes"
    assert "about fertility? It can, mainly in boys" in a.summary_text


def test_probe_40_a_question_after_a_lead_in_phrase_is_asked():
    a = answer("In steroid resistant NS what proportion is genetic, which genes are the main ones, and does finding a "
               "mutation change how you treat the child?", audience="student")
    for said in ("10-30% of children with SRNS", "Which genes are the main ones? A comprehensive NGS panel",
                 "change how you treat the child? Yes: immunosuppression usually will not help"):
        assert said in a.summary_text


def test_probe_40_a_question_naming_its_own_medicine_does_not_lean_on_an_earlier_choice():
    a = answer("7yo with SDNS, relapsed twice on alt-day pred 10 mg, now cushingoid, BMI >98th centile and height velocity "
               "falling. Next steroid-sparing agent: rituximab vs MMF vs tacrolimus? What do I check before rituximab?")
    assert "Any of the three" in a.summary_text
    assert "check before rituximab? Before: HBsAg, anti-HBc and a TB IGRA" in a.summary_text


def test_probe_39_a_quoted_level_above_target_leads_before_any_starting_dose():
    a = answer("on ciclosporin 90 mg twice a day, 30 kg, trough 210, is the dose too high?")
    assert a.summary_text.startswith("Reduce the dose")
    assert "75 mg twice daily" not in a.summary_text   # not the starting dose for a child already above target
    b = answer("tac level 2.1 on 1 mg bd, 25 kg SRNS, what dose now?")
    assert b.summary_text.startswith("Check adherence and timing first")
    c = answer("tacrolimus dose for 20 kg SRNS, trough 7")   # in range: the dose asked
    assert c.summary_text.startswith("Tacrolimus for SRNS (KDIGO 2025): Tacrolimus 1 mg twice daily")


def test_probe_39_a_first_presentation_in_ed_is_not_answered_as_a_home_relapse():
    a = answer("ED reg here. 4yo boy, puffy eyes for 5 days now swollen legs and scrotum, urine dip 4+ protein, albumin "
               "17, BP 98/60, well otherwise. first presentation. admit or home? start pred now?")
    assert a.summary_text.startswith("Assess first, then decide")
    assert "relapse found on home testing" not in a.summary_text
    b = answer("relapse - do we need to admit")
    assert b.summary_text.startswith("Usually not: a relapse found on home testing")


def test_probe_38_furosemide_alone_what_dose_is_not_answered_with_the_albumin_regimen():
    a = answer("6yo 22 kg relapse, gross oedema, albumin 14, well perfused, CRT <2s, sodium 134. we want to avoid albumin "
               "- furosemide alone, what dose? and is spironolactone useful?")
    # (well perfused, CRT under 2 s: a volume-expanded child, diuretics alone)
    assert a.summary_text.startswith("Diuretics alone")
    assert "Albumin 11 g" not in a.summary_text and "20-25% albumin 0.5-1 g/kg" not in a.summary_text
    # a dose asked of the medicine named just before it, not of the first one in the message
    from nephroguide.answer import direct
    from nephroguide.answer.understand import understand

    u = understand("albumin 14, we want to avoid albumin - furosemide alone, what dose")
    assert direct._course_rules(u, "what dose")[0].drug == "furosemide"


def test_mcd_vs_fsgs_on_biopsy_says_the_sources_do_not_describe_the_histology():
    a = answer("what is the difference between MCD and FSGS on biopsy?", audience="student")
    assert a.scope == "partly_covered" and "under the microscope" in a.scope_note
    b = answer("MCD vs FSGS?", audience="student")
    assert b.scope == "covered"


def test_eggs_and_cheese_on_prednisolone_opens_yes():
    a = answer("can my son eat eggs and cheese on prednisolone?", audience="family")
    assert a.summary_text.startswith("Yes. Protein foods")


def test_probe_39_which_aed_on_tacrolimus_is_an_interaction_answer_with_its_gap():
    a = answer("which AED with tacrolimus?")
    assert a.summary_text.startswith("Check with pharmacy and recheck the trough")
    assert a.scope == "partly_covered" and "anti-epileptic" in a.scope_note
    b = answer("ward reg. 8yo 26 kg SRNS on tacrolimus 1.5 mg bd, generalised tonic-clonic seizure today, BP 142/94. what "
               "do I do with the tac, which AED?")
    assert b.summary_text.startswith("Urgent - emergency assessment now")
    assert "Which AED? Check with pharmacy" in b.summary_text


def test_probe_41_a_painful_swollen_leg_with_fast_breathing_is_an_ambulance_not_the_morning():
    a = answer("its 2am my daughter is 4 and in a relapse, really puffy. tonight her left leg is much bigger than the right "
               "and its hurting her, shes crying when she stands on it and now shes breathing quite fast. is this just the "
               "swelling? should i give calpol and see the doctor in the morning", audience="family")
    assert a.summary_text.startswith("Call an ambulance or go to the emergency department now")
    assert "calpol? Yes" not in a.summary_text   # the answer says calpol must not delay going


def test_probe_41_fever_abdominal_pain_and_poor_perfusion_is_peritonitis_with_shock_volume_first():
    a = answer("ED reg at 2am: 5yo 19 kg relapsing NS, T 39.2, diffuse abdominal pain with guarding, vomiting x3, tense "
               "ascites. HR 148, BP 92/58, CRT 3-4 s, cool feet. Working dx? Empirical antibiotic and dose? Fluid - saline "
               "or albumin, and should I give furosemide?")
    assert a.summary_text.startswith("Peritonitis with shock until proven otherwise: give volume now")
    assert "no furosemide" in a.summary_text
    # fever with tummy pain and good perfusion stays the peritonitis answer
    b = answer("6yo in relapse, temp 38.8 and tummy pain, warm hands, CRT 1 s. what now?")
    assert "peritonitis" in b.summary_text.lower() and "with shock" not in b.summary_text


def test_probe_41_the_dose_asked_is_of_the_medicine_being_started_not_the_story_prednisolone():
    a = answer("9 yo 27 kg 132 cm SDNS, relapsing on 0.7 mg/kg alt day pred, cushingoid. We want to start mycophenolate "
               "mofetil. What dose in mg and how often, for how long, what monitoring, and do we need MPA levels?")
    assert a.summary_text.startswith("Mycophenolate mofetil for FRNS/SDNS (KDIGO 2025): Mycophenolate mofetil 600 mg "
                                     "twice daily")
    assert "prednisolone 60 mg" not in a.summary_text.lower() and "Pregnancy" not in a.summary_text
    assert "What monitoring? Blood count and liver enzymes" in a.summary_text   # MMF's, not a statin's CK
    b = answer("Paeds reg. 11yo 35 kg 145 cm, SRNS (no remission after 4 wks pred 60 mg + 3 methylpred pulses), biopsy "
               "MCD, genetic panel sent. Starting tacrolimus today - dose in mg, target trough, when is first level? And "
               "ACEi: which one, dose, can I add an ARB as well for more antiproteinuric effect?")
    assert b.summary_text.startswith("Tacrolimus for SRNS (KDIGO 2025): Tacrolimus 1.75 mg twice daily")
    assert "advises against combining an ACE inhibitor with an ARB" in b.summary_text


def test_probe_41_a_ciclosporin_level_over_target_leads_and_c0_is_not_a_level_of_zero():
    q = ("7yo 22kg FRNS on ciclosporin 60 mg bd for 14 months. C0 trough 185 ng/mL, creatinine 58 (baseline 40), BP "
         "124/82 (>95th centile), marked gum overgrowth and hirsutism, mum upset about his looks. What do I do with the "
         "ciclosporin dose, should I switch to tacrolimus, and how do I manage the BP?")
    a = answer(q)
    assert a.summary_text.startswith("Reduce the dose")
    assert "Should I switch to tacrolimus?" in a.summary_text and "Either, chosen by side effects" not in a.summary_text
    from nephroguide.answer import direct
    from nephroguide.answer.understand import understand

    assert direct.level_words(understand(q)).startswith("high")   # "C0 trough 185": 185, never the 0 of "C0"


def test_probe_41_anything_else_i_shouldnt_miss_is_not_a_missed_dose_and_the_antibiotic_gap_is_named():
    a = answer("ED registrar. 8yo boy 30 kg (dry weight ~26) in relapse, on pred 50 mg daily, gross leg oedema with "
               "weeping skin, now a red, hot, spreading area over the left shin, T 38.6, HR 132, CRT 2s, BP 104/62. "
               "Which antibiotics, does he need albumin, and anything else I shouldnt miss?")
    # (with the fever, since round 16 the red-skin-with-fever answer)
    assert a.summary_text.startswith("Cellulitis until proven otherwise, needing urgent assessment")
    assert "missed-dose" not in a.summary_text
    assert a.scope == "partly_covered" and "antibiotic" in a.scope_note


def test_probe_41_a_relapse_dose_asked_without_a_weight_gives_both_phases_in_family_words():
    a = answer("On holiday in Spain with our 7yo, hes had nephrotic for 2 yrs. Dipstick has been 3+ three mornings "
               "running, bit puffy round the eyes this morning, otherwise running around fine. We brought a spare box of "
               "pred. Do we start it ourselves and what dose, or do we need to find a hospital here? We fly home in 9 "
               "days", audience="family")
    assert ("What dose? Prednisolone 60 mg/m2 a day or 2 mg/kg a day (no more than 60 mg): one dose by mouth every day "
            "until the urine has been clear for 3 days. Then 40 mg/m2 or 1.5 mg/kg (no more than 40 mg): one dose by "
            "mouth every other day for 4 weeks.") in a.summary_text


def test_probe_41_the_chance_rituximab_works_is_about_rituximab_not_prednisolone():
    a = answer("our son is 9 and steroid dependent, theyve offered rituximab. whats the chances it works and for how "
               "long? is it like chemo, will his hair fall out? what are the risks and does he still need his other meds "
               "after", audience="family")
    assert a.summary_text.startswith("Yes, for most children. Rituximab")
    assert "respond to prednisolone" not in a.summary_text and "18 months" in a.summary_text


def test_probe_41_a_stated_low_alternate_day_dose_is_read_against_the_live_vaccine_threshold():
    a = answer("GP query: 3 yo girl 15 kg with SSNS, on alternate-day prednisolone 15 mg, no other immunosuppressants. "
               "Shes due her MMR second dose and mum asks about flu and pneumococcal vaccines. What can she have now and "
               "what should wait?")
    assert not a.summary_text.startswith("No, not on high doses")
    assert a.summary_text.startswith("If the alternate-day dose is below 2 mg/kg")
    # the record made from the question says every other day
    from nephroguide.answer import direct
    from nephroguide.answer.understand import understand

    facts = direct.question_facts(understand("3 yo 15 kg, on alternate-day prednisolone 15 mg, MMR?"))
    assert facts.values["prednisolone_alternate_mg_kg"] == 1.0 and facts.values["prednisolone_mg_kg_day"] is None
    b = answer("3 yo 15 kg on prednisolone 30 mg alternate days, MMR now?")   # 2 mg/kg: not below the threshold
    assert b.summary_text.startswith("No, not on high doses")


def test_probe_41_a_nurse_running_albumin_gets_the_time_the_furosemide_timing_and_the_obs():
    a = answer("ward nurse. 20% albumin 1 g/kg prescribed for a 12 kg boy with nephrotic syndrome plus IV furosemide. over "
               "how long do i run it, when does the furosemide go in, and what obs should i be doing / what would make "
               "me stop the infusion?")
    for said in ("over 4-6 hours", "midway through and/or at the end", "Watch for fluid overload during the infusion"):
        assert said in a.summary_text
    assert "A loop diuretic that increases urine output" not in a.summary_text   # not what furosemide is


def test_probe_41_parts_of_a_long_message_reach_their_own_answers():
    a = answer("prognosis numbers for steroid sensitive NS? what % relapse, what % become frequent relapsers, how many "
               "still relapse as adults and is there a risk of CKD?", audience="student")
    assert "risk of CKD? No, not in steroid-sensitive disease" in a.summary_text
    b = answer("why is cholesterol so high in nephrotic syndrome, does it go back to normal in remission, and does it "
               "matter long term for the heart? does a low fat diet help", audience="student")
    assert "for the heart? Not in SSNS" in b.summary_text
    # "is that true?" checks the claim told just before it
    c = answer('im 16 (F) had nephrotic syndrome since i was 5 and im on mycophenolate now. my consultant keeps going '
               'on about "transition" to the adult clinic, what actually changes and when? also can i still play netball '
               'for my county team, and my friend said mmf is bad if u get pregnant, is that true?? i have a boyfriend',
               audience="family")
    assert "Is that true? Not safe. Mycophenolate can cause miscarriage" in c.summary_text
    assert "netball for my county team? Yes" in c.summary_text


def test_probe_42_measles_at_nursery_on_tacrolimus_and_enalapril_in_a_tummy_bug():
    a = answer("Im his nan. My grandson (7) has nephrotic syndrome and takes tacrolimus. His little sisters nursery has "
               "sent a letter saying theres measles there. He only had his first MMR jab as a baby, not the second one. "
               "What should my daughter do, is he at risk?", audience="family")
    assert a.summary_text.startswith("Call the kidney team straight away")
    assert "at risk? No" not in a.summary_text and "without food" not in a.summary_text   # "(7) has ..." is no question
    b = answer("my son (10) has steroid resistant nephrotic and they started him on enalapril for the protein even tho "
               "his blood pressure is normal? why. and now hes got a tummy bug with sick and diarrhoea since last nite, do "
               "i keep giving the enalapril", audience="family")
    assert b.summary_text.startswith("Usually it is paused: call the kidney team today")
    assert "keep giving the enalapril? Yes" not in b.summary_text


def test_probe_42_atypical_features_at_a_first_presentation_lead_with_biopsy_before_steroids():
    a = answer("exam vignette: 14 y/o girl new nephrotic syndrome, BP 142/96, cola-coloured urine, creatinine 110 umol/L, "
               "low C3, mild arthralgia. Would you just start prednisolone 60 mg/m2? what is the next step and why",
               audience="student")
    assert a.summary_text.startswith("Biopsy first, before any steroids")
    assert "steroid-sparing agent" not in a.summary_text and "Treat the first episode" not in a.summary_text


def test_probe_42_a_volume_expanded_child_gets_diuretics_alone():
    a = answer("FENa 1.1%, warm hands, CRT under 2 s, gross oedema and effusions: albumin or diuretics alone?")
    assert a.summary_text.startswith("Diuretics alone")


def test_a_quoted_upcr_value_never_pulls_in_what_a_upcr_is_for():
    a = answer("Paeds reg. 12yo girl, SSNS since age 4 (multiple relapses, always remitted within 10 days). Current "
               "relapse: pred 60 mg daily for 4 wks, dipstick still 3+, UPCR 420 mg/mmol, albumin 22. What now? Is she "
               "SRNS, does she need a biopsy and genetics?")
    assert "To measure proteinuria" not in a.summary_text
    b = answer("UPCR 420, what does UPCR mean?")
    assert b.summary_text.startswith("To measure proteinuria")


def test_probe_42_levamisole_dose_how_often_and_monitoring_with_a_hypothetical_failure():
    a = answer("Registrar, resource-limited setting. 6yo 20 kg, SSNS with 3 relapses in the 6 months since first "
               "remission, now in remission on alt-day pred. Family cant afford MMF or tacrolimus. Levamisole dose in mg, "
               "how often, how long and what monitoring? If it fails is oral cyclophosphamide next?")
    assert a.summary_text.startswith("Levamisole for FRNS/SDNS (KDIGO 2025): Levamisole 50 mg once every other day")
    assert "What monitoring? CBC every 2-3 months" in a.summary_text
    # "if it fails" is no failure of cyclophosphamide, which the child never had
    assert "cyclophosphamide" not in [d["drug"] for d in a.understanding["patient_drugs"]]


def test_probe_42_levothyroxine_in_srns_is_answered_and_the_dose_gap_named():
    a = answer("6yo SRNS, still nephrotic after 8 months (UPCR 480, alb 19) on tac + enalapril. Routine bloods: TSH 9.4 "
               "mU/L, free T4 11 pmol/L. Is this real hypothyroidism, do I start levothyroxine and at what dose?")
    assert "at what dose? Yes in persistent nephrotic syndrome such as SRNS" in a.summary_text
    assert a.scope == "partly_covered" and "levothyroxine dose" in a.scope_note


def test_probe_42_a_struggling_parent_gets_the_help_part_answered():
    a = answer("honestly struggling. this is my sons 3rd relapse this year, hes 8 and he cries that he looks fat and the "
               "kids call him moon face. I keep thinking I caused this somehow, was it something he ate or the jabs? "
               "where can we get some help, for him and for us", audience="family")
    assert "Where can we get some help? Ask the kidney team for support" in a.summary_text


def test_probe_42_what_am_i_worried_about_beside_a_fit_is_the_danger_and_the_imaging_gap_is_named():
    a = answer("ED: 4yo in NS relapse, 3 days headache and vomiting, now 10 min generalised seizure, stopped with buccal "
               "midaz. BP 108/68, Na 134, afebrile, on pred 2mg/kg only. What am I worried about and what imaging?")
    assert a.summary_text.startswith("Cerebral venous (sinus) thrombosis must be considered")
    assert "anxiety" not in a.markdown and "measles" not in a.markdown
    assert a.scope == "partly_covered" and "imaging" in a.scope_note


def test_probe_42_special_food_in_remission_is_no():
    a = answer("Our 11 yr old is in remission, off steroids, on levamisole. School has a 5 day residential trip in June "
               "with swimming, climbing and hiking. Can he go? Does he need special food, and what do the teachers need "
               "to know or do while hes away?", audience="family")
    assert "special food? No." in a.summary_text


def test_probe_43_suspected_pe_leads_with_anticoagulation_and_a_new_baby_is_not_a_new_kidney():
    a = answer("ward reg, 13yo girl, first presentation NS 5 days ago, albumin 12 g/L, on pred 60 mg. Sudden pleuritic "
               "chest pain, sats 91% RA, HR 128, D-dimer high. PE? how do I treat, and should she have been on "
               "thromboprophylaxis?")
    assert a.summary_text.startswith("Treat as a probable pulmonary embolism")
    assert "oral prednisolone 60 mg/m2/day" not in a.summary_text
    b = answer("our eldest (4) has steroid sensitive nephrotic syndrome and Im 20 weeks pregnant. whats the chance the new "
               "baby will get it too? should the baby or us be genetically tested? nobody else in either family has "
               "kidney problems", audience="family")
    assert "transplant" not in b.summary_text and "3 in 100" in b.summary_text


def test_probe_43_low_white_cells_on_mmf_is_a_same_day_call_with_a_fever_warning():
    a = answer("my daughter is 8 and has been on mycophenolate 3 months for nephrotic. shes had runny poo most days for 2 "
               "weeks and a couple of mouth ulcers, and the blood test today said her white cells are low (1.9). the "
               "hospital havent called back yet. should i stop giving it?", audience="family")
    assert a.summary_text.startswith("Ring the kidney team or the on-call children's doctor today")
    assert "temperature, go to hospital straight away" in a.summary_text


def test_probe_43_a_dipstick_diary_below_3_plus_is_not_a_relapse_and_is_that_a_relapse_is_no_stage():
    a = answer("can someone help me read my sons dipstick diary. hes 6, in remission since march, off pred. Mon neg, Tue "
               "trace, Wed 1+, Thu 2+, Fri 2+, Sat 1+ (he had a runny nose all week). is that a relapse? do i start the "
               "pred", audience="family")
    assert "No, not yet: 1+ or 2+ on its own is not a relapse" in a.summary_text
    assert "in_relapse" not in a.understanding["stage"]
    from nephroguide.answer.understand import understand

    assert "in_relapse" in understand("he has a relapse, 20 kg, dose?").stage


def test_probe_43_ringing_the_ward_tomorrow_is_no_child_on_a_ward_and_a_reported_finding_is_told():
    a = answer("its nearly midnight, my boy is 5 and in a relapse on the steroids, hes been really puffy all week. since "
               "teatime hes gone pale and dizzy, his hands and feet are freezing and a bit blotchy, he hasnt had a wee "
               "since lunch and says his tummy hurts. no temp. can i just put him to bed and ring the ward in the "
               "morning?", audience="family")
    assert a.summary_text.startswith("Go to hospital now")
    assert "fever" not in a.summary_text.split(".")[0]   # the reason is a low blood volume, not an infection
    b = answer("Im 15 (M) and had nephrotic since I was 4, loads of pred courses. the optician said I have the start of a "
               "cataract in both eyes?? is that from the steroids, will it get worse and will i go blind, and do I need "
               "my eye pressure checked for glaucoma too. also will this stop me driving when im 17", audience="family")
    assert "very hungry" not in b.summary_text and "cataract and glaucoma" in b.summary_text


def test_fast_food_by_name_is_salty_food_and_is_answered_by_stage():
    on_steroids = answer("Can my son eat pizza while on prednisolone?", audience="family")
    assert on_steroids.scope == "covered" and on_steroids.summary_text.startswith("Only a little for now")
    party = answer("can she have mcdonalds on her birthday", audience="family")
    assert party.scope == "covered" and party.summary_text.startswith("Yes")
    assert "relapse" in party.summary_text     # the 'now and then' is bounded by the stage


def test_does_levamisole_cause_agranulocytosis_is_answered_yes_not_with_the_stop_rule():
    a = answer("does levamisole cause agranulocytosis?", audience="student")
    assert a.summary_text.startswith("Yes")
    finding = answer("neutrophils 0.9 on levamisole should we stop it")
    assert finding.summary_text.startswith("Stop it for agranulocytosis")


def test_a_dose_given_twice_a_day_is_checked_as_the_days_total():
    # 2 mg bd is 4 mg a day: never "2 mg matches 0.1 mg/kg/day = 2 mg" for 20 kg
    over = answer("tacrolimus 3 mg bd in a 20 kg boy, correct?")
    assert over.summary_text.startswith("Check the dose: 3 mg twice a day (6 mg/day) of tacrolimus is above")
    right = answer("she is 20kg and takes tacrolimus 1mg twice a day, is that right?", audience="family")
    assert right.summary_text.startswith("1 mg twice a day (2 mg a day) of tacrolimus fits the usual dose")
    mmf = answer("MMF 750 mg bd for a 25 kg child 120 cm, is that the right dose?")
    assert mmf.summary_text.startswith("Check the dose: 750 mg twice a day (1500 mg/day) of mycophenolate mofetil is above")
    from nephroguide.answer.understand import understand

    u = understand("on tacrolimus 2 mg bd, 20 kg")
    assert u.detail("divided_doses") == (("tacrolimus", "bid", 2),)
    med = u.record(TODAY, 8.0)["medications"][0]
    assert (med["dose"], med["frequency"]) == (2.0, "bid")


def test_a_relapse_with_no_remission_after_4_weeks_in_a_once_sensitive_child_is_secondary_srns():
    a = answer("6yo, initially steroid sensitive, now relapsed and no remission after 4 weeks of daily pred. what now?")
    assert a.summary_text.startswith("Treat it as secondary (late) SRNS")
    assert "srns_secondary" in a.understanding["stage"]


def test_ivig_for_a_low_igg_in_relapse_is_said_to_have_no_rule_not_answered_with_why_infections_happen():
    a = answer("Is IVIG needed for low IgG 2.8 g/L in a relapsing child with recurrent infections?")
    assert a.scope == "partly_covered" and a.summary_text.startswith("No rule in the sources: they give none for IVIG")
    after_rtx = answer("low IgG after rituximab, IVIG?")
    assert after_rtx.summary_text.startswith("No, usually not")


def test_will_the_operation_make_her_relapse_is_answered_not_with_steroid_cover_and_possibly_never_becomes_no():
    a = answer("will the operation make her relapse? she is having her tonsils out next month", audience="family")
    assert a.summary_text.startswith("Possibly, but our guidance does not list operations")
    assert a.scope == "partly_covered"
    b = answer("can surgery trigger a relapse?")
    assert b.summary_text.startswith("Possibly, but the sources do not name operations")   # never "No: possibly"


def test_genetic_srns_stop_the_cni_and_a_graft_is_a_transplant():
    a = answer("the genetic test found two NPHS2 changes. the doctor says they will stop the tacrolimus. why stop it?",
               audience="family")
    assert a.direct_answer == "answer.genetics.genetic_srns_treatment"
    assert "1 in 4" not in a.summary_text          # not the brothers-and-sisters risk
    b = answer("4yo SRNS, biallelic NPHS2 on the panel. still trial a CNI? and will it come back in a graft later?")
    assert "No, very rarely" in b.summary_text and "Usually stop (or do not start) immunosuppression" in b.summary_text


def test_what_actually_changes_at_transfer_to_adult_care_is_answered_and_says_what_is_not_known():
    a = answer("my son is 16 and is moving to the adult kidney clinic next year. what actually changes for him?",
               audience="family")
    assert "An adult kidney doctor takes over" in a.summary_text and "not answered here" not in a.summary_text
    assert a.scope == "partly_covered"


def test_a_new_presentations_work_up_never_carries_the_srns_biopsy_and_genetics():
    a = answer("new presentation 3yo, oedema, 4+ protein. work-up?")
    assert a.direct_answer == "answer.workup.tests_at_diagnosis"
    assert "biopsy" not in a.summary_text.lower() and "first_episode" in a.understanding["stage"]


def test_did_i_cause_this_with_salt_is_answered_no_not_with_how_much_salt():
    a = answer("did I cause this by giving him too much salt?", audience="family")
    assert a.direct_answer == "answer.causes.my_fault" and a.summary_text.startswith("No.")


def test_student_which_gene_for_the_finnish_type_and_what_is_the_iskdc_are_answered_as_asked():
    gene = answer("which gene mutation causes Finnish type congenital nephrotic syndrome?", audience="student")
    assert gene.summary_text.startswith("NPHS1")
    iskdc = answer("what is the ISKDC?", audience="student")
    assert iskdc.summary_text.startswith("The International Study of Kidney Disease in Children")


def test_an_ordinal_relapse_count_in_a_window_is_read_as_frequent_relapses():
    a = answer("SSNS 5yo, 3rd relapse in 6 months, now in remission on alt day pred. next step?")
    assert "frequently_relapsing" in a.understanding["stage"]
    assert a.topic == "frns_sdns" and "steroid-sparing" in a.summary_text


def test_a_medicine_the_child_is_relapsing_on_is_not_offered_again_and_a_shorthand_story_is_no_list_of_questions():
    a = answer("SDNS on MMF relapsing, options?")
    assert "mycophenolate_mofetil" in a.understanding["failed"]
    lead = a.summary_text.split(";")[0]
    assert "MMF" not in lead and "rituximab or a calcineurin inhibitor" in lead
    b = answer("on levamisole, relapsed again, what next?")
    assert b.direct_answer == "answer.frns_sdns.after_levamisole"
    assert "ANCA" not in b.summary_text and "On levamisole?" not in b.summary_text
    c = answer("levamisole 20 kg: dose, duration, monitoring?")
    assert "Monitoring? CBC every 2-3 months" in c.summary_text   # a list of things to tell still asks each


def test_why_is_my_child_so_angry_on_prednisolone_is_about_the_effect_not_what_prednisolone_is():
    a = answer("why is my child so angry on prednisolone", audience="family")
    assert a.direct_answer == "answer.adverse_effects.mood_behaviour"
    b = answer("why is my child on prednisolone", audience="family")
    assert b.direct_answer == "answer.medicines.prednisolone"


def test_a_family_dose_is_in_family_words_with_both_phases_whether_or_not_the_weight_is_known():
    a = answer("my 3 year old has had 4+ protein for 3 days and her eyes are puffy. we have prednisolone at home. how "
               "much do i give? she weighs 14kg", audience="family")
    assert a.summary_text.startswith("Prednisolone 28 mg once daily: one dose by mouth every day until the urine has "
                                     "been clear for 3 days. Then 21 mg once every other day")
    assert "complete remission" not in a.summary_text
    b = answer("how much prednisolone for a first episode?", audience="family")
    assert b.summary_text.startswith("Prednisolone 60 mg/m2 a day or 2 mg/kg a day (no more than 60 mg): one dose by "
                                     "mouth every day for 4 weeks")
    assert "Then 40 mg/m2 or 1.5 mg/kg (no more than 40 mg): one dose by mouth every other day" in b.summary_text


def test_a_question_about_another_condition_asked_with_only_a_question_mark_is_said_to_be_not_covered():
    a = answer("16yo SRNS on tac, derm wants to start isotretinoin for acne. ok? and what tac trough should I aim for?")
    assert a.scope == "partly_covered" and a.summary_text.startswith("Tacrolimus 12-hour trough 5-10 ng/mL")
    assert "isotretinoin for acne. ok? nephroguide has no guidance on acne (skin disease)" in a.summary_text


def test_what_the_sources_do_not_give_is_said_when_asked_imaging_for_rvt_and_correcting_low_sodium():
    a = answer("renal vein thrombosis suspected, imaging?")
    assert a.scope == "partly_covered" and "which imaging confirms it" in a.scope_note
    b = answer("hyponatraemia 126 in relapse, management?")
    assert b.direct_answer == "answer.edema.albumin_hyponatraemia" and b.scope == "partly_covered"
    assert "how to correct the sodium itself" in b.scope_note
    c = answer("Na 127 and very oedematous, diurese?")
    assert c.scope == "covered"   # (a diuretic question: its answer is given, no gap asked)


def test_a_raised_bp_on_steroids_treat_question_is_answered_whether_to_treat():
    a = answer("BP 130/85 on steroids 8yo, treat?")
    assert a.summary_text.startswith("Only if it stays high")


def test_cyclophosphamide_in_srns_is_never_dosed_as_the_frns_oral_course_and_every_phase_of_a_regimen_follows():
    a = answer("cyclophosphamide IV dose SRNS 1.1 m2")
    assert "Oral cyclophosphamide for FRNS" not in a.summary_text
    assert "research, not a guideline dose" in a.summary_text.split(".")[0]
    assert "550 mg IV" in a.summary_text and "Infusion 2 (month 2): cyclophosphamide 825 mg IV" in a.summary_text
    assert "Infusions 3-6 (months 3-6): cyclophosphamide 1100 mg IV once a month" in a.summary_text


def test_a_dose_asked_for_a_medicine_with_no_dose_rule_says_the_sources_give_none():
    a = answer("enalapril dose 20 kg SRNS")
    assert a.summary_text.startswith("No pediatric dose is given in the guideline sources")
    assert a.scope == "partly_covered"
    b = answer("how much enalapril will she take", audience="family")
    assert b.direct_answer == "answer.srns.raas_dose"


def test_can_it_kill_stress_as_a_trigger_and_levamisoles_mechanism_are_answered_as_asked():
    a = answer("can nephrotic syndrome kill you", audience="family")
    assert a.direct_answer == "answer.prognosis.can_die" and a.summary_text.startswith("Rarely")
    b = answer("can stress cause a relapse?", audience="family")
    assert b.summary_text.startswith("Not that we know: our guidance does not say that stress causes relapses")
    c = answer("what is the mechanism of action of levamisole", audience="student")
    assert c.direct_answer == "answer.medicines.levamisole" and c.scope == "partly_covered"
    assert "mechanism of action" in c.scope_note


def test_how_long_maintenance_prednisolone_says_the_sources_give_no_set_duration():
    a = answer("how long to continue alternate day pred in SDNS before weaning?")
    assert a.summary_text.startswith("No set duration in the sources read")
    b = answer("how long will she stay on the small dose of prednisolone", audience="family")
    assert b.summary_text.startswith("There is no set time") and b.scope == "partly_covered"


def test_diagnosed_two_weeks_ago_is_a_first_episode_and_a_clear_dipstick_does_not_stop_the_course():
    a = answer("hi, my daughter is 5 and was diagnosed 2 weeks ago. shes on 40mg pred every morning. her face has got "
               "really round and she is eating constantly and crying at night. the dipstick has been negative for 4 "
               "days now. does that mean the pred can stop? and is the round face permanent?", audience="family")
    assert "first_episode" in a.understanding["stage"]
    assert a.summary_text.startswith("No, not early") and "levamisole" not in a.summary_text
    assert "Is the round face permanent? No, usually not" in a.summary_text


def test_which_of_levamisole_or_cyclophosphamide_is_better_and_are_they_dangerous_is_answered_on_both():
    a = answer("my son (7) relapsed for the 3rd time this year, hes on 45mg pred now. the doctor mentioned something "
               "called levamisole or cyclophosphamide. which one is better and are they dangerous?", audience="family")
    assert a.summary_text.startswith("Both have side effects")
    assert "Which one is better? Neither is ranked above the other" in a.summary_text
    assert "The risk is small" not in a.summary_text


def test_a_flu_vaccine_or_vaccines_in_general_on_immune_medicines_are_never_answered_with_a_bare_no():
    a = answer("influenza vaccine on high dose pred - ok?")
    assert a.direct_answer == "answer.vaccination.flu" and a.summary_text.startswith("Yes, every year, as the injected")
    b = answer("can she have vaccines while on cyclophosphamide", audience="family")
    assert b.summary_text.startswith("Yes for non-live vaccines") and "No for live vaccines" in b.summary_text
    c = answer("can she have the MMR while on tacrolimus", audience="family")
    assert c.summary_text.startswith("No.")


def test_a_question_in_shorthand_with_its_question_words_last_is_asked():
    a = answer("SRNS on tac 9 months, CR, creatinine stable. continue how long, and when to switch to MMF?")
    assert "Continue how long? Not before 12 months" in a.summary_text


def test_stopping_levamisole_after_a_year_in_remission_is_answered():
    a = answer("FRNS on levamisole 1 yr in remission, stop it?")
    assert a.summary_text.startswith("It can be stopped after at least 12 months")


def test_one_upcr_above_200_is_not_yet_a_relapse_and_five_days_of_4_plus_is_one():
    a = answer("UPCR 250 mg/mmol in a child on maintenance pred, relapse?")
    assert a.summary_text.startswith("Not on one sample")
    b = answer("its been 5 days of 4+ and hes not on anything and hes puffy, what do i do", audience="family")
    assert b.summary_text.startswith("After 3 days in a row of 3+ or more, this is a relapse")
    assert "may be a relapse" not in b.summary_text


def test_does_a_biopsy_hurt_says_how_it_is_done_from_the_leaflets():
    # (until round 16 the sources did not describe it; the NKF leaflet's biopsy page now does)
    a = answer("what is a kidney biopsy like, does it hurt", audience="family")
    assert a.summary_text.startswith("Your child is given sleepy medicine") and "uncomfortable than painful" in a.summary_text
    assert "leaflets" in a.markdown


def test_a_dose_of_a_medicine_the_pack_does_not_dose_is_never_answered_with_prednisolone():
    a = answer("cotrimoxazole dose for PJP prophylaxis 20 kg")
    assert "Prednisolone" not in a.summary_text and "40 mg" not in a.summary_text
    assert "at what dose" in a.scope_note
    b = answer("pred dose 20 kg first episode")
    assert "Prednisolone 40 mg once daily" in b.summary_text


def test_a_dose_asked_for_a_non_pack_medicine_is_never_another_medicines_dose():
    for q in ("vitamin D dose 20 kg on steroids", "aciclovir dose 20 kg chickenpox"):
        a = answer(q)
        assert "Prednisolone 40 mg" not in a.summary_text, q
    b = answer("enoxaparin dose 20 kg RVT")
    assert b.summary_text.startswith("No stored source gives one")
    c = answer("pred dose 20 kg relapse, also can he take paracetamol?")
    assert "Prednisolone 40 mg once daily" in c.summary_text


def test_a_diuretic_is_furosemide_and_a_dose_range_is_never_led_by_its_low_end_alone():
    a = answer("diuretic dose 20 kg")
    assert "Prednisolone" not in a.summary_text and "Furosemide 20 mg IV per dose" in a.summary_text
    assert "range 20-40 mg per dose" in a.summary_text
    b = answer("20% albumin dose for symptomatic oedema 18 kg?")
    assert "range 9-18 g per dose" in b.summary_text


def test_nephrectomy_timing_in_congenital_ns_leads_with_its_answer():
    a = answer("congenital NS 2 week old, albumin infusions daily, nephrectomy when?")
    assert a.summary_text.startswith("No, not routinely")


def test_a_low_magnesium_on_a_cni_replace_question_is_about_magnesium_not_replacing_the_cni():
    a = answer("Mg 0.55 on tac, replace?")
    assert a.summary_text.startswith("No threshold or dose in the sources read") and a.scope == "partly_covered"
    assert "MMF" not in a.summary_text


def test_why_so_tired_on_prednisolone_says_tiredness_is_not_a_listed_effect():
    a = answer("why is my child so tired on prednisolone", audience="family")
    assert a.summary_text.startswith("Our guidance does not list tiredness") and a.scope == "partly_covered"
    assert "course" not in a.summary_text.split(".")[0]


def test_a_bath_while_swollen_is_about_the_skin_not_school():
    a = answer("Can he have a bath while he is swollen?", audience="family")
    assert a.summary_text.startswith("Our guidance gives no rule about baths") and a.scope == "partly_covered"
    assert "cellulitis" in a.summary_text and "school" not in a.summary_text


def test_steroid_cream_for_eczema_says_the_sources_do_not_cover_it_instead_of_listing_skin_effects():
    a = answer("She has eczema, can we still use steroid cream on her skin while she is on prednisolone?",
               audience="family")
    assert a.summary_text.startswith("Our guidance has no advice on steroid creams") and a.scope == "partly_covered"
    assert "stretch marks" not in a.summary_text


def test_how_long_will_he_have_it_answers_how_long_not_a_yes_or_no():
    for q in ("how long will my son have this disease", "how many years does nephrotic syndrome last"):
        a = answer(q, audience="family")
        assert a.summary_text.startswith("Often by the late teens"), q


def test_a_not_covered_verb_form_is_named_with_its_noun():
    # (ear piercing now has a gap answer with the infection advice: test_ear_piercing_on_prednisolone_...)
    a = answer("Can my daughter get her teeth whitened?", audience="family")
    assert a.scope == "not_covered" and "no information on teeth whitened" in a.summary_text


def test_a_live_vaccine_on_a_high_daily_dose_is_no_even_when_an_alternate_day_answer_is_near():
    a = answer("Can a child on pred 2 mg/kg daily get varicella vaccine?")
    assert a.summary_text.startswith("No, not on high doses")
    assert not a.summary_text.lower().startswith("yes")


def test_a_live_vaccine_on_low_alternate_day_prednisolone_is_usually_yes_with_no_contradicting_line():
    a = answer("can my son have the chickenpox jab, he takes 5 mg prednisolone every other day", audience="family")
    assert a.summary_text.startswith("Usually yes, if the every-other-day dose is low")
    assert "No." not in a.summary_text and "Usually, but not always" not in a.summary_text


def test_the_chickenpox_vaccine_on_steroids_names_chickenpox_and_is_not_headed_by_an_mmr_question():
    a = answer("Can my child get the chickenpox vaccine while he is on steriods?", audience="family")
    assert a.summary_text.startswith("No, not while the prednisolone dose is high")
    assert "chickenpox" in a.summary_text and "MMR" not in a.title


def test_did_i_cause_it_by_what_i_fed_him_is_about_blame_not_feeling_fed_up():
    a = answer("did I cause this by something I fed him", audience="family")
    assert a.summary_text.startswith("No.") and a.topic == "causes"


def test_a_danger_answer_carries_no_yes_to_waiting_at_home_among_its_key_points():
    a = answer("My 4 year old is in relapse and on prednisolone, and tonight he has a fever and bad tummy pain and "
               "doesnt want to move. Should I just give paracetamol and wait?", audience="family")
    assert a.summary_text.startswith("No.") and "Go to hospital now" in a.summary_text
    assert "paracetamol? Yes" not in current_text(a)


def test_a_swollen_child_peeing_much_less_is_told_to_go_to_hospital_first():
    a = answer("His eyes are puffy every morning and now his legs and tummy look swollen too and he is peeing much "
               "less. When should I take him to hospital?", audience="family")
    assert a.summary_text.startswith("Go to hospital now if your child is passing very little urine")


def test_anticoagulate_how_is_answered_not_taken_as_said_by_anticoagulate_if_confirmed():
    a = answer("Nephrotic 6yo with swollen painful left leg, alb 12 - DVT? anticoagulate how?")
    assert "Anticoagulate how? Anticoagulate:" in a.summary_text and a.scope == "partly_covered"
    assert "no agent, dose or duration" in a.summary_text and "Not routinely" not in a.summary_text


def test_relapses_in_6_mo_is_a_time_span_not_the_childs_age():
    a = answer("SSNS 3rd relapse in 6 mo, next?")
    assert "age_years" not in a.markdown


def test_a_vomited_dose_question_says_first_whether_to_give_it_again():
    # (session 18: a read source gives the rule for a dose vomited within 30 minutes; later or spat out stays with
    # the team, and a spat-out dose is partly covered)
    a = answer("my son threw up about 20 min after his prednisolone this morning, do i give him the dose again??",
               audience="family")
    assert a.summary_text.startswith("If your child was sick less than 30 minutes after the dose, you can usually give "
                                     "the same dose again")
    assert a.scope == "covered"
    b = answer("she spat out half her pred this morning do i give more", audience="family")
    assert b.scope == "partly_covered" and "spat out" in b.summary_text


def test_sharing_food_and_cups_is_yes_not_the_sibling_risk_no():
    a = answer("Can my other kids share food and cups with their brother who has nephrotic syndrome? Is it catching?",
               audience="family")
    assert a.summary_text.startswith("Yes. Nobody can catch nephrotic syndrome")


def test_fertility_after_a_past_cyclophosphamide_course_is_not_told_to_ask_before_starting():
    a = answer("I'm 17 and have had nephrotic syndrome since I was 3. I had cyclophosphamide when I was 8 and "
               "rituximab last year. Will any of this affect whether I can have children one day?", audience="family")
    assert a.summary_text.startswith("Possibly, mainly for boys and men") and "before starting" not in a.summary_text
    assert "rituximab and fertility" in a.summary_text and a.scope == "partly_covered"
    b = answer("can my daughter have children one day?", audience="family")
    assert b.summary_text.startswith("Usually yes")


def test_i_dont_understand_why_after_a_story_is_asked_as_why():
    a = answer("What are the side effects of tacrolimus? My daughter (9) just started it after her third relapse this "
               "year and the doctor keeps saying we need blood levels checked but I don't really understand why or "
               "what we should watch for at home.", audience="family")
    assert "We need blood levels checked, why? To get the dose right, because too much tacrolimus" in a.summary_text


def test_when_the_steroid_dose_goes_down_is_answered_with_when():
    a = answer("How many days of negative dipsticks before it counts as remission, and when does the doctor usually "
               "start lowering the steroid dose?", audience="family")
    assert "When does the doctor usually start lowering the steroid dose? After the first 4 weeks" in a.summary_text


def test_persistent_hypertension_in_srns_gets_the_drug_and_target_not_only_if_it_stays_high():
    a = answer("BP persistently 125/85 (>95th centile) in an 8yo with steroid-resistant NS - what antihypertensive "
               "and target?")
    assert a.summary_text.startswith("An ACE inhibitor or ARB first")


def test_a_medicine_named_as_for_frns_is_not_recorded_as_taken_or_failed():
    a = answer("levamisole or MMF for FRNS in a 7 year old?")
    assert "mycophenolate" not in a.markdown.split("_Child (question):")[1].split("\n")[0]


def test_a_gp_referral_answer_includes_relapses_needing_a_steroid_sparing_agent():
    a = answer("When should a GP refer a child with nephrotic syndrome to paediatric nephrology?")
    assert "steroid-sparing agent" in a.summary_text


def test_an_either_or_question_is_not_answered_with_a_bare_yes():
    a = answer("im 15 and on mycophenolate, can i still go swimming training and play football or do i have to stop",
               audience="family")
    assert "stop? Yes" not in a.summary_text and "sport" in a.summary_text


def test_round_3_probe_fixes():
    a = answer("tac trough target in SRNS and how to monitor for CNI nephrotoxicity?")
    assert a.summary_text.startswith("Tac trough target in SRNS? Tacrolimus 12-hour trough 5-10 ng/mL")
    b = answer("Oedematous nephrotic child, abdominal pain and cold peripheries - how do I distinguish hypovolaemia from "
               "overload, and what dose of albumin and furosemide?")
    assert "How do I distinguish hypovolaemia from overload? Peripheral perfusion and FENa" in b.summary_text
    assert "What dose of albumin and furosemide? 4-5% albumin without furosemide" in b.summary_text
    assert "congenital" not in b.summary_text.lower()
    c = answer("rituximab dose for SDNS and what CD19 monitoring?")
    assert "375 mg/m2/dose; 1 to 4 doses (no interval or maximum single dose" in c.summary_text
    d = answer("Our 4 year old is in remission but woke up with bad tummy pain and a fever of 38.5. Is this just a bug "
               "or could it be serious?", audience="family")
    # (either danger answer: both send the child to hospital now and name the tummy infection first)
    assert d.summary_text.startswith(("A fever with tummy pain can be a serious tummy infection",
                                      "Go to hospital now. Tummy pain with fever or vomiting can be a serious tummy"))
    e = answer("Non-immune child on prednisolone 60 mg/m2 daily had household chickenpox exposure yesterday. What "
               "should we do?")
    assert e.summary_text.startswith("VZIG as soon as possible, within 10 days")
    f = answer("His eyes are puffy every morning but go down by lunch time. Is this a relapse starting? dipstick was "
               "trace this morning", audience="family")
    assert f.summary_text.startswith("Not while the dipstick stays negative or trace")


def test_two_words_asked_what_they_mean_are_each_asked_and_one_word_gets_no_which_of_these_words_line():
    a = answer("what do remission and relapse mean", audience="family")
    assert a.summary_text.startswith("What does remission mean?") and "What does relapse mean?" in a.summary_text
    b = answer("What does the word nephrotic actually mean?", audience="family")
    assert "which of these words" not in b.summary_text


def test_round_4_probe_fixes():
    a = answer("Can my son go swimming at the local pool while on steroids? And does he need to sit out PE at school",
               audience="family")
    assert a.summary_text.startswith("Can my son go swimming at the local pool while on steroids? Yes")
    assert "Does he need to sit out PE at school? No." in a.summary_text
    b = answer("my sons had diarrhoea since yesterday, about 6 times, hes on 40mg pred still, do I keep giving it and "
               "should I be worried", audience="family")
    assert b.summary_text.startswith("Yes, keep giving prednisolone")
    c = answer("can her brother have the nasal flu vaccine? shes on tacrolimus", audience="family")
    assert c.summary_text.startswith("Yes. Brothers, sisters and parents")
    d = answer("we're flying to florida next month, 5 hr time difference, how do I do his prednisolone doses and what "
               "if he relapses over there", audience="family")
    assert d.summary_text.startswith("Our guidance has no rule for changing dose times") and "60 mg" not in d.summary_text
    e = answer("SRNS - tacrolimus or ciclosporin first, and what starting dose?")
    assert "Tacrolimus for SRNS" in e.summary_text and "Cyclosporine for SRNS" in e.summary_text
    f = answer("levamisole side effects what monitoring bloods and how often")
    assert "What monitoring bloods? CBC every 2-3 months" in f.summary_text
    g = answer("Im 15 and have had nephrotic since i was 3. will i have kidney problems when im older? can i have kids",
               audience="family")
    assert g.summary_text.startswith("No, not if the nephrotic syndrome goes away") and "Can I have kids? Usually yes" \
        in g.summary_text


def test_round_5_probe_fixes():
    a = answer("they did blood and urine tests at the hospital and said his albumin is 15 and theres lots of protein in "
               "his wee. what does that actually mean", audience="family")
    assert a.summary_text.startswith("They are the two results that mean nephrotic syndrome")
    b = answer("hi im 14 and the steroids made my face really round and im getting teased at school. how long does "
               "this last and can i just stop taking them", audience="family")
    assert "3 to 6 months" in b.summary_text and "late teens" not in b.summary_text
    c = answer("Definitions: FRNS vs SDNS vs late steroid resistance?")
    assert "Secondary (late) SRNS" in c.summary_text
    d = answer("im 17 and had NS since i was 5. will it affect me having kids one day and do i need to keep seeing the "
               "kids doctor when i turn 18", audience="family")
    assert "Do I need to keep seeing the kids doctor when I turn 18? There is no fixed age" in d.summary_text
    e = answer("A 6-year-old boy has persistent nephrotic-range proteinuria after 4 weeks of daily prednisolone 60 "
               "mg/m2. What investigations are recommended and what is the first-line immunosuppressive treatment?",
               audience="student")
    assert "What is the first-line immunosuppressive treatment? A calcineurin inhibitor" in e.summary_text
    f = answer("what is steroid resistant nephrotic syndrome")
    assert f.summary_text.startswith("It is SRNS: no complete remission after 4 weeks")


def test_round_6_probe_fixes():
    a = answer("A 5-year-old with known steroid-sensitive nephrotic syndrome has had 3+ protein on dipstick for 3 days "
               "during a cold. Should I start prednisolone now, and at what dose?")
    assert a.summary_text.startswith("Yes: 3+ or more on 3 consecutive days is a relapse")
    b = answer("3+ for two days, start pred?", audience="family")
    assert b.summary_text.startswith("Not yet")
    c = answer("Nephrotic child, albumin 12 g/L, gross oedema, oliguric, BP normal - when to give 20% albumin with "
               "furosemide, and what doses?")
    assert c.summary_text.startswith("Only for severe, symptomatic oedema") and "Hypovolaemic shock: 4-5% albumin, no furosemide" \
        in c.summary_text
    d = answer("Grandson is on tacrolimus. Can he have grapefruit juice? and his hands shake a bit is that the medicine",
               audience="family")
    assert "shaky hands can be a side effect of tacrolimus" in d.summary_text
    e = answer("My son is 12 and has had 5 relapses, doctor wants to give rituximab. what are the risks and will he "
               "need it again", audience="family")
    assert not e.summary_text.lower().startswith("mostly yes")
    f = answer("will my child grow out of nephrotic syndrome? can she have kids one day", audience="family")
    assert "Can she have kids one day? Usually yes" in f.summary_text


def test_round_7_probe_fixes():
    a = answer("im 15 and ive had NS since i was 3. will i still grow properly? im the shortest in my year and havent "
               "really started puberty. also can i still play football for my club", audience="family")
    assert a.summary_text.startswith("Usually yes.") and "congenital" not in a.summary_text and "babies" not in a.summary_text
    b = answer("dipstick was 3+ this morning after 2 days of trace, he has a cold and runny nose. is this a relapse and "
               "when do we start steroids again", audience="family")
    assert b.summary_text.startswith("Not yet") and "1+ or 2+ on its own" not in b.summary_text
    c = answer("How is a relapse defined in childhood nephrotic syndrome and what prednisolone dose do we restart at?")
    assert c.summary_text.startswith("A relapse is a urine dipstick of 3+ or more")
    d = answer("Which children with SRNS should have genetic testing, and does finding a monogenic cause change "
               "immunosuppression and the risk of recurrence after transplant?", audience="student")
    assert "risk of recurrence after transplant? Immunosuppression is usually stopped and recurrence after " \
        "transplant is very rare" in d.summary_text


def test_round_8_probe_fixes():
    # "- why" after a story is asked as why ("the nurse said we need blood levels - why, and ... grapefruit?")
    a = answer("my daughter is 5 and just started tacrolimus, the nurse said we need blood levels - why, and can she "
               "still have grapefruit juice?", audience="family")
    assert "why? To get the dose right, because too much tacrolimus" in a.summary_text
    assert "Can she still have grapefruit juice? No, avoid grapefruit" in a.summary_text
    # "for the first time in months" is no first episode: a well child's single 2+ is not yet a relapse
    b = answer("We test her wee every morning with the dipsticks and today it says 2+ for the first time in months. She "
               "seems fine, no puffiness. Do I need to ring the ward today or just keep watching it?", audience="family")
    assert b.summary_text.startswith("No, not yet: 1+ or 2+ on its own is not a relapse")
    # "is that the medicine?" is read with the story's symptoms, and the first question's answer opens the summary
    c = answer("My son (7) has been on mycophenolate for a year now and his tummy hurts a lot and he has loose poos. Is "
               "that the medicine and could they change it to something else?", audience="family")
    assert c.summary_text.startswith("Probably yes: tummy pain and loose poos are the most common side effects of "
                                     "mycophenolate")
    # with no story, a pronoun after a question points at that question's subject (never dropped)
    d = answer("whats levamisole and how is it different from the steroids", audience="family")
    assert d.summary_text.startswith("Levamisole is not a steroid.") and "Yes, often" not in d.summary_text
    e = answer("Can my other children have their chickenpox and flu vaccines? Could it harm her?", audience="family")
    assert e.summary_text.startswith("Yes. Brothers, sisters and parents should have all their normal vaccines")
    # the fertility risk of one cyclophosphamide course is "it can", never a bare "Yes" that reads as "it will"
    f = answer("The doctors want to give him cyclophosphamide. Ive read its a chemo drug, will it make him infertile "
               "when hes older?", audience="family")
    assert f.summary_text.startswith("It can affect fertility, mainly in boys, but it does not always")
    # albumin with furosemide for gross oedema: when to give it, then how hypovolaemia shows (no "not answered")
    g = answer("Should I give IV albumin with furosemide to a child with gross nephrotic oedema, and how do I recognise "
               "hypovolaemia before I do?")
    assert g.summary_text.startswith("Only for severe, symptomatic oedema") and "not answered" not in g.summary_text.lower()
    assert "How do I recognise hypovolaemia before I do? Fluid leaves the vessels" in g.summary_text
    # the reader's order: the dose asked first comes first, before the monitoring the chosen answer gives
    h = answer("SDNS 7yo on alt-day pred 0.5 mg/kg, plan rituximab - dose, pre-treatment checks, monitoring after?")
    assert h.summary_text.index("375 mg/m2") < h.summary_text.index("Monitoring after?")
    # a question only pointing back at another condition's treatment is that condition's: not covered, named as typed
    i = answer("my son with nephrotic syndrome has terrible eczema on his legs, which steroid cream is best and how "
               "often do i put it on?", audience="family")
    assert i.scope == "not_covered" and "weight" not in i.summary_text.lower()
    assert "(skin disease)" in i.summary_text
    # a danger answer carries no Yes to "can I just give calpol and see how she is in the morning?" (see above too)
    j = answer("she has a temperature of 38.9 and really bad tummy pain, she's in relapse at the moment. can i just give "
               "calpol and see how she is in the morning?", audience="family")
    assert j.summary_text.startswith("No.") and "? Yes" not in j.summary_text


def test_round_9_probe_fixes():
    # a yes/no question gets its own Yes/No answer, not the answer chosen for the message's other question
    a = answer("Is it ok to go on holiday to Spain in the summer with my son who has nephrotic syndrome? What should we "
               "pack or arrange before we go?", audience="family")
    assert "nephrotic syndrome? Yes." in a.summary_text and "not answered" not in a.summary_text
    # "... and is constantly starving" tells, it does not ask: the steroid behaviour answer leads
    b = answer("My daughter has been on prednisolone for 6 weeks and is constantly starving and having huge meltdowns "
               "over nothing, she's not sleeping either. Is this normal and is there anything we can do to help her "
               "cope?", audience="family")
    assert b.summary_text.startswith("Yes. Tantrums, mood swings") and "meltdowns yet" not in b.summary_text
    # enalapril: the emergency (face swelling) and pregnancy in the family answer, sourced to the label
    c = answer("he's on enalapril now for protein, what side effects should I look out for", audience="family")
    assert "face, lips or tongue" in c.summary_text and "pregnancy" in c.summary_text
    # "dose + monitoring?" asks both
    d = answer("levamisole dose + monitoring?")
    assert "2.5 mg/kg" in d.summary_text and "CBC every 2-3 months" in d.summary_text
    # a question about clots alone is not answered with the infection-and-clots answer
    e = answer("Explain why children with nephrotic syndrome are at increased risk of thrombosis, and which patients "
               "should receive prophylactic anticoagulation?", audience="student")
    assert not e.summary_text.startswith("Both") and "Haemoconcentration" in e.summary_text


def test_a_word_that_qualifies_the_dose_stays_with_the_dose_question():
    a = answer("ciclosporin for a 24 kg child with SDNS - starting dose and target trough?")
    assert "36 mg twice daily (every 12 hours), 72 mg/day" in a.summary_text
    assert "SDNS target trough? " in a.summary_text and "starting target trough" not in a.summary_text


def test_round_10_probe_fixes():
    # a bare "what dose?" beside an answer that speaks of the ACE inhibitor's dose never gets another medicine's dose
    a = answer("SRNS 30 kg girl, persistent proteinuria, BP normal - start ACEi anyway? which drug, what dose?")
    assert "60 mg/day daily and 40 mg on alternate days" not in a.summary_text
    assert "no paediatric dose" in a.summary_text and "start ACEi anyway? Yes" in a.summary_text
    # painful genital swelling is severe oedema to be seen today, never "relapses are common"
    b = answer("my 3yo boys willy and scrotum have swollen up massively in the last 2 days and hes crying when he "
               "walks. is this an emergency or normal for a relapse", audience="family")
    assert b.summary_text.startswith("Call the kidney team or ward today") and "Go to hospital now if" in b.summary_text
    assert "it is common" not in b.summary_text
    # "will the steroids stop her growing?" is never answered "Usually yes"
    c = answer("Our daughter has had steroids on and off for 4 years and she is now the smallest in her class. Will "
               "the steroids stop her growing properly, and should we be giving her calcium or vitamin D for her "
               "bones?", audience="family")
    assert "growing properly? Usually not for good" in c.summary_text and "Usually yes" not in c.summary_text
    assert answer("im the shortest in my year, will i still grow", audience="family").summary_text.startswith("Usually yes")
    # what a UPCR number means, besides why the first morning urine
    d = answer("clinic has asked for a first morning wee sample for a \"protein creatinine ratio\". why does it have to "
               "be the first wee of the day and what number is normal?", audience="family")
    assert d.summary_text.startswith("Why does it have to be the first wee of the day? Because")
    assert "20 or less" in d.summary_text and "not answered" not in d.summary_text
    # 8 months off treatment is past the 6 months of daily tests: never "Not yet"
    e = answer("Weve been dipsticking every single morning for 2 years and im exhausted by it. hes been off all meds "
               "for 8 months with no relapse. can we ever stop testing?", audience="family")
    assert e.summary_text.startswith("Daily tests can usually stop once your child has been off prednisolone for 6 months")
    assert "Not yet" not in e.summary_text
    assert answer("can we stop the dipsticks now", audience="family").summary_text.startswith("Not yet")
    # preventing cold-triggered relapses; daily prednisolone at a URTI and its evidence
    f = answer("Every time she gets a cold she relapses a week later, it's happened 4 times now. Is there anything we "
               "can do to stop colds setting it off?", audience="family")
    assert f.summary_text.startswith("Not for certain: there is no sure way to stop colds setting off relapses")
    g = answer("5yo SDNS on alt-day pred 0.4 mg/kg, coryzal since this morning. Switch to daily pred to stop a relapse? "
               "what does the evidence say?")
    assert g.summary_text.startswith("Not routinely (KDIGO 2025; PREDNOS 2 found no benefit)")
    # "hypotheses" names no subject nephroguide lacks
    h = answer("Why do children with nephrotic syndrome develop oedema? Explain the underfill and overfill hypotheses.",
               audience="student")
    assert "no guidance on hypotheses" not in h.summary_text and h.summary_text.startswith("Both occur: underfill")
    assert h.scope == "covered"
    # infection alone is not answered with clots first
    i = answer("Why are children with nephrotic syndrome at increased risk of infection with encapsulated bacteria "
               "such as pneumococcus?", audience="student")
    assert "Clots" not in i.summary_text and "factor B" in i.summary_text
    # a shocked child on long-term steroids: hydrocortisone now, with its dose by age
    j = answer("2am - SDNS kid on pred for >1 yr, now vomiting + diarrhoea, cool peripheries, BP low. Stress-dose "
               "steroids? hydrocortisone dose?")
    assert j.summary_text.startswith("Yes, give hydrocortisone now") and "50 mg at 1-5 years" in j.summary_text
    assert "Possibly" not in j.summary_text
    k = answer("stress dose steroids for surgery in a child on long term prednisolone")
    assert k.summary_text.startswith("Possibly")   # planned surgery: still no dose in the stored sources
    # a genetic result: stop the CNI, and recurrence is very rare
    m = answer("SRNS 8yo on tac, genetics back: homozygous NPHS2. Stop the tac? Risk of recurrence after transplant?")
    assert m.summary_text.startswith("Immunosuppression is usually stopped and recurrence after transplant is very rare")
    # what the school asks is read as a question
    n = answer("Can my 9 year old still do football and PE while hes on the steroids? School is asking for a letter "
               "and whether he needs anything special in class", audience="family")
    assert "anything special in class?" in n.summary_text and "toilet" in n.summary_text
    # the teenager's first question (will it go away) comes first, then not cutting the dose alone
    o = answer("im 14 and been on pred for ages, my face is so round and fat everyone at school stares. will it go "
               "away?? can i just take less so it stops", audience="family")
    assert o.summary_text.startswith("Yes, the round face goes away") and "do not take less on your own" in o.summary_text
    # a title never states an age or vital signs the message did not
    assert not o.markdown.splitlines()[0].startswith("# I'm 15")
    p = answer("He finished a long pred taper 3 weeks ago and today he has a bad tummy bug, vomiting all day and very "
               "floppy and pale. Last time the ward mentioned something called steroid cover when hes ill - what "
               "does that mean and does he need it now?", audience="family")
    assert "130" not in p.markdown.splitlines()[0] and "88/50" not in p.markdown.splitlines()[0]
    assert p.summary_text.startswith("Yes, this is an emergency: go to hospital now")
    # ring today or wait till Monday: do not wait
    q = answer("Dipstick has been 3+ for 3 mornings in a row but he seems fine, no puffiness. Do we need to ring the "
               "ward today or can it wait till Monday?", audience="family")
    assert q.summary_text.startswith("Do not wait until Monday")
    # "dose & monitoring" asks both
    r = answer("MMF dose & monitoring")
    assert "1200 mg/m2/day" in r.summary_text and "Blood count and liver enzymes" in r.summary_text


def test_round_11_probe_fixes():
    # "will the steroids give her diabetes" is a side effect, not another subject; both parts answered
    a = answer("should we be giving her extra protein like eggs and protein shakes since shes losing it all in her "
               "wee? also is she ok to have sweets on the steroids or will it give her diabetes", audience="family")
    assert a.scope == "covered" and a.summary_text.startswith("No, a normal amount")
    assert "blood sugar" in a.summary_text
    assert answer("my son has asthma, can he use his inhaler", audience="family").scope == "not_covered"
    # herbal remedies and supplements with tacrolimus: check first, not how relapses are treated
    b = answer("My mum keeps telling me to give my daughter echinacea and high dose vitamin C to \"boost her immune "
               "system\" so she stops catching everything and relapsing. She's on tacrolimus and alternate day pred. "
               "Is that safe or could it mess with her meds?", audience="family")
    assert b.summary_text.startswith("Ask the kidney team or a pharmacist first")
    # a dose asked of penicillin is never a prednisolone dose; the missing dose is named
    c = answer("12 kg toddler in relapse w/ ascites - penicillin prophylaxis? dose?")
    assert "Prednisolone" not in c.summary_text and c.summary_text.startswith("Not routinely")
    assert c.scope == "partly_covered" and "penicillin or cephalexin prophylaxis dose" in c.scope_note
    # AKI on an ACE inhibitor and a diuretic: what to do with the medicines
    d = answer("nephrotic relapse 6yo, creat 35 -> 80 umol/L, on enalapril + furosemide. AKI - what do I do with "
               "the meds?")
    assert d.summary_text.startswith("Hold the ACE inhibitor (or ARB) and the diuretic and assess volume status")
    # the sibling who struggles is not given the sick child's prednisolone effects
    e = answer("Our older daughter is 9 and since her little sister was diagnosed with nephrotic syndrome last year "
               "she's been really struggling. She says we only care about her sister, she's started wetting the bed "
               "again and doesn't want to go to school. I feel so guilty. Is this common and is there any support "
               "for siblings?", audience="family")
    assert "prednisolone" not in e.summary_text.split(".")[0] and "cannot say how common" in e.summary_text
    # needle fear: not covered, said first
    f = answer("my 6yo screams the place down at every blood test and now she needs them every few weeks for her "
               "tacrolimus levels. is there anything that can make it easier for her? numbing cream or something?",
               audience="family")
    assert f.summary_text.startswith("nephroguide's sources do not cover ways to make blood tests easier")
    # a teenager's move to adult care, in their own voice, with the outlook
    g = answer("Im 17 and have had nephrotic syndrome since i was 3, still relapse a couple of times a year. I have to "
               "move to the adult kidney clinic next year - what happens, will they change my treatment, and will it "
               "ever actually go away?", audience="family")
    assert g.summary_text.startswith("An adult kidney doctor takes over your treatment")
    assert "1 in 3" in g.summary_text and "Yes, it is common" not in g.summary_text
    # Pneumovax: not live, so yes on prednisolone, and why a second kind
    h = answer("the kidney nurse said he needs an extra pneumonia jab (pneumovax i think) even tho hes had all his "
               "baby jabs. why does he need it and can he have it while hes on the steroids", audience="family")
    assert "not a live vaccine" in h.summary_text
    # the MMF-versus-ciclosporin trials are named
    i = answer("FRNS - MMF vs ciclosporin, what does the trial evidence say about which keeps remission better?")
    assert i.summary_text.startswith("Ciclosporin prevented relapses somewhat better, MMF spared the kidneys")
    assert "Gellermann 2013" in i.summary_text
    # early heavy proteinuria after a transplant for non-genetic FSGS is treated as recurrence
    j = answer("12yo FSGS (genetics negative) transplanted, heavy proteinuria day 3 post-tx - recurrence? plasma "
               "exchange, rituximab?")
    assert j.summary_text.startswith("Treat it as likely recurrence")
    # students: minimal change disease defined, its microscopy named as a gap; CNI mechanism with its gap
    k = answer("What is minimal change disease and what does electron microscopy of the glomerulus show?",
               audience="student")
    assert k.summary_text.startswith("The commonest and most favourable lesion") and k.scope == "partly_covered"
    m = answer("How do calcineurin inhibitors work in nephrotic syndrome, including their direct effect on podocytes?",
               audience="student")
    assert m.summary_text.startswith("They inhibit calcineurin and so block T-cell activation")
    assert "podocytes" in m.scope_note


def test_round_12_probe_fixes():
    # a child just called steroid resistant is never told "No" to kidney failure; "what does that mean" is the SRNS meaning
    a = answer("the consultant told us today our daughter is steroid resistant after 4 weeks of pred not working. what "
               "does that actually mean, and does it mean her kidneys will fail and she will need a transplant??",
               audience="family")
    assert a.summary_text.startswith("It means prednisolone has not stopped the protein leak")
    assert "transplant? Not necessarily" in a.summary_text and "transplant? No." not in a.summary_text
    assert "very unlikely" not in a.summary_text
    # a missed prednisolone dose: give it now, never double
    b = answer("i forgot to give his pred this morning and only just remembered at 4pm, do i give it now or double it "
               "tomorow?", audience="family")
    assert b.summary_text.startswith("Give it now, as soon as you remember") and "do not double" in b.summary_text
    # ... and a missed tacrolimus dose: within 6 hours give it, later skip it, never two together (NHS hospital leaflets)
    assert answer("we forgot to give tacrolimus last night", audience="family").summary_text.startswith(
        "Do not take two doses together")
    assert answer("forgot the evening ciclosporin dose", audience="family").summary_text.startswith("Ask the kidney team")
    # blood only on the dipstick is not an emergency; visible blood still is
    c = answer("todays dipstick says trace for protein but its also showing blood (the middle square went green). is "
               "trace a relapse? and why is there blood in her wee", audience="family")
    assert c.summary_text.startswith("Is trace a relapse? No.") and "urgently" not in c.summary_text
    d = answer("she is relapsing and her wee is red and she has back pain", audience="family")
    assert d.summary_text.startswith("Get your child seen urgently today")
    # special diets, pets: honest gaps, said first
    e = answer("A mum in a facebook group says going gluten free and dairy free stopped her son relapsing. Our daughter "
               "relapses every few months. Is there any evidence for this diet, and should we try it?", audience="family")
    assert e.summary_text.startswith("nephroguide's sources do not study gluten-free or dairy-free diets")
    f = answer("we have 2 cats and some chickens in the garden. my son is on tacrolimus and mmf now - do we need to "
               "rehome them or stop him cleaning the litter tray and collecting eggs?", audience="family")
    assert f.summary_text.startswith("nephroguide's sources do not cover pets, farm animals")
    # why the ward weighs and measures
    g = answer("Our 3 year old was admitted yesterday with her first episode, puffy eyes and tummy. The nurses weigh her "
               "every morning and measure everything she drinks and wees. Why do they do all that, and roughly how long "
               "will she have to stay in hospital?", audience="family")
    assert g.summary_text.startswith("To see how the swelling and the fluid in the body are changing")
    # a parent's anxiety: how other families cope is not answered with the siblings line
    h = answer("Since my son was diagnosed 8 months ago I can't switch off. I check his eyes for puffiness every time he "
               "walks in the room, I barely sleep, and I panic every morning before the dipstick. Is this normal for "
               "parents and how do other families cope?", audience="family")
    assert "brothers and sisters" not in h.summary_text
    # not-covered lines name the medicine and whom
    assert "statin" in answer("Should my 62 year old dad take a statin after his heart attack?",
                              audience="family").summary_text


def test_round_13_probe_fixes():
    # an ideal weight stated is the dosing weight
    a = answer("6yo 30 kg (ideal wt ~20 kg), first NS - pred dose on actual or ideal wt? how many mg/day?")
    assert a.summary_text.startswith("Dosed on 20 kg") and "Prednisolone 40 mg once daily" in a.summary_text
    # the school flu spray is live: not after rituximab; the vaccines' safety is not rituximab's infusion safety
    b = answer("She had rituximab in march. school is doing the flu spray next week and shes also due her teenage "
               "booster jabs. will they even work after rituximab and is it safe for her to have them?",
               audience="family")
    assert "nasal flu spray given at school, should not be given after rituximab" in b.summary_text
    assert "during the drip" not in b.summary_text
    # a spreading cold sore with a sore eye on MMF and prednisolone: a doctor today, not "not covered"
    c = answer("my son is on mmf and pred and has got a massive cold sore that is spreading across his lip and up "
               "towards his eye, he says the eye is sore. do i just use zovirax cream from the chemist?",
               audience="family")
    assert c.scope != "not_covered" and c.summary_text.startswith("See a doctor today")
    # a limp on long-term steroids is not "growing pains"
    d = answer("im 13 and been on steroids loads of times since i was little. my right hip has been hurting for a few "
               "weeks and now im limping, my PE teacher says its growing pains. is it?", audience="family")
    assert d.summary_text.startswith("Do not put a limp or lasting hip pain down to growing pains")
    # teeth out under anaesthetic on alternate-day prednisolone: steroid cover, not the FRNS medicines
    e = answer("Our daughter (7) has frequently relapsing NS and has had lots of steroid courses, she's now on alternate "
               "day pred. The dentist says she needs 3 teeth out under a general anaesthetic next month. Is there "
               "anything special she needs because of the steroids, and what should we tell the dentist and the "
               "anaesthetist?", audience="family")
    assert "Steroid cover" in e.summary_text and "steroid-sparing" not in e.summary_text
    # prednisolone timing: morning (NHS), not "no time is given"
    f = answer("can we give his pred at bedtime instead of in the morning? mornings are chaos and he spits it out "
               "half the time. and does it have to be with food", audience="family")
    assert f.summary_text.startswith("Morning is best if you can")
    # skin cancer on tacrolimus is the sun answer, not school
    g = answer("Im 15 and on tacrolimus. my mate said it gives you skin cancer?? is that true. im going to greece with "
               "school in june", audience="family")
    assert "skin cancer" in g.summary_text and "toilet" not in g.summary_text
    # day 28, UPCR still in the partial range: the confirmation period, not straight to the CNI pulses only
    h = answer("d28 of initial pred, 22 kg, UPCR still 180 mg/mmol, alb 24 - call it SRNS now or extend? if IV "
               "methylpred pulses, what dose?")
    assert "A confirmation period to week 6 when it is partial remission" in h.summary_text


def test_round_12_and_13_clinician_fixes():
    # a COQ8B result: stop immunosuppression first, then CoQ10 with its missing dose
    a = answer("SRNS, genetics back: biallelic COQ8B variants - what does that change? CoQ10 dose?")
    assert a.summary_text.startswith("Usually stop (or do not start) immunosuppression")
    assert "CoQ10 dose?" in a.summary_text
    # the initial investigations are answered, never "not answered" beside a list of them
    b = answer("A 3-year-old presents with puffy eyes, 4+ proteinuria on dipstick and serum albumin 15 g/L. What "
               "initial investigations should be done?", audience="student")
    assert "Not answered here" not in b.summary_text and "UPCR" in b.summary_text
    # daily low-dose maintenance is an option, with its limits
    c = answer("daily low dose prednisolone instead of alternate day maintenance")
    assert "0.25 mg/kg" in c.summary_text and "maximum 10" in c.summary_text


def test_thirsty_and_weeing_a_lot_is_not_the_little_urine_emergency():
    a = answer("my daughter is 5 and on prednisolone, she has been weeing a lot and is always thirsty, is that the "
               "steroids or something else?", audience="family")
    assert a.summary_text.startswith("It could be high blood sugar") and "tell the kidney team today" in a.summary_text
    assert answer("she has hardly weed today and is dizzy", audience="family").summary_text.startswith("Go to hospital now")


def test_round_14_probe_fixes():
    # "did the jabs cause it? should she skip her next ones?" is never opened by a bare "Yes."
    a = answer("She had her preschool booster jabs 10 days ago and now she has relapsed. Did the jabs cause it? "
               "Should she skip her next ones?", audience="family")
    assert a.summary_text.startswith("No, that is unlikely, and do not skip the next ones")
    # therapeutic troughs and a UPCR of 350: CNI resistance, never a trough of 350 to lower the dose for
    b = answer("SRNS, 6 months of tacrolimus at therapeutic troughs, still UPCR 350 with no partial remission - what now?")
    assert b.intent == "cni_resistant_next_step" and b.summary_text.startswith("A clinical trial first")
    assert "Reduce the dose" not in b.summary_text
    # "start a statin?" is not answered "No statin or dose is recommended"
    c = answer("14yo SRNS, LDL persistently 5 mmol/L despite diet - start a statin?")
    assert c.summary_text.startswith("Consider one only for persistent hyperlipidaemia in older children with SRNS")
    # "what is a steroid card and does my son need to carry one?": the Yes answers the second half
    d = answer("What is a steroid card and does my son need to carry one? also can we get any money help, im having "
               "to take loads of time off work for all his hospital visits", audience="family")
    assert d.summary_text.startswith("Yes. A steroid card tells other doctors") and "Disability Living Allowance" in d.summary_text
    # ... but "what are the risks and will he need it again?" still gets no bare Yes
    e = answer("My son is 12 and has had 5 relapses, doctor wants to give rituximab. what are the risks and will he "
               "need it again", audience="family")
    assert not e.summary_text.lower().startswith("mostly yes")
    # a teacher making the child wait for the toilet: No, with the bed-wetting question answered too
    f = answer("2 questions - my 6yo started wetting the bed again since the steroids started, is that the medicine? "
               "and his teacher keeps making him wait to go to the toilet in class, is that ok?", audience="family")
    assert "bed-wetting" in f.summary_text and "Is that ok? No. A child with nephrotic syndrome should be able to go " \
        "to the toilet" in f.summary_text
    # fever and a purple rash on levamisole: stop it and be seen today
    g = answer("My daughter started levamisole 2 months ago. For the last 2 days she has had a fever and a blotchy "
               "purple-ish rash on her legs. Is this the levamisole? Should I keep giving it?", audience="family")
    assert g.summary_text.startswith("It could be, so do not give any more levamisole and get her seen by a doctor today")
    # low thyroid hormone and low vitamin D: both mechanisms in the first line
    h = answer("Why do children with nephrotic syndrome develop low thyroid hormone levels and low vitamin D?",
               audience="student")
    assert "thyroxine-binding globulin" in h.summary_text and "vitamin D-binding protein" in h.summary_text
    # "pred + tacrolimus": both medicines are the child's
    from nephroguide.answer.understand import understand
    assert dict(understand("Nephrotic 5yo on pred + tacrolimus, measles case in his class").patient_drugs) == \
        {"prednisolone": True, "tacrolimus": True}
    # "is it ok for him to go back to nursery?" is a question of its own, answered beside sport and swimming
    i = answer("can he still do football and swimming? and is it ok for him to go back to nursery?", audience="family")
    assert "go to school as normal" in i.summary_text and "Swimming is normal activity" in i.summary_text
    # cholesterol in relapse: neither diet nor tablets
    j = answer("the hospital said his cholesterol is really high (hes 5 and in relapse). does he need a low fat diet "
               "or tablets for it? will it damage his heart?", audience="family")
    assert j.summary_text.startswith("Usually neither")


def test_round_15_probe_fixes():
    # "can it wait till clinic on thursday?" beside "see a doctor urgently, today" is answered No, never "not answered"
    a = answer("my daughters legs are super swollen from her relapse and theres now a red hot patch on her shin that "
               "hurts when i touch it, temp 38. can it wait till clinic on thursday?", audience="family")
    # (since round 16 a red, hot patch with a fever leads with its own answer, which opens with the same No)
    assert a.summary_text.startswith("No, do not wait: go to hospital now") or \
        "Can it wait till clinic on thursday? No, do not wait." in a.summary_text
    assert "not answered here" not in a.summary_text
    # "... treat the CMV and skip genetic testing?" is answered the other way round: No, do not skip it
    b = answer("3-week-old with congenital NS, urine CMV PCR positive - treat with ganciclovir and skip genetic testing?")
    assert b.summary_text.startswith("No, do not skip it")
    assert answer("CMV-positive infant with nephrotic syndrome, still need genetic testing?").summary_text.startswith("Yes")
    # complete remission in the confirmation period: steroid-sensitive, a late responder, not the SRNS article
    c = answer("d33 of pred, was only partial at week 4, now dipstick neg x3 days - SSNS or SRNS? what do I call this?")
    assert c.summary_text.startswith("Steroid-sensitive, a late responder")
    # weighing as well as the dipstick: Yes, and the weight threshold is named as not in the sources
    d = answer("Do I need to weigh her every morning as well as doing the dipstick? And how much weight gain should make "
               "me worried?", audience="family")
    assert d.summary_text.startswith("Yes.") and d.scope == "partly_covered"
    # low IgG after rituximab: what it means and whether a drip is needed, not "is rituximab dangerous?"
    e = answer("the doctor said her antibody levels (IgG) are low since she had rituximab. what does that mean, is she "
               "in danger, and will she need a drip of antibodies?", audience="family")
    assert e.summary_text.startswith("No, usually not. Rituximab often lowers the antibodies (IgG)")
    # the chance of relapse after a first episode, and whether anything prevents it
    f = answer("Our daughter is 5 and she has just gone into remission from her very first episode (4 weeks of "
               "prednisolone). Everyone in the family keeps asking me if it will come back and I honestly don't know "
               "what to tell them. What are the chances she relapses, and is there anything we can do to stop it "
               "happening?", audience="family")
    assert "7 or 8 in every 10" in f.summary_text and "Is there anything we can do to stop it happening? Not for " \
        "certain" in f.summary_text and "adrenal" not in f.summary_text
    # aciclovir route and dose: named as not in the sources, never prednisolone's dose
    g = answer("Child on daily pred 60 mg/m2 for relapse developed chickenpox vesicles this morning - aciclovir? oral or "
               "IV, what dose?")
    assert g.summary_text.startswith("Give aciclovir now") and "Prednisolone for a relapse" not in g.summary_text
    assert g.scope == "partly_covered"
    # "what is the chance the next one has it too?" opens with the chance
    h = answer("Our son (2) has the genetic kind of nephrotic syndrome (NPHS2), and tests showed we both carry it. "
               "We'd like another baby. What is the chance the next one has it too, and can it be tested for in "
               "pregnancy?", audience="family")
    assert h.summary_text.startswith("A 1 in 4 chance for each child") and "AFP" not in h.summary_text


def test_round_16_probe_fixes():
    # a red, hot patch of skin with a fever: hospital now, never the relapse answer's "Not tonight if your child is well"
    a = answer("my son (6) is really puffy at the moment with a relapse and theres a red hot swollen patch on his shin "
               "thats got bigger since this morning, and now hes got a temperature of 38.4. can it wait for the gp on "
               "monday?", audience="family")
    assert a.summary_text.startswith("No, do not wait: go to hospital now") and "Not tonight" not in a.summary_text
    # ... and without a fever, the red-skin answer (see a doctor today), not the fever one
    assert "See a doctor urgently, today" in answer("his swollen leg has a red hot patch, no fever, what should we do",
                                                    audience="family").summary_text
    # sudden chest pain on breathing with grey lips: an ambulance, a clot in the lungs named
    b = answer("My daughter is 12 and relapsed last week, she is very swollen. In the last hour she has suddenly got a "
               "sharp pain in her chest when she breathes in, she is breathless and her lips look a bit grey. What "
               "should I do?", audience="family")
    assert b.summary_text.startswith("Call an ambulance") and "clot in the lungs" in b.summary_text
    # a change of tacrolimus brand: not without the team (MHRA), and the breakfast question answered as asked
    c = answer("The pharmacy gave us a different make of tacrolimus this month (Adoport instead of Prograf, the capsules "
               "look different). Is that ok to just carry on with? Also does it matter if she has it with her breakfast "
               "or not?", audience="family")
    assert c.summary_text.startswith("Not without checking") and "do not miss any doses" in c.summary_text
    assert "always with breakfast or always without" in c.summary_text and "mhra_tacrolimus_brand" in c.markdown
    # congenital NS: steroids answered No first, and why daily albumin and a central line
    d = answer("Our baby girl is 5 weeks old and has just been diagnosed with congenital nephrotic syndrome. My nephew "
               "had nephrotic syndrome and got better with steroids. Will steroids work for her too? The doctors keep "
               "talking about albumin infusions every day and a central line and we don't understand why.",
               audience="family")
    assert d.summary_text.startswith("No.") and "leak a lot of albumin" in d.summary_text
    # how a biopsy is done and whether she is asleep: the procedure, from the leaflets (was "not described")
    e = answer("The doctors want to do a kidney biopsy on my 10 year old because the steroids haven't worked. How is it "
               "done, will she be asleep, and what are the risks?", audience="family")
    assert "general anaesthetic" in e.summary_text and "bleeding" in e.summary_text and "Somewhat" not in e.markdown
    # a teenager reading about themself: the verbs of a list follow "you"
    f = answer("im 15 and on tacrolimus, can i take ibuprofen for my period pains? paracetamol doesnt really touch it",
               audience="family")
    assert "being sick or have diarrhoea, or take tacrolimus" in f.summary_text
    # secondary steroid resistance: the SRNS article, and "what treatment?" is never the first-episode prednisolone
    g = answer("7yo previously steroid-sensitive (3 prior relapses, all remitted within 2 wks), current relapse still "
               "UPCR 400 mg/mmol after 4 wks daily pred 60 mg/m2. Secondary steroid resistance? biopsy, genetics, what "
               "treatment?")
    assert g.intent == "srns_next_step" and "calcineurin inhibitor" in g.summary_text
    assert "first treatment for every episode" not in g.summary_text
    # ... while a blood pressure on day 2 of a first episode stays a blood-pressure question
    assert answer("BP 126/84 in a 5yo on day 2 of first-episode NS. treat?").summary_text.startswith("Only if it stays high")
    # diabetes on tacrolimus, asked how to manage it: switch, not "It can:"
    h = answer("11yo FRNS started tacrolimus 4 months ago, trough 6 ng/mL, now fasting glucose 9.8 mmol/L and HbA1c 52 "
               "mmol/mol, also on alt-day pred 0.3 mg/kg. How should I manage this?")
    assert h.summary_text.startswith("Usually switch away from tacrolimus")
    # CSVT suspected: venous imaging and 3-6 months of anticoagulation (EPNS/SFNP 2012); imaging modality a named gap
    i = answer("6yo in relapse, alb 14, 2 days headache and vomiting, now drowsy, no fever - CSVT? what imaging and how "
               "to anticoagulate?")
    assert "3-6 months" in i.summary_text and "no agent, dose or duration" not in i.summary_text
    assert i.scope == "partly_covered"
    # levamisole after 18 months: the stop answer leads; whether to taper is said to be in no source
    j = answer("FRNS 5yo on levamisole 2.5 mg/kg alt days, no relapses for 18 months - when (and how) do I stop it?")
    assert j.summary_text.startswith("It can be stopped after at least 12 months") and "taper" in j.summary_text
    # varicella on prednisolone: what to do with the pred is answered (never stop it abruptly)
    k = answer("5yo in relapse on pred 60 mg/m2 daily, chickenpox vesicles appeared this morning, afebrile and well. "
               "oral or IV aciclovir? and what do I do with the pred?")
    assert "Do not stop the prednisolone abruptly" in k.summary_text
    # a student's mechanism question gets a mechanism; the ages compared with the causes of congenital NS
    m = answer("Explain the mechanisms of hyperlipidaemia in nephrotic syndrome.", audience="student")
    assert "lipoprotein lipase" in m.summary_text and "PCSK9" in m.summary_text
    n = answer("What are the differences between congenital, infantile and childhood nephrotic syndrome, and what are "
               "the main causes of congenital nephrotic syndrome?", audience="student")
    assert n.summary_text.startswith("By age at onset") and "NPHS1" in n.summary_text
    # CNI biopsy at 2.5 years asked yes/no: Yes first; asked when: the interval
    o = answer("SDNS 9yo on ciclosporin for 2.5 yrs, in remission, creat normal - do I need a biopsy to look for CNI "
               "toxicity?")
    assert o.summary_text.startswith("Yes, consider it now")
    assert answer("when is a biopsy needed on a calcineurin inhibitor").summary_text.startswith("After 2-3 years")
    # yellow fever and malaria tablets together: each answered
    p = answer("We're going to visit family in Nigeria in August with our son (9) who is on tacrolimus and a low dose of "
               "prednisolone. The travel clinic says he needs a yellow fever jab and malaria tablets. Are these safe "
               "with his medicines?", audience="family")
    assert p.summary_text.startswith("Not the yellow fever jab") and "Malaria tablets: yes" in p.summary_text


def test_round_17_probe_fixes():
    # a CNI asked about with an eGFR below 30: withheld (IPNA 2020), never "as soon as SRNS is confirmed"
    a = answer("11yo SRNS, FSGS on biopsy, genetics pending. Creat 190 umol/L (eGFR ~25), BP 138/92 on amlodipine 5 mg, "
               "UPCR 600 mg/mmol. Should I still start tacrolimus?")
    assert a.summary_text.startswith("Usually not: IPNA 2020 withholds CNIs when eGFR is below 30")
    # breathless with crackles during an albumin infusion: stop it (was the definition of hypoalbuminaemia)
    b = answer("Nurse here - 5yo with albumin 11 g/L, halfway through 20% albumin 1 g/kg over 4 hrs, now breathless, RR "
               "45, crackles at both bases, sats 91% in air. What do I do?")
    assert b.summary_text.startswith("Stop the albumin infusion now") and "pulmonary oedema" in b.summary_text
    # fever with neutrophils 0.2 after rituximab: named and managed as febrile neutropenia; "what is this?" not a
    # second, general fever answer
    c = answer("7yo SDNS, rituximab 375 mg/m2 x2 four months ago, in remission off pred. Now fever 39.2, looks unwell, "
               "neutrophils 0.2 x10^9/L, CD19 <1%. What is this and how do I manage it?")
    assert c.summary_text.startswith("This is late-onset neutropenia after rituximab")
    assert "Seek advice immediately" not in c.summary_text
    # an ACE inhibitor for high BP on day 3 of a first episode: not yet
    d = answer("4yo first presentation NS, day 3 of pred 60 mg/m2, oedematous, creat normal, BP 120/82 on repeated "
               "readings (>95th centile). Should I start an ACE inhibitor?")
    assert d.summary_text.startswith("Not yet")
    # a response read from the story never overrides the course named: SRNS in remission on tac is not SSNS
    e = answer("9yo SRNS in complete remission on tac for 18 months, pred already stopped, creat drifting 45 -> 62 "
               "umol/L with trough 5 - how long do I keep the tac going, and can I switch to MMF?")
    assert "steroid_sensitive" not in e.context["stage"]
    assert "Can I switch to MMF? Mainly to maintain a remission" in e.summary_text
    assert "mycophenolate sodium" not in e.summary_text
    # relapses each time CD19 recovers after rituximab: the curated answer leads the FRNS/SDNS article
    f = answer("SDNS 10yo, 3 courses of rituximab so far, relapses every time CD19 comes back (~6 months). What next?")
    assert f.summary_text.startswith("Treat the relapse with prednisolone, then consider another rituximab course")
    # a student's list of steroid-sparing agents with their adverse effects
    g = answer("List the steroid-sparing agents used for frequently relapsing or steroid-dependent nephrotic syndrome in "
               "children, with the main adverse effects of each.", audience="student")
    assert all(w in g.summary_text for w in ("Levamisole", "mycophenolate", "cyclophosphamide", "calcineurin", "rituximab"))
    # the filtration barrier's structure is a named gap; the podocyte mechanism is answered
    h = answer("Describe the structure of the glomerular filtration barrier and explain how podocyte injury leads to "
               "proteinuria in nephrotic syndrome.", audience="student")
    assert h.summary_text.startswith("Injury to the podocytes") and h.scope == "partly_covered"
    # family: out of prednisolone over a bank holiday - no missed doses (was the first-episode dose)
    i = answer("its bank holiday monday and we've only got tomorrows dose of prednisolone left, the chemist is shut and "
               "the prescription wont be ready till wednesday. hes 9 and been on it for months (alternate days). can we "
               "just miss a couple of days?", audience="family")
    assert i.summary_text.startswith("No, do not miss doses") and "60 mg/m2" not in i.summary_text
    # LoSalt on enalapril: potassium (the maker's advice), not the general salt answer
    j = answer("trying to cut salt for my son, can we use LoSalt instead of normal salt? hes 7 and on enalapril",
               audience="family")
    assert j.summary_text.startswith("No, not unless the kidney team says so") and "potassium" in j.summary_text
    assert "losalt_advice" in j.markdown
    # a dipstick during a period
    k = answer("im 14 (girl) and i do my own dipstick every morning. i started my period yesterday and today it says 2+ "
               "protein and loads of blood. am i relapsing or is it because of my period?? should i still test when im "
               "on", audience="family")
    assert k.summary_text.startswith("Possibly it is the period")
    # a new baby's rotavirus vaccine with a brother on tacrolimus: yes (was "live vaccines are not given")
    m = answer("I'm due to have a baby in March. Our son (6) is on tacrolimus and a low dose of prednisolone. The health "
               "visitor mentioned the baby will have the rotavirus vaccine, which is live. Is it safe for the baby to "
               "have it with my son in the house, and should the baby have all the normal jabs?", audience="family")
    assert "Yes. The new baby should have all the normal vaccines, including the rotavirus vaccine" in m.summary_text
    # shingles contact: catching, call today, VZIG within 10 days (was "Usually, but not always")
    n = answer("Grandad has just been diagnosed with shingles and is meant to be staying with us over Christmas. Our 5 "
               "year old is on daily prednisolone for a relapse and has never had chickenpox. Does he need to cancel or "
               "is shingles not catching? He had a big hug with him 2 days ago before we knew", audience="family")
    assert n.summary_text.startswith("Shingles is catching") and "10 days" in n.summary_text
    # hay fever medicines on tacrolimus and MMF: the gap named, checked with the pharmacist
    o = answer("my daughter (8) gets awful hay fever every summer. she's on tacrolimus and mmf. can she take cetirizine or "
               "piriton and use a steroid nose spray? also does hay fever set off relapses, her last 2 were in june",
               audience="family")
    assert o.summary_text.startswith("Ask the pharmacist or kidney team") and o.scope == "partly_covered"
    # a residential trip: "is it safe for her to go?" is the trip's own question, not tacrolimus's side effects
    p = answer("Our daughter is 11 and has steroid sensitive NS, at the moment she's on prednisolone every other day plus "
               "tacrolimus twice a day. Her school has a 3 night residential trip to an outdoor centre in May (canoeing, "
               "climbing etc) and she is desperate to go. Is it safe for her to go, and what do the teachers need to know "
               "or do while she's away? We normally do her dipstick every morning", audience="family")
    assert p.summary_text.startswith("Yes, usually") and "shaky hands" not in p.summary_text
    # prednisolone at teatime and sleep: morning is best
    r = answer("My son is 15 and relapsed 2 weeks before his GCSEs start. He's back on 60mg prednisolone a day, he's up "
               "till 3am every night, can't concentrate and keeps snapping at everyone. He takes it at teatime because he "
               "forgets in the morning. Could the timing be making the sleep worse, and is there anything the school can "
               "do for his exams?", audience="family")
    # (its first question, the timing, answered first: "can't concentrate" tells, it does not ask)
    assert r.summary_text.startswith("Morning is best")


def test_round_18_probe_fixes():
    # thoughts of not wanting to be alive on prednisolone: help today first; "who do I call?" is the lead's own
    a = answer("My daughter is 13 and relapsed 3 weeks ago, she's back on 60mg prednisolone a day. She has always been a "
               "happy kid but this week she's been crying in her room for hours and last night she told me she wishes "
               "she wasn't alive and everyone would be better off without her. She has never said anything like this "
               "before. Is this the steroids? Should I stop them or lower the dose myself, and who do I call?",
               audience="family")
    assert a.summary_text.startswith("Get help today") and "999" in a.summary_text
    assert "A relapse is 3+" not in a.summary_text
    # "runny poos" on tacrolimus is diarrhoea, and "does the tacro still work?" asks about the story
    b = answer("son on tacrolimus 2x a day, had runny poos since sat about 5 or 6 times a day, still drinking ok. does the "
               "tacro still work or do i need to do anything", audience="family")
    assert b.summary_text.startswith("Tell the kidney team: diarrhoea can make the tacrolimus level")
    # pregnant on tacrolimus: do not stop, call today; the CNI in pregnancy is a named gap
    c = answer("im 17 and ive just found out im pregnant (about 6 weeks). im on tacrolimus and pred every other day for "
               "my nephrotic. should i stop taking my tablets straight away incase they hurt the baby? and will the baby "
               "get nephrotic too", audience="family")
    assert c.summary_text.startswith("No, do not stop your tablets") and c.scope == "partly_covered"
    # "one from me and one from my husband" is a parent, not an adult patient
    d = answer("Our first son was born with congenital nephrotic syndrome (Finnish type, they found two changes in the "
               "NPHS1 gene, one from me and one from my husband). What are the chances it happens again, and can they "
               "test the baby early in the pregnancy?", audience="family")
    assert d.summary_text.startswith("A 1 in 4 chance") and "adults" not in d.markdown.split("## ")[0]
    # "is a relapse starting?" states no relapse: a single 1+ is not one
    e = answer("she played a football match yesterday and this morning the dipstick was 1+ protein. been negative for "
               "months. is a relapse starting?", audience="family")
    assert e.summary_text.startswith("No, not yet") and "in_relapse" not in e.context["stage"]
    # urine infection signs on prednisolone: today, hospital if fever; never the relapse answer
    f = answer("My 7 yo is on prednisolone every day for a relapse. Tonight she says it stings when she wees and she keeps "
               "running to the toilet, no temperature though. Our dipsticks have extra squares and the nitrite one has "
               "gone pink and the leukocyte one purple. Is this a urine infection and can it wait until the GP tomorrow?",
               audience="family")
    assert f.summary_text.startswith("Possibly") and "Not tonight" not in f.summary_text
    # off prednisolone for 3 months: not "taking" it; "75 pounds a dose" is money, not a weight
    g = answer("Our son is 5, steroid sensitive, been completely off prednisolone for 3 months and in remission. He has "
               "never had chickenpox and his blood test showed he is not immune. The chickenpox vaccine isnt on the NHS "
               "schedule and a private clinic charges about 75 pounds a dose. Is it worth paying for, is it safe for him "
               "now, and does he need 2 doses?", audience="family")
    assert "not while the prednisolone dose is high" not in g.summary_text and "Yes, at the right time" in g.summary_text
    assert g.context["patient"].get("weight_kg") is None
    # clinician: rituximab infusion reaction with a tight throat - stop it (label)
    h = answer("Nurse on day unit - 9yo girl (28 kg) having her first rituximab infusion (375 mg/m2) for SDNS, "
               "premedicated with paracetamol, chlorphenamine and hydrocortisone. 40 min in she has an itchy urticarial "
               "rash, says her throat feels tight and is coughing, HR 130, BP 110/70, sats 96%. What do I do, and can the "
               "infusion be restarted?")
    assert h.summary_text.startswith("Stop the infusion now") and "rituxan_label_admin" in h.markdown
    # co-trimoxazole after rituximab: the dose and duration are a named gap, never rituximab's dose
    i = answer("pharmacist - child with SDNS had rituximab today, no PJP prophylaxis on the discharge script. Does he need "
               "co-trimoxazole? dose and for how long?")
    assert i.summary_text.startswith("Often yes") and "375 mg/m2" not in i.summary_text
    # routine PPI with prednisolone: no
    assert answer("starting pred 60 mg/m2 for a first NS episode - do I need to add omeprazole (or another PPI) "
                  "routinely?").summary_text.startswith("No, not routinely")
    # cataracts in FRNS: yes, a steroid-sparing agent (the curated answer leads the article)
    j = answer("9yo FRNS, ~3 yrs of intermittent pred courses, now on alt-day maintenance. Routine optometry check found "
               "bilateral posterior subcapsular cataracts, vision OK. Does this change my management?")
    assert j.summary_text.startswith("Yes: cataract")
    # a second diuretic for refractory oedema: spironolactone, potassium watched beside an ACE inhibitor
    k = answer("SRNS 10yo 32 kg, alb 16, still gross oedema + ascites on oral furosemide 2 mg/kg bd and enalapril, BP "
               "105/65, creat normal, well perfused. Add a second diuretic? which one and what do I monitor?")
    assert "spironolactone" in k.summary_text.split(".")[0] and "potassium" in k.summary_text
    # students' lists: secondary causes; AKI causes and mechanisms
    m = answer("List the causes of secondary nephrotic syndrome in children.", audience="student")
    assert m.summary_text.startswith("Infections (hepatitis B")
    assert answer("new nephrotic, 7yo from sub-Saharan Africa - which infections / secondary causes to screen before "
                  "pred?").direct_answer != "answer.causes.secondary_list"
    n = answer("List the causes and mechanisms of acute kidney injury in a child with nephrotic syndrome.",
               audience="student")
    assert n.summary_text.startswith("Volume depletion")


def test_round_19_probe_fixes():
    # "put on nearly 10kg" is a change of weight, never the child's weight (was "40 mg is more than the usual dose for
    # a child of 10 kg")
    a = answer("im 15 and ive put on nearly 10kg since i relapsed, im on 40mg pred a day. can i go on a diet and skip "
               "breakfast to lose it? and is it ok to go to the gym", audience="family")
    assert "10 kg" not in a.summary_text and a.summary_text.startswith("Not a strict diet")
    assert a.context["patient"].get("weight_kg") is None
    # a random afternoon UPCR of 150 in remission: not a relapse, no prednisolone - and no second line saying Yes
    b = answer("GP here. 7yo with steroid-sensitive NS, in remission, home dipsticks all negative, but the random "
               "afternoon urine I sent at his review came back UPCR 150 mg/mmol. Is this a relapse and do I restart "
               "prednisolone?")
    assert b.summary_text.startswith("No, not on this result, and do not restart prednisolone")
    assert "Yes, if the team has given a written plan" not in b.markdown
    # COVID vaccine on mycophenolate: yes (was mycophenolate's dose)
    c = answer("My son is 10 and on mycophenolate and a small dose of prednisolone every other day. We've had a letter "
               "offering him the covid vaccine because he's immunosuppressed. I read on a Facebook group that the vaccine "
               "can set off a relapse. Should he have it, and will it even work while he's on mycophenolate?",
               audience="family")
    assert c.summary_text.startswith("Yes. The COVID-19 vaccine") and "1200 mg/m2" not in c.summary_text
    # off-day symptoms on alternate-day prednisolone: no extra doses at home; hospital if sick or drowsy
    d = answer("we went down to alternate days on monday and on the no-steroid days hes exhausted, crying at everything, "
               "says his legs ache and has headaches. is this withdrawal? should i just give him a bit of pred on those "
               "days to help", audience="family")
    assert d.summary_text.startswith("Do not give extra prednisolone on the off days")
    # stopping a first course early once the urine is clear: no
    assert answer("My daughter is 5, first time with nephrotic syndrome. The protein went negative after 6 days and she's "
                  "been clear for 2 weeks, but the prednisolone is making her miserable (she's on day 21). The plan says 8 "
                  "weeks in total. If it's already gone can we stop now?",
                  audience="family").summary_text.startswith("No, not early")
    # "how long does he have to take it?" after penicillin is the penicillin, never prednisolone's course
    e = answer("Our son is 3 and was diagnosed on Monday. The consultant said it is almost certainly minimal change but "
               "they didn't do a biopsy - how can they know without looking at the kidney? They also sent us home with "
               "penicillin twice a day, why does he need an antibiotic when he hasn't got an infection, and how long does "
               "he have to take it?", audience="family")
    assert "8 or 12 weeks in all" not in e.summary_text and "prevent a serious infection" in e.summary_text
    # fluid leaking through swollen skin: today, infection risk (was the one-leg clot answer)
    f = answer("his legs and feet are so swollen the skin is tight and shiny and now clear water is leaking out of a little "
               "crack by his ankle. what do i do, is this dangerous? hes 4 and relapsed last week", audience="family")
    assert f.summary_text.startswith("Call the kidney team or the ward today") and "clot" not in f.summary_text
    # explaining the illness to a 5-year-old who asked if he would die
    g = answer("My 5 year old keeps asking why he has to take the horrible medicine and why his face has gone fat, and "
               "yesterday he asked if he was going to die. How do I explain nephrotic syndrome to him in a way he'll "
               "understand? Are there any books or support for kids his age?", audience="family")
    assert g.summary_text.startswith("You can honestly reassure your child") and g.scope == "partly_covered"
    # clinician: partial remission on tacrolimus at 6 months - continue (the steroid answer is for steroid questions)
    h = answer("SRNS 9yo on tacrolimus 6 months, troughs 5-7, now partial remission - UPCR 90 mg/mmol, alb 30, creat "
               "stable. Continue tac? for how long, and anything to add?")
    assert h.summary_text.startswith("Yes, continue")
    # reviews off all treatment: no routine bloods (was the CNI schedule with trough levels)
    i = answer("nurse-led clinic - SSNS 6yo, off all treatment and relapse-free for 9 months. what do we check at each "
               "review, how often, and are any routine bloods needed?")
    assert i.summary_text.startswith("No routine blood tests") and "trough" not in i.summary_text
    # stopping MMF after 2 years: after at least 12 months; taper and relapse risk a named gap
    j = answer("pharmacist - FRNS 8yo on MMF 600 mg/m2 bd for 2 years, off pred and relapse-free for 18 months. Can MMF "
               "be stopped now, taper or stop abruptly, and what is the relapse risk?")
    assert j.summary_text.startswith("It can be stopped after at least 12 months") and j.scope == "partly_covered"
    # a low total calcium with albumin 15: the albumin, judged by ionised calcium
    k = answer("A child with nephrotic syndrome has a total serum calcium of 1.9 mmol/L and serum albumin of 15 g/L. "
               "Explain this finding and how calcium status should be assessed.", audience="student")
    assert "ionised calcium" in k.summary_text and "Below 30 g/L" not in k.summary_text


def test_round_20_probe_fixes():
    # 3+ for two mornings with a cold, then clear: not a relapse
    a = answer("Hes had 3+ protein on the dipstick for 2 mornings with a cold but this morning its gone back to negative "
               "and we never started the steroids. Does that count as a relapse and do we need to tell the kidney team?",
               audience="family")
    assert a.summary_text.startswith("No, that is not a relapse")
    # alternate days means nothing on the days between; no wean at the end of a first course
    b = answer("discharge sheet says 40mg alternate days for 4 weeks then stop. does alternate mean he gets NOTHING on the "
               "other days?? seems weird. and is it really ok to just stop dead after that, my friend said you always "
               "have to wean steroids", audience="family")
    assert b.summary_text.startswith("Yes: the whole dose is given once every other day")
    # crushing tablets into yoghurt (Medicines for Children leaflet); a spat-out dose a named gap
    c = answer("My 3 year old point blank refuses her prednisolone, she gags on the liquid and we end up holding her down "
               "every morning, its awful for all of us. Can I crush the tablets and hide them in yoghurt or chocolate "
               "spread? And if she spits a bit out do I give more?", audience="family")
    assert c.summary_text.startswith("Yes, if they are ordinary tablets") and "enteric-coated" in c.summary_text
    # chickenpox spots on prednisolone: aciclovir (the infection), not VZIG (a contact)
    d = answer("my son is on pred 60mg for his relapse and hes woken up with chickenpox spots, hes not that poorly. is "
               "calpol and keeping him off school ok or does he need something", audience="family")
    assert "aciclovir" in d.summary_text and "within 10 days" not in d.summary_text
    # a teenager skipping tacrolimus: it matters (was the relapse treatment answer)
    e = answer("im 16 and tbh ive been skipping my tacrolimus a lot at weekends and when im at my mates, it makes my hands "
               "shake and i havent relapsed so does it even matter? if i tell my consultant will they tell my mum",
               audience="family")
    assert "It matters" in e.summary_text and "full dose of prednisolone" not in e.summary_text
    # SRNS partial remission with 2+ dipsticks: expected, not the steroid-sensitive relapse rule
    f = answer("My daughter (9) has steroid resistant NS (FSGS on biopsy, genetics negative). She has been on tacrolimus and "
               "enalapril for 5 months and the doctors are pleased because she is in \"partial remission\", her albumin is "
               "nearly normal and the swelling has gone. But her morning dipstick is still 2+ most days. I thought the goal "
               "was no protein at all. Should I be worried every time it is 2+, and is there any point dipsticking at "
               "home?", audience="family")
    assert f.summary_text.startswith("No, not by itself. Partial remission")
    # a congenital-NS baby's blood thinner: the congenital answer, not "not shown to help most children"
    g = answer("Our daughter is 10 weeks old and has congenital nephrotic syndrome (Finnish type, NPHS1). She has albumin "
               "through her central line most days and now the team have started thyroxine and a blood thinning "
               "injection as well. Her heel prick test was normal so why does she need thyroid medicine, and why the "
               "blood thinner? Will she need these forever?", audience="family")
    assert "Not usually" not in g.summary_text and "blood clots" in g.summary_text
    # clinician: an ARB added to a maximal ACE inhibitor - no (was the tacrolimus dose)
    h = answer("SRNS 12yo, partial remission on tac, UPCR still 150 mg/mmol on max-dose lisinopril - add losartan?")
    assert h.summary_text.startswith("No: IPNA 2020 advises against combining")
    # students: epidemiology (sex and ethnicity a named gap); the differential of oedema (non-renal causes a gap)
    i = answer("Describe the epidemiology of idiopathic nephrotic syndrome in children: annual incidence, typical age of "
               "onset, sex ratio and ethnic variation.", audience="student")
    assert i.summary_text.startswith("Incidence 1.15-16.9 per 100,000") and i.scope == "partly_covered"
    j = answer("What is the differential diagnosis of generalised oedema in a child, and how do you distinguish nephrotic "
               "syndrome from the other causes on history, examination and first-line tests?", audience="student")
    assert j.summary_text.startswith("The urine decides it") and "Treat the first episode" not in j.summary_text
    # the syndromic forms of genetic SRNS by name (WT1, LAMB2, CoQ10 pathway), marked not verified
    k = answer("Name the main syndromic forms of genetic steroid-resistant nephrotic syndrome, with the gene involved and "
               "the key extrarenal features of each.", audience="student")
    assert k.summary_text.startswith("WT1 syndromes (Denys-Drash and Frasier") and "Pierson" in k.summary_text
    # a CNI asked about while MMF is failing: the CNI's dose leads, never the MMF dose the child already takes
    m = answer("pharmacist - 13yo girl with SDNS, relapsing on MMF, team want to start a CNI. She is already very upset "
               "about her appearance - tacrolimus or ciclosporin? starting dose and target trough?")
    assert m.summary_text.startswith("Tacrolimus") and "Mycophenolate mofetil for FRNS/SDNS" not in m.summary_text


def test_round_21_probe_fixes():
    fam = "family"
    # the morning tacrolimus dose is a dose occasion, not a dose asked for: the trough answer, given after the bloods
    a = answer("tacrolimus level tomorow - give the morning dose before or after his bloods?", audience=fam)
    assert a.summary_text.startswith("Usually after the blood test") and a.intent != "dosing"
    # a fever on cyclophosphamide: tonight, with a blood count (never the first-episode "see a doctor today")
    b = answer("my son is 7 and on week 5 of his cyclophosphamide tablets for nephrotic. tonight hes got a temperature of "
               "38.3 and says his throat hurts but hes still playing. do we need to get him seen tonight or can it wait "
               "for the morning", audience=fam)
    assert b.summary_text.startswith("Do not wait for the morning") and "prednisolone is started" not in b.summary_text
    # leftover furosemide at home: No; a family declining albumin: most children never need it
    c = answer("we still have some furosemide left over from his last relapse. his legs and tummy are swelling up again "
               "tonight, can i give him a dose myself before we see the doctor?", audience=fam)
    assert c.summary_text.startswith("No, do not give leftover furosemide")
    d = answer("We are Jehovah's Witnesses. Our 4 year old was diagnosed with nephrotic syndrome yesterday and is very "
               "swollen, and the doctors want to give him an albumin drip. If we say no to it, is there another way they "
               "can treat his swelling?", audience=fam)
    assert d.summary_text.startswith("Often, yes") and "not answered here" not in d.summary_text
    # a cough on lisinopril is about lisinopril (a treatment word beside it no longer means a first episode)
    e = answer("dry tickly cough since starting lisinopril, is it the tablet?", audience=fam)
    assert e.summary_text.startswith("It may be") and e.topic == "adverse_effects"
    # what nephroguide has no source for is said first: mixing ciclosporin into milk; a tattoo on mycophenolate
    f = answer("can I mix my daughters ciclosporin liquid into her milk? she hates the taste", audience=fam)
    assert f.summary_text.startswith("Ask your pharmacist") and f.scope == "partly_covered"
    g = answer("im 16 and on mycophenolate, is it safe to get a small tattoo for my birthday or will it get infected",
               audience=fam)
    assert "do not cover tattoos" in g.summary_text and g.scope == "partly_covered"
    # a lone question far closer to one answer than any other, off the pathway the story names: that answer
    h = answer("neph fellow - 14yo boy FRNS, Tanner 4, failed levamisole, plan oral cyclophosphamide 2 mg/kg/d x 12 wk "
               "(cum 168 mg/kg). Is that gonadotoxic for a pubertal boy - should we offer sperm banking before starting?")
    assert h.summary_text.startswith("Possibly - discuss fertility before the course")
    # ... and on the step's own pathway: it leads the step's article
    i = answer("Our pharmacy says levamisole is out of stock and they cant get any more for about 2 weeks. My daughter "
               "is 6, frequently relapsing, and has been on it every other day since March with no relapses at all. Is it "
               "ok for her to just miss it for 2 weeks or does she need something else in the meantime?", audience=fam)
    assert i.summary_text.startswith("Do not just stop it without asking") and i.scope == "partly_covered"
    # ofatumumab after rituximab in SDNS: the RCT; anti-rituximab antibodies named as not covered
    j = answer("SDNS 10yo, 3rd rituximab course (375 mg/m2 x2), CD19 still 6% at 2 wks and relapsed at 6 wks - previous "
               "courses depleted fine. Anti-rituximab antibodies? is ofatumumab/obinutuzumab an option?")
    assert "not better than rituximab" in j.summary_text and "anti-rituximab antibodies" in j.scope_note
    # APOL1 is a risk gene: the monogenic-SRNS management answer is never given for it
    k = answer("SRNS 12yo of West African ancestry, FSGS on biopsy, NGS podocyte panel negative. Should I request APOL1 "
               "genotyping, and does a high-risk genotype change treatment or transplant planning?")
    assert "monogenic cause predicts no response" not in k.summary_text and k.scope == "partly_covered"
    # the evidence on an agent of the very stage named is not "another step"
    m = answer("Compare how effective cyclophosphamide is at maintaining remission in frequently relapsing versus "
               "steroid-dependent nephrotic syndrome.", audience="student")
    assert m.summary_text.startswith("Better in FRNS")
    n = answer("Explain the mechanism by which ACE inhibitors and angiotensin receptor blockers reduce proteinuria in "
               "steroid-resistant nephrotic syndrome.", audience="student")
    assert "efferent arteriole" in n.summary_text and not n.summary_text.startswith("Yes")


def test_round_22_probe_fixes():
    fam = "family"
    # Paxlovid with tacrolimus: the interaction first (red flag), never the steroid-sparing overview
    a = answer("My 14 year old tested positive for covid this morning, hes on tacrolimus and mycophenolate for steroid "
               "dependent nephrotic. The GP wants to prescribe Paxlovid because he is immunosuppressed. Is it safe to "
               "take with his tacrolimus?", audience=fam)
    assert a.summary_text.startswith("Not until you have spoken to the kidney team today")
    assert "paxlovid_label" in a.summary_refs
    # potassium 6.2 on enalapril: withhold it (red flag), never steroids with a CNI
    b = answer("GP here, shared care bloods - 8yo 25 kg SRNS on tacrolimus + enalapril 5 mg bd, K 6.2 mmol/L "
               "(non-haemolysed), creat unchanged, well. Stop the enalapril? what else do I do today?")
    assert b.summary_text.startswith("Withhold it") and b.scope == "partly_covered"
    assert answer("SRNS on enalapril, potassium 4.6, creat stable - any change?").summary_text != b.summary_text
    # an ARB in a teenager who could be pregnant
    c = answer("im 16 and on losartan for the protein in my wee. my nurse said i have to tell her straight away if i "
               "could be pregnant, why? does losartan hurt a baby", audience=fam)
    assert c.summary_text.startswith("Yes, it can") and c.scope == "covered"
    # MMF to mycophenolate sodium: the ratio and a worked example, not the MMF dose
    d = answer("pharmacist - 11yo FRNS on MMF 750 mg bd, still bad GI upset after splitting doses. Switching to "
               "enteric-coated mycophenolate sodium (Myfortic) - what is the equivalent dose?")
    assert d.summary_text.startswith("360 mg mycophenolate sodium for every 500 mg MMF") and "540 mg" in d.summary_text
    # a student's mechanism question gets the medicine, with the mechanism named as not covered (was the NS definition)
    e = answer("Explain the mechanism of action of mycophenolate mofetil and why it acts selectively on lymphocytes.",
               audience="student")
    assert "antimetabolite" in e.summary_text and e.scope == "partly_covered"
    # water does not wash the protein out; the extra tablets after the prednisolone ends
    f = answer("does drinking more water wash the protien out quicker", audience=fam)
    assert f.summary_text.startswith("No. The protein leaks")
    g = answer("hospital gave her omeprazole and calcium and vit D tablets with the pred. pred has finished now, does "
               "she keep taking the others?", audience=fam)
    assert g.summary_text.startswith("Check with the kidney team") and "steroid-sparing" not in g.summary_text
    # IV fluids in a vomiting nephrotic child: volume first; no source gives a rate
    h = answer("ward nurse - 4yo 16 kg in relapse, puffy with ascites, vomiting so can't take oral fluids. Dr has "
               "written 0.9% saline at full maintenance 52 ml/h. Is that right for a nephrotic child or should the rate "
               "be restricted?")
    assert "assess volume" in h.summary_text and h.scope == "partly_covered"


def test_round_23_probe_fixes():
    fam = "family"
    # one heterozygous VUS in a recessive gene is no monogenic diagnosis (was "immune medicines usually will not help")
    a = answer("We finally got the genetic results back for our son (6, steroid resistant). The letter says \"a "
               "heterozygous variant of uncertain significance in NPHS2 was identified\" and that they will discuss it "
               "at clinic in 2 months. Does this mean the test has found the cause of his nephrotic syndrome?",
               audience=fam)
    assert a.summary_text.startswith("No, not on its own") and "will not help" not in a.summary_text
    # a UPCR in the remission range; a dipstick chart in mg/dL
    b = answer("clinic letter says her UPCR was 18, is that good or bad?", audience=fam)
    assert b.summary_text.startswith("Good")
    assert not answer("clinic letter says her UPCR was 480, is that good or bad?", audience=fam).summary_text.startswith(
        "Good")
    c = answer("our new dipstiks dont have + signs on the tub, the chart just says neg, trace, 30, 100, 300, 2000 mg/dL. "
               "which number is the same as 3+ and counts towards a relapse??", audience=fam)
    assert c.summary_text.startswith("300 is the same as 3+")
    # creatinine rising on a CNI, told as numbers, with a dose question: the nephrotoxicity rule, not the starting dose
    d = answer("pharmacist - 7yo FRNS on ciclosporin 75 mg bd (C0 95 ng/mL), creat 38 -> 52 umol/L over 2 months, well, "
               "BP ok. Reduce the dose? what % creatinine rise is the cut-off")
    assert "30% above baseline" in d.summary_text.split(".")[0]
    # a father's blood-pressure cuff is no question about an adult
    e = answer("Our consultant wants us to check our son's blood pressure at home now he's on enalapril. Can we just use "
               "my husband's arm cuff machine from the chemist? He's 7 and quite small for his age.", audience=fam)
    assert e.scope == "partly_covered" and "only answers questions about nephrotic syndrome in children" not in \
        e.summary_text
    # SRNS in remission on a CNI: the prednisolone taper over about 6 months
    f = answer("SRNS 5yo on tac (troughs 5-8) + enalapril, complete remission since wk 8, still on pred 40 mg/m2 alt "
               "days. How fast do I taper and stop the pred now?")
    assert f.summary_text.startswith("Taper it to off over about 6 months")
    # "FRNS, SDNS or both?" is a choice, answered by the two definitions
    g = answer("A 6-year-old boy relapsed twice on steroids and 3 times in a year. Using KDIGO definitions, is this "
               "frequently relapsing, steroid-dependent, or both?", audience="student")
    assert "It can be both" in g.summary_text and not g.summary_text.startswith("No")


def test_round_24_probe_fixes():
    # a vomiting child on a relapse course asking for IV steroid never gets the SRNS methylprednisolone pulse
    a = answer("ED - 6yo 21 kg SSNS in relapse, day 4 of pred 50 mg od, vomiting since yesterday, no doses kept down, "
               "well hydrated. Switch to IV - methylpred or hydrocortisone, and what dose?")
    assert a.summary_text.startswith("Not the SRNS methylprednisolone pulse") and a.scope == "partly_covered"
    # ... while shock signs on long-term steroids stay the stress-dose emergency (the rule steps aside)
    b = answer("2am - SDNS kid on pred for >1 yr, now vomiting + diarrhoea, cool peripheries, BP low. Stress-dose "
               "steroids? IV hydrocortisone dose?")
    assert b.summary_text.startswith("Yes, give hydrocortisone now")
    # "Mg 0.52" on a CNI is magnesium, not milligrams: the magnesium answer leads (no threshold or dose in sources)
    c = answer("CNS - 7yo SDNS on tac 2 mg bd (trough 5.2), Mg 0.52 mmol/L, asymptomatic, creat stable. Supplement? "
               "oral Mg dose?")
    assert c.summary_text.startswith("No threshold or dose in the sources read: hypomagnesaemia")
    # the speed of remission, asked by a student
    d = answer("In steroid-sensitive nephrotic syndrome, what is the median time to remission on daily prednisolone, "
               "and by what point have nearly all eventual responders remitted?", audience="student")
    assert d.summary_text.startswith("85-90% reach complete remission within 4-6 weeks")


def test_round_24_remaining_fixes():
    # a supplement's dose is never the message's medicine's dose: "oral Mg dose?" beside tacrolimus, "if so what
    # dose?" after a calcium question beside prednisolone
    a = answer("CNS - 7yo SDNS on tac 2 mg bd (trough 5.2), Mg 0.52 mmol/L, asymptomatic, creat stable. Supplement? "
               "oral Mg dose?")
    assert "0.1-0.2 mg/kg/day" not in a.summary_text
    b = answer("pharmacist - first NS 5yo 18 kg starting pred 60 mg/m2 (45 mg) daily x4 wk then alt days x4 wk. "
               "Routine calcium + vit D alongside? if so what dose?")
    assert b.summary_text.startswith("Not routinely for a first course") and "prednisolone 36 mg" not in b.summary_text
    assert b.scope == "partly_covered"
    # a live vaccine due soon after a course: the non-live given, the live one deferred, the interval in the lead
    c = answer("practice nurse - 4yo SSNS finished 8 wk pred course 10 days ago (max 40 mg/day), due MMR2 + preschool "
               "booster today. Give both now or defer the MMR, and how long after stopping pred?")
    assert c.summary_text.startswith("Give the non-live vaccines now and defer the live one")
    assert "HPA" not in c.summary_text and "3-6 months" not in c.summary_text
    # a grandparent's own vaccine; hospital for every relapse; glucose on the strip on prednisolone
    d = answer("I've just had my shingles jab at the GP (the one you have 2 of). My granddaughter is 6 and on "
               "prednisolone every day for a relapse, and I pick her up from school. Is it safe for me to be around her "
               "or do I need to keep away for a while?", audience="family")
    assert d.summary_text.startswith("You can be around your grandchild")
    e = answer("every time he relapses does he have to go back into hospital? last time we were in for 5 days and his "
               "little sister was really upset. hes 6 and its his 2nd relapse, dipstick 3+ three days running but he "
               "looks ok", audience="family")
    assert e.summary_text.startswith("Usually not")
    f = answer("My 7 year old is on 60mg prednisolone for a relapse. We use the multi-test strips and today the glucose "
               "square has gone dark green as well as the protein. Is that the steroids? Do we need to do anything "
               "today?", audience="family")
    assert f.summary_text.startswith("Probably, yes") and "diabetes" in f.summary_text
    # a question that asks only what the sources leave out says so first
    g = answer("Describe the proposed mechanism of action of levamisole in steroid-sensitive nephrotic syndrome.",
               audience="student")
    assert g.summary_text.startswith("Not in nephroguide's sources: how levamisole works")
    h = answer("8yo on alt-day pred for 2 yrs (SDNS), tonsillectomy next week. stress-dose hydrocortisone needed?")
    assert h.summary_text.startswith("Possibly")   # (a yes/no question keeps its answer first)
    i = answer("reg - 8yo 26 kg FRNS, started MMF 600 mg/m2 bd 6 wks ago, in remission, still on pred 15 mg alt days. "
               "When do I start weaning the pred off and how fast?")
    assert i.summary_text.startswith("At least 2 weeks") and "how fast to taper" in i.scope_note


def test_round_25_probe_fixes():
    # another medicine's question is never answered with the story's medicine's dose (fluconazole, IVIG, captopril)
    a = answer("pharmacist - 9yo 28 kg SDNS on tac 2 mg bd (trough 5.8), oral + oesophageal candida not settling on "
               "nystatin, GP wants fluconazole 6 mg/kg od x 14 d. OK with the tac? pre-emptively cut tac dose or just "
               "recheck level? would miconazole gel be safer?")
    assert a.summary_text.startswith("Yes, with close trough monitoring: fluconazole raises tacrolimus levels")
    assert "Calculation:" not in a.summary_text and "miconazole" in a.summary_text
    b = answer("SRNS 4yo 16 kg, FSGS, genetics neg, on tac + enalapril but still nephrotic (UPCR 700, alb 15). IgG 1.4 "
               "g/L, 2nd pneumococcal bacteraemia this yr despite pen V prophylaxis + PCV13/PPV23. Start IVIG? dose and "
               "how often?")
    assert "Tacrolimus 0.8 mg" not in b.summary_text and b.scope == "partly_covered"
    c = answer("neonatal reg - 6-wk-old 4.1 kg, CNS with biallelic NPHS1, needing 20% albumin daily via CVL, alb 12 "
               "pre-infusion, creat 22, BP ok, no infection. Start captopril +/- indomethacin to cut albumin needs? "
               "starting doses?")
    assert c.summary_text.startswith("No dose in the stored sources") and "Albumin 2 g" not in c.summary_text
    # rituximab waits for remission
    d = answer("reg - SDNS 9yo 30 kg, RTX 375 mg/m2 booked on day unit tomorrow, but relapsed 5 days ago - on pred 60 "
               "mg/m2 (d5), dip still 3+, UPCR 480 mg/mmol. Give the RTX as booked or postpone till remission?")
    assert d.summary_text.startswith("Postpone it until remission")
    # family messages about a subject of their own, far from the treatment article their medicine names
    e = answer("just googled levamisole which the doctor has started my daughter on (shes 5, 18kg, 40mg every other "
               "day) and it says its a worming medicine for cows and that drug dealers put it in cocaine?!?! is this a "
               "joke, is it actualy safe for a child", audience="family")
    assert e.summary_text.startswith("Yes. Levamisole")
    f = answer("HELP my 2yo just got into her brothers prednisolone, shes swallowed 3 of the 5mg tablets i think maybe 4. "
               "shes about 12kg and seems totaly fine. do i need to take her to a&e or make her sick??", audience="family")
    assert f.summary_text.startswith("Get advice now") and "4 to 6 weeks" not in f.summary_text
    g = answer("I'm a nan and I've just been diagnosed with TB in my lungs. I look after my grandson Leo (4) three days a "
               "week while his mum works. He is on tacrolimus and a small dose of prednisolone every other day for his "
               "nephrotic syndrome. Is he at risk and what needs to happen now?", audience="family")
    assert "tell his kidney team today" in g.summary_text and "mg/kg" not in g.summary_text
    h = answer("son 10, steroid dependent, had rituximab (2 doses) in oct, off pred since dec and no relapses. clinic "
               "said today his b cells are back. does that mean hes going to relapse now? should he get more ritux "
               "before it happens", audience="family")
    assert h.summary_text.startswith("Not necessarily") and "375 mg/m2" not in h.summary_text
    i = answer("We are going abroad in 5 weeks. Our son is 9, in remission, on mycophenolate 600mg twice a day. The "
               "travel nurse offered either typhoid capsules or an injection - which one can he have?", audience="family")
    assert i.summary_text.startswith("The injection")
    # a heterozygous carrier parent offering a kidney; a question only of what the sources leave out
    j = answer("Our daughter has steroid resistant nephrotic syndrome from two NPHS2 changes, one from me and one from "
               "her dad. I carry one of the faulty genes. Would my kidney be faulty too if I gave her one?",
               audience="family")
    assert j.summary_text.startswith("No, not just from being a carrier")


def test_round_26_probe_fixes():
    # a dose worked out in the message is checked against the cap (was: the alternate-day phase only)
    a = answer("11yo girl 44 kg, 145 cm (BSA 1.33 m2), first NS, typical, C3 normal, no haematuria. 60 mg/m2 comes to "
               "80 mg - do I give that? and what alt-day dose after the daily phase?")
    assert a.summary_text.startswith("Check the dose: 80 mg of prednisolone is above") and "maximum 60 mg/day" in a.summary_text
    # everyday family questions: a broken run of 3+, a brisk diuresis, colds about, an extra dose, school vaccines
    b = answer("Our 7 year old has been in remission since March and is off all medicines. He's got a cold and the "
               "dipstick has gone Mon 3+, Tue 3+, Wed 2+, and this morning (Thu) 3+ again. His relapse plan says restart "
               "prednisolone after 3 days of 3+. Does Wednesday's 2+ reset the count or do we start today? He isn't "
               "puffy.", audience="family")
    assert b.summary_text.startswith("By the usual rule, yes, the 2+ breaks the count")
    c = answer("Day 9 of steroids for her first episode (she's 5, 40mg a day). Dipstick has been negative for 2 mornings "
               "and since yesterday she is weeing constantly. She was 22.4kg and is now 20.1kg in 2 days. Is this "
               "normal or should I be worried she's drying out?", audience="family")
    assert c.summary_text.startswith("Usually yes, this is normal") and "dizzy" in c.summary_text
    d = answer("Is it ok to take my 5 year old to soft play and to my sisters for Christmas? She's on 20mg pred every "
               "other day and in remission. Both her cousins have streaming colds and coughs", audience="family")
    assert d.summary_text.startswith("Yes, usually")
    e = answer("im 15, on 40mg pred every other day (weaning after a relapse). i think i took it yesterday AND this "
               "morning by accident, today was meant to be my day off. will it mess anything up? do i skip tomorow",
               audience="family")
    assert "tomorrow's dose" in e.summary_text and "not covered" not in e.summary_text.lower()
    f = answer("My son is 14 and relapsed last week, he's on 60mg prednisolone a day. The school nurse is giving the "
               "Year 9 teenage booster and the meningitis ACWY injection on Tuesday. Can he still have them?",
               audience="family")
    assert f.summary_text.startswith("Yes. Non-live vaccines")
    # the daily phase is counted from day 1; salt before diuretics; rituximab as the first agent; a central line
    g = answer("first episode 4yo on pred 60 mg/m2 od, dip neg since day 9. Are the 4 wks of daily pred counted from "
               "day 1 or from remission? when do I switch to alt days?")
    assert g.summary_text.startswith("From day 1 of prednisolone, not from remission")
    h = answer("ward - 3yo 15 kg, new NS day 2 of pred, moderate leg oedema + mild ascites, alb 16, well perfused, "
               "HR/BP normal, passing urine ok. Start furosemide or just no-added-salt diet?")
    assert h.summary_text.startswith("Salt restriction first")
    i = answer("ward reg - 3yo 14 kg, new NS, alb 9, gross oedema, no peripheral access after 6 attempts, anaesthetist "
               "offering a femoral CVL for albumin. OK to go ahead? and if it goes in, does he need LMWH?")
    assert i.summary_text.startswith("Avoid one if you can") and "About 20-30%" not in i.summary_text


def test_round_27_probe_fixes():
    # "He has no headaches" is no headache: high home BP on ciclosporin is "tell the team soon", not the PRES alarm
    a = answer("My son is 10 and on ciclosporin (Neoral 75mg twice a day). The hospital asked us to check his blood "
               "pressure at home once a week. This week's readings were 128/84, 131/86 and 126/82. He has no "
               "headaches. Are those too high and do we need to do anything?", audience="family")
    assert a.summary_text.startswith("Yes, tell the kidney team soon") and "urgent medical help" not in a.summary_text
    # moving a tacrolimus dose is never answered "Yes, often" by another answer
    b = answer("im 14 and on tacrolimus 3mg at 8am and 8pm since september. cant get to sleep till like 2am every night "
               "now and i feel kind of jittery. is it the tacro? can i just take the night one at 6 instead",
               audience="family")
    assert "Yes, often" not in b.summary_text and "Not without asking the kidney team" in b.summary_text
    # another medicine's dose asked after it ("Start IVIG? dose and how often?") is never the story medicine's
    c = answer("SRNS 4yo 16 kg, FSGS, genetics neg, on tac + enalapril but still nephrotic (UPCR 700, alb 15). IgG 1.4 "
               "g/L, 2nd pneumococcal bacteraemia this yr despite pen V prophylaxis + PCV13/PPV23. Start IVIG? dose "
               "and how often?")
    assert "Tacrolimus 0.8 mg" not in c.summary_text
    # a named subject ahead of the pathway article: the ARB question beside SRNS genetics; relapsing on a CNI
    d = answer("SRNS 12yo FSGS, genetics neg, partial remission on tac (UPCR 150). On lisinopril 20 mg (max tolerated), "
               "K 5.2, ABPM 24-h MAP 92nd centile. LDL 4.2 mmol/L after 6 mo of diet. Add losartan? and statin or not?")
    assert d.summary_text.startswith("No: IPNA 2020 advises against combining")
    e = answer("SDNS 8yo on tac 10 months, troughs 5-6, adherent, pred stopped 4 mo ago. 3 relapses in the last 6 mo, "
               "each back in remission within ~1 wk of pred. In remission now. Next step?")
    assert e.summary_text.startswith("Consider rituximab")
    f = answer("7yo 24 kg, partial remission at wk 4 (UPCR 90), given 2 more wks pred + enalapril, still UPCR 110 at wk "
               "6. Biopsy MCD, NGS panel sent (~3 mo turnaround). Start tac now or wait for genetics? and what do I do "
               "with the pred?")
    assert f.summary_text.startswith("Do not wait")


def test_round_28_probe_fixes():
    # a VUS in a gene that can act with one copy is never told "only causes the illness when both copies ..."
    a = answer("Our son Alfie is 6 and didn't respond to the steroids. The gene test has come back with a 'variant of "
               "uncertain significance' in a gene called INF2 and now they want blood from me and his dad. What does "
               "uncertain significance mean, is it genetic or not?", audience="family")
    assert a.summary_text.startswith("Not yet known") and "both copies" not in a.summary_text
    # a relapse on tacrolimus: keep taking it (was tacrolimus's dose rule)
    b = answer("hes on tacrolimus 1.5mg twice a day and 5mg pred every other day. dipstick 3+ since saturday so today is "
               "day 3 and the relapse plan says start 60mg pred every day. do i carry on the tacrolimus and the 5mg as "
               "well or stop them while hes on the big dose?", audience="family")
    assert "keeps taking the other medicine" in b.summary_text and "no more than 10 mg" not in b.summary_text
    # "will they come back?" about periods is never answered about relapses
    c = answer("im 15 (girl) and been on pred for about 3 months for a relapse. my periods have totally stopped, none "
               "for 2 months. is that the steroids?? will they come back", audience="family")
    assert "periods" in c.summary_text and "relapse" not in c.summary_text.split(".")[0]
    # an unknown medicine's dose beside tacrolimus is not covered, never tacrolimus's dose
    d = answer("6yo 20 kg SDNS on tac 1.5 mg bd + pred 10 mg alt days. Sibling flu A PCR+ yesterday, pt afebrile and "
               "well. Oseltamivir PEP? dose, duration, any interaction with tac?")
    assert d.scope == "not_covered" and "Calculation:" not in d.summary_text
    # calcium-channel blockers beside tacrolimus
    e = answer("SRNS 11yo 35 kg on tac 2.5 mg bd (trough 6) + enalapril 10 mg bd, BP still 134/88 (>95th centile, "
               "confirmed on ABPM). Add amlodipine - interaction with tac? or nifedipine / diltiazem instead?")
    assert e.summary_text.startswith("Check the trough after starting any of them")


def test_round_29_probe_fixes():
    # breathing difficulty in a swollen child: hospital now (was the relapse rule)
    a = answer("Ollie is 5, relapsed a week ago, on 50mg pred. his tummy has got bigger and bigger and is tight like a "
               "drum, and tonight he says he cant breathe properly when he lies down, hes sitting propped up on pillows "
               "breathing fast. how worried should i be", audience="family")
    assert a.summary_text.startswith("Go to hospital now")
    # a lesion's size is no height (was an InputError: "height_cm: 10 cm is outside the plausible range")
    b = answer("ED - 6yo 22 kg in relapse (d4 pred 50 mg), alb 13, tense oedema, 10 cm hot red indurated spreading area "
               "on abdo wall, T 38.6, HR 130, CRT 2 s. Which abx, and do I hold the pred?")
    assert b.summary_text.startswith("Cellulitis")
    # a first-episode course written for a relapse is not confirmed; the weight before the oedema is dosed on
    c = answer("pharmacist - TTO for 6yo 20 kg, 115 cm, SSNS 2nd relapse: \"pred 48 mg od x 4 wks then 32 mg alt days "
               "x 4 wks\". Correct for a relapse?")
    assert "Not as written" in c.summary_text
    d = answer("reg - new NS 5yo, admission wt 23.4 kg with gross oedema + ascites, wt at GP 3 mo ago 19 kg, ht 108 cm. "
               "Which weight do I dose pred on, and how many mg?")
    assert d.summary_text.startswith("Dosed on 19 kg")
    # an outbreak beside a vaccine question is no exposure; SRNS is not judged after a low-dose course
    e = answer("Our son is 4 (18kg), frequently relapsing, on a maintenance dose of 10mg prednisolone every other day "
               "for 5 months, no other medicines. He's due his preschool MMR booster but the GP practice says they won't "
               "give it until he is completely off steroids. Is that right? There's measles going round at the moment.",
               audience="family")
    assert "every-other-day dose is low" in e.summary_text[:80]
    f = answer("gen paeds - 10yo 32 kg, 138 cm, first NS 5 wks ago, given pred 30 mg od (~1 mg/kg) throughout, still dip "
               "3+, UPCR 420 mg/mmol, alb 17. Is this SRNS? start tac?")
    assert f.summary_text.startswith("Not yet: SRNS is no complete remission after 4 weeks of standard-dose")
    # a "summarise" question gets no bare No
    g = answer("Summarise the immunisation recommendations for children with idiopathic nephrotic syndrome, including "
               "live vaccines, pneumococcal and influenza vaccination, and household contacts.", audience="student")
    assert not g.summary_text.startswith(("No", "Yes"))


def test_a_child_already_in_hospital_is_not_told_to_see_a_doctor_today():
    a = answer("My son was admitted 2 days ago with his first episode, hes 3. They want to send us home tomorrow on the "
               "steroids but he is still really puffy and the dipstick is still 4+. Is it normal to go home before the "
               "protein has gone, is it safe?", audience="family")
    assert "See a doctor today" not in a.summary_text and "1 to 2 weeks" in a.summary_text
    b = answer("GP dipped his urine 3+ protein and his face is puffy, does he need to be seen today", audience="family")
    assert b.summary_text.startswith("See a doctor today")


def test_round_30_probe_fixes():
    # rituximab is never given cyclophosphamide's "chemotherapy family ... tablets" answer ("?!" ends a question)
    a = answer("the consultant has suggested rituximab for my son (11) because hes steroid dependent. the leaflet says "
               "its used to treat lymphoma?! is it chemotherapy, will he lose his hair and be sick like cancer patients?",
               audience="family")
    assert "tablets" not in a.summary_text and "not chemotherapy" in a.summary_text
    # a raised creatinine explained by underfilling is no reason to biopsy before prednisolone
    b = answer("new NS 4yo 17kg, alb 14, creat 78 (expected ~30), urea 11, no haematuria, C3 normal, BP 98/60, CRT 2-3 s. "
               "is the raised creat an atypical feature needing biopsy b4 pred or do i just start pred?")
    assert b.summary_text.startswith("Not on the creatinine alone") and "Biopsy first" not in b.summary_text
    # a late responder is steroid-sensitive: never the SRNS genetics answer
    c = answer("First episode, 5yo 19 kg. UPCR was still 160 mg/mmol at day 28 so we extended pred 60 mg/m2 for the "
               "2-week confirmation period and started ramipril. Dipstick neg x3 from day 36, UPCR now 14. Is he SSNS or "
               "SRNS? Do I still send the genetics and book the biopsy?")
    assert "SSNS, a late responder, not SRNS" in c.summary_text[:120]
    # MMR after rituximab: not today; the inactivated booster yes (was rituximab's dose)
    d = answer("practice nurse here - 6yo with SDNS had 2 doses of rituximab, last one 3 months ago, now off pred and in "
               "remission. He is overdue his MMR2 and preschool booster (DTaP/IPV). Can I give them today?")
    assert d.summary_text.startswith("Not the MMR yet") and "375 mg/m2" not in d.summary_text
    # "how much creatinine rise" is no dose asked; the ACE inhibitor's creatinine rise is not the CNI's trial length
    e = answer("GP shared care - 8yo 26 kg SRNS on tac, enalapril 2.5 mg bd started 2 wks ago. creat 48 -> 59, K 5.1. "
               "keep going? when to recheck and how much creatinine rise is too much")
    assert "ACE inhibitor" in e.summary_text[:120] and "Tacrolimus 1.3 mg" not in e.summary_text
    # high glucose on a relapse course: not the prednisolone dosing article with insulin "not covered"
    f = answer("15yo 58kg in relapse, d8 of pred 60 mg, random BG 14.6, glycosuria 2+, ketones neg. do i drop the pred "
               "dose? does he need insulin or metformin?")
    assert "no reduction of the relapse course" in f.summary_text
    # an opposite Yes beside the answer's "Not yet" is not among its key points either
    g = answer("4yo first presentation NS, day 3 of pred 60 mg/m2, oedematous, creat normal, BP 120/82 on repeated "
               "readings (>95th centile). Should I start an ACE inhibitor?")
    assert g.summary_text.startswith("Not yet") and "Yes, once it is confirmed" not in g.markdown
    # family: a list of foods is not a question; 1+ for a week; splitting the dose; why relapses come back
    h = answer("I found a \"kidney diet\" sheet online that says no bananas, potatoes, tomatoes or chocolate, limit milk "
               "and cut down protein. do we need to follow it??", audience="family")
    assert h.summary_text.startswith("No.")
    i = answer("dipstick has been 1+ every morning for 6 days now. hes 5, in remission, off steroids. the relapse plan only "
               "talks about 3+. do i just keep waiting?", audience="family")
    assert i.summary_text.startswith("It is not a relapse")
    j = answer("my 4 year old is back on the high dose of prednisolone for a relapse and wide awake till 11pm. would it "
               "help to split the dose and give half at night", audience="family")
    assert "one dose in the morning" in j.summary_text and "A few hospitals split" not in j.summary_text
    k = answer("She's been on the steroids 6 times now. Why does it keep coming back if the steroids work?",
               audience="family")
    assert k.summary_text.startswith("Because")
    # "is it something we did - he had a bad cold ...": the question before the dash is answered
    m = answer("my son was diagnosed with nephrotic syndrome yesterday. he was completely healthy. is it something we did "
               "- he had a bad cold 2 weeks ago and i gave him calpol. and what is actually going on in his kidneys",
               audience="family")
    assert "Nothing you did" in m.summary_text and "adult kidney doctor" not in m.summary_text


def test_round_31_probe_fixes():
    # an anxious child's tummy ache before school is no peritonitis alarm
    a = answer("my daughter is 10, now on her 2nd relapse. she checks her eyes in the mirror every morning, cries before "
               "school saying her tummy hurts and keeps asking if her kidneys are going to stop working. is this the "
               "steroids or is she actually anxious?", audience="family")
    assert not a.summary_text.startswith("Go to hospital") and "It can be both" in a.summary_text
    # "start prophylactic enoxaparin? dose?" is never prednisolone's dose; "pen V" is penicillin
    b = answer("13yo 45kg relapse, alb 11, massive ascites, reg wants a PICC for albumin. start prophylactic enoxaparin? "
               "dose? and does she need pen V at her age")
    assert "60 mg/day" not in b.summary_text and "Not routinely" in b.summary_text
    # "what % are steroid sensitive" is not the frequent-relapse share
    c = answer("key prognosis numbers for childhood NS: what % are steroid sensitive, what % of those relapse?",
               audience="student")
    assert "steroid sensitive? Up to half" not in c.summary_text and "85-90%" in c.summary_text
    # potassium and magnesium on tacrolimus are not, by themselves, kidney damage (was "Yes")
    d = answer("hes 9, on tacrolimus 18 months. potassium 5.1 (H), magnesium 1.6 (L). do the high potassium and low "
               "magnesium mean the tacrolimus is damaging his kidneys?", audience="family")
    assert "Not on their own" in d.summary_text[:120]
    # the dose asked after "considering oral cyclophosphamide" is cyclophosphamide's, not maintenance prednisolone's
    e = answer("SDNS 9yo 28 kg, consultant considering oral cyclophosphamide. what dose and duration, does the pred carry "
               "on during the course, and what bloods and how often?")
    assert "Cyclophosphamide 56 mg" in e.summary_text and "at most 14 mg" not in e.summary_text
    # "will the weight ever come off?" is answered Yes, usually (the answer is written for "is it permanent?")
    f = answer("will the weight come off after prednisolone", audience="family")
    assert f.summary_text.startswith("Yes, usually")
    # a sibling of 4 months is not the patient: "our son Reuben (3)"
    g = answer("Our son Reuben (3) was diagnosed 5 days ago. I had nephrotic syndrome myself when I was 4. We also have a "
               "baby girl who is 4 months old. did I pass this on to him? Will the baby get it too?", audience="family")
    assert "carriers are healthy" not in g.summary_text and "rarely runs in families" in g.summary_text
    # party food is no relapse trigger; "is it ok for her to go?" is about the sleepover the story named
    h = answer("my mum keeps saying all the sugar and junk at the party will set her off again, is that true?",
               audience="family")
    assert h.summary_text.startswith("No.")
    i = answer("my daughter (9) has been invited to her first sleepover on friday since being diagnosed last year. shes in "
               "remission, on 10mg pred every other day. is it ok for her to go?", audience="family")
    assert i.summary_text.startswith("Yes")


def test_round_32_probe_fixes():
    # "no abdo pain" is no abdominal pain: a febrile cold on daily prednisolone is not peritonitis
    a = answer("GP - 4yo 17kg, d12 pred 40mg od (1st NS, dip neg since d8). T 38.6 overnight, coryza + cough, chest "
               "clear, drinking ok, no abdo pain. abx? do I change the pred dose? what should make me send in?")
    assert a.summary_text.startswith("Keep the prescribed prednisolone dose") and "Peritonitis" not in a.summary_text
    # a new liquid strength: the volume worked out (20 mg of 10 mg/mL is 2 mL), never a course's dose beside it
    b = answer("pharmacy gave us a new bottle of her prednisolone and it says 10mg/ml, the old one was 5mg in 5ml and we "
               "were giving 20ml (shes 2, on 20mg). the label still just says 20mg once a day. how much do i give now??",
               audience="family")
    assert "20 mg: with the liquid of 10 mg in 1 mL that is 2 mL" in b.summary_text
    assert "2 mg/kg" not in b.summary_text
    from nephroguide.answer.direct import volume_line

    assert volume_line("we have a 5mg/5ml bottle and a 10mg/ml bottle at home, on 20mg", family=False) is None   # which?
    # an alternate-day dose above the phase's cap is flagged
    c = answer("community pharmacist - Rx for 9yo 36kg (1.2 m2) 1st episode NS: pred 60mg od x 4 wks then 60mg alt "
               "days x 4 wks. alt-day dose looks high, should it be 40? what's the max?")
    assert c.summary_text.startswith("Not as written: 60 mg on alternate days") and "40 mg" in c.summary_text
    # fever with poor perfusion and no focus: sepsis with shock, volume and antibiotics first
    d = answer("ED - 6yo in relapse, day 3 of pred 60 mg/m2, T 39.5, HR 155, lethargic, CRT 3 s, CRP 160, no abdo "
               "tenderness, no cellulitis, no obvious focus. Empirical abx?")
    assert d.summary_text.startswith("Sepsis with shock until proven otherwise")
    # sick-day rules after an ordinary first course; a role before a dash is not part of the question
    e = answer("gen paeds - do kids who've only had the standard 8 wk first-episode pred course need a steroid "
               "emergency card + sick-day rules, or just the ones on long-term/repeated steroids? and for how long after "
               "stopping?")
    assert e.summary_text.startswith("Likely yes") and "Vomited within 30 minutes" not in e.summary_text
    # "what are the chances the tacrolimus actually works?" states no response to it
    from nephroguide.answer.understand import understand

    assert "cni_responsive" not in understand("they are starting tacrolimus. what are the chances the tacrolimus "
                                              "actually works?").stage
    # a single high reading in a crying child: recheck now
    f = answer("ward nurse - 4yo boy new NS d1 on pred, dinamap BP 124/80 taken while he was crying and wriggling, "
               "HR 120, warm, CRT <2s. recheck at next obs or escalate now?")
    assert f.summary_text.startswith("Recheck it now")


def test_round_33_probe_fixes():
    # a positive hepatitis B screen at onset: not the standard course, not "biopsy is not routine"
    a = answer("reg - 7yo new NS: alb 15, UPCR 620, dip blood 1+, C3 0.7 (bit low), ALT 64. HBsAg came back POSITIVE "
               "today. still start pred 60 mg/m2 or biopsy first? does he need antivirals?")
    assert "Not the standard prednisolone course first" in a.summary_text
    assert "biopsy is not routine" not in a.summary_text
    # a recorded penicillin allergy before penicillin V prophylaxis: check first, keep the prednisolone
    b = answer("just got home with my 3 yr old, theyve given him pred and penicillin V twice a day to stop infections. he "
               "had a rash with amoxicillin last year and the GP put penicillin allergic on his notes. is it safe to give "
               "him tonights dose?", audience="family")
    assert b.summary_text.startswith("Do not give tonight's penicillin") and "Keep giving the prednisolone" in b.summary_text
    # switching from ciclosporin to tacrolimus: the tacrolimus dose leads
    c = answer("11yo 35 kg SDNS on ciclosporin 75 mg bd, gum overgrowth + hirsutism. switching to tacrolimus - starting "
               "dose, how long after the last CsA dose, what trough?")
    assert c.summary_text.startswith("Tacrolimus")
    # eGFR worked out by the bedside Schwartz equation (was the tacrolimus dose)
    d = answer("how do u calculate eGFR in a child? eg 7yo, 120 cm, creat 38 umol/L", audience="student")
    assert d.summary_text.startswith("For 120 cm and creatinine 38 umol/l: eGFR about 115")
    # the delay before diagnosis, a childminder's scarlet fever contact, grandparents' own vaccines
    e = answer("looking back his eyes were puffy most mornings for nearly 3 weeks, the GP said it was hayfever. has the "
               "delay damaged his kidneys for good?", audience="family")
    assert e.summary_text.startswith("Very unlikely")
    f = answer("I'm a childminder, a mindee on prednisolone for a relapse played all last week with a girl who now has "
               "scarlet fever. Does he need antibiotics or to be kept away?", audience="family")
    assert f.summary_text.startswith("Tell the child's parents today")
    g = answer("we look after our grandson on tacrolimus. we have been invited for the RSV jab, a covid booster and our "
               "flu jab. are any of those live, do we need to keep away from him afterwards?", audience="family")
    assert g.summary_text.startswith("Yes, have them")


def test_round_34_probe_fixes():
    # two mornings of 3+ is not yet a relapse (was "Yes ... this is a relapse")
    a = answer("my daughter is 5 and on the every other day bit of her first steroids. the dipstick was 3+ yesterday and "
               "again this morning, its been negative for weeks. is she relapsing??", audience="family")
    assert a.summary_text.startswith("Not yet")
    # "told to watch for fever and tummy pain" is no fever and tummy pain now
    b = answer("Is it the nephrotic syndrome or the steroids that makes my son more likely to get infections? He's off "
               "all his medicines. The nurse keeps telling us to watch for fever and tummy pain.", audience="family")
    assert not b.summary_text.startswith("Go to hospital now")
    # a relapse TTO written "x 28 days" daily is the first-episode course
    c = answer("hosp pharmacist - TTO for 6yo 21 kg (0.82 m2) SSNS 2nd relapse, dip neg since day 4: pred 50 mg od x 28 "
               "days then 30 mg alt days x 28 days. is 4 wks daily right for a relapse?")
    assert "Not as written" in c.summary_text
    # an uncomplicated relapse in ED: home on the relapse course (was the home BP limits answer)
    d = answer("ED - 7yo 23 kg known SSNS, dip 3+ x4 days, puffy eyes + mild ankle oedema, HR 95, BP 100/62, CRT <2s, "
               "afebrile, no abdo pain. do i need bloods/admission or just start pred and send home? dose?")
    assert d.summary_text.startswith("Usually home on the relapse course")
    # what "m2" means on a letter, not a weight-only dose contradicting it
    e = answer("the hospital letter says prednisolone 60mg/m2 and it came to 40mg a day for my daughter (shes 4 and "
               "16kg). what does the m2 mean?", audience="family")
    assert e.summary_text.startswith('"m2" means') and "32 mg" not in e.summary_text
    # "steroid dependent" is no addiction; furosemide and clots
    f = answer("im 14 and my consultant said im steroid dependent now. does that mean im addicted to prednisolone??",
               audience="family")
    assert f.summary_text.startswith("No, it is not an addiction")
    g = answer("My consultant told me to be careful giving furosemide to a nephrotic child because of clots. What is the "
               "logic behind that?")
    assert g.summary_text.startswith("Diuretics are a reported thrombosis risk factor")


def test_round_35_probe_fixes():
    # a URTI on alternate-day pred with a negative dipstick: "Not routinely", and the dose asked "if so" is the cold's
    # 3 daily doses worked out (was the relapse course, 40 mg daily)
    a = answer("FRNS 6yo 20 kg on pred 10 mg alt days, coryza + T 37.9 since this evening, dip neg. Switch him to daily "
               "pred for 5-7 days to head off a relapse like we used to? if so what dose?")
    assert a.summary_text.startswith("Not routinely")
    assert "Prednisolone 10 mg once daily, for 3 days" in a.summary_text and "40 mg once daily" not in a.summary_text
    # two steroid-sparing medicines that failed: what is left leads, and neither failed one is dosed
    b = answer("SDNS 11yo 38 kg 146 cm. Relapsed on levamisole 95 mg alt days (10 mo, adherent), then 3 relapses in 9 mo "
               "on MMF 750 mg bd. Mum wants levamisole back. What next - RTX or tac, and doses?")
    assert b.summary_text.startswith("One not yet tried") and "Mycophenolate mofetil 750 mg" not in b.markdown
    # blood on the stick with protein negative is no relapse (was "Am I relapsing? Yes, it is common")
    c = answer("im 13 and do my own dipsticks. the blood square has been trace/small every morning for a week but "
               "protein is neg every day. am i relapsing?", audience="family")
    assert c.summary_text.startswith("No. A relapse is judged on the protein square")
    # extra protein to top the albumin up: No (was "Yes. Protein foods ...")
    d = answer("she has relapsed and her albumin is 18 because shes losing protein in her wee. should i be giving her "
               "extra protein to top it back up - more meat and eggs, maybe one of those protein shakes?",
               audience="family")
    assert d.summary_text.startswith("No, a normal amount")
    # a job's entry medical is not covered, and "do i have to tell them" is the army's question, not relapses'
    e = answer("im 16, had steroid sensitive nephrotic since i was 5 (last relapse at 14, off meds now). will it stop "
               "me joining the army? do i have to tell them", audience="family")
    assert e.summary_text.startswith("Our guidance does not cover the army") and "relapse at least once" not in e.summary_text
    # loin pain and frank haematuria in a relapse: a clot first, even when a biopsy is asked about
    f = answer("13yo SSNS, 4th relapse, d5 pred 60 mg, alb 12. Now sudden L loin pain + frank haematuria, creat 52 -> "
               "118 umol/L. Looks like she's gone nephritic - does she need a biopsy?")
    assert f.summary_text.startswith("Think of renal vein thrombosis")
    # lupus nephritis induction doses are another condition's: said not covered, never prednisolone's or MMF's rule
    g = answer("14yo girl new NS + malar rash, low C3 and C4, dsDNA positive. Start pred now or biopsy first? and if it's "
               "class IV lupus nephritis, induction with MMF or IV cyclo - what doses?")
    assert "no guidance on treatment doses for lupus nephritis" in g.summary_text
    assert "Mycophenolate mofetil for FRNS/SDNS" not in g.summary_text
    # a teacher's question about behaviour on steroids; the sources compared on live-vaccine thresholds
    h = answer("I teach Year 4. One of my pupils has nephrotic syndrome and went back on steroids two weeks ago for a "
               "relapse. He's shouting, crying, can't sit still or focus and constantly hungry. Mum says it's the "
               "steroids. Is that likely, and how should we handle it in class?", audience="family")
    assert h.summary_text.startswith("Very likely")
    i = answer("Compare the KDIGO 2012 steroid thresholds for live vaccines with the general US (ACIP) advice. Which is "
               "stricter, and what does KDIGO 2025 say?", audience="student")
    assert i.summary_text.startswith("KDIGO 2012 is stricter")


def test_an_alternate_day_dose_is_judged_against_its_own_medicine():
    # "levamisole 50 mg alt days" is levamisole's dose, never checked against prednisolone's alternate-day phase
    a = answer("FRNS 6yo 20 kg, relapse, levamisole 50 mg alt days. correct?")
    assert "alternate-day phase" not in a.summary_text.split(".")[0]
    assert "Not as written: 50 mg on alternate days" not in a.summary_text


def test_round_36_probe_fixes():
    # several organisms from the ascitic fluid: perforation, never "the usual SBP, ceftriaxone"
    a = answer("ED 3am - 5yo 18 kg SSNS relapse, d4 pred, T 39.2, diffuse peritonism. US-guided tap: ascitic neutrophils "
               "2.1 x10^9/L, Gram mixed GNRs + GPCs, prelim culture E. coli + Bacteroides + enterococcus. This is just the "
               "usual nephrotic SBP isn't it - ceftriaxone enough?")
    assert a.summary_text.startswith("No: nephrotic peritonitis is usually caused by one organism")
    assert "perforation" in a.summary_text
    # 2+ for three days with a plan's 3+ rule quoted: do not start prednisolone (was "takes a full dose ... every day"),
    # and the quoted rule is no stage of the child's
    b = answer("confused!! hospital relapse plan says ring if 3+ for 3 days in a row. the charity leaflet we got says "
               "contact the team if its 2+ over a few days. dd is 6, in remission, off all meds since feb. mon 2+ tue 2+ "
               "today 2+, not puffy at all. which one do i go by?? do i start her pred", audience="family")
    assert "do not start the prednisolone yet" in b.summary_text.splitlines()[0]
    assert "in_relapse" not in b.context["stage"]
    # a limp and hip pain for weeks on long-term steroids: never "no need to miss PE"
    c = answer("I'm a PE teacher. One of my Year 7 boys has nephrotic syndrome and has been on steroids on and off since "
               "he was 5. For the last 3 or 4 weeks he has been limping and says his hip and groin ache. The GP thought it "
               "was growing pains. Could this be connected to his medication? Should I keep him out of PE?",
               audience="family")
    assert c.summary_text.startswith("Do not put a limp") and "does not need to miss PE" not in c.summary_text
    assert "no information on connected" not in c.summary_text.lower()
    # vomiting since yesterday on prednisolone: same-day review leads (was the 30-minute re-dose rule)
    d = answer("5yo 18 kg relapse, day 10 of pred, vomiting, can't keep tablets down since yesterday - what do I do with "
               "the prednisolone?")
    assert d.summary_text.startswith("Same-day review, today")
    e = answer("he threw up 20 minutes after his pred this morning, do i give it again", audience="family")
    assert e.summary_text.startswith("If your child was sick less than 30 minutes")
    # an athlete on relapse prednisolone: never stop it for a race; anti-doping rules are not covered
    f = answer("im 17 and run 800m at national level. just relapsed and im back on 60mg pred a day. we get drug tested "
               "at comps. will the pred make me fail a test?? should i just come off it before the race", audience="family")
    assert f.summary_text.startswith("Do not stop or cut down your prednisolone") and f.scope == "partly_covered"
    # a medicine outside the pack with every named one failed: not covered, never the failed tacrolimus's dose
    g = answer("peds neph (US) - 12yo 45 kg FSGS, genetics neg, CNI-resistant (tac 7 mo, troughs 6-9, no PR), eGFR 65. "
               "Insurance just approved Acthar Gel. Any pediatric SRNS data for repository corticotropin, and is 80 U SC "
               "twice weekly the right dose?")
    assert "no guidance on repository corticotropin" in g.summary_text and "Tacrolimus 2.25 mg" not in g.summary_text
    # "max-dose ACEi" is told, not a dose asked; "that protocol" is the plan just told
    h = answer("consultant - 11yo 36 kg FSGS, NGS panel neg, no PR after 7 mo tac (troughs 6-8) + max-dose ACEi, eGFR "
               "70. Visiting prof wants IV dexamethasone pulses + 12 wk oral cyclo instead of RTX. What is the evidence "
               "for that protocol, and where do KDIGO 2025 and KDIGO 2012 stand on it?")
    assert h.summary_text.startswith("A superseded, weak option") and "Tacrolimus 1.8 mg" not in h.summary_text
    # a mycophenolate leaflet's cancer warning: answered with the medicine's cancer answer, not its tummy one
    i = answer("my son is 8 (steroid dependent) and started mycophenolate 3 weeks ago. since then hes had tummy ache and "
               "runny poo most days. is it the mycophenolate? also the leaflet says it can cause cancer and now im "
               "scared, is that true for kids", audience="family")
    assert "Rarely, yes" in i.summary_text and "no guidance on cancer" not in i.markdown
    # a 24-hour protein with height and weight: worked out per m2 and judged against both thresholds
    j = answer("6yo girl, 20 kg, 115 cm, 24-h urine protein 1.2 g. Using the Mosteller BSA, is that nephrotic-range by "
               "the current mg/m2/day threshold and by the older mg/m2/h one?", audience="student")
    assert j.summary_text.startswith("For 1.2 g in 24 hours at 115 cm and 20 kg (BSA 0.80 m2, Mosteller): 1,501 "
                                     "mg/m2/day, nephrotic range")
    assert "63 mg/m2/hour, nephrotic range" in j.summary_text
    k = answer("6yo girl, 20 kg, 115 cm, 24-h urine protein 400 mg. is that nephrotic range?", audience="student")
    assert "500 mg/m2/day, below the nephrotic range" in k.summary_text
    # the current age, told after an age at onset, is the child's age (was 10 months: the infant answer)
    m = answer("Our daughter first got nephrotic syndrome at 10 months old. Shes 4 now and always steroid sensitive. "
               "Should she have had a gene test?", audience="family")
    assert m.understanding["details"]["age_years"] == 4.0
    assert "straight away" not in m.summary_text
    # two guidelines' rules for one medicine, each under its own title
    n = answer("3yo 14 kg SDNS on ciclosporin 20 mg tds - is tds ok at this age? what total daily dose for his weight?")
    assert n.summary_text.startswith("Yes, under age 6")
    assert "Cyclosporine for FRNS/SDNS (IPNA 2023): cyclosporine" in n.summary_text


def test_round_37_probe_fixes():
    # oral cyclophosphamide proposed during an active relapse: not during a relapse, and the cumulative maximum asked
    # is cyclophosphamide's (was prednisolone's daily caps)
    a = answer("reg - 7yo boy 24 kg 122 cm, FRNS, 4th relapse, day 3 of pred 55 mg od, dip still 3+. Plan is oral "
               "cyclophosphamide 2 mg/kg/d x 12 wk and I'd like to start it today alongside the pred so we don't lose "
               "time. OK to do that? Also: total course dose vs the cumulative max?")
    assert "Not during a relapse" in a.summary_text
    assert "Maximum cumulative dose: 168 mg/kg (= 4032 mg for 24 kg)" in a.summary_text
    assert "at most 60 mg a day" not in a.summary_text
    # an AKI with diarrhoea on tacrolimus and enalapril: hold both, check the trough, volume first
    b = answer("ED - 9yo 28 kg SRNS in CR on tac 2 mg bd + enalapril 5 mg bd. 3 days profuse diarrhoea + vomiting, HR "
               "130, CRT 3 s. Creat 42 -> 90 umol/L, K 5.9. Which of his meds do I hold, what about the tac, albumin or "
               "saline?")
    assert b.summary_text.startswith("Hold the ACE inhibitor or ARB, and hold or cut the CNI")
    assert "diarrhoea can raise tacrolimus levels" in b.summary_text
    # a relapse after complete remission on tacrolimus is no CNI resistance (was the genetic-testing article)
    c = answer("SRNS 10yo girl 30 kg (FSGS, genetics neg), CR on tac since month 3, now month 14, troughs 5-7. Now dip 3+ "
               "x4 mornings after a cold. Has she become CNI-resistant / is it time for RTX? Or do I just give pred?")
    assert c.summary_text.startswith("Not CNI-resistant, a relapse")
    # "rather than tac" names no medicine of the child's; "NGS pending" asks nothing about genetics
    d = answer("neph reg - 14yo boy, dry wt 62 kg, SRNS (NGS pending), team has chosen ciclosporin rather than tac. Do I "
               "give 155 mg bd? and what C0 am I aiming for?")
    assert "60-150 ng/mL" in d.summary_text and "tacrolimus 0.05 mg/kg" not in d.summary_text
    assert "tacrolimus" not in d.understanding["drugs"]
    # an SBA whose definitions are its yardstick: the answer to the case, not the definitions of NS
    e = answer("Exam SBA: a 6-year-old with a first episode has had prednisolone 60 mg/m2/day for 4 weeks. On day 28 the "
               "first-morning UPCR is 150 mg/mmol, serum albumin 27 g/L. Using IPNA 2023 / KDIGO 2025 definitions, which "
               "is the best description?", audience="student")
    assert e.summary_text.startswith("No remission at 4 weeks, so steroid-resistant")
    # a claim checked ("is she right or is that out of date?") is the claim the story told (was "no information on
    # right date"); a child off all treatment for a year may have the nasal flu spray
    f = answer("school nurse has refused to give my son the nasal flu spray, she says children with kidney conditions "
               "cant have live vaccines. hes 8, steroid sensitive, been off ALL his medicines for a year now. is she "
               "right or is that out of date??", audience="family")
    assert f.scope == "covered" and "nasal flu spray can be given" in f.summary_text
    # "can't concentrate" tells; "have steroid sensitive nephrotic since i was 9" tells
    g = answer("im 15 and went vegan in january, have steroid sensitive nephrotic since i was 9. atm on 40mg pred every "
               "other day. my mum says i need loads of protein and milk for my bones bc of the steroids. is she right??",
               audience="family")
    assert g.summary_text.startswith("Only partly") and "daily prednisolone at the start of a cold" not in g.summary_text
    # ciclosporin's own levels, answered Yes beside the choice between the two CNIs
    h = answer("Doctor has given option of Tacrolimus or Cyclosporine. Is Cyclosporine equally effective or will we be "
               "compromising his treatment if we choose it because it is cheaper? Does cyclosporine also need the level "
               "tests?", audience="family")
    assert h.summary_text.startswith("Both work about equally well")
    assert "Does cyclosporine also need the level tests? Yes" in h.summary_text


def test_round_38_probe_fixes():
    # thirst, polyuria, vomiting and heavy breathing on tacrolimus and prednisolone: high blood sugar, go now
    a = answer("im 14 on tacrolimus n pred. been soooo thirsty n weeing like every hour for 3 days, today ive thrown up "
               "twice n my breathing is heavy. is this a relapse??", audience="family")
    assert a.summary_text.startswith("This does not sound like a relapse: go to A&E now")
    assert "blood sugar" in a.summary_text
    # a hot holiday on furosemide: ask about the diuretic, the signs of a depleted circulation
    b = answer("We fly to Spain on Saturday. He's 8, relapsed 10 days ago, still a bit puffy, on pred and furosemide. "
               "Forecast is 35C. Anything we should do differently?", audience="family")
    assert "keep taking the furosemide" in b.summary_text.splitlines()[0]
    # a dropped g is no key term ("finishin" was read as "finnish"); "does that mean he is going to ..." asks what
    # will happen, not what a word means
    c = answer("grandson relapsed only 2 wks after finishin his first steriods. does that mean hes going to keep "
               "relapsin? someone said its worse in boys", audience="family")
    assert c.summary_text.startswith("It makes more relapses more likely, but it is not certain")
    assert ("finishin", "finnish") not in [tuple(x) for x in c.understanding["corrections"]]
    # the regimen the message names is the one worked out: 3 mg/kg x 8 weeks, capped at 150 mg
    d = answer("FRNS 14yo girl 58 kg, in remission on alt-day pred. plan oral cyclo 3 mg/kg/d x 8 wk - what dose?")
    assert "8-week course (IPNA 2023): Cyclophosphamide 150 mg once daily" in d.summary_text
    # a family history of SRNS changes the work-up at presentation: its answer leads
    e = answer("new NS 3yo, looks typical (BP ok, no haematuria), but older bro had SRNS/FSGS -> transplant at 8, never "
               "had genetics. workup at presentation? still start pred?")
    assert e.summary_text.startswith("A family history of SRNS or FSGS is a KDIGO 2025 indication for genetic testing")
    # an exam question's "which statement is correct?" reads its stem (was "no guidance on statement")
    f = answer("SBA: In the PREDNOS 2 trial, children with relapsing steroid-sensitive nephrotic syndrome were "
               "randomised at the onset of an upper respiratory tract infection to daily prednisolone or placebo. Which "
               "statement is correct?", audience="student")
    assert f.scope == "covered" and f.summary_text.startswith("No benefit")
    # mild expected effects on cyclophosphamide, no fever: it can wait, with the signs that cannot
    g = answer("babysitting a 7yo w nephrotic tonight. hes on week 2 of cyclophosphamide tablets, says food tastes "
               "weird n he feels a bit sick. no temp, playing. do i need to ring his parents or the hospital now?",
               audience="family")
    assert g.summary_text.startswith("No need to ring right now") and "temperature" in g.summary_text
    h = answer("my son on cyclophosphamide feels sick and has a temperature of 38.5", audience="family")
    assert not h.summary_text.startswith("No need to ring right now")
    # a UPCR just above the remission cut-off with negative home sticks: remission by the sticks, a small leak, never
    # a relapse (was the dipstick rule alone); a UPCR of 20 or less keeps its own answer
    i = answer("translating for my mum: the clinic letter says my brother's urine protein creatinine ratio is 25 mg/mmol. "
               "his dipsticks at home are negative every morning. so is he in remission or not?", audience="family")
    assert i.summary_text.startswith("Yes, by the home tests") and "200 or more" in i.summary_text
    j = answer("clinic letter says her UPCR was 18, is that good or bad", audience="family")
    assert j.summary_text.startswith("Good")
    # a high platelet count: why it matters (a clot risk factor), and that why it rises is not in the sources (was
    # the hyperlipidaemia answer)
    k = answer("Why does a child with nephrotic syndrome get a high platelet count and why does that matter?",
               audience="student")
    assert "It matters as a clot risk" in k.summary_text and k.scope == "partly_covered"


def test_round_39_probe_fixes():
    # oral polio drops on tacrolimus and mycophenolate: No, a live vaccine (was "Yes. Take the urine sticks ...")
    a = answer("We are going to Pakistan for 8 weeks. My cousin says anyone who stays more than 4 weeks has to have the "
               "polio drops before they fly home. My daughter is 9 and takes tacrolimus and mycophenolate. Can she have "
               "the polio drops?", audience="family")
    assert a.summary_text.startswith("No. Polio drops by mouth are a live vaccine")
    # CoQ10 for SRNS with a negative gene test: probably not (was "Should we buy some? Yes, ... calcium")
    b = answer("Our son has steroid resistant nephrotic syndrome and the gene test found nothing. A mum swears CoQ10 "
               "fixed her son's protein leak. Should we buy some for him?", audience="family")
    assert b.summary_text.startswith("Probably not") and "calcium" not in b.summary_text.splitlines()[0]
    # "fit" as a verb is no seizure (a statistics question got the PRES emergency); a fit on tacrolimus still is
    c = answer("Gulati 2012 tacrolimus vs IV cyclophosphamide in SRNS: CR+PR 82.5% vs 45.9%. Work out the absolute risk "
               "difference and the NNT, and how does this trial fit KDIGO 2025?", audience="student")
    assert "emergency" not in c.summary_text.lower()
    assert "36.6 percentage points" in c.summary_text and "rounded up to 3" in c.summary_text
    d = answer("he had a fit this morning, he is on tacrolimus", audience="family")
    assert d.summary_text.startswith("Go to hospital now")
    # a steroid inhaler does not delay the MMR; "the vaccine" is the one the story named (MMR), not any vaccine
    e = answer("he finished pred 5 months ago, uses a brown steroid inhaler. the nurse wont give his MMR booster because "
               "hes on steroids. does the inhaler count? when can he have the vaccine", audience="family")
    assert e.summary_text.startswith("No, the inhaler does not count") and "1 month" in e.summary_text
    # testing on the days without prednisolone: yes (was the colds answer)
    f = answer("alternate day pred - dip on the off days too?", audience="family")
    assert f.summary_text.startswith("Yes. Test the first urine every morning")
    # bleeding after a kidney biopsy: same-day review; a blood-stained dipstick at presentation is no biopsy bleed
    g = answer("she had her kidney biopsy yesterday, now her wee is pink with clots and her back hurts on that side",
               audience="family")
    assert g.summary_text.startswith("Call the ward that did the biopsy")
    h = answer("new NS 7yo, dip blood 1+, C3 a bit low, HBsAg positive today. biopsy first?")
    assert not h.summary_text.startswith("Same-day review")
    # a dose reaching its cap says so in the first line; two named courses and their totals are both worked out
    i = answer("12yo 45kg first episode pred dose?")
    assert "(2 mg/kg/day × 45 kg = 90 mg/day, capped at the 60 mg/day maximum)" in i.summary_text
    j = answer("11yo 32 kg FRNS, oral cyclophosphamide: 2 mg/kg x 12 wk or 3 mg/kg x 8 wk - mg/day and total course "
               "dose for each?")
    assert "64 mg" in j.summary_text and "96 mg" in j.summary_text and j.summary_text.count("5376 mg") >= 2
    # a per-m2 dose with a weight and no height says why no mg amount follows (never a guessed surface area)
    k = answer("7yo 24 kg FRNS in remission, starting MMF - dose?")
    assert "the child's height is needed" in k.summary_text
    # a girl's periods and fertility on cyclophosphamide; a healthy sibling exposed to chickenpox
    m = answer("will cyclophosphamide mess up her periods or stop her having babies one day?", audience="family")
    assert m.summary_text.startswith("Unlikely")
    n = answer("healthy 9yo brother of my 6yo SDNS pt on tac, VZV IgG neg; his best mate came out in spots today, they "
               "were together yesterday. Can I give the brother varicella vaccine now?")
    assert n.summary_text.startswith("Yes: a healthy non-immune sibling") and "10 days" in n.summary_text
    # no gendered pronoun or child's detail in a general answer
    o = answer("does getting nephrotic syndrome at age 10 mean a worse type?", audience="family")
    assert o.summary_text.startswith("Not if it goes away with prednisolone") and " his " not in o.summary_text


def test_round_40_probe_fixes():
    # a herbal powder instead of prednisolone: No, do not stop or swap (was the first-episode course); a person's
    # name is no unknown subject ("no information on Arjun")
    a = answer("I am the grandmother of Arjun, he is 5 and back on prednisolone. A relative is posting an ayurvedic "
               "herbal powder. Is it safe to swap? And can he take the powder alongside his prednisolone?",
               audience="family")
    assert a.summary_text.startswith("No. Please do not stop or swap the prednisolone")
    assert "Arjun" not in a.summary_text
    # hallucinations on high-dose prednisolone (was the relapse plan)
    b = answer("on 60mg pred for a relapse n last 2 nights hes seeing spiders on the wall that arent there. is that "
               "the steroids??", audience="family")
    assert b.summary_text.startswith("It could be") and "do not stop or lower the prednisolone" in b.summary_text
    # a medicine the child refuses is not the one dosed (was the ciclosporin dose)
    c = answer("14yo girl 50 kg SRNS. She refuses ciclosporin (hair) - tac mg per dose and target trough?")
    assert "Tacrolimus 2.5 mg twice daily" in c.summary_text and "Cyclosporine 125 mg" not in c.summary_text
    # genetic testing: not for steroid-dependent NS, still for SRNS in an older child
    d = answer("hes steroid dependent n keeps relapsing, shouldnt he have a gene test to find out why",
               audience="family")
    assert d.summary_text.startswith("Usually not")
    # partial remission after a CNI, then MMF: CNI-responsive and multidrug-resistant, never "CNI-resistant" next step
    e = answer("10yo FSGS, tac: partial remission by month 4, never complete; switched to MMF, 12 mo on MMF still UPCR "
               "120, alb 31. By KDIGO 2025 is she CNI-resistant, multidrug-resistant or neither?")
    assert "CNI-responsive, not CNI-resistant" in e.summary_text
    # chickenpox contact months after all treatment stopped: not the on-treatment emergency
    f = answer("chickenpox at nursery. son is 4, off all his meds since march and never had it. anything we need to do?",
               audience="family")
    assert "not the emergency" in f.summary_text.splitlines()[0]
    g = answer("chickenpox at nursery, my son is on prednisolone and never had it", audience="family")
    assert "not the emergency" not in g.summary_text
    # starting relapse prednisolone on the first 3+ morning; a weekly dipstick question is no relapse-rule answer
    h = answer("relapse plan says start pred after 3+ for 3 mornings. can we just start it on the first 3+ morning to "
               "catch it early, is there any harm?", audience="family")
    assert h.summary_text.startswith("Not without asking the team first")
    # the albumin result lost at week 4: the IPNA/KDIGO difference (was the CNI recommendation)
    i = answer("wk 4 pred: UPCR 110 mg/mmol, lab lost the albumin. partial remission or SRNS?")
    assert i.summary_text.startswith("The guidelines differ")
    # less swelling on furosemide is not remission
    j = answer("swelling has gone right down with the furosemide, does that mean the nephrotic is getting better",
               audience="family")
    assert j.summary_text.startswith("Not necessarily")


def test_round_41_probe_fixes():
    # three mornings of 3+ with a normal albumin is a relapse (was "Not yet, if it is only the first or second day")
    a = answer("Our son is 6, off all medicines since April. Dipstick 3+ on Monday, Tuesday and again this morning, eyes "
               "a little puffy. The GP says his albumin is normal (35) so it can't be a relapse. Who is right?",
               audience="family")
    assert a.summary_text.startswith("The relapse plan is right")
    # AKI before a planned CNI start: not yet (was the CNI recommendation)
    b = answer("neph reg - SRNS wk 6, 3rd MP pulse today, creat 35 -> 72, on enalapril - still start tac tomorrow?")
    assert b.summary_text.startswith("Not yet if creatinine has risen sharply")
    # genital swelling and unable to pass urine: now, tonight (was "call the kidney team today")
    c = answer("4yo in relapse, her front bottom so swolen she cant wee", audience="family")
    assert c.summary_text.startswith("Get help now, tonight")
    # eye pressure is not blood pressure; "cushingoid" beside a misspelt "letter" is answered
    d = answer("optician said his eye pressure is high, been on pred 3yrs. steroids?", audience="family")
    assert "glaucoma" in d.summary_text.splitlines()[0] and "blood pressure" not in d.summary_text.splitlines()[0]
    e = answer("clinic leter says hes cushingoid wat does that mean", audience="family")
    assert e.scope == "covered" and "round, full face" in e.summary_text
    # "mg/day? cap? cumulative mg/kg?" is a dose question: the capped dose and the course total against the limit
    f = answer("pharmacist - oral cyclophos 3 mg/kg/d x 8 wk, 15yo girl 58 kg - mg/day? cap? cumulative mg/kg?")
    assert "capped at the 150 mg/day maximum" in f.summary_text and "144.8 mg/kg" in f.summary_text
    # a 24-hour protein with a stated BSA, asked as remission: worked out against the 100 mg/m2/day cut-off
    g = answer("SRNS on tac, 24h urine protein 95 mg, BSA 0.85 m2 - counts as complete remission?")
    assert g.summary_text.startswith("For 95 mg in 24 hours at BSA 0.85 m2, as stated: 112 mg/m2/day, not complete")
    # a tacrolimus trough between the two guidelines' targets in remission
    h = answer("SDNS 7yo on tac 1 mg bd, CR 8 mo, C0 3.8 - push up to KDIGO 5-10?")
    assert h.summary_text.startswith("Not necessarily") and "3-7" in h.summary_text
    # 4+ is no reason for more prednisolone; a sibling's cold is nobody's fault
    i = answer("is 4+ worse than 3+ does he need more pred", audience="family")
    assert i.summary_text.startswith("No.")
    j = answer("my cold made my sisters nephrotic come back?? is it my fault", audience="family")
    assert j.summary_text.startswith("No, it is not your fault")


def test_review_of_rounds_39_to_41_keeps_new_answers_to_their_own_situations():
    # the off-treatment chickenpox answer never reaches a child still on tacrolimus, just off steroids, or measles
    for q in ("chickenpox at school, he's off prednisolone now but still on tacrolimus, never had it. what do we do?",
              "chickenpox at nursery, he came off his steroids last week and never had it",
              "There's measles at his school. He has been off all his medicines since March"):
        assert "not the emergency" not in answer(q, audience="family").summary_text, q
    # the post-biopsy bleeding rule needs blood in the urine soon after a biopsy, not "blood tests" years later
    a = answer("She had a kidney biopsy 2 years ago showing MCD. Blood tests today show albumin 18. What next?",
               audience="family")
    assert not a.summary_text.startswith("Call the ward that did the biopsy")
    # "fit" as in "fitting the definition" or "a fit for her" is no seizure; "had a fit for about a minute" is
    for q in ("on tacrolimus 6 months with no response, is he fitting the definition of CNI resistance?",
              "would ciclosporin or tacrolimus be a fit for her given the cosmetic side effects?"):
        assert "PRES" not in answer(q).summary_text.splitlines()[0], q
    b = answer("My son is 12 and on tacrolimus. He had a really bad headache and just now he had a fit for about a minute.",
               audience="family")
    assert b.summary_text.startswith("Go to hospital now")
    # a herbal tea asked on its own is not the "do not swap prednisolone" answer
    c = answer("is camomile herbal tea safe with prednisolone?", audience="family")
    assert not c.summary_text.startswith("No. Please do not stop or swap")
    # a second course of cyclophosphamide: one course only, said before any dose
    d = answer("FRNS, 25 kg, had 12 weeks of cyclophosphamide 2 years ago, relapsing again. second course 2 mg/kg x 12 wk, "
               "total course dose?")
    assert d.summary_text.startswith("Not a second course") and "stays within" not in d.summary_text
    # a 24-hour protein: "in remission until last month" does not turn a nephrotic-range question into a remission one
    e = answer("she was in remission until last month. 20 kg, 115 cm, 24-h urine protein 1.2 g. nephrotic range?")
    assert "nephrotic range by the current threshold" in e.summary_text
    # a girl's periods on tacrolimus is not the cyclophosphamide answer
    f = answer("will tacrolimus mess up her periods or stop her having babies one day?", audience="family")
    assert "Cyclophosphamide rarely harms a girl's ovaries" not in f.summary_text


def test_round_42_probe_fixes():
    # a misspelt everyday adverb ("actualy") names no subject; "wat" is "what" (was "no information on wat actualy")
    a = answer("doc wants to start cellcept, wat is it actualy for", audience="family")
    assert a.scope == "covered" and a.summary_text.startswith("Mycophenolate (MMF, CellCept) is a medicine")
    # a late responder is steroid-sensitive (was "Is that the same as being steroid resistant? Yes, usually")
    b = answer("The clinic letter calls our son a 'steroid sensitive late responder'. He went clear in week 5. Is that the "
               "same as being steroid resistant?", audience="family")
    assert "Yes, usually" not in b.summary_text and "steroid-sensitive" in b.summary_text
    # measles contact told as "sat next to a child with measles", beside documented MMR: the measles answer
    c = answer("GP referral - 8yo with SDNS on MMF and tacrolimus, MMR x2 documented, sat next to a child with confirmed "
               "measles 3 days ago. Needs IVIG?")
    assert c.summary_text.startswith("Check measles immunity now")
    # low tacrolimus troughs at 3 months of SRNS: not CNI failure yet (was the starting dose)
    d = answer("SRNS 6yo 20 kg, tac 1 mg bd x 3 mo, troughs 3-4, UPCR still 280 mg/mmol. up the dose or call it CNI failure?")
    assert d.summary_text.startswith("Not CNI failure yet")
    # a relapse with no cold before it (was "Yes, it can: a cold ... often sets off a relapse")
    e = answer("relapsed again but no cold or anything this time, why??", audience="family")
    assert e.summary_text.startswith("Relapses can happen with no cold")


def test_round_43_probe_fixes():
    # a relapse to treat while the child has chickenpox: the team before the first dose (was the on-treatment
    # chickenpox answer, "do not stop prednisolone suddenly", for a child on nothing)
    a = answer("she's off all her medicines, came out in chickenpox spots on friday and now the dipstick is 3+ three "
               "mornings running. her plan says start prednisolone, do we?", audience="family")
    assert a.summary_text.startswith("Do not start it on your own") and "aciclovir" in a.summary_text
    # ... but a chickenpox contact is no infection: not this answer
    b = answer("3+ for 3 days, start the prednisolone? she was in contact with chickenpox at school last week",
               audience="family")
    assert not b.summary_text.startswith("Do not start it on your own")
    # a CNI level taken after the morning dose is no trough (was the weight-based tacrolimus dose)
    c = answer("30 kg SRNS on tac 2 mg bd, level 16 today but mum had given the morning dose before the blood test. "
               "reduce?")
    assert c.summary_text.startswith("No, not on this result") and "mg twice daily" not in c.summary_text
    # vomiting and diarrhoea with a child barely drinking: advice today first, then what the 2+ means
    d = answer("she has a stomach bug, been sick 4 times and is hardly drinking, dipstick 2+ today. is it a relapse?",
               audience="family")
    assert d.summary_text.startswith("Get medical advice straight away") and "not a relapse" in d.summary_text.lower()
    # a live vaccine before a CNI while prednisolone is still high: No (was "Yes, before the MMF")
    e = answer("SRNS 25 kg on prednisolone 50 mg od, tacrolimus starting next week, VZV IgG negative - varicella vaccine "
               "first?")
    assert e.summary_text.startswith("No, not on this dose")
    f = answer("varicella IgG negative on low dose alternate day pred, MMF planned, give varicella vaccine now?")
    assert f.summary_text.startswith("Yes, before the MMF")
    # a trial's dosing is the trial's, never the child's dose of the story's medicine
    g = answer("SDNS 30 kg on tac, parents ask about rituximab: what did the Korean rituximab trial show, and what dosing "
               "did they use?")
    assert "74.3%" in g.summary_text and "Tacrolimus 1.5 mg" not in g.summary_text
    # "non-genetic" is no genetics question; "mg/mmol" asks no dose
    h = answer("non-genetic SRNS, partial remission on CsA (UPCR 150 mg/mmol), eGFR falling. what did FSGS-CT show?")
    assert h.summary_text.startswith("FSGS-CT found no significant difference")
    # a disease-causing variant found on a CNI: usually stop it; one heterozygous recessive variant is no such cause
    i = answer("SRNS on tacrolimus for 2 months, NGS back: homozygous pathogenic NPHS2 variant. stop the tac?")
    assert i.summary_text.startswith("Usually stop")
    j = answer("SRNS 5yo, NGS: one heterozygous pathogenic NPHS2 variant only. stop the tac?")
    assert not j.summary_text.startswith("Usually stop")


def test_round_43_review_rules_stay_narrow():
    # (a review of the round-43 change reproduced each of these)
    on_pred = answer("She relapsed last week and started her prednisolone 5 days ago. Now she has come out in chickenpox "
                     "spots. What should I do?", audience="family")
    assert "before the first dose" not in on_pred.summary_text
    sibling = answer("Her brother has chickenpox at home. She has been 3+ for three days. Do I start her prednisolone?",
                     audience="family")
    assert "before the first dose" not in sibling.summary_text
    trough = answer("Tac level 14 taken before her morning dose as usual, creatinine stable. Reduce the dose?")
    assert not trough.summary_text.startswith("No, not on this result")
    c2 = answer("What is the target ciclosporin C2 (2-hour post-dose) level?")
    assert not c2.summary_text.startswith("No, not on this result")
    strength = answer("We have prednisolone (5 mg tablets). She is 20 kg, 3+ for 3 days, is 40 mg right?", audience="family")
    assert "5 mg of prednisolone is less" not in strength.summary_text
    drinking = answer("she has had diarrhoea for two days but she has not stopped drinking and her wees are normal. 2+. "
                      "Is it a relapse?", audience="family")
    assert not drinking.summary_text.startswith("Get medical advice straight away")
    het = answer("SRNS 6yo on tac 3 months, partial response. NGS back: heterozygous pathogenic NPHS2 variant. Stop the tac?")
    assert not het.summary_text.startswith("Usually stop")
    baby = answer("im 16, my sister has had nephrotic syndrome since she was a baby. could i be carrying it and pass it on?",
                  audience="family")
    assert not baby.summary_text.startswith("Very unlikely")
    puberty = answer("My son is 14 and has no signs of puberty after years of prednisolone. Is this the steroids? Is there "
                     "anything that can be done?", audience="family")
    assert puberty.summary_text.startswith("Possibly") and "eye" not in puberty.summary_text
    mmf = answer("started mycophenolate 3 weeks ago, since then tummy ache and runny poo most days. is it the "
                 "mycophenolate? also the leaflet says it can cause cancer, is that true for kids", audience="family")
    assert "Is it the mycophenolate?" in mmf.summary_text
    thirst = answer("She gets up at night to wee a lot since starting prednisolone and is very thirsty, is that normal?",
                    audience="family")
    assert thirst.summary_text.startswith("It could be high blood sugar")
    no_thirst = answer("15yo in relapse on pred 60 mg, random glucose 14.6, no polyuria or polydipsia. insulin?")
    assert not no_thirst.summary_text.startswith("Check the blood glucose the same day")


def test_round_44_probe_fixes():
    # a many-fold tacrolimus dose given by mistake: an overdose, never the usual dose worked out
    a = answer("18 kg on tacrolimus 1 mg/mL, usual 0.9 mg bd, dad gave 9 mL by mistake this morning. send home?")
    assert a.summary_text.startswith("Treat it as an overdose")
    # ... but a brand change is no overdose
    b = answer("the pharmacy gave us Adoport instead of Prograf this month, is that ok?", audience="family")
    assert "overdose" not in b.summary_text.lower()
    # a young person's own dark thoughts: their answer, not the parent's
    c = answer("im 16 and on pred for a relapse and i keep thinking everyone would be better off without me", audience="family")
    assert c.summary_text.startswith("Please tell someone today") and "999" in c.summary_text
    # a stated ciclosporin dose a little above the range, asked about, is said so (FRNS dosed by the SDNS rule)
    d = answer("FRNS 26 kg, ciclosporin (Neoral) 75 mg bd started - does that dose look right?")
    assert d.summary_text.startswith("Slightly above the range")
    # "(trough 7)" is a quoted level; "(3)" after "level?" is a list number
    from nephroguide.answer.direct import quotes_level
    assert quotes_level("on tac 1.5 mg bd (trough 7) + enalapril") and not quotes_level("take the level? (3) which bloods")
    # partial remission at day 28 by a local rule: the confirmation period, not the alternate-day switch
    e = answer("day 28 of pred 60 mg/m2, 20 kg, dip 1+, UPCR 150 mg/mmol, alb 31. local rule calls UPCR under 200 "
               "remission so switch to alternate days. What would KDIGO call it, and do we switch or extend?")
    assert "partial remission" in e.summary_text[:300] and not e.summary_text.startswith("Treat the first episode")
    # leftover relapse prednisolone past its date on the third day of 3+
    f = answer("third morning of 3+ today and the spare prednisolone expired in april, use it?", audience="family")
    assert f.summary_text.startswith("Ring the kidney team, your GP or a pharmacy today")
    # coated tablets are not crushed; a negative dipstick beats frothy urine; exams do not delay a relapse course
    assert answer("can i crush the gastro-resistant prednisolone tablets into yoghurt", audience="family").summary_text \
        .startswith("No, do not crush")
    assert answer("wee is bubbly but the stick is negative, which is right?", audience="family").summary_text \
        .startswith("Trust the dipstick")
    g = answer("relapse confirmed today but my GCSEs are next week, can I put off the prednisolone until after?",
               audience="family")
    assert g.summary_text.startswith("No, please do not wait")
    # working a UPCR out from the raw results
    h = answer("urine protein 0.3 g/L and creatinine 6 mmol/L, how do I work out the UPCR?", audience="student")
    assert h.summary_text.startswith("Divide the protein in mg/L")


def test_round_45_safety_fixes():
    # swollen optic discs with headache: same day, never a routine referral
    a = answer("GP - 10yo off steroids for a month, headaches and vomiting, optician says papilloedema. routine referral ok?")
    assert a.summary_text.startswith("No, not routinely")
    # a low white count on oral cyclophosphamide: hold it (was the low-dose prednisolone limit)
    b = answer("8yo 24 kg on oral cyclophosphamide 48 mg od week 6, neutrophils 0.8 today, well. continue?")
    assert b.summary_text.startswith("Hold it and recheck")
    # trimethoprim beside tacrolimus and an ACE inhibitor, asked "ok?": never a tacrolimus dose check
    c = answer("SRNS 25 kg on tac 2 mg bd and enalapril, K 5.1. UTI - trimethoprim 4 mg/kg bd ok?")
    assert c.summary_text.startswith("Better avoided if potassium is already high") and "Check the dose" not in c.summary_text
    # an extra prednisolone dose given by mistake, misspelt: the extra-dose answer, not the course
    d = answer("accidently gave her pred twice today, 60mg instead of 30, do i skip tomorrow", audience="family")
    assert "extra" in d.summary_text and "every other day" not in d.summary_text


def test_round_45_family_fixes():
    # "can he catch it off her?" after a sibling's vaccine rash: the chickenpox, never "Nobody can catch nephrotic
    # syndrome"
    a = answer("her brother had the chickenpox vaccine last week and now has a few spots. she is on tacrolimus and not "
               "immune. can she catch it off him?", audience="family")
    assert "Nobody can catch" not in a.summary_text and "kidney team today" in a.summary_text
    b = answer("I've got a cold sore and my daughter on prednisolone has eczema, can I still kiss her goodnight?",
               audience="family")
    assert b.summary_text.startswith("It can spread to your child")
    c = answer("dose is 7.5 mg and we only have 5 mg soluble tablets, how do I give half a tablet?", audience="family")
    assert c.summary_text.startswith("Ask the pharmacist to show you how")


def test_hiding_the_taste_of_prednisolone_in_a_drink_gets_the_how_to_give_it_answer():
    # (a closing question of session 27 got the calcium answer)
    a = answer("my son is 4 and hates the taste of his prednisolone, can I give it with chocolate milk?", audience="family")
    assert a.summary_text.startswith("Yes, if they are ordinary tablets") and "she" not in a.summary_text.split()


def test_a_part_said_to_be_unanswered_makes_the_answer_partly_covered():
    from nephroguide.answer.direct import PartLine, scope_with_unanswered, settings

    text = settings()["not_covered"]["part_family"]
    scope, note = scope_with_unanswered([PartLine("can I put it in her juice", text, None)], "covered", "")
    assert scope == "partly_covered" and "can I put it in her juice" in note
    assert scope_with_unanswered([PartLine("can she swim", "Yes.", None, refs=("leaflets",))], "covered", "") == \
        ("covered", "")
    b = answer("tac for SDNS - target trough and what bloods q3 months?")   # "q3 months" is every 3 months
    assert "magnesium" in b.summary_text and "Not answered here" not in b.summary_text and b.scope == "covered"
    c = answer("how long do we keep testing after the steroids finish? and morning wee or any time?", audience="family")
    assert "6 months" in c.summary_text
    # "et al." ends no sentence of the message
    d = answer("What did Kapur et al. (2009) find about diuretics alone in volume-expanded children?", audience="student")
    assert "spironolactone" in d.summary_text and "et al?" not in d.summary_text


def test_ear_piercing_on_prednisolone_is_answered_as_a_gap_with_the_infection_advice():
    # (session 26's closing question: got a prednisolone side-effect study)
    a = answer("my daughter has nephrotic and wants her ears pierced for her birthday, shes on prednisolone every other "
               "day, ok?", audience="family")
    assert a.summary_text.startswith("Ask the kidney team first") and a.scope == "partly_covered"


def test_a_relapse_course_asked_ahead_of_a_relapse_is_the_relapse_course():
    # (a closing question of session 26: "when he relapses" got the first-episode course, 4 weeks daily then 4 weeks
    # on alternate days, though the child is not in relapse now)
    a = answer("how much prednisolone will my 22 kg son take when he relapses and for how long", audience="family")
    assert a.summary_text.startswith("Prednisolone 44 mg once daily") and "clear for 3 days" in a.summary_text
    assert "4 weeks (some teams use 6 weeks)" not in a.summary_text
    b = answer("22 kg first episode pred dose?")
    assert "Weeks 1-4 (or 1-6), daily: Prednisolone 44 mg once daily" in b.summary_text


def test_round_46_47_safety_fixes():
    # an emergency leads; the check of a stated dose follows it, and "more furosemide?" is answered No
    a = answer("my 5 year old (18kg) relapsed, on pred 36mg and furosemide, now fever 39 and bad tummy ache. should I "
               "give more furosemide??", audience="family")
    assert a.summary_text.startswith("Go to hospital now") and "Do not give extra furosemide" in a.summary_text
    assert a.summary_text.index("Do not give extra furosemide") < a.summary_text.index("36 mg of prednisolone")
    # a relapse told after a complete remission is no SRNS: the relapse course, never the low-dose limit with a CNI
    b = answer("5yo 18kg 110cm SSNS, CR day 10 after 4+4 wks pred, relapsed 2 months later, now dip 3+ x3 days. pred dose?")
    assert "Low-dose prednisolone with a CNI" not in b.summary_text and "once daily" in b.summary_text
    assert "srns" not in b.understanding["stage"]
    # peritonitis with shock from "CRT 3s"; the antibiotic dose is named a gap, never the prophylaxis answer
    c = answer("ED 6yo known NS in relapse, T 39, abdo pain with guarding, CRT 3s, HR 150. which abx and dose?")
    assert c.summary_text.startswith("Peritonitis with shock") and c.scope == "partly_covered"
    assert "prophylaxis is unproven" not in c.summary_text
    # a planned cyclophosphamide course has not reached the lifetime limit: the general rule, never "already had"
    d = answer("my daughter is 12, 40kg, starting cyclophosphamide tablets 80 mg a day for 12 weeks. what side effects "
               "should we watch for?", audience="family")
    assert d.scope != "not_covered" and "already had the largest" not in current_text(d)
    # MMR after rituximab, off steroids: not yet (it is live, like the nasal flu spray)
    e = answer("had rituximab 4 months ago and finished pred 5 weeks ago, school nurse says she can have the MMR booster "
               "now, is that right?", audience="family")
    assert e.summary_text.startswith("Not the MMR yet")
    # thirst is not read from "stop him drinking so much" beside gross scrotal swelling
    f = answer("he is 4 and relapsed, his scrotum is massive and shiny and he is weeing less. can i give him some of the "
               "old furosemide? should i stop him drinking so much", audience="family")
    assert "blood sugar" not in f.summary_text and "Do not give extra furosemide" in f.summary_text


def test_round_46_47_family_fixes():
    # the pill with MMF and a piercing asked in one message: both answered
    a = answer("im 17 on mycophenolate for my kidneys. my boyfriend and i want me to go on the pill, is that ok with my "
               "meds? also i want my nose pierced lol is it allowed", audience="family")
    assert "condoms" in a.summary_text and "Ask your kidney team before you book it" in a.summary_text
    # drinking at an 18th is about alcohol, never how much water to drink
    b = answer("im nearly 18 and on tacrolimus, can i drink at my 18th?", audience="family")
    assert b.direct_answer == "answer.transition.alcohol"
    # a young person on mycophenolate who wants to stop it: never "do not stop prednisolone"
    c = answer("im 14 on mycophenolate and my hair is falling out, can i just stop taking it?", audience="family")
    assert "prednisolone" not in c.summary_text.split(".")[0] and c.summary_text.startswith("No")
    # moving area: a new kidney team, never a transplant answer ("new kidney")
    d = answer("we are moving to manchester next month, do we need a new kidney doctor or can the GP do his tacrolimus "
               "bloods?", audience="family")
    assert d.direct_answer == "answer.transition.moving_area"
    # a baby under 1: the sibling answer for steroid-sensitive families is not given
    e = answer("our twins are 8 months old and one has nephrotic syndrome, does his twin brother need testing too?",
               audience="family")
    assert "does not need a gene test" not in e.summary_text and "genes" in e.summary_text
    # the nasal flu spray for the child himself, beside the siblings' vaccines
    f = answer("can his sisters have the MMR and the nasal flu spray? he is on tacrolimus", audience="family")
    assert "not the nasal spray" in f.summary_text
    # a stated shorthand "y/n" is a question; a relative clause "which terrified me" is none
    g = answer("SRNS 15yo on tac. LDL 4.6 on 3 checks. statin y/n, which?")
    assert "statin" in g.summary_text.lower()


def test_a_dose_in_grams_is_checked_and_a_worried_double_question_mark_asks_no_dose():
    a = answer("methylpred 1 g IV daily x3 charted for a 20 kg 115 cm child with SRNS before tac - right dose?")
    assert a.summary_text.startswith("Check the dose: 1000 mg of methylprednisolone is above the dose for 20 kg and 115 cm")
    b = answer("my son is 4 (16kg), on prednisolone 32mg since monday. my sister says its leukaemia and they arent telling "
               "us?? is it cancer", audience="family")
    assert b.summary_text.startswith("No. Nephrotic syndrome is not cancer") and "32 mg of prednisolone" not in \
        b.summary_text.split(".")[0]


def test_round_48_fixes():
    # a young woman off all treatment asking about pregnancy: never "do not stop your tablets" or the pill answer
    a = answer("im 20, had nephrotic syndrome as a kid, was on tacrolimus till 14 and have been off everything since. can i "
               "get pregnant ok and will my baby get it?", audience="family")
    assert a.summary_text.startswith("Usually yes") and "must never be stopped" not in a.summary_text
    # a transplant question is not answered with the CNI rule for a low eGFR
    b = answer("SRNS FSGS, CNI-resistant, eGFR 15, living donor transplant planned - recurrence risk and does RTX prevent it?")
    assert "withholds CNIs" not in b.summary_text
    # "football trials" are no clinical trials
    from nephroguide.answer.understand import understand
    assert understand("ive got county football trials next month, is that ok on ciclosporin?").intent != "evidence"
    # a chewable supplement from a shop is a supplement question
    c = answer("should i give my 7 year old the calcium and vitamin d chewables from boots? she is on pred a lot",
               audience="family")
    assert c.scope != "not_covered" and "calcium" in c.summary_text.lower()


def test_review_of_rounds_47_48():
    # a pregnant mother on treatment, whose son also has NS: "do not stop your tablets"
    a = answer("I had nephrotic syndrome too and I'm on tacrolimus and prednisolone. I'm 12 weeks pregnant and my son has "
               "nephrotic syndrome as well. should I stop my tablets in case they hurt the baby?", audience="family")
    assert a.summary_text.startswith("No, do not stop your tablets")
    # losartan in pregnancy keeps its warning when nothing else is taken
    b = answer("im 18 and on losartan for protein, not taking anything else. I might be pregnant, does losartan hurt a baby?",
               audience="family")
    assert "harm an unborn baby" in b.summary_text
    # blame told with "because"
    c = answer("is it because I smoked when I was pregnant with her?", audience="family")
    assert c.summary_text.startswith("No. Nothing you did")
    # an IV dose of a medicine with oral rules is not checked against the oral daily dose; rituximab 1 g is not flagged
    d = answer("30kg child SDNS, cyclophosphamide 0.5 g IV monthly x6, is that right?")
    assert "Check the dose" not in d.summary_text
    e = answer("15yo 60kg 165cm SDNS, rituximab 1000 mg x2, is that dose right?")
    assert "Check the dose" not in e.summary_text
    # the CNI rule for a low eGFR stands beside a transplant mentioned in passing
    f = answer("SRNS, eGFR 20, is tacrolimus still ok? family ask about a kidney transplant later")
    assert "withholds CNIs" in f.summary_text
    # a child who will not swallow tablets is no poisoning
    g = answer("he won't swallow tablets, can he have chewable prednisolone?", audience="family")
    assert "poisons" not in g.summary_text


def test_a_change_of_weight_is_not_the_childs_weight():
    # "goes up more than 1 kg ... up 1.2 kg" once gave "Furosemide 1 mg IV per dose" (1 kg read as the weight; "2 kg"
    # read out of "1.2 kg")
    from nephroguide.answer.understand import understand

    u = understand("the plan says give an extra dose of furosemide if his weight goes up more than 1 kg. It's up 1.2 kg "
                   "today and he's well. Should I give it?")
    assert u.detail("weight_kg") is None
    a = answer("the plan says give an extra dose of furosemide if his weight goes up more than 1 kg. It's up 1.2 kg today "
               "and he's well. Should I give it?", audience="family")
    assert "1 mg" not in a.summary_text and "2 mg" not in a.summary_text
    assert understand("up 1.2 kg since monday, 18 kg").detail("weight_kg") == 18.0


def test_rounds_49_50_fixes():
    # a relapse story told as "+++ again ... restart the prednisolone" is no first episode: not 4 weeks of daily
    # prednisolone, and not yet a relapse after 2 days
    a = answer("my son is 5 (19kg) and his dipstick this morning was +++ again, thats 2 days running. hes been off pred "
               "since march. do i restart the prednisolone today or wait, and how much do i give him?", audience="family")
    assert a.summary_text.startswith("Not yet") and "4 weeks (some teams" not in a.summary_text
    assert "38 mg" in a.summary_text
    # "do I give her another 30mg" beside the vomited-dose answer is answered by it
    b = answer("My daughter threw up her prednisolone about 15 mins after taking it this morning. shes 4 and on 30mg every "
               "day for a relapse. do i give her another 30mg or will that be too much??", audience="family")
    assert "same dose again" in b.summary_text and "not answered" not in b.summary_text
    # never two tacrolimus doses to make up a missed one; "When I've got tournaments ... I forget" tells, not asks
    c = answer("I'm 16 and on tacrolimus. When I've got basketball tournaments at the weekend I sometimes forget my evening "
               "dose till the next morning. Is that a big deal? Can I just take 2 in the morning to make up for it",
               audience="family")
    assert c.summary_text.startswith("Do not take two doses together") and "tournaments" not in c.summary_text
    # the question asked again of a sister is about her vaccine, never whether she will get nephrotic syndrome
    d = answer("GP here. 8yo on levamisole + pred 7.5 mg alt days for FRNS. School nasal flu vaccine day is next week - "
               "can he have it? And his younger sister?")
    assert "household contacts" in d.summary_text and "affected sibling" not in d.summary_text
    # stopping ciclosporin on their own is never "Often yes"
    e = answer("My 11 yr old is on ciclosporin and she's getting dark hair on her arms and her gums look swollen. Is "
               "there something else she could take instead? Can we just stop it?", audience="family")
    assert "do not stop it on your own" in e.summary_text and "Often yes" not in e.summary_text
    assert e.summary_text.startswith("Tacrolimus")
    # atypical features in a teenager: not prednisolone and a routine referral; a typical child is not told "No"
    f = answer("GP here. 13yo girl, puffy eyes and ankles, urine 4+ protein 3+ blood, BP 142/94 on repeat, cola "
               "coloured wee last week. OK to start pred 60mg and send a routine referral to paeds?")
    assert f.summary_text.startswith("No, not with an atypical feature")
    g = answer("GP here, 5 year old, puffy eyes, dipstick 4+ protein no blood, BP normal, ok to start pred and send a "
               "routine referral?")
    assert not g.summary_text.startswith("No, not with an atypical")
    # a dose worked from the swollen weight is said so; a dose above mg/kg without a height asks for the height
    h = answer("ED. 4yo first presentation. 16.2kg today, 14.5kg before the swelling, height 102cm. Writing pred 2mg/kg = "
               "32mg od, is that right?")
    assert h.summary_text.startswith("Worked from the oedematous weight") and "29 mg" in h.summary_text
    i = answer("18kg boy on pred 40mg daily for relapse - right dose?")
    assert i.summary_text.startswith("Needs the height to judge") and "36 mg" in i.summary_text
    j = answer("son is 3 (15kg) home since sunday on 35mg pred. I've kept him on the sofa, is that right??",
               audience="family")
    assert "check this dose" not in j.summary_text
    # every child and prophylaxis: never the treatment of a clot
    k = answer("why do nephrotic kids get blood clots and does every child need anticoagulation?", audience="student")
    assert "Not routinely" in k.summary_text and not k.summary_text.startswith("Anticoagulate")
    # late steroid resistance: "what should we start?" is answered by the answer given (never a unit conversion)
    m = answer("6yo, steroid-sensitive since age 2. Current relapse: 4 weeks of prednisolone 60 mg/m2 daily, UPCR still "
               "380 mg/mmol, albumin 23 g/L. Is this late steroid resistance? Does he need a biopsy and genetic testing, "
               "and what should we start?")
    assert m.summary_text.startswith("Treat it as secondary (late) SRNS") and "millimole" not in m.summary_text
    # a parent who had it, or whose husband had it
    n = answer("my husband had nephrotic syndrome as a child, will our baby get it?", audience="family")
    assert n.summary_text.startswith("Very unlikely")
    o = answer("can nephrotic syndrome be passed on to children", audience="family")
    assert "little urine" not in o.summary_text and o.topic == "genetics"


def test_round_51_and_review_of_rounds_49_50():
    # an albumin result or furosemide already taken keeps the steroid emergency first
    z = answer("10yo on long-term prednisolone, ran out and missed 3 days of doses, now vomiting, lethargic, BP 80/45, HR "
               "145. Bloods: Na 128, K 5.6, albumin 30. Management?")
    assert z.summary_text.startswith("Treat as an emergency now")
    # a first episode with a relapse spoken of (a cousin's, a chance, none yet) is still a first episode
    y = answer("First episode 2 weeks ago, 20 kg, responding well. Parents are worried because a cousin relapsed. How "
               "long is the daily prednisolone?")
    assert "relapse" not in y.summary_text.split(".")[0].lower()
    # a shocked child with albumin and furosemide proposed: no furosemide (never the adrenal-crisis answer first)
    a = answer("ED consultant. 8yo known SSNS, relapsed 5 days ago, mum restarted pred at home. Now vomiting, abdominal "
               "pain, lethargic, cool peripheries, CRT 4 s, HR 140, BP 95/60, passed little urine today. Registrar wants "
               "20% albumin with IV furosemide because of the oedema. Is that appropriate, and what else?")
    assert a.summary_text.startswith("No furosemide while there are signs")
    # a teenager thinking of skipping steroids for a moon face
    b = answer("im 15 and back on high dose steroids again. my face has gone massive and round and people at school keep "
               "commenting. honestly thinking of skipping them for a few days so it goes down a bit. would that actually "
               "be that bad", audience="family")
    assert b.summary_text.startswith("Please do not stop prednisolone or skip doses")
    # how levamisole acts is a gap, said first (never how soon it works)
    c = answer("how does levamisole work exactly", audience="student")
    assert c.summary_text.startswith("Not in nephroguide's sources: how levamisole works")
    # "+++ on dipstick" in a child never diagnosed is no relapse; a GP's words told by a family keep "today"
    d = answer("The GP said his urine was +++ on the dipstick and his eyes are puffy. This has never happened before. "
               "What should we do?", audience="family")
    assert d.summary_text.startswith("See a doctor today")
    e = answer("GP found 4+ protein, puffy eyes. He said it is fine to start steroids and he'll refer us. Should we go "
               "to hospital today?", audience="family")
    assert e.summary_text.startswith("See a doctor today")
    # dipstick blood is no atypical feature; a typical child is not sent for a biopsy first
    f = answer("GP here, 4 year old boy, puffy eyes, urine protein 4+ blood trace, BP 98/60. OK to start pred and send a "
               "routine referral?")
    assert "atypical feature" not in f.summary_text.split(".")[0]
    # a stated high reading keeps the number answer
    g = answer("His blood pressure was normal at clinic but 128/85 at home today. What number is too high?",
               audience="family")
    assert g.summary_text.startswith("There is no one number")
    # "not to restart" is no relapse; the swollen-weight line only when the dose is asked about
    h = answer("The doctor said not to restart the steroids yet, his urine is trace. Is that right?", audience="family")
    assert "full dose of prednisolone every day" not in h.summary_text
    i = answer("my son was 16.2 kg today but 14.5 kg before the swelling, the ward gave him 32mg. He is sleeping a lot, is "
               "that normal?", audience="family")
    assert "check this dose" not in i.summary_text
    # the sister's question only for a vaccine; a planned stop of ciclosporin keeps its answer
    j = answer("he had contact with chickenpox at nursery, he is on pred and not immune. Does he need the antibody "
               "injection? And his sister?", audience="family")
    assert "His sister? As soon as possible" not in j.summary_text
    k = answer("Should we stop the ciclosporin? He has been in remission on it for 2 years.")
    assert "Should we stop the ciclosporin? Often yes" in k.summary_text
    # a family's own written plan for an extra furosemide dose, on a well day
    m = answer("the plan says give an extra dose of furosemide if his weight goes up more than 1 kg. It's up 1.2 kg today "
               "and he's well. Should I give it?", audience="family")
    assert m.summary_text.startswith("Yes, if your child is otherwise well")
    # another brand of ciclosporin
    n = answer("is it ok to switch ciclosporin brands? the pharmacy gave a different one", audience="family")
    assert n.summary_text.startswith("Do not switch without checking")


def test_round_52_fixes():
    # a relapse after a first episode told as history is dosed as a relapse, never as a first episode
    a = answer("Ward reg. 6yo girl, 22 kg. First episode in Jan, remission day 9, finished 8-wk course 1 March. Relapsed "
               "12 March, remitted; relapsed again 2 May while still on the alt-day taper; now 3+ for 3 days again off "
               "pred. FRNS or SDNS? Relapse pred dose, and what is the next step?")
    assert a.summary_text.startswith("Prednisolone for a relapse") and "44 mg" in a.summary_text
    # "when the dose goes down" asks no dose: the side-effect answer, not the regimen
    b = answer("my son is 6 (21kg) on prednisolone 40mg every morning since last tuesday. hes not sleeping, crying at "
               "nothing and eating us out of house and home. is this the steroids?? will it calm down when the dose goes "
               "down", audience="family")
    assert b.summary_text.startswith("Probably, yes") and "42 mg" not in b.summary_text
    # 1+ with frothy urine "again" is not a relapse
    c = answer("frothy wee again this morning, stick says 1+. relapse??", audience="family")
    assert c.summary_text.startswith("No, not yet")
    # a weight "at his check 5 weeks ago" is the weight before the swelling; starting and alternate-day doses both
    d = answer("GP here. 4yo boy, first presentation, dipstick 4+. Weighs 19 kg today, was 16 kg at his check 5 weeks ago, "
               "height 102 cm. What prednisolone dose do I start, which weight do I use, and what is the alternate-day "
               "dose afterwards?")
    assert d.summary_text.startswith("Dosed on 16 kg") and "40 mg once daily" in d.summary_text
    assert d.summary_text.index("40 mg once daily") < d.summary_text.index("27 mg")
    # late responder vs SRNS is a definition, never the trial evidence
    e = answer("late responder vs SRNS - whats the difference?", audience="student")
    assert e.summary_text.startswith("Steroid-sensitive, a late responder")
    # the trial is named in the first line
    f = answer("Why are calcineurin inhibitors first-line for SRNS rather than IV cyclophosphamide? Which trial showed "
               "it?", audience="student")
    assert "Gulati 2012" in f.summary_text
    # moving an appointment is not moving house
    g = answer("im 14 on ciclosporin and got a bp cuff for home, keeps saying like 138/88. is that bad? also my mocks are "
               "the same week as my clinic appt can i move it", audience="family")
    assert "new home" not in g.summary_text


def test_a_second_course_of_cyclophosphamide_is_said_to_be_one_course_only():
    a = answer("Boy, 9, 28 kg, frequently relapsing SSNS. Had oral cyclophosphamide 2 mg/kg/day for 8 weeks aged 5. "
               "Consultant asked me to check whether we can give a 12-week course at 3 mg/kg/day now. What's his "
               "cumulative dose and is this ok?")
    assert "one course only" in a.summary_text
    b = answer("the consultant wants to give cyclophosphamide, how long is the course?", audience="family")
    assert "12 weeks" in b.summary_text and "first episode" not in b.summary_text
