"""Settings of the review workflow: the store's URL, the secret key, cookies, sessions and login throttling.

Environment:

* ``NEPHROGUIDE_DATABASE_URL``: the review store (default: SQLite under the home directory).
* ``NEPHROGUIDE_SECRET_KEY``: at least 32 characters, random (``python -c "import secrets;
  print(secrets.token_urlsafe(48))"``); when it is not set, a random key is generated on first use and kept in
  ``<home>/secret_key`` (mode 0600), so a fresh install works out of the box (several hosts sharing one
  PostgreSQL store must share the key: set the variable). It keys the web session ids stored in the database (a copied
  database does not yield usable session cookies; changing the key logs everyone out). Refused when short
  or a well-known placeholder, unless development mode is on.
* ``NEPHROGUIDE_DEV=1``: development mode: a missing key is replaced by a random one for this process (web
  sessions then end with the process and do not work across several workers) and cookies default to
  not-Secure so that plain-HTTP loopback works.
* ``NEPHROGUIDE_SECURE_COOKIES``: ``1`` or ``0`` forces the Secure flag of the login cookie (default: on,
  except in development mode).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from nephroguide.errors import InputError

SESSION_TTL_S = 8 * 3600          # a web login lasts 8 hours (fixed, not sliding)
MAX_FAILURES = 5                  # failed logins per account and address ...
FAILURE_WINDOW_S = 15 * 60        # ... within 15 minutes -> 429 until the oldest failure leaves the window
MIN_SECRET_LEN = 32
_PLACEHOLDERS = {"changeme", "change-me", "change_me", "secret", "secret-key", "secretkey", "default", "dev",
                 "development", "insecure", "password", "nephroguide", "please-change-me", "your-secret-key"}


def check_secret(key: str) -> str:
    """The key if it is usable in production; InputError naming NEPHROGUIDE_SECRET_KEY otherwise."""
    k = key.strip()
    if not k:
        raise InputError("is empty: set it to a random string of at least 32 characters (or NEPHROGUIDE_DEV=1 on a "
                         "development machine)", field="NEPHROGUIDE_SECRET_KEY")
    low = k.lower()
    if low in _PLACEHOLDERS or any(p in low for p in ("change", "placeholder", "example")) or len(set(k)) < 8:
        raise InputError("is a placeholder, not a secret: use a random string of at least 32 characters",
                         field="NEPHROGUIDE_SECRET_KEY")
    if len(k) < MIN_SECRET_LEN:
        raise InputError(f"is {len(k)} characters; use a random string of at least {MIN_SECRET_LEN}",
                         field="NEPHROGUIDE_SECRET_KEY")
    return k


SECRET_FILE = "secret_key"


def home_secret(home: Path) -> str:
    """The secret kept in ``<home>/secret_key`` (mode 0600), created with 48 random bytes on first use.

    Several processes may start at once: the file is created exclusively (``O_EXCL``), so they all end up
    reading the one that was written first. A file that is not a usable secret is refused, naming it.
    """
    path = home / SECRET_FILE
    if not path.exists():
        from nephroguide.store.paths import private_dir

        private_dir(home)  # 0700 when created here
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}; remove it to have a new one "
                         "made, or set NEPHROGUIDE_SECRET_KEY", field="NEPHROGUIDE_SECRET_KEY") from None
    try:
        return check_secret(text)
    except InputError as exc:
        raise InputError(f"{path} {exc.message}", field="NEPHROGUIDE_SECRET_KEY") from None


# Four eyes: an account created, re-roled or given credentials by X within this period cannot approve X's work.
COOLING_OFF_S = 7 * 86400


@dataclass(frozen=True)
class ReviewSettings:
    """How the review workflow behaves in one process (the web app keeps one in ``app.state``)."""

    database_url: str
    secret_key: bytes
    dev_mode: bool = False
    secure_cookies: bool = True
    session_ttl_s: int = SESSION_TTL_S
    max_failures: int = MAX_FAILURES
    failure_window_s: int = FAILURE_WINDOW_S
    home: Path | None = None
    auto_export: bool = True      # export the approved pack to <home>/pack after every approval
    cooling_off_s: int = COOLING_OFF_S  # four eyes: see Review.cooling_off_s

    @classmethod
    def from_env(cls, home: str | Path | None = None) -> ReviewSettings:
        from nephroguide.review.db import normalize_url
        from nephroguide.store.paths import DATABASE_FILE, home_dir

        dev = os.environ.get("NEPHROGUIDE_DEV", "").strip().lower() in {"1", "true", "yes"}
        raw = os.environ.get("NEPHROGUIDE_SECRET_KEY", "")
        home_path = home_dir(home)
        if dev and not raw.strip():
            key = secrets.token_urlsafe(48)
        elif dev:
            key = raw.strip()
        elif not raw.strip():
            key = home_secret(home_path)   # out of the box: generated on first use, kept under the home (0600)
        else:
            key = check_secret(raw)
        env_url = os.environ.get("NEPHROGUIDE_DATABASE_URL", "").strip()
        url = normalize_url(env_url) if env_url else f"sqlite:///{home_path / DATABASE_FILE}"
        secure_env = os.environ.get("NEPHROGUIDE_SECURE_COOKIES", "").strip().lower()
        secure = secure_env in {"1", "true", "yes"} if secure_env else not dev
        cooling = os.environ.get("NEPHROGUIDE_REVIEW_COOLING_OFF_DAYS", "").strip()
        try:
            cooling_s = int(float(cooling) * 86400) if cooling else COOLING_OFF_S
        except ValueError:
            raise InputError(f"NEPHROGUIDE_REVIEW_COOLING_OFF_DAYS must be a number of days, got {cooling[:20]!r}",
                             field="NEPHROGUIDE_REVIEW_COOLING_OFF_DAYS") from None
        if not 0 <= cooling_s <= 3650 * 86400:
            raise InputError("NEPHROGUIDE_REVIEW_COOLING_OFF_DAYS must be between 0 and 3650",
                             field="NEPHROGUIDE_REVIEW_COOLING_OFF_DAYS")
        return cls(database_url=url, secret_key=key.encode("utf-8"), dev_mode=dev, secure_cookies=secure,
                   home=home_path, cooling_off_s=cooling_s)
