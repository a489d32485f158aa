"""Letter measures read from the 三会一课 records: counts per kind, attendance and on-time rates."""

from __future__ import annotations

import datetime as dt

import pytest

from core import measures, meetings
from tests.test_meetings_core import hold, office  # noqa: F401 - the fixture is shared


def test_meeting_measures_count_held_meetings_of_the_year(db, office):
    community = office["community"]
    hold(db, office["branch"], "committee", "2025-01-10")
    hold(db, office["branch"], "committee", "2025-02-10", absent={office["people"]["张伟"]})
    hold(db, office["branch"], "lesson", "2025-03-01")
    hold(db, office["branch"], "committee", "2024-12-10")  # last year
    meetings.create_meeting(db, {"unit_id": office["branch"], "kind_code": "committee", "date": "2025-02-20",
                                 "topic": "计划中", "status": "计划"})
    as_of = dt.date(2025, 3, 15)
    value = measures.measure_value
    assert value(db, "meetings_committee", community, 2025, as_of) == 2.0
    assert value(db, "meetings_lesson", community, 2025, as_of) == 1.0
    assert value(db, "meetings_general", community, 2025, as_of) == 0.0
    assert value(db, "meetings_committee", community, 2025, dt.date(2025, 1, 31)) == 1.0
    assert value(db, "meetings_committee", community, 2026, as_of) == 0.0
    assert value(db, "meetings_attendance_rate", community, 2025, as_of) == pytest.approx(round(100 * 11 / 12, 1))
    assert value(db, "meetings_attendance_rate", community, 2026, as_of) is None
    rate = value(db, "meetings_on_time_rate", community, 2025, as_of)
    assert 0 < rate < 100
    assert {m.code for m in measures.all_measures() if m.area == "meetings"} >= {
        "meetings_committee", "meetings_general", "meetings_lesson", "meetings_theme_day", "meetings_attendance_rate"}
