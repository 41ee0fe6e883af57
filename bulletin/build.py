"""The whole pipeline, stage by stage: load → parse → index → render → write.

`build_site` is what `bulletin build`, `python build.py`, `serve` and `check`
all call. Content errors from every file are gathered before anything is
written. Rebuilds are incremental and exact: the build state (state.py) says
which files changed, which objects changed, and which pages read them (deps.py);
only those pages are rendered again, and only changed bytes are written.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterator

from . import __version__, urls
from .carried_hashes import CarriedHashes
from .config import SiteConfig, load_config
from .deps import object_hashes
from .errors import BuildError, UsageError
from .feeds import atom_feed, sitemap_files
from .index import build_index
from .inputs import environment_fingerprint, inputs_signature, outputs_look_present, static_files
from .model import Site
from .pages import TEMPLATES, decision_types, decision_years, site_pages
from .plan import META as PLAN_META, plan_pages
from .render import Renderer
from .render_pages import PageRenderer, render_pages
from .search.index import SCRIPT as SEARCH_SCRIPT
from .search_state import LastPostings
from .sources import load_sources, scan
from .model_files import EarlyDocuments, EarlyPostings, from_model, make_model_files
from .reuse import LastModelFiles
from .state import BodyStore, BuildState, digest_of
from .memory import collector_settled, settle
from .workers import run_beside
from .write import OutputsPresent, OutputWriter, state_file


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


def _site_objects(site: Site, years, types) -> Iterator[object]:
    yield from site.digests  # items are hashed with their digest
    yield from site.topics
    yield from site.decisions
    for year in site.years:
        yield year
        yield from year.weeks
    for year in years:
        yield year
        yield from year.types
    yield from types


PARALLEL_OBJECTS = 40_000  # below this, forking a helper to hash half of them costs more than it saves


def _object_hashes(objects: list[object], workers: int, carried: CarriedHashes | None = None
                   ) -> dict[str, str]:
    """Key → hash of every model object and its memberships (deps.py), carrying over the own
    hashes no edit can have changed; on a big site half of the others in a forked helper
    (141,000 objects at 10,000 digests)."""
    def hashes(part: list[object]) -> list[tuple[str, str]]:
        return [pair for o in part for pair in object_hashes(o)]

    carried_pairs: list[tuple[str, str]] = []
    if carried is not None:
        fresh = []
        for o in objects:
            own = carried.own_hash(o)
            if own is None:
                fresh.append(o)
            else:
                carried_pairs.extend(object_hashes(o, own))
        objects = fresh
    if workers < 2 or len(objects) < PARALLEL_OBJECTS:
        return dict(carried_pairs + hashes(objects))
    half = len(objects) // 2
    theirs, mine = run_beside(lambda: hashes(objects[half:]), lambda: hashes(objects[:half]))
    return dict(carried_pairs + mine + theirs)


def build_site(source_dir: Path, output: Path | None = None, drafts: bool = False,
               base_url: str | None = None, force: bool = False, clean: bool = False,
               state: bool = True, workers: int | None = None, progress: bool = False) -> BuildResult:
    """One build. `state=False` keeps the build state in memory (for `check`); `clean`
    forgets every cache and renders everything again."""
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
    db = BuildState(state_file(source_dir, writer.output) if state else None)
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
        if rows := LastPostings.rows_file(db):
            rows.unlink(missing_ok=True)
    scanned = scan(source_dir / "content")
    inputs = inputs_signature(source_dir, scanned[0], env_fingerprint)
    if inputs == db.meta("inputs") and not writer.journal.exists() and outputs_look_present(writer.output, db):
        count = int(db.meta("pages") or 0)
        return BuildResult(None, writer.output, count, 0, count, 0, time.perf_counter() - started, scanned[1],
                           digests=int(db.meta("digests") or 0))
    clock = _Clock()
    renderer = Renderer(source_dir, config, search_enabled=search_enabled)
    renderer.check_templates(TEMPLATES)
    recorded = db.outputs()
    writer.open(set(recorded))  # staging from here on: helpers stage the model's files as they make them
    present = OutputsPresent(writer.output, recorded, workers)  # a file deleted by hand is made again
    try:
        loaded = load_sources(source_dir / "content", config, drafts, db, reuse=True, scanned=scanned,
                              workers=workers)
        if loaded.errors:
            raise BuildError(loaded.errors)
        clock.lap("load and parse")
        settle()
        site = build_index(list(zip(loaded.digests, loaded.bodies)), config)
        bodies = _keep_bodies_out_of_memory(db, loaded)
        settle()
        old_outputs = present.result()
        postings = LastPostings(db, writer.output, old_outputs, env_fingerprint)
        old_objects = db.object_hashes()
        carried = CarriedHashes.of(loaded, db, old_objects)
        early = None
        if (loaded.changed or loaded.removed) and EarlyPostings.worth_it(site, old_outputs, workers, postings):
            early = helpers.enter_context(EarlyPostings(site, config, old_outputs, postings, carried))

        years = decision_years(site)
        types = decision_types(years)
        objects = _object_hashes(list(_site_objects(site, years, types)), workers, carried)
        changed_objects = {k for k, h in objects.items() if old_objects.get(k) != h}
        changed_objects |= old_objects.keys() - objects.keys()
    finally:
        present.stop()
    reading_changed = db.pages_reading(changed_objects) if changed_objects else set()
    # The data files and the search index are functions of the model alone: when no
    # object changed (a template or static edit), last build's files still hold. (The
    # state's hashes are last build's, and none at all after a reset.)
    model_unchanged = bool(old_objects) and not changed_objects
    model_files_present = all(p in old_outputs for p in recorded if from_model(p))
    remake_model_files = not (model_unchanged and model_files_present)
    last_model_files = LastModelFiles(objects, old_outputs, writer.output,
                                      LastModelFiles.saved_lists(db.meta(LastModelFiles.META)))
    early_documents = None
    if early and not remake_model_files:
        early.stop()
        early = None
    elif early:  # the rest of the model's files too, beside planning and rendering
        early_documents = helpers.enter_context(EarlyDocuments(site, config, old_outputs, last_model_files,
                                                                   writer))
    clock.lap("index")

    plan = plan_pages(site_pages(site, config.per_page, config.items_per_page, years, types, bodies.html),
                      renderer.env, old_outputs, reading_changed, db.meta(PLAN_META))
    jobs, produced = plan.jobs, plan.kept
    unchanged_pages = set(produced)
    clock.lap("plan")
    settle()
    rendered = render_pages(PageRenderer(renderer, writer, old_outputs), jobs, workers, progress)
    jobs.clear()  # the pages and their contexts: not needed by what follows, which is memory-hungry
    clock.lap("render")
    settle()
    # Unless helpers started early are making them (a rebuild), the model's own files are made
    # once the page workers are gone: making them alongside was measured slower, as every page
    # of the shared model written while the workers live is copied.
    model_files = (make_model_files(site, config, writer, old_outputs, workers, postings, last_model_files,
                                    carried, early, early_documents)
                   if remake_model_files else [])
    clock.lap("data and search")
    deps = {r.url: r.deps for r in rendered}
    for r in rendered:
        produced[r.url] = (r.hash, r.fingerprint)
    if not remake_model_files:
        produced.update((p, v) for p, v in old_outputs.items() if from_model(p) and p not in produced)
    produced.update((path, (digest, signature)) for path, digest, _, signature in model_files)
    for rel, data in _other_files(site, config, source_dir, list(produced)):
        digest = digest_of(data)
        if old_outputs.get(rel, ("",))[0] != digest:
            writer.stage(rel, data)
        produced[rel] = (digest, "")
    removed = set(recorded) - set(produced)
    clock.lap("other files")
    writer.commit(writer.staged, removed)
    clock.lap("commit")
    db.save(sources=loaded.records, removed_sources=loaded.removed,
            objects=objects, old_objects=old_objects,
            outputs={p: v for p, v in produced.items() if p not in unchanged_pages},
            removed_outputs=removed, deps=deps,
            meta={"environment": env_fingerprint, "version": __version__, "inputs": inputs,
                  "pages": str(len(produced)), "digests": str(len(site.digests)),
                  PLAN_META: json.dumps(plan.templates),
                  **({LastPostings.META: postings.made} if postings.made else {}),
                  **({LastModelFiles.META: json.dumps(last_model_files.made_lists)} if model_files else {})})
    if loaded.changed or loaded.removed:
        db.prune_parsed({s.body_key for s in loaded.digests})
    writer.finish()
    clock.lap("state")
    written = len(writer.staged)
    return BuildResult(site, writer.output, plan.pages, written, len(produced) - written, len(removed),
                       time.perf_counter() - started, loaded.warnings, digests=len(site.digests),
                       timings=clock.laps, changed=sorted(writer.staged | removed))


def fresh_object_hashes(site: Site) -> dict[str, str]:
    """Every object of a model hashed anew, as a first build does: what the carried hashes
    (carried_hashes.py) of an incremental build must equal (tests, bench/fuzz_exactness.py)."""
    years = decision_years(site)
    return _object_hashes(list(_site_objects(site, years, decision_types(years))), 1)


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now


def _keep_bodies_out_of_memory(db: BuildState, loaded) -> BodyStore:
    """Digest HTML is read back when its page renders; the model keeps items, not bodies."""
    if db.path is None:
        return BodyStore(None, {d.body_key: b.html for d, b in zip(loaded.digests, loaded.bodies)})
    db.save_parsed(loaded.parsed)
    loaded.parsed = {}
    for body in loaded.bodies:
        body.html = ""
    return BodyStore(db.path)


def _other_files(site: Site, config: SiteConfig, source_dir: Path, page_urls: list[str]
                 ) -> Iterator[tuple[str, bytes]]:
    yield SEARCH_SCRIPT, resources.files("bulletin.search").joinpath("assets", "search.js").read_bytes()
    yield urls.FEED, atom_feed(site, config)
    if config.base_url:
        yield from sitemap_files([u for u in page_urls if u.endswith(".html")], config.base_url)
    yield from static_files(source_dir)


def load_site(source_dir: Path, drafts: bool = False, base_url: str | None = None
              ) -> tuple[SiteConfig, Site, list[str]]:
    """Load, parse and index the content without writing anything (for tools and tests)."""
    config = load_config(Path(source_dir), base_url)
    db = BuildState(None)
    try:
        loaded = load_sources(Path(source_dir) / "content", config, drafts, db, reuse=False)
        if loaded.errors:
            raise BuildError(loaded.errors)
        return config, build_index(list(zip(loaded.digests, loaded.bodies)), config), loaded.warnings
    finally:
        db.close()
