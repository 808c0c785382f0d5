"""On-disk cache of what a fresh ``nephroguide ask`` process would otherwise rebuild from the pack.

A new process spends most of its time turning YAML into tables: validating the knowledge pack, compiling
the understanding rules (hundreds of regular expressions) and the vocabulary, and indexing every statement
for retrieval. None of that changes until the pack, the data files or the code change, so the results are
kept in the user's cache directory and read back in a few milliseconds.

- **Where**: ``$NEPHROGUIDE_CACHE_DIR`` (``off`` turns the cache off), else the platform cache directory
  (``~/.cache/nephroguide`` on Linux). Not the home directory: the home holds state, and commands that only
  read (``ask`` without a session) write nothing there.
- **Keys**: every entry's name carries a hash of everything it is built from: the bytes of the pack files, the
  data files, the source of the modules that build it, the versions of Python and of the libraries whose
  objects are stored. A change to any of them is simply a different entry (old ones are pruned).
- **Safety**: entries are written to a private temporary name and renamed into place (atomic; concurrent
  writers cannot interleave), files are 0600 inside a 0700 directory, and a directory that is not the user's
  own or that others may write to is never read (a pickle runs code). Every file carries a SHA-256 of its
  content; anything missing, truncated, corrupt, from another format or unreadable is ignored and rebuilt.
  Failing to write (read-only disk, full disk) only costs the speed-up.

Compiled regular expressions are stored as the regex engine's own program (with the pattern text) and
re-created without parsing; an entry records them only when the re-created pattern compares equal to the one
``re.compile`` made, and the key includes the engine's version.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import secrets
import shutil
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

ENV_CACHE_DIR = "NEPHROGUIDE_CACHE_DIR"
FORMAT = 1                     # bump when the layout of entries changes
MAGIC = b"nephroguide-cache\0"
KEEP = 6                       # entries of one kind kept (several packs or homes may be in use)
RECENT_SECONDS = 120           # never prune an entry this young (another process may be reading it)
DIR_MODE = 0o700
FILE_MODE = 0o600
_OFF = ("off", "none", "0", "false", "no")
_PACKAGE = Path(__file__).resolve().parent
# the modules whose code decides what an entry of each kind holds (any edit to them is a new key); this module
# itself is always part of a key
_PACK_CODE = ("knowledge/models.py", "knowledge/pack.py")   # how pack files become the entries others read
CODE: dict[str, tuple[str, ...]] = {
    "pack": _PACK_CODE,
    "lexicon": ("knowledge/lexicon.py", *_PACK_CODE),
    "understanding": ("answer/understand.py",),
    "vocabulary": ("answer/understand.py", "knowledge/lexicon.py", *_PACK_CODE),
    "index": ("answer/retrieve.py", "answer/understand.py", "knowledge/lexicon.py", *_PACK_CODE),
    "hyphenation": (),
}

T = TypeVar("T")


# ----------------------------------------------------------------------------------------- where

def cache_root() -> Path | None:
    """The cache directory (not created), or None when the cache is turned off."""
    env = os.environ.get(ENV_CACHE_DIR, "").strip()
    if env.lower() in _OFF:
        return None
    if env:
        return Path(env).expanduser().absolute()
    if sys.platform.startswith("linux"):   # the XDG rule platformdirs applies, without importing it (~5 ms)
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
        return (base / "nephroguide").absolute()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("nephroguide", appauthor=False)).absolute()


def _trusted(path: Path) -> bool:
    """A directory (or file) we may read pickles from: ours, and nobody else may write to it."""
    try:
        st = path.lstat()
    except OSError:
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & 0o022


def _readable_root() -> Path | None:
    root = cache_root()
    if root is None or not root.is_dir() or not _trusted(root):
        return None
    return root


def _writable_root() -> Path | None:
    """The cache directory, created 0700 if missing; None when it cannot be used."""
    root = cache_root()
    if root is None:
        return None
    try:
        if not root.is_dir():
            root.parent.mkdir(parents=True, exist_ok=True)
            try:
                root.mkdir(mode=DIR_MODE)
            except FileExistsError:
                pass
            else:
                os.chmod(root, DIR_MODE)   # mkdir's mode is filtered by the umask
    except OSError:
        return None
    return root if _trusted(root) else None


# ----------------------------------------------------------------------------------------- keys

@cache
def code_stamp(kind: str) -> str:
    """Python, the regex engine, the cache format, the source of the modules that build entries of a kind and, for
    entries read from YAML, the versions of the YAML parser and of pydantic (they decide what the files mean)."""
    import _sre

    h = hashlib.sha256(f"{FORMAT}|{kind}|{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}|{pickle.HIGHEST_PROTOCOL}".encode())
    if CODE[kind]:
        import pydantic
        import yaml

        h.update(f"|yaml {yaml.__version__}|pydantic {pydantic.VERSION}".encode())
    for rel in ("cache.py", *CODE[kind]):
        h.update(rel.encode() + b"\0")
        try:
            h.update((_PACKAGE / rel).read_bytes())
        except OSError:
            h.update(b"<missing>")
    return h.hexdigest()


def key(kind: str, *parts: str | bytes) -> str:
    """A cache key for an entry of a kind (see ``CODE``): the code stamp and the given parts (file bytes, versions,
    paths), hashed."""
    h = hashlib.sha256(code_stamp(kind).encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


def file_bytes(path: Path) -> bytes:
    """A file's bytes for a key (a missing file is a key of its own, never an error here)."""
    try:
        return path.read_bytes()
    except OSError:
        return b"<missing>"


