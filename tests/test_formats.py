"""Displayed decimals from number formats: xlsx/xlsm, xls (BIFF8) and ods."""

from __future__ import annotations

import re
import struct
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import badfiles as bf
from budgetcheck.loading import formats
from budgetcheck.loading.formats import (
    BUILTIN_FORMATS,
    builtin_spec,
    code_decimals,
    displayed_decimals,
)
from budgetcheck.loading.opening import BIFF_BOF, BIFF_EOF

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


# --------------------------------------------------------------------------- format codes


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("0", 0),
        ("0.00", 2),
        ("#,##0", 0),
        ("#,##0.00", 2),
        ("#,##0.00_);(#,##0.00)", 2),
        ("#,##0.00_);[Red](#,##0.00)", 2),
        ("#,##0.00;-#,##0.00", 2),
        ("0.0#", 2),  # the display rounds at the last placeholder
        ("0.", 0),
        ('"¥"#,##0.00', 2),
        ("[$¥-804]#,##0.00", 2),
        ('0.00"万元"', 2),
        ('#,##0.00 "元"', 2),
        ("\\¥#,##0.0", 1),
        ("[Red]0.00;[Blue]-0.00", 2),
        ('_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)', 2),  # zero shown as "-"
        ('#,##0.00;-#,##0.00;"-"', 2),
        ("0%", 2),
        ("0.0%", 3),  # 76.9% is the stored 0.769: three decimals of the fraction
        ("0.00%", 4),
        ("#,##0,", -3),  # shown in thousands
        ("#,##0.0,", -2),
        ("0.00,,", -4),
        ("#,##0.00;-#,##0.00;General", 2),
        ("General", None),
        ("general", None),
        ("[DBNum1][$-804]General", None),
        ("@", None),
        ("yyyy-mm-dd", None),
        ('yyyy"年"m"月"d"日"', None),
        ("h:mm AM/PM", None),
        ("[h]:mm:ss", None),
        ("0.00E+00", None),
        ("##0.0E+0", None),
        ("# ?/?", None),
        ('"-"', None),
        (";;;", None),
        ("", None),
        ("[>=100]0;0.00", None),  # conditions: used only when the sections agree
        ("[>=100]0.00;0.00", 2),
    ],
)
def test_code_decimals(code: str, expected: int | None) -> None:
    assert code_decimals(code) == expected


def test_sections_that_differ_pick_by_sign() -> None:
    spec = code_decimals('0.00;-0.0;"-"')
    assert spec == (2, 1, 2)
    assert formats._for_value(spec, 3.0) == 2
    assert formats._for_value(spec, -3.0) == 1
    assert formats._for_value(spec, 0.0) == 2  # "-": the positive section's decimals


def test_builtin_ids() -> None:
    expected = {0: None, 1: 0, 2: 2, 3: 0, 4: 2, 5: 0, 7: 2, 9: 2, 10: 4, 11: None, 14: None}
    expected |= {37: 0, 38: 0, 39: 2, 40: 2, 41: 0, 42: 0, 43: 2, 44: 2, 49: None}
    expected |= {27: None, 31: None, 57: None, 58: None, 163: None}  # zh-CN dates, unknown
    assert {i: builtin_spec(i) for i in expected} == expected
    for i in range(14, 23):
        assert builtin_spec(i) is None, BUILTIN_FORMATS[i]


# --------------------------------------------------------------------------- xlsx


