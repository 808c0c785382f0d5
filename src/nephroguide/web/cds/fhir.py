"""FHIR R4 in, patient record v1 out: validate with fhir.resources, map without guessing.

Validation uses fhir.resources' R4B models (Patient, Observation, MedicationRequest, Condition and
Bundle are unchanged from R4). A resource that fails validation is a 400 naming the prefetch key,
the resource and the field. Mapping never guesses: an Observation without a unit, a medication whose
name nephroguide does not know, a dose unit it cannot read, a date it cannot place, are left out, and
each is listed in ``notes`` (shown on an information card).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from nephroguide.intake.safeload import short
from nephroguide.web.cds.services import (
    CVX,
    LOINC,
    LOINC_CODES,
    NEPHROTIC_ICD10_PREFIX,
    NEPHROTIC_SNOMED,
    UCUM,
)
from nephroguide.web.problems import ProblemError

ACCEPTED_OBS_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})
LOINC_SYSTEMS = frozenset({LOINC, "urn:oid:2.16.840.1.113883.6.1"})
# UCUM customary units (exact definitions) that the intake unit registry does not hold: code -> (unit, factor).
CUSTOMARY_SIZE_UNITS: dict[str, tuple[str, float]] = {
    "[lb_av]": ("kg", 0.45359237), "lb": ("kg", 0.45359237), "lbs": ("kg", 0.45359237),
    "[oz_av]": ("kg", 0.028349523125), "oz": ("kg", 0.028349523125),
    "[in_i]": ("cm", 2.54), "in": ("cm", 2.54), "inch": ("cm", 2.54), "inches": ("cm", 2.54),
    "[ft_i]": ("cm", 30.48), "ft": ("cm", 30.48),
}
SKIPPED_MED_STATUS = frozenset({"draft", "entered-in-error", "cancelled", "unknown"})
_ANNOTATION = re.compile(r"\{[^}]*\}")


def _model(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return None


def validate_resource(data: Any, where: str) -> Any:
    """A validated fhir.resources model, or ProblemError(400) naming ``where``, the resource and field."""
    if not isinstance(data, dict):
        raise ProblemError(400, "Invalid FHIR", f"{where} must be a FHIR resource (a JSON object)", field=where)
    rtype = data.get("resourceType")
    model = _model(rtype) if isinstance(rtype, str) else None
    if model is None:
        raise ProblemError(400, "Invalid FHIR", f"{where}: unknown or missing resourceType {rtype!r}",
                           field=f"{where}.resourceType")
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = []
        label = f"{rtype}/{data.get('id')}" if data.get("id") else str(rtype)
        for err in exc.errors(include_url=False)[:5]:
            path = ".".join(str(p) for p in err["loc"])
            errors.append({"field": f"{where}.{path}" if path else where, "message": f"{label}: {err['msg']}"})
        first = errors[0]
        raise ProblemError(400, "Invalid FHIR", f"{first['field']}: {first['message']}", errors=errors) from None


def is_operation_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def paging_note(value: Any, key: str) -> str | None:
    """A note when a prefetch Bundle is only one page of the result (``link`` next, or ``total`` > entries)."""
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        return None
    entries = value.get("entry") or []
    count = len(entries) if isinstance(entries, list) else 0
    links = value.get("link") or []
    has_next = isinstance(links, list) and any(isinstance(link, dict) and link.get("relation") == "next"
                                               for link in links)
    total = value.get("total")
    if isinstance(total, int) and total > count:
        return (f"prefetch.{key} is incomplete: the EHR sent {count} of {total} results (more pages not read); "
                f"the history nephroguide used may be missing entries")
    if has_next:
        return (f"prefetch.{key} is incomplete: the EHR sent one page of {count} results and a link to more "
                f"(not read); the history nephroguide used may be missing entries")
    return None


# The elements of prefetch resources nephroguide reads (with those FHIR requires). Only these are validated
# and kept: narrative (text.div), meta, performer, referenceRange, notes ... are neither read nor validated,
# which is most of the time a large prefetch used to cost (benchmarks/bench_cds.py).
READ_ELEMENTS: dict[str, frozenset[str]] = {
    "Patient": frozenset({"resourceType", "id", "birthDate", "gender"}),
    "Observation": frozenset({"resourceType", "id", "status", "code", "subject", "effectiveDateTime",
                              "effectivePeriod", "effectiveInstant", "issued", "valueQuantity"}),
    "MedicationRequest": frozenset({"resourceType", "id", "status", "intent", "medicationCodeableConcept",
                                    "medicationReference", "contained", "subject", "authoredOn",
                                    "dosageInstruction", "dispenseRequest"}),
    "Condition": frozenset({"resourceType", "id", "clinicalStatus", "verificationStatus", "code", "subject",
                            "onsetDateTime", "onsetPeriod"}),
}


def read_part(data: Any) -> Any:
    """The elements of a prefetch resource nephroguide reads (primitive extensions ``_x`` kept with ``x``)."""
    keep = READ_ELEMENTS.get(str(data.get("resourceType"))) if isinstance(data, dict) else None
    if keep is None:
        return data
    return {k: v for k, v in data.items() if k in keep or (k[:1] == "_" and k[1:] in keep)}


def raw_medication_names(raw: dict[str, Any]) -> list[str]:
    """``medication_names`` read from the JSON (before validation): concept text, codings' display,
    a contained Medication's code, the reference's display."""
    names: list[str] = []

    def concept_names(concept: Any) -> None:
        if not isinstance(concept, dict):
            return
        if isinstance(concept.get("text"), str) and concept["text"]:
            names.append(concept["text"])
        for c in concept.get("coding") or [] if isinstance(concept.get("coding"), list) else []:
            if isinstance(c, dict) and isinstance(c.get("display"), str) and c["display"]:
                names.append(c["display"])

    concept_names(raw.get("medicationCodeableConcept"))
    ref = raw.get("medicationReference")
    if not names and isinstance(ref, dict):
        target = str(ref.get("reference") or "")
        for contained in raw.get("contained") or [] if isinstance(raw.get("contained"), list) else []:
            if isinstance(contained, dict) and target.startswith("#") and contained.get("id") == target[1:] \
                    and contained.get("resourceType") == "Medication":
                concept_names(contained.get("code"))
        if not names and isinstance(ref.get("display"), str) and ref["display"]:
            names.append(ref["display"])
    return names


def resources(value: Any, where: str, notes: list[str] | None = None) -> list[Any]:
    """The validated resources of a prefetch value: a resource, or a Bundle's entries (OperationOutcome: none).

    With ``notes``, a MedicationRequest whose status means it is not taken, or whose drug nephroguide does
    not know, is left out before validation (said in ``notes``, as ``map_medication`` would say it).
    """
    if value is None:
        return []
    if isinstance(value, dict) and value.get("resourceType") == "Bundle":
        entries = value.get("entry") or []
        if not isinstance(entries, list):
            raise ProblemError(400, "Invalid FHIR", f"{where}.entry must be a list", field=f"{where}.entry")
        out = []
        for i, e in enumerate(entries):
            res = e.get("resource") if isinstance(e, dict) else None
            if res is None:
                continue
            if notes is not None and isinstance(res, dict) and res.get("resourceType") == "MedicationRequest" \
                    and _unused_medication(res, notes):
                continue
            model = _validated(read_part(res), f"{where}.entry[{i}].resource")
            if model.get_resource_type() != "OperationOutcome":
                out.append(model)
        return out
    model = _validated(read_part(value), where)
    return [] if model.get_resource_type() == "OperationOutcome" else [model]


VALIDATED_CACHE_SIZE = 512   # a few charts' histories; larger caches cost more in garbage collection than they save
_validated_cache: OrderedDict[str, Any] = OrderedDict()
_validated_lock = threading.Lock()


def _validated(data: Any, where: str) -> Any:
    """``validate_resource`` with a small LRU cache keyed by the resource's JSON: an EHR sends the same history
    on every call for a chart, and a validated model depends on nothing else. Models are only read, never
    changed. Resources that fail validation are not cached (the error names where this request had them)."""
    if not isinstance(data, dict):
        return validate_resource(data, where)
    try:
        key = json.dumps(data, separators=(",", ":"), allow_nan=False)   # member order as sent: an EHR re-sends the same
    except (TypeError, ValueError):
        return validate_resource(data, where)
    with _validated_lock:
        model = _validated_cache.get(key)
        if model is not None:
            _validated_cache.move_to_end(key)
            return model
    model = validate_resource(data, where)
    with _validated_lock:
        _validated_cache[key] = model
        if len(_validated_cache) > VALIDATED_CACHE_SIZE:
            _validated_cache.popitem(last=False)
    return model


def _unused_medication(raw: dict[str, Any], notes: list[str]) -> bool:
    names = raw_medication_names(raw)
    ref = f"MedicationRequest/{raw['id']}" if isinstance(raw.get("id"), str) and raw["id"] else "MedicationRequest"
    label = f"{ref} ({names[0]})" if names else ref
    if raw.get("status") in SKIPPED_MED_STATUS:
        notes.append(f"{label}: status {raw['status']}, not a medication taken; not used")
        return True
    if resolve_name(names)[0] is not None:
        return False
    notes.append(f"{label}: not a drug nephroguide knows; not used" if names else
                 f"{ref}: no medication name; not used")
    return True


# ----------------------------------------------------------------------------------------- mapping

@dataclass
class Mapped:
    """A patient record v1 built from FHIR, where each list item came from, and what was left out."""

    record: dict[str, Any]
    origins: dict[str, str] = field(default_factory=dict)   # "labs[0]" -> "Observation/obs-1"
    notes: list[str] = field(default_factory=list)          # entries left out, each with why
    caveats: list[str] = field(default_factory=list)        # data used but incomplete or uncertain
    wrong_patient: bool = False                             # the prefetch Patient is not context.patientId
    age_range: tuple[float, float] | None = None            # (youngest, oldest) for a partial birthDate
    nephrotic_condition: bool = False
    has_weight: bool = False
    has_height: bool = False


def _ref(res: Any) -> str:
    return f"{res.get_resource_type()}/{res.id}" if getattr(res, "id", None) else res.get_resource_type()


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _obs_date(obs: Any) -> dt.date | None:
    if obs.effectiveDateTime is not None:
        return _day(obs.effectiveDateTime)
    if obs.effectivePeriod is not None and obs.effectivePeriod.start is not None:
        return _day(obs.effectivePeriod.start)
    if obs.effectiveInstant is not None:
        return _day(obs.effectiveInstant)
    return _day(obs.issued) if obs.issued is not None else None


def _obs_kind(obs: Any) -> str | None:
    for coding in (obs.code.coding or []) if obs.code else []:
        if coding.system in LOINC_SYSTEMS and coding.code in LOINC_CODES:
            return LOINC_CODES[coding.code]
    return None


def reference_patient(ref: Any) -> tuple[str, str] | None:
    """(resource type, id) a Reference points to ('Patient/p1', 'https://ehr/fhir/Patient/p1/_history/2');
    None when it does not say (no reference, urn:uuid, identifier only)."""
    text = getattr(ref, "reference", None) if ref is not None else None
    if not text or text.startswith(("urn:", "#")):
        return None
    parts = text.split("/_history/")[0].rstrip("/").split("/")
    if len(parts) < 2:
        return None
    return parts[-2], parts[-1]


def other_subject(res: Any, patient_id: str | None) -> str | None:
    """Why a resource's subject is not the patient in context (another patient, or not a patient); else None."""
    if not patient_id:
        return None
    target = reference_patient(getattr(res, "subject", None))
    if target is None:
        return None
    rtype, rid = target
    if rtype != "Patient":
        return f"its subject is {rtype}/{rid}, not the patient"
    if rid != patient_id:
        return f"its subject is Patient/{rid}, not the patient in context (Patient/{patient_id})"
    return None


