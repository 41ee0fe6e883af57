"""Stage 4, render, for a build: the stale pages, each recording what it read.

Few pages render in this process; many are shared out to forked workers (workers.py),
which claim `CHUNK` pages at a time. A page whose bytes changed is staged for writing
(write.py); the others are only counted. What each page read goes into the build state
from the process that rendered it (`RenderedRows`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from .connections import ProcessConnection
from .memory import release_free_memory, settle
from .pages import Page
from .plan import Jobs
from .render import Renderer
from .state import BuildState, digest_of, insert_rendered
from .workers import run_chunks
from .write import OutputWriter

PARALLEL_RENDER_THRESHOLD = 1500  # stale pages; below this one process is faster


Row = tuple[str, str, str, str]  # a page's row for the build state: path, hash of its bytes, fingerprint, keys read


class RenderedRows:
    """Where each rendered page's row goes: into the build's scratch database of them
    (`BuildState.open_rendered`), from the process that rendered it, so that none travels
    back to this process. At 10,000 digests the 146,000 rows are 75 MB, which this process
    used to hold from render to the save, and a worker's half of them crossed the pipe at the
    end of render, pickled, when both processes were at their largest. Without a state file
    (`check`), a worker cannot reach this process's in-memory database: its rows come back,
    and are stored here."""

    def __init__(self, db: BuildState):
        self.db = db
        self.owner = os.getpid()
        self._worker_connection = ProcessConnection(db.rendered_path, scratch=True) if db.path else None

    def keep(self, rows: list[Row]) -> list[Row]:
        """Store the rows; those that could not be stored in this process are returned."""
        if os.getpid() == self.owner:
            insert_rendered(self.db.db, rows, "r.rendered")
        elif self._worker_connection is not None:
            insert_rendered(self._worker_connection.get(), rows)
        else:
            return rows
        return []


@dataclass(slots=True)
class RenderedChunk:
    staged: list[str]  # the pages whose bytes changed: staged for writing
    rows: list[Row]  # rows not stored by the process that rendered them (RenderedRows)


class PageRenderer:
    """Renders pages, records what each read, stages the ones whose bytes changed."""

    def __init__(self, renderer: Renderer, writer: OutputWriter, old_outputs: dict[str, tuple[str, str]],
                 rows: RenderedRows):
        self.renderer, self.writer, self.old_outputs, self.rows = renderer, writer, old_outputs, rows

    def run(self, pages: list[tuple[Page, str]]) -> RenderedChunk:
        env = self.renderer.env
        staged, rows = [], []
        for page, fingerprint in pages:
            env.recorder = set()
            context = {**page.context, **page.late()} if page.late else page.context
            try:
                data = self.renderer.render(page.template, page.url, context).encode("utf-8")
                recorded = "\n".join(sorted(env.recorded_keys()))
            finally:
                env.recorder = None
            digest = digest_of(data)
            if self.old_outputs.get(page.url, ("",))[0] != digest:
                self.writer.stage(page.url, data)
                staged.append(page.url)
            rows.append((page.url, digest, fingerprint, recorded))
        return RenderedChunk(staged, self.rows.keep(rows))


CHUNK = 400  # pages a process claims at a time


def render_pages(worker: PageRenderer, jobs: Jobs, workers: int, progress: bool) -> None:
    """Render the pages, with many in this process and forked workers (see workers.py); the
    pages whose bytes changed join the writer's staged files, and every page's row is in the
    build's scratch database of them (`RenderedRows`)."""
    bar = _progress_bar(len(jobs), progress)
    try:
        if len(jobs) < PARALLEL_RENDER_THRESHOLD or workers < 2:
            for start in range(0, len(jobs), CHUNK):
                worker.run(jobs.chunk(start, min(len(jobs), start + CHUNK)))
                bar.update(min(CHUNK, len(jobs) - start))
            return
        # The workers' collections then never touch (and so never copy) the pages of the model
        # they share with this process.
        settle()
        release_free_memory()
        chunks = run_chunks(lambda start, end: [worker.run(jobs.chunk(start, end))], len(jobs), CHUNK, workers,
                            bar.update)
        for chunk in chunks:
            worker.writer.staged.update(chunk.staged)
            if chunk.rows:
                worker.rows.keep(chunk.rows)
    finally:
        bar.close()


class _NoBar:
    def update(self, _: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, enabled: bool):
    """A progress bar for long builds, only when attached to a terminal."""
    if not enabled or total < 2000 or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="rendering", unit="page", leave=False, file=sys.stderr)
