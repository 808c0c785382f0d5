"""Render an answer article: Markdown, JSON, and a self-contained HTML page. Presentation only."""

from __future__ import annotations

import html
import json
from typing import Any

from nephroguide.answer.model import Answer, Item
from nephroguide.answer.render_plan import PENDING, grade_md, references_md, refs_md
from nephroguide.engine.types import Statement

_VERIFY = {"verified": "verified", "secondary": "secondary source only", "unverified": "not verified"}
_AUDIENCE = {"clinician": "Clinician", "family": "Family", "student": "Student"}
_SCOPE = {"covered": "covered", "partly_covered": "partly covered (pediatric guidance)", "not_covered": "not covered"}


def _tag(s: Statement, audience: str) -> str:
    """Grade and review mark after a statement, fitted to the audience."""
    if audience == "family":
        return f" _({PENDING})_" if s.pending_review else ""
    tag = grade_md(s.grade, s.verification)
    if audience == "student":
        from nephroguide.answer.audience import grade_explained
        from nephroguide.answer.understand import rules

        explained = grade_explained(s.grade, {str(k): str(v) for k, v in rules().raw["grade_help"].items()})
        if explained:
            tag = tag.replace(f"grade {s.grade}", f"grade {s.grade}: {explained}", 1)
    return f" _({tag})_"


def _item_md(item: Item, audience: str) -> list[str]:
    s = item.statement
    indent = "  " * item.level
    lead = f"**{item.title}** — " if item.title and audience != "family" and item.kind in ("recommendation",) else ""
    lines = [f"{indent}- {lead}{s.text} {refs_md(s.refs)}{_tag(s, audience)}".rstrip()]
    if item.note and audience != "family":
        lines.append(f"{indent}  _{item.note}_")
    return lines


def _short_ref(r: Any) -> str:
    label = r.title or r.citation
    words = label.split()
    label = " ".join(words[:12]) + ("…" if len(words) > 12 else "")
    link = f" https://doi.org/{r.doi}" if r.doi else ""
    return f"{label.rstrip('.')} ({r.year}){link}"


def answer_markdown(a: Answer) -> str:
    """The article as Markdown (the CLI's default output and the JSON's ``markdown`` field)."""
    out = [f"# {a.title}", "", f"> {' '.join(a.question.split())}", ""]
    refs = f" {refs_md(a.summary_refs)}" if a.summary_refs else ""
    out += [f"**{a.summary_text}**{refs}", ""]
    if a.scope_note:   # what the answer does not cover, right under the answer, before anything else
        out += [f"> **Scope:** {a.scope_note}", ""]
    meta = [f"Audience: {_AUDIENCE.get(a.audience, a.audience)}", f"Scope: {_SCOPE.get(a.scope, a.scope)}"]
    if a.audience != "family" and a.intent:
        meta.insert(1, f"Intent: {a.intent}")
    stage = a.context.get("stage") or []
    if stage and a.audience != "family":
        meta.append(f"Stage: {', '.join(stage)}" + (" (assumed)" if a.context.get("assumed_stage") else ""))
    meta.append(f"Review status: {a.review_status}")
    if a.last_updated:
        meta.append(f"Last updated: {a.last_updated}")
    out += ["_" + " · ".join(meta) + "_", ""]
    if a.context.get("patient") and a.audience != "family":
        p = a.context["patient"]
        shown = ", ".join(f"{k} {v}" for k, v in p.items() if k not in ("source", "labels", "stated") and v)
        out += [f"_Child ({p.get('source')}): {shown or 'no size or age given'}_", ""]
    if a.closest_topics:
        out += ["Closest covered topics: " + "; ".join(a.closest_topics) + ".", ""]
    follow = ["## Follow-up questions", ""] + [f"- {q}" for q in a.follow_ups] + [""] if a.follow_ups else []
    if not a.sections:
        out += follow
    for n, section in enumerate(a.sections):
        out += [f"## {section.title}", ""]
        for item in section.items:
            out += _item_md(item, a.audience)
        out.append("")
        if n == 0:
            out += follow   # follow-up questions right after the answer, not at the bottom of a long page
    if a.more:
        out += [f"_{a.more} more statement{'s' if a.more != 1 else ''} in the full answer "
                "(`--detail full`; API: `\"detail\": \"full\"`)._", ""]
    if a.glossary:
        out += ["## Terms", ""]
        for g in a.glossary:
            out.append(f"- **{g.term}**: {g.meaning}" + (f" {refs_md(g.refs)}" if g.refs else ""))
        out.append("")
    if a.references and a.detail == "full":
        out += references_md(a.references)
        out.append("")
    elif a.references:   # brief: one short line per source (the JSON and the full answer carry the citation)
        out += ["## References", ""] + [f"- **[{r.id}]** {_short_ref(r)}" for r in a.references] + [""]
    if a.readability and a.readability.get("summary_grade") is not None:
        out += [f"_Reading level of the summary: school grade {a.readability['summary_grade']:g} "
                f"(target {a.readability['target_grades'][0]}-{a.readability['target_grades'][1]})._", ""]
    out += ["---", "", f"_{a.disclaimer}_", ""]
    return "\n".join(out)


