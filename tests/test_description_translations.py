"""Translated test descriptions (`hidden/descriptions.<lang>.toml`) match the hidden suites.

The report shows each hidden test by the first line of its docstring; a translation file keeps
that line (`en`) beside its translation, so a reworded, added or removed test fails here,
naming the test and the file, until the translation follows. Suites are read with `ast`,
never imported.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.judge.collector import description_of

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
REQUIRED_LANGUAGES = ("ko",)
TRANSLATION_NAME = re.compile(r"descriptions\.([a-z]{2}(?:-[A-Z]{2})?)\.toml")
# A translation must be written in its language's script, not left in English.
SCRIPTS = {"ko": re.compile(r"[\uac00-\ud7a3]")}
BACKTICKED = re.compile(r"`[^`]+`")


@dataclass(frozen=True)
class HiddenTest:
    """A test function of a hidden suite and the description the report shows for it."""

    name: str
    suite: str
    description: str


def description(doc: str | None) -> str:
    """The description the judge reports for a test with this docstring."""
    return description_of(SimpleNamespace(obj=SimpleNamespace(__doc__=doc)))  # type: ignore[arg-type]


def _test_functions(body: list[ast.stmt]) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Functions pytest collects from a module body: `test*` ones and those of `Test*` classes."""
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
            "test"
        ):
            found.append(node)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            found.extend(_test_functions(node.body))
    return found


def hidden_tests(hidden: Path) -> dict[str, HiddenTest]:
    """Every test function of the suites in a hidden folder, by name (a later one wins)."""
    tests: dict[str, HiddenTest] = {}
    for suite in sorted(hidden.glob("test_*.py")):
        tree = ast.parse(suite.read_text(encoding="utf-8"), filename=str(suite))
        for node in _test_functions(tree.body):
            doc = ast.get_docstring(node, clean=False)
            tests[node.name] = HiddenTest(node.name, suite.name, description(doc))
    return tests


