"""The Word summary (督导情况通报): content read back with python-docx, GB/T 9704 layout, LibreOffice opens it."""

from __future__ import annotations

import dataclasses
import re
import shutil

import pytest
from docx import Document
from docx.enum.section import WD_SECTION
from docx.oxml.ns import qn
from docx.shared import Mm
from office import convert, needs_soffice
from sample_week import DEADLINE, make_week

from lyreport.models import WeekResult
from lyreport.render.summary import render_summary

HEADINGS = ["一、总体情况", "二、各领域进展", "三、存在问题", "四、报送情况", "五、下一步工作"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("summary")
    result, config, _ = make_week(tmp)
    target = render_summary(result, config, tmp / "outbox" / "督导情况通报.docx")
    return result, config, target, Document(str(target))


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def section_text(document, heading: str) -> str:
    """All paragraph text from `heading` up to the next 一、-style heading."""
    paras = texts(document)
    start = paras.index(heading)
    following = [i for i, t in enumerate(paras) if t in HEADINGS and i > start]
    end = following[0] if following else len(paras)
    return "\n".join(paras[start + 1 : end])


def east_asia(run) -> str | None:
    fonts = run._r.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_writes_atomically_to_target(rendered):
    _, _, target, _ = rendered
    assert target.is_file()
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".~tmp-")]


def test_title_period_and_date(rendered):
    _, _, _, document = rendered
    head = "\n".join(texts(document)[:6])
    assert "洛阳济源同城一体深度融合" in head and "措施落实情况督导通报" in head
    assert "（第2期）" in head
    assert "洛副中心办〔2021〕2号" in head
    assert "2021年1月7日" in head


def test_five_sections_in_order(rendered):
    _, _, _, document = rendered
    paras = texts(document)
    positions = [paras.index(h) for h in HEADINGS]
    assert positions == sorted(positions)


def test_overview_states_the_figures(rendered):
    _, _, _, document = rendered
    text = section_text(document, "一、总体情况")
    assert (
        "本期应报送单位15个，按时报送11个，迟报1个（市交通运输局），未报送2个（市体育局、市林业局），报送有误1个（市金融工作局）"
        in text
    )
    assert "33条措施中，已完成3条，正常推进22条，进度滞后3条，尚未启动3条" in text
    assert "超过节点日期仍未完成的措施4条（第8、10、11、12条）" in text
    assert "亮红灯5条、黄灯3条、绿灯25条" in text
    assert "新完成1条（第3条）" in text
    assert "0个" not in text and "（）" not in text


def test_progress_by_category_quotes_returns(rendered):
    _, _, _, document = rendered
    text = section_text(document, "二、各领域进展")
    assert "（一）产业项目共建" in text and "（六）突发事件共防" in text
    assert "第3条“支持济源清水源环保产品在洛阳农村环境治理……”已完成" in text
    assert "由“正常推进”转为“进度滞后”" in text
    assert "市发改委（第1条）：" in text
    assert "本周无新的进展" not in text  # returns that say nothing are not quoted
    assert "其余措施进展情况详见附件1。" in text


def test_issues_name_nodes_units_and_reported_problems(rendered):
    _, _, _, document = rendered
    text = section_text(document, "三、存在问题")
    overdue = next(line for line in text.splitlines() if "第10条" in line)
    assert "节点日期2020年12月31日" in overdue and "市交通运输局" in overdue and "受征地拆迁影响" in overdue
    lagging = next(line for line in text.splitlines() if "第23条" in line)
    assert "市教育局" in lagging and "合作协议尚未签订" in lagging
    assert "“十四五”" not in text  # nested quotes become ‘…’ inside “…”


def test_reporting_calls_out_late_missing_repeat_and_scans(rendered):
    _, _, _, document = rendered
    text = section_text(document, "四、报送情况")
    assert "市交通运输局（1月7日 15:20收到）" in text
    assert "未报送单位2个：市体育局、市林业局" in text
    assert "市体育局已连续3周未按时报送" in text
    assert "市林业局已连续" not in text
    assert "未报送盖章扫描件的单位1个：市应急管理局" in text
    assert "市金融工作局（第7条措施未填写完成状态）" in text


