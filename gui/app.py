"""The QApplication: one per process, with a Chinese UI font and the app-wide signals."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

APP_NAME = "社区党建工作台"
CJK_FAMILIES = ["Microsoft YaHei", "微软雅黑", "SimSun", "PingFang SC", "WenQuanYi Zen Hei", "文泉驿正黑",
                "Noto Sans CJK SC", "Source Han Sans SC", "AR PL UMing CN"]


class AppSignals(QObject):
    """One app-wide signal replaces screen-to-screen calls: after a change, say which area changed."""

    data_changed = Signal(str)  # area: "org", "members", "meetings", "visits", "problems", "volunteers", "letters", "settings"


def pick_cjk_family() -> str | None:
    available = set(QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in available), None)


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName(APP_NAME)
        app.setOrganizationName("DangjianDesk")
        family = pick_cjk_family()
        if family:
            font = QFont(family)
            font.setPointSize(10)
            app.setFont(font)
    return app
