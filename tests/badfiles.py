"""Builders of hostile and broken inputs, written at test time (no binary blobs in the repo).

Each builder writes into a directory the test owns and returns the path. The zip and
compound-file writers are deliberately tiny and hand-rolled: they let a test state things
the standard writers refuse to produce (lying sizes, '../' names, encrypted-package streams).
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024

# --------------------------------------------------------------------------- zip writer


@dataclass(frozen=True)
class RawMember:
    """A zip member as it goes on disk: already-compressed bytes plus the declared header."""

    name: str
    data: bytes
    crc: int
    size: int  # declared uncompressed size (may lie)
    method: int = zipfile.ZIP_DEFLATED


def deflated(name: str, payload: bytes) -> RawMember:
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = co.compress(payload) + co.flush()
    return RawMember(name, data, zlib.crc32(payload), len(payload))


def stored(name: str, payload: bytes) -> RawMember:
    return RawMember(name, payload, zlib.crc32(payload), len(payload), zipfile.ZIP_STORED)


def inflating_member(
    name: str, prefix: bytes, filler_mib: int, suffix: bytes, declared: int | None = None
) -> RawMember:
    """A deflate stream of prefix + filler_mib MiB of spaces + suffix, built in milliseconds.

    After a full flush the compressor state is reset, so the compressed form of one MiB of
    spaces is a self-contained block that can simply be repeated.
    """
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = co.compress(prefix) + co.flush(zlib.Z_FULL_FLUSH)
    spaces = b" " * MIB
    block = co.compress(spaces) + co.flush(zlib.Z_FULL_FLUSH)
    tail = co.compress(suffix) + co.flush()
    crc = zlib.crc32(prefix)
    for _ in range(filler_mib):
        crc = zlib.crc32(spaces, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + filler_mib * MIB + len(suffix)
    return RawMember(
        name, head + block * filler_mib + tail, crc, size if declared is None else declared
    )


def write_zip(path: Path, members: list[RawMember]) -> Path:
    """Write a plain (non-zip64) archive; sizes must fit in 32 bits."""
    body = bytearray()
    central = bytearray()
    for m in members:
        name = m.name.encode("utf-8")
        offset = len(body)
        fields = (20, 0x0800, m.method, 0, 0x21, m.crc, len(m.data), m.size, len(name))
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name + m.data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset)
        central += name
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(body), 0
    )
    path.write_bytes(bytes(body + central + end))
    return path


def zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rezip(src: Path, dst: Path, replace: dict[str, bytes], extra: Sequence[RawMember] = ()) -> Path:
    parts = zip_members(src)
    parts.update(replace)
    return write_zip(dst, [deflated(n, d) for n, d in parts.items()] + list(extra))


# --------------------------------------------------------------------------- workbooks


def openpyxl_workbook(path: Path, sheets: int = 1) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "收支总表"
    ws["A1"] = "项目"
    ws["B1"] = 1.5
    ws["B2"] = 2.5
    for i in range(1, sheets):
        wb.create_sheet(f"S{i}")["A1"] = i
    wb.save(path)
    return path


def formula_without_value(path: Path) -> Path:
    """openpyxl writes =SUM(B1:B2) with an empty <v>: Excel recomputes, calamine sees ''."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "支出表"
    ws["B1"], ws["B2"], ws["B3"] = 1, 2, "=SUM(B1:B2)"
    wb.save(path)
    return path


SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def error_cells(tmp: Path, name: str = "errors.xlsx") -> Path:
    """A workbook whose sheet holds #REF! and #DIV/0! results, written by hand."""
    base = openpyxl_workbook(tmp / "errors-base.xlsx")
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{SHEET_NS}">'
        '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>0</v></c></row>'
        '<row r="3"><c r="B3" t="e"><f>#REF!+A1</f><v>#REF!</v></c>'
        '<c r="C3" t="e"><f>A1/B1</f><v>#DIV/0!</v></c>'
        '<c r="D3" t="str"><f>IF(A1=1,"","x")</f><v></v></c></row>'
        "</sheetData></worksheet>"
    )
    return rezip(base, tmp / name, {"xl/worksheets/sheet1.xml": sheet.encode()})


def with_shared_strings(tmp: Path) -> Path:
    """An openpyxl workbook rewritten to use a sharedStrings part (openpyxl writes inline)."""
    base = openpyxl_workbook(tmp / "ss-base.xlsx")
    parts = zip_members(base)
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{SHEET_NS}" count="1" '
        'uniqueCount="1"><si><t>项目</t></si></sst>'
    ).encode()
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<c r="A1" t="inlineStr"><is><t>\xe9\xa1\xb9\xe7\x9b\xae</t></is></c>',
        b'<c r="A1" t="s"><v>0</v></c>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSS"/></Relationships>',
    )
    return write_zip(tmp / "shared.xlsx", [deflated(n, d) for n, d in parts.items()])


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10)
    )
    + "]>"
)
EXTERNAL_ENTITY = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def with_dtd(tmp: Path, part: str, dtd: str, name: str, utf16: bool = False) -> Path:
    """`part` of a valid workbook with `dtd` inserted after the XML declaration."""
    base = with_shared_strings(tmp)
    text = zip_members(base)[part].decode("utf-8")
    cut = text.index("?>") + 2 if text.startswith("<?xml") else 0
    text = text[:cut] + dtd + text[cut:]
    entity = "&lol9;" if "lol9" in dtd else "&xxe;"
    text = text.replace("</t>", f"{entity}</t>", 1)
    data = text.encode("utf-8")
    if utf16:
        data = b"\xff\xfe" + text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode(
            "utf-16-le"
        )
    return rezip(base, tmp / name, {part: data})


def zip_bomb(tmp: Path, gib: float = 1.1, declared: int | None = None) -> Path:
    """A sheet part inflating to `gib` GiB of spaces inside <sheetData>, ~1 KiB per MiB."""
    base = openpyxl_workbook(tmp / "bomb-base.xlsx")
    parts = zip_members(base)
    sheet = parts.pop("xl/worksheets/sheet1.xml")
    cut = sheet.index(b"<sheetData>") + len(b"<sheetData>")
    bomb = inflating_member(
        "xl/worksheets/sheet1.xml", sheet[:cut], int(gib * 1024), sheet[cut:], declared
    )
    members = [deflated(n, d) for n, d in parts.items()] + [bomb]
    return write_zip(tmp / ("liar.xlsx" if declared else "bomb.xlsx"), members)


