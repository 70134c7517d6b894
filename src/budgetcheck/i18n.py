"""The two languages of every user-facing sentence: Chinese by default, English with --lang en."""

from __future__ import annotations

LANGS = ("zh", "en")


def t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh
