"""Claims: the statements of a paragraph a reader would check, with numbers, units and subjects.

A claim is one number of a sentence read in context:

- ``amount``  an amount of money for a subject ("基本支出 899.86 万元"), with the year it is for;
- ``share``   "占 76.92%" of the amount before it, with the whole it is a share of when the text
              says so ("X 万元，其中：…" or "X中，…");
- ``change``  a change against an earlier year: an amount or percentage after a direction word
              ("比 2023 年预算数增加 130.65 万元", "下降 2.09%") or a flat statement ("与上年持平"),
              with the amount it qualifies and, when the sentence gives it, the earlier amount;
- ``count``   a count ("一级项目 1 个", "内设九个机构", "实有人员 74 人").

Extraction is a pure function of the text, its heading and a lexicon of subject names.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, NamedTuple

from budgetcheck import regex
from budgetcheck.narrative.text import (
    AMOUNT_UNITS,
    CLAUSE_END,
    Compact,
    Number,
    chinese_number,
    compact,
    iter_numbers,
    sentence_ends,
)
from budgetcheck.narrative.vocabulary import NarrativeVocabulary

ClaimKind = Literal["amount", "share", "change", "count"]

_CODE_MARK = regex.compile(r"（(\d{2,3})(类|款|项)）")
_COMPARE_YEAR = regex.compile(r"(?:比|较|与|同)((?:19|20)\d{2})年")
_COMPARE_ANY = regex.compile(r"比|较|与|同比|相比")
_THRESHOLD = ("以上", "以下", "及以上", "及以下", "以内", "左右")
_NOT_CHANGE_AFTER = ("至", "到")
_DIRECTION_GAP = frozenset({"", "了", "为", "约", "达"})  # one character at most (see `_direction`)
_CLAUSE_MARK = regex.compile("[" + re.escape(CLAUSE_END + ",") + "]")
_ENUMERATOR = regex.compile(r"^[（(]?[0-9一二三四五六七八九十]+[）)、.]")


# A NamedTuple, not a frozen dataclass: cheaper to make, and to define at import.
class Lexicon(NamedTuple):
    """Subject names (compact) → subject ids, matched longest first."""

    names: dict[str, str]
    lengths: dict[str, tuple[int, ...]]  # first character -> the lengths of the names it starts, longest first
    last: frozenset[str]  # the characters names end with

    @classmethod
    def build(cls, names: dict[str, str]) -> Lexicon:
        # Part of every document's names come from its own tables, so the lexicon is built per
        # document: an index of lengths by first character costs far less to build than a
        # regular expression of a few thousand characters (or a sort of the names), and the
        # texts it scans are short.
        lengths: dict[str, set[int]] = {}
        for name in names:
            if name:
                lengths.setdefault(name[0], set()).add(len(name))
        return cls(
            dict(names),
            {first: tuple(sorted(group, reverse=True)) for first, group in lengths.items()},
            frozenset(name[-1] for name in names if name),
        )

    def extended(self, groups: Iterable[Names]) -> Lexicon:
        """This lexicon with the names of `groups`; a name it already has, or that an earlier
        group gives, keeps its first subject (as `dict.setdefault` would). The same as `build`
        of all the names, for the cost of the groups: the vocabulary's part of a document's
        lexicon, and the names of each table label, are indexed once, not per document."""
        pairs: list[tuple[str, str]] = []
        added: dict[str, set[int]] = {}
        last = set(self.last)
        for group in groups:
            pairs += group.pairs
            for first, sizes in group.lengths:
                added.setdefault(first, set()).update(sizes)
            last |= group.last
        # The first pair of a name wins, and the lexicon's own names win over all: the pairs
        # reversed, then this lexicon's names on top.
        known = dict(reversed(pairs))
        known.update(self.names)
        # A name kept out by an earlier one has its length indexed already (by the same first
        # character): the lengths of every pair are those of the names kept.
        lengths = dict(self.lengths)
        for first, found in added.items():
            lengths[first] = tuple(sorted(found.union(lengths.get(first, ())), reverse=True))
        return Lexicon(known, lengths, frozenset(last))

    def find(self, text: str) -> list[tuple[int, str]]:
        """(start, name) of each name in `text`, left to right, without overlaps; at each
        position the longest name that starts there (what an alternation of the names sorted
        longest first finds)."""
        found: list[tuple[int, str]] = []
        names, index = self.names, self.lengths
        position, end = 0, len(text)
        while position < end:
            lengths = index.get(text[position])
            if lengths is not None:
                # Names of one length that start alike are one slice: a set lookup per length
                # instead of a comparison per name. Near the end a slice is shorter than its
                # length, and then it is (if a name at all) the longest name that fits.
                for length in lengths:
                    candidate = text[position : position + length]
                    if candidate in names:
                        found.append((position, candidate))
                        position += len(candidate)
                        break
                else:
                    position += 1
            else:
                position += 1
        return found


class Names(NamedTuple):
    """(name, subject) pairs to add to lexicons, indexed as `Lexicon.build` indexes names: made
    once for names that many documents add (the names a table label gives)."""

    pairs: tuple[tuple[str, str], ...]
    lengths: tuple[tuple[str, frozenset[int]], ...]  # (first character, the lengths of its names)
    last: frozenset[str]  # the characters the names end with

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Names:
        pairs = tuple(pairs)
        lengths: dict[str, set[int]] = {}
        for name, _ in pairs:
            if name:
                lengths.setdefault(name[0], set()).add(len(name))
        return cls(
            pairs,
            tuple((first, frozenset(group)) for first, group in lengths.items()),
            frozenset(name[-1] for name, _ in pairs if name),
        )


# A dataclass still: its field `index` would hide tuple.index.
@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a paragraph, with where it starts."""

    paragraph: int  # index of the paragraph in the list extracted
    index: int  # sentence number in the paragraph
    text: str  # compact
    quote: str  # as written
    start: int  # offset of the sentence in the compact paragraph


