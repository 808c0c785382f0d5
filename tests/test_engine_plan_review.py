"""Clinical review of the golden plans (issue 10, "Done when"): one test per problem found, named after the
child and the wrong output it prevents."""

from __future__ import annotations

import copy

from conftest import PATIENTS_DIR
from nephroguide import api
from nephroguide.answer.render_plan import plan_markdown
from nephroguide.intake.record import read_record_file

KIDNEY_TEST = "srns.workup.kidney_function_on_treatment"


def _record(stem: str) -> dict:
    return copy.deepcopy(read_record_file(next(PATIENTS_DIR.glob(f"{stem}*.yaml"))))


def _rec(plan, kb_id):
    return next((r for r in plan.recommendations if r.kb_id == kb_id), None)


def _rank(plan, kb_id):
    return next(r.rank for r in plan.recommendations if r.kb_id == kb_id)


# ---------------------------------------------------------------- upper limits (ceilings) and current doses

def test_sdns_child_13_maintenance_upper_limit_at_21kg_is_10_mg_not_rounded_up_to_11_mg():
    ans = api.dose("prednisolone", weight_kg=21, height_cm=116, indication="maintenance")
    assert ans.dose.mg_per_dose == 10            # 0.5 mg/kg x 21 kg = 10.5 mg: an upper limit is rounded down
    assert "at most 10 mg once every other day" in ans.dose.statement.text
    assert "rounding down" in ans.dose.statement.text and "at most 11 mg" not in ans.dose.statement.text
    assert ans.dose.rounding.startswith("the upper limit rounded down")
    md = plan_markdown(api.plan(_record("13_")))
    assert "at most 11 mg" not in md and "less than 0.5 mg/kg" not in md


def test_sdns_child_13_on_20_mg_m2_alternate_days_is_not_told_to_continue_low_dose_maintenance():
    plan = api.plan(_record("13_"))
    rec = _rec(plan, "ssns.maintenance.low_dose_prednisolone")
    assert rec.action == "consider"              # 16.5 mg (0.78 mg/kg) is above the 0.5 mg/kg upper limit
    text = " ".join(s.text for s in rec.statements)
    assert "Now taking prednisolone 20 mg/m² once every other day (alternate days) as recorded (about 16.5 mg per dose" in text
    assert "is above this regimen's upper limit for this child (at most 10 mg" in text
    assert "0.78 mg/kg" in text


def test_sdns_child_13_on_a_true_low_dose_is_shown_as_continue_without_the_above_limit_note():
    record = _record("13_")
    record["medications"][-1].update(dose=8, dose_unit="mg")     # 0.38 mg/kg every other day
    rec = _rec(api.plan(record), "ssns.maintenance.low_dose_prednisolone")
    assert rec.action == "continue"
    assert not any("above this regimen's upper limit" in s.text for s in rec.statements)


# ---------------------------------------------------------------- kidney function on treatment

def test_genetic_child_07_on_enalapril_without_any_creatinine_is_asked_for_creatinine_and_potassium_first():
    plan = api.plan(_record("07_"))
    assert _rec(plan, KIDNEY_TEST) is not None
    assert _rank(plan, KIDNEY_TEST) < _rank(plan, "srns.raas.continue")
    assert "potassium" in _rec(plan, KIDNEY_TEST).statements[0].text


def test_cni_child_14_on_cyclosporine_for_569_days_without_creatinine_is_asked_for_one():
    plan = api.plan(_record("14_"))
    assert _rec(plan, KIDNEY_TEST) is not None
    assert _rank(plan, KIDNEY_TEST) < _rank(plan, "srns.raas.start")
    caution = next(w for w in plan.warnings if w.kb_id == "caution.cni.kidney_function_unknown")
    assert "measure creatinine now" in caution.text


def test_cni_child_14_with_a_creatinine_this_month_gets_no_kidney_function_test():
    record = _record("14_")
    record["labs"].append({"date": "2026-11-16", "test": "creatinine", "value": 0.5, "unit": "mg/dL"})
    plan = api.plan(record)
    assert _rec(plan, KIDNEY_TEST) is None
    assert all(w.kb_id != "caution.cni.kidney_function_unknown" for w in plan.warnings)


def test_cni_resistant_child_10_on_tacrolimus_with_a_stale_creatinine_is_not_passed_as_normal():
    record = _record("10_")
    record["labs"].append({"date": "2026-06-01", "test": "creatinine", "value": 0.5, "unit": "mg/dL"})
    assert _rec(api.plan(record), KIDNEY_TEST) is not None


def test_srns_child_05_about_to_start_a_cni_gets_the_baseline_test_once_not_two_creatinine_steps():
    plan = api.plan(_record("05_"))
    assert _rec(plan, "supportive.workup.kidney_function_before_nephrotoxic") is not None
    assert _rec(plan, KIDNEY_TEST) is None


