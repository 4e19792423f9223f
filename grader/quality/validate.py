"""The kit's quality gate: prove each hidden suite on its reference, stub and mutants."""

from __future__ import annotations

import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader.catalogue import Exercise, Kit
from grader.grading import grade
from grader.quality.mutation import Mutant, load_equivalents, mutants, sample
from grader.quality.nonanswers import MAX_SHARE, NonAnswerScore, describe, grade_non_answers
from grader.quality.planted import PlantedBug, planted_bugs, report
from grader.results import ExerciseStatus, to_dict, without_durations
from grader.sandbox.runner import Sandbox
from grader.workspace import load_submission

MIN_KILL_RATE = 0.9
BUDGET_SHARE = 0.5  # the reference may use at most half of the exercise's time limit


@dataclass(frozen=True)
class Survivor:
    """A mutant that kept full marks."""

    key: str
    line: int
    diff: str


@dataclass(frozen=True)
class Validation:
    """Every check of one exercise."""

    id: str
    reference_score: float
    max_score: float
    stub_status: str
    deterministic: bool
    reference_seconds: float
    budget_seconds: float
    mutants_run: int
    mutants_killed: int
    equivalent: int
    survivors: tuple[Survivor, ...]
    stale_equivalents: tuple[str, ...]
    non_answers: tuple[NonAnswerScore, ...] = ()
    planted: tuple[PlantedBug, ...] = ()

    @property
    def reference_ok(self) -> bool:
        return self.max_score > 0 and self.reference_score == self.max_score

    @property
    def stub_ok(self) -> bool:
        return self.stub_status == ExerciseStatus.NOT_ATTEMPTED.value

    @property
    def budget_ok(self) -> bool:
        return self.reference_seconds <= self.budget_seconds

    @property
    def kill_rate(self) -> float | None:
        """Share of non-equivalent mutants that lost points (None: nothing to mutate)."""
        counted = self.mutants_run - self.equivalent
        return self.mutants_killed / counted if counted > 0 else None

    @property
    def mutation_ok(self) -> bool:
        return self.kill_rate is None or self.kill_rate >= MIN_KILL_RATE

    @property
    def non_answers_ok(self) -> bool:
        """No generated non-answer earns more than MAX_SHARE of the points."""
        return all(n.ok for n in self.non_answers)

    @property
    def planted_ok(self) -> bool:
        """Every planted bug loses points, and every reviewed reach still holds."""
        return all(b.loses_points and not b.review_stale for b in self.planted)

    @property
    def ok(self) -> bool:
        return (
            self.reference_ok
            and self.stub_ok
            and self.deterministic
            and self.budget_ok
            and self.mutation_ok
            and self.non_answers_ok
            and self.planted_ok
        )


def loses_points(
    exercise: Exercise, artifact: Path, sandbox: Sandbox, *, test_seconds: float | None = None
) -> bool:
    """Whether an answer fails at least one hidden test (stops at the first failure)."""
    expected = sandbox.collect(exercise, "hidden")
    run = sandbox.run(
        exercise, "hidden", artifact, expected, fail_fast=True, test_seconds=test_seconds
    )
    if run.import_error or run.timed_out:
        return True
    return any(r.status != "passed" for r in run.records.values())


