"""Cohort analysis speed: 10,000 patients x 50 measurements (500,000 measurement rows), generated deterministically.

Run: .venv/bin/python benchmarks/bench_cohort.py [--patients N] [--workers 1 2] [--cli]
Target (issue 5): parse + analyse < 10 s on 2 cores.

Each synthetic patient has 6 monthly ctx_infusion events and 25 visits with a UPCR (mg/mg or
mg/mmol) and an albumin (g/dL or g/L): 50 measurements. Courses are drawn from a seeded generator:
some remit completely, some partially, some never, some relapse; a few rows are left unsorted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEASUREMENTS = 50


def generate(path: Path, n_patients: int, seed: int = 20211123) -> int:
    """Write the synthetic labs.csv; returns the number of data rows."""
    rng = random.Random(seed)
    start = dt.date(2005, 1, 3)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("patient_id,date,test,value,unit\n")
        for i in range(1, n_patients + 1):
            pid = f"P{i:05d}"
            first = start + dt.timedelta(days=rng.randrange(0, 5000))
            for k in range(6):
                fh.write(f"{pid},{first + dt.timedelta(days=30 * k)},event,ctx_infusion,\n")
                rows += 1
            course = rng.choice(("cr", "cr", "pr", "nr", "relapse"))
            mmol = rng.random() < 0.2
            gl = rng.random() < 0.2
            level = rng.uniform(3.0, 9.0)
            lines = []
            for v in range(MEASUREMENTS // 2):
                day = first + dt.timedelta(days=-60 + 21 * v)
                progress = v / (MEASUREMENTS // 2)
                if course == "cr":
                    upcr = max(0.03, level * (1 - 1.4 * progress)) if progress < 0.7 else rng.uniform(0.04, 0.19)
                elif course == "pr":
                    upcr = level * (1 - progress) + rng.uniform(0.3, 0.9)
                elif course == "relapse":
                    upcr = rng.uniform(0.05, 0.15) if 0.3 < progress < 0.7 else level * rng.uniform(0.6, 1.2)
                else:
                    upcr = level * rng.uniform(0.7, 1.3)
                albumin = 4.2 - min(upcr, 6.0) * 0.45 + rng.uniform(-0.2, 0.2)
                if course == "pr" and upcr < 2:
                    albumin = rng.uniform(2.6, 3.3)
                albumin = min(max(albumin, 0.6), 5.0)
                u = f"{upcr * 113.12:.0f},mg/mmol" if mmol else f"{upcr:.2f},mg/mg"
                a = f"{albumin * 10:.0f},g/L" if gl else f"{albumin:.1f},g/dL"
                lines.append(f"{pid},{day},upcr,{u}\n")
                lines.append(f"{pid},{day},albumin,{a}\n")
            if i % 50 == 0:  # an out-of-order export for some patients
                lines.reverse()
            fh.writelines(lines)
            rows += len(lines)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--cli", action="store_true", help="also time `nephroguide cohort ... --format json` end to end")
    ap.add_argument("--figures", action="store_true",
                    help="also time the Kaplan-Meier (lifelines) and swimmer figures of the whole cohort (PNG)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                    help="processes to analyse with (default: 1 then 2)")
    args = ap.parse_args()

    from nephroguide.cohort import analyse
    from nephroguide.cohort.csvio import read_labs
    from nephroguide.knowledge.pack import load_pack

    with tempfile.TemporaryDirectory() as tmp:
        labs = Path(tmp) / "labs.csv"
        t = time.perf_counter()
        n_rows = generate(labs, args.patients)
        print(f"generated {args.patients} patients, {n_rows} rows "
              f"({args.patients * MEASUREMENTS} measurements), {labs.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - t:.2f} s")
        pack = load_pack()
        for definitions, workers in [(d, w) for w in args.workers for d in ("haddad2021", "current")]:
            c0, t0 = time.process_time(), time.perf_counter()
            data = read_labs(labs)
            c1, t1 = time.process_time(), time.perf_counter()
            result = analyse(data, definitions, index_event="ctx_infusion", pack=pack, workers=workers)
            c2, t2 = time.process_time(), time.perf_counter()
            result.to_json()
            t3 = time.perf_counter()
            s = result.summary
            print(f"{definitions:>10}, {workers} process(es): parse {t1 - t0:.2f} s + analyse {t2 - t1:.2f} s = "
                  f"{t2 - t0:.2f} s wall "
                  f"(this process's CPU: parse {c1 - c0:.2f} s, analyse {c2 - c1:.2f} s; JSON {t3 - t2:.2f} s); "
                  f"CR {s.counts['complete_remission']}, PR {s.counts['partial_remission']}, "
                  f"NR {s.counts['no_response']}, median months to CR {s.time_to_cr.median}")
        if args.figures:
            from nephroguide.cohort.figure import render_km, render_swimmer

            for name, render in (("Kaplan-Meier", render_km), ("swimmer (first 200 rows)", render_swimmer)):
                t = time.perf_counter()
                png = render(result, "png")
                print(f"{name} figure of {args.patients} patients: {time.perf_counter() - t:.2f} s, {len(png)} bytes PNG")
        if args.cli:
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "nephroguide.cli", "cohort", str(labs), "--definitions",
                                "haddad2021", "--index-event", "ctx_infusion", "--format", "json", "--output",
                                str(Path(tmp) / "out.json")], capture_output=True, text=True, check=False)
            print(f"`nephroguide cohort --format json --output FILE` fresh process: {time.perf_counter() - t:.2f} s "
                  f"(exit {r.returncode}{', ' + r.stderr.strip() if r.returncode else ''})")


if __name__ == "__main__":
    main()
