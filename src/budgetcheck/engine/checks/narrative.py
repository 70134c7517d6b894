"""Narrative claims against the tables: amounts, shares, year-over-year changes, counts, wording.

One check kind, `narrative`, with `test:` choosing what a rule checks. The text is read once per
document (budgetcheck.narrative), and each claim is tied to table cells through the subjects of
rules/narrative-vocabulary.yaml. A claim that cannot be tied to anything is listed as unchecked
(on the outcome of the `amounts` test), never reported as a finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple, TypeVar

from budgetcheck import regex
from budgetcheck.engine.checks.base import Context, Outcome, amount_text, not_applicable
from budgetcheck.engine.index import DocumentIndex, Quantity, Source, TableIndex, add_all
from budgetcheck.engine.interval import CEILING, FLOOR, Interval, made
from budgetcheck.engine.packs import Rule, rule_error
from budgetcheck.findings import Finding, Text, fingerprint
from budgetcheck.loading.text import key
from budgetcheck.model import UNIT_FACTORS, CellRef, Paragraph, Row, decimal_shift, half_unit
from budgetcheck.narrative import wording
from budgetcheck.narrative.claims import (
    Claim,
    Lexicon,
    Names,
    ParagraphClaims,
    ParagraphText,
    extract,
    list_items,
)
from budgetcheck.narrative.text import AMOUNT_UNITS, compact
from budgetcheck.narrative.vocabulary import CellSpec, NarrativeVocabulary, narrative_vocabulary

_T = TypeVar("_T")

HUNDRED = Interval.exact(Decimal(100))
FUNCTION_KINDS = ("expenditure_summary", "general_budget_expenditure", "government_fund_expenditure",
                  "state_capital_expenditure")


# -- reading the document once -----------------------------------------------------------------


class Tied(NamedTuple):  # a NamedTuple: cheaper to define at import than a frozen dataclass
    """The table figure a claim names."""

    quantity: Quantity
    table: TableIndex | None
    row: Row | None
    column: str | None


@dataclass(slots=True)
class Analysis:
    """The text's claims and what they were tied to, worked out once per document."""

    index: DocumentIndex
    vocab: NarrativeVocabulary
    paragraphs: list[Paragraph]
    texts: list[ParagraphText]
    results: list[ParagraphClaims]
    year: int | None
    checked: set[int] = field(default_factory=set)  # id() of claims some check compared
    # What every narrative rule asks for again, worked out once per document.
    _claims: list[Claim] | None = None
    _tied: dict[tuple[str, str], Tied | None] = field(default_factory=dict)  # (subject, scope)
    _years: dict[int, list[wording.YearUse]] = field(default_factory=dict)  # by paragraph
    # id(claim) -> (the claim, `share_base` of it): three rules ask for each share's base.
    _bases: dict[int, tuple[Claim, ShareBase | None]] = field(default_factory=dict)
    # id(claim) -> (the claim, `stated` of it): amounts are compared by several rules.
    _stated: dict[int, tuple[Claim, Interval]] = field(default_factory=dict)
    _current_amounts: dict[int, dict[str, Claim]] = field(default_factory=dict)  # by paragraph
    # Cells named by subjects: several subjects and scopes name the same cell.
    _cells: dict[CellSpec, Tied | None] = field(default_factory=dict)
    # id(table) -> (the table, its item rows by label key and by code, first of each).
    _function_rows: dict[int, tuple[TableIndex, dict[str, Row], dict[str, Row]]] = field(default_factory=dict)
    # (subject, paragraph) -> `count_source` of a count claim.
    _count_sources: dict[tuple[str | None, int], CountSource | None] = field(default_factory=dict)

    def claims(self) -> list[Claim]:
        # The claims are fixed once extracted; a copy, so that no check can change them.
        if self._claims is None:
            self._claims = [c for r in self.results for c in r.claims]
        return list(self._claims)

    def tie(self, claim: Claim) -> Tied | None:
        """The table figure of an amount claim's subject, in the claim's scope."""
        if not claim.subject:
            return None
        return self.resolved(claim.subject, claim.scope)

    def resolved(self, subject: str, scope: str) -> Tied | None:
        """`resolve`, once per subject and scope: the text names the same few subjects often."""
        wanted = (subject, scope)
        if wanted not in self._tied:
            self._tied[wanted] = resolve(self, subject, scope)
        return self._tied[wanted]

    def stated(self, claim: Claim) -> Interval:
        """`stated`, once per claim."""
        known = self._stated.get(id(claim))
        if known is None or known[0] is not claim:
            known = self._stated[id(claim)] = (claim, stated(claim))
        return known[1]

    def cell_figure(self, spec: CellSpec) -> Tied | None:
        """`cell_figure`, once per cell spec."""
        if spec in self._cells:
            return self._cells[spec]
        found = self._cells[spec] = cell_figure(self.index, spec)
        return found

    def function_row(self, table: TableIndex, wanted: str, by_code: bool) -> Row | None:
        """The first item row of a function table with this label key (or code), from an index
        of the table's rows built once per table: the text names many of its rows."""
        known = self._function_rows.get(id(table))
        if known is None or known[0] is not table:
            labels: dict[str, Row] = {}
            codes: dict[str, Row] = {}
            for row in table.table.rows:
                if row.kind == "item":
                    labels.setdefault(key(row.label), row)
                    if row.code is not None:
                        codes.setdefault(row.code, row)
            known = self._function_rows[id(table)] = (table, labels, codes)
        return (known[2] if by_code else known[1]).get(wanted)

    def current_amounts(self, result: ParagraphClaims) -> dict[str, Claim]:
        """A paragraph's first amount of each subject for the budget year (two rules read them;
        neither changes the dictionary)."""
        found = self._current_amounts.get(result.index)
        if found is None:
            found = self._current_amounts[result.index] = {}
            for claim in result.claims:
                if claim.kind == "amount" and claim.subject and claim.number and _current(self, claim):
                    found.setdefault(claim.subject, claim)
        return found

    def years(self, paragraph: int) -> list[wording.YearUse]:
        """The years a paragraph mentions (two rules read them)."""
        found = self._years.get(paragraph)
        if found is None:
            found = self._years[paragraph] = _year_uses(self.paragraphs[paragraph].text, self.vocab)
        return found


# Wording results by paragraph text: text -> (the vocabulary, the result for the text). Headings
# and stock sentences recur in every workbook of a batch (half the paragraphs of a batch are seen
# before), and each result is a pure function of the text and the vocabulary. The results are
# only read (lists of NamedTuples, strings, booleans), so one may serve many documents.
_WordingMemo = dict[str, tuple[NarrativeVocabulary, _T]]
_YEAR_USES: _WordingMemo[list[wording.YearUse]] = {}
_LEFTOVERS: _WordingMemo[list[wording.Spot]] = {}
_PUNCTUATION: _WordingMemo[list[wording.Spot]] = {}
_EMPTY_REASONS: _WordingMemo[list[wording.Spot]] = {}
_CUT_OFF: _WordingMemo[bool] = {}
_KEY_TEXTS: _WordingMemo[str] = {}
_MAX_MEMO = 4096  # a batch's stock texts are far fewer; a bound on the rest


