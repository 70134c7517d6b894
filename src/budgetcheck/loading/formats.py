"""The number of decimals each numeric cell is *displayed* with, from its number format.

python-calamine gives values but not number formats: a cell holding 270 with the format
`#,##0.00` reads as the float 270.0, yet the reader sees "270.00", a statement to ±0.005 rather
than ±0.5 (DESIGN §3). `displayed_decimals` recovers the decimals from the file itself:

    displayed_decimals(path, fmt) -> {sheet name: {(row, col): decimals}}

Coordinates are absolute and 0-based, as `to_python(skip_empty_area=False)` and
`merged_cell_ranges` give them; sheet names are the workbook's own (the names calamine reports).

What the number means: the decimals of the *stored* value that the display fixes, so that the
stated interval is ``value ± ½·10^-decimals`` in the units of the stored value.

- `0.00`, `#,##0.00`, `#,##0.00_);(#,##0.00)`, `0.0#` → 2 (a `#`/`?` placeholder still rounds
  there: "1.5" shown by `0.0#` means [1.495, 1.505)). `0`, `#,##0` → 0.
- Percent: each `%` multiplies the value by 100, so `0.0%` → 3 (76.9% stores 0.769, ±0.0005) and
  `0%` → 2. ODS percentage styles likewise.
- Thousands scaling (`#,##0,` / `0.0,,`, ODS `number:display-factor`): each trailing comma
  divides by 1000, so `#,##0.0,` → -2 (shown in thousands with one decimal: ±50). Can be negative.
- Sections: positive;negative;zero. When they agree (the usual case) that is the answer. When
  they differ, the section Excel picks for the cell's value (its sign) decides; a section with no
  digit placeholder (zero shown as "-") takes the positive section's decimals. Formats with
  conditions (`[>100]…`) are used only when every numeric section agrees.
- Omitted: `General` (id 0, also `[DBNum1]General`), text (`@`), dates and times, scientific
  (`0.00E+00`), fractions, formats without digit placeholders, unknown built-in ids (the
  locale-dependent 23–36 and 50–163, all dates in zh-CN) and non-numeric cells (strings, booleans,
  errors, blanks, formulas without a cached number). An omitted cell means "no information",
  i.e. fall back to the digits written.

Formats:

- xlsx/xlsm: `numFmts` and `cellXfs` of the styles part, then each worksheet's `<c s=…>`
  with a numeric value (no `t` or `t="n"`, a non-empty `<v>`). The xf's numFmtId is used as is
  (`applyNumberFormat` is ignored, as Excel does); row and column default styles are not needed
  because every cell holding a value carries its own `s`.
- xls/et (BIFF8, and BIFF5/7 FORMAT records): FORMAT and XF records of the globals, then
  NUMBER, RK, MULRK and FORMULA-with-a-number records of each worksheet (embedded chart
  substreams skipped). BIFF2–4 files give {}.
- ods: cell style → `style:data-style-name` (following `style:parent-style-name`), else the row's
  and then the column's `table:default-cell-style-name`, else the "Default" style; the data
  style's `number:number/@number:decimal-places` (absent = General); `style:map` alternatives
  must agree. `table:number-columns-repeated`/`-rows-repeated` are expanded for cells with a
  value only, clipped to 16,384 columns and 1,048,576 rows; a row whose expansion would take
  the workbook past `max_cells` entries gives {} for its sheet (the budget is per workbook).

Never raises. A part that cannot be parsed (damaged zip or BIFF, a DTD, the inflation cap)
gives {} for its sheet, or an empty mapping when the workbook-level parts (styles, sheet list)
fail. Precision is an improvement, not a requirement: callers use `.get(sheet, {})`.

Safety and cost: no XML parser (byte-level regular expressions, as in `integrity`), members
inflated through `iter_member`/`read_member` with a running cap, parts declaring a DTD refused;
one linear pass per part, the worksheet regex bounded so malformed input cannot make it
quadratic.
"""

from __future__ import annotations

import bisect
import math
import re
import struct
import zipfile
from collections.abc import Callable, Iterator, Sequence
from functools import cache, lru_cache, partial
from pathlib import Path

from budgetcheck import regex
from budgetcheck.loading.integrity import _codepage, _xls_globals
from budgetcheck.loading.ooxml import (
    InflateBudget,
    attrs,
    resolve_target,
    unescape,
    worksheet_prefix,
    xlsx_sheets,
)
from budgetcheck.loading.opening import (
    BIFF_BOF,
    BIFF_EOF,
    MIB,
    biff_records,
    has_dtd,
    read_held,
    read_member,
    unsafe_xml_error,
    workbook_stream,
)

DisplayedDecimals = dict[str, dict[tuple[int, int], int]]
# decimals for every value, or (positive, negative, zero) when the sections differ
Spec = int | tuple[int | None, int | None, int | None] | None

DEFAULT_MAX_INFLATE = 500 * MIB
DEFAULT_MAX_CELLS = 1_000_000  # ODS repeat expansion: ~150 MB of dict at most
MAX_ROWS = 1_048_576
MAX_COLS = 16_384
_STYLES_CAP = 64 * MIB
SHEET_CHUNK = 1 << 20
_CARRY_CAP = 4 * MIB  # a tail without `</c>` longer than this is cut at its last `>`


