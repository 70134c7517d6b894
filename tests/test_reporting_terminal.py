import io

from rich.console import Console

from budgetcheck.findings import Finding, Text
from budgetcheck.reporting.common import ReportOptions
from budgetcheck.reporting.terminal import print_report, render_explain, render_rules
from report_samples import RULES, all_results, checked_result, clean_result, failed_result


def _console(**kwargs):
    return Console(file=io.StringIO(), record=True, width=120, legacy_windows=False, **kwargs)


def report(results=None, **options):
    console = _console()
    print_report(
        all_results() if results is None else results, RULES, ReportOptions(**options), console
    )
    return console.export_text()


def test_findings_with_cells_rows_and_figures():
    text = report()
    assert "收支总表!B21, 收支总表!D21" in text
    assert "填报 96,282,213.44 元，应为 96,282,213.47 元，相差 -0.03 元" in text
    assert "20103 政府办公厅（室）及相关机构事务 · 合计" in text
    assert "+0.03 万元" in text
    assert "9.62822e+07" not in text


def test_file_header_facts():
    text = report()
    assert "部门：某某市财政局" in text
    assert "年度：2024" in text
    assert "类型：部门预算" in text
    assert "金额单位：元/万元" in text
    assert "配置：default" in text
    assert "识别表格：2" in text
    assert "单位：某某中学" in text


def test_grouped_by_table_in_workbook_order_then_severity():
    text = report([checked_result()])
    order = [
        text.index(s)
        for s in (
            "收支总表 [",
            "R101",
            "一般公共预算支出表 [",
            "R201",
            "说明文字及其他",
            "P401",
            "N301",
        )
    ]
    assert order == sorted(order)


def test_text_finding_shows_location_and_quoted_sentence():
    text = report([checked_result()])
    assert "情况说明!A3" in text
    assert "“2024年部门预算收入9628.22万元，比上年增加17.62%。”" in text


def test_clean_file_gets_one_calm_line():
    text = report([clean_result()])
    assert "未发现问题：运行 3 条规则，全部通过。" in text
    assert "错误  " not in text


def test_failed_file_shows_its_reason():
    assert "无法检查：文件已加密，无法打开。" in report([failed_result()])
    assert "The file is encrypted" in report([failed_result()], lang="en")


def test_closing_line_counts_everything():
    text = report()
    assert "共 2 个错误、1 个警告、1 条提示，检查了 3 个文件（其中 1 个无法检查）。" in text
    assert "2 errors, 1 warning, 1 info in 3 files (1 could not be checked)." in report(lang="en")


def test_batch_summary_only_for_several_files():
    assert "无法检查      -" in report()
    assert "状态" not in report([checked_result()])


def test_quiet_shows_errors_only():
    text = report(quiet=True)
    assert "R101" in text and "P401" in text
    assert "R201" not in text and "N301" not in text
    assert "部门：某某市财政局" not in text


def test_quiet_does_not_call_a_file_with_warnings_clean():
    result = checked_result()
    result.findings = [f for f in result.findings if f.severity != "error"]
    text = report([result], quiet=True)
    assert "未发现错误（另有 1 个警告、1 条提示未显示）。" in text
    assert "全部通过" not in text


def test_verbose_lists_not_applicable_rules_and_unchecked_claims():
    plain = report([checked_result()])
    assert "R501" not in plain
    text = report([checked_result()], verbose=True)
    assert "R501  未找到政府性基金预算支出表" in text
    assert "“其他收入较上年略有增长。”" in text
    assert "No government fund table found" in report([checked_result()], verbose=True, lang="en")


def test_english():
    text = report(lang="en")
    assert "stated 96,282,213.44 yuan, expected 96,282,213.47 yuan, difference -0.03 yuan" in text
    assert "Total revenue differs from total expenditure" in text
    assert "No problems found: 3 rules run, all passed." in text
    assert "收入总计不等于支出总计" not in text


def test_deterministic_and_independent_of_finding_order():
    assert report() == report()
    shuffled = checked_result()
    shuffled.findings.reverse()
    assert report([shuffled]) == report([checked_result()])


def test_markup_in_data_is_printed_literally():
    result = checked_result()
    result.findings = [result.findings[2]._replace(row_label="[bold]收入[/]总计")]
    assert "[bold]收入[/]总计" in report([result])


def _gbk_result():
    result = checked_result()
    odd = Finding(
        rule_id="N302",
        severity="warning",
        message=Text("核对结果 ✓ 与 ✗ 😀", "check ✓ and ✗ 😀"),
        sentence="收入增长✓",
        fingerprint="x",
    )
    result.findings.append(odd)
    return result


def test_gbk_console_degrades_instead_of_crashing():
    stream = io.TextIOWrapper(io.BytesIO(), encoding="gbk")
    console = Console(file=stream, width=100, legacy_windows=False)
    print_report([_gbk_result(), failed_result()], RULES, ReportOptions(verbose=True), console)
    render_rules(RULES, "zh", console)
    stream.flush()
    text = stream.buffer.getvalue().decode("gbk")
    assert "核对结果 ? 与 ? ?" in text
    assert "96,282,213.44 元" in text


def test_ascii_console_gets_ascii_only():
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    console = Console(file=stream, width=100, legacy_windows=False)
    print_report([_gbk_result(), clean_result()], RULES, ReportOptions(lang="en"), console)
    render_rules(RULES, "en", console)
    render_explain(RULES["R101"], "en", console)
    stream.flush()
    text = stream.buffer.getvalue().decode("ascii")
    assert "stated 96,282,213.44 yuan" in text


def test_rules_table():
    console = _console()
    render_rules(RULES, "zh", console)
    lines = console.export_text().splitlines()
    assert lines[0].split() == ["规则", "严重程度", "检查类型", "标题"]
    rows = [line.split() for line in lines[2:]]
    assert [row[0] for row in rows] == ["N301", "P401", "R101", "R201"]
    assert rows[2] == ["R101", "错误", "row_identity", "收支总表收入合计等于支出合计"]


def test_explain_like_ruff_rule():
    console = _console()
    render_explain(RULES["R101"], "en", console)
    text = console.export_text()
    assert text.splitlines()[0] == "R101  Summary: total revenue equals total expenditure"
    assert "Severity: error" in text
    assert "Pack: default" in text
    assert "Check kind: row_identity" in text
    assert text.rstrip().endswith("A gap usually means a missing row.")
    console = _console()
    render_explain(RULES["R101"], "zh", console)
    assert "严重程度：错误" in console.export_text()
