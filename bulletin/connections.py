"""A connection to a build state's SQLite file for whichever process asks (forked workers among them)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class ProcessConnection:
    """A connection to a state file for whichever process asks: forked workers never use one
    inherited across the fork (SQLite forbids it), and open their own on first use. They
    write in turns with the main process (WAL), waiting up to a minute for each other."""

    def __init__(self, path: Path, read_only: bool = False, scratch: bool = False):
        self.path, self.read_only, self.scratch = path, read_only, scratch
        self._pid, self._connection = 0, None

    def get(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            self._connection = (sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) if self.read_only
                                else sqlite3.connect(str(self.path), isolation_level=None, timeout=60))
            if not self.read_only:  # as the build's own connection (a worker's default, FULL, syncs every batch)
                self._connection.execute(f"PRAGMA synchronous={'OFF' if self.scratch else 'NORMAL'}")
            self._pid = os.getpid()
        return self._connection

    def reopen(self) -> None:
        """The next `get` connects anew (to the file now at the path)."""
        if self._pid == os.getpid() and self._connection is not None:
            self._connection.close()
        self._pid, self._connection = 0, None
