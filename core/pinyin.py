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
_SURNAME_LENGTHS = sorted(set(map(len, SURNAME_READINGS)), reverse=True)  # the longest surname first


@lru_cache(maxsize=20_000)
def _char_syllables(char: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin  # imported on first use: it takes ~0.1 s to load its dictionary

    return tuple(s.lower() for s in lazy_pinyin(char, style=Style.NORMAL) if s.strip())


_PHRASES: dict | None = None
_SHORT_HAN = re.compile("[\u4e00-\u9fff]{1,4}")


def _in_phrase_dictionary(text: str) -> bool:
    """Whether some part of two or more characters is a phrase pypinyin reads as a whole."""
    global _PHRASES
    if len(text) < 2:
        return False
    if _PHRASES is None:
        from pypinyin.constants import PHRASES_DICT

        _PHRASES = PHRASES_DICT
    phrases = _PHRASES
    if len(text) == 2:  # most given names, and the whole of most names
        return text in phrases
    if len(text) == 3:
        return text[:2] in phrases or text[1:] in phrases or text in phrases
    return any(text[i:j] in phrases for i in range(len(text)) for j in range(i + 2, len(text) + 1))


@lru_cache(maxsize=200_000)
def _syllables(text: str) -> tuple[str, ...]:
    # Most names contain no dictionary phrase: pypinyin then reads them character by character, so
    # per-character results (cached) are the same and bulk imports stay fast. Phrases go the long way.
    if _SHORT_HAN.fullmatch(text) and not _in_phrase_dictionary(text):
        return tuple(chain.from_iterable(map(_char_syllables, text)))
    from pypinyin import Style, lazy_pinyin

    return tuple(s.lower() for s in lazy_pinyin(text, style=Style.NORMAL) if s.strip())


def _keys(syllables: tuple[str, ...]) -> tuple[str, str]:
    return "".join(syllables), "".join(s[0] for s in syllables if s[0].isalnum())


# (full, initials) of one character read alone: names share characters, so a 100,000-name import looks
# up a few thousand characters and joins their keys instead of joining syllables per name.
_CHAR_KEYS: dict[str, tuple[str, str]] = {}
_SURNAME_KEYS = {surname: _keys(readings) for surname, readings in SURNAME_READINGS.items()}


def _char_keys(char: str) -> tuple[str, str]:
    found = _CHAR_KEYS.get(char)
    if found is None:
        found = _CHAR_KEYS[char] = _keys(_char_syllables(char))
    return found


def _text_keys(text: str) -> tuple[str, str]:
    """What _keys(_syllables(text)) gives, by characters where pypinyin reads them one by one."""
    if _SHORT_HAN.fullmatch(text) and not _in_phrase_dictionary(text):
        if len(text) == 1:
            return _CHAR_KEYS.get(text) or _char_keys(text)
        keys = [_CHAR_KEYS.get(c) or _char_keys(c) for c in text]
        return "".join([k[0] for k in keys]), "".join([k[1] for k in keys])
    return _keys(_syllables(text))


@lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a person's name, e.g. 单丽 -> ("shanli", "sl")."""
    name = (name or "").strip()
    surname = ""
    for k in _SURNAME_LENGTHS:
        if len(name) > k and name[:k] in SURNAME_READINGS:
            surname = name[:k]
            break
    if not surname:
        return _text_keys(name)
    full, initials = _text_keys(name[len(surname):])
    surname_full, surname_initials = _SURNAME_KEYS[surname]
    return surname_full + full, surname_initials + initials
