"""``POST /api/v1/plan``: a patient record in, the cited, dosed plan out (the CLI's ``plan --format json``)."""

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

router = APIRouter(tags=["plan"])


@router.post("/plan", summary="Classify a child's course and return ranked, cited, dosed next steps",
             openapi_extra=PATIENT_BODY, responses=ERROR_RESPONSES)
async def plan(request: Request,
               as_of: str | None = Query(None, pattern=DATE_PATTERN, description="YYYY-MM-DD; default: the record's as_of, else today"),
               definitions: str = Query("current", max_length=80,
                                         description="definition set name (current, kdigo2012, ...); unknown: 404")) -> JSONResponse:
    from nephroguide import api

    record = await read_json_object(request, "patient record")
    result = await off_loop(api.plan, record, as_of=as_of, definitions=definition_set_name(definitions))
    return await off_loop(json_result, result)
