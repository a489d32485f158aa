"""Pinyin search keys for names: full pinyin and initials, with surnames pypinyin misreads corrected."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

# Surnames read differently from the common word, which is what pypinyin reads.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan",), "曾": ("zeng",), "解": ("xie",), "仇": ("qiu",), "查": ("zha",),
    "区": ("ou",), "朴": ("piao",), "盖": ("ge",), "覃": ("qin",), "乐": ("yue",),
    "缪": ("miao",), "种": ("chong",), "员": ("yun",), "翟": ("zhai",), "秘": ("bi",),
    "繁": ("po",), "尉": ("yu",), "折": ("she",), "召": ("shao",), "任": ("ren",),
    "华": ("hua",), "过": ("guo",), "长孙": ("zhang", "sun"), "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
}
_LONGEST_SURNAME = max(map(len, SURNAME_READINGS))


@lru_cache(maxsize=20_000)
def _char_syllables(char: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin  # imported on first use: it takes ~0.1 s to load its dictionary

    return tuple(s.lower() for s in lazy_pinyin(char, style=Style.NORMAL) if s.strip())


_PHRASES: dict | None = None
_SHORT_HAN = re.compile("[\u4e00-\u9fff]{1,4}")


def _in_phrase_dictionary(text: str) -> bool:
    global _PHRASES
    if _PHRASES is None:
        from pypinyin.constants import PHRASES_DICT

        _PHRASES = PHRASES_DICT
    parts = [text[i:j] for i in range(len(text)) for j in range(i + 2, len(text) + 1)]
    return not _PHRASES.keys().isdisjoint(parts)


@lru_cache(maxsize=200_000)
def _syllables(text: str) -> tuple[str, ...]:
    # Most names contain no dictionary phrase: pypinyin then reads them character by character, so
    # per-character results (cached) are the same and bulk imports stay fast. Phrases go the long way.
    if _SHORT_HAN.fullmatch(text) and not _in_phrase_dictionary(text):
        return tuple(chain.from_iterable(map(_char_syllables, text)))
    from pypinyin import Style, lazy_pinyin

    return tuple(s.lower() for s in lazy_pinyin(text, style=Style.NORMAL) if s.strip())


@lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a person's name, e.g. 单丽 -> ("shanli", "sl")."""
    name = (name or "").strip()
    surname = next((name[:k] for k in range(_LONGEST_SURNAME, 0, -1)
                    if name[:k] in SURNAME_READINGS and len(name) > k), "")
    syllables = SURNAME_READINGS.get(surname, ()) + _syllables(name[len(surname):])
    return "".join(syllables), "".join(s[0] for s in syllables if s[0].isalnum())
