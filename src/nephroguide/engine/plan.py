"""Assemble a plan: classify, gather facts, select recommendations, dose them, collect cautions.

Selection is generic: a recommendation applies when its ``applies_when`` condition holds for the
child's facts; options rank by the pack's ``priority``; cautions apply when their own condition
holds (or, for drug-triggered cautions, when the child takes the drug). Nothing here names a drug
or a threshold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable
from typing import Any

from nephroguide.engine import wording
from nephroguide.engine.classify import CourseReading, classify_course, months_between
from nephroguide.engine.criteria import Facts, describe, holds
from nephroguide.engine.dosing import compute_dose, flag_other_maxima
from nephroguide.engine.types import (
    Classification,
    ConflictOut,
    CourseTotal,
    DoseResult,
    LeftOut,
    PatientSummary,
    Plan,
    RecommendationOut,
    Reference,
    Statement,
    Warning,
)
from nephroguide.errors import InputError
from nephroguide.intake.types import Medication, Patient
from nephroguide.knowledge.models import Caution, Citation, Condition, DefinitionSet, DoseRule, Recommendation
from nephroguide.knowledge.pack import KnowledgePack

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
DAILY_FREQUENCIES = (None, "daily", "bid", "tid", "qid")
STARTS = ("start", "consider")
# Facts that depend on what the plan itself recommends: recommendations testing them are selected in a
# second pass, once the first pass has decided which drugs are about to be started.
PLAN_FACTS = ("starting_renal_limited_drug",)


def statement(pack: KnowledgePack, text: str, citations: Iterable[Citation], kb_id: str) -> Statement:
    """A statement whose grade and verification come from its first (primary) citation."""
    cites = list(citations)
    primary = cites[0]
    g = pack.grade(primary)
    refs = tuple(dict.fromkeys(c.source for c in cites))
    return Statement(text=" ".join(text.split()), refs=refs, grade=g.written, strength=g.strength,
                     certainty=g.certainty, verification=primary.verification, kb_id=kb_id, location=primary.location)


def build_facts(patient: Patient, labels: Iterable[str], reading: CourseReading, pack: KnowledgePack) -> Facts:
    """The named facts Conditions may test (see docs/architecture.md)."""
    current = {m.drug for m in patient.medications if m.active_on(patient.as_of)}
    ever = {m.drug for m in patient.medications}

    def classes(ids: set[str]) -> frozenset[str]:
        return frozenset(pack.drugs[d].drug_class for d in ids if d in pack.drugs)

    pred_now = [m for m in patient.medications if m.drug == "prednisolone" and m.active_on(patient.as_of)]
    daily = [m for m in pred_now if not m.alternate_days]
    alternate = [m for m in pred_now if m.alternate_days]
    mg_kg = max((m.mg_per_kg_day for m in daily if m.mg_per_kg_day is not None), default=None)
    mg_day = max((m.mg_per_day for m in daily if m.mg_per_day is not None), default=None)
    alt_mg_kg = max((m.mg_per_kg_day for m in alternate if m.mg_per_kg_day is not None), default=None)
    alt_mg = max((m.mg_per_day for m in alternate if m.mg_per_day is not None), default=None)
    values: dict[str, Any] = {
        "age_years": patient.age_years, "weight_kg": patient.weight_kg, "height_cm": patient.height_cm,
        "bsa_m2": patient.bsa_m2, "egfr": patient.egfr, "genetic_status": patient.genetic_status,
        "histology": patient.histology, "sex": patient.sex, "edema": patient.edema,
        "prednisolone_mg_kg_day": mg_kg, "prednisolone_mg_day": mg_day,
        "prednisolone_alternate_mg_kg": alt_mg_kg, "prednisolone_alternate_mg": alt_mg,
        "months_on_cni": round(reading.cni_months, 2) if reading.cni_months is not None and
        any(pack.drugs[d].drug_class == "calcineurin_inhibitor" for d in current if d in pack.drugs) else None,
        "months_since_onset": round(months_between(patient.onset_date, patient.as_of), 2) if patient.onset_date else None,
        "relapses_last_12_months": sum(1 for d, _ in reading.relapses if 0 <= (patient.as_of - d).days <= 365),
        "cumulative_cyclophosphamide_mg_kg": cumulative_mg_per_kg(patient, "cyclophosphamide"),
    }
    initial = next((c for c in reading.courses if c.kind == "initial"), None)
    if initial and initial.active_on(patient.as_of):
        values["days_on_initial_steroids"] = (patient.as_of - initial.start).days
    if initial and reading.first_remission is not None and reading.first_remission >= initial.start:
        values["days_to_first_remission"] = (reading.first_remission - initial.start).days
    kidney = [lab.date for lab in patient.labs if lab.test in ("creatinine", "egfr") and lab.date <= patient.as_of]
    values["days_since_kidney_function"] = (patient.as_of - max(kidney)).days if kidney else None
    daily_now = next((m for m in daily if m.frequency in DAILY_FREQUENCIES), None)
    if daily_now is not None:
        values["days_on_daily_prednisolone"] = (patient.as_of - run_start(patient, daily_now)).days
    return Facts(labels=frozenset(labels), values=values, drugs_current=frozenset(current), drugs_ever=frozenset(ever),
                 classes_current=classes(current), classes_ever=classes(ever),
                 genes=frozenset(patient.genes) if patient.genetic_status == "pathogenic" else frozenset(),
                 histology=patient.histology)


def cumulative_mg_per_kg(patient: Patient, drug: str) -> float | None:
    """Total exposure so far in mg/kg, from daily courses (mg/kg/day × days); None when not computable."""
    total = 0.0
    found = False
    for m in patient.medications:
        if m.drug != drug:
            continue
        end = min(m.end or patient.as_of, patient.as_of)
        days = (end - m.start).days + 1
        if m.mg_per_kg_day is not None and m.frequency in (None, "daily", "bid", "tid", "qid"):
            total += m.mg_per_kg_day * days
            found = True
        elif m.mg_per_day is not None and patient.weight_kg and m.frequency in (None, "daily", "bid", "tid", "qid"):
            total += m.mg_per_day * days / patient.weight_kg
            found = True
    return round(total, 1) if found else None


def _kind(m: Medication) -> str:
    """A record medication's schedule in dose-rule terms: daily, alternate_days, weekly, monthly, single."""
    if m.alternate_days:
        return "alternate_days"
    if m.frequency in DAILY_FREQUENCIES:
        return "daily"
    return {"once": "single"}.get(m.frequency or "", m.frequency or "daily")


