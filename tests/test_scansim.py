"""The scan generator: decodable QR codes, consistent ground truth, seeded determinism, every file format."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

import numpy as np
import pytest
from office import needs_soffice
from PIL import Image

from lyreport.identity_mark import decode_mark
from lyreport.models import STATUSES
from lyreport.render.templates import TEMPLATE_VERSION
from lyreport.scansim import bench_specs, can_draw, default_lists, make_scan

zxingcpp = pytest.importorskip("zxingcpp")
pytestmark = pytest.mark.skipif(not can_draw(), reason="no CJK font to draw forms with")


def _pages(data: bytes, fmt: str) -> list[Image.Image]:
    if fmt == "pdf":
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(data)
        return [page.render(scale=150 / 72).to_pil().convert("RGB") for page in doc]
    image = Image.open(io.BytesIO(data))
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.convert("RGB"))
    return frames


def _marks(image: Image.Image) -> list[dict[str, str]]:
    return [m for m in (decode_mark(r.text) for r in zxingcpp.read_barcodes(image)) if m]


def _red_share(image: Image.Image) -> float:
    rgb = np.asarray(image, dtype=np.int16)
    red = (rgb[..., 0] > 150) & (rgb[..., 0] - rgb[..., 1] > 60) & (rgb[..., 0] - rgb[..., 2] > 50)
    return float(red.mean())


def test_drawn_form_qr_names_the_truth():
    scan = make_scan("drawn", seed=11, stamped=False, angle=2.5, fmt="png", unit="市卫健委", week=date(2021, 1, 14))
    truth = scan.truth
    assert (truth.unit, truth.week, truth.kind, truth.has_mark) == ("市卫健委", date(2021, 1, 14), "drawn", True)
    [page] = _pages(scan.data, "png")
    [mark] = _marks(page)
    master, _ = default_lists()
    assert mark == {
        "tool": "lyreport",
        "list_id": master.list_id,
        "unit": "市卫健委",
        "week": "2021-01-14",
        "template_version": TEMPLATE_VERSION,
    }
    assert set(truth.statuses) == {m.no for m in master.measures_of("市卫健委")} == {20, 21}
    assert set(truth.statuses.values()) <= set(STATUSES)
    assert _red_share(page) == 0 and not truth.stamped


def test_given_statuses_are_the_truth():
    scan = make_scan("selfmade", seed=2, unit="市发改委", statuses={1: "已完成", 8: "进度滞后", 9: "尚未启动"})
    assert scan.truth.statuses == {1: "已完成", 8: "进度滞后", 9: "尚未启动", 16: scan.truth.statuses[16]}
    assert scan.truth.kind == "selfmade" and not scan.truth.has_mark


def test_seeded_and_deterministic():
    first = make_scan("selfmade", seed=7, fmt="pdf")
    again = make_scan("selfmade", seed=7, fmt="pdf")
    other = make_scan("selfmade", seed=8, fmt="pdf")
    assert first.data == again.data and first.truth == again.truth
    assert other.data != first.data


def test_photo_jpeg_keeps_a_readable_mark_and_the_seal():
    scan = make_scan("drawn", seed=5, photo=True, fmt="jpeg", stamped=True)
    [page] = _pages(scan.data, "jpeg")
    assert scan.name.endswith(".jpg") and scan.truth.photo
    assert [m["unit"] for m in _marks(page)] == [scan.truth.unit]
    assert _red_share(page) > 0.002


def test_self_made_form_has_no_mark_but_a_seal():
    scan = make_scan("selfmade", seed=4, stamped=True, seal_over_table=True, fmt="tiff")
    [page] = _pages(scan.data, "tiff")
    assert _marks(page) == []
    assert _red_share(page) > 0.002 and scan.truth.seal_over_table


@pytest.mark.parametrize("fmt", ["pdf", "tiff"])
def test_two_page_files(fmt):
    scan = make_scan("drawn", seed=9, unit="市工信局", pages=2, fmt=fmt, stamped=True)
    pages = _pages(scan.data, fmt)
    assert len(pages) == scan.truth.pages == 2
    assert [len(_marks(p)) for p in pages] == [1, 0]  # the code is printed on the first page only
    assert _red_share(pages[0]) == 0 and _red_share(pages[1]) > 0.002  # stamped at the end of the form


def test_blank_page_has_no_truth():
    scan = make_scan("blank", seed=1, fmt="jpeg")
    assert scan.truth.unit is None and scan.truth.statuses == {} and not scan.truth.stamped


def test_bench_mix_covers_every_case():
    specs = bench_specs(60, office=True)
    assert len(specs) == 60 and len({s.seed for s in specs}) == 60
    kinds = Counter(s.kind for s in specs)
    assert kinds["office"] >= 15 and kinds["drawn"] >= 15 and kinds["selfmade"] >= 10
    assert {s.fmt for s in specs} == {"pdf", "jpeg", "png", "tiff"}
    assert sum(s.photo for s in specs) >= 6
    assert sum(not s.stamped for s in specs) >= 6 and sum(s.seal_over_table for s in specs) >= 3
    assert any(s.pages == 2 for s in specs)
    assert {s.kind for s in bench_specs(60, office=False)} == {"drawn", "selfmade"}


@needs_soffice
def test_office_printed_form_round_trip():
    """The real template, filled with openpyxl and printed by LibreOffice, keeps its QR code through the scan."""
    scan = make_scan("office", seed=3, unit="市交通运输局", stamped=True, fmt="pdf")
    [page] = _pages(scan.data, "pdf")
    assert [m["unit"] for m in _marks(page)] == ["市交通运输局"]
    assert len(scan.truth.statuses) == 5 and _red_share(page) > 0.002
