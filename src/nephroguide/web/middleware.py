"""ASGI middleware: body size limit, security headers, access log without clinical content, last-resort 500.

Pure ASGI (no BaseHTTPMiddleware) so they cost microseconds per request.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from nephroguide.web.problems import PROBLEM_JSON, ProblemError, log_unexpected, problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("nephroguide.web.access")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                                 b"form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


async def _send_problem(send: Send, status: int, title: str, detail: str, path: str) -> None:
    body = json.dumps(problem(status, title, detail, instance=path)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies above ``max_bytes`` with 413 (by Content-Length, or while streaming)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        detail = f"the request body is larger than the limit of {limit} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _send_problem(send, 400, "Bad request", "invalid Content-Length header", scope["path"])
                    return
                if length > limit:
                    await _send_problem(send, 413, "Payload too large", detail, scope["path"])
                    return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ProblemError(413, "Payload too large", detail)
            return message

        await self.app(scope, limited_receive, send)


class Shell:
    """Outermost layer: security headers on every response, one access-log line, a last-resort 500.

    The access log has method, path (never the query string), status and duration: no clinical content.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _SECURITY_NAMES]
                headers.extend(SECURITY_HEADERS)
                if scope["path"].startswith(("/api/", "/cds-services")) or status >= 400:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:  # nothing may leave as a stack trace
            log_unexpected(exc, f"{scope.get('method')} {scope.get('path')}")
            if not started:
                await _send_problem(send_with_headers, 500, "Internal error",
                                    "the server could not complete the request; the error was logged", scope["path"])
        finally:
            access_log.info("%s %s %d %.1fms", scope.get("method"), scope.get("path"), status,
                            (time.perf_counter() - start) * 1000)
