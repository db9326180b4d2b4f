"""The fast paths of parsing give exactly what the straightforward code gave. The straightforward code is kept
here as the reference: unit names found in free text, keys without punctuation, header rows and in-cell labels
(now cached by content), measure texts (matched once per list), and `check`'s problems grouped by file."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from lyreport.api import load_context
from lyreport.checking import _checked
from lyreport.intake import headblock, layout
from lyreport.intake import normalize as nz
from lyreport.intake.cellrefs import cell_ref
from lyreport.intake.headblock import Block
from lyreport.intake.layout import REQUIRED, columns
from lyreport.intake.rowmeasure import Measures, measure_by_text
from lyreport.models import IntakeResult, MasterList, Measure, SourceFile
from lyreport.problems import problem
from lyreport.unitnames import Match, UnitDirectory, name_key, without_marks

SEED = 20210107


# ----------------------------------------------------------------- reference implementations (the code before)
_INVISIBLE = {0xAD, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), 0xFEFF}


def _reference_name_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", str(name))
    drop = lambda ch: ch.isspace() or unicodedata.category(ch)[0] in "PSZ" or ord(ch) in _INVISIBLE  # noqa: E731
    return "".join(ch for ch in text if not drop(ch))


def _reference_find_in_text(directory: UnitDirectory, text: str) -> Match:
    key = _reference_name_key(text)
    spans: list[tuple[int, int, str]] = []
    for alias, names in directory._index.items():
        if len(alias) < 3:
            continue
        at = key.find(alias)
        while at >= 0:
            spans.extend((at, at + len(alias), name) for name in names)
            at = key.find(alias, at + 1)
    kept = {
        name
        for start, end, name in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) and n != name for s, e, n in spans)
    }
    if len(kept) == 1:
        return Match(kept.pop())
    return Match(None, sorted(kept))


def _reference_header_at(rows: list[list[Any]], index: int) -> tuple[int, list[Any]] | None:
    labels = rows[index]
    cols = columns(labels)[0]
    if not cols or index + 1 >= len(rows):
        return (index, labels) if all(k in cols for k in REQUIRED) else None
    header = index
    split = any(layout._is_week_word(v) for v in rows[index + 1])
    if split or not all(k in cols for k in REQUIRED):
        labels, header = layout._stacked(rows[index], rows[index + 1]), index + 1
        cols = columns(labels)[0]
    return (header, labels) if all(k in cols for k in REQUIRED) else None


def _reference_is_label(value: Any) -> bool:
    return headblock._label_only(value) is not None or (
        isinstance(value, str) and headblock._INLINE.search(unicodedata.normalize("NFKC", value)) is not None
    )


def _reference_value_right(row: list[Any], col: int, index: int) -> tuple[Any, str]:
    for right in range(col + 1, len(row)):
        value = row[right]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if _reference_is_label(value) or (isinstance(value, str) and value.rstrip()[-1:] in (":", "：")):
            break  # another field's label ("负责人（签字）：") is no value
        return value, cell_ref(right, index)
    return None, cell_ref(col + 1, index)


def _reference_scan_row(block: Block, row: list[Any], index: int) -> None:
    for col, value in enumerate(row):
        key = headblock._label_only(value)
        if key is not None:
            block.put(key, *_reference_value_right(row, col, index))
            continue
        if not isinstance(value, str):
            continue
        text = unicodedata.normalize("NFKC", value)
        matches = list(headblock._INLINE.finditer(text))
        for number, m in enumerate(matches):
            stop = matches[number + 1].start() if number + 1 < len(matches) else len(text)
            inline = text[m.end() : stop].strip()
            key = headblock._LABEL_INDEX[m.group("label")]
            if inline:
                block.put(key, inline, cell_ref(col, index))
            elif number + 1 == len(matches):
                block.put(key, *_reference_value_right(row, col, index))
            else:
                block.put(key, None, cell_ref(col, index))


def _reference_label_key(value: Any) -> str:
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value) if value is not None else ""))
    return "".join(ch for ch in key if unicodedata.category(ch)[0] not in "PSZ")


def _reference_by_text(master: MasterList, value: Any) -> int | None:
    key = _reference_label_key(value) if isinstance(value, str) else ""
    if len(key) < 8:
        return None
    hits = [m.no for m in master.measures if (other := _reference_label_key(m.text)) and (key in other or other in key)]
    return hits[0] if len(hits) == 1 else None


# ----------------------------------------------------------------- inputs
@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from lyreport.workspace import init_workspace

    ws, _ = init_workspace(tmp_path_factory.mktemp("ws"))
    return load_context(ws.root)


def _texts(directory: UnitDirectory, rng: random.Random) -> list[str]:
    """File names, sheet names and 填报单位 cells as units write them: names, aliases, two names, noise."""
    written = [w for u in directory.units for w in (u.name, u.full_name, *u.aliases) if w]
    noise = [
        "",
        "落实情况",
        "（盖章）",
        "2021.1.7",
        "报表",
        " ",
        "、",
        "/",
        "洛阳",
        "市",
        "局",
        "委",
        "xlsx",
        "—",
        "ｆｗ",
    ]
    out = list(written)
    for _ in range(1500):
        parts = rng.choices(written, k=rng.randint(1, 3)) + rng.choices(noise, k=rng.randint(0, 3))
        rng.shuffle(parts)
        text = rng.choice(["", "、", " ", "-", "与"]).join(parts)
        if rng.random() < 0.3 and text:  # cut somewhere: half a name
            text = text[: rng.randrange(len(text))]
        out.append(text)
    return out


def test_find_in_text_finds_what_the_search_over_every_name_found(context: Any) -> None:
    directory = context.directory
    for text in _texts(directory, random.Random(SEED)):
        assert directory.names_in_text(text) == _reference_find_in_text(directory, text), text


def test_overlapping_names_are_still_each_found() -> None:
    from lyreport.models import Unit

    directory = UnitDirectory(
        [Unit("市交通运输局", aliases=["交通局"]), Unit("市交通运输管理处", aliases=["运输管理处"])]
    )
    for text in [
        "市交通运输局交通运输管理处",
        "交通局运输管理处",
        "市交通运输管理处",
        "交通交通局局",
        "运输管理处交通局",
    ]:
        assert directory.names_in_text(text) == _reference_find_in_text(directory, text), text


def _symbol(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZ"


def test_keys_drop_exactly_whitespace_punctuation_symbols_and_separators() -> None:
    rng = random.Random(SEED)
    planes = [(0, 0x3000), (0x3000, 0xA000), (0xD800, 0xE000), (0xE000, 0x110000)]
    for _ in range(5000):
        text = "".join(chr(rng.randrange(*rng.choice(planes))) for _ in range(rng.randrange(12)))
        assert without_marks(text) == "".join(ch for ch in text if not (ch.isspace() or _symbol(ch))), repr(text)
        assert name_key(text) == _reference_name_key(text), repr(text)


LABEL_CELLS = [
    "序号", "编号", "措施内容", "完成状态", "状态", "本周进展", "进展情况", "完成情况", "本周完成状态", "上周完成状态",
    "本周", "上周", "本 周", "进展情况（已完成/正常推进/滞后/未启动）", "存在问题", "预计完成时间", "备注",
    "本周进展（必填）", "上期进展", "填报单位", "填报单位：市发改委", "日期：    年  月  日", "注：本表须盖章",
]  # fmt: skip
OTHER_CELLS = [None, None, None, 1.0, 2, "3、", "第4条", True, date(2021, 1, 7), "已完成", "正常推进", "", "  "]


def _grid(rng: random.Random) -> list[list[Any]]:
    width = rng.randint(1, 9)
    cells = LABEL_CELLS + OTHER_CELLS
    rows = [[rng.choice(cells) for _ in range(rng.randint(0, width))] for _ in range(rng.randint(1, 8))]
    if rng.random() < 0.5:  # a real header somewhere, sometimes over a week row
        rows.insert(rng.randrange(len(rows) + 1), rng.sample(["序号", "完成状态", "本周进展", "措施内容", "备注"], 5))
    if rng.random() < 0.3:
        rows.insert(rng.randrange(len(rows) + 1), ["序号", "措施内容", "完成状态", None, "本周进展"])
        rows.insert(rng.randrange(len(rows) + 1), [None, None, "上周", "本周", None])
    return rows


def _reference_week_label(value: Any) -> tuple[str, int] | None:
    if not isinstance(value, str):
        return None
    key = nz.label_key(value, strip_notes=True)
    for rank, prefixes in ((0, layout._THIS_WEEK), (2, layout._LAST_WEEK)):
        for prefix in prefixes:
            if key.startswith(prefix) and len(key) > len(prefix):
                found = nz.header_label(key[len(prefix) :]) or nz.header_label(key)
                if found:
                    return found, rank
    found = nz.header_label(value)
    if found:  # "完成状态（本周）": a note naming one week (前期 in a note does not count)
        notes = nz.label_key("".join(re.findall(r"\([^()]*\)", unicodedata.normalize("NFKC", value))))
        this = any(word in notes for word in layout._THIS_WEEK)
        last = any(word in notes for word in ("上周", "上期", "上次", "上一周", "上月"))
        return found, 0 if this and not last else 2 if last and not this else 1
    if len(key) <= 20 and (key.endswith("状态") or key.endswith("完成情况")):  # "本周更新状态"
        this = any(word in key for word in layout._THIS_WEEK)
        last = any(word in key for word in layout._LAST_WEEK)
        if this != last:
            return "status", 0 if this else 2
    return None


def test_header_cells_are_named_as_by_the_full_label_reading() -> None:
    rng = random.Random(SEED)
    words = [*nz._HEADER_INDEX, *nz.WEAK_LABELS, "情况", "工作", "具体", "与济源市对接", "e\u0301", "한"]
    words += ["更新状态", "调整后状态", "截至本周", "本周", "上周"]
    prefixes = ["", "", *layout._THIS_WEEK, *layout._LAST_WEEK, "本 周", "上一 周"]
    extras = ["", " ", "（必填）", "(已完成/滞后)", "：", "\n", "、", "ｅ", "\u0301", "（单位：万元）", "…" * 30]
    extras += ["（本周）", "(上 周)", "（含前期工作）", "（本周/上周）"]
    for _ in range(20000):
        parts = [rng.choice(prefixes), *rng.choices(words + extras, k=rng.randint(1, 3))]
        value = "".join(parts)
        assert layout.week_label.__wrapped__(value) == _reference_week_label(value), repr(value)


def test_header_rows_are_found_as_without_the_cache() -> None:
    rng = random.Random(SEED)
    for _ in range(3000):
        rows = _grid(rng)
        for index in range(len(rows)):
            assert layout._header_at(rows, index) == _reference_header_at(rows, index), rows
            assert layout.map_columns(rows[index]) == columns(rows[index])[0]


def test_a_cell_that_cannot_be_hashed_is_read_without_the_cache() -> None:
    rows = [["序号", ["x"], "完成状态", "本周进展"], [1.0, ["y"], "已完成", "进展"]]
    assert layout._header_at(rows, 0) == _reference_header_at(rows, 0) == (0, rows[0])
    assert layout.map_columns(rows[1]) == columns(rows[1])[0] == {"progress": 3}


def test_the_cached_column_map_cannot_be_changed_by_a_caller() -> None:
    row = ["序号", "完成状态", "本周进展"]
    layout.map_columns(row)["no"] = 7
    assert layout.map_columns(row) == {"no": 0, "status": 1, "progress": 2}


BLOCK_CELLS = [
    "填报单位", "填报单位：", "填报单位：市发改委", "填报单位(盖章)：市卫健委 联系人：张三", "联系人", "联系人：",
    "联系电话", "联系电话：0379-63901234", "填报日期", "填报日期：2021年1月6日", "日期：  年  月  日", "电话：",
    "市发改委", "张三", "13912345678", "2021-01-06", date(2021, 1, 6), 13912345678.0, None, None, "", "  ",
    "单位：万元", "负责人（签字）：", "注：本表打印后须盖章",
]  # fmt: skip


def test_header_block_cells_are_read_as_without_the_cache() -> None:
    rng = random.Random(SEED)
    for _ in range(3000):
        row = [rng.choice(BLOCK_CELLS) for _ in range(rng.randint(1, 9))]
        fast, reference = Block(), Block()
        headblock._scan_row(fast, row, 3)
        _reference_scan_row(reference, row, 3)
        assert (fast.values, fast.cells) == (reference.values, reference.cells), row


def test_measures_are_matched_by_text_as_before(context: Any) -> None:
    master = context.master
    rng = random.Random(SEED)
    texts = [m.text for m in master.measures]
    values: list[Any] = [None, 3.0, "", "措施内容略", *texts]
    for _ in range(1500):
        text = rng.choice(texts)
        start = rng.randrange(len(text) // 2)
        values.append(text[start : start + rng.randint(4, len(text))])
        values.append(rng.choice(texts) + rng.choice(texts))
    known = Measures(master)
    for value in values:
        assert known.by_text(value) == _reference_by_text(master, value) == measure_by_text(master, value), value
        no = rng.randint(0, 40)
        assert known.measure(no) is master.measure(no)


def test_a_changed_measure_list_is_matched_against_its_own_texts(context: Any) -> None:
    master = context.master
    first = master.measures[0]
    text = first.text
    assert Measures(master).by_text(text) == first.no
    other = MasterList("x", "x", 2021, [Measure(99, "", text, ["市发改委"]), *master.measures[1:]])
    assert Measures(other).by_text(text) == 99
    assert Measures(master).by_text(text) == first.no


def test_check_lists_each_file_with_its_problems_in_order(context: Any) -> None:
    received = datetime(2021, 1, 7, 2, 0, tzinfo=UTC)
    files = [SourceFile(Path(f"/x/{n}.docx"), f"{n}.docx", "foreign", received, f"{n:064d}") for n in range(30)]
    rng = random.Random(SEED)
    problems = [problem("file-unsupported", file=f"{rng.randrange(33)}.docx", ext=str(n)) for n in range(300)]
    checked = _checked(IntakeResult(files=files, problems=problems), context)
    assert [c.name for c in checked] == [f.display for f in files] + ["30.docx", "31.docx", "32.docx"]
    for entry in checked:
        assert entry.problems == [p for p in problems if p.file == entry.name]
