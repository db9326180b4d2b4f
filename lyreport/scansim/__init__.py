"""Seeded paper returns for tests, the benchmark and the demo: scans and phone photos with their ground truth.

Kinds of page, all filled with seeded random statuses and progress text:
- ``office``: the product's template filled with openpyxl and printed by LibreOffice (needs ``soffice``);
- ``drawn``: the same form drawn with PIL, QR code included (no LibreOffice needed: the demo uses it);
- ``selfmade``: a unit's own layout (portrait, other column order and wording, 第N条, no QR code);
- ``blank``: a page that is no form at all (empty or a dark failed scan).
Each is optionally stamped with a red seal (sometimes across the table), skewed ±3°, noised or photographed,
optionally turned black-and-white (greyscale: the seal then as grey as the text), and saved as an image-only
PDF, JPEG, PNG or multi-page TIFF::

    scan = make_scan("drawn", seed=3, stamped=False, fmt="jpeg")
    scan.data, scan.truth.unit, scan.truth.statuses
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..models import MasterList
from ..unitnames import UnitDirectory
from .build import EXTENSIONS, FORMATS, KINDS, WEEK, Scan, Spec, Truth, build, default_lists
from .fonts import have_cjk_font
from .office import soffice

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "KINDS",
    "WEEK",
    "Scan",
    "Spec",
    "Truth",
    "bench_specs",
    "build",
    "can_draw",
    "can_print",
    "default_lists",
    "make_scan",
    "make_set",
    "write_scan",
]


def can_draw() -> bool:
    """PIL-drawn scans need a Chinese font on the machine."""
    return have_cjk_font()


def can_print() -> bool:
    """``office`` scans need LibreOffice."""
    return soffice() is not None


def make_scan(
    kind: str = "drawn",
    *,
    seed: int = 0,
    master: MasterList | None = None,
    directory: UnitDirectory | None = None,
    **options: Any,
) -> Scan:
    """One scan; options are the fields of Spec (unit, week, stamped, seal_over_table, fmt, dpi, pages, angle,
    noise, photo, grey, statuses as {no: status})."""
    statuses = options.pop("statuses", None)
    if isinstance(statuses, dict):
        statuses = tuple(sorted(statuses.items()))
    spec = Spec(kind=kind, seed=seed, statuses=statuses, **options)
    return build([spec], master, directory)[0]


def bench_specs(count: int = 60, seed: int = 20210107, *, office: bool | None = None) -> list[Spec]:
    """A seeded mix for the benchmark: about a third printed by LibreOffice (when present), a third drawn,
    a quarter self-made; some unstamped, some stamped across the table, some photos, some black-and-white scans,
    every file format."""
    office = can_print() if office is None else office
    rng = random.Random(seed)
    kinds = (["office"] * 4 if office else ["drawn"] * 4) + ["drawn"] * 4 + ["selfmade"] * 3
    specs = []
    for index in range(count):
        photo = rng.random() < 0.2
        fmt = rng.choice(["jpeg", "jpeg", "pdf"]) if photo else rng.choice(["pdf", "pdf", "pdf", "png", "tiff", "jpeg"])
        stamped = rng.random() < 0.75
        spec = Spec(
            kind=kinds[index % len(kinds)],
            seed=seed * 1000 + index,
            stamped=stamped,
            seal_over_table=stamped and rng.random() < 0.25,
            fmt=fmt,
            pages=2 if fmt in ("pdf", "tiff") and rng.random() < 0.15 else 1,
            photo=photo,
            grey=not photo and index % 10 == 7,  # chosen without drawing from rng: the rest of the mix stays
        )
        specs.append(spec)
    return specs


def make_set(
    specs: list[Spec],
    master: MasterList | None = None,
    directory: UnitDirectory | None = None,
    *,
    batch: int = 8,
) -> Iterator[Scan]:
    """Scans of `specs` in order, a few at a time so memory stays low (page images are dropped)."""
    for start in range(0, len(specs), batch):
        for scan in build(specs[start : start + batch], master, directory):
            yield replace(scan, images=[])


def write_scan(scan: Scan, folder: Path, name: str | None = None) -> Path:
    """Save a scan's bytes under `name` (default: its own name) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or scan.name)
    target.write_bytes(scan.data)
    return target
