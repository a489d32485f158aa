"""三会一课 ledger as Excel: a summary sheet, then one sheet per branch with one row per meeting."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from core import meetings, orgs, settings
from core.clock import today
from core.db import Db
from core.errors import UserError

LEDGER_COLUMNS = [
    ("序号", 6), ("日期", 12), ("时间", 13), ("会议类型", 13), ("召开单位", 16), ("会议主题", 34), ("地点", 20),
    ("主持人", 9), ("记录人", 9), ("应到", 6), ("实到", 6), ("请假", 6), ("缺席", 6), ("出席率", 8),
    ("请假人员及原因", 30), ("缺席人员", 24), ("列席人员", 20), ("会议决议", 40), ("附件", 20),
]
SUMMARY_COLUMNS = ["党支部"]  # + one column per kind + 出席率 + 达标情况


class Cancelled(Exception):
    """The user stopped the export; nothing was written."""


@dataclass(frozen=True)
class LedgerExport:
    path: Path
    year: int
    branches: int
    meetings: int


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = _BAD_SHEET_CHARS.sub("", name)[:31] or "支部"
    title, n = base, 2
    while title in used:
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _rate_text(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


EXCEL_CELL_LIMIT = 32767  # characters Excel keeps in one cell


def joined_names(names: list[str], limit: int = EXCEL_CELL_LIMIT - 100) -> str:
    """Names joined with 、; a list too long for one Excel cell ends with how many were left out."""
    text = "、".join(names)
    if len(text) <= limit:
        return text
    kept, length = [], 0
    for name in names:
        if length + len(name) + 1 > limit:
            break
        kept.append(name)
        length += len(name) + 1
    return "、".join(kept) + f"……等共 {len(names)} 人"


def meeting_row(index: int, m: meetings.Meeting) -> list:
    """One ledger line: the figures as numbers, the names as text."""
    time = "–".join(t for t in (m.start_time, m.end_time) if t)
    leave = joined_names([f"{a.name}（{a.reason}）" for a in m.attendance if a.status == "请假"])
    absent = joined_names([a.name for a in m.attendance if a.status == "缺席"])
    guests = joined_names([g.name + (f"（{g.note}）" if g.note else "") for g in m.guests])
    return [
        index, m.date, time, m.kind_name, m.unit_name, m.topic, m.place or "", m.host_name or "", m.recorder_name or "",
        m.expected, m.present, m.count("请假"), m.count("缺席"), _rate_text(m.rate), leave, absent, guests,
        m.resolutions or "", "、".join(m.attachments),
    ]


def _header(ws, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = _CENTER
        cell.border = _BORDER


def export_ledger(db: Db, out: str | os.PathLike, year: int,
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> LedgerExport:
    """Write the year's ledger; the file appears only when complete (a temporary file is renamed)."""
    out = Path(out)
    if not 2000 <= int(year) <= 2100:
        raise UserError(f"年份 {year} 不对，请写四位年份，如 {today().year}。")
    start, end = f"{year}-01-01", f"{year}-12-31"
    branches = orgs.branches(db)
    if not branches:
        raise UserError("数据库里还没有党支部，无法导出三会一课台账。请先在“设置—组织机构”中建立支部。")
    kinds = meetings.list_kinds(db)
    office = settings.get(db, "office_name")
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.cell(row=1, column=1, value=f"{office} {year}年三会一课台账汇总").font = Font(bold=True, size=14)
    labels = ["党支部", *[f"{k.name}（{k.rule_text}）" for k in kinds], "会议总数", "出席率", "达标情况"]
    _header(summary, 2, labels)
    summary.column_dimensions["A"].width = 22
    for col in range(2, len(labels) + 1):
        summary.column_dimensions[get_column_letter(col)].width = 14
    used = {"汇总"}
    total_meetings = 0
    for i, branch in enumerate(branches, start=1):
        if cancelled and cancelled():
            raise Cancelled()
        page = meetings.ledger(db, branch.id, start, end)
        result = meetings.compliance(db, branch.id, str(year), with_details=False)
        overdue = [k.kind_name for k in result.kinds if k.state == "overdue"]
        summary.append([
            branch.name, *[f"{k.held_total}/{k.required}" if k.state != "none" else "不适用" for k in result.kinds],
            len(page.meetings), _rate_text(result.attendance_rate),
            "达标" if result.compliant else ("未达标：" + "、".join(overdue) if overdue else "进行中"),
        ])
        ws = book.create_sheet(sheet_title(branch.name, used))
        ws.cell(row=1, column=1, value=f"{branch.name} {year}年三会一课台账").font = Font(bold=True, size=14)
        ws.cell(row=2, column=1, value=f"{orgs.unit_path(db, branch.id)}　共 {len(page.meetings)} 次会议　"
                                       f"出席率 {_rate_text(result.attendance_rate) or '—'}")
        _header(ws, 3, [c[0] for c in LEDGER_COLUMNS])
        for col, (_, width) in enumerate(LEDGER_COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        for n, m in enumerate(page.meetings, start=1):
            ws.append(meeting_row(n, m))
            for col in range(1, len(LEDGER_COLUMNS) + 1):
                cell = ws.cell(row=ws.max_row, column=col)
                cell.alignment = _WRAP
                cell.border = _BORDER
        ws.freeze_panes = "B4"
        total_meetings += len(page.meetings)
        if progress:
            progress(i, len(branches))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    try:
        book.save(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"无法写入 {out}：{exc}。如果该文件正在 Excel 中打开，请先关闭它再导出。") from exc
    return LedgerExport(out, int(year), len(branches), total_meetings)
