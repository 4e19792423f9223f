"""A pytest plugin, run inside the grading child, that reports each test to the grader.

It listens to pytest's report hooks the way pytest's own junitxml plugin does and
sends one JSON message per event down a pipe; the parent never parses terminal
output and never unpickles anything the child sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

MESSAGE_LIMIT = 1500
OUTPUT_LIMIT = 1000
TRACEBACK_LIMIT = 2000
HYPOTHESIS_NOISE = ("You can reproduce this example", "@reproduce_failure", "Explanation:")


def cap(text: str, limit: int) -> str:
    """Cut text to a limit, saying how much was dropped."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [{len(text) - limit} more characters cut]"


def points_of(item: pytest.Item) -> float:
    """Points a test is worth (its `points` marker, 1 by default)."""
    marker = item.get_closest_marker("points")
    if marker is None or not marker.args:
        return 1.0
    return float(marker.args[0])


def description_of(item: pytest.Item) -> str:
    """First line of the test function's docstring."""
    doc = getattr(getattr(item, "obj", None), "__doc__", None) or ""
    lines = [line.strip() for line in doc.strip().splitlines()]
    return lines[0] if lines else ""


def split_notes(exc: BaseException, crash: str) -> tuple[str, str]:
    """Separate hypothesis' falsifying example (exception notes) from the crash message."""
    notes = [str(n) for n in getattr(exc, "__notes__", ()) or ()]
    kept = [n for n in notes if not n.startswith(HYPOTHESIS_NOISE)]
    message = crash
    for note in notes:
        message = message.replace("\n" + note, "")
    return message.strip(), "\n".join(kept).strip()


def candidate_frames(excinfo: pytest.ExceptionInfo[BaseException], candidate: Path | None) -> str:
    """Only the candidate's own frames of a traceback, innermost last."""
    if candidate is None:
        return ""
    lines = []
    for entry in excinfo.traceback:
        try:
            same = Path(entry.path).resolve() == candidate
        except (OSError, TypeError, ValueError):
            same = False
        if same:
            source = str(entry.statement).strip().splitlines()
            code = source[0] if source else ""
            lines.append(f"{candidate.name}:{entry.lineno + 1} in {entry.name}\n    {code}")
    if lines:
        lines.append(f"{excinfo.typename}: {cap(str(excinfo.value), 300)}")
    return "\n".join(lines)


class Collector:
    """Sends collection and per-test results to the grader."""

    def __init__(
        self,
        send: Callable[[dict[str, Any]], None],
        *,
        candidate: Path | None,
        only: frozenset[str] | None = None,
        collect_only: bool = False,
    ) -> None:
        self._send = send
        self._candidate = candidate.resolve() if candidate else None
        self._only = only
        self._collect_only = collect_only
        self._phases: dict[str, dict[str, Any]] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): points a hidden test is worth")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._send({"event": "collect_error", "message": cap(str(report.longrepr), 4000)})

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if self._only is not None:
            kept = [i for i in items if i.nodeid in self._only]
            dropped = [i for i in items if i.nodeid not in self._only]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
            items[:] = kept
        if self._collect_only:
            tests = [
                {"nodeid": i.nodeid, "points": points_of(i), "description": description_of(i)}
                for i in items
            ]
            self._send({"event": "collected", "tests": tests})

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._phases[nodeid] = {"status": "passed", "duration": 0.0, "output": ""}
        self._send({"event": "start", "nodeid": nodeid})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is None or not report.failed:
            return
        crash = getattr(getattr(report.longrepr, "reprcrash", None), "message", None)
        crash = crash or f"{call.excinfo.typename}: {call.excinfo.value}"
        message, example = split_notes(call.excinfo.value, crash)
        report.mlgrade_detail = {
            "message": cap(message, MESSAGE_LIMIT),
            "counterexample": cap(example, MESSAGE_LIMIT),
            "traceback": cap(candidate_frames(call.excinfo, self._candidate), TRACEBACK_LIMIT),
            "exception": call.excinfo.typename,
        }

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        state = self._phases.setdefault(
            report.nodeid, {"status": "passed", "duration": 0.0, "output": ""}
        )
        state["duration"] += report.duration
        if state["status"] == "passed":
            if report.failed:
                state["status"] = "error" if report.when == "setup" else "failed"
                state.update(getattr(report, "mlgrade_detail", {}))
                state.setdefault("message", cap(str(report.longrepr), MESSAGE_LIMIT))
            elif report.skipped:
                # A skip earns nothing: candidate code could call pytest.skip().
                state["status"] = "failed"
                state["message"] = "test was skipped: " + cap(str(report.longrepr), 300)
        if report.when == "call" or report.failed:
            output = (report.capstdout or "") + (report.capstderr or "")
            if output:
                state["output"] = cap(output, OUTPUT_LIMIT)
        if report.when == "teardown":
            self._send({"event": "result", "nodeid": report.nodeid, **state})

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._send({"event": "finished", "exitstatus": int(exitstatus)})


def encode(message: dict[str, Any], token: str) -> bytes:
    """One channel message: the run's token, then JSON."""
    return json.dumps({**message, "token": token}).encode()
