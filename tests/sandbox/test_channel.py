"""The parent's side of the results channel: only a well-formed sequence is trusted."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from grader.sandbox.channel import ChildOutcome, accept

TOKEN = "secret"
EXPECTED = {"t.py::a", "t.py::b"}


def message(**fields) -> bytes:
    return json.dumps({"token": TOKEN, **fields}).encode()


def feed(*raw: bytes) -> ChildOutcome:
    outcome = ChildOutcome()
    for item in raw:
        if not accept(item, TOKEN, EXPECTED, outcome):
            break
    return outcome


def test_a_clean_run_is_recorded():
    outcome = feed(
        message(event="sandbox", network="namespace", protections={"seccomp": True}),
        message(event="start", nodeid="t.py::a"),
        message(event="result", nodeid="t.py::a", status="passed", duration=0.1),
        message(event="start", nodeid="t.py::b"),
        message(event="result", nodeid="t.py::b", status="failed", message="boom"),
        message(event="finished", exitstatus=1),
    )
    assert not outcome.corrupt and outcome.finished
    assert {k: r.status for k, r in outcome.records.items()} == {
        "t.py::a": "passed",
        "t.py::b": "failed",
    }


def test_wrong_token_is_tampering():
    outcome = feed(json.dumps({"token": "guess", "event": "finished"}).encode())
    assert "tampered" in outcome.corrupt and not outcome.finished


def test_result_without_start_is_tampering():
    outcome = feed(message(event="result", nodeid="t.py::a", status="passed"))
    assert outcome.corrupt and not outcome.records


def test_unknown_test_or_status_is_tampering():
    assert feed(message(event="start", nodeid="t.py::zzz")).corrupt
    outcome = feed(
        message(event="start", nodeid="t.py::a"),
        message(event="result", nodeid="t.py::a", status="ok"),
    )
    assert outcome.corrupt and not outcome.records


def test_finished_in_the_middle_of_a_test_is_tampering():
    assert feed(
        message(event="start", nodeid="t.py::a"), message(event="finished", exitstatus=0)
    ).corrupt


def test_an_unknown_event_stops_trust():
    outcome = feed(message(event="tampered", message="math.isclose"))
    assert "unknown event" in outcome.corrupt


@given(st.binary(max_size=200))
def test_junk_is_never_a_passed_test(raw):
    outcome = feed(raw)
    assert not outcome.records and not outcome.finished


def test_json_nested_too_deep_is_tampering_not_a_crash():
    outcome = ChildOutcome()
    assert not accept(b"[" * 100_000 + b"]" * 100_000, TOKEN, EXPECTED, outcome)
    assert "tampered" in outcome.corrupt


def test_the_running_tests_latest_call_is_kept_and_a_late_notice_dropped():
    outcome = feed(
        message(event="start", nodeid="t.py::a"),
        message(event="calling", nodeid="t.py::a", call="add(2, 3)"),
        message(event="result", nodeid="t.py::a", status="passed"),
        # the watcher's notice about a test that has just ended: not tampering
        message(event="calling", nodeid="t.py::a", call="add(4, 5)"),
        message(event="start", nodeid="t.py::b"),
        message(event="calling", nodeid="t.py::a", call="add(6, 7)"),
    )
    assert not outcome.corrupt
    assert outcome.current == "t.py::b" and outcome.current_call == ""
    long_call = feed(
        message(event="start", nodeid="t.py::a"),
        message(event="calling", nodeid="t.py::a", call="f(" + "1, " * 500 + ")"),
    )
    assert len(long_call.current_call) == 300
