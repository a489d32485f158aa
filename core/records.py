"""Whether an area holds any records yet: screens show where to start while it holds none."""

from __future__ import annotations

from core.db import Db

AREA_TABLES = {
    "members": "member",
    "meetings": "meeting",
    "households": "household",
    "visits": "home_visit",
    "problems": "problem",
    "volunteer_teams": "volunteer_team",
    "letters": "accountability_letter",
}


def has_any(db: Db, area: str) -> bool:
    """True once the area has one record (an indexed look at one row, quick at any size)."""
    table = AREA_TABLES[area]
    return db.execute(f"SELECT EXISTS (SELECT 1 FROM [{table}])").fetchone()[0] == 1
