"""From a scan specification to file bytes and ground truth."""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from PIL import Image

from ..identity_mark import encode_mark
from ..models import MasterList, Measure, Unit
from ..render.templates import TEMPLATE_VERSION, write_template
from ..samples import Filling, fill_template, make_filling
from ..unitnames import UnitDirectory
from ..workspace import bundled
from . import effects, forms, office
from .seal import stamp

WEEK = date(2021, 1, 7)
KINDS = ("office", "drawn", "selfmade", "blank")
FORMATS = ("pdf", "jpeg", "png", "tiff")
EXTENSIONS = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png", "tiff": ".tif"}


@dataclass(frozen=True)
class Spec:
    """One scan to make; None means "drawn from the seed"."""

    kind: str = "drawn"
    seed: int = 0
    unit: str | None = None
    week: date = WEEK
    stamped: bool = True
    seal_over_table: bool = False
    fmt: str = "pdf"
    dpi: int | None = None  # 150–200 when None
    pages: int = 1
    angle: float | None = None  # ±3° when None
    noise: bool = True
    photo: bool = False
    grey: bool = False  # scanned (or photographed) in black and white: greyscale pages, a seal as grey as the text
    statuses: tuple[tuple[int, str], ...] | None = None  # (measure no, status) pairs; random when None
    filling: Filling | None = None  # exactly what is written (the demo prints its electronic returns)


@dataclass
class Truth:
    """What a perfect reader would find on the scan."""

    unit: str | None  # canonical name; None for a page that is no form
    week: date | None
    stamped: bool
    statuses: dict[int, str]
    kind: str
    has_mark: bool
    list_id: str
    contact: str = ""
    phone: str = ""
    pages: int = 1
    dpi: int = 150
    fmt: str = "pdf"
    photo: bool = False
    seal_over_table: bool = False
    grey: bool = False  # no colour on the pages: a reader cannot tell a seal there (stamped says what is on paper)


@dataclass
class Scan:
    name: str  # a file name as a scanner or phone would give it
    data: bytes
    truth: Truth
    images: list[Image.Image] = field(default_factory=list, repr=False)  # the pages as encoded


@lru_cache(maxsize=1)
def default_lists() -> tuple[MasterList, UnitDirectory]:
    """The bundled 33-measure list and unit directory, without a workspace."""
    data = bundled("measures_33.json")
    measures = [Measure(m["no"], m["category"], m["text"], list(m["units"])) for m in data["measures"]]
    master = MasterList(data["list_id"], data["title"], data["base_year"], measures)
    units = [Unit(u["name"], u.get("full_name", ""), list(u.get("aliases", []))) for u in bundled("units.json")]
    return master, UnitDirectory(units)


def _filling(master: MasterList, spec: Spec, unit: str, rng: random.Random) -> Filling:
    if spec.filling is not None:
        return spec.filling
    return make_filling(master, unit, spec.week, rng, dict(spec.statuses) if spec.statuses else None)


def _content(
    master: MasterList, directory: UnitDirectory, spec: Spec, unit: str, filling: Filling, rng: random.Random
) -> forms.FormContent:
    entry = directory.get(unit) or Unit(unit)
    written = unit
    if spec.kind == "selfmade":
        written = rng.choice([unit, entry.full_name or unit, *(entry.aliases[:2] or [unit])])
    rows = []
    for measure in master.measures_of(unit):
        values = filling.rows[measure.no]
        status = str(values["status"])
        shown = rng.choice(forms.STATUS_WORDS[status]) if spec.kind == "selfmade" else status
        rows.append(
            forms.FormRow(
                measure.no,
                measure.text,
                measure.role_of(unit),
                status,
                shown,
                str(values.get("progress") or ""),
                str(values.get("issues") or ""),
                str(values.get("next_steps") or ""),
                values.get("expected"),  # type: ignore[arg-type]
            )
        )
    mark = None if spec.kind == "selfmade" else encode_mark(master.list_id, unit, spec.week, TEMPLATE_VERSION)
    return forms.FormContent(
        master.title,
        unit,
        written,
        entry.full_name or unit,
        spec.week,
        master.list_id,
        filling.contact,
        filling.phone,
        filling.filled_on,
        rows,
        mark,
    )


