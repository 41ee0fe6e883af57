"""Vietnamese-correct slugs and alphabetical order.

Python-Markdown's toc slugify drops `đ` ("Quyết định" → "quyet-inh"); we use
python-slugify, whose transliteration maps đ/Đ to d/D, and we cut long slugs at
a word boundary so URLs stay readable.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from slugify import slugify as _slugify

MAX_SLUG_LENGTH = 80


@lru_cache(maxsize=65536)
def slugify(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """`Đất đai` → `dat-dai`; lowercase ASCII words joined by hyphens ("" if nothing is left)."""
    return _slugify(text, max_length=max_length, word_boundary=True, save_order=True)


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


def vietnamese_sort_key(text: str) -> tuple:
    """Sort key for Vietnamese alphabetical order: letters first, then tones, then case."""
    primary: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for ch in unicodedata.normalize("NFC", text):
        lower = ch.lower()
        base, tone = _split_letter(lower)
        if base in _LETTER_RANK:
            primary.append(100 + _LETTER_RANK[base] * 2)
        elif base in _FOREIGN:
            anchor = _FOREIGN[base][0]
            primary.append(100 + _LETTER_RANK[anchor] * 2 + 1)
        elif base.isdigit():
            primary.append(50 + int(base) if base.isascii() else 60)
        elif base.isspace() or not base.isalnum():
            primary.append(1)  # spaces and punctuation sort before letters ("an ninh" < "anh")
        else:
            primary.append(1000 + ord(base))
        tones.append(tone)
        cases.append(0 if ch == lower else 1)
    return tuple(primary), tuple(tones), tuple(cases), text
