"""Running code in a forked child that jails itself, and what a test sees of it from
outside: shared by the jail's tests and the pid namespaces'."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import select
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.candidate.jail import JailSpec, Protections, enter_jail


@dataclass
class Jailed:
    """A forked, jailed child: what it reported, and its pids as the test sees them."""

    outer: int
    report: dict[str, Any]
    hold: int  # closing this lets a holding child end

    @property
    def inner(self) -> int:
        """The jailed process: the outer's only child when there is a pid namespace."""
        children = Path(f"/proc/{self.outer}/task/{self.outer}/children")
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(children.read_text().split()[0])
        return self.outer

    @property
    def protections(self) -> Protections:
        return Protections(**self.report["protections"])

    @property
    def outcome(self) -> Any:
        return self.report["outcome"]


def jail_and_report(
    spec: JailSpec,
    action: Callable[[], Any],
    before: Callable[[], None] | None,
    report: int,
    hold: int | None,
) -> None:
    """In the forked child: jail, act, report one JSON line, then maybe wait; never returns."""
    code = 0
    try:
        if before is not None:
            before()
        protections = enter_jail(spec)
        try:
            outcome = action()
        except OSError as exc:
            outcome = {"refused": errno.errorcode.get(exc.errno or 0, str(exc))}
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which fails
            outcome = {"crashed": repr(exc)}
        message = {"protections": protections.to_dict(), "outcome": outcome}
        os.write(report, json.dumps(message).encode() + b"\n")
        if hold is not None:
            os.read(hold, 1)  # until the test closes its end
    except BaseException:  # noqa: BLE001 - never return into pytest
        code = 70
        with contextlib.suppress(Exception):
            import traceback

            traceback.print_exc()
    finally:
        os._exit(code)


@contextlib.contextmanager
def jailed(
    spec: JailSpec,
    action: Callable[[], Any] = lambda: None,
    *,
    before: Callable[[], None] | None = None,
    timeout: float = 30,
) -> Iterator[Jailed]:
    """Fork a child that jails itself, runs action and holds until the block ends."""
    report_r, report_w = os.pipe()
    hold_r, hold_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(report_r)
        os.close(hold_w)
        jail_and_report(spec, action, before, report_w, hold_r)
    os.close(report_w)
    os.close(hold_r)
    try:
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([report_r], [], [], deadline - time.monotonic())
            chunk = os.read(report_r, 65536) if ready else b""
            if not chunk:
                break
            data += chunk
        assert data.endswith(b"\n"), f"the jailed child did not report: {data!r}"
        yield Jailed(pid, json.loads(data), hold_w)
    finally:
        os.close(report_r)
        with contextlib.suppress(OSError):
            os.close(hold_w)
        reap(pid, timeout)


def reap(pid: int, timeout: float) -> int | None:
    """Wait for a child (SIGKILL after timeout); its exit code, or -signal (None if reaped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def run_jailed(spec: JailSpec, action: Callable[[], Any], **kwargs: Any) -> Jailed:
    with jailed(spec, action, **kwargs) as child:
        return child


def proc_status(pid: int) -> dict[str, str]:
    """A process's /proc/<pid>/status, field by field."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}
