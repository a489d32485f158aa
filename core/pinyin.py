"""Pinyin search keys for names: full pinyin and initials, with surnames pypinyin misreads corrected."""

from __future__ import annotations

from functools import lru_cache

# Surnames read differently from the common word, which is what pypinyin reads.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan",), "曾": ("zeng",), "解": ("xie",), "仇": ("qiu",), "查": ("zha",),
    "区": ("ou",), "朴": ("piao",), "盖": ("ge",), "覃": ("qin",), "乐": ("yue",),
    "缪": ("miao",), "种": ("chong",), "员": ("yun",), "翟": ("zhai",), "秘": ("bi",),
    "繁": ("po",), "尉": ("yu",), "折": ("she",), "召": ("shao",), "任": ("ren",),
    "华": ("hua",), "过": ("guo",), "长孙": ("zhang", "sun"), "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
}
_BY_LENGTH = sorted(SURNAME_READINGS, key=len, reverse=True)


@lru_cache(maxsize=20_000)
def _char_syllables(char: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin  # imported on first use: it takes ~0.1 s to load its dictionary

    return tuple(s.lower() for s in lazy_pinyin(char, style=Style.NORMAL) if s.strip())


def _in_phrase_dictionary(text: str) -> bool:
    from pypinyin.constants import PHRASES_DICT

    return any(text[i:j] in PHRASES_DICT for i in range(len(text)) for j in range(i + 2, len(text) + 1))


@lru_cache(maxsize=200_000)
def _syllables(text: str) -> tuple[str, ...]:
    # Most names contain no dictionary phrase: pypinyin then reads them character by character, so
    # per-character results (cached) are the same and bulk imports stay fast. Phrases go the long way.
    if len(text) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in text) and not _in_phrase_dictionary(text):
        return tuple(s for c in text for s in _char_syllables(c))
    from pypinyin import Style, lazy_pinyin

    return tuple(s.lower() for s in lazy_pinyin(text, style=Style.NORMAL) if s.strip())


@lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a person's name, e.g. 单丽 -> ("shanli", "sl")."""
    name = (name or "").strip()
    surname = next((s for s in _BY_LENGTH if name.startswith(s) and len(name) > len(s)), "")
    syllables = SURNAME_READINGS.get(surname, ()) + _syllables(name[len(surname):])
    return "".join(syllables), "".join(s[0] for s in syllables if s[0].isalnum())
