"""Shared helpers for the CDS Hooks tests: request fixtures, an app client, keys and JWTs made by the test."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():  # starlette >= 1.x nags about httpx; the test client works the same
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FIXTURES = Path(__file__).parent / "fixtures" / "cds"
CORPUS = Path(__file__).parent / "corpus" / "cds"
TODAY = dt.date(2026, 11, 21)
PV = "/cds-services/nephroguide-patient-view"
OS = "/cds-services/nephroguide-order-sign"
ISSUER = "https://ehr.example.net"


def fixture(name: str) -> dict[str, Any]:
    """A request fixture (tests/fixtures/cds, else tests/corpus/cds); a fresh copy each time."""
    path = FIXTURES / f"{name}.json"
    if not path.exists():
        path = CORPUS / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def client(home: Path, **settings: Any) -> TestClient:
    from nephroguide.web.app import create_app
    from nephroguide.web.settings import Settings

    if settings.get("cds_auth"):
        settings.setdefault("base_url", "http://testserver")   # JWTs name the service's own URL as aud
    return TestClient(create_app(Settings(home=home, today=TODAY, **settings)), raise_server_exceptions=False)


class Signer:
    """An EHR's signing key (EC P-384, ES384 as the CDS Hooks sandbox uses) and its JWK Set."""

    def __init__(self, kid: str = "ehr-key-1", alg: str = "ES384") -> None:
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        self.kid = kid
        self.alg = alg
        if alg.startswith("ES"):
            self.private = ec.generate_private_key(ec.SECP384R1())
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        from jwt.algorithms import ECAlgorithm, RSAAlgorithm

        algo = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        jwk = algo.to_jwk(self.private.public_key(), as_dict=True)
        jwk.update(kid=self.kid, alg=self.alg, use="sig")
        return {"keys": [jwk]}

    def write_jwks(self, path: Path) -> Path:
        path.write_text(json.dumps(self.jwks()), encoding="utf-8")
        return path

    def token(self, aud: str | list[str], *, iss: str = ISSUER, lifetime: int = 300, iat_offset: int = 0,
              jti: str | None = None, drop: tuple[str, ...] = (), headers: dict[str, Any] | None = None) -> str:
        import jwt

        now = int(time.time()) + iat_offset
        claims: dict[str, Any] = {"iss": iss, "aud": aud, "iat": now, "exp": now + lifetime,
                                  "jti": jti or str(uuid.uuid4())}
        for key in drop:
            claims.pop(key, None)
        head = {"kid": self.kid, "typ": "JWT", **(headers or {})}
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=head)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
