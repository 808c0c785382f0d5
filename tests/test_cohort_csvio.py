"""Reading the cohort CSVs: units, order, duplicates, and one-line errors naming file, line and field."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from nephroguide.cohort.csvio import natural_key, read_cohort, read_labs, write_atomic
from nephroguide.errors import InputError

CORPUS = Path(__file__).parent / "corpus" / "cohort"
HEADER = "patient_id,date,test,value,unit\n"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def labs_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, "labs.csv", text)
    with pytest.raises(InputError) as exc:
        read_labs(path)
    line = exc.value.one_line()
    assert "\n" not in line
    return line


def test_units_are_normalised_and_converted(tmp_path):
    data = read_labs(write(tmp_path, "labs.csv", HEADER + "1,2020-01-01,upcr,113.12,mg/mmol\n"
                                                         "1,2020-01-02,UPCR,0.5, g/g \n"
                                                         "1,2020-01-03,albumin,35,g/l\n"
                                                         "1,2020-01-04,dipstick,Trace,\n"))
    labs = data.patients["1"].labs
    assert [lab.test for lab in labs] == ["upcr", "upcr", "albumin", "dipstick"]
    assert labs[0].value == pytest.approx(1.0) and labs[0].unit == "mg/mg"
    assert labs[0].given_value == 113.12 and labs[0].given_unit == "mg/mmol"
    assert labs[1].value == pytest.approx(0.5) and labs[1].given_unit == "g/g"
    assert labs[2].value == pytest.approx(3.5) and labs[2].given_unit == "g/L"
    assert labs[3].category == "trace" and labs[3].value is None
    assert labs[0].index == 2  # the CSV line, for messages


def test_events_are_kept_apart_from_labs(tmp_path):
    data = read_labs(write(tmp_path, "labs.csv", HEADER + "7,2020-02-01,event,CTX_infusion,\n"
                                                         "7,2020-01-01,upcr,3,mg/mg\n"))
    p = data.patients["7"]
    assert [(e.name, e.date) for e in p.events] == [("ctx_infusion", dt.date(2020, 2, 1))]
    assert len(p.labs) == 1
    assert data.event_names() == ["ctx_infusion"]


def test_unsorted_rows_give_the_same_patients_as_sorted_rows():
    a = read_labs(CORPUS / "boundaries.csv")
    b = read_labs(CORPUS / "boundaries_unsorted.csv")
    assert list(a.patients) == list(b.patients)
    for pid in a.patients:
        dates = [x.date for x in b.patients[pid].labs]
        assert dates == sorted(dates)
        assert sorted((x.date, x.test, x.value) for x in a.patients[pid].labs) == \
               sorted((x.date, x.test, x.value) for x in b.patients[pid].labs)
    assert not a.notes
    assert any("not in date order" in n for n in b.notes)


def test_exact_duplicate_rows_are_counted_once_and_reported():
    data = read_labs(CORPUS / "duplicates.csv")
    assert data.duplicate_rows == 2
    p = data.patients["dup"]
    assert len(p.labs) == 6
    assert any("line 8 repeats line 6" in n and "line 9 repeats line 7" in n for n in p.notes)


def test_two_different_results_on_one_day_are_noted(tmp_path):
    data = read_labs(write(tmp_path, "labs.csv", HEADER + "1,2020-01-01,upcr,0.3,mg/mg\n"
                                                         "1,2020-01-01,upcr,1.2,mg/mg\n"))
    assert len(data.patients["1"].labs) == 2
    assert any("2 different upcr results on 2020-01-01" in n and "line 2" in n for n in data.patients["1"].notes)


def test_patients_are_in_natural_id_order(tmp_path):
    data = read_labs(write(tmp_path, "labs.csv", HEADER + "".join(f"{i},2020-01-01,upcr,1,mg/mg\n"
                                                                  for i in ("10", "2", "P10", "P2", "1"))))
    assert list(data.patients) == ["1", "2", "10", "P2", "P10"]
    assert sorted(["b", "a10", "a9"], key=natural_key) == ["a9", "a10", "b"]


def test_csv_text_and_bytes_are_accepted():
    text = HEADER + "1,2020-01-01,upcr,1,mg/mg\n"
    assert read_labs(text).labs_name == "labs.csv"
    assert len(read_labs(text.encode()).patients["1"].labs) == 1


# ------------------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(("text", "needles"), [
    ("patient_id,date,test,value\n1,2020-01-01,upcr,1\n", ["line 1, header", "missing column 'unit'"]),
    (HEADER + "1,2020-01-01,upcr,1,mg/mg\n1,2020-01-02,upc,1,mg/mg\n", ["line 3, test", "unknown test 'upc'"]),
    (HEADER + "1,2020-01-01,upcr,1,mg/l\n", ["line 2, unit", "'mg/l' is not accepted for upcr", "mg/mmol"]),
    (HEADER + "1,2020-01-01,upcr,1,\n", ["line 2, unit", "unit is required for upcr"]),
    (HEADER + "1,01/02/2020,upcr,1,mg/mg\n", ["line 2, date", "'01/02/2020' is not a date", "YYYY-MM-DD"]),
    (HEADER + "1,2020-02-30,upcr,1,mg/mg\n", ["line 2, date", "'2020-02-30' is not a date"]),
    (HEADER + "1,2020-01-01,upcr,1.2.3,mg/mg\n", ["line 2, value", "'1.2.3' is not a number"]),
    (HEADER + "1,2020-01-01,upcr,1,mg/mg\n1,2020-01-02,upcr,<0.1,mg/mg\n", ["line 3, value", "'<0.1' is not a number"]),
    (HEADER + "1,2020-01-01,upcr,1,mg/mg\n1,2020-01-02,upcr,nan,mg/mg\n", ["line 3, value", "not a finite number"]),
    (HEADER + "1,2020-01-01,upcr,,mg/mg\n", ["line 2, value", "value is missing"]),
    (HEADER + "1,2020-01-01,albumin,35,g/dL\n", ["line 2, value", "outside the possible range for albumin"]),
    (HEADER + "1,2020-01-01,dipstick,5+,\n", ["line 2, value", "'5+' is not a dipstick result"]),
    (HEADER + "1,2020-01-01,dipstick,2+,mg/dL\n", ["line 2, unit", "dipstick results have no unit"]),
    (HEADER + "1,2020-01-01,event,CTX infusion,\n", ["line 2, value", "event name 'CTX infusion' is not a word"]),
    (HEADER + "1,2020-01-01,event,ctx_infusion,mg\n", ["line 2, unit", "event rows take no unit"]),
    (HEADER + ",2020-01-01,upcr,1,mg/mg\n", ["line 2, patient_id", "patient_id is missing"]),
    (HEADER + "1,2020-01-01,upcr,1\n", ["line 2", "4 fields where the header has 5"]),
    (HEADER + "1,2020-01-01,urine_protein_24h,500,mg/day\n", ["line 2, unit", "body surface area"]),
    ("", ["the file is empty"]),
    (HEADER, ["no data rows"]),
])
def test_bad_labs_name_file_line_and_field(tmp_path, text, needles):
    message = labs_error(tmp_path, text)
    assert message.startswith(str(tmp_path / "labs.csv")), message
    for needle in needles:
        assert needle in message, message


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_labs(str(tmp_path / "nope.csv"))


PATIENTS_HEADER = "patient_id,birth_date,sex,histology,steroid_resistance,site\n"


def test_patients_csv_is_joined(tmp_path):
    labs = write(tmp_path, "labs.csv", HEADER + "1,2020-01-01,upcr,1,mg/mg\n2,2020-01-01,upcr,1,mg/mg\n")
    pats = write(tmp_path, "patients.csv", PATIENTS_HEADER + "1,2014-05-01,Female,MCD,primary,north\n")
    data = read_cohort(labs, pats)
    assert data.patients["1"].info == {"birth_date": "2014-05-01", "sex": "Female", "histology": "MCD",
                                       "steroid_resistance": "primary", "site": "north"}
    assert data.info_columns == ("birth_date", "sex", "histology", "steroid_resistance", "site")
    assert any("not listed in" in n and "2" in n for n in data.notes)


@pytest.mark.parametrize(("row", "needles"), [
    ("9,2014-05-01,female,mcd,primary,x\n", ["line 2, patient_id", "patient '9' has no rows in", "labs.csv"]),
    ("1,2014-13-01,female,mcd,primary,x\n", ["line 2, birth_date", "not a date"]),
    ("1,2014-05-01,female,mcd,primary,x\n1,,,,,\n", ["line 3, patient_id", "listed twice"]),
])
def test_bad_patients_csv(tmp_path, row, needles):
    labs = write(tmp_path, "labs.csv", HEADER + "1,2020-01-01,upcr,1,mg/mg\n")
    pats = write(tmp_path, "patients.csv", PATIENTS_HEADER + row)
    with pytest.raises(InputError) as exc:
        read_cohort(labs, pats)
    message = exc.value.one_line()
    assert message.startswith(pats)
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize("histology", ["MCD/IgM", "mcd_igm", "MCD with C1q deposits", "MCD/mesangial expansion",
                                       "minimal", "FSGS (tip variant)"])
def test_descriptive_columns_are_kept_as_written(tmp_path, histology):
    """Histology, sex and steroid resistance are descriptive: any text is kept exactly, never refused."""
    labs = write(tmp_path, "labs.csv", HEADER + "1,2020-01-01,upcr,1,mg/mg\n")
    pats = write(tmp_path, "patients.csv", "patient_id,sex,histology,steroid_resistance\n"
                                           f'1,M,"{histology}",Secondary (after 13 months)\n')
    info = read_cohort(labs, pats).patients["1"].info
    assert info == {"sex": "M", "histology": histology, "steroid_resistance": "Secondary (after 13 months)"}


def test_patients_csv_needs_patient_id_column(tmp_path):
    labs = write(tmp_path, "labs.csv", HEADER + "1,2020-01-01,upcr,1,mg/mg\n")
    pats = write(tmp_path, "patients.csv", "id,sex\n1,female\n")
    with pytest.raises(InputError, match="line 1, header: missing column 'patient_id'"):
        read_cohort(labs, pats)


def test_write_atomic_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.txt"
    write_atomic(target, "hello")
    assert target.read_text() == "hello"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with pytest.raises(InputError, match="cannot write"):
        write_atomic(tmp_path / "missing-dir" / "out.txt", "x")
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]
