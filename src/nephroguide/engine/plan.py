"""Assemble a plan: classify, gather facts, select recommendations, dose them, collect cautions.

Selection is generic: a recommendation applies when its ``applies_when`` condition holds for the
child's facts; options rank by the pack's ``priority``; cautions apply when their own condition
holds (or, for drug-triggered cautions, when the child takes the drug). Nothing here names a drug
or a threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nephroguide.engine.classify import CourseReading, classify_course, months_between
from nephroguide.engine.criteria import Facts, describe, holds
from nephroguide.engine.dosing import compute_dose
from nephroguide.engine.types import (
    ConflictOut,
    DoseResult,
    PatientSummary,
    Plan,
    RecommendationOut,
    Reference,
    Statement,
    Warning,
)
from nephroguide.errors import InputError
from nephroguide.intake.types import Patient
from nephroguide.knowledge.models import Caution, Citation, DefinitionSet, DoseRule, Recommendation
from nephroguide.knowledge.pack import KnowledgePack

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def statement(pack: KnowledgePack, text: str, citations: Iterable[Citation], kb_id: str) -> Statement:
    """A statement whose grade and verification come from its first (primary) citation."""
    cites = list(citations)
    primary = cites[0]
    g = pack.grade(primary)
    refs = tuple(dict.fromkeys(c.source for c in cites))
    return Statement(text=" ".join(text.split()), refs=refs, grade=g.written, strength=g.strength,
                     certainty=g.certainty, verification=primary.verification, kb_id=kb_id, location=primary.location)


def build_facts(patient: Patient, labels: Iterable[str], reading: CourseReading, pack: KnowledgePack) -> Facts:
    """The named facts Conditions may test (see docs/architecture.md)."""
    current = {m.drug for m in patient.medications if m.active_on(patient.as_of)}
    ever = {m.drug for m in patient.medications}

    def classes(ids: set[str]) -> frozenset[str]:
        return frozenset(pack.drugs[d].drug_class for d in ids if d in pack.drugs)

    pred_now = [m for m in patient.medications if m.drug == "prednisolone" and m.active_on(patient.as_of)]
    daily = [m for m in pred_now if not m.alternate_days]
    alternate = [m for m in pred_now if m.alternate_days]
    mg_kg = max((m.mg_per_kg_day for m in daily if m.mg_per_kg_day is not None), default=None)
    mg_day = max((m.mg_per_day for m in daily if m.mg_per_day is not None), default=None)
    alt_mg_kg = max((m.mg_per_kg_day for m in alternate if m.mg_per_kg_day is not None), default=None)
    alt_mg = max((m.mg_per_day for m in alternate if m.mg_per_day is not None), default=None)
    values: dict[str, Any] = {
        "age_years": patient.age_years, "weight_kg": patient.weight_kg, "height_cm": patient.height_cm,
        "bsa_m2": patient.bsa_m2, "egfr": patient.egfr, "genetic_status": patient.genetic_status,
        "histology": patient.histology, "sex": patient.sex, "edema": patient.edema,
        "prednisolone_mg_kg_day": mg_kg, "prednisolone_mg_day": mg_day,
        "prednisolone_alternate_mg_kg": alt_mg_kg, "prednisolone_alternate_mg": alt_mg,
        "months_on_cni": round(reading.cni_months, 2) if reading.cni_months is not None and
        any(pack.drugs[d].drug_class == "calcineurin_inhibitor" for d in current if d in pack.drugs) else None,
        "months_since_onset": round(months_between(patient.onset_date, patient.as_of), 2) if patient.onset_date else None,
        "relapses_last_12_months": sum(1 for d, _ in reading.relapses if 0 <= (patient.as_of - d).days <= 365),
        "cumulative_cyclophosphamide_mg_kg": cumulative_mg_per_kg(patient, "cyclophosphamide"),
    }
    initial = next((c for c in reading.courses if c.kind == "initial"), None)
    if initial and initial.active_on(patient.as_of):
        values["days_on_initial_steroids"] = (patient.as_of - initial.start).days
    return Facts(labels=frozenset(labels), values=values, drugs_current=frozenset(current), drugs_ever=frozenset(ever),
                 classes_current=classes(current), classes_ever=classes(ever),
                 genes=frozenset(patient.genes) if patient.genetic_status == "pathogenic" else frozenset(),
                 histology=patient.histology)


def cumulative_mg_per_kg(patient: Patient, drug: str) -> float | None:
    """Total exposure so far in mg/kg, from daily courses (mg/kg/day × days); None when not computable."""
    total = 0.0
    found = False
    for m in patient.medications:
        if m.drug != drug:
            continue
        end = min(m.end or patient.as_of, patient.as_of)
        days = (end - m.start).days + 1
        if m.mg_per_kg_day is not None and m.frequency in (None, "daily", "bid", "tid", "qid"):
            total += m.mg_per_kg_day * days
            found = True
        elif m.mg_per_day is not None and patient.weight_kg and m.frequency in (None, "daily", "bid", "tid", "qid"):
            total += m.mg_per_day * days / patient.weight_kg
            found = True
    return round(total, 1) if found else None


def _rules_for(rec: Recommendation, pack: KnowledgePack) -> list[DoseRule]:
    return [pack.dose_rules[r] for r in rec.dose_rules]


def _dose_all(rules: list[DoseRule], pack: KnowledgePack, patient: Patient) -> tuple[DoseResult | None,
                                                                                      tuple[DoseResult, ...], list[str]]:
    """Compute every rule the child's data allow; the main dose is the first preferred rule."""
    done: list[tuple[DoseRule, DoseResult]] = []
    missing: list[str] = []
    for rule in rules:
        try:
            done.append((rule, compute_dose(rule, pack, patient.weight_kg, patient.height_cm, patient.egfr)))
        except InputError as exc:
            missing.append(exc.one_line())
    main = next((res for rule, res in done if rule.preferred and rule.phase_order == 1), None)
    if main is None and done:
        main = done[0][1]
    return main, tuple(res for _, res in done), missing


