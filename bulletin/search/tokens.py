"""The tokenising kept from one build to the next (what a document is found by: scan.py).

Tokenising is most of the search index's cost (about 9 s of one core for the 200,000
documents of 10,000 digests), and a one-digest edit changes a handful of documents. So
a build keeps its postings rows (`Forward`: per field, the sorted `key << 32 | doc`
numbers, the key names, and a hash of every document's texts) in the build state folder,
and the next build tokenises only the documents whose texts it has not seen: the others'
rows are carried over under their new ids. Rows are a pure function of a document's
texts, so a carried row is the row tokenising would give, and the index stays exact.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..model import Decision, Item
from ..workers import Afterwards, run_chunks
from .postings import DEC_BODY, DEC_HEAD, ITEM_BODY, ITEM_HEAD, _Postings, make_rows, row_docs, row_keys
from .scan import tokenise_decisions, tokenise_items

PARALLEL_DOCS = 20_000  # documents to tokenise; below this, forking costs more than it saves
HASH_BYTES = 16


def _item_text(item: Item) -> str:
    cited = "\1".join(f"{d.type_name}\2{d.label}\2{d.code}" for d in item.decisions)
    return f"{item.heading}\0{item.text}\0{cited}"


def _decision_text(x: Decision) -> str:
    return f"{x.label}\0{x.type}\0{x.number}\0{x.issuer}\0{x.year}\0{x.type_name}\0{x.title}\0{x.date}"


def _hashes(docs, text) -> list[bytes]:
    blake2b = hashlib.blake2b
    return [blake2b(text(doc).encode(), digest_size=HASH_BYTES).digest() for doc in docs]


def _names(items: list[Item], decisions: list[Decision]) -> tuple[list[str], list[str]]:
    """Which document each id is: items by digest and position, decisions by key."""
    return [f"{i.digest.url}#{i.position}" for i in items], [x.key for x in decisions]


@dataclass
class DocumentHashes:
    """A hash of every document's texts, in id order: what `Forward` rows are matched by."""

    items: list[bytes]
    decisions: list[bytes]
    item_names: list[str] = field(default_factory=list)  # `_names` of the documents hashed
    decision_names: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, items: list[Item], decisions: list[Decision]) -> "DocumentHashes":
        """The fields the segments are made of, joined (`repr` of the segments cost twice as much)."""
        return cls(_hashes(items, _item_text), _hashes(decisions, _decision_text), *_names(items, decisions))

    @classmethod
    def carried(cls, items: list[Item], decisions: list[Decision], previous: "DocumentHashes",
                unchanged: Callable[[object], bool]) -> "DocumentHashes":
        """`of`, taking last build's hash of each document whose object no edit reached: an
        item's texts are functions of its digest's own fields, a decision's of its own
        (carried_hashes.py). A document is found in last build's by its name, wherever its id
        now is: a digest added or deleted renumbers the documents after it (at 10,000 digests,
        hashing all 200,000 again cost 1.3 s of such a rebuild). `unchanged` may answer for a
        list of decisions at once (`each_decision`)."""
        item_names, decision_names = _names(items, decisions)
        old_items, old_decisions = previous.items, previous.decisions
        if item_names != previous.item_names:
            old_items = _by_name(previous.item_names, previous.items, item_names)
        if decision_names != previous.decision_names:
            old_decisions = _by_name(previous.decision_names, previous.decisions, decision_names)
        digests = {id(item.digest): item.digest for item in items}
        kept = {key for key, digest in digests.items() if unchanged(digest)}
        item_hashes = [old if old is not None and id(item.digest) in kept else _hashes([item], _item_text)[0]
                       for item, old in zip(items, old_items)]
        # One call for all the decisions when `unchanged` can (130,000 at 10,000 digests).
        each = getattr(unchanged, "each_decision", None)
        flags = each(decisions) if each else [unchanged(x) for x in decisions]
        decision_hashes = [old if old is not None and same else _hashes([x], _decision_text)[0]
                           for x, old, same in zip(decisions, old_decisions, flags)]
        return cls(item_hashes, decision_hashes, item_names, decision_names)

    def signature(self, version: int) -> str:
        """Equal signatures, equal postings (a topic, a title or a date edit leaves it alone)."""
        digest = hashlib.blake2b(f"{version}\0{len(self.items)}\0{len(self.decisions)}".encode(), digest_size=16)
        digest.update(b"".join(self.items))
        digest.update(b"".join(self.decisions))
        return digest.hexdigest()


