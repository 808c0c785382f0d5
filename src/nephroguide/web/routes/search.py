"""``GET /api/v1/search``: passages of the evidence library (the CLI's ``search --format json``)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from nephroguide.web.problems import ProblemError
from nephroguide.web.routes.common import ERROR_RESPONSES, json_result, off_loop
from nephroguide.web.stages import library_available

router = APIRouter(tags=["search"])


def run_search(request: Request, q: str, k: int) -> object:
    if not library_available():
        raise ProblemError(501, "Not implemented", "the evidence library is not installed in this build")
    from nephroguide.library import search as library_search

    home = request.app.state.settings.home
    return library_search(q, k=k, home=home)


@router.get("/search", summary="Search the evidence library's passages", responses=ERROR_RESPONSES)
async def search(request: Request, q: str = Query(..., min_length=1, max_length=1000),
                 k: int = Query(10, ge=1, le=200)) -> JSONResponse:
    return json_result(await off_loop(run_search, request, q, k))
