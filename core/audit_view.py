"""The audit log as people read it: one line per changed field, old beside new, labels in Chinese, export."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import audit, idcard
from core.db import Db
from core.errors import UserError

TABLE_LABELS = {
    "person": "人员", "member": "党员", "member_event": "党员变动", "org_unit": "组织", "grid": "网格",
    "setting": "设置", "operator": "操作员", "database": "数据库", "meeting": "会议", "attendance": "参会",
    "meeting_kind": "会议类型", "household": "住户", "home_visit": "走访", "visit_item": "走访事项",
    "problem": "问题", "problem_step": "问题办理", "volunteer_team": "志愿队伍", "activity": "志愿活动",
    "accountability_letter": "责任书", "letter_template": "责任书模板", "star_rating": "星级评定",
    "import_batch": "导入批次", "roster": "党员名册", "deletion_group": "可撤销的删除",
}
ACTION_LABELS = {"insert": "新增", "update": "修改", "delete": "删除", "reveal": "查看完整信息",
                 "export": "完整导出", "restore": "恢复数据库"}
FIELD_LABELS = {
    "name": "姓名", "gender": "性别", "birth_date": "出生日期", "id_number": "身份证号", "phone": "联系电话",
    "address": "住址", "ethnicity": "民族", "native_place": "籍贯", "education": "学历", "note": "备注",
    "branch_id": "所在支部", "party_group_id": "党小组", "grid_id": "网格", "category": "党员类别",
    "status": "状态", "person_type": "人员类型", "join_date": "入党时间", "full_date": "转正时间",
    "work_unit": "工作单位", "updated_at": "修改时间", "created_at": "创建时间", "role": "角色",
    "active": "可登录", "password_hash": "密码", "key": "设置项", "value": "值", "kind": "类型",
    "parent_id": "上级", "person_id": "人员号", "community_id": "社区", "worker_person_id": "网格员",
    "sort_order": "排序", "field": "字段", "file": "文件", "rows": "行数", "from": "来源文件",
    "safety_copy": "恢复前副本", "unmasked": "不隐去",
}
# Logged values that stay masked when the log is shown or exported.
MASKED_FIELDS = {"id_number": idcard.mask, "phone": idcard.mask_phone}
_QUIET = {"name_pinyin", "name_initials", "created_at", "updated_at"}


@dataclass(frozen=True)
class AuditLine:
    entry_id: int
    at: str
    operator: str
    table: str
    row_id: int | None
    action: str
    field: str
    old: str
    new: str


def _text(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field in MASKED_FIELDS and isinstance(value, str):
        return MASKED_FIELDS[field](value)
    return str(value)


def _summary(values: dict[str, Any] | None) -> str:
    if not values:
        return ""
    return "；".join(f"{FIELD_LABELS.get(k, k)}：{_text(k, v)}" for k, v in values.items()
                    if k not in _QUIET and k != "id" and v not in (None, ""))


def lines_for(entry: audit.AuditEntry) -> list[AuditLine]:
    """An update gives one line per changed field; other actions one line with a summary."""
    base = dict(entry_id=entry.id, at=entry.at.replace("T", " "), operator=entry.operator,
                table=TABLE_LABELS.get(entry.table_name, entry.table_name), row_id=entry.row_id,
                action=ACTION_LABELS.get(entry.action, entry.action))
    if entry.action == "update" and entry.table_name != "setting" and (entry.old or entry.new):
        keys = [k for k in (entry.new or entry.old or {}) if k not in _QUIET] or ["updated_at"]
        return [AuditLine(**base, field=FIELD_LABELS.get(k, k), old=_text(k, (entry.old or {}).get(k)),
                          new=_text(k, (entry.new or {}).get(k))) for k in keys]
    return [AuditLine(**base, field="", old=_summary(entry.old), new=_summary(entry.new))]


def lines(db: Db, *, limit: int = 1000, offset: int = 0, **filters: Any) -> list[AuditLine]:
    """Filters as audit.entries: table, operator, action, date_from, date_to (YYYY-MM-DD)."""
    out: list[AuditLine] = []
    for entry in audit.entries(db, limit=limit, offset=offset, **filters):
        out += lines_for(entry)
    return out


HEADERS = ["时间", "操作员", "对象", "记录号", "操作", "字段", "原值", "新值"]


def export_xlsx(db: Db, path: Path, **filters: Any) -> int:
    """Write the filtered log (all of it, newest first) to an Excel file; returns the lines written."""
    from openpyxl import Workbook

    from core import access

    access.require(db, "audit")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("操作日志")
    sheet.append(HEADERS)
    written, offset, page = 0, 0, 5000
    while True:
        batch = audit.entries(db, limit=page, offset=offset, **filters)
        for entry in batch:
            for line in lines_for(entry):
                sheet.append([line.at, line.operator, line.table, line.row_id, line.action, line.field, line.old, line.new])
                written += 1
        if len(batch) < page:
            break
        offset += page
    try:
        workbook.save(path)
    except OSError as exc:
        raise UserError(f"无法写入文件 {path}：{exc}。请关闭在 Excel 中打开的同名文件，或换一个位置。") from exc
    return written
