"""The narrative fast paths of round 4 agree with the plain ways they replace."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from budgetcheck.engine.checks import narrative
from budgetcheck.engine.checks.base import Context
from budgetcheck.engine.index import DocumentIndex
from budgetcheck.engine.vocabulary import vocabulary
from budgetcheck.narrative import wording
from budgetcheck.narrative.vocabulary import narrative_vocabulary
from narrative_helpers import document

VOCAB = narrative_vocabulary()

# Pieces that make each wording check find something now and then.
PIECES = ["", "。", "，", "、", "；", "：", "！", "？", "（", "）", "(", ")", "“", "”", "《", "》", "【", "】",
          "主要原因是", "原因是", "XX", "××", "2024年", "比2023年", "3月", "预算", " ", "\u3000",
          "一、", "（一）", "1.", "增加", "支出", "基本支出总体情况说明"]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@given(st.lists(texts, max_size=6))
def test_memos_as_plain(batch: list[str]) -> None:
    """Each remembered wording result is the plain function's, the first time and every time
    after (a text met again, in the same document or the next one)."""
    for text in batch + batch:
        assert narrative._leftover_spots(text, VOCAB) == wording.leftovers(text, VOCAB)
        assert narrative._punctuation_spots(text, VOCAB) == (
            wording.doubled_punctuation(text) + wording.unbalanced(text))
        assert narrative._empty_reason_spots(text, VOCAB) == wording.empty_reasons(text, VOCAB)
        assert narrative._is_cut_off(text, VOCAB) == wording.cut_off(text, VOCAB)
        assert narrative._key_text(text, VOCAB) == wording.key_text(text)
        assert narrative._year_uses(text, VOCAB) == wording.years(text, VOCAB)


def test_memo_is_per_vocabulary() -> None:
    """A text remembered for one vocabulary is read anew for another."""
    text = "这是一段很长的说明文字，没有结束的标点，它在这里被截断了而且继续写下去"
    other = dataclasses.replace(VOCAB, cut_off_min_length=len(text) + 1)
    assert narrative._is_cut_off(text, VOCAB) is wording.cut_off(text, VOCAB) is True
    assert narrative._is_cut_off(text, other) is wording.cut_off(text, other) is False
    assert narrative._is_cut_off(text, VOCAB) is True


def test_memo_is_bounded() -> None:
    """Past its bound a memo starts again rather than growing."""
    for i in range(narrative._MAX_MEMO + 10):
        narrative._key_text(f"段落{i}", VOCAB)
    assert len(narrative._KEY_TEXTS) <= narrative._MAX_MEMO
    assert narrative._key_text("段落1", VOCAB) == wording.key_text("段落1")


def test_count_source_as_plain() -> None:
    """`count_source`, remembered per subject and paragraph, is what it works out each time, for
    list sources (which depend on the paragraph) and table sources alike."""
    doc = document([
        (None, "内设三个机构，分别为：办公室、财务科。"),
        (None, "内设两个机构，分别为：办公室、财务科、人事科。"),
        ("十、项目支出绩效目标情况说明", "2024年确定3个一级项目支出的绩效目标，涉及金额270万元。"),
        (None, "2024年部门项目支出270万元，其中一级项目2个，二级项目1个。"),
    ])
    analysis = narrative.analyse(Context(DocumentIndex(doc, vocabulary()), None))
    counts = [c for c in analysis.claims() if c.kind == "count" and (c.subject or "").startswith("count:")]
    assert len(counts) >= 3
    for claim in counts + counts:
        assert narrative.count_source(analysis, claim) == narrative._count_source(analysis, claim)
    listed = [narrative.count_source(analysis, c) for c in counts if c.sentence.paragraph in (0, 1)]
    assert len(listed) == 2 and listed[0] != listed[1]
