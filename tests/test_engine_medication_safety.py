"""Issue 10 (medication safety): one test per item, named after the child and the wrong output it prevents."""

from __future__ import annotations

import copy

import pytest

from conftest import PATIENTS_DIR
from nephroguide import api
from nephroguide.answer.render_plan import plan_markdown
from nephroguide.errors import InputError
from nephroguide.intake.record import read_record_file

# ---------------------------------------------------------------- item 8: dose look-up by the indication typed

def test_item8_rituximab_srns_21kg_uses_cni_resistant_instead_of_failing_with_a_list():
    ans = api.dose("rituximab", weight_kg=21, height_cm=118, indication="srns")
    assert ans.indication == "cni_resistant" and ans.indication_asked == "srns"
    assert "narrower indication cni_resistant (within srns)" in ans.indication_note
    assert ans.to_json()["indication_asked"] == "srns"


def test_item8_prednisolone_ssns_is_truly_ambiguous_and_lists_the_choices():
    with pytest.raises(InputError) as exc:
        api.dose("prednisolone", weight_kg=21, height_cm=118, indication="ssns")
    assert exc.value.field == "indication" and "maintenance, relapse" in str(exc.value)


def test_item8_unknown_indication_still_lists_what_is_available():
    with pytest.raises(InputError) as exc:
        api.dose("tacrolimus", weight_kg=21, height_cm=118, indication="edema")
    assert "available: sdns, srns" in str(exc.value)


# ---------------------------------------------------------------- plans for the synthetic children


def _record(stem: str) -> dict:
    return copy.deepcopy(read_record_file(next(PATIENTS_DIR.glob(f"{stem}*.yaml"))))


def _plan(record: dict):
    return api.plan(record)


def _rec(plan, kb_id):
    return next((r for r in plan.recommendations if r.kb_id == kb_id), None)


def _rank(plan, kb_id):
    return next(r.rank for r in plan.recommendations if r.kb_id == kb_id)


# item 1 (the walk over every dose rule is in test_engine_wording.py)
def test_item1_srns_child_05_plan_never_reads_tacrolimus_1_05_mg_as_the_daily_dose():
    plan = _plan(_record("05_"))
    md = plan_markdown(plan)
    assert "Tacrolimus 1.05 mg twice daily (every 12 hours), 2.1 mg/day" in md
    assert "daily in 2 divided doses" not in md and "1.05 mg daily" not in md and "1.05 mg per day" not in md
    cni = _rec(plan, "srns.cni.first_line")
    assert cni.dose.to_json()["display"] == "1.05 mg twice daily (every 12 hours), 2.1 mg/day"


# item 2
def test_item2_srns_child_05_without_creatinine_gets_a_test_before_the_cni_and_egfr_unknown_caution():
    plan = _plan(_record("05_"))
    test = "supportive.workup.kidney_function_before_nephrotoxic"
    assert _rec(plan, test).action == "test"
    assert _rank(plan, test) < _rank(plan, "srns.cni.first_line")
    cautions = {c.kb_id: c for c in _rec(plan, "srns.cni.first_line").cautions}
    assert cautions["caution.cni.kidney_function_unknown"].title == \
        "eGFR unknown: the CNI threshold of eGFR < 30 could not be checked"
    assert any("eGFR unknown" in w for d in _rec(plan, "srns.cni.first_line").doses for w in d.warnings)


def test_item2_srns_child_05_with_a_stale_creatinine_is_not_passed_as_normal():
    rec = _record("05_")
    rec["labs"].append({"date": "2026-03-01", "test": "creatinine", "value": 0.4, "unit": "mg/dL"})
    plan = _plan(rec)
    assert _rec(plan, "supportive.workup.kidney_function_before_nephrotoxic") is not None
    assert "caution.cni.kidney_function_unknown" in {c.kb_id for c in _rec(plan, "srns.cni.first_line").cautions}


def test_item2_srns_child_05_with_a_creatinine_this_month_gets_no_extra_test():
    rec = _record("05_")
    rec["labs"].append({"date": "2026-11-15", "test": "creatinine", "value": 0.4, "unit": "mg/dL"})
    plan = _plan(rec)
    assert _rec(plan, "supportive.workup.kidney_function_before_nephrotoxic") is None
    assert "caution.cni.kidney_function_unknown" not in {c.kb_id for c in _rec(plan, "srns.cni.first_line").cautions}


