"""The engine's output objects: plain dataclasses that know their JSON form.

Renderers read these; they never decide anything clinical. Every clinical sentence is a
``Statement`` carrying references, the source's grade and the verification status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

PLAN_RECORD = "nephroguide.plan/1"
DOSE_RECORD = "nephroguide.dose/1"
REMISSION_RECORD = "nephroguide.remission/1"


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None (JSON output omits unknowns rather than printing null)."""
    return {k: v for k, v in d.items() if v is not None}


@dataclass(frozen=True)
class Statement:
    """One clinical sentence with its evidence trail."""

    text: str
    refs: tuple[str, ...]
    grade: str
    strength: str
    certainty: str
    verification: str
    kb_id: str
    location: str = ""

    @property
    def pending_review(self) -> bool:
        """Anything less than verified against the primary source is shown as pending review."""
        return self.verification != "verified"

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "refs": list(self.refs), "grade": self.grade, "strength": self.strength,
                "certainty": self.certainty, "verification": self.verification, "kb_id": self.kb_id,
                "location": self.location, "pending_review": self.pending_review}


@dataclass(frozen=True)
class Reference:
    """A cited source in the output vocabulary."""

    id: str
    type: str
    citation: str
    year: int
    title: str = ""
    url: str | None = None
    doi: str | None = None
    pmid: str | None = None
    access: str = "unverified"
    status: str = "current"

    def to_json(self) -> dict[str, Any]:
        return _clean({"id": self.id, "type": self.type, "citation": self.citation, "year": self.year,
                       "title": self.title, "url": self.url, "doi": self.doi, "pmid": self.pmid,
                       "access": self.access, "status": self.status})


@dataclass(frozen=True)
class Target:
    test: str
    low: float
    high: float | None
    unit: str
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return _clean({"test": self.test, "low": self.low, "high": self.high, "unit": self.unit,
                       "note": self.note or None})


@dataclass(frozen=True)
class CourseTotal:
    """The projected total of a whole regimen (all its phases) for this child, with what was already given."""

    regimen: str
    unit: str
    planned: float                  # mg (or g) in the planned course
    planned_per_kg: float | None
    planned_per_m2: float | None
    given_before: float | None      # mg already given of this drug (from the record), when known
    total: float                    # planned + given before
    total_per_kg: float | None
    limit_per_kg: float | None      # the cumulative limit from the dose rule, when the source gives one
    text: str
    crosses_limit: bool = False

    def to_json(self) -> dict[str, Any]:
        return _clean({"regimen": self.regimen, "unit": self.unit, "planned": self.planned,
                       "planned_per_kg": self.planned_per_kg, "planned_per_m2": self.planned_per_m2,
                       "given_before": self.given_before, "total": self.total, "total_per_kg": self.total_per_kg,
                       "limit_per_kg": self.limit_per_kg, "crosses_limit": self.crosses_limit, "text": self.text})


@dataclass(frozen=True)
class DoseResult:
    """A computed dose from one dose rule for one child size."""

    kb_id: str
    drug: str
    indication: str
    title: str
    route: str
    unit: str                       # "mg" (or "g" for albumin)
    basis: str                      # e.g. "0.1 mg/kg/day" or "0.1-0.2 mg/kg/day"
    per: str                        # what the computation used: "weight 21 kg" / "BSA 0.83 m²"
    schedule: str
    mg_per_dose: float | None
    doses_per_day: float | None
    mg_per_day: float | None
    mg_per_day_range: tuple[float, float] | None
    mg_per_dose_range: tuple[float, float] | None
    cap_applied: bool
    caps: tuple[str, ...]
    rounding: str
    target: Target | None
    duration: str
    phase: str
    phase_order: int
    cumulative_limit_mg: float | None
    notes: str
    refs: tuple[str, ...]
    grade: str
    strength: str
    certainty: str
    verification: str
    statement: Statement
    warnings: tuple[str, ...] = ()
    ceiling: bool = False
    other_bases: tuple[str, ...] = ()
    display: str = ""               # the dose as given: "1.05 mg twice daily (every 12 hours), 2.1 mg/day"
    amount: str = ""                # the amount per dose: "1.05 mg"
    frequency: str = ""             # how often one dose is given: "twice daily (every 12 hours)"
    calculation: str = ""           # the arithmetic, unrounded figure, caps and rounding
    course: CourseTotal | None = None

    def to_json(self) -> dict[str, Any]:
        return _clean({
            "kb_id": self.kb_id, "display": self.display or None, "amount": self.amount or None,
            "frequency": self.frequency or None, "calculation": self.calculation or None,
            "course": self.course.to_json() if self.course else None,
            "ceiling": self.ceiling, "other_bases": list(self.other_bases), "drug": self.drug, "indication": self.indication, "title": self.title,
            "route": self.route, "unit": self.unit, "mg_per_dose": self.mg_per_dose,
            "doses_per_day": self.doses_per_day, "mg_per_day": self.mg_per_day,
            "mg_per_day_range": list(self.mg_per_day_range) if self.mg_per_day_range else None,
            "mg_per_dose_range": list(self.mg_per_dose_range) if self.mg_per_dose_range else None,
            "basis": self.basis, "per": self.per, "schedule": self.schedule, "cap_applied": self.cap_applied,
            "caps": list(self.caps), "rounding": self.rounding,
            "target": self.target.to_json() if self.target else None, "duration": self.duration or None,
            "phase": self.phase or None, "phase_order": self.phase_order,
            "cumulative_limit_mg": self.cumulative_limit_mg, "notes": self.notes or None,
            "refs": list(self.refs), "grade": self.grade, "strength": self.strength, "certainty": self.certainty,
            "verification": self.verification, "pending_review": self.verification != "verified",
            "warnings": list(self.warnings),
        })


