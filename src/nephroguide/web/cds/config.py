"""CDS Hooks deployment settings read from the environment (``Settings.from_env`` merges them in).

| variable | meaning |
|---|---|
| ``NEPHROGUIDE_CDS_AUTH`` | ``on``/``off``: verify the CDS client's JWT (``serve`` turns it on when not on loopback) |
| ``NEPHROGUIDE_CDS_ISSUERS`` | trusted issuers: ``ISS=JWKS`` pairs separated by spaces or commas; JWKS is an https/http URL or a local file |
| ``NEPHROGUIDE_CDS_ORIGINS`` | browser origins allowed to call ``/cds-services`` (comma-separated; ``*`` only with auth on) |
| ``NEPHROGUIDE_CDS_JWKS_TIMEOUT`` / ``NEPHROGUIDE_CDS_JWKS_CACHE`` | seconds: JWKS fetch timeout (2) and cache lifetime (300) |
| ``NEPHROGUIDE_CDS_PRIVATE_NETWORK`` | ``on``/``off``: answer private-network preflights (default: when the request came in on loopback) |
| ``NEPHROGUIDE_PLAN_LINK_TTL`` | seconds a card's plan link stays valid (default 86400) |
| ``NEPHROGUIDE_PLAN_FRAME_ANCESTORS`` | origins that may frame ``/plan/view/`` pages (comma-separated; default none) |
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any

ON = frozenset({"1", "on", "true", "yes"})
OFF = frozenset({"0", "off", "false", "no"})
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


class ConfigError(ValueError):
    """A CDS setting that cannot be used (names the variable or option)."""


def parse_issuers(items: list[str] | tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``ISS=JWKS`` items (split at the first '=') -> ((iss, jwks), ...)."""
    out = []
    for item in items:
        iss, sep, jwks = item.strip().partition("=")
        if not sep or not iss.strip() or not jwks.strip():
            raise ConfigError(f"CDS issuer {item!r} must be ISS=JWKS (a JWKS URL or a local JWKS file)")
        out.append((iss.strip().rstrip("/"), jwks.strip()))
    return tuple(out)


