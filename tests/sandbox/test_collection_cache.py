"""Kept collections: an unchanged suite is not collected again, and an entry that is not
exactly what the trusted collection run left is never used."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.catalogue import load_kit
from grader.grading import grade
from grader.results import to_json
from grader.sandbox import collection_cache
from grader.sandbox.channel import CollectedTest
from grader.sandbox.collection_cache import Collection
from grader.sandbox.runner import Sandbox
from grader.workspace import load_submission
from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES, ROOT

TESTS = (
    CollectedTest("test_adder.py::test_one", 1.0, "adds one", ""),
    CollectedTest("test_adder.py::test_two", 2.5, "adds two", "test_adder.py::test_one"),
)


@pytest.fixture
def kept(tmp_path, monkeypatch) -> Path:
    """An empty cache of collections of this test's own."""
    folder = tmp_path / "collections"
    monkeypatch.setattr(collection_cache, "cache_folder", lambda: folder)
    return folder


@pytest.fixture
def kit(tmp_path):
    """A copy of the engine kit this test may edit."""
    shutil.copytree(FIXTURES / "kit", tmp_path / "kit")
    return load_kit(tmp_path / "kit")


def staged_suite(kit, tmp_path: Path) -> Path:
    """A suite folder as a collection run leaves it: the files and some bytecode."""
    folder = tmp_path / "staged"
    (folder / "__pycache__").mkdir(parents=True)
    shutil.copy2(kit.get("adder").hidden_dir / "test_adder.py", folder / "test_adder.py")
    (folder / "__pycache__" / "test_adder.cpython-311-pytest.pyc").write_bytes(b"bytecode")
    return folder


def test_an_entry_comes_back_as_stored(kit, kept, tmp_path):
    exercise = kit.get("adder")
    key = collection_cache.cache_key(exercise, "hidden")
    suite = staged_suite(kit, tmp_path)
    collection_cache.store(key, Collection(TESTS, ("numpy", "pytest"), suite))

    found = collection_cache.load(exercise, "hidden", key)
    assert found is not None
    assert found.tests == TESTS
    assert found.imports == ("numpy", "pytest")
    # A copy of the caller's own, with the times pytest checks its bytecode against.
    assert found.suite_dir != kept / key / "suite"
    copied = found.suite_dir / "test_adder.py"
    assert copied.stat().st_mtime_ns == (suite / "test_adder.py").stat().st_mtime_ns
    assert (found.suite_dir / "__pycache__" / "test_adder.cpython-311-pytest.pyc").exists()
    shutil.rmtree(kept / key)
    assert copied.exists()  # another grader evicting the entry leaves this copy alone


def test_no_entry_is_a_miss(kit, kept):
    exercise = kit.get("adder")
    assert collection_cache.load(exercise, "hidden", "0" * 64) is None


