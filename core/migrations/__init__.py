"""Every migration set of the program, in the order they are applied.

Each area keeps its own set (sqlite-utils `Migrations`), so areas grow their tables
independently; a released step is never edited, only followed by a new one.
"""

from core.migrations import excel, foundation, letters, meetings, roster, safety, undo, visits, volunteers

MIGRATION_SETS = [
    foundation.migrations,
    roster.migrations,
    excel.migrations,
    meetings.migrations,
    visits.migrations,
    safety.migrations,
    letters.migrations,
    volunteers.migrations,
    undo.migrations,
]
