"""The link between the judge and the candidate's process, with a real forked peer."""

from __future__ import annotations

import logging
import os
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.judge.link import RemoteModule
from grader.judge.suite_tools import DRAW_CHUNK, drawn
from grader.link.proxies import Proxy
from grader.link.wire import PeerGone, WireError

CANDIDATE = """
import functools
import logging
import sys

import numpy as np

log = logging.getLogger("candidate")


def double(x):
    return x * 2


def apply(function, *args):
    return function(*args)


def chunks(n):
    for i in range(n):
        yield np.arange(i)


def timer(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        log.warning("called %s", function.__qualname__)
        return function(*args, **kwargs)
    return wrapper


def shuffle_in_place(values):
    values.reverse()


def draw(rng, n):
    return rng.integers(0, 1000, size=n)


class LabelError(ValueError):
    pass


def check(labels):
    if len(set(labels)) != len(labels):
        raise LabelError("labels must be unique")
    return True


class Model:
    kind = "base"

    def __init__(self, name):
        self.name = name

    @classmethod
    def create(cls):
        return cls(name="default_" + cls.kind)

    def fit(self, X):
        self.n_ = len(X)
        return self


def retry(function):
    for _ in range(3):
        try:
            return function()
        except ConnectionError:
            pass
    raise RuntimeError("gave up")


def reach(obj, *names):
    for name in names:
        obj = getattr(obj, name)
    return obj


def poke(obj, name, value):
    setattr(obj, name, value)


def run_in_judge(anything):
    endpoint = anything._mlgrade_endpoint
    return endpoint.request("define", "LEAK = 1", ["LEAK"])


def leave():
    import os
    os._exit(3)


class Binding:
    def __init__(self, function):
        self.function = function
        functools.update_wrapper(self, function)

    def __call__(self, *args):
        return self.function(*args)

    def __get__(self, instance, owner=None):
        import types
        return self if instance is None else types.MethodType(self, instance)


# functools.wraps of a judge's function, and the round trips it took.
def wrap_and_count(function):
    endpoint = function._mlgrade_endpoint
    before = endpoint.round_trips
    wrapper = functools.wraps(function)(lambda *args: function(*args))
    names = [getattr(wrapper, n) for n in ("__name__", "__qualname__", "__doc__", "__module__")]
    copied = {k: v for k, v in wrapper.__dict__.items() if k != "__wrapped__"}
    return [endpoint.round_trips - before, *names, copied, wrapper.__annotations__]


def name_around_a_call(function):
    return function.__name__, function(), function.__name__


calls = 0


def count():
    global calls
    calls += 1


pulled = []


def numbers(n, fail_at=None):
    # 0..n-1, raising LabelError in place of item `fail_at`; records what it produced
    del pulled[:]

    def produce():
        for i in range(n):
            if i == fail_at:
                raise LabelError(f"bad item {i}")
            pulled.append(i)
            yield i

    return produce()


def endless():
    del pulled[:]
    i = 0
    while True:
        pulled.append(i)
        yield i
        i += 1


def big_arrays(count, megabytes):
    for i in range(count):
        yield (np.full(megabytes * 131072, float(i)), i)


def sabotage_take():
    from grader.link.policy import OPERATIONS
    OPERATIONS["take"] = lambda iterator, count: [[], None]


def chained(how):
    try:
        raise KeyError("inner")
    except KeyError as exc:
        if how == "from":
            raise RuntimeError("outer") from exc
        if how == "none":
            raise RuntimeError("outer") from None
        raise RuntimeError("outer")
"""


@pytest.fixture
def sub(serve_answer):
    """The candidate module above, served by a forked process, as a suite sees it."""
    return serve_answer(CANDIDATE)


def test_the_module_is_a_real_module_whose_source_is_the_judges_own_copy(sub, tmp_path):
    assert isinstance(sub, RemoteModule) and isinstance(sub, types.ModuleType)
    assert sub.__file__ == str(tmp_path / "answer.py")


def test_values_cross_by_value_and_keep_their_types(sub):
    assert sub.double(21) == 42 and type(sub.double(21)) is int
    doubled = sub.double(np.arange(3))
    assert type(doubled) is np.ndarray and doubled.tolist() == [0, 2, 4]
    assert sub.double((1,)) == (1, 1)


def test_callbacks_run_in_the_judge_and_their_errors_reach_the_candidate(sub):
    assert sub.apply(lambda a, b: a + b, 2, 3) == 5
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "ok"

    assert sub.retry(flaky) == "ok" and len(calls) == 3


def test_functions_and_classes_are_looked_up_once_and_data_every_time(sub):
    """A suite names `sub.Model` in every test: one request, not one per use; a
    module-level value the candidate's code changes is read afresh."""
    sub.count()
    endpoint = sub.__dict__["_mlgrade_proxy"]._mlgrade_endpoint
    before = endpoint.round_trips
    for _ in range(3):
        assert sub.Model is sub.Model
        assert sub.LabelError is sub.LabelError
        assert sub.check is sub.check
    assert endpoint.round_trips - before == 3
    assert sub.calls == 1
    sub.count()
    assert sub.calls == 2


