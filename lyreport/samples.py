"""Seeded, realistic returns for the demo, the end-to-end tests and the benchmark.

Standard returns are produced the way a unit would: take the generated template and fill it in.
Other shapes (an improvised layout, an e-mail, a zip, a scan) are built here too.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook

from .models import STATUSES, MasterList
from .render.templates import write_template
from .unitnames import UnitDirectory

PROGRESS = {
    "已完成": ["已全部完成，相关成果已报市政府备案。", "已完成并通过验收，进入常态化运行。", "已按计划完成，待销号。"],
    "正常推进": [
        "本周与济源市对口部门召开对接会，就合作事项形成会议纪要。",
        "已完成方案初稿，正在征求相关部门意见。",
        "项目前期手续办理中，已完成可研报告编制。",
        "已建立两市联络机制，明确专人负责，按月调度。",
    ],
    "进度滞后": [
        "受资金未到位影响，进度慢于计划。",
        "上级审批尚未批复，工作暂时停滞。",
        "与济源方面对接不够，方案尚未确定。",
    ],
    "尚未启动": ["正在研究工作方案，尚未实质启动。", "待上级政策明确后启动。"],
}
ISSUES = ["资金缺口较大，需市财政支持。", "涉及省级审批事项，协调难度大。", "两市标准不一致，需进一步对接。"]
NEXT = ["下周继续对接，力争形成合作协议。", "加快推进前期手续办理。", "按月调度，确保按期完成。"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"


@dataclass
class Filling:
    """What one unit writes into its return for one week."""

    unit: str
    contact: str
    phone: str
    filled_on: date
    rows: dict[int, dict[str, object]] = field(default_factory=dict)


def person(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    phone = rng.choice(["13", "15", "18"]) + "".join(rng.choice("0123456789") for _ in range(9))
    return name, phone


def make_filling(
    master: MasterList, unit: str, week: date, rng: random.Random, statuses: dict[int, str] | None = None
) -> Filling:
    """A plausible return: statuses drawn with a seed unless given per measure."""
    contact, phone = person(rng)
    filling = Filling(unit, contact, phone, week - timedelta(days=rng.choice((0, 0, 1))))
    for measure in master.measures_of(unit):
        status = (statuses or {}).get(measure.no) or rng.choices(STATUSES, weights=(1, 6, 2, 1))[0]
        row: dict[str, object] = {"status": status, "progress": rng.choice(PROGRESS[status])}
        if status == "进度滞后":
            row["issues"] = rng.choice(ISSUES)
        if status != "已完成":
            row["next_steps"] = rng.choice(NEXT)
            row["expected"] = week + timedelta(days=rng.choice((30, 60, 90, 180)))
        filling.rows[measure.no] = row
    return filling


_FIELDS = {
    "完成状态": "status",
    "本周进展": "progress",
    "存在问题": "issues",
    "下一步计划": "next_steps",
    "预计完成时间": "expected",
    "备注": "remark",
}


def fill_template(template: Path, filling: Filling, target: Path) -> Path:
    """Fill a generated template the way a person would in Excel, locating cells by their labels."""
    wb = load_workbook(template)
    ws = wb.worksheets[0]
    header_row, columns = 0, {}
    for row in ws.iter_rows():
        for cell in row:
            label = str(cell.value or "").strip()
            if label in ("联系人", "联系电话", "填报日期"):
                value = {"联系人": filling.contact, "联系电话": filling.phone, "填报日期": filling.filled_on}[label]
                ws.cell(cell.row, cell.column + 1).value = value
            if label == "序号":
                header_row = cell.row
            if header_row == cell.row and label in _FIELDS:
                columns[_FIELDS[label]] = cell.column
    for row in ws.iter_rows(min_row=header_row + 1):
        try:
            no = int(str(row[0].value).strip())
        except (TypeError, ValueError):
            continue
        for key, value in filling.rows.get(no, {}).items():
            ws.cell(row[0].row, columns[key]).value = value
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def standard_return(master: MasterList, directory: UnitDirectory, filling: Filling, week: date, target: Path) -> Path:
    """Template for the unit and week, filled in."""
    unit = directory.get(filling.unit)
    assert unit is not None, filling.unit
    with tempfile.TemporaryDirectory() as tmp:
        blank = write_template(master, unit, week, Path(tmp) / "blank.xlsx")
        return fill_template(blank, filling, target)


def improvised_return(master: MasterList, filling: Filling, target: Path) -> Path:
    """A unit's own layout: title rows, merged title, other column order, label variants, a notes sheet first."""
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "本表由单位自行整理，供参考。"
    ws = wb.create_sheet("Sheet1")
    ws.merge_cells("A1:G1")
    ws["A1"] = f"{filling.unit}关于洛济深度融合措施落实情况的报告"
    ws["A3"] = f"填报单位：{filling.unit}"
    ws["C3"] = "联系人"
    ws["D3"] = filling.contact
    ws["E3"] = "电话"
    ws["F3"] = filling.phone
    headers = ["编号", "状态", "进展情况", "下步打算", "存在的问题", "计划完成时间", "备注"]
    for col, label in enumerate(headers, start=1):
        ws.cell(5, col, label)
    row_no = 7  # a blank row between header and data, as people leave
    for no, row in filling.rows.items():
        ws.cell(row_no, 1, f"第{no}条")
        ws.cell(row_no, 2, {"已完成": "已办结", "正常推进": "推进中"}.get(str(row["status"]), row["status"]))
        ws.cell(row_no, 3, row.get("progress"))
        ws.cell(row_no, 4, row.get("next_steps"))
        ws.cell(row_no, 5, row.get("issues"))
        expected = row.get("expected")
        ws.cell(
            row_no, 6, f"{expected.year}年{expected.month}月{expected.day}日" if isinstance(expected, date) else None
        )
        row_no += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def set_received(path: Path, moment: datetime) -> None:
    stamp = moment.timestamp()
    os.utime(path, (stamp, stamp))


