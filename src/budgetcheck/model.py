"""The document model: what loading produces and what rules read.

Plain data classes only. Loading knows Excel and fills these; rules know only these.
The immutable values are NamedTuples rather than frozen dataclasses: a workbook makes thousands
of cells and references, a NamedTuple is made several times faster, and its class is made in
~0.1 ms at import where a frozen dataclass takes ~0.5 ms (Python 3.11 execs each method).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Literal, NamedTuple

RowKind = Literal["item", "total", "subtotal", "placeholder"]
SheetRole = Literal["table", "text", "cover", "contents", "empty", "unknown"]
Classification = Literal["function", "economic"]
ColumnRole = Literal["label", "code", "amount", "text"]

_FIVE = Decimal(5)

UNIT_FACTORS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "亿元": Decimal(100000000),
}


def column_letters(col: int) -> str:
    """0-based column index to Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class CellRef(NamedTuple):
    """A cell of the workbook; row and col are 0-based like calamine's grid."""

    sheet: str
    row: int
    col: int

    @property
    def a1(self) -> str:
        return f"{column_letters(self.col)}{self.row + 1}"

    def __str__(self) -> str:
        return f"{self.sheet}!{self.a1}"


class Amount(NamedTuple):
    """An exact amount and the number of decimals it was stated with.

    `decimals` may be negative after unit conversion (0.01 万元 is 100 元: decimals -2).
    """

    value: Decimal
    decimals: int

    @property
    def half_width(self) -> Decimal:
        return half_unit(self.decimals)

    @property
    def low(self) -> Decimal:
        return self.value - self.half_width

    @property
    def high(self) -> Decimal:
        return self.value + self.half_width

    def scaled(self, factor: Decimal) -> Amount:
        """The same amount in a unit `factor` times smaller (万元 -> 元: factor 10000)."""
        return Amount(self.value * factor, self.decimals - decimal_shift(factor))


def half_unit(decimals: int) -> Decimal:
    """Half a unit of the last decimal stated: how far a figure of `decimals` may be rounded."""
    return _FIVE.scaleb(-(decimals + 1))


def decimal_shift(factor: Decimal) -> int:
    """How many places the decimals move in a unit `factor` times smaller: 万元 (10000) moves
    them 4, so 0.01 万元 is known to the hundred 元 (decimals -2). Not a power of ten: none."""
    power = factor.adjusted()
    return power if factor == Decimal(10) ** power else 0


class Cell(NamedTuple):
    """One amount cell. `amount` is None for blank, "-" and "—" (no value, not zero)."""

    ref: CellRef
    amount: Amount | None
    raw: str
    problem: str | None = None  # set when the text is not an amount (e.g. "待定")


# Loading makes a CellRef and a Cell for every amount cell of every table (~600 a workbook).
# Calling a NamedTuple class runs its Python __new__ through type.__call__; tuple.__new__ on the
# class builds the very same tuple from the fields in half the time. For the hot loops only:
# new_cell_ref((sheet, row, col)) == CellRef(sheet, row, col), and every field must be given
# (no defaults). Elsewhere, call the class: it reads better.
new_cell_ref = partial(tuple.__new__, CellRef)
new_cell = partial(tuple.__new__, Cell)


@dataclass(frozen=True, slots=True)  # not a NamedTuple: `index` would hide tuple.index
class Column:
    """A column of a table: where it is, its header path and what it holds."""

    index: int  # 0-based sheet column (a field's position for form tables)
    path: tuple[str, ...]  # normalised header path, outermost first
    role: ColumnRole
    side: str | None = None  # "收入" / "支出" on two-sided summary tables

    @property
    def name(self) -> str:
        return "/".join(self.path)

    @property
    def leaf(self) -> str:
        return self.path[-1] if self.path else ""


@dataclass(slots=True)
class Row:
    """A row of a table: its label, classification code and level, and its cells."""

    ref: CellRef  # the label cell (or the first cell of the row)
    label: str  # normalised label without numbering or code
    code: str | None  # joined classification code, e.g. "2010301"
    level: int | None  # 1 类, 2 款, 3 项; None when unknown
    kind: RowKind
    cells: dict[int, Cell] = field(default_factory=dict)  # amount cells by column index
    texts: dict[int, str] = field(default_factory=dict)  # other text cells by column index
    text_refs: dict[int, CellRef] = field(default_factory=dict)  # where each text cell is
    side: str | None = None
    raw_label: str = ""  # the label as written (numbering, spaces and all)


@dataclass(slots=True)
class Table:
    """One disclosure table as read: kind, title, unit, columns and rows, with where each came from."""

    kind: str  # a table kind id from rules/tables.yaml
    title: str
    title_ref: CellRef | None
    sheet: str
    unit: str  # 元 / 千元 / 万元 / 亿元
    unit_ref: CellRef | None
    columns: list[Column]
    rows: list[Row]
    note: str | None = None
    note_ref: CellRef | None = None
    classification: Classification | None = None
    header_ref: CellRef | None = None  # first header cell
    unit_assumed: bool = False  # True when no "单位：" line was found
    precision: int = 0  # decimals the table's amounts are stated with

    @property
    def unit_factor(self) -> Decimal:
        return UNIT_FACTORS[self.unit]

    @property
    def amount_columns(self) -> list[Column]:
        return [c for c in self.columns if c.role == "amount"]

    @property
    def has_data(self) -> bool:
        return any(
            cell.amount is not None and cell.amount.value != 0
            for row in self.rows
            for cell in row.cells.values()
        )

    @property
    def depth(self) -> int:
        return max((r.level or 0 for r in self.rows), default=0)


class Paragraph(NamedTuple):
    text: str
    source: str  # sheet name or file name
    location: str  # "A3" in a sheet, "¶12" in a file
    ref: CellRef | None = None
    heading: str | None = None  # the nearest section heading above it

    def __str__(self) -> str:
        return f"{self.source}!{self.location}" if self.ref else f"{self.source} {self.location}"


class SheetInfo(NamedTuple):
    name: str
    role: SheetRole
    hidden: bool = False
    tables: int = 0


@dataclass(slots=True)
class Metadata:
    """What the workbook says about itself: organisation, year and kind of document."""

    organisation: str | None = None  # department or unit name
    year: int | None = None  # budget year
    doc_type: str | None = None  # 部门预算 / 单位预算 / 部门决算 / 单位决算
    level: str | None = None  # 部门 / 单位


@dataclass(slots=True)
class Document:
    """A loaded workbook: its tables, sheets and explanatory text."""

    path: Path
    format: str  # xlsx / xlsm / xls / et / ods
    metadata: Metadata
    tables: list[Table]
    sheets: list[SheetInfo]
    paragraphs: list[Paragraph]

    def tables_of(self, kind: str) -> list[Table]:
        return [t for t in self.tables if t.kind == kind]

    def table(self, kind: str) -> Table | None:
        found = self.tables_of(kind)
        return found[0] if found else None
