"""SARIF 2.1.0 for code-scanning views (GitHub, GitLab, VS Code's SARIF viewer).

One run; the driver lists every rule. A result's physical location is the workbook (a
relative, forward-slash, percent-encoded URI) and its logical location the stated cell in
Excel's own reference syntax. The other cells involved are related locations. A file that could
not be loaded is a tool execution notification, not a result: no rule found anything in it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from budgetcheck import __version__
from budgetcheck.findings import FileResult, Finding, RuleInfo
from budgetcheck.model import CellRef
from budgetcheck.reporting.amounts_format import plain_amount
from budgetcheck.reporting.common import (
    ReportOptions,
    Results,
    Rules,
    failure_reason,
    figures_text,
    ordered_findings,
    quoted,
    relative_path,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "budgetcheck/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def render_sarif(results: Results, rules: Rules, options: ReportOptions) -> str:
    return json.dumps(sarif_data(results, rules, options), ensure_ascii=False, indent=2) + "\n"


def sarif_data(results: Results, rules: Rules, options: ReportOptions) -> dict[str, Any]:
    lang = options.lang
    rule_order = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(rule_order)}
    sarif_results = [
        _result(result, finding, index, lang)
        for result in results
        for finding in ordered_findings(result, options)
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "budgetcheck",
                        "version": __version__,
                        "rules": [_descriptor(rules[rule_id], lang) for rule_id in rule_order],
                    }
                },
                "invocations": [_invocation(results, lang)],
                "columnKind": "unicodeCodePoints",
                "results": sarif_results,
            }
        ],
    }


def artifact_uri(path: str) -> str:
    """The workbook as a relative URI reference: forward slashes, percent-encoded."""
    posix = relative_path(path)
    if PurePosixPath(posix).is_absolute():
        return "file://" + quote(posix, safe="/")
    return quote(posix, safe="/")


def excel_reference(path: str, cell: CellRef) -> str:
    """ "'[book.xlsx]Sheet'!A1": how Excel itself names a cell of another workbook."""
    book = PurePosixPath(relative_path(path)).name
    sheet = f"[{book}]{cell.sheet}".replace("'", "''")
    return f"'{sheet}'!{cell.a1}"


def _descriptor(rule: RuleInfo, lang: str) -> dict[str, Any]:
    explanation = rule.explanation(lang)
    first_paragraph = explanation.split("\n\n", 1)[0].strip() or rule.title(lang)
    return {
        "id": rule.id,
        "name": rule.title(lang),
        "shortDescription": {"text": rule.title(lang)},
        "fullDescription": {"text": first_paragraph},
        "help": {"text": explanation or rule.title(lang)},
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": {"checkKind": rule.check_kind, "pack": rule.pack},
    }


def _result(file: FileResult, finding: Finding, index: dict[str, int], lang: str) -> dict[str, Any]:
    data: dict[str, Any] = {"ruleId": finding.rule_id}
    if finding.rule_id in index:
        data["ruleIndex"] = index[finding.rule_id]
    data["level"] = LEVELS.get(finding.severity, "warning")
    data["message"] = {"text": _message(finding, lang)}
    data["locations"] = [_location(file.path, finding)]
    related = [_cell_location(file.path, cell, i) for i, cell in enumerate(finding.cells[1:], 1)]
    if related:
        data["relatedLocations"] = related
    if finding.fingerprint:
        data["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.waived:
        # SARIF's own word for an accepted result: viewers hide or grey it out.
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        if finding.waiver_reason:
            suppression["justification"] = finding.waiver_reason
        data["suppressions"] = [suppression]
    data["properties"] = _properties(finding)
    return data


def _message(finding: Finding, lang: str) -> str:
    lines = [finding.message(lang)]
    figures = figures_text(finding, lang)
    if figures:
        lines.append(figures)
    if finding.sentence:
        lines.append(quoted(finding.sentence, lang))
    return "\n".join(lines)


def _location(path: str, finding: Finding) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": _artifact_of(path, finding)}}
    }
    cell = finding.cells[0] if finding.cells else None
    if cell is None and finding.paragraph is not None:
        cell = finding.paragraph.ref
    if cell is not None:
        location["logicalLocations"] = [_logical(path, cell)]
    elif finding.paragraph is not None:
        name = str(finding.paragraph)
        location["logicalLocations"] = [
            {"name": name, "fullyQualifiedName": name, "kind": "element"}
        ]
    return location


def _artifact_of(path: str, finding: Finding) -> str:
    # A paragraph of a separate narrative file (no cell) lives in that file, named by source.
    paragraph = finding.paragraph
    if not finding.cells and paragraph is not None and paragraph.ref is None:
        return artifact_uri(paragraph.source)
    return artifact_uri(path)


def _cell_location(path: str, cell: CellRef, location_id: int) -> dict[str, Any]:
    return {
        "id": location_id,
        "physicalLocation": {"artifactLocation": {"uri": artifact_uri(path)}},
        "logicalLocations": [_logical(path, cell)],
    }


def _logical(path: str, cell: CellRef) -> dict[str, str]:
    return {"name": str(cell), "fullyQualifiedName": excel_reference(path, cell), "kind": "element"}


def _properties(finding: Finding) -> dict[str, Any]:
    props: dict[str, Any] = {"severity": finding.severity}
    optional: dict[str, str | None] = {
        "tableKind": finding.table_kind,
        "rowCode": finding.row_code,
        "rowLabel": finding.row_label,
        "column": finding.column,
        "stated": _amount(finding.stated),
        "expected": _amount(finding.expected),
        "difference": _amount(finding.difference),
        "unit": finding.unit,
        "sentence": finding.sentence,
    }
    props.update({key: value for key, value in optional.items() if value is not None})
    if finding.cells:
        props["cells"] = [str(cell) for cell in finding.cells]
    return props


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else plain_amount(value)


def _invocation(results: Results, lang: str) -> dict[str, Any]:
    notifications = [
        {
            "level": "error",
            "message": {"text": failure_reason(result, lang)},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(result.path)}}}
            ],
        }
        for result in results
        if result.status == "failed"
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation
