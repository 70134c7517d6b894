"""Looking things up in a Document by the names rules use: tables, rows, columns, text facts.

Built once per document; every lookup is a dictionary access or a short scan of one table.
All amounts come out in 元 so that tables in different units compare directly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from budgetcheck.engine.interval import BLANK, Interval, add_intervals, made
from budgetcheck.engine.vocabulary import Vocabulary, column_key
from budgetcheck.loading.text import key
from budgetcheck.model import (
    Cell,
    CellRef,
    Column,
    Document,
    Paragraph,
    Row,
    Table,
    decimal_shift,
    half_unit,
)

Source = CellRef | Paragraph


class Quantity(NamedTuple):
    """An amount in 元 as an interval, with the cells or paragraphs it came from."""

    # A NamedTuple rather than a frozen dataclass: one is made for every cell the rules read.

    interval: Interval
    sources: tuple[Source, ...]
    unit: str | None = None  # the unit of the first source, for showing figures as stated
    precision: int = 2


class TableIndex:
    def __init__(self, table: Table, vocabulary: Vocabulary) -> None:
        self.table = table
        known = self._known = vocabulary.kinds.get(table.kind)
        self.canonical: dict[int, str] = {}
        if known:
            for column in table.amount_columns:
                name = _canonical_cached(column, known.columns)
                if name:
                    self.canonical[column.index] = name
        self.factor = table.unit_factor
        # Worked out once per unit, not per table or cell: a power of Decimal costs.
        shift = _SHIFTS.get(table.unit)
        if shift is None:
            shift = _SHIFTS[table.unit] = decimal_shift(self.factor)
        self.shift = shift
        self.amount_columns = table.amount_columns  # a property that builds a list each time
        self._named: dict[str, list[Column]] = {}
        # Rules ask for the same cells and rows over and over: each is worked out once.
        self._quantities: dict[int, tuple[Cell, Quantity | None]] = {}
        self._rows: dict[tuple[str, str | None, int], tuple[Vocabulary, Row | None]] = {}
        # column index, or name -> id(row) -> interval: what roll-ups and row identities test
        self._intervals: dict[int, dict[int, Interval | None]] | None = None
        self._named_intervals: dict[str, dict[int, Interval | None]] = {}
        self._row_intervals: dict[int, tuple[Row, Interval | None]] = {}
        # (id(row), column name) -> (the row, `interval`), for columns not worked out whole
        self._cell_intervals_asked: dict[tuple[int, str], tuple[Row, Interval | None]] = {}
        self._amount_intervals: list[tuple[Column, dict[int, Interval | None]]] | None = None
        # Worked out on first use (plain attributes: a cached_property takes a lock each time
        # it is first read, for every table of every document).
        self._column_keys_found: list[tuple[Column, tuple[str, ...]]] | None = None
        self._rows_by_label_found: dict[str, list[int]] | None = None
        self._single_item_found: tuple[Row | None] | None = None  # (the row,): None is an answer

    def columns_named(self, name: str) -> list[Column]:
        """Amount columns by canonical name, else by header path ("基本支出/人员经费") or leaf."""
        found = self._named.get(name)
        if found is None:
            found = self._named[name] = self._find_columns(name)
        return found

    def _find_columns(self, name: str) -> list[Column]:
        wanted = key(name)
        found = [c for c in self.amount_columns if self.canonical.get(c.index) == wanted]
        if found:
            return found
        path = tuple(column_key(p) for p in name.split("/"))
        return [c for c, keys in self._column_keys() if keys[-len(path) :] == path]

    def _column_keys(self) -> list[tuple[Column, tuple[str, ...]]]:
        """Each amount column with its header path as keys: rules ask for many names that
        are not canonical here, and each is matched against every path."""
        found = self._column_keys_found
        if found is None:
            found = self._column_keys_found = [
                (c, tuple(column_key(p) for p in c.path)) for c in self.amount_columns
            ]
        return found

    def has_column(self, name: str) -> bool:
        return bool(self.columns_named(name))

    def cell(self, row: Row, name: str) -> Cell | None:
        columns = self._named.get(name)  # `columns_named` written out: a lookup of every rule
        if columns is None:
            columns = self.columns_named(name)
        cells = row.cells
        for column in columns:
            found = cells.get(column.index)
            if found is not None:
                return found
        return None

    def quantity(self, cell: Cell) -> Quantity | None:
        """A cell's amount in 元; blank counts as exactly 0; text that is not an amount is absent."""
        # Keyed by id(), with the cell kept so that the id stays its own.
        known = self._quantities.get(id(cell))
        if known is not None and known[0] is cell:
            return known[1]
        found = self._quantity(cell)
        self._quantities[id(cell)] = (cell, found)
        return found

    def _quantity(self, cell: Cell) -> Quantity | None:
        if cell.problem is not None:
            return None
        return Quantity(self._interval(cell), (cell.ref,), self.table.unit, self.table.precision)

    def _interval(self, cell: Cell) -> Interval:
        """The interval in 元 of a cell that holds an amount or nothing (blank: exactly 0)."""
        amount = cell.amount
        if amount is None:
            return BLANK
        # Amount.scaled(factor).low and .high, without making the scaled Amount.
        value = amount.value * self.factor
        decimals = amount.decimals - self.shift
        half = _HALVES.get(decimals) or half_unit(decimals)  # `_HALVES` holds no zero
        low, high = value - half, value + half
        # A finite value and a positive half make finite, ordered ends: skip the checks (the
        # rare value that is not finite still meets them, and fails as it always did).
        return made(low, high) if value.is_finite() else Interval(low, high)

    def cell_intervals(self, index: int) -> dict[int, Interval | None]:
        """By id() of each row with a cell in column `index`: the cell's interval, the same as
        its `quantity`'s; None for text that is not an amount. Rows without the cell are left
        out.

        Worked out for every column at once, in one pass over the cells: roll-ups and row
        identities test nearly every cell of a table, and mostly need its interval only (the
        Quantity, with its cell, is made for a finding).
        """
        if self._intervals is None:
            self._intervals = self._cell_intervals()
        found = self._intervals.get(index)
        if found is None:
            found = self._intervals[index] = {}  # a column without cells
        return found

    def amount_intervals(self) -> list[tuple[Column, dict[int, Interval | None]]]:
        """Each amount column with its `cell_intervals`: what a roll-up compares, column by
        column, for every parent row."""
        if self._amount_intervals is None:
            self._amount_intervals = [
                (column, self.cell_intervals(column.index)) for column in self.amount_columns
            ]
        return self._amount_intervals

    def _cell_intervals(self) -> dict[int, dict[int, Interval | None]]:
        # Rows live as long as the table (and this index), so their ids stay theirs.
        by_column: dict[int, dict[int, Interval | None]] = {}
        interval = self._interval
        for row in self.table.rows:
            row_id = id(row)
            for index, cell in row.cells.items():
                found = by_column.get(index)
                if found is None:
                    found = by_column[index] = {}
                if cell.problem is not None:
                    found[row_id] = None
                elif cell.amount is None:
                    found[row_id] = BLANK  # `_interval` of a blank, without the call: half the cells
                else:
                    found[row_id] = interval(cell)
        return by_column

    def interval(self, row: Row, name: str) -> Interval | None:
        """The interval of `cell(row, name)`, the same as its `quantity`'s; None when there is
        no such cell or it is not an amount."""
        column = self._named_intervals.get(name)
        if column is not None:
            return column.get(id(row))
        # One row asked (a total named by a document-level rule): no column worked out for it.
        # Document-level rules name the same few totals again and again: each is remembered.
        known = self._cell_intervals_asked.get((id(row), name))
        if known is not None and known[0] is row:
            return known[1]
        cell = self.cell(row, name)
        found = None if cell is None or cell.problem is not None else self._interval(cell)
        self._cell_intervals_asked[(id(row), name)] = (row, found)
        return found

    def named_intervals(self, name: str) -> dict[int, Interval | None]:
        """By id() of each row: the interval of the cell `cell(row, name)` finds (None: no such
        cell, or not an amount), as a row identity reads a column of its own table."""
        found = self._named_intervals.get(name)
        if found is None:
            found = {}
            # The first named column that has a cell wins, as in `cell`: later ones go first.
            for column in reversed(self.columns_named(name)):
                found.update(self.cell_intervals(column.index))
            self._named_intervals[name] = found
        return found

    def column_quantities(self, rows: list[Row], index: int) -> list[Quantity | None]:
        """`quantity` of the cell in column `index` of each row that has one, in order."""
        # `quantity` written out: roll-ups read every cell of the large tables this way.
        known_quantities = self._quantities
        out: list[Quantity | None] = []
        for row in rows:
            cell = row.cells.get(index)
            if cell is None:
                continue
            known = known_quantities.get(id(cell))
            out.append(known[1] if known is not None and known[0] is cell else self.quantity(cell))
        return out

    def row_amount(self, row: Row) -> Quantity | None:
        """The amount of a row named without a column: its 合计/预算数 column, its only column,
        or else the sum of its cells (a side whose columns are the parts, as 一般公共预算 +
        政府性基金预算 on a 财政拨款收支总表 without a 合计 column)."""
        for name in ("金额", "合计"):
            cell = self.cell(row, name)
            if cell is not None:
                return self.quantity(cell)
        side_columns = [c for c in self.amount_columns if c.side == row.side]
        cells = [row.cells[c.index] for c in side_columns if c.index in row.cells]
        if not cells:
            return None
        parts = [self.quantity(cell) for cell in cells]
        if any(part is None for part in parts):
            return None
        return add_all([p for p in parts if p is not None])

    def find_row(
        self, selector: str, vocabulary: Vocabulary, side: str | None = None
    ) -> Row | None:
        wanted = (selector, side, id(vocabulary))
        known = self._rows.get(wanted)
        if known is not None and known[0] is vocabulary:
            return known[1]
        found = self._find_row(selector, vocabulary, side)
        self._rows[wanted] = (vocabulary, found)
        return found

    def _find_row(self, selector: str, vocabulary: Vocabulary, side: str | None) -> Row | None:
        rows = self.table.rows
        if selector.isdigit():
            return next((r for r in rows if r.code == selector and _eligible(r, side)), None)
        # Rows by label from the table's label index, in table order: the same rows as a scan
        # of every row's label, without the scan (rules look up rows by name many times).
        by_label = self._rows_by_label()
        wanted = vocabulary.row_keys(selector)
        matches = _rows_at(rows, by_label, wanted, side)
        selector_key = key(selector)
        if not matches and selector_key in ("合计", "总计"):
            found = _rows_at(rows, by_label, ("合计", "总计"), side)
            matches = [r for r in found if r.kind == "total"]
        if not matches:
            return None
        totals = [r for r in matches if r.kind == "total"]
        return (totals or matches)[-1] if selector_key.endswith(("合计", "总计")) else matches[0]

    def _rows_by_label(self) -> dict[str, list[int]]:
        """Positions of the rows by `key` of their label, in order."""
        by_label = self._rows_by_label_found
        if by_label is None:
            by_label = self._rows_by_label_found = {}
            for position, row in enumerate(self.table.rows):
                by_label.setdefault(key(row.label), []).append(position)
        return by_label

    def row_interval(self, row: Row) -> Interval | None:
        """The interval of `row_amount(row)`, remembered: rules name a few totals many times."""
        known = self._row_intervals.get(id(row))
        if known is not None and known[0] is row:
            return known[1]
        amount = self.row_amount(row)
        interval = None if amount is None else amount.interval
        self._row_intervals[id(row)] = (row, interval)
        return interval

    def single_item_row(self) -> Row | None:
        """The one data row of a table laid out horizontally (三公 as one row of columns)."""
        found = self._single_item_found
        if found is None:
            items = [r for r in self.table.rows if r.kind in ("item", "total")]
            found = self._single_item_found = (items[0] if len(items) == 1 else None,)
        return found[0]


