"""Split section spans into passages of about 100-250 words on sentence boundaries, with stable ids.

A passage never crosses a section or heading boundary. Sentences are packed greedily: a passage is
closed before the sentence that would take it past ``max_words`` once it has ``min_words``; a short
tail (< 40 words) joins the previous passage of its span. Tables and reference lists are split on
lines instead of sentences. A sentence longer than ``hard_max`` words is cut at word boundaries.

Ids: ``p`` + the first 16 hex digits of sha256(doc_id, section, ordinal-within-section): the same
document content gives the same ids on every ingest. Locations: section, heading, page (from the
page offsets the reader recorded), and [char_start, char_end) in the stored document text; the
passage text is that slice with whitespace collapsed.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Sequence

from nephroguide.library.model import Passage, SectionSpan

MIN_WORDS = 100
MAX_WORDS = 250
HARD_MAX_WORDS = 320
TAIL_WORDS = 40

_ABBREV = frozenset(["al", "e.g", "i.e", "eg", "ie", "fig", "figs", "no", "nos", "vs", "approx", "dr", "mr", "mrs", "ms", "prof", "ref", "refs", "vol", "ca", "cf", "st", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mg", "min", "max", "resp", "incl", "eq", "tab", "suppl", "dept", "univ", "inc", "ltd", "co", "corp", "pt", "pts", "etc"])
_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n")


def passage_id(doc_id: str, section: str, ordinal: int) -> str:
    """The stable id of the ordinal-th passage of a section of a document."""
    digest = hashlib.sha256(f"{doc_id}\x1f{section}\x1f{ordinal}".encode()).hexdigest()
    return "p" + digest[:16]


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) offsets of the sentences of text[start:end] (whitespace trimmed)."""
    out: list[tuple[int, int]] = []
    seg = text[start:end]
    pos = 0
    for m in _BOUNDARY.finditer(seg):
        g = m.group()
        if g[0] in ".!?":
            before = seg[max(0, m.start() - 15):m.start()].split()
            word = before[-1].lower().lstrip("([") if before else ""
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
            cut = m.start() + len(g.rstrip())
        else:
            cut = m.start()
        _append(out, seg, pos, cut, start)
        pos = m.end()
    _append(out, seg, pos, len(seg), start)
    return out


def _append(out: list[tuple[int, int]], seg: str, a: int, b: int, base: int) -> None:
    piece = seg[a:b]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece.rstrip())
    if trail > lead:
        out.append((base + a + lead, base + a + trail))


def line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) offsets of the non-empty lines of text[start:end]."""
    out: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        _append(out, line, 0, len(line), pos)
        pos += len(line) + 1
    return out


def _split_long(text: str, a: int, b: int, hard_max: int) -> list[tuple[int, int]]:
    words = list(re.finditer(r"\S+", text[a:b]))
    if len(words) <= hard_max:
        return [(a, b)]
    out = []
    for i in range(0, len(words), MAX_WORDS):
        group = words[i:i + MAX_WORDS]
        out.append((a + group[0].start(), a + group[-1].end()))
    return out


def make_passages(doc_id: str, text: str, spans: Sequence[SectionSpan], page_starts: Sequence[tuple[int, int]],
                  *, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS,
                  hard_max: int = HARD_MAX_WORDS) -> list[Passage]:
    """The passages of a document (see the module docstring)."""
    offsets = [o for o, _ in page_starts]
    pages = [p for _, p in page_starts]

    def page_at(pos: int) -> int | None:
        i = bisect.bisect_right(offsets, pos) - 1
        return pages[i] if i >= 0 else None

    ordinals: dict[str, int] = {}
    out: list[Passage] = []
    for span in spans:
        line_based = span.section.startswith("Table") or span.section == "References"
        units = (line_spans if line_based else sentence_spans)(text, span.start, span.end)
        pieces: list[tuple[int, int]] = []
        for a, b in units:
            pieces.extend(_split_long(text, a, b, hard_max))
        groups: list[list[tuple[int, int, int]]] = []
        current: list[tuple[int, int, int]] = []
        count = 0
        for a, b in pieces:
            n = len(text[a:b].split())
            if (current and count >= min_words and count + n > max_words) or (current and count + n > hard_max):
                groups.append(current)
                current, count = [], 0
            current.append((a, b, n))
            count += n
        if current:
            if groups and count < TAIL_WORDS and sum(x[2] for x in groups[-1]) + count <= hard_max:
                groups[-1].extend(current)
            else:
                groups.append(current)
        for group in groups:
            a, b = group[0][0], group[-1][1]
            ordinal = ordinals.get(span.section, 0)
            ordinals[span.section] = ordinal + 1
            out.append(Passage(passage_id=passage_id(doc_id, span.section, ordinal), doc_id=doc_id, seq=len(out),
                               ordinal=ordinal, section=span.section, heading=span.heading, page=page_at(a),
                               page_end=page_at(max(a, b - 1)), char_start=a, char_end=b,
                               text=" ".join(text[a:b].split())))
    return out
