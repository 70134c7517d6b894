"""Every hostile input, through the CLI: the right exit code, one calm sentence in each language,
no traceback, and the input's bytes unchanged. Plus hostile environments: GBK and ASCII
consoles, a closed pipe, Ctrl-C in the middle of a run, unwritable output folders.

The corpus itself is tests/hostile_corpus.py; bench/hostile.py measures its time and memory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import badfiles as bf
import hostile_corpus as hc

# Generous: the bench holds the real 2 s target; this only catches a hang on a busy machine.
RUN_TIMEOUT = 60
SLOW = 20.0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, hc.Built]:
    """Each kind built at most once per module (the 1,000-sheet and 10 MB files take a while)."""
    base = tmp_path_factory.mktemp("hostile")
    cache: dict[str, hc.Built] = {}

    class Lazy(dict[str, hc.Built]):
        def __missing__(self, kind: str) -> hc.Built:
            cache[kind] = hc.build(hc.BY_KIND[kind], base / kind)
            self[kind] = cache[kind]
            return cache[kind]

    return Lazy()


def _snapshot(built: hc.Built) -> tuple[dict[Path, str], set[Path]]:
    """The inputs' hashes, and every file in the folders involved (nothing may appear there)."""
    hashes = {path: bf.sha256(path) for path in built.inputs}
    folders = {built.target.parent, *(p.parent for p in built.watched)}
    return hashes, {p for folder in folders for p in folder.rglob("*")}


def _run_both(case: hc.Case, built: hc.Built) -> dict[str, subprocess.CompletedProcess[str]]:
    """The zh and en runs side by side (two processes: the machine has two cores)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    procs = {
        lang: subprocess.Popen(
            hc.command(case, built, lang),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
            preexec_fn=hc.preexec(case),
        )
        for lang in ("zh", "en")
    }
    done = {}
    for lang, proc in procs.items():
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
        done[lang] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done


@pytest.mark.parametrize("kind", hc.kinds())
def test_hostile_input(corpus: dict[str, hc.Built], kind: str) -> None:
    case = hc.BY_KIND[kind]
    built = corpus[kind]
    hashes, files = _snapshot(built)
    started = time.perf_counter()
    runs = _run_both(case, built)
    assert time.perf_counter() - started < SLOW
    for lang, run in runs.items():
        keyword = case.zh if lang == "zh" else case.en
        where = f"{kind} --lang {lang}: exit {run.returncode}\nstdout: {run.stdout[-2000:]}\nstderr: {run.stderr[-2000:]}"
        assert run.returncode == case.exit_code, where
        assert "Traceback" not in run.stdout + run.stderr, where
        if case.stream == "stderr":
            lines = [line for line in run.stderr.splitlines() if line.strip()]
            assert len(lines) == 1, where
            sentence = lines[0]
            assert "内部错误" not in sentence and "Internal error" not in sentence, where
        else:
            assert run.stderr.strip() == "", where
            sentence = run.stdout
        if lang == "zh":
            assert keyword in sentence, where
        else:
            assert keyword.lower() in sentence.lower(), where
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in _outside_quotes(sentence)), where
    after_hashes, after_files = _snapshot(built)
    assert after_hashes == hashes
    assert after_files == files, after_files ^ files  # no report, temporary or marker file left


def _outside_quotes(sentence: str) -> str:
    """An English sentence may quote Chinese names (files, sheets, cells, rules' own words);
    what is left must be English. Only the stderr sentence is checked, not the stdout report."""
    if "\n" in sentence.strip():
        return ""
    out, depth = [], 0
    for ch in sentence:
        if ch in "\"“'":
            depth ^= 1
            continue
        if not depth:
            out.append(ch)
    text = "".join(out)
    for word in sentence.split():
        if any(sep in word for sep in ("/", "!", ".xlsx", ".txt", ".yaml", "(", ":")):
            text = text.replace(word, "")
    return text


def test_corpus_is_large_and_distinct() -> None:
    assert len(hc.CORPUS) >= 30
    assert len(set(hc.kinds())) == len(hc.CORPUS)
    assert {c.exit_code for c in hc.CORPUS} >= {1, 2, 3}


def test_yaml_tags_run_nothing(corpus: dict[str, hc.Built]) -> None:
    """The !!python/object tags would have created a marker file; the folder snapshot in
    test_hostile_input shows nothing appeared, and here it is checked by name."""
    for kind in ("yaml-python-tag", "yaml-python-tag-top"):
        built = corpus[kind]
        subprocess.run(
            hc.command(hc.BY_KIND[kind], built), capture_output=True, timeout=RUN_TIMEOUT
        )
        assert not (built.target.parent / "pwned").exists()


# --------------------------------------------------------------------------- environments


def _cli(
    *args: str, encoding: str = "utf-8", **kwargs: object
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    run: subprocess.CompletedProcess[bytes] = subprocess.run(
        [sys.executable, "-m", "budgetcheck", *args],
        capture_output=True,
        env=env,
        timeout=RUN_TIMEOUT,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    return run


@pytest.mark.parametrize(
    ("encoding", "lang", "readable"),
    [
        ("gbk", "zh", "个错误"),
        ("gb2312", "zh", "个错误"),
        ("ascii", "en", "errors"),
        ("latin-1", "en", "errors"),
    ],
)
def test_narrow_console_encodings(encoding: str, lang: str, readable: str) -> None:
    """A findings report and a refusal on consoles that cannot show every symbol."""
    run = _cli(str(hc.ROOT / "fixtures" / "siping-2024.xlsx"), "--lang", lang, encoding=encoding)
    assert run.returncode == 1
    out, err = run.stdout.decode(encoding), run.stderr.decode(encoding)
    assert "Traceback" not in out + err and err == ""
    assert readable in out
    assert "C104" in out


@pytest.mark.parametrize(
    ("encoding", "lang", "readable"), [("gbk", "zh", "PDF 文件"), ("ascii", "en", "PDF document")]
)
def test_narrow_console_refusal(tmp_path: Path, encoding: str, lang: str, readable: str) -> None:
    path = bf.text_file(tmp_path, "报告.xlsx", bf.PDF)
    run = _cli(str(path), "--lang", lang, encoding=encoding)
    assert run.returncode == 2
    err = run.stderr.decode(encoding)
    assert len(err.strip().splitlines()) == 1 and readable in err and "Traceback" not in err


def test_terminal_format_on_gbk_console() -> None:
    """The rich terminal report (boxes, symbols) forced onto a GBK stream."""
    run = _cli(str(hc.GOOD), "-f", "terminal", encoding="gbk")
    assert run.returncode == 0, run.stderr.decode("gbk", "replace")
    assert "Traceback" not in run.stderr.decode("gbk", "replace")
    assert "个错误" in run.stdout.decode("gbk")


def test_closed_pipe() -> None:
    """`budgetcheck big.xlsx | head -1`: the reader goes away; no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "budgetcheck", str(hc.ROOT / "fixtures" / "siping-2024.xlsx")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.wait(timeout=RUN_TIMEOUT)
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) <= 1


