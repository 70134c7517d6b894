"""Checks written as expressions: on every row of a table, once per document, or per matched row.

`expr` is one expression or a list of alternatives: the first one whose references all exist
in the document is evaluated (layouts name the same figure differently).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from operator import itemgetter, methodcaller
from typing import Literal, NamedTuple

from budgetcheck.engine.checks.base import (
    Context,
    Outcome,
    comparison_finding,
    not_applicable,
    row_name,
)
from budgetcheck.engine.expr import (
    Lookup,
    Node,
    NotApplicable,
    Program,
    Ref,
    Undefined,
    Value,
    Verdict,
    compile_expression,
    interval_test,
    references,
    unparse,
)
from budgetcheck.engine.facts import Fact, find_fact
from budgetcheck.engine.index import Quantity, Source, TableIndex
from budgetcheck.engine.interval import Interval
from budgetcheck.engine.packs import Rule, rule_error
from budgetcheck.engine.vocabulary import TEXT_TABLE
from budgetcheck.engine.wording import describe
from budgetcheck.findings import Finding, Text
from budgetcheck.loading.text import key
from budgetcheck.model import Cell, CellRef, Paragraph, Row, Table

CURRENT_ROW = "本行"  # in row_match expressions: the row being checked, or the row it matched


@dataclass(frozen=True, slots=True)
class Compiled:
    """A rule's expressions parsed and checked against the vocabulary once per run."""

    rule: Rule
    alternatives: tuple[Node, ...]
    facts: dict[str, Fact]
    # The alternatives compiled with their references bound to lookups on a Resolver.
    programs: tuple[Program[Resolver], ...]
    # The alternatives compiled again to be told from intervals alone (`_quick_test`).
    quick: tuple[QuickTest | None, ...] = ()


class Resolver:
    """Maps the references of one evaluation to Values, remembering how to show each source."""

    def __init__(
        self,
        context: Context,
        table: TableIndex | None,
        rows: dict[str, Row],
        facts: dict[str, Fact],
        known: Known | None = None,  # the document's Values so far (`_known_values`)
    ) -> None:
        self.context = context
        self.table = table
        self.rows = rows  # table kind -> the current row of that table
        self.current: Row | None = rows.get(table.table.kind) if table else None
        self.facts = facts
        # (sources, unit, decimals) of each quantity looked up, in order; most evaluations hold,
        # so the map of how to show each source is only built for a finding (`quantity`).
        self.looked_up: list[Shown] = []
        memo = _known_values(context) if known is None else known
        self.known = memo.by_row
        self.cells = memo.by_cell

    def __call__(self, ref: Ref) -> Value | None:
        return _lookup(ref)(self)

    def column(self, column: str) -> Value | None:
        """A column of the current row of the rule's own table."""
        current = self.current
        if self.table is None or current is None:
            return None
        # `_cell` written out: this is the lookup of nearly every reference of every row.
        known = self.known.get((id(current), column))
        if known is None or known[0] is not current:
            known = self._made(self.table, current, column)
        if known[2] is not None:
            self.looked_up.append(known[2])
        return known[1]

    def cell(self, ref: Ref, current_row: bool, column: str) -> Value | None:
        """A row of a named table: a column of it, or its amount when no column is named."""
        table = self.context.index.table(ref.table or "")
        if table is None:
            return None
        row = self._row(table, ref, current_row)
        if row is None:
            lone = table.single_item_row()
            if lone is not None and ref.row and not ref.column:
                return self._cell(table, lone, ref.row)
            return None
        if not ref.column:
            return self._cell(table, row, None)
        return self._cell(table, row, column)

    def _row(self, table: TableIndex, ref: Ref, current_row: bool) -> Row | None:
        if ref.row is None:
            return table.single_item_row()
        if current_row:
            return self.rows.get(table.table.kind)
        return table.find_row(ref.row, self.context.index.vocabulary)

    def _cell(self, table: TableIndex, row: Row, column: str | None) -> Value | None:
        """A column of a row, or with None the row's amount (TableIndex.row_amount)."""
        # The same cells are read by many rules and rows: each Value is made once per document.
        known = self.known.get((id(row), column))
        if known is None or known[0] is not row:
            known = self._made(table, row, column)
        _, value, shown = known
        if value is not None and shown is not None:
            self.looked_up.append(shown)
        return value

    def _made(
        self, table: TableIndex, row: Row, column: str | None
    ) -> tuple[Row, Value | None, Shown | None]:
        """The Value of a column of a row (None: the row's amount), made and remembered."""
        if column is None:
            value, shown = _value(table.row_amount(row))
        elif (cell := table.cell(row, column)) is not None:
            value, shown = self._cell_value(table, cell)
        else:
            value, shown = None, None
        known = (row, value, shown)
        self.known[(id(row), column)] = known
        return known

    def _cell_value(self, table: TableIndex, cell: Cell) -> tuple[Value | None, Shown | None]:
        # Rules name one cell in several ways (合计 / 金额): its Value is made once.
        found = self.cells.get(id(cell))
        if found is None or found[0] is not cell or found[1] is not table:
            found = (cell, table, *_value(table.quantity(cell)))
            self.cells[id(cell)] = found
        return found[2], found[3]

    def fact(self, fact: Fact | None) -> Value | None:
        if fact is None:
            return None
        found = find_fact(fact, self.context.index.doc.paragraphs)
        if found is None:
            return None
        paragraph, amount, unit = found
        self.looked_up.append(((paragraph,), unit, amount.decimals))
        return Value.of(amount.scaled(_factor(unit)), paragraph)

    def quantity(self, value: Value) -> Quantity:
        shown: dict[Source, tuple[str, int]] = {}  # source -> (unit, decimals) first seen
        for sources, unit, decimals in self.looked_up:
            for source in sources:
                shown.setdefault(source, (unit, decimals))
        unit, precision = next((shown[s] for s in value.sources if s in shown), ("元", 2))
        sources = tuple(s for s in value.sources if isinstance(s, (CellRef, Paragraph)))
        return Quantity(value.interval, sources, unit, precision)


