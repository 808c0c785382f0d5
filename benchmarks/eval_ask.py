"""Evaluate and time `nephroguide ask`.

Prints, for the evaluation set tests/eval/questions.yaml (all, dev, held-out splits 1-3): intent
accuracy, scope accuracy, must-contain recall, must-not violations and citation coverage (share of
statements with a reference; must be 100%) — held-out 3 was never used for tuning; then latency: in-process p50/p95 after warm-up for each
audience, and fresh-process `nephroguide ask` wall time.

    .venv/bin/python benchmarks/eval_ask.py [--rounds 5] [--fresh 7] [--details]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "eval" / "questions.yaml"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds over the whole set per audience")
    parser.add_argument("--fresh", type=int, default=7, help="fresh-process runs of `nephroguide ask`")
    parser.add_argument("--details", action="store_true", help="list every question that misses something")
    args = parser.parse_args()

    from nephroguide.answer.evaluate import TODAY, load_cases, run
    from nephroguide.api import ask

    t0 = time.perf_counter()
    report = run(EVAL)
    print(f"evaluation set: {EVAL.relative_to(ROOT)} ({report.n} questions, {time.perf_counter() - t0:.1f} s)")
    splits = [("all", report), ("dev", report.split("dev")), ("held-out 1", report.split("heldout")),
              ("held-out 2", report.split("heldout2")), ("held-out 3", report.split("heldout3"))]
    for name, part in splits:
        s = part.summary()
        print(f"  {name:10} n={s['questions']:3}  intent accuracy {s['intent_accuracy']:.1%}  "
              f"scope accuracy {s['scope_accuracy']:.1%}  must-contain recall {s['must_contain_recall']:.1%}  "
              f"must-not violations {s['must_not_violations']}  citation coverage {s['citation_coverage']:.2%} "
              f"({s['statements']} statements)")
    if args.details:
        for r in report.results:
            problems = []
            if not r.intent_ok:
                problems.append(f"intent {r.answer.intent} (expected {r.case.intent})")
            if not r.scope_ok:
                problems.append(f"scope {r.answer.scope} (expected {r.case.scope})")
            if r.missing:
                problems.append(f"missing {r.missing}")
            if r.violations:
                problems.append(f"must-not {r.violations}")
            if problems:
                print(f"    {r.case.id}: {r.case.question[:60]!r}: {'; '.join(problems)}")

    questions = [c for c in load_cases(EVAL) if not c.before]
    print(f"\nlatency in-process, after warm-up ({args.rounds} rounds x {len(questions)} questions, no session):")
    for audience in ("clinician", "family", "student"):
        for c in questions:   # warm-up: pack, lexicon, vocabulary, regexes, textstat
            ask(c.question, audience=audience, today=TODAY)
        times = []
        for _ in range(args.rounds):
            for c in questions:
                t = time.perf_counter()
                ask(c.question, audience=audience, today=TODAY)
                times.append((time.perf_counter() - t) * 1000)
        print(f"  {audience:9}  p50 {percentile(times, 50):6.2f} ms   p95 {percentile(times, 95):6.2f} ms   "
              f"max {max(times):6.2f} ms")

    exe = ROOT / ".venv" / "bin" / "nephroguide"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "nephroguide.cli"]
    samples = ["What is the next step for a child with steroid-resistant nephrotic syndrome?",
               "Tacrolimus dose for a 20 kg child with SRNS"]
    print(f"\nfresh process `nephroguide ask` ({args.fresh} runs each, wall time):")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "NEPHROGUIDE_HOME": home}
        for q in samples:
            for audience in ("clinician", "family"):
                walls = []
                for _ in range(args.fresh):
                    t = time.perf_counter()
                    proc = subprocess.run([*cmd, "ask", q, "--audience", audience], env=env, capture_output=True)
                    walls.append(time.perf_counter() - t)
                    if proc.returncode != 0:
                        print(f"  exit {proc.returncode}: {proc.stderr.decode()[:200]}")
                print(f"  {audience:9} median {statistics.median(walls):.3f} s  max {max(walls):.3f} s   {q[:60]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
