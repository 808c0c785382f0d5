"""``POST /api/v1/remission``: the remission / relapse timeline of a patient record."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from nephroguide.web.body import read_json_object
from nephroguide.web.routes.common import (
    DATE_PATTERN,
    ERROR_RESPONSES,
    PATIENT_BODY,
    definition_set_name,
    json_result,
    off_loop,
)

router = APIRouter(tags=["remission"])


@router.post("/remission", summary="Remission / relapse timeline of a child's urine results",
             openapi_extra=PATIENT_BODY, responses=ERROR_RESPONSES)
async def remission(request: Request, as_of: str | None = Query(None, pattern=DATE_PATTERN),
                    definitions: str = Query("current", max_length=80,
                                             description="definition set name; unknown: 404")) -> JSONResponse:
    from nephroguide import api

    record = await read_json_object(request, "patient record")
    result = await off_loop(api.remission, record, as_of=as_of, definitions=definition_set_name(definitions))
    return await off_loop(json_result, result)
