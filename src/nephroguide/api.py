"""The Python API: ``plan()``, ``dose()``, ``classify()``, ``remission()`` (and the later stages).

Shells (CLI, HTTP, CDS Hooks) call these and nothing deeper. "Today" is read here, once, and passed
down as a date so the engine stays deterministic.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from nephroguide.engine.types import Classification, DoseAnswer, Plan, RemissionTimeline
from nephroguide.errors import InputError, UnknownNameError
from nephroguide.intake.types import Patient


def _today() -> dt.date:
    return dt.date.today()


def _pack(pack_dir: str | Path | None = None) -> Any:
    from nephroguide.knowledge.pack import load_pack

    return load_pack(pack_dir)


def load(patient: Any, as_of: str | dt.date | None = None) -> Patient:
    """Validate a patient record (dict, a JSON/YAML file path, or a normalised Patient) into a Patient."""
    if isinstance(patient, (str, Path)):
        from nephroguide.intake.record import read_record_file

        patient = read_record_file(Path(patient))
    if isinstance(patient, Patient):
        if as_of is not None:
            raise InputError("as_of cannot be changed on an already-loaded patient; pass the record", field="as_of")
        return patient
    from nephroguide.intake.record import load_patient

    return load_patient(patient, as_of=as_of, today=_today())


def plan(patient: Any, *, as_of: str | dt.date | None = None, definitions: str = "current") -> Plan:
    """Classify a child's course and return ranked, cited, dosed next steps."""
    from nephroguide.engine.plan import make_plan

    pack = _pack()
    dset = pack.definition_set(definitions)
    return make_plan(load(patient, as_of), pack, dset)


def classify(patient: Any, *, as_of: str | dt.date | None = None, definitions: str = "current") -> Classification:
    """The classification labels (with explanations) for a child."""
    from nephroguide.engine.classify import classify_course

    pack = _pack()
    return classify_course(load(patient, as_of), pack.definition_set(definitions), pack)[0]


def remission(patient: Any, *, as_of: str | dt.date | None = None, definitions: str = "current") -> RemissionTimeline:
    """The remission / relapse timeline of a child's urine results under a definition set."""
    from nephroguide.engine.remission import build_timeline, episodes

    pack = _pack()
    dset = pack.definition_set(definitions)
    p = load(patient, as_of)
    tl = build_timeline(p.labs, dset)
    refs = tuple(dict.fromkeys(c.source for c in dset.citations))
    notes = []
    if not tl.points:
        notes.append("no urine protein results (upcr, urine_protein_24h or dipstick) in the record")
    return RemissionTimeline(definitions=dset.id, points=tl.points, episodes=tuple(episodes(tl)), refs=refs,
                             notes=tuple(notes), pack_version=pack.version)


