"""Throw-away folders for one run: the judge's, the candidate's, and the suite's.

The candidate's process sees only its own folder (a copy of the artifact, the tests'
temporary folders); the judge's folder and the suite folder, a fresh copy of the
trusted collection run's, bytecode included (see Sandbox.collect), stay out of its view.
Where we may mount, all three live on memory file systems of their own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

from grader import host
from grader.candidate import syscalls
from grader.catalogue import Exercise
from grader.job import CandidateJob, JudgeJob, new_token
from grader.sandbox.confinement import EXTRA_TASKS

RUN_FOLDER_MB = 256  # what a candidate's run folder may hold (the tests' files included)
# What the judge's side of a run may hold: the suite's copy, the judge's log, scratch files
# and hypothesis' folder (a cap, not a reservation).
STAGE_MB = 512
MS_NOSUID, MS_NODEV = 2, 4
MNT_DETACH = 2
CANDIDATE_UID = 65534  # "nobody": the candidate's process runs as it when we are root


class Staging:
    """Throw-away folders: one holding only the artifact, one holding the suite."""

    def __init__(
        self,
        exercise: Exercise,
        suite: str,
        artifact: Path,
        pristine: Path | None = None,
        imports: tuple[str, ...] = (),
        *,
        keep_suite: bool = False,
    ) -> None:
        """`keep_suite`: the suite's folder outlives the run (the caller removes it)."""
        self.exercise = exercise
        self.suite = suite
        self.artifact = artifact
        self.pristine = pristine
        self.imports = imports
        self.keep_suite = keep_suite
        # What __exit__ undoes, as far as __enter__ got.
        self.stage_on_tmpfs = self.on_tmpfs = False
        self.stage_dir: Path | None = None

    def __enter__(self) -> Staging:
        try:
            self._stage()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _stage(self) -> None:
        self.stage_dir = Path(tempfile.mkdtemp(prefix="mlgrade-run-")).resolve()
        # One folder on the disk, the rest in memory: creating files on a disk file system
        # costs more (ext4 without a journal scans its inode bitmap past every recently
        # deleted inode), and a run creates and deletes about ten.
        self.stage_on_tmpfs = mount_run_folder(self.stage_dir, STAGE_MB, mode=0o711)
        if self.stage_on_tmpfs:
            self.run_dir = self.stage_dir / "run"
            self.run_dir.mkdir()
            if self.keep_suite:  # outlives the run: on the disk
                self.suite_dir = Path(tempfile.mkdtemp(prefix="mlgrade-suite-")).resolve()
            else:  # beside the judge's folder, not in it: the judge writes only there
                self.suite_dir = self.stage_dir / "suite"
                self.suite_dir.mkdir()
        else:
            self.run_dir = self.stage_dir
            self.suite_dir = Path(tempfile.mkdtemp(prefix="mlgrade-suite-")).resolve()
        self.sub_dir = self.run_dir / "submission"
        self.sub_dir.mkdir()
        shutil.copyfile(self.artifact, self.sub_dir / self.exercise.artifact)
        # The candidate's folder: its copy of the artifact, and the tests' temporary
        # folders. Owned by the candidate's user, which may write nowhere else.
        self.shared_dir = self.run_dir / "candidate"
        self.shared_dir.mkdir()
        self.on_tmpfs = mount_run_folder(self.shared_dir, RUN_FOLDER_MB)
        (self.shared_dir / "submission").mkdir()
        shutil.copyfile(self.artifact, self.shared_dir / "submission" / self.exercise.artifact)
        self.candidate_uid = CANDIDATE_UID if host.current().linux and os.geteuid() == 0 else None
        os.chmod(self.run_dir, 0o711)
        if self.candidate_uid is not None:
            os.chown(self.shared_dir, self.candidate_uid, self.candidate_uid)
        if self.pristine is not None:
            # copy2 keeps mtimes, so pytest reuses the rewritten test bytecode.
            shutil.copytree(self.pristine, self.suite_dir, dirs_exist_ok=True)
            return
        for path in self.exercise.suite_files(self.suite):
            shutil.copyfile(path, self.suite_dir / staged_name(self.exercise, self.suite, path))

    def job(
        self, *, collect_only: bool, only: list[str] | None, fail_fast: bool = False
    ) -> JudgeJob:
        ex = self.exercise
        return JudgeJob(
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
            shared_dir=self.shared_dir,
            candidate_uid=self.candidate_uid,
            host=host.current(),
        )

    def candidate_job(self, *, strict: bool = False, cage: Any = None) -> CandidateJob | None:
        """What the candidate's process needs; None for an exercise with no module."""
        ex = self.exercise
        if ex.module is None:
            return None
        return CandidateJob(
            folder=self.shared_dir,
            submission_dir=self.shared_dir / "submission",
            artifact=ex.artifact,
            module=ex.module,
            forbidden_imports=ex.forbidden_imports,
            hidden_paths=hidden_library_paths(ex.forbidden_imports),
            memory_mb=ex.limits.memory_mb,
            cpu_seconds=int(ex.limits.exercise_seconds) + 1,
            max_tasks=EXTRA_TASKS,
            cage=cage,
            strict=strict,
            host=host.current(),
        )

    def output_tail(self, limit: int = 2000) -> str:
        """The end of what the candidate's process printed (its stdout and stderr)."""
        # The candidate may have swapped its log for a link or a pipe: never follow one.
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            descriptor = os.open(self.shared_dir / "output.log", flags)
        except OSError:
            return ""
        with os.fdopen(descriptor, "rb") as handle:
            found = os.fstat(descriptor)
            if not stat.S_ISREG(found.st_mode):
                return ""
            handle.seek(max(0, found.st_size - limit))
            return handle.read(limit).decode("utf-8", "replace")

    def __exit__(self, *exc: Any) -> None:
        # Lazily: a process of the candidate still winding down cannot keep them busy.
        if self.on_tmpfs:
            syscalls.umount2(str(self.shared_dir), MNT_DETACH)
        if self.stage_dir is None:
            return
        if self.stage_on_tmpfs and syscalls.umount2(str(self.stage_dir), MNT_DETACH):
            with contextlib.suppress(OSError):
                self.stage_dir.rmdir()
        else:
            shutil.rmtree(self.stage_dir, ignore_errors=True)
        suite: Path | None = getattr(self, "suite_dir", None)
        if suite is not None and not self.keep_suite and suite.parent != self.stage_dir:
            shutil.rmtree(suite, ignore_errors=True)


def staged_name(exercise: Exercise, suite: str, path: Path) -> str:
    """A suite file's name in the staged suite folder: test_<id>_public.py for the
    public tests, its own for a hidden suite's file."""
    return path.name if suite == "hidden" else f"test_{exercise.id}_public.py"


def mount_run_folder(folder: Path, size_mb: int, mode: int = 0o755) -> bool:
    """Make a run's folder a tmpfs of its own: for the candidate's, what it writes is
    capped in size (and charged to its memory cgroup); False where we may not mount."""
    if not host.current().linux or os.geteuid() != 0:
        return False
    options = f"size={size_mb}m,mode={mode:04o}"
    return syscalls.mount("mlgrade-run", str(folder), "tmpfs", MS_NOSUID | MS_NODEV, options)


def hidden_library_paths(names: tuple[str, ...]) -> tuple[Path, ...]:
    """The folders of the libraries a from-scratch exercise forbids, to hide from it."""
    import importlib.util

    found = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            found.extend(Path(p) for p in spec.submodule_search_locations)
    return tuple(found)
