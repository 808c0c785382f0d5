"""CSRF protection for HTML forms: a double-submit token (cookie + hidden field), compared in constant time.

The JSON API is stateless and token-free (it takes no cookies, and browsers cannot send JSON
cross-site without a CORS preflight, which this app never grants). Every HTML form that is POSTed
carries the token, including the forms that only compute (ask, planner).
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from fastapi.responses import Response

from nephroguide.web.problems import ProblemError

COOKIE = "ng_csrf"
FIELD = "csrf_token"


def token_for(request: Request) -> str:
    """The request's CSRF token: the cookie's value, or a new one (set on the response by ``render``)."""
    existing = getattr(request.state, "csrf_token", None)
    if existing:
        return str(existing)
    cookie = request.cookies.get(COOKIE, "")
    if len(cookie) >= 32 and cookie.replace("-", "").replace("_", "").isalnum():
        request.state.csrf_token = cookie
        request.state.csrf_new = False
    else:
        request.state.csrf_token = secrets.token_urlsafe(32)
        request.state.csrf_new = True
    return str(request.state.csrf_token)


def set_cookie(request: Request, response: Response, secure: bool) -> None:
    """Set the token cookie when this request created the token."""
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(COOKIE, request.state.csrf_token, httponly=True, samesite="strict", secure=secure,
                            path="/")


async def check(request: Request) -> None:
    """Reject a form POST whose hidden token does not match its cookie (403 problem)."""
    form = await request.form()
    sent = form.get(FIELD)
    cookie = request.cookies.get(COOKIE)
    if not isinstance(sent, str) or not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise ProblemError(403, "Forbidden", "the form's security token is missing or does not match; reload the "
                                             "page and submit the form again", field=FIELD)