@dataclass
class Forward:
    """One build's postings rows: what the next build carries over instead of tokenising."""

    words: list[str]  # key names, numbered by the rows' keys
    pairs: list[str]
    word_rows: list[np.ndarray]  # per field, sorted `key << 32 | doc` (uint64)
    pair_rows: list[np.ndarray]
    hashes: DocumentHashes

    def save(self, path: Path, stamp: str) -> None:
        """Written whole under another name, then renamed: a reader sees the old or the new file."""
        arrays = {"stamp": _text(stamp), "words": _text("\0".join(self.words)),
                  "pairs": _text("\0".join(self.pairs)),
                  "items": np.frombuffer(b"".join(self.hashes.items), dtype=np.uint8),
                  "decisions": np.frombuffer(b"".join(self.hashes.decisions), dtype=np.uint8),
                  "item_names": _text("\0".join(self.hashes.item_names)),
                  "decision_names": _text("\0".join(self.hashes.decision_names))}
        for kind in range(4):
            arrays[f"w{kind}"] = self.word_rows[kind]
            arrays[f"p{kind}"] = self.pair_rows[kind]
        temporary = path.with_name(path.name + ".new")
        with open(temporary, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path, stamp: str, hashes: DocumentHashes | None = None) -> Forward | None:
        """The rows saved at `path` if they were made by this generator and these settings;
        `hashes`: their document hashes, when read from that file already (`load_hashes`)."""
        try:
            with np.load(path) as saved:
                if saved["stamp"].tobytes().decode() != stamp:
                    return None
                words, pairs = (saved[name].tobytes().decode() for name in ("words", "pairs"))
                hashes = hashes or cls._hashes(saved)
                return cls(words.split("\0") if words else [], pairs.split("\0") if pairs else [],
                           [saved[f"w{field}"] for field in range(4)], [saved[f"p{field}"] for field in range(4)],
                           hashes)
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # missing or not ours: tokenise all
            return None

    @classmethod
    def load_hashes(cls, path: Path, stamp: str) -> DocumentHashes | None:
        """Only the document hashes saved at `path` (a few MB of the file's 170)."""
        try:
            with np.load(path) as saved:
                return cls._hashes(saved) if saved["stamp"].tobytes().decode() == stamp else None
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
            return None

    @staticmethod
    def _hashes(saved) -> DocumentHashes:
        names = (saved[name].tobytes().decode() for name in ("item_names", "decision_names"))
        return DocumentHashes(*(_split(saved[name].tobytes()) for name in ("items", "decisions")),
                              *(text.split("\0") if text else [] for text in names))


def _text(value: str) -> np.ndarray:
    return np.frombuffer(value.encode(), dtype=np.uint8)


def _by_name(old_names: list[str], old_hashes: list[bytes], names: list[str]) -> list[bytes | None]:
    """Last build's hash of each document now named `names` (None for a new one, and for
    every one if a name is not unique: then it could not tell two documents apart)."""
    old = dict(zip(old_names, old_hashes))
    if len(old) != len(old_names) or len(old_names) != len(old_hashes) or len(set(names)) != len(names):
        return [None] * len(names)
    return [old.get(name) for name in names]


def _split(blob: bytes) -> list[bytes]:
    return [blob[start:start + HASH_BYTES] for start in range(0, len(blob), HASH_BYTES)]


EDITED_SHARE = 0.05  # of the documents, below which an edit that kept every id pairs them by id


def _carry(old: list[bytes], new: list[bytes]) -> tuple[np.ndarray, list[int]]:
    """Old id → new id (-1: gone) for the documents whose texts are unchanged, and the new
    ids left to tokenise. Equal texts pair up in id order. After an edit that kept every
    document's id (as many as before, and few texts changed), the pairs are by id: a document
    whose text changed is tokenised again, even if another's had that text (the same rows)."""
    if len(old) == len(new):
        fresh = [doc for doc, (before, now) in enumerate(zip(old, new)) if before != now]
        if len(fresh) <= EDITED_SHARE * len(new):
            mapping = np.arange(len(old), dtype=np.int64)
            mapping[fresh] = -1
            return mapping, fresh
    waiting: dict[bytes, list[int]] = defaultdict(list)
    for doc in range(len(old) - 1, -1, -1):
        waiting[old[doc]].append(doc)
    mapping = np.full(len(old), -1, dtype=np.int64)
    fresh = []
    for doc, key in enumerate(new):
        same = waiting.get(key)
        if same:
            mapping[same.pop()] = doc
        else:
            fresh.append(doc)
    return mapping, fresh


