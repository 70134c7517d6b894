"""A corpus of hostile and broken inputs, built at test time (no binary blobs in the repo).

Each `Case` names a kind of bad input, builds it into a folder, and states what the CLI must
answer: the exit code, and a keyword of the one sentence in each language (on stderr for a
refused input or rule file; on stdout for damaged content inside an otherwise good workbook,
which is a finding, not a failure).

Used by tests/test_hostile.py (through the CLI) and bench/hostile.py (time and memory).
Builders of tests/badfiles.py are reused, not copied.
"""

from __future__ import annotations

import os
import random
import shutil
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import badfiles as bf

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "siping-2024-complete.xlsx"
AMOUNT_SHEET = "一般公共预算支出表"  # its B5:F… are amounts (万元)
SHEET_PART = "xl/worksheets/sheet7.xml"  # AMOUNT_SHEET inside GOOD


@dataclass(frozen=True)
class Built:
    """What a builder made: the file to check, extra CLI arguments, and every input file whose
    bytes must survive the run unchanged."""

    target: Path
    args: tuple[str, ...] = ()
    watched: tuple[Path, ...] = ()

    @property
    def inputs(self) -> tuple[Path, ...]:
        own = (self.target,) if self.target.is_file() and os.access(self.target, os.R_OK) else ()
        return own + self.watched


Stream = Literal["stderr", "stdout"]


@dataclass(frozen=True)
class Case:
    kind: str
    build: Callable[[Path], Built]
    exit_code: int
    zh: str  # keyword of the Chinese sentence
    en: str  # keyword of the English sentence (matched case-insensitively)
    stream: Stream = "stderr"
    heavy: bool = False  # slow to build: the tests build it once per session
    note: str = ""
    tags: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- helpers


def _copy_good(folder: Path, name: str = "good.xlsx") -> Path:
    target = folder / name
    shutil.copyfile(GOOD, target)
    return target


def _edit_good(folder: Path, name: str, edit: Callable[[object], None]) -> Path:
    """The good fixture changed through openpyxl (`edit` gets the workbook)."""
    import openpyxl

    workbook = openpyxl.load_workbook(GOOD)
    edit(workbook)
    target = folder / name
    workbook.save(target)
    return target


def _with_part(folder: Path, name: str, part: str, change: Callable[[bytes], bytes]) -> Path:
    """The good fixture with one zip part rewritten."""
    original = bf.zip_members(GOOD)[part]
    return bf.rezip(GOOD, folder / name, {part: change(original)})


def _sheet_part(name: str) -> str:
    """The zip member of a sheet of GOOD, found by its name."""
    from budgetcheck.loading.ooxml import xlsx_sheets

    with zipfile.ZipFile(GOOD) as zf:
        return dict(xlsx_sheets(GOOD, zf))[name]


def _only(path: Path) -> Built:
    return Built(path)


def _rules(folder: Path, text: str) -> Built:
    """The good workbook checked with an extra rule pack holding `text`."""
    pack = folder / "pack"
    pack.mkdir()
    rule_file = pack / "bad.yaml"
    rule_file.write_text(text, encoding="utf-8")
    return Built(_copy_good(folder), ("--rules", str(pack)), (rule_file,))


def _rule(check: str) -> str:
    return (
        "rules:\n"
        "  - id: Z901\n"
        "    severity: error\n"
        "    title: {zh: 测试, en: Test}\n"
        "    explain: {zh: 测试。, en: Test.}\n"
        f"    check:\n{check}"
    )


# --------------------------------------------------------------------------- containers


def zip_bomb(folder: Path) -> Built:
    return _only(bf.zip_bomb(folder))


def entities(part: str, dtd: str) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        return _only(bf.with_dtd(folder, part, dtd, "entities.xlsx"))

    return build


def deep_xml(folder: Path) -> Built:
    """200,000 nested elements inside a cell of a real sheet (a recursive parser would die)."""
    part = _sheet_part(AMOUNT_SHEET)
    depth = 200_000

    def change(xml: bytes) -> bytes:
        nest = b"<x>" * depth + b"</x>" * depth
        return xml.replace(
            b"</sheetData>", b"</sheetData><extLst><ext>" + nest + b"</ext></extLst>", 1
        )

    return _only(_with_part(folder, "deep.xlsx", part, change))


