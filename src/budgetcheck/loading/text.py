"""Normalising the words of a table so that the same name written two ways compares equal."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from budgetcheck import regex

_WHITESPACE = regex.compile(r"[\s\u3000\u00a0\u200b]+")
_QUOTES = regex.compile(r"[“”\"'‘’「」『』]")
_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"})
_YEAR = regex.compile(r"(19|20)\d{2}\s*年度?")
# A table number is digits or one well-formed Chinese numeral (一, 十一, 二十三), never a run of
# numerals: in "表3一般公共预算支出表" and "表一一般…" the 一 after the number begins 一般.
_TABLE_NO = regex.compile(
    r"^(附)?表\s*(?:\d+|[二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])"
    r"(?:[-—－]\d+)?\s*[、.．:：]?\s*"
)
_NUMBERING = regex.compile(
    r"^(?:"
    r"(?P<cn>[一二三四五六七八九十]+)[、.．]"
    r"|[（(](?P<paren_cn>[一二三四五六七八九十]+)[）)]"
    r"|[（(](?P<paren_num>\d+)[）)]"
    r"|(?P<num>\d{1,2})(?:[、．]|\.(?!\d))"
    r")\s*"
)
_OF_WHICH = regex.compile(r"^其中\s*[:：]\s*")


def clean(text: object) -> str:
    """A cell's text with every kind of space and line break removed and brackets made full-width.

    Chinese table labels never need spaces; PDF exports and merged headers add them
    ("事业单位 经营支出", "合 计", "一般行政管理事 务").
    """
    if text is None:
        return ""
    value = str(text)
    value = _nfkc(value) if _needs_nfkc(value) else value
    value = _WHITESPACE.sub("", value)
    # What value.translate(_HALF_TO_FULL) gives (no full-width character is also a half-width
    # one), at a third of the cost: translate looks up every character of a Chinese text.
    for half, full in _HALF_TO_FULL_PAIRS:
        if half in value:
            value = value.replace(half, full)
    return value


_HALF_TO_FULL_PAIRS = tuple((chr(half), full) for half, full in _HALF_TO_FULL.items())


_FULL_WIDTH_ALNUM = regex.compile("[\uff10-\uff5a]")
_WIDE = regex.compile("[\uff01-\uff5e\u3000]")
# Full-width ASCII and the ideographic space: each one's compatibility decomposition is the one
# ASCII character it stands for.
_NARROW = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}


_NARROW_MAX_CHARS = 2000


def _nfkc(value: str) -> str:
    """unicodedata.normalize("NFKC", value), in a tenth of the time for Chinese prose.

    Writing each wide character as its ASCII character changes a text into one with the same
    NFKC form; when that text is in NFKC form already (it is, unless the text holds other
    compatibility characters or combining marks), it is the answer. Full normalisation costs
    ~6 us for a sentence of prose, which sheets of explanations hold by the dozen. Longer texts
    are normalised whole: the list of their wide characters would cost more than it saves.
    """
    if len(value) > _NARROW_MAX_CHARS:
        return unicodedata.normalize("NFKC", value)
    narrow = value
    for wide in set(_WIDE.findall(value)):
        narrow = narrow.replace(wide, _NARROW[wide])
    if unicodedata.is_normalized("NFKC", narrow):
        return narrow
    return unicodedata.normalize("NFKC", value)


def _needs_nfkc(value: str) -> bool:
    # NFKC turns full-width brackets into ASCII ones, which we undo; we want it for digits and
    # letters written full-width.
    return _FULL_WIDTH_ALNUM.search(value) is not None


def key(text: object) -> str:
    """The comparison key of a name: clean, without quote marks."""
    if isinstance(text, str):
        return _key(text)
    return _QUOTES.sub("", clean(text))


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    # Cached: the same long sentence is keyed once per finding it holds (fingerprints).
    return _QUOTES.sub("", clean(text))


# Texts up to this long are worth remembering (labels, header words, figures recur in every
# table and every workbook of a batch); longer ones are prose and would only fill the memos.
MEMO_MAX_CHARS = 64


def strip_numbering(label: str) -> tuple[str | None, str]:
    """Split "一、一般公共服务支出" into ("cn", "一般公共服务支出"); "其中：" counts as numbering too."""
    if len(label) <= MEMO_MAX_CHARS:
        return _strip_numbering_memo(label)
    return _split_numbering(label)




@lru_cache(maxsize=16384)
def _strip_numbering_memo(label: str) -> tuple[str | None, str]:
    # Every row label comes here, and the same labels recur in every table and every workbook
    # of a batch. Long texts are not kept, so the memo stays small.
    return _split_numbering(label)


def _split_numbering(label: str) -> tuple[str | None, str]:
    text = clean(label)
    kind: str | None = None
    match = _OF_WHICH.match(text)
    if match:
        kind, text = "of_which", text[match.end() :]
    match = _NUMBERING.match(text)
    if match:
        kind = next(name for name, value in match.groupdict().items() if value)
        text = text[match.end() :]
    return kind, text


def title_key(title: str) -> str:
    """A title reduced to what identifies its table: no years, table numbers, 部门/单位 words."""
    text = key(title)
    text = _YEAR.sub("", text)
    text = _TABLE_NO.sub("", text)
    _, text = strip_numbering(text)
    for word in ("预算单位", "部门", "单位"):
        text = text.replace(word, "")
    return text.rstrip("（）")


def leading_spaces(text: object) -> int:
    if not isinstance(text, str):
        return 0
    return len(text) - len(text.lstrip(" \u3000\u00a0"))
