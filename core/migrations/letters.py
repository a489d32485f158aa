"""Letters schema: the street's template, accountability letters with items and manual entries, star ratings."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("letters")


@migrations()
def m001_letters(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE letter_template_item (
            id           INTEGER PRIMARY KEY,
            sort_order   INTEGER NOT NULL DEFAULT 0,
            category     TEXT NOT NULL DEFAULT '',
            task         TEXT NOT NULL,
            standard     TEXT NOT NULL DEFAULT '',
            target       REAL NOT NULL,
            unit         TEXT NOT NULL DEFAULT '',
            weight       REAL NOT NULL,
            measure_code TEXT NOT NULL DEFAULT 'manual',
            direction    TEXT NOT NULL DEFAULT 'at_least' CHECK (direction IN ('at_least', 'at_most')),
            capped       INTEGER NOT NULL DEFAULT 1,
            created_at   TEXT NOT NULL
        );
        CREATE TABLE accountability_letter (
            id                   INTEGER PRIMARY KEY,
            community_id         INTEGER NOT NULL REFERENCES org_unit(id),
            year                 INTEGER NOT NULL,
            street_party         TEXT NOT NULL,
            street_signer        TEXT NOT NULL DEFAULT '',
            secretary_person_id  INTEGER REFERENCES person(id),
            secretary_name       TEXT NOT NULL DEFAULT '',
            signed_date          TEXT,
            preamble             TEXT NOT NULL DEFAULT '',
            closing              TEXT NOT NULL DEFAULT '',
            created_at           TEXT NOT NULL,
            updated_at           TEXT NOT NULL,
            UNIQUE (community_id, year)
        );
        CREATE TABLE letter_item (
            id           INTEGER PRIMARY KEY,
            letter_id    INTEGER NOT NULL REFERENCES accountability_letter(id),
            sort_order   INTEGER NOT NULL DEFAULT 0,
            category     TEXT NOT NULL DEFAULT '',
            task         TEXT NOT NULL,
            standard     TEXT NOT NULL DEFAULT '',
            target       REAL NOT NULL,
            unit         TEXT NOT NULL DEFAULT '',
            weight       REAL NOT NULL,
            measure_code TEXT NOT NULL DEFAULT 'manual',
            direction    TEXT NOT NULL DEFAULT 'at_least' CHECK (direction IN ('at_least', 'at_most')),
            capped       INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX idx_letter_item_letter ON letter_item(letter_id);
        CREATE TABLE letter_manual_entry (
            id          INTEGER PRIMARY KEY,
            item_id     INTEGER NOT NULL REFERENCES letter_item(id),
            as_of       TEXT NOT NULL,
            value       REAL NOT NULL,
            note        TEXT NOT NULL DEFAULT '',
            entered_by  TEXT NOT NULL,
            entered_at  TEXT NOT NULL
        );
        CREATE INDEX idx_letter_manual_item ON letter_manual_entry(item_id, as_of);
        CREATE TABLE star_rating (
            id           INTEGER PRIMARY KEY,
            community_id INTEGER NOT NULL REFERENCES org_unit(id),
            year         INTEGER NOT NULL,
            stars        INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
            source       TEXT NOT NULL CHECK (source IN ('score', 'manual')),
            score        REAL,
            reason       TEXT NOT NULL DEFAULT '',
            rated_by     TEXT NOT NULL,
            rated_at     TEXT NOT NULL,
            UNIQUE (community_id, year)
        );
        CREATE TABLE community_households (
            id              INTEGER PRIMARY KEY,
            community_id    INTEGER NOT NULL UNIQUE REFERENCES org_unit(id),
            household_count INTEGER NOT NULL CHECK (household_count >= 0),
            updated_at      TEXT NOT NULL
        );
        """
    )
