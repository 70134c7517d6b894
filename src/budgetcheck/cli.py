"""The command line: arguments, output choice and exit codes — nothing else.

`budgetcheck FILE...` checks workbooks (the `check` command is the default);
`budgetcheck tables FILE` shows what was read; `rules` and `explain ID` document the rules.
Heavy modules are imported inside the commands so that `--help` stays fast.
"""

# No `from __future__ import annotations` here: typer reads the commands' annotations at every
# run, and as strings each one is compiled and evaluated again (~12 M instructions, 1 % of a
# check of one workbook); names only imported for type checking are quoted instead.
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, NamedTuple, NoReturn

import typer

from budgetcheck.errors import BudgetcheckError
from budgetcheck.i18n import t

if TYPE_CHECKING:
    from budgetcheck.api import Checker, CheckOptions
    from budgetcheck.config import Config
    from budgetcheck.findings import RuleInfo

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="budgetcheck：预算公开表格检查工具 / auditor for budget disclosure workbooks.",
)

COMMANDS = ("check", "baseline", "tables", "rules", "explain")
FORMATS = ("terminal", "text", "markdown", "json", "junit", "sarif", "github")
EXIT_CODES_HELP = "退出码 / exit codes: 0 无错误 no errors, 1 有错误 errors, 2 输入问题 input problem, 3 规则问题 rule problem."

BASELINE_EXIT_HELP = (
    "退出码 / exit codes: 0 已写入 written, 2 有文件无法检查（其余已记录）a file could not be "
    "checked (the others were recorded), 3 规则问题 rule problem."
)

LangOption = Annotated[str, typer.Option("--lang", help="zh（默认）或 en / zh (default) or en.")]
DebugOption = Annotated[
    bool, typer.Option("--debug", help="出错时显示完整的技术信息 / show tracebacks.")
]
NarrativeOption = Annotated[
    Path | None,
    typer.Option("--narrative", help="说明文字文件（.docx/.txt/.md）/ the explanatory text."),
]
MaxSizeOption = Annotated[
    int, typer.Option("--max-size", help="文件大小上限（MB）/ size limit in MB.")
]


@app.callback()
def _group() -> None:
    """budgetcheck：预算公开表格检查工具 / auditor for budget disclosure workbooks."""


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="配置文件（默认向上查找 budgetcheck.toml 或 pyproject.toml）/ config file.",
    ),
]
CheckLangOption = Annotated[
    str | None, typer.Option("--lang", help="zh（默认）或 en / zh (default) or en.")
]
StrictOption = Annotated[
    bool | None,
    typer.Option("--strict/--no-strict", help="精确相等，不考虑四舍五入 / exact equality."),
]
ProfileOption = Annotated[str | None, typer.Option("--profile", help="表格配置 / table profile.")]
RulesOption = Annotated[
    list[Path] | None, typer.Option("--rules", help="附加规则目录 / extra rule pack.")
]
SelectOption = Annotated[
    list[str] | None,
    typer.Option("--select", help="只运行这些规则（编号或前缀）/ rule ids or prefixes."),
]
IgnoreOption = Annotated[
    list[str] | None, typer.Option("--ignore", help="不运行这些规则 / rules to skip.")
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        help="并行检查的进程数（默认：CPU 核数）/ parallel processes (default: cores).",
    ),
]
FilesArgument = Annotated[
    list[str], typer.Argument(help="工作簿、文件夹或通配符 / workbooks, folders or globs.")
]
HUMAN_FORMATS = ("terminal", "text", "markdown")
PROGRESS_MIN_FILES = 4  # a bar for two or three files only flickers


