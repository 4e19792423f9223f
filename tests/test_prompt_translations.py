"""Translated prompts (`prompt.<lang>.md`) stay the same contract as the English `prompt.md`.

A translation records the sha256 of the English prompt it was made from, so an edited English
prompt fails here until its translations are updated; parity checks catch a dropped rule.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
REQUIRED_LANGUAGES = ("ko",)
HEADER = re.compile(r"<!-- translation of prompt\.md, sha256 ([0-9a-f]{64}) -->")
TRANSLATION_NAME = re.compile(r"prompt\.([a-z]{2}(?:-[A-Z]{2})?)\.md")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
EXCEPTION = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:Error|Exception|Warning|Exit)\b")
# Digits not glued to a word (so `float64`, `Q1`'s letter part and `utf8` do not count, but
# `1e-7`, `0.5`, `10_000` and `1,000,000` do); the sign is left out since prose may move it.
NUMBER = re.compile(r"(?<![A-Za-z_0-9.])\d+(?:[_,]\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.MULTILINE)
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.MULTILINE)


@dataclass(frozen=True)
class PromptFacts:
    """What a prompt promises, in a form that does not depend on its language."""

    names: frozenset[str]
    exceptions: frozenset[str]
    numbers: frozenset[str]
    heading_code: tuple[tuple[int, tuple[str, ...]], ...]
    list_items: int


def code_spans(text: str) -> list[str]:
    """Every fenced block and inline code span of a Markdown text."""
    fenced = FENCE.findall(text)
    rest = FENCE.sub("", text)
    return fenced + [m.group(2) for m in INLINE_CODE.finditer(rest)]


def facts(text: str) -> PromptFacts:
    """Extract the names, exceptions, numbers and structure a prompt states."""
    spans = code_spans(text)
    headings = tuple(
        (len(m.group(1)), tuple(s.strip() for s in code_spans(m.group(2))))
        for m in HEADING.finditer(FENCE.sub("", text))
    )
    return PromptFacts(
        names=frozenset(name for span in spans for name in IDENTIFIER.findall(span)),
        exceptions=frozenset(EXCEPTION.findall(text)),
        numbers=frozenset(n.replace("_", "").replace(",", "") for n in NUMBER.findall(text)),
        heading_code=headings,
        list_items=len(LIST_ITEM.findall(FENCE.sub("", text))),
    )


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def exercise_dirs() -> list[Path]:
    return sorted(p.parent for p in EXERCISES.glob("*/prompt.md"))


def translations() -> list[Path]:
    found = [
        p
        for d in exercise_dirs()
        for p in sorted(d.glob("prompt.*.md"))
        if TRANSLATION_NAME.fullmatch(p.name)
    ]
    return found


def split_translation(path: Path) -> tuple[str | None, str]:
    """The recorded English hash (None when the header line is malformed) and the body."""
    first, _, body = path.read_text(encoding="utf-8").partition("\n")
    match = HEADER.fullmatch(first.strip())
    return (match.group(1) if match else None), body


def test_there_are_exercises() -> None:
    assert len(exercise_dirs()) >= 14


@pytest.mark.parametrize("lang", REQUIRED_LANGUAGES)
@pytest.mark.parametrize("exercise", exercise_dirs(), ids=lambda d: d.name)
def test_every_exercise_has_the_required_translation(exercise: Path, lang: str) -> None:
    path = exercise / f"prompt.{lang}.md"
    assert path.is_file(), f"{exercise.name}: missing {path.name} (translation of prompt.md)"


@pytest.mark.parametrize("translation", translations(), ids=lambda p: f"{p.parent.name}-{p.name}")
def test_translation_records_the_current_english_prompt(translation: Path) -> None:
    recorded, _ = split_translation(translation)
    assert recorded is not None, (
        f"{translation.parent.name}/{translation.name}: the first line must be exactly "
        "'<!-- translation of prompt.md, sha256 <hex> -->'"
    )
    current = sha256_of(translation.parent / "prompt.md")
    assert recorded == current, (
        f"exercises/{translation.parent.name}/prompt.md changed since "
        f"{translation.name} was translated: update exercises/{translation.parent.name}/"
        f"{translation.name} to the new English text and record sha256 {current}"
    )


@pytest.mark.parametrize("translation", translations(), ids=lambda p: f"{p.parent.name}-{p.name}")
def test_translation_states_the_same_contract(translation: Path) -> None:
    english = facts((translation.parent / "prompt.md").read_text(encoding="utf-8"))
    _, body = split_translation(translation)
    translated = facts(body)
    where = f"{translation.parent.name}/{translation.name}"
    for field in ("names", "exceptions", "numbers"):
        ours, theirs = getattr(english, field), getattr(translated, field)
        assert ours == theirs, (
            f"{where}: {field} differ from prompt.md; missing {sorted(ours - theirs)}, "
            f"extra {sorted(theirs - ours)}"
        )
    assert english.heading_code == translated.heading_code, (
        f"{where}: headings (level and code) differ from prompt.md"
    )
    assert english.list_items == translated.list_items, (
        f"{where}: {translated.list_items} list items, prompt.md has {english.list_items} "
        "(one rule per item: a rule was dropped or merged)"
    )


# The checks themselves must be able to fail: each dropped rule below is caught.

SAMPLE = """# Title

