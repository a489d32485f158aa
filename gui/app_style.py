"""The program's proxy style: the platform style with font-sized table rows and action icons on buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QProxyStyle, QPushButton, QStyle

from gui.style import px, row_height


class AppStyle(QProxyStyle):
    """The platform style, with table rows as tall as the font needs, default column widths that grow
    with it (the stock sizes are fixed pixels), and action icons on buttons."""

    def pixelMetric(self, metric, option=None, widget=None):
        if metric == QStyle.PixelMetric.PM_HeaderDefaultSectionSizeVertical:
            return row_height(widget.font() if widget is not None else None)
        if metric == QStyle.PixelMetric.PM_HeaderDefaultSectionSizeHorizontal:
            return px(super().pixelMetric(metric, option, widget))  # columns left at their default width
        return super().pixelMetric(metric, option, widget)

    def polish(self, target):
        """Every button and search field, on every screen and dialog, gets its action icon when first shown."""
        if isinstance(target, (QPushButton, QLineEdit)):
            from gui import icons

            icons.decorate_widget(target)
        return super().polish(target)