def test_generators_are_iterated_lazily_across_the_link(sub):
    produced = sub.chunks(4)
    assert isinstance(produced, Proxy)
    assert [len(chunk) for chunk in produced] == [0, 1, 2, 3]


def _looped(iterable, limit):
    """What drawing one item at a time, at most `limit`, gives: the items, then the
    exception that stopped it."""
    items = []
    iterator = iter(iterable)
    try:
        while limit is None or len(items) < limit:
            try:
                items.append(next(iterator))
            except StopIteration:
                break
    except Exception as exc:  # noqa: BLE001 - compared below
        return items, (type(exc).__name__, str(exc))
    return items, None


def _drawn(iterable, limit):
    items = []
    try:
        for item in drawn(iterable, limit):
            items.append(item)
    except Exception as exc:  # noqa: BLE001 - compared below
        return items, (type(exc).__name__, str(exc))
    return items, None


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(0, 150),
    limit=st.none() | st.integers(0, 200),
    fail_at=st.none() | st.integers(0, 150),
)
def test_drawing_several_items_per_crossing_draws_what_a_loop_would(sub, n, limit, fail_at):
    """The same items and the same exception at the same place as a for loop, and with a
    limit the candidate's generator produces no item the loop would not have drawn."""
    expected = _looped(sub.numbers(n, fail_at), limit)
    assert _drawn(sub.numbers(n, fail_at), limit) == expected
    items, error = expected
    if limit is not None:
        assert sub.pulled == items
    elif error is None:
        assert sub.pulled == list(range(n))


def test_drawing_an_endless_generator_stops_at_the_limit_in_few_crossings(sub):
    generator = sub.endless()
    endpoint = sub.__dict__["_mlgrade_proxy"]._mlgrade_endpoint
    before = endpoint.round_trips
    assert list(drawn(generator, 3 * DRAW_CHUNK + 5)) == list(range(3 * DRAW_CHUNK + 5))
    # iter() of a generator is the generator: one crossing per chunk
    assert endpoint.round_trips - before == 4
    assert sub.pulled == list(range(3 * DRAW_CHUNK + 5))
    # what is left is still the candidate's to give, one item at a time
    assert next(generator) == 3 * DRAW_CHUNK + 5


def test_a_draw_of_large_arrays_is_split_into_several_crossings(sub):
    generator = sub.big_arrays(10, 3)
    endpoint = sub.__dict__["_mlgrade_proxy"]._mlgrade_endpoint
    before = endpoint.round_trips
    items = list(drawn(generator))
    assert [label for _, label in items] == list(range(10))
    assert all(array.nbytes == 3 * 2**20 and array[0] == label for array, label in items)
    # 8 MB per crossing at most, give or take one item: three of these 3 MB arrays each
    assert endpoint.round_trips - before >= 4


def test_a_candidate_that_answers_a_draw_with_nothing_fails_the_test(sub):
    sub.sabotage_take()
    with pytest.raises(RuntimeError, match="answered a draw with no items"):
        list(drawn(sub.endless()))


def test_drawing_a_judges_own_iterable_needs_no_candidate():
    assert list(drawn(iter(range(10)), 4)) == [0, 1, 2, 3]
    assert list(drawn([1, 2])) == [1, 2]


def test_a_wrapper_keeps_the_wrapped_functions_identity_and_metadata(sub, caplog):
    def predict(x):
        """Predict something."""
        return x + 1

    wrapped = sub.timer(predict)
    with caplog.at_level(logging.WARNING, logger="candidate"):
        assert wrapped(1) == 2
    assert wrapped.__wrapped__ is predict
    assert wrapped.__name__ == "predict" and wrapped.__doc__ == "Predict something."
    assert any("called" in r.getMessage() and r.name == "candidate" for r in caplog.records)


def test_wrapping_a_judges_function_reads_its_identity_without_a_round_trip(sub):
    """What functools.wraps reads came with the function's reference: the candidate's
    process asks nothing back, and gets what asking would have given."""

    def predict(x):
        """Predict something."""
        return x + 1

    trips, name, qualname, doc, module, attributes, annotations = sub.wrap_and_count(predict)
    assert trips == 0
    assert (name, qualname, doc, module) == (
        "predict",
        predict.__qualname__,
        "Predict something.",
        __name__,
    )
    assert attributes == {} and annotations == {}


def test_a_judges_function_with_attributes_of_its_own_is_asked_for_them(sub):
    def scored(x: int) -> int:
        return x

    scored.calls = 4
    trips, *_, attributes, annotations = sub.wrap_and_count(scored)
    assert attributes == {"calls": 4}  # read from the judge, as before
    assert annotations == {"x": "int", "return": "int"}  # postponed: strings
    assert trips == 2


