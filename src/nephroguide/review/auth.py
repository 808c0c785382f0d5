"""Accounts, roles, passwords (argon2id), API tokens, web sessions and login throttling.

* Passwords: argon2id via argon2-cffi (its default parameters), re-hashed on login when they change.
  An unknown account is checked against a dummy hash so that timing does not reveal which names exist.
* API tokens: ``ngt_`` + 32 random bytes (URL-safe base64); only their sha256 is stored; shown once.
* Web sessions: a random cookie value; the database keeps HMAC-SHA256(secret key, value) and an expiry.
* Throttling: 5 failed logins for one account from one address within 15 minutes -> 429 until the oldest
  failure leaves the window; counted in the database so every app process sees the same count.
* Roles: every write checks the role here, on the server (:func:`require`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from nephroguide.errors import (
    AuthenticationError,
    InputError,
    PermissionDeniedError,
    TooManyAttemptsError,
    UnknownNameError,
)
from nephroguide.review.schema import ROLES, api_tokens, login_failures, users, web_sessions

NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,63}$")
RESERVED = {"system", "bootstrap", "anonymous", "root"}
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
TOKEN_PREFIX = "ngt_"

# what each role may do (admin manages accounts and the store but does not approve clinical content)
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"reader", "editor", "reviewer", "admin"}),
    "propose": frozenset({"editor", "reviewer", "admin"}),
    "review": frozenset({"reviewer"}),
    "export": frozenset({"reviewer", "admin"}),
    "audit": frozenset({"reviewer", "admin"}),
    "users": frozenset({"admin"}),
}
_WHAT = {"read": "read the review store", "propose": "propose or publish changes",
         "review": "review, approve or request changes", "export": "export the approved pack",
         "audit": "read the audit log", "users": "manage accounts"}


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role}


def require(user: User | None, permission: str) -> User:
    """The user if their role allows ``permission``; 401 without a user, 403 with the wrong role."""
    if user is None:
        raise AuthenticationError("log in first (a web session, or an API token: Authorization: Bearer ...)",
                                  field="authorization")
    allowed = PERMISSIONS[permission]
    if user.role not in allowed:
        raise PermissionDeniedError(f"{user.name} has role {user.role}; to {_WHAT[permission]} needs "
                                    f"{' or '.join(sorted(allowed))}", field="role")
    return user


def check_name(name: str) -> str:
    n = name.strip()
    if not NAME.match(n) or n in RESERVED:
        raise InputError(f"{name[:70]!r} is not an account name: 2-64 lowercase letters, digits, '.', '_' or '-' "
                         "(not system, bootstrap, anonymous or root)", field="name")
    return n


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; one of {', '.join(ROLES)}", field="role")
    return role


def check_password(password: str) -> str:
    if not (MIN_PASSWORD <= len(password) <= MAX_PASSWORD):
        raise InputError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters", field="password")
    return password


@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return str(_hasher().hash(secrets.token_urlsafe(16)))


def hash_password(password: str) -> str:
    return str(_hasher().hash(check_password(password)))


def _verify_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash); always spends one argon2 verification."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        ok = bool(_hasher().verify(stored or _dummy_hash(), password[:MAX_PASSWORD]))
    except (VerificationError, InvalidHashError):
        return False, False
    return ok and stored is not None, ok and stored is not None and _hasher().check_needs_rehash(stored)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def session_id(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, cookie.encode("utf-8"), hashlib.sha256).hexdigest()


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(s: str) -> dt.datetime:
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def user_by_name(conn: Connection, name: str) -> Any:
    return conn.execute(select(users).where(users.c.name == name)).first()


def get_user(conn: Connection, name: str) -> User:
    row = user_by_name(conn, name)
    if row is None or row.role == "system":
        raise UnknownNameError(f"no account {name[:70]!r}", field="name")
    return User(row.id, row.name, row.role)


# ------------------------------------------------------------------------------------------------ logins

def throttled_for(conn: Connection, account: str, ip: str, now: dt.datetime, max_failures: int,
                  window_s: int) -> int:
    """Seconds to wait when this account+address has too many recent failures (0: may try)."""
    since = _iso(now - dt.timedelta(seconds=window_s))
    q = (select(func.count(), func.min(login_failures.c.at))
         .where(login_failures.c.account == account, login_failures.c.ip == ip, login_failures.c.at > since))
    n, oldest = conn.execute(q).one()
    if n < max_failures or oldest is None:
        return 0
    return max(1, math.ceil((_parse(oldest) + dt.timedelta(seconds=window_s) - now).total_seconds()))


def record_failure(conn: Connection, account: str, ip: str, now: dt.datetime, window_s: int) -> None:
    conn.execute(delete(login_failures).where(login_failures.c.account == account, login_failures.c.ip == ip,
                                              login_failures.c.at <= _iso(now - dt.timedelta(seconds=window_s))))
    conn.execute(login_failures.insert().values(account=account, ip=ip, at=_iso(now)))


def clear_failures(conn: Connection, account: str, ip: str) -> None:
    conn.execute(delete(login_failures).where(login_failures.c.account == account, login_failures.c.ip == ip))


def check_password_login(conn: Connection, name: str, password: str) -> tuple[User | None, bool]:
    """(user or None, needs_rehash). Spends one argon2 verification whether or not the account exists."""
    row = user_by_name(conn, name)
    usable = row is not None and row.active and row.role != "system"
    ok, rehash = _verify_password(row.password_hash if usable else None, password)
    if not ok or row is None:
        return None, False
    return User(row.id, row.name, row.role), rehash


def throttle_error(wait_s: int) -> TooManyAttemptsError:
    return TooManyAttemptsError(f"too many failed logins for this account from this address; try again in "
                                f"{(wait_s + 59) // 60} minutes", retry_after_s=wait_s, field="password")


# ------------------------------------------------------------------------------------------------ tokens, sessions

def user_for_token(conn: Connection, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = conn.execute(
        select(users.c.id, users.c.name, users.c.role, users.c.active, api_tokens.c.revoked_at)
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or not row.active or row.role == "system":
        return None
    return User(row.id, row.name, row.role)


def create_token(conn: Connection, user: User, label: str, now: str) -> str:
    token = new_token()
    conn.execute(api_tokens.insert().values(user_id=user.id, token_hash=token_hash(token), label=label[:100],
                                            created_at=now))
    return token


def revoke_tokens(conn: Connection, user: User, now: str) -> int:
    res = conn.execute(update(api_tokens).where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
                       .values(revoked_at=now))
    return int(res.rowcount or 0)


def create_session(conn: Connection, user: User, secret: bytes, now: dt.datetime, ttl_s: int) -> str:
    cookie = secrets.token_urlsafe(32)
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < _iso(now)))
    conn.execute(web_sessions.insert().values(id=session_id(secret, cookie), user_id=user.id, created_at=_iso(now),
                                              expires_at=_iso(now + dt.timedelta(seconds=ttl_s))))
    return cookie


def user_for_session(conn: Connection, cookie: str, secret: bytes, now: dt.datetime) -> User | None:
    if not cookie or len(cookie) > 200:
        return None
    row = conn.execute(
        select(users.c.id, users.c.name, users.c.role, users.c.active, web_sessions.c.expires_at)
        .join(web_sessions, web_sessions.c.user_id == users.c.id)
        .where(web_sessions.c.id == session_id(secret, cookie))).first()
    if row is None or not row.active or row.expires_at <= _iso(now) or row.role == "system":
        return None
    return User(row.id, row.name, row.role)


def end_session(conn: Connection, cookie: str, secret: bytes) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id(secret, cookie)))


def end_sessions_of(conn: Connection, user: User) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user.id))
