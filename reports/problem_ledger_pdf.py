"""问题台账 for a period: every problem found in it with its stage, time limit and outcome, on landscape A4."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import problems as core_problems
from core.db import Db
from core.problems import Problem, ProblemCounts
from reports.fonts import font_name
from reports.visit_sheet_pdf import page_footer

PAGE = landscape(A4)
HEADERS = ["编号", "发现时间", "来源", "网格 / 住址", "问题", "类别", "等级", "处置时限", "环节", "责任人", "处置时间", "按时", "满意度"]
WIDTHS_MM = [18, 22, 16, 40, 58, 16, 10, 22, 11, 16, 22, 11, 14]
OVERDUE_FILL = colors.HexColor("#fde2e1")


def _styles() -> dict[str, ParagraphStyle]:
    font = font_name()
    return {
        "title": ParagraphStyle("t", fontName=font, fontSize=17, leading=24, alignment=TA_CENTER),
        "sub": ParagraphStyle("s", fontName=font, fontSize=10, leading=15, alignment=TA_CENTER),
        "cell": ParagraphStyle("c", fontName=font, fontSize=8, leading=10.5, wordWrap="CJK"),
        "summary": ParagraphStyle("m", fontName=font, fontSize=10, leading=15, wordWrap="CJK"),
    }


def _on_time(p: Problem) -> str:
    return {None: "", True: "是", False: "超时"}[p.handled_on_time]


def build(path: Path, office_name: str, scope_label: str, start: dt.date, end: dt.date, items: Sequence[Problem],
          counts: ProblemCounts, at: dt.datetime, printed: dt.date | None = None) -> Path:
    """Write the ledger: title, period, summary counts, then one row per problem (overdue rows shaded)."""
    st = _styles()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=PAGE, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=12 * mm,
                            bottomMargin=14 * mm, title="问题台账", author=office_name)
    c = lambda text: Paragraph(str(text or "").replace("&", "&amp;").replace("<", "&lt;"), st["cell"])  # noqa: E731
    rows: list[list] = [[c(h) for h in HEADERS]]
    shaded = []
    for index, p in enumerate(items, start=1):
        where = p.grid_name + (f"<br/>{p.address}" if p.address else "")
        rows.append([c(p.number), c(p.found_at), c(p.source), Paragraph(f"{p.community_name} {where}", st["cell"]),
                     c(p.title), c(p.category), c(p.severity), c(p.deadline_at), c(p.stage), c(p.responsible_name),
                     c(p.handled_at), c(_on_time(p)), c(p.satisfaction)])
        if p.deadline_state(at) in ("overdue", "late"):
            shaded.append(index)
    if not items:
        rows.append([c("本期没有登记问题。")] + [""] * (len(HEADERS) - 1))
    table = Table(rows, colWidths=[w * mm for w in WIDTHS_MM], repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if not items:
        style.append(("SPAN", (0, 1), (-1, 1)))
    style += [("BACKGROUND", (0, r), (-1, r), OVERDUE_FILL) for r in shaded]
    table.setStyle(TableStyle(style))
    summary = (f"本期新发现问题 <b>{counts.opened}</b> 件；办结 <b>{counts.closed}</b> 件，其中按时处置 "
               f"<b>{counts.closed_on_time}</b> 件（按时率 {counts.on_time_percent:g}%）；超时处置 {counts.handled_late} 件；"
               f"截至期末仍超时未处置 <b>{counts.overdue}</b> 件。底色标红的为超时问题。")
    story = [
        Paragraph("问 题 台 账", st["title"]),
        Paragraph(f"{scope_label}　　{start.isoformat()} 至 {end.isoformat()}", st["sub"]),
        Spacer(1, 2 * mm), Paragraph(summary, st["summary"]), Spacer(1, 3 * mm), table,
        Spacer(1, 6 * mm),
        Paragraph("填表人：　　　　　　　　　审核人：　　　　　　　　　（盖章）", st["summary"]),
    ]
    footer = page_footer(office_name, (printed or dt.date.today()).isoformat(), PAGE[0], 14 * mm, "问题台账")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path


def build_from_db(db: Db, path: Path, start: dt.date, end: dt.date, community_id: int | None = None,
                  at: dt.datetime | None = None) -> Path:
    """The ledger of problems found start..end in the community (or the whole office), data read through core."""
    from core import orgs, settings

    at = at or core_problems.now()
    items = sorted(core_problems.list_problems(db, community_id=community_id, start=start, end=end),
                   key=lambda p: (p.found_at, p.id))
    counts = core_problems.counts(db, start, end, community_id=community_id, at=at)
    scope = orgs.get_unit(db, community_id).name if community_id else "全部社区"
    return build(path, settings.get(db, "office_name"), scope, start, end, items, counts, at)
