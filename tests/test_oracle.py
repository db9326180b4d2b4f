"""Outputs against a known truth over consecutive weeks: what the 通报, 催报名单 and 台账 claim, read back.

Each test builds its weeks in code (every unit 正常推进 unless said), runs them through the API and checks the
sentence or cell a leader reads against what was sent.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from lyreport import api
from lyreport.models import STATUSES
from lyreport.samples import fake_scan, make_filling, set_received, standard_return, write_eml
from lyreport.workspace import init_workspace

W1, W2 = date(2020, 12, 24), date(2020, 12, 31)


class Weeks:
    """A workspace and its weeks: returns from every unit (each with a scan unless said), run one week at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        init_workspace(root)
        self.context = api.load_context(root)
        self.tz = self.context.config.timezone

    def at(self, week: date, hour: int, minute: int, second: int = 0) -> datetime:
        return datetime(week.year, week.month, week.day, hour, minute, second, tzinfo=self.tz)

    def run(self, week: date, *, statuses=None, missing=(), no_scan=(), mailed=None):
        """`statuses` {(unit, no): status}; `mailed` {unit: Date of its e-mail}; others are files at 9 o'clock."""
        master, directory = self.context.master, self.context.directory
        inbox, rng = self.root / "周报" / week.isoformat(), random.Random(week.toordinal())
        for index, unit in enumerate(master.units):
            if unit in missing:
                continue
            own = {m.no: "正常推进" for m in master.measures_of(unit)}
            own.update({no: s for (u, no), s in (statuses or {}).items() if u == unit})
            filling = make_filling(
                master, unit, week, rng, {no: s if s in STATUSES else "正常推进" for no, s in own.items()}
            )
            for no, status in own.items():
                filling.rows[no]["status"] = status  # also words that are no status at all
            if unit in (mailed or {}):
                parts = self.root / "parts" / week.isoformat()
                files = [standard_return(master, directory, filling, week, parts / f"{unit}.xlsx")]
                files.append(fake_scan(parts / f"{unit}-扫描件.pdf", f"{unit}{week}"))
                write_eml(inbox / f"{unit}.eml", f"{unit} <u{index}@example.cn>", mailed[unit], "报表", files)
                continue
            when = self.at(week, 9, index)
            set_received(standard_return(master, directory, filling, week, inbox / f"{unit}.xlsx"), when)
            if unit not in no_scan:
                set_received(fake_scan(inbox / f"{unit}-扫描件.pdf", f"{unit}{week}"), when)
        return api.run_week(self.root, week, inbox=inbox)

    def folder(self, week: date) -> Path:
        return self.root / "outbox" / week.isoformat()

    def summary_text(self, week: date) -> list[str]:
        return [p.text for p in Document(str(self.folder(week) / f"督导情况通报-{week.isoformat()}.docx")).paragraphs]

    def reminder_text(self, week: date) -> str:
        return (self.folder(week) / f"催报名单-{week.isoformat()}.txt").read_text(encoding="utf-8-sig")

    def json(self, week: date) -> dict:
        return json.loads((self.folder(week) / "summary.json").read_text(encoding="utf-8"))


def test_first_report_of_a_measure_is_a_change(tmp_path: Path) -> None:
    """第27条 was 暂无报送 in last week's 通报 (市林业局 sent nothing); its first status is a change, not “无变化”."""
    weeks = Weeks(tmp_path / "ws")
    weeks.run(W1, missing={"市林业局"})
    assert next(m for m in weeks.json(W1)["measures"] if m["no"] == 27)["status"] is None
    weeks.run(W2)
    text = weeks.summary_text(W2)
    assert "与上期相比，完成状态发生变化1条（第27条）。" in text
    assert not any("无变化" in p for p in text)
    assert any("由“暂无报送”转为“正常推进”" in p and "第27条" in p for p in text)
    assert next(m for m in weeks.json(W2)["measures"] if m["no"] == 27)["changes"] == ["status_changed"]


