"""Keep ``<home>/pack`` in step with the review store, for ``nephroguide serve`` on every host.

An approval exports the approved pack to the home of the process that approved it. Other hosts (several
app servers against one PostgreSQL, each with its own home) would keep serving their older export: a
daemon thread started by ``nephroguide serve`` checks the store's generation (one small query) every
``$NEPHROGUIDE_PACK_SYNC_S`` seconds (default 10; 0 turns it off) and exports when the store has newer
approvals than the home's pack. It runs in the serve command's own process, so one thread serves all the
workers of a host (they share the home). Nothing starts when there is no review store.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger("nephroguide.review")

DEFAULT_INTERVAL_S = 10.0
_started = False


def home_generation(home: Path) -> int | None:
    from nephroguide.knowledge.pack import HOME_PACK

    try:
        return int((home / HOME_PACK / "GENERATION").read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def sync_once(url: str, home: Path) -> bool:
    """Export when the store has approvals the home's pack does not have; True when it exported."""
    from nephroguide.review.db import open_store, reading
    from nephroguide.review.export import generation
    from nephroguide.review.service import Review

    engine = open_store(url)
    with reading(engine) as conn:
        gen = generation(conn)
    here = home_generation(home)
    if gen == 0 and here is None:
        return False            # nothing approved beyond the shipped pack: it is served as it is
    if here is not None and here >= gen:
        return False
    Review(engine, home=home).export(None, actor_name="system:sync")
    log.info("exported the approved pack (store generation %d) to %s", gen, home)
    return True


def start_pack_sync(home: str | Path | None = None) -> bool:
    """Start the sync thread if a review store is configured; returns whether it started."""
    global _started
    from nephroguide.review.db import store_exists, store_url
    from nephroguide.store.paths import home_dir

    raw = os.environ.get("NEPHROGUIDE_PACK_SYNC_S", "").strip()
    try:
        interval = float(raw) if raw else DEFAULT_INTERVAL_S
    except ValueError:
        interval = DEFAULT_INTERVAL_S
    url = store_url(home)
    if _started or interval <= 0 or not store_exists(url):
        return False
    _started = True
    where = home_dir(home)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                sync_once(url, where)
            except Exception as exc:  # never take the server down; try again next time
                log.warning("pack sync failed (%s); `nephroguide kb export` exports by hand", type(exc).__name__)
            stop.wait(interval)

    threading.Thread(target=loop, name="nephroguide-pack-sync", daemon=True).start()
    return True
