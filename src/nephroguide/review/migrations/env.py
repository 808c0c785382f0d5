"""Alembic environment: always called by nephroguide with an open connection in ``config.attributes``.

The connection is already inside a transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL), so two processes upgrading at once run one after the other, and the second finds nothing
to do. The version table is ``review_alembic_version`` (other components may use Alembic too).
"""

from __future__ import annotations

from alembic import context

VERSION_TABLE = "review_alembic_version"

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic command line
    raise RuntimeError("run the review migrations with `nephroguide db upgrade`")

context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE,
                  render_as_batch=connection.dialect.name == "sqlite", transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