def _carried_rows(rows: np.ndarray, mapping: np.ndarray, same_ids: bool) -> tuple[np.ndarray, np.ndarray]:
    """The rows of documents still present, renumbered (still sorted when the order of the
    kept documents is unchanged, as for an edit, an addition or a deletion), and the rows
    of the others."""
    if not len(rows):
        return rows, rows
    kept = (mapping >= 0)[row_docs(rows)]  # 5 bytes a row of temporaries, not 12 (a field: 9 million rows)
    if kept.all():  # nothing to drop: no copy
        gone = rows[:0]
    else:
        gone, rows = rows[~kept], rows[kept]
    del kept
    return (rows if same_ids else make_rows(row_keys(rows), mapping[row_docs(rows)])), gone


def _same_ids(mapping: np.ndarray) -> bool:
    """Every carried document keeps its id: an edit, or documents added or dropped after the
    last one kept (a digest for a new week adds its items at the end), not in between."""
    return bool(((mapping == np.arange(len(mapping))) | (mapping < 0)).all())


def tokenise(items: list[Item], decisions: list[Decision], hashes: DocumentHashes, workers: int = 1,
             previous: Forward | None = None, then: Afterwards | None = None
             ) -> tuple[_Postings, _Postings, Forward]:
    """The words' and the pairs' postings of every document, tokenising only those `previous`
    has no rows for (all of them without it), in `workers` processes when they are many; a
    forked worker goes on to `then` once no document is left to tokenise."""
    removed_words: list[np.ndarray] | None = None
    removed_pairs: list[np.ndarray] | None = None
    if previous is None:
        words, pairs = _Postings(), _Postings()
        fresh_items, fresh_decisions = list(range(len(items))), list(range(len(decisions)))
    else:
        words, pairs = _Postings(previous.words), _Postings(previous.pairs)
        item_map, fresh_items = _carry(previous.hashes.items, hashes.items)
        decision_map, fresh_decisions = _carry(previous.hashes.decisions, hashes.decisions)
        same_ids = _same_ids(item_map) and _same_ids(decision_map)
        removed_words, removed_pairs = [], []
        for field, mapping in ((ITEM_HEAD, item_map), (ITEM_BODY, item_map), (DEC_HEAD, decision_map),
                               (DEC_BODY, decision_map)):
            for table, rows, removed in ((words, previous.word_rows, removed_words),
                                         (pairs, previous.pair_rows, removed_pairs)):
                carried, gone = _carried_rows(rows[field], mapping, same_ids)
                rows[field] = None  # last build's rows of this field, freed before the next is carried
                table.keep(field, carried)
                removed.append(gone)
        if not same_ids:  # every later document has another id: no list can be said unchanged
            removed_words = removed_pairs = None
        previous.word_rows = previous.pair_rows = []  # freed as the rows are merged
    jobs = _jobs(fresh_items, fresh_decisions, workers)
    if len(jobs) > 2:
        # Forked workers inherit the documents; this process tokenises too (see workers.py).
        parts = run_chunks(lambda start, end: [(n, _tokenise(*jobs[n], items, decisions)) for n in range(start, end)],
                           len(jobs), 1, workers, lambda done: None, then)
        parts.sort(key=lambda p: p[0], reverse=True)
        tokenised = (parts.pop()[1] for _ in range(len(parts)))  # each part freed once merged
    else:
        tokenised = (_tokenise(*job, items, decisions) for job in jobs)
    for part_words, part_pairs in tokenised:
        words.merge(part_words)
        pairs.merge(part_pairs)
        del part_words, part_pairs
    words.finish(removed_words)
    pairs.finish(removed_pairs)
    return words, pairs, Forward(words.names, pairs.names, words.rows, pairs.rows, hashes)


def _jobs(items: list[int], decisions: list[int], workers: int) -> list[tuple[bool, list[int]]]:
    """(decisions?, the ids to tokenise) in parts: two, or several per worker when there are many."""
    if workers < 2 or len(items) + len(decisions) < PARALLEL_DOCS:
        return [(False, items), (True, decisions)]
    step = max(1, -(-len(items) // (4 * workers)))
    jobs = [(False, items[start:start + step]) for start in range(0, len(items), step)]
    step = max(1, -(-len(decisions) // workers))
    return jobs + [(True, decisions[start:start + step]) for start in range(0, len(decisions), step)]


def _tokenise(is_decision: bool, ids: list[int], items: list[Item], decisions: list[Decision]
              ) -> tuple[_Postings, _Postings]:
    return tokenise_decisions(decisions, ids) if is_decision else tokenise_items(items, ids)
