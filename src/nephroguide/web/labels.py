"""Human names for codes on the pages (issue 14 item 6): the names are data (``data/labels.yaml``).

Pages show "Steroid-resistant nephrotic syndrome (SRNS)", "twice daily", "strong recommendation, moderate
certainty (1B)"; the JSON keeps ``srns``, ``bid`` and ``1B``. Nothing clinical is decided here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data") / "labels.yaml"


@cache
def names() -> dict[str, dict[str, str]]:
    import yaml

    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {k: {str(c): str(n) for c, n in v.items()} for k, v in data.items() if isinstance(v, dict)}


def name(code: Any, kind: str = "labels") -> str:
    """The human name of ``code`` in ``kind`` (labels, intents, topics, indications, ...); words otherwise."""
    text = str(code)
    found = names().get(kind, {}).get(text)
    if found is not None:
        return found
    for other in ("labels", "topics", "facts"):
        found = names()[other].get(text)
        if found is not None:
            return found
    return text.replace("_", " ")


def drug(code: Any) -> str:
    """A drug id as its generic name (``mycophenolate_mofetil`` -> ``mycophenolate mofetil``)."""
    return str(code).replace("_", " ")


_PATH = re.compile(r"^(labs|medications)\[(\d+)\]\.(\w+)$")


def derived(path: str) -> str:
    """A derived field of the record in words: ``medications[0].mg_per_day`` -> ``medication 1: daily dose in mg``."""
    m = _PATH.match(path)
    if m:
        kind = "lab result" if m.group(1) == "labs" else "medication"
        return f"{kind} {int(m.group(2)) + 1}: {name(m.group(3), 'facts')}"
    return name(path, "facts")


def derived_summary(paths: list[str]) -> str:
    """The fields nephroguide worked out, in a few words: "body surface area (from height and weight); the daily
    dose of medications 1, 2 and 4 (in mg, mg/kg)"."""
    plain: list[str] = []
    meds: dict[int, None] = {}
    units: dict[str, None] = {}
    for p in paths:
        m = _PATH.match(p)
        if m and m.group(1) == "medications" and m.group(3).startswith("mg_per"):
            meds[int(m.group(2)) + 1] = None
            units[name(m.group(3), "facts").rsplit(" in ", 1)[-1]] = None
        else:
            plain.append(derived(p))
    if meds:
        nums = [str(n) for n in meds]
        which = nums[0] if len(nums) == 1 else ", ".join(nums[:-1]) + " and " + nums[-1]
        plain.append(f"the daily dose of medication{'s' if len(nums) > 1 else ''} {which} (in {', '.join(units)})")
    return "; ".join(plain)


_OPS = {"lt": "below", "le": "at most", "gt": "above", "ge": "at least", "eq": "is", "ne": "is not", "in": "is one of"}
_NEGATED = {"lt": "not below", "le": "above", "gt": "not above", "ge": "below", "eq": "is not", "ne": "is",
            "in": "is none of"}


def describe(cond: Any) -> str:
    """A pack Condition in words, with human names ("steroid-resistant nephrotic syndrome (SRNS); has never had a
    calcineurin inhibitor; eGFR not below 30")."""
    parts = _describe(cond, negate=False)
    return "; ".join(parts)


def _describe(cond: Any, *, negate: bool) -> list[str]:
    if cond is None:
        return ["always"]
    if cond.all is not None and not negate:
        return [p for c in cond.all for p in _describe(c, negate=False)]
    if cond.any is not None and not negate:
        return [" or ".join("; ".join(_describe(c, negate=False)) for c in cond.any)]
    if cond.all is not None or cond.any is not None:
        return ["not (" + "; ".join(_describe(cond, negate=False)) + ")"]
    if cond.not_ is not None:
        return _describe(cond.not_, negate=not negate)
    if cond.label is not None:
        label = name(cond.label, "labels")
        return [f"not {label[:1].lower()}{label[1:]}" if negate else label]
    if cond.fact is not None:
        fact = name(cond.fact, "facts")
        if cond.value is True and (cond.op or "eq") == "eq":
            return [f"not: {fact}" if negate else fact]
        value = cond.value
        if isinstance(value, str):
            value = name(value, cond.fact if cond.fact in names() else "labels")
        elif isinstance(value, (list, tuple)):
            value = ", ".join(name(v, cond.fact if cond.fact in names() else "labels") for v in value)
        op = (_NEGATED if negate else _OPS)[cond.op or "eq"]
        text = f"{fact} {op} {value}"
        if cond.if_missing == "true":
            text += " (or not recorded)"
        return [text]
    for key in ("drug_current", "drug_ever", "class_current", "class_ever"):
        val = getattr(cond, key)
        if val is not None:
            what = name(val, "drug_classes") if key.startswith("class") else drug(val)
            if key.endswith("current"):
                return [f"{'not taking' if negate else 'taking'} {what}"]
            return [f"{'has never had' if negate else 'has had'} {what}"]
    if cond.gene_in is not None:
        text = f"a disease-causing variant in {', '.join(cond.gene_in)}"
        return [f"no {text[2:]}" if negate else text]
    if cond.histology_in is not None:
        text = " or ".join(name(h, "histology") for h in cond.histology_in)
        return [f"biopsy not {text}" if negate else f"biopsy: {text}"]
    return ["(condition)"]


def grade(statement: dict[str, Any]) -> str:
    """A grade as people read it: "strong recommendation, moderate certainty (1B)"; "from a figure in the
    guideline, not graded"."""
    g = str(statement.get("grade") or "").strip()
    strength = statement.get("strength") or "ungraded"
    certainty = statement.get("certainty") or "ungraded"
    if strength == "ungraded" and certainty == "ungraded":
        return names()["grades"].get(g, f"not graded ({g})" if g else "not graded")
    parts = []
    if strength != "ungraded":
        parts.append(f"{strength} recommendation")
    if certainty != "ungraded":
        parts.append(f"{certainty} certainty")
    return ", ".join(parts) + (f" ({g})" if g else "")
