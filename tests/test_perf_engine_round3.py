"""The engine's round-3 fast paths give what the plain paths give.

`expr.interval_test` given `slot_of` reads the references of a comparison of sums straight
from the environment's items (`_linear_compare`), without a call per reference and without
raising for an absent one; without it, each reference is a bound lookup. Both must answer
alike: True, False or the first absent reference.
"""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter

from hypothesis import given, settings
from hypothesis import strategies as st

from budgetcheck.engine.expr import Ref, interval_test, parse, references
from budgetcheck.engine.interval import Interval, made

NAMES = ("甲", "乙", "丙", "丁")
OPS = ("==", "!=", "<=", "<", ">=", ">")


@st.composite
def operands(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(NAMES))
    kind = draw(st.sampled_from(["ref", "ref", "optional", "number", "negated", "sum"]))
    if kind == "optional":
        return "?" + name
    if kind == "number":
        return str(draw(st.integers(0, 500)))
    if kind == "negated":
        return "-" + name
    if kind == "sum":
        return f"sum({name}, {draw(st.sampled_from(NAMES))})"
    return name


@st.composite
def sides(draw: st.DrawFn) -> str:
    parts = draw(st.lists(operands(), min_size=1, max_size=5))
    text = parts[0]
    for part in parts[1:]:
        text += f" {draw(st.sampled_from(['+', '-']))} {part}"
    return text


@st.composite
def conditions(draw: st.DrawFn) -> str:
    compares = [
        f"{draw(sides())} {draw(st.sampled_from(OPS))} {draw(sides())}"
        for _ in range(draw(st.integers(1, 2)))
    ]
    return f" {draw(st.sampled_from(['and', 'or']))} ".join(compares)


intervals = st.one_of(
    st.none(),
    st.builds(
        lambda low, width: made(Decimal(low).scaleb(-2), Decimal(low + width).scaleb(-2)),
        st.integers(-(10**6), 10**6),
        st.integers(0, 200),
    ),
)


@settings(max_examples=400, deadline=None)
@given(text=conditions(), data=st.data())
def test_reading_by_slot_answers_as_reading_by_lookup(text: str, data: st.DataObject) -> None:
    node = parse(text)
    refs = tuple(references(node))
    slots = {ref: slot for slot, ref in enumerate(refs)}
    by_lookup = interval_test(node, lambda ref: itemgetter(slots[ref]))
    by_slot = interval_test(node, lambda ref: itemgetter(slots[ref]), slots.__getitem__)
    assert (by_lookup is None) == (by_slot is None)
    if by_lookup is None or by_slot is None:
        return
    env: tuple[Interval | None, ...] = tuple(data.draw(intervals) for _ in refs)
    expected = by_lookup(env)
    found = by_slot(env)
    assert found == expected
    assert isinstance(found, Ref) == isinstance(expected, Ref)


def test_an_absent_reference_is_the_first_one_read() -> None:
    node = parse("甲 == 乙 + ?丙 + 丁")
    refs = tuple(references(node))
    slots = {ref: slot for slot, ref in enumerate(refs)}
    test = interval_test(node, lambda ref: itemgetter(slots[ref]), slots.__getitem__)
    assert test is not None
    one = Interval.exact(Decimal(1))
    assert test((one, None, None, None)) == refs[1]  # 乙; 丙 is optional, 丁 comes later
    assert test((one, one, None, None)) == refs[3]
    assert test((None, one, one, one)) == refs[0]
    assert test((Interval.exact(Decimal(2)), one, None, one)) is True
    assert test((Interval.exact(Decimal(3)), one, None, one)) is False