def _caution_out(c: Caution, pack: KnowledgePack, because: str) -> Warning:
    st = statement(pack, c.text, c.citations, c.id)
    return Warning(kb_id=c.id, severity=c.severity, title=c.title, text=st.text, refs=st.refs, statement=st,
                   because=because)


def _caution_applies(c: Caution, facts: Facts, recommended_drugs: set[str]) -> tuple[bool, str]:
    if c.applies_when is not None:
        if holds(c.applies_when, facts):
            return True, describe(c.applies_when)
        return False, ""
    taking = [d for d in c.drugs if d in facts.drugs_current or d in recommended_drugs]
    if taking:
        return True, f"{', '.join(taking)} taken or recommended"
    return False, ""


def select(pack: KnowledgePack, facts: Facts, patient: Patient) -> tuple[list[RecommendationOut], list[Warning],
                                                                          list[str]]:
    """Applicable recommendations (ranked), plan-level warnings, and conflict ids to show."""
    chosen = [r for r in pack.recommendations.values() if r.status == "current" and holds(r.applies_when, facts)]
    chosen.sort(key=lambda r: (r.priority, r.id))
    recommended_drugs = {d for r in chosen if r.action in ("start", "continue", "consider") for d in r.drugs}
    out: list[RecommendationOut] = []
    conflict_ids: list[str] = []
    for rank, rec in enumerate(chosen, start=1):
        main = statement(pack, rec.text, rec.citations, rec.id)
        dose, doses, missing = _dose_all(_rules_for(rec, pack), pack, patient)
        statements = [main] + [d.statement for d in doses]
        if missing and not doses:
            statements.append(Statement(text=f"Dose not computed: {missing[0]}.", refs=main.refs, grade=main.grade,
                                        strength=main.strength, certainty=main.certainty,
                                        verification=main.verification, kb_id=rec.id))
        cautions: list[Warning] = []
        # A caution attached to a recommendation also applies if it would hold once the recommended
        # drugs are started ("if you start tacrolimus, no live vaccines").
        # The drugs a recommendation lists are alternatives: test each one on its own.
        starts = rec.drugs if rec.action in ("start", "consider") else []
        for cid in rec.cautions:
            c = pack.cautions[cid]
            if c.applies_when is None:
                ok, because = True, "listed with this recommendation"
            elif holds(c.applies_when, facts):
                ok, because = True, describe(c.applies_when)
            else:
                trigger = next((d for d in starts if holds(c.applies_when, facts.with_drugs([d], pack))), None)
                ok = trigger is not None
                because = f"{describe(c.applies_when)} (once {trigger} is started)"
            if ok:
                cautions.append(_caution_out(c, pack, because))
        monitoring = tuple(statement(pack, pack.cautions[m].text, pack.cautions[m].citations, m) for m in rec.monitoring)
        conflict_ids.extend(rec.conflicts)
        out.append(RecommendationOut(
            kb_id=rec.id, rank=rank, action=rec.action, title=rec.title, drugs=tuple(rec.drugs),
            statements=tuple(statements), grade=main.grade, strength=main.strength, certainty=main.certainty,
            refs=tuple(dict.fromkeys([*main.refs, *(r for d in doses for r in d.refs)])),
            verification=main.verification, dose=dose, doses=doses, cautions=tuple(cautions), monitoring=monitoring,
            conflicts=tuple(rec.conflicts), evidence=tuple(rec.evidence),
            why=f"applies because: {describe(rec.applies_when)}", rationale=" ".join(rec.rationale.split()),
            family_text=" ".join(rec.family_text.split()), topic=rec.topic))
    warnings: dict[str, Warning] = {}
    for c in pack.cautions.values():
        if c.kind == "monitoring":
            continue
        ok, because = _caution_applies(c, facts, recommended_drugs)
        if ok:
            warnings[c.id] = _caution_out(c, pack, because)
    ordered = sorted(warnings.values(), key=lambda w: (SEVERITY_ORDER[w.severity], w.kb_id))
    return out, ordered, list(dict.fromkeys(conflict_ids))


