"""Finding the tables of a sheet: titles, unit lines, header blocks, data rows and notes."""

from __future__ import annotations

import re
from typing import NamedTuple

from budgetcheck import regex
from budgetcheck.loading.grid import Grid
from budgetcheck.loading.header import (
    column_paths,
    header_end,
    is_header_row,
    is_note,
    make_columns,
)
from budgetcheck.loading.kinds import KindCatalogue, TableKind
from budgetcheck.loading.rows import (
    RowPlan,
    apply_precision,
    infer_hierarchy,
    precision_of,
    read_row,
    row_plan,
)
from budgetcheck.loading.text import clean, key
from budgetcheck.model import CellRef, Column, Row, Table

# "单位：万元", not followed by a Chinese character (单位：元整 is no unit line). The lookahead is
# checked in `unit_match`: a class of 20,992 characters costs ~1 ms to compile in every process.
_UNIT = regex.compile(r"(?:金额)?单位\s*[:：]\s*(亿元|万元|千元|元)")
_BRACKET_UNIT = regex.compile(r"[（(](亿元|万元|千元|元)[）)]")
_ORG_LINE = regex.compile(r"^(编制|预算|主管)?(部门|单位)(名称)?[:：]")
MAX_TITLE_LENGTH = 60
LOOKAHEAD = 5  # rows between a title and its header (unit line, organisation line, blanks)


class Title(NamedTuple):
    # A NamedTuple rather than a frozen dataclass: its class costs ~0.1 ms at import, not ~0.5.
    row: int
    col: int
    kind: TableKind
    text: str


def title_fields(grid: Grid, title: Title | None) -> tuple[str, CellRef | None]:
    """A table's title and its cell; an untitled table goes by its sheet's name."""
    if title is None:
        return grid.sheet.strip(), None
    return title.text, CellRef(grid.sheet, title.row, title.col)


def find_tables(grid: Grid, kinds: KindCatalogue) -> list[Table]:
    titles = _titles(grid, kinds)
    if not titles:
        untitled = _untitled_table(grid, kinds)
        return [untitled] if untitled else []
    tables = []
    for i, title in enumerate(titles):
        stop = titles[i + 1].row if i + 1 < len(titles) else grid.height
        table = _build(grid, kinds, title.kind, title, title.row + 1, stop)
        if table:
            tables.append(table)
    return tables


def _titles(grid: Grid, kinds: KindCatalogue) -> list[Title]:
    titles = []
    for row, cells in enumerate(grid.text_rows):
        if not cells or len(cells) > 3:
            continue
        for col, text in cells:
            if "表" not in text or len(text) > MAX_TITLE_LENGTH:
                continue  # every table title names a 表; most cells are amounts or labels
            kind = kinds.match_title(text)
            if kind and (kind.form or _header_follows(grid, row + 1)):
                titles.append(Title(row, col, kind, grid.raw_text(row, col).strip()))
                break
    return titles


def _header_follows(grid: Grid, start: int) -> bool:
    for row in range(start, min(start + LOOKAHEAD, grid.height)):
        if grid.is_empty_row(row) or _is_preamble(grid, row):
            continue
        return is_header_row(grid, row)
    return False


def _is_preamble(grid: Grid, row: int) -> bool:
    """Unit and organisation lines between a title and its header."""
    return _is_preamble_cells(grid.row_texts(row))


def _is_preamble_cells(cells: list[tuple[int, str]]) -> bool:
    # Both patterns need a 单位 or a 部门: most cells are told apart without a search.
    return bool(cells) and all(
        ("单位" in t or "部门" in t) and (unit_match(t) or _ORG_LINE.match(t)) for _, t in cells
    )


def unit_match(text: str) -> re.Match[str] | None:
    """What `(?:金额)?单位\\s*[:：]\\s*(亿元|万元|千元|元)(?![\u4e00-\u9fff])` finds in `text`.

    A match rejected for the character after it is passed over whole: no match of the pattern
    starts inside it (its only 单位 is at its start or after its 金额, where the match would end
    at the same place).
    """
    if "单位" not in text:
        return None  # what every match holds: most texts need no search
    found = _UNIT.search(text)
    while found is not None and _is_cjk(text, found.end()):
        found = _UNIT.search(text, found.end())
    return found


def _is_cjk(text: str, index: int) -> bool:
    return index < len(text) and "\u4e00" <= text[index] <= "\u9fff"


def _untitled_table(grid: Grid, kinds: KindCatalogue) -> Table | None:
    """A sheet without a recognised title: its sheet name, else its header names, tell the kind."""
    for row in range(min(grid.height, 12)):
        if grid.is_empty_row(row) or _is_preamble(grid, row) or not is_header_row(grid, row):
            continue
        end = header_end(grid, row, grid.height)
        if end == grid.height:
            return None
        kind = kinds.match_sheet_name(grid.sheet)
        if kind is None:
            header_keys = {key(p) for path in column_paths(grid, row, end) for p in path}
            kind = kinds.match_signature(header_keys)
        if kind is None or kind.form:
            return None
        return _build(grid, kinds, kind, None, row, grid.height)
    return None


