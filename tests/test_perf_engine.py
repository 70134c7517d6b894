"""The engine's fast paths give what the plain paths give.

Row identities, document expressions and row matches are first told from intervals alone, read
a column at a time from the table's index (`identity._quick_holds`); roll-ups add the intervals
of a column worked out once (`TableIndex.cell_intervals`). Both must agree with the full
evaluation on every evaluation, on real documents and on documents changed at random: a
changed amount, a blank, a cell of text, a missing cell.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetcheck.engine.checks import identity, rollup
from budgetcheck.engine.checks.base import (
    Context,
    Outcome,
    agree,
)
from budgetcheck.engine.expr import Ref
from budgetcheck.engine.index import DocumentIndex, TableIndex, add_all
from budgetcheck.engine.packs import Rule
from budgetcheck.engine.run import EXPRESSION_KINDS
from budgetcheck.engine.vocabulary import vocabulary
from budgetcheck.loading.text import key
from budgetcheck.model import Amount, Cell, Document, Row
from docbuild import fixture, ruleset

EXAMPLES = int(os.environ.get("BUDGETCHECK_FUZZ_EXAMPLES", "30"))
FIXTURES = [
    "siping-2024.xlsx",
    "siping-2024-codes.xlsx",
    "siping-2024-complete.xlsx",
    "siping-2024-stacked.xlsx",
    "siping-2024-template-layout.xlsx",
]


def _compiled() -> list[tuple[str, identity.Compiled]]:
    rules = ruleset()
    return [
        (
            rule.info.check_kind,
            identity.compile_rule(rule, rules.facts, EXPRESSION_KINDS[rule.info.check_kind]),
        )
        for rule in rules.rules
        if rule.info.check_kind in EXPRESSION_KINDS
    ]


RUNS = {
    "row_identity": identity.run_rows,
    "expression": identity.run_document,
    "row_match": identity.run_matched,
}


@dataclass
class _Asked:
    compiled: identity.Compiled
    context: Context
    table: TableIndex | None
    evaluations: identity.Evaluations
    answers: list[bool | Ref]


def _check_expression_rules(doc: Document, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every interval-only answer agrees with `_first_applicable`, and every rule's outcome is
    the one it has when every evaluation is made in full. Returns the answers checked."""
    asked: list[_Asked] = []
    quick = identity._quick_holds

    def recording(
        compiled: identity.Compiled,
        context: Context,
        table: TableIndex | None,
        evaluations: identity.Evaluations,
    ) -> list[bool | Ref]:
        answers = quick(compiled, context, table, evaluations)
        asked.append(_Asked(compiled, context, table, evaluations, answers))
        return answers

    checked = 0
    for kind, compiled in _compiled():
        run = RUNS[kind]
        monkeypatch.setattr(identity, "_quick_holds", recording)
        fast = run(compiled, _context(doc))
        monkeypatch.setattr(identity, "_quick_holds", _never_quick)
        plain = run(compiled, _context(doc))
        assert _same(fast, plain), compiled.rule.id
    monkeypatch.setattr(identity, "_quick_holds", quick)
    for record in asked:
        assert len(record.answers) == record.evaluations.size
        for n, answer in enumerate(record.answers):
            make = partial(
                identity.Resolver,
                record.context,
                record.table,
                record.evaluations.current(n),
                record.compiled.facts,
            )
            verdict, _, missing = identity._first_applicable(record.compiled, make, False)
            if answer is True:
                assert verdict is not None and verdict.holds
            elif isinstance(answer, Ref):
                assert verdict is None and missing == answer
            checked += 1
    return checked


def _never_quick(
    compiled: identity.Compiled,
    context: Context,
    table: TableIndex | None,
    evaluations: identity.Evaluations,
) -> list[bool | Ref]:
    return [False] * evaluations.size


def _context(doc: Document, strict: bool = False) -> Context:
    return Context(DocumentIndex(doc, vocabulary()), None, strict)


def _same(a: Outcome, b: Outcome) -> bool:
    return (a.findings, a.applicable, a.reason, a.evaluated, a.unchecked) == (
        b.findings,
        b.applicable,
        b.reason,
        b.evaluated,
        b.unchecked,
    )


def _check_rollups(doc: Document) -> None:
    for rule in ruleset().rules:
        if rule.info.check_kind != "rollup":
            continue
        for strict in (False, True):
            fast = rollup.run(rule, _context(doc, strict))
            plain = _plain_rollup(rule, _context(doc, strict))
            assert _same(fast, plain), (rule.id, strict)


def _plain_rollup(rule: Rule, context: Context) -> Outcome:
    """`rollup.run` comparing each cell's Quantity, as the roll-ups were first written."""
    original = rollup._compare
    rollup._compare = _compare_quantities  # type: ignore[assignment]
    try:
        return rollup.run(rule, context)
    finally:
        rollup._compare = original


def _compare_quantities(
    rule: Rule,
    context: Context,
    table: TableIndex,
    parent: Row,
    children: list[Row],
    parts: str,
    outcome: Outcome,
) -> None:
    for column in table.amount_columns:
        index = column.index
        if index not in parent.cells:
            continue
        stated = table.quantity(parent.cells[index])
        if stated is None:
            continue
        pieces = table.column_quantities(children, index)
        if None in pieces:
            continue
        found = [p for p in pieces if p is not None]
        if not found:
            continue
        outcome.evaluated += 1
        if agree(stated, add_all(found), context.strict):
            continue
        # The wording is the roll-up's own: this copy decides what fails, not how it is said.
        rollup._finding(rule, table, parent, children, parts, column, outcome)


