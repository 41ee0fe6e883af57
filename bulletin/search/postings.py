"""Postings: which documents each key (a word's variant, or a pair of terms) occurs in.

Documents are added as flat (key, doc) columns, or carried from the last build as
sorted rows; `_Postings.finish` sorts each field's rows once and encodes every list
at once. A list is its sorted ids, delta-coded in base 32 (`encode_ids`), which
search.js decodes with the same loop as `decode_ids`. The index's file layout is in
index.py.
"""

from __future__ import annotations

import operator
from array import array

import numpy as np

# Base-32 digits: the last digit of a number from END, the ones before it from MORE.
END = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
MORE = "WXYZabcdefghijklmnopqrstuvwxyz-_"
ITEM_HEAD, ITEM_BODY, DEC_HEAD, DEC_BODY = range(4)


def _code(value: int) -> str:
    digits = END[value & 31]
    value >>= 5
    while value:
        digits = MORE[value & 31] + digits
        value >>= 5
    return digits


_CODES = [_code(v - 1) if v else "" for v in range(1 << 16)]  # indexed by delta (delta - 1 is coded)


def encode_ids(ids) -> str:
    """Sorted distinct ids → the first id, then each gap minus one, in base 32."""
    if not len(ids):
        return ""
    first = _code(ids[0])
    if len(ids) == 1:
        return first
    deltas = list(map(operator.sub, ids[1:], ids))
    if max(deltas) < len(_CODES):
        return first + "".join(map(_CODES.__getitem__, deltas))
    return first + "".join(_CODES[d] if d < len(_CODES) else _code(d - 1) for d in deltas)


def decode_ids(text: str) -> list[int]:
    """The inverse of `encode_ids` (search.js has the same loop)."""
    ids, value, prev = [], 0, -1
    for ch in text:
        if ch in MORE:
            value = value * 32 + MORE.index(ch)
        else:
            value = value * 32 + END.index(ch)
            prev = prev + 1 + value
            ids.append(prev)
            value = 0
    return ids



class _Ids(dict):
    """key → a small int, handed out in order of first sight (so `list(ids)` maps back)."""

    def __missing__(self, key: str) -> int:
        value = self[key] = len(self)
        return value


DOC_BITS = 32  # a row is `key << DOC_BITS | doc` (uint64): sorting rows groups them by key, then doc
_SHIFT = np.uint64(DOC_BITS)


def row_keys(rows: np.ndarray) -> np.ndarray:
    return (rows >> _SHIFT).view(np.int64)  # under 2**32: the same bits (no copy of a copy)


def row_docs(rows: np.ndarray) -> np.ndarray:
    return rows.astype(np.uint32)  # the low 32 bits


def make_rows(keys: np.ndarray, docs: np.ndarray) -> np.ndarray:
    rows = keys.astype(np.uint64)  # shifted and joined in place: no temporary the size of the rows
    rows <<= _SHIFT
    rows |= docs.astype(np.uint32, copy=False)
    return rows


