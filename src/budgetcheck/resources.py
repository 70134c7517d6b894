"""Where the shipped rule packs live: inside the installed package, or beside src/ in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


@cache
def rules_dir() -> Path:
    packaged = Path(__file__).parent / "rules"
    if packaged.is_dir():
        return packaged
    # An editable install or a plain checkout: the repository's own rules/ folder.
    return Path(__file__).resolve().parents[2] / "rules"


@cache
def rules_yaml(name: str) -> Any:
    """A YAML file of the shipped rules folder, parsed once per process and cached across them."""
    from budgetcheck.cache import cached

    path = rules_dir() / name
    return cached("yaml-" + name.replace("/", "-"), [path], lambda: _parse_yaml(path))


def _parse_yaml(path: Path) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: ~10x faster
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
