"""Editorial review: a medical board approves what nephroguide says (docs/review.md).

Knowledge entries are versioned in a store (SQLAlchemy; SQLite by default, PostgreSQL for shared
deployments; Alembic migrations); editors propose new versions, reviewers approve them; the engine
serves only approved versions (``nephroguide kb export`` -> ``<home>/pack``); an audit log records who
did what, tamper-evidently.

For the answer stage: ``review_status(kb_ids)`` says whether an answer's entries are all approved.
Nothing here is imported by ``import nephroguide``.
"""

from __future__ import annotations

from typing import Any


def review_status(kb_ids: Any, **kwargs: Any) -> dict[str, Any]:
    """``{"status", "last_updated", "pending", "unreviewed"}`` for an answer resting on ``kb_ids``
    (see :func:`nephroguide.review.status.review_status`)."""
    from nephroguide.review.status import review_status as _status

    return _status(kb_ids, **kwargs)


__all__ = ["review_status"]
