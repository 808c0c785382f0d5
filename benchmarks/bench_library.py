"""Evidence-library benchmark: ingest speed, index build and search latency at 1k/10k/100k passages,
memory, and PubMedQA retrieval — for both search backends (tantivy, the default, and SQLite FTS5)
side by side, and our search vs plain BM25 in the same run.

    .venv/bin/python benchmarks/bench_library.py                 # everything
    .venv/bin/python benchmarks/bench_library.py --sizes 1000 10000 --skip-pubmedqa
    .venv/bin/python benchmarks/bench_library.py --only-pubmedqa

All synthetic text is generated deterministically (seeded); nothing here asserts on time.

Scale runs: the library (SQLite tables + FTS5, written through ``store_document``, one transaction
per 50-passage document) is built once per size in this process; then each backend is measured in
a fresh child process (so RSS is its own): for tantivy the derived index is built from SQLite first
(a full rebuild, timed), then the queries run twice (cold = first time in the process, warm =
second pass), FTS5 also once exact (no pruning). Finally one more 50-passage document is stored and
removed, timing the write plus the catch-up of the backend (FTS5: nothing; tantivy: incremental sync).

PubMedQA: ../shared/data/pubmedqa/ori_pqal.json (MIT) is used when present: each of the 1,000
abstracts (contexts with their section labels, plus the long answer as the conclusion) is written
to a temporary text file and ingested through the normal pipeline; each QUESTION is then searched
and the rank of its own abstract is recorded (documents ranked by their best passage among the top
50 passages). Baselines over exactly the same passages: rank_bm25.BM25Okapi (lower-cased word
tokens) and bm25s (Lucene BM25, its tokenizer with English stop words). nDCG@10 with the one
relevant abstract per question = 1/log2(rank + 1) when it is in the top 10. The data file is local
(read-only ../shared/data); nothing is downloaded at run time, and the run is skipped without it.
Search latency is p50 and p99 over the queries (2 shared cores: numbers vary by about 30 %).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PUBMEDQA = ROOT.parent / "shared" / "data" / "pubmedqa" / "ori_pqal.json"


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc), else peak RSS."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb() -> float:
    """Peak resident set size in MB: VmHWM (Linux; reset by exec, unlike ru_maxrss), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------------------- synthetic text

def vocabulary(rng: random.Random, n: int = 6000) -> list[str]:
    syllables = ["ne", "phro", "ti", "cal", "ci", "neu", "rin", "pro", "te", "in", "ur", "ia", "glo", "mer", "u",
                 "lo", "scle", "ro", "sis", "pe", "di", "at", "ric", "re", "mis", "sion", "lap", "se", "ste", "roid",
                 "do", "sa", "ge", "ther", "ap", "y", "kid", "ney", "bi", "op", "sy", "cor", "ti", "co", "al", "bu",
                 "min", "cre", "a", "tin", "ine", "ma", "ra", "to", "ve", "ly", "ment", "ous", "ic", "tion"]
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    common = ["the", "of", "and", "in", "with", "was", "were", "children", "patients", "treatment", "remission", "relapse", "tacrolimus", "rituximab", "cyclophosphamide", "prednisolone", "proteinuria", "albumin", "biopsy", "months", "years", "dose", "mg", "kg", "response", "therapy", "trial", "cohort", "calcineurin", "inhibitor", "steroid", "resistant", "nephrotic", "syndrome"]
    return common + sorted(words)


def passage_text(rng: random.Random, vocab: list[str], weights: list[float], n_words: int) -> str:
    words = rng.choices(vocab, weights=weights, k=n_words)
    out, sentence = [], []
    for w in words:
        sentence.append(w)
        if len(sentence) >= rng.randint(12, 24):
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    if sentence:
        out.append(" ".join(sentence).capitalize() + ".")
    return " ".join(out)