@dataclass(eq=False, slots=True)
class Claim:
    """A figure the text states: what it is about, its value and where it is written."""

    kind: ClaimKind
    sentence: Sentence
    number: Number | None
    subject: str | None  # subject id; None when the text names nothing known
    subject_text: str  # how the text names it
    scope: str
    year: int | None = None  # amounts: the year it is for (None: the budget year)
    direction: str | None = None  # changes: up / down / flat
    base_year: int | None = None  # changes: the year compared with (None: "上年")
    of: Claim | None = None  # shares and changes: the amount they qualify
    previous: Claim | None = None  # changes: the earlier year's amount in the same sentence
    whole: Claim | None = None  # shares: "X，其中：" stated before
    whole_subject: str | None = None  # shares: "X中，"
    inherited: bool = False  # the subject comes from an earlier sentence
    code_names: tuple[tuple[str, str], ...] = ()  # (code, name as written) for 201类/03款/01项
    parts_of: Claim | None = None  # counts: the whole before 其中
    unit: str = ""

    def describe(self) -> str:
        """One line for `-v`: what the text says."""
        subject = self.subject_text or self.subject or "？"
        figure = self.number.text if self.number else ""
        if self.kind == "change":
            word = {"up": "增加", "down": "减少", "flat": "持平"}.get(self.direction or "", "")
            figure = f"变动 {word}{figure}"
        elif self.kind == "share":
            figure = f"占 {figure}"
        return f"{subject} {figure}（{self.sentence.quote.strip()}）"


class ParagraphText(NamedTuple):
    text: str
    heading: str | None = None


