"""Demo 三会一课: branch committees and up to fourteen months of meetings with attendance per branch.

Most branches keep the rules; a few fall behind (skipped months, a missed quarterly meeting) and
a few members are absent without leave again and again, so the compliance view has work to show.
"""

from __future__ import annotations

import datetime as dt
import json

from core import audit, members
from core.clock import now_text
from core.db import Db
from core.demo import DemoContext

MONTHS_OF_HISTORY = 14
# Every member is expected at about 2.7 meetings a month (theme day, group, quarterly ones). Huge
# stress-test offices (100k members) get a shorter history so the demo stays quick; an office of
# ordinary size (up to ~12,000 members) gets the full fourteen months.
ATTENDANCE_ROW_BUDGET = 450_000
ROWS_PER_MEMBER_MONTH = 2.7
PLACES = ["社区党群服务中心会议室", "新时代文明实践站", "社区党员活动室", "网格工作站", "红色驿站", "街道党建馆"]
LEAVE_REASONS = ["外出探亲", "身体不适住院", "单位值班", "照顾生病家人", "外出务工", "出差", "参加单位培训", "年老行动不便"]
TOPICS = {
    "general": ["学习传达上级会议精神，讨论本季度重点工作", "讨论接收预备党员、预备党员转正事宜", "通报党费收缴情况，部署下季度工作",
                "学习《中国共产党支部工作条例（试行）》"],
    "committee": ["研究本月党建工作安排", "研究发展党员工作", "研究困难党员慰问事宜", "研究网格化服务和“五必问”走访安排",
                  "讨论“双报到”党员服务项目", "研究主题党日活动方案"],
    "group": ["学习党的创新理论，交流学习体会", "收集楼栋居民意见建议", "安排党员联系户走访", "学习党章，交流心得"],
    "lesson": ["书记讲党课：践行初心使命，服务社区群众", "专题党课：学习党史，传承红色基因", "党课：以高质量党建引领基层治理",
               "党课：密切联系群众，做群众贴心人"],
    "theme_day": ["重温入党誓词，开展社区环境整治志愿服务", "走访慰问困难党员和独居老人", "参观红色教育基地", "开展“学雷锋”志愿服务",
                  "开展垃圾分类宣传", "开展政策宣讲进楼栋"],
    "life": ["召开年度组织生活会，开展批评与自我批评"],
    "appraisal": ["开展年度民主评议党员"],
}
TIMES = [("09:00", "10:30"), ("09:30", "11:00"), ("14:30", "16:00"), ("15:00", "16:30"), ("19:30", "21:00")]
ROLES = ["书记", "组织委员", "宣传委员", "纪检委员", "副书记"]
YEAR_MONTHS = {"life": 1, "appraisal": 2}  # held for the year in its first quarter, as many branches do


