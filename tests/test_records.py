"""Whether an area has records yet."""

import pytest

from core import records
from core.office_setup import OfficeSetup, create_office


def test_a_new_office_has_no_records_and_the_demo_has_all(db, demo_db):
    create_office(db, OfficeSetup("城东街道党工委", "street", ["东湖社区"]))
    for area in records.AREA_TABLES:
        assert not records.has_any(db, area), area
        assert records.has_any(demo_db, area), area


def test_unknown_area_is_a_programming_error(db):
    with pytest.raises(KeyError):
        records.has_any(db, "member; DROP TABLE member")
