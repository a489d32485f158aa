"""The printed monthly report (党建工作月报): the street's figures, each community's, charts and the reviewer's signature."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from core import settings
from core.db import Db
from core.letters import format_number
from core.monthly import MonthlyReport, UnitMonth, monthly_report
from reports.fonts import font_name
from reports.layout import (
    FRAME_WIDTH, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, DocumentMark, GridTable, TextBlock, numbered_canvas, styles,
)

RED = colors.HexColor("#b71c1c")
GREY = colors.HexColor("#9e9e9e")
BLUE = colors.HexColor("#1565c0")
GREEN = colors.HexColor("#2e7d32")
ORANGE = colors.HexColor("#ef6c00")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{format_number(value)}%"


def _short(name: str) -> str:
    """'西湖社区党委' -> '西湖' for chart labels."""
    for suffix in ("社区党委", "社区党支部", "社区"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _summary_rows(street: UnitMonth) -> list[list[str | None]]:
    return [
        ["党员队伍", f"在册党员 {street.members} 名；本月发展党员 {street.joined} 名，组织关系转入 "
                     f"{street.transferred_in} 名、转出 {street.transferred_out} 名"],
        ["三会一课", f"本月应开 {street.meetings_required} 次，按期召开 {street.meetings_required_held} 次"
                     f"（完成率 {_pct(street.meetings_compliance)}），本月共召开会议 {street.meetings_held} 次；"
                     f"党员出席率 {_pct(street.attendance_rate)}"],
        ["五必问走访", f"本月入户走访 {street.visits} 户次；年度走访覆盖率 {_pct(street.coverage_ytd)}"
                       f"（{street.households_visited_ytd} / {street.households} 户）"],
        ["问题台账", f"本月新增 {street.problems_opened} 件，办结 {street.problems_closed} 件（按时办结 "
                     f"{street.problems_closed_on_time} 件），超期未处置 {street.problems_overdue} 件"],
        ["志愿服务", f"本月开展活动 {street.volunteer_activities} 次，服务时长 {format_number(street.volunteer_hours)} 小时"],
        ["责任书", f"各社区责任书平均得分 {format_number(street.letter_score) if street.letter_score is not None else '—'} 分"],
    ]


COMMUNITY_HEADER = ["社区", "在册党员", "发展/转入/转出", "三会一课应开/已开", "出席率", "走访户次", "年度覆盖率",
                    "问题新增/办结/超期", "志愿时长(小时)", "责任书得分"]
COMMUNITY_WIDTHS = [27 * mm, 12 * mm, 16 * mm, 18 * mm, 14 * mm, 13 * mm, 15 * mm, 22 * mm, 16 * mm, 17 * mm]


def _community_row(u: UnitMonth) -> list[str | None]:
    return [
        u.name, str(u.members), f"{u.joined}/{u.transferred_in}/{u.transferred_out}",
        f"{u.meetings_required}/{u.meetings_required_held}", _pct(u.attendance_rate), str(u.visits),
        _pct(u.coverage_ytd), f"{u.problems_opened}/{u.problems_closed}/{u.problems_overdue}",
        format_number(u.volunteer_hours), format_number(u.letter_score) if u.letter_score is not None else "—",
    ]


def _legend(x: float, y: float, pairs: list[tuple[colors.Color, str]]) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = font_name()
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 7
    legend.deltax = 80
    legend.boxAnchor = "nw"
    legend.colorNamePairs = pairs
    return legend


def _title(drawing: Drawing, text: str) -> None:
    drawing.add(String(drawing.width / 2, drawing.height - 12, text, fontName=font_name(), fontSize=10.5,
                       textAnchor="middle"))


def meetings_chart(report: MonthlyReport) -> Drawing:
    """Bars per community: meetings due this month and those held on time."""
    drawing = Drawing(FRAME_WIDTH, 62 * mm)
    _title(drawing, f"{report.month.label}各社区三会一课：应开与按期召开（次）")
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 38
    chart.width, chart.height = FRAME_WIDTH - 45, 62 * mm - 70
    chart.data = [[u.meetings_required for u in report.communities], [u.meetings_required_held for u in report.communities]]
    chart.bars[0].fillColor = GREY
    chart.bars[1].fillColor = RED
    chart.categoryAxis.categoryNames = [_short(u.name) for u in report.communities]
    chart.categoryAxis.labels.fontName = font_name()
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = font_name()
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = 1
    chart.groupSpacing = 6
    drawing.add(chart)
    drawing.add(_legend(40, 62 * mm - 20, [(GREY, "本月应开"), (RED, "按期召开")]))
    return drawing


def score_chart(report: MonthlyReport) -> Drawing:
    drawing = Drawing(FRAME_WIDTH, 55 * mm)
    _title(drawing, f"各社区{report.month.year}年度责任书得分（截至{report.month.label}末）")
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 34
    chart.width, chart.height = FRAME_WIDTH - 45, 55 * mm - 60
    chart.data = [[u.letter_score or 0 for u in report.communities]]
    chart.bars[0].fillColor = BLUE
    chart.categoryAxis.categoryNames = [_short(u.name) for u in report.communities]
    chart.categoryAxis.labels.fontName = font_name()
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = font_name()
    chart.valueAxis.labels.fontSize = 7.5
    chart.barLabels.fontName = font_name()
    chart.barLabels.fontSize = 6.5
    chart.barLabelFormat = lambda v: format_number(round(v, 1))
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def trend_chart(report: MonthlyReport, title: str, series: list[tuple[str, colors.Color, list[float]]]) -> Drawing:
    height = 48 * mm
    drawing = Drawing(FRAME_WIDTH, height)
    _title(drawing, title)
    chart = HorizontalLineChart()
    chart.x, chart.y = 35, 18
    chart.width, chart.height = FRAME_WIDTH - 50, height - 50
    chart.data = [values for _label, _color, values in series]
    for i, (_label, color, _values) in enumerate(series):
        chart.lines[i].strokeColor = color
        chart.lines[i].strokeWidth = 1.6
    chart.categoryAxis.categoryNames = [f"{p.month.month}月" for p in report.trend]
    chart.categoryAxis.labels.fontName = font_name()
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.labels.fontName = font_name()
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    chart.joinedLines = 1
    drawing.add(chart)
    drawing.add(_legend(40, height - 20, [(color, label) for label, color, _ in series]))
    return drawing


def report_story(report: MonthlyReport, office: str) -> list:
    st = styles()
    story: list = [
        DocumentMark("monthly"),
        Paragraph(f"{office}党建工作月报", st["title"]),
        Paragraph(f"（{report.month.label}）", st["subtitle"]),
        TextBlock(f"统计范围：{report.month.start.isoformat()} 至 {report.month.end.isoformat()}；"
                  f"数据截至 {report.as_of.isoformat()}。共 {len(report.communities)} 个社区。", size=10.5, leading=16),
        TextBlock("一、全街道概况", size=13, leading=22, space_before=6),
        GridTable(["项目", "本月情况"], _summary_rows(report.street), [28 * mm, FRAME_WIDTH - 28 * mm], 10, align="CL"),
        TextBlock("二、各社区情况", size=13, leading=22, space_before=10),
        GridTable(COMMUNITY_HEADER, [_community_row(u) for u in report.communities] + [_community_row(report.street)],
                  COMMUNITY_WIDTHS, 8.5, align="LCCCCCCCCC"),
        TextBlock("注：三会一课“应开”为本月到期的会议次数（月度、到期的季度和年度会议）；覆盖率为 1 月 1 日至本月末"
                  "有完整走访记录的住户占比；责任书得分按截至本月末的完成情况计算，满分 100 分。", size=8.5, leading=13,
                  space_before=4),
        CondPageBreak(70 * mm),
        TextBlock("三、图表", size=13, leading=22, space_before=10),
        meetings_chart(report),
        Spacer(1, 4 * mm),
        score_chart(report),
        Spacer(1, 4 * mm),
        trend_chart(report, "近 12 个月全街道入户走访（户次）", [
            ("走访户次", GREEN, [p.visits for p in report.trend]),
        ]),
        Spacer(1, 3 * mm),
        trend_chart(report, "近 12 个月全街道问题台账（件）", [
            ("新增问题", ORANGE, [p.problems_opened for p in report.trend]),
            ("办结问题", BLUE, [p.problems_closed for p in report.trend]),
        ]),
        Spacer(1, 3 * mm),
        trend_chart(report, "近 12 个月全街道志愿服务时长（小时）", [
            ("志愿服务时长", RED, [p.volunteer_hours for p in report.trend]),
        ]),
        Spacer(1, 3 * mm),
        trend_chart(report, "近 12 个月全街道召开会议（次）与发展党员（名）", [
            ("召开会议", GREY, [p.meetings_held for p in report.trend]),
            ("发展党员", RED, [p.joined for p in report.trend]),
        ]),
        Spacer(1, 10 * mm),
        KeepTogether([
            TextBlock("四、审核", size=13, leading=22),
            TextBlock(f"填报单位：{office}（盖章）\n填报人：＿＿＿＿＿＿＿＿　　　　审核人（签字）：＿＿＿＿＿＿＿＿\n"
                      "审核日期：　　　　年　　月　　日", size=11.5, leading=26),
        ]),
    ]
    return story


def render(report: MonthlyReport, out: Path, office: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    doc = SimpleDocTemplate(str(tmp), leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                            bottomMargin=MARGIN_BOTTOM, title=f"党建工作月报（{report.month.label}）", author=office)
    footer = f"{office}  ·  {report.month.label}党建工作月报  ·  生成日期 {dt.date.today().isoformat()}"
    doc.build(report_story(report, office), canvasmaker=numbered_canvas(footer))
    tmp.replace(out)
    return out


def write_report(db: Db, month: str, out: Path, today: dt.date | None = None) -> Path:
    """Gather the month's figures and print them to out."""
    report = monthly_report(db, month, today)
    return render(report, out, settings.get(db, "office_name"))
