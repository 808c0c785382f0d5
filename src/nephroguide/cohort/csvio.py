"""Read the cohort CSVs (long-format labs and events, optional patients table) and write files atomically.

``labs.csv`` has one row per measurement or event, header required::

    patient_id,date,test,value,unit
    1,2019-03-02,upcr,4.8,mg/mg
    1,2019-03-02,albumin,1.2,g/dL
    1,2019-03-04,event,ctx_infusion,

Rows may come in any order (they are sorted by patient and date; rows of one date keep file order).
A row repeated exactly is counted once and reported in the patient's notes. Units are normalised and
converted through :mod:`nephroguide.intake.units`, with one conversion factor per (test, unit) cached
for the whole file, so a 500,000-row file never touches pint more than a handful of times. Values must
be numbers, except dipstick results (``negative``, ``trace``, ``1+`` ... ``4+``) and event names.

``patients.csv`` (optional) has one row per patient: ``patient_id`` plus any descriptive columns,
kept exactly as written (``sex``, ``histology`` such as ``MCD/IgM`` or ``MCD with C1q deposits``,
``steroid_resistance``, ...). Only what the analysis computes with is validated: ``patient_id`` and
``birth_date`` (YYYY-MM-DD; it gives the age at time zero).

Every problem is an :class:`~nephroguide.errors.InputError` whose one-line message names the file,
the line and the field, e.g. ``labs.csv line 14, unit: unit 'mg/l' is not accepted for upcr; use one
of: mg/mg, g/g, mg/mmol, g/mmol, mg/g``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import math
import os
import re
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from nephroguide.errors import InputError
from nephroguide.intake.types import CATEGORICAL_TESTS, Lab

LAB_COLUMNS = ("patient_id", "date", "test", "value", "unit")
EVENT_TEST = "event"
PATIENT_COLUMNS = ("patient_id", "birth_date", "sex", "histology", "steroid_resistance")

CsvSource = str | os.PathLike[str] | bytes | IO[str]

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EVENT_RE = re.compile(r"[a-z][a-z0-9_]*")
_NUM_SPLIT = re.compile(r"(\d+)")


@dataclass(frozen=True)
class CohortEvent:
    """An event row (``test = event``): a drug start, an infusion, a transplant, ..."""

    date: dt.date
    name: str
    line: int


@dataclass
class PatientRows:
    """Everything the files say about one patient, sorted by date."""

    patient_id: str
    labs: list[Lab] = field(default_factory=list)           # Lab.index = the CSV line number
    events: list[CohortEvent] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)       # patients.csv columns as written (empty dropped)
    notes: list[str] = field(default_factory=list)           # duplicates, same-day conflicts
    first_line: int = 0


@dataclass
class CohortInput:
    """The parsed cohort: patients in natural id order, plus what reading them found."""

    labs_name: str
    patients_name: str | None
    patients: dict[str, PatientRows]
    rows: int
    duplicate_rows: int
    notes: list[str]
    info_columns: tuple[str, ...] = ()

    def event_names(self) -> list[str]:
        """Every event name in the file, sorted."""
        return sorted({e.name for p in self.patients.values() for e in p.events})


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that puts patient '2' before '10' (and 'P2' before 'P10'); ties broken by the text."""
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in _NUM_SPLIT.split(text) if p)
    return (parts, text)


# ------------------------------------------------------------------------------------------- input

def _is_text(source: str) -> bool:
    return "\n" in source or "\r" in source


def source_name(source: CsvSource, default: str) -> str:
    """How messages name the file: the path as given, else ``default``."""
    if isinstance(source, str) and not _is_text(source):
        return source
    if isinstance(source, os.PathLike):
        return os.fspath(source)
    return getattr(source, "name", None) or default


