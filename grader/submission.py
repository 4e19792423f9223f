"""A submission as read from disk: its files copied once, never through a link.

A submission may be a directory, a single artifact file or a .zip of a workspace;
(a notebook is read by grader.notebook). Each becomes a `Submission` mapping exercise
ids to private copies of their files.
"""

from __future__ import annotations

import atexit
import errno
import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from grader.catalogue import Exercise
from grader.errors import SubmissionError
from grader.results import ReadingNote

ZIP_MAX_BYTES = 50 * 1024 * 1024
ZIP_MAX_FILES = 2000
# An answer file is read and parsed by the grader itself (the integrity scan), outside
# any sandbox: an interview answer is a few hundred lines, and 10 MB of one-line
# statements cost 6 GB of memory to parse.
ANSWER_MAX_BYTES = 256 * 1024
# Submission files are opened without following a link (O_NOFOLLOW); O_NONBLOCK keeps a
# FIFO put in a file's place from hanging the grader (fstat then refuses it).
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# How many single subfolders deep exercise files are looked for.
MAX_FOLDER_DEPTH = 16
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
    notes: tuple[ReadingNote, ...] = ()
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


def shown_name(name: str) -> str:
    """A candidate-chosen name fit for a one-line message."""
    return name if name.isprintable() else repr(name)[1:-1]


def link_error(shown: str, what: str) -> SubmissionError:
    return SubmissionError(f"{shown} is a symbolic link: submit the {what} itself")


def _is_link(name: str | Path, dir_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=dir_fd).st_mode)
    except OSError:
        return False


def _open(name: str | Path, flags: int, shown: str, what: str, dir_fd: int | None = None) -> int:
    """A descriptor opened without following a link; SubmissionError naming a link."""
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except OSError as exc:
        # O_NOFOLLOW fails with ELOOP on a link, with O_DIRECTORY with ENOTDIR.
        if exc.errno == errno.ELOOP or _is_link(name, dir_fd):
            raise link_error(shown, what) from None
        raise SubmissionError(f"{shown}: cannot be read ({exc.strerror})") from None


def _open_regular(name: str | Path, shown: str, dir_fd: int | None = None) -> BinaryIO:
    """A regular file opened for reading; a link, a FIFO or a device is refused, never read."""
    fd = _open(name, FILE_FLAGS, shown, "file", dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionError(f"{shown} is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_file(path: Path) -> bytes:
    """The bytes of a submission file (.zip, .ipynb, an artifact), never through a link."""
    with _open_regular(path, shown_name(str(path))) as handle:
        return handle.read()


def _subfolder(fd: int, shown: str) -> tuple[str, str] | None:
    """The single subfolder to look in when a folder holds no exercise file, if there is one."""
    candidates = []
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.name.startswith((".", "__")):
                continue
            # A link counts when it leads to a folder (stat reads nothing of it): it is
            # then the folder grading would have looked in, so it is named as an error.
            if entry.is_dir(follow_symlinks=False) or (entry.is_symlink() and entry.is_dir()):
                candidates.append(entry)
    if len(candidates) != 1:
        return None
    entry = candidates[0]
    inner = f"{shown}/{shown_name(entry.name)}"
    if entry.is_symlink():
        raise link_error(inner, "folder")
    return entry.name, inner


def read_artifacts(path: Path, exercises: list[Exercise]) -> dict[str, bytes]:
    """Each exercise's file in a submission folder, read without following any link.

    The files are looked for in the folder, or in its single subfolder when it holds
    none (a workspace zipped with its folder); a link where one of them, or that
    subfolder, would be is a SubmissionError naming it. Every step opens relative to
    the folder already open, so swapping a file or folder for a link cannot redirect a read.
    """
    artifacts = {ex.artifact for ex in exercises}
    shown = shown_name(str(path))
    fd = _open(path, FOLDER_FLAGS, shown, "folder")
    try:
        for _ in range(MAX_FOLDER_DEPTH):
            with os.scandir(fd) as entries:
                present = {
                    e.name: e
                    for e in entries
                    if e.name in artifacts and (e.is_symlink() or e.is_file(follow_symlinks=False))
                }
            if present:
                break
            inner = _subfolder(fd, shown)
            if inner is None:
                return {}
            name, shown = inner
            child = _open(name, FOLDER_FLAGS, shown, "folder", dir_fd=fd)
            os.close(fd)
            fd = child
        else:
            return {}
        found = {}
        for ex in exercises:
            entry = present.get(ex.artifact)
            if entry is None:
                continue
            where = f"{shown}/{ex.artifact}"
            if entry.is_symlink():
                raise link_error(where, "file")
            if entry.is_file(follow_symlinks=False):
                with _open_regular(ex.artifact, where, dir_fd=fd) as handle:
                    found[ex.id] = handle.read()
        return found
    finally:
        os.close(fd)


def check_answer_size(artifact: str, size: int) -> None:
    """A SubmissionError for an answer file larger than any answer needs."""
    if size > ANSWER_MAX_BYTES:
        raise SubmissionError(
            f"{shown_name(artifact)} is {size / 1024:.0f} KiB: an answer file may be at most "
            f"{ANSWER_MAX_BYTES // 1024} KiB"
        )


def snapshot(files: dict[str, bytes], exercises: list[Exercise]) -> tuple[Path, dict[str, Path]]:
    """Private copies of the files: everything after loading reads these, never the originals."""
    for ex in exercises:
        if ex.id in files:
            check_answer_size(ex.artifact, len(files[ex.id]))
    root = scratch_dir("mlgrade-submission-")
    paths = {}
    for ex in exercises:
        if ex.id in files:
            paths[ex.id] = root / ex.artifact
            paths[ex.id].write_bytes(files[ex.id])
    return root, paths


def from_directory(folder: Path, exercises: list[Exercise], name: str, source: Path) -> Submission:
    root, files = snapshot(read_artifacts(folder, exercises), exercises)
    return Submission(name=name, root=root, files=files, source=source)


def _unsafe_entry(member: zipfile.ZipInfo) -> str:
    """Why an archive entry must not be unpacked, or "" when it is safe."""
    name = member.filename
    parts = re.split(r"[\\/]", name)
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
        return f"unsafe path in archive: {shown_name(name)}"
    # Unix zips keep the mode in the high half of external_attr; a link is never unpacked.
    if stat.S_ISLNK(member.external_attr >> 16):
        return f"archive entry {shown_name(name)} is a symbolic link: submit the file itself"
    return ""


def extract_zip(path: Path) -> Path:
    """Unpack an archive safely: no links, no absolute or parent paths, bounded size."""
    handle = _open_regular(path, shown_name(str(path)))
    target = scratch_dir("mlgrade-zip-")
    try:
        with handle, zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_FILES:
                raise SubmissionError(f"{path}: archive holds more than {ZIP_MAX_FILES} files")
            if sum(m.file_size for m in members) > ZIP_MAX_BYTES:
                raise SubmissionError(f"{path}: archive unpacks to more than 50 MB")
            for member in members:
                problem = _unsafe_entry(member)
                if problem:
                    raise SubmissionError(f"{path}: {problem}")
            for member in members:
                if member.is_dir():
                    continue
                destination = target.joinpath(*PurePosixPath(member.filename).parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, destination.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{path}: not a readable zip archive ({exc})") from None
    return target
