"""The pages of one scanned form, told apart: a page scanned twice (read once, or the later copy when they
differ), and a page the printed footer ("第 1 页，共 2 页") counts that is not in the scan."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

from ... import lazyre
from ...models import MasterList, SourceFile
from ...problems import Problem, problem
from ..normalize import header_label, read_status
from ..normalize import measure_no as nz_measure_no
from .mark import identity_of
from .ocr import TextBox
from .table import build_grid

_DATE = lazyre.compile(r"(20\d\d)\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")
# "报送周：2021年1月7日": the week as the template prints it (footer and heading); OCR may drop the colon.
_WEEK_LINE = lazyre.compile(r"报送周\s*[:：]?\s*(20\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
# "第 1 页，共 2 页": the printed form's footer (LibreOffice and the drawn form alike); OCR may drop the comma.
_FOOTER = lazyre.compile(r"第\s*(\d{1,2})\s*页\s*[，,、.。;；]?\s*共\s*(\d{1,2})\s*页")


@dataclasses.dataclass
class PagePrint:
    """What tells one scanned page from another: its footer's page number, its QR code and its table rows."""

    footer: tuple[int, int] | None  # (page, of pages) as printed
    mark: str  # the lyreport QR text, "" without one
    rows: list[tuple[int | None, str | None, str]]  # (序号, status, rest of the row's text) per table row
    dates: frozenset[tuple[int, int, int]] = frozenset()  # every date written on it (填报日期 above all)
    week: date | None = None  # the week its printed 报送周 names (footer, first page's heading; printed_week)

    @property
    def nos(self) -> list[int]:
        return [no for no, _, _ in self.rows if no is not None]


def _line_texts(boxes: list[TextBox], key: str) -> Iterator[str]:
    """The text of each box holding `key`, then of the whole printed line it stands on (OCR may cut a line)."""
    for box in boxes:
        if key not in box.text:
            continue
        line = [b for b in boxes if abs(b.cy - box.cy) < max(box.height, 1.0) * 0.6]
        yield unicodedata.normalize("NFKC", box.text)
        yield unicodedata.normalize("NFKC", "".join(b.text for b in sorted(line, key=lambda b: b.x0)))


def page_footer(boxes: list[TextBox]) -> tuple[int, int] | None:
    """(page, of pages) from a page's "第 N 页，共 M 页", when read and plausible."""
    for text in _line_texts(boxes, "页"):
        match = _FOOTER.search(text)
        if match:
            number, count = int(match[1]), int(match[2])
            if 1 <= number <= count:
                return number, count
    return None


def printed_week(boxes: list[TextBox], weekday: int) -> date | None:
    """The week a page's printed "报送周：2021年1月7日" names (the template prints it in every page's footer and
    in the first page's heading), when read and a real day. It is a deadline day: one on another weekday (ISO
    `weekday`) is a misread digit, and rounding it to a deadline would hide that, so it counts as unread."""
    for text in _line_texts(boxes, "报送"):
        match = _WEEK_LINE.search(text)
        if match:
            with contextlib.suppress(ValueError):
                day = date(int(match[1]), int(match[2]), int(match[3]))
                return day if day.isoweekday() == weekday else None
    return None


def print_of(boxes: list[TextBox], page: dict[str, Any], weekday: int) -> PagePrint:
    marks = [t for t in page.get("marks", []) or [] if identity_of([t])]
    grid = build_grid([boxes]) if boxes else None
    rows: list[tuple[int | None, str | None, str]] = []
    if grid is not None and grid.columns:
        keys = [header_label(label) for label in grid.columns]
        for place, row in zip(grid.places, grid.sheet.rows, strict=True):
            if not place.ordinal:
                continue
            cells = dict(zip(keys, row, strict=False))
            status = read_status(cells.get("status"))[0] if cells.get("status") else None
            rest = "".join(str(v) for k, v in zip(keys, row, strict=False) if v and k not in ("no", "status"))
            rows.append((nz_measure_no(cells.get("no")), status, rest))
    dates = frozenset(
        (int(y), int(m), int(d)) for b in boxes for y, m, d in _DATE.findall(unicodedata.normalize("NFKC", b.text))
    )
    return PagePrint(page_footer(boxes), marks[0] if marks else "", rows, dates, printed_week(boxes, weekday))


