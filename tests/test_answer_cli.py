"""`nephroguide ask`: formats, exit codes (0, 2 bad input, 3 not covered), one-line errors, sessions and
the interactive prompt; nothing written without a session or on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PATIENTS_DIR


def run(*args: str, home: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEPHROGUIDE_HOME": str(home)}
    env.pop("NEPHROGUIDE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "nephroguide.cli", "ask", *args], capture_output=True, text=True,
                          input=stdin, env=env, timeout=120)


def one_line_error(r: subprocess.CompletedProcess[str], needle: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr, r.stderr


def test_markdown_json_html(tmp_path):
    r = run("What is the next step for a child with SRNS?", home=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("# ") and "## References" in r.stdout
    r = run("What is the next step for a child with SRNS?", "--format", "json", "--audience", "family", home=tmp_path)
    data = json.loads(r.stdout)
    assert data["record"] == "nephroguide.answer/1" and data["audience"] == "family" and data["readability"]
    r = run("What is the next step for a child with SRNS?", "--format", "html", "--audience", "student", home=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("<!DOCTYPE html>")
    assert not any(tmp_path.iterdir()), "ask without --session writes nothing"


def test_not_covered_exit_3_with_answer_printed(tmp_path):
    r = run("How is IgA nephropathy treated in adults?", home=tmp_path)
    assert r.returncode == 3 and "# Not covered" in r.stdout and "Closest covered topics" in r.stdout


def test_patient_file(tmp_path):
    r = run("what next?", "--patient", str(PATIENTS_DIR / "10_cni_resistant.yaml"), "--format", "json", home=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["intent"] == "cni_resistant_next_step" and data["context"]["patient"]["source"] == "file"


@pytest.mark.parametrize("args, needle", [
    (("",), "empty"),
    (("x" * 20000,), "limit is 4,000"),
    (("what \x07 is this",), "control"),
    (("SRNS?", "--session", "no-such-session"), "unknown session"),
    (("SRNS?", "--session", "bad id!"), "not a session id"),
    (("SRNS?", "--audience", "doctor"), "audience"),
])
def test_bad_input_exit_2_one_line(args, needle, tmp_path):
    one_line_error(run(*args, home=tmp_path), needle)
    assert not any(tmp_path.iterdir()), "nothing written on bad input"


def test_binary_garbage(tmp_path):
    garbage = bytes(range(1, 256)).decode("latin-1") * 3
    one_line_error(run(garbage, home=tmp_path), "control")


def test_bad_patient_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"age_years": "six"}')
    home = tmp_path / "home"
    one_line_error(run("SRNS next step?", "--patient", str(bad), "--session", "new", home=home), "age_years")
    assert not home.exists()


def test_session_new_prints_id_and_continues(tmp_path):
    r = run("Child with SRNS, what is the next step?", "--session", "new", "--format", "json", home=tmp_path)
    assert r.returncode == 0, r.stderr
    sid = json.loads(r.stdout)["session"]
    assert f"session: {sid}" in r.stderr
    r = run("what if tacrolimus doesn't work?", "--session", sid, "--format", "json", home=tmp_path)
    data = json.loads(r.stdout)
    assert data["intent"] == "cni_resistant_next_step" and data["context"]["from_session"]


def test_interactive_prompt_keeps_the_conversation(tmp_path):
    r = run(home=tmp_path, stdin="Child with SRNS, what is the next step?\nwhat if tacrolimus doesn't work?\n\nquit\n")
    assert r.returncode == 0, r.stderr
    assert "session: " in r.stderr
    assert "Management of steroid-resistant nephrotic syndrome" in r.stdout
    assert "Management of CNI-resistant SRNS" in r.stdout
    assert (tmp_path / "nephroguide.sqlite3").exists()


def test_interactive_prompt_reports_bad_questions_and_goes_on(tmp_path):
    r = run(home=tmp_path, stdin="\x07\nSRNS next step?\n")
    assert r.returncode == 0 and "error: question:" in r.stderr and "# Management" in r.stdout


def test_schema_command(tmp_path):
    env = {**os.environ, "NEPHROGUIDE_HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "nephroguide.cli", "schema", "answer"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout)["$id"].endswith("answer-1.json")


def test_same_bytes_across_processes(tmp_path):
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "NEPHROGUIDE_HOME": str(tmp_path), "PYTHONHASHSEED": seed}
        r = subprocess.run([sys.executable, "-m", "nephroguide.cli", "ask", "What if tacrolimus doesn't work?",
                            "--format", "json", "--audience", "student"], capture_output=True, env=env, timeout=120)
        assert r.returncode == 0
        outs.append(r.stdout)
    assert outs[0] == outs[1]
