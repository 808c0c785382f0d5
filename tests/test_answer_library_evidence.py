"""Evidence answers quote the user's own copy of a paper that a pack study points to (by DOI)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jsonschema
import pytest

from nephroguide.answer.ask import answer_question
from nephroguide.schemas import json_schema

TODAY = dt.date(2026, 11, 21)
QUESTION = "does IV cyclophosphamide work after tacrolimus failure?"
# Synthetic text written for this test; the sidecar gives it the DOI that study.haddad2021 points to,
# standing in for a user's ingested copy of the paper.
STAND_IN = """Stand-in case series (synthetic text written for nephroguide tests)

Abstract
Background: A made-up summary used only to exercise the evidence library.

Results
Of the eight children treated, four went into complete remission, one reached partial remission and three
did not respond to the infusions in this synthetic stand-in text.

Discussion
This paragraph is invented and discusses nothing real.
"""


@pytest.fixture
def library_home(tmp_path: Path) -> Path:
    from nephroguide.library import ingest

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "standin.txt").write_text(STAND_IN)
    (docs / "standin.txt.meta.yaml").write_text(
        "title: Stand-in case series\nyear: 2021\ndoi: 10.1186/s12882-021-02605-6\njournal: Test Journal\n")
    home = tmp_path / "home"
    report = ingest([docs], home=home)
    assert all(f.status == "ok" for f in report.files)
    return home


def _digest(home: Path) -> list[str]:
    """The stored content (schema and rows), not the file bytes: SQLite's WAL checkpoints move bytes around."""
    import sqlite3
    from contextlib import closing

    out: list[str] = sorted(p.name for p in home.iterdir() if not p.name.endswith(("-wal", "-shm")))
    for db in sorted(home.glob("*.sqlite3")):
        with closing(sqlite3.connect(db)) as conn:
            out.extend(conn.iterdump())
    return out


def test_study_pointer_quotes_the_ingested_paper(library_home: Path) -> None:
    answer = answer_question(QUESTION, today=TODAY, home=library_home)
    section = next(s for s in answer.sections if s.key == "library")
    item = section.items[0]
    assert item.statement.kb_id == "study.haddad2021#library"
    assert "four went into complete remission" in item.statement.text
    assert "(Results)" in item.statement.text
    ref = next(r for r in answer.references if r.id == item.statement.refs[0])
    assert ref.type == "research" and ref.doi == "10.1186/s12882-021-02605-6"
    data = answer.to_json()
    jsonschema.validate(data, json_schema("answer"))
    assert "Passages from your evidence library" in answer.markdown


def test_no_library_means_no_section_and_nothing_written(tmp_path: Path) -> None:
    home = tmp_path / "empty"
    answer = answer_question(QUESTION, today=TODAY, home=home)
    assert all(s.key != "library" for s in answer.sections)
    assert not home.exists()


def test_a_home_without_a_library_is_not_modified(tmp_path: Path) -> None:
    home = tmp_path / "home"
    answer_question("what is SRNS", today=TODAY, home=home, session="new")   # creates the sessions store
    before = _digest(home)
    answer_question(QUESTION, today=TODAY, home=home)
    assert _digest(home) == before
