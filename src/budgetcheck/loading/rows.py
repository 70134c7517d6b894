"""Data rows: label, code, level and kind of each row, and its amount cells."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from budgetcheck import regex
from budgetcheck.amounts import is_plain, parse_amount, plain_float_amount
from budgetcheck.loading.catalogue import Catalogue, catalogue, code_among
from budgetcheck.loading.grid import Grid
from budgetcheck.loading.header import is_total_label
from budgetcheck.loading.kinds import kind_catalogue
from budgetcheck.loading.text import (
    MEMO_MAX_CHARS,
    clean,
    key,
    leading_spaces,
    strip_numbering,
)
from budgetcheck.model import (
    Amount,
    Cell,
    CellRef,
    Column,
    Row,
    RowKind,
    new_cell_ref,
)

_EMBEDDED_CODE = regex.compile(r"^(\d{3}(?:\d{2}){0,2})\s*[-—、.．]?\s*(\D.*)$")
_PLACEHOLDER = {"…", "……", "...", "…………"}
_NUMBERING_LEVEL = {"cn": 1, "paren_cn": 2, "num": 2, "paren_num": 3}


def code_text(value: object, width: int) -> str:
    """A code cell as digits: 205.0 -> "205"; a 款 stored as the number 2 -> "02"."""
    if isinstance(value, float) and value.is_integer():
        # An integer's text is digits and a sign, which clean leaves as they are.
        return _code_digits(str(int(value)), width)
    return _code_digits(clean(value), width)


def _code_digits(text: str, width: int) -> str:
    """The digits of a code cell's clean text, padded to `width`; "" when it is not digits."""
    if text.isdigit() and len(text) < width:
        text = text.zfill(width)
    return text if text.isdigit() else ""


class RowPlan(NamedTuple):
    """Which column of one side of a table plays which part, worked out once per table rather
    than once per row. (A NamedTuple: its class costs ~0.1 ms at import, a dataclass's ~0.5.)"""

    label: int | None  # the label column
    codes: tuple[tuple[int, int], ...]  # (column, digits of its part) of each code column
    texts: tuple[int, ...]
    amounts: tuple[int, ...]
    leading: tuple[int, ...]  # every column but the amounts: a 合计 may stand in any of them
    side: str | None
    first: int  # the first column, where a row without a label column is referred to


def row_plan(columns: list[Column]) -> RowPlan:
    label_col = _label_column(columns)
    return RowPlan(
        label=label_col.index if label_col else None,
        codes=tuple((c.index, _code_width(c)) for c in columns if c.role == "code"),
        texts=tuple(c.index for c in columns if c.role == "text"),
        amounts=tuple(c.index for c in columns if c.role == "amount"),
        leading=tuple(c.index for c in columns if c.role != "amount"),
        side=columns[0].side,
        first=columns[0].index,
    )


def parse_row(grid: Grid, row: int, columns: list[Column]) -> Row | None:
    """One side of a sheet row as a Row, or None when it holds nothing."""
    return read_row(grid, row, row_plan(columns))


