"""Turning what a cell holds into an exact amount.

Floats go through 15 significant digits (what Excel itself shows), never binary arithmetic:
1169.8600000000001 saved by Excel is 1169.86.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from budgetcheck import regex
from budgetcheck.loading.text import MEMO_MAX_CHARS
from budgetcheck.model import Amount

# Written where a table has nothing to show; "no value", which is not the same as 0.
NO_VALUE = frozenset({"", "-", "--", "—", "——", "－", "–", "/", "无", "…", "……", "..."})

_NUMBER = regex.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_SPACES = regex.compile(r"[\s\u3000\u00a0\u2002-\u200b]+")


class Parsed(NamedTuple):
    # A NamedTuple, not a frozen dataclass: made for every cell read, and its class costs
    # ~0.1 ms at import where a dataclass's costs ~0.5 ms.
    amount: Amount | None
    problem: str | None = None  # why the text is not an amount
    percent: bool = False
    from_number: bool = False  # stored as a number: its decimals are not visible


def float_to_decimal(value: float) -> Decimal:
    """The decimal Excel would show for a stored float (15 significant digits)."""
    text = format(value, ".15g")
    if is_plain(text):
        # What the general path below returns, without its work: ".15g" drops trailing zeros
        # and writes an integer without a point.
        return Decimal(text)
    dec = Decimal(text)
    # Normalise away exponent noise but keep an integer an integer. The context must hold every
    # digit: 1e30 has 31 and the default 28 would raise instead of giving the number.
    if dec == dec.to_integral_value():
        return dec.quantize(Decimal(1), context=Context(prec=max(28, dec.adjusted() + 1)))
    return dec.normalize()


def is_plain(text: str) -> bool:
    """True for fixed notation ("1169.86", "-270"); False for "1e+20", "inf" and "nan"."""
    return "e" not in text and "n" not in text


def plain_float_amount(text: str) -> Amount:
    """The amount of a float whose ".15g" text is `text`, a plain one (is_plain)."""
    point = text.find(".")
    decimals = len(text) - point - 1 if point >= 0 else 0
    return Amount(Decimal(text), decimals)


def _decimals_of(dec: Decimal) -> int:
    exponent = dec.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def normalise_number_text(text: str) -> str:
    """NFKC (full-width digits and signs), the minus sign as "-", no spaces of any width, no
    thousands separators."""
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")  # NFKC keeps U+2212 MINUS
    text = _SPACES.sub("", text)
    return text.replace(",", "").replace("，", "")


def parse_amount(value: object) -> Parsed:
    """Parse a cell value as calamine returns it (float, int, str, bool, date, None)."""
    if value is None:
        return Parsed(None)
    if isinstance(value, bool):
        return Parsed(None, problem="boolean")
    if isinstance(value, int):
        return Parsed(Amount(Decimal(value), 0), from_number=True)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return Parsed(None, problem="not a finite number")
        text = format(value, ".15g")
        if is_plain(text):  # the usual case, and the hot path of loading: see float_to_decimal
            return Parsed(plain_float_amount(text), from_number=True)
        dec = float_to_decimal(value)
        return Parsed(Amount(dec, _decimals_of(dec)), from_number=True)
    if isinstance(value, str):
        return parse_amount_text(value)
    return Parsed(None, problem=f"{type(value).__name__} where an amount belongs")


# Compared after normalisation, which turns "……" into "......" and "－" into "-".
_NO_VALUE_COMPACT = frozenset(normalise_number_text(text) for text in NO_VALUE)


def parse_amount_text(text: str) -> Parsed:
    if len(text) <= MEMO_MAX_CHARS:
        return _parse_text_memo(text)
    return _parse_text(text)


@lru_cache(maxsize=16384)
def _parse_text_memo(text: str) -> Parsed:
    # Workbooks write the same few texts again and again ("-", "0.00", header words read to
    # tell headers from data); Parsed is immutable, so one answer serves every cell. Long texts
    # are not kept, so the memo stays small.
    return _parse_text(text)


def _parse_text(text: str) -> Parsed:
    compact = normalise_number_text(text)
    if compact in _NO_VALUE_COMPACT:
        return Parsed(None)
    negative = False
    if len(compact) > 2 and compact[0] == "(" and compact[-1] == ")":
        negative, compact = True, compact[1:-1]
    percent = compact.endswith("%")
    if percent:
        compact = compact[:-1]
    if not _NUMBER.fullmatch(compact):
        return Parsed(None, problem="not a number")
    try:
        dec = Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only valid numbers
        return Parsed(None, problem="not a number")
    if negative:
        dec = -dec
    return Parsed(Amount(dec, _decimals_of(dec)), percent=percent)
