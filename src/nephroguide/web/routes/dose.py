"""``GET /api/v1/dose``: a dose from the pack's dose rules for a child's size (the CLI's ``dose``)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from nephroguide.web.routes.common import ERROR_RESPONSES, json_result, off_loop

router = APIRouter(tags=["dose"])


@router.get("/dose", summary="Compute a dose with caps, ranges, phases, alternatives and sources",
            responses=ERROR_RESPONSES)
async def dose(drug: str = Query(..., min_length=1, max_length=100, description="generic, brand or abbreviation"),
               weight: float = Query(..., description="body weight in kg", allow_inf_nan=False),
               height: float | None = Query(None, description="height in cm (for mg/m² doses)", allow_inf_nan=False),
               indication: str | None = Query(None, max_length=40,
                                              description="first_episode, relapse, frns, sdns, srns, ...")) -> JSONResponse:
    return json_result(await off_loop(compute, drug, weight, height, indication))


QUERY_NAMES = {"weight_kg": "weight", "height_cm": "height"}


def compute(drug: str, weight: float, height: float | None, indication: str | None) -> object:
    """``api.dose`` with the error's field renamed to the query parameter the caller used."""
    from nephroguide import api
    from nephroguide.errors import NephroguideError

    try:
        return api.dose(drug, weight_kg=weight, height_cm=height, indication=indication)
    except NephroguideError as exc:
        exc.field = QUERY_NAMES.get(exc.field or "", exc.field)
        raise
