"""Typed models of the knowledge pack.

The pack is data (YAML files under ``knowledge/pack``); these models are its schema. Every model
forbids unknown keys so a typo in a pack file is an error naming the key, never silently ignored.
The JSON Schema published by ``nephroguide schema kb`` is generated from these classes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1

Verification = Literal["verified", "secondary", "unverified"]
SourceType = Literal["guideline", "research", "review"]
Strength = Literal["strong", "weak", "ungraded"]
Certainty = Literal["high", "moderate", "low", "very low", "ungraded"]
Severity = Literal["info", "warning", "critical"]
Action = Literal["start", "continue", "stop", "taper", "avoid", "consider", "test", "refer", "monitor",
                 "vaccinate", "defer"]
Indication = Literal["first_episode", "relapse", "frns", "sdns", "srns", "cni_resistant", "maintenance",
                     "edema", "hypertension", "transplant_recurrence", "confirmation_period", "genetic_srns", "ssns"]
DoseBasis = Literal["mg/kg/day", "mg/m2/day", "mg/kg/dose", "mg/m2/dose", "mg/day", "mg/dose", "g/kg/dose"]
Route = Literal["oral", "iv", "sc"]

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", min_length=2, max_length=80)]


class Strict(BaseModel):
    """Base for pack entities: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# --------------------------------------------------------------------------- sources and grades

class GradeScale(Strict):
    """How one grading system's written grades map to strength and certainty."""

    id: Id
    title: str
    # Regular expression with named groups ``strength`` and/or ``certainty`` matched against the
    # grade as written; the groups' text is looked up in the two tables below.
    pattern: str
    strength: dict[str, Strength]
    certainty: dict[str, Certainty]
    ungraded: list[str] = Field(default_factory=list, description="written grades that mean 'ungraded'")
    note: str = ""


class Source(Strict):
    """A guideline, study or review that statements cite."""

    id: Id
    type: SourceType
    organisation: str = ""
    title: str
    citation: str
    journal: str = ""
    year: int = Field(ge=1950, le=2100)
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    grading: Id | None = Field(None, description="id of the GradeScale the source grades with")
    access: Verification = Field(description="the best level at which any part of the source was read: primary text, a secondary account, or citation only")
    access_note: str = ""
    status: Literal["current", "superseded", "research"] = "current"
    superseded_by: list[Id] = Field(default_factory=list)


class Citation(Strict):
    """One source supporting a statement, with where in the source and how well it was checked."""

    source: Id
    location: str = Field("", description="rec / PP / figure / table number, or section")
    grade: str = Field("not graded", description="the source's own grade, as written")
    verification: Verification


# --------------------------------------------------------------------------- quantities and criteria

class Threshold(Strict):
    """A numeric limit stated in one or more units, as the source writes it.

    Several units are allowed because guidelines give rounded equivalents (UPCR 200 mg/mmol is
    written as 2 mg/mg, although the exact factor is 113); a value is compared in its own unit when
    the threshold gives that unit, and converted otherwise.
    """

    op: Literal["lt", "le", "gt", "ge"]
    values: dict[str, float] = Field(min_length=1, description="unit -> number, e.g. {'mg/mg': 0.2, 'mg/mmol': 20}")


class TestCriterion(Strict):
    """A lab result criterion: one test compared against thresholds (all must hold)."""

    test: str
    limits: list[Threshold] = Field(default_factory=list)
    values_in: list[str] | None = Field(None, description="categorical results that satisfy it (dipstick)")


class AlbuminRule(Strict):
    """The serum albumin part of a remission definition."""

    limits: list[Threshold]
    when_missing: Literal["fails", "ignored", "undecided"] = Field(
        description="what a missing albumin means: criterion not met, not needed, or cannot decide")
    window_days: int = Field(7, ge=0, le=60, description="albumin counts if taken within this many days of the urine test")


class ConsecutiveRule(Strict):
    """How many in-range urine results in a row a state needs."""

    count: int = Field(ge=1, le=10)
    basis: Literal["days", "occasions"] = Field(description="consecutive calendar days, or consecutive measurements")


class ProteinuriaState(Strict):
    """One remission or relapse state defined by urine protein (any listed test) plus albumin."""

    any_of: list[TestCriterion] = Field(min_length=1)
    albumin: AlbuminRule | None = None
    consecutive: ConsecutiveRule = ConsecutiveRule(count=1, basis="occasions")


