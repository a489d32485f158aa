"""Roster schema: statuses, categories and person types as data; life-cycle events; search indexes."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("roster")

# (kind, value, in_roster): in_roster says whether a member with that status still counts as ours.
SEED_LOOKUPS = (
    [("category", v, 1) for v in ("正式党员", "预备党员")]
    + [("status", v, 1) for v in ("正常", "流动外出", "流入", "失联", "困难党员")]
    + [("status", v, 0) for v in ("停止党籍", "出党", "去世", "转出")]
    + [("person_type", v, 1) for v in ("在职", "离退休", "流动", "学生", "无业", "其他")]
)


@migrations()
def m001_lookups_events(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE roster_lookup (
            id         INTEGER PRIMARY KEY,
            kind       TEXT NOT NULL CHECK (kind IN ('category', 'status', 'person_type')),
            value      TEXT NOT NULL,
            sort_order INTEGER NOT NULL DEFAULT 0,
            in_roster  INTEGER NOT NULL DEFAULT 1,
            UNIQUE (kind, value)
        );
        CREATE TABLE member_event (
            id         INTEGER PRIMARY KEY,
            member_id  INTEGER NOT NULL REFERENCES member(id),
            kind       TEXT NOT NULL,
            event_date TEXT NOT NULL,
            other_org  TEXT,
            place      TEXT,
            months     INTEGER,
            note       TEXT,
            previous   TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_member_event_member ON member_event(member_id, event_date);
        CREATE INDEX idx_member_event_kind ON member_event(kind, event_date);
        ALTER TABLE member ADD COLUMN probation_extension_months INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX idx_person_pinyin ON person(name_pinyin);
        CREATE INDEX idx_person_initials ON person(name_initials);
        CREATE INDEX idx_member_status ON member(status);
        CREATE INDEX idx_member_category ON member(category, join_date);
        CREATE INDEX idx_member_person_type ON member(person_type);
        CREATE INDEX idx_member_join ON member(join_date);
        """
    )
    for order, (kind, value, in_roster) in enumerate(SEED_LOOKUPS, start=1):
        db.execute(
            "INSERT INTO roster_lookup (kind, value, sort_order, in_roster) VALUES (?, ?, ?, ?)",
            [kind, value, order, in_roster],
        )


@migrations()
def m002_person_digits_index(db: Database) -> None:
    # A search for an ID-number or phone fragment reads every person's two numbers: from this narrow
    # covering index that pass is about half the cost of reading the whole person rows.
    db.execute("CREATE INDEX idx_person_digits ON person(id_number, phone)")
