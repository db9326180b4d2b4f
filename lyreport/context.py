"""A loaded workspace: find it, read its config, then its unit directory and master list.

Two steps, because `check` starts reading the files between them (see checking.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .config import CONFIG_NAME, Config, ConfigError, Workspace, find_workspace, load_config
from .faults import LyreportError
from .master import MasterError, load_directory, load_master
from .models import MasterList
from .problems import Problem, problem
from .unitnames import UnitDirectory


@dataclass
class Context:
    """A loaded workspace: config, master list, unit directory and notes from loading them."""

    workspace: Workspace
    config: Config
    master: MasterList
    directory: UnitDirectory
    master_path: Path
    notes: list[Problem] = field(default_factory=list)

    @property
    def is_default_list(self) -> bool:
        return self.master_path.resolve() == (self.workspace.templates / self.config.master_file).resolve()

    @property
    def archive(self) -> Path:
        """Where every processed input is kept (archive.py)."""
        return self.workspace.history / "archive"


def load_context(workspace: Path | None = None, master: Path | None = None) -> Context:
    """Find the workspace and load config, unit directory and master list, or raise LyreportError."""
    return load_lists(*load_settings(workspace), master)


def load_settings(workspace: Path | None = None) -> tuple[Workspace, Config]:
    """The workspace around `workspace` (default: the current folder) and its config, or LyreportError."""
    try:
        ws = find_workspace(workspace or Path.cwd())
        return ws, load_config(ws.config_path)
    except ConfigError as exc:
        raise LyreportError(str(exc)) from None


def load_lists(ws: Workspace, config: Config, master: Path | None = None) -> Context:
    """The unit directory and the master list (`master`, default the config's), or LyreportError."""
    master_path = master if master is not None else ws.templates / config.master_file
    if not master_path.is_absolute() and not master_path.exists():
        candidates = [ws.root / master_path, ws.templates / master_path, ws.templates / master_path.name]
        master_path = next((c for c in candidates if c.exists()), master_path)
    try:
        directory = load_directory(ws.templates / config.directory_file)
        master_list, notes = load_master(master_path, directory)
    except MasterError as exc:
        lines = "\n".join(f"  {p}" for p in exc.problems)
        raise LyreportError(f"措施清单或单位名录有误，请修改后重试：\n{lines}") from None
    context = Context(ws, config, master_list, directory, master_path, notes)
    context.notes += [problem("config-unknown-key", file=CONFIG_NAME, detail=m) for m in config.unknown_keys]
    if not context.is_default_list:
        context.config = _list_wording(context)
    elif not _wording_names(context.master):
        context.config = _own_list_wording(context)
    return context


SECOND_LIST_OPENING = "各责任单位每周四12时前报送{list_title}落实情况。现将截至{week_cn}的落实情况通报如下。"
# The main list's first step quotes the leaders' instruction on the 33 measures ("抓紧与济源对接"): not this list's.
SECOND_LIST_NEXT_STEPS = [
    "各责任单位要逐条对照措施内容，加强协调对接，推动各项措施落实、落地。",
    "对亮红灯的措施，牵头单位要分析滞后原因，制定追赶措施，明确完成时限，确保按期完成。",
    "各责任单位要严格按照要求，于每周四12时前将落实情况（电子版及盖章扫描件，附联系人、联系电话）同时报送副中心办公室和市发改委，未按时报送的单位要及时补报。",
    "副中心办公室将不定期组织人员对落实情况进行督导，督导情况将定期通报。",
]
# The main mail body names the main list's 通报 word for word; {title} is this list's 通报 title.
SECOND_LIST_MAIL_BODY = "各位领导、同事：\n\n现将{week_cn}{title}及工作台账发送给您，请查收。\n\n{office}\n{date_cn}"


def _list_words(master: MasterList) -> dict[str, Any]:
    """The [summary] keys whose bundled text names the 33 measures, as a list of its own says them."""
    return {
        "title": f"{master.title}落实情况督导通报",
        "title_lines": [],
        "opening": SECOND_LIST_OPENING,  # the main one cites the main list's notice (《关于开展洛阳济源同城一体……》)
        "next_steps": list(SECOND_LIST_NEXT_STEPS),
    }


def _list_wording(context: Context) -> Config:
    """A second list's 通报 and mail: its own title and 发文字号, never the main list's series.

    [summary."<清单文件名>"] in 配置.toml may give title, title_lines, doc_number, opening (and any other [summary]
    key); without it the title is built from the list's 清单名称, the 发文字号 is left blank, the opening cites
    no notice (the main one cites the main list's) and next_steps are generic (the main ones quote the 33 measures'
    instruction). The [mail] body is kept only where it names the 通报 by {title}: the bundled one spells the main
    list's title out.
    """
    config = context.config
    own = config.summary.get(context.master_path.stem)
    own = dict(own) if isinstance(own, dict) else {}
    for key, messages in config.list_wording_errors.get(context.master_path.stem, {}).items():
        own.pop(key, None)  # a typo'd placeholder would print as blank text: this key keeps the default
        context.notes += [problem("config-list-wording", file=CONFIG_NAME, detail=m, key=key) for m in messages]
    summary = {k: v for k, v in config.summary.items() if not isinstance(v, dict)}
    summary.update(_list_words(context.master), doc_number="")
    summary.update(own)
    main_number = str(config.summary.get("doc_number") or "").strip()
    if main_number and str(summary["doc_number"]).strip() == main_number:
        context.notes.append(problem("doc-number-shared", list_title=context.master.title, number=main_number))
    mail = dict(config.mail)
    if "{title}" not in str(mail.get("body") or ""):  # missing: the bundled one, which spells the title out
        mail["body"] = SECOND_LIST_MAIL_BODY
    return replace(config, summary=summary, mail=mail)


# The list the bundled [summary]/[mail] wording was written for: its title, opening, next steps and mail body name
# the 33 measures (“洛阳济源同城一体深度融合”, “抓紧与济源对接”).
BUNDLED_WORDING_LIST = ("ly-jy-33", "洛阳济源同城一体深度融合三十三条")


def _wording_names(master: MasterList) -> bool:
    """Whether the bundled wording is this list's (by 清单编号 or 清单名称: a renumbered copy is still it)."""
    return master.list_id == BUNDLED_WORDING_LIST[0] or master.title == BUNDLED_WORDING_LIST[1]


def _own_list_wording(context: Context) -> Config:
    """The workspace's own list (配置.toml `master`) is not the 33 measures: wording still as bundled (never written
    by staff for this list) would title its 通报 “洛阳济源同城一体深度融合……” and ask units to 与济源对接. Those keys
    take this list's wording, as for a second list; keys staff have changed are theirs and kept. Its 发文字号 series
    is the workspace's own and stays. Noted once (info), so the config and the 通报 are not read as disagreeing."""
    config = context.config
    bundled = load_config()
    ours = _list_words(context.master)
    summary = dict(config.summary)
    replaced = [key for key in ours if summary.get(key) in (None, bundled.summary.get(key))]
    summary.update({key: ours[key] for key in replaced})
    mail = dict(config.mail)
    if mail.get("body") in (None, bundled.mail.get("body")):
        mail["body"] = SECOND_LIST_MAIL_BODY
        replaced.append("body")
    if replaced:
        context.notes.append(
            problem(
                "config-wording-own-list", file=CONFIG_NAME, list_title=context.master.title, keys="、".join(replaced)
            )
        )
    return replace(config, summary=summary, mail=mail)


def scan_cache(context: Context) -> Path:
    """What was read from each scan, by SHA-256: re-running a week does not OCR again."""
    return context.workspace.history / "scan-cache"
