"""Round-3 shortcuts of the loader's opening checks agree with the plain paths they replace.

- `check_cell_text` refuses what the cell-by-cell loop refused, naming the same cell.
- `read_upto` reads what `f.read(limit)` reads.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetcheck.errors import InputError
from budgetcheck.loading.opening import MAX_CELL_CHARS, check_cell_text, read_upto


def _old_check_cell_text(cells: list[list[object]]) -> tuple[int, int] | None:
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                return r, c
    return None


class _Text(str):
    pass


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [
                    "",
                    "x",
                    1.5,
                    None,
                    True,
                    "y" * MAX_CELL_CHARS,
                    "z" * (MAX_CELL_CHARS + 1),
                    _Text("w" * (MAX_CELL_CHARS + 2)),
                ]
            ),
            max_size=5,
        ),
        max_size=5,
    )
)
def test_cell_text_is_refused_as_before(cells: list[list[object]]) -> None:
    first = _old_check_cell_text(cells)
    if first is None:
        check_cell_text(Path("a.xlsx"), "S", cells)
        return
    with pytest.raises(InputError) as info:
        check_cell_text(Path("a.xlsx"), "S", cells)
    from budgetcheck.model import column_letters

    assert f"S!{column_letters(first[1])}{first[0] + 1}" in str(info.value.args)


@pytest.mark.parametrize("size", [0, 1, 5, 9, 10, 11, 30])
@pytest.mark.parametrize("expected", [-3, 0, 4, 9, 10, 11, 50])
@pytest.mark.parametrize("limit", [1, 10, 11, 40])
def test_read_upto_reads_what_read_reads(size: int, expected: int, limit: int) -> None:
    data = bytes(range(size))
    plain = io.BufferedReader(io.BytesIO(data)).read(limit)  # type: ignore[arg-type]
    assert read_upto(io.BufferedReader(io.BytesIO(data)), limit, expected) == plain  # type: ignore[arg-type]


@pytest.mark.parametrize("space", [b" ", b"\t", b"\n", b"\r", b"\f", b"\v"])
@pytest.mark.parametrize("where", ["row", "cell", "other", "after"])
def test_extent_of_cells_with_any_whitespace(space: bytes, where: str) -> None:
    from budgetcheck.loading.formats import fast_cells
    from budgetcheck.loading.opening import extent_of, extent_of_cells

    row = b"<row" + (space if where == "row" else b" ") + b'r="7">'
    cell = b'<c r="C7" s="2"><v>1</v></c>'
    other = b"<x" + space + b'r="B90000"/>' if where == "other" else b""
    tail = space if where == "after" else b""
    data = b"<worksheet><sheetData>" + row + cell + other + b"</row></sheetData></worksheet>"
    data = data + tail
    if where == "cell":
        data = data.replace(b'<c r="C7"', b'<c r="C7"' + space + b'r="D70000"')
    found = fast_cells(data)
    if found is None:
        return
    extent = extent_of_cells(data, *found)
    if extent is not None:
        assert extent == extent_of([data])
