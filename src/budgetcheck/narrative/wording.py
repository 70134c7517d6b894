"""Checks of wording that need no table: leftovers, punctuation, cut-off text, years, reasons.

Pure functions over strings; each returns where in the text the problem is.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import islice
from typing import NamedTuple

from budgetcheck import regex
from budgetcheck.narrative.text import compact
from budgetcheck.narrative.vocabulary import NarrativeVocabulary

_TITLE_MARKS = regex.compile(r"[《》]")
# Two marks in a row: a mark twice, a pause before an end, or an end before a pause
# ("([。，、；：！？])\1|[，、；：][。！？]|[。！？][，、；]"), written to start with a class of the
# first marks, which the regex engine skips to instead of trying each alternative at every
# position; the look backs test the mark just read.
_DOUBLED = regex.compile(r"[。，、；：！？](?:(?<=(.))\1|(?<=[，、；：])[。！？]|(?<=[。！？])[，、；])")
_MONTH_AFTER = regex.compile(r"\d{1,2}月")
# A comparison word that ends the text before a year: 比, 较, 与, 同 (相比 ends with 比).
_COMPARE_ENDS = ("比", "较", "与", "同")
_CLOSING = tuple("。！？；：…）」》”.!?;:)")
_PAIRS = tuple((a, b, regex.compile(f"[{a}{b}]")) for a, b in ("“”", "《》", "（）", "【】"))
_ENUMERATED = regex.compile(r"^(?:[一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十0-9]+[）)]|\d{1,2}[、.])")


# A NamedTuple, not a frozen dataclass: cheaper to make, and to define at import.
class Spot(NamedTuple):
    """A problem at compact offsets [start, end) of a paragraph, with what was found."""

    start: int
    end: int
    found: str
    detail: str = ""


MAX_SPOTS = 20  # per paragraph and kind: enough to act on, bounded on noise


def _spots(pattern: re.Pattern[str], text: str) -> list[Spot]:
    return [Spot(m.start(), m.end(), m.group(0)) for m in islice(pattern.finditer(text), MAX_SPOTS)]


def leftovers(text: str, vocab: NarrativeVocabulary) -> list[Spot]:
    return _spots(vocab.leftovers, compact(text).text)


def doubled_punctuation(text: str) -> list[Spot]:
    return _spots(_DOUBLED, compact(text).text)


def unbalanced(text: str) -> list[Spot]:
    """Paired marks whose openings and closings do not match (checked on the text as written)."""
    spots = []
    normal = text.replace("(", "（").replace(")", "）")
    for opening, closing, either in _PAIRS:
        if opening not in normal and closing not in normal:
            continue
        depth = 0
        bad = False
        for match in either.finditer(normal):
            depth += 1 if match.group(0) == opening else -1
            if depth < 0:
                bad = True
                break
        if bad or depth != 0:
            spots.append(Spot(0, 0, f"{opening}{closing}", f"{normal.count(opening)}:{normal.count(closing)}"))
    return spots


def is_heading(text: str) -> bool:
    c = compact(text).text
    return bool(_ENUMERATED.match(c)) and "。" not in c and len(c) <= 40


def cut_off(text: str, vocab: NarrativeVocabulary) -> bool:
    """A paragraph that stops mid-sentence: long, with inner punctuation, and no closing mark."""
    c = compact(text).text
    if len(c) < vocab.cut_off_min_length or is_heading(text):
        return False
    if not any(mark in c for mark in "，、；："):
        return False
    return not c.endswith(_CLOSING)


def key_text(text: str) -> str:
    """A paragraph as compared for duplicates: compact, without its leading numbering."""
    return _ENUMERATED.sub("", compact(text).text)


class YearUse(NamedTuple):
    year: int
    start: int
    end: int
    comparison: bool


def years(text: str, vocab: NarrativeVocabulary) -> list[YearUse]:
    """Years that a reader would check: not in 《citations》, not dates (年…月), not after 截至."""
    c = compact(text).text
    marks = [(m.start(), m.group(0)) for m in _TITLE_MARKS.finditer(c)] if "《" in c else []
    mark_at = [m[0] for m in marks]
    depth_after = []
    depth = 0
    for _, mark in marks:
        depth = depth + 1 if mark == "《" else max(0, depth - 1)
        depth_after.append(depth)
    out = []
    exempt = vocab.year_exempt_before
    for start in year_starts(c):
        end = start + 5
        year = int(c[start : end - 1])
        if not 1900 <= year <= 2100:
            continue
        if marks:
            at = bisect_right(mark_at, start) - 1
            if at >= 0 and depth_after[at] > 0:
                continue
        # Every character \d matches is a digit to `isdigit`: most years, followed by none, are
        # not dates without the pattern.
        if c[end : end + 1].isdigit() and _MONTH_AFTER.match(c, end):
            continue
        before = c[max(0, start - 6) : start]
        if _holds_any(before, exempt):
            continue
        out.append(YearUse(year, start, end, before.endswith(_COMPARE_ENDS)))
    return out


def year_starts(text: str) -> list[int]:
    """Where each year starts: four digits and 年, not after a digit (`(?<!\\d)\\d{4}年`). Found
    from the 年 back (a text has a few), not by a pattern, which the regex engine would try at
    every digit; `isdecimal` is what \\d matches (Unicode category Nd)."""
    out = []
    at = text.find("年", 4)
    while at >= 0:
        if text[at - 4 : at].isdecimal() and not (at > 4 and text[at - 5].isdecimal()):
            out.append(at - 4)
        at = text.find("年", at + 1)
    return out


def _holds_any(text: str, words: tuple[str, ...]) -> bool:
    for word in words:  # noqa: SIM110 - a loop: `any` over a generator costs more than the tests
        if word in text:
            return True
    return False


def empty_reasons(text: str, vocab: NarrativeVocabulary) -> list[Spot]:
    """"主要原因是。" — a reason word followed by nothing."""
    c = compact(text).text
    spots: list[Spot] = []
    if vocab.reason_gate is not None and vocab.reason_gate.search(c) is None:
        return spots  # no reason word at all: most paragraphs
    for word in vocab.reasons:
        start = c.find(word)
        while start >= 0:
            rest = c[start + len(word) : start + len(word) + 3].lstrip("：:，,")
            if not rest or rest[0] in "。；！？" or rest.startswith(("……", "…")):
                spots.append(Spot(start, start + len(word), word))
            start = c.find(word, start + len(word))
    if not spots:
        return spots  # most paragraphs
    # one spot per place: the longest word found there
    spots.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[Spot] = []
    for spot in spots:
        if not kept or spot.start >= kept[-1].end:
            kept.append(spot)
    return kept


def reason_after(sentences: list[str], vocab: NarrativeVocabulary) -> str | None:
    """The reason given in these sentences (the text after the first reason word), or None."""
    for sentence in sentences:
        for word in vocab.reasons:
            at = sentence.find(word)
            if at >= 0:
                return sentence[at + len(word) :].strip("：:，,。")
    return None
