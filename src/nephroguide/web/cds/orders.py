"""``order-sign``: check draft MedicationRequests with the engine: dose rules, cumulative limits, cautions.

Every number comes from the knowledge pack through the engine (``engine.dosing.compute_dose`` for the
child's weight and height; the plan's cautions for the child with the drafted drug added). This module
only compares the ordered amount with what the pack's rules give, and lays the result out as cards:

* **over the maximum**: the ordered amount (per day for daily schedules, per dose otherwise) is above
  the highest amount any of the pack's rules for that drug, route and schedule gives this child
  (upper end of its range, caps applied) -> a critical card whose suggestion updates the order to that
  maximum;
* **cumulative limit**: a rule with a cumulative maximum (mg/kg) and a course that would pass it, counting
  earlier courses in the chart -> a critical card (suggestion: shorten the course, or remove the order);
* **cautions**: pack cautions listed for the drug that apply to the child once the drug is added (live
  vaccines, eGFR below 30, cumulative dose reached ...) -> critical or warning cards;
* **vaccine orders**: nephroguide does not classify vaccines; when the child's current treatment makes
  the pack's live-vaccine caution apply, a vaccine order gets that caution as a warning card.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from nephroguide.web.cds import fhir
from nephroguide.web.cds.cards import DISCLAIMER, card, grade_md, refs_md, source

EPSILON = 1e-6
DAILY = ("daily", "bid", "tid", "qid", "alternate_days")
OVERRIDE_REASONS = [
    {"system": "https://nephroguide.org/override-reasons", "code": "intended", "display": "Dose intended (clinical judgement)"},
    {"system": "https://nephroguide.org/override-reasons", "code": "size-outdated",
     "display": "Weight or height on record is out of date"},
    {"system": "https://nephroguide.org/override-reasons", "code": "specialist", "display": "Agreed with pediatric nephrology"},
]
_SCHEDULE_WORDS = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}


@dataclass
class Allowed:
    """The highest amount one rule gives this child, and the dose to suggest at that maximum."""

    rule_id: str
    amount: float                 # per (dosing) day for daily schedules, per dose otherwise
    per_dose: float
    doses_per_day: float | None
    alternate_days: bool
    unit: str
    dose: Any                     # the engine's DoseResult


def _allowed(dose: Any, daily: bool) -> Allowed:
    if daily:
        day = dose.mg_per_day_range[1] if dose.mg_per_day_range else dose.mg_per_day
        per_dose = dose.mg_per_dose_range[1] if dose.mg_per_dose_range else dose.mg_per_dose
        return Allowed(dose.kb_id, float(day), float(per_dose), dose.doses_per_day, "alternate" in dose.schedule,
                       dose.unit, dose)
    per_dose = dose.mg_per_dose_range[1] if dose.mg_per_dose_range else dose.mg_per_dose
    return Allowed(dose.kb_id, float(per_dose), float(per_dose), None, False, dose.unit, dose)


def highest_allowed(pack: Any, generic: str, med: Any, patient: Any) -> tuple[Allowed | None, str]:
    """The most permissive of the pack's rules for this drug, route and kind of schedule, for this child."""
    from nephroguide.engine.dosing import compute_dose
    from nephroguide.errors import InputError

    daily = med.frequency in DAILY
    rules = [r for r in pack.dose_rules.values() if r.drug == generic and (med.route is None or r.route == med.route)]
    if daily:
        wanted = "alternate_days" if med.alternate_days else "daily"
        rules = [r for r in rules if r.schedule == wanted] or \
            [r for r in rules if r.schedule in ("daily", "alternate_days")]
    else:
        rules = [r for r in rules if r.schedule not in ("daily", "alternate_days")]
    if not rules:
        return None, f"the knowledge pack has no {'daily' if daily else 'per-dose'} dose rule for {generic}" + \
            (f" given {med.route}" if med.route else "")
    found: list[Allowed] = []
    reasons = []
    for rule in sorted(rules, key=lambda r: r.id):
        try:
            found.append(_allowed(compute_dose(rule, pack, patient.weight_kg, patient.height_cm, patient.egfr,
                                                  bsa_m2=patient.stated_bsa_m2), daily))
        except InputError as exc:
            reasons.append(exc.one_line())
    if not found:
        return None, reasons[0] if reasons else "no dose rule could be computed"
    return max(found, key=lambda a: (a.amount, a.rule_id)), ""


def _ordered_amount(med: Any) -> float | None:
    return med.mg_per_day if med.frequency in DAILY else med.mg_per_dose


