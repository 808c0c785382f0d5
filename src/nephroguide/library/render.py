"""Markdown renderings of library listings and documents (the JSON forms are the dicts themselves)."""

from __future__ import annotations

from typing import Any


def documents_markdown(data: dict[str, Any]) -> str:
    docs = data["documents"]
    if not docs:
        return "_The library is empty: add documents with `nephroguide ingest PATH...`._\n"
    lines = [f"# Library: {len(docs)} documents", "", "| id | year | type | title | passages | pages |",
             "|---|---|---|---|---|---|"]
    for d in docs:
        title = (d.get("title") or d.get("citation") or "").replace("|", "/")
        lines.append(f"| `{d['doc_id']}` | {d.get('year') or ''} | {d.get('type')} | {title[:90]} | "
                     f"{d.get('n_passages')} | {d.get('n_pages') or ''} |")
    return "\n".join(lines) + "\n"


def document_markdown(d: dict[str, Any]) -> str:
    lines = [f"# {d.get('title') or d['doc_id']}", "", f"- id: `{d['doc_id']}`", f"- citation: {d['citation']}",
             f"- type: {d['type']} · format: {d['format']} · pages: {d.get('n_pages') or '?'} · "
             f"passages: {d['n_passages']}"]
    for key in ("doi", "pmid", "source_path"):
        if d.get(key):
            lines.append(f"- {key}: {d[key]}")
    for w in d.get("warnings") or []:
        lines.append(f"- warning: {w}")
    lines += ["", "## Sections", ""]
    for s in d.get("sections", []):
        head = s["section"] if s["heading"] == s["section"] else f"{s['section']} — {s['heading']}"
        lines.append(f"- {head} (chars {s['char_start']}–{s['char_end']})")
    lines += ["", "## Passages", ""]
    for p in d.get("passages", []):
        page = f", p. {p['page']}" if p.get("page") else ""
        words = p["text"].split()
        preview = " ".join(words[:24]) + (" …" if len(words) > 24 else "")
        lines.append(f"- `{p['passage_id']}` {p['section']}{page} [{p['char_start']}–{p['char_end']}]: {preview}")
    return "\n".join(lines) + "\n"
