"""Compose the answer article from the engine and the knowledge pack.

Generic assembly only; which topics, definitions and sections an article of each intent uses is
data (``data/understanding.yaml``), and every sentence comes from the pack:

1. the **engine context**: the partial patient record from the question (or the ``--patient``
   file, or a generic child of the stage the question implies) is classified by the engine; the
   stated stage labels are added to its facts;
2. **knowledge entries**, section by section in clinical order (definition and evaluation,
   treatment with doses, if it fails, cautions, relapse, monitoring and supportive care, research
   evidence, pitfalls and what changed): recommendations whose ``applies_when`` holds (or, when
   none does, the topic's general statements with the condition they apply under), dose rules
   (computed in mg for a child whose size is known, per kg / per m² otherwise), definitions,
   cautions, monitoring, studies, conflicts and superseded entries;
3. the **audience**: the same entries worded for a clinician, a family or a student.

Every statement carries refs, the source's grade and the verification status; a statement
without a reference is an internal error, never printed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nephroguide.answer.model import Answer, GlossaryEntry, Item, Section
from nephroguide.answer.understand import Understanding, closest_intents, implied_labels, rules, vocabulary
from nephroguide.engine.criteria import Facts, describe, holds
from nephroguide.engine.types import Statement
from nephroguide.errors import InputError, NephroguideError
from nephroguide.knowledge.models import (
    Caution,
    Conflict,
    Definition,
    DoseRule,
    Recommendation,
    StudyEvidence,
)

COURSE_LABELS = frozenset({
    "first_episode", "on_initial_steroids", "confirmation_period", "steroid_sensitive", "late_responder",
    "infrequently_relapsing", "frequently_relapsing", "steroid_dependent", "in_relapse", "complete_remission",
    "partial_remission", "no_remission", "srns", "srns_initial", "srns_secondary", "genetic_srns", "cni_responsive",
    "cni_resistant", "multidrug_resistant"})
SECTION_ORDER = ("scope", "evaluation", "main", "dosing", "next", "guidance", "fails", "cautions", "relapse", "support",
                 "evidence", "changes")
REVIEW_STATUS = "unreviewed"   # until the review workflow exists


# ----------------------------------------------------------------------------------------- entries

@dataclass
class Entry:
    """One piece of knowledge used in the article, before it is worded for an audience."""

    section: str
    kind: str
    kb_id: str
    statement: Statement            # clinician wording, with refs / grade / verification
    family: str
    student: str
    title: str = ""
    current: bool = True
    note: str = ""
    level: int = 0
    reviewed: dt.date | None = None
    drugs: tuple[str, ...] = ()
    family_statement: Statement | None = None   # when the family reads a differently cited sentence
    dose_line: str = ""             # a computed dose in plain words ("Weeks 1-4 (or 1-6), daily: prednisolone 44 mg once daily.")
    dose_phase: str = ""            # the phase of the course that dose belongs to ("Weeks 1-4 (or 1-6), daily")
    dose_amount: str = ""           # ... the amount alone ("28 mg once daily"), for a family's line
    dose_capped: str = ""           # ... its arithmetic when a cap applied ("2 mg/kg/day × 45 kg = 90 mg/day, capped: ...")
    dose_needs: str = ""            # the size field a dose could not be worked out without ("height_cm")


@dataclass
class Context:
    """The engine's view of the child the question is about."""

    pack: Any
    facts: Facts
    labels: frozenset[str]
    stated: frozenset[str]
    default_stage: bool
    weight_kg: float | None
    height_cm: float | None
    egfr: float | None
    patient_json: dict[str, Any] | None
    adult: bool
    out_of_scope_age: bool
    bsa_m2: float | None = None   # a body surface area stated (not worked out from height and weight)


@dataclass
class Build:
    """Entries collected so far (each knowledge id once), in section order."""

    ctx: Context
    entries: list[Entry] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    conflicts: list[str] = field(default_factory=list)
    studies: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    monitoring: list[str] = field(default_factory=list)
    rec_ids: list[str] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    main_drugs: list[str] = field(default_factory=list)

    def add(self, entry: Entry) -> bool:
        key = f"{entry.section}:{entry.kb_id}" if entry.kind in ("dose",) else entry.kb_id
        if key in self.used:
            return False
        if not entry.statement.refs:
            raise NephroguideError(f"statement {entry.kb_id} has no reference; every clinical statement must be cited")
        self.used.add(key)
        self.entries.append(entry)
        return True

    def in_section(self, section: str) -> list[Entry]:
        return [e for e in self.entries if e.section == section]


def _stmt(pack: Any, text: str, citations: Sequence[Any], kb_id: str) -> Statement:
    from nephroguide.engine.plan import statement

    return statement(pack, text, citations, kb_id)


def _clean(text: str) -> str:
    return " ".join((text or "").split())


def _source_label(pack: Any, citations: Sequence[Any]) -> str:
    src = pack.sources[citations[0].source]
    org = src.organisation or src.id
    return f"{org} {src.year}"


# ----------------------------------------------------------------------------------------- engine context

def engine_context(u: Understanding, *, patient: dict[str, Any] | None, today: dt.date,
                   default_stage: Sequence[str]) -> Context:
    """Classify the child (question details, a patient file, or a generic child) and build the facts."""
    from nephroguide.engine.classify import classify_course
    from nephroguide.engine.plan import build_facts
    from nephroguide.intake.record import load_patient
    from nephroguide.knowledge.pack import load_pack

    r = rules()
    pack = load_pack()
    dset = pack.definition_set("current")
    placeholder = float(r.raw["placeholder_age_years"])
    source = None
    if patient is not None:
        record = dict(patient)
        details = dict(u.details)
        for key in ("weight_kg", "height_cm", "sex"):
            if key not in record and key in details:
                record[key] = details[key]
        if "age_years" not in record and "birth_date" not in record and "age_years" in details:
            record["age_years"] = details["age_years"]
        if u.assessment:
            record["assessment"] = {**dict(u.assessment), **(record.get("assessment") or {})}
        age_hidden = False
        source = "file+question" if u.has_patient_details else "file"
    else:
        record = u.record(today, placeholder)
        age_hidden = u.detail("age_years") is None
        if u.has_patient_details:
            source = "question"
    try:
        child = load_patient(record, as_of=None, today=today)
    except InputError as exc:
        if patient is not None:
            raise
        # A detail read from the question is implausible (e.g. "200 kg"): answer without it.
        raise InputError(f"the question's patient details are not usable: {exc.one_line()}", field="question") from None
    classification, reading = classify_course(child, dset, pack)
    facts = build_facts(child, classification.labels, reading, pack)
    derived = set(classification.labels) if source is not None else set()
    values = dict(facts.values)
    if age_hidden:
        values["age_years"] = None
    if u.detail("edema") and values.get("edema") is None:
        values["edema"] = True
    stated = set(u.stage)
    if patient is None and stated & COURSE_LABELS:
        # a child described only in the question: the course it states wins over a course the engine reads from
        # the few details given ("4 relapses in 12 months on alternate-day pred" is not a first episode)
        derived -= COURSE_LABELS
    labels = derived | stated   # a generic child has only the stage the question states
    used_default = False
    if not (labels & COURSE_LABELS) and default_stage:
        labels |= set(default_stage)
        used_default = True
    classes_ever = set(facts.classes_ever) | set(u.classes_ever)
    classes_current = set(facts.classes_current) | set(u.classes_current)
    labels, classes_ever, classes_current = _implied(labels, classes_ever, classes_current)
    facts = dataclasses.replace(facts, labels=frozenset(labels), values=values,
                                classes_ever=frozenset(classes_ever), classes_current=frozenset(classes_current))
    adult = u.adult or "out_of_scope_age" in labels
    patient_json = None
    if source is not None:
        patient_json = {"source": source, "age_years": None if age_hidden else round(child.age_years, 2),
                        "sex": child.sex if child.sex != "unknown" else None, "weight_kg": child.weight_kg,
                        "height_cm": child.height_cm, "egfr": None if child.egfr is None else round(child.egfr, 1),
                        "bsa_m2": child.stated_bsa_m2,
                        "histology": child.histology, "genetic_status": child.genetic_status,
                        "medications": sorted({m.drug for m in child.medications}),
                        "stated": dict(sorted((child.assessment or {}).items())) if hasattr(child, "assessment") else {},
                        "labels": sorted(classification.labels)}
        patient_json = {k: v for k, v in patient_json.items() if v not in (None, [], {})}
        if patient is None and u.detail("weight_basis"):   # "19 kg today but 16 kg before he got puffy"
            patient_json["weight_basis"] = u.detail("weight_basis")
    return Context(pack=pack, facts=facts, labels=frozenset(labels), stated=frozenset(stated),
                   default_stage=used_default, weight_kg=child.weight_kg, height_cm=child.height_cm, egfr=child.egfr,
                   patient_json=patient_json, adult=adult, out_of_scope_age="out_of_scope_age" in labels,
                   bsa_m2=child.stated_bsa_m2)


def _implied(labels: set[str], ever: set[str], current: set[str]) -> tuple[set[str], set[str], set[str]]:
    implies = rules().raw["stage_implies"]
    for _ in range(2):
        for label in sorted(labels):
            spec = implies.get(label) or {}
            labels |= set(implied_labels(spec, labels))
            ever |= set(spec.get("classes_ever") or [])
            current |= set(spec.get("classes_current") or [])
    return labels, ever, current


def _facts_with(ctx: Context, stage: Sequence[str], replace: bool) -> Facts:
    labels = set(ctx.labels)
    if replace:
        labels = {x for x in labels if x not in COURSE_LABELS}
    labels |= set(stage)
    ever, current = set(ctx.facts.classes_ever), set(ctx.facts.classes_current)
    labels, ever, current = _implied(labels, ever, current)
    return dataclasses.replace(ctx.facts, labels=frozenset(labels), classes_ever=frozenset(ever),
                               classes_current=frozenset(current))


# ----------------------------------------------------------------------------------------- entry builders

def _rec_entries(b: Build, rec: Recommendation, section: str, *, general: bool, dose_rules: bool = True,
                 facts: Facts | None = None, extras: bool = True) -> None:
    pack = b.ctx.pack
    st = _stmt(pack, rec.text, rec.citations, rec.id)
    student = _clean(rec.text) + (f" {_clean(rec.student_note)}" if rec.student_note else "")
    note = f"applies when: {describe(rec.applies_when)}" if general else ""
    if not b.add(Entry(section, "recommendation", rec.id, st, _clean(rec.family_text), student, title=rec.title,
                       note=note, reviewed=rec.last_reviewed, drugs=tuple(rec.drugs))):
        return
    b.rec_ids.append(rec.id)
    if dose_rules:
        for rid in rec.dose_rules:
            _dose_entry(b, pack.dose_rules[rid], section, level=1)
    if not extras:
        return
    for cid in rec.cautions:
        c = pack.cautions[cid]
        if c.applies_when is None or holds(c.applies_when, facts or b.ctx.facts) or \
                (b.ctx.patient_json is None and not _about_the_child(c.applies_when)):
            # a general answer keeps a drug's conditional cautions, never one about who the child is (an adult, an infant)
            b.cautions.append(cid)
    b.monitoring.extend(rec.monitoring)
    b.conflicts.extend(rec.conflicts)
    b.studies.extend(rec.evidence)


def _dose_entry(b: Build, rule: DoseRule, section: str, level: int = 0) -> None:
    from nephroguide.engine.dosing import compute_dose

    pack = b.ctx.pack
    ctx = b.ctx
    note = ""
    st: Statement | None = None
    line = phase = amount = capped = needs = ""
    if ctx.weight_kg is not None or ctx.bsa_m2 is not None:
        try:
            result = compute_dose(rule, pack, ctx.weight_kg, ctx.height_cm, ctx.egfr, bsa_m2=ctx.bsa_m2)
            st = dataclasses.replace(result.statement, text=f"{rule.title}: {result.statement.text}")
            if result.warnings:
                note = "; ".join(result.warnings)
            # the dose worked out for the child in plain words, for a parent who asked how much
            name = pack.drugs[rule.drug].generic
            phase = result.phase
            line = f"{phase[:1].upper()}{phase[1:]}: {name} {result.display}." if phase \
                else f"{name[:1].upper()}{name[1:]} {result.display}."
            amount = result.display
            capped = result.calculation if result.cap_applied else ""
        except InputError as exc:
            note = f"mg dose not computed: {exc.message}"
            needs = exc.field or ""
    if st is None:
        st = _stmt(pack, rule_text(rule), rule.citations, rule.id)
    family = _clean(rule.family_text)   # empty: the family reads no dose line unless doses were asked for
    b.add(Entry(section, "dose", rule.id, st, family, st.text, title=rule.title, note=note, level=level,
                drugs=(rule.drug,), dose_line=line, dose_phase=phase, dose_amount=amount, dose_capped=capped,
                dose_needs=needs))


_CAPPED = re.compile(r"(.+?), capped: maximum (\d[\d.,]* ?mg(?:/(?:day|dose))?)")


def _with_cap(text: str, e: Entry) -> str:
    """A worked-out dose that hit its cap says so where it is read first ("Prednisolone 60 mg once daily (2 mg/kg/day x
    45 kg = 90 mg/day, capped at the 60 mg/day maximum)."): 60 mg for a 45 kg child is never read as 2 mg/kg."""
    m = _CAPPED.match(e.dose_capped) if e.dose_capped else None
    if m is None or m.group(1) in text:
        return text
    return f"{text.rstrip().rstrip('.')} ({m.group(1)}, capped at the {m.group(2)} maximum)."


