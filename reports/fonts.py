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


def candidate_paths() -> list[Path]:
    paths: list[Path] = []
    if os.environ.get("DANGJIAN_FONT"):
        paths.append(Path(os.environ["DANGJIAN_FONT"]))
    if RESOURCES_FONTS.is_dir():
        paths += sorted(p for p in RESOURCES_FONTS.iterdir() if p.suffix.lower() in (".ttf", ".ttc"))
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        paths += [windir / name for name in _CANDIDATES["win32"]]
    elif sys.platform == "darwin":
        paths += [Path(p) for p in _CANDIDATES["darwin"]]
    else:
        paths += [Path(p) for p in _CANDIDATES["linux"]]
    return paths


@lru_cache(maxsize=1)
def register_font() -> str:
    """Register the first usable Chinese TrueType font as FONT_NAME; returns the file used."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont, TTFError

    for path in candidate_paths():
        if not path.is_file():
            continue
        try:
            font = TTFont(FONT_NAME, str(path), subfontIndex=0) if path.suffix.lower() == ".ttc" else TTFont(FONT_NAME, str(path))
        except (TTFError, OSError, ValueError):
            continue
        pdfmetrics.registerFont(font)
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(FONT_NAME, bold, italic, FONT_NAME)
        return str(path)
    raise UserError(MISSING_MESSAGE)


def font_name() -> str:
    register_font()
    return FONT_NAME
