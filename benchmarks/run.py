"""Benchmark mlgrade against its floor, bare pytest in one process, on this machine.

Usage: python benchmarks/run.py [--quick] [--submissions N] [--repeats N]. Prints the
figures and writes them, with the issue's targets, to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from figures import Report, write_results
from measure import (
    Measurement,
    become_subreaper,
    measure,
    median_cpu,
    median_run,
    median_wall,
)

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / "exercises"
SOLUTIONS = ROOT / "solutions"
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
# A deliberately small exercise: a few cases and one 100-example property (figure (e)).
SMALL_KIT = Path(__file__).resolve().parent / "f1" / "kit"
SMALL_ANSWER = Path(__file__).resolve().parent / "f1" / "answer" / "f1.py"
# The grader gives its children one BLAS thread; the floor gets the same, so the
# comparison measures isolation, not threading.
THREAD_ENVIRONMENT = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# One process, no isolation: every hidden suite through pytest.main, timed per folder.
FLOOR_DRIVER = """
import json, sys, time
import hypothesis
from hypothesis import HealthCheck
hypothesis.settings.register_profile(
    "floor", derandomize=True, database=None, deadline=None,
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large),
)
hypothesis.settings.load_profile("floor")
import pytest
codes, seconds = {}, {}
for folder in sys.argv[2:]:
    started = time.perf_counter()
    codes[folder] = int(pytest.main([
        folder, "-q", "-p", "no:cacheprovider", "--import-mode=importlib",
        "-W", "ignore::DeprecationWarning",
    ]))
    seconds[folder] = time.perf_counter() - started
with open(sys.argv[1], "w") as handle:
    json.dump({"codes": codes, "seconds": seconds}, handle)
