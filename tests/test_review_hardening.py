"""Issue 12: four eyes means four people (admins included), audit paging cannot overflow the database,
on SQLite and PostgreSQL. The clock is injected: no test depends on the wall clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nephroguide.errors import PermissionDeniedError
from review_support import BACKENDS, Workflow, entry_content, make_store_url, make_workflow

REC = "srns.cni.first_line"
DOSE = "tacrolimus.srns.kdigo2025"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, days: float) -> None:
        self.now += dt.timedelta(days=days)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    yield from make_store_url(request.param, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wf(store, tmp_path: Path, clock: Clock) -> Workflow:
    return make_workflow(store.url, store.backend, tmp_path / "home", clock=clock, cooling_off_s=7 * 86400,
                         auto_export=False)


def _actions(wf: Workflow, action: str) -> list[dict]:
    return [row for row in wf.review.audit_rows(limit=1000) if row["action"] == action]


def test_admin_cannot_mint_a_token_for_reviewer_rita_and_the_attempt_is_audited(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    with pytest.raises(PermissionDeniedError) as info:
        r.create_token(u["admin"], "rita", "let me be rita")
    assert info.value.field == "name" and "only to rita" in info.value.message
    refused = _actions(wf, "user.token_refused")
    assert [(row["actor"], row["subject"]) for row in refused] == [("admin", "user:rita")]
    assert r.create_token(u["rita"], "rita", "rita's own").startswith("ngt_")  # rita herself may
    assert r.audit_verify()["ok"]


def test_fresh_reviewer_created_by_admin_cannot_approve_the_admins_proposal(wf: Workflow, clock: Clock) -> None:
    r, u = wf.review, wf.users
    clock.advance(30)  # the workflow's accounts are old; sock is new
    sock = r.add_user(u["admin"], "sock", "reviewer", "sock-password-1")
    assert r.create_token(u["admin"], "sock", "first token").startswith("ngt_")  # the account's first token
    with pytest.raises(PermissionDeniedError):  # ... and only the first
        r.create_token(u["admin"], "sock", "second token")
    p = r.propose(u["admin"], REC, entry_content(r, REC), submit=True)
    with pytest.raises(PermissionDeniedError) as info:
        r.act(sock, p["id"], "approve")
    assert "admin created sock's account" in info.value.message and info.value.field == "id"
    assert r.proposal(p["id"])["state"] == "submitted"
    refused = _actions(wf, "proposal.approve_refused")
    assert refused and refused[0]["actor"] == "sock" and refused[0]["detail"]["reason"] == "cooling_off"
    # another reviewer, not empowered by the author, approves; and after the cooling-off period sock may too
    q = r.propose(u["admin"], DOSE, entry_content(r, DOSE), submit=True)
    assert r.act(u["rex"], p["id"], "approve")["state"] == "approved"
    clock.advance(8)
    assert r.act(sock, q["id"], "approve")["state"] == "approved"
    assert r.audit_verify()["ok"]


def test_reviewer_re_roled_by_editor_turned_admin_cannot_approve_their_proposal(wf: Workflow, clock: Clock) -> None:
    r, u = wf.review, wf.users
    clock.advance(30)  # the accounts of the workflow are old now
    p = r.propose(u["admin"], REC, entry_content(r, REC), submit=True)
    r.set_role(u["admin"], "rob", "reviewer")  # a reader made reviewer by the author of the proposal
    rob = r.user_for_token(wf.tokens["rob"])
    assert rob is not None and rob.role == "reviewer"
    with pytest.raises(PermissionDeniedError, match="changed the role of rob"):
        r.act(rob, p["id"], "approve")
    # an admin who resets rita's password cannot then approve through rita
    r.set_password(u["admin"], "rita", "a-new-password-2")
    with pytest.raises(PermissionDeniedError, match="set the password of rita"):
        r.act(u["rita"], p["id"], "approve")
    assert r.act(u["rex"], p["id"], "approve")["state"] == "approved"  # rex: untouched by admin for 30 days
    assert len(_actions(wf, "proposal.approve_refused")) == 2


def test_own_approval_attempt_is_refused_and_audited(wf: Workflow) -> None:
    r, u = wf.review, wf.users
    own = r.propose(u["rita"], REC, entry_content(r, REC), submit=True)
    with pytest.raises(PermissionDeniedError, match="another reviewer"):
        r.act(u["rita"], own["id"], "approve")
    assert [row["detail"]["reason"] for row in _actions(wf, "proposal.approve_refused")] == ["own"]


def test_audit_before_beyond_any_integer_column_is_all_rows_not_a_database_error(wf: Workflow) -> None:
    r = wf.review
    everything = r.audit_rows(limit=1000)
    assert everything
    for huge in (2**31, 2**31 + 1, 2**63 - 1, 2**63, 10**40):
        assert r.audit_rows(limit=1000, before=huge) == everything
    assert r.audit_rows(before=0) == [] and r.audit_rows(before=-(2**70)) == []
    newest = everything[0]["seq"]
    assert [row["seq"] for row in r.audit_rows(limit=1000, before=newest)] == [row["seq"] for row in everything[1:]]



def test_proposal_content_with_a_yaml_alias_bomb_is_refused_naming_the_field() -> None:
    from nephroguide.errors import InputError
    from nephroguide.review.content import parse_text

    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"
    with pytest.raises(InputError) as info:
        parse_text(bomb)
    assert info.value.field == "content" and "anchors and aliases" in info.value.message
    assert parse_text("id: x\nvalues: [1, 2]\n") == {"id": "x", "values": [1, 2]}


def test_a_proposal_with_a_key_given_twice_is_refused_naming_the_line():
    import pytest

    from nephroguide.errors import InputError
    from nephroguide.review.content import parse_text

    with pytest.raises(InputError) as exc:
        parse_text("id: rule.x\ndose: 2\ndose: 20\n")
    assert "duplicate key 'dose'" in str(exc.value) and "line 3" in str(exc.value)
    assert parse_text('{"id": "rule.x", "dose": 2}') == {"id": "rule.x", "dose": 2}