def messy_page(rng: random.Random, vocab: list[str], weights: list[float], page: int, pages: int) -> str:
    """One page (~450 words) of extracted-PDF-like text: running header, hyphenated breaks, short lines."""
    text = passage_text(rng, vocab, weights, 450)
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) > 56:
            if len(word) > 7 and rng.random() < 0.3:
                cut = len(word) // 2
                lines.append(f"{line} {word[:cut]}-".strip())
                line = word[cut:]
                continue
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    head = f"Page {page} of {pages}Synthetic et al. Bench Journal          (2024) 1:{page}  \n\n" if page > 1 else ""
    section = ["Background", "Methods", "Results", "Discussion"][min(page - 1, 3)] if page <= 4 else "Results"
    return head + section + "\n" + "\n".join(lines) + "\n\n"


# ----------------------------------------------------------------------------------------- benchmarks

def bench_ingest(backend: str, n_files: int = 100, pages_per_file: int = 10) -> None:
    """Ingest through the pipeline with ``backend`` selected (tantivy: the derived index is synced at the end)."""
    from nephroguide.library import ingest
    from nephroguide.library.tantivy_index import ENV_BACKEND

    os.environ[ENV_BACKEND] = backend
    rng = random.Random(7)
    vocab = vocabulary(rng)
    weights = [1.0 / (i + 10) for i in range(len(vocab))]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "docs"
        src.mkdir()
        for i in range(n_files):
            body = "".join(messy_page(rng, vocab, weights, p, pages_per_file) for p in range(1, pages_per_file + 1))
            (src / f"paper{i:04d}.txt").write_text(f"Synthetic benchmark paper {i}\n\nAbstract\n{body}")
        t0 = time.perf_counter()
        report = ingest([src], home=Path(tmp) / "home")
        dt = time.perf_counter() - t0
        s = report.to_json()["summary"]
    print(f"ingest [{backend}]: {s['files']} text files, {s['pages']} pages, {s['passages_added']} passages in {dt:.2f} s "
          f"-> {s['pages'] / dt:.0f} pages/s, {s['passages_added'] / dt:.0f} passages/s "
          f"(errors {s['errors']}); peak RSS {peak_rss_mb():.0f} MB")


def pubmedqa_sentences(path: Path) -> tuple[list[str], list[str]]:
    """Sentences of the PubMedQA contexts and the questions (for the 'real vocabulary' scale runs)."""
    import re

    data = json.loads(path.read_text(encoding="utf-8"))
    sentences, questions = [], []
    for e in data.values():
        for ctx in e["CONTEXTS"]:
            sentences += [x for x in re.split(r"(?<=[.!?])\s+(?=[A-Z])", ctx) if len(x.split()) >= 5]
        questions.append(e["QUESTION"])
    return sentences, questions


def build_index(conn, n_passages: int, seed: int = 11, sentences: list[str] | None = None) -> float:  # type: ignore[no-untyped-def]
    """Store n synthetic passages (50 per document). Text: seeded Zipf words, or seeded mixes of
    real sentences when ``sentences`` is given. Returns the seconds spent writing the index."""
    from nephroguide.library.index import store_document
    from nephroguide.library.model import Metadata, Passage, RawDocument, SectionSpan

    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = [1.0 / (i + 10) for i in range(len(vocab))]
    per_doc = 50

    def one() -> str:
        if sentences:
            return " ".join(rng.sample(sentences, rng.randint(5, 9)))
        return passage_text(rng, vocab, weights, rng.randint(100, 220))

    texts_per_doc = []
    for d in range(0, n_passages, per_doc):
        texts_per_doc.append([one() for _ in range(min(per_doc, n_passages - d))])
    t0 = time.perf_counter()
    for d, texts in enumerate(texts_per_doc):
        doc_id = f"bench{d:06d}"
        full, passages, pos = [], [], 0
        for i, t in enumerate(texts):
            passages.append(Passage(f"p{d:06d}{i:03d}", doc_id, i, i, "Results", "Results", None, None, pos,
                                    pos + len(t), t))
            full.append(t)
            pos += len(t) + 2
        text = "\n\n".join(full)
        doc = RawDocument(text=text, format="text", metadata=Metadata(title=f"Synthetic benchmark document {d}",
                                                                      year=2000 + d % 25))
        store_document(conn, doc, doc_id, [SectionSpan("Results", "Results", 0, len(text))], passages)
    return time.perf_counter() - t0