sys.exit(max(codes.values()))
"""


def _mlgrade(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", *args]


def _kit_exercises() -> list[tuple[str, str]]:
    """(id, artifact) of every exercise with a hidden suite, in kit order."""
    sys.path.insert(0, str(ROOT))
    from grader.catalogue import load_kit

    return [(ex.id, ex.artifact) for ex in load_kit(KIT).exercises if ex.has_hidden]


def _variants(exercises: list[tuple[str, str]]) -> list[tuple[str, Path]]:
    """Alternative and buggy answers from the test fixtures, as (exercise id, file)."""
    found = []
    for exercise_id, artifact in exercises:
        alternative = FIXTURES / "alternative" / exercise_id / artifact
        if alternative.is_file():
            found.append((exercise_id, alternative))
        buggy = FIXTURES / "buggy" / exercise_id
        if buggy.is_dir():
            found += [(exercise_id, p) for p in sorted(buggy.glob(f"*/{artifact}"))]
    return found


def make_submissions(
    target: Path, count: int, period: int, exercises: list[tuple[str, str]]
) -> Path:
    """`count` distinct full submissions: the reference with two or three answers swapped
    for alternative or buggy ones, each file ending in a comment unique to the submission
    (so the batch cache never short-circuits a grading).

    The answers repeat every `period` submissions, so the first `period` are a fair
    sample of the whole set: a batch of them and a batch of all differ only in size.
    """
    variants = _variants(exercises)
    artifacts = dict(exercises)
    step = max(1, len(variants) // period)
    target.mkdir(parents=True)
    for number in range(count):
        folder = target / f"candidate{number:03d}"
        folder.mkdir()
        chosen = {}
        slot = number % period
        if slot and variants:
            # Spread over the variant list, so every exercise gets swapped somewhere.
            for k in range(2 + slot % 2):
                index = slot * step + k * (len(variants) // 3)
                exercise_id, path = variants[index % len(variants)]
                chosen[exercise_id] = path
        for exercise_id, artifact in exercises:
            source = chosen.get(exercise_id, SOLUTIONS / artifacts[exercise_id])
            text = source.read_text(encoding="utf-8")
            text += ("" if text.endswith("\n") else "\n") + f"# benchmark submission {number}\n"
            (folder / artifact).write_text(text, encoding="utf-8")
    return target


def _fail(what: str, measurement: Measurement, log: Path) -> None:
    tail = log.read_text(errors="replace")[-3000:] if log.is_file() else ""
    sys.exit(f"{what} exited with {measurement.returncode}:\n{tail}")


def bench_floor_and_grade(report: Report, scratch: Path, repeats: int) -> None:
    """(a) bare pytest in one process and (b) `mlgrade grade solutions`, interleaved."""
    driver = scratch / "floor_driver.py"
    driver.write_text(FLOOR_DRIVER, encoding="utf-8")
    folders = [str(KIT / exercise_id / "hidden") for exercise_id in report.exercises]
    floor_env = {**THREAD_ENVIRONMENT, "PYTHONPATH": str(SOLUTIONS)}
    for repeat in range(repeats):
        times = scratch / f"floor-{repeat}.json"
        log = scratch / f"floor-{repeat}.log"
        floor = measure(
            [sys.executable, str(driver), str(times), *folders],
            cwd=SOLUTIONS,
            env=floor_env,
            log=log,
        )
        if not times.is_file():
            _fail("the floor (bare pytest on the reference solutions)", floor, log)
        outcome = json.loads(times.read_text())
        # A timing-sensitive check can fail on a loaded machine: note it, keep measuring.
        failed = [Path(k).parent.name for k, code in outcome["codes"].items() if code]
        if failed:
            report.notes.append(
                f"(a) repeat {repeat + 1}: a test of {', '.join(failed)} failed in the floor"
            )
        report.floor.append(floor)
        seconds = outcome["seconds"]
        report.floor_seconds = {Path(k).parent.name: v for k, v in seconds.items()}
        print(f"  (a) floor, repeat {repeat + 1}: {floor.wall_s:.2f} s", flush=True)
        for jobs, runs in (("2", report.grade), ("1", report.grade_jobs1)):
            out = scratch / f"grade-{jobs}-{repeat}"
            log = scratch / f"grade-{jobs}-{repeat}.log"
            graded = measure(
                _mlgrade(
                    "grade",
                    str(SOLUTIONS),
                    "--kit",
                    str(KIT),
                    "--json",
                    str(out / "result.json"),
                    "--html",
                    str(out / "report.html"),
                    "--jobs",
                    jobs,
                    "--quiet",
                ),
                cwd=scratch,
                log=log,
            )
            if graded.returncode != 0:
                _fail("mlgrade grade solutions", graded, log)
            result = json.loads((out / "result.json").read_text())
            lost = [e["id"] for e in result["exercises"] if e["score"] != e["max_score"]]
            if lost:
                report.notes.append(
                    f"(b) --jobs {jobs}, repeat {repeat + 1}: the reference lost points "
                    f"in {', '.join(lost)}"
                )
            runs.append(graded)
            if jobs == "2":
                report.grade_seconds = {e["id"]: e["duration_s"] for e in result["exercises"]}
                report.test_seconds = {
                    e["id"]: sum(t["duration_s"] for t in e["tests"]) for e in result["exercises"]
                }
            print(
                f"  (b) mlgrade grade --jobs {jobs}, repeat {repeat + 1}: {graded.wall_s:.2f} s",
                flush=True,
            )


STARTUP = {
    "`python -c pass`": "pass",
    "`import grader.cli` (the command line)": "import grader.cli",
    "`import grader.sandbox.runner` (every grading command loads it)": "import grader.sandbox.runner",
    "`import grader.judge.process` (the judges' fork server preloads it)": (
        "import grader.judge.process"
    ),
    "... and scikit-learn, as most suites need (preloaded too)": (
        "import grader.judge.process, sklearn.metrics, sklearn.linear_model"
    ),
    "`import grader.candidate.process` (the candidates' fork server)": (
        "import grader.candidate.process"
    ),
}


def bench_startup(report: Report, scratch: Path, repeats: int) -> None:
    """What a process pays before grading anything: interpreter and imports."""
    for label, code in STARTUP.items():
        runs = [measure([sys.executable, "-c", code], cwd=scratch) for _ in range(repeats)]
        report.startup[label] = runs
        print(f"  {label}: {median_wall(runs):.2f} s, CPU {median_cpu(runs):.2f} s", flush=True)


def bench_batch(report: Report, scratch: Path, count: int, small: int) -> None:
    """(c) grade-batch with --jobs 1 and 2 on `count` submissions; memory at `small`."""
    exercises = [(i, a) for i, a in _kit_exercises() if i in report.batch_exercises]
    many = make_submissions(scratch / f"subs-{count}", count, small, exercises)
    few = scratch / f"subs-{small}"
    few.mkdir()
    for folder in sorted(many.iterdir())[:small]:
        shutil.copytree(folder, few / folder.name)
    ids = ",".join(report.batch_exercises)
    plan = [
        (f"jobs 1, {count}", many, "1"),
        (f"jobs 2, {count}", many, "2"),
        (f"jobs 2, {small}", few, "2"),
    ]
    for label, folder, jobs in plan:
        out = scratch / f"batch-out-{label.replace(', ', '-').replace(' ', '')}"
        log = out.with_suffix(".log")
        expected = len(list(folder.iterdir()))

        def graded_all(out: Path = out, expected: int = expected) -> bool:
            # Each candidate's JSON is written as its grading ends; the similarity check
            # and the summary page come after the last one.
            return len(list(out.glob("candidate*.json"))) >= expected

        run = measure(
            _mlgrade(
                "grade-batch",
                str(folder),
                "--out",
                str(out),
                "--jobs",
                jobs,
                "--kit",
                str(KIT),
                "--exercises",
                ids,
            ),
            cwd=scratch,
            log=log,
            phase_done=graded_all,
            memory=True,
        )
        if run.returncode != 0:
            _fail(f"grade-batch ({label})", run, log)
        graded = len(list(out.glob("candidate*.json")))
        if graded != expected:
            _fail(f"grade-batch ({label}) graded only {graded}", run, log)
        report.batch[label] = run
        report.batch_sizes[label] = graded
        said = [line for line in log.read_text().splitlines() if "similar pair" in line]
        pairs = said[-1].split()[0] if said else "?"
        summary = (out / "summary.html").stat().st_size / 1e6
        report.batch_pairs[label] = f"{pairs} pairs, {summary:.1f} MB"
        print(
            f"  (c) grade-batch {label}: {run.wall_s:.1f} s, "
            f"{graded / run.wall_s * 60:.1f} submissions/min, {run.tree_mb:.0f} MB",
            flush=True,
        )


def bench_small_batch(report: Report, scratch: Path, count: int, small: int, repeats: int) -> None:
    """(e) grade-batch --jobs 2 on `small` and on `count` answers to the small F1 exercise:
    the difference is what each further submission costs, start-up left out. The sizes
    alternate `repeats` times; each keeps its run of median wall time."""
    text = SMALL_ANSWER.read_text(encoding="utf-8")
    runs: dict[int, list[Measurement]] = {small: [], count: []}
    checks: list[float] = []
    for size in runs:
        folder = scratch / f"small-subs-{size}"
        for number in range(size):
            (folder / f"candidate{number:03d}").mkdir(parents=True)
            unique = f"{text}# benchmark submission {number}\n"
            answer = folder / f"candidate{number:03d}" / SMALL_ANSWER.name
            answer.write_text(unique, encoding="utf-8")
    for repeat in range(repeats):
        for size in runs:
            folder = scratch / f"small-subs-{size}"
            out = scratch / f"small-out-{size}-{repeat}"
            log = scratch / f"small-batch-{size}.log"
            command = ["grade-batch", str(folder), "--out", str(out), "--jobs", "2"]
            run = measure(_mlgrade(*command, "--kit", str(SMALL_KIT)), cwd=scratch, log=log)
            if run.returncode != 0:
                _fail("grade-batch (small F1 exercise)", run, log)
            results = [
                json.loads(p.read_text(encoding="utf-8")) for p in out.glob("candidate*.json")
            ]
            if len(results) != size or any(r["score"] != r["max_score"] for r in results):
                _fail(
                    "grade-batch (small F1 exercise) did not give every answer full marks", run, log
                )
            if size == count:
                tests = [
                    t["duration_s"] for r in results for e in r["exercises"] for t in e["tests"]
                ]
                checks.append(sum(tests) / size)
            runs[size].append(run)
            print(f"  (e) small F1 batch of {size}: {run.wall_s:.2f} s", flush=True)
    report.small_batches = {size: median_run(measured) for size, measured in runs.items()}
    report.small_checks_s = statistics.median(checks)


def bench_run(report: Report, scratch: Path, exercise_ids: list[str], repeats: int) -> None:
    """(d) `mlgrade run` on one exercise of a workspace holding the reference answer:
    cold (`--no-server`, a fresh process) and answered by a warm server; every exercise
    in turn, `repeats` times, each keeping its run of median wall time."""
    artifacts = dict(_kit_exercises())
    workspaces = {}
    for exercise_id in exercise_ids:
        workspace = scratch / f"ws-{exercise_id}"
        started = subprocess.run(
            _mlgrade("start", exercise_id, "--dir", str(workspace), "--kit", str(KIT)),
            capture_output=True,
            check=False,
        )
        if started.returncode != 0:
            sys.exit(f"mlgrade start {exercise_id} failed: {started.stderr.decode()}")
        artifact = artifacts[exercise_id]
        shutil.copyfile(SOLUTIONS / artifact, workspace / artifact)
        workspaces[exercise_id] = workspace
    report.run_latency = _time_runs(scratch, workspaces, repeats, "cold", ["--no-server"])
    server = _start_server(scratch)
    try:
        report.run_latency_warm = _time_runs(
            scratch,
            workspaces,
            repeats,
            "warm",
            [],
            env={"MLGRADE_SERVER": "1"},
            keep=frozenset({server.pid}),
        )
    finally:
        server.terminate()
        server.wait(60)


def _time_runs(
    scratch: Path,
    workspaces: dict[str, Path],
    repeats: int,
    label: str,
    options: list[str],
    **how: Any,
) -> dict[str, Measurement]:
    """`mlgrade run` on every workspace in turn, `repeats` times; each one's median run."""
    runs: dict[str, list[Measurement]] = {exercise_id: [] for exercise_id in workspaces}
    for _ in range(repeats):
        for exercise_id, workspace in workspaces.items():
            command = _mlgrade("run", exercise_id, "--dir", str(workspace), "--kit", str(KIT))
            log = scratch / f"run-{label}-{exercise_id}.log"
            run = measure([*command, *options], cwd=scratch, log=log, **how)
            if run.returncode != 0:
                _fail(f"mlgrade run {exercise_id} ({label})", run, log)
            runs[exercise_id].append(run)
            print(f"  (d) mlgrade run {exercise_id}, {label}: {run.wall_s:.2f} s", flush=True)
    return {exercise_id: median_run(measured) for exercise_id, measured in runs.items()}


