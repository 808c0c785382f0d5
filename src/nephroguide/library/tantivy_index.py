"""The derived tantivy index: the FTS5 index's passages in tantivy, for faster ranking. SQLite stays the truth.

Backends (``$NEPHROGUIDE_SEARCH_BACKEND``): ``tantivy`` (the default, chosen by measurement — see
docs/library.md) or ``fts5``. Both rank the same query plan (:func:`~nephroguide.library.search.plan_query`:
lexicon OR-groups, phrases, stop words removed) over the same passages with BM25 and field weights.
If tantivy is not installed, or its index cannot be used right now (another process is rebuilding
it, a read-only home, any tantivy error), search quietly uses FTS5, which is always consistent:
it lives in the same SQLite transactions as the documents.

Where: next to the library's SQLite file, ``<dir>/<db stem>.library-tantivy/`` (by default
``<home>/nephroguide.library-tantivy/``): ``index/`` (tantivy's files), ``marker.json`` and ``lock``.

Schema (:data:`FORMAT` 1): ``all`` = the three FTS5 columns as three values of one field (passage
text, label = section/heading, title = title/authors/journal/year; tantivy leaves a position gap
between values, so a phrase never spans two of them), plus ``label`` and ``title`` on their own;
each analysed by :data:`ANALYZER` — letter/digit runs (tantivy's simple tokenizer, the split FTS5's
unicode61 makes), lower case, ASCII folding (unicode61's ``remove_diacritics``), the English
Snowball stemmer (FTS5 uses the original Porter stemmer: nearly the same stems) — with positions
(phrases); ``pk``, the SQLite passage key (indexed for deletes, a fast field to map hits back to
SQLite rows). Nothing is stored in tantivy: hits are read from SQLite.

Why ``all``: FTS5's bm25() normalises by the passage's length over all columns and sums the
column-weighted frequencies before saturating. tantivy's BM25 is per field, and with three
separate fields boosted like the FTS5 column weights (1.0/0.6/0.8) the short label and title
fields dominate (front-matter passages rise): nDCG@10 on the team corpus fell from 0.830 to 0.774.
One combined field reproduces FTS5's length normalisation (0.829); small extra boosts for the
section/heading and title fields (:data:`FIELD_BOOSTS`, tuned on the team corpus like FTS5's
column weights) give 0.833. PubMedQA is unchanged either way (docs/library.md).

Marker: ``{"format", "instance", "generation", "last_pk", "passages"}`` = the SQLite library state
the index reflects (see ``index``: every write bumps the generation; passage keys are never
reused; deletions are logged with their generation). It is written (atomically: temp file +
rename) only after the tantivy commit it describes.

Sync (under ``lock``, on open when the marker differs from SQLite, and after every ingest/remove),
reading SQLite in one read transaction (one snapshot):

* incremental, from marker ``M`` to state ``S``: delete the keys logged as deleted after
  ``M.generation``; delete every key above ``M.last_pk`` and add the rows above ``M.last_pk``
  (so replaying after a kill between the tantivy commit and the marker write adds no duplicate);
* a full rebuild when the marker is missing or unreadable, names another database ``instance``,
  is ahead of SQLite, is older than the pruned deletion log (``log_floor``), or the index does not
  open; also when the document count after a sync differs from SQLite's passage count.

A ``kill -9`` at any point therefore leaves a state the next open repairs: before the SQLite commit
nothing changed; between the SQLite and tantivy commits the marker is behind (incremental sync);
between the tantivy commit and the marker write the replay is idempotent; during a rebuild the
marker is absent (rebuild again).

Queries: each alternative of the plan is analysed with the same analyzer; one token -> a term
query, several -> a phrase query; each on the fields of :data:`FIELD_BOOSTS` with their boosts,
all SHOULD clauses of one boolean query. The score is tantivy's BM25 (k1 1.2, b 0.75, per field)
summed over the matching (alternative, field) pairs. Alternatives that analyse to the same tokens (``relapse``/``relapses``) count once. The top
``k + TIE_MARGIN`` are read and cut to k by (score, key), so ties are broken like FTS5's (rowid).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from nephroguide.errors import InputError

log = logging.getLogger(__name__)

ENV_BACKEND = "NEPHROGUIDE_SEARCH_BACKEND"
BACKENDS = ("fts5", "tantivy")
DEFAULT_BACKEND = "tantivy"
FORMAT = 1  # bump when the schema or the analyzer changes: every index is then rebuilt
ANALYZER = "nephroguide_en"
FIELDS = ("all", "label", "title")
FIELD_BOOSTS = (1.0, 0.1, 0.1)  # all, label, title: tuned on the team corpus (docs/library.md)
TIE_MARGIN = 10
LOCK_WAIT_S = 120.0  # how long ingest/remove wait for another process's sync (search never waits)
REBUILD_HEAP = 200_000_000  # tantivy writer memory for a full rebuild (split between its threads)
SYNC_HEAP = 50_000_000  # ... and for an incremental sync (one thread)
MAX_OPEN = 8  # opened indexes kept per process

_OPEN: OrderedDict[Path, _Opened] = OrderedDict()
_GUARD = threading.RLock()
_WARNED: set[str] = set()


@dataclass
class _Opened:
    root: Path
    index: Any
    marker: dict[str, Any]


# ----------------------------------------------------------------------------------------- choosing

def available() -> bool:
    """Whether the tantivy bindings can be imported."""
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return False
    return True


def backend(name: str | None = None) -> str:
    """The backend to use: ``name``, else ``$NEPHROGUIDE_SEARCH_BACKEND``, else :data:`DEFAULT_BACKEND`.

    InputError for an unknown name; ``fts5`` when tantivy is asked for but not installed.
    """
    raw = (name if name is not None else os.environ.get(ENV_BACKEND, "")).strip().lower() or DEFAULT_BACKEND
    if raw not in BACKENDS:
        raise InputError(f"unknown search backend {raw!r}: use one of {', '.join(BACKENDS)}", field=ENV_BACKEND)
    if raw == "tantivy" and not available():
        _warn_once("missing", "the tantivy package is not installed; searching with SQLite FTS5")
        return "fts5"
    return raw


def _warn_once(key: str, message: str) -> None:
    if key not in _WARNED:
        _WARNED.add(key)
        log.warning(message)


def index_root(conn: sqlite3.Connection) -> Path | None:
    """The derived index's directory for a library connection (None for an in-memory database)."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            file = str(row[2] or "")
            if not file:
                return None
            path = Path(file)
            return path.with_name(path.stem + ".library-tantivy")
    return None