def _rows(source: CsvSource, name: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for every record, header first; blank lines skipped."""
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{name}: not UTF-8 text", field=name) from None
        yield from _reader_rows(io.StringIO(text), name)
    elif isinstance(source, str) and _is_text(source):
        yield from _reader_rows(io.StringIO(source.lstrip("\ufeff")), name)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            fh = path.open(encoding="utf-8-sig", newline="")
        except FileNotFoundError:
            raise InputError(f"{name}: file not found", field=name) from None
        except OSError as exc:
            raise InputError(f"{name}: cannot read ({exc.strerror})", field=name) from None
        with fh:
            yield from _reader_rows(fh, name)
    else:
        yield from _reader_rows(source, name)


def _reader_rows(fh: IO[str], name: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(fh, strict=True)
    try:
        for row in reader:
            if row:
                yield reader.line_num, row
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text", field=name) from None
    except csv.Error as exc:
        raise InputError(f"{name} line {reader.line_num}: not valid CSV ({exc})",
                         field=f"{name} line {reader.line_num}") from None


def _err(name: str, line: int, column: str, text: str) -> InputError:
    where = f"{name} line {line}, {column}"
    return InputError(f"{where}: {text}", field=where)


def _header(rows: Iterator[tuple[int, list[str]]], name: str, required: tuple[str, ...]) -> tuple[int, list[str]]:
    try:
        line, header = next(rows)
    except StopIteration:
        raise InputError(f"{name}: the file is empty; the first line must be the header "
                         f"{','.join(required)}", field=name) from None
    cols = [h.strip().lstrip("\ufeff").lower() for h in header]
    for col in required:
        if col not in cols:
            raise _err(name, line, "header", f"missing column {col!r}; the header must name "
                                             f"{', '.join(required)} (found: {', '.join(cols) or 'nothing'})")
    seen: set[str] = set()
    for col in cols:
        if col and col in seen:
            raise _err(name, line, "header", f"column {col!r} appears twice")
        seen.add(col)
    return line, cols


def _date_parser(name: str) -> Any:
    cache: dict[str, dt.date] = {}

    def parse(text: str, line: int, column: str) -> dt.date:
        d = cache.get(text)
        if d is not None:
            return d
        if not text:
            raise _err(name, line, column, "date is missing (use YYYY-MM-DD)")
        try:
            if not _DATE_RE.fullmatch(text):
                raise ValueError
            d = dt.date.fromisoformat(text)
        except ValueError:
            raise _err(name, line, column, f"{text!r} is not a date (use YYYY-MM-DD)") from None
        cache[text] = d
        return d

    return parse


class _Units:
    """Per-file cache: (test, unit as written) -> (accepted spelling, factor to canonical, canonical unit)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cache: dict[tuple[str, str], tuple[str, float, str]] = {}
        self.limits: dict[str, tuple[float, float] | None] = {}

    def get(self, test: str, unit: str, line: int) -> tuple[str, float, str]:
        hit = self.cache.get((test, unit))
        if hit is not None:
            return hit
        from nephroguide.intake.units import normalise_unit, plausible_range, to_canonical

        try:
            spelled = normalise_unit(test, unit)
        except InputError as exc:
            raise _err(self.name, line, "unit", exc.message) from None
        try:
            factor, canonical = to_canonical(test, 1.0, spelled)
        except InputError:
            from nephroguide.intake.types import CANONICAL_UNITS

            raise _err(self.name, line, "unit", f"{test} in {spelled} cannot be converted to "
                                                f"{CANONICAL_UNITS[test]} without the body surface area; "
                                                f"give it in {CANONICAL_UNITS[test]}") from None
        self.cache[(test, unit)] = hit = (spelled, factor, canonical)
        if test not in self.limits:
            self.limits[test] = plausible_range(test)
        return hit


def _known_tests() -> tuple[str, ...]:
    from nephroguide.intake.units import KNOWN_TESTS

    return KNOWN_TESTS


def _fast_lab_factory() -> Any:
    """A Lab constructor for bulk reading: fills the instance dict directly (2-3x faster than the
    frozen dataclass ``__init__``). Used only while Lab is a plain (no slots, no __post_init__)
    dataclass with exactly these fields; otherwise the normal constructor is returned."""
    import dataclasses

    expected = ("date", "test", "value", "unit", "category", "given_value", "given_unit", "derived", "index")
    names = tuple(f.name for f in dataclasses.fields(Lab))
    if names != expected or "__slots__" in Lab.__dict__ or hasattr(Lab, "__post_init__"):
        return lambda date, test, value, unit, category, given_value, given_unit, index: Lab(
            date, test, value, unit, category, given_value, given_unit, False, index)
    new = object.__new__

    def make(date: dt.date, test: str, value: float | None, unit: str | None, category: str | None,
             given_value: float | None, given_unit: str | None, index: int) -> Lab:
        lab = new(Lab)
        lab.__dict__.update(date=date, test=test, value=value, unit=unit, category=category, given_value=given_value,
                            given_unit=given_unit, derived=False, index=index)
        return lab

    return make


class NoGC:
    """Pause the cyclic garbage collector during bulk parsing/analysis (it costs ~40% on 500,000 rows
    and there are no reference cycles to find); restored on exit."""

    def __enter__(self) -> None:
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was:
            gc.enable()




def read_labs(source: CsvSource, *, name: str | None = None) -> CohortInput:
    """Parse ``labs.csv`` (path, CSV text, bytes or an open text file) into per-patient rows."""
    with NoGC():
        return _read_labs(source, name or source_name(source, "labs.csv"))


def _read_labs(source: CsvSource, name: str) -> CohortInput:
    rows = _rows(source, name)
    header_line, cols = _header(rows, name, LAB_COLUMNS)
    ip, idate, itest, ivalue, iunit = (cols.index(c) for c in LAB_COLUMNS)
    ncols = len(cols)
    known = _known_tests()
    tests = {t: t for t in known}
    tests[EVENT_TEST] = EVENT_TEST
    dipstick = CATEGORICAL_TESTS["dipstick"]
    parse_date = _date_parser(name)
    date_cache: dict[str, dt.date] = {}
    units = _Units(name)
    unit_cache: dict[tuple[str, str], tuple[str, float, str, float, float]] = {}
    patients: dict[str, PatientRows] = {}
    last_date: dict[str, dt.date | None] = {}
    unsorted: set[str] = set()
    seen: dict[tuple[str, ...], int] = {}
    duplicates: dict[str, list[tuple[int, int]]] = {}
    n_rows = 0
    isfinite = math.isfinite
    make_lab = _fast_lab_factory()
    cur_pid: str | None = None
    last: dt.date | None = None
    p = PatientRows("")

    # The hot loop: 500,000 rows in about a second and a half. Everything cacheable is cached
    # (dates, unit factors, the current patient); rare paths (errors, events, dipstick) are slower.
    for line, row in rows:
        if len(row) != ncols:
            if not any(c.strip() for c in row):
                continue
            raise InputError(f"{name} line {line}: {len(row)} fields where the header has {ncols} "
                             f"({','.join(cols)})", field=f"{name} line {line}")
        n_rows += 1
        key = tuple(row)
        first = seen.get(key)
        if first is not None:
            duplicates.setdefault(row[ip].strip(), []).append((line, first))
            continue
        seen[key] = line
        pid = row[ip].strip()
        date_text = row[idate].strip()
        test_text = row[itest].strip()
        value_text = row[ivalue].strip()
        unit_text = row[iunit].strip()
        if pid != cur_pid:
            if not pid:
                raise _err(name, line, "patient_id", "patient_id is missing")
            if cur_pid is not None:
                last_date[cur_pid] = last
            got = patients.get(pid)
            if got is None:
                got = patients[pid] = PatientRows(pid, first_line=line)
            p, cur_pid, last = got, pid, last_date.get(pid)
        day = date_cache.get(date_text)
        if day is None:
            day = date_cache[date_text] = parse_date(date_text, line, "date")
        if last is not None and day < last:
            unsorted.add(pid)
        else:
            last = day
        test = tests.get(test_text) or tests.get(test_text.lower())
        if test is None:
            what = f"unknown test {test_text!r}" if test_text else "test is missing"
            raise _err(name, line, "test", f"{what}; known tests: {', '.join(known)}, event")
        conv = unit_cache.get((test, unit_text))
        if conv is not None:
            try:
                value = float(value_text)
            except ValueError:
                raise _err(name, line, "value", f"{value_text!r} is not a number" if value_text
                           else f"value is missing for {test}") from None
            canon_value = value * conv[1]
            if not conv[3] <= canon_value <= conv[4]:  # also false for nan
                _check_value(name, line, test, value_text, value, conv)
            p.labs.append(make_lab(day, test, canon_value, conv[2], None, value, conv[0], line))
            continue
        if test == EVENT_TEST:
            event = value_text.lower()
            if not _EVENT_RE.fullmatch(event):
                what = f"event name {value_text!r} is not a word" if value_text else "event name is missing"
                raise _err(name, line, "value", f"{what}; write it like ctx_infusion or cni_start "
                                                "(lower-case letters, digits, _)")
            if unit_text:
                raise _err(name, line, "unit", f"event rows take no unit (got {unit_text!r})")
            p.events.append(CohortEvent(day, event, line))
            continue
        if test in CATEGORICAL_TESTS:
            category = value_text.lower()
            if category not in dipstick:
                raise _err(name, line, "value", f"{value_text!r} is not a {test} result; use one of: "
                                                f"{', '.join(dipstick)}")
            if unit_text:
                raise _err(name, line, "unit", f"{test} results have no unit; leave unit empty (got {unit_text!r})")
            p.labs.append(make_lab(day, test, None, None, category, None, None, line))
            continue
        # First row of this (test, unit): validate the value first (a bad value is named before its unit).
        if not value_text:
            raise _err(name, line, "value", f"value is missing for {test}")
        try:
            value = float(value_text)
        except ValueError:
            raise _err(name, line, "value", f"{value_text!r} is not a number") from None
        if not isfinite(value):
            raise _err(name, line, "value", f"{value_text!r} is not a finite number")
        spelled, factor, canonical = units.get(test, unit_text, line)
        limits = units.limits[test] or (-sys.float_info.max, sys.float_info.max)
        conv = unit_cache[(test, unit_text)] = (spelled, factor, canonical, limits[0], limits[1])
        canon_value = value * factor
        if not conv[3] <= canon_value <= conv[4]:
            _check_value(name, line, test, value_text, value, conv)
        p.labs.append(make_lab(day, test, canon_value, canonical, None, value, spelled, line))

    if not n_rows:
        raise InputError(f"{name}: no data rows after the header (line {header_line})", field=name)
    notes: list[str] = []
    for pid in unsorted:
        patients[pid].labs.sort(key=_lab_date)
        patients[pid].events.sort(key=_event_date)
    if unsorted:
        notes.append(f"rows of {len(unsorted)} patient(s) were not in date order; they were sorted by date "
                     "(rows of the same date keep their file order)")
    n_dup = sum(len(v) for v in duplicates.values())
    for pid, pairs in duplicates.items():
        shown = ", ".join(f"line {a} repeats line {b}" for a, b in pairs[:5])
        more = f" and {len(pairs) - 5} more" if len(pairs) > 5 else ""
        patients[pid].notes.append(f"{len(pairs)} exact duplicate row(s) in {name} counted once ({shown}{more})")
    if n_dup:
        notes.append(f"{n_dup} exact duplicate row(s) in {name} were counted once (listed in the patients' notes)")
    for p in patients.values():
        _same_day_conflicts(p, name)
    ordered = {pid: patients[pid] for pid in sorted(patients, key=natural_key)}
    return CohortInput(labs_name=name, patients_name=None, patients=ordered, rows=n_rows, duplicate_rows=n_dup,
                       notes=notes)


def _check_value(name: str, line: int, test: str, text: str, value: float,
                 conv: tuple[str, float, str, float, float]) -> None:
    """Raise for a value outside the possible range of the test (or not finite)."""
    if not math.isfinite(value):
        raise _err(name, line, "value", f"{text!r} is not a finite number")
    spelled, _factor, canonical, low, high = conv
    raise _err(name, line, "value", f"{text} {spelled} is outside the possible range for {test} "
                                    f"({low:g}-{high:g} {canonical}); check the value and unit")


def _lab_date(lab: Lab) -> dt.date:
    return lab.date


def _event_date(event: CohortEvent) -> dt.date:
    return event.date


_DECIDING_TESTS = ("upcr", "urine_protein_24h", "dipstick", "albumin")


def _same_day_conflicts(p: PatientRows, name: str) -> None:
    """Note two different results of one test on one date (the engine reads the first in file order)."""
    labs = p.labs
    for i in range(1, len(labs)):
        if labs[i].date != labs[i - 1].date:
            continue
        # Rare path: collect every same-day, same-test group of this patient once.
        groups: dict[tuple[dt.date, str], list[Lab]] = {}
        for lab in labs:
            if lab.test in _DECIDING_TESTS:
                groups.setdefault((lab.date, lab.test), []).append(lab)
        for (day, test), same in sorted(groups.items()):
            if len(same) > 1:
                first = min(same, key=lambda x: x.index or 0)
                lines = ", ".join(f"{x.display()} line {x.index}" for x in sorted(same, key=lambda x: x.index or 0))
                p.notes.append(f"{len(same)} different {test} results on {day.isoformat()} ({lines}); the one on "
                               f"line {first.index} of {name} is used")
        return


def read_patients(source: CsvSource, cohort: CohortInput, *, name: str | None = None) -> None:
    """Parse ``patients.csv`` and attach each row to its patient in ``cohort``.

    A patient listed here with no rows in the labs file is an error (usually an id that does not
    match); a patient with labs but no row here is noted.
    """
    name = name or source_name(source, "patients.csv")
    rows = _rows(source, name)
    _line, cols = _header(rows, name, ("patient_id",))
    ncols = len(cols)
    parse_date = _date_parser(name)
    listed: dict[str, int] = {}
    for line, row in rows:
        if len(row) != ncols:
            if not any(c.strip() for c in row):
                continue
            raise InputError(f"{name} line {line}: {len(row)} fields where the header has {ncols} "
                             f"({','.join(cols)})", field=f"{name} line {line}")
        values = {c: v.strip() for c, v in zip(cols, row, strict=True) if c}
        pid = values.pop("patient_id")
        if not pid:
            raise _err(name, line, "patient_id", "patient_id is missing")
        if pid in listed:
            raise _err(name, line, "patient_id", f"patient {pid!r} is listed twice (also line {listed[pid]})")
        listed[pid] = line
        info: dict[str, str] = {}
        for col, value in values.items():
            if not value:
                continue
            if col == "birth_date":  # the only column the analysis computes with (age at time zero)
                value = parse_date(value, line, col).isoformat()
            info[col] = value  # descriptive columns are kept exactly as written
        p = cohort.patients.get(pid)
        if p is None:
            raise _err(name, line, "patient_id", f"patient {pid!r} has no rows in {cohort.labs_name}; check that "
                                                 "the ids match")
        p.info = info
    missing = [pid for pid in cohort.patients if pid not in listed]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        cohort.notes.append(f"{len(missing)} patient(s) with rows in {cohort.labs_name} are not listed in {name}: "
                            f"{shown}")
    cohort.patients_name = name
    cohort.info_columns = tuple(c for c in cols if c and c != "patient_id")


def read_cohort(labs: CsvSource, patients: CsvSource | None = None, *, labs_name: str | None = None,
                patients_name: str | None = None) -> CohortInput:
    """Both files, validated and joined."""
    data = read_labs(labs, name=labs_name)
    if patients is not None:
        read_patients(patients, data, name=patients_name)
    return data


# ------------------------------------------------------------------------------------------- output

def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write a file so that it either appears whole or not at all (temp file in the same directory, renamed)."""
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = target.parent if str(target.parent) else Path(".")
    tmp = directory / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise InputError(f"{target}: cannot write ({exc.strerror})", field=str(target)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise InputError(f"{target}: cannot write ({exc.strerror})", field=str(target)) from None
        raise