@app.command("check", epilog=EXIT_CODES_HELP)
def check_command(
    files: FilesArgument,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            help=f"输出格式，可重复 / output format, repeatable: {', '.join(FORMATS)}.",
        ),
    ] = None,
    outputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--output", "-o", help="输出文件，按顺序对应 --format / output file per format."
        ),
    ] = None,
    lang: CheckLangOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="只显示错误 / errors only.")] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="也显示不适用的规则 / also rules not applicable."),
    ] = False,
    strict: StrictOption = None,
    profile: ProfileOption = None,
    rules_dirs: RulesOption = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="error（默认）或 warning / exit 1 on errors or warnings."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="豁免基线文件 / waivers recorded by budgetcheck baseline."),
    ] = None,
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            help="写出标注问题的工作簿副本（多个文件时为文件夹）/ "
            "write an annotated copy (a folder for several files).",
        ),
    ] = None,
    jobs: JobsOption = None,
    config: ConfigOption = None,
    narrative: NarrativeOption = None,
    max_size: MaxSizeOption = 50,
    debug: DebugOption = False,
) -> None:
    """检查预算公开工作簿 / check budget disclosure workbooks."""
    with _user_errors(lang or "zh", debug) as errors:
        from budgetcheck.api import expand_paths
        from budgetcheck.reporting.common import ReportOptions

        settings = _settings(config, lang, strict, profile, rules_dirs, select, ignore, fail_on)
        errors.lang = lang = settings.lang
        chosen = list(formats or [])
        targets = list(outputs or [])
        _check_formats(chosen, targets, lang)
        if settings.fail_on not in ("error", "warning"):
            _bad_choice("--fail-on", settings.fail_on, ("error", "warning"))
        waivers = _load_baseline(baseline or settings.config.baseline)
        options = _check_options(settings, narrative, max_size, debug)
        paths = expand_paths(files)
        copies = _annotation_targets(paths, annotate)
        shown = chosen or ["terminal" if sys.stdout.isatty() else "text"]
        checker = _checker(options)
        results = _check_all(checker, paths, jobs or settings.config.jobs, shown, lang)
        if waivers is not None:
            from budgetcheck.baseline import apply_baseline

            apply_baseline(results, waivers)
        report = ReportOptions(lang=lang, quiet=quiet, verbose=verbose)
        _report_failures(results, lang)
        if chosen or any(r.status == "checked" for r in results):
            _write_reports(results, checker.rule_infos, report, chosen, targets)
        _write_annotations(results, copies, checker.rule_infos, lang, options.max_bytes)
        raise typer.Exit(_exit_code(results, settings.fail_on))


@app.command("baseline", epilog=BASELINE_EXIT_HELP)
def baseline_command(
    files: FilesArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="基线文件 / the baseline file to write.")
    ] = Path(".budgetcheck-baseline.json"),
    lang: CheckLangOption = None,
    strict: StrictOption = None,
    profile: ProfileOption = None,
    rules_dirs: RulesOption = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    jobs: JobsOption = None,
    config: ConfigOption = None,
    narrative: NarrativeOption = None,
    max_size: MaxSizeOption = 50,
    debug: DebugOption = False,
) -> None:
    """记录当前全部问题为豁免基线 / record the current findings as waivers."""
    with _user_errors(lang or "zh", debug) as errors:
        from budgetcheck.api import expand_paths
        from budgetcheck.baseline import dumps, load_baseline, record
        from budgetcheck.reporting.output import write_atomically

        settings = _settings(config, lang, strict, profile, rules_dirs, select, ignore, None)
        errors.lang = lang = settings.lang
        _check_formats([], [output], lang)
        previous = load_baseline(output) if output.is_file() else None
        options = _check_options(settings, narrative, max_size, debug)
        paths = expand_paths(files)
        results = _check_all(_checker(options), paths, jobs or settings.config.jobs, ["text"], lang)
        _report_failures(results, lang)
        recorded = record(results, output, lang, previous)
        write_atomically(output, dumps(recorded))
        _stderr(
            t(
                lang,
                f"已将 {len(recorded.waivers)} 条豁免写入 {output}。请在每条的 reason 中写明理由。",
                f"Wrote {len(recorded.waivers)} waivers to {output}. Write a reason in each.",
            )
        )
        failed = max((r.exit_code for r in results if r.status == "failed"), default=0)
        raise typer.Exit(failed)


