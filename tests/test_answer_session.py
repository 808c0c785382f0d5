"""Follow-up sessions in the embedded store: context carries over; unknown ids are refused; ask without a
session reads and writes nothing."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from nephroguide.api import ask
from nephroguide.errors import InputError, UnknownNameError

TODAY = dt.date(2026, 11, 21)


def db(home):
    return home / "nephroguide.sqlite3"


def test_new_session_then_cni_failure_moves_to_the_cni_resistant_step(tmp_path):
    first = ask("Child with SRNS, what is the next step?", session="new", today=TODAY, home=tmp_path)
    assert first.session and first.intent == "srns_next_step" and not first.context["from_session"]
    second = ask("what if tacrolimus doesn't work?", session=first.session, today=TODAY, home=tmp_path)
    assert second.session == first.session
    assert second.intent == "cni_resistant_next_step" and second.context["from_session"]
    assert "srns" in second.context["stage"] and "cni_resistant" in second.context["stage"]
    assert "clinical trial" in second.summary_text


def test_dose_follow_up_uses_the_drug_under_discussion(tmp_path):
    first = ask("Child with SRNS, what is the next step?", session="new", today=TODAY, home=tmp_path)
    dose = ask("what dose for a 20 kg child?", session=first.session, today=TODAY, home=tmp_path)
    assert dose.intent == "dosing" and dose.context["drugs"][:2] == ["tacrolimus", "cyclosporine"]
    assert dose.context["indication"] == "srns"
    assert "1 mg twice daily (every 12 hours), 2 mg/day" in dose.markdown
    assert "50 mg twice daily (every 12 hours), 100 mg/day" in dose.markdown


def test_follow_up_without_intent_keeps_the_previous_one(tmp_path):
    first = ask("Levamisole dose for FRNS 25 kg", session="new", today=TODAY, home=tmp_path)
    again = ask("and for 30 kg?", session=first.session, today=TODAY, home=tmp_path)
    assert again.intent == "dosing" and "75 mg" in again.markdown


def test_a_new_topic_replaces_the_stage(tmp_path):
    first = ask("Child with SRNS, what is the next step?", session="new", today=TODAY, home=tmp_path)
    other = ask("How is a first episode of nephrotic syndrome treated?", session=first.session, today=TODAY,
                home=tmp_path)
    assert other.intent == "first_episode_treatment" and "srns" not in other.context["stated_stage"]


def test_turns_are_stored(tmp_path):
    first = ask("SRNS next step?", session="new", today=TODAY, home=tmp_path)
    ask("what if tacrolimus doesn't work?", session=first.session, today=TODAY, home=tmp_path)
    conn = sqlite3.connect(db(tmp_path))
    rows = conn.execute("SELECT turn, intent, asked_on FROM session_turns WHERE session_id = ? ORDER BY turn",
                        (first.session,)).fetchall()
    assert rows == [(1, "srns_next_step", "2026-11-21"), (2, "cni_resistant_next_step", "2026-11-21")]
    assert conn.execute("SELECT turns FROM sessions WHERE id = ?", (first.session,)).fetchone()[0] == 2


def test_unknown_session_is_an_input_error_and_writes_nothing(tmp_path):
    with pytest.raises(UnknownNameError) as exc:
        ask("SRNS next step?", session="abc123def", today=TODAY, home=tmp_path)
    assert exc.value.exit_code == 2 and exc.value.field == "session"
    assert not any(tmp_path.iterdir()), "nothing may be written for an unknown session"
    # an existing store with other sessions: still refused, and not modified
    first = ask("SRNS next step?", session="new", today=TODAY, home=tmp_path)
    before = db(tmp_path).read_bytes()
    with pytest.raises(UnknownNameError):
        ask("SRNS next step?", session="zzz999", today=TODAY, home=tmp_path)
    assert first.session != "zzz999"
    conn = sqlite3.connect(db(tmp_path))
    assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
    assert db(tmp_path).read_bytes()[:100] == before[:100]


@pytest.mark.parametrize("bad", ["a", "has space", "x" * 80, "../etc", "drop;table"])
def test_malformed_session_id(bad, tmp_path):
    with pytest.raises(InputError):
        ask("SRNS next step?", session=bad, today=TODAY, home=tmp_path)
    assert not any(tmp_path.iterdir())


def test_bad_input_with_a_session_writes_nothing(tmp_path):
    first = ask("SRNS next step?", session="new", today=TODAY, home=tmp_path)
    conn = sqlite3.connect(db(tmp_path))
    count = conn.execute("SELECT count(*) FROM session_turns").fetchone()[0]
    for bad in ("", "x" * 20000, "bad\x00bytes"):
        with pytest.raises(InputError):
            ask(bad, session=first.session, today=TODAY, home=tmp_path)
    with pytest.raises(InputError):
        ask("SRNS next step?", session=first.session, patient={"age_years": "x"}, today=TODAY, home=tmp_path)
    assert conn.execute("SELECT count(*) FROM session_turns").fetchone()[0] == count


def test_ask_without_session_writes_nothing(tmp_path):
    home = tmp_path / "home"
    ask("SRNS next step?", today=TODAY, home=home)
    ask("What if tacrolimus doesn't work?", audience="family", today=TODAY, home=home)
    assert not home.exists()
