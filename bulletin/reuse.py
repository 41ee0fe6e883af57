"""Reusing the last build's model files (search documents, data files) piece by piece.

A file made from the model alone is a function of the objects it shows, and so is each
element of a JSON list file. Their signatures are hashes of those objects' hashes
(deps.py):

- a search document chunk's signature is recorded as the file's fingerprint in the build
  state; a chunk whose signature is unchanged still has last build's bytes, so it is not
  made again;
- a list file (`data/*.json`) records the signature and length of every element (build state
  meta, saved with the output hashes); an element whose signature is unchanged is copied
  from last build's file, once that file is checked to have the bytes the state recorded.

A new version or a changed setting clears every fingerprint and the meta (state.py), so
nothing made under other settings is reused.

When an edit changed only texts and topics (carried_hashes.CarriedHashes.same_documents),
every piece sits where it sat and is made from the same objects: one whose objects kept their
hashes has last build's signature, which is then not computed again (`carried`), and a list
file is last build's but for the elements of the objects that changed (`list_file_in_place`).
When it changed only texts (`same_structure`), a list file whose elements show no text
(`data/digests.json`) is last build's whole.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Callable, Iterable

from .state import digest_of

ModelFile = tuple[str, "bytes | None", str]  # (site-relative path, bytes or None when unchanged, signature)


@dataclass
class LastModelFiles:
    objects: dict[str, str]  # this build's object hashes, by key
    outputs: dict[str, tuple[str, str]]  # the last build's (bytes hash, fingerprint) of each file still there
    output: Path | None = None  # the output folder, where last build's list files are
    lists: dict[str, list[str]] = field(default_factory=dict)  # last build's list files: signatures, lengths
    made_lists: dict[str, list[str]] = field(default_factory=dict)  # this build's, for the next one
    changed: set[str] | None = None  # keys whose hashes changed, when only texts and topics did (the module's docstring)
    texts_only: bool = False  # and only texts did

    META = "list parts"

    def carried(self, path: str, keys: Iterable[str]) -> str | None:
        """Last build's signature of a piece made from these objects (in last build's places),
        if only texts and topics changed and none of them did; else None (compute it)."""
        old = self.outputs.get(path)
        if self.changed is None or old is None or not old[1].startswith("m:"):
            return None
        changed = self.changed
        return None if any(key in changed for key in keys) else old[1]

    def whole_list_kept(self, path: str, values: list, key: Callable[[object], str],
                        signature: Callable[[object], str]) -> bool:
        """Whether a list file whose elements show no text is last build's, byte for byte (only
        texts changed). Its elements' signatures are recorded as this build's all the same:
        last build's, but for the objects (`key`) whose hashes changed."""
        recorded = self.lists.get(path)
        if not self.texts_only or self.changed is None or path not in self.outputs or not recorded:
            return False
        signatures = recorded[0].split(",") if recorded[0] else []
        if len(signatures) != len(values):
            return False
        changed = self.changed
        for n, value in enumerate(values):
            if key(value) in changed:
                signatures[n] = signature(value)
        self.made_lists[path] = [",".join(signatures), recorded[1]]
        return True

    def list_file_in_place(self, path: str, values: list, key: Callable[[object], str],
                           signature: Callable[[object], str], encode: Callable[[object], bytes]) -> bytes | None:
        """When only texts and topics changed, a list file is last build's with the elements of
        the objects whose hashes changed made again in their places (None: it cannot be, use
        `list_file`).
        At 10,000 digests a text edit changes about 13 of `data/decisions.json`'s 120,000
        elements: matching every element's signature, as `list_file` does, cost 0.25 s."""
        recorded = self.lists.get(path)
        if self.changed is None or not recorded or not recorded[0]:
            return None
        old = _OldList.of(self, path)
        if old is None or len(old.signatures) != len(values):
            return None
        changed = self.changed
        signatures, lengths = list(old.signatures), list(old.lengths)
        parts: list[bytes | memoryview] = []
        kept_from = 0  # last build's elements from here on are still to be copied
        for n, value in enumerate(values):
            if key(value) not in changed:
                continue
            if kept_from < n:
                parts.append(old.span(kept_from, n))
            data = encode(value)
            parts.append(data)
            signatures[n], lengths[n] = signature(value), str(len(data))
            kept_from = n + 1
        if kept_from < len(values):
            parts.append(old.span(kept_from, len(values)))
        self.made_lists[path] = [",".join(signatures), ",".join(lengths)]
        return _bracketed(parts)

    def signature(self, keys: Iterable[str], extra: str = "") -> str:
        """A hash of these objects' hashes (in this order) and anything else the file shows."""
        objects = self.objects
        text = "\0".join(objects[key] for key in keys) + "\0" + extra
        return "m:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    def unchanged(self, path: str, signature: str) -> bool:
        return self.outputs.get(path, ("", ""))[1] == signature

    def list_file(self, path: str, elements: Iterable[tuple[str, object]], encode: Callable[[object], bytes]
                  ) -> bytes:
        """`[` + the encoded elements joined by `,` + `]`, copying an element from last build's file
        when its signature (the first of each pair) is the same. Elements that follow each other
        in both files are copied as one slice: at 10,000 digests an edit leaves runs of thousands
        of the 120,000 decisions, and slicing each one cost more than the file's new parts."""
        old = _OldList.of(self, path)
        parts: list[bytes | memoryview] = []
        signatures: list[str] = []
        lengths: list[str] = []
        run_start = run_end = -1  # last build's elements run_start..run_end-1, not yet in `parts`
        for signature, value in elements:
            signatures.append(signature)
            found = old.find(signature, run_end) if old else -1
            if found >= 0:
                lengths.append(old.lengths[found])
                if found != run_end:
                    if run_start >= 0:
                        parts.append(old.span(run_start, run_end))
                    run_start = found
                run_end = found + 1
                continue
            if run_start >= 0:
                parts.append(old.span(run_start, run_end))
                run_start = run_end = -1
            data = encode(value)
            parts.append(data)
            lengths.append(str(len(data)))
        if run_start >= 0:
            parts.append(old.span(run_start, run_end))
        self.made_lists[path] = [",".join(signatures), ",".join(lengths)]
        return _bracketed(parts)

    @classmethod
    def saved_lists(cls, meta: str | None) -> dict[str, list[str]]:
        try:
            return json.loads(meta) if meta else {}
        except ValueError:
            return {}


