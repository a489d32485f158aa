"""A blank sign-in sheet (签到表) for a planned meeting: the expected names with signature boxes."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import meetings, settings
from core.db import Db
from reports.page_frame import MARGIN, PAGE_HEIGHT, PAGE_WIDTH, canvas_maker, styles

GUEST_LINES = 4  # blank lines for 列席 guests who come unannounced


def render_signin_sheet(db: Db, meeting_id: int, out: str | Path) -> Path:
    """Write the sheet for a recorded or planned meeting; names in two side-by-side columns."""
    out = Path(out)
    m = meetings.get_meeting(db, meeting_id)
    office = settings.get(db, "office_name")
    st = styles()
    time = "–".join(t for t in (m.start_time, m.end_time) if t) or "　　　　"
    story: list = [
        Paragraph(f"{escape(m.unit_name)}{escape(m.kind_name)}签到表", st["title"]),
        Paragraph(f"会议主题：{escape(m.topic)}", st["body"]),
        Paragraph(f"会议时间：{escape(m.date)} {escape(time)}&nbsp;&nbsp;&nbsp;&nbsp;会议地点：{escape(m.place or '')}",
                  st["body"]),
        Paragraph(f"主持人：{escape(m.host_name or '')}&nbsp;&nbsp;&nbsp;&nbsp;记录人：{escape(m.recorder_name or '')}",
                  st["body"]),
        Paragraph(f"应到 {m.expected} 人&nbsp;&nbsp;&nbsp;实到 ______ 人&nbsp;&nbsp;&nbsp;请假 ______ 人&nbsp;&nbsp;&nbsp;"
                  f"缺席 ______ 人", st["body"]),
        Spacer(1, 4 * mm),
    ]
    names = [a.name for a in m.attendance]
    half = (len(names) + 1) // 2
    head = [Paragraph(t, st["cell_center"]) for t in ("序号", "姓名", "本人签到", "序号", "姓名", "本人签到")]
    rows = [head]
    # Numbered left to right, row by row, so a page break never separates neighbours in the list.
    for i in range(half):
        left = [str(2 * i + 1), names[2 * i], ""]
        right = [str(2 * i + 2), names[2 * i + 1], ""] if 2 * i + 1 < len(names) else ["", "", ""]
        rows.append([*left, *right])
    width = PAGE_WIDTH - 2 * MARGIN
    cols = [14 * mm, 26 * mm, width / 2 - 40 * mm] * 2
    table = Table(rows, colWidths=cols, rowHeights=[9 * mm] + [11 * mm] * half, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), st["cell"].fontName, 11),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("LINEAFTER", (2, 0), (2, -1), 1.4, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3")),
        ("ALIGN", (0, 0), (1, -1), "CENTER"),
        ("ALIGN", (3, 0), (4, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story += [table, Spacer(1, 6 * mm), Paragraph("列席人员签到", st["heading"])]
    guest_rows = [[Paragraph(t, st["cell_center"]) for t in ("姓名", "单位或职务", "本人签到")]]
    guest_rows += [[g.name, g.note or "", ""] for g in m.guests]
    guest_rows += [["", "", ""] for _ in range(GUEST_LINES)]
    guests = Table(guest_rows, colWidths=[35 * mm, 70 * mm, width - 105 * mm],
                   rowHeights=[9 * mm] + [11 * mm] * (len(guest_rows) - 1))
    guests.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), st["cell"].fontName, 11),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story += [guests, Spacer(1, 8 * mm),
              Paragraph("请假人员请在备注中写明原因；本表会后随会议记录一并归档。", st["small"])]
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(out), pagesize=(PAGE_WIDTH, PAGE_HEIGHT), leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=20 * mm, title=f"{m.unit_name}{m.kind_name}签到表",
                            author=office)
    doc.build(story, canvasmaker=canvas_maker(office))
    return out
