"""The shell every command runs in: click in Chinese (headings, usage errors, date and path types), one
guard that turns any failure into a Chinese message, and the fast exit of the `lyreport` program."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from .textsafe import shown, shown_lines

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_SECTIONS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
_CLICK_ERRORS = (
    ("Missing argument", "缺少参数"),
    ("Missing option", "缺少选项"),
    ("No such option", "没有这个选项"),
    ("No such command", "没有这个命令"),
    ("Invalid value for", "参数值无效："),
    ("Got unexpected extra argument", "多余的参数"),
    ("requires an argument", "需要一个值"),
    ("does not exist", "不存在"),
    ("Did you mean", "是否想输入"),
)


class _Formatter(click.HelpFormatter):
    """Help text in Chinese: click's own headings are English."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_SECTIONS.get(heading, heading)}：\n")


class _Context(click.Context):
    formatter_class = _Formatter


class _ChineseHelp:
    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option


class _Command(_ChineseHelp, click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class Group(_ChineseHelp, click.Group):
    command_class = _Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Click's usage errors, translated; everything else is handled by each command."""
        global _FAST_EXIT
        # Called with no arguments = the `lyreport` program itself (not click's test runner, not a caller
        # in the same process): then, once everything is written, the process may skip its teardown.
        _FAST_EXIT = not args and not kwargs
        if _FAST_EXIT:
            from . import lean

            lean.as_program()
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "")
            sys.exit(0)
        except click.UsageError as exc:
            message = exc.format_message()
            for english, chinese in _CLICK_ERRORS:
                message = message.replace(english, chinese)
            if exc.ctx is not None:
                click.echo(exc.ctx.get_usage(), err=True)
                click.echo(f"请运行“{exc.ctx.command_path} --help”查看帮助。", err=True)
            click.secho(f"错误：{message}", fg="red", err=True)
            sys.exit(2)
        except click.exceptions.Abort:
            click.echo("已取消。", err=True)
            sys.exit(1)


class DateType(click.ParamType):
    name = "日期"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        text = str(value).strip().replace("/", "-").replace(".", "-")
        try:
            return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
        except ValueError:
            self.fail(f"“{value}”不是有效日期，请写成 2021-01-07 这样的格式", param, ctx)


DATE = DateType()


class _PathType(click.Path):
    """click.Path with a Chinese placeholder in the help (目录 / 文件)."""

    def __init__(self, label: str, **kwargs: Any):
        super().__init__(path_type=Path, **kwargs)
        self.label = label

    def get_metavar(self, *args: Any, **kwargs: Any) -> str:
        return self.label


FOLDER = _PathType("目录", file_okay=False)
FILE = _PathType("文件", dir_okay=False)


_FAST_EXIT = False


def finish(code: int) -> None:
    """End the command. As a program: flush and leave at once, skipping the interpreter's teardown
    (60–110 ms of freeing objects one by one); every output is already written, closed and renamed."""
    if not _FAST_EXIT:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _pipe_closed() -> int:
    """The reader of our output went away. Leave quietly as Unix programs do (128 + SIGPIPE), with what is still
    buffered sent nowhere: flushing it at exit would print a BrokenPipeError of its own."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 141


def guard(debug: bool, action: Callable[[], int]) -> None:
    """Run an action; user errors become a Chinese message (exit 2), never a traceback unless --debug."""
    from .faults import LyreportError

    if _FAST_EXIT:
        gc.freeze()  # what is imported lives until exit: keep it out of every later collection
        # A run builds long-lived results, hardly any cyclic garbage: collecting every 700 new objects
        # cost ~60 ms of a 1,000-return week for nothing found; a few MB of cycles may wait longer.
        gc.set_threshold(50_000)
    try:
        code = action()
    except LyreportError as exc:
        click.secho(f"无法运行：{shown_lines(str(exc))}", fg="red", err=True)
        code = 2
    except KeyboardInterrupt:
        click.secho("已中断。历史记录和已有输出文件未受影响。", fg="yellow", err=True)
        code = 130
    except BrokenPipeError:  # `lyreport status | more` closed early: what it wanted was shown, nothing failed
        code = _pipe_closed()
    except Exception as exc:  # noqa: BLE001 - last line of defence for users
        if debug:
            import traceback  # only here: with linecache and tokenize it costs ~2 ms of every start

            traceback.print_exc()
        click.secho(f"运行出错（程序内部错误）：{shown(str(exc))}", fg="red", err=True)
        click.echo("如需技术人员排查，请加 --debug 重新运行并把输出发给维护人员。", err=True)
        code = 2
    finish(code)
