"""Property tests of the rule semantics.

1. Budgets consistent in 元 and then rounded cell by cell to 0.01 万元 (as budget systems print
   them) raise no error: rounding alone is never a finding.
2. Changing any one amount of the consistent Siping fixture by a visible amount raises an error
   that names that cell.
"""

from __future__ import annotations

import os
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetcheck.model import Amount, Cell
from docbuild import document, fixture, make_table, run

EXAMPLES = int(os.environ.get("BUDGETCHECK_FUZZ_EXAMPLES", "30"))
CENT = Decimal("0.01")
WAN = Decimal(10000)

fen = st.integers(min_value=0, max_value=5_000_000_00).map(lambda n: Decimal(n) / 100)


def _wan(yuan: Decimal) -> Decimal:
    return (yuan / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


@st.composite
def function_trees(
    draw: st.DrawFn,
) -> list[tuple[str, list[tuple[str, list[tuple[Decimal, Decimal]]]]]]:
    """Classes -> subclasses -> items, each item a (basic, project) pair in 元."""
    classes = draw(
        st.lists(
            st.sampled_from(["201", "205", "208", "210", "221"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    tree = []
    for cls in sorted(classes):
        subs = []
        for n in range(draw(st.integers(1, 3))):
            items = draw(st.lists(st.tuples(fen, fen), min_size=1, max_size=3))
            subs.append((f"{cls}{n + 1:02d}", items))
        tree.append((cls, subs))
    return tree


def _rows(tree, split: bool):  # type: ignore[no-untyped-def]
    """Rows of an expenditure table, every amount computed in 元 and then rounded to 万元."""
    rows = []
    grand = [Decimal(0)] * 2

    def line(
        label: str, code: str | None, level: int | None, kind: str, basic: Decimal, project: Decimal
    ) -> tuple[str, str | None, int | None, str, list[Decimal | None]]:
        personnel = (basic * 3 / 5).quantize(CENT)
        values = [basic + project, basic]
        if split:
            values += [personnel, basic - personnel]
        values.append(project)
        return (label, code, level, kind, [_wan(v) for v in values])

    for cls, subs in tree:
        cls_rows = []
        cls_sum = [Decimal(0)] * 2
        for sub, items in subs:
            sub_sum = [
                sum((i[0] for i in items), Decimal(0)),
                sum((i[1] for i in items), Decimal(0)),
            ]
            cls_rows.append(line(f"款{sub}", sub, 2, "item", *sub_sum))
            for n, (basic, project) in enumerate(items):
                cls_rows.append(
                    line(f"项{sub}{n + 1:02d}", f"{sub}{n + 1:02d}", 3, "item", basic, project)
                )
            cls_sum = [a + b for a, b in zip(cls_sum, sub_sum, strict=True)]
        rows.append(line(f"类{cls}", cls, 1, "item", *cls_sum))
        rows.extend(cls_rows)
        grand = [a + b for a, b in zip(grand, cls_sum, strict=True)]
    rows.append(line("合计", None, None, "total", *grand))
    return rows


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(function_trees())
def test_rounding_to_wan_alone_raises_no_error(tree) -> None:  # type: ignore[no-untyped-def]
    expenditure = make_table(
        "expenditure_summary",
        ["合计", "基本支出", "项目支出"],
        _rows(tree, False),
        classification="function",
    )
    general = make_table(
        "general_budget_expenditure",
        ["合计", "基本支出/合计", "基本支出/人员经费", "基本支出/公用经费", "项目支出"],
        _rows(tree, True),
        classification="function",
    )
    # Two tables only: the missing ones (C101) are beside the point here.
    found = run(document([expenditure, general]))
    errors = [f for f in found if f.severity == "error" and f.rule_id != "C101"]
    assert not errors, [f.message.en for f in errors]


def _amount_cells() -> list[tuple[int, int, int]]:
    doc = fixture("siping-2024-complete.xlsx")
    return [
        (t, r, c)
        for t, table in enumerate(doc.tables)
        for r, row in enumerate(table.rows)
        for c in row.cells
    ]


CELLS = _amount_cells()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(CELLS),
    st.decimals(min_value=Decimal("0.05"), max_value=Decimal(1000), places=2),
    st.booleans(),
)
def test_any_visible_change_of_one_amount_is_an_error_on_that_cell(
    where: tuple[int, int, int], change: Decimal, negative: bool
) -> None:
    doc = fixture("siping-2024-complete.xlsx")
    t, r, c = where
    table = doc.tables[t]
    cell = table.rows[r].cells[c]
    # A cell printed without decimals shows no change smaller than its rounding (270 ± 0.5).
    visible = max(change, Decimal(2)) if table.precision == 0 else change
    old = cell.amount.value if cell.amount else Decimal(0)
    new = old - visible if negative else old + visible
    table.rows[r].cells[c] = Cell(cell.ref, Amount(new, max(table.precision, 2)), str(new))
    errors = [f for f in run(doc) if f.severity == "error"]
    assert any(cell.ref in f.cells for f in errors), (str(cell.ref), old, new)
