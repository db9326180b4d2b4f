"""Create a workspace: folders plus the editable master lists, unit directory and config."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from .atomic import atomic_write_bytes, save_workbook
from .config import CONFIG_NAME, Workspace, default_config_text

DEFAULT_LISTS = {
    "措施清单.xlsx": "measures_33.json",
    "七大行动清单.xlsx": "measures_7actions.json",
}
DIRECTORY_FILE = "单位名录.xlsx"

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def bundled(name: str) -> Any:
    return json.loads(resources.files("lyreport.data").joinpath(name).read_text(encoding="utf-8"))


def init_workspace(root: Path) -> tuple[Workspace, list[Path]]:
    """Create folders and default files under `root`; existing files are never overwritten."""
    ws = Workspace(root)
    for folder in (ws.inbox, ws.outbox, ws.templates):
        folder.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    targets = {
        ws.config_path: lambda p: atomic_write_bytes(p, default_config_text().encode("utf-8")),
        ws.templates / DIRECTORY_FILE: lambda p: write_directory_workbook(bundled("units.json"), p),
    }
    for filename, source in DEFAULT_LISTS.items():
        targets[ws.templates / filename] = lambda p, s=source: write_master_workbook(bundled(s), p)
    for path, write in targets.items():
        if not path.exists():
            write(path)
            created.append(path)
    return ws, created


def _style_table(sheet: Worksheet, widths: list[int]) -> None:
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, col).column_letter].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            cell.border = _BORDER
            cell.font = Font(name="宋体", size=11, bold=cell.row == 1)
            if cell.row == 1:
                cell.fill = _HEADER_FILL
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def write_master_workbook(data: dict[str, Any], path: Path) -> None:
    """Write a master list (措施清单) from its JSON form as an editable workbook."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "措施清单"
    sheet.append(["序号", "类别", "措施内容", "责任单位", "时间节点", "节点日期", "备注"])
    for m in data["measures"]:
        sheet.append(
            [m["no"], m["category"], m["text"], "、".join(m["units"]), m["timing"], "；".join(m["nodes"]), m["note"]]
        )
    _style_table(sheet, [6, 16, 70, 26, 30, 22, 16])
    info = wb.create_sheet("清单信息")
    info.append(["项目", "内容"])
    info.append(["清单编号", data["list_id"]])
    info.append(["清单名称", data["title"]])
    info.append(["基准年份", data["base_year"]])
    info.append(["说明", data.get("note", "")])
    info.append(
        [
            "填写说明",
            "责任单位写单位名录中的名称，多个单位用“、”分隔，第一个为牵头单位；节点日期写成 2021-06-30，多个用“；”分隔；节点日期留空时按时间节点文字和基准年份推算（“年底前”= 基准年份12月31日）。",
        ]
    )
    _style_table(info, [14, 90])
    save_workbook(wb, path)


def write_directory_workbook(units: list[dict[str, Any]], path: Path) -> None:
    """Write the unit directory (单位名录) as an editable workbook."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "单位名录"
    sheet.append(["单位名称", "单位全称", "简称及别名", "联系人", "联系电话", "电子邮箱"])
    for u in units:
        sheet.append([u["name"], u["full_name"], "、".join(u["aliases"]), u["contact"], u["phone"], u["email"]])
    _style_table(sheet, [22, 40, 44, 10, 16, 26])
    save_workbook(wb, path)


__all__ = ["CONFIG_NAME", "init_workspace", "write_master_workbook", "write_directory_workbook"]
