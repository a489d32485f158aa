"""First run: create an office's organisation tree and settings from what the user typed, in one go."""

from __future__ import annotations

from dataclasses import dataclass, field

from core import clock, orgs, settings
from core.db import Db
from core.errors import ValidationError


@dataclass(frozen=True)
class OfficeSetup:
    office_name: str
    level: str  # "street" or "community"
    communities: list[str] = field(default_factory=list)  # street level: the communities under it
    branch_per_community: bool = True  # one 党支部 named after each community
    direct_branches: list[str] = field(default_factory=list)  # branches directly under the office
    grids_per_community: int = 0
    min_wage: int = 1950


def clean_lines(text: str) -> list[str]:
    """Names typed one per line (or separated by 、，,；;), blanks and repeats dropped, order kept."""
    seen: list[str] = []
    for part in text.replace("、", "\n").replace("，", "\n").replace(",", "\n").replace("；", "\n").replace(";", "\n").splitlines():
        name = part.strip()
        if name and name not in seen:
            seen.append(name)
    return seen


def community_unit_name(name: str) -> str:
    return name if name.endswith(("党委", "党总支", "党支部")) else f"{name}党委"


def branch_name_for(community: str) -> str:
    base = community.removesuffix("党委").removesuffix("党总支")
    return base if base.endswith("党支部") else f"{base}党支部"


def create_office(db: Db, setup: OfficeSetup) -> int:
    """Build the tree and store the settings; refuses a database that already has an office."""
    if orgs.list_units(db):
        raise ValidationError("这个数据库里已经建立了组织，不能再次初始化。")
    name = setup.office_name.strip()
    if not name:
        raise ValidationError("请填写单位名称，例如“城区街道党工委”。", "office_name")
    if setup.level not in ("street", "community"):
        raise ValidationError("单位层级只能是街道或社区。", "level")
    if setup.level == "street" and not setup.communities and not setup.direct_branches:
        raise ValidationError("请至少填写一个社区或一个直属党支部。", "communities")
    if not 0 < setup.min_wage < 100_000:
        raise ValidationError("请填写当地最低工资标准（元/月）。", "min_wage")
    if not 0 <= setup.grids_per_community <= 50:
        raise ValidationError("每个社区的网格数应在 0 到 50 之间。", "grids_per_community")
    with db.atomic():
        # Meetings due before the office began using the program are not its overdue ones.
        settings.save_many(db, {"office_name": name, "office_level": setup.level, "min_wage": setup.min_wage,
                                "records_start": clock.today().isoformat()})
        if setup.level == "street":
            root = orgs.create_unit(db, "street", name)
            communities = [orgs.create_unit(db, "community", community_unit_name(c), root) for c in setup.communities]
        else:
            root = orgs.create_unit(db, "community", community_unit_name(name), None)
            communities = [root]
        for community_id in communities:
            unit = orgs.get_unit(db, community_id)
            if setup.branch_per_community:
                orgs.create_unit(db, "branch", branch_name_for(unit.name), community_id)
            for n in range(1, setup.grids_per_community + 1):
                orgs.create_grid(db, community_id, f"第{n}网格")
        for branch in setup.direct_branches:
            orgs.create_unit(db, "branch", branch, root)
    return root
