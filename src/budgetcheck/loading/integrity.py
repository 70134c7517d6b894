"""Find cells whose value no reader can give us: formulas saved without a result, error cells.

calamine returns '' for both (a formula written by a generator that never calculated it, and
#REF!/#DIV/0!), so an audit would silently treat them as blanks. The scan reads the raw sheet
parts instead, with a streaming tag tokenizer: no XML parser, hence no DTD or entity
processing at all, linear time, and inflation bounded by a running byte cap.

Coverage: xlsx/xlsm and ods fully. xls/et: error results and BOOLERR error cells are exact;
a formula "without value" cannot be told from one whose result is an empty string, so those
are reported only when no formula in the whole workbook carries a result (files written by
generators such as xlwt). BIFF formula text is not decoded: xls cells show "=…" as text.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Literal, NamedTuple

from budgetcheck import regex
from budgetcheck.errors import InputError
from budgetcheck.loading.ooxml import InflateBudget as _Budget
from budgetcheck.loading.ooxml import TagStream as _TagStream
from budgetcheck.loading.ooxml import a1_col as _a1_col
from budgetcheck.loading.ooxml import attrs as _attrs
from budgetcheck.loading.ooxml import unescape as _unescape
from budgetcheck.loading.ooxml import worksheet_prefix as _worksheet_prefix
from budgetcheck.loading.ooxml import xlsx_sheets as _xlsx_sheets
from budgetcheck.loading.opening import (
    BIFF_BOF,
    BIFF_EOF,
    BIFF_FILEPASS,
    MIB,
    ZIP_ERRORS,
    biff_records,
    corrupt_error,
    password_error,
    workbook_stream,
)
from budgetcheck.model import column_letters

UnreadableKind = Literal["formula_without_value", "error"]
DEFAULT_MAX_INFLATE = 500 * MIB
_TEXT_CAP = 300  # characters of formula or error text kept per cell


class UnreadableCell(NamedTuple):
    # A NamedTuple rather than a frozen dataclass: its class costs ~0.1 ms at import, not ~0.5.
    sheet: str
    cell: str  # A1 reference
    kind: UnreadableKind
    text: str  # '#REF!' for errors, '=SUM(B1:B2)' for formulas

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}"


def find_unreadable_cells(
    path: Path, fmt: str, *, max_inflate: int = DEFAULT_MAX_INFLATE
) -> list[UnreadableCell]:
    """Formula cells without a stored result and error cells, in sheet order."""
    path = Path(path)
    if fmt in ("xlsx", "xlsm", "ods"):
        return _scan_zip(path, fmt, max_inflate)
    if fmt in ("xls", "et"):
        return _scan_xls(path)
    raise ValueError(f"unknown format {fmt!r}")


def unreadable_cells_error(cells: list[UnreadableCell], shown: int = 5) -> InputError:
    """One sentence naming up to `shown` cells, the total, and the fix."""
    parts_zh = [_describe_zh(c) for c in cells[:shown]]
    parts_en = [_describe_en(c) for c in cells[:shown]]
    more_zh = f"等 {len(cells)} 处" if len(cells) > shown else f"共 {len(cells)} 处"
    more_en = f"{len(cells)} in all" if len(cells) > shown else ""
    has_errors = any(c.kind == "error" for c in cells)
    fix_zh = "修正出错的公式并保存" if has_errors else "打开并保存（让公式重新计算）"
    fix_en = (
        "fix the failing formulas and save it"
        if has_errors
        else ("open it and save it (so the formulas are calculated)")
    )
    listed_en = "; ".join(parts_en) + (f"; {more_en}" if more_en else "")
    return InputError(
        f"以下单元格的数值无法读取：{'；'.join(parts_zh)}，{more_zh}；"
        f"请在 Excel 或 WPS 中{fix_zh}后再检查。",
        f"These cells have no readable value: {listed_en}; in Excel or WPS, {fix_en}, "
        "then check again.",
    )


def _describe_zh(cell: UnreadableCell) -> str:
    if cell.kind == "error":
        return f"{cell} 为错误值 {cell.text}"
    return f"{cell} 的公式 {cell.text} 未保存计算结果"


def _describe_en(cell: UnreadableCell) -> str:
    if cell.kind == "error":
        return f"{cell} is the error {cell.text}"
    return f"{cell} has the formula {cell.text} without a saved result"


# --------------------------------------------------------------------------- xlsx / ods


def _scan_zip(path: Path, fmt: str, max_inflate: int) -> list[UnreadableCell]:
    try:
        with zipfile.ZipFile(path) as zf:
            budget = _Budget(path, max_inflate)
            if fmt == "ods":
                return _OdsScanner().scan(budget.stream(zf, "content.xml"))
            found: list[UnreadableCell] = []
            for sheet, member in _xlsx_sheets(path, zf):
                found.extend(scan_xlsx_sheet(sheet, partial(budget.stream, zf, member)))
            return found
    except (*ZIP_ERRORS, KeyError) as exc:
        raise corrupt_error(path, f"zip: {exc}") from None


def scan_xlsx_sheet(
    sheet: str, stream: Callable[[], Iterator[bytes]], whole: bytes | None = None
) -> list[UnreadableCell]:
    """The unreadable cells of one worksheet part; `stream()` gives the part's chunks (called
    a second time when the part needs the slow scan). `whole`: the part, when the caller holds
    it: a part without any of the fast scan's needles is only read."""
    if whole is not None and not _has_needles(whole):
        for _ in stream():
            pass  # the same reading, caps and DTD check as the scan's, for the same verdict
        return []  # what the fast scan finds when no needle is anywhere in the part
    cells = _FastXlsxScanner(sheet).scan(stream())
    if cells is None:  # cells without r="A1": count positions the slow way
        cells = _XlsxScanner(sheet).scan(stream())
    return cells


