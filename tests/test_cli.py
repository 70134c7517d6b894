"""The command line as a user meets it: exit codes, one-sentence errors, languages, outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import badfiles

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def cli(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    encoding: str = "utf-8",
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "budgetcheck", *map(str, args)],
        capture_output=True,
        text=True,
        encoding=encoding,
        errors="strict",
        cwd=cwd,
        env=env,
        timeout=120,
    )


def one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def test_consistent_workbook_exits_0() -> None:
    result = cli(FIXTURES / "siping-2024-complete.xlsx")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "X151" in result.stdout  # the document's one warning


def test_errors_exit_1_and_name_the_cells() -> None:
    result = cli(FIXTURES / "siping-2024.xlsx")
    assert result.returncode == 1
    assert "一般公共预算支出表!A19" in result.stdout
    assert "C105" in result.stdout


def test_warnings_fail_with_fail_on_warning() -> None:
    result = cli(FIXTURES / "siping-2024-complete.xlsx", "--fail-on", "warning")
    assert result.returncode == 1


def test_select_and_ignore_take_ids_and_prefixes() -> None:
    only = cli(
        FIXTURES / "siping-2024.xlsx", "--select", "C10", "--ignore", "C101,C104", "-f", "json"
    )
    found = {f["rule_id"] for f in json.loads(only.stdout)["files"][0]["findings"]}
    assert found == {"C105"}


def test_english_output() -> None:
    result = cli(FIXTURES / "siping-2024.xlsx", "--lang", "en", "-f", "text")
    assert "Missing table" in result.stdout
    assert "缺少“收支总表”" not in result.stdout


def test_several_formats_to_files(tmp_path: Path) -> None:
    json_out, junit_out = tmp_path / "r.json", tmp_path / "r.xml"
    result = cli(
        FIXTURES / "siping-2024.xlsx", "-f", "json", "-o", json_out, "-f", "junit", "-o", junit_out
    )
    assert result.returncode == 1
    assert json.loads(json_out.read_text(encoding="utf-8"))["files"][0]["status"] == "checked"
    assert junit_out.read_text(encoding="utf-8").startswith("<?xml")


def test_output_in_missing_folder_fails_before_any_work(tmp_path: Path) -> None:
    result = cli(FIXTURES / "siping-2024.xlsx", "-f", "json", "-o", tmp_path / "nope" / "r.json")
    assert result.returncode == 2
    assert "输出目录不存在" in one_sentence(result)


def test_a_folder_is_searched_and_the_worst_result_wins(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "siping-2024-complete.xlsx", tmp_path / "good.xlsx")
    shutil.copy(FIXTURES / "siping-2024.xlsx", tmp_path / "problems.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    result = cli(tmp_path, "-f", "json")
    files = {Path(f["path"]).name: f["status"] for f in json.loads(result.stdout)["files"]}
    assert files == {"good.xlsx": "checked", "problems.xlsx": "checked", "broken.xlsx": "failed"}
    assert result.returncode == 2


BAD_INPUTS = {
    "missing": (lambda tmp: tmp / "nothing.xlsx", "找不到", "does not exist"),
    "folder": (lambda tmp: tmp, "没有工作簿", "holds no workbook"),
    "empty": (lambda tmp: badfiles.text_file(tmp, "empty.xlsx", b""), "空文件", "empty"),
    "pdf": (lambda tmp: badfiles.text_file(tmp, "report.xls", b"%PDF-1.4\n..."), "PDF", "PDF"),
    "csv": (
        lambda tmp: badfiles.text_file(tmp, "report.xls", "科目,金额\n201,959.20\n"),
        "纯文本",
        "text",
    ),
    "html": (
        lambda tmp: badfiles.text_file(
            tmp, "report.xls", "<html><table><tr><td>1</td></tr></table></html>"
        ),
        "网页",
        "web page",
    ),
    "truncated": (badfiles.truncated, "损坏", "damaged"),
    "password": (badfiles.encrypted_ooxml, "密码", "password"),
    "no table": (
        lambda tmp: badfiles.openpyxl_workbook(tmp / "blank.xlsx"),
        "没有找到任何预算表",
        "No budget table",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gets_one_sentence_and_exit_2(case: str, tmp_path: Path) -> None:
    make, zh, en = BAD_INPUTS[case]
    target = make(tmp_path)
    before = badfiles.sha256(target) if target.is_file() else None
    chinese = cli(target)
    english = cli(target, "--lang", "en")
    assert chinese.returncode == english.returncode == 2
    assert zh in one_sentence(chinese)
    assert en in one_sentence(english)
    if before is not None:
        assert badfiles.sha256(target) == before


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = cli(tmp_path / "nothing.xlsx", "--debug")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_bad_rule_pack_exits_3(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "rules:\n  - id: U001\n    severity: error\n    title: {zh: 甲, en: a}\n    explain: {zh: 甲, en: a}\n"
        "    check: {kind: row_identity, table: 支出总表, expr: 合计 == 不存在的列}\n",
        encoding="utf-8",
    )
    result = cli(FIXTURES / "siping-2024.xlsx", "--rules", tmp_path)
    assert result.returncode == 3
    assert "不存在的列" in one_sentence(result)


def test_rules_and_explain() -> None:
    listing = cli("rules", "--lang", "en")
    assert listing.returncode == 0 and "R101" in listing.stdout and "X151" in listing.stdout
    explained = cli("explain", "r102")
    assert explained.returncode == 0 and "基本支出" in explained.stdout
    unknown = cli("explain", "Z999")
    assert unknown.returncode == 3


def test_gbk_console_does_not_crash() -> None:
    import os

    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    result = cli(FIXTURES / "siping-2024.xlsx", env=env, encoding="gbk")
    assert result.returncode == 1
    assert "一般公共预算支出表" in result.stdout
    assert "Traceback" not in result.stderr
    ascii_env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    assert (
        cli(
            FIXTURES / "siping-2024.xlsx", "--lang", "en", env=ascii_env, encoding="ascii"
        ).returncode
        == 1
    )


def test_output_to_a_device_writes_through_it() -> None:
    import os
    import stat

    result = cli(FIXTURES / "siping-2024.xlsx", "-f", "json", "-o", "/dev/null")
    assert result.returncode == 1
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # still the device, not a file put in its place
