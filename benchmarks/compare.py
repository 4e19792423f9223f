"""Time an earlier commit's engine and this working tree's back to back, on one machine.

Usage: python benchmarks/compare.py BASELINE [--repeats N] [--submissions N]
[--exercises IDS]. The
machine's speed drifts between runs of run.py by more than the differences worth
knowing; here both engines run interleaved, so they see the same machine. Prints:
- each engine grading its own catalogue (its own suites and solutions), --jobs 2;
- both engines grading the baseline's suites, on the exercises whose baseline suite
  both engines grade at full marks (the same checks, so only the engine differs);
- grade-batch --jobs 2 of N copies of each one's own solutions;
- `mlgrade run --no-server` (a cold run, the README's figure (d)) of each of those
  exercises alone, in a workspace holding the baseline's answer, summed over them.
BASELINE is any git revision; it is checked out in a temporary worktree.
--forget-collections removes this engine's kept collections (the user's cache, see
grader/sandbox/collection_cache.py) before each of its commands, so that every command
collects its suites as the baseline does: the figures of a first grading. --bytecode compiles both engines' modules first, as installing a
package does; without it, where the environment sets PYTHONDONTWRITEBYTECODE, every
process of both engines compiles from source the modules it imports.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from measure import Measurement, become_subreaper, measure

ROOT = Path(__file__).resolve().parents[1]
# Set by --forget-collections: the kept collections' folder, emptied before each command.
FORGET: list[Path] = []


def grade(root: Path, kit: Path, solutions: Path, scratch: Path, ids: str = "") -> Measurement:
    """`mlgrade grade` of one engine (the package under `root`) on a kit's solutions."""
    command = [sys.executable, "-m", "grader", "grade", str(solutions), "--kit", str(kit)]
    command += ["--jobs", "2", "--json", str(scratch / "result.json")]
    if ids:
        command += ["--exercises", ids]
    return _run(root, command, scratch)


def batch(root: Path, submissions: Path, scratch: Path) -> Measurement:
    """`mlgrade grade-batch --jobs 2` of one engine on its own kit."""
    command = [sys.executable, "-m", "grader", "grade-batch", str(submissions)]
    command += ["--out", str(scratch / "batch"), "--jobs", "2", "--kit", str(root / "exercises")]
    return _run(root, command, scratch)


def _run(root: Path, command: list[str], scratch: Path) -> Measurement:
    shutil.rmtree(scratch / "batch", ignore_errors=True)
    if root == ROOT:
        for folder in FORGET:
            shutil.rmtree(folder, ignore_errors=True)
    env = {"PYTHONPATH": str(root), "MLGRADE_SERVER": "0"}
    run = measure(command, cwd=scratch, env=env)
    if run.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command[2:5])} under {root.name} exited {run.returncode}")
    return run


def cold_runs(root: Path, workspaces: dict[str, Path], kit: Path, scratch: Path) -> Measurement:
    """`mlgrade run --no-server` of one engine on each exercise alone, summed."""
    runs = []
    for exercise_id, workspace in workspaces.items():
        command = [sys.executable, "-m", "grader", "run", exercise_id, "--dir", str(workspace)]
        runs.append(_run(root, [*command, "--kit", str(kit), "--no-server"], scratch))
    return Measurement(
        wall_s=sum(r.wall_s for r in runs),
        cpu_s=sum(r.cpu_s for r in runs),
        tree_mb=max(r.tree_mb for r in runs),
        process_mb=max(r.process_mb for r in runs),
        returncode=0,
    )


def workspaces(
    root: Path, kit: Path, solutions: Path, ids: list[str], folder: Path
) -> dict[str, Path]:
    """A workspace per exercise, started by one engine, holding the kit's reference answer."""
    found: dict[str, Path] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for exercise_id in ids:
        workspace = folder / exercise_id
        command = [sys.executable, "-m", "grader", "start", exercise_id, "--dir", str(workspace)]
        _run(root, [*command, "--kit", str(kit)], folder)
        artifact = tomllib.loads((kit / exercise_id / "exercise.toml").read_text())["artifact"]
        shutil.copyfile(solutions / artifact, workspace / artifact)
        found[exercise_id] = workspace
    return found


