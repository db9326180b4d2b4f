"""A return of the other measure list (33 measures / 七大行动) without its template mark, filed under this list.

Read by 序号, the 33 measures' return of 市发改委 (1, 8, 9, 16) would close 七大行动 measures 1 and 8. The table as a
whole is judged: most measure texts being the other list's (or, with none of this list's, a title naming it) sets
the return aside for this list with a warning, as a template marked for the other list is; this list's own texts,
however abridged or retyped, are still read.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from lyreport.api import load_context
from lyreport.cli import main
from lyreport.intake.parse import parse_returns
from lyreport.intake.read import read_one
from lyreport.models import MasterList, SourceFile
from lyreport.weeks import deadline_on

HEADERS = ["序号", "措施内容", "完成状态", "本周进展", "存在问题"]
TITLE_33 = "洛阳济源同城一体深度融合三十三条落实情况报表"
TITLE_7 = "建设现代化洛阳都市圈七大行动重点工作落实情况报表"
NDRC = "市发改委"  # 33 measures 1, 8, 9, 16; 七大行动 1, 2, 6, 8, 9, 22
TRANSPORT = "市交通运输局"  # 33 measures 10, 11, 12, 14, 15; 七大行动 3, 4, 5


def seven(workspace: Path) -> Path:
    return workspace / "templates" / "七大行动清单.xlsx"


def form(path: Path, unit: str, rows: list[list[Any]], title: str | None = None) -> Path:
    """A self-made form (no template mark): optional title, header block, table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "落实情况"
    if title:
        ws.append([title])
    ws.append(["填报单位", unit, "联系人", "王五", "联系电话", "0379-63211234", "填报日期", date(2021, 1, 6)])
    ws.append(HEADERS)
    for values in rows:
        ws.append(values)
    wb.save(path)
    return path


def rows_of(master: MasterList, statuses: dict[int, str], numbers: list[int] | None = None) -> list[list[Any]]:
    """Measure rows with the list's own texts; `numbers` renumbers them (a form numbered 1, 2, 3 …)."""
    numbers = numbers or list(statuses)
    return [
        [shown, master.measure(no).text, status, f"第{no}条本周进展", "无"]
        for shown, (no, status) in zip(numbers, statuses.items(), strict=True)
    ]


def parse(workspace: Path, path: Path, master_path: Path | None = None):  # -> (returns, problems)
    ctx = load_context(workspace, master_path)
    received = deadline_on(date(2021, 1, 7), ctx.config)
    book, _ = read_one(SourceFile(path, path.name, "workbook", received, "0" * 64))
    assert book is not None
    return parse_returns(book, ctx.master, ctx.directory)


def refused(problems: list[Any]) -> Any:
    (hit,) = [p for p in problems if p.code == "return-other-list"]
    return hit


NDRC_33 = {1: "已完成", 8: "已完成", 9: "正常推进", 16: "正常推进"}


def test_a_33_measures_return_is_not_read_as_seven_actions(tmp_path: Path, workspace: Path) -> None:
    main_list = load_context(workspace).master
    path = form(tmp_path / "发改委.xlsx", NDRC, rows_of(main_list, NDRC_33))
    (parsed,), problems = parse(workspace, path, seven(workspace))
    hit = refused(problems)
    assert (hit.severity, hit.cell, hit.unit) == ("warning", "B3", NDRC)
    assert hit.message == (
        "本表填写的是其他措施清单（洛阳济源同城一体深度融合三十三条）的措施（4 行措施内容中有 4 行是该清单的措施），"
        "不是当前清单（建设现代化洛阳都市圈七大行动重点工作）的报表，未读取完成状态，不计入当前清单"
    )
    assert parsed.rows == [] and parsed.other_list == main_list.title
    # Its rows are not read by 序号: no per-row notes about texts that differ, no missing-measure errors.
    assert not [p for p in problems if p.code.startswith("measure-")]
    # The same file in the 33 measures' run is an ordinary return.
    (parsed,), problems = parse(workspace, path)
    assert [r.measure_no for r in parsed.rows] == [1, 8, 9, 16] and "return-other-list" not in str(problems)


def test_the_run_sets_it_aside_and_closes_nothing(tmp_path: Path, workspace: Path) -> None:
    form(workspace / "inbox" / "发改委.xlsx", NDRC, rows_of(load_context(workspace).master, NDRC_33))
    args = ["run", "--workspace", str(workspace), "--week", "2021-01-07", "--master", str(seven(workspace))]
    assert CliRunner().invoke(main, args).exit_code in (0, 1)
    folder = workspace / "outbox" / "七大行动清单" / "2021-01-07"
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    statuses = {m["no"]: m["status"] for m in summary["measures"]}
    assert statuses[1] != "已完成" and statuses[8] != "已完成"
    (unit,) = [u for u in summary["units"] if u["name"] == NDRC]
    assert unit["state"] == "missing"  # it has not sent its 七大行动 return
    assert [p["code"] for p in summary["problems"] if p["file"] == "发改委.xlsx"] == ["return-other-list"]


