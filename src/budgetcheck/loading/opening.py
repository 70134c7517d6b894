"""Open a workbook safely: check the path, sniff the real format, refuse hostile containers.

Nothing here trusts the file name. The format is decided by the first bytes and, for zip and
OLE containers, by the member or stream names. Every failure a user can cause becomes one
InputError sentence in Chinese and English that names the problem and the fix; the file is
only ever opened for reading.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple, TypeGuard, cast

from budgetcheck import regex
from budgetcheck.errors import InputError

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MIB

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ODS_MIMETYPES = (
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.spreadsheet-template",
)
# A well-formed XML prolog (declaration, comments, DTD) is tiny; a part whose first 64 KiB
# contain no root element is treated like one with a DTD.
PROLOG_SCAN_BYTES = 64 * 1024
HEAD_BYTES = 8192
# What zipfile raises on damaged archives: unsupported methods and versions are "damaged" too.
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError)


class ZipLimits(NamedTuple):
    """Limits checked on zip headers before any reader inflates a member."""

    # NamedTuples here rather than frozen dataclasses: a class costs ~0.1 ms at import, not ~0.5.

    max_total_uncompressed: int = 500 * MIB
    max_ratio: int = 200  # a member is a bomb when it beats this ratio ...
    ratio_min_bytes: int = 10 * MIB  # ... and inflates to more than this
    max_members: int = 10_000


DEFAULT_ZIP_LIMITS = ZipLimits()


# --------------------------------------------------------------------------- messages


def _size(n: int) -> str:
    """A byte count for people: '52.4', '980 KB', '1000 B' (same in both languages)."""
    if n >= MIB:
        return f"{n / MIB:.1f} MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} B"


def corrupt_error(path: Path, detail: str) -> InputError:
    return InputError(
        f"“{path.name}”已损坏或不完整（{detail}），请重新下载或从原始文件重新导出后再检查。",
        f'"{path.name}" is damaged or incomplete ({detail}); download or export it again '
        "and check the new copy.",
    )


def password_error(path: Path) -> InputError:
    return InputError(
        f"“{path.name}”工作簿设有打开密码，无法读取；"
        "请在 Excel 或 WPS 中取消密码后另存为 .xlsx 再检查。",
        f'"{path.name}" is protected with an opening password; remove the password in Excel or '
        "WPS, save it as .xlsx and check again.",
    )


def resave_error(path: Path, what_zh: str, what_en: str) -> InputError:
    return InputError(
        f"“{path.name}”是{what_zh}，不是 Excel 工作簿；请在 Excel 中打开后另存为 .xlsx 再检查。",
        f'"{path.name}" is {what_en}, not an Excel workbook; open it in Excel, save it as .xlsx '
        "and check again.",
    )


def unsafe_xml_error(path: Path, member: str) -> InputError:
    return InputError(
        f"“{path.name}”的部件“{member}”包含不安全的 XML 实体定义（DOCTYPE/ENTITY），已拒绝读取；"
        "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再检查。",
        f'Part "{member}" of "{path.name}" contains unsafe XML entity definitions '
        "(DOCTYPE/ENTITY) and was refused; open the file in Excel or WPS, save it as .xlsx "
        "and check again.",
    )


def _zip_bomb_error(path: Path, detail_zh: str, detail_en: str) -> InputError:
    return InputError(
        f"“{path.name}”{detail_zh}，疑似压缩炸弹，已拒绝读取；请从原始来源重新导出工作簿后再检查。",
        f'"{path.name}" {detail_en}, which looks like a zip bomb and was refused; export the '
        "workbook again from its source and check the new copy.",
    )


# A sheet larger than any budget disclosure is refused before a reader builds its grid: calamine
# allocates the whole used range at once (an allocation failure aborts the process) and every
# later stage is linear in the cells. The limits grow with --max-size.
ROWS_PER_MIB = 1_000  # 50,000 rows per sheet at the default 50 MB (real tables: < 2,000)
CELLS_PER_MIB = 50_000  # 2.5 million cells (rows x columns of the used range) at 50 MB
MAX_CELL_CHARS = 32_767  # Excel's own limit for the text of one cell
# isinstance(value, str) as a C function of one argument (for `filter`, without a lambda)
_is_str = cast("Callable[[object], TypeGuard[str]]", str.__instancecheck__)


def sheet_limits(max_bytes: int) -> tuple[int, int]:
    """(rows, cells) a sheet may span when files may be `max_bytes` large."""
    mib = max_bytes / MIB
    return max(int(mib * ROWS_PER_MIB), 1), max(int(mib * CELLS_PER_MIB), 1)


def sheet_too_large_error(
    path: Path, sheet_zh: str, sheet_en: str, rows: int, cols: int, max_bytes: int
) -> InputError:
    max_rows, max_cells = sheet_limits(max_bytes)
    return InputError(
        f"“{path.name}”的{sheet_zh}数据区域达 {rows:,} 行 × {cols:,} 列，超过每张工作表 "
        f"{max_rows:,} 行、{max_cells:,} 个单元格的上限，不像是预算公开表格；"
        f"如确需检查，请用 --max-size 调高上限（每 MB 对应 {ROWS_PER_MIB} 行）。",
        f'{sheet_en} of "{path.name}" spans {rows:,} rows x {cols:,} columns, more than the '
        f"limit of {max_rows:,} rows and {max_cells:,} cells per sheet for a budget disclosure; "
        f"raise the limit with --max-size if you really need to check it ({ROWS_PER_MIB} rows "
        "per MB).",
    )


def check_sheet_size(path: Path, name: str, rows: int, cols: int, max_bytes: int) -> None:
    """Refuse a sheet of `rows` x `cols` beyond the limits for `max_bytes`."""
    max_rows, max_cells = sheet_limits(max_bytes)
    if rows > max_rows or rows * cols > max_cells:
        raise sheet_too_large_error(
            path, f"工作表“{name}”", f'Sheet "{name}"', rows, cols, max_bytes
        )


def check_cell_text(path: Path, sheet: str, cells: list[list[object]]) -> None:
    """Refuse a sheet with a cell longer than Excel allows: Excel did not save it, and every
    text stage would pay its length again and again."""
    # The longest text first, with C-level iterators only (a Python loop costs ~60 ns a cell);
    # the cells are walked one by one only to name one that is too long.
    longest = max(map(len, filter(_is_str, chain.from_iterable(cells))), default=0)
    if longest <= MAX_CELL_CHARS:
        return
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                from budgetcheck.model import column_letters

                ref = f"{sheet}!{column_letters(c)}{r + 1}"
                raise InputError(
                    f"“{path.name}”的单元格 {ref} 有 {len(value):,} 个字符，超过 Excel 单元格 "
                    f"{MAX_CELL_CHARS:,} 个字符的上限，文件不是 Excel 保存的或已损坏；"
                    "请在 Excel 或 WPS 中打开、删去多余内容并另存后再检查。",
                    f'Cell {ref} of "{path.name}" holds {len(value):,} characters, more than the '
                    f"{MAX_CELL_CHARS:,} an Excel cell can hold, so Excel did not save it this way "
                    "or it is damaged; open it in Excel or WPS, remove the excess text, save it "
                    "and check again.",
                )


# --------------------------------------------------------------------------- path checks


def _check_path(path: Path, max_bytes: int) -> None:
    """Refuse anything that is not a readable, non-empty regular file of sensible size."""
    try:
        link = path.lstat()
    except FileNotFoundError:
        raise InputError(
            f"找不到文件“{path}”，请检查路径和文件名是否正确。",
            f'File "{path}" does not exist; check the path and the file name.',
        ) from None
    except OSError as exc:
        raise _os_error(path, exc) from None
    try:
        info = path.stat()
    except FileNotFoundError:
        if stat.S_ISLNK(link.st_mode):
            raise InputError(
                f"“{path}”是指向不存在文件的符号链接（快捷方式），请改为指定实际的工作簿文件。",
                f'"{path}" is a symbolic link to a file that does not exist; give the path of '
                "the actual workbook instead.",
            ) from None
        raise
    except OSError as exc:
        raise _os_error(path, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(
            f"“{path}”是文件夹而不是文件，请指定其中的工作簿文件（.xlsx 或 .xls）。",
            f'"{path}" is a folder, not a file; give the path of a workbook (.xlsx or .xls) '
            "inside it.",
        )
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"“{path}”不是普通文件（可能是设备或管道），请指定保存在磁盘上的工作簿文件。",
            f'"{path}" is not a regular file (perhaps a device or a pipe); give the path of a '
            "workbook saved on disk.",
        )
    if info.st_size == 0:
        raise InputError(
            f"“{path.name}”是空文件（0 字节），请重新导出或下载该工作簿。",
            f'"{path.name}" is empty (0 bytes); export or download the workbook again.',
        )
    if info.st_size > max_bytes:
        raise InputError(
            f"“{path.name}”大小为 {_size(info.st_size)}，超过 {_size(max_bytes)} 的上限；"
            "如确需检查，请用 --max-size 调高上限。",
            f'"{path.name}" is {_size(info.st_size)}, more than the {_size(max_bytes)} limit; '
            "raise the limit with --max-size if you really need to check it.",
        )


def _os_error(path: Path, exc: OSError) -> InputError:
    if isinstance(exc, PermissionError):
        return InputError(
            f"没有读取“{path}”的权限，请修改文件权限或复制到有权限的位置后再检查。",
            f'No permission to read "{path}"; change its permissions or copy it somewhere '
            "readable and check again.",
        )
    reason = exc.strerror or type(exc).__name__
    return InputError(
        f"无法读取“{path}”（{reason}），请确认文件可以正常打开后再检查。",
        f'Cannot read "{path}" ({reason}); make sure the file can be opened and check again.',
    )


def _read_head(path: Path) -> tuple[bytes, bytes | None]:
    """The first HEAD_BYTES of the file, and the whole file when it is a zip of at most
    MAX_ZIP_READ_WHOLE bytes (read from memory then: `open_zip_file`)."""
    try:
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
            if not head.startswith(ZIP_MAGICS):
                return head, None
            size = os.fstat(f.fileno()).st_size
            if size > MAX_ZIP_READ_WHOLE:
                return head, None
            return head, head + read_upto(f, MAX_ZIP_READ_WHOLE + 1 - len(head), size - len(head))
    except OSError as exc:
        raise _os_error(path, exc) from None


# --------------------------------------------------------------------------- sniffing


def sniff_format(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    opened: list[zipfile.ZipFile] | None = None,
) -> str:
    """The real format of `path`: 'xlsx', 'xlsm', 'xls', 'et' or 'ods'; else an InputError.

    With `opened`, a zip read to tell its format is left open and appended to it (the caller
    closes it), so that the checks that follow need not read its central directory again.
    """
    path = Path(path)
    _check_path(path, max_bytes)
    head, whole = _read_head(path)
    if head.startswith(ZIP_MAGICS):
        return _sniff_zip(path, opened, whole)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(path)
    raise _not_a_workbook(path, head)


def _not_a_workbook(path: Path, head: bytes) -> InputError:
    """The error for a file that is neither a zip nor an OLE container."""
    if b"%PDF-" in head[:1024]:
        return InputError(
            f"“{path.name}”是 PDF 文件而不是电子表格，请提供 Excel 工作簿（.xlsx 或 .xls）。",
            f'"{path.name}" is a PDF document, not a spreadsheet; provide the Excel workbook '
            "(.xlsx or .xls).",
        )
    text = _as_text(head)
    if text is None:
        return InputError(
            f"“{path.name}”不是可识别的电子表格格式，请提供 .xlsx、.xls 或 .ods 格式的工作簿。",
            f'"{path.name}" is not in a spreadsheet format we recognise; provide an .xlsx, .xls '
            "or .ods workbook.",
        )
    # Web exports often start with a BOM (sometimes doubled) and blank lines.
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    office_xml = "urn:schemas-microsoft-com:office:spreadsheet" in lowered
    if lowered.startswith("<?xml") and (office_xml or "excel.sheet" in lowered[:300]):
        return resave_error(path, "Excel 2003 XML 表格", "an Excel 2003 XML spreadsheet")
    if _looks_like_html(lowered):
        return resave_error(
            path,
            "网页（HTML）格式（常见于业务系统导出的“.xls”）",
            "a web page (HTML), as many web systems export under an .xls name",
        )
    if lowered.startswith("<?xml"):
        return resave_error(path, "XML 文件", "an XML file")
    return resave_error(path, "纯文本文件（如 CSV）", "a plain-text file (such as CSV)")


def _looks_like_html(lowered: str) -> bool:
    starts = ("<!doctype", "<html", "<table", "<head", "<body", "<meta", "<style", "<div")
    if lowered.startswith(starts) or lowered.startswith("mime-version:"):
        return True
    return lowered.startswith("<") and ("<html" in lowered or "<table" in lowered)


def _as_text(head: bytes) -> str | None:
    """Decode the head of a text file (UTF-8/16 with or without BOM, GB18030); None if binary."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore")
    if head[:2] in (b"<\x00", b"\x00<"):
        return head.decode("utf-16-le" if head[0] else "utf-16-be", errors="ignore")
    if b"\x00" in head:
        return None
    for codec in ("utf-8", "gb18030"):
        try:
            # The head may end inside a multi-byte character: drop up to 3 trailing bytes.
            return codecs.getincrementaldecoder(codec)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
    return None


