"""The audit log: append-only, tamper-evident (each row hashes the previous row's hash and its own content).

Row ``n`` stores ``hash = sha256(canonical JSON of [seq, at, actor, action, subject, detail, ip, prev_hash])``
with ``prev_hash`` = row ``n-1``'s hash (64 zeros for the first row). The chain's head (last seq and hash)
is kept in ``review_store_state`` and updated in the same transaction as the row, under a row lock, so
concurrent writers append one after the other. :func:`verify` recomputes the chain and reports the first
row that does not fit: a changed row, a removed row (a gap), or rows removed from the end (head mismatch).
The database also refuses UPDATE and DELETE on the table (triggers); verification catches what someone
with enough privileges does anyway.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, func, select, update

from nephroguide.review.content import canonical_json
from nephroguide.review.schema import audit_log, store_state

GENESIS = "0" * 64


def row_hash(seq: int, at: str, actor: str, action: str, subject: str, detail: str, ip: str | None,
             prev_hash: str) -> str:
    material = canonical_json([seq, at, actor, action, subject, detail, ip, prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def append(conn: Connection, *, actor: str, action: str, subject: str, detail: dict[str, Any] | None = None,
           ip: str | None = None, at: str | None = None, bump_generation: bool = False) -> int:
    """Append one row in the caller's transaction (call it last: it locks the chain's head). Returns its seq."""
    from nephroguide.review.db import utcnow

    head = conn.execute(select(store_state.c.audit_seq, store_state.c.audit_hash)
                        .where(store_state.c.id == 1).with_for_update()).one()
    seq = int(head.audit_seq) + 1
    when = at or utcnow()
    detail_text = canonical_json(detail or {})
    h = row_hash(seq, when, actor, action, subject[:160], detail_text, ip, head.audit_hash)
    conn.execute(audit_log.insert().values(seq=seq, at=when, actor=actor, action=action, subject=subject[:160],
                                           detail=detail_text, ip=ip, prev_hash=head.audit_hash, hash=h))
    values: dict[str, Any] = {"audit_seq": seq, "audit_hash": h}
    if bump_generation:
        values["generation"] = store_state.c.generation + 1
    conn.execute(update(store_state).where(store_state.c.id == 1).values(**values))
    return seq


def verify(conn: Connection) -> dict[str, Any]:
    """Recompute the chain: ``{"ok", "rows", "first_broken", "reason"}`` (first_broken: a seq, or None)."""
    # The head first: a row and its head update commit together, so every row up to the head read here is
    # committed, and rows a concurrent writer appends after this read are not part of the chain being checked.
    # (Reading the head last raced under READ COMMITTED: a row committed between the two reads looked like
    # rows removed from the end.)
    head = conn.execute(select(store_state.c.audit_seq, store_state.c.audit_hash)
                        .where(store_state.c.id == 1)).one()
    expected_seq, prev = 1, GENESIS
    n = 0
    result = conn.execution_options(yield_per=2000).execute(
        select(audit_log).where(audit_log.c.seq <= head.audit_seq).order_by(audit_log.c.seq))
    for r in result:
        n += 1
        if r.seq != expected_seq:
            return _broken(n - 1, expected_seq, f"row {expected_seq} is missing (next row is {r.seq})")
        if r.prev_hash != prev:
            return _broken(n - 1, r.seq, "its prev_hash does not match the previous row's hash")
        if row_hash(r.seq, r.at, r.actor, r.action, r.subject, r.detail, r.ip, r.prev_hash) != r.hash:
            return _broken(n - 1, r.seq, "its content does not match its hash (the row was changed)")
        prev, expected_seq = r.hash, expected_seq + 1
    if head.audit_seq != expected_seq - 1 or head.audit_hash != prev:
        return _broken(n, expected_seq, f"the chain's head is row {head.audit_seq} but the log ends at row "
                                        f"{expected_seq - 1} (rows were removed from the end)")
    return {"record": "nephroguide.audit-verify/1", "ok": True, "rows": n, "first_broken": None, "reason": ""}


def _broken(n: int, seq: int, reason: str) -> dict[str, Any]:
    return {"record": "nephroguide.audit-verify/1", "ok": False, "rows": n, "first_broken": seq, "reason": reason}


MAX_SEQ = 2**31 - 1  # the largest value of the seq column (INTEGER) on every supported database


def rows(conn: Connection, *, limit: int = 50, before: int | None = None, actor: str | None = None,
         action: str | None = None, subject: str | None = None) -> list[dict[str, Any]]:
    """The newest rows first (``before``: only rows with a smaller seq, for paging)."""
    q = select(audit_log).order_by(audit_log.c.seq.desc()).limit(max(1, min(limit, 1000)))
    if before is not None:
        if before <= 1:  # sequence numbers start at 1
            return []
        # seq is a 32-bit INTEGER on PostgreSQL: a larger bound than any seq means "all rows", and is never
        # sent to the database (where it would be an out-of-range error, not an answer)
        if before <= MAX_SEQ:
            q = q.where(audit_log.c.seq < before)
    if actor:
        q = q.where(audit_log.c.actor == actor)
    if action:
        q = q.where(audit_log.c.action == action)
    if subject:
        q = q.where(audit_log.c.subject == subject)
    return [{"seq": r.seq, "at": r.at, "actor": r.actor, "action": r.action, "subject": r.subject,
             "detail": json.loads(r.detail), "ip": r.ip, "hash": r.hash} for r in conn.execute(q)]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar() or 0)
