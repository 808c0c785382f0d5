"""The review store's database: engines (SQLite or PostgreSQL), Alembic migrations, seeding from the pack.

* URL: ``$NEPHROGUIDE_DATABASE_URL`` when set, else the SQLite file ``<home>/nephroguide.sqlite3``
  (:func:`nephroguide.store.paths.database_url`). ``postgresql://`` and ``postgres://`` mean psycopg 3.
* SQLite: WAL, foreign keys, a 30 s busy timeout, and every write transaction is ``BEGIN IMMEDIATE`` (it
  takes the write lock at once, so a read-then-write never fails half way); reads use a plain ``BEGIN``.
* PostgreSQL: READ COMMITTED; lost updates are prevented by optimistic locking in the statements
  themselves (``UPDATE ... WHERE state_version = :expected``), see :mod:`.service`.
* :func:`open_store` upgrades the schema to the newest Alembic revision and seeds it from the shipped
  pack, once per process and URL; both steps are idempotent and serialised between processes.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select, text, update
from sqlalchemy.engine import make_url

from nephroguide.errors import InputError

HEAD = "0001"  # the newest migration (a test checks it against the migrations directory)
VERSION_TABLE = "review_alembic_version"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_S = 30
_PG_LOCK_ID = 7_235_301  # advisory lock serialising migrations and seeding between processes

_engines: dict[tuple[str, int], Engine] = {}
_ready: set[tuple[str, int]] = set()
_lock = threading.Lock()


def utcnow() -> str:
    """Now, as the store writes times: fixed-width ISO 8601 UTC with microseconds."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalize_url(url: str) -> str:
    """A database URL SQLAlchemy can open with the drivers nephroguide ships (psycopg 3 for PostgreSQL)."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if not url.startswith(("sqlite:", "postgresql+psycopg://")):
        scheme = url.split(":", 1)[0] if ":" in url else url
        raise InputError(f"database URL scheme {scheme!r} is not supported (sqlite:///PATH or "
                         "postgresql+psycopg://USER:PASSWORD@HOST/DB)", field="NEPHROGUIDE_DATABASE_URL")
    return url


def display_url(url: str) -> str:
    """The URL with its password hidden (for messages and logs)."""
    return make_url(url).render_as_string(hide_password=True)


def store_url(home: str | Path | None = None) -> str:
    """The review store's URL (see the module docstring)."""
    from nephroguide.store.paths import database_url

    return normalize_url(database_url(home))


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def _sqlite_engine(url: str) -> Engine:
    from nephroguide.store.paths import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        from nephroguide.store.paths import private_file

        if path.parent.exists() and not path.parent.is_dir():
            raise InputError(f"{path.parent} is not a directory; choose another --home", field="home")
        private_file(path)  # 0600 in a 0700 home (created so): password and token hashes live here
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
        if path is not None:
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("ng_read") else "BEGIN IMMEDIATE")

    return engine


def engine_for(url: str) -> Engine:
    """One engine per URL and process (a forked worker makes its own: pools never cross a fork)."""
    key = (url, os.getpid())
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            if is_sqlite(url):
                engine = _sqlite_engine(url)
            else:
                engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
            _engines[key] = engine
        return engine


def dispose_all() -> None:
    """Close every pooled connection of this process (tests; before a fork)."""
    with _lock:
        for (_url, pid), engine in list(_engines.items()):
            if pid == os.getpid():
                engine.dispose()
        _engines.clear()
        _ready.clear()


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite); committed on success, rolled back on error."""
    with engine.begin() as conn:
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction (a deferred ``BEGIN`` on SQLite: readers never wait for the write lock)."""
    with engine.connect() as conn:
        conn = conn.execution_options(ng_read=True)
        with conn.begin():
            yield conn


# ------------------------------------------------------------------------------------------------ migrations

def current_revision(conn: Connection) -> str | None:
    from sqlalchemy import inspect

    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _lock_for_migrations(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_ID})


@dataclass(frozen=True)
class UpgradeReport:
    url: str
    before: str | None
    after: str | None
    seeded: int                 # entries seeded now (0 when the store was seeded before)
    seeded_pack_version: str | None

    def to_json(self) -> dict[str, Any]:
        return {"record": "nephroguide.db-upgrade/1", "database": display_url(self.url), "before": self.before,
                "after": self.after, "migrated": self.before != self.after, "seeded_entries": self.seeded,
                "seeded_pack_version": self.seeded_pack_version}


def upgrade(engine: Engine) -> UpgradeReport:
    """Apply pending migrations and seed an empty store, in one transaction; a no-op when up to date."""
    from alembic import command
    from alembic.config import Config

    from nephroguide.review.schema import store_state

    with writing(engine) as conn:
        _lock_for_migrations(conn)
        before = current_revision(conn)
        if before != HEAD:
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        after = current_revision(conn)
        seeded = seed(conn)
        version = conn.execute(select(store_state.c.seeded_pack_version)).scalar()
    return UpgradeReport(str(engine.url.render_as_string(hide_password=False)), before, after, seeded, version)


