"""The one place where a dose becomes words. Every renderer (markdown, HTML, JSON ``display``, CDS Hooks
cards, answers) uses these strings, so a dose reads the same everywhere and cannot be misread.

Conventions of safe medication orders:

* the amount **per dose** comes first, followed at once by how often it is given ("twice daily
  (every 12 hours)"); the daily total comes after it ("2.1 mg/day"), never in its place;
* numbers carry no trailing zeros (``5 mg``, not ``5.0 mg``) and always a leading zero (``0.5 mg``);
* rounding is stated together with the unrounded figure, and a cap names the maximum it applied.

No clinical choice is made here: the schedule, the divisions and the amounts come from the dose rule
and the dosing arithmetic.
"""

from __future__ import annotations

_TIMES = {1: "once", 2: "twice", 3: "three times", 4: "four times"}
_HOURS = {2: 12, 3: 8, 4: 6}
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third"}


def num(x: float, places: int = 3) -> str:
    """A number for a dose: at most ``places`` decimals, no trailing zeros, a leading zero, no exponent."""
    text = f"{round(float(x), places):.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def amount(value: float, unit: str) -> str:
    """'1.05 mg', '0.5 g'."""
    return f"{num(value)} {unit}"


def per_unit(basis: str) -> str:
    """'mg/m2/day' -> 'mg/m²/day' (display only)."""
    return basis.replace("/m2", "/m²")


def _count_word(n: float) -> str:
    return _TIMES.get(int(n), f"{num(n)} times") if float(n).is_integer() else f"{num(n)} times"


def _list_days(days: list[int]) -> str:
    if len(days) == 1:
        return f"day {days[0]}"
    return ", ".join(f"day {d}" for d in days[:-1]) + f" and day {days[-1]}"


def frequency(schedule: str, doses_per_day: float = 1, schedule_days: list[int] | None = None,
              time_of_day: str = "") -> str:
    """How often one dose is given: 'twice daily (every 12 hours)', 'once every other day (alternate days)'."""
    n = doses_per_day or 1
    when = f" in the {time_of_day}" if time_of_day else ""
    if schedule == "daily":
        if n == 1:
            return f"once daily{when}"
        hours = _HOURS.get(int(n)) if float(n).is_integer() else None
        return f"{_count_word(n)} daily" + (f" (every {hours} hours)" if hours else "")
    if schedule == "alternate_days":
        if n == 1:
            return f"once every other day{when} (alternate days)"
        hours = _HOURS.get(int(n)) if float(n).is_integer() else None
        return f"{_count_word(n)} a day" + (f" (every {hours} hours)" if hours else "") + \
            ", every other day (alternate days)"
    if schedule == "days" and schedule_days:
        days = sorted(schedule_days)
        if len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
            return f"once daily{when} for {len(days)} days ({_list_days(days)})"
        return "on " + " and again on ".join(f"day {d}" for d in days)
    # 'single' is one dose given on its own, not a course total: how many such doses is the rule's duration
    # ("1 to 4 doses"), so the wording says per dose rather than "as a single dose"
    return {"single": "per dose", "monthly": "once a month", "weekly": "once a week"}.get(
        schedule, schedule.replace("_", " "))


def is_daily(schedule: str) -> bool:
    """Schedules whose amount is also stated per (dosing) day."""
    return schedule in ("daily", "alternate_days")


def total_label(schedule: str) -> str:
    """The unit suffix of a daily total: '/day', or '/dosing day' on alternate days."""
    return " per dosing day" if schedule == "alternate_days" else "/day"


def dose_phrase(per_dose: float, unit: str, schedule: str, doses_per_day: float = 1,
                schedule_days: list[int] | None = None, time_of_day: str = "", route: str = "",
                per_day: float | None = None) -> str:
    """'1.05 mg twice daily (every 12 hours), 2.1 mg/day' — the amount per dose, then the frequency,
    then (when a dose is divided) the daily total."""
    via = " IV" if route == "iv" else (" SC" if route == "sc" else "")
    text = f"{amount(per_dose, unit)}{via} {frequency(schedule, doses_per_day, schedule_days, time_of_day)}"
    if per_day is not None and is_daily(schedule) and (doses_per_day or 1) != 1:
        text += f", {amount(per_day, unit)}{total_label(schedule)}"
    return text


def range_phrase(low: float, high: float, unit: str, schedule: str, doses_per_day: float = 1,
                 schedule_days: list[int] | None = None, time_of_day: str = "",
                 day_low: float | None = None, day_high: float | None = None) -> str:
    """'1.05-2.1 mg twice daily (every 12 hours), 2.1-4.2 mg/day'."""
    text = f"{num(low)}-{num(high)} {unit} {frequency(schedule, doses_per_day, schedule_days, time_of_day)}"
    if day_low is not None and day_high is not None and is_daily(schedule) and (doses_per_day or 1) != 1:
        text += f", {num(day_low)}-{num(day_high)} {unit}{total_label(schedule)}"
    return text


def drug_name(drug: str) -> str:
    return drug.replace("_", " ")
