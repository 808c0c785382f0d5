"""The cohort figure: one small panel per patient, UPCR (log scale) against months from time zero.

Each panel shows the patient's UPCR results coloured by the band the remission engine put them in
(results the set reads as "no remission" at or above its nephrotic-range limit in the nephrotic
colour), the definition set's complete-remission, partial-remission and nephrotic-range thresholds as
horizontal lines, every event (infusions, drug starts, ...) as a vertical line, and the date the
outcome was reached as a star. Output is deterministic: fixed width and DPI, the height fixed by the
number of panel rows, DejaVu Sans at fixed sizes, a fixed SVG hash salt, text as paths and no dates
or software versions in the file metadata, so the same input gives the same bytes.

matplotlib is imported here only, inside the function that draws (``import nephroguide`` stays lean),
and only through its object-oriented API with the Agg canvas (no pyplot, no global backend switch).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from nephroguide.errors import InputError

if TYPE_CHECKING:
    from nephroguide.cohort.summary import CohortResult
    from nephroguide.knowledge.models import ProteinuriaState, TestCriterion

# Sizes are binary fractions of an inch, so width and height are whole pixels at any number of rows.
WIDTH_IN = 7.5            # a two-column journal figure
PANEL_HEIGHT_IN = 2.0
MARGIN_HEIGHT_IN = 1.5    # title, axis labels and legend
NCOLS = 4
DPI = 150
MAX_PANELS = 48
FONT = "DejaVu Sans"
Y_LIMITS = (0.02, 30.0)   # mg/mg; results outside are drawn at the edge
Y_TICKS = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20)

BAND_COLOURS = {"complete_remission": "#1b7837", "partial_remission": "#e08214", "no_remission": "#5e5e5e",
                "relapse_range": "#b2182b"}
BAND_LABELS = {"complete_remission": "result in CR range", "partial_remission": "result in PR range",
               "no_remission": "no remission", "relapse_range": "relapse / nephrotic range"}
EVENT_COLOURS = ("#2166ac", "#762a83", "#8c510a", "#01665e", "#c51b7d", "#4d4d4d")
LineStyle = Literal["--", ":"]
RC: dict[str, Any] = {
    "font.family": "sans-serif", "font.sans-serif": [FONT], "font.size": 7, "axes.titlesize": 7,
    "axes.labelsize": 7, "xtick.labelsize": 6, "ytick.labelsize": 6, "legend.fontsize": 6.5,
    "figure.titlesize": 8, "svg.hashsalt": "nephroguide-cohort", "svg.fonttype": "path",
    "axes.linewidth": 0.6, "lines.linewidth": 0.8, "path.simplify": False, "figure.dpi": DPI,
    "savefig.dpi": DPI,
}


def figure_size(n_panels: int) -> tuple[float, float]:
    """(width, height) in inches for ``n_panels`` panels: fixed width, height by rows."""
    rows = max(1, math.ceil(n_panels / NCOLS))
    return WIDTH_IN, rows * PANEL_HEIGHT_IN + MARGIN_HEIGHT_IN


def figure_pixels(n_panels: int) -> tuple[int, int]:
    """The PNG's size in pixels for ``n_panels`` panels."""
    w, h = figure_size(n_panels)
    return round(w * DPI), round(h * DPI)


def _upcr_limit(state: ProteinuriaState | None, ops: tuple[str, ...]) -> float | None:
    """The state's UPCR limit (mg/mg) with one of ``ops`` (e.g. the upper end of partial remission)."""
    if state is None:
        return None
    return _criteria_limit(state.any_of, ops)


def _criteria_limit(criteria: list[TestCriterion], ops: tuple[str, ...]) -> float | None:
    from nephroguide.intake.units import convert

    for crit in criteria:
        if crit.test != "upcr":
            continue
        for t in crit.limits:
            if t.op in ops:
                if "mg/mg" in t.values:
                    return t.values["mg/mg"]
                unit, value = next(iter(t.values.items()))
                return convert("upcr", value, unit, "mg/mg")
    return None


