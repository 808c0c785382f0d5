"""The medical lexicon: groups of equivalent terms (abbreviations, synonyms, spellings, drug names).

Shared by the evidence-library search (query expansion) and the question answerer. The groups come
from ``knowledge/lexicon.yaml`` plus one group per drug of the knowledge pack (generic name, id and
``aliases`` from ``pack/drugs.yaml``, so brand names such as Rituxan or Prograf are included).

Matching is on a *key*: the term's letters and digits, lower-cased, accents and ®/™ removed,
hyphens/slashes/spaces treated alike, and a final plural "s" dropped from each word — so
"CNIs", "calcineurin-inhibitors" and "Calcineurin inhibitor" share keys with their group.
A term may belong to several groups (e.g. "IVMP" is both a methylprednisolone alias and the
intravenous-methylprednisolone abbreviation); :meth:`Lexicon.expand` returns the union.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")
_WORD = re.compile(r"[^\W_]+")
_TRADEMARKS = str.maketrans({"®": " ", "™": " ", "©": " "})


def fold(text: str) -> str:
    """Lower-case, strip accents and trademark signs (NFKD), keep everything else."""
    if text.isascii():
        return text.lower()   # (no accents or trademark signs to strip)
    text = unicodedata.normalize("NFKD", text.translate(_TRADEMARKS))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """The letter/digit runs of a text, folded (the same split SQLite's unicode61 tokenizer makes)."""
    return _WORD.findall(fold(text))


def light_stem(word: str) -> str:
    """Drop a final plural "s" (not from -ss or -us words, nor from words of 3 letters or fewer)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def term_key(term: str) -> tuple[str, ...]:
    """The matching key of a term: its lightly stemmed words."""
    return tuple(light_stem(w) for w in words(term))


@dataclass(frozen=True)
class TermGroup:
    """Terms that mean the same thing; ``canonical`` is the form nephroguide writes."""

    id: str
    canonical: str
    terms: tuple[str, ...]
    kind: str  # abbreviation | synonym | spelling | drug
    source: str  # "lexicon" or "drugs"

    def all_terms(self) -> tuple[str, ...]:
        """The canonical form first, then the other terms, without key duplicates."""
        seen: set[tuple[str, ...]] = set()
        out: list[str] = []
        for t in (self.canonical, *self.terms):
            k = term_key(t)
            if k and k not in seen:
                seen.add(k)
                out.append(t)
        return tuple(out)


@dataclass(frozen=True)
class LexiconMatch:
    """A lexicon term found in a text: token span [start, end), character span, and its groups."""

    start: int
    end: int
    char_start: int
    char_end: int
    text: str
    group_ids: tuple[str, ...]


class Lexicon:
    """Equivalent-term groups with lookups by key."""

    def __init__(self, groups: Iterable[TermGroup]) -> None:
        self._groups: dict[str, TermGroup] = {}
        self._by_key: dict[tuple[str, ...], list[str]] = {}
        for g in groups:
            if g.id in self._groups:
                raise ValueError(f"duplicate lexicon group id {g.id!r}")
            self._groups[g.id] = g
            for t in g.all_terms():
                ids = self._by_key.setdefault(term_key(t), [])
                if g.id not in ids:
                    ids.append(g.id)
        self.max_words = max((len(k) for k in self._by_key), default=1)

    def groups(self) -> list[TermGroup]:
        """All groups, in file order (lexicon groups, then drug groups)."""
        return list(self._groups.values())

    def group(self, group_id: str) -> TermGroup:
        return self._groups[group_id]

    def group_ids(self, term: str) -> list[str]:
        """Ids of the groups a term belongs to (empty if unknown)."""
        return list(self._by_key.get(term_key(term), []))

    def expand(self, term: str) -> list[str]:
        """All equivalents of a term (canonical forms first), or ``[term]`` if the lexicon does not know it."""
        ids = self.group_ids(term)
        if not ids:
            return [term]
        seen: set[tuple[str, ...]] = set()
        out: list[str] = []
        for gid in ids:
            for t in self._groups[gid].all_terms():
                k = term_key(t)
                if k not in seen:
                    seen.add(k)
                    out.append(t)
        return out

    def canonical(self, term: str) -> str | None:
        """The canonical form of a term (its first group's), or ``None`` if unknown."""
        ids = self.group_ids(term)
        return self._groups[ids[0]].canonical if ids else None

    def find(self, text: str) -> list[LexiconMatch]:
        """Lexicon terms in a text, longest match first, left to right, non-overlapping."""
        spans = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(fold(text))]
        keys = [light_stem(w) for _, _, w in spans]
        out: list[LexiconMatch] = []
        i = 0
        while i < len(spans):
            for n in range(min(self.max_words, len(spans) - i), 0, -1):
                ids = self._by_key.get(tuple(keys[i:i + n]))
                if ids:
                    cs, ce = spans[i][0], spans[i + n - 1][1]
                    out.append(LexiconMatch(i, i + n, cs, ce, text[cs:ce], tuple(ids)))
                    i += n
                    break
            else:
                i += 1
        return out


def _drug_groups(drugs: Sequence[Any]) -> list[TermGroup]:
    out = []
    for d in drugs:
        get = (lambda k, d=d: d.get(k)) if isinstance(d, dict) else (lambda k, d=d: getattr(d, k, None))
        generic = str(get("generic"))
        terms = [re.sub(r"\s*\(([^)]*)\)", "", generic), *re.findall(r"\(([^)]*)\)", generic),
                 str(get("id")).replace("_", " "), *(str(a) for a in (get("aliases") or []))]
        terms = [t.strip() for t in terms if t.strip() and "%" not in t]
        out.append(TermGroup(id=f"drug:{get('id')}", canonical=generic, terms=tuple(terms), kind="drug",
                             source="drugs"))
    return out


def build_lexicon(data: dict[str, Any], drugs: Sequence[Any] = ()) -> Lexicon:
    """A lexicon from parsed lexicon.yaml data plus drug entries."""
    groups = []
    for raw in data.get("groups") or []:
        groups.append(TermGroup(id=str(raw["id"]), canonical=str(raw["canonical"]),
                                terms=tuple(str(t) for t in raw.get("terms") or []),
                                kind=str(raw.get("kind", "synonym")), source="lexicon"))
    return Lexicon([*groups, *_drug_groups(drugs)])


@cache
def load_lexicon() -> Lexicon:
    """The shipped lexicon (lexicon.yaml + the pack's drugs), loaded once per process (kept in the on-disk cache,
    keyed by the file and the pack)."""
    from nephroguide import cache as disk
    from nephroguide.knowledge.pack import load_pack

    text = LEXICON_FILE.read_bytes()
    pack = load_pack()
    return disk.cached("lexicon", disk.key("lexicon", text, pack.version, str(pack.directory)),
                       lambda: _build_lexicon(text.decode("utf-8"), list(pack.drugs.values())))


def _build_lexicon(text: str, drugs: Sequence[Any]) -> Lexicon:
    import yaml

    from nephroguide.knowledge.pack import _Loader

    data = yaml.load(text, Loader=_Loader) or {}
    return build_lexicon(data, drugs)
