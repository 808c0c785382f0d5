"""Turn a dose rule from the pack into a dose for one child: arithmetic only, every step stated."""

from __future__ import annotations

import dataclasses
import math
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from nephroguide.engine import wording
from nephroguide.engine.types import DoseResult, Statement, Target
from nephroguide.errors import InputError
from nephroguide.intake.derive import bsa_mosteller
from nephroguide.intake.types import HEIGHT_RANGE_CM, WEIGHT_RANGE_KG
from nephroguide.knowledge.models import DoseBasisValue, DoseRule
from nephroguide.knowledge.pack import KnowledgePack


def check_size(weight_kg: float | None, height_cm: float | None) -> None:
    """Reject impossible sizes before any arithmetic."""
    if weight_kg is not None and (not math.isfinite(weight_kg) or not WEIGHT_RANGE_KG[0] <= weight_kg <= WEIGHT_RANGE_KG[1]):
        raise InputError(f"{weight_kg:g} kg is outside the plausible range {WEIGHT_RANGE_KG[0]:g}-{WEIGHT_RANGE_KG[1]:g} kg",
                         field="weight_kg")
    if height_cm is not None and (not math.isfinite(height_cm) or not (HEIGHT_RANGE_CM[0] <= height_cm <= HEIGHT_RANGE_CM[1])):
        raise InputError(f"{height_cm:g} cm is outside the plausible range {HEIGHT_RANGE_CM[0]:g}-{HEIGHT_RANGE_CM[1]:g} cm",
                         field="height_cm")