def _sniff_zip(
    path: Path, opened: list[zipfile.ZipFile] | None = None, whole: bytes | None = None
) -> str:
    """`whole`: the file's bytes, when `_read_head` read them all."""
    try:
        zf = open_zip_file(path) if whole is None else zipfile.ZipFile(io.BytesIO(whole))
        try:
            fmt = _classify_zip(path, zf)
        except BaseException:
            zf.close()
            raise
    except ZIP_ERRORS as exc:
        raise corrupt_error(path, f"zip: {exc}") from None
    if opened is None:
        zf.close()
    else:
        opened.append(zf)
    return fmt


def _classify_zip(path: Path, zf: zipfile.ZipFile) -> str:
    names = set(zf.namelist())
    if "mimetype" in names:
        mimetype = read_member(path, zf, "mimetype", cap=256).decode("ascii", "replace").strip()
        if mimetype in ODS_MIMETYPES:
            return "ods"
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            raise resave_error(
                path,
                "OpenDocument 文档（非表格）",
                "an OpenDocument file that is not a spreadsheet",
            )
    if "xl/workbook.xml" in names:
        if "xl/vbaProject.bin" in names:
            return "xlsm"
        types = (
            read_member(path, zf, "[Content_Types].xml", cap=4 * MIB)
            if ("[Content_Types].xml" in names)
            else b""
        )
        return "xlsm" if b"macroenabled" in types.lower() else "xlsx"
    if "xl/workbook.bin" in names:
        raise resave_error(path, "二进制工作簿（.xlsb）", "a binary workbook (.xlsb)")
    if "word/document.xml" in names:
        raise InputError(
            f"“{path.name}”是 Word 文档而不是工作簿；说明文字请用 --narrative 选项传入，"
            "表格请提供 .xlsx 或 .xls 文件。",
            f'"{path.name}" is a Word document, not a workbook; pass narrative text with '
            "--narrative and give the tables as an .xlsx or .xls file.",
        )
    if "ppt/presentation.xml" in names:
        raise resave_error(path, "PowerPoint 演示文稿", "a PowerPoint presentation")
    if "[Content_Types].xml" in names:
        raise corrupt_error(path, "Office package without xl/workbook.xml")
    raise InputError(
        f"“{path.name}”是普通压缩包而不是工作簿，请解压后指定其中的 .xlsx 或 .xls 文件。",
        f'"{path.name}" is an ordinary zip archive, not a workbook; unzip it and give the '
        ".xlsx or .xls file inside.",
    )


