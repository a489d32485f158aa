"""Volunteer outputs: the hours workbook (CLI `export volunteer-hours`), the certificate PDF, the demo step."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

import main
from core import settings
from core import volunteers as vol
from core.errors import UserError
from core.volunteers import ParticipantInput
from reports.volunteer_certificate_pdf import build_certificate
from volunteer_office import Office


@pytest.fixture
def office(db):
    office = Office(db)
    settings.set_value(db, "office_name", "灵武市城区街道党工委")
    team = office.team("西湖学雷锋志愿服务队")
    office.member_id = office.member("周在职")
    office.member_person = office.person_of(office.member_id)
    office.resident_id = office.resident("吴居民")
    vol.add_team_member(db, team, office.member_person, "2024-01-01")
    vol.add_team_member(db, team, office.resident_id, "2024-01-01")
    vol.register_member(db, member_id=office.member_id, community_id=office.community, registered_date="2024-02-01",
                        work_unit="市人民医院")
    unit = vol.create_unit(db, community_id=office.community, name="市供电公司", party_org="市供电公司党委",
                           registered_date="2024-01-01", contact_name="马主任", contact_phone="13912345678")
    office.activity("2025-03-05", "09:00", "11:30", [office.member_person, ParticipantInput(office.resident_id, 60)],
                    teams=(team,), units=(unit,), content="清扫楼道")
    office.activity("2025-04-05", "14:00", "15:00", [office.resident_id], teams=(team,), content="义务理发")
    office.activity("2024-12-05", "14:00", "15:00", [office.resident_id], teams=(team,), content="去年的活动")
    office.team_id = team
    return office


def _pdf_text(path: Path) -> str:
    """The PDF's text with all whitespace removed (table cells wrap long names)."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def _read(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_export_volunteer_hours_cli_read_back(office, db, tmp_path, capsys):
    out = tmp_path / "时长.xlsx"
    code = main.main(["export", "volunteer-hours", str(out), "--db", str(db.path), "--year", "2025"])
    assert code == 0
    assert "已导出 2025 年" in capsys.readouterr().out
    sheets = _read(out)
    assert list(sheets) == ["按人员", "按队伍", "按单位", "双报到党员", "按社区"]
    people = {r[1]: r for r in sheets["按人员"][1:]}
    assert people["周在职"][2] == "党员" and people["周在职"][6] == 2.5
    assert people["吴居民"][2] == "群众" and people["吴居民"][5] == 2 and people["吴居民"][6] == 2
    assert people["吴居民"][3] == "138****0000"  # masked by default
    teams = sheets["按队伍"]
    assert teams[1][2] == "西湖学雷锋志愿服务队" and teams[1][6] == 2 and teams[1][8] == 4.5
    unit = sheets["按单位"][1]
    assert unit[2] == "市供电公司" and unit[7] == 2.5 and unit[8] == 12 and unit[9] == 9.5 and unit[10] == "未达标"
    assert unit[5] == "139****5678"
    member = sheets["双报到党员"][1]
    assert member[2] == "周在职" and member[5] == 2.5 and member[7] == 3.5 and member[8] == "未达标"
    totals = {r[0]: r for r in sheets["按社区"][1:]}
    assert totals["西湖社区党委"][3] == 4.5 and totals["合计"][3] == 4.5


def test_export_unmasked_and_bad_year(office, db, tmp_path):
    out = tmp_path / "full.xlsx"
    assert main.main(["export", "volunteer-hours", str(out), "--db", str(db.path), "--year", "2025", "--unmasked"]) == 0
    assert _read(out)["按人员"][1][3] in ("13900000000", "13800000000")
    assert main.main(["export", "volunteer-hours", str(tmp_path / "x.xlsx"), "--db", str(db.path), "--year", "25"]) == 1
    assert not (tmp_path / "x.xlsx").exists()


def test_certificate_pdf_text(office, db, tmp_path):
    pdf = build_certificate(db, office.resident_id, tmp_path / "cert.pdf", year=2025, issued_on=dt.date(2025, 12, 1))
    text = _pdf_text(pdf)
    for expected in ("志愿服务证明", "吴居民", "2025年3月5日", "2025年4月5日", "清扫楼道", "义务理发",
                     "西湖学雷锋志愿服务队", "灵武市城区街道党工委", "2025年12月1日", "盖章", "第1页/共1页"):
        assert expected in text, expected
    assert "去年的活动" not in text
    assert "参加志愿服务活动2次，累计服务时长2小时" in text
    with pytest.raises(UserError, match="还没有志愿服务记录"):
        build_certificate(db, office.resident_id, tmp_path / "none.pdf", year=2020)


def test_certificate_spans_pages_with_many_activities(office, db, tmp_path):
    for month in range(1, 13):
        for day in (3, 10, 17, 24):
            office.activity(f"2023-{month:02d}-{day:02d}", "09:00", "10:30", [office.resident_id], content=f"{month}月服务")
    pdf = build_certificate(db, office.resident_id, tmp_path / "long.pdf", year=2023)
    text = _pdf_text(pdf)
    assert "共48次" in text and "累计服务时长72小时" in text and "共2页" in text


def test_demo_builds_teams_activities_and_registrations(demo_db):
    db = demo_db
    communities = db.execute("SELECT id FROM org_unit WHERE kind = 'community'").fetchall()
    with_teams = db.execute("SELECT count(DISTINCT community_id) FROM volunteer_team").fetchone()[0]
    assert with_teams == len(communities) == 14
    leifeng = db.execute(
        "SELECT count(*) FROM volunteer_team t JOIN volunteer_team_kind k ON k.id = t.kind_id WHERE k.name = '学雷锋'"
    ).fetchone()[0]
    assert leifeng == 21
    year = dt.date.today().year
    summary = vol.dual_summary(db, year)
    assert summary.members_registered > 0 and summary.units_registered > 0
    assert 0 < summary.members_met < summary.members_registered  # some below their threshold
    assert summary.units_met < summary.units_registered
    # Only in-service members register.
    assert db.execute("""SELECT count(*) FROM dual_registration r JOIN member m ON m.id = r.member_id
                         WHERE m.person_type != '在职'""").fetchone()[0] == 0
    # Nobody serves overlapping time beyond the block: check every person-day.
    rows = db.execute("""SELECT pa.volunteer_id, a.date, a.start_time, a.end_time, pa.minutes FROM volunteer_participation pa
                         JOIN volunteer_activity a ON a.id = pa.activity_id ORDER BY 1, 2, 3""").fetchall()
    previous = None
    for volunteer_id, day, start, end, minutes in rows:
        if previous and previous[:2] == (volunteer_id, day):
            assert start >= previous[3]
        previous = (volunteer_id, day, start, end)
    assert max(r[4] for r in rows) <= 180
    assert sum(vol.community_minutes(db, year).values()) > 0
