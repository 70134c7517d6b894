"""Waivers: a baseline makes the next run pass, survives moved rows and sheets, and stops
matching when a waived figure changes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from budgetcheck.api import Checker
from budgetcheck.baseline import apply_baseline, dumps, load_baseline, record
from budgetcheck.errors import InputError
from budgetcheck.reporting.common import ReportOptions
from budgetcheck.reporting.formats import render

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHEET = "一般公共预算基本支出表"


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "budgetcheck", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
    )


def wrong_salary(target: Path, value: float = 445.48) -> Path:
    """The complete fixture with 基本工资's 合计 changed: two errors (R105 row identity, H103
    roll-up), both carrying the figure."""
    book = openpyxl.load_workbook(FIXTURES / "siping-2024-complete.xlsx")
    book[SHEET]["B6"].value = value
    book.save(target)
    return target


def insert_row_and_move_sheet(target: Path) -> None:
    """A blank row above the table and the sheet moved three places forward: every cell of the
    findings moves, their content does not."""
    book = openpyxl.load_workbook(target)
    sheet = book[SHEET]
    sheet.insert_rows(1)
    for merged in sheet.merged_cells.ranges:  # openpyxl leaves merges where they were
        merged.shift(0, 1)
    book.move_sheet(sheet, offset=-3)
    book.save(target)


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return list(json.loads(result.stdout)["files"][0]["findings"])


@pytest.fixture
def waived(tmp_path: Path) -> tuple[Path, Path]:
    book = wrong_salary(tmp_path / "budget.xlsx")
    base = tmp_path / ".budgetcheck-baseline.json"
    made = cli("baseline", book, "-o", base)
    assert made.returncode == 0, made.stderr
    return book, base


def test_baseline_records_every_finding_with_a_reason_to_fill_in(waived: tuple[Path, Path]):
    _book, base = waived
    data = json.loads(base.read_text(encoding="utf-8"))
    assert data["budgetcheck_baseline"] == 1
    rules = {entry["rule_id"] for entry in data["waivers"]}
    assert {"R105", "H103"} <= rules
    assert all(entry["reason"] == "" for entry in data["waivers"])
    assert {entry["file"] for entry in data["waivers"]} == {"budget.xlsx"}  # relative


def test_baseline_makes_the_next_run_exit_0(waived: tuple[Path, Path]):
    book, base = waived
    assert cli(book).returncode == 1
    result = cli(book, "--baseline", base, "-f", "json")
    assert result.returncode == 0, result.stdout
    found = findings(result)
    assert found and all(f["waived"] for f in found)
    assert json.loads(result.stdout)["summary"]["errors"] == 0
    text = cli(book, "--baseline", base)
    assert "已豁免" in text.stdout


def test_waiver_survives_inserted_rows_and_moved_sheets(waived: tuple[Path, Path]):
    book, base = waived
    insert_row_and_move_sheet(book)
    result = cli(book, "--baseline", base, "-f", "json")
    assert result.returncode == 0, result.stdout
    r105 = next(f for f in findings(result) if f["rule_id"] == "R105")
    assert r105["waived"] and r105["cells"][0] == {"sheet": SHEET, "cell": "B7"}  # moved down
    assert json.loads(result.stdout)["files"][0]["stale_waivers"] == []


def test_changing_a_waived_figure_fails_again_and_reports_the_stale_entry(
    waived: tuple[Path, Path],
):
    book, base = waived
    wrong_salary(book, 445.58)
    result = cli(book, "--baseline", base, "-f", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    live = [f for f in report["files"][0]["findings"] if not f["waived"]]
    assert {"R105", "H103"} <= {f["rule_id"] for f in live}
    stale = report["files"][0]["stale_waivers"]
    assert {"R105", "H103"} <= {entry["rule_id"] for entry in stale}
    assert report["summary"]["stale_waivers"] == len(stale)
    english = cli(book, "--baseline", base, "--lang", "en", "-f", "text")
    assert "no longer match" in english.stdout


def test_the_baseline_works_from_another_working_directory(waived: tuple[Path, Path]):
    book, base = waived
    elsewhere = book.parent / "sub"
    elsewhere.mkdir()
    result = cli(Path("..") / book.name, "--baseline", base, cwd=elsewhere)
    assert result.returncode == 0, result.stdout


def test_rerecording_keeps_reasons_and_other_files(tmp_path: Path):
    checker = Checker.create()
    book = wrong_salary(tmp_path / "a.xlsx")
    other = shutil.copy(FIXTURES / "siping-2024.xlsx", tmp_path / "b.xlsx")
    target = tmp_path / "base.json"
    first = record([checker.check_file(book), checker.check_file(other)], target)
    first.waivers = [
        w if w.file != "a.xlsx" else type(w)(**{**_fields(w), "reason": "原文如此"})
        for w in first.waivers
    ]
    target.write_text(dumps(first), encoding="utf-8")
    again = record([checker.check_file(book)], target, previous=load_baseline(target))
    assert {w.reason for w in again.waivers if w.file == "a.xlsx"} == {"原文如此"}
    assert [w for w in again.waivers if w.file == "b.xlsx"] == [
        w for w in first.waivers if w.file == "b.xlsx"
    ]
    assert dumps(again) == dumps(record([checker.check_file(book)], target, previous=again))


def _fields(waiver: object) -> dict[str, object]:
    return {name: getattr(waiver, name) for name in waiver.__dataclass_fields__}  # type: ignore[attr-defined]


def test_waived_findings_in_every_format(tmp_path: Path):
    checker = Checker.create()
    book = wrong_salary(tmp_path / "budget.xlsx")
    results = [checker.check_file(book)]
    baseline = record(results, tmp_path / "base.json")
    baseline.waivers = [type(w)(**{**_fields(w), "reason": "已核实"}) for w in baseline.waivers]
    apply_baseline(results, baseline)
    assert results[0].errors == 0 and results[0].exit_code == 0
    options = ReportOptions()
    rules = checker.rule_infos

    report = json.loads(render("json", results, rules, options))
    schema = json.loads((ROOT / "schemas" / "budgetcheck-report.schema.json").read_text("utf-8"))
    jsonschema.validate(report, schema)
    assert report["files"][0]["findings"][0]["waiver_reason"] == "已核实"

    sarif = json.loads(render("sarif", results, rules, options))
    sarif_schema = json.loads((ROOT / "schemas" / "sarif-2.1.0.schema.json").read_text("utf-8"))
    jsonschema.validate(sarif, sarif_schema)
    suppressions = [r["suppressions"] for r in sarif["runs"][0]["results"]]
    assert suppressions and all(s[0]["justification"] == "已核实" for s in suppressions)

    junit = ET.fromstring(render("junit", results, rules, options))
    assert junit.get("failures") == "0"
    assert "已豁免：已核实" in ET.tostring(junit, encoding="unicode")

    github = render("github", results, rules, options)
    assert github and all(line.startswith("::notice") for line in github.splitlines())

    for name in ("text", "markdown"):
        assert "错误（已豁免）" in render(name, results, rules, options)


def test_a_file_that_is_not_a_baseline_is_an_input_error(tmp_path: Path):
    bad = tmp_path / "base.json"
    bad.write_text('{"waivers": 3}', encoding="utf-8")
    with pytest.raises(InputError):
        load_baseline(bad)
    result = cli(FIXTURES / "siping-2024.xlsx", "--baseline", bad)
    assert result.returncode == 2
    assert "基线文件" in result.stderr
    missing = cli(FIXTURES / "siping-2024.xlsx", "--baseline", tmp_path / "none.json")
    assert missing.returncode == 2 and "budgetcheck baseline" in missing.stderr
