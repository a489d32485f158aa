"""The main window, the organisation screen and the settings form, driven as a user would."""

from PySide6.QtCore import QDate

from core import orgs, settings
from gui.settings_screen import SettingsScreen


def test_window_shows_database_and_navigates(window, demo_db):
    assert str(demo_db.path) in window.db_label.text()
    assert "城区街道党工委" in window.windowTitle()
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "设置" in titles and len(titles) == len(window.specs)
    screen = window.show_screen("settings")
    assert window.stack.currentWidget() is screen


def org_screen(window) -> "OrgScreen":
    screen = window.show_screen("settings")
    assert isinstance(screen, SettingsScreen)
    return screen.org_screen


def test_org_tree_lists_the_demo_office(window):
    labels = org_screen(window).tree_labels()
    assert labels[0] == "城区街道党工委"
    assert "西湖社区党委" in labels and "街道机关党支部" in labels and "第一党小组" in labels


def test_add_rename_and_delete_a_community_through_the_screen(window, demo_db, monkeypatch):
    screen = org_screen(window)
    street = orgs.street(demo_db)
    screen.select_unit(street.id)
    answers = iter(["社区党委", "新建测试社区党委"])
    monkeypatch.setattr(screen, "ask_item", lambda *a: next(answers))
    monkeypatch.setattr(screen, "ask_text", lambda *a: next(answers))
    screen.add_child_button.click()
    created = [u for u in orgs.list_units(demo_db, kind="community") if u.name == "新建测试社区党委"]
    assert len(created) == 1
    assert screen.selected_unit_id() == created[0].id
    assert "新建测试社区党委" in screen.tree_labels()

    monkeypatch.setattr(screen, "ask_text", lambda *a: "改名社区党委")
    screen.rename_button.click()
    assert orgs.get_unit(demo_db, created[0].id).name == "改名社区党委"

    monkeypatch.setattr(screen, "confirm", lambda message: True)
    screen.select_unit(created[0].id)
    screen.delete_button.click()
    assert "改名社区党委" not in screen.tree_labels()


def test_deleting_a_unit_with_members_shows_why_and_keeps_it(window, demo_db, monkeypatch):
    screen = org_screen(window)
    branch = orgs.branches(demo_db)[0]
    screen.select_unit(branch.id)
    errors = []
    monkeypatch.setattr(screen, "confirm", lambda message: True)
    monkeypatch.setattr(screen, "show_error", errors.append)
    screen.delete_button.click()
    assert errors and "党员" in errors[0] and "不能删除" in errors[0]
    assert orgs.get_unit(demo_db, branch.id).name == branch.name


def test_grid_worker_is_set_from_the_community_panel(window, demo_db, monkeypatch):
    screen = org_screen(window)
    community = orgs.list_units(demo_db, kind="community")[0]
    screen.select_unit(community.id)
    assert screen.grid_table.rowCount() == 8
    grid = orgs.list_grids(demo_db, community.id)[0]
    screen.select_grid(grid.id)
    monkeypatch.setattr(screen, "ask_text", lambda *a: "新网格员")
    screen.worker_button.click()
    assert orgs.get_grid(demo_db, grid.id).worker_name == "新网格员"
    assert screen.grid_table.item(0, 1).text() == "新网格员"


def test_settings_form_saves_and_refuses_bad_star_table(window, demo_db, monkeypatch):
    screen = window.show_screen("settings")
    form = screen.office_form
    form.office_name.setText("测试街道党工委")
    form.min_wage.setValue(2100)
    assert form.save()
    assert settings.get(demo_db, "office_name") == "测试街道党工委"
    assert settings.get(demo_db, "min_wage") == 2100
    errors = []
    monkeypatch.setattr(screen, "show_error", errors.append)
    form.multiple_spins[4].setValue(0.5)
    form.min_wage.setValue(2500)
    assert not form.save()
    assert errors and "星级越高" in errors[0]
    assert settings.get(demo_db, "min_wage") == 2100
    assert form.min_wage.value() == 2500  # what was typed stays on screen
    assert form.unsaved_input()
    form.load()
    assert not form.unsaved_input()
    monkeypatch.setattr(screen, "confirm", lambda text: True)
    form._on_reset_button_clicked()
    assert form.unsaved_input()  # the defaults are shown, not saved yet


def test_screenshots_command_writes_a_png_per_screen(qtbot, demo_db, tmp_path):
    from gui.screenshots import render_all

    written = render_all(demo_db, tmp_path)
    assert written and all(p.stat().st_size > 10_000 for p in written)
    assert {p.name for p in written} >= {"settings-1.png", "settings-2.png"}


def test_file_menu_backs_up_creates_and_opens_databases(window, demo_db, tmp_path, monkeypatch):
    infos, errors = [], []
    monkeypatch.setattr(window, "show_info", infos.append)
    monkeypatch.setattr(window, "show_error", errors.append)
    copy = tmp_path / "备份.db"
    monkeypatch.setattr(window, "ask_save_path", lambda *a: str(copy))
    window.backup_action.trigger()
    assert copy.exists() and infos and str(copy) in infos[-1]

    fresh = tmp_path / "新库.db"
    monkeypatch.setattr(window, "ask_save_path", lambda *a: str(fresh))
    window.new_db_action.trigger()
    assert window.db.path == fresh
    assert str(fresh) in window.db_label.text()
    assert window.screen("settings").org_screen.tree_labels() == []

    monkeypatch.setattr(window, "ask_open_path", lambda *a: str(copy))
    window.open_db_action.trigger()
    assert window.db.path == copy
    assert "城区街道党工委" in window.screen("settings").org_screen.tree_labels()

    monkeypatch.setattr(window, "ask_save_path", lambda *a: str(copy))
    window.new_db_action.trigger()  # an existing file is not a new database
    assert errors and "已存在" in errors[-1]
    window.db.close()
    window.db = demo_db  # the fixture closes its own database


def test_daily_backup_runs_in_the_background_once_a_day(window, demo_db, qtbot):
    backups_dir = demo_db.path.parent / "backups"
    with qtbot.waitSignal(window.daily_backup_done, timeout=60000) as first:
        window.start_daily_backup()
    assert first.args[0] is not None and first.args[0].exists()
    assert first.args[0].parent == backups_dir
    with qtbot.waitSignal(window.daily_backup_done, timeout=60000) as second:
        window.start_daily_backup()
    assert second.args[0] is None  # today's copy is already there


def test_settings_form_keeps_the_ledger_start_date(window, demo_db):
    screen = window.show_screen("settings")
    form = screen.office_form
    assert not form.records_limited.isChecked() and not form.records_start.isEnabled()  # the demo counts every period
    form.records_limited.setChecked(True)
    assert form.records_start.isEnabled()
    form.records_start.setDate(QDate(2026, 3, 1))
    assert form.save()
    assert settings.get(demo_db, "records_start") == "2026-03-01"
    form.load()
    assert form.records_limited.isChecked() and form.records_start.date() == QDate(2026, 3, 1)
    form.records_limited.setChecked(False)
    assert form.save() and settings.records_start(demo_db) is None
