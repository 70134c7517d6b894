"""Where the shipped rule packs live: inside the installed package, or beside src/ in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def rules_dir() -> Path:
    packaged = Path(__file__).parent / "rules"
    if packaged.is_dir():
        return packaged
    # An editable install or a plain checkout: the repository's own rules/ folder.
    return Path(__file__).resolve().parents[2] / "rules"
