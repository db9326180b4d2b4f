"""Outputs against a known truth for lists other than the 33 measures: the workspace's own list set in 配置.toml
(`master`), or a list staff made, with odd headings. Built in code; what a leader reads is checked."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from test_oracle import W1, Weeks

from lyreport import api

SEVEN_TITLE = "建设现代化洛阳都市圈七大行动重点工作"


def use_list(weeks: Weeks, name: str, config_edit=None) -> None:
    """Make templates/<name> the workspace's list (配置.toml `master`), as staff would, and reload."""
    config = weeks.root / "templates" / "配置.toml"
    text = re.sub(r'^master = ".*"$', f'master = "{name}"', config.read_text(encoding="utf-8"), flags=re.M)
    config.write_text(config_edit(text) if config_edit else text, encoding="utf-8")
    weeks.context = api.load_context(weeks.root)


def test_the_workspace_list_set_in_the_config_is_not_titled_as_the_33_measures(tmp_path: Path) -> None:
    """七大行动 as the workspace's list (配置.toml `master`): its 通报 was titled “洛阳济源同城一体深度融合措施落实情况
    督导通报”, cited the 33 measures' notice and asked units to 抓紧与济源对接, with not a word anywhere."""
    weeks = Weeks(tmp_path / "ws")
    use_list(weeks, "七大行动清单.xlsx")
    weeks.run(W1, no_scan=set(weeks.context.master.units))
    text = weeks.summary_text(W1)
    assert text[0] == f"{SEVEN_TITLE}落实情况督导通报"
    assert not any("同城一体" in p or "与济源对接" in p for p in text)
    assert f"各责任单位每周四12时前报送{SEVEN_TITLE}落实情况。现将截至2020年12月24日的落实情况通报如下。" in text
    mail = next(weeks.folder(W1).glob("邮件草稿-*.eml")).read_bytes()
    assert "同城一体".encode() not in mail
    (said,) = [p for p in weeks.json(W1)["problems"] if p["code"] == "config-wording-own-list"]
    assert "title" in said["message"] and SEVEN_TITLE in said["message"]


def test_wording_staff_wrote_for_their_own_list_is_kept(tmp_path: Path) -> None:
    weeks = Weeks(tmp_path / "ws")
    own = "洛阳都市圈七大行动推进情况通报"
    use_list(
        weeks,
        "七大行动清单.xlsx",
        lambda t: t.replace('title = "洛阳济源同城一体深度融合措施落实情况督导通报"', f'title = "{own}"').replace(
            'title_lines = ["洛阳济源同城一体深度融合", "措施落实情况督导通报"]', "title_lines = []"
        ),
    )
    weeks.run(W1, no_scan=set(weeks.context.master.units))
    text = weeks.summary_text(W1)
    assert text[0] == own
    assert not any("与济源对接" in p for p in text)  # next_steps were left as bundled: this list's instead
    (said,) = [p for p in weeks.json(W1)["problems"] if p["code"] == "config-wording-own-list"]
    assert "next_steps" in said["message"] and "title、" not in said["message"]


def test_the_33_measures_keep_their_wording(tmp_path: Path) -> None:
    weeks = Weeks(tmp_path / "ws")
    weeks.run(W1, no_scan=set(weeks.context.master.units))
    assert weeks.summary_text(W1)[0] == "洛阳济源同城一体深度融合\n措施落实情况督导通报"
    assert not [p for p in weeks.json(W1)["problems"] if p["code"] == "config-wording-own-list"]


def staff_list(path: Path, categories: list[str]) -> Path:
    """A list staff typed: one measure per category heading as written, numbered from 11."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "措施清单"
    sheet.append(["序号", "类别", "措施内容", "责任单位", "时间节点", "节点日期", "备注"])
    units = ["市发改委", "市工信局", "市交通运输局", "市林业局", "市教育局", "市商务局"]
    for index, category in enumerate(categories):
        sheet.append([11 + index, category, f"推进第{index + 1}项重点任务落实", units[index], "长期坚持", None, None])
    info = wb.create_sheet("清单信息")
    for row in (["项目", "内容"], ["清单编号", "ly-test-6"], ["清单名称", "重点任务"], ["基准年份", 2020]):
        info.append(row)
    wb.save(path)
    return path


def test_category_headings_numbered_by_staff_are_not_numbered_twice(tmp_path: Path) -> None:
    """Categories typed “（二）交通互联”, “3.生态共保”, “第一部分 产业协作”: the 通报 numbered them again and read
    “（三）（二）交通互联”, “（四）3.生态共保” — two numbers that disagree."""
    weeks = Weeks(tmp_path / "ws")
    categories = [
        "第一部分 产业协作",
        "（二）交通互联",
        "3.生态共保",
        "四、公共服务共享",
        "(5) 民生保障",
        "第六类：其他事项",
    ]
    staff_list(weeks.root / "templates" / "重点任务清单.xlsx", categories)
    use_list(weeks, "重点任务清单.xlsx")
    weeks.run(W1, no_scan=set(weeks.context.master.units))
    text = weeks.summary_text(W1)
    section = text[text.index("二、各领域进展") + 1 : text.index("三、存在问题")]
    headings = [p for p in section if p.startswith("（")]
    assert headings == [
        "（一）产业协作",
        "（二）交通互联",
        "（三）生态共保",
        "（四）公共服务共享",
        "（五）民生保障",
        "（六）其他事项",
    ]
