"""What every output format shares: options, ordering, and the words for severities and figures.

Reports read `FileResult`s and `RuleInfo`s only; nothing here knows how a rule is evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import NamedTuple

from budgetcheck.findings import SEVERITY_ORDER, FileResult, Finding, RuleInfo
from budgetcheck.i18n import t
from budgetcheck.reporting.amounts_format import amount_with_unit

Results = Sequence[FileResult]
Rules = Mapping[str, RuleInfo]


class ReportOptions(NamedTuple):
    """How much to say and in which language; the same for every format."""

    lang: str = "zh"
    quiet: bool = False  # errors only
    verbose: bool = False  # also not-applicable rules and unchecked claims


SEVERITY_NAMES: dict[str, tuple[str, str]] = {
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "info": ("提示", "info"),
}


def severity_name(severity: str, lang: str) -> str:
    zh, en = SEVERITY_NAMES.get(severity, (severity, severity))
    return t(lang, zh, en)


def finding_severity(finding: Finding, lang: str) -> str:
    """The severity as a report shows it: "错误", or "错误（已豁免）" when a baseline waives it."""
    name = severity_name(finding.severity, lang)
    return name + t(lang, "（已豁免）", " (waived)") if finding.waived else name


def waiver_text(finding: Finding, lang: str) -> str:
    """ "已豁免：理由" for a waived finding, else empty."""
    if not finding.waived:
        return ""
    sep = t(lang, "：", ": ")
    reason = finding.waiver_reason or t(lang, "（未填写理由）", "(no reason given)")
    return t(lang, "已豁免", "waived") + sep + reason


def stale_waiver_lines(result: FileResult, lang: str) -> list[str]:
    """Baseline entries of this file that matched nothing: the finding was fixed or its figures
    changed. Listed so they can be deleted from the baseline."""
    return [
        " ".join(p for p in (w.rule_id, w.location, w.message, f"[{w.fingerprint}]") if p)
        for w in result.stale_waivers
    ]


def stale_waiver_heading(lang: str) -> str:
    return t(
        lang,
        "基线中已不再匹配的豁免（问题已改正或数额已变化，可从基线删除）：",
        "Baseline entries that no longer match (fixed, or the figures changed; delete them):",
    )


def table_name(kind: str | None, lang: str) -> str:
    """The reader's name of a table kind ("收支总表"); the id itself when the kind is unknown."""
    if kind is None:
        return t(lang, "说明文字及其他", "text and other")
    from budgetcheck.loading.kinds import kind_catalogue

    found = kind_catalogue().kinds.get(kind)
    if found is None:
        return kind
    return found.en if lang == "en" else found.zh


def rule_title(rules: Rules, rule_id: str, lang: str) -> str:
    rule = rules.get(rule_id)
    return rule.title(lang) if rule is not None else ""


# ----------------------------------------------------------------------------- ordering


def _table_positions(result: FileResult) -> dict[str, int]:
    positions: dict[str, int] = {}
    for table in result.tables:
        kind = table.get("kind")
        if isinstance(kind, str) and kind not in positions:
            positions[kind] = len(positions)
    return positions


def ordered_findings(result: FileResult, options: ReportOptions) -> list[Finding]:
    """The findings a report shows, in one stable order: by table (as in the workbook), then
    severity, then position. Stable regardless of the order the engine produced them in, so two
    runs print the same bytes."""
    positions = _table_positions(result)
    shown = [
        f for f in result.findings if not options.quiet or (f.severity == "error" and not f.waived)
    ]

    def key(f: Finding) -> tuple[object, ...]:
        kind = f.table_kind
        if kind is None:
            table_key: tuple[int, int, str] = (2, 0, "")
        elif kind in positions:
            table_key = (0, positions[kind], kind)
        else:
            table_key = (1, 0, kind)
        cell = f.cells[0] if f.cells else None
        where = (cell.sheet, cell.row, cell.col) if cell else ("", -1, -1)
        para = (str(f.paragraph) if f.paragraph else "", f.sentence or "")
        return (
            table_key,
            SEVERITY_ORDER.get(f.severity, 9),
            where,
            para,
            f.rule_id,
            f.fingerprint,
            f.message.zh,
        )

    return sorted(shown, key=key)


def group_by_table(findings: Sequence[Finding]) -> list[tuple[str | None, list[Finding]]]:
    """Consecutive runs of one table kind; `findings` must already be ordered."""
    groups: list[tuple[str | None, list[Finding]]] = []
    for finding in findings:
        if groups and groups[-1][0] == finding.table_kind:
            groups[-1][1].append(finding)
        else:
            groups.append((finding.table_kind, [finding]))
    return groups


def rule_ids(result: FileResult) -> list[str]:
    """Every rule this file knows of: run, not applicable, or with a finding; sorted."""
    ids = set(result.counts) | set(result.not_applicable) | {f.rule_id for f in result.findings}
    return sorted(ids)


def rules_run(result: FileResult) -> int:
    if result.counts:
        return sum(1 for count in result.counts.values() if count.run > 0)
    return len({f.rule_id for f in result.findings})


# ----------------------------------------------------------------------------- words


def cells_text(finding: Finding) -> str:
    return ", ".join(str(cell) for cell in finding.cells)


def location_text(finding: Finding) -> str:
    """Where to look: the cells, else the paragraph."""
    if finding.cells:
        return cells_text(finding)
    if finding.paragraph is not None:
        return str(finding.paragraph)
    return ""


def row_text(finding: Finding) -> str:
    parts = [p for p in (finding.row_code, finding.row_label) if p]
    text = " ".join(parts)
    if finding.column:
        text = f"{text} · {finding.column}" if text else finding.column
    return text