def read_row(grid: Grid, row: int, plan: RowPlan) -> Row | None:
    """parse_row with the columns' plan worked out beforehand."""
    if not 0 <= row < len(grid.cells):
        return None  # every cell reads as blank
    label_col, codes, text_cols, amounts, leading, side, first = plan
    raw = grid.raw_rows[row]
    clean_texts = grid.clean_rows[row]
    # Most tables have no code columns, and most no text columns: nothing to run for their rows.
    code, code_placeholder = _code(grid.cells[row], clean_texts, codes) if codes else ("", False)
    texts = {}
    if text_cols:
        texts = {index: text for index in text_cols if (text := raw[index].strip())}
    if label_col is None:
        raw_label = label = ""
    else:
        raw_label, label = raw[label_col], clean_texts[label_col]
    if not label and not code and not texts and not _filled(raw, amounts):
        return None

    numbering, label = strip_numbering(label)
    if not code and label[:1].isdecimal():  # what \d matches: the pattern's first character
        split = _EMBEDDED.get(label) or _embedded_code(label)
        if split[0]:
            code, label = split
    total_text = _total_text(label, texts, clean_texts, leading)
    kind: RowKind = "item"
    if total_text is not None:
        kind, label = "total", key(total_text)
    elif numbering is not None and _unfilled_slot(label, code, texts, raw, amounts):
        kind = "placeholder"
    elif label in _PLACEHOLDER or code_placeholder or (not label and not code and not texts):
        kind = "placeholder" if (label in _PLACEHOLDER or code_placeholder) else "item"
    elif "计" in label and key(label) == "小计":
        kind = "subtotal"
    level = None
    if kind == "item":
        level = _CODE_LEVEL.get(len(code)) if code else _NUMBERING_LEVEL.get(numbering or "")
    sheet = grid.sheet
    ref = new_cell_ref((sheet, row, label_col if label_col is not None else first))
    cells = _amount_cells(grid, row, amounts)
    text_refs = {index: new_cell_ref((sheet, row, index)) for index in texts} if texts else {}
    return Row(ref, label, code or None, level, kind, cells, texts, text_refs, side, raw_label)


# Label -> (code, label) of a label that starts with its code ("2010301 行政运行"), or ("", label).
# Tables that write the code into the label do so on every row, in every workbook of a batch.
_EMBEDDED: dict[str, tuple[str, str]] = {}
_EMBEDDED_LIMIT = 16384


def _embedded_code(label: str) -> tuple[str, str]:
    """The code a label starts with and the label without it, or ("", label)."""
    embedded = _EMBEDDED_CODE.match(label)
    split = (embedded.group(1), clean(embedded.group(2))) if embedded else ("", label)
    if len(label) <= MEMO_MAX_CHARS:
        if len(_EMBEDDED) >= _EMBEDDED_LIMIT:
            _EMBEDDED.clear()
        _EMBEDDED[label] = split
    return split


def _filled(raw: list[str], amounts: tuple[int, ...]) -> bool:
    """Whether an amount cell of the row is not blank."""
    return any(raw[index].strip() for index in amounts)


def _total_text(
    label: str, texts: dict[int, str], clean_texts: list[str], leading: tuple[int, ...]
) -> str | None:
    """The first total label ("合计") among the label, the text cells and the leading cells: a
    合计 may stand in any leading cell, often merged across the code columns."""
    if is_total_label(label):
        return label
    for text in texts.values():
        if is_total_label(text):
            return text
    for index in leading:
        text = clean_texts[index]
        if is_total_label(text):
            return text
    return None


def _unfilled_slot(
    label: str, code: str, texts: dict[int, str], raw: list[str], amounts: tuple[int, ...]
) -> bool:
    """A template line numbered but never filled in ("二、" alone): a slot, not an item.

    With an amount beside it, it stays an item so the missing name can be reported. (Asked of
    numbered lines only: the caller looks at the numbering, which most lines lack.)
    """
    empty = not label and not code and not texts
    return empty and not _filled(raw, amounts)


def _label_column(columns: list[Column]) -> Column | None:
    labels = [c for c in columns if c.role == "label"]
    if labels:
        return labels[0]
    # Project tables name rows by project: the innermost project-name column before the amounts.
    first_amount = min((c.index for c in columns if c.role == "amount"), default=10**6)
    texts = [
        c for c in columns
        if c.role == "text" and c.index < first_amount and key(c.leaf) not in {"项目单位", "类型", "备注"}
    ]
    return texts[-1] if texts else None


def _code_width(column: Column) -> int:
    leaf = key(column.leaf)
    return 3 if leaf == "类" else 2 if leaf in ("款", "项") else 1


def _code(
    values: list[object], clean_texts: list[str], codes: tuple[tuple[int, int], ...]
) -> tuple[str, bool]:
    """The joined code from one code column or 类|款|项 columns, and whether it is a placeholder."""
    parts = []
    placeholder = False
    for index, width in codes:
        # The clean text of a cell is clean(value) but for floats, whose text never is "…".
        text = clean_texts[index]
        if text in _PLACEHOLDER:
            placeholder = True
        value = values[index]
        parts.append(_code_digits(text, width) if type(value) is str else code_text(value, width))
    return "".join(parts), placeholder


