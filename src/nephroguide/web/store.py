"""The web app's state in the embedded store: CDS Hooks feedback, and the records behind CDS card links.

Component ``web`` of :mod:`nephroguide.store.sqlite` (numbered migrations). Tables:

* ``cds_feedback``: one row per card outcome (accepted / overridden) a CDS client reports;
* ``cds_plan_links``: the patient record a ``patient-view`` card's "full plan" link opens, under an
  unguessable token, kept for ``Settings.plan_link_ttl_s`` (24 hours by default) then deleted;
* ``cds_jwt_ids``: the ``jti`` of each CDS client JWT accepted, until the token expires (replay check).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nephroguide.store.sqlite import Migration, open_database, register_migrations, transaction

COMPONENT = "web"

register_migrations(COMPONENT, [
    Migration(1, "cds feedback and plan links", """
        CREATE TABLE cds_feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            service_id TEXT NOT NULL,
            card_uuid TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
            accepted_suggestions TEXT NOT NULL DEFAULT '[]',
            override_reason TEXT,
            outcome_timestamp TEXT NOT NULL,
            received_at REAL NOT NULL
        );
        CREATE INDEX cds_feedback_card ON cds_feedback(card_uuid);
        CREATE TABLE cds_plan_links (
            token TEXT PRIMARY KEY,
            record TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE INDEX cds_plan_links_expiry ON cds_plan_links(expires_at);
    """),
    Migration(2, "cds jwt ids seen (replay check)", """
        CREATE TABLE cds_jwt_ids (
            issuer TEXT NOT NULL,
            jti TEXT NOT NULL,
            expires_at REAL NOT NULL,
            PRIMARY KEY (issuer, jti)
        );
        CREATE INDEX cds_jwt_ids_expiry ON cds_jwt_ids(expires_at);
    """),
])


_connections: dict[str, sqlite3.Connection] = {}
_lock = threading.Lock()


@contextmanager
def _open(home: str | Path | None, *, create: bool = True) -> Iterator[sqlite3.Connection | None]:
    """One connection per database file and process, reused (opening costs more than the query), serialised."""
    from nephroguide.store.sqlite import database_file

    file = database_file(home)
    key = str(file) if file is not None else ":memory:"
    with _lock:
        conn = _connections.get(key)
        if conn is None:
            if file is not None and not file.exists() and not create:
                yield None
                return
            conn = open_database(home, components=[COMPONENT], create=create)
            assert conn is not None
            _connections[key] = conn
        yield conn


def save_feedback(home: str | Path | None, service_id: str, items: list[dict[str, Any]]) -> int:
    """Store feedback items (already validated); returns how many were stored."""
    with _open(home) as conn:
        assert conn is not None
        now = time.time()
        with transaction(conn):
            for item in items:
                conn.execute(
                    "INSERT INTO cds_feedback(service_id, card_uuid, outcome, accepted_suggestions, override_reason, "
                    "outcome_timestamp, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (service_id, item["card"], item["outcome"], json.dumps(item.get("acceptedSuggestions", [])),
                     json.dumps(item["overrideReason"]) if item.get("overrideReason") else None,
                     item["outcomeTimestamp"], now))
        return len(items)


def list_feedback(home: str | Path | None, service_id: str | None = None) -> list[dict[str, Any]]:
    with _open(home, create=False) as conn:
        if conn is None:
            return []
        sql = "SELECT * FROM cds_feedback" + (" WHERE service_id = ?" if service_id else "") + " ORDER BY id"
        rows = conn.execute(sql, (service_id,) if service_id else ()).fetchall()
        return [{"service_id": r["service_id"], "card": r["card_uuid"], "outcome": r["outcome"],
                 "acceptedSuggestions": json.loads(r["accepted_suggestions"]),
                 "overrideReason": json.loads(r["override_reason"]) if r["override_reason"] else None,
                 "outcomeTimestamp": r["outcome_timestamp"]} for r in rows]


def claim_jti(home: str | Path | None, issuer: str, jti: str, expires_at: float) -> bool:
    """Record a JWT id until its token expires; False when the issuer already used it (a replay)."""
    with _open(home) as conn:
        assert conn is not None
        now = time.time()
        with transaction(conn):
            conn.execute("DELETE FROM cds_jwt_ids WHERE expires_at < ?", (now,))
            cur = conn.execute("INSERT OR IGNORE INTO cds_jwt_ids(issuer, jti, expires_at) VALUES (?, ?, ?)",
                               (issuer, jti, expires_at))
        return cur.rowcount == 1


def save_plan_link(home: str | Path | None, record: dict[str, Any], ttl_s: int) -> str:
    """Keep a record for a card's link; returns the token. Expired links are deleted on the way."""
    token = secrets.token_urlsafe(24)
    with _open(home) as conn:
        assert conn is not None
        now = time.time()
        with transaction(conn):
            conn.execute("DELETE FROM cds_plan_links WHERE expires_at < ?", (now,))
            conn.execute("INSERT INTO cds_plan_links(token, record, created_at, expires_at) VALUES (?, ?, ?, ?)",
                         (token, json.dumps(record, sort_keys=True), now, now + ttl_s))
        return token


def load_plan_link(home: str | Path | None, token: str) -> dict[str, Any] | None:
    with _open(home, create=False) as conn:
        if conn is None:
            return None
        row = conn.execute("SELECT record, expires_at FROM cds_plan_links WHERE token = ?", (token,)).fetchone()
        if row is None or row["expires_at"] < time.time():
            return None
        data = json.loads(row["record"])
        return data if isinstance(data, dict) else None
