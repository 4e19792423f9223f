"""A grade told in another language: exercise titles, skill areas and test descriptions.

The grade itself (its JSON, its scores) stays in English; this is a view for the reports.
"""

from __future__ import annotations

from dataclasses import replace

from grader.catalogue import Exercise, Kit
from grader.errors import KitError
from grader.locales import SOURCE_LANGUAGE, messages
from grader.results import ExerciseResult, GradeResult


def _exercise(ex: ExerciseResult, exercise: Exercise, language: str) -> ExerciseResult:
    described = exercise.descriptions_in(language)
    tests = []
    for test in ex.tests:
        entry = described.get(test.name)
        # A translation of an older description would describe another check: keep English.
        if entry is not None and entry.source == test.description:
            test = replace(test, description=entry.text)
        tests.append(test)
    return replace(ex, title=exercise.title_in(language), tests=tuple(tests))


def localize(result: GradeResult, kit: Kit | None, language: str) -> GradeResult:
    """`result` with what the kit and catalogue have in `language` put in place of English."""
    if language == SOURCE_LANGUAGE:
        return result
    speak = messages(language)
    areas = tuple(replace(a, title=speak.get(f"area.{a.area}", a.title)) for a in result.areas)
    exercises = []
    for ex in result.exercises:
        try:
            exercise = kit.get(ex.id) if kit is not None else None
        except KitError:
            exercise = None
        exercises.append(_exercise(ex, exercise, language) if exercise is not None else ex)
    return replace(result, areas=areas, exercises=tuple(exercises))
