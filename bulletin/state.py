"""The build state: what the last build read and wrote, in SQLite.

Kept in the site's `.bulletin/` folder (never in the output), one database per
output folder. It records, Lektor-style:

- `sources`: every content file's size, mtime and hash, with its validated
  front matter, so an unchanged file is not even read again;
- `parsed`: the parsed Markdown of every body, by content hash, its HTML in a
  column of its own (read only when its page renders), and so are its items' texts
  and its citations' sentences (read only when a page or file shows them; stored_bodies.py);
- `objects`: a hash of every model object (digest, item, topic, decision,
  week…), so a rebuild knows which ones changed;
- `outputs`: for every file written, the hash of its bytes, the fingerprint
  of its template and context, and the keys of the objects its templates read
  (one row per file: a cold build of 100,000 pages stores 100,000 rows).

Beside it, while a build renders, a scratch database holds the rows of `outputs` for
the pages this build rendered, put there by whichever process rendered them and moved
into `outputs` by the build's `save` (`open_rendered`).

A page is rendered again only when its fingerprint changed or an object it read
changed; it is written only when its bytes changed.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from .stored_bodies import (
    StoredBody,
    TextsInState,
    insert_parsed,
    texts_connection,
    unpack_body,
)

SCHEMA_VERSION = "6"
OUTPUT_COLUMNS = "(path TEXT PRIMARY KEY, hash TEXT, fingerprint TEXT, deps TEXT)"  # outputs, and rendered
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sources (rel TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER,
                                    hash TEXT, record BLOB);
CREATE TABLE IF NOT EXISTS parsed (hash TEXT PRIMARY KEY, body BLOB, texts BLOB, html TEXT);
CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, hash TEXT);
CREATE TABLE IF NOT EXISTS outputs {OUTPUT_COLUMNS};
"""
CACHES = ("sources", "parsed", "objects")  # the tables a reset empties


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class BuildState:
    def __init__(self, path: Path | None, memo: dict[str, object] | None = None):
        """`path=None` keeps the state in memory only (for `check`). `memo` is where a
        long-lived process (`serve`) keeps the parsed bodies it read, from one build to the
        next (see `parsed`); a state file is required, as their HTML is read from it."""
        if memo is not None and path is None:
            raise ValueError("a memo of parsed bodies needs a state file")
        self.path, self.memo = path, memo
        self.rendered_path = path.with_name(path.stem + "-rendered.sqlite") if path else None
        self.texts = texts_connection(path) if path else None  # parsed bodies' texts (`parsed`)
        self._rendered_open = False
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path) if path else ":memory:", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        if self.meta("schema") != SCHEMA_VERSION:
            self._remake(keep_outputs=self.meta("schema") is not None)

    def _remake(self, keep_outputs: bool) -> None:
        """Another version's tables, whose columns may differ, made anew. Kept: which files
        are ours, and the hashes of their bytes (every version had both), so a file rendered
        again to the same bytes is not written again."""
        ours = list(self.db.execute("SELECT path, hash FROM outputs")) if keep_outputs else []
        self.db.executescript("".join(f"DROP TABLE {table};" for table in (*CACHES, "meta", "outputs")) + SCHEMA)
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO outputs VALUES (?, ?, '', '')", ours)
        self.set_meta("schema", SCHEMA_VERSION)
        self.db.execute("COMMIT")

    def close(self) -> None:
        """The write-ahead log is emptied and truncated: left as the save's transaction grew it,
        it stayed beside the state between builds (130 MB at 10,000 digests)."""
        try:
            self._close_rendered()
            if self.path is not None:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass  # another process still reading: the next build's checkpoints will do
        finally:
            self.db.close()

    # -- meta ----------------------------------------------------------------------
    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def reset(self, keep_outputs: bool = True, keep_hashes: bool = False) -> None:
        """Forget every cache. With keep_outputs, still remember which files are ours, and with
        keep_hashes their bytes' hashes too (then a file rendered again to the same bytes is not
        written again: a new version or a changed setting rewrites only the files it changes)."""
        if self.memo:
            self.memo.clear()
        self.db.execute("BEGIN")
        for table in CACHES:
            self.db.execute(f"DELETE FROM {table}")
        self.db.execute("DELETE FROM meta WHERE name != 'schema'")
        if keep_outputs and keep_hashes:
            self.db.execute("UPDATE outputs SET fingerprint = '', deps = ''")
        elif keep_outputs:
            self.db.execute("UPDATE outputs SET hash = '', fingerprint = '', deps = ''")
        else:
            self.db.execute("DELETE FROM outputs")
        self.db.execute("COMMIT")

    # -- sources and parse cache ---------------------------------------------------
    def sources(self) -> dict[str, tuple[int, int, str, bytes]]:
        return {rel: (size, mtime, h, record) for rel, size, mtime, h, record
                in self.db.execute("SELECT rel, size, mtime_ns, hash, record FROM sources")}

    def parsed(self, hashes: list[str]) -> dict[str, object]:
        """Parsed bodies by key, without their HTML (see `pack_body`), their texts read when
        first asked for (`TextsInState`; at once without a state file).

        With a memo, a body read by an earlier build of this process is not read again (a
        text edit at 10,000 digests: 1.1 s of unpickling): parse results are functions of
        their key, and never changed once made. Only keys the table still has are taken
        from it, as a reset, or another process's build, may have emptied it."""
        found = {}
        memo = self.memo
        if memo:
            for h, in self._select("hash", [h for h in hashes if h in memo]):
                found[h] = memo[h]
            hashes = [h for h in hashes if h not in found]
        if self.path is None:  # `check`: nothing to read texts from later
            return found | {h: unpack_body((body, texts, ""))
                            for h, body, texts in self._select("hash, body, texts", hashes)}
        for h, body in self._select("hash, body", hashes):
            found[h] = self._read_back(h, body)
            if memo is not None:
                memo[h] = found[h]
        return found

    def has_parsed(self, keys: list[str]) -> bool:
        """Whether the parse cache holds every one of these bodies (another process's build may
        have pruned or reset it)."""
        held = {h for (h,) in self.db.execute("SELECT hash FROM parsed")}
        return all(key in held for key in keys)

    def texts_of(self, key: str) -> TextsInState:
        """The texts of the parsed body of this key, read from the state when first asked for."""
        return TextsInState(self.texts, key)

    def _read_back(self, key: str, stored: bytes, texts: bytes | None = None):
        body = pickle.loads(stored)
        body.texts = TextsInState(self.texts, key, texts)
        return body

    def recall_parsed(self) -> int:
        """Put every parsed body the state has in the memo (`serve`, while it waits for a save),
        with its texts: how many were read. The first edit after starting then reads none
        either, nor any text of a body it did not parse."""
        before = len(self.memo)
        for h, body, texts in self.db.execute("SELECT hash, body, texts FROM parsed"):
            if h not in self.memo:
                self.memo[h] = self._read_back(h, body, texts)
        return len(self.memo) - before

    def _select(self, columns: str, hashes: list[str]) -> Iterator[tuple]:
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            yield from self.db.execute(f"SELECT {columns} FROM parsed WHERE hash IN ({','.join('?' * len(chunk))})",
                                       chunk)

    # -- objects and outputs -------------------------------------------------------
    def object_hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, hash FROM objects"))

    def outputs(self) -> dict[str, tuple[str, str]]:
        return {p: (h, f) for p, h, f in self.db.execute("SELECT path, hash, fingerprint FROM outputs")}

    def sample_outputs(self, count: int) -> list[str]:
        """Up to `count` recorded outputs spread over the table (the home page among them)."""
        total = self.db.execute("SELECT max(rowid) FROM outputs").fetchone()[0] or 0
        step = max(1, total // count)
        rows = self.db.execute("SELECT path FROM outputs WHERE rowid % ? = 0 AND hash != '' LIMIT ?",
                               (step, count)).fetchall()
        return [p for (p,) in rows] + [p for (p,) in self.db.execute(
            "SELECT path FROM outputs WHERE path = 'index.html' AND hash != ''")]

    def pages_reading(self, keys: set[str]) -> set[str]:
        """Pages whose templates read any of these objects last time. (Letting SQLite pick the
        rows holding a key as text first was measured slower: 0.8 s against 0.4 s at 10,000
        digests, as the keys a digest's edit changes are read by thousands of pages.)"""
        return {path for path, deps in self.db.execute("SELECT path, deps FROM outputs WHERE deps != ''")
                if not keys.isdisjoint(deps.split("\n"))}

    def open_rendered(self) -> None:
        """Start the scratch database of the rows of the pages this build renders, attached as
        `r` (in memory without a state file): `insert_rendered` fills it, from any process,
        `save` moves its rows into `outputs`, and it is deleted. Apart from the state, so that
        once moved, the 146,000 rows of a first build at 10,000 digests do not leave 90 MB
        of free pages in it (nor double its log)."""
        self._close_rendered()
        self.db.execute("ATTACH DATABASE ? AS r", (str(self.rendered_path) if self.path else ":memory:",))
        self._rendered_open = True
        self.db.execute("PRAGMA r.journal_mode=WAL")
        self.db.execute("PRAGMA r.synchronous=OFF")  # a build that stops loses its rows anyway
        self.db.execute(f"CREATE TABLE r.rendered {OUTPUT_COLUMNS}")

    def _close_rendered(self) -> None:
        if self._rendered_open:
            self.db.execute("DETACH DATABASE r")
            self._rendered_open = False
        if self.rendered_path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.rendered_path}{suffix}").unlink(missing_ok=True)

    def save(self, *, sources: dict[str, tuple[int, int, str, bytes]], removed_sources: set[str],
             objects: dict[str, str], old_objects: dict[str, str],
             outputs: dict[str, tuple[str, str]], removed_outputs: set[str],
             meta: dict[str, str], deps: dict[str, str] | None = None) -> None:
        """One transaction: the state moves to the new build all at once or not at all (fresh
        parse results are stored before, by `save_parsed`, and the rows of the pages rendered,
        by `insert_rendered`: moved into `outputs` here). `deps`: the keys each of `outputs`
        read, sorted, one a line, as render_pages.RenderedRows stores them."""
        db = self.db
        deps = deps or {}
        db.execute("BEGIN")
        try:
            db.executemany("DELETE FROM sources WHERE rel = ?", ((r,) for r in removed_sources))
            db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)",
                           ((rel, *row) for rel, row in sources.items()))
            db.executemany("DELETE FROM objects WHERE key = ?", ((k,) for k in old_objects.keys() - objects.keys()))
            db.executemany("INSERT OR REPLACE INTO objects VALUES (?, ?)",
                           ((k, h) for k, h in objects.items() if old_objects.get(k) != h))
            db.executemany("DELETE FROM outputs WHERE path = ?", ((p,) for p in removed_outputs))
            db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)",
                           ((p, h, f, deps.get(p, "")) for p, (h, f) in outputs.items()))
            if self._rendered_open:
                db.execute("INSERT OR REPLACE INTO outputs SELECT path, hash, fingerprint, deps FROM r.rendered")
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._close_rendered()

    def adopt_outputs(self, paths: set[str]) -> None:
        """Files an interrupted commit wrote: ours, with unknown contents."""
        self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, '', '', '')", ((p,) for p in paths))

    def save_parsed(self, parsed: dict[str, StoredBody]) -> None:
        """Store fresh parse results at once: valid whatever happens to the rest of the build."""
        insert_parsed(self.db, parsed)

    def prune_parsed(self, live: set[str]) -> None:
        """Drop parse results no digest uses any more (keeps the cache bounded)."""
        if self.memo:
            for h in [h for h in self.memo if h not in live]:
                del self.memo[h]
        stale = [h for (h,) in self.db.execute("SELECT hash FROM parsed") if h not in live]
        if stale:
            self.db.executemany("DELETE FROM parsed WHERE hash = ?", ((h,) for h in stale))


def insert_rendered(connection: sqlite3.Connection, rows: list[tuple[str, str, str, str]],
                    table: str = "rendered") -> None:
    """Rows (path, hash, fingerprint, keys read) of pages this build rendered, for its `save`:
    into the scratch database of `BuildState.open_rendered` (`r.rendered` where it is attached)."""
    connection.execute("BEGIN")
    connection.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?)", rows)
    connection.execute("COMMIT")
