"""What the warm servers preload: never a library the exercise forbids, one candidates' server
shared by every exercise that forbids none of the usual ones, and the judges' and candidates'
servers forked from one holding only the libraries they share."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.forkservers import (
    CANDIDATE_PRELOAD,
    LIBRARY_PRELOAD,
    candidate_preload,
    has_forkserver,
    shares_libraries,
)
from grader.grading import default_sandbox, grade
from grader.workspace import load_submission
from tests.conftest import ENGINE_SUBMISSIONS

# numpy aside: the candidate's process carries arrays as numpy buffers, so no exercise bans it.
LIBRARIES = sorted(
    {name.partition(".")[0] for name in CANDIDATE_PRELOAD} - {"numpy"} | {"flask", "django"}
)
OWN_MODULES = ["grader.candidate.process", "grader.frozen_heap"]


@given(st.lists(st.sampled_from(LIBRARIES), unique=True).map(tuple))
def test_a_server_never_preloads_what_its_exercise_forbids(forbidden):
    preload = candidate_preload(forbidden)
    # Its own module after the libraries, then the heap frozen with all of them in it.
    assert preload[-2:] == OWN_MODULES
    assert not {name.partition(".")[0] for name in preload} & set(forbidden)
    if not shares_libraries(forbidden):
        assert {"sklearn", "scipy", "joblib"} & set(forbidden)


def test_a_from_scratch_exercise_s_server_holds_numpy_alone():
    assert candidate_preload(("sklearn",)) == ["numpy", *OWN_MODULES]
    assert not shares_libraries(("sklearn",))


def test_banning_only_web_frameworks_shares_the_usual_server():
    serving = ("flask", "fastapi", "starlette", "django", "bottle", "falcon", "aiohttp")
    assert candidate_preload(serving) == candidate_preload(())
    assert "sklearn.ensemble" in candidate_preload(())
    assert shares_libraries(serving)


def test_the_libraries_server_holds_neither_side():
    """What candidates' processes inherit from it: only what their own server loads anyway,
    never the judge's code, a suite's, or the candidates' (their server adds that)."""
    own = [name for name in LIBRARY_PRELOAD if name.partition(".")[0] == "grader"]
    assert own == ["grader.frozen_heap"]
    assert set(LIBRARY_PRELOAD) <= set(candidate_preload(()))


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.skipif(not has_forkserver(), reason="no fork servers on this platform")
def test_judges_and_candidates_servers_are_forked_from_the_libraries_server(engine_kit):
    result = grade(load_submission(ENGINE_SUBMISSIONS / "correct", engine_kit), engine_kit)
    assert result.score == result.max_score
    servers = default_sandbox().server_pids()
    assert {"libraries", "judges"} <= set(servers)
    assert _parent(servers["judges"]) == servers["libraries"]
    candidates = {pid for role, pid in servers.items() if role.startswith("candidates")}
    shared = {pid for pid in candidates if _parent(pid) == servers["libraries"]}
    assert shared  # the engine kit's exercise forbids nothing
    for pid in candidates - shared:
        # A from-scratch exercise's server (graded earlier in this process): on its own,
        # with scikit-learn not even mapped.
        assert "sklearn" not in Path(f"/proc/{pid}/maps").read_text()
