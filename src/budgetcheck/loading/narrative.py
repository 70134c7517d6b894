"""Explanatory text as paragraphs that know where they came from.

From a workbook: text sheets, one paragraph per line of each cell. From a file given with
--narrative: .docx paragraphs, or the lines of a .txt/.md file.
"""

from __future__ import annotations

from pathlib import Path

from budgetcheck import regex
from budgetcheck.errors import InputError
from budgetcheck.loading.grid import Grid
from budgetcheck.model import CellRef, Paragraph

_HEADING = regex.compile(
    r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])"
)
_SENTENCE_END = regex.compile(r"[。；;！!？?]$")
_MARKDOWN_MARK = regex.compile(r"^\s*(#+|[-*+]\s)\s*")
MAX_HEADING_LENGTH = 40
MAX_NARRATIVE_BYTES = 20 * 1024 * 1024
MAX_PARAGRAPH_CHARS = 32_767  # as much as one Excel cell holds


def is_heading(text: str) -> bool:
    return (
        len(text) <= MAX_HEADING_LENGTH
        and not _SENTENCE_END.search(text)
        and bool(_HEADING.match(text) or text.endswith(("说明", "情况", "解释")))
    )


def paragraphs_from_grid(grid: Grid) -> list[Paragraph]:
    found: list[Paragraph] = []
    heading: str | None = None
    # Every cell of the sheet, as grid.raw_text gives it: text sheets are mostly blank cells.
    for row, raws in enumerate(grid.raw_rows):
        for col, raw in enumerate(raws):
            if not raw or not raw.strip():
                continue
            ref = CellRef(grid.sheet, row, col)
            for line in raw.splitlines():
                text = line.strip().strip("\u3000")
                if not text:
                    continue
                found.append(Paragraph(text, grid.sheet, ref.a1, ref, heading))
                if is_heading(text):
                    heading = text
    return found


def paragraphs_from_file(path: Path) -> list[Paragraph]:
    """Paragraphs of a .docx, .txt or .md file given with --narrative."""
    if not path.is_file():
        raise InputError(
            f"找不到说明文本文件：{path}。请检查路径。",
            f"The narrative file {path} does not exist. Check the path.",
        )
    if path.stat().st_size > MAX_NARRATIVE_BYTES:
        raise InputError(
            f"说明文本文件 {path.name} 超过 20 MB，不像是预算说明。请只提供说明部分。",
            f"The narrative file {path.name} is over 20 MB, too large for budget text.",
        )
    lines = _docx_lines(path) if path.suffix.lower() == ".docx" else _text_lines(path)
    for number, text in enumerate(lines, start=1):
        if len(text) > MAX_PARAGRAPH_CHARS:
            raise InputError(
                f"说明文本文件 {path.name} 的第 {number} 段有 {len(text):,} 个字符，超过 "
                f"{MAX_PARAGRAPH_CHARS:,} 个字符的上限，不像是预算说明（可能丢失了换行）；"
                "请检查文件内容、按段落换行后再检查。",
                f"Paragraph {number} of the narrative file {path.name} has {len(text):,} "
                f"characters, more than the limit of {MAX_PARAGRAPH_CHARS:,} for budget text "
                "(perhaps its line breaks were lost); check the file, break it into paragraphs "
                "and check again.",
            )
    found: list[Paragraph] = []
    heading: str | None = None
    for number, text in enumerate(lines, start=1):
        found.append(Paragraph(text, path.name, f"¶{number}", None, heading))
        if is_heading(text):
            heading = text
    return found


def _docx_lines(path: Path) -> list[str]:
    try:
        import docx  # python-docx; imported here because only --narrative needs it

        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises many kinds for a damaged file
        raise InputError(
            f"无法读取 Word 文件 {path.name}（{type(error).__name__}）。请在 Word 或 WPS 中另存为 .docx 后重试。",
            f"Cannot read the Word file {path.name} ({type(error).__name__}). "
            "Re-save it as .docx in Word or WPS.",
        ) from error
    return [p.text.strip() for p in document.paragraphs if p.text.strip()]


def _text_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise InputError(
            f"说明文本文件 {path.name} 的编码无法识别。请另存为 UTF-8 编码。",
            f"The narrative file {path.name} is in an unknown encoding. Save it as UTF-8.",
        )
    lines = []
    for line in text.splitlines():
        stripped = _MARKDOWN_MARK.sub("", line).strip().strip("*").strip()
        if stripped:
            lines.append(stripped)
    return lines
