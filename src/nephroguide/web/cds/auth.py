"""CDS client authentication (CDS Hooks 2.0, "Trusting CDS Clients"): a signed JWT as the Bearer token.

Verified with PyJWT (cryptography backend), never by hand:

* the issuer (``iss``) must be on the allowlist (``Settings.cds_issuers``: issuer -> JWKS URL or local
  JWKS file); a ``jku`` header must be that issuer's configured JWKS URL (a token never makes the
  service fetch a URL it names);
* the signature, with the key the header's ``kid`` names in that JWKS; asymmetric algorithms only
  (``none`` and HMAC are refused, as the specification requires);
* ``aud`` = the URL of the endpoint called (discovery, the service, its feedback endpoint, or a card's
  plan link); ``exp``, ``iat`` (not in the future, token lifetime at most an hour) and ``jti`` present;
* ``jti`` not seen before from that issuer (kept in the store until the token expires, so several
  worker processes share it).

JWKS URLs are fetched with a timeout and cached (``cds_jwks_cache_s``); an unknown ``kid`` refetches
at most once every 30 seconds. Local JWKS files are re-read when they change.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nephroguide.web.problems import ProblemError

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
LEEWAY_S = 30.0
MAX_LIFETIME_S = 3600.0
REFETCH_MIN_S = 30.0


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "Unauthorized", detail, field="Authorization")


@dataclass
class _Keys:
    keys: dict[str, Any]          # kid -> jwt.PyJWK
    fetched: float
    stamp: Any = None             # file mtime for local files


class JwksCache:
    """JWKS per source (URL or file), cached; thread-safe."""

    def __init__(self, timeout_s: float, cache_s: float, transport: Any = None) -> None:
        self.timeout_s = timeout_s
        self.cache_s = cache_s
        self.transport = transport
        self._cache: dict[str, _Keys] = {}
        self._lock = threading.Lock()

    def _load(self, source: str) -> tuple[dict[str, Any], Any]:
        from jwt import PyJWKSet
        from jwt.exceptions import PyJWKSetError

        stamp = None
        if source.startswith(("https://", "http://")):
            import httpx

            try:
                with httpx.Client(timeout=self.timeout_s, transport=self.transport, follow_redirects=False) as c:
                    resp = c.get(source, headers={"Accept": "application/json"})
            except httpx.HTTPError as exc:
                raise unauthorized(f"the issuer's JWKS could not be fetched ({type(exc).__name__})") from None
            if resp.status_code != 200:
                raise unauthorized(f"the issuer's JWKS could not be fetched (HTTP {resp.status_code})")
            text = resp.text
        else:
            path = Path(source)
            try:
                stamp = path.stat().st_mtime_ns
                text = path.read_text(encoding="utf-8")
            except OSError:
                raise unauthorized("the issuer's JWKS file could not be read") from None
        try:
            keyset = PyJWKSet.from_dict(json.loads(text))
        except (ValueError, PyJWKSetError):
            raise unauthorized("the issuer's JWKS is not a valid JWK Set") from None
        return {k.key_id: k for k in keyset.keys if k.key_id}, stamp

    def key(self, source: str, kid: str) -> Any:
        now = time.monotonic()
        with self._lock:
            entry = self._cache.get(source)
            fresh = entry is not None and now - entry.fetched < self.cache_s
            if entry is not None and fresh and entry.stamp is not None:
                try:
                    fresh = Path(source).stat().st_mtime_ns == entry.stamp
                except OSError:
                    fresh = False
            if entry is None or not fresh or (kid not in entry.keys and now - entry.fetched >= REFETCH_MIN_S):
                keys, stamp = self._load(source)
                entry = _Keys(keys, now, stamp)
                self._cache[source] = entry
            key = entry.keys.get(kid)
        if key is None:
            raise unauthorized(f"no key {kid!r} in the issuer's JWKS")
        return key


class Verifier:
    """Verifies CDS client JWTs for one app (settings, a JWKS cache, the jti store)."""

    def __init__(self, settings: Any, transport: Any = None) -> None:
        self.settings = settings
        self.issuers = dict(settings.cds_issuers)
        self.jwks = JwksCache(settings.cds_jwks_timeout_s, settings.cds_jwks_cache_s, transport)

    def verify(self, authorization: str | None, audience: str | list[str]) -> dict[str, Any]:
        """The verified claims, or ProblemError(401) naming what is wrong."""
        import jwt

        if not authorization:
            raise unauthorized("this CDS service needs a signed JWT: Authorization: Bearer <JWT>")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthorized("the Authorization header must be 'Bearer <JWT>'")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise unauthorized("the bearer token is not a JWT") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise unauthorized(f"JWT alg {alg!r} is not accepted (asymmetric signatures only; never none or HMAC)")
        iss = unverified.get("iss")
        if not isinstance(iss, str) or iss.rstrip("/") not in self.issuers:
            raise unauthorized(f"JWT issuer {iss!r} is not trusted by this service")
        source = self.issuers[iss.rstrip("/")]
        jku = header.get("jku")
        if jku is not None and source.startswith(("https://", "http://")) and jku != source:
            raise unauthorized("JWT jku is not the JWKS URL configured for its issuer")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise unauthorized("JWT header has no kid")
        key = self.jwks.key(source, kid)
        try:
            claims = jwt.decode(token, key=key, algorithms=[alg], audience=audience, issuer=iss,
                                leeway=LEEWAY_S, options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.InvalidAudienceError:
            wanted = audience if isinstance(audience, str) else audience[0]
            raise unauthorized(f"JWT aud is not this endpoint ({wanted})") from None
        except jwt.ExpiredSignatureError:
            raise unauthorized("JWT has expired (exp)") from None
        except jwt.ImmatureSignatureError:
            raise unauthorized("JWT iat or nbf is in the future") from None
        except jwt.MissingRequiredClaimError as exc:
            raise unauthorized(f"JWT has no {exc.claim} claim") from None
        except jwt.InvalidAlgorithmError:
            raise unauthorized(f"JWT alg {alg!r} does not match the issuer's key") from None
        except jwt.PyJWTError as exc:
            raise unauthorized(f"JWT rejected: {type(exc).__name__}") from None
        exp, iat = float(claims["exp"]), float(claims["iat"])
        if exp - iat > MAX_LIFETIME_S:
            raise unauthorized(f"JWT lifetime (exp - iat) is above {MAX_LIFETIME_S:.0f} s")
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti or len(jti) > 200:
            raise unauthorized("JWT jti must be a non-empty string")
        from nephroguide.web import store

        if not store.claim_jti(self.settings.home, iss, jti, exp + LEEWAY_S):
            raise unauthorized("JWT jti was already used (replay)")
        return claims