def write_eml(target: Path, sender: str, moment: datetime, subject: str, attachments: list[Path]) -> Path:
    """An e-mail as a mail client saves it, attachments named in Chinese (RFC 2231)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "lyfzxcscdz@163.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(moment)
    msg.set_content("附件是本单位本周落实情况，请查收。")
    for path in attachments:
        kind = ("application", "pdf") if path.suffix == ".pdf" else ("application", "octet-stream")
        msg.add_attachment(path.read_bytes(), maintype=kind[0], subtype=kind[1], filename=path.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(msg.as_bytes())
    return target


class _GbkName(zipfile.ZipInfo):
    """Member whose name is stored as raw GBK bytes without the UTF-8 flag, as Windows writes it."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def write_gbk_zip(target: Path, members: list[Path]) -> Path:
    """A zip as Windows' built-in compressor writes it: GBK member names, no UTF-8 flag."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in members:
            info = _GbkName(path.name, date_time=(2021, 1, 7, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return target


def fake_scan(target: Path, title: str) -> Path:
    """A one-page PDF standing in for a signed scanned copy."""
    # Real scans differ from each other; the stand-in carries a digest of its title so it does too.
    label = hashlib.sha256(title.encode("utf-8")).hexdigest()[:16]
    body = f"BT /F1 18 Tf 72 720 Td (scan {label}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for index, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % index + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(out))
    return target


def to_xls(source: Path, target: Path) -> Path | None:
    """Convert with LibreOffice, as a unit on an old office suite would send; None without soffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HOME=tmp)
        subprocess.run(
            [soffice, "--headless", "--convert-to", "xls:MS Excel 97", "--outdir", tmp, str(source)],
            check=True,
            capture_output=True,
            timeout=120,
            env=env,
        )
        produced = Path(tmp) / (source.stem + ".xls")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced, target)
    return target
