"""The answer article's objects: items (statements with their role), sections, the answer.

Plain dataclasses that know their JSON form (``nephroguide.answer/1``, see docs/outputs.md).
Renderers read them; they decide nothing clinical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nephroguide.engine.types import Reference, Statement

ANSWER_RECORD = "nephroguide.answer/1"
SCOPES = ("covered", "partly_covered", "not_covered")
AUDIENCES = ("clinician", "family", "student")
DETAILS = ("brief", "full")


@dataclass(frozen=True)
class Item:
    """One statement of the article, with what kind of knowledge it came from.

    ``current`` is False for statements that quote a superseded or non-preferred position on
    purpose (the "what changed" section); ``note`` says when a general statement applies.
    """

    statement: Statement
    kind: str            # definition | recommendation | dose | caution | monitoring | evidence | conflict | superseded | fact
    title: str = ""
    current: bool = True
    note: str = ""
    level: int = 0       # 0 = bullet, 1 = sub-bullet (doses under their recommendation, study results)

    def to_json(self) -> dict[str, Any]:
        out = self.statement.to_json()
        out.update({"kind": self.kind, "current": self.current})
        if self.title:
            out["title"] = self.title
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: tuple[Item, ...]

    @property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(i.statement for i in self.items)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "statements": [i.to_json() for i in self.items]}


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    meaning: str
    refs: tuple[str, ...] = ()
    kb_id: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"term": self.term, "meaning": self.meaning}
        if self.refs:
            out["refs"] = list(self.refs)
        if self.kb_id:
            out["kb_id"] = self.kb_id
        return out


@dataclass(frozen=True)
class Answer:
    """A composed answer article (audience-fitted), plus how the question was read."""

    question: str
    intent: str | None
    context: dict[str, Any]
    scope: str
    audience: str
    title: str
    summary_text: str
    summary_refs: tuple[str, ...]
    sections: tuple[Section, ...]
    follow_ups: tuple[str, ...]
    references: tuple[Reference, ...]
    review_status: str
    last_updated: str | None
    disclaimer: str
    scope_note: str = ""
    closest_topics: tuple[str, ...] = ()
    glossary: tuple[GlossaryEntry, ...] = ()
    readability: dict[str, Any] | None = None
    understanding: dict[str, Any] = field(default_factory=dict)
    session: str | None = None
    pack_version: str = ""
    markdown: str = ""
    topic: str | None = None          # the subject (knowledge/models.py Topic) the answer is about
    detail: str = "brief"             # brief: the answer and its key points; full: the whole article
    more: int = 0                     # statements left out of a brief answer (shown with detail "full")
    direct_answer: str | None = None  # the pack's direct answer (knowledge id) the summary is, if any
    also_topics: tuple[str, ...] = ()  # topics of the message's other questions, answered among the key points

    @property
    def exit_code(self) -> int:
        """3 when the question is outside what the knowledge covers, else 0."""
        return 3 if self.scope == "not_covered" else 0

    def statements(self) -> list[Statement]:
        return [i.statement for s in self.sections for i in s.items]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "record": ANSWER_RECORD,
            "question": self.question,
            "intent": self.intent,
            "context": self.context,
            "scope": self.scope,
            "audience": self.audience,
            "title": self.title,
            "summary": {"text": self.summary_text, "refs": list(self.summary_refs)},
            "sections": [s.to_json() for s in self.sections],
            "follow_ups": list(self.follow_ups),
            "references": [r.to_json() for r in self.references],
            "review": {"status": self.review_status, "last_updated": self.last_updated},
            "disclaimer": self.disclaimer,
        }
        if self.scope_note:
            out["scope_note"] = self.scope_note
        if self.closest_topics:
            out["closest_topics"] = list(self.closest_topics)
        if self.glossary:
            out["glossary"] = [g.to_json() for g in self.glossary]
        if self.readability is not None:
            out["readability"] = self.readability
        out["understanding"] = self.understanding
        if self.session is not None:
            out["session"] = self.session
        out["topic"] = self.topic
        out["detail"] = self.detail
        out["more_statements"] = self.more
        if self.direct_answer:
            out["direct_answer"] = self.direct_answer
        if self.also_topics:
            out["also_topics"] = list(self.also_topics)
        out["versions"] = {"knowledge_pack": self.pack_version}
        out["markdown"] = self.markdown
        return out