def test_done_measure_unreadable_now_is_a_change(tmp_path: Path) -> None:
    """已完成 last week, a status nobody can read this week: 附件1 says 暂无报送, so the 通报 cannot say “无变化”."""
    weeks = Weeks(tmp_path / "ws")
    weeks.run(W1, statuses={("市林业局", 27): "已完成"})
    weeks.run(W2, statuses={("市林业局", 27): "差不多"})
    measure = next(m for m in weeks.json(W2)["measures"] if m["no"] == 27)
    assert measure["status"] is None and measure["changes"] == ["status_changed"]
    text = weeks.summary_text(W2)
    assert "与上期相比，完成状态发生变化1条（第27条）。" in text
    assert any("由“已完成”转为“暂无报送”" in p for p in text)
    # 市林业局 did report it: the totals do not say nobody has (they did: “尚无责任单位报送情况的1条”)
    assert any("已报送但完成状态未填写或无法识别的1条" in p for p in text)
    assert not any("尚无责任单位报送情况" in p for p in text)


def test_reminders_chase_what_the_summary_asks_for(tmp_path: Path) -> None:
    """Everyone on time, 市体育局 without its signed scan: the 通报 asks it to 补报, so the 催报名单 lists it."""
    weeks = Weeks(tmp_path / "ws")
    weeks.run(W1, no_scan={"市体育局"})
    assert any("未报送盖章扫描件的单位1个：市体育局" in p for p in weeks.summary_text(W1))
    text = weeks.reminder_text(W1)
    assert "无需催报" not in text
    assert "市体育局" in text and "已按时报送，未报盖章扫描件" in text
    assert "市发改委" not in text


def test_late_within_the_deadline_minute_shows_its_seconds(tmp_path: Path) -> None:
    """12:00:30 is late for a 12:00 deadline: written “12:00” it reads as on time beside the word 迟报."""
    weeks = Weeks(tmp_path / "ws")
    weeks.run(W1, mailed={"市卫健委": weeks.at(W1, 12, 0, 30), "市教育局": weeks.at(W1, 12, 0, 0)})
    units = {u["name"]: u for u in weeks.json(W1)["units"]}
    assert units["市卫健委"]["state"] == "late" and units["市教育局"]["state"] == "on_time"
    text = weeks.summary_text(W1)
    assert any("市卫健委（12月24日 12:00:30收到）" in p for p in text)
    late = next(p for p in weeks.json(W1)["problems"] if p["code"] == "unit-late")
    assert "收到时间 2020年12月24日 12:00:30，截止时间 2020年12月24日 12:00）" in late["message"]
    assert "已迟报（12月24日 12:00:30收到）" in weeks.reminder_text(W1)
    history = load_workbook(weeks.folder(W1) / f"工作台账-{W1.isoformat()}.xlsx")["历史记录"]
    cells = [r[11] for r in history.iter_rows(min_row=3) if r[1].value == "市卫健委"]
    assert cells and all(c.number_format == "yyyy-mm-dd hh:mm:ss" for c in cells)
    assert all(c.value == datetime(2020, 12, 24, 12, 0, 30) for c in cells)


