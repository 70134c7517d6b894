"""Patterns read back from the compiled-pattern cache match exactly what re.compile's would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgetcheck import cache, regex

# budgetcheck's own kinds of pattern: CJK classes, look-behind, named groups, bytes, flags.
PATTERNS: list[tuple[str | bytes, int]] = [
    (r"(?P<amount>[0-9][0-9,，.]*)\s*(?P<unit>万元|元)", 0),
    (r"[。，、；：！？](?:(?<=(.))\1|(?<=[，、；：])[。！？]|(?<=[。！？])[，、；])", 0),
    (r"^(附)?表\s*(?:\d+|[二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])", 0),
    (r"比上年(增加|减少)\s*(\d+(?:\.\d+)?)\s*%", re.IGNORECASE),
    (rb'<(?:\w+:)?row r="([0-9]{1,9}+)"', 0),
    (rb"<(?:[\w.-]+:)?v(?:\s[^<>]*)?>([^<]*)</v>", re.S),
]
TEXTS = [
    "机关运行经费预算为 12.50 万元，比上年增加 17.62%。。",
    "表3 一般公共预算支出表",
    "附表十二，；",
    "",
]


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache folder, and the module as a new process finds it (nothing read yet)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, str(folder))
    monkeypatch.setattr(regex, "_known", None)
    monkeypatch.setattr(regex, "_used", set())
    monkeypatch.setattr(regex, "_added", False)
    yield folder


def restart(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the next process starts with: only the file."""
    monkeypatch.setattr(regex, "_known", None)
    monkeypatch.setattr(regex, "_used", set())
    monkeypatch.setattr(regex, "_added", False)


def same(ours: re.Pattern[str] | re.Pattern[bytes], pattern: str | bytes, flags: int) -> None:
    theirs = re.compile(pattern, flags)
    assert (ours.pattern, ours.flags, ours.groups, ours.groupindex) == (
        theirs.pattern,
        theirs.flags,
        theirs.groups,
        theirs.groupindex,
    )
    for text in TEXTS:
        sample: str | bytes = text if isinstance(pattern, str) else text.encode("utf-8")
        assert [m.span() for m in ours.finditer(sample)] == [  # type: ignore[arg-type]
            m.span() for m in theirs.finditer(sample)  # type: ignore[arg-type]
        ]


@pytest.mark.parametrize(("pattern", "flags"), PATTERNS)
def test_a_pattern_read_back_is_the_pattern_re_makes(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, pattern: str | bytes, flags: int
) -> None:
    same(regex.compile(pattern, flags), pattern, flags)
    regex.save()
    restart(monkeypatch)

    def must_not_compile(*args: object) -> None:
        raise AssertionError("compiled again although the cache has it")

    monkeypatch.setattr(regex, "_translate", must_not_compile)
    same(regex.compile(pattern, flags), pattern, flags)


def test_a_save_writes_one_file_and_only_when_something_was_added(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    regex.save()
    assert not fresh.exists()
    regex.compile(r"\d+年")
    regex.save()
    files = list(fresh.iterdir())
    assert len(files) == 1 and files[0].name.startswith("regex-")
    stamp = files[0].stat().st_mtime_ns
    restart(monkeypatch)
    regex.compile(r"\d+年")
    regex.save()
    assert files[0].stat().st_mtime_ns == stamp


def test_a_damaged_file_or_entry_only_costs_time(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    regex.compile(r"(\d+)年")
    regex.save()
    (path,) = fresh.iterdir()
    path.write_bytes(b"\x00garbage")
    restart(monkeypatch)
    same(regex.compile(r"(\d+)年"), r"(\d+)年", 0)

    restart(monkeypatch)
    monkeypatch.setattr(regex, "_known", {(r"(\d+)年", 0): (0, [1, 2, 3], 0, {}, (None,))})
    same(regex.compile(r"(\d+)年"), r"(\d+)年", 0)


def test_a_bad_pattern_raises_what_re_raises(fresh: Path) -> None:
    with pytest.raises(re.error, match="missing \\)"):
        regex.compile(r"(unclosed")
    regex.save()
    assert not fresh.exists()


def test_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENVIRONMENT_VARIABLE, "off")
    restart(monkeypatch)
    same(regex.compile(r"[一二三]+、"), r"[一二三]+、", 0)
    regex.save()
    assert list(tmp_path.iterdir()) == []


def test_past_the_limit_a_save_keeps_only_this_process_patterns(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regex, "LIMIT", 3)
    for n in range(5):
        regex.compile(f"a{{{n}}}")
    regex.save()
    restart(monkeypatch)
    regex.compile("b")
    regex.save()
    restart(monkeypatch)
    assert list(regex._load()) == [("b", 0)]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789.,，万元年比上增加减少%。；、 ", max_size=40))
def test_cached_patterns_find_what_re_finds_in_any_text(text: str) -> None:
    for pattern, flags in PATTERNS:
        if isinstance(pattern, str):
            ours = regex.compile(pattern, flags)
            assert [m.groups() for m in ours.finditer(text)] == [
                m.groups() for m in re.compile(pattern, flags).finditer(text)
            ]


def test_a_cli_run_leaves_the_patterns_for_the_next(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    env = {**os.environ, cache.ENVIRONMENT_VARIABLE: str(folder)}
    workbook = Path(__file__).parents[1] / "fixtures" / "siping-2024-complete.xlsx"
    command = [sys.executable, "-m", "budgetcheck", str(workbook), "-f", "json"]
    first = subprocess.run(command, env=env, capture_output=True, check=False)
    (saved,) = folder.glob("regex-*.marshal")
    stamp = saved.stat().st_mtime_ns
    second = subprocess.run(command, env=env, capture_output=True, check=False)
    assert (first.returncode, first.stdout) == (second.returncode, second.stdout)
    assert saved.stat().st_mtime_ns == stamp  # nothing new to save: every pattern came from it


def test_the_package_compiles_its_patterns_through_the_cache() -> None:
    package = Path(regex.__file__).parent
    plain = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "regex.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "re.compile(" in line and "regex.compile(" not in line
    ]
    assert plain == []


def test_an_engine_that_refuses_the_opcodes_leaves_the_pattern_to_re(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Engine:
        MAGIC = 0

        @staticmethod
        def compile(*args: object) -> None:
            raise TypeError("compile() takes other arguments in this Python")

    monkeypatch.setattr(regex, "_sre", Engine)
    same(regex.compile(r"(\d+)年"), r"(\d+)年", 0)
    regex.save()
    assert not fresh.exists()