_EFFECT_ASKED = re.compile(r"\b(?:nnt|number needed to treat|absolute (?:risk )?(?:difference|reduction|benefit)|"
                           r"risk difference|arr)\b", re.I)
_TWO_SHARES = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)%[^.;%]{0,60}?\bvs\.?\s+(\d{1,3}(?:\.\d+)?)%")


def _effect_arithmetic(question: str, result: str) -> str:
    """The absolute difference and number needed to treat worked from a study result's two percentages ("82.5% with
    tacrolimus vs 45.9% with IV cyclophosphamide"), when the question asks for them; arithmetic on the cited
    figures only, never a figure the source does not give."""
    if not _EFFECT_ASKED.search(question):
        return ""
    m = _TWO_SHARES.search(result)
    if m is None:
        return ""
    a, b = float(m.group(1)), float(m.group(2))
    diff = round(abs(a - b), 1)
    if diff == 0:
        return "Worked from these figures: no absolute difference, so no number needed to treat."
    nnt = 100 / diff
    return (f"Worked from these figures: absolute difference {_num(a)}% - {_num(b)}% = {_num(diff)} percentage "
            f"points; number needed to treat = 100 / {_num(diff)} = {_num(round(nnt, 1))}, rounded up to "
            f"{math.ceil(round(nnt, 6))}.")


# the course's total asked ("total course dose for each?"), not its lifetime maximum ("max cumulative dose?")
_TOTAL_ASKED = re.compile(r"\btotal (?:course )?(?:dose|amount)s?\b|\bcourse (?:dose )?totals?\b|\btotal (?:for|over) the "
                          r"(?:whole )?course\b|\bhow much in total\b|"
                          r"(?<!max )(?<!maximum )\bcumulative(?:\s+(?:dose|mg/kg|mg|total|amount|exposure))?\s*\?", re.I)


def _named_courses(question: str, lead: Entry, entries: Sequence[Entry]) -> list[Entry]:
    """Other courses of the lead's medicine whose dose the question writes out ("... or 3 mg/kg x 8 wk"), worked out."""
    from nephroguide.knowledge.pack import load_pack

    rules = load_pack().dose_rules
    out = []
    for e in entries:
        rule = rules.get(e.kb_id)
        if e is lead or not e.dose_line or e.drugs != lead.drugs or rule is None or rule.phase_order != 1 \
                or _course_of(e.title) == _course_of(lead.title):
            continue
        if any(re.search(rf"(?<![\d.]){re.escape(_num(b.value))}\s*(?:mg)?\s*/\s*{b.basis.split('/')[1][:2]}",
                         question, re.I) for b in rule.bases if "/" in b.basis):
            out.append(e)
    return out[:1]


def _course_total(e: Entry, ctx: Context) -> str:
    """The projected total of the course an entry's rule belongs to, for the child's size ("Projected course total if
    every dose is given: 64 mg x 84 days = 5,376 mg (168 mg/kg) ... Cumulative limit ..."); empty when it has none."""
    from nephroguide.engine.dosing import compute_dose
    from nephroguide.engine.plan import course_totals

    pack = ctx.pack
    rule = pack.dose_rules.get(e.kb_id)
    if rule is None or ctx.weight_kg is None:
        return ""
    phases = [r for r in pack.dose_rules.values() if (r.regimen or r.id) == (rule.regimen or rule.id)]
    try:
        doses = {r.id: compute_dose(r, pack, ctx.weight_kg, ctx.height_cm, ctx.egfr, bsa_m2=ctx.bsa_m2) for r in phases}
    except InputError:
        return ""
    totals = course_totals(phases, doses, pack, weight_kg=ctx.weight_kg, bsa_m2=ctx.bsa_m2)
    return " ".join(t.text for t in totals.values())


def _family_dose_line(e: Entry, index: int) -> str:
    """A dose worked out for the child, in a family's words when the rule has them (see direct.family_dose_text)."""
    from nephroguide.answer.direct import family_dose_text
    from nephroguide.knowledge.pack import load_pack

    rule = load_pack().dose_rules.get(e.kb_id)
    if rule is None or not (rule.family_text and e.dose_amount):
        return e.dose_line
    return family_dose_text(rule, e.dose_amount, index)


def _phases_of(entry: Any, entries: Sequence[Any]) -> list[Any]:
    """The dose entries of the same regimen as ``entry`` (the pack's ``regimen`` of its dose rules: "Prednisolone for
    a relapse, daily phase", "... alternate-day phase"; Haddad's infusions 1, 2 and 3-6), in phase order; just
    ``entry`` when it has none."""
    from nephroguide.knowledge.pack import load_pack

    rules = load_pack().dose_rules
    rule = rules.get(getattr(entry, "kb_id", ""))
    if rule is None:
        return [entry]
    regimen = rule.regimen or rule.id
    same = [e for e in entries if (x := rules.get(getattr(e, "kb_id", ""))) is not None and (x.regimen or x.id) == regimen]
    return sorted(same, key=lambda e: rules[e.kb_id].phase_order) or [entry]


def _first_phase(entry: Any, entries: Sequence[Any]) -> Any:
    return _phases_of(entry, entries)[0]


def _later_phases(entry: Any, entries: Sequence[Any]) -> list[Any]:
    phases = _phases_of(entry, entries)
    return phases[phases.index(entry) + 1:] if entry in phases else []


def _course_of(title: str) -> str:
    """A dose rule's title without its source ("Tacrolimus for FRNS/SDNS (IPNA 2023)" -> "Tacrolimus for FRNS/SDNS")."""
    return re.sub(r"\s*\([^()]*\b(?:19|20)\d\d[^()]*\)\s*$", "", title).strip()


def rule_text(rule: DoseRule) -> str:
    """A dose rule as written (per kg / per m²), for a child whose size is not known."""
    from nephroguide.engine.dosing import _schedule_text

    def fmt(x: float) -> str:
        return f"{x:g}"

    bases = " or ".join(f"{fmt(x.value)}" + (f"-{fmt(x.high)}" if x.high else "") + f" {x.basis}" for x in rule.bases)
    how = _schedule_text(rule)
    if how == "per dose" and all(x.basis.endswith("/dose") for x in rule.bases):
        how = ""   # ("375 mg/m2/dose", not "375 mg/m2/dose, per dose")
    text = f"{rule.title}: " + (f"{rule.phase}: " if rule.phase else "") + f"{bases}" + (f", {how}" if how else "")
    caps = []
    unit = "g" if rule.bases[0].basis.startswith("g/") else "mg"
    if rule.max_mg_per_dose:
        caps.append(f"maximum {fmt(rule.max_mg_per_dose)} {unit} per dose")
    if rule.max_mg_per_day:
        caps.append(f"maximum {fmt(rule.max_mg_per_day)} {unit}/day")
    if caps:
        text += f" ({'; '.join(caps)})"
    if rule.target:
        t = rule.target
        hi = f"-{fmt(t.high)}" if t.high is not None else "+"
        text += f"; target {t.test.replace('_', ' ')} {fmt(t.low)}{hi} {t.unit}"
    if rule.cumulative_max_mg_per_kg:
        text += f"; cumulative maximum {fmt(rule.cumulative_max_mg_per_kg)} mg/kg"
    if rule.duration:
        text += f"; {rule.duration}"
    if rule.notes:
        text += f". {_clean(rule.notes)}"
    return text.rstrip(".") + "."


def _definition_entry(b: Build, d: Definition, section: str) -> None:
    pack = b.ctx.pack
    historical = _historical(pack, d.citations)
    st = _stmt(pack, f"{d.term}: {_clean(d.text)}", d.citations, d.id)
    student = f"{d.term}: {_clean(d.text)}" + (f" {_clean(d.student_note)}" if d.student_note else "")
    family = _clean(d.family_text)
    if b.add(Entry(section, "definition", d.id, st, family, student, title=d.term, current=not historical)):
        b.definitions.append(d)


def _plain_term(term: str) -> str:
    return re.sub(r"\s*\([^)]*\)", "", term).strip()


def _historical(pack: Any, citations: Sequence[Any]) -> bool:
    return all(pack.sources[c.source].status == "superseded" for c in citations)


def _caution_entry(b: Build, c: Caution, section: str) -> None:
    """A caution; in an answer whose child (record or question) does not meet its condition, its general rule when
    the pack words one (``general_text``: "the cumulative limit is 168 mg/kg", never "has reached")."""
    text, family, title = c.text, c.family_text, c.title
    # (whether or not a child is described: "13, 45 kg, starting cyclophosphamide 90 mg a day for 12 weeks" has not
    # reached the limit, so never "your child has already had the largest total amount")
    if c.general_text and c.applies_when is not None and not holds(c.applies_when, b.ctx.facts):
        text, family, title = c.general_text, c.general_family_text or c.general_text, ""
    st = _stmt(b.ctx.pack, text, c.citations, c.id)
    kind = "monitoring" if c.kind == "monitoring" else "caution"
    b.add(Entry(section, kind, c.id, st, _clean(family), _clean(text), title=title, reviewed=c.last_reviewed,
                drugs=tuple(c.drugs)))


def _conflict_entries(b: Build, c: Conflict, section: str) -> None:
    """The position nephroguide uses, then the others; the family reads one plain sentence citing all."""
    pack = b.ctx.pack
    r = rules()
    # the family's sentence cites the positions nephroguide uses (those a brief clinician answer shows too)
    cites = [x for p in c.positions if p.current for x in p.citations] or [x for p in c.positions for x in p.citations]
    family = _clean(c.family_note) or r.raw["audiences"]["family"]["conflict_text"]
    fam_st = _stmt(pack, family, cites, c.id)
    ordered = sorted(c.positions, key=lambda p: not p.current)
    for i, p in enumerate(ordered):
        label = "Used here" if p.current else "Not used here"
        st = _stmt(pack, f"{label}: {_clean(p.text)}", p.citations, c.id)
        b.add(Entry(section, "conflict", f"{c.id}#{i}", st, family if i == 0 else "", st.text, title=_conflict_title(c),
                    current=p.current, note=_clean(c.note) if i == 0 else "", reviewed=c.last_reviewed,
                    level=0 if i == 0 else 1, family_statement=fam_st if i == 0 else None))


def _conflict_title(c: Conflict) -> str:
    """A readable title (the conflict has none): its subject words, spelt as the conflict's own text spells
    them ("conflict.srns_timing" -> "Sources differ: SRNS timing"), never a topic code."""
    text = " ".join([c.note, *(p.text for p in c.positions)])
    words = []
    for w in c.id.rsplit(".", 1)[-1].split("_"):
        found = [m for m in re.findall(rf"\b{re.escape(w)}\b", text, re.I) if m.isupper()]
        words.append(found[0] if found else w)
    return f"Sources differ: {' '.join(words)}"


def _superseded_entry(b: Build, rec: Recommendation, section: str) -> None:
    pack = b.ctx.pack
    r = rules()
    label = _source_label(pack, rec.citations)
    text = f"Older guidance ({label}), no longer used: {_clean(rec.text)}"
    st = _stmt(pack, text, rec.citations, rec.id)
    family = r.raw["audiences"]["family"]["older_prefix"] + _clean(rec.family_text)
    b.add(Entry(section, "superseded", rec.id, st, family, text, title=rec.title, current=False,
                reviewed=rec.last_reviewed, drugs=tuple(rec.drugs)))


def _study_entries(b: Build, s: StudyEvidence, section: str, *, full: bool) -> None:
    pack = b.ctx.pack
    r = rules()
    n = f"; n = {s.n}" if s.n is not None else ""
    intervention = _clean(s.intervention).rstrip(".")
    versus = f" vs {_clean(s.comparator).rstrip('.')}" if s.comparator else ""
    head = f"{s.title} — {_clean(s.design)}{n}. Population: {_first(s.population)} Intervention: {intervention}{versus}."
    st = _stmt(pack, head, s.citations, s.id)
    results = s.results if full else s.results[:2]
    people = f"A study of {s.n} people: " if s.n is not None else "A study: "
    family = r.raw["audiences"]["family"]["study_prefix"] + people + s.title.rstrip(".") + "."
    if not b.add(Entry(section, "evidence", s.id, st, family, head, title=s.title, reviewed=s.last_reviewed,
                       drugs=tuple(s.drugs))):
        return
    for i, res in enumerate(results):
        rs = _stmt(pack, _clean(res.text), s.citations, s.id)
        b.add(Entry(section, "evidence", f"{s.id}#r{i}", rs, _clean(res.text), _clean(res.text), level=1,
                    reviewed=s.last_reviewed))
    if full and s.limitations:
        ls = _stmt(pack, f"Limitations: {_first(s.limitations, 2)}", s.citations, s.id)
        b.add(Entry(section, "evidence", f"{s.id}#lim", ls, ls.text, ls.text, level=1, reviewed=s.last_reviewed))


def _first(text: str, n: int = 1) -> str:
    from nephroguide.answer.audience import first_sentences

    out = first_sentences(_clean(text), n)
    return out if out.endswith((".", "!", "?")) else out + "."


# ----------------------------------------------------------------------------------------- selection

