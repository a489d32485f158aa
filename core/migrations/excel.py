"""Excel exchange schema: import batches (for undo) and saved export layouts."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("excel")


@migrations()
def m001_import_batch_export_layout(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE import_batch (
            id            INTEGER PRIMARY KEY,
            kind          TEXT NOT NULL,
            file_name     TEXT NOT NULL,
            sheet         TEXT,
            mode          TEXT NOT NULL CHECK (mode IN ('skip', 'update', 'fill')),
            skip_bad      INTEGER NOT NULL DEFAULT 0,
            operator      TEXT NOT NULL,
            imported_at   TEXT NOT NULL,
            created       INTEGER NOT NULL DEFAULT 0,
            updated       INTEGER NOT NULL DEFAULT 0,
            skipped       INTEGER NOT NULL DEFAULT 0,
            bad           INTEGER NOT NULL DEFAULT 0,
            units_created INTEGER NOT NULL DEFAULT 0,
            -- The batch's writes are exactly the audit_log rows with audit_from < id <= audit_until:
            -- the import runs in one transaction, so nothing else can write in between.
            audit_from    INTEGER NOT NULL,
            audit_until   INTEGER NOT NULL,
            undone_at     TEXT,
            undone_by     TEXT
        );
        CREATE INDEX idx_import_batch_kind ON import_batch(kind, imported_at);
        CREATE TABLE export_layout (
            id         INTEGER PRIMARY KEY,
            kind       TEXT NOT NULL,
            name       TEXT NOT NULL,
            spec       TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (kind, name)
        );
        """
    )
