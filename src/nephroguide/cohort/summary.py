"""Cohort results: the summary (counts, percentages, time to remission), and the JSON, Markdown and CSV forms.

The JSON is the ``nephroguide.cohort/1`` contract of ``docs/outputs.md`` plus traceability fields
(the definition set's criteria in words, its citations and references, the knowledge-pack version).
The Markdown reads like a paper's Table 1 turned on its side: one row per patient (it scales from 8
children to thousands), then the outcome counts and the median (range) time to complete remission
with every exclusion stated. ``--compare A,B`` puts two sets' per-patient outcomes side by side and
marks every patient whose outcome or timing differs.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nephroguide.cohort.csvio import CohortInput
from nephroguide.cohort.outcomes import (
    CR,
    MONTH_DAYS,
    NO_RESPONSE,
    NOT_EVALUABLE,
    PR,
    IndexSpec,
    PatientOutcome,
    months,
)
from nephroguide.engine.types import Reference
from nephroguide.knowledge.models import DefinitionSet, ProteinuriaState

COHORT_RECORD = "nephroguide.cohort/1"
COMPARE_RECORD = "nephroguide.cohort-compare/1"

OUTCOME_LABELS = {CR: "Complete remission", PR: "Partial remission", NO_RESPONSE: "No response",
                  NOT_EVALUABLE: "Not evaluable"}
SHORT = {CR: "CR", PR: "PR", NO_RESPONSE: "NR", NOT_EVALUABLE: "NE"}
OUTCOMES_ALL = (CR, PR, NO_RESPONSE, NOT_EVALUABLE)
STATE_LABELS = {"complete_remission": "CR range", "partial_remission": "PR range", "no_remission": "no remission",
                "relapse": "relapse", "unknown": "unknown"}


# ------------------------------------------------------------------------------------------- summary

@dataclass(frozen=True)
class TimeStats:
    """Median (range) of a time in months, from exact day counts; None when n = 0."""

    median: float | None
    min: float | None
    max: float | None
    n: int

    @classmethod
    def of_days(cls, days: Sequence[int]) -> TimeStats:
        if not days:
            return cls(None, None, None, 0)
        return cls(round(months(statistics.median(days)), 1), round(months(min(days)), 1),
                   round(months(max(days)), 1), len(days))

    def to_json(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.min, "max": self.max, "n": self.n}

    def text(self) -> str:
        if not self.n:
            return "none reached"
        return f"{self.median:g} ({self.min:g}–{self.max:g}) months, n = {self.n}"


@dataclass(frozen=True)
class Summary:
    n_total: int
    counts: dict[str, int]
    time_to_cr: TimeStats
    time_to_pr: TimeStats
    excluded: tuple[tuple[str, str], ...]            # (patient_id, reason): not evaluable
    excluded_from_time: tuple[tuple[str, str], ...]  # complete remission without a time from the index date
    relapses: int
    sustained: int
    undecided: tuple[str, ...]                       # patients whose outcome could be better with more data

    @property
    def n(self) -> int:
        return self.n_total - len(self.excluded)

    def percent(self, outcome: str) -> float | None:
        return round(100 * self.counts[outcome] / self.n, 1) if self.n else None

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "complete_remission": self.counts[CR],
            "partial_remission": self.counts[PR],
            "no_response": self.counts[NO_RESPONSE],
            "months_to_complete_remission": self.time_to_cr.to_json(),
            "n_total": self.n_total,
            "not_evaluable": len(self.excluded),
            "percent": {o: self.percent(o) for o in (CR, PR, NO_RESPONSE)},
            "months_to_partial_remission": self.time_to_pr.to_json(),
            "excluded": [{"patient_id": p, "reason": r} for p, r in self.excluded],
            "excluded_from_time_to_remission": [{"patient_id": p, "reason": r} for p, r in self.excluded_from_time],
            "relapsed_after_complete_remission": self.relapses,
            "sustained_complete_remission": self.sustained,
            "undecided": list(self.undecided),
        }


def summarise(outcomes: Sequence[PatientOutcome]) -> Summary:
    """Counts over evaluable patients; median (range) months to remission; exclusions with reasons."""
    counts = dict.fromkeys((CR, PR, NO_RESPONSE), 0)
    excluded: list[tuple[str, str]] = []
    no_time: list[tuple[str, str]] = []
    cr_days: list[int] = []
    pr_days: list[int] = []
    relapses = sustained = 0
    undecided: list[str] = []
    for o in outcomes:
        if not o.evaluable:
            reason = next((n.removeprefix("not evaluable: ") for n in o.notes if n.startswith("not evaluable")),
                          "not evaluable")
            excluded.append((o.patient_id, reason))
            continue
        counts[o.outcome] += 1
        if o.undecided:
            undecided.append(o.patient_id)
        if o.outcome == CR:
            if o.days_to_remission is None:
                no_time.append((o.patient_id, f"complete remission reached on {o.remission_date}, before the "
                                              f"index date {o.index_date}"))
            else:
                cr_days.append(o.days_to_remission)
            relapses += o.relapse is True
            sustained += o.relapse is False
        elif o.outcome == PR and o.days_to_remission is not None:
            pr_days.append(o.days_to_remission)
    return Summary(len(outcomes), counts, TimeStats.of_days(cr_days), TimeStats.of_days(pr_days), tuple(excluded),
                   tuple(no_time), relapses, sustained, tuple(undecided))


# ------------------------------------------------------------------------------------------- definitions

def describe_state(state: ProteinuriaState) -> str:
    """A definition-set state in words, e.g. 'UPCR < 0.2 mg/mg, with serum albumin > 3.5 g/dL, on 3 ...'."""
    from nephroguide.engine.measure import describe_criterion, describe_threshold

    parts = [" or ".join(describe_criterion(c) for c in state.any_of)]
    if state.albumin is not None:
        alb = " and ".join(describe_threshold(t) for t in state.albumin.limits)
        parts.append(f"with serum albumin {alb} (within {state.albumin.window_days} days; missing albumin: "
                     f"{state.albumin.when_missing})")
    if state.consecutive.count > 1:
        parts.append(f"on {state.consecutive.count} consecutive {state.consecutive.basis}")
    return ", ".join(parts)


@dataclass(frozen=True)
class DefinitionInfo:
    """The definition set as used, traceable to its sources."""

    dset: DefinitionSet
    name: str                        # as the user gave it: a set name or a file path
    file: str | None                 # the file, for a user's set
    relapse_from: str | None         # id of the set whose relapse rule was borrowed, if any
    relapse_state: ProteinuriaState | None
    relapse_refs: tuple[str, ...]

    @property
    def own_refs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.source for c in self.dset.citations))

    @property
    def refs(self) -> tuple[str, ...]:
        """Every source behind a definition used (the set's own, then a borrowed relapse rule's)."""
        return tuple(dict.fromkeys([*self.own_refs, *self.relapse_refs]))

    def criteria(self) -> dict[str, str]:
        out = {"complete_remission": describe_state(self.dset.complete_remission),
               "partial_remission": describe_state(self.dset.partial_remission)}
        if self.relapse_state is not None:
            out["relapse"] = describe_state(self.relapse_state) + (
                f" (from the {self.relapse_from} set: {self.dset.id} defines no relapse)" if self.relapse_from else "")
        return out

    def footnotes(self) -> list[str]:
        """How dates and albumin were read: the choices a reader of Table 1 needs (from the set's data)."""
        d = self.dset
        notes = []
        cr_rule = d.complete_remission.consecutive
        if cr_rule.count > 1:
            if d.remission_dating == "first_qualifying":
                notes.append(f"Remission is dated from the first of the {cr_rule.count} consecutive qualifying "
                             f"{cr_rule.basis} (remission_dating: first_qualifying); the date the run was "
                             "confirmed is shown as well.")
            else:
                notes.append(f"Remission is dated on the {_ordinal(cr_rule.count)} consecutive qualifying "
                             f"{cr_rule.basis[:-1]}, when the definition was confirmed (remission_dating: confirmed); "
                             "the first qualifying result is shown as well.")
        rules: dict[tuple[int, str], list[str]] = {}
        for key, state in (("complete remission", d.complete_remission), ("partial remission", d.partial_remission)):
            if state.albumin is not None:
                rules.setdefault((state.albumin.window_days, state.albumin.when_missing), []).append(key)
        for (window, when_missing), keys in rules.items():
            missing = {"undecided": "the result cannot be decided (the outcome is the best decided one and the "
                                    "patient is flagged undecided)",
                       "fails": "the result does not meet the definition",
                       "ignored": "the urine result decides alone"}[when_missing]
            notes.append(f"Albumin for {' and '.join(keys)}: each urine result is paired with the nearest serum "
                         f"albumin within {window} days before or after it (the earlier on a tie; "
                         f"window_days: {window}); with none in that window {missing} (when_missing: "
                         f"{when_missing}). The albumin paired with the dated result is listed per patient.")
        return notes

    def to_json(self) -> dict[str, Any]:
        d = self.dset
        return {"id": d.id, "title": d.title, "status": d.status, "version": d.version, "file": self.file,
                "criteria": self.criteria(), "remission_dating": d.remission_dating,
                "footnotes": self.footnotes(), "relapse_from": self.relapse_from,
                "citations": [c.model_dump(mode="json") for c in d.citations], "refs": list(self.refs),
                "relapse_refs": list(self.relapse_refs)}


# ------------------------------------------------------------------------------------------- result

@dataclass
class CohortResult:
    """The cohort read under one definition set."""

    definitions: DefinitionInfo
    index: IndexSpec
    patients: list[PatientOutcome]
    summary: Summary
    data: CohortInput
    references: tuple[Reference, ...]
    pack_version: str
    notes: list[str] = field(default_factory=list)

    @property
    def dset(self) -> DefinitionSet:
        return self.definitions.dset

    def to_json(self) -> dict[str, Any]:
        return {
            "record": COHORT_RECORD,
            "definitions": self.dset.id,
            "patients": [self._patient_json(p) for p in self.patients],
            "summary": self.summary.to_json(),
            "histology_groups": [{"histology": label, "group": group, "n": n}
                                 for label, group, n in self.histology_mapping()],
            "outcomes_by_histology_group": [{"group": g, **c} for g, c in self.outcomes_by_group()],
            "definition_set": self.definitions.to_json(),
            "index": {"event": self.index.event, "from": self.index.which if self.index.event else "first_measurement",
                      "description": self.index.describe(), "month_days": MONTH_DAYS},
            "notes": list(self.notes),
            "input": {"labs": self.data.labs_name, "patients": self.data.patients_name, "rows": self.data.rows,
                      "duplicate_rows": self.data.duplicate_rows, "n_patients": len(self.data.patients)},
            "references": [r.to_json() for r in self.references],
            "versions": {"knowledge_pack": self.pack_version, "definitions": f"{self.dset.id}@{self.dset.version}"},
        }

    def _patient_json(self, p: PatientOutcome) -> dict[str, Any]:
        j = p.to_json()
        j["histology_group"] = self.histology_group(p)
        return j

    # ---------------------------------------------------------------- markdown
    def to_markdown(self) -> str:
        d = self.dset
        out = [f"# Cohort outcomes under {d.id}", "",
               f"Definitions: {d.title} (version {d.version}; {refs_text(self.definitions.own_refs)})"
               + (f"; relapse rule from the {self.definitions.relapse_from} set "
                  f"({refs_text(self.definitions.relapse_refs)})" if self.definitions.relapse_from else "")
               + (f"; read from {self.definitions.file}" if self.definitions.file else "") + ".", ""]
        for key, text in self.definitions.criteria().items():
            out.append(f"- **{key.replace('_', ' ').capitalize()}**: {text}")
        out += ["", f"Time zero: {self.index.describe()}; only results on or after it count. "
                    f"Months are {MONTH_DAYS} days.", ""]
        characteristics = self._characteristics()
        if characteristics:
            out += ["## Table 1. Patient characteristics (as written in "
                    f"{self.data.patients_name or 'patients.csv'})", "", *characteristics, ""]
            out += ["## Table 2. Outcome per patient", "", *self._table(), ""]
        else:
            out += ["## Table 1. Outcome per patient", "", *self._table(), ""]
        out += ["## Summary", "", *summary_lines(self.summary), ""]
        by_group = self.outcomes_by_group()
        if by_group:
            out += ["Outcome by histology group:", "", "| Group | n | CR | PR | NR | Not evaluable |",
                    "|---|---|---|---|---|---|"]
            out += [f"| {g} | {sum(c.values())} | {c[CR]} | {c[PR]} | {c[NO_RESPONSE]} | {c[NOT_EVALUABLE]} |"
                    for g, c in by_group]
            out.append("")
        notes = [(p.patient_id, n) for p in self.patients for n in p.notes]
        if notes or self.notes:
            out += ["## Notes", ""]
            out += [f"- {n}" for n in self.notes]
            out += [f"- patient {pid}: {n}" for pid, n in notes]
            out.append("")
        out += ["## References", ""]
        out += [f"- [{r.id}] {r.citation}" for r in self.references]
        out += ["", f"_knowledge pack {self.pack_version}; definition set {d.id}@{d.version}_"]
        return "\n".join(out) + "\n"

    @property
    def descriptive_columns(self) -> list[str]:
        """patients.csv columns shown as written (birth_date is shown as the age at time zero)."""
        return [c for c in self.data.info_columns if c != "birth_date"]

    def histology_mapping(self) -> list[tuple[str, str, int]]:
        """(histology as written, group, n) when patients.csv has a histology column."""
        from nephroguide.cohort.groups import HISTOLOGY_COLUMN, mapping_rows

        if HISTOLOGY_COLUMN not in self.data.info_columns:
            return []
        return mapping_rows([p.info.get(HISTOLOGY_COLUMN) for p in self.patients])

    def histology_group(self, p: PatientOutcome) -> str | None:
        from nephroguide.cohort.groups import HISTOLOGY_COLUMN, histology_groups

        if HISTOLOGY_COLUMN not in self.data.info_columns:
            return None
        return histology_groups().group_of(p.info.get(HISTOLOGY_COLUMN)).label

    def outcomes_by_group(self) -> list[tuple[str, dict[str, int]]]:
        """(histology group, counts of CR/PR/NR/NE) in the mapping's group order, groups present only."""
        from nephroguide.cohort.groups import histology_groups

        if not self.histology_mapping():
            return []
        out: dict[str, dict[str, int]] = {g.label: dict.fromkeys(OUTCOMES_ALL, 0) for g in histology_groups().order}
        for p in self.patients:
            group = self.histology_group(p)
            assert group is not None
            out[group][p.outcome] += 1
        return [(g, c) for g, c in out.items() if sum(c.values())]

    def _characteristics(self) -> list[str]:
        """Table 1: every descriptive column as written, the histology group, the age at time zero."""
        cols = self.descriptive_columns
        has_age = any(p.age_at_index_years is not None for p in self.patients)
        if not cols and not has_age:
            return []
        head = ["Patient"]
        for c in cols:
            head.append(_md_cell(c))
            if c == "histology":
                head.append("histology group")
        if has_age:
            head.append("age at time zero (y)")
        rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for p in self.patients:
            cells = [p.patient_id]
            for c in cols:
                cells.append(_md_cell(p.info.get(c, "–")))
                if c == "histology":
                    cells.append(self.histology_group(p) or "–")
            if has_age:
                cells.append(_num(p.age_at_index_years))
            rows.append("| " + " | ".join(cells) + " |")
        mapping = self.histology_mapping()
        if mapping:
            rows += ["", "Histology as written and the group it is counted in (mapping: "
                         "nephroguide/cohort/histology_groups.yaml; labels are never rewritten):", "",
                     "| Histology as written | Group | n |", "|---|---|---|"]
            rows += [f"| {_md_cell(label)} | {group} | {n} |" for label, group, n in mapping]
        return rows

    def _table(self) -> list[str]:
        has_albumin = any(p.albumin_used for p in self.patients)
        head = ["Patient"]
        dated = "Remission (confirmed)" if self.dset.remission_dating == "confirmed" else "Remission (first qualifying)"
        other = "First qualifying" if self.dset.remission_dating == "confirmed" else "Confirmed"
        head += ["Index date", "Outcome", dated, other, "Months to remission"]
        if has_albumin:
            head.append("Albumin used")
        head += ["Relapse", "Last state", "Follow-up (months)", "Notes"]
        rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for p in self.patients:
            cells = [p.patient_id]
            second = p.remission_run_start if self.dset.remission_dating == "confirmed" else p.remission_confirmed_date
            cells += [_date(p.index_date), SHORT[p.outcome], _date(p.remission_date), _date(second), _months_cell(p)]
            if has_albumin:
                cells.append(albumin_cell(p))
            cells += [_relapse_cell(p), STATE_LABELS.get(p.last_state, p.last_state),
                      _num(None if p.follow_up_days is None else round(months(p.follow_up_days), 1)),
                      str(len(p.notes)) if p.notes else ""]
            rows.append("| " + " | ".join(cells) + " |")
        foot = self.definitions.footnotes()
        if foot:
            rows.append("")
            rows += [f"_Note {chr(ord('a') + i)}._ {n}" + ("  " if i < len(foot) - 1 else "")
                     for i, n in enumerate(foot)]
        return rows

    # ---------------------------------------------------------------- csv
    CSV_COLUMNS = ("patient_id", "definitions", "outcome", "remission_date", "months_to_remission",
                   "days_to_remission", "remission_run_start", "remission_confirmed_date", "remission_dating",
                   "albumin_used", "histology_group", "remission_before_index", "index_event", "index_date",
                   "first_response_date", "relapse", "relapse_date", "months_in_remission", "last_state",
                   "last_result_date", "months_of_follow_up", "n_results", "undecided", "notes")

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        info_cols = list(self.data.info_columns)
        w.writerow([*self.CSV_COLUMNS, *info_cols])
        for p in self.patients:
            j = p.to_json()
            row = {**j, "definitions": self.dset.id, "index_event": p.index_event, "index_date": _iso(p.index_date),
                   "albumin_used": albumin_used_text(p), "histology_group": self.histology_group(p),
                   "undecided": ";".join(p.undecided), "notes": " | ".join(p.notes)}
            w.writerow([_csv_cell(row[c]) for c in self.CSV_COLUMNS] + [p.info.get(c, "") for c in info_cols])
        return buf.getvalue()


def _iso(day: Any) -> str | None:
    return day.isoformat() if day else None


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _md_cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:g}"