@dataclass(slots=True)
class ParagraphClaims:
    """The claims of one paragraph."""

    index: int
    compact: Compact
    scope: str
    ends: list[int] = field(default_factory=list)  # where each sentence ends (compact offsets)
    claims: list[Claim] = field(default_factory=list)
    _sentences: dict[int, Sentence] = field(default_factory=dict)
    unread: bool = False  # past the document's claim budget: its figures were not read

    @property
    def sentence_count(self) -> int:
        return len(self.ends)

    def sentence(self, number: int) -> Sentence:
        """The paragraph's sentence by number (built when first asked for)."""
        found = self._sentences.get(number)
        if found is None:
            start = self.ends[number - 1] if number else 0
            end = self.ends[number]
            found = Sentence(self.index, number, self.compact.text[start:end], self.compact.span(start, end), start)
            self._sentences[number] = found
        return found

    def sentence_at(self, position: int) -> Sentence | None:
        """The sentence holding a compact offset."""
        if not self.ends:
            return None
        return self.sentence(min(bisect_right(self.ends, position), len(self.ends) - 1))

    def following(self, sentence: Sentence, count: int) -> list[Sentence]:
        last = min(len(self.ends), sentence.index + 1 + count)
        return [self.sentence(i) for i in range(sentence.index + 1, last)]


# A budget's text states a few hundred figures; past this many claims in one document the rest of
# the paragraphs are not read (the report says so), which bounds the cost of a pasted table.
MAX_DOCUMENT_CLAIMS = 5_000


def extract(
    paragraphs: list[ParagraphText], lexicon: Lexicon, vocab: NarrativeVocabulary
) -> list[ParagraphClaims]:
    results = []
    read = 0
    # Many paragraphs sit under one heading: the scope its words give is looked up once.
    heading_scopes: dict[str | None, str | None] = {}
    for i, paragraph in enumerate(paragraphs):
        if read >= MAX_DOCUMENT_CLAIMS:
            results.append(ParagraphClaims(i, compact(paragraph.text), "", unread=True))
            continue
        heading = paragraph.heading
        if heading in heading_scopes:
            scope = heading_scopes[heading]
        else:
            scope = heading_scopes[heading] = vocab.scope_in(heading)
        result = _paragraph(i, paragraph, lexicon, vocab, scope)
        read += len(result.claims)
        results.append(result)
    return results


def _paragraph(index: int, paragraph: ParagraphText, lexicon: Lexicon, vocab: NarrativeVocabulary,
               heading_scope: str | None) -> ParagraphClaims:
    """`heading_scope`: `vocab.scope_in(paragraph.heading)`, which the caller looks up once per heading."""
    text = compact(paragraph.text)
    scope = heading_scope if heading_scope is not None else vocab.scope_in(text.text)
    if scope is None:
        scope = "default"
    result = ParagraphClaims(index, text, scope, sentence_ends(text.text) if text.text else [])
    state = _State()
    wanted: list[int] = []
    ends = result.ends
    # The sentences with a match of the gates, in order: once one has a match, the search goes on
    # from its end (a match never holds a sentence end). A gate's match at or past that end is
    # where its search from there would stop again: only a gate whose match is behind searches on.
    figure_gate, flat_gate = vocab.figure_gate, vocab.flat_gate
    figure = figure_gate.search(text.text)
    flat = flat_gate.search(text.text) if flat_gate is not None else None
    start = _earliest(figure, flat)
    while start is not None and len(wanted) < MAX_FIGURES:
        at = bisect_right(ends, start)
        wanted.append(at)
        if at >= len(ends):
            break
        end = ends[at]
        if figure is not None and figure.start() < end:
            figure = figure_gate.search(text.text, end)
        if flat is not None and flat_gate is not None and flat.start() < end:
            flat = flat_gate.search(text.text, end)
        start = _earliest(figure, flat)
    for number in wanted:
        result.claims.extend(_sentence(result.sentence(number), scope, lexicon, vocab, state))
    counted = _counts(result, vocab)
    if counted:  # (most paragraphs have none: then the claims are as read)
        spans = {(c.sentence.index, c.number.start) for c in counted if c.number}
        result.claims = [
            c for c in result.claims
            if not (c.kind == "count" and c.number and (c.sentence.index, c.number.start) in spans)
        ] + counted
    return result


def _earliest(figure: re.Match[str] | None, flat: re.Match[str] | None) -> int | None:
    """Where the earlier of the gates' matches starts (None: neither matched)."""
    if figure is None or flat is None:
        found = figure or flat
        return found.start() if found is not None else None
    return min(figure.start(), flat.start())


