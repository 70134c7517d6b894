"""The parsed-rules cache: a hit returns what parsing would, and nothing wrong with it breaks a run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from budgetcheck import cache
from budgetcheck.api import Checker, CheckOptions

FIXTURE = Path(__file__).parents[1] / "fixtures" / "siping-2024.xlsx"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(where))
    return where


class Builder:
    def __init__(self, source: Path) -> None:
        self.source = source
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.source.read_text(encoding="utf-8")


def source(tmp_path: Path, text: str = "one") -> Path:
    path = tmp_path / "source.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_second_call_reads_the_entry_instead_of_building(folder: Path, tmp_path: Path) -> None:
    build = Builder(source(tmp_path))
    assert cache.cached("thing", [build.source], build) == "one"
    assert cache.cached("thing", [build.source], build) == "one"
    assert build.calls == 1
    assert len(list(folder.glob("thing-*.pickle"))) == 1


def test_a_changed_source_is_parsed_again_and_the_old_entry_goes(
    folder: Path, tmp_path: Path
) -> None:
    build = Builder(source(tmp_path))
    cache.cached("thing", [build.source], build)
    build.source.write_text("two, longer", encoding="utf-8")
    assert cache.cached("thing", [build.source], build) == "two, longer"
    assert build.calls == 2
    assert len(list(folder.glob("thing-*.pickle"))) == 1


def test_a_damaged_entry_is_a_miss(folder: Path, tmp_path: Path) -> None:
    build = Builder(source(tmp_path))
    cache.cached("thing", [build.source], build)
    for entry in folder.glob("thing-*.pickle"):
        entry.write_bytes(entry.read_bytes()[:5])
    assert cache.cached("thing", [build.source], build) == "one"
    assert build.calls == 2


def test_an_entry_of_another_user_is_not_read(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "getuid"):
        pytest.skip("no file owners on this system")
    build = Builder(source(tmp_path))
    cache.cached("thing", [build.source], build)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(folder).st_uid + 1)
    cache.cached("thing", [build.source], build)
    assert build.calls == 2


def test_an_unwritable_cache_folder_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(blocker / "cache"))
    build = Builder(source(tmp_path))
    assert cache.cached("thing", [build.source], build) == "one"
    assert cache.cached("thing", [build.source], build) == "one"
    assert build.calls == 2


def test_off_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, "off")
    assert cache.cache_dir() is None
    build = Builder(source(tmp_path))
    cache.cached("thing", [build.source], build)
    cache.cached("thing", [build.source], build)
    assert build.calls == 2


def test_the_default_place_is_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENVIRONMENT_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    if os.name != "nt":
        assert cache.cache_dir() == Path("/somewhere/cache/budgetcheck")


def test_rules_from_the_cache_give_the_same_findings(folder: Path) -> None:
    fresh = Checker.create(CheckOptions()).check_file(FIXTURE)
    assert list(folder.glob("ruleset-*.pickle"))
    again = Checker.create(CheckOptions()).check_file(FIXTURE)
    assert again.findings == fresh.findings
    assert again.counts == fresh.counts


def test_an_edited_user_pack_is_read_again(folder: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    pack = rules / "mine.yaml"
    text = """rules:
  - id: U001
    severity: error
    title: {zh: 甲, en: %s}
    explain: {zh: 甲, en: a}
    check: {kind: expression, expr: '支出总表[合计].合计 <= 1000'}
"""
    pack.write_text(text % "first title", encoding="utf-8")
    options = CheckOptions(rule_dirs=(rules,))
    assert Checker.create(options).rule_infos["U001"].title.en == "first title"
    pack.write_text(text % "second and longer title", encoding="utf-8")
    assert Checker.create(options).rule_infos["U001"].title.en == "second and longer title"