Shown = tuple[tuple[Source, ...], str, int]  # sources, the unit and decimals to show them in
# The intervals of an alternative's references, in the order of `references` (None: absent).
Intervals = tuple[Interval | None, ...]


class Reading(NamedTuple):
    """How `_intervals` reads one reference, worked out when compiling the rule."""

    # "own": a column of the current row of the rule's own table; "current": the current row
    # of a named table (T[本行].c, or its amount T[本行]); "row": a row named by a selector
    # (T[合计].c, T[合计]); "lookup": a text fact, through a Resolver as evaluated.
    how: Literal["own", "current", "row", "lookup"]
    table: str | None
    row: str | None
    column: str
    lookup: Lookup[Resolver]


# An alternative's interval-only test, run on its references' intervals, and how to read them.
QuickTest = tuple[Callable[[Intervals], "bool | Ref"], tuple[Reading, ...]]


class Known:
    """The Values made so far for one document, shared by its identity rules."""

    __slots__ = ("by_cell", "by_row", "selections")

    def __init__(self) -> None:
        # (id(row), column) -> (the row, its Value, how to show it); None as the column: the
        # row's amount
        self.by_row: dict[tuple[int, str | None], tuple[Row, Value | None, Shown | None]] = {}
        # id(cell) -> (the cell, its table, its Value, how to show it)
        self.by_cell: dict[int, tuple[Cell, TableIndex, Value | None, Shown | None]] = {}
        # (table kind, row kinds, side, level) -> the rows `_rows` selects (`_selected`)
        self.selections: dict[tuple[object, ...], Selected] = {}


class Selected:
    """The rows of a table that rules select alike (`_rows`), kept for the document: many
    rules check the same rows of the same table."""

    __slots__ = ("_firsts", "ids", "rows")

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows  # shared by the rules: never changed
        self.ids = [id(row) for row in rows]  # what `_column_of` looks the rows up by
        # by -> the first row of each code or name (`run_matched`'s candidates)
        self._firsts: dict[str, dict[str | None, Row]] = {}

    def firsts(self, by: str) -> dict[str | None, Row]:
        """The first row of each code or name: what a scan of the rows finds first."""
        found = self._firsts.get(by)
        if found is None:
            found = self._firsts[by] = {}
            for row in self.rows:
                found.setdefault(_match_key(row, by), row)
        return found


class Evaluations(NamedTuple):
    """A rule's evaluations a table at a time: for each table kind, its current row in each
    evaluation, and those rows' ids (`_column_of`). A table without a current row is left
    out. Only the evaluations made in full need a row's tables together (`current`)."""

    size: int  # how many evaluations
    rows: dict[str, list[Row]]
    ids: dict[str, list[int]]

    def current(self, n: int) -> dict[str, Row]:
        """The current row of each table in evaluation `n`, as a Resolver takes them."""
        return {kind: rows[n] for kind, rows in self.rows.items()}

    def some(self, picked: list[int]) -> Evaluations:
        """Only the evaluations `picked`, in that order."""
        return Evaluations(
            len(picked),
            {kind: [rows[n] for n in picked] for kind, rows in self.rows.items()},
            {kind: [ids[n] for n in picked] for kind, ids in self.ids.items()},
        )