def test_what_the_judge_sent_of_a_function_is_forgotten_once_the_judge_ran_code(sub):
    """The judge's function renames itself when called: the name read after the call is
    the new one, not the one that came with the reference."""

    def renamer():
        renamer.__name__ = "renamed"
        return 1

    assert sub.name_around_a_call(renamer) == ("renamer", 1, "renamed")


def test_the_judge_ignores_identity_attributes_sent_with_a_candidates_function(sub):
    """Only the judge's own functions come with their identity: the judge reads every
    attribute of the candidate's objects from the object itself."""
    from grader.link.codec import Codec

    proxy = sub.double
    endpoint = proxy._mlgrade_endpoint
    forged = ["O", "c", proxy._mlgrade_ref.id, "callable", "double", None, ["__name__", "x"]]
    assert isinstance(endpoint.codec, Codec)
    assert endpoint.codec.decode(forged, []) is proxy
    assert proxy.__name__ == "double"


def test_a_wrapped_method_binds_like_a_function(sub):
    class Model:
        @sub.timer
        def predict(self, x):
            return x * 10

    assert Model().predict(2) == 20


def test_changes_to_a_list_argument_are_kept_apart_from_the_callers_list(sub):
    """The judge's own list keeps what it held (the candidate's code could otherwise
    rewrite the data a test checks against); what the call left in its copy is kept."""
    values = [1, 2, 3]
    sub.shuffle_in_place(values)
    assert values == [1, 2, 3]
    endpoint = sub._remote()._mlgrade_endpoint
    assert endpoint.left_by_peer_of(values) == [3, 2, 1]
    other = [1, 2, 3]
    assert endpoint.left_by_peer_of(other) is other  # no call changed it
    endpoint.settle_releases()  # a test's end: the next test starts with nothing kept
    assert endpoint.left_by_peer_of(values) is values


def test_draws_from_the_judges_random_generator_advance_it(sub):
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    first, second = sub.draw(rng, 4), sub.draw(rng, 3)
    assert first.tolist() == twin.integers(0, 1000, size=4).tolist()
    assert second.tolist() == twin.integers(0, 1000, size=3).tolist()
    assert rng.random() == twin.random()


def test_the_candidates_exception_classes_are_mirrored(sub):
    with pytest.raises(sub.LabelError) as caught:
        sub.check([1, 1])
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == "labels must be unique"
    assert "answer.py" in caught.value.remote_traceback
    assert sub.check([1, 2]) is True


def test_classes_are_mirrored_with_exact_types_and_subclasses_made_there(sub):
    model = sub.Model("m")
    assert type(model) is sub.Model and isinstance(model, sub.Model)
    assert model.fit([1, 2]) is model and model.n_ == 2

    class Forest(sub.Model):
        kind = "forest"

    made = Forest.create()
    assert type(made) is Forest and made.name == "default_forest"


def test_the_candidate_cannot_reach_the_judges_internals_through_a_callback(sub):
    def helper():
        return 1

    for path in (
        ("__globals__",),
        ("__code__",),
        ("__closure__",),
        ("__init__", "__globals__"),
        ("__builtins__",),
    ):
        with pytest.raises(AttributeError):
            sub.reach(helper, *path)
    with pytest.raises(AttributeError):
        sub.poke(helper, "__code__", None)
    with pytest.raises(AttributeError):
        sub.poke(helper, "tag", 1)
    assert not hasattr(helper, "tag")


def test_a_generator_of_the_judge_does_not_hand_over_its_frame(sub):
    def numbers():
        yield 1

    produced = numbers()
    for name in ("gi_frame", "gi_code"):
        with pytest.raises(AttributeError):
            sub.reach(produced, name)


def test_a_module_of_the_judge_never_crosses(sub):
    with pytest.raises(TypeError):
        sub.double(os)


def test_the_end_of_the_candidates_process_is_reported(sub):
    with pytest.raises(PeerGone):
        sub.leave()


def test_a_reference_the_judge_never_handed_out_is_refused(sub):
    endpoint = sub._remote()._mlgrade_endpoint
    with pytest.raises(WireError):
        endpoint.resolve(10**6)


def test_a_candidate_descriptor_binds_and_keeps_the_docstring_it_copied(sub):
    def predict_one(self, x):
        """Predict something."""
        return x + 1

    class Model:
        predict = sub.Binding(predict_one)

    assert Model().predict(1) == 2
    assert Model.predict.__doc__ == "Predict something."


def test_exception_chains_keep_cause_context_and_suppression(sub):
    with pytest.raises(RuntimeError) as caught:
        sub.chained("from")
    assert isinstance(caught.value.__cause__, KeyError)
    with pytest.raises(RuntimeError) as caught:
        sub.chained("none")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(RuntimeError) as caught:
        sub.chained("implicit")
    assert caught.value.__cause__ is None and isinstance(caught.value.__context__, KeyError)


def test_the_candidate_cannot_run_code_or_make_classes_in_the_judge(sub):
    with pytest.raises(TypeError, match="cannot run code"):
        sub.run_in_judge(lambda: None)
