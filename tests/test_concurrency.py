"""Two windows on one file: WAL, busy timeout, and no lost update (optimistic version check)."""

from __future__ import annotations

import pytest

from core import audit, members, persons
from core.db import open_db
from core.errors import ConflictError, UserError
from tests.safety_office import OFFICE_MEMBERS, office_db, office_template  # noqa: F401


@pytest.fixture
def two(office_db):
    other = open_db(office_db.path, operator="另一台电脑")
    yield office_db, other
    other.close()


def test_second_instance_sees_wal_and_timeout(two):
    first, second = two
    assert second.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert second.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_member_save_refused_after_someone_elses_newer_change(two):
    first, second = two
    member_id = first.execute("SELECT id FROM member ORDER BY id LIMIT 1").fetchone()[0]
    seen_by_first = members.edit_version(first, member_id)
    seen_by_second = members.edit_version(second, member_id)
    members.update(second, member_id, person={"phone": "13900000001"}, expected_version=seen_by_second)
    with pytest.raises(ConflictError) as info:
        members.update(first, member_id, person={"phone": "13700000002"}, expected_version=seen_by_first)
    assert "已被别人修改" in str(info.value) and "另一台电脑" in str(info.value)
    assert members.get(first, member_id).phone == "13900000001"  # the newer change survives
    # After reloading, the first window can save.
    members.update(first, member_id, person={"phone": "13700000002"}, expected_version=members.edit_version(first, member_id))
    assert members.get(second, member_id).phone == "13700000002"


def test_same_second_saves_are_still_told_apart(two):
    first, second = two
    person_id = first.execute("SELECT person_id FROM member ORDER BY id LIMIT 1").fetchone()[0]
    version = persons.edit_version(first, person_id)
    persons.update(second, person_id, expected_version=version, address="甲")
    with pytest.raises(ConflictError):
        persons.update(first, person_id, expected_version=version, address="乙")
    assert persons.get(first, person_id).address == "甲"


def test_party_fields_conflict_too(two):
    first, second = two
    member_id = first.execute("SELECT id FROM member ORDER BY id LIMIT 1").fetchone()[0]
    version = members.edit_version(first, member_id)
    members.update(second, member_id, member={"note": "第二个窗口"}, expected_version=version)
    with pytest.raises(ConflictError):
        members.update(first, member_id, member={"note": "第一个窗口"}, expected_version=version)
    assert members.get(first, member_id).note == "第二个窗口"


def test_locked_database_gives_a_message_not_a_crash(two):
    first, second = two
    member_id = first.execute("SELECT id FROM member ORDER BY id LIMIT 1").fetchone()[0]
    first.execute("PRAGMA busy_timeout = 50")
    second.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(UserError, match="数据库正忙"):
            audit.update(first, "member", member_id, {"note": "x"})
    finally:
        second.execute("ROLLBACK")
    assert members.get(first, member_id).note is None