def _current_recs(pack: Any, topics: Iterable[str]) -> list[Recommendation]:
    wanted = set(topics)
    return sorted((r for r in pack.recommendations.values() if r.status == "current" and r.topic in wanted),
                  key=lambda r: (r.priority, r.id))


def _about_the_child(c: Any) -> bool:
    """The condition tests the child's classification (a label such as out_of_scope_age or infant)."""
    if c is None:
        return False
    if getattr(c, "label", None) is not None:
        return True
    parts = [*(c.all or []), *(c.any or []), *([c.not_] if c.not_ is not None else [])]
    return any(_about_the_child(x) for x in parts)


def _tri(c: Any, facts: Facts) -> bool | None:
    """Three-valued applicability: None when it depends on a fact the question did not give (age, eGFR).
    A negated unknown counts as true, as in the engine (an exception that is not known does not apply)."""
    if c is None:
        return False
    if c.all is not None:
        vals = [_tri(x, facts) for x in c.all]
        return False if False in vals else (None if None in vals else True)
    if c.any is not None:
        vals = [_tri(x, facts) for x in c.any]
        return True if True in vals else (None if None in vals else False)
    if c.not_ is not None:
        v = _tri(c.not_, facts)
        return True if v is None else not v
    if c.fact is not None and facts.values.get(c.fact) is None:
        return True if c.if_missing == "true" else None
    return holds(c, facts)


def pick(ctx: Context, topics: Sequence[str], facts: Facts, *, general: bool = True,
         limit: int | None = None) -> list[tuple[Recommendation, bool]]:
    """Current recommendations of these topics for the facts, as (recommendation, shown-with-condition).

    Per topic, in the order given: those that hold, then, for a generic child (no details in the
    question), those that depend on a fact the question did not give (age, eGFR). With ``general``,
    a topic with none of these contributes all its statements (each shown with its condition) when
    no stage is known, and all topics do when nothing at all applies."""
    staged = bool(facts.labels & COURSE_LABELS)
    out: list[tuple[Recommendation, bool]] = []
    everything: list[tuple[Recommendation, bool]] = []
    for topic in dict.fromkeys(topics):
        recs = _current_recs(ctx.pack, [topic])
        found = [(r, False) for r in recs if holds(r.applies_when, facts)]
        found += [(r, True) for r in recs if ctx.patient_json is None and _tri(r.applies_when, facts) is None]
        if not found and general and not staged:
            found = [(r, True) for r in recs]
        out.extend(found)
        everything.extend((r, True) for r in recs)
    if not out and general:
        out = everything
    return out[:limit]


def _definitions_for(ctx: Context, labels: Iterable[str]) -> list[Definition]:
    by_label = rules().raw["definitions"]["by_label"]
    out: list[Definition] = []
    for label in labels:
        for did in by_label.get(label) or []:
            d = ctx.pack.definitions.get(did)
            if d is not None and d not in out:
                out.append(d)
    return out


def _stage_order(labels: Iterable[str]) -> list[str]:
    """Labels ordered from the most advanced stage (the order of stage_names)."""
    names = list(rules().raw["stage_names"])
    return sorted((x for x in labels if x in names), key=names.index)


# ----------------------------------------------------------------------------------------- articles

def _treatment_article(b: Build, spec: dict[str, Any], u: Understanding) -> None:
    ctx = b.ctx
    facts = ctx.facts
    stage_labels = _stage_order(ctx.labels & COURSE_LABELS)
    # evaluation: definitions of the stage + evaluation topics
    if spec.get("definitions"):
        for d in _definitions_for(ctx, stage_labels[:2] or spec.get("stage") or []):
            _definition_entry(b, d, "evaluation")
    if spec.get("evaluation"):
        for rec, general in pick(ctx, spec["evaluation"], facts, general=False):
            _rec_entries(b, rec, "evaluation", general=general)
    # main
    main_topics = list(spec.get("main") or [])
    for label, topics in (spec.get("main_by_stage") or {}).items():
        if label in ctx.labels:
            main_topics = list(topics)
            break
    # a steroid-sparing medicine the question says failed is not offered again ("had levamisole, still relapsing"),
    # nor one of its class (MMF failed: not mycophenolate sodium either)
    classes = vocabulary().drug_classes
    gone = {classes.get(d) for d in u.failed if ctx.pack.drugs.get(d) is not None and ctx.pack.drugs[d].steroid_sparing}
    tried = {d for d, c in classes.items() if c in gone and c is not None} if spec.get("drop_failed") else set()
    for rec, general in pick(ctx, main_topics, facts):
        if rec.drugs and set(rec.drugs) <= tried:
            continue
        _rec_entries(b, rec, "main", general=general)
        b.main_drugs.extend(d for d in rec.drugs if d not in b.main_drugs)
    for topic in spec.get("extra") or []:
        for rec, general in pick(ctx, [topic], facts, limit=3):
            if rec.drugs and set(rec.drugs) <= tried:
                continue
            _rec_entries(b, rec, "main", general=general)
    named = set(u.drugs) - set(u.failed)
    for rec in _current_recs(ctx.pack, main_topics):
        if named & set(rec.drugs) and rec.id not in b.used:
            _rec_entries(b, rec, "main", general=not holds(rec.applies_when, facts))
    # what if it fails / relapse
    for key in ("fails", "relapse"):
        sub = spec.get(key)
        if not sub:
            continue
        sub_facts = _facts_with(ctx, sub.get("stage") or [], bool(sub.get("replace_stage")))
        if sub.get("stage") and set(sub["stage"]) <= set(ctx.labels) and key == "fails":
            continue   # the child is already at that stage: its content is the main section
        for did in sub.get("definitions") or []:
            d = ctx.pack.definitions.get(did)
            if d is not None:
                _definition_entry(b, d, key)
        for rec, general in pick(ctx, sub.get("topics") or [], sub_facts, general=False, limit=sub.get("limit")):
            _rec_entries(b, rec, key, general=general, facts=sub_facts)
    # support
    for rec, general in pick(ctx, spec.get("support") or [], facts, general=False):
        _rec_entries(b, rec, "support", general=general)


def _definition_article(b: Build, spec: dict[str, Any], u: Understanding) -> None:
    ctx = b.ctx
    defs: list[Definition] = [ctx.pack.definitions[d] for d in u.definitions if d in ctx.pack.definitions]
    for d in _definitions_for(ctx, _stage_order(ctx.stated)):
        if d not in defs:
            defs.append(d)
    if not defs:
        defs = _definitions_for(ctx, ["nephrotic"])
    for d in defs:
        _definition_entry(b, d, "main")
    # what to do next, for a stated stage
    stage = _stage_order(ctx.stated & COURSE_LABELS)
    if stage:
        intent = _stage_intent(stage)
        nxt = rules().raw["articles"].get(intent or "", {})
        for rec, general in pick(ctx, nxt.get("main") or [], ctx.facts, general=False,
                                 limit=int(spec.get("next_limit", 2))):
            _rec_entries(b, rec, "next", general=general, dose_rules=False, extras=False)


def _stage_intent(stage: Sequence[str]) -> str | None:
    for rule in rules().raw["stage_intent"]:
        if rule["label"] in stage:
            return str(rule["intent"])
    return None


def _required_labels(cond: Any) -> set[str]:
    """The labels a condition requires whatever else holds (a label, or labels under ``all``)."""
    if cond is None:
        return set()
    if cond.label:
        return {cond.label}
    return {x for c in cond.all or () for x in _required_labels(c)}


def _for_opposite_course(cond: Any, stated: Iterable[str]) -> bool:
    """A recommendation written for a course opposite to one the question states (data: ``opposite_courses``)."""
    opposite = rules().raw.get("opposite_courses") or {}
    ruled_out = {x for s in stated for x in opposite.get(s, ())}
    return bool(_required_labels(cond) & ruled_out)


def _dose_asked_of(question: str) -> frozenset[str]:
    """The medicines named in the clauses of a message that ask for a dose ("considering rituximab - dose")."""
    from nephroguide.answer.direct import _medicines_in

    return frozenset(d for clause in _CLAUSES.split(question) if _DOSE_WORD.search(clause) for d in _medicines_in(clause))


_CLAUSES = re.compile(r"[.;?!\n]|,\s+(?=and\b|what\b|how\b|does\b|do\b|is\b|are\b|can\b|should\b|will\b)")


_DOSE_WORD = re.compile(r"\bdos(?:e|es|ing|age)\b|\bhow much\b|\bregimen\b", re.I)


def _dosing_article(b: Build, spec: dict[str, Any], u: Understanding) -> tuple[list[str], str | None]:
    ctx = b.ctx
    pack = ctx.pack
    drugs = [pack.drugs[d].equivalent_to or d for d in u.drugs if d in pack.drugs]
    named = list(dict.fromkeys(drugs)) or [d.id for d in pack.drugs.values() if d.drug_class in u.classes_named
                                             and not d.equivalent_to]
    drugs = [d for d in named if any(r.drug == d for r in pack.dose_rules.values())]
    # the medicine whose dose the message asks for comes first ("still relapsing on MMF + alt day pred.
    # considering rituximab - dose, ...": rituximab, not the medicine that is failing)
    from nephroguide.answer import direct

    # (else the one the message proposes to start just before it: "... considering oral cyclophosphamide. Does it
    # work? If we go ahead, what dose and duration?")
    asked_for = _dose_asked_of(u.question) or frozenset(direct.dose_asked_drugs(u.question))
    # ... and a medicine the message says has failed comes last ("relapsing on MMF, team want to start a CNI -
    # tacrolimus or ciclosporin? starting dose and target trough?": the CNIs, not MMF)
    # ... and the medicine switched to comes before the one switched from ("switching to tacrolimus - starting dose,
    # how long after the last CsA dose?")
    target = set(direct.switch_target(u.question))
    drugs.sort(key=lambda d: (d not in target, d not in asked_for, d in u.failed))
    if named and not drugs:
        # the question names drugs the pack gives no dose for: say so (their recommendations explain
        # why), never dose another drug instead
        for rec in sorted(pack.recommendations.values(), key=lambda r: (not holds(r.applies_when, ctx.facts),
                                                                        r.priority, r.id)):
            if rec.status == "current" and set(named) & set(rec.drugs) and len(b.in_section("dosing")) < 2:
                st = _stmt(pack, rec.text, rec.citations, rec.id)
                b.add(Entry("dosing", "recommendation", rec.id, st, _clean(rec.family_text), _clean(rec.text),
                            title=rec.title, reviewed=rec.last_reviewed, drugs=tuple(rec.drugs)))
        return named, None
    dose_clauses = [c for c in _CLAUSES.split(u.question) if _DOSE_WORD.search(c)]
    if (not drugs or not asked_for) and any(direct.names_other_medicine(c) for c in dose_clauses or [u.question]):
        # a dose of a medicine the pack does not dose ("co-trimoxazole dose 20 kg", "vitamin D dose 20 kg on
        # steroids"): never the course's medicine, nor another medicine the message names
        return [], None
    if not drugs:
        intent = _stage_intent(_stage_order(ctx.labels)) or rules().raw["default_treatment_intent"]
        main = rules().raw["articles"][intent].get("main") or []
        for rec, _ in pick(ctx, main, ctx.facts):
            for rid in rec.dose_rules:
                d = pack.dose_rules[rid].drug
                if d not in drugs:
                    drugs.append(d)
            if drugs:
                break
    chosen_indication: str | None = None
    current_rule_ids = {rid for r in pack.recommendations.values() if r.status == "current" for rid in r.dose_rules}
    superseded_rule_ids = {rid for r in pack.recommendations.values() if r.status == "superseded"
                           for rid in r.dose_rules} - current_rule_ids
    for drug in drugs[:2]:
        rules_for = [r for r in pack.dose_rules.values() if r.drug == drug and r.id not in superseded_rule_ids]
        indications = sorted({r.indication for r in rules_for})
        indication = _indication_for(ctx, drug, indications, u.text)
        if indication is None:
            continue
        chosen_indication = chosen_indication or indication
        chosen = sorted((r for r in rules_for if r.indication == indication),
                        key=lambda r: (not _named_regimen(r, u.text), not r.preferred, r.citations[0].source,
                                       r.phase_order, r.id))
        # the regimen the message names ("oral cyclo 3 mg/kg/d x 8 wk": the 8-week course) first, else the preferred
        # one (all its phases), then the other sources' regimens
        for rule in chosen:
            _dose_entry(b, rule, "dosing")
        users = [r for r in pack.recommendations.values() if r.status == "current" and
                 any(rid in r.dose_rules for rid in (x.id for x in chosen))]
        users = [r for r in users if not _for_opposite_course(r.applies_when, ctx.stated)]
        users.sort(key=lambda r: (not holds(r.applies_when, ctx.facts), r.priority, r.id))
        for rec in users[:2]:
            _rec_entries(b, rec, "main", general=not holds(rec.applies_when, ctx.facts), dose_rules=False)
        for c in pack.cautions.values():
            if drug in c.drugs and c.kind != "monitoring" and (c.applies_when is None or holds(c.applies_when, ctx.facts)):
                b.cautions.append(c.id)
        old = [r for r in pack.recommendations.values() if r.status == "superseded" and
               any(pack.dose_rules[rid].drug == drug and pack.dose_rules[rid].indication == indication
                   for rid in r.dose_rules)]
        for rec in sorted(old, key=lambda r: r.id):
            _superseded_entry(b, rec, "changes")
            for rid in rec.dose_rules:
                rule = pack.dose_rules[rid]
                st = _stmt(pack, f"Older regimen, no longer used: {rule_text(rule)}", rule.citations, rule.id)
                b.add(Entry("changes", "superseded", f"old:{rule.id}", st, "", st.text, current=False, level=1))
        b.main_drugs.append(drug)
    return drugs, chosen_indication