def _by_text(memo: _WordingMemo[_T], text: str, vocab: NarrativeVocabulary,
             find: Callable[[str, NarrativeVocabulary], _T]) -> _T:
    """`find(text, vocab)`, remembered in `memo` (for this vocabulary: tests load others)."""
    known = memo.get(text)
    if known is not None and known[0] is vocab:
        return known[1]
    found = find(text, vocab)
    if len(memo) >= _MAX_MEMO:
        memo.clear()
    memo[text] = (vocab, found)
    return found


def _year_uses(text: str, vocab: NarrativeVocabulary) -> list[wording.YearUse]:
    return _by_text(_YEAR_USES, text, vocab, wording.years)


def _leftover_spots(text: str, vocab: NarrativeVocabulary) -> list[wording.Spot]:
    return _by_text(_LEFTOVERS, text, vocab, wording.leftovers)


def _punctuation_spots(text: str, vocab: NarrativeVocabulary) -> list[wording.Spot]:
    return _by_text(_PUNCTUATION, text, vocab, _find_punctuation)


def _find_punctuation(text: str, vocab: NarrativeVocabulary) -> list[wording.Spot]:
    return wording.doubled_punctuation(text) + wording.unbalanced(text)


def _empty_reason_spots(text: str, vocab: NarrativeVocabulary) -> list[wording.Spot]:
    return _by_text(_EMPTY_REASONS, text, vocab, wording.empty_reasons)


def _is_cut_off(text: str, vocab: NarrativeVocabulary) -> bool:
    return _by_text(_CUT_OFF, text, vocab, wording.cut_off)


def _key_text(text: str, vocab: NarrativeVocabulary) -> str:
    return _by_text(_KEY_TEXTS, text, vocab, _find_key_text)


def _find_key_text(text: str, vocab: NarrativeVocabulary) -> str:
    return wording.key_text(text)


def analyse(context: Context) -> Analysis:
    """The document's claims, read once per document and shared by every narrative rule."""
    cached = context.shared.get("narrative")
    if isinstance(cached, Analysis):
        return cached
    index = context.index
    vocab = narrative_vocabulary()
    compact.cache_clear()  # the previous document's paragraphs are not needed any more
    paragraphs = list(index.doc.paragraphs)
    texts = [ParagraphText(p.text, p.heading) for p in paragraphs]
    results = extract(texts, build_lexicon(index, vocab), vocab)
    analysis = Analysis(index, vocab, paragraphs, texts, results, index.doc.metadata.year)
    context.shared["narrative"] = analysis
    return analysis


def build_lexicon(index: DocumentIndex, vocab: NarrativeVocabulary) -> Lexicon:
    """Subject names: the vocabulary's, then the function and economic rows of the tables."""
    groups: list[Names] = []
    seen: set[str] = set()  # labels done: the function tables name the same rows
    for kind in FUNCTION_KINDS:
        table = index.tables.get(kind)
        for row in table.table.rows if table else []:
            label = row.label
            if row.kind != "item" or not label or label in seen:
                continue
            seen.add(label)
            groups.append(_function_names(label))
    basic = index.tables.get("general_budget_basic_expenditure")
    for row in basic.table.rows if basic else []:
        if row.kind == "item" and row.label:
            groups.append(_economic_names(row.label))
    return _vocabulary_lexicon(vocab).extended(groups)


# id(vocabulary) -> (the vocabulary, the lexicon of its subjects' names): the same for every
# document, so indexed once; the vocabulary is kept so that the id stays its own.
_VOCABULARY_LEXICONS: dict[int, tuple[NarrativeVocabulary, Lexicon]] = {}


def _vocabulary_lexicon(vocab: NarrativeVocabulary) -> Lexicon:
    known = _VOCABULARY_LEXICONS.get(id(vocab))
    if known is not None and known[0] is vocab:
        return known[1]
    names: dict[str, str] = {}
    for subject in vocab.subjects.values():
        for name in subject.names:
            names.setdefault(key(name), subject.id)
    if len(_VOCABULARY_LEXICONS) >= 16:  # vocabularies are loaded once; tests make a few more
        _VOCABULARY_LEXICONS.clear()
    lexicon = Lexicon.build(names)
    _VOCABULARY_LEXICONS[id(vocab)] = (vocab, lexicon)
    return lexicon


@lru_cache(maxsize=4096)
def _function_names(label: str) -> Names:
    """The names the text may give a function row with this label, with its subject (the same
    labels recur in every workbook of a batch)."""
    label = key(label)
    subject = f"fn:{label}"
    return Names.of((variant, subject) for variant in _variants(label))


@lru_cache(maxsize=4096)
def _economic_names(label: str) -> Names:
    """The name of an economic row with this label, with its subject."""
    label = key(label)
    return Names.of([(label, f"ec:{label}")])


def _variants(label: str) -> list[str]:
    out = [label]
    stem = label[:-2] if label.endswith("支出") else label
    for level in ("类", "款", "项"):
        out += [f"{stem}（{level}）支出", f"{stem}（{level}）", f"{label}（{level}）"]
    if stem != label:
        out.append(f"{stem}类支出")
    return out


# -- tying subjects to cells -------------------------------------------------------------------


def resolve(analysis: Analysis, subject: str, scope: str) -> Tied | None:
    index, vocab = analysis.index, analysis.vocab
    if subject.startswith(("fn:", "code:")):
        wanted = subject.split(":", 1)[1]
        for name in vocab.function_tables.get(scope, vocab.function_tables.get("default", ())):
            table = index.table(name)
            if table is None:
                continue
            row = analysis.function_row(table, wanted, subject.startswith("code:"))
            if row is not None:
                return _row_figure(table, row, None)
        return None
    if subject.startswith("ec:"):
        table = index.table("基本支出表")
        row = table.find_row(subject[3:], index.vocabulary) if table else None
        return _row_figure(table, row, None) if table and row else None
    spec = vocab.subjects.get(subject)
    if spec is None:
        return None
    for cell in spec.cells.get(scope, ()) or spec.cells.get("default", ()):
        tied = analysis.cell_figure(cell)
        if tied is not None:
            return tied
    return None


