"""Who published the document, for which year, and what kind of document it is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from budgetcheck import regex
from budgetcheck.loading.grid import Grid
from budgetcheck.loading.text import clean
from budgetcheck.model import Metadata, Table

_ORG_LINE = regex.compile(r"^(?:编制|预算主管|主管|预算)?(部门|单位)(?:名称)?[:：](.+)$")
_DOC_TYPE = regex.compile(r"(部门|单位)(预算|决算)")
_YEAR = regex.compile(r"((?:19|20)\d{2})\s*年")
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_CN_YEAR = regex.compile(r"([〇零一二三四五六七八九]{4})\s*年")
_ORG_SUFFIX = regex.compile(r"(局|委员会|委|办公室|中心|院|所|学校|政府|站|队|馆|会|部|厅|处|署|社|团|协会|法院|检察院)$")
_PLACEHOLDER = regex.compile(r"XX|xx|某某")
_YEAR_WORD = regex.compile(r"(?:19|20)\d{2}年")
_UNITS = {"元", "千元", "万元", "亿元"}


def read_metadata(grids: list[Grid], tables: list[Table], cover_names: set[str]) -> Metadata:
    meta = Metadata()
    # The texts of the first rows of every sheet: the document type looks at the first 50, the
    # organisation line at those naming a 部门 or a 单位 (few do; it is often on no sheet).
    first = _leading_texts(grids, 50)
    cover_texts = [
        text for grid in grids if grid.sheet in cover_names for text in _first_texts(grid)
    ]
    meta.organisation = _organisation(_org_candidates(grids), cover_texts)
    meta.year = _year(cover_texts + [t.title for t in tables])
    doc = _doc_type(cover_texts + [t.title for t in tables] + first)
    if doc:
        meta.level, kind = doc
        meta.doc_type = meta.level + kind
    return meta


def _first_texts(grid: Grid, limit: int = 12) -> list[str]:
    return [text for cells in grid.text_rows[:limit] for _, text in cells]


def _leading_texts(grids: list[Grid], count: int) -> list[str]:
    """The first `count` texts of the grids' first rows (_first_texts), in order."""
    found: list[str] = []
    for grid in grids:
        found.extend(_first_texts(grid))
        if len(found) >= count:
            break
    return found[:count]


def _org_candidates(grids: list[Grid]) -> list[str]:
    """The texts of the grids' first rows (_first_texts), in order, that name a 部门 or a 单位:
    every organisation line does, so the others need not be looked at."""
    return [text for grid in grids for text in _first_texts(grid) if "部门" in text or "单位" in text]


def _organisation(texts: Iterable[str], cover: list[str]) -> str | None:
    for text in texts:
        # The line names a 部门 or a 单位: most texts are ruled out without a search.
        match = _ORG_LINE.match(text) if "部门" in text or "单位" in text else None
        name = match.group(2).split("单位")[0].strip("：: ") if match else ""
        if name and not _PLACEHOLDER.search(name) and name not in _UNITS:
            return name
    for text in cover:
        name = _YEAR_WORD.split(text)[0]
        if 2 < len(name) <= 40 and _ORG_SUFFIX.search(name) and not _PLACEHOLDER.search(name):
            return name
    return None


def _year(texts: list[str]) -> int | None:
    years: Counter[int] = Counter()
    for text in texts:
        # Both patterns need a 年, which clean keeps and makes only of 年 and U+F98E (its
        # compatibility twin): most texts are ruled out without cleaning them.
        if "年" not in text and "\uf98e" not in text:
            continue
        for match in _YEAR.finditer(clean(text)):
            years[int(match.group(1))] += 1
        for match in _CN_YEAR.finditer(text):
            years[int(match.group(1).translate(_CN_DIGITS))] += 1
    return years.most_common(1)[0][0] if years else None


def _doc_type(texts: list[str]) -> tuple[str, str] | None:
    found: Counter[tuple[str, str]] = Counter()
    for text in texts:
        # 预算 and 决算 need a 算, which clean neither makes of another character nor removes.
        if "算" not in text:
            continue
        for match in _DOC_TYPE.finditer(clean(text)):
            found[(match.group(1), match.group(2))] += 1
    if not found:
        return None
    # 预算单位 in a title ("2026年预算单位财务收支预算总表") says 单位 too.
    return found.most_common(1)[0][0]
