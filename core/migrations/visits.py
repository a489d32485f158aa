"""Visits schema: households and their special-group tags, 五必问 home visits, the problem loop."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("visits")

# The "15 kinds of special information" the offices commonly keep; the office can add more.
SEED_TAGS = ["低保户", "特困", "残疾人", "独居老人", "孤寡老人", "空巢老人", "零就业", "矫正人员", "刑满释放人员",
             "重病患者", "精神障碍患者", "留守儿童", "失独家庭", "优抚对象", "困难党员户"]


def _run(db: Database, script: str) -> None:
    """Statement by statement: executescript would COMMIT the open upgrade transaction first."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_visit_tables(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE special_tag (
            id         INTEGER PRIMARY KEY,
            name       TEXT NOT NULL UNIQUE,
            sort_order INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE household (
            id              INTEGER PRIMARY KEY,
            grid_id         INTEGER NOT NULL REFERENCES grid(id),
            estate          TEXT NOT NULL,
            building        TEXT NOT NULL DEFAULT '',
            unit            TEXT NOT NULL DEFAULT '',
            room            TEXT NOT NULL DEFAULT '',
            address         TEXT NOT NULL,
            head_person_id  INTEGER REFERENCES person(id),
            phone           TEXT,
            people_count    INTEGER NOT NULL DEFAULT 1 CHECK (people_count BETWEEN 0 AND 99),
            cadre_person_id INTEGER REFERENCES person(id),
            note            TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            UNIQUE (estate, building, unit, room)
        );
        CREATE INDEX idx_household_grid ON household(grid_id);
        CREATE INDEX idx_household_head ON household(head_person_id);
        CREATE INDEX idx_household_cadre ON household(cadre_person_id);
        CREATE TABLE household_tag (
            id           INTEGER PRIMARY KEY,
            household_id INTEGER NOT NULL REFERENCES household(id),
            tag_id       INTEGER NOT NULL REFERENCES special_tag(id),
            UNIQUE (household_id, tag_id)
        );
        CREATE INDEX idx_household_tag_tag ON household_tag(tag_id);
        CREATE TABLE home_visit (
            id           INTEGER PRIMARY KEY,
            household_id INTEGER NOT NULL REFERENCES household(id),
            visit_date   TEXT NOT NULL,
            complete     INTEGER NOT NULL DEFAULT 0,
            note         TEXT,
            created_at   TEXT NOT NULL,
            updated_at   TEXT NOT NULL
        );
        CREATE INDEX idx_home_visit_household ON home_visit(household_id, visit_date);
        CREATE INDEX idx_home_visit_date ON home_visit(visit_date);
        CREATE TABLE visit_visitor (
            id        INTEGER PRIMARY KEY,
            visit_id  INTEGER NOT NULL REFERENCES home_visit(id),
            person_id INTEGER NOT NULL REFERENCES person(id),
            UNIQUE (visit_id, person_id)
        );
        CREATE INDEX idx_visit_visitor_person ON visit_visitor(person_id);
        CREATE TABLE visit_item (
            id       INTEGER PRIMARY KEY,
            visit_id INTEGER NOT NULL REFERENCES home_visit(id),
            item_no  INTEGER NOT NULL CHECK (item_no BETWEEN 1 AND 5),
            finding  TEXT CHECK (finding IN ('无异常', '有情况', '发现问题')),
            text     TEXT,
            UNIQUE (visit_id, item_no)
        );
        CREATE TABLE problem (
            id                    INTEGER PRIMARY KEY,
            number                TEXT NOT NULL UNIQUE,
            title                 TEXT NOT NULL,
            description           TEXT,
            source                TEXT NOT NULL CHECK (source IN ('走访', '12345热线', '居民来访', '网格巡查')),
            category              TEXT,
            severity              TEXT NOT NULL CHECK (severity IN ('一般', '重大', '复杂')),
            grid_id               INTEGER NOT NULL REFERENCES grid(id),
            household_id          INTEGER REFERENCES household(id),
            visit_item_id         INTEGER REFERENCES visit_item(id),
            reporter              TEXT,
            reporter_phone        TEXT,
            responsible_person_id INTEGER REFERENCES person(id),
            stage                 TEXT NOT NULL CHECK (stage IN ('发现', '研判', '分类', '处置', '反馈', '办结')),
            found_at              TEXT NOT NULL,
            deadline_at           TEXT NOT NULL,
            handled_at            TEXT,
            closed_at             TEXT,
            satisfaction          TEXT CHECK (satisfaction IN ('满意', '基本满意', '不满意')),
            created_at            TEXT NOT NULL,
            updated_at            TEXT NOT NULL
        );
        CREATE INDEX idx_problem_grid ON problem(grid_id);
        CREATE INDEX idx_problem_stage ON problem(stage, deadline_at);
        CREATE INDEX idx_problem_found ON problem(found_at);
        CREATE INDEX idx_problem_closed ON problem(closed_at);
        CREATE INDEX idx_problem_household ON problem(household_id);
        CREATE INDEX idx_problem_item ON problem(visit_item_id);
        CREATE TABLE problem_step (
            id         INTEGER PRIMARY KEY,
            problem_id INTEGER NOT NULL REFERENCES problem(id),
            stage      TEXT NOT NULL CHECK (stage IN ('发现', '研判', '分类', '处置', '反馈', '办结')),
            at         TEXT NOT NULL,
            person_id  INTEGER REFERENCES person(id),
            text       TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_problem_step_problem ON problem_step(problem_id, id);
        """
    )
    stamp = "2026-01-01T00:00:00"
    for order, name in enumerate(SEED_TAGS, start=1):
        db.execute("INSERT INTO special_tag (name, sort_order, created_at) VALUES (?, ?, ?)", [name, order, stamp])
