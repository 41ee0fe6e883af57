"""What each search document is found by, tokenised many documents at a time.

A document has head texts (an item's heading; a decision's label and codes) and body
texts. It is found by the variants of its tokens (fold.py), per field: those of its
head, and those of its body that its head lacks; and likewise by the folded pairs of
adjacent terms within one text (a pair never spans two texts).

Tokenising one document at a time cost about 110 µs an item in Python sets and string
joins (9 s for the 81,000 items of 10,000 digests). Here a batch of texts is joined with
NUL marks, lowered and scanned by one regex, and the sets become sorted numpy arrays:
the same rows, several times faster. `_reference_keys` in the tests is the one-document
definition this must equal.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import chain
from typing import Callable, Sequence

import numpy as np

from ..model import Decision, Item
from .fold import term, variant
from .postings import DEC_BODY, DEC_HEAD, ITEM_BODY, ITEM_HEAD, _Ids, _Postings

MARK = "\x00"  # ends every text of a batch; not a token character, and taken out of the texts first
_SCAN = re.compile(r"[^\W_]+|\x00")
BATCH_CHARS = 250_000  # characters of text per batch: bounds the token arrays (about 40 bytes a token)


def decision_segments(decision: Decision) -> tuple[list[str], list[str]]:
    """(label texts, description texts) a decision is found by."""
    head = [decision.label, decision.code, f"{decision.number}/{decision.year}/{decision.type}-{decision.issuer}",
            f"{decision.type_name} số {decision.number}"]
    body = [decision.title or "", str(decision.year)]
    if decision.date:
        body.append(f"ngày {decision.date.day}/{decision.date.month}/{decision.date.year}")
    return head, body


def item_segments(item: Item) -> tuple[list[str], list[str]]:
    """(heading, body texts): the body is the text and the documents it cites, written in full
    ("Quyết định số 2610/QĐ-UBND"), so a reader's form of a citation finds the items too."""
    return [item.heading], [item.text, *(f"{d.type_name} số {d.label} ({d.code})" for d in item.decisions)]


