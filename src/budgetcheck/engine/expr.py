"""The rule expression language: parse, print back, and evaluate over exact intervals.

Rules name tables, rows and columns by the Chinese names users see in the workbook. This module
knows nothing about documents: references are resolved through a callback the engine supplies,
so the language can be tested (and fuzzed) on its own. There is no `eval` anywhere; the text is
tokenized by hand and parsed by precedence climbing.

Grammar (EBNF; whitespace, including the full-width space, separates tokens and is otherwise
ignored; keywords and function names are case-insensitive)::

    expression = disjunction ;
    disjunction = conjunction , { "or" , conjunction } ;           (* operands: comparisons *)
    conjunction = comparison , { "and" , comparison } ;            (* operands: comparisons *)
    comparison = sum , [ compare_op , sum ] ;                      (* never chained *)
    compare_op = "==" | "!=" | "<=" | "<" | ">=" | ">" ;
    sum        = product , { ( "+" | "-" ) , product } ;
    product    = unary , { ( "*" | "/" ) , unary } ;
    unary      = { "-" } , primary ;
    primary    = number | "(" , expression , ")" | call | reference ;
    call       = function , "(" , expression , { "," , expression } , ")" ;
    function   = "sum" | "abs" | "min" | "max" | "round" ;
    reference  = [ "?" ] , head , [ "[" , selector , "]" ] , { "." , segment } ;
    head       = name - keyword | quoted ;
    selector   = name | number | quoted ;          (* kept as written: [2010301] is "2010301" *)
    segment    = name | digits | quoted ;
    number     = digits , [ "." , digits ] ;
    digits     = digit , { digit } ;                (* ASCII 0-9 *)
    name       = name_char , { name_char } - digits ;
    quoted     = '"' , { any char but '"' or '\\' | '\\"' | '\\\\' } , '"'
               | "「" , { any char but "」" } , "」" ;   (* never empty *)
    keyword    = "and" | "or" ;

`name_char` is an ASCII letter or digit, `_`, `%`, `:`, or any non-ASCII letter, mark, number,
punctuation or symbol (CJK, （）“”《》、： …) except 「」 and the full-width look-alikes of the
operators (＋－＊／＝＜＞！？［］，．), which are rejected with a hint because an IME slips them in.

A reference is one flattened `Ref(table, row, column, optional)`:

- `a` and `a.b.c` are column paths in the current context: Ref(None, None, ("a", "b", "c")).
- A name is a table only when `[` follows it: `T[r].c` is Ref("T", "r", ("c",)) and `T[r]` is
  Ref("T", "r", ()). There is no `T.c` form, so `a.b` is never ambiguous.
- A quoted name is one segment even when it holds "/": `"基本支出/人员经费"` is the one-segment
  path ("基本支出/人员经费",). Matching it against a header path is the engine's business.
- `?ref` marks an optional reference: when the resolver reports it absent it counts as exact 0.

Type rules are checked while parsing: operands of arithmetic, comparisons and functions are
numbers; operands of and/or are comparisons. A top-level expression may be either: a condition
(`is_condition`) evaluates to a `Verdict`, a number to a `Value`.

Limits: `MAX_LENGTH` characters of text and `MAX_DEPTH` levels of nesting, both in the parser
(parentheses) and in the tree (a long `a + b + …` chain is a deep tree: write `sum(a, b, …)`).
Every failure is an `ExprError` with a position; nothing else escapes `parse` or `evaluate`
except what the resolver itself raises.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, DecimalException
from typing import Any, Final, Generic, Literal, NamedTuple, NoReturn, TypeVar

from budgetcheck.engine.interval import (
    BLANK,
    CEILING,
    EXACT,
    FLOOR,
    HALF_UP,
    ZERO,
    Interval,
    made,
    maximum,
    minimum,
)
from budgetcheck.errors import RuleError
from budgetcheck.model import Amount

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Binary",
    "BoolOp",
    "Call",
    "Compare",
    "Comparison",
    "ExprError",
    "Node",
    "NotApplicable",
    "Number",
    "Outcome",
    "Program",
    "Ref",
    "Resolver",
    "Unary",
    "Undefined",
    "Value",
    "Verdict",
    "compile_expression",
    "evaluate",
    "interval_test",
    "is_condition",
    "parse",
    "references",
    "unparse",
]

MAX_LENGTH: Final = 10_000
MAX_DEPTH: Final = 100
ROUND_PLACES_LIMIT: Final = 20

KEYWORDS: Final = frozenset({"and", "or"})
COMPARE_OPS: Final = frozenset({"==", "!=", "<=", "<", ">=", ">"})
BINARY_OPS: Final = frozenset({"+", "-", "*", "/"})
# name -> (minimum, maximum) number of arguments; None: no maximum.
FUNCTIONS: Final[dict[str, tuple[int, int | None]]] = {
    "sum": (1, None),
    "abs": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "round": (2, 2),
}

# Binding strength for printing and precedence climbing; atoms bind tightest.
_PREC: Final[dict[str, int]] = {
    "or": 1,
    "and": 2,
    **dict.fromkeys(COMPARE_OPS, 3),
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
}
_COMPARE_PREC: Final = 3
_UNARY_PREC: Final = 6
_ATOM_PREC: Final = 7


class ExprError(RuleError):
    """A rule expression that cannot be parsed or evaluated (exit code 3).

    `position` is the 0-based offset in the text, `line` and `column` are 1-based; all three are
    None for errors found while evaluating a tree, which has no text.
    """

    def __init__(
        self,
        zh: str,
        en: str,
        position: int | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(zh, en)
        self.position = position
        self.line = line
        self.column = column


# -- the tree --------------------------------------------------------------------------------


class _Node:
    __slots__ = ()

    def __str__(self) -> str:
        return unparse(self)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Number(_Node):
    """A non-negative literal; `-5` is Unary("-", Number(5)) so that printing round-trips."""

    value: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal) or not self.value.is_finite():
            raise ValueError(f"Number needs a finite Decimal, got {self.value!r}")
        if self.value.is_signed():
            raise ValueError("Number is never negative: write Unary('-', Number(...))")


@dataclass(frozen=True, slots=True)
class Ref(_Node):
    """A reference: table and row (both or neither), then a column path."""

    table: str | None
    row: str | None
    column: tuple[str, ...]
    optional: bool = False

    def __post_init__(self) -> None:
        if (self.table is None) != (self.row is None):
            raise ValueError("a Ref names both a table and a row, or neither")
        if self.table is None and not self.column:
            raise ValueError("a Ref without a table needs a column")
        names = [n for n in (self.table, self.row) if n is not None] + list(self.column)
        if not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"Ref names must be non-empty strings: {names!r}")


@dataclass(frozen=True, slots=True)
class Unary(_Node):
    """A negated operand: -x."""

    op: Literal["-"]
    operand: Node

    def __post_init__(self) -> None:
        if self.op != "-":
            raise ValueError(f"unknown unary operator {self.op!r}")


@dataclass(frozen=True, slots=True)
class Binary(_Node):
    """An arithmetic operation: left op right."""

    op: str  # + - * /
    left: Node
    right: Node

    def __post_init__(self) -> None:
        if self.op not in BINARY_OPS:
            raise ValueError(f"unknown arithmetic operator {self.op!r}")


@dataclass(frozen=True, slots=True)
class Compare(_Node):
    """A comparison: left op right, giving true or false."""

    op: str  # == != <= < >= >
    left: Node
    right: Node

    def __post_init__(self) -> None:
        if self.op not in COMPARE_OPS:
            raise ValueError(f"unknown comparison {self.op!r}")


@dataclass(frozen=True, slots=True)
class BoolOp(_Node):
    """`and` or `or` over two or more conditions."""

    op: str  # and / or
    items: tuple[Node, ...]

    def __post_init__(self) -> None:
        if self.op not in KEYWORDS:
            raise ValueError(f"unknown boolean operator {self.op!r}")
        if len(self.items) < 2:
            raise ValueError("a BoolOp joins at least two items")


@dataclass(frozen=True, slots=True)
class Call(_Node):
    """A function call: sum, abs, min, max or round."""

    name: str  # lower case, one of FUNCTIONS
    args: tuple[Node, ...]


Node = Number | Ref | Unary | Binary | Compare | BoolOp | Call


def is_condition(node: Node) -> bool:
    """True for comparisons and and/or: what evaluates to a Verdict rather than a Value."""
    return isinstance(node, Compare | BoolOp)


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary | Compare):
        return (node.left, node.right)
    if isinstance(node, BoolOp):
        return node.items
    if isinstance(node, Call):
        return node.args
    return ()


def references(node: Node) -> list[Ref]:
    """Every distinct reference, in order of first appearance (to validate a rule up front)."""
    found: dict[Ref, None] = {}
    # An explicit stack: trees built by hand may be deeper than the parser allows.
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Ref):
            found.setdefault(current)
        else:
            stack.extend(reversed(_children(current)))
    return list(found)


# -- errors with a position ------------------------------------------------------------------


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else " " for c in text)


def _excerpt(text: str, pos: int) -> str:
    """The text around `pos` with a caret, short enough for a one-line message."""
    before = text[max(0, pos - 24) : pos]
    after = text[pos : pos + 16]
    if pos > 24:
        before = "…" + before
    if pos + 16 < len(text):
        after += "…"
    return _printable(before) + "‸" + _printable(after)


def _error(text: str, pos: int, zh: str, en: str) -> ExprError:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    where_en = f"column {column}" if line == 1 else f"line {line}, column {column}"
    where_zh = f"第 {column} 列" if line == 1 else f"第 {line} 行第 {column} 列"
    excerpt = _excerpt(text, pos)
    return ExprError(
        f"表达式{where_zh}有误：{zh}（{excerpt}）",
        f"Expression error at {where_en}: {en} ({excerpt})",
        position=pos,
        line=line,
        column=column,
    )


def _too_deep_messages() -> tuple[str, str]:
    return (
        f"表达式嵌套超过 {MAX_DEPTH} 层；较长的求和请写成 sum(a, b, …)",
        f"expression nested more than {MAX_DEPTH} levels deep; write long sums as sum(a, b, …)",
    )


# -- tokens ----------------------------------------------------------------------------------

TokenKind = Literal["name", "quoted", "number", "op", "end"]


class Token:
    # A plain class: the parser's own, never compared or printed, and a dataclass costs about
    # half a millisecond to create when the module is imported.
    __slots__ = ("kind", "start", "text")

    def __init__(self, kind: TokenKind, text: str, start: int) -> None:
        self.kind = kind
        self.text = text  # the name without quotes, the number as written, or the operator
        self.start = start


_DIGITS: Final = frozenset("0123456789")
_TWO_CHAR_OPS: Final = ("==", "!=", "<=", ">=")
_ONE_CHAR_OPS: Final = frozenset("+-*/()[].,?<>")
_NAME_ASCII_EXTRA: Final = frozenset("_%:")
_CONFUSABLES: Final = {
    "＋": "+",
    "－": "-",
    "＊": "*",
    "／": "/",
    "＝": "=",
    "＜": "<",
    "＞": ">",
    "！": "!",
    "？": "?",
    "［": "[",
    "］": "]",
    "，": ",",
    "．": ".",
}


def _is_name_char(ch: str) -> bool:
    if ch.isascii():
        return ch.isalnum() or ch in _NAME_ASCII_EXTRA
    if ch in _CONFUSABLES or ch in "「」":
        return False
    # Letters, marks, numbers, punctuation, symbols; not spaces, controls or unassigned.
    return unicodedata.category(ch)[0] in "LMNPS"


def _all_digits(text: str) -> bool:
    return bool(text) and all(c in _DIGITS for c in text)


class _Lexer:
    def __init__(self, text: str, *, after_dot: bool = False) -> None:
        self.text = text
        self.pos = 0
        # After "." a run of digits is a column name (T[r].2024), not a number.
        self.after_dot = after_dot

    def tokens(self) -> list[Token]:
        found: list[Token] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch.isspace():
                self.pos += 1
                continue
            token = self._token(ch)
            self.after_dot = token.kind == "op" and token.text == "."
            found.append(token)
        found.append(Token("end", "", len(self.text)))
        return found

    def _token(self, ch: str) -> Token:
        start = self.pos
        if ch == '"':
            return self._quoted()
        if ch == "「":
            return self._corner_quoted()
        pair = self.text[start : start + 2]
        if pair in _TWO_CHAR_OPS:
            self.pos += 2
            return Token("op", pair, start)
        if ch in _ONE_CHAR_OPS:
            self.pos += 1
            return Token("op", ch, start)
        if _is_name_char(ch):
            return self._word()
        raise self._bad_char(ch)

    def _error(self, pos: int, zh: str, en: str) -> ExprError:
        return _error(self.text, pos, zh, en)

    def _named(self, name: str, start: int) -> Token:
        if not name:
            raise self._error(start, "引号中的名称不能为空", "a quoted name cannot be empty")
        return Token("quoted", name, start)

    def _quoted(self) -> Token:
        start = self.pos
        chars: list[str] = []
        i = start + 1
        while i < len(self.text):
            ch = self.text[i]
            if ch == '"':
                self.pos = i + 1
                return self._named("".join(chars), start)
            if ch == "\\":
                escaped = self.text[i + 1 : i + 2]
                if escaped not in ('"', "\\"):
                    raise self._error(
                        i,
                        '引号中的“\\”后只能跟“"”或“\\”',
                        "in a quoted name '\\' must be followed by '\"' or '\\'",
                    )
                chars.append(escaped)
                i += 2
                continue
            chars.append(ch)
            i += 1
        raise self._error(start, "引号没有闭合", "the quoted name has no closing '\"'")

    def _corner_quoted(self) -> Token:
        start = self.pos
        end = self.text.find("」", start + 1)
        if end < 0:
            raise self._error(start, "“「”没有对应的“」”", "'「' has no closing '」'")
        self.pos = end + 1
        return self._named(self.text[start + 1 : end], start)

    def _scan(self, start: int) -> int:
        end = start
        while end < len(self.text) and _is_name_char(self.text[end]):
            end += 1
        return end

    def _word(self) -> Token:
        start = self.pos
        end = self._scan(start)
        self.pos = end
        word = self.text[start:end]
        if self.after_dot or not _all_digits(word):
            return Token("name", word, start)
        if self.text[end : end + 1] == "." and self.text[end + 1 : end + 2] in _DIGITS:
            frac_end = self._scan(end + 1)
            if not _all_digits(self.text[end + 1 : frac_end]):
                raise self._error(
                    start,
                    f"数字格式有误：{self.text[start:frac_end]}",
                    f"malformed number {self.text[start:frac_end]!r}",
                )
            self.pos = frac_end
            return Token("number", self.text[start:frac_end], start)
        return Token("number", word, start)

    def _bad_char(self, ch: str) -> ExprError:
        pos = self.pos
        if ch == "=":
            return self._error(
                pos,
                "单独的“=”不是运算符，比较相等请用“==”",
                "'=' alone is not an operator; compare with '=='",
            )
        if ch == "!":
            return self._error(pos, "“!”后应为“=”", "'!' must be followed by '='")
        if ch == "」":
            return self._error(pos, "“」”前没有“「”", "'」' has no opening '「'")
        if ch in _CONFUSABLES:
            ascii_op = _CONFUSABLES[ch]
            return self._error(
                pos,
                f"全角“{ch}”不是运算符：请写“{ascii_op}”；如果它属于名称，请给名称加引号",
                f"full-width '{ch}' is not an operator: write '{ascii_op}', "
                "or quote the name it belongs to",
            )
        shown = f"“{ch}”" if ch.isprintable() else ""
        return self._error(
            pos,
            f"无法识别的字符{shown}（U+{ord(ch):04X}）；含有此字符的名称请加引号",
            f"unexpected character {shown or ''}(U+{ord(ch):04X}); quote names that contain it",
        )


# -- parsing ---------------------------------------------------------------------------------


class _Parsed:
    __slots__ = ("depth", "node", "start")  # a plain class, as Token

    def __init__(self, node: Node, start: int, depth: int) -> None:
        self.node = node
        self.start = start  # where its text begins, for errors about it as an operand
        self.depth = depth  # height of the tree, bounded so walking it cannot exhaust the stack


def _describe(token: Token) -> tuple[str, str]:
    text = token.text if len(token.text) <= 30 else token.text[:30] + "…"
    text = _printable(text)
    if token.kind == "end":
        return "表达式结尾", "the end of the expression"
    if token.kind == "op":
        return f"“{text}”", f"'{text}'"
    if token.kind == "number":
        return f"数字 {text}", f"number {text}"
    if token.kind == "name" and token.text.lower() in KEYWORDS:
        return f"关键字“{text}”", f"keyword '{text}'"
    return f"名称“{text}”", f"name '{text}'"


_VALUE_ZH: Final = "数值（数字、名称、“(”或“-”）"
_VALUE_EN: Final = "a value (a number, a name, '(' or '-')"


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.nesting = 0  # active precedence-climbing frames: bounds Python recursion

    # token helpers

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != "end":
            self.i += 1
        return token

    def at(self, op: str) -> bool:
        return self.tok.kind == "op" and self.tok.text == op

    def operator(self) -> str | None:
        """The binary operator or keyword at the current token, normalised."""
        token = self.tok
        if token.kind == "op" and token.text in _PREC:
            return token.text
        if token.kind == "name" and token.text.lower() in KEYWORDS:
            return token.text.lower()
        return None

    def error(self, pos: int, zh: str, en: str) -> ExprError:
        return _error(self.text, pos, zh, en)

    def unexpected(self, zh_expected: str, en_expected: str) -> ExprError:
        zh_found, en_found = _describe(self.tok)
        return self.error(
            self.tok.start,
            f"应为{zh_expected}，实际为{zh_found}",
            f"expected {en_expected}, found {en_found}",
        )

    def expect(self, op: str, zh_expected: str, en_expected: str) -> Token:
        if not self.at(op):
            raise self.unexpected(zh_expected, en_expected)
        return self.advance()

    def make(self, node: Node, start: int, depth: int) -> _Parsed:
        if depth > MAX_DEPTH:
            raise self.error(start, *_too_deep_messages())
        return _Parsed(node, start, depth)

    # type checks

    def numeric(self, operand: _Parsed, symbol: str) -> Node:
        if is_condition(operand.node):
            raise self.error(
                operand.start,
                f"“{symbol}”的运算对象应为数值，这里却是比较式",
                f"'{symbol}' needs a number here, not a comparison",
            )
        return operand.node

    def condition(self, operand: _Parsed, keyword: str) -> Node:
        if not is_condition(operand.node):
            raise self.error(
                operand.start,
                f"“{keyword}”连接的应是比较式（如 x != 0），这里却是数值",
                f"'{keyword}' joins comparisons (such as x != 0), not numbers",
            )
        return operand.node

    # grammar

    def parse(self) -> Node:
        result = self.expression(0)
        if self.tok.kind != "end":
            raise self.unexpected("运算符或表达式结尾", "an operator or the end of the expression")
        return result.node

    def expression(self, min_prec: int) -> _Parsed:
        """Precedence climbing: operators binding at least as tight as `min_prec`."""
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise self.error(self.tok.start, *_too_deep_messages())
        left = self.unary()
        while (op := self.operator()) is not None and _PREC[op] >= min_prec:
            left = self.boolop(op, left) if op in KEYWORDS else self.infix(op, left)
        self.nesting -= 1
        return left

    def infix(self, op: str, left: _Parsed) -> _Parsed:
        self.advance()
        right = self.expression(_PREC[op] + 1)
        depth = max(left.depth, right.depth) + 1
        if _PREC[op] != _COMPARE_PREC:
            node: Node = Binary(op, self.numeric(left, op), self.numeric(right, op))
            return self.make(node, left.start, depth)
        compare = Compare(op, self.numeric(left, op), self.numeric(right, op))
        if self.operator() in COMPARE_OPS:
            raise self.error(
                self.tok.start,
                "比较不能连写（如 a < b < c），请用 and 连接两个比较",
                "comparisons cannot be chained (a < b < c); join two comparisons with 'and'",
            )
        return self.make(compare, left.start, depth)

    def boolop(self, keyword: str, first: _Parsed) -> _Parsed:
        items = [first]
        while self.operator() == keyword:
            self.advance()
            items.append(self.expression(_PREC[keyword] + 1))
        node = BoolOp(keyword, tuple(self.condition(item, keyword) for item in items))
        return self.make(node, first.start, max(item.depth for item in items) + 1)

    def unary(self) -> _Parsed:
        # Iterative so that a run of minus signs costs no stack; the tree depth bounds it.
        signs: list[Token] = []
        while self.at("-"):
            signs.append(self.advance())
        result = self.primary()
        for sign in reversed(signs):
            operand = self.numeric(result, "-")
            result = self.make(Unary("-", operand), sign.start, result.depth + 1)
        return result

    def primary(self) -> _Parsed:
        token = self.tok
        if token.kind == "number":
            self.advance()
            return _Parsed(Number(Decimal(token.text)), token.start, 1)
        if self.at("("):
            self.advance()
            inner = self.expression(0)
            self.expect(")", "“)”", "')'")
            return _Parsed(inner.node, token.start, inner.depth)
        if self.at("?"):
            self.advance()
            return self.reference(token.start, optional=True)
        if token.kind == "name" and token.text.lower() in KEYWORDS:
            raise self.unexpected(_VALUE_ZH, _VALUE_EN)
        following = self.tokens[self.i + 1] if token.kind == "name" else None
        if following is not None and following.kind == "op" and following.text == "(":
            return self.call()
        if token.kind in ("name", "quoted"):
            return self.reference(token.start, optional=False)
        raise self.unexpected(_VALUE_ZH, _VALUE_EN)

    def head(self) -> str:
        token = self.tok
        if token.kind == "quoted" or (token.kind == "name" and token.text.lower() not in KEYWORDS):
            self.advance()
            return token.text
        raise self.unexpected("名称", "a name")

    def reference(self, start: int, *, optional: bool) -> _Parsed:
        head = self.head()
        table: str | None = None
        row: str | None = None
        column: list[str] = []
        if self.at("["):
            self.advance()
            table, row = head, self.selector()
            self.expect("]", "“]”", "']'")
        else:
            column.append(head)
        while self.at("."):
            self.advance()
            if self.tok.kind not in ("name", "quoted"):
                raise self.unexpected("列名称", "a column name")
            column.append(self.advance().text)
        return _Parsed(Ref(table, row, tuple(column), optional), start, 1)

    def selector(self) -> str:
        if self.tok.kind in ("name", "quoted", "number"):
            return self.advance().text
        raise self.unexpected("行名称、编码或带引号的名称", "a row name, a code or a quoted name")

    def call(self) -> _Parsed:
        name_token = self.advance()
        name = name_token.text.lower()
        if name not in FUNCTIONS:
            raise self.error(name_token.start, *_unknown_function(name_token.text))
        self.advance()  # "("
        args: list[_Parsed] = []
        if not self.at(")"):
            args.append(self.expression(0))
            while self.at(","):
                self.advance()
                args.append(self.expression(0))
        self.expect(")", "“)”或“,”", "')' or ','")
        node = Call(name, tuple(self.numeric(a, f"{name}()") for a in args))
        problem = _call_problem(node)
        if problem is not None:
            pos = args[1].start if name == "round" and len(args) == 2 else name_token.start
            raise self.error(pos, *problem)
        depth = max((a.depth for a in args), default=0) + 1
        return self.make(node, name_token.start, depth)


def _unknown_function(name: str) -> tuple[str, str]:
    known = ", ".join(sorted(FUNCTIONS))
    hint_zh = hint_en = ""
    if not name.isascii():
        hint_zh = "；名称后紧跟半角“(”会被当作函数调用，名称中的括号请用全角（）或给名称加引号"
        hint_en = (
            "; a name followed by an ASCII '(' is read as a function call: "
            "use full-width （） in names, or quote them"
        )
    return (
        f"未知函数“{name}”（可用：{known}）{hint_zh}",
        f"unknown function '{name}' (known: {known}){hint_en}",
    )


def _round_places(node: Node) -> int | None:
    """The places of round(x, n): n must be a whole-number literal, optionally negated."""
    sign = 1
    if isinstance(node, Unary):
        sign, node = -1, node.operand
    if not isinstance(node, Number) or node.value != node.value.to_integral_value():
        return None
    if node.value > ROUND_PLACES_LIMIT:
        return None
    return sign * int(node.value)


def _call_problem(node: Call) -> tuple[str, str] | None:
    """Why a call is malformed (unknown, wrong arity, bad round places), or None."""
    spec = FUNCTIONS.get(node.name)
    if spec is None:
        return _unknown_function(node.name)
    low, high = spec
    count = len(node.args)
    if count < low or (high is not None and count > high):
        wanted = str(low) if low == high else f"≥{low}"
        return (
            f"{node.name}() 需要 {wanted} 个参数，实际为 {count} 个",
            f"{node.name}() takes {wanted} argument(s), got {count}",
        )
    if node.name == "round" and _round_places(node.args[1]) is None:
        limit = ROUND_PLACES_LIMIT
        return (
            f"round() 的第二个参数应为 -{limit} 到 {limit} 之间的整数",
            f"round() needs a whole number from -{limit} to {limit} as its second argument",
        )
    return None


def parse(text: str) -> Node:
    """Parse an expression; raise ExprError (with line and column) when it is not one."""
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"表达式过长（{len(text)} 个字符，上限 {MAX_LENGTH}）",
            f"expression too long ({len(text)} characters; the limit is {MAX_LENGTH})",
        )
    tokens = _Lexer(text).tokens()
    return _Parser(text, tokens).parse()


# -- printing --------------------------------------------------------------------------------

NamePosition = Literal["head", "selector", "segment"]


def _is_bare(name: str, position: NamePosition) -> bool:
    """Whether `name` reads back as itself without quotes; asks the lexer, so they agree."""
    try:
        tokens = _Lexer(name, after_dot=position == "segment").tokens()
    except ExprError:
        return False
    if len(tokens) != 2 or tokens[0].text != name:
        return False
    kind = tokens[0].kind
    if kind == "name":
        return position != "head" or name.lower() not in KEYWORDS
    return kind == "number" and position == "selector"


def _name_text(name: str, position: NamePosition) -> str:
    if _is_bare(name, position):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ref_text(ref: Ref) -> str:
    text = "?" if ref.optional else ""
    segments = ref.column
    if ref.table is not None and ref.row is not None:
        text += _name_text(ref.table, "head") + "[" + _name_text(ref.row, "selector") + "]"
    else:
        text += _name_text(segments[0], "head")
        segments = segments[1:]
    return text + "".join("." + _name_text(s, "segment") for s in segments)


def _precedence(node: Node) -> int:
    if isinstance(node, Unary):
        return _UNARY_PREC
    if isinstance(node, Binary | Compare | BoolOp):
        return _PREC[node.op]
    return _ATOM_PREC


def unparse(node: Node) -> str:
    """Canonical text for a tree; `parse(unparse(t)) == t` for every well-typed tree."""
    return _unparse(node, 1)


def _wrapped(node: Node, depth: int, wrap: bool) -> str:
    text = _unparse(node, depth + 1)
    return f"({text})" if wrap else text


def _unparse(node: Node, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise ExprError(*_too_deep_messages())
    if isinstance(node, Number):
        return format(node.value, "f")  # never exponent notation, which the lexer rejects
    if isinstance(node, Ref):
        return _ref_text(node)
    if isinstance(node, Unary):
        return "-" + _wrapped(node.operand, depth, _precedence(node.operand) < _UNARY_PREC)
    if isinstance(node, Binary):
        prec = _PREC[node.op]
        # Left-associative: an equal-precedence right operand needs parentheses to stay put.
        left = _wrapped(node.left, depth, _precedence(node.left) < prec)
        right = _wrapped(node.right, depth, _precedence(node.right) <= prec)
        return f"{left} {node.op} {right}"
    if isinstance(node, Compare):
        left = _wrapped(node.left, depth, _precedence(node.left) <= _COMPARE_PREC)
        right = _wrapped(node.right, depth, _precedence(node.right) <= _COMPARE_PREC)
        return f"{left} {node.op} {right}"
    if isinstance(node, BoolOp):
        # Nested and/or always get parentheses: clearer than relying on precedence.
        items = (_wrapped(i, depth, isinstance(i, BoolOp)) for i in node.items)
        return f" {node.op} ".join(items)
    if isinstance(node, Call):
        return f"{node.name}({', '.join(_unparse(a, depth + 1) for a in node.args)})"
    raise TypeError(f"not an expression node: {node!r}")


# -- evaluation ------------------------------------------------------------------------------


def _merge(*groups: Sequence[object]) -> tuple[object, ...]:
    """Concatenate source cells, dropping repeats (a + a lists its cell once)."""
    if len(groups) == 2 and not groups[1] and len(groups[0]) < 2:
        return tuple(groups[0])  # `a + ?absent`: nothing to merge
    try:
        # Equal sources hash alike, so a dict keeps the first of each, as the scan below does.
        return tuple(dict.fromkeys(itertools.chain.from_iterable(groups)))
    except TypeError:
        pass  # a resolver's own sources need not be hashable
    merged: list[object] = []
    for group in groups:
        for source in group:
            if not any(source is seen or source == seen for seen in merged):
                merged.append(source)
    return tuple(merged)


# The evaluation results below are NamedTuples rather than frozen dataclasses: every row of
# every rule makes several, and a NamedTuple is cheaper both to make and to define at import.
# Being tuples, they compare equal to plain tuples of the same fields; nothing relies on that.


class Value(NamedTuple):
    """A number under evaluation: its interval, its stated value, and the cells behind it.

    The resolver returns these. `stated` defaults to the interval's midpoint, which for an
    Amount is the value as written; arithmetic carries it exactly for strict comparisons and
    for "should be" figures in findings.
    """

    interval: Interval
    sources: tuple[object, ...] = ()
    stated: Decimal | None = None

    @property
    def value(self) -> Decimal:
        return self.interval.midpoint if self.stated is None else self.stated

    @classmethod
    def of(cls, amount: Amount, *sources: object) -> Value:
        return cls(Interval.from_amount(amount), sources, amount.value)

    @classmethod
    def exact(cls, value: Decimal | int, *sources: object) -> Value:
        return cls(Interval.exact(value), sources, Decimal(value))


class Comparison(NamedTuple):
    """One comparison as evaluated: both sides, whether it holds, and by how much it misses."""

    expression: Compare
    holds: bool
    left: Value
    right: Value
    difference: Decimal  # left.value - right.value (stated values)

    @property
    def sources(self) -> tuple[object, ...]:
        return _merge(self.left.sources, self.right.sources)


class Verdict(NamedTuple):
    """The outcome of a condition: whether it holds and every comparison evaluated, in order."""

    holds: bool
    comparisons: tuple[Comparison, ...]

    @property
    def failing(self) -> Comparison | None:
        """The first comparison that does not hold, when the condition as a whole fails."""
        if self.holds:
            return None
        return next((c for c in self.comparisons if not c.holds), None)

    @property
    def comparison(self) -> Comparison:
        """The comparison to report: the first failing one, else the first one."""
        return self.failing or self.comparisons[0]

    @property
    def sources(self) -> tuple[object, ...]:
        return _merge(*(c.sources for c in self.comparisons))


class NotApplicable(NamedTuple):
    """A required reference is absent from the document: the rule does not apply here."""

    missing: Ref


class Undefined(NamedTuple):
    """A division by an amount that may be zero: the value cannot be known from the document."""

    expression: Node


Outcome = Verdict | Value | NotApplicable | Undefined
Resolver = Callable[[Ref], Value | None]

_ZERO: Final = Value(Interval.exact(0), (), Decimal(0))


class _Missing(Exception):
    def __init__(self, ref: Ref) -> None:
        super().__init__(ref)
        self.ref = ref


class _Undefined(Exception):
    def __init__(self, node: Node) -> None:
        super().__init__(node)
        self.node = node


def _short(node: Node) -> str:
    text = unparse(node)
    return text if len(text) <= 60 else text[:60] + "…"


def _out_of_range(node: Node) -> ExprError:
    return ExprError(
        f"数值超出可计算范围：{_short(node)}", f"number out of range in {_short(node)}"
    )


def _holds(op: str, left: Value, right: Value, strict: bool) -> bool:
    if strict:
        a, b = left.value, right.value
        return {
            "==": a == b,
            "!=": a != b,
            "<=": a <= b,
            "<": a < b,
            ">=": a >= b,
            ">": a > b,
        }[op]
    # "Could the true values satisfy it?" Rounding hides where in its interval each value is.
    x, y = left.interval, right.interval
    return {
        "==": x.intersects(y),
        "!=": not x.intersects(y),
        "<=": x.low <= y.high,
        "<": x.low < y.high,
        ">=": x.high >= y.low,
        ">": x.high > y.low,
    }[op]


# The same tests as `_holds` without strict, one function per operator so that a comparison
# compiled once does not build the table of all six on every row. Interval ends are finite, so
# none of these can raise.
_LOOSE: Final[dict[str, Callable[[Interval, Interval], bool]]] = {
    "==": lambda x, y: x.low <= y.high and y.low <= x.high,
    "!=": lambda x, y: not (x.low <= y.high and y.low <= x.high),
    "<=": lambda x, y: x.low <= y.high,
    "<": lambda x, y: x.low < y.high,
    ">=": lambda x, y: x.high >= y.low,
    ">": lambda x, y: x.high > y.low,
}


# -- compiling -------------------------------------------------------------------------------
#
# A rule's expression is evaluated on every row of every document, so it is turned once into
# nested closures: the type checks, depth checks, operator choice and reference binding are done
# when compiling, and evaluating is only calls. A malformed part of a hand-built tree compiles
# to a closure that raises when evaluation reaches it, so errors, and which of an error or an
# absent reference comes first, are as if the tree were walked.

E = TypeVar("E")  # what a compiled expression is run on: the resolver's state for one row
Lookup = Callable[[E], "Value | None"]
_Number = Callable[[E], Value]
_Condition = Callable[[E, bool, list[Comparison]], bool]


def _failing(messages: Callable[[], tuple[str, str]]) -> Callable[..., NoReturn]:
    """A closure raising the ExprError of `messages` (worded only when it is raised)."""

    def fail(*_: object) -> NoReturn:
        raise ExprError(*messages())

    return fail


def _sum_of(x: Value, y: Value) -> tuple[Interval, Decimal] | None:
    return x.interval + y.interval, EXACT.add(x.value, y.value)


def _difference_of(x: Value, y: Value) -> tuple[Interval, Decimal] | None:
    return x.interval - y.interval, EXACT.subtract(x.value, y.value)


def _product_of(x: Value, y: Value) -> tuple[Interval, Decimal] | None:
    return x.interval * y.interval, EXACT.multiply(x.value, y.value)


def _quotient_of(x: Value, y: Value) -> tuple[Interval, Decimal] | None:
    """None when the divisor may be zero."""
    a, b = x.value, y.value
    quotient = x.interval / y.interval
    if quotient is None or b == 0:
        return None
    return quotient, EXACT.divide(a, b)


_ARITHMETIC: Final = {"+": _sum_of, "-": _difference_of, "*": _product_of, "/": _quotient_of}


def _function_of(name: str, values: list[Value], sources: tuple[object, ...]) -> Value:
    intervals = [v.interval for v in values]
    stated = [v.value for v in values]
    if name == "abs":
        return Value(abs(intervals[0]), sources, EXACT.abs(stated[0]))
    if name == "min":
        return Value(minimum(*intervals), sources, min(stated))
    if name == "max":
        return Value(maximum(*intervals), sources, max(stated))
    interval, total = intervals[0], stated[0]
    for more, value in zip(intervals[1:], stated[1:], strict=True):
        interval, total = interval + more, EXACT.add(total, value)
    return Value(interval, sources, total)


def _additive_spine(node: Binary, depth: int) -> tuple[list[Binary], Node]:
    """The Binary + and - nodes of a left-leaning run, from the top down (as deep as the depth
    limit allows), and the leftmost operand under them."""
    spine: list[Binary] = []
    current: Node = node
    while (
        isinstance(current, Binary) and current.op in ("+", "-") and depth + len(spine) <= MAX_DEPTH
    ):
        spine.append(current)
        current = current.left
    return spine, current


class _Compiler(Generic[E]):
    def __init__(self, bind: Callable[[Ref], Lookup[E]]) -> None:
        self.bind = bind

    def number(self, node: Node, depth: int) -> _Number[E]:
        if depth > MAX_DEPTH:
            return _failing(_too_deep_messages)
        if isinstance(node, Number):
            constant = Value(Interval.exact(node.value), (), node.value)
            return lambda env: constant
        if isinstance(node, Ref):
            return self.reference(node)
        if isinstance(node, Unary):
            return self.negation(node, depth)
        if isinstance(node, Binary):
            return self.binary(node, depth)
        if isinstance(node, Call):
            return self.call(node, depth)
        return _failing(
            lambda: (
                f"比较式不能当作数值使用：{_short(node)}",
                f"a comparison cannot be used as a number: {_short(node)}",
            )
        )

    def reference(self, ref: Ref) -> _Number[E]:
        lookup = self.bind(ref)
        optional = ref.optional

        def reference(env: E) -> Value:
            value = lookup(env)
            if value is None:
                if optional:
                    return _ZERO
                raise _Missing(ref)
            if not isinstance(value, Value):
                raise TypeError(f"the resolver must return Value or None, not {value!r}")
            return value

        return reference

    def negation(self, node: Unary, depth: int) -> _Number[E]:
        operand = self.number(node.operand, depth + 1)

        def negation(env: E) -> Value:
            value = operand(env)
            try:
                return Value(-value.interval, value.sources, EXACT.minus(value.value))
            except DecimalException as exc:
                raise _out_of_range(node) from exc

        return negation

    def binary(self, node: Binary, depth: int) -> _Number[E]:
        if node.op in ("+", "-"):
            return self.chain(node, depth)
        left = self.number(node.left, depth + 1)
        right = self.number(node.right, depth + 1)
        combine = _ARITHMETIC[node.op]

        def binary(env: E) -> Value:
            x = left(env)
            y = right(env)
            sources = _merge(x.sources, y.sources)
            try:
                result = combine(x, y)
            except DecimalException as exc:
                raise _out_of_range(node) from exc
            if result is None:
                raise _Undefined(node)
            return Value(result[0], sources, result[1])

        return binary

    def chain(self, node: Binary, depth: int) -> _Number[E]:
        """A run of + and -, `a + ?b - c + …`, evaluated in one loop.

        The parser makes it a left-leaning tree, Binary(+, Binary(-, Binary(+, a, b), c), …),
        which a loop walks without building a Value for every partial sum. Operands are still
        evaluated left to right and each step does the arithmetic `binary` would, in the same
        contexts, so results and errors are the same.
        """
        spine, current = _additive_spine(node, depth)
        first = self.number(current, depth + len(spine))
        steps = [
            (step, step.op == "+", self.number(step.right, depth + level + 1))
            for level, step in reversed(list(enumerate(spine)))
        ]

        def chain(env: E) -> Value:
            x = first(env)
            low, high = x.interval.low, x.interval.high
            stated: Decimal | None = None
            groups = [x.sources]
            for step, plus, operand in steps:
                y = operand(env)
                groups.append(y.sources)
                try:
                    a = x.value if stated is None else stated
                    if plus:
                        low = FLOOR.add(low, y.interval.low)
                        high = CEILING.add(high, y.interval.high)
                        stated = EXACT.add(a, y.value)
                    else:
                        low = FLOOR.subtract(low, y.interval.high)
                        high = CEILING.subtract(high, y.interval.low)
                        stated = EXACT.subtract(a, y.value)
                except DecimalException as exc:
                    raise _out_of_range(step) from exc
            # Sums of valid intervals in outward contexts: finite and ordered, as `made` needs.
            return Value(made(low, high), _merge(*groups), stated)

        return chain

    def call(self, node: Call, depth: int) -> _Number[E]:
        problem = _call_problem(node)
        if problem is not None:
            return _failing(lambda: problem)
        if node.name == "round":
            return self.rounding(node, depth)
        args = [self.number(a, depth + 1) for a in node.args]
        name = node.name

        def call(env: E) -> Value:
            values = [arg(env) for arg in args]
            sources = _merge(*(v.sources for v in values))
            try:
                return _function_of(name, values, sources)
            except DecimalException as exc:
                raise _out_of_range(node) from exc

        return call

    def rounding(self, node: Call, depth: int) -> _Number[E]:
        places = _round_places(node.args[1])
        assert places is not None  # checked by _call_problem
        arg = self.number(node.args[0], depth + 1)
        exponent = EXACT.scaleb(Decimal(1), -places)

        def rounding(env: E) -> Value:
            value = arg(env)
            try:
                stated = HALF_UP.quantize(value.value, exponent)
                return Value(value.interval.round_to(places), value.sources, stated)
            except DecimalException as exc:
                raise _out_of_range(node) from exc

        return rounding

    def comparison(self, node: Compare, depth: int) -> _Condition[E]:
        left = self.number(node.left, depth + 1)
        right = self.number(node.right, depth + 1)
        op = node.op
        loose = _LOOSE[op]

        def comparison(env: E, strict: bool, seen: list[Comparison]) -> bool:
            x = left(env)
            y = right(env)
            try:
                difference = EXACT.subtract(x.value, y.value)
                holds = _holds(op, x, y, True) if strict else loose(x.interval, y.interval)
            except DecimalException as exc:
                raise _out_of_range(node) from exc
            seen.append(Comparison(node, holds, x, y, difference))
            return holds

        return comparison

    def condition(self, node: Node, depth: int) -> _Condition[E]:
        if depth > MAX_DEPTH:
            return _failing(_too_deep_messages)
        if isinstance(node, Compare):
            return self.comparison(node, depth)
        if isinstance(node, BoolOp):
            items = [self.condition(item, depth + 1) for item in node.items]
            every = node.op == "and"

            def joined(env: E, strict: bool, seen: list[Comparison]) -> bool:
                # Every item is evaluated (no short cut) so the comparisons reported and the
                # references found missing do not depend on the values.
                results = [item(env, strict, seen) for item in items]
                return all(results) if every else any(results)

            return joined
        return _failing(
            lambda: (
                f"“and”/“or”连接的应是比较式，这里却是数值：{_short(node)}",
                f"'and'/'or' join comparisons, not numbers: {_short(node)}",
            )
        )


_Bounds = Callable[[E], Interval]
_Quick = Callable[[E], bool]
F = TypeVar("F")  # what an interval test runs on, which need not be what the program runs on
IntervalLookup = Callable[[F], "Interval | None"]


def interval_test(
    node: Node,
    bind: Callable[[Ref], IntervalLookup[F]],
    slot_of: Callable[[Ref], int] | None = None,
) -> Callable[[F], bool | Ref] | None:
    """The condition `node` compiled to be told from intervals alone (never strict), with each
    reference bound by `bind` to a lookup giving its interval (None: absent).

    None when the tree has a part only the full evaluation handles. The test gives True when
    the full evaluation (not strict), on an environment whose references have those
    intervals, gives a holding Verdict; a Ref when it gives NotApplicable for that reference
    (references are looked up in the same order); False: evaluate fully.

    Why a lookup of intervals rather than of Values: an engine that has every cell's interval
    at hand (a column of a table) tests its rows without making a Value for each reference.

    `slot_of`, when given, says that the environment is a sequence of intervals and that
    `bind(ref)` reads its item `slot_of(ref)`: comparisons of sums of references then read the
    items directly (`_linear_compare`), one call per comparison rather than two per reference.
    """
    quick = _interval_only(node, bind, slot_of)
    if quick is None:
        return None
    test = quick  # narrowed, for the closure

    def tested(env: F) -> bool | Ref:
        try:
            return test(env)
        except _Missing as missing:
            return missing.ref
        except DecimalException:
            return False  # the full evaluation words the error

    return tested


def _interval_only(
    node: Node,
    bind: Callable[[Ref], IntervalLookup[F]],
    slot_of: Callable[[Ref], int] | None = None,
) -> Callable[[F], bool | Ref] | None:
    """The condition `node` compiled a second time, to test intervals only; None when it has a
    part this version leaves to the full one (a number, *, /, a function but sum, a malformed
    or too deep tree).

    Why: nearly every row of every identity holds, and for such a row the full evaluation makes
    Values, merged sources, stated values, Comparisons and a Verdict only to throw them away.
    This version does only what decides the loose (not strict) comparisons: the same interval
    arithmetic, on the same references in the same order. True means the full evaluation gives
    a holding Verdict; False means "evaluate fully" (the condition fails, or arithmetic is out
    of range); an absent required reference raises _Missing, as in the full evaluation.
    """

    def number(node: Node, depth: int) -> _Bounds[F] | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, Number):
            constant = Interval.exact(node.value)
            return lambda env: constant
        if isinstance(node, Ref):
            return reference(node)
        if isinstance(node, Unary):
            return negation(number(node.operand, depth + 1))
        if isinstance(node, Binary) and node.op in ("+", "-"):
            return chain(node, depth)
        if isinstance(node, Call) and node.name == "sum" and _call_problem(node) is None:
            return total([number(a, depth + 1) for a in node.args])
        return None

    def reference(ref: Ref) -> _Bounds[F]:
        lookup = bind(ref)

        def reference(env: F) -> Interval:
            interval = lookup(env)
            if interval is None:
                if ref.optional:
                    return BLANK
                raise _Missing(ref)
            return interval

        return reference

    def negation(operand: _Bounds[F] | None) -> _Bounds[F] | None:
        if operand is None:
            return None
        negated = operand  # narrowed, for the closure
        return lambda env: -negated(env)

    def chain(node: Binary, depth: int) -> _Bounds[F] | None:
        # The run of + and - walked as `_Compiler.chain` walks it, with the same depth limit.
        spine, current = _additive_spine(node, depth)
        first = number(current, depth + len(spine))
        if first is None:
            return None
        steps: list[tuple[bool, _Bounds[F]]] = []
        for level, step in reversed(list(enumerate(spine))):
            operand = number(step.right, depth + level + 1)
            if operand is None:
                return None
            steps.append((step.op == "+", operand))
        start = first  # narrowed, for the closure

        def chain(env: F) -> Interval:
            x = start(env)
            low, high = x.low, x.high
            for plus, operand in steps:
                y = operand(env)
                if plus:
                    low, high = FLOOR.add(low, y.low), CEILING.add(high, y.high)
                else:
                    low, high = FLOOR.subtract(low, y.high), CEILING.subtract(high, y.low)
            return made(low, high)

        return chain

    def total(args: list[_Bounds[F] | None]) -> _Bounds[F] | None:
        parts = [arg for arg in args if arg is not None]
        if len(parts) < len(args):
            return None

        def total(env: F) -> Interval:
            intervals = [part(env) for part in parts]  # every argument before any arithmetic
            interval = intervals[0]
            for more in intervals[1:]:
                interval = interval + more
            return interval

        return total

    def term(node: Node, depth: int, plus: bool) -> _Term | None:
        """An operand of a sum: a reference read by slot, or else its compiled bounds."""
        if depth > MAX_DEPTH:
            return None  # as `number` gives
        if isinstance(node, Ref) and slot_of is not None:
            return (plus, slot_of(node), node, None)
        bounds = number(node, depth)
        return None if bounds is None else (plus, -1, None, bounds)

    def linear(node: Node, depth: int) -> tuple[_Term, ...] | None:
        """A side of a comparison as `number` compiles it, when it is a reference or a run of
        + and - (walked as `chain` walks it): its operands, in the order they are read."""
        if depth > MAX_DEPTH or slot_of is None:
            return None
        if isinstance(node, Ref):
            only = term(node, depth, True)
            return None if only is None else (only,)
        if not (isinstance(node, Binary) and node.op in ("+", "-")):
            return None
        spine, current = _additive_spine(node, depth)
        first = term(current, depth + len(spine), True)
        if first is None:
            return None
        terms = [first]
        for level, step in reversed(list(enumerate(spine))):
            operand = term(step.right, depth + level + 1, step.op == "+")
            if operand is None:
                return None
            terms.append(operand)
        return tuple(terms)

    def condition(node: Node, depth: int) -> _Quick[F] | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, Compare):
            left_terms = linear(node.left, depth + 1)
            right_terms = linear(node.right, depth + 1)
            if left_terms is not None and right_terms is not None:
                # The environment is a sequence of intervals (`slot_of`): a cast would cost
                # a call per row.
                compared = _raising(_linear_compare(node.op, left_terms, right_terms))
                return compared  # type: ignore[return-value]
            left, right = number(node.left, depth + 1), number(node.right, depth + 1)
            if left is None or right is None:
                return None
            loose = _LOOSE[node.op]
            return lambda env: loose(left(env), right(env))
        if isinstance(node, BoolOp):
            items = [condition(item, depth + 1) for item in node.items]
            checked = [item for item in items if item is not None]
            if len(checked) < len(items):
                return None
            every = node.op == "and"

            def joined(env: F) -> bool:
                # Every item, as in the full evaluation: an absent reference anywhere counts.
                results = [item(env) for item in checked]
                return all(results) if every else any(results)

            return joined
        return None

    if isinstance(node, Compare):
        left_terms, right_terms = linear(node.left, 2), linear(node.right, 2)
        if left_terms is not None and right_terms is not None:
            # The whole condition is one comparison of sums: an absent reference comes back as
            # its Ref, without raising (many rows lack a column).
            whole = _linear_compare(node.op, left_terms, right_terms)
            return whole  # type: ignore[return-value]
    return condition(node, 1)


# An operand of a sum of references (`_interval_only`'s `linear`): whether it is added (else
# subtracted), and either its slot in the environment with its Ref, or (slot -1) its bounds.
_Term = tuple[bool, int, "Ref | None", "_Bounds[Any] | None"]


def _ends(terms: tuple[_Term, ...], env: Sequence[Interval | None]) -> tuple[Decimal, Decimal] | None:
    """The ends of the sum of `terms`, computed as `_interval_only`'s `chain` computes them
    (the first operand's ends as they are, then each operand added or subtracted in turn),
    without making the Interval: only its ends are compared. None: a required reference is
    absent (`_absent` tells which), found without raising: many rows lack a column."""
    low = high = ZERO
    first = True
    floor, ceiling = FLOOR, CEILING  # locals: read for every operand of every row
    for plus, slot, ref, bounds in terms:
        if bounds is None:
            y = env[slot]
            if y is None:
                assert ref is not None
                if not ref.optional:
                    return None
                y = BLANK
        else:
            y = bounds(env)
        if first:
            low, high = y.low, y.high
            first = False
        elif y is BLANK:
            continue  # adding exactly 0: the sum's value stays, and only values are compared
        elif plus:
            low, high = floor.add(low, y.low), ceiling.add(high, y.high)
        else:
            low, high = floor.subtract(low, y.high), ceiling.subtract(high, y.low)
    return low, high


def _absent(terms: tuple[_Term, ...], env: Sequence[Interval | None]) -> Ref:
    """The reference `_ends` stopped at: the first required one read by slot that is absent
    (operands with bounds before it were computed, so they hold no absent reference)."""
    for _, slot, ref, bounds in terms:
        if bounds is None and env[slot] is None and ref is not None and not ref.optional:
            return ref
    raise AssertionError("no absent reference")  # pragma: no cover - `_ends` found one


def _linear_compare(
    op: str, left: tuple[_Term, ...], right: tuple[_Term, ...]
) -> Callable[[Sequence[Interval | None]], bool | Ref]:
    """A comparison of two sums of references, told from the sums' ends as `_LOOSE` tells it
    from their intervals; the left side is read before the right, as in `number`. A required
    reference read by slot that is absent comes back as its Ref (`_raising` makes it raise
    _Missing, as every part of `_interval_only` does)."""
    loose = _LOOSE[op]

    def compared(env: Sequence[Interval | None]) -> bool | Ref:
        x = _ends(left, env)
        if x is None:
            return _absent(left, env)
        y = _ends(right, env)
        if y is None:
            return _absent(right, env)
        if op == "==":
            return x[0] <= y[1] and y[0] <= x[1]
        return loose(made(*x), made(*y))

    return compared


def _raising(
    compared: Callable[[Sequence[Interval | None]], bool | Ref],
) -> Callable[[Sequence[Interval | None]], bool]:
    """`compared` as a part of a condition: an absent reference raises _Missing."""

    def part(env: Sequence[Interval | None]) -> bool:
        found = compared(env)
        if isinstance(found, Ref):
            raise _Missing(found)
        return found

    return part


class Program(Generic[E]):
    """An expression compiled once (see `compile_expression`), to run on many rows."""

    __slots__ = ("_condition", "_number", "node")

    def __init__(self, node: Node, bind: Callable[[Ref], Lookup[E]]) -> None:
        self.node = node
        compiler = _Compiler(bind)
        self._condition: _Condition[E] | None = None
        self._number: _Number[E] | None = None
        if is_condition(node):
            self._condition = compiler.condition(node, 1)
        else:
            self._number = compiler.number(node, 1)

    def __call__(self, env: E, strict: bool = False) -> Outcome:
        """What `evaluate` gives, with each reference looked up by its bound lookup on `env`."""
        try:
            if self._condition is not None:
                comparisons: list[Comparison] = []
                holds = self._condition(env, strict, comparisons)
                return Verdict(holds, tuple(comparisons))
            assert self._number is not None
            return self._number(env)
        except _Missing as missing:
            return NotApplicable(missing.ref)
        except _Undefined as undefined:
            return Undefined(undefined.node)


def compile_expression(node: Node, bind: Callable[[Ref], Lookup[E]]) -> Program[E]:
    """Compile a tree once; `bind` turns each Ref into the lookup that finds its Value.

    Running the program on `env` is `evaluate(node, lambda ref: lookup_of(ref)(env), strict)`,
    with the references bound ahead of time (an engine resolves names to tables, rows and
    columns once per rule set instead of once per row).
    """
    return Program(node, bind)


def _asking(ref: Ref) -> Lookup[Resolver]:
    return lambda resolve: resolve(ref)


def evaluate(node: Node, resolve: Resolver, strict: bool = False) -> Outcome:
    """Evaluate a tree; `resolve` maps each Ref to a Value, or None when it is absent.

    A condition gives a Verdict, a numeric expression its Value. An absent required reference
    gives NotApplicable (the first one met, left to right); a division by an interval holding
    zero gives Undefined. `strict` compares stated values exactly instead of intervals.
    Raises ExprError for malformed trees; whatever the resolver raises passes through.
    """
    return compile_expression(node, _asking)(resolve, strict)