def _date(d: Any) -> str:
    return d.isoformat() if d else "–"


def _months_cell(p: PatientOutcome) -> str:
    if p.remission_before_index:
        return "before index"
    return _num(p.months_to_remission)


def _relapse_cell(p: PatientOutcome) -> str:
    if p.relapse is None:
        return "–"
    return f"yes ({p.relapse_date})" if p.relapse else "no"


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def albumin_cell(p: PatientOutcome) -> str:
    """The albumin paired with the result the remission is dated by, e.g. '3.6 g/dL (same day)'."""
    if p.remission_date is None or not p.albumin_used:
        return "–"
    day = p.remission_date.isoformat()
    a = next((x for x in p.albumin_used if x["urine_date"] == day), p.albumin_used[-1])
    if a["albumin"] is None:
        return f"none within {a['window_days']} d"
    gap = a["days_apart"]
    when = "same day" if gap == 0 else f"{a['albumin_date']}, {gap} d apart"
    return f"{a['albumin']} ({when})"


def albumin_used_text(p: PatientOutcome) -> str:
    """Every qualifying result's albumin, for the CSV: 'urine date: albumin (albumin date)'."""
    return "; ".join(f"{a['urine_date']}: " + (f"{a['albumin']} ({a['albumin_date']})" if a["albumin"]
                                                 else f"none within {a['window_days']} d")
                     for a in p.albumin_used)