# item 3
def test_item3_child_20_rituximab_without_response_is_not_offered_rituximab_again():
    plan = _plan(_record("20_"))
    offered = {d for r in plan.recommendations if r.action in ("start", "consider") for d in r.drugs}
    assert "rituximab" not in offered
    left = {x.kb_id: x for x in plan.left_out}
    assert "rituximab_response = resistant" in left["srns.cni_resistant.rituximab"].because
    assert "## Not offered again" in plan_markdown(plan)


def test_item3_cni_resistant_child_10_is_not_offered_a_cni_or_told_to_start_one():
    plan = _plan(_record("10_"))
    offered = {d for r in plan.recommendations if r.action in ("start", "consider") for d in r.drugs}
    assert not offered & {"tacrolimus", "cyclosporine"}


def test_item3_first_episode_child_01_on_prednisolone_is_continue_with_days_left_not_start():
    plan = _plan(_record("01_"))
    first = _rec(plan, "ssns.first_episode.prednisolone")
    assert first.action == "continue"
    where = " ".join(s.text for s in first.statements)
    assert "since 2026-11-11 (day 10)" in where and "17 days left" in where
    assert "planned stop date 2027-01-05" in where


# item 4
def test_item4_child_20_iv_cyclophosphamide_course_total_crosses_168_mg_kg_before_any_dose_is_given():
    plan = _plan(_record("20_"))
    haddad = _rec(plan, "srns.cni_resistant.cyclophosphamide_haddad")
    course = next(d.course for d in haddad.doses if d.course)
    assert course.planned_per_m2 == pytest.approx(5250, abs=15) and course.crosses_limit
    assert course.total_per_kg > 168
    assert "caution.cyclophosphamide.planned_course_over_limit" in {c.kb_id for c in haddad.cautions}


def test_item4_frns_child_12_at_21_3_kg_rounded_oral_course_would_cross_168_mg_kg():
    rec = _record("12_")
    rec["weight_kg"] = 21.3
    plan = _plan(rec)
    oral = _rec(plan, "ssns.cyclophosphamide_oral")
    course = next(d.course for d in oral.doses if d.kb_id == "cyclophosphamide.frns.kdigo2025")
    assert "43 mg × 84 days = 3612 mg" in course.text and course.crosses_limit
    assert "caution.cyclophosphamide.planned_course_over_limit" in {c.kb_id for c in oral.cautions}
    at_20 = _rec(_plan(_record("12_")), "ssns.cyclophosphamide_oral")
    assert "caution.cyclophosphamide.planned_course_over_limit" not in {c.kb_id for c in at_20.cautions}


def test_item4_frns_child_12_counts_cyclophosphamide_already_given_in_the_course_total():
    rec = _record("12_")
    rec["medications"].append({"drug": "cyclophosphamide", "start": "2026-10-01", "end": "2026-10-21", "dose": 40,
                               "dose_unit": "mg/day", "frequency": "daily"})
    from nephroguide.engine.plan import cumulative_mg
    from nephroguide.intake.record import load_patient
    assert cumulative_mg(load_patient(rec), "cyclophosphamide") == (840.0, True)


# item 5
def test_item5_srns_child_05_still_on_60mg_m2_daily_at_day_112_gets_taper_and_prolonged_steroid_caution():
    plan = _plan(_record("05_"))
    taper = _rec(plan, "srns.steroids.taper_high_dose")
    assert taper.action == "taper" and taper.statements[0].pending_review
    assert any("since 2026-08-01 (day 112)" in s.text for s in taper.statements)
    assert "caution.steroids.prolonged_high_dose_daily" in {c.kb_id for c in taper.cautions}
    assert "caution.steroids.prolonged_high_dose_daily" in {w.kb_id for w in plan.warnings}