def _eligible(row: Row, side: str | None) -> bool:
    """Whether `find_row` may pick the row: not a placeholder, and on `side` when given."""
    return row.kind != "placeholder" and (side is None or row.side == side)


def _rows_at(
    rows: list[Row], by_label: dict[str, list[int]], labels: tuple[str, ...], side: str | None
) -> list[Row]:
    """The eligible rows whose label key is one of `labels`, in table order."""
    if len(labels) == 1:
        positions = by_label.get(labels[0], [])
    else:
        positions = sorted({p for label in labels for p in by_label.get(label, ())})
    return [rows[p] for p in positions if _eligible(rows[p], side)]


# (id of the aliases, header path) -> (the aliases, the canonical name): workbooks of one
# template repeat the same headers, and matching a path against every alias is the costly part
# of indexing a document. The aliases are kept so that the id stays theirs.
_CANONICAL: dict[tuple[int, tuple[str, ...]], tuple[object, str | None]] = {}
_CANONICAL_LIMIT = 20_000  # header paths remembered at most; then the memory starts over


def _canonical_cached(
    column: Column, aliases: dict[str, tuple[tuple[str, ...], ...]]
) -> str | None:
    wanted = (id(aliases), column.path)
    known = _CANONICAL.get(wanted)
    if known is not None and known[0] is aliases:
        return known[1]
    if len(_CANONICAL) >= _CANONICAL_LIMIT:
        _CANONICAL.clear()
    name = _canonical(column, aliases)
    _CANONICAL[wanted] = (aliases, name)
    return name


