"""Batches: every file reported, the worst exit code, input order, the same bytes with --jobs."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import badfiles
from budgetcheck.api import Checker, CheckOptions
from budgetcheck.batch import check_files, chunk_size
from budgetcheck.errors import RuleError

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "budgetcheck", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=180,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good, with-errors, broken and unreadable workbooks side by side."""
    root = tmp_path_factory.mktemp("batch") / "budgets"
    root.mkdir()
    scratch = tmp_path_factory.mktemp("scratch")
    shutil.copy(FIXTURES / "siping-2024-complete.xlsx", root / "a-good.xlsx")
    shutil.copy(FIXTURES / "siping-2024.xlsx", root / "b-errors.xlsx")
    (root / "c-broken.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    badfiles.encrypted_ooxml(root, "d-locked.xlsx")
    shutil.copy(badfiles.truncated(scratch), root / "e-truncated.xlsx")
    shutil.copy(FIXTURES / "siping-2024.xls", root / "f-old.xls")
    return root


EXPECTED = {
    "a-good.xlsx": "checked",
    "b-errors.xlsx": "checked",
    "c-broken.xlsx": "failed",
    "d-locked.xlsx": "failed",
    "e-truncated.xlsx": "failed",
    "f-old.xls": "checked",
}


def test_a_folder_reports_every_file_and_exits_with_the_worst(folder: Path):
    result = cli(folder, "-f", "json", "--jobs", "2")
    assert result.returncode == 2
    statuses = {Path(f["path"]).name: f["status"] for f in json.loads(result.stdout)["files"]}
    assert {k: v for k, v in statuses.items() if k in EXPECTED} == EXPECTED
    failures = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(failures) == 3 and all(".xlsx: " in line for line in failures)


def test_the_summary_table_closes_a_human_report(folder: Path):
    text = cli(folder, "-f", "text", "-j", "2").stdout
    summary = text[text.rindex("文件 ") :].splitlines()
    assert summary[0].split() == ["文件", "状态", "错误", "警告", "提示"]
    rows = {line.split()[0].rsplit("/", 1)[-1]: line.split()[1:] for line in summary[2:] if line}
    assert rows["b-errors.xlsx"][:2] == ["已检查", "4"]
    assert rows["c-broken.xlsx"] == ["无法检查", "-", "-", "-"]
    assert summary[-1].startswith("共 4 个错误")


def test_worst_code_without_failed_files(tmp_path: Path):
    good = shutil.copy(FIXTURES / "siping-2024-complete.xlsx", tmp_path / "good.xlsx")
    bad = shutil.copy(FIXTURES / "siping-2024.xlsx", tmp_path / "bad.xlsx")
    assert cli(good, "-j", "2").returncode == 0
    assert cli(good, bad, "-j", "2").returncode == 1


def test_output_is_byte_identical_across_runs_and_job_counts(folder: Path, tmp_path: Path):
    formats = ("json", "text", "sarif", "junit", "markdown")
    outputs = []
    for run, jobs in enumerate(("1", "2", "2")):
        args: list[str | Path] = []
        for fmt in formats:
            args += ["-f", fmt, "-o", tmp_path / f"{run}.{fmt}"]
        result = cli(folder, *args, "-f", "github", "-j", jobs)
        outputs.append(
            [result.stdout, result.stderr]
            + [(tmp_path / f"{run}.{fmt}").read_bytes() for fmt in formats]
        )
    assert outputs[0] == outputs[1] == outputs[2]
    assert b"c-broken.xlsx" in outputs[0][2]


def test_results_come_back_in_input_order(folder: Path):
    paths = sorted(folder.iterdir(), reverse=True)
    results = check_files(paths, jobs=2)
    assert [r.path for r in results] == [str(p) for p in paths]
    assert [r.path for r in check_files(paths, jobs=1)] == [str(p) for p in paths]


def test_results_survive_pickling():
    result = Checker.create().check_file(FIXTURES / "siping-2024.xlsx")
    again = pickle.loads(pickle.dumps(result))
    assert again == result and again.findings


def test_a_bug_in_one_file_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch):
    original = Checker.check_file

    def flaky(self: Checker, path: Path | str):  # type: ignore[no-untyped-def]
        if "complete" in str(path):
            raise ZeroDivisionError
        return original(self, path)

    monkeypatch.setattr(Checker, "check_file", flaky)
    paths = [FIXTURES / "siping-2024-complete.xlsx", FIXTURES / "siping-2024.xlsx"]
    first, second = check_files(paths, jobs=1)
    assert first.status == "failed" and first.exit_code == 2
    assert first.error is not None and "ZeroDivisionError" in first.error("en")
    assert second.status == "checked" and second.errors == 4


