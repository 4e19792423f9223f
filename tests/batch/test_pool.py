"""Batch grading on the engine kit: per-candidate reports, gradebook, summary, cache, CLI."""

from __future__ import annotations

import csv
import pickle
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch.pool import (
    BatchResult,
    Candidate,
    cache_key,
    discover,
    grade_batch,
    grade_submission,
)
from grader.cli import cli
from grader.errors import SubmissionError, UsageError
from grader.results import from_json
from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES

BATCH = FIXTURES / "batch" / "submissions"
GRADED = ["alice", "bob", "carol", "erin"]


@pytest.fixture(scope="module")
def first_run(engine_kit, tmp_path_factory) -> tuple[Path, BatchResult, list[str]]:
    """One real batch: the fixture folder plus a valid zip, graded from scratch."""
    root = tmp_path_factory.mktemp("batch")
    submissions = root / "submissions"
    shutil.copytree(BATCH, submissions)
    with zipfile.ZipFile(submissions / "erin.zip", "w") as archive:
        archive.write(ENGINE_SUBMISSIONS / "half" / "adder.py", "erin/adder.py")
    (submissions / ".DS_Store").write_text("hidden")
    (submissions / "notes.txt").write_text("not a submission")
    seen: list[str] = []
    result = grade_batch(
        submissions,
        root / "reports",
        engine_kit,
        jobs=2,
        progress=lambda r: seen.append(r.candidate),
    )
    return submissions, result, seen


def test_every_candidate_gets_a_row_and_a_failure_does_not_stop_the_rest(first_run):
    _, batch, seen = first_run
    assert [r.candidate for r in batch.rows] == ["alice", "bob", "carol", "dave", "erin"]
    assert sorted(seen) == [r.candidate for r in batch.rows]
    dave = next(r for r in batch.rows if r.candidate == "dave")
    assert dave.status == "error" and dave.result is None
    assert "dave.zip" in dave.error and "not a readable zip archive" in dave.error
    scores = {r.candidate: r.result.score for r in batch.rows if r.result}
    assert scores == {"alice": 6, "bob": 3, "carol": 6, "erin": 5}
    assert (batch.regraded, batch.reused, batch.errors) == (4, 0, 1)


def test_per_candidate_json_and_html(first_run):
    _, batch, _ = first_run
    for name in GRADED:
        result = from_json((batch.out_dir / f"{name}.json").read_text())
        assert result == next(r.result for r in batch.rows if r.candidate == name)
        assert "mlgrade feedback" in (batch.out_dir / f"{name}.html").read_text()
    assert not (batch.out_dir / "dave.json").exists()


def test_gradebook_csv(first_run):
    _, batch, _ = first_run
    with batch.csv_path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["candidate", "adder", "total", "max", "percent", "status", "error"]
    assert rows[1:5] == [
        ["alice", "6", "6", "6", "100.00", "graded", ""],
        ["bob", "3", "3", "6", "50.00", "graded", ""],
        ["carol", "6", "6", "6", "100.00", "graded", ""],
        ["dave", "", "", "", "", "error", rows[4][6]],
    ]
    assert "not a readable zip archive" in rows[4][6]
    assert rows[5] == ["erin", "5", "5", "6", "83.33", "graded", ""]


def test_summary_page_has_charts_hardest_tests_and_only_the_copied_pair(first_run):
    _, batch, _ = first_run
    html = batch.summary_path.read_text()
    assert html.count("<svg") == 2 and "Histogram" in html
    assert "http://" not in html and "https://" not in html  # self-contained
    assert [(p.left, p.right) for p in batch.pairs] == [("alice", "bob")]
    assert "alice &harr; bob" in html
    assert "carol &harr;" not in html and "&harr; carol" not in html
    assert "def mean(numbers):" in html and "def mean(values):" in html  # side by side
    # The empty-list test fails for bob and erin: it is the hardest.
    hardest = html.index("Hardest tests")
    assert html.index("test_mean_empty_raises", hardest) < html.index("test_add_small", hardest)
    assert "not a readable zip archive" in html


def test_rerun_reuses_the_cache_and_regrades_what_changed(first_run, engine_kit, tmp_path):
    submissions, batch, _ = first_run
    # The cache is keyed by content, not by path: a copied folder reuses it too.
    copy, out = tmp_path / "submissions", tmp_path / "reports"
    shutil.copytree(submissions, copy)
    shutil.copytree(batch.out_dir, out)
    again = grade_batch(copy, out, engine_kit)
    assert (again.regraded, again.reused, again.errors) == (0, 4, 1)
    assert [r.result for r in again.rows] == [r.result for r in batch.rows]

    shutil.copy(ENGINE_SUBMISSIONS / "half" / "adder.py", copy / "carol" / "adder.py")
    changed = grade_batch(copy, out, engine_kit)
    assert (changed.regraded, changed.reused, changed.errors) == (1, 3, 1)
    carol = next(r for r in changed.rows if r.candidate == "carol")
    assert not carol.reused and carol.result is not None and carol.result.score == 5
    assert from_json((out / "carol.json").read_text()).score == 5


def test_cache_key_follows_content_and_selection(engine_kit, tmp_path):
    exercises = engine_kit.select(None)
    (tmp_path / "a").mkdir()
    shutil.copy(BATCH / "alice" / "adder.py", tmp_path / "a" / "adder.py")
    (tmp_path / "a" / "notes.md").write_text("not graded")
    key = cache_key(Candidate("a", tmp_path / "a"), exercises)
    assert key == cache_key(Candidate("alice", BATCH / "alice"), exercises)
    assert key != cache_key(Candidate("a", tmp_path / "a"), [])
    (tmp_path / "a" / "adder.py").write_text("def add(a, b):\n    return b + a\n")
    assert key != cache_key(Candidate("a", tmp_path / "a"), exercises)