def _blank(dpi: int, rng: random.Random) -> forms.Drawn:
    """A page that is no form: empty, or a dark, failed scan."""
    shade = rng.choice([255, 250, 40])
    page = Image.new("RGB", (round(8.27 * dpi), round(11.69 * dpi)), (shade, shade, shade))
    return forms.Drawn([page], (page.width // 2, page.height // 2), None, None)


def _seal_centre(drawn: forms.Drawn, spec: Spec, dpi: int, rng: random.Random) -> tuple[int, int]:
    jitter = dpi // 8
    if spec.seal_over_table and drawn.table is not None:
        box = drawn.table
        col = (
            drawn.status_col if drawn.status_col is not None and rng.random() < 0.5 else rng.randrange(len(box.xs) - 1)
        )
        x = (box.xs[col] + box.xs[col + 1]) // 2 + rng.randint(-jitter, jitter)
        y = box.ys[-1] - rng.randint(0, max(1, (box.ys[-1] - box.ys[0]) // 2))
        radius = dpi  # a 42 mm seal has a radius of 0.83 inch: keep it on the sheet
        width = drawn.pages[-1].width
        return min(max(x, radius), width - radius), max(y, radius)
    x, y = drawn.seal_spot
    return x + rng.randint(-jitter, jitter), y + rng.randint(-jitter, jitter)


def _office_drawn(specs: list[tuple[Spec, Filling, int]], master: MasterList, directory: UnitDirectory):  # noqa: ANN202
    """Print several filled templates with one LibreOffice start."""
    with tempfile.TemporaryDirectory(prefix="lyreport-scansim-") as tmp:
        books = []
        for index, (spec, filling, _dpi) in enumerate(specs):
            entry = directory.get(filling.unit) or Unit(filling.unit)
            blank = write_template(master, entry, spec.week, Path(tmp) / f"blank{index}.xlsx")
            books.append(fill_template(blank, filling, Path(tmp) / f"form{index}.xlsx"))
        return office.print_forms(books, [dpi for _, _, dpi in specs])


def build(specs: list[Spec], master: MasterList | None = None, directory: UnitDirectory | None = None) -> list[Scan]:
    """Make the scans of `specs` (LibreOffice started once for all ``office`` ones)."""
    if master is None or directory is None:
        master, directory = default_lists()
    prepared = []
    for spec in specs:
        if spec.kind not in KINDS or spec.fmt not in FORMATS:
            raise ValueError(f"unknown scan kind or format: {spec.kind}, {spec.fmt}")
        rng = random.Random(spec.seed)
        dpi = spec.dpi or rng.choice((150, 160, 180, 200))
        unit = spec.filling.unit if spec.filling else spec.unit or rng.choice(master.units)
        filling = _filling(master, spec, unit, rng)
        prepared.append((spec, rng, dpi, unit, filling))
    office_jobs = [(s, f, d) for s, _, d, _, f in prepared if s.kind == "office"]
    printed = iter(_office_drawn(office_jobs, master, directory) if office_jobs else [])
    return [_finish(p, next(printed) if p[0].kind == "office" else None, master, directory) for p in prepared]


def _finish(prepared, printed: forms.Drawn | None, master: MasterList, directory: UnitDirectory) -> Scan:  # noqa: ANN001
    spec, rng, dpi, unit, filling = prepared
    content = _content(master, directory, spec, unit, filling, rng)
    pages = min(spec.pages, max(1, len(content.rows)))
    if spec.kind == "blank":
        drawn = _blank(dpi, rng)
    elif spec.kind == "selfmade":
        drawn = forms.draw_selfmade(content, dpi, rng, pages)
    elif spec.kind == "drawn":
        drawn = forms.draw_product(content, dpi, pages)
    else:
        assert printed is not None
        drawn = printed
    images = list(drawn.pages)
    stamped = spec.stamped and spec.kind != "blank"
    if stamped:
        images[-1] = stamp(images[-1], content.full_name, _seal_centre(drawn, spec, dpi, rng), dpi, rng)
    fmt = spec.fmt if len(images) == 1 or spec.fmt in ("pdf", "tiff") else "pdf"
    angle = spec.angle if spec.angle is not None else rng.uniform(-3, 3)
    if spec.photo:
        images = [effects.photographed(im, rng, angle=angle) for im in images]
    else:
        images = [effects.scanned(im, rng, angle=angle, noise=spec.noise) for im in images]
    if spec.grey:
        images = [im.convert("L") for im in images]
    data = effects.encode(images, fmt, dpi, rng)
    is_form = spec.kind != "blank"
    truth = Truth(
        unit if is_form else None,
        spec.week if is_form else None,
        stamped,
        {r.no: r.status for r in content.rows} if is_form else {},
        spec.kind,
        is_form and spec.kind != "selfmade",
        master.list_id,
        content.contact if is_form else "",
        content.phone if is_form else "",
        len(images),
        dpi,
        fmt,
        spec.photo,
        spec.seal_over_table and stamped,
        spec.grey,
    )
    stem = f"IMG_{20210107 + spec.seed % 1000:08d}" if spec.photo else f"{unit}-扫描件"
    return Scan(stem + EXTENSIONS[fmt], data, truth, images)
