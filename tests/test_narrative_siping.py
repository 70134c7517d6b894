"""The Siping fixtures: their text passes every numeric check; the warnings are real defects."""

from __future__ import annotations

import pytest

from budgetcheck.api import check
from narrative_helpers import FIXTURES

NUMERIC = {"N101", "N102", "N103", "N104", "N105", "N106", "N107", "N108", "N109"}


@pytest.fixture(scope="module", params=["siping-2024-complete.xlsx", "siping-2024.xlsx"])
def narrative_findings(request: pytest.FixtureRequest) -> list:  # type: ignore[type-arg]
    (result,) = check([FIXTURES / request.param])
    return [f for f in result.findings if f.rule_id.startswith("N")]


def test_no_narrative_error(narrative_findings: list) -> None:  # type: ignore[type-arg]
    assert [f.rule_id for f in narrative_findings if f.severity == "error"] == []
    assert not [f for f in narrative_findings if f.rule_id in NUMERIC]


def test_other_transport_is_not_the_tables_name(narrative_findings: list) -> None:  # type: ignore[type-arg]
    (finding,) = [f for f in narrative_findings if f.rule_id == "N113"]
    assert "其他交通补助" in finding.message.zh and "其他交通费用" in finding.message.zh
    assert str(finding.paragraph) == "情况说明!A19"


def test_unchanged_three_public_written_as_a_decrease_of_zero(narrative_findings: list) -> None:  # type: ignore[type-arg]
    zero = [f for f in narrative_findings if f.rule_id == "N114"]
    assert [str(f.paragraph) for f in zero] == ["情况说明!A21", "情况说明!A22", "情况说明!A23", "情况说明!A24"]
    assert all("减少0万元" in (f.sentence or "") for f in zero)


def test_every_warning_is_a_known_defect(narrative_findings: list) -> None:  # type: ignore[type-arg]
    seen = sorted({(f.rule_id, str(f.paragraph)) for f in narrative_findings})
    assert seen == [
        ("N113", "情况说明!A19"),  # 其他交通补助: the table says 其他交通费用
        ("N114", "情况说明!A21"), ("N114", "情况说明!A22"), ("N114", "情况说明!A23"),
        ("N114", "情况说明!A24"),  # 减少0万元 where 持平 is meant
        ("N115", "情况说明!A33"),  # 机关运行经费 比2023年预算增加1.35万元, with no reason given
        ("N121", "名词解释!A31"),  # the definition of 机关运行经费 stops at "办公用房水电费、办"
    ]


def test_narrative_file_is_read_the_same_way() -> None:
    from budgetcheck.api import CheckOptions

    (result,) = check([FIXTURES / "siping-2024-complete.xlsx"],
                      CheckOptions(narrative=FIXTURES / "siping-2024-narrative.txt"))
    errors = [f for f in result.findings if f.rule_id.startswith("N") and f.severity == "error"]
    assert errors == []
