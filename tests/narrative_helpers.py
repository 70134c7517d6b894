"""Shared helpers for the narrative tests: the Siping tables with paragraphs of our own."""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path

from budgetcheck.engine.checks import narrative
from budgetcheck.engine.checks.base import Context, Outcome
from budgetcheck.engine.index import DocumentIndex
from budgetcheck.engine.packs import Rule, load_packs
from budgetcheck.engine.vocabulary import vocabulary
from budgetcheck.findings import Finding
from budgetcheck.loading.workbook import load
from budgetcheck.model import Document, Paragraph

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NARRATIVE_RULES = tuple(f"N{n}" for n in range(101, 124))

# What wording.years found years and comparison words with before `wording.year_starts`: the
# plain ways its fast paths are compared with.
YEAR = re.compile(r"(\d(?<!\d\d)\d{3})年")
COMPARE_BEFORE = re.compile(r"(?:比|较|与|同|相比)$")


@cache
def siping(name: str = "siping-2024-complete.xlsx") -> Document:
    return load(FIXTURES / name)


@cache
def rules() -> dict[str, Rule]:
    return {r.id: r for r in load_packs().rules}


def document(paragraphs: list[tuple[str | None, str]], *, level: str = "部门", base: str = "siping-2024-complete.xlsx",
             year: int = 2024) -> Document:
    """The Siping tables with these (heading, text) paragraphs as the whole explanatory text."""
    doc = copy.deepcopy(siping(base))
    doc.paragraphs = [
        Paragraph(text, "说明.txt", f"¶{i + 1}", None, heading) for i, (heading, text) in enumerate(paragraphs)
    ]
    doc.metadata.level = level
    doc.metadata.year = year
    return doc


def outcome(doc: Document, rule_id: str) -> Outcome:
    return narrative.run(rules()[rule_id], Context(DocumentIndex(doc, vocabulary()), None))


def findings(doc: Document, *rule_ids: str) -> list[Finding]:
    out: list[Finding] = []
    for rule_id in rule_ids or NARRATIVE_RULES:
        out += outcome(doc, rule_id).findings
    return out
