"""Excel export of the roster (党员花名册) and the saved export layouts each recipient dictates.

A layout is a column set, order, header names and value codes (男 → 1). The built-in default
layout has every roster field under the import's own header names, so an unmasked export with it
imports back unchanged. Users save their own layouts (table export_layout) and pass them around
as small JSON files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from core import audit, idcard, settings
from core.clock import now_text, today
from core.db import Db
from core.errors import UserError, ValidationError

DEFAULT_LAYOUT = "默认格式"
LAYOUT_FILE_FORMAT = "dangjian-export-layout"

# Every field a roster export can show: key -> (default header, kind of value).
# Keys and headers are those of the roster import (core.roster_io), which is what makes the round trip work.
ROSTER_FIELDS: dict[str, tuple[str, str]] = {
    "seq": ("序号", "int"),
    "name": ("姓名", "text"),
    "gender": ("性别", "text"),
    "ethnicity": ("民族", "text"),
    "birth_date": ("出生日期", "date"),
    "age": ("年龄", "int"),
    "id_number": ("公民身份号码", "id"),
    "education": ("学历", "text"),
    "native_place": ("籍贯", "text"),
    "join_date": ("入党时间", "date"),
    "full_date": ("转正时间", "date"),
    "party_age": ("党龄", "int"),
    "category": ("党员类别", "text"),
    "person_type": ("人员类型", "text"),
    "status": ("党员状态", "text"),
    "community": ("所属社区", "text"),
    "branch": ("所在支部", "text"),
    "party_group": ("党小组", "text"),
    "grid": ("网格", "text"),
    "work_unit": ("工作单位及职务", "text"),
    "phone": ("联系电话", "phone"),
    "address": ("家庭住址", "text"),
    "note": ("备注", "text"),
}
DERIVED_FIELDS = ("seq", "age", "party_age")
DEFAULT_FIELDS = tuple(k for k in ROSTER_FIELDS if k not in ("age", "party_age"))


@dataclass(frozen=True)
class LayoutColumn:
    field: str
    header: str
    codes: dict[str, str] = field(default_factory=dict)  # stored value -> code the recipient wants


@dataclass(frozen=True)
class ExportLayout:
    name: str
    columns: tuple[LayoutColumn, ...]
    title: str = ""            # "" means "<office name>党员花名册"
    kind: str = "roster"
    id: int | None = None      # None for the built-in default

    @property
    def builtin(self) -> bool:
        return self.id is None and self.name == DEFAULT_LAYOUT


def default_layout() -> ExportLayout:
    return ExportLayout(DEFAULT_LAYOUT, tuple(LayoutColumn(k, ROSTER_FIELDS[k][0]) for k in DEFAULT_FIELDS))


# Layout validation, storage and files ----------------------------------------------------------

def validate_layout(layout: ExportLayout) -> ExportLayout:
    name = (layout.name or "").strip()
    if not name:
        raise ValidationError("导出格式的名称不能为空。", "name")
    if len(name) > 40:
        raise ValidationError("导出格式的名称太长（最多 40 个字）。", "name")
    if not layout.columns:
        raise ValidationError("导出格式至少要有一列。", "columns")
    headers: set[str] = set()
    columns = []
    for col in layout.columns:
        if col.field not in ROSTER_FIELDS:
            raise ValidationError(f"导出格式中有不认识的字段“{col.field}”。", "columns")
        header = (col.header or "").strip() or ROSTER_FIELDS[col.field][0]
        if header in headers:
            raise ValidationError(f"导出格式中有两列都叫“{header}”，列名不能重复。", "columns")
        headers.add(header)
        codes = {str(k).strip(): str(v).strip() for k, v in (col.codes or {}).items() if str(k).strip()}
        if len(set(codes.values())) != len(codes):
            raise ValidationError(f"“{header}”列的代码有重复：不同的值不能用同一个代码。", "columns")
        columns.append(LayoutColumn(col.field, header, codes))
    return replace(layout, name=name, columns=tuple(columns), title=(layout.title or "").strip())


def _spec(layout: ExportLayout) -> dict[str, Any]:
    return {"title": layout.title,
            "columns": [{"field": c.field, "header": c.header, "codes": c.codes} for c in layout.columns]}


def _from_spec(name: str, spec: dict[str, Any], kind: str = "roster", layout_id: int | None = None) -> ExportLayout:
    try:
        columns = tuple(LayoutColumn(str(c["field"]), str(c.get("header") or ""), dict(c.get("codes") or {}))
                        for c in spec["columns"])
    except (KeyError, TypeError, AttributeError):
        raise ValidationError("导出格式文件内容不完整或已损坏。") from None
    return ExportLayout(name, columns, str(spec.get("title") or ""), kind, layout_id)


def list_layouts(db: Db, kind: str = "roster") -> list[ExportLayout]:
    """The built-in default first, then the user's layouts by name."""
    rows = db.execute("SELECT id, name, spec FROM export_layout WHERE kind = ? ORDER BY name", [kind]).fetchall()
    return [default_layout()] + [_from_spec(name, json.loads(spec), kind, i) for i, name, spec in rows]


