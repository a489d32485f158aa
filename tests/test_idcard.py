"""ID numbers (GB 11643): valid and invalid examples, normalising, deriving, masking."""

import datetime as dt
import random

import pytest

from core import idcard
from core.errors import ValidationError

# Built with the standard's check rule; 11010519491231002X is the standard's own example.
VALID = [
    ("11010519491231002X", dt.date(1949, 12, 31), "女"),
    ("110101199003077733", dt.date(1990, 3, 7), "男"),
    ("640181200002290046", dt.date(2000, 2, 29), "女"),
]


def test_standard_example_is_valid():
    info = idcard.parse("11010519491231002X")
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "女"


@pytest.mark.parametrize("number,birth,gender", VALID)
def test_valid_numbers_give_birth_and_gender(number, birth, gender):
    first17 = number[:17]
    number = first17 + idcard.check_char(first17)
    info = idcard.parse(number)
    assert (info.birth_date, info.gender) == (birth, gender)


def test_fake_numbers_are_valid_and_agree():
    rng = random.Random(1)
    for gender in "男女":
        number = idcard.make_fake(rng, "640181", dt.date(1975, 6, 30), gender)
        info = idcard.parse(number)
        assert info.birth_date == dt.date(1975, 6, 30) and info.gender == gender


def test_lowercase_x_fullwidth_and_spaces_are_normalised():
    assert idcard.parse(" 11010519491231002x ").number == "11010519491231002X"
    assert idcard.parse("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"
    assert idcard.parse("110105 19491231 002X").number == "11010519491231002X"


@pytest.mark.parametrize("raw,words", [
    ("110105194912310021", "校验位"),          # wrong check character
    ("11010519491231002", "18 位"),            # too short
    ("1101051949123100211", "18 位"),          # too long
    ("11010519491331002X", "不是有效日期"),     # month 13
    ("99010519491231002X", "行政区划"),          # no such province
    ("1101051949123100AX", "数字"),             # letters inside
    ("", "不能为空"),
])
def test_invalid_numbers_say_why(raw, words):
    with pytest.raises(ValidationError) as err:
        idcard.parse(raw)
    assert words in str(err.value)
    assert err.value.field == "id_number"


def test_future_birth_date_refused():
    first17 = f"110105{dt.date.today().year + 1}0101001"
    with pytest.raises(ValidationError, match="不合理"):
        idcard.parse(first17 + idcard.check_char(first17))


def test_float_mangled_number_refused():
    with pytest.raises(ValidationError, match="丢失"):
        idcard.parse(4.10102198001011e17)
    with pytest.raises(ValidationError, match="科学计数法"):
        idcard.parse("4.10102198001011E+17")


def test_mismatch_names_both_values():
    info = idcard.parse("11010519491231002X")
    with pytest.raises(ValidationError) as err:
        idcard.check_agrees(info, dt.date(1950, 1, 1), None)
    assert "1950-01-01" in str(err.value) and "1949-12-31" in str(err.value)
    with pytest.raises(ValidationError, match="男.*女"):
        idcard.check_agrees(info, None, "男")


def test_masking():
    assert idcard.mask("11010519491231002X") == "110105********002X"
    assert idcard.mask_phone("13912345678") == "139****5678"


def _weighted_check_char(first17: str) -> str:
    """The standard's definition: the weighted sum of the 17 digits, mod 11."""
    return idcard.CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, idcard.WEIGHTS)) % 11]


def test_check_char_matches_the_standards_weighted_sum():
    rng = random.Random(11)
    samples = [f"{rng.randrange(10**17):017d}" for _ in range(20000)]
    samples += ["0" * 17, "9" * 17, "11010519491231002", "1" * 17] + [str(d) * 17 for d in range(10)]
    samples += [f"{10**k:017d}"[-17:] for k in range(17)]  # each weight alone
    for first17 in samples:
        assert idcard.check_char(first17) == _weighted_check_char(first17), first17
    assert idcard.check_char("11010519491231002") == "X"
