"""Passages from the user's evidence library beside the pack's study summaries.

The pack never stores third-party text: a study points to its paper (DOI) and says what to look
for (``LibraryPointer``). When that paper has been ingested, the passage is quoted from the user's
own copy, with its section and page, and labelled as research. Libraries that do not exist cost
nothing: no index is opened and no search module is imported.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from nephroguide.answer.model import Answer, Item, Section
from nephroguide.engine.types import Reference, Statement

PASSAGES_PER_POINTER = 1
OTHER_PASSAGES = 3
SEARCH_DEPTH = 25          # how many hits to scan for the pointed-to document
QUOTE_CHARS = 420


def _library_exists(home: str | Path | None) -> bool:
    """True when the home's database holds an evidence library (checked read-only: an answer writes nothing)."""
    import sqlite3
    from contextlib import closing

    from nephroguide.library.index import COMPONENT, database_path

    path = database_path(home)
    if path is None or not path.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT 1 FROM schema_migrations WHERE component = ? LIMIT 1", (COMPONENT,)).fetchone()
    except sqlite3.Error:
        return False
    return row is not None


def _quote(hit: Any) -> str:
    text = " ".join(str(hit.text).split())
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    return text


def _where(hit: Any) -> str:
    parts = [hit.section or "text"]
    if hit.page:
        parts.append(f"p. {hit.page}" + (f"-{hit.page_end}" if hit.page_end and hit.page_end != hit.page else ""))
    return ", ".join(parts)


def _without_doi(citation: str, doi: str | None) -> str:
    """The citation without its DOI (renderers print the DOI once, as a link, after the citation)."""
    if not doi:
        return citation
    import re

    pattern = r"\s*(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?" + re.escape(doi) + r"\.?"
    return re.sub(pattern, "", citation, flags=re.IGNORECASE).rstrip(" ;,") or citation


def _reference(hit: Any) -> Reference:
    ref = hit.reference
    # the full document id: a cut key (library:synth-ivcyc-) is unreadable and may collide
    return Reference(id=f"library:{hit.doc_id}", type="research",
                     citation=_without_doi(str(ref.get("citation") or ref.get("title") or hit.doc_id), ref.get("doi")),
                     year=int(ref.get("year") or 0), title=str(ref.get("title") or ""), url=ref.get("url"),
                     doi=ref.get("doi"), pmid=ref.get("pmid"), access="verified", status="research")


def _item(hit: Any, kb_id: str, lead: str) -> tuple[Item, Reference]:
    ref = _reference(hit)
    st = Statement(text=f"{lead}“{_quote(hit)}” ({_where(hit)})", refs=(ref.id,), grade="not graded",
                   strength="ungraded", certainty="ungraded", verification="verified", kb_id=kb_id,
                   location=_where(hit))
    return Item(statement=st, kind="library_passage", title=ref.title), ref


def with_library_passages(answer: Answer, home: str | Path | None) -> Answer:
    """Add quoted library passages for the studies the answer cites (and the question's best matches)."""
    if answer.scope == "not_covered" or not _library_exists(home):
        return answer
    from nephroguide.knowledge.pack import load_pack
    from nephroguide.library.search import search

    pack = load_pack()
    studies = [pack.studies[i.statement.kb_id] for s in answer.sections for i in s.items
               if i.kind == "evidence" and i.statement.kb_id in pack.studies]
    items: list[Item] = []
    refs: dict[str, Reference] = {}
    seen: set[str] = set()
    for study in studies:
        for ptr in study.library:
            hits = search(ptr.query, k=SEARCH_DEPTH, home=home).hits
            wanted = [h for h in hits if str(h.reference.get("doi") or "").lower() == ptr.doi.lower()
                      and (not ptr.section or h.section.lower() == ptr.section.lower())]
            for hit in wanted[:PASSAGES_PER_POINTER]:
                if hit.passage_id in seen:
                    continue
                seen.add(hit.passage_id)
                item, ref = _item(hit, f"{study.id}#library", f"{study.title} — {ptr.about}: " if ptr.about else "")
                items.append(item)
                refs[ref.id] = ref
    if answer.intent == "evidence" or studies:
        for hit in search(answer.question, k=OTHER_PASSAGES, home=home).hits:
            if hit.passage_id in seen:
                continue
            seen.add(hit.passage_id)
            item, ref = _item(hit, "library.search", "")
            items.append(item)
            refs[ref.id] = ref
    if not items:
        return answer
    title = {"family": "What the papers in your library say"}.get(answer.audience,
                                                                   "Passages from your evidence library")
    section = Section(key="library", title=title, items=tuple(items))
    sections = list(answer.sections)
    at = next((n + 1 for n, s in enumerate(sections) if s.key == "evidence"), len(sections))
    sections.insert(at, section)
    known = {r.id for r in answer.references}
    references = (*answer.references, *(r for rid, r in sorted(refs.items()) if rid not in known))
    from nephroguide.answer.render import answer_markdown

    updated = dataclasses.replace(answer, sections=tuple(sections), references=references)
    return dataclasses.replace(updated, markdown=answer_markdown(updated))
