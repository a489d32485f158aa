"""The export dialog and layout editor driven like a user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core import excel_export
from core.excel_export import ExportLayout, LayoutColumn
from gui.app import AppSignals, ensure_app
from gui.export_dialog import ExportDialog, LayoutEditor, codes_from_text
from core.errors import UserError

SHOTS = os.environ.get("SCREENSHOT_DIR")
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def dialog(qtbot, demo_db):
    ensure_app()
    d = ExportDialog(demo_db, AppSignals())
    d.errors = []
    d.show_error = d.errors.append
    d.confirm = lambda message: True
    qtbot.addWidget(d)
    return d


def test_export_default_masked(qtbot, dialog, tmp_path):
    assert "全部 300 名党员" in dialog.scope_label.text()
    assert dialog.layout_combo.currentData() == "默认格式" and not dialog.delete_layout_button.isEnabled()
    dialog.path_edit.setText(str(tmp_path / "花名册"))
    shot(dialog, "export_1_dialog")
    with qtbot.waitSignal(dialog.exported, timeout=30000) as blocker:
        dialog.export_button.click()
    result = blocker.args[0]
    assert result.path == tmp_path / "花名册.xlsx" and result.masked and result.rows == 300
    assert "已导出 300 名党员" in dialog.status.text() and not dialog.open_button.isHidden()
    sheet = load_workbook(result.path).active
    assert "********" in str(sheet.cell(row=4, column=6).value)
    shot(dialog, "export_2_done")


def test_export_filtered_unmasked_with_a_user_layout(qtbot, demo_db, tmp_path):
    ensure_app()
    excel_export.save_layout(demo_db, ExportLayout("区委格式", (LayoutColumn("name", "姓名"),
                                                              LayoutColumn("gender", "性别", {"男": "1", "女": "2"}),
                                                              LayoutColumn("id_number", "身份证号"))))
    ids = [r[0] for r in demo_db.execute("SELECT id FROM member ORDER BY id LIMIT 5")]
    d = ExportDialog(demo_db, AppSignals(), member_ids=ids)
    qtbot.addWidget(d)
    assert "当前列表中的 5 名党员" in d.scope_label.text()
    d.select_layout("区委格式")
    assert "性别（代码 男=1；女=2）" in d.layout_columns_label.text()
    d.masked_check.setChecked(False)
    assert "妥善保管" in d.status.text()
    d.path_edit.setText(str(tmp_path / "区.xlsx"))
    with qtbot.waitSignal(d.exported, timeout=30000):
        d.export_button.click()
    rows = list(load_workbook(tmp_path / "区.xlsx").active.iter_rows(min_row=3, values_only=True))
    assert rows[0] == ("姓名", "性别", "身份证号") and len(rows) == 6
    assert {r[1] for r in rows[1:]} <= {"1", "2"} and all("*" not in r[2] for r in rows[1:])


def test_layout_editor_add_remove_reorder_rename_codes(qtbot, demo_db):
    ensure_app()
    editor = LayoutEditor(demo_db, excel_export.default_layout())
    qtbot.addWidget(editor)
    assert editor.name_edit.text() == ""  # the built-in layout is saved under a new name
    assert "年龄" in [editor.available.item(i).text() for i in range(editor.available.count())]
    while editor.columns.rowCount() > 3:
        editor.remove_row(3)
    assert editor.chosen_fields() == ["seq", "name", "gender"]
    editor.add_fields(["party_age", "id_number"])
    editor.columns.setCurrentCell(4, 1)
    editor.move_selected(-1)
    assert editor.chosen_fields() == ["seq", "name", "gender", "id_number", "party_age"]
    editor.set_header(1, "党员姓名")
    editor.set_codes(2, "男=1；女=2")
    shot(editor, "export_3_layout_editor")
    assert not editor.save()
    assert "名称不能为空" in editor.status.text()
    editor.name_edit.setText("组织部格式")
    editor.title_edit.setText("党员信息统计表")
    assert editor.save()
    stored = excel_export.get_layout(demo_db, "组织部格式")
    assert [c.header for c in stored.columns] == ["序号", "党员姓名", "性别", "公民身份号码", "党龄"]
    assert stored.columns[2].codes == {"男": "1", "女": "2"} and stored.title == "党员信息统计表"


def test_layout_file_out_and_in(qtbot, dialog, tmp_path):
    excel_export.save_layout(dialog.db, ExportLayout("街道格式", (LayoutColumn("name", "姓名"),)))
    dialog.refresh_layouts("街道格式")
    assert dialog.delete_layout_button.isEnabled()
    target = tmp_path / "街道格式.json"
    dialog.choose_save_path = lambda *a: str(target)
    dialog.save_layout_file_button.click()
    assert target.exists() and "街道格式" in dialog.status.text()
    dialog.delete_layout_button.click()
    assert dialog.layout_combo.findData("街道格式") == -1
    dialog.choose_open_path = lambda *a: str(target)
    dialog.load_layout_file_button.click()
    assert dialog.layout_combo.currentData() == "街道格式"
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert not dialog.load_layout_file(str(bad))
    assert "不是本程序" in dialog.errors[-1]


def test_new_layout_through_the_editor_hook(qtbot, dialog):
    def fake_edit(layout):
        excel_export.save_layout(dialog.db, ExportLayout("新格式", layout.columns[:2]))
        return "新格式"

    dialog.edit_layout = fake_edit
    dialog.new_layout_button.click()
    assert dialog.layout_combo.currentData() == "新格式"


def test_codes_text():
    assert codes_from_text("男=1；女=2", "性别") == {"男": "1", "女": "2"}
    assert codes_from_text("正式党员→01, 预备党员->02", "类别") == {"正式党员": "01", "预备党员": "02"}
    assert codes_from_text("", "x") == {}
    with pytest.raises(UserError, match="看不懂"):
        codes_from_text("男1", "性别")


def test_viewer_exports_masked_only_and_unmasked_exports_are_logged(qtbot, demo_db, tmp_path):
    from core import access, audit

    ensure_app()
    access.create_operator(demo_db, "管理", "admin-pass", access.ADMIN)
    access.login(demo_db, "管理", "admin-pass")
    d = ExportDialog(demo_db, AppSignals())
    qtbot.addWidget(d)
    d.masked_check.setChecked(False)
    d.path_edit.setText(str(tmp_path / "full.xlsx"))
    with qtbot.waitSignal(d.exported, timeout=30000):
        d.export_button.click()
    assert any(e.action == "export" for e in audit.entries(demo_db, limit=5))
    access.create_operator(demo_db, "查看员", "viewer-pass", access.VIEWER)
    access.login(demo_db, "查看员", "viewer-pass")
    viewer = ExportDialog(demo_db, AppSignals())
    qtbot.addWidget(viewer)
    viewer.errors = []
    viewer.show_error = viewer.errors.append
    assert not viewer.masked_check.isEnabled()
    viewer.masked_check.setChecked(False)
    viewer.start_export()
    assert viewer.errors and viewer.task is None
