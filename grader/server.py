"""A warm grading server that outlives `mlgrade run`, so the next run skips start-up.

The first `mlgrade run` grades in its own process, then leaves this server behind: it
keeps the fork server (numpy, scikit-learn, pytest, hypothesis already imported) and
the collected suites. Later runs send their request over a Unix socket that only this
user can open; the server grades with the same library and sandbox as the command
would and answers with the result's JSON. It exits after ten idle minutes. Candidate
code never runs in it, only in the sandboxed children it forks.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import functools
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path

from grader import __version__, errors
from grader.results import GradeResult, from_json, to_json
from grader.userdirs import runtime_dir

IDLE_SECONDS = 600.0
SWITCH_ENV = "MLGRADE_SERVER"  # "0": never use or start a server
MESSAGE_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    """What `mlgrade run` asks: grade these exercises of this workspace."""

    cwd: str
    directory: str
    kit: str
    ids: tuple[str, ...]
    suite: str
    jobs: int


def enabled() -> bool:
    """Whether `mlgrade run` may use a server: not when switched off, nor on CI, nor
    where the host cannot fork (a server's warm children are forked)."""
    if os.environ.get(SWITCH_ENV, "1") == "0" or os.environ.get("CI"):
        return False
    from grader import host

    return host.current().fork and host.current().sessions


@functools.cache
def fingerprint() -> str:
    """Names the code a server runs: a server of another version or source is not used."""
    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0{sys.executable}".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _paths() -> tuple[Path, Path]:
    folder = runtime_dir()
    name = f"server-{fingerprint()}"
    return folder / f"{name}.sock", folder / f"{name}.key"


def _connect(socket_path: Path, key_path: Path, timeout: float) -> Connection | None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return Client(str(socket_path), family="AF_UNIX", authkey=key_path.read_bytes())
        except (OSError, EOFError, ValueError):
            pass  # not listening (yet)
        except AuthenticationError:
            return None  # a key that is not the listening server's
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def request_grade(request: Request) -> GradeResult | None:
    """The result from a running server, or None when none answers (grade locally then).

    Raises the library's own error for a problem with the request (unknown exercise,
    unreadable workspace), as a local grading would.
    """
    socket_path, key_path = _paths()
    if not socket_path.exists():
        return None
    conn = _connect(socket_path, key_path, timeout=0.5)
    if conn is None:
        return None
    try:
        with conn:
            conn.send_bytes(json.dumps(asdict(request)).encode())
            reply = json.loads(conn.recv_bytes(MESSAGE_MAX_BYTES))
    except (OSError, EOFError, ValueError):
        return None  # the server went away mid-request
    if "result" in reply:
        return from_json(reply["result"])
    kind = getattr(errors, str(reply.get("kind")), None)
    if isinstance(kind, type) and issubclass(kind, errors.MlgradeError):
        raise kind(str(reply.get("error", "")))
    return None  # an internal failure: the local run reports it properly


def start_in_background(kit: Path) -> None:
    """Leave a server behind for the next run, warmed up on this kit's suites."""
    package_root = str(Path(__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": package_root + (os.pathsep + path if path else "")}
    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-P", "-m", "grader.server", "--kit", str(kit.resolve())],
            cwd="/",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )


def _handle(raw: bytes) -> dict[str, str]:
    from grader.catalogue import find_kit
    from grader.grading import grade
    from grader.workspace import load_submission

    request = Request(**json.loads(raw))
    # Relative paths in messages read as they would in the candidate's own process.
    os.chdir(request.cwd)
    try:
        kit = find_kit(Path(request.kit))
        ids = list(request.ids)
        submission = load_submission(Path(request.directory), kit, ids)
        result = grade(submission, kit, ids, suite=request.suite, jobs=request.jobs)
        return {"result": to_json(result)}
    except errors.MlgradeError as exc:
        return {"error": str(exc), "kind": type(exc).__name__}
    finally:
        os.chdir("/")


def _warm_up(kit_root: Path) -> None:
    """Start the fork server with every suite's imports and collect every suite once."""
    from grader.catalogue import load_kit
    from grader.grading import default_sandbox

    with contextlib.suppress(errors.MlgradeError):
        kit = load_kit(kit_root)
        for suite in ("hidden", "public"):
            exercises = [ex for ex in kit.exercises if suite == "public" or ex.has_hidden]
            default_sandbox().collect_all(exercises, suite, jobs=1)


def serve(kit_root: Path | None, idle_seconds: float = IDLE_SECONDS) -> None:
    """Answer grading requests until idle for `idle_seconds`; one server per fingerprint."""
    import fcntl  # POSIX only, as the server is (see enabled)

    socket_path, key_path = _paths()
    lock_path = socket_path.with_suffix(".lock")
    lock = open(lock_path, "a")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server is warming up or answering already
    try:
        current = os.stat(lock_path)
    except FileNotFoundError:
        return  # the previous server removed it as we opened it: the next start wins
    if (current.st_dev, current.st_ino) != (
        os.fstat(lock.fileno()).st_dev,
        os.fstat(lock.fileno()).st_ino,
    ):
        return
    # Removed on every way out, so `kill $(cat ...lock)` never names a reused pid.
    atexit.register(_remove, lock_path)
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")  # who to stop: `kill $(cat server-*.lock)`
    lock.flush()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        _serve_locked(kit_root, idle_seconds, socket_path, key_path)
    finally:
        # The socket itself is removed by the listener's own exit handler.
        with contextlib.suppress(OSError):
            key_path.unlink()
        _remove(lock_path)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _serve_locked(
    kit_root: Path | None, idle_seconds: float, socket_path: Path, key_path: Path
) -> None:
    with contextlib.suppress(FileNotFoundError):
        socket_path.unlink()  # left by a server that was killed
    key = secrets.token_bytes(32)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    os.chdir("/")
    if kit_root is not None:
        _warm_up(kit_root)
    listener = Listener(str(socket_path), family="AF_UNIX", authkey=key)
    os.chmod(socket_path, 0o600)
    last_seen = [time.monotonic()]
    busy = threading.Lock()

    def stop_when_idle() -> None:
        while True:
            time.sleep(min(1.0, idle_seconds / 4))
            with busy:
                if time.monotonic() - last_seen[0] > idle_seconds:
                    with contextlib.suppress(OSError):
                        key_path.unlink()
                    # The main thread is blocked in accept(): run the exit handlers
                    # (they remove the socket and the staged suites) here, then leave.
                    atexit._run_exitfuncs()
                    os._exit(0)

    threading.Thread(target=stop_when_idle, daemon=True).start()
    while True:
        try:
            conn = listener.accept()
        except (OSError, EOFError, ValueError, AuthenticationError):
            continue  # a client that went away or failed the handshake
        with busy, conn:
            try:
                reply = _handle(conn.recv_bytes(MESSAGE_MAX_BYTES))
            except Exception as exc:  # noqa: BLE001 - never let one request end the server
                reply = {"error": f"{type(exc).__name__}: {exc}", "kind": "internal"}
            with contextlib.suppress(OSError):
                conn.send_bytes(json.dumps(reply).encode())
            last_seen[0] = time.monotonic()


def main(argv: list[str] | None = None) -> None:
    """`python -m grader.server [--kit DIR] [--idle SECONDS]`."""
    parser = argparse.ArgumentParser(prog="python -m grader.server")
    parser.add_argument("--kit", type=Path, default=None)
    parser.add_argument("--idle", type=float, default=IDLE_SECONDS)
    args = parser.parse_args(argv)
    serve(args.kit, args.idle)


if __name__ == "__main__":
    main()
