"""What the warm servers preload: never a library the exercise forbids, one candidates' server
shared by every exercise that forbids none of the usual ones, and the judges' and candidates'
servers forked from one holding only the libraries they share."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.grading import default_sandbox, grade
from grader.sandbox.forkservers import (
    CANDIDATE_OWN_MODULES,
    CANDIDATE_PRELOAD,
    LIBRARY_PRELOAD,
    LIBRARY_ROOTS,
    NUMPY_PRELOAD,
    SHARED_MODULES,
    candidate_preload,
    has_forkserver,
    shares_libraries,
    shares_numpy,
)
from grader.workspace import load_submission
from tests.conftest import ENGINE_SUBMISSIONS

# numpy aside: the candidate's process carries arrays as numpy buffers, so no exercise bans it.
LIBRARIES = sorted(
    {name.partition(".")[0] for name in CANDIDATE_PRELOAD} - {"numpy"} | {"flask", "django"}
)
OWN_MODULES = [*SHARED_MODULES, *CANDIDATE_OWN_MODULES]


@given(st.lists(st.sampled_from(LIBRARIES), unique=True).map(tuple))
def test_a_server_never_preloads_what_its_exercise_forbids(forbidden):
    preload = candidate_preload(forbidden)
    # Its own modules after the libraries, then the heap frozen with all of them in it.
    assert preload[-len(OWN_MODULES) :] == OWN_MODULES
    assert preload[-1] == "grader.sandbox.frozen_heap"
    assert not {name.partition(".")[0] for name in preload} & set(forbidden)
    if not shares_libraries(forbidden):
        assert {"sklearn", "scipy", "joblib"} & set(forbidden)


def test_a_from_scratch_exercise_s_server_holds_numpy_alone():
    assert candidate_preload(("sklearn",)) == ["numpy", *OWN_MODULES]
    assert not shares_libraries(("sklearn",))


PACKAGES = sorted(LIBRARY_ROOTS | {"flask", "pytest", "hypothesis", "json", "grader"})


@given(
    st.lists(st.sampled_from(LIBRARIES), unique=True).map(tuple),
    st.frozensets(st.sampled_from(PACKAGES)),
)
def test_a_narrowed_server_loads_only_the_usual_libraries_the_exercise_uses(forbidden, uses):
    narrowed = candidate_preload(forbidden, uses)
    assert narrowed[-len(OWN_MODULES) :] == OWN_MODULES
    libraries = narrowed[: -len(OWN_MODULES)]
    # What the full server would load, in its order, of the packages used and allowed:
    # never a test framework or a module of the grader's.
    assert libraries == [
        name
        for name in candidate_preload(forbidden)[: -len(OWN_MODULES)]
        if name.partition(".")[0] in uses
    ]
    assert not {name.partition(".")[0] for name in libraries} - LIBRARY_ROOTS


def test_an_exercise_alone_preloads_the_libraries_its_files_use(real_kit):
    """persistence's answers save scikit-learn models with joblib (its suites import both);
    model_api's files use numpy alone, and a server for its answers holds no scikit-learn."""
    persistence, model_api = real_kit.get("persistence"), real_kit.get("model_api")
    assert {"sklearn", "joblib"} <= persistence.packages_used()
    assert "sklearn.linear_model" in candidate_preload(
        persistence.forbidden_imports, persistence.packages_used()
    )
    assert "numpy" in model_api.packages_used() and "sklearn" not in model_api.packages_used()
    alone = candidate_preload(model_api.forbidden_imports, model_api.packages_used())
    assert "numpy" in alone and not [name for name in alone if name.startswith("sklearn")]


def test_banning_only_web_frameworks_shares_the_usual_server():
    serving = ("flask", "fastapi", "starlette", "django", "bottle", "falcon", "aiohttp")
    assert candidate_preload(serving) == candidate_preload(())
    assert "sklearn.ensemble" in candidate_preload(())
    assert shares_libraries(serving)


def test_the_libraries_server_holds_neither_side():
    """What candidates' processes inherit from it: only what their own server loads anyway,
    never the judge's code, a suite's, or the candidates' (their server adds that)."""
    for preload in (LIBRARY_PRELOAD, NUMPY_PRELOAD):
        own = [name for name in preload if name.partition(".")[0] == "grader"]
        assert own == [*SHARED_MODULES, "grader.sandbox.frozen_heap"]
    assert set(LIBRARY_PRELOAD) <= set(candidate_preload(()))


