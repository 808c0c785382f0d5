"""Running a CDS service: validate the request, gather FHIR (prefetch, or the FHIR server if allowed),
map it to a patient record, plan with the engine, answer with cards."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nephroguide.web.cds import fhir, services
from nephroguide.web.cds.cards import notes_card, plan_cards
from nephroguide.web.problems import ProblemError


class HookRequest(BaseModel):
    """A CDS Hooks 2.0 service request (extra members are allowed, as the specification asks)."""

    model_config = ConfigDict(extra="allow")

    hook: str = Field(min_length=1, max_length=100)
    hookInstance: str = Field(min_length=1, max_length=200)
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None
    fhirServer: str | None = Field(None, max_length=2000)
    fhirAuthorization: dict[str, Any] | None = None


_TOKEN = re.compile(r"\{\{\s*context\.(\w+)\s*\}\}")
MAX_DROPS = 30


def _fill(template: str, context: dict[str, Any]) -> str | None:
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        value = context.get(m.group(1))
        if not isinstance(value, str) or not value:
            missing = True
            return ""
        return value

    out = _TOKEN.sub(sub, template)
    return None if missing else out


def gather(service_id: str, req: HookRequest, settings: Any, transport: Any = None) -> dict[str, Any]:
    """The prefetch the service needs: what the client sent, plus what it may fetch from an allowed server.

    A key the service cannot do without that is neither sent nor fetchable -> 412.
    """
    prefetch = dict(req.prefetch or {})
    templates = services.SERVICES[service_id]["prefetch"]
    # absent, or an OperationOutcome (the client's query failed): missing. null is "no data" (sent as such).
    failed = {k for k, v in prefetch.items() if fhir.is_operation_outcome(v)}
    missing = [k for k in templates if k not in prefetch or k in failed]
    server = (req.fhirServer or "").rstrip("/")
    if missing and server and server in settings.fhir_servers:
        import httpx

        headers = {"Accept": "application/fhir+json"}
        token = (req.fhirAuthorization or {}).get("access_token")
        if isinstance(token, str) and token:
            headers["Authorization"] = f"Bearer {token}"
        with httpx.Client(base_url=server + "/", timeout=settings.fhir_timeout_s, transport=transport,
                          headers=headers, follow_redirects=False) as client:
            for key in missing:
                query = _fill(templates[key], req.context)
                if query is None:
                    continue
                try:
                    resp = client.get(query)
                except httpx.HTTPError:
                    continue
                if resp.status_code == 200:
                    try:
                        prefetch[key] = resp.json()
                    except ValueError:
                        continue
    required = [k for k in services.REQUIRED[service_id]
                if k not in prefetch or fhir.is_operation_outcome(prefetch[k]) or (k == "patient" and prefetch[k] is None)]
    if required:
        why = "no fhirServer was given" if not server else \
            "the fhirServer is not one this service may query (NEPHROGUIDE_FHIR_SERVERS)" \
            if server not in settings.fhir_servers else "the FHIR server did not return it"
        if any(k in failed and fhir.is_operation_outcome(prefetch.get(k)) for k in required):
            why = "the client sent an OperationOutcome (its query failed) and " + why
        raise ProblemError(412, "Precondition failed", f"prefetch {', '.join(required)} is required and {why}",
                           errors=[{"field": f"prefetch.{k}", "message": "required"} for k in required])
    return prefetch


def _resources(prefetch: dict[str, Any], keys: list[str]) -> list[Any]:
    out = []
    for key in keys:
        out.extend(fhir.resources(prefetch.get(key), f"prefetch.{key}"))
    return out


def mapped_patient(prefetch: dict[str, Any], as_of: dt.date, patient_id: str | None = None) -> fhir.Mapped:
    patients = [r for r in fhir.resources(prefetch.get("patient"), "prefetch.patient")
                if r.get_resource_type() == "Patient"]
    observations = _resources(prefetch, ["weight", "height", "upcr", "albumin", "creatinine"])
    unknown_drugs: list[str] = []   # left out before validation (status not taken, or a drug not known)
    medications = fhir.resources(prefetch.get("medications"), "prefetch.medications", unknown_drugs)
    conditions = fhir.resources(prefetch.get("conditions"), "prefetch.conditions")
    mapped = fhir.map_patient(patients[0] if patients else None, observations, medications, conditions, as_of,
                              patient_id)
    mapped.notes.extend(unknown_drugs)
    for key in sorted(prefetch):
        value = prefetch[key]
        if fhir.is_operation_outcome(value):
            mapped.notes.append(f"prefetch.{key}: the EHR sent an OperationOutcome (its query failed) instead of "
                                "data; nothing from it was used")
        note = fhir.paging_note(value, key)
        if note:
            mapped.caveats.append(note)
    return mapped


def could_be_a_child(mapped: fhir.Mapped, record: dict[str, Any]) -> bool:
    """An adult by a partial birth date's middle age who is not one at the youngest possible age: keep the
    cards (with the caveat) rather than answer nothing."""
    from nephroguide import api
    from nephroguide.errors import NephroguideError

    if mapped.age_range is None:
        return False
    try:
        youngest = api.plan({**record, "age_years": round(mapped.age_range[0], 2)}).to_json()
    except NephroguideError:
        return False
    return not is_adult(youngest)


def age_boundary_caveat(mapped: fhir.Mapped, record: dict[str, Any], plan_json: dict[str, Any]) -> None:
    """With a partial birth date, plan again at the youngest and oldest possible age: when the course labels
    differ (an age limit of the pack or engine falls inside the range), say so on the cards."""
    from nephroguide import api
    from nephroguide.errors import NephroguideError

    if mapped.age_range is None:
        return
    labels = set(plan_json["classification"]["labels"])
    differ = []
    for age in mapped.age_range:
        try:
            other = set(api.plan({**record, "age_years": round(age, 2)}).to_json()["classification"]["labels"])
        except NephroguideError:
            continue
        if other != labels:
            change = [f"also {label}" for label in sorted(other - labels)] + \
                [f"not {label}" for label in sorted(labels - other)]
            differ.append(f"at {age:.2f} years: {', '.join(change).replace('_', ' ')}")
    if differ:
        mapped.caveats.append("the possible ages change the course labels (" + "; ".join(differ) +
                              "): check the exact birth date")


def context_patient_id(req: HookRequest) -> str:
    """context.patientId (both hooks require it): 400 when absent or not a string."""
    value = req.context.get("patientId")
    if not isinstance(value, str) or not value.strip():
        raise ProblemError(400, "Bad request", "context.patientId is required (the FHIR id of the patient)",
                           field="context.patientId")
    return value.strip()


def is_adult(plan_json: dict[str, Any]) -> bool:
    """The engine's out-of-scope-age label (an adult): no cards, as for a chart without nephrotic syndrome."""
    return "out_of_scope_age" in plan_json["classification"]["labels"]


