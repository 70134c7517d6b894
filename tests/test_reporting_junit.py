from pathlib import Path

import pytest
from lxml import etree

from budgetcheck.findings import Text
from budgetcheck.reporting.common import ReportOptions
from budgetcheck.reporting.junit import render_junit, xml_text
from report_samples import RULES, all_results, checked_result

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "schemas" / "junit.xsd")))


def parse(results=None, **options):
    results = all_results() if results is None else results
    return etree.fromstring(render_junit(results, RULES, ReportOptions(**options)).encode("utf-8"))


@pytest.mark.parametrize("options", [{}, {"lang": "en"}, {"quiet": True}])
def test_validates_against_junit_xsd(options):
    XSD.assertValid(parse(**options))


def test_suite_per_file_case_per_rule():
    root = parse()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "budgets/2024年某局部门预算.xlsx",
        "budgets/clean.xlsx",
        "budgets/broken.xlsx",
    ]
    cases = suites[0].findall("testcase")
    assert [c.get("name").split()[0] for c in cases] == ["N301", "P401", "R101", "R201", "R501"]
    assert suites[0].get("tests") == "5" and suites[0].get("failures") == "3"
    assert suites[0].get("skipped") == "1"
    assert root.get("tests") == "9" and root.get("failures") == "3" and root.get("errors") == "1"


def test_failure_per_finding_with_message_cells_and_figures():
    root = parse()
    r101 = root.find("testsuite/testcase[@name='R101 收支总表收入合计等于支出合计']")
    failure = r101.find("failure")
    assert failure.get("type") == "error"
    assert failure.get("message") == "收支总表!B21, 收支总表!D21: 收入总计不等于支出总计"
    assert "单元格：收支总表!B21, 收支总表!D21" in failure.text
    assert "填报 96,282,213.44 元，应为 96,282,213.47 元，相差 -0.03 元" in failure.text


def test_info_goes_to_system_out_and_not_applicable_is_skipped():
    suite = parse().find("testsuite")
    n301 = suite.find("testcase[@name='N301 说明文字金额与表格一致']")
    assert n301.find("failure") is None
    assert "“2024年部门预算收入9628.22万元" in n301.find("system-out").text
    skipped = suite.find("testcase[@name='R501']/skipped")
    assert skipped.get("message") == "未找到政府性基金预算支出表"


def test_failed_file_is_one_error():
    suite = parse().findall("testsuite")[2]
    assert suite.get("errors") == "1"
    error = suite.find("testcase/error")
    assert error.get("message") == "文件已加密，无法打开。"


def test_clean_file_cases_pass():
    suite = parse().findall("testsuite")[1]
    assert suite.get("failures") == "0"
    assert all(len(case) == 0 for case in suite.findall("testcase"))


def test_quiet_drops_rules_whose_findings_are_hidden():
    names = [
        c.get("name").split()[0] for c in parse(quiet=True).find("testsuite").findall("testcase")
    ]
    assert "R201" not in names and "N301" not in names and "R101" in names


def test_control_characters_are_escaped():
    result = checked_result()
    result.findings[2] = type(result.findings[2])(
        rule_id="R101", severity="error", message=Text("bad\x00\x07\x1b text\ud800", "bad")
    )
    root = parse([result])
    XSD.assertValid(root)
    text = etree.tostring(root, encoding="unicode")
    assert "bad\\x00\\x07\\x1b text\\xd800" in text
    assert xml_text("tab\tnew\nline") == "tab\tnew\nline"


def test_english_and_deterministic():
    first = render_junit(all_results(), RULES, ReportOptions(lang="en"))
    assert first == render_junit(all_results(), RULES, ReportOptions(lang="en"))
    assert "stated 96,282,213.44 yuan" in first
    assert "timestamp" not in first
    assert first.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
