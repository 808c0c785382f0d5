"""Intake: patient record v1 (JSON/YAML) -> a validated, normalised :class:`~nephroguide.intake.types.Patient`.

- :func:`read_record_file` reads a file (a ``Path``) or record text (a ``str``, e.g. stdin);
- :func:`load_patient` validates the record and normalises it: units converted to canonical ones
  (``units``), drug names resolved to generic ids (``drugs``), derived values computed (``derive``:
  age, BSA, bedside eGFR, per-day doses) and listed in ``Patient.derived``.

Exports are imported lazily, so ``import nephroguide.intake.types`` stays free of pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nephroguide.intake.record import load_patient, read_record_file

__all__ = ["load_patient", "read_record_file"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from nephroguide.intake import record

        return getattr(record, name)
    raise AttributeError(f"module 'nephroguide.intake' has no attribute {name!r}")
