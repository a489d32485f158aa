"""The import wizard driven like a user: file, mapping, preview with problems, run, undo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gui.app import AppSignals, ensure_app
from gui.import_wizard import PAGE_MAPPING, PAGE_PREVIEW, PAGE_RESULT, ImportWizard, PreviewModel
from tests.excel_helpers import member_row, write_roster

SHOTS = os.environ.get("SCREENSHOT_DIR")
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def wizard(qtbot, db):
    ensure_app()
    signals = AppSignals()
    w = ImportWizard(db, signals, "roster")
    w.errors: list[str] = []
    w.show_error = w.errors.append
    w.confirm = lambda message: True
    w.signals_seen = []
    signals.data_changed.connect(w.signals_seen.append)
    qtbot.addWidget(w)
    return w


def load(qtbot, wizard, path):
    wizard.path_edit.setText(str(path))
    with qtbot.waitSignal(wizard.source_loaded, timeout=20000):
        wizard.next_button.click()


def preview(qtbot, wizard):
    with qtbot.waitSignal(wizard.preview_ready, timeout=20000):
        wizard.next_button.click()


def test_full_run_with_a_bad_row_then_skip_bad_and_undo(qtbot, wizard, db, tmp_path):
    shot(wizard, "import_1_file")
    rows = [member_row(1), member_row(2, 身份证号码=4.10102198001011e17), member_row(3, 入党日期="198503", 转正时间="1986-03-01")]
    load(qtbot, wizard, write_roster(tmp_path / "名册.xlsx", rows))
    assert wizard.current_page() == PAGE_MAPPING
    assert wizard.mapping()[1] == "name" and wizard.mapping()[0] is None  # 序号 is not imported
    assert "表头在第 3 行" in wizard.mapping_info.text()
    shot(wizard, "import_2_mapping")
    preview(qtbot, wizard)
    assert wizard.current_page() == PAGE_PREVIEW
    model = wizard.preview_model
    actions = [model.data(model.index(r, PreviewModel.COL_ACTION)) for r in range(model.rowCount())]
    assert actions == ["新增", "有错误", "新增"]
    assert "身份证号码" in model.data(model.index(1, PreviewModel.COL_PROBLEMS))
    assert "只写到月份" in model.data(model.index(2, PreviewModel.COL_PROBLEMS))
    assert wizard.units_list.count() >= 4 and wizard.units_list.item(0).text().startswith("街道党工委")
    assert not wizard.next_button.isEnabled()  # a bad row: nothing can be imported as it is
    wizard.skip_bad_check.setChecked(True)
    assert wizard.next_button.isEnabled()
    wizard.filter_combo.setCurrentIndex(wizard.filter_combo.findData("error"))
    assert wizard.preview_proxy.rowCount() == 1
    wizard.filter_combo.setCurrentIndex(0)
    wizard.preview_view.setCurrentIndex(wizard.preview_proxy.index(1, 0))
    assert wizard.row_detail.text().startswith("第 5 行（有错误）：") and "末尾几位" in wizard.row_detail.text()
    shot(wizard, "import_3_preview")
    assert db.execute("SELECT count(*) FROM member").fetchone()[0] == 0
    with qtbot.waitSignal(wizard.imported, timeout=30000) as blocker:
        wizard.next_button.click()
    result = blocker.args[0]
    assert wizard.current_page() == PAGE_RESULT
    assert result.created == 2 and result.bad == 1 and result.errors_path.exists()
    assert "新增 2 条" in wizard.result_label.text()
    assert wizard.signals_seen == ["members"]
    assert db.execute("SELECT count(*) FROM member").fetchone()[0] == 2
    shot(wizard, "import_5_result")
    assert wizard.undo_button.isEnabled()
    wizard.undo_button.click()
    assert db.execute("SELECT count(*) FROM member").fetchone()[0] == 0
    assert "已撤销" in wizard.undo_status.text() and not wizard.undo_button.isEnabled()
    assert "已撤销" in wizard.batch_list.item(0).text()


def test_mapping_edit_and_mode_change(qtbot, wizard, db, tmp_path):
    from core.excel_import import import_file

    import_file(db, "roster", write_roster(tmp_path / "a.xlsx", [member_row(1)]))
    path = write_roster(tmp_path / "b.xlsx", [["张二1", member_row(1)[5], "西湖社区党支部", "13911112222"]],
                        header=["姓名", "证件号", "支部", "手机"], title=None, subtitle=None)
    load(qtbot, wizard, path)
    assert wizard.mapping() == {0: "name", 1: None, 2: "branch", 3: "phone"}
    assert "⚠" not in wizard.mapping_status.text()
    wizard.set_mapping(1, "id_number")
    wizard.set_mapping(3, "name")
    assert "两列都对应" in wizard.mapping_status.text()
    wizard.next_button.click()
    assert wizard.errors and "两列都对应" in wizard.errors[-1]
    wizard.set_mapping(3, "phone")
    preview(qtbot, wizard)
    model = wizard.preview_model
    assert model.data(model.index(0, PreviewModel.COL_ACTION)) == "跳过"
    assert not wizard.next_button.isEnabled()  # nothing to write
    with qtbot.waitSignal(wizard.preview_ready, timeout=20000):
        wizard.mode_buttons["update"].click()
    assert model.data(model.index(0, PreviewModel.COL_ACTION)) == "更新"
    with qtbot.waitSignal(wizard.imported, timeout=30000):
        wizard.next_button.click()
    assert db.execute("SELECT phone FROM person").fetchone()[0] == "13911112222"


def test_a_malformed_file_shows_the_message_and_stays_on_the_first_page(qtbot, wizard, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("不是表格", encoding="utf-8")
    wizard.path_edit.setText(str(bad))
    with qtbot.waitSignal(wizard.task_failed, timeout=20000):
        wizard.next_button.click()
    assert wizard.current_page() == 0
    assert "不是有效的 Excel 文件" in wizard.errors[-1]
    wizard.path_edit.setText("")
    wizard.next_button.click()
    assert "请先选择" in wizard.errors[-1]


def test_running_page_screenshot(qtbot, wizard, tmp_path):
    wizard._go(3)
    wizard.running_label.setText("正在导入，请稍候…（取消则不写入任何数据）")
    wizard.progress.setRange(0, 100)
    wizard.progress.setValue(42)
    shot(wizard, "import_4_running")
    wizard._go(0)


def test_a_viewer_cannot_import(qtbot, db, tmp_path):
    from core import access

    ensure_app()
    access.create_operator(db, "管理", "admin-pass", access.ADMIN)
    access.login(db, "管理", "admin-pass")
    access.create_operator(db, "查看员", "viewer-pass", access.VIEWER)
    access.login(db, "查看员", "viewer-pass")
    w = ImportWizard(db, AppSignals(), "roster")
    qtbot.addWidget(w)
    w.errors = []
    w.show_error = w.errors.append
    load(qtbot, w, write_roster(tmp_path / "a.xlsx", [member_row(1)]))
    preview(qtbot, w)
    w.next_button.click()
    assert w.errors and w.task is None and w.current_page() == PAGE_PREVIEW
    assert db.execute("SELECT count(*) FROM member").fetchone()[0] == 0


def test_roster_screen_opens_the_wizard_and_the_export_dialog_for_its_view(qtbot, demo_db):
    from gui.export_dialog import ExportDialog
    from gui.roster_screen import RosterScreen

    ensure_app()
    screen = RosterScreen(demo_db, AppSignals())
    qtbot.addWidget(screen)
    wizard = screen.open_import()
    assert isinstance(wizard, ImportWizard) and wizard.kind.name == "roster"
    wizard.close()
    screen.search("王")
    dialog = screen.open_export()
    assert isinstance(dialog, ExportDialog) and dialog.member_ids == screen.current_member_ids()
    assert f"当前列表中的 {len(dialog.member_ids)} 名党员" in dialog.scope_label.text()
    dialog.close()
