"""Cell normalisation: measure numbers, statuses, dates, phones, text and header labels as units write them."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from lyreport.intake import normalize as nz

# ----------------------------------------------------------------- measure numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        (1.0, 1),
        ("1", 1),
        ("1.", 1),
        ("1、", 1),
        ("第1条", 1),
        ("（一）1", 1),
        ("(一)1", 1),
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("三十三", 33),
        ("第三十三条", 33),
        (" 12 ", 12),
        ("１２", 12),  # full-width digits
        ("1.0", 1),
        ("(3)", 3),
        ("第 21 条", 21),
    ],
)
def test_measure_no_accepts_the_usual_forms(value: object, expected: int) -> None:
    assert nz.measure_no(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "x",
        "序号",
        "一、产业转型升级",
        "（一）",
        0,
        -3,
        1.5,
        "1.5",
        True,
        "十十",
        "第条",
        date(2021, 1, 1),
    ],
)
def test_measure_no_rejects_junk(value: object) -> None:
    assert nz.measure_no(value) is None


# ----------------------------------------------------------------- statuses


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("已完成", "已完成"),
        ("完成", "已完成"),
        ("已完成√", "已完成"),
        ("已办结", "已完成"),
        ("办结", "已完成"),
        ("已落实", "已完成"),
        ("✓完成", "已完成"),
        ("已 完 成", "已完成"),
        ("推进中", "正常推进"),
        ("进行中", "正常推进"),
        ("正在推进", "正常推进"),
        ("按计划推进", "正常推进"),
        ("正常", "正常推进"),
        ("正常推进 ✓", "正常推进"),
        ("滞后", "进度滞后"),
        ("进度滞后", "进度滞后"),
        ("延期", "进度滞后"),
        ("未按期", "进度滞后"),
        ("进度滞后（受疫情影响）", "进度滞后"),
        ("未启动", "尚未启动"),
        ("尚未开始", "尚未启动"),
        ("未开始", "尚未启动"),
        ("尚未启动", "尚未启动"),
    ],
)
def test_status_maps_variants(value: str, expected: str) -> None:
    assert nz.status(value) == expected


@pytest.mark.parametrize("value", [None, "", "未完成", "差不多", "好", 1, "完成了一半"])
def test_status_unknown_is_none_never_a_default(value: object) -> None:
    assert nz.status(value) is None


# ----------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2021, 6, 30, 15, 30), date(2021, 6, 30)),
        (date(2021, 6, 30), date(2021, 6, 30)),
        (44377, date(2021, 6, 30)),  # Excel serial
        (44377.0, date(2021, 6, 30)),
        ("2021-6-30", date(2021, 6, 30)),
        ("2021-06-30 00:00:00", date(2021, 6, 30)),
        ("2021/6/30", date(2021, 6, 30)),
        ("2021.6.30", date(2021, 6, 30)),
        ("2021年6月30日", date(2021, 6, 30)),
        ("２０２１年６月３０日", date(2021, 6, 30)),
        ("2021年6月底", date(2021, 6, 30)),
        ("2021年6月末", date(2021, 6, 30)),
        ("2021年2月", date(2021, 2, 28)),
        ("2021年6月底前", date(2021, 6, 30)),
        ("2021年上半年", date(2021, 6, 30)),
        ("2021年底", date(2021, 12, 31)),
        ("2021年年底", date(2021, 12, 31)),
        ("2021年第三季度", date(2021, 9, 30)),
        ("20210630", date(2021, 6, 30)),
    ],
)
def test_parse_date_absolute(value: object, expected: date) -> None:
    assert nz.parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("年底前", date(2021, 12, 31)),
        ("年底", date(2021, 12, 31)),
        ("6月底", date(2021, 6, 30)),
        ("9月30日前", date(2021, 9, 30)),
        ("上半年", date(2021, 6, 30)),
    ],
)
def test_parse_date_relative_to_base_year(value: str, expected: date) -> None:
    assert nz.parse_date(value, base_year=2021) == expected


def test_parse_date_base_year_defaults_to_today() -> None:
    assert nz.parse_date("年底前", today=date(2023, 3, 1)) == date(2023, 12, 31)
    assert nz.parse_date("年底", base_year=2022, today=date(2023, 3, 1)) == date(2022, 12, 31)


@pytest.mark.parametrize("value", [None, "", "长期", "持续推进", "2021-13-01", "2021-2-30", "2021年13月", 5, 1e9, True])
def test_parse_date_invalid(value: object) -> None:
    assert nz.parse_date(value, base_year=2021) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2021, 1, 6), date(2021, 1, 6)),
        (44202, date(2021, 1, 6)),
        ("2021-01-13", date(2021, 1, 13)),  # a year written: kept as written, the merge judges it
        ("1月6日", date(2021, 1, 6)),
        ("12月30日", date(2020, 12, 30)),  # no year, and this year's would postdate the arrival
        ("十二月三十日", date(2020, 12, 30)),
        ("2021年1月", None),  # a month names no day
        ("1月", None),
        ("6月底", None),
        ("年底", None),
        ("第一季度", None),
    ],
)
def test_parse_day_names_one_day_not_after_arrival(value: object, expected: date | None) -> None:
    assert nz.parse_day(value, base_year=2021, not_after=date(2021, 1, 7)) == expected


def test_parse_date_still_reads_months_for_deadlines() -> None:
    # 预计完成时间 and node dates keep reading "2021年1月" as the month's end.
    assert nz.parse_date("2021年1月") == date(2021, 1, 31)
    assert nz.parse_date("12月30日", base_year=2021) == date(2021, 12, 30)


# ----------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13800000000", "13800000000"),
        (13800000000.0, "13800000000"),
        (13800000000, "13800000000"),
        ("138 0000 0000", "13800000000"),
        ("138-0000-0000", "13800000000"),
        ("+86 138 0000 0000", "13800000000"),
        ("0379-63926916", "0379-63926916"),
        ("037963926916", "0379-63926916"),
        ("(0379)63926916", "0379-63926916"),
        ("63926916", "0379-63926916"),
        ("0379-63926916转123", "0379-63926916转123"),
        ("0379-63926916/13800000000", "0379-63926916、13800000000"),
        ("无、13800000000", "无、13800000000"),
        ("手机：13900001111", "13900001111"),
        ("座机：63926916 手机：13900001111", "0379-63926916、13900001111"),  # was invalid: digits run together
        ("63926916 13900001111", "0379-63926916、13900001111"),
    ],
)
def test_phone_valid(value: object, expected: str) -> None:
    assert nz.phone(value) == (expected, True)


@pytest.mark.parametrize("value", ["6392691", "12345678901", "无", "0379-6392", "1380000000"])
def test_phone_invalid(value: str) -> None:
    text, valid = nz.phone(value)
    assert not valid
    assert text == value


def test_phone_empty() -> None:
    assert nz.phone(None) == ("", False)
    assert nz.phone("  ") == ("", False)


# ----------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("  推进  顺利 ", "推进 顺利"),
        ("第一行\r\n  第二行  \n\n\n第三行\n", "第一行\n第二行\n\n第三行"),
        ("\u3000全角\u3000空格\u3000", "全角 空格"),
        (12.0, "12"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (7, "7"),
        (date(2021, 6, 30), "2021-06-30"),
        (datetime(2021, 6, 30), "2021-06-30"),
        ('=HYPERLINK("http://x","点我")', '=HYPERLINK("http://x","点我")'),
    ],
)
def test_text(value: object, expected: str) -> None:
    assert nz.text(value) == expected


# ----------------------------------------------------------------- header labels


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("序号", "no"),
        ("序 号", "no"),
        ("编号", "no"),
        ("条目", "no"),
        ("措施内容", "text"),
        ("措施", "text"),
        ("工作任务", "text"),
        ("重点工作", "text"),
        ("责任类型", "role"),
        ("牵头或配合", "role"),
        ("牵头/配合", "role"),
        ("角色", "role"),
        ("完成状态", "status"),
        ("状态", "status"),
        ("进展状态", "status"),
        ("完成情况", "status"),
        ("本周进展", "progress"),
        ("进展情况", "progress"),
        ("工作进展", "progress"),
        ("本周工作进展", "progress"),
        ("落实情况", "progress"),
        ("存在问题", "issues"),
        ("存在的问题", "issues"),
        ("困难问题", "issues"),
        ("问题", "issues"),
        ("下一步计划", "next_steps"),
        ("下步打算", "next_steps"),
        ("下一步工作", "next_steps"),
        ("下一步工作计划", "next_steps"),
        ("预计完成时间", "expected"),
        ("计划完成时间", "expected"),
        ("完成时限", "expected"),
        ("备注", "remark"),
        ("完成状态（必填）", "status"),
        ("本周\n进展", "progress"),
        ("本周进展\n（500字以内）", "progress"),
        ("预计完成时间：", "expected"),
        ("＊完成状态", "status"),
        ("下一步\r\n工作计划", "next_steps"),
        ("No.", "no"),  # self-made forms (layout fuzzer): refused as having no table before
        ("落实状态", "status"),
        ("推进状况", "status"),
        ("完成状况", "status"),  # weak, as 完成情况
    ],
)
def test_header_label(value: str, expected: str) -> None:
    assert nz.header_label(value) == expected


@pytest.mark.parametrize("value", [None, 3, "", "责任单位", "填报单位", "洛阳济源同城一体深度融合三十三条落实情况报表"])
def test_header_label_other_cells(value: object) -> None:
    assert nz.header_label(value) is None


def test_weak_label() -> None:
    assert nz.is_weak_label("完成情况")
    assert not nz.is_weak_label("完成状态")


# ----------------------------------------------------------------- statuses written as sentences (status_words.py)
@pytest.mark.parametrize(
    ("value", "expected", "interpreted"),
    [
        # a lag or a not-done anywhere wins over an earlier "done / in progress"
        ("推进中，部分工作滞后", "进度滞后", True),
        ("正常推进（部分路段进度滞后）", "进度滞后", True),
        ("已启动，进度滞后", "进度滞后", True),
        ("已完成，但个别点位推进缓慢、有所延误", "进度滞后", True),
        ("推进缓慢", "进度滞后", True),
        ("正在办理", "正常推进", True),
        ("已签约", None, False),  # an achievement, not a status: the unit must say
        # not moving, overdue or behind schedule is a lag, however said (never 正常推进 for its 推进)
        ("未推进", "进度滞后", True),
        ("没有推进", "进度滞后", True),
        ("尚未推进", "进度滞后", True),
        ("不再推进", None, False),  # given up or not needed: none of the four, the unit must say
        ("不再实施", None, False),
        ("无需推进", None, False),
        ("已完成，免费通行，停止收费", "正常推进", True),  # 停止 of something else is no lag
        ("已完成并投入使用", "已完成", True),
        ("停止推进", "进度滞后", True),
        ("无法推进", "进度滞后", True),
        ("推进困难", "进度滞后", True),
        ("推进受阻", "进度滞后", True),
        ("无进展", "进度滞后", True),
        ("因疫情停工", "进度滞后", True),
        ("尚未复工", "进度滞后", True),
        ("逾期未完成", "进度滞后", True),
        ("逾期", "进度滞后", True),
        ("正在推进，已逾期", "进度滞后", True),
        ("推进中（逾期）", "进度滞后", True),
        ("不正常", "进度滞后", True),
        ("未正常推进", "进度滞后", True),
        ("推进较慢", "进度滞后", True),
        ("推进不力", "进度滞后", True),
        ("正在推进，但进度不理想", "进度滞后", True),
        ("低于序时进度", "进度滞后", True),
        ("按计划推进，但尚未达到序时进度", "进度滞后", True),
        ("未按计划推进", "进度滞后", True),
        ("没有按期完成", "进度滞后", True),
        ("未能如期完成", "进度滞后", True),
        ("逾期完成", None, False),  # done late, or late yet to come: the unit must say
        ("正常推进，本周无新进展", "正常推进", True),  # nothing new this week is no lag
        # a lag in other words (were 正常推进 for their 推进, or unreadable): statusfuzz round
        ("推进迟缓", "进度滞后", True),
        ("资金未到位，推进迟缓", "进度滞后", True),
        ("推進遲緩", "进度滞后", True),
        ("推进迟滞", "进度滞后", True),
        ("进度延迟", "进度滞后", True),
        ("延迟开工", "进度滞后", True),
        ("推进中，工期延后", "进度滞后", True),
        ("工期顺延", "进度滞后", True),
        ("进度拖后", "进度滞后", True),
        ("推进放缓", "进度滞后", True),
        ("推进中，目前停摆", "进度滞后", True),
        ("施工中断", "进度滞后", True),
        ("推进很慢", "进度滞后", True),
        ("进度慢", "进度滞后", True),
        ("推进乏力", "进度滞后", True),
        ("推进中但进度跟不上", "进度滞后", True),
        ("正常推进，但未达预期", "进度滞后", True),
        ("进度低于预期", "进度滞后", True),
        ("推进中，进度不及预期", "进度滞后", True),
        ("推进中，未按节点推进", "进度滞后", True),
        ("推进中，节点已过", "进度滞后", True),
        ("正常推进，无延迟", "正常推进", True),  # negated: no lag
        ("推进中，未中断", "正常推进", True),
        ("正常推进，符合预期", "正常推进", True),
        ("没启动", "尚未启动", True),  # was 正常推进 for its 启动
        ("还没开工", "尚未启动", True),
        ("已复工", "正常推进", True),
        # traditional characters read as simplified, always as an interpretation
        ("進度滯後", "进度滞后", True),
        ("正常推進，部分路段滯後", "进度滞后", True),
        ("尚未啟動", "尚未启动", True),
        ("已辦結", "已完成", True),
        ("已完成，待驗收", "正常推进", True),
        # negated lags are not lags
        ("正常推进，无逾期风险", "正常推进", True),
        ("正常推进，未停工", "正常推进", True),
        ("正常推进，未滞后", "正常推进", True),
        ("推进中，无滞后现象", "正常推进", True),
        ("推进中，未发现滞后", "正常推进", True),
        ("有序推进，避免延期", "正常推进", True),
        # "done" with a reservation is not done; done and confirmed stays done
        ("已完成；某段尚未开工", "正常推进", True),
        ("已完成（部分）", "正常推进", True),
        ("基本完成", "正常推进", True),
        ("已基本完成", "正常推进", True),
        ("已完成前期工作", "正常推进", True),
        ("已完成，待验收", "正常推进", True),
        ("已完成90%", "正常推进", True),
        ("已完成（已销号）", "已完成", True),
        ("已完成，已验收", "已完成", True),
        ("已全部完成（已销号）", "已完成", True),
        ("已按期完成", "已完成", True),
        ("已提前完成", "已完成", True),  # done ahead of time is done
        ("A.已完成", "已完成", True),  # a drop-down list's option with its label (was 正常推进, a "reserved" done)
        ("1、已完成", "已完成", True),
        ("（2）正常推进", "正常推进", True),
        ("E.已完成", "正常推进", True),  # not an option label: the done is qualified by something unknown
        ("已超额完成", "已完成", True),
        ("已完成（提前）", "已完成", True),
        ("已提前完成，待验收", "正常推进", True),
        # a remark that does not contradict the status word leaves it exact
        ("正常推进（已完成80%）", "正常推进", True),
        ("进度滞后（受疫情影响）", "进度滞后", True),
        # started / not started
        ("未完成，正在推进", "正常推进", True),
        ("尚未开工（待省里批复）", "尚未启动", True),
        ("尚未开工（正在办理手续）", "正常推进", True),  # preparatory work under way
        ("尚未开工，前期手续推进中", "正常推进", True),
        ("尚未启动，计划二季度启动", "尚未启动", True),  # a start planned for later (was 正常推进)
        ("未启动（计划3月启动）", "尚未启动", True),
        ("尚未启动，预计下月开工建设", "尚未启动", True),
        ("暂未开展，拟于3月实施", "尚未启动", True),
        ("尚未开工（计划3月开工，正在办理手续）", "正常推进", True),  # preparatory work under way all the same
        ("尚未启动，按计划推进前期工作", "正常推进", True),
        ("尚未开工，准备工作正在推进", "正常推进", True),  # work going on, no start planned (review finding)
        ("尚未开工，前期准备工作有序推进", "正常推进", True),
        ("尚未开工，力争前期工作加快推进", "正常推进", True),
        ("尚未开工，争取手续办理完成后尽快推进", "正常推进", True),
        # unreadable: several statuses would fit, the unit must say
        ("未完成", None, False),
        ("尚未完成", None, False),
        ("正在研究", None, False),
        ("同上", None, False),
        ("按期完成", None, False),
        ("提前完成", None, False),  # without 已: a plan as much as a result
        ("已完成/正常推进", None, False),  # a prompt's options, none chosen (was 正常推进)
        ("完成/未完成", None, False),
        ("计划提前完成", None, False),
        ("完成了一半", None, False),
        # crossed out, unticked, questioned or struck through: never done, never greener than no status
        ("已完成？", None, False),
        ("已完成(?)", None, False),
        ("☐已完成", None, False),
        ("完成☐", None, False),
        ("□已完成", None, False),
        ("☒已完成", None, False),  # Word's ticked box, or a crossed one: the unit must say
        ("已完成×", None, False),
        ("已完成 ×", None, False),
        ("已完成（×）", None, False),
        ("完成:×", None, False),
        ("❌已完成", None, False),
        ("✗已完成", None, False),
        ("已完成 x", None, False),
        ("已完成(x)", None, False),
        ("已完成ｘ", None, False),
        ("~~已完成~~", None, False),
        ("～已完成～", None, False),
        ("已\u0336完\u0336成\u0336", None, False),  # strike-through typed over the characters
        ("推进中？", None, False),
        ("尚未启动?", None, False),
        ("已完成★", None, False),  # a mark nobody knows the meaning of: not done
        # a table border's stroke beside a scanned cell's text doubts nothing (the reading is still said)
        ("已完成|", "已完成", True),
        ("｜已完成", "已完成", True),
        # a question about something else, in a longer sentence, leaves the status; beside a done it does not
        ("正常推进，资金何时到位？", "正常推进", True),
        ("推进中，资金何时到位？", "正常推进", True),
        # a lag stays a lag whatever the mark: that is already the least favourable reading
        ("进度滞后？", "进度滞后", True),
        ("滞后×", "进度滞后", True),
        # ticks confirm; arithmetic and invisible characters are no marks
        ("✓ 已完成", "已完成", False),
        ("√已完成", "已完成", False),
        ("☑已完成", "已完成", False),
        # a printed list of choices: the one ticked, else unreadable (never the least favourable word)
        ("□已完成 ☑正常推进 □进度滞后", "正常推进", True),
        ("已完成□ 正常推进√ 进度滞后□", "正常推进", True),
        ("□已完成 □正常推进 □进度滞后", None, False),
        ("口已完成口正常推进口进度滞后", None, False),  # OCR reads a printed box, ticked or not, as 口
        ("☑已完成 ☑正常推进", None, False),
        ("✔\ufe0f已完成", "已完成", False),
        ("已完成（√）", "已完成", True),
        ("已完成\u200b", "已完成", False),
        ("正常推进★", "正常推进", True),
        ("已完成1~3期工作", "正常推进", True),
        ("已完成2×3公里", "正常推进", True),
    ],
)
def test_status_sentences(value: str, expected: str | None, interpreted: bool) -> None:
    assert nz.read_status(value) == (expected, interpreted)


@pytest.mark.parametrize(
    ("value", "mark"),
    [
        ("已完成？", "？"),
        ("☐已完成", "☐"),
        ("已完成 ×", "×"),
        ("～～已完成～～", "～"),
        ("已完成★", "★"),
        ("差不多", None),
    ],
)
def test_status_mark_is_quoted_as_written(value: str, mark: str | None) -> None:
    assert nz.status_mark(value) == mark


@pytest.mark.parametrize(
    ("value", "choices"),
    [
        ("□已完成 □正常推进 □进度滞后", True),
        ("☑已完成 □正常推进", False),
        ("正常推进，部分工作滞后", False),
        ("☐已完成", False),
        ("已完成/正常推进/进度滞后/尚未启动", True),  # the prompt left as it was: none chosen
        ("完成/未完成", True),
        ("已完成或正常推进", True),
        ("已完成、正常推进", False),  # parts done, parts under way: a sentence (read as 正常推进, said)
    ],
)
def test_status_choices_without_one_tick(value: str, choices: bool) -> None:
    assert nz.status_choices(value) is choices


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-1-1 10:30", date(2021, 1, 1)),  # was the 11th: the hour ran into the day once spaces went
        ("2021-1-2 15:00:00", date(2021, 1, 2)),
        ("2021/1/1 9:05", date(2021, 1, 1)),
        ("2021-01-01T10:30:00", date(2021, 1, 1)),
        ("2021年1月1日 10:30", date(2021, 1, 1)),
        ("2021年1月1日10:30", date(2021, 1, 1)),  # 日 ends the day
        ("1月1日 10:30", date(2021, 1, 1)),
        ("2021-1-110:30", None),  # the 1st or the 11th: not guessed (said as date-invalid)
    ],
)
def test_a_time_of_day_typed_after_the_date_never_changes_the_day(value: str, expected: date | None) -> None:
    assert nz.parse_day(value, base_year=2021, not_after=date(2021, 1, 7)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021年元月6日", date(2021, 1, 6)),  # 元月 is January: was date-invalid
        ("元月6日", date(2021, 1, 6)),
        ("21年1月6日", date(2021, 1, 6)),
        ("2021年1月6日上午", date(2021, 1, 6)),
        ("2021年1月6日下午3点", date(2021, 1, 6)),
        ("1月6日上午10:30", date(2021, 1, 6)),
        ("2021—1—6", date(2021, 1, 6)),  # a dash for the hyphen
        ("99年1月6日", None),  # not this century's: not guessed
        ("2021年元月", None),  # a month names no day
    ],
)
def test_dates_as_written_by_hand_are_read(value: str, expected: date | None) -> None:
    assert nz.parse_day(value, base_year=2021, not_after=date(2021, 1, 7)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021年1月6日（星期三）", date(2021, 1, 6)),  # was unreadable (date-invalid)
        ("2021-1-6 周三", date(2021, 1, 6)),
        ("2021.1.6(礼拜三)", date(2021, 1, 6)),
        ("2021年1月3日（星期天）", date(2021, 1, 3)),
        ("12月30日（周三）", date(2020, 12, 30)),  # no year: the year before arrival whose 12-30 is a Wednesday
        ("1月6日(星期四)", None),  # 2021-01-06 is a Wednesday: was read as the 6th, the weekday unchecked
        ("2021年1月6日（星期四）", None),  # the day and the weekday disagree: which is meant is not guessed
    ],
)
def test_a_weekday_typed_after_the_date_is_checked_not_read_as_part_of_it(value: str, expected: date | None) -> None:
    assert nz.parse_day(value, base_year=2021, not_after=date(2021, 1, 7)) == expected
