"""The passage index: SQLite FTS5 (BM25) inside the nephroguide store, one transaction per document.

Tables (component ``library`` of the store's migrations):

* ``library_documents`` — one row per document: id, content hash (sha256 of the cleaned text; the
  duplicate check), metadata hash, metadata, the cleaned text itself (passage offsets point into
  it), section spans and page offsets;
* ``library_passages`` — one row per passage (stable id, section, heading, page, char span, text);
* ``library_state`` — a generation counter bumped by every write (search caches key on it), the
  highest passage key ever used (``last_pk``: keys are never reused, so a key names one passage
  version for good), a random ``instance`` id of this database, and ``log_floor`` (see below);
* ``library_deleted`` — the deletion log: (passage key, generation of the deleting write), filled by
  a trigger; the derived tantivy index (``tantivy_index``) replays it to catch up, and it is pruned
  up to the generation that index reflects (``log_floor`` = the highest generation pruned);
* ``library_fts`` — an external-content FTS5 table over the passages (columns ``text``, ``label`` =
  section/heading, ``title`` = the document's title/authors/journal/year), kept in step by triggers,
  tokenised with ``porter unicode61 remove_diacritics 2``. Ranking is FTS5's BM25 with column
  weights :data:`COLUMN_WEIGHTS`.

Everything for one document is written in one ``BEGIN IMMEDIATE`` transaction, so a crash or
``kill -9`` mid-document leaves either the whole document or none of it (WAL journal). Each writing
transaction bumps the generation first, so the rows it inserts (keys above the previous ``last_pk``)
and the deletions it logs carry the generation it commits. SQLite is the source of truth: the
optional tantivy index is derived from these tables and records the generation it reflects.

Where: the store's SQLite database (``$NEPHROGUIDE_DATABASE_URL`` when it is an SQLite URL, else
``<home>/nephroguide.sqlite3``). FTS5 needs SQLite: with a non-SQLite database URL the library
keeps its index in ``<home>/library.sqlite3``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from nephroguide.errors import ConflictError, InputError, UnknownNameError
from nephroguide.library.model import Metadata, Passage, RawDocument, SectionSpan
from nephroguide.store.sqlite import Migration, open_database, register_migrations, transaction

COMPONENT = "library"
COLUMN_WEIGHTS = (1.0, 0.6, 0.8)  # text, label (section/heading), title; tuned on the team corpus
TOKENIZER = "porter unicode61 remove_diacritics 2"

_V1 = f"""
CREATE TABLE library_documents (
    doc_id         TEXT PRIMARY KEY,
    content_sha256 TEXT NOT NULL UNIQUE,
    meta_sha256    TEXT NOT NULL,
    file_sha256    TEXT,
    format         TEXT NOT NULL,
    source_path    TEXT,
    title          TEXT,
    authors        TEXT NOT NULL DEFAULT '[]',
    journal        TEXT,
    year           INTEGER,
    doi            TEXT,
    pmid           TEXT,
    type           TEXT NOT NULL DEFAULT 'research',
    citation       TEXT NOT NULL,
    url            TEXT,
    n_pages        INTEGER,
    n_passages     INTEGER NOT NULL,
    text           TEXT NOT NULL,
    sections       TEXT NOT NULL DEFAULT '[]',
    page_starts    TEXT NOT NULL DEFAULT '[]',
    warnings       TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE library_passages (
    pk          INTEGER PRIMARY KEY,
    passage_id  TEXT NOT NULL UNIQUE,
    doc_id      TEXT NOT NULL REFERENCES library_documents(doc_id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    ordinal     INTEGER NOT NULL,
    section     TEXT NOT NULL,
    heading     TEXT NOT NULL,
    page        INTEGER,
    page_end    INTEGER,
    char_start  INTEGER NOT NULL,
    char_end    INTEGER NOT NULL,
    text        TEXT NOT NULL,
    label       TEXT NOT NULL,
    title       TEXT NOT NULL
);
CREATE INDEX library_passages_doc ON library_passages(doc_id, seq);
CREATE VIRTUAL TABLE library_fts USING fts5(
    text, label, title,
    content='library_passages', content_rowid='pk',
    tokenize='{TOKENIZER}'
);
CREATE TRIGGER library_passages_ai AFTER INSERT ON library_passages BEGIN
    INSERT INTO library_fts(rowid, text, label, title) VALUES (new.pk, new.text, new.label, new.title);
END;
CREATE TRIGGER library_passages_ad AFTER DELETE ON library_passages BEGIN
    INSERT INTO library_fts(library_fts, rowid, text, label, title)
    VALUES ('delete', old.pk, old.text, old.label, old.title);
END;
CREATE TRIGGER library_passages_au AFTER UPDATE ON library_passages BEGIN
    INSERT INTO library_fts(library_fts, rowid, text, label, title)
    VALUES ('delete', old.pk, old.text, old.label, old.title);
    INSERT INTO library_fts(rowid, text, label, title) VALUES (new.pk, new.text, new.label, new.title);
END;
"""

_V2 = """
CREATE TABLE library_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO library_state(id, generation) VALUES (1, 0);
"""

_V3 = """
ALTER TABLE library_state ADD COLUMN last_pk INTEGER NOT NULL DEFAULT 0;
ALTER TABLE library_state ADD COLUMN log_floor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE library_state ADD COLUMN instance TEXT NOT NULL DEFAULT '';
UPDATE library_state SET last_pk = (SELECT coalesce(max(pk), 0) FROM library_passages),
                         log_floor = generation, instance = lower(hex(randomblob(16))) WHERE id = 1;
CREATE TABLE library_deleted (
    pk  INTEGER PRIMARY KEY,
    gen INTEGER NOT NULL
);
CREATE INDEX library_deleted_gen ON library_deleted(gen);
CREATE TRIGGER library_passages_log_ad AFTER DELETE ON library_passages BEGIN
    INSERT OR REPLACE INTO library_deleted(pk, gen)
    VALUES (old.pk, (SELECT generation FROM library_state WHERE id = 1));
END;
"""

register_migrations(COMPONENT, [
    Migration(1, "library documents, passages and FTS5 index", _V1),
    Migration(2, "library generation counter (bumped by every write; keys search-statistics caches)", _V2),
    Migration(3, "library passage keys never reused, instance id, deletion log (for the derived tantivy index)",
              _V3),
])


def _bump(conn: sqlite3.Connection) -> int:
    """Start a write: bump the generation (first, so triggers log deletions under the new one); returns it."""
    conn.execute("UPDATE library_state SET generation = generation + 1 WHERE id = 1")
    return generation(conn)


def generation(conn: sqlite3.Connection) -> int:
    """A number that changes with every ingest, update or removal (for caches of index statistics)."""
    return int(conn.execute("SELECT generation FROM library_state WHERE id = 1").fetchone()[0])


def state(conn: sqlite3.Connection) -> dict[str, Any]:
    """generation, last_pk, log_floor and instance of the library (what the derived index syncs against)."""
    row = conn.execute("SELECT generation, last_pk, log_floor, instance FROM library_state WHERE id = 1").fetchone()
    return {"generation": int(row[0]), "last_pk": int(row[1]), "log_floor": int(row[2]), "instance": str(row[3])}


def prune_deletion_log(conn: sqlite3.Connection, upto: int) -> None:
    """Forget logged deletions of generations <= ``upto`` (the derived index has applied them)."""
    with transaction(conn):
        conn.execute("DELETE FROM library_deleted WHERE gen <= ?", (upto,))
        conn.execute("UPDATE library_state SET log_floor = max(log_floor, ?) WHERE id = 1", (upto,))


# --------------------------------------------------------------------------------------------- opening

def database_path(home: str | Path | None = None) -> Path | None:
    """The SQLite file that holds the library (see the module docstring)."""
    from nephroguide.store.paths import database_url, home_dir, is_sqlite_url, sqlite_path

    url = database_url(home)
    if is_sqlite_url(url):
        return sqlite_path(url)
    return home_dir(home) / "library.sqlite3"


def open_library(home: str | Path | None = None, *, create: bool = True) -> sqlite3.Connection | None:
    """A connection to the library (migrated). ``create=False``: ``None`` when nothing was stored yet."""
    path = database_path(home)
    return open_database(home, components=[COMPONENT], create=create,
                         path=path if path is not None else ":memory:")


# --------------------------------------------------------------------------------------------- writing

def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def metadata_hash(meta: Metadata) -> str:
    return hashlib.sha256(json.dumps(meta.to_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def document_id(doc: RawDocument) -> str:
    """The sidecar's id, else ``d`` + 12 hex digits of the content hash (stable across re-ingest)."""
    return doc.metadata.id or "d" + content_hash(doc.text)[:12]


def reference_type(meta: Metadata) -> str:
    """research | guideline | review: the sidecar's, else guessed from the title (documented heuristic)."""
    if meta.type:
        return meta.type
    title = (meta.title or "").lower()
    if any(w in title for w in ("guideline", "recommendation", "consensus statement", "position statement")):
        return "guideline"
    if any(w in title for w in ("systematic review", "meta-analysis", "a review", "review of", "narrative review")):
        return "review"
    return "research"


def title_field(meta: Metadata) -> str:
    """What the FTS ``title`` column holds for every passage of a document."""
    parts = [meta.title or "", " ".join(meta.authors[:6]), meta.journal or "", str(meta.year or "")]
    return " ".join(p for p in parts if p)


def label_field(section: str, heading: str) -> str:
    return section if heading in ("", section) else f"{section} {heading}"


def _passage_row(p: Passage, title: str) -> tuple[Any, ...]:
    return (p.passage_id, p.doc_id, p.seq, p.ordinal, p.section, p.heading, p.page, p.page_end, p.char_start,
            p.char_end, p.text, label_field(p.section, p.heading), title)


def _rows(passages: Iterable[Passage], title: str, first_pk: int) -> Iterator[tuple[Any, ...]]:
    for i, p in enumerate(passages):
        yield (first_pk + i, *_passage_row(p, title))


def _next_pk(conn: sqlite3.Connection) -> int:
    """The first passage key of this write: above every key ever used (keys are never reused)."""
    row = conn.execute("SELECT max(last_pk, (SELECT coalesce(max(pk), 0) FROM library_passages)) "
                       "FROM library_state WHERE id = 1").fetchone()
    return int(row[0]) + 1


def store_document(conn: sqlite3.Connection, doc: RawDocument, doc_id: str, spans: list[SectionSpan],
                   passages: list[Passage], *, source_path: str | None = None,
                   file_sha256: str | None = None) -> tuple[str, str | None]:
    """Write one document and its passages in one transaction.

    Returns ``(status, other_id)``: ``("added", None)``, ``("updated", old_id)`` when the same content
    was stored with other metadata, or ``("duplicate", existing_id)`` (nothing written).
    Raises ConflictError if ``doc_id`` is taken by a document with other content.
    """
    meta = doc.metadata
    c_hash, m_hash = content_hash(doc.text), metadata_hash(meta)
    title = title_field(meta)
    with transaction(conn):
        row = conn.execute("SELECT doc_id, meta_sha256 FROM library_documents WHERE content_sha256 = ?",
                           (c_hash,)).fetchone()
        status, other = "added", None
        if row is not None:
            if row["meta_sha256"] == m_hash and row["doc_id"] == doc_id:
                return "duplicate", str(row["doc_id"])
            status, other = "updated", str(row["doc_id"])
        _bump(conn)
        if other is not None:
            _delete(conn, other)
        clash = conn.execute("SELECT 1 FROM library_documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if clash is not None:
            raise ConflictError(f"document id {doc_id!r} is already used by a document with other content; "
                                "remove it first or choose another id in the sidecar", field="id")
        conn.execute(
            "INSERT INTO library_documents(doc_id, content_sha256, meta_sha256, file_sha256, format, source_path, "
            "title, authors, journal, year, doi, pmid, type, citation, url, n_pages, n_passages, text, sections, "
            "page_starts, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (doc_id, c_hash, m_hash, file_sha256, doc.format, source_path, meta.title,
             json.dumps(meta.authors, ensure_ascii=False), meta.journal, meta.year, meta.doi, meta.pmid,
             reference_type(meta), meta.formatted_citation(), meta.url, doc.n_pages, len(passages), doc.text,
             json.dumps([[s.section, s.heading, s.start, s.end] for s in spans], ensure_ascii=False),
             json.dumps(doc.page_starts), json.dumps(doc.warnings, ensure_ascii=False)))
        first = _next_pk(conn)
        conn.executemany(
            "INSERT INTO library_passages(pk, passage_id, doc_id, seq, ordinal, section, heading, page, page_end, "
            "char_start, char_end, text, label, title) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            _rows(passages, title, first))
        conn.execute("UPDATE library_state SET last_pk = ? WHERE id = 1", (first + len(passages) - 1,))
    return status, other


def _delete(conn: sqlite3.Connection, doc_id: str) -> None:
    conn.execute("DELETE FROM library_passages WHERE doc_id = ?", (doc_id,))
    conn.execute("DELETE FROM library_documents WHERE doc_id = ?", (doc_id,))


def resolve_id(conn: sqlite3.Connection, doc_id: str) -> str:
    """The full id of a document named by its id or a unique prefix (>= 4 characters)."""
    doc_id = doc_id.strip()
    if conn.execute("SELECT 1 FROM library_documents WHERE doc_id = ?", (doc_id,)).fetchone():
        return doc_id
    if len(doc_id) >= 4:
        escaped = doc_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = conn.execute("SELECT doc_id FROM library_documents WHERE doc_id LIKE ? ESCAPE '\\' ORDER BY doc_id",
                            (escaped + "%",)).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
        if len(rows) > 1:
            raise InputError(f"document id prefix {doc_id!r} is ambiguous ({', '.join(r[0] for r in rows[:5])}); "
                             "give more characters", field="doc_id")
    raise UnknownNameError(f"no document {doc_id!r} in the library (see `nephroguide library list`)", field="doc_id")


def remove(conn: sqlite3.Connection, doc_id: str) -> dict[str, Any]:
    """Delete a document and its passages (one transaction); returns its summary."""
    with transaction(conn):
        full = resolve_id(conn, doc_id)
        summary = document_summary(conn, full)
        _bump(conn)
        _delete(conn, full)
    return summary


# --------------------------------------------------------------------------------------------- reading

_SUMMARY_COLS = ("doc_id, title, authors, journal, year, doi, pmid, type, citation, url, format, source_path, "
                 "n_pages, n_passages, content_sha256, warnings")


def _summary(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["authors"] = json.loads(d.get("authors") or "[]")
    d["warnings"] = json.loads(d.get("warnings") or "[]")
    return d


def document_summary(conn: sqlite3.Connection, doc_id: str) -> dict[str, Any]:
    row = conn.execute(f"SELECT {_SUMMARY_COLS} FROM library_documents WHERE doc_id = ?", (doc_id,)).fetchone()
    if row is None:
        raise UnknownNameError(f"no document {doc_id!r} in the library", field="doc_id")
    return _summary(row)


def list_all(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(f"SELECT {_SUMMARY_COLS} FROM library_documents "
                        "ORDER BY coalesce(year, 0) DESC, coalesce(title, ''), doc_id").fetchall()
    return [_summary(r) for r in rows]


def document_detail(conn: sqlite3.Connection, doc_id: str) -> dict[str, Any]:
    full = resolve_id(conn, doc_id)
    d = document_summary(conn, full)
    row = conn.execute("SELECT sections, page_starts, length(text) AS n_chars FROM library_documents WHERE doc_id = ?",
                       (full,)).fetchone()
    d["n_chars"] = row["n_chars"]
    d["sections"] = [{"section": s, "heading": h, "char_start": a, "char_end": b}
                     for s, h, a, b in json.loads(row["sections"])]
    d["page_starts"] = [{"char_start": a, "page": p} for a, p in json.loads(row["page_starts"])]
    d["passages"] = [dict(r) for r in conn.execute(
        "SELECT passage_id, seq, ordinal, section, heading, page, page_end, char_start, char_end, text "
        "FROM library_passages WHERE doc_id = ? ORDER BY seq", (full,))]
    return d


def document_text(conn: sqlite3.Connection, doc_id: str) -> str:
    row = conn.execute("SELECT text FROM library_documents WHERE doc_id = ?", (resolve_id(conn, doc_id),)).fetchone()
    return str(row[0])


def counts(conn: sqlite3.Connection) -> tuple[int, int]:
    """(documents, passages) in the library."""
    docs = conn.execute("SELECT count(*) FROM library_documents").fetchone()[0]
    passages = conn.execute("SELECT count(*) FROM library_passages").fetchone()[0]
    return int(docs), int(passages)


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """Consistency checks (used by tests and after interrupted runs): [] when all is well."""
    problems = []
    try:
        conn.execute("INSERT INTO library_fts(library_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        problems.append(f"fts integrity-check failed: {exc}")
    bad = conn.execute("SELECT d.doc_id FROM library_documents d LEFT JOIN library_passages p USING (doc_id) "
                       "GROUP BY d.doc_id HAVING count(p.pk) != max(d.n_passages)").fetchall()
    problems += [f"document {r[0]} has a passage count that differs from n_passages" for r in bad]
    orphans = conn.execute("SELECT count(*) FROM library_passages p LEFT JOIN library_documents d USING (doc_id) "
                           "WHERE d.doc_id IS NULL").fetchone()[0]
    if orphans:
        problems.append(f"{orphans} passages without a document")
    st = state(conn)
    top = conn.execute("SELECT coalesce(max(pk), 0) FROM library_passages").fetchone()[0]
    if int(top) > st["last_pk"]:
        problems.append(f"passage key {top} is above last_pk {st['last_pk']} (keys could be reused)")
    return problems
