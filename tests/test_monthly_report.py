"""The monthly report: figures against independent SQL, the PDF's text, the CLI."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from core import letters, monthly, orgs
from core.errors import ValidationError
from main import main
from reports.monthly_report_pdf import write_report


def _text(path) -> str:
    return "".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())


def _last_full_month() -> monthly.Month:
    return monthly.month_of(dt.date.today()).shifted(-1)


def test_parse_month():
    assert monthly.parse_month("2026-03") == monthly.Month(2026, 3)
    assert monthly.parse_month("2026年3月") == monthly.Month(2026, 3)
    assert monthly.Month(2026, 12).shifted(1) == monthly.Month(2027, 1)
    assert monthly.Month(2026, 1).shifted(-1) == monthly.Month(2025, 12)
    assert monthly.Month(2024, 2).end == dt.date(2024, 2, 29)
    with pytest.raises(ValidationError, match="2026-03"):
        monthly.parse_month("2026-13")


def test_community_figures_match_independent_sql(demo_db):
    month = _last_full_month()
    start, end = month.start.isoformat(), month.end.isoformat()
    report = monthly.monthly_report(demo_db, month)
    assert len(report.communities) == 14
    for unit in report.communities:
        branches = [r[0] for r in demo_db.execute(
            "SELECT id FROM org_unit WHERE parent_id = ? AND kind = 'branch'", [unit.community_id])]
        marks = ",".join(str(b) for b in branches) or "NULL"
        q = lambda sql, *p: demo_db.execute(sql, list(p)).fetchone()[0]
        assert unit.meetings_held == q(f"SELECT count(*) FROM meeting WHERE branch_id IN ({marks}) AND status = '已召开' "
                                       "AND date >= ? AND date <= ?", start, end)
        assert unit.visits == q("""SELECT count(*) FROM home_visit v JOIN household h ON h.id = v.household_id
                                   JOIN grid g ON g.id = h.grid_id WHERE g.community_id = ? AND v.visit_date >= ?
                                   AND v.visit_date <= ?""", unit.community_id, start, end)
        assert unit.problems_opened == q("""SELECT count(*) FROM problem p JOIN grid g ON g.id = p.grid_id
                                            WHERE g.community_id = ? AND substr(p.found_at, 1, 10) BETWEEN ? AND ?""",
                                         unit.community_id, start, end)
        assert unit.volunteer_minutes == q("""SELECT coalesce(sum(p.minutes), 0) FROM volunteer_participation p
                                              JOIN volunteer_activity a ON a.id = p.activity_id
                                              WHERE a.community_id = ? AND a.date >= ? AND a.date <= ?""",
                                           unit.community_id, start, end)
        assert unit.joined == q(f"SELECT count(*) FROM member WHERE branch_id IN ({marks}) AND join_date >= ? "
                                "AND join_date <= ?", start, end)
        letter = letters.find_letter(demo_db, unit.community_id, month.year)
        if letter:
            assert unit.letter_score == letters.letter_progress(demo_db, letter.id, month.end).score
    street = report.street
    assert street.visits == sum(u.visits for u in report.communities)
    assert street.volunteer_minutes == sum(u.volunteer_minutes for u in report.communities)
    assert street.meetings_held >= sum(u.meetings_held for u in report.communities)  # plus street-level branches
    assert street.meetings_held == demo_db.execute(
        "SELECT count(*) FROM meeting WHERE status = '已召开' AND date >= ? AND date <= ?", [start, end]).fetchone()[0]
    assert [p.month for p in report.trend] == [month.shifted(i) for i in range(-11, 1)]
    assert report.trend[-1].visits == street.visits
    assert report.trend[-1].meetings_held == street.meetings_held


def test_report_pdf_text(demo_db, tmp_path):
    month = _last_full_month()
    path = write_report(demo_db, month.code, tmp_path / "月报.pdf")
    text = _text(path)
    report = monthly.monthly_report(demo_db, month)
    assert "党建工作月报" in text and f"（{month.label}）" in text
    for heading in ("一、全街道概况", "二、各社区情况", "三、图表", "四、审核", "审核人（签字）"):
        assert heading in text
    for unit in report.communities:
        assert unit.name in text
    s = report.street
    assert f"本月入户走访{s.visits}户次" in text
    assert f"本月新增{s.problems_opened}件，办结{s.problems_closed}件" in text
    assert "各社区三会一课：应开与按期召开" in text and "近12个月全街道入户走访" in text
    assert "第1页共" in text


def test_report_cli(demo_db, tmp_path, capsys):
    path = str(demo_db.path)
    demo_db.close()
    out = tmp_path / "r.pdf"
    assert main(["report", "--month", _last_full_month().code, "--out", str(out), "--db", path]) == 0
    assert out.exists() and "月报" in capsys.readouterr().out
    assert main(["report", "--month", "2026-13", "--out", str(out), "--db", path]) == 1
    assert "无法识别" in capsys.readouterr().err


def test_alerts_on_demo(demo_db):
    a = monthly.alerts(demo_db)
    assert a.problems_overdue  # the demo leaves some problems overdue
    on_time = demo_db.execute(
        "SELECT count(*) FROM problem WHERE stage <> '办结' AND handled_at IS NULL AND deadline_at < ?",
        [dt.datetime.now().strftime("%Y-%m-%d %H:%M")]).fetchone()[0]
    assert len(a.problems_overdue) == on_time
    assert all(not p.met for p in a.dual_registration_behind)
    assert orgs.branches(demo_db)
