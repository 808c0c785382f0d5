"""Review store speed: first use (migrate + seed), propose, approve (+ export), review_status, the served-pack
hook, and a password login — on SQLite and, when $NEPHROGUIDE_TEST_POSTGRES_URL is set, PostgreSQL.

Run: .venv/bin/python benchmarks/bench_review.py
"""

from __future__ import annotations

import copy
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

DOSE = "tacrolimus.srns.kdigo2025"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def median(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench(url: str, home: Path, label: str) -> None:
    from nephroguide.review import review_status, status
    from nephroguide.review.db import engine_for, normalize_url, upgrade
    from nephroguide.review.service import Review

    t = time.perf_counter()
    engine = engine_for(normalize_url(url))
    report = upgrade(engine)
    first = time.perf_counter() - t
    print(f"[{label}] first use (migrations + seed of {report.seeded} entries): {ms(first)}")
    t = time.perf_counter()
    upgrade(engine)
    print(f"[{label}] upgrade again (no-op): {ms(time.perf_counter() - t)}")
    r = Review(engine, home=home, auto_export=False)
    admin = r.add_user(None, "admin", "admin")
    ed = r.add_user(admin, "ed", "editor")
    rv = r.add_user(admin, "rv", "reviewer", "a-long-password-1")
    base = r.entry(DOSE)["content"]
    pids = []

    def propose() -> None:
        c = copy.deepcopy(base)
        c["bases"][0]["value"] = round(0.1 + len(pids) / 1000, 4)
        pids.append(r.propose(ed, DOSE, c, submit=True)["id"])

    print(f"[{label}] propose (validate + whole-pack check + diff + audit), median of 20: {ms(median(propose, 20))}")
    # approve the last one (the others are stale once it is approved)
    t = time.perf_counter()
    r.act(rv, pids[-1], "approve")
    print(f"[{label}] approve (no export): {ms(time.perf_counter() - t)}")
    r.auto_export = True
    c = copy.deepcopy(r.entry(DOSE)["content"])
    c["bases"][0]["value"] = 0.12
    p = r.propose(ed, DOSE, c, submit=True)
    t = time.perf_counter()
    r.act(rv, p["id"], "approve")
    print(f"[{label}] approve + export to <home>/pack (write ~30 files, load and validate): "
          f"{ms(time.perf_counter() - t)}")
    ids = ["srns.cni.first_line", DOSE, "caution.cni.egfr_below_30", "kdigo2025"]

    def uncached() -> None:
        status.invalidate()
        review_status(ids, url=url, pack=False)

    print(f"[{label}] review_status, store read (uncached), median of 50: {ms(median(uncached, 50))}")
    review_status(ids, url=url, pack=False)
    print(f"[{label}] review_status, cached, median of 2000: "
          f"{median(lambda: review_status(ids, url=url, pack=False), 2000) * 1e6:.1f} µs")
    print(f"[{label}] login (argon2id verify + audit row), median of 5: "
          f"{ms(median(lambda: r.login('rv', 'a-long-password-1', ip='bench'), 5))}")
    v = r.audit_verify()
    t = time.perf_counter()
    r.audit_verify()
    print(f"[{label}] audit verify of {v['rows']} rows: {ms(time.perf_counter() - t)}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ["NEPHROGUIDE_HOME"] = str(home)
        from nephroguide.knowledge.pack import active_pack_dir, load_pack

        load_pack()
        n = 20000
        t = time.perf_counter()
        for _ in range(n):
            active_pack_dir()
        print(f"served-pack hook, no home pack (one failed stat): {(time.perf_counter() - t) / n * 1e6:.2f} µs/call")
        bench(f"sqlite:///{Path(tmp) / 'review.sqlite3'}", home, "sqlite")
        t = time.perf_counter()
        for _ in range(n):
            active_pack_dir()
        print(f"served-pack hook, with a home pack (stat + cache hit): {(time.perf_counter() - t) / n * 1e6:.2f} µs/call")
        pg = os.environ.get("NEPHROGUIDE_TEST_POSTGRES_URL")
        if pg:
            import psycopg
            from sqlalchemy.engine import make_url

            schema = "bench_" + secrets.token_hex(4)
            admin = make_url(pg).set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            try:
                sep = "&" if "?" in pg else "?"
                bench(f"{pg}{sep}options=-csearch_path%3D{schema}", Path(tmp) / "home-pg", "postgresql")
            finally:
                from nephroguide.review.db import dispose_all

                dispose_all()
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
        else:
            print("PostgreSQL: set NEPHROGUIDE_TEST_POSTGRES_URL to measure it too", file=sys.stderr)


if __name__ == "__main__":
    main()
