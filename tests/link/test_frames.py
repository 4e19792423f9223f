"""The link's framing: whole messages come out in order, however the stream cuts them."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.link.frames import CHUNK, LENGTH, Frames
from grader.link.wire import PeerGone, WireError


@pytest.fixture
def pair():
    left, right = socket.socketpair()
    yield left, right
    left.close()
    right.close()


def _parts(message: bytes, cuts: list[int]) -> list[bytes | memoryview]:
    points = sorted({c % (len(message) + 1) for c in cuts})
    pieces, start = [], 0
    for point in [*points, len(message)]:
        pieces.append(memoryview(message)[start:point] if point % 2 else message[start:point])
        start = point
    return pieces


@settings(max_examples=40, deadline=None)
@given(
    messages=st.lists(st.binary(max_size=300), min_size=1, max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=5),
)
def test_messages_come_out_whole_and_in_order(messages: list[bytes], cuts: list[int]) -> None:
    left, right = socket.socketpair()
    try:
        sender, receiver = Frames(left), Frames(right)
        for message in messages:
            sender.send(_parts(message, cuts))
        # Several small messages sit in the socket at once: one read takes them all.
        assert [bytes(receiver.receive(1 << 20)) for _ in messages] == messages
    finally:
        left.close()
        right.close()


def test_a_message_larger_than_a_read_arrives_whole(pair) -> None:
    left, right = pair
    big = os.urandom(3 * CHUNK + 17)
    after = b"next"
    writer = threading.Thread(target=lambda: [Frames(left).send([big]), Frames(left).send([after])])
    writer.start()
    receiver = Frames(right)
    assert bytes(receiver.receive(1 << 24)) == big
    assert bytes(receiver.receive(1 << 24)) == after
    writer.join()


def test_a_stream_cut_by_hand_is_reassembled(pair) -> None:
    left, right = pair
    message = b"hello, judge"
    raw = LENGTH.pack(len(message)) + message
    receiver = Frames(right)
    for byte in raw[:-1]:
        left.sendall(bytes([byte]))
    left.sendall(raw[-1:])
    assert bytes(receiver.receive(100)) == message


def test_an_oversized_announcement_breaks_the_link_for_good(pair) -> None:
    left, right = pair
    left.sendall(LENGTH.pack(10_000) + b"x" * 10 + LENGTH.pack(2) + b"ok")
    receiver = Frames(right)
    for _ in range(2):  # never read out of step with the writer
        with pytest.raises(WireError, match="over 100"):
            receiver.receive(100)


def test_a_closed_peer_is_peer_gone_on_both_ends(pair) -> None:
    left, right = pair
    left.sendall(LENGTH.pack(8) + b"half")
    left.close()
    with pytest.raises(PeerGone):
        Frames(right).receive(100)
    other_left, other_right = socket.socketpair()
    other_right.close()
    with pytest.raises(PeerGone):
        Frames(other_left).send([b"x" * 10])
    other_left.close()


def test_a_closed_connection_fails_even_when_its_number_is_reused(tmp_path) -> None:
    import multiprocessing

    ours, theirs = multiprocessing.Pipe(duplex=True)
    frames = Frames(ours)
    number = ours.fileno()
    ours.close()
    opened = os.open(tmp_path / "other.txt", os.O_RDWR | os.O_CREAT)
    reused = os.dup2(opened, number)  # another file now answers to the link's old number
    if opened != reused:
        os.close(opened)
    try:
        with pytest.raises(PeerGone):
            frames.send([b"payload"])
        with pytest.raises(PeerGone):
            frames.receive(100)
        assert (tmp_path / "other.txt").read_bytes() == b""
    finally:
        os.close(reused)
        theirs.close()


def _resident_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_announcing_a_huge_message_costs_only_what_was_sent(pair) -> None:
    """A hostile peer sends 8 bytes announcing 400 MB: the receiver must not allocate them."""
    left, right = pair
    resident = _resident_kb()
    child = os.fork()
    if child == 0:
        code = 1
        try:
            left.close()  # the writer's end: its close must reach us as the end of stream
            Frames(right).receive(512 * 1024 * 1024)
        except PeerGone:
            code = 0
        finally:
            os._exit(code)
    left.sendall(LENGTH.pack(400 * 1024 * 1024) + b"x" * 10)
    left.close()
    _, status, usage = os.wait4(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert usage.ru_maxrss < resident + 100 * 1024  # kB: far below the 400 MB announced


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc")
def test_a_message_too_large_to_hold_is_read_past_and_the_next_one_comes_whole():
    """Under the judge's memory cap a large message fails with MemoryError; the stream
    stays in step: the message after it is read whole."""
    import resource
    import select

    from grader.sandbox.confinement import _address_space

    judge, candidate = socket.socketpair()
    verdict_read, verdict_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the judge, capped 48 MB above what it maps now
        code = 1
        try:
            resource.setrlimit(resource.RLIMIT_AS, (_address_space() + 48 * 2**20, -1))
            frames = Frames(judge)
            try:
                frames.receive(2**30)
            except MemoryError:
                code = 2
            if code == 2 and frames.receive(2**30) == b"the next one":
                code = 0
        finally:
            os.write(verdict_write, bytes([code]))
            os._exit(0)
    sender = Frames(candidate)

    def send_both() -> None:
        try:
            sender.send([bytes(200 * 2**20)])
            sender.send([b"the next one"])
        except PeerGone:
            pass

    # A daemon thread: a judge out of step stops reading, and the sends would block.
    threading.Thread(target=send_both, daemon=True).start()
    ready, _, _ = select.select([verdict_read], [], [], 60)
    code = os.read(verdict_read, 1) if ready else b"hung"
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    for end in (judge, candidate):
        end.close()
    os.close(verdict_read)
    os.close(verdict_write)
    assert code == b"\x00", {b"\x01": "no MemoryError", b"\x02": "out of step"}.get(code, code)
