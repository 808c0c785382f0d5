"""Per-patient outcomes: boundaries of each definition set, index events, undecidable data, relapse."""

from __future__ import annotations

from pathlib import Path

import pytest

from nephroguide.cohort import cohort
from nephroguide.cohort.outcomes import resolve_index_from
from nephroguide.errors import InputError, UsageError

CORPUS = Path(__file__).parent / "corpus" / "cohort"
BOUNDARIES = CORPUS / "boundaries.csv"


def outcomes(path: Path, definitions: str, **kw: object) -> dict[str, object]:
    return {p.patient_id: p for p in cohort(path, definitions=definitions, **kw).patients}  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def haddad():
    return outcomes(BOUNDARIES, "haddad2021")


@pytest.fixture(scope="module")
def current():
    return outcomes(BOUNDARIES, "current")


@pytest.fixture(scope="module")
def choudhry():
    return outcomes(BOUNDARIES, "choudhry2009")


# ------------------------------------------------------------------------------------------- exactly 0.2

def test_exactly_0_2_is_not_remission_under_haddad(haddad):
    # Haddad: CR needs UPCR < 0.2 and PR needs UPCR > 0.2, so exactly 0.2 is neither.
    assert haddad["exact_0.2"].outcome == "no_response"
    assert haddad["below_0.2"].outcome == "complete_remission"


def test_exactly_0_2_is_complete_remission_under_current(current):
    # IPNA 2023: UPCR <= 0.2 mg/mg on 3 consecutive days.
    p = current["exact_0.2"]
    assert p.outcome == "complete_remission"
    # dated from the first of the 3 days (the default convention); confirmed on the third
    assert str(p.remission_date) == "2020-01-06" and str(p.remission_run_start) == "2020-01-06"
    assert str(p.remission_confirmed_date) == "2020-01-08"


def test_exactly_0_2_is_partial_remission_under_choudhry(choudhry):
    # Choudhry 2009: CR UPCR < 0.2; PR 0.2-2 (inclusive) with albumin >= 2.5.
    assert choudhry["exact_0.2"].outcome == "partial_remission"
    assert choudhry["below_0.2"].outcome == "complete_remission"
    assert str(choudhry["below_0.2"].remission_date) == "2020-01-06"  # no consecutive rule: the first result


# ------------------------------------------------------------------------------------------- consecutive results

def test_three_consecutive_occasions_are_dated_from_the_first_and_confirmed_on_the_third(haddad):
    p = haddad["three"]
    assert p.outcome == "complete_remission" and p.remission_dating == "first_qualifying"
    assert str(p.remission_date) == "2020-01-06" and str(p.remission_confirmed_date) == "2020-01-08"
    assert p.days_to_remission == 0 and p.months_to_remission == 0.0
    j = p.to_json()
    assert j["remission_date"] == "2020-01-06" and j["remission_confirmed_date"] == "2020-01-08"
    assert [a["urine_date"] for a in j["albumin_used"]] == ["2020-01-06", "2020-01-07", "2020-01-08"]
    assert all(a["albumin"] == "4 g/dL" and a["days_apart"] == 0 and a["window_days"] == 7 for a in j["albumin_used"])


def test_the_confirmed_convention_is_an_option_of_the_definition_set():
    """`remission_dating: confirmed` in the set's data dates the remission on the result that completed the run."""
    from nephroguide.knowledge.pack import load_pack

    confirmed = load_pack().definition_set("haddad2021").model_copy(update={"remission_dating": "confirmed"})
    p = {o.patient_id: o for o in cohort(BOUNDARIES, definitions=confirmed).patients}["three"]
    assert str(p.remission_date) == "2020-01-08" and str(p.remission_run_start) == "2020-01-06"
    assert p.days_to_remission == 2 and p.months_to_remission == 0.1 and p.remission_dating == "confirmed"