def _sniff_ole(path: Path) -> str:
    try:
        with path.open("rb") as f:
            names = {entry.name for entry in CompoundFile(f).entries if entry.kind == 2}
    except CfbError as exc:
        raise corrupt_error(path, f"OLE: {exc}") from None
    except OSError as exc:
        raise _os_error(path, exc) from None
    if {"EncryptionInfo", "EncryptedPackage"} <= names:
        raise password_error(path)
    if names & {"Workbook", "Book"}:
        return "et" if path.suffix.lower() == ".et" else "xls"
    if "WordDocument" in names:
        raise InputError(
            f"“{path.name}”是旧版 Word 文档（.doc）而不是工作簿；说明文字请另存为 .docx 后用 "
            "--narrative 选项传入。",
            f'"{path.name}" is an old Word document (.doc), not a workbook; save narrative text '
            "as .docx and pass it with --narrative.",
        )
    raise resave_error(
        path,
        "不含工作表的 Office 旧格式文件",
        "an old-format Office file without a workbook stream",
    )


# --------------------------------------------------------------------------- OLE / CFB


class CfbError(Exception):
    """The compound file structure is broken (turned into an InputError by callers)."""


FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE


class CfbEntry(NamedTuple):
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


class CompoundFile:
    """A minimal reader of the Compound File Binary format ([MS-CFB]); enough to list streams
    and read one. Every chain walk is bounded by the sector count so loops cannot hang us."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        f.seek(0, os.SEEK_END)
        self._file_size = f.tell()
        header = self._read_at(0, 512)
        if len(header) < 512 or not header.startswith(OLE_MAGIC):
            raise CfbError("header too short")
        shift, mini_shift = struct.unpack_from("<HH", header, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise CfbError("bad sector size")
        self._sector = 1 << shift
        self._max_sectors = self._file_size // self._sector + 1
        (n_fat, first_dir, _, self._mini_cutoff, first_minifat, _, first_difat, n_difat) = (
            struct.unpack_from("<IIIIIIII", header, 0x2C)
        )
        self._fat = self._read_fat(header, n_fat, first_difat, n_difat)
        self.entries = self._read_directory(first_dir)
        root = self.entries[0] if self.entries else None
        if root is None or root.kind != 5:
            raise CfbError("no root entry")
        self._minifat: list[int] | None = None
        self._first_minifat = first_minifat
        self._root = root

    def _read_at(self, offset: int, size: int) -> bytes:
        self._f.seek(offset)
        return self._f.read(size)

    def _sector_data(self, sector: int) -> bytes:
        if sector >= self._max_sectors:
            raise CfbError(f"sector {sector} beyond end of file")
        data = self._read_at((sector + 1) * self._sector, self._sector)
        if len(data) < self._sector:
            raise CfbError("truncated sector")
        return data

    def _read_fat(self, header: bytes, n_fat: int, first_difat: int, n_difat: int) -> list[int]:
        if n_fat > self._max_sectors:
            raise CfbError("FAT larger than the file")
        difat = list(struct.unpack_from("<109I", header, 0x4C))
        sector, per = first_difat, self._sector // 4 - 1
        for _ in range(min(n_difat, self._max_sectors)):
            if sector in (FREESECT, ENDOFCHAIN):
                break
            values = struct.unpack(f"<{per + 1}I", self._sector_data(sector))
            difat.extend(values[:per])
            sector = values[per]
        fat: list[int] = []
        for fat_sector in difat[:n_fat]:
            data = self._sector_data(fat_sector)
            fat.extend(struct.unpack(f"<{self._sector // 4}I", data))
        return fat

    def _chain(self, start: int, table: list[int]) -> Iterator[int]:
        sector, steps = start, 0
        while sector not in (ENDOFCHAIN, FREESECT):
            if sector >= len(table) or steps > len(table):
                raise CfbError("broken sector chain")
            yield sector
            sector, steps = table[sector], steps + 1

    def _read_directory(self, first_dir: int) -> list[CfbEntry]:
        entries: list[CfbEntry] = []
        for sector in self._chain(first_dir, self._fat):
            data = self._sector_data(sector)
            for off in range(0, self._sector, 128):
                entries.append(_parse_entry(data[off : off + 128], self._sector == 512))
        return entries

    def stream(self, name: str, cap: int) -> bytes:
        """The bytes of the first stream called `name` (at most `cap` bytes)."""
        entry = next((e for e in self.entries if e.kind == 2 and e.name == name), None)
        if entry is None:
            raise CfbError(f"no stream {name}")
        size = min(entry.size, cap)
        if entry.size < self._mini_cutoff:
            return self._mini_stream(entry.start, size)
        parts = []
        for sector in self._chain(entry.start, self._fat):
            parts.append(self._sector_data(sector))
            if len(parts) * self._sector >= size:
                break
        return b"".join(parts)[:size]

    def _mini_stream(self, start: int, size: int) -> bytes:
        if self._minifat is None:
            raw = b"".join(
                self._sector_data(s) for s in self._chain(self._first_minifat, self._fat)
            )
            self._minifat = list(struct.unpack(f"<{len(raw) // 4}I", raw))
        container = self.stream_of_root()
        parts = []
        for mini in self._chain(start, self._minifat):
            parts.append(container[mini * 64 : (mini + 1) * 64])
            if len(parts) * 64 >= size:
                break
        return b"".join(parts)[:size]

    def stream_of_root(self) -> bytes:
        parts = [self._sector_data(s) for s in self._chain(self._root.start, self._fat)]
        return b"".join(parts)[: self._root.size]


def _parse_entry(raw: bytes, version3: bool) -> CfbEntry:
    name_len = min(struct.unpack_from("<H", raw, 64)[0], 64)
    name = raw[: max(name_len - 2, 0)].decode("utf-16-le", errors="replace")
    kind = raw[66]
    start = struct.unpack_from("<I", raw, 116)[0]
    size = struct.unpack_from("<Q", raw, 120)[0]
    if version3:
        size &= 0xFFFFFFFF  # version 3 files may leave garbage in the high dword
    return CfbEntry(name, kind, start, size)


# --------------------------------------------------------------------------- zip safety


def check_zip_safety(
    path: Path,
    limits: ZipLimits = DEFAULT_ZIP_LIMITS,
    *,
    held: dict[str, bytes] | None = None,
    zf: zipfile.ZipFile | None = None,
) -> None:
    """Refuse zip bombs, path traversal, encrypted members and XML parts with a DTD.

    Sizes come from the central directory; a member whose real inflated size exceeds its
    declared size is caught by the readers themselves (both Python's zipfile and calamine stop
    there) and by the chunked, capped reads in `read_member`.

    With `held`, the XML parts read whole here (shorter than the prolog scan, CRC checked) are
    kept in it by name, up to MAX_HELD_HEADS bytes in all, so that a later pass need not inflate
    them again: `zf.open(name)` gives the same bytes every time. `zf`: the zip at `path`,
    already open (see `sniff_format`); it is left open.
    """
    path = Path(path)
    kept = 0
    try:
        with open_zip(path, zf) as zf:
            infos = zf.infolist()
            _check_zip_headers(path, infos, limits)
            for info in infos:
                if _is_xml_part(info.filename):
                    head = read_member(
                        path, zf, info.filename, cap=PROLOG_SCAN_BYTES, truncate=True
                    )
                    if has_dtd(head):
                        raise unsafe_xml_error(path, info.filename)
                    whole = len(head) < PROLOG_SCAN_BYTES
                    if held is not None and whole and kept + len(head) <= MAX_HELD_HEADS:
                        held[info.filename] = head
                        kept += len(head)
    except ZIP_ERRORS as exc:
        raise corrupt_error(path, f"zip: {exc}") from None


MAX_HELD_HEADS = 16 * MIB  # what check_zip_safety keeps of the parts it read whole

# A zip up to this size is read whole once and its small parts inflated straight from those
# bytes: for the ~20 parts of a workbook, zipfile's machinery per member (a local header read,
# a ZipExtFile, chunked reads) costs several times the inflation itself.
MAX_ZIP_READ_WHOLE = 8 * MIB
_LOCAL_HEADER = struct.Struct(zipfile.structFileHeader)  # type: ignore[attr-defined]
# Flag bits zipfile reads differently or refuses: encrypted, compressed patched data, strong
# encryption.
_UNPLAIN_FLAGS = 0x01 | 0x20 | 0x40


def open_zip_file(path: Path) -> zipfile.ZipFile:
    """`zipfile.ZipFile(path)`; a file of at most MAX_ZIP_READ_WHOLE bytes is read whole first
    and the zip opened from memory (`plain_member`). zipfile reads both the same way."""
    with open(os.fspath(path), "rb") as f:  # as zipfile opens it, for the same OSError
        size = os.fstat(f.fileno()).st_size
        if size > MAX_ZIP_READ_WHOLE:
            return zipfile.ZipFile(path)
        data = read_upto(f, MAX_ZIP_READ_WHOLE + 1, size)
    return zipfile.ZipFile(io.BytesIO(data))


def read_upto(f: IO[bytes], limit: int, expected: int) -> bytes:
    """`f.read(limit)` from a file expected to hold `expected` more bytes. A buffered read
    allocates all `limit` bytes before it reads (8 MB for MAX_ZIP_READ_WHOLE, ~40 us of page
    faults for a 30 KB workbook): ask for what the file holds, plus one byte to see whether it
    grew since, and read on to `limit` only when it did."""
    ask = min(limit, max(expected, 0) + 1)
    data = f.read(ask)
    if len(data) < ask or ask == limit:
        return data  # the end of the file, or `limit` bytes: what f.read(limit) gives
    return data + f.read(limit - ask)


def zip_bytes(zf: zipfile.ZipFile) -> bytes | None:
    """The whole zip file of a `zf` opened from memory (`open_zip_file`), else None."""
    fp = zf.fp
    return fp.getvalue() if isinstance(fp, io.BytesIO) else None  # the bytes, not a copy


def plain_member(zf: zipfile.ZipFile, data: bytes | None, info: zipfile.ZipInfo) -> bytes | None:
    """What `zf.open(info).read()` gives, inflated from `data` (the whole zip file, see
    `zip_bytes`), when the member is the plain case: its local header names it as the central
    directory does, it is stored or deflated, and it inflates to exactly its declared size with
    its declared CRC. Otherwise None, and the caller reads it through zipfile, which then gives
    the same bytes or fails in its own words. Never inflates more than the declared size + 1."""
    if (
        data is None
        or info.flag_bits & _UNPLAIN_FLAGS
        or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    ):
        return None
    offset = info.header_offset
    if offset < 0 or len(data) < offset + _LOCAL_HEADER.size:
        return None
    fields = _LOCAL_HEADER.unpack_from(data, offset)
    if fields[0] != b"PK\x03\x04":
        return None
    start = offset + _LOCAL_HEADER.size
    raw_name = data[start : start + fields[10]]
    try:
        # As zipfile decodes it (`metadata_encoding` is new in 3.11, unknown to the stubs).
        encoding = getattr(zf, "metadata_encoding", None) or "cp437"
        name = raw_name.decode("utf-8" if fields[3] & 0x800 else encoding)
    except UnicodeDecodeError:
        return None
    if name != info.orig_filename:
        return None
    start += fields[10] + fields[11]
    packed = data[start : start + info.compress_size]
    if len(packed) != info.compress_size:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            return None
        out = packed
    else:
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(packed, info.file_size + 1)
        except zlib.error:
            return None
        if not inflater.eof or len(out) != info.file_size:
            return None
    return out if zlib.crc32(out) == info.CRC else None


def open_zip(
    path: Path, zf: zipfile.ZipFile | None
) -> zipfile.ZipFile | contextlib.nullcontext[zipfile.ZipFile]:
    """`zipfile.ZipFile(path)` to use in a `with`; a zip already open stays open after it."""
    return open_zip_file(path) if zf is None else contextlib.nullcontext(zf)


def _check_zip_headers(path: Path, infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    if len(infos) > limits.max_members:
        raise _zip_bomb_error(
            path,
            f"包含 {len(infos)} 个压缩成员，超过 {limits.max_members} 个的上限",
            f"has {len(infos)} zip members, more than the limit of {limits.max_members}",
        )
    total = 0
    for info in infos:
        _check_member_name(path, info.filename)
        if info.flag_bits & 0x1:
            raise password_error(path)
        total += info.file_size
        if info.file_size > limits.ratio_min_bytes and (
            info.compress_size == 0 or info.file_size > limits.max_ratio * info.compress_size
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _zip_bomb_error(
                path,
                f"的成员“{info.filename}”压缩比达 {ratio}:1（解压后 {_size(info.file_size)}）",
                f'has member "{info.filename}" with a {ratio}:1 compression ratio '
                f"({_size(info.file_size)} inflated)",
            )
    if total > limits.max_total_uncompressed:
        raise _zip_bomb_error(
            path,
            f"解压后共 {_size(total)}，超过 {_size(limits.max_total_uncompressed)} 的上限",
            f"inflates to {_size(total)} in total, more than the "
            f"{_size(limits.max_total_uncompressed)} limit",
        )


_NAME_SEPARATOR = regex.compile(r"[\\/]")
_DRIVE = regex.compile(r"^[A-Za-z]:")


def _check_member_name(path: Path, name: str) -> None:
    parts = _NAME_SEPARATOR.split(name)
    if name.startswith(("/", "\\")) or ".." in parts or _DRIVE.match(name):
        raise InputError(
            f"“{path.name}”内含不安全的成员路径“{name}”，已拒绝读取；请从原始来源重新导出工作簿后再检查。",
            f'"{path.name}" contains an unsafe member path "{name}" and was refused; export the '
            "workbook again from its source and check the new copy.",
        )


def _is_xml_part(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def read_member(
    path: Path, zf: zipfile.ZipFile, name: str, *, cap: int, truncate: bool = False
) -> bytes:
    """Inflate one member in chunks, never holding more than `cap` bytes.

    With `truncate` the first `cap` bytes are returned; otherwise a larger member is refused.
    A member of at most `cap` bytes of a zip opened from memory is inflated in one go when it is
    plain (`plain_member`): zipfile would give the same bytes, whole and CRC-checked.
    """
    info = zf.getinfo(name)
    if info.file_size <= cap:
        data = plain_member(zf, zip_bytes(zf), info)
        if data is not None:
            return data
    parts: list[bytes] = []
    size = 0
    for chunk in iter_member(path, zf, name, cap=None if truncate else cap):
        parts.append(chunk)
        size += len(chunk)
        if size >= cap:
            break
    return b"".join(parts)[:cap]


def read_held(
    path: Path, zf: zipfile.ZipFile, name: str, *, cap: int, held: dict[str, bytes] | None
) -> bytes:
    """`read_member(path, zf, name, cap=cap)`, taken from `held` when `check_zip_safety` kept
    the member whole (it refused encrypted members before keeping any)."""
    data = held.get(name) if held is not None else None
    if data is None:
        return read_member(path, zf, name, cap=cap)
    if len(data) > cap:
        raise member_too_large_error(path, name, cap)
    return data


def iter_member(
    path: Path, zf: zipfile.ZipFile, name: str, *, cap: int | None, chunk: int = 1 << 16
) -> Iterator[bytes]:
    """Yield the inflated member in chunks; refuse it once more than `cap` bytes came out.

    The running count guards against a central directory that under-states the size.
    """
    if zf.getinfo(name).flag_bits & 0x1:
        raise password_error(path)  # zipfile would raise RuntimeError asking for a password
    produced = 0
    with zf.open(name) as member:
        while data := member.read(chunk):
            produced += len(data)
            if cap is not None and produced > cap:
                raise member_too_large_error(path, name, cap)
            yield data


def member_too_large_error(path: Path, name: str, cap: int) -> InputError:
    return _zip_bomb_error(
        path,
        f"的成员“{name}”解压后超过 {_size(cap)}",
        f'has member "{name}" that inflates to more than {_size(cap)}',
    )


_DTD_RE = regex.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_RE = regex.compile(rb"<[A-Za-z_]")


def has_dtd(head: bytes) -> bool:
    """True when an XML part declares a DTD or entities, or hides its root element.

    Only the prolog can legally hold a DTD, so the bytes before the first element are enough.
    UTF-16 parts are folded to ASCII first so the check cannot be dodged by the encoding.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (
        b"<\x00",
        b"\x00<",
    ):
        head = head.replace(b"\x00", b"")
    # Every declaration starts `<!`: a part without `!` (nearly all) skips the search, and a
    # byte is found several times faster than the pattern.
    if b"!" in head and _DTD_RE.search(head):
        return True
    return len(head) >= PROLOG_SCAN_BYTES and _ROOT_RE.search(head) is None