def parse_origins(items: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for item in items:
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        if origin != "*" and not _ORIGIN.match(origin):
            raise ConfigError(f"CDS origin {item!r} must be scheme://host[:port] (no path) or *")
        out.append(origin)
    return tuple(out)


def _split(value: str) -> list[str]:
    return [v for v in re.split(r"[\s,]+", value) if v]


def _flag(name: str, env: Any) -> bool | None:
    value = env.get(name, "").strip().lower()
    if value in ON:
        return True
    if value in OFF:
        return False
    if value:
        raise ConfigError(f"{name}={value!r}: use on or off")
    return None


def _seconds(name: str, default: float, env: Any) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: give a number of seconds") from None
    if number < 0:
        raise ConfigError(f"{name}={value!r}: give a number of seconds >= 0")
    return number


def settings_from_env(env: Any = None) -> dict[str, Any]:
    """The CDS fields of ``Settings`` from ``NEPHROGUIDE_CDS_*`` and ``NEPHROGUIDE_PLAN_*`` (``os.environ``)."""
    env = os.environ if env is None else env
    out: dict[str, Any] = {
        "cds_auth": bool(_flag("NEPHROGUIDE_CDS_AUTH", env)),
        "cds_issuers": parse_issuers(_split(env.get("NEPHROGUIDE_CDS_ISSUERS", ""))),
        "cds_origins": parse_origins(env.get("NEPHROGUIDE_CDS_ORIGINS", "").split(",")),
        "cds_jwks_timeout_s": _seconds("NEPHROGUIDE_CDS_JWKS_TIMEOUT", 2.0, env),
        "cds_jwks_cache_s": _seconds("NEPHROGUIDE_CDS_JWKS_CACHE", 300.0, env),
        "cds_private_network": _flag("NEPHROGUIDE_CDS_PRIVATE_NETWORK", env),
        "plan_frame_ancestors": parse_origins(env.get("NEPHROGUIDE_PLAN_FRAME_ANCESTORS", "").split(",")),
    }
    ttl = env.get("NEPHROGUIDE_PLAN_LINK_TTL", "").strip()
    if ttl:
        out["plan_link_ttl_s"] = int(_seconds("NEPHROGUIDE_PLAN_LINK_TTL", 0, env))
    return out


def check(settings: Any) -> None:
    """Refuse settings that would open the service wider than intended (raised at app start)."""
    if "*" in settings.cds_origins and not settings.cds_auth:
        raise ConfigError("CDS origin '*' is allowed only with CDS authentication on (NEPHROGUIDE_CDS_AUTH=on)")
    if "*" in settings.plan_frame_ancestors:
        raise ConfigError("plan frame ancestors must name origins ('*' would let any site frame a plan)")
    if settings.cds_auth and not settings.cds_issuers:
        raise ConfigError("CDS authentication is on but no trusted issuer is configured "
                          "(NEPHROGUIDE_CDS_ISSUERS or serve --cds-issuer ISS=JWKS)")
    for iss, jwks in settings.cds_issuers:
        if not jwks.startswith(("https://", "http://")) and not os.path.isfile(jwks):
            raise ConfigError(f"CDS issuer {iss}: JWKS {jwks!r} is neither an http(s) URL nor a readable file")
    if settings.cds_auth and not settings.base_url:
        # the JWT's aud must be this service's URL: never trust the request's Host header to say what it is
        raise ConfigError("CDS authentication needs the service's public base URL, which client JWTs name as "
                          "aud (NEPHROGUIDE_BASE_URL or serve --base-url, e.g. https://cds.example.org)")


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def apply_serve_options(env: Any, *, host: str, auth: str, issuers: tuple[str, ...], origins: tuple[str, ...],
                        plan_link_ttl: int | None, frame_ancestors: tuple[str, ...],
                        base_url: str | None = None) -> None:
    """``nephroguide serve`` options -> ``NEPHROGUIDE_*`` variables (read by every worker), then checked.

    ``auth='auto'`` keeps a variable already set, else turns authentication on for a non-loopback host.
    """
    if auth == "auto":
        if not env.get("NEPHROGUIDE_CDS_AUTH", "").strip():
            env["NEPHROGUIDE_CDS_AUTH"] = "off" if is_loopback_host(host) else "on"
    else:
        env["NEPHROGUIDE_CDS_AUTH"] = auth
    if issuers:
        parse_issuers(issuers)
        env["NEPHROGUIDE_CDS_ISSUERS"] = " ".join(issuers)
    if origins:
        parse_origins(origins)
        env["NEPHROGUIDE_CDS_ORIGINS"] = ",".join(origins)
    if plan_link_ttl is not None:
        env["NEPHROGUIDE_PLAN_LINK_TTL"] = str(plan_link_ttl)
    if base_url:
        if not re.match(r"^https?://[^/?#]+(/[^?#]*)?$", base_url.strip()):
            raise ConfigError(f"--base-url {base_url!r} must be an http(s) URL without query or fragment")
        env["NEPHROGUIDE_BASE_URL"] = base_url.strip().rstrip("/")
    if frame_ancestors:
        parse_origins(frame_ancestors)
        env["NEPHROGUIDE_PLAN_FRAME_ANCESTORS"] = ",".join(frame_ancestors)
    from types import SimpleNamespace

    values = settings_from_env(env)
    if values["cds_auth"] and not values["cds_issuers"]:
        why = "--host is not loopback" if auth == "auto" else "--cds-auth on"
        raise ConfigError(f"CDS authentication is on ({why}) but no trusted issuer is configured: add "
                          "--cds-issuer ISS=JWKS, or --cds-auth off behind a gateway that verifies clients")
    check(SimpleNamespace(**values, base_url=env.get("NEPHROGUIDE_BASE_URL", "").strip() or None))
