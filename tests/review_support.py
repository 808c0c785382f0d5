"""Helpers for the review tests: a store URL per backend (SQLite file, or a fresh PostgreSQL schema), and a
populated workflow (accounts of every role with API tokens).

PostgreSQL comes from ``$NEPHROGUIDE_TEST_POSTGRES_URL`` (``scripts/test`` starts a server and sets it).
Without it the PostgreSQL cases are skipped with the reason, except under ``CI``, where they fail.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "NEPHROGUIDE_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_base() -> str:
    base = os.environ.get(PG_ENV, "").strip()
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {PG_ENV} is not: scripts/test starts PostgreSQL (run it as root)")
        pytest.skip(f"PostgreSQL not available: set {PG_ENV} (scripts/test does, as root) to run these cases")
    return base


def _admin_conninfo(base: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class StoreURL:
    url: str
    backend: str


def make_store_url(backend: str, tmp_path: Path) -> Iterator[StoreURL]:
    if backend == "sqlite":
        yield StoreURL(f"sqlite:///{tmp_path / 'review.sqlite3'}", "sqlite")
        _dispose(f"sqlite:///{tmp_path / 'review.sqlite3'}")
        return
    import psycopg

    base = postgres_base()
    schema = "t_" + secrets.token_hex(6)
    try:
        with psycopg.connect(_admin_conninfo(base), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but PostgreSQL at {PG_ENV} is not reachable: {exc}")
        pytest.skip(f"PostgreSQL at {PG_ENV} is not reachable: {exc}")
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    try:
        yield StoreURL(url, "postgresql")
    finally:
        _dispose(url)
        with psycopg.connect(_admin_conninfo(base), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _dispose(url: str) -> None:
    from nephroguide.review import db

    for (u, _pid), engine in list(db._engines.items()):
        if u == db.normalize_url(url):
            engine.dispose()


@dataclass
class Workflow:
    """A store with an admin, two editors, two reviewers and a reader (each with an API token)."""

    review: Any
    url: str
    backend: str
    home: Path
    users: dict[str, Any]
    tokens: dict[str, str]


def make_workflow(url: str, backend: str, home: Path, **kwargs: Any) -> Workflow:
    from nephroguide.review.db import open_store
    from nephroguide.review.service import Review

    review = Review(open_store(url), home=home, **kwargs)
    admin = review.add_user(None, "admin", "admin", "admin-password-1")
    users = {"admin": admin}
    for name, role in (("eddie", "editor"), ("emma", "editor"), ("rita", "reviewer"), ("rex", "reviewer"),
                       ("rob", "reader")):
        users[name] = review.add_user(admin, name, role, f"{name}-password-1")
    tokens = {name: review.create_token(admin, name, "tests") for name in users}
    return Workflow(review, url, backend, home, users, tokens)


def entry_content(review: Any, kb_id: str) -> dict[str, Any]:
    import copy

    return copy.deepcopy(review.entry(kb_id)["content"])


# ------------------------------------------------------------------------------------------------ servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``nephroguide serve`` in a subprocess on a free loopback port."""

    def __init__(self, home: Path, url: str, *, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "NEPHROGUIDE_HOME": str(home), "NEPHROGUIDE_DATABASE_URL": url,
                    "NEPHROGUIDE_SECRET_KEY": secrets.token_urlsafe(48), "NEPHROGUIDE_SECURE_COOKIES": "0",
                    **(env or {})}
        self.env.pop("NEPHROGUIDE_DEV", None)
        home.mkdir(parents=True, exist_ok=True)
        self.log = home / f"serve-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        import httpx

        self._log_fh = open(self.log, "wb")  # noqa: SIM115 - closed by kill()/stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "nephroguide.cli", "serve", "--port", str(self.port)],
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=self._log_fh)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("serve did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._close_log()

    def _close_log(self) -> None:
        fh = getattr(self, "_log_fh", None)
        if fh is not None:
            fh.close()
            self._log_fh = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._close_log()
