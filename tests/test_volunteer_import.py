"""`import volunteers`: team rosters from Excel, all or nothing, persons not entered twice, an errors file."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

import main
from core import volunteers as vol
from core.excel_import import import_file, undo_batch
from core.idcard import make_fake
from volunteer_office import Office

HEADER = ["所属社区", "队伍名称", "队伍类型", "姓名", "性别", "身份证号", "联系电话", "特长", "入队日期", "离队日期", "是否队长"]


def _xlsx(path: Path, rows: list[list], header: list[str] = HEADER, title: str | None = "志愿服务队队员名册") -> Path:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def office(db):
    office = Office(db)
    office.team_id = office.team("西湖学雷锋志愿服务队")
    return office


def _counts(db) -> tuple[int, int, int, int]:
    return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("person", "volunteer", "volunteer_team", "volunteer_team_member"))


def test_import_creates_teams_people_and_memberships(office, db, tmp_path):
    member = office.member("周党员")
    member_person = office.person_of(member)
    number = make_fake(__import__("random").Random(3), "640181", __import__("datetime").date(1980, 5, 6), "女")
    path = _xlsx(tmp_path / "队员.xlsx", [
        ["西湖社区", "西湖学雷锋志愿服务队", "", "周党员", "", "", "13900000000", "理发", "2024-03-01", "", "是"],
        ["西湖社区党委", "西湖巡逻队", "", "李新", "", number, "13911112222", "", "2024/4/1", "", ""],
        ["西湖社区", "西湖巡逻队", "", "王三", "", "", "", "", "", "", "是"],
        ["西湖社区", "西湖学雷锋志愿服务队", "", "李新", "", number, "13911112222", "", "2024年5月1日", "", ""],
    ])
    before = _counts(db)
    result = import_file(db, "volunteers", path)
    assert result.imported and (result.created, result.bad, result.units_created) == (4, 0, 1)
    after = _counts(db)
    assert after[0] - before[0] == 2          # 李新 and 王三 are new; 周党员 matched by name and phone
    assert after[2] - before[2] == 1          # 西湖巡逻队 created
    team = next(t for t in vol.list_teams(db) if t.name == "西湖巡逻队")
    assert team.kind_name == "治安巡逻" and team.leader_name == "王三"
    assert vol.get_team(db, office.team_id).leader_name == "周党员"
    # 李新 is one person (and one volunteer) in two teams.
    li = [p for p in vol.search_people(db, "李新")]
    assert len(li) == 1 and db.execute("SELECT count(*) FROM volunteer WHERE person_id = ?", [li[0].person_id]).fetchone()[0] == 1
    members = {m.name: m for m in vol.team_members(db, office.team_id)}
    assert members["周党员"].person_id == member_person and members["周党员"].join_date == "2024-03-01"
    assert members["周党员"].skills == "理发" and members["李新"].join_date == "2024-05-01"
    # Importing the same file again changes nothing; the batch can be undone.
    again = import_file(db, "volunteers", path)
    assert again.created == 0 and again.skipped == 4
    assert _counts(db) == after
    undo_batch(db, result.batch_id)
    assert _counts(db) == before


def test_bad_rows_import_nothing_and_write_an_errors_file(office, db, tmp_path):
    path = _xlsx(tmp_path / "bad.xlsx", [
        ["西湖社区", "西湖学雷锋志愿服务队", "", "张好", "", "", "13900001111", "", "2024-03-01", "", ""],
        ["火星社区", "火星队", "", "赵错", "", "", "", "", "", "", ""],
        ["西湖社区", "西湖学雷锋志愿服务队", "", "钱错", "", "", "123", "", "2024-13-01", "", ""],
        ["西湖社区", "西湖学雷锋志愿服务队", "", "孙错", "", "", "", "", "2024-05-01", "2024-04-01", ""],
        ["西湖社区", "西湖学雷锋志愿服务队", "", "张好", "", "", "13900001111", "", "", "", ""],
    ])
    before = _counts(db)
    result = import_file(db, "volunteers", path)
    assert not result.imported and result.bad == 4
    assert _counts(db) == before
    errors = load_workbook(result.errors_path).active
    rows = list(errors.iter_rows(values_only=True))
    text = "\n".join(str(r[-1]) for r in rows[1:])
    assert "火星社区" in text and "联系电话" in text and "月份 13" in text and "早于入队日期" in text
    assert "出现了两次" in text
    assert [r[-2] for r in rows[1:]] == [4, 5, 6, 7]  # Excel row numbers (title and header above)
    # --skip-bad imports the good row only.
    partial = import_file(db, "volunteers", path, skip_bad=True)
    assert partial.imported and partial.created == 1


def test_update_mode_changes_phone_skills_and_leave_date(office, db, tmp_path):
    person = office.resident("吴队员")
    vol.add_team_member(db, office.team_id, person, "2023-01-01")
    path = _xlsx(tmp_path / "u.xlsx", [
        ["西湖社区", "西湖学雷锋志愿服务队", "", "吴队员", "", "", "13955556666", "书法", "", "2025-06-30", ""],
    ])
    result = import_file(db, "volunteers", path, mode="update")
    assert result.updated == 1 and result.created == 0
    member = vol.team_members(db, office.team_id)[0]
    assert (member.phone, member.skills, member.leave_date, member.join_date) == ("13955556666", "书法", "2025-06-30",
                                                                                  "2023-01-01")


def test_two_leaders_for_one_team_and_unknown_team_without_community(office, db, tmp_path):
    path = _xlsx(tmp_path / "l.xlsx", [
        ["西湖社区", "西湖学雷锋志愿服务队", "", "甲", "", "", "", "", "", "", "是"],
        ["西湖社区", "西湖学雷锋志愿服务队", "", "乙", "", "", "", "", "", "", "是"],
        ["", "没有的队", "", "丙", "", "", "", "", "", "", ""],
    ])
    result = import_file(db, "volunteers", path)
    problems = [p.message for r in result.preview.rows for p in r.errors]
    assert any("只能有一位队长" in m for m in problems)
    assert any("所属社区" in m for m in problems)
    assert not result.imported


def test_cli_import_volunteers(office, db, tmp_path, capsys):
    good = _xlsx(tmp_path / "good.xlsx", [["西湖社区", "西湖学雷锋志愿服务队", "", "CLI队员", "", "", "", "", "", "", ""]])
    assert main.main(["import", "volunteers", str(good), "--db", str(db.path)]) == 0
    assert "新增 1 条" in capsys.readouterr().out
    bad = _xlsx(tmp_path / "bad.xlsx", [["火星社区", "队", "", "某人", "", "", "", "", "", "", ""]])
    assert main.main(["import", "volunteers", str(bad), "--db", str(db.path)]) == 1
    err = capsys.readouterr().err
    assert "火星社区" in err and "没有导入任何数据" in err
    assert (tmp_path / "bad.errors.xlsx").exists()
    assert main.main(["import", "nothing", str(good), "--db", str(db.path)]) == 1
