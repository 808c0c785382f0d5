"""Ingest files and directories into the library: read -> sections -> passages -> index, per file.

Each file is handled on its own: a file that cannot be read (corrupt or encrypted PDF, empty,
binary, over the size limit, invalid XML) gets status ``error`` with a one-line reason and the run
goes on with the others. Each document is written in one transaction (see ``index``), so an
interrupted run leaves whole documents only; running it again adds the rest and skips the ones
already there (same content hash -> ``skipped``). After the run (also one that raised) the derived
tantivy index is brought up to date (``tantivy_index.after_write``).

Directories are walked recursively in sorted order; hidden files and directories and sidecar
metadata files (``*.meta.yaml``/``.json``) are passed over; files of other types are reported as
``skipped`` (unsupported), and so are README-like files and symbolic links whose target lies outside the
named directory (a file named explicitly is always read). Size limit: :data:`~nephroguide.library.readers.MAX_FILE_BYTES` (50 MB)
per file unless ``max_bytes`` says otherwise.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nephroguide.errors import ConflictError, InputError

RECORD = "nephroguide.ingest/1"


@dataclass
class FileResult:
    """What happened to one file: ok | skipped | error, the documents it gave, and why."""

    path: str
    status: str
    reason: str | None = None
    format: str | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def passages(self) -> int:
        return sum(int(d.get("passages", 0)) for d in self.documents if d.get("status") in ("added", "updated"))

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "reason": self.reason, "format": self.format,
                "documents": self.documents, "passages": self.passages, "warnings": self.warnings}


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    pages: int = 0

    @property
    def failed(self) -> bool:
        return any(f.status == "error" for f in self.files)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def to_json(self) -> dict[str, Any]:
        return {"record": RECORD,
                "summary": {"files": len(self.files), "ok": self.count("ok"), "skipped": self.count("skipped"),
                            "errors": self.count("error"),
                            "documents_added": sum(1 for f in self.files for d in f.documents
                                                   if d.get("status") in ("added", "updated")),
                            "passages_added": sum(f.passages for f in self.files), "pages": self.pages},
                "files": [f.to_json() for f in self.files]}


# Files that accompany documents in a folder but are not evidence: passed over in a directory walk
# (ingested only when named one by one).
NON_DOCUMENT_STEMS = frozenset({"readme", "license", "licence", "copying", "changelog", "changes", "history",
                                "contributing", "authors", "notice", "install", "todo", "code_of_conduct",
                                "security", "citation"})


def is_non_document(path: Path) -> bool:
    """README, LICENSE, CHANGELOG ... (any case, any suffix): not a paper or a guideline."""
    return path.name.split(".", 1)[0].lower() in NON_DOCUMENT_STEMS


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def walk(paths: Iterable[str | Path]) -> Iterator[tuple[Path, bool, str | None]]:
    """(file, named explicitly, reason to skip it or None) for each path; directories walked recursively,
    sorted. Within a named directory a symbolic link is followed only when its target lies inside that
    directory (a link to ``/etc/passwd`` is reported as skipped, never read); README-like files are
    skipped unless named."""
    from nephroguide.library.readers import is_sidecar

    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            root = path.resolve()
            for base, dirs, files in os.walk(path):  # never descends into linked directories
                here = Path(base)
                for d in sorted(dirs):
                    link = here / d
                    if not d.startswith(".") and link.is_symlink():
                        target = link.resolve()
                        reason = ("symbolic link to a directory outside " + str(path) if not _inside(target, root)
                                  else "symbolic link to a directory (its files are ingested from where they are)")
                        yield link, False, reason
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
                for name in sorted(files):
                    if name.startswith(".") or is_sidecar(Path(name)):
                        continue
                    f = here / name
                    key = f.resolve()
                    if f.is_symlink() and not _inside(key, root):
                        yield f, False, f"symbolic link to a file outside {path}; not followed"
                        continue
                    if key in seen:
                        continue
                    seen.add(key)
                    if is_non_document(f):
                        yield f, False, "not a document (README, LICENSE, ...); name it to ingest it"
                        continue
                    yield f, False, None
        else:
            key = path.resolve() if path.exists() else path
            if key not in seen:
                seen.add(key)
                yield path, True, None


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, bool]]:
    """(file, named explicitly) for each file :func:`walk` would read (the skipped ones left out)."""
    for path, explicit, reason in walk(paths):
        if reason is None:
            yield path, explicit


def ingest(paths: Iterable[str | Path] | str | Path, home: str | Path | None = None, *,
           max_bytes: int | None = None) -> IngestReport:
    """Add files and directories (recursively) to the library under ``home``; one result per file."""
    from nephroguide.library.index import open_library
    from nephroguide.library.readers import MAX_FILE_BYTES
    from nephroguide.library.tantivy_index import after_write

    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise InputError("no paths given; name files or directories to ingest", field="paths")
    limit = MAX_FILE_BYTES if max_bytes is None else int(max_bytes)
    report = IngestReport()
    conn = None
    try:
        for path, explicit, skip in walk(paths):
            if skip is not None:
                report.files.append(FileResult(str(path), "skipped", skip))
                continue
            if conn is None:
                conn = open_library(home, create=True)
            assert conn is not None
            result = ingest_file(conn, path, explicit=explicit, max_bytes=limit, report=report)
            report.files.append(result)
    finally:
        if conn is not None:
            try:
                after_write(conn)  # bring the derived search index up to date (never raises)
            finally:
                conn.close()
    return report


def ingest_file(conn: Any, path: Path, *, explicit: bool = True, max_bytes: int, report: IngestReport | None = None
                ) -> FileResult:
    """Read, split and index one file (never raises for a bad file: the result says what went wrong)."""
    from nephroguide.library.index import document_id, store_document
    from nephroguide.library.passages import make_passages
    from nephroguide.library.readers import ReadError, detect_format, read_path
    from nephroguide.library.sections import detect_sections

    shown = str(path)
    if not path.exists():
        return FileResult(shown, "error", "no such file or directory")
    if not path.is_file():
        return FileResult(shown, "error", "not a regular file")
    if not explicit:
        try:
            with path.open("rb") as fh:
                head = fh.read(512)
        except OSError as exc:
            return FileResult(shown, "error", f"cannot read: {exc.strerror or exc}")
        if detect_format(path, head) is None:
            return FileResult(shown, "skipped", "unsupported file type")
    try:
        docs = read_path(path, max_bytes=max_bytes)
    except ReadError as exc:
        return FileResult(shown, "error", str(exc))
    except (UnicodeError, ValueError, RecursionError) as exc:
        return FileResult(shown, "error", f"cannot read: {type(exc).__name__}: {' '.join(str(exc).split())[:150]}")
    try:
        file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        file_hash = None
    result = FileResult(shown, "ok", format=docs[0].format if docs else None)
    for doc in docs:
        result.warnings.extend(w for w in doc.warnings if w not in result.warnings)
        spans = doc.spans if doc.spans is not None else detect_sections(doc.text)
        doc_id = document_id(doc)
        passages = make_passages(doc_id, doc.text, spans, doc.page_starts)
        if not passages:
            result.documents.append({"doc_id": doc_id, "status": "error", "reason": "no text to index",
                                     "title": doc.metadata.title})
            continue
        try:
            status, other = store_document(conn, doc, doc_id, spans, passages, source_path=str(path),
                                           file_sha256=file_hash)
        except ConflictError as exc:
            result.documents.append({"doc_id": doc_id, "status": "error", "reason": exc.one_line(),
                                     "title": doc.metadata.title})
            continue
        entry: dict[str, Any] = {"doc_id": doc_id, "status": status, "title": doc.metadata.title,
                                 "passages": len(passages), "pages": doc.n_pages}
        if status == "duplicate":
            entry["reason"] = f"same content as {other} (already in the library)"
        elif status == "updated" and other:
            entry["replaces"] = other
        result.documents.append(entry)
        if report is not None and status in ("added", "updated"):
            report.pages += doc.n_pages or max(1, len(doc.text) // 3000)
    statuses = {d["status"] for d in result.documents}
    if statuses <= {"duplicate"}:
        result.status = "skipped"
        result.reason = "duplicate: " + "; ".join(d["reason"] for d in result.documents if d.get("reason"))
    elif "error" in statuses and not statuses & {"added", "updated", "duplicate"}:
        result.status = "error"
        result.reason = "; ".join(d["reason"] for d in result.documents if d.get("reason"))
    return result


def ingest_markdown(report: IngestReport) -> str:
    s = report.to_json()["summary"]
    lines = [f"# Ingest: {s['ok']} ok, {s['skipped']} skipped, {s['errors']} failed "
             f"({s['documents_added']} documents, {s['passages_added']} passages added)", ""]
    for f in report.files:
        if f.status == "ok":
            docs = ", ".join(f"{d['doc_id']} ({d['status']}, {d.get('passages', 0)} passages)" for d in f.documents)
            lines.append(f"- ok: {f.path} → {docs}")
        else:
            lines.append(f"- {f.status}: {f.path}: {f.reason}")
        for w in f.warnings:
            lines.append(f"  - warning: {w}")
    return "\n".join(lines) + "\n"
