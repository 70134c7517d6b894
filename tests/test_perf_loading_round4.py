"""Round 4 fast paths of table loading give what the plain computations they stand for give.

The amount cells of a row, made without the partial of `new_cell_ref`/`new_cell`, are the
CellRef and Cell objects those make; the memo of `is_header_row` on a grid answers what the
computation answers, whichever rows are asked about and in whatever order.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetcheck.loading import header, rows
from budgetcheck.loading.grid import Grid
from budgetcheck.model import Cell, CellRef, new_cell, new_cell_ref

EXAMPLES = int(os.environ.get("BUDGETCHECK_FUZZ_EXAMPLES", "200"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

WORDS = ["", "", "", "科目", "金额", "合计", "类", "款", "项", "注：说明", "1.5", "-", "—",
         "205", "一、", "12,345.60", " ", "待定", "…", "基本支出"]
values = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=6),
    st.floats(allow_nan=False, width=16),
    st.integers(-1000, 1000),
    st.none(),
    st.booleans(),
)


@st.composite
def grids(draw: st.DrawFn) -> Grid:
    height = draw(st.integers(1, 6))
    width = draw(st.integers(1, 6))
    cells: list[list[object]] = [[draw(values) for _ in range(width)] for _ in range(height)]
    cells[0][0] = "x"  # not trimmed away
    decimals = {
        (draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))): draw(
            st.integers(-2, 4)
        )
        for _ in range(draw(st.integers(0, 4)))
    }
    return Grid("表", cells, [], decimals=decimals)


def plain_amount_cells(grid: Grid, row: int, amounts: tuple[int, ...]) -> dict[int, Cell]:
    """_amount_cells as it read with new_cell_ref and new_cell."""
    cells = {}
    for index in amounts:
        text = grid.raw_rows[row][index]
        ref = new_cell_ref((grid.sheet, row, index))
        if not text:
            cells[index] = new_cell((ref, None, "", None))
            continue
        value = grid.cells[row][index]
        shown = grid.decimals.get((row, index)) if grid.decimals else None
        found = rows.cell_amount(value, text, shown)
        cells[index] = new_cell((ref, found[0], found[1], found[2]))
    return cells


@PROPERTY
@given(grids(), st.data())
def test_amount_cells_are_those_of_new_cell(grid: Grid, data: st.DataObject) -> None:
    row = data.draw(st.integers(0, grid.height - 1))
    columns = data.draw(st.lists(st.integers(0, grid.width - 1), unique=True, max_size=6))
    amounts = tuple(columns)
    fast = rows._amount_cells(grid, row, amounts)
    plain = plain_amount_cells(grid, row, amounts)
    assert fast == plain
    assert list(fast) == list(plain)
    for cell in fast.values():
        assert type(cell) is Cell and type(cell.ref) is CellRef
        assert cell.ref == CellRef(grid.sheet, row, cell.ref.col)


@PROPERTY
@given(grids(), st.lists(st.integers(0, 7), max_size=12))
def test_header_row_memo_answers_the_computation(grid: Grid, asked: list[int]) -> None:
    for row in asked:
        if row >= grid.height:
            continue
        assert header.is_header_row(grid, row) == header._is_header_row(grid, row)
        assert header.is_header_row(grid, row) == header._is_header_row(grid, row)
    assert set(grid.headers) == {row for row in asked if row < grid.height}
