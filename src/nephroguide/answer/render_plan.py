"""Markdown renderings of plans, doses and remission timelines. Presentation only: no decisions."""

from __future__ import annotations

from nephroguide.engine.types import (
    DoseAnswer,
    DoseResult,
    Plan,
    RecommendationOut,
    Reference,
    RemissionTimeline,
    Statement,
    Warning,
)

PENDING = "⚠ pending review"
_SEV = {"critical": "🛑 CRITICAL", "warning": "⚠ WARNING", "info": "ℹ info"}
_VERIFY = {"verified": "verified", "secondary": "secondary source only", "unverified": "not verified"}


_DERIVED_NAMES = {"age_years": "age (from the birth date)", "bsa_m2": "body surface area (Mosteller)",
                  "egfr": "eGFR (bedside Schwartz, from creatinine and height)", "edema": "edema (from the events)"}


def derived_md(paths: tuple[str, ...] | list[str]) -> str:
    """What nephroguide computed rather than read, in words ('medications[0].mg_per_day' is a field path a
    reader cannot act on)."""
    out: list[str] = []
    meds: list[int] = []
    for path in paths:
        if path.startswith("medications[") and "]" in path:
            i = path[len("medications["):path.index("]")]
            if i.isdigit() and int(i) + 1 not in meds:
                meds.append(int(i) + 1)
            continue
        out.append(_DERIVED_NAMES.get(path, path.replace("_", " ")))
    if meds:
        out.append("doses converted between mg, mg/kg and mg/m² (medication"
                   + ("s " if len(meds) > 1 else " ") + ", ".join(str(m) for m in sorted(meds)) + " of the record)")
    return ", ".join(out) or "nothing"


_ABBREVIATIONS = {"srns": "SRNS", "ssns": "SSNS", "frns": "FRNS", "sdns": "SDNS", "cni": "CNI", "mmf": "MMF",
                  "upcr": "UPCR", "egfr": "eGFR", "iv": "IV"}


