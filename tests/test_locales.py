"""The message catalogues: every translation follows the English it was made from, and fills in
the same fields; the commands' help is translated entry by entry; no entry is left unused."""

from __future__ import annotations

import inspect
import re
import string
from pathlib import Path

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

import grader.locales as locales
from grader.cli import cli
from grader.locales import (
    HELP_PREFIX,
    SOURCE_LANGUAGE,
    Translation,
    languages,
    messages,
    placeholders,
    read_source,
    read_translation,
)

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = [lang for lang in languages() if lang != SOURCE_LANGUAGE]
SCRIPTS = {"ko": re.compile(r"[\uac00-\ud7a3]")}


def _chrome(language: str) -> dict[str, Translation]:
    return {k: v for k, v in read_translation(language).items() if not k.startswith(HELP_PREFIX)}


def _help(language: str) -> dict[str, Translation]:
    return {
        k.removeprefix(HELP_PREFIX): v
        for k, v in read_translation(language).items()
        if k.startswith(HELP_PREFIX)
    }


def test_korean_is_offered():
    assert languages()[0] == SOURCE_LANGUAGE and "ko" in languages()


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_a_translation_has_exactly_the_english_keys(language):
    english, translated = read_source(), _chrome(language)
    missing = sorted(english.keys() - translated.keys())
    extra = sorted(translated.keys() - english.keys())
    assert not missing, f"{language}.toml lacks {missing}"
    assert not extra, f"{language}.toml has entries en.toml does not: {extra}"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_each_translation_records_the_current_english(language):
    english = read_source()
    stale = [k for k, v in _chrome(language).items() if english.get(k) != v.source]
    assert not stale, f"{language}.toml translates an older English text of {stale}"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_a_translation_fills_in_the_same_fields(language):
    for key, entry in read_translation(language).items():
        assert placeholders(entry.text) == placeholders(entry.source), key


@pytest.mark.parametrize("language", [lang for lang in TRANSLATIONS if lang in SCRIPTS])
def test_a_translation_is_written_in_its_script(language):
    # Entries that are only a field or a name ("{name}: {change}", "JUnit: {path}") aside.
    untranslated = [
        k
        for k, v in read_translation(language).items()
        if re.search(r"[a-z]{4,}", re.sub(r"\{\w+\}|junit", "", v.source, flags=re.I))
        and not SCRIPTS[language].search(v.text)
    ]
    assert not untranslated, f"{language}.toml leaves these in English: {untranslated}"


def _help_texts() -> list[tuple[str, str | None, str]]:
    """Every help text of the command tree: its key ("grade", "grade --json"), the key an
    option shared by several commands may use instead ("--json"), and its English."""
    found: list[tuple[str, str | None, str]] = []

    def walk(command: click.Command, path: list[str]) -> None:
        key = " ".join(path) or "mlgrade"
        found.append((key, None, inspect.cleandoc(command.help or "")))
        context = click.Context(command, info_name=key)
        for param in command.get_params(context):
            if isinstance(param, click.Option) and param.help:
                name = max(param.opts, key=len)
                found.append((f"{key} {name}", name, inspect.cleandoc(param.help)))
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(cli, [])
    return found


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_help_text_of_every_command_is_translated(language):
    said = messages(language)
    untranslated = [
        key
        for key, shared, english in _help_texts()
        if said.help(key, english) == english
        and (shared is None or said.help(shared, english) == english)
    ]
    assert not untranslated, f"{language}.toml has no current translation of: {untranslated}"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_no_help_translation_is_stale(language):
    current: dict[str, set[str]] = {}
    for key, shared, english in _help_texts():
        current.setdefault(key, set()).add(english)
        if shared is not None:
            current.setdefault(shared, set()).add(english)
    stale = [k for k, v in _help(language).items() if v.source not in current.get(k, set())]
    assert not stale, f"{language}.toml translates help that no command has now: {stale}"


def _code_and_templates() -> str:
    files = [*(ROOT / "grader").rglob("*.py"), *(ROOT / "templates").glob("*.j2")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def _messages_written() -> str:
    """What writes the messages a grade carries: the engine and the hidden suites."""
    files = [*(ROOT / "grader").rglob("*.py"), *(ROOT / "exercises").glob("*/hidden/*.py")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_every_message_framing_is_one_the_engine_or_a_suite_writes():
    corpus = _messages_written()
    for key, template in read_source().items():
        if key.startswith("message."):
            # The first words of its longest literal part: a message may be split over
            # source lines, and built from pieces.
            longest = max((lit for lit, *_ in string.Formatter().parse(template)), key=len)
            words = " ".join(longest.split()[:3])
            assert len(words) > 6 and words in corpus, f"{key}: nothing writes {words!r}"


def test_every_english_entry_is_used():
    corpus = _code_and_templates()

    def used(key: str) -> bool:
        table = key.rsplit(".", 1)[0]
        # Whole keys, or keys built from their table and a status or area name.
        return any(
            pattern in corpus
            for quote in "\"'"
            for pattern in (
                f"{quote}{key}{quote}",
                f"{quote}{table}.{{",
                f"{quote}{table}.{quote} ~",
            )
        )

    # Message framings are matched, not shown by key: the test above checks them.
    unused = [k for k in read_source() if not used(k) and not k.startswith("message.")]
    assert not unused, f"en.toml entries nothing shows: {unused}"


def test_a_stale_or_missing_translation_shows_the_english(tmp_path, monkeypatch):
    (tmp_path / "en.toml").write_text(
        '[report]\nscore = "Score"\nstatus = "Status"\ncell = "cell {cell}"\n', encoding="utf-8"
    )
    (tmp_path / "xx.toml").write_text(
        '[report.score]\nsource = "Old score"\ntext = "XX-score"\n'
        '[report.cell]\nsource = "cell {cell}"\ntext = "XX-cell {cell}"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(locales, "LOCALES", tmp_path)
    messages.cache_clear()
    try:
        said = messages("xx")
        assert said("report.score") == "Score"  # its English moved on
        assert said("report.status") == "Status"  # never translated
        assert said("report.cell", cell=3) == "XX-cell 3"
        assert languages() == ("en", "xx")
    finally:
        messages.cache_clear()


@given(st.sampled_from(sorted(read_source())), st.sampled_from(languages()))
def test_every_entry_can_be_filled_in(key, language):
    said = messages(language)
    values = {name: "v" for name in placeholders(read_source()[key])}
    text = said(key, **values)
    assert text and "{" not in text.replace("{{", "")