def test_egfr_26_child_15_told_to_start_an_ace_inhibitor_gets_the_low_egfr_caution_on_it():
    rec = _rec(api.plan(_record("15_")), "srns.raas.start")
    assert any(c.kb_id == "caution.srns.raas_low_egfr" for c in rec.cautions)
    # a child with normal eGFR starting one does not
    rec = _rec(api.plan(_record("11_")), "srns.raas.start")
    assert all(c.kb_id != "caution.srns.raas_low_egfr" for c in rec.cautions)


# ---------------------------------------------------------------- what the record already says

def test_coq_child_08_stated_steroid_resistant_is_not_asked_for_a_first_morning_upcr_before_treatment():
    plan = api.plan(_record("08_"))
    assert _rec(plan, "supportive.workup.first_morning_upcr") is None
    # an untreated first episode (teenager 17) still is
    assert _rec(api.plan(_record("17_")), "supportive.workup.first_morning_upcr") is not None


def test_srns_child_05_with_genetics_pending_gets_no_test_step_that_only_quotes_the_monogenic_yield():
    assert _rec(api.plan(_record("05_")), "srns.workup.monogenic_yield") is None
    assert _rec(api.plan(_record("06_")), "srns.workup.monogenic_yield") is not None    # no test sent yet


def test_relapsing_cni_responder_14_gets_relapse_prednisolone_doses_first_not_a_start_without_a_dose():
    plan = api.plan(_record("14_"))
    rec = _rec(plan, "srns.relapse.cni_responder")
    assert rec.rank == 1 and rec.action == "start"
    texts = [d.display for d in rec.doses]
    assert "60 mg once daily" in texts and "40 mg once every other day (alternate days)" in texts


def test_multidrug_resistant_child_11_not_offered_mmf_again_is_told_mmf_is_still_being_taken():
    plan = api.plan(_record("11_"))
    left = next(x for x in plan.left_out if "mycophenolate_mofetil" in x.drugs)
    assert "still being taken: mycophenolate mofetil" in left.because and "since 2026-05-01" in left.because
    md = plan_markdown(plan)
    assert "tacrolimus, mycophenolate mofetil;" in md and "mycophenolate_mofetil" not in md


# ---------------------------------------------------------------- dose strings a reader could misread

def test_rituximab_sdns_21kg_reads_311_mg_per_dose_not_as_a_single_dose_beside_1_to_4_doses():
    ans = api.dose("rituximab", weight_kg=21, height_cm=118, indication="sdns")
    assert ans.dose.display == "311 mg IV per dose"
    assert "as a single dose" not in ans.dose.statement.text and "Duration: 1 to 4 doses" in ans.dose.statement.text


def test_mmf_sdns_target_reads_mpa_auc_above_50_and_unverified_trough_targets_keep_their_note():
    mmf = api.dose("mycophenolate_mofetil", weight_kg=21, height_cm=118, indication="sdns")
    assert "Target MPA AUC above 50 µg·h/mL (mycophenolic acid area under the curve)" in mmf.dose.statement.text
    assert "mpa auc" not in mmf.dose.statement.text and "50+" not in mmf.dose.statement.text
    tac = api.dose("tacrolimus", weight_kg=21, height_cm=118, indication="srns")
    ipna = next(d for d in tac.alternatives if "ipna2020" in d.refs)
    assert "Target tacrolimus trough 4-8 ng/mL (approximate; figures not verified" in ipna.statement.text


def test_cni_resistant_child_10_recorded_tacrolimus_per_kg_is_shown_as_recorded_and_the_mg_as_arithmetic():
    rec = _rec(api.plan(_record("10_")), "srns.cni.stop_no_response")
    now = next(s.text for s in rec.statements if s.text.startswith("Now taking"))
    assert now.startswith("Now taking tacrolimus 0.1 mg/kg/day twice daily (every 12 hours) as recorded "
                          "(about 1.6 mg per dose, 3.2 mg/day at today's size)")


def test_frns_child_12_plan_header_names_derived_values_in_words_not_field_paths():
    md = plan_markdown(api.plan(_record("12_")))
    header = next(line for line in md.splitlines() if line.startswith("**Derived by nephroguide:**"))
    assert "medications[" not in header and "bsa_m2" not in header and "mg_per" not in header
    assert "body surface area (Mosteller)" in header and "medications 1, 2, 3, 4, 5, 6 of the record" in header


# ---------------------------------------------------------------- time to remission is in the record

def test_steroid_sensitive_child_02_remitting_on_day_12_is_offered_the_longer_course_option():
    plan = api.plan(_record("02_"))
    assert plan.facts["days_to_first_remission"] == 12
    assert _rec(plan, "ssns.first_episode.longer_course_slow_responders") is not None


def test_steroid_sensitive_child_02_remitting_on_day_4_is_not_offered_the_longer_course_for_slow_remitters():
    record = _record("02_")
    for lab in record["labs"]:
        if lab["test"] == "dipstick":        # trace, negative, negative from day 1 of prednisolone
            lab["date"] = {"2026-11-09": "2026-10-29", "2026-11-10": "2026-10-30", "2026-11-11": "2026-10-31"}[lab["date"]]
    plan = api.plan(record)
    assert plan.facts["days_to_first_remission"] < 7
    assert _rec(plan, "ssns.first_episode.longer_course_slow_responders") is None