def run_start(patient: Patient, med: Medication) -> dt.date:
    """First day of the contiguous run of entries of this drug with the same schedule that ends with ``med``."""
    same = sorted((m for m in patient.medications if m.drug == med.drug and _kind(m) == _kind(med)),
                  key=lambda m: m.start)
    start = med.start
    for m in reversed([m for m in same if m.start < med.start]):
        if m.end is not None and (start - m.end).days <= 1:
            start = m.start
    return start


def cumulative_mg(patient: Patient, drug: str) -> tuple[float | None, bool]:
    """Total amount of a drug given so far (mg) from the record, and whether every entry could be counted."""
    total, complete, found = 0.0, True, False
    for m in patient.medications:
        if m.drug != drug or m.start > patient.as_of:
            continue
        days = (min(m.end or patient.as_of, patient.as_of) - m.start).days + 1
        kind = _kind(m)
        per_dose = m.mg_per_dose if m.mg_per_dose is not None else (m.mg_per_day if kind == "alternate_days" else None)
        if kind == "daily" and m.mg_per_day is not None:
            total += m.mg_per_day * days
        elif kind == "alternate_days" and per_dose is not None:
            total += per_dose * math.ceil(days / 2)
        elif kind == "weekly" and per_dose is not None:
            total += per_dose * math.ceil(days / 7)
        elif kind == "monthly" and per_dose is not None:
            end = min(m.end or patient.as_of, patient.as_of)
            total += per_dose * ((end.year - m.start.year) * 12 + end.month - m.start.month + 1)
        elif kind == "single" and per_dose is not None:
            total += per_dose
        else:
            complete = False
            continue
        found = True
    return (round(total, 1) if found else None), complete


def _rules_for(rec: Recommendation, pack: KnowledgePack) -> list[DoseRule]:
    return [pack.dose_rules[r] for r in rec.dose_rules]


def _labels_in(cond: Condition | None) -> list[str]:
    if cond is None:
        return []
    out = [cond.label] if cond.label else []
    for sub in (cond.all or []) + (cond.any or []) + ([cond.not_] if cond.not_ is not None else []):
        out += _labels_in(sub)
    return out


def failed_drugs(pack: KnowledgePack, facts: Facts, patient: Patient,
                 classification: Classification) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Drugs the child's course shows have failed: drug -> (why, refs). From the pack (``failed_when``) or
    from the clinician's stated assessment (``<drug>_response: resistant``)."""
    reasons = {r.label: r for r in classification.explanation}
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for drug in pack.drugs.values():
        if drug.failed_when is None or not holds(drug.failed_when, facts):
            continue
        because = [f"{reasons[lbl].label.replace('_', ' ')}: {reasons[lbl].because}"
                   for lbl in _labels_in(drug.failed_when) if lbl in reasons]
        refs = tuple(dict.fromkeys(r for lbl in _labels_in(drug.failed_when) if lbl in reasons
                                   for r in reasons[lbl].refs))
        out[drug.id] = ("; ".join(because) or describe(drug.failed_when), refs)
    for key, value in sorted(patient.assessment.items()):
        if key.endswith("_response") and key[:-9] in pack.drugs and value == "resistant":
            out[key[:-9]] = (f"no response stated by the clinician (assessment.{key} = resistant)", ())
    return out


