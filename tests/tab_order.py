"""Helpers for tests: the Tab order of a shown dialog, and where it departs from the order people read it."""

from __future__ import annotations

from functools import cmp_to_key

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget


def tab_chain(window: QWidget, limit: int = 200) -> list[QWidget]:
    """The widgets Tab visits, from the one that has focus when the window opens, once round."""
    app = QApplication.instance()
    window.activateWindow()
    app.processEvents()
    first = window.focusWidget()
    if first is None:
        window.focusNextChild()
        first = window.focusWidget()
    chain: list[QWidget] = []
    current = first
    while current is not None and current not in chain and len(chain) < limit:
        chain.append(current)
        window.focusNextChild()
        current = window.focusWidget()
    return chain


def _field(widget: QWidget) -> QWidget:
    """A spin box's or an editable combo box's inner line edit stands for the box itself."""
    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox

    parent = widget.parentWidget()
    if isinstance(parent, (QAbstractSpinBox, QComboBox)):
        return parent
    return widget


def _ancestors(widget: QWidget) -> list[QWidget]:
    chain = [widget]
    while chain[-1].parentWidget() is not None and not chain[-1].isWindow():
        chain.append(chain[-1].parentWidget())
    return chain


def _rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


def reads_before(a: QWidget, b: QWidget) -> bool:
    """True if a comes before (or level with) b when the window is read: within the innermost box holding
    both, boxes side by side are read left to right, boxes one above the other top to bottom."""
    a, b = _field(a), _field(b)
    up_a, up_b = _ancestors(a), _ancestors(b)
    common = next(w for w in up_a if w in up_b)
    child_a = up_a[up_a.index(common) - 1] if common is not a else a
    child_b = up_b[up_b.index(common) - 1] if common is not b else b
    if child_a is child_b:
        child_a, child_b = a, b
    ra, rb = _rect_in(child_a, common), _rect_in(child_b, common)
    overlap = min(ra.bottom(), rb.bottom()) - max(ra.top(), rb.top())
    if overlap > min(ra.height(), rb.height()) / 2:  # the same row
        return ra.left() <= rb.left()
    return ra.top() <= rb.top()


def order_violations(window: QWidget, chain: list[QWidget] | None = None) -> list[tuple[QWidget, QWidget]]:
    """Consecutive Tab stops that jump backwards against the reading order (the round is read from the
    stop that comes first on the page, so the jump from the last stop back to the first does not count)."""
    chain = tab_chain(window) if chain is None else chain
    if not chain:
        return []
    first = min(chain, key=cmp_to_key(lambda a, b: -1 if reads_before(a, b) else 1))
    start = chain.index(first)
    chain = chain[start:] + chain[:start]
    return [(a, b) for a, b in zip(chain, chain[1:]) if not reads_before(a, b)]
