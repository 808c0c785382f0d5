"""Shared test helpers: build normalised patients directly, without going through intake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nephroguide.intake.types import Event, Lab, Medication, Patient

D = dt.date
PATIENTS_DIR = Path(__file__).parent / "patients"


def pytest_configure(config: pytest.Config) -> None:
    """Start-up caches (nephroguide/cache.py) of a test run live in a directory of its own, never the user's."""
    import os
    import tempfile

    if "NEPHROGUIDE_CACHE_DIR" not in os.environ:
        os.environ["NEPHROGUIDE_CACHE_DIR"] = config._nephroguide_cache = tempfile.mkdtemp(prefix="nephroguide-cache-")  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    path = getattr(config, "_nephroguide_cache", None)
    if path:
        shutil.rmtree(path, ignore_errors=True)

_CANON = {"upcr": "mg/mg", "albumin": "g/dL", "creatinine": "mg/dL", "egfr": "mL/min/1.73m2",
          "urine_protein_24h": "mg/m2/day"}


def lab(day: dt.date, test: str, value: float | str, unit: str | None = None) -> Lab:
    """A normalised lab. Numeric values are given in the canonical unit unless ``unit`` says mg/mmol or g/L."""
    if isinstance(value, str):
        return Lab(date=day, test=test, value=None, unit=None, category=value)
    canon = _CANON.get(test, unit or "")
    v = float(value)
    given_unit = unit or canon
    if test == "upcr" and unit == "mg/mmol":
        v = value / 113.12
    if test == "albumin" and unit == "g/L":
        v = value / 10
    return Lab(date=day, test=test, value=v, unit=canon, given_value=float(value), given_unit=given_unit)


def pred(start: dt.date, end: dt.date | None, mg_m2_day: float = 60, alternate: bool = False) -> Medication:
    return Medication(drug="prednisolone", given_name="prednisolone", start=start, end=end, dose=mg_m2_day,
                      dose_unit="mg/m2" if alternate else "mg/m2/day",
                      frequency="alternate_days" if alternate else "daily", doses_per_day=1,
                      mg_per_m2_day=mg_m2_day, alternate_days=alternate)


def drug(name: str, start: dt.date, end: dt.date | None = None) -> Medication:
    return Medication(drug=name, given_name=name, start=start, end=end)


def child(*, as_of: dt.date = D(2026, 11, 21), labs: list[Lab] | None = None, meds: list[Medication] | None = None,
          events: list[Event] | None = None, age: float = 6.0, **kw: object) -> Patient:
    return Patient(as_of=as_of, age_years=age, weight_kg=kw.pop("weight_kg", 20.0),  # type: ignore[arg-type]
                   height_cm=kw.pop("height_cm", 115.0), labs=tuple(sorted(labs or [], key=lambda x: x.date)),  # type: ignore[arg-type]
                   medications=tuple(meds or []), events=tuple(events or []), **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pack():
    from nephroguide.knowledge.pack import load_pack

    return load_pack()


@pytest.fixture(scope="session")
def current(pack):
    return pack.definition_sets["current"]
