"""Vietnamese folding and tokenising, shared by the index builder and search.js.

A *token* is a maximal run of letters and digits (Unicode categories L* and N*)
in the NFC text: "2610/QĐ-UBND" gives "2610", "QĐ", "UBND". Its *variant* is the
token lowercased ("qđ"): the exact spelling, diacritics kept. Its *term* is the
variant folded: decomposed (NFD), every nonspacing mark (category Mn) dropped and
đ written d ("qd"); a number loses its leading zeros ("05" → "5", as document
numbers and dates are written either way). Matching uses terms, so "nong thon
moi" finds "nông thôn mới" and "d" finds "đ"; ranking prefers variants equal to
what the reader typed.

search.js implements the same four functions (`tokens`, `variant`, `fold`, `term`)
with `/[\\p{L}\\p{N}]+/gu`, `toLowerCase()`, `normalize("NFD")` and
`/\\p{Mn}/gu`; tests/test_search_browser.py runs both on the same strings.
Python's `[^\\W_]` is exactly L* ∪ N* (checked over all code points for the
Unicode version Python ships); the engines can differ only on characters newer
than the older of the two Unicode databases.
"""

from __future__ import annotations

import re
import unicodedata

TOKEN = re.compile(r"[^\W_]+")


class _StripTable(dict):
    """`str.translate`'s table: nonspacing marks dropped, đ → d, everything else kept.
    Filled as characters are met (a table of every code point took 0.4 s to make)."""

    def __missing__(self, cp: int) -> int | None:
        value = None if unicodedata.category(chr(cp)) == "Mn" else cp
        self[cp] = value
        return value


_STRIP = _StripTable({ord("đ"): ord("d")})


def variant(token: str) -> str:
    """The exact spelling that ranks first: lowercase, NFC."""
    return unicodedata.normalize("NFC", token.lower())


_FOLDED: dict[str, str] = {}


def fold(text: str) -> str:
    """Lowercase, NFD, drop nonspacing marks, đ → d: "Quyết Định" → "quyet dinh"."""
    folded = _FOLDED.get(text)
    if folded is None:
        folded = unicodedata.normalize("NFD", text.lower()).translate(_STRIP)
        if len(text) <= 64 and len(_FOLDED) < 200_000:
            _FOLDED[text] = folded
    return folded


def term(token: str) -> str:
    """The folded form a token is matched on: fold, and "0042" → "42"."""
    folded = fold(token)
    if folded.isascii() and folded.isdigit():
        return folded.lstrip("0") or "0"
    return folded


def tokens(text: str) -> list[str]:
    """The tokens of `text` as written (NFC), in order."""
    return TOKEN.findall(unicodedata.normalize("NFC", text))


def terms(text: str) -> list[str]:
    """The folded terms of `text`, in order (what a query is matched on)."""
    return [term(t) for t in tokens(text)]
