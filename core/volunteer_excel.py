"""`export volunteer-hours`: a year's service hours as an Excel workbook (per person, team, unit, member, community)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core import idcard
from core import volunteers as vol
from core.clock import today
from core.db import Db
from core.errors import UserError

HOURS_FORMAT = "0.00"
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list[Any]], hour_columns: set[int],
           widths: list[int]) -> None:
    ws = wb.create_sheet(title)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        ws.append(row)
    for col in hour_columns:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = HOURS_FORMAT
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"


def build_workbook(db: Db, year: int, unmasked: bool = False,
                   progress: Callable[[int, int], None] | None = None) -> Workbook:
    """The workbook in memory; phone numbers masked unless the user asked for them in full."""
    phone = (lambda p: p or "") if unmasked else idcard.mask_phone
    hours = vol.hours_decimal
    wb = Workbook()
    wb.remove(wb.active)
    steps = 5

    people = vol.person_totals(db, year)
    _sheet(wb, "按人员", ["序号", "姓名", "身份", "联系电话", "所在队伍", "参加活动（次）", "服务时长（小时）"],
           [[i, p.name, "党员" if p.is_member else "群众", phone(p.phone), p.teams, p.activities, hours(p.minutes)]
            for i, p in enumerate(people, start=1)], {7}, [6, 12, 8, 16, 40, 14, 16])
    if progress:
        progress(1, steps)

    teams = vol.team_totals(db, year)
    _sheet(wb, "按队伍", ["序号", "社区", "队伍名称", "类型", "队长", "现有队员（人）", "活动（次）", "服务人数", "服务时长（小时）"],
           [[i, t.community_name, t.name, t.kind_name, t.leader_name or "", t.active_members, t.activities, t.participants,
             hours(t.minutes)] for i, t in enumerate(teams, start=1)], {9}, [6, 16, 26, 12, 10, 14, 12, 10, 16])
    if progress:
        progress(2, steps)

    units = sorted(vol.unit_progress(db, year), key=lambda u: (u.community_name, u.name))
    _sheet(wb, "按单位", ["序号", "社区", "共建单位", "单位党组织", "联系人", "联系电话", "参加活动（次）", "服务时长（小时）",
                         "年度要求（小时）", "差额（小时）", "是否达标"],
           [[i, u.community_name, u.name, u.party_org or "", u.contact_name or "", phone(u.contact_phone), u.activities,
             hours(u.minutes), hours(u.threshold_minutes), hours(u.shortfall_minutes), "达标" if u.met else "未达标"]
            for i, u in enumerate(units, start=1)], {8, 9, 10}, [6, 16, 22, 24, 10, 16, 14, 16, 16, 12, 10])
    if progress:
        progress(3, steps)

    registered = sorted(vol.member_progress(db, year), key=lambda m: (m.community_name, m.name))
    _sheet(wb, "双报到党员", ["序号", "报到社区", "姓名", "工作单位", "报到日期", "服务时长（小时）", "年度要求（小时）",
                            "差额（小时）", "是否达标"],
           [[i, m.community_name, m.name, m.work_unit, m.registered_date, hours(m.minutes), hours(m.threshold_minutes),
             hours(m.shortfall_minutes), "达标" if m.met else "未达标"] for i, m in enumerate(registered, start=1)],
           {6, 7, 8}, [6, 16, 12, 22, 12, 16, 16, 12, 10])
    if progress:
        progress(4, steps)

    communities = vol.community_totals(db, year)
    _sheet(wb, "按社区", ["社区", "活动（次）", "志愿者（人）", "服务时长（小时）"],
           [[c.name, c.activities, c.volunteers, hours(c.minutes)] for c in communities]
           + [["合计", sum(c.activities for c in communities), "", hours(sum(c.minutes for c in communities))]],
           {4}, [18, 12, 14, 16])
    if progress:
        progress(5, steps)
    return wb


def save_workbook(wb: Workbook, out: Path) -> None:
    """Write beside the target, then replace it: a failed write never leaves half a file."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except PermissionError:
        tmp.unlink(missing_ok=True)
        raise UserError(f"无法写入 {out}：文件可能正在 Excel 中打开。请先关闭它，或换一个文件名。") from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"无法写入 {out}：{exc}。请确认文件夹存在且可以写入。") from None


def export_hours(db: Db, out: Path, year: int | None = None, unmasked: bool = False,
                 progress: Callable[[int, int], None] | None = None) -> str:
    """The CLI's and the screen's export; returns the message for the user."""
    year = year or today().year
    if not (2000 <= year <= 2100):
        raise UserError(f"年份 {year} 不合理，请写成 2025 这样的四位年份。")
    wb = build_workbook(db, year, unmasked, progress)
    save_workbook(wb, Path(out))
    people = wb["按人员"].max_row - 1
    total = sum(c.minutes for c in vol.community_totals(db, year))
    return f"已导出 {year} 年志愿服务时长：{people} 名志愿者，合计 {vol.hours_text(total)} 小时 → {out}"
