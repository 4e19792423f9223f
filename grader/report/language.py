"""Which language mlgrade speaks: the one asked for, else the environment's, else English."""

from __future__ import annotations

import os
from collections.abc import Mapping

from grader.errors import UsageError
from grader.locales import SOURCE_LANGUAGE, languages

LANGUAGE_ENV = "MLGRADE_LANG"
# POSIX order: the first of these that is set names the locale of messages.
LOCALE_ENVS = ("LC_ALL", "LC_MESSAGES", "LANG")


def _from_locale(value: str) -> str | None:
    """The language of a POSIX locale name such as `ko_KR.UTF-8`, when mlgrade has it."""
    code = value.split(".")[0].split("_")[0].split("@")[0].lower()
    return code if code in languages() else None


def choose_language(asked: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: `asked`, else $MLGRADE_LANG, else the locale's, else English."""
    environ = os.environ if environ is None else environ
    if asked:
        if asked not in languages():
            raise UsageError(f"unknown language {asked!r} (known: {', '.join(languages())})")
        return asked
    chosen = environ.get(LANGUAGE_ENV, "").strip()
    if chosen:
        if chosen not in languages():
            raise UsageError(
                f"{LANGUAGE_ENV}={chosen!r} is not a language mlgrade has "
                f"(known: {', '.join(languages())})"
            )
        return chosen
    for name in LOCALE_ENVS:
        value = environ.get(name, "")
        if value:
            return _from_locale(value) or SOURCE_LANGUAGE
    return SOURCE_LANGUAGE
