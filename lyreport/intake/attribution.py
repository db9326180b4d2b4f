"""Whose return is this: template identity, 填报单位, sender, file name, sheet name, and as a last resort the measures.

Several sources may name a unit; the first counts and disagreement is reported. A cell naming two units
(a joint return, "市医疗保障局、市卫健委") is ambiguous and never resolved by picking one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import lazyre
from ..models import MasterList, SourceFile, WorkbookData
from ..problems import Problem, problem
from ..unitnames import Match, UnitDirectory
from . import normalize as nz
from .headblock import Block
from .safety import ARROW
from .sidecar import MAIL_DIR

SOURCE_LABELS = {
    "template": "模板标识",
    "block": "填报单位",
    "email": "发件人邮箱",
    "file": "文件名",
    "sheet": "工作表名",
    "around": "所在邮件、压缩包或文件夹名",
    "subject": "邮件主题",
    "measures": "所填措施",
}
# Separators between unit names in one cell or file name; none of them occurs inside a unit name.
_SEPARATORS = lazyre.compile(r"[、,，;；/／+＋&\s]+|与|及|联合")
# Words of a return made by several bodies together, besides the separators: "市发改委等单位", "洛济两地发改委".
_JOINT = lazyre.compile(r"等|两市|两地|两家|双方|会同|协同|共同")
_GENERIC_SHEETS = lazyre.compile(r"^(?:sheet\d*|工作表\d*|落实情况|.*报表|.*台账|.*清单)$", re.IGNORECASE)


@dataclass
class Context:
    """Where problems point and who they concern, shared by the helpers of one parse."""

    book: WorkbookData
    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)
    not_assigned: list[tuple[int, str]] = field(default_factory=list)  # (measure, cell) of other units' rows

    def add(self, code: str, cell: str = "", **fields: Any) -> None:
        self.problems.append(problem(code, file=self.book.file.display, sheet=self.sheet, cell=cell, **fields))


def units_in_text(directory: UnitDirectory, text: str) -> Match:
    """The unit a free text names; two units named side by side ("医保局、卫健委") make it ambiguous."""
    whole = directory.find_in_text(text)
    parts = _SEPARATORS.split(text)
    # No separator: the whole text was the one part searched. Another place's body ("济源市交通运输局") anywhere
    # in it: none of ours is named, whatever the parts say.
    if whole.foreign or parts == [text]:
        return whole
    named: list[str] = []
    for part in parts:
        found = directory.find_in_text(part).unit if part else None
        if found and found not in named:
            named.append(found)
    if len(named) > 1:
        return Match(None, sorted(named))
    return whole


def written_unit(directory: UnitDirectory, written: str) -> Match:
    """The unit a 填报单位 text names: the name or an alias, else a unit named inside it
    ("洛阳市交通运输局综合科", "市卫健委（盖章）")."""
    match = directory.match(written)
    if match.unit or match.ambiguous:
        return match
    match = units_in_text(directory, written)
    if match.unit and (after := directory.placed_after(written)):
        return Match(None, foreign=after)
    return match


def identify_unit(
    ctx: Context,
    block: Block,
    directory: UnitDirectory,
    master: MasterList | None = None,
    measures: Callable[[], list[int]] | None = None,
) -> tuple[str | None, str, list[str]]:
    """(unit, reason if None, sources that said something) from the first source naming one; warns on conflict.

    `measures` (read lazily, only when the template identity and 填报单位 disagree): the measure numbers the
    table reports; when they are all 填报单位's unit's and none the template's, they side with 填报单位."""
    said: list[tuple[str, str]] = []
    written = nz.text(block.value("unit"))
    ident = str(ctx.book.identity.get("unit") or "").strip()
    if ident:
        known = directory.get(ident)
        unit = known.name if known else directory.match(ident).unit
        if unit:
            said.append(("template", unit))
        else:
            ctx.add("template-unit-unknown", name=ident)
    block_note, other_place = _match_block_unit(ctx, block, directory, written, said)
    if other_place:  # the form says it is another place's body: never counted as ours, whoever sent it
        return None, block_note, [source for source, _ in said]
    sender = (ctx.book.file.sender or "").strip()
    if sender and (unit := directory.by_email(sender).unit):
        said.append(("email", unit))
    if unit := _named_in(ctx, directory, own_name(ctx.book.file.display), "文件名"):
        said.append(("file", unit))
    if not _GENERIC_SHEETS.match(ctx.sheet.strip()) and (unit := _named_in(ctx, directory, ctx.sheet, "工作表名")):
        said.append(("sheet", unit))
    if not said:
        reason = f"{block_note}，发件人和文件名中也找不到单位名录中的单位，请在表中“填报单位”处填写单位名称"
        return None, reason, []
    chosen = said[0][1]
    by_source = dict(said)
    template, named = by_source.get("template"), by_source.get("block")
    if (
        master is not None
        and measures is not None
        and template
        and named
        and template != named
        and _visible_majority(said) is None  # only when 填报单位 stands alone against the template
        and _all_of_none_of(master, _reported(master, measures), named, template)
    ):
        said.append(("measures", named))
    if master is not None and measures is not None and not {"template", "block"} & by_source.keys():
        chosen = _by_measures(master, said, chosen, measures)
    overruled = _visible_majority(said)
    if overruled:  # another unit's template, filled in and named as its own by this unit
        chosen, sources = overruled
        ctx.add(
            "unit-template-other",
            cell=block.cell("unit"),
            template=said[0][1],
            chosen=chosen,
            sources="、".join(sources),
        )
    elif any(unit != chosen for _, unit in said):
        details = "；".join(f"{SOURCE_LABELS[source]}为“{unit}”" for source, unit in said)
        ctx.add("unit-conflict", details=details, chosen=chosen)
    return chosen, "", [source for source, _ in said]


