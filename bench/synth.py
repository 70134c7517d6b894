"""Deterministic synthetic department budgets for the benchmarks.

    department_spec(seed, scale=1, errors=0) -> BudgetSpec

A department budget with all 11 tables in the shapes of the complete Siping fixture
(fixtures/make_fixtures.py: 收支总表, 收入总表, 支出总表, 财政拨款收支总表, 一般公共预算支出表 with
人员经费/公用经费, 基本支出表, 三公, 政府性基金 and 国有资本经营 (empty, with notes), 项目支出表,
绩效目标表) plus a 情况说明 sheet of about 30 paragraphs in the published shapes, with this
budget's figures. About 150–200 rows at scale 1; everything comes from ``random.Random(seed)``.

Function rows are real codes and names from rules/classification/function.csv, economic rows
from economic.csv. ``scale`` multiplies the classified rows: copy 0 is the random tree of real
类; every further copy is one more synthetic 类 (a free three-digit code, the name of a real
类 with "（续N）" so that names stay unique) holding the copy-0 款 and 项 again under
renumbered codes, with fresh amounts. The economic table grows the same way. Such workbooks
carry explicit codes (Layout code_style "joined"): the catalogue cannot name synthetic 类.

``errors`` injects that many known mistakes (a changed cell in 支出总表, a wrong percentage in
the narrative, a changed cell in 基本支出表); ``inject_errors`` returns what it changed.

    python bench/synth.py OUT.xlsx [--seed N] [--scale S] [--errors K] [--verify]
"""

from __future__ import annotations

import argparse
import copy
import csv
import random
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))

import make_fixtures as mf  # noqa: E402
from workbook_writer import BudgetSpec, FormSpec, Layout, RowSpec, TableSpec  # noqa: E402

D = Decimal
ZERO = D("0.00")
CENT = D("0.01")
YEAR = 2024
CODE_STYLES = ("joined", "none", "split", "embedded")  # seed % 4 picks one at scale 1

CITIES = ["四平市", "通化市", "白山市", "松原市", "辽源市", "白城市", "延吉市", "梅河口市"]
BUREAUS = ["政务服务和数字化建设管理局", "财政局", "教育局", "民政局", "司法局", "审计局",
           "统计局", "商务局", "文化广播电视和旅游局", "人力资源和社会保障局", "生态环境局",
           "住房和城乡建设局", "农业农村局", "水利局", "市场监督管理局", "医疗保障局"]  # fmt: skip
PROGRAMMES = ["政务公开、政务服务", "信息化建设", "专项业务", "运转保障", "民生保障"]
PROJECTS = ["便民热线服务费", "政务服务大厅运维费", "电子政务外网运维费", "数据中心租赁费",
            "档案数字化加工费", "法律顾问服务费", "专项审计经费", "业务培训经费",
            "宣传经费", "网络安全等级保护测评费"]  # fmt: skip
REASONS = {"增加": ["人员变动，工资福利支出增加", "落实调资政策", "新增项目支出"],
           "减少": ["压减一般性支出", "项目支出减少", "人员减少"]}


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Entry:
    code: str
    name: str


@cache
def tree(classification: str) -> dict[str, list[Entry]]:
    """parent code ("" for the top level) -> children, in catalogue order."""
    children: dict[str, list[Entry]] = defaultdict(list)
    path = ROOT / "rules" / "classification" / f"{classification}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            children[row["parent_code"]].append(Entry(row["code"], row["name"]))
    return dict(children)


def free_class_codes(classification: str) -> list[str]:
    """Three-digit codes the catalogue does not use, for synthetic 类 (function codes avoid
    3xx and economic codes avoid 2xx, so neither looks like the other classification)."""
    used = {e.code for e in tree(classification)[""]}
    first, avoid = ("2", "3") if classification == "function" else ("3", "2")
    ordered = [c for c in map(str, range(100, 1000)) if c[0] == first]
    ordered += [c for c in map(str, range(100, 1000)) if c[0] not in (first, avoid)]
    return [c for c in ordered if c not in used]


def pick(rng: random.Random, entries: list[Entry], low: int, high: int) -> list[Entry]:
    high = min(high, len(entries))
    if high < low:
        return list(entries)
    return sorted(rng.sample(entries, rng.randint(low, high)), key=lambda e: e.code)


