"""The README's CI recipes and the pre-commit hook, run as written.

Each `<!-- recipe: NAME -->` block of the README is parsed (a GitHub workflow's `run:` steps, a
GitLab job's `script:` lines, a shell block's lines) and its commands are run by bash in a folder
holding `budgets/` with a clean and a faulty workbook. `pip install` lines are the only ones
skipped: the package under test is already installed, and `budgetcheck` on PATH runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
README = (ROOT / "README.md").read_text(encoding="utf-8")
RECIPE = re.compile(r"<!-- recipe: ([\w-]+) -->\s*```(\w+)\n(.*?)```", re.S)


def recipes() -> dict[str, tuple[str, str]]:
    return {name: (lang, body) for name, lang, body in RECIPE.findall(README)}


def commands(name: str) -> list[str]:
    lang, body = recipes()[name]
    if lang == "sh":
        lines = [line.strip() for line in body.splitlines()]
        return [line for line in lines if line and not line.startswith("#")]
    data = yaml.safe_load(body)
    if "jobs" in data:  # GitHub Actions
        steps = [step for job in data["jobs"].values() for step in job["steps"]]
        return [step["run"].strip() for step in steps if "run" in step]
    return [line for job in data.values() if isinstance(job, dict) for line in job["script"]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository of workbooks, and `budgetcheck` on PATH running this interpreter."""
    budgets = tmp_path / "budgets"
    budgets.mkdir()
    shutil.copy(FIXTURES / "siping-2024-complete.xlsx", budgets / "complete.xlsx")
    shutil.copy(FIXTURES / "siping-2024.xlsx", budgets / "as-published.xlsx")
    shim = tmp_path / "bin"
    shim.mkdir()
    script = shim / "budgetcheck"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m budgetcheck "$@"\n')
    script.chmod(0o755)
    return tmp_path


def run(repo: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{repo / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        ["bash", "-c", command],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
    )


def run_recipe(repo: Path, name: str) -> list[subprocess.CompletedProcess[str]]:
    done = []
    for command in commands(name):
        if command.startswith("pip install"):
            assert command == "pip install budgetcheck"
            continue
        assert command.startswith("budgetcheck "), command
        done.append(run(repo, command))
    assert done, f"recipe {name} has no budgetcheck command"
    return done


def test_every_recipe_is_tested():
    assert set(recipes()) == {"github-actions", "gitlab-ci", "waivers"}


def test_github_actions_recipe(repo: Path):
    (check,) = run_recipe(repo, "github-actions")
    assert check.returncode == 1, check.stderr  # the published workbook has errors: job fails
    annotations = check.stdout.splitlines()
    assert annotations and all(line.startswith("::") for line in annotations)
    assert any(line.startswith("::error file=budgets/as-published.xlsx,") for line in annotations)
    sarif = json.loads((repo / "budgetcheck.sarif").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / "sarif-2.1.0.schema.json").read_text("utf-8"))
    jsonschema.validate(sarif, schema)
    assert sarif["runs"][0]["results"]
    workflow = yaml.safe_load(recipes()["github-actions"][1])
    upload = workflow["jobs"]["budgetcheck"]["steps"][-1]
    assert upload["if"] == "always()" and upload["with"]["sarif_file"] == "budgetcheck.sarif"


def test_gitlab_ci_recipe(repo: Path):
    (check,) = run_recipe(repo, "gitlab-ci")
    assert check.returncode == 1, check.stderr
    assert "共 4 个错误" in check.stdout  # the text report in the job log
    report = etree.parse(str(repo / "budgetcheck.xml"))
    xsd = etree.XMLSchema(etree.parse(str(ROOT / "schemas" / "junit.xsd")))
    assert xsd.validate(report), xsd.error_log
    job = yaml.safe_load(recipes()["gitlab-ci"][1])["budgetcheck"]
    assert job["artifacts"]["reports"]["junit"] == "budgetcheck.xml"
    assert job["artifacts"]["when"] == "always"


def test_waivers_recipe(repo: Path):
    record, check = run_recipe(repo, "waivers")
    assert record.returncode == 0, record.stderr
    assert (repo / ".budgetcheck-baseline.json").is_file()
    assert check.returncode == 0, check.stdout
    assert "已豁免" in check.stdout


def test_pre_commit_hook_runs_as_pre_commit_would(repo: Path):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    block = re.search(r"```yaml\n(# \.pre-commit-config\.yaml.*?)```", README, re.S)
    assert block is not None
    (used,) = yaml.safe_load(block.group(1))["repos"][0]["hooks"]
    assert used["id"] == hook["id"]
    pattern = re.compile(hook["files"])
    staged = ["budgets/complete.xlsx", "budgets/as-published.xlsx", "README.md", "BUDGET.XLS"]
    matched = [name for name in staged if pattern.search(name)]
    assert matched == ["budgets/complete.xlsx", "budgets/as-published.xlsx", "BUDGET.XLS"]
    argv = [hook["entry"], *hook.get("args", []), *used.get("args", [])]
    clean = run(repo, " ".join([*argv, "budgets/complete.xlsx"]))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    faulty = run(repo, " ".join([*argv, *matched[:2]]))
    assert faulty.returncode == 1
    assert hook["language"] == "python" and hook["require_serial"] is True