def _evaluations(count: int, *tables: tuple[str, list[Row]]) -> Evaluations:
    """Evaluations from each table kind's current rows; a later kind overrides an earlier."""
    rows = dict(tables)
    return Evaluations(count, rows, {kind: [id(row) for row in found] for kind, found in rows.items()})


def _known_values(context: Context) -> Known:
    """The Values made so far for this document (the context is the document's)."""
    known = context.shared.get("identity.values")
    if not isinstance(known, Known):
        known = context.shared["identity.values"] = Known()
    return known


def _value(quantity: Quantity | None) -> tuple[Value | None, Shown | None]:
    if quantity is None:
        return None, None
    shown = (quantity.sources, quantity.unit or "元", quantity.precision)
    # No stated value: `Value.value` gives the midpoint, the amount as written, when asked.
    # Most cells are only ever compared as intervals (`_quick_holds`).
    return Value(quantity.interval, quantity.sources), shown


def _lookup(ref: Ref, facts: dict[str, Fact] | None = None) -> Lookup[Resolver]:
    """How a Resolver finds `ref`, with what does not depend on the document worked out now.

    `facts`: the rule set's text facts, known when compiling; None to use the resolver's own.
    """
    column = "/".join(ref.column)
    if ref.table is None:
        return methodcaller("column", column)  # resolver.column(column), a call cheaper
    if key(ref.table) == TEXT_TABLE:
        name = key(ref.row or "")
        if facts is not None:
            fact = facts.get(name)
            return lambda resolver: resolver.fact(fact)
        return lambda resolver: resolver.fact(resolver.facts.get(name))
    current_row = ref.row is not None and key(ref.row) == CURRENT_ROW
    return methodcaller("cell", ref, current_row, column)


def _factor(unit: str) -> Decimal:
    from budgetcheck.model import UNIT_FACTORS

    return UNIT_FACTORS[unit]


def compile_rule(
    rule: Rule,
    facts: dict[str, Fact],
    table_required: bool,
    parsed: dict[str, Node] | None = None,  # texts parsed before (RuleSet.parsed)
) -> Compiled:
    from budgetcheck.engine.expr import ExprError, parse, references
    from budgetcheck.engine.vocabulary import vocabulary

    raw = rule.check.get("expr")
    texts = [raw] if isinstance(raw, str) else list(raw or [])
    if not texts or not all(isinstance(t, str) for t in texts):
        raise rule_error(
            rule, "expr 必须是表达式或表达式列表", "expr must be an expression or a list of them"
        )
    vocab = vocabulary()
    own_kind = vocab.kind_of(str(rule.check.get("table", ""))) if table_required else None
    if table_required and own_kind is None:
        raise rule_error(
            rule,
            f"没有名为“{rule.check.get('table')}”的表",
            f"there is no table named '{rule.check.get('table')}'",
        )
    nodes = []
    for text in texts:
        node = (parsed or {}).get(text)
        if node is None:
            try:
                node = parse(text)
            except ExprError as error:
                raise rule_error(rule, error.zh, error.en) from None
        for ref in references(node):
            _validate_ref(rule, ref, own_kind, facts)
        nodes.append(node)
    programs = tuple(compile_expression(node, partial(_lookup, facts=facts)) for node in nodes)
    quick = tuple(_quick_test(node, facts) for node in nodes)
    return Compiled(rule, tuple(nodes), facts, programs, quick)


def _quick_test(node: Node, facts: dict[str, Fact]) -> QuickTest | None:
    """The alternative told from intervals alone (`expr.interval_test`), run on a tuple of its
    references' intervals: the engine reads those for a whole column at once (`_quick_holds`)."""
    refs = tuple(references(node))
    slots = {ref: slot for slot, ref in enumerate(refs)}
    test = interval_test(node, lambda ref: itemgetter(slots[ref]), slots.__getitem__)
    return None if test is None else (test, tuple(_reading(ref, facts) for ref in refs))


def _reading(ref: Ref, facts: dict[str, Fact]) -> Reading:
    column = "/".join(ref.column)
    lookup = _lookup(ref, facts)
    if ref.table is None:
        return Reading("own", None, None, column, lookup)
    if key(ref.table) == TEXT_TABLE:
        return Reading("lookup", ref.table, ref.row, column, lookup)
    current_row = ref.row is not None and key(ref.row) == CURRENT_ROW
    return Reading("current" if current_row else "row", ref.table, ref.row, column, lookup)


