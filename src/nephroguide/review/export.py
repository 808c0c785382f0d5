"""Write the approved knowledge back to pack files (the same layout and schema as the shipped pack).

Every entry goes to the file it came from (new entries to the file named in their proposal), in its
original order, with the file's header comment; retired entries and never-approved additions are left
out. The written directory is loaded with the pack loader before it is used, so an export that would not
pass ``nephroguide kb validate`` is never served.

``<home>/pack/<version>/`` holds one export (``version`` = the pack's content hash, as ``load_pack``
computes it) and ``<home>/pack/CURRENT`` names the one in use. A new export is written to a temporary
directory, renamed into place, and only then is ``CURRENT`` replaced (``os.replace``, atomic), under a
file lock; an export older than the one in place (a lower store generation) never replaces it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from nephroguide.errors import InputError
from nephroguide.review.content import FILE_TABLE_ORDER
from nephroguide.review.schema import kb_entries, kb_files, kb_versions, store_state

KEEP_EXPORTS = 5
TMP_PREFIX = ".export-"      # + "<pid>-<random>": an export being written (or left by a killed process)
LEFTOVER_AGE_S = 24 * 3600   # a temporary export older than this is a leftover even if its pid was reused
MARKER = "EXPORT.json"     # not *.yaml, so the pack loader ignores it


@dataclass(frozen=True)
class Approved:
    key: str
    kind: str
    kb_id: str
    file: str
    position: int
    content: dict[str, Any]
    content_hash: str


def approved_entries(conn: Connection) -> list[Approved]:
    """Every entry's approved, current, not retired version, in pack order."""
    q = (select(kb_entries.c.key, kb_entries.c.kind, kb_entries.c.kb_id, kb_entries.c.file, kb_entries.c.position,
                kb_versions.c.content, kb_versions.c.content_hash)
         .join(kb_versions, kb_versions.c.id == kb_entries.c.current_version_id)
         .where(kb_entries.c.retired.is_(False))
         .order_by(kb_entries.c.position))
    return [Approved(r.key, r.kind, r.kb_id, r.file, r.position, json.loads(r.content), r.content_hash)
            for r in conn.execute(q)]


def render_files(entries: list[Approved], headers: dict[str, str]) -> dict[str, str]:
    """``{relative path: YAML text}`` of the pack these entries make."""
    import yaml

    by_file: dict[str, list[Approved]] = defaultdict(list)
    for e in entries:
        by_file[e.file].append(e)
    out: dict[str, str] = {}
    note = "# Exported by `nephroguide kb export` from the review store: approved versions only. Change it through\n" \
           "# `nephroguide review propose`, not by hand.\n"
    for path in sorted(by_file):
        items = by_file[path]
        header = headers.get(path, "")
        head = (header + "\n" if header else "") + note
        if items[0].kind == "definition_sets":
            doc: dict[str, Any] = {"schema_version": 1, **items[0].content}
        else:
            doc = {"schema_version": 1}
            for table in FILE_TABLE_ORDER:
                rows = [e.content for e in items if e.kind == table]
                if rows:
                    doc[table] = rows
        out[path] = head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False,
                                          width=100)
    return out


def write_pack(conn: Connection, directory: Path) -> tuple[str, int]:
    """Write the approved pack into an empty ``directory`` and load it; returns (pack version, entries)."""
    from nephroguide.knowledge.pack import build_pack

    entries = approved_entries(conn)
    headers = {r.path: r.header for r in conn.execute(select(kb_files))}
    for rel, text in render_files(entries, headers).items():
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    pack = build_pack(directory)  # validates like `kb validate` (KnowledgeError naming the file otherwise)
    return pack.version, len(entries)


def generation(conn: Connection) -> int:
    return int(conn.execute(select(store_state.c.generation)).scalar() or 0)


@contextmanager
def _file_lock(path: Path) -> Any:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: rely on os.replace being atomic
        yield
        return
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def export_to(conn: Connection, target: Path) -> dict[str, Any]:
    """``kb export --to DIR``: the approved pack in a new or empty directory."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target} exists and is not an empty directory", field="to")
    target.mkdir(parents=True, exist_ok=True)
    try:
        version, n = write_pack(conn, target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return {"record": "nephroguide.kb-export/1", "directory": str(target), "pack_version": version, "entries": n,
            "generation": generation(conn), "served": False}


def export_home(conn: Connection, home: Path, *, now: str) -> dict[str, Any]:
    """Export into ``<home>/pack`` and make it the served pack (atomically; never replaced by an older one)."""
    from nephroguide.knowledge.pack import HOME_PACK, HOME_PACK_POINTER

    gen = generation(conn)
    root = home / HOME_PACK
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=root))
    try:
        version, n = write_pack(conn, tmp)
        (tmp / MARKER).write_text(json.dumps({"generation": gen, "exported_at": now, "pack_version": version}),
                                  encoding="utf-8")
        final = root / version
        with _file_lock(root / ".lock"):
            if final.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)   # the same content was exported before
            else:
                os.replace(tmp, final)
            in_place = _generation_in_place(root)
            replaced = in_place is None or gen >= in_place
            if replaced:
                pointer_tmp = root / f".{HOME_PACK_POINTER}.{os.getpid()}"
                pointer_tmp.write_text(version + "\n", encoding="utf-8")
                (root / "GENERATION").write_text(str(gen) + "\n", encoding="utf-8")
                os.replace(pointer_tmp, root / HOME_PACK_POINTER)
            _prune(root, keep=version)
            _clean_leftovers(root)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return {"record": "nephroguide.kb-export/1", "directory": str(root / version), "pack_version": version,
            "entries": n, "generation": gen, "served": replaced}


def _generation_in_place(root: Path) -> int | None:
    try:
        return int((root / "GENERATION").read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _prune(root: Path, keep: str) -> list[str]:
    """Keep the newest KEEP_EXPORTS exports (a process may still be loading a recent one), the one just
    written and the one served (CURRENT); remove older pack versions. Returns the names removed."""
    from nephroguide.knowledge.pack import HOME_PACK_POINTER

    try:
        served = (root / HOME_PACK_POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        served = ""
    dirs = sorted((d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")),
                  key=lambda d: (d.stat().st_mtime, d.name), reverse=True)
    removed = []
    for d in dirs[KEEP_EXPORTS:]:
        if d.name not in (keep, served):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d.name)
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's) or cannot tell: keep
    return True


def _clean_leftovers(root: Path, *, max_age_s: float = LEFTOVER_AGE_S) -> list[str]:
    """Remove what killed exports left behind: ``.export-<pid>-*`` directories and ``.CURRENT.<pid>`` files
    whose process is gone (or that are older than ``max_age_s``, or of the old unnamed form). Called under
    the export lock; a live export of another process is never touched."""
    import time

    removed = []
    now = time.time()
    for p in root.iterdir():
        name = p.name
        if name.startswith(TMP_PREFIX):
            pid_text = name[len(TMP_PREFIX):].split("-", 1)[0]
        elif name.startswith(".CURRENT."):
            pid_text = name.rsplit(".", 1)[-1]
        else:
            continue
        try:
            age = now - p.stat().st_mtime
        except OSError:
            continue
        stale = not pid_text.isdigit() or not _pid_alive(int(pid_text)) or age > max_age_s
        if not stale or (pid_text.isdigit() and int(pid_text) == os.getpid() and age <= max_age_s):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(name)
    return removed
