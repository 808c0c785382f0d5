"""The FastAPI application: ``create_app(settings)``.

Layers, outermost first: :class:`~nephroguide.web.middleware.Shell` (security headers, access log,
last-resort 500), :class:`~nephroguide.web.middleware.BodyLimit` (413), the error handlers of
:mod:`nephroguide.web.problems` (the one place errors become HTTP), then one router per resource.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from nephroguide import __version__
from nephroguide.web import problems
from nephroguide.web.cds.config import check as check_cds_settings
from nephroguide.web.cds.edge import CdsEdge, PlanFraming
from nephroguide.web.middleware import BodyLimit, Shell
from nephroguide.web.render import TEMPLATES
from nephroguide.web.settings import Settings

API_PREFIX = "/api/v1"

DESCRIPTION = """Offline, deterministic, cited decision support for childhood nephrotic syndrome.

The JSON returned is the same as the command line's `--format json` (`result.to_json()`).
Errors are `application/problem+json` (RFC 9457) with the offending field in `errors`.
Request bodies are limited to 1 MB (413 above). Decision support only: check every dose and
decision against the cited sources."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app (JSON API, pages, CDS Hooks) for one set of settings."""
    from nephroguide.web.routes.ask import router as ask_router
    from nephroguide.web.routes.cds_hooks import router as cds_router
    from nephroguide.web.routes.cohort import router as cohort_router
    from nephroguide.web.routes.dose import router as dose_router
    from nephroguide.web.routes.kb import router as kb_router
    from nephroguide.web.routes.pages import router as pages_router
    from nephroguide.web.routes.plan import router as plan_router
    from nephroguide.web.routes.remission import router as remission_router
    from nephroguide.web.routes.review import api_router as review_api_router
    from nephroguide.web.routes.review import page_router as review_page_router
    from nephroguide.web.routes.search import router as search_router

    settings = settings or Settings.from_env()
    check_cds_settings(settings)  # e.g. CORS "*" without client authentication: refused at start, not per request
    app = FastAPI(title="nephroguide", version=__version__, description=DESCRIPTION,
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None)
    app.state.settings = settings
    app.state.stages = _Stages()
    problems.install(app)
    for router in (ask_router, plan_router, dose_router, remission_router, cohort_router, search_router, kb_router,
                   review_api_router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(cds_router)
    app.include_router(pages_router)
    app.include_router(review_page_router)
    app.mount("/static", StaticFiles(directory=str(TEMPLATES.with_name("static"))), name="static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(CdsEdge, settings=settings)   # CDS paths, CORS, preflights, client JWTs (inside Shell)
    app.add_middleware(Shell)
    app.add_middleware(PlanFraming, settings=settings)  # frame-ancestors for card plan links (outside Shell)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


class _Stages:
    """Which optional stages exist, read when a page asks (they may be installed while the server runs)."""

    def __getitem__(self, name: str) -> bool:
        from nephroguide.web.stages import available

        return available().get(name, False)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the patient record's JSON Schema as a component (bodies read by intake)."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from nephroguide.intake.record import PatientRecordV1

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    record = PatientRecordV1.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, sub in record.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components["PatientRecordV1"] = record
    _problem_responses(schema)
    app.openapi_schema = schema
    return schema


def _problem_responses(schema: dict[str, Any]) -> None:
    """Make the document say what the server does: every error is ``application/problem+json`` (FastAPI's
    default 422 says application/json), and every operation with a body can answer 400, 413 and 415."""
    from nephroguide.web.routes.common import ERROR_RESPONSES, PROBLEM_CONTENT, PROBLEM_SCHEMA

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for ops in schema.get("paths", {}).values():
        for op in ops.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            if "requestBody" in op:
                for code in (400, 413, 415, 422):
                    responses.setdefault(str(code), dict(ERROR_RESPONSES[code]))
            for code, response in responses.items():
                if code[:1] in "45":
                    response["content"] = PROBLEM_CONTENT
    for name in ("HTTPValidationError", "ValidationError"):
        if name in components and '"#/components/schemas/' + name not in str(schema.get("paths")):
            components.pop(name)


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): settings from the environment."""
    from nephroguide.web.cds.hooks import warm_up

    app = create_app(Settings.from_env(os.environ.get("NEPHROGUIDE_HOME") or None))
    warm_up()  # in each worker: the first CDS call after start is as fast as the others
    return app
