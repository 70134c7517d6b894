"""Each narrative rule, firing and quiet, on paragraphs of our own over the Siping tables."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from budgetcheck.model import Amount, Cell
from narrative_helpers import NARRATIVE_RULES, document, findings, outcome

GENERAL = "五、2024年一般公共预算支出情况"
THREE = "七、2024年一般公共预算“三公”经费拨款情况"
PROJECTS = "（四）项目支出情况说明"
CHAIN = "一般公共服务支出（201类）政府办公厅（室）及相关机构事务（03款）行政运行（01项）689.20万元。"

# rule id, heading, a paragraph that breaks the rule, the same paragraph written correctly
CASES: list[tuple[str, str | None, str, str]] = [
    ("N101", GENERAL, "2024年一般公共预算拨款1169.86万元，其中：基本支出899.96万元，占76.93%。",
     "2024年一般公共预算拨款1169.86万元，其中：基本支出899.86万元，占76.92%。"),
    ("N101", GENERAL, "基本支出中，人员经费8,452,600.00元。", "基本支出中，人员经费8,451,600.00元。"),
    ("N101", None, CHAIN.replace("689.20", "698.20"), CHAIN),
    ("N101", THREE, "2、公务接待费5万元。", "2、公务接待费0万元。"),
    ("N101", PROJECTS, "2024年部门项目支出280.00万元。", "2024年部门项目支出270.00万元。"),
    ("N101", None, "一般公共服务（类）支出 959.02 万元。", "一般公共服务（类）支出 959.20 万元。"),
    ("N102", GENERAL, "2024 年支出预算 1169.86 万元，其中：基本支出 899.86 万元，占 76.29%。",
     "2024 年支出预算 1169.86 万元，其中：基本支出 899.86 万元，占 76.92%。"),
    ("N102", GENERAL, "基本支出中，人员经费 845.16 万元，占 93.29%。", "基本支出中，人员经费 845.16 万元，占 93.92%。"),
    ("N102", GENERAL, "住房保障（类）支出 73.07 万元，占 6.52%。", "住房保障（类）支出 73.07 万元，占 6.25%。"),
    ("N103", GENERAL, "支出预算1169.86万元，其中：基本支出899.86万元，占76.92%；项目支出270.00万元，占23.18%。",
     "支出预算1169.86万元，其中：基本支出899.86万元，占76.92%；项目支出270.00万元，占23.08%。"),
    ("N104", None, CHAIN + "2023年当年预算执行数为650.00万元，2024年预算安排689.20万元，比2023年预算执行数增加6.30%。主要原因是：人员增加。",
     CHAIN + "2023年当年预算执行数为650.00万元，2024年预算安排689.20万元，比2023年预算执行数增加6.03%。主要原因是：人员增加。"),
    ("N104", None, CHAIN + "2023年当年预算执行数为650.00万元，2024年预算安排689.20万元，比2023年预算执行数减少6.03%。主要原因是：人员增加。",
     CHAIN + "2023年当年预算执行数为650.00万元，2024年预算安排689.20万元，比2023年预算执行数增长6.03%。主要原因是：人员增加。"),
    ("N104", None, CHAIN + "2023年预算数为650.00万元，2024年预算数为689.20万元，比2023年增加39.30万元。主要原因是人员增加。",
     CHAIN + "2023年预算数为650.00万元，2024年预算数为689.20万元，比2023年增加39.20万元。主要原因是人员增加。"),
    ("N104", None, CHAIN + "2023年预算数为650.00万元，2024年预算数为689.20万元，与2023年持平。",
     CHAIN + "2023年预算数为689.20万元，2024年预算数为689.20万元，与2023年持平。"),
    ("N104", None, "基本支出899.86万元，比2023年增加100.00万元，增长11.11%。主要原因是人员增加。",
     "基本支出899.86万元，比2023年增加100.00万元，增长12.50%。主要原因是人员增加。"),
    ("N105", None, "一般行政管理事务（项）支出270.00万元。2023年预算数为0万元，2024年预算数为270.00万元，比2023年增长100%。主要原因是新增便民热线服务。",
     "一般行政管理事务（项）支出270.00万元。2023年预算数为250.00万元，2024年预算数为270.00万元，比2023年增长8.00%。主要原因是新增便民热线服务。"),
    ("N106", None, CHAIN + "2024年预算安排698.20万元。", CHAIN + "2024年预算安排689.20万元。"),
    ("N107", None, "2024年政府采购预算总额10.00万元，其中：政府采购货物预算5.00万元、政府采购工程预算3.00万元、政府采购服务预算1.00万元。",
     "2024年政府采购预算总额9.00万元，其中：政府采购货物预算5.00万元、政府采购工程预算3.00万元、政府采购服务预算1.00万元。"),
    ("N107", None, "2024年政府采购预算总额10.00万元，其中授予中小企业合同金额12.00万元。",
     "2024年政府采购预算总额10.00万元，其中授予中小企业合同金额8.00万元。"),
    ("N107", None, "实有人员 74 人，其中：在职人员 70 人，离退休人员 3 人。", "实有人员 74 人，其中：在职人员 74 人，离退休人员 0 人。"),
    ("N107", None, "共有车辆 3 辆，其中：一般公务用车 1 辆，执法执勤用车 1 辆。", "共有车辆 2 辆，其中：一般公务用车 1 辆，执法执勤用车 1 辆。"),
    ("N108", PROJECTS, "2024年部门项目支出270万元，其中一级项目2个，二级项目1个。",
     "2024年部门项目支出270万元，其中一级项目1个，二级项目1个。"),
    ("N108", "十、项目支出绩效目标情况说明", "2024年确定3个一级项目支出的绩效目标，涉及金额270万元。",
     "2024年确定1个一级项目支出的绩效目标，涉及金额270万元。"),
    ("N108", None, "内设三个机构，分别为：办公室、财务科。", "内设两个机构，分别为：办公室、财务科。"),
    ("N109", None, "2024年支出预算1169.86万元，比2024年预算数增加130.65万元。主要原因是人员增加。",
     "2024年支出预算1169.86万元，比2023年预算数增加130.65万元。主要原因是人员增加。"),
    ("N110", None, "2022年支出预算1169.86万元。", "2024年支出预算1169.86万元。"),
    ("N110", None, "2021年起实施。", "根据《四平市2021年预算管理办法》，截至2021年12月31日的资产已清查。"),
    ("N111", None, CHAIN.replace("行政运行（01项）", "行政管理（01项）"), CHAIN),
    ("N112", None, "医疗卫生与计划生育支出 42.70 万元。", "卫生健康支出 42.70 万元。"),
    ("N113", "六、2024年一般公共预算基本支出情况", "公用经费 54.70 万元，主要包括：办公费、差旅费、其他交通补助。",
     "公用经费 54.70 万元，主要包括：办公费、差旅费、其他交通费用。"),
    ("N114", THREE, "1、因公出国（境）费0万元，比2023年预算数减少0万元。", "1、因公出国（境）费0万元，与2023年预算持平。"),
    ("N115", None, "机关运行经费26.70万元，比2023年预算增加1.35万元。",
     "机关运行经费26.70万元，比2023年预算增加1.35万元。主要原因是新增人员。"),
    ("N116", None, "比2023年预算增加1.35万元，主要原因是。", "比2023年预算增加1.35万元，主要原因是办公用房搬迁。"),
    ("N117", None, "比2023年预算增加1.35万元，主要原因是人员减少。", "比2023年预算增加1.35万元，主要原因是人员增加。"),
    ("N118", None, "基本支出XX万元。", "基本支出899.86万元。"),
    ("N118", None, "项目支出x,xxx万元，比上年增加（减少）。", "项目支出270.00万元，与上年持平。"),
    ("N118", None, "主要用途待填写。", "主要用于便民热线服务。"),
    ("N120", None, "基本支出899.86万元。。", "基本支出899.86万元。"),
    ("N120", None, "一般公共预算“三公经费0万元。", "一般公共预算“三公”经费0万元。"),
    ("N120", None, "政府采购预算0万元，。", "政府采购预算0万元。"),
    ("N121", None, "机关运行经费：为保障行政单位运行用于购买货物和服务的各项资金，包括办公及印刷费、邮电费、办",
     "机关运行经费：为保障行政单位运行用于购买货物和服务的各项资金，包括办公及印刷费、邮电费等。"),
]


@pytest.mark.parametrize(("rule_id", "heading", "bad", "good"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_and_is_quiet(rule_id: str, heading: str | None, bad: str, good: str) -> None:
    fired = findings(document([(heading, bad)]), rule_id)
    assert fired, f"{rule_id} should fire on {bad}"
    finding = fired[0]
    assert finding.paragraph is not None and finding.paragraph.location == "¶1"
    assert finding.sentence and finding.sentence in bad
    assert not findings(document([(heading, good)]), rule_id), f"{rule_id} should be quiet on {good}"


def test_good_paragraphs_give_no_finding_from_any_rule() -> None:
    doc = document(list(dict.fromkeys((c[1], c[3]) for c in CASES)))
    assert [(f.rule_id, f.sentence) for f in findings(doc)] == []


def test_amount_finding_carries_figures_and_cells() -> None:
    doc = document([(GENERAL, "2024年一般公共预算拨款1169.86万元，其中：基本支出899.96万元。")])
    (finding,) = findings(doc, "N101")
    assert finding.stated == Decimal("899.96") and finding.expected == Decimal("899.86")
    assert finding.unit == "万元"
    assert any(c.sheet == "一般公共预算支出表" for c in finding.cells)
    assert "899.96万元" in finding.message.zh and "899.86" in finding.message.zh


def test_duplicated_paragraphs() -> None:
    text = "按照全面实施预算绩效管理的要求，结合本部门职能和重点工作确定绩效目标。"
    assert findings(document([(None, text), (None, text)]), "N119")
    assert not findings(document([(None, text), (None, text.replace("本部门", "部门"))]), "N119")


def test_level_wording() -> None:
    text = "结合本部门职能和重点工作确定绩效目标。"
    assert findings(document([(None, text)], level="单位"), "N122")
    assert not findings(document([(None, text)], level="部门"), "N122")


def test_three_public_none_in_text_but_table_has_amounts() -> None:
    doc = document([(THREE, "本部门没有三公经费。")])
    assert not findings(doc, "N123")
    table = doc.table("three_public_expenses")
    assert table is not None
    for row in table.rows:
        if row.label in ("合计", "公务接待费"):
            (index, cell) = next(iter(row.cells.items()))
            row.cells[index] = Cell(cell.ref, Amount(Decimal(3), 0), "3")
    assert findings(doc, "N123")
    mentioned = copy.deepcopy(doc)
    mentioned.paragraphs = document([(THREE, "2024年三公经费预算数为3万元。其中：公务接待费3万元。")]).paragraphs
    assert not findings(mentioned, "N123")
    left_out = copy.deepcopy(doc)
    left_out.paragraphs = document([(THREE, "2024年三公经费预算数为3万元。")]).paragraphs
    assert findings(left_out, "N123")


def test_unchecked_claims_are_listed_not_reported() -> None:
    doc = document([(None, "2024年部门本级等1家行政单位的机关运行经费财政拨款预算26.70万元，比2023年预算增加1.35万元。"
                           "主要原因是人员增加。")])
    result = outcome(doc, "N101")
    assert not result.findings
    assert any("机关运行经费" in line and "26.70万元" in line for line in result.unchecked)


def test_all_narrative_rules_are_documented() -> None:
    from narrative_helpers import rules

    for rule_id in NARRATIVE_RULES:
        rule = rules()[rule_id]
        assert rule.info.title.zh and rule.info.title.en and rule.info.explanation.en
        assert rule.check["kind"] == "narrative"
