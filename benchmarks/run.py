"""Benchmark mlgrade against its floor, bare pytest in one process, on this machine.

Usage: python benchmarks/run.py [--quick] [--submissions N] [--repeats N]. Prints the
figures and writes them, with the issue's targets, to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / "exercises"
SOLUTIONS = ROOT / "solutions"
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
# A deliberately small exercise: a few cases and one 100-example property (figure (e)).
SMALL_KIT = Path(__file__).resolve().parent / "f1" / "kit"
SMALL_ANSWER = Path(__file__).resolve().parent / "f1" / "answer" / "f1.py"
SAMPLE_SECONDS = 0.1
REAP_SECONDS = 30.0
PR_SET_CHILD_SUBREAPER = 36
# The grader gives its children one BLAS thread; the floor gets the same, so the
# comparison measures isolation, not threading.
THREAD_ENVIRONMENT = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Targets from issue 7.
MAX_OVERHEAD_RATIO = 1.3
MIN_SPEED_UP = 1.7
# "Flat" memory, made concrete: 50 submissions may take at most 10 % more than 10.
MAX_MEMORY_GROWTH = 1.1
MAX_CATALOGUE_SECONDS = 15.0
MAX_RUN_SECONDS = 2.0
MAX_SECONDS_PER_EXERCISE = 0.2

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


@dataclass(frozen=True)
class Measurement:
    """One timed subprocess: wall time, memory, exit code."""

    wall_s: float
    cpu_s: float  # user + system time of every process of the tree
    tree_mb: float  # peak of the summed PSS of the whole process tree, sampled
    process_mb: float  # largest single-process RSS (wait4's ru_maxrss)
    returncode: int
    phase_mb: float = 0.0  # peak of tree_mb until the caller's phase ended
    peak_processes: int = 0  # processes in the tree at the memory peak
    peak_largest_mb: float = 0.0  # the largest of them (PSS) at that moment


@dataclass
class Report:
    """Everything measured in one run, filled in as the benchmark goes."""

    quick: bool
    started: str
    load_before: tuple[float, float, float]
    exercises: list[str]
    floor: list[Measurement] = field(default_factory=list)
    grade: list[Measurement] = field(default_factory=list)
    grade_jobs1: list[Measurement] = field(default_factory=list)
    floor_seconds: dict[str, float] = field(default_factory=dict)
    grade_seconds: dict[str, float] = field(default_factory=dict)
    test_seconds: dict[str, float] = field(default_factory=dict)
    startup: dict[str, list[Measurement]] = field(default_factory=dict)
    batch_exercises: list[str] = field(default_factory=list)
    batch: dict[str, Measurement] = field(default_factory=dict)
    batch_sizes: dict[str, int] = field(default_factory=dict)
    batch_pairs: dict[str, str] = field(default_factory=dict)  # similar pairs, summary size
    run_latency: dict[str, Measurement] = field(default_factory=dict)
    small_batch: Measurement | None = None
    small_count: int = 0
    small_checks_s: float = 0.0  # the tests' own time per submission, as the child timed it
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    notes: list[str] = field(default_factory=list)


def _process_tree(root: int) -> list[int]:
    """The pid and every live descendant of `root`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, queue = [], [root]
    while queue:
        pid = queue.pop()
        tree.append(pid)
        queue.extend(children.get(pid, ()))
    return tree


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared copy-on-write pages counted once across the tree."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class _TreeSampler(threading.Thread):
    """Samples the memory of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int, phase_done: Callable[[], bool] | None = None) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.phase_done = phase_done
        self.phase_peak_kb = 0  # the peak until phase_done() first holds
        self.peak_kb = 0
        self.peak_processes = 0
        self.peak_largest_kb = 0
        self.stop = threading.Event()
        self.enabled = Path("/proc/self/smaps_rollup").is_file()

    def run(self) -> None:
        while self.enabled and not self.stop.is_set():
            sizes = [_pss_kb(pid) for pid in _process_tree(self.pid)]
            if self.phase_done is not None:
                if self.phase_done():
                    self.phase_done = None
                else:
                    self.phase_peak_kb = max(self.phase_peak_kb, sum(sizes))
            if sum(sizes) > self.peak_kb:
                self.peak_kb = sum(sizes)
                self.peak_processes = len(sizes)
                self.peak_largest_kb = max(sizes)
            self.stop.wait(SAMPLE_SECONDS)


def become_subreaper() -> bool:
    """Adopt orphaned descendants (the forkserver outlives the command by a moment), so
    that their CPU time reaches our RUSAGE_CHILDREN and none runs into the next figure."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _reap_orphans() -> None:
    deadline = time.monotonic() + REAP_SECONDS
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    command: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    phase_done: Callable[[], bool] | None = None,
) -> Measurement:
    """Run a command to completion; its wall time, peak memory and exit code.

    With `phase_done`, the peak memory until it first returns True is kept apart.
    """
    environment = {**os.environ, **(env or {})}
    output = log.open("wb") if log else subprocess.DEVNULL
    try:
        cpu_before = _cpu_of_children()
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        sampler = _TreeSampler(process.pid, phase_done)
        sampler.start()
        try:
            # wait4, not Popen.wait: it also returns the child's resource usage.
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()  # interrupted: leave nothing running behind us
            process.wait()
            raise
        wall = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        _reap_orphans()
        cpu = _cpu_of_children() - cpu_before
    finally:
        if log:
            output.close()
    return Measurement(
        wall_s=wall,
        cpu_s=cpu,
        tree_mb=sampler.peak_kb / 1024,
        process_mb=usage.ru_maxrss / 1024,
        returncode=process.returncode,
        phase_mb=sampler.phase_peak_kb / 1024,
        peak_processes=sampler.peak_processes,
        peak_largest_mb=sampler.peak_largest_kb / 1024,
    )


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