def thresholds(result: CohortResult) -> list[tuple[str, float, str, LineStyle]]:
    """(label, mg/mg, colour, line style) of the set's CR, PR and nephrotic UPCR limits."""
    dset = result.dset
    out: list[tuple[str, float, str, LineStyle]] = []
    cr = _upcr_limit(dset.complete_remission, ("lt", "le"))
    if cr is not None:
        out.append((f"CR limit ({cr:g} mg/mg)", cr, BAND_COLOURS["complete_remission"], "--"))
    pr = _upcr_limit(dset.partial_remission, ("lt", "le"))
    neph = _criteria_limit(dset.nephrotic.proteinuria, ("ge", "gt")) if dset.nephrotic else None
    if neph is None:
        neph = _upcr_limit(result.definitions.relapse_state, ("ge", "gt"))
    if pr is not None and pr != neph:
        out.append((f"PR upper limit ({pr:g} mg/mg)", pr, BAND_COLOURS["partial_remission"], "--"))
    if neph is not None:
        label = "PR upper limit = nephrotic range" if pr == neph else "nephrotic range"
        out.append((f"{label} ({neph:g} mg/mg)", neph, BAND_COLOURS["relapse_range"], ":"))
    return out


def render(result: CohortResult, fmt: str, *, max_patients: int = MAX_PANELS) -> bytes:
    """The figure as PNG or SVG bytes."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    from nephroguide.cohort.outcomes import MONTH_DAYS
    from nephroguide.cohort.summary import SHORT
    from nephroguide.engine.remission import classify_points

    patients = result.patients[:max_patients]
    n = max(1, len(patients))
    ncols = min(NCOLS, n)
    nrows = math.ceil(n / ncols)
    events = result.data.event_names()
    event_colour = {e: EVENT_COLOURS[i % len(EVENT_COLOURS)] for i, e in enumerate(events)}
    lines = thresholds(result)
    nephrotic = next((v for label, v, _c, _s in lines if "nephrotic" in label), None)
    lo, hi = Y_LIMITS

    with rc_context(cast(Any, RC)):
        fig = Figure(figsize=figure_size(n), dpi=DPI)
        FigureCanvasAgg(fig)
        top = 1 - 0.45 / figure_size(n)[1]
        bottom = 1.0 / figure_size(n)[1]
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
        fig.subplots_adjust(left=0.08, right=0.99, top=top, bottom=bottom, wspace=0.12, hspace=0.55)
        for k, ax in enumerate(axes.flat):
            if k >= len(patients):
                ax.set_visible(False)
                continue
            o = patients[k]
            rows = result.data.patients[o.patient_id]
            t0 = o.index_date or (rows.labs[0].date if rows.labs else None)
            states = {pt.date: pt.state for pt in classify_points(rows.labs, result.dset)}
            xs: list[float] = []
            ys: list[float] = []
            colours: list[str] = []
            for lab in rows.labs:
                if lab.test != "upcr" or lab.value is None or t0 is None:
                    continue
                xs.append((lab.date - t0).days / MONTH_DAYS)
                ys.append(min(max(lab.value, lo), hi))
                band = states.get(lab.date, "no_remission")
                if band == "no_remission" and nephrotic is not None and lab.value >= nephrotic:
                    band = "relapse_range"
                colours.append(BAND_COLOURS.get(band, BAND_COLOURS["no_remission"]))
            for _label, value, colour, style in lines:
                ax.axhline(value, color=colour, linestyle=style, linewidth=0.6, zorder=1)
            if t0 is not None:
                for ev in rows.events:
                    ax.axvline((ev.date - t0).days / MONTH_DAYS, color=event_colour[ev.name], linewidth=0.5,
                               alpha=0.7, zorder=0)
            if xs:
                ax.plot(xs, ys, color="#9e9e9e", linewidth=0.6, zorder=2)
                ax.scatter(xs, ys, c=colours, s=7, zorder=3, linewidths=0)
            if o.remission_date is not None and t0 is not None:
                rx = (o.remission_date - t0).days / MONTH_DAYS
                ry = next((min(max(lab.value, lo), hi) for lab in rows.labs
                           if lab.test == "upcr" and lab.date == o.remission_date and lab.value is not None), lo * 1.5)
                ax.scatter([rx], [ry], marker="*", s=40, color="#000000", zorder=4, linewidths=0)
            months = "" if o.months_to_remission is None else f", {o.months_to_remission:g} mo"
            if o.remission_before_index:
                months = ", before index"
            ax.set_title(f"Patient {o.patient_id}: {SHORT[o.outcome]}{months}", pad=2)
            ax.set_yscale("log")
            ax.set_ylim(lo, hi)
            ax.yaxis.set_major_locator(FixedLocator(Y_TICKS))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
            if xs:
                # events after the first result (a later dialysis, say) widen the axis; earlier ones do not
                later = [(ev.date - t0).days / MONTH_DAYS for ev in rows.events] if t0 is not None else []
                xmin = min(0.0, min(xs))
                xmax = max([1.0, *xs, *(x for x in later if x >= xmin)])
                pad = 0.03 * (xmax - xmin)
                ax.set_xlim(xmin - pad, xmax + pad)
            ax.tick_params(length=2, pad=1)
            if k % ncols == 0:
                ax.set_ylabel("UPCR (mg/mg)")
            if k >= len(patients) - ncols:
                ax.set_xlabel("months from time zero")
        shown = f" (first {len(patients)} of {len(result.patients)} patients)" if len(result.patients) > len(patients) else ""
        fig.suptitle(f"UPCR by months from {result.index.describe()} under {result.dset.id}{shown}")
        handles: list[Any] = [Line2D([], [], marker="o", linestyle="", markersize=3, color=c, label=BAND_LABELS[b])
                              for b, c in BAND_COLOURS.items()]
        handles += [Line2D([], [], color=c, linestyle=s, linewidth=0.8, label=label) for label, _v, c, s in lines]
        handles.append(Line2D([], [], marker="*", linestyle="", markersize=6, color="#000000",
                              label="outcome reached"))
        handles += [Line2D([], [], color=event_colour[e], linewidth=0.8, label=e.replace("_", " ")) for e in events]
        fig.legend(handles=handles, loc="lower center", ncol=5, frameon=False, bbox_to_anchor=(0.5, 0.0),
                   handlelength=1.6, columnspacing=1.0)
        return _save(fig, fmt)


def _save(fig: Any, fmt: str) -> bytes:
    """PNG or SVG bytes without dates or software versions (the same figure gives the same bytes)."""
    buf = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    else:
        fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def check_figure_path(path: str | Path, option: str) -> str:
    """'png' or 'svg' from the file name; an InputError naming the option otherwise."""
    return _format(path, option)


def _format(path: str | Path, option: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise InputError(f"--{option} {str(path)!r}: the file name must end in .png or .svg", field=option)
    return suffix[1:]


def write_figure(result: CohortResult, path: str | Path, *, max_patients: int = MAX_PANELS) -> None:
    """Draw and write the figure (PNG or SVG by extension) atomically: whole or not at all."""
    from nephroguide.cohort.csvio import write_atomic

    write_atomic(path, render(result, _format(path, "plot"), max_patients=max_patients))


# ------------------------------------------------------------------------------------------- swimmer plot

OUTCOME_COLOURS = {"complete_remission": "#1b7837", "partial_remission": "#e08214", "no_response": "#7f7f7f",
                   "not_evaluable": "#c7c7c7"}
# How events are drawn (presentation only; any other event is a small grey tick). Names are matched
# on the event name's words, e.g. eskd, dialysis_start, kidney_transplant.
TERMINAL_WORDS = frozenset({"eskd", "esrd", "eskf", "dialysis", "transplant"})
SWIMMER_ROW_IN = 0.28
SWIMMER_MARGIN_IN = 2.0
MAX_SWIMMER_ROWS = 200


def _words(name: str) -> set[str]:
    return set(name.split("_"))


def swimmer_size(n: int) -> tuple[float, float]:
    return WIDTH_IN, max(1, n) * SWIMMER_ROW_IN + SWIMMER_MARGIN_IN


def swimmer_rows(result: CohortResult) -> list[dict[str, Any]]:
    """Per patient, in plotting order (outcome, then longest follow-up first): the course from time zero.

    Times are months from the patient's time zero; the bar starts at the first index event (earlier
    infusions of a course counted from its last one are drawn before zero) and ends at the last
    result or event.
    """
    from nephroguide.cohort.outcomes import CR, MONTH_DAYS, NO_RESPONSE, NOT_EVALUABLE, PR

    order = {CR: 0, PR: 1, NO_RESPONSE: 2, NOT_EVALUABLE: 3}
    rows: list[dict[str, Any]] = []
    for o in result.patients:
        data = result.data.patients[o.patient_id]
        t0 = o.index_date
        if t0 is None:
            continue

        def m(day: Any, t0: Any = t0) -> float:
            return round((day - t0).days / MONTH_DAYS, 4)

        index_times = [m(e.date) for e in data.events if e.name == result.index.event]
        events = [(m(e.date), e.name) for e in data.events if e.name != result.index.event]
        last = max([d for d in (o.last_result_date, *(e.date for e in data.events)) if d is not None])
        start = min([0.0, *index_times])
        rows.append({
            "patient_id": o.patient_id, "outcome": o.outcome, "start": start, "end": max(m(last), 0.0),
            "index_times": index_times, "events": events,
            "remission": None if o.remission_date is None else m(o.remission_date),
            "relapse": None if o.relapse_run_start is None or not o.relapse else m(o.relapse_run_start),
        })
    rows.sort(key=lambda r: (order[r["outcome"]], -(r["end"] - r["start"]), _natural(r["patient_id"])))
    return rows


def _natural(pid: str) -> Any:
    from nephroguide.cohort.csvio import natural_key

    return natural_key(pid)


def render_swimmer(result: CohortResult, fmt: str) -> bytes:
    """Swimmer plot: one bar per patient from the first index event to the last follow-up, coloured by
    outcome, with the index events, the remission (as the set dates it), relapse, ESKD and other events."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from nephroguide.cohort.summary import OUTCOME_LABELS

    rows = swimmer_rows(result)[:MAX_SWIMMER_ROWS]
    n = max(1, len(rows))
    w, h = swimmer_size(n)
    ev_name = result.index.event or "index event"
    with rc_context(cast(Any, RC)):
        fig = Figure(figsize=(w, h), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.1, 1.4 / h, 0.87, 1 - 1.8 / h))
        other_events: list[str] = []
        for y, r in enumerate(rows):
            ax.barh(y, r["end"] - r["start"], left=r["start"], height=0.55, color=OUTCOME_COLOURS[r["outcome"]],
                    alpha=0.55, linewidth=0)
            if r["index_times"]:
                ax.scatter(r["index_times"], [y] * len(r["index_times"]), marker="|", s=30, color="#2166ac",
                           linewidths=0.9, zorder=3)
            if r["remission"] is not None:
                colour = OUTCOME_COLOURS["complete_remission" if r["outcome"] == "complete_remission"
                                         else "partial_remission"]
                ax.scatter([r["remission"]], [y], marker="^", s=28, color=colour, edgecolors="#000000",
                           linewidths=0.4, zorder=4)
            if r["relapse"] is not None:
                ax.scatter([r["relapse"]], [y], marker="X", s=28, color="#b2182b", linewidths=0, zorder=4)
            for t, name in r["events"]:
                if _words(name) & TERMINAL_WORDS:
                    ax.scatter([t], [y], marker="s", s=22, color="#000000", linewidths=0, zorder=4)
                else:
                    ax.scatter([t], [y], marker="|", s=18, color="#9e9e9e", linewidths=0.7, zorder=2)
                    if name not in other_events:
                        other_events.append(name)
        ax.axvline(0, color="#000000", linewidth=0.6, linestyle=":")
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([f"{r['patient_id']}" for r in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_ylabel("patient")
        ax.set_xlabel(f"months from time zero ({result.index.describe()})")
        ax.tick_params(length=2, pad=1)
        fig.suptitle(f"Course of each patient under {result.dset.id}")
        handles: list[Any] = [Patch(color=OUTCOME_COLOURS[o], alpha=0.55, label=OUTCOME_LABELS[o])
                              for o in OUTCOME_COLOURS if any(r["outcome"] == o for r in rows)]
        handles += [Line2D([], [], marker="|", linestyle="", markersize=6, color="#2166ac",
                           label=ev_name.replace("_", " ")),
                    Line2D([], [], marker="^", linestyle="", markersize=4, color=OUTCOME_COLOURS["complete_remission"],
                           markeredgecolor="#000000", label=f"remission ({result.dset.remission_dating.replace('_', ' ')})"),
                    Line2D([], [], marker="X", linestyle="", markersize=4, color="#b2182b", label="relapse"),
                    Line2D([], [], marker="s", linestyle="", markersize=4, color="#000000",
                           label="ESKD / dialysis / transplant")]
        if other_events:
            handles.append(Line2D([], [], marker="|", linestyle="", markersize=5, color="#9e9e9e",
                                  label="other events (" + ", ".join(e.replace("_", " ") for e in sorted(other_events)[:3])
                                  + (", ..." if len(other_events) > 3 else "") + ")"))
        fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, 0.0),
                   handlelength=1.4, columnspacing=1.0)
        return _save(fig, fmt)


