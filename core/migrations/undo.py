"""Undo schema: each user deletion as one named group of audit_log rows that can be put back."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("undo")


@migrations()
def m001_deletion_group(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE deletion_group (
            id          INTEGER PRIMARY KEY,
            label       TEXT NOT NULL,
            areas       TEXT NOT NULL DEFAULT '',   -- data_changed areas to refresh, comma separated
            operator    TEXT NOT NULL,
            deleted_at  TEXT NOT NULL,
            -- The group's deletes are the audit_log rows with audit_from < id <= audit_until and
            -- action 'delete': the deletion runs in one immediate transaction, so nothing else writes between.
            audit_from  INTEGER NOT NULL,
            audit_until INTEGER NOT NULL,
            row_count   INTEGER NOT NULL,
            undone_at   TEXT,
            undone_by   TEXT
        );
        CREATE INDEX idx_deletion_group_open ON deletion_group(undone_at, id);
        """
    )
