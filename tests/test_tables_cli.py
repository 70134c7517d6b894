"""`budgetcheck tables FILE`: what the loader read, as a tree and as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAITHFUL = ROOT / "fixtures" / "siping-2024.xlsx"
TEMPLATE_LAYOUT = ROOT / "fixtures" / "siping-2024-template-layout.xlsx"
ORG = "四平市政务服务和数字化建设管理局"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "budgetcheck", "tables", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture(scope="module")
def faithful_json() -> dict[str, Any]:
    result = run(FAITHFUL, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _table(data: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [t for t in data["tables"] if t["kind"] == kind]
    return found


def test_json_metadata(faithful_json: dict[str, Any]) -> None:
    assert faithful_json["format"] == "xlsx"
    assert faithful_json["metadata"] == {
        "organisation": ORG, "year": 2024, "doc_type": "部门预算", "level": "部门",
    }  # fmt: skip
    assert faithful_json["paragraphs"] > 0


def test_json_kinds_and_units(faithful_json: dict[str, Any]) -> None:
    kinds = [t["kind"] for t in faithful_json["tables"]]
    assert kinds == [
        "expenditure_summary", "fiscal_appropriation_summary", "general_budget_expenditure",
        "general_budget_basic_expenditure", "three_public_expenses",
        "government_fund_expenditure", "state_capital_expenditure", "project_expenditure",
        "project_performance_targets",
    ]  # fmt: skip
    for table in faithful_json["tables"]:
        assert table["unit"] == "万元", table["kind"]
        assert table["sheet"] == table["title"]  # one sheet per table, named as its title
        assert table["title_cell"] == "A1"
        assert table["invalid_cells"] == []


def test_json_columns(faithful_json: dict[str, Any]) -> None:
    general = _table(faithful_json, "general_budget_expenditure")
    assert [(c["column"], c["path"], c["role"]) for c in general["columns"]] == [
        ("A", ["功能分类科目名称"], "label"),
        ("B", ["合计"], "amount"),
        ("C", ["基本支出", "合计"], "amount"),
        ("D", ["基本支出", "人员经费"], "amount"),
        ("E", ["基本支出", "公用经费"], "amount"),
        ("F", ["项目支出"], "amount"),
    ]
    assert general["classification"] == "function"
    assert general["depth"] == 3
    assert general["total_rows"] == []  # the published table has no 合计 row
    assert general["precision"] == 2

    fiscal = _table(faithful_json, "fiscal_appropriation_summary")
    assert [(c["path"], c["side"]) for c in fiscal["columns"]] == [
        (["收入", "项目"], "收入"),
        (["收入", "预算数"], "收入"),
        (["支出", "项目"], "支出"),
        (["支出", "一般公共预算"], "支出"),
        (["支出", "政府性基金预算"], "支出"),
    ]
    assert len(fiscal["total_rows"]) == 4

    basic = _table(faithful_json, "general_budget_basic_expenditure")
    assert basic["classification"] == "economic"
    assert basic["depth"] == 2


def test_json_notes(faithful_json: dict[str, Any]) -> None:
    for kind in ("government_fund_expenditure", "state_capital_expenditure"):
        table = _table(faithful_json, kind)
        assert table["note"].startswith(f"注：{ORG}没有")
        assert table["note"].endswith("故本表无数据。")
        assert table["has_data"] is False
        assert table["data_rows"] == 0
    three = _table(faithful_json, "three_public_expenses")
    assert three["note"].startswith("说明：")
    assert "实有人员" in three["note"]
    assert _table(faithful_json, "expenditure_summary")["note"] is None


def test_json_sheets_without_tables(faithful_json: dict[str, Any]) -> None:
    others = {s["name"]: s["role"] for s in faithful_json["sheets"] if s["tables"] == 0}
    assert others == {"封面": "cover", "部门概况": "text", "情况说明": "text", "名词解释": "text"}
    assert all(s["role"] == "table" for s in faithful_json["sheets"] if s["tables"])


def test_json_of_the_template_layout() -> None:
    result = run(TEMPLATE_LAYOUT, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    roles = {s["name"]: s["role"] for s in data["sheets"]}
    assert roles["目录"] == "contents"
    assert roles["封面"] == "cover"
    units = {t["kind"]: t["unit"] for t in data["tables"]}
    assert units.pop("three_public_expenses") == "万元"
    assert set(units.values()) == {"元"}
    expenditure = _table(data, "expenditure_summary")
    assert [c["path"][-1] for c in expenditure["columns"] if c["role"] == "code"] == [
        "类", "款", "项"
    ]  # fmt: skip


def test_tree() -> None:
    result = run(FAITHFUL)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "siping-2024.xlsx" in out
    assert ORG in out and "2024" in out and "部门预算" in out
    for kind in ("expenditure_summary", "general_budget_basic_expenditure",
                 "project_performance_targets"):  # fmt: skip
        assert kind in out
    assert "单位: 万元" in out
    assert "基本支出 / 人员经费" in out  # column paths
    assert "故本表无数据" in out  # notes of the empty tables
    assert "没有表格的工作表" in out
    assert "封面: 封面" in out
    assert "部门概况: 说明文字" in out


def test_tree_in_english() -> None:
    result = run(FAITHFUL, "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "general public budget expenditure" in result.stdout
    assert "sheets without a table" in result.stdout
    assert "unit: 万元" in result.stdout


def test_a_file_without_tables_is_one_sentence(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "说明"
    book.active["A1"] = "这里没有表格。"
    path = tmp_path / "no-tables.xlsx"
    book.save(path)
    result = run(path)
    assert result.returncode != 0
    assert "没有找到任何预算表" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_is_one_sentence(tmp_path: Path) -> None:
    result = run(tmp_path / "absent.xlsx")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()
