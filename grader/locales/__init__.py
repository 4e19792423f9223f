"""mlgrade's message catalogues, one file per language, and the code that reads them.

English is the source (`en.toml`, one text per key); every other language is a file beside
it whose entries record the English they translate, so adding a language is adding one file,
and a stale translation is found by a test rather than shown to a reader.
"""

from __future__ import annotations

import functools
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOCALES = Path(__file__).parent
SOURCE_LANGUAGE = "en"
# Entries of a translation under this table translate the commands' help (see `Messages`).
HELP_PREFIX = "help."


def languages() -> tuple[str, ...]:
    """The languages mlgrade has a catalogue for, English first."""
    others = sorted(p.stem for p in LOCALES.glob("*.toml") if p.stem != SOURCE_LANGUAGE)
    return (SOURCE_LANGUAGE, *others)


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """`{"a": {"b": x}}` as `{"a.b": x}`, stopping at a translation's {source, text} table."""
    flat: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and not {"source", "text"} <= value.keys():
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class Translation:
    """One translated entry: the English it was made from and the text in its language."""

    source: str
    text: str


def read_source() -> dict[str, str]:
    """The English catalogue: key -> text."""
    with (LOCALES / f"{SOURCE_LANGUAGE}.toml").open("rb") as handle:
        return {k: str(v) for k, v in _flatten(tomllib.load(handle)).items()}


def read_translation(language: str) -> dict[str, Translation]:
    """A language's catalogue: key -> the English it translates and its text."""
    with (LOCALES / f"{language}.toml").open("rb") as handle:
        flat = _flatten(tomllib.load(handle))
    return {
        k: Translation(str(v["source"]), str(v["text"]))  # type: ignore[index]
        for k, v in flat.items()
    }


def placeholders(text: str) -> frozenset[str]:
    """The `{name}` fields a catalogue text fills in."""
    return frozenset(f for _, f, _, _ in string.Formatter().parse(text) if f)


@dataclass(frozen=True)
class Messages:
    """The catalogue of one language; calling it with a key gives the text, filled in."""

    language: str
    texts: Mapping[str, str] = field(repr=False)
    # The commands' help is written in English where the commands are defined (click's
    # way); a translation of it counts only while its English is still the same.
    help_texts: Mapping[str, Translation] = field(default_factory=dict, repr=False)

    def __call__(self, key: str, /, **values: object) -> str:
        """The text of `key`, its `{fields}` filled from `values`."""
        text = self.texts[key]
        return text.format(**values) if values else text

    def get(self, key: str, default: str) -> str:
        """The text of `key`, or `default` where the catalogue has none."""
        return self.texts.get(key, default)

    def help(self, key: str, english: str) -> str:
        """The help text of a command or option (`key`), translated while `english` is current."""
        entry = self.help_texts.get(key)
        return entry.text if entry is not None and entry.source == english else english


@functools.cache
def messages(language: str = SOURCE_LANGUAGE) -> Messages:
    """The catalogue of `language`; a key it lacks, or whose English moved on, stays English."""
    texts = read_source()
    help_texts: dict[str, Translation] = {}
    if language != SOURCE_LANGUAGE:
        for key, entry in read_translation(language).items():
            if key.startswith(HELP_PREFIX):
                help_texts[key.removeprefix(HELP_PREFIX)] = entry
            # A translation of an older English text would say something else: keep English.
            elif texts.get(key) == entry.source:
                texts[key] = entry.text
    return Messages(language, texts, help_texts)
