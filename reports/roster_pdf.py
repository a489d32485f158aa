"""党员花名册 PDF: one section per branch, A4 landscape, header row on every page, page x of y per branch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate, Paragraph
from reportlab.platypus.tables import LongTable, TableStyle

from core import idcard, members, orgs, settings
from core.clock import today
from core.db import Db
from core.errors import UserError
from reports.fonts import font_name

PAGE = landscape(A4)
MARGIN = 12 * mm
TOP = 30 * mm  # room for the running title on every page
BOTTOM = 14 * mm
# (header, width in points); the last column takes what is left.
COLUMNS = [("序号", 24), ("姓名", 44), ("性别", 22), ("民族", 32), ("出生日期", 50), ("学历", 44),
           ("公民身份号码", 90), ("入党时间", 50), ("转正时间", 50), ("党员类别", 40), ("人员类型", 38),
           ("状态", 40), ("党小组", 50), ("网格", 42), ("联系电话", 58), ("工作单位及职务", 0)]
FONT_SIZE = 7.5


class Cancelled(Exception):
    """The user cancelled while the document was being built."""


class _Section(Flowable):
    """Zero-size marker: from here on pages belong to this branch (for the running title and numbering)."""

    def __init__(self, key: int, title: str):
        super().__init__()
        self.key, self.title = key, title

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.canv._section = (self.key, self.title)


class _NumberedCanvas(Canvas):
    """Holds pages back until the end so each page can say 第 x 页 共 y 页 within its branch."""

    def __init__(self, *args, office: str = "", printed: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._saved: list[dict] = []
        self._section = (0, "")
        self._office, self._printed = office, printed

    def showPage(self):
        self._saved.append({**self.__dict__, "_page_section": self._section})
        self._startPage()

    def save(self):
        totals: dict[int, int] = {}
        for state in self._saved:
            key = state["_page_section"][0]
            totals[key] = totals.get(key, 0) + 1
        seen: dict[int, int] = {}
        for state in self._saved:
            key, title = state["_page_section"]
            seen[key] = seen.get(key, 0) + 1
            self.__dict__.update(state)
            self._decorate(title, seen[key], totals[key])
            super().showPage()
        super().save()

    def _decorate(self, branch: str, page: int, total: int) -> None:
        font = font_name()
        width, height = PAGE
        self.setFont(font, 16)
        self.drawCentredString(width / 2, height - 14 * mm, "党 员 花 名 册")
        self.setFont(font, 9)
        self.drawString(MARGIN, height - 22 * mm, f"党组织：{branch}")
        self.drawRightString(width - MARGIN, height - 22 * mm, f"{self._office}    制表日期：{self._printed}")
        self.drawCentredString(width / 2, 8 * mm, f"第 {page} 页  共 {total} 页")


def _cell_style() -> ParagraphStyle:
    return ParagraphStyle("cell", fontName=font_name(), fontSize=FONT_SIZE, leading=FONT_SIZE + 2)


def _table(rows: list[list], widths: list[float]) -> LongTable:
    table = LongTable(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font_name(), FONT_SIZE),
        ("FONTSIZE", (0, 0), (-1, 0), FONT_SIZE + 0.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("ALIGN", (-1, 1), (-1, -1), "LEFT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _row(number: int, m: members.Member, masked: bool, style: ParagraphStyle, last_width: float) -> list:
    work = m.work_unit or ""
    # Wrapping costs a Paragraph; plain text is enough when the value fits on one line.
    fits = len(work) * FONT_SIZE <= last_width - 4
    return [
        str(number), m.name, m.gender or "", m.ethnicity or "",
        m.birth_date or "", m.education or "",
        idcard.mask(m.id_number) if masked else (m.id_number or ""),
        m.join_date or "", m.full_date or "", m.category, m.person_type or "", m.status,
        m.party_group_name or "", m.grid_name or "",
        idcard.mask_phone(m.phone) if masked else (m.phone or ""),
        work if fits else Paragraph(escape(work), style),
    ]


def write_roster_pdf(db: Db, out: str | Path, branch_ids: list[int] | None = None, *, masked: bool = True,
                     on: dt.date | None = None, should_cancel: Callable[[], bool] | None = None) -> Path:
    """Write the 花名册 of the given branches (all branches when None), members still on the roster."""
    out = Path(out)
    branches = [orgs.get_unit(db, b) for b in branch_ids] if branch_ids else orgs.branches(db)
    if not branches:
        raise UserError("还没有党支部，无法生成花名册。请先在“设置 → 组织机构”中建立党支部。")
    check = should_cancel or (lambda: False)
    office = settings.get(db, "office_name")
    printed = (on or today()).isoformat()
    width = PAGE[0] - 2 * MARGIN
    widths = [w for _, w in COLUMNS[:-1]]
    widths.append(width - sum(widths))
    style = _cell_style()
    story: list[Flowable] = []
    for index, branch in enumerate(branches):
        if check():
            raise Cancelled()
        roster = members.query_members(db, members.MemberQuery(branch_id=branch.id), sort="party_group")
        if index:
            story.append(PageBreak())
        story.append(_Section(branch.id, orgs.unit_path(db, branch.id).split(" / ", 1)[-1]))
        rows: list[list] = [[h for h, _ in COLUMNS]]
        for number, member in enumerate(roster, start=1):
            rows.append(_row(number, member, masked, style, widths[-1]))
        if not roster:
            rows.append(["", "（本支部暂无党员）"] + [""] * (len(COLUMNS) - 2))
        story.append(_table(rows, widths))
        story.append(Paragraph(f"合计：{len(roster)} 名党员", ParagraphStyle(
            "total", fontName=font_name(), fontSize=9, leading=14, spaceBefore=4)))

    def on_page(canvas, _doc) -> None:
        if check():
            raise Cancelled()

    doc = BaseDocTemplate(str(out), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP,
                          bottomMargin=BOTTOM, title="党员花名册", author=office)
    frame = Frame(MARGIN, BOTTOM, width, PAGE[1] - TOP - BOTTOM, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("roster", frames=[frame], onPage=on_page)])
    partial = out.with_name(out.name + ".partial")
    try:
        doc.filename = str(partial)
        doc.build(story, canvasmaker=lambda *a, **k: _NumberedCanvas(*a, office=office, printed=printed, **k))
    except Cancelled:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out)
    return out
