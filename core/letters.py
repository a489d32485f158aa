"""Accountability letters (党建工作责任书): the street's template, a letter per community and year, measured progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core import audit, measures, orgs, settings
from core.clock import now_text
from core.db import Db
from core.errors import NotFoundError, UserError, ValidationError

DIRECTIONS = {"at_least": "不少于", "at_most": "不超过"}
ITEM_FIELDS = ("category", "task", "standard", "target", "unit", "weight", "measure_code", "direction", "capped")


@dataclass(frozen=True)
class TemplateItem:
    id: int
    sort_order: int
    category: str
    task: str
    standard: str
    target: float
    unit: str
    weight: float
    measure_code: str
    direction: str
    capped: bool


@dataclass(frozen=True)
class Letter:
    id: int
    community_id: int
    community_name: str
    year: int
    street_party: str
    street_signer: str
    secretary_person_id: int | None
    secretary_name: str  # the person's name when a person is linked, else the typed name
    signed_date: str | None
    preamble: str
    closing: str

    @property
    def signed(self) -> bool:
        return bool(self.signed_date)


@dataclass(frozen=True)
class LetterItem:
    id: int
    letter_id: int
    sort_order: int
    category: str
    task: str
    standard: str
    target: float
    unit: str
    weight: float
    measure_code: str
    direction: str
    capped: bool

    @property
    def is_manual(self) -> bool:
        found = measures.get(self.measure_code)
        return found is None or found.is_manual

    @property
    def target_text(self) -> str:
        return f"{DIRECTIONS[self.direction]} {format_number(self.target)}{self.unit}"


@dataclass(frozen=True)
class ManualEntry:
    id: int
    item_id: int
    as_of: str
    value: float
    note: str
    entered_by: str
    entered_at: str


@dataclass(frozen=True)
class ItemProgress:
    item: LetterItem
    measured: float | None  # None: no record yet (manual item never entered, rate without a base)
    progress: float  # share of the target reached, 0..1 (may exceed 1 when the item is not capped)
    points: float  # weight × progress
    source: str  # where the value came from, for the screen and the PDF


@dataclass(frozen=True)
class LetterProgress:
    letter: Letter
    as_of: dt.date
    items: tuple[ItemProgress, ...]
    total_weight: float
    points: float

    @property
    def score(self) -> float:
        """The letter's score on a 100-point scale, whatever the weights add up to."""
        if self.total_weight <= 0:
            return 0.0
        return round(100.0 * self.points / self.total_weight, 1)


@dataclass(frozen=True)
class ApplyResult:
    created: int
    replaced: int
    skipped_signed: tuple[str, ...]  # community names whose signed letters were left alone


def format_number(value: float | None) -> str:
    """1.0 -> '1', 95.5 -> '95.5'; None -> '—'."""
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".rstrip("0").rstrip(".")


# Template ---------------------------------------------------------------------------------------

