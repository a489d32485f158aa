"""What the program remembers on this PC between runs: recent databases, window size, splitter positions."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QSplitter, QWidget

from gui.app import APP_NAME

ORGANIZATION = "DangjianDesk"
RECENT_KEY = "recent_databases"
RECENT_LIMIT = 8


def store() -> QSettings:
    """The per-user settings file (an INI file on every platform, so tests can redirect it with QSettings.setPath)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APP_NAME)


def _read_json(settings: QSettings, key: str, default):
    raw = settings.value(key)
    if not raw:
        return default
    try:
        return json.loads(str(raw))
    except ValueError:  # a hand-edited or damaged entry: start afresh rather than fail to open the window
        return default


def _same_file(a: Path, b: Path) -> bool:
    return os.path.normcase(str(a)) == os.path.normcase(str(b))


# Recent databases ---------------------------------------------------------------------------------

def recent_databases() -> list[Path]:
    """The last opened database files, newest first (missing ones included: a USB stick may be unplugged)."""
    return [Path(p) for p in _read_json(store(), RECENT_KEY, []) if isinstance(p, str)]


def _write_recent(paths: list[Path]) -> None:
    settings = store()
    settings.setValue(RECENT_KEY, json.dumps([str(p) for p in paths[:RECENT_LIMIT]], ensure_ascii=False))
    settings.sync()


def add_recent_database(path: Path) -> None:
    path = Path(path).resolve()
    paths = recent_databases()
    if paths and _same_file(paths[0], path):  # the usual start, the same file as last time: nothing to write
        return
    _write_recent([path] + [p for p in paths if not _same_file(p, path)])


def remove_recent_database(path: Path) -> None:
    _write_recent([p for p in recent_databases() if not _same_file(p, Path(path))])


def forget_missing_databases() -> int:
    """Drop the entries whose file is gone; returns how many were dropped."""
    paths = recent_databases()
    kept = [p for p in paths if p.exists()]
    _write_recent(kept)
    return len(paths) - len(kept)


def last_existing_database() -> Path | None:
    return next((p for p in recent_databases() if p.is_file() and p.stat().st_size > 0), None)


# Layout -------------------------------------------------------------------------------------------

def splitter_sizes(root: QWidget) -> list[list[int]]:
    """Sizes of every splitter under root, in a fixed order (the order the screen builds them)."""
    return [splitter.sizes() for splitter in root.findChildren(QSplitter)]


def restore_splitter_sizes(root: QWidget, saved: list) -> None:
    for splitter, sizes in zip(root.findChildren(QSplitter), saved):
        # A splitter that gained or lost a pane since (a newer version of the screen) keeps its default.
        if (isinstance(sizes, list) and len(sizes) == splitter.count() and all(isinstance(s, int) for s in sizes)
                and sum(sizes) > 0):
            splitter.setSizes(sizes)


def save_screen_layout(key: str, state: dict) -> None:
    settings = store()
    settings.setValue(f"screens/{key}", json.dumps(state))


def screen_layout(key: str) -> dict:
    state = _read_json(store(), f"screens/{key}", {})
    return state if isinstance(state, dict) else {}


def remember_dialog(dialog: QDialog, key: str) -> None:
    """Give a dialog back the size and splitter positions it had when it was last closed (older eyes often
    enlarge the preview or the activity form; they should not have to do it every time)."""
    state = _read_json(store(), f"dialogs/{key}", {})
    state = state if isinstance(state, dict) else {}
    size = state.get("size")
    if isinstance(size, list) and len(size) == 2 and all(isinstance(n, int) and n > 0 for n in size):
        width, height = size
        screen = dialog.screen().availableGeometry() if dialog.screen() else None
        if screen is not None:  # a file from a bigger monitor: keep the dialog on this one
            width, height = min(width, screen.width()), min(height, screen.height())
        dialog.resize(width, height)
    restore_splitter_sizes(dialog, state.get("splitters") or [])

    def save(_result: int) -> None:
        settings = store()
        settings.setValue(f"dialogs/{key}", json.dumps(
            {"size": [dialog.width(), dialog.height()], "splitters": splitter_sizes(dialog)}))

    dialog.finished.connect(save)
