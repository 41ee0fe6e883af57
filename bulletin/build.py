"""A build: whether there is anything to do, then the pipeline (load → parse → index →
render → write, in pipeline.py).

`build_site` is what `bulletin build`, `python build.py`, `serve` and `check`
all call. Content errors from every file are gathered before anything is
written. Rebuilds are incremental and exact: the build state (state.py) says
which files changed, which objects changed, and which pages read them (deps.py);
only those pages are rendered again, and only changed bytes are written.

Whether there is anything to do at all is a scan of content/ and one comparison
(inputs.py); pipeline.py is imported only when there is work, so a no-op rebuild
never imports Jinja2, Markdown or NumPy.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path

from .config import SiteConfig, load_config
from .errors import BuildError, UsageError
from .inputs import environment_fingerprint, inputs_signature, outputs_look_present
from .load import discover_with_stats
from .lock import build_lock
from .memory import collector_settled
from .model import Site
from .state import BuildState
from .write import OutputWriter, state_file


@dataclass
class BuildResult:
    site: Site | None  # None when nothing changed and nothing was loaded
    output: Path
    pages: int  # pages in the site
    written: int  # files whose bytes changed
    unchanged: int  # files produced again with the same bytes, or not rendered at all
    removed: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    digests: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    changed: list[str] = field(default_factory=list)  # files written or removed (site-relative)

    def summary(self) -> str:
        return (f"{self.digests} digests: {self.written} files written, {self.unchanged} unchanged, "
                f"{self.removed} removed, {self.pages} pages in {self.output} ({self.seconds:.2f} s)")


def build_site(source_dir: Path, output: Path | None = None, drafts: bool = False,
               base_url: str | None = None, force: bool = False, clean: bool = False,
               state: bool = True, workers: int | None = None, progress: bool = False,
               parsed_memo: dict | None = None) -> BuildResult:
    """One build. `state=False` keeps the build state in memory (for `check`); `clean`
    forgets every cache and renders everything again. `parsed_memo` (an empty dict, then the
    same one for every build) keeps parsed bodies in memory from one build of a long-lived
    process to the next (`serve`; state.BuildState.parsed)."""
    started = time.perf_counter()
    source_dir = Path(source_dir)
    output = Path(output) if output else source_dir / "site"
    writer = OutputWriter(source_dir, output, force)
    writer.check_safe()
    if not (source_dir / "content").is_dir():
        raise UsageError(f"{source_dir} has no content/ folder; pass --source with the site folder "
                         "(the one holding content/)")
    workers = workers or os.cpu_count() or 1
    config = load_config(source_dir, base_url)
    if not state:  # `check`: a folder of its own, nothing shared with another build
        return _build_and_close(source_dir, config, BuildState(None), writer, drafts, clean, workers, progress, started)
    path = state_file(source_dir, writer.output)
    with build_lock(path.with_suffix(".lock"), writer.output):  # before anything is touched
        return _build_and_close(source_dir, config, BuildState(path, parsed_memo), writer, drafts, clean, workers,
                             progress, started)


def _build_and_close(source_dir: Path, config: SiteConfig, db: BuildState, writer: OutputWriter, drafts: bool,
                  clean: bool, workers: int, progress: bool, started: float) -> BuildResult:
    try:
        with collector_settled(), ExitStack() as helpers:  # helper processes end with the build
            return _build(source_dir, config, db, writer, drafts, clean, workers, progress, started, helpers)
    except BaseException:
        writer.abort()  # the staged files, once no helper can write any more
        raise
    finally:
        db.close()


def _build(source_dir: Path, config: SiteConfig, db: BuildState, writer: OutputWriter, drafts: bool,
           clean: bool, workers: int, progress: bool, started: float, helpers: ExitStack) -> BuildResult:
    search_enabled = True
    env_fingerprint = environment_fingerprint(config, drafts, search_enabled)
    writer.check_safe()
    interrupted = writer.recover()  # a commit left unfinished: the state no longer matches the output
    if clean or interrupted or db.meta("environment") != env_fingerprint:
        db.reset(keep_outputs=True, keep_hashes=not clean)
        db.adopt_outputs(interrupted)
        from .search_state import LastPostings  # NumPy: imported only by a build with work to do

        if rows := LastPostings.rows_file(db):
            rows.unlink(missing_ok=True)
    scanned = discover_with_stats(source_dir / "content")
    inputs = inputs_signature(source_dir, scanned[0], env_fingerprint)
    if inputs == db.meta("inputs") and not writer.journal.exists() and outputs_look_present(writer.output, db):
        return BuildResult(None, writer.output, int(db.meta("pages") or 0), 0, int(db.meta("files") or 0), 0,
                           time.perf_counter() - started, scanned[1], digests=int(db.meta("digests") or 0))
    from .sources import SourcesLoading  # Markdown: only for a build with work to do

    # The parse workers fork now, from a process that has not imported the rest of the build,
    # and parse while it does (a quarter of a second of every such build).
    loading = helpers.enter_context(closing(SourcesLoading(source_dir / "content", config, drafts, db,
                                                           reuse=True, scanned=scanned, workers=workers)))
    from .pipeline import run_stages  # Jinja2, NumPy

    return run_stages(source_dir, config, db, writer, workers, progress, started, helpers, loading, inputs,
                      env_fingerprint, search_enabled)


def load_site(source_dir: Path, drafts: bool = False, base_url: str | None = None
              ) -> tuple[SiteConfig, Site, list[str]]:
    """Load, parse and index the content without writing anything (for tools and tests)."""
    from .index import build_index
    from .sources import load_sources

    config = load_config(Path(source_dir), base_url)
    db = BuildState(None)
    try:
        loaded = load_sources(Path(source_dir) / "content", config, drafts, db, reuse=False)
        if loaded.errors:
            raise BuildError(loaded.errors)
        return config, build_index(list(zip(loaded.digests, loaded.bodies)), config), loaded.warnings
    finally:
        db.close()
