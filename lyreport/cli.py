"""Command line: parse options, call lyreport.api, print in Chinese. Nothing else lives here."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .clishell import CONTEXT, DATE, FILE, FOLDER, Group, guard
from .textsafe import shown
from .weeks import cn_date

if TYPE_CHECKING:
    from .api import RunReport
    from .intake.read import Reading
    from .problems import Problem


# Commands import lyreport.api (and through it only what they need) inside their bodies: `--help`
# loads no reader and `check` no renderer. Keep new commands that way.
@click.group(
    cls=Group,
    context_settings=CONTEXT,
    invoke_without_command=True,
    help="洛阳济源同城一体深度融合措施落实情况周报汇总工具。\n\n每周四下午把各单位报回的表格放进 inbox 文件夹，运行“lyreport run”，即在 outbox 文件夹生成督导情况通报（Word）、工作台账（Excel）、催报名单和邮件草稿。",
)
@click.version_option(__version__, "-V", "--version", message="lyreport %(version)s", help="显示版本号。")
@click.pass_context
def main(ctx: click.Context) -> None:
    """With no command: in a workspace, where this week stands; elsewhere, the help."""
    if ctx.invoked_subcommand is not None:
        return
    from .config import in_workspace

    if not in_workspace():
        click.echo(ctx.get_help())
        return
    guard(False, _print_glance)


def _print_glance() -> int:
    from . import api

    glance = api.week_glance()
    deadline = glance.deadline
    click.echo(f"工作目录：{shown(str(glance.workspace.root))}")
    state = "已截止" if glance.passed else "尚未截止"
    weekday = "一二三四五六日"[deadline.isoweekday() - 1]
    click.echo(f"本周报送截止时间：{cn_date(deadline.date())}（星期{weekday}）{deadline:%H:%M}，{state}")
    click.echo(f"收件箱（inbox）中现有 {glance.inbox_files} 个文件。")
    if glance.recorded:
        step = "本周已汇总。收到新的或更正的报表后放入 inbox，再次运行“lyreport run”即可更新本周输出；运行“lyreport status”可查看各单位报送情况。"
    elif not glance.passed:
        step = "截止前可随时运行“lyreport status”查看已收到哪些单位的报表；截止后运行“lyreport run”汇总本周。"
    else:
        step = "运行“lyreport run”汇总本周报表（也可先运行“lyreport status”查看各单位报送情况）。"
    click.echo(f"下一步：{step}")
    click.echo("运行“lyreport --help”查看全部命令。")
    return 0


@main.command(
    "init",
    help="创建工作目录：inbox（收件箱）、outbox（输出）、templates（措施清单、单位名录、配置）。已有文件不会被覆盖。",
)
@click.argument("folder", type=FOLDER, default=".", metavar="[目录]")
@click.option("--debug", is_flag=True, help="出错时显示技术细节。")
def init_command(folder: Path, debug: bool) -> None:
    from .workspace import init_workspace

    def action() -> int:
        _, created = init_workspace(folder)
        click.echo(f"工作目录：{folder.resolve()}")
        for path in created:
            click.echo(f"  已创建 {path.relative_to(folder)}")
        if not created:
            click.echo("  所有文件均已存在，未做改动。")
        click.echo("下一步：检查 templates 中的措施清单和单位名录，然后运行“lyreport template”生成各单位报表模板。")
        return 0

    guard(debug, action)


@main.command("template", help="生成各单位的标准报表模板（每个责任单位一个 Excel 文件），已有历史时预填上周报送内容。")
@click.option("--week", type=DATE, help="报送周（该周内任一日期，如 2021-01-07），默认本周。")
@click.option("--unit", metavar="单位", help="只生成这个单位的模板（可写简称，如 发改委）。")
@click.option("--out", "folder", type=FOLDER, help="输出文件夹，默认 outbox/<周>/templates。")
@click.option(
    "--master",
    type=FILE,
    help="使用其他措施清单（如 templates/七大行动清单.xlsx）。",
)
@click.option("--workspace", type=FOLDER, help="工作目录，默认当前目录。")
@click.option("--debug", is_flag=True, help="出错时显示技术细节。")
def template_command(
    week: date | None, unit: str | None, folder: Path | None, master: Path | None, workspace: Path | None, debug: bool
) -> None:
    def action() -> int:
        from . import api

        kept: list[Problem] = []
        paths = api.make_templates(workspace, week, unit=unit, folder=folder, master=master, kept=kept)
        click.echo(f"已生成 {len(paths)} 个报表模板，位于：{paths[0].parent if paths else folder}")
        for path in paths:
            click.echo(f"  {path.name}")
        for p in kept:
            click.secho(f"  {shown(str(p))}", fg="yellow")
        return 0

    guard(debug, action)


@main.command(
    "run",
    help="汇总本周报表：读取 inbox，生成通报、工作台账、催报名单和邮件草稿。\n\n退出码：0 完成；1 完成但有文件存在错误；2 无法运行。",
)
@click.option(
    "--week",
    type=DATE,
    help="报送周：写该周截止日（周四）或之前几天的任一日期，如 2021-01-07；默认本周（截止后 3 天内运行时为刚过去的周四）。",
)
@click.option("--inbox", type=FOLDER, help="收件箱文件夹，默认 inbox。")
@click.option("--outbox", type=FOLDER, help="输出文件夹，默认 outbox。")
@click.option("--master", type=FILE, help="使用其他措施清单。")
@click.option("--workspace", type=FOLDER, help="工作目录，默认当前目录。")
@click.option("--rebuild", is_flag=True, help="用历史存档中该周的原始文件重新生成（不读 inbox）。")
@click.option("--json", "as_json", is_flag=True, help="在屏幕上输出 summary.json 内容（供其他程序使用）。")
@click.option("--quiet", "-q", is_flag=True, help="只输出结果文件路径。")
@click.option("--debug", is_flag=True, help="出错时显示技术细节。")
def run_command(
    week: date | None,
    inbox: Path | None,
    outbox: Path | None,
    master: Path | None,
    workspace: Path | None,
    rebuild: bool,
    as_json: bool,
    quiet: bool,
    debug: bool,
) -> None:
    def action() -> int:
        from .render import forked

        forked.start_early()  # the renderers load in helper processes while the rest starts (program only)
        from .intake.read import read_week_ahead

        with read_week_ahead(workspace, inbox, rebuild) as ahead:  # the readers begin before the rest loads
            return _run(ahead)

    def _run(ahead: Reading) -> int:
        from . import api

        show_bar = not (quiet or as_json) and sys.stderr.isatty()
        with (
            click.progressbar(length=1, label="正在读取报表", file=sys.stderr, show_pos=True)
            if show_bar
            else _NoBar() as bar
        ):

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            report = api.run_week(
                workspace, week, inbox=inbox, outbox=outbox, master=master, rebuild=rebuild, progress=progress,
                ahead=ahead,
            )  # fmt: skip
        if as_json:
            import json

            click.echo(json.dumps(report.summary, ensure_ascii=False, indent=2))
        elif quiet:
            _print_paths(report)
        else:
            _print_report(report)
        if as_json or quiet:  # staff's changed outputs are said whatever the output mode
            _print_kept(report, err=True)
        return report.exit_code

    guard(debug, action)


class _NoBar:
    length = 0
    pos = 0

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def update(self, n: int) -> None:
        self.pos += n


def _print_kept(report: RunReport, *, err: bool = False) -> None:
    for p in report.kept:
        click.secho(f"  {shown(str(p))}", fg="yellow", err=err)


def _print_paths(report: RunReport) -> None:
    o = report.outputs
    for path in (o.summary, o.ledger, o.reminders, o.mail, o.summary_json):
        if path != o.ledger or report.main_ledger_written:
            click.echo(shown(str(path)))


# Said on the terminal whatever their severity: a 期数 not the usual one, later weeks stale, wording not used.
_ORDER_CODES = {
    "weeks-out-of-order",
    "later-weeks-stale",
    "period-taken",
    "period-not-archived",
    "archived-container-unreadable",
    "config-list-wording",
    "config-unknown-key",
    "week-not-due",
    "week-default-previous",
    "week-arg-resolved",
    "week-none-answered",
}
_PAPER_CODES = {
    "scan-unstamped",
    "scan-seal-unknown",
    "scan-mismatch",
    "scan-unchecked",
    "scan-other-week",
    "scan-weeks-mixed",
    "scan-page-week-unknown",
    "scan-unreadable",
    "scan-low-confidence",
}


def _print_report(report: RunReport) -> None:
    from .models import LIGHTS, UNIT_STATES
    from .problems import ERROR

    r = report.result
    counts = {state: [u.name for u in r.units if u.state == state] for state in UNIT_STATES}
    lights = {light: [m.no for m in r.measures if m.light == light] for light in LIGHTS}
    click.echo(f"{r.list_title} · 第{r.period}期 · 报送截止 {cn_date(r.week)} {r.deadline:%H:%M}")
    click.echo(
        f"应报单位 {len(r.units)} 个：按时 {len(counts['on_time'])}，迟报 {len(counts['late'])}，"
        f"未报 {len(counts['missing'])}，报送有误 {len(counts['invalid'])}"
    )
    for state in ("late", "missing", "invalid"):
        if counts[state]:
            click.echo(shown(f"  {UNIT_STATES[state]}：{'、'.join(counts[state])}"))
    closed = sum(1 for m in r.measures if m.closed)
    overdue = sum(1 for m in r.measures if m.overdue)
    click.echo(
        f"措施 {len(r.measures)} 条：红灯 {len(lights['red'])}，黄灯 {len(lights['yellow'])}，"
        f"绿灯 {len(lights['green'])}（含已销号 {closed}），逾期 {overdue}"
    )
    errors = [p for p in r.problems if p.severity == ERROR]
    click.echo(f"发现问题 {len(r.problems)} 条（其中错误 {len(errors)} 条），详见工作台账“问题清单”。")
    for p in errors[:10]:
        click.secho(f"  {shown(str(p))}", fg="red")
    if len(errors) > 10:
        click.echo(f"  …… 另有 {len(errors) - 10} 条错误")
    # Paper returns: what the signed scans showed is worth a look on the day (no seal, disagreement, old week).
    paper = [p for p in r.problems if p.code in _PAPER_CODES and p.severity != ERROR]
    for p in paper[:10]:
        click.secho(f"  {shown(str(p))}", fg="yellow")
    if len(paper) > 10:
        click.echo(f"  …… 另有 {len(paper) - 10} 条扫描件提示")
    # Weeks run out of order: the 期数 chosen and the later weeks left stale must be seen on the day (and
    # a list's wording left out for a typo).
    for p in r.problems:
        if p.code in _ORDER_CODES:
            click.secho(f"  {shown(str(p))}", fg="yellow")
    _print_kept(report)
    o = report.outputs
    click.echo("已生成：")
    for label, path in (
        ("督导情况通报", o.summary),
        ("工作台账", o.ledger),
        ("催报名单", o.reminders),
        ("邮件草稿", o.mail),
        ("数据摘要", o.summary_json),
    ):
        if path == o.ledger and not report.main_ledger_written:
            continue
        click.echo(f"  {label}：{shown(str(path))}")
    if not report.main_ledger_written:
        click.echo(f"  工作台账（本周副本）：{shown(str(o.ledger_copy))}")
        click.echo(f"  （总的 {shown(o.ledger.name)} 随最新一周更新，本次未改动）")


@main.command(
    "check",
    help="检查一个或几个报表文件（与 run 的读取方式完全相同），列出报送单位、所属周次和每个问题所在的单元格。\n\n退出码：0 无错误；1 有错误。",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="文件或文件夹...")
@click.option("--workspace", type=FOLDER, help="工作目录，默认当前目录。")
@click.option("--debug", is_flag=True, help="出错时显示技术细节。")
def check_command(files: tuple[Path, ...], workspace: Path | None, debug: bool) -> None:
    def action() -> int:
        from . import checking  # not api: the renderers and history stay unloaded
        from .config import in_workspace

        if workspace is None and not in_workspace():
            click.echo("当前目录不是 lyreport 工作目录，按内置的默认措施清单和单位名录检查。")
        checked = checking.check_files(list(files), workspace)
        from .problems import ERROR, SEVERITY_LABELS  # models and problems load while the readers begin

        failed = False
        lines: list[str] = []  # printed at once: a thousand files are a few thousand lines
        for item in checked:
            lines.append(f"《{shown(item.name)}》")
            if item.kind == "scan":
                lines.append(shown(f"  盖章扫描件，对应单位：{item.unit or '未能确定'}"))
            elif item.week:
                lines.append(
                    shown(
                        f"  报送单位：{item.unit or '（无法确定）'}　所属周次：{cn_date(item.week)}　填报措施 {item.rows} 条"
                    )
                )
            elif item.unit:
                lines.append(shown(f"  报送单位（按文件名等判断）：{item.unit}"))
            for p in item.problems:
                where = f"{p.sheet}!{p.cell} " if p.sheet and p.cell else ""
                colour = "red" if p.severity == ERROR else None
                lines.append(click.style(shown(f"  [{SEVERITY_LABELS[p.severity]}] {where}{p.message}"), fg=colour))
                failed = failed or p.severity == ERROR
            if not item.problems:
                lines.append("  未发现问题。")
        if lines:
            click.echo("\n".join(lines))
        return 1 if failed else 0

    guard(debug, action)


@main.command(
    "restore",
    help="历史记录丢失或损坏时，用 history/archive 中存档的原始文件按时间顺序重建每一周的历史、工作台账和各周输出。"
    "原有的数据库不会删除，先移到 history/损坏备份-<时间>（或 重建前备份-<时间>）文件夹。",
)
@click.option("--master", type=FILE, help="重建其他措施清单的历史。")
@click.option("--workspace", type=FOLDER, help="工作目录，默认当前目录。")
@click.option("--debug", is_flag=True, help="出错时显示技术细节。")
def restore_command(master: Path | None, workspace: Path | None, debug: bool) -> None:
    from .recovery import restore_all

    def action() -> int:
        reports = restore_all(workspace, master)
        for report in reports:
            r = report.result
            guessed = any(p.code == "period-not-archived" for p in r.problems)
            note = "，期数按现行规则推算，请与已发通报核对" if guessed else ""
            click.echo(f"  已重建 {cn_date(r.week)}（第{r.period}期{note}）")
            _print_kept(report)
        click.echo(f"已按顺序重建 {len(reports)} 周，工作台账：{shown(str(reports[-1].outputs.ledger))}")
        return 0

    guard(debug, action)


@main.command("demo", help="生成演示工作目录（含模拟的各单位报表），并运行一次完整汇总，展示全部输出。")
@click.argument("folder", type=FOLDER, default="lyreport-demo", metavar="[目录]")
@click.option("--debug", is_flag=True, help="出错时显示技术细节。")
def demo_command(folder: Path, debug: bool) -> None:
    from .demo import build_demo, fetch_demo_mail

    def action() -> int:
        from . import api

        ws, week = build_demo(folder)
        click.echo(f"演示工作目录：{ws.resolve()}（报送周 {cn_date(week)}）")
        fetch_demo_mail(ws, click.echo)  # only when Dovecot is installed
        report = api.run_week(ws, week)
        _print_report(report)
        return 0

    guard(debug, action)


# The mailbox commands (fetch, status, remind) live with the mailbox package; they import it lazily.
from .mailbox.commands import register as _register_mailbox  # noqa: E402

_register_mailbox(main, FOLDER, DATE, guard)

if __name__ == "__main__":
    main()
