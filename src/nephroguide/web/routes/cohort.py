"""``POST /api/v1/cohort``: a long lab CSV in, per-patient outcomes and a summary out (501 if not installed)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from nephroguide.web.body import require_media_type
from nephroguide.web.problems import ProblemError
from nephroguide.web.routes.common import (
    ERROR_RESPONSES,
    definition_set_name,
    json_result,
    off_loop,
)
from nephroguide.web.stages import cohort_function

router = APIRouter(tags=["cohort"])

CSV_TYPES = ("text/csv", "text/plain", "multipart/form-data")


@router.post("/cohort", summary="Cohort outcomes from a long lab CSV (optionally with patients.csv)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "multipart/form-data": {"schema": {"type": "object", "required": ["labs"], "properties": {
                     "labs": {"type": "string", "format": "binary"},
                     "patients": {"type": "string", "format": "binary"}}}}}}},
             responses={**ERROR_RESPONSES, 501: {"description": "the cohort stage is not installed"}})
async def cohort(request: Request, definitions: str = Query("current", max_length=80),
                 index_event: str | None = Query(None, max_length=80),
                 index_from: str = Query("auto", pattern="^(auto|first|last)$")) -> JSONResponse:
    fn = cohort_function()
    if fn is None:
        raise ProblemError(501, "Not implemented", "cohort analysis is not installed in this build")
    mt = require_media_type(request, CSV_TYPES, "the cohort")
    patients: str | None = None
    if mt == "multipart/form-data":
        form = await request.form()
        labs_part, patients_part = form.get("labs"), form.get("patients")
        if labs_part is None:
            raise ProblemError(422, "Invalid input", "the form needs a 'labs' CSV file", field="labs")
        labs = await _text(labs_part, "labs")
        patients = await _text(patients_part, "patients") if patients_part is not None else None
    else:
        labs = _decode(await request.body(), "labs")
    result = await off_loop(fn, labs, patients, definition_set_name(definitions), index_event, index_from=index_from,
                            labs_name="labs.csv", patients_name="patients.csv")
    return await off_loop(json_result, result)


def _decode(raw: bytes, field: str) -> str:
    if not raw.strip():
        raise ProblemError(400, "Bad request", f"the {field} CSV is empty", field=field)
    try:
        return raw.decode("utf-8-sig") + "\n"
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "Bad request", f"the {field} CSV is not UTF-8 (byte {exc.start})", field=field) from None


async def _text(part: object, field: str) -> str:
    if isinstance(part, str):
        return _decode(part.encode(), field)
    read = getattr(part, "read", None)
    if read is None:
        raise ProblemError(422, "Invalid input", f"{field} must be a CSV file", field=field)
    return _decode(await read(), field)
