"""The knowledge browser's rows: every pack entry with its sources, grades, locations and verification.

Presentation only: entries are read from the pack and laid out; nothing is decided here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

KINDS: dict[str, str] = {
    "recommendations": "Recommendations and practice points",
    "definitions": "Definitions",
    "dose_rules": "Dose rules",
    "cautions": "Cautions and contraindications",
    "conflicts": "Where sources disagree",
    "studies": "Study evidence",
    "sources": "Sources",
    "definition_sets": "Definition sets",
    "drugs": "Drugs",
}
RECORD = "nephroguide.kb/1"


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def _citations(pack: Any, citations: list[Any]) -> list[dict[str, Any]]:
    out = []
    for c in citations:
        g = pack.grade(c)
        src = pack.sources.get(c.source)
        out.append({"source": c.source, "citation": src.citation if src else "", "location": c.location,
                    "grade": g.written, "strength": g.strength, "certainty": g.certainty,
                    "verification": c.verification, "pending_review": c.verification != "verified"})
    return out


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _dose_text(rule: Any) -> str:
    # the engine's wording: "in 2 equal doses, twice daily (every 12 hours)"
    from nephroguide.engine.dosing import _schedule_text

    bases = "; ".join(f"{_num(b.value)}{'-' + _num(b.high) if b.high else ''} {b.basis}" for b in rule.bases)
    parts = [bases, _schedule_text(rule)]
    if rule.max_mg_per_day:
        parts.append(f"max {_num(rule.max_mg_per_day)} mg/day")
    if rule.max_mg_per_dose:
        parts.append(f"max {_num(rule.max_mg_per_dose)} mg/dose")
    if rule.cumulative_max_mg_per_kg:
        parts.append(f"cumulative max {_num(rule.cumulative_max_mg_per_kg)} mg/kg")
    if rule.phase:
        parts.append(rule.phase)
    if rule.duration:
        parts.append(rule.duration)
    return "; ".join(p for p in parts if p)


def _row(pack: Any, kind: str, entry: Any) -> dict[str, Any]:
    from nephroguide.knowledge.pack import origin_key

    row: dict[str, Any] = {"id": entry.id, "kind": kind, "file": pack.origin.get(origin_key(kind, entry.id), "")}
    cites: list[Any] = []
    if kind == "recommendations":
        row.update(title=entry.title, topic=entry.topic, text=_flat(entry.text), action=entry.action,
                   subkind=entry.kind, drugs=list(entry.drugs), status=entry.status,
                   last_reviewed=entry.last_reviewed.isoformat())
        cites = entry.citations
    elif kind == "definitions":
        row.update(title=entry.term, text=_flat(entry.text), labels=list(entry.labels))
        cites = entry.citations
    elif kind == "dose_rules":
        row.update(title=entry.title, text=_dose_text(entry), drug=entry.drug, indication=entry.indication,
                   route=entry.route, preferred=entry.preferred)
        cites = entry.citations
    elif kind == "cautions":
        row.update(title=entry.title, text=_flat(entry.text), severity=entry.severity, subkind=entry.kind,
                   drugs=list(entry.drugs), last_reviewed=entry.last_reviewed.isoformat())
        cites = entry.citations
    elif kind == "conflicts":
        row.update(title=entry.topic, text=_flat(entry.note),
                   positions=[{"text": _flat(p.text), "current": p.current, "citations": _citations(pack, p.citations)}
                              for p in entry.positions], last_reviewed=entry.last_reviewed.isoformat())
        cites = [c for p in entry.positions for c in p.citations]
    elif kind == "studies":
        row.update(title=entry.title, text=_flat(f"{entry.design}. {entry.population}. {entry.intervention}."),
                   n=entry.n, source_id=entry.source, last_reviewed=entry.last_reviewed.isoformat())
        cites = entry.citations
    elif kind == "sources":
        row.update(title=entry.title, text=entry.citation, type=entry.type, year=entry.year, url=entry.url,
                   doi=entry.doi, status=entry.status, verification=entry.access,
                   pending_review=entry.access != "verified")
    elif kind == "definition_sets":
        row.update(title=entry.title, text=_flat(entry.description), status=entry.status)
        cites = entry.citations
    elif kind == "drugs":
        row.update(title=entry.generic, text=", ".join(entry.aliases), drug_class=entry.drug_class,
                   equivalent_to=entry.equivalent_to)
    if cites:
        citations = _citations(pack, cites)
        primary = citations[0]
        row.update(citations=citations, source=primary["source"], grade=primary["grade"],
                   location=primary["location"], verification=primary["verification"],
                   pending_review=primary["pending_review"])
    return {k: v for k, v in row.items() if v is not None}


@cache
def _rows(version: str, kind: str) -> tuple[dict[str, Any], ...]:
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    table = getattr(pack, kind)
    return tuple(_row(pack, kind, table[k]) for k in sorted(table))


def _haystack(row: dict[str, Any]) -> str:
    parts = [row.get("id", ""), row.get("title", ""), row.get("text", ""), row.get("topic", ""),
             row.get("drug", ""), " ".join(row.get("drugs", []) or [])]
    parts += [c["source"] + " " + c["location"] for c in row.get("citations", [])]
    return " ".join(str(p) for p in parts).casefold()


def rows(kind: str, q: str | None = None) -> list[dict[str, Any]]:
    """The rows of one kind (sorted by id), filtered by every word of ``q`` when given."""
    from nephroguide.errors import UnknownNameError
    from nephroguide.knowledge.pack import load_pack

    if kind not in KINDS:
        raise UnknownNameError(f"unknown knowledge kind {kind!r}; use one of: {', '.join(KINDS)}", field="kind")
    out = list(_rows(load_pack().version, kind))
    words = (q or "").casefold().split()
    if words:
        out = [r for r in out if all(w in _haystack(r) for w in words)]
    return out


def listing(kind: str, q: str | None = None) -> dict[str, Any]:
    """The JSON of ``GET /api/v1/kb/{kind}``."""
    from nephroguide.knowledge.pack import load_pack

    found = rows(kind, q)
    out: dict[str, Any] = {"record": RECORD, "kind": kind, "title": KINDS[kind], "count": len(found),
                           "entries": found, "versions": {"knowledge_pack": load_pack().version}}
    if q:
        out["query"] = q
    return out


def entry(kb_id: str) -> dict[str, Any]:
    """The JSON of ``GET /api/v1/kb/entry/{id}``: the browser row plus the entry as stored in the pack."""
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    kind = next((k for k in KINDS if kb_id in getattr(pack, k)), None)
    if kind is None:
        pack.entry(kb_id)  # raises UnknownNameError naming kb_id
        raise AssertionError("unreachable")
    row = next(r for r in _rows(pack.version, kind) if r["id"] == kb_id)
    data = getattr(pack, kind)[kb_id].model_dump(mode="json", by_alias=True, exclude_none=True)
    return {"record": "nephroguide.kb_entry/1", **row, "entry": data, "versions": {"knowledge_pack": pack.version}}


def summary() -> dict[str, Any]:
    """Counts per kind, for ``GET /api/v1/kb``."""
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    return {"record": RECORD, "kinds": [{"kind": k, "title": t, "count": len(getattr(pack, k))} for k, t in KINDS.items()],
            "versions": {"knowledge_pack": pack.version}}