def topic_md(topic: str) -> str:
    """A topic id as a heading a reader can use: 'srns_first_line' -> 'SRNS first line'."""
    words = [_ABBREVIATIONS.get(w, w) for w in topic.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def refs_md(refs: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(refs) + "]" if refs else ""


def grade_md(grade: str, verification: str) -> str:
    """'grade 1C; ⚠ pending review (secondary source only)' style tag."""
    tag = f"grade {grade}"
    if verification != "verified":
        tag += f"; {PENDING} ({_VERIFY.get(verification, verification)})"
    return tag


def statement_md(s: Statement) -> str:
    return f"{s.text} {refs_md(s.refs)} _({grade_md(s.grade, s.verification)})_"


def dose_line(d: DoseResult) -> str:
    return f"{d.statement.text} {refs_md(d.refs)} _({grade_md(d.grade, d.verification)})_"


def references_md(refs: tuple[Reference, ...]) -> list[str]:
    lines = ["## References", ""]
    for r in refs:
        kind = r.type.capitalize()
        link = f" https://doi.org/{r.doi}" if r.doi else (f" {r.url}" if r.url else "")
        status = "" if r.status in ("current", "research") else f" ({r.status})"
        lines.append(f"- **[{r.id}]** {kind}{status}: {r.citation}{link}")
    return lines


def warning_md(w: Warning) -> str:
    return f"- {_SEV[w.severity]} **{w.title}** — {w.text} {refs_md(w.refs)} _({grade_md(w.statement.grade, w.statement.verification)})_"


def _rec_md(r: RecommendationOut) -> list[str]:
    drugs = f" ({', '.join(d.replace('_', ' ') for d in r.drugs)})" if r.drugs else ""
    lines = [f"### {r.rank}. {r.action.upper()}: {r.title}{drugs}", ""]
    lines.append(statement_md(r.statements[0]))
    lines.append("")
    # where the child stands (what is being taken now, the phase, the stop date) comes before the doses
    extra = [s for s in r.statements[1:] if not any(s.kb_id == d.kb_id for d in r.doses)]
    if extra:
        lines.extend(f"- {statement_md(s)}" for s in extra)
        lines.append("")
    if r.doses:
        lines.append("**Doses for this child:**")
        for d in r.doses:
            lines.append(f"- {dose_line(d)}")
            if d.course:
                lines.append(f"  - course total: {'🛑 ' if d.course.crosses_limit else ''}{d.course.text}")
        lines.extend(f"  - note: {w}" for w in dict.fromkeys(w for d in r.doses for w in d.warnings))
        lines.append("")
    if r.cautions:
        lines.append("**Cautions:**")
        lines.extend(warning_md(c) for c in r.cautions)
    if r.monitoring:
        lines.append("**Monitoring:**")
        lines.extend(f"- {statement_md(m)}" for m in r.monitoring)
    lines.append(f"_Why here: {r.why}._" + (f" {r.rationale}" if r.rationale else ""))
    lines.append("")
    return lines


def plan_markdown(plan: Plan) -> str:
    """The plan as a clinician reads it: who, what course, what next, what to watch, sources."""
    p = plan.patient
    size = []
    if p.weight_kg is not None:
        size.append(f"{p.weight_kg:g} kg")
    if p.height_cm is not None:
        size.append(f"{p.height_cm:g} cm")
    if p.bsa_m2 is not None:
        size.append(f"BSA {p.bsa_m2:.2f} m²")
    if p.egfr is not None:
        size.append(f"eGFR {p.egfr:.0f}")
    who = f"{p.age_years:.1f} y, {p.sex}" + (f", {', '.join(size)}" if size else "")
    out = ["# nephroguide plan", "", f"**Patient:** {who} — as of {p.as_of.isoformat()}"
           + (f" (id {p.id})" if p.id else ""),
           f"**Derived by nephroguide:** {derived_md(p.derived)} · **Definitions:** {plan.definitions}"
           f" · **Knowledge pack:** {plan.pack_version}", ""]
    if plan.out_of_scope:
        out += ["> **Outside the pediatric scope.** nephroguide's recommendations are written for children "
                "(up to 18 years), so none are offered here; use adult guidelines. The classification below is "
                "shown for information only.", ""]
    c = plan.classification
    out += ["## Classification", ""]
    if not c.explanation:
        out.append("- No classification could be derived from the record.")
    for reason in c.explanation:
        src = "stated" if reason.stated else "derived"
        out.append(f"- **{reason.label}** ({src}): {reason.because} {refs_md(reason.refs)}")
    out.extend(f"- _note: {n}_" for n in c.notes)
    out.append("")
    if not plan.assessed and not plan.out_of_scope:
        out += ["## Not enough data to assess", "",
                "Nothing in the record establishes nephrotic syndrome or a treatment course to classify, so no "
                "next steps are listed." + (" Add:" if plan.missing_data else "")]
        out += [f"- {m}" for m in plan.missing_data] + [""]
    crit = [w for w in plan.warnings if w.severity == "critical"]
    if crit:
        out += ["## Critical", ""] + [warning_md(w) for w in crit] + [""]
    if plan.recommendations:
        out += ["## Next steps (ranked)", ""]
    elif plan.nothing_applies:
        out += ["## Next steps", "", f"{plan.nothing_applies[:1].upper()}{plan.nothing_applies[1:]}.", ""]
    else:
        out += ["## Next steps", "", "None: no recommendation in the knowledge pack applies to this record. Check the "
                "classification above; add missing labs, medications or a stated assessment.", ""]
    for r in plan.recommendations:
        out += _rec_md(r)
    if plan.left_out:
        out += ["## Not offered again", ""]
        out += [f"- **{x.title}** ({', '.join(d.replace('_', ' ') for d in x.drugs)}): {x.because} {refs_md(x.refs)}"
                for x in plan.left_out] + [""]
    rest = [w for w in plan.warnings if w.severity != "critical"]
    if rest:
        out += ["## Warnings", ""] + [warning_md(w) for w in rest] + [""]
    if plan.conflicts:
        out += ["## Where sources disagree", ""]
        for cf in plan.conflicts:
            out.append(f"- **{topic_md(cf.topic)}** — {cf.note}")
            for text, refs, current in cf.positions:
                out.append(f"  - {'**used**: ' if current else ''}{text} {refs_md(refs)}")
        out.append("")
    if plan.references:
        out += [*references_md(plan.references), ""]
    out += ["_Decision support only: check every dose and decision against the cited sources and the "
            "child's full clinical picture. Statements marked pending review rest on sources not yet checked "
            "against the primary document._", ""]
    return "\n".join(out)


def dose_markdown(ans: DoseAnswer) -> str:
    """The dose command's output."""
    size = f"{ans.weight_kg:g} kg" + (f", {ans.height_cm:g} cm (BSA {ans.bsa_m2:.2f} m²)" if ans.height_cm else "")
    chosen = " (chosen by nephroguide: the drug's commonest indication; pass --indication to change)" \
        if ans.indication_chosen else ""
    d = ans.dose
    out = [f"# {ans.drug.replace('_', ' ').capitalize()} — {ans.indication}{chosen}", ""]
    if ans.indication_note:
        out += [f"**Indication:** {ans.indication_note}.", ""]
    out += [f"**Child:** {size}", "", f"**Regimen:** {d.title}", "", f"**Dose:** {dose_line(d)}", ""]
    if d.cap_applied:
        out += [f"**Cap applied:** {'; '.join(d.caps)}", ""]
    out += [f"**Rounding:** {d.rounding}", ""]
    if d.cumulative_limit_mg:
        out += [f"**Cumulative limit:** {d.cumulative_limit_mg:g} mg for this weight", ""]
    if d.course:
        out += [f"**Course total:** {'🛑 ' if d.course.crosses_limit else ''}{d.course.text}", ""]
    for w in d.warnings:
        out += [f"⚠ {w}", ""]
    if ans.phases:
        out += ["**Next phases:**"] + [f"- {dose_line(p)}" for p in ans.phases] + [""]
    if ans.alternatives:
        # each alternative is named: under one indication they may be a different regimen altogether
        # (the 3 days of prednisolone at the start of a cold, beside low-dose maintenance)
        out += ["## Other regimens for this indication", ""] + \
            [line for a in ans.alternatives
             for line in (f"- **{a.title}**: {dose_line(a)}", *(f"  - ⚠ {w}" for w in a.warnings))] + [""]
    out += references_md(ans.references)
    return "\n".join(out) + "\n"


def remission_markdown(tl: RemissionTimeline) -> str:
    """The remission timeline as a table."""
    out = [f"# Remission timeline ({tl.definitions})", "", "| from | to | state | confirmed | results | note |",
           "|---|---|---|---|---|---|"]
    for e in tl.episodes:
        out.append(f"| {e.start} | {e.end} | {e.state} | {'yes' if e.confirmed else 'no'} | {len(e.evidence)} | "
                   f"{e.note} |")
    out += ["", "## Results", "", "| date | result | albumin | band |", "|---|---|---|---|"]
    for p in tl.points:
        out.append(f"| {p.date} | {p.display} | {p.albumin or '—'} | {p.state}"
                   + (f" ({p.undecided})" if p.undecided else "") + " |")
    out += [""] + [f"_note: {n}_" for n in tl.notes]
    out.append(f"Definitions cited: {refs_md(list(tl.refs))}")
    return "\n".join(out) + "\n"
