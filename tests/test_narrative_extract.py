"""Claim extraction: sentences, numbers with units, subjects, shares, changes, counts."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from budgetcheck.narrative.claims import Lexicon, ParagraphText, extract, list_items
from budgetcheck.narrative.text import chinese_number, compact, numbers, sentences
from budgetcheck.narrative.vocabulary import narrative_vocabulary

VOCAB = narrative_vocabulary()


def lexicon() -> Lexicon:
    names = {n: s.id for s in VOCAB.subjects.values() for n in s.names}
    for label in ("一般公共服务支出", "行政运行", "卫生健康支出"):
        names[label] = f"fn:{label}"
        names[label[:-2] + "（类）支出"] = f"fn:{label}"
    return Lexicon.build(names)


def claims(text: str, heading: str | None = None) -> list:  # type: ignore[type-arg]
    return extract([ParagraphText(text, heading)], lexicon(), VOCAB)[0].claims


def test_compact_maps_back_to_the_text_as_written() -> None:
    c = compact("2024 年“三公”经费 １，０００.５０ 万元（略）")
    assert c.text == "2024年三公经费１，000.50万元（略）".replace("１", "1")
    assert c.span(0, 5) == "2024 年"


@pytest.mark.parametrize(("text", "value", "decimals", "unit"), [
    ("1169.86 万元", Decimal("1169.86"), 2, "万元"),
    ("1,169.86万元", Decimal("1169.86"), 2, "万元"),
    ("１１６９．８６万元", Decimal("1169.86"), 2, "万元"),
    ("11,698,600.00元", Decimal("11698600.00"), 2, "元"),
    ("76.92％", Decimal("76.92"), 2, "%"),
    ("74 人", Decimal(74), 0, "人"),
    ("1 台（套）", Decimal(1), 0, "台（套）"),
])
def test_numbers_with_units(text: str, value: Decimal, decimals: int, unit: str) -> None:
    (n,) = numbers(compact(text).text)
    assert (n.value, n.decimals, n.unit) == (value, decimals, unit)


def test_yuan_convert_to_the_same_interval_as_wanyuan() -> None:
    (a,) = numbers("11,698,600.00元")
    (b,) = numbers("1169.86万元")
    assert a.in_yuan().value == b.in_yuan().value
    assert b.in_yuan().decimals == -2


def test_years_are_not_amounts() -> None:
    found = numbers("2024年收支总预算1169.86万元")
    assert [n.unit for n in found] == ["年", "万元"]


def test_sentences_split_after_closing_marks() -> None:
    text = "甲。乙！丙？丁"
    assert [text[s.start : s.end] for s in sentences(text)] == ["甲。", "乙！", "丙？", "丁"]


@pytest.mark.parametrize(("text", "value"), [("九", 9), ("十", 10), ("十二", 12), ("二十三", 23), ("12", 12),
                                             ("两", 2), ("九九九九", None), ("机构", None)])
def test_chinese_numbers(text: str, value: int | None) -> None:
    assert chinese_number(text) == value


def test_total_components_and_shares() -> None:
    found = claims("2024 年支出预算 1169.86 万元，其中：基本支出 899.86 万元，占 76.92%；项目支出 270.00 万元，"
                   "占 23.08%。基本支出中，人员经费 845.16 万元，占 93.92%。")
    amounts = [(c.subject, c.number.text) for c in found if c.kind == "amount"]
    assert amounts == [("支出预算", "1169.86万元"), ("基本支出", "899.86万元"), ("项目支出", "270.00万元"),
                       ("人员经费", "845.16万元")]
    shares = [c for c in found if c.kind == "share"]
    assert [s.of.number.text for s in shares] == ["899.86万元", "270.00万元", "845.16万元"]
    assert shares[0].whole.number.text == "1169.86万元"
    assert shares[2].whole_subject == "基本支出" and shares[2].whole is None


def test_class_names_written_with_类() -> None:
    (amount, share) = claims("一般公共服务（类）支出 959.20 万元，占 81.99%，主要用于人员经费。")
    assert amount.subject == "fn:一般公共服务支出" and share.of is amount


def test_code_chain_year_over_year_and_inherited_subject() -> None:
    found = claims("一般公共服务支出（201类）政府办公厅（室）及相关机构事务（03款）行政运行（01项）689.20万元。"
                   "2023年当年预算执行数为650.00万元，2024年预算安排689.20万元，比2023年预算执行数增加6.03%。"
                   "主要原因是：人员增加。")
    first, prior, current, change = found
    assert first.subject == "code:2010301"
    assert first.code_names == (("201", "一般公共服务支出"), ("20103", "政府办公厅（室）及相关机构事务"),
                                ("2010301", "行政运行"))
    assert prior.year == 2023 and prior.inherited and prior.subject == "code:2010301"
    assert current.year == 2024
    assert change.kind == "change" and change.direction == "up" and change.base_year == 2023
    assert change.of is current and change.previous is prior


@pytest.mark.parametrize(("text", "direction", "figure"), [
    ("比 2023 年预算数增加 130.65 万元", "up", "130.65万元"),
    ("较上年下降2.09%", "down", "2.09%"),
    ("比2023年预算数减少0万元", "down", "0万元"),
    ("与2023年预算持平", "flat", None),
])
def test_changes(text: str, direction: str, figure: str | None) -> None:
    (change,) = [c for c in claims("三公经费预算数为0万元，" + text + "。") if c.kind == "change"]
    assert change.direction == direction
    assert (change.number.text if change.number else None) == figure
    assert change.of is not None and change.of.subject == "三公经费"


def test_thresholds_are_not_amounts() -> None:
    found = claims("单位价值 50 万元以上通用设备 0 台（套）。")
    assert [c.kind for c in found] == ["count"]


def test_counts_from_vocabulary_and_lists() -> None:
    found = claims("2024 年部门项目支出 270 万元，其中一级项目 1 个，二级项目 1 个。")
    assert {(c.subject, int(c.number.value)) for c in found if c.kind == "count"} == {
        ("count:一级项目", 1), ("count:二级项目", 1)}
    (organs,) = [c for c in claims("内设九个机构，分别为：") if c.kind == "count"]
    assert organs.number.value == 9
    paragraphs = [ParagraphText("内设三个机构，分别为："), ParagraphText("（一）办公室"), ParagraphText("（二）财务科"),
                  ParagraphText("其他文字。")]
    assert list_items(paragraphs, 0) == ["（一）办公室", "（二）财务科"]
    assert list_items([ParagraphText("内设两个机构，分别为：办公室、财务科。")], 0) == ["办公室", "财务科"]


def test_count_parts_follow_their_whole() -> None:
    found = claims("实有人员 74 人，其中：在职人员 74 人，离退休人员 0 人。")
    whole, serving, retired = found
    assert serving.parts_of is whole and retired.parts_of is whole


@pytest.mark.parametrize("text", [
    "1" * 1_000_000,
    "1。" * 500_000,
    "1,234" * 200_000,
    "1%、" * 333_000,
    "1+" * 500_000,
    "(1)" * 333_000,
    "１２。，" * 250_000,
    "”“《（" * 250_000,
    "（201类）" * 100_000,
])
def test_a_megabyte_of_digits_and_punctuation_is_fast(text: str) -> None:
    from budgetcheck.narrative import wording

    start = time.perf_counter()
    extract([ParagraphText(text)], lexicon(), VOCAB)
    wording.leftovers(text, VOCAB)
    wording.doubled_punctuation(text)
    wording.unbalanced(text)
    wording.years(text, VOCAB)
    wording.empty_reasons(text, VOCAB)
    wording.cut_off(text, VOCAB)
    assert time.perf_counter() - start < 2.0  # typically 0.3–0.9 s; headroom for slow CI machines


def test_a_document_past_the_claim_budget_is_read_only_up_to_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from budgetcheck.narrative import claims as claims_module

    monkeypatch.setattr(claims_module, "MAX_DOCUMENT_CLAIMS", 3)
    paragraph = ParagraphText("2024 年支出预算 1169.86 万元，其中：基本支出 899.86 万元，占 76.92%。")
    results = extract([paragraph] * 4, lexicon(), VOCAB)
    assert results[0].claims and not results[0].unread
    assert all(r.unread and not r.claims for r in results[1:])
