"""A grade told in another language: exercise titles, skill areas, test descriptions and the
framing words of its messages (the values they quote stay as they are).

The grade itself (its JSON, its scores) stays in English; this is a view for the reports.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import replace

from grader.catalogue import Exercise, Kit
from grader.errors import KitError
from grader.locales import SOURCE_LANGUAGE, messages, read_source
from grader.results import ExerciseResult, GradeResult

MESSAGE_TABLE = "message."
# Longer lines stay as they are: the patterns' cost grows with a line's length, and a
# candidate's value quoted in a message (an import error's text, say) is not capped.
FRAMED_LINE_MAX = 2000
# An exception's name opening a message line ("AssertionError: ...") is kept as it is.
EXCEPTION_NAME = re.compile(r"(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Warning): ")


def framing_pattern(template: str) -> re.Pattern[str]:
    """A whole-line pattern of a catalogue template, each `{field}` a group of any text."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field:
            parts.append(f"(?P<{field}>.+?)")
    return re.compile("".join(parts))


@functools.cache
def _framings(language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The message templates with a translation in `language`, in the catalogue's order."""
    said = messages(language)
    return tuple(
        (framing_pattern(english), said(key))
        for key, english in read_source().items()
        if key.startswith(MESSAGE_TABLE) and said(key) != english
    )


def translate_message(message: str, language: str) -> str:
    """`message` with each line that matches a known framing said in `language`."""
    if language == SOURCE_LANGUAGE or not message:
        return message
    lines = []
    for line in message.split("\n"):
        if len(line) > FRAMED_LINE_MAX:
            lines.append(line)
            continue
        name = EXCEPTION_NAME.match(line)
        head, rest = (line[: name.end()], line[name.end() :]) if name else ("", line)
        for pattern, text in _framings(language):
            found = pattern.fullmatch(rest)
            if found is not None:
                line = head + text.format(**found.groupdict())
                break
        lines.append(line)
    return "\n".join(lines)


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


def _messages(ex: ExerciseResult, language: str) -> ExerciseResult:
    tests = tuple(replace(t, message=translate_message(t.message, language)) for t in ex.tests)
    return replace(ex, message=translate_message(ex.message, language), tests=tests)


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
        shown = _exercise(ex, exercise, language) if exercise is not None else ex
        exercises.append(_messages(shown, language))
    return replace(result, areas=areas, exercises=tuple(exercises))
