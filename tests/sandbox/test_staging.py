"""A run's throw-away folders: where they live, what they hold, and that nothing is left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.sandbox import staging
from grader.sandbox.staging import Staging

mounting = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or not Path("/proc/self/mountinfo").exists(),
    reason="mounting a run's memory file systems needs root on Linux",
)


def _mounts() -> dict[str, str]:
    """Mount point -> file system type, as this process sees them."""
    found = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, after = line.partition(" - ")
        point = fields.split()[4].replace("\\040", " ")
        found[point] = after.split()[0]
    return found


@pytest.fixture
def pristine(tmp_path: Path, engine_kit) -> Path:
    """A collected suite's folder: the suite's files and a bytecode folder beside them."""
    folder = tmp_path / "pristine"
    folder.mkdir()
    for path in engine_kit.get("adder").suite_files("hidden"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "test_adder.cpython-311.pyc").write_bytes(b"compiled")
    return folder


@mounting
def test_a_run_keeps_one_folder_on_the_disk_and_the_rest_in_memory(engine_kit, pristine):
    exercise = engine_kit.get("adder")
    with Staging(exercise, "hidden", exercise.stub_path, pristine) as stage:
        mounts = _mounts()
        assert mounts[str(stage.stage_dir)] == "tmpfs"
        assert mounts[str(stage.shared_dir)] == "tmpfs"  # the candidate's, capped apart
        for folder in (stage.run_dir, stage.suite_dir, stage.sub_dir, stage.shared_dir):
            assert folder.is_relative_to(stage.stage_dir)
        # The judge may write only in its run folder: the suite is beside it, not inside.
        assert not stage.suite_dir.is_relative_to(stage.run_dir)
        assert stage.shared_dir.is_relative_to(stage.run_dir)
        assert (stage.sub_dir / exercise.artifact).read_bytes() == exercise.stub_path.read_bytes()
        copied = stage.shared_dir / "submission" / exercise.artifact
        assert copied.read_bytes() == exercise.stub_path.read_bytes()
        assert sorted(p.name for p in stage.suite_dir.iterdir()) == sorted(
            p.name for p in pristine.iterdir()
        )
        assert (stage.suite_dir / "__pycache__" / "test_adder.cpython-311.pyc").read_bytes() == (
            b"compiled"
        )
        assert stage.stage_dir.stat().st_mode & 0o777 == 0o711
    assert not stage.stage_dir.exists()
    left = _mounts()
    assert str(stage.stage_dir) not in left and str(stage.shared_dir) not in left


@mounting
def test_a_kept_suite_folder_is_on_the_disk_and_outlives_the_run(engine_kit):
    exercise = engine_kit.get("adder")
    with Staging(exercise, "hidden", exercise.stub_path, keep_suite=True) as stage:
        assert _mounts()[str(stage.stage_dir)] == "tmpfs"
        assert not stage.suite_dir.is_relative_to(stage.stage_dir)
        names = {p.name for p in exercise.suite_files("hidden")}
        assert {p.name for p in stage.suite_dir.iterdir()} == names
    try:
        assert not stage.stage_dir.exists()
        assert {p.name for p in stage.suite_dir.iterdir()} == names
    finally:
        staging.shutil.rmtree(stage.suite_dir, ignore_errors=True)


def test_where_nothing_may_be_mounted_the_folders_are_plain_and_removed(
    engine_kit, pristine, monkeypatch
):
    monkeypatch.setattr(staging, "mount_run_folder", lambda *args, **kwargs: False)
    exercise = engine_kit.get("adder")
    with Staging(exercise, "hidden", exercise.stub_path, pristine) as stage:
        assert stage.run_dir == stage.stage_dir
        assert not stage.suite_dir.is_relative_to(stage.run_dir)
        assert (stage.sub_dir / exercise.artifact).is_file()
        assert (stage.suite_dir / "__pycache__").is_dir()
        (stage.shared_dir / "tmp").mkdir()  # what the tests write
    assert not stage.stage_dir.exists()
    assert not stage.suite_dir.exists()


@pytest.mark.parametrize("may_mount", [True, False])
def test_a_run_that_cannot_be_staged_leaves_nothing_behind(
    engine_kit, tmp_path, monkeypatch, may_mount
):
    if may_mount and not (hasattr(os, "geteuid") and os.geteuid() == 0):
        pytest.skip("mounting a run's memory file systems needs root")
    if not may_mount:
        monkeypatch.setattr(staging, "mount_run_folder", lambda *args, **kwargs: False)
    monkeypatch.setattr(staging.tempfile, "tempdir", str(tmp_path))
    before = _mounts() if Path("/proc/self/mountinfo").exists() else {}
    exercise = engine_kit.get("adder")
    staged = Staging(exercise, "hidden", tmp_path / "no such artifact.py")
    with pytest.raises(FileNotFoundError):
        staged.__enter__()
    assert list(tmp_path.iterdir()) == []
    if before:
        assert _mounts() == before
