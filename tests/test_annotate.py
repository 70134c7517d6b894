"""The annotated copy: marks, comments and a summary sheet; everything else as in the input."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from python_calamine import CalamineWorkbook

from budgetcheck.api import Checker
from budgetcheck.baseline import apply_baseline, record
from budgetcheck.errors import InputError
from budgetcheck.reporting.annotate import (
    FILLS,
    WAIVED_FILL,
    annotate_workbook,
    annotation_targets,
    finding_cells,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "budgetcheck", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cell_state(cell: object) -> tuple[object, ...]:
    """What a reader sees of a cell, its fill and comment aside (those are the marks)."""
    c: object = cell
    return (
        c.value,  # type: ignore[attr-defined]
        c.number_format,  # type: ignore[attr-defined]
        repr(c.font),  # type: ignore[attr-defined]
        repr(c.border),  # type: ignore[attr-defined]
        repr(c.alignment),  # type: ignore[attr-defined]
        repr(c.protection),  # type: ignore[attr-defined]
    )


@pytest.fixture(scope="module")
def annotated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("annotate")
    source = shutil.copy(FIXTURES / "siping-2024.xlsx", folder / "budget.xlsx")
    before = sha256(source)
    out = folder / "budget-checked.xlsx"
    result = cli(source, "--annotate", out, "-f", "json", "-o", folder / "r.json")
    assert result.returncode == 1, result.stderr  # the fixture's 4 errors
    assert sha256(source) == before
    checked = Checker.create().check_file(source)
    return source, out, checked


def test_the_copy_opens_with_the_summary_sheet_first(annotated):
    source, out, checked = annotated
    copy = openpyxl.load_workbook(out)
    original = openpyxl.load_workbook(source)
    assert copy.sheetnames == ["检查结果", *original.sheetnames]
    assert copy.active.title == "检查结果"
    summary = copy["检查结果"]
    rows = list(summary.iter_rows(min_row=5, values_only=True))
    assert [row[1] for row in rows] == [f.rule_id for f in _ordered(checked)]
    links = [row[3] for row in summary.iter_rows(min_row=5) if row[3].hyperlink is not None]
    first = next(f for f in _ordered(checked) if f.cells)
    assert links[0].value == str(first.cells[0])
    assert links[0].hyperlink.location == f"'{first.cells[0].sheet}'!{first.cells[0].a1}"


def test_every_cell_of_a_finding_has_a_fill_and_a_comment(annotated):
    _source, out, checked = annotated
    copy = openpyxl.load_workbook(out)
    marked = 0
    for finding in checked.findings:
        for ref in finding_cells(finding):
            cell = copy[ref.sheet].cell(row=ref.row + 1, column=ref.col + 1)
            assert cell.comment is not None and finding.rule_id in cell.comment.text
            assert finding.message("zh") in cell.comment.text
            assert cell.fill.fgColor.rgb.endswith(
                FILLS["error"] if _worst_here(checked, ref) == "error" else FILLS["warning"]
            )
            marked += 1
    assert marked >= 5
    assert copy["一般公共预算支出表"]["A19"].fill.fgColor.rgb.endswith(FILLS["error"])


def test_everything_else_equals_the_input(annotated):
    source, out, checked = annotated
    copy = openpyxl.load_workbook(out)
    original = openpyxl.load_workbook(source)
    marks = {
        (ref.sheet, ref.row + 1, ref.col + 1)
        for finding in checked.findings
        for ref in finding_cells(finding)
    }
    for sheet in original.worksheets:
        twin = copy[sheet.title]
        assert twin.max_row == sheet.max_row and twin.max_column == sheet.max_column
        assert {str(r) for r in twin.merged_cells.ranges} == {
            str(r) for r in sheet.merged_cells.ranges
        }
        assert {k: v.width for k, v in twin.column_dimensions.items()} == {
            k: v.width for k, v in sheet.column_dimensions.items()
        }
        assert {k: v.height for k, v in twin.row_dimensions.items()} == {
            k: v.height for k, v in sheet.row_dimensions.items()
        }
        assert twin.sheet_state == sheet.sheet_state
        assert twin.freeze_panes == sheet.freeze_panes
        for row in sheet.iter_rows():
            for cell in row:
                other = twin[cell.coordinate]
                assert cell_state(other) == cell_state(cell), (sheet.title, cell.coordinate)
                if (sheet.title, cell.row, cell.column) not in marks:
                    assert repr(other.fill) == repr(cell.fill), (sheet.title, cell.coordinate)
                    assert other.comment == cell.comment


def test_english_comments_and_sheet_name(tmp_path: Path):
    checked = Checker.create().check_file(FIXTURES / "siping-2024.xlsx")
    out = tmp_path / "en.xlsx"
    annotate_workbook(FIXTURES / "siping-2024.xlsx", checked, out, lang="en")
    copy = openpyxl.load_workbook(out)
    assert copy.sheetnames[0] == "Findings"
    comment = copy["一般公共预算支出表"]["A19"].comment.text
    assert "error" in comment and "缺少" not in comment


def test_it_refuses_to_write_over_the_input(tmp_path: Path):
    source = shutil.copy(FIXTURES / "siping-2024.xlsx", tmp_path / "budget.xlsx")
    before = sha256(source)
    result = cli(source, "--annotate", source)
    assert result.returncode == 2
    assert "不能覆盖原文件" in result.stderr
    assert sha256(source) == before
    via_link = tmp_path / "link.xlsx"
    via_link.hardlink_to(source)
    with pytest.raises(InputError):
        annotation_targets([source], via_link)
    with pytest.raises(InputError):
        annotation_targets([source], tmp_path / "copy.xls")  # an .xlsx is what gets written


def test_an_xls_input_gets_an_xlsx_copy_from_calamines_values(tmp_path: Path):
    source = FIXTURES / "siping-2024.xls"
    out = tmp_path / "copy.xlsx"
    result = cli(source, "--annotate", out)
    assert result.returncode in (0, 1), result.stderr
    copy = openpyxl.load_workbook(out)
    book = CalamineWorkbook.from_path(str(source))
    assert copy.sheetnames == ["检查结果", *book.sheet_names]
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        twin = copy[name]
        for r, row in enumerate(sheet.to_python(skip_empty_area=False)):
            for c, value in enumerate(row):
                got = twin.cell(row=r + 1, column=c + 1).value
                assert (got if got is not None else "") == value, (name, r, c)
        merges = {
            (r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges
        }
        assert merges == {
            (m.min_row, m.min_col, m.max_row, m.max_col) for m in twin.merged_cells.ranges
        }
    # amounts keep the decimals they were shown with: 270 still reads "270.00"
    assert (copy["支出总表"]["D4"].value, copy["支出总表"]["D4"].number_format) == (270, "0.00")


def test_waived_cells_are_grey_and_give_the_reason(tmp_path: Path):
    checker = Checker.create()
    source = shutil.copy(FIXTURES / "siping-2024.xlsx", tmp_path / "budget.xlsx")
    results = [checker.check_file(source)]
    baseline = record(results, tmp_path / "base.json")
    baseline.waivers = [
        type(w)(**{**{n: getattr(w, n) for n in w.__dataclass_fields__}, "reason": "原文如此"})
        for w in baseline.waivers
    ]
    apply_baseline(results, baseline)
    out = tmp_path / "waived.xlsx"
    annotate_workbook(source, results[0], out)
    cell = openpyxl.load_workbook(out)["一般公共预算支出表"]["A19"]
    assert cell.fill.fgColor.rgb.endswith(WAIVED_FILL)
    assert "已豁免" in cell.comment.text and "原文如此" in cell.comment.text


def test_an_existing_comment_is_kept(tmp_path: Path):
    book = openpyxl.load_workbook(FIXTURES / "siping-2024.xlsx")
    book["一般公共预算支出表"]["A19"].comment = Comment("审核人：请补合计行", "张三")
    source = tmp_path / "commented.xlsx"
    book.save(source)
    checked = Checker.create().check_file(source)
    out = tmp_path / "out.xlsx"
    annotate_workbook(source, checked, out)
    text = openpyxl.load_workbook(out)["一般公共预算支出表"]["A19"].comment.text
    assert text.startswith("审核人：请补合计行") and "C104" in text


def test_several_files_go_to_a_folder(tmp_path: Path):
    good = shutil.copy(FIXTURES / "siping-2024-complete.xlsx", tmp_path / "good.xlsx")
    bad = shutil.copy(FIXTURES / "siping-2024.xlsx", tmp_path / "bad.xlsx")
    folder = tmp_path / "out"
    assert cli(good, bad, "--annotate", tmp_path / "nope.xlsx").returncode == 2
    folder.mkdir()
    result = cli(good, bad, "--annotate", folder)
    assert result.returncode == 1
    assert sorted(p.name for p in folder.iterdir()) == ["bad.annotated.xlsx", "good.annotated.xlsx"]


def _ordered(checked):  # type: ignore[no-untyped-def]
    from budgetcheck.reporting.common import ReportOptions, ordered_findings

    return ordered_findings(checked, ReportOptions())


def _worst_here(checked, ref) -> str:  # type: ignore[no-untyped-def]
    here = [f for f in checked.findings if ref in finding_cells(f)]
    return "error" if any(f.severity == "error" for f in here) else "warning"
