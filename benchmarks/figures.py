"""What one benchmark run measured, the issue's targets, and the Markdown table."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from measure import Measurement, median_cpu, median_wall

ROOT = Path(__file__).resolve().parents[1]

# Targets from issue 7.
MAX_OVERHEAD_RATIO = 1.3
MIN_SPEED_UP = 1.7
# "Flat" memory, made concrete: 50 submissions may take at most 10 % more than 10.
MAX_MEMORY_GROWTH = 1.1
MAX_CATALOGUE_SECONDS = 15.0
MAX_RUN_SECONDS = 2.0
MAX_SECONDS_PER_EXERCISE = 0.2


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
    run_latency: dict[str, Measurement] = field(default_factory=dict)  # cold, --no-server
    run_latency_warm: dict[str, Measurement] = field(default_factory=dict)
    small_batches: dict[int, Measurement] = field(default_factory=dict)  # by batch size
    small_checks_s: float = 0.0  # the tests' own time per submission, as the child timed it
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    notes: list[str] = field(default_factory=list)


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
    floor = median_wall(report.floor)
    grade = median_wall(report.grade)
    grade1 = median_wall(report.grade_jobs1)
    floor_cpu, grade_cpu = median_cpu(report.floor), median_cpu(report.grade)
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
            f"{floor_cpu:.1f} / {grade_cpu:.1f} / {median_cpu(report.grade_jobs1):.1f} s",
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
    if len(report.small_batches) == 2:
        (few, small), (count, batch) = sorted(report.small_batches.items())
        marginal = (batch.wall_s - small.wall_s) / (count - few)
        rows += [
            (
                f"(e) small F1 exercise, grade-batch --jobs 2: each further submission "
                f"(batch of {count} less batch of {few}, per submission)",
                f"{marginal:.3f} s",
                f"<= {MAX_SECONDS_PER_EXERCISE} s",
                _verdict(marginal <= MAX_SECONDS_PER_EXERCISE),
            ),
            (
                f"(e) the same, batch of {count}: wall per submission, its start-up included "
                f"({small.wall_s - few * marginal:.1f} s)",
                f"{batch.wall_s / count:.3f} s",
                "",
                "",
            ),
            (
                "(e) its checks' own time per submission (the tests, as the child timed them)",
                f"{report.small_checks_s:.3f} s",
                "",
                "",
            ),
            (
                f"(e) CPU time per submission, batch of {count} (whole process tree)",
                f"{batch.cpu_s / count:.3f} s",
                "",
                "",
            ),
        ]
    for label, latency in (
        ("cold: a fresh process, `--no-server`", report.run_latency),
        ("answered by the warm server", report.run_latency_warm),
    ):
        if not latency:
            continue
        walls = {k: m.wall_s for k, m in latency.items()}
        under = sum(1 for w in walls.values() if w < MAX_RUN_SECONDS)
        worst = max(walls, key=walls.__getitem__)
        median = statistics.median(walls.values())
        rows += [
            (
                f"(d) `mlgrade run` one exercise, {label}: median over exercises",
                f"{median:.2f} s",
                f"< {MAX_RUN_SECONDS:g} s",
                _verdict(median < MAX_RUN_SECONDS),
            ),
            (
                f"(d) `mlgrade run`, {label}: slowest exercise ({worst})",
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
        f"- Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{_memory_total_gb()} RAM, "
        f"Python {platform.python_version()}",
        f"- Load average (1, 5, 15 min) before: {load}; after: {load_after}",
        f"- Catalogue: {len(report.exercises)} exercises ({', '.join(report.exercises)})",
        f"- (a), (b), (d) and (e): median of {repeats} interleaved run(s) each; (c): one run each",
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
            (label, f"{median_wall(runs):.2f}", f"{median_cpu(runs):.2f}")
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
        warm = report.run_latency_warm.get(exercise_id)
        detail.append(
            (
                exercise_id,
                cell(report.floor_seconds.get(exercise_id)),
                cell(graded),
                cell(tests),
                cell(graded - tests if graded is not None and tests is not None else None),
                cell(run.wall_s if run is not None else None),
                cell(warm.wall_s if warm is not None else None),
            )
        )
    totals = [
        sum(values.values())
        for values in (report.floor_seconds, report.grade_seconds, report.test_seconds)
    ]
    detail.append(("total", *(f"{t:.2f}" for t in totals), f"{totals[1] - totals[2]:.2f}", "", ""))
    lines += _table(
        (
            "exercise",
            "(a) pytest.main in the shared process (s)",
            "(b) sandboxed child, whole run (s)",
            "(b) its tests' own time (s)",
            "(b) child overhead (s)",
            "(d) `mlgrade run` wall, cold (s)",
            "(d) `mlgrade run` wall, warm server (s)",
        ),
        detail,
    )
    lines.append("")
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    return text
