"""Names from outside (file names, zip members, attachments) made safe to show anywhere.

One helper for every place a foreign name is shown: the terminal (an ESC sequence could retitle it, a
newline could forge an extra "[错误]" line), summary.json, Word, Excel (which refuse control characters)
and e-mail. Bytes that are not UTF-8 (os.listdir keeps them as surrogates) are shown as \\xNN.
"""

from __future__ import annotations

import os
import re

from . import lazyre

# C0 controls, DEL, C1 controls, lone surrogates, and the bidi overrides that can reorder a line.
_UNSAFE = lazyre.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(text: str) -> str:
    """`text` with every control character, undecodable byte and bidi override written as an escape."""
    return _UNSAFE.sub(_escape, text)


def shown_lines(text: str) -> str:
    """Like shown() but keeps the line breaks of a message we composed ourselves."""
    return "\n".join(shown(line) for line in text.split("\n"))


def shown_path(path: os.PathLike[str] | str) -> str:
    return shown(os.fspath(path))


# What a Word or Excel file cannot hold (XML 1.0 forbids C0 controls other than tab/newline, lone surrogates,
# U+FFFE/U+FFFF; Excel's _x0001_ escapes decode to them) and the bidi controls that would show a unit's
# "\u202e成完已" as "已完成" or turn the rest of a problem message around.
_NOT_IN_DOCUMENTS = lazyre.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def document_text(text: str) -> str:
    """`text` as the outputs may show it: characters a .docx/.xlsx cannot hold and bidi controls removed."""
    return _NOT_IN_DOCUMENTS.sub("", text)


def is_clean(text: str) -> bool:
    return _UNSAFE.search(text) is None
