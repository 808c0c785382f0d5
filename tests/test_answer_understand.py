"""Question understanding: abbreviations, brand names, typos, negation, time, patient details, intent."""

from __future__ import annotations

import datetime as dt

import pytest

from nephroguide.answer.understand import understand, validate_question
from nephroguide.errors import InputError

TODAY = dt.date(2026, 11, 21)


@pytest.fixture(scope="module")
def rule(pack):
    return pack.definition_set("current").relapse_frequency


def read(q: str, rule):
    return understand(validate_question(q), relapse_rule=rule)


# ------------------------------------------------------------------ abbreviations, synonyms, brand names

@pytest.mark.parametrize("q, drug", [
    ("child on FK506", "tacrolimus"), ("on TAC for SRNS", "tacrolimus"), ("Prograf levels", "tacrolimus"),
    ("CsA trough", "cyclosporine"), ("Neoral dose", "cyclosporine"), ("ciclosporin", "cyclosporine"),
    ("started CellCept", "mycophenolate_mofetil"), ("MMF in SDNS", "mycophenolate_mofetil"),
    ("switched to Myfortic", "mycophenolate_sodium"), ("RTX for SDNS", "rituximab"),
    ("Rituxan infusion", "rituximab"), ("MabThera", "rituximab"), ("CYC course", "cyclophosphamide"),
    ("CTX in FRNS", "cyclophosphamide"), ("Endoxan", "cyclophosphamide"), ("pred dose", "prednisolone"),
    ("predone", "prednisolone"), ("MP pulses", "methylprednisolone"), ("methylpred pulses", "methylprednisolone"),
    ("enalapril for proteinuria", "enalapril"), ("losartan", "losartan"),
])
def test_drug_names_and_brands(q, drug, rule):
    assert drug in read(q, rule).drugs


@pytest.mark.parametrize("q, label", [
    ("SRNS next step", "srns"), ("SSNS relapse", "steroid_sensitive"), ("FRNS options", "frequently_relapsing"),
    ("SDNS options", "steroid_dependent"), ("CNI-resistant SRNS", "cni_resistant"),
    ("multidrug resistant NS", "multidrug_resistant"), ("INS in a 4 year old, new onset", "first_episode"),
])
def test_abbreviations_set_the_stage(q, label, rule):
    assert label in read(q, rule).stage


def test_expansions_are_reported(rule):
    u = read("UPCR 3 and eGFR 80 in SRNS on a CNI, ACEi started", rule)
    expanded = dict(u.expansions)
    assert expanded["upcr"] == "urine protein to creatinine ratio"
    assert expanded["srns"] == "steroid resistant nephrotic syndrome"
    assert expanded["cni"] == "calcineurin inhibitor"
    assert "angiotensin converting enzyme inhibitor" in u.text
    assert u.detail("egfr") == 80


# ------------------------------------------------------------------ typos

@pytest.mark.parametrize("typed, fixed", [
    ("tacrolimsu", "tacrolimus"), ("steriod", "steroid"), ("nefrotic", "nephrotic"), ("vacine", "vaccine"),
    ("ritiximab", "rituximab"), ("prednisalone", "prednisolone"), ("levamisol", "levamisole"),
    ("micophenolate", "mycophenolate"), ("relapce", "relapse"), ("remision", "remission"),
])
def test_typos_are_corrected(typed, fixed, rule):
    u = read(f"question about {typed} please", rule)
    assert (typed, fixed) in u.corrections


@pytest.mark.parametrize("word", ["predict", "present", "patient", "children", "levels", "cyclist", "tactic",
                                  "pasta", "mum", "toddler", "recently", "nephrologist"])
def test_real_words_are_not_corrected(word, rule):
    u = read(f"my {word} question", rule)
    assert not u.corrections, u.corrections
    assert not u.drugs


@pytest.mark.parametrize("short", ["tac", "mmf", "csa", "cya", "ctx", "rtx", "mp"])
def test_short_abbreviations_are_never_fuzzy_matched(short, rule):
    u = read(f"is {short}x ok", rule)   # an unknown short token stays as typed
    assert not u.corrections and not u.drugs


# ------------------------------------------------------------------ negation and time

def test_not_responding_to_tacrolimus_is_cni_resistant(rule):
    u = read("SRNS not responding to tacrolimus", rule)
    assert dict(u.assessment)["cni_response"] == "resistant"
    assert "cni_resistant" in u.stage and "tacrolimus" in u.failed


def test_failed_steroids_is_srns(rule):
    u = read("failed steroids, what now?", rule)
    assert dict(u.assessment)["steroid_response"] == "resistant" and "srns" in u.stage


def test_in_remission_on_tacrolimus_is_cni_responsive(rule):
    u = read("SRNS in remission on tacrolimus", rule)
    assert dict(u.assessment)["cni_response"] == "responsive"
    assert "complete_remission" in u.stage


