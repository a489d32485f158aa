"""The roster screen's Excel import, undo and export buttons, and reveals and unmasked exports through access."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from core import access, audit, excel_import, members
from core.members import MemberQuery
from gui.app import AppSignals
from gui.roster_screen import COLUMN_KEYS, MemberTableModel, RosterScreen
from tests.conftest import ROOT
from tests.excel_helpers import member_row, write_roster

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def make_screen(qtbot, db) -> RosterScreen:
    signals = AppSignals()
    view = RosterScreen(db, signals)
    qtbot.addWidget(view)
    view.errors_shown, view.infos_shown, view.signals_seen = [], [], []
    view.show_error = view.errors_shown.append
    view.show_info = view.infos_shown.append
    view.confirm = lambda message: True
    signals.data_changed.connect(view.signals_seen.append)
    view.dialogs = []
    for name in ("open_import_wizard", "open_export_dialog"):
        real = getattr(view, name)

        def opened(*args, real=real):
            dialog = real(*args)
            dialog.show_error = view.errors_shown.append
            dialog.confirm = lambda message: True
            view.dialogs.append(dialog)
            return dialog

        setattr(view, name, opened)
    return view


@pytest.fixture
def screen(qtbot, demo_db):
    return make_screen(qtbot, demo_db)


def run_wizard(qtbot, wizard, path) -> excel_import.ImportResult:
    wizard.choose_file = lambda: str(path)
    wizard.browse_button.click()
    with qtbot.waitSignal(wizard.source_loaded, timeout=20000):
        wizard.next_button.click()
    with qtbot.waitSignal(wizard.preview_ready, timeout=20000):
        wizard.next_button.click()
    with qtbot.waitSignal(wizard.imported, timeout=30000) as blocker:
        wizard.next_button.click()
    return blocker.args[0]


def test_import_button_runs_the_wizard_and_the_table_shows_the_new_members(qtbot, screen, tmp_path):
    before = members.count_members(screen.db)
    new_branch = {"所在支部": "东湖小区党支部", "党小组": None, "网格": "东湖网格"}
    path = write_roster(tmp_path / "东湖小区名册.xlsx", [member_row(1, **new_branch), member_row(2, **new_branch)])
    screen.import_button.click()
    [wizard] = screen.dialogs
    assert wizard.kind.name == "roster" and wizard.isVisible()
    result = run_wizard(qtbot, wizard, path)
    assert result.imported and result.created == 2 and result.units_created > 0
    assert screen.signals_seen == ["members", "org"]  # the new branch and grid concern the org screens too
    assert screen.count_label.text() == f"共 {before + 2} 名党员"
    screen.search("张三2")
    assert screen.shown_names() == ["张三2"]


def test_undo_import_lists_batches_and_explains_an_edited_batch(qtbot, screen, tmp_path):
    screen.undo_import()
    assert screen.infos_shown == ["没有可以撤销的党员名册导入。"]
    first = excel_import.import_file(screen.db, "roster", write_roster(tmp_path / "一.xlsx", [member_row(1)]))
    second = excel_import.import_file(screen.db, "roster", write_roster(tmp_path / "二.xlsx", [member_row(2)]))
    screen.refresh()
    offered = []
    screen.ask_item = lambda title, label, items: offered.append(items) or items[-1]  # the older one: 一.xlsx
    edited = members.member_ids(screen.db, MemberQuery(text="张二1"))[0]
    members.update(screen.db, edited, member={"note": "导入后补了备注"})
    assert not screen.undo_import()
    assert len(offered[0]) == 2 and "二.xlsx" in offered[0][0] and "一.xlsx" in offered[0][1]
    assert "修改过" in screen.errors_shown[-1] and "不能撤销" in screen.errors_shown[-1]
    assert excel_import.get_batch(screen.db, first.batch_id).undone_at is None

    screen.ask_item = lambda title, label, items: items[0]  # the newest: 二.xlsx, untouched
    screen.signals_seen.clear()
    assert screen.undo_import()
    assert excel_import.get_batch(screen.db, second.batch_id).undone_at
    assert "members" in screen.signals_seen
    screen.search("张三2")
    assert screen.shown_names() == []
    assert "已撤销导入“二.xlsx”" in screen.infos_shown[-1]
    screen.ask_item = lambda title, label, items: offered.append(items) or None
    screen.undo_import()
    assert len(offered[-1]) == 1  # an undone batch is no longer offered


def test_export_button_exports_the_current_view(qtbot, screen, tmp_path):
    branch = screen.branch_filter.itemData(1)
    screen.branch_filter.setCurrentIndex(1)
    screen.apply_filters()
    screen.search("1")
    shown = screen.current_member_ids()
    assert 0 < len(shown) < members.count_members(screen.db)
    screen.export_button.click()
    [dialog] = screen.dialogs
    assert dialog.member_ids == shown and f"当前列表中的 {len(shown)} 名党员" in dialog.scope_label.text()
    dialog.path_edit.setText(str(tmp_path / "支部花名册.xlsx"))
    with qtbot.waitSignal(dialog.exported, timeout=30000) as blocker:
        dialog.export_button.click()
    assert blocker.args[0].rows == len(shown)
    sheet = load_workbook(tmp_path / "支部花名册.xlsx").active
    names = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    assert sorted(names) == sorted(members.get(screen.db, i).name for i in shown)
    assert all(m.branch_id == branch for m in members.get_many(screen.db, shown))
    assert audit.entries(screen.db, action="export") == []  # masked: nothing to log


def test_viewer_may_not_reveal_import_or_export_unmasked(qtbot, staffed, tmp_path):
    access.login(staffed, "赵查看", "viewer-pass")
    view = make_screen(qtbot, staffed)
    member_id = view.selected_member_id()
    assert not view.set_revealed(member_id, True)
    assert view.errors_shown == ["您的角色是“查看”，不能查看完整身份证号或电话。需要时请找管理员或录入员办理。"]
    assert member_id not in view.model.revealed
    m = members.get(staffed, member_id)
    assert m.id_number not in view.detail_label.text()

    assert view.open_import() is None and view.dialogs == []
    assert "不能导入 Excel" in view.errors_shown[-1]

    view.open_export()
    [dialog] = view.dialogs
    dialog.masked_check.setChecked(False)
    dialog.path_edit.setText(str(tmp_path / "完整.xlsx"))
    dialog.export_button.click()
    assert view.errors_shown[-1] == "您的角色是“查看”，不能导出完整身份证号和电话。需要时请找管理员或录入员办理。"
    assert dialog.task is None and not (tmp_path / "完整.xlsx").exists()
    assert audit.entries(staffed, action="reveal") == [] and audit.entries(staffed, action="export") == []


def test_clerk_reveals_and_exports_unmasked_with_audit_rows(qtbot, staffed, tmp_path):
    access.login(staffed, "李录入", "clerk-pass")
    view = make_screen(qtbot, staffed)
    member_id = view.selected_member_id()
    m = members.get(staffed, member_id)
    view.reveal_button.click()
    assert view.errors_shown == [] and member_id in view.model.revealed
    row = view.model.row_of(member_id)
    assert view.model.data(view.model.index(row, COLUMN_KEYS.index("id_number"))) == m.id_number
    assert m.id_number in view.detail_label.text()
    reveals = audit.entries(staffed, action="reveal")
    assert {(e.table_name, e.row_id, e.operator, e.new["field"]) for e in reveals} == {
        ("member", member_id, "李录入", "id_number"), ("member", member_id, "李录入", "phone")}
    view.reveal_button.click()  # hiding again needs no permission and logs nothing
    assert member_id not in view.model.revealed and len(audit.entries(staffed, action="reveal")) == 2

    view.open_export()
    [dialog] = view.dialogs
    dialog.masked_check.setChecked(False)
    dialog.path_edit.setText(str(tmp_path / "完整.xlsx"))
    with qtbot.waitSignal(dialog.exported, timeout=30000):
        dialog.export_button.click()
    [entry] = audit.entries(staffed, action="export")
    assert entry.operator == "李录入" and entry.table_name == "roster"
    assert entry.new == {"file": str(tmp_path / "完整.xlsx"), "unmasked": True, "rows": members.count_members(staffed)}


def test_a_logged_in_clerk_imports_through_the_wizard(qtbot, staffed, tmp_path):
    """The wizard's worker opens its own connection: the login must carry over to it."""
    access.login(staffed, "李录入", "clerk-pass")
    view = make_screen(qtbot, staffed)
    wizard = view.open_import()
    result = run_wizard(qtbot, wizard, write_roster(tmp_path / "名册.xlsx", [member_row(5)]))
    assert result.imported and result.created == 1
    assert view.errors_shown == []
    [batch] = excel_import.list_batches(staffed, "roster")
    assert batch.operator == "李录入"


