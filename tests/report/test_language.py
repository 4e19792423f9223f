"""Which language mlgrade speaks: `--lang`, else $MLGRADE_LANG, else the locale, else English."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.errors import UsageError
from grader.report.language import LOCALE_ENVS, choose_language

LOCALES = ["ko_KR.UTF-8", "ko_KR", "ko", "en_US.UTF-8", "C", "C.UTF-8", "POSIX", "fr_FR.UTF-8", ""]
environments = st.fixed_dictionaries(
    {},
    optional={
        "MLGRADE_LANG": st.sampled_from(["en", "ko"]),
        **{name: st.sampled_from(LOCALES) for name in LOCALE_ENVS},
    },
)


def _expected(asked: str | None, environ: dict[str, str]) -> str:
    if asked:
        return asked
    if environ.get("MLGRADE_LANG"):
        return environ["MLGRADE_LANG"]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):  # POSIX: the first one set decides
        if environ.get(name):
            return "ko" if environ[name].startswith("ko") else "en"
    return "en"


@given(st.sampled_from([None, "en", "ko"]), environments)
def test_asked_then_mlgrade_lang_then_the_locale_then_english(asked, environ):
    assert choose_language(asked, environ) == _expected(asked, environ)


def test_a_korean_locale_speaks_korean_and_another_english():
    assert choose_language(None, {"LANG": "ko_KR.UTF-8"}) == "ko"
    assert choose_language(None, {"LC_ALL": "ko_KR.eucKR", "LANG": "en_US.UTF-8"}) == "ko"
    assert choose_language(None, {"LC_ALL": "en_GB.UTF-8", "LANG": "ko_KR.UTF-8"}) == "en"
    assert choose_language(None, {}) == "en"


@pytest.mark.parametrize("asked", ["fr", "KO", "korean"])
def test_an_unknown_language_asked_for_is_a_usage_error_naming_the_known_ones(asked):
    with pytest.raises(UsageError, match=r"known: en, ko"):
        choose_language(asked, {})


def test_an_unknown_mlgrade_lang_is_a_usage_error_naming_the_variable():
    with pytest.raises(UsageError, match=r"MLGRADE_LANG='xx'"):
        choose_language(None, {"MLGRADE_LANG": "xx"})
