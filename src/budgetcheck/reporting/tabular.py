"""Plain text and markdown tables (via tabulate), and GitHub Actions workflow annotations.

Every cell handed to tabulate is a preformatted string and number parsing is off: tabulate would
otherwise read "96,282,213.44" as a float and print 9.62822e+07. CJK columns line up because
tabulate measures them with our own `display_width`, given to it in place of wcwidth.
"""

from __future__ import annotations

import sys
from unicodedata import east_asian_width

if "wcwidth" not in sys.modules:
    # tabulate imports wcwidth when it can (~20 ms at start-up) and we replace it below anyway:
    # a None entry makes that import fail, then the entry is dropped so others can import it.
    sys.modules["wcwidth"] = None  # type: ignore[assignment]
    try:
        import tabulate as tabulate_module
    finally:
        del sys.modules["wcwidth"]
import tabulate as tabulate_module
from tabulate import tabulate

from budgetcheck.findings import FileResult, Finding
from budgetcheck.i18n import t
from budgetcheck.reporting.amounts_format import amount_with_unit
from budgetcheck.reporting.common import (
    ReportOptions,
    Results,
    Rules,
    clean_line,
    closing_line,
    display_path,
    failure_reason,
    figures_text,
    finding_severity,
    header_line,
    location_text,
    markdown_cell,
    ordered_findings,
    quoted,
    relative_path,
    row_text,
    stale_waiver_heading,
    stale_waiver_lines,
    waiver_text,
)
from budgetcheck.reporting.summary import render_summary, show_summary

# tabulate counts CJK characters as two columns only in this mode, with a `wcwidth` it has.
tabulate_module.WIDE_CHARS_MODE = True

