"""Issue 12 item 8: secrets on disk stay with their owner (home 0700, store files 0600), and exports clean up
after killed processes and old pack versions."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_home_is_0700_and_store_file_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    from nephroguide.store.sqlite import open_database

    home = tmp_path / "home"
    old = os.umask(0o022)
    try:
        conn = open_database(home)
        assert conn is not None
        conn.execute("CREATE TABLE t (x)")
        conn.close()
    finally:
        os.umask(old)
    assert _mode(home) == 0o700
    db = home / "nephroguide.sqlite3"
    assert _mode(db) == 0o600
    for side in home.glob("nephroguide.sqlite3-*"):
        assert _mode(side) & 0o077 == 0, side


def test_review_store_file_and_secret_are_private(tmp_path: Path) -> None:
    from nephroguide.review.db import open_store
    from nephroguide.review.service import Review
    from nephroguide.review.settings import home_secret

    home = tmp_path / "reviewhome"
    old = os.umask(0o022)
    try:
        review = Review(open_store(f"sqlite:///{home / 'nephroguide.sqlite3'}"), home=home, auto_export=False)
        review.add_user(None, "admin", "admin", "admin-password-1")
        home_secret(home)
    finally:
        os.umask(old)
    assert _mode(home) == 0o700
    assert _mode(home / "nephroguide.sqlite3") == 0o600
    assert _mode(home / "secret_key") == 0o600
    for side in home.glob("nephroguide.sqlite3-*"):
        assert _mode(side) & 0o077 == 0, side


def test_an_existing_world_readable_store_file_is_tightened(tmp_path: Path) -> None:
    from nephroguide.store.sqlite import open_database

    home = tmp_path / "old"
    home.mkdir()
    db = home / "nephroguide.sqlite3"
    db.touch()
    os.chmod(db, 0o644)
    conn = open_database(home)
    assert conn is not None
    conn.close()
    assert _mode(db) == 0o600


def test_killed_export_leftovers_and_old_pack_versions_are_removed(tmp_path: Path) -> None:
    from nephroguide.review import export

    root = tmp_path / "pack"
    root.mkdir()
    # a process that died while writing its export (a pid that is certainly gone: a finished child's)
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    dead = root / f".export-{child.stdout.strip()}-abc123"
    (dead / "drugs").mkdir(parents=True)
    (dead / "drugs" / "x.yaml").write_text("x: 1\n")
    legacy = root / ".export-q1w2e3"          # the form written before the pid was in the name
    legacy.mkdir()
    live = root / f".export-{os.getpid()}-live"  # this process is alive: an export in progress
    live.mkdir()
    pointer_left = root / f".CURRENT.{child.stdout.strip()}"
    pointer_left.write_text("v1\n")
    removed = export._clean_leftovers(root)
    assert sorted(removed) == sorted([dead.name, legacy.name, pointer_left.name])
    assert live.exists() and not dead.exists() and not legacy.exists() and not pointer_left.exists()
    # old versions: the newest KEEP_EXPORTS stay, and the served one (CURRENT) is never removed
    versions = [f"2026.{i:02d}" for i in range(export.KEEP_EXPORTS + 4)]
    for i, name in enumerate(versions):
        (root / name).mkdir()
        os.utime(root / name, (1_000_000 + i, 1_000_000 + i))   # explicit mtimes: oldest first
    (root / "CURRENT").write_text(versions[0] + "\n")
    gone = export._prune(root, keep=versions[-1])
    left = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    assert left == sorted([versions[0], *versions[-export.KEEP_EXPORTS:]])
    assert sorted(gone) == sorted(versions[1:-export.KEEP_EXPORTS])
