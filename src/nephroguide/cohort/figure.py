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
        buf = io.BytesIO()
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        else:
            fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def write_figure(result: CohortResult, path: str | Path, *, max_patients: int = MAX_PANELS) -> None:
    """Draw and write the figure (PNG or SVG by extension) atomically: whole or not at all."""
    from nephroguide.cohort.csvio import write_atomic

    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise InputError(f"--plot {str(path)!r}: the file name must end in .png or .svg", field="plot")
    write_atomic(path, render(result, suffix[1:], max_patients=max_patients))
