"""A Chinese font on this machine for drawing forms and seals: Noto CJK on Linux, 宋体/雅黑 on Windows."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

# (path, style) in order of preference; "serif" looks like 宋体 (forms), "sans" like 黑体 (seals, headings).
_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "serif"),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", "serif-bold"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "sans"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "sans-bold"),
    ("/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc", "serif"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "sans"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc", "sans-bold"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", "sans"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "sans"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "sans"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "serif"),
    ("/System/Library/Fonts/PingFang.ttc", "sans"),
    ("/System/Library/Fonts/STHeiti Medium.ttc", "sans-bold"),
]
_WINDOWS = [("simsun.ttc", "serif"), ("simhei.ttf", "sans-bold"), ("msyh.ttc", "sans"), ("msyhbd.ttc", "sans-bold")]
_PROBE = "洛阳济源盖章"


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int  # face inside a .ttc collection (the Simplified Chinese one where there are several)


def _windows_candidates() -> list[tuple[str, str]]:
    root = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [(str(root / name), style) for name, style in _WINDOWS]


def _sc_index(path: str) -> int | None:
    """Index of the Simplified Chinese face in a collection (Noto CJK puts JP first), else 0; None if unusable."""
    chosen = None
    for index in range(8):
        try:
            font = ImageFont.truetype(path, 20, index=index)
        except OSError:
            break
        name = " ".join(font.getname())
        if chosen is None or " SC" in name:
            chosen = index
        if " SC" in name:
            break
    if chosen is None:
        return None
    font = ImageFont.truetype(path, 20, index=chosen)
    # A font without CJK glyphs draws all probe characters as the same empty box.
    widths = {font.getbbox(ch) for ch in _PROBE}
    return chosen if len(widths) > 2 else None


@lru_cache(maxsize=1)
def cjk_fonts() -> dict[str, FontFile]:
    """Style → font file for the CJK fonts found; empty when the machine has none."""
    found: dict[str, FontFile] = {}
    extra = os.environ.get("LYREPORT_CJK_FONT")
    candidates = ([(extra, "sans")] if extra else []) + _CANDIDATES + _windows_candidates()
    for path, style in candidates:
        if style in found or not Path(path).is_file():
            continue
        index = _sc_index(path)
        if index is not None:
            found[style] = FontFile(path, index)
    # Every style falls back to whatever exists.
    if found:
        any_font = found.get("serif") or found.get("sans") or next(iter(found.values()))
        for style in ("serif", "sans", "serif-bold", "sans-bold"):
            base = found.get(style.replace("-bold", "")) or any_font
            found.setdefault(style, base)
    return found


def have_cjk_font() -> bool:
    return bool(cjk_fonts())


@lru_cache(maxsize=256)
def font(style: str, size_px: int) -> ImageFont.FreeTypeFont:
    """The font of `style` at `size_px` pixels; raises LookupError when no CJK font is installed."""
    fonts = cjk_fonts()
    if not fonts:
        raise LookupError("no CJK font found")
    chosen = fonts[style]
    return ImageFont.truetype(chosen.path, max(6, size_px), index=chosen.index)
