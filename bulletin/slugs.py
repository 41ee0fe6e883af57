"""Vietnamese-correct slugs and alphabetical order.

Python-Markdown's toc slugify drops `đ` ("Quyết định" → "quyet-inh"); we use
python-slugify, whose transliteration maps đ/Đ to d/D, and we cut long slugs at
a word boundary so URLs stay readable.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from slugify import slugify as _slugify

MAX_SLUG_LENGTH = 80


@lru_cache(maxsize=65536)
def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """`Đất đai` → `dat-dai`; lowercase ASCII words joined by hyphens ("" if nothing is left)."""
    return _slugify(text, max_length=max_length, word_boundary=True, save_order=True)


def distinct_slugs(names: Iterable[str]) -> tuple[str, ...]:
    """The slugs of these names, each once, in order; names with no slug left out (a list of
    topics written by an author: "Y tế, y tế" is one topic)."""
    return tuple(dict.fromkeys(slug for slug in map(slugify, names) if slug))


class UniqueSlugs:
    """Hands out slugs unique within one scope (the anchors of one digest): `x`, `x-2`, `x-3`."""

    def __init__(self, taken: set[str] | None = None):
        self._taken: set[str] = set(taken or ())

    def claim(self, text: str, fallback: str = "muc") -> str:
        base = slugify(text) or fallback
        slug, n = base, 2
        while slug in self._taken:
            slug, n = f"{base}-{n}", n + 1
        self._taken.add(slug)
        return slug


# The Vietnamese alphabet: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y.
# Letters outside it (f, j, w, z, digits) keep their Unicode order among them.
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
_FOREIGN = {"f": "e~", "j": "i~", "w": "v~", "z": "y~"}  # after the nearest Vietnamese letter
# Tone marks, in the order Vietnamese dictionaries use: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)


def _split_letter(ch: str) -> tuple[str, int]:
    """Return (base letter with its letter-forming marks, tone rank)."""
    decomposed = unicodedata.normalize("NFD", ch)
    tone = 0
    kept = []
    for part in decomposed:
        if part in _TONES:
            tone = _TONES[part]
        else:
            kept.append(part)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _letter_rank(base: str) -> int | None:
    if base in _LETTER_RANK:
        return 100 + _LETTER_RANK[base] * 2
    if base in _FOREIGN:
        return 100 + _LETTER_RANK[_FOREIGN[base][0]] * 2 + 1
    if base.isdigit():
        return 50 + int(base) if base.isascii() else 60
    if base.isalnum():
        return 1000 + ord(base)
    return None  # a space or punctuation: ends a syllable


def vietnamese_sort_key(text: str) -> tuple:
    """Sort key for Vietnamese dictionary order: syllable by syllable, each by its
    letters (a ă â b c d đ e ê …) and then its tone, so "Giao thông" < "Giáo dục";
    case decides last."""
    syllables: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    letters: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for ch in unicodedata.normalize("NFC", text):
        lower = ch.lower()
        base, tone = _split_letter(lower)
        rank = _letter_rank(base)
        if rank is None:
            if letters:
                syllables.append((tuple(letters), tuple(tones)))
                letters, tones = [], []
            continue
        letters.append(rank)
        tones.append(tone)
        cases.append(0 if ch == lower else 1)
    if letters:
        syllables.append((tuple(letters), tuple(tones)))
    return tuple(syllables), tuple(cases), text