def _start_server(scratch: Path) -> subprocess.Popen:
    """The warm server `mlgrade run` leaves behind, started here and waited for."""
    command = [sys.executable, "-P", "-m", "grader.server", "--kit", str(KIT), "--idle", "600"]
    env = {**os.environ, "MLGRADE_SERVER": "1", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(command, cwd=scratch, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    # The socket appears once the server has imported everything and collected every suite.
    while not list(Path(os.environ["XDG_RUNTIME_DIR"]).glob("mlgrade/server-*.sock")):
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            sys.exit("the warm server did not start")
        time.sleep(0.1)
    return server


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, run every benchmark, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few submissions")
    parser.add_argument("--submissions", type=int, default=None, help="batch size (50)")
    parser.add_argument(
        "--repeats", type=int, default=None, help="runs of (a), (b), (d) and (e) (3)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="the Markdown file to write")
    args = parser.parse_args(argv)
    # A plain kill must still stop the command being measured (see measure).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not become_subreaper():
        print("warning: cannot adopt orphans; CPU times miss the forkserver", file=sys.stderr)
    count = args.submissions or (6 if args.quick else 50)
    small = max(2, count // 5)
    repeats = args.repeats or (1 if args.quick else 3)
    exercises = [exercise_id for exercise_id, _ in _kit_exercises()]
    report = Report(
        quick=args.quick,
        started=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        load_before=os.getloadavg(),
        exercises=exercises,
    )
    with tempfile.TemporaryDirectory(prefix="mlgrade-bench-") as tmp:
        scratch = Path(tmp)
        # Only (d) measures the warm server, started by itself in a private folder.
        os.environ["MLGRADE_SERVER"] = "0"
        os.environ["XDG_RUNTIME_DIR"] = str(scratch / "runtime")
        print("start-up costs", flush=True)
        bench_startup(report, scratch, repeats)
        print(f"(a)/(b): {len(exercises)} exercises, {repeats} repeat(s)", flush=True)
        bench_floor_and_grade(report, scratch, repeats)
        # A smoke run batches the three fastest exercises only; a full run all of them.
        by_speed = sorted(exercises, key=lambda i: report.grade_seconds.get(i, 0.0))
        report.batch_exercises = [i for i in exercises if not args.quick or i in set(by_speed[:3])]
        print(f"(c): {count} and {small} submissions", flush=True)
        bench_batch(report, scratch, count, small)
        print(f"(e): {count} answers to a small F1 exercise", flush=True)
        bench_small_batch(report, scratch, count, small, repeats)
        print("(d): mlgrade run", flush=True)
        bench_run(report, scratch, by_speed[:1] if args.quick else exercises, repeats)
    report.load_after = os.getloadavg()
    print()
    print(write_results(report, args.out))


if __name__ == "__main__":
    main()
