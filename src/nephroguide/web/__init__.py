"""nephroguide on the web: the JSON API (``/api/v1``), server-rendered pages and a CDS Hooks 2.0 service.

``create_app(settings)`` in :mod:`nephroguide.web.app` builds the FastAPI application; ``nephroguide
serve`` runs it with uvicorn. Everything here is a thin shell over :mod:`nephroguide.api`: no clinical
logic, no dose numbers, and errors are mapped to HTTP in one place (:mod:`nephroguide.web.problems`).
See ``docs/web.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nephroguide.web.app import create_app
    from nephroguide.web.settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from nephroguide.web.app import create_app

        return create_app
    if name == "Settings":
        from nephroguide.web.settings import Settings

        return Settings
    raise AttributeError(f"module 'nephroguide.web' has no attribute {name!r}")