def _schedule(doses_per_day: float | None, alternate: bool) -> str:
    if alternate:
        return "on alternate days"
    if doses_per_day is None:
        return "per dose"
    return _SCHEDULE_WORDS.get(int(doses_per_day), f"{doses_per_day:g} times daily")


def _updated_order(resource: dict[str, Any], allowed: Allowed, note: str) -> dict[str, Any]:
    """The draft MedicationRequest with its dose (and, for daily schedules, its timing) set to ``allowed``."""
    res = copy.deepcopy(resource)
    dosages = res.setdefault("dosageInstruction", [{}])
    if not dosages:
        dosages.append({})
    dosage = dosages[0]
    dosage["doseAndRate"] = [{"doseQuantity": {"value": allowed.per_dose, "unit": allowed.unit,
                                               "system": "http://unitsofmeasure.org", "code": allowed.unit}}]
    if allowed.doses_per_day is not None:
        timing = dosage.setdefault("timing", {})
        timing.pop("code", None)
        repeat = timing.setdefault("repeat", {})
        repeat.update({"frequency": int(allowed.doses_per_day), "period": 2 if allowed.alternate_days else 1,
                       "periodUnit": "d"})
    dosage["text"] = note
    return res


def _raw_label(raw: dict[str, Any]) -> tuple[str, str]:
    """(reference, name) of a draft order that could not be validated, read from its raw JSON."""
    rtype = raw.get("resourceType") if isinstance(raw.get("resourceType"), str) else "order"
    ref = f"{rtype}/{raw['id']}" if isinstance(raw.get("id"), str) else str(rtype)
    concept = raw.get("medicationCodeableConcept")
    names: list[str] = []
    if isinstance(concept, dict):
        if isinstance(concept.get("text"), str):
            names.append(concept["text"])
        codings = concept.get("coding")
        for c in codings if isinstance(codings, list) else []:
            if isinstance(c, dict) and isinstance(c.get("display"), str):
                names.append(c["display"])
    return ref, names[0] if names else ref


def check_orders(draft_orders: list[tuple[Any, dict[str, Any], str, str | None]], base_record: dict[str, Any],
                 base_plan: Any, as_of: dt.date, hook_instance: str) -> list[dict[str, Any]]:
    """Cards for the draft orders (validated model or None, raw resource, where, why skipped) of an order-sign
    request. An order that cannot be checked gets an information card; the others are still checked."""
    from nephroguide import api
    from nephroguide.errors import NephroguideError
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    cards: list[dict[str, Any]] = []
    base_json = base_plan.to_json() if base_plan is not None else None
    for model, raw, where, skipped in draft_orders:
        if skipped is not None:
            raw_ref, label = _raw_label(raw)
            cards.append(card(hook_instance=hook_instance, key=f"{where}:skipped", indicator="info",
                              summary=f"{label}: order not checked by nephroguide", src={"label": "nephroguide"},
                              detail=f"The draft order {raw_ref} ({where}) was not checked: {skipped}. "
                                     "The other draft orders were checked."))
            continue
        if model.get_resource_type() != "MedicationRequest":
            continue
        ref = f"MedicationRequest/{model.id}" if model.id else "MedicationRequest"
        if fhir.is_vaccine(model):
            cards.extend(_vaccine_cards(pack, base_json, ref, hook_instance))
            continue
        generic, name = fhir.resolve_name(fhir.medication_names(model))
        if generic is None or name is None:
            continue
        notes: list[str] = []
        item = fhir.map_medication(model, as_of, notes, draft=True)
        if item is None:
            continue
        record = copy.deepcopy(base_record)
        record.setdefault("medications", []).append(item)
        index = len(record["medications"]) - 1
        try:
            patient = api.load(record)
        except NephroguideError as exc:  # the draft itself cannot be read (unit, frequency): say so, check nothing
            message = exc.one_line()
            cards.append(card(hook_instance=hook_instance, key=f"{ref}:unreadable", indicator="info",
                              summary=f"{name}: order not checked by nephroguide", src={"label": "nephroguide"},
                              detail=f"The draft order could not be read: {message}."))
            continue
        med = next(m for m in patient.medications if m.index == index)
        cards.extend(_dose_cards(pack, generic, name, med, patient, model, raw, ref, hook_instance, notes))
        with_order = api.plan(patient).to_json()   # the Patient loaded above: no second intake pass
        if base_json is not None:  # cautions that hold before the order (e.g. "no second course") count too
            seen = {w["kb_id"] for w in with_order["warnings"]}
            with_order["warnings"] += [w for w in base_json["warnings"] if w["kb_id"] not in seen]
            known = {r["id"] for r in with_order["references"]}
            with_order["references"] += [r for r in base_json["references"] if r["id"] not in known]
        cards.extend(_caution_cards(pack, with_order, generic, name, ref, hook_instance))
    return cards