def _named_regimen(rule: Any, text: str) -> bool:
    """The message names this rule's own regimen: its per-kg or per-m2 amount ("3 mg/kg/d") together with its course
    length when the rule has one ("x 8 wk"), never only a medicine's name."""
    amounts = [b for b in rule.bases if b.basis.startswith("mg/")]
    if not amounts:
        return False
    unit = amounts[0].basis.split("/")[1]   # kg or m2
    said = re.search(rf"(?<![\d.]){re.escape(f'{amounts[0].value:g}')}\s*mg\s*/\s*{unit}\b", text, re.I) is not None
    weeks = re.match(r"\s*(\d+)\s*weeks?\b", rule.duration or "")
    if weeks is None:
        return said
    return said and re.search(rf"(?<!\d){weeks.group(1)}\s*(?:wks?|weeks?)\b", text, re.I) is not None


def _indication_for(ctx: Context, drug: str, indications: Sequence[str], text: str) -> str | None:
    """The dose-rule indication: one the question names, else the stage's, else the drug's commonest."""
    if not indications:
        return None
    r = rules()
    for ind, cue in (r.raw.get("indication_words") or {}).items():
        if ind in indications and re.search(cue, text):
            return str(ind)
    staged = False
    for rule in r.raw["stage_indication"]:
        if rule["label"] in ctx.labels:
            staged = True
            if rule["indication"] in indications:
                return str(rule["indication"])
    if staged:
        for ind in r.raw["indication_fallback"]:
            if ind in indications:
                return str(ind)
    default = ctx.pack.drugs[drug].default_indication
    if default in indications:
        return str(default)
    for ind in r.raw["indication_fallback"]:
        if ind in indications:
            return str(ind)
    return indications[0]


def _evidence_article(b: Build, spec: dict[str, Any], u: Understanding) -> None:
    ctx = b.ctx
    pack = ctx.pack
    drugs = {pack.drugs[d].equivalent_to or d for d in u.drugs if d in pack.drugs}
    studies = list(pack.studies.values())
    stage_intent = _stage_intent(_stage_order(ctx.stated))
    stage_main = rules().raw["articles"].get(stage_intent or "", {}).get("main") or []
    stage_recs = pick(ctx, stage_main, ctx.facts, general=False) if stage_main else []
    cited_for_stage = {sid for rec, _ in stage_recs for sid in rec.evidence}
    if drugs:
        scored = [(s.id in cited_for_stage, len(drugs & set(s.drugs)), s) for s in studies]
        chosen = [s for c, n, s in sorted(scored, key=lambda x: (not x[0], -x[1], len(x[2].drugs) - x[1], x[2].id))
                  if n > 0]
    else:
        chosen = [s for s in studies if s.id in cited_for_stage]
    if not chosen:
        intent = _stage_intent(_stage_order(ctx.labels))
        main = rules().raw["articles"].get(intent or "", {}).get("main") or []
        ids = [sid for rec, _ in pick(ctx, main, ctx.facts) for sid in rec.evidence]
        chosen = [pack.studies[sid] for sid in dict.fromkeys(ids) if sid in pack.studies]
    named = [s for s in studies if any(re.search(r"\b" + re.escape(n) + r"\b", u.text) for n in _study_names(pack, s))]
    for s in named:
        if s in chosen:
            chosen.remove(s)
        chosen.insert(0, s)
    for s in chosen[:4]:
        _study_entries(b, s, "main", full=True)
        b.main_drugs.extend(d for d in s.drugs if d not in b.main_drugs)
    cited_by = [r for r in pack.recommendations.values() if r.status == "current" and
                any(s.id in r.evidence for s in chosen[:4])]
    cited_by.sort(key=lambda r: (not holds(r.applies_when, ctx.facts), r.priority, r.id))
    for rec in cited_by[:3]:
        _rec_entries(b, rec, "guidance", general=not holds(rec.applies_when, ctx.facts), dose_rules=False)


_STUDY_STAGES: dict[str, frozenset[str]] = {}


def _studies_for(pack: Any, stage: Iterable[str]) -> list[StudyEvidence]:
    """The studies whose population fits the course a question states (its population read like a question:
    "children with idiopathic SRNS" is SRNS); every study when the question states none."""
    from nephroguide.answer.understand import understand

    stated = set(stage) & COURSE_LABELS
    out = []
    for s in pack.studies.values():
        key = f"{pack.version}:{s.id}"
        if key not in _STUDY_STAGES:
            _STUDY_STAGES[key] = frozenset(understand(f"{s.title}. {s.population}").stage) & COURSE_LABELS
        own = _STUDY_STAGES[key]
        if not stated or stated & own:
            out.append(s)
    return out


def _study_names(pack: Any, s: StudyEvidence) -> list[str]:
    """How a question may name a study: first author, acronym in parentheses (normalised like questions)."""
    from nephroguide.answer.understand import canonicalise, normalise

    src = pack.sources[s.source]
    names = [normalise(src.citation.split()[0].strip(",."))]
    for acr in re.findall(r"\(([A-Z][A-Za-z0-9-]{2,})\)", f"{src.title} {s.title}"):
        names.append(canonicalise(normalise(acr))[0])
    if src.organisation:
        names.append(normalise(src.organisation))
    return [n for n in names if len(n) >= 4]


def _monitoring_article(b: Build, spec: dict[str, Any], u: Understanding) -> None:
    ctx = b.ctx
    pack = ctx.pack
    drugs = [pack.drugs[d].equivalent_to or d for d in u.drugs if d in pack.drugs]
    drugs += [d for d, _ in u.patient_drugs if d not in drugs]
    if not drugs:
        intent = _stage_intent(_stage_order(ctx.labels))
        main = rules().raw["articles"].get(intent or "", {}).get("main") or []
        for rec, _ in pick(ctx, main, ctx.facts, general=False):
            drugs.extend(d for d in rec.drugs if d not in drugs)
            b.monitoring.extend(rec.monitoring)
    for c in sorted(pack.cautions.values(), key=lambda c: c.id):
        if c.kind == "monitoring" and (set(c.drugs) & set(drugs) or c.id in b.monitoring):
            _caution_entry(b, c, "main")
        elif c.kind != "monitoring" and set(c.drugs) & set(drugs) and \
                (c.applies_when is None or holds(c.applies_when, ctx.facts) or ctx.patient_json is None):
            b.cautions.append(c.id)
    for rec, general in pick(ctx, spec.get("main") or [], ctx.facts, general=True):
        _rec_entries(b, rec, "main", general=general)
    # target levels (troughs) are part of monitoring: the current dose rules that state one
    current_rules = {rid for r in pack.recommendations.values() if r.status == "current" for rid in r.dose_rules}
    for drug in drugs[:2]:
        with_target = [r for r in pack.dose_rules.values() if r.drug == drug and r.target and r.id in current_rules]
        indication = _indication_for(ctx, drug, sorted({r.indication for r in with_target}), u.text)
        for rule in sorted((r for r in with_target if r.indication == indication),
                           key=lambda r: (not r.preferred, r.citations[0].source, r.id)):
            _dose_entry(b, rule, "dosing")
    users = [r for r in pack.recommendations.values() if r.status == "current" and
             any(m in r.monitoring for m in (e.kb_id for e in b.in_section("main")))]
    users.sort(key=lambda r: (not holds(r.applies_when, ctx.facts), r.priority, r.id))
    for rec in users[:2]:
        _rec_entries(b, rec, "support", general=not holds(rec.applies_when, ctx.facts), dose_rules=False)
    b.main_drugs.extend(d for d in drugs if d not in b.main_drugs)


def _finish_common(b: Build, u: Understanding) -> None:
    """Cautions, monitoring, evidence and 'what changed' for the entries collected."""
    ctx = b.ctx
    pack = ctx.pack
    for mid in dict.fromkeys(b.monitoring):
        if mid in pack.cautions:
            _caution_entry(b, pack.cautions[mid], "support")
    # plan-level cautions for this child: conditions that hold, or drugs taken / recommended
    recommended = {d for e in b.entries if e.kind == "recommendation" and e.section in ("main", "dosing")
                   for d in e.drugs}
    recommended |= set(ctx.facts.drugs_current)
    for c in sorted(pack.cautions.values(), key=lambda c: c.id):
        if c.kind == "monitoring":
            continue
        if c.applies_when is not None:
            if holds(c.applies_when, ctx.facts) and (ctx.patient_json is not None or c.id in b.cautions):
                b.cautions.append(c.id)
        elif c.drugs and set(c.drugs) & set(ctx.facts.drugs_current):
            b.cautions.append(c.id)
    severity = {"critical": 0, "warning": 1, "info": 2}
    for cid in sorted(dict.fromkeys(b.cautions), key=lambda x: (severity[pack.cautions[x].severity], x)):
        _caution_entry(b, pack.cautions[cid], "cautions")
    # evidence behind the main recommendations
    for sid in dict.fromkeys(b.studies):
        if sid in pack.studies:
            _study_entries(b, pack.studies[sid], "evidence", full=False)
    # what changed: conflicts, superseded recommendations and definitions
    def_conflicts = rules().raw["definitions"]["conflicts"]
    for d in b.definitions:
        b.conflicts.extend(def_conflicts.get(d.id) or [])
    for cid in dict.fromkeys(b.conflicts):
        if cid in pack.conflicts:
            _conflict_entries(b, pack.conflicts[cid], "changes")
    shown = set(b.rec_ids)
    for rec in sorted(pack.recommendations.values(), key=lambda r: (r.priority, r.id)):
        if rec.status != "superseded":
            continue
        linked = rec.superseded_by in shown
        same_topic = rec.superseded_by is None and any(pack.recommendations[s].topic == rec.topic for s in shown)
        if linked or (same_topic and holds(rec.applies_when, ctx.facts)):
            _superseded_entry(b, rec, "changes")
    for d in list(b.definitions):
        for other in pack.definitions.values():
            if other.id.startswith(d.id + ".") and other not in b.definitions:
                _definition_entry(b, other, "changes")


# ----------------------------------------------------------------------------------------- answer

def compose(u: Understanding, *, audience: str = "clinician", patient: dict[str, Any] | None = None,
            **kw: Any) -> Answer:
    """An answer article for one understood question (see :func:`_compose`), checked first against a dose the
    question states for the child's size ("started on prednisolone 60 mg ... she weighs 20 kg")."""
    from nephroguide.answer import audience as aud

    answer = _compose(u, audience=audience, patient=patient, **kw)
    if audience == "family" and aud.asks_for_self(u.question):
        answer = _to_the_reader(answer)
    check = stated_dose_check(u, audience) if u.doses else None
    if check is None or answer.scope == "not_covered":
        return answer
    line, refs = check
    from nephroguide.answer import direct
    from nephroguide.engine.plan import references
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    cited = [*answer.summary_refs, *refs, *(r.id for r in answer.references)]
    # (an emergency answered first keeps its place: the check of the dose follows it)
    urgent = answer.direct_answer in set(direct.settings()["dose_check"]["after_urgent"])
    summary = f"{answer.summary_text} {line}" if urgent else f"{line} {answer.summary_text}"
    return _with_markdown(dataclasses.replace(
        answer, summary_text=summary, summary_refs=tuple(dict.fromkeys([*refs, *answer.summary_refs])),
        references=references(pack, list(dict.fromkeys(cited)))))


def _asked_terms(u: Understanding, entries: Sequence[Entry]) -> list[Entry]:
    """The definitions whose term the question names ("complete remission", not the partial remission its word
    "remission" also brought), in the order the question names them."""
    text = u.text.lower()
    terms = [(e, [w for w in re.findall(r"[a-z]+", e.title.lower()) if w not in ("nephrotic", "syndrome")])
             for e in entries]
    terms = [(e, words) for e, words in terms if words]
    # (its first word, or its second when that is a word of its own: "late" of "Secondary (late) SRNS")
    found: list[tuple[int, Entry]] = [(text.find(w), e) for e, words in terms
                                      for w in [next((x for i, x in enumerate(words[:2]) if (i == 0 or x != words[-1])
                                                      and len(x) > 3 and re.search(rf"\b{x}\b", text)), "")]
                                      if w]
    heads = {words[-1] for e, words in terms if any(x is e for _, x in found)}
    for e, words in terms:   # "remission" on its own: the first term ending in it ("complete remission")
        if words[-1] in text and words[-1] not in heads and all(x is not e for _, x in found):
            found.append((text.find(words[-1]), e))
            heads.add(words[-1])
    return [e for _, e in sorted(found, key=lambda x: x[0])]


def _to_the_reader(answer: Answer) -> Answer:
    """A family answer read by the young person it is about: "your child" becomes "you" in its summary and key
    points (the statements' references are unchanged; follow-up questions stay as the pack phrases them)."""
    from nephroguide.answer import audience as aud

    def item(i: Item) -> Item:
        return dataclasses.replace(i, statement=dataclasses.replace(i.statement, text=aud.to_the_reader(i.statement.text)))

    return _with_markdown(dataclasses.replace(
        answer, summary_text=aud.to_the_reader(answer.summary_text),
        sections=tuple(dataclasses.replace(s, items=tuple(item(i) for i in s.items)) for s in answer.sections)))


