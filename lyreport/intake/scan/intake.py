"""Parent side of scan reading: cache, isolated workers, grid → parse.py, problems located by page and row
(the pages of one form are told apart in pages.py)."""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from ...atomic import atomic_write_text
from ...models import MasterList, Scan, SourceFile, WorkbookData
from ...problems import CATALOGUE, Problem, problem
from ...unitnames import UnitDirectory
from ...weeks import week_day_of
from .. import normalize as nz
from ..normalize import header_label, label_key
from ..normalize import measure_no as nz_measure_no
from ..parse import NO_ROWS_REASON, parse_workbook
from ..pool import Failure, isolated_map
from ..rowmeasure import measure_by_text
from .edges import EDGE_NAMES, cut_edges, cut_pages, forms_on, side_by_side
from .mark import identity_of
from .ocr import TextBox
from .pages import drop_copies, missing_pages, print_of, printed_week
from .papernotes import bare_done, doubled, low_confidence, relocate
from .reader import READER_VERSION, scan_path
from .table import GUESSED, ScanGrid, build_grid

SCAN_TIMEOUT = 150.0  # seconds per file, hard (the worker is killed); reader.FILE_BUDGET stops OCR earlier
# Address space, not resident memory: onnxruntime's threads each reserve a malloc arena (64 MB of virtual
# space), so the ceiling is set well above the ~400-600 MB a worker actually touches while reading a page.
SCAN_MEMORY_MB = 2560
SCAN_WORKERS = (
    1  # onnxruntime already uses both cores; a second worker was slower (29.7 s vs 22.3 s for 15) and doubled memory
)

OnScan = Callable[[int], None]


def read_scans(
    files: list[SourceFile],
    master: MasterList,
    directory: UnitDirectory,
    *,
    deadline_weekday: int = 4,
    workers: int = SCAN_WORKERS,
    cache: Path | None = None,
    on_scan: OnScan | None = None,
) -> list[Scan]:
    """Every scan read (from the cache when its bytes were read before); never raises for bad files."""
    answers: list[Any] = [_cached(cache, f) for f in files]
    todo = [i for i, a in enumerate(answers) if a is None]
    done = len(files) - len(todo)
    if on_scan:
        on_scan(done)

    def settle(position: int, answer: Any) -> None:
        nonlocal done
        index = todo[position]
        answers[index] = answer
        if _lasting(answer):
            _store(cache, files[index], answer)
        done += 1
        if on_scan:
            on_scan(done)

    paths = [str(files[i].path) for i in todo]
    try:
        if workers <= 0:
            raise OSError("in-process reading requested")
        isolated_map(
            scan_path, paths, workers=min(workers, SCAN_WORKERS), timeout=SCAN_TIMEOUT,
            memory_mb=SCAN_MEMORY_MB, on_result=settle,
        )  # fmt: skip
    except OSError:
        for position, path in enumerate(paths):
            if answers[todo[position]] is None:
                settle(position, scan_path(path))
    return [
        scan
        for f, a in zip(files, answers, strict=False)
        for scan in interpret(f, a, master, directory, deadline_weekday)
    ]


# ----------------------------------------------------------------- cache
def _cache_file(cache: Path, file: SourceFile) -> Path:
    return cache / f"{file.sha256}-v{READER_VERSION}.json"


def _lasting(answer: Any) -> bool:
    """Only what the file's bytes decide is cached; a crash, a timeout or an engine error may not recur."""
    return isinstance(answer, tuple) and bool(answer) and answer[0] in ("ok", "refused") and answer[1] != "read-crashed"