def _same_rows(a: PagePrint, b: PagePrint) -> list[int] | None:
    """None when the two pages hold different measures; else the measures whose status or text differ."""
    if not a.nos or a.nos != b.nos or len(a.rows) != len(b.rows):
        return None
    differ = []
    for (no, status, rest), (_, other_status, other_rest) in zip(a.rows, b.rows, strict=True):
        alike = difflib.SequenceMatcher(None, rest, other_rest, autojunk=False).ratio() >= 0.8
        if no is not None and (status != other_status or not alike):
            differ.append(no)
    return differ


def drop_copies(file: SourceFile, numbers: list[int], prints: list[PagePrint]) -> tuple[list[int], list[Problem]]:
    """Indexes of the pages to read, and what was said of pages scanned twice.

    A page is a copy of an earlier one when its footer names the same page of the form (or neither footer was
    read), its QR code and the dates written on it are the same, and it holds the same measures with the same
    statuses and about the same text: it is read once (scan-page-duplicate). When footers agree and the
    measures are the same but what is written differs, the later copy is read and the measures that differ are
    named (scan-page-copies-differ). Anything else is left to the parser (table-several and the like).
    """
    kept: list[int] = []
    notes: list[Problem] = []
    for index, this in enumerate(prints):
        twin = None
        for position, earlier in enumerate(kept):
            other = prints[earlier]
            if this.footer != other.footer or this.mark != other.mark or this.dates != other.dates:
                continue
            differ = _same_rows(other, this)
            if differ is None or (differ and this.footer is None):
                continue
            twin = position, earlier, differ
            break
        if twin is None:
            kept.append(index)
            continue
        position, earlier, differ = twin
        where = f"第{numbers[index]}页"
        if not differ:
            notes.append(
                problem(
                    "scan-page-duplicate", file=file.display, cell=where, page=numbers[index], other=numbers[earlier]
                )
            )
            continue
        kept[position] = index
        notes.append(
            problem(
                "scan-page-copies-differ", file=file.display, cell=where, page=numbers[index],
                other=numbers[earlier], printed=this.footer[0] if this.footer else "",
                nos="、".join(map(str, differ)),
            )
        )  # fmt: skip
    return sorted(kept), notes


def missing_pages(
    file: SourceFile, unit: str | None, prints: list[PagePrint], read: set[int], master: MasterList
) -> list[Problem]:
    """A page the footers count ("共 3 页") that is not in the scan, with the measures it would hold."""
    footers = [p.footer for p in prints]
    counts = {f[1] for f in footers if f}
    if len(counts) != 1:
        return []
    count = counts.pop()
    present = {f[0] for f in footers if f}
    if len(prints) >= count or (None in footers and len(present) + footers.count(None) >= count):
        return []
    order = [m.no for m in master.measures_of(unit)] if unit else []
    out = []
    if None in footers:  # some page's number was not read: how many are missing is known, not which
        out.append(
            problem("scan-page-missing", file=file.display, unit=unit or "", missing=f" {count - len(prints)} 页",
                    total=count, holds="")
        )  # fmt: skip
        return out
    missing = [k for k in range(1, count + 1) if k not in present]
    runs: list[list[int]] = []
    for k in missing:
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    by_page = {p.footer[0]: p.nos for p in prints if p.footer}
    for run in runs:
        before = [no for k in range(1, run[0]) for no in by_page.get(k, []) if no in order]
        after = [no for k in range(run[-1] + 1, count + 1) for no in by_page.get(k, []) if no in order]
        start = max((order.index(no) for no in before), default=-1) + 1
        end = min((order.index(no) for no in after), default=len(order))
        nos = [no for no in order[start:end] if no not in read]
        holds = f"，该页所列的第 {'、'.join(map(str, nos))} 条措施未能读取" if nos else ""
        pages = "、".join(map(str, run))
        out.append(
            problem("scan-page-missing", file=file.display, unit=unit or "", missing=f"第 {pages} 页", total=count,
                    holds=holds)
        )  # fmt: skip
    return out
