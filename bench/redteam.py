"""Red-team zoo: ~40 returns built the way civil servants fill, copy and forward forms, each with its truth.

Run: PYTHONPATH=$PWD python bench/redteam.py [--keep DIR]
Every case is read as `lyreport run` would (intake + merge, no rendering) and classified:
  right   — every measure read as the truth says (or flagged where the truth says it must be)
  warned  — something differs, but a warning/error points at it (warned-DONE: a not-done measure read 已完成)
  SILENT  — wrong without a word (SEVERE when a not-done measure shows 已完成)
Also listed: interpretations of non-exact status text without a problem quoting the text.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from lyreport.api import load_context
from lyreport.intake.pipeline import run_intake
from lyreport.intake.status_words import STATUS_INDEX
from lyreport.merge import merge_week
from lyreport.models import DONE, LAGGING, NOT_STARTED, ON_TRACK, PreviousState
from lyreport.problems import ERROR, WARNING
from lyreport.render.templates import write_templates
from lyreport.weeks import deadline_on
from lyreport.workspace import init_workspace

TZ = ZoneInfo("Asia/Shanghai")
WEEK = date(2021, 1, 7)
LAST = date(2020, 12, 31)
FLAG = "FLAG"  # the truth: the product must flag this measure (unreadable), not pick a status
TRANSPORT, EDUCATION, NDRC = "市交通运输局", "市教育局", "市发改委"
ON_TIME = datetime(2021, 1, 7, 9, 30, tzinfo=TZ)


@dataclass
class Case:
    name: str
    unit: str
    truth: dict[int, str]  # measure -> status (or FLAG)
    files: dict[str, bytes] = field(default_factory=dict)
    state: str = ""  # expected unit state where it matters ("invalid" for a blank form)
    note: str = ""
    raw: dict[int, str] = field(default_factory=dict)  # non-exact status text written, to check it is quoted
    mtime: datetime = ON_TIME  # the inbox file time (when staff saved it from mail)


class Zoo:
    """Builds the cases from the real templates of a fresh workspace."""

    def __init__(self, root: Path, seed: int = 11) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.ws = init_workspace(root / "ws")[0].root
        self.ctx = load_context(self.ws)
        self.templates = {}
        for week in (WEEK, LAST):
            for path in write_templates(self.ctx.master, self.ctx.directory, week, root / f"tpl-{week}"):
                self.templates[(path.name.split("-")[0], week)] = path
        self.cases: list[Case] = []
        self.to_convert: list[tuple[Case, str, bytes, str]] = []

    # --------------------------------------------------------------- helpers
    def form(self, unit: str, week: date = WEEK):
        return load_workbook(self.templates[(unit, week)])

    def nos(self, unit: str) -> list[int]:
        return [m.no for m in self.ctx.master.measures_of(unit)]

    def fill(self, wb, statuses: dict[int, object], filled: object = date(2021, 1, 6)) -> None:
        ws = wb["落实情况"]
        ws.cell(3, 8, filled)
        ws.cell(3, 4, "王五")
        ws.cell(3, 6, "0379-63211234")
        for r in range(5, ws.max_row + 1):
            no = ws.cell(r, 1).value
            if no in statuses:
                ws.cell(r, 4, statuses[no])
                ws.cell(r, 5, f"第{no}条本周已召开推进会，完成阶段任务。")
                ws.cell(r, 6, "无")
                ws.cell(r, 7, "继续推进")

    @staticmethod
    def save(wb) -> bytes:
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def add(self, case: Case, files: dict[str, bytes]) -> Case:
        case.files.update(files)
        self.cases.append(case)
        return case

    def simple(self, name: str, unit: str, written: dict[int, object], truth: dict[int, str], **kw) -> Case:
        wb = self.form(unit)
        self.fill(wb, written, kw.pop("filled", date(2021, 1, 6)))
        edit = kw.pop("edit", None)
        if edit:
            edit(wb)
        fname = kw.pop("fname", f"{unit}-落实情况.xlsx")
        raw = {
            n: str(v) for n, v in written.items() if v is not None and v not in (DONE, ON_TRACK, LAGGING, NOT_STARTED)
        }
        return self.add(Case(name, unit, truth, raw=raw, **kw), {fname: self.save(wb)})

    def mail(self, subject: str, sender: str, attach: dict[str, bytes], when: datetime = ON_TIME) -> bytes:
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = subject, sender, "ldb@ly.gov.cn"
        msg["Date"] = format_datetime(when)
        msg.set_content("请查收本周落实情况报表。")
        for fname, data in attach.items():
            msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=fname)
        return msg.as_bytes()


def saved_on(data: bytes, when: str) -> bytes:
    """The workbook with its docProps modified time set (openpyxl always writes the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + when.encode(), body)
            dst.writestr(item, body)
    return out.getvalue()


