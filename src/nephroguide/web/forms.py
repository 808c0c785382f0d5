"""The planner form <-> patient record v1. Field names are the record's own paths (``labs[0].unit``),
so intake's error field names the input it belongs to. No validation beyond "is this a number": intake
does the rest."""

from __future__ import annotations

import math
from typing import Any

from nephroguide.errors import InputError

LAB_ROWS = 4
MED_ROWS = 2
MAX_ROWS = 40
LAB_FIELDS = ("date", "test", "value", "unit")
MED_FIELDS = ("drug", "start", "end", "dose", "dose_unit", "frequency", "route")
TOP_FIELDS = ("as_of", "birth_date", "age_years", "sex", "weight_kg", "height_cm", "onset_date", "biopsy.date",
              "biopsy.histology", "genetics.status", "genetics.genes", "edema", "definitions")


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(text: str, field: str) -> float:
    try:
        value = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
    except ValueError:
        raise InputError(f"must be a number, got {text!r}", field=field) from None
    if not math.isfinite(value):
        raise InputError("must be a finite number", field=field)
    return value


def row_count(form: Any, prefix: str, default: int) -> int:
    """How many rows of a list the form has (the highest index sent, at least ``default``)."""
    n = default
    for key in form:
        if key.startswith(prefix + "["):
            try:
                n = max(n, int(key[len(prefix) + 1:key.index("]")]) + 1)
            except ValueError:
                continue
    return min(n, MAX_ROWS)


def values(form: Any) -> dict[str, str]:
    """Every text value of the form, to re-fill it."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def record_from_form(form: Any, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """A patient record v1 from the planner form (empty rows are ignored).

    With ``errors`` (a dict), every field that is not a number where one is needed is collected there (field ->
    message) and left out of the record, so that all of them are shown at once; without it the first raises.
    """
    rec: dict[str, Any] = {}
    for name in ("as_of", "birth_date", "onset_date"):
        if _text(form, name):
            rec[name] = _text(form, name)
    for name in ("age_years", "weight_kg", "height_cm"):
        if _text(form, name):
            try:
                rec[name] = _number(_text(form, name), name)
            except InputError as exc:
                if errors is None:
                    raise
                errors[name] = exc.message
    if _text(form, "sex"):
        rec["sex"] = _text(form, "sex")
    if _text(form, "edema") in ("yes", "no"):
        rec["edema"] = _text(form, "edema") == "yes"
    if _text(form, "biopsy.histology") or _text(form, "biopsy.date"):
        rec["biopsy"] = {"histology": _text(form, "biopsy.histology") or "not_done"}
        if _text(form, "biopsy.date"):
            rec["biopsy"]["date"] = _text(form, "biopsy.date")
    if _text(form, "genetics.status"):
        genes = [g.strip() for g in _text(form, "genetics.genes").replace(";", ",").split(",") if g.strip()]
        rec["genetics"] = {"status": _text(form, "genetics.status"), "genes": genes}
    labs = []
    for i in range(row_count(form, "labs", 0)):
        row = {f: _text(form, f"labs[{i}].{f}") for f in LAB_FIELDS}
        if not any(row.values()):
            continue
        try:
            lab: dict[str, Any] = {"date": row["date"], "test": row["test"]}
            if row["test"] == "dipstick":
                lab["value"] = row["value"]
            elif row["value"]:
                lab["value"] = _number(row["value"], f"labs[{i}].value") if _is_numberish(row["value"]) else row["value"]
            else:
                raise InputError(f"a value is required (row {i + 1})", field=f"labs[{i}].value")
        except InputError as exc:
            if errors is None:
                raise
            errors[exc.field or f"labs[{i}].value"] = exc.message
            continue
        if row["unit"]:
            lab["unit"] = row["unit"]
        labs.append((i, lab))
    meds = []
    for i in range(row_count(form, "medications", 0)):
        row = {f: _text(form, f"medications[{i}].{f}") for f in MED_FIELDS}
        if not any(row.values()):
            continue
        med: dict[str, Any] = {"drug": row["drug"], "start": row["start"]}
        if row["end"]:
            med["end"] = row["end"]
        if row["dose"]:
            try:
                med["dose"] = _number(row["dose"], f"medications[{i}].dose")
            except InputError as exc:
                if errors is None:
                    raise
                errors[f"medications[{i}].dose"] = exc.message
                continue
        for name in ("dose_unit", "frequency", "route"):
            if row[name]:
                med[name] = row[name]
        meds.append((i, med))
    rec["labs"] = [lab for _, lab in labs]
    rec["medications"] = [m for _, m in meds]
    rec["_rows"] = {"labs": [i for i, _ in labs], "medications": [i for i, _ in meds]}
    return rec


def _is_numberish(text: str) -> bool:
    try:
        float(text.replace(",", "."))
        return True
    except ValueError:
        return False


def form_field(record_field: str, rows: dict[str, list[int]]) -> str:
    """Map an intake field (``labs[1].unit``, counted over non-empty rows) back to the form's row index."""
    for kind in ("labs", "medications"):
        prefix = kind + "["
        if record_field.startswith(prefix):
            try:
                j = int(record_field[len(prefix):record_field.index("]")])
                rest = record_field[record_field.index("]") + 1:]
                return f"{kind}[{rows[kind][j]}]{rest}"
            except (ValueError, IndexError, KeyError):
                return record_field
    return record_field


_LABELS = {"age_years": "Age", "birth_date": "Birth date", "sex": "Sex", "weight_kg": "Weight", "height_cm": "Height",
           "as_of": "As of", "onset_date": "Onset", "edema": "Edema", "definitions": "Definition set",
           "biopsy.histology": "Biopsy histology", "biopsy.date": "Biopsy date", "genetics.status": "Genetic testing",
           "genetics.genes": "Genes", "patient_file": "Patient file"}


def field_label(field: str) -> str:
    """A form field as the label people see: ``labs[2].unit`` -> ``Lab 3 unit``."""
    for kind, word in (("labs", "Lab"), ("medications", "Medication")):
        if field.startswith(kind + "["):
            try:
                i = int(field[len(kind) + 1:field.index("]")])
            except ValueError:
                return field
            rest = field[field.index("]") + 1:].lstrip(".").replace("_", " ")
            return f"{word} {i + 1} {rest}".strip()
    return _LABELS.get(field, field.replace("_", " "))

