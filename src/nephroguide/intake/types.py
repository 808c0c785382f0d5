"""The normalised patient the engine reads: validated, units converted, names resolved.

Intake turns a patient record v1 (JSON/YAML, see ``docs/patient-record.md``) into these frozen
types. Nothing downstream sees raw input: every lab has a canonical unit, every drug a generic id,
and every value the program worked out itself is listed in ``Patient.derived``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Canonical unit per numeric test. Engine thresholds may also name the unit the source writes
# (e.g. UPCR in mg/mmol); ``Lab.given_unit``/``given_value`` keep what the record said.
CANONICAL_UNITS: dict[str, str] = {
    "upcr": "mg/mg",
    "urine_protein_24h": "mg/m2/day",
    "albumin": "g/dL",
    "creatinine": "mg/dL",
    "egfr": "mL/min/1.73m2",
    "tacrolimus_trough": "ng/mL",
    "cyclosporine_trough": "ng/mL",
    "potassium": "mmol/L",
    "magnesium": "mmol/L",
    "glucose": "mmol/L",
    "cholesterol": "mmol/L",
    "ldl": "mmol/L",
    "igg": "g/L",
    "cd19": "cells/uL",
    "tsh": "mIU/L",
    "vitamin_d": "nmol/L",
}

CATEGORICAL_TESTS: dict[str, tuple[str, ...]] = {
    "dipstick": ("negative", "trace", "1+", "2+", "3+", "4+"),
}

# Plausible body size (patient record v1): outside these a value is an input error, not a child.
WEIGHT_RANGE_KG = (0.5, 250.0)
HEIGHT_RANGE_CM = (30.0, 220.0)
BSA_RANGE_M2 = (0.1, 3.0)

EVENT_TYPES = ("relapse", "remission", "infection", "thrombosis", "aki", "hypertension", "transplant", "dialysis",
               "edema")
HISTOLOGIES = ("mcd", "fsgs", "mespgn", "c1q", "igm", "mcd_variant", "other", "not_done")
GENETIC_STATUSES = ("not_done", "pending", "no_variant", "vus", "pathogenic")
SEXES = ("male", "female", "other", "unknown")


@dataclass(frozen=True)
class Lab:
    """One lab result. Numeric results carry the canonical unit; categorical ones carry ``category``."""

    date: dt.date
    test: str
    value: float | None
    unit: str | None
    category: str | None = None
    given_value: float | None = None
    given_unit: str | None = None
    derived: bool = False
    index: int | None = None  # position in the record's labs[], for messages

    def display(self) -> str:
        """The result as the record gave it, e.g. '4.8 mg/mg' or '3+'."""
        if self.category is not None:
            return self.category
        v = self.given_value if self.given_value is not None else self.value
        u = self.given_unit or self.unit or ""
        return f"{_num(v)} {u}".strip()


@dataclass(frozen=True)
class Medication:
    """One medication course, with the drug resolved to its generic id."""

    drug: str                 # generic id after equivalence (prednisone -> prednisolone)
    given_name: str           # as written in the record
    start: dt.date
    end: dt.date | None       # None = still taking it on as_of
    dose: float | None = None
    dose_unit: str | None = None
    frequency: str | None = None          # normalised: daily, bid, tid, alternate_days, weekly, monthly, once
    doses_per_day: float | None = None    # for daily patterns
    route: str | None = None
    mg_per_day: float | None = None       # derived where the unit and the child's size allow
    mg_per_kg_day: float | None = None
    mg_per_m2_day: float | None = None
    alternate_days: bool = False
    index: int | None = None
    mg_per_dose: float | None = None      # one administration (daily doses split by doses_per_day;
    mg_per_kg_dose: float | None = None   # one per period for mg/m2/month-style units)
    mg_per_m2_dose: float | None = None

    def active_on(self, day: dt.date) -> bool:
        """True if the course covers this day."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Event:
    """A clinician-stated event (relapse, remission, infection, ...)."""

    date: dt.date
    type: str
    note: str = ""
    index: int | None = None


@dataclass(frozen=True)
class Patient:
    """A validated child, ready for the engine."""

    as_of: dt.date
    age_years: float
    id: str | None = None
    birth_date: dt.date | None = None
    sex: str = "unknown"
    weight_kg: float | None = None
    height_cm: float | None = None
    bsa_m2: float | None = None
    egfr: float | None = None
    egfr_date: dt.date | None = None
    onset_date: dt.date | None = None
    histology: str | None = None
    biopsy_date: dt.date | None = None
    genetic_status: str | None = None
    genes: tuple[str, ...] = ()
    labs: tuple[Lab, ...] = ()
    medications: tuple[Medication, ...] = ()
    events: tuple[Event, ...] = ()
    assessment: dict[str, str] = field(default_factory=dict)
    edema: bool | None = None
    derived: tuple[str, ...] = ()

    @property
    def stated_bsa_m2(self) -> float | None:
        """The body surface area the record states (None when it was worked out from height and weight)."""
        return self.bsa_m2 if "bsa_m2" not in self.derived else None

    def labs_of(self, *tests: str) -> list[Lab]:
        """Labs of the given tests, in date order."""
        return [lab for lab in self.labs if lab.test in tests]


def _num(v: float | None) -> str:
    if v is None:
        return "?"
    return f"{v:g}"
