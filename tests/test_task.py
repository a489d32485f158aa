"""BackgroundTask: a worker whose owner goes away first ends by itself and is never destroyed while running."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from gui import task


def test_task_outlives_its_deleted_owner_and_is_let_go_once_ended(qtbot):
    release = threading.Event()
    owner = QObject()
    work_task = task.BackgroundTask(lambda progress, cancelled: release.wait(10) and 42, owner)
    work_task.start()
    owner.deleteLater()  # the screen closes while the worker still counts
    del work_task, owner
    qtbot.wait(50)
    gc.collect()  # used to destroy the running QThread here and abort the program
    assert len(task._RUNNING) == 1
    release.set()
    qtbot.waitUntil(lambda: not task._RUNNING, timeout=5000)
    gc.collect()
