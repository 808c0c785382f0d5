"""An answer's review status, from the review status of the knowledge entries it rests on.

``review_status(kb_ids)`` ->
``{"status": "approved" | "under_review" | "submitted" | "unreviewed", "last_updated": "YYYY-MM-DD" | None,
"pending": [ids with an open proposal], "unreviewed": [ids not approved by a reviewer]}``:

* ``under_review`` / ``submitted``: some entry has an open proposal in that state (under review wins);
* ``approved``: every entry is approved *by a reviewer* at its current version, and the served pack holds
  exactly that version (an entry whose served content differs from the approved hash is not approved);
* ``unreviewed`` otherwise: an entry only carries the seed approval (the shipped pack, recorded as
  approved by ``system``), or is not in the store, or there is no review store at all.

``last_updated``: the date of the latest reviewer approval among the entries (None without one).

Reading writes nothing (no store is created). The store's state is read in one query per database and
kept for :data:`TTL_S` seconds (writes in this process clear it at once), so answering stays fast.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("nephroguide.review")

TTL_S = 2.0


@dataclass(frozen=True)
class EntryState:
    key: str
    kind: str
    current_hash: str | None
    reviewed: bool              # current version approved by a reviewer (not the seed's system account)
    approved_date: str | None   # YYYY-MM-DD of that approval
    retired: bool
    open_state: str | None      # under_review / submitted when a proposal is open


@dataclass
class Snapshot:
    by_id: dict[str, list[EntryState]] = field(default_factory=dict)


_cache: dict[str, tuple[float, Snapshot | None]] = {}
_lock = threading.Lock()
_served: dict[tuple[str, str, str], str | None] = {}


def invalidate() -> None:
    """Forget the cached state (called after every write in this process)."""
    with _lock:
        _cache.clear()


def _load(url: str) -> Snapshot | None:
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from nephroguide.review.db import HEAD, current_revision, engine_for, reading, store_exists
    from nephroguide.review.schema import kb_entries, kb_versions, users

    if not store_exists(url):
        return None
    try:
        engine = engine_for(url)
        with reading(engine) as conn:
            if current_revision(conn) != HEAD:
                return None
            rows = conn.execute(
                select(kb_entries.c.key, kb_entries.c.kind, kb_entries.c.kb_id, kb_entries.c.current_hash,
                       kb_entries.c.retired, kb_versions.c.decided_at, users.c.role)
                .outerjoin(kb_versions, kb_versions.c.id == kb_entries.c.current_version_id)
                .outerjoin(users, users.c.id == kb_versions.c.reviewer_id)).all()
            open_rows = conn.execute(select(kb_versions.c.entry_key, kb_versions.c.state)
                                     .where(kb_versions.c.state.in_(("submitted", "under_review")))).all()
    except SQLAlchemyError as exc:  # the answer is still given, marked unreviewed
        log.warning("review store unavailable for review status (%s)", type(exc).__name__)
        return None
    opened: dict[str, str] = {}
    for o in open_rows:
        if opened.get(o.entry_key) != "under_review":
            opened[o.entry_key] = o.state
    snap = Snapshot()
    for r in rows:
        reviewed = r.role is not None and r.role != "system" and r.current_hash is not None
        snap.by_id.setdefault(r.kb_id, []).append(EntryState(
            r.key, r.kind, r.current_hash, reviewed, (r.decided_at or "")[:10] or None, bool(r.retired),
            opened.get(r.key)))
    return snap


def snapshot(url: str) -> Snapshot | None:
    now = time.monotonic()
    with _lock:
        hit = _cache.get(url)
        if hit is not None and hit[0] > now:
            return hit[1]
    snap = _load(url)
    with _lock:
        _cache[url] = (now + TTL_S, snap)
    return snap


def served_hash(pack: Any, kind: str, kb_id: str) -> str | None:
    """The content hash of an entry in the pack being served (cached per pack version)."""
    from nephroguide.review.content import canonical, content_hash

    key = (pack.version, kind, kb_id)
    if key not in _served:
        entry = getattr(pack, kind, {}).get(kb_id)
        _served[key] = content_hash(canonical(entry)) if entry is not None else None
        if len(_served) > 20_000:
            _served.clear()
    return _served[key]


def review_status(kb_ids: Iterable[str], *, home: str | Path | None = None, url: str | None = None,
                  pack: Any = None) -> dict[str, Any]:
    """The review status of an answer resting on these knowledge ids (see the module docstring).

    ``pack``: the pack the answer was built from (default: the served one, ``load_pack()``); pass
    ``pack=False`` to skip comparing served content with the approved hashes.
    """
    ids = sorted({str(i).split("#", 1)[0] for i in kb_ids if i})
    no_store: dict[str, Any] = {"status": "unreviewed", "last_updated": None, "pending": [], "unreviewed": ids}
    from nephroguide.store.paths import database_url, sqlite_path

    # Most installs have no review store: answer that without importing SQLAlchemy (start-up time).
    raw = url or database_url(home)
    if raw.startswith("sqlite:"):
        path = sqlite_path(raw)
        if path is None or not path.exists():
            return no_store
    from nephroguide.review.db import normalize_url, store_url

    resolved = normalize_url(url) if url else store_url(home)
    snap = snapshot(resolved)
    if snap is None or not ids:
        return no_store
    if pack is None:
        from nephroguide.knowledge.pack import load_pack

        pack = load_pack()
    pending_under, pending_sub, unreviewed, dates = [], [], [], []
    for kb_id in ids:
        states = snap.by_id.get(kb_id)
        if not states:
            unreviewed.append(kb_id)
            continue
        st = states[0] if len(states) == 1 else _pick(states, pack)
        if st.open_state == "under_review":
            pending_under.append(kb_id)
        elif st.open_state == "submitted":
            pending_sub.append(kb_id)
        ok = st.reviewed and not st.retired
        if ok and pack is not False and served_hash(pack, st.kind, kb_id) != st.current_hash:
            ok = False   # the served pack does not (yet) hold the approved version
        if ok and st.approved_date:
            dates.append(st.approved_date)
        elif not ok:
            unreviewed.append(kb_id)
    status = ("under_review" if pending_under else "submitted" if pending_sub
              else "unreviewed" if unreviewed else "approved")
    return {"status": status, "last_updated": max(dates) if dates else None,
            "pending": sorted(pending_under + pending_sub), "unreviewed": unreviewed}


def _pick(states: list[EntryState], pack: Any) -> EntryState:
    """An id used by two kinds (a source and a recommendation, say): the entry kinds answers cite first."""
    order = ("answers", "facts", "recommendations", "dose_rules", "cautions", "conflicts", "studies", "definitions",
             "definition_sets",
             "sources", "drugs", "grade_scales")
    return sorted(states, key=lambda s: order.index(s.kind) if s.kind in order else 99)[0]