def _validate_ref(rule: Rule, ref: Ref, own_kind: str | None, facts: dict[str, Fact]) -> None:
    from budgetcheck.engine.vocabulary import vocabulary

    vocab = vocabulary()
    if ref.table is not None and key(ref.table) == TEXT_TABLE:
        if key(ref.row or "") not in facts:
            raise rule_error(
                rule, f"说明文字中没有定义事实“{ref.row}”", f"no text fact named '{ref.row}'"
            )
        return
    kind = own_kind if ref.table is None else vocab.kind_of(ref.table)
    if kind is None:
        where = ref.table or "（当前表）"
        raise rule_error(rule, f"没有名为“{where}”的表", f"there is no table named '{where}'")
    if ref.table is None and own_kind is None:
        raise rule_error(
            rule,
            f"“{'/'.join(ref.column)}”须写明所属的表",
            f"'{'/'.join(ref.column)}' must name its table",
        )
    column = "/".join(ref.column)
    if column and "/" not in column and key(column) not in vocab.kinds[kind].columns:
        known = "、".join(vocab.kinds[kind].columns) or "（无）"
        raise rule_error(
            rule,
            f"表“{vocab.kinds[kind].name}”没有列“{column}”（可用：{known}）",
            f"table '{vocab.kinds[kind].name}' has no column '{column}' (known: {known})",
        )


def _first_applicable(
    compiled: Compiled, make: Callable[[], Resolver], strict: bool
) -> tuple[Verdict | None, Resolver, Ref | None]:
    missing: Ref | None = None
    resolver: Resolver | None = None
    for program in compiled.programs:
        resolver = make()
        result = program(resolver, strict)
        if isinstance(result, Verdict):
            return result, resolver, None
        if isinstance(result, NotApplicable):
            missing = missing or result.missing
        elif isinstance(result, Undefined):
            return None, resolver, None
    return None, resolver or make(), missing


def _quick_holds(
    compiled: Compiled, context: Context, table: TableIndex | None, evaluations: Evaluations
) -> list[bool | Ref]:
    """For each evaluation (the current row of each table), what `_first_applicable` finds,
    told from intervals alone where that is enough: True, the alternative it picks holds; a
    Ref, no alternative applies and this is the first one's absent reference; False: evaluate
    fully. Never strict.

    Nearly every evaluation holds, and then only that matters: the full evaluation makes the
    Verdict a finding is worded from. Each alternative answers as its `interval_test` does, a
    reference at a time over every evaluation:
    the intervals of a column come from the table's index (`TableIndex.named_intervals`), not
    from a Value made per cell by a Resolver made per row.
    """
    count = evaluations.size
    answers: list[bool | Ref] = [False] * count
    absent: dict[int, Ref] = {}  # evaluation -> the first alternative's absent reference
    undecided = list(range(count))  # where every alternative so far lacked a reference
    for quick in compiled.quick:
        if not undecided:
            break
        if quick is None:
            return answers  # no interval test for this alternative: evaluate the undecided fully
        test, readings = quick
        everyone = len(undecided) == count
        pending = evaluations if everyone else evaluations.some(undecided)
        columns = [_intervals(r, compiled, context, table, pending) for r in readings]
        rows = zip(*columns, strict=True) if readings else [()] * pending.size
        results = list(map(test, rows))
        if everyone and _BOOLS.issuperset(map(type, results)):
            return results  # the first alternative applies everywhere: the common case
        still: list[int] = []
        for n, answer in zip(undecided, results, strict=True):
            if isinstance(answer, Ref):
                absent.setdefault(n, answer)
                still.append(n)
            else:
                answers[n] = answer
        undecided = still
    for n in undecided:  # no alternative applies: what `_first_applicable` reports
        answers[n] = absent[n]
    return answers


_BOOLS = frozenset([bool])  # the type of every answer when no reference is absent


