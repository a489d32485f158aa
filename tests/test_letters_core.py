"""Accountability letters: template, letters, measured progress against independent SQL, manual entries, score."""

from __future__ import annotations

import datetime as dt

import pytest

from core import letters, measures, orgs
from core.errors import UserError, ValidationError


def _community_branch_sql(db, community_id: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM org_unit WHERE parent_id = ? AND kind = 'branch'", [community_id])]


def _active(db, community_id: int, as_of: str) -> list[tuple]:
    branches = _community_branch_sql(db, community_id)
    if not branches:
        return []
    marks = ",".join("?" * len(branches))
    return db.execute(
        f"SELECT grid_id, party_group_id FROM member WHERE branch_id IN ({marks}) "
        "AND status IN (SELECT value FROM roster_lookup WHERE kind = 'status' AND in_roster = 1) "
        "AND (join_date IS NULL OR join_date <= ?)",
        [*branches, as_of],
    ).fetchall()


def test_demo_has_a_signed_letter_for_every_community(demo_db):
    year = dt.date.today().year
    year_letters = letters.list_letters(demo_db, year)
    communities = orgs.list_units(demo_db, kind="community")
    assert [l.community_id for l in year_letters] == [c.id for c in communities]
    assert all(l.signed and l.secretary_name and l.street_signer for l in year_letters)
    template = letters.template_items(demo_db)
    assert all(len(letters.letter_items(demo_db, l.id)) == len(template) for l in year_letters)


@pytest.mark.parametrize("as_of", ["mid", "today"])
def test_member_measures_match_independent_sql(demo_db, as_of):
    year = dt.date.today().year
    day = dt.date(year, 6, 30) if as_of == "mid" else dt.date.today()
    for community in orgs.list_units(demo_db, kind="community"):
        rows = _active(demo_db, community.id, day.isoformat())
        assert measures.measure_value(demo_db, "members_total", community.id, year, day) == len(rows)
        grid = round(100.0 * sum(1 for g, _ in rows if g is not None) / len(rows), 1) if rows else None
        group = round(100.0 * sum(1 for _, p in rows if p is not None) / len(rows), 1) if rows else None
        assert measures.measure_value(demo_db, "members_in_grid_rate", community.id, year, day) == grid
        assert measures.measure_value(demo_db, "members_in_group_rate", community.id, year, day) == group
        branches = _community_branch_sql(demo_db, community.id)
        joined = sum(
            1 for b in branches for (j,) in demo_db.execute("SELECT join_date FROM member WHERE branch_id = ?", [b])
            if j and f"{year}-01-01" <= j <= day.isoformat()
        )
        assert measures.measure_value(demo_db, "members_joined", community.id, year, day) == joined


def test_letter_progress_uses_measures_and_weights(demo_db):
    year = dt.date.today().year
    today = dt.date.today()
    for progress in letters.year_progress(demo_db, year, today):
        expected_points = 0.0
        for p in progress.items:
            if p.item.is_manual:
                row = demo_db.execute(
                    "SELECT value FROM letter_manual_entry WHERE item_id = ? AND as_of <= ? ORDER BY as_of DESC, id DESC LIMIT 1",
                    [p.item.id, today.isoformat()],
                ).fetchone()
                measured = row[0] if row else None
            else:
                measured = measures.measure_value(demo_db, p.item.measure_code, progress.letter.community_id, year, today)
            assert p.measured == measured
            share = 0.0 if measured is None else min(measured / p.item.target, 1.0)
            assert p.progress == pytest.approx(share)
            expected_points += p.item.weight * share
        weights = sum(p.item.weight for p in progress.items)
        assert progress.score == pytest.approx(round(100 * expected_points / weights, 1))


def _letter_with_item(db, **item):
    street = orgs.create_unit(db, "street", "测试街道党工委")
    community = orgs.create_unit(db, "community", "测试社区党委", street)
    values = {"category": "组织建设", "task": "支委会", "target": 12, "unit": "次", "weight": 10, "measure_code": "manual"}
    values.update(item)
    letters.add_template_item(db, **values)
    letters.apply_template(db, 2026)
    letter = letters.find_letter(db, community, 2026)
    return letter, letters.letter_items(db, letter.id)[0]


def test_manual_entries_latest_on_or_before_the_date_counts(db):
    letter, item = _letter_with_item(db)
    letters.add_manual_entry(db, item.id, 3, "2026-03-31", "一季度")
    letters.add_manual_entry(db, item.id, 6, "2026-06-30", "二季度")
    at = lambda day: letters.letter_progress(db, letter.id, dt.date.fromisoformat(day)).items[0]
    assert at("2026-02-01").measured is None and at("2026-02-01").progress == 0
    assert at("2026-04-15").measured == 3 and at("2026-04-15").progress == pytest.approx(0.25)
    assert at("2026-12-31").measured == 6
    assert letters.letter_progress(db, letter.id, dt.date(2026, 12, 31)).score == 50.0
    entry = letters.manual_entries(db, item.id)[0]
    assert entry.entered_by == "测试员" and entry.note == "二季度"


def test_manual_entry_refuses_bad_input(db):
    letter, item = _letter_with_item(db)
    with pytest.raises(ValidationError, match="年度"):
        letters.add_manual_entry(db, item.id, 1, "2025-12-31")
    with pytest.raises(ValidationError, match="不是数字"):
        letters.add_manual_entry(db, item.id, "十二", "2026-05-01")
    with pytest.raises(ValidationError, match="不能小于 0"):
        letters.add_manual_entry(db, item.id, -1, "2026-05-01")
    letter2, measured_item = _letter_with_item_measured(db)
    with pytest.raises(ValidationError, match="自动统计"):
        letters.add_manual_entry(db, measured_item.id, 1, "2026-05-01")
    assert letters.manual_entries(db, item.id) == []


def _letter_with_item_measured(db):
    letters.add_template_item(db, task="党员人数", target=10, unit="人", weight=5, measure_code="members_total")
    community = orgs.create_unit(db, "community", "第二社区党委", orgs.street(db).id)
    letters.apply_template(db, 2026, [community])
    letter = letters.find_letter(db, community, 2026)
    return letter, letters.letter_items(db, letter.id)[1]


def test_progress_directions_and_cap():
    base = dict(id=1, letter_id=1, sort_order=1, category="", task="t", standard="", unit="", weight=10, measure_code="manual")
    at_least = letters.LetterItem(**base, target=4, direction="at_least", capped=True)
    assert letters.progress_of(at_least, 2) == 0.5
    assert letters.progress_of(at_least, 6) == 1.0
    uncapped = letters.LetterItem(**base, target=4, direction="at_least", capped=False)
    assert letters.progress_of(uncapped, 6) == 1.5
    at_most = letters.LetterItem(**base, target=2, direction="at_most", capped=True)
    assert letters.progress_of(at_most, 1) == 1.0
    assert letters.progress_of(at_most, 4) == 0.5
    zero_limit = letters.LetterItem(**base, target=0, direction="at_most", capped=True)
    assert letters.progress_of(zero_limit, 0) == 1.0 and letters.progress_of(zero_limit, 1) == 0.0
    assert letters.progress_of(at_least, None) == 0.0


def test_template_validation_and_order(db):
    with pytest.raises(ValidationError, match="目标任务"):
        letters.add_template_item(db, task=" ", target=1, weight=1)
    with pytest.raises(ValidationError, match="分值"):
        letters.add_template_item(db, task="x", target=1, weight=0)
    with pytest.raises(ValidationError, match="考核方式"):
        letters.add_template_item(db, task="x", target=1, weight=1, measure_code="nope")
    a = letters.add_template_item(db, task="甲", target=1, weight=1)
    b = letters.add_template_item(db, task="乙", target=1, weight=1)
    letters.move_template_item(db, b, -1)
    assert [i.id for i in letters.template_items(db)] == [b, a]
    with pytest.raises(UserError, match="已经有条目"):
        letters.load_default_template(db)


def test_apply_template_leaves_signed_letters_alone(db):
    letter, item = _letter_with_item(db)
    letters.add_template_item(db, task="新增条目", target=1, weight=5)
    result = letters.apply_template(db, 2026, replace_unsigned=True)
    assert (result.created, result.replaced) == (0, 1)
    assert len(letters.letter_items(db, letter.id)) == 2
    with pytest.raises(ValidationError, match="乙方"):
        letters.sign_letter(db, letter.id, "2026-01-10", street_signer="李书记")
    letters.sign_letter(db, letter.id, "2026-01-10", secretary_name="王书记", street_signer="李书记")
    letters.add_template_item(db, task="再增条目", target=1, weight=5)
    result = letters.apply_template(db, 2026, replace_unsigned=True)
    assert result.skipped_signed == ("测试社区党委",)
    assert len(letters.letter_items(db, letter.id)) == 2
    with pytest.raises(UserError, match="已签订"):
        letters.update_item(db, letters.letter_items(db, letter.id)[0].id, target=3)
    with pytest.raises(UserError, match="已签订"):
        letters.delete_letter(db, letter.id)
    assert letters.get_letter(db, letter.id).secretary_name == "王书记"


def test_signing_date_must_be_valid(db):
    letter, _ = _letter_with_item(db)
    with pytest.raises(ValidationError, match="不是有效日期"):
        letters.sign_letter(db, letter.id, "2026-13-01", secretary_name="王", street_signer="李")
    with pytest.raises(ValidationError, match="年度内"):
        letters.sign_letter(db, letter.id, "2024-05-01", secretary_name="王", street_signer="李")
    assert not letters.get_letter(db, letter.id).signed
