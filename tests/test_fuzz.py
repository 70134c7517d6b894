"""Property tests on random input: nothing but the documented error types ever escapes.

- the amount parser, on any cell value calamine can return;
- the header/table detector (`find_tables`) on random grids of budget words, codes, amounts,
  junk and merged ranges (overlapping, out of range);
- the narrative claim extractor (`narrative.claims.extract`) and the wording checks on random
  text, and `paragraphs_from_grid` on random grids;
- the whole loader (`load`) on real workbooks whose XML parts were damaged inside a valid zip.

The expression language is fuzzed in tests/test_expr.py (parse, print, evaluate); opening
arbitrary bytes in tests/test_opening.py. A coverage-guided loader fuzzer runs on request:
`python bench/fuzz_loader.py --seconds N`.

Modest example counts by default; BUDGETCHECK_FUZZ_EXAMPLES=2000 runs longer.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time
import zipfile
from decimal import Decimal
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import badfiles as bf
import hostile_corpus as hc
from budgetcheck.amounts import NO_VALUE, parse_amount
from budgetcheck.errors import InputError
from budgetcheck.loading.grid import Grid
from budgetcheck.loading.kinds import KindCatalogue, kind_catalogue
from budgetcheck.loading.narrative import paragraphs_from_grid
from budgetcheck.loading.tables import find_tables
from budgetcheck.loading.text import key
from budgetcheck.narrative import wording
from budgetcheck.narrative.claims import Lexicon, ParagraphText, extract
from budgetcheck.narrative.vocabulary import NarrativeVocabulary, narrative_vocabulary

EXAMPLES = int(os.environ.get("BUDGETCHECK_FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ_FILES = settings(
    max_examples=max(EXAMPLES // 3, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# --------------------------------------------------------------------------- amounts

number_texts = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: f"{d:,}"),
    st.integers(-(10**30), 10**30).map(lambda n: f"{n:,}"),
    st.from_regex(r"[（(]?[-+−－]?[0-9０-９,，.\s\u3000]{0,20}[%％]?[）)]?", fullmatch=True),
    st.sampled_from(sorted(NO_VALUE)),
    st.text(max_size=40),
    st.sampled_from(["NaN", "nan", "inf", "-Infinity", "1e400", "1e-400", "0x10", "1_000", "٣"]),
)
cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and both infinities included
    st.datetimes(),
    st.dates(),
    st.times(),
    st.timedeltas(),
    number_texts,
)


@FUZZ
@given(cell_values)
def test_amount_parser_takes_any_cell(value: object) -> None:
    parsed = parse_amount(value)
    if parsed.amount is not None:
        assert parsed.amount.value.is_finite()
        assert parsed.problem is None
    if isinstance(value, float) and not math.isfinite(value):
        assert parsed.amount is None and parsed.problem
    if isinstance(value, (dt.date, dt.time, dt.timedelta, bool)):
        assert parsed.amount is None and parsed.problem  # a date is never an amount


@FUZZ
@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12), max_value=10**12
    )
)
def test_amount_text_round_trips(value: Decimal) -> None:
    """However a stated amount is written (separators, full width, brackets), it is that amount."""
    plain = f"{value:,.2f}"
    for text in (
        plain,
        plain.replace(",", "，"),
        plain.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ):
        parsed = parse_amount(text)
        assert parsed.amount is not None and parsed.amount.value == value, text
    if value > 0:
        parsed = parse_amount(f"({plain})")
        assert parsed.amount is not None and parsed.amount.value == -value


# --------------------------------------------------------------------------- table detector


@cache
def _kinds() -> KindCatalogue:
    return kind_catalogue()


TITLES = ["收支总表", "2024年部门收入总表", "表3 支出总表", "一般公共预算支出表", "财政拨款收支总表",
          "一般公共预算基本支出表", "“三公”经费支出表", "项目支出表", "项目支出绩效目标表",
          "政府性基金预算支出表", "国有资本经营预算支出表"]  # fmt: skip
WORDS = ["单位：万元", "单位：元", "金额单位：万元", "项目", "科目编码", "科目名称", "类", "款", "项",
         "合计", "总计", "合 计", "基本支出", "项目支出", "人员经费", "公用经费", "本年收入合计",
         "一、一般公共服务支出", "其中：", "行政运行", "备注", "注：本表无数据。", "-", "—", "无",
         "部门名称：某局", "1,169.86", "（12.5）", "#REF!", "待定", "\n", "　"]  # fmt: skip
grid_values = st.one_of(
    st.just(""),
    st.sampled_from(TITLES),
    st.sampled_from(WORDS),
    st.integers(0, 10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["201", "20101", "2010101", "301", "30101", "2080505"]),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.text(max_size=12),
)


@st.composite
def grids(draw: st.DrawFn) -> Grid:
    height = draw(st.integers(0, 25))
    width = draw(st.integers(1, 8))
    cells = [[draw(grid_values) for _ in range(width)] for _ in range(height)]
    if height and draw(st.booleans()):  # a real-looking title somewhere
        cells[draw(st.integers(0, height - 1))][0] = draw(st.sampled_from(TITLES))
    merges = draw(
        st.lists(
            st.tuples(
                st.integers(0, height + 2),
                st.integers(0, width + 2),
                st.integers(0, 3),
                st.integers(0, 3),
            ).map(lambda m: (m[0], m[1], m[0] + m[2], m[1] + m[3])),
            max_size=6,
        )
    )
    return Grid(draw(st.sampled_from(["收支总表", "Sheet1", "情况说明", "表" * 40])), cells, merges)


@FUZZ
@given(grids())
def test_table_detector_on_random_grids(grid: Grid) -> None:
    tables = find_tables(grid, _kinds())
    for table in tables:
        assert table.sheet == grid.sheet
        for row in table.rows:
            assert 0 <= row.ref.row < max(grid.height, 1)
            for cell in row.cells.values():
                assert cell.amount is None or cell.amount.value.is_finite()


@FUZZ
@given(grids())
def test_paragraphs_from_random_grids(grid: Grid) -> None:
    for paragraph in paragraphs_from_grid(grid):
        assert paragraph.text.strip() and "\n" not in paragraph.text


# --------------------------------------------------------------------------- narrative


@cache
def _vocab() -> NarrativeVocabulary:
    return narrative_vocabulary()


@cache
def _lexicon() -> Lexicon:
    names = {key(n): s.id for s in _vocab().subjects.values() for n in s.names}
    names.update({key("一般公共服务支出"): "fn:一般公共服务支出", key("行政运行"): "fn:行政运行"})
    return Lexicon.build(names)


PIECES = ["2024年", "2023年", "万元", "元", "亿元", "%", "％", "增加", "减少", "下降", "增长", "持平",
          "比", "较上年", "占", "其中：", "主要原因是", "。", "，", "；", "、", "（", "）", "“", "”",
          "基本支出", "项目支出", "人员经费", "公用经费", "“三公”经费", "一般公共服务支出", "行政运行",
          "一级项目", "个", "人", "二十三", "XX", "x,xxx", "。。", "201类", "（03款）", "\u3000", " "]  # fmt: skip
numbers = st.one_of(
    st.integers(0, 10**12).map(str),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False).map(str),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False).map(lambda d: f"{d:,}"),
)
narrative_texts = st.one_of(
    st.lists(st.one_of(st.sampled_from(PIECES), numbers), max_size=80).map("".join),
    st.text(alphabet=hc.DIGITS_AND_PUNCTUATION, max_size=3000),
    st.text(max_size=300),
)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.none(),
                st.sampled_from(["五、一般公共预算支出情况", "（四）项目支出情况说明", "说明"]),
            ),
            narrative_texts,
        ),
        max_size=5,
    )
)
def test_claim_extractor_on_random_text(paragraphs: list[tuple[str | None, str]]) -> None:
    texts = [ParagraphText(text, heading) for heading, text in paragraphs]
    started = time.perf_counter()
    results = extract(texts, _lexicon(), _vocab())
    assert len(results) == len(texts)
    for paragraph in results:
        for claim in paragraph.claims:
            assert claim.sentence.paragraph == paragraph.index
            claim.describe()
    assert time.perf_counter() - started < 5.0  # no runaway pattern on short texts


@FUZZ
@given(narrative_texts)
def test_wording_checks_on_random_text(text: str) -> None:
    vocab = _vocab()
    for spot in [
        *wording.leftovers(text, vocab),
        *wording.doubled_punctuation(text),
        *wording.unbalanced(text),
    ]:
        assert 0 <= spot.start <= len(text)
    wording.years(text, vocab)
    wording.empty_reasons(text, vocab)
    wording.cut_off(text, vocab)
    wording.is_heading(text)


def test_extractor_on_a_megabyte_of_digits_and_punctuation() -> None:
    """The regex-heavy text of the hostile corpus, straight into the extractor: bounded time."""
    text = hc._noise(5, 1024 * 1024)
    paragraphs = [ParagraphText(text[i : i + 32_000]) for i in range(0, len(text), 32_000)]
    started = time.perf_counter()
    extract(paragraphs, _lexicon(), _vocab())
    assert time.perf_counter() - started < 10.0  # ~1 s measured


# --------------------------------------------------------------------------- whole loader


@cache
def _good_parts() -> dict[str, bytes]:
    return bf.zip_members(hc.GOOD)


SHEET_PARTS = sorted(
    name
    for name in _good_parts()
    if name.startswith("xl/worksheets/")
    or name in ("xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml")
)


@FUZZ_FILES
@given(
    part=st.sampled_from(SHEET_PARTS),
    at=st.floats(0, 1),
    action=st.sampled_from(["flip", "cut", "insert", "delete"]),
    junk=st.binary(min_size=1, max_size=64)
    | st.sampled_from(
        [b"<", b">", b"</row>", b'<c r="XFD1048576">', b"<v>NaN</v>", b"&", b"\xff\xfe", b'r="A0"']
    ),
)
def test_loader_on_damaged_xml_parts(
    tmp_path: Path, part: str, at: float, action: str, junk: bytes
) -> None:
    from budgetcheck.loading.workbook import load

    data = bytearray(_good_parts()[part])
    pos = int(at * (len(data) - 1))
    if action == "flip":
        data[pos] ^= junk[0] or 0xFF
    elif action == "cut":
        del data[pos:]
    elif action == "insert":
        data[pos:pos] = junk
    else:
        del data[pos : pos + len(junk) * 4]
    path = bf.rezip(hc.GOOD, tmp_path / "damaged.xlsx", {part: bytes(data)})
    before = bf.sha256(path)
    try:
        load(path)
    except InputError as error:
        assert error.zh and error.en and "\n" not in error.zh
    assert bf.sha256(path) == before


def test_damaged_workbook_is_still_a_zip(tmp_path: Path) -> None:
    """The loader fuzz above damages XML, not the container (test_opening covers containers)."""
    path = bf.rezip(hc.GOOD, tmp_path / "x.xlsx", {SHEET_PARTS[0]: b"<broken"})
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