class _Postings:
    """Keys (variants, or folded pairs) and the documents they occur in, one table per field.

    Rows come as flat (key id, doc) columns, from `add_rows` (a batch at a time, scan.py) and `merge`,
    and as sorted `key << 32 | doc` numbers carried from the last build (`keep`, see
    tokens.py). `finish()` sorts each field's rows once, so each key's ids come out
    sorted, drops the keys left without rows, and encodes every postings list of a field
    at once (`_encode_groups`)."""

    def __init__(self, names: list[str] | None = None) -> None:
        self.ids = _Ids()
        for name in names or ():
            self.ids[name]  # noqa: B018 - numbers the names in order
        self._keys = [array("I") for _ in range(4)]
        self._docs = [array("I") for _ in range(4)]
        self._kept: list[list[np.ndarray]] = [[] for _ in range(4)]
        self.names: list[str] = []
        self.rows: list[np.ndarray] = []  # per field, sorted `key << 32 | doc` (after finish)
        self.counts = None  # per key, ids in every field (numpy, after finish)
        self.touched: set[str] | None = None  # see finish
        self._starts: list[np.ndarray] = []  # per field, where each key's rows start (after finish)
        self._groups: list[tuple[np.ndarray, np.ndarray]] = []  # per field, docs grouped by key, and where groups start
        self._encoded: list[list[str]] = []

    def add_rows(self, kind: int, keys: np.ndarray, docs: np.ndarray) -> None:
        """Add (key id, doc) columns at once."""
        self._keys[kind].frombytes(keys.astype(np.uint32).tobytes())
        self._docs[kind].frombytes(docs.astype(np.uint32).tobytes())

    def keep(self, kind: int, rows: np.ndarray) -> None:
        """Add sorted `key << 32 | doc` rows, numbered by this table's keys."""
        self._kept[kind].append(rows)

    def merge(self, other: "_Postings") -> None:
        """Append another table's columns (its keys are renamed to ours)."""
        if not self.ids:
            self.ids, self._keys, self._docs = other.ids, other._keys, other._docs
            return
        mapping = np.fromiter(map(self.ids.__getitem__, other.ids), dtype=np.uint32, count=len(other.ids))
        for kind in range(4):
            if other._keys[kind]:
                keys = mapping[np.frombuffer(other._keys[kind], dtype=np.uint32)]
                self._keys[kind].frombytes(keys.tobytes())
                self._docs[kind].extend(other._docs[kind])

    def finish(self, removed: list[np.ndarray] | None = None) -> None:
        """Sort the rows and drop the keys without any. With `removed` (per field, the sorted rows
        of the carried table's documents that were dropped, when no other document changed its
        id), `touched` is the names of the keys whose lists differ from that table's."""
        fresh = [self._fresh_rows(kind) for kind in range(4)]
        rows = [self._sorted_rows(kind, fresh[kind]) for kind in range(4)]
        self._keys = self._docs = self._kept = []
        size = len(self.ids)
        starts = [_key_starts(field, size) for field in rows]
        counts = np.zeros(size, dtype=np.int64)
        for field_starts in starts:
            counts += np.diff(field_starts)
        names = list(self.ids)
        if removed is not None:
            changed = np.unique(np.concatenate([row_keys(np.setxor1d(gone, new, assume_unique=True))
                                                for gone, new in zip(removed, fresh)]))
            self.touched = {names[key] for key in changed.tolist()}
        del fresh
        live = counts > 0
        if not live.all():  # keys no document has any more (after an edit): renumber the rest
            renumber = np.cumsum(live) - 1
            for field in rows:
                _renumber_keys(field, renumber)
            kept_starts = np.append(np.flatnonzero(live), size)  # the rows keep their order
            starts = [field_starts[kept_starts] for field_starts in starts]
            names = [name for name, alive in zip(names, live.tolist()) if alive]
            counts = counts[live]
        self.names, self.rows, self.counts = names, rows, counts
        self._starts = starts
        self._groups = []

    def _grouped(self, free_rows: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per field, the rows' documents (grouped by key, as the rows are sorted) and where each
        key's group starts: made once the rows are dropped (`free_rows`: each field's rows freed
        as soon as its documents are made), or first asked for."""
        if not self._groups:
            for field, starts in enumerate(self._starts):
                self._groups.append((row_docs(self.rows[field]), starts))
                if free_rows:
                    self.rows[field] = None
        return self._groups

    def encode_all(self) -> None:
        """Encode every key's lists at once (vectorised): for an index made whole. Without it,
        `entry` encodes the lists of the keys asked for, one at a time."""
        self._encoded = [_encode_groups(grouped, starts) for grouped, starts in self._grouped()]

    def _fresh_rows(self, kind: int) -> np.ndarray:
        fresh = make_rows(np.frombuffer(self._keys[kind], dtype=np.uint32),
                          np.frombuffer(self._docs[kind], dtype=np.uint32))
        self._keys[kind] = self._docs[kind] = array("I")  # the columns, freed before the next field's rows
        fresh.sort()
        return fresh

    def _sorted_rows(self, kind: int, fresh: np.ndarray) -> np.ndarray:
        """This field's rows, sorted: the new ones alone, or put among the carried ones. Carried
        rows are sorted unless documents changed their order (a digest moved in time): the new
        rows (a few, after an edit) are then inserted where they go, in one copy, not sorted
        with 9 million others (a stable sort also takes half their size again)."""
        if not self._kept[kind]:
            return fresh
        carried = self._kept[kind]
        self._kept[kind] = []
        if len(carried) == 1 and bool((carried[0][:-1] <= carried[0][1:]).all()):
            return np.insert(carried[0], np.searchsorted(carried[0], fresh), fresh) if len(fresh) else carried[0]
        rows = np.concatenate([*carried, fresh])
        del carried
        rows.sort(kind="stable")
        return rows

    def keys(self) -> list[str]:
        return self.names

    def entry(self, index: int) -> list[str]:
        """The encoded lists of the key numbered `index`, one per field, trailing empty ones dropped."""
        if self._encoded:
            lists = [encoded[index] for encoded in self._encoded]
        else:
            lists = [encode_ids(grouped[starts[index]:starts[index + 1]].tolist()) for grouped, starts in self._grouped()]
        while lists and not lists[-1]:
            lists.pop()
        return lists

    def drop_rows(self) -> None:
        """Free the rows once kept, field by field, keeping their documents (what the index
        files need: 4 bytes of each row's 8). Made at `finish`, the documents of every field
        were alive beside all the rows until now (79 MB at 10,000 digests)."""
        self._grouped(free_rows=True)
        self.rows = []

    @property
    def fields(self) -> list[dict]:
        """Per field, key → its sorted ids (for tests and tools; the build uses `entry`)."""
        tables = []
        for field in self.rows:
            docs, starts = row_docs(field), _key_starts(field, len(self.names))
            tables.append({name: docs[starts[n]:starts[n + 1]] for n, name in enumerate(self.names)
                           if starts[n + 1] > starts[n]})
        return tables


def _key_starts(rows: np.ndarray, keys: int) -> np.ndarray:
    """Where each key's rows start in sorted rows, and their end last (`keys + 1` values)."""
    return np.searchsorted(rows, np.arange(keys + 1, dtype=np.uint64) << _SHIFT)


RENUMBER_BLOCK = 1 << 20  # rows renumbered at a time: bounds the temporaries (about 24 bytes a row)


def _renumber_keys(rows: np.ndarray, renumber: np.ndarray) -> None:
    """Give each row its key's new number (`renumber[key]`), in place."""
    docs = np.uint64(0xFFFFFFFF)
    for start in range(0, len(rows), RENUMBER_BLOCK):
        part = rows[start:start + RENUMBER_BLOCK]
        keys = renumber[row_keys(part)].astype(np.uint64)
        part &= docs
        keys <<= _SHIFT
        part |= keys


_END = np.frombuffer(END.encode(), dtype=np.uint8)
_MORE = np.frombuffer(MORE.encode(), dtype=np.uint8)


ENCODE_BLOCK = 1 << 20  # ids encoded per vectorised pass: bounds the temporary arrays (about 40 bytes an id)


def _encode_groups(ids, starts) -> list[str]:
    """`encode_ids` of every group `ids[starts[n]:starts[n + 1]]`, vectorised, a block of groups at a time."""
    encoded: list[str] = []
    groups = len(starts) - 1
    first = 0
    while first < groups:
        # the groups starting within the next ENCODE_BLOCK ids (at least one)
        last = int(np.searchsorted(starts, starts[first] + ENCODE_BLOCK, side="right")) - 1
        last = min(groups, max(first + 1, last))
        low, high = starts[first], starts[last]
        encoded.extend(_encode_block(ids[low:high], starts[first:last + 1] - low))
        first = last
    return encoded


def _encode_block(ids, starts) -> list[str]:
    total = len(ids)
    groups = len(starts) - 1
    if not total:
        return [""] * groups
    values = np.empty(total, dtype=np.int64)
    values[0] = ids[0]
    np.subtract(ids[1:], ids[:-1], out=values[1:], dtype=np.int64)
    values[1:] -= 1  # a gap is coded minus one
    firsts = starts[:-1][starts[1:] > starts[:-1]]
    values[firsts] = ids[firsts]  # a group starts with its first id itself
    if len(values) and values.min() < 0:
        raise ValueError("postings out of order: documents must be added in increasing id order")
    width = 1
    while (values >> (5 * width)).any():
        width += 1
    digits = np.zeros((total, width), dtype=np.uint8)
    digits[:, width - 1] = _END[values & 31]
    rest = values >> 5
    for column in range(width - 2, -1, -1):
        digits[:, column] = np.where(rest > 0, _MORE[rest & 31], 0)
        rest >>= 5
    lengths = (digits != 0).sum(axis=1)
    text = digits[digits != 0].tobytes().decode("ascii")
    offsets = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    bounds = offsets[starts].tolist()
    return [text[bounds[n]:bounds[n + 1]] for n in range(groups)]

