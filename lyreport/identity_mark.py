"""The printed form's machine-readable identity (QR code text), shared by the template writer and the scan reader.

The QR code carries the same identity as the hidden `_lyreport` sheet, so a scan of the product's own form
is identified before any OCR. Format (UTF-8, byte mode): ``lyreport:1|<list_id>|<unit>|<week>|<template_version>``.
"""

from __future__ import annotations

from datetime import date

PREFIX = "lyreport:1"
_SEP = "|"


def encode_mark(list_id: str, unit: str, week: date, template_version: str) -> str:
    """The QR text for one unit's form of one week."""
    fields = [list_id, unit, week.isoformat(), template_version]
    if any(_SEP in f or "\n" in f for f in fields):
        raise ValueError("identity fields must not contain '|' or newlines")
    return _SEP.join([PREFIX, *fields])


def decode_mark(text: str) -> dict[str, str] | None:
    """The identity dict (keys as in the hidden sheet: list_id, unit, week, template_version), or None if foreign."""
    parts = text.strip().split(_SEP)
    if len(parts) != 5 or parts[0] != PREFIX:
        return None
    _, list_id, unit, week, version = parts
    try:
        date.fromisoformat(week)
    except ValueError:
        return None
    if not list_id or not unit:
        return None
    return {"tool": "lyreport", "list_id": list_id, "unit": unit, "week": week, "template_version": version}
