"""Grade a batch on a Dask distributed cluster instead of the local pool (`mlgrade[cluster]`).

Each submission travels to a worker as bytes, so a worker needs mlgrade, the same Python
environment and the kit at the coordinator's kit path, but not the submissions folder.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.batch.roster import SUITE, Candidate, grade_submission
from grader.catalogue import Exercise, Kit, load_kit
from grader.errors import MlgradeError, UsageError
from grader.workspace import read_artifacts, read_file

CONNECT_SECONDS = 30
# Parcels in flight per worker thread: enough to keep workers busy between round trips,
# few enough that thousands of submissions are not all held by the scheduler at once.
IN_FLIGHT_PER_THREAD = 4
MIN_IN_FLIGHT = 16

Outcome = tuple[Candidate, str | None, str]


@dataclass(frozen=True)
class Parcel:
    """One submission packed for a worker: its name and the bytes grading reads."""

    name: str  # folder or file name, so the result names the candidate as a local run does
    origin: str  # its path on the coordinator, for error messages
    is_dir: bool
    files: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Fingerprint:
    """What the coordinator grades with; a worker with anything else refuses to grade."""

    mlgrade_version: str
    exercises: tuple[tuple[str, str], ...]  # (exercise id, digest of suite and metadata)


def _digest(exercise: Exercise) -> str:
    # Limits and forbidden imports in exercise.toml change a grade as much as the suite.
    metadata = hashlib.sha256((exercise.folder / "exercise.toml").read_bytes()).hexdigest()
    return f"{exercise.suite_sha256(SUITE)}:{metadata}"


def fingerprint(exercises: Sequence[Exercise]) -> Fingerprint:
    """The mlgrade version and the exercise digests a grade depends on."""
    return Fingerprint(__version__, tuple((ex.id, _digest(ex)) for ex in exercises))


def pack(candidate: Candidate, exercises: Sequence[Exercise]) -> Parcel:
    """Read the files of a submission that grading uses (the same ones the cache key reads)."""
    path = candidate.path
    # Read as grading reads them, never through a link (SubmissionError naming it).
    if path.is_dir():
        found = read_artifacts(path, list(exercises))
        files = tuple((ex.artifact, found[ex.id]) for ex in exercises if ex.id in found)
        return Parcel(path.resolve().name, str(path), True, files)
    return Parcel(path.name, str(path), False, ((path.name, read_file(path)),))


def _unpack(parcel: Parcel, scratch: Path) -> Path:
    if not parcel.is_dir:
        target = scratch / parcel.name
        target.write_bytes(parcel.files[0][1])
        return target
    target = scratch / parcel.name
    target.mkdir()
    for name, data in parcel.files:
        (target / name).write_bytes(data)
    return target


def _allow_grading_children() -> None:
    """Dask starts workers as daemonic processes, and multiprocessing refuses children to
    a daemon; the sandbox needs its grading children and kills each one itself."""
    process = multiprocessing.current_process()
    if process.daemon:
        process.daemon = False


def _kit_mismatch(kit_root: str, expected: Fingerprint) -> str:
    """Why this worker's mlgrade or kit would grade differently, or "" when it matches."""
    if __version__ != expected.mlgrade_version:
        return (
            f"worker runs mlgrade {__version__}, the coordinator "
            f"{expected.mlgrade_version}: install the same version on every worker"
        )
    found = {ex.id: ex for ex in load_kit(Path(kit_root)).exercises}
    for exercise_id, digest in expected.exercises:
        if exercise_id not in found or _digest(found[exercise_id]) != digest:
            return (
                f"the worker's kit at {kit_root} differs from the coordinator's for "
                f"{exercise_id}: give every worker the same kit"
            )
    return ""


def grade_parcel(
    parcel: Parcel, kit_root: str, exercise_ids: tuple[str, ...], expected: Fingerprint
) -> tuple[str | None, str]:
    """Run on a worker: unpack, grade with `grade_submission`; (JSON text or None, error)."""
    _allow_grading_children()
    try:
        mismatch = _kit_mismatch(kit_root, expected)
        if mismatch:
            return None, mismatch
        with tempfile.TemporaryDirectory(prefix="mlgrade-parcel-") as scratch:
            path = _unpack(parcel, Path(scratch))
            try:
                return grade_submission(str(path), kit_root, exercise_ids), ""
            except MlgradeError as exc:
                # Name the submission as the coordinator knows it, not the worker's copy.
                return None, str(exc).replace(str(path), parcel.origin)
    except MlgradeError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded as this candidate's error row
        return None, f"internal error on a worker: {type(exc).__name__}: {exc}"


def grade_on_cluster(
    address: str, candidates: Sequence[Candidate], kit: Kit, exercise_ids: tuple[str, ...]
) -> Iterator[Outcome]:
    """Grade candidates on the Dask cluster at `address`; yield each outcome as it finishes."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'mlgrade[cluster]'") from None
    exercises = kit.select(list(exercise_ids))
    expected = fingerprint(exercises)
    kit_root = str(kit.root.resolve())
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        threads = sum(client.nthreads().values())
        window = max(MIN_IN_FLIGHT, IN_FLIGHT_PER_THREAD * threads)
        queue = iter(candidates)
        running = as_completed(loop=client.loop)
        owners = {}
        unreadable: list[Outcome] = []

        def submit_next() -> bool:
            for candidate in queue:
                try:
                    parcel = pack(candidate, exercises)
                except MlgradeError as exc:
                    unreadable.append((candidate, None, str(exc)))
                    continue
                except OSError as exc:
                    unreadable.append((candidate, None, f"{candidate.path}: {exc}"))
                    continue
                future = client.submit(
                    grade_parcel,
                    parcel,
                    kit_root,
                    exercise_ids,
                    expected,
                    pure=False,
                    key=f"mlgrade-{candidate.name}-{uuid.uuid4().hex[:8]}",
                )
                owners[future.key] = candidate
                running.add(future)
                return True
            return False

        for _ in range(window):
            if not submit_next():
                break
        yield from unreadable
        unreadable.clear()
        for future in running:
            candidate = owners.pop(future.key)
            try:
                text, error = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails one row, not all
                text, error = None, f"cluster error: {type(exc).__name__}: {exc}"
            future.release()
            yield candidate, text, error
            submit_next()
            yield from unreadable
            unreadable.clear()