def build(zoo: Zoo) -> None:  # noqa: PLR0915 — one line per case reads best
    t = zoo.nos(TRANSPORT)  # 10, 11, 12, 14, 15
    e = zoo.nos(EDUCATION)  # 22, 23
    d = zoo.nos(NDRC)  # 1, 8, 9, 16
    base = {10: ON_TRACK, 11: ON_TRACK, 12: LAGGING, 14: DONE, 15: NOT_STARTED}
    zoo.simple("exact codes", TRANSPORT, base, base)
    # statuses typed as sentences
    words = {
        10: "推进中，部分工作滞后",
        11: "正常推进（部分路段进度滞后）",
        12: "已启动，进度滞后",
        14: "已完成",
        15: "尚未开工",
    }
    zoo.simple(
        "sentences: lag wins", TRANSPORT, words, {10: LAGGING, 11: LAGGING, 12: LAGGING, 14: DONE, 15: NOT_STARTED}
    )
    reserved = {
        10: "已完成；某段尚未开工",
        11: "已完成（部分）",
        12: "基本完成",
        14: "已完成（已销号）",
        15: "已完成，待验收",
    }
    zoo.simple(
        "done with reservation", TRANSPORT, reserved, {10: ON_TRACK, 11: ON_TRACK, 12: ON_TRACK, 14: DONE, 15: ON_TRACK}
    )
    unread = {10: "正在研究", 11: "同上", 12: "未完成", 14: "/", 15: "？"}
    zoo.simple("unreadable words", TRANSPORT, unread, dict.fromkeys(t, FLAG))
    notes = {10: "正常推进\n（备注：资金未到位）", 11: "进度滞后 详见附件", 12: "已完成80%", 14: "完成", 15: "未启动"}
    zoo.simple(
        "notes in status", TRANSPORT, notes, {10: ON_TRACK, 11: LAGGING, 12: ON_TRACK, 14: DONE, 15: NOT_STARTED}
    )
    more = {10: "已完成前期工作，正在推进", 11: "按计划推进", 12: "滞后", 14: "已经完成", 15: "暂未启动"}
    zoo.simple("more phrasings", TRANSPORT, more, {10: ON_TRACK, 11: ON_TRACK, 12: LAGGING, 14: DONE, 15: NOT_STARTED})
    tricky = {
        10: "已完成阶段性任务",
        11: "完成年度目标的60%",
        12: "正常推进，但已完成部分滞后",
        14: "已完成（未销号）",
        15: "计划下周完成",
    }
    zoo.simple("done-ish phrases", TRANSPORT, tricky, {10: ON_TRACK, 11: ON_TRACK, 12: LAGGING, 14: FLAG, 15: ON_TRACK})
    neg = {10: "未按期完成", 11: "尚未完成", 12: "完成情况滞后", 14: "没有完成", 15: "不能按期完成"}
    zoo.simple("negated done", TRANSPORT, neg, {10: LAGGING, 11: FLAG, 12: LAGGING, 14: FLAG, 15: LAGGING})
    zoo.simple(
        "codes with spaces/fullwidth",
        TRANSPORT,
        {10: " 正常推进 ", 11: "正常 推进", 12: "进度滞后。", 14: "已完成 ", 15: "尚未启动"},
        base,
    )
    zoo.simple(
        "emoji/symbol status",
        TRANSPORT,
        {10: "√", 11: "○", 12: "×", 14: "✔已完成", 15: "-"},
        {10: FLAG, 11: FLAG, 12: FLAG, 14: DONE, 15: FLAG},
    )
    zoo.simple("status as number", TRANSPORT, {10: 1, 11: 2, 12: 3, 14: 100, 15: 0}, dict.fromkeys(t, FLAG))
    zoo.simple(
        "english status",
        TRANSPORT,
        {10: "done", 11: "ongoing", 12: "delayed", 14: "completed", 15: "N/A"},
        dict.fromkeys(t, FLAG),
    )

    # layout edits
    def extra_cols(wb):
        ws = wb["落实情况"]
        ws.insert_cols(2)
        ws.cell(4, 2, "责任领导")
        for r in range(5, ws.max_row + 1):
            ws.cell(r, 2, "张副局长")

    zoo.simple("extra column inserted", TRANSPORT, base, base, edit=extra_cols)

    def renamed(wb):
        ws = wb["落实情况"]
        ws.cell(4, 4, "进展情况（已完成/正常推进/滞后/未启动）")
        ws.cell(4, 5, "工作进展")

    zoo.simple("renamed headers", TRANSPORT, base, base, edit=renamed)

    def inserted_row(wb):
        ws = wb["落实情况"]
        ws.insert_rows(6)
        ws.cell(6, 2, "（以下为配合事项）")

    zoo.simple("inserted row", TRANSPORT, base, base, edit=inserted_row)

    def empty_rows(wb):
        ws = wb["落实情况"]
        ws.insert_rows(7, 3)

    zoo.simple("empty rows inside", TRANSPORT, base, base, edit=empty_rows)

    def hidden_row(wb):
        ws = wb["落实情况"]
        ws.row_dimensions[6].hidden = True  # measure 11, left as last week's

    zoo.simple("hidden measure row", TRANSPORT, {**base, 11: DONE}, {**base, 11: FLAG}, edit=hidden_row)

    def merged_status(wb):
        ws = wb["落实情况"]
        ws.merge_cells("D5:D6")  # 10 and 11 share one status

    zoo.simple(
        "merged status cells", TRANSPORT, {**base, 11: None, 10: ON_TRACK}, {**base, 11: FLAG}, edit=merged_status
    )

    def split_rows(wb):
        ws = wb["落实情况"]
        ws.insert_rows(6)
        ws.cell(6, 1, None)
        ws.cell(6, 4, LAGGING)
        ws.cell(6, 5, "其中洛济快速通道段征迁滞后")
        ws.merge_cells("A5:A6")

    zoo.simple("one measure over two rows", TRANSPORT, {**base, 10: DONE}, {**base, 10: LAGGING}, edit=split_rows)

    def second_table(wb):
        ws = wb["落实情况"]
        top = ws.max_row + 3
        ws.cell(top, 1, "上周报送情况")
        for i, no in enumerate([10, 11, 12, 14, 15]):
            ws.cell(top + 1 + i, 1, no)
            ws.cell(top + 1 + i, 2, zoo.ctx.master.measure(no).text)
            ws.cell(top + 1 + i, 4, DONE)

    zoo.simple("last week pasted below", TRANSPORT, base, base, edit=second_table)

    def stale_first(wb):
        old = wb.copy_worksheet(wb["落实情况"])
        old.title = "上周"
        for r in range(5, old.max_row + 1):
            old.cell(r, 4, DONE)
        old.cell(3, 8, date(2020, 12, 30))
        wb.move_sheet(old, offset=-wb.index(old))

    zoo.simple("stale copy sheet first", TRANSPORT, base, base, edit=stale_first)

    def self_numbered(wb):
        ws = wb["落实情况"]
        for i, r in enumerate(range(5, 10), 1):
            ws.cell(r, 1, i)

    zoo.simple("self-numbered rows", TRANSPORT, base, base, edit=self_numbered)

    def fullwidth_no(wb):
        ws = wb["落实情况"]
        for r in range(5, 10):
            no = ws.cell(r, 1).value
            ws.cell(
                r, 1, f"第{no}条" if r % 2 else str(no).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
            )

    zoo.simple("第N条 / full-width numbers", TRANSPORT, base, base, edit=fullwidth_no)

    def shuffled(wb):
        ws = wb["落实情况"]
        rows = [[ws.cell(r, c).value for c in range(1, 10)] for r in range(5, 10)]
        zoo.rng.shuffle(rows)
        for r, vals in enumerate(rows, 5):
            for c, v in enumerate(vals, 1):
                ws.cell(r, c, v)

    zoo.simple("rows re-ordered", TRANSPORT, base, base, edit=shuffled)

    def two_status_cols(wb):
        ws = wb["落实情况"]
        ws.insert_cols(5)
        ws.cell(4, 5, "本周完成状态")
        ws.cell(4, 4, "上周完成状态")
        for r in range(5, 10):
            ws.cell(r, 5, {10: LAGGING}.get(ws.cell(r, 1).value, ws.cell(r, 4).value))
            ws.cell(r, 4, DONE)

    zoo.simple("上周|本周 status columns", TRANSPORT, base, {**base, 10: LAGGING}, edit=two_status_cols)

    def deleted_row(wb):
        wb["落实情况"].delete_rows(7)  # measure 12 gone

    zoo.simple(
        "measure row deleted",
        TRANSPORT,
        base,
        {10: ON_TRACK, 11: ON_TRACK, 12: FLAG, 14: DONE, 15: NOT_STARTED},
        edit=deleted_row,
    )

    def formula_status(wb):
        wb["落实情况"].cell(8, 4, '=IF(1>0,"已完成","进度滞后")')

    zoo.simple("formula in status (no cache)", TRANSPORT, base, {**base, 14: FLAG}, edit=formula_status)

    # dates
    for label, filled in (
        ("date as text 2021.1.6", "2021.1.6"),
        ("date 1月6日", "1月6日"),
        ("date 2021年1月6日", "2021年1月6日"),
        ("date serial number", 44202),
        ("date 21/1/6", "21/1/6"),
    ):
        zoo.simple(label, EDUCATION, {22: ON_TRACK, 23: LAGGING}, {22: ON_TRACK, 23: LAGGING}, filled=filled)

    # blank / wrong templates
    zoo.simple("blank template sent back", EDUCATION, {}, dict.fromkeys(e, FLAG), filled=None, state="invalid")
    wb = zoo.form(EDUCATION, LAST)
    zoo.fill(wb, {22: ON_TRACK, 23: DONE}, date(2021, 1, 6))
    zoo.add(
        Case("last week's template, this week's date", EDUCATION, {22: ON_TRACK, 23: DONE}),
        {"教育局-落实情况.xlsx": zoo.save(wb)},
    )
    wb = zoo.form(EDUCATION, LAST)
    zoo.fill(wb, {22: ON_TRACK, 23: DONE}, date(2020, 12, 30))
    zoo.add(
        Case("last week's return re-sent unchanged", EDUCATION, dict.fromkeys(e, FLAG)),
        {"教育局-落实情况.xlsx": zoo.save(wb)},
    )
    wb = zoo.form(NDRC)  # 教育局 filled 发改委's form
    ws = wb["落实情况"]
    ws.cell(3, 2, EDUCATION)
    zoo.fill(wb, dict.fromkeys(d, DONE))
    zoo.add(
        Case(
            "another unit's template",
            EDUCATION,
            dict.fromkeys(e, FLAG),
            note="教育局 wrote into 发改委's form: must be flagged",
        ),
        {"教育局-落实情况.xlsx": zoo.save(wb)},
    )

    # more hand edits
    more2 = {
        10: "已完成\n备注：其中洛吉段尚未完工",
        11: "已完成、正常推进",
        12: "100%",
        14: "已完成（部分完成，剩余下月）",
        15: "进行中/已完成",
    }
    zoo.simple(
        "two statuses / notes on a new line",
        TRANSPORT,
        more2,
        {10: ON_TRACK, 11: FLAG, 12: DONE, 14: ON_TRACK, 15: FLAG},
    )
    zoo.simple(
        "cannot meet deadline words",
        TRANSPORT,
        {10: "不能按期完成", 11: "无法按期完成", 12: "难以按期完成", 14: "已完成", 15: "已暂停"},
        {10: LAGGING, 11: LAGGING, 12: LAGGING, 14: DONE, 15: LAGGING},
    )

    def hidden_status_col(wb):
        ws = wb["落实情况"]
        ws.column_dimensions["D"].hidden = True
        ws.insert_cols(5)
        ws.cell(4, 5, "完成状态")
        for r in range(5, 10):
            ws.cell(r, 5, {10: LAGGING}.get(ws.cell(r, 1).value, ws.cell(r, 4).value))
            ws.cell(r, 4, DONE)

    zoo.simple(
        "hidden old status column, new one typed beside", TRANSPORT, base, {**base, 10: LAGGING}, edit=hidden_status_col
    )

    def whole_list(wb):
        ws = wb["落实情况"]
        for merged in list(ws.merged_cells.ranges):  # pasting over the printed form's note and seal lines
            if merged.min_row > 4:
                ws.unmerge_cells(str(merged))
        ws.delete_rows(5, 5)
        for i, m in enumerate(zoo.ctx.master.measures):
            ws.cell(5 + i, 1, m.no)
            ws.cell(5 + i, 2, m.text)
            ws.cell(5 + i, 4, base.get(m.no))
            ws.cell(5 + i, 5, "进展" if m.no in base else None)

    zoo.simple("whole master list pasted", TRANSPORT, {}, base, edit=whole_list)

    def horizontal_merge(wb):
        ws = wb["落实情况"]
        ws.cell(8, 4, "已完成")
        ws.merge_cells("D8:E8")

    zoo.simple("status merged across two columns", TRANSPORT, base, {**base}, edit=horizontal_merge)

    def other_sheet_unit(wb):
        other = zoo.form("市卫健委")
        zoo.fill(other, {20: LAGGING, 21: ON_TRACK})
        src = other["落实情况"]
        ws = wb.create_sheet("卫健委")
        for row in src.iter_rows():
            for c in row:
                ws.cell(c.row, c.column, c.value)

    zoo.simple(
        "second unit's sheet in the same file",
        EDUCATION,
        {22: ON_TRACK, 23: LAGGING},
        {22: ON_TRACK, 23: LAGGING},
        edit=other_sheet_unit,
    )
    zoo.simple(
        "filled date last week on this week's form",
        EDUCATION,
        {22: ON_TRACK, 23: DONE},
        {22: ON_TRACK, 23: DONE},
        filled=date(2020, 12, 30),
    )
    zoo.simple(
        "filled date wrong year", EDUCATION, {22: ON_TRACK, 23: DONE}, {22: ON_TRACK, 23: DONE}, filled=date(2020, 1, 6)
    )
    zoo.simple(
        "filled date with weekday",
        EDUCATION,
        {22: ON_TRACK, 23: DONE},
        {22: ON_TRACK, 23: DONE},
        filled="2021-1-6（星期三）",
    )

    def strip_identity(wb):
        del wb["_lyreport"]
        wb["落实情况"].cell(3, 2, "教育局")

    zoo.simple(
        "identity sheet deleted, short unit name",
        EDUCATION,
        {22: ON_TRACK, 23: LAGGING},
        {22: ON_TRACK, 23: LAGGING},
        edit=strip_identity,
        fname="落实情况表.xlsx",
    )

    def status_in_remark(wb):
        ws = wb["落实情况"]
        ws.cell(6, 4).value = None
        ws.cell(6, 9, "已完成")

    zoo.simple(
        "status left empty, written in 备注",
        EDUCATION,
        {22: ON_TRACK, 23: LAGGING},
        {22: ON_TRACK, 23: FLAG},
        edit=status_in_remark,
    )

    def swapped_numbers(wb):
        ws = wb["落实情况"]
        ws.cell(6, 1).value, ws.cell(7, 1).value = 12, 11  # texts of 11 and 12 kept, numbers typed crosswise

    zoo.simple("序号 typed crosswise", TRANSPORT, {**base, 11: DONE}, {**base, 11: DONE}, edit=swapped_numbers)

    def copied_text(wb):
        ws = wb["落实情况"]
        ws.cell(6, 2).value = ws.cell(5, 2).value  # measure 10's text copied onto measure 11's row

    zoo.simple("text copied from the row above", TRANSPORT, {**base, 11: DONE}, {**base, 11: FLAG}, edit=copied_text)
    zoo.simple(
        "full-width filled date",
        EDUCATION,
        {22: ON_TRACK, 23: LAGGING},
        {22: ON_TRACK, 23: LAGGING},
        filled="２０２１年１月６日",
    )

    zoo.simple(
        "填报日期 typo: next week",
        EDUCATION,
        {22: ON_TRACK, 23: LAGGING},
        {22: ON_TRACK, 23: LAGGING},
        filled=date(2021, 1, 14),
    )
    for label, subs in (
        ("sub-numbered 10-1/10-2", ("10-1", "10-2")),
        ("sub-numbered 10.1/10.2", ("10.1", "10.2")),
        ("sub-numbered 10（1）/10（2）", ("10（1）", "10（2）")),
    ):

        def sub_rows(wb, subs=subs):
            ws = wb["落实情况"]
            ws.insert_rows(6)
            ws.cell(5, 1).value, ws.cell(6, 1).value = subs
            ws.cell(6, 2).value = "其中：洛济快速通道段"
            ws.cell(6, 4).value = LAGGING
            ws.cell(6, 5).value = "征迁滞后"

        zoo.simple(label, TRANSPORT, {**base, 10: DONE}, {**base, 10: LAGGING}, edit=sub_rows)

    # pandas-written, no template identity
    try:
        import pandas as pd

        rows = [
            [no, zoo.ctx.master.measure(no).text, "牵头", s, "进展", "无", "继续", "2021-06-30"]
            for no, s in base.items()
        ]
        frame = pd.DataFrame(
            rows,
            columns=["序号", "措施内容", "责任类型", "完成状态", "本周进展", "存在问题", "下一步计划", "预计完成时间"],
        )
        out = io.BytesIO()
        frame.to_excel(out, index=False)
        zoo.add(Case("pandas table, no header block", TRANSPORT, base), {"市交通运输局落实情况.xlsx": out.getvalue()})
    except ImportError:
        pass

    # mails, zips, corrections
    good = zoo.form(EDUCATION)
    zoo.fill(good, {22: ON_TRACK, 23: LAGGING})
    data = zoo.save(good)
    zoo.add(
        Case("plain mail", EDUCATION, {22: ON_TRACK, 23: LAGGING}),
        {"教育局报送.eml": zoo.mail("教育局落实情况", "jyj@ly.gov.cn", {"落实情况.xlsx": data})},
    )
    inner = zoo.mail("教育局落实情况", "jyj@ly.gov.cn", {"落实情况.xlsx": data})
    fwd = EmailMessage()
    fwd["Subject"], fwd["From"], fwd["Date"] = (
        "转发：教育局落实情况",
        "office@ly.gov.cn",
        format_datetime(datetime(2021, 1, 8, 10, tzinfo=TZ)),
    )
    fwd.set_content("转发")
    fwd.add_attachment(inner, maintype="application", subtype="octet-stream", filename="原邮件.eml")
    rfc = EmailMessage()
    rfc["Subject"], rfc["From"], rfc["Date"] = (
        "Fw: 教育局落实情况",
        "office@ly.gov.cn",
        format_datetime(datetime(2021, 1, 8, 10, tzinfo=TZ)),
    )
    rfc.set_content("转发")
    from email import message_from_bytes

    rfc.add_attachment(message_from_bytes(inner))
    zoo.add(Case("forwarded as message/rfc822", EDUCATION, {22: ON_TRACK, 23: LAGGING}), {"转发2.eml": rfc.as_bytes()})
    zoo.add(Case("forwarded .eml", EDUCATION, {22: ON_TRACK, 23: LAGGING}), {"转发.eml": fwd.as_bytes()})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("教育局落实情况.xlsx".encode("gbk").decode("cp437"))
        z.writestr(info, data)
    zoo.add(Case("zip with GBK names", EDUCATION, {22: ON_TRACK, 23: LAGGING}), {"报送.zip": buf.getvalue()})
    first = zoo.form(EDUCATION)
    zoo.fill(first, {22: DONE, 23: DONE})
    naive = zoo.mail("教育局落实情况", "jyj@ly.gov.cn", {"落实情况.xlsx": data}).replace(b"+0800", b"")
    zoo.add(Case("mail Date without zone", EDUCATION, {22: ON_TRACK, 23: LAGGING}), {"教育局.eml": naive})
    wjw = zoo.form("市卫健委")
    zoo.fill(wjw, {20: DONE, 21: DONE})
    two = zoo.mail("落实情况", "office@ly.gov.cn", {"教育局.xlsx": data, "卫健委.xlsx": zoo.save(wjw)})
    zoo.add(Case("one mail, two units", EDUCATION, {22: ON_TRACK, 23: LAGGING}), {"汇总转发.eml": two})
    later = zoo.form(EDUCATION)
    zoo.fill(later, {22: DONE, 23: DONE}, date(2021, 1, 5))
    zoo.add(
        Case("older version saved later, newer filled date wins", EDUCATION, {22: ON_TRACK, 23: LAGGING}),
        {"教育局落实情况.xlsx": data, "教育局落实情况(1).xlsx": zoo.save(later)},
    )
    # received time: file times, saved times, mail dates
    late_saved = datetime(2021, 1, 7, 15, 0, tzinfo=TZ)
    early = zoo.form(EDUCATION)
    zoo.fill(early, {22: ON_TRACK, 23: LAGGING})
    zoo.add(
        Case(
            "saved from mail after the deadline",
            EDUCATION,
            {22: ON_TRACK, 23: LAGGING},
            state="on_time",
            mtime=late_saved,
        ),
        {"教育局落实情况.xlsx": saved_on(zoo.save(early), "2021-01-07T01:30:00Z")},  # 09:30 Beijing,
    )
    really = zoo.form(EDUCATION)
    zoo.fill(really, {22: ON_TRACK, 23: LAGGING})
    zoo.add(
        Case("really late", EDUCATION, {22: ON_TRACK, 23: LAGGING}, state="late", mtime=late_saved),
        {"教育局落实情况.xlsx": saved_on(zoo.save(really), "2021-01-07T06:50:00Z")},  # 14:50: really late,
    )
    sent = datetime(2021, 1, 7, 11, 30, tzinfo=TZ)
    naive11 = zoo.mail("教育局落实情况", "jyj@ly.gov.cn", {"落实情况.xlsx": data}, sent).replace(b" +0800", b"")
    zoo.add(
        Case(
            "naive mail Date 11:30 is Beijing time",
            EDUCATION,
            {22: ON_TRACK, 23: LAGGING},
            state="on_time",
            mtime=late_saved,
        ),
        {"教育局.eml": naive11},
    )
    fwd2 = EmailMessage()
    fwd2["Subject"], fwd2["From"], fwd2["Date"] = "转发：教育局", "office@ly.gov.cn", format_datetime(late_saved)
    fwd2.set_content("转发")
    inner11 = zoo.mail("教育局落实情况", "jyj@ly.gov.cn", {"落实情况.xlsx": data}, sent)
    fwd2.add_attachment(inner11, maintype="application", subtype="octet-stream", filename="原邮件.eml")
    zoo.add(
        Case(
            "forwarded after the deadline, sent before",
            EDUCATION,
            {22: ON_TRACK, 23: LAGGING},
            state="on_time",
            mtime=late_saved,
        ),
        {"转发.eml": fwd2.as_bytes()},
    )
    zoo.add(
        Case("correction supersedes", EDUCATION, {22: ON_TRACK, 23: LAGGING}),
        {"教育局落实情况.xlsx": zoo.save(first), "教育局落实情况（更正）.xlsx": data},
    )
    conversions(zoo, base, words)
    round5(zoo, base)
    # LibreOffice conversions (one soffice call for all)
    for fmt in ("ods", "xls"):
        wb = zoo.form(TRANSPORT)
        zoo.fill(wb, words)
        split_rows(wb)
        zoo.to_convert.append(
            (
                Case(
                    f"{fmt} via LibreOffice, sentences",
                    TRANSPORT,
                    {10: LAGGING, 11: LAGGING, 12: LAGGING, 14: DONE, 15: NOT_STARTED},
                    raw=dict(words),
                ),
                f"交通局-{fmt}",
                zoo.save(wb),
                fmt,
            )
        )


