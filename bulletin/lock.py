"""One build at a time for each output folder.

Two builds of the same output (a `bulletin build` run while `serve` rebuilds, or two CI
jobs on one checkout) would share the staging folder, the commit journal and the build
state, and could leave a site that neither of them made. A build holds an advisory lock
on a file beside its build state; a second build waits for the first to finish, and
gives up with a clear message after `WAIT` seconds. The lock belongs to the open file,
so it is released however the build ends, a crash included.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import UsageError

try:
    import fcntl
except ImportError:  # Windows: no flock; builds of one output are not kept apart there
    fcntl = None

WAIT = 120.0  # seconds a build waits for another build of its output (a cold 10,000 digests takes 50)
POLL = 0.1


@contextmanager
def build_lock(path: Path, output: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the lock at `path` (the build state's, with `.lock`) while the block runs."""
    if fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        _acquire(handle, output, WAIT if wait is None else wait)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")  # for the message of a build that waits
            handle.flush()
            yield
        finally:  # released now even if a forked helper that is still ending shares the file
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle, output: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    said = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _holder(handle)
            if time.monotonic() >= deadline:
                raise UsageError(f"another bulletin build{holder} is writing {output}, and has not finished "
                                 f"in {wait:.0f} s; wait for it, or stop it (Ctrl+C in its terminal), "
                                 "then build again") from None
            if not said:
                print(f"waiting for another bulletin build{holder} of {output} to finish…", file=sys.stderr)
                said = True
            time.sleep(POLL)


def _holder(handle) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f" (process {pid})" if pid.isdigit() else ""
