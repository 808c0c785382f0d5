"""Dose wording cannot be misread: amount per dose + frequency first, the daily total after it, no
trailing zeros, a leading zero, rounding and caps stated. Walks every dose rule in the pack at several
body sizes through every renderer (statement, JSON display, markdown, CDS card text, HTML)."""

from __future__ import annotations

import re

import pytest

from nephroguide.answer.render_plan import dose_line
from nephroguide.engine import wording
from nephroguide.engine.dosing import compute_dose
from nephroguide.errors import InputError
from nephroguide.knowledge.models import DoseRule

SIZES = [(8, 70), (21, 118), (45, 150), (70, 175)]
CITE = [{"source": "kdigo2025", "location": "Fig. 4", "grade": "figure", "verification": "secondary"}]

TRAILING_ZERO = re.compile(r"(?<![\w.])\d+\.\d*0(?![\d])(?!\s*%)")
NO_LEADING_ZERO = re.compile(r"(?<![\d\w])\.\d")
DAILY_WORDS = r"(?:daily|per day|a day|/day|each day|every day)"


def _html_dose_block(dose_json: dict) -> str:
    from nephroguide.web.render import environment

    macro = environment().get_template("_plan.html").module.dose_block
    html = str(macro(dose_json, [{"kb_id": dose_json["kb_id"], "text": dose_json["title"], "refs": dose_json["refs"],
                                  "grade": dose_json["grade"], "verification": dose_json["verification"]}]))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def _renderings(d) -> list[str]:
    from nephroguide.web.cds.cards import dose_text

    js = d.to_json()
    return [d.statement.text, d.display, dose_line(d), dose_text(js), _html_dose_block(js), *d.other_bases]


def misread_problems(d, text: str) -> list[str]:
    """Ways a rendered dose string could be misread (empty when it is safe)."""
    problems = []
    divided = d.doses_per_day not in (None, 1)
    if divided and d.mg_per_dose is not None:
        per_dose = re.escape(wording.num(d.mg_per_dose))
        # a per-dose amount directly followed by a 'daily' word reads as the daily total
        if re.search(rf"(?<![\d.\-]){per_dose} (?:mg|g)(?: IV| SC)? {DAILY_WORDS}", text):
            problems.append(f"per-dose {wording.num(d.mg_per_dose)} {d.unit} next to 'daily' without the frequency")
    if re.search(r"daily in \d+ divided doses|× \d+(?:\.\d+)?(?![\d.])(?! ?(?:kg|m²))", text):
        problems.append("divided-dose shorthand instead of amount per dose + frequency")
    if TRAILING_ZERO.search(text):
        problems.append(f"trailing zero: {TRAILING_ZERO.search(text).group(0)}")
    if NO_LEADING_ZERO.search(text):
        problems.append("decimal without a leading zero")
    if d.display and not d.display.startswith(f"{wording.num(d.mg_per_dose)} {d.unit}"):
        problems.append("display does not start with the amount per dose")
    if d.display and d.frequency and d.frequency not in d.display:
        problems.append("display has no frequency")
    if divided and d.mg_per_day is not None and f"{wording.num(d.mg_per_day)} {d.unit}" not in d.display:
        problems.append("display has no daily total")
    return problems


def test_every_dose_rule_at_every_size_cannot_be_misread(pack, capsys):
    walked = 0
    failures = []
    rules = sorted(pack.dose_rules.values(), key=lambda r: r.id)
    assert len(rules) >= 20
    for rule in rules:
        for weight, height in SIZES:
            try:
                d = compute_dose(rule, pack, weight, height)
            except InputError:
                continue
            for text in _renderings(d):
                walked += 1
                failures += [f"{rule.id} @ {weight} kg: {p}: {text[:140]}" for p in misread_problems(d, text)]
    with capsys.disabled():
        print(f"\n[dose wording] walked {walked} rendered dose strings "
              f"({len(rules)} dose rules x {len(SIZES)} body sizes x renderers)")
    assert walked >= len(rules) * len(SIZES) * 5
    assert not failures, "\n".join(failures[:20])


def test_check_catches_the_old_tacrolimus_21kg_wording_per_dose_read_as_daily(pack):
    """The wording the issue reported ('1.05 mg daily in 2 divided doses (= 2.1 mg per day)') must fail."""
    d = compute_dose(pack.dose_rules["tacrolimus.srns.kdigo2025"], pack, 21, 118)
    old = "Tacrolimus: 1.05 mg daily in 2 divided doses (= 2.1 mg per day)"
    assert misread_problems(d, old)
    assert misread_problems(d, "tacrolimus 1.05 mg per day") and misread_problems(d, "2.10 mg") \
        and misread_problems(d, "give .5 mg")
    assert not misread_problems(d, d.display)


def test_tacrolimus_21kg_reads_per_dose_then_frequency_then_daily_total(pack):
    d = compute_dose(pack.dose_rules["tacrolimus.srns.kdigo2025"], pack, 21, 118)
    assert d.display == "1.05 mg twice daily (every 12 hours), 2.1 mg/day"
    assert d.statement.text.startswith("Tacrolimus 1.05 mg twice daily (every 12 hours), 2.1 mg/day.")


def test_cyclosporine_21kg_states_rounding_with_the_unrounded_figure(pack):
    d = compute_dose(pack.dose_rules["cyclosporine.srns.kdigo2025"], pack, 21, 118)
    assert d.display == "53 mg twice daily (every 12 hours), 106 mg/day"
    assert "5 mg/kg/day × 21 kg = 105 mg/day" in d.calculation
    assert "given as 53 mg twice daily (every 12 hours)" in d.calculation
    assert "after rounding each dose to the nearest 1 mg" in d.calculation


def test_cap_is_shown_with_the_uncapped_figure(pack):
    d = compute_dose(pack.dose_rules["prednisolone.first_episode.kdigo2025.daily"], pack, 70, 175)
    assert d.display == "60 mg once daily"
    assert "capped: maximum 60 mg/day" in d.calculation and "× 1.84 m² (BSA) ≈ 110.68 mg/day" in d.calculation


@pytest.mark.parametrize(("schedule", "days", "expected"), [
    ("alternate_days", None, "25 mg once every other day (alternate days)"),
    ("monthly", None, "25 mg IV once a month"),
    ("weekly", None, "25 mg IV once a week"),
    ("single", None, "25 mg IV per dose"),
    ("days", [1, 8], "25 mg IV on day 1 and again on day 8"),
    ("days", [1, 2, 3], "25 mg IV once daily for 3 days (day 1, day 2 and day 3)"),
])
def test_non_daily_schedules_are_worded_as_given(pack, schedule, days, expected):
    rule = DoseRule.model_validate({
        "id": "t.rule", "drug": "x", "indication": "srns", "title": "t",
        "route": "oral" if schedule == "alternate_days" else "iv", "bases": [{"basis": "mg/dose", "value": 25}],
        "schedule": schedule, "schedule_days": days, "round_to_mg": 1, "citations": CITE})
    d = compute_dose(rule, pack, 20, 115)
    assert d.display == expected


def test_morning_dose_when_the_source_says_so(pack):
    d = compute_dose(pack.dose_rules["cyclophosphamide.frns.kdigo2025"], pack, 21, 118)
    assert d.display == "42 mg once daily in the morning"


@pytest.mark.parametrize(("x", "text"), [(5.0, "5"), (0.5, "0.5"), (1.05, "1.05"), (2.10, "2.1"), (1000.0, "1000"),
                                         (0.125, "0.125"), (53.0000001, "53")])
def test_numbers_have_no_trailing_zero_and_a_leading_zero(x, text):
    assert wording.num(x) == text
