"""Reading request bodies for the JSON API: content type (415), size (413, in middleware), syntax (400)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from nephroguide.errors import InputError
from nephroguide.intake.safeload import MAX_DEPTH, check_tree, object_pairs, parse_int
from nephroguide.web.problems import ProblemError

JSON_TYPES = ("application/json",)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def require_media_type(request: Request, accepted: tuple[str, ...], what: str) -> str:
    """The request's media type if accepted (``+json`` types count as JSON), else 415 naming the accepted ones."""
    mt = media_type(request)
    if mt in accepted or ("application/json" in accepted and mt.startswith("application/") and mt.endswith("+json")):
        return mt
    shown = mt or "none"
    raise ProblemError(415, "Unsupported media type",
                       f"{what} must be sent as {' or '.join(accepted)} (Content-Type was {shown})",
                       field="Content-Type")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(raw: bytes, what: str = "request body") -> Any:
    """Parse JSON bytes strictly (UTF-8, no duplicate keys, no NaN/Infinity, nesting and integer length
    bounded); 400 naming the problem (the duplicated key's or too deep value's path when there is one)."""
    if not raw.strip():
        raise ProblemError(400, "Bad request", f"the {what} is empty; send a JSON document", field="body")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "Bad request", f"the {what} is not UTF-8 (byte {exc.start})", field="body") from None
    try:
        data = json.loads(text, object_pairs_hook=object_pairs, parse_constant=_no_constants, parse_int=parse_int)
    except json.JSONDecodeError as exc:
        raise ProblemError(400, "Bad request", f"the {what} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                                               f"column {exc.colno})", field="body") from None
    except RecursionError:
        raise ProblemError(400, "Bad request", f"the {what} is nested more than {MAX_DEPTH} levels deep",
                           field="body") from None
    except ValueError as exc:
        raise ProblemError(400, "Bad request", f"the {what} is not valid JSON: {str(exc)[:120]}",
                           field="body") from None
    try:
        check_tree(data)
    except InputError as exc:
        message = exc.message.replace("a patient record nests a few levels", f"the {what} may nest {MAX_DEPTH}")
        raise ProblemError(400, "Bad request", f"the {what}: {message}", field=exc.field or "body") from None
    return data


async def read_json(request: Request, what: str = "request body") -> Any:
    require_media_type(request, JSON_TYPES, f"the {what}")
    return parse_json(await request.body(), what)


async def read_json_object(request: Request, what: str = "request body") -> dict[str, Any]:
    data = await read_json(request, what)
    if not isinstance(data, dict):
        raise ProblemError(422, "Invalid input", f"the {what} must be a JSON object, got {type(data).__name__}",
                           field="body")
    return data