def _round(value: float, step: float) -> float:
    """Round to the nearest multiple of step (half up), without binary-float drift."""
    q = (Decimal(str(value)) / Decimal(str(step))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    out = float(q * Decimal(str(step)))
    return round(out, 6)


def _round_within(value: float, step: float, cap: float) -> float:
    """Round to the step, but never above a maximum: rounding must not create an overdose."""
    out = _round(value, step)
    while out > cap + 1e-9 and out - step >= 0:
        out = round(out - step, 6)
    return out


def _floor(value: float, step: float) -> float:
    """Round down to a multiple of step: an upper limit stays an upper limit after rounding."""
    q = (Decimal(str(value)) / Decimal(str(step))).quantize(Decimal(1), rounding=ROUND_FLOOR)
    return round(float(q * Decimal(str(step))), 6)


def _fmt(x: float) -> str:
    return wording.num(x)


def _choose_basis(rule: DoseRule, weight_kg: float | None, bsa: float | None) -> DoseBasisValue:
    for b in rule.bases:
        if "/m2" in b.basis and bsa is not None:
            return b
        if "/kg" in b.basis and weight_kg is not None:
            return b
        if b.basis in ("mg/day", "mg/dose"):
            return b
    needs = "height (for body surface area)" if any("/m2" in b.basis for b in rule.bases) else "weight"
    raise InputError(f"{rule.drug} for {rule.indication} is dosed per {rule.bases[0].basis}: the {needs} is needed",
                     field="height_cm" if "height" in needs else "weight_kg")


def compute_dose(rule: DoseRule, pack: KnowledgePack, weight_kg: float | None, height_cm: float | None = None,
                 egfr: float | None = None, bsa_m2: float | None = None) -> DoseResult:
    """The dose a rule gives for this child, with caps, range, rounding and target stated; ``bsa_m2``: a body
    surface area the clinician states, used instead of the one worked out from height and weight."""
    check_size(weight_kg, height_cm)
    bsa = bsa_m2 if bsa_m2 else (bsa_mosteller(height_cm, weight_kg) if (height_cm and weight_kg) else None)
    basis = _choose_basis(rule, weight_kg, bsa)
    unit = "g" if basis.basis.startswith("g/") else "mg"
    if "/m2" in basis.basis:
        assert bsa is not None
        size, per = bsa, f"BSA {bsa:.2f} m² ({'as stated' if bsa_m2 else 'Mosteller'})"
    elif "/kg" in basis.basis:
        assert weight_kg is not None
        size, per = weight_kg, f"weight {_fmt(weight_kg)} kg"
    else:
        size, per = 1.0, "fixed dose"
    low = basis.value * size
    high = (basis.high * size) if basis.high is not None else None
    per_day_basis = basis.basis.endswith("/day")
    divisions = _divisions(rule)
    caps: list[str] = []

    def cap_day(x: float) -> float:
        if rule.max_mg_per_day is not None and x > rule.max_mg_per_day:
            return rule.max_mg_per_day
        return x

    def cap_dose(x: float) -> float:
        if rule.max_mg_per_dose is not None and x > rule.max_mg_per_dose:
            return rule.max_mg_per_dose
        return x

    if per_day_basis:
        day_low, day_high = cap_day(low), cap_day(high) if high is not None else None
        if day_low < low:
            caps.append(f"maximum {_fmt(rule.max_mg_per_day or 0)} {unit}/day")
        elif day_high is not None and high is not None and day_high < high:
            caps.append(f"upper end capped at {_fmt(rule.max_mg_per_day or 0)} {unit}/day")
        dose_low = cap_dose(day_low / divisions)
        if dose_low < day_low / divisions:
            caps.append(f"maximum {_fmt(rule.max_mg_per_dose or 0)} {unit}/dose")
        dose_high = cap_dose(day_high / divisions) if day_high is not None else None
    else:
        dose_low = cap_dose(low)
        if dose_low < low:
            caps.append(f"maximum {_fmt(rule.max_mg_per_dose or 0)} {unit}/dose")
        dose_high = cap_dose(high) if high is not None else None
        if dose_high is not None and high is not None and dose_high < high and not caps:
            caps.append(f"upper end capped at {_fmt(rule.max_mg_per_dose or 0)} {unit}/dose")
        if rule.schedule in ("daily", "alternate_days"):
            day_total = cap_day(dose_low * divisions)
            if day_total < dose_low * divisions:
                caps.append(f"maximum {_fmt(rule.max_mg_per_day or 0)} {unit}/day")
                dose_low = day_total / divisions

    step = rule.round_to_mg
    daily = rule.schedule in ("daily", "alternate_days")
    per_dose_cap = min(x for x in (rule.max_mg_per_dose,
                                   (rule.max_mg_per_day / divisions) if (rule.max_mg_per_day and daily) else None,
                                   float("inf")) if x is not None)
    # an upper limit ('less than 0.5 mg/kg') is rounded down, never up past the limit it states
    # (a limit smaller than one step is kept to the hundredth of a mg rather than shown as 0 mg)
    fit = (lambda v: _floor(min(v, per_dose_cap), step) or _floor(min(v, per_dose_cap), 0.01)) if rule.ceiling else \
        (lambda v: _round_within(v, step, per_dose_cap))
    mg_per_dose = fit(dose_low)
    mg_dose_high = fit(dose_high) if dose_high is not None else None
    mg_per_day = round(mg_per_dose * divisions, 6) if daily else None
    day_range = (mg_per_day, round(mg_dose_high * divisions, 6)) if (daily and mg_dose_high is not None
                                                                      and mg_per_day is not None) else None
    dose_range = (mg_per_dose, mg_dose_high) if mg_dose_high is not None else None
    basis_text = f"{_fmt(basis.value)}" + (f"-{_fmt(basis.high)}" if basis.high else "") + f" {basis.basis}"
    rounding = (f"the upper limit rounded down to the nearest {_fmt(step)} {unit}; a limit, not a dose to give"
                if rule.ceiling else
                f"each dose rounded to the nearest {_fmt(step)} {unit}; adjust to the strengths available")
    schedule = _frequency_text(rule)
    warnings: list[str] = []
    if rule.renal_avoid_egfr_below is not None and egfr is not None and egfr < rule.renal_avoid_egfr_below:
        warnings.append(f"eGFR {egfr:.0f} is below {rule.renal_avoid_egfr_below:g} mL/min/1.73 m²: the source advises "
                        f"against this drug at this kidney function")
    elif rule.renal_avoid_egfr_below is not None and egfr is None:
        warnings.append(f"eGFR unknown: the limit of eGFR < {rule.renal_avoid_egfr_below:g} mL/min/1.73 m² could not "
                        f"be checked; measure creatinine (eGFR) before the first dose")
    cumulative = round(rule.cumulative_max_mg_per_kg * weight_kg, 1) if (rule.cumulative_max_mg_per_kg and weight_kg) else None
    primary = rule.citations[0]
    g = pack.grade(primary)
    refs = tuple(dict.fromkeys(c.source for c in rule.citations))
    target = Target(rule.target.test, rule.target.low, rule.target.high, rule.target.unit, rule.target.note) \
        if rule.target else None
    others = _other_bases(rule, basis, weight_kg, bsa, divisions, unit)
    display = wording.dose_phrase(mg_per_dose, unit, rule.schedule, divisions, rule.schedule_days, rule.time_of_day,
                                  rule.route, mg_per_day)
    size_text = f"{wording.num(size, 2)} m² (BSA)" if "/m2" in basis.basis else \
        (f"{wording.num(size)} kg" if "/kg" in basis.basis else "")
    calculation = _calculation(rule, basis, size_text, low, high, divisions, per_day_basis, caps, unit,
                               mg_per_dose, mg_per_day, dose_low, step, "/m2" in basis.basis)
    text = _dose_sentence(rule, display, calculation, day_range, dose_range, unit, target, others)
    statement = Statement(text=text, refs=refs, grade=g.written, strength=g.strength, certainty=g.certainty,
                          verification=primary.verification, kb_id=rule.id, location=primary.location)
    return DoseResult(
        kb_id=rule.id, drug=rule.drug, indication=rule.indication, title=rule.title, route=rule.route, unit=unit,
        basis=basis_text, per=per, schedule=schedule, mg_per_dose=mg_per_dose,
        doses_per_day=divisions if daily else None, mg_per_day=mg_per_day, mg_per_day_range=day_range,
        mg_per_dose_range=dose_range, cap_applied=bool(caps), caps=tuple(caps), rounding=rounding, target=target,
        duration=rule.duration, phase=rule.phase, phase_order=rule.phase_order, cumulative_limit_mg=cumulative,
        notes=rule.notes, refs=refs, grade=g.written, strength=g.strength, certainty=g.certainty,
        verification=primary.verification, statement=statement, warnings=tuple(warnings), ceiling=rule.ceiling,
        other_bases=tuple(others), display=display, amount=wording.amount(mg_per_dose, unit),
        frequency=wording.frequency(rule.schedule, divisions, rule.schedule_days, rule.time_of_day),
        calculation=calculation)


def flag_other_maxima(results: list[DoseResult], pack: KnowledgePack) -> list[DoseResult]:
    """A dose (or the top of its range) above the maximum another rule for the same drug and schedule sets
    (KDIGO 2025 cyclosporine 5 mg/kg/day at 65 kg = 326 mg/day; IPNA caps it at 250 mg/day) says so, so that
    a reader comparing regimens does not take the higher one as within every source's limit."""
    rules = [pack.dose_rules[r.kb_id] for r in results]
    out = []
    for res, rule in zip(results, rules, strict=True):
        notes = list(res.warnings)
        if not rule.ceiling:
            checks = ((res.mg_per_day, res.mg_per_day_range, "max_mg_per_day", wording.total_label(rule.schedule)),
                      (res.mg_per_dose, res.mg_per_dose_range, "max_mg_per_dose", " per dose"))
            for other in rules:
                if other is rule or other.drug != rule.drug or other.schedule != rule.schedule or other.ceiling:
                    continue
                for value, span, field, label in checks:
                    limit = getattr(other, field)
                    top = span[1] if span else value
                    if limit is None or top is None or top <= limit + 1e-9:
                        continue
                    what = f"{wording.amount(value, res.unit)}{label} is" if value is not None and value > limit + 1e-9 \
                        else f"the top of the range, {wording.amount(top, res.unit)}{label}, is"
                    text = (f"{what} above the maximum of {wording.amount(limit, res.unit)}{label} in "
                            f"{other.title}")
                    if text not in notes:
                        notes.append(text)
                    break
        out.append(dataclasses.replace(res, warnings=tuple(notes)) if len(notes) != len(res.warnings) else res)
    return out


def _other_bases(rule: DoseRule, used: DoseBasisValue, weight_kg: float | None, bsa: float | None,
                 divisions: float, unit: str) -> list[str]:
    """The same rule computed on its other stated bases (e.g. 2 mg/kg/day beside 60 mg/m²/day), capped."""
    out = []
    for b in rule.bases:
        if b is used:
            continue
        size = bsa if "/m2" in b.basis else weight_kg if "/kg" in b.basis else None
        if size is None:
            continue
        raw = b.value * size
        per_day = b.basis.endswith("/day")
        cap = rule.max_mg_per_day if per_day else rule.max_mg_per_dose
        capped = cap is not None and raw > cap
        amount = min(raw, cap) if cap is not None else raw
        daily = wording.is_daily(rule.schedule)
        day_total: float | None
        if per_day and daily:
            per_dose = _round(amount / divisions, rule.round_to_mg)
            day_total = per_dose * divisions
        else:
            per_dose = _round(amount, rule.round_to_mg)
            day_total = per_dose * divisions if daily else None
        size_text = f"{wording.num(size, 2)} m² (BSA)" if "/m2" in b.basis else f"{wording.num(size)} kg"
        sym = "≈" if "/m2" in b.basis else "="
        label = wording.total_label(rule.schedule) if per_day else " per dose"
        phrase = wording.dose_phrase(per_dose, unit, rule.schedule, divisions, rule.schedule_days, rule.time_of_day,
                                     rule.route, day_total)
        out.append(f"{wording.num(b.value)} {wording.per_unit(b.basis)} × {size_text} {sym} {wording.num(raw, 2)} {unit}{label}"
                   + (f", capped at {wording.num(cap or 0)} {unit}{label}" if capped else "")
                   + f", that is {phrase}")
    return out


def _frequency_text(rule: DoseRule) -> str:
    """The frequency of one dose, in the shared wording ('twice daily (every 12 hours)')."""
    return wording.frequency(rule.schedule, rule.doses_per_day if wording.is_daily(rule.schedule) else 1,
                             rule.schedule_days, rule.time_of_day)


def _schedule_text(rule: DoseRule) -> str:
    """How a rule's amount is given, for text that quotes the rule without a child's dose: a per-day amount
    that is divided says so ('in 2 equal doses, twice daily (every 12 hours)'), so that '0.1 mg/kg/day'
    is never read as the amount of each dose."""
    freq = _frequency_text(rule)
    n = rule.doses_per_day
    if wording.is_daily(rule.schedule) and n != 1 and all(b.basis.endswith("/day") for b in rule.bases):
        return f"in {wording.num(n)} equal doses, {freq}"
    return freq


def _calculation(rule: DoseRule, basis: DoseBasisValue, size_text: str, low: float, high: float | None,
                 divisions: float, per_day_basis: bool, caps: list[str], unit: str, per_dose: float,
                 per_day: float | None, unrounded_dose: float, step: float, by_bsa: bool) -> str:
    """'5 mg/kg/day × 21 kg = 105 mg/day; given as 53 mg twice daily after rounding each dose to the nearest
    1 mg' — the arithmetic with the unrounded figure, the cap and the rounding."""
    sym = "≈" if by_bsa else "="
    value = wording.num(basis.value) + (f"-{wording.num(basis.high)}" if basis.high else "")
    label = "/day" if per_day_basis else " per dose"
    if rule.schedule == "alternate_days" and per_day_basis:
        label = " per dosing day"
    figure = wording.num(low, 2) + (f"-{wording.num(high, 2)}" if high is not None else "")
    lead = "upper limit " if rule.ceiling else ""
    if size_text:
        text = f"{lead}{value} {wording.per_unit(basis.basis)} × {size_text} {sym} {figure} {unit}{label}"
    else:
        text = f"fixed dose of {lead}{value} {wording.per_unit(basis.basis)}"
    if caps:
        text += ", " + "; ".join(f"capped: {c}" for c in caps)
    freq = wording.frequency(rule.schedule, divisions, rule.schedule_days, rule.time_of_day)
    rounded = abs(per_dose - unrounded_dose) > 1e-9
    if rule.ceiling:
        return text + (f"; at most {wording.amount(per_dose, unit)} {freq} after rounding down to the nearest "
                       f"{wording.num(step)} {unit}" if rounded else "")
    if per_day_basis and divisions != 1:
        text += f"; given as {wording.amount(per_dose, unit)} {freq}"
        if rounded:
            text += f" ({wording.amount(per_day or 0, unit)}{wording.total_label(rule.schedule)}) after rounding " \
                    f"each dose to the nearest {wording.num(step)} {unit}"
    elif rounded:
        text += f"; given as {wording.amount(per_dose, unit)} {freq} after rounding to the nearest " \
                f"{wording.num(step)} {unit}"
    return text


def range_text(rule: DoseRule, dose_range: tuple[float, float], day_range: tuple[float, float] | None,
               unit: str) -> str:
    """A worked-out range as it is written everywhere ('7.5-15 g per dose'; '1.05-2.1 mg twice daily (every 12
    hours), 2.1-4.2 mg/day')."""
    day_low, day_high = day_range if day_range else (None, None)
    return wording.range_phrase(dose_range[0], dose_range[1], unit, rule.schedule, _divisions(rule),
                                rule.schedule_days, rule.time_of_day, day_low, day_high)


def _divisions(rule: DoseRule) -> float:
    """Doses a day for a daily or alternate-day schedule, else 1."""
    return rule.doses_per_day if rule.schedule in ("daily", "alternate_days") else 1


def _dose_sentence(rule: DoseRule, display: str, calculation: str, day_range: tuple[float, float] | None,
                   dose_range: tuple[float, float] | None, unit: str, target: Target | None,
                   others: list[str]) -> str:
    """The whole dose statement: the dose as given first, then how it was worked out."""
    name = wording.drug_name(rule.drug)
    if rule.ceiling:
        text = f"Upper limit, not a dose: {name} at most {display}"
    else:
        text = f"{name[:1].upper()}{name[1:]} {display}"
        if dose_range:
            text += " (low end of the range)"
    text += f". Calculation: {calculation}"
    if dose_range:
        text += "; range " + range_text(rule, dose_range, day_range, unit)
    text += "."
    if rule.phase:
        text = f"{rule.phase}: {text}"
    if target:
        # short tokens of a test id are abbreviations (mpa_auc -> MPA AUC); the note says what the level is
        # and whether the figures were verified, so it is never dropped
        name = " ".join(w.upper() if len(w) <= 3 else w for w in target.test.split("_"))
        level = f"{wording.num(target.low)}-{wording.num(target.high)}" if target.high is not None \
            else f"above {wording.num(target.low)}"
        text += f" Target {name} {level} {target.unit}" + (f" ({' '.join(target.note.split())})" if target.note else "") + "."
    if rule.duration:
        text += f" Duration: {rule.duration}."
    if others:
        text += f" The source's other basis: {'; '.join(others)}."
    return text
