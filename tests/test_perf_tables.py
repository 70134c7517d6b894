"""The fast paths of table loading give what the plain computations they stand for give.

Each test states the plain computation (as the code read before the fast path) and checks the
fast path against it on random input: cell texts of a grid, trimming, clean and its NFKC
shortcut, the amount of a float cell, header words, and the metadata prefilters.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetcheck.amounts import parse_amount
from budgetcheck.loading import metadata, text
from budgetcheck.loading.grid import Grid, _as_text, _trim
from budgetcheck.loading.header import _CODE, _is_name
from budgetcheck.loading.rows import _amount_cells, as_displayed, cell_amount
from budgetcheck.loading.text import clean, strip_numbering
from budgetcheck.model import Amount, Cell, CellRef, new_cell, new_cell_ref

EXAMPLES = int(os.environ.get("BUDGETCHECK_FUZZ_EXAMPLES", "200"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Wide and narrow punctuation, spaces of every kind, compatibility characters and combining
# marks: what clean and NFKC treat specially.
SPECIAL = "()（）:：,，;；Ａａ１２　 \u00a0\u200b\t\n①㎡…“”﹙\u0301\uf98e年算部门单位表注计合"
texts = st.text(alphabet=st.one_of(st.sampled_from(SPECIAL), st.characters()), max_size=40)
floats = st.one_of(
    st.floats(),
    st.sampled_from([0.0, -0.0, 1e15, 1e16, 123456789012345.0, 1169.8600000000001, 0.1, 1e-5]),
    st.decimals(places=2, min_value=-(10**9), max_value=10**9).map(float),
)
cell_values = st.one_of(
    st.just(""),
    st.none(),
    texts,
    st.sampled_from(["合计", "一、一般公共服务支出", " 行政运行", "201", "-", "1,169.86"]),
    floats,
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)


def plain_clean(value: object) -> str:
    if value is None:
        return ""
    string = str(value)
    if text._FULL_WIDTH_ALNUM.search(string):
        string = unicodedata.normalize("NFKC", string)
    return text._WHITESPACE.sub("", string).translate(text._HALF_TO_FULL)


def plain_row(values: list[object]) -> tuple[list[str], list[str], list[tuple[int, str]]]:
    """A row's raw texts, clean texts and non-empty (column, clean text), cell by cell."""
    raw = [_as_text(v) if not isinstance(v, str) else v for v in values]
    cleaned = [
        r if type(v) in (float, int) else (plain_clean(r) if r else "")
        for v, r in zip(values, raw, strict=True)
    ]
    return raw, cleaned, [(col, t) for col, t in enumerate(cleaned) if t]


def plain_trim(cells: list[list[object]]) -> list[list[object]]:
    last_row = last_col = -1
    for r, row in enumerate(cells):
        for c in range(len(row) - 1, -1, -1):
            if row[c] is not None and row[c] != "":
                last_row, last_col = r, max(last_col, c)
                break
    width = last_col + 1
    return [row[:width] + [""] * (width - len(row)) for row in cells[: last_row + 1]]


@PROPERTY
@given(texts)
def test_clean_is_nfkc_then_no_spaces_then_full_width_brackets(value: str) -> None:
    assert clean(value) == plain_clean(value)


@PROPERTY
@given(st.text(alphabet=st.one_of(st.sampled_from(SPECIAL), st.characters()), max_size=60))
def test_the_nfkc_shortcut_is_nfkc(value: str) -> None:
    assert text._nfkc(value) == unicodedata.normalize("NFKC", value)


def test_the_nfkc_shortcut_is_nfkc_for_every_character_beside_wide_ones() -> None:
    for code in range(0x10000):  # the basic plane: every wide character and its neighbours
        char = chr(code)
        for value in (char, "Ａ" + char, char + "：", "１" + char + "\u0301"):
            assert text._nfkc(value) == unicodedata.normalize("NFKC", value), hex(code)


@PROPERTY
@given(st.lists(st.lists(cell_values, min_size=0, max_size=6), max_size=8))
def test_grid_texts_are_each_cells_text(cells: list[list[object]]) -> None:
    assert _trim(cells) == plain_trim(cells)
    grid = Grid("Sheet1", cells, [])
    for r, values in enumerate(grid.cells):
        raw, cleaned, non_empty = plain_row(values)
        assert grid.raw_rows[r] == raw
        assert grid.clean_rows[r] == cleaned
        assert grid.row_texts(r) == non_empty
        assert grid.is_empty_row(r) == (not non_empty and not any(t.strip() for t in raw))


