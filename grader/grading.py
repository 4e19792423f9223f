"""Grade a staged submission: one sandboxed suite run per exercise, turned into results."""

from __future__ import annotations

import functools
import hashlib
import platform
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from importlib import metadata

from grader import __version__, host
from grader.catalogue import AREAS, Exercise, Kit
from grader.errors import IsolationUnavailable
from grader.integrity import scan_submission
from grader.results import (
    AreaScore,
    ExerciseResult,
    ExerciseStatus,
    GradeResult,
    TestResult,
    TestStatus,
)
from grader.sandbox.channel import CollectedTest
from grader.sandbox.runner import Isolation, Sandbox, SuiteRun
from grader.workspace import Submission

ORACLE_LIBRARIES = ("numpy", "scipy", "scikit-learn", "pytest", "hypothesis", "joblib")

_sandbox: Sandbox | None = None


def default_sandbox(*, warm_engine: bool = True) -> Sandbox:
    """One warm sandbox per process, shared by every grading (made by the first call)."""
    global _sandbox
    if _sandbox is None:
        _sandbox = Sandbox(warm_engine=warm_engine)
    return _sandbox


@functools.cache
def library_versions() -> dict[str, str]:
    """Versions of Python and the oracle libraries, for auditing a grade later.

    Read once per process: reading package metadata costs more than a batch's own
    bookkeeping for a candidate.
    """
    versions = {"python": platform.python_version()}
    for name in ORACLE_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def _test_name(nodeid: str) -> str:
    return nodeid.split("::", 1)[-1]


def _exercise_result(
    exercise: Exercise,
    suite: str,
    status: ExerciseStatus,
    tests: tuple[TestResult, ...],
    *,
    message: str = "",
    submission_sha256: str = "",
    duration: float = 0.0,
) -> ExerciseResult:
    return ExerciseResult(
        id=exercise.id,
        title=exercise.title,
        area=exercise.area,
        status=status,
        score=round(sum(t.score for t in tests), 6),
        max_score=round(sum(t.max_score for t in tests), 6),
        suite=suite,
        message=message,
        tests=tests,
        submission_sha256=submission_sha256,
        suite_sha256=exercise.suite_sha256(suite),
        duration_s=round(duration, 3),
    )


def _unscored(
    expected: tuple[CollectedTest, ...], status: TestStatus, message: str
) -> tuple[TestResult, ...]:
    return tuple(
        TestResult(
            name=_test_name(t.nodeid),
            description=t.description,
            status=status,
            score=0.0,
            max_score=t.points,
            message=message,
        )
        for t in expected
    )


def _gate_failures(expected: tuple[CollectedTest, ...], run: SuiteRun) -> dict[str, str]:
    """For each gated test whose gate did not pass, the message that says so.

    A rejection rule or a cost bound is worth something only in a function that also
    gives correct results: a function that always raises, or does nothing fast, must not
    earn those points. The gate is a test of the same suite, all of its cases.
    """
    passed: dict[str, bool] = {}
    for t in expected:
        base = _test_name(t.nodeid).split("[", 1)[0]
        ok = run.records[t.nodeid].status == "passed" and not run.records[t.nodeid].limit
        passed[base] = passed.get(base, True) and ok
    return {
        t.nodeid: (
            f"no points until {t.gate} passes: this rule counts only for a function "
            "that also gives correct results"
        )
        for t in expected
        if t.gate and not passed.get(t.gate, False)
    }


def _scored(expected: tuple[CollectedTest, ...], run: SuiteRun) -> tuple[TestResult, ...]:
    tests = []
    gated = _gate_failures(expected, run)
    for t in expected:
        record = run.records[t.nodeid]
        status = TestStatus(record.limit or record.status)
        message = record.message
        if status is TestStatus.PASSED and t.nodeid in gated:
            status, message = TestStatus.FAILED, gated[t.nodeid]
        tests.append(
            TestResult(
                name=_test_name(t.nodeid),
                description=t.description,
                status=status,
                score=t.points if status is TestStatus.PASSED else 0.0,
                max_score=t.points,
                message=message,
                counterexample=record.counterexample,
                traceback=record.traceback,
                output=record.output,
                duration_s=round(record.duration, 3),
            )
        )
    return tuple(tests)


