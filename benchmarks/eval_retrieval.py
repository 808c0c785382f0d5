"""Retrieval quality on the team's synthetic corpus: our search vs plain BM25 (rank-bm25), same run.

    .venv/bin/python benchmarks/eval_retrieval.py [--per-query]

Ingests tests/corpus/library/*.txt and *.xml into a temporary home, runs every query of
tests/corpus/library/queries.yaml, and prints Recall@5 and nDCG@10 for:
  ours-tantivy     tantivy BM25 per field + English stemming + stop words + lexicon expansion + field boosts
                   (the default backend)
  ours-fts5        SQLite FTS5 BM25 + porter stemming + stop words + lexicon expansion + column weights
  bm25-text        rank_bm25.BM25Okapi over the passage text (lower-cased word tokens)
  bm25-fields      the same over passage text + section/heading + document title
  bm25s-text       bm25s (Lucene BM25, English stop words) over the passage text
  bm25s-fields     the same over passage text + section/heading + document title
Hit@1: the first passage is one of the query's gold (document, section) pairs.
Exit status 0 when both of our backends reach at least the better baseline's nDCG@10.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "library"


def main() -> int:
    from nephroguide.library import ingest
    from nephroguide.library.evaluate import (
        Bm25Baseline,
        Bm25sBaseline,
        all_passages,
        evaluate,
        load_queries,
        ours,
    )
    from nephroguide.library.index import open_library

    parser = argparse.ArgumentParser()
    parser.add_argument("--per-query", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        files = sorted(CORPUS.glob("*.txt")) + sorted(CORPUS.glob("*.xml"))
        report = ingest(files, home=home)
        conn = open_library(home, create=False)
        assert conn is not None
        passages = all_passages(conn)
        queries = load_queries(CORPUS / "queries.yaml")
        systems = {"ours-tantivy": ours(conn, "tantivy"), "ours-fts5": ours(conn, "fts5"),
                   "bm25-text": Bm25Baseline(passages).search,
                   "bm25-fields": Bm25Baseline(passages, fields=("text", "label", "title")).search,
                   "bm25s-text": Bm25sBaseline(passages).search,
                   "bm25s-fields": Bm25sBaseline(passages, fields=("text", "label", "title")).search}
        res = evaluate(queries, systems, passages)
        conn.close()
    print(f"corpus: {len(files)} files, {report.to_json()['summary']['documents_added']} documents, "
          f"{len(passages)} passages; {len(queries)} queries")
    print(f"{'system':<13} {'Hit@1':>7} {'Recall@5':>9} {'nDCG@10':>9}")
    for name, r in res.items():
        print(f"{name:<13} {r['hit@1']:>7.3f} {r['recall@5']:>9.3f} {r['ndcg@10']:>9.3f}")
    if args.per_query:
        for i, q in enumerate(queries):
            row = "  ".join(f"{n}: R@5={res[n]['queries'][i]['recall@5']:.2f} nDCG={res[n]['queries'][i]['ndcg@10']:.2f}"
                            for n in res)
            print(f"{q['id']} {q['query'][:50]:<50} {row}")
    best_baseline = max(res[n]["ndcg@10"] for n in ("bm25-text", "bm25-fields", "bm25s-text", "bm25s-fields"))
    return 0 if min(res["ours-tantivy"]["ndcg@10"], res["ours-fts5"]["ndcg@10"]) >= best_baseline else 1


if __name__ == "__main__":
    sys.exit(main())