def stated_dose_check(u: Understanding, audience: str) -> tuple[str, tuple[str, ...]] | None:
    """See :func:`_stated_dose_check` (asked once per message and audience: the summary and the reading of a message's
    questions both need it)."""
    return _stated_dose_check_cached(u, audience)


@functools.lru_cache(maxsize=16)
def _stated_dose_check_cached(u: Understanding, audience: str) -> tuple[str, tuple[str, ...]] | None:
    return _stated_dose_check(u, audience)


_IV = re.compile(r"\b(?:iv|intravenous\w*|infusion|pulses?)\b", re.I)


def _stated_dose_check(u: Understanding, audience: str) -> tuple[str, tuple[str, ...]] | None:
    """A dose the question states for a medicine, in mg, that is well above what the pack's preferred rules for the
    stated course give a child of the stated size (weight, or body surface area): a line that says so and gives
    the usual dose worked out, with the rule's sources; None when nothing is stated, the size is not known, or
    the dose is within reach of a rule (data: retrieval.yaml ``dose_check``)."""
    from nephroguide.answer import direct
    from nephroguide.answer.understand import normalise
    from nephroguide.answer.understand import rules as understanding_rules
    from nephroguide.engine.dosing import compute_dose
    from nephroguide.errors import InputError as DoseInputError
    from nephroguide.knowledge.pack import load_pack

    weight, bsa, height = u.detail("weight_kg"), u.detail("bsa_m2"), u.detail("height_cm")
    if (weight is None and bsa is None) or not u.doses:
        return None
    cfg = direct.settings()["dose_check"]
    alternate = _alternate_day_check(u, audience, weight, height, bsa)
    if alternate is not None:
        return alternate
    pack = load_pack()
    indications = direct.stated_indications(u)
    divided = {drug: n for drug, _, n in u.detail("divided_doses") or ()}
    quoted_level = direct.quotes_level(u.question)
    asked = re.search(str(cfg["asked"]), u.question, re.I) is not None
    # the sentences that ask whether something is right ("... trimethoprim 4 mg/kg bd x 3 d - ok?"): one naming
    # another medicine asks about that one, not the stated dose of this
    asking = [(set(direct.medicines_in(x)), direct.names_other_medicine(x))
              for x in re.split(r"(?<=[?!])\s*|(?<=\.)\s+", u.question) if re.search(str(cfg["asked"]), x, re.I)]
    # the medicines of the sentences that say IV ("cyclophosphamide 0.5 g IV monthly")
    given_iv = set(direct.medicines_in(" ".join(x for x in re.split(r"[.;?!](?=\s|$)", u.question) if _IV.search(x))))
    for drug, value, unit in u.doses:
        if unit not in ("mg", "mg/day") or drug not in pack.drugs:
            continue
        own_ask = any(not other and named <= {drug} for named, other in asking)
        if any(x.target is not None for x in pack.dose_rules.values() if x.drug == drug) \
                and (quoted_level or not asked or not own_ask):
            # a level-guided medicine (a CNI, titrated to its trough): its weight-based dose is judged only when the
            # dose is asked about and no level is quoted (then the level, not the weight, judges it)
            continue
        times = divided.get(drug, 1) if unit == "mg" else 1
        # ("tacrolimus 2 mg bd": 4 mg a day, checked against the day's total, never against one dose)
        amount = f"{_num(value)} mg" if times == 1 else str(cfg[f"{'family' if audience == 'family' else 'clinician'}_divided"]).format(
            dose=_num(value), times=cfg["times_words"][times], total=_num(value * times))
        value = value * times
        # (oral rules; the IV rules of the IV-only medicines listed in the data: "methylpred 1 g IV OD x3 ... is 1 g
        # right?" - not rituximab, whose 750 mg/m2 schedule is no preferred rule; and never an IV dose of a medicine
        # with oral rules: "cyclophosphamide 0.5 g IV monthly" is no daily oral dose)
        oral = any(x.route == "oral" for x in pack.dose_rules.values() if x.drug == drug)
        if oral and drug in given_iv:
            continue
        if not oral and drug not in set(cfg["iv_checked"]):
            continue
        rules = [x for x in pack.dose_rules.values() if x.drug == drug and x.preferred and not x.ceiling
                 and (x.route == "oral" or not oral) and (not indications or x.indication in indications)]
        fallback = set(understanding_rules().raw["indication_fallback"])
        if not rules and indications & fallback:
            # (a stated course the medicine has no rule of its own for: its steroid-sparing rule, as the dosing
            # article reads it - ciclosporin in FRNS is dosed by its SDNS rule)
            rules = [x for x in pack.dose_rules.values() if x.drug == drug and not x.ceiling
                     and x.route == "oral" and x.indication in fallback]   # (every rule: the highest judges)
        usual: list[tuple[float, Any, Any]] = []
        for rule in rules:
            try:
                res = compute_dose(rule, pack, weight, height, None, bsa_m2=bsa)
            except DoseInputError:
                continue
            day = (res.mg_per_day, res.mg_per_day_range[1] if res.mg_per_day_range else None)
            dose = (res.mg_per_dose, res.mg_per_dose_range[1] if res.mg_per_dose_range else None)
            given = [v for v in (day if times > 1 else (*day, *dose)) if v is not None]
            if not given:
                continue
            most = max(given)
            usual.append((most, res, rule))
        if not usual:
            continue
        most, res, rule = max(usual, key=lambda x: x[0])
        if bsa is not None:
            size = f"{_num(bsa)} m²"
        elif height is not None and "m2" in res.basis:
            size = f"{_num(weight)} kg and {_num(height)} cm"   # (a per-m2 rule is worked from both)
        else:
            size = f"{_num(weight)} kg"
        key = "family" if audience == "family" else "clinician"
        # (a sentence that asks names the amount itself: "is 40 mg too much?", "... = 32mg od, is that right?" - not
        # "... on 35mg pred ... is that right??" about resting at home)
        amount_asked = any(re.search(rf"(?<![\d.]){re.escape(_num(value / times))}\s*mg\b", x, re.I)
                           for x in re.split(r"(?<=[?!])\s*|(?<=\.)\s+", normalise(u.question))
                           if re.search(str(cfg["asked"]), x, re.I))
        today = u.detail("weight_today_kg")
        per_kg = [b for b in rule.bases if str(b.basis).startswith("mg/kg")]
        # (a family is not sent to the team over a dose the per-m2 basis allows)
        allowed = "m2" in res.basis and value <= most * (1 + float(cfg["same"]))
        if today is not None and weight is not None and per_kg and amount_asked and not (key == "family" and allowed) \
                and abs(value - per_kg[0].value * today) \
                <= per_kg[0].value * today * float(cfg["same"]) / 2 \
                and abs(value - per_kg[0].value * weight) > per_kg[0].value * weight * float(cfg["same"]) / 2:
            # "16.2 kg today, 14.5 kg before the swelling ... pred 2mg/kg = 32 mg": worked from the oedematous weight
            kg_dose = per_kg[0].value * weight
            if rule.max_mg_per_day is not None:
                kg_dose = min(kg_dose, rule.max_mg_per_day)
            alt = f", or {res.basis} gives {_num(most)} mg" if "m2" in res.basis else ""
            text = str(cfg[f"{key}_oedematous_weight"]).format(
                amount=amount, drug=pack.drugs[drug].generic, kg=f"{_num(per_kg[0].value)} {per_kg[0].basis}",
                today=_num(today), dry=_num(weight), kg_dose=_num(round(kg_dose)), alt=alt)
            return text, tuple(dict.fromkeys(c.source for c in rule.citations))
        over_cap = bool(res.cap_applied) and value > most   # a maximum is a maximum ("70 mg daily for 1.1 m²")
        if value <= most * float(cfg["above"]) and not over_cap:
            # "pred 36 mg daily for 18 kg, correct?": a dose asked about that a rule gives (within rounding) is
            # confirmed with its working
            near = [(m, r, ru) for m, r, ru in usual if abs(value - m) <= m * float(cfg["same"])]
            if not asked:
                continue
            least = min(m for m, _, _ in usual)
            if not near and indications and set(indications) <= set(cfg["below_indications"]) \
                    and value < least * (1 - float(cfg["same"])):
                # "pred 20 mg daily for 22 kg, first episode. Is that right?": below every phase of the course
                doses = "; ".join((f"{r.basis} gives {_num(m)} mg" if audience == "family" else
                                   f"{ru.title}: {r.basis} = {_num(m)} mg") for m, r, ru in sorted(usual, key=lambda x: -x[0]))
                text = str(cfg[f"{key}_below"]).format(amount=amount, drug=pack.drugs[drug].generic,
                                                        size=size, doses=doses)
                return text, tuple(dict.fromkeys(c.source for _, _, ru in usual for c in ru.citations))
            if not near and value > most * (1 + float(cfg["same"])) \
                    and any(x.target is not None for x in pack.dose_rules.values() if x.drug == drug):
                # "Neoral 75 mg bd for 26 kg - does that dose look right?": a level-guided medicine's dose above the
                # top of every rule's range, by less than the `above` factor, is said so with the range's top worked
                # out (never confirmed); not prednisolone, whose per-m2 alternative may give more when no height is
                # stated, nor a dose whose days are not known to be daily
                text = str(cfg[f"{key}_slightly"]).format(
                    amount=amount, drug=pack.drugs[drug].generic, size=size, basis=res.basis,
                    usual=f"{_num(most)} mg" + ("/day at most" if times > 1 else " at most"),
                    title=rule.title, share=f"{(value - most) / most:.0%}")
                return text, tuple(dict.fromkeys(c.source for c in rule.citations))
            m2 = [b for b in rule.bases if "m2" in str(b.basis)]
            if not near and value > most * (1 + float(cfg["same"])) and m2 and height is None and bsa is None \
                    and amount_asked:
                # "is 40 mg of prednisolone too much for my 18 kg son?": above the weight-based dose, by less than the
                # `above` factor, where the per-m2 basis the rule also gives (which may give more) needs a height the
                # message does not state - said so, never confirmed and never called wrong
                text = str(cfg[f"{key}_needs_height"]).format(
                    amount=amount, drug=pack.drugs[drug].generic, size=size, basis=res.basis,
                    usual=f"{_num(most)} mg", share=f"{(value - most) / most:.0%}",
                    m2=f"{_num(m2[0].value)} {m2[0].basis}")
                return text, tuple(dict.fromkeys(c.source for c in rule.citations))
            if not near:
                continue
            most, res, rule = near[0]
            # (a dose a few mg off the rule, "41 mg" for 44 mg, is near it, never said to match it)
            key = f"{key}_same" if abs(value - most) < 0.5 else f"{key}_near"
        capped = bool(res.cap_applied and res.caps)
        basis = res.calculation if capped and audience != "family" and res.calculation else res.basis
        text = str(cfg[key]).format(
            amount=amount, drug=pack.drugs[drug].generic, size=size, basis=basis,
            usual=f"{_num(most)} mg" + (f" ({'; '.join(res.caps)})" if capped and basis is res.basis else ""),
            title=rule.title, diff=f"{_num(round(abs(value - most), 1))} mg",
            direction="below" if value < most else "above", share=f"{abs(value - most) / most:.0%}")
        return text, tuple(dict.fromkeys(c.source for c in rule.citations))
    return None


def _alternate_day_check(u: Understanding, audience: str, weight: float | None, height: float | None,
                         bsa: float | None) -> tuple[str, tuple[str, ...]] | None:
    """An alternate-day dose the message states ("... then 60mg alt days x 4 wks") above the most the stated course's
    alternate-day phase gives the child (its cap included): a line that says so, with the phase worked out; None
    otherwise (data: retrieval.yaml ``dose_check.alternate_day``)."""
    from nephroguide.answer import direct
    from nephroguide.engine.dosing import compute_dose
    from nephroguide.errors import InputError as DoseInputError
    from nephroguide.knowledge.pack import load_pack

    cfg = direct.settings()["dose_check"]
    stated = [float(m.group("mg")) for m in re.finditer(str(cfg["alternate_day"]), u.question, re.I)]
    # (the medicine understanding read as given on alternate days: never another one's phase, "levamisole 50 mg alt
    # days" is not judged against prednisolone's)
    drugs = list(u.detail("alternate_day_doses") or [])
    if len(set(stated)) != 1 or len(drugs) != 1:
        return None
    value, drug = stated[0], str(drugs[0])
    pack = load_pack()
    indications = direct.stated_indications(u)
    rules = [x for x in pack.dose_rules.values() if x.drug == drug and x.preferred and not x.ceiling
             and x.route == "oral" and x.schedule == "alternate_days" and x.indication in indications]
    if not rules:
        return None
    rule = rules[0]
    try:
        res = compute_dose(rule, pack, weight, height, None, bsa_m2=bsa)
    except DoseInputError:
        return None
    most = max(v for v in (res.mg_per_dose, res.mg_per_dose_range[1] if res.mg_per_dose_range else None) if v is not None)
    if value <= most * (1 + float(cfg["same"])):
        return None
    size = f"{_num(bsa)} m²" if bsa is not None else f"{_num(weight or 0)} kg"
    basis = res.calculation if res.cap_applied and res.calculation and audience != "family" else res.basis
    text = str(cfg["family_alternate" if audience == "family" else "clinician_alternate"]).format(
        amount=f"{_num(value)} mg", size=size, usual=f"{_num(most)} mg", basis=basis, title=rule.title)
    return text, tuple(dict.fromkeys(c.source for c in rule.citations))


