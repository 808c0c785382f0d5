"""Issue 13 item 1: browser-based CDS clients (the CDS Hooks sandbox) can call the service.

CORS headers for allowed origins only, preflights answered (204), private-network preflights on
loopback, ``*`` only with authentication on, and ``/cds-services//id`` accepted as the sandbox builds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from cds_support import ISSUER, PV, Signer, bearer, client, fixture

SANDBOX = "https://sandbox.cds-hooks.org"


@pytest.fixture(scope="module")
def c(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return client(tmp_path_factory.mktemp("home"), cds_origins=(SANDBOX, "http://127.0.0.1:3000"))


def _preflight(c: Any, path: str, origin: str, method: str = "POST", **extra: str) -> Any:
    headers = {"Origin": origin, "Access-Control-Request-Method": method,
               "Access-Control-Request-Headers": "authorization,content-type", **extra}
    return c.options(path, headers=headers)


@pytest.mark.parametrize("path", ["/cds-services", PV, PV + "/feedback", "/cds-services//nephroguide-patient-view"])
def test_preflight_is_answered_for_an_allowed_origin(c: Any, path: str) -> None:
    resp = _preflight(c, path, SANDBOX)
    assert resp.status_code == 204, resp.text
    h = resp.headers
    assert h["access-control-allow-origin"] == SANDBOX and "Origin" in h["vary"]
    assert set(h["access-control-allow-methods"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    assert {"authorization", "content-type"} <= {x.strip().lower() for x in h["access-control-allow-headers"].split(",")}
    assert "access-control-allow-private-network" not in h   # not asked for


def test_discovery_call_and_feedback_carry_cors_headers(c: Any) -> None:
    origin = {"Origin": SANDBOX}
    disc = c.get("/cds-services", headers=origin)
    assert disc.status_code == 200 and disc.headers["access-control-allow-origin"] == SANDBOX
    assert "Location" in disc.headers["access-control-expose-headers"]
    call = c.post("/cds-services//nephroguide-patient-view", json=fixture("patient_view_ehr_shapes"), headers=origin)
    assert call.status_code == 200, call.text
    assert call.headers["access-control-allow-origin"] == SANDBOX and call.json()["cards"]
    card = call.json()["cards"][0]["uuid"]
    fb = c.post(PV + "/feedback", headers=origin, json={"feedback": [
        {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z"}]})
    assert fb.status_code == 200 and fb.headers["access-control-allow-origin"] == SANDBOX
    # errors are readable by the page too (the browser would hide a 4xx without the header)
    bad = c.post(PV, json={"hook": "patient-view"}, headers=origin)
    assert bad.status_code in (400, 422) and bad.headers["access-control-allow-origin"] == SANDBOX


def test_trailing_slash_discovery_is_not_redirected(c: Any) -> None:
    resp = c.get("/cds-services/", headers={"Origin": SANDBOX}, follow_redirects=False)
    assert resp.status_code == 200 and resp.json()["services"]


def test_other_origins_get_no_cors(c: Any) -> None:
    pre = _preflight(c, PV, "https://evil.example")
    assert pre.status_code == 403 and "access-control-allow-origin" not in pre.headers
    assert pre.json()["errors"][0]["field"] == "Origin"
    call = c.post(PV, json=fixture("patient_view_ehr_shapes"), headers={"Origin": "https://evil.example"})
    assert call.status_code == 403 and "cards" not in call.text
    # same-origin and server-to-server calls (no Origin header) are unaffected
    assert c.post(PV, json=fixture("patient_view_ehr_shapes")).status_code == 200


def test_private_network_preflight_on_loopback(c: Any, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    pna = {"Access-Control-Request-Private-Network": "true"}
    # the test client's default server address ("testserver") is not loopback: not granted
    assert "access-control-allow-private-network" not in _preflight(c, PV, SANDBOX, **pna).headers
    loopback = TestClient(c.app, base_url="http://127.0.0.1:8000")   # the request arrives on a loopback address
    resp = _preflight(loopback, PV, SANDBOX, **pna)
    assert resp.status_code == 204 and resp.headers["access-control-allow-private-network"] == "true"
    lan = TestClient(c.app, base_url="http://10.0.0.5:8000")
    assert "access-control-allow-private-network" not in _preflight(lan, PV, SANDBOX, **pna).headers
    forced = client(tmp_path, cds_origins=(SANDBOX,), cds_private_network=True)   # NEPHROGUIDE_CDS_PRIVATE_NETWORK=on
    resp = _preflight(forced, PV, SANDBOX, **pna)
    assert resp.status_code == 204 and resp.headers["access-control-allow-private-network"] == "true"
    from nephroguide.web.cds.config import is_loopback_host

    assert is_loopback_host("127.0.0.1") and is_loopback_host("::1") and not is_loopback_host("10.0.0.5")


def test_plain_options_says_what_the_endpoint_takes(c: Any) -> None:
    resp = c.options(PV)
    assert resp.status_code == 204 and "POST" in resp.headers["allow"]


def test_star_origin_only_with_authentication(tmp_path: Path) -> None:
    signer = Signer()
    jwks = signer.write_jwks(tmp_path / "jwks.json")
    c = client(tmp_path, cds_origins=("*",), cds_auth=True, cds_issuers=((ISSUER, str(jwks)),))
    pre = _preflight(c, PV, "https://any-ehr.example")
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in pre.headers
    call = c.post(PV, json=fixture("patient_view_ehr_shapes"), headers={
        "Origin": "https://any-ehr.example", **bearer(signer.token("http://testserver" + PV))})
    assert call.status_code == 200 and call.headers["access-control-allow-origin"] == "*"
    unauth = c.post(PV, json=fixture("patient_view_ehr_shapes"), headers={"Origin": "https://any-ehr.example"})
    assert unauth.status_code == 401 and unauth.headers["access-control-allow-origin"] == "*"