class _Doubled(dict[int, str]):
    """For str.translate: each character to itself, twice when it is two columns wide on a
    terminal (East Asian Wide or Fullwidth: CJK ideographs and punctuation, kana, hangul,
    full-width forms). A character is classified the first time it is seen.

    translate() does the per-character work in C: as fast as the regex this replaced, which
    cost 4 ms to compile at every start (a class of ~45,000 code points), and ~20x faster
    than wcwidth's Python loop (1.6 s for a report of 7,000 findings)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = doubled = char * 2 if east_asian_width(char) in "WF" else char
        return doubled


_DOUBLED = _Doubled()


def display_width(text: str) -> int:
    return len(text) if text.isascii() else len(text.translate(_DOUBLED))


class _Widths:
    """What tabulate asks of the wcwidth module: only `wcswidth`."""

    wcswidth = staticmethod(display_width)


tabulate_module.wcwidth = _Widths  # type: ignore[attr-defined]

ALIGN = ("left", "left", "left", "left", "right", "right", "right", "left")


def findings_header(lang: str) -> list[str]:
    return [
        t(lang, "规则", "rule"),
        t(lang, "严重程度", "severity"),
        t(lang, "单元格", "cell"),
        t(lang, "行", "row"),
        t(lang, "填报数", "stated"),
        t(lang, "应为", "expected"),
        t(lang, "差额", "difference"),
        t(lang, "说明", "message"),
    ]


def finding_row(finding: Finding, lang: str, cell_separator: str = "\n") -> list[str]:
    """One finding as table cells, all strings."""
    unit = finding.unit
    difference = finding.difference
    message = finding.message(lang)
    if finding.sentence:
        message = f"{message}{cell_separator}{quoted(finding.sentence, lang)}"
    if finding.waived:
        message = f"{message}{cell_separator}{waiver_text(finding, lang)}"
    cells = (
        cell_separator.join(str(cell) for cell in finding.cells)
        if finding.cells
        else location_text(finding)
    )
    return [
        finding.rule_id,
        finding_severity(finding, lang),
        cells,
        row_text(finding),
        amount_with_unit(finding.stated, unit, lang) if finding.stated is not None else "",
        amount_with_unit(finding.expected, unit, lang) if finding.expected is not None else "",
        amount_with_unit(difference, unit, lang, signed=True) if difference is not None else "",
        message,
    ]


# ----------------------------------------------------------------------------- text


def render_text(results: Results, rules: Rules, options: ReportOptions) -> str:
    """A plain-text report: per file a heading line and a findings table, then the summary."""
    blocks = [_text_file(result, options) for result in results]
    if show_summary(results):
        blocks.append(render_summary(results, options.lang, "simple"))
    blocks.append(closing_line(results, options.lang))
    return "\n\n".join(blocks) + "\n"


def _text_file(result: FileResult, options: ReportOptions) -> str:
    lang = options.lang
    heading = display_path(result.path)
    if result.status == "failed":
        return f"{heading}\n{t(lang, '无法检查：', 'Not checked: ')}{failure_reason(result, lang)}"
    if not options.quiet:
        heading += "\n" + header_line(result, lang)
    findings = ordered_findings(result, options)
    if not findings:
        return f"{heading}\n{clean_line(result, options)}{_verbose_text(result, options)}"
    table = tabulate(
        [finding_row(f, lang) for f in findings],
        headers=findings_header(lang),
        tablefmt="simple",
        disable_numparse=True,
        colalign=ALIGN,
    )
    return f"{heading}\n{table}{_verbose_text(result, options)}"


def verbose_sections(result: FileResult, options: ReportOptions) -> list[tuple[str, list[str]]]:
    """Stale baseline entries; with -v also the rules that did not apply (and why) and the
    claims left unchecked."""
    lang = options.lang
    sections = []
    stale = stale_waiver_lines(result, lang)
    if stale:
        sections.append((stale_waiver_heading(lang), stale))
    if not options.verbose:
        return sections
    if result.not_applicable:
        sections.append(
            (
                t(lang, "不适用的规则：", "Rules not applicable:"),
                [
                    f"{rid}  {result.not_applicable[rid](lang)}"
                    for rid in sorted(result.not_applicable)
                ],
            )
        )
    if result.unchecked_claims:
        sections.append(
            (
                t(lang, "未核对的说法：", "Claims not checked:"),
                [quoted(claim, lang) for claim in result.unchecked_claims],
            )
        )
    return sections


def _verbose_text(result: FileResult, options: ReportOptions) -> str:
    lines: list[str] = []
    for heading, items in verbose_sections(result, options):
        lines.append(heading)
        lines += [f"  {item}" for item in items]
    return "\n\n" + "\n".join(lines) if lines else ""


# ----------------------------------------------------------------------------- markdown


def render_markdown(results: Results, rules: Rules, options: ReportOptions) -> str:
    """A markdown report (GitHub/GitLab flavoured pipe tables), e.g. for a job summary."""
    lang = options.lang
    blocks = [f"# {t(lang, 'budgetcheck 检查报告', 'budgetcheck report')}"]
    blocks += [_markdown_file(result, options) for result in results]
    if show_summary(results):
        blocks.append(
            f"## {t(lang, '汇总', 'Summary')}\n\n" + render_summary(results, lang, "pipe")
        )
    blocks.append(f"**{closing_line(results, lang)}**")
    return "\n\n".join(blocks) + "\n"


def _markdown_file(result: FileResult, options: ReportOptions) -> str:
    lang = options.lang
    heading = f"## {markdown_cell(display_path(result.path))}"
    if result.status == "failed":
        reason = markdown_cell(failure_reason(result, lang))
        return f"{heading}\n\n{t(lang, '无法检查：', 'Not checked: ')}{reason}"
    if not options.quiet:
        heading += "\n\n" + markdown_cell(header_line(result, lang))
    findings = ordered_findings(result, options)
    if not findings:
        return f"{heading}\n\n{clean_line(result, options)}{_verbose_markdown(result, options)}"
    rows = [[markdown_cell(c) for c in finding_row(f, lang, "; ")] for f in findings]
    table = tabulate(
        rows,
        headers=findings_header(lang),
        tablefmt="pipe",
        disable_numparse=True,
        colalign=ALIGN,
    )
    return f"{heading}\n\n{table}" + _verbose_markdown(result, options)


def _verbose_markdown(result: FileResult, options: ReportOptions) -> str:
    blocks = [
        markdown_cell(heading) + "\n\n" + "\n".join(f"- {markdown_cell(i)}" for i in items)
        for heading, items in verbose_sections(result, options)
    ]
    return "".join("\n\n" + block for block in blocks)


# ----------------------------------------------------------------------------- GitHub


GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def render_github(results: Results, rules: Rules, options: ReportOptions) -> str:
    """GitHub Actions workflow commands: one `::error file=...,title=R101::message` a finding."""
    lang = options.lang
    lines = []
    for result in results:
        path = relative_path(result.path)
        if result.status == "failed":
            lines.append(
                _command(
                    "error", {"file": path, "title": "budgetcheck"}, failure_reason(result, lang)
                )
            )
            continue
        for finding in ordered_findings(result, options):
            # A waived finding is shown as a notice: visible on the page, never a red mark.
            level = "notice" if finding.waived else GITHUB_LEVELS.get(finding.severity, "warning")
            lines.append(
                _command(
                    level, {"file": path, "title": finding.rule_id}, _github_message(finding, lang)
                )
            )
    return "".join(line + "\n" for line in lines)


def _github_message(finding: Finding, lang: str) -> str:
    parts = [finding.message(lang)]
    where = location_text(finding)
    if where:
        parts.insert(0, where + ":")
    row = row_text(finding)
    if row:
        parts.append(f"[{row}]")
    text = " ".join(parts)
    figures = figures_text(finding, lang)
    if figures:
        text += "\n" + figures
    if finding.sentence:
        text += "\n" + quoted(finding.sentence, lang)
    if finding.waived:
        text += "\n" + waiver_text(finding, lang)
    return text


def escape_data(text: str) -> str:
    """The message part of a workflow command (GitHub's escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A `key=value` property of a workflow command (GitHub's escapeProperty)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, properties: dict[str, str], message: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{level} {props}::{escape_data(message)}"
