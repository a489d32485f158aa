"""A small office (one community, branch, group, grid, 30 members) for the safety tests.

The demo office is ~80 MB once every area's demo data is in; the backup, restore and import
tests copy their database many times, so they use this one instead.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import pytest

from core import idcard, members, orgs
from core.db import open_db

OFFICE_MEMBERS = 30


def build_small_office(path: Path, count: int = OFFICE_MEMBERS) -> Path:
    db = open_db(path, operator="建库")
    try:
        rng = random.Random(8)
        street = orgs.create_unit(db, "street", "城区街道党工委")
        community = orgs.create_unit(db, "community", "西湖社区党委", street)
        branch = orgs.create_unit(db, "branch", "西湖社区党支部", community)
        group = orgs.create_unit(db, "party_group", "第一党小组", branch)
        grid = orgs.create_grid(db, community, "第一网格")
        with db.atomic():
            for n in range(count):
                gender = "男" if n % 2 else "女"
                birth = dt.date(1950 + n, 1 + n % 12, 1 + n % 28)
                members.create(db, {"name": f"党员{n}", "id_number": idcard.make_fake(rng, "640181", birth, gender),
                                    "phone": f"139{n:08d}", "address": f"西湖小区{n}号楼"},
                               {"branch_id": branch, "party_group_id": group, "grid_id": grid,
                                "join_date": dt.date(birth.year + 25, 7, 1).isoformat(),
                                "full_date": dt.date(birth.year + 26, 7, 1).isoformat()})
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return path


@pytest.fixture(scope="session")
def office_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_office(tmp_path_factory.mktemp("office") / "office.db")


@pytest.fixture
def office_db(office_template: Path, tmp_path: Path):
    path = tmp_path / "office.db"
    shutil.copy(office_template, path)
    database = open_db(path, operator="测试员")
    yield database
    database.close()
