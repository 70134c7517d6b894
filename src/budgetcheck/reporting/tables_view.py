"""`budgetcheck tables`: what was read, as a rich tree or as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from budgetcheck.i18n import t
from budgetcheck.loading.kinds import kind_catalogue
from budgetcheck.model import Document, Table, column_letters

if TYPE_CHECKING:
    from rich.console import Console

ROLE_NAMES = {
    "cover": ("封面", "cover"),
    "contents": ("目录", "contents"),
    "text": ("说明文字", "text"),
    "empty": ("空白", "empty"),
    "unknown": ("未识别的表格", "unrecognised table"),
    "table": ("表格", "table"),
}


def tables_data(doc: Document) -> dict[str, Any]:
    return {
        "path": str(doc.path),
        "format": doc.format,
        "metadata": {
            "organisation": doc.metadata.organisation,
            "year": doc.metadata.year,
            "doc_type": doc.metadata.doc_type,
            "level": doc.metadata.level,
        },
        "tables": [_table_data(table) for table in doc.tables],
        "sheets": [
            {"name": s.name, "role": s.role, "hidden": s.hidden, "tables": s.tables}
            for s in doc.sheets
        ],
        "paragraphs": len(doc.paragraphs),
    }


def _table_data(table: Table) -> dict[str, Any]:
    # One pass over the rows for what the comprehensions over them would give (in their order):
    # every check reports its tables, so this runs for every table of every workbook.
    data_rows = 0
    total_rows: list[str] = []
    invalid_cells: list[str] = []
    for r in table.rows:
        kind = r.kind
        if kind == "item":
            data_rows += 1
        elif kind == "total":
            total_rows.append(r.ref.a1)
        for c in r.cells.values():
            if c.problem is not None:
                invalid_cells.append(str(c.ref))
    return {
        "kind": table.kind,
        "title": table.title,
        "sheet": table.sheet,
        "title_cell": table.title_ref.a1 if table.title_ref else None,
        "unit": table.unit,
        "unit_assumed": table.unit_assumed,
        "precision": table.precision,
        "classification": table.classification,
        "columns": [
            {
                "column": column_letters(c.index),
                "path": list(c.path),
                "role": c.role,
                "side": c.side,
            }
            for c in table.columns
        ],
        "rows": len(table.rows),
        "data_rows": data_rows,
        "total_rows": total_rows,
        "depth": table.depth,
        "has_data": table.has_data,
        "note": table.note,
        "invalid_cells": invalid_cells,
    }


def tables_json(doc: Document) -> str:
    import json  # only `budgetcheck tables --format json` needs it; every check imports this module

    return json.dumps(tables_data(doc), ensure_ascii=False, indent=2)


def print_tables(doc: Document, lang: str, console: Console) -> None:
    from rich.tree import Tree

    kinds = kind_catalogue().kinds
    meta = doc.metadata
    head = f"[bold]{doc.path.name}[/] ({doc.format})"
    facts = [meta.organisation, str(meta.year) if meta.year else None, meta.doc_type]
    tree = Tree(head + "  " + " · ".join(f for f in facts if f))
    for table in doc.tables:
        kind = kinds.get(table.kind)
        name = (kind.en if lang == "en" else kind.zh) if kind else table.kind
        where = f"{table.sheet}!{table.title_ref.a1}" if table.title_ref else table.sheet
        branch = tree.add(f"[bold cyan]{name}[/] [dim]{table.kind}[/]  {where}  “{table.title}”")
        unit = table.unit + (t(lang, "（推定）", " (assumed)") if table.unit_assumed else "")
        branch.add(
            t(lang, "单位", "unit")
            + f": {unit}   "
            + t(lang, "小数位", "decimals")
            + f": {table.precision}   "
            + t(lang, "行数", "rows")
            + f": {sum(1 for r in table.rows if r.kind == 'item')}   "
            + t(lang, "层级", "depth")
            + f": {table.depth}   "
            + t(lang, "合计行", "total rows")
            + f": {sum(1 for r in table.rows if r.kind == 'total')}"
        )
        columns = branch.add(t(lang, "列", "columns"))
        for column in table.columns:
            side = f"[{column.side}] " if column.side else ""
            columns.add(f"{side}{' / '.join(column.path) or '—'}  [dim]{column.role}[/]")
        if table.note:
            branch.add(t(lang, "注", "note") + f": {table.note[:80]}")
        elif not table.has_data:
            branch.add(f"[yellow]{t(lang, '无数据', 'no data')}[/]")
    others = [s for s in doc.sheets if s.role != "table"]
    if others:
        rest = tree.add(t(lang, "没有表格的工作表", "sheets without a table"))
        for sheet in others:
            zh, en = ROLE_NAMES[sheet.role]
            hidden = t(lang, "（隐藏）", " (hidden)") if sheet.hidden else ""
            rest.add(f"{sheet.name}{hidden}: {t(lang, zh, en)}")
    tree.add(t(lang, "说明文字段落", "text paragraphs") + f": {len(doc.paragraphs)}")
    console.print(tree)
