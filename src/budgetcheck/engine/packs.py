"""Rule packs: the rules and profiles of the YAML files in rules/ and `--rules` folders.

The YAML reading itself is in pack_files.py, imported only when packs are parsed: most runs
take the parsed packs from the cache (cache.py) and never import PyYAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from budgetcheck.engine.facts import Fact
from budgetcheck.errors import RuleError
from budgetcheck.findings import RuleInfo, Text
from budgetcheck.resources import rules_dir


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a pack: its documentation and its check's parameters."""

    info: RuleInfo
    check: dict[str, Any]  # the check's parameters, `kind` included
    source: str  # file:line, for rule errors

    @property
    def id(self) -> str:
        return self.info.id


@dataclass(frozen=True, slots=True)
class Profile:
    """A set of required tables (a template such as siping-11)."""

    id: str
    title: Text
    required: tuple[str, ...]  # table kinds


@dataclass(slots=True)
class RuleSet:
    """Every rule, profile and fact of the loaded packs."""

    rules: list[Rule] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)  # name key -> patterns
    # Expression text -> its parsed tree, for the expressions of the rules that parse: kept
    # with the packs in the cache, as parsing ~50 expressions costs every run ~5 ms. A text
    # not here is parsed when its rule is compiled, which reports any error.
    parsed: dict[str, Any] = field(default_factory=dict)


def default_pack_dir() -> Path:
    return rules_dir() / "default"


def load_packs(extra: list[Path] | None = None) -> RuleSet:
    """The default pack plus the user's packs (`--rules DIR`), in that order."""
    from budgetcheck.engine.pack_files import load_folder

    ruleset = RuleSet()
    for folder in [default_pack_dir(), *(extra or [])]:
        load_folder(folder, ruleset)
    ruleset.parsed = _parsed_expressions(ruleset.rules)
    return ruleset


def _parsed_expressions(rules: list[Rule]) -> dict[str, Any]:
    from budgetcheck.engine.expr import ExprError, parse

    parsed: dict[str, Any] = {}
    for rule in rules:
        raw = rule.check.get("expr")
        for text in [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []:
            if isinstance(text, str) and text not in parsed:
                try:
                    parsed[text] = parse(text)
                except ExprError:
                    continue
    return parsed


def rule_error(rule: Rule, zh: str, en: str) -> RuleError:
    """An error in a rule found while checking it against the table catalogue or a document."""
    return RuleError(
        f"规则 {rule.id} 有误（{rule.source}）：{zh}。",
        f"Rule {rule.id} is wrong ({rule.source}): {en}.",
    )
