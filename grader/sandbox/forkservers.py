"""Warm fork servers of our own: one for judges, one per kind of candidate's process.

multiprocessing keeps a single fork server per process, preloaded once; the judge
and the candidate need different preloads (the candidate's must hold neither the
suite nor a library a from-scratch exercise forbids), so each gets its own. Both are
forked from a server holding numpy and the modules both sides run; where memory counts,
through one that also holds the libraries they share, and for one exercise alone, through
one holding what both its sides load, if anything (a from-scratch exercise's server is
forked from the numpy one all the same).
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.forkserver
import multiprocessing.reduction
import multiprocessing.resource_tracker
import multiprocessing.spawn
import os
import site
import socket
import threading
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import host
from grader.sandbox.frame_room import with_frame_room
from grader.sandbox.quick_frame_checks import answer_plain_values_at_once

if TYPE_CHECKING:
    from grader.catalogue import Exercise

CHILD_NAME = "mlgrade-child"
# Re-entrant: starting a process from a forked server may first start that server.
_LAUNCH_LOCK = threading.RLock()
_preparation_data = multiprocessing.spawn.get_preparation_data


_SERVERS: dict[str, multiprocessing.forkserver.ForkServer] = {}


class _ServedProcess(multiprocessing.context.ForkServerProcess):
    """A Process started by one of our fork servers (named by `server_key`)."""

    server_key = ""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _ServedPopen(process_obj)


def _served_popen_class() -> type:
    import multiprocessing.popen_forkserver as popen

    class ServedPopen(popen.Popen):
        def _launch(self, process_obj: Any) -> None:
            server = _SERVERS[process_obj.server_key]
            redirect = types.SimpleNamespace(
                connect_to_new_process=server.connect_to_new_process,
                read_signed=multiprocessing.forkserver.read_signed,
            )
            # popen_forkserver reaches the fork server through its module global.
            with _LAUNCH_LOCK:
                saved = popen.forkserver
                popen.forkserver = redirect  # type: ignore[assignment]
                try:
                    super()._launch(process_obj)
                finally:
                    popen.forkserver = saved

    return ServedPopen


_ServedPopen: Any = (
    _served_popen_class() if "forkserver" in multiprocessing.get_all_start_methods() else None
)


class ForkServerContext:
    """A fork server of our own, and Processes started from it.

    multiprocessing keeps one fork server per process; the judge and the candidate
    need one each, preloaded with different modules (the candidate's must not hold
    the suite, nor a library a from-scratch exercise forbids).
    """

    def __init__(
        self, key: str, preload: list[str], *, forked_from: ForkServerContext | None = None
    ) -> None:
        """`forked_from`: the server this one is forked from, rather than started afresh."""
        self.key = key
        self.server = (
            _ForkedServer(forked_from)
            if forked_from is not None
            else multiprocessing.forkserver.ForkServer()
        )
        self.server.set_forkserver_preload(preload)
        _SERVERS[key] = self.server

    def Process(self, **kwargs: Any) -> _ServedProcess:  # noqa: N802 - mirrors multiprocessing
        process = _ServedProcess(**kwargs)
        process.server_key = self.key
        return process

    @property
    def server_pid(self) -> int | None:
        """The server's process, once started."""
        return self.server._forkserver_pid

    def set_preload(self, preload: list[str]) -> None:
        self.server.set_forkserver_preload(preload)

    def fork_from(self, parent: ForkServerContext) -> None:
        """Have another server fork this one, if it is not running yet."""
        if isinstance(self.server, _ForkedServer) and self.server_pid is None:
            self.server._parent = parent


class _PassedFd:
    """A file descriptor for a process a fork server starts: it receives a duplicate."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        return _received_fd, (multiprocessing.reduction.DupFd(self.fd),)


def _received_fd(duplicate: Any) -> int:
    return duplicate.detach()


def _serve(listener: int, alive: int, preload: list[str]) -> None:
    """A fork server's loop, in a process another fork server started."""
    with_frame_room(_import_all, preload)
    # Before the heap is frozen: every process forked from here checks plain inputs fast.
    answer_plain_values_at_once()
    # grader.sandbox.frozen_heap froze the heap once, in the first server of the chain: importing
    # it again does nothing, so what this server loaded on top is frozen here.
    gc.freeze()
    multiprocessing.forkserver.main(listener, alive, [])