def test_not_in_remission_is_a_failure(rule):
    u = read("still not in remission on tacrolimus", rule)
    assert dict(u.assessment)["cni_response"] == "resistant"


def test_still_relapsing_after_a_steroid_sparing_medicine_is_its_failure(rule):
    assert read("FRNS, already had levamisole and MMF, still relapsing. which next?", rule).failed == \
        ("levamisole", "mycophenolate_mofetil")
    assert read("relapsing despite levamisole, next?", rule).failed == ("levamisole",)
    # the medicine offered after the cue did not fail; relapsing on prednisolone is dependence, not resistance
    assert read("still relapsing, should we try rituximab?", rule).failed == ()
    u = read("my son has had 3 relapses while on steroids, the doctor mentioned cyclophosphamide", rule)
    assert u.failed == () and "steroid_response" not in dict(u.assessment)


def test_steroid_resistant_disease_name_is_not_a_drug_failure(rule):
    u = read("steroid resistant nephrotic syndrome on tacrolimus: continue?", rule)
    assert "cni_response" not in dict(u.assessment)


def test_no_partial_remission_is_not_partial_remission(rule):
    u = read("no partial remission after 7 months of tacrolimus", rule)
    assert "partial_remission" not in u.stage and "cni_resistant" in u.stage


def test_duration_on_a_drug(rule):
    u = read("after 6 months of tacrolimus there is no response", rule)
    assert dict(u.durations)["tacrolimus"] == pytest.approx(6)
    assert dict(u.patient_drugs)["tacrolimus"] is True
    u = read("on FK506 0.1 mg/kg/day for 7 months", rule)
    assert dict(u.durations)["tacrolimus"] == pytest.approx(7)
    assert u.doses == (("tacrolimus", 0.1, "mg/kg/day"),)


@pytest.mark.parametrize("q, label", [
    ("relapsed twice in 6 months", "frequently_relapsing"),
    ("3 relapses in the last year", "frequently_relapsing"),
    ("relapsing 4 times this year", "frequently_relapsing"),
    ("relapsed once in 12 months", "infrequently_relapsing"),
    ("2 relapses in 12 months", "infrequently_relapsing"),
])
def test_relapse_counts_read_against_the_definition_set(q, label, rule):
    assert label in read(q, rule).stage


@pytest.mark.parametrize("q", ["our son has had 3 relapses since march", "she relapsed 3 times since christmas",
                               "this is her third relapse this year", "his 4th relapse since the summer"])
def test_relapses_since_a_time_this_year_are_frequent_when_a_year_would_be(q, rule):
    assert "frequently_relapsing" in read(q, rule).stage


@pytest.mark.parametrize("q", ["2 relapses since march", "her second relapse since the summer"])
def test_fewer_relapses_since_a_time_say_nothing(q, rule):
    # the window is at most a year: 2 since March could be frequent (first 6 months) or not, so no label
    stage = read(q, rule).stage
    assert "frequently_relapsing" not in stage and "infrequently_relapsing" not in stage


def test_relapse_on_taper_is_steroid_dependent(rule):
    assert "steroid_dependent" in read("he relapses every time we taper the prednisolone", rule).stage


# ------------------------------------------------------------------ patient details -> partial record

def test_patient_details_make_a_loadable_record(rule):
    from nephroguide.intake.record import load_patient

    u = read("7 year old girl, 24 kg, 122 cm, eGFR 85, biopsy FSGS, NPHS2 variant, on tacrolimus 0.1 mg/kg/day "
             "for 8 months without response", rule)
    d = dict(u.details)
    assert d["age_years"] == 7 and d["weight_kg"] == 24 and d["height_cm"] == 122 and d["sex"] == "female"
    assert d["egfr"] == 85 and d["histology"] == "fsgs" and d["genes"] == ("NPHS2",)
    assert d["genetic_status"] == "pathogenic" and "genetic_srns" in u.stage
    record = u.record(TODAY, placeholder_age=8)
    assert record["medications"][0]["drug"] == "tacrolimus"
    assert record["medications"][0]["dose_unit"] == "mg/kg/day"
    assert record["assessment"]["cni_response"] == "resistant"
    patient = load_patient(record, today=TODAY)
    assert patient.weight_kg == 24 and patient.egfr == 85


@pytest.mark.parametrize("q, age", [("a 6-year-old boy", 6), ("6 yo", 6), ("aged 11", 11), ("18 month old", 1.5),
                                    ("a 4 year old child", 4)])
def test_ages(q, age, rule):
    assert read(f"{q} with SRNS", rule).detail("age_years") == pytest.approx(age)


def test_weight_in_pounds_is_converted(rule):
    assert read("44 lb child with SSNS", rule).detail("weight_kg") == pytest.approx(20.0)


def test_mg_per_kg_is_not_a_weight(rule):
    assert read("prednisolone 2 mg/kg/day", rule).detail("weight_kg") is None


