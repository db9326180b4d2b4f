"""The CLI as staff use it: init, template, check, help texts; all in Chinese, no tracebacks."""

from __future__ import annotations

import json
import random
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import lyreport
from lyreport import api
from lyreport.cli import main
from lyreport.demo import MISMATCH, SCAN_ONLY, UNSTAMPED
from lyreport.samples import make_filling, standard_return
from lyreport.scansim import can_draw

WEEK = date(2021, 1, 7)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("command", [[], ["init"], ["template"], ["run"], ["check"], ["demo"]])
def test_help_is_chinese_and_complete(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    described = [line for line in result.output.splitlines() if line.strip().startswith("--")]
    for line in described:
        if "--help" in line:
            continue
        assert CJK.search(line), f"option without Chinese help: {line}"
    assert result.output.startswith("用法：") and "选项：" in result.output
    assert CJK.search(result.output.split("选项：")[0].replace("用法：", ""))


def test_init_then_template_writes_15_workbooks(tmp_path):
    root = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    result = runner.invoke(main, ["template", "--workspace", str(root), "--week", "2021-01-07"])
    assert result.exit_code == 0, result.output
    folder = root / "outbox" / "2021-01-07" / "templates"
    files = sorted(folder.glob("*.xlsx"))
    assert len(files) == 15
    assert "已生成 15 个报表模板" in result.output
    wb = load_workbook(folder / "市卫健委-落实情况报表-2021-01-07.xlsx")
    sheet = wb["落实情况"]
    assert sheet.protection.sheet and not sheet.protection.password
    assert any(dv.formula1 == '"已完成,正常推进,进度滞后,尚未启动"' for dv in sheet.data_validations.dataValidation)


def test_template_single_unit_by_alias_and_unknown_unit(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    ok = CliRunner().invoke(main, ["template", "--workspace", str(root), "--week", "2021-01-07", "--unit", "发改委"])
    assert ok.exit_code == 0 and "市发改委-落实情况报表-2021-01-07.xlsx" in ok.output
    bad = CliRunner().invoke(main, ["template", "--workspace", str(root), "--unit", "市不存在局"])
    assert bad.exit_code == 2 and "不是本清单的责任单位" in bad.output


def test_template_prefilled_from_history(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    context = api.load_context(root)
    filling = make_filling(context.master, "市教育局", WEEK, random.Random(3), {22: "进度滞后", 23: "已完成"})
    standard_return(context.master, context.directory, filling, WEEK, root / "inbox" / "教育局.xlsx")
    api.run_week(root, WEEK)
    paths = api.make_templates(root, date(2021, 1, 14), unit="市教育局")
    sheet = load_workbook(paths[0])["落实情况"]
    values = {row[0]: row for row in sheet.iter_rows(min_row=5, values_only=True) if isinstance(row[0], int)}
    assert values[22][3] == "进度滞后" and values[23][3] == "已完成"
    assert values[22][4] == filling.rows[22]["progress"]


def test_check_reports_cells_and_exit_code(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    context = api.load_context(root)
    filling = make_filling(context.master, "市交通运输局", WEEK, random.Random(4))
    path = standard_return(context.master, context.directory, filling, WEEK, tmp_path / "交通局.xlsx")
    good = CliRunner().invoke(main, ["check", "--workspace", str(root), str(path)])
    assert good.exit_code == 0, good.output
    assert "报送单位：市交通运输局" in good.output and "2021年1月7日" in good.output
    wb = load_workbook(path)
    sheet = wb["落实情况"]
    sheet["D5"] = "差不多吧"
    wb.save(path)
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    bad = CliRunner().invoke(main, ["check", "--workspace", str(root), str(path), str(broken)])
    assert bad.exit_code == 1
    assert "落实情况!D5" in bad.output and "差不多吧" in bad.output
    assert "《坏文件.xlsx》" in bad.output
    assert "Traceback" not in bad.output


def test_check_missing_file_is_a_message(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    result = CliRunner().invoke(main, ["check", "--workspace", str(root), str(tmp_path / "无此文件.xlsx")])
    assert result.exit_code == 2 and "找不到文件" in result.output


def test_other_master_list(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    seven = root / "templates" / "七大行动清单.xlsx"
    result = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", "2021-01-07", "--master", str(seven)])
    assert result.exit_code == 0, result.output
    assert "建设现代化洛阳都市圈七大行动重点工作" in result.output
    assert (root / "outbox" / "七大行动清单" / "2021-01-07" / "summary.json").is_file()
    assert (root / "outbox" / "七大行动清单" / "工作台账.xlsx").is_file()


def test_other_master_list_has_its_own_title_and_doc_number(tmp_path):
    import email
    import email.policy

    from docx import Document

    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    seven = root / "templates" / "七大行动清单.xlsx"
    args = ["run", "--workspace", str(root), "--week", "2021-01-07", "--master", str(seven)]
    assert CliRunner().invoke(main, args).exit_code == 0
    folder = root / "outbox" / "七大行动清单" / "2021-01-07"
    head = [p.text for p in Document(folder / "督导情况通报-2021-01-07.docx").paragraphs[:3]]
    assert head[0].replace("\n", "") == "建设现代化洛阳都市圈七大行动重点工作落实情况督导通报"
    assert not any("洛副中心办" in line for line in head)  # not the main list's 发文字号 series
    mail = email.message_from_bytes((folder / "邮件草稿-2021-01-07.eml").read_bytes(), policy=email.policy.default)
    assert mail["Subject"].startswith("建设现代化洛阳都市圈七大行动重点工作落实情况督导通报")
    config = root / "templates" / "配置.toml"
    own = '\n[summary."七大行动清单"]\ndoc_number = "洛副中心办〔{year}〕{period}号"\n'
    config.write_text(config.read_text(encoding="utf-8") + own, encoding="utf-8")
    rerun = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", "2021-01-14", "--master", str(seven)])
    assert rerun.exit_code in (0, 1), rerun.output
    summary = (root / "outbox" / "七大行动清单" / "2021-01-14" / "summary.json").read_text(encoding="utf-8")
    assert "重复的文号" in summary  # listed in 问题清单 and summary.json


def test_second_list_opening_does_not_cite_the_main_lists_notice(tmp_path):
    """The main opening names 《关于开展洛阳济源同城一体深度融合措施落实情况督导工作的通知》: a 七大行动 通报 citing it
    would tell readers the wrong list's notice. Its own [summary."七大行动清单"] opening is used when given."""
    from lyreport.render.wording import say

    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    seven = root / "templates" / "七大行动清单.xlsx"
    main_opening = api.load_context(root).config.summary["opening"]
    assert "洛阳济源同城一体" in main_opening
    opening = say(api.load_context(root, seven).config, "opening", week_cn="2021年1月7日", list_title="七大行动")
    assert "洛阳济源" not in opening and opening.startswith("各责任单位每周四12时前报送七大行动落实情况")
    config = root / "templates" / "配置.toml"
    own = '\n[summary."七大行动清单"]\nopening = "按照《七大行动通知》要求，现通报截至{week_cn}的情况。"\n'
    config.write_text(config.read_text(encoding="utf-8") + own, encoding="utf-8")
    opening = say(api.load_context(root, seven).config, "opening", week_cn="2021年1月7日", list_title="七大行动")
    assert opening == "按照《七大行动通知》要求，现通报截至2021年1月7日的情况。"


def test_second_list_next_steps_and_mail_do_not_carry_the_main_lists_wording(tmp_path):
    """The main next_steps quote the instruction on the 33 measures ("抓紧与济源对接") and the bundled mail body
    spells out the main 通报's title: a 七大行动 通报 and its mail get generic wording, or the list's own."""
    import email
    import email.policy

    from docx import Document

    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    seven = root / "templates" / "七大行动清单.xlsx"
    assert "抓紧与济源对接" in "".join(api.load_context(root).config.summary["next_steps"])
    args = ["run", "--workspace", str(root), "--week", "2021-01-07", "--master", str(seven)]
    assert CliRunner().invoke(main, args).exit_code in (0, 1)
    folder = root / "outbox" / "七大行动清单" / "2021-01-07"
    text = "\n".join(p.text for p in Document(folder / "督导情况通报-2021-01-07.docx").paragraphs)
    assert "五、下一步工作" in text and "济源对接" not in text and "逐条对照措施内容" in text
    mail = email.message_from_bytes((folder / "邮件草稿-2021-01-07.eml").read_bytes(), policy=email.policy.default)
    body = mail.get_body(("plain",)).get_content()
    assert "洛阳济源同城一体" not in body
    assert "现将2021年1月7日建设现代化洛阳都市圈七大行动重点工作落实情况督导通报及工作台账发送给您" in body
    config = root / "templates" / "配置.toml"
    own = '\n[summary."七大行动清单"]\nnext_steps = ["七大行动自己的下一步。"]\n'
    config.write_text(config.read_text(encoding="utf-8") + own, encoding="utf-8")
    assert api.load_context(root, seven).config.summary["next_steps"] == ["七大行动自己的下一步。"]
    # A [mail] body naming the 通报 by {title} fits any list and is kept.
    text = config.read_text(encoding="utf-8").replace("洛阳济源同城一体深度融合措施落实情况督导通报及", "{title}及")
    config.write_text(text, encoding="utf-8")
    assert "{title}及工作台账" in api.load_context(root, seven).config.mail["body"]
    assert "{title}及工作台账" in api.load_context(root).config.mail["body"]


def test_placeholder_typo_in_a_list_table_is_reported_and_that_key_keeps_the_default(tmp_path):
    """[summary."七大行动清单"] is checked like [summary]: a typo is named (table and key), not printed as
    blank text; it concerns only that list, so the runs go on."""
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    config = root / "templates" / "配置.toml"
    own = '\n[summary."七大行动清单"]\ntitle_lines = []\nprinted = "{date_cm}印发"\ndoc_number = "七〔{year}〕{period}号"\n'
    config.write_text(config.read_text(encoding="utf-8") + own, encoding="utf-8")
    seven = root / "templates" / "七大行动清单.xlsx"
    args = ["run", "--workspace", str(root), "--week", "2021-01-07", "--master", str(seven)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    assert '[summary."七大行动清单"] printed 中的 {date_cm} 不是可用的占位符' in result.output, result.output
    folder = root / "outbox" / "七大行动清单" / "2021-01-07"
    said = [p for p in json.loads((folder / "summary.json").read_text(encoding="utf-8"))["problems"]]
    said = [p for p in said if p["code"] == "config-list-wording"]
    assert len(said) == 1 and "{date_cn}" in said[0]["message"] and said[0]["file"] == "配置.toml", said
    with zipfile.ZipFile(folder / "督导情况通报-2021-01-07.docx") as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert "2021年1月7日印发" in body  # the default wording, not "印发" alone
    assert "七〔2021〕1号" in body  # the table's other keys still apply
    main_run = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", "2021-01-07"])
    assert main_run.exit_code in (0, 1) and "七大行动清单" not in main_run.output, main_run.output


def test_misspelt_config_keys_and_a_password_are_said_on_the_terminal_and_in_the_problem_list(tmp_path):
    """A key the program never reads ("titel") would leave the default wording without a word; a password
    written into the config is never used (nor echoed)."""
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    config = root / "templates" / "配置.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("[summary]\n", '[summary]\ntitel = "测试标题"\n', 1)
    text = text.replace("[smtp]\n", '[smtp]\npassword = "s3cret-code"\n', 1)
    config.write_text(
        text + '\n[sumary]\nopening = "x"\n[summary."七大行动清单"]\ndoc_nubmer = "七〔2021〕1号"\n', "utf-8"
    )
    result = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", "2021-01-07"])
    assert result.exit_code in (0, 1), result.output
    assert "[summary] titel 不是可用的设置项（可能拼写有误，是否应为“title”）" in result.output
    assert "[sumary] 不是可用的配置段" in result.output
    assert '[summary."七大行动清单"] doc_nubmer 不是可用的设置项（可能拼写有误，是否应为“doc_number”）' in result.output
    assert "[smtp] password：密码（授权码）不能写在配置文件中" in result.output
    assert "s3cret-code" not in result.output
    folder = root / "outbox" / "2021-01-07"
    said = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["problems"]
    said = [p for p in said if p["code"] == "config-unknown-key"]
    assert len(said) == 4 and {p["file"] for p in said} == {"配置.toml"}, said
    assert "s3cret-code" not in json.dumps(said, ensure_ascii=False)


def test_the_bundled_config_has_no_unknown_keys(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    from lyreport.config import load_config

    assert load_config(root / "templates" / "配置.toml").unknown_keys == []
    assert load_config(None).unknown_keys == []


def test_usage_errors_are_chinese():
    result = CliRunner().invoke(main, ["run", "--wek", "3"])
    assert result.exit_code == 2 and "没有这个选项" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(main, ["check"])
    assert missing.exit_code == 2 and "缺少参数" in missing.output


def test_bad_week_option_is_chinese(tmp_path):
    result = CliRunner().invoke(main, ["run", "--workspace", str(tmp_path), "--week", "下周"])
    assert result.exit_code == 2 and "不是有效日期" in result.output


def test_demo_runs(tmp_path):
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "演示")])
    assert result.exit_code == 0, result.output
    assert "迟报：市交通运输局" in result.output
    assert "未报送：市体育局、市林业局" in result.output
    assert "报送有误：市金融工作局" in result.output
    assert Path(tmp_path / "演示" / "outbox" / "工作台账.xlsx").is_file()
    if not can_draw():
        return  # no Chinese font: the demo has no scans
    summary = json.loads((tmp_path / "演示" / "outbox" / "2021-01-07" / "summary.json").read_text(encoding="utf-8"))
    units = {u["name"]: u for u in summary["units"]}
    assert {n for n, u in units.items() if u["source"] == "scan"} == set(SCAN_ONLY)  # counted as reported
    assert all(units[n]["state"] == "on_time" for n in SCAN_ONLY)
    paper = {(p["code"], p["unit"]) for p in summary["problems"] if p["code"].startswith("scan-")}
    assert {("scan-unstamped", UNSTAMPED), ("scan-mismatch", MISMATCH), ("scan-other-week", "洛阳北郊机场")} <= paper
    assert not {code for code, _ in paper} & {"scan-unreadable", "scan-low-confidence"}
    assert units[UNSTAMPED]["scan_stamped"] is False and len(units[MISMATCH]["scan_mismatches"]) == 1


def test_demo_refuses_a_real_workspace(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    keep = root / "inbox" / "重要来信.eml"
    keep.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["demo", str(root)])
    assert result.exit_code == 2 and "不是空文件夹" in result.output
    assert keep.read_text(encoding="utf-8") == "x"


def test_master_relative_to_workspace(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    args = ["template", "--workspace", str(root), "--week", "2021-01-07", "--master", "templates/七大行动清单.xlsx"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "已生成 15 个报表模板" in result.output


def test_check_accepts_folders_and_names_scans(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    from lyreport.samples import fake_scan

    folder = tmp_path / "收到的文件"
    fake_scan(folder / "扫描件" / "市林业局-盖章扫描件.pdf", "ly")
    result = CliRunner().invoke(main, ["check", "--workspace", str(root), str(folder)])
    assert result.exit_code == 0, result.output
    assert "盖章扫描件，对应单位：市林业局" in result.output


def test_future_week_is_refused(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(main, ["init", str(root)])
    result = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", "2099-01-01"])
    assert result.exit_code == 2 and "尚未到来" in result.output
    assert not list((root / "outbox").glob("2099-*"))


@pytest.mark.parametrize(("line", "key"), [("late_days = -1", "late_days"), ('warn_days = "30天"', "warn_days")])
def test_day_counts_in_the_config_are_checked(tmp_path, line, key):
    """late_days = -1 was taken as it stood (every return after the deadline then answered the next week), and
    warn_days = "30天" ended in a bare ValueError: both are said in Chinese, naming the key."""
    from lyreport.config import ConfigError, load_config

    bundled = (Path(lyreport.__file__).parent / "data" / "配置.toml").read_text(encoding="utf-8")
    path = tmp_path / "配置.toml"
    path.write_text(re.sub(f"(?m)^{key} = .*$", line, bundled), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{key} 应为 0～\\d+ 的整数"):
        load_config(path)