def _mutant_killed(
    exercise: Exercise, mutant: Mutant, sandbox: Sandbox, test_seconds: float
) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="mlgrade-mutant-"))
    try:
        path = folder / exercise.artifact
        path.write_text(mutant.source, encoding="utf-8")
        return loses_points(exercise, path, sandbox, test_seconds=test_seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def validate_exercise(
    exercise: Exercise,
    kit: Kit,
    solutions: Path,
    sandbox: Sandbox,
    *,
    mutant_limit: int | None = None,
    jobs: int = 2,
    buggy: Path | None = None,
) -> Validation:
    """Run every check for one exercise."""
    reference = load_submission(solutions, kit, [exercise.id])
    first = grade(reference, kit, [exercise.id], sandbox=sandbox, jobs=1)
    second = grade(reference, kit, [exercise.id], sandbox=sandbox, jobs=1)
    deterministic = json.dumps(without_durations(to_dict(first))) == json.dumps(
        without_durations(to_dict(second))
    )
    ref = first.exercise(exercise.id)

    with tempfile.TemporaryDirectory(prefix="mlgrade-stub-") as stub_dir:
        shutil.copyfile(exercise.stub_path, Path(stub_dir) / exercise.artifact)
        stub = grade(
            load_submission(Path(stub_dir), kit, [exercise.id]),
            kit,
            [exercise.id],
            sandbox=sandbox,
            jobs=1,
        ).exercise(exercise.id)

    run_mutants: list[Mutant] = []
    killed = 0
    equivalent = 0
    survivors: list[Survivor] = []
    stale: tuple[str, ...] = ()
    if exercise.module is not None and ref.score == ref.max_score:
        source = (solutions / exercise.artifact).read_text(encoding="utf-8")
        run_mutants = sample(mutants(source), mutant_limit)
        reviewed = {e.key: e for e in load_equivalents(exercise.folder / "equivalent_mutants.toml")}
        slowest = max((t.duration_s for t in ref.tests), default=1.0)
        test_seconds = min(exercise.limits.test_seconds, 3 * slowest + 3)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            verdicts = list(
                pool.map(lambda m: _mutant_killed(exercise, m, sandbox, test_seconds), run_mutants)
            )
        for mutant, was_killed in zip(run_mutants, verdicts, strict=True):
            if was_killed:
                killed += 1
            elif mutant.key in reviewed:
                equivalent += 1
            else:
                survivors.append(Survivor(key=mutant.key, line=mutant.line, diff=mutant.diff))
        all_keys = {m.key for m in mutants(source)}
        stale = tuple(sorted(k for k in reviewed if k not in all_keys))

    return Validation(
        non_answers=tuple(grade_non_answers(exercise, kit, sandbox)),
        planted=tuple(planted_bugs(exercise, kit, buggy, sandbox)) if buggy else (),
        id=exercise.id,
        reference_score=ref.score,
        max_score=ref.max_score,
        stub_status=stub.status.value,
        deterministic=deterministic,
        reference_seconds=ref.duration_s,
        budget_seconds=BUDGET_SHARE * exercise.limits.exercise_seconds,
        mutants_run=len(run_mutants),
        mutants_killed=killed,
        equivalent=equivalent,
        survivors=tuple(survivors),
        stale_equivalents=stale,
    )


def table(validations: list[Validation]) -> str:
    """The validation table, then each survivor's diff."""
    lines = [
        f"{'exercise':<16} {'reference':>10} {'stub':>14} {'determ.':>8} {'time':>12} "
        f"{'mutants killed':>16} {'non-answers':>12} {'verdict':>8}"
    ]
    for v in validations:
        rate = "n/a" if v.kill_rate is None else f"{100 * v.kill_rate:.0f}%"
        lines.append(
            f"{v.id:<16} {v.reference_score:>4g}/{v.max_score:<5g} {v.stub_status:>14} "
            f"{'yes' if v.deterministic else 'NO':>8} "
            f"{v.reference_seconds:>5.1f}/{v.budget_seconds:<4.0f}s "
            f"{v.mutants_killed:>4}/{v.mutants_run - v.equivalent:<4} {rate:>5} "
            f"{_non_answer_cell(v):>12} {'ok' if v.ok else 'FAIL':>8}"
        )
    for v in validations:
        for n in v.non_answers:
            if not n.ok:
                lines.append(
                    f"\n{v.id}: a non-answer ({describe(n.kind)}) earns {n.score:g}/{n.max_score:g}, "
                    f"more than {100 * MAX_SHARE:g}%; points from: {', '.join(n.scoring_tests)}"
                )
        for s in v.survivors:
            lines.append(f"\n{v.id}: surviving mutant near line {s.line}\n  key: {s.key}\n{s.diff}")
        if v.planted:
            lines.append(f"\n{v.id}: what each planted bug costs\n{report(v.id, list(v.planted))}")
        for key in v.stale_equivalents:
            lines.append(
                f"\n{v.id}: equivalent_mutants.toml lists a mutant that no longer exists: {key}"
            )
    return "\n".join(lines)


def _non_answer_cell(validation: Validation) -> str:
    """The most any non-answer earned, as a share of the points."""
    if not validation.non_answers:
        return "n/a"
    worst = max(n.score / n.max_score if n.max_score else 0.0 for n in validation.non_answers)
    return f"max {100 * worst:.0f}%"
