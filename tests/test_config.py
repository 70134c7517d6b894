"""Configuration files: found upward, validated, and overridden by the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from budgetcheck.config import Config, discover, find_config, load_config
from budgetcheck.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
PROBLEMS = FIXTURES / "siping-2024.xlsx"
COMPLETE = FIXTURES / "siping-2024-complete.xlsx"


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "budgetcheck", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
    )


def rule_ids(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {f["rule_id"] for f in json.loads(result.stdout)["files"][0]["findings"]}


def test_found_upward_budgetcheck_toml_first(tmp_path: Path):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (tmp_path / "budgetcheck.toml").write_text('lang = "en"\n', encoding="utf-8")
    assert find_config(nested) == tmp_path / "budgetcheck.toml"
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert find_config(nested) == tmp_path / "budgetcheck.toml"  # no [tool.budgetcheck]: skipped
    (tmp_path / "a" / "pyproject.toml").write_text(
        '[tool.budgetcheck]\nlang = "zh"\n', encoding="utf-8"
    )
    assert find_config(nested) == tmp_path / "a" / "pyproject.toml"
    (nested / "budgetcheck.toml").write_text("", encoding="utf-8")
    assert find_config(nested) == nested / "budgetcheck.toml"
    assert discover(start=nested) == Config(path=nested / "budgetcheck.toml")


def test_every_key(tmp_path: Path):
    path = tmp_path / "budgetcheck.toml"
    path.write_text(
        'profile = "siping-11"\nselect = "r, x"\nignore = ["X151"]\nstrict = true\n'
        'lang = "en"\nfail-on = "warning"\nrules = ["packs/mine"]\n'
        'baseline = ".budgetcheck-baseline.json"\njobs = 2\n[severity]\nx151 = "error"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.profile == "siping-11"
    assert config.select == ("R", "X") and config.ignore == ("X151",)
    assert config.strict is True and config.lang == "en" and config.fail_on == "warning"
    assert config.rules == (tmp_path / "packs" / "mine",)  # relative to the file
    assert config.baseline == tmp_path / ".budgetcheck-baseline.json"
    assert config.jobs == 2 and config.severity == {"X151": "error"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('colour = "red"\n', "colour"),
        ('lang = "fr"\n', "lang"),
        ("strict = 1\n", "strict"),
        ('[severity]\nX151 = "fatal"\n', "severity.X151"),
        ("jobs = 0\n", "jobs"),
        ("lang = \n", "TOML"),
    ],
)
def test_mistakes_name_the_file_and_key(tmp_path: Path, text: str, words: str):
    path = tmp_path / "budgetcheck.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(path)
    assert words in caught.value.en and str(path) in caught.value.zh


def test_cli_reads_the_config_and_its_options_win(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.budgetcheck]\nignore = ["C101"]\nlang = "en"\n', encoding="utf-8"
    )
    work = tmp_path / "sub"
    work.mkdir()
    configured = cli(PROBLEMS, "-f", "json", cwd=work)
    assert "C101" not in rule_ids(configured) and "C104" in rule_ids(configured)
    assert json.loads(configured.stdout)["lang"] == "en"
    overridden = cli(PROBLEMS, "-f", "json", "--ignore", "C104", "--lang", "zh", cwd=work)
    assert "C101" in rule_ids(overridden) and "C104" not in rule_ids(overridden)
    assert json.loads(overridden.stdout)["lang"] == "zh"


def test_fail_on_severity_and_explicit_config(tmp_path: Path):
    assert cli(COMPLETE, cwd=tmp_path).returncode == 0
    (tmp_path / "budgetcheck.toml").write_text('fail-on = "warning"\n', encoding="utf-8")
    assert cli(COMPLETE, cwd=tmp_path).returncode == 1
    assert cli(COMPLETE, "--fail-on", "error", cwd=tmp_path).returncode == 0
    other = tmp_path / "strict.toml"
    other.write_text('[severity]\nX151 = "error"\n', encoding="utf-8")
    promoted = cli(COMPLETE, "--config", other, "-f", "json", cwd=tmp_path)
    assert promoted.returncode == 1  # X151 is an error now; --config replaces budgetcheck.toml
    x151 = [
        f for f in json.loads(promoted.stdout)["files"][0]["findings"] if f["rule_id"] == "X151"
    ]
    assert x151 and {f["severity"] for f in x151} == {"error"}


def test_config_rules_and_baseline_paths_are_relative_to_the_file(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / "deep").mkdir(parents=True)
    made = cli("baseline", PROBLEMS, "-o", repo / "waivers.json", cwd=repo)
    assert made.returncode == 0, made.stderr
    (repo / "budgetcheck.toml").write_text('baseline = "waivers.json"\n', encoding="utf-8")
    assert cli(PROBLEMS, cwd=repo / "deep").returncode == 0


def test_a_bad_config_is_exit_2_in_one_sentence(tmp_path: Path):
    (tmp_path / "budgetcheck.toml").write_text('fail_on = "never"\n', encoding="utf-8")
    result = cli(PROBLEMS, cwd=tmp_path)
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"配置文件 {tmp_path / 'budgetcheck.toml'} 有误：“fail-on”应为“error”或“warning”。"
    ]
    missing = cli(PROBLEMS, "--config", tmp_path / "none.toml", cwd=tmp_path)
    assert missing.returncode == 2 and "找不到配置文件" in missing.stderr
