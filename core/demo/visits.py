"""Demo step: households for every grid with special tags, a year of 五必问 visits, problems in every stage."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from core import audit
from core.clock import now_text
from core.db import Db
from core.demo import DemoContext, PeopleFactory, names
from core.households import format_address, tag_ids_by_name
from core.problems import time_text

# Share of households carrying each special-group tag (rough rates of an older urban community).
TAG_RATES = {
    "低保户": 0.04, "特困": 0.01, "残疾人": 0.05, "独居老人": 0.06, "孤寡老人": 0.012, "空巢老人": 0.08,
    "零就业": 0.02, "矫正人员": 0.003, "刑满释放人员": 0.003, "重病患者": 0.03, "精神障碍患者": 0.005,
    "留守儿童": 0.01, "失独家庭": 0.003, "优抚对象": 0.015, "困难党员户": 0.005,
}
# Per item: (situation-noted texts, problem-found texts).
ITEM_TEXTS = {
    1: (["家中老人长期卧病，医药费负担较重", "低保待遇已落实，生活基本稳定", "孩子上学费用紧张，已告知助学政策"],
        ["家庭收入骤降，申请临时救助", "低保年审材料不会填写，需要帮办", "冬季取暖费无力缴纳"]),
    2: (["独居老人行动不便，子女在外地", "老人听力差，需定期上门看望", "老人身体尚可，已留联系电话"],
        ["老人家中燃气灶老化存在隐患", "老人需要助餐服务", "老人曾在家摔倒，申请安装紧急呼叫器"]),
    3: (["家中一人待业，已登记求职", "下岗人员在打零工，收入不稳定"],
        ["夫妻双方均失业，申请公益性岗位", "大学毕业生未就业，需推荐岗位", "残疾家属就业困难，需技能培训"]),
    4: (["与楼上邻居因噪音有过口角，已劝解", "家庭成员间有分歧，情绪稳定"],
        ["楼上漏水与邻居协商不成", "家庭赡养纠纷需要调解", "占用公共楼道堆物引发邻里纠纷"]),
    5: (["反映小区停车难", "希望增加健身器材", "物业费标准有疑问，已解释"],
        ["单元门禁损坏", "楼道灯不亮", "电梯经常停运", "化粪池堵塞返味", "屋顶漏水物业未处理", "垃圾清运不及时"]),
}
DIRECT = {
    "12345热线": ["路灯损坏影响夜间出行", "小区门口占道经营", "广场舞噪音扰民", "自来水水压不足", "供暖温度不达标"],
    "居民来访": ["咨询高龄津贴办理", "反映邻居私搭乱建", "申请困难救助", "反映楼道堆放杂物存在消防隐患"],
    "网格巡查": ["井盖缺失存在安全隐患", "流浪犬出没", "电动车楼道充电", "围墙破损", "绿化带被毁种菜"],
}
DIRECT_CATEGORY = {"路灯": "设施维修", "占道": "环境卫生", "噪音": "矛盾纠纷", "水压": "物业管理", "供暖": "物业管理",
                   "津贴": "政策咨询", "私搭": "矛盾纠纷", "救助": "生活困难", "消防": "治安隐患", "井盖": "设施维修",
                   "流浪犬": "环境卫生", "充电": "治安隐患", "围墙": "设施维修", "绿化": "环境卫生"}
ITEM_CATEGORY = {1: "生活困难", 2: "养老服务", 3: "就业帮扶", 4: "矛盾纠纷", 5: "物业管理"}
HOURS = {"一般": 1, "重大": 24, "复杂": 168}
HANDLING = {
    "研判": "经研判，{sev}问题，纳入台账跟踪。",
    "分类": "归入{cat}类，明确责任人。",
    "处置": "责任人上门处理，问题已解决。",
    "复杂处置": "已会同物业和相关部门形成解决方案，分步实施。",
}


class _Ids:
    def __init__(self, db: Db, table: str):
        self.value = audit.next_id(db, table)

    def take(self) -> int:
        self.value += 1
        return self.value - 1


def _scale(members: int) -> float:
    """Households grow with the office, slowly: 1× at the default demo, 2× at 100,000 members and beyond."""
    return min(2.0, 1.0 + members / 100_000)


def build(db: Db, ctx: DemoContext) -> None:
    rng = ctx.rng
    real_now = dt.datetime.now().replace(second=0, microsecond=0)
    now = real_now if ctx.today == real_now.date() else dt.datetime.combine(ctx.today, dt.time(16, 30))
    people = PeopleFactory(db, rng, ctx.today)
    stamp = now_text()
    tags = tag_ids_by_name(db)
    scale = _scale(len(ctx.member_ids))

    grid_rows = db.execute("SELECT id, community_id, worker_person_id FROM grid ORDER BY id").fetchall()
    members_by_grid: dict[int, list[int]] = {}
    for person_id, grid_id in db.execute("SELECT person_id, grid_id FROM member WHERE grid_id IS NOT NULL AND status = '正常'"):
        members_by_grid.setdefault(grid_id, []).append(person_id)

    new_persons: list[dict] = []
    household_rows: list[dict] = []
    tag_rows: list[dict] = []
    household_ids = _Ids(db, "household")
    tag_link_ids = _Ids(db, "household_tag")
    info: list[tuple[int, int, list[int], bool]] = []  # household, grid, visitor pool, special
    community_order = {c: i for i, c in enumerate(ctx.community_ids)}

    for grid_id, community_id, worker_id in grid_rows:
        index = community_order.get(community_id, 0)
        estate = names.ESTATES[index % len(names.ESTATES)]
        grid_no = grid_id % 8
        # 包片 cadres: the grid worker and one or two party members living in the grid (or new people).
        local_members = members_by_grid.get(grid_id, [])
        cadres = [worker_id] if worker_id else []
        for person_id in rng.sample(local_members, min(len(local_members), rng.randint(1, 2))):
            cadres.append(person_id)
        if not cadres:
            p = people.person(30, 55)
            new_persons.append(p)
            cadres.append(p["id"])
        count = int(rng.randint(40, 80) * scale)
        slots = [(b, u, f, d) for b in range(grid_no * 6 + 1, grid_no * 6 + 7) for u in range(1, 5)
                 for f in range(1, 12) for d in (1, 2)]
        member_heads = [p for p in local_members if rng.random() < 0.25]
        for building, unit, floor, door in rng.sample(slots, min(count, len(slots))):
            room = f"{floor}{door:02d}"
            if member_heads:
                head_id, phone = member_heads.pop(), None
            else:
                head = people.person(25, 90)
                head["address"] = format_address(estate, str(building), str(unit), room)
                new_persons.append(head)
                head_id, phone = head["id"], head["phone"]
            hid = household_ids.take()
            household_rows.append({
                "id": hid, "grid_id": grid_id, "estate": estate, "building": str(building), "unit": str(unit),
                "room": room, "address": format_address(estate, str(building), str(unit), room),
                "head_person_id": head_id, "phone": phone, "people_count": rng.choices([1, 2, 3, 4, 5, 6], [12, 30, 28, 18, 8, 4])[0],
                "cadre_person_id": rng.choice(cadres), "note": None, "created_at": stamp, "updated_at": stamp,
            })
            special = False
            for name, rate in TAG_RATES.items():
                if name in tags and rng.random() < rate:
                    tag_rows.append({"id": tag_link_ids.take(), "household_id": hid, "tag_id": tags[name]})
                    special = True
            info.append((hid, grid_id, cadres, special))

    audit.bulk_insert(db, "person", new_persons)
    audit.bulk_insert(db, "household", household_rows)
    audit.bulk_insert(db, "household_tag", tag_rows)
    cadre_of = {h["id"]: h["cadre_person_id"] for h in household_rows}
    _build_visits_and_problems(db, ctx, rng, now, info, cadre_of, stamp, scale)


def _finding(rng: random.Random) -> str:
    return rng.choices(["无异常", "有情况", "发现问题"], [87.5, 11, 1.5])[0]


def _build_visits_and_problems(db: Db, ctx: DemoContext, rng: random.Random, now: dt.datetime,
                               info: list[tuple[int, int, list[int], bool]], cadre_of: dict[int, int], stamp: str,
                               scale: float) -> None:
    visit_ids, item_ids, visitor_ids = _Ids(db, "home_visit"), _Ids(db, "visit_item"), _Ids(db, "visit_visitor")
    visits, items, visitors = [], [], []
    found: list[dict[str, Any]] = []  # problems to create from visit items
    year_ago = ctx.today - dt.timedelta(days=365)
    lazy_grids = {g for g in sorted({g for _, g, _, _ in info}) if rng.random() < 0.15}  # a few grids lag behind
    for hid, grid_id, cadres, special in info:
        if rng.random() < (0.12 if grid_id in lazy_grids else 0.04):
            continue  # never visited this year
        if special:
            # Special-group households: roughly monthly, with the odd gap.
            days, day = [], year_ago + dt.timedelta(days=rng.randrange(30))
            while day <= ctx.today:
                if rng.random() > 0.08:
                    days.append(day)
                day += dt.timedelta(days=rng.randint(18, 40) if scale < 1.5 else rng.randint(25, 50))
        else:
            days = [year_ago + dt.timedelta(days=rng.randrange(366)) for _ in range(rng.randint(1, 3 if scale < 1.5 else 2))]
        if grid_id in lazy_grids:
            days = days[::2]
        for day in days:
            vid = visit_ids.take()
            answered = 5 if rng.random() > 0.03 else rng.randint(2, 4)
            for no in range(1, 6):
                finding = _finding(rng) if no <= answered else None
                text = None
                if finding == "有情况":
                    text = rng.choice(ITEM_TEXTS[no][0])
                elif finding == "发现问题":
                    text = rng.choice(ITEM_TEXTS[no][1])
                iid = item_ids.take()
                items.append({"id": iid, "visit_id": vid, "item_no": no, "finding": finding, "text": text})
                if finding == "发现问题":
                    found.append({"item_id": iid, "household_id": hid, "grid_id": grid_id, "day": day, "no": no,
                                  "text": text, "visitor": cadre_of[hid]})
            visits.append({"id": vid, "household_id": hid, "visit_date": day.isoformat(), "complete": int(answered == 5),
                           "note": None, "created_at": stamp, "updated_at": stamp})
            team = [cadre_of[hid]]
            if rng.random() < 0.3:
                other = rng.choice(cadres)
                if other not in team:
                    team.append(other)
            for person_id in team:
                visitors.append({"id": visitor_ids.take(), "visit_id": vid, "person_id": person_id})
    audit.bulk_insert(db, "home_visit", visits)
    audit.bulk_insert(db, "visit_item", items)
    audit.bulk_insert(db, "visit_visitor", visitors)

    # Direct problems: hotline, walk-ins and patrols, about a third as many as visits bring.
    grid_people = {}
    for hid, grid_id, cadres, _ in info:
        grid_people.setdefault(grid_id, cadres)
    specs = []
    for f in found:
        specs.append({
            "source": "走访", "title": f"{('特困家庭', '孤寡老人', '零就业家庭', '矛盾纠纷', '物业管理')[f['no'] - 1]}：{f['text']}",
            "description": f["text"], "category": ITEM_CATEGORY[f["no"]], "grid_id": f["grid_id"],
            "household_id": f["household_id"], "visit_item_id": f["item_id"], "finder": f["visitor"],
            "found": dt.datetime.combine(f["day"], dt.time(rng.randint(9, 16), rng.choice((0, 10, 20, 30, 40, 50)))),
        })
    grids = list(grid_people)
    for _ in range(max(6, len(found) // 3)):
        source = rng.choices(["12345热线", "居民来访", "网格巡查"], [45, 25, 30])[0]
        title = rng.choice(DIRECT[source])
        grid_id = rng.choice(grids)
        category = next((c for key, c in DIRECT_CATEGORY.items() if key in title), "其他")
        day = ctx.today - dt.timedelta(days=rng.randrange(366))
        specs.append({
            "source": source, "title": title, "description": title, "category": category, "grid_id": grid_id,
            "household_id": None, "visit_item_id": None, "finder": rng.choice(grid_people[grid_id]),
            "found": dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.choice((0, 15, 30, 45)))),
            "reporter": rng.choice(names.SURNAMES) + rng.choice(["先生", "女士", "大爷", "阿姨"]),
        })
    # A handful found today, so the board always shows fresh, due-soon and overdue work.
    for minutes in (20, 50, 95, 180, 400):
        grid_id = rng.choice(grids)
        specs.append({
            "source": "12345热线", "title": rng.choice(DIRECT["12345热线"]), "description": None, "category": None,
            "grid_id": grid_id, "household_id": None, "visit_item_id": None, "finder": rng.choice(grid_people[grid_id]),
            "found": now - dt.timedelta(minutes=minutes), "reporter": "热线转办",
        })
    specs.sort(key=lambda s: s["found"])
    _insert_problems(db, rng, now, specs, grid_people, stamp)


def _insert_problems(db: Db, rng: random.Random, now: dt.datetime, specs: list[dict], grid_people: dict[int, list[int]],
                     stamp: str) -> None:
    problem_ids, step_ids = _Ids(db, "problem"), _Ids(db, "problem_step")
    rows, step_rows = [], []
    seq: dict[int, int] = {}
    for spec in specs:
        found = spec["found"]
        if found > now:
            found = now - dt.timedelta(minutes=30)
        severity = rng.choices(["一般", "重大", "复杂"], [70, 22, 8])[0]
        limit = dt.timedelta(hours=HOURS[severity])
        deadline = found + limit
        responsible = rng.choice(grid_people[spec["grid_id"]])
        on_time = rng.random() < 0.85
        handled = found + limit * (rng.uniform(0.3, 0.95) if on_time else rng.uniform(1.1, 3.0))
        judged = found + (handled - found) * rng.uniform(0.1, 0.3)
        classified = judged + (handled - judged) * rng.uniform(0.1, 0.4)
        satisfaction = rng.choices(["满意", "基本满意", "不满意"], [84, 13, 3])[0]
        feedback = handled + dt.timedelta(minutes=rng.randint(10, 24 * 60))
        timeline = [("发现", found, spec["finder"], spec["description"] or spec["title"], None),
                    ("研判", judged, responsible, HANDLING["研判"].format(sev=severity), None),
                    ("分类", classified, responsible, HANDLING["分类"].format(cat=spec["category"] or "其他"), None),
                    ("处置", handled, responsible, HANDLING["复杂处置" if severity == "复杂" else "处置"], None)]
        if satisfaction == "不满意":
            timeline.append(("反馈", feedback, responsible, "已向居民反馈，居民不满意，重新处置。", "不满意"))
            again = feedback + dt.timedelta(hours=rng.randint(2, 30))
            timeline.append(("处置", again, responsible, "再次上门处理，问题彻底解决。", None))
            feedback = again + dt.timedelta(minutes=rng.randint(10, 600))
            satisfaction = "满意"
        timeline.append(("反馈", feedback, responsible, f"已向居民反馈处置结果，居民{satisfaction}。", satisfaction))
        closed = feedback + dt.timedelta(minutes=rng.randint(10, 2 * 24 * 60))
        timeline.append(("办结", closed, responsible, "问题已解决，办结归档。", None))
        # Stop where "now" is, and leave a few older problems stuck part way (some of them overdue).
        reached = [t for t in timeline if t[1] <= now]
        if len(reached) == len(timeline) and rng.random() < 0.012:
            reached = reached[:rng.randint(1, 5)]
        pid = problem_ids.take()
        seq[found.year] = seq.get(found.year, 0) + 1
        stage = reached[-1][0]
        handled_steps = [t for t in reached if t[0] == "处置"]
        feedback_steps = [t for t in reached if t[0] == "反馈"]
        last_satisfaction = feedback_steps[-1][4] if feedback_steps and stage in ("反馈", "办结") else None
        classified_reached = any(t[0] == "分类" for t in reached)
        rows.append({
            "id": pid, "number": f"{found.year}-{seq[found.year]:04d}", "title": spec["title"],
            "description": spec["description"], "source": spec["source"],
            "category": spec["category"] or ("其他" if classified_reached else None), "severity": severity,
            "grid_id": spec["grid_id"], "household_id": spec["household_id"], "visit_item_id": spec["visit_item_id"],
            "reporter": spec.get("reporter"), "reporter_phone": None,
            "responsible_person_id": responsible if classified_reached else None, "stage": stage,
            "found_at": time_text(found), "deadline_at": time_text(deadline),
            "handled_at": time_text(handled_steps[-1][1]) if handled_steps else None,
            "closed_at": time_text(reached[-1][1]) if stage == "办结" else None,
            "satisfaction": last_satisfaction, "created_at": stamp, "updated_at": stamp,
        })
        for stage_name, at, person_id, text, _ in reached:
            step_rows.append({"id": step_ids.take(), "problem_id": pid, "stage": stage_name, "at": time_text(at),
                              "person_id": person_id, "text": text, "created_at": stamp})
    audit.bulk_insert(db, "problem", rows)
    audit.bulk_insert(db, "problem_step", step_rows)
