"""Cells that should hold an amount but hold something else ("待定", a date, "#N/A")."""

from __future__ import annotations

from budgetcheck.engine.checks.base import Context, Outcome, plain_finding
from budgetcheck.engine.packs import Rule
from budgetcheck.findings import Text


def run(rule: Rule, context: Context) -> Outcome:
    outcome = Outcome()
    for index in context.index.tables.values():
        table = index.table
        columns = {c.index: c for c in table.columns}
        for row in table.rows:
            for position, cell in row.cells.items():
                outcome.evaluated += 1
                if cell.problem is None:
                    continue
                column = columns[position].name if position in columns else ""
                outcome.findings.append(
                    plain_finding(
                        rule,
                        Text(
                            f"“{table.title}”的 {cell.ref.a1}（{row.label} / {column}）应为金额，实际是“{cell.raw[:40]}”",
                            f"{cell.ref.a1} in '{table.title}' ({row.label} / {column}) should be an amount "
                            f"but holds '{cell.raw[:40]}'",
                        ),
                        table=table,
                        row=row,
                        cells=(cell.ref,),
                        key=cell.raw,
                        column=column,
                    )
                )
    return outcome
