"""The narrative fast paths of round 3 agree with the plain ways they replace."""

from __future__ import annotations

from bisect import bisect_right

from hypothesis import given
from hypothesis import strategies as st

from budgetcheck.engine.checks.narrative import _split_items
from budgetcheck.narrative import wording
from budgetcheck.narrative.claims import Lexicon, Names
from budgetcheck.narrative.text import compact
from budgetcheck.narrative.vocabulary import NarrativeVocabulary, narrative_vocabulary
from narrative_helpers import COMPARE_BEFORE, YEAR

VOCAB = narrative_vocabulary()


def pieces(*items: str, size: int = 30) -> st.SearchStrategy[str]:
    """Texts made of these pieces (words as well as characters)."""
    return st.lists(st.sampled_from(items), max_size=size).map("".join)

PIECES = ["", "支出", "基本支出", "基本", "项目支出", "一般公共服务支出", "（类）", "中", "其中"]
names = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["a", "b", "c"])), max_size=8)


@given(names, st.lists(names, max_size=5))
def test_extended_as_build(base: list[tuple[str, str]], groups: list[list[tuple[str, str]]]) -> None:
    """A lexicon extended by groups of names is the lexicon built of all the names, the first
    subject of a name kept."""
    everything: dict[str, str] = {}
    for name, subject in [*base, *(pair for group in groups for pair in group)]:
        everything.setdefault(name, subject)
    start: dict[str, str] = {}
    for name, subject in base:
        start.setdefault(name, subject)
    extended = Lexicon.build(start).extended([Names.of(group) for group in groups])
    assert extended == Lexicon.build(everything)


def plain_split_items(listed: str) -> list[str]:
    """_split_items as it was: one loop over the characters, whatever they are."""
    out: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in listed:
        if ch == "（":
            depth += 1
        elif ch == "）":
            depth = max(0, depth - 1)
        if ch in "、，；" and depth == 0:
            out.append("".join(current).removeprefix("和").removeprefix("及"))
            current = []
        else:
            current.append(ch)
    out.append("".join(current).removesuffix("等"))
    return [o.removeprefix("和").removeprefix("及").removesuffix("等") for o in out]


@given(pieces("、", "，", "；", "（", "）", "和", "及", "等", "办公费", "x", size=14))
def test_split_items_as_loop(listed: str) -> None:
    assert _split_items(listed) == plain_split_items(listed)


def plain_years(text: str, vocab: NarrativeVocabulary) -> list[wording.YearUse]:
    """wording.years as it was: the patterns for the month and the comparison word."""
    c = compact(text).text
    marks = [(m.start(), m.group(0)) for m in wording._TITLE_MARKS.finditer(c)] if "《" in c else []
    mark_at = [m[0] for m in marks]
    depth_after = []
    depth = 0
    for _, mark in marks:
        depth = depth + 1 if mark == "《" else max(0, depth - 1)
        depth_after.append(depth)
    out = []
    for match in YEAR.finditer(c):
        if not 1900 <= int(match.group(1)) <= 2100:
            continue
        at = bisect_right(mark_at, match.start()) - 1
        if (at >= 0 and depth_after[at] > 0) or wording._MONTH_AFTER.match(c, match.end()):
            continue
        before = c[max(0, match.start() - 6) : match.start()]
        if any(word in before for word in vocab.year_exempt_before):
            continue
        comparison = bool(COMPARE_BEFORE.search(before))
        out.append(wording.YearUse(int(match.group(1)), match.start(), match.end(), comparison))
    return out


@given(pieces("2023年", "2024", "1899年", "年", "12月", "1", "٣", "月", "比", "相比", "较", "与", "同", "截至",
              "《", "》", "\n", " ", "，", "上年", size=16))
def test_years_as_before(text: str) -> None:
    assert wording.years(text, VOCAB) == plain_years(text, VOCAB)


@given(pieces(*"0123456789٣年月 x", "2023年", "12345年", size=30))
def test_year_starts_as_pattern(text: str) -> None:
    assert wording.year_starts(text) == [m.start() for m in YEAR.finditer(text)]