_DERIVED: dict[int, tuple[KnowledgePack, frozenset[str], frozenset[str], dict[str, float]]] = {}


def _derived(pack: KnowledgePack) -> tuple[frozenset[str], frozenset[str], dict[str, float]]:
    """Per-pack lookups, computed once: recommendations that test plan-derived facts, drugs with a renal
    limit in any dose rule, and each drug's cumulative limit (mg/kg)."""
    hit = _DERIVED.get(id(pack))
    if hit is None or hit[0] is not pack:
        gated = frozenset(r.id for r in pack.recommendations.values() if _mentions(r.applies_when, PLAN_FACTS))
        renal = frozenset(r.drug for r in pack.dose_rules.values() if r.renal_avoid_egfr_below is not None)
        limits: dict[str, float] = {}
        for r in pack.dose_rules.values():
            if r.cumulative_max_mg_per_kg:
                limits[r.drug] = max(limits.get(r.drug, 0.0), r.cumulative_max_mg_per_kg)
        hit = _DERIVED[id(pack)] = (pack, gated, renal, limits)
    return hit[1], hit[2], hit[3]


def _renal_limited(pack: KnowledgePack) -> frozenset[str]:
    """Drugs with a kidney-function limit in any of their dose rules (they need a baseline creatinine)."""
    return _derived(pack)[1]


def _mentions(cond: Condition | None, names: tuple[str, ...]) -> bool:
    if cond is None:
        return False
    if cond.fact in names:
        return True
    return any(_mentions(c, names) for c in (cond.all or []) + (cond.any or []) +
               ([cond.not_] if cond.not_ is not None else []))


def _current_of(patient: Patient, drug: str) -> Medication | None:
    now = [m for m in patient.medications if m.drug == drug and m.active_on(patient.as_of)]
    return max(now, key=lambda m: m.start) if now else None


def _med_text(m: Medication, start: dt.date, as_of: dt.date) -> str:
    """'prednisolone 40 mg/m2 once every other day (alternate days) since 2026-10-15 (day 38)'."""
    kind = _kind(m)
    n = m.doses_per_day or 1
    recorded = f"{wording.num(m.dose)} {wording.per_unit(m.dose_unit)}" if m.dose is not None and m.dose_unit else ""
    per_dose = m.mg_per_dose if m.mg_per_dose is not None else \
        (m.mg_per_day / n if (m.mg_per_day is not None and kind == "daily") else None)
    if per_dose is not None:
        # the amount per dose and its frequency first, the daily total after (the plan's dose wording)
        text = wording.dose_phrase(round(per_dose, 1 if per_dose >= 10 else 2), "mg", kind, n,
                                   per_day=round(m.mg_per_day, 1) if (kind == "daily" and m.mg_per_day) else None)
        if recorded and m.dose_unit not in ("mg", "mg/day"):
            # the record gives a dose per kg or per m²: that is what was prescribed; the amount in mg is
            # nephroguide's arithmetic at today's size, and says so
            shown = wording.amount(round(per_dose, 1 if per_dose >= 10 else 2), "mg")
            total = f", {wording.amount(round(m.mg_per_day, 1), 'mg')}/day" if (kind == "daily" and n != 1
                                                                                and m.mg_per_day) else ""
            text = (f"{recorded} {wording.frequency(kind, n)} as recorded (about {shown} per dose{total} "
                    f"at today's size)")
    else:
        text = (f"{recorded}, " if recorded else "") + wording.frequency(kind, n)
    day = (as_of - start).days   # counted as the classification counts course days (start = day 0)
    return f"{wording.drug_name(m.drug)} {text} since {start.isoformat()} (day {day})"


def _per_dose_now(m: Medication) -> float | None:
    """The amount of one dose of a record medication in mg (per dosing day on alternate days)."""
    if m.mg_per_dose is not None:
        return m.mg_per_dose
    if m.mg_per_day is None:
        return None
    return m.mg_per_day if _kind(m) == "alternate_days" else m.mg_per_day / (m.doses_per_day or 1)


def _above_ceiling(rule: DoseRule | None, med: Medication | None, doses: Iterable[DoseResult],
                   weight_kg: float | None) -> str:
    """When the child's current dose is above the upper limit a ceiling rule gives (low-dose maintenance while
    still on 20 mg/m2), say so: the course running now is not that regimen. Empty otherwise."""
    if rule is None or med is None or not rule.ceiling:
        return ""
    limit = next((d for d in doses if d.kb_id == rule.id), None)
    now = _per_dose_now(med)
    if limit is None or now is None or limit.mg_per_dose is None or now <= limit.mg_per_dose + 1e-6:
        return ""
    shown = round(now, 1 if now >= 10 else 2)
    per_kg = f" ({wording.num(now / weight_kg, 2)} mg/kg)" if weight_kg else ""
    return (f"The current dose, {wording.amount(shown, limit.unit)} per dose{per_kg}, is above this regimen's upper "
            f"limit for this child (at most {wording.amount(limit.mg_per_dose, limit.unit)} {limit.frequency}, from "
            f"{wording.per_unit(limit.basis)}): the course running now is not the regimen this entry describes.")