def test_the_shared_modules_load_nothing_of_either_side():
    """What the first server imports once for all: the link, the jobs, the cage. Loading it
    brings in no module of the judge's or the candidate's side, and no library but numpy."""
    import subprocess
    import sys

    loaded = subprocess.run(
        [sys.executable, "-c", SHOW_LOADED, ",".join(SHARED_MODULES)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(",")
    assert "grader.link.remote" in loaded
    sides = [n for n in loaded if n.startswith(("grader.judge", "grader.candidate"))]
    assert sides == []
    assert not {"sklearn", "scipy", "pytest", "hypothesis"} & set(loaded)


SHOW_LOADED = """
import sys
for name in sys.argv[1].split(","):
    __import__(name)
print(",".join(sorted(sys.modules)))
"""


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.skipif(not has_forkserver(), reason="no fork servers on this platform")
def test_judges_and_candidates_servers_are_forked_from_the_libraries_server(engine_kit):
    result = grade(load_submission(ENGINE_SUBMISSIONS / "correct", engine_kit), engine_kit)
    assert result.score == result.max_score
    servers = default_sandbox().server_pids()
    assert {"numpy", "libraries", "judges"} <= set(servers)
    assert _parent(servers["libraries"]) == servers["numpy"]
    # The engine kit imports no scikit-learn, yet the server shared by every later
    # grading of this process (another kit's too) holds it.
    assert "/sklearn/" in Path(f"/proc/{servers['libraries']}/maps").read_text()
    assert _parent(servers["judges"]) == servers["libraries"]
    candidates = {pid for role, pid in servers.items() if role.startswith("candidates")}
    shared = {pid for pid in candidates if _parent(pid) == servers["libraries"]}
    assert shared  # the engine kit's exercise forbids nothing
    for pid in candidates - shared:
        # A from-scratch exercise's server (graded earlier in this process): forked from
        # the numpy server, with scikit-learn not even mapped.
        assert _parent(pid) == servers["numpy"]
        assert "sklearn" not in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.skipif(not has_forkserver(), reason="no fork servers on this platform")
def test_a_from_scratch_exercise_s_server_shares_numpy_but_holds_no_scikit_learn(real_kit):
    """Forked from the numpy server, which maps numpy's libraries and nothing of scipy or
    scikit-learn, as the from-scratch server itself does not."""
    assert shares_numpy(("sklearn",)) and not shares_numpy(("numpy",))
    sandbox = default_sandbox()
    from_scratch = [ex for ex in real_kit.exercises if "sklearn" in ex.forbidden_imports]
    context = sandbox._candidate_server(from_scratch[0])
    context.server.ensure_running()
    servers = sandbox.server_pids()
    assert _parent(context.server_pid) == servers["numpy"]
    for pid in (servers["numpy"], context.server_pid):
        maps = Path(f"/proc/{pid}/maps").read_text()
        assert "/numpy/" in maps
        assert "/sklearn/" not in maps and "/scipy/" not in maps


# Grades a submission (the exercises named by a third argument, if any) with a sandbox
# for one exercise (no full libraries' server) and prints the score, then each warm
# server's role, pid, parent's pid and whether it maps scikit-learn.
COLD_SERVERS = """
import sys
from pathlib import Path
from grader.catalogue import load_kit
from grader.grading import grade
from grader.sandbox.runner import Sandbox
from grader.workspace import load_submission
kit = load_kit(Path(sys.argv[1]))
sandbox = Sandbox(warm_engine=False)
ids = sys.argv[3].split(",") if len(sys.argv) > 3 else None
result = grade(load_submission(Path(sys.argv[2]), kit), kit, ids, sandbox=sandbox)
print(result.score, result.max_score)
for role, pid in sandbox.server_pids().items():
    parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
    sklearn = "/sklearn/" in Path(f"/proc/{pid}/maps").read_text()
    print(role, pid, parent, sklearn)
"""


@pytest.mark.skipif(not has_forkserver(), reason="no fork servers on this platform")
def test_one_exercise_alone_forks_its_judges_and_candidates_from_the_numpy_server():
    """No libraries' server for one exercise, yet numpy and the link are loaded once: both
    servers are forked from the numpy server, and the candidates' one holds no scikit-learn
    (none of the engine kit's files import it)."""
    from tests.conftest import FIXTURES

    parents, mapped = _cold_servers(FIXTURES / "kit", ENGINE_SUBMISSIONS / "correct")
    assert "libraries" not in parents
    numpy_pid = parents["numpy"][0]
    assert parents["judges"][1] == numpy_pid
    candidates = [role for role in parents if role.startswith("candidates")]
    assert candidates and all(parents[role][1] == numpy_pid for role in candidates)
    assert not any(mapped[role] for role in candidates)


def _cold_servers(kit: Path, submission: Path, *ids: str) -> tuple[dict, dict]:
    """Run COLD_SERVERS; check full marks; each server's (pid, parent) and whether it maps
    scikit-learn, by role."""
    import subprocess
    import sys

    command = [sys.executable, "-c", COLD_SERVERS, str(kit), str(submission)]
    run = subprocess.run(
        [*command, ",".join(ids)] if ids else command, capture_output=True, text=True, check=True
    )
    score, *servers = run.stdout.splitlines()
    assert score.split()[0] == score.split()[1]
    parents, mapped = {}, {}
    for line in servers:
        role, pid, parent, sklearn = line.rsplit(maxsplit=3)
        parents[role], mapped[role] = (pid, parent), sklearn == "True"
    return parents, mapped


def test_what_both_sides_load_is_shared_only_where_both_load_it(real_kit):
    """Alone, an exercise's shared server holds the library modules both its suite and its
    answers load, no more: none for one that forbids them or has no answer to import."""
    from grader.sandbox.forkservers import shared_by_both, suite_imports

    by_id = {ex.id: ex for ex in real_kit.exercises}
    imbalance = by_id["imbalance"]
    shared = shared_by_both([imbalance], suite_imports([imbalance], "hidden"))
    assert {"sklearn", "sklearn.metrics"} <= set(shared)
    assert "sklearn.ensemble" not in shared  # the answers' server imports it alongside
    assert "numpy" not in shared
    assert not shared_by_both([imbalance], ("pytest", "numpy"))
    for exercise in real_kit.exercises:
        if not exercise.module or "sklearn" in exercise.forbidden_imports:
            assert not shared_by_both([exercise], ("sklearn", "sklearn.metrics", "scipy"))


@pytest.mark.skipif(not has_forkserver(), reason="no fork servers on this platform")
def test_one_exercise_using_scikit_learn_on_both_sides_loads_it_once():
    """imbalance's suite and answers both import scikit-learn: graded alone, a server
    forked from the numpy one loads it, and the judges' and candidates' servers are both
    forked from that one, not each importing it (about 0.6 s of CPU)."""
    from tests.conftest import ROOT

    parents, mapped = _cold_servers(ROOT / "exercises", ROOT / "solutions", "imbalance")
    numpy_pid = parents["numpy"][0]
    assert parents["libraries"][1] == numpy_pid and mapped["libraries"]
    assert not mapped["numpy"]
    libraries_pid = parents["libraries"][0]
    assert parents["judges"][1] == libraries_pid
    candidates = [role for role in parents if role.startswith("candidates")]
    assert candidates and all(parents[role][1] == libraries_pid for role in candidates)


UNPICKLE_IN_FRESH_PROCESS = """
import pickle, sys
for name in sys.argv[1].split(","):
    __import__(name)
before = {name for name in sys.modules if name.startswith("grader")}
pickle.loads(bytes.fromhex(sys.stdin.read()))
print(",".join(sorted({name for name in sys.modules if name.startswith("grader")} - before)))
"""


@pytest.mark.parametrize("side", ["judge", "candidate"])
def test_a_forked_child_unpickles_its_start_without_importing(side, tmp_path):
    """What a server sends its child (the entry point, the job, its cage) comes from modules
    the server preloaded: no child imports, or compiles, grader code of its own."""
    import pickle
    import subprocess
    import sys

    from grader.candidate.entry import run as run_candidate
    from grader.job import CandidateJob, JudgeJob
    from grader.judge.entry import run as run_judge
    from grader.sandbox.cgroups import Cage
    from grader.sandbox.forkservers import JUDGE_OWN_MODULES

    cage = Cage("run-1-abc", "v1", {"pids": tmp_path})
    if side == "judge":
        job: object = JudgeJob(
            tmp_path, tmp_path, tmp_path, "a.py", "a", (), 64, 5, False, None, "t", cage=cage
        )
        start, preload = (run_judge, (job,)), JUDGE_OWN_MODULES
    else:
        job = CandidateJob(tmp_path, tmp_path, "a.py", "a", (), (), 64, 5, 16, cage=cage)
        start, preload = (run_candidate, (job,)), CANDIDATE_OWN_MODULES
    result = subprocess.run(
        [sys.executable, "-c", UNPICKLE_IN_FRESH_PROCESS, ",".join(preload)],
        input=pickle.dumps(start).hex(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == ""
