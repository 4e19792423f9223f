"""What the README tells a new user matches what the kit does."""

from __future__ import annotations

import re
from pathlib import Path

from grader.catalogue import load_kit

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_candidate_install_is_one_that_works_today():
    # No package index has mlgrade yet: the README must not tell anyone to install it from one.
    assert not re.search(r"^pip install mlgrade\s*$", README, re.MULTILINE)
    assert "pip install mlgrade-*.whl" in README
    assert "pip wheel\n--no-deps -w dist ." in README or "pip wheel --no-deps -w dist ." in README


def test_the_skill_areas_say_how_q15_is_covered():
    seeds = {ex.seed for ex in load_kit(ROOT / "exercises").exercises}
    assert "Q15" not in seeds and max(int(s[1:]) for s in seeds) == 14
    text = " ".join(README.split())
    assert "Q15 (CI/CD) has no exercise and earns no points" in text
    assert "cover Q1-Q14" in text


def test_the_ci_section_explains_the_trigger_the_workflow_uses():
    workflow = (ROOT / "templates" / "github-workflow.yml.j2").read_text(encoding="utf-8")
    text = " ".join(README.split())
    assert "pull_request_target:" in workflow and "pull_request_target" in text
    assert "persist-credentials: false" in workflow and "persist-credentials: false" in text
    assert "GitLab" in text and "CI/CD configuration file" in text


def test_the_run_folders_caps_are_the_ones_staging_mounts():
    from grader.sandbox.staging import RUN_FOLDER_MB, STAGE_MB

    text = " ".join(README.split())
    assert f"share one, capped at {STAGE_MB} MB" in text
    assert f"is another, capped at {RUN_FOLDER_MB} MB" in text