def _position(rule: DoseRule, rules: list[DoseRule], med: Medication, patient: Patient) -> str:
    """Where the child is in a phased course: day N of the phase, when the phase ends, the planned stop date."""
    start = run_start(patient, med)
    day = (patient.as_of - start).days
    if not rule.phase_days:
        return f"Now taking {_med_text(med, start, patient.as_of)}" +             (f"; the regimen's duration: {rule.duration}." if rule.duration else ".")
    regimen = sorted((r for r in rules if (r.regimen or r.id) == (rule.regimen or rule.id)), key=lambda r: r.phase_order)
    later = [r for r in regimen if r.phase_order > rule.phase_order]
    options = list(range(len(rule.phase_days)))
    chosen_note = ""
    prev = next((r for r in reversed(regimen) if r.phase_order < rule.phase_order), None)
    if prev is not None and prev.phase_days and len(rule.phase_days) > 1:
        before = [m for m in patient.medications if m.drug == med.drug and _kind(m) == prev.schedule
                  and m.end is not None and 0 <= (start - m.end).days <= 1]
        if before:
            done = (before[0].end - run_start(patient, before[0])).days + 1  # type: ignore[operator]
            i = min(range(len(prev.phase_days)), key=lambda k: abs(prev.phase_days[k] - done))
            options = [min(i, len(rule.phase_days) - 1)]
            chosen_note = f" (the previous phase lasted {done} days, so its {prev.phase_days[i]}-day option applies)"

    def ends(i: int) -> tuple[dt.date, dt.date]:
        phase_end = start + dt.timedelta(days=rule.phase_days[i] - 1)
        stop = phase_end
        for r in later:
            if r.phase_days:
                stop += dt.timedelta(days=r.phase_days[min(i, len(r.phase_days) - 1)])
        return phase_end, stop

    phase = rule.phase or rule.title
    out = f"Now taking {_med_text(med, start, patient.as_of)}: {phase}{chosen_note}. "
    texts = []
    for i in options:
        phase_end, stop = ends(i)
        left = (phase_end - patient.as_of).days
        span = f"{rule.phase_days[i]}-day phase"
        state = f"{left} day{'s' if left != 1 else ''} left" if left >= 0 else f"{-left} days past its end"
        texts.append(f"{span} ends {phase_end.isoformat()} ({state}); planned stop date {stop.isoformat()}")
    out += "; or ".join(texts)
    if day >= max(rule.phase_days):
        out += f". Day {day} is beyond the longest phase the source allows ({max(rule.phase_days)} days)"
    return out + "."


def _dosing_days(rule: DoseRule, i: int) -> int | None:
    """Dosing days (or infusions) in a phase, for a course total; None when the source gives no fixed length."""
    if rule.course_dosing_days is not None:
        return rule.course_dosing_days
    if rule.schedule == "days" and rule.schedule_days:
        return len(rule.schedule_days)
    if rule.phase_days:
        days = rule.phase_days[min(i, len(rule.phase_days) - 1)]
        return {"daily": days, "alternate_days": math.ceil(days / 2), "weekly": math.ceil(days / 7)}.get(rule.schedule)
    return None


