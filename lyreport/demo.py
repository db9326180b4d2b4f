"""`lyreport demo`: a workspace with three seeded weeks of realistic returns, the last one in inbox/.

Scans are drawn with PIL (lyreport.scansim, no LibreOffice needed); without a Chinese font on the machine
the demo has no scans and says so.
"""

from __future__ import annotations

import copy
import random
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import click

from .api import LyreportError, load_context, run_week
from .config import Workspace
from .models import DONE, LAGGING, NOT_STARTED, ON_TRACK, MasterList
from .samples import (
    Filling,
    improvised_return,
    make_filling,
    person,
    set_received,
    standard_return,
    to_xls,
    write_eml,
    write_gbk_zip,
)
from .scansim import Spec, can_draw
from .scansim import build as build_scans
from .unitnames import UnitDirectory
from .workspace import bundled, init_workspace, write_directory_workbook

DEMO_WEEK = date(2021, 1, 7)
DEMO_MARKER = ".lyreport-demo"
SEED = 20210107
_ADVANCE = {NOT_STARTED: ON_TRACK, ON_TRACK: DONE, LAGGING: ON_TRACK, DONE: DONE}
# Paper returns of the final week: units that sent only their signed scan (and how), the unit whose scan
# bears no seal, the unit whose signed paper says something else than its file (洛阳北郊机场 re-sends last
# week's paper, see _special_files).
SCAN_ONLY = {"市生态环境局": {}, "市医疗保障局": {"photo": True, "fmt": "jpeg"}, "市卫健委": {"kind": "selfmade"}}
UNSTAMPED = "市发改委"
MISMATCH = "市文化广电和旅游局"
PAST_SCANS = False  # reading every earlier week's scans too would make the demo slow to build


