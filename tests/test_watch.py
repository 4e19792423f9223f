"""`mlgrade run --watch`: regrade on save and report only what changed."""

from __future__ import annotations

import os
import shutil
import threading
import time

from hypothesis import given
from hypothesis import strategies as st

from grader.grading import grade
from grader.locales import messages
from grader.results import ExerciseResult, ExerciseStatus, TestResult, TestStatus
from grader.watch import compare, file_stamps, watch
from grader.workspace import load_submission
from tests.conftest import ENGINE_SUBMISSIONS


def _result(passing: dict[str, bool]) -> ExerciseResult:
    tests = tuple(
        TestResult(
            name=name,
            description="",
            status=TestStatus.PASSED if ok else TestStatus.FAILED,
            score=1.0 if ok else 0.0,
            max_score=1.0,
        )
        for name, ok in passing.items()
    )
    return ExerciseResult(
        id="x",
        title="",
        area="python",
        status=ExerciseStatus.GRADED,
        score=sum(t.score for t in tests),
        max_score=len(tests),
        suite="hidden",
        tests=tests,
    )


names = st.lists(st.sampled_from("abcdefgh"), unique=True, min_size=1)


@given(
    names.flatmap(
        lambda ns: st.tuples(*(st.tuples(st.just(n), st.booleans(), st.booleans()) for n in ns))
    )
)
def test_compare_lists_exactly_the_tests_that_flipped(rows):
    before = _result({n: b for n, b, _ in rows})
    after = _result({n: a for n, _, a in rows})
    change = compare(before, after)
    assert set(change.newly_passing) == {n for n, b, a in rows if a and not b}
    assert set(change.newly_failing) == {n for n, b, a in rows if b and not a}
    assert change.previous_score == before.score and change.score == after.score


def test_first_grading_is_described_by_its_score_not_as_changes():
    change = compare(None, _result({"a": True, "b": False}))
    assert change.newly_passing == ("a",) and change.newly_failing == ()
    assert change.describe() == "x: 1 / 2"


def test_changes_are_described_in_korean_when_asked():
    change = compare(_result({"a": False, "b": True}), _result({"a": True, "b": False}))
    assert (
        change.describe(messages("ko")) == "x: 1 / 2 (이전 1)\n  + 이제 통과: a\n  - 이제 실패: b"
    )
    same = compare(_result({"a": True}), _result({"a": True}))
    assert same.describe(messages("ko")).endswith("\n  바뀐 테스트 없음")


def test_saving_a_file_triggers_a_regrade_with_the_difference(engine_kit, tmp_path):
    shutil.copy(ENGINE_SUBMISSIONS / "half" / "adder.py", tmp_path / "adder.py")
    exercise = engine_kit.get("adder")
    changes = []
    stop = threading.Event()

    def regrade(ex):
        return grade(load_submission(tmp_path, engine_kit), engine_kit, [ex.id]).exercise(ex.id)

    thread = threading.Thread(
        target=watch,
        args=(tmp_path, [exercise], regrade, changes.append),
        kwargs={"stop": stop, "interval": 0.1},
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 60
    while not changes and time.monotonic() < deadline:
        time.sleep(0.1)
    shutil.copy(ENGINE_SUBMISSIONS / "correct" / "adder.py", tmp_path / "adder.py")
    os.utime(tmp_path / "adder.py", ns=(time.time_ns(), time.time_ns() + 10**9))
    while len(changes) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(10)
    assert [c.score for c in changes] == [5, 6]
    assert changes[1].newly_passing == ("test_mean_empty_raises",)
    assert changes[1].newly_failing == ()
    assert "now passing: test_mean_empty_raises" in changes[1].describe()


def _save(source, target):
    """Copy a file over an exercise file so that the watcher sees a new stamp."""
    shutil.copy(source, target)
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 10**9))


