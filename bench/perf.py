"""Measure budgetcheck against its performance targets, in one run so that ratios are fair.

    python bench/perf.py                       # everything; writes docs/benchmarks.md
    python bench/perf.py --quick               # 100 workbooks, 1x/10x scaling only
    python bench/perf.py --out other.md        # write the report elsewhere

Generates into bench/out/ (git-ignored; reused when the generator has not changed) one
department workbook, 1x/10x/100x scaled copies of it, one large workbook (10,000 rows per
classified table) and a folder of 1,000 department workbooks (bench/synth.py), then runs every
measurement as a subprocess: wall time by time.perf_counter() around subprocess.run, peak RSS
by /usr/bin/time -f %M (else resource.getrusage(RUSAGE_CHILDREN) in a fresh wrapper process).
Figures are medians. Needs budgetcheck installed in this Python (pip install -e .); installs
pyinstrument into it for the profile and frictionless into bench/.venv-frictionless.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
# Where the measured commands run: a folder outside this repository, as a user's folder of
# workbooks (inside it, budgetcheck would find and read the repository's pyproject.toml).
USER_FOLDER = Path(tempfile.gettempdir())
VENV = HERE / ".venv-frictionless"
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

TIME = "/usr/bin/time"
SINGLE_SEED = 0
INJECTED = 2  # errors in every measured workbook: a changed cell and a wrong percentage
LARGE_ROWS = 10_000
LARGE_MAX_SIZE = 100  # MB; budgetcheck allows 200 rows per MB of --max-size, 20,000 rows
HEAVY = {  # modules `budgetcheck --help` must not import
    "Excel": ("python_calamine", "openpyxl", "xlrd", "budgetcheck.loading"),
    "report": ("budgetcheck.reporting", "tabulate", "wcwidth"),
    "rules": ("budgetcheck.engine", "budgetcheck.narrative", "yaml", "budgetcheck.api"),
    "other": ("docx", "pydantic"),
}
FLOOR = """
import sys
import typer, rich.console, rich.table  # the CLI libraries budgetcheck imports
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
cells = sum(len(r) for n in wb.sheet_names
            for r in wb.get_sheet_by_name(n).to_python(skip_empty_area=False))
"""
FLOOR_EXIT = """
import os
sys.stdout.flush()
os._exit(0)
"""
RSS_WRAPPER = """
import os, resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


# --------------------------------------------------------------------------- running


@dataclass
class Sample:
    label: str
    seconds: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    tree_kb: list[int] = field(default_factory=list)  # sampled sum over the process tree
    codes: list[int] = field(default_factory=list)

    @property
    def time(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rss_mb(self) -> float:
        return statistics.median(self.rss_kb) / 1024

    @property
    def tree_mb(self) -> float:
        return statistics.median(self.tree_kb) / 1024 if self.tree_kb else 0.0


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError, ValueError):
            continue
    return total


def run_once(cmd: Sequence[str], sample: Sample, stdout: Path | None = None,
             cwd: Path | None = None, env: dict[str, str] | None = None) -> None:  # fmt: skip
    with tempfile.NamedTemporaryFile(dir=OUT, suffix=".rss", delete=False) as f:
        rss_file = Path(f.name)
    if Path(TIME).exists():
        argv = [TIME, "-f", "%M", "-o", str(rss_file), *cmd]
    else:
        argv = [sys.executable, "-c", RSS_WRAPPER, str(rss_file), *cmd]
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    peak = [0]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, cwd=cwd or USER_FOLDER,
                            env={**os.environ, **(env or {})})  # fmt: skip
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=poll, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    if stdout:
        out.close()  # type: ignore[union-attr]
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.decode()[-800:]}")
    text = rss_file.read_text().strip().splitlines()
    rss_file.unlink()
    sample.seconds.append(elapsed)
    sample.rss_kb.append(int(text[-1]))
    sample.tree_kb.append(peak[0])
    sample.codes.append(proc.returncode)