def get_layout(db: Db, name: str | None, kind: str = "roster") -> ExportLayout:
    if not name or name == DEFAULT_LAYOUT:
        return default_layout()
    row = db.execute("SELECT id, name, spec FROM export_layout WHERE kind = ? AND name = ?", [kind, name]).fetchone()
    if row is None:
        names = "、".join(l.name for l in list_layouts(db, kind))
        raise UserError(f"没有名为“{name}”的导出格式。现有格式：{names}。")
    return _from_spec(row[1], json.loads(row[2]), kind, row[0])


def save_layout(db: Db, layout: ExportLayout) -> int:
    """Create or replace a user layout by name; the built-in default cannot be overwritten."""
    layout = validate_layout(layout)
    if layout.name == DEFAULT_LAYOUT:
        raise ValidationError(f"“{DEFAULT_LAYOUT}”是内置格式，不能修改。请换一个名称保存。", "name")
    spec = json.dumps(_spec(layout), ensure_ascii=False)
    stamp = now_text()
    with db.atomic():
        if layout.id is not None:
            clash = db.execute("SELECT id FROM export_layout WHERE kind = ? AND name = ? AND id != ?",
                               [layout.kind, layout.name, layout.id]).fetchone()
            if clash:
                raise ValidationError(f"已经有名为“{layout.name}”的导出格式。", "name")
            audit.update(db, "export_layout", layout.id, {"name": layout.name, "spec": spec, "updated_at": stamp})
            return layout.id
        row = db.execute("SELECT id FROM export_layout WHERE kind = ? AND name = ?", [layout.kind, layout.name]).fetchone()
        if row:
            audit.update(db, "export_layout", row[0], {"spec": spec, "updated_at": stamp})
            return row[0]
        return audit.insert(db, "export_layout", {"kind": layout.kind, "name": layout.name, "spec": spec,
                                                  "created_at": stamp, "updated_at": stamp})


def delete_layout(db: Db, layout_id: int) -> None:
    audit.delete(db, "export_layout", layout_id)


def layout_to_json(layout: ExportLayout) -> str:
    return json.dumps({"format": LAYOUT_FILE_FORMAT, "version": 1, "kind": layout.kind, "name": layout.name,
                       **_spec(layout)}, ensure_ascii=False, indent=2)


def layout_from_json(text: str) -> ExportLayout:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError("这不是导出格式文件（内容不是有效的 JSON）。") from None
    if not isinstance(data, dict) or data.get("format") != LAYOUT_FILE_FORMAT:
        raise ValidationError("这不是本程序的导出格式文件。")
    return validate_layout(_from_spec(str(data.get("name") or ""), data, str(data.get("kind") or "roster")))


def write_layout_file(layout: ExportLayout, path: str | os.PathLike) -> Path:
    path = Path(path)
    try:
        path.write_text(layout_to_json(layout), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"无法写出导出格式文件“{path}”：{exc}。") from exc
    return path


