"""CDS Hooks 2.0: ``GET /cds-services`` (discovery), ``POST /cds-services/{id}``, ``POST /cds-services/{id}/feedback``.

The CDS client's JWT (when ``Settings.cds_auth`` is on), CORS, preflights and the ``/cds-services//id``
path form are handled before these routes by :class:`nephroguide.web.cds.edge.CdsEdge`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from nephroguide.web.body import read_json_object
from nephroguide.web.cds import services
from nephroguide.web.problems import ProblemError
from nephroguide.web.routes.common import ERROR_RESPONSES, json_body, off_loop, validate_model

router = APIRouter(prefix="/cds-services", tags=["CDS Hooks"])

_CDS_RESPONSES = {**ERROR_RESPONSES, 401: {"description": "client JWT missing or not valid (when CDS client "
                                                          "authentication is on)"}, 412: {"description": "a prefetch the service needs is missing and cannot be "
                                                          "fetched", "content": {"application/problem+json": {}}}}


def _hook_request_schema() -> dict[str, Any]:
    from nephroguide.web.cds.hooks import HookRequest

    return HookRequest.model_json_schema()


FEEDBACK_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["feedback"], "description": "CDS Hooks feedback (cds-fb-*)",
    "properties": {"feedback": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["card", "outcome", "outcomeTimestamp"],
        "properties": {"card": {"type": "string"}, "outcome": {"type": "string", "enum": ["accepted", "overridden"]},
                       "outcomeTimestamp": {"type": "string", "format": "date-time"},
                       "acceptedSuggestions": {"type": "array", "items": {"type": "object"}},
                       "overrideReason": {"type": "object"}}}}}}


def _service(service_id: str) -> dict[str, Any]:
    svc = services.SERVICES.get(service_id)
    if svc is None:
        raise ProblemError(404, "Not found", f"no CDS service {service_id!r}; see GET /cds-services", field="id")
    return svc


def _base_url(request: Request) -> str:
    configured = request.app.state.settings.base_url
    return configured or str(request.base_url).rstrip("/")


@router.get("", summary="CDS Hooks discovery: the services, their hooks and prefetch templates")
async def discovery() -> JSONResponse:
    return JSONResponse(services.discovery())


@router.post("/{service_id}", summary="Call a CDS service (patient-view or order-sign): cards", responses=_CDS_RESPONSES,
             openapi_extra=json_body(schema=_hook_request_schema(), description="A CDS Hooks 2.0 request"))
async def call_service(request: Request, service_id: str = Path(..., max_length=100)) -> JSONResponse:
    from nephroguide.web import store
    from nephroguide.web.cds import hooks

    svc = _service(service_id)
    req = validate_model(hooks.HookRequest, await read_json_object(request, "CDS Hooks request"))
    if req.hook != svc["hook"]:
        raise ProblemError(400, "Bad request", f"service {service_id} answers the {svc['hook']} hook, not {req.hook!r}",
                           field="hook")
    hooks.context_patient_id(req)
    settings = request.app.state.settings
    # FHIR fetches and plans are blocking, CPU-heavy work: in the thread pool, never on the event loop
    prefetch = await off_loop(hooks.gather, service_id, req, settings,
                              getattr(request.app.state, "fhir_transport", None))
    as_of = settings.today or dt.date.today()   # "today" is read once, here, for this request
    if service_id == services.PATIENT_VIEW:
        base = _base_url(request)

        def link_for(record: dict[str, Any]) -> str:
            token = store.save_plan_link(settings.home, record, settings.plan_link_ttl_s)
            return f"{base}/plan/view/{token}"

        return JSONResponse(await off_loop(hooks.patient_view, req, prefetch, as_of, link_for))
    return JSONResponse(await off_loop(hooks.order_sign, req, prefetch, as_of))


@router.post("/{service_id}/feedback", summary="Feedback: accepted / overridden card outcomes (stored)",
             responses=ERROR_RESPONSES, openapi_extra=json_body(schema=FEEDBACK_SCHEMA))
async def feedback(request: Request, service_id: str = Path(..., max_length=100)) -> JSONResponse:
    from nephroguide.web import store
    from nephroguide.web.cds.feedback import validate

    _service(service_id)
    items = validate(await read_json_object(request, "feedback"))
    stored = await off_loop(store.save_feedback, request.app.state.settings.home, service_id, items)
    return JSONResponse({"stored": stored})
