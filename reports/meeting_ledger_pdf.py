"""The printed 三会一课 ledger of one branch for a period: each meeting's record and attendance list."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import meetings, orgs, settings
from core.db import Db
from reports.page_frame import MARGIN, PAGE_HEIGHT, PAGE_WIDTH, canvas_maker, styles

CHINESE_NUMBERS = "一二三四五六七八九十"


def _number(n: int) -> str:
    if n <= 10:
        return CHINESE_NUMBERS[n - 1]
    if n < 20:
        return "十" + (CHINESE_NUMBERS[n - 11] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CHINESE_NUMBERS[tens - 1] + "十" + (CHINESE_NUMBERS[ones - 1] if ones else "")


def _p(text: str | None, style) -> Paragraph:
    return Paragraph(escape(text or "").replace("\n", "<br/>") or "—", style)


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _meeting_block(index: int, m: meetings.Meeting, st: dict) -> list:
    width = PAGE_WIDTH - 2 * MARGIN
    label_w = 24 * mm
    time = "–".join(t for t in (m.start_time, m.end_time) if t)
    present = [a.name for a in m.attendance if a.status == "出席"]
    leave = [f"{a.name}（{a.reason}）" for a in m.attendance if a.status == "请假"]
    absent = [a.name for a in m.attendance if a.status == "缺席"]
    guests = [g.name + (f"（{g.note}）" if g.note else "") for g in m.guests]
    cell, head = st["cell"], st["cell_center"]
    head_rows = [
        [_p("会议类型", head), _p(m.kind_name, cell), _p("召开单位", head), _p(m.unit_name, cell)],
        [_p("日期时间", head), _p(f"{m.date} {time}", cell), _p("地点", head), _p(m.place, cell)],
        [_p("主持人", head), _p(m.host_name, cell), _p("记录人", head), _p(m.recorder_name, cell)],
        [_p("出勤情况", head), _p(f"应到 {m.expected} 人，实到 {m.present} 人，请假 {len(leave)} 人，缺席 {len(absent)} 人", cell),
         _p("出席率", head), _p(_rate(m.rate), cell)],
    ]
    body_rows = [
        [_p("会议主题", head), _p(m.topic, cell)],
        [_p("会议内容", head), _p(m.minutes, cell)],
        [_p("会议决议", head), _p(m.resolutions, cell)],
        [_p("出席人员", head), _p("、".join(present), cell)],
        [_p("请假人员", head), _p("、".join(leave) or "无", cell)],
        [_p("缺席人员", head), _p("、".join(absent) or "无", cell)],
        [_p("列席人员", head), _p("、".join(guests) or "无", cell)],
        [_p("附件", head), _p("、".join(m.attachments) or "无", cell)],
    ]
    value_w = (width - 2 * label_w) / 2
    common = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    top = Table(head_rows, colWidths=[label_w, value_w, label_w, value_w])
    top.setStyle(TableStyle([*common, ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f3f3f3"))]))
    # Two columns and splitInRow: a branch of thousands lists more names than fit on a page, and
    # a long row then continues overleaf instead of failing the layout.
    body = Table(body_rows, colWidths=[label_w, width - label_w], splitInRow=1)
    body.setStyle(TableStyle(common))
    heading = Paragraph(f"{_number(index) if index < 100 else index}、{escape(m.date)}　{escape(m.kind_name)}", st["heading"])
    if m.expected < 60:  # a short record stays on one page with its heading
        return [KeepTogether([heading, top, body]), Spacer(1, 5 * mm)]
    return [KeepTogether([heading, top]), body, Spacer(1, 5 * mm)]


def render_ledger(db: Db, branch_id: int, period: str | meetings.Period, out: str | Path) -> Path:
    """Write the ledger PDF of the branch's held meetings in the period (month, quarter, year)."""
    out = Path(out)
    view = meetings.parse_period(period)
    page = meetings.ledger(db, branch_id, view.start, view.end)
    office = settings.get(db, "office_name")
    st = styles()
    result = meetings.compliance(db, branch_id, view, with_details=False)
    period = f"{view.label}（{page.start} 至 {page.end}）"
    story: list = [
        Paragraph(f"{escape(page.branch_name)}", st["title"]),
        Paragraph("三会一课台账", st["title"]),
        Paragraph(f"{escape(orgs.unit_path(db, branch_id))}<br/>期间：{escape(period)}", st["subtitle"]),
    ]
    summary_rows = [[_p("会议类型", st["cell_center"]), _p("要求", st["cell_center"]), _p("已开次数", st["cell_center"]),
                     _p("情况", st["cell_center"])]]
    counts: dict[str, int] = {}
    for m in page.meetings:
        counts[m.kind_name] = counts.get(m.kind_name, 0) + 1
    for k in result.kinds:
        summary_rows.append([_p(k.kind_name, st["cell"]), _p(k.rule, st["cell"]),
                             _p(str(counts.get(k.kind_name, 0)), st["cell_center"]),
                             _p(k.state_label, st["cell_center"])])
    summary = Table(summary_rows, colWidths=[45 * mm, 45 * mm, 30 * mm, 35 * mm])
    summary.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    rate = result.attendance_rate
    story += [summary, Spacer(1, 4 * mm),
              Paragraph(f"本期共召开会议 {len(page.meetings)} 次，平均出席率 {_rate(rate)}。", st["body"])]
    if page.meetings:
        story.append(PageBreak())
    else:
        story.append(Paragraph("本期没有已召开的会议记录。", st["body"]))
    for i, m in enumerate(page.meetings, start=1):
        story += _meeting_block(i, m, st)
    story += [Spacer(1, 10 * mm), KeepTogether([
        Paragraph("以上会议记录经核对属实。", st["body"]), Spacer(1, 8 * mm),
        Paragraph("党支部书记（签字）：________________&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;"
                  "组织委员（签字）：________________", st["body"]), Spacer(1, 6 * mm),
        Paragraph("（党支部盖章）<br/>年&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;月&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;日",
                  ParagraphStyle("stamp", parent=st["body"], alignment=TA_RIGHT, leading=22)),
    ])]
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(out), pagesize=(PAGE_WIDTH, PAGE_HEIGHT), leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=20 * mm, title=f"{page.branch_name}三会一课台账",
                            author=office)
    doc.build(story, canvasmaker=canvas_maker(office))
    return out

