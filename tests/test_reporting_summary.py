from budgetcheck.reporting.common import ReportOptions
from budgetcheck.reporting.formats import RENDERERS, render
from budgetcheck.reporting.summary import render_summary, show_summary, summary_rows
from report_samples import RULES, all_results, checked_result


def test_rows_per_file():
    rows = summary_rows(all_results(), "zh")
    assert rows[0] == ["budgets/2024年某局部门预算.xlsx", "已检查", "2", "1", "1"]
    assert rows[1] == ["budgets/clean.xlsx", "已检查", "0", "0", "0"]
    assert rows[2] == ["budgets/broken.xlsx", "无法检查", "-", "-", "-"]


def test_english_headers_and_status():
    text = render_summary(all_results(), "en")
    assert text.splitlines()[0].split() == ["file", "status", "errors", "warnings", "info"]
    assert "not checked" in text


def test_only_for_several_files():
    assert not show_summary([checked_result()])
    assert show_summary(all_results())


def test_markdown_summary_is_a_pipe_table():
    lines = render_summary(all_results(), "zh", "pipe").splitlines()
    assert all(line.startswith("|") and line.endswith("|") for line in lines)


def test_every_string_format_renders_the_large_amount():
    for name in RENDERERS:
        out = render(name, all_results(), RULES, ReportOptions())
        assert "96,282,213.44" in out or "96282213.44" in out, name
        assert "e+07" not in out.lower(), name
        assert out == render(name, all_results(), RULES, ReportOptions()), name
