"""Hierarchy roll-ups: a parent row equals the sum of its children, a total the sum of the top.

Children are found by classification code when every row has one, else by level in order
(levels from codes, the catalogue, numbering or indentation). A group with a row of unknown
level is skipped, never guessed: a wrong hierarchy would raise false alarms.
"""

from __future__ import annotations

import itertools

from budgetcheck.engine.checks.base import (
    Context,
    Outcome,
    comparison_finding,
    intervals_agree,
    not_applicable,
    row_name,
    table_names,
)
from budgetcheck.engine.index import TableIndex, add_all
from budgetcheck.engine.interval import BLANK, CEILING, FLOOR, ZERO, Interval, made
from budgetcheck.engine.packs import Rule
from budgetcheck.findings import Text
from budgetcheck.model import Column, Row

PARTS = ("children", "total")
_NO_CELL = Interval.exact(0)  # a marker for "the row has no cell in the column", never a value


def run(rule: Rule, context: Context) -> Outcome:
    parts = rule.check.get("parts", "children")
    if parts not in PARTS:
        from budgetcheck.engine.packs import rule_error

        raise rule_error(rule, f"parts 必须是 {PARTS} 之一", f"parts must be one of {PARTS}")
    outcome = Outcome(applicable=False)
    for name in table_names(rule, context):
        table = context.index.table(name)
        if table is None:
            continue
        groups = _groups(_by_side(context, table), parts)
        if groups:
            outcome.applicable = True
        for parent, children in groups:
            _compare(rule, context, table, parent, children, parts, outcome)
    if not outcome.applicable:
        return not_applicable(
            "没有可核对的层级（表缺失、无数据或层级无法确定）",
            "no hierarchy to check (table missing, empty, or levels unknown)",
        )
    return outcome


def _by_side(context: Context, table: TableIndex) -> list[list[Row]]:
    """The item and total rows of each side of the table, in order: worked out once per
    document, as both parts (a rule each) read them."""
    known = context.shared.get("rollup.sides")
    if not isinstance(known, dict):
        known = context.shared["rollup.sides"] = {}
    kind = table.table.kind  # a document's index holds one table of each kind
    found: list[list[Row]] | None = known.get(kind)
    if found is None:
        rows = table.table.rows
        found = known[kind] = [
            [r for r in rows if r.side == side and r.kind in ("item", "total")]
            for side in _sides(rows)
        ]
    return found


def _groups(sides: list[list[Row]], parts: str) -> list[tuple[Row, list[Row]]]:
    groups: list[tuple[Row, list[Row]]] = []
    for rows in sides:
        if parts == "children":
            groups.extend(_children_groups(rows))
        else:
            groups.extend(_total_groups(rows))
    return groups


def _sides(rows: list[Row]) -> list[str | None]:
    return list(dict.fromkeys(r.side for r in rows))


def _children_groups(rows: list[Row]) -> list[tuple[Row, list[Row]]]:
    items = [r for r in rows if r.kind == "item"]
    if items and all(r.code for r in items):
        # Children by parent code in one pass: the large tables have tens of thousands of rows.
        children: dict[str, list[Row]] = {}
        for row in items:
            code = row.code or ""
            if len(code) > 3:
                children.setdefault(code[:-2], []).append(row)
        return [(parent, children[parent.code]) for parent in items if parent.code in children]
    groups = []
    for position, parent in enumerate(rows):
        if parent.kind != "item" or parent.level is None:
            continue
        kids = _following_children(rows, position + 1, parent.level)
        if kids:
            groups.append((parent, kids))
    return groups


def _following_children(rows: list[Row], start: int, level: int) -> list[Row]:
    """Rows one level deeper until the next row at the parent's level; [] when unsure."""
    kids: list[Row] = []
    for row in itertools.islice(rows, start, None):
        if row.kind != "item" or (row.level is not None and row.level <= level):
            break
        if row.level is None:
            return []
        if row.level == level + 1:
            kids.append(row)
    return kids


def _total_groups(rows: list[Row]) -> list[tuple[Row, list[Row]]]:
    """Each total row against the top-level items of its section (before it, or after it when
    it heads the table); a running total also counts the total before it."""
    groups = []
    totals = [i for i, r in enumerate(rows) if r.kind == "total"]
    previous = -1
    for n, position in enumerate(totals):
        section = rows[previous + 1 : position]
        carried = [rows[previous]] if previous >= 0 and section else []
        if not [r for r in section if r.kind == "item"]:
            following = totals[n + 1] if n + 1 < len(totals) else len(rows)
            section = rows[position + 1 : following]
            carried = []
        items = [r for r in section if r.kind == "item"]
        if items and all(r.level is not None for r in items):
            top = min(r.level for r in items if r.level is not None)
            groups.append((rows[position], carried + [r for r in items if r.level == top]))
        previous = position
    return groups


def _compare(
    rule: Rule,
    context: Context,
    table: TableIndex,
    parent: Row,
    children: list[Row],
    parts: str,
    outcome: Outcome,
) -> None:
    parent_id = id(parent)
    children_ids = [id(c) for c in children]
    strict = context.strict
    floor_add, ceiling_add = FLOOR.add, CEILING.add  # looked up once, not per cell
    # Most parents add up, and for that only the cells' intervals matter (worked out once per
    # column); their Quantities, with the cells, are made only for a finding.
    for column, intervals in table.amount_intervals():
        stated_interval = intervals.get(parent_id, _NO_CELL)
        if stated_interval is None or stated_interval is _NO_CELL:
            continue  # no cell; or text in an amount cell, reported by its own rule
        # add_intervals over the children's cells, written out: a few hundred sums per
        # document. Amounts are far inside the contexts' range, so no addition can raise
        # before the text cell that makes the sum moot is met.
        low = high = ZERO
        added = 0
        for child in children_ids:
            piece = intervals.get(child, _NO_CELL)
            if piece is _NO_CELL:
                continue
            if piece is None:
                break  # text in a child's cell: not checked
            added += 1
            if piece is BLANK:
                continue  # adding exactly 0: the sum's value stays (`interval.BLANK`)
            low = floor_add(low, piece.low)
            high = ceiling_add(high, piece.high)
        else:
            if not added:
                continue  # every child without a cell: nothing to add
            outcome.evaluated += 1
            if strict:
                if intervals_agree(stated_interval, made(low, high), strict):
                    continue
            elif stated_interval.low <= high and low <= stated_interval.high:
                continue  # the intervals meet (`intervals_agree`)
            _finding(rule, table, parent, children, parts, column, outcome)


def _finding(
    rule: Rule,
    table: TableIndex,
    parent: Row,
    children: list[Row],
    parts: str,
    column: Column,
    outcome: Outcome,
) -> None:
    """The finding for a parent that does not add up in `column`, worded from Quantities."""
    stated = table.quantity(parent.cells[column.index])
    found = [p for p in table.column_quantities(children, column.index) if p is not None]
    assert stated is not None
    expected = add_all(found)
    names = "、".join(row_name(c) for c in children[:3]) + ("等" if len(children) > 3 else "")
    what = (
        Text(
            f"{table.table.title} “{row_name(parent)}”的“{column.name}”不等于其下各项（{names}）之和",
            f"{table.table.title} '{row_name(parent)}' {column.name} is not the sum of its "
            f"parts ({names})",
        )
        if parts == "children"
        else Text(
            f"{table.table.title} “{parent.label}”行的“{column.name}”不等于各类之和",
            f"{table.table.title} '{parent.label}' {column.name} is not the sum of the "
            "top-level rows",
        )
    )
    outcome.findings.append(
        comparison_finding(rule, table.table, parent, column.name, stated, expected, what)
    )
