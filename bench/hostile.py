"""Run the hostile-input corpus through the CLI and record wall time and peak memory per file.

    python bench/hostile.py                 # every kind, Markdown table on stdout
    python bench/hostile.py --kind zip-bomb --kind rows-200k
    python bench/hostile.py --keep DIR      # build the corpus into DIR and keep it

Each file is checked in its own subprocess (`python -m budgetcheck FILE`); wall time is measured
around the process, peak resident memory is the child's own ru_maxrss from os.wait4. The
targets are 2 s and 300 MB per file (docs/hostile-input.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import hostile_corpus as hc  # noqa: E402

TIME_LIMIT = 2.0  # seconds
MEMORY_LIMIT = 300.0  # MB


@dataclass(frozen=True)
class Measure:
    kind: str
    size: int
    exit_code: int
    seconds: float
    peak_mb: float
    line: str


def build_all(kinds: list[str], base: Path) -> dict[str, hc.Built]:
    """Build the corpus in a child process: a fork inherits its parent's peak memory, so the
    measuring process must stay small (openpyxl writing 1,000 sheets is not small)."""
    manifest = base / "manifest.json"
    subprocess.run(
        [sys.executable, __file__, "--build", str(base), *(f"--kind={k}" for k in kinds)],
        check=True,
    )
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {
        kind: hc.Built(Path(item["target"]), tuple(item["args"]), tuple(map(Path, item["watched"])))
        for kind, item in data.items()
    }


def _write_manifest(kinds: list[str], base: Path) -> None:
    data = {}
    for kind in kinds:
        built = hc.build(hc.BY_KIND[kind], base / kind)
        data[kind] = {
            "target": str(built.target),
            "args": list(built.args),
            "watched": [str(p) for p in built.watched],
        }
    (base / "manifest.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def run(case: hc.Case, built: hc.Built) -> Measure:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            hc.command(case, built),
            stdout=out,
            stderr=err,
            cwd=ROOT,
            preexec_fn=hc.preexec(case),
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    files = [p for p in (built.target, *built.watched) if p.is_file()]
    size = sum(p.stat().st_size for p in files)  # workbook plus rule or narrative file
    line = lines[0] if lines else "(findings on stdout)"
    return Measure(case.kind, size, proc.returncode, seconds, usage.ru_maxrss / 1024, line)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} B"


def table(measures: list[Measure]) -> str:
    rows = [
        "| kind | input size | exit | wall time (s) | peak RSS (MB) | within target |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for m in measures:
        ok = m.seconds <= TIME_LIMIT and m.peak_mb <= MEMORY_LIMIT
        rows.append(
            f"| {m.kind} | {_size(m.size)} | {m.exit_code} | {m.seconds:.2f} | "
            f"{m.peak_mb:.0f} | {'yes' if ok else '**no**'} |"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", action="append", help="only these kinds (repeatable)")
    parser.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    parser.add_argument("--lines", action="store_true", help="also print each stderr sentence")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # the child's job
    options = parser.parse_args()
    cases = [hc.BY_KIND[k] for k in options.kind] if options.kind else list(hc.CORPUS)
    if options.build:
        _write_manifest([c.kind for c in cases], options.build)
        return 0
    base = options.keep or Path(tempfile.mkdtemp(prefix="budgetcheck-hostile-"))
    base.mkdir(parents=True, exist_ok=True)
    corpus = build_all([c.kind for c in cases], base)
    measures = []
    for case in cases:
        built = corpus[case.kind]
        measure = run(case, built)
        measures.append(measure)
        print(f"{case.kind}: exit {measure.exit_code}, {measure.seconds:.2f} s, "
              f"{measure.peak_mb:.0f} MB", file=sys.stderr)  # fmt: skip
    print(
        f"Measured {date.today().isoformat()} on {platform.machine()} "
        f"({os.cpu_count()} cores, {platform.system()} {platform.release()}), "
        f"Python {platform.python_version()}.\n"
    )
    print(table(measures))
    if options.lines:
        print()
        for m in measures:
            print(f"- {m.kind}: {m.line}")
    if options.keep is None:
        import shutil

        shutil.rmtree(base, ignore_errors=True)
    over = [m.kind for m in measures if m.seconds > TIME_LIMIT or m.peak_mb > MEMORY_LIMIT]
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