def dose(drug: str, *, weight_kg: float, height_cm: float | None = None, indication: str | None = None,
         egfr: float | None = None) -> DoseAnswer:
    """Dose a drug for a child's size from the pack's dose rules (main regimen, phases, alternatives)."""
    import dataclasses

    from nephroguide.engine.dosing import bsa_mosteller, check_size, compute_dose
    from nephroguide.engine.plan import course_totals, references
    from nephroguide.intake.drugs import resolve_drug

    pack = _pack()
    check_size(weight_kg, height_cm)
    entry = resolve_drug(drug)
    generic = entry.equivalent_to or entry.id
    rules = [r for r in pack.dose_rules.values() if r.drug == generic]
    if not rules:
        raise UnknownNameError(f"no dose rule for {generic} in the knowledge pack", field="drug")
    indications = sorted({r.indication for r in rules})
    chosen = indication is None
    if indication is None:
        indication = pack.drugs[generic].default_indication or indications[0]
        if indication not in indications:
            indication = indications[0]
    asked: str | None = None
    if indication not in indications:
        # The pack's indication hierarchy (dose rules' `within`): srns has no rituximab rule, but the narrower
        # cni_resistant does; use it and say so. List the choices only when more than one narrower one fits.
        narrower = sorted({r.indication for r in rules if indication in r.within})
        if len(narrower) != 1:
            hint = (f"{indication!r} covers several: {', '.join(narrower)}; pass one of them" if narrower
                    else f"available: {', '.join(indications)}")
            raise InputError(f"no {generic} dose rule for indication {indication!r}; {hint}", field="indication")
        asked, indication = indication, narrower[0]
    matching = [r for r in rules if r.indication == indication]
    main_rule = next((r for r in matching if r.preferred and r.phase_order == 1), None) or \
        sorted(matching, key=lambda r: (r.phase_order, r.id))[0]
    main_regimen = main_rule.regimen or main_rule.id
    phase_rules = sorted((r for r in matching if (r.regimen or r.id) == main_regimen and r.id != main_rule.id),
                         key=lambda r: r.phase_order)
    alt_rules = sorted((r for r in matching if (r.regimen or r.id) != main_regimen),
                       key=lambda r: (r.regimen or r.id, r.phase_order))
    main = compute_dose(main_rule, pack, weight_kg, height_cm, egfr)
    phases = tuple(compute_dose(r, pack, weight_kg, height_cm, egfr) for r in phase_rules)
    alternatives = []
    for r in alt_rules:
        try:
            alternatives.append(compute_dose(r, pack, weight_kg, height_cm, egfr))
        except InputError:
            continue  # an alternative that needs a size we do not have is left out, not guessed
    from nephroguide.engine.dosing import flag_other_maxima
    main, *alternatives = flag_other_maxima([main, *alternatives], pack)
    # the projected total of the chosen regimen (all its phases) and its cumulative limit, as in plans
    totals = course_totals([main_rule, *phase_rules], {d.kb_id: d for d in (main, *phases)}, pack,
                           weight_kg=weight_kg, bsa_m2=bsa_mosteller(height_cm, weight_kg) if height_cm else None)
    if main.kb_id in totals:
        main = dataclasses.replace(main, course=totals[main.kb_id])
    cited = [s for d in (main, *phases, *alternatives) for s in d.refs]
    bsa = round(bsa_mosteller(height_cm, weight_kg), 2) if height_cm else None
    return DoseAnswer(drug=generic, drug_given=drug, indication=indication, indication_chosen=chosen,
                      indication_asked=asked,
                      weight_kg=weight_kg, height_cm=height_cm, bsa_m2=bsa, dose=main, phases=phases,
                      alternatives=tuple(alternatives), references=references(pack, cited), pack_version=pack.version)


def ask(question: str, *, audience: str = "clinician", patient: Any = None, session: str | None = None,
        today: str | dt.date | None = None, home: str | Path | None = None, detail: str = "brief") -> Any:
    """Answer a free-text question with a cited, graded article (``nephroguide.answer.model.Answer``).

    ``patient``: a patient record (dict or file path); ``session``: ``"new"`` or an existing session id
    (follow-up context in the store; without it nothing is read or written); ``today``: the date the
    question is asked (default: the clock, read here once); ``detail``: ``"brief"`` (the answer and its key
    points) or ``"full"`` (the whole article).
    """
    from nephroguide.answer.ask import answer_question

    try:
        day = dt.date.fromisoformat(today) if isinstance(today, str) else (today or _today())
    except ValueError:
        raise InputError(f"{today!r} is not a date (YYYY-MM-DD)", field="today") from None
    return answer_question(question, audience=audience, patient=patient, session=session, today=day, home=home,
                           detail=detail)


def cohort(labs_csv: Any, patients_csv: Any = None, *, definitions: str = "current",
           index_event: str | None = None, index_from: str = "auto") -> Any:
    """Outcomes of a cohort (long CSV of labs and events) under a definition set (``CohortResult``)."""
    from nephroguide.cohort import cohort as run_cohort

    return run_cohort(labs_csv, patients_csv, definitions, index_event, index_from=index_from)


def search(query: str, *, k: int = 10, home: str | Path | None = None) -> Any:
    """Search the evidence library's passages (``SearchResult``)."""
    from nephroguide.library import search as run_search

    return run_search(query, k=k, home=home)


def ingest(paths: Any, *, home: str | Path | None = None) -> Any:
    """Add papers and guidelines (PDF, text, JATS/PubMed XML) to the evidence library (``IngestReport``)."""
    from nephroguide.library import ingest as run_ingest

    return run_ingest(paths, home=home)