def figures_text(finding: Finding, lang: str) -> str:
    """ "填报 X 万元，应为 Y 万元，相差 +Z 万元" — empty when the finding has no figures."""
    if finding.stated is None and finding.expected is None:
        return ""
    parts: list[str] = []
    if finding.stated is not None:
        parts.append(
            t(lang, "填报 ", "stated ") + amount_with_unit(finding.stated, finding.unit, lang)
        )
    if finding.expected is not None:
        parts.append(
            t(lang, "应为 ", "expected ") + amount_with_unit(finding.expected, finding.unit, lang)
        )
    difference = finding.difference
    if difference is not None:
        parts.append(
            t(lang, "相差 ", "difference ")
            + amount_with_unit(difference, finding.unit, lang, signed=True)
        )
    return t(lang, "，", ", ").join(parts)


MAX_QUOTE = 160  # characters of a quoted sentence shown; a longer one is cut in the middle


def quoted(sentence: str, lang: str) -> str:
    if len(sentence) > MAX_QUOTE:  # a text without full stops is one "sentence" of any length
        sentence = f"{sentence[: MAX_QUOTE // 2]}…{sentence[-MAX_QUOTE // 2 :]}"
    return t(lang, f"“{sentence}”", f'"{sentence}"')


def status_text(result: FileResult, lang: str) -> str:
    if result.status == "failed":
        return t(lang, "无法检查", "not checked")
    return t(lang, "已检查", "checked")


def failure_reason(result: FileResult, lang: str) -> str:
    if result.error is not None:
        return result.error(lang)
    return t(lang, "无法读取该文件。", "The file could not be read.")


def header_line(result: FileResult, lang: str) -> str:
    """What the loader read: organisation, year, type, units, profile, how many tables."""
    meta = result.metadata
    level = meta.get("level")
    organisation_label = t(lang, "单位" if level == "单位" else "部门", "organisation")
    units = list(dict.fromkeys(str(u) for table in result.tables if (u := table.get("unit"))))
    facts = [
        (organisation_label, meta.get("organisation")),
        (t(lang, "年度", "year"), meta.get("year")),
        (t(lang, "类型", "type"), meta.get("doc_type")),
        (t(lang, "金额单位", "units"), "/".join(units) or None),
        (t(lang, "配置", "profile"), result.profile),
        (t(lang, "识别表格", "tables found"), len(result.tables)),
    ]
    sep = t(lang, "：", ": ")
    return "  ".join(f"{name}{sep}{value}" for name, value in facts if value not in (None, ""))


# ----------------------------------------------------------------------------- totals


class Totals(NamedTuple):
    files: int
    failed: int
    errors: int
    warnings: int
    info: int
    waived: int = 0  # not counted in errors, warnings or info
    stale: int = 0  # baseline entries that matched nothing


def totals(results: Results) -> Totals:
    findings = [f for r in results for f in r.findings if not f.waived]
    return Totals(
        files=len(results),
        failed=sum(1 for r in results if r.status == "failed"),
        errors=sum(1 for f in findings if f.severity == "error"),
        warnings=sum(1 for f in findings if f.severity == "warning"),
        info=sum(1 for f in findings if f.severity == "info"),
        waived=sum(r.waived for r in results),
        stale=sum(len(r.stale_waivers) for r in results),
    )


def closing_line(results: Results, lang: str) -> str:
    """The last line of a human report: how many errors, warnings and notes, in how many files."""
    n = totals(results)
    if lang == "en":
        text = (
            f"{_plural(n.errors, 'error')}, {_plural(n.warnings, 'warning')}, "
            f"{n.info} info in {_plural(n.files, 'file')}"
        )
        if n.failed:
            text += f" ({n.failed} could not be checked)"
        if n.waived:
            text += f"; {n.waived} waived"
        if n.stale:
            text += "; 1 baseline entry no longer matches" if n.stale == 1 else (
                f"; {n.stale} baseline entries no longer match"
            )
        return text + "."
    text = f"共 {n.errors} 个错误、{n.warnings} 个警告、{n.info} 条提示，检查了 {n.files} 个文件"
    if n.failed:
        text += f"（其中 {n.failed} 个无法检查）"
    if n.waived:
        text += f"；另有 {n.waived} 个已豁免"
    if n.stale:
        text += f"；基线中 {n.stale} 条豁免已不再匹配"
    return text + "。"


def clean_line(result: FileResult, options: ReportOptions) -> str:
    """The one calm line of a file with nothing shown."""
    lang = options.lang
    if not result.findings:
        n = rules_run(result)
        return t(
            lang,
            f"未发现问题：运行 {n} 条规则，全部通过。",
            f"No problems found: {_plural(n, 'rule')} run, all passed.",
        )
    hidden_w = sum(1 for f in result.findings if f.severity == "warning")
    hidden_i = sum(1 for f in result.findings if f.severity == "info")
    return t(
        lang,
        f"未发现错误（另有 {hidden_w} 个警告、{hidden_i} 条提示未显示）。",
        f"No errors ({_plural(hidden_w, 'warning')} and {hidden_i} info not shown).",
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ----------------------------------------------------------------------------- paths


def display_path(path: str) -> str:
    """A path as the user gave it, with forward slashes (the same on every platform)."""
    if "\\" in path and "/" not in path:
        return PureWindowsPath(path).as_posix()
    return path


def relative_path(path: str) -> str:
    """Relative to the working directory when the file lies under it, forward slashes always:
    what CI systems resolve against the checkout."""
    posix = display_path(path)
    candidate = Path(posix)
    if candidate.is_absolute():
        try:
            return candidate.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return candidate.as_posix()
    return PurePosixPath(posix).as_posix()


def markdown_cell(text: str) -> str:
    """A table cell that cannot break a markdown pipe table."""
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.splitlines())