class SteroidResponseRule(Strict):
    """When a course of standard-dose daily prednisolone shows steroid sensitivity or resistance."""

    standard_mg_m2_day: float = Field(60, gt=0, description="standard prednisolone dose per m² per day")
    standard_mg_kg_day: float = Field(2, gt=0, description="standard prednisolone dose per kg per day")
    standard_max_mg_day: float = Field(60, gt=0, description="cap of the standard daily dose")
    standard_dose_fraction: float = Field(0.8, gt=0, le=1, description="a daily dose at or above this fraction of the standard dose (or at its cap) counts as standard")
    resistance_day: int = Field(ge=7, le=120, description="no complete remission by this day of standard-dose therapy means resistance (or the confirmation period)")
    confirmation_end_day: int | None = Field(None, description="end of the confirmation period for partial responders; null when the set has none")
    confirmation_for: Literal["partial_remission", "any"] = "partial_remission"


class RelapseFrequencyRule(Strict):
    """Thresholds for frequently relapsing disease."""

    first_window_months: int = 6
    first_window_min_relapses: int = 2
    any_window_months: int = 12
    any_window_min_relapses: int


class SteroidDependenceRule(Strict):
    """Thresholds for steroid dependence."""

    consecutive_relapses: int = 2
    within_days_of_stopping: int = 14


class CniResponseRule(Strict):
    """Response to a calcineurin inhibitor."""

    resistant_after_months: int = 6
    responsive_partial_by_months: int = 6
    responsive_complete_by_months: int = 12


class MultidrugResistanceRule(Strict):
    """No complete remission after N months of M mechanistically distinct steroid-sparing agents."""

    agents: int = 2
    months: int = 12


class NephroticRule(Strict):
    """Nephrotic syndrome: nephrotic-range proteinuria plus low albumin (or edema if no albumin)."""

    proteinuria: list[TestCriterion] = Field(min_length=1)
    albumin_below: Threshold
    edema_if_no_albumin: bool = True


class Definition(Strict):
    """A defined term, in words, with its citations; its machine form lives in the definition set."""

    id: Id
    term: str
    text: str
    family_text: str
    student_note: str = ""
    citations: list[Citation] = Field(min_length=1)
    labels: list[str] = Field(default_factory=list, description="classification labels this term defines")


class DefinitionSet(Strict):
    """A named, versioned set of definitions used to classify a course or a cohort."""

    schema_version: Literal[1] = 1
    id: Id
    title: str
    status: Literal["current", "superseded", "study", "user"]
    version: str = "1"
    description: str = ""
    citations: list[Citation] = Field(min_length=1)
    complete_remission: ProteinuriaState
    partial_remission: ProteinuriaState
    relapse: ProteinuriaState | None = None
    nephrotic: NephroticRule | None = None
    steroid_response: SteroidResponseRule | None = None
    relapse_frequency: RelapseFrequencyRule | None = None
    steroid_dependence: SteroidDependenceRule | None = None
    cni_response: CniResponseRule | None = None
    multidrug_resistance: MultidrugResistanceRule | None = None
    definitions: list[Definition] = Field(default_factory=list)
    remission_dating: Literal["first_qualifying", "confirmed"] = Field(
        "first_qualifying",
        description="how a cohort dates a remission that needs consecutive results: the first of the qualifying "
                    "results (as trials and case series count time to remission) or the result that completed "
                    "the run (the day the definition was confirmed)")


# --------------------------------------------------------------------------- applicability

class Condition(Strict):
    """A structured applicability test, evaluated against a child's facts.

    Exactly one of the keys is set. ``all``/``any``/``not`` combine; ``label`` tests a
    classification label; ``fact`` compares a named fact (age_years, egfr, weight_kg, ...);
    ``drug_current``/``drug_ever`` and ``class_current``/``class_ever`` test medications;
    ``gene_in`` tests reported pathogenic genes; ``histology_in`` tests biopsy histology.
    A fact that is missing makes a comparison *unknown*; ``if_missing`` says how to read that.
    """

    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(None, alias="not")
    label: str | None = None
    fact: str | None = None
    op: Literal["lt", "le", "gt", "ge", "eq", "ne", "in"] | None = None
    value: Any = None
    drug_current: str | None = None
    drug_ever: str | None = None
    class_current: str | None = None
    class_ever: str | None = None
    gene_in: list[str] | None = None
    histology_in: list[str] | None = None
    if_missing: Literal["false", "true"] = "false"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [k for k in ("all", "any", "not_", "label", "fact", "drug_current", "drug_ever",
                             "class_current", "class_ever", "gene_in", "histology_in")
                 if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a condition needs exactly one of all/any/not/label/fact/drug_current/drug_ever/"
                             f"class_current/class_ever/gene_in/histology_in (got {kinds or 'none'})")
        if self.fact is not None and (self.op is None or self.value is None):
            raise ValueError("a 'fact' condition needs 'op' and 'value'")
        return self


