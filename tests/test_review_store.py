"""The review store on SQLite and PostgreSQL: migrations, seeding, the proposal lifecycle, roles, validation,
optimistic locking under concurrency, the audit chain, throttling, tokens, answer status and articles."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text, update

from nephroguide.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    KnowledgeError,
    PermissionDeniedError,
    TooManyAttemptsError,
    UnknownNameError,
)
from review_support import BACKENDS, Workflow, entry_content, make_store_url, make_workflow

DOSE = "tacrolimus.srns.kdigo2025"
REC = "srns.cni.first_line"
INJECTIONS = ["'; DROP TABLE review_users; --", "\" OR 1=1 --", "<script>alert('x')</script>",
              "<img src=x onerror=alert(1)>", "Robert'); DELETE FROM review_audit_log;--", "ü ≥ 5 mg/kg ∑ \u202e"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    yield from make_store_url(request.param, tmp_path)


@pytest.fixture
def wf(store, tmp_path: Path) -> Workflow:
    return make_workflow(store.url, store.backend, tmp_path / "home")


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


# ------------------------------------------------------------------------------------------------ migrations

def test_migration_twice_is_a_noop(store) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from nephroguide.review import db

    engine = db.engine_for(db.normalize_url(store.url))
    first = db.upgrade(engine)
    assert first.before is None and first.after == db.HEAD and first.seeded > 200
    tables = _tables(engine)
    with engine.connect() as conn:
        n_versions = conn.execute(text("SELECT count(*) FROM review_kb_versions")).scalar()
        n_audit = conn.execute(text("SELECT count(*) FROM review_audit_log")).scalar()
    second = db.upgrade(engine)
    assert (second.before, second.after, second.seeded) == (db.HEAD, db.HEAD, 0)
    assert second.to_json()["migrated"] is False
    assert _tables(engine) == tables
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {db.VERSION_TABLE}")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM review_kb_versions")).scalar() == n_versions
        assert conn.execute(text("SELECT count(*) FROM review_audit_log")).scalar() == n_audit == 1
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == db.HEAD


def test_schema_matches_the_table_definitions(store) -> None:
    from nephroguide.review import db
    from nephroguide.review.schema import metadata

    engine = db.open_store(store.url)
    insp = inspect(engine)
    for table in metadata.sorted_tables:
        assert {c["name"] for c in insp.get_columns(table.name)} == {c.name for c in table.columns}, table.name


def test_concurrent_first_use_seeds_once(store) -> None:
    """Several threads opening a new store at once: migrated and seeded exactly once."""
    from nephroguide.review import db

    url = db.normalize_url(store.url)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def go() -> None:
        try:
            barrier.wait()
            db.upgrade(db.engine_for(url))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with db.engine_for(url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM review_users WHERE name = 'system'")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM review_audit_log WHERE action = 'store.seed'")).scalar() == 1


# ------------------------------------------------------------------------------------------------ seed and export

def test_seed_keeps_the_pack_and_exports_it_unchanged(wf: Workflow, tmp_path: Path) -> None:
    from nephroguide.knowledge.pack import PACK_DIR, build_pack
    from nephroguide.review.content import canonical, content_hash

    shipped = build_pack(PACK_DIR)
    entry = wf.review.entry(DOSE)
    assert entry["current_hash"] == content_hash(canonical(shipped.dose_rules[DOSE]))
    seed = entry["versions"][0]
    assert (seed["action"], seed["state"], seed["author"], seed["reviewer"]) == ("seed", "approved", "system", "system")
    # verification marks of the pack are part of the content, kept as they were
    assert [c["verification"] for c in entry["content"]["citations"]] == \
        [c.verification for c in shipped.dose_rules[DOSE].citations]
    report = wf.review.export(wf.users["admin"], to=tmp_path / "export")
    exported = build_pack(tmp_path / "export")
    assert report["entries"] == sum(shipped.counts().values()) + len(shipped.grade_scales)
    for kind in ("sources", "drugs", "recommendations", "dose_rules", "cautions", "conflicts", "studies",
                 "definitions", "definition_sets", "grade_scales"):
        assert getattr(exported, kind) == getattr(shipped, kind), kind
    assert sorted(p.relative_to(tmp_path / "export").as_posix() for p in (tmp_path / "export").rglob("*.yaml")) == \
        sorted(p.relative_to(PACK_DIR).as_posix() for p in PACK_DIR.rglob("*.yaml"))


# ------------------------------------------------------------------------------------------------ lifecycle

def test_proposal_lifecycle(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    content = entry_content(r, DOSE)
    content["bases"][0]["value"] = 0.15
    p = r.propose(u["eddie"], DOSE, content, comment="raise the starting dose")
    assert (p["state"], p["number"], p["action"]) == ("draft", 2, "edit")
    assert "-  value: 0.1\n+  value: 0.15\n" in p["diff"]
    p = r.act(u["eddie"], p["id"], "submit")
    p = r.act(u["rita"], p["id"], "start")
    assert (p["state"], p["reviewer"]) == ("under_review", "rita")
    with pytest.raises(InputError) as ei:
        r.act(u["rita"], p["id"], "request_changes")
    assert ei.value.field == "comment"
    p = r.act(u["rita"], p["id"], "request_changes", comment="cite the table")
    assert p["state"] == "changes_requested" and p["review_comment"] == "cite the table"
    content["bases"][0]["value"] = 0.12
    p = r.revise(u["eddie"], p["id"], content, comment="0.12 per the table")
    assert p["state"] == "draft" and "+  value: 0.12\n" in p["diff"]
    p = r.act(u["eddie"], p["id"], "submit")
    before = r.entry(DOSE)["current_hash"]
    p = r.act(u["rex"], p["id"], "approve", expected=p["state_version"])
    assert (p["state"], p["reviewer"]) == ("approved", "rex")
    assert p["approved_hash"] == p["content_hash"] and p["decided_at"]
    entry = r.entry(DOSE)
    assert entry["current_hash"] == p["content_hash"] != before
    assert entry["content"]["bases"][0]["value"] == 0.12
    actions = [h["action"] for h in p["history"]]
    assert actions == ["proposal.create", "proposal.submit", "proposal.start", "proposal.request_changes",
                       "proposal.revise", "proposal.submit", "proposal.approve"]
    approve = p["history"][-1]
    assert approve["actor"] == "rex" and approve["detail"]["content_hash"] == p["content_hash"]
    assert r.audit_verify()["ok"]
    # approving again, or approving a withdrawn proposal, is a conflict
    with pytest.raises(ConflictError):
        r.act(u["rita"], p["id"], "approve")


def test_roles_are_checked_on_every_write(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    content = entry_content(r, DOSE)
    with pytest.raises(AuthenticationError):
        r.propose(None, DOSE, content)
    with pytest.raises(PermissionDeniedError):
        r.propose(u["rob"], DOSE, content)                 # reader
    p = r.propose(u["eddie"], DOSE, content, submit=True)
    with pytest.raises(AuthenticationError):
        r.act(None, p["id"], "approve")
    for who in ("rob", "eddie", "emma", "admin"):         # reader, the editor (own), another editor, admin
        with pytest.raises(PermissionDeniedError):
            r.act(u[who], p["id"], "approve")
    with pytest.raises(PermissionDeniedError):
        r.act(u["emma"], p["id"], "withdraw")              # only the author withdraws
    own = r.propose(u["rita"], REC, entry_content(r, REC), submit=True)
    with pytest.raises(PermissionDeniedError) as ei:
        r.act(u["rita"], own["id"], "approve")             # a reviewer never approves their own change
    assert "another reviewer" in ei.value.message
    with pytest.raises(PermissionDeniedError):
        r.set_role(u["eddie"], "rob", "admin")
    with pytest.raises(PermissionDeniedError):
        r.create_token(u["eddie"], "rita")
    assert r.act(u["rex"], own["id"], "approve")["state"] == "approved"


def test_proposals_are_validated_with_the_field_named(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    bad = entry_content(r, DOSE)
    bad["bases"][0]["value"] = -1
    with pytest.raises(InputError) as ei:
        r.propose(u["eddie"], DOSE, bad)
    assert ei.value.field == "content.bases[0].value"
    bad = entry_content(r, DOSE)
    bad["dose_per_kg"] = 3
    with pytest.raises(InputError) as ei:
        r.propose(u["eddie"], DOSE, bad)
    assert ei.value.field == "content.dose_per_kg" and "unknown key" in ei.value.message
    bad = entry_content(r, DOSE)
    bad["id"] = "something.else"
    with pytest.raises(InputError) as ei:
        r.propose(u["eddie"], DOSE, bad)
    assert ei.value.field == "content.id"
    bad = entry_content(r, REC)
    bad["cautions"] = ["caution.does_not_exist"]
    with pytest.raises(KnowledgeError, match=r"caution\.does_not_exist"):
        r.propose(u["eddie"], REC, bad)
    bad = entry_content(r, DOSE)
    bad["citations"][0]["source"] = "nosuchsource"
    with pytest.raises(KnowledgeError, match="nosuchsource"):
        r.propose(u["eddie"], DOSE, bad)
    with pytest.raises(KnowledgeError, match=re.escape(REC)):   # retiring a caution a recommendation still lists
        r.propose(u["eddie"], "caution.cni.egfr_below_30", action="retire")
    with pytest.raises(UnknownNameError):
        r.propose(u["eddie"], "no.such.entry", {"id": "no.such.entry"})
    with pytest.raises(InputError) as ei:
        r.propose(u["eddie"], "new.entry", {"id": "new.entry"}, action="add")
    assert ei.value.field == "kind"
    assert r.list_proposals() == []       # nothing invalid was saved
    assert r.audit_verify()["rows"] == 1 + 6 + 6   # seed, 6 accounts, 6 tokens


def test_add_then_retire_an_entry(wf: Workflow, tmp_path: Path) -> None:
    from nephroguide.knowledge.pack import build_pack

    r, u = wf.review, wf.users
    caution = {"id": "caution.test.new", "kind": "caution", "severity": "info", "title": "A new caution",
               "text": "Check something.", "family_text": "Ask your doctor.",
               "citations": [{"source": "kdigo2025", "verification": "unverified"}], "last_reviewed": "2026-01-02"}
    p = r.propose(u["eddie"], "caution.test.new", caution, action="add", kind="cautions", file="cautions.yaml",
                  submit=True)
    assert p["action"] == "add" and p["number"] == 1 and p["diff"].startswith("--- caution.test.new (new)")
    with pytest.raises(ConflictError):   # not approved yet: no edit of it, only its add proposal
        r.propose(u["emma"], "caution.test.new", caution)
    r.act(u["rita"], p["id"], "approve")
    r.export(u["admin"], to=tmp_path / "a")
    assert build_pack(tmp_path / "a").cautions["caution.test.new"].title == "A new caution"
    with pytest.raises(ConflictError):
        r.propose(u["eddie"], "caution.test.new", caution, action="add", kind="cautions")   # exists: edit, not add
    q = r.propose(u["eddie"], "caution.test.new", action="retire", submit=True)
    assert q["action"] == "retire" and "+++" in q["diff"] and "-id: caution.test.new" in q["diff"]
    r.act(u["rex"], q["id"], "approve")
    r.export(u["admin"], to=tmp_path / "b")
    assert "caution.test.new" not in build_pack(tmp_path / "b").cautions
    assert r.entry("caution.test.new")["retired"] is True
    with pytest.raises(InputError) as ei:
        r.propose(u["eddie"], "caution.other", {**caution, "id": "caution.other"}, action="add", kind="cautions",
                  file="../../etc/passwd.yaml")
    assert ei.value.field == "file"


def test_a_confirmation_proposal_has_no_diff(wf: Workflow) -> None:
    p = wf.review.propose(wf.users["eddie"], REC, submit=True)
    assert p["diff"] == "" and p["content_hash"] == p["base_hash"]
    assert wf.review.act(wf.users["rita"], p["id"], "approve")["state"] == "approved"


# ------------------------------------------------------------------------------------------------ injection

def test_injection_strings_are_stored_verbatim(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    engine = r.engine
    for s in INJECTIONS:
        content = entry_content(r, REC)
        content["text"] = s
        content["title"] = s
        content["family_text"] = s
        content["citations"][0]["location"] = s
        p = r.propose(u["eddie"], REC, content, comment=s, submit=True)
        p2 = r.act(u["rita"], p["id"], "request_changes", comment=s)
        assert p2["comment"] == s and p2["review_comment"] == s
        assert p2["content"]["text"] == s and p2["content"]["citations"][0]["location"] == s
        r.act(u["eddie"], p["id"], "withdraw")
        for bad_name in (s, s[:20]):
            with pytest.raises((AuthenticationError, TooManyAttemptsError)):
                r.login(bad_name, s, ip="203.0.113.9")
        with pytest.raises(InputError):
            r.add_user(u["admin"], s, "reader")
        assert r.list_proposals(kb_id=s) == []
        with pytest.raises(UnknownNameError):
            r.entry(s[:100])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM review_users")).scalar() == 7   # 6 + system
    assert r.audit_verify()["ok"]
    assert any(row["actor"] == INJECTIONS[0].lower()[:64].strip() for row in r.audit_rows(limit=500))


# ------------------------------------------------------------------------------------------------ concurrency

def _race(calls) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _one_wins(results: list[object]) -> None:
    wins = [x for x in results if isinstance(x, dict)]
    lost = [x for x in results if isinstance(x, ConflictError)]
    assert len(wins) == 1 and len(lost) == len(results) - 1, results
    assert all(x.http_status == 409 and x.exit_code == 2 for x in lost)


@pytest.mark.parametrize("hold_s", [0.0, 0.5])
def test_two_reviewers_approving_one_proposal_at_once(wf: Workflow, monkeypatch: pytest.MonkeyPatch,
                                                      hold_s: float) -> None:
    """One wins, the other gets a ConflictError; with the winner holding its transaction open (hold_s), the
    loser reaches its UPDATE while the winner has not committed: the optimistic lock decides."""
    r, u = wf.review, wf.users
    if hold_s:
        monkeypatch.setenv("NEPHROGUIDE_FAULT_POINT", f"approve.before_commit:{hold_s}")
    for _ in range(3):
        content = entry_content(r, DOSE)
        content["bases"][0]["value"] = round(content["bases"][0]["value"] + 0.01, 2)
        p = r.propose(u["eddie"], DOSE, content, submit=True)
        pid = p["id"]
        _one_wins(_race([lambda pid=pid: r.act(u["rita"], pid, "approve"),
                         lambda pid=pid: r.act(u["rex"], pid, "approve")]))
        assert r.proposal(p["id"])["state"] == "approved"
        assert r.entry(DOSE)["current_hash"] == p["content_hash"]
    audit_rows = r.audit_rows(limit=1000, action="proposal.approve")
    assert len(audit_rows) == 3
    assert r.audit_verify()["ok"]


def test_two_approvals_of_one_entry_at_once(wf: Workflow, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two proposals written against the same version: approving both at once -> one wins, no lost update."""
    r, u = wf.review, wf.users
    monkeypatch.setenv("NEPHROGUIDE_FAULT_POINT", "approve.before_commit:0.3")
    a, b = entry_content(r, DOSE), entry_content(r, DOSE)
    a["bases"][0]["value"], b["bases"][0]["value"] = 0.11, 0.13
    pa = r.propose(u["eddie"], DOSE, a, submit=True)
    pb = r.propose(u["emma"], DOSE, b, submit=True)
    _one_wins(_race([lambda: r.act(u["rita"], pa["id"], "approve"), lambda: r.act(u["rex"], pb["id"], "approve")]))
    winner = pa if r.proposal(pa["id"])["state"] == "approved" else pb
    loser = pb if winner is pa else pa
    assert r.entry(DOSE)["current_hash"] == winner["content_hash"]
    lost = r.proposal(loser["id"])
    assert lost["state"] == "submitted" and lost["stale"]
    with pytest.raises(ConflictError, match="revise"):
        r.act(u["rita" if winner is pb else "rex"], loser["id"], "approve")


