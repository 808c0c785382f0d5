"""The remission page's chart: an inline SVG drawn from the timeline JSON (no JavaScript, no plotting library).

Each urine result is a dot in the row of its band (complete remission, partial remission, nephrotic / relapse
range), joined in date order; the episodes the definition set reads (remission, relapse, no remission) are bars
underneath. Colours are presentation attributes (the CSP allows no inline style). The table on the page holds
the same data for screen readers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup, escape

from nephroguide.web.labels import name

WIDTH, LEFT, RIGHT, TOP, ROW = 640, 160, 34, 16, 34
ROWS = ("complete_remission", "partial_remission", "relapse_range")
ROW_OF = {"complete_remission": 0, "partial_remission": 1, "relapse_range": 2, "no_remission": 2, "relapse": 2}
COLOUR = {"complete_remission": "#1d5e2a", "partial_remission": "#8a5a00", "relapse_range": "#8a0b0b",
          "no_remission": "#8a0b0b", "relapse": "#8a0b0b"}
OTHER = "#4a4a4a"


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def chart(timeline: dict[str, Any]) -> Markup:
    points = [p for p in timeline.get("points") or [] if p.get("date")]
    episodes = [e for e in timeline.get("episodes") or [] if e.get("start")]
    if not points:
        return Markup("")
    days = [_day(p["date"]) for p in points] + [_day(e["start"]) for e in episodes] + \
        [_day(e["end"]) for e in episodes if e.get("end")]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    plot_w = WIDTH - LEFT - RIGHT

    def x(day: dt.date) -> float:
        return round(LEFT + plot_w * (day - first).days / span, 1)

    rows_h = ROW * len(ROWS)
    bar_y = TOP + rows_h + 18
    axis_y = bar_y + 30
    height = axis_y + 28
    out = [f'<svg class="timeline-chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
           f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg" font-size="13" '
           f'font-family="system-ui, sans-serif">',
           '<title id="chart-title">Urine results over time, by remission band</title>',
           f'<desc id="chart-desc">{len(points)} results from {first.isoformat()} to {last.isoformat()}; '
           f'{len(episodes)} periods read under the definition set. The table below lists the same results.</desc>']
    for i, row in enumerate(ROWS):
        y = TOP + ROW * i + ROW / 2
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#c9d1dc" stroke-dasharray="3 3"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end" fill="#1a1a1a">'
                   f'{escape(name(row, "states"))}</text>')
    coords = []
    for p in points:
        band = ROW_OF.get(str(p.get("state")), 2)
        y = TOP + ROW * band + ROW / 2
        coords.append((x(_day(p["date"])), y, p))
    if len(coords) > 1:
        path = " ".join(f"{cx},{cy}" for cx, cy, _ in coords)
        out.append(f'<polyline points="{path}" fill="none" stroke="#6b7685" stroke-width="1.5"/>')
    for cx, cy, p in coords:
        colour = COLOUR.get(str(p.get("state")), OTHER)
        label = f'{p["date"]}: {p.get("result", "")} ({name(p.get("state", ""), "states")})'
        out.append(f'<circle cx="{cx}" cy="{cy}" r="5" fill="{colour}"><title>{escape(label)}</title></circle>')
    out.append(f'<text x="{LEFT - 8}" y="{bar_y + 14}" text-anchor="end" fill="#1a1a1a">Periods</text>')
    for e in episodes:
        x1 = x(_day(e["start"]))
        x2 = max(x(_day(e.get("end") or e["start"])), x1 + 6)
        colour = COLOUR.get(str(e.get("state")), OTHER)
        state = name(e.get("state", ""), "states") + ("" if e.get("confirmed", True) else " (not confirmed)")
        dash = "" if e.get("confirmed", True) else ' stroke-dasharray="4 3" fill-opacity="0.35"'
        out.append(f'<rect x="{x1}" y="{bar_y}" width="{round(x2 - x1, 1)}" height="20" fill="{colour}" '
                   f'stroke="{colour}"{dash}><title>{escape(e["start"])} to {escape(e.get("end") or "")}: '
                   f'{escape(state)}</title></rect>')
    out.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" stroke="#1a1a1a"/>')
    ticks = _ticks(first, last)
    for day in ticks:
        tx = x(day)
        out.append(f'<line x1="{tx}" y1="{axis_y}" x2="{tx}" y2="{axis_y + 5}" stroke="#1a1a1a"/>')
        out.append(f'<text x="{tx}" y="{axis_y + 19}" text-anchor="middle" fill="#1a1a1a">{day.strftime("%Y-%m")}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _ticks(first: dt.date, last: dt.date, most: int = 6) -> list[dt.date]:
    """Month starts between first and last, at most ``most`` of them, evenly thinned."""
    months = []
    day = dt.date(first.year, first.month, 1)
    if day < first:
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    while day <= last:
        months.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    if not months:
        return [first]
    step = max(1, -(-len(months) // most))
    return months[::step]