@dataclass(frozen=True)
class DoseAnswer:
    """The `dose` command's result: the chosen regimen (all its phases) plus alternatives."""

    drug: str
    drug_given: str
    indication: str
    indication_chosen: bool          # True when the program picked the indication
    weight_kg: float
    height_cm: float | None
    bsa_m2: float | None
    dose: DoseResult
    phases: tuple[DoseResult, ...]
    alternatives: tuple[DoseResult, ...]
    references: tuple[Reference, ...]
    pack_version: str
    indication_asked: str | None = None   # the indication typed, when a narrower one within it was used

    @property
    def indication_note(self) -> str:
        """'srns has no rituximab dose rule; the narrower indication cni_resistant (within srns) is used.'"""
        if not self.indication_asked:
            return ""
        return (f"{self.indication_asked} has no {self.drug.replace('_', ' ')} dose rule of its own; the narrower "
                f"indication {self.indication} (within {self.indication_asked}) is used")

    def to_json(self) -> dict[str, Any]:
        main = self.dose.to_json()
        return {
            "record": DOSE_RECORD, **main, "drug": self.drug, "drug_given": self.drug_given,
            "indication": self.indication, "indication_chosen_by_program": self.indication_chosen,
            **({"indication_asked": self.indication_asked, "indication_note": self.indication_note}
               if self.indication_asked else {}),
            "patient": _clean({"weight_kg": self.weight_kg, "height_cm": self.height_cm, "bsa_m2": self.bsa_m2}),
            "phases": [p.to_json() for p in self.phases],
            "alternatives": [a.to_json() for a in self.alternatives],
            "references": [r.to_json() for r in self.references],
            "versions": {"knowledge_pack": self.pack_version},
        }


@dataclass(frozen=True)
class LabelReason:
    label: str
    because: str
    refs: tuple[str, ...]
    stated: bool = False
    evidence: tuple[str, ...] = ()   # dates of the data points used

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "because": self.because, "refs": list(self.refs),
                "source": "stated" if self.stated else "derived", "evidence": list(self.evidence)}


@dataclass(frozen=True)
class Classification:
    labels: tuple[str, ...]
    explanation: tuple[LabelReason, ...]
    notes: tuple[str, ...] = ()

    @property
    def stated(self) -> tuple[str, ...]:
        return tuple(r.label for r in self.explanation if r.stated)

    @property
    def derived(self) -> tuple[str, ...]:
        return tuple(r.label for r in self.explanation if not r.stated)

    def to_json(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "explanation": [r.to_json() for r in self.explanation],
                "stated": list(self.stated), "derived": list(self.derived), "notes": list(self.notes)}


@dataclass(frozen=True)
class Warning:
    kb_id: str
    severity: str
    title: str
    text: str
    refs: tuple[str, ...]
    statement: Statement
    because: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"kb_id": self.kb_id, "severity": self.severity, "title": self.title, "text": self.text,
                "refs": list(self.refs), "because": self.because, "grade": self.statement.grade,
                "verification": self.statement.verification, "pending_review": self.statement.pending_review}


@dataclass(frozen=True)
class ConflictOut:
    kb_id: str
    topic: str
    positions: tuple[tuple[str, tuple[str, ...], bool], ...]   # (text, refs, current)
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"kb_id": self.kb_id, "topic": self.topic, "note": self.note,
                "positions": [{"text": t, "refs": list(r), "current": c} for t, r, c in self.positions]}


