"""The narrative vocabulary (rules/narrative-vocabulary.yaml): subjects, directions, reasons, leftovers."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from budgetcheck import regex
from budgetcheck.resources import rules_yaml

VOCABULARY_FILE = "narrative-vocabulary.yaml"
MAX_PATTERN_LENGTH = 300


# A NamedTuple, not a frozen dataclass: cheaper to make, and to define at import.
class CellSpec(NamedTuple):
    table: str
    row: str | None = None
    column: str | None = None
    sum: bool = False


class SubjectSpec(NamedTuple):
    id: str
    names: tuple[str, ...]
    cells: dict[str, tuple[CellSpec, ...]]  # scope -> candidates


class SumSpec(NamedTuple):
    whole: str
    parts: tuple[str, ...] = ()
    at_most: tuple[str, ...] = ()


class CountSpec(NamedTuple):
    id: str
    patterns: tuple[re.Pattern[str], ...]
    source: dict[str, Any]


class Scope(NamedTuple):
    id: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NarrativeVocabulary:
    """The words the text checks know (rules/narrative-vocabulary.yaml)."""

    scopes: tuple[Scope, ...]
    function_tables: dict[str, tuple[str, ...]]
    class_share_base: dict[str, tuple[CellSpec, ...]]
    subjects: dict[str, SubjectSpec]
    three_public_total: str
    three_public_items: tuple[str, ...]
    three_public_none: tuple[re.Pattern[str], ...]
    sums: tuple[SumSpec, ...]
    counts: tuple[CountSpec, ...]
    count_wholes: tuple[str, ...]
    filler_words: tuple[str, ...]
    directions: dict[str, str]  # word -> up / down / flat
    comparison: re.Pattern[str]
    reasons: tuple[str, ...]
    reason_window: int
    leftovers: re.Pattern[str]
    outdated_names: dict[str, str]
    level_words: dict[str, tuple[str, ...]]
    item_lists: dict[str, CellSpec]
    item_list_markers: tuple[str, ...]
    year_exempt_before: tuple[str, ...]
    cut_off_min_length: int
    direction_pattern: re.Pattern[str] = field(init=False)
    # The last characters of the direction words (None if a word is empty and so ends anywhere).
    direction_ends: frozenset[str] | None = field(init=False)
    filler_pattern: re.Pattern[str] = field(init=False)
    # Where a sentence may hold a claim: a figure with a unit, or a word saying "unchanged" (two
    # patterns, not one alternation: each starts with a digit or a word, which the regex engine
    # skips to, while the alternation of both is tried at every position).
    figure_gate: re.Pattern[str] = field(init=False)
    flat_gate: re.Pattern[str] | None = field(init=False)
    # (word, scope id) in the order of `scopes`: the first pair whose word a text holds decides.
    scope_words: tuple[tuple[str, str], ...] = field(init=False)
    # (count, pattern, `required_text` of the pattern) for every pattern of `counts`, in order.
    count_patterns: tuple[tuple[CountSpec, re.Pattern[str], str | None], ...] = field(init=False)
    three_public_none_required: tuple[str | None, ...] = field(init=False)  # of `three_public_none`
    # Any reason word (None if one is empty): one search tells that a text holds none of them,
    # which most paragraphs do not, for less than a `find` of each word.
    reason_gate: re.Pattern[str] | None = field(init=False)

    def __post_init__(self) -> None:
        words = sorted(self.directions, key=len, reverse=True)
        object.__setattr__(self, "direction_pattern", regex.compile("|".join(map(re.escape, words))))
        ends = frozenset(word[-1] for word in words) if all(words) else None
        object.__setattr__(self, "direction_ends", ends)
        fillers = sorted(self.filler_words, key=len, reverse=True)
        object.__setattr__(self, "filler_pattern", regex.compile("|".join(map(re.escape, fillers))))
        from budgetcheck.narrative.text import AMOUNT_UNITS, COUNT_UNITS

        units = "|".join(re.escape(u) for u in (*AMOUNT_UNITS, "%", *COUNT_UNITS))
        flat = "|".join(re.escape(w) for w, d in self.directions.items() if d == "flat")
        object.__setattr__(self, "figure_gate", regex.compile(rf"\d(?:{units})"))
        object.__setattr__(self, "flat_gate", regex.compile(flat) if flat else None)
        pairs = tuple((word, scope.id) for scope in self.scopes for word in scope.words)
        object.__setattr__(self, "scope_words", pairs)
        counted = tuple((spec, p, required_text(p)) for spec in self.counts for p in spec.patterns)
        object.__setattr__(self, "count_patterns", counted)
        none = tuple(required_text(p) for p in self.three_public_none)
        object.__setattr__(self, "three_public_none_required", none)
        reasons = self.reasons if self.reasons and all(self.reasons) else ()
        gate = regex.compile("|".join(map(re.escape, reasons))) if reasons else None
        object.__setattr__(self, "reason_gate", gate)

    def scope_of(self, *texts: str | None) -> str:
        for text in texts:
            found = self.scope_in(text)
            if found is not None:
                return found
        return "default"

    def scope_in(self, text: str | None) -> str | None:
        """The first scope whose words `text` holds, or None."""
        if text:
            for word, scope in self.scope_words:
                if word in text:
                    return scope
        return None


def required_text(pattern: re.Pattern[str]) -> str | None:
    """The longest run of plain characters that every match of `pattern` holds, or None.

    A text without it cannot match, and `in` tells that far sooner than the regex engine, which
    tries a pattern that starts with a look back ("(?<!\\d)…") at every position of the text.
    The run is read from the parsed pattern (re._parser, what `re` compiles from): characters in
    sequence outside any repeat, branch or class, groups included; anything unexpected there,
    or a pattern that ignores case, gives None: no shortcut.
    """
    items = _parsed(pattern)
    if items is None:
        return None
    best = run = ""
    while items:
        op, argument = items.pop(0)
        name = str(op)
        if name == "SUBPATTERN" and argument[1] == 0 and argument[2] == 0:
            items[:0] = list(argument[3].data)  # a plain group is matched once, in sequence
            continue
        if name == "LITERAL":
            run += chr(argument)
            best = max(best, run, key=len)
        else:
            run = ""
    return best or None


def _parsed(pattern: re.Pattern[str]) -> list[Any] | None:
    """The items of the parsed pattern (re._parser, what `re` compiles from), or None when the
    pattern ignores case or the private module is missing or changed: then no short cut."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parser = importlib.import_module("re._parser")
        return list(parser.parse(pattern.pattern, pattern.flags).data)
    except Exception:
        return None