def _report_failures(results, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Each file that could not be read gets its one sentence on stderr (with its name in a batch)."""
    failed = [r for r in results if r.status == "failed" and r.error is not None]
    for result in failed:
        prefix = f"{result.path}: " if len(results) > 1 else ""
        _stderr(prefix + result.error(lang))


class _Settings(NamedTuple):
    """Command-line values where given, else the config file's, else the defaults."""

    config: "Config"
    lang: str
    strict: bool
    profile: str | None
    rule_dirs: tuple[Path, ...]
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    fail_on: str


def _settings(
    config_path: Path | None,
    lang: str | None,
    strict: bool | None,
    profile: str | None,
    rules_dirs: list[Path] | None,
    select: list[str] | None,
    ignore: list[str] | None,
    fail_on: str | None,
) -> _Settings:
    from budgetcheck.config import discover

    if lang is not None and lang not in ("zh", "en"):
        _bad_choice("--lang", lang, ("zh", "en"))
    config = discover(config_path)
    return _Settings(
        config=config,
        lang=lang or config.lang or "zh",
        strict=strict if strict is not None else bool(config.strict),
        profile=profile or config.profile,
        rule_dirs=tuple(rules_dirs) if rules_dirs is not None else config.rules,
        select=_ids(select) if select is not None else config.select or (),
        ignore=_ids(ignore) if ignore is not None else config.ignore or (),
        fail_on=fail_on or config.fail_on or "error",
    )


def _bad_choice(option: str, value: str, allowed: tuple[str, ...]) -> None:
    from budgetcheck.errors import InputError

    raise InputError(
        f"{option} 的取值“{value}”无效（可用：{'、'.join(allowed)}）。",
        f"Invalid value '{value}' for {option} (known: {', '.join(allowed)}).",
    )


def _check_options(
    settings: _Settings, narrative: Path | None, max_size: int, debug: bool
) -> "CheckOptions":
    from budgetcheck.api import CheckOptions
    from budgetcheck.engine.run import Options

    engine = Options(
        profile=settings.profile,
        select=settings.select,
        ignore=settings.ignore,
        strict=settings.strict,
        severity=dict(settings.config.severity),
    )
    return CheckOptions(engine, settings.rule_dirs, narrative, max_size * 1024 * 1024, debug)


def _load_baseline(path: Path | None):  # type: ignore[no-untyped-def]
    if path is None:
        return None
    from budgetcheck.baseline import load_baseline

    return load_baseline(path)


def _annotation_targets(paths: list[Path], out: Path | None) -> dict[Path, Path]:
    if out is None:
        return {}
    from budgetcheck.reporting.annotate import annotation_targets

    return annotation_targets(paths, out)


def _checker(options: "CheckOptions") -> "Checker":
    """Rules loaded once: a rule-pack problem stops the run before any file is read."""
    from budgetcheck.api import Checker

    return Checker.create(options)


def _check_all(checker: "Checker", paths, jobs: int | None, formats: list[str], lang: str):  # type: ignore[no-untyped-def]
    """Check every file (in parallel with --jobs), with a progress bar when a person watches."""
    from budgetcheck.batch import check_files
    from budgetcheck.errors import InputError

    if jobs is not None and jobs < 1:
        raise InputError("--jobs 应为正整数。", "--jobs must be a positive integer.")
    options = checker.options
    watched = (
        len(paths) >= PROGRESS_MIN_FILES
        and sys.stderr.isatty()
        and sys.stdout.isatty()
        and all(name in HUMAN_FORMATS for name in formats)
    )
    if not watched:
        return check_files(paths, options, jobs, checker=checker)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from budgetcheck.reporting.output import console_for

    with Progress(
        TextColumn(t(lang, "检查中", "Checking")),
        BarColumn(),
        MofNCompleteColumn(),
        console=console_for(sys.stderr),
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(paths))
        return check_files(
            paths, options, jobs, on_done=lambda _: progress.advance(task), checker=checker
        )


def _write_annotations(results, copies: dict[Path, Path], rules, lang: str, max_bytes: int) -> None:  # type: ignore[no-untyped-def]
    if not copies:
        return
    from budgetcheck.reporting.annotate import annotate_workbook

    by_path = {Path(r.path): r for r in results}
    for source, target in copies.items():
        result = by_path.get(source)
        if result is None or result.status != "checked":
            continue
        annotate_workbook(source, result, target, lang, rules, max_bytes)
        _stderr(t(lang, f"已写入批注副本：{target}", f"Annotated copy written: {target}"))


def _ids(values: list[str] | None) -> tuple[str, ...]:
    return tuple(
        part.strip().upper() for value in values or [] for part in value.split(",") if part.strip()
    )


def _check_formats(formats: list[str], outputs: list[Path], lang: str) -> None:
    from budgetcheck.errors import InputError

    for name in formats:
        if name not in FORMATS:
            raise InputError(
                f"不支持的输出格式“{name}”（可用：{'、'.join(FORMATS)}）。",
                f"Unknown output format '{name}' (known: {', '.join(FORMATS)}).",
            )
    if len(outputs) > max(len(formats), 1):
        raise InputError(
            "--output 的个数多于 --format。", "There are more --output files than --format options."
        )
    for target in outputs:
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(
                f"输出目录不存在：{folder}。", f"The output folder {folder} does not exist."
            )
        if not os.access(folder, os.W_OK | os.X_OK):  # refused before any work is done
            raise InputError(
                f"没有写入输出目录的权限：{folder}。请换一个可写入的目录或修改其权限。",
                f"No permission to write to the output folder {folder}; choose a writable "
                "folder or change its permissions.",
            )
        if target.exists() and target.is_dir():
            raise InputError(
                f"输出路径是文件夹：{target}。", f"The output path {target} is a folder."
            )


def _write_reports(results, rules, report, formats: list[str], outputs: list[Path]) -> None:  # type: ignore[no-untyped-def]
    from budgetcheck.reporting.output import write_atomically

    if not formats:
        formats = ["terminal" if sys.stdout.isatty() else "text"]
    for position, name in enumerate(formats):
        target = outputs[position] if position < len(outputs) else None
        if name == "terminal":
            _print_terminal(results, rules, report, target)
            continue
        from budgetcheck.reporting.formats import render

        text = render(name, results, rules, report)
        if target is None:
            _stdout(text)
        else:
            write_atomically(target, text)


def _print_terminal(results, rules, report, target: Path | None) -> None:  # type: ignore[no-untyped-def]
    from budgetcheck.reporting.output import console_for, write_atomically
    from budgetcheck.reporting.terminal import print_report

    if target is None:
        print_report(results, rules, report, console_for(sys.stdout))
        return
    console = console_for(None, record=True)
    print_report(results, rules, report, console)
    write_atomically(target, console.export_text())


def _stdout(text: str) -> None:
    from budgetcheck.reporting.output import safe_for_stream

    sys.stdout.write(safe_for_stream(text if text.endswith("\n") else text + "\n", sys.stdout))
    sys.stdout.flush()


def _exit_code(results, fail_on: str) -> int:  # type: ignore[no-untyped-def]
    worst = max((r.exit_code for r in results if r.status == "failed"), default=0)
    if worst:
        return int(worst)
    if any(r.errors for r in results):
        return 1
    if fail_on == "warning" and any(r.warnings for r in results):
        return 1
    return 0


@app.command("tables")
def tables_command(
    file: Annotated[Path, typer.Argument(help="预算表格文件 / the workbook.")],
    output_format: Annotated[
        str, typer.Option("--format", help="tree（默认）或 json / tree (default) or json.")
    ] = "tree",
    narrative: NarrativeOption = None,
    max_size: MaxSizeOption = 50,
    lang: LangOption = "zh",
    debug: DebugOption = False,
) -> None:
    """显示读到的表格、列和说明文字 / show the tables, columns and text that were read."""
    with _user_errors(lang, debug):
        from budgetcheck.loading.workbook import load
        from budgetcheck.reporting.output import console_for
        from budgetcheck.reporting.tables_view import print_tables, tables_json

        doc = load(file, narrative=narrative, max_bytes=max_size * 1024 * 1024)
        if output_format == "json":
            _stdout(tables_json(doc))
        else:
            print_tables(doc, lang, console_for(sys.stdout))


@app.command("rules")
def rules_command(
    rules_dirs: Annotated[
        list[Path] | None, typer.Option("--rules", help="附加规则目录 / extra rule pack.")
    ] = None,
    lang: CheckLangOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """列出全部规则 / list every rule."""
    with _user_errors(lang or "zh", debug) as errors:
        from budgetcheck.reporting.output import console_for
        from budgetcheck.reporting.terminal import render_rules

        infos, errors.lang = _rule_infos(config, lang, rules_dirs)
        render_rules(infos, errors.lang, console_for(sys.stdout))


def _rule_infos(
    config: Path | None, lang: str | None, rules_dirs: list[Path] | None
) -> "tuple[dict[str, RuleInfo], str]":
    """Every rule of the default and configured packs, and the language to speak."""
    from budgetcheck.api import Checker, CheckOptions

    settings = _settings(config, lang, None, None, rules_dirs, None, None, None)
    checker = Checker.create(CheckOptions(rule_dirs=settings.rule_dirs))
    return checker.rule_infos, settings.lang


@app.command("explain")
def explain_command(
    rule_id: Annotated[str, typer.Argument(help="规则编号，如 R101 / a rule id such as R101.")],
    rules_dirs: Annotated[
        list[Path] | None, typer.Option("--rules", help="附加规则目录 / extra rule pack.")
    ] = None,
    lang: CheckLangOption = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """说明一条规则 / explain one rule."""
    with _user_errors(lang or "zh", debug) as errors:
        from budgetcheck.errors import RuleError
        from budgetcheck.reporting.output import console_for
        from budgetcheck.reporting.terminal import render_explain

        infos, errors.lang = _rule_infos(config, lang, rules_dirs)
        lang = errors.lang
        info = infos.get(rule_id.strip().upper())
        if info is None:
            raise RuleError(
                f"没有编号为 {rule_id} 的规则。请用 budgetcheck rules 查看全部规则。",
                f"There is no rule {rule_id}. See budgetcheck rules for the list.",
            )
        render_explain(info, lang, console_for(sys.stdout))


class _user_errors:
    """One sentence and an exit code for every failure a user can cause; never a traceback
    unless --debug. Ctrl-C exits 130."""

    def __init__(self, lang: str, debug: bool) -> None:
        self.lang, self.debug = lang, debug

    def __enter__(self) -> "_user_errors":
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> Literal[False]:
        if error is None or isinstance(error, (typer.Exit, SystemExit)):
            return False
        if isinstance(error, KeyboardInterrupt):
            _stderr(t(self.lang, "已中断。", "Interrupted."))
            raise typer.Exit(130)
        if self.debug:
            return False
        if isinstance(error, BudgetcheckError):
            _stderr(error.message(self.lang))
            raise typer.Exit(error.exit_code)
        if isinstance(error, OSError):
            _stderr(
                t(self.lang, f"无法读写文件：{error}。", f"Cannot read or write a file: {error}.")
            )
            raise typer.Exit(2)
        if isinstance(error, MemoryError):
            _stderr(t(self.lang, "内存不足，文件过大。", "Out of memory: the file is too large."))
            raise typer.Exit(2)
        _stderr(
            t(
                self.lang,
                f"内部错误（{type(error).__name__}）。请加 --debug 重新运行并报告此问题。",
                f"Internal error ({type(error).__name__}). Run again with --debug and report it.",
            )
        )
        raise typer.Exit(2)


def _stderr(text: str) -> None:
    from budgetcheck.reporting.output import safe_for_stream

    sys.stderr.write(safe_for_stream(text + "\n", sys.stderr))
    sys.stderr.flush()


def _only(name: str) -> typer.Typer:
    """An app of the one command asked for: building the whole group makes typer read every
    command's signature and annotations, ~6 ms a run for commands that will not run."""
    single = typer.Typer(
        add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False
    )
    single.registered_commands = [c for c in app.registered_commands if c.name == name]
    return single


# A check makes hundreds of thousands of small objects that all live until the report is
# written. At the default thresholds (700, 10, 10) the collector ran ~100 times on one department
# workbook and spent a third of a 10,000-row check (0.85 s of 2.45 s) finding no garbage; with
# these it runs a few times, and peak memory is the same (measured: 35 MB and 104 MB).
GC_THRESHOLDS = (20_000, 50, 50)


def run() -> NoReturn:
    """The console script (and `python -m budgetcheck`): main(), then leave at once.

    Python's own exit frees every module and object one by one: ~40 ms after a check of one
    workbook, a sixth of the whole run, for memory the system takes back anyway. Reports and
    annotated copies are complete files by then (written whole, then renamed), so only the
    standard streams need flushing. An uncaught exception (--debug) still exits the usual way.
    """
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = _exit_status(stop)
    _keep_compiled_patterns()
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (`budgetcheck … | head`) has nothing more to be told.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _keep_compiled_patterns() -> None:
    # Only when a check ran: `--help` and `--version` never import the pattern cache.
    if "budgetcheck.regex" in sys.modules:
        from budgetcheck import regex

        regex.save()


def _exit_status(stop: SystemExit) -> int:
    """What the interpreter would make of it: None is 0, a message goes to stderr with 1."""
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    sys.stderr.write(f"{stop.code}\n")
    return 1


def main() -> None:
    """Parse the command line and run a command; exits with SystemExit (usable in-process)."""
    import gc

    gc.set_threshold(*GC_THRESHOLDS)  # the process's, not the library's: only the CLI sets it
    argv = sys.argv[1:]
    if argv and argv[0] not in COMMANDS and argv[0] not in ("--help", "-h"):
        argv = ["check", *argv]
    try:
        if argv and argv[0] in COMMANDS:
            _only(argv[0])(args=argv[1:], prog_name=f"budgetcheck {argv[0]}")
        else:
            app(args=argv, prog_name="budgetcheck")
    except KeyboardInterrupt:
        _stderr("已中断 / interrupted")
        raise SystemExit(130) from None
