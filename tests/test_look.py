"""The look: icons load, the larger-font setting reaches tables and labels at once, screenshots at any size."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QPushButton, QTableView, QWidget

from gui import icons, style


@pytest.fixture
def machine_settings(tmp_path: Path, qapp):
    """QSettings in a temporary folder, so tests never touch this computer's real settings; the look is
    put back to the standard size afterwards."""
    original_font = qapp.font()
    folder = tmp_path / "qsettings"
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    QSettings().clear()
    yield folder
    style.apply_look(qapp, "normal")
    qapp.setStyleSheet("")
    qapp.setFont(original_font)
    qapp.setProperty("font_size_key", None)


def test_every_icon_file_loads_as_a_sharp_vector_icon(qapp):
    names = [*icons.NAV_ICONS, *icons.ACTION_ICONS, "app"]
    for name in names:
        assert icons.path(name).exists(), name
        icon = icons.icon(name)
        assert not icon.isNull(), name
        assert not icon.pixmap(QSize(64, 64)).isNull(), name  # vector: any size renders
    shipped = {p.stem.removesuffix("-selected") for p in icons.ICONS_DIR.glob("*.svg")}
    assert shipped == set(names)
    for svg in icons.ICONS_DIR.glob("*.svg"):
        assert not QIcon(str(svg)).isNull(), svg.name


def test_packaging_ships_the_icons():
    spec = (Path(__file__).resolve().parent.parent / "packaging" / "dangjian.spec").read_text()
    assert '(str(ROOT / "resources"), "resources")' in spec  # resources/icons travels with resources/fonts


def test_main_actions_get_their_icon_by_name(qapp):
    root = QWidget()
    buttons = {text: QPushButton(text, root) for text in ("新增党员", "保存签订信息", "删除", "打印花名册…",
                                                           "导入 Excel…", "导出 Excel…", "清除筛选", "登记离队…")}
    icons.decorate(root)
    for text in ("新增党员", "保存签订信息", "删除", "打印花名册…", "导入 Excel…", "导出 Excel…"):
        assert not buttons[text].icon().isNull(), text
    assert buttons["清除筛选"].icon().isNull() and buttons["登记离队…"].icon().isNull()
    assert icons.action_for("预览打印本社区责任书") == "print"


def test_navigation_has_an_icon_for_every_screen(qtbot, db):
    from gui.main_window import MainWindow

    window = MainWindow(db)
    qtbot.addWidget(window)
    for row in range(window.nav.count()):
        assert not window.nav.item(row).icon().isNull(), window.nav.item(row).text()


def test_status_colours_are_defined_once_with_text_and_fill():
    assert set(style.STATUS) >= {"overdue", "due", "done", "neutral"}
    assert style.STATUS["overdue"].text != style.STATUS["done"].text != style.STATUS["due"].text
    sheet = style.style_sheet(14.0)
    assert style.STATUS["overdue"].fill in sheet and "font-size: 21.0pt" in sheet  # heading 15pt scaled 1.4×


def test_larger_font_setting_changes_tables_and_labels_at_once(qtbot, db, machine_settings):
    from gui.main_window import MainWindow

    style.apply_look(qtbot_app(qtbot), "normal")
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    roster = window.show_screen("roster")
    table = roster.findChild(QTableView)
    label = roster.findChild(QLabel)
    before = (table.font().pointSizeF(), label.font().pointSizeF(), table.verticalHeader().defaultSectionSize())

    settings_screen = window.show_screen("settings")
    settings_screen.tabs.setCurrentWidget(settings_screen.office_form)
    combo = settings_screen.office_form.font_size
    combo.setCurrentIndex(combo.findData("large"))

    assert table.font().pointSizeF() > before[0]
    assert label.font().pointSizeF() > before[1]
    assert table.verticalHeader().defaultSectionSize() > before[2]
    assert style.saved_font_size() == "large"
    assert any(machine_settings.rglob("*.conf")) or any(machine_settings.rglob("*.ini"))
    # The screens are rebuilt so pixel sizes follow; the user stays where they were.
    qtbot.waitUntil(lambda: window.screens.get("roster") is not roster)
    assert window.current_key() == "settings"
    assert window.screen("settings").tabs.currentWidget() is window.screen("settings").office_form
    new_table = window.screen("roster").findChild(QTableView)
    assert new_table.font().pointSizeF() == style.FONT_SIZES["large"]


def test_saved_size_applies_at_start(qtbot, machine_settings):
    style.save_font_size("xlarge")
    app = qtbot_app(qtbot)
    style.apply_look(app)
    assert style.current_font_size() == "xlarge" and app.font().pointSizeF() == style.FONT_SIZES["xlarge"]
    assert style.px(100) > 100


def test_screenshots_at_large_font_go_to_their_own_folder(qtbot, db, tmp_path, machine_settings):
    from gui.screenshots import render_sizes

    written = render_sizes(db, tmp_path / "shots", ["large"])
    assert written and all(p.parent.name == "large" or p.parent.parent.name == "large" for p in written)
    assert (tmp_path / "shots" / "large" / "roster.png").stat().st_size > 10_000
    assert style.current_font_size() == "normal"  # the machine's own setting is restored


def qtbot_app(qtbot):
    from PySide6.QtWidgets import QApplication

    return QApplication.instance()


def test_colours_are_chosen_in_one_place():
    """Screens name a status (STATUS["overdue"]…) or a role; the colour values live only in gui/style.py."""
    import re

    gui = Path(__file__).resolve().parent.parent / "gui"
    literal = re.compile(r"""["'][^"'\n]*#[0-9a-fA-F]{3,8}\b""")
    offenders = [f"{p.name}:{n}" for p in sorted(gui.glob("*.py")) if p.name != "style.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if literal.search(line)]
    assert offenders == []
    from gui.meetings_screen import STATE_COLORS
    from gui.visits_widgets import AMBER, RED

    assert STATE_COLORS["overdue"] == style.STATUS["overdue"].fill and RED.name() == style.STATUS["overdue"].fill
    assert STATE_COLORS["due"] == style.STATUS["due"].fill and AMBER.name() == style.STATUS["due"].fill


def test_screenshots_include_the_print_preview(qtbot, demo_db, tmp_path, machine_settings):
    from gui.screenshots import _render_print_preview

    written = _render_print_preview(demo_db, tmp_path)
    assert [p.name for p in written] == ["print-preview.png"] and written[0].stat().st_size > 10_000


def test_dialog_buttons_get_icons_from_the_program_style(qtbot, machine_settings):
    from PySide6.QtWidgets import QDialog, QVBoxLayout

    style.apply_look(qtbot_app(qtbot), "normal")
    dialog = QDialog()
    qtbot.addWidget(dialog)
    layout = QVBoxLayout(dialog)
    save, cancel = QPushButton("保存"), QPushButton("取消")
    layout.addWidget(save)
    layout.addWidget(cancel)
    dialog.show()
    assert not save.icon().isNull() and cancel.icon().isNull()


def test_font_change_asks_before_emptying_a_form_typed_elsewhere(qtbot, demo_db, machine_settings, monkeypatch):
    from gui.main_window import MainWindow

    style.apply_look(qtbot_app(qtbot), "normal")
    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    window.show()
    meetings_screen = window.show_screen("meetings")
    meetings_screen.editor.topic_edit.insert("学习传达街道工作会议精神")  # typed, as a user does
    settings_screen = window.show_screen("settings")
    form = settings_screen.office_form
    assert not form.unsaved_input()
    questions: list[str] = []
    monkeypatch.setattr(window, "confirm_discard", lambda text: questions.append(text) or False)
    form.font_size.setCurrentIndex(form.font_size.findData("large"))
    assert questions and "三会一课" in questions[0] and "清空" in questions[0]
    assert style.current_font_size() == "normal" and form.font_size.currentData() == "normal"
    assert window.screens["meetings"] is meetings_screen
    assert meetings_screen.editor.topic_edit.text() == "学习传达街道工作会议精神"
    # Typed into the settings form itself: the form is rebuilt too, so it is named as well.
    form.min_wage.setValue(2300)
    assert form.unsaved_input()
    monkeypatch.setattr(window, "confirm_discard", lambda text: questions.append(text) or True)
    form.font_size.setCurrentIndex(form.font_size.findData("large"))
    assert "设置" in questions[-1] and style.current_font_size() == "large"
    qtbot.waitUntil(lambda: window.screens.get("meetings") is not meetings_screen)
    assert window.screens_with_unsaved_input() == []


def test_closing_or_opening_another_file_asks_before_losing_typed_minutes(qtbot, window, tmp_path, monkeypatch):
    editor = window.show_screen("meetings").editor
    editor.minutes_edit.insertPlainText("会议传达了街道党工委工作会议精神。")
    questions: list[str] = []
    monkeypatch.setattr(window, "confirm_discard", lambda text: questions.append(text) or False)
    assert not window._switch(tmp_path / "other.db")
    assert "三会一课" in questions[-1] and "打开另一个数据库" in questions[-1]
    window.quit_action.trigger()  # 文件 → 退出 (Ctrl+Q)
    assert window.isVisible() and "关闭程序" in questions[-1]
    assert editor.minutes_edit.toPlainText() == "会议传达了街道党工委工作会议精神。"
    monkeypatch.setattr(window, "confirm_discard", lambda text: True)
    window.quit_action.trigger()
    assert not window.isVisible()