def _level_from_code(code: str) -> int | None:
    return _CODE_LEVEL.get(len(code))


_CODE_LEVEL = {3: 1, 5: 2, 7: 3}  # digits of a code -> its level


def _amount_cells(grid: Grid, row: int, amounts: tuple[int, ...]) -> dict[int, Cell]:
    values = grid.cells[row]
    raw = grid.raw_rows[row]
    decimals = grid.decimals
    sheet = grid.sheet
    memo = _AMOUNTS
    cells = {}
    for index in amounts:
        text = raw[index]
        # new_cell_ref and new_cell without the partial's call in between: a workbook has
        # ~550 amount cells, half of them blank.
        ref = _tuple_new(CellRef, (sheet, row, index))
        if not text:
            # A blank cell (None or ""): no amount and nothing wrong, whatever its format says.
            # Data rows are full of them; they need no lookups.
            cells[index] = _tuple_new(Cell, (ref, None, "", None))
            continue
        value = values[index]
        shown = decimals.get((row, index)) if decimals else None
        found = memo.get((type(value), text, shown)) or cell_amount(value, text, shown)
        cells[index] = _tuple_new(Cell, (ref, found[0], found[1], found[2]))
    return cells


_tuple_new = tuple.__new__  # _tuple_new(Cell, fields) is new_cell(fields)


# (value type, raw text, decimals shown) -> (amount, stripped raw text, problem). A workbook
# states the same figures again and again (totals in several tables, zeros): each is parsed
# once. The parse depends on nothing else (the raw text of a float is its 15 digits), and the
# bound keeps a batch of many files from growing it without end.
_AMOUNTS: dict[tuple[type, str, int | None], tuple[Amount | None, str, str | None]] = {}
_AMOUNTS_LIMIT = 50_000


def cell_amount(
    value: object, raw: str, shown: int | None
) -> tuple[Amount | None, str, str | None]:
    """The amount a cell states (as its number format displays it), its text as shown in
    reports (stripped), and why it has no amount. `raw` is the cell's raw text (Grid.raw_rows)."""
    kind = type(value)
    memo = kind in (float, str, int) and len(raw) <= MEMO_MAX_CHARS
    if memo:
        found = _AMOUNTS.get((kind, raw, shown))
        if found is not None:
            return found
    result: tuple[Amount | None, str, str | None]
    if kind is float and is_plain(raw):
        # What parse_amount finds, without its work: `raw` is the float's ".15g" text.
        result = as_displayed(plain_float_amount(raw), shown), raw, None
    else:
        parsed = parse_amount(value)
        result = as_displayed(parsed.amount, shown), raw.strip(), parsed.problem
    if memo:
        if len(_AMOUNTS) >= _AMOUNTS_LIMIT:
            _AMOUNTS.clear()
        _AMOUNTS[(kind, raw, shown)] = result
    return result


def apply_precision(grid: Grid, rows: list[Row], precision: int) -> None:
    """Numbers stored as numbers do not show their decimals: they get the table's precision.

    Text amounts keep the decimals they were written with.
    """
    for row in rows:
        for index, cell in row.cells.items():
            amount = cell.amount
            if amount is None or amount.decimals >= precision:
                continue
            stored = grid.value(cell.ref.row, cell.ref.col)
            known = (cell.ref.row, cell.ref.col) in grid.decimals
            if _is_number(stored) and not known:
                # cell._replace(amount=...), without its generic (and slow) machinery
                shown = Amount(amount.value, precision)
                row.cells[index] = Cell(cell.ref, shown, cell.raw, cell.problem)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def table_precision(rows: list[Row]) -> int:
    """The most decimals an amount of the table is stated with (0 without amounts), at most 4."""
    return precision_of(rows)[0]


