"""Waivers: findings a team has looked at and accepted, kept in a baseline file.

    record(results, target) -> Baseline      what `budgetcheck baseline FILE... -o B` writes
    load_baseline(path) -> Baseline          read one back (an InputError if it is not one)
    apply_baseline(results, baseline)        mark matching findings waived, list stale entries

A waiver names a workbook and a finding's content fingerprint (rule, table kind, row code or
label, column and the figures — see `findings.fingerprint`). Because the fingerprint never
contains a cell position, a waiver still matches after rows are inserted or sheets reordered,
and stops matching as soon as a figure in the finding changes. Workbook paths are stored
relative to the baseline's folder, so the file works from any working directory (CI checkouts).

The file is JSON with keys in a fixed order and entries sorted, so it diffs well in review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from budgetcheck.errors import InputError
from budgetcheck.findings import FileResult, StaleWaiver

FORMAT_VERSION = 1
NOTE = (
    "budgetcheck 豁免基线：在每条的 reason 中写明为何接受该问题。"
    " / budgetcheck baseline: write in each reason why the finding is accepted."
)


@dataclass(frozen=True, slots=True)
class Waiver:
    file: str  # the workbook, relative to the baseline's folder, forward slashes
    fingerprint: str
    rule_id: str
    severity: str
    location: str  # where it was when recorded; informative only, never used to match
    message: str
    reason: str = ""


@dataclass(slots=True)
class Baseline:
    folder: Path  # paths in `waivers` are relative to this
    waivers: list[Waiver]

    def for_file(self, path: str) -> dict[str, Waiver]:
        key = file_key(path, self.folder)
        return {w.fingerprint: w for w in self.waivers if w.file == key}


def file_key(path: str | Path, folder: Path) -> str:
    """How a baseline names a workbook: relative to `folder` when inside it, else absolute."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


# ----------------------------------------------------------------------------- recording


def record(
    results: list[FileResult],
    target: Path,
    lang: str = "zh",
    previous: Baseline | None = None,
) -> Baseline:
    """A baseline waiving every finding of the checked files.

    With `previous` (the file being replaced), reasons already written are kept for findings
    that are still there, and entries for workbooks not checked this time are carried over,
    so re-recording part of a repository loses nothing.
    """
    from budgetcheck.reporting.common import ReportOptions, ordered_findings

    folder = target.resolve().parent
    old: dict[tuple[str, str], Waiver] = {}
    if previous is not None:
        old = {
            (file_key(previous.folder / w.file, folder), w.fingerprint): w for w in previous.waivers
        }
    waivers: dict[tuple[str, str], Waiver] = {}
    checked_files: set[str] = set()
    for result in results:
        if result.status != "checked":
            continue
        key = file_key(result.path, folder)
        checked_files.add(key)
        for finding in ordered_findings(result, ReportOptions(lang=lang)):
            if not finding.fingerprint or (key, finding.fingerprint) in waivers:
                continue
            kept = old.get((key, finding.fingerprint))
            waivers[(key, finding.fingerprint)] = Waiver(
                file=key,
                fingerprint=finding.fingerprint,
                rule_id=finding.rule_id,
                severity=finding.severity,
                location=finding.location,
                message=finding.message(lang),
                reason=kept.reason if kept is not None else "",
            )
    for (key, fingerprint), waiver in old.items():
        if key not in checked_files:
            waivers.setdefault((key, fingerprint), replace(waiver, file=key))
    return Baseline(folder, _sorted(list(waivers.values()), results, folder))


def _sorted(waivers: list[Waiver], results: list[FileResult], folder: Path) -> list[Waiver]:
    """This run's files in input order (their findings in report order), then the carried-over
    files by name in their old order: re-recording an unchanged repository gives the same bytes."""
    order = {file_key(r.path, folder): i for i, r in enumerate(results)}
    position = {(w.file, w.fingerprint): i for i, w in enumerate(waivers)}
    return sorted(
        waivers,
        key=lambda w: (
            order.get(w.file, len(order)),
            w.file,
            position[(w.file, w.fingerprint)],
        ),
    )


def dumps(baseline: Baseline) -> str:
    data = {
        "budgetcheck_baseline": FORMAT_VERSION,
        "note": NOTE,
        "waivers": [
            {
                "file": w.file,
                "fingerprint": w.fingerprint,
                "rule_id": w.rule_id,
                "severity": w.severity,
                "location": w.location,
                "message": w.message,
                "reason": w.reason,
            }
            for w in baseline.waivers
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ----------------------------------------------------------------------------- reading


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; anything that is not one is an InputError (exit code 2)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"找不到基线文件：{path}。请先用 budgetcheck baseline 生成。",
            f"The baseline file {path} does not exist. Record one with budgetcheck baseline.",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _bad(path, str(error)) from None
    if not isinstance(data, dict) or data.get("budgetcheck_baseline") != FORMAT_VERSION:
        raise _bad(path, "budgetcheck_baseline != 1")
    entries = data.get("waivers")
    if not isinstance(entries, list):
        raise _bad(path, "waivers")
    waivers = [_waiver(path, index, entry) for index, entry in enumerate(entries)]
    return Baseline(path.resolve().parent, waivers)


def _waiver(path: Path, index: int, entry: Any) -> Waiver:
    if not isinstance(entry, dict):
        raise _bad(path, f"waivers[{index}]")
    values: dict[str, str] = {}
    for name in ("file", "fingerprint", "rule_id", "severity", "location", "message", "reason"):
        value = entry.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise _bad(path, f"waivers[{index}].{name}")
        values[name] = value
    if not values["file"] or not values["fingerprint"]:
        raise _bad(path, f"waivers[{index}]: file, fingerprint")
    return Waiver(**values)


def _bad(path: Path, detail: str) -> InputError:
    return InputError(
        f"基线文件 {path} 格式不正确（{detail}）。请用 budgetcheck baseline 重新生成。",
        f"The baseline file {path} is not valid ({detail}). Record it again with "
        "budgetcheck baseline.",
    )


# ----------------------------------------------------------------------------- applying


def apply_baseline(results: list[FileResult], baseline: Baseline) -> None:
    """Mark findings the baseline waives, in place, and list each checked file's stale entries.

    A waived finding stays in the results (reports show it as waived) but no longer counts
    towards the file's errors or warnings, nor its exit code.
    """
    for result in results:
        if result.status != "checked":
            continue
        waivers = baseline.for_file(result.path)
        if not waivers:
            continue
        used: set[str] = set()
        marked = []
        for finding in result.findings:
            waiver = waivers.get(finding.fingerprint)
            if waiver is None:
                marked.append(finding)
                continue
            used.add(finding.fingerprint)
            marked.append(finding._replace(waived=True, waiver_reason=waiver.reason or None))
        result.findings = marked
        result.stale_waivers = [
            StaleWaiver(w.fingerprint, w.rule_id, w.location, w.message, w.reason)
            for fingerprint, w in waivers.items()
            if fingerprint not in used
        ]
        result.exit_code = 1 if result.errors else 0
