"""三会一课 schema: meeting kinds with their required frequency, branch committees, meetings, attendance."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("meetings")

# code, name, period, required count, audience, sort order. 党课 quarterly by local practice (the
# 条例 asks one a year of the secretary): the office edits the row, it is not a constant.
DEFAULT_KINDS = [
    ("general", "支部党员大会", "quarter", 1, "branch", 1),
    ("committee", "支委会", "month", 1, "committee", 2),
    ("group", "党小组会", "month", 1, "party_group", 3),
    ("lesson", "党课", "quarter", 1, "branch", 4),
    ("theme_day", "主题党日", "month", 1, "branch", 5),
    ("life", "组织生活会", "year", 1, "branch", 6),
    ("appraisal", "民主评议党员", "year", 1, "branch", 7),
]


def _run(db: Database, script: str) -> None:
    """Statement by statement: executescript would COMMIT first and break the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_meeting_tables(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE meeting_kind (
            id             INTEGER PRIMARY KEY,
            code           TEXT NOT NULL UNIQUE,
            name           TEXT NOT NULL UNIQUE,
            period         TEXT NOT NULL CHECK (period IN ('month', 'quarter', 'year')),
            required_count INTEGER NOT NULL CHECK (required_count >= 0),
            audience       TEXT NOT NULL CHECK (audience IN ('branch', 'committee', 'party_group')),
            active         INTEGER NOT NULL DEFAULT 1,
            sort_order     INTEGER NOT NULL DEFAULT 0,
            note           TEXT
        );
        CREATE TABLE branch_committee (
            id         INTEGER PRIMARY KEY,
            branch_id  INTEGER NOT NULL REFERENCES org_unit(id),
            person_id  INTEGER NOT NULL REFERENCES person(id),
            role       TEXT NOT NULL,
            start_date TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (branch_id, person_id)
        );
        CREATE INDEX idx_branch_committee_branch ON branch_committee(branch_id);
        CREATE TABLE meeting (
            id                 INTEGER PRIMARY KEY,
            unit_id            INTEGER NOT NULL REFERENCES org_unit(id),
            branch_id          INTEGER NOT NULL REFERENCES org_unit(id),
            kind_id            INTEGER NOT NULL REFERENCES meeting_kind(id),
            status             TEXT NOT NULL DEFAULT '已召开' CHECK (status IN ('计划', '已召开')),
            date               TEXT NOT NULL,
            start_time         TEXT,
            end_time           TEXT,
            place              TEXT,
            host_person_id     INTEGER REFERENCES person(id),
            recorder_person_id INTEGER REFERENCES person(id),
            topic              TEXT NOT NULL,
            minutes            TEXT,
            resolutions        TEXT,
            attachments        TEXT NOT NULL DEFAULT '[]',
            created_at         TEXT NOT NULL,
            updated_at         TEXT NOT NULL
        );
        CREATE INDEX idx_meeting_branch_date ON meeting(branch_id, date);
        CREATE INDEX idx_meeting_unit_date ON meeting(unit_id, date);
        CREATE INDEX idx_meeting_date ON meeting(date);
        CREATE TABLE meeting_attendance (
            id         INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meeting(id),
            person_id  INTEGER NOT NULL REFERENCES person(id),
            status     TEXT NOT NULL CHECK (status IN ('出席', '请假', '缺席')),
            reason     TEXT,
            CHECK (status <> '请假' OR length(trim(coalesce(reason, ''))) > 0),
            UNIQUE (meeting_id, person_id)
        );
        CREATE INDEX idx_attendance_person ON meeting_attendance(person_id);
        CREATE TABLE meeting_guest (
            id         INTEGER PRIMARY KEY,
            meeting_id INTEGER NOT NULL REFERENCES meeting(id),
            person_id  INTEGER REFERENCES person(id),
            name       TEXT NOT NULL,
            note       TEXT
        );
        CREATE INDEX idx_guest_meeting ON meeting_guest(meeting_id);
        """
    )
    for code, name, period, count, audience, order in DEFAULT_KINDS:
        db.execute(
            "INSERT INTO meeting_kind (code, name, period, required_count, audience, active, sort_order) "
            "VALUES (?, ?, ?, ?, ?, 1, ?)",
            [code, name, period, count, audience, order],
        )
