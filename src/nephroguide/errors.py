"""The errors nephroguide raises, and how each maps to an exit code and an HTTP status.

Every error carries a one-line message that names what to change. Shells (CLI, HTTP, CDS Hooks)
translate these in one place each; nothing else in the package catches them to print.
"""

from __future__ import annotations

MAX_LINE = 2000  # characters of an error line (CLI stderr, HTTP detail)


class NephroguideError(Exception):
    """Something went wrong inside nephroguide (a bug, not the user's fault)."""

    exit_code = 1
    http_status = 500
    title = "Internal error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def one_line(self) -> str:
        """The message as one line, prefixed by the field it concerns when there is one; at most
        MAX_LINE characters whatever a message was built from (a last guard: messages quote short prefixes)."""
        text = " ".join(self.message[: 4 * MAX_LINE].split())
        if self.field and not text.startswith(self.field):
            text = f"{self.field[:200]}: {text}"
        return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


class InputError(NephroguideError):
    """The input is wrong: a field is missing, malformed, impossible, or in the wrong unit."""

    exit_code = 2
    http_status = 422
    title = "Invalid input"


class UsageError(InputError):
    """The command or request was used wrongly (unknown option value, missing argument)."""

    http_status = 400
    title = "Bad request"


class UnknownNameError(InputError):
    """A name (drug, definition set, knowledge id, session) is not known."""

    http_status = 404
    title = "Not found"


class KnowledgeError(NephroguideError):
    """The knowledge pack (or a user-supplied definition file) fails validation."""

    exit_code = 2
    http_status = 422
    title = "Invalid knowledge file"

    def __init__(self, message: str, *, file: str | None = None, kb_id: str | None = None,
                 field: str | None = None) -> None:
        where = ":".join(p for p in (file, kb_id, field) if p)
        super().__init__(f"{where}: {message}" if where else message, field=None)
        self.file = file
        self.kb_id = kb_id
        self.kb_field = field


class NotCoveredError(NephroguideError):
    """The question or patient lies outside what the knowledge pack covers."""

    exit_code = 3
    http_status = 200
    title = "Not covered"


class ConflictError(NephroguideError):
    """A write lost a race or contradicts the current state (stale version, duplicate)."""

    exit_code = 2
    http_status = 409
    title = "Conflict"


class AuthenticationError(NephroguideError):
    """No valid credentials: not logged in, a wrong password, an unknown or revoked token."""

    exit_code = 2
    http_status = 401
    title = "Unauthorized"


class PermissionDeniedError(NephroguideError):
    """The user is known but their role does not allow this (or it is their own proposal to approve)."""

    exit_code = 2
    http_status = 403
    title = "Forbidden"


class TooManyAttemptsError(NephroguideError):
    """Too many failed logins for this account from this address: wait before trying again."""

    exit_code = 2
    http_status = 429
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after_s: int = 900, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_s = retry_after_s