def refs_text(refs: Sequence[str]) -> str:
    return ", ".join(f"[{r}]" for r in refs)


def summary_lines(s: Summary) -> list[str]:
    """The outcome table and the time-to-remission sentence, with exclusions."""
    lines = [f"| Outcome | n (of {s.n}) | % |", "|---|---|---|"]
    for o in (CR, PR, NO_RESPONSE):
        pct = s.percent(o)
        lines.append(f"| {OUTCOME_LABELS[o]} | {s.counts[o]} | {'–' if pct is None else f'{pct:g}'} |")
    lines += ["", f"Median (range) time to complete remission: {s.time_to_cr.text()}."]
    if s.time_to_pr.n:
        lines.append(f"Median (range) time to partial remission: {s.time_to_pr.text()}.")
    if s.excluded_from_time:
        lines.append("Left out of the time to remission: "
                     + "; ".join(f"patient {p} ({r})" for p, r in s.excluded_from_time) + ".")
    if s.excluded:
        lines.append(f"Not evaluable, excluded from the denominators ({len(s.excluded)} of {s.n_total}): "
                     + "; ".join(f"patient {p} ({r})" for p, r in s.excluded) + ".")
    else:
        lines.append(f"All {s.n_total} patients were evaluable.")
    if s.counts[CR]:
        lines.append(f"After complete remission: {s.relapses} relapsed, {s.sustained} remained without relapse "
                     "to the last result.")
    if s.undecided:
        lines.append(f"Outcome could be better with more data (see notes): {', '.join(s.undecided)}.")
    return lines