def _dose_cards(pack: Any, generic: str, name: str, med: Any, patient: Any, model: Any, raw: dict[str, Any],
                ref: str, hook_instance: str, notes: list[str]) -> list[dict[str, Any]]:
    from nephroguide.engine.plan import references

    out: list[dict[str, Any]] = []
    if med.dose is None:
        reason = notes[0] if notes else "the order has no dose nephroguide can read"
        out.append(card(hook_instance=hook_instance, key=f"{ref}:nodose", indicator="info",
                        summary=f"{name}: dose not checked", src={"label": "nephroguide"}, detail=reason + "."))
        return out
    allowed, why_not = highest_allowed(pack, generic, med, patient)
    ordered = _ordered_amount(med)
    if allowed is None or ordered is None:
        detail = why_not or "the ordered dose could not be put on a per-day or per-dose basis (weight or height missing)"
        out.append(card(hook_instance=hook_instance, key=f"{ref}:unchecked", indicator="info",
                        summary=f"{name}: dose not checked by nephroguide", src={"label": "nephroguide"},
                        detail=detail[0].upper() + detail[1:] + "."))
        return out
    d = allowed.dose
    refs_list = list(d.refs)
    refs_json = {r.id: r.to_json() for r in references(pack, refs_list)}
    basis = "per day" if med.frequency in DAILY else "per dose"
    if ordered > allowed.amount + EPSILON:
        # the engine's dose wording: amount per dose + frequency, then the daily total
        from nephroguide.engine import wording

        if allowed.doses_per_day is None:
            schedule = wording.amount(allowed.per_dose, allowed.unit) + " per dose"
        else:
            schedule = wording.dose_phrase(allowed.per_dose, allowed.unit,
                                           "alternate_days" if allowed.alternate_days else "daily",
                                           allowed.doses_per_day, per_day=allowed.amount)
        label = f"Change to {schedule} (the maximum for this child)"
        note = f"{schedule} (nephroguide: maximum from {allowed.rule_id})"
        updated = _updated_order(raw, allowed, note)
        fhir.validate_resource(updated, "suggestion")
        detail = "\n".join([
            f"Ordered: **{ordered:g} {allowed.unit} {basis}** ({med.dose:g} {med.dose_unit}"
            f"{', ' + med.frequency.replace('_', ' ') if med.frequency else ''}).",
            f"Highest dose in the knowledge pack for this child: **{allowed.amount:g} {allowed.unit} {basis}** "
            f"({d.per}).",
            "",
            f"- {d.statement.text} {refs_md(refs_list)} {grade_md(d.grade, d.verification)}",
            *[f"- ⚠ {w}" for w in d.warnings],
            "", DISCLAIMER])
        suggestion = {"label": label, "uuid": fhir_uuid(hook_instance, f"{ref}:dose:suggestion"), "isRecommended": True,
                      "actions": [{"type": "update", "description": label, "resource": updated}]}
        out.append(card(hook_instance=hook_instance, key=f"{ref}:over-max", indicator="critical",
                        summary=f"{name} {ordered:g} {allowed.unit} {basis} is above the maximum "
                                f"{allowed.amount:g} {allowed.unit} {basis} for this child",
                        src=source(refs_json, refs_list, d.kb_id, d.title), detail=detail,
                        suggestions=[suggestion], override_reasons=OVERRIDE_REASONS))
    out.extend(_cumulative_cards(generic, name, med, patient, model, allowed, ref, hook_instance, refs_json, refs_list))
    return out


def fhir_uuid(hook_instance: str, key: str) -> str:
    from nephroguide.web.cds.cards import card_uuid

    return card_uuid(hook_instance, key)


