"""JSON Schemas of nephroguide's documents (``nephroguide schema NAME``).

Input schemas come from the pydantic models; output schemas are written here as the contract of
``docs/outputs.md`` and are checked against real outputs in the tests. Other stages register theirs
in ``SCHEMAS`` (name -> zero-argument function).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nephroguide.errors import UnknownNameError

BASE = "https://nephroguide.org/schemas"

_str = {"type": "string"}
_num = {"type": "number"}
_int = {"type": "integer"}
_bool = {"type": "boolean"}
_strs = {"type": "array", "items": _str}
_date = {"type": "string", "format": "date"}

STATEMENT = {
    "type": "object",
    "required": ["text", "refs", "grade", "strength", "certainty", "verification", "kb_id"],
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "refs": {"type": "array", "items": _str, "minItems": 1},
        "grade": _str,
        "strength": {"enum": ["strong", "weak", "ungraded"]},
        "certainty": {"enum": ["high", "moderate", "low", "very low", "ungraded"]},
        "verification": {"enum": ["verified", "secondary", "unverified"]},
        "kb_id": _str,
        "location": _str,
        "pending_review": _bool,
    },
}

REFERENCE = {
    "type": "object",
    "required": ["id", "type", "citation", "year"],
    "properties": {"id": _str, "type": {"enum": ["guideline", "research", "review"]}, "citation": _str,
                   "year": _int, "title": _str, "url": _str, "doi": _str, "pmid": _str, "access": _str,
                   "status": _str},
}

TARGET = {"type": "object", "required": ["test", "low", "unit"],
          "properties": {"test": _str, "low": _num, "high": _num, "unit": _str, "note": _str}}

DOSE = {
    "type": "object",
    "required": ["drug", "route", "mg_per_dose", "basis", "cap_applied", "rounding", "refs", "grade", "verification"],
    "properties": {
        "kb_id": _str, "drug": _str, "indication": _str, "route": {"enum": ["oral", "iv", "sc"]}, "unit": _str,
        "mg_per_dose": _num, "doses_per_day": _num, "mg_per_day": _num,
        "mg_per_day_range": {"type": "array", "items": _num, "minItems": 2, "maxItems": 2},
        "mg_per_dose_range": {"type": "array", "items": _num, "minItems": 2, "maxItems": 2},
        "basis": _str, "per": _str, "schedule": _str, "cap_applied": _bool, "caps": _strs, "rounding": _str,
        "target": TARGET, "duration": _str, "phase": _str, "phase_order": _int, "cumulative_limit_mg": _num,
        "refs": {"type": "array", "items": _str, "minItems": 1}, "grade": _str, "strength": _str,
        "certainty": _str, "verification": {"enum": ["verified", "secondary", "unverified"]},
        "pending_review": _bool, "warnings": _strs,
        "display": _str, "amount": _str, "frequency": _str, "calculation": _str, "course": {"type": "object"},
    },
}

WARNING = {"type": "object", "required": ["kb_id", "severity", "text", "refs"],
           "properties": {"kb_id": _str, "severity": {"enum": ["info", "warning", "critical"]}, "title": _str,
                          "text": _str, "refs": {"type": "array", "items": _str, "minItems": 1}, "because": _str,
                          "grade": _str, "verification": _str, "pending_review": _bool}}

CONFLICT = {"type": "object", "required": ["topic", "positions", "note"],
            "properties": {"kb_id": _str, "topic": _str, "note": _str,
                           "positions": {"type": "array", "minItems": 2, "items": {
                               "type": "object", "required": ["text", "refs"],
                               "properties": {"text": _str, "refs": {"type": "array", "items": _str, "minItems": 1},
                                              "current": _bool}}}}}

LABELS = ["nephrotic", "first_episode", "on_initial_steroids", "confirmation_period", "steroid_sensitive",
          "late_responder", "infrequently_relapsing", "frequently_relapsing", "steroid_dependent", "in_relapse",
          "complete_remission", "partial_remission", "no_remission", "srns", "srns_initial", "srns_secondary",
          "genetic_srns", "cni_responsive", "cni_resistant", "multidrug_resistant", "ckd_egfr_below_30",
          "out_of_scope_age", "infant"]
ACTIONS = ["start", "continue", "stop", "taper", "avoid", "consider", "test", "refer", "monitor", "vaccinate", "defer"]


def plan_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}/plan-1.json",
        "title": "nephroguide plan, version 1", "type": "object",
        "required": ["record", "patient", "definitions", "classification", "recommendations", "warnings",
                     "conflicts", "references"],
        "properties": {
            "record": {"const": "nephroguide.plan/1"},
            "patient": {"type": "object", "required": ["age_years", "derived"],
                        "properties": {"age_years": _num, "weight_kg": _num, "height_cm": _num, "bsa_m2": _num,
                                       "egfr": _num, "derived": _strs, "as_of": _date, "sex": _str, "id": _str}},
            "definitions": _str,
            "classification": {"type": "object", "required": ["labels", "explanation", "stated", "derived"],
                               "properties": {
                                   "labels": {"type": "array", "items": {"enum": LABELS}},
                                   "explanation": {"type": "array", "items": {
                                       "type": "object", "required": ["label", "because", "refs"],
                                       "properties": {"label": {"enum": LABELS}, "because": _str,
                                                      "refs": {"type": "array", "items": _str, "minItems": 1},
                                                      "source": {"enum": ["stated", "derived"]},
                                                      "evidence": _strs}}},
                                   "stated": _strs, "derived": _strs, "notes": _strs}},
            "recommendations": {"type": "array", "items": {
                "type": "object",
                "required": ["kb_id", "rank", "action", "title", "statements", "grade", "refs", "verification"],
                "properties": {"kb_id": _str, "rank": _int, "action": {"enum": ACTIONS}, "title": _str,
                               "drugs": _strs, "dose": DOSE, "doses": {"type": "array", "items": DOSE},
                               "statements": {"type": "array", "items": STATEMENT, "minItems": 1},
                               "grade": _str, "strength": _str, "certainty": _str,
                               "refs": {"type": "array", "items": _str, "minItems": 1},
                               "verification": _str, "pending_review": _bool,
                               "cautions": {"type": "array", "items": WARNING},
                               "monitoring": {"type": "array", "items": STATEMENT},
                               "conflicts": _strs, "evidence": _strs, "why": _str, "rationale": _str,
                               "topic": _str}}},
            "warnings": {"type": "array", "items": WARNING},
            "conflicts": {"type": "array", "items": CONFLICT},
            "references": {"type": "array", "items": REFERENCE},
            "scope": {"enum": ["covered", "not_covered"]},
            "versions": {"type": "object"},
            "facts": {"type": "object"},
            "assessed": _bool, "missing_data": _strs, "nothing_applies": _str,
            "left_out": {"type": "array", "items": {"type": "object", "required": ["kb_id", "drugs", "because"],
                                                    "properties": {"kb_id": _str, "title": _str, "drugs": _strs,
                                                                   "because": _str, "refs": _strs}}},
        },
    }


def dose_schema() -> dict[str, Any]:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}/dose-1.json",
              "title": "nephroguide dose, version 1", **DOSE}
    props: dict[str, Any] = dict(DOSE["properties"])  # type: ignore[arg-type]
    props.update({"record": {"const": "nephroguide.dose/1"}, "indication_chosen_by_program": _bool,
                  "patient": {"type": "object"}, "phases": {"type": "array", "items": DOSE},
                  "alternatives": {"type": "array", "items": DOSE},
                  "references": {"type": "array", "items": REFERENCE}, "versions": {"type": "object"},
                  "drug_given": _str, "indication_asked": _str, "indication_note": _str})
    schema["properties"] = props
    required: list[str] = list(DOSE["required"])
    schema["required"] = [*required, "record", "indication", "alternatives", "references"]
    return schema


def remission_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}/remission-1.json",
        "title": "nephroguide remission timeline, version 1", "type": "object",
        "required": ["record", "definitions", "episodes"],
        "properties": {
            "record": {"const": "nephroguide.remission/1"}, "definitions": _str,
            "episodes": {"type": "array", "items": {
                "type": "object", "required": ["start", "end", "state", "evidence", "refs"],
                "properties": {"start": _date, "end": _date,
                               "state": {"enum": ["complete_remission", "partial_remission", "no_remission",
                                                  "relapse"]},
                               "confirmed": _bool, "evidence": _strs,
                               "refs": {"type": "array", "items": _str, "minItems": 1}, "note": _str}}},
            "points": {"type": "array"}, "notes": _strs, "versions": {"type": "object"},
        },
    }


def _patient() -> dict[str, Any]:
    from nephroguide.intake.record import patient_json_schema

    return patient_json_schema()


def _kb() -> dict[str, Any]:
    from nephroguide.knowledge.models import KnowledgeFile

    schema = KnowledgeFile.model_json_schema(by_alias=True)
    schema.update({"$id": f"{BASE}/knowledge-file-1.json", "title": "nephroguide knowledge pack file, schema 1"})
    return schema


def _definition_set() -> dict[str, Any]:
    from nephroguide.knowledge.models import DefinitionSet

    schema = DefinitionSet.model_json_schema(by_alias=True)
    schema.update({"$id": f"{BASE}/definition-set-1.json", "title": "nephroguide definition set, schema 1"})
    return schema


def _cohort() -> dict[str, Any]:
    from nephroguide.cohort.summary import cohort_json_schema

    return cohort_json_schema()


def _cohort_compare() -> dict[str, Any]:
    from nephroguide.cohort.summary import compare_json_schema

    return compare_json_schema()


def _answer() -> dict[str, Any]:
    from nephroguide.answer.schema import answer_schema

    return answer_schema()


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "patient": _patient,
    "answer": _answer,
    "plan": plan_schema,
    "dose": dose_schema,
    "remission": remission_schema,
    "kb": _kb,
    "definition-set": _definition_set,
    "cohort": _cohort,
    "cohort-compare": _cohort_compare,
}


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema registered under ``name``."""
    try:
        return SCHEMAS[name]()
    except KeyError:
        raise UnknownNameError(f"no schema {name!r}; known: {', '.join(SCHEMAS)}", field="name") from None
