"""Signed returns saved as OFD (GB/T 33190): a scanner's OFD wraps the scanned picture, a WPS export draws text and
table rules, an electronic seal is a picture in the signature. Each is built here, in code, and read by the real
OCR; a damaged or hostile OFD is refused with its reason, and its unit still counts as having sent the scan."""

from __future__ import annotations

import io
import json
import random
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from office import needs_soffice
from PIL import Image, ImageDraw
from scan_forms import add_seal, paper_workspace, scan_files

from lyreport.cli import main
from lyreport.intake.scan.ofd import ofd_pages
from lyreport.intake.scan.raster import RasterError
from lyreport.samples import make_filling, set_received, standard_return

WEEK = date(2021, 1, 7)
NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
MM = 25.4 / 200  # mm per pixel of a 200 dpi page


def _ofd(target: Path, pages: list[str], *, media: dict[str, bytes] | None = None, seal: bytes | None = None,
         seal_box: str = "240 150 42 42", extra: dict[str, bytes | str] | None = None) -> Path:  # fmt: skip
    """An OFD package: one Content.xml per page, pictures as MultiMedia resources, an optional electronic seal."""
    signs = "<ofd:Signatures>/Doc_0/Signs/Signatures.xml</ofd:Signatures>" if seal else ""
    listed = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
    resources = "".join(
        f'<ofd:MultiMedia ID="{rid}" Type="Image"><ofd:MediaFile>{rid}.png</ofd:MediaFile></ofd:MultiMedia>'
        for rid in (media or {})
    )
    parts: dict[str, bytes | str] = {
        "OFD.xml": f'<ofd:OFD {NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>1</ofd:DocID>'
        f"</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>{signs}</ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f"<ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea>"
        "<ofd:PhysicalBox>0 0 297 210</ofd:PhysicalBox></ofd:PageArea><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
        f"</ofd:CommonData><ofd:Pages>{listed}</ofd:Pages></ofd:Document>",
        "Doc_0/DocumentRes.xml": f'<ofd:Res {NS} BaseLoc="Res"><ofd:MultiMedias>{resources}</ofd:MultiMedias></ofd:Res>',
    }
    for index, layer in enumerate(pages):
        parts[f"Doc_0/Pages/Page_{index}/Content.xml"] = (
            f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="900">{layer}</ofd:Layer></ofd:Content></ofd:Page>'
        )
    for rid, data in (media or {}).items():
        parts[f"Doc_0/Res/{rid}.png"] = data
    if seal:
        parts["Doc_0/Signs/Signatures.xml"] = (
            f'<ofd:Signatures {NS}><ofd:Signature ID="1" Type="Seal" BaseLoc="Sign_0/Signature.xml"/></ofd:Signatures>'
        )
        parts["Doc_0/Signs/Sign_0/Signature.xml"] = (
            f'<ofd:Signature {NS}><ofd:SignedInfo><ofd:StampAnnot ID="1" PageRef="1" Boundary="{seal_box}"/>'
            "</ofd:SignedInfo><ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue></ofd:Signature>"
        )
        parts["Doc_0/Signs/Sign_0/SignedValue.dat"] = (
            b"\x30\x82\x20\x00\x16\x03png\x04\x82\x1f\x00" + seal + b"\x30\x00"
        )
    parts.update(extra or {})
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return target


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _picture_page(picture: Image.Image, rid: str = "50") -> str:
    w, h = picture.width * MM, picture.height * MM
    return (
        f'<ofd:ImageObject ID="901" ResourceID="{rid}" Boundary="0 0 {w:.2f} {h:.2f}" CTM="{w:.2f} 0 0 {h:.2f} 0 0"/>'
    )


def _seal_picture(unit: str) -> bytes:
    return _png(add_seal(Image.new("RGBA", (400, 400), (255, 255, 255, 0)), f"洛阳{unit}", (200, 200)))