def measure(label: str, cmd: Sequence[str], runs: int, warmup: bool = True, **kw) -> Sample:  # type: ignore[no-untyped-def]
    sample = Sample(label)
    if warmup:  # page cache, .pyc files
        run_once(cmd, Sample(label), **kw)
    for _ in range(runs):
        run_once(cmd, sample, **kw)
    print(f"  {label}: {sample.time:.3f} s (median of {runs}), {sample.rss_mb:.0f} MB",
          flush=True)  # fmt: skip
    return sample


def interleaved(pairs: list[tuple[str, Sequence[str]]], runs: int) -> list[Sample]:
    """Alternate the commands run by run so that background load hits them alike."""
    samples = [Sample(label) for label, _ in pairs]
    for _, cmd in pairs:
        run_once(cmd, Sample("warmup"))
    for _ in range(runs):
        for (_, cmd), sample in zip(pairs, samples, strict=True):
            run_once(cmd, sample)
    for s in samples:
        print(f"  {s.label}: {s.time:.3f} s (median of {runs}), {s.rss_mb:.0f} MB", flush=True)
    return samples


def budgetcheck_cmd() -> list[str]:
    """The console script of this Python (not a pyenv shim: a shell script that would add
    ~100 ms), else ``python -m budgetcheck``."""
    script = Path(sys.executable).parent / "budgetcheck"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "budgetcheck"]


# --------------------------------------------------------------------------- workbooks


def generator_hash() -> str:
    h = hashlib.sha256()
    for p in (HERE / "synth.py", ROOT / "fixtures" / "workbook_writer.py",
              ROOT / "fixtures" / "make_fixtures.py"):  # fmt: skip
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _write_one(args: tuple[int, str, int, int]) -> str:
    seed, path, scale, errors = args
    synth.write(seed, Path(path), scale, errors)
    return path


def folder_errors(seed: int) -> int:
    """Every fifth department of the folder carries the injected errors."""
    return INJECTED if seed % 5 == 0 else 0


def generate(count: int, quick: bool) -> dict[str, Path]:
    OUT.mkdir(exist_ok=True)
    stamp = OUT / "generator.txt"
    fresh = stamp.exists() and stamp.read_text() == generator_hash()
    if not fresh:
        for old in OUT.glob("*.xlsx"):
            old.unlink()
        for old in OUT.glob("departments-*"):
            shutil.rmtree(old, ignore_errors=True)
    files = {
        "single": OUT / "department.xlsx",
        "clean": OUT / "department-clean.xlsx",
        "x10": OUT / "department-x10.xlsx",
        "x100": OUT / "department-x100.xlsx",
    }
    jobs: list[tuple[int, str, int, int]] = [
        (SINGLE_SEED, str(files["single"]), 1, INJECTED),
        (SINGLE_SEED, str(files["clean"]), 1, 0),
        (SINGLE_SEED, str(files["x10"]), 10, INJECTED),
    ]
    if not quick:
        files["large"] = OUT / "large.xlsx"
        jobs += [(SINGLE_SEED, str(files["x100"]), 100, INJECTED),
                 (SINGLE_SEED, str(files["large"]), synth.scale_for_rows(SINGLE_SEED, LARGE_ROWS),
                  INJECTED)]  # fmt: skip
    folder = OUT / f"departments-{count}"  # --quick and full runs keep their own folders
    folder.mkdir(exist_ok=True)
    for seed in range(1, count + 1):
        jobs.append((seed, str(folder / f"dept-{seed:04d}.xlsx"), 1, folder_errors(seed)))
    todo = [j for j in jobs if not Path(j[1]).exists()]
    if todo:
        print(f"generating {len(todo)} workbooks into {OUT.relative_to(ROOT)} ...", flush=True)
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(_write_one, todo, chunksize=8))
        print(f"  {time.perf_counter() - started:.1f} s", flush=True)
    stamp.write_text(generator_hash())
    files["folder"] = folder
    return files


