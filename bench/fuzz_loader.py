"""Coverage-guided fuzzing of the workbook loader with atheris (libFuzzer), for a bounded time.

    pip install atheris          # not a test dependency: only this script needs it
    python bench/fuzz_loader.py --seconds 60
    python bench/fuzz_loader.py --seconds 600 --corpus /tmp/fuzz-corpus   # keep what it learns

Each input becomes a workbook in one of three ways: the raw bytes as a file; the good fixture
with one XML part replaced by the bytes; or the good fixture with the bytes spliced into one of
its parts (zip CRCs are recomputed, so the damage reaches the XML readers, calamine and the
table detector instead of stopping at the zip layer). `load()` may raise InputError and nothing
else; any other exception, a Rust panic or a crash stops the run and libFuzzer saves the input
as crash-*. Not part of the normal test suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz (default 60)")
    parser.add_argument("--corpus", type=Path, help="a folder libFuzzer reads and grows")
    options, libfuzzer_args = parser.parse_known_args()

    import atheris  # type: ignore[import-untyped]

    import badfiles as bf

    with atheris.instrument_imports(include=["budgetcheck"]):
        from budgetcheck.errors import InputError
        from budgetcheck.loading.workbook import load

    good = ROOT / "fixtures" / "siping-2024-complete.xlsx"
    parts = bf.zip_members(good)
    names = sorted(parts)
    work = Path(tempfile.mkdtemp(prefix="budgetcheck-fuzz-"))
    target = work / "fuzz.xlsx"

    def one_input(data: bytes) -> None:
        provider = atheris.FuzzedDataProvider(data)
        mode = provider.ConsumeIntInRange(0, 2)
        if mode == 0:
            target.write_bytes(provider.ConsumeBytes(provider.remaining_bytes()))
        else:
            name = names[provider.ConsumeIntInRange(0, len(names) - 1)]
            if mode == 1:
                content = provider.ConsumeBytes(provider.remaining_bytes())
            else:
                original = parts[name]
                at = provider.ConsumeIntInRange(0, len(original))
                cut = provider.ConsumeIntInRange(0, 64)
                content = (
                    original[:at]
                    + provider.ConsumeBytes(provider.remaining_bytes())
                    + original[at + cut :]
                )
            replaced = dict(parts)
            replaced[name] = content
            bf.write_zip(target, [bf.deflated(n, d) for n, d in replaced.items()])
        if not target.stat().st_size:
            return
        try:
            load(target)
        except InputError as error:
            if not (error.zh and error.en):
                raise AssertionError("an InputError without its sentences") from error

    folders = [str(options.corpus)] if options.corpus else []
    if options.corpus:
        options.corpus.mkdir(parents=True, exist_ok=True)
    argv = [sys.argv[0], f"-max_total_time={options.seconds}", "-rss_limit_mb=2048",
            "-timeout=20", *libfuzzer_args, *folders]  # fmt: skip
    atheris.Setup(argv, one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