def _cached(cache: Path | None, file: SourceFile) -> Any:
    if cache is None or not file.sha256:
        return None
    try:
        return json.loads(_cache_file(cache, file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _store(cache: Path | None, file: SourceFile, answer: Any) -> None:
    if cache is None or not file.sha256:
        return
    try:
        cache.mkdir(parents=True, exist_ok=True)
        atomic_write_text(_cache_file(cache, file), json.dumps(answer, ensure_ascii=False))
    except (OSError, TypeError, ValueError):
        pass  # a cache that cannot be written only costs the next run its time


# ----------------------------------------------------------------- answer → Scan
def interpret(
    file: SourceFile, answer: Any, master: MasterList, directory: UnitDirectory, deadline_weekday: int = 4
) -> list[Scan]:
    """A worker's answer (or its failure) as Scans with their return, seal finding and problems: one, or one
    per unit when the file holds several units' forms (pages whose QR codes name different units)."""
    fallback = _attribute(file, directory)
    if isinstance(answer, Failure):
        reason = "读取超时" if answer.kind == "timeout" else (answer.reason or "读取进程异常退出")
        return [_unreadable(file, fallback, reason)]
    if not isinstance(answer, (list, tuple)) or not answer or answer[0] != "ok":
        code, fields = (answer[1], answer[2]) if isinstance(answer, (list, tuple)) and len(answer) >= 3 else ("", {})
        return [_unreadable(file, fallback, _refusal_reason(code, fields))]
    _, total, pages = answer
    heads = _written_heads(file, pages, directory, deadline_weekday) if len(pages) > 1 else None
    groups = _unit_groups(pages, heads)
    scans = []
    for index, (page_unit, _, numbers) in enumerate(groups):
        last = index == len(groups) - 1  # pages left unread follow the last page read
        whose = (page_unit or fallback) if len(groups) > 1 else fallback  # the file name cannot say whose part
        scans.append(_interpret_pages(file, total, pages, numbers, last, whose, master, directory, deadline_weekday))
    _several_units(file, scans, [numbers for _, _, numbers in groups])
    if heads:
        _weeks_unknown(file, scans, groups, pages, heads)
    return _weeks_mixed(file, scans, groups)


def _several_units(file: SourceFile, scans: list[Scan], numbers: list[list[int]]) -> None:
    """Said of a file holding several units' forms: each unit with its pages."""
    pages: dict[str, list[int]] = {}
    for scan, mine in zip(scans, numbers, strict=True):
        pages.setdefault(scan.unit or "未识别单位", []).extend(mine)
    if len(pages) < 2:
        return
    listed = "、".join(f"{unit}（第{'、'.join(map(str, sorted(n)))}页）" for unit, n in pages.items())
    for scan in scans:
        scan.problems.append(
            problem("scan-several-units", file=file.display, unit=scan.unit or "", count=len(pages), units=listed)
        )


def _weeks_unknown(
    file: SourceFile, scans: list[Scan], groups: list[tuple[str | None, str, list[int]]],
    pages: list[dict[str, Any]], heads: list[PageHead],
) -> None:  # fmt: skip
    """Said of a form whose QR code names its week, of its pages without one whose week could not be read at all
    (neither the footer's 报送周 nor the 填报日期): such a page is read as this form's, but it may be a page of
    another week's signed form scanned with it, so its statuses are worth checking against the paper."""
    for scan, (_, _, numbers) in zip(scans, groups, strict=True):
        unmarked = [n for n in numbers if not identity_of(pages[n - 1].get("marks", []) or [])]
        if len(unmarked) == len(numbers):
            continue  # no QR code at all (a unit's own form): not told apart by week, see _unit_groups
        unknown = [n for n in unmarked if heads[n - 1].rows and not heads[n - 1].week]
        if unknown:
            scan.problems.append(
                problem(
                    "scan-page-week-unknown",
                    file=file.display,
                    unit=scan.unit or "",
                    cell=f"第{unknown[0]}页",
                    pages="、".join(map(str, unknown)),
                )
            )


def _weeks_mixed(file: SourceFile, scans: list[Scan], groups: list[tuple[str | None, str, list[int]]]) -> list[Scan]:
    """One unit's pages whose QR codes name different weeks (a page of an earlier week's signed form scanned
    with this week's): each week's pages are a form of their own, so an old page's statuses never pass for
    this week's (the old form is then another week's paper, the new one misses that page); said of the file."""
    for unit in {g[0] for g in groups if g[0]}:
        mine = [(s, g) for s, g in zip(scans, groups, strict=True) if g[0] == unit]
        if len({g[1] for _, g in mine}) < 2:
            continue
        listed = "；".join(f"第 {'、'.join(map(str, g[2]))} 页为 {g[1] or '未注明'} 这一周" for _, g in mine)
        for scan, _ in mine:
            scan.problems.append(problem("scan-weeks-mixed", file=file.display, unit=scan.unit or unit, weeks=listed))
    return scans


def page_boxes(page: dict[str, Any]) -> list[TextBox]:
    """A page's text lines as the worker found them, with the pen strokes through them."""
    struck = set(page.get("struck", []) or [])
    return [TextBox(*b, struck=i in struck) for i, b in enumerate(page.get("boxes", []) or [])]


class PageHead(NamedTuple):
    """What a page says of itself around its table: the printed form repeats its 填报单位 line (with 填报日期) on
    every page and prints the week in every page's footer; only the first page has the QR code."""

    unit: str | None = None  # the known unit its own 填报单位 names
    printed: str = ""  # the week its footer (or the first page's heading) prints, ISO; "" when unread or not printed
    filled: str = ""  # the week its own 填报日期 falls in, ISO
    rows: bool = False  # it holds table rows

    @property
    def week(self) -> str:
        return self.printed or self.filled


def _written_heads(
    file: SourceFile, pages: list[dict[str, Any]], directory: UnitDirectory, weekday: int
) -> list[PageHead]:
    """Each page's PageHead."""
    from ..attribution import written_unit
    from ..headblock import block_of

    out: list[PageHead] = []
    for page in pages:
        boxes = page_boxes(page)
        grid = build_grid([boxes]) if boxes else None
        if grid is None:
            out.append(PageHead())
            continue
        above = [row for row, place in zip(grid.sheet.rows, grid.places, strict=True) if not place.ordinal]
        block = block_of(above)
        written = block.value("unit")
        unit = written_unit(directory, str(written)).unit if written and str(written).strip() else None
        received = file.received_at.date() if file.received_at else None
        printed = printed_week(boxes, weekday)
        filled = nz.parse_day(block.value("filled"), None, None, not_after=received)
        week = week_day_of(filled, weekday) if filled else None
        out.append(
            PageHead(
                unit,
                printed.isoformat() if printed else "",
                week.isoformat() if week else "",
                any(place.ordinal for place in grid.places),
            )
        )
    return out


def _unit_groups(
    pages: list[dict[str, Any]], heads: list[PageHead] | None = None
) -> list[tuple[str | None, str, list[int]]]:
    """(unit, week, page numbers from 1) per unit and week, in order of first appearance. A page's QR code names
    both; a page without one goes with the page before it (the first pages with the first unit's), unless its
    own 填报单位 names another unit (two units' self-made forms scanned into one file: `heads` names two units or
    more) or it is a page of another week's form (last week's signed page 2 scanned with this week's page 1: its
    statuses are not this week's), told by _stale_week."""
    written = [h.unit for h in heads] if heads and len({h.unit for h in heads if h.unit}) >= 2 else None
    groups: dict[tuple[str, str], list[int]] = {}
    current: tuple[str, str] | None = None
    printed = filled = ""  # the weeks the current form's pages print and are dated in, as last read
    waiting: list[int] = []  # pages before the first QR code
    for number, page in enumerate(pages, start=1):
        identity = identity_of(page.get("marks", []) or [])
        head = heads[number - 1] if heads else PageHead()
        unit = identity.get("unit") or (written[number - 1] if written else None)
        if identity.get("unit") or (unit and (current is None or unit != current[0])):
            current = (str(unit), str(identity.get("week") or "") or head.week)
            # a QR code names the week the template printed; a form without one is judged by its own pages
            printed, filled = (current[1] if identity.get("week") else head.printed), head.filled
        elif current is not None and (stale := _stale_week(current, head, printed, filled, groups)):
            current = (current[0], stale)
            printed, filled = head.printed, head.filled
        printed, filled = head.printed or printed, head.filled or filled
        if current is None:
            waiting.append(number)
            continue
        for early in waiting:  # pages scanned before the first QR code: an older form's page stays apart
            stale = _stale_week(current, heads[early - 1], current[1], current[1], groups) if heads else ""
            groups.setdefault((current[0], stale) if stale else current, []).append(early)
        waiting = []
        groups.setdefault(current, []).append(number)
    if not groups:
        return [(None, "", waiting)]
    return [(unit, week, numbers) for (unit, week), numbers in groups.items()]


def _stale_week(
    current: tuple[str, str], head: PageHead, printed: str, filled: str, groups: dict[tuple[str, str], list[int]]
) -> str:
    """The week of another form a page without a QR code belongs to, else "". Its printed week is compared with
    the week the form's pages print (its QR code's), its 填报日期 with theirs (with the QR week before any is
    read): a 填报日期 typed a week early on every page must not split them. A stale page is of an earlier week;
    a later week is believed only when it is that of a form already seen (back to this week's form after an old
    page), since a misread digit or a late signing date also looks later."""
    for week, reference in ((head.printed, printed or current[1]), (head.filled, filled or current[1])):
        if week and reference and week != reference and (week < current[1] or (current[0], week) in groups):
            return week
    return ""


def _interpret_pages(
    file: SourceFile,
    total: int,
    pages: list[dict[str, Any]],
    numbers: list[int],
    last: bool,
    fallback: str | None,
    master: MasterList,
    directory: UnitDirectory,
    deadline_weekday: int,
) -> Scan:
    """The pages `numbers` (from 1) of the file read as one unit's form."""
    mine = [pages[n - 1] for n in numbers]
    stamped: bool | None = any(p.get("seal") for p in mine)
    # No seal found, but a page without colour could bear one unseen: whether it is stamped cannot be told.
    grey = [] if stamped else [n for n, p in zip(numbers, mine, strict=True) if p.get("grey") and not p.get("skipped")]
    if grey:
        stamped = None
    usable = [(n, p) for n, p in zip(numbers, mine, strict=True) if not p.get("skipped")]
    noted = [_turned(file, n, p) for n, p in usable if p.get("turn")]
    boxes = [page_boxes(p) for _, p in usable]
    prints = [print_of(b, p, deadline_weekday) for b, (_, p) in zip(boxes, usable, strict=True)]
    kept, noted_copies = drop_copies(file, [n for n, _ in usable], prints)
    noted += noted_copies
    usable = [usable[i] for i in kept]
    boxes = [boxes[i] for i in kept]
    prints = [prints[i] for i in kept]
    identity = identity_of([t for _, p in usable for t in p.get("marks", [])])
    printed = {p.week for p in prints if p.week}
    if not identity.get("week") and len(printed) == 1:
        # No QR code read: the 报送周 the template printed on the pages names the form's week as the QR code
        # would, weighed against the 填报日期 in the same way (last week's form dated this week is said).
        identity = {**identity, "week": printed.pop().isoformat(), "week_from": "printed"}
    two_up = [
        n for b, (n, p) in zip(boxes, usable, strict=True) if side_by_side(b, float(p.get("width") or 0), forms_on(p))
    ]
    if two_up:  # read as one form, two copies side by side give a table of both halves: said, not guessed
        return _two_up(file, usable, two_up, fallback, identity, master, directory, stamped, grey, noted)
    grid = build_grid(boxes, [n for n, _ in usable])
    _fill_numbers(grid, master)
    _rejoin_wrapped_text(grid, master)
    book = WorkbookData(file, [grid.sheet], identity)
    parsed, found = parse_workbook(book, master, directory, deadline_weekday=deadline_weekday)
    if parsed is None:
        reason = "不像是落实情况报表（找不到表头或措施行）" if any(boxes) else "页面空白或过暗，未识别出文字"
        cut = [(n, edges) for b, (n, p) in zip(boxes, usable, strict=True) if (edges := cut_edges(p, b, None))]
        if cut:  # the header (or the status column) may be what the page's edge cut off
            where = "、".join(f"第 {n} 页{'、'.join(EDGE_NAMES[e] for e in edges)}" for n, edges in cut)
            reason = f"{where}边缘的文字被截断（扫描不完整），未能读出表头或完成状态列"
        # The printed form's QR code still says whose form it is and for which week, when nothing else could
        # be read (upside down, a fax, a faded copy): the unit has sent its paper, unreadable (报送有误).
        qr_unit, qr_week = _marked(identity, master, directory)
        scan = _unreadable(file, qr_unit or fallback, reason, stamped, grey)
        scan.marked_week = qr_week if qr_unit else None
        scan.problems += [dataclasses.replace(p, unit=p.unit or scan.unit or "") for p in noted]
        return scan
    if not parsed.rows and not parsed.other_list:  # a table read, yet no row could be used: the problems say why
        unit = parsed.unit or fallback
        reason = "读出了报表表格，但" + "；".join(parsed.errors or [NO_ROWS_REASON]) + "（原因见同一文件的其他提示）"
        scan = _unreadable(file, unit, reason, stamped, grey)
        scan.problems += [relocate(p, grid, unit) for p in found]
        scan.problems += [dataclasses.replace(p, unit=p.unit or unit or "") for p in noted]
        scan.problems += cut_pages(file, unit, usable, boxes, grid, set(), master)
        return scan
    parsed.source = "scan"
    unit = parsed.unit or fallback
    problems = [relocate(p, grid, unit) for p in found]
    problems += low_confidence(grid, parsed, unit, file)
    problems += doubled(grid, parsed, unit, file) + bare_done(grid, parsed, unit, file)
    read = sum(1 for p in pages if not p.get("skipped"))
    if last and (total > len(pages) or read < len(pages)):
        problems.append(problem("scan-pages-skipped", file=file.display, unit=unit or "", read=read, total=total))
    elif not any(p.get("skipped") for p in mine):  # every page was read: a page the footer counts is not there
        problems += missing_pages(file, unit, prints, {r.measure_no for r in parsed.rows}, master)
    problems += [dataclasses.replace(p, unit=p.unit or unit or "") for p in noted]
    problems += cut_pages(file, unit, usable, boxes, grid, {r.measure_no for r in parsed.rows}, master)
    return Scan(file, unit, parsed, stamped, True, problems, grey_pages=grey)


def _two_up(
    file: SourceFile,
    usable: list[tuple[int, dict[str, Any]]],
    doubled: list[int],
    fallback: str | None,
    identity: dict[str, str],
    master: MasterList,
    directory: UnitDirectory,
    stamped: bool | None,
    grey: list[int],
    noted: list[Problem],
) -> Scan:
    """Two copies of a form side by side on a page: not read (its halves would be one table of both), said.
    Whose it is follows the QR codes when they all name one unit; two units' QR codes are named instead."""
    units = []
    for _, page in usable:
        for text in page.get("marks", []) or []:
            name = identity_of([text]).get("unit")
            if name and name not in units:
                units.append(name)
    qr_unit, qr_week = _marked(identity, master, directory) if len(units) <= 1 else (None, None)
    pages = "、".join(map(str, doubled))
    whose = f"（二维码分别为{'、'.join(units)}）" if len(units) > 1 else ""
    reason = (
        f"第 {pages} 页是两页（或两份报表）缩小后左右并排印在一张纸上的{whose}，无法按一份报表逐行识别，"
        "请按原大小逐页打印、扫描后重新报送"
    )
    scan = _unreadable(file, qr_unit or fallback, reason, stamped, grey)
    scan.marked_week = qr_week if qr_unit else None
    scan.problems += [dataclasses.replace(p, unit=p.unit or scan.unit or "") for p in noted]
    return scan


def _turned(file: SourceFile, number: int, page: dict[str, Any]) -> Problem:
    how = "倒置" if int(page.get("turn") or 0) == 180 else "横置"
    return problem("scan-page-turned", file=file.display, cell=f"第{number}页", page=number, how=how)


def _marked(identity: dict[str, str], master: MasterList, directory: UnitDirectory) -> tuple[str | None, date | None]:
    """(unit, week) named by a QR code of this list, else (None, None)."""
    if not identity or identity.get("list_id") != master.list_id:
        return None, None
    known = directory.get(str(identity.get("unit") or ""))
    if known is None:
        return None, None
    try:
        return known.name, date.fromisoformat(str(identity.get("week")))
    except ValueError:
        return known.name, None


def _attribute(file: SourceFile, directory: UnitDirectory) -> str | None:
    from ..pipeline import attribute

    return attribute(file, directory)


def _unreadable(
    file: SourceFile, unit: str | None, reason: str, stamped: bool | None = None, grey: list[int] | None = None
) -> Scan:
    found = problem("scan-unreadable", file=file.display, unit=unit or "", reason=reason)
    return Scan(file, unit, None, stamped, False, [found], grey_pages=grey or [])


def _refusal_reason(code: str, fields: dict[str, Any]) -> str:
    if code in CATALOGUE:
        return problem(code, **{k: v for k, v in fields.items() if isinstance(k, str)}).message
    return "文件无法读取"


def _fill_numbers(grid: ScanGrid, master: MasterList) -> None:
    """A printed 序号 the OCR missed (a lone "1" is easily lost) is recovered from the measure text beside it."""
    keys = [header_label(label) for label in grid.columns]
    if "no" not in keys or "text" not in keys:
        return
    no_col, text_col = keys.index("no"), keys.index("text")
    for index, place in enumerate(grid.places):
        row = grid.sheet.rows[index]
        if not place.ordinal or not row[text_col]:
            continue
        read = nz_measure_no(row[no_col])
        if read is not None and master.measure(read) is not None:
            continue
        # Empty, or no measure of the list ("120": a ruled line read as a 1): the measure text decides.
        no = measure_by_text(master, row[text_col])
        if no is None or row[no_col] not in (None, ""):  # a guess, or overruling what was read: check it
            no = no or _measure_like(master, str(row[text_col]))
            grid.scores[(index, no_col)] = GUESSED
        if no is not None:
            row[no_col] = str(no)


def _rejoin_wrapped_text(grid: ScanGrid, master: MasterList) -> None:
    """The last line of a wrapped measure text that the placing gave to a row of its own (a status written by hand
    under a struck one, beside that line, made the row) goes back to its measure: the row then holds no measure
    text and no 序号 and is read as that measure's continuation (worst status, said), not as a row without 序号.

    Only where the line is a piece of the measure's own text from the list (the row above plus the line reads
    closer to it than the row above alone) and names no other measure."""
    keys = [header_label(label) for label in grid.columns]
    if "no" not in keys or "text" not in keys:
        return
    no_col, text_col = keys.index("no"), keys.index("text")
    rows, places = grid.sheet.rows, grid.places
    for index in range(1, len(rows)):
        above, place = rows[index - 1], places[index]
        if not place.ordinal or places[index - 1].ordinal != place.ordinal - 1 or places[index - 1].page != place.page:
            continue
        piece, number = rows[index][text_col], nz_measure_no(above[no_col])
        measure = master.measure(number) if number is not None else None
        if not piece or rows[index][no_col] not in (None, "") or measure is None or not above[text_col]:
            continue
        if measure_by_text(master, piece) not in (None, measure.no):
            continue
        whole, alone = label_key(measure.text), label_key(above[text_col])
        joined = alone + label_key(piece)
        ratio = difflib.SequenceMatcher(None, alone, whole, autojunk=False).ratio()
        if difflib.SequenceMatcher(None, joined, whole, autojunk=False).ratio() > ratio + 0.02:
            above[text_col] = f"{above[text_col]}{piece}"
            rows[index][text_col] = None


def _measure_like(master: MasterList, text: str) -> int | None:
    """The measure sharing most character pairs with the text (robust to misread characters and lines read
    out of order), when it clearly beats the next one."""
    pairs = _pairs(text)
    if len(pairs) < 6:
        return None
    ranked = sorted(((len(pairs & _pairs(m.text)) / len(pairs), m.no) for m in master.measures), reverse=True)
    if ranked[0][0] >= 0.6 and (len(ranked) == 1 or ranked[1][0] < ranked[0][0] - 0.2):
        return ranked[0][1]
    return None


def _pairs(text: str) -> set[str]:
    key = label_key(text)
    return {key[i : i + 2] for i in range(len(key) - 1)}
