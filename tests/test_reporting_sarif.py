import json
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from budgetcheck.model import CellRef
from budgetcheck.reporting.common import ReportOptions
from budgetcheck.reporting.sarif import artifact_uri, excel_reference, render_sarif
from report_samples import BIG, RULES, all_results, checked_result

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "schemas" / "sarif-2.1.0.schema.json").read_text("utf-8")
)


def data(results=None, **options):
    results = all_results() if results is None else results
    return json.loads(render_sarif(results, RULES, ReportOptions(**options)))


def test_schema_is_valid_draft_07():
    Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("options", [{}, {"lang": "en"}, {"quiet": True}])
def test_output_validates(options):
    Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER).validate(data(**options))


def test_driver_lists_every_rule():
    driver = data(lang="en")["runs"][0]["tool"]["driver"]
    assert driver["name"] == "budgetcheck"
    r101 = driver["rules"][2]
    assert r101["id"] == "R101"
    assert r101["shortDescription"]["text"] == "Summary: total revenue equals total expenditure"
    assert r101["fullDescription"]["text"] == "Total revenue must equal total expenditure."
    assert r101["help"]["text"] == RULES["R101"].explanation("en")
    assert r101["defaultConfiguration"]["level"] == "error"
    assert driver["rules"][0]["defaultConfiguration"]["level"] == "note"


def test_results():
    results = data()["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["R101", "R201", "P401", "N301"]
    assert [r["level"] for r in results] == ["error", "warning", "error", "note"]
    rules = data()["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    first = results[0]
    assert "填报 96,282,213.44 元" in first["message"]["text"]
    assert first["partialFingerprints"] == {"budgetcheck/v1": "f1" * 8}
    assert Decimal(first["properties"]["stated"]) == BIG
    location = first["locations"][0]
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("budgets/") and "\\" not in uri
    assert location["logicalLocations"] == [
        {
            "name": "收支总表!B21",
            "fullyQualifiedName": "'[2024年某局部门预算.xlsx]收支总表'!B21",
            "kind": "element",
        }
    ]
    related = first["relatedLocations"][0]["logicalLocations"][0]
    assert related["name"] == "收支总表!D21"


def test_text_finding_quotes_the_sentence():
    n301 = data()["runs"][0]["results"][3]
    assert "“2024年部门预算收入9628.22万元" in n301["message"]["text"]
    assert n301["locations"][0]["logicalLocations"][0]["name"] == "情况说明!A3"


def test_failed_file_is_a_notification():
    invocation = data(lang="en")["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notification = invocation["toolExecutionNotifications"][0]
    assert notification["message"]["text"] == "The file is encrypted and cannot be opened."
    uri = notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "budgets/broken.xlsx"


def test_uris_relative_forward_slashes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert artifact_uri(str(tmp_path / "sub" / "a b.xlsx")) == "sub/a%20b.xlsx"
    assert artifact_uri("budgets\\x.xlsx") == "budgets/x.xlsx"
    assert artifact_uri("/elsewhere/x.xlsx").startswith("file:///")
    assert excel_reference("d/it's.xlsx", CellRef("表 1", 0, 0)) == "'[it''s.xlsx]表 1'!A1"


def test_deterministic():
    assert render_sarif(all_results(), RULES, ReportOptions()) == render_sarif(
        all_results(), RULES, ReportOptions()
    )
    shuffled = checked_result()
    shuffled.findings.reverse()
    assert render_sarif([shuffled], RULES, ReportOptions()) == render_sarif(
        [checked_result()], RULES, ReportOptions()
    )
