"""Shared pieces of the printed documents: A4 page frame with office name, print date and page numbers."""

from __future__ import annotations

import datetime as dt

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from reports.fonts import font_name

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in the embedded CJK font; CJK word wrap so long Chinese lines break anywhere."""
    font = font_name()
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4 * mm),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=16, alignment=TA_CENTER,
                                   textColor=colors.HexColor("#444444"), spaceAfter=4 * mm),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13, leading=20, spaceBefore=3 * mm, spaceAfter=2 * mm),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=14),
        "cell_center": ParagraphStyle("cell_center", parent=base, fontSize=10, leading=14, alignment=TA_CENTER),
    }


class NumberedCanvas(Canvas):
    """A canvas that knows the page count when it writes each footer ("第 3 页 / 共 7 页")."""

    office = ""
    printed_on = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        self.saveState()
        self.setFont(font_name(), 9)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(MARGIN, 10 * mm, self.office)
        self.drawCentredString(PAGE_WIDTH / 2, 10 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页")
        self.drawRightString(PAGE_WIDTH - MARGIN, 10 * mm, f"打印日期：{self.printed_on}")
        self.setStrokeColor(colors.HexColor("#999999"))
        self.line(MARGIN, 14 * mm, PAGE_WIDTH - MARGIN, 14 * mm)
        self.restoreState()


def canvas_maker(office: str, printed_on: dt.date | None = None) -> type[NumberedCanvas]:
    """A NumberedCanvas subclass carrying this document's office name and print date."""
    return type("OfficeCanvas", (NumberedCanvas,), {
        "office": office, "printed_on": (printed_on or dt.date.today()).isoformat(),
    })
