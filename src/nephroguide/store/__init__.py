"""State under one home directory: paths, and the embedded SQLite store with numbered migrations.

``paths.home_dir()`` resolves where state lives (``--home`` > ``$NEPHROGUIDE_HOME`` > the platform's
user data directory); ``sqlite.open_database()`` opens the store and applies each component's
registered migrations. Nothing here runs at import time and nothing is created until written.
"""

from __future__ import annotations

from nephroguide.store.paths import database_url, ensure_home, home_dir, sqlite_path

__all__ = ["database_url", "ensure_home", "home_dir", "sqlite_path"]
