"""The output formats that produce a string, by the name the CLI's --format takes.

The rich terminal report prints to a console instead: see `terminal.print_report`.
Each format's module is imported only when that format is asked for (tabulate alone costs
20 ms of start-up that a JSON run does not need).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from budgetcheck.reporting.common import ReportOptions, Results, Rules

Renderer = Callable[[Results, Rules, ReportOptions], str]

# format name -> (module, function)
RENDERERS: dict[str, tuple[str, str]] = {
    "text": ("budgetcheck.reporting.tabular", "render_text"),
    "markdown": ("budgetcheck.reporting.tabular", "render_markdown"),
    "json": ("budgetcheck.reporting.json_report", "render_json"),
    "junit": ("budgetcheck.reporting.junit", "render_junit"),
    "sarif": ("budgetcheck.reporting.sarif", "render_sarif"),
    "github": ("budgetcheck.reporting.tabular", "render_github"),
}


def renderer(output_format: str) -> Renderer:
    """The function that renders `output_format`; KeyError for an unknown name."""
    module, function = RENDERERS[output_format]
    found: Renderer = getattr(import_module(module), function)
    return found


def render(output_format: str, results: Results, rules: Rules, options: ReportOptions) -> str:
    """The report in `output_format` (a key of RENDERERS); KeyError for an unknown name."""
    return renderer(output_format)(results, rules, options)
