"""What this machine lets the candidate's jail enforce: learnt once, by jailing a
throw-away process exactly as a candidate's would be."""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from pathlib import Path

from grader import host
from grader.candidate.jail import PROTECTION_NAMES


def machine_protections() -> dict[str, bool | str]:
    """Each protection and whether a jailed process here really gets it (none where
    the host has no Linux sandbox)."""
    offered = host.current()
    if not offered.sandbox or not offered.fork:
        return {key: ("" if key == "cgroup" else False) for key in PROTECTION_NAMES}
    return _jailed_protections()


@functools.cache
def _jailed_protections() -> dict[str, bool | str]:
    """What a throw-away process jailed here gets (Linux only)."""
    from grader.candidate.jail import JailSpec, default_readable, enter_jail
    from grader.sandbox.cgroups import Cage

    folder = Path(tempfile.mkdtemp(prefix="mlgrade-probe-"))
    cage = Cage.create(f"probe-{os.getpid()}", memory_mb=256, max_tasks=16)
    read, write = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the probe child
            os.close(read)
            try:
                found = enter_jail(JailSpec(run_dir=folder, readable=default_readable(), cage=cage))
                os.write(write, json.dumps(found.to_dict()).encode())
            finally:
                os._exit(0)
        os.close(write)
        chunks = []
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
        os.waitpid(pid, 0)
    finally:
        os.close(read)
        if cage is not None:
            cage.kill()
            cage.remove()
        shutil.rmtree(folder, ignore_errors=True)
    try:
        found = json.loads(b"".join(chunks))
    except ValueError:
        found = {}
    return {key: found.get(key, "" if key == "cgroup" else False) for key in PROTECTION_NAMES}
