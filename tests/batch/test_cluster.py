"""grade-batch --scheduler: a two-worker Dask LocalCluster grades exactly like the local pool."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch.cluster import Fingerprint, fingerprint, grade_on_cluster, grade_parcel, pack
from grader.batch.pool import Candidate, grade_batch, grade_submission
from grader.cli import cli
from grader.errors import UsageError
from grader.results import from_json, to_dict, without_durations
from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES

distributed = pytest.importorskip("distributed")

CASES = ("correct", "half", "syntax_error", "os_exit_mid_test")


def _comparable(text: str) -> dict:
    return without_durations(to_dict(from_json(text)))


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    """Engine cases as candidate folders, plus a zip that cannot be read."""
    root = tmp_path_factory.mktemp("cluster") / "submissions"
    for case in CASES:
        shutil.copytree(ENGINE_SUBMISSIONS / case, root / case)
    (root / "broken.zip").write_text("not a zip")
    return root


@pytest.fixture(scope="module")
def local_run(submissions, engine_kit, tmp_path_factory):
    return grade_batch(submissions, tmp_path_factory.mktemp("local"), engine_kit, jobs=2)


@pytest.fixture(scope="module")
def scheduler_address():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_cluster_batch_from_the_cli_equals_the_local_run(
    submissions, local_run, scheduler_address, tmp_path
):
    out = tmp_path / "reports"
    kit = str(FIXTURES / "kit")
    args = ["grade-batch", str(submissions), "--out", str(out), "--kit", kit]
    result = CliRunner().invoke(cli, [*args, "--scheduler", scheduler_address])
    assert result.exit_code == 0, result.output
    assert f"{len(CASES) + 1} submission(s): {len(CASES)} graded" in result.output
    # The error names the coordinator's path, not the worker's temporary copy.
    assert f"broken: {submissions / 'broken.zip'}: not a readable zip archive" in result.output
    for row in local_run.rows:
        if row.result is None:
            assert not (out / f"{row.candidate}.json").exists()
            continue
        remote = (out / f"{row.candidate}.json").read_text()
        local = (local_run.out_dir / f"{row.candidate}.json").read_text()
        assert _comparable(remote) == _comparable(local), row.candidate
    assert (out / "grades.csv").read_text() == local_run.csv_path.read_text()


def test_grade_on_cluster_yields_every_candidate_once(
    submissions, engine_kit, scheduler_address, local_run
):
    candidates = [Candidate(row.candidate, row.path) for row in local_run.rows]
    candidates.append(Candidate("vanished", submissions / "vanished"))
    outcomes = list(grade_on_cluster(scheduler_address, candidates, engine_kit, ("adder",)))
    assert sorted(c.name for c, _, _ in outcomes) == sorted(c.name for c in candidates)
    errors = {c.name: error for c, text, error in outcomes if text is None}
    assert set(errors) == {"broken", "vanished"}
    assert str(submissions / "vanished") in errors["vanished"]


def test_a_parcel_grades_like_the_folder_it_came_from(engine_kit):
    """In process, no cluster: packing keeps every byte and the candidate's name."""
    exercises = engine_kit.select(None)
    candidate = Candidate("half", ENGINE_SUBMISSIONS / "half")
    text, error = grade_parcel(
        pack(candidate, exercises), str(engine_kit.root), ("adder",), fingerprint(exercises)
    )
    assert error == ""
    local = grade_submission(str(candidate.path), str(engine_kit.root), ("adder",))
    assert _comparable(text) == _comparable(local)
    assert from_json(text).submission == "half"


def test_a_worker_with_another_kit_refuses_to_grade(engine_kit):
    exercises = engine_kit.select(None)
    parcel = pack(Candidate("half", ENGINE_SUBMISSIONS / "half"), exercises)
    stale = Fingerprint(fingerprint(exercises).mlgrade_version, (("adder", "0" * 64),))
    text, error = grade_parcel(parcel, str(engine_kit.root), ("adder",), stale)
    assert text is None and "differs from the coordinator's for adder" in error
    other = Fingerprint("0.0.0", fingerprint(exercises).exercises)
    text, error = grade_parcel(parcel, str(engine_kit.root), ("adder",), other)
    assert text is None and "install the same version on every worker" in error


def test_scheduler_without_dask_installed_is_a_usage_error(engine_kit, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(UsageError, match=r"mlgrade\[cluster\]"):
        next(grade_on_cluster("tcp://127.0.0.1:8786", [], engine_kit, ("adder",)))