def _sheet(ws, unit: str, rows: list[list[object]], headers: list[str], filled: object = None, top: int = 1) -> None:
    """A self-made table: the header block (填报日期 only where given) and the header from row `top`."""
    block = ["填报单位", unit, "联系人", "王五", "联系电话", "0379-63211234"]
    for col, value in enumerate(block + (["填报日期", filled] if filled is not None else []), 1):
        ws.cell(top, col, value)
    for r, line in enumerate([headers, *rows], top + 1):
        for col, value in enumerate(line, 1):
            ws.cell(r, col, value)


def round5(zoo: Zoo, base: dict[int, str]) -> None:  # noqa: PLR0915 — one block per case reads best
    """Round 5: columns beside the status, struck-through text, a sheet per week, other programs' tables."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    t = zoo.nos(TRANSPORT)
    headers = ["序号", "措施内容", "完成状态", "本周进展"]
    zoo.simple(
        "ditto words in status",
        TRANSPORT,
        {10: "同上周", 11: "无变化", 12: "见附件", 14: "〃", 15: "同前"},
        dict.fromkeys(t, FLAG),
    )

    def beside(label: str, values: dict[int, object]):
        def edit(wb):
            ws = wb["落实情况"]
            ws.insert_cols(5)
            ws.cell(4, 5, label)
            for r in range(5, 10):
                ws.cell(r, 5, values.get(ws.cell(r, 1).value))

        return edit

    zoo.simple("是否完成 否 beside 已完成", TRANSPORT, base, {**base, 14: FLAG}, edit=beside("是否完成", {14: "否"}))
    zoo.simple("完成率 60% beside 已完成", TRANSPORT, base, {**base, 14: FLAG}, edit=beside("完成率", {14: 0.6}))
    zoo.simple("是否完成 是 beside 正常推进", TRANSPORT, base, base, edit=beside("是否完成", {10: "是", 14: "是"}))

    def struck(wb):
        ws = wb["落实情况"]
        ws.cell(8, 4).font = Font(strike=True)  # last week's 已完成 struck out, the new status typed in 备注
        ws.cell(8, 9, "进度滞后")

    zoo.simple("已完成 struck through with the font", TRANSPORT, base, {**base, 14: FLAG}, edit=struck)
    zoo.simple(
        "invisible characters in statuses",
        TRANSPORT,
        {
            10: "正常\u200b推进",
            11: "\ufeff正常推进",
            12: "进度\u00a0滞后",
            14: "已\u200d完\u3000成",
            15: "尚未\u2060启动",
        },
        base,
    )
    zoo.simple(
        "序号 as 10.0 / 措施11 / 十二 / No.14 / （十五）",
        TRANSPORT,
        base,
        base,
        edit=lambda wb: [
            wb["落实情况"].cell(r, 1, v)
            for r, v in zip(range(5, 10), ["10.0", "措施11", "十二", "No.14", "（十五）"], strict=True)
        ],
    )
    zoo.simple(
        "填报日期 typed as the number 1.6",
        EDUCATION,
        {22: ON_TRACK, 23: LAGGING},
        {22: ON_TRACK, 23: LAGGING},
        filled=1.6,
        state="on_time",
    )
    # a workbook kept over the weeks, this week's sheet put in front, no 填报日期
    wb = Workbook()
    old = {**base, 12: ON_TRACK, 15: DONE}
    for title, statuses in (("1月6日", base), ("12月30日", old)):
        ws = wb.active if title == "1月6日" else wb.create_sheet(title)
        ws.title = title
        _sheet(ws, TRANSPORT, [[no, zoo.ctx.master.measure(no).text, s, "进展"] for no, s in statuses.items()], headers)
    zoo.add(Case("a sheet per week, this week's first, undated", TRANSPORT, base), {"交通局.xlsx": zoo.save(wb)})
    # self-made: table from C5 under a title, header split over two rows
    wb = Workbook()
    ws = wb.active
    ws["C3"] = "市交通运输局落实情况"
    for r, line in enumerate(
        [["填报单位", TRANSPORT, "填报日期", date(2021, 1, 6)], headers]
        + [[no, zoo.ctx.master.measure(no).text, s, "进展"] for no, s in base.items()],
        5,
    ):
        for c, value in enumerate(line, 3):
            ws.cell(r, c, value)
    zoo.add(Case("self-made table starting at C5", TRANSPORT, base), {"交通局.xlsx": zoo.save(wb)})
    wb = Workbook()
    _sheet(wb.active, TRANSPORT, [], ["序号", "措施内容", "完成", "本周"], filled=date(2021, 1, 6))
    for c, value in enumerate([None, None, "状态", "进展"], 1):
        wb.active.cell(3, c, value)
    for r, (no, s) in enumerate(base.items(), 4):
        for c, value in enumerate([no, zoo.ctx.master.measure(no).text, s, "进展"], 1):
            wb.active.cell(r, c, value)
    zoo.add(Case("header split over two rows (完成 / 状态)", TRANSPORT, base), {"交通局.xlsx": zoo.save(wb)})
    try:
        import pandas as pd

        frame = pd.DataFrame(
            [[no, zoo.ctx.master.measure(no).text, s, "进展"] for no, s in base.items()],
            columns=pd.MultiIndex.from_tuples(
                [("基本信息", "序号"), ("基本信息", "措施内容"), ("本周", "完成状态"), ("本周", "本周进展")]
            ),
        )
        out = io.BytesIO()
        frame.to_excel(out, sheet_name="市交通运输局")
        zoo.add(Case("pandas MultiIndex header with index", TRANSPORT, base), {"交通运输局.xlsx": out.getvalue()})
        flat = pd.DataFrame(
            [[no, zoo.ctx.master.measure(no).text, s, "进展"] for no, s in base.items()], columns=headers
        )
        zoo.add(
            Case("pandas CSV in UTF-16", TRANSPORT, base),
            {"市交通运输局.csv": flat.to_csv(index=False).encode("utf-16")},
        )
    except ImportError:
        pass
    # two versions in one mail, the undated one the older draft (saved Monday)
    dated = zoo.form(EDUCATION)
    zoo.fill(dated, {22: ON_TRACK, 23: LAGGING})
    undated = zoo.form(EDUCATION)
    zoo.fill(undated, {22: DONE, 23: DONE}, None)
    both = {
        "教育局落实情况.xlsx": saved_on(zoo.save(dated), "2021-01-06T09:00:00Z"),
        "落实情况.xlsx": saved_on(zoo.save(undated), "2021-01-04T09:00:00Z"),
    }
    zoo.add(
        Case("undated older draft mailed with the dated return", EDUCATION, {22: ON_TRACK, 23: LAGGING}),
        {"教育局.eml": zoo.mail("教育局落实情况", "jyj@ly.gov.cn", both)},
    )


def conversions(zoo: Zoo, base: dict[int, str], words: dict[int, str]) -> None:
    """Hand edits that must survive LibreOffice's .ods and .xls (hidden rows, merges, pasted tables)."""
    for fmt in ("ods", "xls"):
        wb = zoo.form(TRANSPORT)
        zoo.fill(wb, {**base, 11: DONE})
        wb["落实情况"].row_dimensions[6].hidden = True
        zoo.to_convert.append(
            (Case(f"{fmt}: hidden measure row", TRANSPORT, {**base, 11: FLAG}), f"交通局隐藏-{fmt}", zoo.save(wb), fmt)
        )
        wb = zoo.form(TRANSPORT)
        zoo.fill(wb, {**base, 11: None})
        wb["落实情况"].merge_cells("D5:D6")
        zoo.to_convert.append(
            (
                Case(f"{fmt}: status merged over two measures", TRANSPORT, {**base, 11: FLAG}),
                f"交通局合并-{fmt}",
                zoo.save(wb),
                fmt,
            )
        )
        wb = zoo.form(TRANSPORT)
        zoo.fill(wb, base)
        ws = wb["落实情况"]
        for i, no in enumerate(base):
            ws.cell(13 + i, 1, no)
            ws.cell(13 + i, 4, DONE)
        zoo.to_convert.append(
            (Case(f"{fmt}: last week pasted below", TRANSPORT, base), f"交通局上周-{fmt}", zoo.save(wb), fmt)
        )


