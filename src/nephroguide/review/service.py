"""The review workflow: accounts, proposals (new versions of knowledge entries), articles, export, audit.

Every write is one database transaction that ends by appending its audit row, so a change and its audit
row are committed together or not at all (a process killed half way leaves neither). Lost updates are
prevented by optimistic locking in the statements themselves:

* a proposal's transition is ``UPDATE review_kb_versions SET state = ..., state_version = state_version + 1
  WHERE id = :id AND state_version = :seen`` — of two reviewers acting at once, the second updates no row
  and gets :class:`~nephroguide.errors.ConflictError` (exit 2, HTTP 409);
* an approval also moves the entry: ``UPDATE review_kb_entries SET current_version_id = ..., lock_version =
  lock_version + 1 WHERE key = :key AND lock_version = :seen``, and only when the entry's approved hash is
  still the one the proposal was written against (otherwise the editor revises it first).

Proposal states: draft -> submitted -> under_review -> approved, or -> changes_requested (back to the
editor, who revises and submits again); the author may withdraw. Only reviewers start a review, approve or
request changes, and never on their own proposal.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, and_, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased

from nephroguide.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    PermissionDeniedError,
    UnknownNameError,
)
from nephroguide.review import audit
from nephroguide.review import auth as A
from nephroguide.review.content import (
    canonical,
    check_file,
    check_pack,
    content_hash,
    content_text,
    entry_key,
    kind_name,
    split_key,
    to_yaml,
    unified_diff,
    validate_content,
)
from nephroguide.review.db import writing
from nephroguide.review.schema import (
    ARTICLE_STATES,
    PROPOSAL_STATES,
    api_tokens,
    article_entries,
    articles,
    audit_log,
    kb_entries,
    kb_versions,
    users,
)

log = logging.getLogger("nephroguide.review")

MAX_COMMENT = 10_000
MAX_QUESTION = 2_000
AUDIENCES = ("clinician", "family", "student")
PROPOSAL_ACTIONS = ("submit", "start", "approve", "request_changes", "withdraw")
FAULT_ENV = "NEPHROGUIDE_FAULT_POINT"   # fault injection for crash tests: "<point>:<seconds to sleep>"

R = TypeVar("R")


class _RaceConflict(ConflictError):
    """A unique key clashed with a concurrent insert (safe to retry a create)."""


def _fault(point: str) -> None:
    """Sleep at a named point when ``$NEPHROGUIDE_FAULT_POINT`` asks for it (the crash tests kill us there)."""
    spec = os.environ.get(FAULT_ENV, "")
    if spec and spec.split(":", 1)[0] == point:
        seconds = float(spec.split(":", 1)[1]) if ":" in spec else 30.0
        log.warning("fault point %s reached: sleeping %.1f s", point, seconds)
        time.sleep(seconds)


def _text(value: str | None, field: str, limit: int = MAX_COMMENT) -> str:
    text = value or ""
    if not isinstance(text, str):
        raise InputError("must be text", field=field)
    if len(text) > limit:
        raise InputError(f"is {len(text)} characters; the limit is {limit}", field=field)
    if "\x00" in text:
        raise InputError("contains a NUL character", field=field)
    return text


def _proposal_id(value: Any) -> int:
    try:
        pid = int(str(value).strip().lstrip("#"))
    except ValueError:
        raise InputError(f"{str(value)[:40]!r} is not a proposal number", field="id") from None
    if not 0 < pid < 2**31:
        raise InputError(f"{pid} is not a proposal number", field="id")
    return pid


class Review:
    """The review workflow over one store (an SQLAlchemy engine from :func:`nephroguide.review.db.open_store`)."""

    def __init__(self, engine: Engine, *, home: Path | None = None, secret_key: bytes | None = None,
                 session_ttl_s: int = 8 * 3600, max_failures: int = 5, failure_window_s: int = 900,
                 auto_export: bool = True, clock: Callable[[], dt.datetime] | None = None,
                 cooling_off_s: int | None = None) -> None:
        from nephroguide.review.settings import COOLING_OFF_S

        self.engine = engine
        # Four eyes means four people: an account that X created, re-roled, gave a password or its first token
        # within this period cannot approve X's proposals or articles (X could be acting through it).
        self.cooling_off_s = COOLING_OFF_S if cooling_off_s is None else int(cooling_off_s)
        self.home = home
        self.secret_key = secret_key
        self.session_ttl_s = session_ttl_s
        self.max_failures = max_failures
        self.failure_window_s = failure_window_s
        self.auto_export = auto_export
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._models: dict[tuple[str, str], Any] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> Review:
        from nephroguide.review.db import open_store

        return cls(open_store(settings.database_url), home=settings.home, secret_key=settings.secret_key,
                   session_ttl_s=settings.session_ttl_s, max_failures=settings.max_failures,
                   failure_window_s=settings.failure_window_s, auto_export=settings.auto_export,
                   cooling_off_s=getattr(settings, "cooling_off_s", None))

    # ------------------------------------------------------------------------------------------ plumbing

    def _now(self) -> tuple[dt.datetime, str]:
        now = self._clock()
        return now, now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction; a unique-key clash or a deadlock/serialisation failure becomes a 409."""
        try:
            with writing(self.engine) as conn:
                yield conn
        except IntegrityError:
            raise _RaceConflict("someone else changed the same record at the same time; reload and try again") \
                from None
        except OperationalError as exc:
            code = getattr(getattr(exc, "orig", None), "sqlstate", None)
            if code in ("40001", "40P01"):
                raise ConflictError("the change collided with another one; reload and try again") from None
            raise

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        from nephroguide.review.db import reading

        with reading(self.engine) as conn:
            yield conn

    def _changed(self) -> None:
        from nephroguide.review.status import invalidate

        invalidate()

    # ------------------------------------------------------------------------------------------ accounts

    def add_user(self, actor: A.User | None, name: str, role: str, password: str | None = None, *,
                 ip: str | None = None) -> A.User:
        """Add an account. With no admin yet, the first account (an admin) may be added without an actor."""
        name, role = A.check_name(name), A.check_role(role)
        pw_hash = A.hash_password(password) if password else None
        _, now = self._now()
        with self._write() as conn:
            admins = conn.execute(select(func.count()).select_from(users)
                                  .where(users.c.role == "admin", users.c.active.is_(True))).scalar()
            if actor is None:
                if admins:
                    raise AuthenticationError("an admin adds accounts: pass --user ADMIN (with NEPHROGUIDE_TOKEN or "
                                              "a password)", field="user")
                if role != "admin":
                    raise InputError("the first account must be an admin (--role admin)", field="role")
            else:
                A.require(actor, "users")
            if A.user_by_name(conn, name) is not None:
                raise ConflictError(f"account {name!r} exists", field="name")
            uid = conn.execute(users.insert().values(name=name, role=role, password_hash=pw_hash, active=True,
                                                     created_at=now, created_by=actor.name if actor else "bootstrap")
                               ).inserted_primary_key[0]  # type: ignore[index]
            audit.append(conn, actor=actor.name if actor else "bootstrap", action="user.add", subject=f"user:{name}",
                         detail={"name": name, "role": role, "password": pw_hash is not None}, ip=ip, at=now)
        return A.User(int(uid), name, role)

    def list_users(self) -> list[dict[str, Any]]:
        tokens = (select(api_tokens.c.user_id, func.count().label("n")).where(api_tokens.c.revoked_at.is_(None))
                  .group_by(api_tokens.c.user_id).subquery())
        q = (select(users.c.name, users.c.role, users.c.active, users.c.created_at, users.c.created_by,
                    users.c.password_hash.is_not(None).label("has_password"), func.coalesce(tokens.c.n, 0).label("tokens"))
             .outerjoin(tokens, tokens.c.user_id == users.c.id).where(users.c.role != "system").order_by(users.c.name))
        with self._read() as conn:
            return [{"name": r.name, "role": r.role, "active": bool(r.active), "created_at": r.created_at,
                     "created_by": r.created_by, "password": bool(r.has_password), "tokens": int(r.tokens)}
                    for r in conn.execute(q)]

    def set_role(self, actor: A.User, name: str, role: str, *, ip: str | None = None) -> A.User:
        A.require(actor, "users")
        role = A.check_role(role)
        _, now = self._now()
        with self._write() as conn:
            target = A.get_user(conn, name)
            if target.role == "admin" and role != "admin":
                admins = conn.execute(select(func.count()).select_from(users)
                                      .where(users.c.role == "admin", users.c.active.is_(True))).scalar()
                if (admins or 0) <= 1:
                    raise ConflictError("this is the last admin; make another admin first", field="role")
            res = conn.execute(update(users).where(users.c.id == target.id, users.c.role == target.role)
                               .values(role=role))
            if res.rowcount != 1:
                raise ConflictError("the account changed at the same time; try again")
            audit.append(conn, actor=actor.name, action="user.role", subject=f"user:{target.name}",
                         detail={"from": target.role, "to": role}, ip=ip, at=now)
        return A.User(target.id, target.name, role)

    def set_password(self, actor: A.User, name: str, password: str, *, ip: str | None = None) -> None:
        pw_hash = A.hash_password(password)
        _, now = self._now()
        with self._write() as conn:
            target = A.get_user(conn, name)
            if actor.id != target.id:
                A.require(actor, "users")
            conn.execute(update(users).where(users.c.id == target.id).values(password_hash=pw_hash))
            A.end_sessions_of(conn, target)
            audit.append(conn, actor=actor.name, action="user.password", subject=f"user:{target.name}", ip=ip, at=now)

    def create_token(self, actor: A.User | None, name: str, label: str = "", *, ip: str | None = None,
                     bootstrap: bool = False) -> str:
        """A new API token for ``name`` (shown once), issued to that account itself.

        An admin may issue a token for another account only as the first token of an account they have just
        created (``users add --token``), and the cooling-off rule then keeps that account from approving the
        admin's work. Any other attempt is refused and audited: a token for someone else is a way to act as them.
        """
        moment, now = self._now()
        label = _text(label, "label", 100) or "api token"
        refused = ""
        with self._write() as conn:
            target = A.get_user(conn, name)
            if not bootstrap:
                if actor is None:
                    raise AuthenticationError("log in first", field="user")
                if actor.id != target.id:
                    A.require(actor, "users")
                    refused = self._token_for_other_refused(conn, actor, target, moment)
            if refused:
                assert actor is not None
                audit.append(conn, actor=actor.name, action="user.token_refused", subject=f"user:{target.name}",
                             detail={"label": label, "reason": "token for another account"}, ip=ip, at=now)
            else:
                token = A.create_token(conn, target, label, now)
                audit.append(conn, actor=actor.name if actor else "bootstrap", action="user.token",
                             subject=f"user:{target.name}", detail={"label": label}, ip=ip, at=now)
        if refused:
            raise PermissionDeniedError(refused, field="name")
        return token

    def _token_for_other_refused(self, conn: Connection, actor: A.User, target: Any, moment: dt.datetime) -> str:
        """Why ``actor`` may not issue a token for ``target`` ("" when it is the first token of an account the
        actor created within the cooling-off period)."""
        row = conn.execute(select(users.c.created_by, users.c.created_at).where(users.c.id == target.id)).first()
        has_token = conn.execute(select(func.count()).select_from(api_tokens)
                                 .where(api_tokens.c.user_id == target.id)).scalar()
        fresh = row is not None and row.created_by == actor.name and row.created_at >= self._cutoff(moment)
        if fresh and not has_token:
            return ""
        return (f"a token for {target.name} is issued only to {target.name}: they create it themselves "
                f"(`nephroguide users token {target.name} --user {target.name}`, or their API token page)")

    def _cutoff(self, moment: dt.datetime) -> str:
        return (moment - dt.timedelta(seconds=self.cooling_off_s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _empowered_by(self, conn: Connection, account: A.User, moment: dt.datetime) -> dict[str, str]:
        """Accounts that created, re-roled or gave credentials to ``account`` within the cooling-off period:
        {name: what they did}."""
        if self.cooling_off_s <= 0:
            return {}
        cutoff = self._cutoff(moment)
        out: dict[str, str] = {}
        row = conn.execute(select(users.c.created_by, users.c.created_at).where(users.c.id == account.id)).first()
        if row is not None and row.created_at >= cutoff and row.created_by not in ("bootstrap", account.name):
            out[row.created_by] = "created"
        what = {"user.role": "changed the role of", "user.password": "set the password of",
                "user.token": "issued a token to", "user.add": "created"}
        q = (select(audit_log.c.actor, audit_log.c.action).where(
            audit_log.c.subject == f"user:{account.name}", audit_log.c.action.in_(list(what)),
            audit_log.c.at >= cutoff, audit_log.c.actor != account.name).order_by(audit_log.c.seq))
        for r in conn.execute(q):
            out.setdefault(r.actor, what[r.action])
        return out

    def _four_eyes(self, kind: str, item_id: int, actor: A.User, author_id: int, ip: str | None) -> None:
        """Refuse (and audit, in its own transaction) an approval of work by the approver themself or by an
        account that recently created, re-roled or gave credentials to the approver."""
        moment, now = self._now()
        reason = ""
        with self._write() as conn:
            author = conn.execute(select(users.c.name).where(users.c.id == author_id)).scalar()
            if author_id == actor.id:
                reason = "own"
                message = ""  # the main check words it
            else:
                by = self._empowered_by(conn, actor, moment)
                if author in by:
                    days = self.cooling_off_s / 86400
                    reason = "cooling_off"
                    message = (f"{author} {by[author]} {actor.name}'s account less than {days:g} days ago, so "
                               f"{actor.name} cannot approve {author}'s work: another reviewer must approve it")
            if reason:
                audit.append(conn, actor=actor.name, action=f"{kind}.approve_refused", subject=f"{kind}:{item_id}",
                             detail={"reason": reason, "author": author}, ip=ip, at=now)
        if reason == "cooling_off":
            raise PermissionDeniedError(message, field="id")

    def revoke_tokens(self, actor: A.User, name: str, *, ip: str | None = None) -> int:
        _, now = self._now()
        with self._write() as conn:
            target = A.get_user(conn, name)
            if actor.id != target.id:
                A.require(actor, "users")
            n = A.revoke_tokens(conn, target, now)
            audit.append(conn, actor=actor.name, action="user.token_revoke", subject=f"user:{target.name}",
                         detail={"revoked": n}, ip=ip, at=now)
        return n

    # ------------------------------------------------------------------------------------------ authentication

    def login(self, name: str, password: str, *, ip: str, via: str = "web",
              session: bool = False) -> tuple[A.User, str | None]:
        """Check a password (throttled per account and address); returns the user and, for the web, a session."""
        account = (name or "").strip().lower()[:64]
        if not account or not password:
            raise AuthenticationError("give an account name and a password", field="password")
        now, iso = self._now()
        with self._read() as conn:
            wait = A.throttled_for(conn, account, ip, now, self.max_failures, self.failure_window_s)
            if wait:
                raise A.throttle_error(wait)
            user, rehash = A.check_password_login(conn, account, password)
        with self._write() as conn:
            if user is None:
                A.record_failure(conn, account, ip, now, self.failure_window_s)
                throttled = A.throttled_for(conn, account, ip, now, self.max_failures, self.failure_window_s)
                audit.append(conn, actor=account, action="login.failed", subject=f"user:{account}",
                             detail={"via": via, "throttled": bool(throttled)}, ip=ip, at=iso)
            else:
                A.clear_failures(conn, account, ip)
                if rehash:
                    conn.execute(update(users).where(users.c.id == user.id).values(password_hash=A.hash_password(password)))
                cookie = None
                if session:
                    if not self.secret_key:
                        raise InputError("web sessions need NEPHROGUIDE_SECRET_KEY", field="NEPHROGUIDE_SECRET_KEY")
                    cookie = A.create_session(conn, user, self.secret_key, now, self.session_ttl_s)
                audit.append(conn, actor=user.name, action="login", subject=f"user:{user.name}", detail={"via": via},
                             ip=ip, at=iso)
                return user, cookie
        raise AuthenticationError("wrong account name or password", field="password")

    def logout(self, cookie: str, user: A.User | None, *, ip: str | None = None) -> None:
        if not self.secret_key or not cookie:
            return
        _, now = self._now()
        with self._write() as conn:
            A.end_session(conn, cookie, self.secret_key)
            if user is not None:
                audit.append(conn, actor=user.name, action="logout", subject=f"user:{user.name}", ip=ip, at=now)

    def user_for_token(self, token: str) -> A.User | None:
        with self._read() as conn:
            return A.user_for_token(conn, token)

    def user_for_session(self, cookie: str) -> A.User | None:
        if not self.secret_key:
            return None
        now, _ = self._now()
        with self._read() as conn:
            return A.user_for_session(conn, cookie, self.secret_key, now)

    # ------------------------------------------------------------------------------------------ entries

    def _entry(self, conn: Connection, key: str) -> Any:
        return conn.execute(select(kb_entries).where(kb_entries.c.key == key)).first()

    def _resolve_key(self, conn: Connection, kb_id: str, kind: str | None) -> tuple[str, str | None, str]:
        """(store key, kind or None, raw id) for what a user typed: ``id``, ``kind:id``, or id plus --kind."""
        kb_id = (kb_id or "").strip()
        if not kb_id or len(kb_id) > 120:
            raise InputError("give a knowledge id (e.g. srns.cni.first_line, or sources:kdigo2025)", field="kb_id")
        k_hint, raw = split_key(kb_id)
        k = kind_name(kind) if kind else k_hint
        if k_hint and kind and k_hint != k:
            raise InputError(f"{kb_id!r} names kind {k_hint}, not {k}", field="kind")
        if k is not None:
            return entry_key(k, raw), k, raw
        row = self._entry(conn, raw)
        return raw, (row.kind if row is not None else None), raw

    def _model(self, kind: str, kb_id: str, content: dict[str, Any], h: str) -> Any:
        hit = self._models.get((kind, h))
        if hit is None:
            hit = validate_content(kind, kb_id, content)
            if len(self._models) > 5000:
                self._models.clear()
            self._models[(kind, h)] = hit
        return hit

    def _check_candidate(self, conn: Connection, key: str, kind: str, file: str, model: Any | None) -> None:
        """The approved pack with this one entry replaced (``model``) or removed (``None``) must be valid."""
        from nephroguide.review.export import approved_entries

        entries = []
        for e in approved_entries(conn):
            if e.key == key:
                continue
            entries.append((e.kind, e.file, self._model(e.kind, e.kb_id, e.content, e.content_hash)))
        if model is not None:
            entries.append((kind, file, model))
        check_pack(entries)

    def entry(self, kb_id: str) -> dict[str, Any]:
        """One entry: its approved content and its versions."""
        with self._read() as conn:
            key, _, _ = self._resolve_key(conn, kb_id, None)
            row = self._entry(conn, key)
            if row is None:
                raise UnknownNameError(f"unknown knowledge id {kb_id!r}", field="kb_id")
            current = None
            if row.current_version_id is not None:
                v = conn.execute(select(kb_versions).where(kb_versions.c.id == row.current_version_id)).one()
                current = json.loads(v.content)
            versions = [self._proposal_row(r) for r in conn.execute(
                self._proposal_query().where(kb_versions.c.entry_key == key).order_by(kb_versions.c.number))]
        return {"key": row.key, "kind": row.kind, "kb_id": row.kb_id, "file": row.file, "retired": bool(row.retired),
                "current_hash": row.current_hash, "content": current, "content_yaml": to_yaml(current),
                "versions": versions}

    # ------------------------------------------------------------------------------------------ proposals

    def propose(self, actor: A.User | None, kb_id: str, content: Any = None, *, action: str = "edit",
                kind: str | None = None, file: str | None = None, comment: str = "", submit: bool = False,
                ip: str | None = None) -> dict[str, Any]:
        """A new version of an entry: ``edit`` (``content`` None: confirm the current version unchanged),
        ``add`` (a new id; ``kind`` needed) or ``retire``. Validated against the pack's models and the whole
        approved pack before it is saved. Returns the proposal."""
        A.require(actor, "propose")
        assert actor is not None
        if action not in ("edit", "add", "retire"):
            raise InputError(f"unknown action {action!r}; one of edit, add, retire", field="action")
        comment = _text(comment, "comment")
        _, now = self._now()
        for attempt in range(3):   # two editors proposing for one entry at once: the version number clashes
            try:
                with self._write() as conn:
                    pid = self._propose(conn, actor, kb_id, content, action, kind, file, comment, submit, now, ip)
                break
            except _RaceConflict:
                if attempt == 2:
                    raise
        self._changed()
        return self.proposal(pid)

    def _propose(self, conn: Connection, actor: A.User, kb_id: str, content: Any, action: str, kind: str | None,
                 file: str | None, comment: str, submit: bool, now: str, ip: str | None) -> int:
        key, k, raw = self._resolve_key(conn, kb_id, kind)
        row = self._entry(conn, key)
        base = None
        if row is not None and row.current_version_id is not None:
            base = conn.execute(select(kb_versions).where(kb_versions.c.id == row.current_version_id)).one()
        if action == "add":
            if row is not None and base is not None and not row.retired:
                raise ConflictError(f"{raw} exists; propose an edit instead", field="kb_id")
            if k is None:
                raise InputError("a new entry needs its kind (--kind recommendations, dose_rules, ...)", field="kind")
            target_file = row.file if row is not None else check_file(k, raw, file)
        else:
            if row is None:
                raise UnknownNameError(f"unknown knowledge id {kb_id!r}; to add an entry use action add with its kind",
                                       field="kb_id")
            if base is None:
                raise ConflictError(f"{raw} has no approved version yet; revise its add proposal instead",
                                    field="kb_id")
            if action == "retire" and row.retired:
                raise ConflictError(f"{raw} is retired already", field="kb_id")
            k, target_file = row.kind, row.file
        assert k is not None
        base_content = json.loads(base.content) if base is not None and not (row is not None and row.retired) else None
        if action == "retire":
            assert base is not None
            new_content = json.loads(base.content)
            self._check_candidate(conn, key, k, target_file, None)
        else:
            if content is None:
                if action == "add" or base is None:
                    raise InputError("give the entry's content (YAML or JSON)", field="content")
                content = json.loads(base.content)    # a confirmation: the current version, unchanged
            model = validate_content(k, raw, content)
            new_content = canonical(model)
            self._check_candidate(conn, key, k, target_file, model)
        h = content_hash(new_content, retired=action == "retire")
        if row is None:
            position = (conn.execute(select(func.max(kb_entries.c.position))).scalar() or 0) + 1
            conn.execute(kb_entries.insert().values(key=key, kind=k, kb_id=raw, file=target_file, position=position,
                                                    current_version_id=None, current_hash=None, retired=False,
                                                    lock_version=0, updated_at=now))
        number = (conn.execute(select(func.max(kb_versions.c.number)).where(kb_versions.c.entry_key == key)).scalar()
                  or 0) + 1
        base_label = f"approved v{base.number}" if base is not None else "new"
        diff = unified_diff(base_content, None if action == "retire" else new_content, key=key,
                            old_label=base_label, new_label=f"proposed v{number}")
        state = "submitted" if submit else "draft"
        pid = conn.execute(kb_versions.insert().values(
            entry_key=key, number=number, action=action, content=content_text(new_content), content_hash=h,
            base_version_id=base.id if base is not None else None, base_hash=row.current_hash if row is not None else None,
            diff=diff, comment=comment, author_id=actor.id, created_at=now, state=state, state_version=0,
            submitted_at=now if submit else None)).inserted_primary_key[0]  # type: ignore[index]
        audit.append(conn, actor=actor.name, action="proposal.create", subject=f"proposal:{pid}",
                     detail={"kb_id": raw, "key": key, "action": action, "number": number, "content_hash": h,
                             "base_hash": row.current_hash if row is not None else None, "state": state},
                     ip=ip, at=now)
        return int(pid)

    def revise(self, actor: A.User | None, proposal_id: Any, content: Any, *, comment: str | None = None,
               expected: int | None = None, ip: str | None = None) -> dict[str, Any]:
        """The author rewrites a draft or a proposal sent back with changes requested, against the entry's
        current approved version (so a proposal overtaken by another approval is brought up to date)."""
        A.require(actor, "propose")
        assert actor is not None
        pid = _proposal_id(proposal_id)
        _, now = self._now()
        with self._write() as conn:
            v = self._version(conn, pid)
            if v.author_id != actor.id:
                raise PermissionDeniedError("only the author revises a proposal", field="id")
            self._expect(v, expected)
            if v.state not in ("draft", "changes_requested"):
                raise ConflictError(f"proposal {pid} is {v.state}; only a draft or one with changes requested is "
                                    "revised", field="state")
            row = self._entry(conn, v.entry_key)
            base = None
            if row.current_version_id is not None:
                base = conn.execute(select(kb_versions).where(kb_versions.c.id == row.current_version_id)).one()
            if v.action == "retire":
                if base is None or row.retired:
                    raise ConflictError("nothing to retire any more", field="id")
                new_content = json.loads(base.content)
                self._check_candidate(conn, row.key, row.kind, row.file, None)
            else:
                if content is None:
                    raise InputError("give the entry's content (YAML or JSON)", field="content")
                model = validate_content(row.kind, row.kb_id, content)
                new_content = canonical(model)
                self._check_candidate(conn, row.key, row.kind, row.file, model)
            h = content_hash(new_content, retired=v.action == "retire")
            base_content = json.loads(base.content) if base is not None and not row.retired else None
            diff = unified_diff(base_content, None if v.action == "retire" else new_content, key=row.key,
                                old_label=f"approved v{base.number}" if base is not None else "new",
                                new_label=f"proposed v{v.number}")
            values: dict[str, Any] = {
                "content": content_text(new_content), "content_hash": h, "diff": diff,
                "base_version_id": base.id if base is not None else None, "base_hash": row.current_hash,
                "state": "draft", "state_version": kb_versions.c.state_version + 1}
            if comment is not None:
                values["comment"] = _text(comment, "comment")
            self._transition(conn, v, values)
            audit.append(conn, actor=actor.name, action="proposal.revise", subject=f"proposal:{pid}",
                         detail={"kb_id": row.kb_id, "content_hash": h, "base_hash": row.current_hash}, ip=ip, at=now)
        self._changed()
        return self.proposal(pid)

    def _version(self, conn: Connection, pid: int) -> Any:
        v = conn.execute(select(kb_versions).where(kb_versions.c.id == pid, kb_versions.c.action != "seed")).first()
        if v is None:
            raise UnknownNameError(f"no proposal {pid}", field="id")
        return v

    @staticmethod
    def _expect(v: Any, expected: int | None) -> None:
        if expected is not None and int(expected) != v.state_version:
            raise ConflictError(f"proposal {v.id} changed since you loaded it (it is now {v.state}); reload it",
                                field="expected_version")

    @staticmethod
    def _transition(conn: Connection, v: Any, values: dict[str, Any]) -> None:
        """The optimistic-locking UPDATE: only if nobody changed the proposal since we read it."""
        values.setdefault("state_version", kb_versions.c.state_version + 1)
        res = conn.execute(update(kb_versions).where(kb_versions.c.id == v.id,
                                                     kb_versions.c.state_version == v.state_version).values(**values))
        if res.rowcount != 1:
            raise ConflictError(f"proposal {v.id} was changed by someone else at the same time; reload it",
                                field="id")

    def act(self, actor: A.User | None, proposal_id: Any, action: str, *, expected: int | None = None,
            comment: str = "", ip: str | None = None) -> dict[str, Any]:
        """submit / withdraw (the author), start / approve / request_changes (a reviewer, not the author)."""
        action, comment = _checked_action(actor, action, comment)
        assert actor is not None
        pid = _proposal_id(proposal_id)
        if action == "approve":
            with self._read() as conn:
                author_id = self._version(conn, pid).author_id
            self._four_eyes("proposal", pid, actor, author_id, ip)
        _, now = self._now()
        returned: list[int] = []
        with self._write() as conn:
            v = self._version(conn, pid)
            own = v.author_id == actor.id
            if action in ("submit", "withdraw") and not own:
                raise PermissionDeniedError(f"only the author may {action} proposal {pid}", field="id")
            if action in ("start", "approve", "request_changes") and own:
                raise PermissionDeniedError(f"{actor.name} wrote proposal {pid}; another reviewer must "
                                            f"{action.replace('_', ' ')} it", field="id")
            self._expect(v, expected)
            allowed_from = {"submit": ("draft", "changes_requested"), "withdraw": ("draft", "submitted",
                            "under_review", "changes_requested"), "start": ("submitted",),
                            "approve": ("submitted", "under_review"), "request_changes": ("submitted", "under_review")}
            if v.state not in allowed_from[action]:
                raise ConflictError(f"proposal {pid} is {v.state.replace('_', ' ')}; cannot {action.replace('_', ' ')} "
                                    "it", field="state")
            values: dict[str, Any]
            detail: dict[str, Any] = {"kb_id": v.entry_key, "number": v.number, "from": v.state}
            if action == "submit":
                values = {"state": "submitted", "submitted_at": now}
            elif action == "withdraw":
                values = {"state": "withdrawn", "decided_at": now}
            elif action == "start":
                values = {"state": "under_review", "reviewer_id": actor.id}
            elif action == "request_changes":
                values = {"state": "changes_requested", "reviewer_id": actor.id, "decided_at": now,
                          "review_comment": comment}
                detail["comment"] = comment
            else:
                values = {"state": "approved", "reviewer_id": actor.id, "decided_at": now,
                          "approved_hash": v.content_hash, "review_comment": comment or None}
                detail.update(content_hash=v.content_hash, action=v.action)
                if comment:
                    detail["comment"] = comment
            self._transition(conn, v, values)
            if action == "approve":
                returned = self._approve_entry(conn, v, now)
                detail["articles_returned"] = returned
            detail["to"] = values["state"]
            audit.append(conn, actor=actor.name, action=f"proposal.{action}", subject=f"proposal:{pid}", detail=detail,
                         ip=ip, at=now, bump_generation=action == "approve")
            if action == "approve":
                _fault("approve.before_commit")
        self._changed()
        if action == "approve":
            self._export_after_approval()
        return self.proposal(pid)

    def _approve_entry(self, conn: Connection, v: Any, now: str) -> list[int]:
        """Make the approved version the entry's current one; send the articles that use the entry back."""
        row = self._entry(conn, v.entry_key)
        if row.current_hash != v.base_hash:
            raise ConflictError(f"{row.kb_id} changed after proposal {v.id} was written (another version was "
                                "approved); the author must revise it against the current version", field="id")
        if v.action == "retire":
            self._check_candidate(conn, row.key, row.kind, row.file, None)
        else:
            model = validate_content(row.kind, row.kb_id, json.loads(v.content))
            self._check_candidate(conn, row.key, row.kind, row.file, model)
        res = conn.execute(update(kb_entries).where(kb_entries.c.key == row.key,
                                                    kb_entries.c.lock_version == row.lock_version)
                           .values(current_version_id=v.id, current_hash=v.content_hash, retired=v.action == "retire",
                                   lock_version=kb_entries.c.lock_version + 1, updated_at=now))
        if res.rowcount != 1:
            raise ConflictError(f"{row.kb_id} was changed by another approval at the same time; reload",
                                field="id")
        affected = [r[0] for r in conn.execute(
            select(articles.c.id).join(article_entries, article_entries.c.article_id == articles.c.id)
            .where(article_entries.c.entry_key == row.key, articles.c.state.in_(("approved", "under_review")))
            .order_by(articles.c.id))]
        if affected:
            conn.execute(update(articles).where(articles.c.id.in_(affected)).values(
                state="submitted", state_version=articles.c.state_version + 1, reviewer_id=None,
                note=f"back to review: {row.kb_id} changed (proposal {v.id} approved {now[:10]})"))
        return affected

    def _export_after_approval(self) -> None:
        if not (self.auto_export and self.home is not None):
            return
        try:
            self.export(None, to=None, actor_name="system")
        except Exception as exc:  # the approval stands; `nephroguide kb export` can be run again
            log.warning("export after approval failed (%s); run `nephroguide kb export`", type(exc).__name__)

    # ------------------------------------------------------------------------------------------ reading proposals

    def _proposal_query(self) -> Any:
        author, reviewer = aliased(users), aliased(users)
        current = aliased(kb_versions)
        return (select(kb_versions, kb_entries.c.kb_id, kb_entries.c.kind, kb_entries.c.file,
                       kb_entries.c.current_hash, kb_entries.c.retired,
                       current.c.number.label("current_number"),
                       author.c.name.label("author"), reviewer.c.name.label("reviewer"))
                .join(kb_entries, kb_entries.c.key == kb_versions.c.entry_key)
                .outerjoin(current, current.c.id == kb_entries.c.current_version_id)
                .join(author, author.c.id == kb_versions.c.author_id)
                .outerjoin(reviewer, reviewer.c.id == kb_versions.c.reviewer_id))

    @staticmethod
    def _proposal_row(r: Any) -> dict[str, Any]:
        open_ = r.state in ("draft", "submitted", "under_review", "changes_requested")
        return {"id": r.id, "kb_id": r.kb_id, "key": r.entry_key, "kind": r.kind, "file": r.file,
                "action": r.action, "number": r.number, "state": r.state, "state_version": r.state_version,
                "author": r.author, "reviewer": r.reviewer, "created_at": r.created_at, "submitted_at": r.submitted_at,
                "decided_at": r.decided_at, "content_hash": r.content_hash, "approved_hash": r.approved_hash,
                "base_hash": r.base_hash, "current_number": r.current_number, "comment": r.comment,
                "review_comment": r.review_comment,
                "current": r.current_hash == r.content_hash and r.current_number == r.number,
                "stale": open_ and r.base_hash != r.current_hash}

    def list_proposals(self, *, state: str | None = None, kb_id: str | None = None, author: str | None = None,
                       limit: int = 200) -> list[dict[str, Any]]:
        """Proposals (never the seed versions), newest first."""
        q = self._proposal_query().where(kb_versions.c.action != "seed")
        if state:
            if state == "open":
                q = q.where(kb_versions.c.state.in_(("submitted", "under_review")))
            elif state not in PROPOSAL_STATES:
                raise InputError(f"unknown state {state!r}; one of open, {', '.join(PROPOSAL_STATES)}", field="state")
            else:
                q = q.where(kb_versions.c.state == state)
        if kb_id:
            q = q.where(kb_entries.c.kb_id == kb_id)
        if author:
            q = q.where(kb_versions.c.author_id.in_(select(users.c.id).where(users.c.name == author)))
        q = q.order_by(kb_versions.c.id.desc()).limit(max(1, min(limit, 1000)))
        with self._read() as conn:
            return [self._proposal_row(r) for r in conn.execute(q)]

    def proposal(self, proposal_id: Any) -> dict[str, Any]:
        """One proposal with its content, YAML, diff and history."""
        pid = _proposal_id(proposal_id)
        with self._read() as conn:
            r = conn.execute(self._proposal_query().where(kb_versions.c.id == pid,
                                                          kb_versions.c.action != "seed")).first()
            if r is None:
                raise UnknownNameError(f"no proposal {pid}", field="id")
            history = audit.rows(conn, subject=f"proposal:{pid}", limit=200)
        out = self._proposal_row(r)
        content = json.loads(r.content)
        out.update(record="nephroguide.proposal/1", content=content,
                   content_yaml=to_yaml(content), diff=r.diff, history=list(reversed(history)))
        return out

    # ------------------------------------------------------------------------------------------ articles

    def _article_kb_ids(self, question: str, audience: str) -> list[str]:
        try:
            from nephroguide import api

            answer = api.ask(question, audience=audience)
        except ImportError:
            raise InputError("the question answerer is not installed in this build", field="question") from None
        data = answer.to_json() if hasattr(answer, "to_json") else dict(answer)
        ids = sorted({str(s["kb_id"]).split("#", 1)[0] for sec in data.get("sections", [])
                      for s in sec.get("statements", []) if s.get("kb_id")})
        if not ids:
            raise InputError("the answer to this question rests on no knowledge entry (not covered?)",
                             field="question")
        return ids

    def _set_article_entries(self, conn: Connection, aid: int, kb_ids: list[str]) -> None:
        from sqlalchemy import delete

        conn.execute(delete(article_entries).where(article_entries.c.article_id == aid))
        rows = conn.execute(select(kb_entries.c.key, kb_entries.c.kb_id).where(kb_entries.c.kb_id.in_(kb_ids))).all()
        if rows:
            conn.execute(article_entries.insert(), [{"article_id": aid, "entry_key": r.key, "kb_id": r.kb_id,
                                                     "entry_hash": None} for r in rows])

    def publish_article(self, actor: A.User | None, question: str, audience: str = "clinician", *,
                        ip: str | None = None) -> dict[str, Any]:
        """Publish a canonical question as an article: submitted for review, with the entries its answer uses."""
        A.require(actor, "propose")
        assert actor is not None
        question = _text(question, "question", MAX_QUESTION).strip()
        if not question:
            raise InputError("give the question", field="question")
        if audience not in AUDIENCES:
            raise InputError(f"audience {audience!r} is not one of {', '.join(AUDIENCES)}", field="audience")
        kb_ids = self._article_kb_ids(question, audience)
        _, now = self._now()
        with self._write() as conn:
            aid = int(conn.execute(articles.insert().values(
                question=question, audience=audience, state="submitted", state_version=0, created_by=actor.id,
                created_at=now, note="")).inserted_primary_key[0])  # type: ignore[index]
            self._set_article_entries(conn, aid, kb_ids)
            audit.append(conn, actor=actor.name, action="article.publish", subject=f"article:{aid}",
                         detail={"question": question, "audience": audience, "kb_ids": kb_ids}, ip=ip, at=now)
        return self.article(aid)

    def act_article(self, actor: A.User | None, article_id: Any, action: str, *, expected: int | None = None,
                    comment: str = "", ip: str | None = None) -> dict[str, Any]:
        action, comment = _checked_action(actor, action, comment)
        assert actor is not None
        aid = _article_id(article_id)
        kb_ids = None
        if action == "submit":  # the answer may now rest on other entries: record them again
            with self._read() as conn:
                a0 = conn.execute(select(articles).where(articles.c.id == aid)).first()
            if a0 is None:
                raise UnknownNameError(f"no article A{aid}", field="id")
            kb_ids = self._article_kb_ids(a0.question, a0.audience)
        if action == "approve":
            with self._read() as conn:
                a1 = conn.execute(select(articles.c.created_by).where(articles.c.id == aid)).first()
            if a1 is None:
                raise UnknownNameError(f"no article A{aid}", field="id")
            self._four_eyes("article", aid, actor, a1.created_by, ip)
        _, now = self._now()
        with self._write() as conn:
            a = conn.execute(select(articles).where(articles.c.id == aid)).first()
            if a is None:
                raise UnknownNameError(f"no article A{aid}", field="id")
            own = a.created_by == actor.id
            if action in ("submit", "withdraw") and not own:
                raise PermissionDeniedError(f"only the author may {action} article A{aid}", field="id")
            if action in ("start", "approve", "request_changes") and own:
                raise PermissionDeniedError(f"{actor.name} published article A{aid}; another reviewer must "
                                            f"{action.replace('_', ' ')} it", field="id")
            if expected is not None and int(expected) != a.state_version:
                raise ConflictError(f"article A{aid} changed since you loaded it (it is now {a.state}); reload it",
                                    field="expected_version")
            allowed_from = {"submit": ("changes_requested",), "withdraw": ("submitted", "under_review",
                            "changes_requested", "approved"), "start": ("submitted",),
                            "approve": ("submitted", "under_review"), "request_changes": ("submitted", "under_review")}
            if a.state not in allowed_from[action]:
                raise ConflictError(f"article A{aid} is {a.state.replace('_', ' ')}; cannot "
                                    f"{action.replace('_', ' ')} it", field="state")
            choices: dict[str, dict[str, Any]] = {
                "submit": {"state": "submitted", "note": ""}, "withdraw": {"state": "withdrawn"},
                "start": {"state": "under_review", "reviewer_id": actor.id},
                "request_changes": {"state": "changes_requested", "reviewer_id": actor.id, "note": comment},
                "approve": {"state": "approved", "reviewer_id": actor.id, "approved_at": now, "last_updated": now[:10],
                            "note": ""}}
            values = choices[action]
            res = conn.execute(update(articles).where(articles.c.id == aid, articles.c.state_version == a.state_version)
                               .values(state_version=articles.c.state_version + 1, **values))
            if res.rowcount != 1:
                raise ConflictError(f"article A{aid} was changed by someone else at the same time; reload it",
                                    field="id")
            if kb_ids is not None:
                self._set_article_entries(conn, aid, kb_ids)
            detail: dict[str, Any] = {"from": a.state, "to": values["state"]}
            if action == "approve":  # record the exact entry versions the approved article rests on
                rows = conn.execute(select(article_entries.c.entry_key, kb_entries.c.current_hash)
                                    .join(kb_entries, kb_entries.c.key == article_entries.c.entry_key)
                                    .where(article_entries.c.article_id == aid)).all()
                for r in rows:
                    conn.execute(update(article_entries).where(and_(article_entries.c.article_id == aid,
                                                                    article_entries.c.entry_key == r.entry_key))
                                 .values(entry_hash=r.current_hash))
                detail["entries"] = {r.entry_key: r.current_hash for r in rows}
            if comment:
                detail["comment"] = comment
            audit.append(conn, actor=actor.name, action=f"article.{action}", subject=f"article:{aid}", detail=detail,
                         ip=ip, at=now)
        self._changed()
        return self.article(aid)

    def list_articles(self, *, state: str | None = None) -> list[dict[str, Any]]:
        author, reviewer = aliased(users), aliased(users)
        q = (select(articles, author.c.name.label("author"), reviewer.c.name.label("reviewer"))
             .join(author, author.c.id == articles.c.created_by)
             .outerjoin(reviewer, reviewer.c.id == articles.c.reviewer_id).order_by(articles.c.id.desc()))
        if state:
            if state not in ARTICLE_STATES:
                raise InputError(f"unknown state {state!r}; one of {', '.join(ARTICLE_STATES)}", field="state")
            q = q.where(articles.c.state == state)
        with self._read() as conn:
            return [_article_row(r) for r in conn.execute(q)]

    def article(self, article_id: Any) -> dict[str, Any]:
        aid = _article_id(article_id)
        author, reviewer = aliased(users), aliased(users)
        with self._read() as conn:
            r = conn.execute(select(articles, author.c.name.label("author"), reviewer.c.name.label("reviewer"))
                             .join(author, author.c.id == articles.c.created_by)
                             .outerjoin(reviewer, reviewer.c.id == articles.c.reviewer_id)
                             .where(articles.c.id == aid)).first()
            if r is None:
                raise UnknownNameError(f"no article A{aid}", field="id")
            entries = [{"kb_id": e.kb_id, "key": e.entry_key, "approved_hash": e.entry_hash,
                        "current_hash": e.current_hash,
                        "changed_since_approval": e.entry_hash is not None and e.entry_hash != e.current_hash}
                       for e in conn.execute(select(article_entries, kb_entries.c.current_hash)
                                             .join(kb_entries, kb_entries.c.key == article_entries.c.entry_key)
                                             .where(article_entries.c.article_id == aid)
                                             .order_by(article_entries.c.kb_id))]
            history = audit.rows(conn, subject=f"article:{aid}", limit=200)
        out = _article_row(r)
        out.update(record="nephroguide.article/1", entries=entries, history=list(reversed(history)))
        return out

    def article_for(self, question: str, audience: str) -> dict[str, Any] | None:
        """The published article for this exact question and audience (its review record), if any."""
        with self._read() as conn:
            r = conn.execute(select(articles.c.id).where(articles.c.question == question.strip(),
                                                         articles.c.audience == audience,
                                                         articles.c.state != "withdrawn")
                             .order_by(articles.c.id.desc())).first()
        return self.article(r.id) if r is not None else None

    # ------------------------------------------------------------------------------------------ export, audit

    def export(self, actor: A.User | None, *, to: Path | None = None, actor_name: str | None = None,
               ip: str | None = None) -> dict[str, Any]:
        """Write the approved pack to ``to`` (a new directory), or to ``<home>/pack`` and serve it."""
        from nephroguide.review.export import export_home, export_to

        if actor is not None:
            A.require(actor, "export")
        name = actor.name if actor is not None else (actor_name or "local")
        _, now = self._now()
        with self._write() as conn:  # the write lock keeps approvals out while we read every entry
            if to is not None:
                report = export_to(conn, to)
            else:
                if self.home is None:
                    raise InputError("no home directory to export to; give --to DIR", field="to")
                report = export_home(conn, self.home, now=now)
            audit.append(conn, actor=name, action="pack.export", subject=f"pack:{report['pack_version']}",
                         detail={k: report[k] for k in ("pack_version", "entries", "generation", "served")}
                         | {"to": "home" if to is None else "directory"}, ip=ip, at=now)
        return report

    def audit_rows(self, actor: A.User | None = None, *, limit: int = 50, before: int | None = None,
                   who: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        if actor is not None:
            A.require(actor, "audit")
        with self._read() as conn:
            return audit.rows(conn, limit=limit, before=before, actor=who, action=action)

    def audit_verify(self, actor: A.User | None = None) -> dict[str, Any]:
        if actor is not None:
            A.require(actor, "audit")
        with self._read() as conn:
            return audit.verify(conn)


def _article_id(value: Any) -> int:
    text = str(value).strip().upper()
    if text.startswith("A"):
        text = text[1:]
    try:
        aid = int(text)
    except ValueError:
        raise InputError(f"{str(value)[:40]!r} is not an article id (A12)", field="id") from None
    if not 0 < aid < 2**31:
        raise InputError(f"{aid} is not an article id", field="id")
    return aid


def _article_row(r: Any) -> dict[str, Any]:
    return {"id": f"A{r.id}", "question": r.question, "audience": r.audience, "state": r.state,
            "state_version": r.state_version, "author": r.author, "reviewer": r.reviewer, "created_at": r.created_at,
            "approved_at": r.approved_at, "last_updated": r.last_updated, "note": r.note}


def _checked_action(actor: A.User | None, action: str, comment: str) -> tuple[str, str]:
    """A review action's name and comment, after checking the action exists and the actor may take it."""
    action = action.replace("-", "_")
    if action not in PROPOSAL_ACTIONS:
        raise InputError(f"unknown action {action!r}; one of {', '.join(PROPOSAL_ACTIONS)}", field="action")
    A.require(actor, "review" if action in ("start", "approve", "request_changes") else "propose")
    comment = _text(comment, "comment")
    if action == "request_changes" and not comment.strip():
        raise InputError("say what should change", field="comment")
    return action, comment
