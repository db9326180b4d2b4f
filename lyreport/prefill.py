"""What the office prefilled in a unit's form, as a short fingerprint kept in the hidden identity sheet.

`lyreport template` prefills each form with the unit's last reported statuses and texts. A form sent back
exactly as prefilled would otherwise read as a complete, on-time return with last week's statuses (one of them
perhaps 已完成). The template writes the fingerprint of what it prefilled; parsing computes it again from the
rows read, and equal fingerprints mean nothing was updated (intake/parse.py, "return-unchanged").

Both sides reduce the values the same way (display text without any whitespace, NFKC; dates as ISO), so a
spreadsheet program's re-wrapping of lines or a re-typed space does not count as an update, and neither side
depends on how the other stores a value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from .models import ReturnRow

IDENTITY_KEY = "prefill"  # row key in the identity sheet; a new reduction would get a new key
_FIELDS = ("status", "progress", "issues", "next_steps", "expected", "remark")


def fingerprint(rows: Iterable[ReturnRow]) -> str:
    """16 hex digits for the rows' measure numbers and input fields, in measure order."""
    lines = sorted(f"{row.measure_no}\x1f" + "\x1f".join(_reduced(getattr(row, f)) for f in _FIELDS) for row in rows)
    import hashlib  # here: loading OpenSSL costs ~3 ms, and only prefilled forms carry a fingerprint

    return hashlib.sha256("\x1e".join(lines).encode("utf-8")).hexdigest()[:16]


def _reduced(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return "".join(unicodedata.normalize("NFKC", str(value)).split())
