"""The per-character pinyin path gives exactly what pypinyin gives for whole names."""

import random

from pypinyin import Style, lazy_pinyin

from core.demo import names
from core.pinyin import _syllables, name_keys


def test_fast_path_matches_pypinyin_on_many_names():
    rng = random.Random(3)
    given = names.GIVEN_MALE + names.GIVEN_FEMALE + "长乐重行朝解单曾华广和都会"
    samples = {rng.choice(names.SURNAMES) + "".join(rng.choice(given) for _ in range(rng.randint(1, 2)))
               for _ in range(5000)}
    samples |= {"张长江", "王重庆", "李行长", "赵朝阳", "刘乐乐", "陈建国", "欧阳华", "司马相如"}
    for name in samples:
        expected = tuple(s.lower() for s in lazy_pinyin(name, style=Style.NORMAL) if s.strip())
        assert _syllables(name) == expected, name


def test_name_keys_unchanged():
    assert name_keys("单丽") == ("shanli", "sl")
    assert name_keys("张三") == ("zhangsan", "zs")
    assert name_keys("王五") == ("wangwu", "ww")


def _reference_name_keys(name: str) -> tuple[str, str]:
    """name_keys by its definition: the surname table, then pypinyin over the whole rest of the name."""
    from core.pinyin import SURNAME_READINGS

    name = (name or "").strip()
    surname = next((name[:k] for k in (2, 1) if name[:k] in SURNAME_READINGS and len(name) > k), "")
    rest = name[len(surname):]
    syllables = SURNAME_READINGS.get(surname, ()) + tuple(
        s.lower() for s in lazy_pinyin(rest, style=Style.NORMAL) if s.strip())
    return "".join(syllables), "".join(s[0] for s in syllables if s[0].isalnum())


def test_name_keys_by_characters_match_pypinyin_and_the_surname_table():
    from core.pinyin import SURNAME_READINGS

    rng = random.Random(8)
    given = names.GIVEN_MALE + names.GIVEN_FEMALE + "长乐重行朝解单曾华广和都会区查朴仇"
    surnames = list(names.SURNAMES) + list(SURNAME_READINGS) + ["欧阳", "司马", "诸葛"]
    samples = {rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.randint(0, 3)))
               for _ in range(8000)}
    samples |= {"单", "单丽", "曾国藩", "解放", "仇", "查理", "区", "朴树", "长孙无忌", "尉迟恭", "万俟", "万俟卨",
                "张长江", "王重庆", "李行长", "赵朝阳", "刘乐乐", "阿依古丽·买买提", "Tom Lee", " 王五 ", "王 五",
                "李2", "", "𠮷野", "单单", "重重"}
    for name in samples:
        assert name_keys(name) == _reference_name_keys(name), name
    assert name_keys("单丽") == ("shanli", "sl") and name_keys("曾国藩")[0].startswith("zeng")
    assert name_keys("区丽")[0] == "ouli" and name_keys("朴树")[0] == "piaoshu" and name_keys("解放")[0] == "xiefang"
