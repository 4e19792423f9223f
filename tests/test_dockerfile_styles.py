"""Correct Dockerfiles in styles the reference does not use still score full marks.

Each folder under fixtures/submissions/styles/dockerfile holds a Dockerfile that meets
the contract of exercises/dockerfile/prompt.md in another way (multi-stage wheels,
BuildKit mounts and heredocs, apt version pins, escape directives, CRLF, ...).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.catalogue import load_kit
from grader.grading import grade
from grader.results import TestStatus
from grader.workspace import load_submission

ROOT = Path(__file__).resolve().parents[1]
STYLES = Path(__file__).resolve().parent / "fixtures" / "submissions" / "styles" / "dockerfile"
KIT = load_kit(ROOT / "exercises")
CASES = sorted(p.name for p in STYLES.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_correct_dockerfile_in_another_style_scores_full_marks(case):
    submission = load_submission(STYLES / case, KIT, ["dockerfile"])
    ex = grade(submission, KIT, ["dockerfile"]).exercise("dockerfile")
    failures = [
        f"{t.name}: {t.message[:300]}" for t in ex.tests if t.status is not TestStatus.PASSED
    ]
    assert ex.score == ex.max_score, "\n".join(failures)
