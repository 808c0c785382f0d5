"""Small helpers shared by the routers (no clinical logic)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from nephroguide.errors import UnknownNameError

M = TypeVar("M", bound=BaseModel)

# As strict as the server: a year 1000-9999, a month 01-12, a day 01-31 (a day that month lacks is a 422).
DATE_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,79}$")

PATIENT_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "description": "A patient record v1 (docs/patient-record.md).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PatientRecordV1"}}}}}

PROBLEM_CONTENT: dict[str, Any] = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "description": "RFC 9457 problem details; `errors` names each offending field",
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}, "instance": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object", "required": ["field", "message"],
                                                         "properties": {"field": {"type": "string"},
                                                                        "message": {"type": "string"}}}}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": PROBLEM_CONTENT}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Malformed request (e.g. body is not valid JSON, nested too deeply)"),
    404: _problem("A name in the request is not known (definition set, drug, session, entry)"),
    413: _problem("Body larger than the limit (1 MB)"),
    415: _problem("Wrong Content-Type"),
    422: _problem("Invalid input; `errors` names the field"),
}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("No valid API token (Authorization: Bearer ...)"),
    403: _problem("The account's role does not allow this, or four-eyes rules refuse it"),
    404: _problem("No such proposal, article, entry or action"),
    409: _problem("A conflict: stale expected_version, wrong state, or a concurrent change"),
    503: _problem("The review workflow is not configured"),
}


def json_body(model: type[BaseModel] | None = None, *, required: bool = True, description: str = "",
              schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON request body read by the route itself (not by FastAPI)."""
    body_schema = schema if schema is not None else (model.model_json_schema() if model else {"type": "object"})
    body: dict[str, Any] = {"required": required, "content": {"application/json": {"schema": body_schema}}}
    if description:
        body["description"] = description
    return {"requestBody": body}


async def off_loop(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run CPU-heavy (or blocking) work in the thread pool, so one request never stalls the event loop
    (``/healthz`` and every other request keep being answered while a plan is computed)."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args, **kwargs)


def definition_set_name(name: str) -> str:
    """Over HTTP only the pack's named definition sets are allowed (never a file path on the server)."""
    from nephroguide.knowledge.pack import load_pack

    known = load_pack().definition_sets
    if name not in known or not _NAME.match(name):
        raise UnknownNameError(f"unknown definition set {name!r}; known: {', '.join(sorted(known))}",
                               field="definitions")
    return name


def validate_model(model: type[M], data: Any) -> M:
    """Validate a body against a pydantic model; errors go to the central handler with the field named."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]) \
            from None


def json_result(result: Any) -> JSONResponse:
    """The same JSON as the CLI's ``--format json``."""
    return JSONResponse(result.to_json() if hasattr(result, "to_json") else result)
