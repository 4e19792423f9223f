"""The link's byte stream cut into messages: an 8-byte length, then the message.

Every call between the judge and the candidate's process crosses here twice, so a
message is written with one `writev` (its parts are not joined first) and read with one
`read` when it fits in a chunk; bytes read past a message wait for the next one.
"""

from __future__ import annotations

import os
import struct
from typing import Any

from grader.link.wire import PeerGone, WireError

LENGTH = struct.Struct("<Q")
CHUNK = 256 * 1024
LARGE_READ = 4 * 1024 * 1024
SKIP_BUFFER = 64 * 1024
# writev takes at most IOV_MAX (1024 on Linux) parts at once.
MAX_PARTS = 512


class Frames:
    """Sends and receives whole messages over one end of a stream socket pair."""

    def __init__(self, conn: Any) -> None:
        # The connection stays its owner's, who closes it: its descriptor is asked for at
        # each use, so a closed link fails instead of writing to whatever reuses the number.
        self.conn = conn
        self._pending = b""
        self._broken: WireError | None = None

    def send(self, parts: list[bytes | memoryview]) -> None:
        """Write one message made of `parts`; PeerGone when the peer closed its end."""
        views = [memoryview(part).cast("B") for part in parts]
        total = sum(view.nbytes for view in views)
        views.insert(0, memoryview(LENGTH.pack(total)))
        if len(views) > MAX_PARTS:
            views = [memoryview(b"".join(views))]
        try:
            fd = self.conn.fileno()
            written = os.writev(fd, views)
            if written < total + LENGTH.size:  # a signal cut the write short
                rest = memoryview(b"".join(views))[written:]
                while rest:
                    rest = rest[os.write(fd, rest) :]
        except OSError as exc:
            raise PeerGone(f"the link to the other process is closed ({exc})") from None

    def receive(self, limit: int) -> bytes | bytearray:
        """Read one whole message; PeerGone at the end of the stream. WireError when the
        peer announces more than `limit` bytes, and from then on: the stream cannot be
        followed past it."""
        if self._broken is not None:
            raise self._broken
        data = self._pending
        while len(data) < LENGTH.size:
            data += self._read(CHUNK)
        (size,) = LENGTH.unpack_from(data)
        if size > limit:
            self._broken = WireError(f"a message announced as {size} bytes, over {limit}")
            raise self._broken
        end = LENGTH.size + size
        if len(data) >= end:
            self._pending = data[end:]
            return data[LENGTH.size : end]
        # Grown as the bytes arrive, never allocated from the announcement: a peer that
        # announces a large message and sends little costs only what it sent.
        message = bytearray(data[LENGTH.size :])
        self._pending = b""
        received = len(message)
        try:
            while received < size:
                chunk = self._read(min(size - received, LARGE_READ))
                received += len(chunk)
                message += chunk
        except MemoryError:
            # More than this process may hold (the judge's memory cap): the rest of the
            # message is read past, so that the next one starts in step, and the request
            # it answered fails.
            del message
            self._skip(size - received)
            raise
        return message

    def _skip(self, count: int) -> None:
        """Read `count` bytes of the stream into one small buffer, keeping none of them."""
        scratch = memoryview(bytearray(SKIP_BUFFER))
        while count:
            try:
                got = os.readv(self.conn.fileno(), [scratch[: min(count, SKIP_BUFFER)]])
            except OSError as exc:
                raise PeerGone(f"the link to the other process broke ({exc})") from None
            if not got:
                raise PeerGone("the other process ended")
            count -= got

    def _read(self, count: int) -> bytes:
        try:
            chunk = os.read(self.conn.fileno(), count)
        except OSError as exc:
            raise PeerGone(f"the link to the other process broke ({exc})") from None
        if not chunk:
            raise PeerGone("the other process ended")
        return chunk