def open_store(url: str | None = None, *, home: str | Path | None = None) -> Engine:
    """The engine of an up-to-date, seeded store (migrated and seeded on first use in this process)."""
    url = normalize_url(url) if url else store_url(home)
    engine = engine_for(url)
    key = (url, os.getpid())
    if key in _ready:
        return engine
    if not _is_ready(engine):
        upgrade(engine)
    _ready.add(key)
    return engine


def _is_ready(engine: Engine) -> bool:
    """Cheap check (two small queries, no Alembic import) that the store is at HEAD and seeded."""
    from sqlalchemy.exc import DBAPIError

    from nephroguide.review.schema import store_state

    try:
        with reading(engine) as conn:
            if current_revision(conn) != HEAD:
                return False
            return conn.execute(select(store_state.c.seeded_pack_version)).scalar() is not None
    except DBAPIError:
        return False


def store_exists(url: str) -> bool:
    """Whether a store may exist at this URL without creating anything (an SQLite file is checked on disk)."""
    if is_sqlite(url):
        from nephroguide.store.paths import sqlite_path

        path = sqlite_path(url)
        return path is not None and path.exists()
    return True


# ------------------------------------------------------------------------------------------------ seeding

SYSTEM_USER = "system"


def _file_header(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def seed(conn: Connection) -> int:
    """Seed an empty store from the shipped pack: every entry as version 1, approved by ``system``.

    The pack's own verification marks (verified / secondary / unverified citations) are part of each entry's
    content and so kept as they are. Returns the number of entries seeded (0 if already seeded).
    """
    from nephroguide.knowledge.pack import PACK_DIR, build_pack
    from nephroguide.review import audit
    from nephroguide.review.content import canonical, content_hash, content_text
    from nephroguide.review.schema import kb_entries, kb_files, kb_versions, store_state, users

    if conn.execute(select(store_state.c.seeded_pack_version)).scalar() is not None:
        return 0
    pack = build_pack(PACK_DIR)
    now = utcnow()
    system_id = conn.execute(select(users.c.id).where(users.c.name == SYSTEM_USER)).scalar()
    if system_id is None:
        system_id = conn.execute(users.insert().values(name=SYSTEM_USER, role="system", password_hash=None,
                                                       active=False, created_at=now, created_by=SYSTEM_USER)
                                 ).inserted_primary_key[0]  # type: ignore[index]
    files = sorted(set(pack.origin.values()))
    conn.execute(kb_files.insert(), [{"path": f, "header": _file_header(PACK_DIR / f)} for f in files])
    entry_rows, version_rows = [], []
    counts: dict[str, int] = {}
    for position, (key, file) in enumerate(pack.origin.items()):
        kind, kb_id = _kind_of(pack, key)
        content = canonical(getattr(pack, kind)[kb_id])
        h = content_hash(content)
        counts[kind] = counts.get(kind, 0) + 1
        entry_rows.append({"key": key, "kind": kind, "kb_id": kb_id, "file": file, "position": position,
                           "current_hash": h, "retired": False, "lock_version": 0, "updated_at": now})
        version_rows.append({"entry_key": key, "number": 1, "action": "seed", "content": content_text(content),
                             "content_hash": h, "base_version_id": None, "base_hash": None, "diff": "",
                             "comment": f"seeded from the shipped knowledge pack {pack.version}",
                             "author_id": system_id, "created_at": now, "state": "approved", "state_version": 0,
                             "submitted_at": now, "reviewer_id": system_id, "decided_at": now,
                             "approved_hash": h, "review_comment": None})
    conn.execute(kb_entries.insert(), entry_rows)
    conn.execute(kb_versions.insert(), version_rows)
    current = (select(kb_versions.c.id).where(kb_versions.c.entry_key == kb_entries.c.key)
               .where(kb_versions.c.number == 1).scalar_subquery())
    conn.execute(update(kb_entries).values(current_version_id=current))
    audit.append(conn, actor=SYSTEM_USER, action="store.seed", subject=f"pack:{pack.version}",
                 detail={"pack_version": pack.version, "entries": counts}, at=now)
    conn.execute(update(store_state).where(store_state.c.id == 1)
                 .values(seeded_pack_version=pack.version, seeded_at=now))
    return len(entry_rows)


def _kind_of(pack: Any, key: str) -> tuple[str, str]:
    from nephroguide.review.content import FILE_TABLE_ORDER

    if ":" in key:
        kind, _, kb_id = key.partition(":")
        return kind, kb_id
    for kind in FILE_TABLE_ORDER:
        if key in getattr(pack, kind):
            return kind, key
    raise KeyError(key)  # pragma: no cover - every origin key is in a table
