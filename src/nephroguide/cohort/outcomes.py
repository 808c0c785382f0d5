"""Per-patient outcomes of a cohort under one definition set, read with the remission engine.

Nothing here defines remission: every urine result is placed in a band by
:func:`nephroguide.engine.remission.build_timeline` (the definition set's thresholds, albumin rule
and consecutive-result rule), and runs are checked with the engine's own run logic. This module
only decides *which* results count (those on or after the index event) and reads the outcome:

* **complete remission** - a run of complete-remission results that met the set's consecutive rule,
  counting only results on or after the index date. A run that had already met the rule before the
  index date and still continues at it means the child was in remission at time zero: the outcome is
  complete remission, but it is left out of the time-to-remission statistics (and said so).
* **partial remission** - otherwise, a run of partial-or-better results that met the set's
  partial-remission consecutive rule (results that meet the complete-remission criteria on too few
  occasions count here, with a note).
* **no response** - otherwise.
* **not evaluable** - no urine result on or after the index date, or no index event: excluded from
  the denominators, with the reason.

Time is counted from the index event (``--index-event``; the first or last of the patient's events
of that name) or, without one, from the patient's first measurement; months are 30.4375 days.
Relapse after complete remission follows the set's relapse rule, or - for a set without one - the
``current`` set's relapse rule (IPNA 2023), which the output names.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nephroguide.cohort.csvio import PatientRows
from nephroguide.engine.measure import meets
from nephroguide.engine.remission import (
    CR,
    NR,
    PR,
    RELAPSE_RANGE,
    URINE_TESTS,
    Run,
    Timeline,
    build_timeline,
    runs,
)
from nephroguide.engine.types import UrinePoint
from nephroguide.errors import UsageError
from nephroguide.intake.types import Lab
from nephroguide.knowledge.models import ConsecutiveRule, DefinitionSet, ProteinuriaState

MONTH_DAYS = 30.4375

NO_RESPONSE = "no_response"
NOT_EVALUABLE = "not_evaluable"
OUTCOMES = (CR, PR, NO_RESPONSE, NOT_EVALUABLE)
RELAPSE = "relapse"
UNKNOWN = "unknown"

INDEX_FROM = ("auto", "first", "last")
# Events given as a course of repeated doses: time zero is the end of the course by default
# (as case series of IV cyclophosphamide count time to remission from the last infusion).
REPEATED_EVENT_SUFFIXES = ("_infusion", "_pulse", "_dose")


def months(days: int | float) -> float:
    """Days as months of 30.4375 days (the mean Gregorian month)."""
    return days / MONTH_DAYS


def resolve_index_from(event: str | None, index_from: str) -> str:
    """'first' or 'last' for an event (``auto``: last for repeated doses such as ``ctx_infusion``)."""
    if index_from not in INDEX_FROM:
        raise UsageError(f"--index-from must be one of {', '.join(INDEX_FROM)} (got {index_from!r})",
                         field="index_from")
    if index_from != "auto":
        return index_from
    return "last" if event and event.endswith(REPEATED_EVENT_SUFFIXES) else "first"


@dataclass(frozen=True)
class IndexSpec:
    """Time zero: an event name (first or last occurrence per patient), or the first measurement."""

    event: str | None
    which: str  # "first" | "last"

    def describe(self) -> str:
        if self.event is None:
            return "each patient's first measurement"
        return f"each patient's {self.which} {self.event} event"


@dataclass
class PatientOutcome:
    """One patient's result under one definition set (``to_json`` is the contract's patient object)."""

    patient_id: str
    outcome: str
    last_state: str
    notes: list[str] = field(default_factory=list)
    remission_date: dt.date | None = None        # the remission's date under the set's dating convention
    remission_run_start: dt.date | None = None   # first qualifying result of the run (first_qualifying date)
    remission_confirmed_date: dt.date | None = None  # the result that completed the consecutive rule
    remission_dating: str = "first_qualifying"   # the set's convention: first_qualifying | confirmed
    albumin_used: list[dict[str, Any]] = field(default_factory=list)  # albumin paired with each qualifying result
    days_to_remission: int | None = None         # from the index date; None if before it / no remission
    remission_before_index: bool = False
    index_event: str | None = None
    index_date: dt.date | None = None
    index_events: int = 0
    first_response_date: dt.date | None = None   # first partial-or-better run that met its rule
    relapse: bool | None = None                  # None unless complete remission was reached
    relapse_date: dt.date | None = None          # date the relapse rule was met
    relapse_run_start: dt.date | None = None
    remission_days: int | None = None            # remission date -> relapse start, or -> last result
    last_result_date: dt.date | None = None
    follow_up_days: int | None = None            # index date -> last urine result
    n_results: int = 0                           # urine results on/after the index date
    undecided: list[str] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)
    age_at_index_years: float | None = None

    @property
    def months_to_remission(self) -> float | None:
        return None if self.days_to_remission is None else round(months(self.days_to_remission), 1)

    @property
    def evaluable(self) -> bool:
        return self.outcome != NOT_EVALUABLE

    def to_json(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "outcome": self.outcome,
            "remission_date": _iso(self.remission_date),
            "months_to_remission": self.months_to_remission,
            "last_state": self.last_state,
            "notes": list(self.notes),
            "remission_run_start": _iso(self.remission_run_start),
            "remission_confirmed_date": _iso(self.remission_confirmed_date),
            "remission_dating": self.remission_dating,
            "albumin_used": [dict(a) for a in self.albumin_used],
            "days_to_remission": self.days_to_remission,
            "remission_before_index": self.remission_before_index,
            "index": {"event": self.index_event, "date": _iso(self.index_date), "events": self.index_events},
            "first_response_date": _iso(self.first_response_date),
            "relapse": self.relapse,
            "relapse_date": _iso(self.relapse_date),
            "relapse_run_start": _iso(self.relapse_run_start),
            "sustained_remission": None if self.relapse is None else not self.relapse,
            "months_in_remission": None if self.remission_days is None else round(months(self.remission_days), 1),
            "last_result_date": _iso(self.last_result_date),
            "months_of_follow_up": None if self.follow_up_days is None else round(months(self.follow_up_days), 1),
            "n_results": self.n_results,
            "undecided": list(self.undecided),
            "characteristics": dict(sorted(self.info.items())),
            "age_at_index_years": self.age_at_index_years,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _rule_text(rule: ConsecutiveRule) -> str:
    return f"{rule.count} consecutive {rule.basis}" if rule.count > 1 else "one result"


def _first_met(runs: Sequence[Run]) -> Run | None:
    return next((r for r in runs if r.met_on is not None), None)


def _straddling(runs: Sequence[Run], t0: dt.date) -> Run | None:
    """A run that met its rule before time zero and still continues on or after it."""
    return next((r for r in runs if r.met_on is not None and r.met_on < t0 and r.dates[-1] >= t0), None)


def analyse_patient(p: PatientRows, dset: DefinitionSet, index: IndexSpec,
                    relapse_set: DefinitionSet | None) -> PatientOutcome:
    """The outcome of one patient under ``dset`` (``relapse_set``: ``dset`` plus a borrowed relapse rule)."""
    out = PatientOutcome(p.patient_id, NOT_EVALUABLE, UNKNOWN, notes=list(p.notes), info=p.info,
                         index_event=index.event, remission_dating=dset.remission_dating)
    timeline = build_timeline(p.labs, dset)
    points = timeline.points
    if points:
        out.last_state = _band(points[-1])

    # ---- time zero
    if index.event is not None:
        dates = [e.date for e in p.events if e.name == index.event]
        out.index_events = len(dates)
        if not dates:
            names = sorted({e.name for e in p.events})
            out.notes.append(f"not evaluable: no {index.event} event, so time zero cannot be set"
                             + (f" (events: {', '.join(names)})" if names else " (no events)"))
            return out
        t0 = max(dates) if index.which == "last" else min(dates)
    elif p.labs:
        t0 = p.labs[0].date
    else:
        out.notes.append("not evaluable: no measurements (only event rows)")
        return out
    out.index_date = t0
    birth = p.info.get("birth_date")
    if birth:
        out.age_at_index_years = round((t0 - dt.date.fromisoformat(birth)).days / 365.25, 1)

    after = [pt for pt in points if pt.date >= t0]
    out.n_results = len(after)
    if not after:
        where = f"the index date ({index.which} {index.event}, {t0})" if index.event else f"{t0}"
        out.notes.append(f"not evaluable: no urine protein result (upcr, urine_protein_24h or dipstick) on or "
                         f"after {where}")
        return out
    out.last_result_date = after[-1].date
    out.follow_up_days = (after[-1].date - t0).days

    cr_rule = dset.complete_remission.consecutive
    pr_rule = dset.partial_remission.consecutive
    cr_runs = runs(after, (CR,), cr_rule)
    pr_runs = runs(after, (CR, PR), pr_rule)
    before = points[0].date < t0
    cr_before = _straddling(timeline.cr_runs, t0) if before else None
    pr_before = _straddling(runs(list(points), (CR, PR), pr_rule), t0) if before else None
    cr = _first_met(cr_runs)
    pr = _first_met(pr_runs)

    if cr_before is not None or cr is not None:
        out.outcome = CR
        run = cr_before or cr
        assert run is not None and run.met_on is not None
        _date_remission(out, run, dset, dset.complete_remission, p.labs)
        if cr_before is not None:
            out.remission_before_index = True
            out.notes.append(f"complete remission was reached on {run.met_on} (run from {run.start}), before the "
                             f"index date {t0}, and continued past it: counted as complete remission but left out "
                             "of the time to remission")
        else:
            assert out.remission_date is not None
            out.days_to_remission = (out.remission_date - t0).days
        _note_days_basis(out, run, cr_rule, "complete remission")
    elif pr_before is not None or pr is not None:
        out.outcome = PR
        run = pr_before or pr
        assert run is not None and run.met_on is not None
        _date_remission(out, run, dset, dset.partial_remission, p.labs)
        if pr_before is not None:
            out.remission_before_index = True
            out.notes.append(f"partial remission was reached on {run.met_on}, before the index date {t0}, and "
                             "continued past it: left out of the time to remission")
        else:
            assert out.remission_date is not None
            out.days_to_remission = (out.remission_date - t0).days
    else:
        out.outcome = NO_RESPONSE
    if pr_before is not None or pr is not None:
        first = pr_before or pr
        assert first is not None
        out.first_response_date = first.met_on if dset.remission_dating == "confirmed" else first.start

    _explain_undecided(out, after, cr_runs, cr_rule, pr_rule)
    if out.outcome == CR:
        _relapse(out, p, dset, timeline, relapse_set)
    return out


def _date_remission(out: PatientOutcome, run: Run, dset: DefinitionSet, state: ProteinuriaState,
                    labs: Sequence[Lab]) -> None:
    """Both dates of a remission run, the one the set's convention reports, and the albumin paired with
    each qualifying result (the first of the run up to the one that completed the rule)."""
    assert run.met_on is not None and out.remission_date is None
    out.remission_run_start, out.remission_confirmed_date = run.start, run.met_on
    out.remission_date = run.met_on if dset.remission_dating == "confirmed" else run.start
    rule = state.albumin
    if rule is None:
        return
    from nephroguide.engine.remission import _Albumins  # the engine's own pairing (nearest within the window)

    albumins = _Albumins([lab for lab in labs if lab.test == "albumin"])
    for day in run.dates[:run.dates.index(run.met_on) + 1]:
        lab = albumins.nearest(day, rule.window_days)
        out.albumin_used.append({
            "urine_date": day.isoformat(),
            "albumin": lab.display() if lab else None,
            "albumin_date": lab.date.isoformat() if lab else None,
            "days_apart": abs((lab.date - day).days) if lab else None,
            "window_days": rule.window_days,
            "when_missing": rule.when_missing,
        })


def _note_days_basis(out: PatientOutcome, run: Run, rule: ConsecutiveRule, label: str) -> None:
    """Say so when a 'consecutive days' rule was met by results in a row on days that were not consecutive
    (the engine counts them: as many results in a row is at least as strong evidence)."""
    if rule.basis != "days" or rule.count < 2 or run.met_on is None:
        return
    upto = run.dates[:run.dates.index(run.met_on) + 1][-rule.count:]
    if any((b - a).days != 1 for a, b in itertools.pairwise(upto)):
        out.notes.append(f"{label} counted on {rule.count} results in a row ({', '.join(d.isoformat() for d in upto)}) "
                         f"that were not on consecutive days; the definition says {rule.count} consecutive days")


def _band(point: UrinePoint) -> str:
    return NR if point.state == RELAPSE_RANGE else point.state


def _explain_undecided(out: PatientOutcome, after: list[UrinePoint], cr_runs: list[Run], cr_rule: ConsecutiveRule,
                       pr_rule: ConsecutiveRule) -> None:
    """Notes on what the data cannot decide: short runs at the end, missing albumin, unconfirmed runs."""
    if out.outcome == CR:
        return
    last = cr_runs[-1] if cr_runs else None
    if last is not None and last.ongoing and last.met_on is None:
        out.undecided.append(CR)
        out.notes.append(f"the last {len(last.dates)} result(s) (from {last.start}) meet the complete-remission "
                         f"criteria but the definition needs {_rule_text(cr_rule)}: complete remission cannot be "
                         "decided (follow-up ends too soon)")
    short = [r for r in cr_runs if r.met_on is None and not r.ongoing]
    if short and out.outcome == PR and out.remission_run_start in {d for r in short for d in r.dates}:
        out.notes.append(f"complete-remission criteria were met on {len(short[0].dates)} consecutive result(s) "
                         f"from {short[0].start} (the definition needs {_rule_text(cr_rule)}): counted as partial "
                         "remission")
    for target, label in ((CR, "complete remission"), (PR, "partial remission")):
        if target == PR and out.outcome == PR:
            continue
        missing = [pt.date for pt in after if pt.undecided and label in pt.undecided]
        if missing:
            if target not in out.undecided:
                out.undecided.append(target)
            shown = ", ".join(d.isoformat() for d in missing[:5]) + (" ..." if len(missing) > 5 else "")
            out.notes.append(f"albumin missing near {len(missing)} urine result(s) in the {label} range ({shown}): "
                             f"{label} cannot be decided on those dates")
    if out.outcome == NO_RESPONSE and pr_rule.count > 1:
        short_pr = [pt for pt in after if pt.state in (CR, PR)]
        if short_pr:
            out.notes.append(f"{len(short_pr)} result(s) in the partial-remission range, but never "
                             f"{_rule_text(pr_rule)} in a row")


def _relapse(out: PatientOutcome, p: PatientRows, dset: DefinitionSet, timeline: Timeline,
             relapse_set: DefinitionSet | None) -> None:
    """Relapse after complete remission, and how long the remission lasted."""
    assert out.remission_confirmed_date is not None and out.remission_date is not None
    assert out.last_result_date is not None
    start = out.remission_confirmed_date   # a relapse is looked for after the remission was confirmed
    runs: Sequence[Run]
    last_point: UrinePoint | None
    if dset.relapse is not None:
        runs, last_point = timeline.relapse_runs, timeline.points[-1]
    elif relapse_set is not None and relapse_set.relapse is not None:
        # Only urine results after the remission (the relapse band never depends on albumin), and a
        # second reading only when one of them meets a relapse criterion at all.
        urine = [lab for lab in p.labs if lab.date > start and lab.test in URINE_TESTS]
        criteria = relapse_set.relapse.any_of
        if any(meets(c, lab) for lab in urine for c in criteria):
            later = build_timeline(urine, relapse_set)
            runs, last_point = later.relapse_runs, later.points[-1]
        else:
            runs, last_point = (), None
    else:
        out.notes.append("relapse not assessed: the definition set has no relapse rule")
        return
    rel = next((r for r in runs if r.start > start and r.met_on is not None), None)
    out.relapse = rel is not None
    if rel is not None:
        out.relapse_date, out.relapse_run_start = rel.met_on, rel.start
        out.remission_days = (rel.start - out.remission_date).days
    else:
        out.remission_days = (out.last_result_date - out.remission_date).days
        pending = next((r for r in runs if r.start > start and r.ongoing and r.met_on is None), None)
        if pending is not None:
            out.notes.append(f"the last {len(pending.dates)} result(s) (from {pending.start}) are in the relapse "
                             "range, too few to meet the relapse rule: relapse cannot be decided yet")
    if last_point is not None and last_point.date > start and last_point.state == RELAPSE_RANGE:
        out.last_state = RELAPSE


# With ``workers=2`` a cohort is read on two cores: the process forks once, the child reads the
# second half of the patients while the parent reads the first, and the child sends its outcomes
# back through a pipe. Only where it is safe: a fork start method, more than one usable CPU, and no
# other Python thread running. It is opt-in: one process already meets the speed target (10,000
# patients in about 5 s), the fork costs ~0.1 s, and on a machine whose cores are busy with other
# work the second process gains little.


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    import multiprocessing
    import threading

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def analyse_all(patients: Sequence[PatientRows], dset: DefinitionSet, index: IndexSpec,
                relapse_set: DefinitionSet | None, *, workers: int | None = None) -> list[PatientOutcome]:
    """Outcomes of every patient, in the given (natural id) order.

    ``workers``: None or 1 = this process only; 2 (or more) = two processes when the platform can
    fork, two CPUs are usable and no other thread runs (else one). The result is the same either way.
    """
    parallel = (workers or 1) > 1 and len(patients) > 1 and _usable_cpus() > 1 and _can_fork()
    if not parallel:
        return [analyse_patient(p, dset, index, relapse_set) for p in patients]
    import multiprocessing

    half = len(patients) // 2
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(patients[half:], dset, index, relapse_set, send), daemon=True)
    child.start()
    send.close()
    try:
        first = [analyse_patient(p, dset, index, relapse_set) for p in patients[:half]]
        try:
            second = receive.recv()
        except (EOFError, OSError):
            second = None
    finally:
        receive.close()
        child.join()
    if not isinstance(second, list) or len(second) != len(patients) - half:
        # The child failed (it sends None): read its half here, so any error surfaces normally.
        second = [analyse_patient(p, dset, index, relapse_set) for p in patients[half:]]
    return first + second


def _child(patients: Sequence[PatientRows], dset: DefinitionSet, index: IndexSpec,
           relapse_set: DefinitionSet | None, conn: Any) -> None:
    try:
        out: list[PatientOutcome] | None = [analyse_patient(p, dset, index, relapse_set) for p in patients]
    except BaseException:  # the parent recomputes this half and reports the error itself
        out = None
    try:
        conn.send(out)
    finally:
        conn.close()
