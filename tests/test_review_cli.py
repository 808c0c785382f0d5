"""The review workflow from the command line: accounts and tokens, propose -> approve a dose change, export,
`kb validate` on the export, `dose` serving the approved value, `db upgrade` twice, `audit verify` on a
tampered log (exit 2)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

DOSE = "tacrolimus.srns.kdigo2025"


def run(home: Path, *args: str, token: str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEPHROGUIDE_")}
    env["NEPHROGUIDE_HOME"] = str(home)
    if token:
        env["NEPHROGUIDE_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "nephroguide.cli", *args], capture_output=True, text=True,
                          env=env, input=stdin if stdin is not None else "", timeout=120)


def ok(r: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert r.returncode == 0, r.stderr
    return r


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def tokens(home: Path) -> dict[str, str]:
    admin = ok(run(home, "users", "add", "admin", "--role", "admin", "--token", "--no-password")).stdout.strip()
    assert admin.startswith("ngt_")
    out = {"admin": admin}
    for name, role in (("ed", "editor"), ("rv", "reviewer"), ("rd", "reader")):
        out[name] = ok(run(home, "users", "add", name, "--role", role, "--token", "--no-password",
                           token=admin)).stdout.strip()
    return out


def test_accounts_need_an_admin_after_the_first(home: Path, tokens: dict[str, str]) -> None:
    r = run(home, "users", "add", "mallory", "--role", "admin", "--no-password")
    assert r.returncode == 2 and "an admin adds accounts" in r.stderr and "Traceback" not in r.stderr
    r = run(home, "users", "add", "mallory", "--role", "admin", "--no-password", token=tokens["ed"])
    assert r.returncode == 2 and "needs admin" in r.stderr
    r = run(home, "users", "set-role", "rd", "editor", token=tokens["admin"])
    assert r.returncode == 0 and "rd is now editor" in r.stdout
    users = json.loads(ok(run(home, "users", "list", "--format", "json")).stdout)["users"]
    assert {u["name"]: u["role"] for u in users} == {"admin": "admin", "ed": "editor", "rv": "reviewer", "rd": "editor"}
    r = run(home, "users", "add", "pat", "--role", "reader", "--password-stdin", token=tokens["admin"],
            stdin="correct horse battery\n")
    assert r.returncode == 0
    r = run(home, "review", "approve", "1", "--user", "pat", stdin="wrong password here\n")
    assert r.returncode == 2 and "wrong account name or password" in r.stderr
    r = run(home, "review", "list", token="ngt_forged")
    assert r.returncode == 0      # reading needs no login
    r = run(home, "review", "approve", "1", token="ngt_forged")
    assert r.returncode == 2 and "NEPHROGUIDE_TOKEN" in r.stderr


def test_propose_approve_export_and_serve_a_dose_change(home: Path, tokens: dict[str, str], tmp_path: Path) -> None:
    before = json.loads(ok(run(home, "dose", "tacrolimus", "--weight", "20", "--indication", "srns",
                               "--format", "json")).stdout)
    assert before["mg_per_day"] == 2
    entry = json.loads(ok(run(home, "kb", "show", DOSE)).stdout)
    entry["bases"][0]["value"] = 0.15
    (tmp_path / "dose.json").write_text(json.dumps(entry))
    r = ok(run(home, "review", "propose", DOSE, "--file", str(tmp_path / "dose.json"), "--submit",
               "--comment", "new starting dose", "--format", "json", token=tokens["ed"]))
    p = json.loads(r.stdout)
    assert p["state"] == "submitted" and "+  value: 0.15" in p["diff"]
    r = run(home, "review", "approve", str(p["id"]), token=tokens["ed"])
    assert r.returncode == 2 and r.stderr.startswith("error: role:")
    r = run(home, "review", "approve", str(p["id"]), token=tokens["rd"])
    assert r.returncode == 2 and "needs reviewer" in r.stderr
    shown = ok(run(home, "review", "show", str(p["id"]))).stdout
    assert "```diff" in shown and "+  value: 0.15" in shown
    approved = json.loads(ok(run(home, "review", "approve", str(p["id"]), "--format", "json",
                                 token=tokens["rv"])).stdout)
    assert approved["state"] == "approved" and approved["approved_hash"] == approved["content_hash"]
    # the approval exported the approved pack to <home>/pack: the engine serves it
    after = json.loads(ok(run(home, "dose", "tacrolimus", "--weight", "20", "--indication", "srns",
                              "--format", "json")).stdout)
    assert after["mg_per_day"] == 3
    assert json.loads(ok(run(tmp_path / "other", "dose", "tacrolimus", "--weight", "20", "--indication", "srns",
                             "--format", "json")).stdout)["mg_per_day"] == 2
    # kb export --to DIR: the same layout; kb validate passes; the explicit export to home is a no-op change
    export = json.loads(ok(run(home, "kb", "export", "--to", str(tmp_path / "export"), "--format", "json")).stdout)
    assert export["entries"] > 200
    assert ok(run(home, "kb", "validate", str(tmp_path / "export"))).stdout.startswith("ok: knowledge pack")
    assert "value: 0.15" in (tmp_path / "export" / "srns" / "cni.yaml").read_text()
    served = json.loads(ok(run(home, "kb", "export", "--format", "json", token=tokens["admin"])).stdout)
    assert served["served"] is True and served["pack_version"] == export["pack_version"]
    assert (home / "pack" / "CURRENT").read_text().strip() == export["pack_version"]
    r = run(home, "kb", "export", "--to", str(tmp_path / "export"))
    assert r.returncode == 2 and "not an empty directory" in r.stderr
    audit = json.loads(ok(run(home, "audit", "list", "--format", "json")).stdout)["rows"]
    assert [a["action"] for a in audit[:4]] == ["pack.export", "pack.export", "pack.export", "proposal.approve"]
    assert audit[0]["actor"] == "admin" and audit[1]["actor"].startswith("local:") and audit[2]["actor"] == "system"


def test_db_upgrade_twice_and_audit_verify(home: Path, tokens: dict[str, str]) -> None:
    first = json.loads(ok(run(home, "db", "upgrade", "--format", "json")).stdout)
    assert first["after"] == "0001" and first["migrated"] is False and first["seeded_entries"] == 0
    assert "(up to date)" in ok(run(home, "db", "upgrade")).stdout
    assert ok(run(home, "audit", "verify")).stdout.startswith("ok:")
    db = home / "nephroguide.sqlite3"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP TRIGGER review_audit_log_no_update")
        conn.execute("UPDATE review_audit_log SET detail = '{\"role\":\"admin\"}' WHERE seq = 3")
    conn.close()
    r = run(home, "audit", "verify")
    assert r.returncode == 2 and "BROKEN at row 3" in r.stdout and "broken at row 3" in r.stderr
    v = json.loads(run(home, "audit", "verify", "--format", "json").stdout)
    assert v["ok"] is False and v["first_broken"] == 3


def test_review_commands_are_in_the_readme() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for command in ("nephroguide users", "nephroguide review", "nephroguide db upgrade", "nephroguide audit",
                    "nephroguide kb export"):
        assert command in readme