def test_next_steps_come_from_config(rendered):
    _, config, _, document = rendered
    text = section_text(document, "五、下一步工作")
    for step in config.summary["next_steps"]:
        assert step in text


def test_attachment1_one_row_per_measure(rendered):
    result, _, _, document = rendered
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "措施内容", "责任单位", "完成状态", "亮灯", "本周进展"]
    assert len(table.rows) == len(result.measures) + 1 == 34
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["10"][3].startswith("进度滞后") and "已逾期" in rows["10"][3] and rows["10"][4] == "红灯"
    assert rows["3"][3] == "已完成" and rows["3"][4] == "绿灯"
    assert rows["25"][3] == "暂无报送" and "市体育局（本周未报）" in rows["25"][2] and rows["25"][4] == "黄灯"
    assert rows["1"][2] == "市发改委（牵头）\n市工信局"
    header = table.rows[0]._tr.trPr
    assert header.find(qn("w:tblHeader")) is not None


def test_no_table_row_is_split_across_pages(rendered):
    """GB/T 9704 tables: a row that does not fit at the foot of a page moves whole to the next one."""
    _, _, _, document = rendered
    for table in document.tables:
        for row in table.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None


def test_light_rule_explained_with_warn_days(rendered):
    _, _, _, document = rendered
    rule = next(t for t in texts(document) if t.startswith("亮灯规则"))
    assert "30日内" in rule and "红灯" in rule and "绿灯" in rule


def test_attachment2_one_row_per_unit(rendered):
    result, _, _, document = rendered
    table = document.tables[1]
    assert [c.text for c in table.rows[0].cells] == [
        "单位",
        "报送状态",
        "收到时间",
        "联系人",
        "联系电话",
        "扫描件",
        "连续未按时周数",
    ]
    assert len(table.rows) == len(result.units) + 1 == 16
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["市体育局"][1] == "未报送" and rows["市体育局"][6] == "3" and rows["市体育局"][5] == "未收到"
    assert rows["市交通运输局"][1] == "迟报" and rows["市交通运输局"][2] == "1月7日 15:20"
    assert rows["市应急管理局"][5] == "未收到"
    assert rows["市发改委"][1] == "按时报送" and rows["市发改委"][5] == "已收到" and rows["市发改委"][6] == "—"


def test_a4_with_official_margins_and_landscape_attachments(rendered):
    _, _, _, document = rendered
    body = document.sections[0]
    assert abs(body.page_width - Mm(210)) < Mm(0.5) and abs(body.page_height - Mm(297)) < Mm(0.5)
    for actual, expected in (
        (body.top_margin, 37),
        (body.bottom_margin, 35),
        (body.left_margin, 28),
        (body.right_margin, 26),
    ):
        assert abs(actual - Mm(expected)) < Mm(0.5)
    attachments = document.sections[1]
    assert attachments.page_width > attachments.page_height


def test_east_asian_fonts_on_every_run(rendered):
    _, _, _, document = rendered
    paras = {p.text: p for p in document.paragraphs}
    for heading in HEADINGS:
        assert {east_asia(r) for r in paras[heading].runs} == {"黑体"}
    assert {east_asia(r) for r in paras["（一）产业项目共建"].runs} == {"楷体_GB2312"}
    body = next(p for p in document.paragraphs if p.text.startswith("本期应报送单位"))
    assert {east_asia(r) for r in body.runs} == {"仿宋_GB2312"}
    assert body.runs[0].font.size.pt == 16
    assert body.paragraph_format.line_spacing.pt == pytest.approx(28.9, abs=0.1)
    assert body.paragraph_format.first_line_indent.pt == pytest.approx(32)
    title = document.paragraphs[0]
    assert east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    assert all(east_asia(r) for p in document.paragraphs for r in p.runs)


