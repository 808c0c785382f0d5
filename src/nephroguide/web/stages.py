"""Which optional stages of nephroguide are installed: pages and endpoints degrade gracefully without them."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any


def ask_function() -> Callable[..., Any] | None:
    """``nephroguide.api.ask`` when the question answerer is wired, else None."""
    from nephroguide import api

    fn = getattr(api, "ask", None)
    return fn if callable(fn) else None


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def cohort_function() -> Callable[..., Any] | None:
    if not _has("nephroguide.cohort"):
        return None
    import importlib

    # The module itself: ``from nephroguide import cohort`` gives the package's lazily exported API
    # *function* (nephroguide.__getattr__), which has no ``cohort`` attribute: every request was a 501.
    cohort_pkg = importlib.import_module("nephroguide.cohort")
    fn = getattr(cohort_pkg, "cohort", None)
    return fn if callable(fn) else None


def library_available() -> bool:
    return _has("nephroguide.library.search")


def available() -> dict[str, bool]:
    return {"ask": ask_function() is not None, "cohort": cohort_function() is not None,
            "library": library_available()}