# ----------------------------------------------------------------------------------------- pickling

def _pattern(pattern: str | bytes, flags: int, code: list[int], groups: int, groupindex: dict[str, int],
             indexgroup: tuple[str | None, ...]) -> re.Pattern[Any]:
    import _sre

    compiled: re.Pattern[Any] = _sre.compile(pattern, flags, code, groups, groupindex, indexgroup)
    return compiled


def _pattern_program(p: re.Pattern[Any]) -> tuple[Any, ...] | None:
    """What ``re`` hands the regex engine for this pattern, if re-creating it from that gives an equal pattern."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(p.pattern, p.flags)
        code = [int(c) for c in _compiler._code(parsed, p.flags)]   # plain ints (the opcodes are int subclasses)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, i in groupindex.items():
            indexgroup[i] = name
        args = (p.pattern, p.flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex,
                tuple(indexgroup))
        return args if _pattern(*args) == p else None
    except Exception:   # any other Python's internals: store the pattern text instead
        return None


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is re.Pattern:
            program = _pattern_program(obj)
            if program is not None:
                return _pattern, program
        return NotImplemented


def _dumps(value: Any) -> bytes:
    import io

    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    payload = buf.getvalue()
    return MAGIC + hashlib.sha256(payload).digest() + payload


def _loads(data: bytes) -> Any:
    head = len(MAGIC)
    if data[:head] != MAGIC or len(data) < head + 32:
        raise ValueError("not a cache entry")
    digest, payload = data[head:head + 32], data[head + 32:]
    if hashlib.sha256(payload).digest() != digest:
        raise ValueError("cache entry does not match its checksum")
    return pickle.loads(payload)


# ----------------------------------------------------------------------------------------- files

def _private_write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _tmp_name(root: Path, name: str) -> Path:
    return root / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def _discard(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:
        pass


def _prune(root: Path, prefix: str, keep: str) -> None:
    """Remove old entries of one kind: all but the newest KEEP, never one younger than RECENT_SECONDS."""
    import time

    try:
        entries = []
        for p in root.iterdir():
            if p.name.startswith(prefix) and p.name != keep:
                try:
                    entries.append((p.lstat().st_mtime, p))
                except OSError:
                    continue
        entries.sort(reverse=True)
        now = time.time()
        for mtime, p in entries[KEEP - 1:]:
            if now - mtime > RECENT_SECONDS:
                _discard(p)
        for p in root.iterdir():   # temporary files left by a process that died while writing
            if p.name.startswith(f".{prefix}") and p.name.endswith(".tmp"):
                try:
                    if now - p.lstat().st_mtime > RECENT_SECONDS:
                        _discard(p)
                except OSError:
                    continue
    except OSError:
        pass


def load(name: str, entry_key: str) -> Any | None:
    """The value stored under ``name``/``entry_key``, or None (missing, corrupt, untrusted, cache off)."""
    root = _readable_root()
    if root is None:
        return None
    path = root / f"{name}-{entry_key}.pickle"
    try:
        if not _trusted(path):
            return None
        return _loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception:   # corrupt, truncated, from another version: rebuilt by the caller
        _discard(path)
        return None


def store(name: str, entry_key: str, value: Any) -> bool:
    """Write an entry atomically (private temporary file, then rename); False when it could not be written."""
    root = _writable_root()
    if root is None:
        return False
    final = root / f"{name}-{entry_key}.pickle"
    tmp = _tmp_name(root, final.name)
    try:
        _private_write(tmp, _dumps(value))
        os.replace(tmp, final)
    except Exception:
        _discard(tmp)
        return False
    _prune(root, f"{name}-", final.name)
    return True


def cached(name: str, entry_key: str, build: Callable[[], T]) -> T:
    """The stored value, or ``build()`` (stored for the next process)."""
    value = load(name, entry_key)
    if value is not None:
        return value
    value = build()
    store(name, entry_key, value)
    return value


# ----------------------------------------------------------------------------------------- the pack

def cached_pack(directory: Path, build: Callable[[Path], Any], files: Callable[[Path], list[Path]]) -> Any:
    """The validated pack of ``directory`` (``build(directory)``), read back from the cache while its files are
    byte for byte the ones it was built from. ``files``: the pack's file list (as ``build`` reads it)."""
    import pydantic

    if not directory.is_dir():
        return build(directory)
    digest = hashlib.sha256()
    try:
        for path in files(directory):
            digest.update(path.relative_to(directory).as_posix().encode() + b"\0" + path.read_bytes())
    except OSError:
        return build(directory)   # reports the file it cannot read
    version = digest.hexdigest()[:12]   # what build() names the pack's version
    entry = key("pack", digest.hexdigest(), str(directory), str(pydantic.VERSION))
    found = load("pack", entry)
    if found is not None and getattr(found, "version", None) == version and getattr(found, "complete", False):
        return found
    pack = build(directory)
    if pack.version == version:   # the files did not change while it was built
        store("pack", entry, pack)
    return pack