# --------------------------------------------------------------------------- opening


def open_workbook(
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    limits: ZipLimits = DEFAULT_ZIP_LIMITS,
) -> tuple[CalamineWorkbook, str]:
    """Sniff, check and open `path` read-only with python-calamine.

    Returns (CalamineWorkbook, format). Every failure is an InputError.
    """
    path = Path(path)
    fmt = check_container(path, max_bytes, limits=limits)
    if fmt in ("xlsx", "xlsm"):
        check_xlsx_extents(path, max_bytes, limits)
    return calamine_open(path, fmt), fmt


def check_container(
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    limits: ZipLimits = DEFAULT_ZIP_LIMITS,
    held: dict[str, bytes] | None = None,
    opened: list[zipfile.ZipFile] | None = None,
) -> str:
    """The format of `path` once it passed every check of `open_workbook` but the extents of
    xlsx/xlsm sheets, which the caller checks (`check_xlsx_extents` or a pass of its own).
    `held`: see `check_zip_safety`; `opened`: see `sniff_format`."""
    fmt = sniff_format(path, max_bytes=max_bytes, opened=opened)
    if fmt in ("xlsx", "xlsm", "ods"):
        check_zip_safety(path, limits, held=held, zf=opened[0] if opened else None)
    else:
        check_biff_safety(path, max_bytes)
    return fmt


