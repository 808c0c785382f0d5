"""Review store: accounts, tokens, sessions, knowledge entries and versions, articles, audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64
T = sa.String(32)  # fixed-width ISO 8601 UTC time


def upgrade() -> None:
    op.create_table(
        "review_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", T, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.CheckConstraint("role IN ('reader', 'editor', 'reviewer', 'admin', 'system')", name="ck_review_users_role"),
    )
    op.create_table(
        "review_api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", T, nullable=False),
        sa.Column("revoked_at", T),
    )
    op.create_table(
        "review_web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
        sa.Column("created_at", T, nullable=False),
        sa.Column("expires_at", T, nullable=False),
    )
    op.create_index("ix_review_web_sessions_expiry", "review_web_sessions", ["expires_at"])
    op.create_table(
        "review_login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", T, nullable=False),
    )
    op.create_index("ix_review_login_failures_key", "review_login_failures", ["account", "ip", "at"])
    op.create_table(
        "review_kb_files",
        sa.Column("path", sa.String(200), primary_key=True),
        sa.Column("header", sa.Text, nullable=False),
    )
    op.create_table(
        "review_kb_entries",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("kb_id", sa.String(80), nullable=False),
        sa.Column("file", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("current_version_id", sa.Integer),
        sa.Column("current_hash", sa.String(64)),
        sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("lock_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", T, nullable=False),
    )
    op.create_index("ix_review_kb_entries_kb_id", "review_kb_entries", ["kb_id"])
    op.create_table(
        "review_kb_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_key", sa.String(120), sa.ForeignKey("review_kb_entries.key"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("base_version_id", sa.Integer),
        sa.Column("base_hash", sa.String(64)),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
        sa.Column("created_at", T, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("submitted_at", T),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("review_users.id")),
        sa.Column("decided_at", T),
        sa.Column("approved_hash", sa.String(64)),
        sa.Column("review_comment", sa.Text),
        sa.UniqueConstraint("entry_key", "number", name="uq_review_kb_versions_number"),
        sa.CheckConstraint("action IN ('seed', 'edit', 'add', 'retire')", name="ck_review_kb_versions_action"),
        sa.CheckConstraint("state IN ('draft', 'submitted', 'under_review', 'changes_requested', 'approved', "
                           "'withdrawn')", name="ck_review_kb_versions_state"),
        # an approval always records who approved and the exact content hash approved
        sa.CheckConstraint("state <> 'approved' OR (reviewer_id IS NOT NULL AND approved_hash = content_hash "
                           "AND decided_at IS NOT NULL)", name="ck_review_kb_versions_approval"),
    )
    op.create_index("ix_review_kb_versions_state", "review_kb_versions", ["state"])
    op.create_index("ix_review_kb_versions_entry", "review_kb_versions", ["entry_key"])
    op.create_table(
        "review_articles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("state_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("review_users.id"), nullable=False),
        sa.Column("created_at", T, nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("review_users.id")),
        sa.Column("approved_at", T),
        sa.Column("last_updated", sa.String(10)),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("state IN ('submitted', 'under_review', 'changes_requested', 'approved', 'withdrawn')",
                           name="ck_review_articles_state"),
    )
    op.create_table(
        "review_article_entries",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("review_articles.id"), primary_key=True),
        sa.Column("entry_key", sa.String(120), primary_key=True),
        sa.Column("kb_id", sa.String(80), nullable=False),
        sa.Column("entry_hash", sa.String(64)),
    )
    op.create_index("ix_review_article_entries_entry", "review_article_entries", ["entry_key"])
    op.create_table(
        "review_audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", T, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(160), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "review_store_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("audit_seq", sa.Integer, nullable=False),
        sa.Column("audit_hash", sa.String(64), nullable=False),
        sa.Column("seeded_pack_version", sa.String(64)),
        sa.Column("seeded_at", T),
        sa.CheckConstraint("id = 1", name="ck_review_store_state_one_row"),
    )
    op.execute(sa.text("INSERT INTO review_store_state (id, generation, audit_seq, audit_hash) "
                       f"VALUES (1, 0, 0, '{GENESIS}')"))
    # The audit log is append-only in the database too (verify catches what a superuser does anyway).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION review_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'review_audit_log is append-only'; END $$")
        op.execute("CREATE TRIGGER review_audit_log_no_change BEFORE UPDATE OR DELETE ON review_audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION review_audit_log_append_only()")
        op.execute("CREATE TRIGGER review_audit_log_no_truncate BEFORE TRUNCATE ON review_audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION review_audit_log_append_only()")
    else:
        op.execute("CREATE TRIGGER review_audit_log_no_update BEFORE UPDATE ON review_audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'review_audit_log is append-only'); END")
        op.execute("CREATE TRIGGER review_audit_log_no_delete BEFORE DELETE ON review_audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'review_audit_log is append-only'); END")


def downgrade() -> None:  # pragma: no cover - the store is never downgraded in place (restore a backup)
    raise NotImplementedError("the review store is not downgraded; restore a backup instead")
