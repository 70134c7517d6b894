"""Round 3 fast paths of table loading give what the plain computations they stand for give.

Each test states the plain computation (as the code read before the fast path) and checks the
fast path against it on random input: header paths read a row at a time, the merge index, the
paragraphs of a text sheet, the organisation line prefilter, the columns memo, codes written
into labels, the precision shortcut and the one-pass table summary.
"""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetcheck.loading import metadata, rows
from budgetcheck.loading.catalogue import catalogue, code_among
from budgetcheck.loading.grid import Grid, Merge
from budgetcheck.loading.header import column_paths, make_columns
from budgetcheck.loading.kinds import kind_catalogue
from budgetcheck.loading.narrative import is_heading, paragraphs_from_grid
from budgetcheck.loading.tables import _columns, _sides
from budgetcheck.loading.text import clean
from budgetcheck.model import Amount, Cell, CellRef, Paragraph, Row, Table
from budgetcheck.reporting.tables_view import _table_data

EXAMPLES = int(os.environ.get("BUDGETCHECK_FUZZ_EXAMPLES", "200"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

WORDS = ["", "", "", "科目", "金额", "基本支出", "人员经费", "公用经费", "合计", "类", "款", "项",
         "部门：某局", "单位名称：某某单位", "项目名称", " \u3000", "\u200b", "一、说明\n第二行"]
cell_texts = st.one_of(st.sampled_from(WORDS), st.text(max_size=6))


@st.composite
def grids(draw: st.DrawFn) -> Grid:
    height = draw(st.integers(1, 6))
    width = draw(st.integers(1, 6))
    cells: list[list[object]] = [
        [draw(st.one_of(cell_texts, st.floats(allow_nan=False, width=16))) for _ in range(width)]
        for _ in range(height)
    ]
    cells[0][0] = "x"  # not trimmed away
    merges: list[Merge] = []
    for _ in range(draw(st.integers(0, 4))):
        r0 = draw(st.integers(-1, height))
        c0 = draw(st.integers(-1, width))
        merges.append((r0, c0, r0 + draw(st.integers(0, 3)), c0 + draw(st.integers(0, 3))))
    return Grid("表", cells, merges)


def plain_column_paths(grid: Grid, start: int, end: int) -> list[tuple[str, ...]]:
    paths: list[list[str]] = [[] for _ in range(grid.width)]
    for row in range(start, end):
        texts = [grid.header_text(row, col) for col in range(grid.width)]
        if row + 1 < end:
            below = [grid.header_text(row + 1, col) for col in range(grid.width)]
            filled = list(texts)
            for col in range(1, len(texts)):
                if (
                    not filled[col]
                    and filled[col - 1]
                    and below[col]
                    and below[col - 1]
                    and grid.merge_at(row, col) is None
                    and texts[col - 1] != below[col - 1]
                ):
                    filled[col] = filled[col - 1]
            texts = filled
        for col, text in enumerate(texts):
            if text and (not paths[col] or paths[col][-1] != text):
                paths[col].append(text)
    return [tuple(path) for path in paths]


@PROPERTY
@given(grids(), st.data())
def test_header_paths_and_merges_are_read_as_cell_by_cell(grid: Grid, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, grid.height - 1))
    end = data.draw(st.integers(start, grid.height))
    assert column_paths(grid, start, end) == plain_column_paths(grid, start, end)
    plain_merges: dict[tuple[int, int], Merge] = {}
    for merge in grid.merges:
        r0, c0, r1, c1 = merge
        for r in range(r0, min(r1, grid.height - 1) + 1):
            for c in range(c0, min(c1, grid.width - 1) + 1):
                plain_merges.setdefault((r, c), merge)
    for row in range(grid.height):
        assert grid.header_row(row) == [grid.header_text(row, c) for c in range(grid.width)]
        cells = [plain_merges.get((row, c)) for c in range(grid.width)]
        assert grid.row_merges(row) == [m for m in cells if m]
        assert all(grid.merge_at(row, c) == cells[c] for c in range(grid.width))


def plain_paragraphs(grid: Grid) -> list[Paragraph]:
    found: list[Paragraph] = []
    heading: str | None = None
    for row in range(grid.height):
        for col in range(grid.width):
            raw = grid.raw_text(row, col)
            if not raw.strip():
                continue
            ref = CellRef(grid.sheet, row, col)
            for line in raw.splitlines():
                text = line.strip().strip("\u3000")
                if not text:
                    continue
                found.append(Paragraph(text, grid.sheet, ref.a1, ref, heading))
                if is_heading(text):
                    heading = text
    return found


@PROPERTY
@given(grids())
def test_text_sheet_paragraphs_are_read_as_cell_by_cell(grid: Grid) -> None:
    assert paragraphs_from_grid(grid) == plain_paragraphs(grid)


@PROPERTY
@given(st.lists(grids(), min_size=1, max_size=4))
def test_organisation_and_leading_texts_are_found_as_before(sheets: list[Grid]) -> None:
    every = [text for grid in sheets for text in metadata._first_texts(grid)]
    assert metadata._leading_texts(sheets, 50) == every[:50]
    assert metadata._leading_texts(sheets, 3) == every[:3]
    cover = ["某某局2026年部门预算", "白城市审计局2026年部门预算"]
    assert metadata._organisation(metadata._org_candidates(sheets), cover) == (
        metadata._organisation(iter(every), cover)
    )


def test_columns_memo_gives_make_columns_and_its_plans() -> None:
    kinds = kind_catalogue()
    cases = [
        ([("项目",), ("本年收入",), ("项目",), ("本年支出",)], set()),
        ([("科目编码", "类"), ("科目编码", "款"), ("科目名称",), (), ("合计",)], {3}),
        ([("科目名称",), (), ("合计",), ("基本支出", "人员经费")], set()),
        ([], set()),
    ]
    for _ in range(2):  # made, then remembered
        for paths, used in cases:
            columns, plans = _columns(kinds, paths, used)
            assert columns == make_columns(kinds, paths, used)
            assert plans == ([rows.row_plan(side) for side in _sides(columns)] if columns else [])


@PROPERTY
@given(st.one_of(st.sampled_from(["2010301 行政运行", "201-一般", "205.0", "12345x", "１２３ａ"]),
                 st.text(alphabet="0123456789 -—、.．ａ行政运行\u3000", max_size=12)))
def test_codes_written_into_labels_are_split_as_before(label: str) -> None:
    embedded = rows._EMBEDDED_CODE.match(label)
    plain = (embedded.group(1), clean(embedded.group(2))) if embedded else ("", label)
    assert rows._embedded_code(label) == plain
    assert rows._embedded_code(label) == plain  # remembered


@PROPERTY
@given(st.text(alphabet="0123456789１２…. a", max_size=8), st.integers(1, 3))
def test_code_cells_are_read_as_code_digits(text: str, width: int) -> None:
    assert rows._code([text], [text], ((0, width),))[0] == rows._code_digits(text, width)


def _row(level: int | None, kind: str, decimals: list[int | None], problems: int) -> Row:
    cells = {
        i: Cell(CellRef("s", 1, i), None if d is None else Amount(Decimal(1), d), "", None)
        for i, d in enumerate(decimals)
    }
    for i in range(problems):
        cells[10 + i] = Cell(CellRef("s", 2, 10 + i), None, "待定", "not an amount")
    return Row(CellRef("s", 1, 0), "x", None, level, kind, cells)  # type: ignore[arg-type]


table_rows = st.lists(
    st.builds(
        _row,
        st.one_of(st.none(), st.integers(0, 4)),
        st.sampled_from(["item", "total", "subtotal", "placeholder"]),
        st.lists(st.one_of(st.none(), st.integers(-2, 6)), max_size=4),
        st.integers(0, 2),
    ),
    max_size=6,
)


@PROPERTY
@given(table_rows)
def test_precision_and_its_shortcut_are_as_before(found: list[Row]) -> None:
    decimals = [c.amount.decimals for r in found for c in r.cells.values() if c.amount is not None]
    precision = min(max(decimals, default=0), 4)
    assert rows.table_precision(found) == precision
    assert rows.precision_of(found) == (precision, any(d < precision for d in decimals))


@PROPERTY
@given(table_rows)
def test_table_summary_is_made_as_the_comprehensions_made_it(found: list[Row]) -> None:
    table = Table("k", "t", None, "s", "万元", None, [], found)
    data = _table_data(table)
    assert list(data) == [
        "kind", "title", "sheet", "title_cell", "unit", "unit_assumed", "precision",
        "classification", "columns", "rows", "data_rows", "total_rows", "depth", "has_data",
        "note", "invalid_cells",
    ]
    assert data["data_rows"] == sum(1 for r in found if r.kind == "item")
    assert data["total_rows"] == [r.ref.a1 for r in found if r.kind == "total"]
    assert data["depth"] == table.depth
    assert data["invalid_cells"] == [
        str(c.ref) for r in found for c in r.cells.values() if c.problem is not None
    ]


def test_catalogue_codes_are_found_as_code_for_finds_them() -> None:
    names = catalogue("function")
    for name in ["行政运行", "一般行政管理事务", "机关服务", "没有这个科目"]:
        entries = names.by_name.get(name, ())
        for parent in [None, "20101", "20103", "201"]:
            assert code_among(entries, parent) == names.code_for(name, parent)


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from(["单位：万元", "金额单位:元", "部门：某局", "单位：元整",
                                           "（万元）", "单位名称：某单位", "合计"]),
                          st.text(alphabet="单位部门金额：:元万（）() 整", max_size=10)),
                max_size=4))
def test_unit_and_preamble_prefilters_drop_only_texts_without_a_match(values: list[str]) -> None:
    from budgetcheck.loading import form, tables

    cells = list(enumerate(values))
    plain = bool(cells) and all(
        bool(tables.unit_match(t) or tables._ORG_LINE.match(t)) for _, t in cells
    )
    assert tables._is_preamble_cells(cells) == plain
    for value in values:
        found = form._UNIT.search(value)
        assert form._unit(value) == ((found.group(1) or found.group(2)) if found else None)
        if tables.unit_match(value):
            assert "单位" in value


def test_sheet_names_are_matched_as_before() -> None:
    kinds = kind_catalogue()
    for name in ["收支总表", "表1 收入总表", "Sheet1", "一般公共预算支出", "封面", "x" * 80]:
        for _ in range(2):  # found, then remembered
            assert kinds.match_sheet_name(name) == kinds._match_sheet_name(name)
