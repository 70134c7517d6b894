"""Amounts as text: exact, with the decimals they were stated with, never through float."""

from __future__ import annotations

from decimal import Decimal


def format_amount(value: Decimal) -> str:
    """96282213.44 -> "96,282,213.44"; the value's own decimals are kept (1.50 stays 1.50)."""
    if not value.is_finite():
        return str(value)
    # Decimal's own formatter is exact; the "f" type also undoes exponent notation (1E+2 -> 100).
    return format(value, ",f")


def format_difference(value: Decimal) -> str:
    """A difference always shows its sign, so "+0.03" and "-0.03" read as directions."""
    if not value.is_finite():
        return str(value)
    return format(value, "+,f")


def plain_amount(value: Decimal) -> str:
    """The machine form for JSON and SARIF: no separators, no exponent, Decimal(text) == value."""
    if not value.is_finite():
        return str(value)
    return format(value, "f")


UNIT_NAMES_EN = {"元": "yuan", "千元": "thousand yuan", "万元": "10k yuan", "亿元": "100m yuan"}


def unit_name(unit: str | None, lang: str) -> str:
    if not unit:
        return ""
    return UNIT_NAMES_EN.get(unit, unit) if lang == "en" else unit


def amount_with_unit(value: Decimal, unit: str | None, lang: str, signed: bool = False) -> str:
    text = format_difference(value) if signed else format_amount(value)
    name = unit_name(unit, lang)
    return f"{text} {name}" if name else text