def truncated(folder: Path) -> Built:
    return _only(bf.truncated(folder))


def traversal(folder: Path) -> Built:
    return _only(bf.traversal(folder))


def many_members(folder: Path) -> Built:
    return _only(bf.many_members(folder))


def encrypted_xlsx(folder: Path) -> Built:
    return _only(bf.encrypted_ooxml(folder))


def encrypted_xls(folder: Path) -> Built:
    return _only(bf.xls_with_filepass(folder))


def xls_huge_dimensions(folder: Path) -> Built:
    return _only(bf.xls_with_huge_dimensions(folder))


def docx_named_xlsx(folder: Path) -> Built:
    return _only(bf.docx(folder))


def plain_zip(folder: Path) -> Built:
    return _only(bf.plain_zip(folder))


def foreign(content: str | bytes, name: str) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        return _only(bf.text_file(folder, name, content))

    return build


def empty(folder: Path) -> Built:
    return _only(bf.text_file(folder, "empty.xlsx", b""))


def oversize(folder: Path) -> Built:
    """A good workbook checked with --max-size 0: refused before it is opened."""
    return Built(_copy_good(folder), ("--max-size", "0"))


# --------------------------------------------------------------------------- paths


def folder_path(folder: Path) -> Built:
    target = folder / "预算.xlsx"  # a folder named like a workbook
    target.mkdir()
    return Built(target)


def dangling_link(folder: Path) -> Built:
    link = folder / "link.xlsx"
    link.symlink_to(folder / "gone.xlsx")
    return Built(link)


def no_permission(folder: Path) -> Built:
    """A workbook nobody may read (as root the CLI runs without the capability to ignore
    that: see `drop_file_privileges`)."""
    target = _copy_good(folder, "locked.xlsx")
    target.chmod(0)
    return Built(target)


# --------------------------------------------------------------------------- cells


def formulas_without_results(folder: Path) -> Built:
    return _only(bf.formula_without_value(folder / "formulas.xlsx"))


def error_cells(folder: Path) -> Built:
    return _only(bf.error_cells(folder))


def _set_cells(values: Mapping[str, object]) -> Callable[[object], None]:
    def edit(workbook: object) -> None:
        sheet = workbook[AMOUNT_SHEET]  # type: ignore[index]
        for ref, value in values.items():
            sheet[ref] = value

    return edit


def text_in_amounts(folder: Path) -> Built:
    return _only(
        _edit_good(folder, "text.xlsx", _set_cells({"C7": "六百八十九万", "D7": "见附件"}))
    )


def dates_in_amounts(folder: Path) -> Built:
    import datetime as dt

    values = {"C7": dt.datetime(2024, 1, 5), "D7": dt.date(2023, 12, 31)}
    return _only(_edit_good(folder, "dates.xlsx", _set_cells(values)))


def nan_and_infinity(folder: Path) -> Built:
    """Excel cannot store NaN or infinity, but other writers put them in <v> anyway."""
    part = _sheet_part(AMOUNT_SHEET)

    def change(xml: bytes) -> bytes:
        import re

        xml = re.sub(rb'(<c r="C7"[^>]*>)<v>[^<]*</v>', rb"\1<v>NaN</v>", xml, count=1)
        return re.sub(rb'(<c r="D7"[^>]*>)<v>[^<]*</v>', rb"\1<v>INF</v>", xml, count=1)

    return _only(_with_part(folder, "nan.xlsx", part, change))


def overlapping_merges(folder: Path) -> Built:
    """Merged ranges that overlap each other and cut through the header and the data."""
    part = _sheet_part(AMOUNT_SHEET)

    def change(xml: bytes) -> bytes:
        import re

        merges = ["A3:C6", "B4:D8", "C5:F5", "A1:F2", "E9:E30"]
        block = (
            f'<mergeCells count="{len(merges)}">'
            + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
            + "</mergeCells>"
        ).encode()
        xml = re.sub(rb"<mergeCells.*?</mergeCells>", b"", xml, flags=re.S)
        return xml.replace(b"</sheetData>", b"</sheetData>" + block, 1)

    return _only(_with_part(folder, "merges.xlsx", part, change))


