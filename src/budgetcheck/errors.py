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

    def __reduce__(self) -> tuple[object, ...]:
        # Exception pickles as cls(*args), which would drop the Chinese text; --jobs sends
        # errors back from worker processes, so rebuild with both languages and any extra state.
        return (_restore, (type(self), self.zh, self.en), self.__dict__)


def _restore(cls: type[BudgetcheckError], zh: str, en: str) -> BudgetcheckError:
    error = cls.__new__(cls)
    BudgetcheckError.__init__(error, zh, en)
    return error


class InputError(BudgetcheckError):
    """The input file cannot be read as a budget workbook (exit code 2)."""

    exit_code = 2


class RuleError(BudgetcheckError):
    """A rule pack is malformed or names something that does not exist (exit code 3)."""

    exit_code = 3
