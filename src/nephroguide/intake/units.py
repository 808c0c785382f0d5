"""Lab and dose units: which units each test accepts, their canonical spelling, and conversions.

Units are parsed and converted with pint, using a SMALL registry built from ``units.txt`` (the full
default registry costs ~150 ms more at start-up). pint itself is imported only when a record uses a
unit that is not already written the way this module spells it, or needs a conversion: a record
written in canonical units never imports pint. The registry and every conversion factor are
built once per process and cached.

Conversions between amounts of substance and masses use the molar mass of what is measured
(creatinine 113.12 g/mol, so UPCR 1 mg/mg = 113.12 mg/mmol and creatinine 1 mg/dL = 88.4 µmol/L);
milliequivalents use the ion's valence; 24-hour urine protein per day <-> per m² needs the child's
body surface area. The program never guesses a unit: a unit that is missing or not accepted for the
test is an :class:`~nephroguide.errors.InputError` that names the field and lists what is accepted.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from nephroguide.errors import InputError
from nephroguide.intake.safeload import short
from nephroguide.intake.types import CANONICAL_UNITS, CATEGORICAL_TESTS

UNITS_FILE = Path(__file__).with_name("units.txt")
LIMITS_FILE = Path(__file__).with_name("limits.yaml")

# Accepted units per numeric test, in the spelling this module returns (the canonical unit of
# CANONICAL_UNITS is among them). Other spellings of the same unit are accepted and normalised
# ("umol/l", "µmol/L", "mg/dl", "ml/min/1.73 m²", "ug/L" = "ng/mL", "cells/mm3" = "cells/uL").
TEST_UNITS: dict[str, tuple[str, ...]] = {
    "upcr": ("mg/mg", "g/g", "mg/mmol", "g/mmol", "mg/g"),
    "urine_protein_24h": ("mg/m2/day", "mg/m2/h", "mg/day", "g/day"),
    "albumin": ("g/dL", "g/L"),
    "creatinine": ("mg/dL", "umol/L"),
    "egfr": ("mL/min/1.73m2",),
    "tacrolimus_trough": ("ng/mL",),
    "cyclosporine_trough": ("ng/mL",),
    "potassium": ("mmol/L", "mEq/L"),
    "magnesium": ("mmol/L", "mg/dL", "mEq/L"),
    "glucose": ("mmol/L", "mg/dL"),
    "cholesterol": ("mmol/L", "mg/dL"),
    "ldl": ("mmol/L", "mg/dL"),
    "igg": ("g/L", "mg/dL"),
    "cd19": ("cells/uL",),
    "tsh": ("mIU/L",),
    "vitamin_d": ("nmol/L", "ng/mL"),
}

# Molar mass (g/mol) of what a test measures, for mass <-> amount-of-substance conversions.
# UPCR's denominator is urine creatinine; vitamin D is 25-hydroxyvitamin D3.
MOLAR_MASS_G_PER_MOL: dict[str, float] = {
    "upcr": 113.12,
    "creatinine": 113.12,
    "glucose": 180.16,
    "cholesterol": 386.65,
    "ldl": 386.65,
    "magnesium": 24.305,
    "vitamin_d": 400.64,
}

# Charge of the ion, for milliequivalent <-> millimole conversions.
VALENCE: dict[str, int] = {"potassium": 1, "magnesium": 2}

# Tests whose per-day and per-m² forms convert through the child's body surface area.
BSA_TESTS = frozenset({"urine_protein_24h"})

NUMERIC_TESTS: tuple[str, ...] = tuple(TEST_UNITS)
KNOWN_TESTS: tuple[str, ...] = (*TEST_UNITS, *CATEGORICAL_TESTS)


# ------------------------------------------------------------------------------------ spelling

def clean_unit(text: str) -> str:
    """A unit string in the form the registry parses: no spaces, ASCII micro, powers spelled ``**``.

    ``"µmol / L"`` -> ``"umol/L"``; ``"ml/min/1.73 m²"`` -> ``"ml/min/standard_bsa"``;
    ``"mg/m2/24h"`` -> ``"mg/m**2/day"``. Case is kept (``mg`` and ``Mg`` differ to pint).
    """
    s = unicodedata.normalize("NFKC", text)  # "²" -> "2", micro sign -> Greek mu
    s = re.sub(r"\s+", "", s).replace("μ", "u").replace("·", "*")
    s = re.sub(r"mcg", "ug", s, flags=re.IGNORECASE)
    s = re.sub(r"1\.73m(?:\^|\*\*)?2", "standard_bsa", s, flags=re.IGNORECASE)
    s = re.sub(r"/24(?:h|hr|hrs|hours?)$", "/day", s, flags=re.IGNORECASE)
    s = re.sub(r"(?<=[A-Za-z])(?:\^|\*\*)?([23])(?![0-9.])", r"**\1", s)
    return s


@cache
def _spelling_index(test: str) -> dict[str, str]:
    """Cleaned, case-folded spelling -> accepted spelling, for the tests' accepted units."""
    return {clean_unit(u).casefold(): u for u in TEST_UNITS[test]}