_ITEM = re.compile(r"^(labs|medications)\[(\d+)\]")


def plan_with_drops(mapped: fhir.Mapped) -> tuple[Any, dict[str, Any]]:
    """``api.plan`` on the mapped record; an entry intake rejects is left out (with a note) and the plan retried.

    Returns (plan, the record actually used). An error about the child as a whole (no birth date) is raised.
    """
    from nephroguide import api
    from nephroguide.errors import InputError

    record = copy.deepcopy(mapped.record)
    origins = dict(mapped.origins)
    for _ in range(MAX_DROPS):
        try:
            return api.plan(record), record
        except InputError as exc:
            field = exc.field or ""
            m = _ITEM.match(field)
            if m:
                kind, index = m.group(1), int(m.group(2))
                origin = origins.get(f"{kind}[{index}]", f"{kind}[{index}]")
                mapped.notes.append(f"{origin}: {exc.message}; not used")
                del record[kind][index]
                origins = _shift(origins, kind, index)
                continue
            if field in ("weight_kg", "height_cm") and field in record:
                mapped.notes.append(f"{field.split('_')[0]} {record[field]:g}: {exc.message}; not used")
                del record[field]
                continue
            raise
    raise InputError("too many chart entries could not be read", field="prefetch")


def _shift(origins: dict[str, str], kind: str, removed: int) -> dict[str, str]:
    out = {}
    for key, value in origins.items():
        m = _ITEM.match(key)
        if m and m.group(1) == kind:
            i = int(m.group(2))
            if i == removed:
                continue
            out[f"{kind}[{i - 1 if i > removed else i}]"] = value
        else:
            out[key] = value
    return out


def patient_view(req: HookRequest, prefetch: dict[str, Any], as_of: dt.date,
                 link_for: Any) -> dict[str, Any]:
    from nephroguide.errors import InputError

    mapped = mapped_patient(prefetch, as_of, context_patient_id(req))
    if mapped.wrong_patient:
        return {"cards": [notes_card(req.hookInstance, mapped.notes, mapped.caveats,
                                     summary="Chart not read: the prefetch is about another patient")]}
    try:
        plan, record = plan_with_drops(mapped)
    except InputError as exc:
        if not mapped.nephrotic_condition:
            return {"cards": []}
        mapped.notes.insert(0, f"the chart could not be read as a whole: {exc.one_line()}")
        return {"cards": [notes_card(req.hookInstance, mapped.notes, mapped.caveats)]}
    data = plan.to_json()
    if is_adult(data) and not could_be_a_child(mapped, record):
        return {"cards": []}
    age_boundary_caveat(mapped, record, data)
    labels = [label for label in data["classification"]["labels"] if label != "infant"]
    if not labels and not mapped.nephrotic_condition:
        return {"cards": []}
    url = link_for(record)
    return {"cards": plan_cards(data, req.hookInstance, url, mapped.notes, mapped.caveats)}


