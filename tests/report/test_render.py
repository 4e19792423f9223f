"""The HTML feedback page and the terminal summary."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.report.render import render_html, terminal_summary, write_html
from tests.conftest import headless_dom


def test_html_is_self_contained_and_shows_scores(grade_engine_case, engine_kit):
    html = render_html(grade_engine_case("half"), engine_kit)
    assert "<style>" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "no network assets"
    assert "5 / 6" in html  # total
    assert "test_mean_empty_raises" in html and "mean([]): expected ValueError" in html
    assert "Exercise prompt" in html and "without\nthe `statistics` module" in html


def test_html_escapes_candidate_text(grade_engine_case, engine_kit):
    html = render_html(grade_engine_case("raises_at_import"), engine_kit)
    assert "<not json" not in html
    assert "import error" in html


def test_html_shows_counterexample_and_candidate_frames(grade_engine_case, engine_kit):
    html = render_html(grade_engine_case("forbidden_hidden_import"), engine_kit)
    assert "Failing input (shrunk)" in html and "values=[0.0]" in html
    assert "adder.py:6 in mean" in html


def test_terminal_summary_lists_every_test_and_the_areas(grade_engine_case):
    text = terminal_summary(grade_engine_case("half"))
    assert "adder" in text and "5 / 6" in text
    assert "FAILED" in text and "test_mean_empty_raises" in text
    assert "Python & programming (Q1-Q5)" in text
    assert "TOTAL" in text and "83.3%" in text


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
def test_report_renders_in_headless_chromium(grade_engine_case, engine_kit, tmp_path):
    page = write_html(grade_engine_case("half"), tmp_path / "report.html", engine_kit)
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1100,1400",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert shot.stat().st_size > 10_000  # a real rendering, not a blank page


def _with_failure(message: str, counterexample: str = ""):
    """A one-exercise result whose only test failed with this message."""
    from grader.results import ExerciseResult, ExerciseStatus, GradeResult, TestResult, TestStatus

    test = TestResult(
        name="test_f1",
        description="",
        status=TestStatus.FAILED,
        score=0.0,
        max_score=2.0,
        message=message,
        counterexample=counterexample,
    )
    exercise = ExerciseResult(
        id="metrics",
        title="Metrics",
        area="ml",
        status=ExerciseStatus.GRADED,
        score=0.0,
        max_score=2.0,
        suite="hidden",
        tests=(test,),
    )
    return GradeResult(submission="s", score=0.0, max_score=2.0, exercises=(exercise,))


def _under_test(text: str) -> list[str]:
    """The rows printed under the failed test's own row."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "test_f1" in line) + 1
    rows = []
    for line in lines[start:]:
        if not line.startswith(" " * 13):
            break
        rows.append(line.strip())
    return rows


words = st.text(st.characters(codec="ascii", categories=["L", "N", "P", "S"]), min_size=1)


@given(st.lists(words, min_size=1, max_size=120), st.integers(40, 200))
def test_the_whole_first_line_of_a_failure_is_shown_wrapped_to_the_width(parts, width):
    first = "AssertionError: " + " ".join(parts)
    text = terminal_summary(_with_failure(first + "\nassert 1.0 <= 1e-12"), width=width)
    assert all(len(line) <= width for line in text.splitlines() if line.startswith(" " * 13))
    shown = "".join("".join(_under_test(text)).split())
    assert shown == "".join(first.split())  # every character, and pytest's restatement not


def test_the_shrunk_failing_call_is_shown_as_one_call():
    counterexample = (
        "Failing test case: test_f1(\n    pair=(['ham'], ['spam']),\n    pos_label='spam',\n)"
    )
    message = "AssertionError: f1_score(...): expected 0.0, got 1.0\nassert 1.0 <= 1e-12"
    rows = _under_test(terminal_summary(_with_failure(message, counterexample), width=120))
    assert rows == [
        "AssertionError: f1_score(...): expected 0.0, got 1.0",
        "failing call: test_f1(pair=(['ham'], ['spam']), pos_label='spam')",
    ]


def test_full_marks_keep_their_passing_tests_collapsed(grade_engine_case, engine_kit):
    html = render_html(grade_engine_case("correct"), engine_kit)
    section = html[html.index('<section class="exercise" id="ex-adder">') :]
    assert '<details class="passing"><summary>4 passing tests: full marks</summary>' in section
    assert "<details open" not in html and '<details class="passing" open' not in html


# Placed after the report's own content: records where each exercise's title, badge and
# header sit once the page is laid out, for --dump-dom to print.
LAYOUT_PROBE = """<script>
const rows = [...document.querySelectorAll("section.exercise header")].map((header) => {
  const box = (el) => el.getBoundingClientRect();
  const [h, b, t] = [box(header), box(header.querySelector(".badge")), box(header.querySelector("h2"))];
  return [h.top, h.right, b.top, b.right, t.right, t.height];
});
document.body.setAttribute("data-layout", JSON.stringify(rows));
</script>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
def test_a_long_exercise_title_leaves_the_badge_at_the_right_of_its_first_line(
    grade_engine_case, engine_kit, tmp_path
):
    import dataclasses
    import json

    result = grade_engine_case("correct")
    long_title = "A title far longer than the page is wide " * 4
    result = dataclasses.replace(
        result, exercises=(dataclasses.replace(result.exercises[0], title=long_title),)
    )
    page = tmp_path / "report.html"
    page.write_text(render_html(result, engine_kit).replace("</body>", LAYOUT_PROBE + "</body>"))
    dom = headless_dom(page, tmp_path / "profile")
    [[header_top, header_right, badge_top, badge_right, title_right, title_height]] = json.loads(
        re.search(r'data-layout="([^"]*)"', dom).group(1).replace("&quot;", '"')
    )
    assert title_height > 40  # the title wrapped onto several lines
    assert badge_top - header_top < 20  # the badge stays on the title's first line
    assert header_right - badge_right < 80 and title_right < badge_right - 40  # at the right
