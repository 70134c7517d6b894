"""The partial classification catalogue: names to codes and levels for tables without codes."""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from typing import NamedTuple

from budgetcheck.loading.text import key
from budgetcheck.resources import rules_dir


# NamedTuples rather than frozen dataclasses: a class costs ~0.1 ms at import, not ~0.5, and an
# Entry is made for each line of the catalogue.
class Entry(NamedTuple):
    code: str
    name: str
    level: int
    parent: str | None


class Catalogue(NamedTuple):
    by_code: dict[str, Entry]
    by_name: dict[str, tuple[Entry, ...]]  # name key -> every entry of that name

    def levels_of(self, name: str) -> set[int]:
        return {e.level for e in self.by_name.get(key(name), ())}

    def code_for(self, name: str, parent: str | None) -> str | None:
        """The code of `name` if it is unique under `parent` (or unique overall without a parent)."""
        return code_among(self.by_name.get(key(name), ()), parent)


def code_among(entries: tuple[Entry, ...], parent: str | None) -> str | None:
    """Catalogue.code_for, given the entries of the name (by_name): a row asks for several
    levels of one name, which is keyed and looked up once."""
    if parent is not None:
        entries = tuple(e for e in entries if e.parent == parent)
    codes = {e.code for e in entries}
    return codes.pop() if len(codes) == 1 else None

    def name_of(self, code: str) -> str | None:
        entry = self.by_code.get(code)
        return entry.name if entry else None


@cache
def catalogue(classification: str) -> Catalogue:
    path = rules_dir() / "classification" / f"{classification}.csv"
    by_code: dict[str, Entry] = {}
    by_name: dict[str, list[Entry]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        # csv.reader, not DictReader: a dict per line costs twice the time, in every process.
        lines = csv.reader(handle)
        header = next(lines)
        columns = [header.index(name) for name in ("code", "name", "level", "parent_code")]
        for line in lines:
            if not line:
                continue  # a blank line, which DictReader skips too
            code, name, level, parent = (line[i] for i in columns)
            entry = Entry(code, name, int(level), parent or None)
            by_code.setdefault(entry.code, entry)
            by_name[key(entry.name)].append(entry)
    return Catalogue(by_code, {name: tuple(entries) for name, entries in by_name.items()})