def _import_all(names: list[str]) -> None:
    for name in names:
        try:
            __import__(name)
        except ImportError:  # as multiprocessing's own server does: the child will say
            pass


class _ForkedServer(multiprocessing.forkserver.ForkServer):
    """A fork server that another one forks instead of a new interpreter: what that one
    preloaded is shared, page for page, by every server forked from it and their children."""

    def __init__(self, parent: ForkServerContext) -> None:
        super().__init__()
        self._parent = parent
        self._process: Any = None

    def ensure_running(self) -> None:
        # The launch lock first, as every Process start takes it: one order, no deadlock.
        with _LAUNCH_LOCK, self._lock:
            multiprocessing.resource_tracker.ensure_running()
            if self._process is not None and self._process.is_alive():
                return
            if self._forkserver_alive_fd is not None:
                os.close(self._forkserver_alive_fd)
            with socket.socket(socket.AF_UNIX) as listener:
                address = multiprocessing.connection.arbitrary_address("AF_UNIX")
                listener.bind(address)
                os.chmod(address, 0o600)
                listener.listen()
                # Every client holds the write end; the server stops once all are gone.
                alive_r, alive_w = os.pipe()
                try:
                    process = self._parent.Process(
                        target=_serve,
                        args=(_PassedFd(listener.fileno()), _PassedFd(alive_r)),
                        kwargs={"preload": list(self._preload_modules)},
                        name=CHILD_NAME,
                        # Daemonic: at exit multiprocessing ends it instead of waiting.
                        daemon=True,
                    )
                    process.start()
                except BaseException:
                    os.close(alive_w)
                    raise
                finally:
                    os.close(alive_r)
            self._forkserver_address = address
            self._forkserver_alive_fd = alive_w
            self._forkserver_pid = process.pid
            self._process = process


def _preparation_without_main(name: str) -> dict[str, Any]:
    """multiprocessing re-imports the parent's __main__ in every child; ours need only
    grader.judge.process or grader.candidate.process, and a main script without a __name__ guard (or stdin) would break."""
    data = _preparation_data(name)
    if name == CHILD_NAME:
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


multiprocessing.spawn.get_preparation_data = _preparation_without_main


def own_code_path() -> dict[str, str]:
    """PYTHONPATH that makes the fork server import this very copy of mlgrade.

    The server is a new interpreter that imports our modules by name, and Python 3.11
    ignores the parent's import path there: run from a source folder, the children
    would otherwise run whichever mlgrade is installed, perhaps another version.
    """
    root = Path(__file__).resolve().parents[2]
    installed = {Path(p).resolve() for p in (*site.getsitepackages(), site.getusersitepackages())}
    if root in installed:
        return {}
    current = os.environ.get("PYTHONPATH", "")
    if current.split(os.pathsep)[0] == str(root):
        return {}
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(root), current) if p)}


def has_forkserver() -> bool:
    """Whether children start from warm fork servers here (else they are spawned)."""
    return host.current().start_method == "forkserver"


# What the candidates' fork server loads in advance: the libraries answers import,
# one server for every exercise that forbids none of them (a from-scratch exercise
# gets a server without the library it forbids).
CANDIDATE_PRELOAD = (
    "numpy",
    "scipy",
    "scipy.stats",
    "joblib",
    "sklearn",
    "sklearn.base",
    "sklearn.dummy",
    "sklearn.ensemble",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.model_selection",
    "sklearn.neighbors",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "sklearn.tree",
    "sklearn.utils",
)


# Libraries whose ban makes an exercise "from scratch": its answers are numpy code, so its
# server holds numpy alone (scipy and joblib would add about 65 MB to a server few of its
# answers use; one that imports them pays the import in its own process).
FROM_SCRATCH_BANS = frozenset({"sklearn"})

# The packages of the usual libraries: a module of one of them may go in a shared server.
LIBRARY_ROOTS = frozenset(name.partition(".")[0] for name in CANDIDATE_PRELOAD)


# Each side's own code, preloaded too: what a forked child unpickles (its entry point, its
# job and the job's cage) and runs, so that no child imports, let alone compiles, it again.
# The candidates' server also gives each child a pid namespace of its own as it forks.
CANDIDATE_OWN_MODULES = (
    "grader.sandbox.cgroups",
    "grader.candidate.entry",
    "grader.candidate.limits",
    "grader.candidate.process",
    "grader.candidate.namespace_per_fork",
    "grader.sandbox.frozen_heap",
)
JUDGE_OWN_MODULES = ("grader.sandbox.cgroups", "grader.judge.entry", "grader.judge.process")


