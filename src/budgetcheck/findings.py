"""Findings: what a rule found, with everything a person needs to fix it.

Reports read these and nothing of the rules' internals. The immutable ones are NamedTuples, as
in model.py (cheaper to make than frozen dataclasses).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, NamedTuple

from budgetcheck.model import CellRef, Paragraph

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


class Text(NamedTuple):
    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class Finding(NamedTuple):
    rule_id: str
    severity: Severity
    message: Text  # one line: what is wrong, with the figures
    table_kind: str | None = None
    cells: tuple[CellRef, ...] = ()  # every cell involved, the stated cell first
    row_code: str | None = None
    row_label: str | None = None
    column: str | None = None
    stated: Decimal | None = None  # in `unit`
    expected: Decimal | None = None  # in `unit`
    unit: str | None = None
    paragraph: Paragraph | None = None
    sentence: str | None = None
    fingerprint: str = ""
    # A baseline accepted this finding: reports still show it, but it does not fail the run.
    waived: bool = False
    waiver_reason: str | None = None

    @property
    def difference(self) -> Decimal | None:
        if self.stated is None or self.expected is None:
            return None
        return self.stated - self.expected

    @property
    def location(self) -> str:
        if self.paragraph is not None and self.paragraph.ref is None:
            return str(self.paragraph)  # text from a --narrative file: file and paragraph number
        if self.cells:
            return str(self.cells[0])
        if self.paragraph is not None:
            return str(self.paragraph)
        return ""


def fingerprint(*parts: object) -> str:
    """A content fingerprint: rule, table kind, row code or label, column, and the figures.

    Built from content, never from cell positions, so a waiver survives inserted rows and
    moved sheets but stops matching when the figures change.
    """
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class RuleInfo(NamedTuple):
    """What a report needs to know about a rule: its id, severity and documentation."""

    id: str
    severity: Severity
    title: Text
    explanation: Text
    check_kind: str
    pack: str


@dataclass(slots=True)
class RuleCount:
    """How often a rule ran on a file, and how those runs ended."""

    run: int = 0
    passed: int = 0
    failed: int = 0
    not_applicable: int = 0


class StaleWaiver(NamedTuple):
    """A baseline entry for a checked file that no finding matched any more (fixed, or the
    figures changed): it can be deleted from the baseline."""

    fingerprint: str
    rule_id: str
    location: str
    message: str
    reason: str


@dataclass(slots=True)
class FileResult:
    """The outcome of checking one file: findings, or the reason it could not be checked."""

    path: str
    status: Literal["checked", "failed"]
    error: Text | None = None  # why the file could not be checked
    exit_code: int = 0
    metadata: dict[str, object] = field(default_factory=dict)
    tables: list[dict[str, object]] = field(default_factory=list)
    profile: str | None = None
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, RuleCount] = field(default_factory=dict)  # per rule id
    not_applicable: dict[str, Text] = field(default_factory=dict)  # rule id -> why (for -v)
    unchecked_claims: list[str] = field(default_factory=list)
    stale_waivers: list[StaleWaiver] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Errors that count: waived ones do not."""
        return sum(1 for f in self.findings if f.severity == "error" and not f.waived)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning" and not f.waived)

    @property
    def info(self) -> int:
        return sum(1 for f in self.findings if f.severity == "info" and not f.waived)

    @property
    def waived(self) -> int:
        return sum(1 for f in self.findings if f.waived)