def truncated(tmp: Path) -> Path:
    data = openpyxl_workbook(tmp / "whole.xlsx").read_bytes()
    out = tmp / "truncated.xlsx"
    out.write_bytes(data[: len(data) // 2])
    return out


def traversal(tmp: Path) -> Path:
    base = openpyxl_workbook(tmp / "trav-base.xlsx")
    return rezip(base, tmp / "traversal.xlsx", {}, [deflated("../evil", b"x")])


def many_members(tmp: Path, count: int = 10_001) -> Path:
    base = openpyxl_workbook(tmp / "many-base.xlsx")
    extra = [stored(f"xl/media/m{i}.bin", b"") for i in range(count)]
    return rezip(base, tmp / "many.xlsx", {}, extra)


def docx(tmp: Path, name: str = "report.xlsx") -> Path:
    ctypes = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    doc = '<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body/></w:document>'
    return write_zip(
        tmp / name,
        [
            deflated("[Content_Types].xml", ctypes.encode()),
            deflated("word/document.xml", doc.encode()),
        ],
    )


def plain_zip(tmp: Path) -> Path:
    return write_zip(tmp / "archive.xlsx", [deflated("readme.txt", b"hello")])


def xlsm(tmp: Path) -> Path:
    base = openpyxl_workbook(tmp / "macro-base.xlsx")
    return rezip(base, tmp / "macro.xlsx", {"xl/vbaProject.bin": b"\0" * 64})


# --------------------------------------------------------------------------- text formats

HTML_TABLE = (
    "\ufeff  \r\n<html><head><meta charset='utf-8'></head><body><table><tr><td>项目</td>"
    "<td>金额</td></tr><tr><td>合计</td><td>100</td></tr></table></body></html>"
)
BARE_TABLE = "<table border=1><tr><td>项目</td><td>100</td></tr></table>"
EXCEL_2003_XML = (
    '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S">'
    '<Table><Row><Cell><Data ss:Type="Number">1</Data></Cell></Row></Table></Worksheet></Workbook>'
)
CSV = "项目,金额\n一般公共服务支出,100.00\n合计,100.00\n"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def text_file(tmp: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


# --------------------------------------------------------------------------- compound files

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def write_cfb(path: Path, streams: dict[str, bytes]) -> Path:
    """A version-3 compound file (512-byte sectors) holding `streams` at the root.

    Streams under 4096 bytes go to the mini stream, as Excel does; the directory is a
    right-leaning chain of siblings. Sector layout: FAT, directory, mini FAT, mini stream
    container, then the large streams.
    """
    small = {n: d for n, d in streams.items() if len(d) < 4096}
    minifat: list[int] = []
    container = b""
    starts: dict[str, int] = {}
    for name, data in small.items():
        count = max(1, -(-len(data) // 64))
        starts[name] = len(minifat)
        minifat += [*range(len(minifat) + 1, len(minifat) + count), ENDOFCHAIN]
        container += data.ljust(count * 64, b"\0")
    n_dir = -(-(len(streams) + 1) // 4)
    regions = [
        _pad(struct.pack(f"<{len(minifat)}I", *minifat)) if minifat else b"",
        _pad(container),
        *(_pad(d) for n, d in streams.items() if n not in small),
    ]
    n_fat = 1
    while n_fat * 128 < n_fat + n_dir + sum(len(r) // 512 for r in regions):
        n_fat += 1
    fat = [FATSECT] * n_fat
    fat += [*range(n_fat + 1, n_fat + n_dir), ENDOFCHAIN]
    region_starts = []
    for region in regions:
        region_starts.append(len(fat) if region else ENDOFCHAIN)
        count = len(region) // 512
        fat += [*range(len(fat) + 1, len(fat) + count), ENDOFCHAIN] if count else []
    fat += [FREESECT] * (n_fat * 128 - len(fat))
    big_starts = iter(region_starts[2:])
    root = _dir_entry("Root Entry", 5, region_starts[1], len(container), child=1)
    entries = [root]
    for i, (name, data) in enumerate(streams.items(), start=1):
        start = starts[name] if name in small else next(big_starts)
        right = i + 1 if i < len(streams) else NOSTREAM
        entries.append(_dir_entry(name, 2, start, len(data), right=right))
    entries += [_unused_entry()] * (n_dir * 4 - len(entries))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,  # minor version
        3,  # major version: 512-byte sectors
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        n_fat,
        n_fat,  # first directory sector
        0,
        4096,
        region_starts[0],  # first mini FAT sector
        len(regions[0]) // 512,
        ENDOFCHAIN,  # no extra DIFAT sectors
        0,
    )
    header += struct.pack("<109I", *(list(range(n_fat)) + [FREESECT] * (109 - n_fat)))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    path.write_bytes(header + fat_bytes + b"".join(entries) + b"".join(regions))
    return path


def _pad(data: bytes) -> bytes:
    return data.ljust(-(-len(data) // 512) * 512, b"\0")


def _dir_entry(
    name: str, kind: int, start: int, size: int, right: int = NOSTREAM, child: int = NOSTREAM
) -> bytes:
    raw_name = (name + "\0").encode("utf-16-le")
    head = raw_name.ljust(64, b"\0") + struct.pack(
        "<HBBIII", len(raw_name), kind, 1, NOSTREAM, right, child
    )
    return head + b"\0" * 36 + struct.pack("<IQ", start, size)


def _unused_entry() -> bytes:
    return b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 48


def encrypted_ooxml(tmp: Path, name: str = "locked.xlsx") -> Path:
    """What Excel writes for a workbook with an opening password: OLE, not zip."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    package = struct.pack("<Q", 1000) + bytes(range(256)) * 8
    return write_cfb(tmp / name, {"EncryptionInfo": info, "EncryptedPackage": package})


def ole_word(tmp: Path) -> Path:
    return write_cfb(tmp / "old.xls", {"WordDocument": b"\xec\xa5" + b"\0" * 600})


def xlwt_workbook(path: Path) -> Path:
    """An .xls with numbers, never-calculated formulas and #REF!/#DIV/0! error cells."""
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("收支总表")
    ws.write(0, 0, 1)
    ws.write(0, 1, 2)
    ws.write(1, 0, xlwt.Formula("A1+B1"))
    ws.row(2).set_cell_error(0, "#REF!")
    ws.row(2).set_cell_error(1, "#DIV/0!")
    wb.add_sheet("Other").write(0, 0, "x")
    wb.save(str(path))
    return path


def xls_with_filepass(tmp: Path) -> Path:
    """An xlwt workbook with a FILEPASS (RC4) record inserted: BIFF encryption."""
    from budgetcheck.loading.opening import biff_records, workbook_stream

    data = workbook_stream(xlwt_workbook(tmp / "plain.xls"))
    first_bof_end = next(off + 4 + len(p) for off, t, p in biff_records(data) if t == 0x0809)
    filepass = struct.pack("<HH", 0x002F, 54) + struct.pack("<HHH", 1, 1, 1) + b"\x11" * 48
    out = bytearray(data[:first_bof_end] + filepass + data[first_bof_end:])
    for off, rtype, _payload in biff_records(bytes(out)):
        if rtype == 0x0085:  # BOUNDSHEET: sheet offsets moved by the inserted record
            (pos,) = struct.unpack_from("<I", out, off + 4)
            struct.pack_into("<I", out, off + 4, pos + len(filepass))
        if rtype == 0x000A:
            break
    return write_cfb(tmp / "encrypted.xls", {"Workbook": bytes(out)})


def xls_with_huge_dimensions(tmp: Path) -> Path:
    """A DIMENSIONS record claiming ~1.9 billion rows: calamine would abort allocating it."""
    from budgetcheck.loading.opening import biff_records, workbook_stream

    data = bytearray(workbook_stream(xlwt_workbook(tmp / "plain.xls")))
    for off, rtype, _payload in biff_records(bytes(data)):
        if rtype == 0x0200:
            struct.pack_into("<I", data, off + 8, 0x71000003)
            break
    return write_cfb(tmp / "huge.xls", {"Workbook": bytes(data)})


# --------------------------------------------------------------------------- ods


def ods(tmp: Path, name: str = "book.ods") -> Path:
    """An OpenDocument spreadsheet with a value, an uncalculated formula and an error."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{office}" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="表一">'
        '<table:table-row><table:table-cell office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell>"
        '<table:table-cell table:number-columns-repeated="2"/>'
        '<table:table-cell table:formula="of:=SUM([.A1:.A1])"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="3"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell table:formula="of:=1/0" office:value-type="float" '
        'office:value="0" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>'
        "</table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    return write_zip(
        tmp / name,
        [
            stored("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            deflated("META-INF/manifest.xml", manifest.encode()),
            deflated("content.xml", content.encode()),
        ],
    )


def sha256(path: Path) -> str:
    # builtins.open, not Path.open: a test may patch the latter to emulate missing permission
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
