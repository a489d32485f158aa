"""Foundation schema: settings, audit log, persons, the organisation tree, grids, members."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("foundation")


@migrations()
def m001_core_tables(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE setting (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE audit_log (
            id         INTEGER PRIMARY KEY,
            at         TEXT NOT NULL,
            operator   TEXT NOT NULL,
            table_name TEXT NOT NULL,
            row_id     INTEGER,
            action     TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
            old        TEXT,
            new        TEXT
        );
        CREATE TABLE person (
            id            INTEGER PRIMARY KEY,
            name          TEXT NOT NULL,
            gender        TEXT CHECK (gender IN ('男', '女')),
            birth_date    TEXT,
            id_number     TEXT UNIQUE,
            phone         TEXT,
            address       TEXT,
            ethnicity     TEXT,
            native_place  TEXT,
            education     TEXT,
            note          TEXT,
            name_pinyin   TEXT NOT NULL DEFAULT '',
            name_initials TEXT NOT NULL DEFAULT '',
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL
        );
        CREATE TABLE org_unit (
            id         INTEGER PRIMARY KEY,
            kind       TEXT NOT NULL CHECK (kind IN ('street', 'community', 'branch', 'party_group')),
            name       TEXT NOT NULL,
            parent_id  INTEGER REFERENCES org_unit(id),
            sort_order INTEGER NOT NULL DEFAULT 0,
            note       TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_org_unit_parent ON org_unit(parent_id);
        CREATE TABLE grid (
            id               INTEGER PRIMARY KEY,
            community_id     INTEGER NOT NULL REFERENCES org_unit(id),
            name             TEXT NOT NULL,
            worker_person_id INTEGER REFERENCES person(id),
            sort_order       INTEGER NOT NULL DEFAULT 0,
            created_at       TEXT NOT NULL
        );
        CREATE INDEX idx_grid_community ON grid(community_id);
        CREATE TABLE member (
            id             INTEGER PRIMARY KEY,
            person_id      INTEGER NOT NULL UNIQUE REFERENCES person(id),
            branch_id      INTEGER NOT NULL REFERENCES org_unit(id),
            party_group_id INTEGER REFERENCES org_unit(id),
            grid_id        INTEGER REFERENCES grid(id),
            category       TEXT NOT NULL CHECK (category IN ('正式党员', '预备党员')),
            status         TEXT NOT NULL DEFAULT '正常',
            person_type    TEXT,
            join_date      TEXT,
            full_date      TEXT,
            work_unit      TEXT,
            note           TEXT,
            created_at     TEXT NOT NULL,
            updated_at     TEXT NOT NULL
        );
        CREATE INDEX idx_member_branch ON member(branch_id);
        CREATE INDEX idx_member_group ON member(party_group_id);
        CREATE INDEX idx_member_grid ON member(grid_id);
        """
    )


@migrations()
def m002_lookup_indexes(db: Database) -> None:
    db.executescript(
        """
        CREATE INDEX idx_audit_row ON audit_log(table_name, row_id);
        CREATE INDEX idx_audit_at ON audit_log(at);
        CREATE INDEX idx_person_name ON person(name);
        CREATE INDEX idx_person_phone ON person(phone);
        """
    )
