"""Loading a workbook into the document model: the one entry point of the loading stage."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetcheck.errors import InputError
from budgetcheck.loading.grid import Grid
from budgetcheck.loading.kinds import kind_catalogue
from budgetcheck.loading.metadata import read_metadata
from budgetcheck.loading.narrative import paragraphs_from_file, paragraphs_from_grid
from budgetcheck.loading.opening import (
    DEFAULT_MAX_BYTES,
    calamine_open,
    check_cell_text,
    check_container,
    check_sheet_size,
    check_xlsx_extents,
)
from budgetcheck.loading.tables import find_tables
from budgetcheck.model import Document, Paragraph, SheetInfo, SheetRole, Table

if TYPE_CHECKING:
    from budgetcheck.loading.formats import DisplayedDecimals

_COVER_WORDS = ("封面",)
_CONTENTS_WORDS = ("目录", "目 录")


def load(
    path: Path | str,
    narrative: Path | str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Document:
    """Read a disclosure workbook (and optionally its text from another file) into a Document."""
    path = Path(path)
    workbook, fmt, shown = _open(path, max_bytes)
    grids = _grids(workbook, path, shown, max_bytes)
    kinds = kind_catalogue()
    tables: list[Table] = []
    sheets: list[SheetInfo] = []
    paragraphs: list[Paragraph] = []
    for index, grid in enumerate(grids):
        # A contents page lists every table's title: it must not be read as the tables.
        found = [] if _is_contents(grid) else find_tables(grid, kinds)
        tables.extend(found)
        role = "table" if found else _role(grid, index)
        sheets.append(SheetInfo(grid.sheet, role, grid.hidden, len(found)))
        if role == "text":
            paragraphs.extend(paragraphs_from_grid(grid))
    if not tables:
        raise InputError(
            f"在 {path.name} 中没有找到任何预算表（如“收支总表”“支出总表”）。请确认这是预算公开的表格文件。",
            f"No budget table (such as 收支总表 or 支出总表) was found in {path.name}. "
            "Check that this is a budget disclosure workbook.",
        )
    _default_units(tables)
    covers = {s.name for s in sheets if s.role == "cover"}
    metadata = read_metadata(grids, tables, covers)
    if narrative is not None:
        paragraphs = paragraphs_from_file(Path(narrative))
    return Document(path, fmt, metadata, tables, sheets, paragraphs)


def _open(path: Path, max_bytes: int) -> tuple[Any, str, DisplayedDecimals]:
    """open_workbook, the refusal of unreadable cells, and the decimals number formats display
    (calamine hides number formats: the decimals a reader sees come from the file itself)."""
    from budgetcheck.loading.formats import displayed_decimals
    from budgetcheck.loading.integrity import find_unreadable_cells, unreadable_cells_error
    from budgetcheck.loading.sheetpass import check_and_scan

    held: dict[str, bytes] = {}  # parts the zip checks read whole: not inflated again
    opened: list[zipfile.ZipFile] = []  # the zip sniffed, kept open for the checks after it
    try:
        fmt = check_container(path, max_bytes, held=held, opened=opened)
        # The three checks that read xlsx worksheet parts share one pass; they run in turn for
        # other formats and for parts too large to hold.
        zf = opened[0] if opened else None
        found = (
            check_and_scan(path, max_bytes, held=held, zf=zf) if fmt in ("xlsx", "xlsm") else None
        )
    finally:
        for zf in opened:
            zf.close()
    held.clear()
    if found is None and fmt in ("xlsx", "xlsm"):
        check_xlsx_extents(path, max_bytes)
    workbook = calamine_open(path, fmt)
    cells = found.unreadable_cells() if found is not None else find_unreadable_cells(path, fmt)
    if cells:
        raise unreadable_cells_error(cells)
    shown = found.decimals if found is not None else displayed_decimals(path, fmt)
    return workbook, fmt, shown


def _grids(
    workbook: Any, path: Path, shown: DisplayedDecimals, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Grid]:
    hidden = {
        meta.name: str(getattr(meta, "visible", "")).lower().endswith(("hidden", "veryhidden"))
        for meta in workbook.sheets_metadata
    }
    grids = []
    for name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(name)
            check_sheet_size(path, name, sheet.height, sheet.width, max_bytes)
            cells = sheet.to_python(skip_empty_area=False)
            check_cell_text(path, name, cells)
            merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        except InputError:
            raise
        except Exception as error:  # calamine raises its own error types for damaged sheets
            raise InputError(
                f"工作表“{name}”已损坏，无法读取（{error}）。请在 Excel 或 WPS 中打开并另存后重试。",
                f"The sheet '{name}' is damaged and cannot be read ({error}). "
                "Open and re-save the file in Excel or WPS.",
            ) from error
        grids.append(Grid(name, cells, merges, hidden.get(name, False), shown.get(name, {})))
    return grids


def _is_contents(grid: Grid) -> bool:
    if any(w in grid.sheet for w in _CONTENTS_WORDS):
        return True
    first = next((r for r in range(grid.height) if not grid.is_empty_row(r)), None)
    texts = grid.row_texts(first) if first is not None else []
    return bool(texts) and texts[0][1] in ("目录", "目次")


def _role(grid: Grid, index: int) -> SheetRole:
    if grid.height == 0:
        return "empty"
    name = grid.sheet.strip()
    if any(w in name for w in _COVER_WORDS):
        return "cover"
    if _is_contents(grid):
        return "contents"
    texts = [t for r in range(grid.height) for _, t in grid.row_texts(r)]
    if index == 0 and len(texts) <= 8 and all(len(t) <= 40 for t in texts):
        return "cover"
    numbers = sum(
        1 for row in grid.cells for v in row if isinstance(v, (int, float)) and not isinstance(v, bool)
    )
    if numbers > len(texts):
        return "unknown"
    return "text"


def _default_units(tables: list[Table]) -> None:
    """A table without a 单位 line takes the unit most other tables state (万元 when none do)."""
    stated = [t.unit for t in tables if not t.unit_assumed]
    if not stated:
        return
    common = max(set(stated), key=stated.count)
    for table in tables:
        if table.unit_assumed:
            table.unit = common