def read_layout_file(path: str | os.PathLike) -> ExportLayout:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"无法读取导出格式文件“{path}”：{exc}。") from exc
    try:
        return layout_from_json(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValidationError("这不是本程序的导出格式文件。") from None


# Reading the roster ------------------------------------------------------------------------------

_ROSTER_SQL = """
SELECT p.name, p.gender, p.ethnicity, p.birth_date, p.id_number, p.education, p.native_place,
       m.join_date, m.full_date, m.category, m.person_type, m.status,
       CASE WHEN c.kind = 'community' THEN c.name END, b.name, g.name, gr.name,
       m.work_unit, p.phone, p.address, m.note
FROM member m
JOIN person p ON p.id = m.person_id
JOIN org_unit b ON b.id = m.branch_id
LEFT JOIN org_unit c ON c.id = b.parent_id
LEFT JOIN org_unit g ON g.id = m.party_group_id
LEFT JOIN grid gr ON gr.id = m.grid_id
"""
_ROSTER_ORDER = " ORDER BY (c.kind = 'community') DESC, c.sort_order, c.id, b.sort_order, b.id, g.sort_order, p.name_pinyin, m.id"
_ROW_KEYS = ("name", "gender", "ethnicity", "birth_date", "id_number", "education", "native_place", "join_date",
             "full_date", "category", "person_type", "status", "community", "branch", "party_group", "grid",
             "work_unit", "phone", "address", "note")


def roster_rows(db: Db, member_ids: Sequence[int] | None = None) -> list[tuple]:
    """The roster's stored values in export order (tuples in _ROW_KEYS order)."""
    if member_ids is None:
        return db.execute(_ROSTER_SQL + _ROSTER_ORDER).fetchall()
    return db.execute(_ROSTER_SQL + " WHERE m.id IN (SELECT value FROM json_each(?))" + _ROSTER_ORDER,
                      [json.dumps(list(member_ids))]).fetchall()


def roster_count(db: Db) -> int:
    """How many members a whole-roster export holds."""
    return db.execute("SELECT count(*) FROM member").fetchone()[0]


def _years_between(start: dt.date, on: dt.date) -> int:
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


_INDEX = {key: i for i, key in enumerate(_ROW_KEYS)}


def _converter(col: LayoutColumn, masked: bool, on: dt.date) -> Callable[[tuple, int], Any]:
    """A function giving this column's cell value for one roster row (a tuple in _ROW_KEYS order)."""
    kind = ROSTER_FIELDS[col.field][1]
    codes = col.codes
    key = col.field
    if key == "seq":
        return lambda row, n: n
    if key in ("age", "party_age"):
        source = _INDEX["birth_date" if key == "age" else "full_date"]
        return lambda row, n: _years_between(dt.date.fromisoformat(row[source]), on) if row[source] else None
    i = _INDEX[key]
    if kind == "date":
        parse = dt.date.fromisoformat
        return lambda row, n: parse(row[i]) if row[i] else None
    if kind == "id" and masked:
        return lambda row, n: idcard.mask(row[i]) or None
    if kind == "phone" and masked:
        return lambda row, n: idcard.mask_phone(row[i]) or None
    if codes:
        return lambda row, n: codes.get(row[i], row[i]) if row[i] is not None else None
    return lambda row, n: row[i]


def _display_width(value: Any) -> int:
    """Columns a value needs: CJK characters count double (as their GBK bytes do)."""
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    return len(str(value).encode("gbk", "replace"))


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    masked: bool
    layout: str

    def summary(self) -> str:
        return (f"已导出 {self.rows} 名党员到“{self.path}”（格式：{self.layout}，"
                f"{'身份证号和电话已隐去中间几位' if self.masked else '完整身份证号和电话'}）。")


def export_roster(db: Db, out: str | os.PathLike, layout: ExportLayout | None = None, masked: bool = True,
                  member_ids: Sequence[int] | None = None, on: dt.date | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> ExportResult:
    """Write the formatted 党员花名册: title, office and date, bold frozen header, fitted widths."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.cell_range import CellRange

    if not masked:
        from core import access

        access.require(db, "export_unmasked")
    layout = validate_layout(layout or default_layout())
    on = on or today()
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"导出文件名应以 .xlsx 结尾（现在是“{out.name}”）。")
    office = settings.get(db, "office_name")
    rows = roster_rows(db, member_ids)
    converters = [_converter(c, masked, on) for c in layout.columns]
    width = len(layout.columns)
    widths = [_display_width(c.header) for c in layout.columns]
    values_rows: list[list[Any]] = []
    total = len(rows)
    for n, raw in enumerate(rows, start=1):
        values_rows.append([convert(raw, n) for convert in converters])
        if n % 5000 == 0:
            if cancelled and cancelled():
                raise UserError("已取消导出。")
            if progress:
                progress(n, total)

    # Fitted widths: the widest value of each column, found among the longest texts.
    for i in range(width):
        longest = max((v for v in (r[i] for r in values_rows) if v is not None), key=lambda v: len(str(v)), default=None)
        widths[i] = max(widths[i], _display_width(longest))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员花名册")
    for i, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(w + 3, 6), 60)
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    title = WriteOnlyCell(sheet, value=layout.title or f"{office}党员花名册")
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet.append([title])
    sheet.append([f"单位：{office}    导出日期：{on.isoformat()}    共 {total} 人"
                  + ("" if masked else "    （含完整个人信息，请妥善保管）")])
    last = get_column_letter(width)
    if width > 1:
        sheet.merged_cells.add(CellRange(f"A1:{last}1"))
        sheet.merged_cells.add(CellRange(f"A2:{last}2"))
    bold = Font(bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    head = []
    for col in layout.columns:
        cell = WriteOnlyCell(sheet, value=col.header)
        cell.font = bold
        cell.alignment = center
        head.append(cell)
    sheet.append(head)
    for values in values_rows:
        sheet.append(values)
    sheet.auto_filter.ref = f"A3:{last}{total + 3}"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    try:
        workbook.save(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"无法写出文件“{out}”：{exc}。如果它正在 Excel 或 WPS 中打开，请先关闭后再导出。") from exc
    if not masked:
        from core import access

        access.record_unmasked_export(db, "roster", str(out), total)
    return ExportResult(out, total, masked, layout.name)


def import_kind_for_layout(layout: ExportLayout):
    """The roster import kind that also reads files in this layout (its headers and codes)."""
    from core.excel_import import Column, ImportKind, with_codes
    from core.roster_io import ROSTER

    by_field = {c.field: c for c in layout.columns}
    columns = []
    for col in ROSTER.columns:
        mine = by_field.get(col.key)
        if mine is None:
            columns.append(col)
            continue
        decode = {code: value for value, code in mine.codes.items()}
        columns.append(Column(col.key, col.label, (*col.aliases, mine.header), with_codes(col.parser, decode),
                              col.required))

    kind: ImportKind = type(ROSTER)()
    kind.columns = tuple(columns)
    return kind