def problems(translation: Path) -> list[str]:
    """Everything that keeps a descriptions file from matching the suites beside it."""
    lang_match = TRANSLATION_NAME.fullmatch(translation.name)
    assert lang_match, f"{translation.name} is not named descriptions.<lang>.toml"
    lang = lang_match.group(1)
    where = f"{translation.parent.parent.name}/hidden/{translation.name}"
    try:
        entries = tomllib.loads(translation.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return [f"{where}: not valid UTF-8 TOML ({exc})"]
    tests = hidden_tests(translation.parent)
    found: list[str] = []
    for name in tests.keys() - entries.keys():
        found.append(f"{where}: no entry [{name}] for the test in {tests[name].suite}")
    for name in entries.keys() - tests.keys():
        found.append(f"{where}: [{name}] names no test of the hidden suite (renamed or removed?)")
    for name in sorted(entries.keys() & tests.keys()):
        entry, test = entries[name], tests[name]
        if not isinstance(entry, dict) or set(entry) != {"en", lang}:
            found.append(f"{where}: [{name}] must hold exactly the keys 'en' and '{lang}'")
            continue
        english, translated = entry["en"], entry[lang]
        if english != test.description:
            found.append(
                f"{where}: [{name}] en is {english!r}, but the docstring of {name} in "
                f"{test.suite} now says {test.description!r}: update en and {lang}"
            )
        if not isinstance(translated, str) or not translated.strip():
            found.append(f"{where}: [{name}] {lang} is empty")
            continue
        script = SCRIPTS.get(lang)
        if script is not None and not script.search(translated):
            found.append(f"{where}: [{name}] {lang} is not written in {lang} ({translated!r})")
        if isinstance(english, str):
            lost = [code for code in BACKTICKED.findall(english) if code not in translated]
            if lost:
                found.append(f"{where}: [{name}] {lang} drops the code spans {lost}")
    return sorted(found)


def hidden_dirs() -> list[Path]:
    return sorted(p.parent for p in EXERCISES.glob("*/hidden/test_*.py"))


def translations() -> list[Path]:
    return [
        p
        for d in sorted(set(hidden_dirs()))
        for p in sorted(d.glob("descriptions.*.toml"))
        if TRANSLATION_NAME.fullmatch(p.name)
    ]


def test_there_are_hidden_suites() -> None:
    assert len(set(hidden_dirs())) >= 14


@pytest.mark.parametrize("lang", REQUIRED_LANGUAGES)
@pytest.mark.parametrize("hidden", sorted(set(hidden_dirs())), ids=lambda d: d.parent.name)
def test_every_hidden_suite_has_the_required_translation(hidden: Path, lang: str) -> None:
    path = hidden / f"descriptions.{lang}.toml"
    assert path.is_file(), f"{hidden.parent.name}/hidden: missing {path.name}"


@pytest.mark.parametrize("hidden", sorted(set(hidden_dirs())), ids=lambda d: d.parent.name)
def test_every_hidden_test_has_a_description_to_translate(hidden: Path) -> None:
    bare = sorted(
        f"{t.suite}::{t.name}" for t in hidden_tests(hidden).values() if not t.description
    )
    assert not bare, f"{hidden.parent.name}: hidden tests without a docstring: {bare}"


@pytest.mark.parametrize(
    "translation", translations(), ids=lambda p: f"{p.parent.parent.name}-{p.name}"
)
def test_translation_matches_the_hidden_suite(translation: Path) -> None:
    found = problems(translation)
    assert not found, "\n".join(found)


# The check itself must be able to fail: each drift below is caught and named.

SUITE = '''
def test_adds():
    """`add` returns the sum.

    More detail that the report does not show.
    """


async def test_awaits():
    """  Awaiting works.  """


class TestGroup:
    def test_grouped(self):
        """Grouped tests count too."""


def helper():
    """Not a test."""
'''

TRANSLATION = """
[test_adds]
en = "`add` returns the sum."
ko = "`add`는 합을 반환합니다."

[test_awaits]
en = "Awaiting works."
ko = "await가 동작합니다."

[test_grouped]
en = "Grouped tests count too."
ko = "그룹으로 묶은 테스트도 셉니다."
"""


def _write(tmp_path: Path, suite: str = SUITE, translation: str = TRANSLATION) -> Path:
    hidden = tmp_path / "demo" / "hidden"
    hidden.mkdir(parents=True)
    (hidden / "test_demo.py").write_text(suite, encoding="utf-8")
    path = hidden / "descriptions.ko.toml"
    path.write_text(translation, encoding="utf-8")
    return path


def test_a_matching_translation_has_no_problems(tmp_path: Path) -> None:
    path = _write(tmp_path)
    assert set(hidden_tests(path.parent)) == {"test_adds", "test_awaits", "test_grouped"}
    assert problems(path) == []


def test_description_is_what_the_judge_reports() -> None:
    assert description("  First line.  \n\n  Second.") == "First line."
    assert description(None) == ""


@pytest.mark.parametrize(
    ("suite", "translation", "expected"),
    [
        (
            SUITE.replace("returns the sum.", "returns a + b."),
            TRANSLATION,
            "[test_adds] en is '`add` returns the sum.', but the docstring of test_adds in "
            "test_demo.py now says '`add` returns a + b.'",
        ),
        (
            SUITE + '\ndef test_new():\n    """New."""\n',
            TRANSLATION,
            "no entry [test_new] for the test in test_demo.py",
        ),
        (
            SUITE.replace("def test_awaits", "def test_awaits_renamed"),
            TRANSLATION,
            "[test_awaits] names no test of the hidden suite",
        ),
        (SUITE, TRANSLATION.replace("await가 동작합니다.", ""), "[test_awaits] ko is empty"),
        (
            SUITE,
            TRANSLATION.replace("await가 동작합니다.", "Awaiting works."),
            "[test_awaits] ko is not written in ko",
        ),
        (SUITE, TRANSLATION.replace("`add`는", "add는"), "ko drops the code spans ['`add`']"),
        (
            SUITE,
            TRANSLATION.replace('ko = "await', 'fr = "await'),
            "[test_awaits] must hold exactly the keys 'en' and 'ko'",
        ),
        (SUITE, TRANSLATION + "[broken\n", "not valid UTF-8 TOML"),
    ],
    ids=["reworded", "added", "renamed", "empty", "english", "code-span", "keys", "toml"],
)
def test_drift_is_caught_and_named(
    tmp_path: Path, suite: str, translation: str, expected: str
) -> None:
    found = problems(_write(tmp_path, suite, translation))
    assert any(expected in line and "demo/hidden/descriptions.ko.toml" in line for line in found), (
        found
    )
