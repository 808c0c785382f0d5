"""Descriptive patient columns: histology as written -> the group a case series reports.

The mapping is data (``histology_groups.yaml`` next to this module): words and phrases per group,
tried in order; anything else is "other". Labels are never rewritten: the per-patient table shows
the label as written and its group, and the output lists every distinct label with the group it was
put in, so a reader can check the mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

HISTOLOGY_COLUMN = "histology"
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    words: frozenset[str] = frozenset()
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupMap:
    groups: tuple[Group, ...]
    other: Group
    missing: Group

    def group_of(self, label: str | None) -> Group:
        """The group of a histology label as written (empty -> 'not recorded')."""
        words = _WORD.findall((label or "").lower())
        if not words:
            return self.missing
        text = " ".join(words)
        for g in self.groups:
            if g.words.intersection(words) or any(f" {p} " in f" {text} " for p in g.phrases):
                return g
        return self.other

    @property
    def order(self) -> tuple[Group, ...]:
        return (*self.groups, self.other, self.missing)


def _group(d: dict[str, Any]) -> Group:
    return Group(str(d["id"]), str(d["label"]), frozenset(str(w).lower() for w in d.get("words", [])),
                 tuple(" ".join(_WORD.findall(str(p).lower())) for p in d.get("phrases", [])))


@lru_cache(maxsize=1)
def histology_groups() -> GroupMap:
    """The packaged mapping (read once)."""
    import yaml

    data = yaml.safe_load((Path(__file__).with_name("histology_groups.yaml")).read_text(encoding="utf-8"))
    return GroupMap(tuple(_group(g) for g in data["groups"]), _group(data["other"]), _group(data["missing"]))


def mapping_rows(labels: list[str | None]) -> list[tuple[str, str, int]]:
    """(label as written, group label, number of patients) for every distinct label, in group then label order."""
    gm = histology_groups()
    rank = {g.id: i for i, g in enumerate(gm.order)}
    counts: dict[str, int] = {}
    for label in labels:
        key = (label or "").strip()
        counts[key] = counts.get(key, 0) + 1
    rows = [(label, gm.group_of(label)) for label in counts]
    rows.sort(key=lambda r: (rank[r[1].id], r[0].lower(), r[0]))
    return [(label or "(empty)", g.label, counts[label]) for label, g in rows]
