"""What is read across the link without a request of its own (a method, a function's
counters, iter() of a generator), with the results, errors and feedback that asking
would have given."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.judge import suite_tools
from grader.link.codec import class_methods, plain_methods

CANDIDATE = """
import functools


class Tracker:
    def __init__(self):
        self.seen = []

    def update(self, value):
        self.seen.append(value)
        return len(self.seen)

    def fill(self, values):
        values.append("filled")

    def fail(self):
        raise KeyError("no such row")

    def shadow(self):
        self.update = lambda value: "the instance's own"

    def replace_in_class(self):
        Tracker.update = lambda self, value: "replaced in the class"

    @property
    def total(self):
        return len(self.seen)

    @staticmethod
    def make(n):
        if n < 0:
            raise ValueError("n must be at least 0")
        return list(range(n))

    @classmethod
    def build(cls, *values):
        made = cls()
        made.seen.extend(values)
        return made

    @staticmethod
    def replace_make():
        Tracker.make = staticmethod(lambda n: "replaced make")


class Announced(type):
    def __getattribute__(cls, name):
        return type.__getattribute__(cls, name)


class Watched(metaclass=Announced):
    @staticmethod
    def make(n):
        return n


class Loud(Tracker):
    def __getattribute__(self, name):
        return object.__getattribute__(self, name)


def counted(function):
    @functools.wraps(function)
    def wrapper(*args):
        wrapper.calls += 1
        wrapper.last = repr(args)
        return function(*args)

    def reset():
        wrapper.calls = 0

    def replace_reset():
        wrapper.reset = lambda: "replaced reset"

    wrapper.calls = 0
    wrapper.reset = reset
    wrapper.replace_reset = replace_reset
    wrapper.upper = str.upper
    wrapper.last = None
    wrapper.ratio = float("nan")
    wrapper.history = []
    return wrapper


@counted
def square(x):
    return x * x


def call_method_of(obj, name, *args):
    return getattr(obj, name)(*args)


def call_and_count(obj, name, *args):
    endpoint = obj._mlgrade_endpoint
    before = endpoint.round_trips
    result = getattr(obj, name)(*args)
    return [result, endpoint.round_trips - before]


def squares(n):
    for i in range(n):
        yield i * i


class Countdown:
    def __init__(self):
        self.iters = 0

    def __iter__(self):
        self.iters += 1
        return iter([3, 2, 1])


def pull_all(iterable):
    endpoint = iterable._mlgrade_endpoint
    before = endpoint.round_trips
    iterator = iter(iterable)
    items = []
    for item in iterator:  # not list(): it would ask for a length first
        items.append(item)
    return [iterator is iterable, items, endpoint.round_trips - before]


def hold_then_call(obj):
    method = obj.score
    obj.touch()
    return method(1)
