"""The one place that finds a Chinese TrueType font and registers it with reportlab, once."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

from core.errors import UserError

FONT_NAME = "CJK"
RESOURCES_FONTS = Path(__file__).resolve().parent.parent / "resources" / "fonts"

# TrueType (glyf) fonts only: reportlab embeds a subset of these; OpenType/CFF (Noto CJK) is refused
# and CID fonts such as STSong-Light are not embedded, so they print blank on PCs without them.
_CANDIDATES = {
    "win32": ["simsun.ttc", "msyh.ttc", "msyh.ttf", "simhei.ttf", "simkai.ttf"],
    "darwin": ["/System/Library/Fonts/STHeiti Light.ttc", "/System/Library/Fonts/Supplemental/Songti.ttc",
               "/Library/Fonts/Arial Unicode.ttf"],
    "linux": ["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/truetype/arphic/uming.ttc", "/usr/share/fonts/truetype/arphic/ukai.ttc",
              "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"],
}

MISSING_MESSAGE = (
    "找不到可嵌入 PDF 的中文字体，无法生成打印文件。"
    "Windows 请确认系统字体中有“宋体”(simsun.ttc) 或“微软雅黑”(msyh.ttc)；"
    "Linux 请安装文泉驿正黑：sudo apt install fonts-wqy-zenhei；"
    "也可以把一个中文 TrueType 字体(.ttf/.ttc) 复制到程序的 resources/fonts 文件夹，"
    "或用环境变量 DANGJIAN_FONT 指定字体文件路径。"
)


def _paths(env: str, folder: Path, candidates: dict[str, list[str]]) -> list[Path]:
    """The env override, the program's own font folder, then the platform's usual files."""
    paths: list[Path] = []
    if os.environ.get(env):
        paths.append(Path(os.environ[env]))
    if folder.is_dir():
        paths += sorted(p for p in folder.iterdir() if p.suffix.lower() in (".ttf", ".ttc"))
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        paths += [windir / name for name in candidates["win32"]]
    elif sys.platform == "darwin":
        paths += [Path(p) for p in candidates["darwin"]]
    else:
        paths += [Path(p) for p in candidates["linux"]]
    return paths


def candidate_paths() -> list[Path]:
    return _paths("DANGJIAN_FONT", RESOURCES_FONTS, _CANDIDATES)


def _register_first(name: str, paths: list[Path]) -> str | None:
    """Register the first file of paths reportlab can embed under name; its path, or None."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont, TTFError

    _fix_to_unicode_cmap()
    for path in paths:
        if not path.is_file():
            continue
        try:
            font = TTFont(name, str(path), subfontIndex=0) if path.suffix.lower() == ".ttc" else TTFont(name, str(path))
        except (TTFError, OSError, ValueError):
            continue
        pdfmetrics.registerFont(font)
        return str(path)
    return None


@lru_cache(maxsize=1)
def register_font() -> str:
    """Register the first usable Chinese TrueType font as FONT_NAME; returns the file used."""
    from reportlab.lib.fonts import addMapping

    path = _register_first(FONT_NAME, candidate_paths())
    if path is None:
        raise UserError(MISSING_MESSAGE)
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return path


def font_name() -> str:
    register_font()
    return FONT_NAME


# Rare characters ------------------------------------------------------------------------------
# Names may hold characters of CJK Extension B and beyond (𠮷, 𡒄 ...) that common Chinese fonts lack;
# printed with the main font they come out blank. A second embedded font covers them where the
# PC has one; characters no font here has are reported (unprintable) instead of vanishing silently.

EXT_FONT_NAME = "CJKExt"
_EXT_CANDIDATES = {
    "win32": ["simsunb.ttf", "SimSun-ExtB.ttf", "simsunextg.ttf", "SimSun-ExtG.ttf", "mingliub.ttc"],
    "darwin": [],
    "linux": ["/usr/share/fonts/truetype/hanazono/HanaMinB.ttf", "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"],
}

