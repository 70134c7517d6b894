"""The rule expression language: tokens, grammar, errors, printing, interval evaluation."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from decimal import Decimal, localcontext

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetcheck.engine.expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    BoolOp,
    Call,
    Compare,
    ExprError,
    Node,
    NotApplicable,
    Number,
    Ref,
    Unary,
    Undefined,
    Value,
    Verdict,
    evaluate,
    interval_test,
    is_condition,
    parse,
    references,
    unparse,
)
from budgetcheck.engine.interval import Interval, maximum, minimum
from budgetcheck.errors import RuleError
from budgetcheck.model import Amount

EXAMPLES = int(os.environ.get("BUDGETCHECK_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

D = Decimal


def col(*path: str, optional: bool = False) -> Ref:
    return Ref(None, None, path, optional)


def cell(table: str, row: str, *path: str, optional: bool = False) -> Ref:
    return Ref(table, row, path, optional)


def num(text: str) -> Number:
    return Number(D(text))


def amounts(values: dict[str, str], decimals: int = 2) -> Callable[[Ref], Value | None]:
    """A resolver over bare column names; the source of each value is its name."""

    def resolve(ref: Ref) -> Value | None:
        key = ".".join(ref.column) if ref.table is None else f"{ref.table}[{ref.row}]"
        if key not in values:
            return None
        return Value.of(Amount(D(values[key]), decimals), key)

    return resolve


def verdict(text: str, values: dict[str, str], strict: bool = False) -> Verdict:
    outcome = evaluate(parse(text), amounts(values), strict=strict)
    assert isinstance(outcome, Verdict)
    return outcome


def parse_error(text: str) -> ExprError:
    with pytest.raises(ExprError) as caught:
        parse(text)
    return caught.value


# -- parsing: the examples rules are written with ---------------------------------------------


def test_row_identity_with_optional_references() -> None:
    node = parse("合计 == 基本支出 + 项目支出 + ?事业单位经营支出 + ?上缴上级支出")
    parts = Binary(
        "+",
        Binary(
            "+",
            Binary("+", col("基本支出"), col("项目支出")),
            col("事业单位经营支出", optional=True),
        ),
        col("上缴上级支出", optional=True),
    )
    assert node == Compare("==", col("合计"), parts)


def test_cross_table_references() -> None:
    node = parse("一般公共预算支出表[合计].基本支出 == 一般公共预算基本支出表[合计].合计")
    assert node == Compare(
        "==",
        cell("一般公共预算支出表", "合计", "基本支出"),
        cell("一般公共预算基本支出表", "合计", "合计"),
    )


def test_quoted_column_keeps_slash_as_one_segment() -> None:
    node = parse('支出总表[合计]."基本支出/人员经费"')
    assert node == cell("支出总表", "合计", "基本支出/人员经费")


def test_corner_quotes_and_spaces_in_names() -> None:
    assert parse("「基本支出 / 人员经费」") == col("基本支出 / 人员经费")
    assert parse('T["a b"]') == cell("T", "a b")


def test_full_width_punctuation_is_part_of_names() -> None:
    text = "三公[合计] == 三公[因公出国（境）费] + 三公[公务接待费] + 三公[公务用车购置及运行费]"
    node = parse(text)
    assert isinstance(node, Compare)
    assert references(node) == [
        cell("三公", "合计"),
        cell("三公", "因公出国（境）费"),
        cell("三公", "公务接待费"),
        cell("三公", "公务用车购置及运行费"),
    ]
    assert parse("《条例》、“三公”：其中") == col("《条例》、“三公”：其中")
    assert parse("一般公共预算“三公”经费支出表[合计]") == cell(
        "一般公共预算“三公”经费支出表", "合计"
    )


def test_row_selectors() -> None:
    assert parse("T[合计]") == cell("T", "合计")
    assert parse("T[2010301]") == cell("T", "2010301")  # a code stays a string, as written
    assert parse("T[007]") == cell("T", "007")
    assert parse('T["一、 基本支出"]') == cell("T", "一、 基本支出")
    assert parse("T[ 合计 ].a") == cell("T", "合计", "a")


def test_column_paths() -> None:
    assert parse("a.b.c") == col("a", "b", "c")
    assert parse("T[r].a.b") == cell("T", "r", "a", "b")
    # After "." digits are a column name (a year heading), not a number.
    assert parse("T[r].2024") == cell("T", "r", "2024")
    assert parse("上年.2024") == col("上年", "2024")
    assert parse("2024年预算数") == col("2024年预算数")


def test_quoted_escapes() -> None:
    assert parse(r'"a\"b\\c"') == col('a"b\\c')
    assert parse('"「x」"') == col("「x」")
    assert parse('「a"b」') == col('a"b')


def test_numbers_are_exact_decimals() -> None:
    assert parse("0") == num("0")
    assert parse("100") == num("100")
    node = parse("0.1 + 0.2")
    assert node == Binary("+", num("0.1"), num("0.2"))
    outcome = evaluate(node, lambda ref: None)
    assert isinstance(outcome, Value)
    assert outcome.interval == Interval.exact(D("0.3"))
    assert parse("-5") == Unary("-", num("5"))


def test_precedence_and_associativity() -> None:
    a, b, c = col("a"), col("b"), col("c")
    assert parse("a + b * c") == Binary("+", a, Binary("*", b, c))
    assert parse("(a + b) * c") == Binary("*", Binary("+", a, b), c)
    assert parse("a - b - c") == Binary("-", Binary("-", a, b), c)
    assert parse("a / b / c") == Binary("/", Binary("/", a, b), c)
    assert parse("-a * b") == Binary("*", Unary("-", a), b)
    assert parse("a * -b") == Binary("*", a, Unary("-", b))
    assert parse("--a") == Unary("-", Unary("-", a))
    assert parse("a+b==c") == Compare("==", Binary("+", a, b), c)


@pytest.mark.parametrize("op", ["==", "!=", "<=", "<", ">=", ">"])
def test_comparison_operators(op: str) -> None:
    assert parse(f"机关运行经费 {op} 公用经费") == Compare(op, col("机关运行经费"), col("公用经费"))


def test_and_or_flatten_and_bind_like_python() -> None:
    x, y, z = (Compare("==", col(n), num("0")) for n in "xyz")
    assert parse("x == 0 and y == 0 and z == 0") == BoolOp("and", (x, y, z))
    assert parse("x == 0 or y == 0 and z == 0") == BoolOp("or", (x, BoolOp("and", (y, z))))
    assert parse("(x == 0 or y == 0) and z == 0") == BoolOp("and", (BoolOp("or", (x, y)), z))
    assert parse("x == 0 AND y == 0") == BoolOp("and", (x, y))  # keywords ignore case


def test_function_calls() -> None:
    a, b = col("a"), col("b")
    assert parse("sum(a, b)") == Call("sum", (a, b))
    assert parse("SUM(a)") == Call("sum", (a,))  # Excel habits: function names ignore case
    assert parse("abs(a - b)") == Call("abs", (Binary("-", a, b),))
    assert parse("min(a, b, 1)") == Call("min", (a, b, num("1")))
    assert parse("max(a)") == Call("max", (a,))
    assert parse("round(a, 2)") == Call("round", (a, num("2")))
    assert parse("round(a, -2)") == Call("round", (a, Unary("-", num("2"))))
    # A function name not followed by "(" is an ordinary column name.
    assert parse("sum + 1") == Binary("+", col("sum"), num("1"))


def test_whitespace_includes_newlines_and_full_width_space() -> None:
    assert parse("a\u3000+\n\tb") == Binary("+", col("a"), col("b"))


def test_is_condition() -> None:
    assert is_condition(parse("a == b"))
    assert is_condition(parse("a == b or c < d"))
    assert not is_condition(parse("a + b"))


def test_references_in_order_without_repeats() -> None:
    node = parse("a + T[r].b == a + sum(?c, T[r].b)")
    assert references(node) == [col("a"), cell("T", "r", "b"), col("c", optional=True)]


# -- parse errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("a +", 4, "expected a value"),
        ("(a + b", 7, "expected ')'"),
        ("a b", 3, "expected an operator"),
        ("a = b", 3, "'=='"),
        ("a ! b", 3, "'!' must be followed"),
        ("a == b == c", 8, "cannot be chained"),
        ("foo(a)", 1, "unknown function 'foo'"),
        ("合计 == 因公出国(境)费", 7, "ASCII '('"),
        ("x == 1 and a", 12, "'and' joins comparisons"),
        ("(a == b) + 1", 1, "'+' needs a number"),
        ("-(a == b)", 2, "'-' needs a number"),
        ("sum(a == b)", 5, "'sum()' needs a number"),
        ('"abc', 1, "no closing"),
        ("「abc", 1, "no closing '」'"),
        ("abc」", 4, "no opening"),
        ('""', 1, "cannot be empty"),
        ('"a\\b"', 3, "must be followed by"),
        ("1.5元", 1, "malformed number"),
        ("a ＋ b", 3, "full-width '＋'"),
        ("a，b", 2, "full-width '，'"),
        ("a # b", 3, "unexpected character"),
        ("a\x00", 2, "U+0000"),
        ("T[]", 3, "a row name"),
        ("T[r", 4, "expected ']'"),
        ("T[r].", 6, "a column name"),
        ("a.+", 3, "a column name"),
        ("?1", 2, "expected a name"),
        ("and == 1", 1, "keyword 'and'"),
        ("abs(a, b)", 1, "abs() takes 1"),
        ("round(a)", 1, "round() takes 2"),
        ("round(a, b)", 10, "whole number"),
        ("round(a, 0.5)", 10, "whole number"),
        ("sum()", 1, "sum() takes ≥1"),
        ("sum(a,)", 7, "expected a value"),
        ("", 1, "expected a value"),
        ("a == b c", 8, "expected an operator"),
    ],
)
def test_parse_errors_name_the_position(text: str, column: int, fragment: str) -> None:
    error = parse_error(text)
    assert error.column == column, error.en
    assert error.line == 1
    assert fragment in error.en
    assert f"第 {column} 列" in error.zh
    assert error.exit_code == 3
    assert isinstance(error, RuleError)


def test_parse_error_reports_line_on_multi_line_text() -> None:
    error = parse_error("合计 ==\n  a + * b")
    assert (error.line, error.column, error.position) == (2, 7, 12)
    assert "line 2, column 7" in error.en
    assert "第 2 行第 7 列" in error.zh


def test_error_message_shows_where() -> None:
    error = parse_error("合计 == (基本支出 + 项目支出")
    assert "‸" in error.en
    assert "项目支出‸" in error.zh


def test_too_long() -> None:
    error = parse_error("a" * (MAX_LENGTH + 1))
    assert "too long" in error.en


def test_deep_parentheses_fail_fast() -> None:
    start = time.perf_counter()
    for text in ["(" * (MAX_LENGTH - 1) + "a", "(" * 5000 + "a" + ")" * 5000]:
        with pytest.raises(ExprError):
            parse(text)
    assert time.perf_counter() - start < 1


def test_nesting_limit_is_exact() -> None:
    depth = MAX_DEPTH - 1
    assert parse("(" * depth + "a" + ")" * depth) == col("a")
    error = parse_error("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH)
    assert "nested more than" in error.en


@pytest.mark.parametrize(
    "text",
    [
        " + ".join(["a"] * 1000),
        "-" * 2000 + "a",
        " and ".join(["a == b"] * 200),  # flat: fine
        "sum(" * 60 + "a" + ")" * 60,
        "a" + ".b" * 3000,
    ],
    ids=["plus-chain", "minus-run", "and-chain", "nested-sum", "long-path"],
)
def test_long_inputs_never_exhaust_the_stack(text: str) -> None:
    try:
        node = parse(text)
    except ExprError:
        return
    assert parse(unparse(node)) == node


def test_long_sums_are_written_with_sum() -> None:
    error = parse_error(" + ".join(["a"] * (MAX_DEPTH + 2)))
    assert "sum(a, b, …)" in error.en
    node = parse("sum(" + ", ".join(f"c{i}" for i in range(1000)) + ")")
    assert isinstance(node, Call)
    assert len(node.args) == 1000


# -- printing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "合计 == 基本支出 + 项目支出 + ?事业单位经营支出",
        "T[2010301].a.2024 >= 0.5",
        '支出总表[合计]."基本支出/人员经费"',
        "a - (b - c) - d",
        "-(a + b) * c",
        "(x == 0 or y == 0) and z != 1",
        "x == 0 or (y == 0 and z != 1)",
        "round(a / b * 100, 2) <= 76.92",
        '"2024" + "and" + T[and].and + "a b" + "x\\"y"',
        "sum(a, ?T[r])",
    ],
)
def test_unparse_is_canonical(text: str) -> None:
    assert unparse(parse(text)) == text


def test_unparse_quotes_what_needs_it() -> None:
    assert unparse(col("2024")) == '"2024"'  # bare, it would be a number
    assert unparse(col("OR")) == '"OR"'
    assert unparse(col("a", "2024")) == "a.2024"
    assert unparse(cell("T", "1.5")) == "T[1.5]"
    assert unparse(cell("T", ".5")) == 'T[".5"]'
    assert unparse(col("a\\b")) == '"a\\\\b"'
    assert unparse(col("基本支出（人员）")) == "基本支出（人员）"
    assert unparse(col("a＋b")) == '"a＋b"'
    assert unparse(num("1E+3")) == "1000"
    assert unparse(num("1E-7")) == "0.0000001"
    assert str(parse("a+b")) == "a + b"


def test_nodes_validate_themselves() -> None:
    with pytest.raises(ValueError):
        Number(D("-1"))
    with pytest.raises(ValueError):
        Number(D("NaN"))
    with pytest.raises(ValueError):
        Ref("T", None, ("a",))
    with pytest.raises(ValueError):
        Ref(None, None, ())
    with pytest.raises(ValueError):
        Ref(None, None, ("",))
    with pytest.raises(ValueError):
        Binary("^", col("a"), col("b"))
    with pytest.raises(ValueError):
        BoolOp("and", (Compare("==", col("a"), col("b")),))


# -- intervals --------------------------------------------------------------------------------


def test_interval_from_amount() -> None:
    interval = Interval.from_amount(Amount(D("1169.86"), 2))
    assert interval == Interval(D("1169.855"), D("1169.865"))
    assert interval.midpoint == D("1169.86")
    assert Interval.from_amount(Amount(D("100"), -2)) == Interval(D("50"), D("150"))


def test_interval_arithmetic() -> None:
    a = Interval(D("1"), D("2"))
    b = Interval(D("-3"), D("4"))
    assert a + b == Interval(D("-2"), D("6"))
    assert a - b == Interval(D("-3"), D("5"))
    assert a * b == Interval(D("-6"), D("8"))
    assert -a == Interval(D("-2"), D("-1"))
    assert a / Interval(D("2"), D("4")) == Interval(D("0.25"), D("1"))
    assert a / b is None  # the divisor may be zero: undefined, not an exception
    assert a / Interval.exact(0) is None
    assert abs(b) == Interval(D("0"), D("4"))
    assert abs(-a) == a
    assert minimum(a, b) == Interval(D("-3"), D("2"))
    assert maximum(a, b) == Interval(D("1"), D("4"))
    assert Interval(D("1.25"), D("2.35")).round_to(1) == Interval(D("1.3"), D("2.4"))


def test_interval_queries() -> None:
    a = Interval(D("1"), D("2"))
    assert a.contains(D("1")) and a.contains(2) and not a.contains(D("2.01"))
    assert a.intersects(Interval(D("2"), D("3")))  # closed: touching ends meet
    assert not a.intersects(Interval(D("2.001"), D("3")))
    assert a.width == 1 and not a.is_exact and Interval.exact(5).is_exact


def test_division_rounds_outward() -> None:
    third = Interval.exact(1) / Interval.exact(3)
    assert third is not None
    with localcontext() as ctx:
        ctx.prec = 100
        assert third.low * 3 < 1 < third.high * 3  # 1/3 is strictly inside


def test_interval_rejects_bad_ends() -> None:
    with pytest.raises(ValueError):
        Interval(D("2"), D("1"))
    with pytest.raises(ValueError):
        Interval(D("NaN"), D("1"))


def test_interval_ignores_the_thread_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        total = Interval.exact(D("1234567.89")) + Interval.exact(D("0.01"))
    assert total == Interval.exact(D("1234567.90"))


# -- evaluation: rounding semantics -----------------------------------------------------------

PARTS = {"a": "33.33", "b": "33.33", "c": "33.34"}


@pytest.mark.parametrize(
    ("total", "holds", "strict"),
    [
        ("100.00", True, True),
        ("100.01", True, False),
        ("100.02", True, False),  # 3 parts + total: up to 4 × 0.005 apart
        ("99.98", True, False),
        ("100.03", False, False),
        ("99.97", False, False),
    ],
)
def test_sum_identity_under_rounding(total: str, holds: bool, strict: bool) -> None:
    values = {"合计": total, **PARTS}
    assert verdict("合计 == a + b + c", values).holds is holds
    assert verdict("合计 == a + b + c", values, strict=True).holds is strict


def test_miss_of_0_015_holds_with_a_finer_total() -> None:
    def resolve(ref: Ref) -> Value:
        if ref.column == ("合计",):
            return Value.of(Amount(D("100.015"), 3), "total")
        return Value.of(Amount(D(PARTS[ref.column[0]]), 2), ref.column[0])

    outcome = evaluate(parse("合计 == a + b + c"), resolve)
    assert isinstance(outcome, Verdict) and outcome.holds
    assert outcome.comparison.difference == D("0.015")


def test_comparison_carries_both_sides_and_difference() -> None:
    outcome = verdict("合计 == a + b + c", {"合计": "100.03", **PARTS})
    found = outcome.failing
    assert found is not None and found is outcome.comparison
    assert found.left.value == D("100.03")
    assert found.right.value == D("100.00")
    assert found.right.interval == Interval(D("99.985"), D("100.015"))
    assert found.difference == D("0.03")
    assert found.left.sources == ("合计",)
    assert found.right.sources == ("a", "b", "c")
    assert outcome.sources == ("合计", "a", "b", "c")
    assert found.expression == parse("合计 == a + b + c")


@pytest.mark.parametrize(
    ("text", "holds", "strict"),
    [
        ("a <= b", True, False),  # 10.01 may really be 10.005, which b=10.00 may reach
        ("a < b", False, False),
        ("b >= a", True, False),
        ("b > a", False, False),
        ("a != b", False, True),
        ("a == b", True, False),
        ("a >= b", True, True),
        ("a > b", True, True),
    ],
)
def test_ordering_under_rounding(text: str, holds: bool, strict: bool) -> None:
    values = {"a": "10.01", "b": "10.00"}
    assert verdict(text, values).holds is holds
    assert verdict(text, values, strict=True).holds is strict


def test_far_apart_values_are_ordered_as_usual() -> None:
    values = {"a": "1.00", "b": "2.00"}
    assert verdict("a < b and a <= b and b > a and b >= a and a != b", values).holds
    assert not verdict("a > b or a >= b or a == b", values).holds


def test_and_reports_the_first_failing_comparison() -> None:
    outcome = verdict("a == 1 and b == 2 and c == 3", {"a": "1", "b": "5", "c": "7"})
    assert not outcome.holds
    assert len(outcome.comparisons) == 3
    assert outcome.failing is outcome.comparisons[1]


def test_or_holds_when_any_holds() -> None:
    outcome = verdict("a == 2 or b == 5", {"a": "1", "b": "5"})
    assert outcome.holds and outcome.failing is None
    assert outcome.comparison is outcome.comparisons[0]
    assert not verdict("a == 2 or b == 6", {"a": "1", "b": "5"}).holds


# -- evaluation: absent references, undefined values, errors ----------------------------------


def test_optional_absent_reference_is_exact_zero() -> None:
    outcome = verdict("合计 == a + ?缺失", {"合计": "1.00", "a": "1.00"})
    assert outcome.holds
    assert outcome.comparison.right.interval == Interval.from_amount(Amount(D("1.00"), 2))
    assert outcome.sources == ("合计", "a")


def test_required_absent_reference_is_not_applicable() -> None:
    outcome = evaluate(parse("合计 == a + 缺失 + 另一缺失"), amounts({"合计": "1", "a": "1"}))
    assert outcome == NotApplicable(missing=col("缺失"))


def test_absent_reference_in_an_or_still_makes_it_not_applicable() -> None:
    outcome = evaluate(parse("a == 1 or 缺失 == 1"), amounts({"a": "1"}))
    assert outcome == NotApplicable(missing=col("缺失"))


def test_resolver_errors_propagate() -> None:
    class UnknownColumn(RuleError):
        pass

    def resolve(ref: Ref) -> Value:
        raise UnknownColumn("未知列", f"unknown column {ref.column}")

    with pytest.raises(UnknownColumn):
        evaluate(parse("a == 1"), resolve)


def test_resolver_must_return_values() -> None:
    with pytest.raises(TypeError):
        evaluate(parse("a"), lambda ref: D(1))  # type: ignore[arg-type, return-value]


def test_division_by_what_may_be_zero_is_undefined() -> None:
    node = parse("占比 == a / b * 100")
    outcome = evaluate(node, amounts({"占比": "50", "a": "1.00", "b": "0.00"}))
    assert outcome == Undefined(expression=parse("a / b"))
    # b = 0.004 rounds to 0.00: still undefined, it might be zero.
    outcome = evaluate(parse("a / (b - 0.004)"), amounts({"a": "1", "b": "0.00"}))
    assert isinstance(outcome, Undefined)


def test_share_is_checked_as_an_interval() -> None:
    values = {"占比": "76.92", "a": "1000.00", "b": "1300.00"}
    assert verdict("占比 == a / b * 100", values).holds
    values["占比"] = "76.95"
    assert not verdict("占比 == a / b * 100", values).holds


def test_numeric_expression_gives_a_value() -> None:
    outcome = evaluate(parse("a * 2 - abs(-b) + max(a, b) + min(a, 1)"), amounts(PARTS))
    assert isinstance(outcome, Value)
    assert outcome.value == D("33.33") * 2 - D("33.33") + D("33.33") + 1
    assert outcome.interval.contains(outcome.value)
    assert outcome.sources == ("a", "b")


def test_round_uses_half_up() -> None:
    outcome = evaluate(parse("round(2.345, 2) + round(125, -1)"), lambda ref: None)
    assert isinstance(outcome, Value)
    assert outcome.interval == Interval.exact(D("2.35") + D("130"))


def test_strict_compares_stated_values_of_products() -> None:
    values = {"a": "0.10", "b": "0.30", "c": "0.03"}
    assert verdict("a * b == c", values, strict=True).holds
    assert verdict("a * b == c", values).holds


def test_ill_typed_hand_built_trees_are_expr_errors() -> None:
    cmp = Compare("==", col("a"), col("b"))
    resolve = amounts({"a": "1", "b": "1"})
    trees: list[Node] = [
        Binary("+", cmp, col("a")),
        BoolOp("and", (cmp, col("a"))),
        Call("pow", (col("a"),)),
        Call("abs", ()),
        Call("round", (col("a"), col("b"))),
        Call("round", (col("a"), num("21"))),
    ]
    for bad in trees:
        with pytest.raises(ExprError):
            evaluate(bad, resolve)


def test_hand_built_deep_trees_fail_cleanly() -> None:
    node: Node = col("a")
    for _ in range(5000):
        node = Unary("-", node)
    with pytest.raises(ExprError):
        unparse(node)
    with pytest.raises(ExprError):
        evaluate(node, amounts({"a": "1"}))
    assert references(node) == [col("a")]


def test_huge_values_are_expr_errors_not_decimal_exceptions() -> None:
    huge = Value.exact(D("9E+999999999999999999"))
    with pytest.raises(ExprError):
        evaluate(parse("a * a"), lambda ref: huge)


# -- properties -------------------------------------------------------------------------------

NAME_CHARS = st.sampled_from(
    list("合计基本支出（）“”《》、：abAZ_09%:") + list(' +-*/()[].,<>=!?"\\「」＋\n')
)
NAMES = st.one_of(
    st.text(NAME_CHARS, min_size=1, max_size=6),
    st.sampled_from(["and", "OR", "sum", "round", "2024", "1.5", "007", ".5", "合计"]),
)


@st.composite
def refs(draw: st.DrawFn) -> Ref:
    optional = draw(st.booleans())
    if draw(st.booleans()):
        return Ref(None, None, tuple(draw(st.lists(NAMES, min_size=1, max_size=3))), optional)
    path = tuple(draw(st.lists(NAMES, max_size=2)))
    return Ref(draw(NAMES), draw(NAMES), path, optional)


LITERALS = st.decimals(min_value=0, max_value=10**9, places=3).map(lambda d: Number(d.copy_abs()))
PLACES = st.integers(-3, 4).map(lambda n: num(str(n)) if n >= 0 else Unary("-", num(str(-n))))


def _numeric_branches(kids: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        kids.map(lambda k: Unary("-", k)),
        st.builds(Binary, st.sampled_from("+-*/"), kids, kids),
        st.builds(
            Call,
            st.sampled_from(["sum", "min", "max"]),
            st.lists(kids, min_size=1, max_size=3).map(tuple),
        ),
        kids.map(lambda k: Call("abs", (k,))),
        st.builds(lambda k, p: Call("round", (k, p)), kids, PLACES),
    )


NUMERIC: st.SearchStrategy[Node] = st.recursive(
    st.one_of(LITERALS, refs()), _numeric_branches, max_leaves=10
)
COMPARISONS = st.builds(
    Compare, st.sampled_from(["==", "!=", "<=", "<", ">=", ">"]), NUMERIC, NUMERIC
)
CONDITIONS: st.SearchStrategy[Node] = st.recursive(
    COMPARISONS,
    lambda kids: st.builds(
        BoolOp, st.sampled_from(["and", "or"]), st.lists(kids, min_size=2, max_size=3).map(tuple)
    ),
    max_leaves=4,
)
TREES = st.one_of(NUMERIC, CONDITIONS)


@FUZZ
@given(TREES)
def test_unparse_round_trips(tree: Node) -> None:
    assert parse(unparse(tree)) == tree


# Pieces of plausible and implausible rules, glued together by the fuzzer.
TOKENS = "合计 T [ ] . ( ) + - * / == < != and or ? sum round abs , 2010301 0.5 2024"
FRAGMENTS = st.sampled_from(
    [
        *TOKENS.split(),
        *['"x y"', "「甲」", "因公出国（境）费", '"', "\\", "=", "!", " ", "\n", "＋"],
    ]
)
TEXTS = st.one_of(
    st.text(max_size=40),
    st.text(NAME_CHARS, max_size=40),
    st.lists(FRAGMENTS, max_size=20).map("".join),
    st.lists(FRAGMENTS, max_size=20).map(" ".join),
)


@FUZZ
@given(TEXTS)
def test_parse_raises_only_expr_error(text: str) -> None:
    try:
        node = parse(text)
    except ExprError as error:
        assert error.position is not None and 0 <= error.position <= len(text)
        return
    assert parse(unparse(node)) == node


class Refused(RuleError):
    """What a resolver raises for a name the document does not have."""


@st.composite
def resolvers(draw: st.DrawFn) -> Callable[[Ref], Value | None]:
    table: dict[Ref, Value | Refused | None] = {}
    values = st.one_of(
        st.just(D(0)),
        st.decimals(min_value=-(10**6), max_value=10**6, places=2),
        st.decimals(min_value=-(10**30), max_value=10**30, places=0),
    )
    data = draw(st.data())

    def resolve(ref: Ref) -> Value | None:
        if ref not in table:
            kind = data.draw(st.integers(0, 9))
            if kind == 0:
                table[ref] = None
            elif kind == 1:
                table[ref] = Refused("拒绝", "refused")
            else:
                amount = Amount(data.draw(values), data.draw(st.integers(-2, 4)))
                table[ref] = Value.of(amount, ref)
        found = table[ref]
        if isinstance(found, Refused):
            raise found
        return found

    return resolve


@FUZZ
@given(TREES, resolvers(), st.booleans())
def test_evaluation_raises_only_expr_errors(
    tree: Node, resolve: Callable[[Ref], Value | None], strict: bool
) -> None:
    try:
        outcome = evaluate(tree, resolve, strict=strict)
    except Refused:
        return
    except ExprError:
        return
    if isinstance(outcome, Value):
        assert outcome.interval.contains(outcome.value)
    elif isinstance(outcome, Verdict):
        assert outcome.comparisons
        for comparison in outcome.comparisons:
            assert comparison.left.interval.contains(comparison.left.value)
            assert comparison.right.interval.contains(comparison.right.value)
    else:
        assert isinstance(outcome, NotApplicable | Undefined)


AMOUNTS = st.lists(
    st.decimals(min_value=-(10**12), max_value=10**12, places=2), min_size=1, max_size=40
)


@FUZZ
@given(TREES, resolvers())
def test_the_interval_test_names_what_is_missing(
    tree: Node, resolve: Callable[[Ref], Value | None]
) -> None:
    """The interval-only short cut agrees with full evaluation: True only where evaluation
    holds, a Ref only where it is not applicable for that same absent reference; False means
    "evaluate" and promises nothing."""

    def interval(ref: Ref) -> Callable[[Callable[[Ref], Value | None]], Interval | None]:
        def lookup(env: Callable[[Ref], Value | None]) -> Interval | None:
            value = env(ref)
            return None if value is None else value.interval

        return lookup

    test = interval_test(tree, interval)
    if test is None:
        return
    try:
        answer = test(resolve)
    except (Refused, ExprError):
        answer = False
    try:
        outcome = evaluate(tree, resolve)
    except (Refused, ExprError):
        assert answer is False
        return
    if answer is True:
        assert isinstance(outcome, Verdict) and outcome.holds
    elif isinstance(answer, Ref):
        assert isinstance(outcome, NotApplicable) and outcome.missing == answer


def _exact_sum(values: list[Decimal]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 100
        return sum(values, D(0))


@FUZZ
@given(AMOUNTS, st.booleans())
def test_sums_are_exact(values: list[Decimal], use_sum: bool) -> None:
    names = [f"c{i}" for i in range(len(values))]
    text = f"sum({', '.join(names)})" if use_sum else " + ".join(names)
    lookup = dict(zip(names, values, strict=True))

    def resolve(ref: Ref) -> Value:
        return Value.exact(lookup[ref.column[0]], ref.column[0])

    outcome = evaluate(parse(text), resolve)
    assert isinstance(outcome, Value)
    assert outcome.interval == Interval.exact(_exact_sum(values))
    assert outcome.value == _exact_sum(values)
    assert outcome.sources == tuple(names)


@FUZZ
@given(AMOUNTS)
def test_sums_of_literals_are_exact(values: list[Decimal]) -> None:
    outcome = evaluate(parse(" + ".join(format(v, "f") for v in values)), lambda ref: None)
    assert isinstance(outcome, Value)
    assert outcome.interval == Interval.exact(_exact_sum(values))


@FUZZ
@given(AMOUNTS)
def test_sum_of_rounded_parts_meets_their_rounded_total(values: list[Decimal]) -> None:
    """Rounding each part and the total separately is never a finding (DESIGN §3)."""
    exact = [v / 7 for v in values]  # values with more digits than are shown
    with localcontext() as ctx:
        ctx.prec = 100
        parts = [Amount(v.quantize(D("0.01")), 2) for v in exact]
        total = Amount(sum(exact, D(0)).quantize(D("0.01")), 2)
    names = [f"c{i}" for i in range(len(parts))]
    lookup = dict(zip(names, parts, strict=True))

    def resolve(ref: Ref) -> Value:
        if ref.column == ("合计",):
            return Value.of(total)
        return Value.of(lookup[ref.column[0]])

    outcome = evaluate(parse(f"合计 == sum({', '.join(names)})"), resolve)
    assert isinstance(outcome, Verdict) and outcome.holds