def displayed_decimals(
    path: Path,
    fmt: str,
    *,
    max_inflate: int = DEFAULT_MAX_INFLATE,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> DisplayedDecimals:
    """Sheet name → {(row, col) 0-based: decimals displayed} for numeric cells whose number
    format fixes the decimals. Never raises; see the module docstring for what is returned."""
    path = Path(path)
    try:
        if fmt in ("xlsx", "xlsm"):
            return _xlsx(path, max_inflate)
        if fmt in ("xls", "et"):
            return _xls(path)
        if fmt == "ods":
            return _ods(path, max_inflate, max_cells)
    except Exception:
        return {}
    return {}


# --------------------------------------------------------------------------- format codes

# ECMA-376 Part 1 §18.8.30 (the en-US forms; 5–8 and 41–44 are currency/accounting formats whose
# symbol varies by locale but whose decimals do not). Ids absent here are date/time formats
# in zh-CN (27–36, 50–58) or undefined: no information.
BUILTIN_FORMATS: dict[int, str] = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    41: '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)',
    42: '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)',
    43: '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)',
    44: '_("$"* #,##0.00_);_("$"* \\(#,##0.00\\);_("$"* "-"??_);_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}

_NUM = "num"
_LITERAL = "literal"  # no digit placeholder: shows text only ("-", or hidden)
_NONE = "none"  # General, text, date, time, scientific, fraction: decimals not fixed
_DATE_LETTERS = frozenset("yYmMdDhHsSeEgGbBaA")  # 'a' for AM/PM, A/P
_PLACEHOLDERS = frozenset("0#?")
_SCIENTIFIC = regex.compile(r"[0#?.]\s*[eE][+-]")
_THOUSANDS_SCALE = regex.compile(r"[0#?](,+)(?![,0#?])")


@lru_cache(maxsize=256)
def code_decimals(code: str) -> Spec:
    """Decimals a number format code fixes for the stored value (see the module docstring).
    Memoised: workbooks from one generator repeat the same few codes."""
    sections = _split_sections(code)
    parsed = [_section(s) for s in sections[:3]]
    if not parsed or parsed[0][0] != _NUM:
        return None
    conditional = any(cond for _, _, cond in parsed)
    pos = parsed[0][1]
    nums = [d for kind, d, _ in parsed if kind == _NUM]
    if all(d == pos for d in nums):
        return pos
    if conditional:
        return None

    def pick(i: int) -> int | None:
        if i >= len(parsed):
            return pos
        kind, d, _ = parsed[i]
        if kind == _NUM:
            return d
        return pos if kind == _LITERAL or i == 2 else None

    neg = pick(1)
    zero = pick(2) if len(parsed) >= 3 else pos
    return (pos, neg, zero)


def _split_sections(code: str) -> list[str]:
    sections, start, i, n = [], 0, 0, len(code)
    while i < n:
        ch = code[i]
        if ch == '"':
            end = code.find('"', i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch in "\\_*":
            i += 2
            continue
        if ch == "[":
            end = code.find("]", i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == ";":
            sections.append(code[start:i])
            start = i + 1
        i += 1
    sections.append(code[start:])
    return sections


def _section(section: str) -> tuple[str, int, bool]:
    """(kind, decimals, has a condition) of one section of a format code."""
    skeleton: list[str] = []
    conditional = False
    i, n = 0, len(section)
    while i < n:
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            i = n if end < 0 else end + 1
            skeleton.append(" ")
            continue
        if ch in "\\_*":
            i += 2
            skeleton.append(" ")
            continue
        if ch == "[":
            end = section.find("]", i + 1)
            inner = section[i + 1 : n if end < 0 else end]
            i = n if end < 0 else end + 1
            if inner[:1] in ("<", ">", "="):
                conditional = True
            elif inner.lower().strip("hms") == "" and inner:
                return _NONE, 0, conditional  # [h], [mm], [ss]: elapsed time
            skeleton.append(" ")
            continue
        skeleton.append(ch)
        i += 1
    text = "".join(skeleton)
    lowered = text.lower()
    if "general" in lowered or "@" in text:
        return _NONE, 0, conditional
    if _SCIENTIFIC.search(text):
        return _NONE, 0, conditional  # scientific
    if any(ch in _DATE_LETTERS for ch in text):
        return _NONE, 0, conditional
    if not any(ch in _PLACEHOLDERS for ch in text) or (
        "0" not in text and "#" not in text and "." not in text
    ):
        # no digit placeholder, or only `?` padding (accounting zero sections: `"-"??`)
        return _LITERAL, 0, conditional
    if "/" in text:
        return _NONE, 0, conditional  # fraction
    return _NUM, _fixed_decimals(text), conditional


def _fixed_decimals(text: str) -> int:
    point = text.find(".")
    decimals = 0
    if point >= 0:
        decimals = sum(1 for ch in text[point + 1 :] if ch in _PLACEHOLDERS)
    # A comma right after the last digit placeholder of a run (not followed by another
    # placeholder) scales by 1000; commas between placeholders only group thousands.
    scale = 0
    for m in _THOUSANDS_SCALE.finditer(text):
        scale += len(m.group(1))
    return decimals + 2 * text.count("%") - 3 * scale


@cache
def builtin_spec(num_fmt_id: int) -> Spec:
    code = BUILTIN_FORMATS.get(num_fmt_id)
    return None if code is None else code_decimals(code)


def _for_value(spec: Spec, value: float) -> int | None:
    if spec is None or isinstance(spec, int):
        return spec
    if value > 0:
        return spec[0]
    return spec[1] if value < 0 else spec[2]


# --------------------------------------------------------------------------- xlsx / xlsm


def _xlsx(path: Path, max_inflate: int) -> DisplayedDecimals:
    with zipfile.ZipFile(path) as zf:
        xf_specs = xlsx_styles(path, zf)
        sheets = xlsx_sheets(path, zf)
        budget = InflateBudget(path, max_inflate)
        result: DisplayedDecimals = {}
        shown: dict[bytes, Spec] = {}
        for name, member in sheets:
            stream = partial(budget.stream, zf, member, chunk_size=SHEET_CHUNK)
            result[name] = xlsx_sheet_decimals(xf_specs, stream, shown)
        return result


def xlsx_sheet_decimals(
    xf_specs: Sequence[Spec],
    stream: Callable[[], Iterator[bytes]],
    shown: dict[bytes, Spec] | None = None,
    cells: tuple[bytes, list[Cell]] | None = None,
) -> dict[tuple[int, int], int]:
    """The displayed decimals of one worksheet part, {} when it cannot be read; `stream()`
    gives the part in chunks of SHEET_CHUNK (called again when the part needs the slow scan).
    `shown`: a memo of cell attributes -> spec, shared by the sheets of one workbook. `cells`:
    `fast_cells` of the part when `stream()` gives it in one chunk, found by the caller."""
    if all(spec is None for spec in xf_specs):
        return {}  # only General, text and dates: nothing to find
    try:
        if cells is not None:
            for _ in stream():
                pass  # the same reading, caps and DTD check as the scan's, for the same verdict
            scan = _XlsxSheetScan(xf_specs, fast=True, shown=shown)
            scan.take(*cells)
            return scan.found
        found = _XlsxSheetScan(xf_specs, fast=True, shown=shown).scan(stream())
        if found is None:  # a cell not written as <c r="A1" ...>: count positions
            found = _XlsxSheetScan(xf_specs, fast=False).scan(stream())
        return found or {}
    except Exception:
        return {}


_NUMFMTS = regex.compile(rb"<(?:[\w.-]+:)?numFmts(?=[\s>])[^<>]*>(.*?)</(?:[\w.-]+:)?numFmts>", re.S)
_NUMFMT = regex.compile(rb"<(?:[\w.-]+:)?numFmt(?=[\s/>])([^<>]*)>")
_CELLXFS = regex.compile(rb"<(?:[\w.-]+:)?cellXfs(?=[\s>])[^<>]*>(.*?)</(?:[\w.-]+:)?cellXfs>", re.S)
_XF = regex.compile(rb"<(?:[\w.-]+:)?xf(?=[\s/>])([^<>]*)>")


@cache
def _styles_rel() -> re.Pattern[bytes]:
    # Compiled on first use: only workbooks without xl/styles.xml need it.
    return regex.compile(rb"<(?:[\w.-]+:)?Relationship\s[^<>]*?Type=\"[^\"]*/styles\"[^<>]*>")


def xlsx_styles(
    path: Path, zf: zipfile.ZipFile, held: dict[str, bytes] | None = None
) -> list[Spec]:
    """The decimals spec of each cellXfs entry, by xf index (raises on a damaged part).
    `held`: parts read before (`read_held`)."""
    member = _styles_member(path, zf)
    if member is None:
        return []
    data = read_held(path, zf, member, cap=_STYLES_CAP, held=held)
    if has_dtd(data[:65536]):
        raise unsafe_xml_error(path, member)
    if len(data) <= _MEMO_MAX:
        return list(_memo_xf_specs(data))
    return _xf_specs(data)


_MEMO_MAX = 64 * 1024  # a styles part up to this size is remembered by its bytes


@lru_cache(maxsize=32)
def _memo_xf_specs(data: bytes) -> tuple[Spec, ...]:
    # Workbooks from one generator share their styles part byte for byte.
    return tuple(_xf_specs(data))


def _xf_specs(data: bytes) -> list[Spec]:
    """The decimals spec of each cellXfs entry of the styles part `data`."""
    custom: dict[int, str] = {}
    block = _NUMFMTS.search(data)
    for m in _NUMFMT.finditer(block.group(1) if block else b""):
        a = attrs(m.group(1))
        fid = a.get("numFmtId", "")
        if fid.isdigit() and "formatCode" in a:
            custom[int(fid)] = a["formatCode"]
    cache: dict[int, Spec] = {}

    def spec(fid: int) -> Spec:
        if fid not in cache:
            cache[fid] = code_decimals(custom[fid]) if fid in custom else builtin_spec(fid)
        return cache[fid]

    specs: list[Spec] = []
    block = _CELLXFS.search(data)
    for m in _XF.finditer(block.group(1) if block else b""):
        fid = attrs(m.group(1)).get("numFmtId", "0")
        specs.append(spec(int(fid)) if fid.isdigit() else None)
    return specs


def _styles_member(path: Path, zf: zipfile.ZipFile) -> str | None:
    names = set(zf.namelist())
    if "xl/styles.xml" in names:
        return "xl/styles.xml"
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in names:
        return None
    rels = read_member(path, zf, rels_name, cap=16 * MIB)
    m = _styles_rel().search(rels)
    target = attrs(m.group(0)).get("Target", "") if m else ""
    member = resolve_target(target) if target else ""
    return member if member in names else None


_CELL_ATTR = regex.compile(rb"""\s(r|s|t)\s*=\s*["']([^"']*)["']""")


@cache
def _row_number() -> re.Pattern[bytes]:
    # Compiled on first use: only the slow scan needs it.
    return regex.compile(rb"""\sr\s*=\s*["'](\d+)["']""")


@cache
def _ref() -> re.Pattern[bytes]:
    # Compiled on first use: only the slow scan needs it.
    return regex.compile(rb"([A-Z]{1,3})(\d+)$")


class _NeedsSlowScan(Exception):
    """A cell that the fast pattern does not cover (no leading r="A1")."""


# A cell as the fast pattern reads it: column letters, row digits, its other attributes, the
# text of a leading <v> and the rest of its body.
Cell = tuple[bytes, bytes, bytes, bytes, bytes]


def fast_cells(data: bytes) -> tuple[bytes, list[Cell]] | None:
    """(namespace prefix, cells) of a whole worksheet part as the fast scan reads them, or None
    when a cell start tag is not in the fast form (the slow scan's case).

    One search of the whole part finds what the scan's searches of it, cut after its last
    `</c>`, find: no cell spans that cut, nor any start tag.
    """
    prefix = worksheet_prefix(data) or b""
    patterns = _sheet_patterns(prefix)
    cells = patterns.fast.findall(data)
    if len(patterns.starts.findall(data)) != len(cells):
        return None
    return prefix, cells


class _XlsxSheetScan:
    """One linear pass over a worksheet part.

    Fast mode (what Excel, WPS, openpyxl and XlsxWriter write): every cell starts
    `<c r="A1"`; one `findall` gives (column letters, row digits, other attributes, body) per
    cell, and the attributes are looked up in a cache (they repeat: ` s="5" t="n"`), so a cell
    costs a few dictionary lookups. The number of `<c` start tags is counted (C speed) and,
    when some cell did not match, the sheet is scanned again in slow mode, which tracks
    `<row r>` and counts columns for cells without an `r`.

    Each buffer is searched up to its last `</c>`, so every cell with a body lies wholly in the
    searched part; the rest is carried into the next chunk (cut at its last `>` once it passes
    `_CARRY_CAP`). Attribute runs exclude `<`, so a failed match never scans past the next
    tag: linear time.
    """

    def __init__(
        self, xf_specs: Sequence[Spec], *, fast: bool, shown: dict[bytes, Spec] | None = None
    ) -> None:
        self.specs = xf_specs
        self.fast = fast
        self.found: dict[tuple[int, int], int] = {}
        self.row = -1
        self.col = -1
        self.cols: dict[bytes, int] = {}
        # attributes of a cell (other than a leading r) -> its spec when it holds a number
        self.shown: dict[bytes, Spec] = {} if shown is None else shown

    def scan(self, chunks: Iterator[bytes]) -> dict[tuple[int, int], int] | None:
        pending = b""
        compiled = False
        try:
            for chunk in chunks:
                buf = pending + chunk
                if not compiled:
                    prefix = worksheet_prefix(buf)
                    if prefix is None and len(buf) < _CARRY_CAP:
                        pending = buf
                        continue
                    self._compile(prefix or b"")
                    compiled = True
                cut = buf.rfind(self._close)
                if cut >= 0:
                    cut += len(self._close)
                elif len(buf) > _CARRY_CAP:
                    cut = buf.rfind(b">") + 1
                else:
                    cut = 0
                self._search(buf, cut)
                pending = buf[cut:]
            if not compiled:
                self._compile(worksheet_prefix(pending) or b"")
            self._search(pending, len(pending))
        except _NeedsSlowScan:
            return None
        return self.found

    def _compile(self, prefix: bytes) -> None:
        patterns = _sheet_patterns(prefix)
        self._close = patterns.close
        self._fast, self._starts = patterns.fast, patterns.starts
        self._tags, self._value = patterns.tags, patterns.value
        self._v_open, self._v_close = patterns.v_open, patterns.v_close

    def _search(self, buf: bytes, end: int) -> None:
        if self.fast:
            self._search_fast(buf, end)
        else:
            self._search_slow(buf, end)

    def _search_fast(self, buf: bytes, end: int) -> None:
        cells = self._fast.findall(buf, 0, end)
        starts = len(self._starts.findall(buf, 0, end))
        if starts != len(cells):
            raise _NeedsSlowScan
        self._take(cells)

    def take(self, prefix: bytes, cells: list[Cell]) -> None:
        """Record the decimals of the cells `fast_cells` found in a part (`prefix`: of its
        elements)."""
        self._compile(prefix)
        self._take(cells)

    def _take(self, cells: list[Cell]) -> None:
        found, shown, cols = self.found, self.shown, self.cols
        for letters, digits, raw, value, rest in cells:
            # Most cells are text or General: one lookup of their attributes passes them over.
            try:
                spec = shown[raw]
            except KeyError:
                spec = shown[raw] = self._shown_spec(raw)
            if spec is None:
                continue
            col = cols.get(letters)
            if col is None:
                col = cols[letters] = _column(letters)
            if value and type(spec) is int and not value.isspace():
                found[(int(digits) - 1, col)] = spec
            elif value or rest:  # else <c .../> or an empty cell: no value
                body = self._v_open + value + self._v_close + rest if value else rest
                self._record(found, int(digits) - 1, col, spec, body)

    def _shown_spec(self, raw: bytes) -> Spec:
        """The spec of a cell with the attributes `raw` (other than a leading r) when it holds a
        number, else None."""
        spec, numeric = self._style_of(raw)
        return spec if numeric else None

    def _style_of(self, raw: bytes) -> tuple[Spec, bool]:
        """(spec, holds a number) for a cell's attributes other than a leading r."""
        style = kind = None
        for name, value in _CELL_ATTR.findall(raw):
            if name == b"s":
                style = value
            elif name == b"t":
                kind = value
        if style is None:
            spec = self.specs[0] if self.specs else None
        elif style.isdigit() and int(style) < len(self.specs):
            spec = self.specs[int(style)]
        else:
            spec = None
        return spec, kind is None or kind == b"n"

    def _record(
        self, found: dict[tuple[int, int], int], row: int, col: int, spec: Spec, body: bytes
    ) -> None:
        v = self._value.search(body)
        text = v.group(1).strip() if v else b""
        if not text:
            return
        if isinstance(spec, int):
            found[(row, col)] = spec
            return
        try:
            decimals = _for_value(spec, float(text))
        except ValueError:
            return
        if decimals is not None:
            found[(row, col)] = decimals

    def _search_slow(self, buf: bytes, end: int) -> None:
        for m in self._tags.finditer(buf, 0, end):
            row_attrs, cell_attrs, body = m.groups()
            if row_attrs is not None:
                r = _row_number().search(row_attrs)
                self.row = int(r.group(1)) - 1 if r else self.row + 1
                self.col = -1
                continue
            ref = _ref_attr().search(cell_attrs)
            m_ref = _ref().match(ref.group(1)) if ref else None
            if m_ref is not None:
                self.row, self.col = int(m_ref.group(2)) - 1, _column(m_ref.group(1))
            else:
                self.col += 1
            if not body:
                continue
            spec, numeric = self._style_of(cell_attrs)
            if spec is not None and numeric:
                self._record(self.found, self.row, self.col, spec, body)


class _SheetPatterns:
    """The patterns of `_XlsxSheetScan` for one namespace prefix of the worksheet elements."""

    __slots__ = ("close", "fast", "starts", "tags", "v_close", "v_open", "value")

    def __init__(self, prefix: bytes) -> None:
        p = re.escape(prefix)
        self.close = b"</" + prefix + b"c>"
        # (letters, digits, other attributes, value of a leading <v>, rest of the body).
        # Possessive (`*+`, `?+`) wherever giving back could never lead to another match, so
        # `re` keeps no backtracking state: the attribute run stops at `<`, `>` or `/`, and
        # once the optional <f> or <v> matched the rest reaches the same first `</c>` (neither
        # holds a `<c` ... `</c>`). The <f> alternatives keep their backtracking: `[^<>]*/>`
        # needs to give back the `/`.
        self.fast = regex.compile(
            rb"<" + p + rb'c r="([A-Z]{1,3}+)([0-9]{1,7}+)"([^<>/]*+)(?:/>|>'
            rb"(?:<" + p + rb"f[^<>]*/>|<" + p + rb"f[^<>]*>[^<]*</" + p + rb"f>)?+"
            rb"(?:<" + p + rb"v>([^<]*+)</" + p + rb"v>)?+"
            # The rest of the body up to the first `</c>`, as `(.*?)</c>` would take it, but
            # run by run between `<`s, which `re` walks much faster than one byte at a time.
            rb"([^<]*+(?:<(?!/" + p + rb"c>)[^<]*+)*+)</" + p + rb"c>)",
            re.S,
        )
        self.tags = regex.compile(
            rb"<"
            + p
            + rb"(?:row(?=[\s/>])([^<>]*)>|c(?=[\s/>])([^<>]*?)(?:/>|>(.*?)</"
            + p
            + rb"c>))",
            re.S,
        )
        self.value = regex.compile(rb"<" + p + rb"v(?:\s[^<>]*)?>([^<]*)</" + p + rb"v>")
        self.v_open, self.v_close = b"<" + prefix + b"v>", b"</" + prefix + b"v>"
        # `<c` and a separator: a cell's start tag (not `<col`, `<cfRule`). One search counts
        # what a bytes.count per separator would; the empty group makes `findall` list the
        # shared empty bytes rather than a new object per cell.
        self.starts = regex.compile(rb"<" + p + rb"c[ \t\r\n>/]()")


@lru_cache(maxsize=64)
def _sheet_patterns(prefix: bytes) -> _SheetPatterns:
    # Compiled once per prefix (nearly always b""), not once per sheet.
    return _SheetPatterns(prefix)


@cache
def _ref_attr() -> re.Pattern[bytes]:
    # Compiled on first use: only the slow scan needs it.
    return regex.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")


def _column(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col - 1


# --------------------------------------------------------------------------- xls / et

BIFF_FORMAT = 0x041E
BIFF_FORMAT_OLD = 0x001E  # BIFF4/5/7
BIFF_XF = 0x00E0
BIFF_CODEPAGE = 0x0042
BIFF_NUMBER = 0x0203
BIFF_RK = 0x027E
BIFF_MULRK = 0x00BD
BIFF_FORMULA = 0x0006


def _xls(path: Path) -> DisplayedDecimals:
    data = workbook_stream(path)
    sheets, encrypted = _xls_globals(data)
    if encrypted:
        return {}
    specs = _biff_xf_specs(data)
    result: DisplayedDecimals = {}
    for name, offset in sheets:
        try:
            result[name] = _biff_sheet(data, offset, specs)
        except Exception:
            result[name] = {}
    return result


def _biff_xf_specs(data: bytes) -> list[Spec]:
    formats: dict[int, str] = {}
    xf_formats: list[int] = []
    biff8, codepage = True, "cp1252"
    for _, rtype, payload in biff_records(data):
        if rtype == BIFF_BOF and len(payload) >= 2:
            biff8 = struct.unpack_from("<H", payload)[0] == 0x0600
        elif rtype == BIFF_CODEPAGE and len(payload) >= 2:
            codepage = _codepage(struct.unpack_from("<H", payload)[0])
        elif rtype == BIFF_FORMAT and len(payload) >= 5 and biff8:
            formats[struct.unpack_from("<H", payload)[0]] = _biff8_string(payload, 2)
        elif rtype in (BIFF_FORMAT, BIFF_FORMAT_OLD) and len(payload) >= 3:
            count = payload[2]
            text = payload[3 : 3 + count].decode(codepage, "replace")
            formats[struct.unpack_from("<H", payload)[0]] = text
        elif rtype == BIFF_XF and len(payload) >= 4:
            xf_formats.append(struct.unpack_from("<H", payload, 2)[0])
        elif rtype == BIFF_EOF:
            break
    cache: dict[int, Spec] = {}
    specs: list[Spec] = []
    for ifmt in xf_formats:
        if ifmt not in cache:
            cache[ifmt] = code_decimals(formats[ifmt]) if ifmt in formats else builtin_spec(ifmt)
        specs.append(cache[ifmt])
    return specs


def _biff8_string(payload: bytes, offset: int) -> str:
    """An XLUnicodeString (2-byte count) starting at `offset`."""
    count = struct.unpack_from("<H", payload, offset)[0]
    flags = payload[offset + 2]
    pos = offset + 3
    if flags & 0x08:
        pos += 2  # rich-text run count
    if flags & 0x04:
        pos += 4  # extended string size
    if flags & 0x01:
        return payload[pos : pos + 2 * count].decode("utf-16-le", "replace")
    return payload[pos : pos + count].decode("latin-1")


def _biff_sheet(data: bytes, offset: int, specs: Sequence[Spec]) -> dict[tuple[int, int], int]:
    found: dict[tuple[int, int], int] = {}
    nspecs = len(specs)
    depth = 0

    def put(row: int, col: int, ixfe: int, value: float | None) -> None:
        spec = specs[ixfe] if ixfe < nspecs else None
        if spec is None:
            return
        decimals = spec if isinstance(spec, int) else _for_value(spec, value or 0.0)
        if decimals is not None:
            found[(row, col)] = decimals

    for _, rtype, payload in biff_records(data, offset):
        if rtype == BIFF_BOF:
            depth += 1
            continue
        if rtype == BIFF_EOF:
            depth -= 1
            if depth <= 0:
                break
            continue
        if depth != 1:
            continue  # an embedded chart's own records
        if rtype == BIFF_NUMBER and len(payload) >= 14:
            row, col, ixfe = struct.unpack_from("<HHH", payload)
            put(row, col, ixfe, struct.unpack_from("<d", payload, 6)[0])
        elif rtype == BIFF_RK and len(payload) >= 10:
            row, col, ixfe, rk = struct.unpack_from("<HHHI", payload)
            put(row, col, ixfe, _rk_sign(rk))
        elif rtype == BIFF_MULRK and len(payload) >= 12:
            row, first = struct.unpack_from("<HH", payload)
            for i in range((len(payload) - 6) // 6):
                ixfe, rk = struct.unpack_from("<HI", payload, 4 + 6 * i)
                put(row, first + i, ixfe, _rk_sign(rk))
        elif rtype == BIFF_FORMULA and len(payload) >= 14 and payload[12:14] != b"\xff\xff":
            row, col, ixfe = struct.unpack_from("<HHH", payload)
            put(row, col, ixfe, struct.unpack_from("<d", payload, 6)[0])
    return found


def _rk_sign(rk: int) -> float:
    """-1.0, 0.0 or 1.0: the sign of an RK value (only the sign picks a format section)."""
    if rk & 0xFFFFFFFC == 0:
        return 0.0
    return -1.0 if rk & 0x80000000 else 1.0


# --------------------------------------------------------------------------- ods


# Any table:/style:/number: tag, filtered by name in Python: one generic pattern is several
# times faster in `re` than an alternation of the names.
@cache
def _ods_tag() -> re.Pattern[bytes]:
    # Compiled on first use: only ODS files need it.
    return regex.compile(rb"<(/?)((?:table|style|number):[a-z-]+)(?=[\s/>])([^<>]*)>")


_ODS_CELLS = frozenset({b"table:table-cell", b"table:covered-table-cell"})
_ODS_TRACKED = frozenset(
    {
        b"style:style",
        b"style:map",
        b"number:number",
        b"number:scientific-number",
        b"number:fraction",
        b"table:table",
        b"table:table-column",
        b"table:table-row",
    }
)


@cache
def _ods_cell_attr() -> re.Pattern[bytes]:
    # Compiled on first use: only ODS files need it.
    return regex.compile(
        rb"""\s(table:style-name|office:value-type|table:number-columns-repeated)"""
        rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')"""
    )


@cache
def _ods_row_attr() -> re.Pattern[bytes]:
    # Compiled on first use: only ODS files need it.
    return regex.compile(
        rb"""\s(table:default-cell-style-name|table:number-rows-repeated)"""
        rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')"""
    )


_ODS_PENDING_CAP = 1 << 20
_ODS_NUMERIC = frozenset({b"float", b"percentage", b"currency"})


class _DataStyle:
    __slots__ = ("decimals", "maps")

    def __init__(self, decimals: int | None) -> None:
        self.decimals = decimals
        self.maps: list[str] = []


class _OdsScan:
    """Styles (from styles.xml, then content.xml's automatic styles) and the tables."""

    def __init__(self, max_cells: int) -> None:
        self.cell_styles: dict[str, tuple[str | None, str | None]] = {}  # data style, parent
        self.data_styles: dict[str, _DataStyle] = {}
        self.memo: dict[str | None, int | None] = {}
        self.data: _DataStyle | None = None  # the data style being read
        self.data_name = ""
        self.data_kind = ""
        self.result: DisplayedDecimals = {}
        self.left = max_cells
        self.sheet: dict[tuple[int, int], int] | None = None
        self.sheet_name = ""
        self.overflow = False
        self.columns: list[tuple[int, int, str | None]] = []  # start, end, default cell style
        self.ncols = 0
        self.row = 0
        self.row_repeat = 1
        self.row_style: str | None = None
        self.col = 0
        self.row_cells: list[tuple[int, int, int]] = []  # col, repeat, decimals

    def scan(self, chunks: Iterator[bytes]) -> None:
        """Tags of each buffer up to its last `>`; the tail is carried (dropped past a cap)."""
        pending = b""
        for chunk in chunks:
            buf = pending + chunk
            cut = buf.rfind(b">") + 1
            self._search(buf, cut)
            pending = buf[cut:]
            if len(pending) > _ODS_PENDING_CAP:
                pending = b""  # no tag is that long
        self._search(pending, len(pending))

    def _search(self, buf: bytes, end: int) -> None:
        for closing, name, raw in _ods_tag().findall(buf, 0, end):
            if name in _ODS_CELLS:
                if not closing and self.sheet is not None:
                    self._cell(raw)
            elif name in _ODS_TRACKED or (name.startswith(b"number:") and name.endswith(b"-style")):
                self._tag(name, closing == b"/", raw, raw.endswith(b"/"))

    def _tag(self, name: bytes, closing: bool, raw: bytes, empty: bool) -> None:
        if name.startswith(b"table:"):
            self._table_tag(name, closing, raw, empty)
        else:
            self._style_tag(name, closing, raw, empty)

    # -- styles

    def _style_tag(self, name: bytes, closing: bool, raw: bytes, empty: bool) -> None:
        self.memo.clear()
        if name == b"style:style":
            if not closing:
                a = attrs(raw)
                if a.get("style:family") == "table-cell" and "style:name" in a:
                    self.cell_styles[a["style:name"]] = (
                        a.get("style:data-style-name"),
                        a.get("style:parent-style-name"),
                    )
        elif name.endswith(b"-style") and name != b"style:style":
            if closing:
                self._end_data_style()
                return
            self.data_name = attrs(raw).get("style:name", "")
            self.data_kind = name[len(b"number:") : -len(b"-style")].decode()
            self.data = _DataStyle(None)
            if empty:
                self._end_data_style()
        elif self.data is not None and not closing:
            if name == b"number:number":
                self.data.decimals = _ods_number_decimals(attrs(raw), self.data_kind)
            elif name in (b"number:scientific-number", b"number:fraction"):
                self.data_kind = "none"
            elif name == b"style:map":
                target = attrs(raw).get("style:apply-style-name")
                if target:
                    self.data.maps.append(target)

    def _end_data_style(self) -> None:
        if self.data is not None and self.data_name:
            if self.data_kind not in ("number", "percentage", "currency"):
                self.data.decimals = None
            self.data_styles[self.data_name] = self.data
        self.data = None

    def _decimals(self, style: str | None) -> int | None:
        if style in self.memo:
            return self.memo[style]
        data_style = None
        name = style or "Default"
        for _ in range(10):
            entry = self.cell_styles.get(name)
            if entry is None:
                break
            if entry[0] is not None:
                data_style = entry[0]
                break
            if entry[1] is None:
                break
            name = entry[1]
        decimals = self._data_decimals(data_style, 0) if data_style else None
        self.memo[style] = decimals
        return decimals

    def _data_decimals(self, name: str, depth: int) -> int | None:
        ds = self.data_styles.get(name)
        if ds is None or ds.decimals is None or depth > 5:
            return None
        for target in ds.maps:
            if self._data_decimals(target, depth + 1) != ds.decimals:
                return None
        return ds.decimals

    # -- tables

    def _table_tag(self, name: bytes, closing: bool, raw: bytes, empty: bool) -> None:
        if name == b"table:table":
            if closing:
                self._end_table()
            else:
                self._end_table()
                self.sheet_name = attrs(raw).get("table:name", "")
                self.sheet, self.columns, self.ncols, self.row = {}, [], 0, 0
                self.overflow = False
        elif self.sheet is None:
            return
        elif name == b"table:table-column":
            if not closing:
                a = attrs(raw)
                repeat = _repeat(a, "table:number-columns-repeated")
                start = self.ncols
                self.ncols = min(start + repeat, MAX_COLS)
                if self.ncols > start:
                    self.columns.append((start, self.ncols, a.get("table:default-cell-style-name")))
        elif name == b"table:table-row":
            if not closing:
                self.col, self.row_cells, self.row_repeat, self.row_style = 0, [], 1, None
                for key, v1, v2 in _ods_row_attr().findall(raw):
                    value = _attr_text(v1 or v2)
                    if key == b"table:number-rows-repeated":
                        self.row_repeat = _count(value)
                    else:
                        self.row_style = value
            if closing or empty:
                self._end_row()

    def _cell(self, raw: bytes) -> None:
        style = kind = None
        repeat = 1
        for key, v1, v2 in _ods_cell_attr().findall(raw):
            value = v1 or v2
            if key == b"office:value-type":
                kind = value
            elif key == b"table:style-name":
                style = _attr_text(value)
            else:
                repeat = _count(_attr_text(value))
        col = self.col
        self.col += repeat
        if kind not in _ODS_NUMERIC or col >= MAX_COLS:
            return
        decimals = self._decimals(style or self.row_style or self._column_style(col))
        if decimals is not None:
            self.row_cells.append((col, min(repeat, MAX_COLS - col), decimals))

    def _column_style(self, col: int) -> str | None:
        i = bisect.bisect_right(self.columns, col, key=lambda run: run[0]) - 1
        if i >= 0 and col < self.columns[i][1]:
            return self.columns[i][2]
        return None

    def _end_row(self) -> None:
        rows = min(self.row_repeat, max(MAX_ROWS - self.row, 0))
        if self.row_cells and self.sheet is not None and not self.overflow:
            count = rows * sum(n for _, n, _ in self.row_cells)
            if count > self.left:
                self.overflow = True
            else:
                self.left -= count
                sheet = self.sheet
                for r in range(self.row, self.row + rows):
                    for col, n, decimals in self.row_cells:
                        for c in range(col, col + n):
                            sheet[(r, c)] = decimals
        self.row += self.row_repeat
        self.row_cells = []

    def _end_table(self) -> None:
        if self.sheet is not None:
            self.result[self.sheet_name] = {} if self.overflow else self.sheet
        self.sheet = None


def _attr_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return unescape(text) if "&" in text else text


def _count(value: str) -> int:
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _ods_number_decimals(a: dict[str, str], kind: str) -> int | None:
    places = a.get("number:decimal-places")
    if places is None or not places.isdigit():
        return None  # no fixed decimals: General
    decimals = int(places)
    factor = a.get("number:display-factor")
    if factor:
        try:
            exponent = math.log10(float(factor))
        except (ValueError, OverflowError):
            return None
        if not exponent.is_integer():
            return None
        decimals -= int(exponent)
    return decimals + 2 if kind == "percentage" else decimals


def _repeat(a: dict[str, str], name: str) -> int:
    value = a.get(name, "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _ods(path: Path, max_inflate: int, max_cells: int) -> DisplayedDecimals:
    with zipfile.ZipFile(path) as zf:
        budget = InflateBudget(path, max_inflate)
        scan = _OdsScan(max_cells)
        if "styles.xml" in zf.namelist():
            scan.scan(budget.stream(zf, "styles.xml"))
        try:
            scan.scan(budget.stream(zf, "content.xml"))
        except Exception:
            # keep the sheets finished so far; the one being read is unreliable
            scan.sheet = None
        return scan.result
