"""JUnit XML for CI test views (GitLab, Jenkins), valid against schemas/junit.xsd.

testsuites > one testsuite per file > one testcase per rule. Each error or warning finding is
a <failure> of its rule's testcase; info findings go to the testcase's <system-out>, because CI
has no "note" level and a note should not turn a build red. A rule that did not apply is
<skipped>; a file that could not be loaded is a single testcase with an <error>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from budgetcheck import __version__, regex
from budgetcheck.findings import FileResult, Finding
from budgetcheck.i18n import t
from budgetcheck.reporting.common import (
    ReportOptions,
    Results,
    Rules,
    display_path,
    failure_reason,
    figures_text,
    finding_severity,
    location_text,
    ordered_findings,
    quoted,
    row_text,
    rule_ids,
    rule_title,
    waiver_text,
)

# Characters XML 1.0 cannot carry at all, not even as character references.
_NOT_XML = regex.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` with every character XML cannot carry written out as a visible \\xNN escape."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def render_junit(results: Results, rules: Rules, options: ReportOptions) -> str:
    root = ET.Element("testsuites", _attrs(name="budgetcheck", time="0"))
    suites = [_suite(result, rules, options) for result in results]
    root.extend(suites)
    root.set("tests", str(sum(int(s.get("tests", "0")) for s in suites)))
    root.set("failures", str(sum(int(s.get("failures", "0")) for s in suites)))
    root.set("errors", str(sum(int(s.get("errors", "0")) for s in suites)))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _suite(result: FileResult, rules: Rules, options: ReportOptions) -> ET.Element:
    path = display_path(result.path)
    if result.status == "failed":
        suite = ET.Element(
            "testsuite",
            _attrs(
                name=path, tests="1", failures="0", errors="1", skipped="0", time="0", file=path
            ),
        )
        case = ET.SubElement(suite, "testcase", _attrs(name="load", classname=path, time="0"))
        reason = failure_reason(result, options.lang)
        error = ET.SubElement(case, "error", _attrs(type="load", message=reason))
        error.text = xml_text(reason)
        return suite

    by_rule: dict[str, list[Finding]] = {}
    for finding in ordered_findings(result, options):
        by_rule.setdefault(finding.rule_id, []).append(finding)
    cases = []
    for rule_id in rule_ids(result):
        hidden = rule_id not in by_rule and any(f.rule_id == rule_id for f in result.findings)
        if hidden:
            continue  # quiet: its findings were filtered out; "passed" would be a lie
        cases.append(_case(result, rule_id, by_rule.get(rule_id, []), rules, options))
    suite = ET.Element(
        "testsuite",
        _attrs(
            name=path,
            tests=str(len(cases)),
            failures=str(sum(1 for c in cases if c.find("failure") is not None)),
            errors="0",
            skipped=str(sum(1 for c in cases if c.find("skipped") is not None)),
            time="0",
            file=path,
        ),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in _properties(result):
        ET.SubElement(properties, "property", _attrs(name=name, value=value))
    suite.extend(cases)
    return suite


def _properties(result: FileResult) -> list[tuple[str, str]]:
    found = [("budgetcheck.version", __version__)]
    if result.profile:
        found.append(("profile", result.profile))
    for key in ("organisation", "year", "doc_type", "level"):
        value = result.metadata.get(key)
        if value not in (None, ""):
            found.append((key, str(value)))
    return found


def _case(
    result: FileResult, rule_id: str, findings: list[Finding], rules: Rules, options: ReportOptions
) -> ET.Element:
    lang = options.lang
    path = display_path(result.path)
    title = rule_title(rules, rule_id, lang)
    case = ET.Element(
        "testcase",
        _attrs(name=f"{rule_id} {title}" if title else rule_id, classname=path, time="0"),
    )
    if rule_id in result.not_applicable and not findings:
        ET.SubElement(case, "skipped", _attrs(message=result.not_applicable[rule_id](lang)))
        return case
    notes = []
    for finding in findings:
        if finding.severity == "info" or finding.waived:  # waived: accepted, not a failure
            notes.append(finding_text(finding, lang))
            continue
        failure = ET.SubElement(
            case, "failure", _attrs(type=finding.severity, message=_failure_message(finding, lang))
        )
        failure.text = xml_text(finding_text(finding, lang))
    if notes:
        out = ET.SubElement(case, "system-out")
        out.text = xml_text("\n\n".join(notes))
    return case


def _failure_message(finding: Finding, lang: str) -> str:
    where = location_text(finding)
    message = finding.message(lang)
    return f"{where}: {message}" if where else message


def finding_text(finding: Finding, lang: str) -> str:
    """Everything a reader of a CI page needs, one fact a line."""
    sep = t(lang, "：", ": ")
    lines = [
        f"{finding_severity(finding, lang)} {finding.rule_id}{sep}{finding.message(lang)}"
    ]
    if finding.cells:
        lines.append(t(lang, "单元格", "cells") + sep + location_text(finding))
    elif finding.paragraph is not None:
        lines.append(t(lang, "位置", "location") + sep + str(finding.paragraph))
    row = row_text(finding)
    if row:
        lines.append(t(lang, "行", "row") + sep + row)
    figures = figures_text(finding, lang)
    if figures:
        lines.append(figures)
    if finding.sentence:
        lines.append(t(lang, "原文", "sentence") + sep + quoted(finding.sentence, lang))
    if finding.fingerprint:
        lines.append(t(lang, "指纹", "fingerprint") + sep + finding.fingerprint)
    if finding.waived:
        lines.append(waiver_text(finding, lang))
    return "\n".join(lines)


def _attrs(**values: str) -> dict[str, str]:
    return {key: xml_text(value) for key, value in values.items()}