def birth_date(value: Any, as_of: dt.date) -> tuple[dt.date | None, tuple[float, float] | None, str | None]:
    """(full birth date, None, None); or for a partial one ('2019-03', '2019') (None, (youngest, oldest)
    age in years on ``as_of``, a caveat); or (None, None, why it cannot be used)."""
    import calendar

    from nephroguide.intake.derive import age_years

    if isinstance(value, dt.datetime):
        return value.date(), None, None
    if isinstance(value, dt.date):
        return value, None, None
    text = str(value)
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if m is None:
        return None, None, f"birthDate {text!r} is not a FHIR date"
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day:
            return dt.date(year, int(month), int(day)), None, None
        if month:
            first = dt.date(year, int(month), 1)
            last = dt.date(year, int(month), calendar.monthrange(year, int(month))[1])
        else:
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError:
        return None, None, f"birthDate {text!r} is not a valid date"
    if first > as_of:
        return None, None, f"birthDate {text} is after today"
    last = min(last, as_of)
    youngest, oldest = age_years(last, as_of), age_years(first, as_of)
    return None, (youngest, oldest), text


def quantity_unit(q: Any) -> str | None:
    """The unit of a Quantity: its UCUM code (annotations such as {creat} removed), else its text unit."""
    if q is None:
        return None
    if q.code and (q.system in (None, UCUM)):
        code = _ANNOTATION.sub("", str(q.code)).strip()
        if code:
            return code.replace("[iU]", "IU")
    if q.unit and str(q.unit).strip():
        return _ANNOTATION.sub("", str(q.unit)).strip() or None
    return None


