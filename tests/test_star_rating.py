"""评星定级: score bands, hand-set ratings, and the pay and funding arithmetic from the settings."""

from __future__ import annotations

import datetime as dt

import pytest

from core import letters, orgs, settings, star_rating
from core.errors import ValidationError

BANDS = settings.DEFAULTS["star_bands"]


@pytest.mark.parametrize("score,stars", [
    (100, 5), (90, 5), (89.9, 4), (80, 4), (79.99, 3), (70, 3), (69.9, 2), (60, 2), (59.9, 1), (0, 1),
])
def test_default_bands(score, stars):
    assert star_rating.stars_for_score(score, BANDS) == stars


def test_custom_bands_from_settings(db):
    bands = [{"stars": 5, "min_score": 95}, {"stars": 4, "min_score": 85}, {"stars": 3, "min_score": 75},
             {"stars": 2, "min_score": 50}, {"stars": 1, "min_score": 0}]
    settings.save_many(db, {"star_bands": bands})
    stored = settings.get(db, "star_bands")
    assert star_rating.stars_for_score(94, stored) == 4
    assert star_rating.stars_for_score(50, stored) == 2
    with pytest.raises(ValidationError, match="分数线"):
        settings.save_many(db, {"star_bands": [{**b, "min_score": 0} if b["stars"] == 5 else b for b in bands]})
    with pytest.raises(ValidationError, match="一至五星"):
        settings.save_many(db, {"star_bands": bands[:4]})


@pytest.mark.parametrize("stars,min_wage,pay", [
    (1, 1950, 3315), (2, 1950, 3900), (3, 1950, 4485), (4, 1950, 5070), (5, 1950, 5850),
    (1, 1985, 3375),  # 3374.5 rounds half up (a float would give 3374.4999…)
    (3, 1999, 4598),  # 4597.7
])
def test_monthly_base_pay(stars, min_wage, pay):
    assert star_rating.monthly_base_pay(stars, min_wage, settings.DEFAULTS["star_table"]) == pay


@pytest.mark.parametrize("households,amount", [
    (0, 80000), (2999, 80000), (3000, 90000), (5000, 90000), (5001, 100000), (48488, 100000),
])
def test_office_funding_bands(households, amount):
    assert star_rating.office_funding(households, settings.DEFAULTS["office_funding"]) == amount


def test_service_fund_by_stars():
    table = settings.DEFAULTS["star_table"]
    assert [star_rating.service_fund(n, table) for n in range(1, 6)] == [140000, 150000, 160000, 170000, 180000]


def test_implications_per_community_and_total(demo_db):
    year = dt.date.today().year - 1  # the demo rated last year by hand
    settings.save_many(demo_db, {"min_wage": 2000})
    table = star_rating.implications(demo_db, year)
    assert len(table.rows) == 14 and table.unrated == 0 and table.missing_households == 0
    expected_service = expected_office = 0
    for row in table.rows:
        stars, = demo_db.execute("SELECT stars FROM star_rating WHERE community_id = ? AND year = ?",
                                 [row.community_id, year]).fetchone()
        households, = demo_db.execute("SELECT household_count FROM community_households WHERE community_id = ?",
                                      [row.community_id]).fetchone()
        pay = {1: 3400, 2: 4000, 3: 4600, 4: 5200, 5: 6000}[stars]
        fund = 130000 + 10000 * stars
        office = 50000 + (30000 if households < 3000 else 40000 if households <= 5000 else 50000)
        assert (row.stars, row.monthly_base_pay, row.service_fund, row.office_funding) == (stars, pay, fund, office)
        assert row.total_funding == fund + office
        expected_service += fund
        expected_office += office
    assert table.total_service_fund == expected_service
    assert table.total_office_funding == expected_office
    assert table.total_funding == expected_service + expected_office


def test_rate_from_scores_keeps_hand_set_ratings(demo_db):
    year = dt.date.today().year
    communities = orgs.list_units(demo_db, kind="community")
    with pytest.raises(ValidationError, match="理由"):
        star_rating.set_manual_rating(demo_db, communities[0].id, year, 5, "  ")
    star_rating.set_manual_rating(demo_db, communities[0].id, year, 5, "获评市级五星级党组织")
    as_of = dt.date.today()
    rated = {r.community_id: r for r in star_rating.rate_from_scores(demo_db, year, as_of)}
    assert rated[communities[0].id].stars == 5 and rated[communities[0].id].source == "manual"
    for community in communities[1:]:
        score = letters.letter_progress(demo_db, letters.find_letter(demo_db, community.id, year).id, as_of).score
        assert rated[community.id].score == score
        assert rated[community.id].stars == star_rating.stars_for_score(score, BANDS)
    star_rating.rate_from_scores(demo_db, year, as_of, overwrite_manual=True)
    assert star_rating.get_rating(demo_db, communities[0].id, year).source == "score"


def test_household_count_typed_and_cleared(db):
    street = orgs.create_unit(db, "street", "街道")
    community = orgs.create_unit(db, "community", "社区", street)
    with pytest.raises(ValidationError, match="整数"):
        star_rating.set_household_count(db, community, "三千")
    star_rating.set_household_count(db, community, "3200")
    assert star_rating.household_count(db, community) == (3200, "办公室录入")
    star_rating.set_household_count(db, community, None)
    assert star_rating.household_count(db, community)[0] is None


def test_household_count_falls_back_to_the_visit_ledger(demo_db):
    community = orgs.list_units(demo_db, kind="community")[0]
    star_rating.set_household_count(demo_db, community.id, None)
    counted = demo_db.execute("SELECT count(*) FROM household h JOIN grid g ON g.id = h.grid_id WHERE g.community_id = ?",
                              [community.id]).fetchone()[0]
    assert counted and star_rating.household_count(demo_db, community.id) == (counted, "住户台账统计")
