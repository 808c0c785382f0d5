"""Evaluate applicability criteria (``Condition`` data from the pack) against a child's facts."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from nephroguide.knowledge.models import Condition

if TYPE_CHECKING:
    from nephroguide.knowledge.pack import KnowledgePack

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "eq": operator.eq, "ne": operator.ne, "in": lambda a, b: a in b,
}


@dataclass(frozen=True)
class Facts:
    """Everything a Condition may test: labels, named facts and medications."""

    labels: frozenset[str]
    values: dict[str, Any]
    drugs_current: frozenset[str] = frozenset()
    drugs_ever: frozenset[str] = frozenset()
    classes_current: frozenset[str] = frozenset()
    classes_ever: frozenset[str] = frozenset()
    genes: frozenset[str] = frozenset()
    histology: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def with_drugs(self, drugs: list[str] | tuple[str, ...], pack: KnowledgePack) -> Facts:
        """These facts as they would be once the given drugs are started."""
        added = {d for d in drugs if d in pack.drugs}
        classes = {pack.drugs[d].drug_class for d in added}
        return replace(self, drugs_current=self.drugs_current | added, drugs_ever=self.drugs_ever | added,
                       classes_current=self.classes_current | classes, classes_ever=self.classes_ever | classes)


def holds(cond: Condition | None, facts: Facts) -> bool:
    """True if the condition holds for these facts (a missing condition never holds)."""
    if cond is None:
        return False
    return _eval(cond, facts)


def _eval(c: Condition, f: Facts) -> bool:
    if c.all is not None:
        return all(_eval(x, f) for x in c.all)
    if c.any is not None:
        return any(_eval(x, f) for x in c.any)
    if c.not_ is not None:
        return not _eval(c.not_, f)
    if c.label is not None:
        return c.label in f.labels
    if c.fact is not None:
        value = f.values.get(c.fact)
        if value is None:
            return c.if_missing == "true"
        try:
            return bool(_CMP[c.op or "eq"](value, c.value))
        except TypeError:
            return False
    if c.drug_current is not None:
        return c.drug_current in f.drugs_current
    if c.drug_ever is not None:
        return c.drug_ever in f.drugs_ever
    if c.class_current is not None:
        return c.class_current in f.classes_current
    if c.class_ever is not None:
        return c.class_ever in f.classes_ever
    if c.gene_in is not None:
        wanted = {g.upper() for g in c.gene_in}
        return bool(wanted & {g.upper() for g in f.genes})
    if c.histology_in is not None:
        return f.histology is not None and f.histology in c.histology_in
    return False  # pragma: no cover - the model validator guarantees one kind


# display names of coded values in 'why this applies' (presentation only)
_DISPLAY = {"vus": "VUS", "mcd": "MCD", "fsgs": "FSGS", "mespgn": "MesPGN", "c1q": "C1q nephropathy",
            "igm": "IgM nephropathy", "mcd_variant": "MCD variant"}


def _shown(value: object) -> str:
    """A condition's value as a reader would write it: ['pending', 'no_variant'] -> '(pending, no variant)'."""
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_shown(v) for v in value) + ")"
    if isinstance(value, str):
        return _DISPLAY.get(value, value.replace("_", " "))
    return str(value)


def describe(cond: Condition | None) -> str:
    """A short human rendering of a condition, used in 'why this applies'."""
    if cond is None:
        return "always"
    if cond.all is not None:
        return " and ".join(describe(x) for x in cond.all)
    if cond.any is not None:
        return "(" + " or ".join(describe(x) for x in cond.any) + ")"
    if cond.not_ is not None:
        return f"not {describe(cond.not_)}"
    if cond.label is not None:
        return cond.label.replace("_", " ")
    if cond.fact is not None:
        name = cond.fact.replace("_", " ")
        if cond.value is True and (cond.op or "eq") == "eq":
            return name
        sym = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠", "in": "in"}[cond.op or "eq"]
        return f"{name} {sym} {_shown(cond.value)}" + (" (or not recorded)" if cond.if_missing == "true" else "")
    for key in ("drug_current", "drug_ever", "class_current", "class_ever"):
        val = getattr(cond, key)
        if val is not None:
            when = "currently on" if key.endswith("current") else "ever had"
            return f"{when} {val.replace('_', ' ')}"
    if cond.gene_in is not None:
        return f"pathogenic variant in {', '.join(cond.gene_in)}"
    if cond.histology_in is not None:
        return f"histology in {_shown(list(cond.histology_in))}"
    return "?"