def test_page_numbers_odd_right_even_left(rendered):
    _, _, _, document = rendered
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for footer in (odd, even):
        assert "PAGE" in footer._p.xml and footer.text.startswith("— ") and footer.text.endswith(" —")
        assert {east_asia(r) for r in footer.runs} == {"宋体"}
    assert odd.alignment == 2 and even.alignment == 0  # RIGHT, LEFT


def test_core_properties_fixed_to_deadline(rendered):
    result, config, _, document = rendered
    props = document.core_properties
    assert props.author == config.office_name
    assert "督导通报" in props.title
    assert props.created == DEADLINE  # 2021-01-07 04:00 UTC
    assert props.modified == props.created


def test_same_week_renders_byte_identical(rendered, tmp_path):
    result, config, target, _ = rendered
    again = render_summary(result, config, tmp_path / "again.docx")
    assert again.read_bytes() == target.read_bytes()


def test_nothing_to_report_reads_naturally(tmp_path):
    result, config, _ = make_week(tmp_path)
    for unit in result.units:
        unit.state, unit.scan_received, unit.scan_stamped, unit.consecutive_missed = "on_time", True, True, 0
    for m in result.measures:
        m.overdue, m.status, m.changes, m.light = False, "正常推进", [], "green"
    document = Document(str(render_summary(result, config, tmp_path / "quiet.docx")))
    overview = section_text(document, "一、总体情况")
    assert "本期应报送单位15个，均已按时报送。" in overview
    assert "暂无超过节点日期仍未完成的措施" in overview and "各措施完成状态无变化" in overview
    assert "0个" not in overview and "0条" not in overview and "（）" not in overview
    assert section_text(document, "三、存在问题") == "本期未发现逾期未完成或进度滞后的措施。"
    assert section_text(document, "四、报送情况") == "本期各单位均按时报送了电子版及盖章扫描件。"


def test_wording_is_taken_from_config(tmp_path):
    result, config, _ = make_week(tmp_path)
    config.summary["heading_overview"] = "一、本周总体情况"
    config.summary["units_due"] = "本周应报{count}家，{oops"  # a broken template must not crash the run
    del config.summary["heading_issues"]  # an old workspace config lacks newer keys: bundled default applies
    document = Document(str(render_summary(result, config, tmp_path / "custom.docx")))
    paras = texts(document)
    assert "一、本周总体情况" in paras and "三、存在问题" in paras
    assert any("{oops" in p for p in paras)


LONG_CC = (
    "抄送："
    + "，".join(f"市{name}" for name in ["委办公室", "人大常委会办公室", "政府办公室", "政协办公室"] * 3)
    + "。"
)


