"""One look for the whole program: colours, status colours, font sizes and the style sheet built from them."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

# Calm colours: warm paper, navy ink, one party red used sparingly (navigation, alerts).
ACCENT = "#b71c1c"
INK = "#1f3b63"
TEXT = "#222222"
MUTED = "#666666"
PAPER = "#f4f1ec"
PANEL = "#faf8f4"
BORDER = "#d6d0c4"
INPUT_BORDER = "#bfb8ab"
SELECTION = "#cfe0f3"
SELECTION_TEXT = "#111111"
GROUP_ROW = "#ece7df"  # a group's heading row inside a tree table


@dataclass(frozen=True)
class StatusColour:
    """A status shown two ways: `text` for words on white, `fill` for a cell or box background."""

    text: str
    fill: str
    border: str

    def text_brush(self) -> QBrush:
        return QBrush(QColor(self.text))

    def fill_brush(self) -> QBrush:
        return QBrush(QColor(self.fill))


# The same meaning gets the same colour on every screen.
STATUS = {
    "overdue": StatusColour("#b71c1c", "#fde2e1", "#e57373"),   # 逾期 / 缺席 / 未达标 / 错误
    "due": StatusColour("#9a5b00", "#fff1cc", "#e0b84c"),       # 即将到期 / 本期待办 / 请假 / 提醒
    "done": StatusColour("#2e7d32", "#e3f4e1", "#81c784"),      # 已完成 / 达标 / 按时
    "neutral": StatusColour("#757575", "#eeeeee", "#c8c8c8"),   # 未到期 / 已离开 / 不适用
    "info": StatusColour("#1f3b63", "#e3eefa", "#90b4dc"),      # 计划中 / 将更新
}

# Series colours for charts: distinct but not loud.
CHART = {"red": ACCENT, "green": STATUS["done"].text, "amber": "#ef6c00", "blue": "#1565c0", "purple": "#6a1b9a"}

FONT_SIZES = {"normal": 10.0, "large": 12.0, "xlarge": 14.0}  # points
FONT_LABELS = {"normal": "标准", "large": "大", "xlarge": "特大"}
FONT_SETTING = "appearance/font_size"


# Font size: a per-machine choice --------------------------------------------------------------------
# Stored with QSettings, not in the database: it belongs to the person at this PC and its screen, must
# apply before any database is open (first-run wizard, login), and must not follow a database file that
# is copied to a colleague's computer.

def saved_font_size() -> str:
    value = QSettings().value(FONT_SETTING, "normal")
    return value if value in FONT_SIZES else "normal"


def save_font_size(key: str) -> None:
    if key not in FONT_SIZES:
        raise ValueError(key)
    settings = QSettings()
    settings.setValue(FONT_SETTING, key)
    settings.sync()


def current_font_size() -> str:
    """The size key the running application uses now."""
    app = QApplication.instance()
    value = app.property("font_size_key") if app is not None else None
    return value if value in FONT_SIZES else "normal"


def base_point_size() -> float:
    return FONT_SIZES[current_font_size()]


def scaled(points: float) -> float:
    """A point size designed for the standard font, scaled to the chosen size."""
    return round(points * base_point_size() / FONT_SIZES["normal"], 1)


def row_height(font: QFont | None = None) -> int:
    """Table rows: one line of text with air above and below, whatever the font size."""
    return round(QFontMetrics(font or QApplication.font()).height() * 1.55)


def style_sheet(points: float) -> str:
    """The program's one style sheet for a base font of `points`."""
    def pt(value: float) -> str:
        return f"{round(value * points / FONT_SIZES['normal'], 1)}pt"

    overdue, due, done, neutral = STATUS["overdue"], STATUS["due"], STATUS["done"], STATUS["neutral"]
    return f"""
QListWidget#navigation {{ font-size: {pt(11)}; background: {PAPER}; border: none; border-right: 1px solid {BORDER};
    outline: 0; padding-top: 4px; }}
QListWidget#navigation::item {{ padding: 0.45em 0.5em; margin: 1px 6px; border-radius: 4px; color: {TEXT}; }}
QListWidget#navigation::item:hover {{ background: #ebe5da; }}
QListWidget#navigation::item:selected {{ background: {ACCENT}; color: white; }}

QPushButton {{ padding: 0.3em 0.65em; border: 1px solid {INPUT_BORDER}; border-radius: 4px; background: #fdfcfa;
    color: {TEXT}; min-height: 1.3em; }}
QPushButton:hover {{ background: #ffffff; border-color: #8d8676; }}
QPushButton:pressed, QPushButton:checked {{ background: #e8e3da; }}
QPushButton:disabled {{ color: #a0a0a0; background: #f3f2ef; border-color: #dcd8d0; }}
QPushButton:focus {{ border-color: {INK}; }}
QPushButton[role="primary"] {{ background: {INK}; color: white; border-color: {INK}; font-weight: bold; }}
QPushButton[role="primary"]:hover {{ background: #2b4f82; }}
QPushButton[role="primary"]:disabled {{ background: #9aa8bb; border-color: #9aa8bb; }}
QPushButton::menu-indicator {{ subcontrol-position: right center; right: 6px; }}
QPushButton[popupMode] {{ padding-right: 1.6em; }}
QToolButton {{ padding: 2px 4px; }}

QLineEdit, QPlainTextEdit, QTextEdit {{ border: 1px solid {INPUT_BORDER}; border-radius: 3px; background: white;
    selection-background-color: {SELECTION}; selection-color: {SELECTION_TEXT}; }}
QLineEdit {{ padding: 0.2em 0.35em; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border-color: {INK}; }}
QLineEdit:read-only {{ background: #f3f2ef; color: #333333; }}
QLineEdit:disabled, QPlainTextEdit:disabled {{ background: #f3f2ef; color: #888888; }}

QTableView, QTreeView, QListView {{ background: white; alternate-background-color: {PANEL}; gridline-color: #e4dfd6;
    border: 1px solid {BORDER}; selection-background-color: {SELECTION}; selection-color: {SELECTION_TEXT}; }}
QTreeView::item {{ padding: 0.2em 0; }}
QHeaderView::section {{ background: #efebe4; color: #333333; border: none; border-right: 1px solid #ddd6ca;
    border-bottom: 1px solid #d0c8ba; padding: 0.25em 0.45em; }}
QHeaderView::section:vertical {{ padding: 0 0.35em; }}
QTableCornerButton::section {{ background: #efebe4; border: none; border-bottom: 1px solid #d0c8ba; }}

QTabWidget::pane {{ border: 1px solid {BORDER}; background: white; top: -1px; }}
QTabBar::tab {{ background: #ebe6dd; color: #444444; border: 1px solid {BORDER}; border-bottom: none;
    padding: 0.35em 1em; margin-right: 2px; border-top-left-radius: 4px; border-top-right-radius: 4px; }}
QTabBar::tab:selected {{ background: white; color: {INK}; }}
QTabBar::tab:hover:!selected {{ background: #f4f0e9; }}

QGroupBox {{ border: 1px solid {BORDER}; border-radius: 4px; margin-top: 0.9em; padding-top: 0.5em; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {INK}; }}

QProgressBar {{ border: 1px solid {INPUT_BORDER}; border-radius: 3px; background: white; text-align: center; }}
QProgressBar::chunk {{ background: #5b8cc4; }}
QStatusBar {{ color: #444444; }}
QToolTip {{ background: #fffdf5; color: {TEXT}; border: 1px solid {BORDER}; padding: 3px; }}

QLabel[role="heading"] {{ font-size: {pt(15)}; color: {INK}; }}
QLabel[role="subheading"] {{ font-size: {pt(11.5)}; font-weight: bold; color: {INK}; }}
QLabel[role="summary"] {{ font-size: {pt(11)}; padding: 4px; }}
QLabel[role="panel"] {{ background: {PAPER}; padding: 6px; border-radius: 3px; }}
QLabel[role="hint"] {{ color: {MUTED}; }}
QLabel[role="error"] {{ color: {overdue.text}; }}
QLabel[role="ok"] {{ color: {done.text}; }}
QLabel[role="warning"] {{ color: {due.text}; font-weight: bold; }}
QLabel[role="score"] {{ font-size: {pt(14)}; color: {ACCENT}; }}
QLabel[role="step"] {{ font-size: {pt(13)}; font-weight: bold; color: {ACCENT}; }}
QLabel[role="summary"][tone="error"] {{ color: {overdue.text}; font-weight: bold; }}
QLabel[role="summary"][tone="ok"] {{ color: {done.text}; font-weight: bold; }}
QFrame[role="reminder"] {{ background: {due.fill}; border: 1px solid {due.border}; border-radius: 3px; }}
QFrame[role="reminder"] QLabel {{ background: transparent; }}
QFrame[role="empty"] {{ background: white; border: 1px solid {BORDER}; border-radius: 6px; }}
QFrame[role="empty"] QLabel {{ background: transparent; border: none; font-size: {pt(11)}; color: #333333; }}
QFrame[role="empty"] QLabel[role="empty-title"] {{ font-size: {pt(13)}; font-weight: bold; color: {INK}; }}

QPushButton[role="tile"] {{ border: 1px solid {BORDER}; border-radius: 6px; background: white; text-align: left;
    padding: 8px 10px; min-height: 7em; }}
QPushButton[role="tile"]:hover {{ background: {PAPER}; }}
QPushButton[role="tile"][tone="alert"] {{ border-color: {overdue.border}; background: #fff5f5; }}
QPushButton[role="tile"][tone="alert"]:hover {{ background: {overdue.fill}; }}
QLabel[role="tile-value"] {{ font-size: {pt(22)}; font-weight: bold; color: {INK}; background: transparent; }}
QLabel[role="tile-value"][tone="alert"] {{ color: {overdue.text}; }}
QLabel[role="tile-value"][tone="good"] {{ color: {done.text}; }}
QLabel[role="tile-name"] {{ font-size: {pt(10.5)}; color: #333333; background: transparent; }}
QLabel[role="tile-hint"] {{ font-size: {pt(9)}; color: #777777; background: transparent; }}

QLabel[role="summary-panel"] {{ font-size: {pt(11)}; padding: 6px; background: {PANEL}; border: 1px solid {BORDER}; }}
QPushButton[role="finding"]:checked {{ color: white; font-weight: bold; }}
QPushButton[role="finding"][tone="done"]:checked {{ background: {done.text}; border-color: {done.text}; }}
QPushButton[role="finding"][tone="due"]:checked {{ background: #ef8f00; border-color: #ef8f00; }}
QPushButton[role="finding"][tone="overdue"]:checked {{ background: {overdue.text}; border-color: {overdue.text}; }}

QLabel[role="legend"] {{ padding: 2px 6px; border-radius: 3px; }}
QLabel[role="legend"][tone="done"] {{ background: {done.fill}; }}
QLabel[role="legend"][tone="due"] {{ background: {due.fill}; }}
QLabel[role="legend"][tone="overdue"] {{ background: {overdue.fill}; }}
QLabel[role="legend"][tone="neutral"] {{ background: {neutral.fill}; }}
"""


