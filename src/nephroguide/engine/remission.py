"""Read a child's urine and albumin results against a definition set: the remission timeline.

Generic mechanism, parameters from data: each dated urine result is placed in a band
(complete-remission range, partial-remission range, relapse/nephrotic range, or neither) using the
definition set's criteria; albumin criteria use the nearest albumin within the set's window; runs of
in-range results are checked against the set's consecutive-result rule.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from dataclasses import dataclass
from itertools import pairwise

from nephroguide.engine.measure import meets, meets_threshold
from nephroguide.engine.types import Episode, UrinePoint
from nephroguide.intake.types import Lab
from nephroguide.knowledge.models import AlbuminRule, ConsecutiveRule, DefinitionSet, ProteinuriaState

URINE_TESTS = ("upcr", "urine_protein_24h", "dipstick")
# When several urine tests share a date, the quantitative one decides.
_PRECEDENCE = {"upcr": 0, "urine_protein_24h": 1, "dipstick": 2}

CR = "complete_remission"
PR = "partial_remission"
NR = "no_remission"
RELAPSE_RANGE = "relapse_range"


@dataclass(frozen=True)
class Run:
    """Consecutive urine results in one band."""

    state: str
    dates: tuple[dt.date, ...]
    met_on: dt.date | None        # date the consecutive rule was satisfied, if it was
    ongoing: bool                 # the run reaches the last result in the record

    @property
    def start(self) -> dt.date:
        return self.dates[0]

    @property
    def reached(self) -> bool:
        """Met the rule, or is still running with no contradicting result (counted, flagged)."""
        return self.met_on is not None or self.ongoing


@dataclass(frozen=True)
class Timeline:
    """The urine results of one child read against one definition set."""

    points: tuple[UrinePoint, ...]
    cr_runs: tuple[Run, ...]
    relapse_runs: tuple[Run, ...]
    cr_rule: ConsecutiveRule
    relapse_rule: ConsecutiveRule | None

    def point_on_or_before(self, day: dt.date, not_before: dt.date | None = None) -> UrinePoint | None:
        """The latest result on or before ``day`` (and not before ``not_before``)."""
        best = None
        for p in self.points:
            if p.date > day:
                break
            if not_before is None or p.date >= not_before:
                best = p
        return best

    def first_cr(self, start: dt.date, end: dt.date | None = None) -> Run | None:
        """The first complete-remission run starting in [start, end] that was reached."""
        for run in self.cr_runs:
            if run.start >= start and (end is None or run.start <= end) and run.reached:
                return run
        return None

    def first_response(self, start: dt.date, end: dt.date) -> UrinePoint | None:
        """The first partial-or-complete remission result in [start, end]."""
        for p in self.points:
            if start <= p.date <= end and p.state in (CR, PR):
                return p
        return None

    @property
    def latest(self) -> UrinePoint | None:
        return self.points[-1] if self.points else None


class _Albumins:
    """Albumin results sorted by date, for nearest-in-window lookups by bisection."""

    def __init__(self, labs: list[Lab]) -> None:
        self.labs = sorted((lab for lab in labs if lab.value is not None), key=lambda lab: lab.date)
        self.days = [lab.date.toordinal() for lab in self.labs]

    def nearest(self, day: dt.date, window: int) -> Lab | None:
        """The albumin closest to ``day`` within ``window`` days (the earlier one on a tie)."""
        d = day.toordinal()
        i = bisect_left(self.days, d)
        best: Lab | None = None
        best_gap = window + 1
        for j in (i - 1, i):   # the neighbours on either side; earlier first so ties keep it
            if 0 <= j < len(self.labs):
                gap = abs(self.days[j] - d)
                if gap < best_gap:
                    best, best_gap = self.labs[j], gap
        # several results on the same day as the nearest: keep the first of them
        return best if best_gap <= window else None


def _albumin_ok(rule: AlbuminRule | None, albumins: _Albumins, day: dt.date) -> tuple[bool | None, Lab | None]:
    """True/False if the albumin part holds; None if it cannot be decided (missing and undecided)."""
    if rule is None:
        return True, None
    lab = albumins.nearest(day, rule.window_days)
    if lab is None:
        return {"fails": False, "ignored": True, "undecided": None}[rule.when_missing], None
    return all(meets_threshold(t, "albumin", lab) for t in rule.limits), lab


def _in_state(state: ProteinuriaState, lab: Lab) -> bool:
    return any(meets(c, lab) for c in state.any_of)


def _pick_urine(labs: list[Lab]) -> list[Lab]:
    by_day: dict[dt.date, Lab] = {}
    for lab in labs:
        cur = by_day.get(lab.date)
        if cur is None or _PRECEDENCE[lab.test] < _PRECEDENCE[cur.test]:
            by_day[lab.date] = lab
    return [by_day[d] for d in sorted(by_day)]


def classify_points(labs: tuple[Lab, ...] | list[Lab], dset: DefinitionSet) -> list[UrinePoint]:
    """Place every dated urine result in a band under the definition set."""
    urine = _pick_urine([lab for lab in labs if lab.test in URINE_TESTS])
    albumins = _Albumins([lab for lab in labs if lab.test == "albumin"])
    points: list[UrinePoint] = []
    for lab in urine:
        undecided = None
        alb_lab: Lab | None = None
        if _in_state(dset.complete_remission, lab):
            ok, alb_lab = _albumin_ok(dset.complete_remission.albumin, albumins, lab.date)
            if ok:
                state = CR
            elif ok is None:
                state, undecided = NR, "albumin missing: complete remission needs an albumin result"
            else:
                state = NR
        elif dset.relapse is not None and _in_state(dset.relapse, lab):
            state = RELAPSE_RANGE
        elif _in_state(dset.partial_remission, lab):
            ok, alb_lab = _albumin_ok(dset.partial_remission.albumin, albumins, lab.date)
            if ok:
                state = PR
            elif ok is None:
                state, undecided = NR, "albumin missing: partial remission needs an albumin result"
            else:
                state = NR
        else:
            state = NR
        if alb_lab is None:
            alb_lab = albumins.nearest(lab.date, 7)
        points.append(UrinePoint(date=lab.date, state=state, display=f"{_label(lab)} {lab.display()}",
                                 albumin=alb_lab.display() if alb_lab else None, undecided=undecided))
    return points


def _label(lab: Lab) -> str:
    return {"upcr": "UPCR", "urine_protein_24h": "24-h urine protein", "dipstick": "dipstick"}[lab.test]


def runs(points: list[UrinePoint], states: tuple[str, ...], rule: ConsecutiveRule) -> list[Run]:
    runs: list[Run] = []
    current: list[UrinePoint] = []

    def close(ongoing: bool) -> None:
        if current:
            dates = tuple(p.date for p in current)
            runs.append(Run(current[0].state, dates, _met_on(dates, rule), ongoing))

    for p in points:
        if p.state in states:
            current.append(p)
        else:
            close(False)
            current = []
    close(True)
    return runs


def _met_on(dates: tuple[dt.date, ...], rule: ConsecutiveRule) -> dt.date | None:
    """The date the run satisfied the rule: N results in a row (occasions), or N calendar days."""
    if rule.basis == "occasions" or rule.count == 1:
        return dates[rule.count - 1] if len(dates) >= rule.count else None
    streak = 1
    for prev, cur in pairwise(dates):
        streak = streak + 1 if (cur - prev).days == 1 else 1
        if streak >= rule.count:
            return cur
    # Results on separate, non-consecutive days: as many in a row is stronger evidence than 3 days,
    # so the run counts; renderers say the results were not on consecutive days.
    return dates[rule.count - 1] if len(dates) >= rule.count else None


def build_timeline(labs: tuple[Lab, ...] | list[Lab], dset: DefinitionSet) -> Timeline:
    """The child's urine results as bands, runs and rule checks under one definition set."""
    points = classify_points(labs, dset)
    cr_runs = runs(points, (CR,), dset.complete_remission.consecutive)
    relapse_rule = dset.relapse.consecutive if dset.relapse else None
    relapse_runs = runs(points, (RELAPSE_RANGE,), relapse_rule) if relapse_rule else []
    return Timeline(tuple(points), tuple(cr_runs), tuple(relapse_runs), dset.complete_remission.consecutive,
                    relapse_rule)