# ----------------------------------------------------------------------------------------- schema

@cache
def _analyzer() -> Any:
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold()).filter(tantivy.Filter.stemmer("english")).build())


@cache
def _schema() -> Any:
    import tantivy

    sb = tantivy.SchemaBuilder()
    for f in FIELDS:
        sb.add_text_field(f, stored=False, tokenizer_name=ANALYZER)
    sb.add_integer_field("pk", stored=False, indexed=True, fast=True)
    return sb.build()


@lru_cache(maxsize=8192)
def tokens(phrase: str) -> tuple[str, ...]:
    """The index tokens of a plan alternative (FTS5-quoted or plain)."""
    text = phrase[1:-1].replace('""', '"') if len(phrase) >= 2 and phrase[0] == phrase[-1] == '"' else phrase
    return tuple(_analyzer().analyze(text))


def _open_index(root: Path, *, fresh: bool) -> Any:
    import tantivy

    path = root / "index"
    if fresh:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
    elif not tantivy.Index.exists(str(path)):
        raise FileNotFoundError(f"no tantivy index in {path}")
    index = tantivy.Index(_schema(), path=str(path), reuse=not fresh)
    index.register_tokenizer(ANALYZER, _analyzer())
    index.config_reader(reload_policy="Manual")
    return index


# ----------------------------------------------------------------------------------------- marker, lock

