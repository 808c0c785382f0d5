"""Answers: question understanding, article composition and renderers (Markdown, JSON, HTML, family)."""
