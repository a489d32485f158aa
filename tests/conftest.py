"""Shared fixtures: a fresh database per test, a seeded demo database, offscreen Qt."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from core.db import Db, open_db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def collect_garbage_in_main_thread(request: pytest.FixtureRequest):
    """Widgets of earlier tests must die in the GUI thread, never in a worker's random GC pass."""
    if "qtbot" in request.fixturenames or "qapp" in request.fixturenames:
        from gui.app import install_gc_guard

        install_gc_guard(request.getfixturevalue("qapp"))
    yield
    import gc

    gc.collect()


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message box nobody answers would hang the suite: make it fail the test with its text instead."""
    try:
        from PySide6.QtWidgets import QMessageBox
    except ImportError:
        return

    def refuse(*args, **kwargs):
        texts = [a for a in args if isinstance(a, str)]
        raise AssertionError(f"a modal message box was opened during a test: {texts}")

    for name in ("warning", "information", "critical", "question", "about"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))
    monkeypatch.setattr(QMessageBox, "exec", refuse)


@pytest.fixture(autouse=True)
def private_qsettings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path | None:
    """The window remembers its size, splitters and recent files in QSettings: in a test that is a fresh
    folder of its own, never the real user's settings and never another test's."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:
        return None
    folder = tmp_path_factory.mktemp("qsettings")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))  # programs a test starts (main.py screenshots) too
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    return folder


@pytest.fixture
def db(tmp_path: Path) -> Db:
    database = open_db(tmp_path / "test.db", operator="测试员")
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default demo office built once per session; tests copy it."""
    from core.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    database = open_db(path, operator="demo")
    build_demo(database, members=300, seed=7)
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Db:
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    database = open_db(path, operator="测试员")
    yield database
    database.close()
    # The demo file is large (its audit log); pytest keeps every test's folder, so free it now.
    for leftover in tmp_path.glob("demo.db*"):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(tmp_path / "backups", ignore_errors=True)


@pytest.fixture
def staffed(demo_db: Db) -> Db:
    """The demo office with an admin, a clerk and a viewer; the connection logged in as the admin."""
    from core import access

    access.create_operator(demo_db, "王主任", "admin-pass", access.ADMIN)
    access.login(demo_db, "王主任", "admin-pass")
    access.create_operator(demo_db, "李录入", "clerk-pass", access.CLERK)
    access.create_operator(demo_db, "赵查看", "viewer-pass", access.VIEWER)
    return demo_db


@pytest.fixture
def window(qtbot, demo_db: Db):
    """The main window over the demo office, shown."""
    from gui.main_window import MainWindow

    w = MainWindow(demo_db)
    qtbot.addWidget(w)
    w.show()
    return w