def _exported_form(unit: str, rows: list[tuple[str, str, str, str]]) -> str:
    """A unit's own table as a WPS export draws it: one TextObject per cell, the rules as PathObjects (mm)."""
    objects, n = [], 1000

    def text(x: float, y: float, words: str, size: float = 4.2) -> None:
        nonlocal n
        n += 1
        # Full-width characters one font size apart ("g n d": d, n times); others at the font's own advance.
        wide = len(words) > 1 and all(ord(ch) > 0x2E80 for ch in words)
        gaps = f' DeltaX="g {len(words) - 1} {size}"' if wide else ""
        objects.append(
            f'<ofd:TextObject ID="{n}" Boundary="{x} {y} 200 {size * 1.6}" Font="1" Size="{size}">'
            f'<ofd:TextCode X="0" Y="{size}"{gaps}>{words}</ofd:TextCode></ofd:TextObject>'
        )

    def rule(x0: float, y0: float, x1: float, y1: float) -> None:
        nonlocal n
        n += 1
        objects.append(
            f'<ofd:PathObject ID="{n}" Boundary="0 0 297 210" LineWidth="0.4">'
            f"<ofd:AbbreviatedData>M {x0} {y0} L {x1} {y1}</ofd:AbbreviatedData></ofd:PathObject>"
        )

    text(95, 12, "洛济深度融合三十三条落实情况", 6.3)
    text(15, 25, f"填报单位：{unit}")
    text(190, 25, "填报日期：2021年1月6日")
    cols = [("序号", 15, 42), ("完成状态", 42, 75), ("措施内容", 75, 165), ("工作进展", 165, 282)]
    top, height = 35.0, 14.0
    for index, cells in enumerate([tuple(c[0] for c in cols), *rows]):
        y = top + index * height
        for (_, x0, x1), words in zip(cols, cells, strict=True):
            text(x0 + 2.5, y + 4.5, words)
            rule(x0, y, x1, y)
            rule(x0, y, x0, y + height)
        rule(cols[-1][2], y, cols[-1][2], y + height)
    rule(cols[0][1], top + (len(rows) + 1) * height, cols[-1][2], top + (len(rows) + 1) * height)
    text(15, top + (len(rows) + 1) * height + 8, "联系人：王伟    联系电话：13937900001")
    return "".join(objects)


def test_a_scanners_ofd_gives_the_page_it_wraps(tmp_path: Path) -> None:
    page = Image.new("RGB", (800, 600), "white")
    ImageDraw.Draw(page).rectangle((100, 100, 300, 200), fill=(0, 0, 0))
    path = _ofd(tmp_path / "s.ofd", [_picture_page(page)], media={"50": _png(page)})
    (read,), total = ofd_pages(path)
    assert total == 1
    assert read.image.size == (2339, 1654)  # A4 landscape at 200 dpi; the picture's 800 × 600 px at its top left
    assert read.image.getpixel((200, 150)) == (0, 0, 0)
    assert read.image.getpixel((500, 400)) == read.image.getpixel((1500, 1000)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("parts", "code", "said"),
    [
        ({"OFD.xml": "<ofd:OFD"}, "scan-corrupt", "不是有效的 XML"),
        (
            {"OFD.xml": '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'},
            "scan-corrupt",
            "不是有效的 XML",
        ),
        (
            {
                "OFD.xml": f"<ofd:OFD {NS}><ofd:DocBody><ofd:DocRoot>../../etc/passwd</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
            },
            "scan-corrupt",
            "文件包之外",
        ),
        ({"Doc_0/Document.xml": f"<ofd:Document {NS}><ofd:Pages/></ofd:Document>"}, "scan-corrupt", "没有任何页面"),
        (
            {
                "Doc_0/Pages/Page_0/Content.xml": f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="9">'
                + '<ofd:TextObject Boundary="0 0 9 9"><ofd:TextCode X="0" Y="3">'
                + "字" * 500_000
                + "</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"
            },
            "scan-corrupt",
            "内容过多",
        ),
    ],
)
def test_a_damaged_or_hostile_ofd_is_refused_with_its_reason(tmp_path: Path, parts, code, said) -> None:
    path = _ofd(tmp_path / "x.ofd", ["<ofd:TextObject/>"], extra=parts)
    with pytest.raises(RasterError) as refused:
        ofd_pages(path)
    assert refused.value.code == code and said in refused.value.fields.get("reason", "")


def test_a_picture_bomb_inside_an_ofd_is_refused(tmp_path: Path) -> None:
    bomb = _png(Image.new("1", (30000, 30000)))  # a few KB that would decode to 900 M pixels
    path = _ofd(tmp_path / "b.ofd", [_picture_page(Image.new("1", (10, 10)))], media={"50": bomb})
    with pytest.raises(RasterError) as refused:
        ofd_pages(path)
    assert refused.value.code == "scan-too-many-pixels"


