"""Jinja2 templates: one environment, helpers for the templates, and the page renderer."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from nephroguide.web import csrf

TEMPLATES = Path(__file__).with_name("templates")

_SEVERITY_LABEL = {"critical": "Critical", "warning": "Warning", "info": "Info"}
_VERIFY = {"verified": "verified", "secondary": "pending review: secondary source only",
           "unverified": "pending review: not verified"}


def num(x: Any) -> str:
    """A number as people write it: 2.1, 42, 0.83."""
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def words(x: Any) -> str:
    """An identifier as words: mycophenolate_mofetil -> mycophenolate mofetil."""
    return str(x).replace("_", " ")


def applies_when(kb_id: str) -> str:
    """Why a recommendation applies, in words (its pack condition with human names); "" if unknown."""
    from nephroguide.knowledge.pack import load_pack
    from nephroguide.web import labels

    rec = load_pack().recommendations.get(kb_id)
    if rec is None or rec.applies_when is None:
        return ""
    return labels.describe(rec.applies_when)


def definition_title(set_id: str) -> str:
    """A definition set's title (``current`` -> its title in the pack); the id when unknown."""
    from nephroguide.knowledge.pack import load_pack

    dset = load_pack().definition_sets.get(set_id)
    return str(getattr(dset, "title", "") or set_id) if dset is not None else set_id


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["num"] = num
    env.filters["words"] = words
    env.globals["severity_label"] = _SEVERITY_LABEL
    from nephroguide.web import labels

    env.filters["human"] = labels.name            # {{ code|human('labels') }}: the name people read
    env.filters["grade_words"] = labels.grade     # {{ statement|grade_words }}: "strong recommendation, ... (1B)"
    env.filters["derived_words"] = labels.derived
    env.filters["derived_summary"] = labels.derived_summary
    env.globals["applies_when"] = applies_when
    from nephroguide.web.forms import field_label

    env.globals["field_label"] = field_label
    env.globals["grade_phrases"] = labels.names()["grades"]
    from nephroguide.web.article import plan_pending

    env.globals["plan_pending"] = plan_pending
    env.globals["definition_title"] = definition_title
    env.globals["verify_label"] = _VERIFY
    return env


def render(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> Response:
    """Render a page; the CSRF token is available to every form as ``csrf_token``."""
    token = csrf.token_for(request)
    settings = request.app.state.settings
    for key in ("answer", "plan", "dose"):   # references are numbered [1], [2] on the page (the JSON keeps the ids)
        data = context.get(key)
        if isinstance(data, dict) and data.get("references") and "ref_numbers" not in context:
            context = {**context, "ref_numbers": {r.get("id"): n for n, r in enumerate(data["references"], start=1)}}
    html = environment().get_template(template).render(
        {"request": request, "csrf_token": token, "csrf_field": csrf.FIELD, "path": request.url.path,
         "stages": request.app.state.stages, **context})
    response = HTMLResponse(html, status_code=status_code)
    csrf.set_cookie(request, response, settings.secure_cookies)
    return response


def render_error_page(request: Request, status: int, body: dict[str, Any]) -> Response:
    return render(request, "error.html", {"problem": body, "title": body.get("title", "Error")}, status_code=status)