def references(pack: KnowledgePack, source_ids: Iterable[str]) -> tuple[Reference, ...]:
    """Reference objects for the cited sources: guidelines first, then by year (newest first)."""
    refs = []
    for sid in dict.fromkeys(source_ids):
        s = pack.sources[sid]
        refs.append(Reference(id=s.id, type=s.type, citation=s.citation, year=s.year, title=s.title, url=s.url,
                              doi=s.doi, pmid=s.pmid, access=s.access, status=s.status))
    order = {"guideline": 0, "review": 1, "research": 2}
    return tuple(sorted(refs, key=lambda r: (order.get(r.type, 3), -r.year, r.id)))


def conflicts_out(pack: KnowledgePack, ids: Iterable[str]) -> tuple[ConflictOut, ...]:
    out = []
    for cid in ids:
        c = pack.conflicts[cid]
        positions = tuple((" ".join(p.text.split()), tuple(dict.fromkeys(x.source for x in p.citations)), p.current)
                          for p in c.positions)
        out.append(ConflictOut(kb_id=c.id, topic=c.topic, positions=positions, note=" ".join(c.note.split())))
    return tuple(out)


def make_plan(patient: Patient, pack: KnowledgePack, dset: DefinitionSet) -> Plan:
    """The whole plan for one child under one definition set."""
    classification, reading = classify_course(patient, dset, pack)
    facts = build_facts(patient, classification.labels, reading, pack)
    recs, warnings, conflict_ids = select(pack, facts, patient)
    out_of_scope = "out_of_scope_age" in classification.labels
    if out_of_scope:
        # Pediatric recommendations are not offered for adults; the scope caution says why.
        recs, conflict_ids = [], []
    cited: list[str] = [r for reason in classification.explanation for r in reason.refs]
    for rec in recs:
        cited.extend(rec.refs)
        for c in rec.cautions:
            cited.extend(c.refs)
        for m in rec.monitoring:
            cited.extend(m.refs)
    for w in warnings:
        cited.extend(w.refs)
    conflicts = conflicts_out(pack, conflict_ids)
    for cf in conflicts:
        for _t, r, _cur in cf.positions:
            cited.extend(r)
    summary = PatientSummary(id=patient.id, as_of=patient.as_of, age_years=patient.age_years, sex=patient.sex,
                             weight_kg=patient.weight_kg, height_cm=patient.height_cm,
                             bsa_m2=round(patient.bsa_m2, 2) if patient.bsa_m2 else None, egfr=patient.egfr,
                             derived=patient.derived)
    fact_values = {k: v for k, v in facts.values.items() if v is not None}
    fact_values["drugs_current"] = sorted(facts.drugs_current)
    return Plan(patient=summary, definitions=dset.id, classification=classification, recommendations=tuple(recs),
                warnings=tuple(warnings), conflicts=conflicts, references=references(pack, cited),
                pack_version=pack.version, out_of_scope=out_of_scope,
                facts=fact_values)
