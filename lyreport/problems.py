"""One model for every problem any stage finds: code, severity, location, Chinese message.

A new check is a new entry in catalogue.CATALOGUE plus the line that calls `problem()`.
Message templates use str.format placeholders; missing fields render as "？".
"""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass

from .catalogue import CATALOGUE, ERROR, INFO, WARNING  # noqa: F401 - severities and codes are used from here

SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告", INFO: "提示"}


_FORMATTER = string.Formatter()


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "？"


@dataclass(frozen=True)
class Problem:
    """A single finding, shown identically in the terminal, 问题清单 and summary.json."""

    code: str
    severity: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    unit: str = ""

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def location(self) -> str:
        """Where, as staff would read it: 《file》 sheet!cell."""
        parts = []
        if self.file:
            parts.append(f"《{self.file}》")
        if self.sheet and self.cell:
            parts.append(f"{self.sheet}!{self.cell}")
        elif self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        elif self.cell:
            parts.append(self.cell)
        return " ".join(parts)

    def __str__(self) -> str:
        where = self.location
        return f"[{self.severity_label}] {where + '：' if where else ''}{self.message}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


# Scan problems said once for the file by intake (pipeline.read_files), not again with the unit's scan notes.
# Said with the scan's file whatever it is used for: another list's paper is not this list's data, yet said.
SCAN_FILE_CODES = frozenset(
    {"scan-unreadable", "scan-several-units", "scan-weeks-mixed", "template-other-list", "return-other-list"}
)


def problem(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    cell: str = "",
    unit: str = "",
    severity: str | None = None,
    **fields: object,
) -> Problem:
    """Build a Problem from the catalogue; unknown codes are a programming error."""
    default_severity, template = CATALOGUE[code]
    values = {"unit": unit, **{k: _text(v) for k, v in fields.items()}}
    message = template.format_map(_Lenient(values))
    return Problem(code, severity or default_severity, message, file, sheet, cell, unit)


def _text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)
