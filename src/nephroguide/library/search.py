"""Search the library: BM25 (SQLite FTS5) over passages, with query expansion from the medical lexicon.

The query is turned into an FTS5 expression of OR-ed terms (ranking, not filtering, decides what
comes first):

* text in double quotes is kept as a phrase;
* lexicon terms are found longest-first ("calcineurin inhibitors", "IV CTX", "Rituxan"); each is
  replaced by the OR of every equivalent in its groups (abbreviation <-> expansion, synonyms,
  UK/US spellings, drug generic <-> brand names), each equivalent as a phrase;
* the remaining words, minus English stop words, are terms of their own.

Ranking is FTS5's ``bm25()`` with column weights (passage text, section/heading, document title),
so a passage that matches several of the query's concepts ranks above one that repeats one.
Scores are reported positive (higher is better) and rounded, so output is byte-stable.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECORD = "nephroguide.search/1"
MAX_K = 200
HIGHLIGHT = ("**", "**")

STOPWORDS = frozenset(["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "done", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "there's", "what's", "whether", "among", "upon", "also", "may", "might", "must", "shall", "within", "without", "via", "versus", "vs"])


@dataclass
class QueryPlan:
    """How a query was understood: the FTS5 expression and the expansions applied."""

    fts: str
    terms: list[str] = field(default_factory=list)
    expansions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SearchHit:
    doc_id: str
    passage_id: str
    score: float
    text: str
    section: str
    heading: str
    page: int | None
    page_end: int | None
    char_start: int
    char_end: int
    highlighted: str
    snippet: str
    reference: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "passage_id": self.passage_id, "score": self.score, "text": self.text,
                "section": self.section, "page": self.page, "reference": self.reference,
                "heading": self.heading, "page_end": self.page_end, "char_start": self.char_start,
                "char_end": self.char_end, "highlighted": self.highlighted, "snippet": self.snippet}


@dataclass
class SearchResult:
    query: str
    k: int
    hits: list[SearchHit]
    expansions: list[dict[str, Any]] = field(default_factory=list)
    message: str | None = None
    documents: int = 0
    passages: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"record": RECORD, "query": self.query, "k": self.k, "hits": [h.to_json() for h in self.hits],
                "expanded": self.expansions, "message": self.message,
                "library": {"documents": self.documents, "passages": self.passages}}


def _quote(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def plan_query(query: str, *, expand: bool = True) -> QueryPlan:
    """The FTS5 expression for a user query (see the module docstring)."""
    from nephroguide.knowledge.lexicon import load_lexicon, words

    phrases = re.findall(r'"([^"]+)"', query)
    rest = re.sub(r'"[^"]*"', " ", query)
    alternatives: list[str] = []
    seen: set[str] = set()
    terms: list[str] = []
    expansions: list[dict[str, Any]] = []

    def add(phrase_words: list[str]) -> None:
        key = " ".join(phrase_words)
        if key and key not in seen:
            seen.add(key)
            alternatives.append(_quote(key))

    for phrase in phrases:
        w = words(phrase)
        if w:
            terms.append(" ".join(w))
            add(w)
    lexicon = load_lexicon() if expand else None
    matches = lexicon.find(rest) if lexicon is not None else []
    covered: list[tuple[int, int]] = []
    for m in matches:
        covered.append((m.char_start, m.char_end))
        equivalents = lexicon.expand(m.text) if lexicon is not None else [m.text]
        terms.append(m.text)
        for eq in [m.text, *equivalents]:
            add(words(eq))
        expansions.append({"term": m.text, "expands_to": [e for e in equivalents if words(e) != words(m.text)]})
    from nephroguide.knowledge.lexicon import fold

    folded = fold(rest)
    for wm in re.finditer(r"[^\W_]+", folded):
        if any(a <= wm.start() < b for a, b in covered):
            continue
        word = wm.group()
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        terms.append(word)
        add([word])
    return QueryPlan(fts=" OR ".join(alternatives), terms=terms, expansions=expansions)


def _reference(row: sqlite3.Row) -> dict[str, Any]:
    ref = {"id": row["doc_id"], "type": row["type"], "title": row["title"], "citation": row["citation"],
           "year": row["year"], "doi": row["doi"], "pmid": row["pmid"]}
    if row["url"]:
        ref["url"] = row["url"]
    elif row["doi"]:
        ref["url"] = f"https://doi.org/{row['doi']}"
    return ref


def run_query(conn: sqlite3.Connection, fts: str, k: int,
              weights: tuple[float, ...] | None = None) -> list[SearchHit]:
    """Execute an FTS5 expression; the top k passages by weighted BM25."""
    from nephroguide.library.index import COLUMN_WEIGHTS

    w = weights or COLUMN_WEIGHTS
    rank_fn = f"bm25({', '.join(f'{x:g}' for x in w)})"
    sql = (
        "WITH top AS (SELECT rowid AS pk, rank, "
        f"highlight(library_fts, 0, '{HIGHLIGHT[0]}', '{HIGHLIGHT[1]}') AS hl, "
        f"snippet(library_fts, 0, '{HIGHLIGHT[0]}', '{HIGHLIGHT[1]}', '…', 32) AS sn "
        "FROM library_fts WHERE library_fts MATCH ? AND rank MATCH ? ORDER BY rank LIMIT ?) "
        "SELECT top.rank, top.hl, top.sn, p.passage_id, p.doc_id, p.section, p.heading, p.page, p.page_end, "
        "p.char_start, p.char_end, p.text, d.title, d.type, d.citation, d.year, d.doi, d.pmid, d.url "
        "FROM top JOIN library_passages p ON p.pk = top.pk JOIN library_documents d ON d.doc_id = p.doc_id "
        "ORDER BY top.rank, p.passage_id")
    rows = conn.execute(sql, (fts, rank_fn, k)).fetchall()
    return [SearchHit(doc_id=r["doc_id"], passage_id=r["passage_id"], score=round(-float(r["rank"]), 4),
                      text=r["text"], section=r["section"], heading=r["heading"], page=r["page"],
                      page_end=r["page_end"], char_start=r["char_start"], char_end=r["char_end"],
                      highlighted=r["hl"], snippet=r["sn"], reference=_reference(r)) for r in rows]


def search(query: str, k: int = 10, home: str | Path | None = None, *, expand: bool = True,
           conn: sqlite3.Connection | None = None) -> SearchResult:
    """The k passages that best match ``query``, with their document references.

    An empty library (or none yet) is not an error: zero hits and a message saying so.
    """
    from nephroguide.errors import InputError
    from nephroguide.library.index import counts, open_library

    if not isinstance(query, str) or not query.strip():
        raise InputError("the search query is empty; give some words to look for", field="query")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1 or k > MAX_K:
        raise InputError(f"k must be a whole number from 1 to {MAX_K} (got {k!r})", field="k")
    query = " ".join(query.split())
    own = conn is None
    connection = conn if conn is not None else open_library(home, create=False)
    if connection is None:
        return SearchResult(query=query, k=k, hits=[],
                            message="the library is empty: add documents with `nephroguide ingest PATH...`")
    try:
        n_docs, n_passages = counts(connection)
        plan = plan_query(query, expand=expand)
        if n_docs == 0:
            return SearchResult(query=query, k=k, hits=[], expansions=plan.expansions,
                                message="the library is empty: add documents with `nephroguide ingest PATH...`")
        if not plan.fts:
            return SearchResult(query=query, k=k, hits=[], documents=n_docs, passages=n_passages,
                                message="the query has no searchable words (only stop words or punctuation)")
        hits = run_query(connection, plan.fts, k)
        message = None if hits else "no passage matches the query"
        return SearchResult(query=query, k=k, hits=hits, expansions=plan.expansions, message=message,
                            documents=n_docs, passages=n_passages)
    finally:
        if own:
            connection.close()


def search_markdown(result: SearchResult) -> str:
    """A readable rendering of a search result."""
    lines = [f"# Search: {result.query}", ""]
    if result.expansions:
        shown = [f"{e['term']} → {', '.join(e['expands_to'][:6])}" for e in result.expansions if e["expands_to"]]
        if shown:
            lines += ["Also searched: " + "; ".join(shown), ""]
    if not result.hits:
        lines.append(f"_{result.message or 'no hits'}_")
        return "\n".join(lines) + "\n"
    for i, h in enumerate(result.hits, 1):
        ref = h.reference
        where = ", ".join(x for x in (h.section if h.heading in (h.section, "") else f"{h.section} — {h.heading}",
                                      f"p. {h.page}" if h.page else "") if x)
        lines.append(f"## {i}. {ref.get('title') or ref['id']} ({where})")
        lines.append("")
        lines.append(f"> {h.snippet}")
        lines.append("")
        lines.append(f"*Research* · {ref['citation']} · doc `{h.doc_id}` · passage `{h.passage_id}` · "
                     f"chars {h.char_start}–{h.char_end} · score {h.score:g}"
                     if ref.get("type") == "research" else
                     f"*{str(ref.get('type', '')).capitalize()}* · {ref['citation']} · doc `{h.doc_id}` · "
                     f"passage `{h.passage_id}` · chars {h.char_start}–{h.char_end} · score {h.score:g}")
        lines.append("")
    return "\n".join(lines)
