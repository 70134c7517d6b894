"""The names rules may use: table names, each kind's canonical columns, and row aliases.

Read once from rules/tables.yaml. A rule that uses a name outside this vocabulary is a rule
error; a known name that a particular document lacks makes the rule not applicable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

from budgetcheck import regex
from budgetcheck.loading.text import key
from budgetcheck.resources import rules_yaml

_YEAR = regex.compile(r"(19|20)\d{2}年度?")

TEXT_TABLE = "说明"  # facts stated in the explanatory text


@lru_cache(maxsize=4096)  # workbooks of one template repeat the same few headers
def column_key(part: str) -> str:
    """A header part as compared with aliases: no quotes, spaces or years ("2024年预算数" -> 预算数)."""
    return _YEAR.sub("", key(part))


# A NamedTuple, not a frozen dataclass: cheaper to make, and to define at import.
class KindVocabulary(NamedTuple):
    kind: str
    name: str  # the short name rule expressions use, e.g. 一般公共预算支出表
    columns: dict[str, tuple[tuple[str, ...], ...]]  # canonical -> alias key paths


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The names rules may use for tables, columns and rows (rules/tables.yaml)."""

    kinds: dict[str, KindVocabulary]
    table_names: dict[str, str]  # any accepted table name (key) -> kind id
    row_aliases: dict[str, tuple[str, ...]]  # canonical row name -> alias keys

    def kind_of(self, name: str) -> str | None:
        return self.table_names.get(key(name))

    def row_keys(self, selector: str) -> tuple[str, ...]:
        wanted = key(selector)
        return self.row_aliases.get(wanted, (wanted,))


@cache
def vocabulary() -> Vocabulary:
    data = rules_yaml("tables.yaml")
    kinds: dict[str, KindVocabulary] = {}
    names: dict[str, str] = {}
    for kind_id, spec in data["kinds"].items():
        columns = {
            key(canonical): tuple(
                tuple(column_key(p) for p in str(alias).split("/")) for alias in aliases
            )
            for canonical, aliases in (spec.get("columns") or {}).items()
        }
        kinds[kind_id] = KindVocabulary(kind_id, str(spec["name"]), columns)
        for name in [kind_id, spec["name"], spec["zh"], *spec.get("aliases", [])]:
            names.setdefault(key(name), kind_id)
    rows = {
        key(canonical): tuple(key(a) for a in aliases)
        for canonical, aliases in (data.get("row_aliases") or {}).items()
    }
    return Vocabulary(kinds, names, rows)