# --------------------------------------------------------------------------- dosing

class DoseBasisValue(Strict):
    """One way a source writes the dose (several may be given, e.g. 60 mg/m²/day or 2 mg/kg/day)."""

    basis: DoseBasis
    value: float = Field(gt=0)
    high: float | None = Field(None, gt=0, description="upper end when the source gives a range")

    @model_validator(mode="after")
    def _range_order(self) -> DoseBasisValue:
        if self.high is not None and self.high < self.value:
            raise ValueError("'high' must not be below 'value'")
        return self


class TargetLevel(Strict):
    """A target drug level (trough) or exposure."""

    test: str
    low: float
    high: float | None = None
    unit: str
    note: str = ""


class DoseRule(Strict):
    """How to dose one drug for one indication, according to one source."""

    id: Id
    drug: str
    indication: Indication
    title: str
    route: Route
    bases: list[DoseBasisValue] = Field(min_length=1, description="first basis usable with the child's data is used")
    max_mg_per_dose: float | None = Field(None, gt=0)
    max_mg_per_day: float | None = Field(None, gt=0)
    doses_per_day: float = Field(1, gt=0, description="divisions per dosing day")
    schedule: Literal["daily", "alternate_days", "single", "monthly", "weekly", "days"] = "daily"
    schedule_days: list[int] | None = Field(None, description="for schedule 'days': which days (1 = first)")
    regimen: Id | None = Field(None, description="rules sharing a regimen id are its phases (default: the rule's own id)")
    phase: str = Field("", description="for multi-phase regimens, e.g. 'weeks 1-4, daily'")
    phase_order: int = Field(1, ge=1, le=10, description="order of this rule among its regimen's phases")
    duration: str = ""
    round_to_mg: float = Field(0.01, gt=0, description="per-dose rounding step in mg")
    target: TargetLevel | None = None
    cumulative_max_mg_per_kg: float | None = Field(None, gt=0)
    renal_avoid_egfr_below: float | None = None
    notes: str = ""
    family_text: str = ""
    citations: list[Citation] = Field(min_length=1)
    preferred: bool = Field(False, description="the rule used when several sources dose the same drug and indication")
    ceiling: bool = Field(False, description="the source gives an upper limit ('less than X'), not a dose to give")
    time_of_day: Literal["", "morning", "evening"] = Field(
        "", description="when the source says to give a once-daily dose ('single morning dose')")
    phase_days: list[int] = Field(
        default_factory=list, description="the phase's length in days; several when the source allows "
                                          "alternatives (4 or 6 weeks: [28, 42]); places a child within a course")
    course_dosing_days: int | None = Field(
        None, ge=1, description="dosing days (or infusions) in this phase, for the projected course total "
                                "(default: from schedule_days, or from the first phase_days and the schedule)")
    within: list[Indication] = Field(
        default_factory=list, description="broader indications this rule's indication lies within "
                                          "(cni_resistant within srns): `dose --indication srns` finds it")


# --------------------------------------------------------------------------- recommendations and friends

class Recommendation(Strict):
    """A recommendation or practice point, with its applicability criteria as data."""

    id: Id
    kind: Literal["recommendation", "practice_point", "figure_statement", "narrative", "definition_note"]
    topic: str
    title: str
    action: Action
    drugs: list[str] = Field(default_factory=list)
    text: str
    family_text: str
    student_note: str = ""
    citations: list[Citation] = Field(min_length=1)
    applies_when: Condition | None = None
    priority: int = Field(50, ge=0, le=1000, description="lower ranks first among applicable recommendations")
    dose_rules: list[Id] = Field(default_factory=list)
    cautions: list[Id] = Field(default_factory=list)
    monitoring: list[Id] = Field(default_factory=list)
    conflicts: list[Id] = Field(default_factory=list)
    evidence: list[Id] = Field(default_factory=list, description="study evidence ids")
    rationale: str = Field("", description="why this option ranks where it does")
    last_reviewed: dt.date
    status: Literal["current", "superseded"] = "current"
    superseded_by: Id | None = None