def _month_start(day: dt.date, back: int) -> dt.date:
    months = day.year * 12 + day.month - 1 - back
    return dt.date(months // 12, months % 12 + 1, 1)


def _days_in_month(first: dt.date) -> int:
    nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return (nxt - first).days


def build(db: Db, ctx: DemoContext) -> None:
    rng, today = ctx.rng, ctx.today
    stamp = now_text()
    kinds = {r[0]: r[1] for r in db.execute("SELECT code, id FROM meeting_kind")}
    roster: dict[int, list[tuple[int, int | None, str]]] = {b: [] for b in ctx.branch_ids}
    statuses = members.roster_statuses(db)
    for person_id, branch_id, group_id, status in db.execute(
        f"SELECT person_id, branch_id, party_group_id, status FROM member "
        f"WHERE status IN ({','.join('?' * len(statuses))}) ORDER BY id", statuses,
    ):
        if branch_id in roster:
            roster[branch_id].append((person_id, group_id, status))

    seats, committees = [], {}
    seat_id = audit.next_id(db, "branch_committee")
    for branch_id in ctx.branch_ids:
        people = roster[branch_id]
        size = min(len(people), rng.choice([3, 5, 5]))
        chosen = rng.sample(people, size) if size else []
        committees[branch_id] = [p[0] for p in chosen]
        for role, person in zip(ROLES, chosen):
            seats.append({"id": seat_id, "branch_id": branch_id, "person_id": person[0], "role": role,
                          "start_date": _month_start(today, 30).isoformat(), "created_at": stamp})
            seat_id += 1
    audit.bulk_insert(db, "branch_committee", seats)

    behind = set(rng.sample(ctx.branch_ids, min(3, len(ctx.branch_ids))))
    meeting_rows, attendance_rows, guest_rows = [], [], []
    meeting_id = audit.next_id(db, "meeting")
    attendance_id = audit.next_id(db, "meeting_attendance")
    guest_id = audit.next_id(db, "meeting_guest")

    def add(branch_id: int, unit_id: int, kind: str, day: dt.date, expected: list[tuple[int, int | None, str]],
            chronic: set[int], status: str = "已召开") -> None:
        nonlocal meeting_id, attendance_id, guest_id
        start, end = rng.choice(TIMES)
        host = committees[branch_id][0] if committees[branch_id] else None
        recorder = committees[branch_id][1] if len(committees[branch_id]) > 1 else None
        if kind == "group" and expected:
            host = expected[0][0]
            recorder = expected[-1][0]
        topic = rng.choice(TOPICS[kind])
        held = status == "已召开"
        meeting_rows.append({
            "id": meeting_id, "unit_id": unit_id, "branch_id": branch_id, "kind_id": kinds[kind], "status": status,
            "date": day.isoformat(), "start_time": start, "end_time": end, "place": rng.choice(PLACES),
            "host_person_id": host, "recorder_person_id": recorder, "topic": topic,
            "minutes": (f"主持人介绍会议议程。会议围绕“{topic}”展开，与会同志逐一发言，结合社区实际提出意见建议。"
                        f"主持人作总结讲话，对下一步工作提出要求。") if held else None,
            "resolutions": "一、按会议部署抓好落实；二、由支部委员分工负责，月底前报告进展。" if held else None,
            "attachments": json.dumps(["签到表.jpg", "会议照片.jpg"] if held and rng.random() < 0.6 else [],
                                      ensure_ascii=False),
            "created_at": stamp, "updated_at": stamp,
        })
        for person_id, _group, member_status in expected:
            reason = None
            if not held or person_id in (host, recorder):  # who chairs or minutes a meeting is there
                state = "出席"
            elif person_id in chronic:
                state = "缺席" if rng.random() < 0.85 else "出席"
            else:
                roll = rng.random()
                away = member_status == "流动外出"
                if roll < (0.55 if away else 0.06):
                    state, reason = "请假", ("外出务工" if away else rng.choice(LEAVE_REASONS))
                elif roll < (0.6 if away else 0.09):
                    state = "缺席"
                else:
                    state = "出席"
            attendance_rows.append({"id": attendance_id, "meeting_id": meeting_id, "person_id": person_id,
                                    "status": state, "reason": reason})
            attendance_id += 1
        if held and kind in ("lesson", "life") and rng.random() < 0.5:
            guest_rows.append({"id": guest_id, "meeting_id": meeting_id, "person_id": None,
                               "name": rng.choice(["街道党工委委员", "社区民警", "驻区单位党委书记", "联系点领导"]),
                               "note": "列席指导"})
            guest_id += 1
        meeting_id += 1

    active = sum(len(v) for v in roster.values())
    months = max(2, min(MONTHS_OF_HISTORY, int(ATTENDANCE_ROW_BUDGET / max(1.0, active * ROWS_PER_MEMBER_MONTH))))
    first = _month_start(today, months - 1)
    previous_quarter = today.year * 4 + (today.month - 1) // 3 - 1
    for branch_id in ctx.branch_ids:
        people = roster[branch_id]
        committee_set = set(committees[branch_id])
        committee_people = [p for p in people if p[0] in committee_set]
        groups: dict[int, list] = {g: [] for g in ctx.group_ids_by_branch.get(branch_id, [])}
        for p in people:
            if p[1] in groups:
                groups[p[1]].append(p)
        candidates = [p[0] for p in people if p[0] not in committee_set]
        chronic = set(rng.sample(candidates, min(len(candidates), max(1, len(people) // 150))))
        lagging = branch_id in behind
        skip = 0.3 if lagging else 0.01
        for back in range(months):
            month = _month_start(first, -back)
            if month > today:
                break
            span = _days_in_month(month)
            last_day = today if (month.year, month.month) == (today.year, today.month) else None

            def day_in(lo: int = 1, hi: int = span) -> dt.date | None:
                day = month.replace(day=rng.randint(lo, min(hi, span)))
                return None if last_day and day > last_day else day

            plan = [("committee", branch_id, committee_people), ("theme_day", branch_id, people)]
            plan += [("group", g, ms) for g, ms in groups.items()]
            if month.month % 3 == 2:
                plan += [("general", branch_id, people), ("lesson", branch_id, people)]
            for kind, month_no in YEAR_MONTHS.items():
                if month.month == month_no:
                    plan.append((kind, branch_id, people))
            for kind, unit_id, expected in plan:
                if rng.random() < skip:
                    continue
                if lagging and kind == "general" and month.year * 4 + (month.month - 1) // 3 == previous_quarter:
                    continue
                day = day_in(1, 28)
                if day is None:
                    continue
                add(branch_id, unit_id, kind, day, expected, chronic)
        # One planned meeting ahead for the sign-in sheet.
        upcoming = today + dt.timedelta(days=rng.randint(3, 12))
        add(branch_id, branch_id, "theme_day", upcoming, people, set(), status="计划")
    audit.bulk_insert(db, "meeting", meeting_rows)
    audit.bulk_insert(db, "meeting_attendance", attendance_rows)
    audit.bulk_insert(db, "meeting_guest", guest_rows)