def own_name(display: str) -> str:
    """The workbook's own file name (the attachment, zip member or inbox file), without the mails, zips and
    folders it came in: "邮件/市发改委/x.eml › 落实情况.xlsx" → "落实情况.xlsx"."""
    return display.rsplit(ARROW, 1)[-1].rsplit("/", 1)[-1]


def names_around(display: str) -> list[str]:
    """The names the workbook came inside, innermost first: zip folders, forwarded mails, the .eml or .zip,
    the inbox folders. Never fetch's mailbox folder (邮件/<mailbox name>/): it says whose mailbox received
    the mail (the README's second mailbox is 市发改委's), not who sent it."""
    pieces = [piece.split("/") for piece in display.split(ARROW)]
    if len(pieces[0]) > 2 and pieces[0][0] == MAIL_DIR:
        pieces[0] = pieces[0][2:]
    pieces[-1] = pieces[-1][:-1]
    return [name for piece in reversed(pieces) for name in reversed(piece) if name]


def named_around(directory: UnitDirectory, file: SourceFile) -> tuple[str, str] | None:
    """(unit, source) named where the workbook came from, when the workbook itself names none: the names
    around it, then the mail's subject. Weaker than anything in or on the workbook: a reply's subject
    ("Re: 市发改委关于…的通知") or a staff folder names a body that need not be the sender."""
    for name in names_around(file.display):
        if unit := units_in_text(directory, name).unit:
            return unit, "around"
    if file.subject and (unit := units_in_text(directory, file.subject).unit):
        return unit, "subject"
    return None


def settle_unnamed(
    ctx: Context, cell: str, directory: UnitDirectory, master: MasterList, numbers: list[int], *, guess: bool
) -> str | None:
    """The unit of a return that names none itself: the mail or folder it came in, unless the measures it
    reports are none of that unit's; else the measures (when `guess`), with a warning either way."""
    hint = named_around(directory, ctx.book.file)
    if hint is None and (elsewhere := _other_place_around(directory, ctx.book.file)):
        # "济源市交通运输局.zip" or a folder named for another place's body: not anonymous, no guessing
        where, name, units = elsewhere
        ctx.add("unit-other-place", cell=cell, where=where, name=name, units="、".join(units), side="前面")
        return None
    inferred = infer_unit(master, numbers) if guess else None
    if hint and inferred in (None, hint[0]) and _fits(master, hint[0], numbers):
        return hint[0]
    if inferred:
        ctx.add("unit-inferred", cell=cell, unit=inferred, nos=sorted(set(numbers)))
        if hint and hint[0] != inferred:  # said, never followed: the measures are the return's own evidence
            details = f"{SOURCE_LABELS[hint[1]]}为“{hint[0]}”；{SOURCE_LABELS['measures']}为“{inferred}”"
            ctx.add("unit-conflict", details=details, chosen=inferred)
    return inferred


def _other_place_around(directory: UnitDirectory, file: SourceFile) -> tuple[str, str, list[str]] | None:
    """(where, the name, units) when a zip, folder or saved mail the workbook came in is named for another place's
    body. Not the subject: a reply to 济源's notice ("Re: 济源市发改委关于…的通知") may carry our unit's return."""
    for name in names_around(file.display):
        if foreign := units_in_text(directory, name).foreign:
            return SOURCE_LABELS["around"], name, foreign
    return None


def _fits(master: MasterList, unit: str, numbers: list[int]) -> bool:
    """Whether the measures reported leave the unit possible: none reported, or at least one of its own."""
    wanted = {no for no in numbers if master.measure(no) is not None}
    return not wanted or bool(wanted & {m.no for m in master.measures_of(unit)})