@pytest.fixture(scope="module")
def ofd_week(tmp_path_factory):
    root = tmp_path_factory.mktemp("ofd") / "ws"
    context, small, want = paper_workspace(root, 4)
    master, directory, tz = context.master, context.directory, context.config.timezone
    scanned, exported, unsealed, damaged = small
    inbox, work = root / "inbox", root.parent / "work"
    work.mkdir()
    fills = {u: make_filling(master, u, WEEK, random.Random(i), want[u]) for i, u in enumerate(want)}
    # A scanner's OFD, the only return of its unit: the stamped, QR-marked page as a picture.
    (png,) = scan_files(master, directory, [(fills[scanned], WEEK, work / "scan.png", True, True)], work)
    picture = Image.open(png).convert("RGB")
    files = [_ofd(inbox / f"{scanned}-盖章件.ofd", [_picture_page(picture)], media={"50": _png(picture)})]
    # Exported from WPS with an electronic seal (and one without), beside the unit's electronic return.
    for unit, seal in ((exported, _seal_picture(exported)), (unsealed, None)):
        rows = [(str(m.no), want[unit][m.no], m.text[:12], "按计划推进") for m in master.measures_of(unit)]
        files.append(_ofd(inbox / f"{unit}-签章版.ofd", [_exported_form(unit, rows)], seal=seal))
    files.append(_ofd(inbox / f"{damaged}-扫描件.ofd", ["<ofd:TextObject/>"], extra={"OFD.xml": "<ofd:OFD"}))
    for unit in (exported, unsealed, damaged):
        files.append(standard_return(master, directory, fills[unit], WEEK, inbox / f"{unit}.xlsx"))
    for path in files:
        set_received(path, datetime(2021, 1, 7, 9, 0, tzinfo=tz))
    result = CliRunner().invoke(main, ["run", "--workspace", str(root), "--week", WEEK.isoformat()])
    units = {"scanned": scanned, "exported": exported, "unsealed": unsealed, "damaged": damaged}
    return root, result, units, want


def _summary(root: Path) -> dict:
    return json.loads((root / "outbox" / WEEK.isoformat() / "summary.json").read_text(encoding="utf-8"))


@needs_soffice
def test_ofd_returns_count_as_signed_scans(ofd_week) -> None:
    root, result, units, want = ofd_week
    assert result.exit_code in (0, 1), result.output
    summary = _summary(root)
    by_name = {u["name"]: u for u in summary["units"]}
    scanned, exported, unsealed, damaged = (by_name[units[k]] for k in ("scanned", "exported", "unsealed", "damaged"))
    assert (scanned["state"], scanned["source"], scanned["scan_stamped"]) == ("on_time", "scan", True)
    measures = {m["no"]: m for m in summary["measures"]}
    for no, status in want[units["scanned"]].items():
        assert measures[no]["units"][units["scanned"]] == status, no
    assert (exported["source"], exported["scan_received"], exported["scan_stamped"]) == ("electronic", True, True)
    assert exported["scan_mismatches"] == []  # the exported table was read, and agrees
    assert (unsealed["scan_received"], unsealed["scan_stamped"]) == (True, False)
    said = {(p["code"], p["unit"]) for p in summary["problems"]}
    assert ("scan-unstamped", units["unsealed"]) in said and ("scan-unstamped", units["exported"]) not in said
    # The damaged one was received: its unit is not told to send the scan again as if it never had.
    assert damaged["scan_received"] is True and damaged["scan_stamped"] is None
    (refused,) = [p for p in summary["problems"] if p["code"] == "scan-unreadable" and units["damaged"] in p["file"]]
    assert "OFD.xml 不是有效的 XML" in refused["message"] and "已计为收到扫描件" in refused["message"]
    notice = "\n".join(
        p.text for p in Document(str(root / "outbox" / WEEK.isoformat() / f"督导情况通报-{WEEK}.docx")).paragraphs
    )
    missing_scan = [line for line in notice.splitlines() if "未报送盖章扫描件" in line]
    assert not any(units["damaged"] in line for line in missing_scan)
