"""Conversation sessions for follow-up questions, kept in the embedded store (component ``sessions``).

``--session new`` starts a session and prints its id; ``--session ID`` continues one (an unknown id
is an input error, exit 2, and nothing is written). Each turn stores what the question established
(stage labels, drugs under discussion, the child's details, the intent), so that "what if
tacrolimus doesn't work?" after an SRNS question moves to the CNI-resistant step and "what dose for a
20 kg child?" doses the drug under discussion. ``ask`` without a session reads and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nephroguide.errors import InputError, UnknownNameError
from nephroguide.store.sqlite import Migration, register_migrations

COMPONENT = "sessions"
NEW = "new"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{2,63}$")

MIGRATIONS = [
    Migration(1, "create sessions and session_turns", """
        CREATE TABLE sessions (
            id       TEXT PRIMARY KEY,
            created  TEXT NOT NULL,
            updated  TEXT NOT NULL,
            turns    INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE session_turns (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            turn       INTEGER NOT NULL,
            asked_on   TEXT NOT NULL,
            question   TEXT NOT NULL,
            intent     TEXT,
            scope      TEXT NOT NULL,
            context    TEXT NOT NULL,
            PRIMARY KEY (session_id, turn)
        );
    """),
]
register_migrations(COMPONENT, MIGRATIONS)

# Stage labels that refine the stage already under discussion instead of replacing it.
MODIFIERS = frozenset({"in_relapse", "complete_remission", "partial_remission", "no_remission", "cni_resistant",
                       "cni_responsive", "multidrug_resistant", "genetic_srns", "srns_secondary", "srns_initial",
                       "infant", "confirmation_period"})


@dataclass
class SessionContext:
    """What earlier turns established."""

    intent: str | None = None
    stage: list[str] = field(default_factory=list)
    drugs: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    patient_drugs: dict[str, bool] = field(default_factory=dict)
    assessment: dict[str, str] = field(default_factory=dict)
    classes_ever: list[str] = field(default_factory=list)
    classes_current: list[str] = field(default_factory=list)
    turns: int = 0
    topic: str | None = None      # the subject of the last answer (knowledge Topic)
    subject: str = ""             # the words of the last question with a subject of its own (for "and the flu jab?")

    def to_json(self) -> dict[str, Any]:
        return {"intent": self.intent, "stage": self.stage, "drugs": self.drugs, "details": self.details,
                "patient_drugs": self.patient_drugs, "assessment": self.assessment,
                "classes_ever": self.classes_ever, "classes_current": self.classes_current,
                "topic": self.topic, "subject": self.subject}

    @classmethod
    def from_json(cls, data: dict[str, Any], turns: int) -> SessionContext:
        details = dict(data.get("details") or {})
        if "genes" in details:
            details["genes"] = tuple(details["genes"])
        return cls(intent=data.get("intent"), stage=list(data.get("stage") or []), drugs=list(data.get("drugs") or []),
                   details=details, patient_drugs=dict(data.get("patient_drugs") or {}),
                   assessment=dict(data.get("assessment") or {}), classes_ever=list(data.get("classes_ever") or []),
                   classes_current=list(data.get("classes_current") or []), turns=turns, topic=data.get("topic"),
                   subject=str(data.get("subject") or ""))


def new_session_id() -> str:
    """A fresh random session id (12 hex characters)."""
    return secrets.token_hex(6)


def check_session_id(session: str) -> str:
    text = session.strip().lower()
    if text == NEW:
        return NEW
    if not ID_PATTERN.fullmatch(text):
        raise InputError(f"{session!r} is not a session id (3-64 letters, digits, '-' or '_'); use --session new "
                         "to start one", field="session")
    return text


def _open(home: str | Path | None, *, create: bool) -> sqlite3.Connection | None:
    from nephroguide.store.sqlite import open_database

    if create:
        from nephroguide.store.paths import ensure_home

        if home is not None:
            ensure_home(home)
        return open_database(home, components=[COMPONENT], create=True)
    return open_database(home, components=(), create=False)


def load_session(session: str, home: str | Path | None = None) -> SessionContext:
    """The context of an existing session; UnknownNameError (exit 2) if there is none. Writes nothing."""
    conn = _open(home, create=False)
    unknown = UnknownNameError(f"unknown session {session!r}; start one with --session new", field="session")
    if conn is None:
        raise unknown
    try:
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions'").fetchone()
        if not exists:
            raise unknown
        row = conn.execute("SELECT turns FROM sessions WHERE id = ?", (session,)).fetchone()
        if row is None:
            raise unknown
        last = conn.execute("SELECT context FROM session_turns WHERE session_id = ? ORDER BY turn DESC LIMIT 1",
                            (session,)).fetchone()
        data = json.loads(last[0]) if last else {}
        return SessionContext.from_json(data, int(row[0]))
    finally:
        conn.close()


def save_turn(session: str, *, created: bool, today: dt.date, question: str, intent: str | None, scope: str,
              context: SessionContext, home: str | Path | None = None) -> None:
    """Record one turn (creating the session on its first turn)."""
    from nephroguide.store.sqlite import transaction

    conn = _open(home, create=True)
    assert conn is not None
    try:
        with transaction(conn):
            day = today.isoformat()
            if created:
                conn.execute("INSERT INTO sessions(id, created, updated, turns) VALUES (?, ?, ?, 0)", (session, day, day))
            row = conn.execute("SELECT turns FROM sessions WHERE id = ?", (session,)).fetchone()
            if row is None:
                raise UnknownNameError(f"unknown session {session!r}; start one with --session new", field="session")
            turn = int(row[0]) + 1
            conn.execute("INSERT INTO session_turns(session_id, turn, asked_on, question, intent, scope, context) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (session, turn, day, question, intent, scope, json.dumps(context.to_json(), sort_keys=True)))
            conn.execute("UPDATE sessions SET turns = ?, updated = ? WHERE id = ?", (turn, day, session))
    finally:
        conn.close()


def merge(u: Any, prev: SessionContext) -> Any:
    """The understanding of a follow-up question, with what the session already established."""
    from nephroguide.answer.understand import with_context

    own = set(u.stage)
    if not own:
        stage = set(prev.stage)
    elif own <= MODIFIERS | {"srns"}:
        stage = own | set(prev.stage)
    else:
        stage = own
    drugs = list(u.drugs) or list(prev.drugs)
    details = {**prev.details, **dict(u.details)}
    patient_drugs = {**prev.patient_drugs, **dict(u.patient_drugs)}
    assessment = {**prev.assessment, **dict(u.assessment)} if own & MODIFIERS or not own else dict(u.assessment)
    classes_ever = set(u.classes_ever) | (set(prev.classes_ever) if stage & set(prev.stage) else set())
    classes_current = set(u.classes_current) | (set(prev.classes_current) if stage & set(prev.stage) else set())
    return with_context(u, stage=stage, drugs=drugs, details=details, patient_drugs=patient_drugs.items(),
                        assessment=assessment, classes_ever=classes_ever, classes_current=classes_current,
                        inherit_intent=prev.intent)


def is_elliptic(question: str) -> bool:
    """A follow-up that leans on the previous turn ("and the flu jab?", "what about into adulthood?")."""
    from nephroguide.answer.understand import normalise

    text = normalise(question)
    words = re.findall(r"[a-z]+", text)
    return bool(re.match(r"^(?:and|or|but|so|what about|how about|also|then)\b", text)) or len(words) <= 4


def context_after(u: Any, answer: Any, prev: SessionContext | None = None) -> SessionContext:
    """What this turn establishes for the next one."""
    stage = sorted(set(answer.context.get("stated_stage") or []) |
                   (set(answer.context.get("stage") or []) if answer.scope != "not_covered" else set()))
    drugs = list(answer.context.get("drugs") or [])
    details = {k: (list(v) if isinstance(v, tuple) else v) for k, v in u.details}
    subject = u.question
    if prev is not None and prev.subject and is_elliptic(u.question):
        subject = f"{prev.subject} {u.question}"[-600:]
    return SessionContext(intent=answer.intent if answer.scope != "not_covered" else u.intent, stage=stage,
                          drugs=drugs[:4], details=details, patient_drugs=dict(u.patient_drugs),
                          assessment=dict(u.assessment), classes_ever=list(u.classes_ever),
                          classes_current=list(u.classes_current), topic=getattr(answer, "topic", None),
                          subject=subject)