def course_totals(rules: list[DoseRule], doses: dict[str, DoseResult], pack: KnowledgePack, *,
                  weight_kg: float | None, bsa_m2: float | None,
                  given_of: Callable[[str], tuple[float | None, bool]] | None = None) -> dict[str, CourseTotal]:
    """Projected totals of each finite regimen among these rules (first phase id -> total), with what the
    record says was already given (``given_of(drug)`` -> (mg, every entry counted)) and the drug's cumulative
    limit."""
    out: dict[str, CourseTotal] = {}
    regimens: dict[str, list[DoseRule]] = {}
    for r in rules:
        if r.id in doses and not r.ceiling:
            regimens.setdefault(r.regimen or r.id, []).append(r)
    for regimen, phases in regimens.items():
        phases.sort(key=lambda r: r.phase_order)
        variants = max(len(r.phase_days) or 1 for r in phases)
        first = doses[phases[0].id]
        unit = first.unit
        limit = _derived(pack)[2].get(phases[0].drug)
        given, complete = given_of(phases[0].drug) if (given_of is not None and unit == "mg") else (None, True)
        texts: list[str] = []
        best: tuple[float, float | None, float | None, float] | None = None
        for i in range(variants):
            counts = [_dosing_days(r, i) for r in phases]
            if any(c is None for c in counts):
                break
            terms, planned = [], 0.0
            for r, n in zip(phases, counts, strict=True):
                d = doses[r.id]
                each = d.mg_per_day if (wording.is_daily(r.schedule) and d.mg_per_day is not None) else d.mg_per_dose
                assert each is not None and n is not None
                planned += each * n
                what = "days" if r.schedule == "daily" else ("infusions" if r.route == "iv" else "doses")
                terms.append(f"{wording.amount(each, unit)} × {n} {what if n != 1 else what[:-1]}")
            per_kg = planned / weight_kg if weight_kg else None
            per_m2 = planned / bsa_m2 if bsa_m2 else None
            total = planned + (given or 0.0)
            total_kg = total / weight_kg if weight_kg else None
            label = "" if variants == 1 else f"{sum(r.phase_days[min(i, len(r.phase_days) - 1)] for r in phases if r.phase_days) // 7}-week course: "
            size = ", ".join(x for x in (f"{wording.num(per_kg, 1)} {unit}/kg" if per_kg else "",
                                         f"{wording.num(per_m2, 0)} {unit}/m²" if per_m2 else "") if x)
            text = f"{label}{' + '.join(terms)} = {wording.amount(round(planned, 1), unit)}" + (f" ({size})" if size else "")
            if given:
                text += (f"; with {wording.amount(given, unit)} already given" + ("" if complete else " (not every recorded "
                         "course could be counted)") + f", {wording.amount(round(total, 1), unit)}"
                         + (f" ({wording.num(total_kg, 1)} {unit}/kg)" if total_kg else "") + " in all")
            texts.append(text)
            if best is None or total > best[3]:
                best = (planned, per_kg, per_m2, total)
        if best is None:
            continue
        planned, per_kg, per_m2, total = best
        total_kg = round(total / weight_kg, 1) if weight_kg else None
        crosses = bool(limit is not None and total_kg is not None and total_kg > limit + 1e-9)
        text = "Projected course total if every dose is given: " + "; ".join(texts) + "."
        n_single = _dosing_days(phases[0], 0) if len(phases) == 1 else None
        if limit is not None:
            text += f" Cumulative limit {wording.num(limit)} mg/kg" +                 (f" = {wording.amount(round(limit * weight_kg, 1), unit)} for {wording.num(weight_kg)} kg"
                 if weight_kg else "") +                 (": the planned course would take the total above it." if crosses else ": the planned course stays "
                 "within it." if total_kg is not None else ".")
            if crosses and n_single and weight_kg:
                # the largest amount per dosing day, in the rule's rounding steps, that keeps the course within it
                room = limit * weight_kg - (given or 0.0)
                step = phases[0].round_to_mg
                per_day = math.floor(room / n_single / step + 1e-9) * step if room > 0 else 0.0
                text += (f" At most {wording.amount(round(per_day, 6), unit)} per dosing day over {n_single} days "
                         f"keeps it within the limit." if per_day > 0 else " No further course fits within it.")
        elif given is None and not complete:
            text += " What was already given could not be counted from the record."
        out[phases[0].id] = CourseTotal(
            regimen=regimen, unit=unit, planned=round(planned, 1),
            planned_per_kg=round(per_kg, 1) if per_kg else None, planned_per_m2=round(per_m2, 1) if per_m2 else None,
            given_before=given, total=round(total, 1), total_per_kg=total_kg, limit_per_kg=limit, text=text,
            crosses_limit=crosses)
    return out


def _dose_all(rules: list[DoseRule], pack: KnowledgePack, patient: Patient) -> tuple[DoseResult | None,
                                                                                      tuple[DoseResult, ...], list[str]]:
    """Compute every rule the child's data allow; the main dose is the first preferred rule."""
    done: list[tuple[DoseRule, DoseResult]] = []
    missing: list[str] = []
    for rule in rules:
        try:
            done.append((rule, compute_dose(rule, pack, patient.weight_kg, patient.height_cm, patient.egfr,
                                                   bsa_m2=patient.stated_bsa_m2)))
        except InputError as exc:
            missing.append(exc.one_line())
    flagged = flag_other_maxima([res for _, res in done], pack)
    done = [(rule, res) for (rule, _), res in zip(done, flagged, strict=True)]
    main = next((res for rule, res in done if rule.preferred and rule.phase_order == 1), None)
    if main is None and done:
        main = done[0][1]
    return main, tuple(res for _, res in done), missing


def _caution_out(c: Caution, pack: KnowledgePack, because: str) -> Warning:
    st = statement(pack, c.text, c.citations, c.id)
    return Warning(kb_id=c.id, severity=c.severity, title=c.title, text=st.text, refs=st.refs, statement=st,
                   because=because)


def _caution_applies(c: Caution, facts: Facts, recommended_drugs: set[str]) -> tuple[bool, str]:
    if c.applies_when is not None:
        if holds(c.applies_when, facts):
            return True, describe(c.applies_when)
        return False, ""
    taking = [d for d in c.drugs if d in facts.drugs_current or d in recommended_drugs]
    if taking:
        return True, f"{', '.join(taking)} taken or recommended"
    return False, ""