def _build(
    grid: Grid, kinds: KindCatalogue, kind: TableKind, title: Title | None, start: int, stop: int
) -> Table | None:
    if kind.form:
        from budgetcheck.loading.form import build_form

        return build_form(grid, kind, title, start, stop)
    unit, unit_ref = _unit(grid, title.row if title else start, start, stop)
    row = start
    while row < stop and (grid.is_empty_row(row) or _is_preamble(grid, row)):
        row += 1
    first_header = row
    end = header_end(grid, first_header, stop)
    if end == first_header:
        return None
    paths = column_paths(grid, first_header, end)
    used = _used_unnamed(grid, paths, end, stop)
    columns, plans = _columns(kinds, paths, used)
    if not columns:
        return None
    header_rows = [tuple([t for _, t in grid.row_texts(r)]) for r in range(first_header, end)]
    rows, note, note_ref = _data(grid, plans, end, stop, header_rows)
    if unit is None:
        unit = _unit_in_header(paths)
    classification = kind.classification
    infer_hierarchy(rows, classification)
    precision, short = precision_of(rows)
    if short:
        apply_precision(grid, rows, precision)
    title_text, title_ref = title_fields(grid, title)
    return Table(
        kind=kind.id,
        title=title_text,
        title_ref=title_ref,
        sheet=grid.sheet,
        unit=unit or "万元",
        unit_ref=unit_ref,
        columns=columns,
        rows=rows,
        note=note,
        note_ref=note_ref,
        classification=classification,  # type: ignore[arg-type]
        header_ref=CellRef(grid.sheet, first_header, columns[0].index),
        unit_assumed=unit is None,
        precision=precision,
    )


# (header paths, used unnamed columns) -> the columns make_columns makes of them and each side's
# row plan, for one kind catalogue. Every workbook of a batch has the same headers, and making
# the columns (frozen dataclasses, keys of every header word) costs more than the rest of a
# small table. Columns are immutable, so tables may share them; each gets its own list.
_COLUMNS: dict[
    tuple[tuple[tuple[str, ...], ...], frozenset[int]], tuple[tuple[Column, ...], list[RowPlan]]
] = {}
_COLUMNS_KINDS: list[KindCatalogue] = []  # the catalogue _COLUMNS was made with
_COLUMNS_LIMIT = 2048


def _columns(
    kinds: KindCatalogue, paths: list[tuple[str, ...]], used: set[int]
) -> tuple[list[Column], list[RowPlan]]:
    """make_columns(kinds, paths, used) and the row plan of each side of those columns."""
    if not _COLUMNS_KINDS or _COLUMNS_KINDS[0] is not kinds or len(_COLUMNS) >= _COLUMNS_LIMIT:
        _COLUMNS.clear()
        _COLUMNS_KINDS[:] = [kinds]
    memo_key = (tuple(paths), frozenset(used))
    found = _COLUMNS.get(memo_key)
    if found is None:
        columns = make_columns(kinds, paths, used)
        plans = [row_plan(side_columns) for side_columns in _sides(columns)] if columns else []
        found = _COLUMNS[memo_key] = (tuple(columns), plans)
    return list(found[0]), found[1]


def _used_unnamed(grid: Grid, paths: list[tuple[str, ...]], start: int, stop: int) -> set[int]:
    """The columns without a header that hold data in rows start..stop: only their use decides
    whether they are kept (make_columns), so only they are looked at."""
    unnamed = [col for col, path in enumerate(paths) if not path]
    used: set[int] = set()
    if not unnamed:
        return used
    for row in range(start, stop):
        texts = grid.clean_row(row)
        used.update(col for col in unnamed if texts[col])
    return used


def _unit(grid: Grid, title_row: int, start: int, stop: int) -> tuple[str | None, CellRef | None]:
    for row in range(title_row, min(start + LOOKAHEAD, stop)):
        for col, text in grid.row_texts(row):
            found = unit_match(text)
            if found:
                return found.group(1), CellRef(grid.sheet, row, col)
    return None, None


def _unit_in_header(paths: list[tuple[str, ...]]) -> str | None:
    for path in paths:
        for part in path:
            found = _BRACKET_UNIT.search(part)
            if found:
                return found.group(1)
    return None


def _data(
    grid: Grid, plans: list[RowPlan], start: int, stop: int, header: list[tuple[str, ...]]
) -> tuple[list[Row], str | None, CellRef | None]:
    rows: list[Row] = []
    notes: list[str] = []
    note_ref: CellRef | None = None
    # A row can repeat a header only if it starts with a header row's first text.
    header_firsts = {texts[0] for texts in header if texts}
    text_rows = grid.text_rows
    for r in range(start, stop):
        cells = text_rows[r]
        if not cells:
            continue
        first = cells[0][1]
        if notes or is_note(first):
            if note_ref is None:
                note_ref = CellRef(grid.sheet, r, cells[0][0])
            notes.append(" ".join(grid.raw_text(r, c).strip() for c, _ in cells))
            continue
        if first in header_firsts and tuple([t for _, t in cells]) in header:
            continue  # a header repeated on a continuation page
        if ("单位" in first or "部门" in first) and _is_preamble_cells(cells):
            continue  # a stray unit line (_is_preamble_cells asks this of every cell)
        for plan in plans:
            parsed = read_row(grid, r, plan)
            if parsed is not None:
                rows.append(parsed)
    note = "\n".join(notes) if notes else None
    return rows, note, note_ref


def _sides(columns: list[Column]) -> list[list[Column]]:
    names: list[str | None] = []
    for column in columns:
        if column.side not in names:
            names.append(column.side)
    return [[c for c in columns if c.side == side] for side in names]


def title_text(grid: Grid, row: int) -> str:
    return " ".join(clean(t) for _, t in grid.row_texts(row))
