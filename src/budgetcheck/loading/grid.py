"""A sheet as a rectangular grid of raw values plus its merged ranges."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from budgetcheck.loading.text import clean

Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based, inclusive)


@dataclass(slots=True)
class Grid:
    sheet: str
    cells: list[list[object]]
    merges: list[Merge]
    hidden: bool = False
    decimals: dict[tuple[int, int], int] = field(default_factory=dict)  # from number formats
    _merge_of: dict[tuple[int, int], Merge] = field(default_factory=dict, repr=False)
    _texts: dict[int, list[tuple[int, str]]] = field(default_factory=dict, repr=False)
    # Each row's cells as raw text and as clean text, computed once per row: title, header,
    # note and row detection all read the same cells, several times each.
    _raw: dict[int, list[str]] = field(default_factory=dict, repr=False)
    _clean: dict[int, list[str]] = field(default_factory=dict, repr=False)
    _empty: dict[int, bool] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.cells = _trim(self.cells)
        for merge in self.merges:
            r0, c0, r1, c1 = merge
            # Covered cells of huge merges are not indexed one by one: only those inside the grid.
            for r in range(r0, min(r1, self.height - 1) + 1):
                for c in range(c0, min(c1, self.width - 1) + 1):
                    self._merge_of.setdefault((r, c), merge)

    @property
    def height(self) -> int:
        return len(self.cells)

    @property
    def width(self) -> int:
        return len(self.cells[0]) if self.cells else 0

    def value(self, row: int, col: int) -> object:
        if 0 <= row < len(self.cells) and 0 <= col < len(self.cells[row]):
            return self.cells[row][col]
        return ""

    def text(self, row: int, col: int) -> str:
        if 0 <= row < len(self.cells) and 0 <= col < len(self.cells[row]):
            return self.clean_row(row)[col]
        return ""

    def raw_text(self, row: int, col: int) -> str:
        if 0 <= row < len(self.cells) and 0 <= col < len(self.cells[row]):
            return self.raw_row(row)[col]
        return ""

    def raw_row(self, row: int) -> list[str]:
        """Every cell of a row (0 <= row < height) as raw text; shared, do not modify."""
        found = self._raw.get(row)
        if found is None:
            found = self._raw[row] = [
                value if type(value) is str else _as_text(value) for value in self.cells[row]
            ]
        return found

    def clean_row(self, row: int) -> list[str]:
        """Every cell of a row (0 <= row < height) as clean text; shared, do not modify."""
        found = self._clean.get(row)
        if found is None:
            # A number's text is digits, sign, point, exponent, "inf" or "nan": nothing that
            # clean changes.
            found = self._clean[row] = [
                text if not text or type(value) in _NUMBERS else _clean_text(text)
                for value, text in zip(self.cells[row], self.raw_row(row), strict=True)
            ]
        return found

    def merge_at(self, row: int, col: int) -> Merge | None:
        return self._merge_of.get((row, col))

    def header_text(self, row: int, col: int) -> str:
        """The text a reader sees at a header cell: merged ranges fill across and down."""
        merge = self._merge_of.get((row, col))
        if merge:
            return self.text(merge[0], merge[1])
        return self.text(row, col)

    def row_texts(self, row: int) -> list[tuple[int, str]]:
        """The non-empty cells of a row as (column, clean text); computed once per row, since
        title, header and note detection all look at the same rows."""
        found = self._texts.get(row)
        if found is None:
            if not 0 <= row < len(self.cells):
                return []
            found = [(col, text) for col, text in enumerate(self.clean_row(row)) if text]
            self._texts[row] = found
        return found

    def is_empty_row(self, row: int) -> bool:
        found = self._empty.get(row)
        if found is None:
            found = self._empty[row] = not any(text.strip() for text in self.raw_row(row))
        return found


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return format(value, ".15g")
    return str(value)


_NUMBERS = (float, int)
_MEMO_MAX_CHARS = 64


def _clean_text(text: str) -> str:
    return _clean_short(text) if len(text) <= _MEMO_MAX_CHARS else clean(text)


@lru_cache(maxsize=16384)
def _clean_short(text: str) -> str:
    # Labels and header words recur in every table and every workbook of a batch; long texts
    # (prose) rarely do and would make the memo large.
    return clean(text)


def _trim(cells: list[list[object]]) -> list[list[object]]:
    """Drop trailing empty rows and columns (a used range may claim 256 columns of formatting)."""
    last_row = -1
    last_col = -1
    for r, row in enumerate(cells):
        for c in range(len(row) - 1, -1, -1):
            value = row[c]
            if value is not None and value != "":
                last_row = r
                last_col = max(last_col, c)
                break
    width = last_col + 1
    return [list(row[:width]) + [""] * (width - len(row)) for row in cells[: last_row + 1]]
