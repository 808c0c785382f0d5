"""Patient record v1: read it (JSON or YAML), validate it, and normalise it into a :class:`Patient`.

The record format is a product interface (``docs/patient-record.md``; JSON Schema from
:func:`patient_json_schema`). Validation happens in two passes:

1. structure, with pydantic models that reject unknown keys, wrong types and unknown enum values;
2. meaning, in :func:`load_patient`: dates not after ``as_of``, plausible sizes and lab values, units
   accepted for each test (converted to the canonical unit), known drug names, dose units and
   frequencies, then the derived values (age, BSA, bedside eGFR, per-day doses).

Every problem is an :class:`~nephroguide.errors.InputError` whose ``field`` is the path in the
record (``labs[2].unit``) and whose message says what is wrong and what to change. The first problem
in record order is reported. Nothing here reads the clock unless the caller passes neither ``as_of``
nor ``today``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError
from pydantic_core import PydanticCustomError

from nephroguide.errors import InputError
from nephroguide.intake import derive
from nephroguide.intake.types import (
    BSA_RANGE_M2,
    CANONICAL_UNITS,
    CATEGORICAL_TESTS,
    HEIGHT_RANGE_CM,
    WEIGHT_RANGE_KG,
    Event,
    Lab,
    Medication,
    Patient,
)

RECORD_ID = "nephroguide.patient/1"
SCHEMA_ID = "https://nephroguide.org/schemas/patient-1.json"

AGE_TOLERANCE_YEARS = 0.1       # birth_date and age_years may differ by this much
AGE_RANGE = (0.0, 120.0)

# ------------------------------------------------------------------------------------ value types

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Length bounds of free-text fields, checked before any parsing (a unit parser's time can grow with the
# square of its input; an error message echoes only a prefix). Generous for real records.
MAX_UNIT = 40
MAX_NAME = 80           # test names, frequencies, gene symbols, assessment keys and values
MAX_DRUG = 100
MAX_ID = 200
MAX_NOTE = 2000
MAX_LABS = 5000
MAX_MEDICATIONS = 500
MAX_EVENTS = 1000
MAX_GENES = 100
MAX_ASSESSMENT = 100


def _short(value: Any) -> str:
    from nephroguide.intake.safeload import short

    return short(value)


def parse_date(value: Any) -> dt.date:
    """A ``YYYY-MM-DD`` string (or a date YAML already parsed) as a date; ValueError otherwise."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"must be a date YYYY-MM-DD without a time, got {value.isoformat()!r}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date (YYYY-MM-DD)") from None
    raise ValueError(f"must be a date YYYY-MM-DD, got {_short(value)}")


def _date_before(value: Any) -> Any:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise PydanticCustomError("date_format", "{reason}", {"reason": str(exc)}) from None


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _none_is_empty_list(value: Any) -> Any:
    return [] if value is None else value


Date = Annotated[dt.date, BeforeValidator(_date_before)]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
StrictBool = Annotated[bool, Strict()]

Sex = Annotated[Literal["male", "female", "other", "unknown"], BeforeValidator(_lower)]
Histology = Annotated[Literal["mcd", "fsgs", "mespgn", "c1q", "igm", "mcd_variant", "other", "not_done"],
                      BeforeValidator(_lower)]
GeneticStatus = Annotated[Literal["not_done", "pending", "no_variant", "vus", "pathogenic"], BeforeValidator(_lower)]
EventType = Annotated[Literal["relapse", "remission", "infection", "thrombosis", "aki", "hypertension",
                              "transplant", "dialysis", "edema"], BeforeValidator(_lower)]
Route = Annotated[Literal["oral", "iv"], BeforeValidator(_lower)]

_KNOWN_TESTS: tuple[str, ...] = (*CANONICAL_UNITS, *CATEGORICAL_TESTS)

# ------------------------------------------------------------------------------------ input models


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BiopsyInput(_Input):
    """A kidney biopsy and its histology."""

    date: Date | None = Field(None, description="date of the biopsy (YYYY-MM-DD)")
    histology: Histology = Field(description="histology: mcd, fsgs, mespgn, c1q, igm, mcd_variant, other, not_done")


