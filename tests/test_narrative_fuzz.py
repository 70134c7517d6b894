"""Change one number of a correct paragraph: the change is reported, with the right sentence."""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetcheck.narrative.text import compact, numbers
from narrative_helpers import document, findings

EXAMPLES = int(os.environ.get("BUDGETCHECK_FUZZ_EXAMPLES", "40"))

CORRECT: list[tuple[str | None, str]] = [
    ("五、2024年一般公共预算支出情况",
     "2024年一般公共预算拨款1169.86万元，其中：基本支出899.86万元，占76.92%；项目支出270.00万元，占23.08%。"
     "基本支出中，人员经费845.16万元，占93.92%；公用经费54.70万元，占6.08%。"),
    ("五、2024年一般公共预算支出情况", "一般公共服务（类）支出959.20万元，占81.99%，主要用于人员经费、公用经费及项目支出。"),
    ("五、2024年一般公共预算支出情况", "卫生健康（类）支出42.70万元，占3.65%，主要用于行政单位医疗。"),
    (None, "一般公共服务支出（201类）政府办公厅（室）及相关机构事务（03款）行政运行（01项）689.20万元。"
           "2023年当年预算执行数为650.00万元，2024年预算安排689.20万元，比2023年预算执行数增加6.03%。"
           "主要原因是：人员增加。"),
    ("（四）项目支出情况说明", "2024年部门项目支出270.00万元，其中一级项目1个，二级项目1个。"),
]


def _targets() -> list[tuple[int, int, int]]:
    """(paragraph, start, end) of every number with a unit (codes such as 201类 are not figures)."""
    out = []
    for i, (_, text) in enumerate(CORRECT):
        assert compact(text).text == text  # the fixtures are written compact: offsets are the text's
        for n in numbers(text):
            if n.unit:
                out.append((i, n.start, n.end - len(n.unit)))
    return out


TARGETS = _targets()


def _mutated(value: str, unit: str, factor: float, year: int) -> str:
    if unit == "年":
        return str(year)
    number = Decimal(value)
    places = -number.as_tuple().exponent if isinstance(number.as_tuple().exponent, int) else 0
    step = Decimal(1).scaleb(-places)
    # at least two steps: one step stays within rounding of the table's figure (DESIGN §3)
    delta = max(abs(number) * abs(Decimal(str(factor))), 2 * step).quantize(step)
    return str(number + delta if factor > 0 else max(number - delta, Decimal(0)))


def test_the_correct_paragraphs_give_no_finding() -> None:
    assert findings(document(CORRECT)) == []


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    target=st.sampled_from(TARGETS),
    factor=st.sampled_from([-0.4, -0.1, -0.03, 0.03, 0.1, 0.5]),
    year=st.integers(1990, 2100).filter(lambda y: y not in (2023, 2024)),
)
def test_one_changed_number_is_reported_in_its_sentence(target: tuple[int, int, int], factor: float,
                                                        year: int) -> None:
    index, start, end = target
    heading, text = CORRECT[index]
    unit = text[end:].split("，")[0][:2]
    new = _mutated(text[start:end], "年" if text.startswith("年", end) else unit, factor, year)
    if new == text[start:end]:
        return
    changed = text[:start] + new + text[end:]
    paragraphs = list(CORRECT)
    paragraphs[index] = (heading, changed)
    reported = findings(document(paragraphs))
    assert reported, f"not reported: {changed}"
    sentence_end = min((changed.find(m, start) for m in "。" if changed.find(m, start) >= 0), default=len(changed))
    sentence_start = max(changed.rfind("。", 0, start) + 1, 0)
    sentence = changed[sentence_start : sentence_end + 1]
    assert any(f.paragraph is not None and f.paragraph.location == f"¶{index + 1}" and f.sentence == sentence
               for f in reported), (sentence, [(f.rule_id, f.sentence) for f in reported])