def cell_figure(index: DocumentIndex, spec: CellSpec) -> Tied | None:
    table = index.table(spec.table)
    if table is None:
        return None
    if spec.sum:
        columns = table.columns_named(spec.column or "合计")
        if not columns:
            return None
        parts = [
            q for row in table.table.rows if row.kind == "item"
            for q in [table.quantity(row.cells[columns[0].index])] if columns[0].index in row.cells and q
        ]
        return Tied(_sum_or_zero(table, parts), table, None, spec.column)
    row_name = spec.row or "合计"
    row = table.find_row(row_name, index.vocabulary)
    if row is None and key(row_name) in ("合计", "总计"):
        return _table_total(table, spec.column)
    if row is None:
        single = table.single_item_row()
        if single is not None and table.has_column(row_name):
            cell = table.cell(single, row_name)
            q = table.quantity(cell) if cell else None
            return Tied(q, table, single, row_name) if q else None
        return None
    return _row_figure(table, row, spec.column)


def _row_figure(table: TableIndex, row: Row, column: str | None) -> Tied | None:
    if column is None:
        q = table.row_amount(row)
    else:
        cell = table.cell(row, column)
        q = table.quantity(cell) if cell else None
    return Tied(q, table, row, column) if q is not None else None


def _table_total(table: TableIndex, column: str | None) -> Tied | None:
    """A table without a 合计 row: the sum of its top-level rows (an empty table: zero)."""
    rows = [r for r in table.table.rows if r.kind == "item"]
    top = [r for r in rows if r.level == 1] or ([] if any(r.level for r in rows) else rows)
    if rows and not top:
        return None
    parts: list[Quantity] = []
    for row in top:
        figure = _row_figure(table, row, column)
        if figure is None:
            return None
        parts.append(figure.quantity)
    if column is not None and not table.has_column(column):
        return None
    return Tied(_sum_or_zero(table, parts), table, None, column)


def _sum_or_zero(table: TableIndex, parts: list[Quantity]) -> Quantity:
    if parts:
        return add_all(parts)
    where: tuple[Source, ...] = (table.table.title_ref,) if table.table.title_ref else ()
    return Quantity(Interval.exact(Decimal(0)), where, table.table.unit, table.table.precision)


# -- figures and findings ----------------------------------------------------------------------


def stated(claim: Claim) -> Interval:
    """`Interval.from_amount(claim.number.in_yuan())`, without the Amounts in between."""
    number = claim.number
    assert number is not None
    value, decimals = number.value, number.decimals
    if number.unit in AMOUNT_UNITS:
        factor = UNIT_FACTORS[number.unit]
        value, decimals = value * factor, decimals - decimal_shift(factor)
    half = half_unit(decimals)
    # A value read from digits is finite and `half` is positive: ends that need no checks.
    return made(FLOOR.subtract(value, half), CEILING.add(value, half))


def _shown(value: Decimal, unit: str) -> str:
    factor = UNIT_FACTORS.get(unit, Decimal(1))
    return amount_text((value / factor).quantize(Decimal("0.01")).normalize()
                       if value % factor else (value / factor).quantize(Decimal(1)))


def _interval_text(interval: Interval, unit: str, places: int = 2) -> str:
    factor = UNIT_FACTORS.get(unit, Decimal(1))
    low = (interval.low / factor).quantize(Decimal(1).scaleb(-places))
    high = (interval.high / factor).quantize(Decimal(1).scaleb(-places))
    return f"{low}" if low == high else f"{low}～{high}"


def _cells(analysis: Analysis, claim_or_index: Claim | int, *figures: Quantity | None) -> tuple[CellRef, ...]:
    paragraph = analysis.paragraphs[
        claim_or_index.sentence.paragraph if isinstance(claim_or_index, Claim) else claim_or_index
    ]
    cells: list[CellRef] = [paragraph.ref] if paragraph.ref else []
    for figure in figures:
        for source in figure.sources if figure else ():
            ref = source if isinstance(source, CellRef) else source.ref
            if ref is not None:
                cells.append(ref)
    return tuple(dict.fromkeys(cells))


def text_finding(
    rule: Rule,
    analysis: Analysis,
    where: Claim | tuple[int, str],
    message: Text,
    *figures: Quantity | None,
    tied: Tied | None = None,
    stated_value: Decimal | None = None,
    expected_value: Decimal | None = None,
    unit: str | None = None,
    key_part: object = None,
) -> Finding:
    if isinstance(where, Claim):
        paragraph_index, sentence = where.sentence.paragraph, where.sentence.quote.strip()
    else:
        paragraph_index, sentence = where
    paragraph = analysis.paragraphs[paragraph_index]
    cells = _cells(analysis, paragraph_index, *figures, tied.quantity if tied else None)
    return Finding(
        rule_id=rule.id,
        severity=rule.info.severity,
        message=message,
        table_kind=tied.table.table.kind if tied and tied.table else None,
        cells=cells,
        row_code=tied.row.code if tied and tied.row else None,
        row_label=tied.row.label if tied and tied.row else None,
        column=tied.column if tied else None,
        stated=stated_value,
        expected=expected_value,
        unit=unit,
        paragraph=paragraph,
        sentence=sentence,
        fingerprint=fingerprint(rule.id, paragraph.source, key(sentence), key_part, stated_value,
                                expected_value),
    )


def _sentence_of(analysis: Analysis, paragraph: int, start: int) -> str:
    sentence = analysis.results[paragraph].sentence_at(start)
    return sentence.quote.strip() if sentence else analysis.paragraphs[paragraph].text.strip()


# -- the tests ---------------------------------------------------------------------------------


def run(rule: Rule, context: Context) -> Outcome:
    test = str(rule.check.get("test", ""))
    if test not in TESTS:
        raise rule_error(rule, f"test 必须是 {list(TESTS)} 之一", f"test must be one of {list(TESTS)}")
    if not context.index.doc.paragraphs:  # before reading the vocabulary: nothing to read
        return not_applicable("没有说明文字", "the document has no explanatory text")
    return TESTS[test](rule, analyse(context), context)


def _current(analysis: Analysis, claim: Claim) -> bool:
    return claim.year is None or claim.year == analysis.year


