"""Page weight and time to first answer in a real browser (issue 14), on the embedded default (SQLite home).

Starts ``nephroguide serve`` on a free loopback port with a fresh home, drives Debian's chromium with Playwright:

* page weight: bytes of the answer page's HTML and of its CSS (uncompressed, as served), for a clinician
  pathway answer and a family direct answer;
* time to first answer: from the click on "Ask" on the front page to the answer's heading being visible; the
  first question after the server starts (cold: lazy imports, pack load) and the median of the next runs (warm;
  each a different question, so the answer cache does not serve it).

    .venv/bin/python benchmarks/bench_web_pages.py [--runs 5] [--think 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

QUESTIONS = [
    ("What is the next step for a child with SRNS after steroids fail?", "clinician"),
    ("Is nephrotic syndrome contagious?", "family"),
    ("How is tacrolimus dosed in steroid-resistant nephrotic syndrome?", "clinician"),
    ("What can my child eat while on steroids?", "family"),
    ("When should a child with nephrotic syndrome have a kidney biopsy?", "clinician"),
    ("Will my child grow out of nephrotic syndrome?", "family"),
    ("How is a relapse defined?", "student"),
]
LABELS = {"clinician": "Clinician", "family": "Parent or family member", "student": "Student"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5, help="warm runs after the first (cold) question")
    ap.add_argument("--think", type=float, default=0.0,
                    help="seconds on the front page before the first question (a person reading and typing; the "
                         "front page warms the answerer up in the background meanwhile)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    home = tempfile.mkdtemp(prefix="ng-bench-")
    exe = Path(sys.executable).with_name("nephroguide")
    env = {**os.environ, "NEPHROGUIDE_HOME": home}
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--headless", "--no-sandbox", "--disable-gpu"])
            for width, height in ((1366, 900), (390, 844)):
                page = browser.new_context(viewport={"width": width, "height": height}).new_page()
                times = []
                for i, (q, audience) in enumerate(QUESTIONS[:args.runs + 1]):
                    page.goto(base + "/")
                    page.get_by_label("Your question").fill(q)
                    page.get_by_role("radio", name=LABELS[audience]).check()
                    if i == 0 and args.think:
                        time.sleep(args.think)
                    t0 = time.perf_counter()
                    page.get_by_role("button", name="Ask").click()
                    page.locator("article.answer h1").wait_for(state="visible")
                    times.append((time.perf_counter() - t0) * 1000)
                    if i < 2 and width == 1366:
                        _weight(page, q, audience)
                cold, warm = times[0], times[1:]
                print(f"time to first answer at {width}x{height}: first {cold:.0f} ms"
                      f"{f' (after {args.think:g} s on the front page)' if args.think and width == 1366 else ''}, then median "
                      f"{statistics.median(warm):.0f} ms (min {min(warm):.0f}, max {max(warm):.0f}, n={len(warm)})")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _weight(page: object, question: str, audience: str) -> None:
    html = page.content().encode()  # type: ignore[attr-defined]
    raw = urllib.request.urlopen(page.url, timeout=10).read()  # type: ignore[attr-defined]
    css = urllib.request.urlopen(page.url.split("/ask")[0] + "/static/style.css", timeout=10).read()  # type: ignore[attr-defined]
    print(f"page weight ({audience}: {question!r}): HTML {len(raw):,} bytes as served ({len(html):,} in the DOM), "
          f"CSS {len(css):,} bytes, total {len(raw) + len(css):,} bytes; no JavaScript, no images")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(base: str) -> None:
    for _ in range(400):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    main()
