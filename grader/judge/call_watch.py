"""While a test runs, tell the grader which call into the candidate's code it is in, so a
test that runs out of time can say what was running."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from grader.judge.suite_tools import last_call, last_call_args

CALL_TEXT_LIMIT = 300


class CallWatch:
    """A daemon thread that reports the current test's latest call when it changes.

    It looks twice a second, not on every call: a test may make thousands of calls, and
    only the one still running when the time runs out matters.
    """

    def __init__(self, send: Callable[[dict[str, Any]], None], interval: float = 0.5) -> None:
        self._send = send
        self._interval = interval
        self._nodeid: str | None = None
        self._reported: Any = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start_test(self, nodeid: str) -> None:
        """Watch the calls of a test that just started (the previous test's do not count)."""
        self._reported = last_call_args()
        self._nodeid = nodeid
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="mlgrade-calls", daemon=True)
            self._thread.start()

    def end_test(self) -> None:
        self._nodeid = None

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            nodeid = self._nodeid
            args = last_call_args()
            if nodeid is None or args is None or args is self._reported:
                continue
            try:
                text = last_call()
            except Exception:  # noqa: BLE001 - a value the test is changing; next time
                continue
            self._reported = args
            if text and self._nodeid == nodeid:
                self._send({"event": "calling", "nodeid": nodeid, "call": text[:CALL_TEXT_LIMIT]})
