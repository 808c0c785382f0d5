"""What every browser test shares: Debian's chromium, a free loopback port and a running `nephroguide serve`.

Each test module calls :func:`require_chromium` at import time (skip outside CI when chromium is absent; under
CI a missing chromium is a failure), starts the server with :func:`serving` and the browser with :func:`chromium`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _find_chromium() -> str | None:
    for name in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
        if name and Path(name).exists():
            return name
    return None


CHROMIUM = _find_chromium()


def require_chromium() -> None:
    """Skip the calling module outside CI when Debian's chromium is absent (under CI it must run)."""
    if CHROMIUM is None and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); the browser test runs under CI",
                    allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli() -> list[str]:
    """The `nephroguide` command of this interpreter's environment."""
    exe = Path(sys.executable).with_name("nephroguide")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "nephroguide.cli"]


@contextmanager
def serving(env: Mapping[str, str], extra_args: Sequence[str] = (), *, port: int | None = None,
            start_attempts: int = 400) -> Iterator[str]:
    """Run `nephroguide serve` on loopback until the block ends; yields its base URL once /healthz answers."""
    port = port or free_port()
    proc = subprocess.Popen([*cli(), "serve", "--host", "127.0.0.1", "--port", str(port), *extra_args], env=dict(env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(start_attempts):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"nephroguide serve exited: {proc.stderr.read() if proc.stderr else ''}") from None
                time.sleep(0.05)
        else:
            raise RuntimeError(f"nephroguide serve did not start after {start_attempts} attempts")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    if CHROMIUM is None:
        pytest.fail("CI is set but chromium is missing: install Debian's chromium (scripts/test does)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
