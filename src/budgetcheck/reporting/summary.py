"""The batch summary: one row per file (file, status, errors, warnings, info).

Shown by the terminal, text and markdown reports when more than one file was checked.
"""

from __future__ import annotations

from tabulate import tabulate

from budgetcheck.i18n import t
from budgetcheck.reporting.common import Results, display_path, markdown_cell, status_text


def summary_header(lang: str, waived: bool = False) -> list[str]:
    """The columns; "waived" only in a run with a baseline that waived something."""
    header = [
        t(lang, "文件", "file"),
        t(lang, "状态", "status"),
        t(lang, "错误", "errors"),
        t(lang, "警告", "warnings"),
        t(lang, "提示", "info"),
    ]
    return [*header, t(lang, "已豁免", "waived")] if waived else header


def any_waived(results: Results) -> bool:
    return any(result.waived for result in results)


def summary_rows(results: Results, lang: str) -> list[list[str]]:
    """Plain strings only, so no table library re-reads a count or a name as a number."""
    rows = []
    waived = any_waived(results)
    for result in results:
        checked = result.status == "checked"
        row = [
            display_path(result.path),
            status_text(result, lang),
            str(result.errors) if checked else "-",
            str(result.warnings) if checked else "-",
            str(result.info) if checked else "-",
        ]
        if waived:
            row.append(str(result.waived) if checked else "-")
        rows.append(row)
    return rows


def show_summary(results: Results) -> bool:
    return len(results) > 1


def render_summary(results: Results, lang: str, tablefmt: str = "simple") -> str:
    """The summary as a tabulate table (`tablefmt` "simple" for text, "pipe" for markdown)."""
    rows = summary_rows(results, lang)
    if tablefmt == "pipe":
        rows = [[markdown_cell(cell) for cell in row] for row in rows]
    headers = summary_header(lang, any_waived(results))
    return tabulate(
        rows,
        headers=headers,
        tablefmt=tablefmt,
        disable_numparse=True,
        colalign=("left", "left", *("right",) * (len(headers) - 2)),
    )