def _size(kind: str, value: float, unit: str) -> float:
    """Weight in kg or height in cm from any mass/length unit the intake registry knows."""
    from nephroguide.intake import units

    target = "kg" if kind == "weight" else "cm"
    if unit == target:
        return value
    if len(unit) > units.MAX_UNIT_CHARS:  # bounded work: pint's parsing time grows with the text's length
        raise ValueError("unit too long")
    customary = CUSTOMARY_SIZE_UNITS.get(unit) or CUSTOMARY_SIZE_UNITS.get(unit.lower())
    if customary is not None:
        if customary[0] != target:
            raise ValueError(unit)
        return value * customary[1]
    reg = units.registry()
    return float(reg.Quantity(value, units.clean_unit(unit)).to(target).magnitude)


def _num(x: Decimal | float | int) -> float:
    return float(x)


def lab_value(kind: str, value: float, unit: str) -> tuple[float, str]:
    """(value, unit) in a unit intake accepts for ``kind``: as given, or converted within the same quantity
    (mmol/L -> umol/L, mg/dL -> g/dL); raises intake's InputError when the unit is not one for the test."""
    from nephroguide.errors import InputError
    from nephroguide.intake import units

    try:
        units.normalise_unit(kind, unit, field=None)
        return value, unit
    except InputError as exc:
        if len(unit) > units.MAX_UNIT_CHARS:  # refused by its length: never handed to pint
            raise exc from None
        reg = units.registry()
        for accepted in units.accepted_units(kind):
            try:
                factor = float(reg.Quantity(1.0, units.clean_unit(unit)).to(units.clean_unit(accepted)).magnitude)
            except Exception:
                continue
            return value * factor, accepted
        raise exc from None