def test_a_syntax_error_is_shown_with_its_file_and_line_and_only_changes_after(
    engine_kit, tmp_path
):
    shutil.copy(ENGINE_SUBMISSIONS / "half" / "adder.py", tmp_path / "adder.py")
    exercise = engine_kit.get("adder")

    def regrade(ex):
        return grade(load_submission(tmp_path, engine_kit), engine_kit, [ex.id]).exercise(ex.id)

    first = regrade(exercise)
    changes = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(tmp_path, [exercise], regrade, changes.append),
        kwargs={"stop": stop, "interval": 0.1, "graded": {"adder": first}},
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 60
    time.sleep(0.3)
    assert changes == []  # the first grading was shown by the caller
    _save(ENGINE_SUBMISSIONS / "syntax_error" / "adder.py", tmp_path / "adder.py")
    while not changes and time.monotonic() < deadline:
        time.sleep(0.1)
    _save(ENGINE_SUBMISSIONS / "correct" / "adder.py", tmp_path / "adder.py")
    while len(changes) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(10)
    broken, fixed = (c.describe() for c in changes)
    assert broken == (
        "adder: 0 / 6 (was 5)  import error\n  adder.py, line 5: SyntaxError: '(' was never closed"
    )
    # Compared with the last grading that ran tests, not with the syntax error.
    assert fixed == "adder: 6 / 6 (was 5)\n  + now passing: test_mean_empty_raises"


def test_a_notebook_is_watched_as_the_file_of_each_of_its_exercises(engine_kit, tmp_path):
    import nbformat

    from grader.handout import write_handout

    handout = write_handout(engine_kit.exercises, tmp_path)
    exercise = engine_kit.get("adder")

    def regrade(ex):
        return grade(load_submission(handout, engine_kit), engine_kit, [ex.id]).exercise(ex.id)

    before = file_stamps(handout, [exercise])
    first = regrade(exercise)
    # Saved after the first grading's stamps were taken and before the watch starts: the
    # moment a save made while the first grading ran would be lost without them.
    notebook = nbformat.read(handout, as_version=4)
    [answer] = [c for c in notebook.cells if c.metadata.get("mlgrade")]
    answer.source = (ENGINE_SUBMISSIONS / "correct" / "adder.py").read_text(encoding="utf-8")
    nbformat.write(notebook, handout)
    os.utime(handout, ns=(time.time_ns(), time.time_ns() + 10**9))
    changes = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(handout, [exercise], regrade, changes.append),
        kwargs={"stop": stop, "interval": 0.1, "graded": {"adder": first}, "stamps": before},
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 60
    while not changes and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(10)
    assert changes[0].describe().startswith("adder: 6 / 6 (was 0)\n  + now passing: ")


def test_a_file_still_being_written_is_graded_only_once_it_holds_still(engine_kit, tmp_path):
    """An editor that truncates, then writes: the empty moment is never graded."""
    shutil.copy(ENGINE_SUBMISSIONS / "half" / "adder.py", tmp_path / "adder.py")
    exercise = engine_kit.get("adder")
    graded_sources = []

    def regrade(ex):
        graded_sources.append((tmp_path / "adder.py").read_text(encoding="utf-8"))
        return grade(load_submission(tmp_path, engine_kit), engine_kit, [ex.id]).exercise(ex.id)

    first = regrade(exercise)
    graded_sources.clear()
    changes = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(tmp_path, [exercise], regrade, changes.append),
        kwargs={"stop": stop, "interval": 1.0, "graded": {"adder": first}},
        daemon=True,
    )
    thread.start()
    target = tmp_path / "adder.py"
    target.write_text("", encoding="utf-8")
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 10**9))
    time.sleep(0.05)
    _save(ENGINE_SUBMISSIONS / "correct" / "adder.py", target)
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    deadline = time.monotonic() + 60
    while not changes and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(10)
    assert "" not in graded_sources
    assert changes[0].describe().startswith("adder: 6 / 6 (was 5)")
