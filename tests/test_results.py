"""Result dataclasses and their JSON: a lossless round trip, stable text."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from grader.results import (
    AreaScore,
    ExerciseResult,
    ExerciseStatus,
    Finding,
    GradeResult,
    ReadingNote,
    TestResult,
    TestStatus,
    from_json,
    to_json,
    without_durations,
)

text = st.text(max_size=30)
points = st.floats(0, 50, allow_nan=False).map(lambda x: round(x, 2))
tests = st.builds(
    TestResult,
    name=text,
    description=text,
    status=st.sampled_from(TestStatus),
    score=points,
    max_score=points,
    message=text,
    counterexample=text,
    traceback=text,
    output=text,
    duration_s=points,
)
exercises = st.builds(
    ExerciseResult,
    id=text,
    title=text,
    area=st.sampled_from(["python", "ml", "deployment"]),
    status=st.sampled_from(ExerciseStatus),
    score=points,
    max_score=points,
    suite=st.sampled_from(["hidden", "public"]),
    message=text,
    tests=st.lists(tests, max_size=3).map(tuple),
)
results = st.builds(
    GradeResult,
    submission=text,
    score=points,
    max_score=points,
    exercises=st.lists(exercises, max_size=3).map(tuple),
    areas=st.lists(
        st.builds(AreaScore, area=text, title=text, score=points, max_score=points), max_size=3
    ).map(tuple),
    integrity=st.lists(
        st.builds(
            Finding, exercise=text, file=text, line=st.integers(1, 999), rule=text, message=text
        ),
        max_size=2,
    ).map(tuple),
    notes=st.lists(
        st.builds(ReadingNote, message=text, cell=st.integers(0, 99), line=st.integers(0, 99)),
        max_size=2,
    ).map(tuple),
    sandbox=st.dictionaries(text, text, max_size=3),
    versions=st.dictionaries(text, text, max_size=3),
    mlgrade_version=text,
    duration_s=points,
)


@given(results)
def test_json_round_trip_is_lossless(result):
    assert from_json(to_json(result)) == result


@given(results)
def test_same_result_same_text(result):
    assert to_json(result) == to_json(from_json(to_json(result)))


@given(results)
def test_without_durations_zeroes_every_duration_and_nothing_else(result):
    data = without_durations(json.loads(to_json(result)))
    assert data["duration_s"] == 0.0
    for ex, original in zip(data["exercises"], result.exercises, strict=True):
        assert ex["duration_s"] == 0.0 and ex["score"] == original.score
        assert all(t["duration_s"] == 0.0 for t in ex["tests"])


def test_percent_of_an_empty_grade_is_zero():
    empty = GradeResult(submission="s", score=0, max_score=0, exercises=())
    assert empty.percent == 0.0


def test_a_result_written_before_notes_existed_reads_back_without_notes():
    data = json.loads(to_json(GradeResult(submission="s", score=0, max_score=0, exercises=())))
    del data["notes"]
    assert from_json(json.dumps(data)).notes == ()


def test_a_reading_note_names_its_cell_and_line_only_when_it_has_them():
    assert str(ReadingNote("removed IPython magic `%time`", cell=3, line=2)) == (
        "cell 3, line 2: removed IPython magic `%time`"
    )
    assert str(ReadingNote("ignored", cell=4)) == "cell 4: ignored"
    assert str(ReadingNote("cut")) == "cut"
