"""The default report: rich text on a terminal, one report per run covering every file.

Every piece of text goes through `_fit`, so a console whose encoding cannot show a character
(a GBK Windows console, a C locale) gets a "?" instead of a UnicodeEncodeError. Markers are
words, not symbols, and rich swaps box drawing for ASCII on such consoles by itself.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from budgetcheck.findings import FileResult, Finding, RuleInfo
from budgetcheck.i18n import t
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
    group_by_table,
    header_line,
    location_text,
    ordered_findings,
    quoted,
    row_text,
    severity_name,
    stale_waiver_heading,
    stale_waiver_lines,
    table_name,
    waiver_text,
)
from budgetcheck.reporting.summary import any_waived, show_summary, summary_header, summary_rows

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
INDENT = "    "


def print_report(results: Results, rules: Rules, options: ReportOptions, console: Console) -> None:
    """The whole run: each file's header and findings, the batch summary, the closing line."""
    for index, result in enumerate(results):
        if index:
            console.print()
        _print_file(result, rules, options, console)
    if show_summary(results):
        console.print()
        console.print(_summary_table(results, options.lang, console))
    console.print()
    console.print(_fit(console, closing_line(results, options.lang)), style="bold")


def render_rules(rules: Rules, lang: str, console: Console) -> None:
    """`budgetcheck rules`: every rule with its severity, check kind and title."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header in (
        t(lang, "规则", "rule"),
        t(lang, "严重程度", "severity"),
        t(lang, "检查类型", "check kind"),
        t(lang, "标题", "title"),
    ):
        table.add_column(_fit(console, header))
    for rule_id in sorted(rules):
        rule = rules[rule_id]
        table.add_row(
            Text(_fit(console, rule.id), style="bold"),
            _severity(rule.severity, lang, console),
            _fit(console, rule.check_kind),
            _fit(console, rule.title(lang)),
        )
    console.print(table)


def render_explain(rule: RuleInfo, lang: str, console: Console) -> None:
    """`budgetcheck explain CODE`: the rule's facts, then its explanation."""
    console.print(Text(_fit(console, f"{rule.id}  {rule.title(lang)}"), style="bold"))
    facts = [
        (t(lang, "严重程度", "Severity"), severity_name(rule.severity, lang)),
        (t(lang, "规则包", "Pack"), rule.pack),
        (t(lang, "检查类型", "Check kind"), rule.check_kind),
    ]
    sep = t(lang, "：", ": ")
    for name, value in facts:
        console.print(Text(_fit(console, f"{name}{sep}{value}")))
    console.print()
    console.print(Text(_fit(console, rule.explanation(lang))))


# ----------------------------------------------------------------------------- one file


def _print_file(result: FileResult, rules: Rules, options: ReportOptions, console: Console) -> None:
    lang = options.lang
    console.rule(Text(_fit(console, display_path(result.path)), style="bold"), align="left")
    if result.status == "failed":
        label = t(lang, "无法检查：", "Not checked: ")
        console.print(Text(_fit(console, label + failure_reason(result, lang)), style="bold red"))
        return
    if not options.quiet:
        console.print(Text(_fit(console, header_line(result, lang)), style="dim"))
    findings = ordered_findings(result, options)
    if findings:
        for kind, group in group_by_table(findings):
            _print_group(kind, group, lang, console)
    else:
        console.print(Text(_fit(console, clean_line(result, options)), style="green"))
    stale = stale_waiver_lines(result, lang)
    if stale:
        console.print(Text(_fit(console, stale_waiver_heading(lang)), style="yellow"))
        for line in stale:
            console.print(Text(_fit(console, "  " + line), style="dim"))
    if options.verbose:
        _print_verbose(result, rules, lang, console)


def _print_group(kind: str | None, findings: list[Finding], lang: str, console: Console) -> None:
    heading = table_name(kind, lang)
    if kind is not None and heading != kind:
        heading = f"{heading} [{kind}]"
    console.print(Text(_fit(console, heading), style="bold"))
    for finding in findings:
        _print_finding(finding, lang, console)


def _print_finding(finding: Finding, lang: str, console: Console) -> None:
    head = Text("  ")
    if finding.waived:
        head.append(_fit(console, finding_severity(finding, lang)), style="dim")
    else:
        head.append_text(_severity(finding.severity, lang, console))
    head.append("  ")
    head.append(_fit(console, finding.rule_id), style="bold")
    where = location_text(finding)
    if where:
        head.append("  " + _fit(console, where), style="cyan")
    row = row_text(finding)
    if row:
        head.append("  " + _fit(console, row))
    console.print(head)
    lines = [finding.message(lang), figures_text(finding, lang)]
    if finding.sentence:
        lines.append(quoted(finding.sentence, lang))
    lines.append(waiver_text(finding, lang))
    for line in lines:
        if line:
            console.print(Text(INDENT + _fit(console, line)))


def _print_verbose(result: FileResult, rules: Rules, lang: str, console: Console) -> None:
    if result.not_applicable:
        console.print(
            Text(_fit(console, t(lang, "不适用的规则：", "Rules not applicable:")), style="dim")
        )
        for rule_id in sorted(result.not_applicable):
            reason = result.not_applicable[rule_id](lang)
            console.print(Text(_fit(console, f"  {rule_id}  {reason}"), style="dim"))
    if result.unchecked_claims:
        console.print(
            Text(_fit(console, t(lang, "未核对的说法：", "Claims not checked:")), style="dim")
        )
        for claim in result.unchecked_claims:
            console.print(Text(_fit(console, "  " + quoted(claim, lang)), style="dim"))


def _summary_table(results: Results, lang: str, console: Console) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for index, header in enumerate(summary_header(lang, any_waived(results))):
        table.add_column(_fit(console, header), justify="right" if index >= 2 else "left")
    for row in summary_rows(results, lang):
        table.add_row(*(_fit(console, cell) for cell in row))
    return table


# ----------------------------------------------------------------------------- text


def _severity(severity: str, lang: str, console: Console) -> Text:
    return Text(
        _fit(console, severity_name(severity, lang)), style=SEVERITY_STYLES.get(severity, "")
    )


def _fit(console: Console, text: str) -> str:
    """`text` with every character the console cannot encode replaced by "?"."""
    encoding = console.encoding
    if encoding.replace("-", "").startswith("utf"):
        return text
    try:
        return text.encode(encoding, "replace").decode(encoding)
    except LookupError:
        return text.encode("ascii", "replace").decode("ascii")
