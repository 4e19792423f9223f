"""The value codec: plain data round-trips exactly, and decoding never trusts its input."""

from __future__ import annotations

import datetime
import linecache
import math
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.link.codec import Codec
from grader.link.wire import (
    Ref,
    RemoteError,
    WireError,
    exception_frames,
    message_bytes,
    split_message,
)


class _Tables:
    """A stand-in endpoint: exports go into a list, references come back as tuples."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.exported: list[object] = []

    def export(self, value: object) -> Ref:
        self.exported.append(value)
        kind = "type" if isinstance(value, type) else "object"
        return Ref(self.side, len(self.exported), kind, type(value).__qualname__)

    def resolve(self, ident: int) -> object:
        return self.exported[ident - 1]

    def still_exported(self, ref: Ref, value: object) -> bool:
        return ref.side != self.side or self.resolve(ref.id) is value

    def proxy(self, ref: Ref, mirror: object = None) -> tuple:
        return ("proxy", ref.side, ref.id)

    def known_mirror(self, ident: int) -> None:
        return None  # every class is described anew

    def mirror(
        self, ref, name, module, bases, protocols, features=(), methods=None, class_methods=None
    ) -> type:
        base = next((b for b in bases if issubclass(b, BaseException)), None)
        if base is not None:
            return type(name, (RemoteError,) if base is Exception else (base, RemoteError), {})
        return type(name, (), {"remote_id": ref.id})

    def foreign_origin(self, exc: BaseException) -> None:
        return None

    def remember_origin(self, exc: BaseException, ref: Ref) -> None:
        pass


def round_trip(value: object, *, sender: str = "c", receiver: str = "j") -> object:
    out: list = []
    tree = Codec(sender, _Tables(sender)).encode(value, out)
    header, buffers = split_message(message_bytes(tree, out))
    return Codec(receiver, _Tables(receiver)).decode(header, buffers)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.binary(max_size=20)
    | st.complex_numbers(allow_nan=False)
)
plain = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4)
        | st.frozensets(st.integers(), max_size=4)
    ),
    max_leaves=20,
)


def _types(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return (type(value), [_types(v) for v in value])
    if isinstance(value, dict):
        return (dict, sorted((repr(k), _types(v)) for k, v in value.items()))
    return type(value)


@settings(max_examples=200, deadline=None)
@given(plain)
def test_plain_data_round_trips_with_its_exact_types(value):
    back = round_trip(value)
    assert back == value
    assert _types(back) == _types(value)  # a tuple stays a tuple, an int an int


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from(["<f8", "<i4", "|b1", "<U3", "<c16", "|u1"]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
    )
)
def test_arrays_round_trip_with_dtype_and_shape(array):
    back = round_trip(array)
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array, equal_nan=array.dtype.kind in "fc")
    assert back.flags.writeable


def test_special_floats_numpy_scalars_times_and_paths_cross_by_value():
    assert math.isnan(round_trip(float("nan")))
    assert round_trip(float("-inf")) == float("-inf")
    scalar = round_trip(np.float32(1.5))
    assert type(scalar) is np.float32 and scalar == 1.5
    moment = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)
    assert round_trip(moment) == moment and round_trip(moment).tzinfo is not None
    assert round_trip(datetime.timedelta(days=2, seconds=3)) == datetime.timedelta(2, 3)
    assert round_trip(pathlib.Path("/x/y.csv")) == pathlib.Path("/x/y.csv")
    assert round_trip(int) is int and round_trip(np.float64) is np.float64
    assert round_trip(np.dtype("<i8")) == np.dtype("<i8")


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937, np.random.Philox])
def test_a_random_generator_crosses_with_its_state(bit_generator):
    rng = np.random.Generator(bit_generator(7))
    rng.integers(0, 10, size=3)
    back = round_trip(rng)
    assert type(back) is np.random.Generator and back is not rng
    assert back.integers(0, 1000, size=20).tolist() == rng.integers(0, 1000, size=20).tolist()


def test_builtin_exceptions_stay_builtin_and_keep_their_arguments():
    error = round_trip(OSError(28, "no space"))
    assert type(error) is OSError and error.errno == 28
    assert type(round_trip(ValueError("bad labels"))) is ValueError
    assert str(round_trip(KeyError("k"))) == str(KeyError("k"))


def test_the_candidates_exit_never_crosses_as_an_exit_to_the_judge():
    error = round_trip(SystemExit(3), sender="c", receiver="j")
    assert isinstance(error, Exception) and not isinstance(error, SystemExit)
    assert type(error).__name__ == "SystemExit"


def test_exceptions_of_the_candidates_own_classes_keep_name_message_and_base():
    class LabelError(ValueError):
        pass

    error = round_trip(LabelError("labels must be unique"))
    assert isinstance(error, ValueError) and type(error).__name__ == "LabelError"
    assert str(error) == "labels must be unique"


def test_other_objects_cross_as_references_to_the_sender():
    marker = object()
    assert round_trip(marker) == ("proxy", "c", 1)
    assert round_trip(lambda: 1)[0] == "proxy"


@pytest.mark.parametrize(
    "tree",
    [
        ["A", "O", [2], 0],  # object dtype by buffer: refused
        ["A", "<f8", [10**9], 0],  # shape larger than its buffer
        ["A", "<f8", [2], 0],  # a buffer larger than its shape
        ["A", "<f8", [-1], 0],  # a shape numpy would fill in from the buffer
        ["A", "<f8", [1.5], 0],
        ["A", "<f8", "8", 0],
        ["A", "<f8", [1] * 65, 0],
        ["AO", [-1], 1, 2],
        ["BT", "eval"],  # not a type
        ["NT", "ctypeslib"],
        ["O", "j", "1", "object", "x", None],
        ["nope"],
        {"a": 1},
        ["D", 1],
        ["X", "E", ["BT", "ValueError"], "not a list", "m", "", None, 1],
        ["G", "os.system", ["D"]],
        ["G", "PCG64", ["D", "state", "not a state"]],
    ],
)
def test_malformed_values_are_refused_with_a_wire_error(tree):
    raw = message_bytes(tree, [b"\0" * 8])
    header, buffers = split_message(raw)
    with pytest.raises(WireError):
        Codec("j", _Tables("j")).decode(header, buffers)


@pytest.mark.parametrize(
    ("dtype", "shape"),
    [("<i8", [3, 3]), ("<f8", [50_000, 40_000]), ("<f8", [100_000, 100_000]), ("|S0", [10**9])],
)
def test_an_empty_buffer_never_stands_for_a_non_empty_array(dtype, shape):
    # A hostile candidate's process can send any header: an empty buffer named as a
    # large array once gave the judge np.empty(shape), its own recycled memory (a
    # "correct" confusion matrix left there by the oracle) or a huge allocation.
    raw = message_bytes(["A", dtype, shape, 0], [b""])
    header, buffers = split_message(raw)
    with pytest.raises(WireError, match="not the size of its shape"):
        Codec("j", _Tables("j")).decode(header, buffers)


def test_empty_arrays_still_cross_with_their_shape_and_dtype():
    for array in (np.zeros((0, 3)), np.zeros((4, 0, 2), dtype=np.int32), np.array([], "U3")):
        got = round_trip(array)
        assert type(got) is np.ndarray
        assert (got.shape, got.dtype) == (array.shape, array.dtype)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_never_decode_into_anything_but_a_wire_error(raw):
    try:
        header, buffers = split_message(raw)
        Codec("j", _Tables("j")).decode(header, buffers)
    except WireError:
        pass


def test_deep_nesting_is_refused_rather_than_overflowing_the_stack():
    value: list = []
    for _ in range(1000):
        value = [value]
    with pytest.raises(ValueError):
        Codec("c", _Tables("c")).encode(value, [])


def test_a_memmap_view_of_the_judge_maps_the_same_bytes_in_the_candidate(tmp_path):
    data = np.memmap(tmp_path / "x.dat", dtype=np.float64, mode="w+", shape=(6, 2), offset=16)
    data[:] = np.arange(12).reshape(6, 2)
    data.flush()
    for view in (data, data[2:4], data[5:], data[:, 1]):
        back = round_trip(view, sender="j", receiver="c")
        assert back.tolist() == view.tolist()
    assert type(round_trip(data[2:4], sender="j", receiver="c")) is np.memmap
    # A strided view cannot be one mapping: it crosses by value.
    assert type(round_trip(data[:, 1], sender="j", receiver="c")) is np.ndarray


def test_the_judge_never_maps_a_file_the_candidate_names(tmp_path):
    data = np.memmap(tmp_path / "x.dat", dtype=np.uint8, mode="w+", shape=(4,))
    assert type(round_trip(data, sender="c", receiver="j")) is np.ndarray  # by value
    with pytest.raises(WireError):
        Codec("j", _Tables("j")).decode(["MM", str(tmp_path / "x.dat"), "|u1", [4], 0], [])
    with pytest.raises(WireError):  # a file the candidate's side cannot open
        Codec("c", _Tables("c")).decode(["MM", str(tmp_path / "none"), "|u1", [4], 0], [])


def test_exception_frames_name_only_the_candidates_file_and_read_only_it(tmp_path, monkeypatch):
    answer = tmp_path / "answer.py"
    answer.write_text("def outer(f):\n    x = 1\n    return f(3)\n", encoding="utf-8")
    namespace: dict = {}
    exec(compile(answer.read_text(), str(answer), "exec"), namespace)
    library: dict = {}
    source = (
        "def deep(n):\n    if n == 0:\n        raise ValueError('no')\n    return deep(n - 1)\n"
    )
    exec(compile(source, str(tmp_path / "hidden" / "link.py"), "exec"), library)
    with pytest.raises(ValueError) as caught:
        namespace["outer"](library["deep"])
    asked: list[str] = []
    real = linecache.getline
    monkeypatch.setattr(linecache, "getline", lambda name, *a: asked.append(name) or real(name, *a))
    assert exception_frames(caught.value, str(answer)) == "answer.py:3 in outer\n    return f(3)"
    assert set(asked) == {str(answer)}
    assert exception_frames(caught.value, "") == ""
