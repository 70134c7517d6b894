"""项目级次: the level a performance-target form gives a project agrees with the project table."""

from __future__ import annotations

from budgetcheck.engine.checks.base import Context, Outcome, not_applicable, plain_finding
from budgetcheck.engine.packs import Rule, rule_error
from budgetcheck.findings import Text
from budgetcheck.loading.text import key
from budgetcheck.model import Table


def run(rule: Rule, context: Context) -> Outcome:
    forms = context.index.table("绩效目标表")
    projects = context.index.table("项目支出表")
    if forms is None or projects is None:
        return not_applicable(
            "缺少项目支出表或绩效目标表", "the project table or the targets table is missing"
        )
    levels = rule.check.get("levels")
    if not isinstance(levels, list) or not levels:
        raise rule_error(rule, "需要 levels 列表（如 [一级项目, 二级项目]）", "needs a levels list such as [一级项目, 二级项目]")
    listed = _listed_levels(projects.table, [key(str(level)) for level in levels])
    outcome = Outcome()
    level_column = next((c.index for c in forms.table.columns if c.leaf == "项目级次"), None)
    for row in forms.table.rows:
        stated = row.texts.get(level_column) if level_column is not None else None
        actual = listed.get(key(row.label))
        if not stated or actual is None:
            continue
        outcome.evaluated += 1
        if key(stated) != actual:
            ref = row.text_refs.get(level_column) if level_column is not None else None
            outcome.findings.append(
                plain_finding(
                    rule,
                    Text(
                        f"绩效目标表中“{row.label}”的项目级次为“{stated}”，但项目支出表把它列为{actual}",
                        f"The targets table gives '{row.label}' the level '{stated}', but the project table "
                        f"lists it as {actual}",
                    ),
                    table=forms.table,
                    row=row,
                    cells=(ref,) if ref else (row.ref,),
                    key=stated,
                    column="项目级次",
                )
            )
    if not outcome.evaluated:
        return not_applicable("没有可对照项目级次的项目", "no project level to compare")
    return outcome


def _listed_levels(table: Table, levels: list[str]) -> dict[str, str]:
    """Project name -> the level column it appears in (the deepest one that names it)."""
    columns = {c.index: key(c.leaf) for c in table.columns if key(c.leaf) in levels}
    found: dict[str, str] = {}
    for row in table.rows:
        if row.kind != "item":
            continue
        for index, level in sorted(columns.items(), key=lambda item: levels.index(item[1])):
            name = row.texts.get(index)
            if name:
                found[key(name)] = level
    return found

