"""The CDS Hooks edge of the app (pure ASGI): paths, CORS, private-network preflights, client JWTs, framing.

* ``/cds-services//id`` (the sandbox joins a base URL ending in '/' with '/id') and a trailing slash are
  read as ``/cds-services/id``.
* CORS as the specification's reference services send it, for the allowed origins only
  (``Settings.cds_origins``; ``*`` only when authentication is on): ``Access-Control-Allow-Origin``,
  ``-Methods: GET, POST, OPTIONS``, ``-Headers: Authorization, Content-Type``, ``-Expose-Headers``;
  preflights (OPTIONS) answered with 204; a private-network preflight
  (``Access-Control-Request-Private-Network: true``) gets ``Access-Control-Allow-Private-Network: true``
  when the request came in on a loopback address (or ``cds_private_network`` says so).
* With ``cds_auth`` on: the service and feedback endpoints (POST) and the card plan links
  (``/plan/view/...``) need a CDS client JWT (:mod:`nephroguide.web.cds.auth`); discovery stays open
  (it holds no patient data). A plan link also takes the JWT as ``?access_token=`` (RFC 6750 2.3), so
  an EHR can open it in a frame.
* ``/plan/view/`` pages may be framed by ``Settings.plan_frame_ancestors`` (CSP ``frame-ancestors``;
  ``X-Frame-Options`` is dropped there, since it cannot name origins). Everything else stays unframeable.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from nephroguide.web.cds.config import check, is_loopback_host
from nephroguide.web.problems import PROBLEM_JSON, ProblemError, problem

CDS_PREFIX = "/cds-services"
PLAN_PREFIX = "/plan/view/"
ALLOW_METHODS = b"GET, POST, OPTIONS"
ALLOW_HEADERS = b"Authorization, Content-Type"
EXPOSE_HEADERS = b"Origin, Accept, Content-Location, Location, X-Requested-With"
PREFLIGHT_MAX_AGE = b"600"
_SLASHES = re.compile(r"/{2,}")


def normalise_path(path: str) -> str:
    path = _SLASHES.sub("/", path)
    return path.rstrip("/") or "/"


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _respond(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _problem(send: Any, exc: ProblemError, path: str, headers: list[tuple[bytes, bytes]]) -> None:
    doc = problem(exc.status, exc.title, exc.detail, instance=path, errors=exc.errors)
    extra = [(b"www-authenticate", b'Bearer error="invalid_token"')] if exc.status == 401 else []
    await _respond(send, exc.status, [(b"content-type", PROBLEM_JSON.encode()), *extra, *headers],
                   json.dumps(doc).encode())


class CdsEdge:
    """Inside ``Shell`` (which adds the security headers and logs): CORS, preflights, JWTs, path form."""

    def __init__(self, app: Any, settings: Any) -> None:
        check(settings)
        self.app = app
        self.settings = settings
        self.origins = frozenset(settings.cds_origins)
        self.verifier: Any = None
        if settings.cds_auth:
            from nephroguide.web.cds.auth import Verifier

            self.verifier = Verifier(settings)

    def _cors(self, origin: str | None) -> list[tuple[bytes, bytes]] | None:
        """CORS response headers for an allowed origin; None when the origin is not allowed."""
        if origin is None:
            return []
        if "*" in self.origins:
            return [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", EXPOSE_HEADERS)]
        if origin.rstrip("/") in self.origins:
            return [(b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-allow-credentials", b"true"),
                    (b"access-control-expose-headers", EXPOSE_HEADERS), (b"vary", b"Origin")]
        return None

    def _base(self, scope: dict[str, Any]) -> str:
        if self.settings.base_url:
            return str(self.settings.base_url).rstrip("/")
        host = _header(scope, b"host") or "{}:{}".format(*scope.get("server") or ("localhost", 80))
        return f"{scope.get('scheme', 'http')}://{host}"

    def _private_network(self, scope: dict[str, Any]) -> bool:
        if self.settings.cds_private_network is not None:
            return bool(self.settings.cds_private_network)
        server = scope.get("server")
        return server is not None and is_loopback_host(str(server[0]))

    async def _verify(self, scope: dict[str, Any], token_header: str | None, audiences: list[str]) -> Any:
        import anyio

        return await anyio.to_thread.run_sync(self.verifier.verify, token_header, audiences)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(PLAN_PREFIX) and self.verifier is not None:
            await self._plan_link(scope, receive, send)
            return
        if not (path == CDS_PREFIX or path.startswith((CDS_PREFIX + "/", CDS_PREFIX + "//"))):
            await self.app(scope, receive, send)
            return
        original = path
        path = normalise_path(path)
        if path != original:
            scope = dict(scope, path=path, raw_path=path.encode())
        origin = _header(scope, b"origin")
        cors = self._cors(origin)
        method = scope.get("method")
        if method == "OPTIONS":
            await self._preflight(scope, send, origin, cors)
            return
        if origin is not None and cors is None:
            await _problem(send, ProblemError(403, "Forbidden", f"origin {origin!r} may not call this CDS service "
                                              "(NEPHROGUIDE_CDS_ORIGINS)", field="Origin"), path, [])
            return
        cors = cors or []
        if self.verifier is not None and method == "POST":
            base = self._base(scope)
            try:
                claims = await self._verify(scope, _header(scope, b"authorization"),
                                            [base + path, base + original])
            except ProblemError as exc:
                await _problem(send, exc, path, cors)
                return
            scope.setdefault("state", {})["cds_client"] = claims.get("iss")

        async def send_with_cors(message: Any) -> None:
            if message["type"] == "http.response.start" and cors:
                message["headers"] = [*message.get("headers", []), *cors]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, scope: dict[str, Any], send: Any, origin: str | None,
                         cors: list[tuple[bytes, bytes]] | None) -> None:
        method = _header(scope, b"access-control-request-method")
        if origin is None or method is None:  # a plain OPTIONS: say what the endpoint takes
            await _respond(send, 204, [(b"allow", ALLOW_METHODS)])
            return
        if cors is None:
            await _problem(send, ProblemError(403, "Forbidden", f"origin {origin!r} may not call this CDS service "
                                              "(NEPHROGUIDE_CDS_ORIGINS)", field="Origin"), scope["path"], [])
            return
        headers = [*cors, (b"access-control-allow-methods", ALLOW_METHODS),
                   (b"access-control-allow-headers", ALLOW_HEADERS), (b"access-control-max-age", PREFLIGHT_MAX_AGE)]
        if (_header(scope, b"access-control-request-private-network") or "").lower() == "true" \
                and self._private_network(scope):
            headers.append((b"access-control-allow-private-network", b"true"))
        await _respond(send, 204, headers)

    async def _plan_link(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """A card's plan link, with authentication on: the CDS client's JWT, aud = the link's URL."""
        path = scope["path"]
        token_header = _header(scope, b"authorization")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if token_header is None and query.get("access_token"):
            token_header = "Bearer " + query["access_token"][0]
        try:
            await self._verify(scope, token_header, [self._base(scope) + path])
        except ProblemError as exc:
            await _problem(send, exc, path, [])
            return
        await self.app(scope, receive, send)


class PlanFraming:
    """Outside ``Shell``: lets the configured origins frame ``/plan/view/`` pages (CSP frame-ancestors)."""

    def __init__(self, app: Any, settings: Any) -> None:
        self.app = app
        self.ancestors = " ".join(settings.plan_frame_ancestors).encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.ancestors or not scope["path"].startswith(PLAN_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_framed(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"x-frame-options":
                        continue
                    if name.lower() == b"content-security-policy":
                        value = value.replace(b"frame-ancestors 'none'", b"frame-ancestors " + self.ancestors)
                    headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_framed)
