"""The Word summary (督导情况通报), laid out after GB/T 9704-2012; the words come from summary_text."""

from __future__ import annotations

import math
from pathlib import Path

from docx.enum.section import WD_SECTION
from docx.shared import Pt

from ..config import Config
from ..models import HistoryView, WeekResult
from ..weeks import cn_date
from . import docx_format as fmt
from . import docx_tables as tables
from .summary_text import H1, H2, TREND_SPAN, Block, body_blocks, measure_row, unit_row
from .trend_data import week_trends
from .wording import say, summary_word

TABLE1_WIDTHS = [12, 72, 42, 24, 14, 75]  # mm, landscape type area is 239 mm wide
TABLE1_ALIGNS = [fmt.CENTER, fmt.JUSTIFY, fmt.LEFT, fmt.CENTER, fmt.CENTER, fmt.JUSTIFY]
TABLE2_WIDTHS = [46, 40, 34, 24, 36, 22, 37]
TABLE2_ALIGNS = [fmt.LEFT] + [fmt.CENTER] * 6
LIGHT_FILLS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}
GRID_CHARS = 28  # characters per body line
RECORD_RULES_PT = 8  # room the 版记's rules and their spacing take beyond its lines


def render_summary(result: WeekResult, config: Config, target: Path, history: HistoryView | None = None) -> Path:
    """Write the 督导情况通报 for the week to `target` (.docx), atomically and deterministically."""
    trends = week_trends(result, history, TREND_SPAN) if history is not None else []
    document = fmt.new_document()
    section = document.sections[0]
    fmt.setup_page(section)
    fmt.page_number_footers(document, section)
    _masthead(document, result, config)
    _body(document, body_blocks(result, config, trends))
    _attachment_note(document, config)
    _signature(document, result, config)
    _attachments(document, result, config)
    _record(document, result, config)
    title = _title_text(config) + say(config, "period_format", period=result.period)
    fmt.set_core_properties(document, title, config.office_name, result.deadline)
    return fmt.save_docx(document, target, result.deadline)


def _title_text(config: Config) -> str:
    return "".join(str(summary_word(config, "title")).split())


def _title_lines(config: Config) -> list[str]:
    """The configured line split of the title, if it still matches the title; else the title as one line."""
    title = _title_text(config)
    lines = summary_word(config, "title_lines")
    if isinstance(lines, list) and lines and "".join(str(x).strip() for x in lines) == title:
        return [str(x).strip() for x in lines]
    return [title]


# ----------------------------------------------------------------- 版头
def _masthead(document, result: WeekResult, config: Config) -> None:
    lines = _title_lines(config)
    title = fmt.add_text(
        document, lines[0], font=fmt.XIAOBIAOSONG, size=fmt.TITLE_PT, align=fmt.CENTER, indent=False, line=35
    )
    for line in lines[1:]:
        fmt.add_break_run(title, line, fmt.XIAOBIAOSONG, fmt.TITLE_PT)
    fmt.add_text(
        document, say(config, "period_format", period=result.period), font=fmt.KAITI, align=fmt.CENTER, indent=False
    )
    number = say(config, "doc_number", year=result.week.year, period=result.period)
    if number.strip():
        fmt.add_text(document, number, align=fmt.CENTER, indent=False)
    issuer = fmt.add_text(document, f"{config.office_name}\t{cn_date(result.week)}", align=fmt.LEFT, indent=False)
    fmt.right_tab(issuer, fmt.TYPE_WIDTH_MM)
    fmt.border(issuer, "bottom", width_pt=1.5, color="FF0000")
    fmt.add_text(document, "", indent=False)
    addressee = say(config, "addressee")
    if addressee.strip():
        fmt.add_text(document, addressee, indent=False)
    opening = say(
        config,
        "opening",
        week_cn=cn_date(result.week),
        unit_count=len(result.units),
        measure_count=len(result.measures),
        list_title=result.list_title,
    )
    fmt.add_text(document, opening)


# ----------------------------------------------------------------- 正文
def _body(document, blocks: list[Block]) -> None:
    for block in blocks:
        if block.kind == H1:
            fmt.add_text(document, block.text, font=fmt.HEITI, outline=0, keep_next=True)
        elif block.kind == H2:
            fmt.add_text(document, block.text, font=fmt.KAITI, outline=1, keep_next=True)
        else:
            fmt.add_text(document, block.text)


def _attachment_note(document, config: Config) -> None:
    """附件：1.措施进展一览表 / 2.各单位报送情况表, the second name aligned under the first."""
    fmt.add_text(document, "", indent=False)
    label = say(config, "attachments_label")
    names = [say(config, "attachment1_title"), say(config, "attachment2_title")]
    fmt.add_text(document, f"{label}1.{names[0]}", align=fmt.LEFT)
    second = fmt.add_text(document, f"2.{names[1]}", align=fmt.LEFT, indent=False)
    fmt.side_indents(second, left_chars=2 + _width_chars(label))


