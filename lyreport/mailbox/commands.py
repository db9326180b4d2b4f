"""CLI commands fetch / status / remind: parse options, call the mailbox library, print Chinese.

Registered by lyreport/cli.py; heavy and network modules are imported inside each action only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click


def register(main: click.Group, folder_type: click.ParamType, date_type: click.ParamType, guard) -> None:  # noqa: ANN001
    """Add the three commands to the `lyreport` group."""

    @main.command("fetch", help="从配置的邮箱收取各单位报送的邮件（只读，不改动邮箱），存入 inbox/邮件。")
    @click.option("--since", type=date_type, help="只收取该日期以后的邮件，默认从最早一个尚未结束的报送周开始。")
    @click.option("--mailbox", "only", metavar="名称", help="只收取这个邮箱（配置中的 name）。")
    @click.option("--save-password", is_flag=True, help="输入并保存邮箱密码（授权码）到系统凭据管理器，不收取邮件。")
    @click.option("--workspace", type=folder_type, help="工作目录，默认当前目录。")
    @click.option("--debug", is_flag=True, help="出错时显示技术细节。")
    def fetch_command(
        since: date | None, only: str | None, save_password: bool, workspace: Path | None, debug: bool
    ) -> None:
        guard(debug, lambda: _fetch(workspace, since, only, save_password))

    @main.command("status", help="查看本周报送进度（谁已报、谁未报、距截止还有多久），不生成文件、不记录历史。")
    @click.option("--week", type=date_type, help="报送周（该周内任一日期），默认本周。")
    @click.option("--json", "as_json", is_flag=True, help="以 JSON 格式输出。")
    @click.option("--workspace", type=folder_type, help="工作目录，默认当前目录。")
    @click.option("--debug", is_flag=True, help="出错时显示技术细节。")
    def status_command(week: date | None, as_json: bool, workspace: Path | None, debug: bool) -> None:
        guard(debug, lambda: _status(workspace, week, as_json))

    @main.command("remind", help="为本周仍未报齐的单位各生成一封催报邮件草稿；加 --send 确认后经发信服务器发出。")
    @click.option("--week", type=date_type, help="报送周（该周内任一日期），默认本周。")
    @click.option("--send", is_flag=True, help="列出名单并确认后，通过配置的发信服务器（[smtp]）发送。")
    @click.option("--yes", is_flag=True, help="发送时不再询问确认（供脚本使用）。")
    @click.option("--workspace", type=folder_type, help="工作目录，默认当前目录。")
    @click.option("--debug", is_flag=True, help="出错时显示技术细节。")
    def remind_command(week: date | None, send: bool, yes: bool, workspace: Path | None, debug: bool) -> None:
        guard(debug, lambda: _remind(workspace, week, send, yes))


def _fetch(workspace: Path | None, since: date | None, only: str | None, save_password: bool) -> int:
    """Fetch every mailbox (or save the passwords); print what came in and what went wrong."""
    from .service import fetch_mail, save_passwords

    if save_password:

        def ask(server) -> str:  # noqa: ANN001
            return click.prompt(f"请输入 {server.user} 的密码（授权码，输入时不显示）", hide_input=True)

        saved = save_passwords(workspace, ask, only=only)
        click.echo("已保存到系统凭据管理器：" + "、".join(s.user for s in saved))
        return 0
    report = fetch_mail(workspace, since=since, only=only)
    for saved_mail in report.saved:
        click.echo(f"  收到 {saved_mail.received_at:%m-%d %H:%M} [{saved_mail.mailbox}] {saved_mail.subject}")
    click.echo(
        f"新收邮件 {len(report.saved)} 封，已有（含两个邮箱重复收到）{report.duplicates} 封；"
        f"已读取邮箱：{'、'.join(report.mailboxes_read) or '无'}。"
    )
    return _print_problems(report.problems)


def _status(workspace: Path | None, week: date | None, as_json: bool) -> int:
    """Print who is in so far, or the same as JSON."""
    from ..api import load_context
    from ..status import week_status

    status = week_status(workspace, week)
    config = load_context(workspace).config
    if as_json:
        import json

        click.echo(json.dumps(status.to_dict(config), ensure_ascii=False, indent=1))
        return 0
    _print_status(status, config)
    return 0


def _remind(workspace: Path | None, week: date | None, send: bool, yes: bool) -> int:
    """Write the reminder drafts; send them after confirmation when asked to."""
    from .remind import prepare_reminders, send_reminders

    result = prepare_reminders(workspace, week)
    if not result.drafts:
        click.echo("本周各单位均已报齐电子版和盖章扫描件，无需催报。")
        return 0
    click.echo(f"催报邮件草稿（{len(result.drafts)} 封）：{result.folder}")
    for d in result.drafts:
        click.echo(f"  {d.unit}：缺{d.missing}　收件人：{d.to or '（名录中无邮箱）'}")
    if send:
        ready = [d for d in result.drafts if d.to]
        if not ready:
            click.echo("没有可发送的单位（名录中均无邮箱）。")
        elif yes or click.confirm(f"确认向以上 {len(ready)} 个单位发送催报邮件？", default=False):
            send_reminders(workspace, result)
            click.echo(f"已发送 {len(result.sent)} 封：{'、'.join(result.sent)}")
        else:
            click.echo("未发送。草稿已保存，可稍后手工发送。")
    return _print_problems(result.problems)


def _print_status(status, config) -> None:  # noqa: ANN001
    from ..weeks import cn_datetime

    click.echo(f"报送周：{status.week.isoformat()}　截止：{cn_datetime(status.deadline, config)}　{status.time_left}")
    arrived = status.in_()
    click.echo(f"已收到 {len(arrived)} 个单位：")
    for u in arrived:
        kind = "电子版+扫描件" if u.electronic and u.scan else ("仅电子版" if u.electronic else "仅扫描件")
        when = cn_datetime(u.received_at, config) if u.received_at else "—"
        timing = {"on_time": "按时", "late": "迟报", "invalid": f"报送有误：{u.invalid_reason}"}.get(u.state, "")
        click.echo(f"  {u.name}　{kind}　{when}　{timing}".rstrip())
    waiting = [u for u in status.units if not (u.electronic or u.scan)]
    click.echo(f"尚未收到 {len(waiting)} 个单位：")
    for u in waiting:
        click.echo(f"  {u.name}　联系人：{u.contact or '未登记'}　电话：{u.phone or '未登记'}")
    for note in status.notes:  # what the standing above could not check
        click.secho(f"注意：{note}", fg="yellow")


def _print_problems(problems) -> int:  # noqa: ANN001
    from ..problems import ERROR

    failed = False
    for p in problems:
        click.secho(str(p), fg="red" if p.severity == ERROR else None, err=p.severity == ERROR)
        failed = failed or p.severity == ERROR
    return 1 if failed else 0
