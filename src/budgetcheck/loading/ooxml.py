"""Helpers shared by the streaming scans of zipped XML workbooks (xlsx/xlsm and ods).

No XML parser is involved: tags are found with byte-level regular expressions, so there is no
DTD or entity processing at all; only the five predefined entities and character references are
resolved in attribute values. Every part is inflated through `iter_member`/`read_member`
(running byte caps) and refused when its prolog declares a DTD.

Used by `integrity` (unreadable cells) and `formats` (displayed decimals).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator, Set
from functools import cache, lru_cache
from pathlib import Path

from budgetcheck import regex
from budgetcheck.loading.opening import (
    MIB,
    has_dtd,
    iter_member,
    member_too_large_error,
    read_held,
    unsafe_xml_error,
)

_PENDING_CAP = 4096  # a partial tag longer than this is not one of ours: drop it

_ATTR_RE = regex.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@cache
def _entity_re() -> re.Pattern[str]:
    # Compiled on first use: most workbooks never escape a character.
    return regex.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")


_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def attrs(raw: bytes) -> dict[str, str]:
    """Attributes of a start tag; qualified names kept as written (e.g. 'r:id')."""
    escaped = b"&" in raw  # most tags have no entity at all: skip resolving them
    found = {}
    for name, double, single in _ATTR_RE.findall(raw):
        # findall gives b"" for the quote style not used; the value is the other one.
        value = (double or single).decode("utf-8", "replace")
        found[name.decode("utf-8", "replace")] = unescape(value) if escaped else value
    return found


def unescape(text: str) -> str:
    """Resolve the five predefined entities and character references, nothing else."""

    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref.startswith("#"):
            code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
            return chr(code) if 0 < code <= 0x10FFFF else ""
        return _NAMED[ref]

    return _entity_re().sub(one, text)


_WORKSHEET_ROOT = regex.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>/]")


def worksheet_prefix(buf: bytes) -> bytes | None:
    """The namespace prefix of a worksheet part's elements (b"x:" for <x:worksheet>, b"" for
    none), None when `buf` holds no <worksheet> start tag."""
    m = _WORKSHEET_ROOT.search(buf)
    if m is None:
        return None
    return m.group(1) + b":" if m.group(1) else b""


def local_name(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def a1_col(ref: str) -> int | None:
    """0-based column of an A1 reference such as 'AB12' (None when malformed)."""
    col = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            col = col * 26 + ord(ch) - 64
        elif ch.isdigit():
            break
        else:
            return None
    return col - 1 if col else None


class TagStream:
    """Feed chunks, get (text before tag, closing, name, attrs, self_closing) per tag of interest.

    A tag split across chunks is carried over; text between tags is handed out as it comes so
    that memory stays bounded whatever the document size.
    """

    def __init__(self, tag_re: re.Pattern[bytes]) -> None:
        self._re = tag_re
        self._pending = b""

    def feed(self, chunk: bytes) -> Iterator[tuple[bytes, bool, bytes, bytes, bool]]:
        buf = self._pending + chunk
        pos = 0
        for m in self._re.finditer(buf):
            yield (
                buf[pos : m.start()],
                m.group(1) == b"/",
                m.group(2),
                m.group(3),
                m.group(4) == b"/",
            )
            pos = m.end()
        rest = buf[pos:]
        lt = rest.rfind(b"<")
        if lt >= 0 and b">" not in rest[lt:] and len(rest) - lt <= _PENDING_CAP:
            self._pending = rest[lt:]
            rest = rest[:lt]
        else:
            self._pending = b""
        if rest:
            yield rest, False, b"", b"", False  # trailing text, no tag


class InflateBudget:
    """The inflation allowance shared by all parts scanned in one workbook."""

    def __init__(self, path: Path, limit: int) -> None:
        self._path = path
        self._left = limit

    def stream(
        self, zf: zipfile.ZipFile, member: str, *, chunk_size: int = 1 << 18
    ) -> Iterator[bytes]:
        first = True
        for chunk in iter_member(self._path, zf, member, cap=self._left, chunk=chunk_size):
            if first and has_dtd(chunk[:65536]):
                raise unsafe_xml_error(self._path, member)
            first = False
            self._left -= len(chunk)
            yield chunk

    def replay(
        self, member: str, parts: list[bytes], *, chunk_size: int = 1 << 18
    ) -> Iterator[bytes]:
        """What `stream(zf, member, chunk_size=...)` yields, with the same caps and checks, from
        the member inflated before: `parts` are its chunks of a multiple of `chunk_size` bytes
        (every chunk but the last), as `iter_member` cuts them."""
        cap = self._left
        produced = 0
        first = True
        for part in parts:
            for start in range(0, len(part), chunk_size):
                chunk = part[start : start + chunk_size]
                produced += len(chunk)
                if produced > cap:
                    raise member_too_large_error(self._path, member, cap)
                if first and has_dtd(chunk[:65536]):
                    raise unsafe_xml_error(self._path, member)
                first = False
                self._left -= len(chunk)
                yield chunk


# The attributes of a tag run to its `>`; a self-closing tag's `/` is kept, which `attrs`
# passes over (no name or quoted value holds it). Greedy and possessive runs rather than
# `[^<>]*?/?>`, which `re` walks one byte at a time.
_RELATIONSHIP = regex.compile(rb"<(?:[\w.-]++:)?Relationship\s([^<>]*+)>")
_SHEET = regex.compile(rb"<(?:[\w.-]++:)?sheet\s([^<>]*+)>")


def xlsx_sheets(
    path: Path, zf: zipfile.ZipFile, held: dict[str, bytes] | None = None
) -> list[tuple[str, str]]:
    """(sheet name, zip member) of each worksheet, in workbook order. `held`: parts read before
    (`read_held`)."""
    names = set(zf.namelist())
    book = read_held(path, zf, "xl/workbook.xml", cap=16 * MIB, held=held)
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = read_held(path, zf, rels_name, cap=16 * MIB, held=held) if rels_name in names else b""
    if has_dtd(book[:65536]) or has_dtd(rels[:65536]):
        raise unsafe_xml_error(path, "xl/workbook.xml")
    if len(book) + len(rels) <= _MEMO_MAX:
        return list(_memo_sheet_list(book, rels, frozenset(names)))
    return _sheet_list(book, rels, names)


_MEMO_MAX = 64 * 1024  # workbook parts up to this size are remembered by their bytes


@lru_cache(maxsize=32)
def _memo_sheet_list(
    book: bytes, rels: bytes, names: frozenset[str]
) -> tuple[tuple[str, str], ...]:
    # Workbooks from one template share their workbook part and its relationships.
    return tuple(_sheet_list(book, rels, names))


def _sheet_list(book: bytes, rels: bytes, names: Set[str]) -> list[tuple[str, str]]:
    """(sheet name, zip member) of each worksheet named by the workbook part `book` and its
    relationships `rels`, among the zip members `names`."""
    targets: dict[str, str] = {}
    for raw in _RELATIONSHIP.findall(rels):
        found = attrs(raw)
        if found.get("TargetMode") != "External" and "Id" in found and "Target" in found:
            targets[found["Id"]] = resolve_target(found["Target"])
    sheets = []
    for raw in _SHEET.findall(book):
        found = attrs(raw)
        rid = next((v for k, v in found.items() if ":" in k and local_name(k) == "id"), None)
        member = targets.get(rid or "")
        if member is None or member not in names or "name" not in found:
            continue
        if "/worksheets/" in f"/{member}":
            sheets.append((found["name"], member))
    return sheets


@lru_cache(maxsize=1024)
def resolve_target(target: str) -> str:
    # Memoised: every workbook names its parts the same few ways.
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join("xl", target))
