"""Issue 13 item 2: only trusted EHRs get advice. The CDS client's JWT (CDS Hooks 2.0 security section)
is verified with keys this test generates: issuer allowlist -> local JWKS file or a loopback JWKS URL,
signature, aud = the endpoint URL, exp, iat, jti not reused, never alg none or HMAC. Feedback needs it too.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jwt")
pytest.importorskip("fastapi")

from cds_support import ISSUER, OS, PV, Signer, bearer, client, fixture

BASE = "http://testserver"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def authed(home: Path, signer: Signer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    jwks = signer.write_jwks(tmp_path_factory.mktemp("jwks") / "ehr-jwks.json")
    return client(home, cds_auth=True, cds_issuers=((ISSUER, str(jwks)),))


def _hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """An HMAC-signed JWT made by hand (PyJWT itself refuses to use a public key as an HMAC secret)."""
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


def _problem_field(resp: Any) -> str:
    return str(resp.json()["errors"][0]["field"])


def test_valid_jwt_gets_cards_and_a_replay_is_refused(authed: Any, signer: Signer) -> None:
    token = signer.token(BASE + PV)
    ok = authed.post(PV, json=fixture("patient_view_ehr_shapes"), headers=bearer(token))
    assert ok.status_code == 200, ok.text
    assert ok.json()["cards"]
    again = authed.post(PV, json=fixture("patient_view_ehr_shapes"), headers=bearer(token))
    assert again.status_code == 401 and "replay" in again.json()["detail"]


@pytest.mark.parametrize("case", ["missing", "not-bearer", "wrong-aud", "expired", "future-iat", "no-jti",
                                  "untrusted-iss", "other-key", "alg-none", "hmac", "too-long", "jku-elsewhere"])
def test_bad_tokens_are_401_naming_authorization(authed: Any, signer: Signer, case: str) -> None:
    import jwt

    aud = BASE + PV
    headers: dict[str, str] = {}
    if case == "not-bearer":
        headers = {"Authorization": "Basic dXNlcjpwYXNz"}
    elif case == "wrong-aud":
        headers = bearer(signer.token(BASE + OS))
    elif case == "expired":
        headers = bearer(signer.token(aud, iat_offset=-400, lifetime=300))
    elif case == "future-iat":
        headers = bearer(signer.token(aud, iat_offset=600))
    elif case == "no-jti":
        headers = bearer(signer.token(aud, drop=("jti",)))
    elif case == "untrusted-iss":
        headers = bearer(signer.token(aud, iss="https://attacker.example"))
    elif case == "other-key":
        headers = bearer(Signer(kid=signer.kid).token(aud))  # same kid, a key the EHR never published
    elif case == "alg-none":
        headers = bearer(jwt.encode({"iss": ISSUER, "aud": aud, "exp": int(time.time()) + 60,
                                     "iat": int(time.time()), "jti": "n1"}, None, algorithm="none",
                                    headers={"kid": signer.kid}))
    elif case == "hmac":  # the public JWK used as an HMAC secret: the classic algorithm-confusion attack
        headers = bearer(_hs256({"alg": "HS256", "typ": "JWT", "kid": signer.kid},
                                {"iss": ISSUER, "aud": aud, "exp": int(time.time()) + 60, "iat": int(time.time()),
                                 "jti": "h1"}, json.dumps(signer.jwks()["keys"][0]).encode()))
    elif case == "too-long":
        headers = bearer(signer.token(aud, lifetime=24 * 3600))
    elif case == "jku-elsewhere":
        headers = bearer(signer.token(aud, headers={"jku": "https://attacker.example/jwks.json"}))
    resp = authed.post(PV, json=fixture("patient_view_ehr_shapes"), headers=headers)
    if case == "jku-elsewhere":  # the issuer's keys come from a local file: a jku is never fetched
        assert resp.status_code == 200, resp.text
        return
    assert resp.status_code == 401, (case, resp.text)
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert _problem_field(resp) == "Authorization"
    assert "cards" not in resp.text


def test_feedback_needs_the_jwt_too_and_aud_is_the_feedback_url(authed: Any, signer: Signer) -> None:
    cards = authed.post(PV, json=fixture("patient_view_ehr_shapes"),
                        headers=bearer(signer.token(BASE + PV))).json()["cards"]
    body = {"feedback": [{"card": cards[0]["uuid"], "outcome": "overridden",
                          "outcomeTimestamp": "2026-11-21T10:06:02Z"}]}
    assert authed.post(PV + "/feedback", json=body).status_code == 401
    wrong = authed.post(PV + "/feedback", json=body, headers=bearer(signer.token(BASE + PV)))
    assert wrong.status_code == 401 and "aud" in wrong.json()["detail"]
    ok = authed.post(PV + "/feedback", json=body, headers=bearer(signer.token(BASE + PV + "/feedback")))
    assert ok.status_code == 200 and ok.json() == {"stored": 1}


def test_sandbox_double_slash_url_and_its_aud(authed: Any, signer: Signer) -> None:
    # the sandbox joins "http://host/cds-services/" + "/id" and signs that URL as aud
    url = "/cds-services//nephroguide-patient-view"
    resp = authed.post(url, json=fixture("patient_view_ehr_shapes"), headers=bearer(signer.token(BASE + url)))
    assert resp.status_code == 200, resp.text


def test_discovery_stays_open(authed: Any) -> None:
    resp = authed.get("/cds-services")
    assert resp.status_code == 200 and len(resp.json()["services"]) == 2


class _JwksHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    hits = 0
    delay = 0.0

    def do_GET(self) -> None:
        type(self).hits += 1
        if type(self).delay:
            time.sleep(type(self).delay)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        except (BrokenPipeError, ConnectionResetError):  # the service gave up waiting (the timeout test)
            pass

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def jwks_server(signer: Signer) -> Iterator[tuple[str, type[_JwksHandler]]]:
    handler = type("Handler", (_JwksHandler,), {"body": json.dumps(signer.jwks()).encode(), "hits": 0, "delay": 0.0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json", handler
    finally:
        server.shutdown()
        server.server_close()


def test_jwks_url_is_fetched_once_and_cached(tmp_path: Path, signer: Signer,
                                             jwks_server: tuple[str, type[_JwksHandler]]) -> None:
    url, handler = jwks_server
    c = client(tmp_path, cds_auth=True, cds_issuers=((ISSUER, url),))
    for _ in range(3):
        resp = c.post(PV, json=fixture("patient_view_ehr_shapes"),
                      headers=bearer(signer.token(BASE + PV, headers={"jku": url})))
        assert resp.status_code == 200, resp.text
    assert handler.hits == 1
    # a jku that is not the issuer's configured JWKS URL is refused (never fetched)
    bad = c.post(PV, json=fixture("patient_view_ehr_shapes"),
                 headers=bearer(signer.token(BASE + PV, headers={"jku": url + "?other"})))
    assert bad.status_code == 401 and "jku" in bad.json()["detail"] and handler.hits == 1


def test_jwks_url_fetch_has_a_timeout(tmp_path: Path, signer: Signer,
                                      jwks_server: tuple[str, type[_JwksHandler]]) -> None:
    url, handler = jwks_server
    handler.delay = 1.5
    c = client(tmp_path, cds_auth=True, cds_issuers=((ISSUER, url),), cds_jwks_timeout_s=0.2)
    resp = c.post(PV, json=fixture("patient_view_ehr_shapes"), headers=bearer(signer.token(BASE + PV)))
    assert resp.status_code == 401
    assert "could not be fetched (ReadTimeout)" in resp.json()["detail"]


def test_serve_turns_auth_on_off_loopback_and_needs_an_issuer() -> None:
    from click.testing import CliRunner

    from nephroguide.cli import cli
    from nephroguide.web.cds.config import apply_serve_options

    env: dict[str, str] = {}
    apply_serve_options(env, host="127.0.0.1", auth="auto", issuers=(), origins=(), plan_link_ttl=None,
                        frame_ancestors=())
    assert env["NEPHROGUIDE_CDS_AUTH"] == "off"
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "0"],
                                env={"NEPHROGUIDE_CDS_AUTH": "", "NEPHROGUIDE_CDS_ISSUERS": ""})
    assert result.exit_code == 2 and "no trusted issuer" in result.output
    result = CliRunner().invoke(cli, ["serve", "--cds-origin", "*", "--port", "0"],
                                env={"NEPHROGUIDE_CDS_AUTH": "", "NEPHROGUIDE_CDS_ORIGINS": ""})
    assert result.exit_code == 2 and "only with CDS authentication on" in result.output


def test_auth_needs_the_services_own_url_never_the_host_header(tmp_path: Path, signer: Signer) -> None:
    from nephroguide.web.app import create_app
    from nephroguide.web.cds.config import ConfigError
    from nephroguide.web.settings import Settings

    jwks = str(signer.write_jwks(tmp_path / "jwks.json"))
    with pytest.raises(ConfigError, match="public base URL"):
        create_app(Settings(home=tmp_path, cds_auth=True, cds_issuers=((ISSUER, jwks),)))
    c = client(tmp_path, cds_auth=True, cds_issuers=((ISSUER, jwks),), base_url="https://cds.example.org")
    other = "https://other-service.example"   # a token the EHR made for another service, replayed here
    resp = c.post(PV, json=fixture("patient_view_ehr_shapes"), headers={
        "Host": "other-service.example", **bearer(signer.token(other + PV))})
    assert resp.status_code == 401 and "aud" in resp.json()["detail"]
    ok = c.post(PV, json=fixture("patient_view_ehr_shapes"), headers=bearer(signer.token("https://cds.example.org" + PV)))
    assert ok.status_code == 200, ok.text


def test_app_refuses_star_origin_without_auth(tmp_path: Path) -> None:
    from nephroguide.web.cds.config import ConfigError

    with pytest.raises(ConfigError):
        client(tmp_path, cds_origins=("*",))
