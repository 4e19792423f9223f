"""A grade shown in Korean: titles, skill areas, test descriptions and the page's own words;
checked in headless chromium with a CJK font for missing glyphs and broken layout."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.report.localized import localize, translate_message
from grader.report.render import render_html, terminal_summary
from grader.report.terminal_text import columns
from grader.results import to_json
from tests.conftest import headless_dom


def test_english_is_the_grade_itself(grade_engine_case, engine_kit):
    result = grade_engine_case("half")
    assert localize(result, engine_kit, "en") is result


def test_korean_titles_areas_and_current_descriptions(grade_engine_case, engine_kit):
    result = grade_engine_case("half")
    shown = localize(result, engine_kit, "ko")
    [exercise] = shown.exercises
    assert exercise.title == "덧셈기"
    assert [a.title for a in shown.areas] == ["파이썬과 프로그래밍 (Q1-Q5)"]
    described = {t.name: t.description for t in exercise.tests}
    assert described["test_mean_empty_raises"] == "mean([])은 ValueError를 발생시킵니다."
    assert described["test_add_small"] == "add는 작은 정수에서 동작합니다."
    # Its translation was made from an older English description: the English one is shown.
    assert (
        described["test_mean_matches_reference"] == "mean equals sum / len for any non-empty list."
    )
    # Only words change: scores and statuses are the grade's own.
    for before, after in zip(result.exercises[0].tests, exercise.tests, strict=True):
        assert (before.name, before.status, before.score) == (after.name, after.status, after.score)
        assert after.message == translate_message(before.message, "ko")
    assert to_json(result) == to_json(grade_engine_case("half"))  # the grade is not changed


@pytest.mark.parametrize(
    ("english", "korean"),
    [
        (
            "AssertionError: f1_score(...): expected 0.0, got 1.0",
            "AssertionError: f1_score(...): 기대한 값 0.0, 실제 값 1.0",
        ),
        ("expected batch sizes [32, 4], got [36]", "기대한 값 batch sizes [32, 4], 실제 값 [36]"),
        (
            "labels=[1, 0, 1]: expected ValueError, but it returned normally",
            "labels=[1, 0, 1]: ValueError이(가) 발생해야 하는데 정상적으로 반환했습니다",
        ),
        (
            "timed out: the test ran longer than 10 s; it was running f(1)",
            "시간 초과: 테스트가 10초보다 오래 걸렸습니다. 실행 중이던 호출: f(1)",
        ),
        ("not attempted: the file is still the stub", "풀지 않음: 파일이 아직 스텁 그대로입니다"),
        ("the model must be fitted first", "the model must be fitted first"),
    ],
)
def test_the_framing_of_a_message_is_translated_and_its_values_kept(english, korean):
    assert translate_message(english, "ko") == korean
    assert translate_message(english, "en") == english


values = st.text(st.characters(exclude_characters="\n"), min_size=1, max_size=30)


@given(values, values, st.lists(values, max_size=3))
def test_values_cross_a_translation_untouched_and_other_lines_stay(expected, got, others):
    english = "\n".join([f"expected {expected}, got {got}", *others])
    korean = translate_message(english, "ko").split("\n")
    assert expected in korean[0] and got in korean[0] and korean[0].startswith("기대한 값 ")
    assert len(korean) == 1 + len(others)
    for before, after in zip(others, korean[1:], strict=True):
        assert after == before or after == translate_message(before, "ko")


def test_a_long_hostile_line_is_left_as_it_is():
    hostile = "f(x): expected " + ": expected , go" * 50_000
    assert translate_message(hostile, "ko") == hostile
    assert translate_message(f"expected 1, got 2\n{hostile}", "ko").split("\n") == [
        "기대한 값 1, 실제 값 2",
        hostile,
    ]


def test_the_korean_report_frames_the_suite_s_messages_in_korean(grade_engine_case, engine_kit):
    html = render_html(grade_engine_case("half"), engine_kit, language="ko")
    assert "mean([]): ValueError이(가) 발생해야 하는데" in html


def test_without_a_kit_only_the_page_s_own_words_change(grade_engine_case):
    result = grade_engine_case("half")
    shown = localize(result, None, "ko")
    assert [(e.title, [t.description for t in e.tests]) for e in shown.exercises] == [
        (e.title, [t.description for t in e.tests]) for e in result.exercises
    ]
    assert shown.areas[0].title == "파이썬과 프로그래밍 (Q1-Q5)"


def test_the_korean_page_has_korean_chrome_and_the_korean_prompt(grade_engine_case, engine_kit):
    html = render_html(grade_engine_case("half"), engine_kit, language="ko")
    assert '<html lang="ko">' in html
    for words in ("mlgrade 피드백: half", "역량 영역", "점수를 잃은 테스트", "무엇이 잘못되었나"):
        assert words in html
    assert "통과한 테스트 3개" in html and "문제 설명" in html
    assert "# 덧셈기" in html and "translation of prompt.md" not in html
    assert not re.search(r">\s*(Skill area|What went wrong|Exercise prompt)\s*<", html)


def test_the_korean_terminal_table_lines_up(grade_engine_case, engine_kit):
    text = terminal_summary(grade_engine_case("half"), kit=engine_kit, language="ko", width=100)
    assert "채점 완료" in text and "통과" in text and "실패" in text
    totals = [line for line in text.splitlines() if line.endswith(("/ 6", "(83.3%)"))]
    assert len(totals) == 2
    # The score column starts at the same terminal column whatever script the label is in.
    assert len({columns(line[: line.index("/") - 3]) for line in totals}) == 1


# Placed after the page's content: which Hangul syllables on the page draw as the missing-
# glyph box (an unassigned code point's drawing), and whether anything overflows the page.
GLYPH_PROBE = """<script>
const canvas = document.createElement("canvas");
canvas.width = canvas.height = 48;
const pen = canvas.getContext("2d");
const family = getComputedStyle(document.body).fontFamily;
const draw = (ch) => {
  pen.clearRect(0, 0, 48, 48);
  pen.font = `32px ${family}`;
  pen.fillText(ch, 4, 36);
  return Array.from(pen.getImageData(0, 0, 48, 48).data).join(",");
};
const box = draw("\\u0378");
const syllables = [...new Set(document.body.innerText.replace(/[^\\uac00-\\ud7a3]/g, ""))];
const headers = [...document.querySelectorAll("section.exercise header")].map((h) => {
  const [hb, bb] = [h.getBoundingClientRect(), h.querySelector(".badge").getBoundingClientRect()];
  return bb.right <= hb.right + 1 && bb.top - hb.top < 20;
});
document.body.setAttribute("data-probe", JSON.stringify({
  syllables: syllables.length,
  boxes: syllables.filter((ch) => draw(ch) === box),
  overflow: document.documentElement.scrollWidth > window.innerWidth,
  headers: headers,
}));
</script>"""


def _korean_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
@pytest.mark.skipif(not _korean_font(), reason="no Korean font (Debian fonts-noto-cjk)")
def test_the_korean_page_draws_every_syllable_and_keeps_its_layout(
    grade_engine_case, engine_kit, tmp_path
):
    page = tmp_path / "report.html"
    html = render_html(grade_engine_case("half"), engine_kit, language="ko")
    page.write_text(html.replace("</body>", GLYPH_PROBE + "</body>"), encoding="utf-8")
    dom = headless_dom(page, tmp_path / "profile")
    probe = json.loads(re.search(r'data-probe="([^"]*)"', dom).group(1).replace("&quot;", '"'))
    assert probe["syllables"] > 40  # the page really is in Korean
    assert probe["boxes"] == []  # no syllable drawn as a missing-glyph box
    assert probe["overflow"] is False
    assert probe["headers"] and all(probe["headers"])
