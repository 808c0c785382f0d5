"""Fresh-process start-up cost of the CLI: wall time and CPU time (user+sys of the child).

The machine is shared, so wall time is noisy; CPU time (from ``os.wait4`` resource usage) is the steadier
figure. Each command runs in a new interpreter with an empty temporary NEPHROGUIDE_HOME, so nothing from a
review store is picked up and nothing is written to the user's home. The start-up cache (nephroguide/cache.py)
lives in a temporary directory too: filled by the warm-up run (``warm``, what every run after a pack or code
change sees), or emptied before every run with ``--cold`` (the first run after a change).

Python's bytecode cache is on by default, as for any installed package (pip compiles on install; an editable
install writes ``__pycache__`` on first import), whatever PYTHONDONTWRITEBYTECODE says in the calling shell: the
children write and read their .pyc files under a temporary PYTHONPYCACHEPREFIX (filled by the warm-up run, so the
source tree is left as it was). ``--no-bytecode`` sets PYTHONDONTWRITEBYTECODE=1 for the children instead: the
project's own modules (an editable install) are compiled from source in every run, while the standard library and
installed libraries keep the bytecode they were installed with. That is what a machine with the variable set
globally sees, as this team's build machines do.

    .venv/bin/python benchmarks/bench_startup.py [--runs 7] [--only ask,plan] [--cold] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = [sys.executable, "-m", "nephroguide.cli"]

COMMANDS: dict[str, list[str]] = {
    "help": ["--help"],
    "ask": ["ask", "what dose of prednisolone for a first episode"],
    "ask-family": ["ask", "What is the next step for a child with steroid-resistant nephrotic syndrome?", "--audience",
                   "family"],
    "plan": ["plan", str(ROOT / "tests" / "patients" / "05_srns_initial.yaml")],
    "dose": ["dose", "prednisolone", "--weight", "20", "--height", "115", "--indication", "first_episode"],
    "import": None,  # type: ignore[dict-item]  # bare `import nephroguide.cli`
}


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user+sys) and exit code of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(COMMANDS))
    ap.add_argument("--cold", action="store_true", help="empty the start-up cache before every run")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="children neither read nor write .pyc files (PYTHONDONTWRITEBYTECODE=1): source compiled each run")
    args = ap.parse_args()
    names = [n for n in COMMANDS if not args.only or n in args.only.split(",")]
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as cache_dir, \
            tempfile.TemporaryDirectory() as pycache:
        env = {**os.environ, "NEPHROGUIDE_HOME": home, "NEPHROGUIDE_CACHE_DIR": cache_dir}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("PYTHONPYCACHEPREFIX", None)
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env["PYTHONPYCACHEPREFIX"] = pycache
        state = "cold: start-up cache emptied before each run" if args.cold else "warm start-up cache"
        state += "; no bytecode cache: source compiled every run" if args.no_bytecode else "; bytecode cache on"
        print(f"fresh-process start-up, median of {args.runs} runs (after 1 warm-up run each; {state})")
        print(f"  {'command':8} {'wall ms':>9} {'cpu ms':>9} {'min cpu':>9}  exit")
        for name in names:
            extra = COMMANDS[name]
            argv = [sys.executable, "-c", "import nephroguide.cli"] if extra is None else [*EXE, *extra]
            run_once(argv, env)  # warm the OS file cache
            walls, cpus, codes = [], [], set()
            for _ in range(args.runs):
                if args.cold:
                    shutil.rmtree(cache_dir)
                    os.mkdir(cache_dir, 0o700)
                w, c, code = run_once(argv, env)
                walls.append(w)
                cpus.append(c)
                codes.add(code)
            print(f"  {name:8} {statistics.median(walls) * 1000:9.0f} {statistics.median(cpus) * 1000:9.0f} "
                  f"{min(cpus) * 1000:9.0f}  {','.join(map(str, sorted(codes)))}")


if __name__ == "__main__":
    main()
