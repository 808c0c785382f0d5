"""The store: home directory resolution, database URL, SQLite connections and numbered migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nephroguide.errors import InputError, NephroguideError
from nephroguide.store import paths
from nephroguide.store.sqlite import (
    Migration,
    applied_versions,
    apply_migrations,
    connect,
    open_database,
    register_migrations,
    split_statements,
    transaction,
)


def test_home_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEPHROGUIDE_HOME", str(tmp_path / "env"))
    assert paths.home_dir(tmp_path / "explicit") == (tmp_path / "explicit").resolve()
    assert paths.home_dir() == (tmp_path / "env").resolve()
    monkeypatch.delenv("NEPHROGUIDE_HOME")
    assert paths.home_dir().name == "nephroguide"
    assert not (tmp_path / "explicit").exists() and not (tmp_path / "env").exists()  # resolving creates nothing


def test_ensure_home_creates_and_refuses_a_file(tmp_path: Path) -> None:
    assert paths.ensure_home(tmp_path / "a" / "b").is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError):
        paths.ensure_home(tmp_path / "file")


def test_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEPHROGUIDE_DATABASE_URL", raising=False)
    monkeypatch.setenv("NEPHROGUIDE_HOME", str(tmp_path))
    assert paths.database_url() == f"sqlite:///{tmp_path.resolve() / 'nephroguide.sqlite3'}"
    monkeypatch.setenv("NEPHROGUIDE_DATABASE_URL", "sqlite:////srv/x.db")
    assert paths.database_url() == "sqlite:////srv/x.db"
    # an explicit home is never redirected
    assert paths.database_url(tmp_path / "h").endswith("h/nephroguide.sqlite3")
    assert paths.sqlite_path("sqlite:////srv/x.db") == Path("/srv/x.db")
    assert paths.sqlite_path("sqlite:///:memory:") is None
    with pytest.raises(InputError, match="not SQLite"):
        paths.sqlite_path("postgresql://u@h/db")


def test_split_statements_keeps_trigger_bodies() -> None:
    sql = "CREATE TABLE a(x); CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO a VALUES (1); END; SELECT ';';"
    assert split_statements(sql) == ["CREATE TABLE a(x);",
                                     "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO a VALUES (1); END;",
                                     "SELECT ';';"]


def test_migrations_apply_once_per_component(tmp_path: Path) -> None:
    register_migrations("test_store_a", [
        Migration(1, "create", "CREATE TABLE ta(id INTEGER PRIMARY KEY, v TEXT);"),
        Migration(2, "add column", "ALTER TABLE ta ADD COLUMN w TEXT; CREATE INDEX ta_v ON ta(v);"),
    ])
    register_migrations("test_store_b", [Migration(1, "create", lambda c: c.execute("CREATE TABLE tb(x)"))])
    db = tmp_path / "s.sqlite3"
    conn = open_database(path=db, components=["test_store_a", "test_store_b"])
    assert conn is not None
    assert applied_versions(conn, "test_store_a").keys() == {1, 2}
    assert apply_migrations(conn, "test_store_a") == []  # idempotent
    conn.execute("INSERT INTO ta(v, w) VALUES ('x', 'y')")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()
    # a later version is applied on the next open, earlier ones are not re-run
    register_migrations("test_store_c", [Migration(1, "one", "CREATE TABLE tc(x);")])
    conn = open_database(path=db, components=["test_store_a", "test_store_c"])
    assert conn is not None
    assert conn.execute("SELECT count(*) FROM ta").fetchone()[0] == 1
    conn.close()


def test_changed_migration_is_reported(tmp_path: Path) -> None:
    import nephroguide.store.sqlite as store

    register_migrations("test_store_d", [Migration(1, "one", "CREATE TABLE td(x);")])
    conn = open_database(path=tmp_path / "d.sqlite3", components=["test_store_d"])
    assert conn is not None
    store._REGISTRY["test_store_d"] = (Migration(1, "one", "CREATE TABLE td(x, y);"),)
    with pytest.raises(NephroguideError, match="changed after it was applied"):
        apply_migrations(conn, "test_store_d")
    conn.close()


def test_bad_registration() -> None:
    with pytest.raises(NephroguideError):
        register_migrations("test_store_e", [Migration(2, "b", "x"), Migration(1, "a", "y")])
    with pytest.raises(NephroguideError):
        apply_migrations(connect(":memory:"), "no_such_component")


def test_open_database_read_only_does_not_create(tmp_path: Path) -> None:
    assert open_database(path=tmp_path / "none" / "x.sqlite3", create=False) is None
    assert not (tmp_path / "none").exists()


def test_transaction_rolls_back(tmp_path: Path) -> None:
    conn = connect(tmp_path / "t.sqlite3")
    conn.execute("CREATE TABLE t(x)")
    with pytest.raises(RuntimeError), transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert isinstance(conn, sqlite3.Connection)