def verify(files: dict[str, Path], count: int) -> list[str]:
    """The un-injected department is consistent and budgetcheck finds 0 errors in it; the
    injected one has errors; a sample of the folder behaves the same."""
    notes: list[str] = []
    problems = synth.verify_spec(synth.department_spec(SINGLE_SEED))
    clean_errors, _ = synth.budgetcheck_errors(files["clean"])
    injected_errors, rules = synth.budgetcheck_errors(files["single"])
    ok = not problems and clean_errors == 0 and injected_errors > 0
    notes.append(f"department (seed {SINGLE_SEED}): identities {problems or 'hold'}; "
                 f"budgetcheck finds {clean_errors} errors in the clean version and "
                 f"{injected_errors} ({rules}) with {INJECTED} injected")  # fmt: skip
    sample = [s for s in (1, 2, 3, 4, 5, 10) if s <= count]
    bad = []
    for seed in sample:
        spec_problems = synth.verify_spec(synth.department_spec(seed))
        n, r = synth.budgetcheck_errors(files["folder"] / f"dept-{seed:04d}.xlsx")
        expected = folder_errors(seed) > 0
        if spec_problems or (n > 0) != expected:
            bad.append(f"seed {seed}: {spec_problems} / {n} errors {r}")
    notes.append(f"folder sample (seeds {', '.join(map(str, sample))}, every code style): "
                 + ("as expected" if not bad else "; ".join(bad)))  # fmt: skip
    if not ok or bad:
        print("VERIFICATION FAILED:\n  " + "\n  ".join(notes), file=sys.stderr)
    return notes


# --------------------------------------------------------------------------- measurements


def has_jobs(bc: list[str]) -> bool:
    text = subprocess.run([*bc, "check", "--help"], capture_output=True, text=True).stdout
    return "--jobs" in text


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_gb() -> float:
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        return kb / 1024 / 1024
    except (OSError, AttributeError):
        return 0.0


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def help_imports(bc: list[str]) -> tuple[list[str], float]:
    """Heavy modules `budgetcheck --help` imports, and its total import time (ms)."""
    script = bc[-1] if len(bc) == 1 else None
    cmd = [sys.executable, "-X", "importtime"]
    cmd += [script, "--help"] if script else ["-m", "budgetcheck", "--help"]
    err = subprocess.run(cmd, capture_output=True, text=True).stderr
    names, total = [], 0
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            names.append(m.group(4))
            total += int(m.group(1))
    heavy = sorted({n for n in names for group in HEAVY.values() for h in group
                    if n == h or n.startswith(h + ".")})  # fmt: skip
    top = sorted({n.split(".")[0] if not n.startswith("budgetcheck") else ".".join(n.split(".")[:2])
                  for n in heavy})  # fmt: skip
    return top, total / 1000


def ensure_pyinstrument() -> bool:
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        print("installing pyinstrument ...", flush=True)
        r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pyinstrument"])
        return r.returncode == 0
    return True


PROFILE = """
import json, sys
from pyinstrument import Profiler
out, argv = sys.argv[1], sys.argv[2:]
profiler = Profiler(interval=0.0002)
profiler.start()
from budgetcheck.cli import main
sys.argv = ["budgetcheck", *argv]
try:
    main()
except SystemExit:
    pass
profiler.stop()
rows = []
def walk(frame, caller, ancestors):
    real = [c for c in frame.children if not c.is_synthetic]
    own = frame.time - sum(c.time for c in real)
    name = (frame.file_path or "", frame.function)
    outermost = name not in ancestors
    rows.append((frame.function, frame.file_path or "", caller, own, frame.time, outermost))
    for child in real:
        walk(child, name, ancestors | {name})
root = profiler.last_session.root_frame()
walk(root, ("", ""), frozenset())
json.dump({"total": root.time, "rows": rows}, open(out, "w"))
"""