def hidden_and_long_names(folder: Path) -> Built:
    """Hidden and very hidden sheets, and sheet names of 31 (Excel's limit) and 300 characters."""
    import re

    def change(xml: bytes) -> bytes:
        names = re.findall(rb'<sheet [^>]*name="([^"]+)"', xml)
        long_name = ("超长工作表名称" * 50)[:300].encode()
        xml = xml.replace(b'name="' + names[0] + b'"', b'name="' + long_name + b'"', 1)
        xml = xml.replace(b'name="' + names[1] + b'"', b'name="' + ("名" * 31).encode() + b'"', 1)
        xml = xml.replace(b'name="' + names[-1] + b'"', b'state="hidden" name="' + names[-1] + b'"')
        return xml.replace(
            b'name="' + names[-2] + b'"', b'state="veryHidden" name="' + names[-2] + b'"'
        )

    return _only(_with_part(folder, "hidden.xlsx", "xl/workbook.xml", change))


def million_row_dimension(folder: Path) -> Built:
    """A sheet whose <dimension> claims A1:XFD1048576 but holds ten cells."""
    base = bf.openpyxl_workbook(folder / "dim-base.xlsx")
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>项目{r}</t></is></c></row>'
        for r in range(1, 11)
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{bf.SHEET_NS}">'
        f'<dimension ref="A1:XFD1048576"/><sheetData>{cells}</sheetData></worksheet>'
    )
    return _only(
        bf.rezip(base, folder / "dimension.xlsx", {"xl/worksheets/sheet1.xml": sheet.encode()})
    )


def sparse_million_rows(folder: Path) -> Built:
    """Ten cells, the last at XFD1048576: a reader that fills the grid needs 17 billion slots."""
    base = bf.openpyxl_workbook(folder / "sparse-base.xlsx")
    rows = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    cells = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in rows)
    cells += '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{bf.SHEET_NS}">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    )
    return _only(
        bf.rezip(base, folder / "sparse.xlsx", {"xl/worksheets/sheet1.xml": sheet.encode()})
    )


def rows_200k(folder: Path) -> Built:
    """A real sheet of 200,000 rows of codes, names and amounts, written as raw XML."""
    base = bf.openpyxl_workbook(folder / "rows-base.xlsx")
    parts = ['<row r="1"><c r="A1" t="inlineStr"><is><t>支出总表</t></is></c></row>']
    parts.append(
        '<row r="2"><c r="A2" t="inlineStr"><is><t>科目编码</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>科目名称</t></is></c>'
        '<c r="C2" t="inlineStr"><is><t>合计</t></is></c></row>'
    )
    for r in range(3, 200_003):
        parts.append(
            f'<row r="{r}"><c r="A{r}"><v>{2010000 + r}</v></c>'
            f'<c r="B{r}" t="inlineStr"><is><t>项目{r}</t></is></c>'
            f'<c r="C{r}"><v>{r % 997}.{r % 100:02d}</v></c></row>'
        )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{bf.SHEET_NS}">'
        f"<sheetData>{''.join(parts)}</sheetData></worksheet>"
    )
    return _only(bf.rezip(base, folder / "rows.xlsx", {"xl/worksheets/sheet1.xml": sheet.encode()}))


