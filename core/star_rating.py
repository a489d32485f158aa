"""评星定级: each community organisation's yearly star rating and what it implies for pay and funding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core import audit, households, letters, orgs, settings
from core.clock import now_text
from core.db import Db
from core.errors import UserError, ValidationError

SOURCE_LABELS = {"score": "按责任书得分", "manual": "手工评定"}


@dataclass(frozen=True)
class StarRating:
    community_id: int
    community_name: str
    year: int
    stars: int
    source: str
    score: float | None
    reason: str
    rated_by: str
    rated_at: str

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


@dataclass(frozen=True)
class Implication:
    """What one community's rating means in money (yuan, integers)."""

    community_id: int
    community_name: str
    stars: int | None
    source: str | None
    pay_multiple: float | None
    monthly_base_pay: int | None  # per community worker: minimum wage × multiple
    service_fund: int | None  # yearly service-and-development fund
    households: int | None
    households_source: str
    office_funding: int | None  # yearly: the floor plus the band for the household count

    @property
    def total_funding(self) -> int | None:
        """Service fund plus office funding, when both are known."""
        if self.service_fund is None or self.office_funding is None:
            return None
        return self.service_fund + self.office_funding


@dataclass(frozen=True)
class ImplicationTable:
    year: int
    min_wage: int
    rows: tuple[Implication, ...]
    total_service_fund: int
    total_office_funding: int
    unrated: int  # communities without a rating
    missing_households: int  # communities without a household count

    @property
    def total_funding(self) -> int:
        return self.total_service_fund + self.total_office_funding


# Bands and arithmetic ----------------------------------------------------------------------------

def stars_for_score(score: float, bands: list[dict[str, Any]]) -> int:
    """The most stars whose minimum score the score reaches (bands from the star_bands setting)."""
    for band in sorted(bands, key=lambda b: -float(b["min_score"])):
        if score >= float(band["min_score"]):
            return int(band["stars"])
    return 1


def monthly_base_pay(stars: int, min_wage: int, star_table: dict[str, Any]) -> int:
    """Minimum wage × the star's multiple, rounded half up to whole yuan (no float money)."""
    multiple = Decimal(str(star_table[str(stars)]["pay_multiple"]))
    return int((multiple * Decimal(int(min_wage))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def service_fund(stars: int, star_table: dict[str, Any]) -> int:
    return int(star_table[str(stars)]["service_fund"])


def office_funding(households: int, funding: dict[str, Any]) -> int:
    """The yearly floor plus the amount of the first band whose upper bound (exclusive) exceeds the count."""
    for band in funding["bands"]:
        bound = band.get("below_households")
        if bound is None or households < int(bound):
            return int(funding["base"]) + int(band["amount"])
    return int(funding["base"])


# Household counts ---------------------------------------------------------------------------------

def household_count(db: Db, community_id: int) -> tuple[int | None, str]:
    """The community's resident households and where the number comes from.

    The office's typed figure (常住户数, an official statistic) wins; without one, the households
    entered in the visit ledger are counted; with neither the count is unknown.
    """
    row = db.execute("SELECT household_count FROM community_households WHERE community_id = ?", [community_id]).fetchone()
    if row is not None:
        return int(row[0]), "办公室录入"
    counted = households.count(db, community_id=community_id)
    if counted:
        return counted, "住户台账统计"
    return None, "未填写"


def set_household_count(db: Db, community_id: int, count: int | str | None) -> None:
    """Type the community's resident households (常住户数); None or '' clears it."""
    if orgs.get_unit(db, community_id).kind != "community":
        raise ValidationError("住户数只能为社区填写。", "community_id")
    existing = db.execute("SELECT id FROM community_households WHERE community_id = ?", [community_id]).fetchone()
    if count in (None, ""):
        if existing:
            audit.delete(db, "community_households", existing[0])
        return
    try:
        number = int(str(count).strip())
    except ValueError:
        raise ValidationError(f"住户数“{count}”不是整数。", "household_count") from None
    if not 0 <= number <= 1_000_000:
        raise ValidationError("住户数应在 0 到 1,000,000 之间。", "household_count")
    if existing:
        audit.update(db, "community_households", existing[0], {"household_count": number, "updated_at": now_text()})
    else:
        audit.insert(db, "community_households",
                     {"community_id": community_id, "household_count": number, "updated_at": now_text()})


# Ratings ----------------------------------------------------------------------------------------

_RATING_SQL = """SELECT r.community_id, o.name, r.year, r.stars, r.source, r.score, r.reason, r.rated_by, r.rated_at
                 FROM star_rating r JOIN org_unit o ON o.id = r.community_id"""


def ratings(db: Db, year: int) -> list[StarRating]:
    rows = db.execute(_RATING_SQL + " WHERE r.year = ? ORDER BY o.sort_order, o.id", [year]).fetchall()
    return [StarRating(*r) for r in rows]


def get_rating(db: Db, community_id: int, year: int) -> StarRating | None:
    row = db.execute(_RATING_SQL + " WHERE r.community_id = ? AND r.year = ?", [community_id, year]).fetchone()
    return StarRating(*row) if row else None


def _write(db: Db, community_id: int, year: int, stars: int, source: str, score: float | None, reason: str) -> None:
    row = {"stars": stars, "source": source, "score": score, "reason": reason,
           "rated_by": db.operator or "unknown", "rated_at": now_text()}
    existing = db.execute("SELECT id FROM star_rating WHERE community_id = ? AND year = ?", [community_id, year]).fetchone()
    if existing:
        audit.update(db, "star_rating", existing[0], row)
    else:
        audit.insert(db, "star_rating", {"community_id": community_id, "year": year, **row})


def rate_from_scores(db: Db, year: int, as_of: dt.date | None = None, overwrite_manual: bool = False) -> list[StarRating]:
    """Rate every community that has a letter for the year from its score; hand-set ratings stay unless told."""
    year_letters = letters.list_letters(db, year)
    if not year_letters:
        raise UserError(f"{year} 年还没有责任书，无法按得分评星。请先生成并签订责任书。")
    bands = settings.get(db, "star_bands")
    as_of = as_of or letters.default_as_of(year)
    with db.atomic():
        for letter in year_letters:
            current = get_rating(db, letter.community_id, year)
            if current and current.source == "manual" and not overwrite_manual:
                continue
            score = letters.letter_progress(db, letter.id, as_of).score
            _write(db, letter.community_id, year, stars_for_score(score, bands), "score", score,
                   f"按截至 {as_of.isoformat()} 的责任书得分 {letters.format_number(score)} 分评定")
    return ratings(db, year)


def set_manual_rating(db: Db, community_id: int, year: int, stars: int, reason: str) -> None:
    """Set a rating by hand; the reason is kept with it (who and when too)."""
    if orgs.get_unit(db, community_id).kind != "community":
        raise ValidationError("只能给社区党组织评星。", "community_id")
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        raise ValidationError("星级应为 1 到 5 的整数。", "stars") from None
    if not 1 <= stars <= 5:
        raise ValidationError("星级应为 1 到 5 星。", "stars")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("手工评定星级必须填写理由（例如考核组意见、一票否决事项）。", "reason")
    letter = letters.find_letter(db, community_id, year)
    score = letters.letter_progress(db, letter.id, letters.default_as_of(year)).score if letter else None
    _write(db, community_id, year, stars, "manual", score, reason)


def clear_rating(db: Db, community_id: int, year: int) -> None:
    existing = db.execute("SELECT id FROM star_rating WHERE community_id = ? AND year = ?", [community_id, year]).fetchone()
    if existing:
        audit.delete(db, "star_rating", existing[0])


def implications(db: Db, year: int) -> ImplicationTable:
    """Per community and in total: pay multiple, monthly base pay, service fund, office funding."""
    star_table = settings.get(db, "star_table")
    funding = settings.get(db, "office_funding")
    min_wage = int(settings.get(db, "min_wage"))
    by_community = {r.community_id: r for r in ratings(db, year)}
    rows = []
    for unit in orgs.list_units(db, kind="community"):
        rating = by_community.get(unit.id)
        households, source = household_count(db, unit.id)
        stars = rating.stars if rating else None
        rows.append(Implication(
            community_id=unit.id, community_name=unit.name, stars=stars,
            source=rating.source if rating else None,
            pay_multiple=float(star_table[str(stars)]["pay_multiple"]) if stars else None,
            monthly_base_pay=monthly_base_pay(stars, min_wage, star_table) if stars else None,
            service_fund=service_fund(stars, star_table) if stars else None,
            households=households, households_source=source,
            office_funding=office_funding(households, funding) if households is not None else None,
        ))
    return ImplicationTable(
        year=year, min_wage=min_wage, rows=tuple(rows),
        total_service_fund=sum(r.service_fund or 0 for r in rows),
        total_office_funding=sum(r.office_funding or 0 for r in rows),
        unrated=sum(1 for r in rows if r.stars is None),
        missing_households=sum(1 for r in rows if r.households is None),
    )
