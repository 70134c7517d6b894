"""Opening untrusted workbooks: every bad input is one bilingual InputError, the file untouched."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import badfiles as bf
from budgetcheck.errors import InputError
from budgetcheck.loading import integrity
from budgetcheck.loading.integrity import (
    UnreadableCell,
    find_unreadable_cells,
    unreadable_cells_error,
)
from budgetcheck.loading.opening import (
    CompoundFile,
    ZipLimits,
    open_workbook,
    sniff_format,
)

TEMPLATES = sorted(Path("/work/shared/reference/templates").glob("*.xlsx"))


def refused(path: Path, zh: str, en: str, **kwargs: object) -> InputError:
    """Assert open_workbook (and the integrity scan) fail with InputError naming zh/en keywords
    and leave the file byte-for-byte as it was."""
    before = bf.sha256(path) if path.is_file() else None
    with pytest.raises(InputError) as info:
        _, fmt = open_workbook(path, **kwargs)  # type: ignore[arg-type]
        find_unreadable_cells(path, fmt)
    error = info.value
    assert error.zh and error.en
    assert zh in error.zh, error.zh
    assert en.lower() in error.en.lower(), error.en
    assert "\n" not in error.zh and "\n" not in error.en
    if before is not None:
        assert bf.sha256(path) == before
    return error


def opens(path: Path, fmt: str) -> list[UnreadableCell]:
    before = bf.sha256(path)
    workbook, found = open_workbook(path)
    assert found == fmt
    assert workbook.sheet_names
    cells = find_unreadable_cells(path, found)
    assert bf.sha256(path) == before
    return cells


# --------------------------------------------------------------------------- path problems


def test_missing_file(tmp_path: Path) -> None:
    refused(tmp_path / "nope.xlsx", "找不到文件", "does not exist")


def test_folder(tmp_path: Path) -> None:
    refused(tmp_path, "文件夹", "folder")


def test_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "link.xlsx"
    link.symlink_to(tmp_path / "gone.xlsx")
    refused(link, "符号链接", "symbolic link")


def test_symlink_to_workbook_opens(tmp_path: Path) -> None:
    link = tmp_path / "link.xlsx"
    link.symlink_to(bf.openpyxl_workbook(tmp_path / "real.xlsx"))
    assert opens(link, "xlsx") == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod 000 files; see the emulated test")
def test_unreadable_file(tmp_path: Path) -> None:
    path = bf.openpyxl_workbook(tmp_path / "locked.xlsx")
    path.chmod(0)
    try:
        refused(path, "权限", "permission")
    finally:
        path.chmod(0o644)


def test_unreadable_file_emulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = bf.openpyxl_workbook(tmp_path / "locked.xlsx")
    real_open = Path.open

    def deny(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", deny)
    refused(path, "权限", "permission")


def test_empty_file(tmp_path: Path) -> None:
    refused(bf.text_file(tmp_path, "empty.xlsx", b""), "空文件", "empty")


def test_size_limit(tmp_path: Path) -> None:
    path = bf.openpyxl_workbook(tmp_path / "book.xlsx")
    error = refused(path, "上限", "limit", max_bytes=1000)
    assert "--max-size" in error.zh and "--max-size" in error.en


# --------------------------------------------------------------------------- not a workbook


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize(
    ("content", "zh", "en"),
    [
        (bf.PDF, "PDF", "PDF"),
        (bf.CSV, "CSV", "CSV"),
        (bf.CSV.encode("gbk"), "CSV", "CSV"),
        (bf.HTML_TABLE, "网页（HTML）", "web page"),
        (bf.BARE_TABLE, "网页（HTML）", "web page"),
        ("\ufeff" + bf.HTML_TABLE, "网页（HTML）", "web page"),
        ("<!DOCTYPE html>\n<html><body>x</body></html>", "网页（HTML）", "web page"),
        (bf.EXCEL_2003_XML, "Excel 2003 XML", "Excel 2003 XML"),
        (bytes(range(256)) * 4, "不是可识别", "not in a spreadsheet format"),
    ],
    ids=["pdf", "csv", "csv-gbk", "html", "table", "html-bom", "doctype", "xml2003", "binary"],
)
def test_foreign_formats(
    tmp_path: Path, suffix: str, content: str | bytes, zh: str, en: str
) -> None:
    error = refused(bf.text_file(tmp_path, "export" + suffix, content), zh, en)
    if "HTML" in zh or "2003" in zh or "CSV" in zh:
        assert "另存为 .xlsx" in error.zh and "save it as .xlsx" in error.en


def test_utf16_html(tmp_path: Path) -> None:
    path = bf.text_file(tmp_path, "export.xls", "\ufeff" + bf.BARE_TABLE, "utf-16-le")
    refused(path, "网页（HTML）", "web page")


def test_truncated_zip(tmp_path: Path) -> None:
    refused(bf.truncated(tmp_path), "损坏", "damaged")


def test_docx_renamed(tmp_path: Path) -> None:
    error = refused(bf.docx(tmp_path), "Word 文档", "Word document")
    assert "--narrative" in error.zh and "--narrative" in error.en


def test_plain_zip(tmp_path: Path) -> None:
    refused(bf.plain_zip(tmp_path), "压缩包", "zip archive")


def test_old_word_document(tmp_path: Path) -> None:
    refused(bf.ole_word(tmp_path), "Word 文档", "Word document")


def test_corrupt_ole(tmp_path: Path) -> None:
    path = bf.text_file(tmp_path, "bad.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 300)
    refused(path, "损坏", "damaged")


# --------------------------------------------------------------------------- hostile zips


def test_zip_bomb_is_refused_from_headers(tmp_path: Path) -> None:
    path = bf.zip_bomb(tmp_path)  # > 1 GiB inflated, ~1 MiB on disk
    assert path.stat().st_size < 3 * bf.MIB
    started = time.perf_counter()
    refused(path, "压缩炸弹", "zip bomb")
    assert time.perf_counter() - started < 0.5  # nothing was inflated


def test_understated_size_is_caught_when_inflating(tmp_path: Path) -> None:
    """The central directory claims 4000 bytes; the member inflates to 64 MiB."""
    path = bf.zip_bomb(tmp_path, gib=1 / 16, declared=4000)
    refused(path, "损坏", "damaged")


def test_running_inflate_cap(tmp_path: Path) -> None:
    path = bf.zip_bomb(tmp_path, gib=1 / 64)  # 16 MiB of spaces, honest headers
    _, fmt = open_workbook(path, limits=ZipLimits(ratio_min_bytes=100 * bf.MIB))
    with pytest.raises(InputError) as info:
        find_unreadable_cells(path, fmt, max_inflate=4 * bf.MIB)
    assert "压缩炸弹" in info.value.zh and "zip bomb" in info.value.en


def test_total_uncompressed_limit(tmp_path: Path) -> None:
    path = bf.openpyxl_workbook(tmp_path / "book.xlsx")
    refused(path, "上限", "limit", limits=ZipLimits(max_total_uncompressed=1000))


def test_path_traversal_member(tmp_path: Path) -> None:
    refused(bf.traversal(tmp_path), "不安全的成员路径", "unsafe member path")


def test_too_many_members(tmp_path: Path) -> None:
    refused(bf.many_members(tmp_path), "10000", "10000")


@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"]
)
@pytest.mark.parametrize(
    ("dtd", "utf16"),
    [(bf.BILLION_LAUGHS, False), (bf.EXTERNAL_ENTITY, False), (bf.EXTERNAL_ENTITY, True)],
    ids=["billion-laughs", "external-entity", "external-entity-utf16"],
)
def test_xml_entities_refused(tmp_path: Path, part: str, dtd: str, utf16: bool) -> None:
    path = bf.with_dtd(tmp_path, part, dtd, "entities.xlsx", utf16=utf16)
    error = refused(path, "不安全的 XML 实体", "unsafe XML entity")
    assert part in error.zh and part in error.en


def test_integrity_scan_refuses_entities_on_its_own(tmp_path: Path) -> None:
    path = bf.with_dtd(tmp_path, "xl/worksheets/sheet1.xml", bf.BILLION_LAUGHS, "lol.xlsx")
    with pytest.raises(InputError, match="unsafe XML"):
        find_unreadable_cells(path, "xlsx")


def test_shared_strings_workbook_opens(tmp_path: Path) -> None:
    assert opens(bf.with_shared_strings(tmp_path), "xlsx") == []


# --------------------------------------------------------------------------- encryption


def test_encrypted_ooxml(tmp_path: Path) -> None:
    error = refused(bf.encrypted_ooxml(tmp_path), "打开密码", "password")
    assert "取消密码" in error.zh


def test_encrypted_xls_filepass(tmp_path: Path) -> None:
    refused(bf.xls_with_filepass(tmp_path), "打开密码", "password")


def test_xls_dimensions_beyond_biff_limits(tmp_path: Path) -> None:
    """Found by fuzzing: calamine sizes its grid from DIMENSIONS and aborts on failure."""
    refused(bf.xls_with_huge_dimensions(tmp_path), "损坏", "damaged")


# --------------------------------------------------------------------------- good files


def test_xlsx_renamed_xls_opens(tmp_path: Path) -> None:
    path = bf.openpyxl_workbook(tmp_path / "book.xlsx")
    renamed = tmp_path / "book.xls"
    shutil.copy(path, renamed)
    assert opens(renamed, "xlsx") == []


@pytest.mark.parametrize(("name", "fmt"), [("a.xls", "xls"), ("a.et", "et"), ("a.xlsx", "xls")])
def test_xlwt_workbook(tmp_path: Path, name: str, fmt: str) -> None:
    path = bf.xlwt_workbook(tmp_path / name)
    assert sniff_format(path) == fmt
    cells = opens(path, fmt)
    # Errors come first; never-calculated formulas are added once the whole file is read.
    assert [(c.sheet, c.cell, c.kind, c.text) for c in cells] == [
        ("收支总表", "A3", "error", "#REF!"),
        ("收支总表", "B3", "error", "#DIV/0!"),
        ("收支总表", "A2", "formula_without_value", "=…"),
    ]


def test_xls_in_mini_stream(tmp_path: Path) -> None:
    """A Workbook stream under 4096 bytes lives in the CFB mini stream."""
    big = bf.write_cfb(tmp_path / "m.bin", {"Small": b"abc" * 100, "Big": bytes(range(256)) * 40})
    with big.open("rb") as f:
        cfb = CompoundFile(f)
        assert cfb.stream("Small", 10**6) == b"abc" * 100
        assert cfb.stream("Big", 10**6) == bytes(range(256)) * 40


def test_xlsm(tmp_path: Path) -> None:
    assert opens(bf.xlsm(tmp_path), "xlsm") == []


def test_thousand_sheets(tmp_path: Path) -> None:
    path = bf.openpyxl_workbook(tmp_path / "many.xlsx", sheets=1000)
    workbook, fmt = open_workbook(path)
    assert fmt == "xlsx" and len(workbook.sheet_names) == 1000
    assert find_unreadable_cells(path, fmt) == []


def test_ods(tmp_path: Path) -> None:
    cells = opens(bf.ods(tmp_path), "ods")
    assert [(c.sheet, c.cell, c.kind) for c in cells] == [
        ("表一", "D1", "formula_without_value"),
        ("表一", "A5", "error"),
    ]
    assert cells[1].text == "#DIV/0!"


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_templates_are_clean_and_fast(template: Path) -> None:
    assert opens(template, "xlsx") == []
    started = time.perf_counter()
    find_unreadable_cells(template, "xlsx")
    assert time.perf_counter() - started < 0.25  # ~5 ms measured; loose for slow CI


# --------------------------------------------------------------------------- unreadable cells


def test_formula_without_value(tmp_path: Path) -> None:
    cells = opens(bf.formula_without_value(tmp_path / "f.xlsx"), "xlsx")
    assert cells == [UnreadableCell("支出表", "B3", "formula_without_value", "=SUM(B1:B2)")]
    error = unreadable_cells_error(cells)
    assert "支出表!B3" in error.zh and "支出表!B3" in error.en
    assert "请在 Excel 或 WPS 中" in error.zh and "Excel or WPS" in error.en


def test_error_cells(tmp_path: Path) -> None:
    cells = opens(bf.error_cells(tmp_path), "xlsx")
    # D3 is a formula whose result is an empty string: legitimate, not reported.
    assert [(c.cell, c.kind, c.text) for c in cells] == [
        ("B3", "error", "#REF!"),
        ("C3", "error", "#DIV/0!"),
    ]
    error = unreadable_cells_error(cells)
    assert "#REF!" in error.zh and "#DIV/0!" in error.en and "修正" in error.zh


def test_error_message_truncates_list() -> None:
    cells = [UnreadableCell("表", f"A{i}", "error", "#REF!") for i in range(1, 13)]
    error = unreadable_cells_error(cells)
    assert "等 12 处" in error.zh and "12 in all" in error.en
    assert "表!A5" in error.zh and "表!A6" not in error.zh


SHEET_HEAD = f'<?xml version="1.0"?><worksheet xmlns="{bf.SHEET_NS}"><cols><col min="1"/></cols>'

cell_xml = st.sampled_from(
    [
        '<c r="{r}" s="1"/>',
        '<c r="{r}"><v>1.5</v></c>',
        '<c r="{r}" t="s"><v>3</v></c>',
        '<c r="{r}"><f>SUM(A1:A2)</f><v></v></c>',
        '<c r="{r}"><f>A1&amp;"x"</f></c>',
        '<c r="{r}"><f>A1*2</f><v>4</v></c>',
        '<c r="{r}" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
        '<c r="{r}" t="e"><v>#N/A</v></c>',
        '<c r="{r}" t="str"><f>""</f><v></v></c>',
        '<c r="{r}"><f t="shared" si="0"/><v/></c>',
        '<c r="{r}" t="inlineStr"><is><t>&lt;f&gt; t="e"</t></is></c>',
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(cell_xml, min_size=1, max_size=6), min_size=1, max_size=8),
    chunk=st.integers(min_value=1, max_value=97),
)
def test_fast_scan_matches_state_machine(rows: list[list[str]], chunk: int) -> None:
    """The needle-based scanner and the tag state machine agree for any chunking."""
    body = "".join(
        f'<row r="{y}">'
        + "".join(c.format(r=f"{chr(65 + x)}{y}") for x, c in enumerate(cells))
        + "</row>"
        for y, cells in enumerate(rows, start=1)
    )
    extlst = "<extLst><ext><x14:dv><xm:f>Sheet1!$A$1</xm:f></x14:dv></ext></extLst>"
    xml = (SHEET_HEAD + f"<sheetData>{body}</sheetData>{extlst}</worksheet>").encode()

    def chunks(size: int) -> Callable[[], object]:
        return lambda: iter([xml[i : i + size] for i in range(0, len(xml), size)])

    slow = integrity._XlsxScanner("S").scan(chunks(len(xml))())  # type: ignore[arg-type]
    fast = integrity._FastXlsxScanner("S").scan(chunks(chunk)())  # type: ignore[arg-type]
    sliced = integrity._XlsxScanner("S").scan(chunks(chunk)())  # type: ignore[arg-type]
    assert fast == slow == sliced
    expected = sum(
        1
        for cells in rows
        for c in cells
        if "inlineStr" not in c
        and ('t="e"' in c or ("<f" in c and 't="str"' not in c and "<v>4" not in c))
    )
    assert len(slow) == expected


def test_cells_without_r_attribute() -> None:
    xml = (
        SHEET_HEAD + "<sheetData><row><c><v>1</v></c><c><f>A1</f></c></row>"
        '<row><c t="e"><v>#REF!</v></c></row></sheetData></worksheet>'
    ).encode()
    fast = integrity._FastXlsxScanner("S").scan(iter([xml]))
    assert fast is None  # falls back to counting
    slow = integrity._XlsxScanner("S").scan(iter([xml]))
    assert [(c.cell, c.kind) for c in slow] == [("B1", "formula_without_value"), ("A2", "error")]


# --------------------------------------------------------------------------- fuzzing

MAGICS = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"<html>", b"\xef\xbb\xbf<?xml"]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(magic=st.sampled_from(MAGICS), junk=st.binary(min_size=0, max_size=2048))
def test_arbitrary_bytes_only_raise_input_error(tmp_path: Path, magic: bytes, junk: bytes) -> None:
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(magic + junk)
    if not (magic + junk):
        return
    try:
        _, fmt = open_workbook(path)
        find_unreadable_cells(path, fmt)
    except InputError as error:
        assert error.zh and error.en


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.floats(min_value=0.05, max_value=0.999), flip=st.integers(min_value=0))
def test_damaged_real_files_only_raise_input_error(tmp_path: Path, cut: float, flip: int) -> None:
    source = (
        bf.xlwt_workbook(tmp_path / "src.xls")
        if flip % 2
        else bf.formula_without_value(tmp_path / "src.xlsx")
    )
    data = bytearray(source.read_bytes())
    data[flip % len(data)] ^= 0xFF
    path = tmp_path / "damaged.bin"
    path.write_bytes(bytes(data[: max(1, int(len(data) * cut))]) if flip % 3 else bytes(data))
    try:
        workbook, fmt = open_workbook(path)
        find_unreadable_cells(path, fmt)
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name)
    except InputError as error:
        assert error.zh and error.en
    except Exception as error:  # calamine's own sheet-level errors are the loader's to wrap
        assert type(error).__module__.startswith("python_calamine"), repr(error)