def full_marks(result: Path) -> set[str]:
    """The exercises a result JSON shows at full marks."""
    data = json.loads(result.read_text())
    return {e["id"] for e in data["exercises"] if e["score"] == e["max_score"]}


def copies(solutions: Path, folder: Path, count: int) -> Path:
    """`count` submissions, each a copy of the solutions (a comment keeps them distinct)."""
    for number in range(count):
        target = folder / f"candidate{number:03d}"
        shutil.copytree(solutions, target, ignore=shutil.ignore_patterns("__pycache__"))
        for source in sorted(target.glob("*.py"))[:1]:
            source.write_text(source.read_text() + f"\n# copy {number}\n")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--submissions", type=int, default=6)
    parser.add_argument(
        "--exercises",
        help="comma-separated: compare the baseline's suites on these only (of those both "
        "grade at full marks), so that figures stay comparable when another suite starts "
        "to pass",
    )
    parser.add_argument(
        "--forget-collections",
        action="store_true",
        help="empty this engine's kept collections before each of its commands",
    )
    parser.add_argument(
        "--bytecode", action="store_true", help="compile both engines' modules before timing"
    )
    args = parser.parse_args()
    if args.forget_collections:
        sys.path.insert(0, str(ROOT))
        from grader.sandbox.collection_cache import cache_folder

        FORGET.append(cache_folder())
    become_subreaper()
    scratch = Path(tempfile.mkdtemp(prefix="mlgrade-compare-"))
    before = scratch / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before), args.baseline],
        check=True,
        capture_output=True,
    )
    engines = {"baseline": before, "now": ROOT}
    if args.bytecode:
        for root in engines.values():
            command = [sys.executable, "-m", "compileall", "-q", str(root / "grader")]
            subprocess.run(command, check=True, capture_output=True)
    try:
        # Which of the baseline's suites both engines grade at full marks.
        same = None
        for root in engines.values():
            grade(root, before / "exercises", before / "solutions", scratch)
            marks = full_marks(scratch / "result.json")
            same = marks if same is None else same & marks
        if args.exercises:
            left_out = sorted((same or set()) - set(args.exercises.split(",")))
            same = (same or set()) & set(args.exercises.split(","))
            if left_out:
                print(f"also at full marks in both, left out: {','.join(left_out)}")
        ids = ",".join(sorted(same or ()))
        folders = {
            name: copies(root / "solutions", scratch / f"subs-{name}", args.submissions)
            for name, root in engines.items()
        }
        alone = {
            name: workspaces(
                root,
                before / "exercises",
                before / "solutions",
                sorted(same or ()),
                scratch / f"workspaces-{name}",
            )
            for name, root in engines.items()
        }
        rows: dict[str, dict[str, list[Measurement]]] = {}
        for _ in range(args.repeats):
            for name, root in engines.items():
                runs = {
                    "own catalogue": grade(root, root / "exercises", root / "solutions", scratch),
                    "baseline's suites": grade(
                        root, before / "exercises", before / "solutions", scratch, ids
                    ),
                    f"batch of {args.submissions}": batch(root, folders[name], scratch),
                    "the same, each alone: cold `mlgrade run`, summed": cold_runs(
                        root, alone[name], before / "exercises", scratch
                    ),
                }
                for label, run in runs.items():
                    rows.setdefault(label, {}).setdefault(name, []).append(run)
        print(f"baseline {args.baseline}; the same checks: {ids or 'none'}")
        print(f"median of {args.repeats}, wall / CPU of the whole process tree (s)\n")
        print("| figure | baseline | now | wall | CPU |\n|---|---|---|---|---|")
        for label, by_engine in rows.items():
            wall = {n: statistics.median(r.wall_s for r in v) for n, v in by_engine.items()}
            cpu = {n: statistics.median(r.cpu_s for r in v) for n, v in by_engine.items()}
            print(
                f"| {label} | {wall['baseline']:.2f} / {cpu['baseline']:.2f} "
                f"| {wall['now']:.2f} / {cpu['now']:.2f} "
                f"| {wall['now'] / wall['baseline'] - 1:+.0%} | {cpu['now'] / cpu['baseline'] - 1:+.0%} |"
            )
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
            capture_output=True,
        )
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
