from pathlib import Path

from wcwidth import wcswidth

from budgetcheck.reporting.common import ReportOptions
from budgetcheck.reporting.tabular import (
    escape_data,
    escape_property,
    render_github,
    render_markdown,
    render_text,
)
from report_samples import RULES, all_results, checked_result, clean_result


def text(results=None, **options):
    return render_text(
        all_results() if results is None else results, RULES, ReportOptions(**options)
    )


def markdown(results=None, **options):
    return render_markdown(
        all_results() if results is None else results, RULES, ReportOptions(**options)
    )


def github(results=None, **options):
    return render_github(
        all_results() if results is None else results, RULES, ReportOptions(**options)
    )


def test_text_keeps_large_amounts_exact():
    out = text()
    assert "96,282,213.44 元" in out and "96,282,213.47 元" in out and "-0.03 元" in out
    assert "e+07" not in out


def _end(line, part):
    return wcswidth(line[: line.index(part) + len(part)])


def _start(line, part):
    return wcswidth(line[: line.index(part)])


def test_text_columns_line_up_with_cjk():
    lines = text([checked_result()]).split("\n\n")[0].splitlines()
    header = next(line for line in lines if line.startswith("规则"))
    r101 = next(line for line in lines if line.startswith("R101"))
    r201 = next(line for line in lines if line.startswith("R201"))
    # Right-aligned amounts end under their header; the message column starts under its own.
    assert _end(header, "填报数") == _end(r101, "96,282,213.44 元") == _end(r201, "1,169.86 万元")
    assert _end(header, "差额") == _end(r101, "-0.03 元") == _end(r201, "+0.03 万元")
    assert _start(header, "说明") == _start(r101, "收入总计不等于") == _start(r201, "款合计")
    summary = text().split("\n\n")[-2].splitlines()
    assert len({wcswidth(line) for line in summary}) == 1


def test_text_content():
    out = text(verbose=True)
    assert out.splitlines()[0] == "budgets/2024年某局部门预算.xlsx"
    assert "部门：某某市财政局" in out
    assert "“2024年部门预算收入9628.22万元，比上年增加17.62%。”" in out
    assert "未发现问题：运行 3 条规则，全部通过。" in out
    assert "无法检查：文件已加密，无法打开。" in out
    assert "R501  未找到政府性基金预算支出表" in out
    assert out.rstrip().endswith(
        "共 2 个错误、1 个警告、1 条提示，检查了 3 个文件（其中 1 个无法检查）。"
    )


def test_text_quiet_and_english():
    quiet = text(quiet=True)
    assert "R101" in quiet and "R201" not in quiet and "N301" not in quiet
    english = text(lang="en")
    assert "stated" in english and "96,282,213.44 yuan" in english
    assert "No problems found: 3 rules run, all passed." in english


def test_markdown_tables():
    out = markdown()
    assert out.startswith("# budgetcheck 检查报告\n")
    assert "## budgets/2024年某局部门预算.xlsx" in out
    assert "| 96,282,213.44 元 |" in out.replace("  ", " ").replace("  ", " ")
    assert "## 汇总" in out
    rows = [line for line in out.splitlines() if line.startswith("| R")]
    assert len(rows) == 2 and all(line.endswith("|") for line in rows)


def test_markdown_escapes_pipes():
    result = checked_result()
    result.findings[2] = type(result.findings[2])(
        rule_id="R101",
        severity="error",
        message=result.findings[2].message.__class__("a|b\nc", "a|b\nc"),
        table_kind="revenue_expenditure_summary",
    )
    out = markdown([result])
    assert "a\\|b c" in out


def test_markdown_single_file_has_no_summary_and_is_deterministic():
    out = markdown([clean_result()], lang="en")
    assert "## Summary" not in out
    assert "No problems found" in out
    assert markdown() == markdown()


def test_github_annotations():
    lines = github().splitlines()
    assert lines[0].startswith("::error file=budgets/2024年某局部门预算.xlsx,title=R101::")
    assert "96,282,213.44 元" in lines[0]
    assert lines[1].startswith("::warning ")
    assert lines[3].startswith("::notice ")
    assert "17.62%25" in lines[3]
    assert "%0A" in lines[0] and "\n" not in lines[0]
    assert lines[-1] == "::error file=budgets/broken.xlsx,title=budgetcheck::文件已加密，无法打开。"
    assert all(line.startswith("::error") for line in github(quiet=True).splitlines())


def test_github_escaping():
    assert escape_data("50%\r\nx") == "50%25%0D%0Ax"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_tabular_deterministic():
    assert text() == text()
    assert github() == github()


def test_fast_display_width_agrees_with_wcwidth_on_budget_text() -> None:
    import wcwidth

    from budgetcheck.loading.workbook import load
    from budgetcheck.reporting.tabular import display_width

    doc = load(Path(__file__).parents[1] / "fixtures" / "siping-2024.xlsx")
    texts = [p.text for p in doc.paragraphs] + [r.raw_label for t in doc.tables for r in t.rows]
    texts += ["“三公”经费", "（差 -0.10 万元）", "１２３ａｂｃ", "—…·、。", "96,282,213.44 元"]
    for text in texts:
        assert display_width(text) == wcwidth.wcswidth(text), text
