"""scikit-learn's dataframe checks answered at once for plain values: the same answers as
narwhals' own, its own check kept for everything else, and in the candidates' processes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.grading import grade
from grader.sandbox import quick_frame_checks
from grader.sandbox.quick_frame_checks import CHECKS, answer_plain_values_at_once, never_frames
from grader.workspace import load_submission

narwhals = pytest.importorskip("narwhals.stable.v2.dependencies")
ROOT = Path(__file__).resolve().parents[2]


class FrameLike:
    """Whatever defines narwhals' protocol is a dataframe to it."""

    def __narwhals_dataframe__(self):
        return self


class SeriesLike:
    def __narwhals_series__(self):
        return self


class ListFrame(list):
    """A subclass of a plain type may define the protocol too."""

    def __narwhals_dataframe__(self):
        return self


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.complex_numbers(), st.text()
)
VALUES = st.one_of(
    SCALARS,
    st.binary(),
    st.lists(SCALARS, max_size=4),
    st.lists(SCALARS, max_size=4).map(tuple),
    st.dictionaries(st.text(max_size=3), SCALARS, max_size=3),
    st.frozensets(st.integers(), max_size=3),
    st.sets(st.integers(), max_size=3),
    st.integers(0, 5).map(range),
    hnp.arrays(hnp.scalar_dtypes(), hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)),
    st.builds(FrameLike),
    st.builds(SeriesLike),
    st.lists(st.integers(), max_size=3).map(ListFrame),
)


@pytest.fixture
def own_checks(monkeypatch):
    """narwhals' own checks, put back after the test."""
    found = {name: getattr(narwhals, name) for name in CHECKS}
    for name, check in found.items():
        monkeypatch.setattr(narwhals, name, check)
    return found


@given(value=VALUES)
def test_plain_values_get_narwhals_own_answers(value):
    own = {name: getattr(narwhals, name) for name in CHECKS}
    try:
        assert answer_plain_values_at_once()
        for name, check in own.items():
            assert getattr(narwhals, name)(value) == check(value), name
    finally:
        for name, check in own.items():
            setattr(narwhals, name, check)


def test_narwhals_own_check_runs_only_for_what_may_be_a_frame(own_checks, monkeypatch):
    asked = []
    for name, check in own_checks.items():
        monkeypatch.setattr(
            narwhals, name, lambda value, check=check: asked.append(value) or check(value)
        )
    assert answer_plain_values_at_once()
    assert answer_plain_values_at_once()  # a second call keeps the first
    from sklearn.utils.validation import check_array

    check_array(np.zeros((3, 2)))
    check_array([[1.0, 2.0]])
    assert asked == []
    frame = FrameLike()
    assert narwhals.is_into_dataframe(frame)
    assert asked == [frame]
    assert np.memmap in never_frames() and ListFrame not in never_frames()


def test_with_a_narwhals_plugin_installed_nothing_changes(own_checks, monkeypatch):
    monkeypatch.setattr(quick_frame_checks, "_has_plugins", lambda: True)
    assert not answer_plain_values_at_once()
    assert all(getattr(narwhals, name) is check for name, check in own_checks.items())


def test_the_candidate_s_process_has_the_quick_checks(real_kit, tmp_path):
    """An answer that imports scikit-learn finds them set up before its import."""
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "solutions", workspace)
    answer = workspace / "pipeline.py"
    lines = answer.read_text(encoding="utf-8").splitlines(keepends=True)
    check = (
        "import narwhals.stable.v2.dependencies as _frames\n"
        "assert getattr(_frames.is_into_dataframe, 'plain_first', False), 'slow checks'\n"
    )
    future = next(i for i, line in enumerate(lines) if line.startswith("from __future__"))
    answer.write_text("".join([*lines[: future + 1], check, *lines[future + 1 :]]), "utf-8")
    result = grade(load_submission(workspace, real_kit), real_kit, ["pipeline"])
    (exercise,) = result.exercises
    assert exercise.score == exercise.max_score, exercise.message