def _check_index(doc: Document) -> int:
    """The index's intervals are its Quantities' intervals, cell by cell."""
    index = DocumentIndex(doc, vocabulary())
    checked = 0
    for table in index.tables.values():
        names = {c.name for c in table.amount_columns} | set(table.canonical.values())
        for column in table.amount_columns:
            by_row = table.cell_intervals(column.index)
            for row in table.table.rows:
                cell = row.cells.get(column.index)
                if cell is None:
                    assert id(row) not in by_row
                    continue
                quantity = table.quantity(cell)
                assert by_row[id(row)] == (None if quantity is None else quantity.interval)
                checked += 1
        for row in table.table.rows:
            amount = table.row_amount(row)
            assert table.row_interval(row) == (None if amount is None else amount.interval)
            for name in names:
                cell = table.cell(row, name)
                quantity = None if cell is None else table.quantity(cell)
                expected = None if quantity is None else quantity.interval
                assert table.interval(row, name) == expected  # before the column is worked out
                assert table.named_intervals(name).get(id(row)) == expected
                assert table.interval(row, name) == expected  # and after
        _check_find_row(table)
        _check_columns_named(table, names)
    return checked


def _check_columns_named(table: TableIndex, names: set[str]) -> None:
    """`columns_named`, remembered for tables with the same headers (so from an earlier
    document, or an earlier index of this one), finds what this table's own search finds."""
    paths = {c.name for c in table.amount_columns} | {c.path[-1] for c in table.amount_columns}
    for name in sorted(names | paths | {"合计", "不存在的列", "基本支出/人员经费"}):
        found = table.columns_named(name)
        assert [id(c) for c in found] == [id(c) for c in table._find_columns(name)]
        fresh = TableIndex(table.table, vocabulary())
        assert [id(c) for c in fresh.columns_named(name)] == [id(c) for c in found]


def _check_find_row(table: TableIndex) -> None:
    """`find_row`, through the table's label index, finds what a scan of every row finds."""
    vocab = vocabulary()
    rows = table.table.rows
    selectors = {r.label for r in rows} | {r.code for r in rows if r.code}
    selectors |= {"合计", "总计", "本年收入合计", "支出总计", "9999", *vocab.row_aliases}
    for selector in sorted(selectors):
        for side in [None, *{r.side for r in rows}]:
            expected = _plain_find_row(table, selector, side)
            assert table.find_row(selector, vocab, side) is expected
            assert table.find_row(selector, vocab, side) is expected  # remembered


def _plain_find_row(table: TableIndex, selector: str, side: str | None) -> Row | None:
    """`TableIndex._find_row` as it was: a scan of every row's label key."""
    rows = [
        r for r in table.table.rows if r.kind != "placeholder" and (side is None or r.side == side)
    ]
    if selector.isdigit():
        return next((r for r in rows if r.code == selector), None)
    wanted = vocabulary().row_keys(selector)
    matches = [r for r in rows if key(r.label) in wanted]
    if not matches and key(selector) in ("合计", "总计"):
        matches = [r for r in rows if r.kind == "total" and key(r.label) in ("合计", "总计")]
    if not matches:
        return None
    totals = [r for r in matches if r.kind == "total"]
    return (totals or matches)[-1] if key(selector).endswith(("合计", "总计")) else matches[0]


@pytest.mark.parametrize("name", FIXTURES)
def test_fast_paths_agree_on_the_fixtures(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = fixture(name)
    assert _check_index(doc) > 0
    assert _check_expression_rules(doc, monkeypatch) > 0
    _check_rollups(doc)


@st.composite
def changed_documents(draw: st.DrawFn) -> Document:
    """A fixture with a few cells changed: another amount, a blank, text, or no cell at all."""
    doc = fixture(draw(st.sampled_from(FIXTURES[:2])))
    for _ in range(draw(st.integers(1, 6))):
        table = draw(st.sampled_from(doc.tables))
        rows = [r for r in table.rows if r.cells]
        if not rows:
            continue
        row = draw(st.sampled_from(rows))
        index = draw(st.sampled_from(sorted(row.cells)))
        cell = row.cells[index]
        change = draw(st.sampled_from(["amount", "blank", "text", "gone"]))
        if change == "gone":
            del row.cells[index]
        elif change == "blank":
            row.cells[index] = Cell(cell.ref, None, "")
        elif change == "text":
            row.cells[index] = Cell(cell.ref, None, "待定", "not a number")
        else:
            cents = draw(st.integers(-(10**9), 10**9))
            decimals = draw(st.integers(0, 4))
            value = Decimal(cents).scaleb(-decimals)
            row.cells[index] = Cell(cell.ref, Amount(value, decimals), str(value))
    return doc


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=changed_documents())
def test_fast_paths_agree_on_changed_documents(
    doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    _check_index(doc)
    _check_expression_rules(doc, monkeypatch)
    _check_rollups(doc)


def test_the_packs_carry_each_expression_parsed_as_compiling_would_parse_it():
    from budgetcheck.engine.expr import parse
    from budgetcheck.engine.packs import load_packs

    ruleset = load_packs()
    texts = {
        text
        for rule in ruleset.rules
        for text in (
            [rule.check["expr"]] if isinstance(rule.check.get("expr"), str) else rule.check.get("expr") or []
        )
    }
    assert texts and set(ruleset.parsed) == texts
    assert all(ruleset.parsed[text] == parse(text) for text in texts)
