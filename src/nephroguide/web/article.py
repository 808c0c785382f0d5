"""The answer page's view of an answer's JSON (``nephroguide.answer/1``): what a reader sees first and in what order.

Presentation only: statements are grouped (a dose or a study result under the item it belongs to), pending-review
statements are counted for one page-level notice, and a family page drops research results (statistics) and
grades. The JSON decides every word; a field the answer does not have is simply not shown.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")


@cache
def suggested_questions() -> dict[str, list[str]]:
    import yaml

    data = yaml.safe_load((DATA / "home.yaml").read_text(encoding="utf-8"))
    return {str(k): [str(q) for q in v] for k, v in data["suggested_questions"].items()}


def _children_of_previous(item: dict[str, Any], previous: dict[str, Any] | None) -> bool:
    """Does this statement belong under the one before it (as the CLI's sub-bullets do)?"""
    if "level" in item:
        return bool(item["level"]) and previous is not None
    if previous is None:
        return False
    kind = item.get("kind")
    if kind == "evidence" and not item.get("title"):
        return previous.get("kind") == "evidence"      # a study's result lines belong to the study
    if kind == "dose":
        return previous.get("kind") in ("recommendation", "fact")  # a regimen under its recommendation
    return False


def group(statements: list[dict[str, Any]], *, family: bool) -> list[dict[str, Any]]:
    """Top-level statements, each with ``children`` (its doses or study results)."""
    out: list[dict[str, Any]] = []
    for st in statements:
        if family and st.get("kind") == "evidence":
            continue                                   # research results carry statistics: not on family pages
        if out and _children_of_previous(st, out[-1]):
            out[-1]["children"].append(st)
        else:
            out.append({**st, "children": []})
    return out


def _lead(st: dict[str, Any], family: bool) -> dict[str, str]:
    """Split a statement into a bold title and the rest ("**Title** — text" like the CLI)."""
    text = str(st.get("text") or "")
    title = str(st.get("title") or "")
    if title and text.startswith(title):
        rest = text[len(title):].lstrip()
        for sep in (":", "—", "-"):
            if rest.startswith(sep):
                rest = rest[len(sep):].lstrip()
                break
        return {"title": title, "text": rest}
    if title and not family and st.get("kind") in ("recommendation", "caution", "evidence", "fact", "monitoring"):
        return {"title": title, "text": text}
    return {"title": "", "text": text}


KEY_POINTS = 4   # top-level statements shown as key points when the answer has no "key" section
KEY_CHILDREN = 2  # regimens or results shown under a key point (all of them in the full section)


def view(full: dict[str, Any]) -> dict[str, Any]:
    """What the answer page shows: the direct answer, key points, the sections (to open), the notice."""
    family = full.get("audience") == "family"
    raw = list(full.get("sections") or [])
    sections: list[dict[str, Any]] = []
    for n, s in enumerate(raw):
        items = group(list(s.get("statements") or []), family=family)
        if items:
            sections.append({"key": s.get("key") or f"s{n}", "title": s.get("title") or "", "entries": items,
                             "count": sum(1 + len(i["children"]) for i in items)})
    key_points: list[dict[str, Any]] = []
    keys = [s["key"] for s in sections]
    if "key" in keys:                                  # the answer's own key points (a direct answer)
        key_points = sections.pop(keys.index("key"))["entries"]
    elif sections:                                     # a pathway article: the first items of what to do
        first = sections[keys.index("main") if "main" in keys else 0]
        key_points = [{**i, "children": i["children"][:KEY_CHILDREN], "more_children": len(i["children"]) - KEY_CHILDREN,
                       "section": first["key"]} for i in first["entries"][:KEY_POINTS]]
    every = [st for s in sections for i in s["entries"] for st in (i, *i["children"])]
    every += [st for i in key_points for st in (i, *i["children"])]
    seen: dict[str, bool] = {}
    for st in every:
        seen[str(st.get("kb_id") or st.get("text"))] = bool(
            st.get("pending_review") or st.get("verification") not in (None, "verified"))
    return {"family": family, "key_points": key_points, "sections": sections,
            "pending": sum(seen.values()), "statements": len(seen), "lead": lambda st: _lead(st, family)}


def plan_pending(plan: dict[str, Any]) -> tuple[int, int]:
    """(pending review, all) statements of a plan's JSON: for one notice at the top instead of a badge on each."""
    seen: dict[str, bool] = {}

    def add(st: dict[str, Any]) -> None:
        key = str(st.get("kb_id") or st.get("text"))
        seen[key] = seen.get(key, False) or st.get("verification") not in (None, "verified")

    for r in plan.get("recommendations") or []:
        for st in [*(r.get("statements") or []), *(r.get("monitoring") or []), *(r.get("cautions") or [])]:
            add(st)
    for w in plan.get("warnings") or []:
        add(w)
    return sum(seen.values()), len(seen)
