"""What a written 完成状态 means: units write short sentences, not codes, so the whole cell is read.

The rules, in the order they decide (each row is tested in tests/test_normalize.py):

| written                                   | read as   | why                                            |
|-------------------------------------------|-----------|------------------------------------------------|
| 已完成 · 推进中 · 滞后 · 未启动 (exact)     | its status| an exact status word (not an interpretation)   |
| 进度滞后（受疫情影响） · 正常推进，无滞后     | as written| first clause exact, the rest does not contradict (still noted) |
| 推进中，部分工作滞后 · 已启动，进度滞后 · 推进缓慢 | 进度滞后 | a lag anywhere in the cell wins              |
| 正常推进（部分路段进度滞后）                 | 进度滞后   | the same, inside a remark                      |
| 未推进 · 停止推进 · 推进受阻 · 无进展 · 停工    | 进度滞后   | not moving is a lag (无新进展 this week is not)  |
| 逾期 · 逾期未完成 · 正在推进，已逾期           | 进度滞后   | overdue is a lag                               |
| 不正常 · 推进较慢 · 进度不理想 · 未达到序时进度  | 进度滞后   | behind schedule, however said                  |
| 推进迟缓 · 进度延迟 · 工期延后 · 推进放缓 · 施工中断 | 进度滞后 | the same in other words (未延迟 is no lag)     |
| 推进很慢 · 推进乏力 · 未达预期 · 未按节点推进 · 节点已过 | 进度滞后 | the same                                   |
| 未按计划推进 · 没有按期完成 · 未能如期完成      | 进度滞后   | the same                                       |
| 正常推进，未滞后 · 无延期 · 避免滞后 · 未逾期   | 正常推进   | a negated lag is not a lag                     |
| 逾期完成                                  | unreadable | done late, or late yet to come: the unit must say |
| 不再实施 · 无需推进 · 已取消                   | unreadable | given up or not needed: none of the four        |
| 已完成并投入使用 · 已完成，已通车               | 已完成     | done, and the rest only confirms it            |
| 進度滯後 · 正常推進，部分路段滯後              | as simplified | traditional characters (always noted)       |
| 已完成（已销号） · 已完成，已验收 · 已完成100%  | 已完成     | done, and the rest only confirms it            |
| 已提前完成 · 已超额完成 · 已完成（提前）       | 已完成     | done ahead of time or beyond the plan is done  |
| 提前完成 · 按期完成 (no 已)                  | unreadable | a plan as much as a result                     |
| 已完成，完成率100% · 已完成（进度100%）        | 已完成     | the same                                       |
| 已完成；某段尚未开工 · 已完成（部分）          | 正常推进   | done with a reservation is not done            |
| 基本完成 · 已完成90% · 已完成前期工作 · 已完成，待验收 | 正常推进 | the same                             |
| 未完成，正在推进 · 已开工                     | 正常推进   | started, not done                              |
| 尚未开工（待省里批复） · 没启动 · 还没开工       | 尚未启动   | only a not-started phrase                      |
| 尚未开工（正在办理手续）                     | 正常推进   | not started, but preparatory work under way    |
| 尚未启动，计划二季度启动 · 未启动，拟于3月开工  | 尚未启动   | a start planned for later is no start          |
| 未完成 · 尚未完成 · 正在研究 · 同上 · 完成了一半 | unreadable | could be several statuses: the unit must say |
| 已完成？ · ☐已完成 · 已完成× · ~~已完成~~ · 已完成(x) | unreadable | crossed out, unticked or questioned |
| 已完成★ (a mark not known)                 | unreadable | cannot vouch for a done it may qualify         |
| 进度滞后？ · 滞后×                          | 进度滞后   | a lag is the least favourable reading anyway   |
| ✓已完成 · ☑已完成 · 已完成（√）              | 已完成     | a tick confirms                                |
| □已完成 ☑正常推进 □进度滞后 · 已完成□ 正常推进√ | 正常推进   | a printed list of choices: the one ticked      |
| 已完成（√） 正常推进（ ） 进度滞后（ ）          | 已完成     | the same, the boxes printed as brackets        |
| □已完成 □正常推进 · ☑已完成 ☑正常推进 · 口已完成口进度滞后 | unreadable | none or several ticked (a scan's tick read as a box) |
| 已完成 ☑正常推进 □进度滞后 · 口已完成正常推进口进度滞后 | unreadable | an option without a box: its tick may be lost |
| ☑已完成 □正常推进（部分路段滞后）             | 进度滞后   | a remark beside the list is read with the tick; a lag wins |
| 一期已完成√，二期正常推进 · √已完成 正常推进    | 正常推进   | no list (a box beside only one option): a sentence |
| 已完成/正常推进/进度滞后 · 完成/未完成 · 已完成或正常推进 | unreadable | the prompt's options, none chosen |
| A.已完成 · 1、已完成 · (2)正常推进            | the option | a drop-down list's option with its label |

Everything but an exact match is an interpretation, which the parser reports with the original text. A status
that reads as unreadable because of a mark is reported with that mark (`status_mark`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

from .. import lazyre
from ..models import DONE, LAGGING, NOT_STARTED, ON_TRACK

_STATUS_WORDS = {
    DONE: "已完成 完成 已办结 办结 已落实 落实 全部完成 已全部完成 已经完成 已完工",
    ON_TRACK: "正常推进 推进中 进行中 正在推进 按计划推进 正常 正常推进中 正在进行 按期推进 有序推进 稳步推进 "
    "顺利推进 按序时推进 实施中 正在实施 持续推进 长期推进 常态化推进 常态化 持续开展 长期坚持 持续落实 已启动 已开工 "
    "在建 推进",
    LAGGING: "进度滞后 滞后 延期 未按期 已延期 未按期完成 推进滞后 进展滞后 进度落后 落后",
    NOT_STARTED: "尚未启动 未启动 尚未开始 未开始 暂未启动 还未启动 尚未开展 未开展",
}
STATUS_INDEX = {word: status for status, words in _STATUS_WORDS.items() for word in words.split()}
_TICKS = "✓√✔☑✅🗸"
# Marks that cross out, leave unticked or question the word they stand beside (matched after NFKC, which turns
# ？ into ?, ～ into ~ and ｘ into x). × and ~ are no mark between digits ("2×3", "1~3"), nor x inside a word.
# The U+0335..U+0338 overlays are strike-through typed over the characters.
_DOUBT = lazyre.compile(
    r"[?¿‽✕✖✗✘❌❎☒☓⊗⊠⨯╳☐□▢◻⬜\u0335-\u0338]"
    r"|(?<!\d)[×~〜]|[×~〜](?!\d)|(?<![A-Za-z0-9])[xX](?![A-Za-z0-9])"
)
_QUESTION = "?¿‽"
_SHORT = 8  # characters: a status word with a mark or two
# Ticks, and the separators a table border leaves beside a scanned cell's text: no doubt about the word.
_NO_MARK = _TICKS + "|｜丨¦"
# Invisible characters that come with copied text or emoji (✔️ is ✔ + U+FE0F): no mark at all.
_INVISIBLE = lazyre.compile(r"[\ufe0e\ufe0f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")

# A negated lag ("未滞后", "无明显延期", "避免滞后") says the opposite of a lag.
_NO_LAG = lazyre.compile(
    r"(?:未|无|没有|没|不|不存在|未发生|防止|避免|杜绝|不会)(?:发现|出现|任何|明显|进度|工作)*"
    r"(?:滞后|延期|延误|延迟|延后|落后|推迟|拖期|拖延|逾期|超期|停工|停滞|迟缓|放缓|中断)(?:情况|现象|问题|风险)?"
)
_LAG = lazyre.compile(
    r"滞后|延期|延误|延迟|延后|顺延|落后|拖后|推迟|停滞|迟滞|迟缓|放缓|暂停|暂缓|停摆|中断|拖期|拖延|缓慢|跟不上"
    # not on time, not to plan: 未按期 · 没有按期完成 · 未能如期 · 不能按计划 · 未按计划推进 · 未按节点推进
    r"|(?:未|未能|没|没有|没能|不能|无法|难以|不能够)(?:按|如)(?:期|时|计划|序时|节点)"
    # a deadline passed: 节点已过 · 工期已过
    r"|(?:节点|时限|期限|工期)已过"
    # overdue (逾期完成 alone may be a done that came late, or a late one yet to come: the unit must say)
    r"|(?:逾期|超期)(?!完成)"
    # stopped, stuck or not moving: 未推进 · 无法推进 · 停止推进 · 停工 · 推进受阻 · 无进展 · 进展甚微
    r"|(?:未|没|没有|尚未|还未|仍未|暂未|未能|不能|无法|难以|停止)(?:正常|有效)?(?:推进|进展)"
    r"|停止(?:实施|建设|施工|开展|工作)|停工|停建|中止|搁置|受阻|未复工|(?:推进|进展)(?:困难|艰难|不力|乏力)"
    r"|(?:无|没有|没|毫无|暂无|未取得)(?:任何|明显|实质性?|大的|较大)?进展|进展(?:不大|甚微)"
    # behind schedule: 不正常 · 推进较慢 · 进度不理想 · 低于序时进度 · 未达到序时进度
    r"|(?:不|非|未|未能|不能|无法)正常|(?:较|偏|过|稍|略|比较|相对|很|太|非常|十分|进度|推进|进展|施工)慢|慢于"
    r"|(?:不|不太|不够)理想|不佳"
    # behind schedule or short of what was expected: 未达到序时进度 · 未达预期 · 低于预期 · 不及预期
    r"|(?:低于|落后于|未|尚未|未能|没有|没|达不到|不及)(?:达到?)?(?:序时|预期)"
)
_NOT_DONE = lazyre.compile(r"(?:未|尚未|没有|没|还未|仍未|暂未|还没有?)(?:全部|全面|完全)?(?:完成|办结|完工|落实)")
_NOT_STARTED = lazyre.compile(
    r"(?:未|尚未|暂未|还未|没有|还没有?|没|仍未)(?:正式)?(?:启动|开始|开展|开工|实施|动工|办理)"
)
_DONE = lazyre.compile(
    r"(?:已经?|均已|全部|全面)(?:按期|按时|如期|全面|全部|顺利|提前|超额)?(?:完成|办结|完工|落实|建成|竣工|销号)|^(?:完成|办结)(?=[\W_]|$)"
)
# A measure given up or found not needed is none of the four statuses: the unit must say (不再实施, 无需推进).
_CANCELLED = lazyre.compile(r"取消|终止|撤销|不再|无需|无须|不需要|不适用")
# Words that qualify a "done" as partial.
_PARTLY_DONE = lazyre.compile(r"基本完|基本完工|接近完成|即将完成|大部分完成|部分完成|阶段性完成|阶段性任务|初步完成")
# What may follow 已完成 and still leave it done.
_CONFIRMS = lazyre.compile(
    r"已?销号|已?办结|(?:已|已经|并)?(?:通过)?验收(?:合格|通过)?|全部|全面|圆满|顺利|按期|按时|如期|提前|超额"
    r"|(?:完成率|完成进度|完成比例|进度|已?完成)?(?:为|达到?)?(?:100%|百分之百)|任务|工作"
    r"|并?(?:已|已经)?(?:投入使用|投用|投运|通车|运营|运行)"
)
# A start announced for later ("计划二季度启动", "预计下月开工建设", "拟于3月实施"); 按计划推进 is no plan, nor is
# work said to go on ("准备工作正在推进", "力争前期工作加快推进": 推进 is under way, 准备工作 is the work).
_PLANNED = lazyre.compile(
    r"(?:(?<!按)计划|拟|预计|准备(?!工作)|争取|力争|将于|预定|打算)[^,;。:/()]{0,12}?(?:启动|开始|开展|开工|实施|动工|建设)"
)
_STARTED = lazyre.compile(
    r"推进|进行|实施|开展|启动|开工|复工|在建|建设中|施工|正常|按计划|有序|稳步|顺利|序时|持续|常态化|办理|落实中|对接中"
)
_PERCENT = lazyre.compile(r"(?:已|已经)?(?:完成|推进|进度|完成进度|完成约|完成了)(?:约|近|达|了)?(\d{1,3}(?:\.\d+)?)%")
_CLAUSE = lazyre.compile(r"[,;。:/()]")
# A printed list of choices ("□已完成 ☑正常推进 □进度滞后"): a box or tick beside every option, all on one side.
# OCR reads a printed box as 口, and ○ is written for a zero: those two count as boxes only where they stand as
# one (beside an option, with nothing but punctuation, another box or another option on the other side).
_EMPTY_BOXES = "□☐▢◻⬜口○◯"
_CHOSEN = _TICKS + "■▣●◉"
_BOXES = _EMPTY_BOXES + _CHOSEN + "☒"
_LOOKALIKE = "口○◯"
_OPTION = lazyre.compile("已完成|正常推进|进度滞后|尚未启动|未启动|滞后")
_PUNCT = lazyre.compile(r"[\W_]+")


def read_status(value: Any) -> tuple[str | None, bool]:
    """(status, interpreted) of a written status; interpreted unless the wording is an exact status word."""
    key = _key(value)
    if key is None:
        return None, False
    found, interpreted, _ = _read(key)
    if found is not None and not interpreted and _is_traditional(value):
        interpreted = True  # "進度滯後" is 进度滞后, and the user is shown what was written
    return found, interpreted


def _is_traditional(value: Any) -> bool:
    text = str(value)
    return text != text.translate(_SIMPLIFIED)


def status_mark(value: Any) -> str | None:
    """The mark that made a status unreadable ("已完成×" → "×"), for the message; None when no mark did."""
    key = _key(value)
    mark = None if key is None else _read(key)[2]
    if mark is None:
        return None
    # Quote the mark as written (？ rather than the ? it was matched as).
    return next((c for c in str(value) if unicodedata.normalize("NFKC", c) == mark), mark)


# Traditional characters of the words read here (Hong Kong, Taiwan or a 繁體 input method: "進度滯後"), read as
# their simplified forms; a status so written is an interpretation (the original is quoted).
_SIMPLIFIED = str.maketrans(
    "為會況劃辦務動發號後啟啓圓堅復複夠實審對將並開態無時顯暫沒滯滿現確穩約經結絕續緩計認設詳誤資達過還進遲"
    "銷長問階難驗順題見擱礙擺較於邊歸檔個項",
    "为会况划办务动发号后启启圆坚复复够实审对将并开态无时显暂没滞满现确稳约经结绝续缓计认设详误资达过还进迟"
    "销长问阶难验顺题见搁碍摆较于边归档个项",
)


def _key(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return _INVISIBLE.sub("", re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))).translate(_SIMPLIFIED)


@lru_cache(maxsize=4096)  # the same few sentences recur in every return
def _read(key: str) -> tuple[str | None, bool, str | None]:
    """(status, interpreted, the mark that voids it) of a whitespace-free NFKC cell text."""
    # A tick around the word ("✔已完成") is read through; the word itself is exact.
    bare = key.strip(_TICKS + "。.,;:!、")
    if bare in STATUS_INDEX:
        return STATUS_INDEX[bare], False, None
    labelled = _OPTION_LABEL.fullmatch(bare)
    if labelled and labelled[1] in STATUS_INDEX:  # "A.已完成", "1、已完成": a drop-down list's option, as chosen
        return STATUS_INDEX[labelled[1]], True, None
    choices = _choices(key)
    if choices is not None:
        return _chosen(choices)
    found = _meaning(bare)
    mark = _voiding_mark(key, found)
    if mark is not None:
        return None, False, mark
    # Anything beyond the status word (a remark, a reason) is an interpretation the user is told of.
    return found, found is not None, None


# A box printed as brackets: "已完成（√） 正常推进（ ） 进度滞后（ ）" is "已完成√ 正常推进□ 进度滞后□".
_BRACKET_TICK = lazyre.compile(f"[(\\[【]([{_CHOSEN}])[)\\]】]")
_BRACKET_EMPTY = lazyre.compile(r"[(\[【][)\]】]")


class _Choices(NamedTuple):
    options: list[tuple[str, str]]  # (status word, the box or tick beside it; "" where none was found)
    remark: str  # what the cell says besides the options ("" for a bare list)
    sure: bool  # False when the boxes could belong to the options on either side, with different ticks


@lru_cache(maxsize=4096)  # asked by the reading, status_choices and done_with_reservation for one cell
def _choices(key: str) -> _Choices | None:
    """A printed list of choices (see _listed), one that the OCR garbled (see _garbled), or the template's
    prompt left as it was (see _prompt); else None."""
    return _listed(key) or _garbled(key) or _fragment(key) or _prompt(key) or _run_together(key)


# The label of an option in a drop-down list: "A.", "1、", "(1)", "1-" before the status word (after NFKC, which
# also makes "（1）" of "(1)"; "①" becomes a bare "1" and is left to the sentence reading).
_OPTION_LABEL = lazyre.compile(r"(?:[A-Da-d][.:、)]|[1-4][.:、)\-]|\([1-4A-Da-d]\))(.+)")
# "已完成/正常推进/进度滞后", "完成/未完成": the options of a prompt, none chosen. "、" and "," are not taken as
# a prompt's separators: "已完成、正常推进" tells of parts done and parts under way (read as a sentence).
_PROMPT_SEPARATOR = lazyre.compile(r"[/|\\]|或")
_NOT_DONE_OPTION = frozenset({"未完成", "尚未完成", "没有完成", "未办结"})


def _prompt(key: str) -> _Choices | None:
    """Two or more different status options and nothing else, joined by "/", "|" or 或: which holds is not said."""
    parts = [part.strip("。.,;:!、") for part in _PROMPT_SEPARATOR.split(key)]
    if len(parts) < 2 or not all(part in STATUS_INDEX or part in _NOT_DONE_OPTION for part in parts):
        return None
    if len({STATUS_INDEX.get(part, "") for part in parts}) < 2:
        return None
    return _Choices([(part, "") for part in parts], "", False)


# Every character the options of a printed list are written with: a scanned list, wrapped in a narrow cell and
# run together by the OCR, leaves pieces of its option words ("完成口正常推进口进度滞后": the tick drawn over
# "口已" took both) that are no sentence.
_OPTION_LETTERS = frozenset("已完成正常推进度滞后尚未启动")


def _garbled(key: str) -> _Choices | None:
    """A list of choices that lost a box or a letter to the OCR: nothing but option words, pieces of them and two
    or more boxes (one at least empty), naming two or more statuses. Which option was ticked cannot be told."""
    if sum(c in _BOXES for c in key) < 2 or not any(c in _EMPTY_BOXES for c in key):
        return None
    if any(c.isalnum() and c not in _OPTION_LETTERS and c not in _BOXES for c in key):
        return None
    words = [m.group() for m in _OPTION.finditer(key)]
    if len({STATUS_INDEX[word] for word in words}) < 2:
        return None
    return _Choices([(word, "") for word in words], "", False)


_BETWEEN_PIECES = lazyre.compile(f"[\\W_]*[{_BOXES}][{_BOXES}\\W_]*")


def _fragment(key: str) -> _Choices | None:
    """What a row too low for a printed list leaves on paper: pieces of option words with a box between them
    ("常推进口进度": the list "□已完成 □正常推进 □进度滞后" cut by the cell's height), nothing else. Whether and
    which option was ticked cannot be seen."""
    if any(c.isalnum() and c not in _OPTION_LETTERS and c not in _BOXES for c in key):
        return None
    pieces = [piece for piece in _BETWEEN_PIECES.split(key) if _PUNCT.sub("", piece)]
    if len(pieces) < 2:
        return None
    return _Choices([(piece, "") for piece in pieces], "", False)


_RUN = lazyre.compile(f"(?:{_OPTION.pattern})+")


def _run_together(key: str) -> _Choices | None:
    """Three or more different statuses' words one after the other and nothing else but boxes and punctuation
    ("口已完成正常推进进度滞后尚未启动": a printed list whose boxes and tick the OCR lost, lines run together):
    the options of a list or a prompt, no sentence; which holds is not said."""
    bare = "".join(c for c in key if c.isalnum() and c not in _BOXES)
    if not _RUN.fullmatch(bare):
        return None
    words = [m.group() for m in _OPTION.finditer(bare)]
    if len({STATUS_INDEX[word] for word in words}) < 3:
        return None
    return _Choices([(word, "") for word in words], "", False)


def _listed(key: str) -> _Choices | None:
    """The options of a printed list of choices, each with its box or tick, else None (an ordinary sentence).

    It is a list when two or more statuses stand as options (nothing but punctuation, boxes or other options on
    either side) and two or more of them have a box on the same side. Boxes belong to the options after them or
    before them, whichever side has one for every option; an option with no box on either ("已完成 ☑正常推进
    □进度滞后": was 已完成 ticked and its box lost?) leaves "" for the reader to refuse. A box may be printed as
    brackets: "(√)", "( )"."""
    if "(" in key or "[" in key or "【" in key:
        key = _BRACKET_EMPTY.sub("□", _BRACKET_TICK.sub(r"\1", key))
    words = [(m.start(), m.end(), m.group()) for m in _OPTION.finditer(key)]
    if len({STATUS_INDEX[word] for *_, word in words}) < 2:
        return None
    inside = {i for start, end, _ in words for i in range(start, end)}

    def loose(i: int) -> bool:  # no letter of a sentence: the cell's edge, punctuation, a box, an option
        if not 0 <= i < len(key) or i in inside:
            return True
        return (key[i] in _BOXES and key[i] not in _LOOKALIKE) or not key[i].isalnum()

    def box(i: int) -> str:
        if not 0 <= i < len(key) or i in inside or key[i] not in _BOXES:
            return ""
        return "" if key[i] in _LOOKALIKE and not (loose(i - 1) and loose(i + 1)) else key[i]

    options = [(s, e, w) for s, e, w in words if (box(s - 1) or loose(s - 1)) and (box(e) or loose(e))]
    if len({STATUS_INDEX[word] for *_, word in options}) < 2:
        return None
    sides = [[s - 1 for s, _, _ in options], [e for _, e, _ in options]]  # boxes before, boxes after
    marks = [[box(i) for i in side] for side in sides]
    counts = [sum(map(bool, side)) for side in marks]
    if max(counts) < 2:
        return None
    full = [n for n in (0, 1) if counts[n] == len(options)]
    side = full[0] if full else 0 if counts[0] >= counts[1] else 1
    sure = len(full) < 2 or _ticks(marks[0]) == _ticks(marks[1])
    used = {i for s, e, _ in options for i in range(s, e)}
    used |= {i for i, mark in zip(sides[side], marks[side], strict=True) if mark}
    rest = "".join("\0" if i in used else c for i, c in enumerate(key))
    remark = re.sub("\0+", "、", rest).strip("、,;.。:")
    return _Choices([(w, m) for (_, _, w), m in zip(options, marks[side], strict=True)], remark, sure)


def _ticks(marks: list[str]) -> list[int]:
    return [i for i, mark in enumerate(marks) if mark and mark in _CHOSEN]


def _chosen(choices: _Choices) -> tuple[str | None, bool, str | None]:
    """(status, interpreted, the mark that voids it) of a list of choices: the one option ticked, read together
    with any remark beside the list as a written sentence would be; a lag in that remark wins over any tick."""
    options, remark, sure = choices
    if _LAG.search(_NO_LAG.sub("", remark)):  # "☑已完成 □正常推进 □进度滞后（部分路段滞后）"
        return LAGGING, True, None
    ticked = [word for word, mark in options if mark and mark in _CHOSEN]
    if not sure or len(ticked) != 1 or not all(mark for _, mark in options):
        return None, False, next((mark for _, mark in options if mark), "□")
    found = _meaning(f"{ticked[0]},{remark}") if _PUNCT.sub("", remark) else STATUS_INDEX[ticked[0]]
    mark = _voiding_mark(remark, found) if remark else None
    if mark is not None:
        return None, False, mark
    return found, found is not None, None


def status_choices(value: Any) -> bool:
    """True when the written status is a list of choices of which the one ticked option cannot be told."""
    key = _key(value)
    return key is not None and _choices(key) is not None and read_status(value)[0] is None


def _voiding_mark(key: str, found: str | None) -> str | None:
    """A mark that leaves the written status in doubt, so that it must not count (the unit must say).

    A crossing, an empty box or a question mark voids any reading but a lag: a lag is already the least
    favourable one, and reading it as unknown would make the light greener. A mark not known at all (neither
    tick nor punctuation) voids only a done: done is the one reading that closes a measure.
    """
    doubt = _DOUBT.search(key)
    # A question inside a longer sentence ("正常推进，资金何时到位？") asks about something else; beside a done,
    # or in a cell that is hardly more than the status, it questions the status itself.
    questioned = doubt is not None and (found == DONE or len(key) <= _SHORT)
    if doubt is not None and found != LAGGING and (doubt.group() not in _QUESTION or questioned):
        return doubt.group()
    if found == DONE:
        return next((c for c in key if c not in _NO_MARK and unicodedata.category(c)[0] in "SMC"), None)
    return None


def _meaning(key: str) -> str | None:
    percent = _PERCENT.fullmatch(key)
    if percent:
        share = float(percent[1])
        return DONE if share >= 100 else ON_TRACK if share > 0 else NOT_STARTED
    key = _NO_LAG.sub("", key)
    if _LAG.search(key):
        return LAGGING
    if _CANCELLED.search(key):
        return None
    not_done = _NOT_DONE.search(key) is not None
    key = _NOT_DONE.sub("、", key)
    if _PARTLY_DONE.search(key):
        return ON_TRACK
    not_started = _NOT_STARTED.search(key) is not None
    key = _NOT_STARTED.sub("、", key)
    if not_started:  # "尚未启动，计划二季度启动": a start yet to come is no start
        key = _PLANNED.sub("、", key)
    done = _DONE.search(key)
    if done:
        rest = _PUNCT.sub("", _CONFIRMS.sub("", key[: done.start()] + key[done.end() :]))
        return DONE if not rest and not not_done and not not_started else ON_TRACK
    if _STARTED.search(key):
        return ON_TRACK
    if not_started and not not_done:
        return NOT_STARTED
    return None


def done_with_reservation(value: Any) -> bool:
    """True when the text claims 已完成 (or 基本完成) but was read as not done: the info note says why."""
    if value is None or isinstance(value, bool):
        return False
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).translate(_SIMPLIFIED)
    found, _ = read_status(value)
    if found in (DONE, None):
        return False
    if STATUS_INDEX.get(_CLAUSE.split(key, maxsplit=1)[0]) == found:  # 正常推进（已完成80%）: the word says it
        return False
    choices = _choices(key)
    # "已完成□ 正常推进√": 已完成 is an unticked choice, not a claim; "☑已完成（部分未完工）" is one.
    if choices is not None:
        return [STATUS_INDEX[word] for word, mark in choices.options if mark and mark in _CHOSEN] == [DONE]
    key = _NOT_DONE.sub("、", _NOT_STARTED.sub("、", key))
    return bool(_DONE.search(key) or _PARTLY_DONE.search(key))


# What, beside a done, says it is not done yet: pending acceptance or approval, still under way, a share below 100%.
_PENDING = lazyre.compile(r"待(?:验收|审核|审批|批复|确认|销号|完善)|尚需|仍需|还需|正在|推进中|进行中|实施中")
_SHARE_IN = lazyre.compile(r"(\d{1,3}(?:\.\d+)?)%")


# A share in words: 九成, 大部分, 过半 (a 是否完成 / 完成进度 cell; 完成 itself has no digit before 成).
_SHARE_WORDS = lazyre.compile(r"(?<![\d.])[1-9一二三四五六七八九]成(?!功|果|立|绩|效|本|员)|大部分|过半|一半|多半")


def denies_done(value: Any) -> bool:
    """True when the text says, in so many words, that the work is not done: 未完成, 部分完成, 待验收, 80%, 九成, a
    lag, not started, work under way or left (正在施工, 剩余扫尾: see _TEXT_NOT_DONE). A remark that only adds to a done ("已完成，详见附件") denies nothing: checking a 是否完成 / 完成进度
    cell against the status asks whether it contradicts 已完成, not whether it is a clean 已完成 itself."""
    key = _key(value)
    if not key:
        return False
    if _NOT_DONE.search(key) or _PARTLY_DONE.search(key) or _NOT_STARTED.search(key) or _PENDING.search(key):
        return True
    if _TEXT_NOT_DONE.search(key) or _SHARE_WORDS.search(key):
        return True
    if _LAG.search(_NO_LAG.sub("", key)):
        return True
    return any(float(share) < 100 for share in _SHARE_IN.findall(key))


def text_key(value: Any) -> str:
    """A free text (本周进展, 存在问题) as the three readings below take it: NFKC, no whitespace or invisible
    characters. Made once per cell: on a long sentence the normalising costs more than the searches."""
    return _key(value) or ""


def bare_status(key: str) -> str | None:
    """The status a cell holds when it is nothing but a status word ("进度滞后", "已完成。"), else None: a status
    written where a sentence belongs (本周进展) tells of two columns filled the wrong way round. `key`: text_key."""
    return STATUS_INDEX.get(key.strip(_TICKS + "。.,;:!、")) if key else None


# What in a free text says that the work itself is still to finish: a completion (or start) yet to come, work
# under way, a share of it below 100%, work left, acceptance pending. 按计划完成 is no plan; 投资完成80% is money.
_TEXT_NOT_DONE = lazyre.compile(
    r"(?:预计|(?<!按)计划|力争|争取|确保|将于|将在|有望|可望|拟于?|准备|打算|下周|下月|下步|下一步|近期|即将|尽快)"
    r"[^,;。:]{0,12}?(?:完成|完工|建成|竣工|办结|投运|投用|投入使用|通车|开工|启动)"
    r"|正在(?:推进|施工|建设|实施|安装|调试)|(?:推进|施工|建设|实施|安装|调试)中|在建"
    r"|(?<![资金付])(?:完成|进度|完成率|完成进度|形象进度)(?:约|近|达到?|了|为)?(?:\d{1,2}(?:\.\d+)?|0)%"
    r"|(?:剩余|剩下|还剩|尚余|还差|尚差)[^,;。]{0,6}?(?:\d|工作|工程|扫尾|收尾|任务|段|点位|工序|内容)"
    r"|(?:尚有|还有|仍有)[^,;。]{0,4}?(?:扫尾|收尾|工程|工序|点位|路段|未完)"
    r"|待(?:竣工)?验收|(?:正在|正|尚未|未|还未)(?:办理|组织|进行|开展)?(?:竣工)?验收(?!合格|通过)"
)


def text_denies_done(key: str, *, plans: bool = True) -> bool:
    """True when a free text (its text_key) says in so many words that the work is not done: 未完成, 部分完成,
    not started, a lag, a completion yet to come (预计下月完成), work under way (正在施工), below 100% (完成80%),
    work left (尚有扫尾工作), acceptance pending (待验收). Narrower than denies_done: "正在办理移交" or "投资完成80%"
    beside a done says nothing of it. plans=False leaves out completions yet to come and work under way, which a
    下一步计划 may name of a finished work's next stage."""
    if not key:
        return False
    if _NOT_DONE.search(key) or _PARTLY_DONE.search(key) or _NOT_STARTED.search(key):
        return True
    return (plans and _TEXT_NOT_DONE.search(key) is not None) or text_says_lag(key)


# What a sentence in 本周进展 opens with before saying it is done: "本项工作已全部完成", "项目已竣工".
_SUBJECT = lazyre.compile(r"^(?:本项|该项|此项|本|该|此)?(?:工作|任务|措施|项目|工程)")


def text_says_done(key: str) -> bool:
    """True when a free text (its text_key) opens by saying the whole work is done ("本项工作已全部完成并通过验收",
    "项目已竣工并投入使用", "已完成，已销号") and says nothing of work left. A part done ("已完成方案初稿",
    "一期工程：已完成") or a bare 完成 is not the whole."""
    if not key:
        return False
    first = _SUBJECT.sub("", _CLAUSE.split(key, maxsplit=1)[0])
    if first.startswith(("完成", "办结")) or _DONE.search(first) is None or _meaning(first) != DONE:
        return False  # the common case, cheaply: no whole done in the opening clause
    return not text_denies_done(key)


def text_says_lag(key: str) -> bool:
    """True when a free text (its text_key) tells of a lag (滞后, 停工, 未达到序时进度 …), a negated one aside."""
    return bool(key) and _LAG.search(_NO_LAG.sub("", key)) is not None
