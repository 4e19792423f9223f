"""Pid namespaces made by the candidates' fork server: each process it forks is the first
of a namespace of its own, so no outer process has to stand between the grader and it.

The server calls unshare(CLONE_NEWPID) just before each fork (the child is then pid 1 of
a new namespace) and setns back to its own namespace just after, as unshare refuses to
make another while the last one is still where children go. A child checks where it
landed before it jails itself (see `placement`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass

from grader.candidate import syscalls

FRESH = "fresh"  # pid 1 of a namespace made for this process alone
SPLIT = "split"  # in the server's own namespace: the jail makes one itself (an outer process)
REFUSE = "refuse"  # anywhere else: another candidate's namespace, so run nothing
# A server that cannot return to its own namespace ends with this status (the grader
# starts another for the next candidate).
LOST_EXIT = 70


@dataclass
class _Server:
    pid: int
    own: int  # a descriptor of the server's own pid namespace
    made: bool = False  # the last fork went into a namespace made for it


_server: _Server | None = None
# The name of the server's namespace, as /proc/self/ns/pid reads: its children keep it.
_server_namespace = ""


def offer() -> bool:
    """From now on each fork of this process starts a pid namespace of its own, where the
    kernel allows it (root, or a user namespace's owner); whether it does."""
    global _server, _server_namespace
    if _server is not None or not sys.platform.startswith("linux"):
        return _server is not None
    try:
        own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return False
    # Tried once here: where it is refused, forks stay as they were.
    if not (syscalls.unshare(syscalls.CLONE_NEWPID) and syscalls.setns(own, syscalls.CLONE_NEWPID)):
        os.close(own)
        return False
    _server = _Server(os.getpid(), own)
    _server_namespace = namespace
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork, after_in_child=_in_child)
    return True


def _before_fork() -> None:
    server = _server
    if server is not None and os.getpid() == server.pid:
        server.made = syscalls.unshare(syscalls.CLONE_NEWPID)


def _after_fork() -> None:
    server = _server
    if server is None or os.getpid() != server.pid or not server.made:
        return
    server.made = False
    if not syscalls.setns(server.own, syscalls.CLONE_NEWPID):
        # Its next child would join the namespace just made, another candidate's.
        os._exit(LOST_EXIT)


def _in_child() -> None:
    global _server
    server = _server
    if server is not None and os.getpid() != server.pid:
        _server = None
        with contextlib.suppress(OSError):
            os.close(server.own)


def placement(pid: int, namespace: str, server_namespace: str) -> str:
    """Where a forked child stands (FRESH, SPLIT or REFUSE): its pid, the name of its pid
    namespace, and that of its server's ("" when the server made none)."""
    if pid == 1:
        return FRESH
    if not server_namespace or namespace == server_namespace:
        return SPLIT
    return REFUSE


def where_am_i() -> str:
    """This process's placement (see placement)."""
    namespace = ""
    if _server_namespace:
        with contextlib.suppress(OSError):
            namespace = os.readlink("/proc/self/ns/pid")
    return placement(os.getpid(), namespace, _server_namespace)