def set_role(widget: QWidget, role: str, tone: str | None = None) -> None:
    """Give a widget a look from the style sheet (heading, hint, error, primary…); re-polish if it changed."""
    widget.setProperty("role", role)
    widget.setProperty("tone", tone)
    # A widget not yet polished reads its role when it first is; asking for its style() would also make
    # QStyle's Python enums (~7 ms) for every start, where most widgets are given their role while being built.
    if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished) and widget.style() is not None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)
    widget.update()


class LookNotifier(QObject):
    """Tells windows the font size changed, so they can rebuild what was sized in pixels."""

    font_size_changed = Signal(str)


_notifier: LookNotifier | None = None


def notifier() -> LookNotifier:
    global _notifier
    if _notifier is None:
        _notifier = LookNotifier()
    return _notifier


_app_style: QObject | None = None  # the gui.app_style.AppStyle in place
_app_style_deferred = False


def defer_app_style() -> None:
    """The program's start: apply_look leaves AppStyle out until install_app_style() (after the first paint).
    AppStyle's Python hooks run for every metric Qt asks for; the main window's first screen needs none of
    them (its buttons get their icons from icons.decorate, it has no table headers)."""
    global _app_style_deferred
    _app_style_deferred = _app_style is None


def install_app_style(app: QApplication | None = None) -> None:
    """Put AppStyle in place (once: replacing it would make Qt delete a style Python still holds)."""
    global _app_style, _app_style_deferred
    _app_style_deferred = False
    app = app or QApplication.instance()
    if _app_style is None and app is not None:
        from gui.app_style import AppStyle  # QStyle's Python enums cost ~7 ms: not before the first paint

        _app_style = AppStyle(app.style().name())
        app.setStyle(_app_style)


