"""Confine the candidate's process: its jail (namespaces, uid, seccomp) and its limits."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Any

from grader import host
from grader.sandbox.confinement import apply_limits

if TYPE_CHECKING:
    from grader.job import CandidateJob


def confine(job: CandidateJob) -> dict[str, Any]:
    """Jail this process, then set its resource limits; returns what is enforced.

    Where the host has no Linux sandbox, nothing is jailed and every protection is off.
    """
    offered = job.host or host.current()
    if not offered.sandbox:
        from grader.candidate.jail import PROTECTION_NAMES

        apply_limits(memory_mb=job.memory_mb, cpu_seconds=job.cpu_seconds, host=offered)
        return {key: ("" if key == "cgroup" else False) for key in PROTECTION_NAMES}
    from grader.candidate.jail import JailSpec, default_readable, enter_jail

    spec = JailSpec(
        run_dir=job.folder,
        readable=default_readable(),
        hidden=job.hidden_paths,
        cage=job.cage,
        memory_mb=job.memory_mb,
    )
    protections = enter_jail(spec)
    apply_limits(memory_mb=job.memory_mb, cpu_seconds=job.cpu_seconds, host=offered)
    # The judge ends this process by closing the link; a stray signal should not.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    return protections.to_dict()
