"""Topics by rule: `[topics.rules]` in bulletin.toml maps a topic to keywords.

An item with no topics of its own gets every topic one of whose keywords occurs
in it as a whole word. How text and keywords are compared (both sides go
through the same `canonical_text`):

- Unicode NFC, so decomposed text (from some word processors) matches;
- case-insensitive (`str.casefold`: "Giáo Viên" = "giáo viên", "Đ" = "đ");
- diacritics significant: "ma" (ghost) and "mà" (but) are different words, as
  are "đất" and "dat", so "ma túy" never matches the word "mà";
- the two spellings of tone placement are one: "hòa" = "hoà", "thủy" = "thuỷ",
  "khỏe" = "khoẻ" (portals use both, often in one page);
- any run of whitespace is one space, and spaces around a dash don't matter
  ("kinh tế - xã hội" = "kinh tế -xã hội" = "kinh tế–xã hội");
- whole words: a keyword never matches inside a longer word ("y tế" does not
  match in "quy tế"), with Unicode word characters (letters with diacritics
  are letters).

All keywords are compiled into ONE regex shaped as a trie, so matching costs
about one pass over the text however many rules there are: it runs on every
item of every build. Keywords nested in others are all found ("nông thôn" and
"nông thôn mới" both match "xây dựng nông thôn mới").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"  # all become "-"


def _tone_table() -> dict[str, str]:
    """'oà' -> 'òa' etc.: the new-style tone placement mapped to the old style."""
    table = {}
    marks = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for mark in marks:
            new_style = first + unicodedata.normalize("NFC", second + mark)
            old_style = unicodedata.normalize("NFC", first + mark) + second
            table[new_style] = old_style
    return table


_TONES = _tone_table()
_TONE_RE = re.compile("(?:" + "|".join(_TONES) + r")(?!\w)")


def canonical_text(text: str) -> str:
    """The form both text and keywords are compared in (see the module docstring)."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = " ".join(text.casefold().split())
    for dash in _DASHES:
        if dash in text:
            text = text.replace(dash, "-")
    text = text.replace(" -", "-").replace("- ", "-")
    return _TONE_RE.sub(_old_style_tone, text)


def _old_style_tone(match: re.Match[str]) -> str:
    return _TONES[match.group()]


class TopicRules:
    """Keywords -> topics, matched in one regex pass. `match` keeps config order."""

    def __init__(self, rules: Mapping[str, Iterable[str]]):
        self.topics: tuple[str, ...] = tuple(rules)
        topics_of: dict[str, set[int]] = {}
        for index, (_topic, keywords) in enumerate(rules.items()):
            for keyword in keywords:
                key = canonical_text(keyword).strip()
                if key:
                    topics_of.setdefault(key, set()).add(index)
        # A keyword matched at a position also stands for every shorter keyword
        # that is a whole-word prefix of it (the regex reports only the longest).
        self._topics_of: dict[str, tuple[int, ...]] = {}
        for key in topics_of:
            found = set(topics_of[key])
            for other, indexes in topics_of.items():
                if other != key and key.startswith(other) and not _is_word_char(key[len(other)]):
                    found |= indexes
            self._topics_of[key] = tuple(sorted(found))
        self._regex = _compile(topics_of) if topics_of else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def match(self, text: str) -> list[str]:
        """Every topic whose keywords occur in `text` as whole words, in config order."""
        if self._regex is None or not text:
            return []
        found: set[int] = set()
        topics_of = self._topics_of
        text = canonical_text(text)
        search = self._regex.search
        match = search(text)
        while match:
            found.update(topics_of[match.group()])
            match = search(text, match.start() + 1)
        return [self.topics[index] for index in sorted(found)]


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _compile(keywords: Iterable[str]) -> re.Pattern[str]:
    """The longest keyword starting at a position. Word-start assertions come
    after each keyword's first character, so the pattern starts with a plain
    character set and the regex engine skips quickly to candidate positions."""
    trie: dict = {}
    for keyword in keywords:
        node = trie
        for char in keyword:
            node = node.setdefault(char, {})
        node[""] = True
    return re.compile(_trie_pattern(trie, None))


def _trie_pattern(node: dict, previous: str | None) -> str:
    """Regex for a trie node, longest alternatives first; a keyword edge that is a
    word character gets a word-boundary assertion."""
    branches = []
    for char in sorted((c for c in node if c), reverse=True):
        lead = re.escape(char)
        if previous is None and _is_word_char(char):
            lead += r"(?<!\w.)"  # no word character before the keyword
        branches.append(lead + _trie_pattern(node[char], char))
    if "" in node:
        end = r"(?!\w)" if previous is not None and _is_word_char(previous) else ""
        branches.append(end)
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"
