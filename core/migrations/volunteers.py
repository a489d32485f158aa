"""Volunteer schema: volunteers, teams and their members, activities with hours, 双报到 registrations and units."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("volunteers")

DEFAULT_TEAM_KINDS = ["学雷锋", "党员突击队", "爱心敲门", "爱花护绿", "治安巡逻", "文明宣传", "其他"]


@migrations()
def m001_volunteer_tables(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE volunteer_team_kind (
            id         INTEGER PRIMARY KEY,
            name       TEXT NOT NULL UNIQUE,
            sort_order INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE volunteer (
            id         INTEGER PRIMARY KEY,
            person_id  INTEGER NOT NULL UNIQUE REFERENCES person(id),
            skills     TEXT,
            note       TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE volunteer_team (
            id                  INTEGER PRIMARY KEY,
            community_id        INTEGER NOT NULL REFERENCES org_unit(id),
            name                TEXT NOT NULL,
            kind_id             INTEGER NOT NULL REFERENCES volunteer_team_kind(id),
            leader_volunteer_id INTEGER REFERENCES volunteer(id),
            founded_date        TEXT,
            note                TEXT,
            created_at          TEXT NOT NULL,
            updated_at          TEXT NOT NULL,
            UNIQUE (community_id, name)
        );
        CREATE TABLE volunteer_team_member (
            id           INTEGER PRIMARY KEY,
            team_id      INTEGER NOT NULL REFERENCES volunteer_team(id),
            volunteer_id INTEGER NOT NULL REFERENCES volunteer(id),
            join_date    TEXT NOT NULL,
            leave_date   TEXT,
            created_at   TEXT NOT NULL,
            CHECK (leave_date IS NULL OR leave_date >= join_date)
        );
        CREATE INDEX idx_team_member_team ON volunteer_team_member(team_id);
        CREATE INDEX idx_team_member_volunteer ON volunteer_team_member(volunteer_id);
        CREATE TABLE cobuilding_unit (
            id              INTEGER PRIMARY KEY,
            community_id    INTEGER NOT NULL REFERENCES org_unit(id),
            name            TEXT NOT NULL,
            party_org       TEXT,
            registered_date TEXT NOT NULL,
            contact_name    TEXT,
            contact_phone   TEXT,
            ended_date      TEXT,
            note            TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            UNIQUE (community_id, name)
        );
        CREATE TABLE dual_registration (
            id              INTEGER PRIMARY KEY,
            member_id       INTEGER NOT NULL UNIQUE REFERENCES member(id),
            community_id    INTEGER NOT NULL REFERENCES org_unit(id),
            registered_date TEXT NOT NULL,
            work_unit       TEXT NOT NULL,
            unit_party_org  TEXT,
            unit_id         INTEGER REFERENCES cobuilding_unit(id),
            ended_date      TEXT,
            note            TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL
        );
        CREATE INDEX idx_dual_registration_community ON dual_registration(community_id);
        CREATE TABLE volunteer_activity (
            id           INTEGER PRIMARY KEY,
            community_id INTEGER NOT NULL REFERENCES org_unit(id),
            date         TEXT NOT NULL,
            start_time   TEXT NOT NULL,
            end_time     TEXT NOT NULL,
            place        TEXT,
            content      TEXT NOT NULL,
            note         TEXT,
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL,
            CHECK (end_time > start_time)
        );
        CREATE INDEX idx_activity_date ON volunteer_activity(date);
        CREATE INDEX idx_activity_community_date ON volunteer_activity(community_id, date);
        CREATE TABLE volunteer_activity_team (
            id          INTEGER PRIMARY KEY,
            activity_id INTEGER NOT NULL REFERENCES volunteer_activity(id),
            team_id     INTEGER NOT NULL REFERENCES volunteer_team(id),
            UNIQUE (activity_id, team_id)
        );
        CREATE INDEX idx_activity_team_team ON volunteer_activity_team(team_id);
        CREATE TABLE volunteer_activity_unit (
            id          INTEGER PRIMARY KEY,
            activity_id INTEGER NOT NULL REFERENCES volunteer_activity(id),
            unit_id     INTEGER NOT NULL REFERENCES cobuilding_unit(id),
            UNIQUE (activity_id, unit_id)
        );
        CREATE INDEX idx_activity_unit_unit ON volunteer_activity_unit(unit_id);
        CREATE TABLE volunteer_participation (
            id           INTEGER PRIMARY KEY,
            activity_id  INTEGER NOT NULL REFERENCES volunteer_activity(id),
            volunteer_id INTEGER NOT NULL REFERENCES volunteer(id),
            team_id      INTEGER REFERENCES volunteer_team(id),
            minutes      INTEGER NOT NULL CHECK (minutes > 0),
            UNIQUE (activity_id, volunteer_id)
        );
        CREATE INDEX idx_participation_volunteer ON volunteer_participation(volunteer_id);
        CREATE INDEX idx_participation_team ON volunteer_participation(team_id);
        """
    )
    db.conn.executemany(
        "INSERT INTO volunteer_team_kind (name, sort_order) VALUES (?, ?)",
        [(name, i) for i, name in enumerate(DEFAULT_TEAM_KINDS, start=1)],
    )
