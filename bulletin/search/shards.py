"""Cutting sorted index entries into script files, reusing last build's files where they hold.

A kind of shard ("u" postings, "t" dictionary, "b" pairs) is a run of entries in sorted
key order, cut greedily after the entry that brings a file to its target size. So a
file is a function of where it starts and of its entries: when it starts at the same key
as one of last build's files and no key in that file's range was touched (added, removed,
or with other lists), it comes out byte for byte the same, and last build's bytes are used
without encoding anything. A cut through touched keys falls back in step with last
build's files at the first one it meets at a file's start.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from typing import Callable, Iterator

Shard = tuple[str, str, bytes]  # (first key, file name, script bytes)


def file_name(kind: str, payload: bytes) -> str:
    return f"{kind}/{hashlib.blake2b(payload, digest_size=5).hexdigest()}"


def _shard(kind: str, first: str, parts: list[str]) -> Shard:
    body = "{" + ",".join(parts) + "}"
    name = file_name(kind, body.encode("utf-8"))
    return first, name, f'__bulletinSearch.add("{name}",{body});\n'.encode("utf-8")


@dataclass
class LastShards:
    """Last build's files of one kind, and the keys touched since: (first key, name, bytes) per
    file in key order (the first file's first key is "", as in the manifest), and the touched
    keys' sort keys, sorted."""

    files: list[Shard]
    touched: list[bytes]

    def share_touched(self) -> float:
        """The share of last build's files whose range holds a touched key (made again)."""
        if not self.files:
            return 1.0
        starts = [b""] + [order_of(first) for first, _, _ in self.files[1:]]
        hit = {bisect.bisect_right(starts, key) - 1 for key in self.touched}
        return len(hit) / len(self.files)


def cut(kind: str, keys: list[str], part: Callable[[str], str], target: int,
        last: LastShards | None = None) -> Iterator[Shard]:
    """Script files of about `target` bytes over `keys` (sorted by `order_of`); `part(key)` is
    an entry's text, asked for only for the keys of files that are made again."""
    starts = {first: n for n, (first, _, _) in enumerate(last.files)} if last else {}
    sort_keys = [order_of(key) for key in keys] if last else []
    position = 0
    while position < len(keys):
        old = starts.get(keys[position] if position else "", -1) if last else -1
        if old >= 0:
            end = _unchanged_end(last, old, sort_keys, position)
            if end is not None:
                first, name, payload = last.files[old]
                yield (keys[position] if position else first), name, payload
                position = end
                continue
        batch: list[str] = []
        size = 0
        first = keys[position]
        while position < len(keys):
            text = part(keys[position])
            batch.append(text)
            size += len(text.encode("utf-8")) + 1
            position += 1
            if size >= target:
                break
        yield _shard(kind, first, batch)


def _unchanged_end(last: LastShards, old: int, sort_keys: list[bytes], position: int) -> int | None:
    """Where the next file starts if last build's file `old` still holds, else None."""
    low = sort_keys[position]
    following = last.files[old + 1][0] if old + 1 < len(last.files) else None
    high = order_of(following) if following is not None else None
    touched = last.touched
    first_touched = bisect.bisect_left(touched, low if old else b"")
    if first_touched < len(touched) and (high is None or touched[first_touched] < high):
        return None
    if high is None:
        return len(sort_keys)
    end = bisect.bisect_left(sort_keys, high, lo=position)
    return end if end > position else None  # (cannot happen when `touched` is right: never loop)


def order_of(key: str) -> bytes:
    """JavaScript's order of strings (UTF-16 code units), as the index sorts its keys."""
    return key.encode("utf-16-be")
