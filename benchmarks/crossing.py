"""What the judge/candidate separation costs: one crossing, and one exercise's pair of
processes.

Usage: python benchmarks/crossing.py [--calls N] [--runs N]. Prints:
- the median round trip of a call from the judge into the candidate's process and
  back (a trivial function, ints by value), and of a call carrying a 10,000-float
  array each way: with the two processes on one CPU, as the grader runs them, and
  left to the scheduler on any CPU;
- on one CPU, a call carrying a 200 x 3 array and its labels, with the judge idle
  between calls and with it working through 8 MB between calls (as pytest and
  hypothesis do, leaving both processes' caches cold): through the link, and the same
  exchange written as bare JSON and numpy buffers over a socket pair (what any link in
  Python would at least cost);
- the median wall time to grade the tiny engine exercise (four tests) with both
  processes, from the parent's point of view: what a pair costs besides the tests.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import socket
import statistics
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.catalogue import load_kit  # noqa: E402
from grader.grading import grade  # noqa: E402
from grader.link.remote import Endpoint  # noqa: E402
from grader.sandbox.placement import CpuPlacement, pin_to  # noqa: E402
from grader.workspace import load_submission  # noqa: E402

ANSWER = "def echo(x):\n    return x\n\ndef positives(X, y):\n    return X[y == 1], y[y == 1]\n"
CACHE_CHURN_BYTES = 8_000_000


def _serve(conn, other, cpu) -> None:
    other.close()
    pin_to(cpu)
    module = types.ModuleType("answer")
    exec(ANSWER, module.__dict__)
    endpoint = Endpoint(conn, "c")
    endpoint.event("ready", module)
    endpoint.serve_forever()
    os._exit(0)


def _linked(cpu: int | None) -> tuple[Any, Any, Any]:
    """A candidate's process serving ANSWER: its module's proxy, the judge's end of the
    link and the process."""
    context = multiprocessing.get_context("fork")
    judge_end, candidate_end = context.Pipe(duplex=True)
    process = context.Process(target=_serve, args=(candidate_end, judge_end, cpu), daemon=True)
    process.start()
    pin_to(cpu)
    candidate_end.close()
    ready: list = []
    endpoint = Endpoint(judge_end, "j", on_event=lambda name, args: ready.extend(args))
    while not ready:
        endpoint.handle_one()
    return ready[0], judge_end, process


def crossings(calls: int, cpu: int | None) -> tuple[float, float]:
    """Median seconds per round trip: a small call, and a 10,000-float array call; both
    processes on `cpu`, or anywhere with None."""
    import numpy as np

    everywhere = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    answer, judge_end, process = _linked(cpu)
    echo = answer.echo
    array = np.arange(10_000, dtype=float)
    small, large = [], []
    for _ in range(calls):
        started = time.perf_counter()
        echo(1)
        small.append(time.perf_counter() - started)
        started = time.perf_counter()
        echo(array)
        large.append(time.perf_counter() - started)
    judge_end.close()
    process.join(5)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, everywhere)
    return statistics.median(small), statistics.median(large)


def _churn(block) -> None:
    block[::8] += 1.0  # one write per 64-byte cache line


def cold_crossings(calls: int, cpu: int) -> dict[str, float]:
    """Median seconds per round trip of positives(X, y) on one CPU: through the link and
    bare, each with the judge idle and with it churning 8 MB between calls."""
    import numpy as np

    block = np.zeros(CACHE_CHURN_BYTES // 8)
    X = np.random.default_rng(0).random((200, 3))
    y = np.arange(200) % 2
    found = {}
    context = multiprocessing.get_context("fork")
    for churn in (False, True):
        answer, judge_end, process = _linked(cpu)
        found[f"link{', churning' if churn else ''}"] = _timed(
            calls, block if churn else None, functools.partial(answer.positives, X, y)
        )
        judge_end.close()
        process.join(5)

        mine, theirs = socket.socketpair()
        bare = context.Process(target=_serve_bare, args=(theirs, mine, cpu))
        bare.start()
        theirs.close()
        found[f"bare{', churning' if churn else ''}"] = _timed(
            calls, block if churn else None, functools.partial(_exchange_bare, mine, X)
        )
        mine.close()
        bare.join(5)
    return found


def _timed(calls: int, block: Any, call: Callable[[], Any]) -> float:
    """Median seconds of `call`, with `block` (if any) churned before each."""
    times = []
    for _ in range(calls):
        if block is not None:
            _churn(block)
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _exchange_bare(sock, array) -> Any:
    import numpy as np

    _send_bare(sock, array)
    head, body = _receive_bare(sock)
    return np.frombuffer(body, dtype=float).reshape(head["shape"])


def _send_bare(sock, array) -> None:
    sock.sendall(json.dumps({"shape": list(array.shape)}).encode() + b"\n" + array.tobytes())


def _receive_bare(sock) -> tuple[dict, bytes]:
    data = sock.recv(1 << 20)
    head, _, body = data.partition(b"\n")
    return json.loads(head), body


def _serve_bare(sock, other, cpu) -> None:
    """The least any Python link does: read a header and a buffer, call, write back."""
    import numpy as np

    other.close()
    pin_to(cpu)
    module = types.ModuleType("answer")
    exec(ANSWER, module.__dict__)
    y = np.arange(200) % 2
    while True:
        data = sock.recv(1 << 20)
        if not data:
            os._exit(0)
        head, _, body = data.partition(b"\n")
        X = np.frombuffer(body, dtype=float).reshape(json.loads(head)["shape"])
        chosen, _ = module.positives(X, y)
        _send_bare(sock, chosen)


def pair(runs: int) -> float:
    """Median wall seconds to grade the engine kit's correct answer (after a warm-up)."""
    kit = load_kit(ROOT / "tests" / "fixtures" / "kit")
    submission = load_submission(
        ROOT / "tests" / "fixtures" / "submissions" / "engine" / "correct", kit
    )
    grade(submission, kit, jobs=1)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        grade(submission, kit, jobs=1)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("MLGRADE_SERVER", "0")
    one_cpu = CpuPlacement().take()  # None on a single CPU: then both cases are one
    placements = [(None, "on any CPU")]
    if one_cpu is not None:
        placements.insert(0, (one_cpu, "on one CPU"))
    for cpu, where in placements:
        small, large = crossings(args.calls, cpu)
        print(f"round trip {where}, small call: {small * 1e6:.0f} us (median of {args.calls})")
        print(f"round trip {where}, 10,000-float array each way: {large * 1e6:.0f} us")
    if one_cpu is not None:
        for label, seconds in cold_crossings(args.calls, one_cpu).items():
            print(f"positives(X, y) on one CPU, {label}: {seconds * 1e6:.0f} us")
    print(f"engine exercise graded with both processes: {pair(args.runs) * 1e3:.0f} ms (median)")


if __name__ == "__main__":
    main()