def map_patient(patient: Any | None, observations: list[Any], medications: list[Any], conditions: list[Any],
                as_of: dt.date, patient_id: str | None = None) -> Mapped:
    """Build a patient record v1 (as of ``as_of``) from validated FHIR resources.

    Resources about another patient than ``patient_id`` (context.patientId) are left out, and said so.
    """
    record: dict[str, Any] = {"as_of": as_of.isoformat()}
    m = Mapped(record=record)
    if patient is not None and patient_id and patient.id and patient.id != patient_id:
        m.notes.append(f"Patient/{patient.id} is not the patient in context (Patient/{patient_id}); not used")
        m.wrong_patient = True
        patient = None
    if patient is not None:
        if patient.birthDate is not None:
            born, ages, why = birth_date(patient.birthDate, as_of)
            if born is not None:
                record["birth_date"] = born.isoformat()
            elif ages is not None:
                youngest, oldest = ages
                record["age_years"] = round((youngest + oldest) / 2, 2)
                m.age_range = (youngest, oldest)
                m.caveats.append(f"birth date given only as {why}: age taken as {record['age_years']:.1f} years "
                                 f"(between {youngest:.1f} and {oldest:.1f})")
            else:
                m.notes.append(f"{_ref(patient)}: {why}; not used")
        if patient.gender in ("male", "female", "other", "unknown"):
            record["sex"] = patient.gender
    sizes: dict[str, tuple[dt.date, float, str]] = {}
    labs: list[tuple[dt.date, str, dict[str, Any]]] = []
    for obs in observations:
        if obs.get_resource_type() != "Observation":
            continue
        kind = _obs_kind(obs)
        ref = _ref(obs)
        if kind is None:
            codes = ", ".join(f"{c.code}" for c in (obs.code.coding or []) if c.code) if obs.code else ""
            m.notes.append(f"{ref}: code {codes or '(none)'} is not one nephroguide reads; not used")
            continue
        other = other_subject(obs, patient_id)
        if other is not None:
            m.notes.append(f"{ref} ({kind}): {other}; not used")
            continue
        if obs.status not in ACCEPTED_OBS_STATUS:
            m.notes.append(f"{ref} ({kind}) has status {obs.status}; not used")
            continue
        day = _obs_date(obs)
        if day is None:
            m.notes.append(f"{ref} ({kind}) has no date; not used")
            continue
        if day > as_of:
            m.notes.append(f"{ref} ({kind}) is dated {day.isoformat()}, after today; not used")
            continue
        q = obs.valueQuantity
        if q is None or q.value is None:
            m.notes.append(f"{ref} ({kind}, {day.isoformat()}) has no numeric value; not used")
            continue
        unit = quantity_unit(q)
        if unit is None:
            m.notes.append(f"{ref} ({kind}, {day.isoformat()}) has no unit; not used (nephroguide never guesses a unit)")
            continue
        value = _num(q.value)
        if q.comparator is not None:
            m.notes.append(f"{ref} ({kind}, {day.isoformat()}): {q.comparator} {value:g} {unit} is a bound, not a "
                           f"measured value; not used as a value")
            continue
        if kind in ("weight", "height"):
            try:
                value = _size(kind, value, unit)
            except Exception:
                m.notes.append(f"{ref} ({kind}, {day.isoformat()}): unit {short(unit)} is not a "
                               f"{'mass' if kind == 'weight' else 'length'} unit nephroguide reads; not used")
                continue
            if kind not in sizes or day >= sizes[kind][0]:
                sizes[kind] = (day, round(value, 3), ref)
            continue
        try:
            value, unit = lab_value(kind, value, unit)
        except Exception as exc:
            m.notes.append(f"{ref} ({kind}, {day.isoformat()}): {getattr(exc, 'message', exc)}; not used")
            continue
        labs.append((day, ref, {"date": day.isoformat(), "test": kind, "value": value, "unit": unit}))
    for kind, key in (("weight", "weight_kg"), ("height", "height_cm")):
        if kind in sizes:
            record[key] = sizes[kind][1]
            setattr(m, f"has_{kind}", True)
    labs.sort(key=lambda t: (t[0], t[1]))
    record["labs"] = []
    for _day_taken, ref, lab in labs:
        m.origins[f"labs[{len(record['labs'])}]"] = ref
        record["labs"].append(lab)
    record["medications"] = []
    for med in medications:
        if med.get_resource_type() != "MedicationRequest":
            continue
        other = other_subject(med, patient_id)
        if other is not None:
            m.notes.append(f"{_ref(med)}: {other}; not used")
            continue
        mapped = map_medication(med, as_of, m.notes)
        if mapped is not None:
            m.origins[f"medications[{len(record['medications'])}]"] = _ref(med)
            record["medications"].append(mapped)
    onsets = []
    for cond in conditions:
        if cond.get_resource_type() != "Condition" or not is_nephrotic(cond):
            continue
        other = other_subject(cond, patient_id)
        if other is not None:
            m.notes.append(f"{_ref(cond)}: {other}; not used")
            continue
        m.nephrotic_condition = True
        onset = _day(cond.onsetDateTime) if cond.onsetDateTime is not None else None
        if onset is None and cond.onsetPeriod is not None:
            onset = _day(cond.onsetPeriod.start)
        if onset is not None and onset <= as_of:
            onsets.append(onset)
    if onsets:
        record["onset_date"] = min(onsets).isoformat()
    return m


