"""Module-level patterns are compiled on first use (lazyre): each must still be a valid pattern, and a
lazy pattern must answer exactly as the compiled one."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import pytest

import lyreport
from lyreport import lazyre
from lyreport.lazyre import _LazyPattern


def _lazy_in(value: Any, depth: int = 0) -> list[_LazyPattern]:
    if isinstance(value, _LazyPattern):
        return [value]
    if depth < 3 and isinstance(value, list | tuple | set | frozenset):
        return [p for item in value for p in _lazy_in(item, depth + 1)]
    if depth < 3 and isinstance(value, dict):
        return [p for item in value.values() for p in _lazy_in(item, depth + 1)]
    return []


def test_every_module_pattern_compiles() -> None:
    """An invalid pattern now fails where it is first used, possibly only on a rare input: find it here."""
    found = 0
    for info in pkgutil.walk_packages(lyreport.__path__, "lyreport."):
        if info.name.endswith("__main__"):  # runs the command line when imported
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            for pattern in _lazy_in(value):
                try:
                    assert isinstance(pattern.pattern, str | bytes)
                except re.error as exc:  # pragma: no cover - the failure being looked for
                    pytest.fail(f"{info.name}.{name}: {exc}")
                found += 1
    assert found > 200  # the module-level patterns were found, not skipped


def test_lazy_pattern_answers_as_compiled() -> None:
    source = r"(\d+)年(\d+)月"
    lazy, eager = lazyre.compile(source), re.compile(source)
    text = "2021年1月至2021年12月"
    assert lazy.search(text).groups() == eager.search(text).groups()  # type: ignore[union-attr]
    assert lazy.findall(text) == eager.findall(text)
    assert lazy.sub(r"\2/\1", text) == eager.sub(r"\2/\1", text)
    assert (lazy.pattern, lazy.flags, lazy.groups) == (eager.pattern, eager.flags, eager.groups)
    assert lazyre.compile(rb"ab", re.I).fullmatch(b"AB")


def test_invalid_pattern_raises_at_first_use() -> None:
    broken = lazyre.compile("(unclosed")  # no error yet: nothing has used it
    with pytest.raises(re.error):
        broken.search("x")