EXT_MISSING_MESSAGE = (
    "以下生僻字在本机的字体里没有，打印出来会是空白：{chars}。"
    "Windows 请确认系统字体中有“SimSun-ExtB”(simsunb.ttf)；Linux 请安装花园明朝字体：sudo apt install fonts-hanazono；"
    "也可以把含这些字的 TrueType 字体(.ttf) 复制到程序的 resources/fonts/ext 文件夹，"
    "或用环境变量 DANGJIAN_FONT_EXT 指定字体文件路径。"
)


def ext_candidate_paths() -> list[Path]:
    return _paths("DANGJIAN_FONT_EXT", RESOURCES_FONTS / "ext", _EXT_CANDIDATES)


@lru_cache(maxsize=1)
def register_fallback() -> str | None:
    """Register the first usable fallback font for rare characters as EXT_FONT_NAME; its file or None."""
    return _register_first(EXT_FONT_NAME, ext_candidate_paths())


def _cmap(name: str) -> dict[int, int]:
    from reportlab.pdfbase import pdfmetrics

    return pdfmetrics.getFont(name).face.charToGlyph


def _needs_glyph(ch: str) -> bool:
    return not ch.isspace() and ord(ch) >= 0x20


def font_for(ch: str) -> str | None:
    """The registered font that has a glyph for ch (main first), or None when none has."""
    register_font()
    if ord(ch) in _cmap(FONT_NAME):
        return FONT_NAME
    if register_fallback() and ord(ch) in _cmap(EXT_FONT_NAME):
        return EXT_FONT_NAME
    return None


def unprintable(text: str) -> list[str]:
    """Characters of text no available font can print (each once, in order)."""
    seen: list[str] = []
    for ch in text or "":
        if _needs_glyph(ch) and ch not in seen and font_for(ch) is None:
            seen.append(ch)
    return seen


def runs(text: str) -> list[tuple[str, str]]:
    """Split text into (font name, piece) runs: rare characters go to the fallback font when it has them."""
    out: list[tuple[str, str]] = []
    for ch in text:
        name = (font_for(ch) or FONT_NAME) if _needs_glyph(ch) else (out[-1][0] if out else FONT_NAME)
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + ch)
        else:
            out.append((name, ch))
    return out


def markup(text: str) -> str:
    """Text for a reportlab Paragraph (escaped), with rare characters wrapped in the fallback font."""
    from xml.sax.saxutils import escape

    return "".join(escape(piece) if name == FONT_NAME else f'<font name="{name}">{escape(piece)}</font>'
                   for name, piece in runs(text))


def draw_string(canvas, x: float, y: float, text: str, size: float) -> float:
    """canvas.drawString that switches to the fallback font for rare characters; returns the width."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    start = x
    for name, piece in runs(text):
        canvas.setFont(name, size)
        canvas.drawString(x, y, piece)
        x += stringWidth(piece, name, size)
    canvas.setFont(FONT_NAME, size)
    return x - start


def check_printable(text: str) -> str | None:
    """A plain message naming the characters that would print blank, or None when all print."""
    missing = unprintable(text)
    return EXT_MISSING_MESSAGE.format(chars="、".join(missing)) if missing else None


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode map, but characters beyond U+FFFF as UTF-16 surrogate pairs.

    reportlab writes them as five hex digits, which PDF readers take for a different BMP
    character: the glyph prints right, but copying or searching the PDF finds ₻ instead of 𠮷.
    """
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        "<00> <%02X>" % (len(subset) - 1), "endcodespacerange", "%d beginbfchar" % len(subset),
        *["<%02X> <%s>" % (i, chr(v).encode("utf-16-be").hex().upper()) for i, v in enumerate(subset)],
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ]
    return "\n".join(lines)


def _fix_to_unicode_cmap() -> None:
    from reportlab.pdfbase import ttfonts

    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