# ------------------------------------------------------------------------------------------- compare

@dataclass
class CohortComparison:
    """One cohort under two definition sets, patient by patient."""

    a: CohortResult
    b: CohortResult

    def differences(self) -> dict[str, list[str]]:
        """patient id -> the fields that differ (outcome, months_to_remission, remission_date)."""
        out: dict[str, list[str]] = {}
        for pa, pb in zip(self.a.patients, self.b.patients, strict=True):
            diff = [f for f in ("outcome", "months_to_remission", "remission_date", "remission_before_index")
                    if getattr(pa, f) != getattr(pb, f)]
            if diff:
                out[pa.patient_id] = diff
        return out

    def to_json(self) -> dict[str, Any]:
        ia, ib = self.a.dset.id, self.b.dset.id
        diffs = self.differences()
        pats = []
        for pa, pb in zip(self.a.patients, self.b.patients, strict=True):
            pats.append({"patient_id": pa.patient_id,
                         ia: {k: pa.to_json()[k] for k in ("outcome", "remission_date", "months_to_remission",
                                                           "last_state")},
                         ib: {k: pb.to_json()[k] for k in ("outcome", "remission_date", "months_to_remission",
                                                           "last_state")},
                         "differs": diffs.get(pa.patient_id, [])})
        return {"record": COMPARE_RECORD, "definitions": [ia, ib], "patients": pats,
                "summary": {ia: self.a.summary.to_json(), ib: self.b.summary.to_json()},
                "n_differ": len(diffs), "results": [self.a.to_json(), self.b.to_json()]}

    def to_markdown(self) -> str:
        ia, ib = self.a.dset.id, self.b.dset.id
        diffs = self.differences()
        out = [f"# Cohort outcomes compared: {ia} vs {ib}", ""]
        for r in (self.a, self.b):
            out.append(f"- **{r.dset.id}** ({r.dset.title}; {refs_text(r.definitions.own_refs)}): "
                       + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in r.definitions.criteria().items()))
        out += ["", f"Time zero: {self.a.index.describe()}. Rows where the two sets disagree are marked **≠** "
                    "and the differing cells are in bold.", ""]
        out += [f"| Patient | {ia} | months | {ib} | months | |", "|---|---|---|---|---|---|"]
        for pa, pb in zip(self.a.patients, self.b.patients, strict=True):
            d = diffs.get(pa.patient_id, [])
            oa, ob = SHORT[pa.outcome], SHORT[pb.outcome]
            ma, mb = _months_cell(pa), _months_cell(pb)
            if "outcome" in d:
                oa, ob = f"**{oa}**", f"**{ob}**"
            if {"months_to_remission", "remission_before_index"} & set(d):
                ma, mb = f"**{ma}**", f"**{mb}**"
            out.append(f"| {pa.patient_id} | {oa} | {ma} | {ob} | {mb} | {'≠' if d else ''} |")
        sa, sb = self.a.summary, self.b.summary
        out += ["", "## Summary", "", f"| Outcome | {ia} | {ib} |", "|---|---|---|"]
        for o in (CR, PR, NO_RESPONSE):
            out.append(f"| {OUTCOME_LABELS[o]} | {_count(sa, o)} | {_count(sb, o)} |")
        out.append(f"| Median (range) months to CR | {sa.time_to_cr.text()} | {sb.time_to_cr.text()} |")
        out.append(f"| Not evaluable | {len(sa.excluded)} | {len(sb.excluded)} |")
        out += ["", f"{len(diffs)} of {sa.n_total} patients differ between {ia} and {ib}.", ""]
        refs = {r.id: r for r in (*self.a.references, *self.b.references)}
        out += ["## References", ""] + [f"- [{r.id}] {r.citation}" for r in refs.values()]
        return "\n".join(out) + "\n"

    def to_csv(self) -> str:
        ia, ib = self.a.dset.id, self.b.dset.id
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["patient_id", f"outcome_{ia}", f"months_to_remission_{ia}", f"remission_date_{ia}",
                    f"outcome_{ib}", f"months_to_remission_{ib}", f"remission_date_{ib}", "differs"])
        diffs = self.differences()
        for pa, pb in zip(self.a.patients, self.b.patients, strict=True):
            w.writerow([pa.patient_id, pa.outcome, _csv_cell(pa.months_to_remission), _csv_cell(_iso(pa.remission_date)),
                        pb.outcome, _csv_cell(pb.months_to_remission), _csv_cell(_iso(pb.remission_date)),
                        ";".join(diffs.get(pa.patient_id, []))])
        return buf.getvalue()