def write_swimmer(result: CohortResult, path: str | Path) -> None:
    from nephroguide.cohort.csvio import write_atomic

    write_atomic(path, render_swimmer(result, _format(path, "swimmer")))


# ------------------------------------------------------------------------------------------- Kaplan-Meier

KM_SIZE_IN = (5.0, 4.0)


def km_data(result: CohortResult) -> dict[str, Any]:
    """Durations (months) and event flags for time to complete remission from time zero.

    Event: complete remission on or after time zero (dated as the set dates it). Censored: every other
    evaluable patient at their last urine result. Left out: patients not evaluable and those already
    in complete remission at time zero (as the summary leaves them out of the median).
    """
    from nephroguide.cohort.outcomes import CR, months

    ids: list[str] = []
    durations: list[float] = []
    observed: list[bool] = []
    left_out: list[str] = []
    for o in result.patients:
        if not o.evaluable or (o.outcome == CR and o.days_to_remission is None):
            left_out.append(o.patient_id)
            continue
        if o.outcome == CR and o.days_to_remission is not None:
            ids.append(o.patient_id)
            durations.append(months(o.days_to_remission))
            observed.append(True)
        else:
            ids.append(o.patient_id)
            durations.append(months(o.follow_up_days or 0))
            observed.append(False)
    return {"patients": ids, "durations": durations, "observed": observed, "left_out": left_out}


