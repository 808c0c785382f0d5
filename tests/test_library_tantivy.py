"""The derived tantivy index: kept in step with SQLite, rebuilt when missing or corrupt, FTS5 when unusable."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nephroguide.library import ingest, remove_document, search
from nephroguide.library import tantivy_index as ti
from nephroguide.library.index import integrity_problems, open_library, state
from nephroguide.library.search import search as raw_search

pytestmark = pytest.mark.skipif(not ti.available(), reason="tantivy is not installed")

CORPUS = Path(__file__).parent / "corpus" / "library"
CORPUS_FILES = sorted(CORPUS.glob("*.txt")) + sorted(CORPUS.glob("*.xml"))


@pytest.fixture(autouse=True)
def tantivy_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(ti.ENV_BACKEND, "tantivy")
    yield
    ti.close_all()


def _root(home: Path) -> Path:
    conn = open_library(home, create=False)
    assert conn is not None
    try:
        root = ti.index_root(conn)
    finally:
        conn.close()
    assert root is not None
    return root


def _check(home: Path) -> None:
    conn = open_library(home, create=False)
    assert conn is not None
    try:
        assert integrity_problems(conn) == []
        assert ti.problems(conn) == []
    finally:
        conn.close()


def _sync(home: Path) -> dict[str, object]:
    conn = open_library(home, create=False)
    assert conn is not None
    try:
        return ti.sync(conn)
    finally:
        conn.close()


def _top(home: Path, query: str, backend: str = "tantivy") -> list[tuple[str, float]]:
    return [(h.passage_id, h.score) for h in raw_search(query, k=5, home=home, backend=backend).hits]


def test_ingest_and_remove_keep_the_index_in_step(tmp_path: Path) -> None:
    ingest(CORPUS_FILES, home=tmp_path)
    root = _root(tmp_path)
    assert root.parent == tmp_path and (root / "index" / "meta.json").exists()
    assert _sync(tmp_path)["mode"] == "current"  # ingest already synced it
    marker = ti.read_marker(root)
    assert marker is not None and marker["passages"] > 0
    _check(tmp_path)
    assert search("enalapril", home=tmp_path).hits[0].doc_id == "synth-raas"
    remove_document("synth-raas", tmp_path)
    assert _sync(tmp_path)["mode"] == "current"
    assert search("enalapril", home=tmp_path).hits == []
    _check(tmp_path)
    conn = open_library(tmp_path, create=False)
    assert conn is not None
    try:  # applied deletions are pruned from the log
        assert conn.execute("SELECT count(*) FROM library_deleted").fetchone()[0] == 0
    finally:
        conn.close()
    ingest([CORPUS / "abs07_raas_blockade.txt"], home=tmp_path)
    assert search("enalapril", home=tmp_path).hits[0].doc_id == "synth-raas"
    _check(tmp_path)


def test_passage_keys_are_never_reused(tmp_path: Path) -> None:
    ingest([CORPUS / "abs06_methylprednisolone_pulses.txt", CORPUS / "abs07_raas_blockade.txt"], home=tmp_path)
    conn = open_library(tmp_path, create=False)
    assert conn is not None
    try:
        top = conn.execute("SELECT max(pk) FROM library_passages").fetchone()[0]
        remove_document("synth-raas", tmp_path)  # holds the highest keys
        ingest([CORPUS / "abs08_thromboembolism.txt"], home=tmp_path)
        low = conn.execute("SELECT min(pk) FROM library_passages WHERE doc_id = 'synth-vte'").fetchone()[0]
        assert low > top and state(conn)["last_pk"] >= low
    finally:
        conn.close()
    _check(tmp_path)


def test_search_made_outside_the_index_catches_up_on_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(CORPUS_FILES[:3], home=tmp_path)
    before = ti.read_marker(_root(tmp_path))
    monkeypatch.setenv(ti.ENV_BACKEND, "fts5")  # writes without syncing (and the log is pruned)
    ingest(CORPUS_FILES[3:], home=tmp_path)
    remove_document("synth-taco-ns", tmp_path)
    assert ti.read_marker(_root(tmp_path)) == before
    monkeypatch.setenv(ti.ENV_BACKEND, "tantivy")
    fts5 = _top(tmp_path, "IV CTX after tacrolimus failure", "fts5")
    tantivy = _top(tmp_path, "IV CTX after tacrolimus failure")
    assert {p for p, _ in tantivy[:2]} & {p for p, _ in fts5[:3]}
    marker = ti.read_marker(_root(tmp_path))
    conn = open_library(tmp_path, create=False)
    assert conn is not None
    try:
        assert marker is not None and marker["generation"] == state(conn)["generation"]
    finally:
        conn.close()
    _check(tmp_path)


@pytest.mark.parametrize("damage", ["delete directory", "delete index", "corrupt meta", "corrupt marker",
                                    "marker of another database", "marker ahead", "segment files gone"])
def test_rebuild_after_a_deleted_or_corrupt_index(tmp_path: Path, damage: str) -> None:
    ingest(CORPUS_FILES, home=tmp_path)
    expected = _top(tmp_path, "mesna haemorrhagic cystitis")
    assert expected
    root = _root(tmp_path)
    ti.close_all()  # as in a new process
    marker = json.loads((root / "marker.json").read_text())
    if damage == "delete directory":
        shutil.rmtree(root)
    elif damage == "delete index":
        shutil.rmtree(root / "index")
    elif damage == "corrupt meta":
        (root / "index" / "meta.json").write_text("{ not json")
    elif damage == "corrupt marker":
        (root / "marker.json").write_bytes(b"\x00garbage")
    elif damage == "marker of another database":
        (root / "marker.json").write_text(json.dumps({**marker, "instance": "0" * 32}))
    elif damage == "marker ahead":
        (root / "marker.json").write_text(json.dumps({**marker, "generation": marker["generation"] + 5}))
    else:
        for f in (root / "index").iterdir():
            if f.suffix in (".idx", ".term", ".store"):
                f.unlink()
    assert _top(tmp_path, "mesna haemorrhagic cystitis") == expected
    assert ti.read_marker(root) == marker  # rebuilt for the same library state
    _check(tmp_path)


def test_an_index_that_does_not_add_up_is_rebuilt(tmp_path: Path) -> None:
    ingest(CORPUS_FILES, home=tmp_path)
    root = _root(tmp_path)
    ti.close_all()
    marker = json.loads((root / "marker.json").read_text())
    (root / "marker.json").write_text(json.dumps({**marker, "passages": marker["passages"] + 1}))
    assert search("mesna", home=tmp_path).hits
    assert ti.read_marker(root) == marker
    _check(tmp_path)


def test_busy_or_broken_index_falls_back_to_fts5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(CORPUS_FILES[:4], home=tmp_path)
    monkeypatch.setenv(ti.ENV_BACKEND, "fts5")
    ingest(CORPUS_FILES[4:], home=tmp_path)  # the tantivy index is now behind
    monkeypatch.setenv(ti.ENV_BACKEND, "tantivy")
    root = _root(tmp_path)
    ti.close_all()
    expected = _top(tmp_path, "mesna haemorrhagic cystitis", "fts5")
    fcntl = pytest.importorskip("fcntl")
    with (root / "lock").open("a+b") as fh:  # another process is syncing: search does not wait
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        assert _top(tmp_path, "mesna haemorrhagic cystitis") == expected
    assert _top(tmp_path, "mesna haemorrhagic cystitis") != expected  # synced: tantivy's own scores

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("simulated tantivy failure")

    ti.close_all()
    monkeypatch.setattr(ti, "_open_index", broken)
    (root / "marker.json").unlink()
    assert _top(tmp_path, "mesna haemorrhagic cystitis") == expected


def test_in_memory_database_uses_fts5(tmp_path: Path) -> None:
    from nephroguide.library.index import open_database

    conn = open_database(components=["library"], path=":memory:")
    assert conn is not None
    try:
        assert ti.index_root(conn) is None
        assert ti.sync(conn) == {"mode": "none"}
    finally:
        conn.close()


def test_analyzer_matches_the_fts5_tokenisation_of_the_plan() -> None:
    assert ti.tokens('"calcineurin inhibitors"') == ("calcineurin", "inhibitor")
    assert ti.tokens("Naïve children's") == ("naiv", "children", "s")
    assert ti.tokens('"say ""no"""') == ("say", "no")
    assert ti.tokens('"..."') == () and ti.build_query(['"..."']) is None
    assert ti.build_query(['"relapse"', '"relapses"']) is not None


