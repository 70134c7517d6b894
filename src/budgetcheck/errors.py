"""The errors that reach the user as one sentence, in Chinese and English.

Every failure a user can cause (bad input, bad rule file) is one of these; anything else
is a bug and shows a traceback only with --debug.
"""

from __future__ import annotations


class BudgetcheckError(Exception):
    """A user-facing failure with a message in both languages."""

    exit_code = 2

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class InputError(BudgetcheckError):
    """The input file cannot be read as a budget workbook (exit code 2)."""

    exit_code = 2


class RuleError(BudgetcheckError):
    """A rule pack is malformed or names something that does not exist (exit code 3)."""

    exit_code = 3
