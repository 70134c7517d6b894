"""A sheet as a rectangular grid of raw values plus its merged ranges."""

from __future__ import annotations

import math

from budgetcheck.loading.text import MEMO_MAX_CHARS, clean

Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based, inclusive)


class Grid:
    """A sheet's cells (trimmed of empty trailing rows and columns), merges and number formats.

    A plain class rather than a dataclass: grids are never compared or printed, and a dataclass
    costs ~0.5 ms to create at import on Python 3.11.
    """

    __slots__ = (
        "_empty",
        "_merge_of",
        "cells",
        "clean_rows",
        "decimals",
        "headers",
        "hidden",
        "merges",
        "raw_rows",
        "sheet",
        "text_rows",
    )

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
        # Every row's cells as raw text, as clean text and as (column, clean text) of the
        # non-empty ones, made together for the whole sheet at once: the title search reads
        # every row, and title, header, note and row detection read the same cells several
        # times each. Read-only: the lists are shared by every caller.
        self.raw_rows, self.clean_rows, self.text_rows = _row_texts(self.cells)
        self._empty: dict[int, bool] = {}
        # header.is_header_row of each row asked about: a title's header row is asked about when
        # the title is found and again when its header block is measured.
        self.headers: dict[int, bool] = {}
        self._merge_of = _merge_index(merges, self.height, self.width)

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
            return self.clean_rows[row][col]
        return ""

    def raw_text(self, row: int, col: int) -> str:
        if 0 <= row < len(self.cells) and 0 <= col < len(self.cells[row]):
            return self.raw_rows[row][col]
        return ""

    def raw_row(self, row: int) -> list[str]:
        """Every cell of a row (0 <= row < height) as raw text; shared, do not modify."""
        return self.raw_rows[row]

    def clean_row(self, row: int) -> list[str]:
        """Every cell of a row (0 <= row < height) as clean text; shared, do not modify."""
        return self.clean_rows[row]

    def merge_at(self, row: int, col: int) -> Merge | None:
        return self._merge_of.get((row, col))

    def header_text(self, row: int, col: int) -> str:
        """The text a reader sees at a header cell: merged ranges fill across and down."""
        merge = self._merge_of.get((row, col))
        if merge:
            return self.text(merge[0], merge[1])
        return self.text(row, col)

    def row_merges(self, row: int) -> list[Merge]:
        """merge_at of each merged cell of a row, left to right."""
        merge_of = self._merge_of
        if not merge_of:
            return []  # most sheets of a batch have no merges at all
        return [m for col in range(self.width) if (m := merge_of.get((row, col)))]

    def header_row(self, row: int) -> list[str]:
        """header_text of every cell of a row, as a new list."""
        if not 0 <= row < len(self.cells):
            return [""] * self.width
        texts = self.clean_rows[row].copy()
        merge_of = self._merge_of
        if merge_of:
            for col in range(len(texts)):
                merge = merge_of.get((row, col))
                if merge:
                    texts[col] = self.text(merge[0], merge[1])
        return texts

    def row_texts(self, row: int) -> list[tuple[int, str]]:
        """The non-empty cells of a row as (column, clean text); shared, do not modify."""
        if 0 <= row < len(self.text_rows):
            return self.text_rows[row]
        return []

    def is_empty_row(self, row: int) -> bool:
        if self.text_rows[row]:
            return False  # the usual answer, with no memo to look up
        found = self._empty.get(row)
        if found is None:
            # A clean text is what is left of a raw text without whitespace: a row with one is
            # not empty, whatever else it holds.
            found = self._empty[row] = not any(text.strip() for text in self.raw_rows[row])
        return found


def _merge_index(merges: list[Merge], height: int, width: int) -> dict[tuple[int, int], Merge]:
    """The merge each covered cell belongs to (the first listed, where merges overlap)."""
    merge_of: dict[tuple[int, int], Merge] = {}
    last_row, last_col = height - 1, width - 1
    for merge in merges:
        r0, c0, r1, c1 = merge
        # Covered cells of huge merges are not indexed one by one: only those inside the grid.
        for r in range(r0, min(r1, last_row) + 1):
            for c in range(c0, min(c1, last_col) + 1):
                merge_of.setdefault((r, c), merge)
    return merge_of


def _row_texts(
    cells: list[list[object]],
) -> tuple[list[list[str]], list[list[str]], list[list[tuple[int, str]]]]:
    """Each row's cells as raw text, as clean text, and (column, clean text) of the non-empty
    ones. One loop over the sheet for the three: three comprehensions cost twice as much."""
    raw_rows: list[list[str]] = []
    clean_rows: list[list[str]] = []
    text_rows: list[list[tuple[int, str]]] = []
    cleaned_memo = _CLEANED
    float_memo = _FLOAT_TEXTS
    for row in cells:
        # Copies of the row: an empty string cell is its own raw and clean text (most cells
        # are), so only the other cells are written below.
        raw: list[str] = row.copy()  # type: ignore[assignment]
        clean_texts: list[str] = row.copy()  # type: ignore[assignment]
        texts: list[tuple[int, str]] = []
        for col, value in enumerate(row):
            if type(value) is str:
                if not value:
                    continue
                cleaned = cleaned_memo.get(value) or _clean_text(value)
                clean_texts[col] = cleaned
            elif type(value) is float:
                # A number's text is digits, sign, point, exponent, "inf" or "nan": nothing
                # that clean changes. (".15g" writes inf and nan as str does: _as_text.)
                cleaned = float_memo.get(value) or _float_text(value)
                raw[col] = clean_texts[col] = cleaned
            elif type(value) is int:
                raw[col] = clean_texts[col] = cleaned = str(value)
            else:
                text = raw[col] = _as_text(value)
                cleaned = clean_texts[col] = (
                    (cleaned_memo.get(text) or _clean_text(text)) if text else ""
                )
            if cleaned:
                texts.append((col, cleaned))
        raw_rows.append(raw)
        clean_rows.append(clean_texts)
        text_rows.append(texts)
    return raw_rows, clean_rows, text_rows


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


# The ".15g" text of floats. A workbook states most figures several times (a total in each
# table that carries it), and formatting a float costs as much as reading the rest of its row.
# Zeros are not kept: 0.0 and -0.0 are equal keys but "0" and "-0" (nor is nan, never equal).
_FLOAT_TEXTS: dict[float, str] = {}


def _float_text(value: float) -> str:
    text = format(value, ".15g")
    if value and value == value:
        if len(_FLOAT_TEXTS) >= _MEMO_LIMIT:
            _FLOAT_TEXTS.clear()
        _FLOAT_TEXTS[value] = text
    return text


def _trim(cells: list[list[object]]) -> list[list[object]]:
    """Drop trailing empty rows and columns (a used range may claim 256 columns of formatting)."""
    last_row = len(cells) - 1
    while last_row >= 0 and all(value is None or value == "" for value in cells[last_row]):
        last_row -= 1
    last_col = -1
    for row in cells[: last_row + 1]:
        # Only a cell right of the widest row so far can widen the grid: most rows are looked
        # at from their end down to there, not through.
        for c in range(len(row) - 1, last_col, -1):
            value = row[c]
            if value is not None and value != "":
                last_col = c
                break
    width = last_col + 1
    # A slice is a new list already; calamine's rows all have the same length, so padding is rare.
    return [
        row[:width] if len(row) >= width else row + [""] * (width - len(row))
        for row in cells[: last_row + 1]
    ]
