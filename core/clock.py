"""Timestamps and dates as the store keeps them: ISO text, local time, seconds."""

import datetime as dt


def now_text() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def today() -> dt.date:
    return dt.date.today()


def add_years(day: dt.date, years: int) -> dt.date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
