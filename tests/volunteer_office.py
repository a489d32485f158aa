"""A small office (street, two communities, a branch) for the volunteer tests."""

from __future__ import annotations

from core import members, orgs, persons
from core import volunteers as vol
from core.volunteers import ActivityInput, ParticipantInput


class Office:
    """A street with two communities, a branch and a few people, for the tests below."""

    def __init__(self, db):
        self.db = db
        self.street = orgs.create_unit(db, "street", "测试街道党工委")
        self.community = orgs.create_unit(db, "community", "西湖社区党委", self.street)
        self.other_community = orgs.create_unit(db, "community", "鼓楼社区党委", self.street)
        self.branch = orgs.create_unit(db, "branch", "西湖社区党支部", self.community)

    def member(self, name: str, person_type: str = "在职", work_unit: str = "市人民医院") -> int:
        return members.create(self.db, {"name": name, "phone": "13900000000"},
                              {"branch_id": self.branch, "category": "正式党员", "person_type": person_type,
                               "join_date": "2000-07-01", "full_date": "2001-07-01", "work_unit": work_unit})

    def person_of(self, member_id: int) -> int:
        return members.get(self.db, member_id).person_id

    def resident(self, name: str) -> int:
        return persons.create(self.db, name=name, phone="13800000000")

    def team(self, name: str = "学雷锋志愿服务队", kind: str = "学雷锋", community: int | None = None) -> int:
        return vol.create_team(self.db, community or self.community, name, kind)

    def activity(self, day: str, start: str, end: str, people: list, teams: tuple = (), community=None, units=(),
                 content: str = "清扫楼道") -> int:
        parts = tuple(p if isinstance(p, ParticipantInput) else ParticipantInput(p) for p in people)
        return vol.record_activity(self.db, ActivityInput(community or self.community, day, start, end, content,
                                                          "小区广场", tuple(teams), tuple(units), parts))
