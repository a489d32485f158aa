"""工作台 and 报表 screens: overdue items show and open their lists; the monthly report is written in a worker."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from core import members, monthly, orgs
from core.idcard import make_fake
from gui.main_window import MainWindow, screen_specs


def _window(qtbot, db) -> MainWindow:
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.screens["dashboard"].wait_loaded()
    return window


def test_dashboard_is_first_in_the_navigation():
    keys = [spec.key for spec in screen_specs()]
    assert keys[0] == "dashboard"
    assert keys.index("letters") < keys.index("reports") < keys.index("settings")


def test_overdue_probation_shows_and_opens_the_roster(qtbot, demo_db):
    import random

    branch = orgs.branches(demo_db)[0]
    joined = dt.date.today() - dt.timedelta(days=360)  # probation ends in about five days
    member_id = members.create(
        demo_db, {"name": "预备甲", "id_number": make_fake(random.Random(5), "110101", dt.date(1995, 5, 5), "男")},
        {"branch_id": branch.id, "category": "预备党员", "join_date": joined.isoformat()},
    )
    window = _window(qtbot, demo_db)
    dashboard = window.screens["dashboard"]
    assert window.current_key() == "dashboard"
    expected = len(members.probations_due(demo_db, 30))
    assert int(dashboard.tile_value("probations_due")) == expected >= 1
    assert dashboard.tiles["probations_due"].tile.tone == "alert"
    with qtbot.waitSignal(dashboard.list_opened, timeout=3000):
        dashboard.tiles["probations_due"].click()
    assert window.current_key() == "roster"
    roster = window.screen("roster")
    assert roster.probation_filter
    assert "预备甲" in roster.shown_names()
    assert member_id in [m.id for m in members.probations_due(demo_db, 30)]


def test_dashboard_figures_match_core(qtbot, demo_db):
    window = _window(qtbot, demo_db)
    dashboard = window.screens["dashboard"]
    alerts = monthly.alerts(demo_db)
    street = monthly.unit_month(demo_db, None, monthly.month_of(dt.date.today()))
    assert dashboard.tile_value("problems_overdue") == str(len(alerts.problems_overdue))
    assert dashboard.tile_value("dual_registration_behind") == str(len(alerts.dual_registration_behind))
    assert dashboard.tile_value("visits") == str(street.visits)
    assert dashboard.tile_value("members") == str(street.members)
    assert dashboard.meetings_chart.chart().series()
    dashboard.tiles["letter_score"].click()
    assert window.current_key() == "letters"


def test_reports_screen_writes_and_previews_the_month(qtbot, demo_db, tmp_path):
    window = _window(qtbot, demo_db)
    screen = window.show_screen("reports")
    month = monthly.month_of(dt.date.today()).shifted(-1)
    screen.set_month(month.code)
    assert screen.model.rowCount() == 15  # 14 communities and the street total
    previewed: list[Path] = []
    screen.preview = previewed.append
    with qtbot.waitSignal(screen.report_ready, timeout=60000) as blocker:
        screen.preview_button.click()
    path = Path(blocker.args[0])
    assert previewed == [path] and path.exists()
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "党建工作月报" in text and month.label in text
    target = tmp_path / "saved.pdf"
    screen.ask_save_path = lambda suggested: str(target)
    with qtbot.waitSignal(screen.report_ready, timeout=60000):
        screen.save_button.click()
    assert target.exists() and "已保存" in screen.status.text()


def test_overdue_problems_open_the_problem_board(qtbot, demo_db):
    from core import problems

    window = _window(qtbot, demo_db)
    dashboard = window.screens["dashboard"]
    overdue = problems.overdue(demo_db)
    assert overdue, "the demo leaves some problems overdue"
    tile = dashboard.tiles["problems_overdue"]
    assert tile.tile.value == str(len(overdue)) and tile.tile.tone == "alert"
    with qtbot.waitSignal(dashboard.list_opened, timeout=3000):
        tile.click()
    assert window.current_key() == "problems"
    assert window.screen("problems").selected_problem_id() == overdue[0].id


def test_meeting_numbers_open_the_compliance_grid(qtbot, demo_db):
    window = _window(qtbot, demo_db)
    dashboard = window.screens["dashboard"]
    dashboard.tiles["meetings_overdue"].click()
    assert window.current_key() == "meetings"
    meetings_screen = window.screen("meetings")
    assert meetings_screen.tabs.tabText(meetings_screen.tabs.currentIndex()) == "达标情况"
    assert meetings_screen.current_period().code == str(dt.date.today().year)
    window.show_screen("dashboard")
    dashboard.tiles["visits"].click()
    assert window.current_key() == "visits"


def test_dashboard_counts_in_the_background_and_stops_when_the_window_closes(qtbot, demo_db):
    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    dashboard = window.screens["dashboard"]
    assert dashboard._task is not None, "the figures are counted in a worker, after the window is built"
    assert dashboard.heading.text() == "正在统计……"
    window.close()
    assert dashboard._task is None
    assert "统计失败" not in dashboard.heading.text()


def test_data_changed_while_counting_counts_again(qtbot, demo_db):
    window = _window(qtbot, demo_db)
    dashboard = window.screens["dashboard"]
    before = int(dashboard.tile_value("members"))
    branch = orgs.branches(demo_db)[0]
    import random

    members.create(
        demo_db, {"name": "新党员乙", "id_number": make_fake(random.Random(9), "110101", dt.date(1990, 1, 2), "女")},
        {"branch_id": branch.id, "category": "正式党员", "join_date": "2010-07-01"},
    )
    window.signals.data_changed.emit("members")
    window.signals.data_changed.emit("members")  # arrives while the first recount runs
    assert int(dashboard.tile_value("members")) == before + 1
    assert dashboard._task is None
