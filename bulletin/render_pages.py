"""Stage 4, render, for a build: the stale pages, each recording what it read.

Few pages render in this process; many are shared out to forked workers (workers.py),
which claim `CHUNK` pages at a time. A page whose bytes changed is staged for writing
(write.py); the others are only counted.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from .memory import release_free_memory, settle
from .pages import Page
from .render import Renderer
from .state import digest_of
from .workers import run_chunks
from .write import OutputWriter

PARALLEL_RENDER_THRESHOLD = 1500  # stale pages; below this one process is faster


@dataclass(slots=True)
class Rendered:
    url: str
    hash: str
    fingerprint: str
    deps: str  # the keys it read, sorted, one a line: as the build state stores them, and a
    # tenth of the memory of a set of keys (150 MB for the 146,000 pages of 10,000 digests)
    staged: bool


class PageRenderer:
    """Renders pages, records what each read, stages the ones whose bytes changed."""

    def __init__(self, renderer: Renderer, writer: OutputWriter, old_outputs: dict[str, tuple[str, str]]):
        self.renderer, self.writer, self.old_outputs = renderer, writer, old_outputs

    def run(self, pages: list[tuple[Page, str]]) -> list[Rendered]:
        env = self.renderer.env
        results = []
        for page, fingerprint in pages:
            env.recorder = set()
            context = {**page.context, **page.late()} if page.late else page.context
            try:
                data = self.renderer.render(page.template, page.url, context).encode("utf-8")
                recorded = "\n".join(sorted(env.recorded_keys()))
            finally:
                env.recorder = None
            digest = digest_of(data)
            changed = self.old_outputs.get(page.url, ("",))[0] != digest
            if changed:
                self.writer.stage(page.url, data)
            results.append(Rendered(page.url, digest, fingerprint, recorded, changed))
        return results


CHUNK = 400  # pages a process claims at a time


def render_pages(worker: PageRenderer, jobs: list[tuple[Page, str]], workers: int, progress: bool
                ) -> list[Rendered]:
    """Render the pages; with many, in this process and forked workers (see workers.py)."""
    bar = _progress_bar(len(jobs), progress)
    try:
        if len(jobs) < PARALLEL_RENDER_THRESHOLD or workers < 2:
            results = []
            for start in range(0, len(jobs), CHUNK):
                results.extend(worker.run(jobs[start:start + CHUNK]))
                bar.update(min(CHUNK, len(jobs) - start))
            return results
        # The workers' collections then never touch (and so never copy) the pages of the model
        # they share with this process.
        settle()
        release_free_memory()
        results = run_chunks(lambda start, end: worker.run(jobs[start:end]), len(jobs), CHUNK, workers, bar.update)
        worker.writer.staged.update(r.url for r in results if r.staged)
        results.sort(key=lambda r: r.url)
        return results
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
