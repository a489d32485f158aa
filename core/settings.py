"""Office settings kept in the database, with the defaults of domain.md where nothing is stored."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from core import audit
from core.db import Db

# The seed city's numbers (domain.md): settings with these defaults, never constants in code.
DEFAULTS: dict[str, Any] = {
    "office_name": "城区街道党工委",
    "office_level": "street",  # street | community
    # The day this office began keeping its ledgers in the program (ISO date, "" = always): 三会一课
    # windows that closed before it are not counted as overdue. The first-run wizard sets it to that day.
    "records_start": "",
    # Last year's local minimum wage, yuan per month.
    "min_wage": 1950,
    # stars -> (base pay multiple of the minimum wage, yearly service-and-development fund in yuan)
    "star_table": {
        "1": {"pay_multiple": 1.7, "service_fund": 140000},
        "2": {"pay_multiple": 2.0, "service_fund": 150000},
        "3": {"pay_multiple": 2.3, "service_fund": 160000},
        "4": {"pay_multiple": 2.6, "service_fund": 170000},
        "5": {"pay_multiple": 3.0, "service_fund": 180000},
    },
    # Office funding: a floor plus an amount by resident households (upper bound exclusive).
    "office_funding": {
        "base": 50000,
        "bands": [
            {"below_households": 3000, "amount": 30000},
            {"below_households": 5001, "amount": 40000},
            {"below_households": None, "amount": 50000},
        ],
    },
    # 双报到 yearly service-hour thresholds.
    "dual_registration_member_hours": 6,
    "dual_registration_unit_hours": 12,
    # The roster warns this many days before a probation ends.
    "probation_warning_days": 30,
    # Roster table columns the user chose to hide (column keys of gui/roster_screen.py).
    "roster_hidden_columns": ["ethnicity", "birth_date", "native_place", "address", "note", "probation_due"],
    # 五必问 visits: a household not visited for this many days is listed as due.
    "visit_due_days": 180,
    # Special-group households (低保户, 独居老人 …) must be visited at least this often.
    "visit_special_interval_days": 30,
    # Problem time limits in hours by severity (seed city: 1 hour, 1 day, 1 week).
    "problem_deadline_hours": {"一般": 1, "重大": 24, "复杂": 168},
    # A problem is "due soon" when less than this share of its time limit remains.
    "problem_due_soon_fraction": 0.25,
    "problem_categories": ["矛盾纠纷", "物业管理", "生活困难", "就业帮扶", "养老服务", "环境卫生", "治安隐患",
                           "设施维修", "政策咨询", "其他"],
    # Automatic backups kept beside the database: the newest of each of so many days, weeks, months.
    "backup_keep_daily": 7,
    "backup_keep_weekly": 4,
    "backup_keep_monthly": 12,
    # Minutes without keyboard or mouse before the window locks (only when operators exist); 0 = never.
    "lock_idle_minutes": 10,
    # 评星定级: the lowest letter score (0-100) that earns each star count, highest first.
    "star_bands": [
        {"stars": 5, "min_score": 90},
        {"stars": 4, "min_score": 80},
        {"stars": 3, "min_score": 70},
        {"stars": 2, "min_score": 60},
        {"stars": 1, "min_score": 0},
    ],
    # The street's signatory on accountability letters (党工委书记).
    "street_secretary_name": "",
    "letter_preamble": (
        "为全面落实党建工作责任制，推动全面从严治党向基层延伸，根据街道党工委年度党建工作部署，"
        "经街道党工委与社区党组织共同商定，签订本责任书。社区党组织书记为本社区党建工作第一责任人，"
        "对下列目标任务作出承诺，街道党工委按目标逐项督促检查。"
    ),
    "letter_closing": (
        "一、本责任书目标任务实行量化考核，考核结果作为社区党组织书记述职评议和基层党组织评星定级的重要依据。\n"
        "二、街道党工委实行月调度、季检查、半年汇报、年末述职评议，对工作推进不力的进行约谈、通报，"
        "情节严重的按规定问责。\n"
        "三、本责任书一式两份，街道党工委和社区党组织各执一份，自签订之日起生效，有效期至当年12月31日。"
    ),
}

LABELS: dict[str, str] = {
    "office_name": "单位名称",
    "office_level": "单位层级",
    "records_start": "台账起始日期（此前已结束的三会一课期次不计逾期）",
    "min_wage": "上年度当地最低工资标准（元/月）",
    "star_table": "星级与待遇对照表",
    "office_funding": "办公经费标准",
    "dual_registration_member_hours": "双报到党员年度服务时长下限（小时）",
    "dual_registration_unit_hours": "双报到单位年度服务时长下限（小时）",
    "probation_warning_days": "预备期届满提前提醒天数",
    "roster_hidden_columns": "党员名册中隐藏的列",
    "visit_due_days": "住户超过多少天未走访列为待走访（天）",
    "visit_special_interval_days": "特殊群体住户走访间隔不超过（天）",
    "problem_deadline_hours": "问题处置时限（小时，按一般/重大/复杂）",
    "problem_due_soon_fraction": "剩余时限少于多少比例时提示即将超时",
    "problem_categories": "问题类别",
    "backup_keep_daily": "自动备份保留天数（每天一份）",
    "backup_keep_weekly": "自动备份保留周数（每周一份）",
    "backup_keep_monthly": "自动备份保留月数（每月一份）",
    "lock_idle_minutes": "无操作自动锁定（分钟，0 表示不锁定）",
    "star_bands": "责任书得分与星级对照",
    "street_secretary_name": "街道党工委书记姓名（责任书甲方签字人）",
    "letter_preamble": "责任书前言",
    "letter_closing": "责任书责任条款",
}


def get(db: Db, key: str) -> Any:
    row = db.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
    if row is None:
        if key not in DEFAULTS:
            raise KeyError(key)
        return json.loads(json.dumps(DEFAULTS[key]))  # a copy the caller may change
    return json.loads(row[0])


def set_value(db: Db, key: str, value: Any) -> None:
    """Store a setting (audited: the setting table is keyed by text, so the key goes in the values)."""
    text = json.dumps(value, ensure_ascii=False)
    with db.atomic():
        old = db.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
        if old is not None and old[0] == text:
            return
        db.execute("INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, text])
        audit._log(
            db, "setting", None, "update" if old else "insert",
            {"key": key, "value": json.loads(old[0])} if old else None, {"key": key, "value": value},
        )


def records_start(db: Db) -> dt.date | None:
    """The day ledgers began in the program, or None when every period counts."""
    value = get(db, "records_start")
    return dt.date.fromisoformat(value) if value else None


def all_settings(db: Db) -> dict[str, Any]:
    stored = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM setting").fetchall()}
    return {**json.loads(json.dumps(DEFAULTS)), **stored}


def validate(values: dict[str, Any]) -> None:
    """Refuse settings that would make later arithmetic wrong; messages say which field."""
    from core.errors import ValidationError

    if "office_name" in values and not str(values["office_name"]).strip():
        raise ValidationError("单位名称不能为空。", "office_name")
    if "office_level" in values and values["office_level"] not in ("street", "community"):
        raise ValidationError("单位层级只能是街道或社区。", "office_level")
    if values.get("records_start"):
        try:
            dt.date.fromisoformat(str(values["records_start"]))
        except ValueError:
            raise ValidationError("台账起始日期应为日期，例如 2026-12-01；不限则留空。", "records_start") from None
    if "min_wage" in values and not (0 < int(values["min_wage"]) < 100_000):
        raise ValidationError("最低工资标准应为大于 0 的月工资（元）。", "min_wage")
    for key in ("backup_keep_daily", "backup_keep_weekly", "backup_keep_monthly"):
        if key in values and not (1 <= int(values[key]) <= 366):
            raise ValidationError(f"{LABELS[key]}应在 1 到 366 之间。", key)
    if "lock_idle_minutes" in values and not (0 <= int(values["lock_idle_minutes"]) <= 24 * 60):
        raise ValidationError("自动锁定时间应在 0 到 1440 分钟之间（0 表示不锁定）。", "lock_idle_minutes")
    if "star_table" in values:
        table = values["star_table"]
        if sorted(table) != ["1", "2", "3", "4", "5"]:
            raise ValidationError("星级对照表必须有一至五星五行。", "star_table")
        multiples = [table[str(n)]["pay_multiple"] for n in range(1, 6)]
        if any(m <= 0 for m in multiples):
            raise ValidationError("基本报酬倍数必须大于 0。", "star_table")
        if multiples != sorted(multiples):
            raise ValidationError("星级越高，基本报酬倍数应不低于低一星级。请检查对照表。", "star_table")
    if "star_bands" in values:
        bands = values["star_bands"]
        if sorted(int(b["stars"]) for b in bands) != [1, 2, 3, 4, 5]:
            raise ValidationError("得分与星级对照必须有一至五星各一行。", "star_bands")
        ordered = sorted(bands, key=lambda b: -int(b["stars"]))
        scores = [float(b["min_score"]) for b in ordered]
        if any(not 0 <= s <= 100 for s in scores):
            raise ValidationError("星级分数线应在 0 到 100 之间。", "star_bands")
        if scores != sorted(scores, reverse=True) or len(set(scores)) != 5:
            raise ValidationError("星级越高，分数线应越高（五星最高）。请检查对照表。", "star_bands")


def save_many(db: Db, values: dict[str, Any]) -> None:
    """Validate all, then write all in one transaction (管理员 only once login is on)."""
    from core import access

    access.require(db, "settings")
    validate(values)
    with db.atomic():
        for key, value in values.items():
            set_value(db, key, value)
