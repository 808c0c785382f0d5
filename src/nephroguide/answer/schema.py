"""The JSON Schema of the ``ask`` answer (``nephroguide schema answer``), version 1."""

from __future__ import annotations

from typing import Any

INTENTS = ["definition", "workup", "biopsy", "genetics", "first_episode_treatment", "relapse_treatment",
           "frns_sdns_treatment", "srns_next_step", "cni_resistant_next_step", "dosing", "monitoring",
           "supportive_care", "vaccination", "complications", "transplant", "prognosis", "evidence",
           "diet_daily_life"]


def answer_schema() -> dict[str, Any]:
    from nephroguide.schemas import BASE, REFERENCE, STATEMENT

    s: dict[str, Any] = {"type": "string"}
    strs = {"type": "array", "items": s}
    statement = {**STATEMENT, "properties": {**STATEMENT["properties"],  # type: ignore[dict-item]
                                              "kind": {"enum": ["definition", "recommendation", "dose", "caution",
                                                                "monitoring", "evidence", "conflict", "superseded", "library_passage",
                                                                "fact"]},
                                              "current": {"type": "boolean"}, "title": s, "note": s}}
    covered = {"properties": {"scope": {"enum": ["covered", "partly_covered"]}}, "required": ["scope"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}/answer-1.json",
        "title": "nephroguide answer, version 1", "type": "object",
        "required": ["record", "question", "intent", "context", "scope", "audience", "title", "summary", "sections",
                     "follow_ups", "references", "review", "disclaimer", "markdown"],
        "properties": {
            "record": {"const": "nephroguide.answer/1"},
            "question": {"type": "string", "minLength": 1},
            "intent": {"enum": [*INTENTS, None]},
            "context": {"type": "object", "required": ["stage", "drugs", "patient", "from_session"],
                        "properties": {"stage": strs, "stated_stage": strs, "assumed_stage": {"type": "boolean"},
                                       "drugs": strs, "patient": {"type": ["object", "null"]},
                                       "from_session": {"type": "boolean"}, "indication": s}},
            "scope": {"enum": ["covered", "partly_covered", "not_covered"]},
            "audience": {"enum": ["clinician", "family", "student"]},
            "title": {"type": "string", "minLength": 1},
            "summary": {"type": "object", "required": ["text", "refs"],
                        "properties": {"text": {"type": "string", "minLength": 1}, "refs": strs}},
            "sections": {"type": "array", "items": {
                "type": "object", "required": ["title", "statements"],
                "properties": {"key": s, "title": {"type": "string", "minLength": 1},
                               "statements": {"type": "array", "minItems": 1, "items": statement}}}},
            "follow_ups": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 3},
            "references": {"type": "array", "items": REFERENCE},
            "review": {"type": "object", "required": ["status", "last_updated"],
                       "properties": {"status": {"enum": ["approved", "under_review", "submitted", "unreviewed"]},
                                      "last_updated": {"anyOf": [{"type": "string", "format": "date"},
                                                                 {"type": "null"}]}}},
            "disclaimer": {"type": "string", "minLength": 1},
            "scope_note": s,
            "closest_topics": strs,
            "glossary": {"type": "array", "items": {"type": "object", "required": ["term", "meaning"]}},
            "readability": {"type": "object", "required": ["summary_grade", "target_grades", "method"]},
            "understanding": {"type": "object"},
            "session": s,
            "versions": {"type": "object"},
            "topic": {"type": ["string", "null"]},
            "detail": {"enum": ["brief", "full"]},
            "more_statements": {"type": "integer", "minimum": 0},
            "direct_answer": s,
            "also_topics": {"type": "array", "items": s},
            "markdown": {"type": "string", "minLength": 1},
        },
        "if": covered,
        "then": {"properties": {"summary": {"properties": {"refs": {"minItems": 1}}},
                                "sections": {"minItems": 1}, "follow_ups": {"minItems": 3},
                                "references": {"minItems": 1}}},
    }