# An `r` attribute: whitespace, r, =, a quote, then a cell reference or a row number. The parts
# are searched with every whitespace byte turned into a space (`_SPACED`), so that each pattern
# starts with the literal " r", which `re` finds several times faster than `\s` followed by r.
_ROW_NUMBER = regex.compile(rb"""\x20r\x20*=\x20*["'][A-Z]{0,3}(\d{1,9})["']""")
_COLUMN_LETTERS = regex.compile(rb"""\x20r\x20*=\x20*["']([A-Z]{1,3})\d""")
_SPACED = bytes.maketrans(b"\t\n\r\f\v", b"     ")  # the bytes `\s` matches besides the space


def check_xlsx_extents(
    path: Path, max_bytes: int = DEFAULT_MAX_BYTES, limits: ZipLimits = DEFAULT_ZIP_LIMITS
) -> None:
    """Refuse a worksheet whose cells span more rows or cells than `sheet_limits` allows.

    The extent comes from the `r` attributes of rows and cells (what calamine sizes its grid
    from), not from the <dimension> element, which may say anything. Streaming and linear.
    """
    from budgetcheck.loading.ooxml import xlsx_sheets

    try:
        with zipfile.ZipFile(path) as zf:
            for name, member in xlsx_sheets(path, zf):
                rows, cols = _extent(path, zf, member, limits.max_total_uncompressed)
                check_sheet_size(path, name, rows, cols, max_bytes)
    except ZIP_ERRORS as exc:
        raise corrupt_error(path, f"zip: {exc}") from None


