"""Numbered Alembic revisions of the review store. Never edit an applied one: add a new revision."""