def _current_match(rec: Recommendation, drugs: list[str], rules: list[DoseRule],
                   patient: Patient) -> tuple[list[str], DoseRule | None, Medication | None]:
    """The recommendation's drugs the child takes now in the way it recommends (same schedule as one of its
    dose rules, or any way when it gives no dose), and the phase rule that matches."""
    current, phase, med = [], None, None
    for d in drugs:
        m = _current_of(patient, d)
        if m is None:
            continue
        own = [r for r in rules if r.drug == d]
        match = sorted((r for r in own if r.schedule == _kind(m)), key=lambda r: (not r.preferred, r.phase_order))
        if own and not match:
            continue
        if not own and (rec.action != "start" or rules):
            # a 'consider' without a dose of its own (a longer course, a choice), or a drug the recommendation
            # does not dose while it doses others (pulses added to prednisolone), is not a course to continue
            continue
        current.append(d)
        if match and phase is None:
            phase, med = match[0], m
        elif med is None:
            med = m
    return current, phase, med


def select(pack: KnowledgePack, facts: Facts, patient: Patient,
           classification: Classification | None = None) -> tuple[list[RecommendationOut], list[Warning],
                                                                  list[str], list[LeftOut]]:
    """Applicable recommendations (ranked), plan-level warnings, conflict ids to show, and options left out
    because the drug already failed."""
    failed = failed_drugs(pack, facts, patient, classification or Classification((), ()))
    candidates = [r for r in pack.recommendations.values() if r.status == "current"]
    gated_ids = _derived(pack)[0]
    first = [r for r in candidates if r.id not in gated_ids and holds(r.applies_when, facts)]
    left_out: list[LeftOut] = []
    drugs_of: dict[str, list[str]] = {}

    def keep(recs: list[Recommendation]) -> list[Recommendation]:
        kept = []
        for rec in recs:
            drugs = list(rec.drugs)
            gone = [d for d in drugs if d in failed] if rec.action in STARTS else []
            if gone:
                why = "; ".join(dict.fromkeys(f"{wording.drug_name(d)}: {failed[d][0]}" for d in gone))
                # a failed drug the child still takes is named, so the reader sees it has not been stopped
                still = [m for m in (_current_of(patient, d) for d in gone) if m is not None]
                if still:
                    why += "; still being taken: " + "; ".join(
                        _med_text(m, run_start(patient, m), patient.as_of) for m in still)
                refs = tuple(dict.fromkeys(r for d in gone for r in failed[d][1])) or \
                    tuple(dict.fromkeys(c.source for c in rec.citations))
                left_out.append(LeftOut(rec.id, rec.title, tuple(gone), f"already failed - {why}", refs))
                drugs = [d for d in drugs if d not in failed]
                if not drugs:
                    continue
            drugs_of[rec.id] = drugs
            kept.append(rec)
        return kept

    chosen = keep(first)
    renal = _renal_limited(pack)
    # Switching within a class the child already takes (cyclosporine -> tacrolimus) is not a new start.
    starting = {d for r in chosen if r.action in STARTS for d in drugs_of[r.id]
                if _current_of(patient, d) is None and
                (d not in pack.drugs or pack.drugs[d].drug_class not in facts.classes_current)}
    facts.values["starting_renal_limited_drug"] = bool(starting & renal)
    gated = keep([r for r in candidates if r.id in gated_ids and holds(r.applies_when, facts)])
    # A step that exists because a drug is about to start (the baseline test) ranks just before that drug.
    gating = [r for r in chosen if r.action in STARTS and set(drugs_of[r.id]) & starting & renal]
    dosed = [r for r in gating if any(pack.dose_rules[x].drug in renal for x in r.dose_rules)]
    gate = min((r.priority for r in dosed or gating), default=None)
    order = {r.id: (r.priority if gate is None else gate - 0.5) for r in gated}
    chosen += gated
    chosen.sort(key=lambda r: (order.get(r.id, r.priority), r.id))
    recommended_drugs = {d for r in chosen if r.action in ("start", "continue", "consider") for d in drugs_of[r.id]}
    out: list[RecommendationOut] = []
    conflict_ids: list[str] = []
    for rank, rec in enumerate(chosen, start=1):
        drugs = drugs_of[rec.id]
        main = statement(pack, rec.text, rec.citations, rec.id)
        rules = [r for r in _rules_for(rec, pack) if r.drug in drugs or r.drug not in rec.drugs]
        dose, doses, missing = _dose_all(rules, pack, patient)
        statements = [main]
        action = rec.action
        current, phase, med = _current_match(rec, drugs, rules, patient) if rec.action in (*STARTS, "continue", "taper", "stop") \
            else ([], None, None)
        others = {pack.drugs[d].drug_class for d in drugs if d not in current and d in pack.drugs}
        above = _above_ceiling(phase, med, doses, patient.weight_kg)
        if rec.action in STARTS and current and others <= {pack.drugs[d].drug_class for d in current} and not above:
            # (only when the drugs not taken are alternatives of the same class: a recommendation that adds a
            # different drug - prednisolone for a relapse beside the CNI - is still a start)
            # A course already running is continued, not started again: keep its drug(s) and say where it stands.
            action, drugs = "continue", current
            doses = tuple(d for d in doses if d.drug in current)
            if phase is not None:
                # phases of this course already completed are no longer doses for this child
                done = {r.id for r in rules if (r.regimen or r.id) == (phase.regimen or phase.id)
                        and r.phase_order < phase.phase_order}
                doses = tuple(d for d in doses if d.kb_id not in done)
                dose = next((d for d in doses if d.kb_id == phase.id), dose)
        if med is not None:
            where = _position(phase, rules, med, patient) if phase is not None else \
                f"Now taking {_med_text(med, run_start(patient, med), patient.as_of)}."
            statements.append(dataclasses.replace(main, text=where))
            if above:
                # a course above the regimen's upper limit is not this regimen: the entry stays an option
                statements.append(dataclasses.replace(main, text=above))
        elif rec.action in (*STARTS, "continue", "taper", "stop"):
            now = [m for m in (_current_of(patient, d) for d in rec.drugs) if m is not None]
            statements += [dataclasses.replace(main, text=f"Now taking {_med_text(m, run_start(patient, m), patient.as_of)}.")
                           for m in now]
        totals = course_totals(rules, {d.kb_id: d for d in doses}, pack, weight_kg=patient.weight_kg,
                               bsa_m2=patient.bsa_m2, given_of=lambda drug: cumulative_mg(patient, drug)) \
            if action in STARTS else {}
        doses = tuple(dataclasses.replace(d, course=totals[d.kb_id]) if d.kb_id in totals else d for d in doses)
        if dose is not None and dose.kb_id in totals:
            dose = dataclasses.replace(dose, course=totals[dose.kb_id])
        statements += [d.statement for d in doses]
        if missing and not doses:
            statements.append(Statement(text=f"Dose not computed: {missing[0]}.", refs=main.refs, grade=main.grade,
                                        strength=main.strength, certainty=main.certainty,
                                        verification=main.verification, kb_id=rec.id))
        over = max((t.total_per_kg for t in totals.values() if t.total_per_kg is not None), default=None)
        rec_facts = facts if over is None else \
            dataclasses.replace(facts, values={**facts.values, "planned_course_total_mg_kg": over})
        cautions: list[Warning] = []
        # A caution attached to a recommendation also applies if it would hold once the recommended
        # drugs are started ("if you start tacrolimus, no live vaccines").
        # The drugs a recommendation lists are alternatives: test each one on its own.
        starts = drugs if action in STARTS else []
        for cid in rec.cautions:
            c = pack.cautions[cid]
            if c.applies_when is None:
                ok, because = True, "listed with this recommendation"
            elif holds(c.applies_when, rec_facts):
                ok, because = True, describe(c.applies_when)
            else:
                trigger = next((d for d in starts if holds(c.applies_when, rec_facts.with_drugs([d], pack))), None)
                ok = trigger is not None
                because = f"{describe(c.applies_when)} (once {trigger} is started)"
            if ok:
                cautions.append(_caution_out(c, pack, because))
        monitoring = tuple(statement(pack, pack.cautions[m].text, pack.cautions[m].citations, m) for m in rec.monitoring)
        conflict_ids.extend(rec.conflicts)
        why = f"applies because: {describe(rec.applies_when)}"
        if action != rec.action:
            why += f"; shown as {action} because {', '.join(wording.drug_name(d) for d in drugs)} is already being taken"
        out.append(RecommendationOut(
            kb_id=rec.id, rank=rank, action=action, title=rec.title, drugs=tuple(drugs),
            statements=tuple(statements), grade=main.grade, strength=main.strength, certainty=main.certainty,
            refs=tuple(dict.fromkeys([*main.refs, *(r for d in doses for r in d.refs)])),
            verification=main.verification, dose=dose, doses=doses, cautions=tuple(cautions), monitoring=monitoring,
            conflicts=tuple(rec.conflicts), evidence=tuple(rec.evidence),
            why=why, rationale=" ".join(rec.rationale.split()),
            family_text=" ".join(rec.family_text.split()), topic=rec.topic))
    warnings: dict[str, Warning] = {}
    for c in pack.cautions.values():
        if c.kind == "monitoring":
            continue
        ok, because = _caution_applies(c, facts, recommended_drugs)
        if ok:
            warnings[c.id] = _caution_out(c, pack, because)
    ordered = sorted(warnings.values(), key=lambda w: (SEVERITY_ORDER[w.severity], w.kb_id))
    return out, ordered, list(dict.fromkeys(conflict_ids)), sorted(left_out, key=lambda x: x.kb_id)