def test_a_library_from_before_the_derived_index_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    ingest(CORPUS_FILES[:3], home=tmp_path)
    expected = _top(tmp_path, "IV CTX after tacrolimus failure", "fts5")
    shutil.rmtree(_root(tmp_path))
    ti.close_all()
    db = sqlite3.connect(tmp_path / "nephroguide.sqlite3")
    db.executescript("""
        DROP TRIGGER library_passages_log_ad;
        DROP TABLE library_deleted;
        ALTER TABLE library_state DROP COLUMN last_pk;
        ALTER TABLE library_state DROP COLUMN log_floor;
        ALTER TABLE library_state DROP COLUMN instance;
        DELETE FROM schema_migrations WHERE component = 'library' AND version = 3;
    """)
    db.close()
    assert _top(tmp_path, "IV CTX after tacrolimus failure", "fts5") == expected  # opening migrates
    conn = open_library(tmp_path, create=False)
    assert conn is not None
    try:
        st = state(conn)
        assert st["last_pk"] == conn.execute("SELECT max(pk) FROM library_passages").fetchone()[0]
        assert len(st["instance"]) == 32 and st["log_floor"] == st["generation"]
    finally:
        conn.close()
    assert _top(tmp_path, "IV CTX after tacrolimus failure")
    _check(tmp_path)
    remove_document("synth-taco-ns", tmp_path)
    _check(tmp_path)