def test_dose_prednisolone_maintenance_21kg_names_the_cold_regimen_instead_of_listing_11_mg_daily_as_maintenance():
    from nephroguide.answer.render_plan import dose_markdown
    md = dose_markdown(api.dose("prednisolone", weight_kg=21, height_cm=116, indication="maintenance"))
    assert "**Regimen:** Low-dose maintenance prednisolone, alternate days (IPNA 2023)" in md
    assert "- **Prednisolone at the start of an upper respiratory infection (KDIGO 2025, selected children)**: " \
           "Prednisolone 11 mg once daily." in md


def test_cyclosporine_srns_65kg_kdigo_326_mg_day_says_it_is_above_the_ipna_250_mg_day_maximum():
    ans = api.dose("cyclosporine", weight_kg=65, height_cm=170, indication="srns")
    assert ans.dose.mg_per_day == 326
    assert "326 mg/day is above the maximum of 250 mg/day in Cyclosporine for SRNS (IPNA 2020 range)" in ans.dose.warnings
    small = api.dose("cyclosporine", weight_kg=21, height_cm=118, indication="srns")
    assert not any("above the maximum" in w for w in small.dose.warnings)


def test_teen_plan_cni_doses_carry_the_other_sources_maximum_when_above_it():
    record = _record("06_")                  # secondary SRNS about to start a CNI; make the child 65 kg
    record.update(weight_kg=65, height_cm=170)
    rec = _rec(api.plan(record), "srns.cni.first_line")
    kdigo = next(d for d in rec.doses if d.kb_id.startswith("cyclosporine") and "kdigo2025" in d.refs)
    assert any("above the maximum of 250 mg/day" in w for w in kdigo.warnings)
    md = plan_markdown(api.plan(record))
    assert "326 mg/day is above the maximum of 250 mg/day" in md


def test_secondary_srns_child_06_biopsy_does_not_claim_to_rank_before_the_cni_it_follows():
    plan = api.plan(_record("06_"))
    biopsy = _rec(plan, "srns.workup.biopsy")
    assert biopsy.rank > _rank(plan, "srns.cni.first_line")
    assert "before any second-line drug" not in biopsy.rationale and "after the drug decisions" in biopsy.rationale
    assert _rec(plan, "srns.workup.monogenic_yield").title.startswith("Why genetic testing")


def test_cni_resistant_child_20_why_text_names_histology_and_genetics_not_internal_codes():
    plan = api.plan(_record("20_"))
    why = _rec(plan, "srns.cni_resistant.cyclophosphamide_haddad").why
    assert "histology in (MCD, MCD variant)" in why and "mcd_variant" not in why
    why = _rec(api.plan(_record("06_")), "srns.workup.genetic_testing").why
    assert "genetic status in (pending, no variant, VUS, pathogenic)" in why and "['" not in why


def test_cni_responsive_child_09_in_complete_remission_on_tacrolimus_is_not_sent_for_a_first_srns_biopsy():
    plan = api.plan(_record("09_"))
    assert _rec(plan, "srns.workup.biopsy") is None
    cont = _rec(plan, "srns.cni.continue_responder")
    assert any("2-3 years" in m.text for m in cont.monitoring)       # the later biopsy indications stay
    assert _rec(api.plan(_record("06_")), "srns.workup.biopsy") is not None     # secondary SRNS still is


def test_srns_child_05_low_dose_prednisolone_limit_reads_at_most_5_mg_not_an_unmeasurable_5_25_mg():
    md = plan_markdown(api.plan(_record("05_")))
    assert "prednisolone at most 5 mg once every other day" in md and "5.25 mg once" not in md
    tiny = api.dose("prednisolone", weight_kg=3, height_cm=50, indication="srns")
    assert tiny.dose.mg_per_dose == 0.75             # a limit below one step is not shown as 0 mg


def test_frns_child_12_vaccination_check_comes_before_the_steroid_sparing_agents_as_its_rationale_says():
    plan = api.plan(_record("12_"))
    vac = _rank(plan, "supportive.vaccination.before_immunosuppression")
    assert _rank(plan, "ssns.steroid_sparing.indication") < vac < _rank(plan, "ssns.levamisole")
    plan = api.plan(_record("10_"))
    assert _rank(plan, "supportive.vaccination.before_immunosuppression") < _rank(plan, "srns.cni_resistant.rituximab")


def test_cni_resistant_child_10_source_disagreements_are_headed_in_words_not_topic_codes():
    md = plan_markdown(api.plan(_record("10_")))
    section = md.split("## Where sources disagree", 1)[1].split("## References", 1)[0]
    assert "- **CNI resistant** — " in section and "**cni_resistant**" not in section