@dataclass(slots=True)
class _State:
    """What carries over from sentence to sentence within a paragraph."""

    last_subject: tuple[str, str] | None = None  # (id, text)
    # Every amount so far; a change looks back at the last `_RECENT` of them (a list appended
    # to, rather than a window made anew for every amount).
    amounts: list[Claim] = field(default_factory=list)
    whole: Claim | None = None  # "X，其中："
    figures: int = 0  # numbers read so far


def _boundaries(text: str) -> list[int]:
    """Positions just after each clause mark (an ASCII comma between digits is a separator)."""
    if "," not in text:  # each mark is one character: the position after it is its match's end
        return [mark.end() for mark in _CLAUSE_MARK.finditer(text)]
    out = []
    last = len(text) - 1
    # Only the marks themselves are visited: a sentence has a few among a hundred characters.
    for mark in _CLAUSE_MARK.finditer(text):
        i = mark.start()
        if mark.group() != "," or not (0 < i < last and text[i - 1].isdigit() and text[i + 1].isdigit()):
            out.append(i + 1)
    return out


def _clause_start(bounds: list[int], position: int) -> int:
    at = bisect_right(bounds, position) - 1
    return bounds[at] if at >= 0 else 0


_LOOKBACK = 8
_RECENT = _LOOKBACK + 1  # the amounts of earlier sentences a change may qualify
# Prose states a few dozen figures per paragraph; beyond this many the rest is not read, which
# bounds the work on a paragraph that is really a pasted table or noise.
MAX_FIGURES = 1000  # amounts a change or share looks back over


def _sentence(sentence: Sentence, scope: str, lexicon: Lexicon, vocab: NarrativeVocabulary,
              state: _State) -> list[Claim]:
    text = sentence.text
    bounds = _boundaries(text)
    markers = _whole_markers(text, lexicon)
    marker_at = [m[0] for m in markers]
    compare_years = [(m.start(), int(m.group(1))) for m in _COMPARE_YEAR.finditer(text)]
    compare_at = [c[0] for c in compare_years]
    claims: list[Claim] = []
    amounts: list[Claim] = []
    counts: list[Claim] = []
    previous_end = 0
    last_year: Number | None = None
    # Read once here rather than for every number: the count of figures and the patterns.
    figures = state.figures
    direction_pattern = vocab.direction_pattern
    for n in iter_numbers(text):
        if figures >= MAX_FIGURES:
            break
        figures += 1
        # The unit, compared here, tells what `Number.is_year` / `is_percent` / `is_amount` would.
        unit = n.unit
        if unit == "年":
            last_year = n
            continue
        start = n.start
        if unit == "" or _code_mark(text, n) or text.startswith(_THRESHOLD, n.end):
            continue
        clause = _clause_start(bounds, start)
        prefix_start = clause if clause > previous_end else previous_end
        prefix = text[prefix_start:start]
        previous_end = n.end
        percent = unit == "%"
        if percent and "占" not in prefix and not direction_pattern.search(prefix):
            continue
        amount = unit in AMOUNT_UNITS
        direction = _direction(prefix, vocab)
        if direction is not None and (amount or percent):
            if text.startswith(_NOT_CHANGE_AFTER, prefix_start + direction[2]):
                continue
            c = bisect_right(compare_at, prefix_start + direction[1]) - 1
            base = compare_years[c][1] if c >= 0 else None
            claim = Claim("change", sentence, n, None, "", scope, direction=direction[0], base_year=base,
                          unit=unit)
            _attach_change(claim, amounts[-_LOOKBACK:], state)
            claims.append(claim)
            continue
        if percent:
            if "占" in prefix:
                m = bisect_right(marker_at, start) - 1
                whole_subject = markers[m][1] if m >= 0 else None
                of = amounts[-1] if amounts else None
                claims.append(Claim(
                    "share", sentence, n, of.subject if of else None, of.subject_text if of else "", scope,
                    of=of, whole=state.whole if whole_subject is None else None,
                    whole_subject=whole_subject, unit="%",
                ))
            continue
        subject, subject_text, codes, inherited = _subject(prefix, lexicon, vocab, state)
        year = int(last_year.value) if last_year is not None and last_year.start >= clause else None
        kind: ClaimKind = "amount" if amount else "count"
        claim = Claim(kind, sentence, n, subject, subject_text, scope, year=year, inherited=inherited,
                      code_names=codes, unit=unit)
        if amount:
            if subject is not None:
                state.last_subject = (subject, subject_text)
            amounts.append(claim)
            state.amounts.append(claim)
            if _followed_by_of_which(text, n.end):
                state.whole = claim
        else:
            claim.parts_of = next((c for c in reversed(counts[-_LOOKBACK:]) if c.unit == unit
                                   and c.number is not None and _followed_by_of_which(text, c.number.end)),
                                  None)
            counts.append(claim)
        claims.append(claim)
    state.figures = figures
    claims.extend(_flat(sentence, scope, vocab, bounds, compare_years, amounts, state))
    return claims