def _median_wall(runs: list[Measurement]) -> float:
    return statistics.median(m.wall_s for m in runs)


def _median_cpu(runs: list[Measurement]) -> float:
    return statistics.median(m.cpu_s for m in runs)


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
    "`import grader.sandbox` (every grading command loads it)": "import grader.sandbox",
    "`import grader.child` (the forkserver preloads it)": "import grader.child",
    "... and scikit-learn, as most suites need (preloaded too)": (
        "import grader.child, sklearn.metrics, sklearn.linear_model"
    ),
}


def bench_startup(report: Report, scratch: Path, repeats: int) -> None:
    """What a process pays before grading anything: interpreter and imports."""
    for label, code in STARTUP.items():
        runs = [measure([sys.executable, "-c", code], cwd=scratch) for _ in range(repeats)]
        report.startup[label] = runs
        print(f"  {label}: {_median_wall(runs):.2f} s, CPU {_median_cpu(runs):.2f} s", flush=True)


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


def bench_small_batch(report: Report, scratch: Path, count: int) -> None:
    """(e) grade-batch --jobs 2 on `count` answers to the small F1 exercise."""
    folder = scratch / "small-subs"
    text = SMALL_ANSWER.read_text(encoding="utf-8")
    for number in range(count):
        (folder / f"candidate{number:03d}").mkdir(parents=True)
        unique = f"{text}# benchmark submission {number}\n"
        (folder / f"candidate{number:03d}" / SMALL_ANSWER.name).write_text(unique, encoding="utf-8")
    out = scratch / "small-out"
    log = scratch / "small-batch.log"
    command = [
        "grade-batch",
        str(folder),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--kit",
        str(SMALL_KIT),
    ]
    run = measure(_mlgrade(*command), cwd=scratch, log=log)
    if run.returncode != 0:
        _fail("grade-batch (small F1 exercise)", run, log)
    results = [json.loads(p.read_text(encoding="utf-8")) for p in out.glob("candidate*.json")]
    if len(results) != count or any(r["score"] != r["max_score"] for r in results):
        _fail("grade-batch (small F1 exercise) did not give every answer full marks", run, log)
    tests = [t["duration_s"] for r in results for e in r["exercises"] for t in e["tests"]]
    report.small_batch = run
    report.small_count = count
    report.small_checks_s = sum(tests) / count
    print(f"  (e) small F1 batch: {run.wall_s / count:.3f} s per submission", flush=True)


def bench_run(report: Report, scratch: Path, exercise_ids: list[str]) -> None:
    """(d) `mlgrade run` on one exercise of a workspace holding the reference answer."""
    artifacts = dict(_kit_exercises())
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
        log = scratch / f"run-{exercise_id}.log"
        run = measure(
            _mlgrade("run", exercise_id, "--dir", str(workspace), "--kit", str(KIT)),
            cwd=scratch,
            log=log,
        )
        if run.returncode != 0:
            _fail(f"mlgrade run {exercise_id}", run, log)
        report.run_latency[exercise_id] = run
        print(f"  (d) mlgrade run {exercise_id}: {run.wall_s:.2f} s", flush=True)


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _memory_total_gb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    return "unknown"


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.decode().strip()