def accepted_units(test: str) -> tuple[str, ...]:
    """The units a numeric test accepts, canonical-spelled."""
    _check_test(test)
    if test in CATEGORICAL_TESTS:
        return ()
    return TEST_UNITS[test]


MAX_UNIT_CHARS = 40  # every accepted spelling is far shorter; parsing time must not depend on what is sent


def _check_length(unit: str, field: str | None) -> None:
    """Refuse a unit longer than MAX_UNIT_CHARS before any parsing (pint's time grows with its length)."""
    if len(unit) > MAX_UNIT_CHARS:
        raise InputError(f"unit is too long ({len(unit)} characters; at most {MAX_UNIT_CHARS}): {short(unit)}",
                         field=field)


def _check_test(test: str, field: str | None = None) -> None:
    if test not in TEST_UNITS and test not in CATEGORICAL_TESTS:
        raise InputError(f"unknown test {short(test)}; known tests: {', '.join(KNOWN_TESTS)}", field=field)


def normalise_unit(test: str, unit: str, *, field: str | None = None) -> str:
    """The accepted spelling of ``unit`` for ``test`` (``"umol/l"`` -> ``"umol/L"``).

    Raises InputError (naming ``field``) if the test is unknown, takes no unit, or does not accept
    this unit; the message lists the accepted units. Never picks a "closest" unit.
    """
    _check_test(test, field)
    if test in CATEGORICAL_TESTS:
        raise InputError(f"{test} results have no unit; remove unit (got {short(unit)})", field=field)
    if not isinstance(unit, str) or not unit.strip():
        raise InputError(f"unit is required for {test}; accepted: {', '.join(TEST_UNITS[test])}", field=field)
    accepted = TEST_UNITS[test]
    if unit in accepted:
        return unit
    _check_length(unit, field)
    cleaned = clean_unit(unit)
    hit = _spelling_index(test).get(cleaned.casefold())
    if hit is not None:
        return hit
    # A different spelling of the same quantity ("ug/L" for "ng/mL")? Ask pint.
    same = _same_quantity(test, cleaned)
    if same is not None:
        return same
    raise InputError(f"unit {short(unit)} is not accepted for {test}; use one of: {', '.join(accepted)}",
                     field=field)


def _same_quantity(test: str, cleaned: str) -> str | None:
    reg = registry()
    try:
        given = reg.Quantity(1.0, cleaned)
    except Exception:  # pint raises several error types for unparsable text
        return None
    for acc in TEST_UNITS[test]:
        target = reg.Quantity(1.0, clean_unit(acc))
        if given.dimensionality != target.dimensionality:
            continue
        if math.isclose(float(given.to(target.units).magnitude), 1.0, rel_tol=1e-9):
            return acc
    return None


# ------------------------------------------------------------------------------------ registry

@cache
def registry() -> Any:
    """The process-wide pint registry built from ``units.txt`` (imports pint on first use)."""
    import pint

    return pint.UnitRegistry(str(UNITS_FILE), cache_folder=None)


@lru_cache(maxsize=512)
def _factor(test: str, from_unit: str, to_unit: str) -> tuple[float, int]:
    """(factor, bsa_power) with ``to = from × factor × bsa**bsa_power``, for accepted spellings.

    Tries the test's bridges (molar mass, valence, 1 m² of body surface) at powers 0, +1, -1 until
    the dimensions match; dividing by 1 m² stands for dividing by the child's BSA in m².
    """
    if from_unit == to_unit:
        return 1.0, 0
    reg = registry()
    q_from = reg.Quantity(1.0, clean_unit(from_unit))
    q_to = reg.Quantity(1.0, clean_unit(to_unit))
    bridges: list[tuple[Any, int]] = []  # (pint quantity, counts as a BSA power?)
    if test in MOLAR_MASS_G_PER_MOL:
        bridges.append((reg.Quantity(MOLAR_MASS_G_PER_MOL[test], "g/mol"), 0))
    if test in VALENCE:
        bridges.append((reg.Quantity(VALENCE[test], "Eq/mol"), 0))
    if test in BSA_TESTS:
        bridges.append((reg.Quantity(1.0, "m**2"), 1))
    for powers in itertools.product((0, 1, -1), repeat=len(bridges)):
        q = q_from
        bsa_power = 0
        for (bridge, is_bsa), p in zip(bridges, powers, strict=True):
            if p:
                q = q * bridge**p
                bsa_power += p * is_bsa
        if q.dimensionality == q_to.dimensionality:
            return float(q.to(q_to.units).magnitude), bsa_power
    raise InputError(f"cannot convert {test} from {from_unit} to {to_unit}")  # pragma: no cover