def huge_string(folder: Path) -> Built:
    """A 10 MB string (random CJK and digits, so it does not compress like a bomb) in one cell
    of the explanatory-text sheet."""
    rng = random.Random(7)
    alphabet = "预算支出收入万元增加减少合计基本项目经费单位部门说明" + "0123456789.，。、％"
    text = "".join(rng.choice(alphabet) for _ in range(10 * 1024 * 1024 // 3))
    part = _sheet_part("情况说明")

    def change(xml: bytes) -> bytes:
        cell = f'<c r="B1" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
        return xml.replace(b'<row r="1"', b'<row r="1" spans="1:2"', 1).replace(
            b"</row>", cell + b"</row>", 1
        )

    return _only(_with_part(folder, "bigcell.xlsx", part, change))


def thousand_sheets(folder: Path) -> Built:
    """The good workbook plus 1,000 small sheets."""

    def edit(workbook: object) -> None:
        for i in range(1000):
            workbook.create_sheet(f"附表{i}")["A1"] = i  # type: ignore[attr-defined]

    return _only(_edit_good(folder, "sheets.xlsx", edit))


# --------------------------------------------------------------------------- rule files


def yaml_python_tag(folder: Path) -> Built:
    marker = folder / "pwned"
    check = f"      kind: !!python/object/apply:os.system\n        - touch {marker}\n"
    return _rules(folder, _rule(check))


def yaml_python_tag_top(folder: Path) -> Built:
    return _rules(folder, f"pack: !!python/object/apply:os.system ['touch {folder}/pwned']\n")


def yaml_deep_nesting(folder: Path) -> Built:
    return _rules(folder, "rules: " + "[" * 10_000 + "]" * 10_000 + "\n")


def yaml_alias_bomb(folder: Path) -> Built:
    """YAML anchors and aliases nested nine deep in a rule's check: a billion strings for any
    reader that expands them."""
    lines = ['      l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*l{i - 1}"] * 9)
        lines.append(f"      l{i}: &l{i} [{refs}]")
    check = "      kind: expression\n" + "\n".join(lines) + "\n      expr: *l9\n"
    return _rules(folder, _rule(check))


def yaml_syntax(folder: Path) -> Built:
    return _rules(folder, "rules:\n  - id: Z901\n    title: [unclosed\n")


def deep_expression(folder: Path) -> Built:
    depth = 10_000
    expr = "(" * depth + "合计" + ")" * depth
    return _rules(folder, _rule(f"      kind: expression\n      expr: '{expr}'\n"))


def deep_expression_short(folder: Path) -> Built:
    """Deep but within the length limit: the depth limit, not the length limit, must answer."""
    depth = 2_000
    expr = "-" * depth + "合计"
    return _rules(folder, _rule(f"      kind: expression\n      expr: '{expr} == 0'\n"))


def unknown_function(folder: Path) -> Built:
    return _rules(
        folder,
        _rule("      kind: expression\n      expr: '__import__(合计) == 0'\n"),
    )


def missing_rules_folder(folder: Path) -> Built:
    return Built(_copy_good(folder), ("--rules", str(folder / "no-such-pack")))


# --------------------------------------------------------------------------- narrative text


DIGITS_AND_PUNCTUATION = "0123456789" * 3 + ".,，。、；：%％()（）-—…" + "  "


def _noise(seed: int, length: int, alphabet: str = DIGITS_AND_PUNCTUATION) -> str:
    rng = random.Random(seed)
    return "".join(rng.choices(alphabet, k=length))


def _narrative(folder: Path, name: str, text: str) -> Built:
    narrative = folder / name
    narrative.write_text(text, encoding="utf-8")
    return Built(_copy_good(folder), ("--narrative", str(narrative)), (narrative,))


def narrative_digits(folder: Path) -> Built:
    """1 MB of digits and punctuation in lines of 1 to 4,000 characters, as --narrative."""
    rng = random.Random(11)
    lines, size = [], 0
    while size < 1024 * 1024:
        line = _noise(rng.randrange(10**6), rng.randrange(1, 4000))
        lines.append(line)
        size += len(line.encode("utf-8")) + 1
    return _narrative(folder, "说明.txt", "\n".join(lines))


def narrative_long_paragraphs(folder: Path) -> Built:
    """1 MB in 32 paragraphs of 32,000 characters (just under the limit) and no full stop:
    every paragraph is one 'sentence' of 32,000 characters."""
    alphabet = DIGITS_AND_PUNCTUATION.replace("。", "")
    lines = [_noise(i, 32_000, alphabet) for i in range(32)]
    return _narrative(folder, "长段落.txt", "\n".join(lines))


def narrative_one_line(folder: Path) -> Built:
    """1 MB of digits and punctuation on one line: refused as not a narrative."""
    return _narrative(folder, "一行.txt", _noise(13, 1024 * 1024))


def narrative_claims(folder: Path) -> Built:
    """1 MB of numbers with units, direction words and shares: thousands of claims."""
    pieces = ["1", "2", "0", "9", ".", "，", "。", "%", "、", "万元", "增加", "比", "年", "占",
              "其中：", "\n"]  # fmt: skip
    weights = [8, 8, 8, 8, 6, 3, 1, 2, 2, 1, 1, 1, 1, 1, 1, 0.05]
    rng = random.Random(17)
    text = "".join(rng.choices(pieces, weights, k=700_000))[: 1024 * 1024]
    return _narrative(folder, "数字.txt", text)


# --------------------------------------------------------------------------- outputs


def output_missing_folder(folder: Path) -> Built:
    out = folder / "no-such-folder" / "report.json"
    return Built(_copy_good(folder), ("-f", "json", "-o", str(out)))


def output_no_permission(folder: Path) -> Built:
    """An output folder the user may not write to."""
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    workbook = _copy_good(folder)
    return Built(workbook, ("-f", "json", "-o", str(locked / "report.json")))


# --------------------------------------------------------------------------- the corpus

LAUGHS, XXE = bf.BILLION_LAUGHS, bf.EXTERNAL_ENTITY
SHEET1, STRINGS, STYLES = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"

CORPUS: tuple[Case, ...] = (
    Case("zip-bomb", zip_bomb, 2, "压缩炸弹", "zip bomb"),
    Case("billion-laughs-sheet", entities(SHEET1, LAUGHS), 2, "XML 实体", "XML entity"),
    Case("billion-laughs-shared-strings", entities(STRINGS, LAUGHS), 2, "XML 实体", "XML entity"),
    Case("billion-laughs-styles", entities(STYLES, LAUGHS), 2, "XML 实体", "XML entity"),
    Case("external-entity-sheet", entities(SHEET1, XXE), 2, "XML 实体", "XML entity"),
    Case("external-entity-shared-strings", entities(STRINGS, XXE), 2, "XML 实体", "XML entity"),
    Case("external-entity-styles", entities(STYLES, XXE), 2, "XML 实体", "XML entity"),
    Case("deep-xml", deep_xml, 0, "0 个错误", "0 errors", "stdout",
         note="200,000 nested elements in a sheet's extLst; read as the good workbook"),
    Case("million-row-dimension", million_row_dimension, 1, "C101", "C101", "stdout"),
    Case("sparse-million-rows", sparse_million_rows, 2, "--max-size", "--max-size"),
    Case("rows-200k", rows_200k, 2, "--max-size", "--max-size", heavy=True),
    Case("huge-string-10mb", huge_string, 2, "32,767", "32,767", heavy=True),
    Case("sheets-1000", thousand_sheets, 0, "0 个错误", "0 errors", "stdout", heavy=True),
    Case("encrypted-xlsx", encrypted_xlsx, 2, "密码", "password"),
    Case("encrypted-xls", encrypted_xls, 2, "密码", "password"),
    Case("truncated-zip", truncated, 2, "损坏", "damaged"),
    Case("zip-path-traversal", traversal, 2, "不安全的成员路径", "unsafe member path"),
    Case("zip-10001-members", many_members, 2, "压缩炸弹", "zip bomb"),
    Case("xls-huge-dimensions", xls_huge_dimensions, 2, "损坏", "damaged"),
    Case("pdf-as-xlsx", foreign(bf.PDF, "report.xlsx"), 2, "PDF", "PDF"),
    Case("pdf-as-xls", foreign(bf.PDF, "report.xls"), 2, "PDF", "PDF"),
    Case("csv-as-xlsx", foreign(bf.CSV, "export.xlsx"), 2, "CSV", "CSV"),
    Case("csv-gbk-as-xls", foreign(bf.CSV.encode("gbk"), "export.xls"), 2, "CSV", "CSV"),
    Case("html-as-xls", foreign(bf.HTML_TABLE, "export.xls"), 2, "HTML", "web page"),
    Case("html-as-xlsx", foreign(bf.BARE_TABLE, "export.xlsx"), 2, "HTML", "web page"),
    Case("xml2003-as-xls", foreign(bf.EXCEL_2003_XML, "export.xls"), 2, "Excel 2003 XML", "Excel 2003 XML"),
    Case("xml2003-as-xlsx", foreign(bf.EXCEL_2003_XML, "export.xlsx"), 2, "Excel 2003 XML", "Excel 2003 XML"),
    Case("docx-as-xlsx", docx_named_xlsx, 2, "Word", "Word document"),
    Case("plain-zip-as-xlsx", plain_zip, 2, "压缩包", "zip archive"),
    Case("empty-file", empty, 2, "空文件", "empty"),
    Case("over-size-limit", oversize, 2, "--max-size", "--max-size"),
    Case("folder", folder_path, 2, "文件夹", "folder"),
    Case("dangling-link", dangling_link, 2, "符号链接", "symbolic link"),
    Case("no-read-permission", no_permission, 2, "权限", "permission", tags=("unprivileged",)),
    Case("formulas-without-results", formulas_without_results, 2, "公式", "formula"),
    Case("ref-and-div0-cells", error_cells, 2, "#REF!", "#DIV/0!"),
    Case("overlapping-merges", overlapping_merges, 1, "个错误", "error", "stdout"),
    Case("nan-and-infinity", nan_and_infinity, 1, "D101", "D101", "stdout"),
    Case("text-in-amounts", text_in_amounts, 1, "D101", "D101", "stdout"),
    Case("dates-in-amounts", dates_in_amounts, 1, "D101", "D101", "stdout"),
    Case("hidden-sheets-long-names", hidden_and_long_names, 0, "0 个错误", "0 errors", "stdout"),
    Case("yaml-python-tag", yaml_python_tag, 3, "规则文件错误", "rule file error"),
    Case("yaml-python-tag-top", yaml_python_tag_top, 3, "规则文件错误", "rule file error"),
    Case("yaml-deep-nesting", yaml_deep_nesting, 3, "规则文件错误", "rule file error"),
    Case("yaml-alias-bomb", yaml_alias_bomb, 3, "expr", "expr"),
    Case("yaml-syntax-error", yaml_syntax, 3, "YAML", "YAML"),
    Case("expression-10000-deep", deep_expression, 3, "表达式过长", "too long"),
    Case("expression-2000-deep", deep_expression_short, 3, "嵌套", "nested"),
    Case("expression-unknown-function", unknown_function, 3, "函数", "function"),
    Case("rules-folder-missing", missing_rules_folder, 3, "规则目录", "rule folder"),
    Case("narrative-1mb-digits", narrative_digits, 0, "0 个错误", "0 errors", "stdout"),
    Case("narrative-32k-paragraphs", narrative_long_paragraphs, 0, "0 个错误", "0 errors", "stdout"),
    Case("narrative-1mb-one-line", narrative_one_line, 2, "换行", "line breaks"),
    Case("narrative-1mb-claims", narrative_claims, 1, "N1", "N1", "stdout"),
    Case("output-folder-missing", output_missing_folder, 2, "输出目录", "output folder"),
    Case("output-no-write-permission", output_no_permission, 2, "写入", "permission to write",
         tags=("unprivileged",)),
)  # fmt: skip

BY_KIND = {case.kind: case for case in CORPUS}


def build(case: Case, folder: Path) -> Built:
    folder.mkdir(parents=True, exist_ok=True)
    return case.build(folder)


def command(case: Case, built: Built, lang: str = "zh") -> list[str]:
    import sys

    args = [sys.executable, "-m", "budgetcheck", str(built.target), *built.args]
    return [*args, "--lang", lang] if lang != "zh" else args


def privileged() -> bool:
    """True when chmod does not stop us (root reads and writes anything)."""
    return os.geteuid() == 0


def drop_file_privileges() -> None:
    """A `preexec_fn` that lets root's child feel file permissions like anyone else: the
    capabilities to bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) leave the bounding set,
    so the program run after it does not get them."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def preexec(case: Case) -> Callable[[], None] | None:
    """What to run in the child before the CLI starts: drop root's file privileges for the
    permission cases."""
    return drop_file_privileges if "unprivileged" in case.tags and privileged() else None


def kinds(cases: Sequence[Case] = CORPUS) -> list[str]:
    return [c.kind for c in cases]
