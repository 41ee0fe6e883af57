"""The last build's search postings, as the search index's `PostingsStore` (search/index.py)."""

from __future__ import annotations

import json
from pathlib import Path

from .search.index import FOLDER as SEARCH_FOLDER, FORMAT as SEARCH_FORMAT
from .search.tokens import DocumentHashes, Forward
from .state import BuildState, digest_of


class LastPostings:
    """The last build's search postings, for `SearchIndex.postings`:

    - its shards, reused whole when no searchable text changed (a topic, title or date edit)
      and one by one when no key they hold changed (search/shards.py): listed in the build
      state's meta, and trusted only while every shard file in the output still has the
      bytes the build state recorded;
    - its postings rows (search/tokens.py), so that only changed documents are tokenised:
      a file beside the build state, stamped with the environment that made it."""

    META = "search postings"

    def __init__(self, db: BuildState, output: Path, old_outputs: dict[str, tuple[str, str]], stamp: str):
        self.output, self.old_outputs = output, old_outputs
        # read now: a forked helper may make the postings, and must not use the database
        self.saved = json.loads(db.meta(self.META) or "{}")
        self.rows, self.stamp = self.rows_file(db), stamp
        self.made: str | None = None  # this build's, saved with the rest of the state

    def recall(self, signature: str) -> tuple[dict[str, list], list[tuple[str, bytes]]] | None:
        saved = self.saved
        if saved.get("signature") != signature:
            return None
        files = []
        for kind in "utb":
            for _, name, _ in saved[kind]:
                rel = f"{SEARCH_FOLDER}{name}.js"
                try:
                    data = (self.output / rel).read_bytes()
                except OSError:
                    return None
                if digest_of(data) != self.old_outputs.get(rel, ("",))[0]:
                    return None
                files.append((rel, data))
        return {kind: saved[kind] for kind in "utb"}, files

    def remember(self, signature: str, sections: dict[str, list]) -> None:
        self.made = json.dumps({"signature": signature, **sections}, ensure_ascii=False)

    def has_rows(self) -> bool:
        return bool(self.rows and self.rows.is_file())

    def forward(self, hashes: DocumentHashes | None = None) -> Forward | None:
        """`hashes`: what `document_hashes` gave, not read and split again (0.05 s at 10,000 digests)."""
        return Forward.load(self.rows, self.stamp, hashes) if self.rows else None

    def document_hashes(self) -> DocumentHashes | None:
        """From the rows file, if the last committed build made it: a build that failed after
        saving its rows (see `keep_forward`) may have hashed texts the content no longer has."""
        hashes = Forward.load_hashes(self.rows, self.stamp) if self.rows else None
        if hashes is None or hashes.signature(SEARCH_FORMAT) != self.saved.get("signature"):
            return None
        return hashes

    def keep_forward(self, forward: Forward) -> None:
        # Saved at once, not with the state: rows are matched to documents by their texts'
        # hashes, so they are right for the next build whether or not this one commits.
        if self.rows:
            forward.save(self.rows, self.stamp)

    @staticmethod
    def rows_file(db: BuildState) -> Path | None:
        """Beside the build state's database; none for a state kept in memory (`check`)."""
        return db.path.with_name(db.path.stem + "-search.npz") if db.path else None
