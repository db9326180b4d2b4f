"""催报名单 (.docx + .txt) and the .eml mail draft, read back as staff and Outlook would."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy

from docx import Document
from openpyxl import Workbook
from sample_week import DEADLINE, make_week

from lyreport.config import Recipient
from lyreport.render.notices import render_mail, render_reminders


def table_rows(path) -> dict[str, list[str]]:
    table = Document(str(path)).tables[0]
    return {r.cells[1].text: [c.text for c in r.cells] for r in table.rows[1:]}


# ----------------------------------------------------------------- 催报名单
def test_reminders_list_units_to_chase_with_phone(tmp_path):
    result, config, directory = make_week(tmp_path)
    target = render_reminders(result, config, directory, tmp_path / "out" / "催报名单.docx")
    rows = table_rows(target)
    # missing first, late after them, last the on-time unit whose scan the 通报 asks for
    assert list(rows) == ["市体育局", "市林业局", "市金融工作局", "市交通运输局", "市应急管理局"]
    assert rows["市应急管理局"][5] == "已按时报送，未报盖章扫描件" and rows["市应急管理局"][4] == "—"
    sport = rows["市体育局"]
    assert sport[2] == "体科长" and sport[3] == "0379-63221234"  # not in the return: taken from 单位名录
    assert sport[4] == "第25条" and sport[5] == "未报送" and sport[6] == "3"
    assert rows["市交通运输局"][5] == "已迟报（1月7日 15:20收到）"
    assert rows["市交通运输局"][3] == "13837900007"  # the phone the unit wrote in its return wins
    assert rows["市金融工作局"][5] == "报送有误：第7条措施未填写完成状态"
    assert "市发改委" not in rows


def test_reminder_text_sibling_for_pasting(tmp_path):
    result, config, directory = make_week(tmp_path)
    target = render_reminders(result, config, directory, tmp_path / "催报名单.docx")
    text = target.with_suffix(".txt").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "措施落实情况催报名单"
    sport = next(line for line in lines if "市体育局" in line)
    assert "0379-63221234" in sport and "应报第25条" in sport and "已连续3周未按时报送" in sport
    late = next(line for line in lines if "市交通运输局" in line)
    assert "已迟报（1月7日 15:20收到）" in late and "应报" not in late
    assert "\r\n" in target.with_suffix(".txt").read_bytes().decode("utf-8-sig")  # Notepad-friendly line ends
    docx_text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert lines[2] in docx_text  # the same intro in both


def test_no_reminders_when_everyone_reported(tmp_path):
    result, config, directory = make_week(tmp_path)
    for unit in result.units:
        unit.state, unit.scan_received = "on_time", True  # and every signed scan in
    target = render_reminders(result, config, directory, tmp_path / "催报名单.docx")
    assert "无需催报" in "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "无需催报" in target.with_suffix(".txt").read_text(encoding="utf-8-sig")
    assert not Document(str(target)).tables


# ----------------------------------------------------------------- mail draft
def attachments_for(tmp_path):
    summary = tmp_path / "洛阳济源同城一体深度融合措施落实情况督导通报（第2期）.docx"
    summary.write_bytes(b"PK\x03\x04 docx bytes \x00\xff" * 50)
    ledger = tmp_path / "工作台账.xlsx"
    workbook = Workbook()
    workbook.active["A1"] = "单位"
    workbook.save(ledger)
    return [summary, ledger]


def read_eml(path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def test_mail_draft_headers_in_chinese(tmp_path):
    result, config, _ = make_week(tmp_path)
    eml = read_eml(render_mail(result, config, attachments_for(tmp_path), tmp_path / "邮件草稿.eml"))
    assert eml["X-Unsent"] == "1"
    assert eml["Subject"] == "洛阳济源同城一体深度融合措施落实情况督导通报（第2期，2021年1月7日）"
    to = eml["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == [
        ("洛阳市副中心城市建设工作领导小组办公室", "lyfzxcscdz@163.com"),
        ("市发改委", "lysfgwesk@126.com"),
    ]
    assert eml["From"].addresses[0].addr_spec == "lyfzxcscdz@163.com"
    assert email.utils.parsedate_to_datetime(eml["Date"]) == DEADLINE
    body = eml.get_body(preferencelist=("plain",)).get_content()
    assert "2021年1月7日" in body and config.office_name in body


def test_mail_attachments_intact_with_chinese_names(tmp_path):
    result, config, _ = make_week(tmp_path)
    files = attachments_for(tmp_path)
    target = render_mail(result, config, files, tmp_path / "邮件草稿.eml")
    raw = target.read_bytes()
    assert b"filename*" in raw  # RFC 2231, not raw UTF-8 in the header
    raw.decode("ascii")  # every header and part is 7-bit clean
    parts = {p.get_filename(): p for p in read_eml(target).iter_attachments()}
    assert set(parts) == {f.name for f in files}
    for f in files:
        assert parts[f.name].get_content() == f.read_bytes()
    assert (
        parts["工作台账.xlsx"].get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert parts[files[0].name].get_content_type() == docx_type


def test_mail_draft_is_deterministic_and_tolerant(tmp_path):
    result, config, _ = make_week(tmp_path)
    files = attachments_for(tmp_path)
    first = render_mail(result, config, files, tmp_path / "a.eml").read_bytes()
    assert render_mail(result, config, files, tmp_path / "b.eml").read_bytes() == first
    config.recipients.append(Recipient("某单位", "不是邮箱"))
    config.mail["sender"] = ""
    eml = read_eml(render_mail(result, config, [*files, tmp_path / "不存在.xlsx"], tmp_path / "c.eml"))
    assert len(eml["To"].addresses) == 2
    assert eml["From"].addresses[0].addr_spec == config.office_email
    assert len(list(eml.iter_attachments())) == 2
    assert isinstance(email.utils.parsedate_to_datetime(eml["Date"]), datetime)
