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