def test_late_unit_is_late_since_its_first_copy(tmp_path: Path) -> None:
    """Late at 15:00, a correction at 16:30: late by its 15:00 return (as on time goes by the first copy too),
    with the correction's time beside it, never “16:30收到” as if nothing had come before."""
    weeks = Weeks(tmp_path / "ws")
    master, directory = weeks.context.master, weeks.context.directory
    inbox = tmp_path / "ws" / "周报" / W1.isoformat()
    for name, status, hour, minute in (
        ("市交通运输局", "正常推进", 15, 0),
        ("市交通运输局（更正）", "进度滞后", 16, 30),
    ):
        filling = make_filling(master, "市交通运输局", W1, random.Random(hour), {10: status})
        filling.filled_on = W1
        path = standard_return(master, directory, filling, W1, inbox / f"{name}.xlsx")
        set_received(path, weeks.at(W1, hour, minute))
    weeks.run(W1, missing={"市交通运输局"})
    unit = next(u for u in weeks.json(W1)["units"] if u["name"] == "市交通运输局")
    assert unit["state"] == "late" and unit["files"] == ["市交通运输局（更正）.xlsx"]
    assert unit["received_at"] == "2020-12-24T15:00:00+08:00"
    assert unit["corrected_at"] == "2020-12-24T16:30:00+08:00"
    text = weeks.summary_text(W1)
    assert "迟报单位1个：市交通运输局（12月24日 15:00收到）。" in text[text.index("四、报送情况") + 1]
    row = next(r for r in Document(str(weeks.folder(W1) / f"督导情况通报-{W1.isoformat()}.docx")).tables[1].rows
               if r.cells[0].text == "市交通运输局")  # fmt: skip
    assert row.cells[2].text == "12月24日 15:00\n（12月24日 16:30收到更正，采用更正件）"
    said = {p["code"]: p for p in weeks.json(W1)["problems"] if p.get("unit") == "市交通运输局"}
    assert "收到时间 2020年12月24日 15:00" in said["unit-late"]["message"]
    assert said["unit-late"]["file"] == "市交通运输局.xlsx"
    assert "《市交通运输局（更正）.xlsx》（收到时间 2020年12月24日 16:30）" in said["unit-late-corrected"]["message"]
    assert "unit-corrected-late" not in said  # that one says 按时报送
    assert next(m for m in weeks.json(W1)["measures"] if m["no"] == 10)["status"] == "进度滞后"  # the correction's data


def test_consecutive_misses_follow_the_units_they_are_among(tmp_path: Path) -> None:
    """市金融工作局 sent a blank form two weeks running (报送有误) and nobody was late or missing: “其中，…已连续2周”
    must come after the sentence naming it, not open the section with nothing before it."""
    weeks = Weeks(tmp_path / "ws")
    master, directory = weeks.context.master, weeks.context.directory
    for week in (W1, W2):
        inbox = tmp_path / "ws" / "周报" / week.isoformat()
        blank = make_filling(master, "市金融工作局", week, random.Random(1))
        blank.rows = {}
        set_received(standard_return(master, directory, blank, week, inbox / "市金融工作局.xlsx"), weeks.at(week, 9, 0))
        set_received(fake_scan(inbox / "市金融工作局-扫描件.pdf", f"金融{week}"), weeks.at(week, 9, 0))
        weeks.run(week, missing={"市金融工作局"})
    unit = next(u for u in weeks.json(W2)["units"] if u["name"] == "市金融工作局")
    assert unit["state"] == "invalid" and unit["consecutive_missed"] == 2
    text = weeks.summary_text(W2)
    section = text[text.index("四、报送情况") + 1 : text.index("五、下一步工作")]
    assert not section[0].startswith("其中")
    said = "".join(section)
    assert said.index("报送有误的单位1个：市金融工作局") < said.index("其中，市金融工作局已连续2周未按时报送")


def test_consecutive_misses_of_a_missing_unit_do_not_follow_another_groups_sentence(tmp_path: Path) -> None:
    """市体育局 missing two weeks running, 市金融工作局 报送有误 this week: “其中，市体育局已连续2周…” came after the
    报送有误 sentence, read as one of the invalid units. It now follows the 未报送 sentence that names it."""
    weeks = Weeks(tmp_path / "ws")
    master, directory = weeks.context.master, weeks.context.directory
    weeks.run(W1, missing={"市体育局"})
    inbox = tmp_path / "ws" / "周报" / W2.isoformat()
    blank = make_filling(master, "市金融工作局", W2, random.Random(1))
    blank.rows = {}
    set_received(standard_return(master, directory, blank, W2, inbox / "市金融工作局.xlsx"), weeks.at(W2, 9, 0))
    set_received(fake_scan(inbox / "市金融工作局-扫描件.pdf", f"金融{W2}"), weeks.at(W2, 9, 0))
    weeks.run(W2, missing={"市体育局", "市金融工作局"})
    text = weeks.summary_text(W2)
    said = "".join(text[text.index("四、报送情况") + 1 : text.index("五、下一步工作")])
    repeat = said.index("其中，市体育局已连续2周未按时报送")
    assert said.index("未报送单位1个：市体育局") < repeat < said.index("报送有误的单位1个：市金融工作局")