def is_nephrotic(cond: Any) -> bool:
    code = cond.code
    if code is None:
        return False
    texts = [code.text or ""] + [c.display or "" for c in code.coding or []]
    if any("nephrotic" in t.lower() for t in texts):
        return True
    for c in code.coding or []:
        if c.code in NEPHROTIC_SNOMED or (c.code or "").upper().replace(".", "").startswith(NEPHROTIC_ICD10_PREFIX):
            return True
    return False


# ----------------------------------------------------------------------------------------- medications

def medication_names(med: Any) -> list[str]:
    """Names to try, in order: the concept's text, then each coding's display (RxNorm or other)."""
    concept = med.medicationCodeableConcept
    if concept is None and med.medicationReference is not None:
        ref = med.medicationReference.reference or ""
        for contained in med.contained or []:
            if ref.startswith("#") and getattr(contained, "id", None) == ref[1:] and \
                    contained.get_resource_type() == "Medication":
                concept = contained.code
        if concept is None and med.medicationReference.display:
            return [med.medicationReference.display]
    if concept is None:
        return []
    names = [concept.text] if concept.text else []
    names += [c.display for c in concept.coding or [] if c.display]
    return names


def is_vaccine(med: Any) -> bool:
    concept = med.medicationCodeableConcept
    if concept is not None and any(c.system == CVX for c in concept.coding or []):
        return True
    return any("vaccin" in n.lower() for n in medication_names(med))