def _cumulative_cards(generic: str, name: str, med: Any, patient: Any, model: Any, allowed: Allowed, ref: str,
                      hook_instance: str, refs_json: dict[str, Any], refs_list: list[str]) -> list[dict[str, Any]]:
    from nephroguide.engine.plan import cumulative_mg_per_kg

    d = allowed.dose
    if d.cumulative_limit_mg is None or not patient.weight_kg:
        return []
    weight = patient.weight_kg
    limit_mg_kg = d.cumulative_limit_mg / weight
    history = [m for m in patient.medications if m.index != med.index]
    prior = cumulative_mg_per_kg(_without(patient, history), generic) or 0.0
    days = fhir.course_days(model)
    ordered_day = med.mg_per_day if med.frequency in DAILY else None
    if days is None or ordered_day is None:
        if prior + EPSILON < limit_mg_kg:
            return []
        planned = 0.0
    else:
        planned = ordered_day * days / weight
    total = prior + planned
    if total <= limit_mg_kg + EPSILON:
        return []
    remaining_mg = max(0.0, (limit_mg_kg - prior) * weight)
    suggestions = []
    if ordered_day and remaining_mg >= ordered_day:
        max_days = int(remaining_mg // ordered_day)
        label = f"Shorten the course to {max_days} days (stays within the cumulative limit)"
        res = copy.deepcopy(model.model_dump(mode="json", exclude_none=True))
        dosage = res.setdefault("dosageInstruction", [{}])[0]
        repeat = dosage.setdefault("timing", {}).setdefault("repeat", {})
        repeat.pop("boundsPeriod", None)
        repeat["boundsDuration"] = {"value": max_days, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d"}
        suggestions.append({"label": label, "uuid": fhir_uuid(hook_instance, f"{ref}:cumulative:shorten"),
                            "actions": [{"type": "update", "description": label, "resource": res}]})
    else:
        label = "Remove this order (the cumulative limit is already reached)"
        suggestions.append({"label": label, "uuid": fhir_uuid(hook_instance, f"{ref}:cumulative:remove"),
                            "actions": [{"type": "delete", "description": label, "resourceId": ref}]})
    detail = (f"Earlier courses in the chart: **{prior:.1f} mg/kg**; this order adds **{planned:.1f} mg/kg**"
              + (f" ({days:g} days)" if days else "") + f"; total **{total:.1f} mg/kg** against the cumulative maximum "
              f"of **{limit_mg_kg:g} mg/kg** ({d.cumulative_limit_mg:g} mg at {weight:g} kg).\n\n"
              f"- {d.statement.text} {refs_md(refs_list)} {grade_md(d.grade, d.verification)}\n\n{DISCLAIMER}")
    return [card(hook_instance=hook_instance, key=f"{ref}:cumulative", indicator="critical",
                 summary=f"{name}: cumulative dose would reach {total:.0f} mg/kg, above the {limit_mg_kg:g} mg/kg limit",
                 src=source(refs_json, refs_list, d.kb_id, d.title), detail=detail, suggestions=suggestions,
                 override_reasons=OVERRIDE_REASONS)]


def _without(patient: Any, medications: list[Any]) -> Any:
    import dataclasses

    return dataclasses.replace(patient, medications=tuple(medications))


def _caution_cards(pack: Any, plan: dict[str, Any], generic: str, name: str, ref: str,
                   hook_instance: str) -> list[dict[str, Any]]:
    references = {r["id"]: r for r in plan.get("references", [])}
    relevant = [w for w in plan.get("warnings", [])
                if w["kb_id"] in pack.cautions and generic in pack.cautions[w["kb_id"]].drugs
                and w["severity"] in ("critical", "warning")]
    out = []
    for w in relevant:
        detail = f"{w['text']} {refs_md(w['refs'])} {grade_md(w.get('grade', ''), w.get('verification', ''))}"
        if w.get("because"):
            detail += f"\n\n_Applies because: {w['because']}._"
        out.append(card(hook_instance=hook_instance, key=f"{ref}:{w['kb_id']}", indicator=w["severity"],
                        summary=f"{name}: {w['title']}", src=source(references, w["refs"], w["kb_id"], w["title"]),
                        detail=detail, override_reasons=OVERRIDE_REASONS if w["severity"] == "critical" else None))
    return out


def _vaccine_cards(pack: Any, plan: dict[str, Any] | None, ref: str, hook_instance: str) -> list[dict[str, Any]]:
    if plan is None:
        return []
    references = {r["id"]: r for r in plan.get("references", [])}
    out = []
    for w in plan.get("warnings", []):
        caution = pack.cautions.get(w["kb_id"])
        if caution is None or "live vaccine" not in caution.title.lower():
            continue
        detail = (f"nephroguide does not tell live from non-live vaccines: check this one. {w['text']} "
                  f"{refs_md(w['refs'])} {grade_md(w.get('grade', ''), w.get('verification', ''))}")
        if w.get("because"):
            detail += f"\n\n_Applies because: {w['because']}._"
        out.append(card(hook_instance=hook_instance, key=f"{ref}:{w['kb_id']}", indicator="warning",
                        summary=f"Vaccine order: {w['title']}", src=source(references, w["refs"], w["kb_id"], w["title"]),
                        detail=detail, override_reasons=OVERRIDE_REASONS))
    return out