def scale_queries(n_queries: int, questions: list[str] | None) -> list[str]:
    """Seeded queries: two common + two rarer vocabulary words, half with a lexicon term; or the PubMedQA questions."""
    if questions is not None:
        return questions[:n_queries]
    rng = random.Random(3)
    vocab = vocabulary(random.Random(11))
    lexicon_terms = ["CNI", "Rituxan", "FSGS", "IV CTX", "UPCR", "SRNS", "MMF", "eGFR"]
    queries = []
    for _ in range(n_queries):
        words = rng.sample(vocab[:40], 2) + rng.sample(vocab[40:2000], 2)
        if rng.random() < 0.5:
            words.append(rng.choice(lexicon_terms))
        queries.append(" ".join(words))
    return queries


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6 if path.exists() else 0.0


def scale_worker(home: str, backend: str, queries_file: str, phase: str) -> dict[str, object]:
    """One backend on an existing library, in its own process. ``build`` (tantivy): build the derived
    index from SQLite. ``search``: latency and RSS (the index is current), then one write + catch-up."""
    from nephroguide.library import tantivy_index
    from nephroguide.library.index import open_library, remove, store_document
    from nephroguide.library.model import Metadata, Passage, RawDocument, SectionSpan
    from nephroguide.library.search import search

    conn = open_library(home, create=False)
    assert conn is not None
    out: dict[str, object] = {"backend": backend, "phase": phase}
    if phase == "build":
        t0 = time.perf_counter()
        done = tantivy_index.sync(conn)
        out["build_s"] = time.perf_counter() - t0
        assert done["mode"] == "rebuild", done
        root = tantivy_index.index_root(conn)
        assert root is not None
        out["index_mb"] = dir_mb(root / "index")
        out["peak_rss"] = peak_rss_mb()
        conn.close()
        return out
    queries = json.loads(Path(queries_file).read_text())
    search("warm up the lexicon", 10, conn=conn, backend=backend)
    runs = []
    pruned = 0
    for exact in ((None, None, True) if backend == "fts5" else (None, None)):
        times = []
        for q in queries:
            t0 = time.perf_counter()
            res = search(q, 10, conn=conn, exact=exact, backend=backend)
            times.append((time.perf_counter() - t0) * 1000)
            pruned += 0 if res.exact else 1
        runs.append((statistics.median(times), statistics.quantiles(times, n=100)[98]))
    out["runs"] = runs
    out["pruned"] = pruned / 2 / len(queries)
    out["rss"] = rss_mb()
    out["peak_rss"] = peak_rss_mb()
    # one more 50-passage document: write + catch-up, then remove it again
    texts = [f"Synthetic extra passage {i} about tacrolimus and rituximab in steroid resistant nephrotic "
             f"syndrome with {i} words of padding." for i in range(50)]
    passages, pos = [], 0
    for i, t in enumerate(texts):
        passages.append(Passage(f"pextra{i:03d}", "extra", i, i, "Results", "Results", None, None, pos, pos + len(t), t))
        pos += len(t) + 2
    text = "\n\n".join(texts)
    doc = RawDocument(text=text, format="text", metadata=Metadata(title="Extra synthetic document"))
    os.environ[tantivy_index.ENV_BACKEND] = backend
    t0 = time.perf_counter()
    store_document(conn, doc, "extra", [SectionSpan("Results", "Results", 0, len(text))], passages)
    t1 = time.perf_counter()
    tantivy_index.after_write(conn)  # tantivy: incremental sync; fts5: prune the deletion log
    t2 = time.perf_counter()
    remove(conn, "extra")
    tantivy_index.after_write(conn)
    t3 = time.perf_counter()
    out["add_doc_ms"] = ((t1 - t0) * 1000, (t2 - t1) * 1000)
    out["remove_doc_ms"] = (t3 - t2) * 1000
    conn.close()
    return out