def apply_look(app: QApplication, size: str | None = None) -> None:
    """Apply the font size (saved per machine unless given) to the font, the style sheet and every table."""
    size = size if size in FONT_SIZES else saved_font_size()
    previous = app.property("font_size_key")
    app.setProperty("font_size_key", size)
    if not _app_style_deferred:
        install_app_style(app)
    font = QFont(app.font())
    font.setPointSizeF(FONT_SIZES[size])
    app.setFont(font)
    app.setStyleSheet(style_sheet(FONT_SIZES[size]))
    widgets = app.allWidgets()  # none yet at the program's start
    if widgets:
        from PySide6.QtWidgets import QHeaderView

        for widget in widgets:
            if isinstance(widget, QHeaderView) and widget.orientation() == Qt.Orientation.Vertical:
                widget.resetDefaultSectionSize()
    if previous is not None and previous != size:
        notifier().font_size_changed.emit(size)


_SAMPLE = "党员名册社区网格 0123456789"


def _width_ratio() -> float:
    """How much wider text is now than at the standard size (measured: glyph widths do not scale exactly)."""
    font = QFont(QApplication.font())
    now = QFontMetrics(font).horizontalAdvance(_SAMPLE)
    font.setPointSizeF(FONT_SIZES["normal"])
    standard = QFontMetrics(font).horizontalAdvance(_SAMPLE)
    return max(1.0, now / standard) if standard else 1.0


def px(pixels: int) -> int:
    """A pixel size (column width, box height) designed for the standard font, scaled to the chosen size."""
    if current_font_size() == "normal":
        return pixels
    return round(pixels * max(_width_ratio(), base_point_size() / FONT_SIZES["normal"]))


def fitted(width: int, height: int) -> QSize:
    """A window size designed for the standard font: scaled to the chosen size, but never larger than the
    screen (an office PC may have 1366 × 768 and the 特大 font)."""
    size = QSize(px(width), px(height))
    screen = QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry().size() * 0.95
        size = size.boundedTo(room)
    return size