def test_a_seven_actions_return_is_not_read_as_the_33_measures(tmp_path: Path, workspace: Path) -> None:
    other = load_context(workspace, seven(workspace)).master
    path = form(tmp_path / "交通局.xlsx", TRANSPORT, rows_of(other, {3: "已完成", 4: "已完成", 5: "正常推进"}))
    (parsed,), problems = parse(workspace, path)
    assert "建设现代化洛阳都市圈七大行动重点工作" in refused(problems).message and parsed.rows == []


def test_other_lists_measures_numbered_afresh_are_refused(tmp_path: Path, workspace: Path) -> None:
    """A self-made form numbered 1, 2, 3 … with the other list's measures: the texts say whose, not the numbers."""
    main_list = load_context(workspace).master
    path = form(tmp_path / "发改委.xlsx", NDRC, rows_of(main_list, NDRC_33, numbers=[1, 2, 3, 4]))
    (parsed,), problems = parse(workspace, path, seven(workspace))
    assert refused(problems) and parsed.rows == []


def test_a_title_naming_the_other_list_refuses_a_form_without_measure_texts(tmp_path: Path, workspace: Path) -> None:
    rows = [[1, "略", "已完成", "已完工", "无"], [8, "略", "已完成", "已完工", "无"]]
    path = form(tmp_path / "发改委.xlsx", NDRC, rows, title=TITLE_33)
    (parsed,), problems = parse(workspace, path, seven(workspace))
    hit = refused(problems)
    assert hit.cell == "A1" and "表格标题写明是该清单" in hit.message and parsed.rows == []
    (parsed,), _ = parse(workspace, path)  # its own list's run reads it
    assert [r.measure_no for r in parsed.rows] == [1, 8]
    # A form titled for one list holding the other list's measures: the measures decide, never the title alone.
    main_list = load_context(workspace).master
    path = form(tmp_path / "发改委2.xlsx", NDRC, rows_of(main_list, NDRC_33), title=TITLE_7)
    (parsed,), problems = parse(workspace, path, seven(workspace))
    assert refused(problems) and parsed.rows == []


@pytest.mark.parametrize(
    ("use_seven", "texts"),
    [
        (  # 七大行动 measures of 市发改委, retyped short and in other words
            True,
            {
                1: "呼南高铁焦作经济源、洛阳至平顶山段开工建设",
                2: "深化郑登洛轨道交通前期工作",
                8: "洛宁长石风电场、洛阳至新郑航煤管线",
                9: "建设洛济焦高端石化等4条产业带",
            },
        ),
        (  # the 33 measures of 市发改委, abridged as units type them
            False,
            {
                1: "济源纳入洛阳高端石化产业基地规划编制范围",
                8: "争取呼南高铁豫西通道列入国家十四五规划",
                9: "推动焦济洛城际铁路前期工作",
                16: "谋划石化物流产业园",
            },
        ),
    ],
)
def test_this_lists_measures_retyped_are_still_read(
    tmp_path: Path, workspace: Path, use_seven: bool, texts: dict[int, str]
) -> None:
    rows = [[no, text, "正常推进", "按计划推进", "无"] for no, text in texts.items()]
    path = form(tmp_path / "发改委.xlsx", NDRC, rows)
    (parsed,), problems = parse(workspace, path, seven(workspace) if use_seven else None)
    assert "return-other-list" not in [p.code for p in problems]
    assert [r.measure_no for r in parsed.rows] == list(texts)


def test_the_other_lists_paper_is_not_this_lists_scan(workspace: Path) -> None:
    """A scanned form of the other list (its QR mark, or its measures) is no signed copy of this list's return."""
    from datetime import datetime, timedelta

    from lyreport.merge import merge_week
    from lyreport.models import IntakeResult, ParsedReturn, PreviousState, ReturnRow, Scan

    ctx = load_context(workspace, seven(workspace))
    received = deadline_on(date(2021, 1, 7), ctx.config) - timedelta(hours=3)
    assert isinstance(received, datetime)
    for mark in ({"other_list": "洛阳济源同城一体深度融合三十三条"}, {"identity": {"list_id": "ly-jy-33"}}):
        paper = SourceFile(Path("发改委.pdf"), "发改委.pdf", "scan", received, "1" * 64)
        rows = [ReturnRow(1, "已完成", "已完工"), ReturnRow(8, "已完成", "已完工")]
        parsed = ParsedReturn(paper, "第1页", NDRC, date(2021, 1, 7), "template", rows=rows, source="scan", **mark)
        intake = IntakeResult(scans=[Scan(paper, NDRC, parsed, True, True)])
        result = merge_week(
            ctx.master, intake, deadline_on(date(2021, 1, 7), ctx.config), ctx.config, PreviousState(), 1
        )
        assert result.unit(NDRC).state == "missing", mark
        assert {m.no: m.status for m in result.measures}[1] != "已完成"
