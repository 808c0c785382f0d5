"""Issue 13 item 7: plan links on cards open inside the EHR: configurable lifetime and framing
(CSP frame-ancestors allowlist), and the same authentication as the service when it is on.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jwt")

from cds_support import ISSUER, PV, Signer, bearer, client, fixture

EHR = "https://ehr.example.net"


def _link(c: Any, headers: dict[str, str] | None = None) -> str:
    resp = c.post(PV, json=fixture("patient_view_ehr_shapes"), headers=headers or {})
    assert resp.status_code == 200, resp.text
    plan = next(x for x in resp.json()["cards"] if x["summary"].startswith("Next step"))
    url: str = plan["links"][0]["url"]
    assert url.startswith("http://testserver/plan/view/")
    return url.replace("http://testserver", "")


def test_frame_ancestors_allowlist_only_on_plan_pages(tmp_path: Path) -> None:
    c = client(tmp_path, plan_frame_ancestors=(EHR, "https://portal.example.org"))
    page = c.get(_link(c))
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert f"frame-ancestors {EHR} https://portal.example.org" in csp and "'none'" not in csp.split("frame-ancestors")[1]
    assert "x-frame-options" not in page.headers
    other = c.get("/ask")
    assert "frame-ancestors 'none'" in other.headers["content-security-policy"]
    assert other.headers["x-frame-options"] == "DENY"


def test_default_plan_pages_cannot_be_framed(tmp_path: Path) -> None:
    c = client(tmp_path)
    page = c.get(_link(c))
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_serve_options_reach_every_worker_as_variables() -> None:
    from nephroguide.web.cds.config import ConfigError, apply_serve_options

    env: dict[str, str] = {}
    apply_serve_options(env, host="127.0.0.1", auth="off", issuers=(), origins=("https://sandbox.cds-hooks.org",),
                        plan_link_ttl=7200, frame_ancestors=(EHR,))
    assert env == {"NEPHROGUIDE_CDS_AUTH": "off", "NEPHROGUIDE_CDS_ORIGINS": "https://sandbox.cds-hooks.org",
                   "NEPHROGUIDE_PLAN_LINK_TTL": "7200", "NEPHROGUIDE_PLAN_FRAME_ANCESTORS": EHR}
    with pytest.raises(ConfigError):
        apply_serve_options({}, host="127.0.0.1", auth="off", issuers=(), origins=(), plan_link_ttl=None,
                            frame_ancestors=("https://ehr.example.net/path",))
    with pytest.raises(ConfigError, match="no trusted issuer"):   # not loopback: auth on, and it needs an issuer
        apply_serve_options({}, host="0.0.0.0", auth="auto", issuers=(), origins=(), plan_link_ttl=None,
                            frame_ancestors=())
    with pytest.raises(ConfigError, match="neither an http"):
        apply_serve_options({}, host="0.0.0.0", auth="auto", issuers=("https://ehr.example.net=/no/such/jwks.json",),
                            origins=(), plan_link_ttl=None, frame_ancestors=())
    issuer = ("https://ehr.example.net=https://ehr.example.net/.well-known/jwks.json",)
    with pytest.raises(ConfigError, match="public base URL"):   # aud is never taken from the Host header
        apply_serve_options({}, host="0.0.0.0", auth="auto", issuers=issuer, origins=(), plan_link_ttl=None,
                            frame_ancestors=())
    on: dict[str, str] = {}
    apply_serve_options(on, host="0.0.0.0", auth="auto", issuers=issuer, origins=("*",), plan_link_ttl=None,
                        frame_ancestors=(), base_url="https://cds.example.org/")
    assert on["NEPHROGUIDE_CDS_AUTH"] == "on" and on["NEPHROGUIDE_CDS_ORIGINS"] == "*"
    assert on["NEPHROGUIDE_BASE_URL"] == "https://cds.example.org"


def test_plan_link_lifetime_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nephroguide.web.cds.config import settings_from_env

    monkeypatch.setenv("NEPHROGUIDE_PLAN_LINK_TTL", "3600")
    monkeypatch.setenv("NEPHROGUIDE_PLAN_FRAME_ANCESTORS", EHR)
    values = settings_from_env()
    assert values["plan_link_ttl_s"] == 3600 and values["plan_frame_ancestors"] == (EHR,)
    c = client(tmp_path, plan_link_ttl_s=600)
    link = _link(c)
    assert c.get(link).status_code == 200
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 601)   # the store reads time.time()
    assert c.get(link).status_code == 404


def test_plan_link_needs_the_service_authentication_when_on(tmp_path: Path) -> None:
    signer = Signer()
    jwks = signer.write_jwks(tmp_path / "jwks.json")
    c = client(tmp_path, cds_auth=True, cds_issuers=((ISSUER, str(jwks)),))
    link = _link(c, bearer(signer.token("http://testserver" + PV)))
    assert c.get(link).status_code == 401
    assert c.get(link, headers=bearer(signer.token("http://testserver" + PV))).status_code == 401  # wrong aud
    ok = c.get(link, headers=bearer(signer.token("http://testserver" + link)))
    assert ok.status_code == 200 and "srns.cni.first_line" in ok.text
    # in a frame the EHR cannot set headers: the JWT may come as ?access_token= (RFC 6750 2.3)
    token = signer.token("http://testserver" + link)
    assert c.get(link, params={"access_token": token}).status_code == 200
    assert c.get(link, params={"access_token": token}).status_code == 401   # jti used: no replay
