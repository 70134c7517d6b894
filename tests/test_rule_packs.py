"""Rule packs are validated on load: every mistake is a rule error naming the file, the line and
the field, never a silent pass, a flood of findings or a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetcheck.api import Checker, CheckOptions
from budgetcheck.engine.packs import load_packs
from budgetcheck.engine.run import Options
from budgetcheck.errors import RuleError

RULE = """rules:
  - id: U001
    severity: error
    title: {{zh: 甲, en: a}}
    explain: {{zh: 甲, en: a}}
    check: {check}
"""


def pack(tmp_path: Path, text: str) -> Path:
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def checker(tmp_path: Path, text: str, **engine: object) -> Checker:
    return Checker.create(CheckOptions(engine=Options(**engine), rule_dirs=(pack(tmp_path, text),)))  # type: ignore[arg-type]


CASES = {
    "bad yaml": ("rules: [\n  - id: U001\n    severity: error\n  oops", "第", "line"),
    "python tag": ("rules: !!python/object:os.system {}\n", "YAML", "YAML"),
    "unknown field": (
        RULE.format(check="{kind: presence, require: tables}") + "    colour: red\n",
        "colour",
        "colour",
    ),
    "missing field": ("rules:\n  - id: U001\n    severity: error\n", "title", "title"),
    "bad id": (
        RULE.format(check="{kind: presence, require: tables}").replace("U001", "rule-1"),
        "rule-1",
        "rule-1",
    ),
    "bad severity": (
        RULE.format(check="{kind: presence, require: tables}").replace("error", "fatal"),
        "severity",
        "severity",
    ),
    "duplicate id": (
        RULE.format(check="{kind: presence, require: tables}") * 1
        + RULE.format(check="{kind: presence, require: tables}").replace("rules:\n", ""),
        "U001",
        "U001",
    ),
    "unknown kind": (RULE.format(check="{kind: telepathy}"), "telepathy", "telepathy"),
    "unknown table": (
        RULE.format(check="{kind: row_identity, table: 不存在表, expr: 合计 == 1}"),
        "不存在表",
        "不存在表",
    ),
    "unknown column": (
        RULE.format(check="{kind: row_identity, table: 支出总表, expr: 合计 == 基本支出 + 奇怪列}"),
        "奇怪列",
        "奇怪列",
    ),
    "unknown column elsewhere": (
        RULE.format(check="{kind: expression, expr: '支出总表[合计].奇怪列 == 1'}"),
        "奇怪列",
        "奇怪列",
    ),
    "unknown function": (
        RULE.format(
            check="{kind: row_identity, table: 支出总表, expr: 合计 == frobnicate(基本支出)}"
        ),
        "frobnicate",
        "frobnicate",
    ),
    "deep expression": (
        RULE.format(
            check="{kind: expression, expr: '" + "(" * 10000 + "1" + ")" * 10000 + " == 1'}"
        ),
        "",
        "",
    ),
    "unknown fact": (
        RULE.format(check="{kind: expression, expr: '说明[不存在] == 1'}"),
        "不存在",
        "不存在",
    ),
    "bad rollup": (
        RULE.format(check="{kind: rollup, parts: sideways, tables: [支出总表]}"),
        "parts",
        "parts",
    ),
    "unknown profile kind": (
        "profiles:\n  mine:\n    required: [budget_of_dreams]\n",
        "budget_of_dreams",
        "budget_of_dreams",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_pack_mistakes_are_rule_errors(case: str, tmp_path: Path) -> None:
    text, zh, en = CASES[case]
    with pytest.raises(RuleError) as caught:
        checker(tmp_path, text).check_file(
            Path(__file__).parents[1] / "fixtures" / "siping-2024.xlsx"
        )
    assert caught.value.exit_code == 3
    assert zh in caught.value.zh and en in caught.value.en
    assert "mine.yaml" in caught.value.zh or "U001" in caught.value.zh


def test_unknown_profile_is_a_rule_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="nowhere"):
        Checker.create(CheckOptions(engine=Options(profile="nowhere")))


def test_a_users_pack_adds_rules(tmp_path: Path) -> None:
    text = RULE.format(check="{kind: expression, expr: '支出总表[合计].合计 <= 1000'}")
    result = checker(tmp_path, text, select=("U",)).check_file(
        Path(__file__).parents[1] / "fixtures" / "siping-2024.xlsx"
    )
    assert [f.rule_id for f in result.findings] == ["U001"]
    assert result.findings[0].stated is not None


def test_the_default_pack_loads_and_every_rule_documents_itself() -> None:
    rules = load_packs().rules
    assert len(rules) >= 45
    for rule in rules:
        assert rule.info.title.zh and rule.info.title.en
        assert len(rule.info.explanation.zh) >= 10 and len(rule.info.explanation.en) >= 30
