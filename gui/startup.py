"""The program's start: work that can wait (counting figures, the daily backup) runs once the window has painted."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

# While the first window is built and shown, deferred work waits here; None when nothing is held back
# (tests, screenshots, any later window): deferred work then starts at once.
_held: list[Callable[[], None]] | None = None

# A window that never paints (started minimised, or hidden at once) must not hold the backup back for long.
FALLBACK_MS = 3000


def hold_deferred() -> None:
    """From now until release_deferred(), deferred work waits instead of starting."""
    global _held
    if _held is None:
        _held = []


def defer(work: Callable[[], None]) -> bool:
    """Keep `work` until the window has painted; False (work not kept) when nothing is held back."""
    if _held is None:
        return False
    _held.append(work)
    return True


def forget(work: Callable[[], None]) -> bool:
    """Drop deferred `work` that has not started (its owner went away first); True if it was waiting."""
    if _held is not None and work in _held:
        _held.remove(work)
        return True
    return False


def release_deferred() -> None:
    """Start everything held back, in the order it was deferred; later deferred work starts at once."""
    global _held
    held, _held = _held, None
    for work in held or ():
        work()


class _FirstPaintWatcher(QObject):
    """Calls back once, at the first event-loop turn after the window's first paint (or the fallback)."""

    def __init__(self, window: QWidget, callback: Callable[[], None]):
        super().__init__(window)
        self._callback = callback
        self._done = False
        window.installEventFilter(self)
        QTimer.singleShot(FALLBACK_MS, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._fire)  # after this paint has reached the screen
        return False

    def _fire(self) -> None:
        if self._done:
            return
        self._done = True
        self.parent().removeEventFilter(self)
        self._callback()


def after_first_paint(window: QWidget, callback: Callable[[], None]) -> None:
    """Run `callback` once `window` has painted for the first time (or after FALLBACK_MS at the latest)."""
    _FirstPaintWatcher(window, callback)  # owned by the window
