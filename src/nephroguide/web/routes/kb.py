"""``GET /api/v1/kb``, ``/api/v1/kb/{kind}?q=`` and ``/api/v1/kb/entry/{id}``: the knowledge pack, browsable."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from nephroguide.web import kb_index
from nephroguide.web.routes.common import ERROR_RESPONSES, off_loop

_RESPONSES: dict[int | str, dict[str, Any]] = {code: ERROR_RESPONSES[code] for code in (404, 422)}

router = APIRouter(tags=["knowledge"])


@router.get("/kb", summary="Kinds of knowledge entries and their counts")
async def kb_summary() -> JSONResponse:
    return JSONResponse(await off_loop(kb_index.summary))


@router.get("/kb/entry/{kb_id}", summary="One entry: sources, grades, locations, verification, and the entry itself",
            responses=_RESPONSES)
async def kb_entry(kb_id: str = Path(..., max_length=120)) -> JSONResponse:
    return JSONResponse(await off_loop(kb_index.entry, kb_id))


@router.get("/kb/{kind}", summary="Every entry of a kind (recommendations, definitions, dose_rules, cautions, "
                                  "conflicts, studies, sources, definition_sets, drugs), searchable with q",
            responses=_RESPONSES)
async def kb_kind(kind: str = Path(..., max_length=40), q: str | None = Query(None, max_length=200)) -> JSONResponse:
    return JSONResponse(await off_loop(kb_index.listing, kind, q))