def _paper(target: Path, filling: Filling, at: datetime | None, ctx: tuple, **options) -> Path | None:  # noqa: ANN003
    """Write a signed scan of `filling` at `target` (suffix from its format); None when scans are off."""
    master, directory, week, enabled = ctx
    if not enabled:
        return None
    options.setdefault("kind", "drawn")
    fmt = options.get("fmt", "pdf")
    target = target.with_suffix({"jpeg": ".jpg", "png": ".png", "tiff": ".tif"}.get(fmt, ".pdf"))
    seed = SEED + sum(map(ord, target.name))
    options.setdefault("week", week)
    spec = Spec(seed=seed, filling=filling, dpi=150, noise=False, angle=(seed % 7 - 3) * 0.4, **options)
    [scan] = build_scans([spec], master, directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(scan.data)
    if at is not None:
        set_received(target, at)
    return target


def _disagreeing(filling: Filling) -> Filling:
    """The same return with one status changed, as when the signed paper was not updated."""
    paper = copy.deepcopy(filling)
    first = paper.rows[next(iter(paper.rows))]
    first["status"] = LAGGING if first["status"] != LAGGING else ON_TRACK
    return paper


def _directory_with_contacts(ws: Workspace, rng: random.Random) -> None:
    units = bundled("units.json")
    for number, unit in enumerate(units, start=1):
        unit["contact"], unit["phone"] = person(rng)
        unit["email"] = f"unit{number:02d}@ly-demo.gov.cn"
    write_directory_workbook(units, ws.templates / "单位名录.xlsx")


def _evolve(statuses: dict[tuple[str, int], str], rng: random.Random) -> None:
    """One week passes: some measures move forward."""
    for key, status in statuses.items():
        if rng.random() < 0.15:
            statuses[key] = _ADVANCE[status]


def _at(day: date, hour: int, minute: int, tz) -> datetime:  # noqa: ANN001 - tzinfo
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def _write_week(
    folder: Path,
    master: MasterList,
    directory: UnitDirectory,
    week: date,
    statuses: dict[tuple[str, int], str],
    rng: random.Random,
    tz,
    final: bool,  # noqa: ANN001
) -> None:
    """One week's inbox. The final week carries every kind of file the office receives."""
    missing = {"市体育局", "市林业局"} if final else {"市体育局"} if week.day % 2 else set()
    special = {
        "市交通运输局",
        "市工信局",
        "市教育局",
        "洛阳北郊机场",
        "市金融工作局",
        "高新区管委会",
        "自贸区洛阳片区管委会",
    }
    fillings = {}
    for unit in master.units:
        own = {m.no: statuses[(unit, m.no)] for m in master.measures_of(unit)}
        fillings[unit] = make_filling(master, unit, week, rng, own)
    paper = (master, directory, week, can_draw() and (final or PAST_SCANS))
    scan_only = SCAN_ONLY if final and paper[-1] else {}
    for index, unit in enumerate(master.units):
        if unit in missing or (final and unit in special):
            continue
        if unit not in scan_only:
            path = standard_return(master, directory, fillings[unit], week, folder / f"{unit}-落实情况报表.xlsx")
            set_received(path, _at(week - timedelta(days=index % 2), 9 + index % 3, 10 + index, tz))
        if unit == "市应急管理局":
            continue
        signed = _disagreeing(fillings[unit]) if final and unit == MISMATCH else fillings[unit]
        options = dict(scan_only.get(unit, {}), stamped=not (final and unit == UNSTAMPED))
        _paper(folder / "扫描件" / f"{unit}-盖章扫描件", signed, _at(week, 10, index, tz), paper, **options)
    if final:
        _special_files(folder, master, directory, week, fillings, tz, paper)


def _special_files(folder: Path, master: MasterList, directory: UnitDirectory, week: date, fillings, tz, paper) -> None:  # noqa: ANN001
    tmp = folder.parent / ".demo-build"
    tmp.mkdir(exist_ok=True)
    # Late, by e-mail, with the scan attached.
    unit = "市交通运输局"
    sheet = standard_return(master, directory, fillings[unit], week, tmp / f"{unit}落实情况.xlsx")
    scan = _paper(tmp / f"{unit}盖章件", fillings[unit], None, paper)
    sender = directory.get(unit).email
    attached = [sheet, scan] if scan else [sheet]
    write_eml(folder / "来信-交通运输局.eml", sender, _at(week, 15, 20, tz), f"{unit}本周落实情况", attached)
    # Sent twice: a first version on Wednesday, a corrected one on Thursday morning.
    unit = "市工信局"
    first = standard_return(master, directory, fillings[unit], week, folder / f"{unit}-落实情况报表.xlsx")
    set_received(first, _at(week - timedelta(days=1), 16, 5, tz))
    fillings[unit].rows[next(iter(fillings[unit].rows))]["progress"] = "（更正）本周已与济源市工信局签订合作框架协议。"
    second = standard_return(master, directory, fillings[unit], week, folder / f"{unit}-落实情况报表（修改版）.xlsx")
    set_received(second, _at(week, 10, 30, tz))
    _paper(folder / "扫描件" / f"{unit}-盖章扫描件", fillings[unit], _at(week, 10, 31, tz), paper)
    # Their own layout.
    unit = "市教育局"
    set_received(improvised_return(master, fillings[unit], folder / "教育局报送表.xlsx"), _at(week, 8, 45, tz))
    _paper(folder / "扫描件" / f"{unit}-扫描件", fillings[unit], _at(week, 8, 46, tz), paper)
    # An old .xls (when LibreOffice is there to write one).
    unit = "洛阳北郊机场"
    xlsx = standard_return(master, directory, fillings[unit], week, tmp / f"{unit}-落实情况报表.xlsx")
    old = to_xls(xlsx, folder / f"{unit}-落实情况报表.xls") or shutil.copyfile(xlsx, folder / xlsx.name)
    set_received(Path(old), _at(week, 11, 2, tz))
    # ... with last week's signed paper scanned again by mistake.
    last_week = make_filling(master, unit, week - timedelta(days=7), random.Random(SEED))
    _paper(
        folder / "扫描件" / f"{unit}-盖章扫描件", last_week, _at(week, 11, 3, tz), paper, week=week - timedelta(days=7)
    )
    # A broken file: the attachment was cut off in transfer.
    unit = "市金融工作局"
    whole = standard_return(master, directory, fillings[unit], week, tmp / "whole.xlsx").read_bytes()
    broken = folder / f"{unit}-落实情况报表.xlsx"
    broken.write_bytes(whole[: len(whole) // 3])
    set_received(broken, _at(week, 11, 40, tz))
    # Two units in one zip, named in GBK as Windows writes them.
    members = [
        standard_return(master, directory, fillings[u], week, tmp / f"{u}-落实情况报表.xlsx")
        for u in ("高新区管委会", "自贸区洛阳片区管委会")
    ]
    scan = _paper(tmp / "高新区管委会-盖章扫描件", fillings["高新区管委会"], None, paper)
    members += [scan] if scan else []
    set_received(write_gbk_zip(folder / "高新区及自贸片区报表.zip", members), _at(week, 9, 58, tz))
    # Office's lock file, left by someone who had a return open.
    (folder / "~$市发改委-落实情况报表.xlsx").write_bytes(b"\x00" * 162)
    shutil.rmtree(tmp, ignore_errors=True)


def build_demo(folder: Path, *, weeks: int = 3) -> tuple[Path, date]:
    """Create the demo workspace; earlier weeks are processed, the last week waits in inbox/."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / DEMO_MARKER).is_file():
            raise LyreportError(
                f"“{folder}”不是空文件夹，也不是以前生成的演示目录。为免误删文件，请换一个新文件夹名再运行 lyreport demo。"
            )
        for part in ("inbox", "history", "outbox", "往期报表"):  # a previous demo: start it afresh
            shutil.rmtree(folder / part, ignore_errors=True)
    ws, _ = init_workspace(folder)
    if not can_draw():
        click.echo("提示：本机未找到中文字体，演示数据中不含盖章扫描件。", err=True)
    (folder / DEMO_MARKER).write_text("lyreport demo workspace\n", encoding="utf-8")
    rng = random.Random(SEED)
    _directory_with_contacts(ws, rng)
    context = load_context(folder)
    master, directory = context.master, context.directory
    tz = context.config.timezone
    statuses = {
        (u, m.no): rng.choices((DONE, ON_TRACK, LAGGING, NOT_STARTED), weights=(1, 6, 2, 2))[0]
        for m in master.measures
        for u in m.units
    }
    first = DEMO_WEEK - timedelta(days=7 * (weeks - 1))
    for offset in range(weeks):
        week = first + timedelta(days=7 * offset)
        final = offset == weeks - 1
        inbox = ws.inbox if final else folder / "往期报表" / week.isoformat()
        inbox.mkdir(parents=True, exist_ok=True)
        _write_week(inbox, master, directory, week, statuses, rng, tz, final)
        if not final:
            run_week(folder, week, inbox=inbox)
            _evolve(statuses, rng)
    return folder, DEMO_WEEK


def fetch_demo_mail(ws: Path, echo: Callable[[str], None]) -> int:
    """When Dovecot is installed: put the demo's e-mails on a local IMAP server (in both notice mailboxes)
    and fetch them back with `lyreport fetch`'s code, arrival times from the server. Never fails the demo."""
    from .mailbox import localserver

    emls = sorted((ws / "inbox").glob("*.eml"))
    if not emls or not localserver.available():
        return 0
    try:
        return _fetch_demo_mail(ws, emls, echo)
    except Exception as exc:  # noqa: BLE001 - the demo goes on with the e-mails left in inbox/
        echo(f"（演示收取邮件未完成：{type(exc).__name__}；邮件仍在 inbox 中，不影响汇总。）")
        return 0


def _fetch_demo_mail(ws: Path, emls: list[Path], echo: Callable[[str], None]) -> int:
    import os
    import tempfile

    from .intake.mail import parse
    from .intake.maildates import received_at
    from .mailbox.fetch import fetch_all
    from .mailbox.localserver import LocalImap
    from .mailbox.settings import MailSettings, Server

    context = load_context(ws)
    tz = context.config.timezone
    users = {r.email: "demo" for r in context.config.recipients if r.email}
    with LocalImap(users) as server, tempfile.TemporaryDirectory(prefix="lyreport-demo-mail-") as state:
        for path in emls:
            data = path.read_bytes()
            when = received_at(parse(data), tz) or datetime.now(tz)
            for user in users:  # units send to both mailboxes of the notice
                server.append(user, data, when)
        os.environ["LYREPORT_DEMO_MAIL_PASSWORD"] = "demo"
        boxes = [
            Server(
                context.config.office_short if r.email == context.config.office_email else r.name,
                server.host,
                r.email,
                server.port,
                "plain",
                password_env="LYREPORT_DEMO_MAIL_PASSWORD",
            )
            for r in context.config.recipients
            if r.email
        ]
        for path in emls:  # now they come from the server instead
            path.unlink()
        settings = MailSettings(boxes, None, None, 50 * 1024 * 1024, 10, {})
        report = fetch_all(settings, ws / "inbox", Path(state), tz, DEMO_WEEK - timedelta(days=14))
    echo(
        f"演示收取邮件：本机 IMAP 测试服务器（Dovecot）上 {len(users)} 个邮箱，新收 {len(report.saved)} 封，"
        f"两个邮箱重复收到 {report.duplicates} 封只计一次，已存入 inbox/邮件/（收到时间取自邮件服务器）。"
    )
    return len(report.saved)