def test_the_albumin_used_is_the_nearest_within_the_sets_window(tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_text("patient_id,date,test,value,unit\n"
                    "1,2020-01-01,albumin,3.9,g/dL\n1,2020-01-05,upcr,0.1,mg/mg\n1,2020-01-09,albumin,3.6,g/dL\n"
                    "1,2020-01-12,upcr,0.1,mg/mg\n1,2020-01-19,upcr,0.1,mg/mg\n1,2020-01-20,albumin,3.8,g/dL\n")
    p = cohort(labs, definitions="haddad2021").patients[0]
    assert p.outcome == "complete_remission"
    used = [(a["urine_date"], a["albumin"], a["albumin_date"], a["days_apart"]) for a in p.albumin_used]
    # 01-05: 01-01 and 01-09 are both 4 days away -> the earlier; 01-12: 01-09 (3 days); 01-19: 01-20 (1 day)
    assert used == [("2020-01-05", "3.9 g/dL", "2020-01-01", 4), ("2020-01-12", "3.6 g/dL", "2020-01-09", 3),
                    ("2020-01-19", "3.8 g/dL", "2020-01-20", 1)]


def test_two_occasions_then_nephrotic_is_partial_with_a_note(haddad, current):
    for result in (haddad, current):
        p = result["two_then_nephrotic"]
        assert p.outcome == "partial_remission"
        assert p.undecided == []
        assert any("met on 2 consecutive result(s)" in n and "counted as partial remission" in n for n in p.notes)


def test_two_occasions_at_the_end_of_follow_up_leave_remission_undecided(haddad):
    p = haddad["two_at_end"]
    assert p.outcome == "partial_remission"
    assert p.undecided == ["complete_remission"]
    assert any("last 2 result(s)" in n and "needs 3 consecutive occasions" in n and "cannot be decided" in n
               for n in p.notes)


# ------------------------------------------------------------------------------------------- albumin missing

def test_albumin_missing_breaks_a_haddad_run_but_not_a_current_one(haddad, current):
    p = haddad["albumin_gap"]
    assert p.outcome == "partial_remission"
    assert "complete_remission" in p.undecided
    assert any("albumin missing near 1 urine result(s)" in n and "2020-01-16" in n for n in p.notes)
    # the current set's complete remission needs no albumin: three results in a row (not on consecutive days)
    assert current["albumin_gap"].outcome == "complete_remission"


def test_partial_remission_without_albumin_is_undecided(haddad, current):
    for result in (haddad, current):
        p = result["no_albumin"]
        assert p.outcome == "no_response"
        assert p.undecided == ["partial_remission"]
        assert any("partial remission cannot be decided" in n for n in p.notes)


# ------------------------------------------------------------------------------------------- units

def test_mg_mmol_and_mg_mg_mix(haddad, current):
    assert haddad["unit_mix"].outcome == "complete_remission"
    assert current["unit_mix"].outcome == "complete_remission"   # 20 mg/mmol is <= 20 mg/mmol


def test_a_threshold_is_read_in_the_unit_the_result_was_reported_in(haddad, current):
    # 22.6 mg/mmol = 0.1998 mg/mg: below Haddad's 0.2 mg/mg, above the current set's 20 mg/mmol.
    assert haddad["mmol_boundary"].outcome == "complete_remission"
    assert current["mmol_boundary"].outcome == "partial_remission"


# ------------------------------------------------------------------------------------------- order, duplicates

@pytest.mark.parametrize("definitions", ["haddad2021", "current", "choudhry2009", "kdigo2012"])
def test_unsorted_rows_give_the_same_outcomes(definitions):
    a = cohort(BOUNDARIES, definitions=definitions).to_json()
    b = cohort(CORPUS / "boundaries_unsorted.csv", definitions=definitions).to_json()
    assert a["patients"] == b["patients"] and a["summary"] == b["summary"]


def test_duplicate_rows_are_not_double_counted():
    p = outcomes(CORPUS / "duplicates.csv", "haddad2021")["dup"]
    # two CR-range occasions plus an exact copy of the second: still two, so no complete remission
    assert p.outcome == "partial_remission" and p.undecided == ["complete_remission"]
    assert any("exact duplicate" in n for n in p.notes)


# ------------------------------------------------------------------------------------------- index event

def test_index_event_last_and_first():
    last = outcomes(CORPUS / "index_events.csv", "haddad2021", index_event="ctx_infusion")
    first = outcomes(CORPUS / "index_events.csv", "haddad2021", index_event="ctx_infusion", index_from="first")
    assert str(last["after"].index_date) == "2020-03-06" and last["after"].index_events == 3
    assert last["after"].days_to_remission == 15 and last["after"].months_to_remission == 0.5
    assert str(first["after"].index_date) == "2020-01-06"
    assert first["after"].days_to_remission == 75 and first["after"].months_to_remission == 2.5


def test_no_measurement_after_the_index_event_is_not_evaluable_and_excluded():
    result = cohort(CORPUS / "index_events.csv", definitions="haddad2021", index_event="ctx_infusion")
    by_id = {p.patient_id: p for p in result.patients}
    assert by_id["nothing_after"].outcome == "not_evaluable"
    assert any("no urine protein result" in n and "2020-03-06" in n for n in by_id["nothing_after"].notes)
    assert by_id["no_infusion"].outcome == "not_evaluable"
    assert any("no ctx_infusion event" in n for n in by_id["no_infusion"].notes)
    s = result.summary.to_json()
    assert s["n"] == 1 and s["n_total"] == 3 and s["not_evaluable"] == 2
    assert s["complete_remission"] == 1 and s["percent"]["complete_remission"] == 100.0
    assert [e["patient_id"] for e in s["excluded"]] == ["no_infusion", "nothing_after"]
    assert "Not evaluable, excluded from the denominators (2 of 3)" in result.to_markdown()


def test_without_index_event_time_zero_is_the_first_measurement(haddad):
    assert str(haddad["relapse"].index_date) == "2020-01-06"
    assert haddad["relapse"].index_event is None


def test_unknown_index_event_is_an_input_error():
    with pytest.raises(InputError, match=r"no patient in .* has this event .*events in the file: cni_start, "
                                         r"ctx_infusion"):
        cohort(CORPUS / "index_events.csv", index_event="rituximab_infusion")


def test_index_from_auto():
    assert resolve_index_from("ctx_infusion", "auto") == "last"
    assert resolve_index_from("mp_pulse", "auto") == "last"
    assert resolve_index_from("cni_start", "auto") == "first"
    assert resolve_index_from("cni_start", "last") == "last"
    with pytest.raises(UsageError):
        resolve_index_from("cni_start", "middle")


# ------------------------------------------------------------------------------------------- relapse, last state

def test_relapse_after_complete_remission_with_the_sets_own_rule(current):
    p = current["relapse"]
    assert p.relapse is True
    assert str(p.relapse_run_start) == "2020-02-05" and str(p.relapse_date) == "2020-02-07"
    assert p.to_json()["sustained_remission"] is False
    assert p.last_state == "complete_remission"  # back in remission at the last result


def test_relapse_for_a_set_without_one_borrows_the_current_rule(haddad):
    p = haddad["relapse"]
    assert p.relapse is True and str(p.relapse_date) == "2020-02-07"
    result = cohort(BOUNDARIES, definitions="haddad2021")
    info = result.to_json()["definition_set"]
    assert info["relapse_from"] == "current" and "ipna2023" in info["relapse_refs"]
    assert "from the current set" in info["criteria"]["relapse"]
    assert any("haddad2021 defines no relapse" in n for n in result.notes)


def test_sustained_remission(haddad):
    p = haddad["three"]
    assert p.relapse is False and p.to_json()["sustained_remission"] is True
    assert p.remission_days == 2  # from the first qualifying result to the last result (the one that met the rule)


def test_last_state_is_relapse_when_the_last_result_is_nephrotic_after_remission(choudhry):
    p = choudhry["two_then_nephrotic"]
    assert p.outcome == "complete_remission" and p.last_state == "relapse"
    assert p.relapse is False
    assert any("relapse cannot be decided yet" in n for n in p.notes)


# ------------------------------------------------------------------------------------------- user sets

def test_a_user_definition_set_file():
    result = cohort(CORPUS / "haddad_pattern" / "labs.csv", definitions=str(CORPUS / "strict_user_set.yaml"),
                    index_event="ctx_infusion")
    data = result.to_json()
    assert data["definitions"] == "strict_user"
    assert data["definition_set"]["file"].endswith("strict_user_set.yaml")
    assert data["definition_set"]["refs"] == ["ipna2023"]
    assert data["definition_set"]["criteria"]["complete_remission"].startswith("UPCR < 0.1 mg/mg")
    by_id = {p["patient_id"]: p for p in data["patients"]}
    assert by_id["1"]["months_to_remission"] == 6.0   # stricter than Haddad (0.5)
    assert by_id["7"]["outcome"] == "partial_remission"


def test_unknown_definition_set_is_an_input_error():
    with pytest.raises(InputError, match="unknown definition set 'haddad'"):
        cohort(BOUNDARIES, definitions="haddad")