class Caution(Strict):
    """A caution or contraindication that applies to a child matching its criteria."""

    id: Id
    kind: Literal["caution", "contraindication", "monitoring", "screening"]
    severity: Severity
    title: str
    text: str
    family_text: str
    general_text: str = Field("", description="the caution stated as a rule, for answers without a patient "
                                              "record (never 'has reached'); used when the condition is not met")
    general_family_text: str = ""
    citations: list[Citation] = Field(min_length=1)
    applies_when: Condition | None = None
    drugs: list[str] = Field(default_factory=list, description="drugs whose use triggers this caution")
    last_reviewed: dt.date


class Position(Strict):
    """One side of a conflict."""

    text: str
    citations: list[Citation] = Field(min_length=1)
    current: bool = False


class Conflict(Strict):
    """Statements that disagree across sources or versions, and which one nephroguide uses."""

    id: Id
    topic: str
    positions: list[Position] = Field(min_length=2)
    note: str
    family_note: str = ""
    last_reviewed: dt.date


class StudyResult(Strict):
    """One reported result, with its numbers."""

    text: str
    numbers: dict[str, float | int | str] = Field(default_factory=dict)


class LibraryPointer(Strict):
    """Where in a paper the evidence library should look: the document (by DOI), a search that
    finds the passage, and optionally its section. The pack holds no third-party text; the quote is
    read at answer time from the copy the user has ingested (``nephroguide ingest``)."""

    doi: str
    query: str = Field(min_length=3)
    section: str = ""
    about: str = Field("", description="what the passage supports, e.g. 'remission rate'")


class StudyEvidence(Strict):
    """A study's structured summary: design, size, population, intervention, results."""

    id: Id
    source: Id
    title: str
    design: str
    n: int | None = Field(None, ge=0)
    population: str
    intervention: str
    comparator: str = ""
    outcomes: str = ""
    results: list[StudyResult] = Field(default_factory=list)
    limitations: str = ""
    citations: list[Citation] = Field(min_length=1)
    drugs: list[str] = Field(default_factory=list)
    library: list[LibraryPointer] = Field(default_factory=list, description="passages in the user's library")
    last_reviewed: dt.date


class DrugEntry(Strict):
    """A drug nephroguide knows: generic name, class, and the names people write for it."""

    id: Id
    generic: str
    drug_class: str
    mechanism: str = Field(description="mechanism group for 'mechanistically distinct' agents")
    steroid_sparing: bool = False
    aliases: list[str] = Field(default_factory=list)
    equivalent_to: Id | None = Field(None, description="treated as this drug (prednisone -> prednisolone)")
    default_indication: Indication | None = Field(
        None, description="the commonest indication in childhood nephrotic syndrome (used by `dose` without --indication)")
    failed_when: Condition | None = Field(
        None, description="when the child's course shows no response to this drug at an adequate dose and duration "
                          "(e.g. the label cni_resistant for a CNI): plans then do not offer it again and say why")


# --------------------------------------------------------------------------- the whole disease: facts and direct answers

Topic = Literal[
    "presentation", "causes", "workup", "biopsy", "genetics", "first_episode", "relapse", "frns_sdns",
    "srns", "time_to_remission", "complications", "infection", "thrombosis", "hypovolaemia_aki",
    "lipids", "hypertension", "thyroid", "anaemia", "supportive_care", "edema", "diet", "bone", "growth",
    "adverse_effects", "monitoring", "vaccination", "prognosis", "transplant", "home_monitoring",
    "warning_signs", "daily_life", "school_sport", "travel", "transition", "psychosocial", "congenital",
    "definitions", "treatment",
]


class Fact(Strict):
    """One statement about the disease outside the patient engine's pathway: presentation, causes,
    complications, adverse effects, prognosis, genetics, home care, daily life, congenital NS.

    ``text`` is the clinician wording, ``family_text`` plain words (reading grade 6-8, every medicine
    named); both are our own words, never a source's sentences. ``keywords`` are the words people use
    for the subject that the text does not contain (``tummy``, ``puffy eyes``), used only for
    retrieval. Facts that are secondary or unverified render as pending review like every statement.
    """

    id: Id
    topic: Topic
    subject: str = Field(min_length=2, max_length=80, description="what the fact is about, in plain words ('peritonitis', 'salt in the diet')")
    title: str
    text: str
    family_text: str
    student_note: str = ""
    keywords: list[str] = Field(default_factory=list)
    drugs: list[str] = Field(default_factory=list)
    statistic: bool = Field(False, description="the text reports study numbers (rates, RR/CI): kept out of family answers")
    citations: list[Citation] = Field(min_length=1)
    conflicts: list[Id] = Field(default_factory=list)
    last_reviewed: dt.date


