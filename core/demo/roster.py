"""Demo step for the roster: life-cycle histories that agree with the members the foundation step made."""

from __future__ import annotations

import datetime as dt
import json

from core import audit
from core.clock import add_years, now_text
from core.db import Db
from core.demo import DemoContext
from core.members import add_months

OTHER_ORGS = ["银川市兴庆区富宁街道党工委", "吴忠市利通区金星镇党委", "宁东能源化工基地管委会机关党委",
              "西安市雁塔区小寨路街道党工委", "灵武市第一中学党支部", "灵武市人民医院党总支", "银川市金凤区长城中路街道党工委"]
FLOW_PLACES = ["银川市金凤区", "西安市", "深圳市宝安区", "鄂尔多斯市东胜区", "北京市朝阳区", "兰州市城关区"]


def _between(ctx: DemoContext, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=ctx.rng.randrange((end - start).days + 1))


def build(db: Db, ctx: DemoContext) -> None:
    rng, today = ctx.rng, ctx.today
    rows = db.execute(
        "SELECT m.id, m.category, m.status, m.person_type, m.join_date, m.full_date, p.birth_date "
        "FROM member m JOIN person p ON p.id = m.person_id ORDER BY m.id"
    ).fetchall()
    events: list[dict] = []
    stamp = now_text()

    def event(member_id: int, kind: str, day: dt.date | str, other_org=None, place=None, months=None, previous=None):
        events.append({"member_id": member_id, "kind": kind, "event_date": str(day), "other_org": other_org,
                       "place": place, "months": months, "note": None,
                       "previous": json.dumps(previous, ensure_ascii=False) if previous else None, "created_at": stamp})

    def change(member_id: int, values: dict) -> None:
        audit.update(db, "member", member_id, {**values, "updated_at": stamp})

    # Only members old enough to have joined at 18 by the earlier dates given below.
    adult_by = add_years(today - dt.timedelta(days=520), -18).isoformat()
    probationary = [r for r in rows if r[1] == "预备党员" and r[6] <= adult_by]
    rng.shuffle(probationary)
    # Some probations end within the coming month, so the roster's reminder strip has work to show.
    near = probationary[: max(3, len(probationary) // 12)]
    extended = probationary[len(near): len(near) + max(2, len(probationary) // 20)]
    moved_join: dict[int, str] = {}
    for member_id, *_ in near:
        join = today - dt.timedelta(days=365 - rng.randint(1, 28))
        moved_join[member_id] = join.isoformat()
        change(member_id, {"join_date": join.isoformat()})
    for member_id, *_ in extended:
        join = today - dt.timedelta(days=rng.randint(400, 520))
        months = rng.choice([6, 6, 12])
        moved_join[member_id] = join.isoformat()
        change(member_id, {"join_date": join.isoformat(), "probation_extension_months": months})

    for member_id, category, status, person_type, join_text, full_text, birth_text in rows:
        join_text = moved_join.get(member_id, join_text)
        if not join_text:
            continue
        join = dt.date.fromisoformat(join_text)
        event(member_id, "join", join)
        if full_text:
            event(member_id, "full", full_text, previous={"category": "预备党员", "full_date": None})
        settled = dt.date.fromisoformat(full_text) if full_text else join
        if status == "流动外出":
            event(member_id, "flow_out", _between(ctx, settled, today), place=rng.choice(FLOW_PLACES),
                  previous={"status": "正常"})
        elif status == "失联":
            event(member_id, "lost_contact", _between(ctx, settled, max(settled, today - dt.timedelta(days=183))),
                  previous={"status": "正常"})
        elif status == "正常" and rng.random() < 0.02:
            event(member_id, "transfer_in", _between(ctx, settled, today), other_org=rng.choice(OTHER_ORGS),
                  previous={"status": "正常"})
        elif status == "正常" and category == "正式党员" and rng.random() < 0.006:
            event(member_id, "transfer_out", _between(ctx, settled, today), other_org=rng.choice(OTHER_ORGS),
                  previous={"status": "正常"})
            change(member_id, {"status": "转出"})
        elif (status == "正常" and person_type == "离退休" and birth_text < f"{today.year - 80}"
              and rng.random() < 0.03):
            event(member_id, "death", _between(ctx, max(settled, today - dt.timedelta(days=700)), today), previous={"status": "正常"})
            change(member_id, {"status": "去世"})

    for member_id, *_ in extended:
        months = db.execute("SELECT probation_extension_months FROM member WHERE id = ?", [member_id]).fetchone()[0]
        event(member_id, "extend", add_months(dt.date.fromisoformat(moved_join[member_id]), 12), months=months,
              previous={"probation_extension_months": 0})

    next_id = audit.next_id(db, "member_event")
    for offset, row in enumerate(events):
        row["id"] = next_id + offset
    columns = ["id", *[k for k in events[0] if k != "id"]] if events else []
    audit.bulk_insert(db, "member_event", [{k: row[k] for k in columns} for row in events])
