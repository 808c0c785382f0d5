"""The review store's tables (SQLAlchemy Core). The Alembic migrations in ``migrations/versions`` create them.

Times are ISO 8601 UTC strings of fixed width (``2026-11-21T09:30:00.000000Z``): they sort as text and
hash the same on SQLite and PostgreSQL. Content is canonical JSON text (see :mod:`.content`).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

ROLES = ("reader", "editor", "reviewer", "admin")
SYSTEM_ROLE = "system"  # the account that seeded the store from the shipped pack; cannot log in
PROPOSAL_STATES = ("draft", "submitted", "under_review", "changes_requested", "approved", "withdrawn")
OPEN_STATES = ("submitted", "under_review")
ACTIONS = ("seed", "edit", "add", "retire")
ARTICLE_STATES = ("submitted", "under_review", "changes_requested", "approved", "withdrawn")

metadata = MetaData()

users = Table(
    "review_users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
)

api_tokens = Table(
    "review_api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("review_users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(100), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
)

web_sessions = Table(
    "review_web_sessions", metadata,
    Column("id", String(64), primary_key=True),          # HMAC-SHA256(secret key, cookie value), hex
    Column("user_id", Integer, ForeignKey("review_users.id"), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)

login_failures = Table(
    "review_login_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

kb_files = Table(
    "review_kb_files", metadata,
    Column("path", String(200), primary_key=True),
    Column("header", Text, nullable=False),
)

kb_entries = Table(
    "review_kb_entries", metadata,
    Column("key", String(120), primary_key=True),        # id, or kind:id for sources, drugs, scales, sets
    Column("kind", String(20), nullable=False),
    Column("kb_id", String(80), nullable=False),
    Column("file", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("current_version_id", Integer),               # the approved version served (NULL: never approved)
    Column("current_hash", String(64)),
    Column("retired", Boolean, nullable=False, default=False),
    Column("lock_version", Integer, nullable=False, default=0),   # optimistic lock: +1 on every approval
    Column("updated_at", String(32), nullable=False),
)

kb_versions = Table(
    "review_kb_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),   # the proposal id
    Column("entry_key", String(120), ForeignKey("review_kb_entries.key"), nullable=False),
    Column("number", Integer, nullable=False),           # version number within the entry (seed = 1)
    Column("action", String(10), nullable=False),
    Column("content", Text, nullable=False),             # canonical JSON of the entry
    Column("content_hash", String(64), nullable=False),
    Column("base_version_id", Integer),                  # the approved version it was proposed against
    Column("base_hash", String(64)),
    Column("diff", Text, nullable=False),
    Column("comment", Text, nullable=False),
    Column("author_id", Integer, ForeignKey("review_users.id"), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("state", String(20), nullable=False),
    Column("state_version", Integer, nullable=False, default=0),  # optimistic lock: +1 on every transition
    Column("submitted_at", String(32)),
    Column("reviewer_id", Integer, ForeignKey("review_users.id")),
    Column("decided_at", String(32)),
    Column("approved_hash", String(64)),
    Column("review_comment", Text),
)

articles = Table(
    "review_articles", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question", Text, nullable=False),
    Column("audience", String(16), nullable=False),
    Column("state", String(20), nullable=False),
    Column("state_version", Integer, nullable=False, default=0),
    Column("created_by", Integer, ForeignKey("review_users.id"), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("reviewer_id", Integer, ForeignKey("review_users.id")),
    Column("approved_at", String(32)),
    Column("last_updated", String(10)),                  # date of the last approval
    Column("note", Text, nullable=False, default=""),    # why it went back to review, or the change request
)

article_entries = Table(
    "review_article_entries", metadata,
    Column("article_id", Integer, ForeignKey("review_articles.id"), primary_key=True),
    Column("entry_key", String(120), primary_key=True),
    Column("kb_id", String(80), nullable=False),
    Column("entry_hash", String(64)),                    # the entry's approved hash when the article was approved
)

audit_log = Table(
    "review_audit_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(160), nullable=False),
    Column("detail", Text, nullable=False),              # canonical JSON
    Column("ip", String(64)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

store_state = Table(
    "review_store_state", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),   # always 1
    Column("generation", Integer, nullable=False),       # +1 on every approval (keys exports and caches)
    Column("audit_seq", Integer, nullable=False),        # the audit chain's head
    Column("audit_hash", String(64), nullable=False),
    Column("seeded_pack_version", String(64)),
    Column("seeded_at", String(32)),
)
