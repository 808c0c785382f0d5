"""Search the library: BM25 over passages (tantivy or SQLite FTS5), with query expansion from the medical lexicon.

The query is turned into an FTS5 expression of OR-ed terms (ranking, not filtering, decides what
comes first); the tantivy backend builds the same OR of the same alternatives (``tantivy_index``):

* text in double quotes is kept as a phrase;
* lexicon terms are found longest-first ("calcineurin inhibitors", "IV CTX", "Rituxan"); each is
  replaced by the OR of every equivalent in its groups (abbreviation <-> expansion, synonyms,
  UK/US spellings, drug generic <-> brand names), each equivalent as a phrase;
* the remaining words, minus English stop words, are terms of their own.

Ranking is BM25 with column weights (passage text, section/heading, document title), so a passage
that matches several of the query's concepts ranks above one that repeats one: FTS5's ``bm25()``
or tantivy's BM25 (``$NEPHROGUIDE_SEARCH_BACKEND`` = ``tantivy`` (default) | ``fts5``; see
``tantivy_index``). Hits are read from SQLite either way, so the output has the same shape.
Scores are reported positive (higher is better) and rounded, so output is byte-stable.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
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
    phrases: list[str] = field(default_factory=list)  # the quoted phrases the expression ORs together
    exact: bool = True  # False when a large library's ranking skipped rows matching only common phrases
    groups: list[list[str]] = field(default_factory=list)  # the phrases per query concept (a term and its equivalents)


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
    exact: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"record": RECORD, "query": self.query, "k": self.k, "hits": [h.to_json() for h in self.hits],
                "expanded": self.expansions, "message": self.message,
                "library": {"documents": self.documents, "passages": self.passages},
                "ranking": "bm25" if self.exact else "bm25-pruned"}


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

    groups: list[list[str]] = []

    def add(phrase_words: list[str], group: list[str]) -> None:
        key = " ".join(phrase_words)
        if key and _quote(key) not in group:
            group.append(_quote(key))
        if key and key not in seen:
            seen.add(key)
            alternatives.append(_quote(key))

    def concept(group: list[str]) -> None:
        if group and group not in groups:
            groups.append(group)

    for phrase in phrases:
        w = words(phrase)
        if w:
            terms.append(" ".join(w))
            g: list[str] = []
            add(w, g)
            concept(g)
    lexicon = load_lexicon() if expand else None
    matches = lexicon.find(rest) if lexicon is not None else []
    covered: list[tuple[int, int]] = []
    for m in matches:
        covered.append((m.char_start, m.char_end))
        equivalents = lexicon.expand(m.text) if lexicon is not None else [m.text]
        terms.append(m.text)
        g = []
        for eq in [m.text, *equivalents]:
            add(words(eq), g)
        concept(g)
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
        g = []
        add([word], g)
        concept(g)
    return QueryPlan(fts=" OR ".join(alternatives), terms=terms, expansions=expansions, phrases=alternatives,
                     groups=groups)


def _reference(row: sqlite3.Row) -> dict[str, Any]:
    ref = {"id": row["doc_id"], "type": row["type"], "title": row["title"], "citation": row["citation"],
           "year": row["year"], "doi": row["doi"], "pmid": row["pmid"]}
    if row["url"]:
        ref["url"] = row["url"]
    elif row["doi"]:
        ref["url"] = f"https://doi.org/{row['doi']}"
    return ref


_SELECT_TOP = ("SELECT rowid AS pk, bm25(library_fts, {w}) AS rank FROM library_fts "
               "WHERE library_fts MATCH ? ORDER BY rank, rowid LIMIT ?")
K1 = 1.2  # FTS5's bm25 constants
SPLIT_MIN_PASSAGES = 2000  # below this the plain OR query is fast enough
SPLIT_BUDGET_MIN = 2000  # the rare phrases together may match up to this many passages ...
SPLIT_BUDGET_SHARE = 0.03  # ... or this share of the library, whichever is larger
PRUNE_MIN_PASSAGES = 20000  # from this size on, ranking may skip rows that match only common phrases

# Statistics cache: passage counts and phrase document frequencies, per database file and library
# generation (a counter every ingest, update or removal bumps in the same transaction).
_STATS: dict[tuple[Any, ...], dict[str, Any]] = {}


def _stats(conn: sqlite3.Connection) -> dict[str, Any]:
    from nephroguide.library.index import generation

    file = next((str(r[2]) for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    key = (file or id(conn), generation(conn))
    st = _STATS.get(key)
    if st is None:
        docs = int(conn.execute("SELECT count(*) FROM library_documents").fetchone()[0])
        passages = int(conn.execute("SELECT count(*) FROM library_passages").fetchone()[0])
        st = {"documents": docs, "passages": passages, "df": {}}
        if len(_STATS) > 32:
            _STATS.clear()
        _STATS[key] = st
    return st


def _df(conn: sqlite3.Connection, st: dict[str, Any], phrase: str) -> int:
    df = st["df"].get(phrase)
    if df is None:
        df = int(conn.execute("SELECT count(*) FROM library_fts WHERE library_fts MATCH ?", (phrase,)).fetchone()[0])
        st["df"][phrase] = df
    return int(df)


def _idf(n: int, df: int) -> float:
    import math

    idf = math.log((n - df + 0.5) / (df + 0.5))
    return idf if idf > 0 else 1e-6


def _top(conn: sqlite3.Connection, fts: str, weights: str, k: int) -> list[tuple[float, int]]:
    return [(float(r[1]), int(r[0])) for r in conn.execute(_SELECT_TOP.format(w=weights), (fts, k))]


def top_rows(conn: sqlite3.Connection, plan: QueryPlan, k: int, weights: str, max_weight: float = 1.0,
             *, exact: bool | None = None) -> tuple[list[tuple[float, int]], bool]:
    """The top k (bm25 rank, pk) for a plan, and whether they are exactly the plain OR query's top k.

    In a large library an OR query that contains a very common phrase makes FTS5 score most rows.
    Then the phrases are split by document frequency into rare R (the rarest ones, together matching
    at most SPLIT_BUDGET rows) and common C, and two cheap queries run: ``R1 OR R2 ...`` (rows with a rare phrase, rare-phrase score) and
    ``(R...) AND (C...)`` (rows with both: full score, each phrase counted once). Merging them gives the
    exact top k among rows that contain a rare phrase; rows with only common phrases cannot score more
    than (k1 + 1) x the sum of the common phrases' idf (x the largest column weight if above 1), so when the k-th merged score beats that bound
    the result equals the plain query's. Otherwise the plain query runs — unless ``exact`` is False
    (the default, None, means False from PRUNE_MIN_PASSAGES passages on): then the merged top k is
    returned as it is (rows matching only the common phrases are left out; flagged not exact).
    """
    st = _stats(conn)
    n = st["passages"]
    if n >= SPLIT_MIN_PASSAGES and len(plan.phrases) > 1:
        dfs = {ph: _df(conn, st, ph) for ph in plan.phrases}
        present = sorted((ph for ph in plan.phrases if dfs[ph] > 0), key=lambda ph: (dfs[ph], ph))
        if not present:
            return [], True
        budget = max(SPLIT_BUDGET_MIN, int(n * SPLIT_BUDGET_SHARE))
        rare: list[str] = []
        total = 0
        for ph in present:
            if rare and total + dfs[ph] > budget:
                break
            rare.append(ph)
            total += dfs[ph]
        common = present[len(rare):]
        if common:
            r_expr = " OR ".join(rare)
            merged: dict[int, tuple[float, int]] = {}
            for rank, pk in _top(conn, f"({r_expr}) AND ({' OR '.join(common)})", weights, k):
                merged[pk] = (rank, pk)
            for rank, pk in _top(conn, r_expr, weights, k):
                merged.setdefault(pk, (rank, pk))
            ranked = sorted(merged.values())[:k]
            bound = (K1 + 1) * sum(_idf(n, dfs[ph]) for ph in common) * max_weight
            if len(ranked) == k and -ranked[-1][0] > bound:
                return ranked, True
            prune = (n >= PRUNE_MIN_PASSAGES) if exact is None else not exact
            if prune and len(ranked) == k:
                return ranked, False
    return _top(conn, plan.fts, weights, k), True


def run_query(conn: sqlite3.Connection, plan: QueryPlan | str, k: int,
              weights: tuple[float, ...] | None = None, *, exact: bool | None = None,
              backend: str | None = None, rerank: bool = True) -> list[SearchHit]:
    """The top k passages of a query plan (or a raw FTS5 expression: FTS5 only) by weighted BM25.

    ``backend``: ``tantivy`` | ``fts5`` | None (``$NEPHROGUIDE_SEARCH_BACKEND``, default tantivy).
    ``weights``: FTS5 column weights (default COLUMN_WEIGHTS) or tantivy field boosts (default
    ``tantivy_index.FIELD_BOOSTS``). ``exact`` only concerns FTS5 (tantivy's top k is always exact).
    ``rerank``: re-score the BM25 top ``k + RERANK_DEPTH`` with :func:`passage_prior` (tables debris,
    reference lists and back matter demoted) and the share of query concepts matched (default on).
    """
    from nephroguide.library import tantivy_index
    from nephroguide.library.index import COLUMN_WEIGHTS

    if isinstance(plan, str):
        plan = QueryPlan(fts=plan)
    top = None
    depth = k + RERANK_DEPTH if rerank else k
    if plan.phrases and tantivy_index.backend(backend) == "tantivy":
        top = tantivy_index.top_rows(conn, plan.phrases, depth, weights or tantivy_index.FIELD_BOOSTS,
                                     groups=plan.groups or None)
        plan.exact = True
    w = weights or COLUMN_WEIGHTS
    if top is None:
        top, is_exact = top_rows(conn, plan, depth, ", ".join(f"{x:g}" for x in w), max(1.0, *w), exact=exact)
        plan.exact = is_exact
    if not top:
        return []
    marks = ",".join("?" * len(top))
    rows = {r["pk"]: r for r in conn.execute(
        "SELECT p.pk, p.passage_id, p.doc_id, p.section, p.heading, p.page, p.page_end, p.char_start, p.char_end, "
        "p.text, p.label, d.title, d.type, d.citation, d.year, d.doi, d.pmid, d.url FROM library_passages p "
        f"JOIN library_documents d ON d.doc_id = p.doc_id WHERE p.pk IN ({marks})", [t[1] for t in top])}
    if rerank:
        top = rerank_rows(top, rows, plan)[:k]
    hits = []
    for rank, pk in top:
        r = rows.get(pk)
        if r is None:  # removed by a write that committed after the index was read (keys are never reused)
            continue
        hl, sn = highlight(r["text"], plan.phrases)
        hits.append(SearchHit(doc_id=r["doc_id"], passage_id=r["passage_id"], score=round(-rank, 4),
                              text=r["text"], section=r["section"], heading=r["heading"], page=r["page"],
                              page_end=r["page_end"], char_start=r["char_start"], char_end=r["char_end"],
                              highlighted=hl, snippet=sn, reference=_reference(r)))
    hits.sort(key=lambda h: (-h.score, h.passage_id))
    return hits


# ----------------------------------------------------------------------------------------- re-ranking
#
# BM25 rewards a passage for repeating one query word. Extracted PDF tables repeat abbreviations
# ("Tac Tac + MMF Tac ..."), and reference lists repeat title words, so such debris can outrank the
# sentence that answers the question. The BM25 top k + RERANK_DEPTH are therefore re-scored:
#   score x section factor x text-quality factor x concept-coverage factor.
# Ranking parameters (not clinical knowledge), tuned on the team corpus and checked on PubMedQA
# (docs/library.md).

RERANK_DEPTH = 10
SECTION_FACTORS = {"References": 0.35, "Back matter": 0.5}  # title and authors (Front matter) keep full weight
TABLE_FACTOR = 0.85         # any "Table N" section: a table can hold the answer, so only a light demotion
PROSE_FULL = 0.45           # share of lower-case words (3+ letters) from which a passage counts as prose
PROSE_FLOOR = 0.35          # the lowest text-quality factor (flattened table debris)
PROSE_MIN_TOKENS = 25       # shorter passages (labels, one-line settings) are never judged as debris
COVERAGE_WEIGHT = 0.3       # factor = 1 - COVERAGE_WEIGHT x share of the query's concepts the passage misses


def passage_prior(text: str, section: str) -> float:
    """How much a passage's form should count (1.0 = prose in a body section)."""
    factor = SECTION_FACTORS.get(section, TABLE_FACTOR if section.startswith("Table") else 1.0)
    n = len(text.split())  # whitespace tokens: close enough to word tokens for a share, and 4x cheaper
    if n >= PROSE_MIN_TOKENS:
        prose = len(_LOWER_WORD.findall(text)) / n
        quality = min(1.0, PROSE_FLOOR + (1.0 - PROSE_FLOOR) * max(0.0, prose - 0.2) / (PROSE_FULL - 0.2))
        if text.count("|") >= 3:  # a table kept as cells (XML): structured, not debris
            quality = max(quality, 0.8)
        factor *= quality
    return factor


@lru_cache(maxsize=1024)
def _concept_stems(groups: tuple[tuple[str, ...], ...]) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Per concept, per alternative: the light stems of its words."""
    return tuple(tuple(tuple(_stem(w) for w in _TOKEN.findall(alt.strip('"').lower())) for alt in group)
                 for group in groups)


def _has_stem(low: str, stem: str) -> bool:
    """A word starting with ``stem`` in the lower-cased text (a plain substring test for stems of 5+
    letters, where a match inside another word is rare; a word-start test for shorter ones)."""
    if len(stem) >= 5:
        return stem in low
    return stem in low and _word_start(stem).search(low) is not None


@lru_cache(maxsize=4096)
def _word_start(stem: str) -> re.Pattern[str]:
    return re.compile(r"(?<![^\W_])" + re.escape(stem))


def concept_coverage(text: str, groups: list[list[str]]) -> float:
    """The share of the query's concepts (a term with its equivalents) found in ``text``: an alternative
    is found when each of its words' light stems begins a word of the text."""
    if not groups:
        return 1.0
    from nephroguide.knowledge.lexicon import fold

    low = text.lower() if text.isascii() else fold(text)
    concepts = _concept_stems(tuple(tuple(g) for g in groups))
    found = sum(1 for alts in concepts if any(a and all(_has_stem(low, st) for st in a) for a in alts))
    return found / len(concepts)


def rerank_rows(top: list[tuple[float, int]], rows: dict[int, Any], plan: QueryPlan) -> list[tuple[float, int]]:
    """(rank, pk) re-scored by passage form and concept coverage; rank = -score, sorted best first."""
    out = []
    for rank, pk in top:
        r = rows.get(pk)
        if r is None:
            out.append((rank, pk))
            continue
        factor = passage_prior(r["text"], r["section"])
        if len(plan.groups) > 1:
            where = f"{r['text']} {r['label'] or ''} {r['title'] or ''}"
            factor *= 1.0 - COVERAGE_WEIGHT * (1.0 - concept_coverage(where, plan.groups))
        out.append((rank * factor, pk))
    out.sort()
    return out


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A light stem for highlighting (the index matched with its stemmer; this only marks the words)."""
    for suffix in ("ations", "ation", "ments", "ment", "ings", "ing", "ions", "ion", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_TOKEN = re.compile(r"[^\W_]+")
_LOWER_WORD = re.compile(r"(?<![^\W_])[a-z]{3,}(?![^\W_])")


def highlight(text: str, phrases: list[str], *, window: int = 32) -> tuple[str, str]:
    """(the text with matched query phrases in **bold**, a snippet of about ``window`` words around the best match)."""
    from nephroguide.knowledge.lexicon import fold

    folded = text.lower() if text.isascii() else fold(text)  # fold() is lower() on ASCII text, only slower
    if len(folded) != len(text):  # keep offsets valid when folding changed the length
        folded = text.lower()
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    stems = [_stem(w) for w in _TOKEN.findall(folded)]
    wanted = [[_stem(w) for w in _TOKEN.findall(ph.strip('"'))] for ph in phrases]
    marked = [False] * len(tokens)
    singles = {seq[0] for seq in wanted if len(seq) == 1}
    if singles:
        for i, st in enumerate(stems):
            if st in singles:
                marked[i] = True
    for seq in wanted:
        n = len(seq)
        if n < 2:
            continue
        first = seq[0]
        for i in range(len(tokens) - n + 1):
            if stems[i] == first and stems[i:i + n] == seq:
                for j in range(i, i + n):
                    marked[j] = True
    spans: list[list[int]] = []
    for i, (a, b) in enumerate(tokens):
        if not marked[i]:
            continue
        if spans and marked[i - 1] and not text[spans[-1][1]:a].strip(" -/"):
            spans[-1][1] = b
        else:
            spans.append([a, b])
    out, pos = [], 0
    for a, b in spans:
        out += [text[pos:a], HIGHLIGHT[0], text[a:b], HIGHLIGHT[1]]
        pos = b
    out.append(text[pos:])
    full = "".join(out)
    if len(tokens) <= window:
        return full, full
    prefix = [0]
    for m in marked:
        prefix.append(prefix[-1] + m)
    best, best_i = -1, 0
    for i in range(len(tokens) - window + 1):  # the first window with the most marked words
        score = prefix[i + window] - prefix[i]
        if score > best:
            best, best_i = score, i
    start_tok, end_tok = best_i, min(len(tokens), best_i + window) - 1
    a, b = tokens[start_tok][0], tokens[end_tok][1]
    piece = []
    pos = a
    for sa, sb in spans:
        if sb <= a or sa >= b:
            continue
        piece += [text[pos:max(sa, a)], HIGHLIGHT[0], text[max(sa, a):min(sb, b)], HIGHLIGHT[1]]
        pos = min(sb, b)
    piece.append(text[pos:b])
    return full, ("…" if a > 0 else "") + "".join(piece) + ("…" if b < len(text) else "")


def search(query: str, k: int = 10, home: str | Path | None = None, *, expand: bool = True,
           exact: bool | None = None, conn: sqlite3.Connection | None = None,
           backend: str | None = None) -> SearchResult:
    """The k passages that best match ``query``, with their document references.

    ``backend``: ``tantivy`` | ``fts5`` | None (``$NEPHROGUIDE_SEARCH_BACKEND``, default tantivy; FTS5
    whenever the tantivy index cannot be used). ``exact`` (FTS5 only): True = always the exact BM25
    top k; False = allow pruning rows that match only very common phrases; None (default) = prune
    only in libraries of PRUNE_MIN_PASSAGES passages or more.

    An empty library (or none yet) is not an error: zero hits and a message saying so.
    """
    from nephroguide.errors import InputError
    from nephroguide.library.index import open_library

    if not isinstance(query, str) or not query.strip():
        raise InputError("the search query is empty; give some words to look for", field="query")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1 or k > MAX_K:
        raise InputError(f"k must be a whole number from 1 to {MAX_K} (got {k!r})", field="k")
    from nephroguide.library.tantivy_index import backend as resolve_backend

    backend = resolve_backend(backend)
    query = " ".join(query.split())
    own = conn is None
    connection = conn if conn is not None else open_library(home, create=False)
    if connection is None:
        return SearchResult(query=query, k=k, hits=[],
                            message="the library is empty: add documents with `nephroguide ingest PATH...`")
    try:
        st = _stats(connection)
        n_docs, n_passages = st["documents"], st["passages"]
        plan = plan_query(query, expand=expand)
        if n_docs == 0:
            return SearchResult(query=query, k=k, hits=[], expansions=plan.expansions,
                                message="the library is empty: add documents with `nephroguide ingest PATH...`")
        if not plan.fts:
            return SearchResult(query=query, k=k, hits=[], documents=n_docs, passages=n_passages,
                                message="the query has no searchable words (only stop words or punctuation)")
        hits = run_query(connection, plan, k, exact=exact, backend=backend)
        message = None if hits else "no passage matches the query"
        return SearchResult(query=query, k=k, hits=hits, expansions=plan.expansions, message=message,
                            documents=n_docs, passages=n_passages, exact=plan.exact)
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
