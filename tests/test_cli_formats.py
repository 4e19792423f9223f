"""`mlgrade grade` writes other tools' formats and enforces --min-score (real gradings)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from grader.cli import cli

ROOT = Path(__file__).parents[1]
# One realistic mistake: most tests pass, so the score lies strictly between 0 and 100.
BUGGY_DECORATORS = (
    ROOT / "tests" / "fixtures" / "submissions" / "buggy" / "decorators" / "retry_one_extra_try"
)


def grade(
    tmp_path: Path,
    *options: str,
    env: dict[str, str] | None = None,
    submission: Path = ROOT / "solutions",
):
    args = [
        "grade",
        str(submission),
        "-e",
        "decorators",
        "--kit",
        str(ROOT / "exercises"),
        "--html",
        str(tmp_path / "report.html"),
        "-q",
        *options,
    ]
    return CliRunner().invoke(cli, args, env=env or {})


def test_gradescope_json_junit_and_github_summary(tmp_path):
    summary = tmp_path / "summary.md"
    outcome = grade(
        tmp_path,
        "--format",
        "gradescope",
        "--json",
        str(tmp_path / "results.json"),
        "--junit",
        str(tmp_path / "junit.xml"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert outcome.exit_code == 0, outcome.output
    gradescope = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert gradescope["score"] == sum(t["score"] for t in gradescope["tests"]) > 0
    assert {t["status"] for t in gradescope["tests"]} == {"passed"}
    root = ET.parse(tmp_path / "junit.xml").getroot()
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "decorators"
    assert int(suite.get("tests")) == len(gradescope["tests"])
    assert suite.get("failures") == suite.get("errors") == "0"
    assert "| `decorators`" in summary.read_text(encoding="utf-8")
    assert (tmp_path / "report.html").is_file()


def test_exercism_json_and_min_score_failure_still_writes_reports(tmp_path):
    outcome = grade(
        tmp_path,
        "--format",
        "exercism",
        "--json",
        str(tmp_path / "results.json"),
        "--junit",
        str(tmp_path / "junit.xml"),
        "--min-score",
        "100",
        submission=BUGGY_DECORATORS,
    )
    assert outcome.exit_code == 1, outcome.output
    assert "is below --min-score 100" in outcome.output
    exercism = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert exercism["version"] == 3 and exercism["status"] == "fail"
    assert {t["status"] for t in exercism["tests"]} == {"pass", "fail"}
    ET.parse(tmp_path / "junit.xml")
    assert (tmp_path / "report.html").is_file()