def missing_data(patient: Patient) -> list[str]:
    """What a record lacks for nephroguide to classify the course and dose (data completeness, not a decision)."""
    tests = {lab.test for lab in patient.labs}
    out = []
    if not tests & {"upcr", "dipstick", "urine_protein_24h"}:
        out.append("urine protein results with dates (UPCR, dipstick or 24-hour protein)")
    if "albumin" not in tests:
        out.append("serum albumin")
    if patient.onset_date is None:
        out.append("date of onset")
    if not patient.medications:
        out.append("medications with start and end dates and doses (prednisolone courses first)")
    if not tests & {"creatinine", "egfr"}:
        out.append("creatinine or eGFR")
    if patient.weight_kg is None:
        out.append("weight (for doses)")
    if patient.height_cm is None:
        out.append("height (for body surface area and eGFR)")
    return out


def references(pack: KnowledgePack, source_ids: Iterable[str]) -> tuple[Reference, ...]:
    """Reference objects for the cited sources: guidelines first, then by year (newest first)."""
    refs = []
    for sid in dict.fromkeys(source_ids):
        s = pack.sources[sid]
        refs.append(Reference(id=s.id, type=s.type, citation=s.citation, year=s.year, title=s.title, url=s.url,
                              doi=s.doi, pmid=s.pmid, access=s.access, status=s.status))
    order = {"guideline": 0, "review": 1, "research": 2}
    return tuple(sorted(refs, key=lambda r: (order.get(r.type, 3), -r.year, r.id)))


