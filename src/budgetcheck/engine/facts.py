"""Figures stated only in the explanatory text (机关运行经费 in many documents), found by patterns
that live in the rule pack. Only the first statement of a fact is read; the narrative checks
compare every statement with the tables."""

from __future__ import annotations

import re
from dataclasses import dataclass

from budgetcheck import regex
from budgetcheck.amounts import parse_amount_text
from budgetcheck.model import Amount, Paragraph

MAX_PATTERN_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Fact:
    """A named fact and the patterns that find it in the text."""

    name: str
    patterns: tuple[re.Pattern[str], ...]  # each with groups `amount` and `unit`


def compile_fact(name: str, patterns: list[str]) -> Fact:
    compiled = []
    for pattern in patterns:
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise ValueError(f"pattern longer than {MAX_PATTERN_LENGTH} characters")
        found = regex.compile(pattern)
        if not {"amount", "unit"} <= set(found.groupindex):
            raise ValueError("a fact pattern needs the groups (?P<amount>…) and (?P<unit>…)")
        compiled.append(found)
    return Fact(name, tuple(compiled))


def find_fact(fact: Fact, paragraphs: list[Paragraph]) -> tuple[Paragraph, Amount, str] | None:
    for paragraph in paragraphs:
        for pattern in fact.patterns:
            match = pattern.search(paragraph.text)
            if match is None:
                continue
            parsed = parse_amount_text(match.group("amount"))
            unit = match.group("unit")
            if parsed.amount is not None and unit in ("元", "千元", "万元", "亿元"):
                return paragraph, parsed.amount, unit
    return None