def _num(x: float) -> str:
    return f"{x:g}"


def _compose(u: Understanding, *, audience: str = "clinician", patient: dict[str, Any] | None = None,
            today: dt.date, from_session: bool = False, session: str | None = None, detail: str = "brief",
            context_text: str = "") -> Answer:
    """The answer for an understood question: a direct answer, an answer from facts, a treatment-pathway
    article, or an honest "not covered" (direct.route decides); ``detail``: brief (default) or full."""
    from nephroguide.answer import direct
    from nephroguide.knowledge.pack import load_pack

    if audience not in ("clinician", "family", "student"):
        raise InputError(f"unknown audience {audience!r}; use clinician, family or student", field="audience")
    if detail not in ("brief", "full"):
        raise InputError(f"unknown detail {detail!r}; use brief or full", field="detail")
    r = rules()
    pack = load_pack()
    ret = direct.retrieval_for(u)
    if context_text and direct.best_confidence(u, ret) < float(direct.settings()["direct"]["strong"]):
        # an elliptic follow-up ("which bugs mainly?") is read together with its session's subject
        ret = direct.retrieval_for(u, context_text)
    common: dict[str, Any] = {"session": session, "from_session": from_session, "ret": ret}
    flagged = direct.red_flag_route(u, ret) if patient is None else None
    if flagged is not None:
        # a danger sign in the message (one swollen, warm calf; cola-coloured urine with back pain) leads, before
        # any reading of scope: the words around it ("cola", "worried", "clinic") never make it "not covered"
        return direct.compose_direct(u, ret, flagged, audience=audience, patient=patient, today=today, session=session,
                                     from_session=from_session, detail=detail)
    exact = direct.exact_answer(u, ret)
    if exact is not None and direct.leads_article(u, exact.answer, has_patient=patient is not None):
        exact = None   # a treatment question of the pathway: the article, led by this curated answer (below)
    if exact is not None and not u.dose_asked:   # one of the pack's own phrasings: its curated answer
        return direct.compose_direct(u, ret, exact, audience=audience, patient=patient, today=today, session=session,
                                     from_session=from_session, detail=detail)
    if u.off_topic:
        # another disease or organ: not covered, unless a nephrotic-syndrome part of the question has an answer
        route = direct.route(u, ret, has_patient=patient is not None, from_session=from_session)
        # (about the child's illness, course or medicines: "will she get diabetes from the steroids?")
        # ("... does he need steroids like the nephrotic kids?": named only to compare, nephrotic syndrome is not his)
        about_ns = u.ins_cue or bool(u.stage) or (not u.adult and (bool(u.drugs) or direct.names_own_medicine(u.question)))
        grown_up = direct.grown_up_patient(u)   # ("adult 45M membranous ...")
        about_ns = about_ns and not direct.likens_to_ns(u.question) and not grown_up
        # (a medicine named for an adult with another disease is not about a child's nephrotic syndrome:
        # "statins in adults with coronary heart disease: atorvastatin 80 mg?")
        if about_ns and route.kind in ("answer", "facts") and route.confidence >= float(direct.settings()["direct"]["enough"]):
            # the pack's own answer may speak of the other condition ("ANCA on levamisole"): then it is covered
            others = direct.uncovered_conditions(u, route)
            note = direct.settings()["not_covered"]["partly"].format(subject=", ".join(others)) if others else ""
            return direct.compose_direct(u, ret, route, audience=audience, patient=patient, today=today,
                                         session=session, from_session=from_session, detail=detail,
                                         scope="partly_covered" if others else "covered", scope_note=note)
        adult_only = (grown_up or u.adult) and direct.names_no_child(u.question)
        partial = None if adult_only else _answer_the_rest(u, audience=audience, patient=patient, today=today,
                                                           session=session, from_session=from_session, detail=detail)
        if partial is not None:   # (an adult's other disease: the rest of the message is about that adult too)
            return partial
        return _not_covered(u, audience, pack, about=", ".join(u.off_topic), subject=direct.off_topic_subject(u),
                            **common)
    partial = _answer_the_rest(u, audience=audience, patient=patient, today=today, session=session,
                               from_session=from_session, detail=detail)
    if partial is not None:
        return partial
    route = direct.asked_part_route(u, direct.route(u, ret, has_patient=patient is not None, from_session=from_session))
    strong_answer = route.kind == "answer" and route.confidence >= float(direct.settings()["direct"]["strong"])
    # a patient stated grown up, and no child in the message ("45yo adult with new MCD ... how long before calling it
    # steroid resistant in adults?"): the children's rules are not the answer, unless the one reached speaks of adults
    grown = direct.grown_up_patient(u)
    known = pack.answers.get(route.answer.id) if route.answer is not None else None
    adult_answer = known is not None and (known.topic in direct.settings()["adult_topics"]
                                          or re.search(r"\badults?\b", known.answer, re.I) is not None)
    if ((u.adult and not u.ins_cue and not strong_answer) or (grown and not adult_answer)) and patient is None \
            and not from_session:
        # an adult, and nothing that says idiopathic nephrotic syndrome: outside the pack
        subject = direct.settings()["adult_subject"] if grown else f"{direct.subject_of(u, ret)} in adults"
        return _not_covered(u, audience, pack, about="adults", subject=subject, **common)
    medicine = direct.unknown_medicine_asked(u) if patient is None and not from_session else None
    if medicine:   # "can he take SGLT2 inhibitors?": not an answer about the medicines nephroguide knows
        return _not_covered(u, audience, pack, about="", subject=medicine, **common)
    if u.domain_hits == 0 and patient is None and not from_session and \
            not (route.kind == "answer" and route.confidence >= float(direct.settings()["direct"]["enough"])):
        # nothing in the question names the disease, and no direct answer fits it closely
        return _not_covered(u, audience, pack, about="", subject=direct.subject_of(u, ret), **common)
    if route.kind == "not_covered":
        return _not_covered(u, audience, pack, about="", subject=route.subject, **common)
    if route.kind == "answer" and route.answer is not None and not u.off_topic:
        nothing = direct.unanswered_question(u, route.answer.id, audience)
        if nothing:   # the message's questions have no answer here; the one reached is about what it tells
            return _not_covered(u, audience, pack, about="", subject=nothing, **common)
    if route.kind in ("answer", "facts"):
        adult = u.adult
        if adult and route.answer is not None and route.answer.topic in direct.settings()["adult_topics"]:
            adult = False   # growing up, moving to adult care: the answer is about that very thing
        scope, note = ("partly_covered", _clean(r.raw["scope"]["pediatric_only_note"])) if adult else ("covered", "")
        if route.subject and not adult:
            scope = "partly_covered"
            note = direct.settings()["not_covered"]["partly"].format(subject=route.subject)
        return direct.compose_direct(u, ret, route, audience=audience, patient=patient, today=today, session=session,
                                     from_session=from_session, detail=detail, scope=scope, scope_note=note)
    if u.intent is None and u.unknown_words and not u.stage:
        # nothing in the question points to a covered topic, and it names something nephroguide does not
        # know (a drug or condition outside the pack): not covered, rather than a generic article
        return _not_covered(u, audience, pack, about=", ".join(u.unknown_words[:3]),
                            subject=", ".join(u.unknown_words[:3]), **common)
    intent = u.intent or "definition"
    if intent == "evidence" and not _studies_for(pack, u.stage):
        # "FRNS ... levamisole vs MMF vs CNI?": the studies held are about other children (SRNS): the question's
        # next reading answers it, never a trial in another condition
        intent = next((i for i, n in u.intent_scores if n > 0 and i != "evidence" and i in r.raw["articles"]),
                      None) or _stage_intent(_stage_order(set(u.stage))) or "definition"
    spec = r.raw["articles"][intent]
    ctx = engine_context(u, patient=patient, today=today, default_stage=spec.get("stage") or [])
    b = Build(ctx)
    drugs_discussed: list[str] = []
    indication = None
    if intent == "definition":
        _definition_article(b, spec, u)
    elif intent == "dosing":
        drugs_discussed, indication = _dosing_article(b, spec, u)
    elif intent == "evidence":
        _evidence_article(b, spec, u)
    elif intent == "monitoring":
        _monitoring_article(b, spec, u)
    else:
        _treatment_article(b, spec, u)
    if intent != "dosing":
        # the recommendation that answers this very question ("Should cyclophosphamide be used in SRNS?")
        # joins the article even when it belongs to another step; the summary then leads with it
        for h in ret.hits[:3]:
            rec = pack.recommendations.get(h.id)
            caution = pack.cautions.get(h.id)
            entry = rec or caution
            known_not_to_apply = entry is not None and entry.applies_when is not None \
                and _tri(entry.applies_when, ctx.facts) is False   # never lead with "stop it" for a responder
            if entry is not None and h.match >= 0.9 and set(entry.drugs) & set(u.drugs) and not known_not_to_apply:
                if h.id in b.used:   # already further down the article: it moves up to the answer
                    for e in b.entries:
                        if e.kb_id == h.id:
                            e.section = "main"
                elif rec is not None:
                    _rec_entries(b, rec, "main", general=not holds(rec.applies_when, ctx.facts), dose_rules=False)
                elif caution is not None:
                    _caution_entry(b, caution, "main")
                break
    main_key = "dosing" if intent == "dosing" else "main"
    if not b.in_section(main_key):
        fallback = direct.fallback_route(u, ret)
        if fallback is not None:   # no article for this intent, but the pack answers the question directly
            return direct.compose_direct(u, ret, fallback, audience=audience, patient=patient, today=today,
                                         session=session, from_session=from_session, detail=detail)
        # (what the question asks is named, never the whole intent: "no entries on diet and daily life" was untrue
        # of a dietitian's statin and potassium question)
        asked = direct.retrieval_for(dataclasses.replace(u, question=direct.asked_text(u.question),
                                                         text=direct.read_part(direct.asked_text(u.question))))
        return _not_covered(u, audience, pack, about="", subject=direct.subject_of(u, asked), intent=intent, **common)
    _finish_common(b, u)
    scope = "partly_covered" if ctx.adult else "covered"
    if intent in ("dosing", "monitoring", "evidence"):
        drugs = list(dict.fromkeys([*drugs_discussed, *u.drugs, *b.main_drugs]))
    else:   # the drugs the answer recommends come first; drugs that failed are not "under discussion"
        drugs = [d for d in dict.fromkeys([*b.main_drugs, *u.drugs]) if d not in u.failed]
    lead_answer = route.answer.id if route.kind == "pathway" and route.answer is not None else None
    return _assemble(u, b, audience=audience, intent=intent, spec=spec, scope=scope, drugs=drugs,
                     indication=indication, session=session, from_session=from_session, ret=ret, detail=detail,
                     lead_answer=lead_answer)


def _answer_the_rest(u: Understanding, *, audience: str, patient: dict[str, Any] | None, today: dt.date,
                     session: str | None, from_session: bool, detail: str) -> Answer | None:
    """Several questions in one message, some about another condition or about adults ("... and how do I treat
    his asthma flare?"): the others answered, and the answer says what is not covered. None when the message is
    one question, every part is elsewhere, or the rest is not about nephrotic syndrome on its own."""
    from nephroguide.answer import direct
    from nephroguide.answer.understand import understand
    from nephroguide.knowledge.pack import load_pack

    split = direct.off_parts(u)
    if split is None:
        return None
    rest, names, aside = split
    whole = direct.route(u, direct.retrieval_for(u), has_patient=patient is not None, from_session=from_session)
    if whole.kind == "answer" and whole.answer is not None and whole.answer.id in load_pack().answers:
        # the whole message has an answer that speaks of what was set aside ("... random BG 14.6 ... drop the pred
        # dose? does he need insulin or metformin?" -> the steroid hyperglycaemia answer, which names insulin as a
        # gap): that answer, not the rest's dosing article with "no guidance on insulin"
        da = load_pack().answers[whole.answer.id]
        spoken = " ".join([da.answer, da.family_answer, da.gap or ""]).lower()
        if aside and all(re.sub(r"\s*\(.*", "", n).strip().lower() in spoken for p in aside for n in p.uncovered):
            return None
    u2 = understand(rest, relapse_rule=load_pack().definition_set("current").relapse_frequency)
    # with no other condition named, the rest is about the child's nephrotic syndrome ("can she go swimming?")
    about_ns = u2.ins_cue or bool(u2.drugs) or bool(u2.stage) or not u.off_topic
    if not about_ns or u2.off_topic:
        return None   # "..., will he need dialysis?" after "they say HUS" is about HUS, not nephrotic syndrome
    inner = compose(u2, audience=audience, patient=patient, today=today, from_session=from_session,
                    session=session, detail=detail)
    if inner.scope == "not_covered":
        return None
    cfg = direct.settings()["not_covered"]
    note = cfg["partly"].format(subject=", ".join(names))
    # each set-aside question is answered in the first lines too: what nephroguide has no guidance on
    said = cfg["subject_family" if audience == "family" else "subject"]
    lines = [dataclasses.replace(p, text=said.format(subject=", ".join(p.uncovered))) for p in aside]
    summary = direct.with_parts(inner.summary_text, lines) if lines else inner.summary_text
    return _with_markdown(dataclasses.replace(inner, question=u.question, scope="partly_covered", scope_note=note,
                                              summary_text=summary))


