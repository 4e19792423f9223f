"""Stage work: write a candidate's workspace of stubs, and read a submission back in."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.catalogue import Exercise, Kit
from grader.errors import SubmissionError, UsageError
from grader.locales import SOURCE_LANGUAGE, messages
from grader.notebook import HANDOUT_NAME, submission_from_notebook, tagged_exercise_ids
from grader.submission import (
    CellOrigin,
    Submission,
    extract_zip,
    from_directory,
    link_error,
    read_artifacts,
    read_file,
    scratch_dir,
    shown_name,
    snapshot,
)

__all__ = [
    "CellOrigin",
    "RunTarget",
    "StartedWorkspace",
    "Submission",
    "load_submission",
    "read_artifacts",
    "read_file",
    "run_target",
    "scratch_dir",
    "start_workspace",
]


def load_submission(path: Path, kit: Kit, exercise_ids: list[str] | None = None) -> Submission:
    """Read a submission from a directory, an artifact file, a .zip or an .ipynb.

    Links are never followed: a submission path that is a link, or a link inside it
    where an exercise file would be read, is a SubmissionError naming the link.
    The files are copied on reading, so grading never reads the submission again.
    """
    exercises = kit.select(exercise_ids)
    if path.is_symlink():
        raise link_error(shown_name(str(path)), "folder" if path.is_dir() else "file")
    if not path.exists():
        raise SubmissionError(key="errors.submission_not_found", path=path)
    if path.is_dir():
        return from_directory(path, exercises, path.resolve().name, path)
    if path.suffix == ".zip":
        return from_directory(extract_zip(path), exercises, path.stem, path)
    if path.suffix == ".ipynb":
        return submission_from_notebook(path, exercises)
    for ex in exercises:
        if path.name == ex.artifact:
            root, files = snapshot({ex.id: read_file(path)}, [ex])
            return Submission(name=path.stem, root=root, files=files, source=path)
    raise SubmissionError(
        f"{path}: expected a directory, a .zip, an .ipynb or a file named after an exercise"
    )


def require_exercise_files(submission: Submission, exercises: list[Exercise]) -> Submission:
    """The submission, unless it holds no file of any exercise asked for: an interviewer's
    wrong folder or archive would otherwise be graded 0 as if every answer were missing."""
    if not submission.files:
        expected = ", ".join(ex.artifact for ex in exercises[:6])
        more = f" (or another of {len(exercises)} exercises)" if len(exercises) > 6 else ""
        raise SubmissionError(
            f"{shown_name(str(submission.source))}: no exercise file found; "
            f"expected {expected}{more}"
        )
    return submission


@dataclass(frozen=True)
class RunTarget:
    """What `mlgrade run` grades: a workspace's exercise files, or a notebook."""

    path: Path  # the folder, or the notebook file
    exercise_ids: tuple[str, ...]
    feedback_dir: Path  # where feedback.html goes

    @property
    def is_notebook(self) -> bool:
        """True when a notebook is graded rather than a folder of files."""
        return self.path.suffix == ".ipynb"


def _notebook_in(directory: Path) -> Path | None:
    """The folder's notebook: the handout by name, else its only notebook."""
    handout = directory / HANDOUT_NAME
    if handout.is_file():
        return handout
    notebooks = sorted(p for p in directory.glob("*.ipynb") if p.is_file())
    if len(notebooks) > 1:
        names = ", ".join(p.name for p in notebooks)
        raise UsageError(
            f"{directory} holds several notebooks ({names}): give one with --dir {notebooks[0]}"
        )
    return notebooks[0] if notebooks else None


def run_target(path: Path, kit: Kit, exercise_ids: list[str] | None = None) -> RunTarget:
    """Find what `mlgrade run` grades at `path`: a folder's exercise files, else the
    notebook handout in it, or the notebook `path` names."""
    chosen = kit.select(exercise_ids)
    if path.is_dir():
        present = [ex.id for ex in chosen if (path / ex.artifact).is_file()]
        if present:
            return RunTarget(path, tuple(exercise_ids or present), path)
        notebook = _notebook_in(path)
        if notebook is None:
            raise UsageError(key="errors.no_exercise_files", path=path)
    elif path.suffix == ".ipynb" and path.is_file():
        notebook = path
    elif path.exists():
        raise UsageError(key="errors.not_a_workspace", path=path)
    else:
        raise UsageError(key="errors.workspace_not_found", path=path)
    ids = exercise_ids or tagged_exercise_ids(notebook, chosen)
    if not ids:
        raise UsageError(key="errors.no_answer_cell", path=notebook)
    return RunTarget(notebook, tuple(ids), notebook.parent)


@dataclass(frozen=True)
class StartedWorkspace:
    """What `start_workspace` wrote and what it left alone."""

    directory: Path
    written: tuple[Path, ...]
    kept: tuple[Path, ...]


def start_workspace(
    exercises: list[Exercise], directory: Path, language: str = SOURCE_LANGUAGE
) -> StartedWorkspace:
    """Write stubs, prompts (in `language`) and public tests; never overwrite a candidate's
    file. Stubs stay in English: they are code, and the prompt is the contract."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    kept: list[Path] = []

    def put(source: Path | str, target: Path) -> None:
        if target.exists():
            kept.append(target)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, str):
            target.write_text(source, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)

    for ex in exercises:
        put(ex.stub_path, directory / ex.artifact)
        put(ex.prompt_in(language), directory / "prompts" / f"{ex.id}.md")
        if ex.public_tests.is_file():
            put(ex.public_tests, directory / "public_tests" / f"test_{ex.id}.py")
    readme = directory / "README.md"
    if not readme.exists():
        readme.write_text(
            messages(language)(
                "workspace.readme",
                ids=", ".join(ex.id for ex in exercises),
                files=", ".join(ex.artifact for ex in exercises),
            ),
            encoding="utf-8",
        )
        written.append(readme)
    return StartedWorkspace(directory=directory, written=tuple(written), kept=tuple(kept))