def _count(s: Summary, outcome: str) -> str:
    pct = s.percent(outcome)
    return f"{s.counts[outcome]} ({'–' if pct is None else f'{pct:g}'}%)"


# ------------------------------------------------------------------------------------------- schemas

def cohort_json_schema() -> dict[str, Any]:
    """JSON Schema of ``nephroguide.cohort/1`` (the contract fields are required; extras are described)."""
    from nephroguide.schemas import BASE, REFERENCE

    s: dict[str, Any] = {"type": "string"}
    strs = {"type": "array", "items": s}
    date_or_null = {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
    num_or_null = {"type": ["number", "null"]}
    int_or_null = {"type": ["integer", "null"]}
    bool_or_null = {"type": ["boolean", "null"]}
    outcome = {"enum": [CR, PR, NO_RESPONSE, NOT_EVALUABLE]}
    time_stats = {"type": "object", "required": ["median", "min", "max", "n"],
                  "properties": {"median": num_or_null, "min": num_or_null, "max": num_or_null,
                                 "n": {"type": "integer", "minimum": 0}}}
    excluded = {"type": "array", "items": {"type": "object", "required": ["patient_id", "reason"],
                                           "properties": {"patient_id": s, "reason": s}}}
    patient = {
        "type": "object",
        "required": ["patient_id", "outcome", "remission_date", "months_to_remission", "last_state", "notes"],
        "properties": {
            "patient_id": s, "outcome": outcome, "remission_date": date_or_null,
            "months_to_remission": num_or_null,
            "last_state": {"enum": ["complete_remission", "partial_remission", "no_remission", "relapse", "unknown"]},
            "notes": strs, "remission_run_start": date_or_null, "days_to_remission": int_or_null,
            "remission_confirmed_date": date_or_null,
            "remission_dating": {"enum": ["first_qualifying", "confirmed"]},
            "albumin_used": {"type": "array", "items": {
                "type": "object", "required": ["urine_date", "albumin", "albumin_date", "days_apart"],
                "properties": {"urine_date": {"type": "string", "format": "date"},
                               "albumin": {"type": ["string", "null"]}, "albumin_date": date_or_null,
                               "days_apart": int_or_null, "window_days": {"type": "integer"},
                               "when_missing": {"enum": ["fails", "ignored", "undecided"]}}}},
            "histology_group": {"type": ["string", "null"]},
            "remission_before_index": {"type": "boolean"},
            "index": {"type": "object", "properties": {"event": {"type": ["string", "null"]}, "date": date_or_null,
                                                       "events": {"type": "integer"}}},
            "first_response_date": date_or_null, "relapse": bool_or_null, "relapse_date": date_or_null,
            "relapse_run_start": date_or_null, "sustained_remission": bool_or_null,
            "months_in_remission": num_or_null, "last_result_date": date_or_null, "months_of_follow_up": num_or_null,
            "n_results": {"type": "integer", "minimum": 0},
            "undecided": {"type": "array", "items": {"enum": [CR, PR]}},
            "characteristics": {"type": "object", "additionalProperties": s},
            "age_at_index_years": num_or_null,
        },
    }
    summary = {
        "type": "object",
        "required": ["n", "complete_remission", "partial_remission", "no_response", "months_to_complete_remission"],
        "properties": {
            "n": {"type": "integer", "minimum": 0}, "complete_remission": {"type": "integer", "minimum": 0},
            "partial_remission": {"type": "integer", "minimum": 0}, "no_response": {"type": "integer", "minimum": 0},
            "months_to_complete_remission": time_stats, "n_total": {"type": "integer"},
            "not_evaluable": {"type": "integer"},
            "percent": {"type": "object", "properties": dict.fromkeys((CR, PR, NO_RESPONSE), num_or_null)},
            "months_to_partial_remission": time_stats, "excluded": excluded,
            "excluded_from_time_to_remission": excluded, "relapsed_after_complete_remission": {"type": "integer"},
            "sustained_complete_remission": {"type": "integer"}, "undecided": strs,
        },
    }
    citation = {"type": "object", "required": ["source", "verification"],
                "properties": {"source": s, "location": s, "grade": s,
                               "verification": {"enum": ["verified", "secondary", "unverified"]}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}/cohort-1.json",
        "title": "nephroguide cohort outcomes, version 1", "type": "object",
        "required": ["record", "definitions", "patients", "summary"],
        "properties": {
            "record": {"const": COHORT_RECORD}, "definitions": s,
            "patients": {"type": "array", "items": patient}, "summary": summary,
            "definition_set": {"type": "object", "required": ["id", "citations", "refs", "criteria"],
                               "properties": {"id": s, "title": s, "status": s, "version": s,
                                              "file": {"type": ["string", "null"]},
                                              "criteria": {"type": "object", "additionalProperties": s},
                                              "remission_dating": {"enum": ["first_qualifying", "confirmed"]},
                                              "footnotes": strs,
                                              "relapse_from": {"type": ["string", "null"]},
                                              "citations": {"type": "array", "items": citation, "minItems": 1},
                                              "refs": {"type": "array", "items": s, "minItems": 1}}},
            "index": {"type": "object", "properties": {"event": {"type": ["string", "null"]},
                                                       "from": {"enum": ["first", "last", "first_measurement"]},
                                                       "description": s, "month_days": {"type": "number"}}},
            "notes": strs,
            "histology_groups": {"type": "array", "items": {
                "type": "object", "required": ["histology", "group", "n"],
                "properties": {"histology": s, "group": s, "n": {"type": "integer", "minimum": 1}}}},
            "outcomes_by_histology_group": {"type": "array", "items": {"type": "object", "required": ["group"]}},
            "input": {"type": "object"},
            "references": {"type": "array", "items": REFERENCE},
            "versions": {"type": "object", "required": ["knowledge_pack"],
                         "properties": {"knowledge_pack": s, "definitions": s}},
        },
    }


def compare_json_schema() -> dict[str, Any]:
    """JSON Schema of ``nephroguide.cohort-compare/1``: two cohort results plus the per-patient differences."""
    from nephroguide.schemas import BASE

    one = cohort_json_schema()
    side = {"type": "object", "required": ["outcome", "remission_date", "months_to_remission"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}/cohort-compare-1.json",
        "title": "nephroguide cohort outcomes under two definition sets, version 1", "type": "object",
        "required": ["record", "definitions", "patients", "summary", "results"],
        "properties": {
            "record": {"const": COMPARE_RECORD},
            "definitions": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
            "patients": {"type": "array", "items": {"type": "object", "required": ["patient_id", "differs"],
                                                    "properties": {"patient_id": {"type": "string"},
                                                                   "differs": {"type": "array"}},
                                                    "additionalProperties": side}},
            "summary": {"type": "object"}, "n_differ": {"type": "integer"},
            "results": {"type": "array", "items": {k: v for k, v in one.items() if not k.startswith("$")},
                        "minItems": 2, "maxItems": 2},
        },
    }
