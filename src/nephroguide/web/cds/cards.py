"""Cards (CDS Hooks 2.0) from a plan's JSON: presentation only; the plan decides everything.

JSON rule of the specification: optional fields are omitted, never null or empty.
"""

from __future__ import annotations

import uuid
from typing import Any

SUMMARY_MAX = 139          # the specification: summary under 140 characters
KB_SYSTEM = "https://nephroguide.org/kb"
CARD_NAMESPACE = uuid.UUID("6f1f5f0e-1f2b-4c59-9a3e-5b0d7c2e8a11")
DISCLAIMER = ("_Decision support only: check every dose and decision against the cited sources and the child's "
              "full clinical picture._")


def short(text: str, limit: int = SUMMARY_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;:-") + "…"


def card_uuid(hook_instance: str, key: str) -> str:
    """Stable per request and card, so the same request gives the same cards (and feedback can name them)."""
    return str(uuid.uuid5(CARD_NAMESPACE, f"{hook_instance}:{key}"))


def refs_md(refs: list[str]) -> str:
    return f"[{', '.join(refs)}]" if refs else ""


def grade_md(grade: str, verification: str) -> str:
    tag = f"grade {grade}"
    if verification != "verified":
        tag += "; ⚠ pending review"
    return f"_({tag})_"


def source(references: dict[str, dict[str, Any]], refs: list[str], kb_id: str | None = None,
           title: str | None = None) -> dict[str, Any]:
    """The card's source: nephroguide and the cited guideline(s); url of the first cited reference."""
    out: dict[str, Any] = {"label": "nephroguide" + (f" ({', '.join(refs[:3])})" if refs else "")}
    for r in refs:
        ref = references.get(r, {})
        url = ref.get("url") or (f"https://doi.org/{ref['doi']}" if ref.get("doi") else None)
        if url:
            out["url"] = url
            break
    if kb_id:
        topic: dict[str, Any] = {"system": KB_SYSTEM, "code": kb_id}
        if title:
            topic["display"] = title
        out["topic"] = topic
    return out


def card(*, hook_instance: str, key: str, summary: str, indicator: str, src: dict[str, Any], detail: str | None = None,
         links: list[dict[str, Any]] | None = None, suggestions: list[dict[str, Any]] | None = None,
         override_reasons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"uuid": card_uuid(hook_instance, key), "summary": short(summary), "indicator": indicator,
                           "source": src}
    if detail:
        out["detail"] = detail
    if suggestions:
        out["suggestions"] = suggestions
        out["selectionBehavior"] = "at-most-one"
    if override_reasons:
        out["overrideReasons"] = override_reasons
    if links:
        out["links"] = links
    return out


def dose_text(dose: dict[str, Any]) -> str:
    """'tacrolimus 1.05 mg twice daily (every 12 hours), 2.1 mg/day' from a dose JSON: the engine's wording
    (``display``: amount per dose, frequency, then the daily total)."""
    drug = str(dose.get("drug", "")).replace("_", " ")
    display = dose.get("display")
    if display:
        return f"{drug} at most {display}" if dose.get("ceiling") else f"{drug} {display}"
    return drug


def _dose_statements(rec: dict[str, Any]) -> list[dict[str, Any]]:
    ids = {d["kb_id"] for d in rec.get("doses", [])}
    return [s for s in rec.get("statements", []) if s.get("kb_id") in ids]


def plan_cards(plan: dict[str, Any], hook_instance: str, plan_url: str | None, notes: list[str],
               caveats: list[str] | tuple[str, ...] = (), max_options: int = 3) -> list[dict[str, Any]]:
    """Cards for a plan: critical cautions first, then the ranked next steps, other cautions, data notes."""
    references = {r["id"]: r for r in plan.get("references", [])}
    links = [{"label": "Full plan in nephroguide", "url": plan_url, "type": "absolute"}] if plan_url else None
    cards: list[dict[str, Any]] = []
    warnings = plan.get("warnings", [])
    for w in warnings:
        if w.get("severity") != "critical":
            continue
        detail = f"{w['text']} {refs_md(w['refs'])} {grade_md(w.get('grade', ''), w.get('verification', ''))}"
        if w.get("because"):
            detail += f"\n\n_Applies because: {w['because']}._"
        cards.append(card(hook_instance=hook_instance, key=w["kb_id"], summary=w["title"], indicator="critical",
                          src=source(references, w["refs"], w["kb_id"], w["title"]), detail=detail, links=links))
    recs = plan.get("recommendations", [])
    labels = plan.get("classification", {}).get("labels", [])
    if recs:
        top = recs[0]
        summary = f"Next step: {top['title']}"
        if top.get("dose"):
            summary += f"; {dose_text(top['dose'])}"
        lines = [f"**Chart data:** {c}" for c in caveats] + ([""] if caveats else [])
        lines += [f"**Course:** {', '.join(label.replace('_', ' ') for label in labels) or 'not classified'}", ""]
        for reason in plan.get("classification", {}).get("explanation", []):
            lines.append(f"- **{reason['label'].replace('_', ' ')}**: {reason['because']} {refs_md(reason['refs'])}")
        lines += ["", "**Ranked options:**", ""]
        for rec in recs[:max_options]:
            pending = " ⚠ pending review" if rec.get("pending_review") else ""
            lines.append(f"{rec['rank']}. **{rec['action'].upper()}: {rec['title']}** — grade {rec.get('grade', '')} "
                         f"{refs_md(rec.get('refs', []))}{pending}")
            for s in _dose_statements(rec):
                lines.append(f"    - {s['text']} {refs_md(s['refs'])} {grade_md(s['grade'], s['verification'])}")
        if len(recs) > max_options:
            lines.append(f"\n{len(recs) - max_options} more option(s) in the full plan.")
        lines += ["", DISCLAIMER]
        cards.append(card(hook_instance=hook_instance, key=f"plan:{top['kb_id']}", summary=summary, indicator="info",
                          src=source(references, top.get("refs", []), top["kb_id"], top["title"]),
                          detail="\n".join(lines), links=links))
    cautions = [w for w in warnings if w.get("severity") == "warning"]
    if cautions:
        lines = [f"- **{w['title']}** — {w['text']} {refs_md(w['refs'])} "
                 f"{grade_md(w.get('grade', ''), w.get('verification', ''))}" for w in cautions]
        summary = cautions[0]["title"] if len(cautions) == 1 else \
            f"{len(cautions)} cautions for this child: {cautions[0]['title']}; ..."
        refs = list(dict.fromkeys(r for w in cautions for r in w["refs"]))
        cards.append(card(hook_instance=hook_instance, key="cautions", summary=summary, indicator="warning",
                          src=source(references, refs), detail="\n".join(lines), links=links))
    if notes or caveats:
        cards.append(notes_card(hook_instance, notes, caveats))
    return cards


def notes_card(hook_instance: str, notes: list[str], caveats: list[str] | tuple[str, ...] = (),
               summary: str | None = None) -> dict[str, Any]:
    """The data card: what was read with a caveat (incomplete pages, partial birth date) and every entry
    left out, each with why."""
    parts = []
    if caveats:
        parts.append("**Read with caveats:**\n\n" + "\n".join(f"- {c}" for c in caveats))
    if notes:
        parts.append("nephroguide left out these chart entries rather than guess:\n\n" + "\n".join(f"- {n}" for n in notes))
    if summary is None:
        if notes:
            summary = f"{len(notes)} chart entr{'y was' if len(notes) == 1 else 'ies were'} not used by nephroguide"
            if caveats:
                summary += "; chart data incomplete or uncertain"
        else:
            summary = "Chart data incomplete or uncertain: " + caveats[0]
    return card(hook_instance=hook_instance, key="notes", summary=summary, indicator="info",
                src={"label": "nephroguide"}, detail="\n\n".join(parts))
