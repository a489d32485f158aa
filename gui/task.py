"""Long work off the GUI thread: a function run in a QThread that reports progress and can be cancelled."""

from __future__ import annotations

import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from core.errors import UserError
from gui import startup

# The work function gets progress(done, total) and cancelled() -> bool; it opens its own database.
Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


_RUNNING: set[tuple[QThread, QObject]] = set()
_REAPER: list[QObject] = []


class _Reaper(QObject):
    """Lives in the GUI thread and lets go of ended threads there, never inside the ending thread itself."""

    def reap(self) -> None:
        ended = self.sender()
        for pair in [p for p in _RUNNING if p[0] is ended or p[0].isFinished()]:
            pair[0].wait()  # finished() comes just before the thread's very end
            _RUNNING.discard(pair)


def _reaper() -> _Reaper:
    if not _REAPER:
        _REAPER.append(_Reaper())
    return _REAPER[0]


class _Runner(QObject):
    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Work):
        super().__init__()
        self._work = work
        self.cancel_requested = False

    def run(self) -> None:
        try:
            result = self._work(self.progressed.emit, lambda: self.cancel_requested)
        except UserError as exc:
            self.failed.emit(str(exc))
        except Exception:  # shown to the user instead of dying silently in a thread
            self.failed.emit("处理时出现意外错误，数据库没有改动。详细信息：\n" + traceback.format_exc(limit=3))
        else:
            self.succeeded.emit(result)
        finally:
            QThread.currentThread().quit()  # ends by itself even when nobody is left to take the result


class BackgroundTask(QObject):
    """Run `work` in its own thread; signals arrive in the GUI thread. Keep a reference until finished."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, work: Work, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = QThread()
        self._runner = _Runner(work)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progressed.connect(self.progressed)
        self._runner.succeeded.connect(self._on_runner_succeeded)
        self._runner.failed.connect(self._on_runner_failed)

    def start(self, deferred: bool = False) -> None:
        """deferred: while the program is starting, wait until the main window has painted (gui.startup)."""
        if not (deferred and startup.defer(self._start_thread)):
            self._start_thread()

    def start_now(self) -> None:
        """Start a task still waiting for the first paint (someone needs its result now); else nothing."""
        if startup.forget(self._start_thread):
            self._start_thread()

    def _start_thread(self) -> None:
        # Held here until the thread has ended: if the task's owner is deleted first (a window closing),
        # Python's collector must not destroy a running QThread, which aborts the whole program.
        _RUNNING.add((self._thread, self._runner))
        self._thread.finished.connect(_reaper().reap)
        self._thread.start()

    def cancel(self) -> None:
        self._runner.cancel_requested = True
        startup.forget(self._start_thread)  # one still waiting for the first paint never starts

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self) -> None:
        self._thread.quit()
        self._thread.wait()

    def _finish(self) -> None:
        self._thread.quit()
        self._thread.wait()

    def _on_runner_succeeded(self, result: object) -> None:
        self._finish()
        self.succeeded.emit(result)
        self.finished.emit()

    def _on_runner_failed(self, message: str) -> None:
        self._finish()
        self.failed.emit(message)
        self.finished.emit()