@dataclass(frozen=True)
class RecommendationOut:
    kb_id: str
    rank: int
    action: str
    title: str
    drugs: tuple[str, ...]
    statements: tuple[Statement, ...]
    grade: str
    strength: str
    certainty: str
    refs: tuple[str, ...]
    verification: str
    dose: DoseResult | None
    doses: tuple[DoseResult, ...]
    cautions: tuple[Warning, ...]
    monitoring: tuple[Statement, ...]
    conflicts: tuple[str, ...]
    evidence: tuple[str, ...]
    why: str
    rationale: str
    family_text: str
    topic: str

    def to_json(self) -> dict[str, Any]:
        return _clean({
            "kb_id": self.kb_id, "rank": self.rank, "action": self.action, "title": self.title,
            "drugs": list(self.drugs), "dose": self.dose.to_json() if self.dose else None,
            "doses": [d.to_json() for d in self.doses], "statements": [s.to_json() for s in self.statements],
            "grade": self.grade, "strength": self.strength, "certainty": self.certainty,
            "refs": list(self.refs), "verification": self.verification,
            "pending_review": self.verification != "verified",
            "cautions": [c.to_json() for c in self.cautions],
            "monitoring": [m.to_json() for m in self.monitoring], "conflicts": list(self.conflicts),
            "evidence": list(self.evidence), "why": self.why, "rationale": self.rationale, "topic": self.topic,
        })


@dataclass(frozen=True)
class LeftOut:
    """A recommendation (or some of its drugs) not offered because the child's course shows the drug failed."""

    kb_id: str
    title: str
    drugs: tuple[str, ...]
    because: str
    refs: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"kb_id": self.kb_id, "title": self.title, "drugs": list(self.drugs), "because": self.because,
                "refs": list(self.refs)}


@dataclass(frozen=True)
class PatientSummary:
    id: str | None
    as_of: dt.date
    age_years: float
    sex: str
    weight_kg: float | None
    height_cm: float | None
    bsa_m2: float | None
    egfr: float | None
    derived: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return _clean({"id": self.id, "as_of": self.as_of.isoformat(), "age_years": round(self.age_years, 2),
                       "sex": self.sex, "weight_kg": self.weight_kg, "height_cm": self.height_cm,
                       "bsa_m2": self.bsa_m2, "egfr": None if self.egfr is None else round(self.egfr, 1),
                       "derived": list(self.derived)})


@dataclass(frozen=True)
class Plan:
    patient: PatientSummary
    definitions: str
    classification: Classification
    recommendations: tuple[RecommendationOut, ...]
    warnings: tuple[Warning, ...]
    conflicts: tuple[ConflictOut, ...]
    references: tuple[Reference, ...]
    pack_version: str
    out_of_scope: bool = False
    facts: dict[str, Any] = field(default_factory=dict)
    assessed: bool = True                       # False when the record is too thin to classify
    missing_data: tuple[str, ...] = ()          # what the record lacks (shown when it could not be assessed)
    left_out: tuple[LeftOut, ...] = ()          # options not offered because the drug already failed
    nothing_applies: str = ""                   # why there are no next steps (adult, record too thin)

    def to_json(self) -> dict[str, Any]:
        return {
            "record": PLAN_RECORD,
            "patient": self.patient.to_json(),
            "definitions": self.definitions,
            "classification": self.classification.to_json(),
            "recommendations": [r.to_json() for r in self.recommendations],
            "warnings": [w.to_json() for w in self.warnings],
            "conflicts": [c.to_json() for c in self.conflicts],
            "references": [r.to_json() for r in self.references],
            "scope": "not_covered" if self.out_of_scope else "covered",
            "assessed": self.assessed, "missing_data": list(self.missing_data),
            "left_out": [x.to_json() for x in self.left_out],
            **({"nothing_applies": self.nothing_applies} if self.nothing_applies else {}),
            "versions": {"knowledge_pack": self.pack_version, "definitions": self.definitions},
            "facts": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in sorted(self.facts.items())},
        }


@dataclass(frozen=True)
class UrinePoint:
    """One dated urine result read against a definition set."""

    date: dt.date
    state: str                   # complete_remission | partial_remission | no_remission | relapse_range
    display: str
    albumin: str | None
    undecided: str | None = None  # why albumin-dependent state could not be decided

    def to_json(self) -> dict[str, Any]:
        return _clean({"date": self.date.isoformat(), "state": self.state, "result": self.display,
                       "albumin": self.albumin, "undecided": self.undecided})


@dataclass(frozen=True)
class Episode:
    start: dt.date
    end: dt.date
    state: str
    evidence: tuple[dt.date, ...]
    confirmed: bool
    note: str = ""

    def to_json(self, refs: tuple[str, ...]) -> dict[str, Any]:
        return _clean({"start": self.start.isoformat(), "end": self.end.isoformat(), "state": self.state,
                       "confirmed": self.confirmed, "evidence": [d.isoformat() for d in self.evidence],
                       "refs": list(refs), "note": self.note or None})


@dataclass(frozen=True)
class RemissionTimeline:
    definitions: str
    points: tuple[UrinePoint, ...]
    episodes: tuple[Episode, ...]
    refs: tuple[str, ...]
    notes: tuple[str, ...]
    pack_version: str

    def to_json(self) -> dict[str, Any]:
        return {"record": REMISSION_RECORD, "definitions": self.definitions,
                "episodes": [e.to_json(self.refs) for e in self.episodes],
                "points": [p.to_json() for p in self.points], "notes": list(self.notes),
                "versions": {"knowledge_pack": self.pack_version, "definitions": self.definitions}}