def precision_of(rows: list[Row]) -> tuple[int, bool]:
    """table_precision(rows), and whether an amount is stated with fewer decimals: without one,
    apply_precision has nothing to do (most tables state every figure alike)."""
    top: int | None = None
    low = 0
    for row in rows:
        for cell in row.cells.values():
            amount = cell.amount
            if amount is None:
                continue
            decimals = amount.decimals
            if top is None:
                top = low = decimals
            elif decimals > top:
                top = decimals
            elif decimals < low:
                low = decimals
    if top is None:
        return 0, False
    precision = min(top, 4)
    return precision, low < precision


def infer_hierarchy(rows: list[Row], classification: str | None) -> None:
    """Give rows without codes a level, and a code where the catalogue names it unambiguously.

    Codes come from the catalogue only when the name is unique under the parent already found,
    so a guess never invents a hierarchy: unknown names keep level None and roll-ups skip them.
    """
    if classification is None:
        _details_under_numbered(rows)
        return
    names = catalogue(classification)
    parents: dict[int, str] = {}
    # The least indent of the items, worked out when a row first needs it (few rows do).
    base_indent: list[int] = []
    for row in rows:
        if row.kind != "item":
            continue
        if row.code:
            row.level = row.level or _level_from_code(row.code)
        else:
            _infer_one(row, names, parents, base_indent, rows, classification)
        if row.level and row.code:
            parents[row.level] = row.code
            for deeper in [lvl for lvl in parents if lvl > row.level]:
                del parents[deeper]


def _infer_one(
    row: Row,
    names: Catalogue,
    parents: dict[int, str],
    base: list[int],
    rows: list[Row],
    cls: str,
) -> None:
    """`base` holds the least indent of the items of `rows` once it is known."""
    max_level = 3 if cls == "function" else 2
    entries = names.by_name.get(key(row.label), ())
    candidates = sorted({e.level for e in entries})  # names.levels_of(row.label)
    if row.level in candidates:
        candidates = [row.level]
    for level in sorted(candidates, reverse=True):
        parent = parents.get(level - 1) if level > 1 else None
        if level > 1 and parent is None:
            continue
        code = code_among(entries, parent)  # names.code_for(row.label, parent)
        if code:
            row.level, row.code = level, code
            return
    if row.level is None and len(candidates) == 1:
        row.level = candidates[0]
    if row.level is None:
        if not base:
            base.append(min((leading_spaces(r.raw_label) for r in rows if r.kind == "item"), default=0))
        indent = leading_spaces(row.raw_label) - base[0]
        if indent > 0:
            row.level = min(1 + indent // 2, max_level)


def _details_under_numbered(rows: list[Row]) -> None:
    """In tables without a classification, unnumbered lines under a numbered line are its details
    ("一、本年收入" then "一般公共预算拨款"). After a total row nothing is assumed."""
    for side in dict.fromkeys(r.side for r in rows):
        _details_of_side([r for r in rows if r.side == side])


def _details_of_side(rows: list[Row]) -> None:
    groups = kind_catalogue().group_rows
    anchor: int | None = None
    for row in rows:
        if row.kind == "total":
            anchor = None
        elif row.kind == "item" and row.level is None and key(row.label) in groups:
            # "上年结转" heads its own details even right after a total row.
            row.level = anchor = 1
        elif row.kind == "item" and row.level is not None:
            anchor = row.level
        elif row.kind == "item" and anchor is not None:
            row.level = anchor + 1


def as_displayed(amount: Amount | None, shown: int | None) -> Amount | None:
    """A stored number as its number format shows it: the reader sees 270.00, not 270, and
    1169.86 where Excel stored 1169.8600000000001 (rounded half up, as Excel displays)."""
    if amount is None or shown is None or shown < 0:
        return amount
    quantum = _QUANTA[shown] if shown < len(_QUANTA) else Decimal(1).scaleb(-shown)
    return Amount(amount.value.quantize(quantum, rounding=ROUND_HALF_UP), shown)


# Decimal(1).scaleb(-shown) for the decimals number formats show: 1, 0.1, 0.01, ...
_QUANTA = tuple(Decimal(1).scaleb(-shown) for shown in range(10))