def order_sign(req: HookRequest, prefetch: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    from nephroguide.errors import InputError
    from nephroguide.web.cds.orders import check_orders

    drafts_value = req.context.get("draftOrders")
    if drafts_value is None:
        raise ProblemError(400, "Bad request", "context.draftOrders is required for order-sign",
                           field="context.draftOrders")
    patient_id = context_patient_id(req)
    # each draft: (validated model or None, raw resource, where, why it was not checked)
    drafts: list[tuple[Any, dict[str, Any], str, str | None]] = []
    if isinstance(drafts_value, dict) and drafts_value.get("resourceType") == "Bundle":
        entries = drafts_value.get("entry") or []
        if not isinstance(entries, list):
            raise ProblemError(400, "Invalid FHIR", "context.draftOrders.entry must be a list",
                               field="context.draftOrders.entry")
        for i, entry in enumerate(entries):
            raw = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(raw, dict):
                drafts.append(_draft(raw, f"context.draftOrders.entry[{i}].resource", patient_id))
    elif isinstance(drafts_value, dict):
        drafts.append(_draft(drafts_value, "context.draftOrders", patient_id))
    else:
        raise ProblemError(400, "Invalid FHIR", "context.draftOrders must be a FHIR Bundle",
                           field="context.draftOrders")
    mapped = mapped_patient(prefetch, as_of, patient_id)
    if mapped.wrong_patient:
        return {"cards": [notes_card(req.hookInstance, mapped.notes, mapped.caveats,
                                     summary="Orders not checked: the prefetch is about another patient")]}
    try:
        plan, record = plan_with_drops(mapped)
    except InputError as exc:
        mapped.notes.insert(0, f"the chart could not be read as a whole, so the orders were not checked: "
                               f"{exc.one_line()}")
        return {"cards": [notes_card(req.hookInstance, mapped.notes, mapped.caveats)]}
    if is_adult(plan.to_json()) and not could_be_a_child(mapped, record):
        return {"cards": []}
    if not mapped.has_weight:
        mapped.notes.insert(0, "no body weight (LOINC 29463-7) in the chart: doses were not checked")
    cards = check_orders(drafts, record, plan, as_of, req.hookInstance)
    if mapped.notes or mapped.caveats:
        cards.append(notes_card(req.hookInstance, mapped.notes, mapped.caveats))
    return {"cards": cards}


def _draft(raw: dict[str, Any], where: str, patient_id: str) -> tuple[Any, dict[str, Any], str, str | None]:
    """One draft order, validated on its own: an order that is not valid FHIR R4 (another version's shape,
    e.g. ``dosageInstruction[].doseQuantity``) or is about another patient is skipped with a reason."""
    try:
        model = fhir.validate_resource(raw, where)
    except ProblemError as exc:
        first = exc.errors[0] if exc.errors else {"field": where, "message": exc.detail}
        return None, raw, where, f"it is not valid FHIR R4 ({first['field']}: {first['message']})"
    return model, raw, where, fhir.other_subject(model, patient_id)


def warm_up() -> None:
    """Build what the first CDS request needs (FHIR models and validators, units, drug names, the engine) on a
    small made-up chart, so the first EHR call after start is as fast as the others (cold, it costs ~1 s).
    Called by ``nephroguide serve`` in each worker; any error is left for a real request to report."""
    day = dt.date(2026, 1, 15)   # a fixed day: nothing here depends on today
    obs = {"resourceType": "Observation", "id": "w", "status": "final", "subject": {"reference": "Patient/warm-up"},
           "code": {"coding": [{"system": services.LOINC, "code": "29463-7"}]}, "effectiveDateTime": "2026-01-10",
           "valueQuantity": {"value": 20, "unit": "kg", "system": services.UCUM, "code": "kg"}}
    med = {"resourceType": "MedicationRequest", "id": "m", "status": "active", "intent": "order",
           "subject": {"reference": "Patient/warm-up"}, "authoredOn": "2026-01-01",
           "medicationCodeableConcept": {"text": "prednisolone"},
           "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                  "doseAndRate": [{"doseQuantity": {"value": 40, "unit": "mg", "code": "mg"}}]}]}
    prefetch = {"patient": {"resourceType": "Patient", "id": "warm-up", "birthDate": "2018-01-01"},
                "weight": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": obs}]},
                "medications": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": med}]},
                "conditions": None}
    try:
        from nephroguide.intake import units

        units.registry()   # pint: loaded on the first unit conversion otherwise (~0.2 s)
        for rtype in ("Bundle", "Condition", "OperationOutcome"):
            fhir._model(rtype)
        plan_with_drops(mapped_patient(prefetch, day, "warm-up"))
    except Exception:   # a warm-up never stops the server
        return
