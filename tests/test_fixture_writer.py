"""The sample workbooks and the library that writes them (no loader involved)."""

from __future__ import annotations

import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
sys.path.insert(0, str(FIXTURES))

import make_fixtures as mf  # noqa: E402
import workbook_writer as ww  # noqa: E402

needs_reference = pytest.mark.skipif(
    not mf.REFERENCE_MD.exists(), reason="reference document ../shared/reference not present"
)

WORKBOOKS = [name for name in mf.FIXTURE_FILES if name.endswith((".xlsx", ".xls"))]
TABLE_SHEETS = [
    "支出总表", "财政拨款收支预算表", "一般公共预算支出表", "一般公共预算基本支出表",
    "一般公共预算“三公”经费支出表", "政府性基金预算支出表", "国有资本经营预算支出表",
    "项目支出表", "项目支出绩效目标表",
]  # fmt: skip
FAITHFUL_SHEETS = ["封面", "部门概况", *TABLE_SHEETS, "情况说明", "名词解释"]
COMPLETE_SHEETS = [
    "封面",
    "部门概况",
    "收支总表",
    "收入总表",
    *TABLE_SHEETS,
    "情况说明",
    "名词解释",
]
TEMPLATE_SHEETS = [
    "封面", "目录", "部门主要职能", "部门机构设置", "名词解释", "部门编制说明", "部门收支总表",
    "部门收入总表", "部门支出总表", "部门财政拨款收支总表", "部门一般公共预算拨款表",
    "部门政府性基金拨款表", "部门国有资本经营预算拨款表 ", "部门一般公共预算拨款基本支出明细表",
    "部门“三公”经费和机关运行费预算表", "其他相关情况说明", "项目经费情况说明",
]  # fmt: skip
EXPECTED_SHEETS = {
    "siping-2024.xlsx": FAITHFUL_SHEETS,
    "siping-2024-complete.xlsx": COMPLETE_SHEETS,
    "siping-2024-template-layout.xlsx": TEMPLATE_SHEETS,
    "siping-2024-codes.xlsx": COMPLETE_SHEETS,
    "siping-2024-stacked.xlsx": ["封面", "部门概况", "预算表", "情况说明", "名词解释"],
    "siping-2024.xls": COMPLETE_SHEETS,
}


