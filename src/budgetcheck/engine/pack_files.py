"""Reading rule pack files: YAML rules, profiles and facts, validated with file and line in errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from budgetcheck import regex
from budgetcheck.engine.facts import compile_fact
from budgetcheck.engine.packs import Profile, Rule, RuleSet
from budgetcheck.errors import RuleError
from budgetcheck.findings import RuleInfo, Text
from budgetcheck.loading.text import key

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: ~10x faster
RULE_ID = regex.compile(r"^[A-Z]{1,3}\d{3}$")
SEVERITIES = ("error", "warning", "info")
MAX_RULE_FILE_BYTES = 2 * 1024 * 1024


def load_folder(folder: Path, ruleset: RuleSet) -> None:
    if not folder.is_dir():
        raise RuleError(f"规则目录不存在：{folder}。", f"The rule folder {folder} does not exist.")
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        raise RuleError(
            f"规则目录 {folder} 中没有 .yaml 规则文件。",
            f"The rule folder {folder} holds no .yaml rule file.",
        )
    for path in files:
        _load_file(path, folder.name, ruleset)


def _load_file(path: Path, pack: str, ruleset: RuleSet) -> None:
    if path.stat().st_size > MAX_RULE_FILE_BYTES:
        raise _error(path, 1, "", "文件超过 2 MB", "the file is larger than 2 MB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _error(path, 1, "", "文件不是 UTF-8 编码", "the file is not UTF-8") from None
    try:
        loader = SAFE_LOADER(text)
        try:
            node = loader.get_single_node()  # the nodes, for line numbers in error messages
            # Safe construction refuses tags such as !!python/object; the values come from here.
            data: Any = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = str(getattr(error, "problem", "") or error)
        raise _error(
            path, line, "", f"YAML 格式错误：{problem}", f"invalid YAML: {problem}"
        ) from None
    if node is None:
        return
    if not isinstance(node, yaml.MappingNode):
        raise _error(path, 1, "", "顶层必须是映射", "the top level must be a mapping")
    top = _mapping(node)
    known = {"pack", "version", "rules", "profiles", "facts"}
    for name, (key_node, _) in top.items():
        if name not in known:
            raise _error(path, _line(key_node), name, "未知字段", "unknown field")
    if "profiles" in top:
        _load_profiles(path, top["profiles"][1], data["profiles"], ruleset)
    if "facts" in top:
        _load_facts(path, top["facts"][1], data["facts"], ruleset)
    if "rules" in top:
        rules_node = top["rules"][1]
        if not isinstance(rules_node, yaml.SequenceNode):
            raise _error(path, _line(rules_node), "rules", "必须是列表", "must be a list")
        for item, item_data in zip(rules_node.value, data["rules"], strict=True):
            rule = _rule(path, pack, item, item_data)
            if any(r.id == rule.id for r in ruleset.rules):
                raise _error(
                    path,
                    _line(item),
                    "id",
                    f"规则编号 {rule.id} 重复",
                    f"the rule id {rule.id} is used twice",
                )
            ruleset.rules.append(rule)


def _rule(path: Path, pack: str, node: yaml.Node, data: object) -> Rule:
    if not isinstance(node, yaml.MappingNode):
        raise _error(
            path, _line(node), "rules", "每条规则必须是映射", "each rule must be a mapping"
        )
    fields = _mapping(node)
    line = _line(node)
    for name in ("id", "severity", "title", "explain", "check"):
        if name not in fields:
            raise _error(path, line, name, "缺少必填字段", "missing required field")
    for name, (key_node, _) in fields.items():
        if name not in ("id", "severity", "title", "explain", "check"):
            raise _error(path, _line(key_node), name, "未知字段", "unknown field")
    rule_id = _scalar(path, fields["id"][1], "id")
    if not RULE_ID.match(rule_id):
        raise _error(
            path,
            _line(fields["id"][1]),
            "id",
            f"“{rule_id}”不是有效的规则编号（如 R101）",
            f"'{rule_id}' is not a rule id like R101",
        )
    severity = _scalar(path, fields["severity"][1], "severity")
    if severity not in SEVERITIES:
        raise _error(
            path,
            _line(fields["severity"][1]),
            "severity",
            "必须是 error、warning 或 info",
            "must be error, warning or info",
        )
    check_node = fields["check"][1]
    check = data.get("check") if isinstance(data, dict) else None
    if not isinstance(check, dict) or "kind" not in check:
        raise _error(
            path,
            _line(check_node),
            "check",
            "必须是含 kind 的映射",
            "must be a mapping with a kind",
        )
    info = RuleInfo(
        id=rule_id,
        severity=severity,  # type: ignore[arg-type]
        title=_text(path, fields["title"][1], "title"),
        explanation=_text(path, fields["explain"][1], "explain"),
        check_kind=str(check["kind"]),
        pack=pack,
    )
    return Rule(info, check, f"{path}:{_line(check_node)}")


def _load_profiles(path: Path, node: yaml.Node, values: object, ruleset: RuleSet) -> None:
    if not isinstance(node, yaml.MappingNode) or not isinstance(values, dict):
        raise _error(path, _line(node), "profiles", "必须是映射", "must be a mapping")
    for name, (key_node, _) in _mapping(node).items():
        data = values.get(name)
        if not isinstance(data, dict) or not isinstance(data.get("required"), list):
            raise _error(
                path,
                _line(key_node),
                f"profiles.{name}",
                "需要 required 列表",
                "needs a required list",
            )
        from budgetcheck.loading.kinds import kind_catalogue

        unknown = [str(k) for k in data["required"] if str(k) not in kind_catalogue().kinds]
        if unknown:
            raise _error(
                path,
                _line(key_node),
                f"profiles.{name}",
                f"未知的表格类型 {unknown}",
                f"unknown table kinds {unknown}",
            )
        title = data.get("title", {})
        ruleset.profiles[name] = Profile(
            id=name,
            title=Text(str(title.get("zh", name)), str(title.get("en", name))),
            required=tuple(str(kind) for kind in data["required"]),
        )


def _load_facts(path: Path, node: yaml.Node, values: object, ruleset: RuleSet) -> None:
    if not isinstance(node, yaml.MappingNode) or not isinstance(values, dict):
        raise _error(path, _line(node), "facts", "必须是映射", "must be a mapping")
    for name, (key_node, value) in _mapping(node).items():
        patterns = values.get(name)
        if isinstance(patterns, str):
            patterns = [patterns]
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise _error(
                path,
                _line(key_node),
                f"facts.{name}",
                "必须是正则表达式列表",
                "must be a list of regular expressions",
            )
        try:
            ruleset.facts[key(name)] = compile_fact(name, patterns)
        except (re.error, ValueError) as error:
            raise _error(
                path,
                _line(value),
                f"facts.{name}",
                f"正则表达式有误：{error}",
                f"bad regular expression: {error}",
            ) from None


def _mapping(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    return {str(k.value): (k, v) for k, v in node.value}


def _scalar(path: Path, node: yaml.Node, name: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _error(path, _line(node), name, "必须是文字", "must be a plain value")
    return str(node.value)


def _text(path: Path, node: yaml.Node, name: str) -> Text:
    if isinstance(node, yaml.MappingNode):
        fields = _mapping(node)
        if "zh" in fields and "en" in fields:
            return Text(
                _scalar(path, fields["zh"][1], f"{name}.zh").strip(),
                _scalar(path, fields["en"][1], f"{name}.en").strip(),
            )
    raise _error(path, _line(node), name, "需要 zh 和 en 两种语言", "needs both zh and en")


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _error(path: Path, line: int, field_name: str, zh: str, en: str) -> RuleError:
    where = f"{path.name} 第 {line} 行" + (f"，字段 {field_name}" if field_name else "")
    where_en = f"{path.name}, line {line}" + (f", field {field_name}" if field_name else "")
    return RuleError(f"规则文件错误（{where}）：{zh}。", f"Rule file error ({where_en}): {en}.")