class _Vocabulary:
    """Variants and folded terms, numbered once per tokenising run (the vocabulary is small)."""

    def __init__(self, words: _Ids | None = None) -> None:
        self.variants = _Ids()  # variant → number; MARK is 0
        self.variants[MARK]  # noqa: B018 - numbers the mark first
        self.terms = _Ids()  # term → number
        self.words = words if words is not None else _Ids()  # variant → its key in the words' table
        self.variant_terms = np.zeros(0, dtype=np.int64)  # variant number → term number
        self.variant_words = np.zeros(0, dtype=np.int64)  # variant number → words' key
        self.lowered: dict[str, str] = {}  # token → variant, for texts that lowercase unevenly

    def numbers(self, tokens: list[str]) -> np.ndarray:
        codes = np.fromiter(map(self.variants.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        known = len(self.variant_terms)
        if len(self.variants) > known:  # new variants: their terms and keys
            fresh = list(self.variants)[known:]
            self.variant_terms = np.concatenate([self.variant_terms, np.fromiter(
                (self.terms[term(v)] if v != MARK else -1 for v in fresh), dtype=np.int64, count=len(fresh))])
            self.variant_words = np.concatenate([self.variant_words, np.fromiter(
                (self.words[v] if v != MARK else -1 for v in fresh), dtype=np.int64, count=len(fresh))])
        return codes

    def scan(self, joined: str) -> list[str]:
        """The variants of every token of NUL-joined texts, and the marks, in order: lowering the
        whole (NFC) text gives the same tokens when no character lowercases to several (case
        mappings keep L/N) and no capital sigma depends on its neighbours (final σ/ς). NFC keeps
        the texts apart: NUL is a starter that composes with nothing."""
        if not unicodedata.is_normalized("NFC", joined):
            joined = unicodedata.normalize("NFC", joined)
        lowered = joined.lower()
        if len(lowered) == len(joined) and "Σ" not in joined and unicodedata.is_normalized("NFC", lowered):
            return _SCAN.findall(lowered)
        lower = self.lowered
        out = []
        for token in _SCAN.findall(joined):
            v = lower.get(token)
            if v is None:
                v = lower[token] = token if token == MARK else variant(token)
            out.append(v)
        return out


def tokenise_documents(docs: Sequence, ids: list[int], segments: Callable, kinds: tuple[int, int]
                       ) -> tuple[_Postings, _Postings]:
    """The words' and the pairs' rows of the documents `docs[n]` for n in `ids` (numbered n)."""
    words, pairs = _Postings(), _Postings()
    vocabulary = _Vocabulary(words.ids)
    pair_numbers: dict[int, int] = {}  # term pair (first << 32 | second) → its number in `pairs`
    texts: list[str] = []
    tags: list[int] = []  # per text: document << 1 | 1 for a body text
    size = 0
    for doc in ids:
        head, body = segments(docs[doc])
        texts += head
        texts += body
        tags += [doc << 1] * len(head)
        tags += [doc << 1 | 1] * len(body)
        size += sum(map(len, head)) + sum(map(len, body))
        if size >= BATCH_CHARS:
            _batch(texts, tags, vocabulary, words, pairs, pair_numbers, kinds)
            texts, tags, size = [], [], 0
    if texts:
        _batch(texts, tags, vocabulary, words, pairs, pair_numbers, kinds)
    return words, pairs


def _batch(texts: list[str], tags: list[int], vocabulary: _Vocabulary, words: _Postings, pairs: _Postings,
           pair_numbers: dict[int, int], kinds: tuple[int, int]) -> None:
    joined = MARK.join(chain(texts, ("",)))  # each text followed by a mark
    if joined.count(MARK) != len(texts):  # a text holds NUL (not a token character): drop it
        joined = MARK.join(chain((t.replace(MARK, " ") for t in texts), ("",)))
    codes = vocabulary.numbers(vocabulary.scan(joined))
    marks = codes == 0
    text_of = np.cumsum(marks) - marks  # marks before each token: the text it belongs to
    tag_of = np.asarray(tags, dtype=np.int64)[text_of]
    # a pair is two adjacent tokens of one text (the marks sit between texts)
    first = np.flatnonzero(~marks[:-1] & ~marks[1:])
    real = ~marks
    word_tags, word_codes = tag_of[real], codes[real]
    terms = vocabulary.variant_terms
    pair_keys = (terms[codes[first]] << 32) | terms[codes[first + 1]]
    distinct, inverse = _distinct(pair_keys, inverse=True)
    _add_rows(words, kinds, word_tags, word_codes, vocabulary.variant_words)
    _add_rows(pairs, kinds, tag_of[first], inverse, _pair_numbers(distinct, pairs, pair_numbers, vocabulary))


def _pair_numbers(keys: np.ndarray, pairs: _Postings, numbers: dict[int, int], vocabulary: _Vocabulary) -> np.ndarray:
    """The numbers in `pairs` of term pairs, naming the new ones "first second"."""
    names = None
    out = np.empty(len(keys), dtype=np.int64)
    for n, key in enumerate(keys.tolist()):
        number = numbers.get(key)
        if number is None:
            if names is None:
                names = list(vocabulary.terms)
            number = numbers[key] = pairs.ids[f"{names[key >> 32]} {names[key & 0xFFFFFFFF]}"]
        out[n] = number
    return out


def _add_rows(table: _Postings, kinds: tuple[int, int], tags: np.ndarray, keys: np.ndarray,
              numbers: np.ndarray) -> None:
    """Distinct (document, key) rows of the head texts, and of the body texts less the head's;
    `numbers[key]` is the key's number in `table`."""
    rows = _distinct(((tags >> 1) << 33) | ((tags & 1) << 32) | keys)  # document, body?, key: sorted
    body = (rows >> 32) & 1 == 1
    head_rows = rows[~body]
    body_rows = rows[body] ^ (1 << 32)  # as head rows (still sorted), to compare
    at = np.searchsorted(head_rows, body_rows)
    in_head = at < len(head_rows)
    in_head[in_head] = head_rows[at[in_head]] == body_rows[in_head]
    body_rows = body_rows[~in_head]
    for kind, part in ((kinds[0], head_rows), (kinds[1], body_rows)):
        table.add_rows(kind, numbers[part & 0xFFFFFFFF], part >> 33)


def _distinct(values: np.ndarray, inverse: bool = False):
    """Sorted distinct values (and, with `inverse`, each value's index among them): `np.unique`
    by sorting, which for these int64 columns is several times faster than its hashing."""
    order = np.argsort(values, kind="stable") if inverse else None
    ordered = values[order] if inverse else np.sort(values)
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    distinct = ordered[first]
    if not inverse:
        return distinct
    positions = np.empty(len(values), dtype=np.int64)
    positions[order] = np.cumsum(first) - 1
    return distinct, positions


def tokenise_items(items: list[Item], ids: list[int]) -> tuple[_Postings, _Postings]:
    return tokenise_documents(items, ids, item_segments, (ITEM_HEAD, ITEM_BODY))


def tokenise_decisions(decisions: list[Decision], ids: list[int]) -> tuple[_Postings, _Postings]:
    return tokenise_documents(decisions, ids, decision_segments, (DEC_HEAD, DEC_BODY))