def test_stale_expected_version_is_a_conflict(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    p = r.propose(u["eddie"], DOSE, entry_content(r, DOSE), submit=True)
    seen = p["state_version"]
    r.act(u["rita"], p["id"], "start")
    with pytest.raises(ConflictError) as ei:
        r.act(u["rex"], p["id"], "approve", expected=seen)
    assert ei.value.field == "expected_version"


def _approve_in_process(url: str, home: str, token: str, pid: int, queue) -> None:  # pragma: no cover - subprocess
    from nephroguide.review.db import open_store
    from nephroguide.review.service import Review

    r = Review(open_store(url), home=Path(home), auto_export=False)
    user = r.user_for_token(token)
    try:
        r.act(user, pid, "approve")
        queue.put("ok")
    except ConflictError:
        queue.put("conflict")


def test_two_processes_approving_at_once(wf: Workflow) -> None:
    import multiprocessing as mp

    r, u = wf.review, wf.users
    p = r.propose(u["eddie"], DOSE, entry_content(r, DOSE), submit=True)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_approve_in_process, args=(wf.url, str(wf.home), wf.tokens[name], p["id"], q))
             for name in ("rita", "rex")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert sorted(q.get(timeout=5) for _ in procs) == ["conflict", "ok"]
    assert r.proposal(p["id"])["state"] == "approved"


