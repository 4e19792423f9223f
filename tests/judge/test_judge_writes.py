"""The judge writes only in its own run folder: a suite that trusts a path the candidate's
process hands back, or a link it planted, cannot be made to write anywhere else."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from grader.candidate import landlock
from grader.catalogue import load_kit
from grader.grading import grade
from grader.results import TestStatus
from grader.workspace import load_submission

# A suite as careless as a suite can be: it writes wherever the candidate says.
NAIVE_SUITE = """
from pathlib import Path

import adder as sub
import pytest


@pytest.mark.points(1)
def test_writes_where_the_answer_says():
    Path(sub.where()).write_text("written by the judge")


@pytest.mark.points(1)
def test_writes_through_a_link_the_answer_planted():
    planted = Path(sub.plant())
    planted.write_text("written by the judge")


@pytest.mark.points(1)
def test_writes_its_own_files():
    assert sub.add(2, 3) == 5
"""

HOSTILE_ANSWER = """
import os


def where():
    return {victim!r}


def plant():
    os.symlink({victim!r}, "planted")
    return os.path.abspath("planted")


def add(a, b):
    return a + b


def mean(values):
    return sum(values) / len(values)
"""

needs_landlock = pytest.mark.skipif(
    not hasattr(os, "fork") or landlock.abi_version() < 1,
    reason="the kernel has no Landlock here",
)


@needs_landlock
def test_a_judge_cannot_be_sent_to_write_outside_its_run_folder(tmp_path, grade_adder):
    victim = tmp_path / "outside" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("untouched")

    tests = grade_adder(NAIVE_SUITE, textwrap.dedent(HOSTILE_ANSWER).format(victim=str(victim)))

    assert victim.read_text() == "untouched"
    for name in (
        "test_writes_where_the_answer_says",
        "test_writes_through_a_link_the_answer_planted",
    ):
        assert tests[name].status is TestStatus.FAILED, (name, tests[name].message)
        assert "PermissionError" in tests[name].message, tests[name].message
    # The fence leaves the judge its own work: the tests' folders are in its run folder.
    assert tests["test_writes_its_own_files"].status is TestStatus.PASSED


@needs_landlock
def test_the_fence_allows_the_given_folders_and_files_only(tmp_path):
    allowed, other = tmp_path / "allowed", tmp_path / "other"
    allowed.mkdir()
    other.mkdir()
    single = other / "single"
    single.write_text("")
    pid = os.fork()
    if pid == 0:  # the fence lasts for the process: try it in a child
        code = 0
        try:
            assert landlock.restrict_writes([str(allowed)], [str(single)])
            (allowed / "inside").write_text("ok")
            single.write_text("ok")
            (other / "single").read_text()
            for forbidden in (
                lambda: (other / "new").write_text("no"),
                lambda: os.mkdir(other / "d"),
            ):
                try:
                    forbidden()
                    code = 2
                except PermissionError:
                    pass
        except BaseException:  # noqa: BLE001 - any surprise is a failure code
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert (allowed / "inside").read_text() == "ok" and single.read_text() == "ok"
    assert not (other / "new").exists() and not (other / "d").exists()


# Appended to the reference answer: save_model reports a file outside the folder it was
# given (a root-owned file of the grader's machine), and load_model plays along, so that
# every check of the suite would pass if the judge flipped, replaced or removed that file.
OUTSIDE_PATHS = """

import numpy as _np
from pathlib import Path as _Path

_real_save, _real_load = save_model, load_model


def save_model(model, directory, *, metadata=None, now=None):
    if type(model) is _np.ndarray or model in ({{"w": [1, 2]}}, [1]):
        return _Path({victim!r})
    return _real_save(model, directory, metadata=metadata, now=now)


def load_model(path, *, verify=True):
    if str(path) == {victim!r}:
        if verify:
            raise ModelIntegrityError("tampered")
        return {{"w": [6, 6]}}
    return _real_load(path, verify=verify)
"""


def test_the_persistence_suite_touches_no_file_outside_the_folder_it_gave(tmp_path):
    root = Path(__file__).resolve().parents[2]
    kit = load_kit(root / "exercises")
    victim = tmp_path / "outside" / "model.joblib"
    victim.parent.mkdir()
    victim.write_bytes(b"\x80\x04K\x01." * 8)
    victim.chmod(0o600)
    before = victim.read_bytes()
    answer = tmp_path / "answer"
    answer.mkdir()
    reference = (root / "solutions" / "persistence.py").read_text(encoding="utf-8")
    (answer / "persistence.py").write_text(
        reference + textwrap.dedent(OUTSIDE_PATHS).format(victim=str(victim)), encoding="utf-8"
    )

    result = grade(load_submission(answer, kit), kit, ["persistence"])

    assert victim.read_bytes() == before and victim.exists()
    tests = {t.name: t for t in result.exercise("persistence").tests}
    for name in (
        "test_missing_sidecar",
        "test_tampered_file",
        "test_single_flipped_byte_is_detected",
        "test_verification_happens_before_unpickling",
        "test_unreadable_sidecar",
    ):
        assert tests[name].status is TestStatus.FAILED, (name, tests[name].message)
        assert "expected the model file inside" in tests[name].message, tests[name].message
