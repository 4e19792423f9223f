"""A candidate's module served by a forked process, as a suite sees it through the link."""

from __future__ import annotations

import multiprocessing
import os
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grader.judge.link import CandidateLink, RemoteModule


def _serve(source: str, conn, other_end) -> None:
    from grader.candidate.process import forward_logs
    from grader.link.remote import Endpoint

    other_end.close()  # the judge's end, inherited by the fork: EOF must reach us
    module = types.ModuleType("answer")
    exec(compile(source, "answer.py", "exec"), module.__dict__)
    endpoint = Endpoint(conn, "c", source_file="answer.py")
    forward_logs(endpoint)
    endpoint.event("confined", {"pid_namespace": False})
    endpoint.event("ready", module)
    endpoint.serve_forever()
    os._exit(0)


@pytest.fixture
def serve_answer(tmp_path: Path) -> Iterator[Callable[[str], RemoteModule]]:
    """Serve a module's source from a forked process; the suite's view of that module."""
    started = []

    def start(source: str) -> RemoteModule:
        source = textwrap.dedent(source)
        context = multiprocessing.get_context("fork")
        judge_end, candidate_end = context.Pipe(duplex=True)
        process = context.Process(
            target=_serve, args=(source, candidate_end, judge_end), daemon=True
        )
        process.start()
        candidate_end.close()
        started.append((process, judge_end))
        path = tmp_path / "answer.py"
        path.write_text(source)
        link = CandidateLink(judge_end, path)
        return RemoteModule("answer", path, link.wait_until_ready)

    yield start
    # A later fork holds a copy of each earlier judge's end: closed from the last, each
    # process's end of the stream comes as soon as the one after it has exited.
    for _, judge_end in started:
        judge_end.close()
    for process, _ in reversed(started):
        process.join(5)
        if process.is_alive():
            process.kill()
