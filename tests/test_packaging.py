"""The wheel a candidate installs carries the public kit and never a hidden suite."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("mlgrade-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_wheel_has_no_hidden_suite_and_no_solution(wheel_names):
    assert not [n for n in wheel_names if "/hidden/" in n or "equivalent_mutants" in n]
    assert not [n for n in wheel_names if n.startswith("solutions/") or "/solutions/" in n]


def test_wheel_has_the_public_kit_and_templates(wheel_names):
    exercises = sorted(
        p.name for p in (ROOT / "exercises").glob("*/exercise.toml") for p in [p.parent]
    )
    for exercise in exercises:
        for name in ("exercise.toml", "prompt.md", "prompt.ko.md", "test_public.py"):
            assert f"grader/kit/{exercise}/{name}" in wheel_names
    assert "grader/kit/metrics/metrics.py" in wheel_names
    assert "grader/kit/dockerfile/Dockerfile" in wheel_names
    assert "grader/templates/report.html.j2" in wheel_names
    assert {"grader/locales/en.toml", "grader/locales/ko.toml"} <= set(wheel_names)


def test_installed_kit_is_found_without_hidden_suites(tmp_path, monkeypatch):
    """Outside the repository, the package's own public kit is used (and cannot grade)."""
    from grader import catalogue
    from grader.errors import KitError

    public = tmp_path / "kit"
    public.mkdir()
    for folder in (ROOT / "exercises").glob("*/"):
        if (folder / "exercise.toml").is_file():
            target = public / folder.name
            target.mkdir()
            for name in ("exercise.toml", "prompt.md"):
                (target / name).write_bytes((folder / name).read_bytes())
    monkeypatch.chdir(tmp_path / "kit")
    monkeypatch.delenv(catalogue.KIT_ENV, raising=False)
    monkeypatch.setattr(catalogue, "bundled_kit_root", lambda: public)
    monkeypatch.setattr(catalogue, "__file__", str(tmp_path / "site" / "grader" / "catalogue.py"))
    kit = catalogue.find_kit()
    assert kit.root == public and not kit.has_hidden
    with pytest.raises(KitError, match="no kit with hidden suites"):
        catalogue.find_kit(need_hidden=True)