EXTENT_CHUNK = 1 << 20


def _extent(path: Path, zf: zipfile.ZipFile, member: str, cap: int) -> tuple[int, int]:
    return extent_of(iter_member(path, zf, member, cap=cap, chunk=EXTENT_CHUNK))


def extent_of(chunks: Iterable[bytes]) -> tuple[int, int]:
    """(rows, columns) spanned by the `r` attributes of a worksheet part given in chunks."""
    rows = cols = 0
    tail = b""
    for chunk in chunks:
        buf = tail + chunk
        cut = buf.rfind(b">") + 1  # an attribute never spans a '>': scan whole tags only
        if cut == 0 and len(buf) > 4096:
            cut = len(buf) - 64
        scanned, tail = buf[:cut].translate(_SPACED), buf[cut:]
        numbers = set(_ROW_NUMBER.findall(scanned))  # each row's number once, not once per cell
        if numbers:
            rows = max(rows, max(map(int, numbers)))
        letters = set(_COLUMN_LETTERS.findall(scanned))
        if letters:
            cols = max(cols, max(_column_number(c) for c in letters))
    return rows, cols


def extent_of_cells(
    data: bytes, prefix: bytes, cells: Sequence[tuple[bytes, bytes, bytes, bytes, bytes]]
) -> tuple[int, int] | None:
    """`extent_of([data])` from the cells the fast decimals pattern found in the worksheet part
    `data` (column letters and row digits first, see `formats.fast_cells`; `prefix`: the
    namespace prefix of its elements), or None when some `r` attribute lies elsewhere than in
    the start tags of those cells and of rows, and `extent_of` must decide.

    `extent_of` reads every `r` attribute up to the last `>`, whitespace turned into spaces. When
    no " r " is there, every match starts " r=": when these are as many as the cells and
    `<row r="N">` tags, they are all, and each gives what `extent_of` takes from it (a cell its
    letters and digits, a row its number).
    """
    cut = data.rfind(b">") + 1
    if cut == 0:
        return None
    # Whitespace other than the space is rare in a worksheet part: when there is none, the part
    # is what its translation would be, and is searched as it is (a byte is found with memchr).
    spaced = any(data.find(space, 0, cut) >= 0 for space in _OTHER_SPACES)
    scanned = data[:cut].translate(_SPACED) if spaced else data
    if scanned.find(b" r ", 0, cut) >= 0:
        return None
    numbers = _row_tags(prefix).findall(data, 0, cut)
    if scanned.count(b" r=", 0, cut) != len(cells) + len(numbers):
        return None
    numbers.extend(map(_DIGITS, cells))
    rows = max(map(int, set(numbers))) if numbers else 0
    letters = set(map(_LETTERS, cells))
    cols = max(map(_column_number, letters)) if letters else 0
    return rows, cols


