"""Read a lab result against a threshold from the knowledge pack.

Guidelines write thresholds in rounded unit pairs (UPCR 2 mg/mg "=" 200 mg/mmol, although the exact
factor is 113). A result is therefore compared in the unit it was reported in whenever the threshold
states that unit, and converted (exactly) only when it does not. This keeps a 210 mg/mmol result
nephrotic-range, as the guideline intends, instead of turning it into 1.86 mg/mg.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from nephroguide.intake.types import Lab
from nephroguide.knowledge.models import TestCriterion, Threshold

_OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
}
_SYMBOL = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


def threshold_value(threshold: Threshold, test: str, lab: Lab) -> tuple[float, float, str]:
    """(value of the lab, limit, unit) expressed in a unit the threshold states."""
    if lab.given_unit and lab.given_unit in threshold.values and lab.given_value is not None:
        return lab.given_value, threshold.values[lab.given_unit], lab.given_unit
    if lab.unit and lab.unit in threshold.values and lab.value is not None:
        return lab.value, threshold.values[lab.unit], lab.unit
    from nephroguide.intake.units import convert

    unit, limit = next(iter(threshold.values.items()))
    assert lab.value is not None and lab.unit is not None
    return convert(test, lab.value, lab.unit, unit), limit, unit


def meets_threshold(threshold: Threshold, test: str, lab: Lab) -> bool:
    """True if the lab value satisfies the threshold."""
    value, limit, _unit = threshold_value(threshold, test, lab)
    return _OPS[threshold.op](round(value, 9), limit)


def meets(criterion: TestCriterion, lab: Lab) -> bool:
    """True if the lab is of the criterion's test and satisfies all its limits / categories."""
    if lab.test != criterion.test:
        return False
    if criterion.values_in is not None:
        return lab.category is not None and lab.category in criterion.values_in
    if lab.value is None:
        return False
    return all(meets_threshold(t, criterion.test, lab) for t in criterion.limits)


def describe_threshold(threshold: Threshold) -> str:
    """Human text such as '≤ 0.2 mg/mg (20 mg/mmol)'."""
    parts = [f"{v:g} {u}" for u, v in threshold.values.items()]
    head = f"{_SYMBOL[threshold.op]} {parts[0]}"
    return head + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


def describe_criterion(criterion: TestCriterion) -> str:
    """Human text for a whole criterion, e.g. 'upcr > 0.2 mg/mg and < 2 mg/mg'."""
    name = criterion.test.replace("_", " ").upper() if criterion.test == "upcr" else criterion.test.replace("_", " ")
    if criterion.values_in is not None:
        return f"{name} {' or '.join(criterion.values_in)}"
    return f"{name} " + " and ".join(describe_threshold(t) for t in criterion.limits)
