"""A corpus of hostile submissions: each attack is graded and its outcome asserted.

The grader must not be fooled (no points that the code did not earn), hung or harmed,
and must always finish with a report.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from grader.catalogue import Kit, Limits
from grader.grading import grade
from grader.results import ExerciseStatus, TestStatus, to_json
from grader.sandbox.forkservers import suite_imports
from grader.workspace import load_submission
from tests.conftest import FIXTURES

HOSTILE = FIXTURES / "submissions" / "hostile"


@pytest.fixture(scope="module")
def tight_kit(engine_kit) -> Kit:
    """The engine kit with short limits, so runaway code is stopped quickly."""
    exercise = dataclasses.replace(
        engine_kit.get("adder"), limits=Limits(exercise_seconds=8, test_seconds=2, memory_mb=512)
    )
    return Kit(root=engine_kit.root, exercises=(exercise,))


def graded(kit: Kit, folder: Path):
    result = grade(load_submission(folder, kit), kit)
    return result, result.exercise("adder")


def by_name(exercise):
    return {t.name: t for t in exercise.tests}


def write_submission(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adder.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return folder


def test_objects_that_lie_in_eq_earn_nothing(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "lying_equality")
    tests = by_name(ex)
    assert tests["test_add_small"].status is TestStatus.FAILED
    # Shrinking a failure this broad may outlast the short test limit: either way, 0.
    assert tests["test_mean_matches_reference"].status in (TestStatus.FAILED, TestStatus.TIMEOUT)
    assert ex.score == 1  # only "mean([]) raises", which it honestly does


@pytest.mark.parametrize("case", ["patch_numpy_testing", "patch_builtins"])
def test_patching_the_judges_libraries_at_import_changes_nothing(engine_kit, case):
    """The patch lands in the candidate's process; the judge's checks are untouched
    (a patch that breaks the candidate's own process crashes it, for no points)."""
    _, ex = graded(engine_kit, HOSTILE / case)
    assert ex.status in (ExerciseStatus.GRADED, ExerciseStatus.CRASHED) and ex.score == 0


def test_patching_the_judges_libraries_during_a_test_changes_nothing(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "patch_during_test")
    tests = by_name(ex)
    assert tests["test_mean_matches_reference"].status is TestStatus.FAILED
    assert tests["test_add_property"].status is TestStatus.PASSED
    assert ex.score == 4  # what the answer itself earns: add right, mean([]) raising


def test_config_files_and_shadow_modules_next_to_the_answer_are_ignored(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "shadow_and_config_files")
    tests = by_name(ex)
    assert ex.status is ExerciseStatus.GRADED
    assert tests["test_add_property"].status is TestStatus.PASSED
    assert tests["test_mean_matches_reference"].status is TestStatus.FAILED
    assert ex.score == 3


def test_library_names_in_the_working_folder_are_never_imported(engine_kit, tmp_path):
    """Grading from a candidate's folder that holds numpy.py, pytest.py... runs none of them."""
    folder = shutil.copytree(HOSTILE / "library_names_in_working_folder", tmp_path / "candidate")
    out = tmp_path / "result.json"
    # A fresh process, so the warm server starts in that folder. Like the `mlgrade`
    # script, its own import path does not start with the working folder.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    command = "import sys; del sys.path[0]; from grader.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", command, "grade", ".", "--kit", str(engine_kit.root)]
        + ["--json", str(out)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert sorted(p.name for p in folder.glob("*.imported")) == []
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["score"] == result["max_score"] > 0


def test_the_warm_server_loads_what_suites_import_but_never_an_answer_module(real_kit):
    exercises = real_kit.select(["metrics", "monitoring"])
    names = suite_imports(exercises, "hidden")
    assert {"sklearn.metrics", "scipy.stats", "numpy"} <= set(names)
    assert not {n.partition(".")[0] for n in names} & {"metrics", "monitoring", "__future__"}


def test_sys_exit_mid_test_fails_that_test_only(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "sys_exit_mid_test")
    tests = by_name(ex)
    assert tests["test_add_small"].status is TestStatus.PASSED
    assert tests["test_mean_matches_reference"].status is TestStatus.FAILED
    assert "SystemExit" in tests["test_mean_matches_reference"].message
    assert ex.score == 3


def test_junk_written_to_every_descriptor_earns_nothing(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "garbage_on_every_fd")
    assert ex.score == 0
    assert ex.status is ExerciseStatus.IMPORT_ERROR
    assert "link with the grader" in ex.message


@pytest.mark.parametrize("case", ["forbidden_via_exec", "forbidden_via_importlib"])
def test_forbidden_import_by_any_route_is_caught_with_the_line(engine_kit, case):
    _, ex = graded(engine_kit, HOSTILE / case)
    tests = by_name(ex)
    failing = tests["test_mean_matches_reference"]
    assert failing.status is TestStatus.FAILED
    assert "'statistics' is not allowed" in failing.message
    assert tests["test_add_property"].status is TestStatus.PASSED


def test_a_40_gib_allocation_fails_cleanly(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "memory_bomb")
    tests = by_name(ex)
    assert tests["test_add_small"].status is TestStatus.MEMORY_LIMIT
    assert tests["test_add_small"].message.startswith("memory limit reached")
    assert "MemoryError" in tests["test_add_small"].message
    assert tests["test_mean_matches_reference"].status is TestStatus.PASSED


def test_200_mb_of_prints_are_cut_and_the_report_stays_small(engine_kit):
    result, ex = graded(engine_kit, HOSTILE / "output_flood")
    assert by_name(ex)["test_add_small"].status is TestStatus.OUTPUT_LIMIT
    assert by_name(ex)["test_mean_empty_raises"].status is TestStatus.PASSED
    assert len(to_json(result)) < 100_000
    assert all(len(t.output) < 2_000 for t in ex.tests)


def test_a_stack_overflow_crashes_one_test_and_the_rest_still_run(tight_kit):
    _, ex = graded(tight_kit, HOSTILE / "deep_recursion")
    tests = by_name(ex)
    # Python 3.11 recursion eats heap, not C stack: a MemoryError, a crash or the
    # test's time limit, depending on which comes first. Never points.
    assert tests["test_add_small"].status in (
        TestStatus.CRASHED,
        TestStatus.RECURSION_LIMIT,
        TestStatus.MEMORY_LIMIT,
        TestStatus.TIMEOUT,
    )
    assert tests["test_mean_matches_reference"].status is TestStatus.PASSED
    assert tests["test_mean_empty_raises"].status is TestStatus.PASSED


def test_limits_cannot_be_raised_again(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "raise_limits")
    assert ex.status is ExerciseStatus.IMPORT_ERROR
    assert (
        "not permitted" in ex.message
        or "PermissionError" in ex.message
        or "ValueError" in ex.message
    )


def test_hang_at_import_is_a_timeout_within_the_exercise_limit(tight_kit):
    started = time.monotonic()
    _, ex = graded(tight_kit, HOSTILE / "hangs_at_import")
    assert ex.status is ExerciseStatus.TIMEOUT and ex.score == 0
    assert time.monotonic() - started < 30


def _processes_with(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if marker in line and "ps -eo" not in line]


def test_no_candidate_process_outlives_grading(engine_kit, tmp_path):
    marker = "4815162342"
    folder = write_submission(
        tmp_path / "forker",
        f"""
        import os
        import subprocess

        subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
        if os.fork() == 0:  # a double-forked daemon in its own session
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "{marker}1"])
            os._exit(0)


        def add(a, b):
            return a + b


        def mean(values):
            if not values:
                raise ValueError("empty")
            return sum(values) / len(values)
        """,
    )
    _, ex = graded(engine_kit, folder)
    assert ex.score == 6
    time.sleep(0.5)
    assert _processes_with(marker) == []


def test_candidate_code_cannot_reach_the_network(engine_kit, tmp_path):
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    port = server.getsockname()[1]
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            received.append(conn.recv(100))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    folder = write_submission(
        tmp_path / "leaker",
        f"""
        import socket


        def add(a, b):
            try:
                with socket.create_connection(("127.0.0.1", {port}), timeout=1) as s:
                    s.sendall(b"leak")
            except OSError:
                pass
            return a + b


        def mean(values):
            return sum(values) / len(values)
        """,
    )
    result, ex = graded(engine_kit, folder)
    stop.set()
    thread.join(2)
    server.close()
    assert received == []
    assert by_name(ex)["test_add_small"].status is TestStatus.PASSED
    assert result.sandbox["network"] == "namespace"


def test_candidate_code_cannot_write_outside_its_folder(engine_kit, tmp_path):
    sentinel = tmp_path / "kit_file.txt"
    sentinel.write_text("original")
    folder = write_submission(
        tmp_path / "writer",
        f"""
        from pathlib import Path

        for target in [{str(sentinel)!r}, {str(engine_kit.root / "adder" / "hidden" / "test_adder.py")!r}]:
            try:
                Path(target).write_text("owned")
            except OSError:
                pass


        def add(a, b):
            return a + b


        def mean(values):
            return sum(values) / len(values)
        """,
    )
    before = (engine_kit.root / "adder" / "hidden" / "test_adder.py").read_text()
    result, _ = graded(engine_kit, folder)
    if result.sandbox["filesystem"] != "private":
        pytest.skip("this machine allows no private mount namespace")
    assert sentinel.read_text() == "original"
    assert (engine_kit.root / "adder" / "hidden" / "test_adder.py").read_text() == before


def test_every_attack_still_produces_a_complete_report(engine_kit):
    for case in sorted(p.name for p in HOSTILE.iterdir()):
        if case in ("hangs_at_import", "deep_recursion"):
            continue  # graded above with tight limits
        result, ex = graded(engine_kit, HOSTILE / case)
        data = json.loads(to_json(result))
        assert len(data["exercises"][0]["tests"]) == 4, case
        assert ex.score <= ex.max_score


def test_a_fork_flood_hits_the_process_limit_and_is_cleaned_up(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "fork_flood")
    assert by_name(ex)["test_add_small"].status is TestStatus.PASSED  # fewer than 1000 forks
    time.sleep(0.5)
    assert _processes_with("fork_flood") == []


def test_each_limit_is_its_own_status_with_a_plain_message(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "plain_recursion")
    test = by_name(ex)["test_add_small"]
    assert test.status is TestStatus.RECURSION_LIMIT
    assert test.message.startswith("recursion limit reached")
    assert by_name(ex)["test_mean_empty_raises"].status is TestStatus.PASSED


def test_a_recursion_error_raised_in_a_library_is_a_failed_test_not_a_limit(engine_kit):
    _, ex = graded(engine_kit, HOSTILE / "library_recursion")
    test = by_name(ex)["test_add_small"]
    assert test.status is TestStatus.FAILED
    assert "RecursionError" in test.message and "recursion limit" not in test.message


def test_candidate_code_runs_inside_its_own_process_cage(engine_kit, tmp_path):
    folder = write_submission(
        tmp_path / "cgroup",
        """
        from pathlib import Path


        def add(a, b):
            raise RuntimeError(Path("/proc/self/cgroup").read_text().replace("\\n", " | "))


        def mean(values):
            return sum(values) / len(values)
        """,
    )
    result, ex = graded(engine_kit, folder)
    if not result.sandbox["processes"].startswith("cgroup"):
        pytest.skip("this machine gives no cgroup to a candidate's process")
    message = by_name(ex)["test_add_small"].message
    assert "RuntimeError" in message
    # The cage is named after the run the candidate's code belongs to.
    assert re.search(r"pids:/\S*mlgrade/run-\d+-\w+", message) or re.search(
        r"0::/\S*mlgrade/run-\d+-\w+", message
    )


# Grades a submission with the copy of mlgrade at argv[1], printing what the candidate's
# code found when it looked up the grader it runs under.
COPY_GRADER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from grader.catalogue import load_kit
    from grader.grading import grade
    from grader.workspace import load_submission
    kit = load_kit(Path(sys.argv[2]))
    result = grade(load_submission(Path(sys.argv[3]), kit), kit)
    test = next(t for t in result.exercise("adder").tests if t.name == "test_add_small")
    print(test.message)
    """
)


def test_children_run_the_same_copy_of_mlgrade_as_the_parent(engine_kit, tmp_path):
    import grader

    copy = tmp_path / "copy"
    shutil.copytree(
        Path(grader.__file__).parent,
        copy / "grader",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    folder = write_submission(
        tmp_path / "which",
        """
        import grader.link.remote


        def add(a, b):
            raise RuntimeError("child code at " + grader.link.remote.__file__)


        def mean(values):
            return sum(values) / len(values)
        """,
    )
    run = subprocess.run(
        [sys.executable, "-c", COPY_GRADER, str(copy), str(engine_kit.root), str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert f"child code at {copy / 'grader' / 'link' / 'remote.py'}" in run.stdout
