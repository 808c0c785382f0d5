"""``ask()``: a free-text question in, a cited, graded answer article out (offline, deterministic).

Order of work, so that bad input never reaches the store: validate the question, the audience and
the patient record, check the session id (an unknown id is an error, exit 2), then understand,
compose, and only then record the turn of a session. Without ``session`` nothing is read from or
written to the store.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from nephroguide.answer.model import AUDIENCES, DETAILS, Answer
from nephroguide.errors import InputError, UsageError


def answer_question(question: Any, *, audience: str = "clinician", patient: Any = None, session: str | None = None,
                    today: dt.date, home: str | Path | None = None, detail: str = "brief") -> Answer:
    """Answer one question (see :func:`nephroguide.api.ask`), from one pack throughout (:func:`pinned_pack`)."""
    from nephroguide.knowledge.pack import pinned_pack

    with pinned_pack():
        return _answer_question(question, audience=audience, patient=patient, session=session, today=today,
                                home=home, detail=detail)


def _answer_question(question: Any, *, audience: str, patient: Any, session: str | None, today: dt.date,
                     home: str | Path | None, detail: str) -> Answer:
    import dataclasses

    from nephroguide.answer import session as sessions
    from nephroguide.answer.compose import compose
    from nephroguide.answer.understand import understand, validate_question
    from nephroguide.knowledge.pack import load_pack

    text = validate_question(question)
    if audience not in AUDIENCES:
        raise UsageError(f"unknown audience {audience!r}; use one of: {', '.join(AUDIENCES)}", field="audience")
    if detail not in DETAILS:
        raise UsageError(f"unknown detail {detail!r}; use one of: {', '.join(DETAILS)}", field="detail")
    record = _patient_record(patient, today)
    sid: str | None = None
    created = False
    prev = None
    if session is not None:
        if not isinstance(session, str):
            raise InputError("the session id must be text", field="session")
        sid = sessions.check_session_id(session)
        if sid == sessions.NEW:
            sid = sessions.new_session_id()
            created = True
        else:
            prev = sessions.load_session(sid, home)
    rule = load_pack().definition_set("current").relapse_frequency
    stem, options = split_options(text)
    u = understand(stem, relapse_rule=rule)
    from_session = False
    if prev is not None and prev.turns:
        u = sessions.merge(u, prev)
        from_session = True
    if record is not None:
        u = _with_patient_stage(u, record, today)
    context_text = prev.subject if prev is not None and prev.subject and sessions.is_elliptic(text) else ""
    answer = compose(u, audience=audience, patient=record, today=today, from_session=from_session, session=sid,
                     detail=detail, context_text=context_text)
    if options:
        answer = _with_question(answer, text)
    answer = _with_missing_part(answer)
    answer = _with_review_status(answer, home)
    from nephroguide.answer.evidence import with_library_passages

    answer = with_library_passages(answer, home)
    if sid is not None:
        sessions.save_turn(sid, created=created, today=today, question=text, intent=answer.intent, scope=answer.scope,
                           context=sessions.context_after(u, answer, prev), home=home)
    return dataclasses.replace(answer, session=sid) if answer.session != sid else answer


_OPTION = re.compile(r"(?:^|\s)\(?([A-Ea-e])[).]\s+(.+?)(?=\s+\(?[A-Ea-e][).]\s|$)", re.S)


def split_options(text: str) -> tuple[str, list[tuple[str, str]]]:
    """An exam-style question with lettered options ("... ? A) MMF B) levamisole C) ..."): its stem and the
    options. Other questions come back unchanged, with no options."""
    head, mark, tail = text.partition("?")
    if not mark:
        return text, []
    options = [(m.group(1).upper(), " ".join(m.group(2).split()).rstrip(" ,;")) for m in _OPTION.finditer(tail)]
    if len(options) < 3 or options[0][0] != "A":
        return text, []
    return head + mark, options


def _with_question(answer: Answer, question: str) -> Answer:
    """The exam question's own text (with its options) back on the answer. No option letter is added: the
    first line answers the stem in the pack's words, and a letter guessed from it could be wrong."""
    import dataclasses

    from nephroguide.answer.compose import _with_markdown

    return _with_markdown(dataclasses.replace(answer, question=question))


def _with_missing_part(answer: Answer) -> Answer:
    """A covered answer that never gives what the question asks for ("... and for how many days?" with no
    duration anywhere in the answer) is only partly covered, and says which part is missing."""
    import dataclasses

    from nephroguide.answer import direct
    from nephroguide.answer.compose import _with_markdown

    if answer.scope not in ("covered", "partly_covered"):
        return answer
    text = " ".join([answer.summary_text, *(i.statement.text for s in answer.sections for i in s.items)])
    # what the message asks, not what it tells ("... on a low dose of prednisolone every other day. Can she fly?"
    # asks for no dose)
    asked = " ".join(q for q in re.findall(r"[^.!?]*\?", answer.question)) or answer.question
    missing = direct.missing_kinds(asked, text, answer.understanding.get("drugs") or ())
    if not missing:
        return answer
    note = direct.settings()["not_covered"]["partly"].format(subject=" or ".join(missing))
    if answer.scope == "partly_covered":   # ... besides what is already said to be missing (a question not answered)
        if not answer.scope_note.startswith(direct.settings()["not_covered"]["parts_unanswered"].split("{")[0]):
            return answer
        note = f"{note} {answer.scope_note}"
    return _with_markdown(dataclasses.replace(answer, scope="partly_covered", scope_note=note))


def _with_review_status(answer: Answer, home: str | Path | None) -> Answer:
    """The article's review status follows the knowledge entries it rests on (editorial review store)."""
    import dataclasses

    from nephroguide.review import review_status

    kb_ids = [item.statement.kb_id for section in answer.sections for item in section.items]
    if not kb_ids:
        return answer
    status = review_status(kb_ids, home=home)
    return dataclasses.replace(answer, review_status=status["status"],
                               last_updated=status["last_updated"] or answer.last_updated)


def _with_patient_stage(u: Any, record: dict[str, Any], today: dt.date) -> Any:
    """The question read together with the patient file's course labels ("what next?" for a CNI-resistant child)."""
    from nephroguide.answer.compose import COURSE_LABELS
    from nephroguide.answer.understand import with_context
    from nephroguide.engine.classify import classify_course
    from nephroguide.intake.record import load_patient
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    child = load_patient(record, as_of=None, today=today)
    labels = set(classify_course(child, pack.definition_set("current"), pack)[0].labels)
    course = labels & (COURSE_LABELS | {"infant"})
    if not course or course <= set(u.stage):
        return u
    return with_context(u, stage=set(u.stage) | course, drugs=u.drugs, details=dict(u.details),
                        patient_drugs=u.patient_drugs, assessment=dict(u.assessment), classes_ever=u.classes_ever,
                        classes_current=u.classes_current)


def _patient_record(patient: Any, today: dt.date) -> dict[str, Any] | None:
    """A patient record (dict, or a file path), validated now so a bad file fails before anything else."""
    if patient is None:
        return None
    from nephroguide.intake.record import load_patient, read_record_file

    if isinstance(patient, str | Path):
        patient = read_record_file(Path(patient))
    if not isinstance(patient, dict):
        raise InputError("the patient record must be a mapping of fields (patient record v1)", field="patient")
    load_patient(patient, as_of=None, today=today)
    return patient
