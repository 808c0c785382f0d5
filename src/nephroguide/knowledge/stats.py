"""Counts over the knowledge pack: by kind, by verification status and by grade strength."""

from __future__ import annotations

from collections import Counter
from typing import Any

from nephroguide.knowledge.pack import load_pack


def pack_stats() -> dict[str, Any]:
    """Entry counts, verification status of primary citations, and grade strengths."""
    pack = load_pack()
    verification: Counter[str] = Counter()
    strength: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    for table in (pack.recommendations, pack.dose_rules, pack.cautions, pack.studies, pack.definitions):
        for entry in table.values():
            primary = entry.citations[0]
            verification[primary.verification] += 1
            strength[pack.grade(primary).strength] += 1
            by_source[primary.source] += 1
    return {"record": "nephroguide.kb-stats/1", "version": pack.version, "counts": pack.counts(),
            "primary_citation_verification": dict(sorted(verification.items())),
            "primary_citation_strength": dict(sorted(strength.items())),
            "primary_citation_source": dict(sorted(by_source.items()))}


def stats_markdown(stats: dict[str, Any]) -> str:
    """The stats as a short Markdown report."""
    lines = [f"# Knowledge pack {stats['version']}", ""]
    for title, key in (("Entries", "counts"), ("Verification (primary citation)", "primary_citation_verification"),
                       ("Strength (primary citation)", "primary_citation_strength"),
                       ("Primary source", "primary_citation_source")):
        lines += [f"## {title}", ""] + [f"- {k}: {v}" for k, v in stats[key].items()] + [""]
    return "\n".join(lines)
