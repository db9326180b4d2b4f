"""Spreadsheet error values (#REF!, #N/A, LibreOffice's Err:502 …) in a cell: never a value, never blank.

The fast reader gives an error cell as "" (and refuses a whole .xlsx for the newer ones, #SPILL!, #CALC!); a CSV
saved from Excel or WPS holds the error as its text. Either way the cell is not read, and the problem names the
error (intake/sheetmarks.py finds them in the file, intake/rows.py and parse.py report them).
"""

from __future__ import annotations

import re

from .. import lazyre

# Excel's, WPS's and LibreOffice's error values and what each tells the person who has to fix the formula.
MEANINGS = {
    "#NULL!": "公式引用的区域没有交集",
    "#DIV/0!": "公式中除数为零",
    "#VALUE!": "公式中的值类型不对",
    "#REF!": "公式引用失效，引用的单元格已被删除",
    "#NAME?": "公式中有无法识别的名称",
    "#NUM!": "公式中的数值无效",
    "#N/A": "公式找不到要引用的值",
    "#GETTING_DATA": "数据尚未取回",
    "#SPILL!": "数组公式的结果区域被占用",
    "#CALC!": "公式计算出错",
    "#FIELD!": "公式引用的字段不存在",
    "#BLOCKED!": "公式所需的功能被阻止",
    "#CONNECT!": "公式所需的外部连接失败",
    "#BUSY!": "公式仍在计算",
    "#UNKNOWN!": "公式结果无法识别",
    "#EXTERNAL!": "公式引用的外部数据出错",
    "#PYTHON!": "公式中的 Python 代码出错",
}
# The error values python-calamine 0.9 reads (as ""); any other one in an .xlsx makes it refuse the whole file.
CALAMINE_KNOWN = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
_LITERAL = lazyre.compile(r"#[A-Z_/0]+[!?]?|Err:\d{3}", re.IGNORECASE)
_BY_UPPER = {key.upper(): key for key in MEANINGS}


def error_value(text: str) -> str | None:
    """The error value a cell's whole text is ("#REF!", "Err:502"), as the program shows it; None otherwise."""
    text = text.strip()
    if not text or len(text) > 16 or text[0] not in "#Ee" or not _LITERAL.fullmatch(text):
        return None
    if text.startswith("Err:"):
        return text
    return _BY_UPPER.get(text.upper())


def meaning(value: str) -> str:
    """What the error value says, in Chinese, for the problem message."""
    if value.startswith("Err:"):
        return "LibreOffice 公式出错"
    return MEANINGS.get(value, "公式出错")
