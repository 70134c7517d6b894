"""Saying an expression the way a finance officer would read it, in Chinese or English."""

from __future__ import annotations

from budgetcheck.engine.expr import Binary, Call, Compare, Node, Number, Ref, Unary
from budgetcheck.engine.vocabulary import TEXT_TABLE
from budgetcheck.findings import Text

_RELATIONS = {
    "==": ("应等于", "should equal"),
    "!=": ("不应等于", "should differ from"),
    "<=": ("不应大于", "should not exceed"),
    "<": ("应小于", "should be less than"),
    ">=": ("不应小于", "should be at least"),
    ">": ("应大于", "should exceed"),
}
CURRENT_ROW = "本行"


def describe(comparison: Compare) -> Text:
    zh_rel, en_rel = _RELATIONS[comparison.op]
    left, right = comparison.left, comparison.right
    return Text(
        f"{_say(left, 'zh')}{zh_rel}{_say(right, 'zh')}",
        f"{_say(left, 'en')} {en_rel} {_say(right, 'en')}",
    )


def _say(node: Node, lang: str) -> str:
    if isinstance(node, Number):
        return str(node.value)
    if isinstance(node, Ref):
        return _reference(node, lang)
    if isinstance(node, Unary):
        return f"-{_say(node.operand, lang)}"
    if isinstance(node, Binary):
        return f"{_say(node.left, lang)} {node.op} {_say(node.right, lang)}"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(_say(a, lang) for a in node.args)})"
    return str(node)


def _reference(ref: Ref, lang: str) -> str:
    column = "/".join(ref.column)
    if ref.table is None:
        return column
    if ref.table == TEXT_TABLE:
        return f"说明文字中的{ref.row}" if lang == "zh" else f"{ref.row} in the text"
    if ref.row is None or ref.row == CURRENT_ROW:
        row = ""
    else:
        row = f"“{ref.row}”" + ("行" if lang == "zh" else " row")
    if lang == "zh":
        return f"{ref.table}{row}" + (f"的{column}" if column else "")
    return f"{ref.table} {row}".strip() + (f" {column}" if column else "")