def grade_exercise(
    exercise: Exercise, submission: Submission, suite: str, sandbox: Sandbox
) -> tuple[ExerciseResult, Isolation]:
    """Grade one exercise; also returns how its candidate's process was confined."""
    expected = sandbox.collect(exercise, suite)
    artifact = submission.files.get(exercise.id)
    if artifact is None:
        message = f"{exercise.artifact} not found in the submission"
        return _exercise_result(
            exercise,
            suite,
            ExerciseStatus.MISSING,
            _unscored(expected, TestStatus.NOT_RUN, message),
            message=message,
        ), Isolation()
    content = artifact.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if content == exercise.stub_path.read_bytes() or not content.strip():
        what = "empty" if not content.strip() else "still the stub"
        message = f"not attempted: the file is {what}"
        return _exercise_result(
            exercise,
            suite,
            ExerciseStatus.NOT_ATTEMPTED,
            _unscored(expected, TestStatus.FAILED, message),
            message=message,
            submission_sha256=digest,
        ), Isolation()
    run = sandbox.run(exercise, suite, artifact, expected)
    if run.import_error:
        message = submission.locate(exercise.id, run.import_error)
        return _exercise_result(
            exercise,
            suite,
            ExerciseStatus.IMPORT_ERROR,
            _unscored(expected, TestStatus.FAILED, f"import error: {message}"),
            message=message,
            submission_sha256=digest,
            duration=run.duration,
        ), run.isolation
    tests = tuple(
        t if not t.traceback else _relocated(t, submission, exercise.id)
        for t in _scored(expected, run)
    )
    status, message = _overall(tests, run, exercise)
    return _exercise_result(
        exercise,
        suite,
        status,
        tests,
        message=message,
        submission_sha256=digest,
        duration=run.duration,
    ), run.isolation


def _relocated(test: TestResult, submission: Submission, exercise_id: str) -> TestResult:
    return replace(test, traceback=submission.locate(exercise_id, test.traceback))


def _overall(
    tests: tuple[TestResult, ...], run: SuiteRun, exercise: Exercise
) -> tuple[ExerciseStatus, str]:
    if run.timed_out:
        return ExerciseStatus.TIMEOUT, (
            f"the suite ran out of its {exercise.limits.exercise_seconds:g} s time limit"
        )
    if run.crash:
        return ExerciseStatus.CRASHED, f"grading stopped early: {run.crash}"
    failed = [t for t in tests if t.status is not TestStatus.PASSED]
    if (
        tests
        and len(failed) == len(tests)
        and all("NotImplementedError" in t.message for t in failed)
    ):
        return ExerciseStatus.NOT_ATTEMPTED, "not attempted: every test hit NotImplementedError"
    return ExerciseStatus.GRADED, ""


# Each protection of the candidate's process, as every output names it. Landlock is a
# second fence on the file system where the kernel has it: not required.
PROTECTION_NAMES = {
    "unprivileged": "unprivileged user",
    "capabilities_dropped": "no capabilities",
    "no_new_privs": "no new privileges",
    "seccomp": "seccomp filter",
    "pid_namespace": "own pid namespace",
    "mount_namespace": "own mount namespace",
    "network_namespace": "no network (own network namespace)",
    "ipc_namespace": "own IPC namespace",
    "private_root": "sees only its run folder",
    "cgroup": "own cgroup (memory, pids, kill)",
}


def missing_protections(protections: dict[str, bool | str]) -> list[str]:
    """The names of the required protections a candidate's process did not get."""
    return [name for key, name in PROTECTION_NAMES.items() if not protections.get(key)]


