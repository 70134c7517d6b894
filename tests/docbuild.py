"""Building and changing documents in memory, for tests of the rules (the loader has its own).

Rules read only the document model, so a rule's behaviour is shown fastest on a model:
load a fixture once, copy it, change one thing, run one rule.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from functools import cache
from pathlib import Path

from budgetcheck.engine.packs import RuleSet, load_packs
from budgetcheck.engine.run import Options, compile_rules, run_rules
from budgetcheck.findings import Finding
from budgetcheck.loading.text import key
from budgetcheck.loading.workbook import load
from budgetcheck.model import (
    Amount,
    Cell,
    CellRef,
    Column,
    Document,
    Metadata,
    Paragraph,
    Row,
    Table,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@cache
def _loaded(name: str) -> Document:
    return load(FIXTURES / name)


def fixture(name: str) -> Document:
    """A private copy of a loaded fixture, free to change."""
    return copy.deepcopy(_loaded(name))


@cache
def ruleset() -> RuleSet:
    return load_packs()


def run(doc: Document, select: tuple[str, ...] = (), strict: bool = False) -> list[Finding]:
    options = Options(select=select, strict=strict)
    rules = compile_rules(ruleset(), options)
    return run_rules(doc, ruleset(), rules, options).findings


def table(doc: Document, kind: str) -> Table:
    found = doc.table(kind)
    assert found is not None, kind
    return found


def row(tab: Table, selector: str, side: str | None = None) -> Row:
    """A row by code, by label, or the total row for 合计/总计."""
    for candidate in tab.rows:
        if side is not None and candidate.side != side:
            continue
        if candidate.code == selector or key(candidate.label) == key(selector):
            return candidate
    raise KeyError(selector)


def column(tab: Table, name: str) -> Column:
    """An amount column by its header path ("基本支出/人员经费") or its leaf."""
    parts = tuple(key(p) for p in name.split("/"))
    for candidate in tab.amount_columns:
        path = tuple(key(p) for p in candidate.path)
        if path[-len(parts) :] == parts and (
            len(parts) > 1 or len(path) == 1 or path[-1] != "合计"
        ):
            return candidate
    for candidate in tab.amount_columns:
        if tuple(key(p) for p in candidate.path)[-len(parts) :] == parts:
            return candidate
    raise KeyError(name)


def set_amount(tab: Table, target: Row, column_name: str, value: Decimal | str | None) -> CellRef:
    """Set a cell as if the user typed `value` (a Decimal keeps its written decimals)."""
    col = column(tab, column_name)
    ref = (
        target.cells[col.index].ref
        if col.index in target.cells
        else CellRef(tab.sheet, target.ref.row, col.index)
    )
    if value is None:
        target.cells[col.index] = Cell(ref, None, "")
    elif isinstance(value, str):
        target.cells[col.index] = Cell(ref, None, value, "not a number")
    else:
        decimals = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
        target.cells[col.index] = Cell(ref, Amount(value, decimals), str(value))
    return ref


def shift(tab: Table, target: Row, column_name: str, delta: Decimal) -> CellRef:
    col = column(tab, column_name)
    cell = target.cells[col.index]
    current = cell.amount.value if cell.amount else Decimal(0)
    decimals = max(cell.amount.decimals if cell.amount else 0, -delta.as_tuple().exponent)  # type: ignore[operator]
    target.cells[col.index] = cell._replace(
        amount=Amount(current + delta, decimals), raw=str(current + delta)
    )
    return cell.ref


def add_row(
    tab: Table,
    label: str,
    values: dict[str, Decimal],
    *,
    code: str | None = None,
    level: int | None = None,
    kind: str = "item",
    side: str | None = None,
) -> Row:
    """Append a row (a data line to an empty table, say) with amounts by column name."""
    number = (
        max((r.ref.row for r in tab.rows), default=(tab.header_ref.row if tab.header_ref else 0))
        + 1
    )
    new = Row(
        ref=CellRef(tab.sheet, number, 0),
        label=label,
        code=code,
        level=level,
        kind=kind,  # type: ignore[arg-type]
        side=side,
        raw_label=label,
    )
    for col in tab.amount_columns:
        if side is None or col.side == side:
            new.cells[col.index] = Cell(CellRef(tab.sheet, number, col.index), None, "")
    tab.rows.append(new)
    for name, value in values.items():
        set_amount(tab, new, name, value)
    return new


def make_table(
    kind: str,
    columns: list[str],
    rows: list[tuple[str, str | None, int | None, str, list[Decimal | None]]],
    *,
    unit: str = "万元",
    sheet: str | None = None,
    classification: str | None = None,
    precision: int = 2,
) -> Table:
    """A table from header paths ("基本支出/人员经费") and rows (label, code, level, kind, values)."""
    sheet = sheet or kind
    cols = [Column(0, ("科目名称",), "label")] + [
        Column(i + 1, tuple(name.split("/")), "amount") for i, name in enumerate(columns)
    ]
    built = []
    for number, (label, code, level, row_kind, values) in enumerate(rows, start=3):
        cells = {
            i + 1: Cell(
                CellRef(sheet, number, i + 1),
                Amount(v, precision) if v is not None else None,
                "" if v is None else str(v),
            )
            for i, v in enumerate(values)
        }
        built.append(
            Row(CellRef(sheet, number, 0), label, code, level, row_kind, cells, raw_label=label)
        )  # type: ignore[arg-type]
    return Table(
        kind,
        f"{kind}表",
        CellRef(sheet, 0, 0),
        sheet,
        unit,
        None,
        cols,
        built,
        classification=classification,
        header_ref=CellRef(sheet, 2, 0),  # type: ignore[arg-type]
        precision=precision,
    )


def document(
    tables: list[Table], paragraphs: list[Paragraph] | None = None, year: int = 2024
) -> Document:
    return Document(
        Path("memory.xlsx"),
        "xlsx",
        Metadata("测试局", year, "部门预算", "部门"),
        tables,
        [],
        paragraphs or [],
    )