def test_item5_late_responder_04_is_in_the_alternate_day_phase_with_a_stop_date_not_weeks_1_to_4():
    plan = _plan(_record("04_"))
    first = _rec(plan, "ssns.first_episode.prednisolone")
    assert first.action == "continue"
    assert first.dose.kb_id == "prednisolone.first_episode.kdigo2025.alternate_day"
    where = next(s.text for s in first.statements if s.text.startswith("Now taking"))
    assert "alternate days" in where and "42-day option applies" in where
    assert "planned stop date 2026-11-25" in where and "Weeks 1-4" not in where


# item 10
def test_item10_age_only_child_21_lists_missing_data_and_no_lone_growth_step():
    plan = _plan(_record("21_"))
    assert not plan.assessed and not plan.recommendations
    assert "urine protein results with dates (UPCR, dipstick or 24-hour protein)" in plan.missing_data
    md = plan_markdown(plan)
    assert "## Not enough data to assess" in md and "Growth" not in md
    assert "## Next steps\n\nNone yet: the record is too thin" in md
    assert "## References\n\n\n" not in md


def test_item10_adult_18_says_why_nothing_applies_instead_of_an_empty_next_steps_heading():
    plan = _plan(_record("18_"))
    md = plan_markdown(plan)
    assert "## Next steps (ranked)" not in md
    assert "None offered: age 19.0 years is outside the pediatric scope" in md
    assert plan.to_json()["nothing_applies"].startswith("none offered")


def test_item4_dose_cyclophosphamide_21_3kg_shows_the_course_crossing_168_mg_kg_and_the_dose_that_fits():
    ans = api.dose("cyclophosphamide", weight_kg=21.3, height_cm=118, indication="frns")
    course = ans.dose.course
    assert course is not None and course.crosses_limit and course.total_per_kg == pytest.approx(169.6)
    assert "At most 42 mg per dosing day over 84 days keeps it within the limit" in course.text
    from nephroguide.answer.render_plan import dose_markdown
    assert "**Course total:** 🛑" in dose_markdown(ans)


def test_item3_first_episode_course_completed_a_year_ago_is_not_told_to_start_prednisolone_again():
    record = {"as_of": "2026-11-21", "age_years": 6, "sex": "female", "weight_kg": 20, "height_cm": 115,
              "onset_date": "2025-09-01",
              "medications": [
                  {"drug": "prednisolone", "start": "2025-09-01", "end": "2025-09-28", "dose": 60,
                   "dose_unit": "mg/m2/day", "frequency": "daily"},
                  {"drug": "prednisolone", "start": "2025-09-29", "end": "2025-10-26", "dose": 40,
                   "dose_unit": "mg/m2", "frequency": "alternate_days"}],
              "labs": [{"date": "2025-09-01", "test": "upcr", "value": 6.0, "unit": "mg/mg"},
                       {"date": "2025-09-01", "test": "albumin", "value": 1.6, "unit": "g/dL"},
                       {"date": "2025-09-10", "test": "dipstick", "value": "negative"},
                       {"date": "2025-09-11", "test": "dipstick", "value": "negative"},
                       {"date": "2025-09-12", "test": "dipstick", "value": "negative"},
                       {"date": "2026-11-01", "test": "upcr", "value": 0.1, "unit": "mg/mg"}]}
    plan = _plan(record)
    assert {"first_episode", "steroid_sensitive", "complete_remission"} <= set(plan.classification.labels)
    assert not [r for r in plan.recommendations if r.action in ("start", "consider") and "prednisolone" in r.drugs]


def test_item5_first_episode_child_01_still_on_daily_prednisolone_at_day_50_is_flagged_past_the_daily_phase():
    rec = _record("01_")
    rec["as_of"] = "2026-12-31"
    rec["labs"] += [{"date": f"2026-12-0{d}", "test": "dipstick", "value": "negative"} for d in (5, 6, 7)]
    plan = _plan(rec)
    first = _rec(plan, "ssns.first_episode.prednisolone")
    where = next(s.text for s in first.statements if s.text.startswith("Now taking"))
    assert "(day 50)" in where and "9 days past its end" in where
    assert "Day 50 is beyond the longest phase the source allows (42 days)" in where
    assert "caution.steroids.prolonged_high_dose_daily" in {w.kb_id for w in plan.warnings}
