"""Parsed bodies as the build state keeps them (its `parsed` table).

A body is stored in three parts: pickled without its HTML and its texts, its texts pickled,
and its HTML. A rebuild reads the first part of every body (the index needs the items), the
texts a page or file shows (`TextsInState`), and the HTML of a page it renders (`BodyStore`).
"""

from __future__ import annotations

import functools
import pickle
import sqlite3
from pathlib import Path

from .connections import ProcessConnection
from .errors import BuildError, ContentError

# A parsed body as the state keeps it: pickled without its HTML and its texts; its texts
# (`_texts_of`), pickled; and its HTML.
StoredBody = tuple[bytes, bytes, str]


def pack_body(body) -> StoredBody:
    """The HTML and the texts apart: a rebuild reads every other field of every body (the
    index needs the items), but the HTML of a page it renders again only, and the texts a
    page or file shows (model.ParsedBody); at 10,000 digests the HTML is 100 MB of 250 MB,
    and the texts 107 of the other 142."""
    html, texts = body.html, _texts_of(body)
    body.html = ""
    _put_texts(body, ([None] * len(texts[0]), [None] * len(texts[1])))
    try:
        protocol = pickle.HIGHEST_PROTOCOL
        return pickle.dumps(body, protocol=protocol), pickle.dumps(texts, protocol=protocol), html
    finally:
        body.html = html
        _put_texts(body, texts)


def unpack_body(stored: StoredBody):
    body = pickle.loads(stored[0])
    _put_texts(body, pickle.loads(stored[1]))
    body.html = stored[2]
    return body


def _texts_of(body) -> tuple[list, list]:
    """Its items' texts, and its citations' sentences in `ParsedBody.citations` order."""
    return [item.text for item in body.items], [cited.sentence for cited in body.citations()]


def _put_texts(body, texts: tuple[list, list]) -> None:
    for item, text in zip(body.items, texts[0]):
        item.text = text
    for cited, sentence in zip(body.citations(), texts[1]):
        cited.sentence = sentence


class TextsInState:
    """A parsed body's texts (`model.StoredTexts`), read from the state file the first time
    one is asked for, by whichever process asks (render workers are forked)."""

    __slots__ = ("_texts", "connection", "key")

    def __init__(self, connection: ProcessConnection, key: str, stored: bytes | None = None):
        """`stored`: the texts as the state holds them, read already."""
        self.connection, self.key = connection, key
        self._texts = pickle.loads(stored) if stored is not None else None

    def _read(self) -> tuple[list[str], list[str]]:
        if self._texts is None:
            row = self._select()
            if row is None:  # the state file was deleted and made again: the connection reads the old one
                self.connection.reopen()
                row = self._select()
            if row is None:  # only a build prunes the table, and never a body in use
                raise BuildError([ContentError(self.connection.path, None,
                                               f"the build state has lost the texts of parsed body {self.key}",
                                               "build again with --clean")])
            self._texts = pickle.loads(row[0])
        return self._texts

    def _select(self) -> tuple[bytes] | None:
        """(A row of another state file at this path is as good: texts are functions of their key.)"""
        return self.connection.get().execute("SELECT texts FROM parsed WHERE hash = ?", (self.key,)).fetchone()

    def item(self, position: int) -> str:
        return self._read()[0][position]

    def sentence(self, position: int) -> str:
        return self._read()[1][position]


@functools.cache
def texts_connection(path: Path) -> ProcessConnection:
    """One connection per state file and process for the texts of parsed bodies, whichever
    build read them: `serve` keeps bodies from build to build (`BuildState.memo`), and a
    connection for each build they came from would stay open as long as they do."""
    return ProcessConnection(path, read_only=True)


def insert_parsed(connection: sqlite3.Connection, parsed: dict[str, StoredBody]) -> None:
    """The HTML goes in as UTF-8 bytes cast to text: bound as a `str`, each string would keep
    a UTF-8 copy of itself for as long as it lives (CPython caches it): 109 MB at 10,000 digests."""
    connection.execute("BEGIN")
    connection.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?, ?, CAST(? AS TEXT))",
                           ((key, body, texts, html.encode("utf-8")) for key, (body, texts, html) in parsed.items()))
    connection.execute("COMMIT")


class BodyStore:
    """Digests' parsed HTML, kept out of memory: read from the state when a page needs it.

    Each process (render workers are forked) opens its own read-only connection.
    Without a state file (`check`), the HTML stays in memory.
    """

    def __init__(self, path: Path | None, memory: dict[str, str] | None = None):
        self.path = path
        self.memory = memory or {}
        self._db = ProcessConnection(path, read_only=True) if path else None

    def html(self, digest) -> str:
        key = digest.source.body_key
        if key in self.memory:
            return self.memory[key]
        row = self._db.get().execute("SELECT html FROM parsed WHERE hash = ?", (key,)).fetchone()
        return row[0]
