"""Settings of the web app: limits, where state lives, and the optional FHIR servers it may query."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BODY_BYTES = 1_000_000          # 1 MB: larger request bodies are refused with 413
PLAN_LINK_TTL_SECONDS = 24 * 3600   # how long a CDS card's link to the full plan stays valid
ANSWER_CACHE_TTL_SECONDS = 30.0     # answers are deterministic; a review decision shows within this time


@dataclass(frozen=True)
class Settings:
    """How one app instance behaves. ``from_env()`` reads the ``NEPHROGUIDE_*`` variables."""

    home: Path | None = None                    # state directory (None: $NEPHROGUIDE_HOME / user data dir)
    max_body_bytes: int = MAX_BODY_BYTES
    base_url: str | None = None                 # public base URL for links in CDS cards (default: from the request)
    fhir_servers: tuple[str, ...] = ()          # FHIR base URLs the CDS service may query for missing prefetch
    fhir_timeout_s: float = 2.0
    plan_link_ttl_s: int = PLAN_LINK_TTL_SECONDS
    secure_cookies: bool = False                # set the Secure flag on cookies (behind HTTPS)
    today: dt.date | None = None                # fixed "today" for CDS requests (tests); None: the server's date
    answer_cache_ttl_s: float = ANSWER_CACHE_TTL_SECONDS  # stateless /api/v1/ask answers are cached this long (0: off)
    # CDS Hooks client authentication, CORS and card links (nephroguide.web.cds.config; docs/web.md)
    cds_auth: bool = False                      # verify the CDS client's JWT (on by default when serve is not on loopback)
    cds_issuers: tuple[tuple[str, str], ...] = ()   # (iss, JWKS URL or local JWKS file) the service trusts
    cds_origins: tuple[str, ...] = ()           # browser origins allowed to call /cds-services ("*" only with auth)
    cds_jwks_timeout_s: float = 2.0
    cds_jwks_cache_s: float = 300.0
    cds_private_network: bool | None = None     # Access-Control-Allow-Private-Network (None: on loopback addresses)
    plan_frame_ancestors: tuple[str, ...] = ()  # origins that may frame /plan/view/ pages (empty: none)
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, home: str | Path | None = None) -> Settings:
        env_home = home or os.environ.get("NEPHROGUIDE_HOME") or None
        servers = tuple(s.strip().rstrip("/") for s in os.environ.get("NEPHROGUIDE_FHIR_SERVERS", "").split(",")
                        if s.strip())
        limit = os.environ.get("NEPHROGUIDE_MAX_BODY_BYTES", "").strip()
        ttl = os.environ.get("NEPHROGUIDE_ANSWER_CACHE_TTL", "").strip()
        return cls(home=Path(env_home) if env_home else None,
                   max_body_bytes=int(limit) if limit.isdigit() else MAX_BODY_BYTES,
                   base_url=os.environ.get("NEPHROGUIDE_BASE_URL", "").strip().rstrip("/") or None,
                   fhir_servers=servers,
                   secure_cookies=os.environ.get("NEPHROGUIDE_SECURE_COOKIES", "") in {"1", "true", "yes"},
                   answer_cache_ttl_s=float(ttl) if ttl.replace(".", "", 1).isdigit() else ANSWER_CACHE_TTL_SECONDS,
                   **_cds_from_env())


def _cds_from_env() -> dict[str, Any]:
    from nephroguide.web.cds.config import settings_from_env

    return settings_from_env()