def openpyxl_book(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表一"
    cells: list[tuple[str, Any, str]] = [
        ("B2", 270, "0.00"),
        ("C2", 1169.86, "#,##0.00"),
        ("D2", 270, "0"),
        ("E2", 270, "General"),
        ("F2", 0.769, "0.0%"),
        ("G2", 5, '#,##0.00;[Red]-#,##0.0;"-"'),
        ("H2", -5, '#,##0.00;[Red]-#,##0.0;"-"'),
        ("I2", 0, '#,##0.00;[Red]-#,##0.0;"-"'),
        ("J2", "270", "0.00"),  # text: omitted
        ("K2", "=B2*2", "0.00"),  # formula saved without a result: omitted
        ("L2", 45000, "yyyy-mm-dd"),
        ("M2", True, "0.00"),  # boolean: omitted
        ("N2", 1234567, "#,##0,"),
        ("B5", 3, "#,##0"),  # openpyxl picks built-in id 3
        ("C5", 4.5, "#,##0.00_);(#,##0.00)"),
        ("D5", 7, "0.00E+00"),
    ]
    for ref, value, code in cells:
        ws[ref] = value
        ws[ref].number_format = code
    ws["E5"] = 9  # no style at all
    second = wb.create_sheet("Sheet 2 ")  # trailing space kept
    second["A1"] = 1.5
    second["A1"].number_format = "0.000"
    wb.create_sheet("空表")
    wb.save(path)
    return path


XLSX_EXPECTED = {
    "表一": {
        (1, 1): 2,
        (1, 2): 2,
        (1, 3): 0,
        (1, 5): 3,
        (1, 6): 2,
        (1, 7): 1,
        (1, 8): 2,
        (1, 13): -3,
        (4, 1): 0,
        (4, 2): 2,
    },
    "Sheet 2 ": {(0, 0): 3},
    "空表": {},
}


def test_openpyxl_workbook(tmp_path: Path) -> None:
    path = openpyxl_book(tmp_path / "book.xlsx")
    assert displayed_decimals(path, "xlsx") == XLSX_EXPECTED


def test_coordinates_match_calamine(tmp_path: Path) -> None:
    import python_calamine

    path = openpyxl_book(tmp_path / "book.xlsx")
    found = displayed_decimals(path, "xlsx")["表一"]
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表一")
    grid = rows.to_python(skip_empty_area=False)
    assert grid[1][1] == 270 and grid[1][5] == pytest.approx(0.769) and grid[4][1] == 3
    assert all(isinstance(grid[r][c], float | int) for r, c in found)


def _rewrite_sheet(src: Path, dst: Path, edit: Any) -> Path:
    parts = bf.zip_members(src)
    parts["xl/worksheets/sheet1.xml"] = edit(parts["xl/worksheets/sheet1.xml"])
    return bf.write_zip(dst, [bf.deflated(n, d) for n, d in parts.items()])


def test_cells_without_r_attribute(tmp_path: Path) -> None:
    """Cells without r="A1" (some generators) are placed by counting rows and columns."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 4):
        for c in range(1, 4):
            ws.cell(r, c, r * c).number_format = "0.00" if c != 2 else "0.0"
    wb.save(tmp_path / "src.xlsx")
    path = _rewrite_sheet(
        tmp_path / "src.xlsx",
        tmp_path / "nor.xlsx",
        lambda xml: re.sub(rb'(<c) r="[A-Z]+\d+"', rb"\1", xml),
    )
    assert b'<c r="' not in bf.zip_members(path)["xl/worksheets/sheet1.xml"]
    expected = {(r, c): 1 if c == 1 else 2 for r in range(3) for c in range(3)}
    assert displayed_decimals(path, "xlsx") == {"Sheet": expected}
    assert displayed_decimals(tmp_path / "src.xlsx", "xlsx") == {"Sheet": expected}


def test_prefixed_namespace_and_attribute_order(tmp_path: Path) -> None:
    path = openpyxl_book(tmp_path / "book.xlsx")

    def prefix(xml: bytes) -> bytes:
        xml = xml.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=")
        xml = xml.replace(b"</worksheet>", b"</x:worksheet>")
        xml = re.sub(rb"<(/?)(sheetData|row|c|v|f|is|t)(?=[\s/>])", rb"<\1x:\2", xml)
        # s before r, single quotes
        return re.sub(rb'<x:c r="([A-Z]+\d+)" s="(\d+)"', rb"<x:c s='\2' r='\1'", xml)

    other = _rewrite_sheet(path, tmp_path / "prefixed.xlsx", prefix)
    assert b"<x:c s=" in bf.zip_members(other)["xl/worksheets/sheet1.xml"]
    assert displayed_decimals(other, "xlsx") == XLSX_EXPECTED


def test_siping_complete_fixture() -> None:
    found = displayed_decimals(FIXTURES / "siping-2024-complete.xlsx", "xlsx")
    assert found["项目支出表"][(4, 4)] == 2  # 270 with #,##0.00 reads "270.00"
    assert found["项目支出绩效目标表"][(3, 3)] == 0  # 270 with #,##0
    assert found["封面"] == {}


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.xlsx")))
def test_agrees_with_openpyxl(name: str) -> None:
    """Every numeric cell of every fixture, against openpyxl's number_format."""
    import openpyxl

    path = FIXTURES / name
    found = displayed_decimals(path, "xlsx")
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        expected = {}
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, int | float) and not isinstance(value, bool):
                    d = formats._for_value(code_decimals(cell.number_format), value)
                    if d is not None:
                        expected[(cell.row - 1, cell.column - 1)] = d
        assert found[ws.title] == expected, ws.title


