"""core.gcpause: no automatic cyclic collection during an import, the previous state restored after."""

from __future__ import annotations

import gc

import pytest

from core import gcpause
from core.excel_import import get_kind, read_source, run_import
from tests.excel_helpers import member_row, write_roster


@pytest.fixture
def gc_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_pause_restores_the_previous_state_even_after_an_error(gc_enabled):
    assert not gcpause.is_paused()
    with pytest.raises(RuntimeError):
        with gcpause.paused():
            assert not gc.isenabled() and gcpause.is_paused()
            with gcpause.paused():  # nested: the outer pause still holds after the inner one ends
                pass
            assert not gc.isenabled() and gcpause.is_paused()
            raise RuntimeError("boom")
    assert gc.isenabled() and not gcpause.is_paused()


def test_pause_keeps_collection_off_when_it_was_off(gc_enabled):
    gc.disable()
    with gcpause.paused():
        pass
    assert not gc.isenabled()


def test_import_runs_with_collection_paused(db, tmp_path, gc_enabled, monkeypatch):
    kind = get_kind("roster")
    seen = []
    write = type(kind).write

    def spy(self, *args, **kwargs):
        seen.append((gc.isenabled(), gcpause.is_paused()))
        return write(self, *args, **kwargs)

    monkeypatch.setattr(type(kind), "write", spy)
    source = read_source(write_roster(tmp_path / "a.xlsx", [member_row(1), member_row(2)]), kind)
    result = run_import(db, kind, source)
    assert result.created == 2 and seen == [(False, True)]
    assert gc.isenabled() and not gcpause.is_paused()


def test_gui_collector_waits_while_an_import_runs(qapp, monkeypatch):
    from gui.app import MainThreadGarbageCollector

    collector = qapp.findChild(MainThreadGarbageCollector)
    calls = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: calls.append(generation))
    monkeypatch.setattr(gc, "get_count", lambda: (10**6, 10**6, 10**6))
    with gcpause.paused():
        collector.check()
    assert calls == []
    collector.check()
    assert calls == [2]