@cache
def _drug_index() -> dict[str, str]:
    """Matching key (intake's normalise_name) -> generic id, for every id, generic name and alias."""
    from nephroguide.intake.drugs import drugs, generic_id, normalise_name

    index: dict[str, str] = {}
    for entry in drugs().values():
        for name in (entry.id, entry.generic, *entry.aliases):
            index[normalise_name(name)] = generic_id(entry)
    return index


def resolve_name(names: list[str]) -> tuple[str | None, str | None]:
    """(generic id, the name matched) by exact names: the whole text, then its leading words (RxNorm style).

    Exact matches only (as intake matches them): a name that is not known is not guessed.
    """
    from nephroguide.intake.drugs import normalise_name

    index = _drug_index()
    for name in names:
        words = name.replace("/", " ").split()
        candidates = [name] + [" ".join(words[:n]) for n in (3, 2, 1) if len(words) > n]
        for cand in candidates:
            generic = index.get(normalise_name(cand))
            if generic is not None:
                return generic, cand
    return None, None


_PERIOD_UNITS = {"d": "day", "wk": "week", "mo": "month", "h": "hour"}


def frequency_of(dosage: Any) -> str | None:
    """daily / bid / tid / qid / alternate_days / weekly / monthly / once from a Dosage's timing; None if unclear."""
    from nephroguide.errors import InputError
    from nephroguide.intake.record import normalise_frequency

    timing = dosage.timing if dosage is not None else None
    if timing is None:
        return None
    rep = timing.repeat
    if rep is not None:
        if rep.count == 1 and not rep.frequency:
            return "once"
        freq, period, unit = rep.frequency or 1, float(rep.period or 1), rep.periodUnit
        if unit == "d" and period == 1 and freq in (1, 2, 3, 4):
            return {1: "daily", 2: "bid", 3: "tid", 4: "qid"}[freq]
        if unit == "d" and period == 2 and freq == 1:
            return "alternate_days"
        if unit == "h" and freq == 1 and period in (24, 12, 8, 6):
            return {24: "daily", 12: "bid", 8: "tid", 6: "qid"}[int(period)]
        if unit == "wk" and period == 1 and freq == 1:
            return "weekly"
        if unit == "mo" and period == 1 and freq == 1:
            return "monthly"
        if rep.count == 1:
            return "once"
    if timing.code is not None:
        for text in [c.code for c in timing.code.coding or [] if c.code] + [timing.code.text or ""]:
            try:
                return normalise_frequency(text)
            except InputError:
                continue
    return None


