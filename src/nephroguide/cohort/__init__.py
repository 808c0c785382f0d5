"""Cohort outcome analysis: a long lab CSV -> per-patient outcomes, a summary table and a figure.

Example::

    from nephroguide.cohort import cohort, compare, plot

    result = cohort("labs.csv", "patients.csv", definitions="haddad2021", index_event="ctx_infusion")
    result.to_json()["summary"]["complete_remission"]
    plot(result, "figure.png")

Modules: ``csvio`` (reading and validating the CSVs, atomic writes), ``outcomes`` (per-patient
reading with the remission engine), ``summary`` (counts, median (range), JSON/Markdown/CSV),
``figure`` (per-patient UPCR timelines, matplotlib imported only when plotting).
See ``docs/cohort.md``.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nephroguide.cohort.csvio import CohortInput, CsvSource
    from nephroguide.cohort.summary import CohortComparison, CohortResult, DefinitionInfo
    from nephroguide.knowledge.models import DefinitionSet
    from nephroguide.knowledge.pack import KnowledgePack

__all__ = ["cohort", "compare", "plot"]

# A set without its own relapse rule borrows this set's (IPNA 2023: UPCR >= 2 mg/mg ...).
RELAPSE_FALLBACK_SET = "current"


def _definition_info(pack: KnowledgePack, definitions: str | DefinitionSet) -> DefinitionInfo:
    from pathlib import Path

    from nephroguide.cohort.summary import DefinitionInfo
    from nephroguide.knowledge.models import DefinitionSet

    if isinstance(definitions, DefinitionSet):
        dset, name, file = definitions, definitions.id, None
    else:
        name = str(definitions)
        dset = pack.definition_set(name)
        file = None if name in pack.definition_sets else str(Path(name))
    relapse_from = None
    relapse_state = dset.relapse
    relapse_refs: tuple[str, ...] = ()
    if relapse_state is None:
        fallback = pack.definition_sets.get(RELAPSE_FALLBACK_SET)
        if fallback is not None and fallback.relapse is not None and fallback.id != dset.id:
            relapse_from, relapse_state = fallback.id, fallback.relapse
            relapse_refs = tuple(dict.fromkeys(c.source for c in fallback.citations))
    return DefinitionInfo(dset, name, file, relapse_from, relapse_state, relapse_refs)


def analyse(data: CohortInput, definitions: str | DefinitionSet = "current", *, index_event: str | None = None,
            index_from: str = "auto", pack: KnowledgePack | None = None, workers: int | None = None) -> CohortResult:
    """Read already-parsed cohort data under one definition set (``workers``: see ``outcomes.analyse_all``)."""
    from nephroguide.cohort.csvio import NoGC
    from nephroguide.cohort.outcomes import IndexSpec, analyse_all, resolve_index_from
    from nephroguide.cohort.summary import CohortResult, describe_state, summarise
    from nephroguide.engine.plan import references
    from nephroguide.errors import InputError
    from nephroguide.knowledge.pack import load_pack

    pack = pack or load_pack()
    info = _definition_info(pack, definitions)
    event = None
    if index_event is not None:
        event = index_event.strip().lower()
        names = data.event_names()
        if event not in names:
            raise InputError(f"index_event {index_event!r}: no patient in {data.labs_name} has this event "
                             f"(events in the file: {', '.join(names) or 'none'})", field="index_event")
    index = IndexSpec(event, resolve_index_from(event, index_from))
    relapse_set = None
    if info.relapse_from is not None:
        relapse_set = info.dset.model_copy(update={"relapse": info.relapse_state})
    with NoGC():
        outcomes = analyse_all(list(data.patients.values()), info.dset, index, relapse_set, workers=workers)
    notes = list(data.notes)
    if info.relapse_from and info.relapse_state is not None:
        notes.append(f"{info.dset.id} defines no relapse; relapse after complete remission was read with the "
                     f"{info.relapse_from} set's relapse rule ({describe_state(info.relapse_state)})")
    refs = references(pack, info.refs)
    return CohortResult(definitions=info, index=index, patients=outcomes, summary=summarise(outcomes), data=data,
                        references=refs, pack_version=pack.version, notes=notes)


def cohort(labs_csv: CsvSource, patients_csv: CsvSource | None = None, definitions: str | DefinitionSet = "current",
           index_event: str | None = None, *, index_from: str = "auto", pack: KnowledgePack | None = None,
           labs_name: str | None = None, patients_name: str | None = None, workers: int | None = None) -> CohortResult:
    """Outcomes of a cohort under one definition set.

    ``labs_csv``/``patients_csv``: a path, CSV text (a str containing a newline), bytes, or an open
    text file. A str without a newline is read as a path, so a shell that receives CSV from the
    network (HTTP) must pass ``bytes`` or a text stream, never a str. ``definitions``: a set name (``current``, ``kdigo2012``, ``haddad2021``,
    ``choudhry2009``), a path to a definition-set YAML file, or a ``DefinitionSet``.
    ``index_event``: an event name in the CSV (``ctx_infusion``, ``cni_start``, ...), time zero per
    patient; ``index_from``: ``first``, ``last`` or ``auto`` (last for ``*_infusion``/``*_pulse``/
    ``*_dose`` events, first otherwise). Without an index event, time zero is each patient's first
    measurement. Raises ``InputError`` (file, line and field in the message) on bad input.
    """
    from nephroguide.cohort.csvio import read_cohort

    data = read_cohort(labs_csv, patients_csv, labs_name=labs_name, patients_name=patients_name)
    return analyse(data, definitions, index_event=index_event, index_from=index_from, pack=pack, workers=workers)


def compare(labs_csv: CsvSource, patients_csv: CsvSource | None = None,
            definitions: tuple[str | DefinitionSet, str | DefinitionSet] = ("current", "haddad2021"),
            index_event: str | None = None, *, index_from: str = "auto", pack: KnowledgePack | None = None,
            labs_name: str | None = None, patients_name: str | None = None,
            workers: int | None = None) -> CohortComparison:
    """The same cohort under two definition sets, side by side (parsed once)."""
    from nephroguide.cohort.csvio import read_cohort
    from nephroguide.cohort.summary import CohortComparison
    from nephroguide.errors import UsageError

    if len(definitions) != 2:
        raise UsageError("compare needs exactly two definition sets, e.g. current,haddad2021", field="compare")
    data = read_cohort(labs_csv, patients_csv, labs_name=labs_name, patients_name=patients_name)
    a = analyse(data, definitions[0], index_event=index_event, index_from=index_from, pack=pack, workers=workers)
    b = analyse(data, definitions[1], index_event=index_event, index_from=index_from, pack=pack, workers=workers)
    if a.dset.id == b.dset.id:
        raise UsageError(f"compare needs two different definition sets (both are {a.dset.id!r})", field="compare")
    return CohortComparison(a, b)


def plot(result: CohortResult, path: str, *, kind: str = "timeline", max_patients: int | None = None) -> None:
    """Write a figure (PNG or SVG by extension), atomically.

    ``kind``: ``timeline`` (per-patient UPCR panels), ``swimmer`` (each patient's course from time
    zero: index events, remission, relapse, ESKD) or ``km`` (Kaplan-Meier curve of time to complete
    remission with numbers at risk, estimated with lifelines).
    """
    from nephroguide.cohort import figure
    from nephroguide.errors import UsageError

    if kind == "timeline":
        figure.write_figure(result, path, max_patients=max_patients or figure.MAX_PANELS)
    elif kind == "swimmer":
        figure.write_swimmer(result, path)
    elif kind == "km":
        figure.write_km(result, path)
    else:
        raise UsageError(f"plot kind must be timeline, swimmer or km (got {kind!r})", field="kind")


class _CallableModule(types.ModuleType):
    """``nephroguide.cohort`` names both this package and the public function ``cohort()``.

    Once the package is imported, ``import nephroguide; nephroguide.cohort`` is the package, so the
    package itself forwards calls: ``nephroguide.cohort("labs.csv", ...)`` works either way.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> CohortResult:
        return cohort(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
