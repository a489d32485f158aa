"""Demo step: volunteer teams in every community, a year of activities with hours, 双报到 members and units.

Volume is bounded (about 80 teams, 2,500 activities, 25,000 participations) whatever the member count.
"""

from __future__ import annotations

import datetime as dt

from core import audit
from core.clock import now_text
from core.db import Db
from core.demo import COMMUNITIES, DemoContext, PeopleFactory, names

# Lingwu: 21 学雷锋 teams across the communities, plus named teams.
LEIFENG_TEAMS = 21
NAMED_TEAMS = [("爱心敲门队", "爱心敲门"), ("爱花护绿队", "爱花护绿"), ("治安巡逻队", "治安巡逻"), ("文明宣传队", "文明宣传")]
CONTENT = {
    "学雷锋": ["清扫楼道和小区公共区域", "为老年人义务理发、测血压", "义务维修小家电", "清理小广告和楼道杂物", "帮助独居老人打扫卫生"],
    "党员突击队": ["人居环境集中整治", "清理积雪、疏通道路", "文明城市创建路口值守", "防汛隐患排查", "老旧小区改造入户宣传"],
    "爱心敲门": ["走访独居老人、了解生活需求", "为困难家庭送米面油", "陪伴空巢老人聊天", "为行动不便老人代购药品"],
    "爱花护绿": ["修剪绿化带", "花坛补种花苗", "清理绿地垃圾", "树木刷白防虫"],
    "治安巡逻": ["夜间治安巡逻", "防电信诈骗宣传", "消防通道和电动车充电检查", "校园周边护学"],
    "文明宣传": ["垃圾分类宣传", "移风易俗宣传", "反邪教知识宣传", "文明养犬宣传"],
}
PLACES = ["社区党群服务中心", "小区广场", "各楼栋单元", "社区文化活动室", "小区主干道", "社区卫生服务站"]
LENGTHS = [60, 90, 120, 120, 150, 180]
UNITS_PER_COMMUNITY = (2, 4)
REGISTERED_PER_COMMUNITY = 24


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _kind_ids(db: Db) -> dict[str, int]:
    return {name: kid for kid, name in db.execute("SELECT id, name FROM volunteer_team_kind").fetchall()}


