"""Settings from `budgetcheck.toml` or `[tool.budgetcheck]` in `pyproject.toml`.

    find_config(start) -> Path | None    the nearest config file at or above `start`
    load_config(path) -> Config          read and validate one (InputError names file and key)
    discover(explicit, start) -> Config  `--config` if given, else the nearest file, else defaults

In each folder, from `start` upwards, `budgetcheck.toml` is taken first, then a `pyproject.toml`
that has a `[tool.budgetcheck]` table (one without it is passed over, as ruff does). Paths in
the file (`rules`, `baseline`) are relative to the file's folder, so the same settings work
from any working directory below it. Command-line options win over every key here.

    profile = "siping-11"
    select = ["R", "X"]          # ids or prefixes; a string "R,X" works too
    ignore = ["X151"]
    strict = false
    lang = "zh"                  # or "en"
    fail-on = "error"            # or "warning"
    rules = ["rules/local"]      # extra rule packs
    baseline = ".budgetcheck-baseline.json"
    jobs = 4

    [severity]                   # per-rule severity overrides
    X151 = "error"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from budgetcheck.errors import InputError

CONFIG_FILE = "budgetcheck.toml"
PYPROJECT = "pyproject.toml"
SEVERITIES = ("error", "warning", "info")
LANGS = ("zh", "en")
FAIL_ON = ("error", "warning")
KEYS = (
    "profile",
    "select",
    "ignore",
    "severity",
    "rules",
    "strict",
    "lang",
    "fail-on",
    "baseline",
    "jobs",
)


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting; None (or empty) where the file says nothing."""

    path: Path | None = None
    profile: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    severity: dict[str, str] = field(default_factory=dict)
    rules: tuple[Path, ...] = ()
    strict: bool | None = None
    lang: str | None = None
    fail_on: str | None = None
    baseline: Path | None = None
    jobs: int | None = None


def find_config(start: Path) -> Path | None:
    """The nearest `budgetcheck.toml`, or `pyproject.toml` with `[tool.budgetcheck]`."""
    folder = start.resolve()
    for candidate_folder in (folder, *folder.parents):
        own = candidate_folder / CONFIG_FILE
        if own.is_file():
            return own
        pyproject = candidate_folder / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # someone else's unreadable pyproject is not ours to report
    if "budgetcheck" not in text:
        return False  # most projects' files: no need to parse them (or import tomllib)
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False  # someone else's broken pyproject is not ours to report
    tool = data.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("budgetcheck"), dict)


def discover(explicit: Path | None = None, start: Path | None = None) -> Config:
    if explicit is not None:
        if not explicit.is_file():
            raise InputError(
                f"找不到配置文件：{explicit}。", f"The config file {explicit} does not exist."
            )
        return load_config(explicit)
    found = find_config(start if start is not None else Path.cwd())
    return load_config(found) if found is not None else Config()


def load_config(path: Path) -> Config:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise _bad(path, str(error), str(error)) from None
    except tomllib.TOMLDecodeError as error:
        raise _bad(path, f"不是有效的 TOML：{error}", f"not valid TOML: {error}") from None
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        data = tool.get("budgetcheck", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise _bad(path, "[tool.budgetcheck] 应为表", "[tool.budgetcheck] must be a table")
    return _parse(path, data)


def _parse(path: Path, data: dict[str, Any]) -> Config:
    data = {key.replace("_", "-"): value for key, value in data.items()}
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise _bad(
            path,
            f"未知的设置“{unknown[0]}”（可用：{'、'.join(KEYS)}）",
            f"unknown key '{unknown[0]}' (known: {', '.join(KEYS)})",
        )
    folder = path.resolve().parent
    return Config(
        path=path,
        profile=_string(path, data, "profile"),
        select=_ids(path, data, "select"),
        ignore=_ids(path, data, "ignore"),
        severity=_severity(path, data.get("severity")),
        rules=tuple(folder / item for item in _strings(path, data, "rules")),
        strict=_bool(path, data, "strict"),
        lang=_choice(path, data, "lang", LANGS),
        fail_on=_choice(path, data, "fail-on", FAIL_ON),
        baseline=(folder / b) if (b := _string(path, data, "baseline")) else None,
        jobs=_jobs(path, data.get("jobs")),
    )


def _string(path: Path, data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise _type(path, key, "字符串", "a string")
    return value


def _strings(path: Path, data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise _type(path, key, "字符串列表", "a list of strings")


def _ids(path: Path, data: dict[str, Any], key: str) -> tuple[str, ...] | None:
    if key not in data:
        return None
    return tuple(
        part.strip().upper()
        for item in _strings(path, data, key)
        for part in item.split(",")
        if part.strip()
    )


def _bool(path: Path, data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise _type(path, key, "true 或 false", "true or false")
    return value


def _choice(path: Path, data: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
    value = _string(path, data, key)
    if value is not None and value not in allowed:
        raise _type(
            path, key, "或".join(f"“{a}”" for a in allowed), " or ".join(f"'{a}'" for a in allowed)
        )
    return value


def _severity(path: Path, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _type(path, "severity", "表（规则编号 = 严重程度）", "a table (rule id = severity)")
    overrides = {}
    for rule_id, level in value.items():
        if level not in SEVERITIES:
            raise _type(
                path, f"severity.{rule_id}", "error、warning 或 info", "error, warning or info"
            )
        overrides[str(rule_id).strip().upper()] = str(level)
    return overrides


def _jobs(path: Path, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _type(path, "jobs", "正整数", "a positive integer")
    return value


def _type(path: Path, key: str, zh: str, en: str) -> InputError:
    return _bad(path, f"“{key}”应为{zh}", f"'{key}' must be {en}")


def _bad(path: Path, zh: str, en: str) -> InputError:
    return InputError(
        f"配置文件 {path} 有误：{zh}。", f"The config file {path} is not valid: {en}."
    )
