"""What the engine now works out once per document gives what it gave worked out per rule.

Row selections (`identity._selected`) are shared by the rules that select alike, a rule's
evaluations are kept a table at a time (`identity.Evaluations`), the rows of each side of a
table are split once for both roll-up parts (`rollup._by_side`), and the index's lazily made
lookups are plain attributes. Sums skip blank cells (exactly 0: `interval.BLANK`).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetcheck.engine.checks import identity, rollup
from budgetcheck.engine.checks.base import Context
from budgetcheck.engine.expr import Ref, _ends
from budgetcheck.engine.index import DocumentIndex
from budgetcheck.engine.interval import BLANK, Interval
from budgetcheck.engine.vocabulary import vocabulary
from budgetcheck.loading.text import key
from budgetcheck.model import Amount, CellRef, Document, Row
from docbuild import fixture

FIXTURES = ["siping-2024.xlsx", "siping-2024-codes.xlsx", "siping-2024-stacked.xlsx"]
WHERES: list[dict[str, object]] = [
    {},
    {"kind": "item"},
    {"kind": ["item", "total"]},
    {"side": "支出"},
    {"side": None},
    {"side": "收入", "kind": "item", "level": 1},
    {"level": 2},
    {"level": True},
    {"table": "支出总表", "by": "label", "kind": "item"},
    {"side": ["支出"]},  # malformed: an unhashable side selects nothing, and is not shared
]


def _context(doc: Document) -> Context:
    return Context(DocumentIndex(doc, vocabulary()), None, False)


@pytest.mark.parametrize("name", FIXTURES)
def test_shared_selections_are_the_rows_selected_per_rule(name: str) -> None:
    context = _context(fixture(name))
    for table, where in itertools.product(context.index.tables.values(), WHERES):
        selected = identity._selected(context, table, where)
        rows = identity._rows(table, where)
        assert selected.rows == rows
        assert [id(row) for row in rows] == selected.ids
        again = identity._selected(context, table, dict(where))
        assert again.rows == rows
        for by in ("label", "code"):
            firsts: dict[str | None, Row] = {}
            for row in rows:
                firsts.setdefault(identity._match_key(row, by), row)
            assert selected.firsts(by) == firsts


def test_equal_selectors_share_one_selection() -> None:
    context = _context(fixture(FIXTURES[0]))
    table = next(iter(context.index.tables.values()))
    first = identity._selected(context, table, {"kind": "item"})
    assert identity._selected(context, table, {"kind": ["item"], "table": "x"}) is first
    assert identity._selected(context, table, {"kind": "item", "side": None}) is not first


@settings(max_examples=50, deadline=None)
@given(
    lefts=st.lists(st.integers(0, 5), max_size=8),
    same_kind=st.booleans(),
    picked=st.lists(st.integers(0, 7), max_size=8),
)
def test_evaluations_give_each_evaluation_its_current_rows(
    lefts: list[int], same_kind: bool, picked: list[int]
) -> None:
    rows = [Row(CellRef("表", n, 0), f"行{n}", None, None, "item") for n in range(6)]
    left = [rows[n] for n in lefts]
    right = [rows[5 - n] for n in lefts]
    other_kind = "a" if same_kind else "b"
    evaluations = identity._evaluations(len(left), ("a", left), (other_kind, right))
    assert evaluations.size == len(left)
    for n in range(len(left)):
        # As the per-row dict was built: a later table of the same kind overrides.
        expected = {"a": id(left[n]), other_kind: id(right[n])}
        current = evaluations.current(n)
        assert {kind: id(row) for kind, row in current.items()} == expected
        assert {kind: ids[n] for kind, ids in evaluations.ids.items()} == expected
    chosen = [n for n in picked if n < len(left)]
    some = evaluations.some(chosen)
    assert some.size == len(chosen)
    for m, n in enumerate(chosen):
        assert {k: id(r) for k, r in some.current(m).items()} == {
            k: id(r) for k, r in evaluations.current(n).items()
        }
        assert {kind: ids[m] for kind, ids in some.ids.items()} == {
            kind: ids[n] for kind, ids in evaluations.ids.items()
        }


@pytest.mark.parametrize("name", FIXTURES)
def test_rollup_groups_from_the_shared_sides_are_the_groups_per_rule(name: str) -> None:
    context = _context(fixture(name))
    for table in context.index.tables.values():
        all_rows = table.table.rows
        sides = list(dict.fromkeys(r.side for r in all_rows))
        for parts in rollup.PARTS:
            expected: list[tuple[Row, list[Row]]] = []
            for side in sides:
                rows = [r for r in all_rows if r.side == side and r.kind in ("item", "total")]
                if parts == "children":
                    expected.extend(rollup._children_groups(rows))
                else:
                    expected.extend(rollup._total_groups(rows))
            assert rollup._groups(rollup._by_side(context, table), parts) == expected
        assert rollup._by_side(context, table) is rollup._by_side(context, table)


@pytest.mark.parametrize("name", FIXTURES)
def test_index_lookups_made_on_first_use(name: str) -> None:
    for table in _context(fixture(name)).index.tables.values():
        rows = table.table.rows
        items = [r for r in rows if r.kind in ("item", "total")]
        lone = items[0] if len(items) == 1 else None
        assert table.single_item_row() is lone
        assert table.single_item_row() is lone  # remembered, None included
        by_label: dict[str, list[int]] = {}
        for position, row in enumerate(rows):
            by_label.setdefault(key(row.label), []).append(position)
        assert table._rows_by_label() == by_label
        assert table._rows_by_label() is table._rows_by_label()
        keys = table._column_keys()
        assert [column for column, _ in keys] == table.amount_columns
        assert table._column_keys() is keys


_INTERVALS = st.one_of(
    st.just(BLANK),
    st.builds(
        lambda value, decimals: Interval.from_amount(
            Amount(Decimal(value).scaleb(-decimals), decimals)
        ),
        st.integers(-(10**12), 10**12),
        st.integers(0, 4),
    ),
)


@settings(max_examples=200, deadline=None)
@given(terms=st.lists(st.tuples(st.booleans(), _INTERVALS), min_size=1, max_size=8))
def test_sums_skipping_blanks_have_the_values_of_the_whole_sums(
    terms: list[tuple[bool, Interval]],
) -> None:
    """`expr._ends` skips adding a blank (exactly 0): the ends keep the values of the sum
    with every operand added, as `Interval` arithmetic makes it."""
    env = [interval for _, interval in terms]
    linear = tuple(
        (plus, slot, Ref(None, None, (f"列{slot}",)), None)
        for slot, (plus, _) in enumerate(terms)
    )
    ends = _ends(linear, env)
    assert ends is not None
    whole = env[0]
    for plus, interval in terms[1:]:
        whole = whole + interval if plus else whole - interval
    assert ends[0] == whole.low and ends[1] == whole.high
