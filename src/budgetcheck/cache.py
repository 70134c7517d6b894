"""A per-user cache of parsed rule files, so that a run does not parse again what it parsed before.

Parsing and validating the shipped rule packs (PyYAML, then a walk of the nodes for line numbers)
costs about 35 ms per process, a sixth of a whole `budgetcheck FILE` run; reading the result
back from a pickle costs about 2 ms.

An entry is keyed by the budgetcheck version, the Python version, and the size and modification
time of every file it was made from: the rule files, and budgetcheck's own modules (so that an
edited checkout never reads an entry its old code made). Anything wrong with the cache (no home
folder, a read-only disk, a truncated or foreign file) falls back to parsing: the cache can make
a run faster, never change its result.

Where: $BUDGETCHECK_CACHE_DIR, else $XDG_CACHE_HOME/budgetcheck, else ~/.cache/budgetcheck
(%LOCALAPPDATA%\\budgetcheck on Windows). BUDGETCHECK_CACHE_DIR=off turns it off. Entries are
pickles, so only a file the current user owns is read, and the folder is created private (0700).

The folder also holds budgetcheck.regex's compiled patterns; patterns inside a cached value are
pickled as calls to regex.compile, so reading them back compiles nothing.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from budgetcheck import __version__

T = TypeVar("T")

ENVIRONMENT_VARIABLE = "BUDGETCHECK_CACHE_DIR"
_MISSING = object()


def cached(name: str, sources: Iterable[Path], build: Callable[[], T]) -> T:
    """`build()`, or what it returned before for the same sources."""
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        path = folder / f"{name}-{_key(name, sources)}.pickle"
    except OSError:  # a source vanished: let build() say what is wrong with it
        return build()
    value = _read(path)
    if value is not _MISSING:
        return value  # type: ignore[no-any-return]
    value = build()
    _write(path, name, value)
    return value


def cache_dir() -> Path | None:
    chosen = os.environ.get(ENVIRONMENT_VARIABLE)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off") else Path(chosen)
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "budgetcheck" if base else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return None if base.startswith("~") else Path(base) / "budgetcheck"


def _key(name: str, sources: Iterable[Path]) -> str:
    stamps = [(str(p), *_stamp(p)) for p in sources]
    text = repr((name, __version__, sys.version_info[:3], _package_stamp(), stamps))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _stamp(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_size, status.st_mtime_ns


@cache
def _package_stamp() -> str:
    """Size and time of every module of budgetcheck, in one short digest."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        for file in sorted(files):
            if file.endswith(".py"):
                digest.update(repr((file, *_stamp(Path(folder) / file))).encode("utf-8"))
    return digest.hexdigest()


def _read(path: Path) -> Any:
    try:
        with open(path, "rb") as file:
            if hasattr(os, "getuid") and os.fstat(file.fileno()).st_uid != os.getuid():
                return _MISSING
            return pickle.load(file)
    except FileNotFoundError:
        return _MISSING
    except Exception:  # a damaged or foreign entry is a miss, whatever the error
        return _MISSING


def _write(path: Path, name: str, value: object) -> None:
    folder = path.parent
    temporary: Path | None = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as file:
            temporary = Path(file.name)
            pickler = pickle.Pickler(file, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = _DISPATCH
            pickler.dump(value)
        os.replace(temporary, path)
    except Exception:  # read-only disk, full disk, unpicklable value: no cache
        _remove(temporary)
        return
    for old in folder.glob(f"{name}-*.pickle"):  # entries of older sources are never read again
        if old != path:
            _remove(old)


def _pattern(pattern: re.Pattern[Any]) -> tuple[Callable[..., object], tuple[object, ...]]:
    # Read back through budgetcheck.regex rather than re.compile, which would compile the
    # pattern afresh in every process (~13 ms for one fact pattern of the shipped rules).
    from budgetcheck import regex

    # .flags carries the UNICODE that re adds to every str pattern; compiled without it is the
    # same pattern, and the same key as the module-level compile(pattern) the cache holds.
    flags = pattern.flags & ~re.UNICODE if isinstance(pattern.pattern, str) else pattern.flags
    return regex.compile, (pattern.pattern, flags)


_DISPATCH = {**copyreg.dispatch_table, re.Pattern: _pattern}


def _remove(path: Path | None) -> None:
    # Best effort: another process may have removed it, or the folder may be read-only.
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()
