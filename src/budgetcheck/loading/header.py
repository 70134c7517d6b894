"""Header rows of a table: where they end and the column path each column gets."""

from __future__ import annotations

from budgetcheck import regex
from budgetcheck.amounts import parse_amount
from budgetcheck.loading.grid import Grid
from budgetcheck.loading.kinds import KindCatalogue
from budgetcheck.loading.text import MEMO_MAX_CHARS, key, strip_numbering
from budgetcheck.model import Column, ColumnRole

MAX_HEADER_ROWS = 4
TOTAL_LABELS = regex.compile(r"^(本年收入|本年支出|收入|支出|本年)?(合计|总计)$")
_NOTE = regex.compile(r"^(注|说明|备注)\s*[0-9一二三四五六七八九十]*\s*[:：]|本表无数据|无数据")
_CODE = regex.compile(r"^\d{3}(\d{2}){0,2}$")


def is_note(text: str) -> bool:
    # Every note holds a 注 (注, 备注), a 说明 or a 无数据: most texts need no search.
    return ("注" in text or "说明" in text or "无数据" in text) and bool(_NOTE.search(text))


def is_total_label(text: str) -> bool:
    # Every total label ends in 计, and no other character normalises to 计: most labels are
    # told apart without computing their key.
    return "计" in text and bool(TOTAL_LABELS.match(key(text)))


def is_header_row(grid: Grid, row: int) -> bool:
    """A row of column names: words only, none of them an amount, a code, numbering or a note."""
    found = grid.headers.get(row)
    if found is None:
        found = grid.headers[row] = _is_header_row(grid, row)
    return found


def _is_header_row(grid: Grid, row: int) -> bool:
    cells = grid.row_texts(row)
    if not cells:
        return False
    first = cells[0][1]
    if is_note(first):
        return False
    if is_total_label(first) and len(cells) == 1:
        return False  # a 合计 row of an empty vertical table
    values = grid.cells[row]
    for col, text in cells:
        value = values[col]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return False
        named = _NAMES.get(text)
        if named is None:
            named = _is_name(text)
        if not named:
            return False
    return True


# Whether a cell text can name a column (_is_name), for short texts: header words recur in every
# table and every workbook of a batch, and each costs three pattern tests.
_NAMES: dict[str, bool] = {}
_NAMES_LIMIT = 16384


def _is_name(text: str) -> bool:
    """Not a code, a placeholder, an amount or numbering: words that may name a column."""
    named = not (
        _CODE.match(text)
        or text in ("…", "……", "...")
        or parse_amount(text).amount is not None
        or strip_numbering(text)[0] is not None
    )
    if len(text) <= MEMO_MAX_CHARS:
        if len(_NAMES) >= _NAMES_LIMIT:
            _NAMES.clear()
        _NAMES[text] = named
    return named


def header_end(grid: Grid, start: int, stop: int) -> int:
    """The first row after the header block that starts at `start` (exclusive end)."""
    end = start
    while (
        end < stop
        and end - start < MAX_HEADER_ROWS
        and is_header_row(grid, end)
        and (end == start or _refines_header(grid, start, end))
    ):
        end += 1
    # Vertical merges that start in the header belong to it.
    extended = end
    for row in range(start, end):
        for merge in grid.row_merges(row):
            if merge[0] >= start:
                extended = max(extended, min(merge[2] + 1, stop))
    return extended


def _refines_header(grid: Grid, start: int, row: int) -> bool:
    """A further header row names sub-columns: two or more under a group spanning several columns
    ("基本支出" over 人员经费|公用经费, "功能分类科目编码" over 类|款|项), or one where the rows above
    name nothing. A names-only data row with blank amounts is words only too, but it names one
    cell under a single-column header ("功能分类科目名称"), so it stays data.
    """
    cols = [col for col, _ in grid.row_texts(row)]
    for col in cols:
        above = range(start, row)
        if not any(grid.header_text(r, col) for r in above):
            return True
        for r in above:
            merge = grid.merge_at(r, col)
            if merge and merge[3] > merge[1] and sum(merge[1] <= c <= merge[3] for c in cols) > 1:
                return True
    return False


def column_paths(grid: Grid, start: int, end: int) -> list[tuple[str, ...]]:
    """Each column's header path, outermost first, merged cells filled across and down."""
    paths: list[list[str]] = [[] for _ in range(grid.width)]
    # Each header row's texts are read once: a row's texts are also the row below of the one
    # above it (_fill_unmerged_groups).
    rows = [grid.header_row(row) for row in range(start, end)]
    for i, texts in enumerate(rows):
        if i + 1 < len(rows):
            texts = _fill_unmerged_groups(grid, start + i, texts, rows[i + 1])
        for col, text in enumerate(texts):
            if text and (not paths[col] or paths[col][-1] != text):
                paths[col].append(text)
    return [tuple(path) for path in paths]


def _fill_unmerged_groups(grid: Grid, row: int, texts: list[str], below: list[str]) -> list[str]:
    """A group title written once above several columns without a merge spans them too.

    Only where the row below (`below`: its header texts) names each of those columns, so a lone
    column title never spreads.
    """
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
    return filled


def make_columns(
    kinds: KindCatalogue, paths: list[tuple[str, ...]], used: set[int]
) -> list[Column]:
    """Columns with a role; a column with no header but with data is kept with an empty path."""
    columns = []
    for index, path in enumerate(paths):
        if not path and index not in used:
            continue
        columns.append(Column(index=index, path=path, role=_role(kinds, path)))
    return _assign_sides(kinds, columns)


def _role(kinds: KindCatalogue, path: tuple[str, ...]) -> ColumnRole:
    leaf = key(path[-1]) if path else ""
    if leaf in kinds.code_columns or leaf.endswith("编码"):
        return "code"
    if leaf in kinds.label_columns:
        return "label"
    if leaf in kinds.text_columns:
        return "text"
    if any(key(part) == "项目名称" for part in path):
        return "text"
    return "amount"


def _assign_sides(kinds: KindCatalogue, columns: list[Column]) -> list[Column]:
    """Two label columns make a two-sided table: income on the left, expenditure on the right."""
    labels = [c.index for c in columns if c.role == "label"]
    if len(labels) < 2:
        return columns
    split = labels[1]
    sided = []
    for column in columns:
        default = "收入" if column.index < split else "支出"
        named = kinds.sides.get(key(column.path[0])) if column.path else None
        side = named or default
        sided.append(Column(column.index, column.path, column.role, side))
    return sided