def convert_all(zoo: Zoo) -> None:
    if not zoo.to_convert or shutil.which("soffice") is None:
        return
    src = zoo.root / "conv"
    src.mkdir()
    by_fmt: dict[str, list[Path]] = {}
    for _case, stem, data, fmt in zoo.to_convert:
        (src / f"{stem}.xlsx").write_bytes(data)
        by_fmt.setdefault(fmt, []).append(src / f"{stem}.xlsx")
    for fmt, paths in by_fmt.items():
        profile = (zoo.root / "lo").as_uri()
        cmd = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt, "--outdir", str(src)]
        subprocess.run([*cmd, *map(str, paths)], capture_output=True, timeout=300, check=False)
    for case, stem, _data, fmt in zoo.to_convert:
        out = src / f"{stem}.{fmt}"
        if out.exists():
            zoo.add(case, {f"{stem}.{fmt}": out.read_bytes()})


def evaluate(zoo: Zoo, case: Case) -> tuple[str, list[str]]:
    inbox = zoo.root / "cases" / case.name.replace("/", "_") / "inbox"
    inbox.mkdir(parents=True)
    for fname, data in case.files.items():
        (inbox / fname).write_bytes(data)
        stamp = case.mtime.timestamp()
        os.utime(inbox / fname, (stamp, stamp))
    work = inbox.parent / "work"
    work.mkdir()
    ctx = zoo.ctx
    intake = run_intake(inbox, work, ctx.master, ctx.directory, ctx.config, workers=0)
    deadline = deadline_on(WEEK, ctx.config)
    result = merge_week(ctx.master, intake, deadline, ctx.config, PreviousState(), 1)
    problems = intake.problems + result.problems
    zoo.last_problems = problems
    loud = [p for p in problems if p.severity in (ERROR, WARNING) and p.code not in IRRELEVANT]
    unit = next(u for u in result.units if u.name == case.unit)
    notes, verdict = [], "right"
    for mw in result.measures:
        no = mw.measure.no
        if no not in case.truth:
            continue
        rep = mw.reports.get(case.unit)
        got = rep.status if rep is not None and not rep.carried else None
        truth = case.truth[no]
        if truth == FLAG:
            ok = got is None or unit.state == "invalid"
            if ok or loud:
                if not (got is None and (loud or unit.state == "invalid")):
                    verdict, _ = _worse(verdict, "warned"), notes.append(f"{no}: flag wanted, got {got} (warned)")
                continue
            notes.append(f"{no}: must be flagged, got {got} silently")
            verdict = _worse(verdict, "SEVERE" if got == DONE else "SILENT")
        elif got != truth:
            if loud:
                verdict = _worse(verdict, "warned-DONE" if got == DONE else "warned")
                notes.append(f"{no}: {truth} read as {got} (warned: {loud[0].code})")
            else:
                verdict = _worse(verdict, "SEVERE" if got == DONE else "SILENT")
                notes.append(f"{no}: {truth} read as {got} WITHOUT A WORD")
    if case.state and unit.state != case.state:
        notes.append(f"unit state {unit.state}, expected {case.state}")
        verdict = _worse(verdict, "warned" if loud else "SILENT")
    for no, text in case.raw.items():
        key = text.strip()[:6]
        if _exact(text):
            continue
        if key and not any(key in p.message for p in problems):
            notes.append(f"{no}: “{text}” interpreted without a problem quoting it")
            verdict = _worse(verdict, "unquoted")
    return verdict, notes


