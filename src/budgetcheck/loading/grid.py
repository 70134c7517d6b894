"""A sheet as a rectangular grid of raw values plus its merged ranges."""

from __future__ import annotations

import math

from budgetcheck.loading.text import MEMO_MAX_CHARS, clean

Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based, inclusive)
# A row's cells as raw text, as clean text, and (column, clean text) of the non-empty ones.
_RowText = tuple[list[str], list[str], list[tuple[int, str]]]


class Grid:
    """A sheet's cells (trimmed of empty trailing rows and columns), merges and number formats.

    A plain class rather than a dataclass: grids are never compared or printed, and a dataclass
    costs ~0.5 ms to create at import on Python 3.11.
    """

    __slots__ = ("_empty", "_merge_of", "_rows", "cells", "decimals", "hidden", "merges", "sheet")

    def __init__(
        self,
        sheet: str,
        cells: list[list[object]],
        merges: list[Merge],
        hidden: bool = False,
        decimals: dict[tuple[int, int], int] | None = None,  # from number formats
    ) -> None:
        self.sheet = sheet
        self.cells = _trim(cells)
        self.merges = merges
        self.hidden = hidden
        self.decimals = {} if decimals is None else decimals
        self._merge_of: dict[tuple[int, int], Merge] = {}
        # Each row's cells as raw text, as clean text and as (column, clean text) of the
        # non-empty ones, made together once per row: title, header, note and row detection
        # all read the same cells, several times each.
        self._rows: dict[int, _RowText] = {}
        self._empty: dict[int, bool] = {}
        for merge in merges:
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
        found = self._rows.get(row)
        return (found or self._fill(row))[0]

    def clean_row(self, row: int) -> list[str]:
        """Every cell of a row (0 <= row < height) as clean text; shared, do not modify."""
        found = self._rows.get(row)
        return (found or self._fill(row))[1]

    def _fill(self, row: int) -> _RowText:
        raw: list[str] = []
        clean_texts: list[str] = []
        texts: list[tuple[int, str]] = []
        # One loop for the three lists: three comprehensions cost twice as much.
        for col, value in enumerate(self.cells[row]):
            if type(value) is str:
                if not value:
                    raw.append("")
                    clean_texts.append("")
                    continue
                text = value
                cleaned = _CLEANED.get(value) or _clean_text(value)
            elif type(value) is float:
                # A number's text is digits, sign, point, exponent, "inf" or "nan": nothing
                # that clean changes. (".15g" writes inf and nan as str does: _as_text.)
                text = cleaned = format(value, ".15g")
            elif type(value) is int:
                text = cleaned = str(value)
            else:
                text = _as_text(value)
                cleaned = (_CLEANED.get(text) or _clean_text(text)) if text else ""
            raw.append(text)
            clean_texts.append(cleaned)
            if cleaned:
                texts.append((col, cleaned))
        found = self._rows[row] = (raw, clean_texts, texts)
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
        """The non-empty cells of a row as (column, clean text); shared, do not modify."""
        found = self._rows.get(row)
        if found is None:
            if not 0 <= row < len(self.cells):
                return []
            found = self._fill(row)
        return found[2]

    def is_empty_row(self, row: int) -> bool:
        found = self._empty.get(row)
        if found is None:
            # A clean text is what is left of a raw text without whitespace: a row with one is
            # not empty, whatever else it holds.
            found = self._empty[row] = not self.row_texts(row) and not any(
                text.strip() for text in self.raw_row(row)
            )
        return found


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return format(value, ".15g")
    return str(value)


_MEMO_LIMIT = 16384
# Clean text of short cell texts. Labels and header words recur in every table and every
# workbook of a batch; long texts (prose) rarely do and would make the memo large. A plain dict
# that `_fill` reads directly: a hit costs no function call.
_CLEANED: dict[str, str] = {}


def _clean_text(text: str) -> str:
    """clean(text), remembered for short texts."""
    if len(text) > MEMO_MAX_CHARS:
        return clean(text)
    if len(_CLEANED) >= _MEMO_LIMIT:
        _CLEANED.clear()
    cleaned = _CLEANED[text] = clean(text)
    return cleaned


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
    # A slice is a new list already; calamine's rows all have the same length, so padding is rare.
    return [
        row[:width] if len(row) >= width else row + [""] * (width - len(row))
        for row in cells[: last_row + 1]
    ]
