"""Evidence-library benchmark: ingest speed, index build and search latency at 1k/10k/100k passages,
memory, and PubMedQA retrieval (our search vs plain BM25 in the same run).

    .venv/bin/python benchmarks/bench_library.py                 # everything
    .venv/bin/python benchmarks/bench_library.py --sizes 1000 10000 --skip-pubmedqa
    .venv/bin/python benchmarks/bench_library.py --only-pubmedqa

All synthetic text is generated deterministically (seeded); nothing here asserts on time.
PubMedQA: ../shared/data/pubmedqa/ori_pqal.json (MIT) is used when present: each of the 1,000
abstracts (contexts with their section labels, plus the long answer as the conclusion) is written
to a temporary text file and ingested through the normal pipeline; each QUESTION is then searched
and the rank of its own abstract is recorded (documents ranked by their best passage among the top
50 passages). Baseline: rank_bm25.BM25Okapi over exactly the same passages.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

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

def bench_ingest(n_files: int = 100, pages_per_file: int = 10) -> None:
    from nephroguide.library import ingest

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
    print(f"ingest: {s['files']} text files, {s['pages']} pages, {s['passages_added']} passages in {dt:.2f} s "
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


def bench_scale(sizes: list[int], n_queries: int = 300, pubmedqa: Path | None = None) -> None:
    """Index build time, DB size, search latency (cold = first time each query runs in the process,
    warm = second pass; the difference is the per-process document-frequency cache) and RSS."""
    from nephroguide.library.index import open_library
    from nephroguide.library.search import search

    rng = random.Random(3)
    vocab = vocabulary(random.Random(11))
    lexicon_terms = ["CNI", "Rituxan", "FSGS", "IV CTX", "UPCR", "SRNS", "MMF", "eGFR"]
    zipf_queries = []
    for _ in range(n_queries):
        words = rng.sample(vocab[:40], 2) + rng.sample(vocab[40:2000], 2)
        if rng.random() < 0.5:
            words.append(rng.choice(lexicon_terms))
        zipf_queries.append(" ".join(words))
    corpora: list[tuple[str, list[str] | None, list[str]]] = [("zipf", None, zipf_queries)]
    if pubmedqa is not None and pubmedqa.exists():
        sentences, questions = pubmedqa_sentences(pubmedqa)
        corpora.append(("pubmedqa-mix", sentences, questions[:n_queries]))
    print("scale: corpus | passages | index build | build rate | DB size | search ms: p50 cold | p95 cold | "
          "p50 warm | p95 warm | p50 exact | p95 exact | pruned | RSS")
    for name, sentences, queries in corpora:
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                conn = open_library(tmp)
                assert conn is not None
                build = build_index(conn, n, sentences=sentences)
                search("warm up the lexicon", 10, conn=conn)
                runs = []
                pruned = 0
                for exact in (None, None, True):
                    times = []
                    for q in queries:
                        t0 = time.perf_counter()
                        res = search(q, 10, conn=conn, exact=exact)
                        times.append((time.perf_counter() - t0) * 1000)
                        pruned += 0 if res.exact else 1
                    runs.append((statistics.median(times), statistics.quantiles(times, n=20)[18]))
                conn.close()
                size = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6
                (c50, c95), (w50, w95), (e50, e95) = runs
                print(f"scale: {name} | {n:>8,} | {build:7.2f} s | {n / build:6.0f}/s | {size:6.1f} MB | "
                      f"{c50:6.2f} | {c95:6.2f} | {w50:6.2f} | {w95:6.2f} | {e50:6.2f} | {e95:6.2f} | "
                      f"{pruned / 2 / len(queries):4.0%} | {rss_mb():.0f} MB (peak {peak_rss_mb():.0f} MB)")


def bench_pubmedqa(path: Path) -> None:
    import numpy as np

    from nephroguide.library import ingest
    from nephroguide.library.evaluate import Bm25Baseline, all_passages
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
        ranks: dict[str, list[int | None]] = {"ours": [], "ours-pruned": [], "bm25": []}
        lat: dict[str, list[float]] = {"ours": [], "ours-pruned": [], "bm25": []}
        for pmid, e in data.items():
            q = e["QUESTION"]
            want = f"pmid{pmid}"
            t0 = time.perf_counter()
            ours_docs = _doc_order([h.doc_id for h in search(q, 50, conn=conn).hits])
            lat["ours"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            base_docs = _doc_order([h.doc_id for h in baseline.search(q, 50)])
            lat["bm25"].append((time.perf_counter() - t0) * 1000)
            ranks["ours"].append(ours_docs.index(want) + 1 if want in ours_docs else None)
            t0 = time.perf_counter()
            pruned_docs = _doc_order([h.doc_id for h in search(q, 50, conn=conn, exact=False).hits])
            lat["ours-pruned"].append((time.perf_counter() - t0) * 1000)
            ranks["ours-pruned"].append(pruned_docs.index(want) + 1 if want in pruned_docs else None)
            ranks["bm25"].append(base_docs.index(want) + 1 if want in base_docs else None)
        conn.close()
    s = report.to_json()["summary"]
    print(f"pubmedqa: {s['documents_added']} abstracts, {len(passages)} passages, ingest {t_ingest:.2f} s "
          f"({s['documents_added'] / t_ingest:.0f} docs/s); bm25 baseline build {t_bm25:.2f} s")
    print("pubmedqa: system | Recall@1 | Recall@5 | Recall@10 | MRR@50 | query p50")
    for name, rs in ranks.items():
        n = len(rs)
        r_at = [sum(1 for r in rs if r is not None and r <= k) / n for k in (1, 5, 10)]
        mrr = sum(1.0 / r for r in rs if r is not None) / n
        print(f"pubmedqa: {name:<11} | {r_at[0]:.3f} | {r_at[1]:.3f} | {r_at[2]:.3f} | {mrr:.3f} | "
              f"{float(np.median(lat[name])):.2f} ms")


def _doc_order(doc_ids: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for d in doc_ids:
        seen.setdefault(d, None)
    return list(seen)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--skip-pubmedqa", action="store_true")
    parser.add_argument("--only-pubmedqa", action="store_true")
    parser.add_argument("--pubmedqa", type=Path, default=PUBMEDQA)
    args = parser.parse_args()
    os.environ.pop("NEPHROGUIDE_DATABASE_URL", None)
    print(f"python {sys.version.split()[0]}, sqlite {__import__('sqlite3').sqlite_version}, start RSS {rss_mb():.0f} MB")
    if not args.only_pubmedqa:
        bench_ingest()
        bench_scale(args.sizes, pubmedqa=args.pubmedqa)
    if not args.skip_pubmedqa:
        if args.pubmedqa.exists():
            bench_pubmedqa(args.pubmedqa)
        else:
            print(f"pubmedqa: skipped ({args.pubmedqa} not found)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
