"""Where nephroguide keeps its state.

Resolution order for the home directory: an explicit ``home`` argument (the CLI's ``--home``, which
it passes on through ``$NEPHROGUIDE_HOME``) > ``$NEPHROGUIDE_HOME`` > platformdirs'
``user_data_dir("nephroguide")``. Resolving a path never creates it: :func:`ensure_home` does, and
only code that is about to write calls it (read-only commands write nothing).

The database is ``$NEPHROGUIDE_DATABASE_URL`` when set, else the SQLite file
``<home>/nephroguide.sqlite3``. A caller that passes ``home`` explicitly (the Python API, tests)
gets the SQLite file under that home even when the environment variable is set, so an explicit
directory is never silently redirected elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from nephroguide.errors import InputError

ENV_HOME = "NEPHROGUIDE_HOME"
ENV_DATABASE_URL = "NEPHROGUIDE_DATABASE_URL"
DATABASE_FILE = "nephroguide.sqlite3"
APP_NAME = "nephroguide"


def home_dir(home: str | Path | None = None) -> Path:
    """The home directory (absolute; not created)."""
    if home is not None and str(home).strip():
        return Path(home).expanduser().resolve()
    env = os.environ.get(ENV_HOME, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)).resolve()


def ensure_home(home: str | Path | None = None) -> Path:
    """The home directory, created (with parents) if missing, readable by its owner only; for code about to
    write."""
    path = home_dir(home)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path} exists and is not a directory; choose another --home", field="home")
    private_dir(path)
    return path


PRIVATE_DIR_MODE = 0o700   # the home holds password and token hashes: other local users get nothing
PRIVATE_FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) with mode 0700 for the directory itself; a directory that
    exists keeps its mode (it may be one the user chose and shares on purpose)."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE)
    except FileExistsError:
        return
    os.chmod(path, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask; the owner keeps rwx either way


def private_file(path: Path) -> None:
    """Make a store file (and SQLite's -wal/-shm/-journal beside it) readable by its owner only: created
    empty with mode 0600 when missing (SQLite accepts an empty file and gives its side files the same
    mode), tightened to 0600 when it is ours and wider."""
    if not path.exists():
        private_dir(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        except FileExistsError:
            pass
        else:
            os.close(fd)
    for p in (path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)):
        try:
            st = p.stat()
            if st.st_uid == os.getuid() and st.st_mode & 0o077:
                os.chmod(p, PRIVATE_FILE_MODE)
        except (FileNotFoundError, PermissionError, AttributeError):
            continue


def database_url(home: str | Path | None = None) -> str:
    """``$NEPHROGUIDE_DATABASE_URL`` if set (and no explicit ``home``), else the SQLite file under home."""
    env = os.environ.get(ENV_DATABASE_URL, "").strip()
    if env and home is None:
        return env
    return f"sqlite:///{home_dir(home) / DATABASE_FILE}"


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL (``None`` for ``sqlite:///:memory:``).

    Raises InputError for a URL that is not SQLite (callers that can only use SQLite say so).
    """
    if url.startswith("sqlite:///"):
        rest = url[len("sqlite:///"):]
    elif url.startswith("sqlite://"):
        rest = url[len("sqlite://"):]
    else:
        scheme = url.split(":", 1)[0] if ":" in url else url
        raise InputError(f"database URL scheme {scheme!r} is not SQLite (expected sqlite:///PATH)",
                         field=ENV_DATABASE_URL)
    rest = rest.split("?", 1)[0]
    if rest in ("", ":memory:"):
        return None
    return Path(rest).expanduser()


def is_sqlite_url(url: str) -> bool:
    """Whether a database URL names an SQLite database."""
    return url.startswith("sqlite:")