def bench_scale(sizes: list[int], n_queries: int = 300, pubmedqa: Path | None = None,
                backends: tuple[str, ...] = ("fts5", "tantivy")) -> None:
    """Per corpus and size: the SQLite build (documents, passages, FTS5: one transaction per document),
    then each backend in a child process (see the module docstring)."""
    import subprocess

    from nephroguide.library.index import open_library

    corpora: list[tuple[str, list[str] | None, list[str]]] = [("zipf", None, scale_queries(n_queries, None))]
    if pubmedqa is not None and pubmedqa.exists():
        sentences, questions = pubmedqa_sentences(pubmedqa)
        corpora.append(("pubmedqa-mix", sentences, scale_queries(n_queries, questions)))
    print("scale: corpus | passages | backend | SQLite+FTS5 write | derived build (peak RSS) | index MB | "
          "search ms (k=10): p50 cold | p99 cold | p50 warm | p99 warm | p50 exact | p99 exact | pruned | "
          "search process RSS (peak) | add a 50-passage doc: write + sync ms | remove + sync ms")
    for name, sentences, queries in corpora:
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                conn = open_library(tmp)
                assert conn is not None
                write = build_index(conn, n, sentences=sentences)
                conn.close()
                db_mb = sum(f.stat().st_size for f in Path(tmp).iterdir() if f.is_file()) / 1e6
                qfile = Path(tmp) / "queries.json"
                qfile.write_text(json.dumps(queries))

                def worker(backend: str, phase: str, tmp: str = tmp, qfile: Path = qfile) -> dict[str, Any] | None:
                    proc = subprocess.run([sys.executable, __file__, "--worker", tmp, backend, str(qfile), phase],
                                          capture_output=True, text=True, check=False)
                    if proc.returncode != 0:
                        print(f"scale: {backend} {phase} worker failed: {proc.stderr.strip()[-800:]}")
                        return None
                    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))

                for backend in backends:
                    built = worker(backend, "build") if backend == "tantivy" else {}
                    r = worker(backend, "search") if built is not None else None
                    if r is None or built is None:
                        continue
                    (c50, c99), (w50, w99) = r["runs"][0], r["runs"][1]
                    e50, e99 = r["runs"][2] if len(r["runs"]) > 2 else (float("nan"), float("nan"))
                    idx = f"{built['index_mb']:6.1f}" if built else f"{db_mb:6.1f}*"
                    build = f"{built['build_s']:6.2f} s ({built['peak_rss']:.0f} MB)" if built else "       -       "
                    print(f"scale: {name} | {n:>8,} | {backend:<7} | {write:7.2f} s ({n / write:5.0f}/s) | {build} | "
                          f"{idx} | {c50:6.2f} | {c99:6.2f} | {w50:6.2f} | {w99:6.2f} | {e50:6.2f} | {e99:6.2f} | "
                          f"{r['pruned']:4.0%} | {r['rss']:.0f} MB ({r['peak_rss']:.0f} MB) | "
                          f"{r['add_doc_ms'][0]:.1f} + {r['add_doc_ms'][1]:.1f} | {r['remove_doc_ms']:.1f}")
    print("scale: * the whole SQLite file (documents, passages and FTS5 together); the tantivy index is extra")


