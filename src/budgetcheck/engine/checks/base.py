"""What every check kind shares: its context, its outcome, and how it words a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from budgetcheck.engine.index import DocumentIndex, Quantity, Source
from budgetcheck.engine.interval import Interval
from budgetcheck.engine.packs import Profile, Rule
from budgetcheck.findings import Finding, Text, fingerprint
from budgetcheck.model import UNIT_FACTORS, CellRef, Paragraph, Row, Table


@dataclass(slots=True)
class Context:
    """What every check of one document can read: the document's index, the profile and options."""

    index: DocumentIndex
    profile: Profile | None
    strict: bool = False
    # Work several rules of one kind share for this document (the narrative's claims), done once.
    shared: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    """What one rule found on one document: findings, how often it was evaluated, or why not."""

    findings: list[Finding] = field(default_factory=list)
    applicable: bool = True
    reason: Text | None = None  # why the rule did not apply
    evaluated: int = 0  # how many identities were evaluated
    unchecked: list[str] = field(default_factory=list)  # claims read from the text but not checked


def not_applicable(zh: str, en: str) -> Outcome:
    return Outcome(applicable=False, reason=Text(zh, en))


def shown(value: Decimal, unit: str | None, precision: int) -> Decimal:
    """An amount in 元 shown in `unit` with the table's decimals, as a person would write it."""
    factor = UNIT_FACTORS.get(unit or "元", Decimal(1))
    return (value / factor).quantize(Decimal(1).scaleb(-max(precision, 0)))


def amount_text(value: Decimal) -> str:
    return f"{value:,}"


def comparison_finding(
    rule: Rule,
    table: Table | None,
    row: Row | None,
    column: str | None,
    stated: Quantity,
    expected: Quantity,
    what: Text,
) -> Finding:
    """A finding for "stated is not what the other cells say it should be"."""
    unit = stated.unit or expected.unit
    precision = max(stated.precision, expected.precision)
    stated_value = shown(stated.interval.midpoint, unit, precision)
    expected_value = shown(expected.interval.midpoint, unit, precision)
    difference = stated_value - expected_value
    unit_text = unit or ""
    message = Text(
        f"{what.zh}：填报 {amount_text(stated_value)}，应为 {amount_text(expected_value)}"
        f"（差 {amount_text(difference)} {unit_text}）",
        f"{what.en}: stated {amount_text(stated_value)}, expected {amount_text(expected_value)}"
        f" (difference {amount_text(difference)} {unit_text})",
    )
    cells = _cells(stated.sources) + _cells(expected.sources)
    return Finding(
        rule_id=rule.id,
        severity=rule.info.severity,
        message=message,
        table_kind=table.kind if table else None,
        cells=tuple(dict.fromkeys(cells)),
        row_code=row.code if row else None,
        row_label=row.label if row else None,
        column=column,
        stated=stated_value,
        expected=expected_value,
        unit=unit,
        paragraph=_paragraph(stated.sources + expected.sources),
        fingerprint=fingerprint(
            rule.id,
            table.kind if table else None,
            _row_key(row),
            column,
            stated_value,
            expected_value,
        ),
    )


def plain_finding(
    rule: Rule,
    message: Text,
    table: Table | None = None,
    row: Row | None = None,
    cells: tuple[CellRef, ...] = (),
    key: object = None,
    column: str | None = None,
) -> Finding:
    """A finding without figures (a missing table, a contradiction in words)."""
    return Finding(
        rule_id=rule.id,
        severity=rule.info.severity,
        message=message,
        table_kind=table.kind if table else None,
        cells=cells,
        row_code=row.code if row else None,
        row_label=row.label if row else None,
        column=column,
        fingerprint=fingerprint(rule.id, table.kind if table else None, _row_key(row), column, key),
    )


def _row_key(row: Row | None) -> str | None:
    if row is None:
        return None
    return row.code or f"{row.side or ''}{row.label}"


def _cells(sources: tuple[Source, ...]) -> list[CellRef]:
    cells: list[CellRef] = []
    for source in sources:
        if isinstance(source, CellRef):
            cells.append(source)
        elif source.ref is not None:
            cells.append(source.ref)
    return cells


def _paragraph(sources: tuple[Source, ...]) -> Paragraph | None:
    return next((s for s in sources if isinstance(s, Paragraph)), None)


def row_name(row: Row) -> str:
    return f"{row.code} {row.label}" if row.code else row.label


def agree(stated: Quantity, expected: Quantity, strict: bool) -> bool:
    """Equal within rounding: the two intervals meet (Calculations 1.1); --strict: exactly."""
    return intervals_agree(stated.interval, expected.interval, strict)


def intervals_agree(stated: Interval, expected: Interval, strict: bool) -> bool:
    if strict:
        return stated.midpoint == expected.midpoint
    return stated.intersects(expected)


def table_names(rule: Rule, context: Context, field: str = "tables") -> list[str]:
    """The table names a rule lists, each checked against the vocabulary."""
    from budgetcheck.engine.packs import rule_error

    value = rule.check.get(field)
    names = [value] if isinstance(value, str) else list(value or [])
    for name in names:
        if context.index.vocabulary.kind_of(str(name)) is None:
            raise rule_error(rule, f"没有名为“{name}”的表", f"there is no table named '{name}'")
    return [str(n) for n in names]
