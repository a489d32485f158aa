"""志愿服务证明: an A4 certificate of a volunteer's service hours, activity by activity, with the office's seal space."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import idcard, persons, settings
from core import volunteers as vol
from core.clock import today
from core.db import Db
from core.errors import UserError
from reports.fonts import font_name
from reports.page_frame import canvas_maker


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _styles() -> dict[str, ParagraphStyle]:
    font = font_name()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=24, leading=32, alignment=TA_CENTER, spaceAfter=6 * mm),
        "body": ParagraphStyle("body", fontName=font, fontSize=12.5, leading=22, alignment=TA_LEFT, firstLineIndent=25),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=12.5, wordWrap="CJK"),
        "cell_c": ParagraphStyle("cell_c", fontName=font, fontSize=9.5, leading=12.5, alignment=TA_CENTER),
        "cell_r": ParagraphStyle("cell_r", fontName=font, fontSize=9.5, leading=12.5, alignment=TA_RIGHT),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=12.5, leading=22, alignment=TA_RIGHT),
        "seal": ParagraphStyle("seal", fontName=font, fontSize=10, leading=14, alignment=TA_CENTER, textColor=colors.grey),
    }


def _escape(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_certificate(db: Db, person_id: int, out: str | os.PathLike, year: int | None = None,
                      issued_on: dt.date | None = None, show_id_number: bool = False) -> Path:
    """Write the certificate for one person (one year, or all their service) to `out`; returns the path."""
    person = persons.get(db, person_id)
    lines = vol.service_record(db, person_id, year)
    if not lines:
        period = f"{year} 年" if year else "目前"
        raise UserError(f"{person.name} {period}还没有志愿服务记录，无法开具服务证明。")
    office = settings.get(db, "office_name")
    issued_on = issued_on or today()
    styles = _styles()
    total = sum(line.minutes for line in lines)
    first, last = dt.date.fromisoformat(lines[0].date), dt.date.fromisoformat(lines[-1].date)
    who = f"<b>{_escape(person.name)}</b>"
    if show_id_number and person.id_number:
        who += f"（公民身份号码：{idcard.mask(person.id_number)}）"
    period = f"于 {_chinese_date(first)}" if first == last else f"于 {_chinese_date(first)} 至 {_chinese_date(last)} 期间"
    story: list = [
        Paragraph("志愿服务证明", styles["title"]),
        Paragraph(
            f"兹证明 {who} 同志{period}，在本辖区参加志愿服务活动"
            f" <b>{len(lines)}</b> 次，累计服务时长 <b>{vol.hours_text(total)}</b> 小时。具体服务记录如下：",
            styles["body"],
        ),
        Spacer(1, 4 * mm),
    ]
    header = ["序号", "日期", "时间", "服务队伍", "服务内容", "地点", "小时"]
    data = [[Paragraph(h, styles["cell_c"]) for h in header]]
    for i, line in enumerate(lines, start=1):
        data.append([
            Paragraph(str(i), styles["cell_c"]),
            Paragraph(line.date, styles["cell_c"]),
            Paragraph(f"{line.start_time}–{line.end_time}", styles["cell_c"]),
            Paragraph(_escape(line.team_name or line.community_name), styles["cell"]),
            Paragraph(_escape(line.content), styles["cell"]),
            Paragraph(_escape(line.place), styles["cell"]),
            Paragraph(vol.hours_text(line.minutes), styles["cell_r"]),
        ])
    data.append([Paragraph("合计", styles["cell_c"]), "", "", "", Paragraph(f"共 {len(lines)} 次", styles["cell"]), "",
                 Paragraph(vol.hours_text(total), styles["cell_r"])])
    widths = [12 * mm, 25 * mm, 27 * mm, 36 * mm, 42 * mm, 24 * mm, 14 * mm]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2DCDB")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("SPAN", (0, -1), (3, -1)),
        ("SPAN", (4, -1), (5, -1)),
    ]))
    story.append(table)
    seal = Table([[Paragraph("（盖章处）", styles["seal"])]], colWidths=[42 * mm], rowHeights=[42 * mm])
    seal.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.lightgrey, None, (2, 2)),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    signature = Table(
        [[Paragraph("特此证明。", styles["body"]), ""],
         ["", seal],
         ["", Paragraph(_escape(office), styles["sign"])],
         ["", Paragraph(_chinese_date(issued_on), styles["sign"])]],
        colWidths=[110 * mm, 70 * mm],
    )
    signature.setStyle(TableStyle([("ALIGN", (1, 1), (1, 1), "CENTER"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [Spacer(1, 6 * mm), KeepTogether([signature])]

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    doc = SimpleDocTemplate(str(tmp), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=f"志愿服务证明 - {person.name}", author=office)
    canvas_class = canvas_maker(office, issued_on)
    try:
        doc.build(story, canvasmaker=canvas_class)
        os.replace(tmp, out)
    except PermissionError:
        tmp.unlink(missing_ok=True)
        raise UserError(f"无法写入 {out}：文件可能正在被其他程序打开。请关闭后重试，或换一个文件名。") from None
    return out