def _intervals(
    reading: Reading,
    compiled: Compiled,
    context: Context,
    table: TableIndex | None,
    evaluations: Evaluations,
) -> list[Interval | None]:
    """The interval of a reference (None: absent) in each evaluation, as `Resolver` finds its
    Value (`column`, `cell`, `fact`)."""
    how, column, count = reading.how, reading.column, evaluations.size
    if how == "own":
        if table is None:
            return [None] * count
        return _column_of(table, column, evaluations)
    if not count:
        return []
    if how == "lookup":  # a fact: the same in every evaluation
        known = _known_values(context)
        first = evaluations.current(0)
        value = reading.lookup(Resolver(context, table, first, compiled.facts, known))
        return [None if value is None else value.interval] * count
    named = context.index.table(reading.table or "")
    if named is None:
        return [None] * count
    if how == "current":
        if column:
            return _column_of(named, column, evaluations)
        rows = evaluations.rows.get(named.table.kind)
        if rows is None:  # the table has no current row
            return [_row_interval(named, None, reading)] * count
        return [_row_interval(named, row, reading) for row in rows]
    row = named.find_row(reading.row or "", context.index.vocabulary)
    return [_row_interval(named, row, reading)] * count


def _row_interval(table: TableIndex, row: Row | None, reading: Reading) -> Interval | None:
    """A column of `row` of a named table, or its amount when no column is named."""
    if row is None:
        # A table laid out as one row of columns: T[c] is its column c.
        lone = table.single_item_row()
        if lone is not None and reading.row and not reading.column:
            return table.interval(lone, reading.row)
        return None
    if reading.column:
        return table.interval(row, reading.column)
    return table.row_interval(row)


def _column_of(table: TableIndex, column: str, evaluations: Evaluations) -> list[Interval | None]:
    """The interval of `column` in the current row of `table` in each evaluation."""
    ids = evaluations.ids.get(table.table.kind)
    if ids is None:  # the table has no current row: nothing to find
        return [None] * evaluations.size
    return list(map(table.named_intervals(column).get, ids))


def _missing_reason(ref: Ref | None) -> Text:
    if ref is None:
        return Text("表达式无法计算", "the expression cannot be evaluated")
    # Remembered by reference: every document lacking a table words the same references
    # again, and `unparse` tokenizes each name to tell whether it needs quoting.
    known = _MISSING.get(ref)
    if known is None:
        if len(_MISSING) >= _MISSING_LIMIT:
            _MISSING.clear()
        name = unparse(ref)
        known = _MISSING[ref] = Text(f"文档中没有“{name}”", f"the document has no '{name}'")
    return known


# Ref (a frozen, hashable node of a rule) -> its reason for `_missing_reason`.
_MISSING: dict[Ref, Text] = {}
_MISSING_LIMIT = 5_000  # references remembered at most; then the memory starts over


def _finding(
    compiled: Compiled, verdict: Verdict, resolver: Resolver, table: Table | None, row: Row | None
) -> list[Finding]:
    comparison = verdict.comparison
    said = describe(comparison.expression)
    if table is not None and row is not None:
        what = Text(
            f"{table.title}“{row_name(row)}”行：{said.zh}",
            f"{table.title} row '{row_name(row)}': {said.en}",
        )
    else:
        what = said
    column = (
        "/".join(comparison.expression.left.column)
        if isinstance(comparison.expression.left, Ref)
        else None
    )
    return [
        comparison_finding(
            compiled.rule,
            table,
            row,
            column or None,
            resolver.quantity(comparison.left),
            resolver.quantity(comparison.right),
            what,
        )
    ]


def run_rows(compiled: Compiled, context: Context) -> Outcome:
    """`row_identity`: the expression holds on every row of one table."""
    rule = compiled.rule
    table = context.index.table(str(rule.check["table"]))
    if table is None:
        return not_applicable(
            f"文档中没有“{rule.check['table']}”", f"the document has no '{rule.check['table']}'"
        )
    selected = _selected(context, table, rule.check.get("where") or {})
    kind, rows = table.table.kind, selected.rows
    return _each_row(
        compiled, context, table, rows, Evaluations(len(rows), {kind: rows}, {kind: selected.ids})
    )


def run_document(compiled: Compiled, context: Context) -> Outcome:
    """`expression`: one identity across tables (or tables and text), evaluated once."""
    known = _known_values(context)
    answer = False if context.strict else _quick_holds(compiled, context, None, _ONCE)[0]
    if answer is True:
        return Outcome(evaluated=1)
    if isinstance(answer, Ref):
        return Outcome(applicable=False, reason=_missing_reason(answer))
    verdict, resolver, missing = _first_applicable(
        compiled,
        partial(Resolver, context, None, {}, compiled.facts, known),
        context.strict,
    )
    if verdict is None:
        return Outcome(applicable=False, reason=_missing_reason(missing))
    outcome = Outcome(evaluated=1)
    if not verdict.holds:
        table = _first_table(verdict, context)
        outcome.findings.extend(_finding(compiled, verdict, resolver, table, None))
    return outcome