## `fit(X, y, *, tol=1e-7) -> float`

- Returns a `float` within `1e-9` of the oracle.
- Raises `ValueError` when `X` is empty.
  - nested rule about `y`, 10_000 rows
"""


def test_facts_see_names_exceptions_numbers_and_structure() -> None:
    found = facts(SAMPLE)
    assert {"fit", "X", "y", "tol", "float", "ValueError"} <= found.names
    assert found.exceptions == {"ValueError"}
    assert {"1e-7", "1e-9", "10000"} <= found.numbers
    assert found.heading_code == ((1, ()), (2, ("fit(X, y, *, tol=1e-7) -> float",)))
    assert found.list_items == 3


@pytest.mark.parametrize(
    "dropped",
    [
        "- Raises `ValueError` when `X` is empty.\n",
        "within `1e-9` ",
        "  - nested rule about `y`, 10_000 rows\n",
        "## `fit(X, y, *, tol=1e-7) -> float`\n",
    ],
)
def test_a_dropped_rule_changes_the_facts(dropped: str) -> None:
    assert dropped in SAMPLE
    assert facts(SAMPLE.replace(dropped, "")) != facts(SAMPLE)


def test_numbers_glued_to_words_are_not_numbers() -> None:
    assert facts("`float64` and utf8, Q3").numbers == frozenset()
    assert facts("1,000,000 rows and 0.5").numbers == {"1000000", "0.5"}


# Terms a Korean ML engineer knows in Korean, with the English a reader may search for: the
# first time one appears in a prompt's body, the English follows it in parentheses.
KOREAN_TERMS = {
    "정밀도": "precision",
    "재현율": "recall",
    "교차 검증": "cross-validation",
    "과적합": "overfit",
    "배깅": "bagging",
    "부스팅": "boosting",
    "드리프트": "drift",
    "규제": "regularization",
    "불균형": "imbalanced",
    "층화": "stratif",
    "직렬화": "serializ",
    "누수": "leak",
    "임계값": "threshold",
    "앙상블": "ensemble",
    "정규화": "normaliz",
}


@pytest.mark.parametrize(
    "path", sorted(EXERCISES.glob("*/prompt.ko.md")), ids=lambda p: p.parent.name
)
def test_korean_terms_give_the_english_in_parentheses_the_first_time(path):
    text = path.read_text(encoding="utf-8")
    body = text.split("\n", 1)[1] if HEADER.match(text) else text
    body = HEADING.sub("", body, count=1)  # the title is a heading, not a sentence
    missing = []
    for term, english in KOREAN_TERMS.items():
        at = body.find(term)
        # "임계값(threshold)", "결정 임계값(decision threshold)", "(데이터 드리프트, data drift)"
        after = body[at : at + len(term) + 45].lower()
        if at >= 0 and not re.search(rf"[(,][^()]*{re.escape(english)}", after):
            missing.append(f"{term} ({english})")
    assert not missing, f"{path.parent.name}: first use without the English term: {missing}"
