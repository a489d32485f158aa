"""Pausing Python's cyclic garbage collector during bulk work (a 100,000-row import).

An import allocates millions of small objects (cells, records, row plans) that live until it ends and
hold no reference cycles. Each time the allocation count passes a threshold the collector walks every
live container, and the older generations grow with the import: on a 100,000-member roster about a
second of a ~15 s import is collector time for nothing. Inside `paused()` automatic collection is off;
when the last pause ends the previous state returns (the GUI keeps it off and collects on a timer, which
asks `is_paused()` and waits while an import runs).
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """No automatic cyclic collection inside; nestable and usable from any thread."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def is_paused() -> bool:
    """Whether some bulk work asked for no collection now (the GUI's collection timer skips its turn)."""
    return _depth > 0