def bench_pubmedqa(path: Path) -> None:
    import numpy as np

    from nephroguide.library import ingest
    from nephroguide.library.evaluate import Bm25Baseline, Bm25sBaseline, all_passages
    from nephroguide.library.index import open_library
    from nephroguide.library.search import search

    data = json.loads(path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "abstracts"
        src.mkdir()
        for pmid, e in data.items():
            parts = [f"{label.capitalize()}: {ctx}" for label, ctx in zip(e["LABELS"], e["CONTEXTS"], strict=False)]
            parts.append(f"Conclusions: {e['LONG_ANSWER']}")
            (src / f"{pmid}.txt").write_text("Abstract\n" + "\n".join(parts) + "\n", encoding="utf-8")
            (src / f"{pmid}.txt.meta.json").write_text(json.dumps({"id": f"pmid{pmid}", "pmid": pmid,
                                                                   "year": int(e.get("YEAR") or 0) or None}))
        t0 = time.perf_counter()
        report = ingest([src], home=Path(tmp) / "home")
        t_ingest = time.perf_counter() - t0
        conn = open_library(Path(tmp) / "home", create=False)
        assert conn is not None
        passages = all_passages(conn)
        t0 = time.perf_counter()
        baseline = Bm25Baseline(passages)
        t_bm25 = time.perf_counter() - t0
        baseline_s = Bm25sBaseline(passages)
        systems: dict[str, Callable[[str], list[str]]] = {
            "tantivy": lambda q: [h.doc_id for h in search(q, 50, conn=conn, backend="tantivy").hits],
            "fts5": lambda q: [h.doc_id for h in search(q, 50, conn=conn, backend="fts5").hits],
            "fts5-pruned": lambda q: [h.doc_id for h in search(q, 50, conn=conn, backend="fts5", exact=False).hits],
            "rank-bm25": lambda q: [h.doc_id for h in baseline.search(q, 50)],
            "bm25s": lambda q: [h.doc_id for h in baseline_s.search(q, 50)],
        }
        ranks: dict[str, list[int | None]] = {name: [] for name in systems}
        lat: dict[str, list[float]] = {name: [] for name in systems}
        for pmid, e in data.items():
            q = e["QUESTION"]
            want = f"pmid{pmid}"
            for name, run in systems.items():
                t0 = time.perf_counter()
                docs = _doc_order(run(q))
                lat[name].append((time.perf_counter() - t0) * 1000)
                ranks[name].append(docs.index(want) + 1 if want in docs else None)
        conn.close()
    s = report.to_json()["summary"]
    print(f"pubmedqa: {s['documents_added']} abstracts, {len(passages)} passages, ingest {t_ingest:.2f} s "
          f"({s['documents_added'] / t_ingest:.0f} docs/s); bm25 baseline build {t_bm25:.2f} s")
    print("pubmedqa: system | Recall@1 | Recall@5 | Recall@10 | nDCG@10 | MRR@50 | query p50 / p99 (k=50)")
    for name, rs in ranks.items():
        n = len(rs)
        r_at = [sum(1 for r in rs if r is not None and r <= k) / n for k in (1, 5, 10)]
        mrr = sum(1.0 / r for r in rs if r is not None) / n
        ndcg = sum(1.0 / math.log2(r + 1) for r in rs if r is not None and r <= 10) / n  # one relevant abstract
        print(f"pubmedqa: {name:<11} | {r_at[0]:.3f} | {r_at[1]:.3f} | {r_at[2]:.3f} | {ndcg:.4f} | {mrr:.3f} | "
              f"{float(np.median(lat[name])):.2f} / {float(np.percentile(lat[name], 99)):.2f} ms")


def _doc_order(doc_ids: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for d in doc_ids:
        seen.setdefault(d, None)
    return list(seen)


def main() -> int:
    if len(sys.argv) == 6 and sys.argv[1] == "--worker":
        print(json.dumps(scale_worker(*sys.argv[2:6])))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--backends", nargs="*", default=["fts5", "tantivy"], choices=["fts5", "tantivy"])
    parser.add_argument("--skip-pubmedqa", action="store_true")
    parser.add_argument("--only-pubmedqa", action="store_true")
    parser.add_argument("--pubmedqa", type=Path, default=PUBMEDQA)
    args = parser.parse_args()
    os.environ.pop("NEPHROGUIDE_DATABASE_URL", None)
    import tantivy

    print(f"python {sys.version.split()[0]}, sqlite {__import__('sqlite3').sqlite_version}, "
          f"tantivy {tantivy.__version__}, {os.cpu_count()} CPUs, start RSS {rss_mb():.0f} MB")
    if not args.only_pubmedqa:
        for backend in args.backends:
            bench_ingest(backend)
        os.environ.pop("NEPHROGUIDE_SEARCH_BACKEND", None)
        bench_scale(args.sizes, pubmedqa=args.pubmedqa, backends=tuple(args.backends))
    if not args.skip_pubmedqa:
        if args.pubmedqa.exists():
            bench_pubmedqa(args.pubmedqa)
        else:
            print(f"pubmedqa: skipped ({args.pubmedqa} not found)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