def _followed_by_of_which(text: str, end: int) -> bool:
    rest = text[end : end + 4]
    return rest.startswith(("其中", "，其中", "。其中", "；其中"))


def _whole_markers(text: str, lexicon: Lexicon) -> list[tuple[int, str]]:
    """Each "X中，" of a sentence: (position after it, subject of X)."""
    out: list[tuple[int, str]] = []
    if not _may_mark_whole(text, lexicon.last):
        return out  # no name can be followed by it: the whole sentence need not be scanned
    for start, name in lexicon.find(text):
        end = start + len(name)
        if text.startswith("中", end) and text[end + 1 : end + 2] in ("，", "：", ""):
            out.append((end + 1, lexicon.names[name]))
    return out


def _may_mark_whole(text: str, last: frozenset[str]) -> bool:
    """Whether some "中，", "中：" or final "中" follows a character that a name ends with."""
    at = text.find("中", 1)
    while at >= 0:
        if text[at - 1] in last and text[at + 1 : at + 2] in ("，", "：", ""):
            return True
        at = text.find("中", at + 1)
    return False


def _direction(prefix: str, vocab: NarrativeVocabulary) -> tuple[str, int, int] | None:
    """(direction, start, end) of a direction word that ends the prefix (but for 了/为/约)."""
    # A word must end the prefix or stop one gap character short of its end (the gaps are single
    # characters): most prefixes fail that at once, without a scan.
    ends = vocab.direction_ends
    if ends is not None and prefix[-1:] not in ends and (
        prefix[-1:] not in _DIRECTION_GAP or prefix[-2:-1] not in ends
    ):
        return None
    last = None
    for match in vocab.direction_pattern.finditer(prefix):
        last = match
    if last is None or prefix[last.end():] not in _DIRECTION_GAP:
        return None
    return vocab.directions[last.group(0)], last.start(), last.end()


def _code_mark(text: str, n: Number) -> bool:
    """A classification code in brackets ("（01项）"), not a count."""
    return n.start > 0 and text[n.start - 1] == "（" and text.startswith(("类）", "款）", "项）"), n.end - 1)


def _subject(prefix: str, lexicon: Lexicon, vocab: NarrativeVocabulary,
             state: _State) -> tuple[str | None, str, tuple[tuple[str, str], ...], bool]:
    marks = list(_CODE_MARK.finditer(prefix)) if "（" in prefix else None
    if marks:
        code = ""
        codes: list[tuple[str, str]] = []
        start = 0
        for mark in marks:
            digits, level = mark.group(1), mark.group(2)
            name = prefix[start : mark.start()]
            if level == "类":
                code = digits[-3:]
            elif len(code) in (3, 5):
                code += digits[-2:]
            codes.append((code, _strip_years(name)))
            start = mark.end()
        written = "".join(name for _, name in codes)
        return f"code:{code}", written or prefix, tuple(codes), False
    found = lexicon.find(prefix)
    if found:
        name = found[-1][1]
        return lexicon.names[name], name, (), False
    stripped = _strip_years(prefix)
    residue = vocab.filler_pattern.sub("", stripped).strip("，；：、。")
    if not residue and state.last_subject is not None:
        return state.last_subject[0], state.last_subject[1], (), True
    return None, stripped.strip("，；：、。其中") or prefix, (), False


