"""Demo step: the street's letter template, signed letters for every community this year, household counts, last year's stars."""

from __future__ import annotations

import datetime as dt

from core import letters, settings, star_rating
from core.db import Db
from core.demo import DemoContext, names


def _fake_name(ctx: DemoContext) -> str:
    pool = names.GIVEN_MALE if ctx.rng.random() < 0.5 else names.GIVEN_FEMALE
    return ctx.rng.choice(names.SURNAMES) + ctx.rng.choice(pool) + ctx.rng.choice(pool)


def build(db: Db, ctx: DemoContext) -> None:
    rng, year = ctx.rng, ctx.today.year
    settings.set_value(db, "street_secretary_name", _fake_name(ctx))
    letters.load_default_template(db)
    letters.apply_template(db, year, ctx.community_ids)
    jan = dt.date(year, 1, 1)
    latest_sign = max(jan, min(ctx.today, dt.date(year, 1, 25)))
    for letter in letters.list_letters(db, year):
        row = db.execute(
            """SELECT m.person_id FROM member m JOIN org_unit b ON b.id = m.branch_id
               WHERE b.parent_id = ? AND m.category = '正式党员' AND m.status = '正常' ORDER BY m.id LIMIT 1""",
            [letter.community_id],
        ).fetchone()
        signed = jan + dt.timedelta(days=rng.randrange((latest_sign - jan).days + 1))
        if row:
            letters.sign_letter(db, letter.id, signed, secretary_person_id=row[0])
        else:
            letters.sign_letter(db, letter.id, signed, secretary_name=_fake_name(ctx))
        for item in letters.letter_items(db, letter.id):
            if item.is_manual and ctx.today.year == year:
                reached = rng.choice([0, item.target, item.target]) if item.target <= 1 else round(item.target * rng.uniform(0.3, 1.0))
                letters.add_manual_entry(db, item.id, reached, ctx.today, "年中检查录入")
    # Resident households per community (Lingwu: 48,488 over 14 communities) and last year's stars.
    for community_id in ctx.community_ids:
        star_rating.set_household_count(db, community_id, rng.randint(1800, 5600))
        star_rating.set_manual_rating(db, community_id, year - 1, rng.choices([2, 3, 4, 5], [1, 3, 4, 2])[0],
                                      "上年度考核结果（街道党工委评议）")
