"""Reading submissions: folders, single files and archives, safely."""

from __future__ import annotations

import zipfile

import pytest

from grader.errors import SubmissionError
from grader.workspace import load_submission
from tests.conftest import ENGINE_SUBMISSIONS


def test_directory_maps_exercises_to_their_files(engine_kit):
    submission = load_submission(ENGINE_SUBMISSIONS / "correct", engine_kit)
    assert submission.files == {"adder": ENGINE_SUBMISSIONS / "correct" / "adder.py"}
    assert submission.name == "correct"


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
