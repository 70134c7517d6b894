"""The annotated workbook: a copy of the input with every cell of a finding marked.

    annotate_workbook(source, result, target, lang) writes target (.xlsx or .xlsm)
    annotation_targets(paths, out) -> {input: copy}   one file, or a folder for a batch

Each cell involved in a finding gets a fill by the worst severity found there (red error,
yellow warning, blue info, grey when every finding on it is waived) and an Excel comment giving
the findings in the chosen language; a cell that already had a comment keeps its text, ours is
appended. A first sheet 检查结果 ("Findings" in English) lists the findings with a hyperlink to
each stated cell. The input is never written: the copy goes to a temporary file beside the
target and is renamed into place, and a target that is the input is refused.

.xlsx/.xlsm are copied with openpyxl, which keeps values, formulas, number formats, fonts,
fills, borders, merges, column widths, row heights, hidden sheets, freeze panes and existing
comments, but drops what it does not model: images, charts, shapes, pivot tables, slicers and
some conditional-formatting and data-validation extensions.

.xls, WPS .et and .ods cannot be opened by openpyxl, so the copy is rebuilt as .xlsx from what
python-calamine reads: cell values (formulas as their cached values), merged ranges, hidden
sheets, and a number format giving the decimals each number was displayed with. Everything else
is lost in such a copy: fonts, fills, borders, alignment, column widths, row heights, other
number formats (percent, thousands separators, dates become plain values), comments, images.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from budgetcheck.errors import InputError
from budgetcheck.findings import SEVERITY_ORDER, FileResult, Finding, RuleInfo
from budgetcheck.i18n import t
from budgetcheck.model import CellRef
from budgetcheck.reporting.common import (
    ReportOptions,
    cells_text,
    figures_text,
    finding_severity,
    location_text,
    ordered_findings,
    quoted,
    row_text,
    rule_title,
)

FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
WAIVED_FILL = "E7E6E6"
AUTHOR = "budgetcheck"
SUFFIXES = (".xlsx", ".xlsm")


def summary_title(lang: str) -> str:
    return t(lang, "检查结果", "Findings")


# ----------------------------------------------------------------------------- targets


def annotation_targets(paths: Sequence[Path], out: Path) -> dict[Path, Path]:
    """Where each input's annotated copy goes: `out` itself for one input, else (or when `out`
    is an existing folder) `out/<name>.annotated.xlsx` per input, numbered when names clash."""
    if len(paths) == 1 and not out.is_dir():
        _check_target(paths[0], out)
        return {paths[0]: out}
    if not out.is_dir():
        raise InputError(
            f"检查多个文件时，--annotate 应指定一个已存在的文件夹（{out} 不是）。",
            f"With several files, --annotate must name an existing folder ({out} is not one).",
        )
    targets: dict[Path, Path] = {}
    used: set[str] = set()
    for path in paths:
        name = f"{path.stem}.annotated.xlsx"
        number = 2
        while name.lower() in used:
            name = f"{path.stem}.annotated-{number}.xlsx"
            number += 1
        used.add(name.lower())
        targets[path] = out / name
    for source, target in targets.items():
        _check_target(source, target, all_inputs=paths)
    return targets


def _check_target(source: Path, target: Path, all_inputs: Sequence[Path] = ()) -> None:
    if target.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"批注副本只能保存为 .xlsx（{target.name}）。",
            f"The annotated copy must be an .xlsx file ({target.name}).",
        )
    for original in (source, *all_inputs):
        if _same_file(original, target):
            raise InputError(
                f"批注副本不能覆盖原文件 {original}，请另选输出文件名。",
                f"The annotated copy would overwrite the input {original}; choose another name.",
            )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(
            f"输出目录不存在：{folder}。", f"The output folder {folder} does not exist."
        )


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


# ----------------------------------------------------------------------------- writing


def annotate_workbook(
    source: Path,
    result: FileResult,
    target: Path,
    lang: str = "zh",
    rules: Mapping[str, RuleInfo] | None = None,
    max_bytes: int | None = None,
) -> None:
    """Write the annotated copy of `source` (checked into `result`) to `target`."""
    from budgetcheck.loading.opening import DEFAULT_MAX_BYTES, sniff_format

    source, target = Path(source), Path(target)
    _check_target(source, target)
    fmt = sniff_format(source, max_bytes=max_bytes or DEFAULT_MAX_BYTES)
    with warnings.catch_warnings():
        # openpyxl warns about every extension it drops; the module docs say what is lost.
        warnings.simplefilter("ignore")
        if fmt in ("xlsx", "xlsm"):
            book = _open_copy(source, keep_vba=fmt == "xlsm" and target.suffix.lower() == ".xlsm")
        else:
            book = rebuild_from_calamine(source, fmt)
        findings = ordered_findings(result, ReportOptions(lang=lang))
        _mark_cells(book, findings, lang)
        _add_summary(book, result, findings, lang, rules or {})
        _save_atomically(book, target)


def _open_copy(source: Path, keep_vba: bool) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(source, keep_vba=keep_vba, rich_text=True)
    except Exception as error:  # openpyxl raises many kinds for files calamine accepted
        raise InputError(
            f"无法复制 {source.name} 以写入批注（{type(error).__name__}）。",
            f"Cannot copy {source.name} to annotate it ({type(error).__name__}).",
        ) from error


def rebuild_from_calamine(source: Path, fmt: str) -> Any:
    """An openpyxl workbook holding what calamine reads of an .xls/.et/.ods file: values,
    merged ranges, hidden sheets and displayed decimals (see the module docs for the rest)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from budgetcheck.loading.formats import displayed_decimals
    from budgetcheck.loading.opening import open_workbook

    calamine, _ = open_workbook(source)
    decimals = displayed_decimals(source, fmt)
    hidden = {
        meta.name: str(getattr(meta, "visible", "")).lower().endswith(("hidden", "veryhidden"))
        for meta in calamine.sheets_metadata
    }
    book = Workbook()
    book.remove(book.active)
    for name in calamine.sheet_names:
        sheet = calamine.get_sheet_by_name(name)
        sheet_out = book.create_sheet(title=name)
        shown = decimals.get(name, {})
        for r, row in enumerate(sheet.to_python(skip_empty_area=False)):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = sheet_out.cell(row=r + 1, column=c + 1, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula stays text
                places = shown.get((r, c))
                if places is not None and 0 <= places <= 10:
                    cell.number_format = "0." + "0" * places if places else "0"
        for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
            sheet_out.merge_cells(
                start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1
            )
        if hidden.get(name):
            sheet_out.sheet_state = "hidden"
    return book


def _save_atomically(book: Any, target: Path) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=target.suffix, dir=folder
    )
    os.close(handle)
    try:
        book.save(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------------------- marks


def finding_cells(finding: Finding) -> tuple[CellRef, ...]:
    """The cells a finding involves; a text finding's paragraph cell when it names no cell."""
    if finding.cells:
        return finding.cells
    if finding.paragraph is not None and finding.paragraph.ref is not None:
        return (finding.paragraph.ref,)
    return ()


def _mark_cells(book: Any, findings: list[Finding], lang: str) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, int, int], list[Finding]] = {}
    for finding in findings:
        for ref in finding_cells(finding):
            if ref.sheet not in book.sheetnames:
                continue
            row, col = _anchor(book[ref.sheet], ref.row + 1, ref.col + 1)
            found = by_cell.setdefault((ref.sheet, row, col), [])
            if finding not in found:
                found.append(finding)
    for (sheet, row, col), marked in by_cell.items():
        cell = book[sheet].cell(row=row, column=col)
        colour = _fill_colour(marked)
        cell.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
        text = "\n\n".join(_comment_text(f, lang) for f in marked)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n\n{text}"
        lines = sum(1 + len(line) // 30 for line in text.splitlines())
        cell.comment = Comment(text, AUTHOR, height=min(600, 20 + 16 * lines), width=320)


def _anchor(sheet: Any, row: int, col: int) -> tuple[int, int]:
    """The top-left cell of the merged range holding (row, col): only it can carry marks."""
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            return merged.min_row, merged.min_col
    return row, col


def _fill_colour(findings: list[Finding]) -> str:
    live = [f for f in findings if not f.waived]
    if not live:
        return WAIVED_FILL
    worst = min(live, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
    return FILLS.get(worst.severity, FILLS["info"])


def _comment_text(finding: Finding, lang: str) -> str:
    sep = t(lang, "：", ": ")
    lines = [f"budgetcheck {finding.rule_id} {finding_severity(finding, lang)}"]
    lines.append(finding.message(lang))
    figures = figures_text(finding, lang)
    if figures:
        lines.append(figures)
    if finding.sentence:
        lines.append(quoted(finding.sentence, lang))
    if len(finding.cells) > 1:
        lines.append(t(lang, "涉及单元格", "cells") + sep + cells_text(finding))
    if finding.waived and finding.waiver_reason:
        lines.append(t(lang, "豁免理由", "waiver reason") + sep + finding.waiver_reason)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- summary


def _headers(lang: str) -> list[str]:
    return [
        t(lang, "序号", "no."),
        t(lang, "规则", "rule"),
        t(lang, "严重程度", "severity"),
        t(lang, "单元格", "cell"),
        t(lang, "行", "row"),
        t(lang, "说明", "message"),
        t(lang, "数额", "figures"),
        t(lang, "涉及单元格", "all cells"),
        t(lang, "规则名称", "rule title"),
        t(lang, "豁免理由", "waiver reason"),
    ]


WIDTHS = (6, 8, 14, 28, 28, 60, 40, 40, 36, 24)


def _add_summary(
    book: Any,
    result: FileResult,
    findings: list[Finding],
    lang: str,
    rules: Mapping[str, RuleInfo],
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    title = summary_title(lang)
    number = 2
    while title in book.sheetnames:
        title = f"{summary_title(lang)} ({number})"
        number += 1
    sheet = book.create_sheet(title=title, index=0)
    sheet.append(
        [t(lang, "budgetcheck 检查结果：", "budgetcheck findings: ") + Path(result.path).name]
    )
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_counts_line(result, lang)])
    sheet.append([])
    sheet.append(_headers(lang))
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill(fill_type="solid", start_color="D9D9D9", end_color="D9D9D9")
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, finding in enumerate(findings, 1):
        cells = finding_cells(finding)
        sheet.append(
            [
                number,
                finding.rule_id,
                finding_severity(finding, lang),
                str(cells[0]) if cells else location_text(finding),
                row_text(finding),
                finding.message(lang)
                + ("\n" + quoted(finding.sentence, lang) if finding.sentence else ""),
                figures_text(finding, lang),  # amounts as text, exactly as stated
                ", ".join(str(c) for c in cells),
                rule_title(rules, finding.rule_id, lang),
                finding.waiver_reason or "",
            ]
        )
        row = sheet.max_row
        for cell in sheet[row]:
            cell.alignment = wrap
        colour = WAIVED_FILL if finding.waived else FILLS.get(finding.severity, FILLS["info"])
        sheet.cell(row=row, column=3).fill = PatternFill(
            fill_type="solid", start_color=colour, end_color=colour
        )
        if cells and cells[0].sheet in book.sheetnames:
            link = sheet.cell(row=row, column=4)
            anchor_row, anchor_col = _anchor(
                book[cells[0].sheet], cells[0].row + 1, cells[0].col + 1
            )
            target = f"{get_column_letter(anchor_col)}{anchor_row}"
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=f"{_quoted_sheet(cells[0].sheet)}!{target}"
            )
            link.font = Font(color="0563C1", underline="single")
    if not findings:
        sheet.append(["", t(lang, "未发现问题。", "No problems found.")])
    for index, width in enumerate(WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A5"
    if findings:
        sheet.auto_filter.ref = f"A4:{get_column_letter(len(WIDTHS))}{sheet.max_row}"
    for other in book.worksheets:
        other.sheet_view.tabSelected = other is sheet  # Excel groups every selected tab
    book.active = 0


def _quoted_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _counts_line(result: FileResult, lang: str) -> str:
    text = t(
        lang,
        f"错误 {result.errors} 个，警告 {result.warnings} 个，提示 {result.info} 条",
        f"{result.errors} errors, {result.warnings} warnings, {result.info} info",
    )
    if result.waived:
        text += t(lang, f"，已豁免 {result.waived} 个", f", {result.waived} waived")
    return text + t(
        lang,
        "。带颜色和批注的单元格涉及下列问题。",
        ". Coloured cells with comments are involved in these findings.",
    )
