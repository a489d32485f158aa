"""Excel exports of the visit log (走访台账) and the problem ledger (问题台账), phones masked unless asked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core import idcard, problems, visits
from core.db import Db
from core.errors import UserError

Progress = Callable[[int, int], None] | None

VISIT_HEADERS = (
    ["序号", "走访日期", "社区", "网格", "住址", "户主", "联系电话", "特殊群体", "包片干部", "走访人"]
    + [h for short in visits.ITEM_SHORT for h in (short, f"{short}情况")]
    + ["是否问完", "生成问题编号", "备注"]
)
PROBLEM_HEADERS = ["编号", "来源", "发现时间", "社区", "网格", "住址", "反映人", "联系电话", "问题", "问题描述", "类别",
                   "等级", "处置时限", "当前环节", "责任人", "处置时间", "是否按时处置", "办结时间", "居民满意度"]
STEP_HEADERS = ["编号", "环节", "时间", "经办人", "办理情况"]
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def _sheet(wb: Workbook, title: str, headers: list[str], widths: dict[int, int] | None = None):
    ws = wb.active if wb.active.max_row == 1 and wb.active.title == "Sheet" else wb.create_sheet()
    ws.title = title
    ws.append(headers)
    for col, _ in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = (widths or {}).get(col, 12)
    ws.freeze_panes = "A2"
    return ws


def _save(wb: Workbook, out: Path) -> None:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"无法写入 {out}：{exc}。如果该文件正在 Excel 中打开，请先关闭后再导出。") from exc


def _period(year: int | None, start: Any, end: Any) -> tuple[Any, Any]:
    """A whole year, or start..end (either may be None: open)."""
    return (f"{year}-01-01", f"{year}-12-31") if year else (start, end)


def export_visits(db: Db, out: Path, year: int | None = None, unmasked: bool = False, community_id: int | None = None,
                  progress: Progress = None, start: Any = None, end: Any = None) -> int:
    """The visit log (a year, or start..end), oldest first, one row per visit with the five answers. Returns the count."""
    if unmasked:
        from core import access

        access.require(db, "export_unmasked")
    start, end = _period(year, start, end)
    rows = list(reversed(visits.list_visits(db, start=start, end=end, community_id=community_id)))
    extra = {
        r[0]: r[1:] for r in db.execute(
            """SELECT h.id, c.name, coalesce(h.phone, hp.phone), coalesce(cp.name, ''),
                      coalesce((SELECT group_concat(t.name, '、') FROM household_tag ht JOIN special_tag t ON t.id = ht.tag_id
                                WHERE ht.household_id = h.id), '')
               FROM household h JOIN grid g ON g.id = h.grid_id JOIN org_unit c ON c.id = g.community_id
               LEFT JOIN person cp ON cp.id = h.cadre_person_id LEFT JOIN person hp ON hp.id = h.head_person_id""")
    }
    numbers = dict(db.execute("SELECT id, number FROM problem").fetchall())
    wb = Workbook()
    ws = _sheet(wb, "走访台账", VISIT_HEADERS, {2: 12, 3: 14, 5: 28, 7: 14, 8: 16, 10: 14})
    for n, v in enumerate(rows, start=1):
        community, phone, cadre, tags = extra[v.household_id]
        answers = []
        for item in v.items:
            answers += [item.finding or "未问", item.text or ""]
        problem_numbers = "、".join(numbers[p] for item in v.items for p in item.problem_ids)
        ws.append([n, v.visit_date, community, v.grid_name, v.address, v.head_name or "",
                   (phone or "") if unmasked else idcard.mask_phone(phone), tags, cadre, v.visitors_text,
                   *answers, "是" if v.complete else "否（未问完）", problem_numbers, v.note or ""])
        if progress and n % 500 == 0:
            progress(n, len(rows))
    _save(wb, out)
    if progress:
        progress(len(rows), len(rows))
    if unmasked:
        from core import access

        access.record_unmasked_export(db, "visits", str(out), len(rows))
    return len(rows)


def export_problems(db: Db, out: Path, year: int | None = None, unmasked: bool = False, community_id: int | None = None,
                    progress: Progress = None, start: Any = None, end: Any = None) -> int:
    """The problem ledger (found in a year, or start..end) and a sheet with every step. Returns the problem count."""
    if unmasked:
        from core import access

        access.require(db, "export_unmasked")
    start, end = _period(year, start, end)
    rows = sorted(problems.list_problems(db, community_id=community_id, start=start, end=end), key=lambda p: (p.found_at, p.id))
    wb = Workbook()
    ws = _sheet(wb, "问题台账", PROBLEM_HEADERS, {1: 11, 3: 17, 4: 14, 6: 26, 8: 14, 9: 30, 10: 30, 13: 17, 16: 17, 18: 17})
    steps_ws = _sheet(wb, "办理过程", STEP_HEADERS, {1: 11, 3: 17, 5: 50})
    for n, p in enumerate(rows, start=1):
        on_time = {None: "未处置", True: "是", False: "否（超时）"}[p.handled_on_time]
        ws.append([p.number, p.source, p.found_at, p.community_name, p.grid_name, p.address or "", p.reporter or "",
                   (p.reporter_phone or "") if unmasked else idcard.mask_phone(p.reporter_phone), p.title,
                   p.description or "", p.category or "", p.severity, p.deadline_at,
                   p.stage, p.responsible_name or "", p.handled_at or "", on_time, p.closed_at or "", p.satisfaction or ""])
        for step in problems.steps(db, p.id):
            steps_ws.append([p.number, step.stage, step.at, step.person_name or "", step.text])
        if progress and n % 200 == 0:
            progress(n, len(rows))
    _save(wb, out)
    if progress:
        progress(len(rows), len(rows))
    if unmasked:
        from core import access

        access.record_unmasked_export(db, "problems", str(out), len(rows))
    return len(rows)


def read_back(path: Path, sheet: str | None = None) -> list[list[object]]:
    """Rows of an exported sheet (header first), for checks and tests."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows

