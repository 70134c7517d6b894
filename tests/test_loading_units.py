"""Small pieces of loading: amount parsing, text normalisation and title matching."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetcheck.amounts import float_to_decimal, parse_amount, parse_amount_text
from budgetcheck.loading.kinds import kind_catalogue
from budgetcheck.loading.text import clean, key, leading_spaces, strip_numbering, title_key
from budgetcheck.model import Amount
from budgetcheck.resources import rules_dir

D = Decimal


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("value", "expected", "decimals"),
    [
        (1169.86, "1169.86", 2),
        (1169.8600000000001, "1169.86", 2),  # a float Excel saved: 15 significant digits
        (0.1 + 0.2, "0.3", 1),
        (96282213.44, "96282213.44", 2),
        (270.0, "270", 0),  # the stored number shows no decimals; the table precision adds them
        (270, "270", 0),
        (-12.5, "-12.5", 1),
        (1e16, "10000000000000000", 0),
        (1e30, "1" + "0" * 30, 0),  # more digits than the default decimal context holds
    ],
)
def test_numbers(value: float, expected: str, decimals: int) -> None:
    parsed = parse_amount(value)
    assert parsed.amount == Amount(D(expected), decimals)
    assert parsed.from_number
    assert parsed.problem is None


def test_float_goes_through_its_shown_digits_never_binary() -> None:
    assert float_to_decimal(1169.86) == D("1169.86")
    assert float_to_decimal(1169.86) != D(1169.86)  # Decimal(float) would keep binary noise
    assert str(float_to_decimal(100.0)) == "100"


@pytest.mark.parametrize(
    ("text", "expected", "decimals"),
    [
        ("1169.86", "1169.86", 2),
        ("1,169.86", "1169.86", 2),
        ("96,282,213.44", "96282213.44", 2),
        ("１１６９．８６", "1169.86", 2),  # full-width digits and point
        ("１，１６９．８６", "1169.86", 2),
        ("1\u3000169.86", "1169.86", 2),  # ideographic space
        ("\u00a01169.86 ", "1169.86", 2),  # no-break space, trailing space
        (" 1169.86\n", "1169.86", 2),
        ("270.00", "270.00", 2),  # text keeps the decimals it was written with
        ("0", "0", 0),
        ("0.00", "0.00", 2),
        ("(12.00)", "-12.00", 2),  # accountants' negative
        ("（12.00）", "-12.00", 2),  # full-width brackets
        ("-12", "-12", 0),
        ("－12", "-12", 0),  # full-width hyphen-minus
        ("\u221212", "-12", 0),  # MINUS SIGN, which NFKC leaves alone
        ("+5", "5", 0),
        (".5", "0.5", 1),
    ],
)
def test_text_amounts(text: str, expected: str, decimals: int) -> None:
    parsed = parse_amount(text)
    assert parsed.amount == Amount(D(expected), decimals)
    assert parsed.problem is None
    assert not parsed.percent
    assert not parsed.from_number


@pytest.mark.parametrize(
    "text", ["", " ", "\u3000", "-", "--", "—", "——", "－", "–", "/", "无", "…", "……", "\u2212"]
)
def test_no_value(text: str) -> None:
    parsed = parse_amount(text)
    assert parsed.amount is None
    assert parsed.problem is None


def test_none_is_no_value() -> None:
    assert parse_amount(None).amount is None
    assert parse_amount(None).problem is None


@pytest.mark.parametrize(
    ("text", "expected", "decimals"),
    [("12%", "12", 0), ("76.92%", "76.92", 2), ("１２％", "12", 0), ("-3.5%", "-3.5", 1)],
)
def test_percent(text: str, expected: str, decimals: int) -> None:
    parsed = parse_amount(text)
    assert parsed.percent
    assert parsed.amount == Amount(D(expected), decimals)


@pytest.mark.parametrize(
    "value",
    ["待定", "XX", "x,xxx", "1.2.3", "1e5", "NaN", "Infinity", "12万", "%", "()", True, False,
     float("nan"), float("inf"), dt.date(2024, 1, 1), dt.datetime(2024, 1, 1)],
)  # fmt: skip
def test_not_an_amount_is_a_problem(value: object) -> None:
    parsed = parse_amount(value)
    assert parsed.amount is None
    assert parsed.problem


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_amount_text_never_raises(text: str) -> None:
    parsed = parse_amount_text(text)
    assert (parsed.amount is None) or (parsed.problem is None)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_parse_amount_never_raises_on_floats(value: float) -> None:
    parsed = parse_amount(value)
    if parsed.amount is not None:
        assert parsed.amount.value == D(format(value, ".15g"))


@settings(max_examples=200, deadline=None)
@given(st.integers(-(10**12), 10**12), st.sampled_from([0, 1, 2]))
def test_formatted_text_round_trips(units: int, decimals: int) -> None:
    value = D(units).scaleb(-decimals)
    text = format(value, f",.{decimals}f")
    assert parse_amount(text).amount == Amount(value, decimals)
    assert parse_amount(float(value)).amount.value == value  # type: ignore[union-attr]


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("合 计", "合计"),
        ("一般行政管理事 务", "一般行政管理事务"),
        ("事业单位\n经营支出", "事业单位经营支出"),
        ("本\u3000年\u00a0收入", "本年收入"),
        ("因公出国(境)费", "因公出国（境）费"),  # half-width brackets made full-width
        ("单位:万元", "单位：万元"),
        ("ＡＢＣ１２３", "ABC123"),  # full-width letters and digits
        ("政府办公厅（室）及相关机构事务", "政府办公厅（室）及相关机构事务"),
        (None, ""),
        (12, "12"),
    ],
)
def test_clean(raw: object, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("“三公”经费", "三公经费"),
        ('"三公"经费', "三公经费"),
        ("‘三公’经费", "三公经费"),
        ("「三公」经费", "三公经费"),
        ("“ 三公 ”经费", "三公经费"),
    ],
)
def test_key_drops_quotes(raw: str, expected: str) -> None:
    assert key(raw) == expected


@pytest.mark.parametrize(
    ("raw", "kind", "rest"),
    [
        ("一、一般公共服务支出", "cn", "一般公共服务支出"),
        ("十二、交通运输支出", "cn", "交通运输支出"),
        ("（一）机关运行经费", "paren_cn", "机关运行经费"),
        ("(一)机关运行经费", "paren_cn", "机关运行经费"),
        ("（1）公务用车运行维护费", "paren_num", "公务用车运行维护费"),
        ("1、因公出国（境）费用", "num", "因公出国（境）费用"),
        ("1. 一般公共预算", "num", "一般公共预算"),
        ("2．政府性基金预算", "num", "政府性基金预算"),
        ("其中：公务用车购置", "of_which", "公务用车购置"),
        ("其中:（1）公务用车运行维护费", "paren_num", "公务用车运行维护费"),
        ("一般公共服务支出", None, "一般公共服务支出"),
        ("1169.86", None, "1169.86"),  # a decimal is not numbering
        ("2010301", None, "2010301"),
        ("二、", "cn", ""),
    ],
)
def test_strip_numbering(raw: str, kind: str | None, rest: str) -> None:
    assert strip_numbering(raw) == (kind, rest)


def test_leading_spaces() -> None:
    assert leading_spaces("    行政运行") == 4
    assert leading_spaces("\u3000\u3000行政运行") == 2
    assert leading_spaces("行政运行") == 0
    assert leading_spaces(None) == 0


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("2024年部门收支总表", "收支总表"),
        ("2024年度单位收支总表", "收支总表"),
        ("表1 收支总表", "收支总表"),
        ("表一、收支总表", "收支总表"),
        ("附表3-1 支出总表", "支出总表"),
        ("表十二 项目支出表", "项目支出表"),
        ("表3一般公共预算支出表", "一般公共预算支出表"),  # the 一 of 一般 is not table number
        ("表一一般公共预算支出表", "一般公共预算支出表"),
        ("表3三公经费支出表", "三公经费支出表"),
        ("2026年预算单位财务收支预算总表", "财务收支预算总表"),
        ("一般公共预算“三公”经费支出表", "一般公共预算三公经费支出表"),
        ("四平市政务服务和数字化建设管理局2024年部门预算", "四平市政务服务和数字化建设管理局预算"),
    ],
)
def test_title_key(title: str, expected: str) -> None:
    assert title_key(title) == expected


# --------------------------------------------------------------------------- title matching


def _aliases() -> list[tuple[str, str]]:
    data = yaml.safe_load((rules_dir() / "tables.yaml").read_text(encoding="utf-8"))
    return [
        (kind, str(alias))
        for kind, spec in data["kinds"].items()
        for alias in [spec["zh"], *spec.get("aliases", [])]
    ]


PREFIXES = ["", "2024年", "2024年度", "表1", "表 3 ", "表一、", "附表2-1", "部门", "单位",
            "2024年部门", "2024年单位", "表5 2024年部门", "四平市政务服务和数字化建设管理局2024年"]  # fmt: skip


def _with_quotes(alias: str) -> list[str]:
    if "三公" not in alias or "“三公”" in alias:
        return [alias]
    bare = alias
    return [bare] + [bare.replace("三公", q) for q in ("“三公”", '"三公"', "‘三公’", "「三公」")]


@pytest.mark.parametrize(("kind", "alias"), _aliases())
def test_every_alias_matches_its_kind(kind: str, alias: str) -> None:
    catalogue = kind_catalogue()
    for prefix in PREFIXES:
        for variant in _with_quotes(alias):
            title = prefix + variant
            found = catalogue.match_title(title)
            assert found is not None and found.id == kind, title
            spaced = " ".join(title)  # PDF exports space out every character
            assert catalogue.match_title(spaced).id == kind, spaced  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("部门一般公共预算拨款表", "general_budget_expenditure"),
        ("单位政府性基金拨款表", "government_fund_expenditure"),
        ("部门国有资本经营预算拨款表 ", "state_capital_expenditure"),  # trailing space, as seen
        ("部门一般公共预算拨款基本支出明细表", "general_budget_basic_expenditure"),
        ("部门“三公”经费和机关运行费预算表", "three_public_expenses"),
        ("部门收支总表", "revenue_expenditure_summary"),
    ],
)
def test_sheet_names(name: str, kind: str) -> None:
    found = kind_catalogue().match_sheet_name(name)
    assert found is not None and found.id == kind


@pytest.mark.parametrize(
    "text",
    ["目录", "部门概况", "情况说明", "名词解释", "2024年部门预算", "单位：万元", "合计",
     "编制部门：四平市政务服务和数字化建设管理局", ""],
)  # fmt: skip
def test_non_titles_match_nothing(text: str) -> None:
    assert kind_catalogue().match_title(text) is None


def test_a_too_long_line_is_not_a_title() -> None:
    sentence = "本部门" + "根据有关规定编制" * 10 + "收支总表"
    assert kind_catalogue().match_title(sentence) is None


def test_every_title_alias_names_a_table() -> None:
    # The title scan skips cells without 表 (tables.py); an alias without it would never match.
    from budgetcheck.loading.kinds import kind_catalogue

    for kind in kind_catalogue().kinds.values():
        assert all("表" in alias for alias in kind.aliases), kind.id
