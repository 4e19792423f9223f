"""How the judge compares the candidate's objects with its own values: never by asking
the candidate's code for the verdict.

`got == expected` on a proxy used to send `expected` to the candidate's process and take
its `__eq__`'s word for the result, so an object whose `__eq__` says True to everything
passed any check (and learned the expected value). Now the candidate's process is only
asked what value its object holds: an instance of a subclass of a built-in value type (a
Counter, a namedtuple, an IntEnum) hands over the built-in value, which the judge
compares, orders, hashes or computes with itself. Any other object compares equal only
to itself (a bound method: to one of the same function on the same object), and refuses
ordering and arithmetic with the judge's values, as a plain `object` does. What an object
says of its own value is its answer, checked like any other.
"""

from __future__ import annotations

import operator
import types
from collections.abc import Callable
from typing import Any

# The built-in types whose instances cross by value, and whose subclasses' instances
# are compared by the built-in value they hold.
VALUE_TYPES: tuple[type, ...] = (
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    tuple,
    list,
    dict,
    set,
    frozenset,
)

# The comparisons and arithmetic a proxy forwards: applied here to the value an object
# holds, and by the object's owner (grader.link.policy.OPERATIONS) to the object itself.
JUDGED: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "radd": lambda a, b: operator.add(b, a),
    "rsub": lambda a, b: operator.sub(b, a),
    "rmul": lambda a, b: operator.mul(b, a),
    "rtruediv": lambda a, b: operator.truediv(b, a),
}


def value_of(obj: Any) -> list[Any]:
    """Run by the object's owner: [True, the built-in value it holds] for an instance of
    a subclass of a built-in value type, [False, None] for any other object."""
    if type(obj) is types.MethodType:
        # Python compares bound methods by what they are bound to, and to what.
        return [True, ("bound method", obj.__self__, obj.__func__)]
    for base in type(obj).__mro__:
        if base in VALUE_TYPES:
            # The object's own say on its value (its __iter__, __int__, keys...).
            value = base(obj)
            if type(value) is base:
                return [True, value]
            break
    return [False, None]


def judged(held: list[Any], name: str, other: Any) -> Any:
    """The result of operation `name` between an object whose value_of() reply is `held`
    and the judge's `other`: NotImplemented where a plain object would have none."""
    if not _holds_value(held):
        # Python then tries `other`'s side, and for == and != falls back to identity.
        return NotImplemented
    return JUDGED[name](held[1], other)


def _holds_value(held: Any) -> bool:
    # The owner's reply, checked: a hostile process may answer with one of its own
    # objects again (a proxy), which would be asked again, without end.
    return (
        isinstance(held, list)
        and len(held) == 2
        and held[0] is True
        and type(held[1]) in VALUE_TYPES
    )


def judged_hash(held: list[Any], proxy: Any) -> int:
    """hash() of a proxy on the judge's side: its value's, or its identity's."""
    if _holds_value(held):
        return hash(held[1])
    return object.__hash__(proxy)