# What both sides run, and so every server of the chain: the link between them, the jobs
# they unpickle, their cage and CPU, and the frame room of their loops. Imported (and,
# where bytecode is not written, compiled) once, by the first server of the chain.
SHARED_MODULES = (
    "grader.sandbox.forkservers",
    "grader.link.remote",
    "grader.job",
    "grader.sandbox.cgroups",
    "grader.sandbox.placement",
    "grader.sandbox.frame_room",
)


def candidate_preload(
    forbidden_imports: tuple[str, ...], uses: frozenset[str] | None = None
) -> list[str]:
    """What a candidate's fork server loads: the usual libraries, none it forbids, and only
    numpy for a from-scratch exercise; then the shared modules and its own, and the heap
    frozen.

    `uses`, the packages one exercise's files import, keeps only the usual libraries among
    them: a server that answers one exercise once (a cold `mlgrade run`) would spend more
    importing scikit-learn for answers that never use it than it saves. (Which packages
    an exercise's files use is all it shows of the hidden suite, never what it does.)
    """
    return [*_usual_libraries(forbidden_imports, uses), *SHARED_MODULES, *CANDIDATE_OWN_MODULES]


def _usual_libraries(forbidden_imports: tuple[str, ...], uses: frozenset[str] | None) -> list[str]:
    forbidden = set(forbidden_imports)
    usual = ("numpy",) if forbidden & FROM_SCRATCH_BANS else CANDIDATE_PRELOAD
    allowed = [name for name in usual if name.partition(".")[0] not in forbidden]
    if uses is not None:
        allowed = [name for name in allowed if name.partition(".")[0] in uses]
    return allowed


def shares_numpy(forbidden_imports: tuple[str, ...]) -> bool:
    """Whether this exercise's candidates' server may be forked from the numpy server."""
    return "numpy" not in forbidden_imports


def shares_libraries(forbidden_imports: tuple[str, ...]) -> bool:
    """Whether this exercise's candidates' server may be forked from the libraries' server:
    only where it forbids none of them (a forbidden one must not even be in memory)."""
    return not set(forbidden_imports) & LIBRARY_ROOTS


def libraries_preload(libraries: list[str]) -> list[str]:
    """A libraries' server's preload: these libraries, the shared modules, the heap frozen."""
    return [*libraries, *SHARED_MODULES, "grader.sandbox.frozen_heap"]


# What the libraries' server loads: what both judges and candidates use, and nothing of
# either side (no suite, no oracle, no jail); the last module freezes the heap. All of the
# usual libraries, whatever the first exercises graded use: a long-lived grader (a batch,
# the warm server, a test session) goes on to grade others with the same server.
LIBRARY_PRELOAD = libraries_preload(list(CANDIDATE_PRELOAD))

# The first server of the chain: numpy and the shared modules, which every process of a
# grading run loads. The libraries' server and a from-scratch exercise's candidates'
# server are both forked from it, so even the server that must not hold scikit-learn
# shares numpy's pages.
NUMPY_PRELOAD = libraries_preload(["numpy"])


def shared_by_both(exercises: list[Exercise], judged: tuple[str, ...]) -> list[str]:
    """The usual libraries' modules beyond numpy that both sides of these exercises load:
    their candidates' servers (narrowed to what each exercise's files use) and the judges'
    one, which imports the `judged` modules. Without the libraries' server, a server of
    these alone lets the two import them once instead of once each; what only one side
    loads, it imports itself, alongside the other."""
    loaded = {name.rsplit(".", depth)[0] for name in judged for depth in range(name.count(".") + 1)}
    found: dict[str, None] = {}
    for exercise in exercises:
        forbidden = exercise.forbidden_imports
        if exercise.module and shares_libraries(forbidden):
            uses = exercise.packages_used()
            found.update(dict.fromkeys(_usual_libraries(forbidden, uses)))
    return [name for name in found if name in loaded and name != "numpy"]


def suite_imports(exercises: list[Exercise], suite: str) -> tuple[str, ...]:
    """The trusted modules the suites import, without any exercise's own module."""
    own = {ex.module for ex in exercises if ex.module}
    found: dict[str, None] = {}
    for exercise in exercises:
        for name in exercise.suite_imports(suite):
            if name.partition(".")[0] not in own and name != "__future__":
                found[name] = None
    return tuple(found)