@PROPERTY
@given(floats, st.one_of(st.none(), st.integers(-1, 6)))
def test_a_float_cell_is_read_as_parse_amount_then_displayed(value: float, shown: int | None) -> None:
    raw = Grid("Sheet1", [[value]], []).raw_rows[0][0]
    parsed = parse_amount(value)
    try:
        expected: object = as_displayed(parsed.amount, shown), raw.strip(), parsed.problem
    except InvalidOperation:  # more digits than a Decimal context holds: either way
        expected = InvalidOperation
    for _ in range(2):  # and again, from the memo
        try:
            found: object = cell_amount(value, raw, shown)
        except InvalidOperation:
            found = InvalidOperation
        assert found == expected


@given(st.integers(0, 12), st.decimals(places=6, min_value=-(10**6), max_value=10**6))
def test_displayed_decimals_round_half_up(shown: int, value: Decimal) -> None:
    quantum = Decimal(1).scaleb(-shown)
    expected = Amount(value.quantize(quantum, rounding=ROUND_HALF_UP), shown)
    assert as_displayed(Amount(value, 6), shown) == expected


@PROPERTY
@given(st.one_of(texts, st.sampled_from(["201", "…", "1,169.86", "一、", "（一）", "项目", "合计"])))
def test_header_words_are_told_as_before(value: str) -> None:
    expected = not (
        _CODE.match(value)
        or value in ("…", "……", "...")
        or parse_amount(value).amount is not None
        or strip_numbering(value)[0] is not None
    )
    assert _is_name(value) == expected
    assert _is_name(value) == expected  # and again, from the memo


@PROPERTY
@given(st.lists(st.one_of(texts, st.sampled_from(["2024年部门预算", "二〇二四年", "单位：某局"]))))
def test_metadata_prefilters_drop_only_texts_without_a_match(values: list[str]) -> None:
    for value in values:
        cleaned = clean(value)
        if metadata._YEAR.search(cleaned) or metadata._CN_YEAR.search(value):
            assert metadata._year([value]) is not None
        if metadata._DOC_TYPE.search(cleaned):
            assert metadata._doc_type([value]) is not None
        if metadata._ORG_LINE.match(value):
            assert "部门" in value or "单位" in value


def test_float_texts_keep_the_sign_of_zero_and_nan() -> None:
    grid = Grid("Sheet1", [[0.0, -0.0, math.nan, math.inf, -0.0, 0.0, 2840.8, 2840.8]], [])
    assert grid.raw_rows[0] == ["0", "-0", "nan", "inf", "-0", "0", "2840.8", "2840.8"]


@PROPERTY
@given(texts, st.integers(0, 10**6), st.integers(0, 16384), st.one_of(st.none(), texts))
def test_the_fast_cell_constructors_make_what_the_classes_make(
    sheet: str, row: int, col: int, problem: str | None
) -> None:
    ref = new_cell_ref((sheet, row, col))
    plain_ref = CellRef(sheet, row, col)
    amount = Amount(Decimal("1.5"), 1)
    cell = new_cell((ref, amount, "1.5", problem))
    plain = Cell(plain_ref, amount, "1.5", problem)
    assert type(ref) is CellRef and type(cell) is Cell
    assert (ref, cell) == (plain_ref, plain)
    assert (hash(ref), hash(cell)) == (hash(plain_ref), hash(plain))
    assert (repr(ref), repr(cell), str(ref)) == (repr(plain_ref), repr(plain), str(plain_ref))
    assert (cell.ref, cell.amount, cell.raw, cell.problem) == (plain_ref, amount, "1.5", problem)


# What amount columns hold. (Not floats of 28 digits and more: as_displayed cannot quantize them
# to a number format's decimals, with or without the fast path.)
amount_values = st.one_of(
    st.just(""),
    st.none(),
    texts,
    st.sampled_from(["-", "—", " 1,169.86 ", "待定", "0", "（12.5）"]),
    st.floats(max_value=1e20, min_value=-1e20),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1169.8600000000001]),
    st.decimals(places=2, min_value=-(10**9), max_value=10**9).map(float),
    st.integers(-(10**12), 10**12),
)


@PROPERTY
@given(st.lists(amount_values, min_size=1, max_size=6), st.one_of(st.none(), st.integers(-1, 6)))
def test_amount_cells_are_the_cells_the_class_makes(values: list[object], shown: int | None) -> None:
    grid = Grid("Sheet1", [["x", *values]], [])
    columns = tuple(range(1, grid.width))
    if shown is not None:
        grid.decimals = {(0, col): shown for col in columns}
    for index, cell in _amount_cells(grid, 0, columns).items():
        raw = grid.raw_rows[0][index]
        amount, text, problem = (
            cell_amount(grid.cells[0][index], raw, shown) if raw else (None, "", None)
        )
        assert type(cell) is Cell and type(cell.ref) is CellRef
        assert cell == Cell(CellRef("Sheet1", 0, index), amount, text, problem)
