"""OFD (GB/T 33190, the national format for fixed-layout documents) as pages: a scanner or a sealing system
that saves OFD wraps each scanned page as a picture; an electronic seal is a picture placed by a stamp
annotation; text exported from WPS is drawn with a CJK font when one is installed.

An OFD is a zip of XML parts: OFD.xml → Document.xml → each page's Content.xml, whose ImageObjects point
through the resource files to the pictures. Every part is untrusted: the member count, each part's size and
the total inflated are capped, XML is parsed without entities, paths stay inside the package.
"""

from __future__ import annotations

import functools
import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .raster import MAX_PAGES, MAX_SIDE, PDF_DPI, Page, RasterError, bounded_picture

MAX_MEMBERS = 5000
MAX_XML = 8 << 20
MAX_PICTURE = 60 << 20
MAX_TOTAL = 200 << 20
MAX_OBJECTS = 20000  # drawing objects per page
MAX_WORK = 400_000  # characters, path tokens and pictures (2,000 each) per page: a form has a few thousand
MAX_PAGE_MM = 1000.0
_DRAWN = ("ImageObject", "TextObject", "PathObject")
_FONTS = (
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


@dataclass
class _Package:
    zf: zipfile.ZipFile
    names: dict[str, str]  # lower-case path without leading "/" → member name
    read_so_far: int = 0
    media: dict[str, str] = field(default_factory=dict)  # resource ID → picture path

    def read(self, path: str, limit: int) -> bytes:
        name = self.names.get(path.lstrip("/").lower())
        if name is None:
            raise RasterError("scan-corrupt", reason=f"OFD 文件缺少部件 {path[:80]}")
        info = self.zf.getinfo(name)
        if info.file_size > limit or self.read_so_far + info.file_size > MAX_TOTAL:
            raise RasterError("scan-too-many-pixels")
        with self.zf.open(info) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:  # the header lied about the size
            raise RasterError("scan-too-many-pixels")
        self.read_so_far += len(data)
        return data

    def xml(self, path: str) -> Any:
        from defusedxml import ElementTree
        from defusedxml.common import DefusedXmlException

        try:
            return ElementTree.fromstring(self.read(path, MAX_XML))
        except (ElementTree.ParseError, DefusedXmlException):
            raise RasterError("scan-corrupt", reason=f"OFD 文件的 {path[:80]} 不是有效的 XML") from None


def ofd_pages(path: Path) -> tuple[list[Page], int]:
    """(pages, total pages) of an OFD file; raises RasterError for anything unusable."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RasterError("scan-corrupt", reason="OFD 文件结构损坏") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise RasterError("scan-too-many-pixels")
        if any(m.flag_bits & 0x1 for m in members):
            raise RasterError("scan-encrypted")
        package = _Package(zf, {m.filename.lstrip("/").lower(): m.filename for m in members})
        try:
            return _document(package)
        except (zipfile.BadZipFile, EOFError, ValueError, KeyError, NotImplementedError, RuntimeError):
            raise RasterError("scan-corrupt", reason="OFD 文件结构损坏") from None


def _document(package: _Package) -> tuple[list[Page], int]:
    root = package.xml("OFD.xml")
    doc_root = _text(_first(root, "DocRoot"))
    if not doc_root:
        raise RasterError("scan-corrupt", reason="OFD 文件中没有文档（DocRoot）")
    doc_path = _join("", doc_root)
    document = package.xml(doc_path)
    doc_dir = posixpath.dirname(doc_path)
    default_box = _box(_text(_first(_first(document, "PageArea"), "PhysicalBox"))) or (0.0, 0.0, 210.0, 297.0)
    for tag in ("DocumentRes", "PublicRes"):
        for res in _all(document, tag):
            _resources(package, _join(doc_dir, _text(res)))
    listed = [p for p in _all(document, "Page") if p.get("BaseLoc")]
    if not listed:
        raise RasterError("scan-corrupt", reason="OFD 文件中没有任何页面")
    stamps = _stamps(package, root, doc_dir)
    pages = []
    for page in listed[:MAX_PAGES]:
        content_path = _join(doc_dir, page.get("BaseLoc", ""))
        content = package.xml(content_path)
        box = _box(_text(_first(_first(content, "Area"), "PhysicalBox"))) or default_box
        pages.append(_draw(package, content, box, stamps.get(page.get("ID", ""), [])))
    return pages, len(listed)


def _resources(package: _Package, res_path: str) -> None:
    res = package.xml(res_path)
    base = _join(posixpath.dirname(res_path), res.get("BaseLoc", ""))
    for media in _all(res, "MultiMedia"):
        file = _text(_first(media, "MediaFile"))
        if media.get("ID") and file:
            package.media[media.get("ID", "")] = _join(base, file)


def _stamps(package: _Package, root: Any, doc_dir: str) -> dict[str, list[tuple[tuple[float, ...], bytes]]]:
    """Electronic seals by page ID: (boundary in mm, the seal picture's bytes found in the signed value)."""
    found: dict[str, list[tuple[tuple[float, ...], bytes]]] = {}
    for listing in _all(root, "Signatures"):
        list_path = _join("", _text(listing))
        for signature in _all(package.xml(list_path), "Signature"):
            sign_path = _join(posixpath.dirname(list_path), signature.get("BaseLoc", ""))
            signed = package.xml(sign_path)
            value = _text(_first(signed, "SignedValue"))
            picture = (
                _picture_in(package.read(_join(posixpath.dirname(sign_path), value), MAX_PICTURE)) if value else b""
            )
            for annot in _all(signed, "StampAnnot"):
                box = _box(annot.get("Boundary", ""))
                if box and picture:
                    found.setdefault(annot.get("PageRef", ""), []).append((box, picture))
    return found


def _picture_in(signed_value: bytes) -> bytes:
    """The seal's picture inside an SES signature (DER): the first PNG, JPEG or GIF in it, to its end."""
    for magic in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8"):
        start = signed_value.find(magic)
        if start >= 0:
            return signed_value[start:]
    return b""


def _draw(package: _Package, content: Any, box: tuple[float, ...], stamps: list[Any]) -> Page:
    from PIL import Image, ImageDraw

    width_mm, height_mm = box[2], box[3]
    if not (0 < width_mm <= MAX_PAGE_MM and 0 < height_mm <= MAX_PAGE_MM):
        raise RasterError("scan-corrupt", reason="OFD 页面尺寸异常")
    scale = min(PDF_DPI / 25.4, MAX_SIDE / max(width_mm, height_mm))  # pixels per mm
    page = Image.new("RGB", (max(1, round(width_mm * scale)), max(1, round(height_mm * scale))), "white")
    draw = ImageDraw.Draw(page)
    objects = [e for e in content.iter() if _local(e.tag) in _DRAWN][:MAX_OBJECTS]
    if _work_of(objects) > MAX_WORK:
        raise RasterError("scan-corrupt", reason="OFD 页面中的内容过多（疑似异常文件）")
    pictures = 0
    for obj in objects:
        where = _box(obj.get("Boundary", ""))
        if where is None:
            continue
        if _local(obj.tag) == "ImageObject":
            picture = package.media.get(obj.get("ResourceID", ""))
            if picture:
                _paste(page, package.read(picture, MAX_PICTURE), where, scale)
                pictures += 1
        elif _local(obj.tag) == "PathObject":
            _path_object(draw, obj, where, scale)
        else:
            _text_object(draw, obj, where, scale)
    for where, picture in stamps:
        _paste(page, picture, where, scale)
    return Page(page, drawn=pictures == 0)


def _work_of(objects: list[Any]) -> int:
    """Characters, path tokens and pictures to draw on a page, counted before any is drawn."""
    work = 0
    for obj in objects:
        kind = _local(obj.tag)
        if kind == "ImageObject":
            work += 2000
        elif kind == "TextObject":
            work += sum(len(code.text or "") for code in _all(obj, "TextCode"))
        else:
            work += len(_text(_first(obj, "AbbreviatedData")).split())
    return work


def _path_object(draw: Any, obj: Any, where: tuple[float, ...], scale: float) -> None:
    """The straight lines of a path (a table's rules: M, L, Z); curves are left out, they carry no text."""
    if obj.get("Stroke", "true") == "false":
        return
    width = max(1, round((_number(obj.get("LineWidth")) or 0.353) * scale))
    colour = _colour(_first(obj, "StrokeColor"))
    tokens, start, point, index = _text(_first(obj, "AbbreviatedData")).split()[:20000], None, None, 0
    while index < len(tokens):
        op = tokens[index]
        if op in ("M", "L") and index + 2 < len(tokens):
            x, y = _number(tokens[index + 1]), _number(tokens[index + 2])
            index += 3
            if x is None or y is None:
                return
            here = ((where[0] + x) * scale, (where[1] + y) * scale)
            if op == "L" and point is not None:
                draw.line((point, here), fill=colour, width=width)
            start = here if op == "M" else start
            point = here
        elif op == "Z":
            if point is not None and start is not None:
                draw.line((point, start), fill=colour, width=width)
            point, index = start, index + 1
        else:
            index += 1


def _paste(page: Any, data: bytes, where: tuple[float, ...], scale: float) -> None:
    from PIL import Image

    picture = bounded_picture(io.BytesIO(data))
    size = (max(1, round(where[2] * scale)), max(1, round(where[3] * scale)))
    if size[0] * size[1] > page.width * page.height * 4:
        raise RasterError("scan-too-many-pixels")
    picture = picture.resize(size, Image.LANCZOS)
    if picture.mode != "RGBA":
        picture = picture.convert("RGBA")
    page.paste(picture, (round(where[0] * scale), round(where[1] * scale)), picture)


def _text_object(draw: Any, obj: Any, where: tuple[float, ...], scale: float) -> None:
    if _font_file() is None:
        raise RasterError("scan-ofd-no-font")
    size_mm = _number(obj.get("Size")) or 3.5
    ctm = [_number(v) for v in (obj.get("CTM") or "").split()]
    a, b, c, d, e, f = ctm if len(ctm) == 6 and None not in ctm else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    size_px = max(6, round(size_mm * scale * max(abs(a * d - b * c), 1e-6) ** 0.5))
    font = _font(min(size_px, 400))
    colour = _colour(_first(obj, "FillColor"))
    x, y = 0.0, 0.0
    for code in _all(obj, "TextCode"):
        x = _number(code.get("X")) if code.get("X") is not None else x
        y = _number(code.get("Y")) if code.get("Y") is not None else y
        if x is None or y is None:
            return
        steps = _deltas(code.get("DeltaX"))
        for index, char in enumerate(_text(code)[:2000]):
            px, py = a * x + c * y + e, b * x + d * y + f
            draw.text(((where[0] + px) * scale, (where[1] + py) * scale), char, fill=colour, font=font, anchor="ls")
            # Each character where the file puts it (DeltaX), else the font's own advance.
            x += steps[index] if index < len(steps) else font.getlength(char) / scale / max(abs(a), 1e-6)


def _deltas(text: str | None) -> list[float]:
    """DeltaX: the gaps between characters, "g 3 2.5" standing for 2.5 three times."""
    tokens, out = (text or "").split(), []
    index = 0
    while index < len(tokens) and len(out) < 2000:
        if tokens[index] == "g" and index + 2 < len(tokens):
            count, value = _number(tokens[index + 1]), _number(tokens[index + 2])
            out += [value or 0.0] * min(int(count or 0), 2000)
            index += 3
            continue
        out.append(_number(tokens[index]) or 0.0)
        index += 1
    return out


@functools.lru_cache(maxsize=32)
def _font(size_px: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(_font_file(), size_px)


def _font_file() -> str | None:
    return next((f for f in _FONTS if Path(f).is_file()), None)


def _colour(element: Any) -> tuple[int, int, int]:
    values = [_number(v) for v in (element.get("Value", "") if element is not None else "").split()]
    if len(values) == 3 and all(v is not None and 0 <= v <= 255 for v in values):
        return (int(values[0]), int(values[1]), int(values[2]))
    return (0, 0, 0)


def _join(base: str, path: str) -> str:
    """An OFD location: absolute from the package root when it starts with "/", else relative to `base`."""
    path = path.strip().replace("\\", "/")
    joined = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(base, path))
    if joined.startswith("..") or joined == ".":
        raise RasterError("scan-corrupt", reason="OFD 文件中的路径指向文件包之外")
    return joined


def _box(text: str) -> tuple[float, ...] | None:
    values = [_number(v) for v in text.split()]
    if len(values) != 4 or any(v is None for v in values) or values[2] <= 0 or values[3] <= 0:  # type: ignore[operator]
        return None
    return tuple(values)  # type: ignore[arg-type]


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and abs(value) < 1e6 else None


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _all(element: Any, name: str) -> list[Any]:
    return [e for e in element.iter() if _local(e.tag) == name] if element is not None else []


def _first(element: Any, name: str) -> Any:
    found = _all(element, name)
    return found[0] if found else None


def _text(element: Any) -> str:
    return (element.text or "").strip() if element is not None else ""
