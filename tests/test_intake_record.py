"""Patient record v1 intake: reading, validation messages, normalisation and derived values."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nephroguide.errors import InputError
from nephroguide.intake import derive, load_patient, read_record_file
from nephroguide.intake.record import (
    RECORD_ID,
    SCHEMA_ID,
    BiopsyInput,
    EventInput,
    GeneticsInput,
    PatientRecordV1,
    normalise_frequency,
    patient_json_schema,
)
from nephroguide.intake.types import CANONICAL_UNITS, EVENT_TYPES, GENETIC_STATUSES, HISTOLOGIES, SEXES

D = dt.date
TODAY = D(2026, 11, 21)
BSA = math.sqrt(118 * 21 / 3600)  # the minimal example's child, Mosteller

# The minimal example of the patient record v1 contract.
MINIMAL: dict[str, Any] = {
    "as_of": "2026-11-21",
    "age_years": 6.5,
    "sex": "male",
    "weight_kg": 21,
    "height_cm": 118,
    "onset_date": "2026-08-01",
    "biopsy": {"date": "2026-09-20", "histology": "mcd"},
    "genetics": {"status": "pending"},
    "medications": [
        {"drug": "prednisolone", "start": "2026-08-01", "end": None, "dose": 60, "dose_unit": "mg/m2/day",
         "route": "oral"}
    ],
    "labs": [
        {"date": "2026-08-01", "test": "upcr", "value": 6.2, "unit": "mg/mg"},
        {"date": "2026-08-01", "test": "albumin", "value": 1.6, "unit": "g/dL"},
        {"date": "2026-08-29", "test": "upcr", "value": 4.8, "unit": "mg/mg"},
        {"date": "2026-08-29", "test": "albumin", "value": 1.9, "unit": "g/dL"},
    ],
}

MINIMAL_YAML = """\
# the contract's minimal example, as YAML
as_of: 2026-11-21
age_years: 6.5
sex: male
weight_kg: 21
height_cm: 118
onset_date: 2026-08-01
biopsy: {date: 2026-09-20, histology: mcd}
genetics: {status: pending}
medications:
  - {drug: prednisolone, start: 2026-08-01, end: null, dose: 60, dose_unit: mg/m2/day, route: oral}
labs:
  - {date: 2026-08-01, test: upcr, value: 6.2, unit: mg/mg}
  - {date: 2026-08-01, test: albumin, value: 1.6, unit: g/dL}
  - {date: 2026-08-29, test: upcr, value: 4.8, unit: mg/mg}
  - {date: 2026-08-29, test: albumin, value: 1.9, unit: g/dL}