def conflicts_out(pack: KnowledgePack, ids: Iterable[str]) -> tuple[ConflictOut, ...]:
    out = []
    for cid in ids:
        c = pack.conflicts[cid]
        positions = tuple((" ".join(p.text.split()), tuple(dict.fromkeys(x.source for x in p.citations)), p.current)
                          for p in c.positions)
        out.append(ConflictOut(kb_id=c.id, topic=c.topic, positions=positions, note=" ".join(c.note.split())))
    return tuple(out)


def make_plan(patient: Patient, pack: KnowledgePack, dset: DefinitionSet) -> Plan:
    """The whole plan for one child under one definition set."""
    classification, reading = classify_course(patient, dset, pack)
    facts = build_facts(patient, classification.labels, reading, pack)
    recs, warnings, conflict_ids, left_out = select(pack, facts, patient, classification)
    out_of_scope = "out_of_scope_age" in classification.labels
    assessed = bool(classification.labels)
    missing = tuple(missing_data(patient))
    nothing = ""
    if out_of_scope:
        # Pediatric recommendations are not offered for adults; the scope caution says why.
        recs, conflict_ids, left_out = [], [], []
        nothing = (f"none offered: age {patient.age_years:.1f} years is outside the pediatric scope (up to 18 years) "
                   f"of every source in the knowledge pack; use adult guidelines")
    elif not assessed:
        # Nothing in the record establishes nephrotic syndrome or a course to classify: general steps alone
        # (growth charts) would look like a plan, so none are listed; the missing data are.
        recs, conflict_ids, left_out = [], [], []
        nothing = ("none yet: the record is too thin to classify the course"
                   + (f" (missing: {', '.join(m.split(' (')[0] for m in missing)})" if missing
                      else "; no result in it shows nephrotic syndrome"))
    cited: list[str] = [r for reason in classification.explanation for r in reason.refs]
    for rec in recs:
        cited.extend(rec.refs)
        for c in rec.cautions:
            cited.extend(c.refs)
        for m in rec.monitoring:
            cited.extend(m.refs)
    for w in warnings:
        cited.extend(w.refs)
    for x in left_out:
        cited.extend(x.refs)
    conflicts = conflicts_out(pack, conflict_ids)
    for cf in conflicts:
        for _t, r, _cur in cf.positions:
            cited.extend(r)
    summary = PatientSummary(id=patient.id, as_of=patient.as_of, age_years=patient.age_years, sex=patient.sex,
                             weight_kg=patient.weight_kg, height_cm=patient.height_cm,
                             bsa_m2=round(patient.bsa_m2, 2) if patient.bsa_m2 else None, egfr=patient.egfr,
                             derived=patient.derived)
    fact_values = {k: v for k, v in facts.values.items() if v is not None}
    fact_values["drugs_current"] = sorted(facts.drugs_current)
    return Plan(patient=summary, definitions=dset.id, classification=classification, recommendations=tuple(recs),
                warnings=tuple(warnings), conflicts=conflicts, references=references(pack, cited),
                pack_version=pack.version, out_of_scope=out_of_scope,
                facts=fact_values, assessed=assessed, missing_data=missing if not assessed else (),
                left_out=tuple(left_out), nothing_applies=nothing)