def _leftovers_pattern(patterns: list[str]) -> re.Pattern[str]:
    """One pattern for all leftovers, led by a look ahead for the characters a match may start
    with: most positions of a text fail that one test instead of each alternative in turn (it
    finds the same matches: a position it rejects is one where no alternative can start)."""
    combined = regex.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!x)x")
    starts = first_characters(combined) if patterns else None
    if not starts:
        return combined
    gate = "".join(re.escape(ch) for ch in sorted(starts))
    return regex.compile(f"(?=[{gate}])(?:{combined.pattern})")


MAX_FIRST_CHARACTERS = 64


def first_characters(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The characters every match of `pattern` starts with, or None when that is not plain.

    Read from the parsed pattern (re._parser, as in `required_text`): a literal, a class of
    literals and ranges, a group, a branch (the union of its alternatives) or a repeat of at least
    once; anything else (an empty match, a look around, an anchor, a category such as \\d, a
    negated class) or a pattern that ignores case gives None.
    """
    items = _parsed(pattern)
    if items is None:
        return None
    found = _first_of(items)
    return frozenset(found) if found and len(found) <= MAX_FIRST_CHARACTERS else None


def _first_of(items: list[Any]) -> set[str] | None:
    if not items:
        return None  # an empty alternative matches anywhere
    op, argument = items[0]
    name = str(op)
    if name == "LITERAL":
        return {chr(argument)}
    if name == "IN":
        out: set[str] = set()
        for member, value in argument:
            if str(member) == "LITERAL":
                out.add(chr(value))
            elif str(member) == "RANGE" and value[1] - value[0] < MAX_FIRST_CHARACTERS:
                out.update(chr(c) for c in range(value[0], value[1] + 1))
            else:
                return None  # a negation, a category or a long range
        return out
    if name == "SUBPATTERN" and argument[1] == 0 and argument[2] == 0:
        return _first_of(list(argument[3].data))
    if name in ("MAX_REPEAT", "MIN_REPEAT") and argument[0] >= 1:
        return _first_of(list(argument[2].data))
    if name == "BRANCH":
        union: set[str] = set()
        for alternative in argument[1]:
            part = _first_of(list(alternative.data))
            if part is None:
                return None
            union |= part
        return union
    return None


def _pattern(text: str) -> re.Pattern[str]:
    if len(text) > MAX_PATTERN_LENGTH:
        raise ValueError(f"pattern longer than {MAX_PATTERN_LENGTH} characters: {text[:40]}…")
    return regex.compile(text)


def _cells(data: object) -> tuple[CellSpec, ...]:
    items = data if isinstance(data, list) else []
    return tuple(
        CellSpec(str(i["table"]), i.get("row"), i.get("column"), bool(i.get("sum", False)))
        for i in items
        if isinstance(i, dict)
    )


def parse(data: dict[str, Any]) -> NarrativeVocabulary:
    subjects = {
        str(name): SubjectSpec(
            str(name),
            tuple(str(n) for n in spec.get("names", [name])),
            {str(scope): _cells(cells) for scope, cells in (spec.get("cells") or {}).items()},
        )
        for name, spec in (data.get("subjects") or {}).items()
    }
    directions: dict[str, str] = {}
    for direction, words in (data.get("directions") or {}).items():
        for word in words:
            directions[str(word)] = str(direction)
    three = data.get("three_public") or {}
    leftovers = [str(p) for p in data.get("leftovers") or []]
    for p in leftovers:
        _pattern(p)
    return NarrativeVocabulary(
        scopes=tuple(Scope(str(s["id"]), tuple(s.get("words", []))) for s in data.get("scopes") or []),
        function_tables={str(k): tuple(v) for k, v in (data.get("function_tables") or {}).items()},
        class_share_base={str(k): _cells(v) for k, v in (data.get("class_share_base") or {}).items()},
        subjects=subjects,
        three_public_total=str(three.get("total", "三公经费")),
        three_public_items=tuple(three.get("items", [])),
        three_public_none=tuple(_pattern(p) for p in three.get("none_words", [])),
        sums=tuple(
            SumSpec(str(s["whole"]), tuple(s.get("parts", [])), tuple(s.get("at_most", [])))
            for s in data.get("sums") or []
        ),
        counts=tuple(
            CountSpec(str(name), tuple(_pattern(p) for p in spec["patterns"]), dict(spec["source"]))
            for name, spec in (data.get("counts") or {}).items()
        ),
        count_wholes=tuple(data.get("count_wholes") or []),
        filler_words=tuple(data.get("filler_words") or []),
        directions=directions,
        comparison=_pattern(str(data["comparison"])),
        reasons=tuple(sorted(data.get("reasons") or [], key=len, reverse=True)),
        reason_window=int(data.get("reason_window", 2)),
        leftovers=_leftovers_pattern(leftovers),
        outdated_names={str(k): str(v) for k, v in (data.get("outdated_names") or {}).items()},
        level_words={str(k): tuple(v) for k, v in (data.get("level_words") or {}).items()},
        item_lists={
            str(k): CellSpec(str(v["table"]), None, v.get("column"))
            for k, v in (data.get("item_lists") or {}).items()
        },
        item_list_markers=tuple(sorted(data.get("item_list_markers") or [], key=len, reverse=True)),
        year_exempt_before=tuple(data.get("year_exempt_before") or []),
        cut_off_min_length=int(data.get("cut_off_min_length", 30)),
    )


def load(path: Path) -> NarrativeVocabulary:
    import yaml  # here: the shipped vocabulary comes parsed from the cache, without PyYAML

    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def narrative_vocabulary() -> NarrativeVocabulary:
    return parse(rules_yaml(VOCABULARY_FILE))
