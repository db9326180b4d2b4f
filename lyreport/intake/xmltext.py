"""XML character references, decoded as an XML parser (calamine's) decodes them."""

from __future__ import annotations

import re

from .. import lazyre

_REFERENCE = lazyre.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def unescape(text: str) -> str:
    """The five named references and numeric ones (&#20307; &#x4F53;) decoded, nothing else: HTML names
    such as &nbsp; are not XML. Sheet names are matched between the pre-check, the marks and the reader
    through this, so a name written with references must decode the same everywhere."""
    return _REFERENCE.sub(_reference, text) if "&" in text else text


def _reference(match: re.Match[str]) -> str:
    ref = match.group(1)
    if not ref.startswith("#"):
        return _NAMED[ref]
    code = int(ref[2:], 16) if ref[1] == "x" else int(ref[1:])
    valid = 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
    return chr(code) if valid else match.group(0)
