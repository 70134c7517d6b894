"""One pass over the worksheet parts of an xlsx/xlsm workbook for the three checks that read them.

Each worksheet part is read for its extent (`opening`: refused before calamine allocates the
grid), its unreadable cells (`integrity`: refused once the workbook is open) and the decimals its
number formats display (`formats`: never refused). Inflating a part once and handing the same
bytes to all three saves two inflations of every part and two readings of the sheet list.

Each check sees exactly what it would see on its own: the same chunks, caps and DTD checks
(`InflateBudget.replay`), so it finds the same and fails the same way. The extents are checked as
the pass goes, as `check_xlsx_extents` does; an error of the unreadable-cell scan is kept and
raised where `find_unreadable_cells` would raise it.
"""

from __future__ import annotations

import zipfile
from functools import partial
from pathlib import Path

from budgetcheck.loading import formats, integrity
from budgetcheck.loading.formats import (
    Cell,
    DisplayedDecimals,
    Spec,
    fast_cells,
    xlsx_sheet_decimals,
    xlsx_styles,
)
from budgetcheck.loading.integrity import UnreadableCell, scan_xlsx_sheet
from budgetcheck.loading.ooxml import InflateBudget, xlsx_sheets
from budgetcheck.loading.opening import (
    DEFAULT_ZIP_LIMITS,
    EXTENT_CHUNK,
    MIB,
    ZIP_ERRORS,
    ZipLimits,
    check_sheet_size,
    corrupt_error,
    extent_of,
    extent_of_cells,
    iter_member,
    member_too_large_error,
    open_zip,
)

# A larger worksheet part is inflated once per check rather than held in memory.
MAX_HELD_PART = 64 * MIB


class SheetPass:
    """What the pass found besides the extents, which it checked as it went.

    A plain class: it is never compared or printed, and a dataclass costs ~0.5 ms at import.
    """

    __slots__ = ("decimals", "unreadable", "unreadable_error")

    def __init__(self) -> None:
        self.unreadable: list[UnreadableCell] = []
        self.unreadable_error: Exception | None = None  # what find_unreadable_cells would raise
        self.decimals: DisplayedDecimals = {}

    def unreadable_cells(self) -> list[UnreadableCell]:
        """What find_unreadable_cells returns for the workbook, or raises."""
        if self.unreadable_error is not None:
            raise self.unreadable_error
        return self.unreadable


def check_and_scan(
    path: Path,
    max_bytes: int,
    limits: ZipLimits = DEFAULT_ZIP_LIMITS,
    *,
    held: dict[str, bytes] | None = None,
    zf: zipfile.ZipFile | None = None,
) -> SheetPass | None:
    """`check_xlsx_extents(path, max_bytes, limits)`, and in the same pass what
    `find_unreadable_cells` and `displayed_decimals` give for the xlsx/xlsm at `path`.

    None, having refused nothing, when a worksheet part is too large to hold: the caller then
    runs the three checks one after the other. `held`: worksheet parts that `check_zip_safety`
    read whole, used instead of inflating them again. `zf`: the zip at `path`, already open;
    it is left open.
    """
    try:
        with open_zip(path, zf) as zf:
            sheets = xlsx_sheets(path, zf, held)
            if any(zf.getinfo(member).file_size > MAX_HELD_PART for _, member in sheets):
                return None
            scan = _Scan(path, zf, held)
            for name, member in sheets:
                # zipfile never inflates a member past its declared size: at most MAX_HELD_PART.
                parts = _parts(path, zf, member, limits.max_total_uncompressed, held)
                cells = scan.cells(parts)
                extent = extent_of_cells(parts[0], *cells) if cells is not None else None
                rows, cols = extent if extent is not None else extent_of(parts)
                check_sheet_size(path, name, rows, cols, max_bytes)
                scan.add(name, member, parts, cells)
            return scan.found
    except ZIP_ERRORS as exc:
        raise corrupt_error(path, f"zip: {exc}") from None


def _parts(
    path: Path, zf: zipfile.ZipFile, member: str, cap: int, held: dict[str, bytes] | None
) -> list[bytes]:
    """The worksheet part in chunks of EXTENT_CHUNK, as `iter_member` gives them. A held part
    was read whole by `check_zip_safety`, which refused encrypted members before: only the cap
    is left to check."""
    data = held.get(member) if held is not None else None
    if data is None:
        return list(iter_member(path, zf, member, cap=cap, chunk=EXTENT_CHUNK))
    if len(data) > cap:
        raise member_too_large_error(path, member, cap)
    return [data] if data else []  # held parts are shorter than one chunk


class _Scan:
    """The unreadable-cell scan and the decimals scan, fed one worksheet part at a time."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, held: dict[str, bytes] | None) -> None:
        self.path = path
        self.found = SheetPass()
        self.integrity_budget = InflateBudget(path, integrity.DEFAULT_MAX_INFLATE)
        self.formats_budget = InflateBudget(path, formats.DEFAULT_MAX_INFLATE)
        self.shown: dict[bytes, Spec] = {}  # cell attributes -> spec, for every sheet
        self.specs: list[Spec] | None
        try:
            self.specs = xlsx_styles(path, zf, held)
        except Exception:
            self.specs = None  # displayed_decimals gives {} for the whole workbook
        # xlsx_sheet_decimals passes over every sheet when no style fixes decimals
        self.decimals_wanted = self.specs is not None and any(s is not None for s in self.specs)

    def cells(self, parts: list[bytes]) -> tuple[bytes, list[Cell]] | None:
        """`fast_cells` of a part in one chunk whose decimals are to be found (the one pattern
        search then serves the extent too), else None."""
        if not self.decimals_wanted or len(parts) != 1 or len(parts[0]) > formats.SHEET_CHUNK:
            return None
        return fast_cells(parts[0])

    def add(
        self,
        name: str,
        member: str,
        parts: list[bytes],
        cells: tuple[bytes, list[Cell]] | None = None,
    ) -> None:
        """Scan one worksheet part; `cells`: its `fast_cells`, when `cells` gave them."""
        found = self.found
        if found.unreadable_error is None:  # find_unreadable_cells stops at its first error
            stream = partial(self.integrity_budget.replay, member, parts)
            try:
                whole = parts[0] if len(parts) == 1 else None
                found.unreadable.extend(scan_xlsx_sheet(name, stream, whole))
            except (*ZIP_ERRORS, KeyError) as exc:
                found.unreadable_error = corrupt_error(self.path, f"zip: {exc}")
            except Exception as exc:
                found.unreadable_error = exc
        if self.specs is not None:
            stream = partial(
                self.formats_budget.replay, member, parts, chunk_size=formats.SHEET_CHUNK
            )
            found.decimals[name] = xlsx_sheet_decimals(self.specs, stream, self.shown, cells)