class GeneticsInput(_Input):
    """Genetic testing for monogenic nephrotic syndrome."""

    status: GeneticStatus = Field(description="not_done, pending, no_variant, vus, pathogenic")
    genes: Annotated[list[Annotated[str, Field(max_length=MAX_NAME)]], BeforeValidator(_none_is_empty_list)] = Field(
        default_factory=list, max_length=MAX_GENES,
        description="gene symbols with a reported variant, e.g. [\"NPHS2\"]")


class LabInput(_Input):
    """One lab result. Numeric tests need a unit; the dipstick takes a category and no unit."""

    date: Date = Field(description="date the sample was taken (YYYY-MM-DD)")
    test: str = Field(description="test name", max_length=MAX_NAME, json_schema_extra={"enum": list(_KNOWN_TESTS)})
    value: Any = Field(description="a number (numeric tests) or, for dipstick, one of negative, trace, 1+, 2+, 3+, 4+",
                       json_schema_extra={"anyOf": [{"type": "number"}, {"type": "string"}]})
    unit: str | None = Field(None, max_length=MAX_UNIT, description="unit of a numeric result (see docs/patient-record.md); omit for dipstick")


class MedicationInput(_Input):
    """One course of a medication."""

    drug: str = Field(max_length=MAX_DRUG, description="generic name (brand names and abbreviations are accepted and normalised)")
    start: Date = Field(description="first day (YYYY-MM-DD)")
    end: Date | None = Field(None, description="last day; null = still taking it on as_of")
    dose: Number | None = Field(None, description="dose, in dose_unit")
    dose_unit: str | None = Field(None, max_length=MAX_UNIT, description="mg/day, mg/kg/day, mg/m2/day, or per dose mg, mg/kg, mg/m2 "
                                                    "(with frequency), mg/m2/month, g, ug/day ...")
    frequency: str | None = Field(None, max_length=MAX_NAME, description="daily, bid, tid, qid, alternate_days, weekly, monthly, once "
                                                    "(synonyms such as qd, q12h, eod are accepted); required for "
                                                    "per-dose units")
    route: Route | None = Field(None, description="oral or iv")


class EventInput(_Input):
    """A clinician-stated event."""

    date: Date = Field(description="date of the event (YYYY-MM-DD)")
    type: EventType = Field(description="relapse, remission, infection, thrombosis, aki, hypertension, transplant, "
                                        "dialysis, edema")
    note: str | None = Field(None, max_length=MAX_NOTE, description="free text, kept with the event")


class PatientRecordV1(_Input):
    """nephroguide patient record, version 1: one child with nephrotic syndrome."""

    record: Literal["nephroguide.patient/1"] | None = Field(
        None, description="format and version; optional on input, always written on output")
    id: str | None = Field(None, max_length=MAX_ID, description="identifier, echoed back; never logged with clinical values")
    as_of: Date | None = Field(None, description="the day the question is asked (default today); nothing may be "
                                                 "dated after it")
    birth_date: Date | None = Field(None, description="date of birth (give birth_date or age_years)")
    age_years: Number | None = Field(None, description="age in years on as_of (give birth_date or age_years)")
    sex: Sex | None = Field(None, description="male, female, other, unknown")
    weight_kg: Number | None = Field(None, description="body weight in kg (0.5–250); needed for doses")
    height_cm: Number | None = Field(None, description="height in cm (30–220); needed for BSA and eGFR")
    bsa_m2: Number | None = Field(None, description="body surface area in m² (0.1–3.0) as the clinician states it; "
                                                    "used for per-m² doses instead of the one worked out from "
                                                    "height and weight")
    onset_date: Date | None = Field(None, description="first presentation of nephrotic syndrome")
    biopsy: BiopsyInput | None = None
    genetics: GeneticsInput | None = None
    labs: Annotated[list[LabInput], BeforeValidator(_none_is_empty_list)] = Field(default_factory=list,
                                                                                   max_length=MAX_LABS)
    medications: Annotated[list[MedicationInput], BeforeValidator(_none_is_empty_list)] = Field(
        default_factory=list, max_length=MAX_MEDICATIONS)
    events: Annotated[list[EventInput], BeforeValidator(_none_is_empty_list)] = Field(default_factory=list,
                                                                                       max_length=MAX_EVENTS)
    assessment: Annotated[dict[Annotated[str, Field(max_length=MAX_NAME)], Annotated[str, Field(max_length=MAX_NAME)]],
                          BeforeValidator(lambda v: {} if v is None else v)] = Field(
        default_factory=dict, max_length=MAX_ASSESSMENT, description="clinician-stated facts that override derived ones, e.g. "
                                          "{\"steroid_response\": \"resistant\"}")
    edema: StrictBool | None = Field(
        None, description="clinician-stated: does the child have edema on as_of? When omitted, taken from events "
                          "of type edema (an edema event not followed by a remission event means edema)")


