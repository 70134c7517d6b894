"""Sentences and numbers in Chinese prose.

Every pattern here is compiled once and runs in linear time (no nested quantifiers over the same
characters), so a paragraph of a megabyte of digits and punctuation is read in well under a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from budgetcheck import regex
from budgetcheck.model import UNIT_FACTORS, Amount

_SPACE = frozenset(" \t\r\n\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff")
_QUOTE = frozenset("“”\"'‘’「」『』")
_TRANSLATE = {chr(0xFF10 + i): str(i) for i in range(10)} | {
    "．": ".", "％": "%", "(": "（", ")": "）", ":": "：", ";": "；", "﹪": "%",
    "Ｘ": "X", "ｘ": "x",
}
SENTENCE_END = "。！？!?"
CLAUSE_END = "，；：、" + SENTENCE_END

AMOUNT_UNITS = ("亿元", "万元", "千元", "元")
COUNT_UNITS = ("台（套）", "平方米", "个百分点", "百分点", "个", "人", "辆", "台", "套", "家", "项", "名", "次", "批")

# A number: digits with optional thousands separators (ASCII comma) and decimals, not preceded by
# a digit, point or comma. Written to start with its first digit, with the look back after it
# (the same as `(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)`): a pattern that starts with a digit lets
# the regex engine skip to the next digit, while one that starts with a look back is tried at
# every position of the text, at twice the cost.
_NUMBER = regex.compile(r"(\d(?<![\d.,]\d)(?:\d{0,2}(?:,\d{3})+|\d*))(?:\.(\d+))?")
_UNIT = regex.compile("|".join(re.escape(u) for u in (*AMOUNT_UNITS, "%", *COUNT_UNITS)))
# The two in one scan: the unit is optional and last, so it never makes the number match otherwise.
_NUMBER_WITH_UNIT = regex.compile(f"{_NUMBER.pattern}({_UNIT.pattern})?")
_YEAR_AFTER = regex.compile(r"年")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}


_TABLE = str.maketrans({**_TRANSLATE, **{ch: None for ch in _SPACE | _QUOTE}})
# Any character that `_TABLE` changes. Most paragraphs have none, and a search for one costs a
# twentieth of `translate` (which looks every character of a Chinese text up in a dictionary).
_CHANGED = regex.compile("[" + re.escape("".join(sorted(chr(c) for c in _TABLE))) + "]")


# A NamedTuple, not a frozen dataclass: cheaper to make, and to define at import.
class Compact(NamedTuple):
    """A text without spaces and quote marks, digits made ASCII, with the way back to the original."""

    text: str
    original: str

    def span(self, start: int, end: int) -> str:
        """The original text behind compact[start:end]."""
        if start >= end:
            return ""
        if len(self.text) == len(self.original):
            return self.original[start:end]
        positions = _positions(self.original)
        return self.original[positions[start] : positions[end - 1] + 1]


@lru_cache(maxsize=64)
def _positions(original: str) -> tuple[int, ...]:
    return tuple(i for i, ch in enumerate(original) if ch not in _SPACE and ch not in _QUOTE)


# Every wording rule reads every paragraph, so the cache must hold a whole document's paragraphs
# (cycling through more than it holds would miss every time); it is cleared per document.
@lru_cache(maxsize=4096)
def compact(text: str) -> Compact:
    return Compact(text.translate(_TABLE) if _CHANGED.search(text) else text, text)


class Span(NamedTuple):
    start: int
    end: int


_SENTENCE_END = regex.compile(r"[。！？!?]+")


def sentence_ends(text: str) -> list[int]:
    """Where each sentence of a compact text ends (the last one at the end of the text)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends or ends[-1] < len(text):
        ends.append(len(text))
    return ends


def sentences(text: str) -> list[Span]:
    """Sentence spans of a compact text: each ends after 。！？ (a run of them stays in one sentence)."""
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append(Span(start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append(Span(start, len(text)))
    return spans


class Number(NamedTuple):
    """A number written in the text, with the unit right after it (or "" for none)."""

    value: Decimal
    decimals: int
    unit: str
    start: int  # offsets in the compact sentence
    end: int  # after the unit
    text: str

    @property
    def is_amount(self) -> bool:
        return self.unit in AMOUNT_UNITS

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def is_year(self) -> bool:
        return self.unit == "年"

    @property
    def amount(self) -> Amount:
        return Amount(self.value, self.decimals)

    def in_yuan(self) -> Amount:
        """The amount in 元 (decimals shift with the unit: 0.01 万元 is 100 元)."""
        return self.amount.scaled(UNIT_FACTORS[self.unit]) if self.is_amount else self.amount


def numbers(text: str) -> list[Number]:
    """The numbers of a compact sentence with their units; four-digit years get the unit 年."""
    return list(iter_numbers(text))


def iter_numbers(text: str) -> Iterator[Number]:
    """The numbers of a compact text one by one (a caller may stop early)."""
    for match in _NUMBER_WITH_UNIT.finditer(text):
        whole, fraction, unit = match.groups()
        start, end = match.span()
        digits = whole.replace(",", "") if "," in whole else whole
        if fraction is None:
            # No unit starts with 年, so a year's match ends right before it.
            if len(digits) == 4 and unit is None and text.startswith("年", end) and 1900 <= int(digits) <= 2100:
                yield Number(Decimal(digits), 0, "年", start, end + 1, text[start : end + 1])
                continue
            value, decimals = Decimal(digits), 0
        else:
            value, decimals = Decimal(f"{digits}.{fraction}"), len(fraction)
        yield Number(value, decimals, unit or "", start, end, text[start:end])


def chinese_number(text: str) -> int | None:
    """A small number written in digits or Chinese (九, 十二, 二十三); None if it is neither."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text) or len(text) > 3:
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        if "十" in ones:
            return None
        t = _CN_DIGITS.get(tens, -1) if tens else 1
        o = _CN_DIGITS.get(ones, -1) if ones else 0
        return t * 10 + o if t >= 0 and o >= 0 else None
    return _CN_DIGITS[text] if len(text) == 1 else None
