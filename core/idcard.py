"""The resident ID number (GB 11643): normalising, validating, deriving birth date and gender, masking."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

from core.errors import ValidationError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")
_FLOAT_FORM = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
# The first two digits name a province-level region (GB/T 2260).
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83", "91",
}


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    gender: str  # 男 / 女


def check_char(first17: str) -> str:
    """The check character of 17 digits. The weights are 2^(17-i) mod 11 and 13 ≡ 2 (mod 11), so the
    weighted sum is 2 × (the digits read in base 13) mod 11: one int() in C instead of 17 products."""
    return CHECK_CHARS[2 * int(first17, 13) % 11]


def normalize(raw: object) -> str:
    """Undo what Excel and typing do to ID numbers that can be undone; never guess lost digits.

    Raises ValidationError for a number Excel stored as a float (its last digits are gone).
    """
    if raw is None:
        return ""
    if isinstance(raw, float):
        raise ValidationError(
            f"身份证号被 Excel 存成了数字（{raw:.15g}），末尾几位已经丢失。请在 Excel 中把该列设为“文本”后重新录入原号码。",
            "id_number",
        )
    if isinstance(raw, int):
        text = str(raw)
        if len(text) >= 16:
            # An int of this size came from a numeric cell: digits past the 15th are unreliable.
            raise ValidationError(
                f"身份证号被 Excel 存成了数字（{text}），末尾几位可能已经丢失。请把该列设为“文本”后重新录入原号码。",
                "id_number",
            )
    text = str(raw).translate(_FULLWIDTH)
    text = re.sub(r"[\s\u3000'‘’`]", "", text).upper()
    if _FLOAT_FORM.match(text):
        raise ValidationError(
            f"身份证号是科学计数法形式（{text}），说明 Excel 把它当成了数字，末尾几位已经丢失。请把该列设为“文本”后重新录入原号码。",
            "id_number",
        )
    return text


def parse(raw: object) -> IdInfo:
    """Validate an 18-character ID number; the message says exactly which rule it breaks."""
    number = normalize(raw)
    if not number:
        raise ValidationError("身份证号不能为空。", "id_number")
    if len(number) != 18:
        raise ValidationError(f"身份证号应为 18 位，现在是 {len(number)} 位（{number}）。", "id_number")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(f"身份证号只能由数字组成，最后一位可以是 X（{number}）。", "id_number")
    if number[:2] not in _PROVINCES:
        raise ValidationError(f"身份证号前两位 {number[:2]} 不是有效的省级行政区划代码。", "id_number")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(f"身份证号中的出生日期 {number[6:14]} 不是有效日期。", "id_number") from None
    if birth.year < 1900 or birth > dt.date.today():
        raise ValidationError(f"身份证号中的出生日期 {birth.isoformat()} 不合理。", "id_number")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            f"身份证号校验位不对：最后一位应为 {expected}，实际是 {number[17]}。请核对号码是否录错。",
            "id_number",
        )
    gender = "男" if int(number[16]) % 2 == 1 else "女"
    return IdInfo(number, birth, gender)


def check_agrees(info: IdInfo, birth_date: dt.date | None, gender: str | None) -> None:
    """Refuse a record whose birth date or gender contradicts its ID number, naming both values."""
    if birth_date is not None and birth_date != info.birth_date:
        raise ValidationError(
            f"出生日期 {birth_date.isoformat()} 与身份证号中的 {info.birth_date.isoformat()} 不一致。",
            "birth_date",
        )
    if gender and gender != info.gender:
        raise ValidationError(f"性别“{gender}”与身份证号表示的“{info.gender}”不一致。", "gender")


def mask(number: str | None) -> str:
    """110101********123X: region and last four only."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def make_fake(rng: random.Random, region: str, birth: dt.date, gender: str) -> str:
    """A checksum-valid, synthetic ID number for demo and test data."""
    seq = rng.randrange(0, 500) * 2 + (1 if gender == "男" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
