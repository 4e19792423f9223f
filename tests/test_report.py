"""The HTML feedback page and the terminal summary."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from grader.report import render_html, terminal_summary, write_html


def test_html_is_self_contained_and_shows_scores(grade_engine_case, engine_kit):
    html = render_html(grade_engine_case("half"), engine_kit)
    assert "<style>" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "no network assets"
    assert "5 / 6" in html  # total
    assert "test_mean_empty_raises" in html and "DID NOT RAISE" in html
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
