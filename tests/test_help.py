"""The user's guide: every label it quotes exists in the program, and 帮助 → 用户手册 shows it with its pictures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "用户手册.md"


def _source(*folders: str) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for folder in folders for p in sorted((ROOT / folder).glob("*.py")))


def _guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_every_on_screen_label_the_guide_quotes_is_in_the_gui_source():
    """「…」 marks a button, tab or menu entry: it must be written in gui/ exactly as quoted."""
    labels = set(re.findall(r"「([^」]+)」", _guide_text()))
    assert len(labels) > 80  # the guide walks through every screen
    source = _source("gui")
    missing = sorted(label for label in labels if label not in source)
    assert not missing, f"用户手册引用了程序里没有的按钮或菜单：{missing}"


def test_every_quoted_field_or_value_is_shown_by_the_program():
    """“…” quotes a field name, an option or a message: it must appear in gui/ or core/ as quoted."""
    quoted = set(re.findall(r"“([^”]+)”", _guide_text()))
    source = _source("gui", "core")
    missing = sorted(q for q in quoted if q not in source)
    assert not missing, f"用户手册引用了程序里没有的字段或选项：{missing}"


def test_every_picture_the_guide_shows_exists():
    names = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", _guide_text())
    assert len(names) >= 15
    missing = [n for n in names if not (GUIDE.parent / n).is_file()]
    assert not missing, missing


def test_the_shortcuts_in_the_guide_are_wired():
    """The keys the guide lists are bound in the code (shortcut strings or standard keys)."""
    source = _source("gui")
    for key in ("Ctrl+N", "Ctrl+F", "Ctrl+L", "F5", "F6", "F7", '"Return"', "Key_F1", "StandardKey.Save",
                "StandardKey.Open"):
        assert key in source, key


def test_the_frozen_build_ships_the_guide_and_its_pictures():
    spec = (ROOT / "packaging" / "dangjian.spec").read_text(encoding="utf-8")
    assert "用户手册.md" in spec and '"screenshots"' in spec


@pytest.fixture
def help_window(qtbot, demo_db):
    from gui.main_window import MainWindow

    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    window.guide_action.trigger()
    dialog = window._help_dialog
    yield window, dialog
    dialog.close()


def test_f1_opens_the_guide_with_its_headings(help_window):
    window, dialog = help_window
    assert window.guide_action.shortcut().toString() == "F1"
    assert dialog.isVisible() and dialog.path == GUIDE
    wanted = [line.lstrip("#").strip() for line in _guide_text().splitlines() if re.match(r"#{1,2} ", line)]
    assert dialog.headings() == wanted
    assert "三、党员变动：转正、转入转出等" in dialog.headings()
    window.guide_action.trigger()  # a second F1 brings the same window forward
    assert window._help_dialog is dialog


def test_the_guides_images_load(help_window):
    _, dialog = help_window
    names = dialog.image_names()
    assert len(names) >= 15
    for name in names:
        image = dialog.image(name)
        assert image is not None and image.width() > 300, name


def test_contents_jump_to_a_section_and_find_searches(help_window, qtbot):
    _, dialog = help_window
    dialog.resize(1100, 700)
    qtbot.waitExposed(dialog)
    bar = dialog.browser.verticalScrollBar()
    assert dialog.show_section("十三、备份与恢复")
    assert bar.value() > 0
    block = dialog.browser.cursorForPosition(dialog.browser.viewport().rect().topLeft()).block()
    assert "备份与恢复" in block.text() or "备份" in dialog.browser.textCursor().block().text()
    dialog.find_edit.setText("撤销最近一条变动")
    assert dialog.find_next()
    assert dialog.browser.textCursor().selectedText() == "撤销最近一条变动"
    dialog.find_edit.setText("没有这样的字")
    assert not dialog.find_next() and dialog.find_status.text() == "没有找到"


def test_escape_closes_the_guide(help_window, qtbot):
    from PySide6.QtCore import Qt

    _, dialog = help_window
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_a_missing_guide_says_so(qtbot, tmp_path):
    from gui.help_dialog import HelpDialog

    dialog = HelpDialog(tmp_path / "none.md")
    qtbot.addWidget(dialog)
    assert "没有找到用户手册" in dialog.browser.toPlainText()


def test_the_guides_step_pictures_are_rendered_by_the_program(qtbot, demo_db, tmp_path):
    """`python main.py screenshots` also draws the dialogs the guide shows, and the help window itself."""
    from gui.dialog_screenshots import render_dialogs

    written = {p.name for p in render_dialogs(demo_db, tmp_path)}
    assert written == {"member-form.png", "member-event.png", "export-dialog.png", "import-wizard.png",
                       "activity-dialog.png", "help.png"}
    assert all((tmp_path / name).stat().st_size > 10_000 for name in written)
    used = set(re.findall(r"\(screenshots/([^)]+)\)", _guide_text()))
    assert written - {"help.png"} <= used
