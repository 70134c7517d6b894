"""The sample workbooks in every layout load to the same tables and amounts.

The complete Siping budget is written five ways (one sheet per table, a 科目编码 column with text
amounts, stacked in one sheet, .xls, and the 上海普陀 template layout in 元 with 类|款|项 split);
each must read back as the same tables and, after unit conversion, the same amounts. The faithful
copy of the published document is the same minus what the document lacks. The two real district
templates (empty, as published) must be recognised table by table.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from budgetcheck.engine.index import TableIndex
from budgetcheck.engine.vocabulary import column_key, vocabulary
from budgetcheck.loading.text import key
from budgetcheck.loading.workbook import load
from budgetcheck.model import Document, Table

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
sys.path.insert(0, str(FIXTURES))

import make_fixtures as mf  # noqa: E402
import workbook_writer as ww  # noqa: E402

COMPLETE = "siping-2024-complete.xlsx"
FAITHFUL = "siping-2024.xlsx"
TEMPLATE_LAYOUT = "siping-2024-template-layout.xlsx"
# Same spec as the complete workbook, different layout: every table must load identically.
SAME_AS_COMPLETE = ["siping-2024-codes.xlsx", "siping-2024-stacked.xlsx", "siping-2024.xls"]
VARIANTS = [COMPLETE, *SAME_AS_COMPLETE, TEMPLATE_LAYOUT]
ALL_FIXTURES = [FAITHFUL, *VARIANTS]

ALL_KINDS = [
    "revenue_expenditure_summary", "revenue_summary", "expenditure_summary",
    "fiscal_appropriation_summary", "general_budget_expenditure",
    "general_budget_basic_expenditure", "three_public_expenses", "government_fund_expenditure",
    "state_capital_expenditure", "project_expenditure", "project_performance_targets",
]  # fmt: skip
TEMPLATE_KINDS = ALL_KINDS[:9]
EXPECTED_KINDS = {
    FAITHFUL: ALL_KINDS[2:],
    COMPLETE: ALL_KINDS,
    "siping-2024-codes.xlsx": ALL_KINDS,
    "siping-2024-stacked.xlsx": ALL_KINDS,
    "siping-2024.xls": ALL_KINDS,
    TEMPLATE_LAYOUT: list(mf.TEMPLATE_SHEETS),  # the template's own order
}
DEPTH = {"function": 3, "economic": 2}
# The narrative only fills the text sheets; the table specs do not depend on it.
NO_NARRATIVE: dict[str, list[mf.Paragraph]] = {"部门概况": [], "情况说明": [], "名词解释": []}


@cache
def loaded(name: str) -> Document:
    return load(FIXTURES / name)


@cache
def spec_of(name: str) -> ww.BudgetSpec:
    if name == FAITHFUL:
        return mf.faithful_spec(NO_NARRATIVE)
    if name == TEMPLATE_LAYOUT:
        complete = mf.complete_spec(NO_NARRATIVE)
        return ww.BudgetSpec(mf.ORG, mf.YEAR, "部门预算", mf.template_tables(complete))
    return mf.complete_spec(NO_NARRATIVE)


def table(name: str, kind: str) -> Table:
    found = loaded(name).tables_of(kind)
    assert len(found) == 1, f"{name}: {len(found)} tables of kind {kind}"
    return found[0]


# --------------------------------------------------------------------------- normalised view

RowKey = tuple[str | None, str]  # (side, code or normalised label)
View = dict[RowKey, dict[str, Decimal | None]]


def column_names(t: Table) -> dict[int, str]:
    """Amount columns by their canonical name from rules/tables.yaml (the names rules use), else
    by their normalised header path."""
    canonical = TableIndex(t, vocabulary()).canonical
    return {
        c.index: canonical.get(c.index) or "/".join(column_key(p) for p in c.path)
        for c in t.amount_columns
    }


def view(t: Table) -> View:
    """Each data and total row -> {column -> amount in 元 (None for blank/"-")}.

    A row label that recurs on one side (一般公共预算拨款 under 本年收入 and again under 上年结转)
    gets "#2" so that neither hides the other.
    """
    names = column_names(t)
    out: View = {}
    for row in t.rows:
        if row.kind not in ("item", "total"):
            continue
        row_key: RowKey = (row.side, row.code or key(row.label))
        while row_key in out:
            row_key = (row_key[0], row_key[1] + "#2")
        out[row_key] = {
            names[index]: None if cell.amount is None else cell.amount.value * t.unit_factor
            for index, cell in row.cells.items()
        }
    return out


def nonzero(values: dict[str, Decimal | None]) -> dict[str, Decimal]:
    """Blank and 0 alike: the template layout leaves blank what the tables print as 0.00."""
    return {name: v for name, v in values.items() if v}


# --------------------------------------------------------------------------- same as complete


@pytest.mark.parametrize("name", SAME_AS_COMPLETE)
def test_layouts_of_the_complete_budget_load_identically(name: str) -> None:
    complete, other = loaded(COMPLETE), loaded(name)
    assert [t.kind for t in other.tables] == [t.kind for t in complete.tables]
    for a, b in zip(complete.tables, other.tables, strict=True):
        assert b.unit == a.unit
        assert [c.path for c in b.columns if c.role == "amount"] == [
            c.path for c in a.columns if c.role == "amount"
        ], a.kind
        assert view(b) == view(a), a.kind
        assert [(r.label, r.level) for r in b.rows if r.kind == "item"] == [
            (r.label, r.level) for r in a.rows if r.kind == "item"
        ], a.kind
        assert b.note == a.note, a.kind


def test_faithful_document_is_the_complete_one_minus_its_gaps() -> None:
    """siping-2024.xlsx lacks 收支总表, 收入总表 and the 合计 row of 一般公共预算支出表."""
    complete, faithful = loaded(COMPLETE), loaded(FAITHFUL)
    missing = {"revenue_expenditure_summary", "revenue_summary"}
    assert [t.kind for t in faithful.tables] == [
        t.kind for t in complete.tables if t.kind not in missing
    ]
    for t in faithful.tables:
        expected = view(complete.table(t.kind))  # type: ignore[arg-type]
        if t.kind == "general_budget_expenditure":
            del expected[(None, "合计")]
            assert not [r for r in t.rows if r.kind == "total"]
        assert view(t) == expected, t.kind


# --------------------------------------------------------------------------- template layout

# What the template layout cannot have in common with the complete workbook, by construction of
# make_fixtures.template_tables (so excluded here, not papered over):
# - three_public_expenses is one horizontal row (合计 | 因公出国(境)费 | … | 机关运行经费) in the
#   template but a vertical list in the complete budget: only kind and unit are compared.
# - the two-sided tables list other income lines (财政拨款收入/事业收入… against the five sources)
#   and the template has no 本年支出合计/结转下年 lines: only rows present in both are compared.
# - revenue_summary has 财政拨款收入/事业收入… columns against 一般公共预算拨款/…: only shared
#   columns (合计) are compared; the same holds for every table (template tables have fewer columns).
# - blank and 0.00 are the same there (the template leaves zero cells blank).
NOT_COMPARABLE = {"three_public_expenses"}
TWO_SIDED = {"revenue_expenditure_summary", "fiscal_appropriation_summary"}


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_template_layout_has_the_same_amounts(kind: str) -> None:
    a, b = table(COMPLETE, kind), table(TEMPLATE_LAYOUT, kind)
    assert b.unit == ("万元" if kind == "three_public_expenses" else "元")
    if kind in NOT_COMPARABLE:
        return
    va, vb = view(a), view(b)
    if not va:  # the empty tables: nothing but their notes
        assert not vb
        return
    if kind not in TWO_SIDED:
        assert set(vb) == set(va), "the same rows"
    shared = set(va) & set(vb)
    assert shared, "no row in common"
    for row_key in shared:
        columns = set(va[row_key]) & set(vb[row_key])
        assert columns, f"{row_key}: no column in common"
        left = {c: v for c, v in nonzero(va[row_key]).items() if c in columns}
        right = {c: v for c, v in nonzero(vb[row_key]).items() if c in columns}
        assert right == left, row_key


def test_template_two_sided_tables_share_their_classes_and_totals() -> None:
    for kind in TWO_SIDED:
        shared = set(view(table(COMPLETE, kind))) & set(view(table(TEMPLATE_LAYOUT, kind)))
        labels = {label for side, label in shared if side == "支出"}
        assert {"一般公共服务支出", "社会保障和就业支出", "卫生健康支出", "住房保障支出"} <= labels
        assert ("收入", "收入总计") in shared and ("支出", "支出总计") in shared


def test_template_layout_three_public_row() -> None:
    t = table(TEMPLATE_LAYOUT, "three_public_expenses")
    (row,) = [r for r in t.rows if r.kind in ("item", "total")]
    values = view(t)[(None, key(row.label))]
    assert values["机关运行经费"] == Decimal("26.70") * 10000
    assert values["合计"] == 0


# --------------------------------------------------------------------------- every table


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_kinds_and_units(name: str) -> None:
    doc = loaded(name)
    assert [t.kind for t in doc.tables] == EXPECTED_KINDS[name]
    for t in doc.tables:
        if name == TEMPLATE_LAYOUT:
            assert t.unit == ("万元" if t.kind == "three_public_expenses" else "元"), t.kind
        else:
            assert t.unit == "万元", t.kind
        if t.kind != "project_performance_targets":  # the form states no 单位 line
            assert not t.unit_assumed, t.kind


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_metadata(name: str) -> None:
    meta = loaded(name).metadata
    assert meta.organisation == mf.ORG
    assert meta.year == 2024
    assert meta.doc_type == "部门预算"
    assert meta.level == "部门"


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_codes_and_levels_of_classified_rows(name: str) -> None:
    """Function and economic rows carry codes: printed, embedded, split or from the catalogue."""
    for written in spec_of(name).tables:
        if not isinstance(written, ww.TableSpec) or written.code_scheme is None:
            continue
        t = table(name, written.kind)
        assert t.classification == written.code_scheme
        expected = [(r.code, r.level) for r in written.rows if r.kind == "item"]
        assert [(r.code, r.level) for r in t.rows if r.kind == "item"] == expected, t.kind
        if expected:
            assert t.depth == DEPTH[written.code_scheme], t.kind
        totals = [r for r in written.rows if r.kind == "total"]
        assert len([r for r in t.rows if r.kind == "total"]) == len(totals), t.kind


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_labels_are_clean(name: str) -> None:
    """Labels lose PDF spacing, numbering and embedded codes; catalogue names stay whole."""
    for written in spec_of(name).tables:
        if not isinstance(written, ww.TableSpec) or written.code_scheme is None:
            continue
        t = table(name, written.kind)
        expected = [key(ww.CN_ORDINAL.sub("", r.label)) for r in written.rows if r.kind == "item"]
        assert [r.label for r in t.rows if r.kind == "item"] == expected, t.kind


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_notes_of_the_empty_tables(name: str) -> None:
    doc = loaded(name)
    for kind, note in (
        ("government_fund_expenditure", mf.EMPTY_FUND_NOTE),
        ("state_capital_expenditure", mf.EMPTY_STATE_CAPITAL_NOTE),
    ):
        t = table(name, kind)
        assert t.note == note
        assert t.note_ref is not None
        assert not t.has_data
        assert not [r for r in t.rows if r.kind == "item"]
    if name != TEMPLATE_LAYOUT:
        three = doc.table("three_public_expenses")
        assert three is not None
        assert three.note == "\n".join(mf.THREE_PUBLIC_NOTES)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_sheet_roles(name: str) -> None:
    roles = {s.name: s.role for s in loaded(name).sheets}
    assert roles["封面"] == "cover"
    assert roles["名词解释"] == "text"
    if name == TEMPLATE_LAYOUT:
        assert roles["目录"] == "contents"
        for sheet in ("部门主要职能", "部门机构设置", "部门编制说明", "其他相关情况说明"):
            assert roles[sheet] == "text", sheet
    else:
        assert roles["部门概况"] == "text"
        assert roles["情况说明"] == "text"
    tables = [s for s in loaded(name).sheets if s.role == "table"]
    assert sum(s.tables for s in tables) == len(EXPECTED_KINDS[name])


# --------------------------------------------------------------------------- precision


def _prints_two_decimals(written: ww.TableSpec | ww.FormSpec, layout_unit: str | None) -> bool:
    """Whether the fixture prints some amount of the table with 2 decimals."""
    if not isinstance(written, ww.TableSpec):
        return False
    rows = list(written.rows) + [r for r in (written.right_rows or []) if r is not None]
    values = [v for r in rows for v in r.values if isinstance(v, Decimal)]
    if layout_unit and layout_unit != written.unit:
        values = [ww.convert(v, written.unit, layout_unit) for v in values]
    return any(ww.decimals(v) == 2 for v in values)


def _precision_cases() -> list[object]:
    cases: list[object] = []
    for name in ALL_FIXTURES:
        layout_unit = "元" if name == TEMPLATE_LAYOUT else None
        for written in spec_of(name).tables:
            unit = None if written.kind == "three_public_expenses" else layout_unit
            if not _prints_two_decimals(written, unit):
                continue
            assert isinstance(written, ww.TableSpec)
            # Whole numbers stored as numbers (270.00 as 270) get their decimals from the format.
            cases.append(pytest.param(name, written.kind, id=f"{name}-{written.kind}"))
    return cases


@pytest.mark.parametrize(("name", "kind"), _precision_cases())
def test_precision_two_where_printed_with_two_decimals(name: str, kind: str) -> None:
    assert table(name, kind).precision == 2


# --------------------------------------------------------------------------- real templates


@pytest.fixture(scope="module")
def shared_dir() -> Path:
    """../shared relative to the repository root; the templates are not part of the repo."""
    shared = ROOT.parent / "shared"
    if not (shared / "reference" / "templates").is_dir():
        pytest.skip("../shared/reference/templates not present")
    return shared


TEMPLATE_FILES = {
    "shanghai-putuo-department-budget-template.xlsx": ("部门预算", "部门"),
    "shanghai-putuo-unit-budget-template.xlsx": ("单位预算", "单位"),
}


@pytest.fixture(scope="module", params=sorted(TEMPLATE_FILES))
def district_template(request: pytest.FixtureRequest, shared_dir: Path) -> tuple[str, Document]:
    name = request.param
    return name, load(shared_dir / "reference" / "templates" / name)


def test_district_template_kinds_and_units(district_template: tuple[str, Document]) -> None:
    _, doc = district_template
    assert sorted(t.kind for t in doc.tables) == sorted(TEMPLATE_KINDS)
    for t in doc.tables:
        assert t.unit == ("万元" if t.kind == "three_public_expenses" else "元"), t.kind
        assert not t.unit_assumed
        assert not t.has_data  # empty, as published


def test_district_template_codes_are_joined(district_template: tuple[str, Document]) -> None:
    _, doc = district_template
    for t in doc.tables:
        if t.classification is None:
            continue
        width = 3 if t.classification == "function" else 2
        code_columns = [c for c in t.columns if c.role == "code"]
        assert [key(c.leaf) for c in code_columns] == ["类", "款", "项"][:width], t.kind
        items = [r for r in t.rows if r.kind == "item"]
        assert items, t.kind
        for row in items:
            assert row.code and row.code.isdigit(), (t.kind, row.label)
            assert len(row.code) in (3, 5, 7)[:width], (t.kind, row.code)
            assert row.level == {3: 1, 5: 2, 7: 3}[len(row.code)]
            assert row.label
        # 205 | 02 | 05 read as one code: the 款 and 项 keep their leading zeros.
        codes = [r.code for r in items]
        assert all(len(c) == 3 or c[:3] in codes for c in codes if c), codes
        assert t.depth == width


def test_district_template_rows_have_names(district_template: tuple[str, Document]) -> None:
    """Numbered but unfilled lines ("二、", "三、…") are template slots, not items."""
    _, doc = district_template
    for t in doc.tables:
        if t.kind == "three_public_expenses":
            continue
        for row in t.rows:
            if row.kind == "item":
                assert row.label, (t.kind, row.ref)


def test_district_template_sheet_roles(district_template: tuple[str, Document]) -> None:
    _, doc = district_template
    roles = {s.name: s.role for s in doc.sheets}
    assert roles["封面"] == "cover"
    assert roles["目录"] == "contents"
    for sheet in doc.sheets:
        if sheet.name not in ("封面", "目录") and sheet.tables == 0:
            assert sheet.role == "text", sheet.name
    assert sum(s.tables for s in doc.sheets) == 9
    assert doc.paragraphs


def test_district_template_metadata(district_template: tuple[str, Document]) -> None:
    name, doc = district_template
    doc_type, level = TEMPLATE_FILES[name]
    assert doc.metadata.year == 2026
    assert doc.metadata.doc_type == doc_type
    assert doc.metadata.level == level
    # The cover says 上海市普陀区XX单位: a placeholder is never taken for the organisation.
    assert doc.metadata.organisation is None or "XX" not in doc.metadata.organisation