# ------------------------------------------------------------------------------------------------ audit

def test_audit_log_is_append_only_and_tampering_is_detected(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    p = r.propose(u["eddie"], DOSE, entry_content(r, DOSE), submit=True)
    r.act(u["rita"], p["id"], "approve")
    assert r.audit_verify()["ok"]
    engine = r.engine
    from sqlalchemy.exc import DBAPIError

    for sql in ("UPDATE review_audit_log SET actor = 'mallory' WHERE seq = 3", "DELETE FROM review_audit_log WHERE seq = 3"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    # someone with enough privileges drops the protection and rewrites history
    with engine.begin() as conn:
        if wf.backend == "postgresql":
            conn.execute(text("ALTER TABLE review_audit_log DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER review_audit_log_no_update"))
            conn.execute(text("DROP TRIGGER review_audit_log_no_delete"))
        conn.execute(text("UPDATE review_audit_log SET actor = 'mallory' WHERE seq = 5"))
    v = r.audit_verify()
    assert (v["ok"], v["first_broken"]) == (False, 5) and "changed" in v["reason"]
    with engine.begin() as conn:   # put it back, then delete a row in the middle
        conn.execute(text("UPDATE review_audit_log SET actor = 'admin' WHERE seq = 5"))
    assert r.audit_verify()["ok"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM review_audit_log WHERE seq = 7"))
    v = r.audit_verify()
    assert (v["ok"], v["first_broken"]) == (False, 7) and "missing" in v["reason"]


def test_audit_tail_truncation_is_detected(wf: Workflow) -> None:
    engine = wf.review.engine
    with engine.begin() as conn:
        if wf.backend == "postgresql":
            conn.execute(text("ALTER TABLE review_audit_log DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER review_audit_log_no_delete"))
        last = conn.execute(text("SELECT max(seq) FROM review_audit_log")).scalar()
        conn.execute(text(f"DELETE FROM review_audit_log WHERE seq = {last}"))
    v = wf.review.audit_verify()
    assert not v["ok"] and v["first_broken"] == last and "end" in v["reason"]


def test_audit_verify_is_not_fooled_by_a_write_committed_while_it_reads(wf: Workflow) -> None:
    """A second server appending (a login, an export) while verify walks the chain is not tampering: verify
    checks the chain up to the head it saw. CI once failed here on PostgreSQL, where each statement of a READ
    COMMITTED transaction sees newer commits; the append is now made to land between verify's reads."""
    from sqlalchemy import event

    from nephroguide.review import audit

    engine, fired = wf.review.engine, []

    def append_from_elsewhere(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if not fired and statement.lstrip().upper().startswith("SELECT"):   # right after verify's first read
            fired.append(True)
            wf.review.login("rob", "rob-password-1", ip="198.51.100.9")   # commits on its own connection

    with engine.connect() as raw:
        conn = raw.execution_options(ng_read=True)   # what Review.audit_verify uses: a reading transaction
        event.listen(raw, "after_cursor_execute", append_from_elsewhere)
        with conn.begin():
            v = audit.verify(conn)
    assert fired and v["ok"], v
    assert wf.review.audit_verify()["rows"] == v["rows"] + 1


def test_audit_records_who_did_what(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    r.set_role(u["admin"], "rob", "editor")
    with pytest.raises(AuthenticationError):
        r.login("rob", "wrong-password-x", ip="198.51.100.7")
    r.login("rob", "rob-password-1", ip="198.51.100.7")
    rows = r.audit_rows(limit=5)
    assert [(x["actor"], x["action"]) for x in rows[:3]] == [("rob", "login"), ("rob", "login.failed"),
                                                            ("admin", "user.role")]
    assert rows[2]["detail"] == {"from": "reader", "to": "editor"}
    assert rows[0]["ip"] == "198.51.100.7"
    with pytest.raises(ConflictError):
        r.set_role(u["admin"], "admin", "reader")   # the last admin


# ------------------------------------------------------------------------------------------------ logins and tokens

def test_login_throttling(wf: Workflow) -> None:
    import datetime as dt

    from nephroguide.review.service import Review

    now = [dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)]
    r = Review(wf.review.engine, clock=lambda: now[0])
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            r.login("eddie", "not-the-password", ip="192.0.2.1")
    with pytest.raises(TooManyAttemptsError) as ei:
        r.login("eddie", "eddie-password-1", ip="192.0.2.1")      # even the right password
    assert ei.value.http_status == 429 and 0 < ei.value.retry_after_s <= 900
    assert r.login("eddie", "eddie-password-1", ip="192.0.2.2")[0].name == "eddie"   # another address
    now[0] += dt.timedelta(minutes=16)
    assert r.login("eddie", "eddie-password-1", ip="192.0.2.1")[0].name == "eddie"
    failed = r.audit_rows(limit=100, action="login.failed")
    assert len(failed) == 5 and failed[0]["detail"]["throttled"] is True
    with pytest.raises(AuthenticationError):   # unknown accounts fail the same way
        r.login("nobody", "whatever-password", ip="192.0.2.1")


def test_tokens_are_stored_hashed_and_can_be_revoked(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    token = wf.tokens["rita"]
    assert token.startswith("ngt_") and r.user_for_token(token).name == "rita"
    assert r.user_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert r.user_for_token("Bearer " + token) is None
    with r.engine.connect() as conn:
        dump = json.dumps([list(map(str, row)) for row in conn.execute(text("SELECT * FROM review_api_tokens"))])
        assert token not in dump
        pw = conn.execute(text("SELECT password_hash FROM review_users WHERE name = 'rita'")).scalar()
        assert pw.startswith("$argon2id$") and "rita-password-1" not in pw
    assert r.revoke_tokens(u["rita"], "rita") == 1
    assert r.user_for_token(token) is None


def test_sessions(wf: Workflow) -> None:
    import datetime as dt

    from nephroguide.review.service import Review

    now = [dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)]
    r = Review(wf.review.engine, secret_key=b"k" * 40, clock=lambda: now[0], session_ttl_s=3600)
    user, cookie = r.login("rex", "rex-password-1", ip="192.0.2.5", session=True)
    assert cookie and r.user_for_session(cookie).name == "rex"
    assert Review(wf.review.engine, secret_key=b"other" * 8, clock=lambda: now[0]).user_for_session(cookie) is None
    with wf.review.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM review_web_sessions WHERE id = :c"), {"c": cookie}).scalar() == 0
    now[0] += dt.timedelta(hours=2)
    assert r.user_for_session(cookie) is None           # expired
    now[0] -= dt.timedelta(hours=2)
    r.logout(cookie, user)
    assert r.user_for_session(cookie) is None


# ------------------------------------------------------------------------------------------------ answer status, articles

def test_answer_status_follows_the_knowledge(wf: Workflow) -> None:
    from nephroguide.knowledge.pack import load_pack
    from nephroguide.review import review_status

    r, u = wf.review, wf.users
    ids = [REC, DOSE, "caution.cni.egfr_below_30"]
    st = review_status(ids, url=wf.url, pack=False)
    assert st["status"] == "unreviewed" and st["unreviewed"] == sorted(ids)   # seeded = shipped, not board-reviewed
    for kb_id in ids:          # the board confirms each entry as it is
        p = r.propose(u["eddie"], kb_id, submit=True)
        r.act(u["rita"], p["id"], "approve")
    st = review_status(ids, url=wf.url, pack=False)
    assert st["status"] == "approved" and st["pending"] == [] and st["last_updated"]
    assert review_status([*ids, "kdigo2025"], url=wf.url, pack=False)["status"] == "unreviewed"
    # the served pack is the shipped one (no export): its content is the approved one, so still approved
    assert review_status(ids, url=wf.url, pack=load_pack(__import__("nephroguide.knowledge.pack",
                                                                    fromlist=["PACK_DIR"]).PACK_DIR))["status"] \
        == "approved"
    content = entry_content(r, DOSE)
    content["bases"][0]["value"] = 0.2
    p = r.propose(u["emma"], DOSE, content, submit=True)
    st = review_status(ids, url=wf.url, pack=False)
    assert st["status"] == "submitted" and st["pending"] == [DOSE]
    r.act(u["rex"], p["id"], "start")
    st = review_status(ids, url=wf.url, pack=False)
    assert st["status"] == "under_review" and st["pending"] == [DOSE]
    r.act(u["rex"], p["id"], "approve")
    assert review_status(ids, url=wf.url, pack=False)["status"] == "approved"
    # the shipped pack no longer holds the approved dose: an answer built from it is not approved
    shipped = load_pack(__import__("nephroguide.knowledge.pack", fromlist=["PACK_DIR"]).PACK_DIR)
    st = review_status(ids, url=wf.url, pack=shipped)
    assert st["status"] == "unreviewed" and st["unreviewed"] == [DOSE]


def test_review_status_without_a_store_writes_nothing(tmp_path: Path) -> None:
    from nephroguide.review import review_status

    st = review_status([REC], home=tmp_path / "nohome")
    assert st == {"status": "unreviewed", "last_updated": None, "pending": [], "unreviewed": [REC]}
    assert not (tmp_path / "nohome").exists()


def test_articles_go_back_to_review_when_their_knowledge_changes(wf: Workflow) -> None:
    pytest.importorskip("nephroguide.answer.ask")
    r, u = wf.review, wf.users
    a = r.publish_article(u["eddie"], "dose of tacrolimus in SRNS", "clinician")
    assert a["state"] == "submitted" and any(e["kb_id"] == DOSE for e in a["entries"])
    with pytest.raises(PermissionDeniedError):
        r.act_article(u["eddie"], a["id"], "approve")
    a = r.act_article(u["rita"], a["id"], "approve")
    assert a["state"] == "approved" and a["last_updated"] and a["reviewer"] == "rita"
    assert all(e["approved_hash"] == e["current_hash"] for e in a["entries"])
    content = entry_content(r, DOSE)
    content["bases"][0]["value"] = 0.12
    p = r.propose(u["emma"], DOSE, content, submit=True)
    approved = r.act(u["rex"], p["id"], "approve")
    assert approved["history"][-1]["detail"]["articles_returned"] == [int(a["id"][1:])]
    a = r.article(a["id"])
    assert a["state"] == "submitted" and DOSE in a["note"]
    assert [e["kb_id"] for e in a["entries"] if e["changed_since_approval"]] == [DOSE]
    assert r.article_for("dose of tacrolimus in SRNS", "clinician")["id"] == a["id"]


def test_counts_stay_consistent(wf: Workflow) -> None:
    """Every approved non-seed version is some entry's past or present; the chain head matches the log."""
    from nephroguide.review.schema import kb_entries, kb_versions, store_state

    r, u = wf.review, wf.users
    p = r.propose(u["eddie"], DOSE, entry_content(r, DOSE), submit=True)
    r.act(u["rita"], p["id"], "approve")
    with r.engine.connect() as conn:
        n_entries = conn.execute(select(func.count()).select_from(kb_entries)).scalar()
        current = conn.execute(select(func.count()).select_from(kb_entries)
                               .where(kb_entries.c.current_version_id.is_not(None))).scalar()
        assert n_entries == current
        head = conn.execute(select(store_state.c.audit_seq, store_state.c.generation)).one()
        assert head.generation == 1
        assert conn.execute(select(func.count()).select_from(kb_versions)
                            .where(kb_versions.c.state == "approved")).scalar() == n_entries + 1
    # the approval's CHECK constraint: approved rows always carry the approved hash
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), r.engine.begin() as c2:
        c2.execute(update(kb_versions).where(kb_versions.c.id == p["id"]).values(approved_hash="x"))


def test_ask_reports_the_review_status_of_its_knowledge(wf: Workflow, monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer article's status comes from the store: a submitted change to an entry it uses shows."""
    import datetime as dt

    from nephroguide.answer.ask import answer_question
    from nephroguide.review import status as review_status_module

    monkeypatch.setenv("NEPHROGUIDE_DATABASE_URL", wf.url)      # a shared deployment's store
    monkeypatch.setenv("NEPHROGUIDE_HOME", str(wf.home))
    question = "What is the next step for a child with SRNS after steroids fail?"
    before = answer_question(question, today=dt.date(2026, 11, 21))
    assert before.review_status == "unreviewed"        # only the seed approval: nobody has reviewed it
    kb_ids = {i.statement.kb_id for s in before.sections for i in s.items}
    assert REC in kb_ids
    wf.review.propose(wf.users["eddie"], REC, submit=True)
    review_status_module.invalidate()
    after = answer_question(question, today=dt.date(2026, 11, 21))
    assert after.review_status == "submitted"
