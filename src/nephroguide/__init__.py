"""nephroguide: offline, deterministic, cited decision support for childhood nephrotic syndrome.

The public API is ``plan()``, ``dose()``, ``classify()``, ``remission()``, ``ask()``, ``cohort()`` and
``search()``. They are imported lazily so ``import nephroguide`` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ask", "classify", "cohort", "dose", "ingest", "plan", "remission", "search"]
__version__ = "0.1.0"

_LOCATIONS = {
    "plan": "nephroguide.api",
    "dose": "nephroguide.api",
    "classify": "nephroguide.api",
    "remission": "nephroguide.api",
    "ask": "nephroguide.api",
    "cohort": "nephroguide.api",
    "search": "nephroguide.api",
    "ingest": "nephroguide.api",
}


def __getattr__(name: str) -> Any:
    if name in _LOCATIONS:
        import importlib

        return getattr(importlib.import_module(_LOCATIONS[name]), name)
    raise AttributeError(f"module 'nephroguide' has no attribute {name!r}")
