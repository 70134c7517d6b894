"""Closed intervals of exact decimals: the arithmetic behind rounding-aware comparisons.

A value stated with d decimals stands for everything that rounds to it, the closed interval
[v - ½·10⁻ᵈ, v + ½·10⁻ᵈ] (DESIGN §3). Adding intervals adds their uncertainty, so an identity
total = Σ parts holds when the total's interval meets the interval of the sum (XBRL
Calculations 1.1).

All arithmetic goes through explicit 40-digit contexts, never the thread's current context, so
results do not depend on what other code did to `decimal.getcontext()`. Sums and products of
amounts are exact at that precision. Where rounding is unavoidable (division), the low end is
rounded towards -∞ and the high end towards +∞, so an interval always contains the true result.

Operations raise `decimal.Overflow` / `decimal.InvalidOperation` only for values far outside
anything a budget holds (beyond 40 significant digits in `round_to`, or exponents near 10¹⁸);
the expression evaluator turns those into rule errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

from budgetcheck.model import Amount

PRECISION = 40


def _context(rounding: str) -> Context:
    return Context(
        prec=PRECISION,
        rounding=rounding,
        Emax=MAX_EMAX,
        Emin=MIN_EMIN,
        traps=[InvalidOperation, DivisionByZero, Overflow],
    )


# Outward rounding keeps every computed interval a superset of the exact one.
FLOOR = _context(ROUND_FLOOR)
CEILING = _context(ROUND_CEILING)
# For point values (stated values, midpoints, differences): ordinary round-half-even.
EXACT = _context(ROUND_HALF_EVEN)
# Chinese financial statements round half up (四舍五入), so round() in rules does too.
HALF_UP = _context(ROUND_HALF_UP)

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Interval:
    """The closed interval [low, high] of exact decimals."""

    low: Decimal
    high: Decimal

    def __post_init__(self) -> None:
        for end in (self.low, self.high):
            if not isinstance(end, Decimal) or not end.is_finite():
                raise ValueError(f"interval ends must be finite Decimals, got {end!r}")
        if self.low > self.high:
            raise ValueError(f"empty interval [{self.low}, {self.high}]")

    # -- construction -------------------------------------------------------------------

    @classmethod
    def exact(cls, value: Decimal | int) -> Interval:
        """A value known exactly (a literal, an optional reference that is absent)."""
        dec = Decimal(value)
        return cls(dec, dec)

    @classmethod
    def from_amount(cls, amount: Amount) -> Interval:
        """Every value that rounds to `amount` at its stated number of decimals."""
        # Computed here rather than via Amount.low/high so the thread context cannot round it.
        half = amount.half_width
        return cls(FLOOR.subtract(amount.value, half), CEILING.add(amount.value, half))

    # -- queries ------------------------------------------------------------------------

    @property
    def midpoint(self) -> Decimal:
        """The centre; for an interval made from an Amount, its stated value."""
        return EXACT.divide(EXACT.add(self.low, self.high), 2)

    @property
    def width(self) -> Decimal:
        return CEILING.subtract(self.high, self.low)

    @property
    def is_exact(self) -> bool:
        return self.low == self.high

    def contains(self, value: Decimal | int) -> bool:
        return self.low <= value <= self.high

    def intersects(self, other: Interval) -> bool:
        return self.low <= other.high and other.low <= self.high

    # -- arithmetic ---------------------------------------------------------------------

    # Results of arithmetic on valid intervals are valid (finite: the contexts trap overflow;
    # ordered: outward rounding is monotonic), so they skip the checks through `made`.

    def __neg__(self) -> Interval:
        return made(FLOOR.minus(self.high), CEILING.minus(self.low))

    def __add__(self, other: Interval) -> Interval:
        return made(FLOOR.add(self.low, other.low), CEILING.add(self.high, other.high))

    def __sub__(self, other: Interval) -> Interval:
        return made(FLOOR.subtract(self.low, other.high), CEILING.subtract(self.high, other.low))

    def __mul__(self, other: Interval) -> Interval:
        pairs = [(a, b) for a in (self.low, self.high) for b in (other.low, other.high)]
        return made(
            min(FLOOR.multiply(a, b) for a, b in pairs),
            max(CEILING.multiply(a, b) for a, b in pairs),
        )

    def __truediv__(self, other: Interval) -> Interval | None:
        """The quotient, or None ("undefined") when the divisor may be zero.

        None rather than an exception: a share whose base rounds to zero is a fact about the
        document that the caller reports, not a failure of the program.
        """
        if other.contains(ZERO):
            return None
        pairs = [(a, b) for a in (self.low, self.high) for b in (other.low, other.high)]
        return made(
            min(FLOOR.divide(a, b) for a, b in pairs),
            max(CEILING.divide(a, b) for a, b in pairs),
        )

    def __abs__(self) -> Interval:
        if self.low >= 0:
            return self
        if self.high <= 0:
            return -self
        return made(ZERO, max(CEILING.minus(self.low), self.high))

    def round_to(self, places: int) -> Interval:
        """Round both ends half up to `places` decimals (negative: tens, hundreds, …).

        Rounding is monotonic, so the result holds the rounding of every member.
        """
        exponent = EXACT.scaleb(Decimal(1), -places)
        return made(HALF_UP.quantize(self.low, exponent), HALF_UP.quantize(self.high, exponent))

    def __str__(self) -> str:
        return f"[{self.low}, {self.high}]"


# Exactly 0: every blank cell and every absent optional reference. Adding it to a sum leaves
# the sum's value as it is (a sum already fits the precision), so the engine's interval-only
# tests, which compare values alone, skip it: about half the cells are blank.
BLANK = Interval.exact(ZERO)

_new = object.__new__
# The slots' own setters: what `object.__setattr__` (the frozen dataclass's __init__) ends up
# calling, without looking the attribute up by name each time.
_set_low = Interval.__dict__["low"].__set__
_set_high = Interval.__dict__["high"].__set__


def made(low: Decimal, high: Decimal) -> Interval:
    """An interval whose ends are known to be finite and ordered, built without the checks.

    The checks cost more than the arithmetic, and the rules compute tens of thousands of
    intervals per document; only intervals from outside (literals, amounts) need them.
    """
    interval: Interval = _new(Interval)
    _set_low(interval, low)
    _set_high(interval, high)
    return interval


def add_intervals(intervals: Iterable[Interval]) -> Interval:
    """The sum of intervals from exact 0, the same as adding them one by one with `+`."""
    low = high = ZERO
    for interval in intervals:
        low = FLOOR.add(low, interval.low)
        high = CEILING.add(high, interval.high)
    return made(low, high)


def minimum(first: Interval, *others: Interval) -> Interval:
    """The interval of min(x, y, …) over members of the operands."""
    items = (first, *others)
    return made(min(i.low for i in items), min(i.high for i in items))


def maximum(first: Interval, *others: Interval) -> Interval:
    """The interval of max(x, y, …) over members of the operands."""
    items = (first, *others)
    return made(max(i.low for i in items), max(i.high for i in items))
