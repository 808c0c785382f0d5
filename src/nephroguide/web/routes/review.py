"""The review workflow on the web: login, dashboard, proposals with diffs, articles, audit; and its JSON API.

* Pages (``/login``, ``/review/...``) use a login session: cookie ``ng_session`` (random, HttpOnly,
  SameSite=Lax, Secure unless development mode or ``NEPHROGUIDE_SECURE_COOKIES=0``); the store keeps only
  its HMAC. Every form POST carries the app's double-submit CSRF token (:mod:`nephroguide.web.csrf`).
* The JSON API (``/api/v1/review/...``) takes an API token (``Authorization: Bearer ngt_...``) and never
  reads cookies, so it needs no CSRF token.
* Every write is authorised by the service (:mod:`nephroguide.review.service`) from the user's role on the
  server: 401 without a login, 403 for the wrong role or one's own proposal, 409 for a lost race, 429
  after too many failed logins.

Service calls block (database, argon2, export), so they run in the thread pool.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from nephroguide.errors import AuthenticationError, InputError, TooManyAttemptsError
from nephroguide.web import csrf
from nephroguide.web.body import read_json_object
from nephroguide.web.problems import ProblemError
from nephroguide.web.render import render
from nephroguide.web.routes.common import AUTH_RESPONSES, ERROR_RESPONSES, json_body, validate_model

api_router = APIRouter(prefix="/review", tags=["review"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES})
page_router = APIRouter(include_in_schema=False)

SESSION_COOKIE = "ng_session"
ACTIONS = {"submit": "submit", "start": "start", "approve": "approve", "request-changes": "request_changes",
           "withdraw": "withdraw"}
MAX_CONTENT = 200_000
MAX_ID = 2**31 - 1  # ids and versions are 32-bit INTEGER columns: larger numbers are a 422, not a database error
PID = PathParam(..., ge=1, le=MAX_ID, description="proposal id")
ACTION = PathParam(..., max_length=40, description="submit, start, approve, request-changes or withdraw "
                                                   "(another word: 404)")
AID = PathParam(..., min_length=1, max_length=120, description="article id")
MAX_BEFORE = 2**63 - 1  # audit paging bound: a larger number is a 422 naming `before`, never a database error


# ------------------------------------------------------------------------------------------------ plumbing

def _settings(request: Request) -> Any:
    st = getattr(request.app.state, "review_settings", None)
    if st is None:
        from nephroguide.review.settings import ReviewSettings

        try:
            st = ReviewSettings.from_env(request.app.state.settings.home)
        except InputError as exc:
            raise ProblemError(503, "Review workflow not configured", exc.one_line(), field=exc.field) from None
        request.app.state.review_settings = st
    return st


def _service_sync(app: Any, settings: Any) -> Any:
    svc = getattr(app.state, "review_service", None)
    if svc is None:
        from nephroguide.review.service import Review

        svc = Review.from_settings(settings)
        app.state.review_service = svc
    return svc


async def service(request: Request) -> Any:
    svc = getattr(request.app.state, "review_service", None)
    if svc is not None:
        return svc
    return await run_in_threadpool(_service_sync, request.app, _settings(request))


def client_ip(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


async def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return await run_in_threadpool(fn, *args, **kwargs)


async def api_user(request: Request) -> Any:
    """The user of an API token (``Authorization: Bearer ...``); 401 without a valid one."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send an API token: Authorization: Bearer ngt_... (`nephroguide users token`)",
                                  field="Authorization")
    svc = await service(request)
    user = await call(svc.user_for_token, token.strip())
    if user is None:
        raise AuthenticationError("the API token is not valid (unknown or revoked)", field="Authorization")
    return user


