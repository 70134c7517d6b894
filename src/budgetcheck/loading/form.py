"""Form-shaped tables (项目支出绩效目标表): label cells with their values beside them.

Each project's form becomes one row of a plain table, so rules read it like any other table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from budgetcheck import regex
from budgetcheck.loading.grid import Grid
from budgetcheck.loading.kinds import TableKind
from budgetcheck.loading.rows import cell_amount
from budgetcheck.loading.text import MEMO_MAX_CHARS, key, strip_numbering
from budgetcheck.model import Cell, CellRef, Column, Row, Table

if TYPE_CHECKING:
    from budgetcheck.loading.tables import Title

# Field label (as a key) -> (column name, role). The first field starts a new project.
FIELDS: dict[str, tuple[str, str]] = {
    "项目名称": ("项目名称", "label"),
    "项目级次": ("项目级次", "text"),
    "主管部门": ("主管部门", "text"),
    "实施单位": ("实施单位", "text"),
    "年度资金总额": ("年度资金总额", "amount"),
    "财政拨款": ("财政拨款", "amount"),
    "其他资金": ("其他资金", "amount"),
}
_UNIT = regex.compile(r"[（(](亿元|万元|千元|元)[）)]|单位[:：](亿元|万元|千元|元)")


def build_form(
    grid: Grid, kind: TableKind, title: Title | None, start: int, stop: int
) -> Table | None:
    columns = list(_COLUMNS)
    position = _POSITION
    rows: list[Row] = []
    unit = None
    memo = _FIELD_OF
    for r in range(start, stop):
        for col, text in grid.row_texts(r):
            unit = unit or _unit(text)
            field = memo[text] if text in memo else _field_of(text)
            if field is None:
                continue
            value_col = _value_column(grid, r, col)
            if value_col is None:
                continue
            name, role = field
            if name == "项目名称" or not rows:
                rows.append(_new_row(grid, r, value_col))
            _set(rows[-1], grid, r, value_col, position[name], role)
    if not rows:
        return None
    from budgetcheck.loading.tables import title_fields  # tables imports this module lazily

    title_text, title_ref = title_fields(grid, title)
    return Table(
        kind=kind.id,
        title=title_text,
        title_ref=title_ref,
        sheet=grid.sheet,
        unit=unit or "万元",
        unit_ref=None,
        columns=columns,
        rows=rows,
        unit_assumed=unit is None,
        precision=0,
    )


def _role(name: str) -> str:
    return next(role for field, role in FIELDS.values() if field == name)


_NAMES = list(dict.fromkeys(name for name, _ in FIELDS.values()))
# The columns of every form table (immutable: the tables share them, each in a list of its own).
_COLUMNS = tuple(
    Column(index=i, path=(name,), role=_role(name))  # type: ignore[arg-type]
    for i, name in enumerate(_NAMES)
)
_POSITION = {name: i for i, name in enumerate(_NAMES)}

# The field a short cell text labels (or None): a form sheet is read cell by cell, and its
# labels and values recur in every project and every workbook of a batch.
_FIELD_OF: dict[str, tuple[str, str] | None] = {}
_FIELD_LIMIT = 16384


def _field_of(text: str) -> tuple[str, str] | None:
    """FIELDS.get(key(strip_numbering(text)[1])), remembered for short texts."""
    field = FIELDS.get(key(strip_numbering(text)[1]))
    if len(text) <= MEMO_MAX_CHARS:
        if len(_FIELD_OF) >= _FIELD_LIMIT:
            _FIELD_OF.clear()
        _FIELD_OF[text] = field
    return field


def _unit(text: str) -> str | None:
    if "元" not in text:
        return None  # both patterns need a 元: most cells need no search
    found = _UNIT.search(text)
    return (found.group(1) or found.group(2)) if found else None


def _value_column(grid: Grid, row: int, col: int) -> int | None:
    """The first non-empty cell right of a label that is not the label's own merged range."""
    merge = grid.merge_at(row, col)
    first = merge[3] + 1 if merge else col + 1
    for c in range(first, grid.width):
        if grid.text(row, c):
            return c
    return None


def _new_row(grid: Grid, row: int, col: int) -> Row:
    return Row(ref=CellRef(grid.sheet, row, col), label="", code=None, level=None, kind="item")


def _set(target: Row, grid: Grid, row: int, col: int, index: int, role: str) -> None:
    raw = grid.raw_text(row, col).strip()
    if role == "label":
        target.label, target.raw_label = key(raw), raw
        target.ref = CellRef(grid.sheet, row, col)
    elif role == "text":
        target.texts[index] = raw
        target.text_refs[index] = CellRef(grid.sheet, row, col)
    else:
        # What parse_amount and as_displayed make of the cell, remembered like a table's cells.
        amount, shown_raw, problem = cell_amount(
            grid.value(row, col), grid.raw_text(row, col), grid.decimals.get((row, col))
        )
        target.cells[index] = Cell(CellRef(grid.sheet, row, col), amount, shown_raw, problem)
