"""Drug names: generic ids, brand names and abbreviations from the knowledge pack's ``drugs.yaml``.

A name matches when, after normalising (case, spaces, hyphens, underscores, dots, ®/™/©), it equals
a drug's id, its generic name or one of its aliases. Anything else is an error with a "did you mean"
suggestion; a suggestion is never used silently.
"""

from __future__ import annotations

import re
from functools import cache

from nephroguide.errors import KnowledgeError, UnknownNameError
from nephroguide.knowledge.models import DrugEntry

MAX_DRUG_NAME = 100
_SEPARATORS = re.compile(r"[\s\-_.®™©]+")


def normalise_name(name: str) -> str:
    """The matching key of a drug name: lower case, without spaces, hyphens, underscores, dots or ®/™."""
    return _SEPARATORS.sub("", name.casefold())


@cache
def _index() -> dict[str, DrugEntry]:
    """Matching key -> drug entry for every id, generic name and alias (built once per process)."""
    from nephroguide.knowledge.pack import load_pack

    index: dict[str, DrugEntry] = {}
    for entry in load_pack().drugs.values():
        for name in (entry.id, entry.generic, *entry.aliases):
            key = normalise_name(name)
            other = index.get(key)
            if other is not None and other.id != entry.id:
                raise KnowledgeError(f"drug name {name!r} is used by both {other.id} and {entry.id}",
                                     file="drugs.yaml", kb_id=entry.id, field="aliases")
            index[key] = entry
    return index


def drugs() -> dict[str, DrugEntry]:
    """All known drugs by generic id."""
    from nephroguide.knowledge.pack import load_pack

    return load_pack().drugs


def suggest_drug(name: str, limit: int = 3) -> list[str]:
    """Generic ids whose names look like ``name`` (best first), for "did you mean" messages."""
    from rapidfuzz import fuzz, process

    key = normalise_name(name)
    if not key:
        return []
    index = _index()
    matches = process.extract(key, list(index), scorer=fuzz.WRatio, limit=None, score_cutoff=75)
    ranked = sorted(matches, key=lambda m: (-m[1], m[0]))
    out: list[str] = []
    for match, _score, _i in ranked:
        drug_id = index[match].id
        if drug_id not in out:
            out.append(drug_id)
        if len(out) == limit:
            break
    return out


def resolve_drug(name: str, *, field: str | None = "drug") -> DrugEntry:
    """The drug entry a name refers to (an id, generic name, brand name or abbreviation).

    The entry is the one written (prednisone stays prednisone); use :func:`generic_id` for the drug it
    is treated as. Raises UnknownNameError with suggestions when the name is not known.
    """
    from nephroguide.intake.safeload import short

    if isinstance(name, str) and len(name) > MAX_DRUG_NAME:  # before any matching: bounded work and message
        raise UnknownNameError(f"drug name is too long ({len(name)} characters; at most {MAX_DRUG_NAME}): "
                               f"{short(name)}", field=field)
    entry = _index().get(normalise_name(name)) if isinstance(name, str) else None
    if entry is not None:
        return entry
    hints = suggest_drug(name) if isinstance(name, str) else []
    hint = f"did you mean {' or '.join(hints)}? " if hints else ""
    raise UnknownNameError(f"unknown drug {short(name)}; {hint}write the generic name (e.g. prednisolone, tacrolimus, "
                           "rituximab); nephroguide never substitutes a suggestion", field=field)


def generic_id(entry: DrugEntry) -> str:
    """The id a drug is treated as (its ``equivalent_to`` target, e.g. prednisone -> prednisolone)."""
    return entry.equivalent_to or entry.id


def drug_class(drug_id: str) -> str:
    """The class of a drug (``calcineurin_inhibitor``, ``glucocorticoid``, ...), by id or any known name."""
    table = drugs()
    if drug_id in table:
        return table[drug_id].drug_class
    return resolve_drug(drug_id).drug_class