# --------------------------------------------------------------------------- amounts


def money(rng: random.Random, low: float, high: float) -> Decimal:
    return D(rng.randint(int(low * 100), int(high * 100))).scaleb(-2)


def partition(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """``total`` split into ``parts`` non-negative cent amounts (exact)."""
    cents = int(total * 100)
    cuts = sorted(rng.randint(0, cents) for _ in range(parts - 1))
    bounds = [0, *cuts, cents]
    return [D(bounds[i + 1] - bounds[i]).scaleb(-2) for i in range(parts)]


def pct(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return ZERO
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def pct_text(value: Decimal) -> str:
    return "100" if value == 100 else str(value)


def opt(v: Decimal) -> Decimal | None:
    return v if v else None


# --------------------------------------------------------------------------- the budget model


@dataclass
class Leaf:
    code: str
    name: str
    personnel: Decimal
    public: Decimal
    project: Decimal

    @property
    def basic(self) -> Decimal:
        return self.personnel + self.public

    @property
    def total(self) -> Decimal:
        return self.basic + self.project


@dataclass
class Node:
    """A 类 or 款 of the function tree; a 款 without 项 is itself a leaf (``leaf``)."""

    code: str
    name: str
    children: list[Node] = field(default_factory=list)
    leaf: Leaf | None = None

    def leaves(self) -> list[Leaf]:
        if self.leaf is not None:
            return [self.leaf]
        return [lf for c in self.children for lf in c.leaves()]

    def sums(self) -> tuple[Decimal, Decimal, Decimal]:
        ls = self.leaves()
        return (sum((x.personnel for x in ls), ZERO), sum((x.public for x in ls), ZERO),
                sum((x.project for x in ls), ZERO))  # fmt: skip


@dataclass
class EconItem:
    code: str
    name: str
    personnel: Decimal
    public: Decimal


@dataclass
class EconClass:
    code: str
    name: str
    items: list[EconItem]


@dataclass
class Project:
    programme: str
    name: str
    amount: Decimal


@dataclass
class Budget:
    organisation: str
    classes: list[Node]  # function 类, copy 0 first
    economic: list[EconClass]
    projects: list[Project]
    abroad: Decimal
    reception: Decimal
    vehicles: Decimal
    change: Decimal  # vs last year, for the narrative

    @property
    def leaves(self) -> list[Leaf]:
        return [lf for c in self.classes for lf in c.leaves()]

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        p = sum((x.personnel for x in self.leaves), ZERO)
        g = sum((x.public for x in self.leaves), ZERO)
        q = sum((x.project for x in self.leaves), ZERO)
        return p, g, q


def _leaf(rng: random.Random, entry: Entry, project_ok: bool) -> Leaf:
    roll = rng.random()
    has_project = project_ok and roll < 0.35
    has_basic = not has_project or roll < 0.15
    personnel = money(rng, 5, 600) if has_basic else ZERO
    public = money(rng, 0.5, 60) if has_basic and rng.random() < 0.6 else ZERO
    project = money(rng, 5, 300) if has_project else ZERO
    return Leaf(entry.code, entry.name, personnel, public, project)


def _copy0_function(rng: random.Random) -> list[Node]:
    """4–6 real 类 with 1–3 款 and 0–3 项 each, like the hypothesis generator in the tests."""
    t = tree("function")
    with_kuan = [e for e in t[""] if t.get(e.code)]
    must = [e for e in with_kuan if e.code == "201"]  # every department has 201 行政运行
    others = pick(rng, [e for e in with_kuan if e.code != "201"], 3, 5)
    classes = []
    for lei in sorted(must + others, key=lambda e: e.code):
        kuans = []
        for kuan in pick(rng, t[lei.code], 1, 3):
            node = Node(kuan.code, kuan.name)
            xiangs = pick(rng, t.get(kuan.code, []), 1, 3) if t.get(kuan.code) else []
            if xiangs:
                node.children = [Node(x.code, x.name, leaf=_leaf(rng, x, True)) for x in xiangs]
            else:
                node.leaf = _leaf(rng, kuan, True)
            kuans.append(node)
        classes.append(Node(lei.code, lei.name, kuans))
    if not any(lf.project for c in classes for lf in c.leaves()):
        first = classes[0].leaves()[0]
        first.project = money(rng, 20, 300)
    return classes


def _function_copy(rng: random.Random, template: list[Node], code: str, name: str) -> Node:
    """One synthetic 类 holding every 款/项 of ``template`` under renumbered codes."""
    kuans = []
    n = 0
    for lei in template:
        for kuan in lei.children:
            n += 1
            kcode = f"{code}{n:02d}"
            node = Node(kcode, kuan.name)
            if kuan.leaf is not None:
                node.leaf = _leaf(rng, Entry(kcode, kuan.name), True)
            else:
                node.children = [
                    Node(kcode + x.code[-2:], x.name,
                         leaf=_leaf(rng, Entry(kcode + x.code[-2:], x.name), True))
                    for x in kuan.children
                ]  # fmt: skip
            kuans.append(node)
    if n > 99:
        raise ValueError("too many 款 for one synthetic 类")
    return Node(code, name, kuans)


def _economic_items(rng: random.Random, personnel: Decimal, public: Decimal,
                    ) -> tuple[list[Entry], list[Entry], list[Entry]]:  # fmt: skip
    t = tree("economic")
    wages = pick(rng, t["301"], 5, 9)
    goods_required = [e for e in t["302"] if e.code in ("30201", "30217", "30231")]
    goods = pick(rng, [e for e in t["302"] if e not in goods_required], 5, 10)
    goods = sorted(goods + goods_required, key=lambda e: e.code)
    families = pick(rng, t["303"], 1, 3) if rng.random() < 0.5 else []
    return wages, goods, families


def _econ_class(code: str, name: str, entries: list[Entry], personnel: list[Decimal],
                public: list[Decimal]) -> EconClass:  # fmt: skip
    items = [EconItem(e.code, e.name, p, g) for e, p, g in zip(entries, personnel, public,
                                                                    strict=True)]  # fmt: skip
    return EconClass(code, name, items)


def _copy_economics(rng: random.Random, shape: tuple[list[Entry], list[Entry], list[Entry]],
                    personnel: Decimal, public: Decimal, code: str | None,
                    name: str | None) -> list[EconClass]:  # fmt: skip
    """The economic rows for one copy: 301/303 share ``personnel``, 302 ``public``.
    ``code`` None: the real classes; otherwise one synthetic 类 holding all the items."""
    wages, goods, families = shape
    people = wages + families
    p_parts = partition(rng, personnel, len(people))
    g_parts = partition(rng, public, len(goods))
    if code is None:
        out = [_econ_class("301", "工资福利支出", wages, p_parts[: len(wages)],
                           [ZERO] * len(wages))]  # fmt: skip
        out.append(_econ_class("302", "商品和服务支出", goods, [ZERO] * len(goods), g_parts))
        if families:
            out.append(_econ_class("303", "对个人和家庭的补助", families,
                                   p_parts[len(wages):], [ZERO] * len(families)))  # fmt: skip
        return out
    entries = [Entry(f"{code}{i + 1:02d}", e.name) for i, e in enumerate(people + goods)]
    return [_econ_class(code, name or code, entries, p_parts + [ZERO] * len(goods),
                        [ZERO] * len(people) + g_parts)]  # fmt: skip


def build_budget(seed: int, scale: int = 1) -> Budget:
    rng = random.Random(seed)
    organisation = CITIES[seed % len(CITIES)] + BUREAUS[(seed // len(CITIES)) % len(BUREAUS)]
    copy0 = _copy0_function(rng)
    classes = list(copy0)
    shape = _economic_items(rng, ZERO, ZERO)
    real_names = [e.name for e in tree("function")[""]]
    f_codes, e_codes = free_class_codes("function"), free_class_codes("economic")
    if scale - 1 > min(len(f_codes), len(e_codes)):
        raise ValueError(f"scale {scale} needs more synthetic 类 codes than there are")
    econ: list[EconClass] = []
    for j in range(scale):
        if j == 0:
            nodes = copy0
        else:
            base = real_names[(j - 1) % len(real_names)]
            nodes = [_function_copy(rng, copy0, f_codes[j - 1], f"{base}（续{j}）")]
            classes += nodes
        p = sum((n.sums()[0] for n in nodes), ZERO)
        g = sum((n.sums()[1] for n in nodes), ZERO)
        if j == 0:
            econ += _copy_economics(rng, shape, p, g, None, None)
        else:
            econ += _copy_economics(rng, shape, p, g, e_codes[j - 1], f"其他经济分类支出（续{j}）")
    _, _, q = Budget(organisation, classes, econ, [], ZERO, ZERO, ZERO, ZERO).totals()
    n_projects = rng.randint(1, 4)
    names = rng.sample(PROJECTS, n_projects)
    amounts = partition(rng, q - D(n_projects), n_projects)  # each project >= 1.00
    projects = [
        Project(rng.choice(PROGRAMMES), name, a + 1) for name, a in zip(names, amounts, strict=True)
    ]
    goods = {i.code: i.public for c in econ for i in c.items if c.code == "302"}
    return Budget(
        organisation, classes, econ, projects,
        abroad=goods.get("30212", ZERO), reception=goods.get("30217", ZERO),
        vehicles=goods.get("30231", ZERO), change=money(rng, -80, 150),
    )  # fmt: skip


# --------------------------------------------------------------------------- tables

CN_DIGITS = "零一二三四五六七八九"


def ordinal(i: int, count: int) -> str:
    """"一、" … "十、" as the published tables number 类; none beyond ten 类."""
    return mf.CN_NUMERALS[i] + "、" if count <= len(mf.CN_NUMERALS) else ""


def _function_rows(b: Budget, values, numbered: bool) -> list[RowSpec]:  # type: ignore[no-untyped-def]
    rows = []
    for i, lei in enumerate(b.classes):
        label = (ordinal(i, len(b.classes)) if numbered else "") + lei.name
        rows.append(RowSpec(label, values(lei.sums()), lei.code, 1))
        for kuan in lei.children:
            rows.append(RowSpec(kuan.name, values(kuan.sums()), kuan.code, 2))
            for xiang in kuan.children:
                rows.append(RowSpec(xiang.name, values(xiang.sums()), xiang.code, 3))
    return rows


def _summary_values(s: tuple[Decimal, Decimal, Decimal]) -> list[Decimal | None]:
    p, g, q = s
    return [p + g + q, p + g, q]


def _general_values(s: tuple[Decimal, Decimal, Decimal]) -> list[Decimal | None]:
    p, g, q = s
    return [p + g + q, opt(p + g), opt(p), opt(g), opt(q)]


def _class_totals(b: Budget) -> list[tuple[str, str, Decimal]]:
    return [(c.code, c.name, sum(c.sums(), ZERO)) for c in b.classes]


def expenditure_summary(b: Budget) -> TableSpec:
    t = mf.expenditure_summary()
    p, g, q = b.totals()
    t.rows = _function_rows(b, _summary_values, False)
    t.rows.append(RowSpec("合计", [p + g + q, p + g, q], kind="total"))
    return t


def revenue_summary(b: Budget) -> TableSpec:
    t = mf.revenue_summary()
    grand = sum(b.totals(), ZERO)
    t.rows = _function_rows(b, lambda s: [sum(s, ZERO)] * 2, False)
    t.rows.append(RowSpec("合计", [grand, grand], kind="total"))
    return t


def general_budget(b: Budget) -> TableSpec:
    t = mf.general_budget(with_total=True)
    p, g, q = b.totals()
    t.rows = _function_rows(b, _general_values, True)
    t.rows.append(RowSpec("合计", [p + g + q, p + g, p, g, q], kind="total"))
    return t


def basic_expenditure(b: Budget) -> TableSpec:
    t = mf.basic_expenditure()
    p, g, _ = b.totals()
    rows = [RowSpec("合 计", [p + g, p, g], kind="total")]
    for i, c in enumerate(b.economic):
        cp = sum((x.personnel for x in c.items), ZERO)
        cg = sum((x.public for x in c.items), ZERO)
        rows.append(RowSpec(ordinal(i, len(b.economic)) + c.name, [cp + cg, opt(cp), opt(cg)],
                            c.code, 1))  # fmt: skip
        rows += [
            RowSpec(x.name, [x.personnel + x.public, opt(x.personnel), opt(x.public)], x.code, 2)
            for x in c.items
        ]
    t.rows = rows
    return t


def _two_sided_right(b: Budget, width: int) -> list[RowSpec | None]:
    totals = _class_totals(b)
    return [
        RowSpec(ordinal(i, len(totals)) + name, [v] + [None] * (width - 1), code, 1)
        for i, (code, name, v) in enumerate(totals)
    ]


def revenue_expenditure_summary(b: Budget) -> TableSpec:
    t = mf.revenue_expenditure_summary()
    grand = str(sum(b.totals(), ZERO))
    _swap_amount(t, mf.GRAND_TOTAL, grand)
    right = _two_sided_right(b, 1)
    tail = [r for r in (t.right_rows or [])[len(mf.CLASS_TOTALS):]]
    t.right_rows = right + tail
    return t


def fiscal_appropriation(b: Budget) -> TableSpec:
    t = mf.fiscal_appropriation()
    grand = str(sum(b.totals(), ZERO))
    _swap_amount(t, mf.GRAND_TOTAL, grand)
    tail = [r for r in (t.right_rows or [])[len(mf.CLASS_TOTALS):]]
    t.right_rows = _two_sided_right(b, 2) + tail
    return t


def _swap_amount(t: TableSpec, old: str, new: str) -> None:
    for row in [*t.rows, *(t.right_rows or [])]:
        if row is not None:
            row.values = [D(new) if v == D(old) else v for v in row.values]


def three_public(b: Budget) -> TableSpec:
    t = mf.three_public()
    t.header = [["项 目", f"{YEAR}年预算数", "备 注"]]
    total = b.abroad + b.reception + b.vehicles
    values = [total, b.abroad, b.reception, b.vehicles, b.vehicles, ZERO]
    t.rows = [RowSpec(r.label, [v], kind=r.kind) for r, v in zip(t.rows, values, strict=True)]
    people = 40 + len(b.leaves) * 3
    t.notes = [
        "说明：",
        "1、“2024年预算数”的单位范围包括部门本级及所属  1  个预算单位。",
        f"2、“2024年预算数”的实有人员  {people}  人，其中：在职人员  {people}  人，离退休人员  0  人。",
    ]
    return t


def empty_tables(b: Budget) -> list[TableSpec]:
    return [
        mf.empty_function_table("government_fund_expenditure", "政府性基金预算支出表",
                                mf.EMPTY_FUND_NOTE.replace(mf.ORG, b.organisation)),
        mf.empty_function_table("state_capital_expenditure", "国有资本经营预算支出表",
                                mf.EMPTY_STATE_CAPITAL_NOTE.replace(mf.ORG, b.organisation)),
    ]  # fmt: skip


def project_expenditure(b: Budget) -> TableSpec:
    t = mf.project_expenditure()
    total = sum((p.amount for p in b.projects), ZERO)
    t.rows = [
        RowSpec(p.name, [p.amount, p.amount],
                texts=["阶段性项目" if i % 2 == 0 else "经常性项目", p.programme, p.name,
                       b.organisation])
        for i, p in enumerate(b.projects)
    ]  # fmt: skip
    t.rows.append(RowSpec("合计", [total, total], kind="total", texts=["合计"]))
    return t


def performance_targets(b: Budget) -> FormSpec:
    """One 16-row block per project, the Siping form repeated."""
    template = mf.performance_targets("二级项目")
    cells: list[list[Decimal | str | None]] = []
    merges = []
    for project in b.projects:
        top = len(cells)
        block = copy.deepcopy(template.cells)
        block[0][3] = project.name
        block[2][3] = block[3][3] = project.amount
        block[4][3] = ZERO
        block[9][4] = f"{project.amount}万元"
        block[5][1] = f"目标1：保障{project.name}所需工作顺利完成"
        cells += block
        merges += [(r0 + top, c0, r1 + top, c1) for r0, c0, r1, c1 in template.merges]
    return FormSpec(template.kind, template.title, cells, merges)


# --------------------------------------------------------------------------- narrative


def _w(v: Decimal) -> str:
    return f"{v:.2f}"


def _short(name: str) -> str:
    return name.removesuffix("支出")


def narrative(b: Budget) -> list[str]:
    p, g, q = b.totals()
    basic, grand = p + g, p + g + q
    y, last = YEAR, YEAR - 1
    real = [c for c in b.classes if "（续" not in c.name]
    extra = len(b.classes) - len(real)
    names = "、".join(c.name for c in real) + (f"等{len(b.classes)}类支出" if extra else "")
    direction = "增加" if b.change >= 0 else "减少"
    reasons = REASONS[direction]
    reason = reasons[int(abs(b.change) * 100) % len(reasons)]
    n = len(b.projects)
    out = [
        "第三部分 情况说明",
        f"一、{y}年收支预算总体情况",
        f"收入包括：一般公共预算拨款收入；支出包括：{names}。{y}年收支总预算{_w(grand)}万元，"
        f"全部为当年预算。比{last}年预算数{direction}{_w(abs(b.change))}万元。主要原因是{reason}。",
        f"二、{y}年收入预算情况",
        f"{y}年收入预算{_w(grand)}万元，其中：本年收入{_w(grand)}万元，占100%。本年收入中，"
        f"一般公共预算拨款收入{_w(grand)}万元，占100%。",
        f"三、{y}年支出预算情况",
        f"{y}年支出预算{_w(grand)}万元，其中：基本支出{_w(basic)}万元，占{pct_text(pct(basic, grand))}%；"
        f"项目支出{_w(q)}万元，占{pct_text(pct(q, grand))}%。",
        f"四、{y}年财政拨款收支预算情况",
        f"{y}年财政拨款收支总预算{_w(grand)}万元，其中：本年收入{_w(grand)}万元。支出包括："
        + "，".join(f"{c.name}{_w(sum(c.sums(), ZERO))}万元" for c in real) + "。",
        f"五、{y}年一般公共预算支出情况",
        f"{y}年一般公共预算拨款{_w(grand)}万元，其中：基本支出{_w(basic)}万元，"
        f"占{pct_text(pct(basic, grand))}%；项目支出{_w(q)}万元，占{pct_text(pct(q, grand))}%。"
        f"基本支出中，人员经费{_w(p)}万元，占{pct_text(pct(p, basic))}%；公用经费{_w(g)}万元，"
        f"占{pct_text(pct(g, basic))}%。",
    ]
    for c in real:
        v = sum(c.sums(), ZERO)
        uses = "、".join(k.name for k in c.children)
        out.append(f"{_short(c.name)}（类）支出{_w(v)}万元，占{pct_text(pct(v, grand))}%，"
                   f"主要用于{uses}。")  # fmt: skip
    people = [i.name for c in b.economic if c.code in ("301", "303") for i in c.items]
    goods = [i.name for c in b.economic if c.code == "302" for i in c.items]
    three = b.abroad + b.reception + b.vehicles
    out += [
        f"六、{y}年一般公共预算基本支出情况",
        f"{y}年一般公共预算基本支出{_w(basic)}万元，其中：",
        f"人员经费{_w(p)}万元，主要包括：{'、'.join(people)}。",
        f"公用经费{_w(g)}万元，主要包括：{'、'.join(goods)}。",
        f"七、{y}年一般公共预算“三公”经费拨款情况",
        f"{y}年“三公”经费预算数为{_w(three)}万元。其中：",
        f"1、因公出国（境）费{_w(b.abroad)}万元。",
        f"2、公务接待费{_w(b.reception)}万元。",
        f"3、公务用车购置及运行费{_w(b.vehicles)}万元，其中：公务用车购置费0万元，"
        f"公务用车运行维护费{_w(b.vehicles)}万元。",
        f"八、{y}年政府性基金预算支出情况",
        f"{y}年政府性基金预算支出0万元，其中：基本支出0万元；项目支出0万元。",
        f"九、{y}年国有资本经营预算支出情况",
        f"{y}年国有资本经营预算支出0万元，其中：基本支出0万元；项目支出0万元。",
        "十、项目支出绩效目标情况说明",
        f"按照全面实施预算绩效管理的要求，结合本部门职能和重点工作，{y}年确定{n}个二级项目支出的"
        f"绩效目标和指标向社会公开，涉及金额{_w(q)}万元。",
        "十一、其他重要事项的说明情况",
        "（一）机关运行经费说明",
        f"{y}年部门本级等1家行政单位的机关运行经费财政拨款预算{_w(g)}万元，主要用于办公费、"
        "印刷费、邮电费、差旅费等日常公用支出。",
        "（二）政府采购情况说明",
        f"{y}年政府采购预算总额0万元，其中：政府采购货物预算0万元、政府采购工程预算0万元、"
        "政府采购服务预算0万元。",
        "（三）国有资产占有使用情况说明",
        f"截至{last}年12月31日，部门本级和所属各预算单位共有车辆0辆。单位价值50万元以上通用设备"
        "0台（套），单位价值100万元以上专用设备0台（套）。",
        "（四）项目支出情况说明",
        f"{y}年部门项目支出{_w(q)}万元，其中二级项目{n}个；使用本年拨款{_w(q)}万元，"
        "财政拨款结转0万元。",
    ]
    return out


# --------------------------------------------------------------------------- spec


def department_spec(seed: int, scale: int = 1, errors: int = 0) -> BudgetSpec:
    """The budget of synthetic department ``seed``; ``errors`` known mistakes injected."""
    b = build_budget(seed, scale)
    tables: list[TableSpec | FormSpec] = [
        revenue_expenditure_summary(b),
        revenue_summary(b),
        expenditure_summary(b),
        fiscal_appropriation(b),
        general_budget(b),
        basic_expenditure(b),
        three_public(b),
        *empty_tables(b),
        project_expenditure(b),
        performance_targets(b),
    ]
    spec = BudgetSpec(
        organisation=b.organisation,
        year=YEAR,
        doc_type="部门预算",
        tables=tables,
        text_sheets={
            "封面": [b.organisation, f"{YEAR}年部门预算", "二〇二四年二月"],
            "情况说明": narrative(b),
        },
        leading_text_sheets=["封面"],
    )
    if errors:
        inject_errors(spec, random.Random(f"errors-{seed}"), errors)
    return spec


def department_layout(seed: int, scale: int = 1) -> Layout:
    """Code style varies with the seed at scale 1; synthetic 类 need written codes."""
    style = "joined" if scale > 1 else CODE_STYLES[seed % len(CODE_STYLES)]
    return Layout(code_style=style)


def scale_for_rows(seed: int, rows: int) -> int:
    """The smallest scale whose function and economic tables both have >= ``rows`` rows."""
    one = build_budget(seed, 1)
    f0 = sum(1 + len(c.children) + sum(len(k.children) for k in c.children) for c in one.classes)
    e0 = sum(1 + len(c.items) for c in one.economic)
    f_extra = f0 - len(one.classes) + 1
    e_extra = sum(len(c.items) for c in one.economic) + 1
    return 1 + max(-(-(rows - f0) // f_extra), -(-(rows - e0) // e_extra), 0)


def table_rows(spec: BudgetSpec) -> dict[str, int]:
    return {
        t.kind: max(len(t.rows), len(t.right_rows or []))
        if isinstance(t, TableSpec)
        else len(t.cells)
        for t in spec.tables
    }


# --------------------------------------------------------------------------- errors


def _change_summary_cell(spec: BudgetSpec, rng: random.Random) -> str:
    t = spec.table("expenditure_summary")
    assert isinstance(t, TableSpec)
    leaves = [r for r in t.rows if r.kind == "item" and r.code and len(r.code) == 7]
    row = rng.choice(leaves or [r for r in t.rows if r.kind == "item"])
    old = row.values[0]
    assert isinstance(old, Decimal)
    row.values[0] = old + money(rng, 1, 50)
    return f"支出总表 {row.code} {row.label}: 总计 {old} -> {row.values[0]}"


def _change_basic_cell(spec: BudgetSpec, rng: random.Random) -> str:
    t = spec.table("general_budget_basic_expenditure")
    assert isinstance(t, TableSpec)
    row = rng.choice([r for r in t.rows if r.level == 2 and r.values[0]])
    old = row.values[0]
    assert isinstance(old, Decimal)
    row.values[0] = old - CENT * rng.randint(10, 500)
    return f"基本支出表 {row.code} {row.label}: 合计 {old} -> {row.values[0]}"


def _wrong_percentage(spec: BudgetSpec, rng: random.Random) -> str:
    paragraphs = spec.text_sheets["情况说明"]
    i = next(k for k, p in enumerate(paragraphs) if p.startswith(f"{YEAR}年支出预算"))
    text = paragraphs[i]
    start = text.index("占") + 1
    end = text.index("%", start)
    old = D(text[start:end])
    new = old + D(rng.choice([-3, -2, 2, 3])) + D("0.50")
    paragraphs[i] = text[:start] + str(new) + text[end:]
    return f"情况说明 三: 基本支出占 {old}% -> {new}%"


INJECTORS = [_change_summary_cell, _wrong_percentage, _change_basic_cell]


def inject_errors(spec: BudgetSpec, rng: random.Random, count: int) -> list[str]:
    """Apply the first ``count`` injectors (a changed cell, a wrong percentage, ...)."""
    return [inject(spec, rng) for inject in INJECTORS[:count]]


# --------------------------------------------------------------------------- verification


def verify_spec(spec: BudgetSpec) -> list[str]:
    """make_fixtures.check_identities, plus what it cannot see: it compares only the first
    performance form with the project total, so each form is checked against its project here
    and check_identities sees the forms folded into one block with the total."""
    problems: list[str] = []
    proj = spec.table("project_expenditure")
    perf = spec.table("project_performance_targets")
    assert isinstance(proj, TableSpec) and isinstance(perf, FormSpec)
    by_name = {r.label: r.values[0] for r in proj.rows if r.kind == "item"}
    for top in range(0, len(perf.cells), 16):
        name, amount = perf.cells[top][3], perf.cells[top + 2][3]
        if by_name.get(str(name)) != amount:
            problems.append(f"绩效目标表 {name}: {amount} != 项目支出表 {by_name.get(str(name))}")
    folded = copy.copy(spec)
    folded_perf = copy.deepcopy(perf)
    total = next(r.values[0] for r in proj.rows if r.kind == "total")
    folded_perf.cells = folded_perf.cells[:16]
    folded_perf.cells[2][3] = total
    folded.tables = [folded_perf if t is perf else t for t in spec.tables]
    return problems + mf.check_identities(folded)


def budgetcheck_errors(path: Path) -> tuple[int, str]:
    """(number of errors budgetcheck reports, its summary line)."""
    import json

    with subprocess.Popen(
        [sys.executable, "-m", "budgetcheck", str(path), "-f", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as proc:  # fmt: skip
        out, err = proc.communicate()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"budgetcheck failed on {path}: {err.strip()}")
    data = json.loads(out)
    files = data.get("files", data if isinstance(data, list) else [])
    findings = [f for fr in files for f in fr.get("findings", [])]
    errors = [f for f in findings if f.get("severity") == "error"]
    summary = ", ".join(sorted({f.get("rule", f.get("rule_id", "?")) for f in errors}))
    return len(errors), summary


def write(seed: int, path: Path, scale: int = 1, errors: int = 0) -> BudgetSpec:
    from workbook_writer import write_budget

    spec = department_spec(seed, scale, errors)
    write_budget(spec, path, department_layout(seed, scale))
    return spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--errors", type=int, default=0)
    parser.add_argument("--verify", action="store_true",
                        help="check identities and run budgetcheck (0 errors expected)")  # fmt: skip
    args = parser.parse_args(argv)
    spec = write(args.seed, args.out, args.scale, args.errors)
    rows = table_rows(spec)
    print(f"{args.out}: {sum(rows.values())} rows {rows}")
    if args.verify:
        problems = verify_spec(spec)
        count, rules = budgetcheck_errors(args.out)
        print(f"identities: {problems or 'consistent'}; budgetcheck: {count} errors {rules}")
        expected_clean = args.errors == 0
        if expected_clean and (problems or count):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
