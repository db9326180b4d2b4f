"""python-docx helpers for GB/T 9704-2012 style documents (党政机关公文格式).

python-docx only sets the Latin font of a run; Chinese text takes the w:eastAsia font, so every run made here
sets all four rFonts slots explicitly. Layout numbers (A4, margins, 3号 仿宋 on a 28.9 pt grid) follow the standard.
"""

from __future__ import annotations

import io
import zipfile
from copy import deepcopy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from ..atomic import atomic_write_bytes, stamped_entry
from ..textsafe import document_text

FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"

TITLE_PT = 22  # 2号
BODY_PT = 16  # 3号
SMALL_PT = 14  # 4号, page numbers and 版记
TABLE_PT = 10.5  # 5号
LINE_PT = 28.9  # 22 lines in the 225 mm type area
LINES_PER_PAGE = 22
TYPE_WIDTH_MM = 156  # 210 - 28 - 26

CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

# Schema order of w:pPr children: Word rejects files whose children are out of order.
_PPR_ORDER = [
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
]


def insert_ordered(parent: Any, child: Any, order: list[str] | tuple[str, ...]) -> Any:
    """Replace or insert `child` in `parent` at its schema position."""
    tag = child.tag
    for old in parent.findall(tag):
        parent.remove(old)
    names = [qn(n) for n in order]
    successors = set(names[names.index(tag) + 1 :]) if tag in names else set()
    follower = next((el for el in parent if el.tag in successors), None)
    if follower is None:
        parent.append(child)
    else:
        follower.addprevious(child)
    return child


def element(tag: str, **attrs: str) -> Any:
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


# ----------------------------------------------------------------- fonts
def set_fonts(rpr_owner: Any, east_asia: str, latin: str = LATIN) -> None:
    """Set ascii/hAnsi/cs and eastAsia fonts on an element that can hold w:rPr (run, style, docDefaults)."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)  # a theme attribute would override the explicit font
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(slot), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def style_run(run: Run, east_asia: str, size: float, bold: bool = False, latin: str = LATIN, color: str = "") -> Run:
    set_fonts(run._r, east_asia, latin)
    run.font.size = Pt(size)
    run.font.bold = bold or None
    if color:
        run.font.color.rgb = _rgb(color)
    return run


def _rgb(hex_color: str) -> Any:
    from docx.shared import RGBColor

    return RGBColor.from_string(hex_color)


# ----------------------------------------------------------------- document setup
_blanks: list[Any] = []  # python-docx's template opened ahead (render/forked.py), used once each


def open_blanks(count: int) -> None:
    """Open python-docx's blank template `count` times now, for the next new_document() calls."""
    _blanks.extend(Document() for _ in range(count))


def new_document() -> Any:
    """A blank document whose defaults are 3号 仿宋_GB2312 on an exact 28.9 pt line, Chinese language."""
    document = _blanks.pop() if _blanks else Document()
    styles = document.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    rfonts.attrib.clear()  # drop the theme fonts, which would win over explicit ones
    rfonts.set(qn("w:ascii"), LATIN)
    rfonts.set(qn("w:hAnsi"), LATIN)
    rfonts.set(qn("w:cs"), LATIN)
    rfonts.set(qn("w:eastAsia"), FANGSONG)
    for tag in ("w:sz", "w:szCs"):
        size = rpr.find(qn(tag))
        if size is not None:
            size.set(qn("w:val"), str(BODY_PT * 2))  # the character grid is measured from the default size
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "zh-CN")
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    set_fonts(normal.element, FANGSONG)
    normal.font.size = Pt(BODY_PT)
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    _drop_thumbnail(document)
    return document


def _drop_thumbnail(document: Any) -> None:
    """python-docx's template carries a stock thumbnail; Explorer would show it instead of our content."""
    package = document.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rid)


