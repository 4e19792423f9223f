"""What the judge/candidate separation costs: one crossing, and one exercise's pair of
processes.

Usage: python benchmarks/crossing.py [--calls N] [--runs N]. Prints:
- the median round trip of a call from the judge into the candidate's process and
  back (a trivial function, ints by value), and of a call carrying a 10,000-float
  array each way: with the two processes on one CPU, as the grader runs them, and
  left to the scheduler on any CPU;
- the median wall time to grade the tiny engine exercise (four tests) with both
  processes, from the parent's point of view: what a pair costs besides the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.catalogue import load_kit  # noqa: E402
from grader.grading import grade  # noqa: E402
from grader.link.remote import Endpoint  # noqa: E402
from grader.sandbox.placement import CpuPlacement, pin_to  # noqa: E402
from grader.workspace import load_submission  # noqa: E402

ANSWER = "def echo(x):\n    return x\n"


def _serve(conn, other, cpu) -> None:
    other.close()
    pin_to(cpu)
    module = types.ModuleType("answer")
    exec(ANSWER, module.__dict__)
    endpoint = Endpoint(conn, "c")
    endpoint.event("ready", module)
    endpoint.serve_forever()
    os._exit(0)


def crossings(calls: int, cpu: int | None) -> tuple[float, float]:
    """Median seconds per round trip: a small call, and a 10,000-float array call; both
    processes on `cpu`, or anywhere with None."""
    import numpy as np

    context = multiprocessing.get_context("fork")
    judge_end, candidate_end = context.Pipe(duplex=True)
    process = context.Process(target=_serve, args=(candidate_end, judge_end, cpu), daemon=True)
    everywhere = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    process.start()
    pin_to(cpu)
    candidate_end.close()
    ready: list = []
    endpoint = Endpoint(judge_end, "j", on_event=lambda name, args: ready.extend(args))
    while not ready:
        endpoint.handle_one()
    echo = ready[0].echo
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
    print(f"engine exercise graded with both processes: {pair(args.runs) * 1e3:.0f} ms (median)")


if __name__ == "__main__":
    main()
