"""The table kinds of rules/tables.yaml, loaded once."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NamedTuple

from budgetcheck.loading.text import MEMO_MAX_CHARS, key, title_key
from budgetcheck.resources import rules_yaml

_MEMO_LIMIT = 4096


def _remembered(
    memo: dict[str, TableKind | None], text: str, find: Callable[[str], TableKind | None]
) -> TableKind | None:
    """`find(text)`, kept in `memo` for short texts (bounded: cleared when full)."""
    if len(text) > MEMO_MAX_CHARS:
        return find(text)
    if text in memo:
        return memo[text]
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    found = memo[text] = find(text)
    return found

# NamedTuples rather than frozen dataclasses: a class costs ~0.1 ms at import, not ~0.5.
class TableKind(NamedTuple):
    id: str
    zh: str
    en: str
    aliases: tuple[str, ...]  # title keys
    sheet_names: tuple[str, ...]
    signatures: tuple[frozenset[str], ...]  # any one complete signature identifies the kind
    classification: str | None
    two_sided: bool
    form: bool


class KindCatalogue(NamedTuple):
    kinds: dict[str, TableKind]
    header_words: frozenset[str]
    label_columns: frozenset[str]
    code_columns: frozenset[str]
    text_columns: frozenset[str]
    sides: dict[str, str]  # header key -> side name
    group_rows: frozenset[str]  # unnumbered lines that head details of their own (上年结转)
    # match_title's answers for short texts: every workbook of a batch has the same titles,
    # and each costs a title key and a look at every alias (~9 us).
    title_memo: dict[str, TableKind | None]
    # match_sheet_name's answers: sheets without a recognised title ask it on every workbook.
    sheet_memo: dict[str, TableKind | None]

    def match_title(self, text: str) -> TableKind | None:
        """The kind whose longest alias ends the title, or None."""
        return _remembered(self.title_memo, text, self._match_title)

    def _match_title(self, text: str) -> TableKind | None:
        wanted = title_key(text)
        if not wanted or len(wanted) > 60:
            return None
        best: tuple[int, TableKind] | None = None
        for kind in self.kinds.values():
            for alias in kind.aliases:
                if wanted.endswith(alias) and (best is None or len(alias) > best[0]):
                    best = (len(alias), kind)
        return best[1] if best else None

    def match_sheet_name(self, name: str) -> TableKind | None:
        return _remembered(self.sheet_memo, name, self._match_sheet_name)

    def _match_sheet_name(self, name: str) -> TableKind | None:
        found = self.match_title(name)
        if found:
            return found
        wanted = title_key(name)
        for kind in self.kinds.values():
            if any(wanted.endswith(alias) for alias in kind.sheet_names):
                return kind
        return None

    def match_signature(self, header_keys: set[str]) -> TableKind | None:
        matches = [
            kind
            for kind in self.kinds.values()
            if any(signature <= header_keys for signature in kind.signatures)
        ]
        return matches[0] if len(matches) == 1 else None


@cache
def kind_catalogue() -> KindCatalogue:
    data = rules_yaml("tables.yaml")
    kinds = {kind_id: _kind(kind_id, spec) for kind_id, spec in data["kinds"].items()}
    roles = data["column_roles"]
    sides = {key(word): side for side, words in data["sides"].items() for word in words}
    return KindCatalogue(
        kinds=kinds,
        header_words=frozenset(key(w) for w in data["header_words"]),
        label_columns=frozenset(key(w) for w in roles["label"]),
        code_columns=frozenset(key(w) for w in roles["code"]),
        text_columns=frozenset(key(w) for w in roles["text"]),
        sides=sides,
        group_rows=frozenset(key(w) for w in data.get("group_rows", [])),
        title_memo={},
        sheet_memo={},
    )


def _kind(kind_id: str, spec: dict[str, object]) -> TableKind:
    signatures: list[frozenset[str]] = []
    if "signature" in spec:
        signatures.append(frozenset(key(w) for w in _strings(spec["signature"])))
    for option in _lists(spec.get("signature_any", [])):
        signatures.append(frozenset(key(w) for w in option))
    return TableKind(
        id=kind_id,
        zh=str(spec["zh"]),
        en=str(spec["en"]),
        aliases=tuple(title_key(a) for a in _strings(spec.get("aliases", []))),
        sheet_names=tuple(title_key(a) for a in _strings(spec.get("sheet_names", []))),
        signatures=tuple(signatures),
        classification=str(spec["classification"]) if "classification" in spec else None,
        two_sided=bool(spec.get("two_sided", False)),
        form=bool(spec.get("form", False)),
    )


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _lists(value: object) -> list[list[str]]:
    return [_strings(v) for v in value] if isinstance(value, list) else []