@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "terminal"])
def test_output_file_is_whole(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"report.{fmt}"
    run = _cli(str(hc.GOOD), "-f", fmt, "-o", str(target))
    assert run.returncode == 0 and run.stdout == b"" and run.stderr == b""
    text = target.read_text(encoding="utf-8")
    if fmt in ("json", "sarif"):
        json.loads(text)
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_ctrl_c_leaves_no_partial_output(tmp_path: Path, corpus: dict[str, hc.Built]) -> None:
    """SIGINT in the middle of a long run: exit 130, one line, no report file, no temporary."""
    built = corpus["narrative-1mb-claims"]  # checked text with 7,000 claims, in several copies:
    folder = tmp_path / "in"  # seconds of work however fast one copy becomes
    folder.mkdir()
    for n in range(8):
        (folder / f"copy-{n}.xlsx").write_bytes(built.target.read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    target = out / "report.json"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "budgetcheck", str(folder), "--jobs", "1", *built.args),
            *("-f", "json", "-o", str(target)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    time.sleep(1.0)
    assert proc.poll() is None, "finished before the interrupt: use a larger input"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    lines = [line for line in stderr.decode("utf-8").splitlines() if line.strip()]
    assert proc.returncode == 130, stderr
    assert len(lines) == 1 and ("中断" in lines[0] or "nterrupt" in lines[0]), lines
    assert b"Traceback" not in stdout + stderr
    assert list(out.iterdir()) == []


def test_output_folder_checked_before_work(tmp_path: Path) -> None:
    """The missing folder is reported even when the input would take long to check: the
    refusal comes before loading (a refused input would give its own sentence instead)."""
    missing = tmp_path / "nope" / "r.json"
    run = _cli(str(tmp_path / "does-not-exist.xlsx"), "-f", "json", "-o", str(missing))
    assert run.returncode == 2
    err = run.stderr.decode("utf-8")
    assert "输出目录不存在" in err and "找不到文件" not in err
