"""The 五必问 home-visit record sheet: blank for paper visits, or one per household with its address filled in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.db import Db
from reports.fonts import font_name

ITEMS = ("特困家庭情况必问", "孤寡老人情况必问", "零就业家庭情况必问", "矛盾纠纷情况必问", "物业管理情况必问")
BOX, TICKED = "□", "■"


@dataclass(frozen=True)
class SheetHousehold:
    """What a pre-filled sheet shows (the screen builds these from core.households.Household)."""

    community: str
    grid: str
    address: str
    head_name: str
    phone: str  # already masked as the office wants it on paper
    people_count: int | None
    cadre_name: str
    tags: tuple[str, ...]


def _styles() -> dict[str, ParagraphStyle]:
    font = font_name()
    return {
        "title": ParagraphStyle("t", fontName=font, fontSize=18, leading=24, alignment=TA_CENTER),
        "sub": ParagraphStyle("s", fontName=font, fontSize=10, leading=14, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
        "cell": ParagraphStyle("c", fontName=font, fontSize=10, leading=14, wordWrap="CJK"),
        "small": ParagraphStyle("m", fontName=font, fontSize=9, leading=13, wordWrap="CJK"),
    }


def page_footer(office: str, printed: str, page_width: float, margin: float, label: str = ""):
    """A page callback drawing the office, the document name, the print date and the page number."""
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font_name(), 8.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(margin, margin * 0.6, f"{office}　　{label + '　　' if label else ''}打印日期：{printed}")
        canvas.drawRightString(page_width - margin, margin * 0.6, f"第 {doc.page} 页")
        canvas.restoreState()
    return draw


def hours_text(hours: float) -> str:
    """1 -> 1小时, 24 -> 1天, 168 -> 1周."""
    if hours % 168 == 0:
        return f"{int(hours // 168)}周"
    if hours % 24 == 0:
        return f"{int(hours // 24)}天"
    return f"{hours:g}小时"


def _sheet(h: SheetHousehold | None, tag_names: Sequence[str], st: dict[str, ParagraphStyle], width: float,
           limits: dict[str, float]) -> list:
    font = font_name()
    p = lambda text, style="cell": Paragraph(text, st[style])  # noqa: E731
    tags = set(h.tags) if h else set()
    tag_text = "　".join(f"{TICKED if name in tags else BOX}{name}" for name in tag_names)
    blank = ""
    info = [
        ["社区 / 网格", f"{h.community} {h.grid}" if h else blank, "走访日期", "　　　年　　月　　日"],
        ["住　　址", h.address if h else blank, "", ""],
        ["户　　主", h.head_name if h else blank, "联系电话", h.phone if h else blank],
        ["家庭人数", (f"{h.people_count} 人" if h and h.people_count else "　　　人"), "包片干部", h.cadre_name if h else blank],
        ["特殊群体", p(tag_text, "small"), "", ""],
        ["走 访 人", blank, "", ""],
    ]
    w = [26 * mm, width / 2 - 26 * mm, 24 * mm, width / 2 - 24 * mm]
    info_table = Table(info, colWidths=w, rowHeights=[10 * mm, 10 * mm, 10 * mm, 10 * mm, None, 10 * mm])
    info_table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 10.5),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
        ("BACKGROUND", (2, 0), (2, 0), colors.HexColor("#f2f2f2")),
        ("BACKGROUND", (2, 2), (2, 3), colors.HexColor("#f2f2f2")),
        ("SPAN", (1, 1), (3, 1)), ("SPAN", (1, 4), (3, 4)), ("SPAN", (1, 5), (3, 5)),
        ("TOPPADDING", (0, 4), (-1, 4), 5), ("BOTTOMPADDING", (0, 4), (-1, 4), 5),
    ]))
    rows = [["序号", "必问事项", "走访结果（勾选）", "情况说明"]]
    for n, item in enumerate(ITEMS, start=1):
        rows.append([str(n), p(item), p(f"{BOX} 无异常<br/>{BOX} 有情况<br/>{BOX} 发现问题"), ""])
    items_table = Table(rows, colWidths=[12 * mm, 38 * mm, 34 * mm, width - 84 * mm],
                        rowHeights=[9 * mm] + [24 * mm] * 5, repeatRows=1)
    items_table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 10.5),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (0, -1), "CENTER"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
    ]))
    other = Table([["其他情况及\n居民意见建议", ""], ["签　　字", "走访人：　　　　　　　　　　居民：　　　　　　　　　　"]],
                  colWidths=[26 * mm, width - 26 * mm], rowHeights=[24 * mm, 12 * mm])
    other.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 10.5),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
    ]))
    note = p("说明：每项须勾选一个结果；选“有情况”或“发现问题”的请在情况说明中写清楚。"
             f"发现的问题当天录入问题台账：一般问题{hours_text(limits['一般'])}内、重大问题{hours_text(limits['重大'])}内处置，"
             f"复杂问题{hours_text(limits['复杂'])}内形成解决方案。", "small")
    return [Paragraph("五必问入户走访记录表", st["title"]), Spacer(1, 3 * mm), info_table, Spacer(1, 4 * mm),
            items_table, Spacer(1, 4 * mm), other, Spacer(1, 2 * mm), note]


def build(path: Path, office_name: str, tag_names: Sequence[str], deadline_hours: dict[str, float],
          households: Sequence[SheetHousehold] = (), blank_copies: int = 1, printed: dt.date | None = None,
          progress: Callable[[int, int], None] | None = None) -> Path:
    """Write the sheets: one per household given, else `blank_copies` blank ones. Returns the path."""
    st = _styles()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=14 * mm,
                            bottomMargin=16 * mm, title="五必问入户走访记录表", author=office_name)
    width = A4[0] - 36 * mm
    story: list = []
    targets: list[SheetHousehold | None] = list(households) or [None] * max(1, blank_copies)
    for index, household in enumerate(targets):
        if index:
            story.append(PageBreak())
        story += _sheet(household, tag_names, st, width, deadline_hours)
    footer = page_footer(office_name, (printed or dt.date.today()).isoformat(), A4[0], 18 * mm)

    def each_page(canvas, doc) -> None:
        footer(canvas, doc)
        if progress:
            progress(doc.page, len(targets))

    doc.build(story, onFirstPage=each_page, onLaterPages=each_page)
    return path


def build_from_db(db: Db, path: Path, household_ids: Sequence[int] = (), blank_copies: int = 1,
                  unmasked: bool = False, progress: Callable[[int, int], None] | None = None) -> Path:
    """Sheets for the given households (address, head, tags filled in), or blank ones; data read through core."""
    from core import households, idcard, problems, settings

    sheets = []
    for household_id in household_ids:
        h = households.get(db, household_id)
        sheets.append(SheetHousehold(h.community_name, h.grid_name, h.address, h.head_name or "",
                                     (h.phone or "") if unmasked else idcard.mask_phone(h.phone), h.people_count,
                                     h.cadre_name or "", h.tags))
    return build(path, settings.get(db, "office_name"), [t.name for t in households.list_tags(db)],
                 problems.deadline_hours(db), sheets, blank_copies, progress=progress)
