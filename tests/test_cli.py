"""The command line: outputs, exit codes, one-line errors without tracebacks, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PATIENTS_DIR

SRNS = PATIENTS_DIR / "05_srns_initial.yaml"


def run(*args: str, stdin: str | None = None, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if home is not None:
        env["NEPHROGUIDE_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "nephroguide.cli", *args], capture_output=True, text=True,
                          input=stdin, env=env, timeout=60)


def assert_one_line_error(r: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert r.returncode == code, (r.returncode, r.stdout[-500:], r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def test_plan_markdown_and_json(tmp_path):
    r = run("plan", str(SRNS), home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "srns" in r.stdout and "## References" in r.stdout
    r = run("plan", str(SRNS), "--format", "json", home=tmp_path)
    data = json.loads(r.stdout)
    assert data["record"] == "nephroguide.plan/1"
    assert "srns" in data["classification"]["labels"]
    assert not any(tmp_path.iterdir()), "plan is read-only and must write nothing"


def test_plan_reads_stdin():
    r = run("plan", "-", "--format", "json", stdin=SRNS.read_text())
    assert r.returncode == 0 and json.loads(r.stdout)["definitions"] == "current"


def test_plan_out_of_scope_exit_3():
    r = run("plan", str(PATIENTS_DIR / "18_adult.yaml"))
    assert r.returncode == 3 and "Outside the pediatric scope" in r.stdout


def test_plan_other_definition_set():
    r = run("plan", str(SRNS), "--definitions", "kdigo2012", "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["definitions"] == "kdigo2012"


@pytest.mark.parametrize(("mutation", "needle"), [
    ("weight_kg: 21", "weight_kg"),
    ("unit: mg/mg}\n", "unit"),
])
def test_plan_bad_input_names_field(tmp_path, mutation, needle):
    text = SRNS.read_text()
    if mutation.startswith("weight"):
        text = text.replace("weight_kg: 21", "weight_kg: 400")
    else:
        text = text.replace("value: 4.8, unit: mg/mg}", "value: 4.8}")
    f = tmp_path / "p.yaml"
    f.write_text(text)
    assert_one_line_error(run("plan", str(f)), 2, needle)


def test_plan_future_lab_and_unknown_drug(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(SRNS.read_text().replace("2026-08-29, test: upcr", "2027-01-02, test: upcr"))
    assert_one_line_error(run("plan", str(f)), 2, "labs[", "after")
    f.write_text(SRNS.read_text().replace("drug: prednisolone", "drug: prednisolonne-x"))
    assert_one_line_error(run("plan", str(f)), 2, "drug")


def test_plan_malformed_and_missing_file(tmp_path):
    f = tmp_path / "p.json"
    f.write_text("{not json")
    assert_one_line_error(run("plan", str(f)), 2)
    assert_one_line_error(run("plan", str(tmp_path / "missing.json")), 2)


def test_unknown_definition_set():
    assert_one_line_error(run("plan", str(SRNS), "--definitions", "nope"), 2, "definitions")


def test_dose_json_contract():
    r = run("dose", "tacrolimus", "--weight", "21", "--height", "118", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["drug"] == "tacrolimus" and d["indication"] == "srns" and d["indication_chosen_by_program"]
    assert d["mg_per_day"] == pytest.approx(2.1) and d["doses_per_day"] == 2
    assert d["refs"] and d["grade"] and d["alternatives"]


def test_dose_brand_name_and_indication():
    r = run("dose", "Prelone", "--weight", "45", "--height", "150", "--indication", "first_episode")
    assert r.returncode == 0, r.stderr
    assert "60 mg" in r.stdout and "capped" in r.stdout.lower()


@pytest.mark.parametrize("args", [
    ("dose", "aspirinx", "--weight", "20"),
    ("dose", "tacrolimus", "--weight", "0"),
    ("dose", "tacrolimus", "--weight", "400"),
    ("dose", "tacrolimus", "--weight", "20", "--indication", "edema"),
    ("dose", "tacrolimus"),
])
def test_dose_bad_input(args):
    assert_one_line_error(run(*args), 2)


def test_remission_command():
    r = run("remission", str(PATIENTS_DIR / "12_frns.yaml"), "--format", "json")
    data = json.loads(r.stdout)
    assert data["record"] == "nephroguide.remission/1"
    assert [e["state"] for e in data["episodes"]].count("relapse") == 2


def test_kb_validate_and_stats():
    r = run("kb", "validate")
    assert r.returncode == 0 and r.stdout.startswith("ok: knowledge pack")
    r = run("kb", "stats", "--format", "json")
    assert json.loads(r.stdout)["counts"]["recommendations"] > 0


def test_kb_validate_bad_directory(tmp_path):
    (tmp_path / "bad.yaml").write_text("recommendations: [{id: x}]\n")
    assert_one_line_error(run("kb", "validate", str(tmp_path)), 2, "bad.yaml")


@pytest.mark.parametrize("name", ["patient", "plan", "dose", "remission", "kb", "definition-set"])
def test_schema_command(name):
    r = run("schema", name)
    assert r.returncode == 0 and json.loads(r.stdout)["$id"].startswith("https://nephroguide.org/schemas/")


def test_every_command_is_documented_in_readme():
    from nephroguide.cli import cli

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for name in cli.commands:
        assert f"nephroguide {name}" in readme, f"command {name!r} is not documented in README.md"