@cache
def _xlsx_tag() -> re.Pattern[bytes]:
    # Compiled on first use: only the slow scan (cells without r="A1") needs it.
    return regex.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(c|f|v|row)(?=[\s/>])([^<>]*?)(/?)>")


class _XlsxScanner:
    """State machine over <row>, <c>, <f> and <v> tags of one worksheet part."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.found: list[UnreadableCell] = []
        self.row = -1  # a first <row> without r="1" is row 0
        self.col = -1
        self.in_cell = False
        self.capture: str | None = None  # "f" or "v" while inside one
        self.ref = ""
        self.type = ""
        self.formula: list[bytes] | None = None
        self.value: list[bytes] | None = None

    def scan(self, chunks: Iterator[bytes]) -> list[UnreadableCell]:
        stream = _TagStream(_xlsx_tag())
        for chunk in chunks:
            for text, closing, name, raw, empty in stream.feed(chunk):
                if text and self.capture:
                    self._keep(text)
                if name:
                    self._tag(closing, name, raw, empty)
        return self.found

    def _keep(self, text: bytes) -> None:
        target = self.formula if self.capture == "f" else self.value
        if target is not None and sum(map(len, target)) < _TEXT_CAP * 4:
            target.append(text)

    def _tag(self, closing: bool, name: bytes, raw: bytes, empty: bool) -> None:
        if name == b"row" and not closing:
            r = _attrs(raw).get("r", "")
            self.row = int(r) - 1 if r.isdigit() else self.row + 1
            self.col = -1
        elif name == b"c":
            if closing:
                self._end_cell()
            else:
                self._start_cell(raw)
                if empty:
                    self._end_cell()
        elif self.in_cell and name in (b"f", b"v"):
            self._inner(name, closing, empty)

    def _start_cell(self, raw: bytes) -> None:
        attrs = _attrs(raw)
        ref = attrs.get("r", "")
        col = _a1_col(ref)
        self.col = col if col is not None else self.col + 1
        self.ref = ref if col is not None else f"{column_letters(self.col)}{self.row + 1}"
        self.type = attrs.get("t", "n")
        self.in_cell, self.capture, self.formula, self.value = True, None, None, None

    def _inner(self, name: bytes, closing: bool, empty: bool) -> None:
        kind = name.decode()
        if closing:
            self.capture = None
            return
        if kind == "f":
            self.formula = []
        else:
            self.value = []
        self.capture = None if empty else kind

    def _end_cell(self) -> None:
        if not self.in_cell:
            return
        self.in_cell, self.capture = False, None
        value = _text(self.value).strip() if self.value is not None else None
        if self.type == "e":
            self._report("error", value or "#ERROR")
        elif self.formula is not None and (
            value is None or (not value and self.type not in ("str", "inlineStr"))
        ):
            formula = _text(self.formula).strip()
            self._report("formula_without_value", f"={formula}" if formula else "=…")

    def _report(self, kind: UnreadableKind, text: str) -> None:
        self.found.append(UnreadableCell(self.sheet, self.ref, kind, text[:_TEXT_CAP]))


_TAG_END = (b" ", b"\t", b"\r", b"\n", b">", b"/")


class _NeedsSlowScan(Exception):
    """A candidate cell has no r attribute, so its address needs row/column counting."""


class _FastXlsxScanner:
    """Find candidate cells with C-speed searches and parse only those.

    A sheet of 50,000 plain cells costs no Python work per cell: only the hits of `<f` and
    `t="e"` are looked at. Each buffer is cut after its last `</c>`, so every cell that holds
    a hit lies wholly inside the part being searched. A carried-over tail that grows past
    `_CELL_CAP` without a `</c>` is past sheetData (or a malformed giant cell) and is dropped,
    which keeps the work linear.
    """

    _CELL_CAP = 1 << 20

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.found: list[UnreadableCell] = []

    def scan(self, chunks: Iterator[bytes]) -> list[UnreadableCell] | None:
        pending = b""
        prefix: bytes | None = None
        try:
            for chunk in chunks:
                buf = pending + chunk
                if prefix is None:
                    prefix = _worksheet_prefix(buf)
                    if prefix is None and len(buf) < self._CELL_CAP:
                        pending = buf  # root element not seen yet
                        continue
                    self._compile(prefix or b"")
                cut = buf.rfind(self._close)
                cut = 0 if cut < 0 else cut + len(self._close)
                self._search(buf, cut)
                pending = buf[cut:]
                if len(pending) > self._CELL_CAP:
                    pending = pending[-64:]
            if prefix is None:
                self._compile(b"")
            self._search(pending, len(pending))
        except _NeedsSlowScan:
            return None
        return self.found

    def _compile(self, prefix: bytes) -> None:
        patterns = _fast_patterns(prefix)
        self._open, self._close, self._needles = patterns.open, patterns.close, patterns.needles
        self._f, self._v = patterns.f, patterns.v

    def _search(self, buf: bytes, end: int) -> None:
        done = 0
        for hit in sorted(_positions(buf, self._needles, end)):
            if hit < done or not self._real_hit(buf, hit):
                continue  # a second hit in a cell already handled, or `<firstHeader>`
            start = self._cell_start(buf, hit)
            if start < 0:
                continue
            close = buf.find(self._close, start)
            gt = buf.find(b">", start)
            if close < hit or gt < 0 or buf[gt - 1 : gt] == b"/":
                continue  # the hit is outside any open cell (e.g. in extLst)
            self._cell(buf[start + len(self._open) : gt], buf[gt + 1 : close])
            done = close

    def _real_hit(self, buf: bytes, hit: int) -> bool:
        if buf[hit] != 0x3C:  # t="e": no further check
            return True
        after = hit + len(self._open)  # `<` + prefix + one letter, as for `<c`
        return buf[after : after + 1] in _TAG_END

    def _cell_start(self, buf: bytes, pos: int) -> int:
        """Offset of the `<c` start tag before `pos`, skipping `<col`, `<cfRule` and kin."""
        start = buf.rfind(self._open, 0, pos)
        while start >= 0 and buf[start + len(self._open) : start + len(self._open) + 1] not in (
            _TAG_END
        ):
            start = buf.rfind(self._open, 0, start)
        return start

    def _cell(self, raw_attrs: bytes, body: bytes) -> None:
        attrs = _attrs(raw_attrs)
        ref = attrs.get("r", "")
        if _a1_col(ref) is None:
            raise _NeedsSlowScan
        kind = attrs.get("t", "n")
        v = self._v.search(body)
        value = None if v is None else _text([v.group(1) or b""]).strip()
        f = self._f.search(body)
        if kind == "e":
            self._report(ref, "error", value or "#ERROR")
        elif f is not None and (value is None or (not value and kind not in ("str", "inlineStr"))):
            formula = _text([f.group(1) or b""]).strip()
            self._report(ref, "formula_without_value", f"={formula}" if formula else "=…")

    def _report(self, ref: str, kind: UnreadableKind, text: str) -> None:
        self.found.append(UnreadableCell(self.sheet, ref, kind, text[:_TEXT_CAP]))


class _FastPatterns:
    """What `_FastXlsxScanner` looks for, for one namespace prefix of the worksheet elements."""

    __slots__ = ("close", "f", "needles", "open", "v")

    def __init__(self, prefix: bytes) -> None:
        p = re.escape(prefix)
        self.open = b"<" + prefix + b"c"
        self.close = b"</" + prefix + b"c>"
        # Literal needles: bytes.find is far faster than a regex alternation. `<f` also hits
        # `<firstHeader>` and kin; _search drops a hit outside a cell or not followed by a
        # separator.
        self.needles = [b"<" + prefix + b"f", b't="e"', b"t='e'"]
        self.f = regex.compile(rb"<" + p + rb"f(?:\s[^>]*?)?(?:/>|>(.*?)</" + p + rb"f>)", re.S)
        self.v = regex.compile(rb"<" + p + rb"v(?:\s[^>]*?)?(?:/>|>(.*?)</" + p + rb"v>)", re.S)


@lru_cache(maxsize=64)
def _fast_patterns(prefix: bytes) -> _FastPatterns:
    # Built once per prefix (nearly always b""), not once per sheet.
    return _FastPatterns(prefix)


def _has_needles(data: bytes) -> bool:
    """Whether a whole worksheet part holds a needle of `_FastXlsxScanner` (which looks only at
    needles, in buffers that are pieces of the part)."""
    needles = _fast_patterns(_worksheet_prefix(data) or b"").needles
    return any(needle in data for needle in needles)


def _positions(buf: bytes, needles: list[bytes], end: int) -> Iterator[int]:
    for needle in needles:
        pos = buf.find(needle, 0, end)
        while pos >= 0:
            yield pos
            pos = buf.find(needle, pos + 1, end)


def _text(parts: list[bytes] | None) -> str:
    return _unescape(b"".join(parts or []).decode("utf-8", "replace"))


@cache
def _ods_tag() -> re.Pattern[bytes]:
    # Compiled on first use: only ODS files need it.
    return regex.compile(
        rb"<(/?)(table:table|table:table-row|table:table-cell|table:covered-table-cell)"
        rb"(?=[\s/>])([^<>]*?)(/?)>"
    )


_ODS_VALUE_ATTR = {
    "float": "office:value",
    "percentage": "office:value",
    "currency": "office:value",
    "date": "office:date-value",
    "time": "office:time-value",
    "boolean": "office:boolean-value",
}


class _OdsScanner:
    """State machine over the table, row and cell tags of an ODS content.xml."""

    def __init__(self) -> None:
        self.found: list[UnreadableCell] = []
        self.sheet = ""
        self.row = 0
        self.row_repeat = 1
        self.col = 0
        self.cell: dict[str, str] | None = None
        self.cell_col = 0
        self.cell_repeat = 1
        self.text: list[bytes] = []

    def scan(self, chunks: Iterator[bytes]) -> list[UnreadableCell]:
        stream = _TagStream(_ods_tag())
        for chunk in chunks:
            for text, closing, name, raw, empty in stream.feed(chunk):
                if text and self.cell is not None and sum(map(len, self.text)) < _TEXT_CAP * 4:
                    self.text.append(text)
                if name:
                    self._tag(closing, name, raw, empty)
        return self.found

    def _tag(self, closing: bool, name: bytes, raw: bytes, empty: bool) -> None:
        if name == b"table:table" and not closing:
            self.sheet, self.row = _attrs(raw).get("table:name", ""), 0
        elif name == b"table:table-row":
            if not closing:
                self.col, self.row_repeat = 0, _repeat(_attrs(raw), "table:number-rows-repeated")
            if closing or empty:
                self.row += self.row_repeat
        elif name in (b"table:table-cell", b"table:covered-table-cell"):
            if not closing:
                attrs = _attrs(raw)
                self.cell, self.cell_col, self.text = attrs, self.col, []
                self.cell_repeat = _repeat(attrs, "table:number-columns-repeated")
            if closing or empty:
                self._end_cell()

    def _end_cell(self) -> None:
        attrs, self.cell = self.cell, None
        self.col += self.cell_repeat
        formula = (attrs or {}).get("table:formula")
        if attrs is None or formula is None:
            return
        ref = f"{column_letters(self.cell_col)}{self.row + 1}"
        value_type = attrs.get("office:value-type")
        if attrs.get("calcext:value-type") == "error":
            text = re.sub(r"<[^>]*>", "", _text(self.text)).strip() or "#ERROR"
            self.found.append(UnreadableCell(self.sheet, ref, "error", text[:_TEXT_CAP]))
        elif value_type is None or (
            value_type in _ODS_VALUE_ATTR and _ODS_VALUE_ATTR[value_type] not in attrs
        ):
            self.found.append(
                UnreadableCell(self.sheet, ref, "formula_without_value", formula[:_TEXT_CAP])
            )


def _repeat(attrs: dict[str, str], name: str) -> int:
    value = attrs.get(name, "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


# --------------------------------------------------------------------------- xls / et

BIFF_FORMULA = 0x0006
BIFF_BOOLERR = 0x0205
BIFF_BOUNDSHEET = 0x0085
BIFF_CODEPAGE = 0x0042
XLS_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}


def _scan_xls(path: Path) -> list[UnreadableCell]:
    data = workbook_stream(path)
    sheets, encrypted = _xls_globals(data)
    if encrypted:
        raise password_error(path)
    found: list[UnreadableCell] = []
    empty_results: list[UnreadableCell] = []
    any_result = False
    for name, offset in sheets:
        for cell, has_result in _xls_sheet_cells(data, offset, name):
            if cell is not None and cell.kind == "error":
                found.append(cell)
            elif cell is not None:
                empty_results.append(cell)
            any_result = any_result or has_result
    # An empty-string result is legitimate (=IF(A1=0,"",A1)); only when nothing in the file
    # was ever calculated is it a formula saved without its value.
    if not any_result:
        found.extend(empty_results)
    return found


def _xls_globals(data: bytes) -> tuple[list[tuple[str, int]], bool]:
    """Worksheet (name, stream offset) pairs and whether the workbook is encrypted."""
    sheets: list[tuple[str, int]] = []
    biff8, codepage, encrypted = True, "cp1252", False
    for _, rtype, payload in biff_records(data):
        if rtype == BIFF_BOF and len(payload) >= 2:
            biff8 = struct.unpack_from("<H", payload)[0] == 0x0600
        elif rtype == BIFF_FILEPASS:
            encrypted = True
        elif rtype == BIFF_CODEPAGE and len(payload) >= 2:
            codepage = _codepage(struct.unpack_from("<H", payload)[0])
        elif rtype == BIFF_BOUNDSHEET and len(payload) >= 8:
            offset, sheet_type = struct.unpack_from("<I", payload)[0], payload[5]
            if sheet_type == 0:
                sheets.append((_sheet_name(payload[6:], biff8, codepage), offset))
        elif rtype == BIFF_EOF:
            break
    return sheets, encrypted


def _codepage(code: int) -> str:
    name = "utf-16-le" if code == 1200 else f"cp{code}"
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name


def _sheet_name(raw: bytes, biff8: bool, codepage: str) -> str:
    count = raw[0] if raw else 0
    if not biff8:
        return raw[1 : 1 + count].decode(codepage, "replace")
    wide = len(raw) > 1 and raw[1] & 0x01
    body = raw[2 : 2 + count * (2 if wide else 1)]
    return body.decode("utf-16-le" if wide else "latin-1", "replace")


def _xls_sheet_cells(
    data: bytes, offset: int, sheet: str
) -> Iterator[tuple[UnreadableCell | None, bool]]:
    """(cell or None, formula carried a real result) for formula and BOOLERR records."""
    for _, rtype, payload in biff_records(data, offset):
        if rtype == BIFF_EOF:
            return
        if rtype == BIFF_FORMULA and len(payload) >= 14:
            yield _xls_formula(payload, sheet)
        elif rtype == BIFF_BOOLERR and len(payload) >= 8 and payload[7] == 1:
            row, col = struct.unpack_from("<HH", payload)
            error = XLS_ERRORS.get(payload[6], "#ERROR")
            yield UnreadableCell(sheet, f"{column_letters(col)}{row + 1}", "error", error), False


def _xls_formula(payload: bytes, sheet: str) -> tuple[UnreadableCell | None, bool]:
    row, col = struct.unpack_from("<HH", payload)
    ref = f"{column_letters(col)}{row + 1}"
    result = payload[6:14]
    if result[6:8] != b"\xff\xff":
        return None, True  # a stored number
    if result[0] == 2:
        return UnreadableCell(sheet, ref, "error", XLS_ERRORS.get(result[2], "#ERROR")), False
    if result[0] == 3:
        return UnreadableCell(sheet, ref, "formula_without_value", "=…"), False
    return None, True  # string or boolean result