def read_marker(root: Path) -> dict[str, Any] | None:
    """The marker (None when missing, unreadable, or of another format)."""
    try:
        data = json.loads((root / "marker.json").read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        return {"format": FORMAT, "instance": str(data["instance"]), "generation": int(data["generation"]),
                "last_pk": int(data["last_pk"]), "passages": int(data["passages"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_marker(root: Path, marker: dict[str, Any]) -> None:
    tmp = root / f"marker.json.{os.getpid()}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(marker, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / "marker.json")


def _matches(marker: dict[str, Any] | None, st: dict[str, Any]) -> bool:
    return marker is not None and marker["instance"] == st["instance"] and marker["generation"] == st["generation"]


@contextlib.contextmanager
def _locked(root: Path, *, wait: bool) -> Iterator[bool]:
    """An exclusive inter-process lock on ``root/lock`` (yields False if not obtained)."""
    root.mkdir(parents=True, exist_ok=True)
    fh = (root / "lock").open("a+b")
    got = False
    try:
        deadline = time.monotonic() + (LOCK_WAIT_S if wait else 0.0)
        while True:
            got = _try_lock(fh)
            if got or time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        yield got
    finally:
        if got:
            _unlock(fh)
        fh.close()


def _try_lock(fh: Any) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fh: Any) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# ----------------------------------------------------------------------------------------- syncing

def _commit(writer: Any) -> None:
    """Commit the tantivy writer (a function of its own so tests can interrupt right here)."""
    writer.commit()


def _remember(opened: _Opened) -> _Opened:
    _OPEN[opened.root] = opened
    _OPEN.move_to_end(opened.root)
    while len(_OPEN) > MAX_OPEN:
        _OPEN.popitem(last=False)
    return opened


def _verified(root: Path, marker: dict[str, Any], index: Any | None) -> _Opened:
    """The index opened (or reloaded) at ``marker``; ValueError if its document count disagrees."""
    if index is None:
        index = _open_index(root, fresh=False)
    else:
        index.reload()
    n = index.searcher().num_docs
    if n != marker["passages"]:
        raise ValueError(f"the tantivy index holds {n} passages, its marker says {marker['passages']}")
    return _remember(_Opened(root, index, marker))


def _sync_locked(conn: sqlite3.Connection, root: Path, *, rebuild: bool = False) -> tuple[_Opened, dict[str, Any]]:
    """Bring the index at ``root`` up to SQLite's committed state (caller holds the lock)."""
    import tantivy

    from nephroguide.library.index import state

    marker = None if rebuild else read_marker(root)
    own_txn = not conn.in_transaction
    if own_txn:
        conn.execute("BEGIN")  # one read snapshot for the state and the rows
    writer = None
    try:
        st = state(conn)
        n = int(conn.execute("SELECT count(*) FROM library_passages").fetchone()[0])
        if _matches(marker, st) and marker is not None and marker["passages"] == n:
            try:  # another process synced meanwhile
                cached = _OPEN.get(root)
                return _verified(root, marker, cached.index if cached else None), {"mode": "current"}
            except Exception:
                marker = None
        incremental = (marker is not None and marker["instance"] == st["instance"]
                       and st["log_floor"] <= marker["generation"] <= st["generation"]
                       and marker["last_pk"] <= st["last_pk"])
        index = None
        if incremental:
            try:
                index = _open_index(root, fresh=False)
            except Exception:
                incremental = False
        if not incremental:
            (root / "marker.json").unlink(missing_ok=True)
            _OPEN.pop(root, None)
            index = _open_index(root, fresh=True)
        assert index is not None
        schema = _schema()
        if incremental:
            assert marker is not None
            writer = index.writer(heap_size=SYNC_HEAP, num_threads=1)
            deleted = [int(r[0]) for r in conn.execute("SELECT pk FROM library_deleted WHERE gen > ?",
                                                       (marker["generation"],))]
            for pk in deleted:
                writer.delete_documents_by_term("pk", pk)
            writer.delete_documents_by_query(tantivy.Query.range_query(
                schema, "pk", tantivy.FieldType.Integer, marker["last_pk"] + 1, None))
            rows = conn.execute("SELECT pk, text, label, title FROM library_passages WHERE pk > ? ORDER BY pk",
                                (marker["last_pk"],))
        else:
            deleted = []
            writer = index.writer(heap_size=REBUILD_HEAP, num_threads=max(1, min(4, os.cpu_count() or 1)))
            rows = conn.execute("SELECT pk, text, label, title FROM library_passages ORDER BY pk")
        added = 0
        for pk, text, label, title in rows:
            writer.add_document(tantivy.Document(pk=pk, all=[text, label, title], label=label, title=title))
            added += 1
    except BaseException:
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.rollback()
        raise
    finally:
        if own_txn:
            conn.execute("COMMIT")
    _commit(writer)
    writer.wait_merging_threads()
    new = {"format": FORMAT, "instance": st["instance"], "generation": st["generation"], "last_pk": st["last_pk"],
           "passages": n}
    try:
        opened = _verified(root, new, index)
    except ValueError:
        if incremental:  # an index that does not add up: start again from scratch
            return _sync_locked(conn, root, rebuild=True)
        raise
    _write_marker(root, new)
    return opened, {"mode": "incremental" if incremental else "rebuild", "added": added, "deleted": len(deleted)}


def sync(conn: sqlite3.Connection, *, wait: bool = True, rebuild: bool = False) -> dict[str, Any]:
    """Bring the derived index up to date now; returns what was done (``mode``: current | incremental |
    rebuild | busy | none)."""
    root = index_root(conn)
    if root is None:
        return {"mode": "none"}
    with _GUARD, _locked(root, wait=wait) as got:
        if not got:
            return {"mode": "busy"}
        opened, done = _sync_locked(conn, root, rebuild=rebuild)
        return {**done, "generation": opened.marker["generation"], "passages": opened.marker["passages"]}


def _searchable(conn: sqlite3.Connection) -> _Opened | None:
    """The index, up to date with SQLite's committed state; None when it cannot be used right now."""
    from nephroguide.library.index import state

    root = index_root(conn)
    if root is None:
        return None
    st = state(conn)
    with _GUARD:
        opened = _OPEN.get(root)
        if opened is not None and _matches(opened.marker, st):
            return opened
        marker = read_marker(root)
        if marker is not None and _matches(marker, st):
            with contextlib.suppress(Exception):
                return _verified(root, marker, opened.index if opened is not None else None)
        with _locked(root, wait=False) as got:
            if not got:
                return None
            return _sync_locked(conn, root)[0]


def after_write(conn: sqlite3.Connection) -> None:
    """After an ingest or removal: sync the derived index (tantivy backend), prune the deletion log.

    Never raises for a tantivy problem (the next search retries, and falls back to FTS5 meanwhile).
    With the FTS5 backend the whole log is pruned (a later switch to tantivy rebuilds its index).
    """
    from nephroguide.library.index import prune_deletion_log, state

    try:
        name = backend()
    except InputError:
        return
    try:
        root = index_root(conn)
        if name != "tantivy" or root is None:
            prune_deletion_log(conn, state(conn)["generation"])
            return
        with _GUARD, _locked(root, wait=True) as got:
            if got:
                opened, _ = _sync_locked(conn, root)
                prune_deletion_log(conn, opened.marker["generation"])
    except Exception as exc:
        log.warning("the search index could not be brought up to date (%s); the next search retries", exc)


# ----------------------------------------------------------------------------------------- searching

DISMAX_TIE = 0.1  # a concept's score: its best alternative + this share of the others'


def build_query(phrases: Sequence[str], weights: Sequence[float] = FIELD_BOOSTS,
                groups: Sequence[Sequence[str]] | None = None) -> Any | None:
    """The boolean query for a plan's alternatives (None when none has a token).

    With ``groups`` (the alternatives per query concept: a term and its lexicon equivalents), each
    concept scores as the best of its alternatives (a disjunction-max query), so a concept with many
    rare synonyms ("tacrolimus" OR "tac" OR "FK506" ...) does not outweigh the query's other words.
    """
    import tantivy

    schema = _schema()
    seen: set[tuple[str, ...]] = set()

    def alternative(phrase: str) -> list[Any]:
        toks = tokens(phrase)
        if not toks or toks in seen:
            return []
        seen.add(toks)
        out = []
        for field, weight in zip(FIELDS, weights, strict=False):
            if weight <= 0:
                continue
            q = (tantivy.Query.term_query(schema, field, toks[0]) if len(toks) == 1
                 else tantivy.Query.phrase_query(schema, field, list(toks)))
            out.append(q if weight == 1.0 else tantivy.Query.boost_query(q, weight))
        return out

    clauses = []
    if groups:
        for group in groups:
            alts = [tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in qs])
                    for qs in (alternative(p) for p in group) if qs]
            if len(alts) == 1:
                clauses.append((tantivy.Occur.Should, alts[0]))
            elif alts:
                clauses.append((tantivy.Occur.Should, tantivy.Query.disjunction_max_query(alts, DISMAX_TIE)))
    else:
        clauses = [(tantivy.Occur.Should, q) for p in phrases for q in alternative(p)]
    return tantivy.Query.boolean_query(clauses) if clauses else None


def top_rows(conn: sqlite3.Connection, phrases: Sequence[str], k: int,
             weights: Sequence[float] = FIELD_BOOSTS,
             groups: Sequence[Sequence[str]] | None = None) -> list[tuple[float, int]] | None:
    """The top k (rank = -score, passage key) by tantivy BM25; None when the index cannot be used
    right now (the caller then ranks with FTS5)."""
    try:
        opened = _searchable(conn)
        if opened is None:
            return None
        query = build_query(phrases, weights, groups)
        if query is None:
            return []
        searcher = opened.index.searcher()
        hits = searcher.search(query, k + TIE_MARGIN, count=False).hits
        if not hits:
            return []
        pks = searcher.fast_field_values("pk", [addr for _, addr in hits])
    except Exception as exc:
        _warn_once(f"search:{type(exc).__name__}", f"tantivy search failed ({exc}); searching with SQLite FTS5")
        return None
    return sorted((-float(score), int(pk)) for (score, _), pk in zip(hits, pks, strict=True) if pk is not None)[:k]


def problems(conn: sqlite3.Connection) -> list[str]:
    """Consistency of the derived index with SQLite after a sync ([] when they agree): for tests and checks."""
    import tantivy

    done = sync(conn)
    if done["mode"] in ("none", "busy"):
        return [f"the tantivy index could not be synced ({done['mode']})"]
    root = index_root(conn)
    assert root is not None
    opened = _OPEN[root]
    searcher = opened.index.searcher()
    n = searcher.num_docs
    hits = searcher.search(tantivy.Query.all_query(), max(n, 1), count=False).hits
    in_index = sorted(int(pk) for pk in searcher.fast_field_values("pk", [a for _, a in hits]))
    in_sqlite = [int(r[0]) for r in conn.execute("SELECT pk FROM library_passages ORDER BY pk")]
    out = []
    if in_index != in_sqlite:
        missing, extra = set(in_sqlite) - set(in_index), set(in_index) - set(in_sqlite)
        dupes = len(in_index) - len(set(in_index))
        out.append(f"tantivy holds {len(in_index)} passages, SQLite {len(in_sqlite)}: {len(missing)} missing, "
                   f"{len(extra)} extra, {dupes} duplicated")
    from nephroguide.library.index import state

    marker = read_marker(root)
    if not _matches(marker, state(conn)):
        out.append(f"the marker {marker} does not match the library state {state(conn)}")
    return out


def close_all() -> None:
    """Forget the opened indexes of this process (tests; before deleting an index directory)."""
    with _GUARD:
        _OPEN.clear()