def snapshot(path: Path) -> dict[str, tuple[list[list[object]], list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        out[name] = (sheet.to_python(skip_empty_area=False), sorted(sheet.merged_cell_ranges))
    return out


def dec(value: object) -> Decimal:
    """Through the shortest repr, as the loader must (never Decimal(float))."""
    if value in ("", None):
        return Decimal(0)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not mf.REFERENCE_MD.exists():
        pytest.skip("reference document ../shared/reference not present")
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    mf.generate(first)
    mf.generate(second)
    return first, second


@pytest.fixture(scope="module")
def narrative() -> dict[str, list[mf.Paragraph]]:
    if not mf.REFERENCE_MD.exists():
        pytest.skip("reference document ../shared/reference not present")
    return mf.read_narrative()


# --------------------------------------------------------------------------- generation


@pytest.mark.parametrize("name", mf.FIXTURE_FILES)
def test_generation_is_deterministic(generated: tuple[Path, Path], name: str) -> None:
    first, second = generated
    if name in WORKBOOKS:
        assert snapshot(first / name) == snapshot(second / name)
    # fixed timestamps in the packages: the files are byte-identical too
    assert (first / name).read_bytes() == (second / name).read_bytes()


@pytest.mark.parametrize("name", WORKBOOKS)
def test_committed_fixtures_are_up_to_date(generated: tuple[Path, Path], name: str) -> None:
    committed = FIXTURES / name
    if not committed.exists():
        pytest.skip(f"{name} not generated yet: run python fixtures/make_fixtures.py")
    assert snapshot(committed) == snapshot(generated[0] / name), "rerun make_fixtures.py"


@pytest.mark.parametrize(("name", "sheets"), EXPECTED_SHEETS.items())
def test_fixture_opens_with_expected_sheets(
    generated: tuple[Path, Path], name: str, sheets: list[str]
) -> None:
    assert CalamineWorkbook.from_path(str(generated[0] / name)).sheet_names == sheets


def test_narrative_files(generated: tuple[Path, Path]) -> None:
    from docx import Document

    doc = Document(str(generated[0] / "siping-2024-narrative.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "第三部分 情况说明"
    assert "（一）机关运行经费说明" in headings
    body = [p.text for p in doc.paragraphs if not p.style.name.startswith("Heading")]
    assert any("其中：基本支出 899.86 万元" in p for p in body)
    text = (generated[0] / "siping-2024-narrative.txt").read_text(encoding="utf-8")
    assert text.rstrip("\n").split("\n\n") == [p.text for p in doc.paragraphs]


def test_missing_reference_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="reference document not found"):
        mf.read_narrative(tmp_path / "absent.md")


# --------------------------------------------------------------------------- narrative


def test_page_breaks_are_joined(narrative: dict[str, list[mf.Paragraph]]) -> None:
    overview = mf.texts(narrative["部门概况"])
    explanation = mf.texts(narrative["情况说明"])
    glossary = mf.texts(narrative["名词解释"])
    assert any("承担“数字四平”建设领导小组及办公室日常工作。" in p for p in overview)
    assert any("其中：基本支出 899.86 万元" in p for p in explanation)
    assert any("技术等级工资" in p for p in glossary)
    assert "二十七、工会经费:反映单位按规定提取或安排的工会经费。" in glossary
    # list items and numbered entries stay separate, truncations stay as published
    assert "（九）机关党委（人事科）" in overview
    assert glossary[-1].startswith("三十一、")
    assert glossary[-2].endswith("办公用房水电费、办")


def test_headings_carry_levels(narrative: dict[str, list[mf.Paragraph]]) -> None:
    levels = dict(narrative["情况说明"])
    assert levels["第三部分 情况说明"] == 1
    assert levels["六、2024 年一般公共预算基本支出情况"] == 2
    assert levels["（一）机关运行经费说明"] == 3


# --------------------------------------------------------------------------- consistency


def test_complete_spec_is_consistent(narrative: dict[str, list[mf.Paragraph]]) -> None:
    assert mf.check_identities(mf.complete_spec(narrative)) == []


def test_faithful_spec_keeps_the_documents_defects(
    narrative: dict[str, list[mf.Paragraph]],
) -> None:
    problems = mf.check_identities(mf.faithful_spec(narrative))
    assert len(problems) == 3, problems
    assert any("一般公共预算支出表: no 合计 row" in p for p in problems)
    assert any("项目级次 一级项目" in p for p in problems)


def _table(spec: ww.BudgetSpec, kind: str) -> ww.TableSpec:
    table = spec.table(kind)
    assert isinstance(table, ww.TableSpec)
    return table


def _values(row: ww.RowSpec, width: int) -> list[Decimal]:
    return [v if isinstance(v, Decimal) else Decimal(0) for v in row.values] + [Decimal(0)] * (
        width - len(row.values)
    )


def _column_sum(rows: list[ww.RowSpec], width: int) -> list[Decimal]:
    total = [Decimal(0)] * width
    for row in rows:
        total = [a + b for a, b in zip(total, _values(row, width), strict=True)]
    return total


@pytest.mark.parametrize(
    "kind",
    ["expenditure_summary", "revenue_summary", "general_budget_expenditure"],
)
def test_function_roll_ups_recomputed(narrative: dict[str, list[mf.Paragraph]], kind: str) -> None:
    table = _table(mf.complete_spec(narrative), kind)
    width = table.width - 1
    coded = [r for r in table.rows if r.code]
    for parent in coded:
        assert parent.code is not None
        children = [
            r for r in coded if r.code and len(r.code) == len(parent.code) + 2
            and r.code.startswith(parent.code)
        ]  # fmt: skip
        if children:
            assert _values(parent, width) == _column_sum(children, width), parent.label
    (total,) = [r for r in table.rows if r.kind == "total"]
    assert _values(total, width) == _column_sum([r for r in coded if r.level == 1], width)


def test_row_and_cross_table_identities_recomputed(
    narrative: dict[str, list[mf.Paragraph]],
) -> None:
    spec = mf.complete_spec(narrative)
    es = _table(spec, "expenditure_summary")
    gb = _table(spec, "general_budget_expenditure")
    basic = _table(spec, "general_budget_basic_expenditure")
    project = _table(spec, "project_expenditure")
    for row in es.rows:
        v = _values(row, 6)
        assert v[0] == sum(v[1:], Decimal(0)), row.label
    for row in gb.rows:
        v = _values(row, 5)
        assert (v[0], v[1]) == (v[1] + v[4], v[2] + v[3]), row.label
    for row in basic.rows:
        v = _values(row, 3)
        assert v[0] == v[1] + v[2], row.label
    es_total = _values(es.rows[-1], 6)
    gb_total = _values(gb.rows[-1], 5)
    basic_total = _values(basic.rows[0], 3)
    assert es_total[0] == gb_total[0] == Decimal("1169.86")
    assert es_total[1] == gb_total[1] == basic_total[0] == Decimal("899.86")
    assert gb_total[2:4] == basic_total[1:3] == [Decimal("845.16"), Decimal("54.70")]
    assert es_total[2] == gb_total[4] == project.rows[-1].values[0] == Decimal("270.00")
    assert basic_total[0] == sum((_values(r, 3)[0] for r in basic.rows if r.level == 1), Decimal(0))


# --------------------------------------------------------------------------- template layout

TEMPLATE_TABLES = {
    "部门支出总表": ("expenditure_summary", [0, 1, 2]),
    "部门一般公共预算拨款表": ("general_budget_expenditure", [0, 1, 4]),
    "部门收入总表": ("revenue_summary", [0, 1]),
    "部门一般公共预算拨款基本支出明细表": ("general_budget_basic_expenditure", [0, 1, 2]),
}


def _template_rows(path: Path, sheet: str, name_col: int) -> dict[str, list[object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    data = rows.to_python(skip_empty_area=False)[8:]
    return {str(r[name_col] or r[0]): r[name_col + 1 :] for r in data if r[0] != ""}


@pytest.mark.parametrize("sheet", TEMPLATE_TABLES)
def test_template_amounts_are_wan_yuan_times_10000(
    generated: tuple[Path, Path], narrative: dict[str, list[mf.Paragraph]], sheet: str
) -> None:
    kind, columns = TEMPLATE_TABLES[sheet]
    source = _table(mf.complete_spec(narrative), kind)
    name_col = 2 if kind == "general_budget_basic_expenditure" else 3
    written = _template_rows(generated[0] / "siping-2024-template-layout.xlsx", sheet, name_col)
    assert len(written) == len(source.rows)
    for row in source.rows:
        label = "合计" if row.kind == "total" else mf.FUNCTION_NAMES.get(row.code or "", row.label)
        label = ww.CN_ORDINAL.sub("", label)
        cells = written[label]
        for out_col, src_col in enumerate(columns):
            wan = row.values[src_col] if src_col < len(row.values) else None
            expected = (wan or Decimal(0)) * 10000
            assert dec(cells[out_col]) == expected, (sheet, label, src_col)


def test_template_three_public_stays_in_wan_yuan(generated: tuple[Path, Path]) -> None:
    sheet = CalamineWorkbook.from_path(
        str(generated[0] / "siping-2024-template-layout.xlsx")
    ).get_sheet_by_name("部门“三公”经费和机关运行费预算表")
    rows = sheet.to_python(skip_empty_area=False)
    assert rows[3][-1] == "单位：万元"
    assert [dec(v) for v in rows[8]] == [Decimal(0)] * 6 + [Decimal("26.7")]


def test_template_split_codes(generated: tuple[Path, Path]) -> None:
    rows = (
        CalamineWorkbook.from_path(str(generated[0] / "siping-2024-template-layout.xlsx"))
        .get_sheet_by_name("部门支出总表")
        .to_python(skip_empty_area=False)
    )
    assert rows[7][:3] == ["类", "款", "项"]
    assert rows[10][:4] == [201, "03", "01", "行政运行"]
    assert rows[-1][0] == "合计"


# --------------------------------------------------------------------------- library


def test_header_merges_are_inferred() -> None:
    header = [
        ["功能分类科目名称", "合 计", "基本支出", "", "", "项目支出"],
        ["", "", "合计", "人员经费", "公用经费", ""],
    ]
    assert sorted(ww.infer_merges(header)) == [
        (0, 0, 1, 0),
        (0, 1, 1, 1),
        (0, 2, 0, 4),
        (0, 5, 1, 5),
    ]


def test_unit_conversion_is_exact() -> None:
    assert ww.convert(Decimal("1169.86"), "万元", "元") == Decimal("11698600.00")
    assert ww.convert(Decimal("11698600.00"), "元", "万元") == Decimal("1169.86")
    assert ww.as_text(Decimal("1169.86")) == "1,169.86"
    assert ww.number_format(Decimal("270")) == "#,##0"


def test_amounts_are_written_without_float_noise(tmp_path: Path) -> None:
    row = ww.RowSpec("合计", [Decimal("1169.86"), Decimal("0.59")], kind="total")
    table = ww.TableSpec("t", "表", [["项目", "a", "b"]], [row])
    spec = ww.BudgetSpec("单位", 2024, "部门预算", [table])
    for suffix in (".xlsx", ".xls"):
        path = tmp_path / f"out{suffix}"
        ww.write_budget(spec, path, ww.Layout(unit="元"))
        values = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").to_python()
        assert [dec(v) for v in values[-1][1:]] == [Decimal("11698600"), Decimal("5900")]
    ww.write_budget(spec, tmp_path / "out.xlsx")
    with zipfile.ZipFile(tmp_path / "out.xlsx") as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>1169.86</v>" in xml and "<v>0.59</v>" in xml