def convert(test: str, value: float, from_unit: str, to_unit: str, *, bsa: float | None = None,
            field: str | None = None) -> float:
    """Convert a lab value of ``test`` between two of its accepted units.

    Creatinine-based conversions use 113.12 g/mol; milliequivalents use the ion's valence;
    urine_protein_24h between per-day and per-m² units needs ``bsa`` (m²).
    """
    src = normalise_unit(test, from_unit, field=field)
    dst = normalise_unit(test, to_unit, field=field)
    factor, bsa_power = _factor(test, src, dst)
    result = value * factor
    if bsa_power:
        if bsa is None or not bsa > 0:
            raise InputError(f"{test} in {src} needs the body surface area to convert to {dst}: give height_cm "
                             f"and weight_kg, or give the value in {dst}", field=field)
        result *= bsa**bsa_power
    return result


def to_canonical(test: str, value: float, unit: str, bsa: float | None = None, *,
                 field: str | None = None) -> tuple[float, str]:
    """``(value, unit)`` in the test's canonical unit (see ``types.CANONICAL_UNITS``)."""
    canonical = CANONICAL_UNITS[test]
    return convert(test, value, unit, canonical, bsa=bsa, field=field), canonical


# ------------------------------------------------------------------------------------ plausibility

@cache
def _limits() -> dict[str, tuple[float, float]]:
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(LIMITS_FILE.read_text(encoding="utf-8"), Loader=loader)
    out: dict[str, tuple[float, float]] = {}
    for test, spec in data["limits"].items():
        if spec["unit"] != CANONICAL_UNITS[test]:  # pragma: no cover - guarded by a test
            raise ValueError(f"limits.yaml: {test} limits must be in {CANONICAL_UNITS[test]}")
        out[test] = (float(spec["low"]), float(spec["high"]))
    return out


def plausible_range(test: str) -> tuple[float, float] | None:
    """(low, high) inclusive limits of a possible value in the canonical unit, from ``limits.yaml``."""
    return _limits().get(test)


# ------------------------------------------------------------------------------------ dose units

@dataclass(frozen=True)
class DoseUnit:
    """A medication dose unit, e.g. ``mg/m2/day``: amount, per body size, per period."""

    text: str                 # canonical spelling: "mg/m2/day", "mg/kg", "g", "mg/m2/month"
    amount: str               # mg | g | ug | IU
    to_mg: float | None       # amount -> mg factor (None for IU)
    per: str | None           # None | "kg" | "m2"
    period: str               # "day" | "dose" | "week" | "month"


DOSE_UNIT_EXAMPLES = ("mg/day", "mg/kg/day", "mg/m2/day", "mg", "mg/kg", "mg/m2", "mg/kg/dose", "mg/m2/week",
                      "mg/m2/month", "g", "g/kg", "ug/day", "IU/day")

_AMOUNTS = {"mg": ("mg", 1.0), "g": ("g", 1000.0), "ug": ("ug", 0.001), "iu": ("IU", None), "units": ("IU", None)}
_PERIODS = {None: "dose", "dose": "dose", "day": "day", "d": "day", "week": "week", "wk": "week",
            "month": "month", "mo": "month"}
_DOSE_RE = re.compile(r"(mg|g|ug|iu|units)(?:/(kg|m\*\*2))?(?:/(dose|day|d|week|wk|month|mo))?")


def parse_dose_unit(unit: str, *, field: str | None = None) -> DoseUnit:
    """Parse a dose unit such as ``mg/m2/day``, ``mg/kg`` (per dose) or ``mg/m2/month``."""
    if isinstance(unit, str):
        _check_length(unit, field)
    m = _DOSE_RE.fullmatch(clean_unit(unit).casefold()) if isinstance(unit, str) else None
    if m is None:
        raise InputError(f"dose_unit {short(unit)} is not understood; use e.g. {', '.join(DOSE_UNIT_EXAMPLES)}",
                         field=field)
    amount, to_mg = _AMOUNTS[m.group(1)]
    per = {"kg": "kg", "m**2": "m2", None: None}[m.group(2)]
    period = _PERIODS[m.group(3)]
    text = amount + (f"/{per}" if per else "") + ("" if period == "dose" else f"/{period}")
    return DoseUnit(text=text, amount=amount, to_mg=to_mg, per=per, period=period)
