"""Engine speed: knowledge-pack load, in-process plan per child, and `nephroguide plan` as a fresh process.

Run: .venv/bin/python benchmarks/bench_engine.py
Targets (issue 2): pack load < 200 ms; plan < 2 ms in-process after load; fresh-process plan < 0.5 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = sorted((ROOT / "tests" / "patients").glob("*.yaml"))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    from nephroguide.knowledge.pack import PACK_DIR, build_pack

    loads = []
    for _ in range(5):
        t = time.perf_counter()
        pack = build_pack(PACK_DIR)
        loads.append(time.perf_counter() - t)
    print(f"knowledge pack load (cold build, {sum(pack.counts().values())} entries): "
          f"median {ms(statistics.median(loads))}, min {ms(min(loads))}")

    from nephroguide import api
    from nephroguide.intake.record import load_patient, read_record_file

    records = [read_record_file(p) for p in PATIENTS]
    import datetime as dt

    today = dt.date(2026, 11, 21)
    patients = [load_patient(r, today=today) for r in records]
    api.plan(patients[0])  # warm-up (loads the cached pack)
    times = []
    for _ in range(20):
        for p in patients:
            t = time.perf_counter()
            api.plan(p)
            times.append(time.perf_counter() - t)
    times.sort()
    print(f"plan in-process (validated patient, {len(patients)} children x 20): p50 {ms(times[len(times) // 2])}, "
          f"p95 {ms(times[int(len(times) * 0.95)])}")
    intake = []
    for _ in range(20):
        for r in records:
            t = time.perf_counter()
            load_patient(r, today=today)
            intake.append(time.perf_counter() - t)
    intake.sort()
    print(f"intake (record -> patient): p50 {ms(intake[len(intake) // 2])}")

    exe = [sys.executable, "-m", "nephroguide.cli", "plan", str(ROOT / "tests" / "patients" / "05_srns_initial.yaml")]
    runs = []
    for _ in range(7):
        t = time.perf_counter()
        subprocess.run(exe, check=False, capture_output=True)
        runs.append(time.perf_counter() - t)
    print(f"`nephroguide plan` fresh process: median {ms(statistics.median(runs))}, min {ms(min(runs))}")


if __name__ == "__main__":
    main()
