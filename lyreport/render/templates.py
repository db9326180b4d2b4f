"""Blank return forms (落实情况报表): one protected workbook per responsible unit, with a hidden identity sheet."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import lazyre
from ..atomic import save_workbook
from ..config import Config, load_config
from ..identity_mark import encode_mark
from ..models import STATUSES, MasterList, Measure, ReturnRow, Unit
from ..prefill import IDENTITY_KEY as PREFILL_KEY
from ..prefill import fingerprint
from ..unitnames import UnitDirectory
from ..weeks import cn_date
from . import paper
from . import xlsx_style as xs

# 2: printable form (QR identity mark, seal and signature area, print area on the form only).
TEMPLATE_VERSION = "2"
SHEET_NAME = "落实情况"
HELP_SHEET = "填表说明"
IDENTITY_SHEET = "_lyreport"
HEADERS = ("序号", "措施内容", "责任类型", "完成状态", "本周进展", "存在问题", "下一步计划", "预计完成时间", "备注")
# Narrow enough that fit-to-width keeps 11 pt text legible on A4 landscape paper.
WIDTHS = (7, 38, 9, 11, 34, 22, 22, 13, 11)
INFO_LABELS = ("填报单位", "联系人", "联系电话", "填报日期")

TITLE_ROW, NOTE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3, 4
FIRST_ROW = HEADER_ROW + 1
# 1-based columns of the header block value cells and of the measure table.
INFO_VALUE_COLS = {"填报单位": 2, "联系人": 4, "联系电话": 6, "填报日期": 8}
COL = {name: index for index, name in enumerate(HEADERS, start=1)}
INPUT_COLS = range(COL["完成状态"], COL["备注"] + 1)

_WEEKDAYS = "一二三四五六日"
_UNSAFE_FILENAME = lazyre.compile(r'[\\/:*?"<>|\x00-\x1f]')


def template_filename(unit: str, deadline_day: date) -> str:
    """市发改委-落实情况报表-2021-01-07.xlsx"""
    return f"{_UNSAFE_FILENAME.sub('_', unit)}-落实情况报表-{deadline_day.isoformat()}.xlsx"


def write_templates(
    master: MasterList,
    directory: UnitDirectory,
    deadline_day: date,
    folder: Path,
    *,
    units: list[str] | None = None,
    previous: dict[str, dict[int, ReturnRow]] | None = None,
    config: Config | None = None,
) -> list[Path]:
    """Write one form per responsible unit (master.units order); `units` limits it to those names."""
    config = config or load_config()
    wanted = None if units is None else {directory.match(name).unit or name for name in units}
    paths = []
    for name in master.units:
        if wanted is not None and name not in wanted:
            continue
        unit = directory.get(name) or Unit(name)
        target = folder / template_filename(name, deadline_day)
        rows = (previous or {}).get(name)
        paths.append(write_template(master, unit, deadline_day, target, previous=rows, config=config))
    return paths


def write_template(
    master: MasterList,
    unit: Unit,
    deadline_day: date,
    target: Path,
    *,
    previous: dict[int, ReturnRow] | None = None,
    config: Config | None = None,
) -> Path:
    """Write the return form of one unit for the week ending `deadline_day`; returns `target`."""
    config = config or load_config()
    wb = Workbook()
    sheet = wb.active
    sheet.title = SHEET_NAME
    measures = master.measures_of(unit.name)
    _write_heading(sheet, master, unit, deadline_day, config)
    xs.write_header(sheet, HEADER_ROW, HEADERS)
    for offset, measure in enumerate(measures):
        _write_measure_row(sheet, FIRST_ROW + offset, measure, unit.name, (previous or {}).get(measure.no))
    last_row = FIRST_ROW + max(len(measures), 1) - 1
    _add_validations(sheet, last_row)
    _finish_sheet(sheet, deadline_day)
    seal_row = paper.write_seal_area(sheet, last_row + 1, len(HEADERS))
    try:
        mark = encode_mark(master.list_id, unit.name, deadline_day, TEMPLATE_VERSION)
    except ValueError:  # a "|" or line break in a staff-typed name: the scan is then identified by its text
        mark = None
    if mark:
        paper.add_mark(sheet, mark, last_col=len(HEADERS))
    help_sheet = wb.create_sheet(HELP_SHEET)
    _write_help(help_sheet, config)
    paper.print_form_only(sheet, seal_row, len(HEADERS), [help_sheet])
    prefilled = _prefilled(measures, previous or {})
    _write_identity(wb.create_sheet(IDENTITY_SHEET), master, unit.name, deadline_day, prefilled)
    save_workbook(wb, target)
    return target


def deadline_wording(deadline_day: date, moment: time) -> str:
    """2021年1月7日（周四）12时前"""
    return f"{cn_date(deadline_day)}（周{_WEEKDAYS[deadline_day.weekday()]}）{_clock(moment)}前"


def _clock(moment: time) -> str:
    return f"{moment.hour}时" + (f"{moment.minute}分" if moment.minute else "")


def _write_heading(sheet: Worksheet, master: MasterList, unit: Unit, deadline_day: date, config: Config) -> None:
    ncols = len(HEADERS)
    # Title and week line are tall enough for the QR code at their right end (paper.add_mark).
    xs.write_title(sheet, TITLE_ROW, f"{master.title}落实情况报表", ncols, height=56)
    note = f"报送周：{deadline_wording(deadline_day, config.deadline_time)}报送"
    xs.write_title(sheet, NOTE_ROW, note, ncols, font=xs.NOTE_FONT, height=52)
    sheet.cell(NOTE_ROW, 1).alignment = Alignment(vertical="bottom")
    values = {"填报单位": unit.name, "联系人": unit.contact, "联系电话": unit.phone, "填报日期": None}
    for label, value_col in INFO_VALUE_COLS.items():
        label_cell = xs.set_text(sheet.cell(INFO_ROW, value_col - 1), label)
        label_cell.font, label_cell.alignment, label_cell.border = xs.BOLD, xs.CENTER, xs.BORDER
        cell = sheet.cell(INFO_ROW, value_col)
        if label == "填报日期":
            xs.set_date(cell, None)
        else:
            xs.set_text(cell, values[label])
        cell.font, cell.alignment, cell.border = xs.FONT, xs.WRAP, xs.BORDER
        if label != "填报单位":
            cell.protection, cell.fill = xs.UNLOCKED, xs.INPUT_FILL
    # The last value cell runs to the table's right edge, so the block is as wide as the table.
    last_value = max(INFO_VALUE_COLS.values())
    if last_value < ncols:
        sheet.merge_cells(start_row=INFO_ROW, start_column=last_value, end_row=INFO_ROW, end_column=ncols)
    sheet.row_dimensions[INFO_ROW].height = 24


def _prefilled(measures: list[Measure], previous: dict[int, ReturnRow]) -> str | None:
    """Fingerprint of the values _write_measure_row puts in the input columns; None when nothing is prefilled
    (a blank form sent back is caught as blank)."""
    if not any(m.no in previous for m in measures):
        return None
    rows = []
    for measure in measures:
        last = previous.get(measure.no)
        if last is None:
            rows.append(ReturnRow(measure.no, None))
            continue
        status = last.status if last.status in STATUSES else None
        texts = (xs.clean_text(t) for t in (last.progress, last.issues, last.next_steps))
        rows.append(ReturnRow(measure.no, status, *texts, expected=last.expected))
    return fingerprint(rows)


def _write_measure_row(sheet: Worksheet, row: int, measure: Measure, unit: str, last: ReturnRow | None) -> None:
    sheet.cell(row, COL["序号"], measure.no)
    xs.set_text(sheet.cell(row, COL["措施内容"]), measure.text)
    xs.set_text(sheet.cell(row, COL["责任类型"]), measure.role_of(unit))
    if last is not None:
        if last.status in STATUSES:
            xs.set_text(sheet.cell(row, COL["完成状态"]), last.status)
        xs.set_text(sheet.cell(row, COL["本周进展"]), last.progress)
        xs.set_text(sheet.cell(row, COL["存在问题"]), last.issues)
        xs.set_text(sheet.cell(row, COL["下一步计划"]), last.next_steps)
        sheet.cell(row, COL["预计完成时间"]).value = last.expected
    for col in range(1, len(HEADERS) + 1):
        cell = sheet.cell(row, col)
        cell.font, cell.border = xs.FONT, xs.BORDER
        cell.alignment = xs.CENTER if col in (COL["序号"], COL["责任类型"], COL["完成状态"]) else xs.WRAP
        if col in INPUT_COLS:
            cell.protection, cell.fill = xs.UNLOCKED, xs.INPUT_FILL
    sheet.cell(row, COL["预计完成时间"]).number_format = xs.DATE_FORMAT
    sheet.cell(row, COL["预计完成时间"]).alignment = xs.CENTER


def _add_validations(sheet: Worksheet, last_row: int) -> None:
    status_col = get_column_letter(COL["完成状态"])
    status = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUSES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        errorTitle="完成状态填写有误",
        error="请从下拉列表中选择：" + "、".join(STATUSES) + "。",
        promptTitle="完成状态",
        prompt="请从下拉列表选择本措施的完成状态。",
    )
    status.add(f"{status_col}{FIRST_ROW}:{status_col}{last_row}")
    # A warning, not a stop: a unit that must write a non-date still can, and the reader will flag it.
    dates = DataValidation(
        type="date",
        operator="between",
        formula1=str(int(to_excel(date(2000, 1, 1)))),
        formula2=str(int(to_excel(date(2099, 12, 31)))),
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="warning",
        errorTitle="日期格式有误",
        error="请填写日期，例如 2021-06-30。",
        promptTitle="日期",
        prompt="请填写日期，例如 2021-06-30。",
    )
    date_col = get_column_letter(COL["预计完成时间"])
    dates.add(f"{date_col}{FIRST_ROW}:{date_col}{last_row}")
    dates.add(f"{get_column_letter(INFO_VALUE_COLS['填报日期'])}{INFO_ROW}")
    sheet.add_data_validation(status)
    sheet.add_data_validation(dates)


def _finish_sheet(sheet: Worksheet, deadline_day: date) -> None:
    xs.set_widths(sheet, WIDTHS)
    for row in range(FIRST_ROW, sheet.max_row + 1):
        # Leave room for a few lines of typed progress: units cannot always resize rows themselves.
        xs.fit_row_height(sheet, row, ncols=len(HEADERS), min_lines=3)
    sheet.freeze_panes = f"A{FIRST_ROW}"
    # The 填报单位 line repeats with the table header, so every printed page names its unit; the footer
    # prints the week on every page, so a page of another week's signed form scanned with this one is told
    # apart by the scan reader (only the first page carries the QR code).
    xs.print_setup(sheet, title_rows=f"{INFO_ROW}:{HEADER_ROW}", footer_note=f"报送周：{cn_date(deadline_day)}")
    protection = sheet.protection
    # No password on purpose: the protection guards against slips, units must never be locked out.
    protection.sheet = True
    protection.selectLockedCells = False
    protection.selectUnlockedCells = False
    # False means "allowed" in the OOXML flags: let units resize rows and columns to read long texts.
    protection.formatRows = False
    protection.formatColumns = False


def _help_lines(config: Config) -> list[tuple[str, str]]:
    deadline = f"每周{_WEEKDAYS[config.deadline_weekday - 1]}{_clock(config.deadline_time)}前"
    recipients = "和".join(r.name for r in config.recipients) or config.office_name
    short = [r.name for r in config.recipients]
    if short and short[0] == config.office_name:
        short[0] = config.office_short
    send_to = "和".join(short) or config.office_short
    return [
        ("报送时间", f"{deadline}报送本周落实情况，逾期视为迟报。"),
        ("报送方式", f"同时报送电子版（本表格，Excel/WPS 格式）和加盖公章的扫描件，报送至{send_to}。"),
        ("报送对象", recipients),
        ("填写范围", "只填写“落实情况”工作表中浅黄色的单元格；序号、措施内容、责任类型已预先填好，请勿改动。"),
        ("责任类型", "“牵头”为该措施的牵头单位，“配合”为配合单位；牵头和配合单位均需填报。"),
        ("完成状态", "从下拉列表中选择，只能是以下四种之一："),
        ("  已完成", "措施已全部完成。"),
        ("  正常推进", "正在推进，能够按时间节点完成。"),
        ("  进度滞后", "进度落后于时间节点，需在“存在问题”中说明原因。"),
        ("  尚未启动", "尚未开始实施。"),
        ("本周进展", "写明本周具体进展，未完成的措施不能为空；与上周相同的可保留原内容并作修改。"),
        ("预计完成时间", "填写日期，例如 2021-06-30。"),
        ("联系人", "填写联系人和联系电话（手机号或 0379 开头的固定电话）。"),
        ("注意", "请不要增删工作表、行或列，不要修改文件中的隐藏内容，否则可能无法自动汇总。"),
    ]


def _write_help(sheet: Worksheet, config: Config) -> None:
    xs.write_title(sheet, 1, "填表说明", 2)
    for row, (label, text) in enumerate(_help_lines(config), start=2):
        label_cell = xs.set_text(sheet.cell(row, 1), label)
        label_cell.font = xs.BOLD
        label_cell.alignment = xs.WRAP
        xs.set_text(sheet.cell(row, 2), text).alignment = xs.WRAP
        sheet.cell(row, 2).font = xs.FONT
    xs.set_widths(sheet, (16, 90))
    xs.fit_rows(sheet, 2, sheet.max_row)
    xs.print_setup(sheet)


def _write_identity(
    sheet: Worksheet, master: MasterList, unit: str, deadline_day: date, prefilled: str | None = None
) -> None:
    rows = [
        ("tool", "lyreport"),
        ("unit", unit),
        ("week", deadline_day.isoformat()),
        ("list_id", master.list_id),
        ("template_version", TEMPLATE_VERSION),
    ]
    if prefilled:  # what the office prefilled, so that a form sent back unchanged is told from a report
        rows.append((PREFILL_KEY, prefilled))
    for row, (key, value) in enumerate(rows, start=1):
        xs.set_text(sheet.cell(row, 1), key)
        xs.set_text(sheet.cell(row, 2), value)
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True
