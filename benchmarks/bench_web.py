"""Web speed on loopback: `/api/v1/ask` (or `/api/v1/plan` when ask is not installed) and CDS Hooks patient-view.

Run: .venv/bin/python benchmarks/bench_web.py [--workers N] [--duration S] [--connections C]

Starts `nephroguide serve` on a free loopback port (a temporary NEPHROGUIDE_HOME), then
* load: `wrk` (Debian package) for a bounded time, POSTing the same question; without wrk, a bounded
  number of requests from an httpx thread pool (the output says which generator ran);
* CDS Hooks patient-view: sequential requests with the SRNS example (tests/corpus/cds), p50/p95.
Targets (issue 6): ask p50 < 20 ms and >= 300 requests/s on 2 cores; patient-view < 100 ms.
Only loopback addresses are used; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = {"question": "What is the next step for a child with steroid-resistant nephrotic syndrome?"}
# Distinct questions for the run without the answer cache.
QUESTIONS = ["What is the next step for a child with steroid-resistant nephrotic syndrome?",
             "tacrolimus dose for a 20 kg child with SRNS", "how is a relapse of nephrotic syndrome treated?",
             "what is frequently relapsing nephrotic syndrome?", "can my child have the chickenpox vaccine?",
             "when should a child with nephrotic syndrome have a kidney biopsy?",
             "what if there is no response to tacrolimus after 6 months?", "rituximab for steroid dependent NS"]
CDS = ROOT / "tests" / "corpus" / "cds" / "patient_view_srns.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(workers: int, home: str, cache_ttl: str = "30") -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = Path(sys.executable).with_name("nephroguide")
    cmd = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env={**os.environ, "NEPHROGUIDE_HOME": home, "NEPHROGUIDE_ANSWER_CACHE_TTL": cache_ttl}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("server did not start")


def post(base: str, path: str, body: dict) -> tuple[int, float]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"}, method="POST")
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()
        status = resp.status
    return status, time.perf_counter() - t


def run_wrk(base: str, path: str, bodies: list[dict], duration: int, connections: int) -> dict[str, float | str]:
    """wrk for ``duration`` seconds; each connection cycles through ``bodies`` (POST, JSON)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("local bodies = {" + ", ".join(json.dumps(json.dumps(b)) for b in bodies) + "}\n"
                "local i = 0\n"
                "request = function()\n"
                "  i = i % #bodies + 1\n"
                '  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])\n'
                "end\n")
        script = f.name
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script, base + path]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    os.unlink(script)

    def to_ms(text: str) -> float:
        m = re.match(r"([\d.]+)(us|ms|s)", text)
        assert m, text
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"generator": "wrk", "command": " ".join(cmd), "p50_ms": p50, "p99_ms": p99, "rps": rps,
            "errors": int(non2xx.group(1)) if non2xx else 0}


def run_pool(base: str, path: str, body: dict, requests: int, connections: int) -> dict[str, float | str]:
    import httpx

    times: list[float] = []
    errors = 0
    with httpx.Client(base_url=base, timeout=10, limits=httpx.Limits(max_connections=connections)) as client:
        def one(_: int) -> float:
            t = time.perf_counter()
            r = client.post(path, json=body)
            if r.status_code != 200:
                raise RuntimeError(r.status_code)
            return time.perf_counter() - t

        t0 = time.perf_counter()
        with ThreadPoolExecutor(connections) as pool:
            for result in pool.map(one, range(requests)):
                times.append(result)
        wall = time.perf_counter() - t0
    return {"generator": f"httpx thread pool ({connections} threads, {requests} requests)", "command": "",
            "p50_ms": statistics.median(times) * 1000, "p99_ms": sorted(times)[int(len(times) * 0.99) - 1] * 1000,
            "rps": requests / wall, "errors": errors}


def run_pool_many(base: str, path: str, bodies: list[dict], connections: int) -> dict[str, float | str]:
    import httpx

    with httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=connections)) as client:
        def one(body: dict) -> float:
            t = time.perf_counter()
            r = client.post(path, json=body)
            if r.status_code != 200:
                raise RuntimeError(r.status_code)
            return time.perf_counter() - t

        t0 = time.perf_counter()
        with ThreadPoolExecutor(connections) as pool:
            times = list(pool.map(one, bodies))
        wall = time.perf_counter() - t0
    times.sort()
    return {"generator": f"httpx thread pool, {connections} threads, {len(bodies)} requests", "command": "",
            "p50_ms": statistics.median(times) * 1000, "p99_ms": times[int(len(times) * 0.99) - 1] * 1000,
            "rps": len(bodies) / wall, "errors": 0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--cds-requests", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        proc, base = start(args.workers, home)
        try:
            from nephroguide.web.stages import ask_function

            if ask_function() is not None:
                path, body = "/api/v1/ask", QUESTION
            else:
                path = "/api/v1/plan"
                from nephroguide.intake.record import read_record_file

                body = json.loads(json.dumps(read_record_file(ROOT / "tests/patients/05_srns_initial.yaml"), default=str))
            for _ in range(50):  # warm-up, every worker
                post(base, path, body)
            if shutil.which("wrk"):
                load = run_wrk(base, path, [body], args.duration, args.connections)
            else:
                load = run_pool(base, path, body, 2000, args.connections)
            cds = json.loads(CDS.read_text())
            for _ in range(20):
                post(base, "/cds-services/nephroguide-patient-view", cds)
            lat = []
            for _ in range(args.cds_requests):
                status, dt = post(base, "/cds-services/nephroguide-patient-view", cds)
                assert status == 200
                lat.append(dt * 1000)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        uncached = None
        if path == "/api/v1/ask":
            proc, base = start(args.workers, home, cache_ttl="0")
            try:
                for q in QUESTIONS:
                    post(base, path, {"question": q})
                bodies = [{"question": q} for q in QUESTIONS]
                uncached = run_wrk(base, path, bodies, args.duration, args.connections) if shutil.which("wrk") \
                    else run_pool_many(base, path, bodies * 50, args.connections)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    cores = os.cpu_count()
    print(f"server: nephroguide serve --workers {args.workers} on 127.0.0.1 ({cores} cores)")
    print(f"load generator: {load['generator']}")
    if load["command"]:
        print(f"command: {load['command']}")
    print(f"{path}: p50 {load['p50_ms']:.2f} ms, p99 {load['p99_ms']:.2f} ms, {load['rps']:.0f} requests/s, "
          f"non-2xx {load['errors']}  (targets: p50 < 20 ms, >= 300 requests/s)")
    if uncached:
        print(f"{path} without the answer cache ({uncached['generator']}, {len(QUESTIONS)} distinct questions): "
              f"p50 {uncached['p50_ms']:.2f} ms, p99 {uncached['p99_ms']:.2f} ms, {uncached['rps']:.0f} requests/s, "
              f"non-2xx {uncached['errors']}")
    lat.sort()
    print(f"CDS Hooks patient-view ({args.cds_requests} sequential requests): p50 {statistics.median(lat):.2f} ms, "
          f"p95 {lat[int(len(lat) * 0.95) - 1]:.2f} ms, max {lat[-1]:.2f} ms  (target < 100 ms)")


if __name__ == "__main__":
    main()