# ----------------------------------------------------------------------------------------- directories

def _manifest(directory: Path) -> dict[str, str]:
    out = {}
    for p in sorted(directory.rglob("*")):
        if p.is_file() and not p.name.endswith(".lock"):
            out[p.relative_to(directory).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def load_dir(name: str, entry_key: str) -> tuple[Path, Any] | None:
    """A stored directory entry: (its ``data`` directory, the value stored with it), every file verified."""
    root = _readable_root()
    if root is None:
        return None
    entry = root / f"{name}-{entry_key}"
    try:
        if not entry.is_dir() or not _trusted(entry):
            return None
        manifest, value = _loads((entry / "value.pickle").read_bytes())
        data = entry / "data"
        if _manifest(data) != manifest:
            raise ValueError("cache directory does not match its manifest")
        return data, value
    except Exception:
        _discard_entry(root, entry)
        return None


def _discard_entry(root: Path, entry: Path) -> None:
    """Move a bad entry out of the way first (a rename is atomic), then delete it."""
    if not entry.exists():
        return
    trash = _tmp_name(root, entry.name)
    try:
        os.rename(entry, trash)
    except OSError:
        return
    _discard(trash)


def store_dir(name: str, entry_key: str, fill: Callable[[Path], Any]) -> tuple[Path, Any] | None:
    """Create a directory entry: ``fill(data_dir)`` writes files into a private temporary directory and returns
    the value kept with them; the whole entry is renamed into place at once. Returns the stored entry as
    :func:`load_dir` reads it, or None when the cache cannot be written (``fill`` is then not called)."""
    root = _writable_root()
    if root is None:
        return None
    final = root / f"{name}-{entry_key}"
    tmp = _tmp_name(root, final.name)
    try:
        tmp.mkdir(mode=DIR_MODE)
        os.chmod(tmp, DIR_MODE)
        data = tmp / "data"
        data.mkdir(mode=DIR_MODE)
        os.chmod(data, DIR_MODE)
        value = fill(data)
        _private_tree(data)
        _private_write(tmp / "value.pickle", _dumps((_manifest(data), value)))
        try:
            os.rename(tmp, final)
        except OSError:   # another process published it first: use theirs
            _discard(tmp)
    except Exception:
        _discard(tmp)
        return None
    _prune(root, f"{name}-", final.name)
    return load_dir(name, entry_key)


def _private_tree(directory: Path) -> None:
    for p in directory.rglob("*"):
        os.chmod(p, DIR_MODE if p.is_dir() else FILE_MODE)


__all__ = ["CODE", "ENV_CACHE_DIR", "cache_root", "cached", "cached_pack", "code_stamp", "file_bytes", "key", "load",
           "load_dir", "store", "store_dir"]