_YEAR_WORD = regex.compile(r"(?:19|20)\d{2}年度?")
_ITEM_SEPARATOR = regex.compile(r"[、；;]")
_ENUM_PREFIX = regex.compile(r"^(?:[0-9]{1,2}[、.]|[（(][0-9一二三四五六七八九十]{1,3}[）)])")


def _strip_years(text: str) -> str:
    return _ENUM_PREFIX.sub("", _YEAR_WORD.sub("", text))


def _attach_change(claim: Claim, claims: list[Claim], state: _State) -> None:
    here = [c for c in claims if c.kind == "amount"]
    current = [c for c in here if c.year is None or c.year != claim.base_year]
    if claim.base_year is not None:
        earlier = [c for c in here if c.year == claim.base_year]
    else:
        earlier = [c for c in here if c.year is not None and current and current[-1].year is not None
                   and c.year == current[-1].year - 1]
    claim.previous = earlier[-1] if earlier else None
    if current:
        claim.of = current[-1]
    else:
        before = [c for c in state.amounts[-_RECENT:] if c.year is None or c.year != claim.base_year]
        claim.of = before[-1] if before else None
    if claim.of is not None:
        claim.subject, claim.subject_text = claim.of.subject, claim.of.subject_text


def _flat(sentence: Sentence, scope: str, vocab: NarrativeVocabulary, bounds: list[int],
          compare_years: list[tuple[int, int]], amounts: list[Claim], state: _State) -> list[Claim]:
    out: list[Claim] = []
    text = sentence.text
    if vocab.flat_gate is not None and vocab.flat_gate.search(text) is None:
        return out  # no "unchanged" word at all (most sentences): no direction word to go through
    compare_at = [c[0] for c in compare_years]
    for match in vocab.direction_pattern.finditer(text):
        if vocab.directions[match.group(0)] != "flat":
            continue
        clause = text[_clause_start(bounds, match.start()) : match.start()]
        if not _COMPARE_ANY.search(clause):
            continue
        c = bisect_right(compare_at, match.start()) - 1
        claim = Claim("change", sentence, None, None, "", scope, direction="flat",
                      base_year=compare_years[c][1] if c >= 0 else None)
        earlier = [a for a in amounts[-_LOOKBACK:] if a.number and a.number.end <= match.start()]
        _attach_change(claim, earlier, state)
        out.append(claim)
    return out


def _counts(paragraph: ParagraphClaims, vocab: NarrativeVocabulary) -> list[Claim]:
    out: list[Claim] = []
    text = paragraph.compact.text
    if not paragraph.ends:
        return out
    for spec, pattern, required in vocab.count_patterns:
        if required is not None and required not in text:
            continue  # cannot match: most paragraphs, without running the pattern
        for match in pattern.finditer(text):
            value = chinese_number(match.group("n"))
            if value is None:
                continue
            sentence = paragraph.sentence_at(match.start())
            if sentence is None:
                continue
            number = Number(Decimal(value), 0, "个", match.start("n") - sentence.start,
                            match.end() - sentence.start, match.group(0))
            out.append(Claim("count", sentence, number, f"count:{spec.id}", spec.id, paragraph.scope,
                             unit="个"))
    return out


def list_items(paragraphs: list[ParagraphText], index: int) -> list[str]:
    """The items that follow a "分别为：" paragraph: inline (split by 、；) or the next enumerated paragraphs."""
    text = compact(paragraphs[index].text).text
    for marker in ("分别为：", "分别是：", "包括：", "为："):
        at = text.find(marker)
        if at >= 0:
            rest = text[at + len(marker) :].rstrip("。")
            if rest:
                return [p for p in _ITEM_SEPARATOR.split(rest) if p]
            break
    items: list[str] = []
    for following in paragraphs[index + 1 :]:
        item = compact(following.text).text
        if not _ENUMERATOR.match(item) or len(item) > 60:
            break
        items.append(item)
    return items