def test_genetic_result_pending(rule):
    u = read("SRNS, genetic panel pending", rule)
    assert u.detail("genetic_status") == "pending" and "genetic_srns" not in u.stage


# ------------------------------------------------------------------ intent

@pytest.mark.parametrize("q, intent", [
    ("What is the next step for SRNS?", "srns_next_step"),
    ("What is SRNS?", "definition"),
    ("Tacrolimus dose for a 20 kg child", "dosing"),
    ("Which vaccines are safe on prednisolone?", "vaccination"),
    ("When is a kidney biopsy needed?", "biopsy"),
    ("What if tacrolimus doesn't work?", "cni_resistant_next_step"),
    ("Gulati trial results", "evidence"),
    ("how to treat a relapse", "relapse_treatment"),
    ("options for steroid dependent NS", "frns_sdns_treatment"),
    ("what monitoring on ciclosporin", "monitoring"),
    ("risk of recurrence after kidney transplant", "transplant"),
])
def test_intent(q, intent, rule):
    assert read(q, rule).intent == intent


def test_scope_signals(rule):
    assert read("IgA nephropathy in adults", rule).off_topic == ("IgA nephropathy",)
    assert read("FSGS in a 40 year old man", rule).adult
    assert read("asdkjh qwe", rule).domain_hits == 0


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("bad, needle", [
    ("", "empty"), ("   \n ", "empty"), ("x" * 4001, "limit is 4,000"), ("x" * 20000, "20,000 characters"),
    ("what \x00 is", "control"), ("abc\x07def", "control"), ("bad \udcff bytes", "undecodable"), ("123 456", "no words"),
])
def test_bad_questions(bad, needle):
    with pytest.raises(InputError) as exc:
        validate_question(bad)
    assert needle in exc.value.message and exc.value.field == "question"


def test_a_4000_character_question_is_accepted():
    assert len(validate_question("srns " * 800)) <= 4000


@pytest.mark.parametrize("typed, clinical", [
    ("can he have the flu jab", "influenza vaccine"), ("her eyes are puffy", "edema"),
    ("he has a high temperature", "fever"), ("is it a blood clot", "thrombosis"),
    ("the urine stick shows 3+", "dipstick"), ("his water tablets", "diuretic"),
])
def test_everyday_words_are_read_as_the_clinical_term(typed, clinical, rule):
    u = read(typed, rule)
    assert clinical in u.text, u.text


def test_a_plural_everyday_word_does_not_swallow_a_different_term(rule):
    # "blood count" is not "bloods" (blood tests): the lexicon ignores a final "s", so no such group exists
    assert "blood test count" not in read("her blood count is low", rule).text


def test_clinician_shorthand_age_and_a_second_medicine_in_a_list_are_read():
    from nephroguide.answer.understand import understand

    u = understand("17F starting MMF for SDNS - what does she need to know re pregnancy?")
    assert dict(u.details)["age_years"] == 17.0 and dict(u.details)["sex"] == "female"
    v = understand("On pred 10 mg alt days and mycophenolate, MMR?")
    assert {"prednisolone", "mycophenolate_mofetil"} <= {d for d, _ in v.patient_drugs}
    assert "antimetabolite" in v.classes_current


def test_a_relapse_history_is_not_a_relapse_now():
    from nephroguide.answer.understand import understand

    assert "in_relapse" not in understand("frequently relapsing, which drug next?").stage
    assert "in_relapse" not in understand("she relapses every time she has a cold, what can we do?").stage
    assert "in_relapse" not in understand("Its been 3 years since his last relapse. Is he cured?").stage
    assert "in_relapse" in understand("relapse, 30 kg - pred dose?").stage
    assert "in_relapse" in understand("how do I know if my child is relapsing?").stage


def test_a_months_shorthand_after_a_medicine_is_how_long_it_was_taken():
    from nephroguide.answer.understand import understand

    assert dict(understand("SRNS, UPCR 300 on tac+enalapril at 6m - next?").durations)["tacrolimus"] == 6.0
    assert not understand("pred 60 mg/m2").durations


def test_an_everyday_english_word_is_never_corrected_into_a_medical_one():
    from nephroguide.answer.understand import correct_spelling, normalise

    assert correct_spelling(normalise("will i have this forever? im 13"))[1] == []   # not "fever"
    assert ("swolen", "swollen") in correct_spelling(normalise("his legs are swolen"))[1]


def test_a_change_of_weight_is_not_the_childs_weight():
    from nephroguide.answer.understand import understand

    assert understand("10yo first presentation NS, weight up 6 kg, gross ascites").detail("weight_kg") is None
    assert understand("he has gained 2 kg this week").detail("weight_kg") is None
    assert understand("weighs 30 kg, 3 kg heavier than usual").detail("weight_kg") == 30.0
    assert understand("+2 kg since monday, 25 kg").detail("weight_kg") == 25.0
