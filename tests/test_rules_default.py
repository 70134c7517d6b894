"""Every rule of the default pack fires on a broken document and stays quiet on a correct one.

Each case breaks one thing in a copy of a consistent fixture and names the cell the finding
must point at; the quiet cases run the same rule on the unbroken document.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from budgetcheck.model import CellRef, Document
from docbuild import (
    add_row,
    fixture,
    make_table,
    row,
    ruleset,
    run,
    set_amount,
    shift,
    table,
)

COMPLETE = "siping-2024-complete.xlsx"
FAITHFUL = "siping-2024.xlsx"
TEMPLATE = "siping-2024-template-layout.xlsx"
ONE = Decimal("1.00")

Case = Callable[[], tuple[Document, CellRef | None]]


def _shifted(
    name: str, kind: str, selector: str, column: str, side: str | None = None, by: Decimal = ONE
) -> Case:
    def case() -> tuple[Document, CellRef | None]:
        doc = fixture(name)
        tab = table(doc, kind)
        return doc, shift(tab, row(tab, selector, side), column, by)

    return case


def _set(
    name: str, kind: str, selector: str, column: str, value: Decimal | str, side: str | None = None
) -> Case:
    def case() -> tuple[Document, CellRef | None]:
        doc = fixture(name)
        tab = table(doc, kind)
        return doc, set_amount(tab, row(tab, selector, side), column, value)

    return case


def _as_is(name: str) -> Case:
    return lambda: (fixture(name), None)


def _fund_rows(
    kind: str,
    total: str,
    basic: str,
    project: str,
    note: str | None = None,
    point_at_total: bool = False,
) -> Case:
    def case() -> tuple[Document, CellRef | None]:
        doc = fixture(COMPLETE)
        tab = table(doc, kind)
        if note is not None:
            tab.note = note
        line = add_row(
            tab,
            "其他支出",
            {"合计": Decimal(total), "基本支出": Decimal(basic), "项目支出": Decimal(project)},
            code="229",
            level=1,
        )
        total_row = add_row(
            tab,
            "合计",
            {"合计": Decimal(total), "基本支出": Decimal(basic), "项目支出": Decimal(project)},
            kind="total",
        )
        return doc, (total_row if point_at_total else line).cells[1].ref

    return case


def _split_basic(kind: str, personnel: str) -> Case:
    """A table whose basic expenditure is split into 人员经费 and 公用经费 columns."""

    def case() -> tuple[Document, CellRef | None]:
        cols = ["合计", "基本支出/合计", "基本支出/人员经费", "基本支出/公用经费", "项目支出"]
        values = [
            Decimal("10.00"),
            Decimal("6.00"),
            Decimal(personnel),
            Decimal("2.00"),
            Decimal("4.00"),
        ]
        tab = make_table(
            kind,
            cols,
            [("一般公共服务支出", "201", 1, "item", values), ("合计", None, None, "total", values)],
            classification="function",
        )
        doc = fixture(COMPLETE)
        doc.tables = [t for t in doc.tables if t.kind != kind] + [tab]
        return doc, tab.rows[0].cells[2].ref

    return case


def _appropriation_parts(total: str) -> Case:
    def case() -> tuple[Document, CellRef | None]:
        cols = [
            "合计",
            "财政拨款收入/小计",
            "财政拨款收入/一般公共预算",
            "财政拨款收入/政府性基金预算",
            "事业收入",
        ]
        values = [
            Decimal("10.00"),
            Decimal(total),
            Decimal("5.00"),
            Decimal("3.00"),
            Decimal("2.00"),
        ]
        tab = make_table(
            "revenue_summary",
            cols,
            [("一般公共服务支出", "201", 1, "item", values), ("合计", None, None, "total", values)],
            classification="function",
        )
        doc = fixture(COMPLETE)
        doc.tables = [t for t in doc.tables if t.kind != "revenue_summary"] + [tab]
        return doc, tab.rows[0].cells[2].ref

    return case


def _summary_split(total: str) -> Case:
    def case() -> tuple[Document, CellRef | None]:
        doc = fixture(COMPLETE)
        tab = table(doc, "revenue_expenditure_summary")
        from budgetcheck.model import Column

        extra = [
            Column(10, ("支出", "基本支出", "人员经费"), "amount", "支出"),
            Column(11, ("支出", "基本支出", "公用经费"), "amount", "支出"),
            Column(12, ("支出", "项目支出"), "amount", "支出"),
        ]
        tab.columns.extend(extra)
        target = row(tab, "一般公共服务支出", "支出")
        set_amount(tab, target, "支出/基本支出/人员经费", Decimal("600.00"))
        set_amount(tab, target, "支出/基本支出/公用经费", Decimal("89.20"))
        set_amount(tab, target, "支出/项目支出", Decimal(total))
        return doc, target.cells[3].ref

    return case


def _note_claims_empty() -> Case:
    def case() -> tuple[Document, CellRef | None]:
        doc, _ = _fund_rows("government_fund_expenditure", "10.00", "6.00", "4.00")()
        return doc, table(doc, "government_fund_expenditure").note_ref

    return case


def _retitled(title: str) -> Case:
    def case() -> tuple[Document, CellRef | None]:
        doc = fixture(COMPLETE)
        tab = table(doc, "expenditure_summary")
        tab.title = title
        return doc, tab.title_ref

    return case


def _no_note() -> Case:
    def case() -> tuple[Document, CellRef | None]:
        doc = fixture(COMPLETE)
        tab = table(doc, "government_fund_expenditure")
        tab.note = None
        return doc, tab.title_ref

    return case


def _running_costs(value: str) -> Case:
    return _single_row_set("机关运行经费预算数", value)


def _single_row_set(column: str, value: str) -> Case:
    def case() -> tuple[Document, CellRef | None]:
        doc = fixture(TEMPLATE)
        tab = table(doc, "three_public_expenses")
        return doc, set_amount(tab, tab.rows[0], column, Decimal(value))

    return case


# rule id -> the broken document and the cell the finding must name (None: no particular cell)
FIRING: dict[str, Case] = {
    "R101": _shifted(COMPLETE, "revenue_summary", "201", "合计"),
    "R102": _shifted(COMPLETE, "expenditure_summary", "201", "总计"),
    "R103": _shifted(COMPLETE, "general_budget_expenditure", "201", "合计"),
    "R104": _shifted(COMPLETE, "general_budget_expenditure", "201", "基本支出/人员经费"),
    "R105": _shifted(COMPLETE, "general_budget_basic_expenditure", "301", "人员经费"),
    "R106": _fund_rows("government_fund_expenditure", "10.00", "5.00", "4.00"),
    "R107": _fund_rows("state_capital_expenditure", "10.00", "5.00", "4.00"),
    "R108": _shifted(COMPLETE, "project_expenditure", "便民热线服务费", "合计"),
    "R109": _set(COMPLETE, "three_public_expenses", "合计", "2024年预算数", ONE),
    "R110": _set(COMPLETE, "three_public_expenses", "公务用车费", "2024年预算数", ONE),
    # The form prints whole 万元 (270 ± 0.5), so only a change beyond its rounding shows.
    "R111": _shifted(
        COMPLETE, "project_performance_targets", "便民热线服务费", "年度资金总额", by=Decimal(2)
    ),
    "R112": _split_basic("expenditure_summary", "5.00"),
    "R113": _appropriation_parts("9.00"),
    "R114": _shifted(
        TEMPLATE, "fiscal_appropriation_summary", "一般公共服务支出", "财政拨款支出/合计", "支出"
    ),
    "R115": _summary_split("300.00"),
    "H101": _shifted(COMPLETE, "expenditure_summary", "20103", "总计"),
    "H102": _shifted(COMPLETE, "expenditure_summary", "合计", "基本支出"),
    "H103": _shifted(COMPLETE, "general_budget_basic_expenditure", "30101", "合计"),
    "H104": _shifted(COMPLETE, "general_budget_basic_expenditure", "合计", "公用经费"),
    "H105": _shifted(COMPLETE, "fiscal_appropriation_summary", "本年收入", "预算数", "收入"),
    "H106": _shifted(COMPLETE, "fiscal_appropriation_summary", "本年收入合计", "预算数", "收入"),
    "S101": _shifted(COMPLETE, "revenue_expenditure_summary", "收入总计", "预算数", "收入"),
    "S102": _shifted(COMPLETE, "fiscal_appropriation_summary", "收入总计", "预算数", "收入"),
    "S103": _set(
        COMPLETE, "revenue_expenditure_summary", "上年结转", "预算数", Decimal("5.00"), "收入"
    ),
    "S104": _set(
        COMPLETE, "fiscal_appropriation_summary", "上年结转", "预算数", Decimal("5.00"), "收入"
    ),
    "X101": _shifted(COMPLETE, "revenue_summary", "合计", "合计"),
    "X102": _shifted(COMPLETE, "expenditure_summary", "合计", "总计"),
    "X103": _shifted(
        COMPLETE, "revenue_expenditure_summary", "一般公共服务支出", "支出/预算数", "支出"
    ),
    "X104": _shifted(
        COMPLETE, "fiscal_appropriation_summary", "一般公共服务支出", "一般公共预算", "支出"
    ),
    "X105": _shifted(COMPLETE, "general_budget_expenditure", "合计", "合计"),
    "X106": _fund_rows("government_fund_expenditure", "10.00", "6.00", "4.00", point_at_total=True),
    "X110": _shifted(COMPLETE, "general_budget_expenditure", "合计", "基本支出/合计"),
    "X111": _set(COMPLETE, "expenditure_summary", "合计", "基本支出", Decimal("800.00")),
    "X112": _shifted(COMPLETE, "project_expenditure", "合计", "合计"),
    "X113": _shifted(COMPLETE, "general_budget_expenditure", "合计", "项目支出"),
    "X120": _shifted(COMPLETE, "general_budget_expenditure", "合计", "基本支出/人员经费"),
    "X121": _shifted(COMPLETE, "general_budget_basic_expenditure", "合计", "人员经费"),
    "X130": _shifted(
        COMPLETE, "project_performance_targets", "便民热线服务费", "年度资金总额", by=Decimal(2)
    ),
    "X131": _shifted(
        COMPLETE, "project_performance_targets", "便民热线服务费", "财政拨款", by=Decimal(2)
    ),
    "X132": _shifted(
        COMPLETE, "project_performance_targets", "便民热线服务费", "其他资金", by=Decimal(2)
    ),
    "X140": _set(COMPLETE, "three_public_expenses", "公务接待费", "2024年预算数", ONE),
    "X141": _set(COMPLETE, "three_public_expenses", "公务用车运行维护费", "2024年预算数", ONE),
    "X150": _running_costs("60.00"),
    "X151": _as_is(COMPLETE),
    "C101": _as_is(FAITHFUL),
    "C102": _no_note(),
    "C103": _note_claims_empty(),
    "C104": _as_is(FAITHFUL),
    "C105": _as_is(FAITHFUL),
    "C106": _retitled("2023年支出总表"),
    "D101": _set(COMPLETE, "expenditure_summary", "201", "基本支出", "待定"),
}

# rule id -> a correct document for rules that (rightly) fire on the Siping fixture itself
QUIET: dict[str, Case] = {
    "X151": _running_costs("54.70"),
    "R114": _as_is(TEMPLATE),
    "X150": _running_costs("54.70"),
    "R106": _fund_rows("government_fund_expenditure", "10.00", "6.00", "4.00", note=""),
    "R107": _fund_rows("state_capital_expenditure", "10.00", "6.00", "4.00", note=""),
    "R112": _split_basic("expenditure_summary", "4.00"),
    "R113": _appropriation_parts("8.00"),
    "R115": _summary_split("270.00"),
    "X140": _single_row_set("公务接待费", "0"),
    "X141": _single_row_set("公务用车购置及运行费/运行费", "0"),
}


@pytest.mark.parametrize("rule_id", sorted(FIRING))
def test_rule_fires_on_broken_document(rule_id: str) -> None:
    doc, cell = FIRING[rule_id]()
    found = [f for f in run(doc, select=(rule_id,)) if f.rule_id == rule_id]
    assert found, f"{rule_id} did not fire"
    if cell is not None:
        assert any(cell in f.cells for f in found), [f.cells for f in found]


@pytest.mark.parametrize("rule_id", sorted(FIRING))
def test_rule_is_quiet_on_correct_document(rule_id: str) -> None:
    doc, _ = QUIET.get(rule_id, _as_is(COMPLETE))()
    found = [f for f in run(doc, select=(rule_id,)) if f.rule_id == rule_id]
    assert not found, [f.message.en for f in found]


def test_every_table_rule_has_both_cases() -> None:
    narrative = {r.id for r in ruleset().rules if r.info.check_kind.startswith("narrative")}
    assert {r.id for r in ruleset().rules} - narrative == set(FIRING)


def test_faithful_siping_document_has_exactly_its_real_problems() -> None:
    found = [f for f in run(fixture(FAITHFUL)) if not f.rule_id.startswith("N")]
    errors = sorted(
        (f.rule_id, f.table_kind or f.message.en) for f in found if f.severity == "error"
    )
    assert errors == [
        (
            "C101",
            "Missing table '收入总表' (revenue summary), required by the profile "
            "'eleven tables (as in the Siping document)'",
        ),
        (
            "C101",
            "Missing table '收支总表' (revenue and expenditure summary), required by the profile "
            "'eleven tables (as in the Siping document)'",
        ),
        ("C104", "general_budget_expenditure"),
        ("C105", "project_performance_targets"),
    ]
    warnings = [f for f in found if f.severity == "warning"]
    assert [(f.rule_id, f.stated, f.expected) for f in warnings] == [
        ("X151", Decimal("26.70"), Decimal("54.70"))
    ]


@pytest.mark.parametrize(
    "name",
    [
        "siping-2024-complete.xlsx",
        "siping-2024-codes.xlsx",
        "siping-2024-stacked.xlsx",
        "siping-2024.xls",
        "siping-2024-template-layout.xlsx",
    ],
)
def test_complete_variants_have_no_errors(name: str) -> None:
    errors = [f for f in run(fixture(name)) if f.severity == "error"]
    assert not errors, [f.message.en for f in errors]


def test_strict_mode_reports_a_rounding_difference_that_intervals_accept() -> None:
    doc = fixture(COMPLETE)
    tab = table(doc, "expenditure_summary")
    ref = set_amount(tab, row(tab, "201"), "总计", Decimal("959.21"))
    assert not [f for f in run(doc, select=("R102",))]
    strict = run(doc, select=("R102",), strict=True)
    assert strict and ref in strict[0].cells