def setup_page(section: Section, landscape: bool = False) -> None:
    """A4 with GB/T 9704 margins (portrait) or a roomy landscape page for wide tables."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(28), Mm(26)
        section.left_margin, section.right_margin = Mm(30), Mm(28)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(25 if not landscape else 14)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = element("w:docGrid")
        insert_ordered(section._sectPr, grid, ("w:docGrid", "w:printerSettings", "w:sectPrChange"))
    if landscape:
        grid.attrib.clear()
        grid.set(qn("w:type"), "default")
        grid.set(qn("w:linePitch"), "312")
    else:
        # 22 lines of 28.9 pt. No character grid: LibreOffice and WPS spread characters far apart under one.
        grid.attrib.clear()
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(round(LINE_PT * 20)))


def set_core_properties(document: Any, title: str, author: str, when: datetime) -> None:
    """Title/author and fixed timestamps so that re-running the same week gives the same file."""
    props = document.core_properties
    stamp = when.astimezone(UTC).replace(tzinfo=None)
    props.title = title
    props.author = author
    props.last_modified_by = author
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.revision = 1
    props.comments = ""
    props.keywords = ""
    props.subject = ""


# ----------------------------------------------------------------- paragraphs
def add_text(container: Any, text: str = "", **style: Any) -> Paragraph:
    """Add a paragraph with one styled run; `style` takes styled_paragraph's keywords (font, size, bold, align,
    indent — the 2-character first-line indent —, line, outline, keep_next, latin, color)."""
    p = styled_paragraph(text, **style)
    placed = container.add_paragraph()  # where the container puts a new paragraph (before a w:sectPr)
    placed._p.getparent().replace(placed._p, p)
    return Paragraph(p, placed._parent)


def styled_paragraph(
    text: str,
    *,
    font: str = FANGSONG,
    size: float = BODY_PT,
    bold: bool = False,
    align: Any = JUSTIFY,
    indent: bool = True,
    line: float | None = LINE_PT,
    outline: int | None = None,
    keep_next: bool = False,
    latin: str = LATIN,
    color: str = "",
) -> Any:
    """A detached w:p as add_text formats it, holding `text` in one run (none when empty).

    Each is a copy of a prototype built once per style by `_prototype` (the only definition of the
    formatting), with its own text: the same XML, without python-docx's per-property element lookups
    for every paragraph (a third of the 通报's time)."""
    text = document_text(text)  # a unit's text may hold controls Word cannot store
    style = (font, size, bold, align, indent, line, outline, keep_next, latin, color, bool(text))
    prototype = _PROTOTYPES.get(style)
    if prototype is None:
        prototype = _PROTOTYPES[style] = _prototype(*style)
    p = deepcopy(prototype)
    if text:
        put_text(p.find(qn("w:r")), text)
    return p


_PROTOTYPES: dict[tuple[Any, ...], Any] = {}  # styled_paragraph's prototypes by style: a few dozen at most


def _prototype(
    font: str,
    size: float,
    bold: bool,
    align: Any,
    indent: bool,
    line: float | None,
    outline: int | None,
    keep_next: bool,
    latin: str,
    color: str,
    with_run: bool,
) -> Any:
    """A detached paragraph formatted by python-docx, its run (if any) holding the placeholder text "X"."""
    paragraph = Paragraph(OxmlElement("w:p"), None)
    format_paragraph(paragraph, align=align, indent_chars=2 if indent else 0, size=size, line=line)
    if outline is not None:
        insert_ordered(paragraph._p.get_or_add_pPr(), element("w:outlineLvl", val=str(outline)), _PPR_ORDER)
    if keep_next:
        paragraph.paragraph_format.keep_with_next = True
    if with_run:
        style_run(paragraph.add_run("X"), font, size, bold, latin, color)
    return paragraph._p


def put_text(run: Any, text: str) -> None:
    """Replace the placeholder of a prototype's run (w:rPr, then w:t "X") with `text`: the XML python-docx's
    run.text setter writes (tabs and line breaks as their own elements), plain text set directly."""
    if "\t" in text or "\r" in text or "\n" in text:
        run.text = text
        return
    t = run.find(qn("w:t"))
    t.text = text
    if len(text.strip()) < len(text):
        t.set(qn("xml:space"), "preserve")


def format_paragraph(
    paragraph: Paragraph,
    *,
    align: Any = JUSTIFY,
    indent_chars: int = 0,
    size: float = BODY_PT,
    line: float | None = LINE_PT,
) -> None:
    """Alignment, first-line indent in characters, and exact line spacing (or single when line is None)."""
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if line is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        insert_ordered(paragraph._p.get_or_add_pPr(), element("w:snapToGrid", val="0"), _PPR_ORDER)
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
        if line != LINE_PT:  # off-grid spacing (titles) must not snap to the 28.9 pt document grid
            insert_ordered(paragraph._p.get_or_add_pPr(), element("w:snapToGrid", val="0"), _PPR_ORDER)
    fmt.first_line_indent = Pt(size * indent_chars) if indent_chars else Pt(0)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    # Character-based indent survives font-size changes in Word/WPS; the twips value is for other readers.
    ind.set(qn("w:firstLineChars"), str(indent_chars * 100))


def side_indents(paragraph: Paragraph, left_chars: float = 0, right_chars: float = 0, size: float = BODY_PT) -> None:
    fmt = paragraph.paragraph_format
    fmt.left_indent = Pt(size * left_chars)
    fmt.right_indent = Pt(size * right_chars)


def add_break_run(paragraph: Paragraph, text: str, font: str, size: float, bold: bool = False) -> None:
    """Continue a paragraph on a new line (a line break, not a new paragraph)."""
    run = paragraph.add_run()
    run.add_break()
    style_run(run, font, size, bold)
    style_run(paragraph.add_run(document_text(text)), font, size, bold)


def right_tab(paragraph: Paragraph, position_mm: float) -> None:
    paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(position_mm), WD_TAB_ALIGNMENT.RIGHT)


