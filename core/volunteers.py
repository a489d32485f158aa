"""Volunteer teams, activities and service hours, and 在职党员双报到 (registered members and co-building units).

Rules (domain.md, 志愿服务队 and 双报到):

- A volunteer is a person (table person) with a volunteer row (skills); one person is one volunteer
  however many teams they are in. Team membership has join and leave dates.
- Hours are integer minutes everywhere (`hours_text`, `hours_decimal` and `minutes_from_hours`
  convert for people; never floats). A participant's minutes default to the activity's length and
  may be less (partial participation), never more.
- One person cannot serve more time than passes: when a person's activities on one day overlap,
  the minutes recorded for the overlapping block may not exceed the block's length.
- Team members active on the activity date (joined on or before it, not left before it) are ticked
  by default; former members are not.
- A participation counts once for the person (one row per activity and person, even when the
  person is in two of the activity's teams). It is credited to one team: the first of the
  activity's teams the person belongs to on that date, else the activity's first team.
  Community totals count the activity's community; year totals use the activity's date.
- 双报到: an in-service (在职) member registers with the community they live in. Their hours in a
  year are the minutes they served in activities of that community. A co-building unit (共建单位)
  registers with a community; its hours are the lengths of the activities it took part in, each
  activity counted once however many of its people came. Thresholds are the settings
  dual_registration_member_hours and dual_registration_unit_hours (hours per year).

Functions other areas call (letters, dashboard, monthly report), all read-only:

- `community_minutes(db, year) -> dict[int, int]`: community id -> minutes served in the year
  (every community present, 0 when nothing was served).
- `community_totals(db, year) -> list[CommunityTotal]`: the same with activity and volunteer counts;
  `month_totals(db, "YYYY-MM")` and `community_totals_between(db, first_day, last_day)` for other periods
  (the monthly report).
- `person_totals(db, year, community_id=None)`, `team_totals(db, year, community_id=None)`:
  rankings, most minutes first.
- `member_progress(db, year, community_id=None, as_of=None) -> list[MemberProgress]` and
  `unit_progress(...) -> list[UnitProgress]`: every registered member / unit with minutes served,
  threshold, shortfall and months left; `below_threshold_members` / `below_threshold_units` keep
  those short of their threshold, largest shortfall first.
- `dual_summary(db, year, community_id=None) -> DualSummary`: how many registered members and
  units met their thresholds (for a letter item such as "双报到党员服务时长达标率").
- For the letters' measures (db, community_id, year, as_of): `community_minutes_until` (minutes; the
  measure volunteer_hours is `hours_decimal(...)` of it) and `dual_member_rate` (percent as a Decimal,
  None when nobody registered; the measure dual_registration_member_rate).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Iterable

from core import audit, orgs, persons, settings
from core.clock import now_text, today
from core.db import Db
from core.errors import NotFoundError, ValidationError

MINUTES_PER_HOUR = 60
_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


# Hours arithmetic ---------------------------------------------------------------------------------

def hours_decimal(minutes: int) -> Decimal:
    """Minutes as hours, two decimals (half up): 90 -> Decimal('1.50')."""
    return (Decimal(minutes) / MINUTES_PER_HOUR).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def hours_text(minutes: int) -> str:
    """Minutes as hours for people, without trailing zeros: 90 -> '1.5', 120 -> '2', 20 -> '0.33'."""
    text = f"{hours_decimal(minutes):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def minutes_from_hours(value: object, field: str = "hours") -> int:
    """Hours as typed (text, int, Decimal; a float is read through its text) to whole minutes."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationError("请填写服务时长（小时）。", field)
    text = str(value).strip().replace("小时", "").replace("h", "").strip()
    try:
        hours = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"服务时长“{value}”不是数字，请写成 2 或 1.5 这样的小时数。", field) from None
    if not hours.is_finite() or hours < 0:
        raise ValidationError(f"服务时长“{value}”不能为负数。", field)
    return int((hours * MINUTES_PER_HOUR).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _time_minutes(text: str) -> int:
    hour, minute = text.split(":")
    return int(hour) * 60 + int(minute)


def clean_time(value: object, label: str, field: str) -> str:
    """'8:30', '08:30', '8：30' or a datetime.time -> '08:30'."""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    match = _TIME.match(str(value or "").strip())
    if not match:
        raise ValidationError(f"{label}“{value or ''}”不是有效时间，请写成 09:00 这样的形式。", field)
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def clean_date(value: object, label: str, field: str, required: bool = True) -> str | None:
    if value in (None, ""):
        if required:
            raise ValidationError(f"请填写{label}。", field)
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValidationError(f"{label}“{value}”不是有效日期，请写成 2024-03-05 这样的形式。", field) from None


def _text(value: object, limit: int, label: str, field: str, required: bool = False) -> str | None:
    text = str(value or "").strip()
    if not text:
        if required:
            raise ValidationError(f"请填写{label}。", field)
        return None
    if len(text) > limit:
        raise ValidationError(f"{label}太长（超过 {limit} 个字），请精简。", field)
    return text


def _community(db: Db, community_id: int | None, field: str = "community_id") -> int:
    if not community_id:
        raise ValidationError("请选择社区。", field)
    if orgs.get_unit(db, community_id).kind != "community":
        raise ValidationError("请选择一个社区（社区党委）。", field)
    return community_id


# Records ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TeamKind:
    id: int
    name: str


@dataclass(frozen=True)
class Volunteer:
    id: int
    person_id: int
    name: str
    gender: str | None
    phone: str | None
    id_number: str | None
    skills: str | None
    note: str | None
    member_id: int | None  # set when the person is a party member

    @property
    def is_member(self) -> bool:
        return self.member_id is not None


@dataclass(frozen=True)
class PersonHit:
    """A person found by name, pinyin, initials or phone, with the roles that matter here."""

    person_id: int
    name: str
    gender: str | None
    phone: str | None
    member_id: int | None
    volunteer_id: int | None
    address: str | None


@dataclass(frozen=True)
class Team:
    id: int
    community_id: int
    community_name: str
    name: str
    kind_id: int
    kind_name: str
    leader_volunteer_id: int | None
    leader_name: str | None
    founded_date: str | None
    note: str | None
    active_members: int


@dataclass(frozen=True)
class TeamMember:
    id: int  # the membership row
    team_id: int
    volunteer_id: int
    person_id: int
    name: str
    phone: str | None
    is_member: bool
    skills: str | None
    join_date: str
    leave_date: str | None

    def active_on(self, day: str) -> bool:
        return self.join_date <= day and (self.leave_date is None or self.leave_date >= day)


@dataclass(frozen=True)
class Activity:
    id: int
    community_id: int
    community_name: str
    date: str
    start_time: str
    end_time: str
    place: str | None
    content: str
    note: str | None
    team_ids: tuple[int, ...]
    team_names: tuple[str, ...]
    unit_ids: tuple[int, ...]
    unit_names: tuple[str, ...]
    participant_count: int
    total_minutes: int

    @property
    def length_minutes(self) -> int:
        return _time_minutes(self.end_time) - _time_minutes(self.start_time)


@dataclass(frozen=True)
class Participation:
    id: int
    activity_id: int
    volunteer_id: int
    person_id: int
    name: str
    team_id: int | None
    team_name: str | None
    minutes: int


@dataclass(frozen=True)
class ParticipantInput:
    """One participant as a form or an import gives it: minutes None means the activity's length."""

    person_id: int
    minutes: int | None = None


@dataclass(frozen=True)
class ActivityInput:
    community_id: int | None
    date: object
    start_time: object
    end_time: object
    content: str
    place: str | None = None
    team_ids: tuple[int, ...] = ()
    unit_ids: tuple[int, ...] = ()
    participants: tuple[ParticipantInput, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class RosterEntry:
    """A team member offered on the activity form: ticked when active on the activity date."""

    person_id: int
    name: str
    team_id: int
    team_name: str
    ticked: bool
    reason: str  # why not ticked (joined later, left before), empty when ticked


# Team kinds ---------------------------------------------------------------------------------------

def list_kinds(db: Db) -> list[TeamKind]:
    return [TeamKind(*r) for r in db.execute("SELECT id, name FROM volunteer_team_kind ORDER BY sort_order, id").fetchall()]


def kind_id(db: Db, name: str) -> int:
    """The id of a team kind by name; an unknown name is added (kinds are data the office extends)."""
    name = _text(name, 20, "队伍类型", "kind", required=True)
    row = db.execute("SELECT id FROM volunteer_team_kind WHERE name = ?", [name]).fetchone()
    if row:
        return row[0]
    order = db.execute("SELECT coalesce(max(sort_order), 0) + 1 FROM volunteer_team_kind").fetchone()[0]
    return audit.insert(db, "volunteer_team_kind", {"name": name, "sort_order": order})


# Volunteers ---------------------------------------------------------------------------------------

_VOLUNTEER_SELECT = """
SELECT v.id, v.person_id, p.name, p.gender, p.phone, p.id_number, v.skills, v.note, m.id
FROM volunteer v JOIN person p ON p.id = v.person_id LEFT JOIN member m ON m.person_id = p.id
"""


def get_volunteer(db: Db, volunteer_id: int) -> Volunteer:
    row = db.execute(_VOLUNTEER_SELECT + " WHERE v.id = ?", [volunteer_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到志愿者 #{volunteer_id}，可能已被删除。")
    return Volunteer(*row)


def volunteer_of_person(db: Db, person_id: int) -> Volunteer | None:
    row = db.execute(_VOLUNTEER_SELECT + " WHERE v.person_id = ?", [person_id]).fetchone()
    return Volunteer(*row) if row else None


def ensure_volunteer(db: Db, person_id: int, skills: str | None = None) -> int:
    """The person's volunteer id, creating the volunteer row on first use."""
    existing = volunteer_of_person(db, person_id)
    if existing:
        return existing.id
    persons.get(db, person_id)
    stamp = now_text()
    return audit.insert(db, "volunteer", {"person_id": person_id, "skills": _text(skills, 100, "特长", "skills"),
                                          "note": None, "created_at": stamp, "updated_at": stamp})


def create_volunteer(db: Db, person: dict[str, Any], skills: str | None = None, note: str | None = None) -> int:
    """A resident volunteer: the person (name, phone, ID number optional) and their skills.

    A person already on record with the same ID number is reused, not entered twice.
    """
    note = _text(note, 200, "备注", "note")
    with db.atomic():
        row = persons.row_for_insert(person)
        existing = persons.find_by_id_number(db, row["id_number"]) if row["id_number"] else None
        if existing:
            if volunteer_of_person(db, existing.id):
                raise ValidationError(f"{existing.name}（身份证号相同）已经是志愿者了，不用重复登记。", "id_number")
            person_id = existing.id
        else:
            person_id = audit.insert(db, "person", row)
        volunteer_id = ensure_volunteer(db, person_id, skills)
        if note:
            audit.update(db, "volunteer", volunteer_id, {"note": note})
        return volunteer_id


def update_volunteer(db: Db, volunteer_id: int, *, skills: str | None = None, note: str | None = None,
                     person: dict[str, Any] | None = None) -> None:
    current = get_volunteer(db, volunteer_id)
    with db.atomic():
        if person:
            persons.update(db, current.person_id, **person)
        audit.update(db, "volunteer", volunteer_id, {
            "skills": _text(skills, 100, "特长", "skills"), "note": _text(note, 200, "备注", "note"), "updated_at": now_text(),
        })


def _like_pattern(text: str) -> str:
    """'%text%' with LIKE's wildcards in the text escaped (for ESCAPE '\\')."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_people(db: Db, text: str, limit: int = 30) -> list[PersonHit]:
    """Persons by name, full pinyin, pinyin initials or phone (LIKE: works for one-character names)."""
    text = (text or "").strip()
    if not text:
        return []
    pattern = _like_pattern(text)
    lower = pattern.lower()
    rows = db.execute(
        """SELECT p.id, p.name, p.gender, p.phone, m.id, v.id, p.address FROM person p
           LEFT JOIN member m ON m.person_id = p.id LEFT JOIN volunteer v ON v.person_id = p.id
           WHERE p.name LIKE ? ESCAPE '\\' OR p.name_pinyin LIKE ? ESCAPE '\\'
              OR p.name_initials LIKE ? ESCAPE '\\' OR p.phone LIKE ? ESCAPE '\\'
           ORDER BY (p.name = ?) DESC, (v.id IS NULL), length(p.name), p.name_pinyin, p.id LIMIT ?""",
        [pattern, lower, lower, pattern, text, limit],
    ).fetchall()
    return [PersonHit(*r) for r in rows]


def volunteer_count(db: Db) -> int:
    return db.execute("SELECT count(*) FROM volunteer").fetchone()[0]


@dataclass(frozen=True)
class VolunteerRow:
    """A volunteer as the volunteer list shows them: roles and current teams."""

    id: int
    person_id: int
    name: str
    gender: str | None
    phone: str | None
    skills: str | None
    is_member: bool
    teams: str


def list_volunteers(db: Db, text: str = "", limit: int = 1000) -> list[VolunteerRow]:
    """Volunteers by name, pinyin, initials or phone (all when text is empty), with their current teams."""
    day = today().isoformat()
    sql = """SELECT v.id, v.person_id, p.name, p.gender, p.phone, v.skills, m.id IS NOT NULL,
                    coalesce((SELECT group_concat(t.name, '、') FROM volunteer_team_member tm
                              JOIN volunteer_team t ON t.id = tm.team_id
                              WHERE tm.volunteer_id = v.id AND tm.join_date <= ? AND (tm.leave_date IS NULL OR tm.leave_date >= ?)), '')
             FROM volunteer v JOIN person p ON p.id = v.person_id LEFT JOIN member m ON m.person_id = p.id"""
    params: list[Any] = [day, day]
    if text.strip():
        pattern = _like_pattern(text.strip())
        sql += (" WHERE p.name LIKE ? ESCAPE '\\' OR p.name_pinyin LIKE ? ESCAPE '\\' OR p.name_initials LIKE ? ESCAPE '\\'"
                " OR p.phone LIKE ? ESCAPE '\\'")
        params += [pattern, pattern.lower(), pattern.lower(), pattern]
    sql += " ORDER BY p.name_pinyin, v.id LIMIT ?"
    return [VolunteerRow(*r[:6], bool(r[6]), r[7]) for r in db.execute(sql, [*params, limit]).fetchall()]


# Teams --------------------------------------------------------------------------------------------

_TEAM_SELECT = """
SELECT t.id, t.community_id, c.name, t.name, t.kind_id, k.name, t.leader_volunteer_id, lp.name, t.founded_date, t.note,
       (SELECT count(*) FROM volunteer_team_member tm WHERE tm.team_id = t.id
          AND tm.join_date <= ? AND (tm.leave_date IS NULL OR tm.leave_date >= ?))
FROM volunteer_team t
JOIN org_unit c ON c.id = t.community_id
JOIN volunteer_team_kind k ON k.id = t.kind_id
LEFT JOIN volunteer lv ON lv.id = t.leader_volunteer_id
LEFT JOIN person lp ON lp.id = lv.person_id
"""


def get_team(db: Db, team_id: int) -> Team:
    day = today().isoformat()
    row = db.execute(_TEAM_SELECT + " WHERE t.id = ?", [day, day, team_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到志愿服务队 #{team_id}，可能已被删除。")
    return Team(*row)


def list_teams(db: Db, community_id: int | None = None) -> list[Team]:
    day = today().isoformat()
    sql, params = _TEAM_SELECT, [day, day]
    if community_id:
        sql += " WHERE t.community_id = ?"
        params.append(community_id)
    sql += " ORDER BY c.sort_order, c.id, k.sort_order, t.name"
    return [Team(*r) for r in db.execute(sql, params).fetchall()]


def _team_values(db: Db, community_id: int | None, name: str, kind: int | str, founded_date: object,
                 note: str | None, exclude_id: int | None) -> dict[str, Any]:
    community_id = _community(db, community_id)
    name = _text(name, 40, "队伍名称", "name", required=True)
    clash = db.execute("SELECT id FROM volunteer_team WHERE community_id = ? AND name = ? AND id IS NOT ?",
                       [community_id, name, exclude_id]).fetchone()
    if clash:
        raise ValidationError(f"该社区已经有名为“{name}”的志愿服务队。", "name")
    if isinstance(kind, str):
        kind = kind_id(db, kind)
    elif not db.execute("SELECT 1 FROM volunteer_team_kind WHERE id = ?", [kind]).fetchone():
        raise ValidationError("请选择队伍类型。", "kind")
    return {"community_id": community_id, "name": name, "kind_id": kind,
            "founded_date": clean_date(founded_date, "成立日期", "founded_date", required=False),
            "note": _text(note, 200, "备注", "note")}


def create_team(db: Db, community_id: int | None, name: str, kind: int | str, leader_person_id: int | None = None,
                founded_date: object = None, note: str | None = None) -> int:
    """A team; its leader (a person) becomes a volunteer and a member of the team."""
    with db.atomic():
        values = _team_values(db, community_id, name, kind, founded_date, note, None)
        stamp = now_text()
        team_id = audit.insert(db, "volunteer_team", {**values, "leader_volunteer_id": None,
                                                       "created_at": stamp, "updated_at": stamp})
        if leader_person_id:
            set_leader(db, team_id, leader_person_id)
    return team_id


def update_team(db: Db, team_id: int, community_id: int | None, name: str, kind: int | str,
                founded_date: object = None, note: str | None = None) -> None:
    get_team(db, team_id)
    with db.atomic():
        values = _team_values(db, community_id, name, kind, founded_date, note, team_id)
        audit.update(db, "volunteer_team", team_id, {**values, "updated_at": now_text()})


def set_leader(db: Db, team_id: int, person_id: int | None) -> None:
    """Make a person the team's leader (adding them to the team if they are not in it), or clear it."""
    team = get_team(db, team_id)
    with db.atomic():
        if person_id is None:
            audit.update(db, "volunteer_team", team_id, {"leader_volunteer_id": None, "updated_at": now_text()})
            return
        volunteer_id = ensure_volunteer(db, person_id)
        day = today().isoformat()
        if not any(m.volunteer_id == volunteer_id and m.active_on(day) for m in team_members(db, team_id)):
            add_team_member(db, team.id, person_id, team.founded_date if team.founded_date and team.founded_date <= day else day)
        audit.update(db, "volunteer_team", team_id, {"leader_volunteer_id": volunteer_id, "updated_at": now_text()})


def delete_team(db: Db, team_id: int) -> None:
    """Delete a team that has no activities; its membership rows go with it."""
    team = get_team(db, team_id)
    used = db.execute("SELECT count(*) FROM volunteer_activity_team WHERE team_id = ?", [team_id]).fetchone()[0]
    if used:
        raise ValidationError(f"“{team.name}”已有 {used} 次活动记录，不能删除（删除会丢失服务时长）。")
    with db.atomic():
        for (membership_id,) in db.execute("SELECT id FROM volunteer_team_member WHERE team_id = ?", [team_id]).fetchall():
            audit.delete(db, "volunteer_team_member", membership_id)
        audit.delete(db, "volunteer_team", team_id)


_MEMBER_SELECT = """
SELECT tm.id, tm.team_id, tm.volunteer_id, v.person_id, p.name, p.phone, m.id IS NOT NULL, v.skills, tm.join_date, tm.leave_date
FROM volunteer_team_member tm
JOIN volunteer v ON v.id = tm.volunteer_id
JOIN person p ON p.id = v.person_id
LEFT JOIN member m ON m.person_id = p.id
"""


def team_members(db: Db, team_id: int, include_former: bool = True) -> list[TeamMember]:
    """The team's members, current first, then former ones (those with a leave date in the past)."""
    rows = [TeamMember(*r[:6], bool(r[6]), *r[7:]) for r in db.execute(
        _MEMBER_SELECT + " WHERE tm.team_id = ? ORDER BY tm.leave_date IS NOT NULL, tm.leave_date DESC, p.name_pinyin, tm.id",
        [team_id],
    ).fetchall()]
    if not include_former:
        day = today().isoformat()
        rows = [m for m in rows if m.active_on(day) or m.join_date > day]
    return rows


def add_team_member(db: Db, team_id: int, person_id: int, join_date: object = None) -> int:
    """Put a person in a team from join_date (default today); refused while they are already in it."""
    get_team(db, team_id)
    day = clean_date(join_date or today(), "入队日期", "join_date")
    with db.atomic():
        volunteer_id = ensure_volunteer(db, person_id)
        for m in team_members(db, team_id):
            if m.volunteer_id == volunteer_id and (m.leave_date is None or m.leave_date >= day):
                raise ValidationError(f"{m.name} 已经是该队队员（{m.join_date} 入队），不用重复添加。", "person_id")
        return audit.insert(db, "volunteer_team_member", {"team_id": team_id, "volunteer_id": volunteer_id,
                                                          "join_date": day, "leave_date": None, "created_at": now_text()})


def leave_team(db: Db, membership_id: int, leave_date: object = None) -> None:
    """Record that a member left the team on leave_date (default today); their past hours stay."""
    row = db.execute("SELECT join_date, team_id, volunteer_id FROM volunteer_team_member WHERE id = ?", [membership_id]).fetchone()
    if row is None:
        raise NotFoundError("找不到这条队员记录，可能已被删除。请刷新后重试。")
    day = clean_date(leave_date or today(), "离队日期", "leave_date")
    if day < row[0]:
        raise ValidationError(f"离队日期 {day} 不能早于入队日期 {row[0]}。", "leave_date")
    with db.atomic():
        audit.update(db, "volunteer_team_member", membership_id, {"leave_date": day})
        leader = db.execute("SELECT leader_volunteer_id FROM volunteer_team WHERE id = ?", [row[1]]).fetchone()[0]
        if leader == row[2] and day <= today().isoformat():
            audit.update(db, "volunteer_team", row[1], {"leader_volunteer_id": None, "updated_at": now_text()})


def roster_for(db: Db, team_ids: Iterable[int], day: object) -> list[RosterEntry]:
    """The members of the activity's teams as the form offers them, each person once.

    Ticked: members active on the day. Not ticked: those who joined later or had left before.
    """
    day = clean_date(day, "活动日期", "date")
    entries: dict[int, RosterEntry] = {}
    for team_id in team_ids:
        team = get_team(db, team_id)
        for m in team_members(db, team_id):
            if m.active_on(day):
                reason = ""
            elif m.join_date > day:
                reason = f"{m.join_date} 才入队"
            else:
                reason = f"已于 {m.leave_date} 离队"
            entry = RosterEntry(m.person_id, m.name, team_id, team.name, not reason, reason)
            current = entries.get(m.person_id)
            if current is None or (entry.ticked and not current.ticked):
                entries[m.person_id] = entry
    return sorted(entries.values(), key=lambda e: (not e.ticked, e.name))


# Activities ---------------------------------------------------------------------------------------

_ACTIVITY_SELECT = """
SELECT a.id, a.community_id, c.name, a.date, a.start_time, a.end_time, a.place, a.content, a.note,
       (SELECT group_concat(team_id, ',') FROM (SELECT x.team_id FROM volunteer_activity_team x
                                                 WHERE x.activity_id = a.id ORDER BY x.id)),
       (SELECT group_concat(name, char(31)) FROM (SELECT t.name FROM volunteer_activity_team x
                                                  JOIN volunteer_team t ON t.id = x.team_id WHERE x.activity_id = a.id ORDER BY x.id)),
       (SELECT group_concat(unit_id, ',') FROM (SELECT y.unit_id FROM volunteer_activity_unit y
                                                 WHERE y.activity_id = a.id ORDER BY y.id)),
       (SELECT group_concat(name, char(31)) FROM (SELECT u.name FROM volunteer_activity_unit y
                                                  JOIN cobuilding_unit u ON u.id = y.unit_id WHERE y.activity_id = a.id ORDER BY y.id)),
       (SELECT count(*) FROM volunteer_participation WHERE activity_id = a.id),
       (SELECT coalesce(sum(minutes), 0) FROM volunteer_participation WHERE activity_id = a.id)
FROM volunteer_activity a JOIN org_unit c ON c.id = a.community_id
"""


def _activity(row: tuple) -> Activity:
    def ids(text: str | None) -> tuple[int, ...]:
        return tuple(int(x) for x in text.split(",")) if text else ()

    def names(text: str | None) -> tuple[str, ...]:
        return tuple(text.split("\x1f")) if text else ()

    return Activity(*row[:9], ids(row[9]), names(row[10]), ids(row[11]), names(row[12]), row[13], row[14])


def get_activity(db: Db, activity_id: int) -> Activity:
    row = db.execute(_ACTIVITY_SELECT + " WHERE a.id = ?", [activity_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到活动记录 #{activity_id}，可能已被删除。")
    return _activity(row)


def list_activities(db: Db, year: int | None = None, community_id: int | None = None, team_id: int | None = None,
                    person_id: int | None = None, limit: int = 2000) -> list[Activity]:
    """Activities, newest first, filtered by year, community, team or participant."""
    where, params = [], []
    if year:
        where.append("a.date BETWEEN ? AND ?")
        params += [f"{year}-01-01", f"{year}-12-31"]
    if community_id:
        where.append("a.community_id = ?")
        params.append(community_id)
    if team_id:
        where.append("a.id IN (SELECT activity_id FROM volunteer_activity_team WHERE team_id = ?)")
        params.append(team_id)
    if person_id:
        where.append("a.id IN (SELECT pa.activity_id FROM volunteer_participation pa JOIN volunteer v ON v.id = pa.volunteer_id"
                     " WHERE v.person_id = ?)")
        params.append(person_id)
    sql = _ACTIVITY_SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY a.date DESC, a.start_time DESC, a.id DESC LIMIT ?"
    return [_activity(r) for r in db.execute(sql, [*params, limit]).fetchall()]


def participations(db: Db, activity_id: int) -> list[Participation]:
    rows = db.execute(
        """SELECT pa.id, pa.activity_id, pa.volunteer_id, v.person_id, p.name, pa.team_id, t.name, pa.minutes
           FROM volunteer_participation pa JOIN volunteer v ON v.id = pa.volunteer_id JOIN person p ON p.id = v.person_id
           LEFT JOIN volunteer_team t ON t.id = pa.team_id WHERE pa.activity_id = ? ORDER BY p.name_pinyin, pa.id""",
        [activity_id],
    ).fetchall()
    return [Participation(*r) for r in rows]


def _check_overlaps(db: Db, person_id: int, name: str, day: str, start: int, end: int, minutes: int,
                    exclude_activity: int | None) -> None:
    """The person's minutes in a block of overlapping activities may not exceed the block's length."""
    others = db.execute(
        """SELECT a.id, a.start_time, a.end_time, a.content, pa.minutes FROM volunteer_participation pa
           JOIN volunteer v ON v.id = pa.volunteer_id JOIN volunteer_activity a ON a.id = pa.activity_id
           WHERE v.person_id = ? AND a.date = ? AND a.id IS NOT ?""",
        [person_id, day, exclude_activity],
    ).fetchall()
    if not others:
        return
    spans = [(start, end, minutes, None)] + [(_time_minutes(s), _time_minutes(e), m, c) for _, s, e, c, m in others]
    spans.sort(key=lambda s: (s[0], s[1]))
    block: list[tuple] = []
    block_end = -1
    blocks: list[list[tuple]] = []
    for span in spans:
        if block and span[0] < block_end:
            block.append(span)
            block_end = max(block_end, span[1])
        else:
            block = [span]
            blocks.append(block)
            block_end = span[1]
    for block in blocks:
        if not any(s[3] is None for s in block) or len(block) == 1:
            continue
        length = max(s[1] for s in block) - min(s[0] for s in block)
        total = sum(s[2] for s in block)
        if total > length:
            other = "、".join(f"“{s[3]}”" for s in block if s[3] is not None)
            raise ValidationError(
                f"{name} 同一时间还参加了{other}，时间有重叠：这几项合计 {hours_text(total)} 小时，"
                f"超过了实际经过的 {hours_text(length)} 小时。请核实，把其中一项改为部分参加（减少时长）。",
                "participants",
            )


def _validate_activity(db: Db, data: ActivityInput, exclude_id: int | None) -> tuple[dict[str, Any], list[tuple[int, int, str]]]:
    community_id = _community(db, data.community_id)
    day = clean_date(data.date, "活动日期", "date")
    if day > today().isoformat():
        raise ValidationError("活动日期不能晚于今天：请在活动结束后再登记服务时长。", "date")
    start = clean_time(data.start_time, "开始时间", "start_time")
    end = clean_time(data.end_time, "结束时间", "end_time")
    if end <= start:
        raise ValidationError(f"结束时间 {end} 应晚于开始时间 {start}。", "end_time")
    length = _time_minutes(end) - _time_minutes(start)
    row = {"community_id": community_id, "date": day, "start_time": start, "end_time": end,
           "place": _text(data.place, 100, "地点", "place"),
           "content": _text(data.content, 500, "活动内容", "content", required=True),
           "note": _text(data.note, 500, "备注", "note")}
    if len(set(data.team_ids)) != len(data.team_ids):
        raise ValidationError("同一支队伍选了两次。", "team_ids")
    for team_id in data.team_ids:
        get_team(db, team_id)
    for unit_id in set(data.unit_ids):
        get_unit(db, unit_id)
    if not data.participants:
        raise ValidationError("请至少勾选或添加一名参加人员。", "participants")
    seen: set[int] = set()
    people: list[tuple[int, int, str]] = []
    for p in data.participants:
        person = persons.get(db, p.person_id)
        if p.person_id in seen:
            raise ValidationError(f"{person.name} 在参加人员里出现了两次。", "participants")
        seen.add(p.person_id)
        minutes = length if p.minutes is None else int(p.minutes)
        if minutes <= 0:
            raise ValidationError(f"{person.name} 的服务时长应大于 0；没有参加的请取消勾选。", "participants")
        if minutes > length:
            raise ValidationError(
                f"{person.name} 的服务时长 {hours_text(minutes)} 小时超过了活动时长 {hours_text(length)} 小时"
                f"（{start}–{end}）。", "participants")
        _check_overlaps(db, p.person_id, person.name, day, _time_minutes(start), _time_minutes(end), minutes, exclude_id)
        people.append((p.person_id, minutes, person.name))
    return row, people


def _credited_team(db: Db, volunteer_id: int, team_ids: tuple[int, ...], day: str) -> int | None:
    for team_id in team_ids:
        if db.execute(
            """SELECT 1 FROM volunteer_team_member WHERE team_id = ? AND volunteer_id = ? AND join_date <= ?
               AND (leave_date IS NULL OR leave_date >= ?)""", [team_id, volunteer_id, day, day],
        ).fetchone():
            return team_id
    return team_ids[0] if team_ids else None


def _write_links(db: Db, activity_id: int, data: ActivityInput, day: str, people: list[tuple[int, int, str]]) -> None:
    for team_id in data.team_ids:
        audit.insert(db, "volunteer_activity_team", {"activity_id": activity_id, "team_id": team_id})
    for unit_id in dict.fromkeys(data.unit_ids):
        audit.insert(db, "volunteer_activity_unit", {"activity_id": activity_id, "unit_id": unit_id})
    for person_id, minutes, _ in people:
        volunteer_id = ensure_volunteer(db, person_id)
        audit.insert(db, "volunteer_participation", {
            "activity_id": activity_id, "volunteer_id": volunteer_id,
            "team_id": _credited_team(db, volunteer_id, tuple(data.team_ids), day), "minutes": minutes,
        })


def _clear_links(db: Db, activity_id: int) -> None:
    for table in ("volunteer_participation", "volunteer_activity_team", "volunteer_activity_unit"):
        for (row_id,) in db.execute(f"SELECT id FROM {table} WHERE activity_id = ?", [activity_id]).fetchall():
            audit.delete(db, table, row_id)


def record_activity(db: Db, data: ActivityInput) -> int:
    """Validate everything, then write the activity, its teams, units and participants in one transaction."""
    with db.atomic():
        row, people = _validate_activity(db, data, None)
        stamp = now_text()
        activity_id = audit.insert(db, "volunteer_activity", {**row, "created_at": stamp, "updated_at": stamp})
        _write_links(db, activity_id, data, row["date"], people)
    return activity_id


def update_activity(db: Db, activity_id: int, data: ActivityInput) -> None:
    get_activity(db, activity_id)
    with db.atomic():
        row, people = _validate_activity(db, data, activity_id)
        audit.update(db, "volunteer_activity", activity_id, {**row, "updated_at": now_text()})
        _clear_links(db, activity_id)
        _write_links(db, activity_id, data, row["date"], people)


def delete_activity(db: Db, activity_id: int) -> None:
    get_activity(db, activity_id)
    with db.atomic():
        _clear_links(db, activity_id)
        audit.delete(db, "volunteer_activity", activity_id)


def activity_input(db: Db, activity_id: int) -> ActivityInput:
    """An existing activity as the form edits it."""
    a = get_activity(db, activity_id)
    return ActivityInput(
        a.community_id, a.date, a.start_time, a.end_time, a.content, a.place, a.team_ids, a.unit_ids,
        tuple(ParticipantInput(p.person_id, p.minutes) for p in participations(db, activity_id)), a.note,
    )


# Totals -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonTotal:
    person_id: int
    volunteer_id: int
    name: str
    phone: str | None
    is_member: bool
    teams: str
    activities: int
    minutes: int


@dataclass(frozen=True)
class TeamTotal:
    team_id: int
    name: str
    community_name: str
    kind_name: str
    leader_name: str | None
    active_members: int
    activities: int
    participants: int  # distinct persons credited to the team
    minutes: int


@dataclass(frozen=True)
class CommunityTotal:
    community_id: int
    name: str
    activities: int
    volunteers: int
    minutes: int


def _year_range(year: int) -> list[str]:
    return [f"{year}-01-01", f"{year}-12-31"]


def person_totals(db: Db, year: int, community_id: int | None = None, limit: int | None = None) -> list[PersonTotal]:
    """Each person's minutes in the year (each activity once), most first."""
    where, params = "a.date BETWEEN ? AND ?", _year_range(year)
    if community_id:
        where += " AND a.community_id = ?"
        params.append(community_id)
    day = today().isoformat()
    sql = f"""
        SELECT v.person_id, v.id, p.name, p.phone, m.id IS NOT NULL,
               coalesce((SELECT group_concat(t.name, '、') FROM volunteer_team_member tm JOIN volunteer_team t ON t.id = tm.team_id
                         WHERE tm.volunteer_id = v.id AND (tm.leave_date IS NULL OR tm.leave_date >= ?)), ''),
               count(*), sum(pa.minutes)
        FROM volunteer_participation pa
        JOIN volunteer_activity a ON a.id = pa.activity_id
        JOIN volunteer v ON v.id = pa.volunteer_id
        JOIN person p ON p.id = v.person_id
        LEFT JOIN member m ON m.person_id = p.id
        WHERE {where}
        GROUP BY v.id ORDER BY sum(pa.minutes) DESC, p.name_pinyin"""
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [PersonTotal(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7]) for r in db.execute(sql, [day, *params]).fetchall()]


def person_minutes(db: Db, person_id: int, year: int, community_id: int | None = None) -> int:
    sql = """SELECT coalesce(sum(pa.minutes), 0) FROM volunteer_participation pa
             JOIN volunteer v ON v.id = pa.volunteer_id JOIN volunteer_activity a ON a.id = pa.activity_id
             WHERE v.person_id = ? AND a.date BETWEEN ? AND ?"""
    params = [person_id, *_year_range(year)]
    if community_id:
        sql += " AND a.community_id = ?"
        params.append(community_id)
    return db.execute(sql, params).fetchone()[0]


def team_totals(db: Db, year: int, community_id: int | None = None) -> list[TeamTotal]:
    """Every team (also those with no hours) with its minutes in the year, most first."""
    day = today().isoformat()
    sql = """
        SELECT t.id, t.name, c.name, k.name, lp.name,
               (SELECT count(*) FROM volunteer_team_member tm WHERE tm.team_id = t.id AND tm.join_date <= ?
                  AND (tm.leave_date IS NULL OR tm.leave_date >= ?)),
               (SELECT count(*) FROM volunteer_activity_team x JOIN volunteer_activity a ON a.id = x.activity_id
                  WHERE x.team_id = t.id AND a.date BETWEEN ? AND ?),
               coalesce(s.people, 0), coalesce(s.minutes, 0)
        FROM volunteer_team t
        JOIN org_unit c ON c.id = t.community_id
        JOIN volunteer_team_kind k ON k.id = t.kind_id
        LEFT JOIN volunteer lv ON lv.id = t.leader_volunteer_id
        LEFT JOIN person lp ON lp.id = lv.person_id
        LEFT JOIN (SELECT pa.team_id, count(DISTINCT pa.volunteer_id) AS people, sum(pa.minutes) AS minutes
                   FROM volunteer_participation pa JOIN volunteer_activity a ON a.id = pa.activity_id
                   WHERE a.date BETWEEN ? AND ? GROUP BY pa.team_id) s ON s.team_id = t.id"""
    params = [day, day, *_year_range(year), *_year_range(year)]
    if community_id:
        sql += " WHERE t.community_id = ?"
        params.append(community_id)
    sql += " ORDER BY coalesce(s.minutes, 0) DESC, c.sort_order, t.name"
    return [TeamTotal(*r) for r in db.execute(sql, params).fetchall()]


def community_totals(db: Db, year: int) -> list[CommunityTotal]:
    """Every community with its activities, distinct volunteers and minutes in the year, in tree order."""
    return community_totals_between(db, *_year_range(year))


def community_totals_between(db: Db, first_day: str, last_day: str) -> list[CommunityTotal]:
    """Every community's activities, distinct volunteers and minutes between two dates (inclusive)."""
    rows = db.execute(
        """SELECT c.id, c.name, coalesce(s.activities, 0), coalesce(s.volunteers, 0), coalesce(s.minutes, 0)
           FROM org_unit c LEFT JOIN (
               SELECT a.community_id, count(DISTINCT a.id) AS activities, count(DISTINCT pa.volunteer_id) AS volunteers,
                      sum(pa.minutes) AS minutes
               FROM volunteer_activity a JOIN volunteer_participation pa ON pa.activity_id = a.id
               WHERE a.date BETWEEN ? AND ? GROUP BY a.community_id) s ON s.community_id = c.id
           WHERE c.kind = 'community' ORDER BY c.sort_order, c.id""",
        [first_day, last_day],
    ).fetchall()
    return [CommunityTotal(*r) for r in rows]


def community_minutes(db: Db, year: int) -> dict[int, int]:
    """Community id -> minutes served in its activities in the year (0 for none)."""
    return {c.community_id: c.minutes for c in community_totals(db, year)}


def month_totals(db: Db, month: str) -> list[CommunityTotal]:
    """Every community's volunteer service in one month, 'YYYY-MM' (the monthly report's line)."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValidationError(f"月份“{month}”不对，请写成 2025-03 这样的形式。", "month") from None
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return community_totals_between(db, first.isoformat(), last.isoformat())


@dataclass(frozen=True)
class ServiceLine:
    date: str
    start_time: str
    end_time: str
    community_name: str
    team_name: str | None
    place: str | None
    content: str
    minutes: int


def service_record(db: Db, person_id: int, year: int | None = None) -> list[ServiceLine]:
    """A person's service, activity by activity, oldest first (the certificate's table)."""
    sql = """SELECT a.date, a.start_time, a.end_time, c.name, t.name, a.place, a.content, pa.minutes
             FROM volunteer_participation pa JOIN volunteer v ON v.id = pa.volunteer_id
             JOIN volunteer_activity a ON a.id = pa.activity_id JOIN org_unit c ON c.id = a.community_id
             LEFT JOIN volunteer_team t ON t.id = pa.team_id WHERE v.person_id = ?"""
    params: list[Any] = [person_id]
    if year:
        sql += " AND a.date BETWEEN ? AND ?"
        params += _year_range(year)
    sql += " ORDER BY a.date, a.start_time, a.id"
    return [ServiceLine(*r) for r in db.execute(sql, params).fetchall()]


def activity_years(db: Db) -> list[int]:
    """Years that have activities, newest first (today's year always included)."""
    years = {int(r[0]) for r in db.execute("SELECT DISTINCT substr(date, 1, 4) FROM volunteer_activity").fetchall()}
    years.add(today().year)
    return sorted(years, reverse=True)


# 双报到: co-building units and registered members ---------------------------------------------------

@dataclass(frozen=True)
class CobuildingUnit:
    id: int
    community_id: int
    community_name: str
    name: str
    party_org: str | None
    registered_date: str
    contact_name: str | None
    contact_phone: str | None
    ended_date: str | None
    note: str | None


@dataclass(frozen=True)
class Registration:
    id: int
    member_id: int
    person_id: int
    name: str
    phone: str | None
    community_id: int
    community_name: str
    registered_date: str
    work_unit: str
    unit_party_org: str | None
    unit_id: int | None
    unit_name: str | None
    ended_date: str | None
    note: str | None


_UNIT_SELECT = """SELECT u.id, u.community_id, c.name, u.name, u.party_org, u.registered_date, u.contact_name, u.contact_phone,
                         u.ended_date, u.note FROM cobuilding_unit u JOIN org_unit c ON c.id = u.community_id"""


def get_unit(db: Db, unit_id: int) -> CobuildingUnit:
    row = db.execute(_UNIT_SELECT + " WHERE u.id = ?", [unit_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到共建单位 #{unit_id}，可能已被删除。")
    return CobuildingUnit(*row)


def list_units(db: Db, community_id: int | None = None, include_ended: bool = True) -> list[CobuildingUnit]:
    where, params = [], []
    if community_id:
        where.append("u.community_id = ?")
        params.append(community_id)
    if not include_ended:
        where.append("u.ended_date IS NULL")
    sql = _UNIT_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.sort_order, c.id, u.name"
    return [CobuildingUnit(*r) for r in db.execute(sql, params).fetchall()]


def _unit_values(db: Db, values: dict[str, Any], exclude_id: int | None) -> dict[str, Any]:
    community_id = _community(db, values.get("community_id"))
    name = _text(values.get("name"), 60, "单位名称", "name", required=True)
    if db.execute("SELECT 1 FROM cobuilding_unit WHERE community_id = ? AND name = ? AND id IS NOT ?",
                  [community_id, name, exclude_id]).fetchone():
        raise ValidationError(f"“{name}”已经在该社区登记为共建单位。", "name")
    registered = clean_date(values.get("registered_date") or today(), "报到日期", "registered_date")
    ended = clean_date(values.get("ended_date"), "结束日期", "ended_date", required=False)
    if ended and ended < registered:
        raise ValidationError("结束日期不能早于报到日期。", "ended_date")
    return {
        "community_id": community_id, "name": name,
        "party_org": _text(values.get("party_org"), 60, "单位党组织", "party_org"),
        "registered_date": registered,
        "contact_name": _text(values.get("contact_name"), 20, "联系人", "contact_name"),
        "contact_phone": persons.clean_phone(values.get("contact_phone")),
        "ended_date": ended, "note": _text(values.get("note"), 200, "备注", "note"),
    }


def _create_checked(db: Db, table: str, check, values: dict[str, Any]) -> int:
    """Validate with check(db, values, None) and insert with timestamps, in one transaction."""
    with db.atomic():
        row = check(db, values, None)
        stamp = now_text()
        return audit.insert(db, table, {**row, "created_at": stamp, "updated_at": stamp})


def _update_checked(db: Db, table: str, check, row_id: int, current: Any, keys: tuple[str, ...],
                    values: dict[str, Any]) -> None:
    """Merge the changes over the current record, validate the whole, write what changed."""
    merged = {k: getattr(current, k) for k in keys}
    merged.update(values)
    with db.atomic():
        audit.update(db, table, row_id, {**check(db, merged, row_id), "updated_at": now_text()})


_UNIT_KEYS = ("community_id", "name", "party_org", "registered_date", "contact_name", "contact_phone", "ended_date", "note")


def create_unit(db: Db, **values: Any) -> int:
    """A co-building unit registered with a community: name, its party organisation, date, contact."""
    return _create_checked(db, "cobuilding_unit", _unit_values, values)


def update_unit(db: Db, unit_id: int, **values: Any) -> None:
    _update_checked(db, "cobuilding_unit", _unit_values, unit_id, get_unit(db, unit_id), _UNIT_KEYS, values)


_REGISTRATION_SELECT = """
SELECT r.id, r.member_id, m.person_id, p.name, p.phone, r.community_id, c.name, r.registered_date, r.work_unit,
       r.unit_party_org, r.unit_id, u.name, r.ended_date, r.note
FROM dual_registration r JOIN member m ON m.id = r.member_id JOIN person p ON p.id = m.person_id
JOIN org_unit c ON c.id = r.community_id LEFT JOIN cobuilding_unit u ON u.id = r.unit_id
"""


def get_registration(db: Db, registration_id: int) -> Registration:
    row = db.execute(_REGISTRATION_SELECT + " WHERE r.id = ?", [registration_id]).fetchone()
    if row is None:
        raise NotFoundError(f"找不到双报到登记 #{registration_id}，可能已被删除。")
    return Registration(*row)


def list_registrations(db: Db, community_id: int | None = None) -> list[Registration]:
    sql, params = _REGISTRATION_SELECT, []
    if community_id:
        sql += " WHERE r.community_id = ?"
        params.append(community_id)
    sql += " ORDER BY c.sort_order, c.id, p.name_pinyin"
    return [Registration(*r) for r in db.execute(sql, params).fetchall()]


def _registration_values(db: Db, values: dict[str, Any], exclude_id: int | None) -> dict[str, Any]:
    member_id = values.get("member_id")
    if not member_id:
        raise ValidationError("请选择报到的党员。", "member_id")
    row = db.execute("SELECT p.name, m.person_type, m.work_unit FROM member m JOIN person p ON p.id = m.person_id WHERE m.id = ?",
                     [member_id]).fetchone()
    if row is None:
        raise ValidationError("所选党员不在名册中。", "member_id")
    name, person_type, roster_unit = row
    if person_type != "在职":
        raise ValidationError(f"{name} 的人员类型是“{person_type or '未填写'}”，双报到只登记在职党员。"
                              "如有误，请先在党员名册中把人员类型改为“在职”。", "member_id")
    if db.execute("SELECT 1 FROM dual_registration WHERE member_id = ? AND id IS NOT ?", [member_id, exclude_id]).fetchone():
        raise ValidationError(f"{name} 已经登记过双报到，请在原登记上修改。", "member_id")
    unit_id = values.get("unit_id") or None
    unit = get_unit(db, unit_id) if unit_id else None
    work_unit = _text(values.get("work_unit") or (unit.name if unit else None) or roster_unit, 60, "工作单位", "work_unit",
                      required=True)
    registered = clean_date(values.get("registered_date") or today(), "报到日期", "registered_date")
    ended = clean_date(values.get("ended_date"), "结束日期", "ended_date", required=False)
    if ended and ended < registered:
        raise ValidationError("结束日期不能早于报到日期。", "ended_date")
    return {
        "member_id": member_id, "community_id": _community(db, values.get("community_id")),
        "registered_date": registered, "work_unit": work_unit,
        "unit_party_org": _text(values.get("unit_party_org") or (unit.party_org if unit else None), 60, "单位党组织",
                                "unit_party_org"),
        "unit_id": unit_id, "ended_date": ended, "note": _text(values.get("note"), 200, "备注", "note"),
    }


_REGISTRATION_KEYS = ("member_id", "community_id", "registered_date", "work_unit", "unit_party_org", "unit_id",
                      "ended_date", "note")


def register_member(db: Db, **values: Any) -> int:
    """An in-service member registers with the community they live in (date, work unit, its party organisation)."""
    return _create_checked(db, "dual_registration", _registration_values, values)


def update_registration(db: Db, registration_id: int, **values: Any) -> None:
    _update_checked(db, "dual_registration", _registration_values, registration_id,
                    get_registration(db, registration_id), _REGISTRATION_KEYS, values)


def months_left(year: int, as_of: dt.date) -> int:
    """Months of `year` still to come as of a date, counting the current month: 0 once the year is over."""
    if as_of.year > year:
        return 0
    if as_of.year < year:
        return 12
    return 12 - as_of.month + 1


class _AgainstThreshold:
    """Minutes served against a yearly threshold (both in minutes)."""

    minutes: int
    threshold_minutes: int

    @property
    def shortfall_minutes(self) -> int:
        return max(0, self.threshold_minutes - self.minutes)

    @property
    def met(self) -> bool:
        return self.minutes >= self.threshold_minutes


@dataclass(frozen=True)
class MemberProgress(_AgainstThreshold):
    registration_id: int
    member_id: int
    person_id: int
    name: str
    community_id: int
    community_name: str
    work_unit: str
    registered_date: str
    minutes: int
    threshold_minutes: int
    months_left: int


@dataclass(frozen=True)
class UnitProgress(_AgainstThreshold):
    unit_id: int
    name: str
    party_org: str | None
    community_id: int
    community_name: str
    contact_name: str | None
    contact_phone: str | None
    activities: int
    minutes: int
    threshold_minutes: int
    months_left: int


def member_threshold_minutes(db: Db) -> int:
    return minutes_from_hours(settings.get(db, "dual_registration_member_hours"))


def unit_threshold_minutes(db: Db) -> int:
    return minutes_from_hours(settings.get(db, "dual_registration_unit_hours"))


def _counted_days(year: int, as_of: dt.date | None) -> list[str]:
    """First and last day counted for a year as of a date (to 31 December when as_of is later or not given)."""
    last = dt.date(year, 12, 31) if as_of is None else min(as_of, dt.date(year, 12, 31))
    return [f"{year}-01-01", last.isoformat()]


def _in_year(registered: str, ended: str | None, year: int) -> bool:
    return registered <= f"{year}-12-31" and (ended is None or ended >= f"{year}-01-01")


def member_progress(db: Db, year: int, community_id: int | None = None, as_of: dt.date | None = None) -> list[MemberProgress]:
    """Every member registered during the year, with the minutes they served in their community, least first.

    Service is counted from 1 January to as_of (or the year's end); months left are counted from as_of (or today).
    """
    threshold = member_threshold_minutes(db)
    left = months_left(year, as_of or today())
    sql = """
        SELECT r.id, r.member_id, m.person_id, p.name, r.community_id, c.name, r.work_unit, r.registered_date, r.ended_date,
               coalesce((SELECT sum(pa.minutes) FROM volunteer_participation pa JOIN volunteer v ON v.id = pa.volunteer_id
                         JOIN volunteer_activity a ON a.id = pa.activity_id
                         WHERE v.person_id = m.person_id AND a.community_id = r.community_id
                           AND a.date BETWEEN ? AND ?), 0)
        FROM dual_registration r JOIN member m ON m.id = r.member_id JOIN person p ON p.id = m.person_id
        JOIN org_unit c ON c.id = r.community_id"""
    params: list[Any] = _counted_days(year, as_of)
    if community_id:
        sql += " WHERE r.community_id = ?"
        params.append(community_id)
    out = [
        MemberProgress(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[9], threshold, left)
        for r in db.execute(sql, params).fetchall() if _in_year(r[7], r[8], year)
    ]
    return sorted(out, key=lambda x: (x.minutes, x.community_name, x.name))


def unit_progress(db: Db, year: int, community_id: int | None = None, as_of: dt.date | None = None) -> list[UnitProgress]:
    """Every co-building unit registered during the year with the length of the activities it joined, least first."""
    threshold = unit_threshold_minutes(db)
    left = months_left(year, as_of or today())
    sql = """
        SELECT u.id, u.name, u.party_org, u.community_id, c.name, u.contact_name, u.contact_phone, u.registered_date, u.ended_date,
               count(a.id), coalesce(sum((CAST(substr(a.end_time, 1, 2) AS INTEGER) * 60 + CAST(substr(a.end_time, 4, 2) AS INTEGER))
                                  - (CAST(substr(a.start_time, 1, 2) AS INTEGER) * 60 + CAST(substr(a.start_time, 4, 2) AS INTEGER))), 0)
        FROM cobuilding_unit u JOIN org_unit c ON c.id = u.community_id
        LEFT JOIN volunteer_activity_unit x ON x.unit_id = u.id
        LEFT JOIN volunteer_activity a ON a.id = x.activity_id AND a.date BETWEEN ? AND ?"""
    params: list[Any] = _counted_days(year, as_of)
    if community_id:
        sql += " WHERE u.community_id = ?"
        params.append(community_id)
    sql += " GROUP BY u.id"
    out = [
        UnitProgress(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[9], r[10], threshold, left)
        for r in db.execute(sql, params).fetchall() if _in_year(r[7], r[8], year)
    ]
    return sorted(out, key=lambda x: (x.minutes, x.community_name, x.name))


def below_threshold_members(db: Db, year: int, community_id: int | None = None,
                            as_of: dt.date | None = None) -> list[MemberProgress]:
    """Registered members short of their yearly hours, largest shortfall first."""
    return sorted((p for p in member_progress(db, year, community_id, as_of) if not p.met),
                  key=lambda p: (-p.shortfall_minutes, p.community_name, p.name))


def below_threshold_units(db: Db, year: int, community_id: int | None = None,
                          as_of: dt.date | None = None) -> list[UnitProgress]:
    return sorted((p for p in unit_progress(db, year, community_id, as_of) if not p.met),
                  key=lambda p: (-p.shortfall_minutes, p.community_name, p.name))


@dataclass(frozen=True)
class DualSummary:
    year: int
    members_registered: int
    members_met: int
    units_registered: int
    units_met: int
    member_threshold_minutes: int
    unit_threshold_minutes: int

    @property
    def member_rate(self) -> Decimal | None:
        """Share of registered members who met their hours (0..1), None with nobody registered."""
        if not self.members_registered:
            return None
        return (Decimal(self.members_met) / self.members_registered).quantize(Decimal("0.0001"))

    @property
    def unit_rate(self) -> Decimal | None:
        if not self.units_registered:
            return None
        return (Decimal(self.units_met) / self.units_registered).quantize(Decimal("0.0001"))


def dual_summary(db: Db, year: int, community_id: int | None = None) -> DualSummary:
    members = member_progress(db, year, community_id)
    units = unit_progress(db, year, community_id)
    return DualSummary(year, len(members), sum(m.met for m in members), len(units), sum(u.met for u in units),
                       member_threshold_minutes(db), unit_threshold_minutes(db))


def community_minutes_until(db: Db, community_id: int, year: int, as_of: dt.date) -> int:
    """Minutes served in one community's activities from 1 January of the year up to as_of (letters' measure)."""
    first, last = _counted_days(year, as_of)
    if last < first:
        return 0
    return db.execute(
        """SELECT coalesce(sum(pa.minutes), 0) FROM volunteer_participation pa
           JOIN volunteer_activity a ON a.id = pa.activity_id
           WHERE a.community_id = ? AND a.date BETWEEN ? AND ?""", [community_id, first, last],
    ).fetchone()[0]


def dual_member_rate(db: Db, community_id: int, year: int, as_of: dt.date) -> Decimal | None:
    """Percentage (one decimal) of the community's registered members who met their hours by as_of; None if none."""
    if as_of < dt.date(year, 1, 1):
        return None
    progress = member_progress(db, year, community_id, as_of)
    if not progress:
        return None
    met = sum(p.met for p in progress)
    return (Decimal(100 * met) / len(progress)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def in_service_members(db: Db, text: str = "", limit: int = 50) -> list[tuple[int, str, str | None, str | None]]:
    """(member id, name, work unit, branch) of in-service members not yet registered, by name/pinyin (for the form)."""
    pattern = _like_pattern(text.strip())
    rows = db.execute(
        """SELECT m.id, p.name, m.work_unit, b.name FROM member m JOIN person p ON p.id = m.person_id
           JOIN org_unit b ON b.id = m.branch_id
           WHERE m.person_type = '在职' AND m.id NOT IN (SELECT member_id FROM dual_registration)
             AND (p.name LIKE ? ESCAPE '\\' OR p.name_pinyin LIKE ? ESCAPE '\\' OR p.name_initials LIKE ? ESCAPE '\\')
           ORDER BY p.name_pinyin LIMIT ?""",
        [pattern, pattern.lower(), pattern.lower(), limit],
    ).fetchall()
    return [tuple(r) for r in rows]
