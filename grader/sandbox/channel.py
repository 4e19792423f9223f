"""The parent's side of the results channel: check each message a judge sends.

Messages are JSON, never pickles; anything malformed, out of sequence or without the
run's token means the judge's results can no longer be trusted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

RESULT_STATUSES = frozenset({"passed", "failed", "error"})
CALL_TEXT_LIMIT = 300
LIMITS = frozenset({"memory_limit", "recursion_limit", "output_limit", "process_limit"})
SURROGATES = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class CollectedTest:
    """A test the suite defines, learnt from a run against the stub."""

    __test__ = False

    nodeid: str
    points: float
    description: str
    gate: str = ""  # a test of the same suite that must pass for this one to score


@dataclass(frozen=True)
class TestRecord:
    """What the grader knows about one test after a run."""

    __test__ = False

    nodeid: str
    status: str
    message: str = ""
    counterexample: str = ""
    traceback: str = ""
    output: str = ""
    exception: str = ""
    duration: float = 0.0
    limit: str = ""  # the resource limit that failed the test, if one did


@dataclass
class ChildOutcome:
    """Everything one judge reported, and how it ended."""

    records: dict[str, TestRecord] = field(default_factory=dict)
    collected: list[CollectedTest] = field(default_factory=list)
    collect_error: str = ""
    import_error: str = ""
    network: str = ""
    protections: dict[str, bool | str] = field(default_factory=dict)
    current: str | None = None
    current_fate: str = ""  # "timeout" or "crashed" for the test that was running
    finished: bool = False
    timed_out: bool = False
    corrupt: str = ""
    exit_reason: str = ""
    started_tests: int = 0
    current_call: str = ""  # the running test's latest call into the candidate's code


def _text(value: object) -> str:
    """Text from a judge's message, fit for every output: a lone surrogate (which JSON's
    "\\ud800" gives back from text the candidate's code wrote) becomes U+FFFD, since no
    UTF-8 file, page or terminal can hold it."""
    text = str(value)
    if text.isascii():
        return text
    return SURROGATES.sub("\ufffd", text)


def accept(raw: bytes, token: str, expected: set[str] | None, outcome: ChildOutcome) -> bool:
    """Validate one channel message and fold it into the outcome; False stops trusting."""
    try:
        message = json.loads(raw)
        if not isinstance(message, dict) or message.get("token") != token:
            raise ValueError("bad token")
        event = message["event"]
        if event == "sandbox":
            outcome.network = _text(message["network"])
            found = message.get("protections") or {}
            outcome.protections = {
                _text(k): v if isinstance(v, bool) else _text(v) for k, v in dict(found).items()
            }
        elif event == "collected":
            outcome.collected = [
                CollectedTest(
                    nodeid=_text(t["nodeid"]),
                    points=float(t["points"]),
                    description=_text(t["description"]),
                    gate=_text(t.get("gate") or ""),
                )
                for t in message["tests"]
            ]
        elif event == "collect_error":
            outcome.collect_error = _text(message["message"])
        elif event == "import_error":
            outcome.import_error = _text(message["message"]) or "the module could not be imported"
        elif event == "start":
            nodeid = _text(message["nodeid"])
            if outcome.current is not None or (expected is not None and nodeid not in expected):
                raise ValueError("unexpected start")
            outcome.current = nodeid
            outcome.current_call = ""
            outcome.started_tests += 1
        elif event == "calling":
            # Sent from a watcher thread: a notice about a test that has just ended
            # arrives late and is dropped, not taken for tampering.
            if _text(message["nodeid"]) == outcome.current:
                outcome.current_call = _text(message["call"])[:CALL_TEXT_LIMIT]
        elif event == "result":
            nodeid = _text(message["nodeid"])
            status = _text(message["status"])
            if nodeid != outcome.current or status not in RESULT_STATUSES:
                raise ValueError("result out of sequence")
            outcome.records[nodeid] = TestRecord(
                nodeid=nodeid,
                status=status,
                message=_text(message.get("message", "")),
                counterexample=_text(message.get("counterexample", "")),
                traceback=_text(message.get("traceback", "")),
                output=_text(message.get("output", "")),
                exception=_text(message.get("exception", "")),
                limit=_text(message.get("limit", "")) if message.get("limit") in LIMITS else "",
                duration=float(message.get("duration", 0.0)),
            )
            outcome.current = None
        elif event == "finished":
            if outcome.current is not None:
                raise ValueError("finished during a test")
            outcome.finished = True
        else:
            raise ValueError(f"unknown event {event!r}")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        # RecursionError: JSON nested too deeply for json.loads, which only a forger sends.
        outcome.corrupt = f"the result channel was tampered with ({exc})"
        return False
    return True
