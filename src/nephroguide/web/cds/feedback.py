"""Feedback (``POST /cds-services/{id}/feedback``) checked against the CDS Hooks 2.0 rules and HL7's
CDSHooksFeedback invariants, before anything is stored:

* ``feedback``: a non-empty array (at most 100 items);
* ``card``: the card's uuid; ``outcome``: ``accepted`` or ``overridden``;
* cds-fb-1: an ``accepted`` outcome carries ``acceptedSuggestions`` (a non-empty array of ``{"id": uuid}``);
* cds-fb-2: ``overrideReason`` only with ``overridden`` (and ``acceptedSuggestions`` only with ``accepted``);
* cds-fb-3: an ``overrideReason`` holds a coded ``reason`` (a Coding with ``code``) and/or a ``userComment``;
* ``outcomeTimestamp``: a FHIR instant (date, time to the second, time zone: ``2026-11-21T10:05:31Z``).

Every violation is a 400 problem naming the field (``feedback[0].acceptedSuggestions``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from nephroguide.web.problems import ProblemError

MAX_ITEMS = 100
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = value[9:] if value.startswith("urn:uuid:") else value
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def is_instant(value: Any) -> bool:
    if not isinstance(value, str) or not _INSTANT.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _coding_errors(coding: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(coding, dict):
        return [{"field": where, "message": "must be a Coding object (system, code, display)"}]
    errors = []
    if not isinstance(coding.get("code"), str) or not coding["code"].strip():
        errors.append({"field": f"{where}.code", "message": "a coded reason needs a code"})
    for key in ("system", "display"):
        if key in coding and not isinstance(coding[key], str):
            errors.append({"field": f"{where}.{key}", "message": "must be a string"})
    return errors


def item_errors(item: Any, where: str) -> list[dict[str, str]]:
    """The rule violations of one feedback item, each naming its field."""
    if not isinstance(item, dict):
        return [{"field": where, "message": "each feedback item must be an object"}]
    errors: list[dict[str, str]] = []
    if not _is_uuid(item.get("card")):
        errors.append({"field": f"{where}.card", "message": "the card's uuid (card.uuid from the response) is required"})
    outcome = item.get("outcome")
    if outcome not in ("accepted", "overridden"):
        errors.append({"field": f"{where}.outcome", "message": "must be accepted or overridden"})
    accepted = item.get("acceptedSuggestions")
    if outcome == "accepted":
        if not isinstance(accepted, list) or not accepted:
            errors.append({"field": f"{where}.acceptedSuggestions",
                           "message": "an accepted outcome needs acceptedSuggestions (cds-fb-1)"})
        else:
            for i, s in enumerate(accepted):
                if not isinstance(s, dict) or not _is_uuid(s.get("id")):
                    errors.append({"field": f"{where}.acceptedSuggestions[{i}].id",
                                   "message": "the suggestion's uuid is required"})
        if "overrideReason" in item:
            errors.append({"field": f"{where}.overrideReason",
                           "message": "overrideReason goes only with an overridden outcome (cds-fb-2)"})
    elif outcome == "overridden":
        if accepted not in (None, []):
            errors.append({"field": f"{where}.acceptedSuggestions",
                           "message": "acceptedSuggestions goes only with an accepted outcome (cds-fb-2)"})
        reason = item.get("overrideReason")
        if reason is not None:
            if not isinstance(reason, dict):
                errors.append({"field": f"{where}.overrideReason", "message": "must be an object"})
            else:
                comment = reason.get("userComment")
                if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
                    errors.append({"field": f"{where}.overrideReason.userComment",
                                   "message": "must be a string of at most 2000 characters"})
                if "reason" in reason:
                    errors += _coding_errors(reason["reason"], f"{where}.overrideReason.reason")
                elif not comment:
                    errors.append({"field": f"{where}.overrideReason",
                                   "message": "needs a coded reason or a userComment (cds-fb-3)"})
    if not is_instant(item.get("outcomeTimestamp")):
        errors.append({"field": f"{where}.outcomeTimestamp",
                       "message": "must be an instant with seconds and time zone, e.g. 2026-11-21T10:05:31Z"})
    return errors


def validate(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The feedback items, or ProblemError(400) listing every violation (the first in ``detail``)."""
    items = body.get("feedback")
    if not isinstance(items, list) or not items:
        raise ProblemError(400, "Bad request", "feedback must be a non-empty array", field="feedback")
    if len(items) > MAX_ITEMS:
        raise ProblemError(400, "Bad request", f"at most {MAX_ITEMS} feedback items per request", field="feedback")
    errors: list[dict[str, str]] = []
    for i, item in enumerate(items):
        errors += item_errors(item, f"feedback[{i}]")
    if errors:
        first = errors[0]
        raise ProblemError(400, "Bad request", f"{first['field']}: {first['message']}", errors=errors[:20])
    return [{k: v for k, v in item.items() if k in ("card", "outcome", "acceptedSuggestions", "overrideReason",
                                                       "outcomeTimestamp")} for item in items]