def _amounts(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    for claim in analysis.claims():
        if claim.kind != "amount" or claim.number is None or not _current(analysis, claim):
            continue
        tied = analysis.tie(claim)
        if tied is None:
            continue
        outcome.evaluated += 1
        analysis.checked.add(id(claim))
        said = Quantity(analysis.stated(claim), (), claim.number.unit, claim.number.decimals)
        if _agree(said.interval, tied.quantity.interval, context.strict):
            continue
        unit = claim.number.unit
        outcome.findings.append(text_finding(
            rule, analysis, claim,
            Text(f"“{claim.subject_text}”说明为 {claim.number.text}，表中为 "
                 f"{_shown(tied.quantity.interval.midpoint, unit)}{unit}",
                 f"The text gives {claim.subject_text} as {claim.number.text}; the table says "
                 f"{_shown(tied.quantity.interval.midpoint, unit)} {unit}"),
            tied=tied, stated_value=claim.number.value,
            expected_value=tied.quantity.interval.midpoint / UNIT_FACTORS[unit], unit=unit,
            key_part=claim.subject,
        ))
    outcome.unchecked = unchecked(analysis, context)
    return outcome


def _tied_quantity(analysis: Analysis, claim: Claim | None) -> Quantity | None:
    tied = analysis.tie(claim) if claim is not None else None
    return tied.quantity if tied else None


def _agree(a: Interval, b: Interval, strict: bool) -> bool:
    return a.midpoint == b.midpoint if strict else a.intersects(b)


ShareBase = tuple[Interval, str, Quantity | None]


def share_base(analysis: Analysis, claim: Claim) -> ShareBase | None:
    """What a share is a share of: (interval, description, table figure used)."""
    known = analysis._bases.get(id(claim))
    if known is None or known[0] is not claim:
        known = analysis._bases[id(claim)] = (claim, _share_base(analysis, claim))
    return known[1]


def _share_base(analysis: Analysis, claim: Claim) -> ShareBase | None:
    paragraph = analysis.results[claim.sentence.paragraph]
    if claim.whole_subject is not None:
        earlier = [c for c in paragraph.claims if c.kind == "amount" and c.subject == claim.whole_subject
                   and c.number and _current(analysis, c) and c is not claim.of]
        if earlier:
            return analysis.stated(earlier[-1]), earlier[-1].number.text if earlier[-1].number else "", None
        tied = analysis.resolved(claim.whole_subject, claim.scope)
        return (tied.quantity.interval, claim.whole_subject, tied.quantity) if tied else None
    if claim.whole is not None and claim.whole.number is not None:
        return analysis.stated(claim.whole), claim.whole.number.text, None
    subject = claim.subject or ""
    if subject.startswith(("fn:", "code:")):
        vocab = analysis.vocab
        for cell in vocab.class_share_base.get(claim.scope, ()) or vocab.class_share_base.get("default", ()):
            tied = analysis.cell_figure(cell)
            if tied is not None:
                return tied.quantity.interval, cell.table, tied.quantity
        return None
    for spec in analysis.vocab.sums:
        if subject in spec.parts:
            tied = analysis.resolved(spec.whole, claim.scope)
            if tied is not None:
                return tied.quantity.interval, spec.whole, tied.quantity
    return None


def _shares(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    for claim in analysis.claims():
        if claim.kind != "share" or claim.number is None or claim.of is None or claim.of.number is None:
            continue
        base = share_base(analysis, claim)
        if base is None:
            continue
        ratio = analysis.stated(claim.of) / base[0]
        if ratio is None:
            continue
        analysis.checked.add(id(claim))
        outcome.evaluated += 1
        computed = ratio * HUNDRED
        said = analysis.stated(claim)  # a percentage: its own figure, in no unit to convert
        if said.intersects(computed):
            continue
        outcome.findings.append(text_finding(
            rule, analysis, claim,
            Text(f"“{claim.subject_text}”占比说明为 {claim.number.text}，按 {claim.of.number.text} ÷ "
                 f"{base[1]} 计算应为 {_interval_text(computed, '%')}%",
                 f"The share of {claim.subject_text} is given as {claim.number.text}; "
                 f"{claim.of.number.text} / {base[1]} is {_interval_text(computed, '%')}%"),
            base[2], _tied_quantity(analysis, claim.of),
            stated_value=claim.number.value, expected_value=computed.midpoint.quantize(Decimal("0.01")),
            unit="%", key_part=claim.subject,
        ))
    return outcome


def _share_sums(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    groups: dict[tuple[str, str], list[Claim]] = {}
    for claim in analysis.claims():
        if claim.kind != "share" or claim.number is None or claim.subject is None:
            continue
        base = share_base(analysis, claim)
        if base is None:
            continue
        heading = analysis.paragraphs[claim.sentence.paragraph].heading or ""
        groups.setdefault((heading, base[1] + str(base[0])), []).append(claim)
    for group in groups.values():
        subjects = {c.subject for c in group}
        complete = any(set(s.parts) and set(s.parts) <= subjects for s in analysis.vocab.sums)
        classes = [s for s in subjects if s and s.startswith(("fn:", "code:"))]
        if classes and len(classes) == len(subjects):
            complete = _all_classes(analysis, group[0], classes)
        if not complete or len(group) < 2:
            continue
        members = [c for c in group if c.subject in subjects]
        seen: dict[str | None, Claim] = {}
        for c in members:
            seen.setdefault(c.subject, c)
        total = Interval.exact(Decimal(0))
        for c in seen.values():
            assert c.number is not None
            total = total + analysis.stated(c)  # a percentage: its own figure
        outcome.evaluated += 1
        if total.contains(Decimal(100)):
            continue
        last = list(seen.values())[-1]
        listed = " + ".join(c.number.text for c in seen.values() if c.number)
        outcome.findings.append(text_finding(
            rule, analysis, last,
            Text(f"各部分占比之和不是 100%：{listed} = {total.midpoint.normalize()}%",
                 f"The shares of the parts do not add up to 100%: {listed} = {total.midpoint.normalize()}%"),
            stated_value=total.midpoint, expected_value=Decimal(100), unit="%", key_part=listed,
        ))
    return outcome


def _all_classes(analysis: Analysis, claim: Claim, classes: list[str]) -> bool:
    vocab = analysis.vocab
    for name in vocab.function_tables.get(claim.scope, ()) or vocab.function_tables.get("default", ()):
        table = analysis.index.table(name)
        if table is None:
            continue
        top = {f"fn:{key(r.label)}" for r in table.table.rows if r.kind == "item" and r.level == 1}
        top_codes = {f"code:{r.code}" for r in table.table.rows if r.kind == "item" and r.level == 1}
        written = {c for c in classes}
        return bool(top) and (written >= top or written >= top_codes)
    return False


def _signed(claim: Claim) -> Interval:
    """A stated change with its direction's sign."""
    said = stated(claim) if claim.number and claim.number.is_amount else (
        Interval.from_amount(claim.number.amount) if claim.number else Interval.exact(Decimal(0)))
    return -said if claim.direction == "down" else said


def _sibling_change(analysis: Analysis, claim: Claim, unit_is_amount: bool) -> Claim | None:
    for other in analysis.results[claim.sentence.paragraph].claims:
        if (other is not claim and other.kind == "change" and other.of is claim.of and other.number
                and other.number.is_amount == unit_is_amount and other.sentence is claim.sentence):
            return other
    return None


def change_figures(analysis: Analysis, claim: Claim) -> tuple[Interval, Interval, str] | None:
    """(current, previous, how the previous was found) for a change claim, if the text gives them."""
    if claim.of is None or claim.of.number is None:
        return None
    current = analysis.stated(claim.of)
    if claim.previous is not None and claim.previous.number is not None:
        return current, analysis.stated(claim.previous), claim.previous.number.text
    if claim.number is not None and claim.number.is_percent:
        sibling = _sibling_change(analysis, claim, True)
        if sibling is not None and sibling.number is not None:
            return current, current - _signed(sibling), f"{claim.of.number.text} − {sibling.number.text}"
    return None


def _direction_words(direction: str | None) -> tuple[str, str]:
    return {"up": ("增加", "an increase"), "down": ("减少", "a decrease"), "flat": ("持平", "no change")}.get(
        direction or "", ("", ""))


def _changes(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    for claim in analysis.claims():
        if claim.kind != "change":
            continue
        figures = change_figures(analysis, claim)
        if figures is None:
            continue
        current, previous, prev_text = figures
        difference = current - previous
        if claim.number is None or claim.direction == "flat":
            outcome.evaluated += 1
            analysis.checked.add(id(claim))
            if current.intersects(previous):
                continue
            actual = "up" if difference.low > 0 else "down"
            outcome.findings.append(_change_finding(rule, analysis, claim, actual, prev_text, None))
            continue
        if claim.number.is_percent:
            ratio = difference / previous
            if ratio is None:
                continue  # a zero base: rule zero_base
            computed = ratio * HUNDRED
        else:
            computed = difference
        analysis.checked.add(id(claim))
        outcome.evaluated += 1
        signed = _signed(claim)
        if signed.intersects(computed):
            continue
        actual = "up" if computed.low > 0 else "down" if computed.high < 0 else "flat"
        outcome.findings.append(_change_finding(rule, analysis, claim, actual, prev_text, computed))
    return outcome


def _change_finding(rule: Rule, analysis: Analysis, claim: Claim, actual: str, prev_text: str,
                    computed: Interval | None) -> Finding:
    assert claim.of is not None and claim.of.number is not None
    said_zh, said_en = _direction_words(claim.direction)
    real_zh, real_en = _direction_words(actual)
    figure = claim.number.text if claim.number else said_zh
    unit = claim.number.unit if claim.number else ""
    expected = ""
    if computed is not None:
        shown = _interval_text(abs(computed), unit) if unit == "%" else _shown(abs(computed).midpoint, unit)
        expected = f"{real_zh} {shown}{unit}"
    else:
        expected = real_zh
    wrong_way = actual != claim.direction
    zh = (f"说明写“{said_zh}{figure if claim.number else ''}”，按 {claim.of.number.text} 与上年 {prev_text} 计算应为"
          f"{expected}" + ("（方向相反）" if wrong_way else ""))
    en = (f"The text says {said_en} of {figure}; from {claim.of.number.text} against {prev_text} it is "
          f"{real_en}" + (f" of {expected.split(' ', 1)[-1]}" if computed is not None else "")
          + (" (the direction is wrong)" if wrong_way else ""))
    return text_finding(
        rule, analysis, claim, Text(zh, en), _tied_quantity(analysis, claim.of),
        stated_value=claim.number.value if claim.number else None,
        expected_value=abs(computed).midpoint if computed is not None and unit == "%" else None,
        unit=unit or None, key_part=(claim.subject, claim.direction),
    )


def _zero_base(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    for claim in analysis.claims():
        if claim.kind != "change" or claim.number is None or not claim.number.is_percent:
            continue
        figures = change_figures(analysis, claim)
        if figures is None:
            continue
        outcome.evaluated += 1
        if not figures[1].contains(Decimal(0)):
            continue
        analysis.checked.add(id(claim))
        outcome.findings.append(text_finding(
            rule, analysis, claim,
            Text(f"上年数为零（{figures[2]}），“{claim.number.text}”的变动百分比无意义",
                 f"The earlier amount is zero ({figures[2]}); a change of {claim.number.text} is undefined"),
            key_part=claim.subject,
        ))
    return outcome


def _consistency(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    for result in analysis.results:
        seen: dict[tuple[str, int | None], Claim] = {}
        for claim in result.claims:
            if claim.kind != "amount" or claim.subject is None or claim.number is None:
                continue
            slot = (claim.subject, claim.year if claim.year is not None else analysis.year)
            first = seen.setdefault(slot, claim)
            if first is claim:
                continue
            outcome.evaluated += 1
            if analysis.stated(first).intersects(analysis.stated(claim)):
                continue
            assert first.number is not None
            outcome.findings.append(text_finding(
                rule, analysis, claim,
                Text(f"同一段中“{claim.subject_text}”先写 {first.number.text}，后写 {claim.number.text}",
                     f"{claim.subject_text} is given as {first.number.text} and then as "
                     f"{claim.number.text} in one paragraph"),
                stated_value=claim.number.value, expected_value=first.number.value, unit=claim.number.unit,
                key_part=claim.subject,
            ))
    return outcome


def sum_groups(analysis: Analysis, result: ParagraphClaims) -> list[list[Claim]]:
    """The wholes of a paragraph stated with all their parts (vocabulary `sums`), whole first."""
    amounts = analysis.current_amounts(result)
    groups: list[list[Claim]] = []
    if not amounts:
        return groups  # most paragraphs state no amount
    for spec in analysis.vocab.sums:
        whole = amounts.get(spec.whole)
        if whole is not None and spec.parts and all(p in amounts for p in spec.parts):
            groups.append([whole, *(amounts[p] for p in spec.parts)])
    return groups


def _text_sums(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    """Wholes and parts stated in one paragraph (政府采购 = 货物 + 工程 + 服务; 实有人员 = …)."""
    outcome = Outcome()
    for result in analysis.results:
        amounts = analysis.current_amounts(result)
        for spec in analysis.vocab.sums if amounts else ():  # most paragraphs state no amount
            whole = amounts.get(spec.whole)
            if whole is None:
                continue
            if spec.parts and all(p in amounts for p in spec.parts):
                parts = [amounts[p] for p in spec.parts]
                total = Interval.exact(Decimal(0))
                for part in parts:
                    total = total + analysis.stated(part)
                outcome.evaluated += 1
                for c in (whole, *parts):
                    analysis.checked.add(id(c))
                if not total.intersects(analysis.stated(whole)):
                    listed = " + ".join(p.number.text for p in parts if p.number)
                    outcome.findings.append(_sum_finding(rule, analysis, whole, listed, total))
            for name in spec.at_most:
                limited = amounts.get(name)
                if limited is None:
                    continue
                outcome.evaluated += 1
                analysis.checked.add(id(limited))
                if analysis.stated(limited).low > analysis.stated(whole).high:
                    assert limited.number is not None and whole.number is not None
                    outcome.findings.append(text_finding(
                        rule, analysis, limited,
                        Text(f"“{limited.subject_text}” {limited.number.text} 超过总额 {whole.number.text}",
                             f"{limited.subject_text} {limited.number.text} exceeds the total "
                             f"{whole.number.text}"),
                        key_part=name,
                    ))
        for claim in result.claims:
            if claim.kind != "count" or claim.parts_of is None:
                continue
            counted = claim.parts_of
            if not any(w in counted.subject_text for w in analysis.vocab.count_wholes):
                continue
            parts = [c for c in result.claims if c.parts_of is counted]
            if claim is not parts[-1]:
                continue
            total_count = sum((p.number.value for p in parts if p.number), Decimal(0))
            outcome.evaluated += 1
            for c in (counted, *parts):
                analysis.checked.add(id(c))
            assert counted.number is not None
            if total_count != counted.number.value:
                listed = " + ".join(p.number.text for p in parts if p.number)
                outcome.findings.append(text_finding(
                    rule, analysis, counted,
                    Text(f"“{counted.subject_text}” {counted.number.text}，各部分之和为 {listed} = "
                         f"{total_count}{counted.unit}",
                         f"{counted.subject_text} {counted.number.text}, but the parts add up to {listed} = "
                         f"{total_count}"),
                    stated_value=counted.number.value, expected_value=total_count, unit=counted.unit,
                    key_part=counted.subject_text,
                ))
    return outcome


def _sum_finding(rule: Rule, analysis: Analysis, whole: Claim, listed: str, total: Interval) -> Finding:
    assert whole.number is not None
    unit = whole.number.unit
    return text_finding(
        rule, analysis, whole,
        Text(f"“{whole.subject_text}” {whole.number.text}，各部分之和 {listed} = {_shown(total.midpoint, unit)}{unit}",
             f"{whole.subject_text} is {whole.number.text}, but its parts add up to {listed} = "
             f"{_shown(total.midpoint, unit)} {unit}"),
        stated_value=whole.number.value, expected_value=total.midpoint / UNIT_FACTORS[unit], unit=unit,
        key_part=whole.subject,
    )


CountSource = tuple[int, str, tuple[CellRef, ...]]  # (count, what was counted, the rows counted)


def count_source(analysis: Analysis, claim: Claim) -> CountSource | None:
    """What a count claim is counted against, once per subject and paragraph: both the `counts`
    test and `unchecked` ask (a list source depends on the paragraph, a table source not)."""
    wanted = (claim.subject, claim.sentence.paragraph)
    known = analysis._count_sources
    if wanted in known:
        return known[wanted]
    found = known[wanted] = _count_source(analysis, claim)
    return found


def _count_source(analysis: Analysis, claim: Claim) -> CountSource | None:
    spec = next((s for s in analysis.vocab.counts if f"count:{s.id}" == claim.subject), None)
    if spec is None:
        return None
    source = spec.source
    if source.get("list"):
        items = list_items(analysis.texts, claim.sentence.paragraph)
        return (len(items), "、".join(items), ()) if items else None
    table = analysis.index.table(str(source.get("table", "")))
    if table is None:
        return None
    rows = [r for r in table.table.rows if r.kind == "item"]
    refs = tuple(r.ref for r in rows)
    if source.get("distinct"):
        column = str(source["distinct"])
        at = [c.index for c in table.table.columns if c.leaf == column or c.name.endswith(column)]
        if not at:
            return None
        values = {r.texts.get(at[0], "").strip() for r in rows} - {""}
        return len(values), "、".join(sorted(values)), refs
    return len(rows), table.table.title, refs


def _counts(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    for claim in analysis.claims():
        if claim.kind != "count" or claim.number is None or not (claim.subject or "").startswith("count:"):
            continue
        source = count_source(analysis, claim)
        if source is None:
            continue
        outcome.evaluated += 1
        analysis.checked.add(id(claim))
        if Decimal(source[0]) == claim.number.value:
            continue
        finding = text_finding(
            rule, analysis, claim,
            Text(f"“{claim.number.text}”，而{'下列' if not source[2] else '表中'}共 {source[0]} 个（{source[1]}）",
                 f"The text says {claim.number.text}; the {'list' if not source[2] else 'table'} has "
                 f"{source[0]} ({source[1]})"),
            stated_value=claim.number.value, expected_value=Decimal(source[0]), key_part=claim.subject,
        )
        outcome.findings.append(finding._replace(cells=finding.cells + source[2]))
    return outcome


def _years(rule: Rule, analysis: Analysis, context: Context, comparisons: bool) -> Outcome:
    year = analysis.year
    if year is None:
        return not_applicable("无法确定预算年度", "the budget year is unknown")
    outcome = Outcome()
    for i in range(len(analysis.paragraphs)):
        for use in analysis.years(i):
            outcome.evaluated += 1
            if comparisons and use.comparison and use.year >= year:
                outcome.findings.append(text_finding(
                    rule, analysis, (i, _sentence_of(analysis, i, use.start)),
                    Text(f"{year} 年预算与 {use.year} 年比较：比较对象应为上年（{year - 1} 年）",
                         f"A {year} budget compared with {use.year}: the comparison should be with {year - 1}"),
                    stated_value=Decimal(use.year), expected_value=Decimal(year - 1), key_part=use.start,
                ))
            elif not comparisons and not (use.comparison and use.year >= year) and use.year not in (year, year - 1):
                outcome.findings.append(text_finding(
                    rule, analysis, (i, _sentence_of(analysis, i, use.start)),
                    Text(f"{year} 年预算中出现 {use.year} 年（通常只应出现 {year} 年和 {year - 1} 年）",
                         f"A {year} budget mentions {use.year} (only {year} and {year - 1} are expected)"),
                    stated_value=Decimal(use.year), key_part=use.start,
                ))
    return outcome


def _names(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    """Names written with codes (“行政运行（01项）”) that differ from the table's name for that code."""
    outcome = Outcome()
    tables = [analysis.index.tables[k] for k in FUNCTION_KINDS if k in analysis.index.tables]
    for claim in analysis.claims():
        for code, written in claim.code_names:
            if not written:
                continue
            row = next((r for t in tables for r in t.table.rows if r.code == code), None)
            if row is None:
                continue
            outcome.evaluated += 1
            analysis.checked.add(id(claim))
            if _same_name(written, row.label):
                continue
            outcome.findings.append(text_finding(
                rule, analysis, claim,
                Text(f"科目 {code} 在说明中写作“{written}”，表中为“{row.label}”",
                     f"Subject {code} is written '{written}' in the text; the table calls it '{row.label}'"),
                Quantity(Interval.exact(Decimal(0)), (row.ref,)), key_part=code,
            ))
    return outcome


def _same_name(written: str, label: str) -> bool:
    def norm(text: str) -> str:
        text = key(text)
        for mark in ("（类）", "（款）", "（项）"):
            text = text.replace(mark, "")
        return text
    return norm(written) == norm(label)


def _outdated(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome(evaluated=len(analysis.paragraphs))
    for i, result in enumerate(analysis.results):
        for old, new in analysis.vocab.outdated_names.items():
            at = result.compact.text.find(old)
            if at < 0:
                continue
            outcome.findings.append(text_finding(
                rule, analysis, (i, _sentence_of(analysis, i, at)),
                Text(f"“{old}”是旧科目名称，现为“{new}”", f"'{old}' is an outdated name; it is now '{new}'"),
                key_part=old,
            ))
    return outcome


def _item_lists(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    """Items listed after "人员经费…主要包括：" must be the table's rows under that column."""
    outcome = Outcome()
    vocab = analysis.vocab
    # The keys of each subject's names, worked out once rather than for every paragraph.
    subjects = [
        (subject, spec, [key(n) for n in (
            vocab.subjects[subject].names if subject in vocab.subjects else (subject,)
        )])
        for subject, spec in vocab.item_lists.items()
    ]
    for i, result in enumerate(analysis.results):
        text = result.compact.text
        for subject, spec, names in subjects:
            at = -1  # where the first of the names is, if any is
            for name in names:
                found = text.find(name)
                if found >= 0 and (at < 0 or found < at):
                    at = found
            if at < 0:
                continue
            marker_at, marker = min(((text.find(m, at), m) for m in vocab.item_list_markers
                                     if text.find(m, at) >= 0), default=(-1, ""))
            if marker_at < 0:
                continue
            end = text.find("。", marker_at)
            listed = text[marker_at + len(marker) : end if end >= 0 else len(text)].lstrip("：:")
            items = [s for s in _split_items(listed) if s]
            table = analysis.index.table(spec.table)
            if table is None or not items:
                continue
            labels = [r.label for r in table.table.rows if r.kind == "item" and _nonzero(table, r, spec.column)]
            known = {key(label) for label in labels}
            for item in items:
                outcome.evaluated += 1
                if key(item) in known:
                    continue
                import difflib  # only for an item that names no row: ~1 ms to import

                close = difflib.get_close_matches(key(item), list(known), n=1, cutoff=0.5)
                hint_zh = f"，表中为“{close[0]}”？" if close else ""
                hint_en = f" (the table has '{close[0]}')" if close else ""
                row = next((r for r in table.table.rows if close and key(r.label) == close[0]), None)
                outcome.findings.append(text_finding(
                    rule, analysis, (i, _sentence_of(analysis, i, marker_at)),
                    Text(f"“{subject}”列举的“{item}”不是{table.table.title}中的科目{hint_zh}",
                         f"'{item}', listed under {subject}, is not a row of {table.table.title}{hint_en}"),
                    Quantity(Interval.exact(Decimal(0)), (row.ref,)) if row else None, key_part=item,
                ))
    return outcome


_ITEM_MARK = regex.compile("[、，；]")


def _split_items(listed: str) -> list[str]:
    if "（" not in listed:
        # Without an opening bracket every mark is at depth 0: a split, as the loop below would.
        parts = _ITEM_MARK.split(listed)
        split = [p.removeprefix("和").removeprefix("及") for p in parts[:-1]] + [parts[-1].removesuffix("等")]
        return [o.removeprefix("和").removeprefix("及").removesuffix("等") for o in split]
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


def _nonzero(table: TableIndex, row: Row, column: str | None) -> bool:
    if column is None:
        return True
    cell = table.cell(row, column)
    return cell is not None and cell.amount is not None and cell.amount.value != 0


def _zero_change(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    for claim in analysis.claims():
        if claim.kind != "change" or claim.number is None or claim.direction == "flat":
            continue
        outcome.evaluated += 1
        if claim.number.value != 0:
            continue
        word, _ = _direction_words(claim.direction)
        outcome.findings.append(text_finding(
            rule, analysis, claim,
            Text(f"“{word}{claim.number.text}”：没有变化时应写“持平”",
                 f"'{word} {claim.number.text}' (a change of zero): write 持平 (unchanged)"),
            key_part=claim.subject,
        ))
    return outcome


def _reasons(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    window = analysis.vocab.reason_window
    for result in analysis.results:
        done: set[int] = set()
        for claim in result.claims:
            if (claim.kind != "change" or claim.number is None or claim.direction == "flat"
                    or claim.number.value == 0 or claim.sentence.index in done):
                continue
            done.add(claim.sentence.index)
            outcome.evaluated += 1
            at = claim.sentence.text.find(claim.number.text)
            following = [claim.sentence.text[at:]] + [
                s.text for s in result.following(claim.sentence, window - 1)]
            if wording.reason_after(following, analysis.vocab) is not None:
                continue
            outcome.findings.append(text_finding(
                rule, analysis, claim,
                Text("说明了增减变化，但没有说明原因", "A change is stated without its reason"),
                key_part=claim.subject,
            ))
    return outcome


def _empty_reasons(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome(evaluated=len(analysis.paragraphs))
    for i, paragraph in enumerate(analysis.paragraphs):
        for spot in _empty_reason_spots(paragraph.text, analysis.vocab):
            outcome.findings.append(text_finding(
                rule, analysis, (i, _sentence_of(analysis, i, spot.start)),
                Text(f"“{spot.found}”之后没有内容", f"Nothing follows '{spot.found}'"), key_part=spot.start,
            ))
    return outcome


def _contradicting_reasons(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome()
    vocab = analysis.vocab
    for result in analysis.results:
        for claim in result.claims:
            if claim.kind != "change" or claim.direction not in ("up", "down") or claim.number is None:
                continue
            at = claim.sentence.text.find(claim.number.text)
            following = [claim.sentence.text[at:]] + [
                s.text for s in result.following(claim.sentence, vocab.reason_window - 1)]
            reason = wording.reason_after(following, vocab)
            if not reason:
                continue
            outcome.evaluated += 1
            said = {vocab.directions[m.group(0)] for m in vocab.direction_pattern.finditer(reason)} - {"flat"}
            opposite = "down" if claim.direction == "up" else "up"
            if said == {opposite}:
                word, _ = _direction_words(claim.direction)
                outcome.findings.append(text_finding(
                    rule, analysis, claim,
                    Text(f"说明“{word}”，原因却只讲{_direction_words(opposite)[0]}：“{reason}”",
                         f"The text states {_direction_words(claim.direction)[1]}, but the reason speaks "
                         f"only of {_direction_words(opposite)[1]}: '{reason}'"),
                    key_part=claim.subject,
                ))
    return outcome


def _paragraph_spots(rule: Rule, analysis: Analysis, finder: Callable[[str], list[wording.Spot]],
                     zh: str, en: str) -> Outcome:
    outcome = Outcome(evaluated=len(analysis.paragraphs))
    for i, paragraph in enumerate(analysis.paragraphs):
        for spot in finder(paragraph.text):
            outcome.findings.append(text_finding(
                rule, analysis, (i, _sentence_of(analysis, i, spot.start)),
                Text(zh.format(found=spot.found, detail=spot.detail), en.format(found=spot.found, detail=spot.detail)),
                key_part=(spot.found, spot.start),
            ))
    return outcome


def _leftovers(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    return _paragraph_spots(rule, analysis, lambda t: _leftover_spots(t, analysis.vocab),
                            "模板文字未替换：“{found}”", "Template text left in: '{found}'")


def _punctuation(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    return _paragraph_spots(rule, analysis, lambda t: _punctuation_spots(t, analysis.vocab),
                            "标点有误：“{found}” {detail}", "Punctuation: '{found}' {detail}")


def _duplicates(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome(evaluated=len(analysis.paragraphs))
    seen: dict[str, int] = {}
    for i, paragraph in enumerate(analysis.paragraphs):
        text = _key_text(paragraph.text, analysis.vocab)
        if len(text) < 15:
            continue
        if text in seen:
            first = analysis.paragraphs[seen[text]]
            outcome.findings.append(text_finding(
                rule, analysis, (i, paragraph.text.strip()),
                Text(f"与 {first} 段重复", f"Repeats the paragraph at {first}"), key_part=text,
            ))
        else:
            seen[text] = i
    return outcome


def _cut_off(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    outcome = Outcome(evaluated=len(analysis.paragraphs))
    for i, paragraph in enumerate(analysis.paragraphs):
        if _is_cut_off(paragraph.text, analysis.vocab):
            tail = paragraph.text.strip()[-12:]
            outcome.findings.append(text_finding(
                rule, analysis, (i, paragraph.text.strip()),
                Text(f"段落在“…{tail}”处中断，没有结束标点", f"The paragraph stops at '…{tail}' without closing punctuation"),
                key_part=tail,
            ))
    return outcome


def _level_words(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    level = analysis.index.doc.metadata.level
    words = analysis.vocab.level_words.get(level or "", ())
    if not words:
        return not_applicable("无法确定是部门还是单位预算", "not known whether this is a 部门 or a 单位 document")
    outcome = Outcome(evaluated=len(analysis.paragraphs))
    for i, result in enumerate(analysis.results):
        for word in words:
            at = result.compact.text.find(word)
            if at >= 0:
                outcome.findings.append(text_finding(
                    rule, analysis, (i, _sentence_of(analysis, i, at)),
                    Text(f"{level}预算中出现“{word}”", f"A {level} document says '{word}'"), key_part=word,
                ))
    return outcome


def _three_public(rule: Rule, analysis: Analysis, context: Context) -> Outcome:
    """The text says there are no 三公 expenses while the table has them, or leaves out a table item."""
    table = analysis.index.table("三公")
    if table is None:
        return not_applicable("没有“三公”经费表", "no 三公 table")
    vocab = analysis.vocab
    outcome = Outcome()
    total = resolve(analysis, vocab.three_public_total, "three")
    mentioned = {c.subject for c in analysis.claims() if c.kind == "amount"}
    for i, result in enumerate(analysis.results):
        text = result.compact.text
        for pattern, required in zip(vocab.three_public_none, vocab.three_public_none_required, strict=True):
            if required is not None and required not in text:
                continue  # cannot match (most paragraphs), found without the pattern
            match = pattern.search(text)
            if match is None or total is None:
                continue
            outcome.evaluated += 1
            if total.quantity.interval.low > 0:
                outcome.findings.append(text_finding(
                    rule, analysis, (i, _sentence_of(analysis, i, match.start())),
                    Text("说明称没有“三公”经费，表中却有金额", "The text says there are no 三公 expenses, but the table has some"),
                    tied=total, key_part="none",
                ))
    if not any((s or "") in vocab.three_public_items or s == vocab.three_public_total for s in mentioned):
        return outcome
    for item in vocab.three_public_items:
        tied = resolve(analysis, item, "three")
        if tied is None:
            continue
        outcome.evaluated += 1
        if tied.quantity.interval.low > 0 and item not in mentioned:
            where = next(i for i, r in enumerate(analysis.results)
                         if any(c.subject == vocab.three_public_total for c in r.claims)
                         ) if any(c.subject == vocab.three_public_total for c in analysis.claims()) else 0
            outcome.findings.append(text_finding(
                rule, analysis, (where, analysis.paragraphs[where].text.strip()),
                Text(f"表中“{item}”有金额，说明中没有说明", f"The table has an amount for {item}; the text does not mention it"),
                tied=tied, key_part=item,
            ))
    return outcome


# -- claims that nothing checked ---------------------------------------------------------------


def unchecked(analysis: Analysis, context: Context) -> list[str]:
    """Every claim that no check compared with anything (for `-v`); never a finding."""
    used: set[int] = set()
    for claim in analysis.claims():
        if claim.kind == "share" and share_base(analysis, claim) is not None:
            used.add(id(claim))
        elif claim.kind == "change" and change_figures(analysis, claim) is not None:
            used.add(id(claim))
            for other in (claim.of, claim.previous):
                if other is not None:
                    used.add(id(other))
        elif (claim.kind == "count" and ((claim.subject or "").startswith("count:")
                                        and count_source(analysis, claim) is not None)) or (claim.kind == "amount" and _current(analysis, claim) and analysis.tie(claim) is not None):
            used.add(id(claim))
    for result in analysis.results:
        for group in sum_groups(analysis, result):
            used |= {id(c) for c in group}
    used |= analysis.checked
    out = []
    unread = [r.index for r in analysis.results if r.unread]
    if unread:
        first = analysis.paragraphs[unread[0]]
        out.append(f"{first}: 说明文字中的数字过多，自此起 {len(unread)} 段的数字未核对 / "
                   f"too many figures in the text: those of {len(unread)} paragraphs from here were not checked")
    for claim in analysis.claims():
        if id(claim) in used or claim.number is None:
            continue
        paragraph = analysis.paragraphs[claim.sentence.paragraph]
        out.append(f"{paragraph}: {claim.describe()}")
    return out


TESTS: dict[str, Callable[[Rule, Analysis, Context], Outcome]] = {
    "amounts": _amounts,
    "shares": _shares,
    "share_sums": _share_sums,
    "changes": _changes,
    "zero_base": _zero_base,
    "consistency": _consistency,
    "text_sums": _text_sums,
    "counts": _counts,
    "comparison_years": lambda r, a, c: _years(r, a, c, True),
    "other_years": lambda r, a, c: _years(r, a, c, False),
    "names": _names,
    "outdated_names": _outdated,
    "item_lists": _item_lists,
    "zero_change": _zero_change,
    "reasons": _reasons,
    "empty_reasons": _empty_reasons,
    "contradicting_reasons": _contradicting_reasons,
    "leftovers": _leftovers,
    "punctuation": _punctuation,
    "duplicates": _duplicates,
    "cut_off": _cut_off,
    "level_words": _level_words,
    "three_public": _three_public,
}
