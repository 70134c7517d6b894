"""The narrative fast paths agree with the plain ways they replace."""

from __future__ import annotations

import copy
import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from budgetcheck.engine.checks.narrative import stated
from budgetcheck.engine.interval import Interval
from budgetcheck.narrative import text as text_module
from budgetcheck.narrative import wording
from budgetcheck.narrative.claims import Claim, Lexicon, Sentence, _direction, _flat, _State
from budgetcheck.narrative.text import Number, compact, iter_numbers
from budgetcheck.narrative.vocabulary import (
    VOCABULARY_FILE,
    NarrativeVocabulary,
    first_characters,
    narrative_vocabulary,
    required_text,
)
from budgetcheck.resources import rules_yaml
from narrative_helpers import YEAR

VOCAB = narrative_vocabulary()

# The patterns as they were written before they were made to start with a digit.
PLAIN_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
PLAIN_YEAR = re.compile(r"(?<!\d)(\d{4})年")
UNIT = re.compile("|".join(re.escape(u) for u in (*text_module.AMOUNT_UNITS, "%", *text_module.COUNT_UNITS)))


def pieces(*items: str, size: int = 30) -> st.SearchStrategy[str]:
    """Texts made of these pieces (words as well as characters)."""
    return st.lists(st.sampled_from(items), max_size=size).map("".join)


digits_and_units = pieces(*"0123456789.,年%万元个人台（套）٣x ", "亿元", "百分点", "平方米", size=40)


def plain_numbers(text: str) -> list[Number]:
    """iter_numbers as it was: the number, then the year or the unit after it."""
    out = []
    for match in PLAIN_NUMBER.finditer(text):
        whole, fraction = match.group(1), match.group(2)
        digits = whole.replace(",", "")
        value = Decimal(f"{digits}.{fraction}" if fraction else digits)
        end, unit = match.end(), ""
        if fraction is None and len(digits) == 4 and 1900 <= int(digits) <= 2100 and text.startswith("年", end):
            unit, end = "年", end + 1
        else:
            found = UNIT.match(text, end)
            if found:
                unit, end = found.group(0), found.end()
        out.append(Number(value, len(fraction) if fraction else 0, unit, match.start(), end, text[match.start() : end]))
    return out


@given(digits_and_units)
def test_numbers_as_before(text: str) -> None:
    assert list(iter_numbers(text)) == plain_numbers(text)


@given(digits_and_units)
def test_years_pattern_as_before(text: str) -> None:
    spans = [(m.span(), m.groups()) for m in PLAIN_YEAR.finditer(text)]
    assert [(m.span(), m.groups()) for m in YEAR.finditer(text)] == spans


@given(pieces(*"ab ，“”\u3000１２．％(x", "三公"))
def test_compact_as_translate(text: str) -> None:
    compact.cache_clear()
    assert compact(text).text == text.translate(text_module._TABLE)


NAMES = ["基本支出", "基本", "项目支出", "支出", "一般公共服务支出", "一般公共服务（类）支出", "其中", "中"]


def plain_find(names: dict[str, str], text: str) -> list[tuple[int, str]]:
    """Lexicon.find as an alternation of the names sorted longest first."""
    ordered = sorted((n for n in names if n), key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, ordered)))
    return [(m.start(), m.group(0)) for m in pattern.finditer(text)]


@given(st.lists(st.sampled_from(NAMES), min_size=1, unique=True),
       pieces(*NAMES, "，", "1", "类", "（", "）", size=20))
def test_lexicon_find_as_alternation(names: list[str], text: str) -> None:
    lexicon = Lexicon.build({n: n for n in names})
    assert lexicon.find(text) == plain_find(lexicon.names, text)


@given(pieces("增加", "减少", "持平", "了", "为", "比", "上年", "1", "加", "少", size=8))
def test_direction_shortcut_as_scan(prefix: str) -> None:
    last = None
    for match in VOCAB.direction_pattern.finditer(prefix):
        last = match
    expected = None
    if last is not None and prefix[last.end() :] in ("", "了", "为", "约", "达"):
        expected = (VOCAB.directions[last.group(0)], last.start(), last.end())
    assert _direction(prefix, VOCAB) == expected


