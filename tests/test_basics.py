"""Small core pieces: ID numbers, pinyin keys, phones, settings."""

import datetime as dt
import random

import pytest

from core import idcard, persons, settings
from core.errors import ValidationError
from core.pinyin import name_keys


@pytest.mark.parametrize("number, birth, gender", [
    ("110101198001010010", dt.date(1980, 1, 1), "男"),
    ("11010519491231002X", dt.date(1949, 12, 31), "女"),
    ("11010519491231002x", dt.date(1949, 12, 31), "女"),
    ("１１０１０５１９４９１２３１００２Ｘ", dt.date(1949, 12, 31), "女"),
    (" 110105 19491231 002X ", dt.date(1949, 12, 31), "女"),
])
def test_valid_id_numbers_give_birth_date_and_gender(number, birth, gender):
    info = idcard.parse(number)
    assert (info.birth_date, info.gender) == (birth, gender)
    assert len(info.number) == 18 and info.number.upper() == info.number


@pytest.mark.parametrize("raw, fragment", [
    ("110101198001010011", "校验位不对"),
    ("11010119800101001", "18 位"),
    ("110101198002300013", "不是有效日期"),
    ("990101198001010012", "行政区划"),
    ("11010119800101001A", "只能由数字"),
    (4.10102198001011e17, "存成了数字"),
    ("4.10102198001011E+17", "科学计数法"),
    (110101198001010010, "存成了数字"),
])
def test_invalid_id_numbers_say_which_rule(raw, fragment):
    with pytest.raises(ValidationError, match=fragment):
        idcard.parse(raw)


def test_fake_numbers_are_valid_and_agree_with_birth_and_gender():
    rng = random.Random(3)
    for gender in ("男", "女"):
        number = idcard.make_fake(rng, "640181", dt.date(1975, 2, 28), gender)
        info = idcard.parse(number)
        assert info.gender == gender and info.birth_date == dt.date(1975, 2, 28)


def test_masking_keeps_region_and_last_four():
    assert idcard.mask("11010519491231002X") == "110105********002X"
    assert idcard.mask_phone("13912345678") == "139****5678"


def test_mismatched_birth_date_names_both_values():
    with pytest.raises(ValidationError) as info:
        persons.validate({"name": "张三", "id_number": "110101198001010010", "birth_date": "1981-01-01"})
    assert "1981-01-01" in str(info.value) and "1980-01-01" in str(info.value)
    with pytest.raises(ValidationError, match="性别"):
        persons.validate({"name": "张三", "id_number": "110101198001010010", "gender": "女"})


@pytest.mark.parametrize("name, full, initials", [
    ("张三", "zhangsan", "zs"), ("单丽", "shanli", "sl"), ("曾国强", "zengguoqiang", "zgq"),
    ("解放", "xiefang", "xf"), ("仇明", "qiuming", "qm"), ("查文", "zhawen", "zw"), ("区志", "ouzhi", "oz"),
    ("朴英", "piaoying", "py"), ("尉迟敬", "yuchijing", "ycj"), ("单", "dan", "d"),
])
def test_pinyin_keys_read_surnames_right(name, full, initials):
    assert name_keys(name) == (full, initials)


@pytest.mark.parametrize("raw, clean", [
    ("139 1234 5678", "13912345678"), ("+8613912345678", "13912345678"), (13912345678.0, "13912345678"),
    ("0951-5012345", "0951-5012345"), ("", None),
])
def test_phone_numbers_are_cleaned(raw, clean):
    assert persons.clean_phone(raw) == clean


def test_bad_phone_is_refused():
    with pytest.raises(ValidationError, match="11 位"):
        persons.clean_phone("1391234")


def test_settings_defaults_overrides_and_validation(db):
    assert settings.get(db, "min_wage") == 1950
    assert settings.get(db, "star_table")["3"] == {"pay_multiple": 2.3, "service_fund": 160000}
    settings.set_value(db, "min_wage", 2050)
    assert settings.get(db, "min_wage") == 2050
    table = settings.get(db, "star_table")
    table["5"]["pay_multiple"] = 1.0
    with pytest.raises(ValidationError, match="星级越高"):
        settings.save_many(db, {"min_wage": 2100, "star_table": table})
    assert settings.get(db, "min_wage") == 2050  # nothing of the refused save was written
