"""三会一课 outputs: the Excel ledger read back, the ledger and sign-in PDFs' text, the CLI, the demo."""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
from pathlib import Path

from openpyxl import load_workbook

from core import meetings, orgs
from core.meetings import Attendance
from core.meetings_excel import sheet_title
from main import main as cli_main
from reports.meeting_ledger_pdf import render_ledger
from reports.signin_sheet_pdf import render_signin_sheet
from tests.test_meetings_core import hold, office  # noqa: F401 - the fixture is shared


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _record(db, office):
    b, p = office["branch"], office["people"]
    people = meetings.expected_people(db, b, "general")
    rows = [Attendance(x.person_id, x.name, "出席") for x in people]
    rows[3] = Attendance(p["刘芳"], "刘芳", "请假", "住院治疗")
    rows[4] = Attendance(p["陈静"], "陈静", "缺席")
    return meetings.create_meeting(db, {
        "unit_id": b, "kind_code": "general", "date": "2025-03-08", "start_time": "14:30", "end_time": "16:00",
        "place": "党群服务中心", "host_person_id": p["王建国"], "recorder_person_id": p["李秀英"],
        "topic": "讨论预备党员转正", "minutes": "会议讨论了转正事宜。", "resolutions": "同意张伟按期转正。",
        "attachments": ["签到表.jpg"],
    }, rows, guests=["街道组织委员"])


def test_excel_ledger_read_back(db, office, tmp_path):
    _record(db, office)
    hold(db, office["branch"], "committee", "2025-01-05")
    hold(db, office["g1"], "group", "2025-02-05")
    hold(db, office["branch"], "committee", "2024-12-05")  # another year: not in the 2025 ledger
    out = tmp_path / "台账.xlsx"
    assert cli_main(["export", "meetings", str(out), "--db", str(db.path), "--year", "2025"]) == 0
    book = load_workbook(out)
    assert book.sheetnames == ["汇总", "西湖社区党支部"]
    ws = book["西湖社区党支部"]
    header = [c.value for c in ws[3]]
    assert header[:6] == ["序号", "日期", "时间", "会议类型", "召开单位", "会议主题"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert [r[1] for r in rows] == ["2025-01-05", "2025-02-05", "2025-03-08"]
    general = dict(zip(header, rows[2]))
    assert general["应到"] == 6 and general["实到"] == 4 and general["请假"] == 1 and general["缺席"] == 1
    assert general["出席率"] == "66.7%"
    assert general["请假人员及原因"] == "刘芳（住院治疗）" and general["缺席人员"] == "陈静"
    assert general["列席人员"] == "街道组织委员" and general["时间"] == "14:30–16:00"
    assert dict(zip(header, rows[1]))["召开单位"] == "第一党小组"
    summary = [[c.value for c in r] for r in book["汇总"].iter_rows(min_row=3)]
    assert summary[0][0] == "西湖社区党支部" and summary[0][-3] == 3


def test_export_refuses_bad_names(db, office, tmp_path, capsys):
    assert cli_main(["export", "meetings", str(tmp_path / "a.csv"), "--db", str(db.path)]) == 1
    assert cli_main(["export", "nothing", str(tmp_path / "a.xlsx"), "--db", str(db.path)]) == 2
    assert "meetings" in capsys.readouterr().err


def test_sheet_titles_are_valid_and_unique():
    used: set[str] = set()
    name = "第一[党]支部/机关:很长很长很长很长很长很长很长很长很长很长的名字"
    a, b = sheet_title(name, used), sheet_title(name, used)
    assert len(a) <= 31 and len(b) <= 31 and a != b and not set("[]:*?/\\") & set(a + b)


def test_ledger_pdf_text(db, office, tmp_path):
    _record(db, office)
    hold(db, office["branch"], "committee", "2025-01-05")
    out = render_ledger(db, office["branch"], "2025-Q1", tmp_path / "ledger.pdf")
    text = pdf_text(out)
    assert "西湖社区党支部" in text and "三会一课台账" in text and "2025年第一季度" in text
    assert "讨论预备党员转正" in text and "同意张伟按期转正" in text
    assert "刘芳（住院治疗）" in text and "陈静" in text and "街道组织委员" in text
    assert "应到 6 人，实到 4 人" in text and "66.7%" in text
    flat = text.replace(" ", "")
    assert "第1页/共" in flat and "党支部书记（签字）" in flat and "城区街道党工委" in text and "打印日期" in text


def test_signin_sheet_pdf_text(db, office, tmp_path):
    day = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    meeting_id = meetings.create_meeting(db, {"unit_id": office["branch"], "kind_code": "theme_day", "date": day,
                                              "status": "计划", "topic": "重温入党誓词", "place": "党员活动室"})
    text = pdf_text(render_signin_sheet(db, meeting_id, tmp_path / "signin.pdf"))
    assert "西湖社区党支部主题党日签到表" in text and "重温入党誓词" in text and day in text
    for name in office["people"]:
        assert name in text
    assert "本人签到" in text and "应到 6 人" in text and "列席人员签到" in text


def test_demo_has_meetings_with_some_branches_behind(demo_db):
    today = dt.date.today()
    assert demo_db.execute("SELECT count(*) FROM branch_committee").fetchone()[0] >= 3 * len(orgs.branches(demo_db))
    previous_quarter = meetings.period_of("quarter", today.replace(day=1) - dt.timedelta(days=92))
    grid = meetings.compliance_grid(demo_db, previous_quarter)
    states = [k.state for g in grid for k in g.kinds]
    assert states.count("held") > states.count("overdue") > 0
    start = (today - dt.timedelta(days=365)).isoformat()
    rates = [meetings.attendance_rate(demo_db, b.id, start, today.isoformat()) for b in orgs.branches(demo_db)]
    # A small branch whose few members chair and minute its meetings may reach full attendance; the street may not.
    assert all(r is not None and 0.6 < r <= 1 for r in rates)
    assert 0.7 < statistics.median(rates) < 0.95
    runs = [r for b in orgs.branches(demo_db) for r in meetings.consecutive_absences(demo_db, b.id, start, today.isoformat())]
    assert runs
    assert demo_db.execute("SELECT count(*) FROM meeting WHERE status = '计划'").fetchone()[0] == len(orgs.branches(demo_db))
    assert demo_db.execute(
        "SELECT count(*) FROM meeting_attendance WHERE status = '请假' AND coalesce(reason, '') = ''").fetchone()[0] == 0


def test_names_too_long_for_one_excel_cell_are_cut_with_a_count():
    from core.meetings_excel import EXCEL_CELL_LIMIT, joined_names

    names = [f"党员{i:05d}" for i in range(6000)]
    text = joined_names(names)
    assert len(text) < EXCEL_CELL_LIMIT and text.endswith("等共 6000 人") and text.startswith("党员00000、党员00001")
    assert joined_names(["张三", "李四"]) == "张三、李四"


def test_custom_kind_is_counted(db, office):
    code = meetings.add_kind(db, "谈心谈话", period="year", required_count=1)
    hold(db, office["branch"], code, "2025-06-01")
    result = meetings.compliance(db, office["branch"], "2025", on=dt.date(2026, 1, 5))
    assert result.kind(code).state == "held" and result.kind(code).kind_name == "谈心谈话"