def _bracketed(parts: list[bytes | memoryview]) -> bytes:
    """`[` + the parts joined by `,` + `]`, copied once (66 MB at 10,000 digests: joined, then
    bracketed, it was copied twice, 0.07 s more)."""
    pieces: list[bytes | memoryview] = [b"["]
    for part in parts:
        pieces += (part, b",")
    if parts:
        pieces.pop()
    pieces.append(b"]")
    return b"".join(pieces)


class _OldList:
    """Last build's list file, split by the signatures and lengths its build recorded."""

    def __init__(self, data: bytes, signatures: list[str], lengths: list[str]):
        self.view = memoryview(data)
        self.signatures, self.lengths = signatures, lengths
        self.offsets = [0, *accumulate(int(n) + 1 for n in lengths)]  # element n starts at 1 + offsets[n]
        self._positions: dict[str, int] | None = None

    @classmethod
    def of(cls, last: LastModelFiles, path: str) -> "_OldList | None":
        recorded = last.lists.get(path)
        if not recorded or not recorded[0] or last.output is None or path not in last.outputs:
            return None  # (an empty list, "[]", has no elements to reuse)
        try:
            data = (last.output / path).read_bytes()
        except OSError:
            return None
        if digest_of(data) != last.outputs[path][0]:  # edited by hand: made again
            return None
        signatures, lengths = recorded[0].split(","), recorded[1].split(",")
        return cls(data, signatures, lengths) if len(signatures) == len(lengths) else None

    def find(self, signature: str, expected: int) -> int:
        """The position of an element with this signature (-1: none), trying `expected` first."""
        if 0 <= expected < len(self.signatures) and self.signatures[expected] == signature:
            return expected
        if self._positions is None:
            self._positions = {s: n for n, s in enumerate(self.signatures)}
        return self._positions.get(signature, -1)

    def span(self, start: int, end: int) -> memoryview:
        """Elements start..end-1 with the commas between them."""
        return self.view[1 + self.offsets[start]:self.offsets[end]]