"""


def rec(**changes: Any) -> dict[str, Any]:
    """The minimal record with top-level fields replaced (None removes the field)."""
    data = copy.deepcopy(MINIMAL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def lab(test: str, value: Any, unit: str | None = None, date: str = "2026-08-29") -> dict[str, Any]:
    out: dict[str, Any] = {"date": date, "test": test, "value": value}
    if unit is not None:
        out["unit"] = unit
    return out


def med(drug: str = "prednisolone", dose: float | None = 60, dose_unit: str | None = "mg/m2/day",
        **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"drug": drug, "start": "2026-08-01", **kw}
    if dose is not None:
        out["dose"] = dose
    if dose_unit is not None:
        out["dose_unit"] = dose_unit
    return out


def error_of(data: Any, **kw: Any) -> InputError:
    with pytest.raises(InputError) as info:
        load_patient(data, today=TODAY, **kw)
    err = info.value
    assert "\n" not in err.one_line()
    return err


def assert_error(data: Any, field: str, *fragments: str, **kw: Any) -> InputError:
    err = error_of(data, **kw)
    assert err.field == field, err.one_line()
    for fragment in fragments:
        assert fragment in err.message, err.one_line()
    return err


# ------------------------------------------------------------------------------------ the minimal example

def test_minimal_example_loads() -> None:
    p = load_patient(MINIMAL, today=D(2030, 1, 1))
    assert p.as_of == TODAY  # the record's as_of wins over today
    assert p.age_years == 6.5 and p.sex == "male" and p.weight_kg == 21 and p.height_cm == 118
    assert p.bsa_m2 == pytest.approx(math.sqrt(118 * 21 / 3600))
    assert p.bsa_m2 == pytest.approx(0.83, abs=0.005)
    assert p.histology == "mcd" and p.biopsy_date == D(2026, 9, 20)
    assert p.genetic_status == "pending" and p.genes == ()
    assert p.onset_date == D(2026, 8, 1)
    assert [(lab.test, lab.value, lab.unit) for lab in p.labs] == [
        ("upcr", 6.2, "mg/mg"), ("albumin", 1.6, "g/dL"), ("upcr", 4.8, "mg/mg"), ("albumin", 1.9, "g/dL")]
    assert [lab.index for lab in p.labs] == [0, 1, 2, 3]
    (m,) = p.medications
    assert m.drug == "prednisolone" and m.end is None and m.route == "oral"
    assert m.mg_per_m2_day == 60
    assert m.mg_per_day == pytest.approx(60 * BSA)
    assert m.mg_per_kg_day == pytest.approx(60 * BSA / 21)
    assert m.active_on(TODAY)
    assert p.egfr is None and p.edema is None
    assert p.derived == ("bsa_m2", "medications[0].mg_per_day", "medications[0].mg_per_kg_day")


def test_record_field_is_optional_but_must_be_v1() -> None:
    assert load_patient(rec(record=RECORD_ID), today=TODAY).age_years == 6.5
    assert_error(rec(record="nephroguide.patient/2"), "record", "nephroguide.patient/1")


def test_same_input_same_patient() -> None:
    assert load_patient(MINIMAL, today=TODAY) == load_patient(copy.deepcopy(MINIMAL), today=TODAY)


def test_yaml_json_and_stdin_give_the_same_patient(tmp_path: Path) -> None:
    expected = load_patient(MINIMAL, today=TODAY)
    j = tmp_path / "child.json"
    j.write_text(json.dumps(MINIMAL), encoding="utf-8")
    y = tmp_path / "child.yaml"
    y.write_text(MINIMAL_YAML, encoding="utf-8")
    yml = tmp_path / "child.yml"
    yml.write_text(MINIMAL_YAML, encoding="utf-8")
    noext = tmp_path / "child"
    noext.write_text(MINIMAL_YAML, encoding="utf-8")
    for source in (j, y, yml, noext, json.dumps(MINIMAL), MINIMAL_YAML):
        assert load_patient(read_record_file(source), today=TODAY) == expected


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(MINIMAL).encode())
    assert read_record_file(path)["age_years"] == 6.5


# ------------------------------------------------------------------------------------ reading errors

@pytest.mark.parametrize(("text", "fragments"), [
    ("", ["empty"]),
    ("   \n# only a comment\n", ["empty"]),
    ('{"age_years": 6,\n "sex": }', ["not valid JSON", "line 2"]),
    ("age_years: 6\nsex: [male\n", ["not valid YAML", "line"]),
    ('[{"age_years": 6}]', ["list", "cohort"]),
    ("- age_years: 6\n- age_years: 7\n", ["list", "cohort"]),
    ("just text", ["mapping"]),
])
def test_unreadable_text(text: str, fragments: list[str]) -> None:
    with pytest.raises(InputError) as info:
        read_record_file(text, name="<stdin>")
    assert info.value.field == "patient"
    assert "<stdin>" in info.value.message
    for fragment in fragments:
        assert fragment in info.value.message


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found") as info:
        read_record_file(tmp_path / "missing.json")
    assert info.value.field == "patient"
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("sex: male\nnote: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as info:
        read_record_file(latin1)
    assert info.value.field == "patient"
    with pytest.raises(InputError, match="directory"):
        read_record_file(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("age_years: 6\n", encoding="utf-8")  # YAML in a .json file is parsed as JSON
    with pytest.raises(InputError, match="not valid JSON"):
        read_record_file(bad)


def test_load_patient_rejects_non_mappings() -> None:
    assert_error([MINIMAL], "patient", "cohort")
    assert_error("text", "patient", "mapping")


# ------------------------------------------------------------------------------------ structure

def test_unknown_keys_are_named() -> None:
    err = assert_error(rec(weight=21), "weight", "unknown key 'weight'", "weight_kg")
    assert err.one_line().startswith("weight: unknown key")
    bad_lab = rec(labs=[{"date": "2026-08-01", "test": "upcr", "value": 6.2, "units": "mg/mg"}])
    assert_error(bad_lab, "labs[0].units", "unknown key 'units'", "unit")
    assert_error(rec(medications=[med(dosage=3)]), "medications[0].dosage", "unknown key 'dosage'")
    assert_error(rec(biopsy={"histology": "mcd", "result": "x"}), "biopsy.result", "unknown key")


@pytest.mark.parametrize(("changes", "field", "fragments"), [
    ({"sex": "boy"}, "sex", ["'boy'", "male", "female", "unknown"]),
    ({"biopsy": {"histology": "minimal change"}}, "biopsy.histology", ["mcd", "fsgs", "not_done"]),
    ({"genetics": {"status": "positive"}}, "genetics.status", ["pathogenic", "vus"]),
    ({"events": [{"date": "2026-09-01", "type": "flare"}]}, "events[0].type", ["relapse", "remission", "edema"]),
    ({"medications": [med(route="im")]}, "medications[0].route", ["oral", "iv"]),
])
def test_unknown_enum_values_list_the_allowed_ones(changes: dict[str, Any], field: str, fragments: list[str]) -> None:
    assert_error(rec(**changes), field, *fragments)


def test_enum_values_are_case_insensitive() -> None:
    p = load_patient(rec(sex="Female", biopsy={"histology": "FSGS"}), today=TODAY)
    assert p.sex == "female" and p.histology == "fsgs"


def test_enums_match_the_engine_vocabulary() -> None:
    def literal(model: Any, name: str) -> set[str]:
        return set(model.model_json_schema()["properties"][name]["enum"])

    props = PatientRecordV1.model_json_schema()["properties"]
    assert set(props["sex"]["anyOf"][0]["enum"]) == set(SEXES)
    assert literal(BiopsyInput, "histology") == set(HISTOLOGIES)
    assert literal(GeneticsInput, "status") == set(GENETIC_STATUSES)
    assert literal(EventInput, "type") == set(EVENT_TYPES)


@pytest.mark.parametrize(("changes", "field", "fragment"), [
    ({"weight_kg": "21"}, "weight_kg", "must be a number"),
    ({"weight_kg": True}, "weight_kg", "must be a number"),
    ({"age_years": float("nan")}, "age_years", "finite"),
    ({"edema": "yes"}, "edema", "true or false"),
    ({"labs": {"test": "upcr"}}, "labs", "must be a list"),
    ({"biopsy": "mcd"}, "biopsy", "mapping"),
    ({"id": 17}, "id", "must be text"),
    ({"medications": [{"start": "2026-08-01"}]}, "medications[0].drug", "is required"),
    ({"labs": [{"test": "upcr", "value": 1, "unit": "mg/mg"}]}, "labs[0].date", "is required"),
])
def test_wrong_types(changes: dict[str, Any], field: str, fragment: str) -> None:
    assert_error(rec(**changes), field, fragment)


@pytest.mark.parametrize("bad", ["21/11/2026", "2026-11-21T10:00", "2026-13-01", "2026-02-30", "yesterday", 20261121])
def test_dates_must_be_yyyy_mm_dd(bad: Any) -> None:
    assert_error(rec(labs=[lab("upcr", 1, "mg/mg", date=bad)]), "labs[0].date", "YYYY-MM-DD")


def test_yaml_dates_and_datetimes() -> None:
    data = read_record_file(MINIMAL_YAML)
    assert data["as_of"] == TODAY.isoformat()  # YAML dates stay text, as in JSON; intake parses them
    assert load_patient(data).as_of == TODAY
    data["onset_date"] = dt.datetime(2026, 8, 1, 10, 0)
    assert_error(data, "onset_date", "without a time")


# ------------------------------------------------------------------------------------ as_of and dates

def test_as_of_argument_overrides_the_record() -> None:
    p = load_patient(rec(birth_date="2020-05-21", age_years=None), as_of="2026-12-01", today=TODAY)
    assert p.as_of == D(2026, 12, 1)
    assert p.age_years == pytest.approx(derive.age_years(D(2020, 5, 21), D(2026, 12, 1)))
    assert load_patient(rec(), as_of=D(2026, 12, 1)).as_of == D(2026, 12, 1)
    assert_error(rec(), "as_of", "YYYY-MM-DD", as_of="01/12/2026")


def test_as_of_defaults_to_today() -> None:
    assert load_patient(rec(as_of=None), today=D(2026, 12, 24)).as_of == D(2026, 12, 24)


def test_stated_age_moves_with_a_later_as_of() -> None:
    p = load_patient(rec(), as_of="2027-05-22", today=TODAY)
    assert p.age_years == pytest.approx(7.0, abs=0.01)
    assert "age_years" in p.derived


@pytest.mark.parametrize(("changes", "field"), [
    ({"labs": [*MINIMAL["labs"], lab("upcr", 1, "mg/mg", date="2027-01-02")]}, "labs[4].date"),
    ({"medications": [med(start="2026-12-01")]}, "medications[0].start"),
    ({"medications": [med(end="2026-12-01")]}, "medications[0].end"),
    ({"events": [{"date": "2026-11-22", "type": "relapse"}]}, "events[0].date"),
    ({"biopsy": {"date": "2027-01-01", "histology": "mcd"}}, "biopsy.date"),
    ({"onset_date": "2026-11-22"}, "onset_date"),
    ({"birth_date": "2026-11-22", "age_years": None}, "birth_date"),
])
def test_nothing_is_dated_after_as_of(changes: dict[str, Any], field: str) -> None:
    err = assert_error(rec(**changes), field, "is after as_of 2026-11-21")
    assert err.one_line().startswith(f"{field}: ")


def test_future_lab_message_reads_well() -> None:
    labs = [*MINIMAL["labs"][:3], lab("upcr", 1, "mg/mg", date="2027-01-02")]
    err = error_of(rec(labs=labs))
    assert err.one_line().startswith("labs[3].date: 2027-01-02 is after as_of 2026-11-21")


def test_dates_before_birth_are_rejected() -> None:
    data = rec(birth_date="2020-05-21", age_years=None, onset_date="2019-01-01")
    assert_error(data, "onset_date", "before birth_date")


def test_medication_end_before_start() -> None:
    assert_error(rec(medications=[med(start="2026-08-10", end="2026-08-01")]), "medications[0].end",
                 "before start 2026-08-10")


# ------------------------------------------------------------------------------------ age and size

def test_age_from_birth_date_is_derived() -> None:
    p = load_patient(rec(birth_date="2020-05-21", age_years=None), today=TODAY)
    assert p.age_years == pytest.approx(6.5, abs=0.01)
    assert p.birth_date == D(2020, 5, 21)
    assert p.derived[0] == "age_years"


def test_birth_date_and_age_both_given() -> None:
    p = load_patient(rec(birth_date="2020-05-21", age_years=6.5), today=TODAY)
    assert p.age_years == 6.5 and "age_years" not in p.derived
    assert_error(rec(birth_date="2020-05-21", age_years=7), "age_years", "does not match birth_date")


def test_age_is_required() -> None:
    assert_error(rec(age_years=None), "age_years", "birth_date", "age_years")


def test_adults_are_accepted_for_the_engine_to_flag() -> None:
    assert load_patient(rec(age_years=19), today=TODAY).age_years == 19


@pytest.mark.parametrize("age", [-1, 121])
def test_impossible_age(age: float) -> None:
    assert_error(rec(age_years=age), "age_years", "impossible")


@pytest.mark.parametrize(("field", "value"), [("weight_kg", 0.4), ("weight_kg", 251), ("height_cm", 29),
                                              ("height_cm", 221), ("weight_kg", -3)])
def test_implausible_size(field: str, value: float) -> None:
    assert_error(rec(**{field: value}), field, "plausible range")


def test_size_limits_are_inclusive() -> None:
    assert load_patient(rec(weight_kg=0.5, height_cm=30), today=TODAY).weight_kg == 0.5


def test_no_bsa_without_height() -> None:
    p = load_patient(rec(height_cm=None), today=TODAY)
    assert p.bsa_m2 is None and "bsa_m2" not in p.derived
    (m,) = p.medications
    assert m.mg_per_m2_day == 60 and m.mg_per_day is None and m.mg_per_kg_day is None


# ------------------------------------------------------------------------------------ labs

def test_labs_are_converted_to_canonical_units_and_keep_what_was_given() -> None:
    labs = [lab("upcr", 226.24, "mg/mmol"), lab("albumin", 19, "g/l"), lab("creatinine", 44.2, "µmol/L"),
            lab("cholesterol", 387, "mg/dl"), lab("igg", 300, "mg/dL"), lab("potassium", 4.1, "mEq/L")]
    p = load_patient(rec(labs=labs), today=TODAY)
    by_test = {lab.test: lab for lab in p.labs}
    upcr = by_test["upcr"]
    assert upcr.value == pytest.approx(2.0) and upcr.unit == "mg/mg"
    assert upcr.given_value == 226.24 and upcr.given_unit == "mg/mmol" and upcr.display() == "226.24 mg/mmol"
    assert by_test["albumin"].value == pytest.approx(1.9) and by_test["albumin"].given_unit == "g/L"
    assert by_test["creatinine"].value == pytest.approx(0.5, rel=1e-3)
    assert by_test["creatinine"].given_unit == "umol/L"
    assert by_test["cholesterol"].value == pytest.approx(387 / 38.665) and by_test["cholesterol"].unit == "mmol/L"
    assert by_test["igg"].value == pytest.approx(3.0) and by_test["igg"].unit == "g/L"
    assert by_test["potassium"].value == pytest.approx(4.1)
    for item in p.labs:
        if item.test in CANONICAL_UNITS and not item.derived:
            assert item.unit == CANONICAL_UNITS[item.test]


def test_labs_are_sorted_by_date_keeping_their_index() -> None:
    labs = [lab("upcr", 3, "mg/mg", date="2026-09-10"), lab("upcr", 5, "mg/mg", date="2026-08-01"),
            lab("albumin", 2, "g/dL", date="2026-09-10"), lab("upcr", 4, "mg/mg", date="2026-08-20")]
    p = load_patient(rec(labs=labs), today=TODAY)
    assert [(x.date.isoformat(), x.index) for x in p.labs] == [
        ("2026-08-01", 1), ("2026-08-20", 3), ("2026-09-10", 0), ("2026-09-10", 2)]


def test_unit_is_required_for_numeric_tests() -> None:
    assert_error(rec(labs=[lab("upcr", 4.8)]), "labs[0].unit", "unit is required", "mg/mg")
    assert_error(rec(labs=[lab("albumin", 1.9, " ")]), "labs[0].unit", "unit is required")


def test_unit_not_accepted_lists_the_accepted_ones() -> None:
    err = assert_error(rec(labs=[lab("upcr", 4.8, "mg/dL")]), "labs[0].unit", "'mg/dL'", "not accepted")
    for unit in ("mg/mg", "g/g", "mg/mmol", "g/mmol", "mg/g"):
        assert unit in err.message
    assert_error(rec(labs=[lab("creatinine", 0.5, "mg/L")]), "labs[0].unit", "mg/dL, umol/L")
    assert_error(rec(labs=[lab("albumin", 1.9, "furlongs")]), "labs[0].unit", "g/dL, g/L")


def test_unknown_test_lists_the_known_ones() -> None:
    err = assert_error(rec(labs=[lab("protein", 4.8, "mg/mg")]), "labs[0].test", "unknown test 'protein'")
    for test in ("upcr", "albumin", "creatinine", "dipstick", "vitamin_d"):
        assert test in err.message


@pytest.mark.parametrize(("value", "fragment"), [
    ("4.8", "must be a number"), (True, "must be a number"), (None, "number is required"),
    (-0.5, "negative"), (float("inf"), "finite"), (float("nan"), "finite"), ([4.8], "must be a number"),
])
def test_numeric_values_must_be_numbers(value: Any, fragment: str) -> None:
    assert_error(rec(labs=[lab("upcr", value, "mg/mg")]), "labs[0].value", fragment)


@pytest.mark.parametrize(("test", "value", "unit"), [
    ("upcr", 150, "mg/mg"), ("upcr", 12000, "mg/mmol"), ("albumin", 7, "g/dL"), ("albumin", 61, "g/L"),
    ("albumin", 0.05, "g/dL"), ("creatinine", 0.01, "mg/dL"), ("creatinine", 2000, "umol/L"),
    ("egfr", 250, "mL/min/1.73m2"), ("egfr", 0.5, "mL/min/1.73m2"), ("potassium", 45, "mmol/L"),
    ("tacrolimus_trough", 500, "ng/mL"),
])
def test_impossible_lab_values(test: str, value: float, unit: str) -> None:
    assert_error(rec(labs=[lab(test, value, unit)]), "labs[0].value", "impossible value", "plausible range")


def test_plausibility_bounds_are_inclusive() -> None:
    p = load_patient(rec(labs=[lab("albumin", 60, "g/L"), lab("upcr", 0, "mg/mg")]), today=TODAY)
    assert [x.value for x in p.labs] == [6.0, 0.0]


def test_dipstick_values() -> None:
    labs = [lab("dipstick", v, date=f"2026-08-{i + 10:02d}")
            for i, v in enumerate(["negative", "Trace", "1+", "++", "3 +", "+4", "neg", "nil"])]
    p = load_patient(rec(labs=labs), today=TODAY)
    assert [x.category for x in p.labs] == ["negative", "trace", "1+", "2+", "3+", "4+", "negative", "negative"]
    assert all(x.value is None and x.unit is None for x in p.labs)
    assert [x.display() for x in p.labs][:3] == ["negative", "trace", "1+"]


@pytest.mark.parametrize("value", ["5+", "positive", 3, None])
def test_dipstick_rejects_other_values(value: Any) -> None:
    assert_error(rec(labs=[lab("dipstick", value)]), "labs[0].value", "negative, trace, 1+, 2+, 3+, 4+")


def test_dipstick_has_no_unit() -> None:
    assert_error(rec(labs=[lab("dipstick", "3+", "mg/dL")]), "labs[0].unit", "no unit")
    assert load_patient(rec(labs=[lab("dipstick", "3+", "")]), today=TODAY).labs[0].category == "3+"


def test_urine_protein_per_day_needs_body_size() -> None:
    labs = [lab("urine_protein_24h", 1200, "mg/day")]
    p = load_patient(rec(labs=labs), today=TODAY)
    assert p.labs[0].value == pytest.approx(1200 / BSA) and p.labs[0].unit == "mg/m2/day"
    assert_error(rec(labs=labs, height_cm=None), "labs[0].unit", "height_cm", "weight_kg")
    p = load_patient(rec(labs=[lab("urine_protein_24h", 40, "mg/m2/h")], height_cm=None), today=TODAY)
    assert p.labs[0].value == pytest.approx(960)


# ------------------------------------------------------------------------------------ eGFR

def test_egfr_from_the_latest_creatinine() -> None:
    labs = [lab("creatinine", 0.4, "mg/dL", date="2026-08-01"), lab("creatinine", 44.2, "umol/L", date="2026-09-01")]
    p = load_patient(rec(labs=labs), today=TODAY)
    assert p.egfr == pytest.approx(0.413 * 118 / 0.5, rel=1e-3)
    assert p.egfr_date == D(2026, 9, 1)
    assert "egfr" in p.derived
    (derived_lab,) = p.labs_of("egfr")
    assert derived_lab.derived and derived_lab.date == D(2026, 9, 1) and derived_lab.unit == "mL/min/1.73m2"


def test_egfr_lab_on_or_after_the_creatinine_wins() -> None:
    labs = [lab("creatinine", 0.5, "mg/dL", date="2026-09-01"), lab("egfr", 88, "ml/min/1.73 m²", date="2026-09-01")]
    p = load_patient(rec(labs=labs), today=TODAY)
    assert p.egfr == 88 and p.egfr_date == D(2026, 9, 1) and "egfr" not in p.derived
    assert [x.derived for x in p.labs_of("egfr")] == [False]


def test_later_creatinine_beats_an_older_egfr_lab() -> None:
    labs = [lab("egfr", 88, "mL/min/1.73m2", date="2026-08-01"), lab("creatinine", 1.0, "mg/dL", date="2026-09-01")]
    p = load_patient(rec(labs=labs), today=TODAY)
    assert p.egfr == pytest.approx(0.413 * 118) and p.egfr_date == D(2026, 9, 1) and "egfr" in p.derived
    # without height the older eGFR lab is the best there is
    p = load_patient(rec(labs=labs, height_cm=None), today=TODAY)
    assert p.egfr == 88 and p.egfr_date == D(2026, 8, 1) and "egfr" not in p.derived


def test_no_egfr_without_creatinine_or_height() -> None:
    assert load_patient(rec(height_cm=None, labs=[lab("creatinine", 0.5, "mg/dL")]), today=TODAY).egfr is None


# ------------------------------------------------------------------------------------ medications

@pytest.mark.parametrize(("written", "normalised"), [
    ("daily", "daily"), ("once_daily", "daily"), ("QD", "daily"), ("od", "daily"), ("once daily", "daily"),
    ("bid", "bid"), ("twice_daily", "bid"), ("q12h", "bid"), ("tid", "tid"), ("q8h", "tid"), ("qid", "qid"),
    ("alternate_days", "alternate_days"), ("eod", "alternate_days"), ("qod", "alternate_days"),
    ("every other day", "alternate_days"), ("every-other-day", "alternate_days"), ("weekly", "weekly"),
    ("monthly", "monthly"), ("once", "once"), ("single", "once"),
])
def test_frequency_vocabulary(written: str, normalised: str) -> None:
    assert normalise_frequency(written) == normalised


def test_unknown_frequency() -> None:
    assert_error(rec(medications=[med(dose_unit="mg", frequency="sometimes")]), "medications[0].frequency",
                 "unknown frequency", "daily", "alternate_days")


def test_per_dose_units_need_a_frequency() -> None:
    assert_error(rec(medications=[med(dose=40, dose_unit="mg/m2")]), "medications[0].frequency", "required")
    # per-day units do not
    assert load_patient(rec(medications=[med(dose=2, dose_unit="mg/kg/day")]), today=TODAY).medications[0].frequency \
        is None


def test_per_kg_day_dose() -> None:
    p = load_patient(rec(medications=[med(dose=2, dose_unit="mg/kg/day", frequency="daily")]), today=TODAY)
    (m,) = p.medications
    assert m.mg_per_kg_day == 2 and m.mg_per_day == 42 and m.mg_per_m2_day == pytest.approx(42 / BSA)
    assert m.doses_per_day == 1 and m.mg_per_dose == 42
    assert "medications[0].mg_per_kg_day" not in p.derived
    assert {"medications[0].mg_per_day", "medications[0].mg_per_m2_day"} <= set(p.derived)


def test_per_dose_twice_daily() -> None:
    p = load_patient(rec(medications=[med("Prograf", dose=0.05, dose_unit="mg/kg", frequency="q12h")]), today=TODAY)
    (m,) = p.medications
    assert m.drug == "tacrolimus" and m.given_name == "Prograf"
    assert m.frequency == "bid" and m.doses_per_day == 2
    assert m.mg_per_kg_day == pytest.approx(0.1) and m.mg_per_day == pytest.approx(2.1)
    assert m.mg_per_dose == pytest.approx(1.05) and m.mg_per_kg_dose == pytest.approx(0.05)


def test_alternate_day_dose_keeps_the_dosing_day_amount() -> None:
    p = load_patient(rec(medications=[med(dose=40, dose_unit="mg/m2", frequency="eod")]), today=TODAY)
    (m,) = p.medications
    assert m.alternate_days and m.frequency == "alternate_days"
    assert m.mg_per_m2_day == 40 and m.mg_per_day == pytest.approx(40 * BSA)


def test_monthly_infusion() -> None:
    data = rec(medications=[med("Endoxan", dose=500, dose_unit="mg/m2/month", route="iv")])
    (m,) = load_patient(data, today=TODAY).medications
    assert m.drug == "cyclophosphamide" and m.frequency == "monthly" and m.dose_unit == "mg/m2/month"
    assert m.mg_per_day is None and m.mg_per_m2_dose == 500 and m.mg_per_kg_dose == pytest.approx(500 * 0.8297 / 21, 1e-3)
    assert_error(rec(medications=[med("cyclophosphamide", dose=500, dose_unit="mg/m2/month", frequency="daily")]),
                 "medications[0].frequency", "does not fit")


def test_grams_and_micrograms() -> None:
    p = load_patient(rec(medications=[med("CellCept", dose=0.6, dose_unit="g", frequency="bid"),
                                      med("levothyroxine", dose=25, dose_unit="mcg/day")]), today=TODAY)
    mmf, thyroxine = p.medications
    assert mmf.drug == "mycophenolate_mofetil" and mmf.mg_per_day == pytest.approx(1200) and mmf.dose_unit == "g"
    assert thyroxine.mg_per_day == pytest.approx(0.025) and thyroxine.dose_unit == "ug/day"


def test_prednisone_is_treated_as_prednisolone() -> None:
    (m,) = load_patient(rec(medications=[med("Prednisone")]), today=TODAY).medications
    assert m.drug == "prednisolone" and m.given_name == "Prednisone"


def test_unknown_drug_suggests_but_never_substitutes() -> None:
    err = assert_error(rec(medications=[med("tacrolimis", dose=0.1, dose_unit="mg/kg/day")]),
                       "medications[0].drug", "unknown drug 'tacrolimis'", "did you mean tacrolimus")
    assert err.exit_code == 2


@pytest.mark.parametrize(("kw", "field", "fragment"), [
    ({"dose": 60, "dose_unit": None}, "medications[0].dose_unit", "dose_unit is required"),
    ({"dose": None, "dose_unit": "mg/day"}, "medications[0].dose", "dose is required"),
    ({"dose": 0, "dose_unit": "mg/day"}, "medications[0].dose", "greater than 0"),
    ({"dose": 60, "dose_unit": "tablets"}, "medications[0].dose_unit", "not understood"),
    ({"dose": 60, "dose_unit": "mg/day", "frequency": "weekly"}, "medications[0].frequency", "does not fit"),
])
def test_dose_errors(kw: dict[str, Any], field: str, fragment: str) -> None:
    assert_error(rec(medications=[med(**kw)]), field, fragment)


def test_medication_without_a_dose_is_a_history_entry() -> None:
    (m,) = load_patient(rec(medications=[med("rituximab", dose=None, dose_unit=None, end="2026-08-01")]),
                        today=TODAY).medications
    assert m.drug == "rituximab" and m.dose is None and m.mg_per_day is None and not m.active_on(TODAY)


def test_medications_are_sorted_by_start() -> None:
    meds = [med("tacrolimus", dose=0.1, dose_unit="mg/kg/day", start="2026-09-01"), med()]
    p = load_patient(rec(medications=meds), today=TODAY)
    assert [(m.drug, m.index) for m in p.medications] == [("prednisolone", 1), ("tacrolimus", 0)]


# ------------------------------------------------------------------------------------ events, edema, misc

def test_events_and_edema() -> None:
    events = [{"date": "2026-09-01", "type": "remission"}, {"date": "2026-08-01", "type": "edema", "note": "puffy"}]
    p = load_patient(rec(events=events), today=TODAY)
    assert [(e.type, e.index, e.note) for e in p.events] == [("edema", 1, "puffy"), ("remission", 0, "")]
    assert p.edema is False and "edema" in p.derived
    p = load_patient(rec(events=[*events, {"date": "2026-11-01", "type": "edema"}]), today=TODAY)
    assert p.edema is True
    p = load_patient(rec(events=events, edema=True), today=TODAY)
    assert p.edema is True and "edema" not in p.derived


def test_assessment_genes_and_id() -> None:
    p = load_patient(rec(id="child-7", assessment={"steroid_response": "resistant"},
                         genetics={"status": "pathogenic", "genes": ["nphs2", " WT1 "]}), today=TODAY)
    assert p.id == "child-7" and p.assessment == {"steroid_response": "resistant"}
    assert p.genetic_status == "pathogenic" and p.genes == ("NPHS2", "WT1")


def test_empty_lists_may_be_null() -> None:
    p = load_patient(rec(labs=None, medications=None) | {"events": None}, today=TODAY)
    assert p.labs == () and p.medications == () and p.events == ()


# ------------------------------------------------------------------------------------ schema

def test_json_schema() -> None:
    import jsonschema

    schema = patient_json_schema()
    assert schema["$id"] == SCHEMA_ID == "https://nephroguide.org/schemas/patient-1.json"
    assert schema["title"] == "nephroguide patient record v1"
    assert "edema" in schema["properties"] and "description" in schema["properties"]["edema"]
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(MINIMAL)
    assert list(validator.iter_errors(rec(weight=21)))
    assert list(validator.iter_errors(rec(sex="boy")))
    assert json.loads(json.dumps(schema)) == schema


# ------------------------------------------------------------------------------------ derive

def test_bsa_mosteller() -> None:
    assert derive.bsa_mosteller(118, 21) == pytest.approx(0.8296, abs=1e-4)
    assert derive.bsa_mosteller(180, 80) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        derive.bsa_mosteller(0, 20)


def test_schwartz_egfr() -> None:
    assert derive.schwartz_egfr(118, 0.5) == pytest.approx(97.468)
    assert derive.schwartz_egfr(100, 0.413) == pytest.approx(100)
    with pytest.raises(ValueError):
        derive.schwartz_egfr(118, 0)


def test_age_years() -> None:
    assert derive.age_years(D(2020, 5, 21), D(2026, 5, 21)) == 6
    assert derive.age_years(D(2020, 5, 21), D(2026, 5, 20)) == pytest.approx(5 + 364 / 365)
    assert derive.age_years(D(2020, 5, 21), D(2026, 11, 20)) == pytest.approx(6.5, abs=0.01)
    assert derive.age_years(D(2020, 2, 29), D(2021, 2, 28)) == 1  # leap-day birthdays
    assert derive.age_years(D(2020, 2, 29), D(2024, 2, 29)) == 4
    assert derive.age_years(D(2026, 1, 1), D(2025, 1, 1)) == -1


# ------------------------------------------------------------------------------------ start-up cost

def test_import_stays_lean() -> None:
    code = ("import sys, nephroguide.intake.types; assert 'pydantic' not in sys.modules;"
            "import nephroguide.intake.record;"
            "bad = [m for m in ('matplotlib', 'pint', 'numpy', 'rapidfuzz') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_canonical_records_never_import_pint() -> None:
    data = rec(medications=None)
    code = ("import sys, json, datetime; from nephroguide.intake import load_patient;"
            f"load_patient(json.loads({json.dumps(json.dumps(data))}), today=datetime.date(2026, 11, 21));"
            "print('pint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