def build(db: Db, ctx: DemoContext) -> None:
    rng, today = ctx.rng, ctx.today
    stamp = now_text()
    kinds = _kind_ids(db)
    people = PeopleFactory(db, rng, today)
    start = today - dt.timedelta(days=365)

    # Party members by community (person ids) and in-service members with their work unit.
    members_by_community: dict[int, list[int]] = {c: [] for c in ctx.community_ids}
    in_service: dict[int, list[tuple[int, int, str | None]]] = {c: [] for c in ctx.community_ids}
    for member_id, person_id, community_id, person_type, work_unit in db.execute(
        """SELECT m.id, m.person_id, b.parent_id, m.person_type, m.work_unit FROM member m
           JOIN org_unit b ON b.id = m.branch_id JOIN org_unit c ON c.id = b.parent_id
           WHERE c.kind = 'community' AND m.status IN ('正常', '困难党员')"""
    ):
        pool = members_by_community[community_id]
        if len(pool) < 400:  # enough to draw teams from at any size
            pool.append(person_id)
        if person_type == "在职" and len(in_service[community_id]) < REGISTERED_PER_COMMUNITY * 3:
            in_service[community_id].append((member_id, person_id, work_unit))

    heads_by_community: dict[int, list[int]] = {}
    if "household" in db.table_names():
        for community_id, person_id in db.execute(
            """SELECT g.community_id, h.head_person_id FROM household h JOIN grid g ON g.id = h.grid_id
               WHERE h.head_person_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM member m WHERE m.person_id = h.head_person_id)"""
        ):
            pool = heads_by_community.setdefault(community_id, [])
            if len(pool) < 200:
                pool.append(person_id)

    volunteer_rows: list[dict] = []
    volunteer_of: dict[int, int] = {}
    next_volunteer = audit.next_id(db, "volunteer")

    def volunteer(person_id: int, skills: str | None = None) -> int:
        nonlocal next_volunteer
        if person_id not in volunteer_of:
            volunteer_of[person_id] = next_volunteer
            volunteer_rows.append({"id": next_volunteer, "person_id": person_id, "skills": skills, "note": None,
                                   "created_at": stamp, "updated_at": stamp})
            next_volunteer += 1
        return volunteer_of[person_id]

    residents: list[dict] = []
    teams: list[dict] = []
    memberships: list[dict] = []
    team_people: dict[int, list[tuple[int, str, str | None]]] = {}  # team -> (person, join, leave)
    team_kind: dict[int, str] = {}
    next_team, next_membership = audit.next_id(db, "volunteer_team"), audit.next_id(db, "volunteer_team_member")
    leifeng_left = LEIFENG_TEAMS
    skills = ["理发", "电器维修", "医疗护理", "法律咨询", "书法", "心理疏导", "驾驶", None, None, None]

    for index, community_id in enumerate(ctx.community_ids):
        base = COMMUNITIES[index]
        communities_left = len(ctx.community_ids) - index
        leifeng = max(1, round(leifeng_left / communities_left)) if leifeng_left else 0
        leifeng_left -= leifeng
        specs = [(f"{base}学雷锋志愿服务{'一二三'[n]}队" if leifeng > 1 else f"{base}学雷锋志愿服务队", "学雷锋")
                 for n in range(leifeng)]
        specs.append((f"{base}党员突击队", "党员突击队"))
        specs += [(f"{base}{name}", kind) for name, kind in rng.sample(NAMED_TEAMS, rng.randint(2, 3))]
        estate = names.ESTATES[index % len(names.ESTATES)]
        wanted = rng.randint(20, 35)
        # Residents who volunteer: household heads of the community where the visits step made them
        # (one person, two roles), the rest new people living there.
        heads = heads_by_community.get(community_id, [])
        local_residents = rng.sample(heads, min(len(heads), wanted * 2 // 3))
        for _ in range(wanted - len(local_residents)):
            row = people.person(20, 75)
            row["address"] = people.address(estate)
            residents.append(row)
            local_residents.append(row["id"])
        party = members_by_community[community_id]
        for team_name, kind in specs:
            team_id = next_team
            next_team += 1
            founded = start - dt.timedelta(days=rng.randrange(200, 2500))
            size = rng.randint(8, 22)
            share = 0.8 if kind == "党员突击队" else 0.45
            chosen: list[int] = []
            for _ in range(size):
                pool = party if party and rng.random() < share else local_residents
                person_id = rng.choice(pool)
                if person_id not in chosen:
                    chosen.append(person_id)
            team_people[team_id] = []
            for n, person_id in enumerate(chosen):
                volunteer(person_id, rng.choice(skills))
                joined = founded + dt.timedelta(days=rng.randrange(0, (today - founded).days - 30)) if n else founded
                left = None
                if n and rng.random() < 0.08:  # a few members left during the year
                    left = max(joined, start + dt.timedelta(days=rng.randrange(30, 330)))
                memberships.append({"id": next_membership, "team_id": team_id, "volunteer_id": volunteer_of[person_id],
                                    "join_date": joined.isoformat(), "leave_date": left.isoformat() if left else None,
                                    "created_at": stamp})
                next_membership += 1
                team_people[team_id].append((person_id, joined.isoformat(), left.isoformat() if left else None))
            teams.append({"id": team_id, "community_id": community_id, "name": team_name, "kind_id": kinds[kind],
                          "leader_volunteer_id": volunteer_of[chosen[0]], "founded_date": founded.isoformat(),
                          "note": None, "created_at": stamp, "updated_at": stamp})
            team_kind[team_id] = kind

    audit.bulk_insert(db, "person", residents)
    ctx.person_ids += [r["id"] for r in residents]

    # Co-building units and registered in-service members.
    units: list[dict] = []
    units_by_community: dict[int, list[int]] = {}
    next_unit = audit.next_id(db, "cobuilding_unit")
    registrations: list[dict] = []
    registered_by_community: dict[int, list[tuple[int, float]]] = {}
    next_registration = audit.next_id(db, "dual_registration")
    for community_id in ctx.community_ids:
        units_by_community[community_id] = []
        for unit_name in rng.sample(names.WORK_UNITS, rng.randint(*UNITS_PER_COMMUNITY)):
            units.append({"id": next_unit, "community_id": community_id, "name": unit_name, "party_org": f"{unit_name}党委",
                          "registered_date": (start - dt.timedelta(days=rng.randrange(0, 900))).isoformat(),
                          "contact_name": people.name(rng.choice("男女")), "contact_phone": people.phone(),
                          "ended_date": None, "note": None, "created_at": stamp, "updated_at": stamp})
            units_by_community[community_id].append(next_unit)
            next_unit += 1
        registered_by_community[community_id] = []
        candidates = in_service[community_id]
        for member_id, person_id, work_unit in rng.sample(candidates, min(REGISTERED_PER_COMMUNITY, len(candidates))):
            unit_name = (work_unit or rng.choice(names.WORK_UNITS))
            for post in names.POSTS:
                unit_name = unit_name.removesuffix(post)
            registrations.append({
                "id": next_registration, "member_id": member_id, "community_id": community_id,
                "registered_date": (start - dt.timedelta(days=rng.randrange(-200, 900))).isoformat(),
                "work_unit": unit_name, "unit_party_org": f"{unit_name}党委", "unit_id": None, "ended_date": None,
                "note": None, "created_at": stamp, "updated_at": stamp,
            })
            next_registration += 1
            # Most serve their 6 hours or more; about a quarter fall short.
            target = rng.choice([0, 1, 2, 3, 4]) * 60 if rng.random() < 0.25 else rng.randint(6, 14) * 60
            registered_by_community[community_id].append((person_id, target))
    audit.bulk_insert(db, "cobuilding_unit", units)

    # A year of activities: each team two or three times a month.
    activities: list[dict] = []
    activity_teams: list[dict] = []
    activity_units: list[dict] = []
    participations: list[dict] = []
    busy: dict[tuple[int, str], list[tuple[int, int]]] = {}
    next_activity = audit.next_id(db, "volunteer_activity")
    next_link, next_unit_link = audit.next_id(db, "volunteer_activity_team"), audit.next_id(db, "volunteer_activity_unit")
    next_participation = audit.next_id(db, "volunteer_participation")
    by_community: dict[int, list[tuple[int, str, int, int]]] = {c: [] for c in ctx.community_ids}

    def free(person_id: int, day: str, begin: int, end: int) -> bool:
        return all(end <= s or begin >= e for s, e in busy.get((person_id, day), ()))

    def take(activity_id: int, person_id: int, day: str, begin: int, end: int, minutes: int, team_id: int | None) -> None:
        nonlocal next_participation
        busy.setdefault((person_id, day), []).append((begin, end))
        participations.append({"id": next_participation, "activity_id": activity_id, "volunteer_id": volunteer(person_id),
                               "team_id": team_id, "minutes": minutes})
        next_participation += 1

    for team in teams:
        team_id, community_id, kind = team["id"], team["community_id"], team_kind[team["id"]]
        day = start + dt.timedelta(days=rng.randrange(1, 12))
        while day <= today:
            iso = day.isoformat()
            length = rng.choice(LENGTHS)
            begin = 19 * 60 if kind == "治安巡逻" and rng.random() < 0.6 else rng.choice([8 * 60 + 30, 9 * 60, 14 * 60 + 30, 15 * 60])
            end = begin + length
            activity_id = next_activity
            next_activity += 1
            activities.append({"id": activity_id, "community_id": community_id, "date": iso, "start_time": _hhmm(begin),
                               "end_time": _hhmm(end), "place": rng.choice(PLACES), "content": rng.choice(CONTENT[kind]),
                               "note": None, "created_at": stamp, "updated_at": stamp})
            activity_teams.append({"id": next_link, "activity_id": activity_id, "team_id": team_id})
            next_link += 1
            if units_by_community[community_id] and rng.random() < 0.18:
                activity_units.append({"id": next_unit_link, "activity_id": activity_id,
                                       "unit_id": rng.choice(units_by_community[community_id])})
                next_unit_link += 1
            for person_id, joined, left in team_people[team_id]:
                active = joined <= iso and (left is None or left >= iso)
                if active and rng.random() < 0.7 and free(person_id, iso, begin, end):
                    minutes = length if rng.random() < 0.9 else max(30, length // 2 // 30 * 30)
                    take(activity_id, person_id, iso, begin, end, minutes, team_id)
            by_community[community_id].append((activity_id, iso, begin, end))
            day += dt.timedelta(days=rng.randint(9, 16))

    # Registered members join their community's activities this year until they reach their target.
    year_start = dt.date(today.year, 1, 1).isoformat()
    for community_id, registered in registered_by_community.items():
        this_year = [a for a in by_community[community_id] if a[1] >= year_start]
        for person_id, target in registered:
            served = 0
            for activity_id, iso, begin, end in rng.sample(this_year, len(this_year)):
                if served >= target:
                    break
                if not free(person_id, iso, begin, end):
                    continue
                minutes = min(end - begin, target - served) if rng.random() < 0.5 else end - begin
                take(activity_id, person_id, iso, begin, end, minutes, None)
                served += minutes
    # A participant who is not a member of the activity's team is credited to that team.
    team_of_activity = {link["activity_id"]: link["team_id"] for link in activity_teams}
    for p in participations:
        if p["team_id"] is None:
            p["team_id"] = team_of_activity[p["activity_id"]]

    audit.bulk_insert(db, "volunteer", volunteer_rows)
    audit.bulk_insert(db, "volunteer_team", teams)
    audit.bulk_insert(db, "volunteer_team_member", memberships)
    audit.bulk_insert(db, "dual_registration", registrations)
    audit.bulk_insert(db, "volunteer_activity", activities)
    audit.bulk_insert(db, "volunteer_activity_team", activity_teams)
    audit.bulk_insert(db, "volunteer_activity_unit", activity_units)
    audit.bulk_insert(db, "volunteer_participation", participations)
