"""Open SQLite connections and apply numbered schema migrations, per component, idempotently.

Each component (``library``, later ``sessions``, ``reviews``, ``audit``) registers its own ordered
list of migrations once, at import of its module::

    from nephroguide.store.sqlite import Migration, register_migrations

    register_migrations("sessions", [
        Migration(1, "create sessions", "CREATE TABLE sessions(...); CREATE INDEX ...;"),
        Migration(2, "add sessions.owner", "ALTER TABLE sessions ADD COLUMN owner TEXT;"),
    ])

``open_database(home, components=["sessions"])`` then opens ``<home>/nephroguide.sqlite3`` (or
``$NEPHROGUIDE_DATABASE_URL``), and applies the migrations of those components that the
``schema_migrations`` table does not list yet. Each migration runs in its own ``BEGIN IMMEDIATE``
transaction together with its ``schema_migrations`` row, so two processes migrating at once, or a
process killed mid-migration, never leave a half-applied step. Versions are never renumbered:
add a new migration rather than editing an applied one (a changed ``sql`` is detected through its
checksum and reported).

Connections are in autocommit mode (``isolation_level=None``): write code opens its transactions
explicitly with :func:`transaction`. Pragmas: WAL journal, ``synchronous=NORMAL``, foreign keys
on, a busy timeout so concurrent writers wait instead of failing.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nephroguide.errors import InputError, NephroguideError

BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Migration:
    """One numbered schema step of a component: SQL text (one or more statements) or a callable."""

    version: int
    name: str
    sql: str | Callable[[sqlite3.Connection], None]

    def checksum(self) -> str:
        body = self.sql if isinstance(self.sql, str) else f"callable:{self.name}"
        return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


_REGISTRY: dict[str, tuple[Migration, ...]] = {}

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version   INTEGER NOT NULL,
    name      TEXT NOT NULL,
    checksum  TEXT NOT NULL,
    PRIMARY KEY (component, version)
)
"""


def register_migrations(component: str, migrations: Sequence[Migration]) -> None:
    """Register a component's migrations (versions 1..n, strictly increasing). Re-registering is allowed
    only with the same list (module reloads)."""
    versions = [m.version for m in migrations]
    if versions != sorted(set(versions)) or (versions and versions[0] < 1):
        raise NephroguideError(f"migrations of {component!r} must have increasing versions >= 1: {versions}")
    existing = _REGISTRY.get(component)
    new = tuple(migrations)
    if existing is not None and [m.checksum() for m in existing] != [m.checksum() for m in new]:
        raise NephroguideError(f"migrations of {component!r} registered twice with different content")
    _REGISTRY[component] = new


def registered_components() -> list[str]:
    """Names of the components that registered migrations (sorted)."""
    return sorted(_REGISTRY)


def connect(path: str | Path) -> sqlite3.Connection:
    """An autocommit connection with WAL, foreign keys and a busy timeout. ``":memory:"`` works too."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; ``ROLLBACK`` on any exception (which is re-raised)."""
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def split_statements(sql: str) -> list[str]:
    """Split SQL text into complete statements (trigger bodies with inner ';' stay whole)."""
    statements: list[str] = []
    buf = ""
    for piece in sql.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \t\r\n;"):
                statements.append(buf.strip())
            buf = ""
    if buf.strip(" \t\r\n;"):
        statements.append(buf.strip())
    return statements


def applied_versions(conn: sqlite3.Connection, component: str) -> dict[int, str]:
    """``{version: checksum}`` of a component's applied migrations (empty if none)."""
    conn.execute(_BOOTSTRAP)
    rows = conn.execute("SELECT version, checksum FROM schema_migrations WHERE component = ?", (component,))
    return {int(r[0]): str(r[1]) for r in rows}


def apply_migrations(conn: sqlite3.Connection, component: str) -> list[int]:
    """Apply a component's pending migrations; returns the versions applied now (idempotent)."""
    migrations = _REGISTRY.get(component)
    if migrations is None:
        raise NephroguideError(f"no migrations registered for component {component!r}")
    done = applied_versions(conn, component)
    if all(m.version in done for m in migrations):
        _check_checksums(component, migrations, done)
        return []
    applied: list[int] = []
    for m in migrations:
        with transaction(conn):
            row = conn.execute("SELECT checksum FROM schema_migrations WHERE component = ? AND version = ?",
                               (component, m.version)).fetchone()
            if row is not None:  # applied meanwhile by another process
                continue
            if isinstance(m.sql, str):
                for statement in split_statements(m.sql):
                    conn.execute(statement)
            else:
                m.sql(conn)
            conn.execute("INSERT INTO schema_migrations(component, version, name, checksum) VALUES (?, ?, ?, ?)",
                         (component, m.version, m.name, m.checksum()))
            applied.append(m.version)
    return applied


def _check_checksums(component: str, migrations: Sequence[Migration], done: dict[int, str]) -> None:
    for m in migrations:
        if done.get(m.version) not in (None, m.checksum()):
            raise NephroguideError(f"migration {component} v{m.version} ({m.name}) was changed after it was applied; "
                                   "add a new migration instead")


def database_file(home: str | Path | None = None) -> Path | None:
    """The SQLite file of the store (``None`` for an in-memory URL).

    When ``$NEPHROGUIDE_DATABASE_URL`` names another database (PostgreSQL holds the review store,
    :mod:`nephroguide.review`), the raw-SQLite components (sessions, CDS feedback) stay in the SQLite
    file under the home directory.
    """
    from nephroguide.store.paths import DATABASE_FILE, database_url, home_dir, is_sqlite_url, sqlite_path

    url = database_url(home)
    if not is_sqlite_url(url):
        return home_dir(home) / DATABASE_FILE
    return sqlite_path(url)


def open_database(home: str | Path | None = None, *, components: Sequence[str] = (), create: bool = True,
                  path: str | Path | None = None) -> sqlite3.Connection | None:
    """Open the store and apply the named components' migrations.

    ``create=False`` (read-only commands): returns ``None`` when the database file does not exist yet
    instead of creating it. ``path`` overrides the resolved database file.
    """
    if path is not None:
        file = None if str(path) == ":memory:" else Path(path)
    else:
        file = database_file(home)
    if file is None:
        conn = connect(":memory:")
    else:
        if not file.exists():
            if not create:
                return None
            if file.parent.exists() and not file.parent.is_dir():
                raise InputError(f"{file.parent} is not a directory; choose another --home", field="home")
        if create or file.exists():
            from nephroguide.store.paths import private_file

            private_file(file)  # 0600 (home 0700 when created): it holds password and token hashes
        conn = connect(file)
    try:
        for component in components:
            apply_migrations(conn, component)
    except BaseException:
        conn.close()
        raise
    return conn

