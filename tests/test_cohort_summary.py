"""Cohort summary: the synthetic Haddad-pattern cohort reproduces the published outcome pattern under
haddad2021, reads differently under `current`, and every output validates against its JSON Schema."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from nephroguide.cohort import analyse, cohort, compare
from nephroguide.cohort.csvio import read_labs
from nephroguide.schemas import json_schema

CORPUS = Path(__file__).parent / "corpus" / "cohort"
LABS = CORPUS / "haddad_pattern" / "labs.csv"
PATIENTS = CORPUS / "haddad_pattern" / "patients.csv"


@pytest.fixture(scope="module")
def haddad():
    return cohort(LABS, PATIENTS, definitions="haddad2021", index_event="ctx_infusion")


@pytest.fixture(scope="module")
def both():
    return compare(LABS, PATIENTS, ("current", "haddad2021"), index_event="ctx_infusion")


def test_reproduces_the_published_pattern_under_haddad2021(haddad):
    data = haddad.to_json()
    assert data["record"] == "nephroguide.cohort/1" and data["definitions"] == "haddad2021"
    outcomes = [p["outcome"] for p in data["patients"]]
    short = {"complete_remission": "CR", "partial_remission": "PR", "no_response": "NR"}
    assert [short[o] for o in outcomes] == ["CR", "CR", "NR", "PR", "NR", "CR", "CR", "NR"]
    s = data["summary"]
    assert (s["n"], s["complete_remission"], s["partial_remission"], s["no_response"]) == (8, 4, 1, 3)
    assert s["months_to_complete_remission"] == {"median": 6.5, "min": 0.5, "max": 8.0, "n": 3}
    assert s["percent"] == {"complete_remission": 50.0, "partial_remission": 12.5, "no_response": 37.5}
    assert [p["months_to_remission"] for p in data["patients"]] == [0.5, 6.5, None, 4.5, None, 8.0, None, None]


def test_the_child_in_remission_before_the_last_infusion_is_left_out_of_the_median(haddad):
    p7 = haddad.to_json()["patients"][6]
    assert p7["outcome"] == "complete_remission" and p7["remission_before_index"] is True
    assert p7["months_to_remission"] is None
    s = haddad.summary.to_json()
    assert [e["patient_id"] for e in s["excluded_from_time_to_remission"]] == ["7"]
    assert s["relapsed_after_complete_remission"] == 1 and s["sustained_complete_remission"] == 3
    assert p7["relapse"] is True


def test_markdown_table(haddad):
    md = haddad.to_markdown()
    assert "## Table 1. Patient characteristics" in md and "## Table 2. Outcome per patient" in md
    assert "| 1 | F | Secondary | 13 | MCD | MCD and variants | Not done | Tac + MMF | 4 | < 1.0 | 5 |" in md
    assert "| 7 | M | Secondary | 50 | mcd_igm | MCD and variants |" in md
    assert "| 1 | 2008-07-01 | CR | 2008-07-16 | 2008-07-30 | 0.5 | 3.6 g/dL (same day) | no | CR range |" in md
    assert "| 7 | 2011-07-07 | CR | 2011-05-18 | 2011-06-01 | before index |" in md
    assert "| MCD with C1q deposits | MCD and variants | 1 |" in md
    assert "| focal segmental glomerulosclerosis | FSGS | 1 |" in md
    assert "dated from the first of the 3 consecutive qualifying occasions" in md
    assert "nearest serum albumin within 7 days" in md and "when_missing: undecided" in md
    assert "| MCD and variants | 6 | 4 | 1 | 1 | 0 |" in md and "| FSGS | 2 | 0 | 0 | 2 | 0 |" in md
    assert "Median (range) time to complete remission: 6.5 (0.5–8) months, n = 3." in md
    assert "Left out of the time to remission: patient 7" in md
    assert "All 8 patients were evaluable." in md
    assert "[haddad2021]" in md and "## References" in md


def test_csv_output(haddad):
    rows = list(csv.DictReader(io.StringIO(haddad.to_csv())))
    assert [r["outcome"] for r in rows][:3] == ["complete_remission", "complete_remission", "no_response"]
    assert rows[0]["months_to_remission"] == "0.5" and rows[0]["definitions"] == "haddad2021"
    assert rows[0]["histology"] == "MCD" and rows[6]["remission_before_index"] == "true"
    assert rows[2]["histology"] == "MCD/IgM" and rows[2]["histology_group"] == "MCD and variants"
    assert rows[0]["remission_date"] == "2008-07-16" and rows[0]["remission_confirmed_date"] == "2008-07-30"
    assert rows[0]["remission_dating"] == "first_qualifying"
    assert rows[0]["albumin_used"].startswith("2008-07-16: 3.6 g/dL (2008-07-16); 2008-07-23: 3.8 g/dL")


def test_compare_shows_a_different_result_under_current(both):
    data = both.to_json()
    assert data["definitions"] == ["current", "haddad2021"]
    cur, had = data["summary"]["current"], data["summary"]["haddad2021"]
    assert (had["complete_remission"], had["partial_remission"], had["no_response"]) == (4, 1, 3)
    assert (cur["complete_remission"], cur["partial_remission"], cur["no_response"]) == (4, 1, 3)
    # current counts UPCR exactly 0.2 as complete remission (patient 2 from 6.1 months) and needs
    # albumin >= 3.0 g/dL for partial remission (patient 4 from 8.9 months, not 4.5)
    assert cur["months_to_complete_remission"] == {"median": 6.1, "min": 0.5, "max": 8.0, "n": 3}
    differs = {p["patient_id"]: p["differs"] for p in data["patients"] if p["differs"]}
    assert set(differs) == {"2", "4"}
    assert "outcome" not in differs["2"] and "months_to_remission" in differs["4"]
    md = both.to_markdown()
    assert "| 2 | CR | **6.1** | CR | **6.5** | ≠ |" in md
    assert "| 4 | PR | **8.9** | PR | **4.5** | ≠ |" in md
    assert "| 1 | CR | 0.5 | CR | 0.5 |  |" in md
    assert "2 of 8 patients differ" in md
    rows = list(csv.DictReader(io.StringIO(both.to_csv())))
    assert rows[1]["months_to_remission_current"] == "6.1" and rows[1]["months_to_remission_haddad2021"] == "6.5"


def test_compare_needs_two_different_sets():
    from nephroguide.errors import UsageError

    with pytest.raises(UsageError, match="two different definition sets"):
        compare(LABS, None, ("haddad2021", "haddad2021"))


def test_definitions_are_traceable(haddad):
    data = haddad.to_json()
    ds = data["definition_set"]
    assert ds["id"] == "haddad2021" and ds["citations"][0]["source"] == "haddad2021"
    assert set(ds["refs"]) <= {r["id"] for r in data["references"]}
    assert data["versions"]["knowledge_pack"] and data["versions"]["definitions"].startswith("haddad2021@")
    assert data["index"] == {"event": "ctx_infusion", "from": "last",
                             "description": "each patient's last ctx_infusion event", "month_days": 30.4375}


def test_outputs_validate_against_the_schemas(haddad, both):
    jsonschema.validate(haddad.to_json(), json_schema("cohort"))
    jsonschema.validate(both.to_json(), json_schema("cohort-compare"))
    for name in ("boundaries.csv", "index_events.csv", "duplicates.csv"):
        for definitions in ("current", "haddad2021", "choudhry2009", "kdigo2012"):
            kw = {"index_event": "ctx_infusion"} if name == "index_events.csv" else {}
            data = cohort(CORPUS / name, definitions=definitions, **kw).to_json()
            jsonschema.validate(data, json_schema("cohort"))
            json.dumps(data)


def test_contract_fields_are_present(haddad):
    data = haddad.to_json()
    for p in data["patients"]:
        assert {"patient_id", "outcome", "remission_date", "months_to_remission", "last_state", "notes"} <= set(p)
    assert {"n", "complete_remission", "partial_remission", "no_response",
            "months_to_complete_remission"} <= set(data["summary"])


def test_same_input_same_output(haddad):
    again = cohort(LABS, PATIENTS, definitions="haddad2021", index_event="ctx_infusion")
    assert json.dumps(again.to_json()) == json.dumps(haddad.to_json())
    assert again.to_markdown() == haddad.to_markdown()


def test_parsed_data_can_be_read_under_several_sets():
    data = read_labs(LABS)
    a = analyse(data, "haddad2021", index_event="ctx_infusion")
    b = analyse(data, "current", index_event="ctx_infusion")
    assert a.summary.time_to_cr != b.summary.time_to_cr
    assert a.dset.id == "haddad2021" and b.dset.id == "current"


def test_nephroguide_cohort_is_callable():
    import nephroguide.cohort

    result = nephroguide.cohort(LABS, definitions="haddad2021", index_event="ctx_infusion")
    assert result.summary.counts["complete_remission"] == 4


def test_two_processes_give_the_same_result():
    one = cohort(LABS, PATIENTS, definitions="haddad2021", index_event="ctx_infusion", workers=1)
    two = cohort(LABS, PATIENTS, definitions="haddad2021", index_event="ctx_infusion", workers=2)
    assert json.dumps(two.to_json()) == json.dumps(one.to_json())
