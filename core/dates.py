"""Dates as users' spreadsheets hold them: real dates, Excel serial numbers and every common text form.

`parse_date` turns any cell value into a `datetime.date` (or None for an empty cell) and raises
ValidationError with a plain Chinese message otherwise. `parse_date_noted` also returns a note when
the value needed a guess the user should know about (a year-month such as 198503 becomes the first
day of that month).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core.errors import ValidationError

MIN_YEAR = 1900
MAX_YEAR = 2100
# Excel's day 0 is 1899-12-30 for every serial from 61 on (Excel believes 1900 was a leap year).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = (dt.date(MAX_YEAR, 12, 31) - _EXCEL_EPOCH).days

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９．－／：　，",
    "0123456789.-/: ,",
)
_SEPARATED = re.compile(r"^(\d{4})\s*[.\-/,、]\s*(\d{1,2})\s*[.\-/,、]\s*(\d{1,2})\.?(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_CHINESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*(?:[.\-/,、]\s*|年\s*)(\d{1,2})\s*(?:月份?)?\.?$")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_SHORT_YEAR = re.compile(r"^(\d{2})\s*[.\-/年]\s*\d{1,2}")

HINT = "请写成 1985-03-02 这样的形式（也可以用 1985.03.02、1985/3/2、1985年3月2日、19850302）。"


@dataclass(frozen=True)
class NotedDate:
    """A parsed date with an optional note telling the user what was assumed."""

    date: dt.date | None
    note: str | None = None


def _fail(label: str, raw: object, why: str, field: str | None) -> ValidationError:
    shown = str(raw).strip()
    return ValidationError(f"{label}“{shown}”{why}", field)


def _make(label: str, raw: object, year: int, month: int, day: int, field: str | None) -> dt.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _fail(label, raw, f"的年份 {year} 不合理（应在 {MIN_YEAR}—{MAX_YEAR} 年之间）。", field)
    if not 1 <= month <= 12:
        raise _fail(label, raw, f"的月份 {month} 不存在。{HINT}", field)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _fail(label, raw, f"不是有效日期：{year}年{month}月没有{day}日。", field) from None


def _month_note(label: str, day: dt.date) -> str:
    return f"{label}只写到月份，已按当月 1 日（{day.isoformat()}）导入。"


def _from_serial(label: str, raw: object, serial: float, field: str | None) -> dt.date:
    if serial != int(serial):
        # A date with a time of day: the day is what matters here.
        serial = float(int(serial))
    number = int(serial)
    if not 1 <= number <= _MAX_SERIAL:
        raise _fail(label, raw, f"不是有效日期。{HINT}", field)
    if number < 61:
        day = dt.date(1899, 12, 31) + dt.timedelta(days=number)
        if number == 60:  # Excel's phantom 1900-02-29
            raise _fail(label, raw, f"不是有效日期。{HINT}", field)
    else:
        day = _EXCEL_EPOCH + dt.timedelta(days=number)
    if day.year < MIN_YEAR:
        raise _fail(label, raw, f"不是有效日期。{HINT}", field)
    return day


def _from_number(label: str, raw: object, number: float, field: str | None) -> NotedDate:
    """A numeric cell: 19850302 and 198503 typed into a number cell, else an Excel serial."""
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite: no date at all
        raise _fail(label, raw, f"不是有效日期。{HINT}", field)
    if number == int(number):
        digits = str(int(number))
        match = _COMPACT_DAY.match(digits)
        if match:
            return NotedDate(_make(label, raw, *map(int, match.groups()), field))
        match = _COMPACT_MONTH.match(digits)
        if match and 1 <= int(match.group(2)) <= 12 and MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
            day = _make(label, raw, int(match.group(1)), int(match.group(2)), 1, field)
            return NotedDate(day, _month_note(label, day))
    return NotedDate(_from_serial(label, raw, number, field))


def _from_text(label: str, raw: object, text: str, field: str | None) -> NotedDate:
    text = text.translate(_FULLWIDTH).strip().replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text)
    if not text:
        return NotedDate(None)
    compact = text.replace(" ", "")
    for pattern in (_SEPARATED, _CHINESE):
        match = pattern.match(text) or pattern.match(compact)
        if match:
            return NotedDate(_make(label, raw, *map(int, match.groups()[:3]), field))
    match = _COMPACT_DAY.match(compact)
    if match:
        return NotedDate(_make(label, raw, *map(int, match.groups()), field))
    match = _COMPACT_MONTH.match(compact) or _YEAR_MONTH.match(text) or _YEAR_MONTH.match(compact)
    if match:
        day = _make(label, raw, int(match.group(1)), int(match.group(2)), 1, field)
        return NotedDate(day, _month_note(label, day))
    if re.fullmatch(r"\d{4}年?", compact):
        raise _fail(label, raw, f"只有年份，至少要写到月份。{HINT}", field)
    if _SHORT_YEAR.match(compact):
        raise _fail(label, raw, f"的年份只有两位，请写完整的四位年份。{HINT}", field)
    raise _fail(label, raw, f"不是能识别的日期。{HINT}", field)


def parse_date_noted(value: object, label: str = "日期", field: str | None = None) -> NotedDate:
    """Any cell value to a date plus a note when something was assumed; empty cells give date None."""
    if value is None:
        return NotedDate(None)
    if isinstance(value, bool):
        raise _fail(label, value, f"不是日期。{HINT}", field)
    if isinstance(value, dt.datetime):
        return NotedDate(_make(label, value, value.year, value.month, value.day, field))
    if isinstance(value, dt.date):
        return NotedDate(_make(label, value, value.year, value.month, value.day, field))
    if isinstance(value, (dt.time, dt.timedelta)):
        raise _fail(label, value, f"是一个时间而不是日期。{HINT}", field)
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return NotedDate(None)
        return _from_number(label, value, float(value), field)
    return _from_text(label, value, str(value), field)


def parse_date(value: object, label: str = "日期", field: str | None = None) -> dt.date | None:
    """Any cell value to a date (None for an empty cell); ValidationError names the value and the fix."""
    return parse_date_noted(value, label, field).date


def parse_iso(value: object, label: str = "日期", field: str | None = None) -> str | None:
    """Like parse_date, as the 'YYYY-MM-DD' text the store keeps."""
    day = parse_date(value, label, field)
    return day.isoformat() if day else None
