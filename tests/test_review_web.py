"""The review workflow over HTTP: login, sessions, CSRF, roles (401/403), conflicts (409), throttling (429),
API tokens, injection strings rendered escaped, the dashboard and the diff page, settings that refuse a
weak secret key."""

from __future__ import annotations

import re
import threading
import warnings
from pathlib import Path

import pytest

from review_support import BACKENDS, Workflow, entry_content, make_store_url, make_workflow

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from nephroguide.review.settings import ReviewSettings
from nephroguide.web.app import create_app
from nephroguide.web.settings import Settings

DOSE = "tacrolimus.srns.kdigo2025"
REC = "srns.cni.first_line"
XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"
SQLI = "'; DROP TABLE review_users; --"


@pytest.fixture(params=["sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    yield from make_store_url(request.param, tmp_path)


@pytest.fixture(params=BACKENDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path):
    yield from make_store_url(request.param, tmp_path)


def _app(wf: Workflow, *, secure: bool = False):
    app = create_app(Settings(home=wf.home))
    app.state.review_settings = ReviewSettings(database_url=wf.url, secret_key=b"s" * 16 + b"0123456789abcdefXYZ",
                                               secure_cookies=secure, home=wf.home)
    app.state.review_service = wf.review
    wf.review.secret_key = app.state.review_settings.secret_key
    return app


@pytest.fixture
def wf(store, tmp_path: Path) -> Workflow:
    return make_workflow(store.url, store.backend, tmp_path / "home")


@pytest.fixture
def client(wf: Workflow) -> TestClient:
    return TestClient(_app(wf), raise_server_exceptions=False)


def csrf_token(client: TestClient, path: str = "/login") -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client: TestClient, name: str, password: str | None = None) -> str:
    tok = csrf_token(client)
    r = client.post("/login", data={"csrf_token": tok, "name": name, "password": password or f"{name}-password-1",
                                    "next": "/review"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return tok


def bearer(wf: Workflow, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {wf.tokens[name]}"}


def assert_problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in resp.text
    return resp.json()


# ------------------------------------------------------------------------------------------------ 401 / 403

def test_unauthenticated_writes_are_refused(wf: Workflow, client: TestClient) -> None:
    body = {"kb_id": DOSE, "content": entry_content(wf.review, DOSE)}
    r = client.post("/api/v1/review/proposals", json=body)
    assert_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert_problem(client.post("/api/v1/review/proposals", json=body, headers={"Authorization": "Bearer ngt_nope"}), 401)
    assert_problem(client.post("/api/v1/review/proposals/1/approve"), 401)
    assert_problem(client.get("/api/v1/review/proposals"), 401)
    # pages: a form POST with a valid CSRF token but no login
    tok = csrf_token(client)
    r = client.post("/review/new", data={"csrf_token": tok, "kb_id": DOSE, "action": "edit", "content": "id: x"})
    assert r.status_code == 401 and "log in first" in r.text
    p = wf.review.propose(wf.users["eddie"], DOSE, submit=True)
    r = client.post(f"/review/proposals/{p['id']}/approve", data={"csrf_token": tok})
    assert r.status_code == 401
    assert wf.review.proposal(p["id"])["state"] == "submitted"
    # reading pages without a login redirects to the login page
    r = client.get(f"/review/proposals/{p['id']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=%2Freview%2Fproposals%2F{p['id']}"


def test_a_reader_cannot_approve_and_an_editor_cannot_approve_their_own(wf: Workflow, client: TestClient) -> None:
    r = client.post("/api/v1/review/proposals", headers=bearer(wf, "eddie"),
                    json={"kb_id": DOSE, "content": entry_content(wf.review, DOSE), "submit": True})
    assert r.status_code == 201 and r.headers["location"].endswith(f"/{r.json()['id']}")
    pid = r.json()["id"]
    body = assert_problem(client.post(f"/api/v1/review/proposals/{pid}/approve", headers=bearer(wf, "rob")), 403)
    assert body["errors"][0]["field"] == "role"
    assert_problem(client.post(f"/api/v1/review/proposals/{pid}/approve", headers=bearer(wf, "eddie")), 403)
    assert_problem(client.post("/api/v1/review/proposals", headers=bearer(wf, "rob"),
                               json={"kb_id": DOSE, "content": entry_content(wf.review, DOSE)}), 403)
    # a reviewer who wrote the change cannot approve it either (pages and API)
    own = client.post("/api/v1/review/proposals", headers=bearer(wf, "rita"),
                      json={"kb_id": REC, "submit": True}).json()
    body = assert_problem(client.post(f"/api/v1/review/proposals/{own['id']}/approve", headers=bearer(wf, "rita")), 403)
    assert "another reviewer" in body["detail"]
    tok = login(client, "eddie")
    r = client.post(f"/review/proposals/{pid}/approve", data={"csrf_token": tok})
    assert r.status_code == 403 and "text/html" in r.headers["content-type"]
    assert wf.review.proposal(pid)["state"] == "submitted"
    ok = client.post(f"/api/v1/review/proposals/{pid}/approve", headers=bearer(wf, "rex"))
    assert ok.status_code == 200 and ok.json()["state"] == "approved" and ok.json()["reviewer"] == "rex"


def test_forged_csrf_tokens_are_refused(wf: Workflow, client: TestClient) -> None:
    tok = login(client, "rita")
    p = wf.review.propose(wf.users["eddie"], DOSE, submit=True)
    for data in ({}, {"csrf_token": "forged" * 8}, {"csrf_token": tok[:-2] + "xx"}):
        r = client.post(f"/review/proposals/{p['id']}/approve", data=data)
        assert r.status_code == 403 and "security token" in r.text
        r = client.post("/logout", data=data)
        assert r.status_code == 403
    other = TestClient(client.app, raise_server_exceptions=False)   # another browser's valid token
    r = client.post(f"/review/proposals/{p['id']}/approve", data={"csrf_token": csrf_token(other)})
    assert r.status_code == 403
    r = other.post("/login", data={"csrf_token": tok, "name": "rita", "password": "rita-password-1"})
    assert r.status_code == 403      # login CSRF: a token not matching the cookie
    assert wf.review.proposal(p["id"])["state"] == "submitted"
    r = client.post(f"/review/proposals/{p['id']}/approve", data={"csrf_token": tok}, follow_redirects=False)
    assert r.status_code == 303


# ------------------------------------------------------------------------------------------------ sessions, login

def test_login_sets_a_safe_session_cookie_and_logout_ends_it(wf: Workflow) -> None:
    client = TestClient(_app(wf, secure=True), base_url="https://testserver", raise_server_exceptions=False)
    tok = csrf_token(client)
    r = client.post("/login", data={"csrf_token": tok, "name": "rita", "password": "rita-password-1",
                                    "next": "//evil.example/x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review"   # no open redirect
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("ng_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" in cookie and "Max-Age=28800" in cookie
    page = client.get("/review")
    assert page.status_code == 200 and "Logged in as <strong>rita</strong>" in page.text
    r = client.post("/logout", data={"csrf_token": tok}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/review", follow_redirects=False).status_code == 303
    rows = wf.review.audit_rows(limit=3)
    assert [x["action"] for x in rows[:2]] == ["logout", "login"] and rows[1]["detail"] == {"via": "web"}


def test_login_throttling_over_http(wf: Workflow, client: TestClient) -> None:
    tok = csrf_token(client)
    for _ in range(5):
        r = client.post("/login", data={"csrf_token": tok, "name": "rex", "password": "wrong-password"})
        assert r.status_code == 401 and "wrong account name or password" in r.text
    r = client.post("/login", data={"csrf_token": tok, "name": "rex", "password": "rex-password-1"})
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 900
    assert "too many failed logins" in r.text
    # the same account from another address is not locked out
    assert wf.review.login("rex", "rex-password-1", ip="198.51.100.20")[0].name == "rex"


def test_token_auth(wf: Workflow, client: TestClient) -> None:
    r = client.get("/api/v1/review/me", headers=bearer(wf, "rita"))
    assert r.json() == {"record": "nephroguide.user/1", "name": "rita", "role": "reviewer"}
    for header in ({"Authorization": "Basic cml0YTpw"}, {"Authorization": "Bearer"},
                   {"Authorization": f"Bearer {wf.tokens['rita']}x"}):
        assert_problem(client.get("/api/v1/review/me", headers=header), 401)
    # the API never reads the session cookie
    login(client, "rita")
    assert_problem(client.get("/api/v1/review/me"), 401)
    wf.review.revoke_tokens(wf.users["admin"], "rita")
    assert_problem(client.get("/api/v1/review/me", headers=bearer(wf, "rita")), 401)


# ------------------------------------------------------------------------------------------------ pages

def test_dashboard_diff_and_forms(wf: Workflow, client: TestClient) -> None:
    login(client, "eddie")
    page = client.get(f"/review/new?kb_id={DOSE}")
    assert page.status_code == 200 and "value: 0.1" in page.text
    tok = csrf_token(client, "/review")
    import html

    content = html.unescape(re.search(r'<textarea id="f-content"[^>]*>(.*?)</textarea>', page.text, re.S).group(1))
    r = client.post("/review/new", data={"csrf_token": tok, "kb_id": DOSE, "action": "edit",
                                         "content": content.replace("value: 0.1\n", "value: 0.15\n"),
                                         "comment": "raise it", "submit_now": "1"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert '<span class="del">-  value: 0.1</span>' in page.text and '<span class="add">+  value: 0.15</span>' in page.text
    assert "Approve this version" not in page.text and "Withdraw" in page.text   # the author sees no approve form
    # a validation error is shown on the form, naming the field
    r = client.post("/review/new", data={"csrf_token": tok, "kb_id": DOSE, "action": "edit",
                                         "content": content.replace("value: 0.1\n", "value: -3\n")})
    assert r.status_code == 422 and "content.bases[0].value" in r.text and "value: -3" in r.text
    r = client.post("/review/new", data={"csrf_token": tok, "kb_id": DOSE, "action": "edit", "content": "a: [b"})
    assert r.status_code == 422 and "not valid YAML" in r.text
    client.cookies.clear()
    login(client, "rita")
    dash = client.get("/review?state=submitted")
    assert dash.status_code == 200 and DOSE in dash.text
    pid = re.search(r'href="/review/proposals/(\d+)"', dash.text).group(1)
    page = client.get(f"/review/proposals/{pid}")
    assert "Approve this version" in page.text and "Request changes" in page.text
    expected = re.search(r'name="expected" value="(\d+)"', page.text).group(1)
    tok = csrf_token(client, "/review")
    r = client.post(f"/review/proposals/{pid}/approve", data={"csrf_token": tok, "expected": expected},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/review/proposals/{pid}/approve", data={"csrf_token": tok, "expected": expected})
    assert r.status_code == 409 and "text/html" in r.headers["content-type"]
    assert client.get("/review/audit").status_code == 200


def test_injection_strings_render_escaped(wf: Workflow, client: TestClient) -> None:
    content = entry_content(wf.review, REC)
    content["text"] = XSS + SQLI
    content["title"] = XSS
    r = client.post("/api/v1/review/proposals", headers=bearer(wf, "eddie"),
                    json={"kb_id": REC, "content": content, "comment": XSS + SQLI, "submit": True})
    assert r.status_code == 201 and r.json()["comment"] == XSS + SQLI and r.json()["content"]["text"] == XSS + SQLI
    pid = r.json()["id"]
    client.post(f"/api/v1/review/proposals/{pid}/request-changes", headers=bearer(wf, "rita"),
                json={"comment": XSS})
    login(client, "rex")
    for path in (f"/review/proposals/{pid}", "/review", "/review/audit"):
        page = client.get(path)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, path
    page = client.get(f"/review/proposals/{pid}")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    # articles: the question is stored verbatim and rendered escaped; one its answer cannot ground is refused
    pytest.importorskip("nephroguide.answer.ask")
    question = "dose of tacrolimus in SRNS " + XSS
    r = client.post("/api/v1/review/articles", headers=bearer(wf, "eddie"), json={"question": question})
    if r.status_code == 201:
        assert r.json()["question"] == question
        for path in ("/review", f"/review/articles/{r.json()['id']}"):
            page = client.get(path)
            assert page.status_code == 200 and "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    else:
        assert_problem(r, 422)
    assert_problem(client.post("/api/v1/review/articles", headers=bearer(wf, "eddie"), json={"question": SQLI}), 422)
    # SQL in query parameters and login fields: no effect, just no match
    assert client.get("/api/v1/review/proposals", params={"kb_id": SQLI, "state": "approved"},
                      headers=bearer(wf, "rob")).json()["proposals"] == []
    assert_problem(client.get("/api/v1/review/proposals", params={"state": SQLI}, headers=bearer(wf, "rob")), 422)
    tok = csrf_token(client)
    assert client.post("/login", data={"csrf_token": tok, "name": SQLI, "password": SQLI}).status_code == 401
    assert len(wf.review.list_users()) == 6
    assert wf.review.audit_verify()["ok"]


def test_api_bodies_are_validated(wf: Workflow, client: TestClient) -> None:
    h = bearer(wf, "eddie")
    assert_problem(client.post("/api/v1/review/proposals", headers=h, content=b"{", ), 415)
    assert_problem(client.post("/api/v1/review/proposals", headers={**h, "Content-Type": "application/json"},
                               content=b"{"), 400)
    body = assert_problem(client.post("/api/v1/review/proposals", headers=h, json={"kb_id": DOSE, "extra": 1}), 422)
    assert body["errors"][0]["field"] == "extra"
    bad = entry_content(wf.review, DOSE)
    bad["bases"][0]["value"] = 0
    body = assert_problem(client.post("/api/v1/review/proposals", headers=h, json={"kb_id": DOSE, "content": bad}), 422)
    assert body["errors"][0]["field"] == "content.bases[0].value"
    assert_problem(client.post("/api/v1/review/proposals/1/explode", headers=h), 404)
    assert_problem(client.get("/api/v1/review/proposals/999999", headers=h), 404)


def test_review_status_endpoint(wf: Workflow, client: TestClient) -> None:
    r = client.get("/api/v1/review/status", params=[("kb_id", REC), ("kb_id", DOSE)], headers=bearer(wf, "rob"))
    assert r.status_code == 200 and r.json()["status"] == "unreviewed"


# ------------------------------------------------------------------------------------------------ conflicts

def test_two_reviewers_approving_at_once_over_http(any_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wf = make_workflow(any_store.url, any_store.backend, tmp_path / "home")
    client = TestClient(_app(wf), raise_server_exceptions=False)
    monkeypatch.setenv("NEPHROGUIDE_FAULT_POINT", "approve.before_commit:0.4")
    p = client.post("/api/v1/review/proposals", headers=bearer(wf, "eddie"),
                    json={"kb_id": DOSE, "content": entry_content(wf.review, DOSE), "submit": True}).json()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def approve(name: str) -> None:
        barrier.wait()
        statuses.append(client.post(f"/api/v1/review/proposals/{p['id']}/approve", headers=bearer(wf, name)).status_code)

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("rita", "rex")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [200, 409]


# ------------------------------------------------------------------------------------------------ settings

def test_settings_refuse_a_weak_secret_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from nephroguide.errors import InputError

    monkeypatch.delenv("NEPHROGUIDE_DEV", raising=False)
    monkeypatch.delenv("NEPHROGUIDE_DATABASE_URL", raising=False)
    for key in ("changeme", "secret", "x" * 64, "short-but-random-9f8a"):
        monkeypatch.setenv("NEPHROGUIDE_SECRET_KEY", key)
        with pytest.raises(InputError) as ei:
            ReviewSettings.from_env(tmp_path)
        assert ei.value.field == "NEPHROGUIDE_SECRET_KEY"
    monkeypatch.setenv("NEPHROGUIDE_SECRET_KEY", "Qm9vdHN0cmFwLXJhbmRvbS1rZXktZm9yLXRlc3RzLTEyMzQ1")
    st = ReviewSettings.from_env(tmp_path)
    assert st.secure_cookies and not st.dev_mode and st.database_url.endswith("nephroguide.sqlite3")
    monkeypatch.setenv("NEPHROGUIDE_SECRET_KEY", "")
    monkeypatch.setenv("NEPHROGUIDE_DEV", "1")
    st = ReviewSettings.from_env(tmp_path)
    assert st.dev_mode and len(st.secret_key) >= 32 and not st.secure_cookies
    # no key set (empty or blank): one is generated on first use and kept under the home, mode 0600 (issue 14)
    monkeypatch.delenv("NEPHROGUIDE_DEV")
    for key in ("", "   "):
        monkeypatch.setenv("NEPHROGUIDE_SECRET_KEY", key)
        st = ReviewSettings.from_env(tmp_path)
        assert st.secret_key == (tmp_path / "secret_key").read_text().strip().encode()
        assert len(st.secret_key) >= 32 and (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    client = TestClient(create_app(Settings(home=tmp_path)), raise_server_exceptions=False)
    assert client.get("/login").status_code == 200
    # an unusable key file is named in the 503 the review pages give; the rest of the app works
    (tmp_path / "secret_key").write_text("changeme\n")
    client = TestClient(create_app(Settings(home=tmp_path)), raise_server_exceptions=False)
    r = client.get("/login")
    assert r.status_code == 503 and "NEPHROGUIDE_SECRET_KEY" in r.text and "secret_key" in r.text
    assert client.get("/healthz").status_code == 200
