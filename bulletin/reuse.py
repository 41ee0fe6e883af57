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
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
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

    META = "list parts"

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
        when its signature (the first of each pair) is the same."""
        old = self._old_elements(path)
        parts: list[bytes | memoryview] = []
        signatures: list[str] = []
        for signature, value in elements:
            data = old.get(signature)
            parts.append(encode(value) if data is None else data)
            signatures.append(signature)
        self.made_lists[path] = [",".join(signatures), ",".join(str(len(p)) for p in parts)]
        return b"[" + b",".join(parts) + b"]"

    def _old_elements(self, path: str) -> dict[str, memoryview]:
        recorded = self.lists.get(path)
        if not recorded or not recorded[0] or self.output is None or path not in self.outputs:
            return {}  # (an empty list, "[]", has no elements to reuse)
        try:
            data = (self.output / path).read_bytes()
        except OSError:
            return {}
        if digest_of(data) != self.outputs[path][0]:  # edited by hand: made again
            return {}
        view = memoryview(data)
        elements: dict[str, memoryview] = {}
        offset = 1  # after "["
        for signature, length in zip(recorded[0].split(","), map(int, recorded[1].split(","))):
            elements[signature] = view[offset:offset + length]
            offset += length + 1  # and the ","
        return elements

    @classmethod
    def saved_lists(cls, meta: str | None) -> dict[str, list[str]]:
        try:
            return json.loads(meta) if meta else {}
        except ValueError:
            return {}
