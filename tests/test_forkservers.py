"""What the candidates' warm servers preload: never a library the exercise forbids, and one
server shared by every exercise that forbids none of the usual ones."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grader.forkservers import CANDIDATE_PRELOAD, candidate_preload

# numpy aside: the candidate's process carries arrays as numpy buffers, so no exercise bans it.
LIBRARIES = sorted(
    {name.partition(".")[0] for name in CANDIDATE_PRELOAD} - {"numpy"} | {"flask", "django"}
)


@given(st.lists(st.sampled_from(LIBRARIES), unique=True).map(tuple))
def test_a_server_never_preloads_what_its_exercise_forbids(forbidden):
    preload = candidate_preload(forbidden)
    assert preload[0] == "grader.candidate.process"
    assert not {name.partition(".")[0] for name in preload} & set(forbidden)


def test_a_from_scratch_exercise_s_server_holds_numpy_alone():
    assert candidate_preload(("sklearn",)) == ["grader.candidate.process", "numpy"]


def test_banning_only_web_frameworks_shares_the_usual_server():
    serving = ("flask", "fastapi", "starlette", "django", "bottle", "falcon", "aiohttp")
    assert candidate_preload(serving) == candidate_preload(())
    assert "sklearn.ensemble" in candidate_preload(())
