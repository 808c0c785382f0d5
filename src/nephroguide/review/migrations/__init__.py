"""Alembic migrations of the review store (run programmatically by :func:`nephroguide.review.db.upgrade`)."""