def _asked_phase(question: str, titles: Sequence[str], whole: str = "") -> int | None:
    """The dose entry for the phase the question names ("alt-day dose?" -> the alternate-day phase), by the
    phase cues of retrieval.yaml; None when it names none, or several entries fit."""
    from nephroguide.answer.retrieve import settings

    if any(re.search(c, question, re.I) for c in settings()["dose_phase_all"]):
        return None
    # the phase named in a question that asks a dose ("alt-day dose?"), not in another one of the message ("pred dose
    # and duration? alternate day taper or stop after 8wk?")
    parts = [p.strip() for p in re.split(r"[?;]", whole) if p.strip()]
    dose_words = r"\b(?:dos(?:e|es|ing|age)|how much|mg)\b"
    # (a message that asks the starting dose and the alternate-day one - "What prednisolone dose do I start, ... and
    # what is the alternate-day dose afterwards?" - asks every phase: the first leads)
    clauses = [c for c in re.split(r"[?;,]|\band\b", whole) if re.search(dose_words, c, re.I)]
    phase_cues = [c for cues in settings()["dose_phases"].values() for c in cues]
    if len(clauses) > 1 and any(not any(re.search(c, x, re.I) for c in phase_cues) for x in clauses) \
            and any(any(re.search(c, x, re.I) for c in phase_cues) for x in clauses):
        return None
    if len(parts) > 1 and any(re.search(dose_words, p, re.I) for p in parts):
        for p in parts:
            if not re.search(dose_words, p, re.I):
                question = re.sub(re.escape(p), " ", question, flags=re.I)
    for phase, cues in settings()["dose_phases"].items():
        if any(re.search(c, question, re.I) for c in cues):
            fits = [i for i, t in enumerate(titles) if str(phase) in t.lower()]
            return fits[0] if fits else None
    return None


def _title(u: Understanding, b: Build, spec: dict[str, Any], intent: str, drugs: Sequence[str],
           indication: str | None) -> str:
    r = rules()
    pack = b.ctx.pack
    names = r.raw["stage_names"]
    template = str(spec["title"]).lower()
    # A stage already named by the title itself ("Treatment of a relapse in relapse") is not repeated.
    usable = {k for k in names if str(names[k]).lower() not in template.replace("{stage}", "")}
    stage = _stage_order(b.ctx.stated & usable) or _stage_order(b.ctx.labels & COURSE_LABELS & usable)
    stage_name = names[stage[0]] if stage and (b.ctx.stated or not spec.get("default_stage_name")) else \
        spec.get("default_stage_name") or (names[stage[0]] if stage else "nephrotic syndrome")
    drug_names = " and ".join(pack.drugs[d].generic for d in drugs[:2]) if drugs else "medicines"
    about = ""
    if intent == "definition":
        terms = [_plain_term(e.title) for e in b.in_section("main")[:3]]
        about = ": " + ", ".join(terms) if terms else ""
    elif intent == "evidence":
        about = ": " + " and ".join(pack.drugs[d].generic for d in u.drugs[:3] if d in pack.drugs) if u.drugs else ""
    ind = f" in {r.raw['indication_names'].get(indication, indication)}" if indication else ""
    drug_or_stage = f"children on {drug_names}" if drugs else f"in {stage_name}"
    title = str(spec["title"]).format(stage=stage_name, drug=drug_names, indication=ind, about=about,
                                      drug_or_stage=drug_or_stage)
    return title[0].upper() + title[1:]


# a dose question that asks which basis, per m² or per kg ("pred dose? 60/m2 or 2/kg?")
_BASIS_ASKED = re.compile(r"(?:m2|m²|/m\b|bsa|surface).*\bor\b.*(?:/kg|per kg|mg/kg|weight)|"
                          r"(?:/kg|per kg|mg/kg|weight).*\bor\b.*(?:m2|m²|bsa|surface)", re.I)


def _follow_ups(u: Understanding, spec: dict[str, Any], drugs: Sequence[str], pack: Any,
                exclude: Iterable[str] = ()) -> tuple[str, ...]:
    from nephroguide.answer.understand import normalise

    r = rules()
    asked = normalise(u.question).rstrip("?")
    drug = drugs[0] if drugs else None
    out: list[str] = []
    candidates: list[Any] = list(spec.get("follow_ups") or [])
    candidates += [q for k, q in r.raw["topic_questions"].items() if k not in exclude]
    for item in candidates:
        q, needs = (item["q"], item.get("needs")) if isinstance(item, dict) else (str(item), None)
        if "{drug}" in q:
            if drug is None or not _has(pack, needs, drug):
                continue
            q = q.format(drug=pack.drugs[drug].generic)
        if normalise(q).rstrip("?") == asked or q in out:
            continue
        out.append(q)
        if len(out) == 3:
            break
    return tuple(out)


def _has(pack: Any, needs: str | None, drug: str) -> bool:
    if needs == "monitoring":
        return any(c.kind == "monitoring" and drug in c.drugs for c in pack.cautions.values())
    if needs == "caution":
        return any(c.kind != "monitoring" and drug in c.drugs for c in pack.cautions.values())
    if needs == "evidence":
        return any(drug in s.drugs for s in pack.studies.values())
    if needs == "dose":
        return any(r.drug == drug for r in pack.dose_rules.values())
    return True


