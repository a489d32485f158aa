"""Every date form users' spreadsheets hold, and the messages for the ones we refuse."""

import datetime as dt

import pytest

from core.dates import parse_date, parse_date_noted, parse_iso
from core.errors import ValidationError

D = dt.date(1985, 3, 2)


@pytest.mark.parametrize("value", [
    dt.date(1985, 3, 2),
    dt.datetime(1985, 3, 2, 0, 0),
    dt.datetime(1985, 3, 2, 14, 30),
    31108,            # Excel serial number as int
    31108.0,          # ... as the float calamine gives for an unformatted number cell
    31108.75,         # serial with a time of day
    "1985.03.02",
    "1985.3.2",
    "1985-3-2",
    "1985-03-02",
    "1985/3/2",
    "1985/03/02",
    "1985年3月2日",
    "1985年03月02日",
    "1985年3月2号",
    "1985年3月2",
    "19850302",
    19850302,         # typed into a number cell
    19850302.0,
    "１９８５．０３．０２",  # full-width digits and dot
    "１９８５年３月２日",
    "１９８５－０３－０２",
    " 1985.03.02 ",
    "1985 . 03 . 02",
    "1985 年 3 月 2 日",
    "1985-03-02 00:00:00",
    "1985/3/2 0:00",
    "1985.03.02.",
    "\u30001985-3-2\u3000",  # ideographic spaces
])
def test_every_day_form(value):
    noted = parse_date_noted(value, "入党时间")
    assert noted.date == D
    assert noted.note is None


@pytest.mark.parametrize("value", ["198503", 198503, "1985.03", "1985-3", "1985年3月", "1985/03", "１９８５０３"])
def test_year_month_becomes_first_day_with_a_note(value):
    noted = parse_date_noted(value, "入党时间")
    assert noted.date == dt.date(1985, 3, 1)
    assert "只写到月份" in noted.note and "1985-03-01" in noted.note


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", float("nan")])
def test_empty_is_none(value):
    assert parse_date(value) is None
    assert parse_iso(value) is None


def test_iso_text():
    assert parse_iso("1985年3月2日") == "1985-03-02"


def test_serial_boundaries():
    assert parse_date(1) == dt.date(1900, 1, 1)
    assert parse_date(61) == dt.date(1900, 3, 1)
    assert parse_date(45000) == dt.date(2023, 3, 15)


@pytest.mark.parametrize("value, words", [
    ("1985-02-30", "没有30日"),
    ("1985.13.02", "月份 13"),
    ("19851302", "月份 13"),
    ("1985", "只有年份"),
    ("85.3.2", "四位年份"),
    ("明年三月", "不是能识别的日期"),
    ("1985-03-02x", "不是能识别的日期"),
    ("1800-01-01", "年份 1800"),
    (True, "不是日期"),
    (dt.time(10, 30), "是一个时间"),
    (-5, "不是有效日期"),
    (9_999_999, "不是有效日期"),
    (60, "不是有效日期"),
])
def test_refused_with_a_clear_message(value, words):
    with pytest.raises(ValidationError) as info:
        parse_date(value, "出生日期", "birth_date")
    message = str(info.value)
    assert words in message
    assert message.startswith("出生日期“")
    assert info.value.field == "birth_date"


def test_infinite_numbers_are_refused_not_crashing():
    import math

    import pytest

    from core.dates import parse_date
    from core.errors import ValidationError

    for value in (math.inf, -math.inf):
        with pytest.raises(ValidationError):
            parse_date(value, "入党时间")
