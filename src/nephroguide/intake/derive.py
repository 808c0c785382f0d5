"""Values intake works out from what the record gives: age, body surface area, bedside eGFR.

Pure functions, no I/O, no clock. Results are returned unrounded; renderers round for display so
that thresholds (an infant is younger than 1 year) are compared on the exact value.
"""

from __future__ import annotations

import datetime as dt
import math


def _anniversary(birth: dt.date, year: int) -> dt.date:
    """The birthday in ``year``; a 29 February birthday falls on 28 February in common years."""
    try:
        return birth.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 2, 28)


def age_years(birth: dt.date, as_of: dt.date) -> float:
    """Age in years on ``as_of``: completed years plus the elapsed fraction of the current year of life.

    The fraction is (days since the last birthday) / (days from the last to the next birthday), so the
    age is exactly an integer on each birthday and grows linearly in between. A negative value means
    ``as_of`` is before ``birth`` (the caller rejects it).
    """
    if as_of < birth:
        return -age_years(as_of, birth)
    years = as_of.year - birth.year
    last = _anniversary(birth, as_of.year)
    if last > as_of:
        years -= 1
        last = _anniversary(birth, as_of.year - 1)
    nxt = _anniversary(birth, last.year + 1)
    return years + (as_of - last).days / (nxt - last).days


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m² by the Mosteller formula: √(height cm × weight kg / 3600).

    Mosteller RD. Simplified calculation of body-surface area. N Engl J Med. 1987;317(17):1098.
    """
    if height_cm <= 0 or weight_kg <= 0:
        raise ValueError("height and weight must be positive")
    return math.sqrt(height_cm * weight_kg / 3600.0)


SCHWARTZ_K = 0.413
"""Bedside Schwartz constant (mL/min/1.73 m² per cm/(mg/dL)), for enzymatic (IDMS-traceable) creatinine."""


def schwartz_egfr(height_cm: float, creatinine_mg_dl: float) -> float:
    """eGFR in mL/min/1.73 m² by the bedside Schwartz equation: 0.413 × height cm / serum creatinine mg/dL.

    Schwartz GJ, Muñoz A, Schneider MF, et al. New equations to estimate GFR in children with CKD.
    J Am Soc Nephrol. 2009;20(3):629-637.
    """
    if height_cm <= 0 or creatinine_mg_dl <= 0:
        raise ValueError("height and creatinine must be positive")
    return SCHWARTZ_K * height_cm / creatinine_mg_dl