def test_discover_names_and_skips(tmp_path):
    for name in ("zed", "alice", "summary", ".hidden", "__MACOSX", "reports"):
        (tmp_path / name).mkdir()
    for name in ("alice.zip", "bob.ipynb", "notes.txt", ".x.zip"):
        (tmp_path / name).write_text("")
    found = discover(tmp_path, tmp_path / "reports")
    assert [(c.name, c.path.name) for c in found] == [
        ("alice-dir", "alice"),
        ("alice-zip", "alice.zip"),
        ("bob", "bob.ipynb"),
        ("summary-dir", "summary"),
        ("zed", "zed"),
    ]
    with pytest.raises(UsageError):
        discover(tmp_path / "missing")


def test_grade_submission_is_a_picklable_function_of_paths(engine_kit):
    assert pickle.loads(pickle.dumps(grade_submission)) is grade_submission
    text = grade_submission(str(BATCH / "alice"), str(engine_kit.root), ("adder",))
    assert from_json(text).score == 6


def test_usage_errors(engine_kit, tmp_path):
    with pytest.raises(UsageError):
        grade_batch(tmp_path / "missing", tmp_path / "out", engine_kit)
    with pytest.raises(UsageError):
        grade_batch(BATCH, tmp_path / "out", engine_kit, solutions=tmp_path / "nope")


def test_cli_grade_batch(first_run, tmp_path):
    submissions, batch, _ = first_run
    out = tmp_path / "reports"
    shutil.copytree(batch.out_dir, out)
    args = ["grade-batch", str(submissions), "--out", str(out), "--kit", str(FIXTURES / "kit")]
    result = CliRunner().invoke(cli, [*args, "--jobs", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output  # completed, even with dave's error
    assert "0 graded, 4 reused from cache, 1 error" in result.output
    assert "dave: " in result.output and str(out / "summary.html") in result.output
    assert "1 similar pair" in result.output

    missing = CliRunner().invoke(cli, ["grade-batch", str(tmp_path / "nope"), "--out", str(out)])
    assert missing.exit_code == 2 and "not found" in missing.output


INPUTS = FIXTURES / "submissions" / "inputs"


def test_links_and_unsafe_archives_are_error_rows_and_deep_code_is_graded(engine_kit, tmp_path):
    """Hostile inputs in one batch: each unreadable one is its own error row naming the
    link or entry, the deeply nested ones are graded, and nothing of a link's target shows."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET\n")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copytree(BATCH / "alice", submissions / "good")
    for name, target in {
        "linked": ENGINE_SUBMISSIONS / "correct" / "adder.py",
        "secret": secret,
    }.items():
        (submissions / name).mkdir()
        (submissions / name / "adder.py").symlink_to(target)
    (submissions / "alias").symlink_to(submissions / "good")
    shutil.copy(INPUTS / "symlink_entry.zip", submissions / "evil.zip")
    shutil.copy(INPUTS / "parent_path.zip", submissions / "dotdot.zip")
    shutil.copytree(INPUTS / "deep_expression", submissions / "deep")
    shutil.copy(INPUTS / "deep_cell.ipynb", submissions / "deepcell.ipynb")
    shutil.copy(INPUTS / "deep_json.ipynb", submissions / "deepjson.ipynb")
    out = tmp_path / "reports"

    batch = grade_batch(submissions, out, engine_kit, jobs=2)
    errors = {r.candidate: r.error for r in batch.rows if r.result is None}
    assert errors == {
        "alias": f"{submissions}/alias is a symbolic link: submit the folder itself",
        "dotdot": f"{submissions}/dotdot.zip: unsafe path in archive: ../x.py",
        "evil": f"{submissions}/evil.zip: archive entry workspace/adder.py is a symbolic "
        "link: submit the file itself",
        "linked": f"{submissions}/linked/adder.py is a symbolic link: submit the file itself",
        "secret": f"{submissions}/secret/adder.py is a symbolic link: submit the file itself",
    }
    graded = {r.candidate: r.result for r in batch.rows if r.result is not None}
    assert {name: result.score for name, result in graded.items()} == {
        "deep": 0,
        "deepcell": 0,
        "deepjson": 6,
        "good": 6,
    }
    for name in ("deep", "deepcell"):
        assert graded[name].exercise("adder").status == "import_error"
        assert "too-deep" in {f.rule for f in graded[name].integrity}
    written = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    assert "TOPSECRET" not in written and "shadow" not in written

    result = CliRunner().invoke(
        cli, ["grade-batch", str(submissions), "--out", str(out), "--kit", str(engine_kit.root)]
    )
    assert result.exit_code == 0, result.output
    assert "0 graded, 4 reused from cache, 5 error(s)" in result.output
    assert f"  linked: {submissions}/linked/adder.py is a symbolic link" in result.output
    assert "TOPSECRET" not in result.output


def test_cache_key_never_reads_through_a_link(engine_kit, tmp_path):
    (tmp_path / "cand").mkdir()
    (tmp_path / "cand" / "adder.py").symlink_to(BATCH / "alice" / "adder.py")
    with pytest.raises(SubmissionError, match="adder.py is a symbolic link"):
        cache_key(Candidate("cand", tmp_path / "cand"), engine_kit.select(None))
