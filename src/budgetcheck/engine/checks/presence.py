"""Presence and completeness: required tables, notes on empty tables, total rows, years."""

from __future__ import annotations

import re

from budgetcheck import regex
from budgetcheck.engine.checks.base import (
    Context,
    Outcome,
    not_applicable,
    plain_finding,
    table_names,
)
from budgetcheck.engine.index import TableIndex
from budgetcheck.engine.packs import Rule, rule_error
from budgetcheck.findings import Text
from budgetcheck.loading.kinds import kind_catalogue
from budgetcheck.model import CellRef

_YEAR = regex.compile(r"((?:19|20)\d{2})\s*年")


def run(rule: Rule, context: Context) -> Outcome:
    require = rule.check.get("require")
    checks = {
        "tables": _required_tables,
        "note_when_empty": _note_when_empty,
        "no_empty_claim_with_data": _empty_claim_with_data,
        "total_row": _total_row,
        "title_year": _title_year,
    }
    if require not in checks:
        raise rule_error(
            rule, f"require 必须是 {list(checks)} 之一", f"require must be one of {list(checks)}"
        )
    return checks[str(require)](rule, context)


def _tables(rule: Rule, context: Context) -> list[TableIndex]:
    names = table_names(rule, context) if rule.check.get("tables") else []
    if not names:
        return list(context.index.tables.values())
    found = [context.index.table(n) for n in names]
    return [t for t in found if t is not None]


def _required_tables(rule: Rule, context: Context) -> Outcome:
    if context.profile is None:
        return not_applicable("未选定表格配置", "no profile chosen")
    kinds = kind_catalogue().kinds
    outcome = Outcome(evaluated=len(context.profile.required))
    for kind_id in context.profile.required:
        if kind_id in context.index.tables:
            continue
        kind = kinds.get(kind_id)
        zh, en = (kind.zh, kind.en) if kind else (kind_id, kind_id)
        outcome.findings.append(
            plain_finding(
                rule,
                Text(
                    f"缺少“{zh}”：按“{context.profile.title.zh}”配置，预算公开应包含此表",
                    f"Missing table '{zh}' ({en}), required by the profile '{context.profile.title.en}'",
                ),
                key=kind_id,
            )
        )
    return outcome


def _note_when_empty(rule: Rule, context: Context) -> Outcome:
    outcome = Outcome()
    for index in _tables(rule, context):
        table = index.table
        outcome.evaluated += 1
        if _is_empty(index) and not table.note:
            outcome.findings.append(
                plain_finding(
                    rule,
                    Text(
                        f"“{table.title}”没有数据，也没有说明为什么为空（如“注：本部门没有……故本表无数据”）",
                        f"'{table.title}' has no data and no note saying why it is empty",
                    ),
                    table=table,
                    cells=_where(index),
                    key=table.kind,
                )
            )
    return outcome


def _empty_claim_with_data(rule: Rule, context: Context) -> Outcome:
    words = rule.check.get("empty_words")
    if not isinstance(words, list) or not words:
        raise rule_error(rule, "需要 empty_words 列表", "needs an empty_words list")
    try:
        claims = regex.compile("|".join(f"(?:{w})" for w in words))
    except re.error as error:
        raise rule_error(rule, f"empty_words 中的正则表达式有误：{error}", f"bad regular expression in empty_words: {error}") from None
    outcome = Outcome()
    for index in _tables(rule, context):
        table = index.table
        outcome.evaluated += 1
        if table.note and claims.search(table.note) and table.has_data:
            cells = (table.note_ref,) if table.note_ref else _where(index)
            outcome.findings.append(
                plain_finding(
                    rule,
                    Text(
                        f"“{table.title}”的注说本表无数据，但表中有金额",
                        f"'{table.title}' says it has no data, but it holds amounts",
                    ),
                    table=table,
                    cells=cells,
                    key=table.kind,
                )
            )
    return outcome


def _total_row(rule: Rule, context: Context) -> Outcome:
    outcome = Outcome()
    for index in _tables(rule, context):
        table = index.table
        if _is_empty(index):
            continue
        outcome.evaluated += 1
        if not any(r.kind == "total" for r in table.rows):
            last = table.rows[-1].ref if table.rows else None
            outcome.findings.append(
                plain_finding(
                    rule,
                    Text(f"“{table.title}”缺少合计行", f"'{table.title}' has no total (合计) row"),
                    table=table,
                    cells=(last,) if last else _where(index),
                    key=table.kind,
                )
            )
    if not outcome.evaluated:
        return not_applicable("没有含数据的相关表格", "no such table with data")
    return outcome


def _title_year(rule: Rule, context: Context) -> Outcome:
    year = context.index.doc.metadata.year
    if year is None:
        return not_applicable("无法确定预算年度", "the budget year is unknown")
    outcome = Outcome()
    for index in context.index.tables.values():
        table = index.table
        places: list[tuple[str, CellRef | None]] = [(table.title, table.title_ref)]
        if table.header_ref is not None:
            places += [
                ("/".join(c.path), CellRef(table.sheet, table.header_ref.row, c.index))
                for c in table.columns
            ]
        for text, ref in places:
            outcome.evaluated += 1
            for match in _YEAR.finditer(text):
                if int(match.group(1)) != year:
                    outcome.findings.append(
                        plain_finding(
                            rule,
                            Text(
                                f"“{text}”写的是 {match.group(1)} 年，本预算是 {year} 年",
                                f"'{text}' says {match.group(1)}, but this is the {year} budget",
                            ),
                            table=table,
                            cells=(ref,) if ref else (),
                            key=text,
                        )
                    )
    return outcome


def _is_empty(index: TableIndex) -> bool:
    return not any(
        cell.amount is not None
        for row in index.table.rows
        if row.kind == "item"
        for cell in row.cells.values()
    )


def _where(index: TableIndex) -> tuple[CellRef, ...]:
    table = index.table
    ref = table.title_ref or table.header_ref
    return (ref,) if ref else ()