async def page_user(request: Request) -> Any:
    """The logged-in user of a page (None when not logged in)."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie:
        return None
    svc = await service(request)
    return await call(svc.user_for_session, cookie)


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _safe_next(value: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    v = (value or "").strip()
    if not v.startswith("/") or v.startswith("//") or "\\" in v or any(ord(c) < 32 for c in v):
        return "/review"
    return v


def diff_lines(diff: str) -> list[tuple[str, str]]:
    out = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            cls = "file"
        elif line.startswith("@@"):
            cls = "hunk"
        elif line.startswith("+"):
            cls = "add"
        elif line.startswith("-"):
            cls = "del"
        else:
            cls = "ctx"
        out.append((cls, line))
    return out


def _int_or_none(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        raise InputError("must be a whole number", field=field) from None


# ------------------------------------------------------------------------------------------------ JSON API

class ProposalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kb_id: str = Field(min_length=1, max_length=120, description="id, or kind:id for sources, drugs, ...")
    action: Literal["edit", "add", "retire"] = "edit"
    kind: str | None = Field(None, max_length=40, description="for action add")
    file: str | None = Field(None, max_length=200, description="for action add: the pack file")
    content: dict[str, Any] | None = Field(None, description="the entry (edit: omit to confirm the current version)")
    comment: str = Field("", max_length=10_000)
    submit: bool = False


class ReviseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: dict[str, Any] | None = None
    comment: str | None = Field(None, max_length=10_000)
    expected_version: int | None = Field(None, ge=0, le=MAX_ID)


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(None, ge=0, le=MAX_ID, description="refuse with 409 unless the state version is still this")
    comment: str = Field("", max_length=10_000)


class ArticleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2_000)
    audience: Literal["clinician", "family", "student"] = "clinician"


async def _optional_body(request: Request, model: type[BaseModel]) -> Any:
    if not (await request.body()).strip():
        return model()
    return validate_model(model, await read_json_object(request))


@api_router.get("/me", summary="The user of the API token")
async def api_me(request: Request) -> JSONResponse:
    user = await api_user(request)
    return JSONResponse({"record": "nephroguide.user/1", **user.to_json()})


@api_router.get("/proposals", summary="Proposals, newest first")
async def api_proposals(request: Request, state: str | None = Query(None, max_length=30),
                        kb_id: str | None = Query(None, max_length=120)) -> JSONResponse:
    from nephroguide.review.auth import require

    require(await api_user(request), "read")
    svc = await service(request)
    rows = await call(svc.list_proposals, state=state, kb_id=kb_id)
    return JSONResponse({"record": "nephroguide.proposals/1", "proposals": rows})


@api_router.post("/proposals", status_code=201, summary="Propose a new version of a knowledge entry",
                 openapi_extra=json_body(ProposalBody))
async def api_propose(request: Request) -> JSONResponse:
    user = await api_user(request)
    body = validate_model(ProposalBody, await read_json_object(request))
    svc = await service(request)
    p = await call(svc.propose, user, body.kb_id, body.content, action=body.action, kind=body.kind, file=body.file,
                   comment=body.comment, submit=body.submit, ip=client_ip(request))
    return JSONResponse(p, status_code=201, headers={"Location": f"/api/v1/review/proposals/{p['id']}"})


@api_router.get("/proposals/{pid}", summary="One proposal with its diff and history")
async def api_proposal(request: Request, pid: int = PID) -> JSONResponse:
    from nephroguide.review.auth import require

    require(await api_user(request), "read")
    svc = await service(request)
    return JSONResponse(await call(svc.proposal, pid))


@api_router.post("/proposals/{pid}/revise", summary="The author rewrites a draft or a proposal sent back",
                 openapi_extra=json_body(ReviseBody))
async def api_revise(request: Request, pid: int = PID) -> JSONResponse:
    user = await api_user(request)
    body = validate_model(ReviseBody, await read_json_object(request))
    svc = await service(request)
    return JSONResponse(await call(svc.revise, user, pid, body.content, comment=body.comment,
                                   expected=body.expected_version, ip=client_ip(request)))


@api_router.post("/proposals/{pid}/{action}", summary="submit, start, approve, request-changes or withdraw",
                 openapi_extra=json_body(ActionBody, required=False))
async def api_act(request: Request, pid: int = PID, action: str = ACTION) -> JSONResponse:
    if action not in ACTIONS:
        raise ProblemError(404, "Not found", f"no action {action[:40]!r}; one of {', '.join(ACTIONS)}", field="action")
    user = await api_user(request)
    body = await _optional_body(request, ActionBody)
    svc = await service(request)
    return JSONResponse(await call(svc.act, user, pid, ACTIONS[action], expected=body.expected_version,
                                   comment=body.comment, ip=client_ip(request)))


@api_router.get("/entries/{kb_id}", summary="A knowledge entry's approved content and versions")
async def api_entry(request: Request, kb_id: str = PathParam(..., min_length=1, max_length=200)) -> JSONResponse:
    from nephroguide.review.auth import require

    require(await api_user(request), "read")
    svc = await service(request)
    return JSONResponse(await call(svc.entry, kb_id))


@api_router.get("/status", summary="Review status of an answer resting on these knowledge ids")
async def api_status(request: Request, kb_id: list[str] = Query(..., max_length=500)) -> JSONResponse:
    from nephroguide.review import review_status
    from nephroguide.review.auth import require

    require(await api_user(request), "read")
    st = _settings(request)
    return JSONResponse(await call(review_status, kb_id, url=st.database_url))


@api_router.get("/articles", summary="Published articles")
async def api_articles(request: Request, state: str | None = Query(None, max_length=30)) -> JSONResponse:
    from nephroguide.review.auth import require

    require(await api_user(request), "read")
    svc = await service(request)
    return JSONResponse({"record": "nephroguide.articles/1", "articles": await call(svc.list_articles, state=state)})


@api_router.post("/articles", status_code=201, summary="Publish a canonical question as an article",
                 openapi_extra=json_body(ArticleBody))
async def api_publish(request: Request) -> JSONResponse:
    user = await api_user(request)
    body = validate_model(ArticleBody, await read_json_object(request))
    svc = await service(request)
    a = await call(svc.publish_article, user, body.question, body.audience, ip=client_ip(request))
    return JSONResponse(a, status_code=201)


@api_router.get("/articles/{aid}", summary="One article with its review record")
async def api_article(request: Request, aid: str = AID) -> JSONResponse:
    from nephroguide.review.auth import require

    require(await api_user(request), "read")
    svc = await service(request)
    return JSONResponse(await call(svc.article, aid))


@api_router.post("/articles/{aid}/{action}", summary="submit, start, approve, request-changes or withdraw",
                 openapi_extra=json_body(ActionBody, required=False))
async def api_article_act(request: Request, aid: str = AID, action: str = ACTION) -> JSONResponse:
    if action not in ACTIONS:
        raise ProblemError(404, "Not found", f"no action {action[:40]!r}; one of {', '.join(ACTIONS)}", field="action")
    user = await api_user(request)
    body = await _optional_body(request, ActionBody)
    svc = await service(request)
    return JSONResponse(await call(svc.act_article, user, aid, ACTIONS[action], expected=body.expected_version,
                                   comment=body.comment, ip=client_ip(request)))


@api_router.post("/export", summary="Export the approved pack to the home directory and serve it (no body)")
async def api_export(request: Request) -> JSONResponse:
    user = await api_user(request)
    svc = await service(request)
    return JSONResponse(await call(svc.export, user, ip=client_ip(request)))


@api_router.get("/audit", summary="The audit log, newest first")
async def api_audit(request: Request, limit: int = Query(50, ge=1, le=1000), before: int | None = Query(None, ge=1, le=MAX_BEFORE)) \
        -> JSONResponse:
    user = await api_user(request)
    svc = await service(request)
    return JSONResponse({"record": "nephroguide.audit/1",
                         "rows": await call(svc.audit_rows, user, limit=limit, before=before)})


@api_router.get("/audit/verify", summary="Recompute the audit log's hash chain")
async def api_audit_verify(request: Request) -> JSONResponse:
    user = await api_user(request)
    svc = await service(request)
    return JSONResponse(await call(svc.audit_verify, user))


# ------------------------------------------------------------------------------------------------ pages: login

def _login_context(next_: str, name: str = "", problem: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"title": "Log in", "next": _safe_next(next_), "name": name, "problem": problem}


@page_router.get("/login")
async def login_page(request: Request, next: str = Query("/review", max_length=500)) -> Response:
    _settings(request)
    return render(request, "review_login.html", _login_context(next))


@page_router.post("/login")
async def login_submit(request: Request) -> Response:
    await csrf.check(request)
    form = await request.form()
    name = str(form.get("name") or "")[:200]
    password = str(form.get("password") or "")[:2000]
    next_ = _safe_next(str(form.get("next") or "/review"))
    st = _settings(request)
    svc = await service(request)
    try:
        _user, cookie = await call(svc.login, name, password, ip=client_ip(request), via="web", session=True)
    except (AuthenticationError, TooManyAttemptsError) as exc:
        status = exc.http_status
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, TooManyAttemptsError) else {}
        problem = {"title": exc.title, "detail": exc.one_line(), "status": status}
        response = render(request, "review_login.html", _login_context(next_, name, problem), status_code=status)
        response.headers.update(headers)
        return response
    response = RedirectResponse(next_, status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie or "", max_age=st.session_ttl_s, httponly=True, samesite="lax",
                        secure=st.secure_cookies, path="/")
    return response


@page_router.post("/logout")
async def logout(request: Request) -> Response:
    await csrf.check(request)
    svc = await service(request)
    user = await page_user(request)
    await call(svc.logout, request.cookies.get(SESSION_COOKIE, ""), user, ip=client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ------------------------------------------------------------------------------------------------ pages: review

async def _require_page_user(request: Request) -> Any:
    """The logged-in user for a form POST: 401 (never a redirect) without a session."""
    user = await page_user(request)
    if user is None:
        raise AuthenticationError("log in first (/login)", field="session")
    return user


def _can(user: Any, permission: str) -> bool:
    from nephroguide.review.auth import PERMISSIONS

    return user is not None and user.role in PERMISSIONS[permission]


@page_router.get("/review")
async def dashboard(request: Request, state: str | None = Query(None, max_length=30)) -> Response:
    from nephroguide.review.auth import require

    user = await page_user(request)
    if user is None:
        return _login_redirect(request)
    require(user, "read")
    svc = await service(request)
    proposals = await call(svc.list_proposals, state=state or None)
    arts = await call(svc.list_articles)
    return render(request, "review_dashboard.html", {
        "title": "Review", "user": user, "proposals": proposals, "articles": arts, "state": state or "",
        "states": ["open", "draft", "submitted", "under_review", "changes_requested", "approved", "withdrawn"],
        "can_propose": _can(user, "propose"), "can_audit": _can(user, "audit")})


@page_router.get("/review/proposals/{pid}")
async def proposal_page(request: Request, pid: int = PID) -> Response:
    from nephroguide.review.auth import require

    user = await page_user(request)
    if user is None:
        return _login_redirect(request)
    require(user, "read")
    svc = await service(request)
    p = await call(svc.proposal, pid)
    own = p["author"] == user.name
    reviewer = _can(user, "review") and not own
    actions = []
    if own and p["state"] in ("draft", "changes_requested"):
        actions.append(("submit", "Submit for review", False))
    if reviewer and p["state"] == "submitted":
        actions.append(("start", "Start review", False))
    if reviewer and p["state"] in ("submitted", "under_review"):
        actions += [("approve", "Approve this version", False), ("request-changes", "Request changes", True)]
    if own and p["state"] in ("draft", "submitted", "under_review", "changes_requested"):
        actions.append(("withdraw", "Withdraw", False))
    return render(request, "review_proposal.html", {
        "title": f"Proposal {p['id']}", "user": user, "p": p, "diff": diff_lines(p["diff"]), "actions": actions,
        "own": own, "can_revise": own and p["state"] in ("draft", "changes_requested")})


@page_router.post("/review/proposals/{pid}/{action}")
async def proposal_action(request: Request, pid: int = PID, action: str = ACTION) -> Response:
    await csrf.check(request)
    user = await _require_page_user(request)
    if action not in ACTIONS:
        raise ProblemError(404, "Not found", f"no action {action[:40]!r}", field="action")
    form = await request.form()
    svc = await service(request)
    await call(svc.act, user, pid, ACTIONS[action], expected=_int_or_none(form.get("expected"), "expected"),
               comment=str(form.get("comment") or ""), ip=client_ip(request))
    return RedirectResponse(f"/review/proposals/{pid}", status_code=303)


def _new_context(user: Any, values: dict[str, str], problem: dict[str, Any] | None = None) -> dict[str, Any]:
    from nephroguide.review.content import KINDS

    return {"title": "Propose a change", "user": user, "values": values, "kinds": list(KINDS), "problem": problem}


@page_router.get("/review/new")
async def new_page(request: Request, kb_id: str = Query("", max_length=120),
                   action: str = Query("edit", max_length=10), revise: int | None = Query(None, ge=1, le=MAX_ID)) -> Response:
    from nephroguide.review.auth import require

    user = await page_user(request)
    if user is None:
        return _login_redirect(request)
    require(user, "propose")
    svc = await service(request)
    values = {"kb_id": kb_id, "action": action if action in ("edit", "add", "retire") else "edit", "kind": "",
              "file": "", "content": "", "comment": "", "revise": ""}
    if revise is not None:
        p = await call(svc.proposal, revise)
        values.update(kb_id=p["kb_id"] if ":" not in p["key"] else p["key"], action=p["action"],
                      content=p["content_yaml"], comment=p["comment"], revise=str(p["id"]),
                      expected=str(p["state_version"]))
    elif kb_id and values["action"] != "add":
        entry = await call(svc.entry, kb_id)
        values["content"] = entry["content_yaml"]
    return render(request, "review_new.html", _new_context(user, values))


@page_router.post("/review/new")
async def new_submit(request: Request) -> Response:
    from nephroguide.review.content import parse_text

    await csrf.check(request)
    user = await _require_page_user(request)
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("kb_id", "action", "kind", "file", "content", "comment", "revise",
                                                  "expected")}
    if len(values["content"]) > MAX_CONTENT:
        raise InputError(f"the entry is longer than {MAX_CONTENT} characters", field="content")
    request.state.form_page = ("review_new.html", _new_context(user, values))
    svc = await service(request)
    action = values["action"] if values["action"] in ("edit", "add", "retire") else "edit"
    content = parse_text(values["content"]) if values["content"].strip() and action != "retire" else None
    submit = form.get("submit_now") == "1"
    if values["revise"]:
        p = await call(svc.revise, user, values["revise"], content, comment=values["comment"],
                       expected=_int_or_none(values["expected"], "expected"), ip=client_ip(request))
        if submit:
            p = await call(svc.act, user, p["id"], "submit", ip=client_ip(request))
    else:
        p = await call(svc.propose, user, values["kb_id"], content, action=action, kind=values["kind"] or None,
                       file=values["file"] or None, comment=values["comment"], submit=submit, ip=client_ip(request))
    return RedirectResponse(f"/review/proposals/{p['id']}", status_code=303)


@page_router.get("/review/articles/{aid}")
async def article_page(request: Request, aid: str = AID) -> Response:
    from nephroguide.review.auth import require

    user = await page_user(request)
    if user is None:
        return _login_redirect(request)
    require(user, "read")
    svc = await service(request)
    a = await call(svc.article, aid)
    own = a["author"] == user.name
    reviewer = _can(user, "review") and not own
    actions = []
    if own and a["state"] == "changes_requested":
        actions.append(("submit", "Submit again", False))
    if reviewer and a["state"] == "submitted":
        actions.append(("start", "Start review", False))
    if reviewer and a["state"] in ("submitted", "under_review"):
        actions += [("approve", "Approve the article", False), ("request-changes", "Request changes", True)]
    if own and a["state"] != "withdrawn":
        actions.append(("withdraw", "Withdraw", False))
    return render(request, "review_article.html", {"title": f"Article {a['id']}", "user": user, "a": a,
                                                   "actions": actions})


@page_router.post("/review/articles")
async def article_publish(request: Request) -> Response:
    await csrf.check(request)
    user = await _require_page_user(request)
    form = await request.form()
    svc = await service(request)
    a = await call(svc.publish_article, user, str(form.get("question") or ""), str(form.get("audience") or "clinician"),
                   ip=client_ip(request))
    return RedirectResponse(f"/review/articles/{a['id']}", status_code=303)


@page_router.post("/review/articles/{aid}/{action}")
async def article_action(request: Request, aid: str = AID, action: str = ACTION) -> Response:
    await csrf.check(request)
    user = await _require_page_user(request)
    if action not in ACTIONS:
        raise ProblemError(404, "Not found", f"no action {action[:40]!r}", field="action")
    form = await request.form()
    svc = await service(request)
    a = await call(svc.act_article, user, aid, ACTIONS[action], expected=_int_or_none(form.get("expected"), "expected"),
                   comment=str(form.get("comment") or ""), ip=client_ip(request))
    return RedirectResponse(f"/review/articles/{a['id']}", status_code=303)


@page_router.get("/review/audit")
async def audit_page(request: Request, before: int | None = Query(None, ge=1, le=MAX_BEFORE)) -> Response:
    user = await page_user(request)
    if user is None:
        return _login_redirect(request)
    svc = await service(request)
    rows = await call(svc.audit_rows, user, limit=100, before=before)
    verify = await call(svc.audit_verify, user)
    return render(request, "review_audit.html", {"title": "Audit log", "user": user, "rows": rows, "verify": verify})

