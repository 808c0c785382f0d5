"""Boundary tests for the remission definitions, read through the timeline builder."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import D, lab
from nephroguide.engine.remission import CR, NR, PR, RELAPSE_RANGE, build_timeline, classify_points, episodes


def states(labs, dset):
    return [p.state for p in classify_points(labs, dset)]


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (0.2, "mg/mg", CR),          # exactly at the complete-remission limit: <= 0.2 is remission
    (0.2001, "mg/mg", PR),
    (20, "mg/mmol", CR),         # compared in mg/mmol, as the guideline writes it
    (21, "mg/mmol", PR),
    (1.99, "mg/mg", PR),
    (2.0, "mg/mg", RELAPSE_RANGE),
    (200, "mg/mmol", RELAPSE_RANGE),   # 200 mg/mmol is nephrotic-range although 200/113 = 1.77 mg/mg
    (199, "mg/mmol", PR),
])
def test_upcr_bands_current(current, value, unit, expected):
    day = D(2026, 10, 1)
    assert states([lab(day, "upcr", value, unit), lab(day, "albumin", 3.2)], current) == [expected]


def test_partial_remission_needs_albumin_at_or_above_30(current):
    day = D(2026, 10, 1)
    assert states([lab(day, "upcr", 0.5), lab(day, "albumin", 30, "g/L")], current) == [PR]
    assert states([lab(day, "upcr", 0.5), lab(day, "albumin", 2.99)], current) == [NR]


def test_partial_remission_undecided_without_albumin(current):
    points = classify_points([lab(D(2026, 10, 1), "upcr", 0.5)], current)
    assert points[0].state == NR
    assert points[0].undecided and "albumin" in points[0].undecided


def test_albumin_outside_window_is_not_used(current):
    points = classify_points([lab(D(2026, 10, 1), "upcr", 0.5), lab(D(2026, 10, 9), "albumin", 3.5)], current)
    assert points[0].state == NR and points[0].undecided


@pytest.mark.parametrize(("days", "confirmed"), [(2, False), (3, True)])
def test_three_consecutive_days(current, days, confirmed):
    start = D(2026, 10, 1)
    labs = [lab(start + dt.timedelta(days=i), "dipstick", "negative") for i in range(days)]
    tl = build_timeline(labs, current)
    assert len(tl.cr_runs) == 1
    assert (tl.cr_runs[0].met_on is not None) is confirmed
    ep = episodes(tl)[0]
    assert ep.state == CR and ep.confirmed is confirmed


def test_run_broken_by_proteinuria_is_not_remission(current):
    labs = [lab(D(2026, 10, 1), "dipstick", "negative"), lab(D(2026, 10, 2), "dipstick", "3+"),
            lab(D(2026, 10, 3), "dipstick", "negative")]
    tl = build_timeline(labs, current)
    assert not tl.cr_runs[0].reached          # broken: neither met nor still running
    assert tl.cr_runs[1].ongoing and tl.cr_runs[1].met_on is None


def test_quantitative_result_wins_on_the_same_day(current):
    day = D(2026, 10, 1)
    assert states([lab(day, "dipstick", "trace"), lab(day, "upcr", 1.0), lab(day, "albumin", 3.1)], current) == [PR]


def test_haddad_boundaries(pack):
    haddad = pack.definition_sets["haddad2021"]
    day = D(2026, 10, 1)
    # CR needs UPCR < 0.2 AND albumin > 3.5; exactly 0.2 is not complete remission.
    assert states([lab(day, "upcr", 0.19), lab(day, "albumin", 3.6)], haddad) == [CR]
    assert states([lab(day, "upcr", 0.19), lab(day, "albumin", 3.5)], haddad) != [CR]
    assert states([lab(day, "upcr", 0.2), lab(day, "albumin", 3.6)], haddad) != [CR]
    # PR: > 0.2 and <= 1.0 with albumin 2.5-3.4
    assert states([lab(day, "upcr", 1.0), lab(day, "albumin", 2.5)], haddad) == [PR]
    assert states([lab(day, "upcr", 1.01), lab(day, "albumin", 3.0)], haddad) == [NR]
    assert states([lab(day, "upcr", 0.5), lab(day, "albumin", 2.4)], haddad) == [NR]
    # Three consecutive OCCASIONS (not days)
    labs = [lab(D(2026, 1, 1) + dt.timedelta(days=30 * i), "upcr", 0.1) for i in range(3)]
    labs += [lab(D(2026, 1, 1) + dt.timedelta(days=30 * i), "albumin", 4.0) for i in range(3)]
    tl = build_timeline(labs, haddad)
    assert tl.cr_runs[0].met_on == D(2026, 1, 1) + dt.timedelta(days=60)


def test_relapse_after_remission_in_episodes(current):
    labs = [lab(D(2026, 1, d), "dipstick", "negative") for d in (1, 2, 3)]
    labs += [lab(D(2026, 3, d), "dipstick", "3+") for d in (1, 2, 3)]
    eps = episodes(build_timeline(labs, current))
    assert [e.state for e in eps] == [CR, "relapse"]
    assert eps[1].confirmed