def run_matched(compiled: Compiled, context: Context) -> Outcome:
    """`row_match`: for each row of one table, the row of another with the same code or name."""
    rule = compiled.rule
    each, match = rule.check.get("each") or {}, rule.check.get("match") or {}
    left = context.index.table(str(each.get("table", "")))
    right = context.index.table(str(match.get("table", "")))
    if left is None or right is None:
        return not_applicable("缺少需要对照的表", "a table to compare is missing")
    by = str(match.get("by", "label"))
    candidates = _selected(context, right, match).firsts(by)
    rows, others = [], []
    for row in _selected(context, left, each).rows:
        other = candidates.get(_match_key(row, by)) if _matchable(row, by) else None
        if other is not None:
            rows.append(row)
            others.append(other)
    evaluations = _evaluations(len(rows), (left.table.kind, rows), (right.table.kind, others))
    return _each_row(compiled, context, left, rows, evaluations)


def _each_row(
    compiled: Compiled,
    context: Context,
    table: TableIndex,
    rows: list[Row],
    evaluations: Evaluations,
) -> Outcome:
    """Evaluate the rule once per row of `table`; `evaluations` holds, for each, the current
    row of each table."""
    outcome = Outcome()
    missing: Ref | None = None
    known = _known_values(context)
    # Strict compares stated values: always evaluate fully.
    holding = (
        [False] * len(rows)
        if context.strict
        else _quick_holds(compiled, context, table, evaluations)
    )
    if holding == [True] * len(rows) and rows:
        outcome.evaluated = len(rows)  # every row holds: nothing more to do, nearly always
        return outcome
    for n, (row, answer) in enumerate(zip(rows, holding, strict=True)):
        if answer is True:
            outcome.evaluated += 1
            continue
        if isinstance(answer, Ref):  # no alternative applies to this row
            missing = missing or answer
            continue
        verdict, resolver, absent = _first_applicable(
            compiled,
            partial(Resolver, context, table, evaluations.current(n), compiled.facts, known),
            context.strict,
        )
        if verdict is None:
            missing = missing or absent
            continue
        outcome.evaluated += 1
        if not verdict.holds:
            outcome.findings.extend(_finding(compiled, verdict, resolver, table.table, row))
    if not outcome.evaluated:
        return Outcome(applicable=False, reason=_missing_reason(missing))
    return outcome


def _selected(context: Context, table: TableIndex, where: dict[str, object]) -> Selected:
    """`_rows`, selected once per document for the rules that select alike."""
    kinds = where.get("kind", _KINDS)
    try:
        wanted = (
            table.table.kind,
            (kinds,) if isinstance(kinds, str) else tuple(kinds),  # type: ignore[arg-type]
            where.get("side", _ANY),
            where.get("level", _ANY),
        )
        hash(wanted)
    except TypeError:  # a malformed selector (a list as the side): nothing to share
        return Selected(_rows(table, where))
    selections = _known_values(context).selections
    found = selections.get(wanted)
    if found is None:
        found = selections[wanted] = Selected(_rows(table, where))
    return found


_ONCE = Evaluations(1, {}, {})  # the one evaluation of a document-level rule: no current rows
_KINDS = ("item", "total", "subtotal")  # the rows a rule checks unless it names their kinds
_ANY = object()  # no side, or no level, named (`_selected`)


def _rows(table: TableIndex, where: dict[str, object]) -> list[Row]:
    kinds = where.get("kind", _KINDS)
    kinds = [kinds] if isinstance(kinds, str) else kinds
    rows = [r for r in table.table.rows if r.kind in kinds]  # type: ignore[operator]
    if "side" in where:
        rows = [r for r in rows if r.side == where["side"]]
    if "level" in where:
        rows = [r for r in rows if r.level == where["level"]]
    return rows


def _match_key(row: Row, by: str) -> str | None:
    """What two rows must share to match: the code, or the name's key."""
    return row.code if by == "code" else key(row.label)


def _matchable(row: Row, by: str) -> bool:
    """A row without a code (or a name) matches nothing."""
    return bool(row.code) if by == "code" else bool(row.label)


def _first_table(verdict: Verdict, context: Context) -> Table | None:
    for source in verdict.comparison.left.sources:
        if isinstance(source, CellRef):
            for table in context.index.doc.tables:
                if table.sheet == source.sheet:
                    return table
    return None