Audience = Literal["clinician", "family", "student"]
ALL_AUDIENCES: tuple[Audience, ...] = ("clinician", "family", "student")


# The treatment-pathway question a direct answer can answer (the answerer's intents, answer/data/understanding.yaml).
PathwayIntent = Literal["first_episode_treatment", "relapse_treatment", "frns_sdns_treatment", "srns_next_step",
                        "cni_resistant_next_step", "dosing", "evidence", "definition", "workup", "biopsy", "genetics",
                        "monitoring"]


class OtherWay(Strict):
    """A yes/no answer's first line for the question asked the other way round ("will her kidneys be ok?" beside
    "will her kidneys fail?"): the same facts, with the opposite Yes/No."""

    answer: str
    family_answer: str


class DirectAnswer(Strict):
    """A curated direct answer to one question people ask, in several phrasings.

    ``answer`` is what the first line of a clinician answer says, ``family_answer`` the first line for a
    family: yes/no questions start with Yes or No, "which" names the option, "how much" gives the amount,
    "when" the time. ``support`` lists the pack entries (facts, recommendations, cautions, definitions,
    conflicts, studies) that back it, most relevant first; they follow the answer in that order.
    """

    id: Id
    topic: Topic
    asks: list[str] = Field(min_length=1, description="ways people ask this question (used for matching)")
    answer: str
    family_answer: str
    support: list[Id] = Field(default_factory=list)
    citations: list[Citation] = Field(min_length=1)
    audiences: list[Audience] = Field(default_factory=lambda: list(ALL_AUDIENCES))
    last_reviewed: dt.date
    intent: PathwayIntent | None = Field(
        default=None, description="the pathway step it answers when its topic alone does not say (after CNI failure)")
    not_for: Condition | None = Field(
        default=None, description="a situation the answer is not written for: a question that states it (a child "
        "with SRNS, a child on tacrolimus) never gets this answer ('No, not if it goes away with prednisolone')")
    other_way: OtherWay | None = Field(
        default=None, description="the first line for the question asked the other way round from its phrasings "
        "(their polarity: retrieval.yaml); without it, an opposite question gets the answer without its Yes/No")
    asked_way: Literal["positive", "negative"] | None = Field(
        default=None, description="the way round its Yes/No answers ('negative': 'can steroids weaken the bones?' "
        "-> Yes means harm), when its first phrasing that has a polarity would say otherwise")
    gap: str | None = Field(
        default=None, description="what the question commonly asks that no stored source gives, in plain words "
        "('how long to give co-trimoxazole after rituximab'): an answer with a gap is only partly covered, and says so")
    gap_asked: str | None = Field(
        default=None, description="a pattern (regex, case-insensitive) of the words that ask for the gap ('aciclovir'): "
        "when given, only a question matching it is told of the gap; without it, every question the answer answers")

    asked_when: str | None = Field(
        default=None, description="a pattern (regex, case-insensitive) the question's own words must match for this "
        "answer to be given ('UPCR' named, not as a value): a story that only quotes a result never gets it")

    not_when: str | None = Field(
        default=None, description="a pattern (regex, case-insensitive) that the whole message, story included, must not "
        "match for this answer to be given, to any of its questions ('off all medicines for 8 months': no 'Not yet, "
        "keep testing for 6 months after stopping')")

    @field_validator("gap_asked", "asked_when", "not_when")
    @classmethod
    def _gap_asked_compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:   # a typo in the pack is a load error naming the field, never a crash when asked
                raise ValueError(f"not a valid pattern: {exc}") from None
        return v


class KnowledgeFile(Strict):
    """The top-level shape of every pack file (except definition sets)."""

    schema_version: Literal[1] = 1
    grade_scales: list[GradeScale] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    drugs: list[DrugEntry] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(default_factory=list)
    dose_rules: list[DoseRule] = Field(default_factory=list)
    cautions: list[Caution] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    studies: list[StudyEvidence] = Field(default_factory=list)
    definitions: list[Definition] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    answers: list[DirectAnswer] = Field(default_factory=list)

    @field_validator("*", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v


Condition.model_rebuild()
