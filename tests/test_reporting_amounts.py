from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from budgetcheck.reporting.amounts_format import (
    amount_with_unit,
    format_amount,
    format_difference,
    plain_amount,
    unit_name,
)


def test_large_amount_keeps_every_digit():
    assert format_amount(Decimal("96282213.44")) == "96,282,213.44"
    assert plain_amount(Decimal("96282213.44")) == "96282213.44"


def test_decimals_of_the_value_are_kept():
    assert format_amount(Decimal("1.50")) == "1.50"
    assert format_amount(Decimal("1169.8600")) == "1,169.8600"
    assert format_amount(Decimal("0")) == "0"


def test_exponent_forms_are_written_out():
    assert format_amount(Decimal("1E+6")) == "1,000,000"
    assert plain_amount(Decimal("1.5E-7")) == "0.00000015"


def test_negative_and_signed():
    assert format_amount(Decimal("-1234567.000")) == "-1,234,567.000"
    assert format_difference(Decimal("0.03")) == "+0.03"
    assert format_difference(Decimal("-0.03")) == "-0.03"


def test_units_in_both_languages():
    assert amount_with_unit(Decimal("9628.22"), "万元", "zh") == "9,628.22 万元"
    assert amount_with_unit(Decimal("9628.22"), "万元", "en") == "9,628.22 10k yuan"
    assert amount_with_unit(Decimal("-0.03"), "元", "en", signed=True) == "-0.03 yuan"
    assert unit_name(None, "zh") == ""


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_plain_amount_round_trips(value):
    assert Decimal(plain_amount(value)) == value
    assert format_amount(value).replace(",", "") == plain_amount(value)