def test_siping_xls_matches_xlsx() -> None:
    xls = displayed_decimals(FIXTURES / "siping-2024.xls", "xls")
    xlsx = displayed_decimals(FIXTURES / "siping-2024-complete.xlsx", "xlsx")
    assert xls == xlsx
    assert xls["项目支出表"][(4, 5)] == 2 and xls["项目支出绩效目标表"][(4, 3)] == 0


def big_sheet(tmp_path: Path, rows: int, cols: int = 10) -> Path:
    """A sheet of rows × cols numeric cells, written straight into an openpyxl workbook."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for c, code in enumerate(["#,##0.00", "0.0%", "General", "0"], start=1):
        ws.cell(1, c, 1).number_format = code
    wb.save(tmp_path / "seed.xlsx")
    parts = bf.zip_members(tmp_path / "seed.xlsx")
    xml = parts["xl/worksheets/sheet1.xml"]
    styles = [int(s or b"0") for s in re.findall(rb'<c r="[A-D]1"(?: s="(\d+)")?', xml)]
    assert len(styles) == 4
    letters = [chr(65 + c) for c in range(cols)]
    body = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{letters[c]}{r}" s="{styles[c % 4]}" t="n"><v>{r * 10 + c}.5</v></c>'
            for c in range(cols)
        )
        + "</row>"
        for r in range(1, rows + 1)
    )
    xml = re.sub(rb"<sheetData>.*</sheetData>", f"<sheetData>{body}</sheetData>".encode(), xml)
    parts["xl/worksheets/sheet1.xml"] = xml
    return bf.write_zip(tmp_path / "big.xlsx", [bf.deflated(n, d) for n, d in parts.items()])


def test_hundred_thousand_cells_is_fast(tmp_path: Path) -> None:
    path = big_sheet(tmp_path, 10_000)
    start = time.perf_counter()
    found = displayed_decimals(path, "xlsx")["Sheet"]
    elapsed = time.perf_counter() - start
    assert len(found) == 80_000  # the General column is omitted
    assert found[(9999, 0)] == 2 and found[(9999, 1)] == 3 and (9999, 2) not in found
    assert found[(0, 3)] == 0
    assert elapsed < 3, elapsed  # ~0.1 s measured; generous for slow CI machines


def test_pathological_tags_stay_linear(tmp_path: Path) -> None:
    """Unclosed `<c ` starts and a giant tail without `</c>` must not go quadratic."""
    path = openpyxl_book(tmp_path / "book.xlsx")
    junk = b"<c " * 400_000 + b"<row " * 200_000 + b"x" * 5_000_000

    def bloat(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b"</sheetData>" + junk)

    other = _rewrite_sheet(path, tmp_path / "junk.xlsx", bloat)
    start = time.perf_counter()
    found = displayed_decimals(other, "xlsx")
    assert time.perf_counter() - start < 5
    assert found["表一"] == XLSX_EXPECTED["表一"]


# --------------------------------------------------------------------------- failures


def test_failures_give_empty_results(tmp_path: Path) -> None:
    path = openpyxl_book(tmp_path / "book.xlsx")
    assert displayed_decimals(bf.truncated(tmp_path), "xlsx") == {}
    assert displayed_decimals(tmp_path / "missing.xlsx", "xlsx") == {}
    assert displayed_decimals(path, "xls") == {}  # wrong format: nothing, no exception
    assert displayed_decimals(path, "pdf") == {}

    def dtd(part: str, name: str) -> Path:
        parts = bf.zip_members(path)
        xml = parts[part]
        cut = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
        parts[part] = xml[:cut] + bf.BILLION_LAUGHS.encode() + xml[cut:]
        return bf.write_zip(tmp_path / name, [bf.deflated(n, d) for n, d in parts.items()])

    assert displayed_decimals(dtd("xl/styles.xml", "a.xlsx"), "xlsx") == {}
    assert displayed_decimals(dtd("xl/workbook.xml", "b.xlsx"), "xlsx") == {}
    # A worksheet with a DTD loses its own sheet only.
    found = displayed_decimals(dtd("xl/worksheets/sheet1.xml", "c.xlsx"), "xlsx")
    assert found == XLSX_EXPECTED | {"表一": {}}
    # The inflation cap.
    assert displayed_decimals(path, "xlsx", max_inflate=100) == {key: {} for key in XLSX_EXPECTED}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.floats(0.05, 0.999), flip=st.integers(0, 10**9))
def test_damaged_files_never_raise(tmp_path: Path, cut: float, flip: int) -> None:
    for src, fmt in (
        (FIXTURES / "siping-2024-complete.xlsx", "xlsx"),
        (FIXTURES / "siping-2024.xls", "xls"),
    ):
        data = bytearray(src.read_bytes())
        data[flip % len(data)] ^= 0x5A
        damaged = tmp_path / f"damaged.{fmt}"
        damaged.write_bytes(bytes(data[: max(int(len(data) * cut), 600)]))
        assert isinstance(displayed_decimals(damaged, fmt), dict)


# --------------------------------------------------------------------------- xls


def test_xlwt_workbook(tmp_path: Path) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("表一")
    cells: list[tuple[int, int, Any, str]] = [
        (0, 0, 270, "0.00"),  # an int: xlwt writes an RK record
        (0, 1, 1169.86, "0.00"),  # NUMBER
        (0, 2, 270, "#,##0"),
        (0, 3, 0.769, "0.0%"),
        (0, 4, 270, "General"),
        (0, 5, "270", "0.00"),  # text: omitted
        (0, 6, -5, '#,##0.00;-#,##0.0;"-"'),
        (0, 7, 5, '#,##0.00;-#,##0.0;"-"'),
        (1, 0, 2.5, "#,##0.00_);(#,##0.00)"),
        (1, 1, 45000, "yyyy-mm-dd"),
        (1, 2, 1234567, "#,##0,"),
    ]
    for row, col, value, code in cells:
        ws.write(row, col, value, xlwt.easyxf(num_format_str=code))
    ws.write(2, 0, 9)  # default style
    wb.add_sheet("Sheet2").write(3, 3, 1.5, xlwt.easyxf(num_format_str="0.000"))
    path = tmp_path / "book.xls"
    wb.save(str(path))
    assert displayed_decimals(path, "xls") == {
        "表一": {(0, 0): 2, (0, 1): 2, (0, 2): 0, (0, 3): 3, (0, 6): 1, (0, 7): 2, (1, 0): 2}
        | {(1, 2): -3},
        "Sheet2": {(3, 3): 3},
    }
    assert displayed_decimals(path, "et") == displayed_decimals(path, "xls")


def _record(rtype: int, payload: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(payload)) + payload


def test_biff_mulrk_formula_and_chart_substream() -> None:
    """MULRK runs, numeric FORMULA results, and records of an embedded chart ignored."""
    specs: list[formats.Spec] = [None, 2, 0, (2, 1, 2)]
    rk_pos = (270 << 2) | 0x02  # integer 270
    rk_neg = ((-3 << 2) & 0xFFFFFFFF) | 0x02
    mulrk = struct.pack("<HH", 4, 1) + struct.pack("<HI", 1, rk_pos) + struct.pack("<HI", 3, rk_neg)
    mulrk += struct.pack("<HI", 0, rk_pos) + struct.pack("<H", 3)
    formula_num = struct.pack("<HHH", 5, 0, 2) + struct.pack("<d", 3.0) + b"\x00" * 6
    formula_str = struct.pack("<HHH", 5, 1, 1) + b"\x00" * 6 + b"\xff\xff" + b"\x00" * 6
    number = struct.pack("<HHH", 6, 2, 1) + struct.pack("<d", 1.25)
    chart_number = struct.pack("<HHH", 0, 0, 1) + struct.pack("<d", 1.0)
    data = b"".join(
        [
            _record(BIFF_BOF, struct.pack("<HH", 0x0600, 0x10)),
            _record(formats.BIFF_MULRK, mulrk),
            _record(BIFF_BOF, struct.pack("<HH", 0x0600, 0x20)),  # chart
            _record(formats.BIFF_NUMBER, chart_number),
            _record(BIFF_EOF, b""),
            _record(formats.BIFF_FORMULA, formula_num),
            _record(formats.BIFF_FORMULA, formula_str),
            _record(formats.BIFF_NUMBER, number),
            _record(BIFF_EOF, b""),
            _record(formats.BIFF_NUMBER, struct.pack("<HHH", 9, 9, 1) + b"\x00" * 8),
        ]
    )
    assert formats._biff_sheet(data, 0, specs) == {
        (4, 1): 2,
        (4, 2): 1,  # negative: the second section
        (5, 0): 0,
        (6, 2): 2,
    }


# --------------------------------------------------------------------------- ods

OFFICE_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'office:version="1.3"'
)

ODS_STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {OFFICE_NS}><office:styles>
<number:number-style style:name="N4"><number:number number:decimal-places="2"
 number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/>
</number:number-style>
<style:style style:name="Default" style:family="table-cell"/>
<style:style style:name="Money" style:family="table-cell" style:parent-style-name="Default"
 style:data-style-name="N4"/>
</office:styles></office:document-styles>"""


