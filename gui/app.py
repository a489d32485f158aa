"""The QApplication: one per process, with a Chinese UI font and the app-wide signals."""

from __future__ import annotations

import gc
import os
import sys

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication

from core import gcpause

APP_NAME = "社区党建工作台"
CJK_FAMILIES = ["Microsoft YaHei", "微软雅黑", "SimSun", "PingFang SC", "WenQuanYi Zen Hei", "文泉驿正黑",
                "Noto Sans CJK SC", "Source Han Sans SC", "AR PL UMing CN"]


class AppSignals(QObject):
    """One app-wide signal replaces screen-to-screen calls: after a change, say which area changed."""

    data_changed = Signal(str)  # area: "org", "members", "meetings", "visits", "problems", "volunteers", "letters", "settings"
    deleted = Signal(object)  # a core.undo.Deletion just made, which 编辑 → 撤销删除 can take back


def pick_cjk_family() -> str | None:
    available = set(QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in available), None)


class MainThreadGarbageCollector(QObject):
    """Python's cyclic GC runs in whichever thread allocates when a threshold is passed. If that is a
    worker thread (PDF, Excel, backup), it may destroy Qt objects that live in the GUI thread, and Qt
    crashes. So automatic collection is switched off and this timer collects in the GUI thread."""

    def __init__(self, app: QApplication, interval_ms: int = 500):
        super().__init__(app)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        if gcpause.is_paused():
            return  # an import in a worker thread: collecting now would only stall it (core.gcpause)
        counts = gc.get_count()
        if counts[0] > self.threshold[0]:
            generation = 2 if counts[2] > self.threshold[2] else 1 if counts[1] > self.threshold[1] else 0
            gc.collect(generation)


def install_gc_guard(app: QApplication) -> None:
    """Once per application: collect garbage only in the GUI thread (see MainThreadGarbageCollector)."""
    # A property rather than findChild: findChild wraps each child of the application for Python, its style
    # among them, and making QStyle's Python enums cost ~7 ms of every start.
    if not app.property("main_thread_gc"):
        MainThreadGarbageCollector(app)
        app.setProperty("main_thread_gc", True)


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        # Sharp on 125 %/150 % screens: Qt 6 always scales for high DPI; keep fractional factors exact
        # rather than rounded (blurry or too small), and never let an inherited variable switch it off.
        os.environ.pop("QT_ENABLE_HIGHDPI_SCALING", None)
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        install_gc_guard(app)
        app.setApplicationName(APP_NAME)
        app.setOrganizationName("DangjianDesk")
        family = pick_cjk_family()
        if family:
            app.setFont(QFont(family))
        from gui import icons, style

        app.setWindowIcon(icons.icon("app"))
        style.apply_look(app)  # the font size saved on this machine, the style sheet, table row heights
    return app