def _width_chars(text: str) -> float:
    """Width in full-width characters: ASCII letters and digits take half a character."""
    return sum(0.5 if ord(ch) < 128 else 1 for ch in text)


def _signature(document, result: WeekResult, config: Config) -> None:
    """Unsealed-document rule: signature 右空二字, date one line below starting two characters further right."""
    signature = say(config, "signature") or config.office_name
    date_text = cn_date(result.week)
    fmt.add_text(document, "", indent=False)
    sign = fmt.add_text(document, signature, align=fmt.RIGHT, indent=False)
    fmt.side_indents(sign, right_chars=2)
    right = max(2.0, 2 + _width_chars(signature) - 2 - _width_chars(date_text))
    if _width_chars(signature) + 2 > GRID_CHARS:
        right = 2.0
    dated = fmt.add_text(document, date_text, align=fmt.RIGHT, indent=False)
    fmt.side_indents(dated, right_chars=right)


def _record(document, result: WeekResult, config: Config) -> None:
    """版记: 抄送 and 印发 lines between rules, in 4号 仿宋."""
    cc = say(config, "cc").strip()
    printed = say(config, "printed", date_cn=cn_date(result.week)).strip()
    if not cc and not printed:
        return
    # GB/T 9704-2012: 附件 come before the 版记, which sits at the foot of the last page (an even page, 封四).
    section = document.add_section(WD_SECTION.EVEN_PAGE)
    fmt.setup_page(section)
    # Lines the 版记 takes: 4号 characters between one-character side indents; a long 抄送 list wraps.
    per_line = int(fmt.TYPE_WIDTH_MM / 25.4 * 72 / fmt.SMALL_PT) - 2
    texts = [cc] if cc else []
    texts += [f"{config.office_name}  {printed}"] if printed else []
    count = sum(math.ceil(_width_chars(text) / per_line) for text in texts)
    count = min(count, fmt.LINES_PER_PAGE - 1)
    # An empty paragraph as tall as the lines above the 版记 (less its rules' few points), in Word and LibreOffice
    # alike (LibreOffice ignores a section's vertical alignment).
    fmt.add_text(document, "", indent=False, line=(fmt.LINES_PER_PAGE - count) * fmt.LINE_PT - RECORD_RULES_PT)
    lines = []
    if cc:
        lines.append(fmt.add_text(document, cc, size=fmt.SMALL_PT, align=fmt.LEFT, indent=False))
    if printed:
        line = fmt.add_text(
            document, f"{config.office_name}\t{printed}", size=fmt.SMALL_PT, align=fmt.LEFT, indent=False
        )
        fmt.right_tab(line, fmt.TYPE_WIDTH_MM - 5)
        lines.append(line)
    for line in lines:
        fmt.side_indents(line, left_chars=1, right_chars=1, size=fmt.SMALL_PT)
    fmt.border(lines[0], "top", width_pt=1)
    for line in lines[:-1]:
        fmt.border(line, "bottom", width_pt=0.75)
    fmt.border(lines[-1], "bottom", width_pt=1)


# ----------------------------------------------------------------- 附件
def _attachments(document, result: WeekResult, config: Config) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    fmt.setup_page(section, landscape=True)
    _attachment_heading(document, config, 1, "attachment1_title", first=True)
    rule = fmt.add_text(
        document, say(config, "light_rule", warn_days=config.warn_days), size=12, line=None, keep_next=True
    )
    rule.paragraph_format.space_after = Pt(6)
    headers = [str(h) for h in summary_word(config, "table1_headers")]
    table = tables.add_table(document, headers, TABLE1_WIDTHS)
    rows = tables.add_rows(table, [measure_row(m, config) for m in result.measures], TABLE1_WIDTHS, TABLE1_ALIGNS)
    for m, row in zip(result.measures, rows, strict=True):
        fill = LIGHT_FILLS.get(m.light)
        if fill:
            tables.shade(row.cells[4], fill)
    _attachment_heading(document, config, 2, "attachment2_title", first=False)
    headers = [str(h) for h in summary_word(config, "table2_headers")]
    table = tables.add_table(document, headers, TABLE2_WIDTHS, size=12)
    tables.add_rows(table, [unit_row(unit, config) for unit in result.units], TABLE2_WIDTHS, TABLE2_ALIGNS, size=12)


def _attachment_heading(document, config: Config, n: int, title_key: str, first: bool) -> None:
    """“附件1” in 黑体 at the top left, then the attachment title centred in 小标宋."""
    label = fmt.add_text(
        document, say(config, "attachment_label", n=n), font=fmt.HEITI, align=fmt.LEFT, indent=False, keep_next=True
    )
    if not first:
        fmt.page_break_before(label)
    title = fmt.add_text(
        document,
        say(config, title_key),
        font=fmt.XIAOBIAOSONG,
        size=fmt.TITLE_PT,
        align=fmt.CENTER,
        indent=False,
        line=35,
        keep_next=True,
    )
    title.paragraph_format.space_after = Pt(6)