def ods_content(body: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {OFFICE_NS}><office:automatic-styles>
<number:number-style style:name="N0"><number:number number:decimal-places="0"
 number:min-integer-digits="1"/></number:number-style>
<number:number-style style:name="N1"><number:number number:min-integer-digits="1"/>
</number:number-style>
<number:percentage-style style:name="N5"><number:number number:decimal-places="1"
 number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
<number:number-style style:name="N6P0" style:volatile="true"><number:number
 number:decimal-places="2" number:min-integer-digits="1"/></number:number-style>
<number:number-style style:name="N6"><style:text-properties fo:color="#ff0000"/>
<number:text>-</number:text><number:number number:decimal-places="2"
 number:min-integer-digits="1"/><style:map style:condition="value()&gt;=0"
 style:apply-style-name="N6P0"/></number:number-style>
<number:number-style style:name="N7"><number:number number:decimal-places="1"
 number:display-factor="1000" number:min-integer-digits="1"/></number:number-style>
<number:date-style style:name="N8"><number:year number:style="long"/><number:text>-
</number:text><number:month/></number:date-style>
<number:number-style style:name="N9"><number:scientific-number number:decimal-places="2"
 number:min-exponent-digits="2"/></number:number-style>
<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default"
 style:data-style-name="N0"/>
<style:style style:name="ce2" style:family="table-cell" style:data-style-name="N5"/>
<style:style style:name="ce3" style:family="table-cell" style:data-style-name="N6"/>
<style:style style:name="ce4" style:family="table-cell" style:parent-style-name="Money"/>
<style:style style:name="ce5" style:family="table-cell" style:data-style-name="N7"/>
<style:style style:name="ce6" style:family="table-cell" style:data-style-name="N8"/>
<style:style style:name="ce7" style:family="table-cell" style:data-style-name="N1"/>
<style:style style:name="ce8" style:family="table-cell" style:data-style-name="N9"/>
</office:automatic-styles><office:body><office:spreadsheet>{body}
</office:spreadsheet></office:body></office:document-content>"""


def cell(style: str | None, value: str = "270", kind: str = "float", repeat: int = 1) -> str:
    attrs = f' table:style-name="{style}"' if style else ""
    if repeat > 1:
        attrs += f' table:number-columns-repeated="{repeat}"'
    value_attr = "office:date-value" if kind == "date" else "office:value"
    return (
        f'<table:table-cell{attrs} office:value-type="{kind}" {value_attr}="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


ODS_BODY = "".join(
    [
        '<table:table table:name="表一">',
        '<table:table-column table:number-columns-repeated="2" '
        'table:default-cell-style-name="ce1"/>',
        '<table:table-column table:number-columns-repeated="1022" '
        'table:default-cell-style-name="Default"/>',
        "<table:table-row>",
        cell(None),  # A1: the column default ce1 → 0
        cell("ce4", "1169.86"),  # B1: ce4 → parent Money (styles.xml) → N4 → 2
        cell("ce2", "0.769", "percentage"),  # C1: 1 decimal of the percentage → 3
        cell("ce3", "-5"),  # D1: N6 maps to N6P0, both 2
        cell("ce5", "1234567"),  # E1: display factor 1000 → -2
        cell("ce6", "2024-01-01", "date"),  # F1: date: omitted
        cell("ce7"),  # G1: no decimal-places: General, omitted
        cell("ce8"),  # H1: scientific: omitted
        '<table:table-cell table:style-name="ce4" office:value-type="string">'
        "<text:p>270</text:p></table:table-cell>",  # I1: text: omitted
        "</table:table-row>",
        '<table:table-row table:number-rows-repeated="2">',
        '<table:table-cell table:number-columns-repeated="1000000"/>',  # empty: not expanded
        "</table:table-row>",
        '<table:table-row table:number-rows-repeated="3">',
        '<table:covered-table-cell table:number-columns-repeated="2"/>',
        cell("ce4", "1.5", repeat=2),
        "</table:table-row>",
        '<table:table-row table:number-rows-repeated="1048000">',
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
        "</table:table>",
        '<table:table table:name="Sheet2">',
        "<table:table-row>",
        '<table:table-cell table:number-columns-repeated="3"/>',
        cell("ce1", "7", "currency"),
        "</table:table-row></table:table>",
    ]
)


ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
    'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry '
    'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
    'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
    'manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" '
    'manifest:media-type="text/xml"/></manifest:manifest>'
)


def write_ods(path: Path, body: str, styles: str = ODS_STYLES) -> Path:
    return bf.write_zip(
        path,
        [
            bf.stored("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            bf.deflated("META-INF/manifest.xml", ODS_MANIFEST.encode()),
            bf.deflated("styles.xml", styles.encode()),
            bf.deflated("content.xml", ods_content(body).encode()),
        ],
    )


ODS_EXPECTED = {
    "表一": {
        (0, 0): 0,
        (0, 1): 2,
        (0, 2): 3,
        (0, 3): 2,
        (0, 4): -2,
        **{(r, c): 2 for r in (3, 4, 5) for c in (2, 3)},
    },
    "Sheet2": {(0, 3): 0},
}


def test_ods(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "book.ods", ODS_BODY)
    assert displayed_decimals(path, "ods") == ODS_EXPECTED


def test_ods_coordinates_match_calamine(tmp_path: Path) -> None:
    import python_calamine

    path = write_ods(tmp_path / "book.ods", ODS_BODY)
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表一")
    grid = sheet.to_python(skip_empty_area=False)
    assert grid[0][1] == pytest.approx(1169.86)
    assert grid[5][3] == pytest.approx(1.5)


def test_ods_repeats_are_capped(tmp_path: Path) -> None:
    """A million repeated rows of numeric cells: clipped, then refused past max_cells."""
    body = (
        '<table:table table:name="huge"><table:table-row table:number-rows-repeated="1000000">'
        + cell("ce1", repeat=1_000_000)
        + "</table:table-row></table:table>"
        '<table:table table:name="small"><table:table-row>'
        + cell("ce1", repeat=3)
        + "</table:table-row></table:table>"
    )
    path = write_ods(tmp_path / "huge.ods", body)
    start = time.perf_counter()
    found = displayed_decimals(path, "ods", max_cells=1000)
    assert time.perf_counter() - start < 2
    assert found == {"huge": {}, "small": {(0, 0): 0, (0, 1): 0, (0, 2): 0}}
    start = time.perf_counter()
    assert displayed_decimals(path, "ods")["huge"] == {}  # the default cap, 1 million
    assert time.perf_counter() - start < 2


def test_ods_without_styles_part(tmp_path: Path) -> None:
    path = bf.write_zip(
        tmp_path / "nostyles.ods",
        [
            bf.stored("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            bf.deflated("content.xml", ods_content(ODS_BODY).encode()),
        ],
    )
    found = displayed_decimals(path, "ods")
    assert found["表一"][(0, 0)] == 0 and (0, 1) not in found["表一"]  # Money is in styles.xml
