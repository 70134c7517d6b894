"""The library entry point: check workbooks and get results; the CLI is a thin layer over this."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from budgetcheck.engine.packs import RuleSet, load_packs
from budgetcheck.engine.run import CompiledRule, Options, compile_rules, run_rules
from budgetcheck.errors import InputError
from budgetcheck.findings import FileResult, RuleInfo, Text
from budgetcheck.loading.opening import DEFAULT_MAX_BYTES


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How to check: engine options, extra rule folders, the narrative file and limits."""

    engine: Options = field(default_factory=Options)
    rule_dirs: tuple[Path, ...] = ()
    narrative: Path | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    raise_errors: bool = False  # --debug: let a file's input error propagate with its traceback


@dataclass(slots=True)
class Checker:
    """Rules loaded and compiled once, then applied to any number of files."""

    ruleset: RuleSet
    rules: list[CompiledRule]
    options: CheckOptions

    @classmethod
    def create(cls, options: CheckOptions | None = None) -> Checker:
        options = options or CheckOptions()
        ruleset = _load_ruleset(list(options.rule_dirs))
        return cls(ruleset, compile_rules(ruleset, options.engine), options)

    @property
    def rule_infos(self) -> dict[str, RuleInfo]:
        return {c.rule.id: c.rule.info for c in self.rules}

    def check_file(self, path: Path | str) -> FileResult:
        from budgetcheck.loading.workbook import load
        from budgetcheck.reporting.tables_view import tables_data

        path = Path(path)
        try:
            doc = load(path, narrative=self.options.narrative, max_bytes=self.options.max_bytes)
        except InputError as error:
            if self.options.raise_errors:
                raise
            return FileResult(str(path), "failed", Text(error.zh, error.en), error.exit_code)
        checked = run_rules(doc, self.ruleset, self.rules, self.options.engine)
        data = tables_data(doc)
        result = FileResult(
            path=str(path),
            status="checked",
            metadata=data["metadata"],
            tables=data["tables"],
            profile=checked.profile.id if checked.profile else None,
            findings=checked.findings,
            counts=checked.counts,
            not_applicable=checked.not_applicable,
            unchecked_claims=checked.unchecked,
        )
        result.exit_code = 1 if result.errors else 0
        return result


def _load_ruleset(extra: list[Path]) -> RuleSet:
    """The packs, from the cache when neither they nor budgetcheck changed since last parsed."""
    from budgetcheck.cache import cached
    from budgetcheck.resources import rules_dir

    if not all(folder.is_dir() for folder in extra):
        return load_packs(extra)  # which says which folder is missing
    # The shipped rules folder holds the packs and the vocabulary they are validated against.
    sources = sorted(p for p in rules_dir().rglob("*") if p.is_file())
    for folder in extra:
        sources += sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    return cached("ruleset", sources, lambda: load_packs(extra))


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods")


def expand_paths(items: list[str]) -> list[Path]:
    """Files as given, workbooks found in folders, and glob patterns, each once, in order.

    A name that matches nothing is kept, so that its check reports it missing.
    """
    found: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in WORKBOOK_SUFFIXES
                and p.is_file()
                and not p.name.startswith(("~$", "."))
            )
            if not inside:
                raise InputError(
                    f"文件夹“{path}”中没有工作簿（.xlsx、.xls、.et、.ods）。请指定工作簿文件或含有工作簿的文件夹。",
                    f"The folder '{path}' holds no workbook (.xlsx, .xls, .et, .ods). "
                    "Name a workbook or a folder that holds some.",
                )
            found.extend(inside)

        elif any(ch in item for ch in "*?[") and not path.exists():
            matches = (
                sorted(Path().glob(item))
                if not path.is_absolute()
                else sorted(Path(path.anchor).glob(str(path.relative_to(path.anchor))))
            )
            # A pattern matching nothing is kept like a missing name, so the run reports it.
            found.extend(matches or [path])
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def check(paths: list[Path | str], options: CheckOptions | None = None) -> list[FileResult]:
    """Check each workbook; a file that cannot be read gets a failed result, the rest go on."""
    checker = Checker.create(options)
    return [checker.check_file(path) for path in paths]