def episodes(timeline: Timeline) -> list[Episode]:
    """Merge consecutive results in the same state into episodes, marking relapses after remission."""
    out: list[Episode] = []
    seen_cr = False
    cr_met = {r.dates: r for r in timeline.cr_runs}
    rel_met = {r.dates: r for r in timeline.relapse_runs}
    group: list[UrinePoint] = []

    def flush() -> None:
        nonlocal seen_cr
        if not group:
            return
        dates = tuple(p.date for p in group)
        state = group[0].state
        confirmed = True
        note = ""
        if state == CR:
            run = cr_met.get(dates)
            confirmed = bool(run and run.met_on)
            if not confirmed:
                need = timeline.cr_rule.count
                note = (f"{len(dates)} result(s) in range; the definition needs {need} consecutive "
                        f"{timeline.cr_rule.basis}")
            seen_cr = seen_cr or confirmed or bool(run and run.ongoing)
            out_state = CR
        elif state == RELAPSE_RANGE:
            run = rel_met.get(dates)
            if seen_cr:
                out_state = "relapse"
                confirmed = bool(run and run.met_on)
                if not confirmed and timeline.relapse_rule:
                    note = (f"{len(dates)} result(s) in relapse range; a relapse needs {timeline.relapse_rule.count} "
                            f"consecutive {timeline.relapse_rule.basis}")
            else:
                out_state = NR
        else:
            out_state = state
        undecided = [p.undecided for p in group if p.undecided]
        if undecided and not note:
            note = undecided[0]
        out.append(Episode(dates[0], dates[-1], out_state, dates, confirmed, note))

    for p in timeline.points:
        key = p.state
        if group and group[0].state != key:
            flush()
            group = []
        group.append(p)
    flush()
    return _merge_adjacent(out)


def _merge_adjacent(eps: list[Episode]) -> list[Episode]:
    """Join neighbouring episodes that ended up in the same state (e.g. two no-remission bands)."""
    merged: list[Episode] = []
    for e in eps:
        prev = merged[-1] if merged else None
        if prev and prev.state == e.state and prev.confirmed == e.confirmed and not prev.note and not e.note:
            merged[-1] = Episode(prev.start, e.end, e.state, prev.evidence + e.evidence, prev.confirmed)
        else:
            merged.append(e)
    return merged
