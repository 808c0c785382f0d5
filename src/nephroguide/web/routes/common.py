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

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,79}$")

PATIENT_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "description": "A patient record v1 (docs/patient-record.md).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PatientRecordV1"}}}}}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed request (e.g. body is not valid JSON)", "content": {"application/problem+json": {}}},
    413: {"description": "Body larger than the limit (1 MB)", "content": {"application/problem+json": {}}},
    415: {"description": "Wrong Content-Type", "content": {"application/problem+json": {}}},
    422: {"description": "Invalid input; `errors` names the field", "content": {"application/problem+json": {}}},
}


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
