"""Boundary tests for the course classification (steroid response, relapse pattern, CNI response)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import D, child, drug, lab, pred
from nephroguide.engine.classify import classify_course
from nephroguide.errors import InputError
from nephroguide.intake.types import Event

START = D(2026, 8, 1)


def labels(patient, pack, dset="current"):
    return set(classify_course(patient, pack.definition_sets[dset], pack)[0].labels)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def test_no_remission_at_day_28_is_srns_initial(pack):
    p = child(labs=[lab(START, "upcr", 6.0), lab(START, "albumin", 1.6), lab(day(28), "upcr", 4.8),
                    lab(day(28), "albumin", 1.9)], meds=[pred(START, None)])
    cls, _ = classify_course(p, pack.definition_sets["current"], pack)
    assert {"srns", "srns_initial", "nephrotic", "no_remission"} <= set(cls.labels)
    reason = next(r for r in cls.explanation if r.label == "srns")
    assert "28 days" in reason.because and "4.8 mg/mg" in reason.because and reason.refs


def test_remission_on_day_28_is_sensitive(pack):
    labs = [lab(day(n), "dipstick", "negative") for n in (26, 27, 28)]
    p = child(labs=labs, meds=[pred(START, None)])
    assert "steroid_sensitive" in labels(p, pack)


def test_remission_first_seen_on_day_29_is_not_sensitive(pack):
    labs = [lab(day(20), "upcr", 5.0), lab(day(20), "albumin", 1.5)]
    labs += [lab(day(n), "dipstick", "negative") for n in (29, 30, 31)]
    p = child(labs=labs, meds=[pred(START, None)])
    got = labels(p, pack)
    assert "steroid_sensitive" not in got and "srns" in got


def test_before_day_28_is_on_initial_steroids(pack):
    p = child(as_of=day(20), labs=[lab(day(0), "upcr", 6.0), lab(day(0), "albumin", 1.5)], meds=[pred(START, None)])
    got = labels(p, pack)
    assert "on_initial_steroids" in got and "srns" not in got


def _partial_at_28(extra):
    return [lab(day(0), "upcr", 6.0), lab(day(0), "albumin", 1.5), lab(day(28), "upcr", 0.8),
            lab(day(28), "albumin", 3.1), *extra]


def test_partial_at_28_then_confirmation_period(pack):
    p = child(as_of=day(35), labs=_partial_at_28([]), meds=[pred(START, None)])
    assert "confirmation_period" in labels(p, pack)


def test_complete_by_day_42_is_late_responder(pack):
    labs = _partial_at_28([lab(day(n), "dipstick", "negative") for n in (40, 41, 42)])
    p = child(as_of=day(60), labs=labs, meds=[pred(START, None)])
    got = labels(p, pack)
    assert {"late_responder", "steroid_sensitive"} <= got and "srns" not in got


def test_complete_only_after_day_42_is_srns(pack):
    labs = _partial_at_28([lab(day(42), "upcr", 0.7), lab(day(42), "albumin", 3.2)]
                          + [lab(day(n), "dipstick", "negative") for n in (44, 45, 46)])
    p = child(as_of=day(60), labs=labs, meds=[pred(START, None)])
    got = labels(p, pack)
    assert "srns" in got and "late_responder" not in got


def test_kdigo2012_waits_8_weeks(pack):
    labs = [lab(day(0), "upcr", 6.0), lab(day(0), "albumin", 1.5), lab(day(28), "upcr", 4.0),
            lab(day(28), "albumin", 1.8)]
    p = child(as_of=day(40), labs=labs, meds=[pred(START, None)])
    assert "srns" in labels(p, pack, "current")
    assert "srns" not in labels(p, pack, "kdigo2012")


def test_low_dose_course_does_not_count(pack):
    labs = [lab(day(0), "upcr", 6.0), lab(day(0), "albumin", 1.5), lab(day(28), "upcr", 4.0),
            lab(day(28), "albumin", 1.8)]
    p = child(labs=labs, meds=[pred(START, None, mg_m2_day=20)])
    assert "srns" not in labels(p, pack)


def _relapse_events(dates):
    return [Event(date=d, type="relapse") for d in dates]


def _remission(first: dt.date):
    return [lab(first + dt.timedelta(days=i), "dipstick", "negative") for i in range(3)]


@pytest.mark.parametrize(("relapse_days", "expected"), [
    ((60, 150), "frequently_relapsing"),        # 2 within 6 months of the first remission
    ((60, 200), "infrequently_relapsing"),      # the second falls outside the 6-month window
])
def test_two_relapses_in_six_months(pack, relapse_days, expected):
    first = D(2025, 1, 10)
    p = child(labs=_remission(first), meds=[pred(D(2025, 1, 1), D(2025, 2, 1))],
              events=_relapse_events([first + dt.timedelta(days=d) for d in relapse_days]))
    assert expected in labels(p, pack)


def test_three_in_twelve_months_is_frequent_now_but_not_in_2012(pack):
    first = D(2024, 1, 10)
    rel = [D(2025, 1, 1), D(2025, 5, 1), D(2025, 11, 1)]
    p = child(labs=_remission(first), meds=[pred(D(2024, 1, 1), D(2024, 2, 1))], events=_relapse_events(rel))
    assert "frequently_relapsing" in labels(p, pack, "current")
    assert "frequently_relapsing" not in labels(p, pack, "kdigo2012")


def test_steroid_dependence_two_consecutive_relapses_on_or_just_off_steroids(pack):
    first = D(2026, 1, 10)
    meds = [pred(D(2026, 1, 1), D(2026, 3, 1)), pred(D(2026, 3, 2), D(2026, 4, 30), 40, alternate=True)]
    on_taper = D(2026, 4, 10)
    after_stop = D(2026, 5, 14)       # 14 days after stopping on 2026-04-30
    p = child(labs=_remission(first), meds=meds, events=_relapse_events([on_taper, after_stop]))
    assert "steroid_dependent" in labels(p, pack)
    late = child(labs=_remission(first), meds=meds, events=_relapse_events([on_taper, D(2026, 5, 15)]))
    assert "steroid_dependent" not in labels(late, pack)


def _srns_on_cni(cni_start: dt.date, as_of: dt.date, later_labs=()):
    labs = [lab(day(0), "upcr", 6.0), lab(day(0), "albumin", 1.5), lab(day(28), "upcr", 5.0),
            lab(day(28), "albumin", 1.6), *later_labs]
    return child(as_of=as_of, labs=labs, meds=[pred(START, day(40)), drug("tacrolimus", cni_start)])


def test_cni_resistant_at_six_months_not_before(pack):
    cni = D(2026, 9, 15)
    before = cni + dt.timedelta(days=int(5.9 * 30.4375))
    at = cni + dt.timedelta(days=round(6 * 30.4375))
    later = [lab(cni + dt.timedelta(days=90), "upcr", 4.0), lab(cni + dt.timedelta(days=90), "albumin", 2.0)]
    assert "cni_resistant" not in labels(_srns_on_cni(cni, before, later), pack)
    assert "cni_resistant" in labels(_srns_on_cni(cni, at, later), pack)


def test_cni_responsive_with_partial_remission_by_six_months(pack):
    cni = D(2026, 9, 15)
    resp = [lab(cni + dt.timedelta(days=120), "upcr", 0.9), lab(cni + dt.timedelta(days=120), "albumin", 3.0)]
    got = labels(_srns_on_cni(cni, cni + dt.timedelta(days=250), resp), pack)
    assert "cni_responsive" in got and "cni_resistant" not in got


def test_stated_assessment_overrides_and_is_reported(pack):
    p = child(labs=[lab(START, "upcr", 6.0), lab(START, "albumin", 1.6)], assessment={"steroid_response": "resistant"})
    cls, _ = classify_course(p, pack.definition_sets["current"], pack)
    assert "srns" in cls.labels and "srns" in cls.stated


def test_unknown_assessment_is_an_input_error(pack):
    p = child(assessment={"steroid_response": "maybe"})
    with pytest.raises(InputError) as exc:
        classify_course(p, pack.definition_sets["current"], pack)
    assert exc.value.field == "assessment.steroid_response"


def test_age_labels(pack):
    assert "out_of_scope_age" in labels(child(age=19), pack)
    assert "infant" in labels(child(age=0.5), pack)
    assert not {"out_of_scope_age", "infant"} & labels(child(age=18), pack)


def test_egfr_below_30(pack):
    assert "ckd_egfr_below_30" in labels(child(egfr=29.9), pack)
    assert "ckd_egfr_below_30" not in labels(child(egfr=30.0), pack)
