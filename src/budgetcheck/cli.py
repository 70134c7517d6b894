"""The command line: arguments, output choice and exit codes — nothing else.

`budgetcheck FILE` checks a workbook; `budgetcheck tables FILE` shows what was read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from budgetcheck.errors import BudgetcheckError
from budgetcheck.i18n import t

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="budgetcheck：预算公开表格检查工具 / auditor for budget disclosure workbooks.",
)

LangOption = Annotated[str, typer.Option("--lang", help="zh（默认）或 en / zh (default) or en.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="出错时显示完整的技术信息 / show tracebacks.")]


@app.callback()
def _group() -> None:
    """budgetcheck：预算公开表格检查工具 / auditor for budget disclosure workbooks."""


@app.command("tables")
def tables_command(
    file: Annotated[Path, typer.Argument(help="预算表格文件 / the workbook.")],
    output_format: Annotated[
        str, typer.Option("--format", help="tree（默认）或 json / tree (default) or json.")
    ] = "tree",
    narrative: Annotated[
        Optional[Path], typer.Option("--narrative", help="说明文字文件（.docx/.txt/.md）/ text file.")
    ] = None,
    lang: LangOption = "zh",
    debug: DebugOption = False,
) -> None:
    """显示读到的表格、列和说明文字 / show the tables, columns and text that were read."""
    from budgetcheck.loading.workbook import load
    from budgetcheck.reporting.tables_view import print_tables, tables_json

    with _user_errors(lang, debug):
        doc = load(file, narrative=narrative)
        if output_format == "json":
            sys.stdout.write(tables_json(doc) + "\n")
        else:
            print_tables(doc, lang)


class _user_errors:
    """Turns a BudgetcheckError into one sentence and its exit code; Ctrl-C into exit 130."""

    def __init__(self, lang: str, debug: bool) -> None:
        self.lang, self.debug = lang, debug

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: object, trace: object) -> bool:
        if error is None:
            return False
        if isinstance(error, KeyboardInterrupt):
            sys.stderr.write(t(self.lang, "已中断。\n", "Interrupted.\n"))
            raise typer.Exit(130)
        if isinstance(error, BudgetcheckError) and not self.debug:
            sys.stderr.write(error.message(self.lang) + "\n")
            raise typer.Exit(error.exit_code)
        return False


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("已中断 / interrupted\n")
        raise SystemExit(130) from None
