"""Where reports go: consoles that survive GBK or ASCII terminals, and files written whole or
not at all (an interrupted run leaves no half-written report behind)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

from rich.console import Console


def _encoding(stream: IO[str] | None) -> str:
    return (getattr(stream, "encoding", None) or "utf-8").lower()


def safe_for_stream(text: str, stream: IO[str] | None) -> str:
    """Text the stream's encoding can carry: symbols it cannot show become '?'."""
    encoding = _encoding(stream)
    return text.encode(encoding, errors="replace").decode(encoding, errors="replace")


def console_for(stream: IO[str] | None, record: bool = False) -> Console:
    """A rich console for `stream`; on a non-UTF console rich falls back to ASCII boxes."""
    if stream is None:
        return Console(record=record, width=120, file=open(os.devnull, "w", encoding="utf-8"))
    return Console(file=stream, record=record, highlight=False, soft_wrap=False)


def write_atomically(target: Path, text: str) -> None:
    """Write to a temporary file beside `target`, then rename it into place.

    A target that exists but is not a regular file (/dev/null, a named pipe, /dev/stdout) is
    written directly: renaming over it would replace the device with a file.
    """
    content = text if text.endswith("\n") else text + "\n"
    if target.exists() and not target.is_file():
        with target.open("w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
        return
    folder = target.parent if str(target.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
