"""Issue 13 item 6: feedback follows HL7's CDSHooksFeedback rules (cds-fb-1..3) and CDS Hooks 2.0.

Fixture: tests/fixtures/cds/feedback_sandbox.json (the shapes the sandbox sends: accepted with the
suggestion's uuid, overridden with a coded reason only, overridden without a reason).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from cds_support import OS, client, fixture

CARD = "0a3c1e5d-7b9f-4d2a-8c6e-1f3b5d7a9c2e"
SUGGESTION = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def c(home: Path) -> Any:
    return client(home)


def _sandbox_feedback() -> dict[str, Any]:
    fb = fixture("feedback_sandbox")
    fb["feedback"][0].update(card=CARD, acceptedSuggestions=[{"id": SUGGESTION}])
    fb["feedback"][1]["card"] = CARD
    fb["feedback"][2]["card"] = CARD
    return fb


def test_sandbox_feedback_is_stored(c: Any, home: Path) -> None:
    from nephroguide.web import store

    resp = c.post(OS + "/feedback", json=_sandbox_feedback())
    assert resp.status_code == 200 and resp.json() == {"stored": 3}
    rows = store.list_feedback(home, "nephroguide-order-sign")[-3:]
    assert [r["outcome"] for r in rows] == ["accepted", "overridden", "overridden"]
    assert rows[0]["acceptedSuggestions"] == [{"id": SUGGESTION}]
    assert rows[1]["overrideReason"] == {"reason": {"code": "specialist",
                                                    "system": "https://nephroguide.org/override-reasons"}}
    assert rows[2]["overrideReason"] is None and rows[2]["outcomeTimestamp"] == "2026-11-21T05:06:09-05:00"


def _item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"card": CARD, "outcome": "accepted", "acceptedSuggestions": [{"id": SUGGESTION}],
                            "outcomeTimestamp": "2026-11-21T10:05:31Z"}
    for key, value in changes.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return item


@pytest.mark.parametrize(("item", "field", "rule"), [
    (_item(acceptedSuggestions=None), "feedback[0].acceptedSuggestions", "cds-fb-1"),
    (_item(acceptedSuggestions=[]), "feedback[0].acceptedSuggestions", "cds-fb-1"),
    (_item(acceptedSuggestions=[{"id": "not-a-uuid"}]), "feedback[0].acceptedSuggestions[0].id", "uuid"),
    (_item(overrideReason={"reason": {"code": "intended"}}), "feedback[0].overrideReason", "cds-fb-2"),
    (_item(outcome="overridden"), "feedback[0].acceptedSuggestions", "cds-fb-2"),
    (_item(outcome="overridden", acceptedSuggestions=None, overrideReason={}), "feedback[0].overrideReason", "cds-fb-3"),
    (_item(outcome="overridden", acceptedSuggestions=None, overrideReason={"reason": {"display": "busy"}}),
     "feedback[0].overrideReason.reason.code", "code"),
    (_item(outcome="ignored"), "feedback[0].outcome", "accepted or overridden"),
    (_item(card="card-1"), "feedback[0].card", "uuid"),
    (_item(outcomeTimestamp="2026-11-21"), "feedback[0].outcomeTimestamp", "instant"),
    (_item(outcomeTimestamp="2026-11-21T10:05"), "feedback[0].outcomeTimestamp", "instant"),
    (_item(outcomeTimestamp="2026-11-21T10:05:31"), "feedback[0].outcomeTimestamp", "instant"),
    (_item(outcomeTimestamp="2026-02-30T10:05:31Z"), "feedback[0].outcomeTimestamp", "instant"),
    (_item(outcomeTimestamp=None), "feedback[0].outcomeTimestamp", "instant"),
])
def test_rule_violations_are_400_naming_the_field(c: Any, item: dict[str, Any], field: str, rule: str) -> None:
    resp = c.post(OS + "/feedback", json={"feedback": [item]})
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["errors"][0]["field"] == field
    assert rule in body["errors"][0]["message"] or rule in body["detail"] or rule == "instant"
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_user_comment_alone_is_a_valid_override_reason(c: Any) -> None:
    item = _item(outcome="overridden", acceptedSuggestions=None, overrideReason={"userComment": "trough-guided"})
    assert c.post(OS + "/feedback", json={"feedback": [item]}).json() == {"stored": 1}


def test_nothing_is_stored_when_one_item_is_wrong(c: Any, home: Path) -> None:
    from nephroguide.web import store

    before = len(store.list_feedback(home))
    resp = c.post(OS + "/feedback", json={"feedback": [_item(), _item(acceptedSuggestions=None)]})
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "feedback[1].acceptedSuggestions"
    assert len(store.list_feedback(home)) == before


@pytest.mark.parametrize("body", [{}, {"feedback": []}, {"feedback": {"card": CARD}}])
def test_feedback_must_be_a_non_empty_array(c: Any, body: dict[str, Any]) -> None:
    resp = c.post(OS + "/feedback", json=body)
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "feedback"
