"""Stage work: write a candidate's workspace of stubs, and read a submission back in.

A submission may be a directory, a single artifact file, a .zip of a workspace or a
Jupyter notebook; each becomes a `Submission` mapping exercise ids to files.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.catalogue import Exercise, Kit
from grader.errors import SubmissionError

ZIP_MAX_BYTES = 50 * 1024 * 1024
ZIP_MAX_FILES = 2000
LINE_REFERENCE = re.compile(
    r"(?P<file>[\w.]+), line (?P<line>\d+)|(?P<file2>[\w.]+):(?P<line2>\d+) in "
)


@dataclass(frozen=True)
class CellOrigin:
    """Where lines of a generated module came from in a notebook."""

    cell: int  # 1-based index among the notebook's cells
    first_line: int  # line of the module where the cell's code starts
    lines: int


@dataclass(frozen=True)
class Submission:
    """A candidate's files, one per exercise found."""

    name: str
    root: Path
    files: dict[str, Path]
    notes: tuple[str, ...] = ()
    origins: dict[str, tuple[CellOrigin, ...]] = field(default_factory=dict)
    source: Path | None = None

    def locate(self, exercise_id: str, text: str) -> str:
        """Rewrite "file, line N" references to notebook cells where the code came from."""
        cells = self.origins.get(exercise_id)
        if not cells or self.source is None:
            return text

        def to_cell(match: re.Match[str]) -> str:
            line = int(match.group("line") or match.group("line2"))
            for origin in cells:
                if origin.first_line <= line < origin.first_line + origin.lines:
                    where = f"{self.source.name} cell {origin.cell}, line {line - origin.first_line + 1}"
                    return where + (" in " if match.group("file2") else "")
            return match.group(0)

        return LINE_REFERENCE.sub(to_cell, text)


def scratch_dir(prefix: str) -> Path:
    """A temporary folder removed when the process exits."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, True)
    return path


def _from_directory(root: Path, exercises: list[Exercise], name: str) -> Submission:
    files = {ex.id: root / ex.artifact for ex in exercises if (root / ex.artifact).is_file()}
    return Submission(name=name, root=root, files=files, source=root)


def _extract_zip(path: Path) -> Path:
    """Unpack an archive safely: no absolute or parent paths, bounded size."""
    target = scratch_dir("mlgrade-zip-")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_FILES:
                raise SubmissionError(f"{path}: archive holds more than {ZIP_MAX_FILES} files")
            if sum(m.file_size for m in members) > ZIP_MAX_BYTES:
                raise SubmissionError(f"{path}: archive unpacks to more than 50 MB")
            for member in members:
                inner = PurePosixPath(member.filename)
                if inner.is_absolute() or ".." in inner.parts:
                    raise SubmissionError(f"{path}: unsafe path in archive: {member.filename}")
                if member.is_dir():
                    continue
                destination = target.joinpath(*inner.parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, destination.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{path}: not a readable zip archive ({exc})") from None
    return target


def _submission_root(folder: Path, exercises: list[Exercise]) -> Path:
    """The folder holding the artifacts: the top, or its single subfolder."""
    artifacts = {ex.artifact for ex in exercises}
    if any((folder / a).is_file() for a in artifacts):
        return folder
    subfolders = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))]
    if len(subfolders) == 1:
        return _submission_root(subfolders[0], exercises)
    return folder


def load_submission(path: Path, kit: Kit, exercise_ids: list[str] | None = None) -> Submission:
    """Read a submission from a directory, an artifact file, a .zip or an .ipynb."""
    exercises = kit.select(exercise_ids)
    if not path.exists():
        raise SubmissionError(f"submission not found: {path}")
    name = path.stem if path.is_file() else path.resolve().name
    if path.is_dir():
        return _from_directory(path, exercises, name)
    if path.suffix == ".zip":
        root = _submission_root(_extract_zip(path), exercises)
        found = _from_directory(root, exercises, name)
        return Submission(name=name, root=root, files=found.files, source=path)
    if path.suffix == ".ipynb":
        from grader.notebook import submission_from_notebook

        return submission_from_notebook(path, exercises)
    for ex in exercises:
        if path.name == ex.artifact:
            return Submission(name=name, root=path.parent, files={ex.id: path}, source=path)
    raise SubmissionError(
        f"{path}: expected a directory, a .zip, an .ipynb or a file named after an exercise"
    )


WORKSPACE_README = """# Your mlgrade workspace

Exercises: {ids}

- Fill in the module files ({files}); each one's brief is in `prompts/`.
- `public_tests/` holds a few example tests; run them with `python -m pytest public_tests`.
- `mlgrade run` grades the workspace and writes `feedback.html` next to this file.
- Keep the names and signatures of the stubs: the grader imports them as they are.
"""


@dataclass(frozen=True)
class StartedWorkspace:
    """What `start_workspace` wrote and what it left alone."""

    directory: Path
    written: tuple[Path, ...]
    kept: tuple[Path, ...]


def start_workspace(exercises: list[Exercise], directory: Path) -> StartedWorkspace:
    """Write stubs, prompts and public tests; never overwrite a candidate's file."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    kept: list[Path] = []

    def put(source: Path, target: Path) -> None:
        if target.exists():
            kept.append(target)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)

    for ex in exercises:
        put(ex.stub_path, directory / ex.artifact)
        put(ex.prompt_path, directory / "prompts" / f"{ex.id}.md")
        if ex.public_tests.is_file():
            put(ex.public_tests, directory / "public_tests" / f"test_{ex.id}.py")
    readme = directory / "README.md"
    if not readme.exists():
        readme.write_text(
            WORKSPACE_README.format(
                ids=", ".join(ex.id for ex in exercises),
                files=", ".join(ex.artifact for ex in exercises),
            ),
            encoding="utf-8",
        )
        written.append(readme)
    return StartedWorkspace(directory=directory, written=tuple(written), kept=tuple(kept))