def border(paragraph: Paragraph, side: str, width_pt: float = 0.75, color: str = "000000") -> None:
    """A rule above/below a paragraph: the red line under the masthead, the lines of 版记."""
    ppr = paragraph._p.get_or_add_pPr()
    pbdr = ppr.find(qn("w:pBdr"))
    if pbdr is None:
        pbdr = insert_ordered(ppr, element("w:pBdr"), _PPR_ORDER)
    rule = element(f"w:{side}", val="single", sz=str(round(width_pt * 8)), space="1", color=color)
    insert_ordered(pbdr, rule, ("w:top", "w:left", "w:bottom", "w:right", "w:between", "w:bar"))


def page_break_before(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.page_break_before = True


# ----------------------------------------------------------------- page numbers
def page_number_footers(document: Any, section: Section) -> None:
    """“— 1 —” in 4号 宋体: odd pages at the right, even pages at the left, one character in from the edge."""
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, RIGHT), (section.even_page_footer, LEFT)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        format_paragraph(paragraph, align=align, size=SMALL_PT, line=None)
        side_indents(paragraph, *((0, 1) if align == RIGHT else (1, 0)), size=SMALL_PT)
        _song(paragraph.add_run("— "))
        _page_field(paragraph)
        _song(paragraph.add_run(" —"))


def _song(run: Run) -> Run:
    return style_run(run, SONGTI, SMALL_PT, latin=SONGTI)


def _page_field(paragraph: Paragraph) -> None:
    def fld(kind: str) -> None:
        _song(paragraph.add_run())._r.append(element("w:fldChar", fldCharType=kind))

    fld("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    _song(paragraph.add_run())._r.append(instr)
    fld("separate")
    _song(paragraph.add_run("1"))
    fld("end")


# ----------------------------------------------------------------- saving
def save_docx(document: Any, target: Path, when: datetime) -> Path:
    """Save atomically with every zip entry stamped `when`, so the same input gives byte-identical output.

    The same bytes as `document.save()` followed by restamp_zip(), written once: python-docx's own
    package writer is given a zip that stamps each entry as it is written, instead of a zip that is
    inflated and deflated again afterwards.
    """
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        writer = _StampedWriter(archive, when)
        PackageWriter._write_content_types_stream(writer, package.parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, package.parts)
    atomic_write_bytes(target, buffer.getvalue())
    return target


class _StampedWriter:
    """python-docx's physical package writer interface, over a zip whose entries carry one date."""

    def __init__(self, archive: zipfile.ZipFile, when: datetime):
        self.archive, self.when = archive, when

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.archive.writestr(stamped_entry(pack_uri.membername, self.when), blob)
