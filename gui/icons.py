"""The program's icons: vector files in resources/icons, loaded by name, and put on the main action buttons."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import PySide6.QtSvg  # noqa: F401  (the SVG icon engine; importing it also makes PyInstaller ship the plugin)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

ICONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"

NAV_ICONS = ("dashboard", "roster", "meetings", "visits", "problems", "volunteers", "letters", "reports", "settings")
ACTION_ICONS = ("add", "save", "delete", "print", "import", "export", "find", "edit", "refresh", "undo")

# A button whose text starts with one of these words gets that action's icon, so the same action looks
# the same on every screen without each screen choosing (and drifting).
ACTION_WORDS = (
    ("新增", "add"), ("新建", "add"), ("添加", "add"), ("登记离队", None), ("登记", "add"),
    ("保存", "save"), ("另存为", "save"),
    ("删除", "delete"),
    ("打印", "print"), ("预览", "print"),
    ("导入", "import"),
    ("导出", "export"),
    ("查找", "find"), ("搜索", "find"),
    ("编辑", "edit"), ("修改", "edit"),
    ("刷新", "refresh"),
    ("撤销", "undo"),
)


def path(name: str) -> Path:
    return ICONS_DIR / f"{name}.svg"


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """The icon `name` (see NAV_ICONS, ACTION_ICONS, "app"); navigation icons turn white when selected."""
    result = QIcon(str(path(name)))
    selected = path(f"{name}-selected")
    if selected.exists():
        result.addFile(str(selected), mode=QIcon.Mode.Selected)
    return result


def action_for(text: str) -> str | None:
    text = text.replace("&", "").strip()
    return next((name for word, name in ACTION_WORDS if text.startswith(word)), None)


def decorate_widget(widget: QWidget) -> None:
    """An action icon on a button that has none; a magnifier in a search field. The program's style calls
    this for every button and line edit it polishes, so dialogs get their icons too."""
    if isinstance(widget, QPushButton):
        name = action_for(widget.text())
        if name and widget.icon().isNull():
            widget.setIcon(icon(name))
    elif isinstance(widget, QLineEdit):
        hint = widget.placeholderText()
        if (hint.startswith("搜索") or hint.startswith("查找")) and not widget.property("has_find_icon"):
            widget.addAction(icon("find"), QLineEdit.ActionPosition.LeadingPosition)
            widget.setProperty("has_find_icon", True)


def decorate(root: QWidget) -> None:
    """Decorate every button and search field under root (for widgets built before the style was set)."""
    for widget in root.findChildren(QPushButton) + root.findChildren(QLineEdit):
        decorate_widget(widget)
