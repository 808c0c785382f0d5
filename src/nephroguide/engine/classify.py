"""Classify a child's disease course from the medication and lab timeline.

The mechanisms here are generic (find a steroid course, read the urine result at day N, count
relapses in a window, measure months on a calcineurin inhibitor); every number they use (day 28,
day 42, 2 relapses in 6 months, 6 months of CNI, ...) comes from the chosen definition set.
Clinician-stated facts (``assessment``) replace the derived labels of the same group and are
reported as stated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from nephroguide.engine.measure import meets, meets_threshold
from nephroguide.engine.remission import CR, PR, RELAPSE_RANGE, Run, Timeline, build_timeline
from nephroguide.engine.types import Classification, LabelReason
from nephroguide.errors import InputError
from nephroguide.intake.types import Medication, Patient
from nephroguide.knowledge.models import DefinitionSet
from nephroguide.knowledge.pack import KnowledgePack

DAYS_PER_MONTH = 30.4375
COURSE_GAP_DAYS = 3          # prednisolone entries closer than this form one course (dose steps)
CNI_GAP_DAYS = 14            # a switch between CNIs within this gap is one CNI exposure
TREATED_RELAPSE_DAYS = 14    # a steroid course started this soon after a relapse-range result treats it
ADULT_AGE = 18.0
INFANT_AGE = 1.0

# Clinician-stated assessment: key -> value -> labels; the key's group of labels is replaced.
ASSESSMENT: dict[str, dict[str, tuple[str, ...]]] = {
    "steroid_response": {
        "sensitive": ("steroid_sensitive",),
        "late_responder": ("steroid_sensitive", "late_responder"),
        "resistant": ("srns",),
        "resistant_initial": ("srns", "srns_initial"),
        "resistant_secondary": ("srns", "srns_secondary"),
        "confirmation_period": ("confirmation_period",),
    },
    "cni_response": {"responsive": ("cni_responsive",), "resistant": ("cni_resistant",)},
    "relapse_pattern": {
        "infrequent": ("infrequently_relapsing",),
        "frequent": ("frequently_relapsing",),
        "steroid_dependent": ("steroid_dependent",),
        "frequent_and_steroid_dependent": ("frequently_relapsing", "steroid_dependent"),
    },
    "state": {
        "complete_remission": ("complete_remission",),
        "partial_remission": ("partial_remission",),
        "no_remission": ("no_remission",),
        "in_relapse": ("in_relapse",),
    },
    "multidrug_resistant": {"yes": ("multidrug_resistant",), "no": ()},
    "genetic": {"monogenic": ("genetic_srns",), "not_monogenic": ()},
}
GROUPS: dict[str, tuple[str, ...]] = {
    "steroid_response": ("steroid_sensitive", "late_responder", "srns", "srns_initial", "srns_secondary",
                         "confirmation_period", "on_initial_steroids"),
    "cni_response": ("cni_responsive", "cni_resistant"),
    "relapse_pattern": ("infrequently_relapsing", "frequently_relapsing", "steroid_dependent"),
    "state": ("complete_remission", "partial_remission", "no_remission", "in_relapse"),
    "multidrug_resistant": ("multidrug_resistant",),
    "genetic": ("genetic_srns",),
}
LABEL_ORDER = (
    "out_of_scope_age", "infant", "nephrotic", "first_episode", "on_initial_steroids", "confirmation_period",
    "steroid_sensitive", "late_responder", "infrequently_relapsing", "frequently_relapsing", "steroid_dependent",
    "srns", "srns_initial", "srns_secondary", "genetic_srns", "cni_responsive", "cni_resistant",
    "multidrug_resistant", "in_relapse", "complete_remission", "partial_remission", "no_remission",
    "ckd_egfr_below_30",
)


def months_between(a: dt.date, b: dt.date) -> float:
    """Months from a to b (30.44-day months)."""
    return (b - a).days / DAYS_PER_MONTH


def add_months(day: dt.date, months: float) -> dt.date:
    return day + dt.timedelta(days=round(months * DAYS_PER_MONTH))


@dataclass
class Course:
    """Contiguous prednisolone therapy (daily and alternate-day steps together)."""

    start: dt.date
    end: dt.date | None
    entries: list[Medication]
    standard_start: dt.date | None = None   # first day of daily standard-dose (or unknown-dose) therapy
    dose_known: bool = True
    kind: str = "initial"                   # initial | relapse

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass
class CourseReading:
    """What the classifier found, kept for facts and explanations."""

    timeline: Timeline
    reasons: dict[str, LabelReason] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    relapses: list[tuple[dt.date, str]] = field(default_factory=list)   # (date, how we know)
    first_remission: dt.date | None = None
    cni_start: dt.date | None = None
    cni_months: float | None = None

    def add(self, label: str, because: str, refs: tuple[str, ...], evidence: tuple[dt.date, ...] = (),
            stated: bool = False) -> None:
        if label not in self.reasons:
            self.reasons[label] = LabelReason(label, because, refs, stated, tuple(d.isoformat() for d in evidence))


def _standard_dose(med: Medication, dset: DefinitionSet) -> bool | None:
    """True if a daily prednisolone entry is at standard dose; None if the dose cannot be judged."""
    rule = dset.steroid_response
    assert rule is not None
    f = rule.standard_dose_fraction
    if med.mg_per_m2_day is not None and med.mg_per_m2_day >= f * rule.standard_mg_m2_day:
        return True
    if med.mg_per_kg_day is not None and med.mg_per_kg_day >= f * rule.standard_mg_kg_day:
        return True
    if med.mg_per_day is not None and med.mg_per_day >= f * rule.standard_max_mg_day:
        return True
    if med.mg_per_m2_day is None and med.mg_per_kg_day is None and med.mg_per_day is None:
        return None
    return False


def steroid_courses(patient: Patient, dset: DefinitionSet) -> list[Course]:
    """Group prednisolone entries into courses and find where daily standard-dose therapy starts."""
    meds = sorted((m for m in patient.medications if m.drug == "prednisolone"), key=lambda m: m.start)
    courses: list[Course] = []
    for med in meds:
        last = courses[-1] if courses else None
        if last and (last.end is None or (med.start - last.end).days <= COURSE_GAP_DAYS):
            last.entries.append(med)
            last.end = None if (last.end is None or med.end is None) else max(last.end, med.end)
        else:
            courses.append(Course(med.start, med.end, [med]))
    for course in courses:
        for med in course.entries:
            if med.alternate_days or med.frequency in ("weekly", "monthly", "once"):
                continue
            if dset.steroid_response is None:  # the set defines no steroid-response rule: nothing to judge
                break
            std = _standard_dose(med, dset)
            if std is None:
                course.dose_known = False
            if std is None or std:
                course.standard_start = med.start
                break
    return courses


def _treated_after(courses: list[Course], day: dt.date) -> bool:
    return any(0 <= (c.start - day).days <= TREATED_RELAPSE_DAYS for c in courses)


def _find_relapses(reading: CourseReading, patient: Patient, dset_refs: tuple[str, ...]) -> None:
    tl = reading.timeline
    first_cr = next((r for r in tl.cr_runs if r.reached), None)
    found: list[tuple[dt.date, str]] = []
    if first_cr is not None:
        for run in tl.relapse_runs:
            if run.start <= first_cr.start:
                continue
            # Remission must have been reached again before a second relapse counts.
            prev_cr = [r for r in tl.cr_runs if r.start < run.start and r.reached]
            if not prev_cr:
                continue
            if found and not any(found[-1][0] < r.start < run.start for r in prev_cr):
                continue
            if run.met_on is not None:
                found.append((run.start, f"relapse-range results from {run.start} met the definition on {run.met_on}"))
            elif run.ongoing:
                found.append((run.start, f"relapse-range result on {run.start} (unconfirmed: "
                                         f"{len(run.dates)} of {tl.relapse_rule.count if tl.relapse_rule else 1} results)"))
            elif _treated_after(reading.courses, run.start):
                found.append((run.start, f"relapse-range result on {run.start}, treated with prednisolone"))
            else:
                reading.notes.append(f"relapse-range result on {run.start} did not meet the relapse definition "
                                     f"and was not treated; not counted as a relapse")
    for ev in patient.events:
        if ev.type != "relapse":
            continue
        if any(abs((ev.date - d).days) <= TREATED_RELAPSE_DAYS for d, _ in found):
            continue
        found.append((ev.date, f"relapse on {ev.date} (clinician-stated event)"))
    found.sort()
    reading.relapses = found
    if first_cr is not None:
        reading.first_remission = first_cr.start
    remission_events = [e.date for e in patient.events if e.type == "remission"]
    if remission_events and (reading.first_remission is None or remission_events[0] < reading.first_remission):
        reading.first_remission = remission_events[0]


def _steroid_response(reading: CourseReading, patient: Patient, dset: DefinitionSet, refs: tuple[str, ...]) -> None:
    rule = dset.steroid_response
    if rule is None:
        return
    tl = reading.timeline
    initial = True
    for course in reading.courses:
        is_relapse_course = reading.first_remission is not None and course.start > reading.first_remission
        course.kind = "relapse" if is_relapse_course else "initial"
        if not initial and not is_relapse_course:
            continue
        if course.kind == "initial":
            initial = False
        start = course.standard_start
        if start is None:
            continue
        day_r = start + dt.timedelta(days=rule.resistance_day)
        day_c = start + dt.timedelta(days=rule.confirmation_end_day) if rule.confirmation_end_day else None
        week = rule.resistance_day // 7
        dose_note = "" if course.dose_known else " (dose not recorded: confirm it was standard dose)"
        if not course.dose_known:
            reading.notes.append(f"prednisolone course from {course.start}: dose not recorded; "
                                 "standard dose assumed for the response rules — confirm")
        if course.kind == "initial" and course.active_on(patient.as_of) and not reading.relapses:
            reading.add("on_initial_steroids", f"day {(patient.as_of - course.start).days} of the first "
                        f"prednisolone course (started {course.start}){dose_note}", refs, (course.start,))
        cr = tl.first_cr(start, day_r)
        if cr is not None:
            if course.kind == "initial":
                reading.add("steroid_sensitive", f"complete remission within {week} weeks of standard-dose "
                            f"prednisolone (from {start}; in range from {cr.start}{_unconfirmed(cr, tl)})", refs,
                            (cr.start,))
            continue
        if patient.as_of < day_r:
            reading.notes.append(f"day {(patient.as_of - start).days} of standard-dose prednisolone: steroid "
                                 f"response is judged at day {rule.resistance_day} ({day_r})")
            continue
        if course.end is not None and course.end < day_r - dt.timedelta(days=2):
            reading.notes.append(f"prednisolone course from {start} stopped on {course.end}, before day "
                                 f"{rule.resistance_day}: steroid response cannot be judged")
            continue
        at_r = tl.point_on_or_before(day_r + dt.timedelta(days=2), not_before=start + dt.timedelta(days=14))
        if at_r is None:
            reading.notes.append(f"no urine result between day 14 and day {rule.resistance_day} of the prednisolone "
                                 f"course from {start}: steroid response cannot be judged")
            continue
        in_confirmation = (day_c is not None and
                           (at_r.state == PR or rule.confirmation_for == "any"))
        kind_label = "srns_initial" if course.kind == "initial" else "srns_secondary"
        if in_confirmation and day_c is not None:
            late = tl.first_cr(start, day_c)
            if late is not None:
                reading.add("steroid_sensitive", f"complete remission during the confirmation period "
                            f"(in range from {late.start})", refs, (late.start,))
                reading.add("late_responder", f"partial remission at day {rule.resistance_day} "
                            f"({at_r.display} on {at_r.date}) and complete remission by day "
                            f"{rule.confirmation_end_day} ({late.start}{_unconfirmed(late, tl)})", refs,
                            (at_r.date, late.start))
                continue
            if patient.as_of < day_c:
                reading.add("confirmation_period", f"partial remission at day {rule.resistance_day} "
                            f"({at_r.display} on {at_r.date}); confirmation period runs to day "
                            f"{rule.confirmation_end_day} ({day_c})", refs, (at_r.date,))
                continue
            at_c = tl.point_on_or_before(day_c + dt.timedelta(days=2), not_before=start) or at_r
            reading.add("srns", f"no complete remission by day {rule.confirmation_end_day} of standard-dose "
                        f"prednisolone, after partial remission at day {rule.resistance_day} ({at_c.display} on "
                        f"{at_c.date}){dose_note}", refs, (at_r.date, at_c.date))
        else:
            reading.add("srns", f"no complete remission after {rule.resistance_day} days of standard-dose "
                        f"prednisolone (from {start}; {at_r.display} on {at_r.date}){dose_note}", refs, (at_r.date,))
        reading.add(kind_label, "steroid resistance in the first episode" if course.kind == "initial" else
                    "steroid-sensitive at first, resistant at a later relapse", refs, (start,))


def _unconfirmed(run: Run, tl: Timeline) -> str:
    if run.met_on is not None:
        return ""
    return (f"; only {len(run.dates)} result(s) so far, the definition needs {tl.cr_rule.count} consecutive "
            f"{tl.cr_rule.basis} — confirm")


def _relapse_pattern(reading: CourseReading, patient: Patient, dset: DefinitionSet, refs: tuple[str, ...]) -> None:
    rel = [d for d, _ in reading.relapses]
    if not rel or reading.first_remission is None:
        return
    if dset.relapse_frequency is not None:
        rf = dset.relapse_frequency
        first_end = add_months(reading.first_remission, rf.first_window_months)
        early = [d for d in rel if reading.first_remission < d <= first_end]
        frequent = None
        if len(early) >= rf.first_window_min_relapses:
            frequent = (f"{len(early)} relapses within {rf.first_window_months} months of the first remission "
                        f"({reading.first_remission})", tuple(early))
        else:
            for i, d in enumerate(rel):
                window = [x for x in rel[i:] if x < add_months(d, rf.any_window_months)]
                if len(window) >= rf.any_window_min_relapses:
                    frequent = (f"{len(window)} relapses within {rf.any_window_months} months "
                                f"({window[0]} to {window[-1]})", tuple(window))
                    break
        if frequent:
            reading.add("frequently_relapsing", frequent[0], refs, frequent[1])
        else:
            reading.add("infrequently_relapsing", f"{len(rel)} relapse(s) recorded, below the frequent-relapse "
                        f"thresholds ({rf.first_window_min_relapses} in {rf.first_window_months} months; "
                        f"{rf.any_window_min_relapses} in {rf.any_window_months} months)", refs, tuple(rel))
    if dset.steroid_dependence is not None:
        sd = dset.steroid_dependence
        meds = [m for m in patient.medications if m.drug == "prednisolone"]

        def on_or_just_off(day: dt.date) -> str | None:
            for m in meds:
                if m.start < day and (m.end is None or m.end >= day):
                    return f"relapse on {day} during prednisolone"
                if m.end is not None and 0 < (day - m.end).days <= sd.within_days_of_stopping:
                    return f"relapse on {day}, {(day - m.end).days} days after stopping prednisolone"
            return None

        streak: list[str] = []
        dates: list[dt.date] = []
        for d in rel:
            why = on_or_just_off(d)
            if why:
                streak.append(why)
                dates.append(d)
                if len(streak) >= sd.consecutive_relapses:
                    reading.add("steroid_dependent", "; ".join(streak[-sd.consecutive_relapses:]), refs,
                                tuple(dates[-sd.consecutive_relapses:]))
                    break
            else:
                streak, dates = [], []


def cni_exposures(patient: Patient, pack: KnowledgePack) -> list[tuple[dt.date, dt.date | None, list[str]]]:
    """Merged calcineurin-inhibitor exposures: (start, end or None, drugs)."""
    cni = sorted((m for m in patient.medications
                  if pack.drugs.get(m.drug) and pack.drugs[m.drug].drug_class == "calcineurin_inhibitor"),
                 key=lambda m: m.start)
    out: list[tuple[dt.date, dt.date | None, list[str]]] = []
    for m in cni:
        if out and (out[-1][1] is None or (m.start - out[-1][1]).days <= CNI_GAP_DAYS):
            s, e, drugs = out[-1]
            end = None if (e is None or m.end is None) else max(e, m.end)
            out[-1] = (s, end, [*drugs, m.drug] if m.drug not in drugs else drugs)
        else:
            out.append((m.start, m.end, [m.drug]))
    return out


def _cni_response(reading: CourseReading, patient: Patient, pack: KnowledgePack, dset: DefinitionSet,
                  refs: tuple[str, ...]) -> None:
    exposures = cni_exposures(patient, pack)
    if not exposures or dset.cni_response is None:
        return
    start, end, drugs = exposures[-1]
    stop = min(end, patient.as_of) if end else patient.as_of
    months_on = months_between(start, stop)
    reading.cni_start, reading.cni_months = start, months_on
    if "srns" not in reading.reasons:
        return
    rule = dset.cni_response
    tl = reading.timeline
    partial_by = add_months(start, rule.responsive_partial_by_months)
    resp = tl.first_response(start, min(partial_by, patient.as_of))
    cr = tl.first_cr(start, add_months(start, rule.responsive_complete_by_months))
    name = "/".join(drugs)
    if resp is not None:
        reading.add("cni_responsive", f"{'complete' if resp.state == CR else 'partial'} remission on {name} by "
                    f"{resp.date} ({resp.display}), within {rule.responsive_partial_by_months} months of starting "
                    f"on {start}", refs, (resp.date,))
    elif cr is not None:
        reading.add("cni_responsive", f"complete remission on {name} from {cr.start}, within "
                    f"{rule.responsive_complete_by_months} months", refs, (cr.start,))
    elif months_on >= rule.resistant_after_months:
        last = tl.point_on_or_before(stop, not_before=start)
        shown = f"; latest {last.display} on {last.date}" if last else ""
        reading.add("cni_resistant", f"no partial remission after {months_on:.1f} months of {name} (from {start}"
                    f"{shown})", refs, (start,) + ((last.date,) if last else ()))
    else:
        reading.notes.append(f"on {name} for {months_on:.1f} months without remission yet; response is judged at "
                             f"{rule.resistant_after_months} months ({add_months(start, rule.resistant_after_months)})")


def _multidrug(reading: CourseReading, patient: Patient, pack: KnowledgePack, dset: DefinitionSet,
               refs: tuple[str, ...]) -> None:
    rule = dset.multidrug_resistance
    if rule is None or "srns" not in reading.reasons:
        return
    firsts: dict[str, dt.date] = {}
    names: dict[str, str] = {}
    for m in patient.medications:
        entry = pack.drugs.get(m.drug)
        if entry is None or not entry.steroid_sparing:
            continue
        if entry.mechanism not in firsts or m.start < firsts[entry.mechanism]:
            firsts[entry.mechanism] = m.start
            names[entry.mechanism] = m.drug
    if len(firsts) < rule.agents:
        return
    # The window starts when the Nth distinct agent was added.
    started = sorted(firsts.values())[rule.agents - 1]
    first = min(firsts.values())
    if months_between(first, patient.as_of) < rule.months:
        return
    cr = reading.timeline.first_cr(first)
    if cr is not None:
        return
    agents = ", ".join(names[k].replace("_", " ") for k in sorted(firsts, key=lambda k: firsts[k]))
    reading.add("multidrug_resistant", f"no complete remission after {months_between(first, patient.as_of):.0f} "
                f"months of {len(firsts)} mechanistically distinct steroid-sparing agents ({agents}; the "
                f"{rule.agents}nd from {started}); standard dosing assumed", refs, (first, started))


def _nephrotic(reading: CourseReading, patient: Patient, dset: DefinitionSet, refs: tuple[str, ...]) -> None:
    rule = dset.nephrotic
    if rule is None:
        return
    albumins = patient.labs_of("albumin")
    for lab in patient.labs_of("upcr", "urine_protein_24h", "dipstick"):
        if not any(meets(c, lab) for c in rule.proteinuria):
            continue
        near = [a for a in albumins if abs((a.date - lab.date).days) <= 7 and a.value is not None]
        if near:
            alb = min(near, key=lambda a: (abs((a.date - lab.date).days), a.date))
            if meets_threshold(rule.albumin_below, "albumin", alb):
                reading.add("nephrotic", f"nephrotic-range proteinuria ({lab.display()} on {lab.date}) with serum "
                            f"albumin {alb.display()} ({alb.date})", refs, (lab.date, alb.date))
                return
        elif rule.edema_if_no_albumin and patient.edema:
            reading.add("nephrotic", f"nephrotic-range proteinuria ({lab.display()} on {lab.date}) with edema "
                        f"(no albumin result)", refs, (lab.date,))
            return


def _current_state(reading: CourseReading, patient: Patient, refs: tuple[str, ...]) -> None:
    tl = reading.timeline
    last = tl.latest
    if last is None:
        return
    age = (patient.as_of - last.date).days
    stale = f"; latest urine result is {age} days old" if age > 90 else ""
    last_relapse = reading.relapses[-1][0] if reading.relapses else None
    if last.state == CR:
        run = tl.cr_runs[-1]
        reading.add("complete_remission", f"{last.display} on {last.date} is in the complete-remission range"
                    f"{_unconfirmed(run, tl)}{stale}", refs, (last.date,))
    elif last.state == PR:
        reading.add("partial_remission", f"{last.display} on {last.date} with albumin {last.albumin} is in the "
                    f"partial-remission range{stale}", refs, (last.date,))
    elif last_relapse is not None and last_relapse <= last.date and not any(
            r.start > last_relapse and r.reached for r in tl.cr_runs):
        reading.add("in_relapse", f"relapse from {last_relapse}; latest {last.display} on {last.date}{stale}", refs,
                    (last_relapse, last.date))
    else:
        extra = f" ({last.undecided})" if last.undecided else ""
        band = "nephrotic range" if last.state == RELAPSE_RANGE else "outside the remission ranges"
        reading.add("no_remission", f"{last.display} on {last.date} is {band}{extra}{stale}", refs, (last.date,))


DRUG_RESPONSE = ("resistant", "responsive")   # assessment.<drug>_response, e.g. rituximab_response: resistant


def _validate_assessment(assessment: dict[str, str], pack: KnowledgePack | None = None) -> None:
    for key, value in assessment.items():
        if key not in ASSESSMENT and pack is not None and key.endswith("_response") and key[:-9] in pack.drugs:
            if str(value) not in DRUG_RESPONSE:
                raise InputError(f"{value!r} is not one of {', '.join(DRUG_RESPONSE)}", field=f"assessment.{key}")
            continue
        if key not in ASSESSMENT:
            raise InputError(f"unknown assessment {key!r}; known: {', '.join(ASSESSMENT)}, or <drug>_response "
                             f"(e.g. rituximab_response)", field=f"assessment.{key}")
        if str(value) not in ASSESSMENT[key]:
            raise InputError(f"{value!r} is not one of {', '.join(ASSESSMENT[key])}", field=f"assessment.{key}")


def classify_course(patient: Patient, dset: DefinitionSet, pack: KnowledgePack) -> tuple[Classification, CourseReading]:
    """Classification labels with explanations, plus the intermediate reading (for facts)."""
    _validate_assessment(patient.assessment, pack)
    refs = tuple(dict.fromkeys(c.source for c in dset.citations))
    reading = CourseReading(timeline=build_timeline(patient.labs, dset))
    reading.courses = steroid_courses(patient, dset)
    if patient.age_years > ADULT_AGE:
        reading.add("out_of_scope_age", f"age {patient.age_years:.1f} years: the guidance covers children "
                    f"(up to {ADULT_AGE:g} years)", refs)
    if patient.age_years < INFANT_AGE:
        reading.add("infant", f"age {patient.age_years:.2f} years: under {INFANT_AGE:g} year", refs)
    _nephrotic(reading, patient, dset, refs)
    _find_relapses(reading, patient, refs)
    _steroid_response(reading, patient, dset, refs)
    if patient.assessment:
        _apply_stated(reading, patient.assessment, refs, groups=("steroid_response",))
    if patient.genetic_status == "pathogenic":
        genes = ", ".join(patient.genes) or "gene not named"
        reading.add("genetic_srns", f"pathogenic variant reported ({genes}): monogenic nephrotic syndrome", refs)
    _relapse_pattern(reading, patient, dset, refs)
    _cni_response(reading, patient, pack, dset, refs)
    _multidrug(reading, patient, pack, dset, refs)
    _current_state(reading, patient, refs)
    if (not reading.relapses and "srns_secondary" not in reading.reasons
            and (reading.reasons or patient.onset_date or reading.courses)):
        reading.add("first_episode", "no relapse recorded since onset", refs)
    if patient.egfr is not None and patient.egfr < 30:
        how = "derived (bedside Schwartz)" if "egfr" in patient.derived else "reported"
        reading.add("ckd_egfr_below_30", f"eGFR {patient.egfr:.0f} mL/min/1.73 m² ({how}, {patient.egfr_date})", refs,
                    (patient.egfr_date,) if patient.egfr_date else ())
    if patient.assessment:
        _apply_stated(reading, patient.assessment, refs, groups=tuple(GROUPS))
    labels = [lbl for lbl in LABEL_ORDER if lbl in reading.reasons]
    explanation = tuple(reading.reasons[lbl] for lbl in labels)
    return Classification(tuple(labels), explanation, tuple(reading.notes)), reading


def _apply_stated(reading: CourseReading, assessment: dict[str, str], refs: tuple[str, ...],
                  groups: tuple[str, ...]) -> None:
    for key in groups:
        if key not in assessment:
            continue
        value = str(assessment[key])
        for label in GROUPS[key]:
            reasons = reading.reasons.get(label)
            if reasons is not None and not reasons.stated:
                del reading.reasons[label]
        for label in ASSESSMENT[key][value]:
            reading.reasons[label] = LabelReason(label, f"stated by the clinician (assessment.{key} = {value})",
                                                 refs, stated=True)
