"""`demo`: a realistic synthetic street office (the Lingwu shape): tree, grids, people, members.

Everything is generated: fake names, checksum-valid fake ID numbers whose birth date and gender
agree with the record. Areas extend it by adding a module to STEP_MODULES; the whole build is one
transaction, so a killed build leaves either an empty file or the whole office.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from dataclasses import dataclass, field
from typing import Callable

from core import audit, idcard
from core.clock import add_years, now_text
from core.db import Db
from core.demo import names
from core.errors import UserError
from core.pinyin import name_keys

COMMUNITIES = ["西湖", "谢家井", "西苑", "鼓楼", "人民街", "朔方路", "东盛街", "水木灵州", "西昌街", "育才街",
               "兴业路", "西平路", "镇河塔", "农场"]
GRIDS_PER_COMMUNITY = 8
DEFAULT_MEMBERS = 870
CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass
class DemoContext:
    """What the foundation step built, for the steps of later areas."""

    rng: random.Random
    today: dt.date
    street_id: int = 0
    community_ids: list[int] = field(default_factory=list)
    branch_ids: list[int] = field(default_factory=list)
    group_ids_by_branch: dict[int, list[int]] = field(default_factory=dict)
    grid_ids_by_community: dict[int, list[int]] = field(default_factory=dict)
    member_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)




class PeopleFactory:
    """Synthetic persons with consistent ID number, birth date, gender and pinyin keys."""

    def __init__(self, db: Db, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.next_id = audit.next_id(db, "person")
        self.used_numbers: set[str] = {r[0] for r in db.execute("SELECT id_number FROM person WHERE id_number IS NOT NULL")}

    def name(self, gender: str) -> str:
        pool = names.GIVEN_MALE if gender == "男" else names.GIVEN_FEMALE
        given = self.rng.choice(pool) + (self.rng.choice(pool) if self.rng.random() < 0.7 else "")
        return self.rng.choice(names.SURNAMES) + given

    def birth(self, min_age: int, max_age: int) -> dt.date:
        start = add_years(self.today, -max_age)
        span = (add_years(self.today, -min_age) - start).days
        return start + dt.timedelta(days=self.rng.randrange(span))

    def phone(self) -> str:
        return self.rng.choice(["13", "15", "17", "18", "19"]) + f"{self.rng.randrange(10**9):09d}"

    def address(self, estate: str | None = None) -> str:
        estate = estate or self.rng.choice(names.ESTATES)
        return f"{estate}{self.rng.randint(1, 30)}号楼{self.rng.randint(1, 6)}单元{self.rng.randint(1, 18)}{self.rng.randint(1, 4):02d}室"

    def person(self, min_age: int = 18, max_age: int = 88, **extra) -> dict:
        gender = self.rng.choice("男女")
        birth = self.birth(min_age, max_age)
        while True:
            number = idcard.make_fake(self.rng, self.rng.choice(names.REGION_CODES), birth, gender)
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                break
        name = extra.pop("name", None) or self.name(gender)
        full, initials = name_keys(name)
        stamp = now_text()
        row = {
            "id": self.next_id, "name": name, "gender": gender, "birth_date": birth.isoformat(),
            "id_number": number, "phone": self.phone(), "address": self.address(),
            "ethnicity": self.rng.choice(names.ETHNICITIES), "native_place": self.rng.choice(names.NATIVE_PLACES),
            "education": self.rng.choice(names.EDUCATIONS), "note": None,
            "name_pinyin": full, "name_initials": initials, "created_at": stamp, "updated_at": stamp,
        }
        row.update(extra)
        self.next_id += 1
        return row


def _unit(db: Db, kind: str, name: str, parent_id: int | None, order: int) -> int:
    return audit.insert(db, "org_unit", {"kind": kind, "name": name, "parent_id": parent_id, "sort_order": order,
                                         "note": None, "created_at": now_text()})


def build_tree(db: Db, ctx: DemoContext, people: PeopleFactory) -> None:
    ctx.street_id = _unit(db, "street", "城区街道党工委", None, 1)
    workers = []
    for i, base in enumerate(COMMUNITIES, start=1):
        community_id = _unit(db, "community", f"{base}社区党委", ctx.street_id, i)
        ctx.community_ids.append(community_id)
        if base != "农场":  # 13 community branches, as in Lingwu
            ctx.branch_ids.append(_unit(db, "branch", f"{base}社区党支部", community_id, 1))
        ctx.grid_ids_by_community[community_id] = []
        for g in range(1, GRIDS_PER_COMMUNITY + 1):
            worker = people.person(25, 55)
            workers.append(worker)
            ctx.grid_ids_by_community[community_id].append(
                (community_id, f"第{CHINESE_NUMERALS[g - 1]}网格", worker["id"], g)  # resolved below
            )
    ctx.branch_ids.append(_unit(db, "branch", "街道机关党支部", ctx.street_id, len(COMMUNITIES) + 1))
    ctx.branch_ids.append(_unit(db, "branch", "非公企业联合党支部", ctx.street_id, len(COMMUNITIES) + 2))
    audit.bulk_insert(db, "person", workers)
    ctx.person_ids += [w["id"] for w in workers]
    grid_rows, next_grid = [], audit.next_id(db, "grid")
    for community_id, specs in ctx.grid_ids_by_community.items():
        ids = []
        for community, name, worker_id, order in specs:
            grid_rows.append({"id": next_grid, "community_id": community, "name": name, "worker_person_id": worker_id,
                              "sort_order": order, "created_at": now_text()})
            ids.append(next_grid)
            next_grid += 1
        ctx.grid_ids_by_community[community_id] = ids
    audit.bulk_insert(db, "grid", grid_rows)
    for branch_id in ctx.branch_ids:
        groups = []
        for g in range(1, ctx.rng.randint(2, 4) + 1):
            groups.append(_unit(db, "party_group", f"第{CHINESE_NUMERALS[g - 1]}党小组", branch_id, g))
        ctx.group_ids_by_branch[branch_id] = groups


def _branch_community(db: Db, branch_id: int) -> int | None:
    row = db.execute(
        "SELECT p.id FROM org_unit b JOIN org_unit p ON p.id = b.parent_id WHERE b.id = ? AND p.kind = 'community'",
        [branch_id],
    ).fetchone()
    return row[0] if row else None


def build_members(db: Db, ctx: DemoContext, people: PeopleFactory, count: int, progress=None) -> None:
    rng, today = ctx.rng, ctx.today
    branch_community = {b: _branch_community(db, b) for b in ctx.branch_ids}
    # Community branches hold most members; the office and enterprise branches fewer.
    weights = [1.0 if branch_community[b] else 0.35 for b in ctx.branch_ids]
    next_member = audit.next_id(db, "member")
    chunk = 5000
    for start in range(0, count, chunk):
        persons, members = [], []
        for _ in range(min(chunk, count - start)):
            branch_id = rng.choices(ctx.branch_ids, weights)[0]
            community_id = branch_community[branch_id]
            person_type = rng.choices(["离退休", "在职", "流动", "无业", "学生"], [48, 36, 7, 7, 2])[0]
            age_range = {"离退休": (56, 92), "在职": (23, 59), "流动": (22, 55), "无业": (25, 60), "学生": (18, 24)}[person_type]
            p = people.person(*age_range)
            birth = dt.date.fromisoformat(p["birth_date"])
            probationary = rng.random() < 0.05 and person_type != "离退休"
            earliest = birth + dt.timedelta(days=19 * 366)
            latest = today - dt.timedelta(days=400)
            if earliest > latest:
                probationary = True  # too young to have served a year's probation: joined within the year
            if probationary:
                # Never before the 18th birthday, never in the future.
                first_day = max(add_years(birth, 18), today - dt.timedelta(days=359))
                join = first_day + dt.timedelta(days=rng.randrange(max(1, (today - dt.timedelta(days=20) - first_day).days)))
                full = None
            else:
                join = earliest + dt.timedelta(days=rng.randrange(max(1, (latest - earliest).days)))
                full = add_years(join, 1)
            status = rng.choices(["正常", "流动外出", "失联", "困难党员"], [90, 5, 1, 4])[0]
            if person_type == "流动":
                status = "流动外出"
            grid_id = None
            if community_id and rng.random() < 0.93:
                grid_id = rng.choice(ctx.grid_ids_by_community[community_id])
                estate = names.ESTATES[ctx.community_ids.index(community_id) % len(names.ESTATES)]
                p["address"] = people.address(estate)
            groups = ctx.group_ids_by_branch[branch_id]
            work_unit = f"{rng.choice(names.WORK_UNITS)}{rng.choice(names.POSTS)}" if person_type == "在职" else None
            persons.append(p)
            stamp = now_text()
            members.append({
                "id": next_member, "person_id": p["id"], "branch_id": branch_id,
                "party_group_id": rng.choice(groups) if rng.random() < 0.9 else None, "grid_id": grid_id,
                "category": "预备党员" if probationary else "正式党员", "status": status, "person_type": person_type,
                "join_date": join.isoformat(), "full_date": full.isoformat() if full else None,
                "work_unit": work_unit, "note": None, "created_at": stamp, "updated_at": stamp,
            })
            next_member += 1
        audit.bulk_insert(db, "person", persons)
        audit.bulk_insert(db, "member", members)
        ctx.person_ids += [p["id"] for p in persons]
        ctx.member_ids += [m["id"] for m in members]
        if progress:
            progress(start + len(members), count)


# Each later area adds a module here with `build(db: Db, ctx: DemoContext) -> None`; they run in order.
STEP_MODULES: list[str] = [
    "core.demo.roster",
    "core.demo.meetings",
    "core.demo.visits",
    "core.demo.volunteers",
    "core.demo.excel",
    "core.demo.letters",
]


def build_demo(db: Db, members: int = DEFAULT_MEMBERS, seed: int = 20181030, today: dt.date | None = None,
               progress: Callable[[int, int], None] | None = None) -> DemoContext:
    """Fill an empty database with the demo office, all in one transaction."""
    if db.execute("SELECT count(*) FROM org_unit").fetchone()[0]:
        raise UserError("该数据库里已经有组织数据，演示数据只能生成到新的空数据库中。请换一个新的文件路径。")
    if members < 1:
        raise UserError("党员人数至少为 1。")
    ctx = DemoContext(rng=random.Random(seed), today=today or dt.date.today())
    with db.atomic():
        people = PeopleFactory(db, ctx.rng, ctx.today)
        build_tree(db, ctx, people)
        build_members(db, ctx, people, members, progress)
        for module_name in STEP_MODULES:
            importlib.import_module(module_name).build(db, ctx)
    return ctx