def require_full_isolation() -> None:
    """Raise IsolationUnavailable unless this machine gives a candidate's process every
    required protection (`--isolation strict`)."""
    from grader.candidate.probe import machine_protections

    offered = host.current()
    if not offered.sandbox:
        raise IsolationUnavailable(
            f"--isolation strict: this platform ({offered.platform}) has no Linux sandbox; "
            "grade on Linux as root, or use --isolation auto to grade with isolation off"
        )
    missing = missing_protections(machine_protections())
    if missing:
        raise IsolationUnavailable(
            "--isolation strict: this machine cannot give the candidate's process: "
            + ", ".join(missing)
            + " (run mlgrade as root on Linux: see the README's security section)"
        )


def describe_isolation(isolations: list[Isolation]) -> dict[str, str]:
    """How the candidate's processes were confined: each protection, and what was off.

    A protection counts as on only when every exercise's process had it. Where the host
    has no Linux sandbox, isolation is "off" and "reason" says why.
    """
    offered = host.current()
    if not offered.sandbox:
        return {
            "isolation": "off",
            "reason": offered.no_sandbox_reason(),
            "network": "open",
            "filesystem": "unprotected",
            "processes": "none",
            "landlock": "off",
            "missing": ", ".join(PROTECTION_NAMES.values()) if isolations else "",
        }
    if not isolations:
        return {"isolation": "not needed", "missing": ""}
    missing = [
        name
        for key, name in PROTECTION_NAMES.items()
        if not all(dict(i.protections).get(key) for i in isolations)
    ]
    cgroups = sorted({str(dict(i.protections).get("cgroup") or "none") for i in isolations})
    return {
        "isolation": "full" if not missing else "partial",
        "network": "namespace" if PROTECTION_NAMES["network_namespace"] not in missing else "open",
        "filesystem": "private"
        if PROTECTION_NAMES["private_root"] not in missing
        else "unprotected",
        "processes": "/".join(f"cgroup {c}" if c != "none" else c for c in cgroups),
        "landlock": "on" if all(dict(i.protections).get("landlock") for i in isolations) else "off",
        "missing": ", ".join(missing),
    }


def area_scores(exercises: tuple[ExerciseResult, ...]) -> tuple[AreaScore, ...]:
    """Score per skill area of the seed article, in article order."""
    scores = []
    for area, title in AREAS.items():
        members = [e for e in exercises if e.area == area]
        if members:
            scores.append(
                AreaScore(
                    area=area,
                    title=title,
                    score=round(sum(e.score for e in members), 6),
                    max_score=round(sum(e.max_score for e in members), 6),
                )
            )
    return tuple(scores)


def grade(
    submission: Submission,
    kit: Kit,
    exercise_ids: list[str] | tuple[str, ...] | None = None,
    *,
    suite: str = "hidden",
    jobs: int = 2,
    sandbox: Sandbox | None = None,
) -> GradeResult:
    """Grade a submission against the kit's suites; never raises for candidate behaviour."""
    started = time.monotonic()
    sandbox = sandbox or default_sandbox()
    exercises = kit.select(exercise_ids)
    # Collect every suite first so a broken kit fails before any candidate code runs.
    sandbox.collect_all(exercises, suite, jobs)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        graded = list(
            pool.map(lambda ex: grade_exercise(ex, submission, suite, sandbox), exercises)
        )
    results = tuple(r for r, _ in graded)
    isolations = [i for _, i in graded if i.network]
    findings = tuple(scan_submission(submission, exercises))
    return GradeResult(
        submission=submission.name,
        score=round(sum(e.score for e in results), 6),
        max_score=round(sum(e.max_score for e in results), 6),
        exercises=results,
        areas=area_scores(results),
        integrity=findings,
        notes=submission.notes,
        sandbox={"start_method": sandbox.start_method, **describe_isolation(isolations)},
        versions=dict(library_versions()),
        mlgrade_version=__version__,
        duration_s=round(time.monotonic() - started, 3),
    )
