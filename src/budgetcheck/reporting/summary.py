"""The batch summary: one row per file (file, status, errors, warnings, info).

Shown by the terminal, text and markdown reports when more than one file was checked.
"""

from __future__ import annotations

from tabulate import tabulate

from budgetcheck.i18n import t
from budgetcheck.reporting.common import Results, display_path, markdown_cell, status_text


def summary_header(lang: str) -> list[str]:
    return [
        t(lang, "文件", "file"),
        t(lang, "状态", "status"),
        t(lang, "错误", "errors"),
        t(lang, "警告", "warnings"),
        t(lang, "提示", "info"),
    ]


def summary_rows(results: Results, lang: str) -> list[list[str]]:
    """Plain strings only, so no table library re-reads a count or a name as a number."""
    rows = []
    for result in results:
        info = sum(1 for f in result.findings if f.severity == "info")
        checked = result.status == "checked"
        rows.append(
            [
                display_path(result.path),
                status_text(result, lang),
                str(result.errors) if checked else "-",
                str(result.warnings) if checked else "-",
                str(info) if checked else "-",
            ]
        )
    return rows


def show_summary(results: Results) -> bool:
    return len(results) > 1


def render_summary(results: Results, lang: str, tablefmt: str = "simple") -> str:
    """The summary as a tabulate table (`tablefmt` "simple" for text, "pipe" for markdown)."""
    rows = summary_rows(results, lang)
    if tablefmt == "pipe":
        rows = [[markdown_cell(cell) for cell in row] for row in rows]
    return tabulate(
        rows,
        headers=summary_header(lang),
        tablefmt=tablefmt,
        disable_numparse=True,
        colalign=("left", "left", "right", "right", "right"),
    )
