"""Throw-away folders for one child run: one holding only the artifact, one the suite.

The child sees nothing else of the submission; the suite folder is a fresh copy of the
trusted collection run's, bytecode included (see Sandbox.collect).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from grader.catalogue import Exercise
from grader.job import ChildJob, new_token


class Staging:
    """Throw-away folders: one holding only the artifact, one holding the suite."""

    def __init__(
        self,
        exercise: Exercise,
        suite: str,
        artifact: Path,
        pristine: Path | None = None,
        imports: tuple[str, ...] = (),
    ) -> None:
        self.exercise = exercise
        self.suite = suite
        self.artifact = artifact
        self.pristine = pristine
        self.imports = imports
        self.keep_suite = False

    def __enter__(self) -> Staging:
        self.run_dir = Path(tempfile.mkdtemp(prefix="mlgrade-run-")).resolve()
        self.suite_dir = Path(tempfile.mkdtemp(prefix="mlgrade-suite-")).resolve()
        self.sub_dir = self.run_dir / "submission"
        self.sub_dir.mkdir()
        shutil.copyfile(self.artifact, self.sub_dir / self.exercise.artifact)
        if self.pristine is not None:
            # copy2 keeps mtimes, so pytest reuses the rewritten test bytecode.
            shutil.copytree(self.pristine, self.suite_dir, dirs_exist_ok=True)
            return self
        for path in self.exercise.suite_files(self.suite):
            name = path.name if self.suite == "hidden" else f"test_{self.exercise.id}_public.py"
            shutil.copyfile(path, self.suite_dir / name)
        return self

    def job(
        self, *, collect_only: bool, only: list[str] | None, fail_fast: bool = False
    ) -> ChildJob:
        ex = self.exercise
        return ChildJob(
            sub_dir=self.sub_dir,
            suite_dir=self.suite_dir,
            run_dir=self.run_dir,
            artifact=ex.artifact,
            module=ex.module,
            forbidden_imports=ex.forbidden_imports,
            memory_mb=ex.limits.memory_mb,
            cpu_seconds=int(ex.limits.exercise_seconds) + 1,
            collect_only=collect_only,
            only=tuple(only) if only is not None else None,
            token=new_token(),
            trusted_imports=self.imports,
            fail_fast=fail_fast,
        )

    def output_tail(self, limit: int = 2000) -> str:
        """The end of what the child printed outside pytest's capture."""
        log = self.run_dir / "output.log"
        try:
            size = log.stat().st_size
            with log.open("rb") as handle:
                handle.seek(max(0, size - limit))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def __exit__(self, *exc: Any) -> None:
        shutil.rmtree(self.run_dir, ignore_errors=True)
        if not self.keep_suite:
            shutil.rmtree(self.suite_dir, ignore_errors=True)
