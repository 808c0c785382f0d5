"""Lab and dose units: accepted spellings, exact conversions, round trips and plausibility limits."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nephroguide.errors import InputError
from nephroguide.intake import units
from nephroguide.intake.types import CANONICAL_UNITS, CATEGORICAL_TESTS
from nephroguide.intake.units import (
    TEST_UNITS,
    accepted_units,
    convert,
    normalise_unit,
    parse_dose_unit,
    plausible_range,
    to_canonical,
)

# ------------------------------------------------------------------------------------ the table


def test_every_numeric_test_has_its_canonical_unit_and_limits() -> None:
    assert set(TEST_UNITS) == set(CANONICAL_UNITS)
    for test, canonical in CANONICAL_UNITS.items():
        assert canonical in TEST_UNITS[test], test
        low, high = plausible_range(test) or (None, None)
        assert low is not None and high is not None and 0 <= low < high, test


def test_spec_table_units_are_accepted() -> None:
    spec = {
        "upcr": ["mg/mg", "g/g", "mg/mmol", "g/mmol", "mg/g"],
        "urine_protein_24h": ["mg/m2/day", "mg/day", "g/day"],
        "albumin": ["g/dL", "g/L"],
        "creatinine": ["mg/dL", "umol/L"],
        "egfr": ["mL/min/1.73m2"],
        "tacrolimus_trough": ["ng/mL"],
        "cyclosporine_trough": ["ng/mL"],
    }
    for test, spellings in spec.items():
        for unit in spellings:
            assert normalise_unit(test, unit) == unit


# ------------------------------------------------------------------------------------ spellings

@pytest.mark.parametrize(("test", "written", "expected"), [
    ("creatinine", "µmol/L", "umol/L"),        # micro sign
    ("creatinine", "μmol/L", "umol/L"),        # Greek mu
    ("creatinine", "umol/l", "umol/L"),
    ("creatinine", "mg/dl", "mg/dL"),
    ("creatinine", " MG / DL ", "mg/dL"),
    ("albumin", "g/l", "g/L"),
    ("albumin", "G/DL", "g/dL"),
    ("upcr", "mg/mg", "mg/mg"),
    ("upcr", "g/g", "g/g"),
    ("upcr", "MG/MMOL", "mg/mmol"),
    ("upcr", "kg/kg", "mg/mg"),                 # the same ratio
    ("egfr", "mL/min/1.73m2", "mL/min/1.73m2"),
    ("egfr", "ml/min/1.73 m²", "mL/min/1.73m2"),
    ("egfr", "mL/min/1.73m^2", "mL/min/1.73m2"),
    ("egfr", "ml/min/1.73 M2", "mL/min/1.73m2"),
    ("urine_protein_24h", "mg/m²/day", "mg/m2/day"),
    ("urine_protein_24h", "mg/m2/24h", "mg/m2/day"),
    ("urine_protein_24h", "mg/24 h", "mg/day"),
    ("urine_protein_24h", "mg/m2/hr", "mg/m2/h"),
    ("tacrolimus_trough", "ng/ml", "ng/mL"),
    ("tacrolimus_trough", "ug/L", "ng/mL"),
    ("tacrolimus_trough", "µg/L", "ng/mL"),
    ("tacrolimus_trough", "mcg/L", "ng/mL"),
    ("cd19", "cells/µL", "cells/uL"),
    ("cd19", "cells/mm3", "cells/uL"),
    ("cd19", "cells/mm³", "cells/uL"),
    ("tsh", "uIU/mL", "mIU/L"),
    ("tsh", "mU/L", None),                     # "mU" is not defined: rejected, never guessed
    ("potassium", "mEq/L", "mEq/L"),
    ("potassium", "meq/l", "mEq/L"),
    ("vitamin_d", "ng/ml", "ng/mL"),
    ("vitamin_d", "nmol/l", "nmol/L"),
    ("igg", "mg/dl", "mg/dL"),
])
def test_spellings(test: str, written: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(InputError):
            normalise_unit(test, written)
    else:
        assert normalise_unit(test, written) == expected


@pytest.mark.parametrize(("test", "unit"), [
    ("upcr", "mg/dL"), ("upcr", "%"), ("albumin", "mg/dL"), ("albumin", "g/mL"), ("creatinine", "mg/L"),
    ("creatinine", "mmol/L"), ("egfr", "mL/min"), ("egfr", "mL/min/m2"), ("tacrolimus_trough", "ng/L"),
    ("potassium", "mg/dL"), ("igg", "g/dL"), ("cd19", "%"), ("urine_protein_24h", "mg/mg"), ("albumin", "1/0"),
    ("albumin", "((("), ("albumin", "gram per litre"),
])
def test_units_not_accepted(test: str, unit: str) -> None:
    with pytest.raises(InputError) as info:
        normalise_unit(test, unit, field="labs[0].unit")
    assert info.value.field == "labs[0].unit"
    assert "not accepted" in info.value.message
    assert ", ".join(TEST_UNITS[test]) in info.value.message


def test_unknown_test_and_dipstick() -> None:
    with pytest.raises(InputError, match="known tests: upcr"):
        normalise_unit("hba1c", "%")
    with pytest.raises(InputError, match="no unit"):
        normalise_unit("dipstick", "mg/dL")
    assert accepted_units("dipstick") == ()
    assert "dipstick" in CATEGORICAL_TESTS
    with pytest.raises(InputError, match="unit is required"):
        normalise_unit("upcr", "")


# ------------------------------------------------------------------------------------ conversions

@pytest.mark.parametrize(("test", "value", "src", "dst", "expected"), [
    ("upcr", 1, "mg/mg", "mg/mmol", 113.12),
    ("upcr", 1, "mg/mg", "mg/g", 1000),
    ("upcr", 1, "g/g", "mg/mg", 1),
    ("upcr", 1, "mg/mg", "g/mmol", 0.11312),
    ("upcr", 226.24, "mg/mmol", "mg/mg", 2),
    ("upcr", 200, "mg/mmol", "mg/g", 200 / 113.12 * 1000),
    ("albumin", 30, "g/L", "g/dL", 3.0),
    ("albumin", 2.5, "g/dL", "g/L", 25),
    ("creatinine", 88.4, "umol/L", "mg/dL", 1.0),
    ("creatinine", 1, "mg/dL", "µmol/L", 88.40),
    ("glucose", 5.5, "mmol/L", "mg/dL", 99.09),
    ("cholesterol", 10, "mmol/L", "mg/dL", 386.65),
    ("ldl", 193.3, "mg/dL", "mmol/L", 5.0),
    ("magnesium", 0.8, "mmol/L", "mg/dL", 1.944),
    ("magnesium", 0.8, "mmol/L", "mEq/L", 1.6),     # divalent
    ("magnesium", 1.6, "mEq/L", "mg/dL", 1.944),
    ("potassium", 4.0, "mEq/L", "mmol/L", 4.0),     # monovalent
    ("igg", 3, "g/L", "mg/dL", 300),
    ("vitamin_d", 20, "ng/mL", "nmol/L", 49.92),
    ("urine_protein_24h", 40, "mg/m2/h", "mg/m2/day", 960),
    ("urine_protein_24h", 2, "g/day", "mg/day", 2000),
    ("egfr", 90, "mL/min/1.73m2", "ml/min/1.73 m²", 90),
])
def test_conversions(test: str, value: float, src: str, dst: str, expected: float) -> None:
    assert convert(test, value, src, dst) == pytest.approx(expected, rel=2e-3)


def test_body_surface_conversions() -> None:
    assert convert("urine_protein_24h", 1000, "mg/day", "mg/m2/day", bsa=0.8) == pytest.approx(1250)
    assert convert("urine_protein_24h", 1, "g/day", "mg/m2/day", bsa=0.5) == pytest.approx(2000)
    assert convert("urine_protein_24h", 1250, "mg/m2/day", "mg/day", bsa=0.8) == pytest.approx(1000)
    with pytest.raises(InputError, match="height_cm and weight_kg") as info:
        convert("urine_protein_24h", 1000, "mg/day", "mg/m2/day", field="labs[1].unit")
    assert info.value.field == "labs[1].unit"


def test_to_canonical() -> None:
    assert to_canonical("upcr", 113.12, "mg/mmol") == pytest.approx((1.0, "mg/mg"))
    assert to_canonical("albumin", 19, "g/l") == (pytest.approx(1.9), "g/dL")
    assert to_canonical("creatinine", 0.5, "mg/dL") == (0.5, "mg/dL")
    assert to_canonical("urine_protein_24h", 900, "mg/day", bsa=0.9) == (pytest.approx(1000), "mg/m2/day")


def test_registry_is_small_and_cached() -> None:
    reg = units.registry()
    assert reg is units.registry()
    assert "furlong" not in reg and "mile" not in reg  # not the default registry
    assert "gram" in reg and "standard_bsa" in reg


# ------------------------------------------------------------------------------------ properties

CONVERTIBLE_PAIRS = [(test, a, b) for test, accepted in TEST_UNITS.items()
                     for a, b in itertools.permutations(accepted, 2)]
positive = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
bsas = st.floats(min_value=0.1, max_value=3.0)


@pytest.mark.parametrize(("test", "src", "dst"), CONVERTIBLE_PAIRS)
@settings(max_examples=40, deadline=None)
@given(value=positive, bsa=bsas)
def test_round_trip_is_identity(test: str, src: str, dst: str, value: float, bsa: float) -> None:
    there = convert(test, value, src, dst, bsa=bsa)
    back = convert(test, there, dst, src, bsa=bsa)
    assert back == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize(("test", "src", "dst"), CONVERTIBLE_PAIRS)
@settings(max_examples=40, deadline=None)
@given(a=positive, b=positive, bsa=bsas)
def test_conversion_is_monotonic(test: str, src: str, dst: str, a: float, b: float, bsa: float) -> None:
    lo, hi = sorted((a, b))
    c_lo = convert(test, lo, src, dst, bsa=bsa)
    c_hi = convert(test, hi, src, dst, bsa=bsa)
    assert c_lo <= c_hi
    assert c_lo > 0
    if lo < hi:
        assert c_lo < c_hi or c_hi == pytest.approx(c_lo)


@given(value=st.floats(min_value=0, max_value=1e4), bsa=bsas)
@settings(max_examples=50, deadline=None)
def test_conversion_is_linear_in_the_value(value: float, bsa: float) -> None:
    one = convert("upcr", 1.0, "mg/mmol", "mg/mg")
    assert convert("upcr", value, "mg/mmol", "mg/mg") == pytest.approx(value * one, rel=1e-12, abs=1e-300)


# ------------------------------------------------------------------------------------ dose units

@pytest.mark.parametrize(("written", "text", "per", "period", "to_mg"), [
    ("mg/day", "mg/day", None, "day", 1.0),
    ("mg/kg/day", "mg/kg/day", "kg", "day", 1.0),
    ("mg/m2/day", "mg/m2/day", "m2", "day", 1.0),
    ("mg/m²/d", "mg/m2/day", "m2", "day", 1.0),
    ("mg/kg/24h", "mg/kg/day", "kg", "day", 1.0),
    ("mg", "mg", None, "dose", 1.0),
    ("mg/kg", "mg/kg", "kg", "dose", 1.0),
    ("mg/kg/dose", "mg/kg", "kg", "dose", 1.0),
    ("mg/m2", "mg/m2", "m2", "dose", 1.0),
    ("mg/m2/month", "mg/m2/month", "m2", "month", 1.0),
    ("mg/kg/week", "mg/kg/week", "kg", "week", 1.0),
    ("g", "g", None, "dose", 1000.0),
    ("g/kg", "g/kg", "kg", "dose", 1000.0),
    ("mcg/day", "ug/day", None, "day", 0.001),
    ("µg/kg/day", "ug/kg/day", "kg", "day", 0.001),
    ("IU/day", "IU/day", None, "day", None),
    ("MG/KG/DAY", "mg/kg/day", "kg", "day", 1.0),
])
def test_dose_units(written: str, text: str, per: str | None, period: str, to_mg: float | None) -> None:
    du = parse_dose_unit(written)
    assert (du.text, du.per, du.period, du.to_mg) == (text, per, period, to_mg)


@pytest.mark.parametrize("bad", ["tablets", "mL", "mg/kg/fortnight", "mg/lb", "", "kg/mg"])
def test_bad_dose_units(bad: str) -> None:
    with pytest.raises(InputError, match="not understood") as info:
        parse_dose_unit(bad, field="medications[0].dose_unit")
    assert info.value.field == "medications[0].dose_unit"