def test_an_entry_whose_suite_differs_from_the_kits_is_not_used(kit, kept, tmp_path, monkeypatch):
    exercise = kit.get("adder")
    key = collection_cache.cache_key(exercise, "hidden")
    collection_cache.store(key, Collection(TESTS, (), staged_suite(kit, tmp_path)))
    cached = kept / key / "suite" / "test_adder.py"
    cached.write_text("def test_everything_passes():\n    pass\n", encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert collection_cache.load(exercise, "hidden", key) is None
    assert list(scratch.iterdir()) == []  # the refused copy is not left behind


@pytest.mark.parametrize(
    "extra", ["conftest.py", "__pycache__/conftest.cpython-311.pyc", "__pycache__/test_adder.txt"]
)
def test_an_entry_holding_anything_beside_the_suite_and_its_bytecode_is_not_used(
    kit, kept, tmp_path, extra
):
    exercise = kit.get("adder")
    key = collection_cache.cache_key(exercise, "hidden")
    collection_cache.store(key, Collection(TESTS, (), staged_suite(kit, tmp_path)))
    assert collection_cache.load(exercise, "hidden", key) is not None
    (kept / key / "suite" / extra).write_text("import os\n", encoding="utf-8")
    assert collection_cache.load(exercise, "hidden", key) is None


@pytest.mark.parametrize(
    "entry",
    [
        "not json",
        json.dumps({"tests": [], "imports": []}),
        json.dumps({"imports": []}),
        json.dumps({"tests": [{"nodeid": "t", "points": "1", "description": ""}], "imports": []}),
        json.dumps({"tests": [{"nodeid": "t", "points": True, "description": ""}], "imports": []}),
        json.dumps({"tests": [{"nodeid": 3, "points": 1, "description": ""}], "imports": []}),
        json.dumps({"tests": [["t", 1, ""]], "imports": []}),
        json.dumps({"tests": [{"nodeid": "t", "points": 1, "description": ""}], "imports": [1]}),
    ],
)
def test_a_malformed_entry_is_a_miss(kit, kept, tmp_path, entry):
    exercise = kit.get("adder")
    key = collection_cache.cache_key(exercise, "hidden")
    collection_cache.store(key, Collection(TESTS, (), staged_suite(kit, tmp_path)))
    (kept / key / collection_cache.ENTRY_FILE).write_text(entry, encoding="utf-8")
    assert collection_cache.load(exercise, "hidden", key) is None


def test_a_cache_that_cannot_be_written_is_skipped(kit, monkeypatch, tmp_path):
    blocked = tmp_path / "a file"
    blocked.write_text("")
    monkeypatch.setattr(collection_cache, "cache_folder", lambda: blocked / "collections")
    exercise = kit.get("adder")
    key = collection_cache.cache_key(exercise, "hidden")
    collection_cache.store(key, Collection(TESTS, (), staged_suite(kit, tmp_path)))
    assert collection_cache.load(exercise, "hidden", key) is None


def test_only_the_most_recently_used_entries_are_kept(kept, tmp_path):
    kept.mkdir()
    for number in range(6):
        (kept / f"entry{number}").mkdir()
        os.utime(kept / f"entry{number}", ns=(number * 10**9, number * 10**9))
    collection_cache.evict(kept, 4)
    assert sorted(p.name for p in kept.iterdir()) == [f"entry{n}" for n in (2, 3, 4, 5)]


def test_a_key_names_the_suites_files_and_the_exercises_own(kit):
    exercise = kit.get("adder")
    before = collection_cache.cache_key(exercise, "hidden")
    assert collection_cache.cache_key(exercise, "public") != before
    (exercise.folder / "exercise.toml").write_text(
        (exercise.folder / "exercise.toml").read_text() + "\n# edited\n"
    )
    assert collection_cache.cache_key(exercise, "hidden") != before


def test_a_key_does_not_depend_on_how_or_where_mlgrade_was_started(kit, tmp_path):
    code = (
        "import sys; from pathlib import Path; from grader.catalogue import load_kit; "
        "from grader.sandbox.collection_cache import cache_key; "
        "print(cache_key(load_kit(Path(sys.argv[1])).get('adder'), 'hidden'))"
    )
    script = tmp_path / "bin" / "grade_it.py"
    script.parent.mkdir()
    script.write_text(code, encoding="utf-8")
    # The same interpreter by another name, as a console script's first line names it.
    other_name = Path(sys.executable).with_name("python3")
    interpreter = str(other_name) if other_name.exists() else sys.executable
    keys = {
        subprocess.run(
            command,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # -c puts the working directory first on the path, a script its own folder.
        for command in (
            [sys.executable, "-c", code, str(kit.root)],
            [interpreter, str(script), str(kit.root)],
        )
    }
    assert len(keys) == 1 and len(keys.pop().strip()) == 64


@settings(max_examples=25, deadline=None)
@given(content=st.binary(max_size=64), other=st.binary(max_size=64))
def test_any_change_to_a_suite_file_changes_the_key(tmp_path_factory, content, other):
    folder = tmp_path_factory.mktemp("kit")
    shutil.copytree(FIXTURES / "kit", folder, dirs_exist_ok=True)
    exercise = load_kit(folder).get("adder")
    suite_file = exercise.hidden_dir / "test_adder.py"
    suite_file.write_bytes(content)
    first = collection_cache.cache_key(exercise, "hidden")
    suite_file.write_bytes(other)
    assert (collection_cache.cache_key(exercise, "hidden") == first) == (content == other)


def results_without_times(result) -> dict:
    data = json.loads(to_json(result))

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if "duration" not in k}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(data)


def collections_run(sandbox: Sandbox, monkeypatch) -> list[str]:
    """The exercises this sandbox runs a collection child for, from now on."""
    ran: list[str] = []
    real = sandbox._run_child

    def spy(exercise, job, *args, **kwargs):
        if job.collect_only:
            ran.append(exercise.id)
        return real(exercise, job, *args, **kwargs)

    monkeypatch.setattr(sandbox, "_run_child", spy)
    return ran


def test_a_kept_collection_grades_alike_without_collecting(kit, kept, monkeypatch):
    submission = load_submission(ENGINE_SUBMISSIONS / "half", kit)
    first = Sandbox(warm_engine=False)
    first_collections = collections_run(first, monkeypatch)
    cold = grade(submission, kit, sandbox=first)
    assert first_collections == ["adder"]
    assert len(list(kept.iterdir())) == 1

    second = Sandbox(warm_engine=False)
    second_collections = collections_run(second, monkeypatch)
    warm = grade(submission, kit, sandbox=second)
    assert second_collections == []
    assert results_without_times(warm) == results_without_times(cold)
    assert 0 < warm.score < warm.max_score


def test_an_edited_suite_is_collected_again(kit, kept, monkeypatch):
    submission = load_submission(ENGINE_SUBMISSIONS / "correct", kit)
    before = grade(submission, kit, sandbox=Sandbox(warm_engine=False))
    suite_file = kit.get("adder").hidden_dir / "test_adder.py"
    suite_file.write_text(
        suite_file.read_text()
        + "\n\n@pytest.mark.points(1)\ndef test_added_later():\n    assert sub.add(2, 2) == 5\n",
        encoding="utf-8",
    )
    sandbox = Sandbox(warm_engine=False)
    ran = collections_run(sandbox, monkeypatch)
    after = grade(submission, kit, sandbox=sandbox)
    assert ran == ["adder"]
    names = {t.name for t in after.exercise("adder").tests}
    assert "test_added_later" in names
    assert after.score < after.max_score
    assert after.max_score > before.max_score
    assert len(list(kept.iterdir())) == 2