_LETTERS, _DIGITS = itemgetter(0), itemgetter(1)  # of a cell from formats.fast_cells
_OTHER_SPACES = (b"\t", b"\n", b"\r", b"\f", b"\v")  # what `_SPACED` turns into spaces


@lru_cache(maxsize=64)
def _row_tags(prefix: bytes) -> re.Pattern[bytes]:
    """The number of each `<row r="N">` tag (possessive: 10 digits are no row number)."""
    return regex.compile(rb"<" + re.escape(prefix) + rb'row r="([0-9]{1,9}+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


_NATIVE_SUFFIX = {"xlsx": ".xlsx", "xlsm": ".xlsm", "xls": ".xls", "ods": ".ods"}


def calamine_open(path: Path, fmt: str) -> CalamineWorkbook:
    """Open `path` (checked before, in format `fmt`) with python-calamine."""
    import python_calamine

    try:
        if path.suffix.lower() == _NATIVE_SUFFIX.get(fmt):
            return python_calamine.CalamineWorkbook.from_path(str(path))
        with path.open("rb") as f:  # calamine copies the bytes, so the file can close now
            return python_calamine.CalamineWorkbook.from_filelike(f)
    except OSError as exc:
        raise _os_error(path, exc) from None
    except BaseException as exc:
        # pyo3 turns Rust panics into PanicException, a BaseException: a corrupt file, too.
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise calamine_error(path, fmt, exc) from None


def calamine_error(path: Path, fmt: str, exc: BaseException) -> InputError:
    """The InputError for an exception raised by python-calamine on `path`."""
    name = type(exc).__name__
    if name == "PasswordError" or (fmt in ("xls", "et") and xls_has_filepass(path)):
        return password_error(path)
    detail = f"{name}: {exc}".strip()
    if len(detail) > 160:
        detail = detail[:157] + "..."
    return InputError(
        f"“{path.name}”无法作为工作簿读取（{detail}），"
        "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再检查。",
        f'"{path.name}" cannot be read as a workbook ({detail}); open it in Excel or WPS, save '
        "it as .xlsx and check again.",
    )


# --------------------------------------------------------------------------- BIFF helpers

BIFF_BOF = 0x0809
BIFF_EOF = 0x000A
BIFF_FILEPASS = 0x002F
XLS_STREAM_CAP = 4 * DEFAULT_MAX_BYTES


def workbook_stream(path: Path) -> bytes:
    """The BIFF 'Workbook' (or BIFF5 'Book') stream of an OLE file."""
    try:
        with path.open("rb") as f:
            cfb = CompoundFile(f)
            names = {e.name for e in cfb.entries if e.kind == 2}
            name = "Workbook" if "Workbook" in names else "Book"
            return cfb.stream(name, XLS_STREAM_CAP)
    except CfbError as exc:
        raise corrupt_error(path, f"OLE: {exc}") from None
    except OSError as exc:
        raise _os_error(path, exc) from None


def biff_records(data: bytes, offset: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """Yield (offset, record type, payload) from `offset` until the data ends."""
    end = len(data)
    while offset + 4 <= end:
        rtype, length = struct.unpack_from("<HH", data, offset)
        yield offset, rtype, data[offset + 4 : offset + 4 + length]
        offset += 4 + length


def xls_has_filepass(path: Path) -> bool:
    """True when the workbook globals carry a FILEPASS record (BIFF encryption)."""
    try:
        data = workbook_stream(path)
    except InputError:
        return False
    for _, rtype, _payload in biff_records(data):
        if rtype == BIFF_FILEPASS:
            return True
        if rtype == BIFF_EOF:
            break
    return False


BIFF_DIMENSIONS = 0x0200
BIFF_BOUNDSHEET = 0x0085
# calamine allocates a whole sheet grid from the DIMENSIONS record before reading a cell, and
# an allocation failure aborts the process. BIFF8 sheets cannot exceed 65,536 x 256.
MAX_BIFF_ROWS = 65536
MAX_BIFF_COLS = 256


def check_biff_safety(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse an xls/et whose DIMENSIONS records claim more than a BIFF8 sheet can hold, or
    more than `sheet_limits(max_bytes)` allows."""
    data = workbook_stream(path)
    offsets = [0]
    for _, rtype, payload in biff_records(data):
        if rtype == BIFF_BOUNDSHEET and len(payload) >= 4:
            offsets.append(struct.unpack_from("<I", payload)[0])
        elif rtype == BIFF_EOF:
            break
    for number, offset in enumerate(offsets[1:], start=1):
        for _, rtype, payload in biff_records(data, offset):
            if rtype == BIFF_DIMENSIONS:
                rows, cols = _check_dimensions(path, payload)
                if rows * cols > sheet_limits(max_bytes)[1] or rows > sheet_limits(max_bytes)[0]:
                    raise sheet_too_large_error(
                        path, f"第 {number} 张工作表", f"Sheet {number}", rows, cols, max_bytes
                    )
            if rtype in (BIFF_DIMENSIONS, BIFF_EOF):
                break


def _check_dimensions(path: Path, payload: bytes) -> tuple[int, int]:
    """(rows, columns) of the used range; a range beyond BIFF8's limits is damage."""
    if len(payload) >= 12:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", payload)
    elif len(payload) >= 8:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", payload)
    else:
        raise corrupt_error(path, "BIFF: short DIMENSIONS record")
    if (
        last_row > MAX_BIFF_ROWS
        or last_col > MAX_BIFF_COLS
        or first_row > last_row
        or first_col > last_col
    ):
        raise corrupt_error(
            path, f"BIFF: sheet claims rows {first_row}-{last_row}, columns {first_col}-{last_col}"
        )
    return last_row, last_col  # DIMENSIONS stores the last row and column plus one