"""


@pytest.fixture
def answer(serve_answer):
    return serve_answer(CANDIDATE)


def _endpoint(answer):
    return answer._remote()._mlgrade_endpoint


def test_a_method_read_then_called_is_one_request(answer):
    tracker = answer.Tracker()
    endpoint = _endpoint(answer)
    before = endpoint.round_trips
    assert tracker.update(3) == 1
    assert tracker.update(4) == 2
    assert endpoint.round_trips - before == 2
    assert tracker.seen == [3, 4]


def test_a_method_held_across_other_requests_is_the_one_read(answer):
    """Read before the object changed: calling it later calls what was read then, as a
    bound method would, even though the object now has another `update`."""
    tracker = answer.Tracker()
    held = tracker.update
    tracker.shadow()
    assert held(1) == 1
    assert tracker.update(2) == "the instance's own"
    assert tracker.seen == [1]


def test_a_method_called_twice_keeps_calling_what_was_read(answer):
    tracker = answer.Tracker()
    held = tracker.update
    assert held(1) == 1
    tracker.replace_in_class()
    assert held(2) == 2  # the function read the first time, not the class's new one
    assert answer.Tracker().update(3) == "replaced in the class"


def test_a_method_shadowed_by_the_instance_is_looked_up_when_called(answer):
    tracker = answer.Tracker()
    tracker.shadow()
    assert tracker.update(5) == "the instance's own"


def test_a_methods_error_reaches_the_caller_and_its_repeat_raises_again(answer):
    tracker = answer.Tracker()
    fail = tracker.fail
    with pytest.raises(KeyError, match="no such row"):
        fail()
    with pytest.raises(KeyError, match="no such row"):
        fail()


def test_changes_a_method_makes_to_an_argument_come_back_kept_apart(answer):
    values = [1]
    answer.Tracker().fill(values)
    assert values == [1]
    assert _endpoint(answer).left_by_peer_of(values) == [1, "filled"]


def test_other_uses_of_a_method_ask_the_candidates_process(answer):
    tracker = answer.Tracker()
    update = tracker.update
    assert update.__name__ == "update"
    assert update.__qualname__ == "Tracker.update"
    assert "bound method Tracker.update" in repr(tracker.update)
    assert tracker.update == tracker.update
    assert answer.call_method_of(tracker, "update", 7) == 1


def test_attributes_that_are_not_plain_methods_are_asked_for(answer):
    tracker = answer.Tracker()
    assert tracker.total == 0
    assert not hasattr(tracker, "missing")
    loud = answer.Loud()
    endpoint = _endpoint(answer)
    before = endpoint.round_trips
    assert loud.update(1) == 1
    assert endpoint.round_trips - before == 2  # its own lookup: read, then called


def test_the_feedback_names_the_method_and_its_arguments(answer, monkeypatch):
    tracker = answer.Tracker()
    endpoint = _endpoint(answer)
    connection = type("Connection", (), {"link": type("Link", (), {"endpoint": endpoint})})
    monkeypatch.setattr(suite_tools, "_connection", connection)
    tracker.update(41)
    assert suite_tools.last_call() == "Tracker.update(41)"
    with pytest.raises(KeyError):
        tracker.fail()
    assert suite_tools.last_call() == "Tracker.fail()"


def test_a_judges_method_the_candidate_reads_then_calls_is_one_request(answer):
    class Model:
        def score(self, x):
            return x

        def touch(self):
            self.score = lambda x: "replaced"  # which the candidate may not read

    assert answer.call_and_count(Model(), "score", 1) == [1, 1]
    # Read before touch() ran in the judge: the bound method read then is called.
    assert answer.hold_then_call(Model()) == 1


def test_a_functions_counters_come_with_its_reply(answer):
    """A decorator's counters on its wrapper: read after the call without a request, and
    read afresh once the judge has asked anything else."""
    endpoint = _endpoint(answer)
    square = answer.square
    assert square(3) == 9
    before = endpoint.round_trips
    assert (square.calls, square.last) == (1, "(3,)")
    assert endpoint.round_trips == before
    ratio = square.ratio  # NaN does not travel with the reply: asked
    assert ratio != ratio
    assert square.history == []  # nor does a list
    assert endpoint.round_trips - before == 2
    assert square(4) == 16
    assert square.calls == 2


def test_a_functions_held_functions_are_looked_up_with_their_call(answer):
    """`wrapper.cache_clear()` right after a call of the wrapper: one request for the
    lookup and the call, which reach what the wrapper holds at that moment."""
    endpoint = _endpoint(answer)
    square = answer.square
    assert square(3) == 9
    before = endpoint.round_trips
    assert square.reset() is None
    assert endpoint.round_trips - before == 1
    assert square.calls == 0
    assert square(2) == 4
    assert square.upper("abc") == "ABC"
    assert square(2) == 4
    held = square.reset
    square.replace_reset()  # changes the wrapper: what was read before is still called
    assert held() is None
    assert square(2) == 4
    assert square.reset() == "replaced reset"
    assert square.reset.__name__ == "<lambda>"


def test_a_classs_own_functions_are_looked_up_with_their_call(answer):
    """`Model.from_config(...)`: a staticmethod's or a classmethod's lookup and its call in
    one request, with the results, errors and feedback of asking for each."""
    endpoint = _endpoint(answer)
    Tracker = answer.Tracker
    before = endpoint.round_trips
    assert Tracker.make(3) == [0, 1, 2]
    assert endpoint.round_trips - before == 1
    built = Tracker.build(4, 5)
    assert type(built) is Tracker
    assert built.seen == [4, 5]
    with pytest.raises(ValueError, match="at least 0"):
        Tracker.make(-1)
    held = Tracker.make
    Tracker.replace_make()
    assert held(2) == [0, 1]  # read before the class changed
    assert Tracker.make(2) == "replaced make"
    assert Tracker.make.__name__ == "<lambda>"
    Watched = answer.Watched
    before = endpoint.round_trips
    assert Watched.make(7) == 7  # its metaclass may answer the lookup: asked
    assert endpoint.round_trips - before == 2


def test_the_feedback_names_a_classs_own_function(answer, monkeypatch):
    endpoint = _endpoint(answer)
    connection = type("Connection", (), {"link": type("Link", (), {"endpoint": endpoint})})
    monkeypatch.setattr(suite_tools, "_connection", connection)
    with pytest.raises(ValueError):
        answer.Tracker.make(-2)
    assert suite_tools.last_call() == "Tracker.make(-2)"


def test_a_classs_own_functions_are_its_public_functions_static_and_class_methods():
    class Base:
        def fit(self):
            pass

        @classmethod
        def load(cls):
            pass

    class Child(Base):
        fit = property(lambda self: 1)

        @staticmethod
        def make():
            pass

        @staticmethod
        def _hidden():
            pass

        size = 3

    names = class_methods(Child)
    assert dict(zip(names[0::2], names[1::2], strict=True)) == {
        "load": Base.load.__qualname__,
        "make": Child.make.__qualname__,
    }

    class Meta(type):
        pass

    class Watched(Base, metaclass=Meta):
        pass

    assert class_methods(Watched) == []


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.sampled_from(["call", "hold", "shadow", "replace", "read"]), max_size=8))
def test_any_order_of_reads_and_calls_gives_what_one_process_gives(serve_answer, steps):
    """Run the same steps on the candidate's object across the link and on a local twin:
    every value agrees."""
    namespace: dict = {}
    exec(compile(CANDIDATE, "local.py", "exec"), namespace)
    here, there = namespace["Tracker"](), serve_answer(CANDIDATE).Tracker()
    held_here, held_there = [], []
    for step in steps:
        if step == "call":
            assert there.update(len(held_here)) == here.update(len(held_here))
        elif step == "hold":
            held_here.append(here.update)
            held_there.append(there.update)
        elif step == "shadow":
            here.shadow()
            there.shadow()
        elif step == "replace":
            here.replace_in_class()
            there.replace_in_class()
        else:
            assert there.seen == here.seen
    for mine, theirs in zip(held_here, held_there, strict=True):
        assert theirs(-1) == mine(-1)
    assert there.seen == here.seen


def test_a_classs_plain_methods_are_the_public_functions_its_instances_find():
    class Base:
        def fit(self):
            pass

        def predict(self):
            pass

        def _private(self):
            pass

    class Child(Base):
        predict = property(lambda self: 1)

        @staticmethod
        def make():
            pass

        def score(self):
            pass

    names = plain_methods(Child)
    assert dict(zip(names[0::2], names[1::2], strict=True)) == {
        "fit": Base.fit.__qualname__,
        "score": Child.score.__qualname__,
    }

    class Watched(Base):
        def __getattribute__(self, name):
            return object.__getattribute__(self, name)

    assert plain_methods(Watched) == []


def test_iter_of_a_generator_is_the_generator_without_a_request(answer):
    squares = answer.squares(3)
    endpoint = _endpoint(answer)
    before = endpoint.round_trips
    assert iter(squares) is squares
    assert endpoint.round_trips == before
    assert list(squares) == [0, 1, 4]


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: itertools.islice(itertools.count(5), 2), [5, 6]),
        (lambda: itertools.chain("ab", "c"), ["a", "b", "c"]),
        (lambda: itertools.repeat("x", 2), ["x", "x"]),
        (lambda: itertools.pairwise("abc"), [("a", "b"), ("b", "c")]),
        (lambda: itertools.tee("ab")[0], ["a", "b"]),
        (lambda: reversed(["a", "b"]), ["b", "a"]),
        (lambda: iter(range(2**64, 2**64 + 2)), [2**64, 2**64 + 1]),
    ],
)
def test_the_candidate_iterates_a_judges_builtin_iterator_without_asking_for_it(
    answer, make, expected
):
    same, items, trips = answer.pull_all(make())
    assert (same, items) == (True, expected)
    assert trips == len(expected) + 1  # one next() per item and the last


def test_a_subclass_of_a_builtin_iterator_runs_its_own_dunder_iter(answer):
    class Watched(itertools.chain):
        iters = 0

        def __iter__(self):
            Watched.iters += 1
            return self

    same, items, trips = answer.pull_all(Watched("ab"))
    # iter() twice: pull_all's own, then its for loop's.
    assert (same, items, Watched.iters) == (True, ["a", "b"], 2)
    assert trips == 2 + 3


def test_iter_of_an_iterable_class_runs_its_own_dunder_iter(answer):
    countdown = answer.Countdown()
    assert list(countdown) == [3, 2, 1]
    assert countdown.iters == 1


def test_the_candidate_iterates_a_judges_generator_without_asking_for_it(answer):
    def produce():
        yield from ("a", "b")

    generator = produce()
    same, items, trips = answer.pull_all(generator)
    assert (same, items) == (True, ["a", "b"])
    assert trips == 3  # one next() per item and the last, none for iter()
