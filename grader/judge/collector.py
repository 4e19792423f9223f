"""A pytest plugin, run inside the judge's process, that reports each test to the grader.

It listens to pytest's report hooks the way pytest's own junitxml plugin does and
sends one JSON message per event down a pipe; the parent never parses terminal
output and never unpickles anything the child sends.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.judge.call_watch import CallWatch
from grader.judge.suite_tools import last_call
from grader.judge.wording import did_not_raise, readable

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


def gate_of(item: pytest.Item) -> str:
    """The test whose passing this one's points wait for (its `gated_on` marker), if any."""
    marker = item.get_closest_marker("gated_on")
    return str(marker.args[0]) if marker is not None and marker.args else ""


def description_of(item: pytest.Item) -> str:
    """First line of the test function's docstring."""
    doc = getattr(getattr(item, "obj", None), "__doc__", None) or ""
    lines = [line.strip() for line in doc.strip().splitlines()]
    return lines[0] if lines else ""


def _frames(exc: BaseException) -> str:
    """The candidate's own frames of an error raised in its process, innermost last."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = getattr(current, "remote_traceback", "")
        if isinstance(frames, str) and frames:
            return frames
        current = current.__cause__ or current.__context__
    return ""


LIMIT_MESSAGES = {
    "memory_limit": "memory limit reached: the code asked for more memory than the exercise allows",
    "recursion_limit": "recursion limit reached: the code recursed too deeply",
    "output_limit": "output or file size limit reached: the code printed or wrote too much",
    "process_limit": "process limit reached: the code started too many processes or threads",
}


# A RecursionError counts against the candidate's own code when its frames fill the
# traceback; a library that recursed (json.loads on a deeply nested body) leaves one or
# two frames of the candidate's, and is a failed test about its error handling.
OWN_RECURSION_FRAMES = 10


def _recursed_in_own_code(exc: RecursionError) -> bool:
    frames = getattr(exc, "remote_traceback", "")
    return isinstance(frames, str) and frames.count(".py:") >= OWN_RECURSION_FRAMES


def limit_of(exc: BaseException) -> str:
    """Which resource limit an exception (or what caused it) comes from, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MemoryError):
            return "memory_limit"
        if isinstance(current, RecursionError) and _recursed_in_own_code(current):
            return "recursion_limit"
        if isinstance(current, OSError) and current.errno == errno.EFBIG:
            return "output_limit"
        if isinstance(current, OSError) and current.errno == errno.EAGAIN:
            return "process_limit"
        current = current.__cause__ or current.__context__
    return ""


def _safe_text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ fails
        return "(no readable message)"


def _has_own_message(exc: AssertionError) -> bool:
    """Whether the suite gave the assert a message (pytest puts it before "assert ...")."""
    text = _safe_text(exc)
    return bool(text) and not text.startswith("assert ")


def describe_failure(exc: BaseException) -> dict[str, str]:
    """Message, hypothesis' falsifying example and the candidate's frames of a failure."""
    prefix = ""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        prefix = f"(first of {len(exc.exceptions)} distinct failures) "
        exc = exc.exceptions[0]
    notes = [str(n) for n in getattr(exc, "__notes__", ()) or ()]
    example = "\n".join(n for n in notes if not n.startswith(HYPOTHESIS_NOISE)).strip()
    limit = limit_of(exc)
    if limit:
        prefix = f"{LIMIT_MESSAGES[limit]}\n{prefix}"
    text = f"{type(exc).__name__}: {_safe_text(exc)}"
    try:
        if isinstance(exc, AssertionError):
            text = readable(text, has_own_message=_has_own_message(exc))
        elif isinstance(exc, pytest.fail.Exception) and "DID NOT RAISE" in text:
            text = did_not_raise(text, last_call())
    except Exception:  # noqa: BLE001 - rewording must never cost the test its result
        pass
    return {
        "limit": limit,
        "message": cap(f"{prefix}{text}".strip(), MESSAGE_LIMIT),
        "counterexample": cap(example, MESSAGE_LIMIT),
        "traceback": cap(_frames(exc), TRACEBACK_LIMIT),
        "exception": type(exc).__name__,
    }


class Collector:
    """Sends collection and per-test results to the grader."""

    def __init__(
        self,
        send: Callable[[dict[str, Any]], None],
        *,
        only: frozenset[str] | None = None,
        collect_only: bool = False,
        shared_tmp: Path | None = None,
        candidate_uid: int | None = None,
        after_test: Callable[[], None] | None = None,
    ) -> None:
        self._send = send
        self._after_test = after_test
        self._only = only
        self._collect_only = collect_only
        self._phases: dict[str, dict[str, Any]] = {}
        self._shared_tmp = shared_tmp
        self._candidate_uid = candidate_uid
        self._calls = CallWatch(send)

    @pytest.fixture
    def tmp_path(self, request: pytest.FixtureRequest, tmp_path_factory: Any) -> Path:
        """A test's temporary folder, inside the candidate's run folder, so that files the
        test writes there reach the candidate's process and the candidate may write too."""
        base = tmp_path_factory.getbasetemp()
        # The candidate may enter the base folder but not list it or add to it.
        os.chmod(base, 0o711)
        path = tmp_path_factory.mktemp(request.node.name[:30] or "test", numbered=True)
        if self._candidate_uid is not None:
            os.chown(path, self._candidate_uid, self._candidate_uid)
        os.chmod(path, 0o755)
        return path

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): points a hidden test is worth")
        config.addinivalue_line(
            "markers", "gated_on(name): points only once the test `name` passes too"
        )

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
                {
                    "nodeid": i.nodeid,
                    "points": points_of(i),
                    "description": description_of(i),
                    "gate": gate_of(i),
                }
                for i in items
            ]
            self._send({"event": "collected", "tests": tests})

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        # Last in the test's teardown, while it is still the running test.
        if self._after_test is not None:
            self._after_test()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._phases[nodeid] = {"status": "passed", "duration": 0.0, "output": ""}
        self._send({"event": "start", "nodeid": nodeid})
        if not self._collect_only:
            self._calls.start_test(nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> pytest.TestReport:
        """Build the report ourselves: pytest's own failure repr re-parses the test file
        for every traceback entry, which costs more than most tests."""
        excinfo = call.excinfo
        longrepr: Any = None
        detail: dict[str, str] = {}
        if excinfo is None:
            outcome = "passed"
        elif isinstance(excinfo.value, pytest.skip.Exception):
            outcome = "skipped"
            longrepr = (str(item.path), item.location[1], str(excinfo.value))
        else:
            outcome = "failed"
            detail = describe_failure(excinfo.value)
            longrepr = detail["message"]
        sections = [(f"Captured {key} {when}", text) for when, key, text in item._report_sections]
        report = pytest.TestReport(
            nodeid=item.nodeid,
            location=item.location,
            keywords={k: 1 for k in item.keywords},
            outcome=outcome,
            longrepr=longrepr,
            when=call.when,
            sections=sections,
            duration=call.duration,
            start=call.start,
            stop=call.stop,
            user_properties=item.user_properties,
        )
        if detail:
            report.mlgrade_detail = detail
        return report

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
            self._calls.end_test()
            self._send({"event": "result", "nodeid": report.nodeid, **state})

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._calls.stop()
        self._send({"event": "finished", "exitstatus": int(exitstatus)})


def encode(message: dict[str, Any], token: str) -> bytes:
    """One channel message: the run's token, then JSON."""
    return json.dumps({**message, "token": token}).encode()
