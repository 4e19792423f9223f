"""One end of the link between the judge and the candidate's process: calls, proxies.

Both sides run the same loop: a request waits for its reply while serving the peer's
nested requests (a callback into the test's own function, the next item of an
iterable the test handed in). Each side executes only its own objects.
"""

from __future__ import annotations

import threading
import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.link.codec import Codec
from grader.link.comparisons import judged, judged_hash
from grader.link.decoding import method_labels
from grader.link.frames import Frames
from grader.link.policy import Policy
from grader.link.proxies import PendingMethod, Proxy
from grader.link.tables import CALLABLE_TYPES, References, label_of
from grader.link.wire import (
    MESSAGE_MAX_BYTES,
    METHOD_NAME_LIMIT,
    METHODS_LIMIT,
    TEXT_LIMIT,
    PeerGone,
    WireError,
    message_parts,
    split_message,
)
from grader.link.write_back import assign, changed_arguments, kept_apart, snapshots


@dataclass
class _Reply:
    value: Any = None
    error: BaseException | None = None
    method: Any = None  # for "callattr": what the lookup gave, or the error it raised
    attributes: Any = None  # for a call of a function: the data attributes it holds now
    methods: Any = None  # ... and the names of the functions it holds, with their labels


class Endpoint(References):
    """This side's end of the link: its references (see References) and the loop."""

    def __init__(
        self,
        conn: Any,
        side: str,
        *,
        policy: Policy | None = None,
        source_file: str = "",
        on_event: Callable[[str, list[Any]], None] | None = None,
    ) -> None:
        super().__init__(side, policy or Policy())
        self.conn = conn
        self.frames = Frames(conn)
        self.codec = Codec(side, self, source_file)
        self.on_event = on_event
        self.lock = threading.RLock()
        self.round_trips = 0
        # The last call asked of the peer, kept (not formatted) for the feedback.
        self.last_call: tuple[Any, ...] = ()
        # Messages sent so far: until this side sends again the peer runs none of its code,
        # so what it said of its objects in the last message it sent still holds.
        self._sends = 0
        self._known: dict[int, tuple[int, dict[str, Any], dict[str, str]]] = {}
        # Methods read without a request and not looked up yet (see PendingMethod).
        self._pending: list[weakref.ref[PendingMethod]] = []
        self.closed = False
        # The judge's arguments that a call changed in its copy: id -> (argument, new value).
        self.left_by_peer: dict[int, tuple[Any, Any]] = {}
        # Called instead of raising PeerGone (the judge ends at once when the candidate
        # dies under a test, so the parent can tell which test it was).
        self.on_gone: Callable[[], None] | None = None

    def _gone(self, message: str) -> PeerGone:
        self.closed = True
        if self.on_gone is not None:
            self.on_gone()
        return PeerGone(message)

    def released(self, ident: int) -> None:
        """A proxy died: the peer may forget that object (told with the next message)."""
        super().released(ident)
        self._known.pop(ident, None)

    def learn(
        self, ident: int, attributes: dict[str, Any], methods: dict[str, str] | None = None
    ) -> None:
        """Attributes the peer sent with one of its objects, true until this side sends:
        values, and the names of the functions it holds."""
        self._known[ident] = (self._sends, attributes, methods or _NO_METHODS)

    def attribute(self, proxy: Proxy, name: str) -> Any:
        """getattr on a peer's object: answered here with what the peer sent, while the
        peer cannot have changed it; otherwise asked."""
        label: str | None = None
        known = self._known.get(proxy._mlgrade_ref.id)
        if known is not None and known[0] == self._sends:
            if name in known[1]:
                value = known[1][name]
                return {} if type(value) is dict else value  # a fresh dict, as a request gives
            # A function it holds (a decorator's `wrapper.cache_clear`): looked up with its call.
            label = known[2].get(name)
        if label is None:
            label = type(proxy).__dict__.get("_mlgrade_methods", _NO_METHODS).get(name)
        if label is not None:
            return self.defer(proxy, name, label)
        return self.request("getattr", proxy, name)

    def defer(self, owner: Any, name: str, label: str) -> PendingMethod:
        """`owner.name`, known to be a method: looked up with its call (see PendingMethod)."""
        method = PendingMethod._pending(self, owner, name, label)
        with self.lock:  # another thread's send may be settling the list
            self._pending.append(weakref.ref(method))
        return method

    def look_up(self, method: PendingMethod) -> Any:
        """Do the lookup a PendingMethod stands for: what it gave, or the error raised."""
        with self.lock:
            self._unpend(method)
            try:
                found: Any = self.request("getattr", method._mlgrade_owner, method._mlgrade_name)
            except (PeerGone, WireError, KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - the peer's error, raised at each use
                found = exc
            object.__setattr__(method, "_mlgrade_found", found)
            return found

    def operate(self, proxy: Proxy, name: str, other: Any) -> Any:
        """A comparison or arithmetic between a peer's object and a value. The judge works
        it out itself from the value the object holds (see grader.link.comparisons): the
        candidate's code never gives the verdict nor sees what it is compared with."""
        if self.side == "j":
            return judged(self.request("op", "value", proxy), name, other)
        return self.request("op", name, proxy, other)

    def hash_of(self, proxy: Proxy) -> int:
        """hash() of a peer's object: on the judge's side, of the value it holds."""
        if self.side == "j":
            return judged_hash(self.request("op", "value", proxy), proxy)
        return self.request("op", "hash", proxy)

    def settle_releases(self) -> None:
        """Hand the peer the references this side let go of, now, and wait until it has
        dropped them: its objects' finalizers then run in this turn, not in the next
        request's (a finalizer that hangs costs the test that made the object)."""
        with self.lock:
            self.left_by_peer.clear()  # a test's own arguments: not the next test's
            if self._released and not self.closed:
                self.request("sync")

    def call(self, target: Any, positional: list[Any], keywords: Any) -> Any:
        """Call one of the peer's callables (a proxy or a mirrored class)."""
        reply = self._call("call", [target], positional, keywords, target)
        if reply.error is not None:
            raise reply.error
        return reply.value

    def call_method(self, method: PendingMethod, positional: list[Any], keywords: Any) -> Any:
        """Call a PendingMethod not yet looked up: the lookup and the call in one request."""
        with self.lock:
            self._unpend(method)
            owner, name = method._mlgrade_owner, method._mlgrade_name
            reply = self._call("callattr", [owner, name], positional, keywords, method)
            object.__setattr__(method, "_mlgrade_found", reply.method)
        if reply.error is not None:
            raise reply.error
        return reply.value

    def _call(
        self, op: str, head: list[Any], positional: list[Any], keywords: Any, target: Any
    ) -> _Reply:
        # The positional arguments are kept while the call runs: what the peer changed in
        # its copies of them comes back with the reply (see _write_back).
        with self.lock:
            saved = self._pending_arguments
            self._pending_arguments = positional
            try:
                call = (target, positional, keywords)
                return self._exchange(op, [*head, positional, keywords], call)
            finally:
                self._pending_arguments = saved

    def _unpend(self, method: PendingMethod) -> None:
        # By identity: comparing with == would be a request.
        self._pending = [ref for ref in self._pending if ref() is not None and ref() is not method]

    def _settle(self) -> None:
        """Look up every PendingMethod before this side sends: the peer may run code."""
        pending, self._pending = self._pending, []
        for ref in pending:
            method = ref()
            if method is not None and not hasattr(method, "_mlgrade_found"):
                self.look_up(method)

    # ------------------------------------------------------------------ sending

    def _send(self, header: dict[str, Any], buffers: list[Any]) -> None:
        if self._pending:
            self._settle()
        self._sends += 1
        if self._released:
            header["r"], self._released = self._released, []
        try:
            self.frames.send(message_parts(header, buffers))
        except PeerGone as exc:
            raise self._gone(str(exc)) from None

    def _receive(self) -> tuple[dict[str, Any], list[memoryview]]:
        try:
            raw = self.frames.receive(MESSAGE_MAX_BYTES)
        except PeerGone as exc:
            raise self._gone(str(exc)) from None
        header, buffers = split_message(raw)
        if not isinstance(header, dict):
            raise WireError("malformed message")
        self._forget(header.get("r"))
        return header, buffers

    def event(self, name: str, *args: Any) -> None:
        """A one-way notice to the peer (a log record), sent without waiting."""
        with self.lock:
            buffers: list[Any] = []
            self._send({"ev": name, "a": self.codec.encode(list(args), buffers)}, buffers)

    def request(self, op: str, *args: Any) -> Any:
        """Ask the peer to do `op`; serve its nested requests until the reply comes."""
        with self.lock:
            # A with block's __exit__ counts too: it may be what swallowed an exception.
            if op == "call" or (op == "op" and args[:1] == ("exit",)):
                reply = self._exchange(op, list(args), call=args)
            else:
                reply = self._exchange(op, list(args))
        if reply.error is not None:
            raise reply.error
        return reply.value

    def _exchange(self, op: str, args: list[Any], call: tuple[Any, ...] = ()) -> _Reply:
        buffers: list[Any] = []
        self._send({"q": op, "a": self.codec.encode(args, buffers)}, buffers)
        self.round_trips += 1
        if call:
            self.last_call = call
        while True:
            reply = self.handle_one()
            if reply is not None:
                break
        if reply.attributes is not None and op == "call" and isinstance(args[0], Proxy):
            self.learn(args[0]._mlgrade_ref.id, reply.attributes, reply.methods)
        return reply

    def handle_one(self) -> _Reply | None:
        """Receive one message: a reply is returned, a request or a notice is served."""
        header, buffers = self._receive()
        if "q" in header:
            self._serve(header, buffers)
            return None
        if "ev" in header:
            if self.on_event is not None:
                args = self.codec.decode(header.get("a"), buffers)
                if isinstance(args, list) and isinstance(header["ev"], str):
                    self.on_event(header["ev"], args)
            return None
        if "v" in header:
            value = self.codec.decode(header["v"], buffers)
            self._write_back(header.get("w"), buffers)
            method = self._method_of(header, buffers)
            return _Reply(
                value=value,
                method=method,
                attributes=_attributes(header.get("k")),
                methods=method_labels(header["km"]) if "km" in header else None,
            )
        if "e" in header:
            error = self.codec.decode(header["e"], buffers)
            self._write_back(header.get("w"), buffers)
            if not isinstance(error, BaseException):
                raise WireError("an error reply without an exception")
            method = self._method_of(header, buffers, error)
            return _Reply(
                error=error,
                method=method,
                attributes=_attributes(header.get("k")),
                methods=method_labels(header["km"]) if "km" in header else None,
            )
        raise WireError("a message of no known kind")

    def _method_of(
        self, header: dict[str, Any], buffers: list[memoryview], error: Any = None
    ) -> Any:
        # A "callattr" reply without "m": the lookup itself failed, with `error`.
        if "m" not in header:
            return error
        return self.codec.decode(header["m"], buffers)

    def serve_forever(self) -> None:
        """Serve the peer's requests until it closes the link (the candidate's main loop)."""
        while True:
            with self.lock:
                try:
                    self.handle_one()
                except PeerGone:
                    return

    # ------------------------------------------------------------------ serving

    def _serve(self, header: dict[str, Any], buffers: list[memoryview]) -> None:
        op = header.get("q")
        try:
            args = self.codec.decode(header.get("a"), buffers)
        except WireError as exc:
            # The request is answered with the error; the link stays in step.
            args = None
            problem: BaseException | None = exc
        else:
            problem = None
        if problem is not None or not isinstance(op, str) or not isinstance(args, list):
            out: list[Any] = []
            error = problem or WireError("malformed request")
            self._send({"e": self.codec.encode(RuntimeError(str(error)), out)}, out)
            return
        out = []
        reply: dict[str, Any]
        method = _NO_METHODS
        try:
            if op == "callattr" and len(args) == 4:
                # A method's lookup and its call, asked at once (see PendingMethod).
                target, name, *call = args
                method = self.policy.getattr(target, _name(name))
                op, args = "call", [method, *call]
            before = snapshots(self.codec, op, args)
        except BaseException as exc:  # noqa: BLE001 - the lookup failed: sent back as is
            self._send({"e": self._encode_error(exc, out)}, out)
            return
        try:
            value = self._perform(op, args)
            reply = {"v": self.codec.encode(value, out)}
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the asker
            out = []
            reply = {"e": self._encode_error(exc, out)}
        if method is not _NO_METHODS:
            try:
                reply["m"] = self.codec.encode(method, out)
            except Exception as exc:  # noqa: BLE001 - a method that may not cross
                reply["m"] = self._encode_error(exc, out)
        changed = changed_arguments(self.codec, before, out)
        if changed:
            reply["w"] = changed
        if op == "call" and args and type(args[0]) is types.FunctionType and args[0].__dict__:
            reply["k"], held = self._data_attributes(args[0])
            if held:
                reply["km"] = held
        self._send(reply, out)

    def _data_attributes(self, function: types.FunctionType) -> tuple[list[Any], list[str]]:
        """[name, value, ...]: a function's public attributes holding plain scalars, as the
        policy would answer a read of each (a counter a decorator keeps on its wrapper):
        the caller reads them without a request until it sends again. And [name, label,
        ...] of those holding a function (`wrapper.cache_clear`), which the caller then
        looks up with its call."""
        found: list[Any] = []
        held: list[str] = []
        for name, value in list(function.__dict__.items()):
            if type(name) is not str or name.startswith("_"):
                continue
            scalar = _scalar(value)
            # By its type: isinstance could ask the object its __class__, running its code.
            if not scalar and not issubclass(type(value), CALLABLE_TYPES):
                continue
            try:
                if self.policy.getattr(function, name) is not value:
                    continue
            except Exception:  # noqa: BLE001 - a read the policy refuses is asked for
                continue
            if scalar:
                found += [name, value]
            elif len(held) < 2 * METHODS_LIMIT and name.isidentifier():
                held += [name[:METHOD_NAME_LIMIT], label_of(value)]
        return found, held

    def _encode_error(self, exc: BaseException, out: list[Any]) -> Any:
        try:
            return self.codec.encode(exc, out)
        except Exception:  # noqa: BLE001 - an exception whose arguments will not encode
            out.clear()
            return self.codec.encode(RuntimeError(f"{type(exc).__name__}: unreadable error"), out)

    def _perform(self, op: str, args: list[Any]) -> Any:
        if op == "call":
            target, positional, keywords = args
            return target(*positional, **keywords)
        if op == "getattr":
            target, name = args
            return self.policy.getattr(target, _name(name))
        if op == "setattr":
            target, name, value = args
            self.policy.setattr(target, _name(name), value)
            return None
        if op == "delattr":
            target, name = args
            self.policy.delattr(target, _name(name))
            return None
        if op == "op":
            name, *rest = args
            return self.policy.operation(_name(name))(*rest)
        if op == "subclass":
            return self.policy.subclass(*args)
        if op == "define":
            return self.policy.define(*args)
        if op == "sync":  # its references, dropped as it was received, were all it carried
            return None
        raise WireError(f"unknown request {op[:40]!r}")

    def _write_back(self, changed: Any, buffers: list[memoryview]) -> None:
        if not changed or self._pending_arguments is None:
            return
        positional = self._pending_arguments
        for entry in changed:
            if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)):
                raise WireError("malformed write-back")
            index, tree = entry
            if not 0 <= index < len(positional):
                raise WireError("write-back to no argument")
            target, value = positional[index], self.codec.decode(tree, buffers)
            if self.side == "j" and kept_apart(target):
                # The test's own object keeps what the test put in it: the candidate's
                # code could otherwise rewrite the data the test then computes its
                # expected values from. What the call left in its copy is kept aside.
                self.left_by_peer[id(target)] = (target, value)
            else:
                assign(target, value)

    def left_by_peer_of(self, value: Any) -> Any:
        """What the peer's code left in its copy of `value`, an argument of this side's
        that a call changed (see _write_back); `value` itself if none did."""
        found = self.left_by_peer.get(id(value))
        return found[1] if found is not None and found[0] is value else value

    _pending_arguments: list[Any] | None = None


_NO_METHODS: dict[str, str] = {}
SCALARS = (type(None), bool, int, str)


def _scalar(value: Any) -> bool:
    """A value that JSON carries exactly: None, a boolean, an int, short text, a finite float."""
    kind = type(value)
    if kind is float:
        return value - value == 0.0  # neither NaN nor an infinity
    return kind in SCALARS and (kind is not str or len(value) <= TEXT_LIMIT)


def _attributes(tree: Any) -> dict[str, Any] | None:
    """The data attributes a call's reply said its function holds, if it said any."""
    if tree is None:
        return None
    if not isinstance(tree, list) or len(tree) % 2:
        raise WireError("malformed attributes")
    found = dict(zip(tree[0::2], tree[1::2], strict=True))
    if not all(type(k) is str and _scalar(v) for k, v in found.items()):
        raise WireError("malformed attributes")
    return found


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise WireError("an attribute name must be text")
    return value
