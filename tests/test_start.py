"""Starting the program: the window opens on the right database, and the work put off until it has painted
(the dashboard's figures, the day's first backup) still happens."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

import main
from gui import startup, window_state
from gui.main_window import MainWindow
from gui.task import BackgroundTask
from tests.conftest import ROOT


@pytest.fixture
def office_file(demo_template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copy(demo_template, path)
    yield path
    startup.release_deferred()  # a test that failed half-way must not leave work held back for the next


def _open(qtbot, path) -> MainWindow:
    window = main.open_window(str(path))
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    return window


def test_window_opens_the_given_database_and_counts_after_it_has_shown(qtbot, office_file):
    window = _open(qtbot, office_file)
    assert window.isVisible()
    assert window.db.path == office_file
    assert window.current_key() == "dashboard"
    dashboard = window.screens["dashboard"]
    # The count waits for the first paint, so the window is not slowed by it...
    assert dashboard._task is not None and not dashboard._task.is_running()
    assert dashboard.heading.text() == "正在统计……"
    # ...and then comes in by itself, without anybody asking for it.
    qtbot.waitUntil(lambda: "members" in dashboard.tiles, timeout=60_000)
    assert int(dashboard.tiles["members"].tile.value) > 0
    assert "正在统计" not in dashboard.heading.text()
    assert window_state.recent_databases()[0] == office_file.resolve()
    # The program's style is in place by now: a button first shown later still gets its action icon.
    from PySide6.QtWidgets import QPushButton

    later = QPushButton("刷新", window)
    later.show()
    assert not later.icon().isNull()


def test_first_start_of_the_day_makes_its_backup_after_the_window_has_shown(qtbot, office_file):
    backups = office_file.parent / "backups"
    assert not backups.exists()
    window = _open(qtbot, office_file)  # the backup waits for the event loop: connecting now misses nothing
    assert not window.backup_task.is_running()
    with qtbot.waitSignal(window.daily_backup_done, timeout=60_000) as done:
        pass
    assert done.args[0] is not None and done.args[0].parent == backups and done.args[0].is_file()


def test_deferred_task_starts_at_once_when_nothing_is_held_back(qtbot):
    results = []
    task = BackgroundTask(lambda progress, cancelled: 42)
    task.succeeded.connect(results.append)
    task.start(deferred=True)  # no program start in progress: nothing to wait for
    qtbot.waitUntil(lambda: results == [42], timeout=10_000)


def test_held_task_waits_for_release_and_a_cancelled_one_never_runs(qtbot):
    ran = []
    startup.hold_deferred()
    try:
        kept = BackgroundTask(lambda progress, cancelled: ran.append("kept") or "kept")
        dropped = BackgroundTask(lambda progress, cancelled: ran.append("dropped"))
        kept.start(deferred=True)
        dropped.start(deferred=True)
        dropped.cancel()
        qtbot.wait(50)
        assert ran == [] and not kept.is_running()
    finally:
        startup.release_deferred()
    with qtbot.waitSignal(kept.succeeded, timeout=10_000):
        pass
    assert ran == ["kept"]
    assert not dropped.is_running()


def test_recent_list_keeps_the_file_opened_again_first(qtbot, office_file, tmp_path):
    other = tmp_path / "other.db"
    shutil.copy(office_file, other)
    window_state.add_recent_database(office_file)
    window_state.add_recent_database(other)
    window_state.add_recent_database(other)  # opened again: still first, nothing duplicated
    assert window_state.recent_databases() == [other.resolve(), office_file.resolve()]
    window_state.add_recent_database(office_file)
    assert window_state.recent_databases() == [office_file.resolve(), other.resolve()]


def test_program_starts_and_shows_its_window_in_a_process_of_its_own(office_file, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DANGJIAN_QUIT_AFTER_SHOW="1")
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--db", str(office_file)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert any(line.startswith("shown-at ") for line in done.stdout.splitlines()), done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("argv", [[], ["--db", "a.db"], ["--db=b.db"], ["--db", "demo"]])
def test_plain_window_start_is_read_as_the_full_parser_reads_it(argv):
    assert main._plain_window_start(argv)[0]
    args = main.build_parser().parse_args(argv)
    assert getattr(args, "command", None) is None
    assert main._plain_window_start(argv)[1] == getattr(args, "db", None)


@pytest.mark.parametrize("argv", [["--db", "x.db", "check"], ["check", "--db", "a.db"], ["--db", "-x"], ["--db="],
                                  ["--version"], ["--user", "王"], ["--db", "a.db", "--db", "b.db"]])
def test_anything_else_goes_to_the_full_parser(argv):
    assert main._plain_window_start(argv) == (False, None)
