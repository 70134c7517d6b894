"""The fast paths of the loader's own checks agree with the plain paths they shortcut.

- `plain_member` (a small zip member inflated from memory) gives what zipfile gives, or None.
- `fast_cells` + `extent_of_cells` give what `extent_of` gives, or None.
- The possessive worksheet pattern finds what the backtracking one it replaced found.
- `check_and_scan` (one pass, parts shared) gives what the three checks give on their own.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import badfiles as bf
from budgetcheck.errors import InputError
from budgetcheck.loading import formats, ooxml
from budgetcheck.loading.formats import displayed_decimals, fast_cells
from budgetcheck.loading.integrity import find_unreadable_cells, scan_xlsx_sheet
from budgetcheck.loading.opening import (
    DEFAULT_MAX_BYTES,
    check_xlsx_extents,
    extent_of,
    extent_of_cells,
    has_dtd,
    open_zip_file,
    plain_member,
    zip_bytes,
)
from budgetcheck.loading.sheetpass import check_and_scan

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "siping-2024-complete.xlsx"

# The worksheet pattern before it was made possessive (formats._SheetPatterns.fast).
_BACKTRACKING = (
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^<>/]*)(?:/>|>'
    rb"(?:<f[^<>]*/>|<f[^<>]*>[^<]*</f>)?"
    rb"(?:<v>([^<]*)</v>)?"
    rb"([^<]*(?:<(?!/c>)[^<]*)*)</c>)"
)

# Pieces of worksheet XML, shuffled into sheets that stress the patterns.
_PIECES = [
    b'<row r="1">',
    b'<row r="70000">',
    b'<row spans="1:2" r="3">',
    b"<row r='4'>",
    b"</row>",
    b'<c r="A1" s="2"><v>1.5</v></c>',
    b'<c r="B2" s="2" t="n"><v>-3</v></c>',
    b'<c r="C3" s="1" t="inlineStr"><is><t>x r="9"</t></is></c>',
    b'<c r="D4" s="2"/>',
    b'<c r="E5"><f>SUM(A1:A2)</f><v></v></c>',
    b'<c r="F6" t="e"><v>#REF!</v></c>',
    b'<c r="AA7" s="2"><f a/>text</f><v>2</v></c>',
    b'<c s="2"><v>3</v></c>',
    b"<c\tr='G8' s='2'><v>4</v></c>",
    b'<c r="XFD9" s="2"><v> </v></c>',
    b'<c r="A0012345678"><v>1</v></c>',
    b'<c r="H10" s="2"><v>5</v>',
    b"</c>",
    b' r = "B12"',
    b" r ",
    b"<",
    b">",
    b"/",
    b"\n",
]


def _sheet(pieces: list[bytes]) -> bytes:
    body = b"".join(pieces)
    return b"<worksheet><sheetData>" + body + b"</sheetData><pageMargins right='1'/></worksheet>"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_extent_of_cells_agrees_with_extent_of(pieces: list[bytes]) -> None:
    data = _sheet(pieces)
    found = fast_cells(data)
    if found is None:
        return
    extent = extent_of_cells(data, *found)
    if extent is not None:
        assert extent == extent_of([data])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.sampled_from([b"", b"x:"]))
def test_possessive_pattern_finds_what_the_backtracking_one_found(
    pieces: list[bytes], prefix: bytes
) -> None:
    data = _sheet(pieces)
    if prefix:
        data = re.sub(rb"<(/?)(c|f|v|row|worksheet)\b", rb"<\1x:\2", data)
    p = re.escape(prefix)
    old = re.compile(
        _BACKTRACKING.replace(b"<c ", b"<" + p + b"c ")
        .replace(b"<f", b"<" + p + b"f")
        .replace(b"</f>", b"</" + p + b"f>")
        .replace(b"<v>", b"<" + p + b"v>")
        .replace(b"</v>", b"</" + p + b"v>")
        .replace(b"</c>", b"</" + p + b"c>")
        .replace(b"/c>)", b"/" + p + b"c>)"),
        re.S,
    )
    assert formats._sheet_patterns(prefix).fast.findall(data) == old.findall(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_unreadable_scan_of_a_held_part_finds_what_the_scan_finds(pieces: list[bytes]) -> None:
    data = _sheet(pieces).replace(b"<c ", b"<c t='e' ", len(pieces) % 2)
    held = scan_xlsx_sheet("s", lambda: iter([data]), data)
    assert held == scan_xlsx_sheet("s", lambda: iter([data]))


def _zip(members: list[tuple[str, bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data, method in members:
            zf.writestr(name, data, compress_type=method)
    return buffer.getvalue()


def _zipfile_read(raw: bytes, name: str) -> bytes | str:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf, zf.open(name) as member:
            return member.read()
    except Exception as exc:  # what zipfile makes of the damage
        return type(exc).__name__


@pytest.mark.parametrize("seed", range(40))
def test_plain_member_gives_what_zipfile_gives(seed: int) -> None:
    rng = random.Random(seed)
    payload = bytes(rng.choice(b"<>abc =\"'") for _ in range(rng.randint(0, 3000)))
    method = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    raw = bytearray(_zip([("a.xml", b"<a/>", zipfile.ZIP_DEFLATED), ("b.xml", payload, method)]))
    for _ in range(rng.randint(0, 3)):  # damage: local header, data or central directory
        raw[rng.randrange(len(raw))] ^= rng.choice([0x01, 0x20, 0xFF])
    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(raw)))
        info = zf.getinfo("b.xml")
    except Exception:
        return  # zipfile refuses the central directory: nothing to read
    fast = plain_member(zf, zip_bytes(zf), info)
    if fast is not None:
        assert fast == _zipfile_read(bytes(raw), "b.xml")


def test_plain_member_leaves_a_lying_member_to_zipfile(tmp_path: Path) -> None:
    liar = bf.zip_bomb(tmp_path, gib=0.05, declared=1000)  # inflates to 51 MiB, declares 1000
    with open_zip_file(liar) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size == 1000
        assert plain_member(zf, zip_bytes(zf), info) is None


def test_a_small_zip_is_read_from_memory() -> None:
    with open_zip_file(GOOD) as zf:
        assert zip_bytes(zf) == GOOD.read_bytes()


@pytest.mark.parametrize(
    "head",
    [b"<?xml version='1.0'?><a/>", b"<!DOCTYPE a><a/>", b"<!-- c --><a/>", b"<!eNtItY x>"],
)
def test_has_dtd_answers_as_the_pattern_does(head: bytes) -> None:
    assert has_dtd(head) == bool(re.search(rb"<!(?:DOCTYPE|ENTITY)", head, re.IGNORECASE))


def _variant(tmp_path: Path, seed: int) -> Path:
    rng = random.Random(seed)
    parts = bf.zip_members(GOOD)
    sheets = [name for name in parts if "worksheets/" in name]
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(sheets)
        data = parts[name]
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(data))
            data = data[:at] + rng.choice(_PIECES) + data[at:]
        parts[name] = data
    return bf.rezip(GOOD, tmp_path / f"v{seed}.xlsx", parts)


def _outcome(run: object) -> object:
    try:
        return ("ok", run())  # type: ignore[operator]
    except InputError as exc:
        return ("refused", str(exc))


@pytest.mark.parametrize("seed", range(12))
def test_one_pass_gives_what_the_three_checks_give(tmp_path: Path, seed: int) -> None:
    path = _variant(tmp_path, seed)
    extents = _outcome(lambda: check_xlsx_extents(path, DEFAULT_MAX_BYTES))
    found = _outcome(lambda: check_and_scan(path, DEFAULT_MAX_BYTES))
    if extents[0] == "refused":
        assert found == extents
        return
    assert found[0] == "ok"
    scan = found[1]
    assert scan is not None
    assert scan.decimals == displayed_decimals(path, "xlsx")
    assert _outcome(scan.unreadable_cells) == _outcome(lambda: find_unreadable_cells(path, "xlsx"))


def test_remembered_sheet_lists_and_styles_are_copies() -> None:
    with open_zip_file(GOOD) as zf:
        first = ooxml.xlsx_sheets(GOOD, zf)
        first.clear()
        assert ooxml.xlsx_sheets(GOOD, zf)
        styles = formats.xlsx_styles(GOOD, zf)
        styles.clear()
        assert formats.xlsx_styles(GOOD, zf)


def test_deflated_and_stored_parts_read_alike(tmp_path: Path) -> None:
    parts = bf.zip_members(GOOD)
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(stored, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    assert check_and_scan(stored, DEFAULT_MAX_BYTES) is not None
    with open_zip_file(stored) as zf:
        for info in zf.infolist():
            assert plain_member(zf, zip_bytes(zf), info) == parts[info.filename]
