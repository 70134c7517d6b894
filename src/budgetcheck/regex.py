"""Regular expressions compiled once per machine instead of once per process.

Python compiles a pattern in pure Python (re._parser, re._compiler) and cannot save the result:
budgetcheck's ~100 patterns cost ~110 M instructions in every run, a fifth of what a check of
one workbook adds to starting Python (measured with callgrind: 1,156 M for a whole
`budgetcheck FILE` run, 1,044 M with the patterns read back). So `compile` keeps the compiled form,
the list of opcodes the regular-expression engine runs, in a file beside the rule cache, and the
next process hands it straight to the engine (`_sre.compile`, what re.compile itself ends with).

The file is keyed by the exact Python build and the engine's MAGIC number, so an opcode list
is only ever given to the engine that made it; anything unexpected (another Python
implementation, a changed private API, a damaged file, a cache that is off) falls back to
re.compile, which also gives the usual error for a bad pattern. The cache can make a run faster,
never change what a pattern matches.
"""

from __future__ import annotations

import contextlib
import importlib
import marshal
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, AnyStr

from budgetcheck.cache import cache_dir

# Private modules, reached by name so that the type checker takes them as plain modules.
_sre: Any = importlib.import_module("_sre")
_parser: Any = importlib.import_module("re._parser")
_compiler: Any = importlib.import_module("re._compiler")

# More than budgetcheck and any sensible rule pack use; past it, a save keeps only this
# process's patterns, so that the file cannot grow without end.
LIMIT = 2000

Entry = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

_known: dict[tuple[str | bytes, int], Entry] | None = None
_used: set[tuple[str | bytes, int]] = set()
_added = False


def compile(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """re.compile(pattern, flags), from the saved opcodes when this machine compiled it before."""
    key = (pattern, int(flags))
    known = _load()
    entry = known.get(key)
    if entry is not None:
        with contextlib.suppress(Exception):  # a damaged entry: compile afresh below
            compiled: re.Pattern[AnyStr] = _sre.compile(pattern, *entry)
            _used.add(key)
            return compiled
    entry = _translate(pattern, key[1])
    try:
        if entry is None:
            raise ValueError("left to re")
        compiled = _sre.compile(pattern, *entry)
    except Exception:  # re's own way: its result, or its error for a bad pattern
        return re.compile(pattern, flags)
    global _added
    known[key] = entry
    _used.add(key)
    _added = True
    return compiled


def save() -> None:
    """Keep what this process compiled for the next one (called once, as the CLI leaves)."""
    global _added
    path = _path()
    if not _added or _known is None or path is None:
        return
    kept = _known if len(_known) <= LIMIT else {k: _known[k] for k in _used}
    temporary: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
            temporary = file.name
            marshal.dump(kept, file)
        os.replace(temporary, path)
        _added = False
    except Exception:  # read-only or full disk: the next run compiles again
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _translate(pattern: str | bytes, flags: int) -> Entry | None:
    """What re._compiler.compile gives _sre.compile, as plain data; None if re must do it."""
    if sys.implementation.name != "cpython" or flags & re.DEBUG:
        return None
    try:
        parsed = _parser.parse(pattern, flags)
        code = [int(op) for op in _compiler._code(parsed, flags)]
        state = parsed.state
        groupindex = dict(state.groupdict)
        indexgroup: list[str | None] = [None] * state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        return (int(flags | state.flags), code, state.groups - 1, groupindex, tuple(indexgroup))
    except Exception:  # a bad pattern, or an re that works differently: re.compile decides
        return None


def _load() -> dict[tuple[str | bytes, int], Entry]:
    global _known
    if _known is None:
        _known = _read(_path())
    return _known


def _read(path: Path | None) -> dict[tuple[str | bytes, int], Entry]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as file:
            if hasattr(os, "getuid") and os.fstat(file.fileno()).st_uid != os.getuid():
                return {}
            value = marshal.loads(file.read())  # marshal.load reads piece by piece: ~15 × slower
    except Exception:  # missing, damaged or foreign: start empty
        return {}
    return value if isinstance(value, dict) else {}


def _path() -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    build = f"{sys.implementation.cache_tag}-{sys.hexversion:x}-{_sre.MAGIC}"
    return folder / f"regex-{build}.marshal"
