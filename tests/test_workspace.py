"""Reading submissions: folders, single files and archives, safely."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from grader.errors import SubmissionError
from grader.workspace import RunTarget, load_submission, read_file
from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES, ROOT


def test_directory_maps_exercises_to_private_copies_of_their_files(engine_kit):
    original = ENGINE_SUBMISSIONS / "correct" / "adder.py"
    submission = load_submission(ENGINE_SUBMISSIONS / "correct", engine_kit)
    assert set(submission.files) == {"adder"}
    # Grading reads a copy taken once, never the candidate's folder again.
    assert submission.files["adder"] != original
    assert submission.files["adder"].name == "adder.py"
    assert submission.files["adder"].read_bytes() == original.read_bytes()
    assert submission.name == "correct"
    assert submission.source == ENGINE_SUBMISSIONS / "correct"


def test_a_single_artifact_file_is_a_submission(engine_kit):
    submission = load_submission(ENGINE_SUBMISSIONS / "correct" / "adder.py", engine_kit)
    assert set(submission.files) == {"adder"}


def test_zip_of_a_workspace_folder_is_unpacked(engine_kit, tmp_path):
    archive = tmp_path / "cand.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(ENGINE_SUBMISSIONS / "correct" / "adder.py", "workspace/adder.py")
        z.writestr("workspace/README.md", "hello")
    submission = load_submission(archive, engine_kit)
    assert (
        submission.files["adder"].read_bytes()
        == (ENGINE_SUBMISSIONS / "correct" / "adder.py").read_bytes()
    )
    assert submission.name == "cand"


@pytest.mark.parametrize("name", ["../evil.py", "/abs/adder.py"])
def test_zip_with_an_escaping_path_is_refused(engine_kit, tmp_path, name):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(name, "x = 1\n")
    with pytest.raises(SubmissionError, match="unsafe path"):
        load_submission(archive, engine_kit)


def test_zip_that_unpacks_too_large_is_refused(engine_kit, tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("adder.py", b"#" * (60 * 1024 * 1024))
    with pytest.raises(SubmissionError, match="more than 50 MB"):
        load_submission(archive, engine_kit)


def test_not_a_zip_is_a_one_line_error(engine_kit, tmp_path):
    fake = tmp_path / "fake.zip"
    fake.write_text("not a zip")
    with pytest.raises(SubmissionError, match="fake.zip: not a readable zip archive"):
        load_submission(fake, engine_kit)


def test_other_files_are_refused_with_a_reason(engine_kit, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hi")
    with pytest.raises(SubmissionError, match="expected a directory, a .zip, an .ipynb"):
        load_submission(other, engine_kit)


# Hostile inputs: links are never followed, unsafe archive entries never unpacked.
# Links are made here, in tmp_path: committed, git would store them as links.

INPUTS = FIXTURES / "submissions" / "inputs"
CORRECT = ENGINE_SUBMISSIONS / "correct" / "adder.py"


def test_artifact_linking_to_a_reference_solution_is_refused(real_kit, tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "metrics.py").symlink_to(ROOT / "solutions" / "metrics.py")
    with pytest.raises(SubmissionError) as caught:
        load_submission(folder, real_kit, ["metrics"])
    assert str(caught.value) == (f"{folder}/metrics.py is a symbolic link: submit the file itself")


def test_artifact_linking_to_a_secret_names_the_link_and_nothing_of_its_target(
    engine_kit, tmp_path
):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET\n")
    for number, target in enumerate((Path("/etc/shadow"), secret)):
        folder = tmp_path / f"candidate-{number}"
        folder.mkdir()
        (folder / "adder.py").symlink_to(target)
        with pytest.raises(SubmissionError) as caught:
            load_submission(folder, engine_kit)
        message = str(caught.value)
        assert message == f"{folder}/adder.py is a symbolic link: submit the file itself"
        assert target.name not in message and "TOPSECRET" not in message


def test_a_link_as_the_single_subfolder_is_refused(engine_kit, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(CORRECT, tmp_path / "elsewhere" / "adder.py")
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "workspace").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SubmissionError, match="submission/workspace is a symbolic link: submit"):
        load_submission(folder, engine_kit)


def test_links_grading_would_not_read_are_ignored_not_followed(engine_kit, tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    shutil.copy(CORRECT, folder / "adder.py")
    (folder / "README.md").symlink_to("/etc/shadow")
    (folder / ".venv").symlink_to("/")
    submission = load_submission(folder, engine_kit)
    assert submission.files["adder"].read_bytes() == CORRECT.read_bytes()


@pytest.mark.parametrize("kind", ["folder", "zip", "ipynb", "file"])
def test_a_submission_path_that_is_a_link_is_refused(engine_kit, tmp_path, kind):
    real = {
        "folder": ENGINE_SUBMISSIONS / "correct",
        "zip": INPUTS / "parent_path.zip",
        "ipynb": INPUTS / "deep_json.ipynb",
        "file": CORRECT,
    }[kind]
    link = tmp_path / ("adder.py" if kind == "file" else f"candidate{real.suffix}")
    link.symlink_to(real)
    noun = "folder" if kind == "folder" else "file"
    with pytest.raises(SubmissionError) as caught:
        load_submission(link, engine_kit)
    assert str(caught.value) == f"{link} is a symbolic link: submit the {noun} itself"


def test_read_file_never_opens_through_a_link(tmp_path):
    # What makes the checks race-free: even a link swapped in after every check is
    # refused by the open itself (O_NOFOLLOW), not by an earlier look at the path.
    (tmp_path / "adder.py").symlink_to(CORRECT)
    with pytest.raises(SubmissionError, match="adder.py is a symbolic link"):
        read_file(tmp_path / "adder.py")


def test_a_fifo_in_place_of_an_artifact_never_hangs(engine_kit, tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    os.mkfifo(folder / "adder.py")
    assert load_submission(folder, engine_kit).files == {}
    with pytest.raises(SubmissionError, match="is not a regular file"):
        read_file(folder / "adder.py")


def test_grading_reads_the_copy_taken_at_loading(engine_kit, tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    shutil.copy(CORRECT, folder / "adder.py")
    submission = load_submission(folder, engine_kit)
    (folder / "adder.py").unlink()
    (folder / "adder.py").symlink_to("/etc/shadow")
    assert submission.files["adder"].read_bytes() == CORRECT.read_bytes()


def test_zip_entry_that_is_a_symbolic_link_is_refused(engine_kit):
    archive = INPUTS / "symlink_entry.zip"
    with pytest.raises(SubmissionError) as caught:
        load_submission(archive, engine_kit)
    assert str(caught.value) == (
        f"{archive}: archive entry workspace/adder.py is a symbolic link: submit the file itself"
    )


def test_zip_with_a_parent_path_entry_names_it(engine_kit):
    archive = INPUTS / "parent_path.zip"
    with pytest.raises(SubmissionError) as caught:
        load_submission(archive, engine_kit)
    assert str(caught.value) == f"{archive}: unsafe path in archive: ../x.py"


@pytest.mark.parametrize("name", ["a/../../x.py", "..\\x.py", "\\x.py", "C:/x.py", "C:\\x.py"])
def test_zip_entries_escaping_by_other_spellings_are_refused(engine_kit, tmp_path, name):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(name, "x = 1\n")
    with pytest.raises(SubmissionError, match="unsafe path in archive"):
        load_submission(archive, engine_kit)


def test_run_target_prefers_exercise_files_then_the_handout_then_refuses_two_notebooks(
    engine_kit, tmp_path
):
    from grader.errors import UsageError
    from grader.handout import HANDOUT_NAME, write_handout
    from grader.workspace import run_target

    handout = write_handout(engine_kit.exercises, tmp_path)
    assert run_target(tmp_path, engine_kit) == RunTarget(handout, ("adder",), tmp_path)
    (tmp_path / "other.ipynb").write_bytes(handout.read_bytes())
    assert run_target(tmp_path, engine_kit).path == handout  # the handout by its name
    (tmp_path / "adder.py").write_text("def add(a, b):\n    return a + b\n")
    assert run_target(tmp_path, engine_kit) == RunTarget(tmp_path, ("adder",), tmp_path)
    (tmp_path / "adder.py").unlink()
    handout.rename(tmp_path / "mine.ipynb")
    with pytest.raises(UsageError, match=r"several notebooks \(mine.ipynb, other.ipynb\)"):
        run_target(tmp_path, engine_kit)
    assert HANDOUT_NAME not in str(run_target(tmp_path / "mine.ipynb", engine_kit).path)


def test_an_answer_file_larger_than_any_answer_is_a_one_line_error(engine_kit, tmp_path):
    # Parsed by the grader itself, outside any sandbox: 10 MB of one-line statements
    # once cost 6 GB of memory and 40 s before grading began.
    folder = tmp_path / "huge"
    folder.mkdir()
    (folder / "adder.py").write_text("x = 1\n" * 60_000)
    with pytest.raises(SubmissionError, match=r"adder\.py is \d+ KiB: an answer file may be"):
        load_submission(folder, engine_kit)
    archive = tmp_path / "huge.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(folder / "adder.py", "adder.py")
    with pytest.raises(SubmissionError, match="at most 256 KiB"):
        load_submission(archive, engine_kit)
    # An answer of an ordinary size still loads.
    (folder / "adder.py").write_text("def add(a, b):\n    return a + b\n" * 2000)
    assert load_submission(folder, engine_kit).files