@needs_soffice
@pytest.mark.parametrize("cc", [None, LONG_CC], ids=["one-line", "wrapped-cc"])
def test_libreoffice_converts_it(rendered, tmp_path, cc):
    result, config, target, _ = rendered
    source = tmp_path / "summary.docx"
    if cc:  # a 抄送 list staff made long wraps: the 版记 still ends on the last line of the last page
        config = dataclasses.replace(config, summary={**config.summary, "cc": cc})
        target = render_summary(result, config, tmp_path / "long-cc.docx")
    shutil.copy(target, source)
    convert(source, "pdf", tmp_path)
    pdf = (tmp_path / "summary.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert 2 <= pages <= 30
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(tmp_path / "summary.pdf")
    last = document[len(document) - 1]
    text = last.get_textpage()
    hit = text.search("印发").get_next()
    assert hit is not None, "版记 is on the last page"
    start, _ = hit
    bottom = text.get_charbox(start)[1]
    # The 版记's last line is the last line of the type area (35 mm bottom margin, 28.9 pt lines).
    assert Mm(35).pt < bottom < Mm(35).pt + 28.9
    assert len(document) % 2 == 0, "封四: the 版记 page is an even page"


def test_the_record_follows_the_attachments_at_the_foot_of_an_even_page(rendered):
    """GB/T 9704-2012: 附件 are bound before the 版记; the 版记 closes the document on the last (even) page."""
    _, _, _, document = rendered
    body = document.element.body
    order = [el for el in body.iterchildren() if el.tag in (qn("w:p"), qn("w:tbl"))]
    last_table = max(i for i, el in enumerate(order) if el.tag == qn("w:tbl"))
    record = [i for i, el in enumerate(order) if "".join(el.itertext()).startswith("抄送")]
    assert record and record[0] > last_table
    section = document.sections[-1]
    assert section.start_type == WD_SECTION.EVEN_PAGE and section.page_height > section.page_width
    assert [p.text for p in document.paragraphs][-2:] == [
        "抄送：市发改委。",
        "洛阳市副中心城市建设工作领导小组办公室\t2021年1月7日印发",
    ]


def test_empty_week_still_renders(tmp_path):
    _, config, _ = make_week(tmp_path)
    empty = WeekResult("x", "空清单", DEADLINE, 3, [], [], [])
    paras = texts(Document(str(render_summary(empty, config, tmp_path / "empty.docx"))))
    assert paras[paras.index("二、各领域进展") + 1] == "本周无新进展。"
    assert "因缺少上期记录，暂无法与上期对比。" in paras  # period 3 without history is not the first issue
    assert not any("0个" in p or "（）" in p for p in paras)


def test_completed_and_closed_read_as_one_figure(tmp_path):
    result, config, _ = make_week(tmp_path)
    for m in result.measures:
        m.closed = m.status == "已完成"  # as merge does: 已完成 means 销号
    document = Document(str(render_summary(result, config, tmp_path / "closed.docx")))
    overview = section_text(document, "一、总体情况")
    assert "33条措施中，已完成并销号3条，正常推进22条" in overview
    assert "已销号" not in overview.replace("已完成并销号", "")


def test_a_field_nobody_reported_on_is_not_said_to_have_no_progress(tmp_path):
    """“本周无新进展” says what units reported; when no unit of a field sent anything, nobody knows."""
    result, config, _ = make_week(tmp_path)
    silent = {m.measure.category for m in result.measures if m.measure.category == result.measures[0].measure.category}
    for m in result.measures:
        if m.measure.category in silent:
            m.reports = dict.fromkeys(m.reports)  # no unit of this field sent anything this week
            m.changes = []
        else:
            for report in m.reports.values():
                if report is not None:
                    report.progress = "本周无新进展。"
            m.changes = []
    document = Document(str(render_summary(result, config, tmp_path / "silent.docx")))
    progress = section_text(document, "二、各领域进展").split("\n")
    first = progress.index("（一）产业项目共建")
    assert progress[first + 1] == "本领域各措施的责任单位本周均未报送，进展情况无从掌握。"
    assert progress[first + 3] == "本周无新进展。"  # the next field: units reported, with nothing new


def test_statuses_carried_from_last_week_are_said_to_be(rendered, tmp_path):
    """“正常推进33条” in a week nobody reported reads as this week's news; the carried statuses are named."""
    _, _, _, document = rendered
    overview = section_text(document, "一、总体情况")
    assert "其中1条措施本周无责任单位报送，完成状态沿用上期。" in overview  # 第7条: 市金融工作局's return unusable
    result, config, _ = make_week(tmp_path)
    for m in result.measures:
        for report in m.reports.values():
            if report is not None:
                report.carried = True
    text = section_text(Document(str(render_summary(result, config, tmp_path / "s.docx"))), "一、总体情况")
    assert "33条措施中，已完成3条，正常推进22条，进度滞后3条，尚未启动3条，尚无责任单位报送情况的2条。" in text
    assert "其中31条措施本周无责任单位报送，完成状态沿用上期。" in text
