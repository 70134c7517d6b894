"""Running a rule set over one document: choose the profile, run each rule, count outcomes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from budgetcheck.engine.checks import cells, identity, narrative, presence, projects, rollup
from budgetcheck.engine.checks.base import Context, Outcome
from budgetcheck.engine.index import DocumentIndex
from budgetcheck.engine.packs import Profile, Rule, RuleSet, rule_error
from budgetcheck.engine.vocabulary import vocabulary
from budgetcheck.findings import SEVERITY_ORDER, Finding, RuleCount, Text
from budgetcheck.model import Document

Runner = Callable[[Context], Outcome]

# check kind -> whether its expressions belong to one table (bare names are its columns)
EXPRESSION_KINDS = {"row_identity": True, "expression": False, "row_match": False}
PLAIN_KINDS: dict[str, Callable[[Rule, Context], Outcome]] = {
    "rollup": rollup.run,
    "presence": presence.run,
    "cell_values": cells.run,
    "project_level": projects.run,
    "narrative": narrative.run,
}


@dataclass(frozen=True, slots=True)
class Options:
    """How to run the rules: strictness, profile, selection and severities."""

    profile: str | None = None  # None: chosen from the tables found
    select: tuple[str, ...] = ()  # rule ids or prefixes; empty: all
    ignore: tuple[str, ...] = ()
    strict: bool = False
    severity: dict[str, str] = field(default_factory=dict)  # rule id -> severity override


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its check compiled once for the run."""

    rule: Rule
    runner: Callable[[Context], Outcome]


def compile_rules(ruleset: RuleSet, options: Options) -> list[CompiledRule]:
    """Validate every selected rule once per run; a bad rule stops the run before any file."""
    if options.profile is not None and options.profile not in ruleset.profiles:
        from budgetcheck.errors import RuleError

        known = "、".join(ruleset.profiles)
        raise RuleError(
            f"没有名为“{options.profile}”的配置（可用：{known}）。",
            f"There is no profile '{options.profile}' (known: {known}).",
        )
    compiled = []
    for rule in ruleset.rules:
        if not _selected(rule.id, options):
            continue
        rule = _with_severity(rule, options)
        compiled.append(CompiledRule(rule, _runner(rule, ruleset)))
    return compiled


def _runner(rule: Rule, ruleset: RuleSet) -> Callable[[Context], Outcome]:
    kind = rule.info.check_kind
    if kind in EXPRESSION_KINDS:
        done = identity.compile_rule(
            rule, ruleset.facts, EXPRESSION_KINDS[kind], ruleset.parsed
        )
        run = {
            "row_identity": identity.run_rows,
            "expression": identity.run_document,
            "row_match": identity.run_matched,
        }[kind]
        return lambda context: run(done, context)
    if kind in PLAIN_KINDS:
        plain = PLAIN_KINDS[kind]
        return lambda context: plain(rule, context)
    known = "、".join([*EXPRESSION_KINDS, *PLAIN_KINDS])
    raise rule_error(
        rule,
        f"未知的检查类型“{kind}”（可用：{known}）",
        f"unknown check kind '{kind}' (known: {known})",
    )


def _selected(rule_id: str, options: Options) -> bool:
    if options.select and not any(rule_id.startswith(p) for p in options.select):
        return False
    return not any(rule_id.startswith(p) for p in options.ignore)


def _with_severity(rule: Rule, options: Options) -> Rule:
    wanted = options.severity.get(rule.id)
    if wanted is None or wanted == rule.info.severity:
        return rule
    from dataclasses import replace

    return replace(rule, info=rule.info._replace(severity=wanted))  # type: ignore[arg-type]


def choose_profile(ruleset: RuleSet, doc: Document, wanted: str | None) -> Profile | None:
    """The named profile, or the one that the tables found fit best (ties: the smaller set)."""
    if wanted is not None:
        return ruleset.profiles[wanted]
    found = {t.kind for t in doc.tables}
    best = sorted(
        ruleset.profiles.values(),
        key=lambda p: (-len(found & set(p.required)), len(p.required), p.id),
    )
    return best[0] if best else None


@dataclass(slots=True)
class Checked:
    """What the rules found on one document."""

    profile: Profile | None
    findings: list[Finding]
    counts: dict[str, RuleCount]
    not_applicable: dict[str, Text]
    unchecked: list[str]  # claims read from the text that no table could confirm


def run_rules(
    doc: Document, ruleset: RuleSet, rules: list[CompiledRule], options: Options
) -> Checked:
    profile = choose_profile(ruleset, doc, options.profile)
    context = Context(DocumentIndex(doc, vocabulary()), profile, options.strict)
    findings: list[Finding] = []
    counts: dict[str, RuleCount] = {}
    skipped: dict[str, Text] = {}
    unchecked: list[str] = []
    for compiled in rules:
        outcome = compiled.runner(context)
        count = RuleCount()
        if outcome.applicable:
            count.run = 1
            count.failed = 1 if outcome.findings else 0
            count.passed = 1 - count.failed
        else:
            count.not_applicable = 1
            skipped[compiled.rule.id] = outcome.reason or Text("不适用", "not applicable")
        counts[compiled.rule.id] = count
        findings.extend(outcome.findings)
        unchecked.extend(outcome.unchecked)
    findings.sort(
        key=lambda f: (SEVERITY_ORDER[f.severity], f.table_kind or "", f.rule_id, f.location)
    )
    return Checked(profile, findings, counts, skipped, list(dict.fromkeys(unchecked)))