def test_consecutive_misses_run_on_when_the_deadline_weekday_moves(tmp_path: Path) -> None:
    """配置 moved the deadline from Thursday to Friday: 市林业局 missed 12-24, 12-31 and 2021-01-08 (8 days after).
    The count stepped back exactly 7 days, found no week on 12-31+1 and said 1 (“连续” lost) without a word."""
    weeks = Weeks(tmp_path / "ws")
    weeks.run(W1, missing={"市林业局"})
    weeks.run(W2, missing={"市林业局"})
    config = tmp_path / "ws" / "templates" / "配置.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("weekday = 4", "weekday = 5"), encoding="utf-8")
    friday = date(2021, 1, 8)
    weeks.run(friday, missing={"市林业局"})
    unit = next(u for u in weeks.json(friday)["units"] if u["name"] == "市林业局")
    assert unit["consecutive_missed"] == 3
    assert any("市林业局已连续3周未按时报送" in p for p in weeks.summary_text(friday))
    # a whole week without a record still breaks the run
    weeks.run(date(2021, 1, 22), missing={"市林业局"})
    assert next(u for u in weeks.json(date(2021, 1, 22))["units"] if u["name"] == "市林业局")["consecutive_missed"] == 1


def test_an_earlier_week_rerun_after_the_list_was_edited_says_so(tmp_path: Path) -> None:
    """Staff moved 第5条's 节点日期 to 2020-12-20 after 12-31 was issued; re-running 12-24 (or restoring) turned it red
    and 新增逾期 in a week whose issued 通报 said green, with not a word that the list, not the returns, changed."""
    from openpyxl import load_workbook

    from lyreport.recovery import restore_all

    weeks = Weeks(tmp_path / "ws")
    weeks.run(W1)
    weeks.run(W2)
    listed = tmp_path / "ws" / "templates" / "措施清单.xlsx"
    book = load_workbook(listed)
    sheet = book["措施清单"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == 5)
    row[5].value = "2020-12-20"
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == 3)
    row[3].value = f"{row[3].value}、市发改委"
    book.save(listed)
    weeks.run(W1)
    measure = next(m for m in weeks.json(W1)["measures"] if m["no"] == 5)
    assert measure["overdue"] and measure["light"] == "red"  # today's list, as asked, but said:
    said = [p["message"] for p in weeks.json(W1)["problems"] if p["code"] == "master-changed-since"]
    assert len(said) == 1 and "第5条节点日期由“无”改为“2020-12-20”" in said[0]
    assert "第3条责任单位由“市生态环境局”改为“市生态环境局、市发改委”" in said[0]
    weeks.run(W1)  # nothing changed since this run
    assert not [p for p in weeks.json(W1)["problems"] if p["code"] == "master-changed-since"]
    (tmp_path / "ws" / "history" / "history.sqlite3").write_bytes(b"")
    restore_all(tmp_path / "ws")  # 12-31 was issued under the old list too
    said = [p["message"] for p in weeks.json(W2)["problems"] if p["code"] == "master-changed-since"]
    assert len(said) == 1 and "第5条节点日期" in said[0]


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2020, 12, 24, 12, 0, 0, 950_000), "12:00:00.9"),  # was “12:00:00.10”, not a tenth of anything
        (datetime(2020, 12, 24, 12, 0, 0, 10_000), "12:00:00.1"),  # never “12:00:00”, which reads as on time
        (datetime(2020, 12, 24, 12, 0, 30), "12:00:30"),
        (datetime(2020, 12, 24, 12, 1, 0, 500_000), "12:01"),
    ],
)
def test_a_time_inside_the_deadline_minute_never_reads_as_the_deadline(moment: datetime, shown: str) -> None:
    from lyreport.config import load_config
    from lyreport.weeks import clock

    assert clock(moment, load_config(None)) == shown


def test_the_ledger_shows_a_fraction_of_a_second_past_the_deadline() -> None:
    from openpyxl import Workbook

    from lyreport.render.xlsx_style import set_datetime

    cell = set_datetime(Workbook().active["A1"], datetime(2020, 12, 24, 12, 0, 0, 400_000), None)
    assert cell.number_format.endswith("hh:mm:ss.0")  # was hh:mm: 12:00 for a file saved 0.4 s late
