"""Safety schema: operators (login) and audit entries for reveals, unmasked exports and restores."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("safety")


@migrations()
def m001_operator(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE operator (
            id            INTEGER PRIMARY KEY,
            name          TEXT NOT NULL UNIQUE,
            role          TEXT NOT NULL CHECK (role IN ('管理员', '录入员', '查看')),
            password_hash TEXT NOT NULL,
            active        INTEGER NOT NULL DEFAULT 1,
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL
        );
        """
    )


@migrations()
def m002_audit_actions(db: Database) -> None:
    # The foundation's CHECK allows only insert/update/delete; reveals, unmasked exports and
    # restores must be logged too. SQLite cannot alter a CHECK, so the table is rebuilt.
    db.executescript(
        """
        CREATE TABLE audit_log_new (
            id         INTEGER PRIMARY KEY,
            at         TEXT NOT NULL,
            operator   TEXT NOT NULL,
            table_name TEXT NOT NULL,
            row_id     INTEGER,
            action     TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'reveal', 'export', 'restore')),
            old        TEXT,
            new        TEXT
        );
        INSERT INTO audit_log_new SELECT id, at, operator, table_name, row_id, action, old, new FROM audit_log;
        DROP TABLE audit_log;
        ALTER TABLE audit_log_new RENAME TO audit_log;
        CREATE INDEX idx_audit_row ON audit_log(table_name, row_id);
        CREATE INDEX idx_audit_at ON audit_log(at);
        CREATE INDEX idx_audit_operator ON audit_log(operator);
        """
    )