# The street's usual items; a measure code not registered (its area not installed) becomes manual.
DEFAULT_ITEMS: tuple[dict[str, Any], ...] = (
    {"category": "组织建设", "task": "按期召开支部委员会会议", "standard": "每月至少召开 1 次，有记录", "target": 12,
     "unit": "次", "weight": 10, "measure_code": "meetings_committee"},
    {"category": "组织建设", "task": "按期召开支部党员大会", "standard": "每季度至少召开 1 次", "target": 4,
     "unit": "次", "weight": 8, "measure_code": "meetings_general"},
    {"category": "组织建设", "task": "上党课", "standard": "每季度至少 1 次，书记每年至少讲 1 次", "target": 4,
     "unit": "次", "weight": 8, "measure_code": "meetings_lesson"},
    {"category": "组织建设", "task": "开展主题党日活动", "standard": "每月固定开展", "target": 12,
     "unit": "次", "weight": 6, "measure_code": "meetings_theme_day"},
    {"category": "组织建设", "task": "组织生活参会率", "standard": "党员参加组织生活的出席率", "target": 90,
     "unit": "%", "weight": 8, "measure_code": "meetings_attendance_rate"},
    {"category": "队伍建设", "task": "党员编入网格", "standard": "在册党员全部编入网格、参与网格服务", "target": 100,
     "unit": "%", "weight": 6, "measure_code": "members_in_grid_rate"},
    {"category": "队伍建设", "task": "发展党员", "standard": "按计划发展党员，程序规范", "target": 2,
     "unit": "人", "weight": 6, "measure_code": "members_joined"},
    {"category": "服务群众", "task": "五必问入户走访覆盖", "standard": "包片干部对辖区住户走访全覆盖", "target": 100,
     "unit": "%", "weight": 12, "measure_code": "visits_coverage"},
    {"category": "服务群众", "task": "群众问题按时办结", "standard": "一般问题 1 小时、重大问题 1 天内办结", "target": 95,
     "unit": "%", "weight": 12, "measure_code": "problems_closed_on_time_rate"},
    {"category": "服务群众", "task": "志愿服务时长", "standard": "志愿服务队全年累计服务时长", "target": 2000,
     "unit": "小时", "weight": 8, "measure_code": "volunteer_hours"},
    {"category": "服务群众", "task": "在职党员双报到服务达标", "standard": "每名报到党员全年服务不少于规定时长",
     "target": 100, "unit": "%", "weight": 8, "measure_code": "dual_registration_member_rate"},
    {"category": "阵地建设", "task": "党群服务中心规范化建设", "standard": "功能齐全、设施完备，按标准挂牌", "target": 1,
     "unit": "项", "weight": 8, "measure_code": measures.MANUAL},
)

_TEMPLATE_COLUMNS = "id, sort_order, category, task, standard, target, unit, weight, measure_code, direction, capped"


def _template_item(row: tuple) -> TemplateItem:
    return TemplateItem(*row[:10], bool(row[10]))


def template_items(db: Db) -> list[TemplateItem]:
    rows = db.execute(f"SELECT {_TEMPLATE_COLUMNS} FROM letter_template_item ORDER BY sort_order, id").fetchall()
    return [_template_item(r) for r in rows]


def validate_item(values: dict[str, Any]) -> dict[str, Any]:
    """Check one item's fields (template or letter); returns the cleaned values."""
    out = {k: values.get(k) for k in ITEM_FIELDS}
    out["category"] = (out["category"] or "").strip()
    out["task"] = (out["task"] or "").strip()
    out["standard"] = (out["standard"] or "").strip()
    out["unit"] = (out["unit"] or "").strip()
    if not out["task"]:
        raise ValidationError("请填写目标任务。", "task")
    if len(out["task"]) > 200:
        raise ValidationError("目标任务太长（超过 200 个字），请精简或把细则写在“标准”里。", "task")
    for key, label in (("target", "目标值"), ("weight", "分值")):
        try:
            out[key] = float(out[key])
        except (TypeError, ValueError):
            raise ValidationError(f"{label}“{values.get(key)}”不是数字。", key) from None
    if out["target"] < 0:
        raise ValidationError("目标值不能小于 0。", "target")
    if out["weight"] <= 0 or out["weight"] > 100:
        raise ValidationError("分值应大于 0、不超过 100。", "weight")
    code = out["measure_code"] or measures.MANUAL
    if measures.get(code) is None:
        raise ValidationError(f"未知的考核方式“{code}”，请从列表中选择。", "measure_code")
    out["measure_code"] = code
    out["direction"] = out["direction"] or "at_least"
    if out["direction"] not in DIRECTIONS:
        raise ValidationError("目标方向只能是“不少于”或“不超过”。", "direction")
    if out["direction"] == "at_least" and out["target"] == 0:
        raise ValidationError("“不少于”的目标值应大于 0。", "target")
    out["capped"] = 1 if out["capped"] in (None, True, 1, "1") else 0
    return out


def add_template_item(db: Db, **values: Any) -> int:
    row = validate_item(values)
    order = db.execute("SELECT coalesce(max(sort_order), 0) + 1 FROM letter_template_item").fetchone()[0]
    return audit.insert(db, "letter_template_item", {**row, "sort_order": order, "created_at": now_text()})


