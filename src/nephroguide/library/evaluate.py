"""Retrieval evaluation: Recall@k and nDCG@k of our search against a plain BM25 baseline.

Used by ``benchmarks/eval_retrieval.py`` (team corpus) and ``benchmarks/bench_library.py``
(PubMedQA), and by the tests. The baseline is ``rank_bm25.BM25Okapi`` (a dev/bench dependency,
imported only here) over exactly the same passages, tokenised as lower-cased letter/digit runs,
with no stemming, stop words or expansion. Two baseline variants: passage text only, and text +
section/heading + document title (the same fields our index sees).

Relevance is binary: a passage is relevant when its (document, section) is one of the query's gold
pairs. Recall@k = share of gold pairs with at least one passage in the top k (mean over queries);
nDCG@k uses the number of relevant passages in the corpus for the ideal ranking.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class PassageRef:
    passage_id: str
    doc_id: str
    section: str


def load_queries(path: str | Path) -> list[dict[str, Any]]:
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return list(data["queries"])


def all_passages(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT p.passage_id, p.doc_id, p.section, p.text, p.label, p.title, d.pmid "
                        "FROM library_passages p JOIN library_documents d USING (doc_id) ORDER BY p.pk").fetchall()
    return [dict(r) for r in rows]


def resolve_gold(gold: Sequence[dict[str, str]], pmid_to_doc: dict[str, str]) -> set[tuple[str, str]]:
    out = set()
    for g in gold:
        doc = str(g["doc"])
        if doc.startswith("pmid:"):
            doc = pmid_to_doc.get(doc[5:], doc)
        out.add((doc, str(g["section"])))
    return out


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class Bm25Baseline:
    """Plain BM25 (rank_bm25.BM25Okapi, default k1=1.5, b=0.75) over the same passages."""

    def __init__(self, passages: Sequence[dict[str, Any]], *, fields: Sequence[str] = ("text",)) -> None:
        from rank_bm25 import BM25Okapi

        self.passages = list(passages)
        self.bm25 = BM25Okapi([tokenize(" ".join(str(p.get(f) or "") for f in fields)) for p in self.passages])

    def search(self, query: str, k: int) -> list[PassageRef]:
        import numpy as np

        scores = self.bm25.get_scores(tokenize(query))
        order = np.argsort(-scores, kind="stable")[:k]
        return [PassageRef(self.passages[i]["passage_id"], self.passages[i]["doc_id"], self.passages[i]["section"])
                for i in order if scores[i] > 0]


class Bm25sBaseline:
    """The second baseline: ``bm25s`` (Lucene's BM25 variant, k1=1.5, b=0.75) with its own tokenizer
    (lower-cased words of 2+ characters, English stop words removed, no stemming), same passages."""

    def __init__(self, passages: Sequence[dict[str, Any]], *, fields: Sequence[str] = ("text",)) -> None:
        import bm25s

        self.passages = list(passages)
        self._bm25s = bm25s
        corpus = [" ".join(str(p.get(f) or "") for f in fields) for p in self.passages]
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)

    def search(self, query: str, k: int) -> list[PassageRef]:
        tokens = self._bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.ids or not tokens.ids[0]:
            return []
        k = min(k, len(self.passages))
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [PassageRef(self.passages[int(i)]["passage_id"], self.passages[int(i)]["doc_id"],
                           self.passages[int(i)]["section"]) for i, sc in zip(docs[0], scores[0], strict=True) if sc > 0]


def ours(conn: sqlite3.Connection, backend: str | None = None) -> Callable[[str, int], list[PassageRef]]:
    """Our search as a system for :func:`evaluate` (``backend``: tantivy | fts5 | None = the default)."""
    from nephroguide.library.search import search

    def run(query: str, k: int) -> list[PassageRef]:
        return [PassageRef(h.passage_id, h.doc_id, h.section)
                for h in search(query, k, conn=conn, backend=backend).hits]

    return run


def recall_at(hits: Sequence[PassageRef], gold: set[tuple[str, str]], k: int) -> float:
    found = {(h.doc_id, h.section) for h in hits[:k]} & gold
    return len(found) / len(gold) if gold else 0.0


def ndcg_at(hits: Sequence[PassageRef], gold: set[tuple[str, str]], k: int, n_relevant: int) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, h in enumerate(hits[:k]) if (h.doc_id, h.section) in gold)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, n_relevant)))
    return dcg / ideal if ideal else 0.0


def evaluate(queries: Sequence[dict[str, Any]], systems: dict[str, Callable[[str, int], list[PassageRef]]],
             passages: Sequence[dict[str, Any]], *, k_recall: int = 5, k_ndcg: int = 10) -> dict[str, Any]:
    """Mean Recall@k_recall, nDCG@k_ndcg and hit@1 (the first passage is a gold one) per system, plus
    per-query values."""
    pmid_to_doc = {str(p["pmid"]): p["doc_id"] for p in passages if p.get("pmid")}
    results: dict[str, Any] = {}
    for name, run in systems.items():
        per_query = []
        for q in queries:
            gold = resolve_gold(q["gold"], pmid_to_doc)
            n_rel = sum(1 for p in passages if (p["doc_id"], p["section"]) in gold)
            hits = run(str(q["query"]), max(k_recall, k_ndcg))
            per_query.append({"id": q["id"], f"recall@{k_recall}": recall_at(hits, gold, k_recall),
                              f"ndcg@{k_ndcg}": ndcg_at(hits, gold, k_ndcg, n_rel),
                              "hit@1": 1.0 if hits and (hits[0].doc_id, hits[0].section) in gold else 0.0})
        n = max(len(per_query), 1)
        results[name] = {f"recall@{k_recall}": sum(x[f"recall@{k_recall}"] for x in per_query) / n,
                         f"ndcg@{k_ndcg}": sum(x[f"ndcg@{k_ndcg}"] for x in per_query) / n,
                         "hit@1": sum(x["hit@1"] for x in per_query) / n,
                         "queries": per_query}
    return results