def figures(report: Report) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, verdict) rows of the results table."""
    floor = _median_wall(report.floor)
    grade = _median_wall(report.grade)
    grade1 = _median_wall(report.grade_jobs1)
    floor_cpu, grade_cpu = _median_cpu(report.floor), _median_cpu(report.grade)
    rows = [
        ("(a) floor: bare pytest, all hidden suites, one process", f"{floor:.2f} s", "", ""),
        ("(b) `mlgrade grade solutions` (--jobs 2, default)", f"{grade:.2f} s", "", ""),
        (
            "(b)/(a)",
            f"{grade / floor:.2f}",
            f"<= {MAX_OVERHEAD_RATIO}",
            _verdict(grade / floor <= MAX_OVERHEAD_RATIO),
        ),
        ("(b) with --jobs 1, for reference", f"{grade1:.2f} s", "", ""),
        ("(b, --jobs 1)/(a): same parallelism as the floor", f"{grade1 / floor:.2f}", "", ""),
        (
            "CPU time (user + system, whole process tree): (a) / (b) / (b, --jobs 1)",
            f"{floor_cpu:.1f} / {grade_cpu:.1f} / {_median_cpu(report.grade_jobs1):.1f} s",
            "",
            "",
        ),
        (
            "(b)/(a) in CPU time, less sensitive to other load",
            f"{grade_cpu / floor_cpu:.2f}",
            "",
            "",
        ),
        (
            f"full catalogue reference grading, wall ({len(report.exercises)} exercises)",
            f"{grade:.2f} s",
            f"< {MAX_CATALOGUE_SECONDS:g} s on 2 cores",
            _verdict(grade < MAX_CATALOGUE_SECONDS),
        ),
    ]
    if report.batch:
        labels = list(report.batch)
        one, two, small = (report.batch[label] for label in labels)
        count, few = report.batch_sizes[labels[0]], report.batch_sizes[labels[2]]
        rate1 = count / one.wall_s * 60
        rate2 = count / two.wall_s * 60
        per_exercise = two.wall_s / count / len(report.batch_exercises)
        growth = two.tree_mb / small.tree_mb
        rows += [
            (f"(c) grade-batch --jobs 1, {count} submissions", f"{rate1:.1f} /min", "", ""),
            (f"(c) grade-batch --jobs 2, {count} submissions", f"{rate2:.1f} /min", "", ""),
            (
                "(c) CPU time per submission, --jobs 1 / --jobs 2",
                f"{one.cpu_s / count:.2f} / {two.cpu_s / count:.2f} s",
                "",
                "",
            ),
            (
                "(c) throughput --jobs 2 / --jobs 1",
                f"{rate2 / rate1:.2f}",
                f">= {MIN_SPEED_UP}",
                _verdict(rate2 / rate1 >= MIN_SPEED_UP),
            ),
            (
                "(c) --jobs 2 wall per submission and exercise",
                f"{per_exercise:.2f} s",
                "",
                "see (e)",
            ),
            (
                f"(c) peak memory, batch of {few} (--jobs 2, process tree PSS)",
                f"{small.tree_mb:.0f} MB",
                "",
                "",
            ),
            (f"(c) peak memory, batch of {count}", f"{two.tree_mb:.0f} MB", "", ""),
            (
                f"(c) peak memory {count} / {few}",
                f"{growth:.2f}",
                f"flat (<= {MAX_MEMORY_GROWTH})",
                _verdict(growth <= MAX_MEMORY_GROWTH),
            ),
            (
                f"(c) peak memory while grading (before the similarity check), {few} / {count}",
                f"{small.phase_mb:.0f} / {two.phase_mb:.0f} MB",
                f"flat (<= {MAX_MEMORY_GROWTH})",
                f"{two.phase_mb / small.phase_mb:.2f}: "
                + _verdict(two.phase_mb <= MAX_MEMORY_GROWTH * small.phase_mb),
            ),
            (
                f"(c) similar pairs listed in summary.html, batch of {few} / {count}",
                f"{report.batch_pairs[labels[2]]} / {report.batch_pairs[labels[1]]}",
                "",
                "",
            ),
            (
                f"(c) at the peak, batch of {few} / {count}: processes, largest of them",
                f"{small.peak_processes}, {small.peak_largest_mb:.0f} MB / "
                f"{two.peak_processes}, {two.peak_largest_mb:.0f} MB",
                "",
                "",
            ),
            (
                f"(c) the grade-batch process itself (ru_maxrss), batch of {few} / {count}",
                f"{small.process_mb:.0f} / {two.process_mb:.0f} MB",
                "",
                "",
            ),
        ]
    if report.small_batch is not None:
        batch, count = report.small_batch, report.small_count
        rows += [
            (
                f"(e) small F1 exercise, grade-batch --jobs 2 of {count}: wall per submission",
                f"{batch.wall_s / count:.3f} s",
                f"<= {MAX_SECONDS_PER_EXERCISE} s",
                _verdict(batch.wall_s / count <= MAX_SECONDS_PER_EXERCISE),
            ),
            (
                "(e) its checks' own time per submission (the tests, as the child timed them)",
                f"{report.small_checks_s:.3f} s",
                "",
                "",
            ),
            (
                "(e) CPU time per submission (whole process tree)",
                f"{batch.cpu_s / count:.3f} s",
                "",
                "",
            ),
        ]
    if report.run_latency:
        walls = {k: m.wall_s for k, m in report.run_latency.items()}
        under = sum(1 for w in walls.values() if w < MAX_RUN_SECONDS)
        worst = max(walls, key=walls.__getitem__)
        rows += [
            (
                "(d) `mlgrade run` one exercise, median over exercises",
                f"{statistics.median(walls.values()):.2f} s",
                f"< {MAX_RUN_SECONDS:g} s",
                _verdict(statistics.median(walls.values()) < MAX_RUN_SECONDS),
            ),
            (
                f"(d) `mlgrade run` slowest exercise ({worst})",
                f"{walls[worst]:.2f} s",
                f"< {MAX_RUN_SECONDS:g} s",
                _verdict(walls[worst] < MAX_RUN_SECONDS)
                + f" ({under} of {len(walls)} exercises under)",
            ),
        ]
    return rows


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def write_results(report: Report, path: Path) -> str:
    """The Markdown report; also written to `path`."""
    load = ", ".join(f"{x:.1f}" for x in report.load_before)
    load_after = ", ".join(f"{x:.1f}" for x in report.load_after)
    repeats = len(report.floor)
    lines = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py"
        + (" --quick" if report.quick else "")
        + "`; see README.md in this folder for what each figure means.",
        "",
        f"- Date: {report.started}",
        f"- Commit: {_commit()}",
        f"- Machine: {platform.platform()}, {os.cpu_count()} CPUs, {_memory_total_gb()} RAM, "
        f"Python {platform.python_version()}",
        f"- Load average (1, 5, 15 min) before: {load}; after: {load_after}",
        f"- Catalogue: {len(report.exercises)} exercises ({', '.join(report.exercises)})",
        f"- (a) and (b): median of {repeats} interleaved run(s) each; (c) and (d): one run each",
    ]
    if report.batch_exercises != report.exercises:
        lines.append(f"- Batch submissions hold: {', '.join(report.batch_exercises)}")
    lines += ["", *_table(("Figure", "Measured", "Target", ""), figures(report)), ""]
    if report.notes:
        lines += ["Notes:", "", *(f"- {note}" for note in report.notes), ""]
    lines += ["## Start-up", ""]
    lines += _table(
        ("process", "wall (s)", "CPU (s)"),
        [
            (label, f"{_median_wall(runs):.2f}", f"{_median_cpu(runs):.2f}")
            for label, runs in report.startup.items()
        ],
    )
    lines += ["", "## Per exercise", ""]
    detail = []

    def cell(value: float | None) -> str:
        return f"{value:.2f}" if value is not None else ""

    for exercise_id in report.exercises:
        graded = report.grade_seconds.get(exercise_id)
        tests = report.test_seconds.get(exercise_id)
        run = report.run_latency.get(exercise_id)
        detail.append(
            (
                exercise_id,
                cell(report.floor_seconds.get(exercise_id)),
                cell(graded),
                cell(tests),
                cell(graded - tests if graded is not None and tests is not None else None),
                cell(run.wall_s if run is not None else None),
            )
        )
    totals = [
        sum(values.values())
        for values in (report.floor_seconds, report.grade_seconds, report.test_seconds)
    ]
    detail.append(("total", *(f"{t:.2f}" for t in totals), f"{totals[1] - totals[2]:.2f}", ""))
    lines += _table(
        (
            "exercise",
            "(a) pytest.main in the shared process (s)",
            "(b) sandboxed child, whole run (s)",
            "(b) its tests' own time (s)",
            "(b) child overhead (s)",
            "(d) `mlgrade run` wall (s)",
        ),
        detail,
    )
    lines.append("")
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    return text


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, run every benchmark, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: few submissions")
    parser.add_argument("--submissions", type=int, default=None, help="batch size (50)")
    parser.add_argument("--repeats", type=int, default=None, help="runs of (a) and (b) (3)")
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
        bench_small_batch(report, scratch, count)
        print("(d): mlgrade run", flush=True)
        bench_run(report, scratch, by_speed[:1] if args.quick else exercises)
    report.load_after = os.getloadavg()
    print()
    print(write_results(report, args.out))


if __name__ == "__main__":
    main()
