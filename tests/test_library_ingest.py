"""Ingest: per-file statuses, duplicates, stable ids, bad files, interrupted runs, list/show/remove."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nephroguide.library.index as index_mod
from library_pdf import encrypt_pdf, make_pdf
from nephroguide.errors import InputError, UnknownNameError
from nephroguide.library import ingest, list_documents, remove_document, search, show_document
from nephroguide.library import tantivy_index as ti
from nephroguide.library.index import integrity_problems, open_library, state

CORPUS = Path(__file__).parent / "corpus" / "library"
CORPUS_FILES = sorted(CORPUS.glob("*.txt")) + sorted(CORPUS.glob("*.xml"))


def _passage_ids(home: Path) -> dict[str, list[str]]:
    return {d["doc_id"]: [p["passage_id"] for p in show_document(d["doc_id"], home)["passages"]]
            for d in list_documents(home)}


def _consistent(home: Path) -> None:
    """SQLite is consistent, and (tantivy installed) the derived index agrees with it once opened."""
    conn = open_library(home, create=False)
    assert conn is not None
    try:
        assert integrity_problems(conn) == []
        if ti.available():
            ti.close_all()  # as a new process would
            assert ti.problems(conn) == []
    finally:
        conn.close()


def _abstract(title: str, body: str) -> str:
    return f"{title}\n\nAbstract\nBackground: {body}\nResults: {body} Remission followed in most children.\n"


def test_ingest_corpus_then_reingest_is_a_no_op(tmp_path: Path) -> None:
    report = ingest(CORPUS_FILES, home=tmp_path)
    assert not report.failed
    assert [f.status for f in report.files] == ["ok"] * len(CORPUS_FILES)
    docs = list_documents(tmp_path)
    assert len(docs) == 12
    ids_before = _passage_ids(tmp_path)
    again = ingest(CORPUS_FILES, home=tmp_path)
    assert [f.status for f in again.files] == ["skipped"] * len(CORPUS_FILES)
    assert all("duplicate" in (f.reason or "") for f in again.files)
    assert _passage_ids(tmp_path) == ids_before
    # removing and re-adding gives the same ids (they depend on content, not on history)
    remove_document("synth-ivcyc-series", tmp_path)
    ingest([CORPUS / "case_series_ivcyc.txt"], home=tmp_path)
    assert _passage_ids(tmp_path) == ids_before
    _consistent(tmp_path)


def test_same_content_under_another_name_is_a_duplicate(tmp_path: Path) -> None:
    a = tmp_path / "in" / "a.txt"
    a.parent.mkdir()
    a.write_text(_abstract("Synthetic title one", "Children were treated."))
    (tmp_path / "in" / "copy.txt").write_bytes(a.read_bytes())
    report = ingest([tmp_path / "in"], home=tmp_path / "home")
    assert [f.status for f in report.files] == ["ok", "skipped"]
    assert len(list_documents(tmp_path / "home")) == 1


def test_changed_sidecar_updates_metadata(tmp_path: Path) -> None:
    f = tmp_path / "paper.txt"
    f.write_text(_abstract("Synthetic title two", "Children were treated."))
    ingest([f], home=tmp_path / "h")
    (tmp_path / "paper.txt.meta.yaml").write_text("title: Better title\nyear: 2011\n")
    report = ingest([f], home=tmp_path / "h")
    assert report.files[0].status == "ok" and report.files[0].documents[0]["status"] == "updated"
    (doc,) = list_documents(tmp_path / "h")
    assert doc["title"] == "Better title" and doc["year"] == 2011
    _consistent(tmp_path / "h")


def test_bad_files_are_reported_and_the_rest_ingested(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "sub" / ".hidden").mkdir(parents=True)
    (d / "good.txt").write_text(_abstract("A good synthetic abstract", "Tacrolimus was given."))
    (d / "sub" / "good2.xml").write_bytes((CORPUS / "abs04_genetic_panel.xml").read_bytes())
    (d / "sub" / "good.pdf").write_bytes(make_pdf([["A synthetic PDF title", "Abstract",
                                                    "Results: levamisole reduced relapses."]]))
    (d / "sub" / ".hidden" / "secret.txt").write_text("not ingested")
    (d / "corrupt.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    (d / "encrypted.pdf").write_bytes(encrypt_pdf(make_pdf([["Locked synthetic text."]])))
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 50)
    (d / "latin1.txt").write_bytes(_abstract("Caf\xe9 synthetic title", "Na\xefve children.").encode("cp1252"))
    (d / "big.txt").write_text("word " * 5000)
    (d / "notes.csv").write_text("a,b\n1,2\n")
    (d / "bad.xml").write_text("<?xml version='1.0'?><article><front>")
    report = ingest([d, tmp_path / "missing.txt"], home=tmp_path / "h", max_bytes=20_000)
    by_name = {Path(f.path).name: f for f in report.files}
    assert report.failed
    errors = {n: f.reason for n, f in by_name.items() if f.status == "error"}
    assert set(errors) == {"corrupt.pdf", "encrypted.pdf", "empty.txt", "binary.txt", "big.txt", "bad.xml",
                           "missing.txt"}
    assert "encrypted" in (errors["encrypted.pdf"] or "") and "corrupt" in (errors["corrupt.pdf"] or "")
    assert "empty" in (errors["empty.txt"] or "") and "limit" in (errors["big.txt"] or "")
    assert all(r and "\n" not in r for r in errors.values())  # one line each
    assert by_name["notes.csv"].status == "skipped"
    assert by_name["latin1.txt"].status == "ok" and "not valid UTF-8" in by_name["latin1.txt"].warnings[0]
    assert {by_name[n].status for n in ("good.txt", "good2.xml", "good.pdf")} == {"ok"}
    assert "secret.txt" not in by_name
    assert len(list_documents(tmp_path / "h")) == 4
    assert search("levamisole relapses", home=tmp_path / "h").hits[0].reference["type"] == "research"
    _consistent(tmp_path / "h")


def test_exception_mid_document_leaves_nothing_half_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [CORPUS / "abs01_tacrolimus_vs_ciclosporin.txt", CORPUS / "case_series_ivcyc.txt"]
    real = index_mod._passage_row
    calls = {"n": 0}

    def failing(p, title):  # type: ignore[no-untyped-def]
        if p.doc_id == "synth-ivcyc-series":
            calls["n"] += 1
            if calls["n"] == 4:
                raise RuntimeError("simulated crash while indexing")
        return real(p, title)

    monkeypatch.setattr(index_mod, "_passage_row", failing)
    with pytest.raises(RuntimeError):
        ingest(files, home=tmp_path)
    assert [d["doc_id"] for d in list_documents(tmp_path)] == ["synth-taco-ns"]
    _consistent(tmp_path)
    monkeypatch.setattr(index_mod, "_passage_row", real)
    report = ingest(files, home=tmp_path)
    assert [f.status for f in report.files] == ["skipped", "ok"]
    _consistent(tmp_path)


def test_kill_9_mid_document_leaves_the_index_consistent(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import os, signal
        import nephroguide.library.index as index_mod
        from nephroguide.library import ingest
        real = index_mod._passage_row
        n = {{"calls": 0}}
        def killer(p, title):
            if p.doc_id == "synth-ivcyc-series":
                n["calls"] += 1
                if n["calls"] == 5:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(p, title)
        index_mod._passage_row = killer
        ingest([{str(CORPUS / "abs02_rituximab_sdns.txt")!r}, {str(CORPUS / "case_series_ivcyc.txt")!r}],
               home={str(tmp_path)!r})
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEPHROGUIDE_")}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert [d["doc_id"] for d in list_documents(tmp_path)] == ["synth-rtx-sdns"]
    _consistent(tmp_path)
    report = ingest([CORPUS / "case_series_ivcyc.txt"], home=tmp_path)
    assert report.files[0].status == "ok"
    assert len(list_documents(tmp_path)) == 2
    _consistent(tmp_path)


def _killed(script: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEPHROGUIDE_")}
    env[ti.ENV_BACKEND] = "tantivy"
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()


@pytest.mark.skipif(not ti.available(), reason="tantivy is not installed")
@pytest.mark.parametrize("where", ["_commit", "_write_marker"])
@pytest.mark.parametrize("action", ["ingest", "remove", "rebuild"])
def test_kill_9_between_the_sqlite_and_tantivy_commits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       where: str, action: str) -> None:
    """SQLite committed, then the process dies before tantivy commits (``_commit``) or after it but before
    the marker is written (``_write_marker``): the next open brings the index up to date, no duplicates."""
    monkeypatch.setenv(ti.ENV_BACKEND, "tantivy")
    ingest([CORPUS / "abs02_rituximab_sdns.txt", CORPUS / "abs07_raas_blockade.txt"], home=tmp_path)
    root = tmp_path / "nephroguide.library-tantivy"
    before = ti.read_marker(root)
    assert before is not None
    if action == "ingest":
        do = f"ingest([{str(CORPUS / 'case_series_ivcyc.txt')!r}], home={str(tmp_path)!r})"
    elif action == "remove":
        do = f"remove_document('synth-rtx-sdns', {str(tmp_path)!r})"
    else:
        shutil.rmtree(root)
        do = f"search('Rituxan', home={str(tmp_path)!r})"
    _killed(f"""
        import os, signal
        import nephroguide.library.tantivy_index as ti
        from nephroguide.library import ingest, remove_document, search
        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        ti.{where} = die
        {do}
    """)
    conn = open_library(tmp_path, create=False)
    assert conn is not None
    try:
        after = ti.read_marker(root)
        if action == "rebuild":
            assert after is None
        else:  # SQLite moved on, the marker did not
            assert after == before and state(conn)["generation"] > before["generation"]
    finally:
        conn.close()
    ti.close_all()
    docs = {d["doc_id"] for d in list_documents(tmp_path)}
    if action == "ingest":
        assert docs == {"synth-rtx-sdns", "synth-raas", "synth-ivcyc-series"}
        assert search("mesna haemorrhagic cystitis", home=tmp_path).hits[0].doc_id == "synth-ivcyc-series"
    elif action == "remove":
        assert docs == {"synth-raas"}
        assert all(h.doc_id != "synth-rtx-sdns" for h in search("Rituxan relapse-free survival", home=tmp_path).hits)
    else:
        assert search("Rituxan", home=tmp_path).hits[0].doc_id == "synth-rtx-sdns"
    _consistent(tmp_path)


def test_show_remove_and_prefixes(tmp_path: Path) -> None:
    ingest([CORPUS / "abs05_pubmed_set.xml", CORPUS / "abs03_mmf_levamisole.txt"], home=tmp_path)
    docs = list_documents(tmp_path)
    assert len(docs) == 3
    pubmed = next(d for d in docs if d["pmid"] == "99000051")
    shown = show_document(pubmed["doc_id"][:6], tmp_path)
    assert shown["doc_id"] == pubmed["doc_id"] and shown["passages"] and shown["sections"]
    text_len = shown["n_chars"]
    assert all(0 <= p["char_start"] < p["char_end"] <= text_len for p in shown["passages"])
    with pytest.raises(UnknownNameError):
        show_document("nope", tmp_path)
    removed = remove_document("synth-mmf-lev", tmp_path)
    assert removed["doc_id"] == "synth-mmf-lev"
    with pytest.raises(UnknownNameError):
        remove_document("synth-mmf-lev", tmp_path)
    assert len(list_documents(tmp_path)) == 2
    _consistent(tmp_path)


def test_ambiguous_prefix(tmp_path: Path) -> None:
    ingest([CORPUS / "abs06_methylprednisolone_pulses.txt", CORPUS / "abs07_raas_blockade.txt"], home=tmp_path)
    with pytest.raises(InputError, match="ambiguous"):
        show_document("synth-", tmp_path)


def test_read_only_calls_create_nothing(tmp_path: Path) -> None:
    home = tmp_path / "never"
    assert list_documents(home) == []
    assert search("tacrolimus", home=home).hits == []
    with pytest.raises(UnknownNameError):
        show_document("x", home)
    assert not home.exists()


def test_no_paths_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        ingest([], home=tmp_path)


def test_search_statistics_follow_every_write(tmp_path: Path) -> None:
    ingest([CORPUS / "abs06_methylprednisolone_pulses.txt", CORPUS / "abs07_raas_blockade.txt"], home=tmp_path)
    before = search("enalapril", home=tmp_path)
    assert before.documents == 2 and before.hits
    remove_document("synth-raas", tmp_path)
    after = search("enalapril", home=tmp_path)
    assert after.documents == 1 and after.hits == []
    ingest([CORPUS / "abs08_thromboembolism.txt"], home=tmp_path)  # same passage count, new content
    assert search("thrombosis", home=tmp_path).hits


def test_ingest_dir_with_symlink_to_etc_passwd_does_not_make_it_searchable(tmp_path: Path) -> None:
    """Issue 12 item 5: `ingest DIR` stays inside DIR; README-like files are skipped unless named."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(_abstract("Private notes", "zebraword appears only outside the tree."), encoding="utf-8")
    papers = tmp_path / "papers"
    (papers / "sub").mkdir(parents=True)
    (papers / "trial.txt").write_text(_abstract("Levamisole trial", "levamisole in relapsing children."),
                                      encoding="utf-8")
    (papers / "README.md").write_text("# My folder of papers\n\nNotes about how I keep this folder.\n",
                                      encoding="utf-8")
    (papers / "passwd.txt").symlink_to(secret)            # a file link out of the tree
    (papers / "linked_dir").symlink_to(outside, target_is_directory=True)  # a directory link out of the tree
    (papers / "sub" / "same.txt").symlink_to(papers / "trial.txt")  # a link inside the tree: same file
    home = tmp_path / "home"
    report = ingest([papers], home=home)
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["trial.txt"].status == "ok"
    assert by_name["passwd.txt"].status == "skipped" and "outside" in (by_name["passwd.txt"].reason or "")
    assert by_name["linked_dir"].status == "skipped" and "outside" in (by_name["linked_dir"].reason or "")
    assert by_name["README.md"].status == "skipped" and "README" in (by_name["README.md"].reason or "")
    assert not report.failed
    assert search("zebraword", home=home).hits == []
    assert [d["title"] for d in list_documents(home)] == ["Levamisole trial"]
    # Named one by one, a README is read (the user asked for it)
    named = ingest([papers / "README.md"], home=home)
    assert [f.status for f in named.files] == ["ok"]