def answer_json(a: Answer) -> str:
    return json.dumps(a.to_json(), indent=2, ensure_ascii=False)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#1b1f24}
h1{font-size:1.6rem;margin-bottom:.5rem}h2{font-size:1.2rem;margin-top:1.8rem;border-bottom:1px solid #d0d7de}
.summary{font-size:1.1rem;background:#f6f8fa;border-left:4px solid #0969da;padding:.8rem 1rem}
.meta{color:#57606a;font-size:.9rem}.scope{background:#fff8c5;padding:.6rem 1rem;border-left:4px solid #bf8700}
.question{font-style:italic;color:#57606a}.ref{color:#0969da;font-size:.85rem}.grade{color:#57606a;font-size:.85rem}
.pending{color:#9a6700;font-weight:600}.note{color:#57606a;font-style:italic;font-size:.9rem}
.old{color:#57606a}li{margin:.3rem 0}.disclaimer{color:#57606a;font-size:.85rem;border-top:1px solid #d0d7de;
padding-top:.8rem;margin-top:2rem}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _statement_html(item: Item, audience: str) -> str:
    s = item.statement
    refs = "".join(f'<a class="ref" href="#ref-{_e(r)}">[{_e(r)}]</a>' for r in s.refs)
    grade = ""
    if audience != "family":
        grade = f' <span class="grade">grade {_e(s.grade)}</span>'
    pending = f' <span class="pending">⚠ pending review ({_e(_VERIFY.get(s.verification, s.verification))})</span>' \
        if s.pending_review else ""
    title = f"<strong>{_e(item.title)}</strong> — " if item.title and audience != "family" and \
        item.kind == "recommendation" else ""
    note = f'<div class="note">{_e(item.note)}</div>' if item.note and audience != "family" else ""
    cls = ' class="old"' if not item.current else ""
    return f"<li{cls}>{title}{_e(s.text)} {refs}{grade}{pending}{note}</li>"


def answer_html(a: Answer) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no external assets; all text escaped)."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(a.title)} — nephroguide</title><style>{_CSS}</style></head><body>",
             f"<h1>{_e(a.title)}</h1>", f'<p class="question">{_e(" ".join(a.question.split()))}</p>']
    refs = "".join(f'<a class="ref" href="#ref-{_e(r)}">[{_e(r)}]</a>' for r in a.summary_refs)
    parts.append(f'<p class="summary">{_e(a.summary_text)} {refs}</p>')
    if a.scope_note:
        parts.append(f'<p class="scope">{_e(a.scope_note)}</p>')
    meta = f"Audience: {_e(_AUDIENCE.get(a.audience, a.audience))} · Scope: {_e(_SCOPE.get(a.scope, a.scope))} · " \
           f"Review status: {_e(a.review_status)}" + (f" · Last updated: {_e(a.last_updated)}" if a.last_updated else "")
    parts.append(f'<p class="meta">{meta}</p>')
    if a.closest_topics:
        parts.append(f"<p>Closest covered topics: {_e('; '.join(a.closest_topics))}.</p>")
    follow = ["<h2>Follow-up questions</h2><ul>", *(f"<li>{_e(q)}</li>" for q in a.follow_ups), "</ul>"] \
        if a.follow_ups else []
    if not a.sections:
        parts.extend(follow)
    for n, section in enumerate(a.sections):
        if n == 1:
            parts.extend(follow)
        parts.append(f"<h2>{_e(section.title)}</h2><ul>")
        depth = 0
        for item in section.items:
            while depth < item.level:
                parts.append("<ul>")
                depth += 1
            while depth > item.level:
                parts.append("</ul>")
                depth -= 1
            parts.append(_statement_html(item, a.audience))
        parts.append("</ul>" * depth + "</ul>")
    if a.glossary:
        parts.append("<h2>Terms</h2><dl>")
        parts.extend(f"<dt>{_e(g.term)}</dt><dd>{_e(g.meaning)}</dd>" for g in a.glossary)
        parts.append("</dl>")
    if a.references:
        parts.append("<h2>References</h2><ol>")
        for r in a.references:
            link = f"https://doi.org/{r.doi}" if r.doi else (r.url or "")
            link_html = f' <a href="{_e(link)}">{_e(link)}</a>' if link.startswith(("https://", "http://")) else ""
            parts.append(f'<li id="ref-{_e(r.id)}"><strong>[{_e(r.id)}]</strong> {_e(r.type.capitalize())}: '
                         f"{_e(r.citation)}{link_html}</li>")
        parts.append("</ol>")
    if len(a.sections) == 1:
        parts.extend(follow)
    if a.more:
        parts.append(f'<p class="note">{a.more} more statement{"s" if a.more != 1 else ""} in the full answer '
                     '(detail: full).</p>')
    parts.append(f'<p class="disclaimer">{_e(a.disclaimer)}</p></body></html>')
    return "\n".join(parts) + "\n"


def render(a: Answer, fmt: str) -> str:
    """The answer in one of the output formats: markdown, json, html."""
    if fmt == "json":
        return answer_json(a)
    if fmt == "html":
        return answer_html(a)
    if fmt == "markdown":
        return a.markdown
    from nephroguide.errors import UsageError

    raise UsageError(f"unknown format {fmt!r}; use markdown, json or html", field="format")
