"""The output formats that produce a string, by the name the CLI's --format takes.

The rich terminal report prints to a console instead: see `terminal.print_report`.
"""

from __future__ import annotations

from collections.abc import Callable

from budgetcheck.reporting.common import ReportOptions, Results, Rules
from budgetcheck.reporting.json_report import render_json
from budgetcheck.reporting.junit import render_junit
from budgetcheck.reporting.sarif import render_sarif
from budgetcheck.reporting.tabular import render_github, render_markdown, render_text

Renderer = Callable[[Results, Rules, ReportOptions], str]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "junit": render_junit,
    "sarif": render_sarif,
    "github": render_github,
}


def render(output_format: str, results: Results, rules: Rules, options: ReportOptions) -> str:
    """The report in `output_format` (a key of RENDERERS); KeyError for an unknown name."""
    return RENDERERS[output_format](results, rules, options)
