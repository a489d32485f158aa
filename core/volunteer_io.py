"""The 志愿服务队 roster import kind: one row per person and team; teams and persons found or created.

A row names a team (with its community) and a person. The person is found by ID number, else by
name and phone, else entered as a new person, so a party member or a resident already on record
is not typed twice. A team the file names that does not exist yet is created in its community
(its kind from the 队伍类型 column, or guessed from the name). A person already in the team is
"already in the database": skipped, or their phone, skills and dates updated, by the mode chosen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from core import audit, idcard
from core import volunteers as vol
from core.clock import now_text, today
from core.db import Db
from core.errors import ValidationError
from core.excel_import import (
    Column, Existing, ImportKind, NewUnit, ProgressFn, RowPlan, choice, date_cell, id_number_cell, phone_cell,
    register, text_max, yes_no_cell,
)
from core.pinyin import name_keys

_COMMUNITY_SUFFIX = re.compile(r"(党委|党总支|党支部|居委会|居民委员会)$")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[\s\u3000]+(?=[\u4e00-\u9fff])")
# Words in a team's name that say its kind when the file has no 队伍类型 column.
KIND_HINTS = (("学雷锋", "学雷锋"), ("突击", "党员突击队"), ("敲门", "爱心敲门"), ("护绿", "爱花护绿"), ("爱花", "爱花护绿"),
              ("巡逻", "治安巡逻"), ("宣传", "文明宣传"))
PERSON_UPDATABLE = ("phone", "address")
MEMBERSHIP_UPDATABLE = ("join_date", "leave_date")


def _name_cell(value: object) -> str | None:
    result = text_max(40, "姓名")(value)
    return _CJK_GAP.sub("", result) if result else result


VOLUNTEER_COLUMNS: tuple[Column, ...] = (
    Column("community", "所属社区", ("社区", "社区党委", "所在社区", "社区名称"), text_max(60, "社区")),
    Column("team", "队伍名称", ("志愿服务队", "服务队", "队伍", "所在队伍", "队名", "志愿队", "志愿服务队名称"),
           text_max(40, "队伍名称"), required=True),
    Column("kind", "队伍类型", ("类型", "服务队类型", "队伍类别"), text_max(20, "队伍类型")),
    Column("name", "姓名", ("名字", "队员姓名", "志愿者姓名"), _name_cell, required=True),
    Column("gender", "性别", (), choice(("男", "女"), "性别", {"男性": "男", "女性": "女"})),
    Column("id_number", "公民身份号码", ("身份证号", "身份证号码", "身份证", "证件号码"), id_number_cell),
    Column("phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式"), phone_cell),
    Column("address", "住址", ("家庭住址", "居住地址", "现住址"), text_max(200, "住址")),
    Column("skills", "特长", ("专长", "技能", "服务特长"), text_max(100, "特长")),
    Column("join_date", "入队日期", ("加入日期", "入队时间", "加入时间"), date_cell("入队日期")),
    Column("leave_date", "离队日期", ("退出日期", "离队时间"), date_cell("离队日期")),
    Column("is_leader", "是否队长", ("队长", "担任队长"), yes_no_cell("是否队长")),
    # Not a file column: the team and person of a row, so the engine flags a person listed twice in one team.
    Column("member_key", "队员（队伍与姓名）"),
)


def _community_key(name: str) -> str:
    return _COMMUNITY_SUFFIX.sub("", name.strip())


@dataclass(frozen=True)
class PendingTeam:
    community_id: int
    name: str
    kind: str


@dataclass(frozen=True)
class PendingPerson:
    """A person the file names who is not on record yet (one per ID number, or per name and phone)."""

    key: str


@dataclass
class VolunteerState:
    db: Db
    communities: dict[str, tuple[int, str]]                     # name key -> (id, name)
    teams: dict[tuple[int, str], int]                           # (community, name) -> team id
    teams_by_name: dict[str, list[tuple[int, int]]]             # name -> [(team id, community id)]
    persons_by_id_number: dict[str, int]
    persons_by_name_phone: dict[tuple[str, str], list[int]]
    person_values: dict[int, dict[str, Any]]
    memberships: dict[tuple[int, int], tuple[int, str, str | None]]  # (team, person) -> (row id, join, leave)
    team_members_by_name: dict[tuple[int, str], list[int]]      # (team, name) -> person ids in the team
    skills: dict[int, str | None]                               # person id -> volunteer skills
    leaders: dict[Any, str] = field(default_factory=dict)       # team ref -> name of the leader the file gives


class VolunteerImport(ImportKind):
    name = "volunteers"
    label = "志愿服务队队员名册"
    area = "volunteers"
    columns = VOLUNTEER_COLUMNS
    key_field = "member_key"

    def prepare(self, db: Db, records: list[dict[str, Any]]) -> VolunteerState:
        communities = {_community_key(name): (cid, name)
                       for cid, name in db.execute("SELECT id, name FROM org_unit WHERE kind = 'community'").fetchall()}
        teams, teams_by_name = {}, {}
        for tid, cid, name in db.execute("SELECT id, community_id, name FROM volunteer_team").fetchall():
            teams[(cid, name)] = tid
            teams_by_name.setdefault(name, []).append((tid, cid))
        numbers = sorted({r["id_number"] for r in records if r.get("id_number")})
        names = sorted({r["name"] for r in records if r.get("name")})
        by_number: dict[str, int] = {}
        by_name_phone: dict[tuple[str, str], list[int]] = {}
        values: dict[int, dict[str, Any]] = {}
        for column, keys in (("id_number", numbers), ("name", names)):
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                for pid, name, number, phone, address, gender in db.execute(
                    f"SELECT id, name, id_number, phone, address, gender FROM person WHERE {column} IN "
                    f"({', '.join('?' for _ in chunk)})", chunk,
                ).fetchall():
                    values[pid] = {"name": name, "id_number": number, "phone": phone, "address": address, "gender": gender}
                    if number:
                        by_number[number] = pid
                    if phone:
                        by_name_phone.setdefault((name, phone), []).append(pid)
        memberships: dict[tuple[int, int], tuple[int, str, str | None]] = {}
        team_members_by_name: dict[tuple[int, str], list[int]] = {}
        skills: dict[int, str | None] = {}
        for mid, tid, pid, name, join, leave, skill in db.execute(
            """SELECT tm.id, tm.team_id, v.person_id, p.name, tm.join_date, tm.leave_date, v.skills
               FROM volunteer_team_member tm JOIN volunteer v ON v.id = tm.volunteer_id JOIN person p ON p.id = v.person_id
               ORDER BY tm.id"""
        ).fetchall():
            memberships[(tid, pid)] = (mid, join, leave)  # the latest membership wins
            team_members_by_name.setdefault((tid, name), []).append(pid)
        for pid, skill in db.execute("SELECT person_id, skills FROM volunteer").fetchall():
            skills[pid] = skill
        return VolunteerState(db, communities, teams, teams_by_name, by_number, by_name_phone, values, memberships,
                              team_members_by_name, skills)

    # Rows -----------------------------------------------------------------------------------------

    def _team(self, state: VolunteerState, record: dict[str, Any]) -> int | PendingTeam:
        team_name = record["team"]
        community_name = record.get("community")
        if community_name:
            found = state.communities.get(_community_key(community_name))
            if found is None:
                raise ValidationError(f"库中没有名为“{community_name}”的社区。请核对社区名称（可在“设置 → 组织机构”中查看）。",
                                      "community")
            community_id = found[0]
            team_id = state.teams.get((community_id, team_name))
            if team_id is not None:
                return team_id
        else:
            candidates = state.teams_by_name.get(team_name, [])
            if len(candidates) == 1:
                return candidates[0][0]
            if len(candidates) > 1:
                raise ValidationError(f"有 {len(candidates)} 个社区都有名为“{team_name}”的队伍，请在文件中加上“所属社区”列。",
                                      "team")
            if len(state.communities) != 1:
                raise ValidationError(f"库中还没有“{team_name}”这支队伍；要新建它，请在“所属社区”列写明它属于哪个社区。", "team")
            community_id = next(iter(state.communities.values()))[0]
        kind = record.get("kind") or next((k for word, k in KIND_HINTS if word in team_name), "其他")
        return PendingTeam(community_id, team_name, kind)

    def _person(self, state: VolunteerState, record: dict[str, Any]) -> int | PendingPerson:
        number, name, phone = record.get("id_number"), record["name"], record.get("phone")
        if number:
            pid = state.persons_by_id_number.get(number)
            if pid is not None:
                if state.person_values[pid]["name"] != name:
                    raise ValidationError(
                        f"身份证号 {idcard.mask(number)} 在库中登记的是“{state.person_values[pid]['name']}”，"
                        f"不是“{name}”。请核对姓名或身份证号。", "id_number")
                return pid
            return PendingPerson(f"id:{number}")
        if phone:
            found = state.persons_by_name_phone.get((name, phone), [])
            if len(found) == 1:
                return found[0]
            return PendingPerson(f"np:{name}:{phone}")
        return PendingPerson(f"n:{name}")

    def check_row(self, state: VolunteerState, record: dict[str, Any]) -> dict[str, Any]:
        out = dict(record)
        if out.get("id_number"):
            info = idcard.parse(out["id_number"])
            idcard.check_agrees(info, None, out.get("gender") or None)
            out["gender"] = info.gender
        team = self._team(state, out)
        person = self._person(state, out)
        if isinstance(person, PendingPerson) and not out.get("id_number") and not isinstance(team, PendingTeam):
            # No ID number and no exact name-and-phone match: the one team member of that name is that person
            # (their phone may have changed).
            same = state.team_members_by_name.get((team, out["name"]), [])
            if len(same) == 1:
                person = same[0]
        join = out.get("join_date")
        leave = out.get("leave_date")
        now = today().isoformat()
        if join and join > now:
            raise ValidationError(f"入队日期 {join} 晚于今天。", "join_date")
        if leave and join and leave < join:
            raise ValidationError(f"离队日期 {leave} 早于入队日期 {join}。", "leave_date")
        known = isinstance(team, int) and isinstance(person, int) and (team, person) in state.memberships
        if leave and not join and not known:
            raise ValidationError("填写了离队日期，也请填写入队日期。", "join_date")
        if leave and not join and known and leave < state.memberships[(team, person)][1]:
            raise ValidationError(f"离队日期 {leave} 早于库中的入队日期 {state.memberships[(team, person)][1]}。", "leave_date")
        if out.get("is_leader"):
            if leave:
                raise ValidationError("已离队的队员不能是队长。", "is_leader")
            other = state.leaders.get(team)
            if other and other != out["name"]:
                raise ValidationError(f"文件中“{out['team']}”已有队长“{other}”，一支队伍只能有一位队长。", "is_leader")
            state.leaders[team] = out["name"]
        out["team_ref"] = team
        out["person_ref"] = person
        team_key = team if isinstance(team, int) else (team.community_id, team.name)
        out["member_key"] = f"{team_key}|{person if isinstance(person, int) else person.key}"
        return out

    def find_existing(self, state: VolunteerState, record: dict[str, Any]) -> Existing | None:
        team, person = record["team_ref"], record["person_ref"]
        if not isinstance(team, int) or not isinstance(person, int):
            return None
        membership = state.memberships.get((team, person))
        if membership is None:
            return None
        mid, join, leave = membership
        values = {**{k: state.person_values.get(person, {}).get(k) for k in PERSON_UPDATABLE},
                  "skills": state.skills.get(person), "join_date": join, "leave_date": leave}
        return Existing(mid, values, record["name"])

    def new_units(self, state: VolunteerState, plans: list[RowPlan]) -> list[NewUnit]:
        names = {cid: name for cid, name in state.communities.values()}
        pending = dict.fromkeys(p.record["team_ref"] for p in plans if isinstance(p.record.get("team_ref"), PendingTeam))
        return [NewUnit(f"志愿服务队（{t.kind}）", t.name, names.get(t.community_id, "")) for t in pending]

    # Writing --------------------------------------------------------------------------------------

    def write(self, db: Db, state: VolunteerState, creates: list[RowPlan], updates: list[RowPlan],
              progress: ProgressFn | None = None) -> int:
        stamp = now_text()
        team_ids: dict[PendingTeam, int] = {}
        for plan in creates:
            team = plan.record["team_ref"]
            if isinstance(team, PendingTeam) and team not in team_ids:
                team_ids[team] = vol.create_team(db, team.community_id, team.name, team.kind)
        person_ids: dict[PendingPerson, int] = {}
        person_rows: list[dict[str, Any]] = []
        next_person = audit.next_id(db, "person")
        for plan in creates:
            ref, record = plan.record["person_ref"], plan.record
            if isinstance(ref, PendingPerson) and ref not in person_ids:
                full, initials = name_keys(record["name"])
                birth = idcard.parse(record["id_number"]).birth_date.isoformat() if record.get("id_number") else None
                person_rows.append({
                    "id": next_person, "name": record["name"], "gender": record.get("gender"), "birth_date": birth,
                    "id_number": record.get("id_number"), "phone": record.get("phone"), "address": record.get("address"),
                    "ethnicity": None, "native_place": None, "education": None, "note": None,
                    "name_pinyin": full, "name_initials": initials, "created_at": stamp, "updated_at": stamp,
                })
                person_ids[ref] = next_person
                next_person += 1
        audit.bulk_insert(db, "person", person_rows)

        def person_of(ref: int | PendingPerson) -> int:
            return person_ids[ref] if isinstance(ref, PendingPerson) else ref

        volunteer_ids = {pid: vid for vid, pid in db.execute("SELECT id, person_id FROM volunteer").fetchall()}
        volunteer_rows, membership_rows = [], []
        next_volunteer, next_membership = audit.next_id(db, "volunteer"), audit.next_id(db, "volunteer_team_member")
        leaders: list[tuple[int, int]] = []
        for plan in creates:
            record = plan.record
            pid = person_of(record["person_ref"])
            if pid not in volunteer_ids:
                volunteer_ids[pid] = next_volunteer
                volunteer_rows.append({"id": next_volunteer, "person_id": pid, "skills": record.get("skills"),
                                       "note": None, "created_at": stamp, "updated_at": stamp})
                next_volunteer += 1
            elif record.get("skills") and not state.skills.get(pid):
                audit.update(db, "volunteer", volunteer_ids[pid], {"skills": record["skills"], "updated_at": stamp})
            team = record["team_ref"]
            tid = team_ids[team] if isinstance(team, PendingTeam) else team
            membership_rows.append({"id": next_membership, "team_id": tid, "volunteer_id": volunteer_ids[pid],
                                    "join_date": record.get("join_date") or today().isoformat(),
                                    "leave_date": record.get("leave_date"), "created_at": stamp})
            next_membership += 1
            if record.get("is_leader"):
                leaders.append((tid, volunteer_ids[pid]))
        audit.bulk_insert(db, "volunteer", volunteer_rows)
        audit.bulk_insert(db, "volunteer_team_member", membership_rows)
        for n, plan in enumerate(updates):
            pid = plan.record["person_ref"]
            person_changes = {k: v for k, v in plan.changes.items() if k in PERSON_UPDATABLE}
            if person_changes:
                audit.update(db, "person", pid, {**person_changes, "updated_at": stamp})
            if "skills" in plan.changes:
                audit.update(db, "volunteer", volunteer_ids[pid], {"skills": plan.changes["skills"], "updated_at": stamp})
            membership_changes = {k: v for k, v in plan.changes.items() if k in MEMBERSHIP_UPDATABLE}
            join = membership_changes.get("join_date", plan.existing.values["join_date"])
            leave = membership_changes.get("leave_date", plan.existing.values["leave_date"])
            if leave and leave < join:
                raise ValidationError(f"第 {plan.row} 行：离队日期 {leave} 早于入队日期 {join}。", "leave_date")
            if membership_changes:
                audit.update(db, "volunteer_team_member", plan.existing.id, membership_changes)
            if plan.record.get("is_leader"):
                leaders.append((plan.record["team_ref"], volunteer_ids[pid]))
            if progress and n % 1000 == 999:
                progress(n + 1, len(updates))
        for tid, vid in leaders:
            audit.update(db, "volunteer_team", tid, {"leader_volunteer_id": vid, "updated_at": stamp})
        return len(team_ids)


VOLUNTEERS = register(VolunteerImport())