def _by_measures(
    master: MasterList, said: list[tuple[str, str]], chosen: str, measures: Callable[[], list[int]]
) -> str:
    """Nothing on the form names the unit and the weaker sources (sender, file name, sheet) disagree: the
    unit that owns every measure reported wins over one that does not (a unit mailing another unit's return
    along with its own; measures the two share do not count against it). Said in unit-conflict as 所填措施."""
    if all(unit == chosen for _, unit in said):
        return chosen
    numbers = _reported(master, measures)
    own = {m.no for m in master.measures_of(chosen)}
    fits = [
        u
        for u in dict.fromkeys(u for _, u in said)
        if numbers and numbers <= {m.no for m in master.measures_of(u)} and not numbers <= own
    ]
    if len(fits) != 1:
        return chosen
    said.append(("measures", fits[0]))
    return fits[0]


def _reported(master: MasterList, measures: Callable[[], list[int]]) -> set[int]:
    """The measures of the list the table reports."""
    return {no for no in measures() if master.measure(no) is not None}


def _all_of_none_of(master: MasterList, numbers: set[int], unit: str, other: str) -> bool:
    """Whether every measure reported is `unit`'s and none is `other`'s: the measures side with `unit`."""
    own = {m.no for m in master.measures_of(unit)}
    return bool(numbers) and numbers <= own and not numbers & {m.no for m in master.measures_of(other)}


def _visible_majority(said: list[tuple[str, str]]) -> tuple[str, list[str]] | None:
    """(unit, its sources) when 填报单位 and another visible source agree on a unit against the template identity.

    The identity sheet is invisible to the person filling in; what they wrote (填报单位) and named
    (file, sheet, sender) is the more recent evidence. 填报单位 must be one of them: a file name alone
    is often the receiving office's own naming.
    """
    by_source = dict(said)
    template, written = by_source.get("template"), by_source.get("block")
    if template is None or written is None or written == template:
        return None
    sources = [SOURCE_LABELS[source] for source, unit in said if unit == written]
    return (written, sources) if len(sources) >= 2 else None


def _named_in(ctx: Context, directory: UnitDirectory, text: str, where: str) -> str | None:
    """The unit a file or sheet name names; another place's body there ("济源市交通运输局.xlsx") is said, not used."""
    match = units_in_text(directory, text)
    if match.foreign:
        ctx.add("unit-other-place", where=where, name=text, units=match.foreign, side="前面")
    return match.unit


def _match_block_unit(
    ctx: Context, block: Block, directory: UnitDirectory, written: str, said: list[tuple[str, str]]
) -> tuple[str, bool]:
    """Match the 填报单位 text; returns a phrase for the unit-unknown reason and whether it names another place's body."""
    if not written:
        return "表中未填写填报单位", False
    match = written_unit(directory, written)
    if match.unit:
        said.append(("block", match.unit))
        if directory.match(written).unit is None:  # the name found inside a longer text: what else does it say?
            _said_besides(ctx, block, directory, written, match.unit)
        return "", False
    if match.foreign:
        units = "、".join(match.foreign)
        side = "后面" if directory.find_in_text(written).unit else "前面"  # "发改委（济源）" or "济源市发改委"
        ctx.add("unit-other-place", cell=block.cell("unit"), where="填报单位", name=written, units=units, side=side)
        return f"填报单位“{written}”是其他地方的单位，不是单位名录中的“{units}”", True
    if match.ambiguous:
        ctx.add("unit-ambiguous", cell=block.cell("unit"), name=written, candidates=match.candidates)
        return f"填报单位“{written}”可对应多个单位（{'、'.join(match.candidates)}）", False
    if place := directory.leading_place(written):  # "济源示范区发展改革和统计局": whatever template it filled
        ctx.add("unit-other-place-unlisted", cell=block.cell("unit"), name=written, place=place)
        return f"填报单位“{written}”是{place}的单位，不在单位名录中", True
    ctx.add("unit-name-unknown", cell=block.cell("unit"), name=written)
    return f"填报单位“{written}”不在单位名录中", False


def _said_besides(ctx: Context, block: Block, directory: UnitDirectory, written: str, unit: str) -> None:
    """Counted for `unit`, but said when 填报单位 also names another place ("市交通运输局济源分局": a branch of ours
    or 济源's; "洛阳、济源两市交通运输局": a joint return) or more bodies ("市发改委等单位", "洛济两地发改委")."""
    if place := directory.other_place_in(written, unit):
        ctx.add("unit-place-after", cell=block.cell("unit"), name=written, unit=unit, place=place)
    elif word := _JOINT.search(nz.text(written)):
        ctx.add("unit-joint", cell=block.cell("unit"), name=written, unit=unit, word=word.group())


def infer_unit(master: MasterList, numbers: list[int]) -> str | None:
    """The one unit responsible for every measure reported, when no name was found anywhere; else None."""
    wanted = {no for no in numbers if master.measure(no) is not None}
    if len(wanted) < 2:  # one shared measure says too little
        return None
    owners = [unit for unit in master.units if wanted <= {m.no for m in master.measures_of(unit)}]
    return owners[0] if len(owners) == 1 else None
