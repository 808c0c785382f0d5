"""`nephroguide cohort`: formats, --compare, --plot/--output files, exit code 2 with one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus" / "cohort"
LABS = str(CORPUS / "haddad_pattern" / "labs.csv")
PATIENTS = str(CORPUS / "haddad_pattern" / "patients.csv")


def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nephroguide.cli", "cohort", *args], capture_output=True, text=True,
                          cwd=cwd, input=stdin, env=dict(os.environ), timeout=120)


def one_line_error(r: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout[-300:], r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def test_json_markdown_and_csv():
    r = run(LABS, "--patients", PATIENTS, "--definitions", "haddad2021", "--index-event", "ctx_infusion",
            "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["months_to_complete_remission"] == {"median": 6.5, "min": 0.5, "max": 8.0, "n": 3}
    r = run(LABS, "--definitions", "haddad2021", "--index-event", "ctx_infusion")
    assert r.returncode == 0 and "## Table 1. Outcome per patient" in r.stdout  # no patients.csv: one table
    r = run(LABS, "--patients", PATIENTS, "--definitions", "haddad2021", "--index-event", "ctx_infusion")
    assert "## Table 1. Patient characteristics" in r.stdout and "| 3 | M | Primary | – | MCD/IgM |" in r.stdout
    r = run(LABS, "--definitions", "haddad2021", "--index-event", "ctx_infusion", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 8 and rows[3]["outcome"] == "partial_remission"


def test_compare():
    r = run(LABS, "--compare", "current,haddad2021", "--index-event", "ctx_infusion")
    assert r.returncode == 0, r.stderr
    assert "# Cohort outcomes compared: current vs haddad2021" in r.stdout and "≠" in r.stdout
    r = run(LABS, "--compare", "current,haddad2021", "--index-event", "ctx_infusion", "--format", "json")
    assert json.loads(r.stdout)["n_differ"] == 2


def test_plot_and_output_files(tmp_path):
    out, fig = tmp_path / "table.md", tmp_path / "fig.svg"
    r = run(LABS, "--definitions", "haddad2021", "--index-event", "ctx_infusion", "--plot", str(fig),
            "--output", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert out.read_text().startswith("# Cohort outcomes under haddad2021")
    assert fig.read_bytes().lstrip().startswith(b"<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.svg", "table.md"]


def test_swimmer_and_kaplan_meier_files(tmp_path):
    sw, km = tmp_path / "swimmer.png", tmp_path / "km.svg"
    r = run(LABS, "--patients", PATIENTS, "--definitions", "haddad2021", "--index-event", "ctx_infusion",
            "--swimmer", str(sw), "--km", str(km), "--output", str(tmp_path / "out.md"))
    assert r.returncode == 0, r.stderr
    assert sw.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and km.read_bytes().lstrip().startswith(b"<?xml")


def test_stdin():
    r = run("-", "--definitions", "haddad2021", "--format", "json", stdin=Path(LABS).read_text())
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["input"]["labs"] == "<stdin>"


@pytest.mark.parametrize(("content", "needles"), [
    ("patient_id,date,test,value\n1,2020-01-01,upcr,1\n", ["labs.csv line 1, header", "missing column 'unit'"]),
    ("patient_id,date,test,value,unit\n1,2020-01-01,upcr,1,mg/mg\n1,2020-01-02,protein,1,mg/mg\n",
     ["labs.csv line 3, test", "unknown test 'protein'"]),
    ("patient_id,date,test,value,unit\n1,2020-01-01,upcr,1,mmol\n", ["labs.csv line 2, unit", "'mmol'"]),
    ("patient_id,date,test,value,unit\n1,2020-1-1,upcr,1,mg/mg\n", ["labs.csv line 2, date", "'2020-1-1'"]),
    ("patient_id,date,test,value,unit\n1,2020-01-01,upcr,high,mg/mg\n", ["labs.csv line 2, value", "'high'"]),
])
def test_bad_input_exit_2_one_line_and_no_output_files(tmp_path, content, needles):
    (tmp_path / "labs.csv").write_text(content)
    r = run("labs.csv", "--plot", "fig.png", "--output", "out.json", "--format", "json", cwd=tmp_path)
    one_line_error(r, *needles)
    assert r.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labs.csv"]


def test_patient_without_labs_is_bad_input(tmp_path):
    (tmp_path / "labs.csv").write_text("patient_id,date,test,value,unit\n1,2020-01-01,upcr,1,mg/mg\n")
    (tmp_path / "patients.csv").write_text("patient_id,sex\n1,male\n2,female\n")
    r = run("labs.csv", "--patients", "patients.csv", "--output", "out.md", cwd=tmp_path)
    one_line_error(r, "patients.csv line 3, patient_id", "patient '2' has no rows in labs.csv")
    assert not (tmp_path / "out.md").exists()


@pytest.mark.parametrize(("args", "needles"), [
    (["--definitions", "nope"], ["unknown definition set 'nope'"]),
    (["--compare", "current"], ["--compare takes two definition sets"]),
    (["--compare", "current,haddad2021", "--definitions", "current"], ["either --definitions or --compare"]),
    (["--index-event", "transplant"], ["index_event 'transplant'", "no patient"]),
    (["--plot", "fig.pdf"], [".png or .svg"]),
    (["--plot", "fig.png", "--km", "km.pdf"], ["--km 'km.pdf'", ".png or .svg"]),
    (["--swimmer", "swimmer.jpg"], ["--swimmer 'swimmer.jpg'", ".png or .svg"]),
    (["--format", "xml"], ["'xml' is not one of"]),
])
def test_usage_errors(tmp_path, args, needles):
    r = run(LABS, *args, cwd=tmp_path)
    one_line_error(r, *needles)
    assert list(tmp_path.iterdir()) == []


def test_missing_labs_file(tmp_path):
    one_line_error(run("missing.csv", cwd=tmp_path), "missing.csv")


def test_schema_command():
    r = subprocess.run([sys.executable, "-m", "nephroguide.cli", "schema", "cohort"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout)["properties"]["record"]["const"] == "nephroguide.cohort/1"