IRRELEVANT = {"contact-missing", "phone-missing", "scan-missing", "unit-missing", "unit-late"}


def _exact(text: str) -> bool:
    """An exact status word of the documented vocabulary (whitespace, a tick and a final stop aside)."""
    key = re.sub(r"[\s\u200b-\u200f\u2060\ufeff]+", "", unicodedata.normalize("NFKC", text)).strip("✓√✔☑✅。.")
    return key in STATUS_INDEX


ORDER = ["right", "unquoted", "warned", "warned-DONE", "SILENT", "SEVERE"]


def _worse(a: str, b: str) -> str:
    return max(a, b, key=ORDER.index)


def main(argv: list[str] | None = None, cases: Callable | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path)
    parser.add_argument("-v", action="store_true")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="redteam-"))
    root.mkdir(parents=True, exist_ok=True)
    zoo = Zoo(root)
    build(zoo)
    convert_all(zoo)
    counts: dict[str, int] = {}
    for case in zoo.cases:
        verdict, notes = evaluate(zoo, case)
        counts[verdict] = counts.get(verdict, 0) + 1
        print(f"{verdict:8} {case.name}")
        for n in notes if (args.v or verdict != "right") else []:
            print(f"         - {n}")
        if args.v and verdict != "right":
            for p in zoo.last_problems:
                print(f"           · {p.code} {p.cell} {p.message[:70]}")
    print(f"\n{len(zoo.cases)} cases: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in ORDER))
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if counts.get("SILENT") or counts.get("SEVERE") else 0


if __name__ == "__main__":
    raise SystemExit(main())
