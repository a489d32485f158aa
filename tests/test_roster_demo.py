"""The demo's member histories agree with the member records they describe."""

import datetime as dt

from core import members
from core.check import check_file
from core.members import MemberQuery


def test_histories_agree_with_members(demo_db):
    rows = demo_db.execute(
        "SELECT m.id, m.join_date, m.full_date, m.status, m.probation_extension_months, "
        "(SELECT group_concat(kind) FROM member_event e WHERE e.member_id = m.id) FROM member m"
    ).fetchall()
    for member_id, join, full, status, extension, kinds in rows:
        kinds = (kinds or "").split(",")
        assert kinds.count("join") == 1, member_id
        assert ("full" in kinds) == bool(full), member_id
        assert ("extend" in kinds) == bool(extension), member_id
        if status == "转出":
            assert "transfer_out" in kinds
        if status == "流动外出":
            assert "flow_out" in kinds
    bad_dates = demo_db.execute(
        "SELECT count(*) FROM member_event e JOIN member m ON m.id = e.member_id "
        "WHERE e.event_date < m.join_date OR e.event_date > ?", [dt.date.today().isoformat()]
    ).fetchone()[0]
    assert bad_dates == 0
    assert check_file(demo_db.path).ok


def test_larger_demo_keeps_the_rules(tmp_path):
    from core.db import open_db
    from core.demo import build_demo

    db = open_db(tmp_path / "big.db")
    calls = []
    build_demo(db, members=3000, seed=11, progress=lambda done, total: calls.append((done, total)))
    db.close()
    assert calls[-1] == (3000, 3000)
    report = check_file(tmp_path / "big.db")
    assert report.ok, report.faults


def test_demo_has_work_for_the_reminder_strip(demo_db):
    due = members.probations_due(demo_db, 30)
    assert len(due) >= 3
    assert members.count_members(demo_db, MemberQuery(status="转出")) >= 1 or demo_db.execute(
        "SELECT count(*) FROM member_event WHERE kind = 'transfer_in'").fetchone()[0] >= 1
    assert demo_db.execute("SELECT count(*) FROM member_event WHERE kind = 'extend'").fetchone()[0] >= 2
