"""HTTP errors, in ONE place: every error becomes ``application/problem+json`` (RFC 9457), or an HTML page.

* nephroguide's own errors (:mod:`nephroguide.errors`) carry ``http_status``, ``title`` and ``field``;
* request validation errors (FastAPI/pydantic) name the parameter or body field;
* :class:`ProblemError` is what the web layer itself raises (413, 415, malformed JSON, 412, 501 ...);
* anything else is a generic 500: the exception type and the code location are logged server-side
  (never its message, which could hold clinical values) and the response says nothing more.

Pages (anything outside ``/api/`` and ``/cds-services``) get the same information as an HTML page; a
form page that put its form on ``request.state.form_page`` is re-rendered with the error shown next
to the field.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from nephroguide.errors import NephroguideError

log = logging.getLogger("nephroguide.web")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://nephroguide.org/problems/"


class ProblemError(Exception):
    """An HTTP error raised by the web layer itself (not by nephroguide's API)."""

    def __init__(self, status: int, title: str, detail: str, *, field: str | None = None,
                 errors: list[dict[str, str]] | None = None, type_: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors if errors is not None else ([{"field": field, "message": detail}] if field else [])
        self.type = type_
        self.headers = headers or {}


_TYPES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed", 409: "conflict",
          412: "precondition-failed", 413: "payload-too-large", 415: "unsupported-media-type",
          422: "invalid-input", 429: "too-many-requests", 500: "internal-error", 501: "not-implemented"}


def problem(status: int, title: str, detail: str, *, instance: str | None = None,
            errors: list[dict[str, str]] | None = None, type_: str | None = None) -> dict[str, Any]:
    """A problem document (RFC 9457). Optional members are omitted, never null."""
    body: dict[str, Any] = {"type": type_ or PROBLEM_BASE + _TYPES.get(status, "error"), "title": title,
                            "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def wants_html(request: Request) -> bool:
    """Pages get HTML errors; the JSON API and CDS Hooks always get problem+json."""
    path = request.url.path
    if path.startswith(("/api/", "/cds-services", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "") or request.method == "POST"


def _field_from_loc(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or str(loc[0] if loc else "body")


def _validation_errors(exc: RequestValidationError) -> tuple[int, str, list[dict[str, str]]]:
    errors: list[dict[str, str]] = []
    status = 422
    for err in exc.errors():
        kind = err.get("type", "")
        field = _field_from_loc(tuple(err.get("loc", ())))
        if kind == "json_invalid":
            status = 400
            msg = f"request body is not valid JSON: {err.get('ctx', {}).get('error', err.get('msg'))}"
        elif kind == "missing":
            msg = "is required"
        else:
            msg = str(err.get("msg", "is not valid"))
            given = err.get("input")
            if isinstance(given, str | int | float) and not isinstance(given, bool) and len(str(given)) <= 40:
                msg += f" (got {given!r})"
        errors.append({"field": field, "message": msg})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:3]) or "invalid request"
    return status, detail, errors


def _render_html(request: Request, status: int, body: dict[str, Any]) -> Response:
    from nephroguide.web.render import render, render_error_page

    form = getattr(request.state, "form_page", None)
    if form is not None and status in (400, 404, 422):
        template, context = form
        field_errors = {e["field"]: e["message"] for e in body.get("errors", [])}
        return render(request, template, {**context, "problem": body, "field_errors": field_errors},
                      status_code=status)
    return render_error_page(request, status, body)


def _respond(request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    if wants_html(request):
        try:
            return _render_html(request, status, body)
        except Exception:  # rendering the error must never turn into a second error
            log.exception("error page rendering failed")
    return problem_response(status, body, headers)


async def nephroguide_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NephroguideError)
    status = exc.http_status
    if status >= 500:
        return await unexpected_error_handler(request, exc)
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
    body = problem(status, exc.title, exc.one_line(), instance=request.url.path, errors=errors)
    headers = {"WWW-Authenticate": 'Bearer realm="nephroguide"'} if status == 401 else {}
    if getattr(exc, "retry_after_s", None):  # 429 (login throttling)
        headers["Retry-After"] = str(exc.retry_after_s)  # type: ignore[attr-defined]
    return _respond(request, status, body, headers or None)


async def problem_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    body = problem(exc.status, exc.title, exc.detail, instance=request.url.path, errors=exc.errors, type_=exc.type)
    return _respond(request, exc.status, body, exc.headers)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    status, detail, errors = _validation_errors(exc)
    title = "Bad request" if status == 400 else "Invalid input"
    return _respond(request, status, problem(status, title, detail, instance=request.url.path, errors=errors))


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such resource: {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    body = problem(exc.status_code, titles.get(exc.status_code, "Error"), detail, instance=request.url.path)
    return _respond(request, exc.status_code, body, dict(exc.headers or {}))


def log_unexpected(exc: BaseException, where: str) -> None:
    """Log an internal error: type and code locations only (the message may hold clinical values)."""
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    trail = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames))
    log.error("internal error %s at %s [%s]", type(exc).__name__, where, trail)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    log_unexpected(exc, f"{request.method} {request.url.path}")
    body = problem(500, "Internal error", "the server could not complete the request; the error was logged",
                   instance=request.url.path)
    return _respond(request, 500, body)


def install(app: Any) -> None:
    """Register the handlers on a FastAPI app (called once, by create_app)."""
    app.add_exception_handler(NephroguideError, nephroguide_error_handler)
    app.add_exception_handler(ProblemError, problem_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