def test_a_worker_that_dies_fails_its_files_and_no_file_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
):
    original = Checker.check_file

    def crashing(self: Checker, path: Path | str):  # type: ignore[no-untyped-def]
        if "complete" in str(path):
            os._exit(1)  # as a crash in a native reader would end the worker
        return original(self, path)

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patched method reaches the workers only when they are forked")
    monkeypatch.setattr(Checker, "check_file", crashing)
    paths = [FIXTURES / "siping-2024.xlsx"] * 3 + [FIXTURES / "siping-2024-complete.xlsx"]
    results = check_files(paths, jobs=2)
    assert [r.path for r in results] == [str(p) for p in paths]
    crashed = results[-1]
    assert crashed.status == "failed" and crashed.exit_code == 2
    assert all(r.status in ("checked", "failed") for r in results)


@pytest.mark.parametrize(
    ("files", "workers", "size"), [(1, 2, 1), (7, 2, 1), (40, 2, 5), (1000, 2, 8)]
)
def test_files_go_to_workers_a_few_at_a_time(files: int, workers: int, size: int):
    assert chunk_size(files, workers) == size


def test_rule_problems_stop_the_run_before_any_file(tmp_path: Path):
    (tmp_path / "mine.yaml").write_text(
        "rules:\n  - id: U001\n    severity: error\n    title: {zh: 甲, en: a}\n"
        "    explain: {zh: 甲, en: a}\n"
        "    check: {kind: row_identity, table: 支出总表, expr: 合计 == 不存在的列}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError):
        check_files([FIXTURES / "siping-2024.xlsx"] * 2, CheckOptions(rule_dirs=(tmp_path,)), 2)
    result = cli(FIXTURES / "siping-2024.xlsx", FIXTURES / "siping-2024.xls", "--rules", tmp_path)
    assert result.returncode == 3


def test_a_glob_that_matches_nothing_is_reported(tmp_path: Path):
    result = cli("budgets/*.xlsx", cwd=tmp_path)
    assert result.returncode == 2
    assert "budgets/*.xlsx" in result.stderr


def test_glob_and_folder_mixed(folder: Path):
    result = cli("budgets/a-*.xlsx", FIXTURES / "siping-2024.xlsx", "-f", "json", cwd=folder.parent)
    paths = [f["path"] for f in json.loads(result.stdout)["files"]]
    assert paths == ["budgets/a-good.xlsx", str(FIXTURES / "siping-2024.xlsx")]


def test_no_progress_bar_when_piped(folder: Path):
    result = cli(folder, "-f", "text", "-j", "2")
    assert "检查中" not in result.stderr and "━" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal_but_not_for_machine_formats(folder: Path):
    assert "检查中" in _on_a_tty(folder)
    assert "检查中" not in _on_a_tty(folder, "-f", "json")


def _on_a_tty(folder: Path, *args: str) -> str:
    """Everything the command wrote, with stdout and stderr on a pseudo-terminal."""
    import pty

    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "budgetcheck", str(folder), "-j", "2", *args],
        stdout=follower,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=180)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")
