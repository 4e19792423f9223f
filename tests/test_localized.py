"""A grade shown in Korean: titles, skill areas, test descriptions and the page's own words;
checked in headless chromium with a CJK font for missing glyphs and broken layout."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from grader.localized import localize
from grader.report import render_html, terminal_summary
from grader.results import to_json
from grader.terminal_text import columns


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
    # Only words change: scores, statuses and messages are the grade's own.
    for before, after in zip(result.exercises[0].tests, exercise.tests, strict=True):
        assert (before.status, before.score, before.message) == (
            after.status,
            after.score,
            after.message,
        )
    assert to_json(result) == to_json(grade_engine_case("half"))  # the grade is not changed


def test_without_a_kit_only_the_page_s_own_words_change(grade_engine_case):
    result = grade_engine_case("half")
    shown = localize(result, None, "ko")
    assert shown.exercises == result.exercises
    assert shown.areas[0].title == "파이썬과 프로그래밍 (Q1-Q5)"


def test_the_korean_page_has_korean_chrome_and_the_korean_prompt(grade_engine_case, engine_kit):
    html = render_html(grade_engine_case("half"), engine_kit, language="ko")
    assert '<html lang="ko">' in html
    for words in ("mlgrade 피드백: half", "역량 영역", "점수를 잃은 테스트", "무엇이 잘못되었나"):
        assert words in html
    assert "통과한 테스트 3개" in html and "문제 설명" in html
    assert "# 덧셈기" in html and "translation of prompt.md" not in html
    assert "mean([]): expected ValueError" in html  # the suite's own message is kept
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
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1100,1400",
            "--dump-dom",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    probe = json.loads(re.search(r'data-probe="([^"]*)"', dom).group(1).replace("&quot;", '"'))
    assert probe["syllables"] > 40  # the page really is in Korean
    assert probe["boxes"] == []  # no syllable drawn as a missing-glyph box
    assert probe["overflow"] is False
    assert probe["headers"] and all(probe["headers"])