def update_template_item(db: Db, item_id: int, **changes: Any) -> None:
    current = _get_template_item(db, item_id)
    merged = {k: getattr(current, k) for k in ITEM_FIELDS}
    merged.update(changes)
    audit.update(db, "letter_template_item", item_id, validate_item(merged))


def delete_template_item(db: Db, item_id: int) -> None:
    _get_template_item(db, item_id)
    audit.delete(db, "letter_template_item", item_id)


def move_template_item(db: Db, item_id: int, offset: int) -> None:
    """Move an item up (offset -1) or down (+1) in the template's order."""
    items = template_items(db)
    ids = [i.id for i in items]
    if item_id not in ids:
        raise NotFoundError("要移动的模板条目不存在，请刷新后重试。")
    index = ids.index(item_id)
    target = index + offset
    if not 0 <= target < len(ids):
        return
    ids[index], ids[target] = ids[target], ids[index]
    with db.atomic():
        for order, iid in enumerate(ids, start=1):
            audit.update(db, "letter_template_item", iid, {"sort_order": order})


def _get_template_item(db: Db, item_id: int) -> TemplateItem:
    row = db.execute(f"SELECT {_TEMPLATE_COLUMNS} FROM letter_template_item WHERE id = ?", [item_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到模板条目 #{item_id}，可能已被删除。")
    return _template_item(row)


def load_default_template(db: Db) -> int:
    """Fill an empty template with the street's usual items; returns how many were added."""
    if template_items(db):
        raise UserError("模板中已经有条目。要重新载入默认条目，请先删除现有条目。")
    with db.atomic():
        for values in DEFAULT_ITEMS:
            code = values["measure_code"] if measures.get(values["measure_code"]) else measures.MANUAL
            add_template_item(db, **{**values, "measure_code": code})
    return len(DEFAULT_ITEMS)


def template_total_weight(db: Db) -> float:
    return float(db.execute("SELECT coalesce(sum(weight), 0) FROM letter_template_item").fetchone()[0])


# Letters ----------------------------------------------------------------------------------------

_LETTER_SQL = """
SELECT l.id, l.community_id, o.name, l.year, l.street_party, l.street_signer, l.secretary_person_id,
       coalesce(p.name, l.secretary_name), l.signed_date, l.preamble, l.closing
FROM accountability_letter l
JOIN org_unit o ON o.id = l.community_id
LEFT JOIN person p ON p.id = l.secretary_person_id
"""


def get_letter(db: Db, letter_id: int) -> Letter:
    row = db.execute(_LETTER_SQL + " WHERE l.id = ?", [letter_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到责任书 #{letter_id}，可能已被删除。")
    return Letter(*row)


def find_letter(db: Db, community_id: int, year: int) -> Letter | None:
    row = db.execute(_LETTER_SQL + " WHERE l.community_id = ? AND l.year = ?", [community_id, year]).fetchone()
    return Letter(*row) if row else None


def list_letters(db: Db, year: int) -> list[Letter]:
    """The year's letters in the order of the communities in the tree."""
    rows = db.execute(_LETTER_SQL + " WHERE l.year = ? ORDER BY o.sort_order, o.id", [year]).fetchall()
    return [Letter(*r) for r in rows]


def letter_years(db: Db) -> list[int]:
    return [r[0] for r in db.execute("SELECT DISTINCT year FROM accountability_letter ORDER BY year DESC")]


_ITEM_COLUMNS = "id, letter_id, sort_order, category, task, standard, target, unit, weight, measure_code, direction, capped"


def _letter_item(row: tuple) -> LetterItem:
    return LetterItem(*row[:11], bool(row[11]))


def letter_items(db: Db, letter_id: int) -> list[LetterItem]:
    rows = db.execute(
        f"SELECT {_ITEM_COLUMNS} FROM letter_item WHERE letter_id = ? ORDER BY sort_order, id", [letter_id]
    ).fetchall()
    return [_letter_item(r) for r in rows]


def get_item(db: Db, item_id: int) -> LetterItem:
    row = db.execute(f"SELECT {_ITEM_COLUMNS} FROM letter_item WHERE id = ?", [item_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到责任书条目 #{item_id}，可能已被删除。")
    return _letter_item(row)


def _check_year(year: int) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError(f"年度“{year}”不是有效年份。", "year") from None
    if not 2000 <= year <= 2100:
        raise ValidationError(f"年度 {year} 不在合理范围（2000—2100）内。", "year")
    return year


def _communities(db: Db, community_ids: list[int] | None) -> list[orgs.OrgUnit]:
    units = orgs.list_units(db, kind="community")
    if community_ids is not None:
        wanted = set(community_ids)
        units = [u for u in units if u.id in wanted]
    return units


def _insert_items(db: Db, letter_id: int, items: list[TemplateItem]) -> None:
    for order, item in enumerate(items, start=1):
        audit.insert(db, "letter_item", {
            "letter_id": letter_id, "sort_order": order,
            **{k: (int(getattr(item, k)) if k == "capped" else getattr(item, k)) for k in ITEM_FIELDS},
        })


def _delete_items(db: Db, letter_id: int) -> None:
    for item in letter_items(db, letter_id):
        for entry in manual_entries(db, item.id):
            audit.delete(db, "letter_manual_entry", entry.id)
        audit.delete(db, "letter_item", item.id)


def apply_template(db: Db, year: int, community_ids: list[int] | None = None, replace_unsigned: bool = False) -> ApplyResult:
    """Create the year's letter for each community from the template.

    Communities that already have a letter keep it, unless replace_unsigned is set: then an unsigned
    letter gets the template's items again (its manual entries go with the old items). Signed letters
    are never changed here.
    """
    year = _check_year(year)
    items = template_items(db)
    if not items:
        raise UserError("责任书模板还没有条目。请先在“模板”页添加条目（或载入默认条目），再生成责任书。")
    communities = _communities(db, community_ids)
    if not communities:
        raise UserError("还没有社区。请先在“设置 → 组织机构”中建立社区党组织。")
    created = replaced = 0
    skipped: list[str] = []
    stamp = now_text()
    street = orgs.street(db)
    party = street.name if street else settings.get(db, "office_name")
    signer = settings.get(db, "street_secretary_name")
    with db.atomic():
        for unit in communities:
            existing = find_letter(db, unit.id, year)
            if existing is None:
                letter_id = audit.insert(db, "accountability_letter", {
                    "community_id": unit.id, "year": year, "street_party": party, "street_signer": signer,
                    "secretary_person_id": None, "secretary_name": "", "signed_date": None,
                    "preamble": settings.get(db, "letter_preamble"), "closing": settings.get(db, "letter_closing"),
                    "created_at": stamp, "updated_at": stamp,
                })
                _insert_items(db, letter_id, items)
                created += 1
            elif existing.signed:
                skipped.append(unit.name)
            elif replace_unsigned:
                _delete_items(db, existing.id)
                _insert_items(db, existing.id, items)
                audit.update(db, "accountability_letter", existing.id, {
                    "preamble": settings.get(db, "letter_preamble"), "closing": settings.get(db, "letter_closing"),
                    "updated_at": stamp,
                })
                replaced += 1
    return ApplyResult(created, replaced, tuple(skipped))


def _check_date_in_year(value: str | dt.date | None, year: int, label: str, key: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"{label}“{value}”不是有效日期，请写成 {year}-01-15 这样的形式。", key) from None
    if day.year not in (year - 1, year):
        raise ValidationError(f"{label}应在 {year} 年度内（或上年末提前签订）。", key)
    return day.isoformat()


def update_letter(db: Db, letter_id: int, **changes: Any) -> None:
    """Change the parties, signing date or texts of a letter.

    secretary_person_id links a person (their name then follows the person); secretary_name is a
    typed name used when no person is linked.
    """
    letter = get_letter(db, letter_id)
    allowed = {"street_party", "street_signer", "secretary_person_id", "secretary_name", "signed_date", "preamble", "closing"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown letter fields: {sorted(unknown)}")
    row: dict[str, Any] = {}
    for key in ("street_party", "street_signer", "secretary_name", "preamble", "closing"):
        if key in changes:
            row[key] = (changes[key] or "").strip()
    if "street_party" in row and not row["street_party"]:
        raise ValidationError("甲方（街道党组织名称）不能为空。", "street_party")
    if "secretary_person_id" in changes:
        person_id = changes["secretary_person_id"]
        if person_id is not None:
            if not db.execute("SELECT 1 FROM person WHERE id = ?", [person_id]).fetchone():
                raise ValidationError("所选的社区党组织书记不在人员库中，请重新选择。", "secretary_person_id")
        row["secretary_person_id"] = person_id
    if "signed_date" in changes:
        row["signed_date"] = _check_date_in_year(changes["signed_date"], letter.year, "签订日期", "signed_date")
    signed_date = row.get("signed_date", letter.signed_date)
    if signed_date:
        person_id = row.get("secretary_person_id", letter.secretary_person_id)
        typed = row.get("secretary_name")
        if typed is None:
            typed = db.execute("SELECT secretary_name FROM accountability_letter WHERE id = ?", [letter_id]).fetchone()[0]
        if person_id is None and not typed:
            raise ValidationError("签订前请先填写乙方社区党组织书记（选择人员或输入姓名）。", "secretary_name")
        if not row.get("street_signer", letter.street_signer):
            raise ValidationError("签订前请先填写甲方签字人（街道党工委书记）。", "street_signer")
    row["updated_at"] = now_text()
    audit.update(db, "accountability_letter", letter_id, row)


def sign_letter(db: Db, letter_id: int, signed_date: str | dt.date, secretary_name: str | None = None,
                secretary_person_id: int | None = None, street_signer: str | None = None) -> None:
    """Record the signing: both parties' names and the date."""
    changes: dict[str, Any] = {"signed_date": signed_date}
    if secretary_person_id is not None:
        changes["secretary_person_id"] = secretary_person_id
    if secretary_name is not None:
        changes["secretary_name"] = secretary_name
    if street_signer is not None:
        changes["street_signer"] = street_signer
    if not signed_date:
        raise ValidationError("请填写签订日期。", "signed_date")
    update_letter(db, letter_id, **changes)


def delete_letter(db: Db, letter_id: int) -> None:
    letter = get_letter(db, letter_id)
    if letter.signed:
        raise UserError(f"{letter.community_name} {letter.year} 年的责任书已签订，不能删除。如需作废，请先清除签订日期。")
    with db.atomic():
        _delete_items(db, letter_id)
        audit.delete(db, "accountability_letter", letter_id)


def update_item(db: Db, item_id: int, **changes: Any) -> None:
    """Change one item of a letter (its target, weight or measure); a signed letter's items are fixed."""
    item = get_item(db, item_id)
    if get_letter(db, item.letter_id).signed:
        raise UserError("该责任书已签订，条目不能再修改。如确需调整，请先清除签订日期。")
    merged = {k: getattr(item, k) for k in ITEM_FIELDS}
    merged.update(changes)
    audit.update(db, "letter_item", item_id, validate_item(merged))


# Manual entries --------------------------------------------------------------------------------

def manual_entries(db: Db, item_id: int) -> list[ManualEntry]:
    rows = db.execute(
        "SELECT id, item_id, as_of, value, note, entered_by, entered_at FROM letter_manual_entry "
        "WHERE item_id = ? ORDER BY as_of DESC, id DESC", [item_id],
    ).fetchall()
    return [ManualEntry(*r) for r in rows]


def add_manual_entry(db: Db, item_id: int, value: float | str, as_of: str | dt.date, note: str = "") -> int:
    """Record the value a manual item has reached as of a date (the latest entry on or before a date counts)."""
    item = get_item(db, item_id)
    letter = get_letter(db, item.letter_id)
    if not item.is_manual:
        raise ValidationError(f"“{item.task}”由系统按{measures.label(item.measure_code)}自动统计，不需要手工录入。")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValidationError(f"完成值“{value}”不是数字。", "value") from None
    if number < 0:
        raise ValidationError("完成值不能小于 0。", "value")
    try:
        day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise ValidationError(f"统计日期“{as_of}”不是有效日期，请写成 {letter.year}-06-30 这样的形式。", "as_of") from None
    if day.year != letter.year:
        raise ValidationError(f"统计日期应在责任书年度 {letter.year} 年内。", "as_of")
    return audit.insert(db, "letter_manual_entry", {
        "item_id": item_id, "as_of": day.isoformat(), "value": number, "note": (note or "").strip(),
        "entered_by": db.operator or "unknown", "entered_at": now_text(),
    })


def delete_manual_entry(db: Db, entry_id: int) -> None:
    audit.delete(db, "letter_manual_entry", entry_id)


# Progress ---------------------------------------------------------------------------------------

def progress_of(item: LetterItem, measured: float | None) -> float:
    """Share of the target reached: at_least -> measured / target; at_most -> 1 while within the limit."""
    if measured is None:
        return 0.0
    if item.direction == "at_most":
        if measured <= item.target:
            return 1.0
        return item.target / measured if item.target > 0 else 0.0
    share = measured / item.target if item.target > 0 else 1.0
    return min(share, 1.0) if item.capped else share


def _manual_value(db: Db, item_id: int, as_of: dt.date) -> tuple[float | None, str]:
    row = db.execute(
        "SELECT value, as_of, entered_by FROM letter_manual_entry WHERE item_id = ? AND as_of <= ? "
        "ORDER BY as_of DESC, id DESC LIMIT 1", [item_id, as_of.isoformat()],
    ).fetchone()
    if row is None:
        return None, "手工录入：尚未录入"
    return float(row[0]), f"手工录入：{row[1]} {row[2]}"


def item_progress(db: Db, letter: Letter, item: LetterItem, as_of: dt.date) -> ItemProgress:
    if item.is_manual:
        measured, source = _manual_value(db, item.id, as_of)
    else:
        measured = measures.measure_value(db, item.measure_code, letter.community_id, letter.year, as_of)
        source = f"系统统计：{measures.label(item.measure_code)}"
    progress = progress_of(item, measured)
    return ItemProgress(item, measured, progress, round(item.weight * progress, 2), source)


def letter_progress(db: Db, letter_id: int, as_of: dt.date | None = None) -> LetterProgress:
    """Each item's measured value and progress, and the weighted score, counting records up to as_of."""
    letter = get_letter(db, letter_id)
    as_of = as_of or dt.date.today()
    items = tuple(item_progress(db, letter, item, as_of) for item in letter_items(db, letter_id))
    total = sum(p.item.weight for p in items)
    points = sum(p.item.weight * p.progress for p in items)
    return LetterProgress(letter, as_of, items, total, points)


def year_progress(db: Db, year: int, as_of: dt.date | None = None) -> list[LetterProgress]:
    """Progress of every letter of a year, in community order."""
    return [letter_progress(db, letter.id, as_of) for letter in list_letters(db, year)]


def default_as_of(year: int, today: dt.date | None = None) -> dt.date:
    """The date progress is read at: today within the year, else the year's last day."""
    today = today or dt.date.today()
    return min(today, dt.date(year, 12, 31)) if today.year >= year else dt.date(year, 1, 1)


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    branch_name: str


def secretary_candidates(db: Db, community_id: int) -> list[Candidate]:
    """Full members of the community's branches, the people a secretary is picked from (by pinyin)."""
    rows = db.execute(
        f"""SELECT p.id, p.name, b.name FROM member m JOIN person p ON p.id = m.person_id
           JOIN org_unit b ON b.id = m.branch_id
           WHERE b.parent_id = ? AND m.category = '正式党员' AND m.{measures.ON_ROSTER_SQL}
           ORDER BY p.name_pinyin, p.id LIMIT 2000""",
        [community_id],
    ).fetchall()
    return [Candidate(*r) for r in rows]
