"""Shared pieces of the formal A4 documents: styles, fast CJK line wrapping, footers with "page x of y" per document."""

from __future__ import annotations

import re
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable

from reports.fonts import font_name

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
RULE_COLOR = colors.HexColor("#444444")
HEADER_FILL = colors.HexColor("#eeeeee")


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles on the embedded CJK font, built once per process."""
    font = font_name()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=24, leading=32, alignment=TA_CENTER, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", fontName=font, fontSize=13, leading=18, alignment=TA_CENTER, spaceAfter=10),
        "heading": ParagraphStyle("heading", fontName=font, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=11.5, leading=20, alignment=TA_JUSTIFY,
                               firstLineIndent=23, wordWrap="CJK"),
        "plain": ParagraphStyle("plain", fontName=font, fontSize=11.5, leading=20, wordWrap="CJK"),
        "small": ParagraphStyle("small", fontName=font, fontSize=9, leading=12, wordWrap="CJK"),
    }


@lru_cache(maxsize=8)
def _char_widths(font: str, size: float) -> dict[str, float]:
    return {}


# Numbers, dates and latin words stay whole on a line ("85.2%" is never split into "8" and "5.2%").
_TOKEN = re.compile(r"[0-9A-Za-z.,%/:+\-]+|.", re.S)


def wrap(text: str, width: float, size: float, font: str | None = None) -> str:
    """Break text into lines no wider than width (points); returns them joined by newlines.

    Chinese has no spaces to break at, so a line may break between any two Chinese characters, but
    not inside a number or latin word unless it is wider than the whole line. Table cells with
    pre-broken plain strings are several times faster to lay out than Paragraphs: a batch of
    letters runs to a thousand pages.
    """
    return _wrapped(text or "", width, size, font or font_name())


@lru_cache(maxsize=8192)  # a batch of letters wraps the same template texts for every community
def _wrapped(text: str, width: float, size: float, font: str) -> str:
    widths = _char_widths(font, size)

    def char_width(ch: str) -> float:
        w = widths.get(ch)
        if w is None:
            w = widths[ch] = pdfmetrics.stringWidth(ch, font, size)
        return w

    lines: list[str] = []
    for raw in text.split("\n"):
        line, used = [], 0.0
        for token in _TOKEN.findall(raw):
            w = char_width(token) if len(token) == 1 else sum(map(char_width, token))
            if used + w > width and line:
                lines.append("".join(line))
                line, used = [], 0.0
            if w > width and len(token) > 1:  # longer than a line: break it where it must
                for ch in token:
                    cw = char_width(ch)
                    if used + cw > width and line:
                        lines.append("".join(line))
                        line, used = [], 0.0
                    line.append(ch)
                    used += cw
                continue
            line.append(token)
            used += w
        lines.append("".join(line))
    return "\n".join(lines)


def text_width(text: str, size: float, font: str | None = None) -> float:
    """Width of a single line from the cached per-character widths."""
    font = font or font_name()
    widths = _char_widths(font, size)
    total = 0.0
    for ch in text:
        w = widths.get(ch)
        if w is None:
            w = widths[ch] = pdfmetrics.stringWidth(ch, font, size)
        total += w
    return total


class GridTable(Flowable):
    """A ruled table of plain-text cells with a header row repeated on every page it spans.

    Cells are wrapped to their column once; the whole table is drawn with one text object and one
    path, which keeps a thousand-page batch close to the cost of drawing the text itself.
    A cell of None joins the cell to its left (its text is centred across both).
    """

    def __init__(self, header: list[str], rows: list[list[str | None]], col_widths: list[float],
                 size: float = 9.5, align: str | None = None, pad: float = 3, wrapped: bool = False):
        super().__init__()
        self.header, self.col_widths, self.size, self.pad = header, col_widths, size, pad
        self.align = align or "L" * len(col_widths)
        self.leading = size * 1.35
        font = font_name()
        if wrapped:
            self.rows = rows
        else:
            self.rows = [[None if cell is None else wrap(cell, self._span_width(row, i) - 2 * pad, size, font)
                          for i, cell in enumerate(row)] for row in rows]
        self.header_cells = [wrap(h, w - 2 * pad, size, font) for h, w in zip(header, col_widths)]
        self.header_height = self._row_height(self.header_cells)
        self.heights = [self._row_height(r) for r in self.rows]

    def _span_width(self, row: list, index: int) -> float:
        width = self.col_widths[index]
        j = index + 1
        while j < len(row) and row[j] is None:
            width += self.col_widths[j]
            j += 1
        return width

    def _row_height(self, cells: list[str | None]) -> float:
        lines = max((c.count("\n") + 1 for c in cells if c is not None), default=1)
        return lines * self.leading + 2 * self.pad + 1

    def wrap(self, avail_width: float, _avail_height: float) -> tuple[float, float]:
        self.width = sum(self.col_widths)
        self.height = self.header_height + sum(self.heights)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        used, fits = self.header_height, 0
        for h in self.heights:
            if used + h > avail_height:
                break
            used += h
            fits += 1
        if fits == 0:
            return []
        if fits == len(self.rows):
            return [self]
        if len(self.rows) - fits == 1 and fits > 1:
            fits -= 1  # never leave the last row (the total) alone on a page
        make = lambda rows: GridTable(self.header, rows, self.col_widths, self.size, self.align, self.pad, wrapped=True)
        return [make(self.rows[:fits]), make(self.rows[fits:])]

    def draw(self) -> None:
        canv = self.canv
        font = font_name()
        total_width = sum(self.col_widths)
        canv.saveState()
        canv.setFillColor(HEADER_FILL)
        canv.rect(0, self.height - self.header_height, total_width, self.header_height, stroke=0, fill=1)
        canv.setFillColor(colors.black)
        text = canv.beginText()
        text.setFont(font, self.size, self.leading)
        segments = []
        top = self.height
        edges = [0.0]
        for w in self.col_widths:
            edges.append(edges[-1] + w)
        runs: dict[int, list[float]] = {}  # column edge -> [top, bottom] of the current vertical rule
        for row_index, (cells, height) in enumerate([(self.header_cells, self.header_height), *zip(self.rows, self.heights)]):
            bottom = top - height
            segments.append((0, top, total_width, top))
            for i, cell in enumerate(cells):
                if i:
                    if cell is None:
                        if i in runs:
                            run = runs.pop(i)
                            segments.append((edges[i], run[0], edges[i], run[1]))
                    elif i in runs:
                        runs[i][1] = bottom
                    else:
                        runs[i] = [top, bottom]
                if cell is None:
                    continue
                width = self._span_width(cells, i)
                lines = cell.split("\n")
                y = bottom + (height - len(lines) * self.leading) / 2 + (self.leading - self.size) / 2 + self.size * 0.18
                y += (len(lines) - 1) * self.leading
                align = "C" if row_index == 0 or width != self.col_widths[i] else self.align[i]
                for line in lines:
                    x = edges[i] + self.pad
                    if align == "C":
                        x = edges[i] + (width - text_width(line, self.size, font)) / 2
                    text.setTextOrigin(x, y)
                    _text_out(canv, text, line)
                    y -= self.leading
            top = bottom
        segments += [(edges[i], run[0], edges[i], run[1]) for i, run in runs.items()]
        segments += [(0, 0, total_width, 0), (0, 0, 0, self.height), (total_width, 0, total_width, self.height)]
        canv.drawText(text)
        canv.setStrokeColor(RULE_COLOR)
        canv.setLineWidth(0.6)
        canv.lines(segments)
        canv.restoreState()


def _text_out(canv, text, line: str) -> None:
    """text.textOut(line), remembering the PDF operators made for each line within one document.

    A batch of letters prints the same template lines for every community; encoding a line into the
    font's subsets is most of reportlab's cost per line. The operators depend only on the line, the
    font state and the subset in use before it (subset codes are fixed once a character is first
    used in a document), so they are cached per canvas. Falls back to textOut if reportlab changes.
    """
    try:
        cache = canv.__dict__.setdefault("_line_codes", {})
        key = (line, text._fontname, text._fontsize, text._leading, text._rise, text._curSubset)
        hit = cache.get(key)
        if hit is None:
            code = text._formatText(line)
            cache[key] = (code, text._curSubset)
        else:
            code, text._curSubset = hit
        text._code.append(code)
    except AttributeError:
        text.textOut(line)


class TextBlock(Flowable):
    """Plain text wrapped at any character and drawn line by line; splits across pages.

    Used instead of Paragraph for long Chinese text: no markup parsing, wrapping from a cached
    width table, one drawString per line.
    """

    def __init__(self, text: str, size: float = 11.5, leading: float = 20, indent: float = 0,
                 space_before: float = 0, space_after: float = 0, lines: list[str] | None = None):
        super().__init__()
        self.text, self.size, self.leading, self.indent = text, size, leading, indent
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self._lines = lines

    def wrap(self, avail_width: float, _avail_height: float) -> tuple[float, float]:
        if self._lines is None:
            self._lines = []
            for paragraph in self.text.split("\n"):
                if not paragraph.strip():
                    continue
                prefix = "\u3000" * round(self.indent / self.size) if self.indent else ""
                self._lines += wrap(prefix + paragraph.strip(), avail_width, self.size).split("\n")
        self.width = avail_width
        self.height = len(self._lines) * self.leading
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        fits = int(avail_height // self.leading)
        if fits <= 0 or fits >= len(self._lines):
            return [] if fits <= 0 else [self]
        return [TextBlock("", self.size, self.leading, lines=self._lines[:fits], space_before=self.spaceBefore),
                TextBlock("", self.size, self.leading, lines=self._lines[fits:], space_after=self.spaceAfter)]

    def draw(self) -> None:
        canv = self.canv
        canv.setFont(font_name(), self.size)
        y = self.height - self.size
        for line in self._lines:
            canv.drawString(0, y - (self.leading - self.size) / 2 + 2, line)
            y -= self.leading


class DocumentMark(Flowable):
    """Zero-size marker: the pages from here on belong to document `key` (for per-document page numbers)."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key
        self.width = self.height = 0

    def wrap(self, *_args) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._document_key = self.key


