import json
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from budgetcheck.reporting.common import ReportOptions
from budgetcheck.reporting.json_report import render_json
from report_samples import BIG, BIG_EXPECTED, RULES, all_results, checked_result

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "schemas" / "budgetcheck-report.schema.json").read_text("utf-8")
)


def data(results=None, **options):
    results = all_results() if results is None else results
    return json.loads(render_json(results, RULES, ReportOptions(**options)))


def test_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "options", [{}, {"lang": "en"}, {"quiet": True}, {"verbose": True, "lang": "en"}]
)
def test_output_validates(options):
    Draft202012Validator(SCHEMA).validate(data(**options))


def test_amounts_round_trip_exactly():
    finding = data()["files"][0]["findings"][0]
    assert finding["stated"] == "96282213.44"
    assert Decimal(finding["stated"]) == BIG
    assert Decimal(finding["expected"]) == BIG_EXPECTED
    assert Decimal(finding["difference"]) == BIG - BIG_EXPECTED
    assert finding["unit"] == "元"


def test_finding_fields():
    findings = data()["files"][0]["findings"]
    assert [f["rule_id"] for f in findings] == ["R101", "R201", "P401", "N301"]
    first = findings[0]
    assert first["cells"] == [
        {"sheet": "收支总表", "cell": "B21"},
        {"sheet": "收支总表", "cell": "D21"},
    ]
    assert first["table_kind"] == "revenue_expenditure_summary"
    assert first["row_label"] == "收入总计" and first["column"] == "预算数"
    assert first["fingerprint"] == "f1" * 8
    text = findings[3]
    assert text["paragraph"] == {
        "source": "情况说明",
        "location": "A3",
        "cell": {"sheet": "情况说明", "cell": "A3"},
        "heading": "一、收支预算总体情况",
    }
    assert text["sentence"].startswith("2024年部门预算收入9628.22万元")


def test_file_status_counts_and_metadata():
    checked, clean, failed = data()["files"]
    assert checked["status"] == "checked" and checked["reason"] is None
    assert checked["metadata"]["organisation"] == "某某市财政局"
    assert checked["profile"] == "default"
    assert checked["rule_counts"]["total"] == {
        "run": 17,
        "passed": 13,
        "failed": 4,
        "not_applicable": 1,
    }
    assert checked["rule_counts"]["per_rule"]["R201"]["passed"] == 11
    assert checked["finding_counts"] == {"error": 2, "warning": 1, "info": 1}
    assert clean["findings"] == []
    assert failed["status"] == "failed"
    assert failed["reason"] == "文件已加密，无法打开。"


def test_language_switch():
    report = data(lang="en")
    assert report["lang"] == "en"
    assert report["files"][0]["findings"][0]["message"] == (
        "Total revenue differs from total expenditure"
    )
    assert report["files"][2]["reason"] == "The file is encrypted and cannot be opened."
    assert report["files"][0]["not_applicable"] == {"R501": "No government fund table found"}


def test_quiet_keeps_errors_only():
    findings = data(quiet=True)["files"][0]["findings"]
    assert {f["severity"] for f in findings} == {"error"}


def test_byte_identical_and_fixed_key_order():
    first = render_json(all_results(), RULES, ReportOptions())
    assert first == render_json(all_results(), RULES, ReportOptions())
    shuffled = checked_result()
    shuffled.findings.reverse()
    assert render_json([shuffled], RULES, ReportOptions()) == render_json(
        [checked_result()], RULES, ReportOptions()
    )
    assert list(json.loads(first)) == [
        "schema_version",
        "tool",
        "lang",
        "summary",
        "rules",
        "files",
    ]
    assert first.endswith("}\n")


def test_free_form_loader_values_become_json():
    result = checked_result()
    result.metadata = {"z": Decimal("1E+2"), "a": 1.1, "path": Path("a/b.xlsx"), "s": {"y", "x"}}
    metadata = data([result])["files"][0]["metadata"]
    assert metadata == {"a": "1.1", "path": "a/b.xlsx", "s": ["x", "y"], "z": "100"}
    assert list(metadata) == ["a", "path", "s", "z"]