def _assemble(u: Understanding, b: Build, *, audience: str, intent: str, spec: dict[str, Any], scope: str,
              drugs: Sequence[str], indication: str | None, session: str | None, from_session: bool,
              ret: Any = None, detail: str = "brief", lead_answer: str | None = None) -> Answer:
    from nephroguide.answer import audience as aud
    from nephroguide.answer import direct
    from nephroguide.engine.plan import references

    r = rules()
    ctx = b.ctx
    pack = ctx.pack
    dose_asked = intent == "dosing" or u.dose_asked
    titles = r.raw["section_titles"]
    sections: list[Section] = []
    order = ("dosing", *(k for k in SECTION_ORDER if k != "dosing")) if intent == "dosing" else SECTION_ORDER
    for key in order:
        entries = b.in_section(key)
        if not entries:
            continue
        items = tuple(i for i in (_item(e, audience, dose_asked) for e in entries) if i is not None)
        if not items:
            continue
        title = (spec.get("main_title") or {}).get(audience) if key == "main" else None
        sections.append(Section(key=key, title=title or titles[key][audience], items=items))
    # summary: the first statements of the main (or dosing) section
    lead_key = "dosing" if intent == "dosing" else "main"
    relevance = {h.id: h.match + h.score / 1000 for h in ret.hits} if ret is not None else {}
    candidates = [e for e in b.in_section(lead_key) if e.level == 0]
    # the statement that answers the question leads; one shown with a condition that is not known to hold for this
    # child ("no partial remission after 6 months: stop it") never leads over statements that do hold
    applying = [e for e in candidates if not e.note.startswith("applies when")]
    pool = applying if applying and len(applying) < len(candidates) and ctx.labels & COURSE_LABELS else candidates
    best = max(pool, key=lambda e: (relevance.get(e.kb_id, 0.0), -candidates.index(e)), default=None)
    if best is not None and relevance.get(best.kb_id, 0.0) >= 0.6 and intent != "dosing" and best is not candidates[0]:
        candidates.remove(best)
        candidates.insert(0, best)   # the statement that answers this question leads
    pick = direct.lead_for_kind(u.question, [e.statement.text for e in candidates],
                                [relevance.get(e.kb_id, 0.0) for e in candidates], float(direct.settings()["kind_floor"]))
    if pick is not None:   # "how long ...?": the statement that says how long leads
        candidates.insert(0, candidates.pop(pick))
    lead = candidates[:2]
    phase = None   # the phase of a course the question asks for by name ("... finished 4/52 daily. alt-day dose?")
    if intent == "dosing":
        doses = b.in_section("dosing")
        phase = _asked_phase(direct.asked_text(u.question), [e.title for e in doses], u.question)
        dose_of = direct.dose_asked_drugs(u.question)   # "MMF vs ...? MMF dose?": that medicine's dose leads
        asked_dose = [e for e in doses if dose_of & set(e.drugs)]
        lead_dose = [doses[phase]] if phase is not None else asked_dose[:1] or doses[:1]
        lead = lead_dose + [e for e in b.in_section("main") if e.level == 0][:1]
    summary_refs = tuple(dict.fromkeys(ref for e in lead for ref in e.statement.refs))
    readability = None
    if audience == "family":
        cands = [aud.first_sentences(e.family, 2) for e in lead if e.family]
        cands = [s for e in lead for s in aud.sentences(e.family)][:4] or cands
        framing = str(spec.get("family_framing") or "")
        if intent == "definition" and len(u.definitions) < 2:
            framing = ""   # "which of these words applies" only beside several words ("what does nephrotic mean?")
        target = tuple(r.raw["audiences"]["family"]["reading_grade"])
        text, grade = aud.pick_family_summary(cands, framing, (float(target[0]), float(target[1])))
        summary_refs = tuple(dict.fromkeys(ref for e in lead[:2] for ref in e.statement.refs))
        body = " ".join(i.statement.text for s in sections for i in s.items)
        readability = {"summary_grade": grade, "article_grade": aud.reading_grade(body),
                       "target_grades": list(target), "method": "Flesch-Kincaid grade level (textstat)"}
        summary = text
        lines = [e for e in b.in_section("dosing") if e.level == 0 and e.dose_line] if intent == "dosing" else []
        if not lines and intent == "dosing" and lead and lead[0].kind == "dose" and lead[0].kb_id in pack.dose_rules:
            # the child's size unknown: the amount as each phase of the course writes it, then how it is given, in a
            # family's words ("Prednisolone 60 mg/m2 or 2 mg/kg a day (no more than 60 mg): one dose by mouth every
            # day ... Then ..."; never the daily phase alone: a family told only that might stop there)
            phases = [e for e in (lead[0], *_later_phases(lead[0], b.in_section("dosing"))) if e.kb_id in pack.dose_rules]
            said = " ".join(_clean(direct.family_rule_text(pack.dose_rules[e.kb_id], i))
                            for i, e in enumerate(phases) if pack.dose_rules[e.kb_id].family_text)
            if said:
                rest = [x for x in aud.sentences(text) if x != _clean(lead[0].family)][:1]
                summary = " ".join([said, *rest])
                summary_refs = tuple(dict.fromkeys(ref for e in phases for ref in e.statement.refs))
        if lines:
            # a parent who asked how much reads the doses worked out for the child first, phase by phase
            start = lines.index(lead[0]) if lead and lead[0] in lines else 0
            if phase is None:   # (never a later phase without the first, unless that phase is the one asked for)
                start = lines.index(_first_phase(lines[start], lines))
            # ... then the course's next phases ("then ... every other day")
            phases = [lines[start], *_later_phases(lines[start], lines)]
            summary = " ".join(_family_dose_line(e, i) for i, e in enumerate(phases))
            summary_refs = tuple(dict.fromkeys(ref for e in phases for ref in e.statement.refs))
            readability = {**readability, "summary_grade": aud.reading_grade(summary)}
    else:
        top = lead[:1]
        dosing_entries = [e for e in b.in_section("dosing") if e.level == 0] if intent == "dosing" else []
        if top and top[0] in dosing_entries and phase is None:
            # a later phase of a course never leads alone, unless it is the phase asked for ("relapse dose? how long before alternate days?" -> the
            # daily phase first, then the alternate-day one): a reader could otherwise start on the lower dose
            top = [_first_phase(top[0], dosing_entries)]
        text = top[0].statement.text if top else ""
        first = aud.sentences(text)
        summary = " ".join(first[:2]) if len(first) > 1 and len(first[0]) < 100 else " ".join(first[:1])
        if "low end of the range" in summary:
            # a dose range is never read as its low end alone: its working, which gives the range, follows
            summary = " ".join([summary, *[x for x in first if x.startswith("Calculation:") and x not in summary][:1]])
        summary = direct.with_kind_sentence(u.question, summary, first)   # "which agent?": the sentence naming them
        summary_refs = tuple(top[0].statement.refs) if top else ()
        if top and top[0].kind == "evidence" and top[0].level == 0:
            # a study leads: what it found, not only what it was ("Tacrolimus versus cyclosporine ... (RCT): remission
            # at 6 months 85.7% vs 80% ...")
            found = [e for e in b.entries if e.kb_id.startswith(f"{top[0].kb_id}#r")][:2]
            if found:
                summary = f"{top[0].title.rstrip('.')}: " + " ".join(e.statement.text for e in found)
                worked = _effect_arithmetic(u.question, found[0].statement.text)
                if worked:   # "work out the absolute risk difference and the NNT": from the study's own figures
                    summary = f"{summary} {worked}"
        doses = [e for e in b.in_section("dosing") if e.level == 0 and e.dose_line] if intent == "dosing" else []
        if top and top[0] in doses and _BASIS_ASKED.search(u.question):
            # "60/m2 or 2/kg?": how the dose was worked out, and what the source's other basis gives
            how = [x for x in aud.sentences(top[0].statement.text)
                   if x.startswith(("Calculation:", "The source's other basis:"))]
            summary = " ".join([summary, *how])
        if top and top[0] in dosing_entries:
            summary = _with_cap(summary, top[0])
            # "how much and how long?": the course's next phases follow ("then ... every other day for 4 weeks"),
            # worked out for the child when its size is known, else as the rule is written
            for nxt in _later_phases(top[0], dosing_entries):
                more_text = nxt.dose_line or re.sub(r"^[^:]*\)\s*:\s*", "", aud.sentences(nxt.statement.text)[0])
                summary = f"{summary} {_with_cap(more_text, nxt)}"
                summary_refs = tuple(dict.fromkeys([*summary_refs, *nxt.statement.refs]))

        dose_entries = [e for e in b.in_section("dosing") if e.level == 0] if intent == "dosing" else []
        if top and top[0] in dose_entries and not top[0].dose_phase:
            # the same course as another source gives it ("Tacrolimus for FRNS/SDNS (IPNA 2023) ... (KDIGO 2025)"):
            # both, so that neither source's target reads as the only one
            same = [e for e in dose_entries if e is not top[0] and e.drugs == top[0].drugs and not e.dose_phase
                    and _course_of(e.title) == _course_of(top[0].title)
                    and set(e.statement.refs) - set(top[0].statement.refs)]
            if same:
                summary = f"{summary} {aud.sentences(same[0].statement.text)[0]}"
                summary_refs = tuple(dict.fromkeys([*summary_refs, *same[0].statement.refs]))
        if top and top[0] in dose_entries and top[0].dose_line:
            # the other course of the same medicine the message names beside it ("2 mg/kg x 12 wk or 3 mg/kg x 8 wk
            # - mg/day for each?"): worked out too, never the first alone
            for e in _named_courses(u.question, top[0], dose_entries):
                line = e.dose_line if e.dose_phase else f"{e.title}: {e.dose_line}"
                summary = f"{summary} {_with_cap(line, e)}"
                summary_refs = tuple(dict.fromkeys([*summary_refs, *e.statement.refs]))
            if _TOTAL_ASKED.search(u.question) and not direct.course_told(u.question, "earlier"):
                # "... and total course dose for each?": the projected totals against the medicine's lifetime limit
                said_totals: list[str] = []
                for e in [top[0], *_named_courses(u.question, top[0], dose_entries)]:
                    for sentence in aud.sentences(_course_total(e, ctx)):
                        sentence = sentence.replace("Projected course total if every dose is given:", "Course total:")
                        if sentence not in said_totals and sentence not in summary:
                            said_totals.append(sentence)
                summary = " ".join([summary, *said_totals])
        once = direct.one_course_answer(pack, top[0].drugs, u.question) if top and top[0] in dose_entries else None
        if once is not None:
            # "... had cyclophosphamide 2 years ago ... second course, dose?": the pack's one-course answer, said before
            # any dose (data: direct.second_course)
            said, refs = once
            summary = f"{said} {summary}"
            summary_refs = tuple(dict.fromkeys([*refs, *summary_refs]))
        if top and top[0] in dose_entries and not top[0].dose_line and ctx.weight_kg is not None \
                and top[0].dose_needs == "height_cm" and ctx.height_cm is None and ctx.bsa_m2 is None:
            # a weight without a height beside a per-m2 dose: say why no mg amount follows, and what would give one
            # (never a surface area guessed from the weight alone)
            summary = f"{summary} No mg amount is worked out: this dose is per m2, so the child's height is needed " \
                      "as well as the weight."
        named = _asked_terms(u, [e for e in b.in_section("main") if e.kind == "definition" and e.kb_id in u.definitions])
        if intent == "definition" and len(named) > 1:
            # "define FRNS and SDNS", "difference between SDNS and FRNS?": each term asked about, defined
            summary = " ".join(aud.sentences(e.statement.text)[0] for e in named[:4])
            summary_refs = tuple(dict.fromkeys(ref for e in named[:4] for ref in e.statement.refs))
    da = pack.answers.get(lead_answer) if lead_answer else None
    if da is not None and audience in da.audiences:
        # the pack's curated answer to this very question leads the article: for clinicians and students its
        # first two sentences (the rest is the article below); for families when it reads at the target grade
        if audience == "family":
            # (the curated family answer to this very question leads, whatever its measured grade: the article's
            # general summary would answer another question - "can we stop the pred early?" -> the course's length)
            text = " ".join(da.family_answer.split())
            grade = aud.reading_grade(text)
            summary = text
            if readability is not None and grade is not None:
                readability = {**readability, "summary_grade": grade}
            summary_refs = tuple(dict.fromkeys(x.source for x in da.citations))
        else:
            summary = " ".join(aud.sentences(" ".join(da.answer.split()))[:2])
            summary_refs = tuple(dict.fromkeys(x.source for x in da.citations))
        summary = direct.gap_first(u, da, summary, audience == "family")
    summary = direct.yes_no_first(u, summary)
    if intent == "dosing" and ctx.patient_json and ctx.patient_json.get("weight_basis"):
        # two weights stated, one before the swelling: which one the doses use comes first ("which weight do i dose
        # on?"), with its source
        line = direct.settings()["dry_weight_line"]
        summary = f"{line['text'].format(dry=u.detail('weight_kg'), today=u.detail('weight_today_kg'))} {summary}"
        summary_refs = tuple(dict.fromkeys([*line["refs"], *summary_refs]))
    # the message's other questions, each answered (or said to be not covered) in the first lines too
    parts = direct.part_lines(u, lead_answer, audience, skip_intent=intent, said=summary)
    if parts and intent == "definition" and lead_answer is None and direct.answers_every_question(u, parts):
        # "... 2+ this morning. is this a relapse? should I start the steroids?": each question's own answer comes
        # first, the definitions' general summary after them
        summary = " ".join([direct.with_parts("", parts).strip(), summary])
    elif parts and intent == "dosing" and direct.asked_before_the_dose(u.question, parts[0]):
        # whether to act, asked first, is answered first ("do i start the pred myself or wait? how much do i give":
        # "Not yet ..." before any dose)
        summary = " ".join([direct.with_parts("", parts[:1]).strip(), direct.with_parts(summary, parts[1:])])
        summary_refs = tuple(dict.fromkeys([*summary_refs, *(x.source for p in parts if p.answer is not None
                                                             for x in p.answer.citations),
                                            *(ref for p in parts for ref in p.refs)]))
    elif parts:
        summary = direct.with_parts(summary, parts)
        summary_refs = tuple(dict.fromkeys([*summary_refs, *(x.source for p in parts if p.answer is not None
                                                             for x in p.answer.citations),
                                            *(ref for p in parts for ref in p.refs)]))
    if lead and lead[0].section == "main" and sections and sections[0].key != "main" and detail == "brief":
        sections = sorted(sections, key=lambda s: s.key != "main")   # the answer's own section first
    more = 0
    if detail == "brief":
        brief = direct.settings()["brief"]
        lead_ids = {e.kb_id for e in lead[:1]}
        # a statement that stops a medicine the child takes now ("no partial remission after 6 months of a CNI:
        # stop it") stays in the brief article, whatever the question's words
        stops = {e.kb_id for e in b.in_section("main") if e.drugs and set(e.drugs) & set(ctx.facts.drugs_current)
                 and getattr(pack.recommendations.get(e.kb_id), "action", None) == "stop"}
        rel = {**relevance, **dict.fromkeys(stops, 98.0), **dict.fromkeys(lead_ids, 99.0)}
        shown, more = direct.shorten(sections, rel, {str(k): int(v) for k, v in brief["per_section"].items()},
                                     int(brief["children"]),
                                     {str(k): float(v) for k, v in brief["min_relevance"].items()})
        sections = list(shown)
    scope_note = ""
    if scope == "partly_covered":
        scope_note = _clean(r.raw["scope"]["pediatric_only_note"])
    scope, scope_note = direct.scope_with_parts(parts, scope, scope_note)
    if da is not None and scope == "covered" and direct.gap_asked_in(da, u.question):
        # the curated answer leading the article says what its sources do not give: so does the scope, as for a
        # direct answer ("... Anti-rituximab antibodies? is ofatumumab an option?")
        scope, scope_note = "partly_covered", direct.settings()["not_covered"]["gap"].format(subject=da.gap)
    scope, scope_note = direct.scope_with_unanswered(parts, scope, scope_note)
    cited = [*summary_refs, *(ref for s in sections for i in s.items for ref in i.statement.refs)]
    if da is not None:   # the same references for every audience, whichever summary it reads
        cited += [x.source for x in da.citations]
    reviewed = [e.reviewed for e in b.entries if e.reviewed is not None]
    glossary: tuple[GlossaryEntry, ...] = ()
    if audience == "student":
        current_defs = [d for d in b.definitions if not _historical(pack, d.citations)]
        glossary = aud.glossary([summary, *(i.statement.text for s in sections for i in s.items if s.key != "changes")],
                                current_defs, pack)
    context = {
        "stage": sorted(ctx.labels & COURSE_LABELS),
        "stated_stage": sorted(ctx.stated),
        "assumed_stage": ctx.default_stage,
        "drugs": list(drugs),
        "patient": ctx.patient_json,
        "from_session": from_session,
    }
    if indication:
        context["indication"] = indication
    answer = Answer(
        question=u.question, intent=intent, context=context, scope=scope, audience=audience,
        title=_title(u, b, spec, intent, drugs, indication), summary_text=summary, summary_refs=summary_refs,
        sections=tuple(sections), follow_ups=_follow_ups(u, spec, drugs, pack, exclude=(intent,)),
        references=references(pack, cited), review_status=REVIEW_STATUS,
        last_updated=max(reviewed).isoformat() if reviewed else None,
        disclaimer=_clean(r.raw["audiences"][audience]["disclaimer"]), scope_note=scope_note, glossary=glossary,
        readability=readability, understanding={**u.to_json(), "route": "pathway"}, session=session,
        pack_version=pack.version, topic=direct.settings()["intent_topic"].get(intent), detail=detail, more=more,
        also_topics=tuple(dict.fromkeys(p.answer.topic for p in parts if p.answer is not None)))
    return _with_markdown(answer)


def _item(e: Entry, audience: str, dose_asked: bool) -> Item | None:
    st = e.statement
    if audience == "family":
        if e.family_statement is not None:
            st = e.family_statement
        elif e.kind == "dose" and dose_asked:
            pass   # doses were asked for: keep the numbers
        elif e.kind == "dose" and not e.family:
            return None   # no dosing tables for families unless asked
        elif e.kind == "evidence" and e.level == 1:
            return None   # study results carry RR/CI and percentages: families read the study's plain line only
        elif e.family:
            st = dataclasses.replace(st, text=e.family)
        elif e.kind == "conflict":
            return None   # the family reads the conflict once, in its first position's entry
        return Item(statement=st, kind=e.kind, title="", current=e.current, note="", level=e.level)
    if audience == "student":
        st = dataclasses.replace(st, text=e.student or st.text)
    return Item(statement=st, kind=e.kind, title=e.title, current=e.current, note=e.note, level=e.level)


def _with_markdown(answer: Answer) -> Answer:
    from nephroguide.answer.render import answer_markdown

    return dataclasses.replace(answer, markdown=answer_markdown(answer))


def _not_covered(u: Understanding, audience: str, pack: Any, *, about: str, session: str | None,
                 from_session: bool, no_content: str | None = None, intent: str | None = None, subject: str = "",
                 ret: Any = None) -> Answer:
    """Not covered: which subject the pack holds nothing on, then the closest questions it can answer."""
    from nephroguide.answer import direct

    r = rules()
    scope = r.raw["scope"]
    nc = direct.settings()["not_covered"]
    if no_content:
        text = scope["no_content_text"].format(topic=no_content)
    else:
        text = scope["not_covered_text"][audience].format(about=f" ({about})" if about else "")
    if subject:
        lead = nc["subject_family" if audience == "family" else "subject"].format(subject=subject)
        if u.off_topic or about:
            text = f"{lead} {scope['not_covered_text'][audience].format(about='')}"
        elif no_content:
            text = f"{lead} {text}"
        else:
            text = f"{lead} {nc['closest']}"
    closest = [i for i in closest_intents(u.question, limit=4) if i != intent][:3]
    questions = direct.closest_questions(ret) if ret is not None and subject and not u.off_topic else []
    questions += [r.raw["topic_questions"][i] for i in closest if i in r.raw["topic_questions"]]
    questions = list(dict.fromkeys(questions))[:3]
    labels = tuple(r.raw["intents"][i]["label"] for i in closest)
    answer = Answer(
        question=u.question, intent=intent or u.intent, context={"stage": [], "stated_stage": list(u.stage),
                                                                "assumed_stage": False, "drugs": list(u.drugs),
                                                                "patient": None, "from_session": from_session},
        scope="not_covered", audience=audience, title="Not covered", summary_text=text, summary_refs=(),
        sections=(), follow_ups=tuple(questions), references=(), review_status=REVIEW_STATUS, last_updated=None,
        disclaimer=_clean(r.raw["audiences"][audience]["disclaimer"]), closest_topics=labels,
        understanding={**u.to_json(), "route": "not_covered", "not_covered_subject": subject}, session=session,
        pack_version=pack.version, topic=None)
    return _with_markdown(answer)