def _canonical(column: Column, aliases: dict[str, tuple[tuple[str, ...], ...]]) -> str | None:
    """The canonical name whose alias matches the longest tail of the column's header path."""
    path = tuple(column_key(p) for p in column.path)
    best: tuple[int, int, str] | None = None
    for name, options in aliases.items():
        for alias in options:
            if len(alias) <= len(path) and path[-len(alias) :] == alias:
                exact = 1 if len(alias) == len(path) else 0
                score = (len(alias), exact, name)
                if best is None or score[:2] > best[:2]:
                    best = score
    return best[2] if best else None


# unit -> decimal_shift of its factor (UNIT_FACTORS: a handful of units)
_SHIFTS: dict[str, int] = {}

# decimals -> half_unit(decimals) for the decimals amounts have, made once rather than per
# cell: 5·10⁻ⁿ is exact, so it is the same whenever it is made.
_HALVES: dict[int, Decimal] = {d: half_unit(d) for d in range(-40, 41)}


class DocumentIndex:
    def __init__(self, doc: Document, vocabulary: Vocabulary) -> None:
        self.doc = doc
        self.vocabulary = vocabulary
        self.tables: dict[str, TableIndex] = {}
        for table in doc.tables:
            # The first table of a kind is the one rules see; duplicates are reported elsewhere.
            self.tables.setdefault(table.kind, TableIndex(table, vocabulary))
        self._by_name: dict[str, TableIndex | None] = {}

    def table(self, name: str) -> TableIndex | None:
        # Rules name a handful of tables thousands of times per document.
        if name in self._by_name:
            return self._by_name[name]
        kind = self.vocabulary.kind_of(name)
        found = self._by_name[name] = self.tables.get(kind) if kind else None
        return found


def add_all(parts: list[Quantity]) -> Quantity:
    """The sum of quantities; it is shown in the unit of the first part."""
    interval = add_intervals([part.interval for part in parts])
    sources: tuple[Source, ...] = ()
    for part in parts:
        sources += part.sources
    first = parts[0] if parts else None
    return Quantity(
        interval, sources, first.unit if first else None, first.precision if first else 2
    )