def _module(path: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python3."):
        if marker in path:
            rest = path.split(marker, 1)[1]
            if marker.startswith("/lib/python3."):
                rest = rest.split("/", 1)[1] if "/" in rest else rest
            return rest.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    return path.removesuffix(".py") or "?"


def profile(path: Path, runs: int = 3) -> list[tuple[str, float, float]]:
    """Top 15 functions by self time, as (module:function, % self, % inclusive), over
    ``runs`` whole-process runs of `budgetcheck FILE -f json -o ...`."""
    self_time: dict[str, float] = defaultdict(float)
    incl: dict[str, float] = defaultdict(float)
    total = 0.0
    for i in range(runs):
        target = OUT / f"profile-{i}.json"
        report = OUT / "profile-report.json"
        subprocess.run([sys.executable, "-c", PROFILE, str(target), str(path), "-f", "json",
                        "-o", str(report)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        data = json.loads(target.read_text())
        total += data["total"]
        for function, file, (caller_file, caller), own, inclusive, outermost in data["rows"]:
            name = f"{_module(file)}:{function}"
            if not file or file.startswith("<"):  # a built-in: name its caller too
                name = f"{function} (in {_module(caller_file)}:{caller})"
            self_time[name] += own
            if outermost:  # recursion: count the outermost frame only
                incl[name] += inclusive
    ranked = sorted(self_time.items(), key=lambda kv: -kv[1])[:15]
    return [(n, 100 * t / total, 100 * incl[n] / total) for n, t in ranked]


# --------------------------------------------------------------------------- frictionless


def frictionless_exe() -> Path | None:
    exe = VENV / "bin" / "frictionless"
    if exe.exists():
        return exe
    print("creating bench/.venv-frictionless ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q",
                        "frictionless", "openpyxl"], check=True)  # fmt: skip
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"  frictionless unavailable: {error}", flush=True)
        return None
    return exe if exe.exists() else None


# frictionless 5.21 `validate --type inquiry` passes a task's checklist to Resource() and fails
# ("unexpected keyword argument 'checklist'"), so the inquiry's tasks are run the way the
# inquiry would run them: Resource.from_options(...).validate(checklist), all in one process.
FRICTIONLESS_DRIVER = """
import json, sys
from frictionless import Checklist, Dialect, Resource
tasks = json.load(open(sys.argv[1]))["tasks"]
invalid = []
for task in tasks:
    checklist = Checklist.from_descriptor(task.pop("checklist"))
    task.pop("name")
    sheet = task["dialect"]["excel"]["sheet"]
    task["dialect"] = Dialect.from_descriptor(task["dialect"])
    report = Resource.from_options(**task).validate(checklist)
    kinds = sorted({e.type for t in report.tasks for e in t.errors})
    invalid += [f"{sheet} ({', '.join(kinds)})"] if not report.valid else []
print(json.dumps({"tasks": len(tasks), "invalid": invalid}, ensure_ascii=False))
"""


def frictionless_errors(driver: list[str], path: Path) -> str:
    target = OUT / "frictionless-check.json"
    frictionless_inquiry([(path, SINGLE_SEED)], target)
    result = subprocess.run([*driver, str(target)], capture_output=True, text=True, cwd=ROOT)
    if result.returncode:
        return f"failed: {result.stderr.strip()[-300:]}"
    data = json.loads(result.stdout)
    return f"{data['tasks']} tables, row-constraint fails in {data['invalid'] or 'none'}"


# For each table with row identities: the constraint frictionless checks on every data row,
# over header-less columns (field1, field2, ...), code column first (Layout "joined") or not.
def _constraints(spec: synth.BudgetSpec, style: str) -> list[tuple[str, int, str]]:
    """(sheet, first data row, formula) per table: one row-constraint each."""
    out = []
    for t in spec.tables:
        if not isinstance(t, synth.TableSpec) or not t.rows:
            continue
        header_rows = len(t.header) + (1 if style == "split" and len(t.header) == 1
                                       and t.code_scheme else 0)  # fmt: skip
        first = 2 + header_rows + 1  # title, unit line, header rows; 1-based
        split = 3 if t.code_scheme == "function" else 2
        s = (1 if style == "joined" else split if style == "split" else 0) if t.code_scheme else 0
        f = [f"field{s + t.text_columns + i + 1}" for i in range(t.width - t.text_columns)]
        if t.right_rows is not None:
            formula = "field2 == field2"  # two-sided: the 收入 amount is a number
        elif t.kind == "general_budget_expenditure":
            formula = f"{f[0]} == ({f[1]} or 0) + ({f[4]} or 0)"
        elif t.kind == "three_public_expenses":
            formula = f"({f[0]} or 0) >= 0"
        else:
            formula = f"{f[0]} == " + " + ".join(f"({x} or 0)" for x in f[1:3])
        out.append((t.title, first, formula))
    return out


def frictionless_inquiry(paths: list[tuple[Path, int]], target: Path) -> int:
    """An inquiry file with one task per table of each workbook; returns the task count."""
    tasks = []
    for path, seed in paths:
        spec = synth.department_spec(seed, 1)
        style = synth.department_layout(seed).code_style
        for sheet, first, formula in _constraints(spec, style):
            tasks.append({
                # relative: frictionless refuses absolute paths as "not safe"
                "name": f"t{len(tasks)}", "path": os.path.relpath(path, ROOT), "format": "xlsx",
                "dialect": {"header": False, "commentRows": list(range(1, first)),
                            "excel": {"sheet": sheet}},
                "checklist": {"checks": [{"type": "row-constraint", "formula": formula}]},
            })  # fmt: skip
    target.write_text(json.dumps({"tasks": tasks}, ensure_ascii=False, indent=1))
    return len(tasks)


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    measure: str
    value: str
    memory: str
    target: str
    ok: bool | None  # None: no target


def mark(ok: bool | None) -> str:
    return "" if ok is None else "✓" if ok else "✗"


def render(rows: list[Row], machine: dict[str, str], extras: dict[str, list[str]]) -> str:
    lines = ["# Benchmarks", "",
             "Generated by `python bench/perf.py` (see bench/perf.py for method). Do not edit by "
             "hand: rerun the script.", ""]  # fmt: skip
    lines += [f"- **{k}**: {v}" for k, v in machine.items()]
    lines += ["", "| measure | result | peak RSS | target | met |", "|---|---|---|---|---|"]
    lines += [f"| {r.measure} | {r.value} | {r.memory} | {r.target} | {mark(r.ok)} |"
              for r in rows]  # fmt: skip
    for title, body in extras.items():
        lines += ["", f"## {title}", "", *body]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="budgetcheck benchmarks")
    parser.add_argument("--quick", action="store_true", help="100 workbooks, 1x/10x only")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--runs", type=int, default=0, help="runs of the fast measurements")
    parser.add_argument("--no-frictionless", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)
    try:
        import budgetcheck  # noqa: F401
    except ImportError:
        sys.exit("budgetcheck is not installed in this Python: pip install -e . first "
                 "(or run with .venv/bin/python as in the README)")  # fmt: skip
    quick = args.quick
    count = 100 if quick else 1000
    fast_runs = args.runs or (5 if quick else 9)
    slow_runs = 3

    # Run as an installed package runs: with cached bytecode. (This environment sets
    # PYTHONDONTWRITEBYTECODE, which makes every run compile budgetcheck's ~60 modules; the
    # prefix keeps the caches out of the source tree.)
    no_pyc = os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    # budgetcheck's parsed-rules cache, as on a user's machine after the first run; its own
    # folder here, filled by the warm-up runs. The cold case is measured separately below.
    os.environ["BUDGETCHECK_CACHE_DIR"] = str(OUT / "cache")
    bc = budgetcheck_cmd()
    started = time.perf_counter()
    files = generate(count, quick)
    notes = verify(files, count)
    rows: list[Row] = []
    extras: dict[str, list[str]] = {}

    print("one department workbook vs the floor ...", flush=True)
    single_out = OUT / "single.txt"
    floor, single, bare = interleaved(
        [("floor", [sys.executable, "-c", FLOOR, str(files["single"])]),
         ("budgetcheck", [*bc, str(files["single"])]),
         ("floor, no teardown", [sys.executable, "-c", FLOOR + FLOOR_EXIT,
                                 str(files["single"])])], fast_runs)  # fmt: skip
    run_once([*bc, str(files["single"])], Sample("out"), stdout=single_out)
    ratio = single.time / floor.time
    rows.append(Row("floor: python + typer + rich + calamine, read all cells",
                    f"{floor.time * 1000:.0f} ms", f"{floor.rss_mb:.0f} MB", "", None))  # fmt: skip
    rows.append(Row("`budgetcheck FILE`, one department workbook (~150 rows)",
                    f"{single.time * 1000:.0f} ms = {ratio:.2f} × floor",
                    f"{single.rss_mb:.0f} MB", "≤ 1.5 × floor", ratio <= 1.5))  # fmt: skip
    rows.append(Row("for comparison: the floor leaving without the interpreter's teardown, "
                    "as budgetcheck does", f"{bare.time * 1000:.0f} ms; budgetcheck = "
                    f"{single.time / bare.time:.2f} × this", f"{bare.rss_mb:.0f} MB", "",
                    None))  # fmt: skip
    cold = measure("budgetcheck, rule cache off", [*bc, str(files["single"])], fast_runs,
                   env={"BUDGETCHECK_CACHE_DIR": "off"})  # fmt: skip
    rows.append(Row("the same with the rule cache off (rules parsed and patterns compiled "
                    "again, as in the first run after installing or editing rules)",
                    f"{cold.time * 1000:.0f} ms = "
                    f"{cold.time / floor.time:.2f} × floor", f"{cold.rss_mb:.0f} MB", "",
                    None))  # fmt: skip
    rows.append(Row("peak memory, one department workbook", f"{single.rss_mb:.0f} MB",
                    f"{single.rss_mb:.0f} MB", "≤ 100 MB", single.rss_mb <= 100))  # fmt: skip

    print("budgetcheck --help ...", flush=True)
    helps = measure("--help", [*bc, "--help"], fast_runs)
    heavy, import_ms = help_imports(bc)
    rows.append(Row("`budgetcheck --help`",
                    f"{helps.time * 1000:.0f} ms (imports: {import_ms:.0f} ms by -X importtime, which slows them); heavy imports: "
                    f"{', '.join(heavy) or 'none'}",
                    f"{helps.rss_mb:.0f} MB", "no Excel/report/rule modules", not heavy))  # fmt: skip

    print(f"batch of {count} workbooks ...", flush=True)
    jobs_ok = has_jobs(bc)
    report = OUT / "batch.json"
    batch1 = measure(f"batch {count} --jobs 1",
                     [*bc, str(files["folder"]), "-f", "json", "-o", str(report)]
                     + (["--jobs", "1"] if jobs_ok else []), slow_runs, warmup=False)  # fmt: skip
    rate1 = count / batch1.time
    rows.append(Row(f"batch, {count} workbooks, `--jobs 1`" + ("" if jobs_ok else " (no --jobs: serial)"),
                    f"{rate1:.1f} workbooks/s ({batch1.time:.1f} s)",
                    f"{batch1.rss_mb:.0f} MB", "", None))  # fmt: skip
    n = cores()
    if jobs_ok:
        batch_n = measure(f"batch {count} --jobs {n}",
                          [*bc, str(files["folder"]), "-f", "json", "-o", str(report),
                           "--jobs", str(n)], slow_runs, warmup=False)  # fmt: skip
        rate_n = count / batch_n.time
        rows.append(Row(f"batch, {count} workbooks, `--jobs {n}` (all cores)",
                        f"{rate_n:.1f} workbooks/s ({batch_n.time:.1f} s)",
                        f"{batch_n.rss_mb:.0f} MB per process, {batch_n.tree_mb:.0f} MB all "
                        "processes (sampled)", "≥ 100 workbooks/s", rate_n >= 100))  # fmt: skip
    else:
        rows.append(Row(f"batch, {count} workbooks, all cores", "not available: "
                        "`budgetcheck check --help` has no `--jobs`", "", "≥ 100 workbooks/s",
                        False))  # fmt: skip

    print("scaling ...", flush=True)
    series = [("1×", files["single"], 1), ("10×", files["x10"], 10)]
    if not quick:
        series += [("100×", files["x100"], 100),
                   ("large", files["large"], synth.scale_for_rows(SINGLE_SEED, LARGE_ROWS))]
    scaled: list[tuple[str, int, Sample]] = []
    for name, path, scale in series:
        runs = fast_runs if scale <= 10 else slow_runs
        cmd = [*bc, str(path), "-f", "json", "-o", str(OUT / f"scale-{scale}.json")]
        if name == "large":  # budgetcheck refuses sheets over 10,000 rows unless told
            cmd += ["--max-size", str(LARGE_MAX_SIZE)]
        s = single if scale == 1 else measure(f"scale {name}", cmd, runs, warmup=scale <= 10)
        rows_in = sum(synth.table_rows(synth.department_spec(SINGLE_SEED, scale)).values())
        scaled.append((name, rows_in, s))
    for i, (name, rows_in, s) in enumerate(scaled):
        if i == 0:
            rows.append(Row(f"scaling {name}: {rows_in:,} rows", f"{s.time:.2f} s",
                            f"{s.rss_mb:.0f} MB", "", None))  # fmt: skip
            continue
        prev_name, prev_rows, prev = scaled[i - 1]
        row_ratio = rows_in / prev_rows
        time_ratio = s.time / prev.time
        limit = 1.1 * row_ratio
        rows.append(Row(f"scaling {name}: {rows_in:,} rows", f"{s.time:.2f} s = {time_ratio:.1f} × "
                        f"{prev_name} for {row_ratio:.1f} × the rows", f"{s.rss_mb:.0f} MB",
                        f"≤ {limit:.1f} × (1.1 × rows)", time_ratio <= limit))  # fmt: skip
    extras["Scaling without the fixed start-up cost"] = [
        "Whole-process times include ~the floor of start-up; subtracting the 1× time shows the "
        "per-row cost:", ""] + [
        f"- {name}: {rows_in:,} rows, {(s.time - scaled[0][2].time) * 1000:.0f} ms above 1×"
        + (f", {(s.time - scaled[0][2].time) / max(rows_in - scaled[0][1], 1) * 1e6:.0f} µs per extra row"
           if i else "")
        for i, (name, rows_in, s) in enumerate(scaled)]  # fmt: skip

    if not args.no_frictionless:
        print("frictionless ...", flush=True)
        exe = frictionless_exe()
        if exe is None:
            rows.append(Row("frictionless validate", "skipped: could not create "
                            "bench/.venv-frictionless (pip install frictionless failed)", "", "",
                            None))  # fmt: skip
        else:
            driver = [str(exe.parent / "python"), "-c", FRICTIONLESS_DRIVER]
            one = OUT / "frictionless-one.json"
            found = frictionless_errors(driver, files["single"])
            notes.append(f"frictionless on the department workbook: {found}")
            n_tasks = frictionless_inquiry([(files["single"], SINGLE_SEED)], one)
            fl = measure("frictionless one", [*driver, str(one)], fast_runs,
                         cwd=ROOT)  # fmt: skip
            rows.append(Row(f"`frictionless validate`, same department workbook, {n_tasks} "
                            "tables × 1 row-constraint", f"{fl.time * 1000:.0f} ms = "
                            f"{fl.time / single.time:.2f} × budgetcheck",
                            f"{fl.rss_mb:.0f} MB", "", None))  # fmt: skip
            m = 30 if not quick else 10
            many = OUT / "frictionless-batch.json"
            paths = [(files["folder"] / f"dept-{s:04d}.xlsx", s) for s in range(1, m + 1)]
            n_tasks = frictionless_inquiry(paths, many)
            flb = measure(f"frictionless {m}", [*driver, str(many)], slow_runs,
                          warmup=False, cwd=ROOT)  # fmt: skip
            rate_f = m / flb.time
            rows.append(Row(f"`frictionless validate`, first {m} workbooks of the folder "
                            f"({n_tasks} tables), one process", f"{rate_f:.1f} workbooks/s = "
                            f"{rate_f / rate1:.2f} × budgetcheck `--jobs 1`",
                            f"{flb.rss_mb:.0f} MB", "", None))  # fmt: skip

    if not args.no_profile:
        print("profile ...", flush=True)
        if ensure_pyinstrument():
            top = profile(files["single"])
            extras["Where the time goes"] = [
                "pyinstrument, `budgetcheck FILE -f json -o …` on the department workbook, whole "
                "process (imports included), 3 runs pooled. Self time = in the function itself; "
                "inclusive = with its callees.", "",
                "| # | module:function | self % | inclusive % |", "|---|---|---|---|",
            ] + [f"| {i} | `{n}` | {s:.1f} | {c:.1f} |" for i, (n, s, c) in enumerate(top, 1)]
        else:
            extras["Where the time goes"] = ["pyinstrument could not be installed: not profiled."]

    extras["Verification of the synthetic workbooks"] = [f"- {x}" for x in notes]
    extras["Method"] = [
        "- Workbooks: `bench/synth.py` (deterministic, `random.Random(seed)`): all 11 tables in "
        "the shapes of the complete Siping fixture, real function/economic codes, a 情况说明 "
        "sheet of ~30 paragraphs with the budget's own figures. The measured department workbook "
        f"and the scaled ones carry {INJECTED} injected errors (a changed cell, a wrong "
        "percentage); every fifth workbook of the folder does. The folder cycles through the "
        "code styles none/joined/split/embedded.",
        "- Scaling: 10× and 100× repeat the department's classified rows under synthetic 类 "
        f"codes; `large` has ≥ {LARGE_ROWS:,} rows in each classified table and is checked with "
        f"`--max-size {LARGE_MAX_SIZE}` (budgetcheck refuses sheets over 10,000 rows by default).",
        "- Each measurement is a fresh process (`budgetcheck` console script of this Python, not "
        "a pyenv shim); wall time by `time.perf_counter()` around it; peak RSS by "
        "`/usr/bin/time -f %M` (the largest single process; for `--jobs N` the sum over the "
        "process tree is sampled from /proc every 20 ms). Medians of "
        f"{fast_runs} runs ({slow_runs} for batches, 100× and large) after one warm-up run; "
        "the floor and the department check alternate run by run.",
        "- Bytecode caching on for every child (`PYTHONPYCACHEPREFIX=bench/out/pycache`, "
        "warmed up), as an installed package runs"
        + (" (PYTHONDONTWRITEBYTECODE was set here and was removed for the children: without "
           "caches budgetcheck compiles its modules on every run, ~90 ms)" if no_pyc else "")
        + ".",
        "- The per-user cache of parsed rules and compiled patterns "
        "(`BUDGETCHECK_CACHE_DIR=bench/out/cache`) is filled by the warm-up run, as it is on a "
        "user's machine after the first check; the row \"rule cache off\" shows a run that "
        "parses the packs and compiles the patterns again.",
        "- Commands run in the system's temporary folder, as from a user's folder of workbooks: "
        "inside this repository budgetcheck would find and read its pyproject.toml looking for "
        "settings.",
        "- budgetcheck's CLI raises the garbage collector's thresholds for its process and "
        "leaves with `os._exit` once its output is flushed (Python's teardown of every module "
        "costs ~40 ms); the floor runs with Python's defaults and exits normally. The row "
        "\"floor leaving without the interpreter's teardown\" shows the ratio without the "
        "second of these.",
        "- Shared machine: other test runs may load it; compare ratios from the same run.",
    ]
    machine = {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{cores()} cores (nproc), {cpu_model()}, {ram_gb():.1f} GB RAM",
        "python": f"{platform.python_version()} ({sys.executable})",
        "budgetcheck": _version(),
        "mode": ("quick (100 workbooks, 1×/10×)" if quick else "full")
        + f", whole run {time.perf_counter() - started:.0f} s",
    }
    text = render(rows, machine, extras)
    print()
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"written to {args.out}")
    return 0


def _version() -> str:
    from importlib.metadata import version

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "src"],
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return f"{version('budgetcheck')} at {commit or '?'}" + (" + uncommitted src changes"
                                                            if dirty else "")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