def fit_km(result: CohortResult) -> Any:
    """A fitted ``lifelines.KaplanMeierFitter`` of time to complete remission (None if nobody is at risk)."""
    from lifelines import KaplanMeierFitter

    d = km_data(result)
    if not d["durations"]:
        return None
    kmf = KaplanMeierFitter(label="complete remission")
    kmf.fit(d["durations"], event_observed=d["observed"])
    return kmf


def _ticks(xmax: float) -> list[float]:
    for step in (1, 2, 3, 6, 12, 24, 36, 60, 120):
        if xmax / step <= 8:
            return [i * step for i in range(int(xmax // step) + 1)]
    return [0.0, xmax]


def at_risk(kmf: Any, times: list[float]) -> list[int]:
    """Numbers at risk at each time (still followed and not yet in remission), from lifelines' event table."""
    table = kmf.event_table
    out = []
    for t in times:
        later = table[table.index >= t]
        out.append(int(later["at_risk"].iloc[0]) if len(later) else 0)
    return out


def render_km(result: CohortResult, fmt: str) -> bytes:
    """Kaplan-Meier curve of the cumulative proportion in complete remission, with numbers at risk."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    kmf = fit_km(result)
    d = km_data(result)
    w, h = KM_SIZE_IN
    with rc_context(cast(Any, RC)):
        fig = Figure(figsize=(w, h), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.13, 0.3, 0.83, 0.6))
        if kmf is None:
            ax.text(0.5, 0.5, "no evaluable patient", ha="center", va="center", transform=ax.transAxes)
            xmax = 1.0
        else:
            cd = kmf.cumulative_density_
            ci = kmf.confidence_interval_cumulative_density_
            xs = [float(x) for x in cd.index]
            ax.step(xs, [float(v) for v in cd.iloc[:, 0]], where="post", color="#1b7837", linewidth=1.0)
            ax.fill_between(xs, [float(v) for v in ci.iloc[:, 0]], [float(v) for v in ci.iloc[:, 1]], step="post",
                            color="#1b7837", alpha=0.15, linewidth=0)
            cens = [t for t, e in zip(d["durations"], d["observed"], strict=True) if not e]
            if cens:
                ys = [float(v) for v in kmf.cumulative_density_at_times(cens)]
                ax.scatter(cens, ys, marker="|", s=30, color="#1b7837", linewidths=0.8, zorder=3)
            xmax = max(xs) if xs else 1.0
        ticks = _ticks(xmax)
        ax.set_xlim(0, max(ticks[-1], xmax) * 1.02)
        ax.set_xticks(ticks)
        ax.set_ylim(0, 1.0)
        ax.set_ylabel("proportion in complete remission")
        ax.set_xlabel(f"months from time zero ({result.index.describe()})")
        ax.tick_params(length=2, pad=1)
        n = len(d["durations"])
        events = sum(d["observed"])
        title = f"Time to complete remission under {result.dset.id} (Kaplan-Meier, n = {n}, {events} events)"
        fig.suptitle(title)
        if kmf is not None:
            counts = at_risk(kmf, [float(t) for t in ticks])
            fig.text(0.02, 0.14, "At risk", ha="left", va="center")
            for t, c in zip(ticks, counts, strict=True):
                x = ax.transData.transform((t, 0))[0]
                fx = fig.transFigure.inverted().transform((x, 0))[0]
                fig.text(fx, 0.14, str(c), ha="center", va="center")
        note = "censored: no complete remission by the last result (|); 95% confidence band (Greenwood, log-log)"
        if d["left_out"]:
            note += f"; left out: {', '.join(d['left_out'])} (in remission at time zero or not evaluable)"
        fig.text(0.02, 0.02, note, ha="left", va="bottom", fontsize=5.5, wrap=True)
        return _save(fig, fmt)


def write_km(result: CohortResult, path: str | Path) -> None:
    from nephroguide.cohort.csvio import write_atomic

    write_atomic(path, render_km(result, _format(path, "km")))