def route_of(dosage: Any) -> str | None:
    if dosage is None or dosage.route is None:
        return None
    texts = " ".join([dosage.route.text or ""] + [c.display or c.code or "" for c in dosage.route.coding or []]).lower()
    if "intravenous" in texts or re.search(r"\biv\b", texts):
        return "iv"
    if "oral" in texts or "mouth" in texts or re.search(r"\bpo\b", texts):
        return "oral"
    return None


def dose_of(dosage: Any) -> tuple[float, str] | None:
    if dosage is None:
        return None
    for dr in dosage.doseAndRate or []:
        q = dr.doseQuantity
        if q is not None and q.value is not None:
            unit = quantity_unit(q)
            if unit:
                return _num(q.value), unit
    return None


def map_medication(med: Any, as_of: dt.date, notes: list[str], *, draft: bool = False) -> dict[str, Any] | None:
    """One MedicationRequest as a medications[] item (or None, with a note saying why it was left out)."""
    from nephroguide.errors import InputError
    from nephroguide.intake import units

    ref = _ref(med)
    if not draft and med.status in SKIPPED_MED_STATUS:
        return None
    names = medication_names(med)
    generic, name = resolve_name(names)
    if generic is None:
        if names and not draft:
            notes.append(f"{ref} ({names[0]}): not a drug nephroguide knows; not used")
        return None
    dosage = (med.dosageInstruction or [None])[0]
    bounds = dosage.timing.repeat.boundsPeriod if dosage is not None and dosage.timing is not None and \
        dosage.timing.repeat is not None else None
    start = as_of if draft else (_day(bounds.start) if bounds is not None and bounds.start else None) or \
        (_day(med.authoredOn) if med.authoredOn is not None else None)
    if start is None:
        notes.append(f"{ref} ({name}): no start date (authoredOn or boundsPeriod.start); not used")
        return None
    if start > as_of:
        notes.append(f"{ref} ({name}) starts {start.isoformat()}, after today; not used")
        return None
    item: dict[str, Any] = {"drug": name, "start": start.isoformat()}
    end = _day(bounds.end) if bounds is not None and bounds.end is not None else None
    if not draft and med.status in ("completed", "stopped") and end is None:
        end = start
        notes.append(f"{ref} ({name}) is {med.status} without an end date; read as a past course ending on its start "
                     "date")
    if end is not None and end < as_of:
        item["end"] = max(end, start).isoformat()
    route = route_of(dosage)
    if route:
        item["route"] = route
    dose = dose_of(dosage)
    frequency = frequency_of(dosage)
    if dose is not None:
        value, unit = dose
        try:
            du = units.parse_dose_unit(unit)
        except InputError:
            notes.append(f"{ref} ({name}): dose unit {unit!r} not understood; dose not used")
            return item
        if du.period == "dose" and frequency is None:
            notes.append(f"{ref} ({name}): dose frequency not given in a form nephroguide reads; dose not used")
            return item
        item.update(dose=value, dose_unit=unit)
        if frequency is not None:
            item["frequency"] = frequency
    return item


def course_days(med: Any) -> float | None:
    """Planned length of a draft course in days (boundsDuration, boundsPeriod, expectedSupplyDuration)."""
    dosage = (med.dosageInstruction or [None])[0]
    rep = dosage.timing.repeat if dosage is not None and dosage.timing is not None else None
    factor = {"d": 1.0, "wk": 7.0, "mo": 30.4375, "a": 365.25}
    if rep is not None and rep.boundsDuration is not None and rep.boundsDuration.value is not None:
        unit = rep.boundsDuration.code or rep.boundsDuration.unit
        if unit in factor:
            return _num(rep.boundsDuration.value) * factor[unit]
    if rep is not None and rep.boundsPeriod is not None and rep.boundsPeriod.start and rep.boundsPeriod.end:
        a, b = _day(rep.boundsPeriod.start), _day(rep.boundsPeriod.end)
        if a and b:
            return float((b - a).days + 1)
    disp = med.dispenseRequest
    if disp is not None and disp.expectedSupplyDuration is not None and disp.expectedSupplyDuration.value is not None:
        unit = disp.expectedSupplyDuration.code or disp.expectedSupplyDuration.unit
        if unit in factor:
            return _num(disp.expectedSupplyDuration.value) * factor[unit]
    return None
