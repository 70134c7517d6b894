"""Hand-built FileResults for the report tests: a file with findings of every kind, a clean file,
and a file that could not be loaded. No rule engine involved: reports only read these."""

from __future__ import annotations

from decimal import Decimal

from budgetcheck.findings import FileResult, Finding, RuleCount, RuleInfo, Text
from budgetcheck.model import CellRef, Paragraph

BIG = Decimal("96282213.44")
BIG_EXPECTED = Decimal("96282213.47")

RULES: dict[str, RuleInfo] = {
    "R101": RuleInfo(
        id="R101",
        severity="error",
        title=Text(
            "收支总表收入合计等于支出合计", "Summary: total revenue equals total expenditure"
        ),
        explanation=Text(
            "收支总表的收入总计应等于支出总计。\n\n两者不等通常是漏填或重复填报。",
            "Total revenue must equal total expenditure.\n\nA gap usually means a missing row.",
        ),
        check_kind="row_identity",
        pack="default",
    ),
    "R201": RuleInfo(
        id="R201",
        severity="warning",
        title=Text("类款项逐级汇总", "Function classification roll-up"),
        explanation=Text("类 = Σ款，款 = Σ项。", "Class = sum of its items."),
        check_kind="hierarchy",
        pack="default",
    ),
    "N301": RuleInfo(
        id="N301",
        severity="info",
        title=Text("说明文字金额与表格一致", "Narrative amounts match the tables"),
        explanation=Text("说明中的金额应与表格一致。", "Amounts in the text must match."),
        check_kind="narrative",
        pack="default",
    ),
    "P401": RuleInfo(
        id="P401",
        severity="error",
        title=Text("必备表格齐全", "Required tables present"),
        explanation=Text("应公开全部必备表格。", "Every required table must be published."),
        check_kind="presence",
        pack="default",
    ),
}

SENTENCE = "2024年部门预算收入9628.22万元，比上年增加17.62%。"
PARAGRAPH = Paragraph(
    text="一、收支预算总体情况。" + SENTENCE,
    source="情况说明",
    location="A3",
    ref=CellRef("情况说明", 2, 0),
    heading="一、收支预算总体情况",
)


def checked_result() -> FileResult:
    findings = [
        # Given out of order on purpose: reports sort.
        Finding(
            rule_id="N301",
            severity="info",
            message=Text(
                "说明文字所述收入 9,628.22 万元与收支总表不一致",
                "Revenue in the text (9,628.22 10k yuan) differs from the summary table",
            ),
            paragraph=PARAGRAPH,
            sentence=SENTENCE,
            stated=Decimal("9628.22"),
            expected=Decimal("9628.23"),
            unit="万元",
            fingerprint="f3" * 8,
        ),
        Finding(
            rule_id="R201",
            severity="warning",
            message=Text("款合计与项之和不等", "Item total differs from the sum of its parts"),
            table_kind="general_budget_expenditure",
            cells=(CellRef("一般公共预算支出表", 7, 3), CellRef("一般公共预算支出表", 8, 3)),
            row_code="20103",
            row_label="政府办公厅（室）及相关机构事务",
            column="合计",
            stated=Decimal("1169.86"),
            expected=Decimal("1169.83"),
            unit="万元",
            fingerprint="f2" * 8,
        ),
        Finding(
            rule_id="R101",
            severity="error",
            message=Text("收入总计不等于支出总计", "Total revenue differs from total expenditure"),
            table_kind="revenue_expenditure_summary",
            cells=(CellRef("收支总表", 20, 1), CellRef("收支总表", 20, 3)),
            row_code=None,
            row_label="收入总计",
            column="预算数",
            stated=BIG,
            expected=BIG_EXPECTED,
            unit="元",
            fingerprint="f1" * 8,
        ),
        Finding(
            rule_id="P401",
            severity="error",
            message=Text("缺少必备表格：项目支出表", "Missing required table: project expenditure"),
            fingerprint="f4" * 8,
        ),
    ]
    return FileResult(
        path="budgets/2024年某局部门预算.xlsx",
        status="checked",
        metadata={
            "organisation": "某某市财政局",
            "year": 2024,
            "doc_type": "部门预算",
            "level": "部门",
        },
        tables=[
            {
                "kind": "revenue_expenditure_summary",
                "title": "收支总表",
                "sheet": "收支总表",
                "unit": "元",
            },
            {
                "kind": "general_budget_expenditure",
                "title": "一般公共预算支出表",
                "sheet": "一般公共预算支出表",
                "unit": "万元",
            },
        ],
        profile="default",
        findings=findings,
        counts={
            "R101": RuleCount(run=1, passed=0, failed=1),
            "R201": RuleCount(run=12, passed=11, failed=1),
            "N301": RuleCount(run=3, passed=2, failed=1),
            "P401": RuleCount(run=1, passed=0, failed=1),
            "R501": RuleCount(run=0, not_applicable=1),
        },
        not_applicable={
            "R501": Text("未找到政府性基金预算支出表", "No government fund table found")
        },
        unchecked_claims=["其他收入较上年略有增长。"],
        exit_code=1,
    )


def clean_result() -> FileResult:
    return FileResult(
        path="budgets/clean.xlsx",
        status="checked",
        metadata={
            "organisation": "某某中学",
            "year": 2024,
            "doc_type": "单位预算",
            "level": "单位",
        },
        tables=[{"kind": "revenue_summary", "title": "收入总表", "sheet": "表2", "unit": "万元"}],
        profile="default",
        counts={
            "R101": RuleCount(run=1, passed=1),
            "R201": RuleCount(run=5, passed=5),
            "N301": RuleCount(run=2, passed=2),
        },
    )


def failed_result() -> FileResult:
    return FileResult(
        path="budgets/broken.xlsx",
        status="failed",
        error=Text("文件已加密，无法打开。", "The file is encrypted and cannot be opened."),
        exit_code=2,
    )


def all_results() -> list[FileResult]:
    return [checked_result(), clean_result(), failed_result()]
