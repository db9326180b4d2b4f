"""Regular expressions compiled when first used rather than when their module loads.

The package holds some 240 module-level patterns; compiling them all took about 22 ms of every start
(a sixth of `lyreport check` on a few files), while reading ordinary returns uses a few dozen. A pattern
compiled in the parent before the reader workers fork is shared with them; one first used in a worker is
compiled there.
"""

from __future__ import annotations

import re
from typing import Any, cast

_FORWARDED = ("search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer", "scanner")
_PROPERTIES = ("pattern", "flags", "groups", "groupindex")


class _LazyPattern:
    # Slots that start empty: the first lookup of any of them misses and lands in __getattr__, which
    # compiles and fills them all, so later calls cost what a compiled pattern's own method lookup costs.
    __slots__ = ("_source", "_flags", *_FORWARDED, *_PROPERTIES)

    def __init__(self, source: str | bytes, flags: int):
        self._source, self._flags = source, flags

    def __getattr__(self, name: str) -> Any:
        if name in ("_source", "_flags"):
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        for attr in _FORWARDED + _PROPERTIES:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy re.compile({self._source!r}, {self._flags})"


def compile(source: str | bytes, flags: int = 0) -> re.Pattern[Any]:  # noqa: A001 - mirrors re.compile
    """re.compile, deferred to the pattern's first use (an invalid pattern raises there, not at import)."""
    return cast("re.Pattern[Any]", _LazyPattern(source, flags))