class NumberedCanvas(rl_canvas.Canvas):
    """Keeps each page until the end so the footer can say 第 x 页 共 y 页, counted per document in a batch."""

    footer_left = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[tuple[dict, str]] = []
        self._document_key = ""

    def showPage(self) -> None:
        self._pages.append((dict(self.__dict__), self._document_key))
        self._startPage()

    def save(self) -> None:
        totals: dict[str, int] = {}
        for _state, key in self._pages:
            totals[key] = totals.get(key, 0) + 1
        seen: dict[str, int] = {}
        for state, key in self._pages:
            self.__dict__.update(state)
            seen[key] = seen.get(key, 0) + 1
            self._draw_footer(seen[key], totals[key])
            super().showPage()
        super().save()

    def _draw_footer(self, page: int, total: int) -> None:
        self.saveState()
        self.setFont(font_name(), 9)
        self.setStrokeColor(RULE_COLOR)
        self.setLineWidth(0.5)
        y = MARGIN_BOTTOM - 8 * mm
        self.line(MARGIN_X, y + 4 * mm, PAGE_WIDTH - MARGIN_X, y + 4 * mm)
        self.drawString(MARGIN_X, y, self.footer_left)
        self.drawRightString(PAGE_WIDTH - MARGIN_X, y, f"第 {page} 页  共 {total} 页")
        self.restoreState()


def numbered_canvas(footer_left: str) -> type[NumberedCanvas]:
    """A canvas class whose footer carries the office name (and date) on the left."""
    return type("FooterCanvas", (NumberedCanvas,), {"footer_left": footer_left})


def chinese_date(iso: str | None) -> str:
    """'2026-01-21' -> '2026年1月21日'; None -> blanks to fill in by hand."""
    if not iso:
        return "　　　　年　　月　　日"
    year, month, day = iso.split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"


def safe_filename(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text).strip() or "未命名"