def test_large_roster_paints_the_first_page_then_counts_in_the_background(qtbot, demo_db, monkeypatch):
    monkeypatch.setattr(MemberTableModel, "BACKGROUND_FROM", 0)  # the demo's 300 members count as large
    total = members.count_members(demo_db)
    view = make_screen(qtbot, demo_db)
    assert view.model.rowCount() == MemberTableModel.BLOCK < total
    assert view.count_label.text() == f"先显示前 {MemberTableModel.BLOCK} 名，正在统计总数…"
    qtbot.waitUntil(lambda: view.model.complete, timeout=20000)
    assert view.model.rowCount() == total and view.count_label.text() == f"共 {total} 名党员"
    assert list(view.model.ids) == members.member_ids(demo_db, MemberQuery(), "branch")

    view.search("1")  # two searches in a row: only the last one's list lands
    view.search("")
    qtbot.waitUntil(lambda: view.model.complete, timeout=20000)
    assert view.model.rowCount() == total
    view.search("")
    assert len(view.current_member_ids()) == total  # an export takes every row, loaded or not
    assert view.model.complete and view.count_label.text() == f"共 {total} 名党员"
    last = members.member_ids(demo_db, MemberQuery(), "branch")[-1]
    view.search("")
    assert view.select_member(last)  # a row past the first page is found at once


def test_a_program_ending_while_the_list_is_read_exits_cleanly(demo_db):
    """A QThread destroyed while running aborts the process: the job is waited for at exit."""
    script = (
        "import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
        "from core.db import open_db; from gui.app import AppSignals;"
        "from gui.roster_screen import MemberTableModel, RosterScreen;"
        "MemberTableModel.BACKGROUND_FROM = 0;"
        "screen = RosterScreen(open_db(sys.argv[1], create=False), AppSignals());"
        "assert not screen.model.complete"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script, str(demo_db.path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