_MODELS_BY_PATH: dict[tuple[str, ...], type[BaseModel]] = {
    (): PatientRecordV1, ("biopsy",): BiopsyInput, ("genetics",): GeneticsInput, ("labs",): LabInput,
    ("medications",): MedicationInput, ("events",): EventInput,
}


def patient_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of patient record v1."""
    schema = PatientRecordV1.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "nephroguide patient record v1",
        "anyOf": [{"required": ["birth_date"]}, {"required": ["age_years"]}],
    }


# ------------------------------------------------------------------------------------ reading files

def reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads`` hook: a key given twice is an error, not a silent last-one-wins."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse_record_text(text: str, name: str = "<input>", fmt: str | None = None) -> Any:
    """Parse record text as JSON or YAML (``fmt`` "json"/"yaml"; by default guessed from the text).

    Bounded (size, nesting, YAML events), strict (duplicate keys, YAML anchors/aliases/tags refused) and
    the same for both syntaxes: YAML plain scalars follow JSON's rules (see :mod:`.safeload`).
    """
    from nephroguide.intake.safeload import check_size, load_json, load_yaml

    check_size(text, name)
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise InputError(f"{name} is empty; give one patient record (JSON or YAML)", field="patient")
    if fmt is None:
        fmt = "json" if stripped[0] in "{[" else "yaml"
    data = load_json(stripped, name) if fmt == "json" else load_yaml(stripped, name)
    if data is None:
        raise InputError(f"{name} is empty; give one patient record (JSON or YAML)", field="patient")
    if isinstance(data, list):
        raise InputError(f"{name} holds a list (a cohort?); give one patient per file, as a mapping of fields "
                         "(use the cohort command for several patients)", field="patient")
    if not isinstance(data, dict):
        raise InputError(f"{name} must be a mapping of record fields (as_of, age_years, labs, ...), "
                         f"got {type(data).__name__}", field="patient")
    return data


def read_record_file(path: Path | str, name: str | None = None) -> Any:
    """Read a patient record: a ``Path`` is a file to read; a ``str`` is the text itself (e.g. stdin).

    Returns the parsed mapping (validate it with :func:`load_patient`). A ``.json`` file is parsed as
    JSON, ``.yaml``/``.yml`` as YAML; otherwise the text decides (``{`` starts JSON).
    """
    from nephroguide.intake.safeload import MAX_RECORD_CHARS

    if isinstance(path, Path):
        label = name or str(path)
        if path.is_dir():
            raise InputError(f"{label} is a directory; give a patient record file", field="patient")
        try:
            with path.open("rb") as fh:  # never more than the limit into memory
                raw = fh.read(4 * MAX_RECORD_CHARS + 4)
        except FileNotFoundError:
            raise InputError(f"file {label} not found", field="patient") from None
        except OSError as exc:
            raise InputError(f"cannot read {label}: {exc.strerror}", field="patient") from None
        suffix = path.suffix.lower()
        fmt = "json" if suffix == ".json" else "yaml" if suffix in {".yaml", ".yml"} else None
        return read_record_bytes(raw, label, fmt)
    return parse_record_text(path, name or "<stdin>")


def read_record_bytes(raw: bytes, name: str = "<stdin>", fmt: str | None = None) -> Any:
    """Parse record bytes (a file's or standard input's): UTF-8 (a BOM is allowed), bounded in size."""
    from nephroguide.intake.safeload import MAX_RECORD_CHARS

    if len(raw) > 4 * MAX_RECORD_CHARS:
        raise InputError(f"{name} is larger than a patient record may be ({MAX_RECORD_CHARS:,} characters)",
                         field="patient")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8", field="patient") from None
    return parse_record_text(text, name, fmt)


def read_record_stream(stream: Any, name: str = "<stdin>") -> Any:
    """Read a record from a binary stream (``sys.stdin.buffer``), never more than the size limit."""
    from nephroguide.intake.safeload import MAX_RECORD_CHARS

    return read_record_bytes(stream.read(4 * MAX_RECORD_CHARS + 1), name)


# ------------------------------------------------------------------------------------ validation errors

def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "patient"


def _from_validation_error(exc: ValidationError) -> InputError:
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    field = _path(loc)
    kind = err["type"]
    given = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        model = _MODELS_BY_PATH.get(tuple(p for p in loc[:-1] if isinstance(p, str)))
        allowed = f"; allowed here: {', '.join(model.model_fields)}" if model else ""
        msg = f"unknown key {loc[-1]!r}{allowed}"
    elif kind == "missing":
        msg = "is required"
    elif kind == "literal_error":
        allowed_values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        msg = f"{_short(given)} is not allowed; use one of: {', '.join(allowed_values)}"
    elif kind in {"float_type", "float_parsing", "int_type", "int_parsing"}:
        msg = f"must be a number, got {_short(given)}"
    elif kind == "finite_number":
        msg = "must be a finite number"
    elif kind in {"bool_type", "bool_parsing"}:
        msg = f"must be true or false, got {_short(given)}"
    elif kind == "string_type":
        msg = f"must be text, got {_short(given)}"
    elif kind == "list_type":
        msg = f"must be a list, got {type(given).__name__}"
    elif kind in {"model_type", "model_attributes_type", "dict_type"}:
        msg = f"must be a mapping of fields, got {type(given).__name__}"
    elif kind == "string_too_long":
        msg = f"is too long ({len(given) if isinstance(given, str) else '?'} characters; at most " \
              f"{ctx.get('max_length')}): {_short(given)}"
    elif kind == "too_long":
        msg = f"has too many items (at most {ctx.get('max_length')})"
    elif kind == "date_format":
        msg = str(ctx.get("reason", err["msg"]))
    else:  # pragma: no cover - a pydantic error type without a tailored message
        msg = err["msg"]
    return InputError(msg, field=field)


def validate_record(data: Any) -> PatientRecordV1:
    """Check the record's structure (keys, types, enum values); meaning is checked by load_patient."""
    if isinstance(data, PatientRecordV1):
        return data
    if isinstance(data, list):
        raise InputError("a list of records (a cohort?) is not accepted here; give one patient as a mapping",
                         field="patient")
    if not isinstance(data, dict):
        raise InputError(f"a patient record must be a mapping of fields, got {type(data).__name__}", field="patient")
    from nephroguide.intake.safeload import check_tree

    check_tree(data)  # depth (and duplicate keys marked by the JSON reader) before any validation
    try:
        return PatientRecordV1.model_validate(data)
    except ValidationError as exc:
        raise _from_validation_error(exc) from None


# ------------------------------------------------------------------------------------ frequencies

FREQUENCIES: dict[str, tuple[str, ...]] = {
    "daily": ("daily", "once_daily", "qd", "od", "q24h", "once_a_day", "1x_daily"),
    "bid": ("bid", "twice_daily", "q12h", "bd", "2x_daily"),
    "tid": ("tid", "three_times_daily", "q8h", "tds", "3x_daily"),
    "qid": ("qid", "four_times_daily", "q6h", "qds", "4x_daily"),
    "alternate_days": ("alternate_days", "alternate_day", "eod", "qod", "every_other_day", "q48h"),
    "weekly": ("weekly", "once_weekly", "qw", "q1w"),
    "monthly": ("monthly", "once_monthly"),
    "once": ("once", "single", "single_dose", "stat"),
}
DOSES_PER_DAY: dict[str, float] = {"daily": 1, "bid": 2, "tid": 3, "qid": 4, "alternate_days": 1}
_FREQ_INDEX = {alias: norm for norm, aliases in FREQUENCIES.items() for alias in aliases}


def normalise_frequency(text: str, *, field: str | None = "frequency") -> str:
    """``"q12h"`` -> ``"bid"``, ``"every other day"`` -> ``"alternate_days"``; InputError if unknown."""
    key = re.sub(r"[\s\-.]+", "_", text.strip().lower()).strip("_") if isinstance(text, str) else ""
    if key in _FREQ_INDEX:
        return _FREQ_INDEX[key]
    raise InputError(f"unknown frequency {_short(text)}; use one of: {', '.join(FREQUENCIES)}", field=field)


# ------------------------------------------------------------------------------------ normalisation

_DIPSTICK_SYNONYMS = {"neg": "negative", "nil": "negative", "tr": "trace", "+": "1+", "++": "2+", "+++": "3+",
                      "++++": "4+", "+1": "1+", "+2": "2+", "+3": "3+", "+4": "4+"}


def _resolve_as_of(as_of: dt.date | str | None, record_as_of: dt.date | None, today: dt.date | None) -> dt.date:
    if isinstance(as_of, str):
        try:
            return parse_date(as_of)
        except ValueError as exc:
            raise InputError(str(exc), field="as_of") from None
    if isinstance(as_of, dt.date):
        return as_of
    if record_as_of is not None:
        return record_as_of
    if today is not None:
        return today
    return dt.date.today()  # fallback only: shells resolve "today" once and pass it down


class _Dates:
    """Checks that dates lie between birth and as_of, with messages naming the field."""

    def __init__(self, as_of: dt.date, birth: dt.date | None) -> None:
        self.as_of = as_of
        self.birth = birth

    def check(self, day: dt.date | None, field: str) -> None:
        if day is None:
            return
        if day > self.as_of:
            raise InputError(f"{day.isoformat()} is after as_of {self.as_of.isoformat()}; nothing may be dated "
                             "after as_of (correct the date or pass a later as_of)", field=field)
        if self.birth is not None and day < self.birth:
            raise InputError(f"{day.isoformat()} is before birth_date {self.birth.isoformat()}", field=field)


def _check_range(value: float | None, bounds: tuple[float, float], unit: str, field: str) -> None:
    if value is None:
        return
    low, high = bounds
    if not low <= value <= high:
        raise InputError(f"{value:g} {unit} is outside the plausible range {low:g}–{high:g} {unit}; check the "
                         "value and that it is in " + unit, field=field)


def _age(rec: PatientRecordV1, as_of: dt.date, derived: list[str]) -> float:
    stated_on = rec.as_of or as_of
    if rec.birth_date is not None:
        if rec.birth_date > as_of:
            raise InputError(f"{rec.birth_date.isoformat()} is after as_of {as_of.isoformat()}", field="birth_date")
        if rec.age_years is not None:
            computed = derive.age_years(rec.birth_date, stated_on)
            if abs(computed - rec.age_years) > AGE_TOLERANCE_YEARS:
                raise InputError(f"{rec.age_years:g} does not match birth_date {rec.birth_date.isoformat()} "
                                 f"(age {computed:.2f} on {stated_on.isoformat()}); correct one of them or give "
                                 "only one", field="age_years")
        age = derive.age_years(rec.birth_date, as_of)
        if rec.age_years is None or stated_on != as_of:
            derived.append("age_years")
        elif rec.age_years is not None:
            age = rec.age_years
        field = "birth_date"
    elif rec.age_years is not None:
        age = rec.age_years
        if stated_on != as_of:  # age was stated on the record's as_of; move it to the requested day
            age += (as_of - stated_on).days / 365.25
            derived.append("age_years")
        field = "age_years"
    else:
        raise InputError("give birth_date (YYYY-MM-DD) or age_years", field="age_years")
    if not AGE_RANGE[0] <= age <= AGE_RANGE[1]:
        raise InputError(f"age {age:.2f} years on {as_of.isoformat()} is impossible (allowed "
                         f"{AGE_RANGE[0]:g}–{AGE_RANGE[1]:g}); check {field}", field=field)
    return age


def _lab(i: int, lab: LabInput, bsa: float | None, dates: _Dates) -> Lab:
    from nephroguide.intake import units

    f = f"labs[{i}]"
    dates.check(lab.date, f"{f}.date")
    test = lab.test.strip().lower() if isinstance(lab.test, str) else lab.test
    if test not in _KNOWN_TESTS:
        raise InputError(f"unknown test {_short(lab.test)}; known tests: {', '.join(_KNOWN_TESTS)}", field=f"{f}.test")
    if test in CATEGORICAL_TESTS:
        allowed = CATEGORICAL_TESTS[test]
        if lab.unit not in (None, ""):
            raise InputError(f"{test} results have no unit; remove unit (got {_short(lab.unit)})", field=f"{f}.unit")
        raw = lab.value
        if isinstance(raw, str) and len(raw) > MAX_NAME:
            raise InputError(f"is too long ({len(raw)} characters) for a {test} result: {_short(raw)}",
                             field=f"{f}.value")
        key = re.sub(r"\s+", "", raw.lower()) if isinstance(raw, str) else None
        category = _DIPSTICK_SYNONYMS.get(key, key) if key is not None else None
        if category not in allowed:
            hint = " (in YAML, quote it: '1+')" if isinstance(raw, int | float) and not isinstance(raw, bool) else ""
            raise InputError(f"{_short(raw)} is not a {test} result; use one of: {', '.join(allowed)}{hint}",
                             field=f"{f}.value")
        return Lab(date=lab.date, test=test, value=None, unit=None, category=category, index=i)
    value = lab.value
    if value is None:
        raise InputError(f"a number is required for {test}", field=f"{f}.value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        what = f"the text {_short(value)}" if isinstance(value, str) else _short(value)
        raise InputError(f"must be a number, got {what}; write the number alone and its unit in unit",
                         field=f"{f}.value")
    try:
        value = float(value)
    except OverflowError:  # an integer too large for a float (only from Python callers: readers bound it)
        value = math.inf
    if not math.isfinite(value):
        raise InputError("must be a finite number", field=f"{f}.value")
    if value < 0:
        raise InputError(f"{value:g} is negative; a {test} result cannot be below 0", field=f"{f}.value")
    if lab.unit is None or not lab.unit.strip():
        raise InputError(f"unit is required for {test}; accepted: {', '.join(units.accepted_units(test))}",
                         field=f"{f}.unit")
    unit = units.normalise_unit(test, lab.unit, field=f"{f}.unit")
    canonical_value, canonical_unit = units.to_canonical(test, value, unit, bsa=bsa, field=f"{f}.unit")
    limits = units.plausible_range(test)
    if limits is not None and not limits[0] <= canonical_value <= limits[1]:
        shown = f"{value:g} {unit}" + (f" (= {canonical_value:.4g} {canonical_unit})" if unit != canonical_unit else "")
        raise InputError(f"impossible value {shown} for {test}: plausible range is {limits[0]:g}–{limits[1]:g} "
                         f"{canonical_unit}; check the value and its unit", field=f"{f}.value")
    return Lab(date=lab.date, test=test, value=canonical_value, unit=canonical_unit, given_value=value,
               given_unit=unit, index=i)


def _egfr(labs: list[Lab], height_cm: float | None) -> tuple[float | None, dt.date | None, Lab | None]:
    """(egfr, its date, a derived eGFR lab or None): the latest eGFR lab unless a later creatinine exists."""
    egfr_labs = [lab for lab in labs if lab.test == "egfr"]
    creats = [lab for lab in labs if lab.test == "creatinine"]
    latest_egfr = egfr_labs[-1] if egfr_labs else None
    latest_cr = creats[-1] if creats else None
    if latest_egfr is not None and (latest_cr is None or latest_egfr.date >= latest_cr.date):
        return latest_egfr.value, latest_egfr.date, None
    if latest_cr is not None and latest_cr.value and height_cm is not None:
        value = derive.schwartz_egfr(height_cm, latest_cr.value)
        lab = Lab(date=latest_cr.date, test="egfr", value=value, unit=CANONICAL_UNITS["egfr"], derived=True)
        return value, latest_cr.date, lab
    if latest_egfr is not None:
        return latest_egfr.value, latest_egfr.date, None
    return None, None, None


def _medication(i: int, med: MedicationInput, weight: float | None, bsa: float | None, dates: _Dates,
                derived: list[str]) -> Medication:
    from nephroguide.errors import UnknownNameError
    from nephroguide.intake import drugs, units

    f = f"medications[{i}]"
    try:
        entry = drugs.resolve_drug(med.drug, field=f"{f}.drug")
    except UnknownNameError as exc:
        raise InputError(exc.message, field=exc.field) from None
    dates.check(med.start, f"{f}.start")
    if med.end is not None and med.end < med.start:
        raise InputError(f"{med.end.isoformat()} is before start {med.start.isoformat()}", field=f"{f}.end")
    dates.check(med.end, f"{f}.end")
    frequency = normalise_frequency(med.frequency, field=f"{f}.frequency") if med.frequency is not None else None
    base: dict[str, Any] = {"drug": drugs.generic_id(entry), "given_name": med.drug, "start": med.start,
                            "end": med.end, "route": med.route, "index": i}
    if med.dose is None and med.dose_unit is None:
        return Medication(**base, frequency=frequency, doses_per_day=DOSES_PER_DAY.get(frequency or ""),
                          alternate_days=frequency == "alternate_days")
    if med.dose is None:
        raise InputError(f"dose is required when dose_unit is given ({med.dose_unit})", field=f"{f}.dose")
    if med.dose_unit is None or not med.dose_unit.strip():
        raise InputError(f"dose_unit is required for dose {med.dose:g}; e.g. mg/kg/day, mg/m2/day, mg/day, or mg "
                         "with frequency", field=f"{f}.dose_unit")
    if med.dose <= 0:
        raise InputError(f"{med.dose:g} must be greater than 0", field=f"{f}.dose")
    du = units.parse_dose_unit(med.dose_unit, field=f"{f}.dose_unit")
    per_period = {"week": "weekly", "month": "monthly"}
    if du.period == "dose" and frequency is None:
        raise InputError(f"frequency is required for the per-dose unit {du.text!r}; give e.g. daily, bid, "
                         f"alternate_days, once (or use a per-day unit such as {du.text}/day)", field=f"{f}.frequency")
    if du.period == "day" and frequency in {"weekly", "monthly", "once"}:
        raise InputError(f"{frequency!r} does not fit the per-day unit {du.text!r}; use a per-dose unit "
                         f"({du.text.removesuffix('/day')}) with this frequency", field=f"{f}.frequency")
    if du.period in per_period:
        expected = per_period[du.period]
        if frequency not in (None, expected):
            raise InputError(f"{frequency!r} does not fit the unit {du.text!r}; use {expected!r} or a per-dose unit",
                             field=f"{f}.frequency")
        frequency = expected

    alternate = frequency == "alternate_days"
    doses_per_day = DOSES_PER_DAY.get(frequency or "")
    # The amount per (dosing) day and per dose, in the dose's own basis (per child, per kg or per m²).
    per_day: float | None
    per_dose: float | None
    if du.period == "day":
        per_day = med.dose
        per_dose = med.dose / doses_per_day if doses_per_day else None
    elif du.period == "dose":
        per_dose = med.dose
        per_day = med.dose * doses_per_day if doses_per_day else None
    else:  # per week / per month: one administration per period
        per_day = None
        per_dose = med.dose
    # The value the record states (e.g. mg/kg/day) is not "derived"; the other per-day forms are.
    stated_name = {None: "mg_per_day", "kg": "mg_per_kg_day", "m2": "mg_per_m2_day"}[du.per] \
        if du.period == "day" else None
    values: dict[str, float | None] = {}
    for what, amount in (("day", per_day), ("dose", per_dose)):
        names = (f"mg_per_{what}", f"mg_per_kg_{what}", f"mg_per_m2_{what}")
        for name, v in zip(names, _per_basis(amount, du, weight, bsa), strict=True):
            values[name] = v
            if v is not None and what == "day" and name != stated_name:
                derived.append(f"{f}.{name}")
    return Medication(**base, dose=med.dose, dose_unit=du.text, frequency=frequency, doses_per_day=doses_per_day,
                      alternate_days=alternate, mg_per_day=values["mg_per_day"],
                      mg_per_kg_day=values["mg_per_kg_day"], mg_per_m2_day=values["mg_per_m2_day"],
                      mg_per_dose=values["mg_per_dose"], mg_per_kg_dose=values["mg_per_kg_dose"],
                      mg_per_m2_dose=values["mg_per_m2_dose"])


def _per_basis(amount: float | None, du: Any, weight: float | None,
               bsa: float | None) -> tuple[float | None, float | None, float | None]:
    """(mg, mg/kg, mg/m²) from an amount in the dose unit's basis; None where size or mg is unknown."""
    if amount is None or du.to_mg is None:
        return None, None, None
    mg = amount * du.to_mg
    if du.per == "kg":
        total = mg * weight if weight else None
    elif du.per == "m2":
        total = mg * bsa if bsa else None
    else:
        total = mg
    per_kg = mg if du.per == "kg" else (total / weight if total is not None and weight else None)
    per_m2 = mg if du.per == "m2" else (total / bsa if total is not None and bsa else None)
    return total, per_kg, per_m2


def _edema(rec: PatientRecordV1, events: Sequence[Event], derived: list[str]) -> bool | None:
    if rec.edema is not None:
        return rec.edema
    edema_days = [e.date for e in events if e.type == "edema"]
    if not edema_days:
        return None
    derived.append("edema")
    remissions = [e.date for e in events if e.type == "remission"]
    return not remissions or max(edema_days) >= max(remissions)


def load_patient(data: dict[str, Any] | Any, as_of: dt.date | str | None = None,
                 today: dt.date | None = None) -> Patient:
    """Validate a patient record v1 and normalise it into a :class:`Patient`.

    ``as_of`` (date or ``YYYY-MM-DD``) overrides the record's ``as_of``; without either, ``today`` is
    used (callers resolve it once); the clock is read only when all three are missing.
    Raises InputError naming the field on the first problem found.
    """
    rec = validate_record(data)
    day = _resolve_as_of(as_of, rec.as_of, today)
    derived: list[str] = []

    age = _age(rec, day, derived)
    _check_range(rec.weight_kg, WEIGHT_RANGE_KG, "kg", "weight_kg")
    _check_range(rec.height_cm, HEIGHT_RANGE_CM, "cm", "height_cm")
    _check_range(rec.bsa_m2, BSA_RANGE_M2, "m2", "bsa_m2")
    bsa = float(rec.bsa_m2) if rec.bsa_m2 is not None else None
    if bsa is None and rec.weight_kg is not None and rec.height_cm is not None:
        bsa = derive.bsa_mosteller(rec.height_cm, rec.weight_kg)
        derived.append("bsa_m2")

    dates = _Dates(day, rec.birth_date)
    dates.check(rec.onset_date, "onset_date")
    if rec.biopsy is not None:
        dates.check(rec.biopsy.date, "biopsy.date")
    genes: tuple[str, ...] = ()
    if rec.genetics is not None:
        for g, gene in enumerate(rec.genetics.genes):
            if not gene.strip():
                raise InputError("gene symbol is empty", field=f"genetics.genes[{g}]")
        genes = tuple(gene.strip().upper() for gene in rec.genetics.genes)

    labs = [_lab(i, lab, bsa, dates) for i, lab in enumerate(rec.labs)]
    labs.sort(key=_by_date)
    egfr, egfr_date, egfr_lab = _egfr(labs, rec.height_cm)
    if egfr_lab is not None:
        derived.append("egfr")
        labs.append(egfr_lab)
        labs.sort(key=_by_date)

    med_derived: list[str] = []
    meds = [_medication(i, m, rec.weight_kg, bsa, dates, med_derived) for i, m in enumerate(rec.medications)]
    meds.sort(key=lambda m: m.start)
    derived.extend(med_derived)

    events: list[Event] = []
    for i, e in enumerate(rec.events):
        dates.check(e.date, f"events[{i}].date")
        events.append(Event(date=e.date, type=e.type, note=e.note or "", index=i))
    events.sort(key=_by_date)
    edema = _edema(rec, events, derived)

    return Patient(
        as_of=day, age_years=age, id=rec.id, birth_date=rec.birth_date, sex=rec.sex or "unknown",
        weight_kg=rec.weight_kg, height_cm=rec.height_cm, bsa_m2=bsa, egfr=egfr, egfr_date=egfr_date,
        onset_date=rec.onset_date, histology=rec.biopsy.histology if rec.biopsy else None,
        biopsy_date=rec.biopsy.date if rec.biopsy else None,
        genetic_status=rec.genetics.status if rec.genetics else None, genes=genes,
        labs=tuple(labs), medications=tuple(meds), events=tuple(events), assessment=dict(rec.assessment),
        edema=edema, derived=tuple(derived),
    )


_by_date: Callable[[Any], dt.date] = lambda item: item.date  # noqa: E731 - a sort key shared by labs and events