def test_required_text_of_patterns() -> None:
    assert required_text(re.compile(r"(?<!\d)(?P<n>\d+)个一级项目(?!支出)")) == "个一级项目"
    assert required_text(re.compile(r"内设(?:机构)?(?P<n>\d+)个")) == "内设"
    assert required_text(re.compile(r"(?:没有|无)[^。]{0,10}三公经费")) == "三公经费"
    assert required_text(re.compile(r"[xX]{3,}")) is None
    assert required_text(re.compile(r"(?i)abc")) is None  # ignores case: no shortcut
    assert required_text(re.compile(r"a(?i:bc)d")) == "a"


@given(st.sampled_from([p for _, p, _ in VOCAB.count_patterns] + list(VOCAB.three_public_none)),
       pieces(*"12个一级二项目内设机构科室没有三公经费支出的绩效目标。", "一级项目", "个二级项目", "三公经费"))
def test_a_text_without_the_required_text_has_no_match(pattern: re.Pattern[str], text: str) -> None:
    required = required_text(pattern)
    if required is not None and required not in text:
        assert pattern.search(text) is None


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
       st.sampled_from(["万元", "元", "亿元", "千元", "%", "个"]))
def test_stated_as_from_amount(value: Decimal, unit: str) -> None:
    number = Number(value, max(0, -value.as_tuple().exponent), unit, 0, 1, "1")  # type: ignore[operator]
    sentence = Sentence(0, 0, "", "", 0)
    claim = Claim("amount", sentence, number, None, "", "default")
    assert stated(claim) == Interval.from_amount(number.in_yuan())


# The leftover pattern as it was: the alternation of the vocabulary's leftovers, without a gate.
PLAIN_LEFTOVERS = re.compile("|".join(f"(?:{p})" for p in rules_yaml(VOCABULARY_FILE)["leftovers"]))
PLAIN_DOUBLED = re.compile(r"([。，、；：！？])\1|[，、；：][。！？]|[。！？][，、；]")


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]


def test_leftovers_pattern_is_gated() -> None:
    assert VOCAB.leftovers.pattern.startswith("(?=[")
    assert PLAIN_LEFTOVERS.pattern.startswith("(?:XX)|")


@given(pieces(*"Xx×＊待填写补充（(略)）增加减少长下降上升/，,。中万元12", "待填写", "增加（减少）", "XXX", size=40))
def test_gated_leftovers_as_alternation(text: str) -> None:
    assert spans(VOCAB.leftovers, text) == spans(PLAIN_LEFTOVERS, text)


@given(pieces(*"。，、；：！？ab1", size=30))
def test_doubled_punctuation_as_alternation(text: str) -> None:
    assert spans(wording._DOUBLED, text) == spans(PLAIN_DOUBLED, text)


def test_first_characters() -> None:
    assert first_characters(re.compile(r"XX|[xX]{3,}|待填写|(?:[（(]略)")) == frozenset("Xx待（(")
    assert first_characters(re.compile(r"[a-c]+d")) == frozenset("abc")
    assert first_characters(re.compile(r"x*y")) is None  # may start with y: no plain answer
    assert first_characters(re.compile(r"a|")) is None  # an empty alternative
    assert first_characters(re.compile(r"\dx")) is None
    assert first_characters(re.compile(r"[^a]")) is None
    assert first_characters(re.compile(r"(?i)a")) is None


@given(pieces(*"主要原因是为用于由于因系。，无", "主要原因是", "原因为", size=20))
def test_empty_reasons_gate(text: str) -> None:
    gate = VOCAB.reason_gate
    assert gate is not None
    if gate.search(text) is None:
        assert all(text.find(word) < 0 for word in VOCAB.reasons)


PLAIN_VOCAB = copy.copy(VOCAB)
object.__setattr__(PLAIN_VOCAB, "flat_gate", None)  # `_flat` goes through every direction word


@given(pieces(*"比较与同上年持平基本不变增加减少下降，。1万元", "与上年持平", "比上年", "持平", "基本持平", size=20))
def test_flat_gate_as_scan(text: str) -> None:
    sentence = Sentence(0, 0, text, text, 0)

    def flat(vocab: NarrativeVocabulary) -> list[tuple[str | None, int | None]]:
        return [(c.direction, c.base_year) for c in _flat(sentence, "default", vocab, [], [(0, 2023)], [], _State())]

    assert flat(VOCAB) == flat(PLAIN_VOCAB)
