"""Noticing that nobody has used the program for a while (locking it needs only this, not the login dialog)."""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal


class IdleWatcher(QObject):
    """Notices keyboard and mouse anywhere in the app; says `idled` after the configured minutes."""

    idled = Signal()
    _ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel}

    def __init__(self, minutes: Callable[[], int], clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.minutes = minutes
        self.clock = clock
        self.last_activity = clock()
        self.paused = False
        self.timer = QTimer(self)
        self.timer.setInterval(15_000)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.last_activity = self.clock()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def poke(self) -> None:
        self.last_activity = self.clock()

    def check(self) -> bool:
        limit = self.minutes()
        if self.paused or limit <= 0:
            return False
        if self.clock() - self.last_activity >= limit * 60:
            self.idled.emit()
            return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self._ACTIVITY:
            self.last_activity = self.clock()
        return False
