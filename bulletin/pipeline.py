"""The stages of a build that has work to do, in order (build.py decides whether there is).

Load and parse the changed files (sources.py), index the archive (index.py), find the
objects that changed and the pages that read them (deps.py, state.py), plan and render
those pages (plan.py, render_pages.py), make the data files and the search index
(model_files.py), then commit the output and save the build state (write.py, state.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

from . import __version__, snapshot, topic_snapshot, urls
from .build import BuildResult
from .carried_hashes import CarriedHashes
from .config import SiteConfig
from .deps import object_hashes
from .errors import BuildError
from .feeds import atom_feed, sitemap_files
from .index import build_index, item_topics
from .inputs import static_files
from .memory import collector_paused, settle
from .model import ParsedBody, Site
from .model_files import EarlyDocuments, EarlyPostings, from_model, make_model_files
from .pages import (
    TEMPLATES,
    TOPIC_TEMPLATES,
    decision_types,
    decision_years,
    site_pages,
)
from .plan import META as PLAN_META
from .plan import plan_pages
from .render import Renderer
from .render_pages import PageRenderer, RenderedRows, render_pages
from .reuse import LastModelFiles
from .search.index import SCRIPT as SEARCH_SCRIPT
from .search_state import LastPostings
from .slugs import distinct_slugs
from .sources import SourcesLoading
from .state import BuildState, digest_of
from .stored_bodies import BodyStore
from .topic_rules import TopicRules
from .workers import run_beside
from .write import OutputsPresent, OutputWriter


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


def run_stages(source_dir: Path, config: SiteConfig, db: BuildState, writer: OutputWriter, workers: int,
               progress: bool, started: float, helpers: ExitStack, loading: SourcesLoading, inputs: str,
               env_fingerprint: str, search_enabled: bool) -> BuildResult:
    """Every stage after the no-op check, the content files being read (`loading`, started by
    build.py); `inputs` is the signature of the content scan."""
    clock = _Clock()
    renderer = Renderer(source_dir, config, search_enabled=search_enabled)
    renderer.check_templates(TEMPLATES)
    recorded = db.outputs()
    writer.open(set(recorded))  # staging from here on: helpers stage the model's files as they make them
    present = OutputsPresent(writer.output, recorded, workers)  # a file deleted by hand is made again
    try:
        snapshot_stamp = db.meta(snapshot.META)  # last build's model, saved (snapshot.py)
        topics_stamp = db.meta(topic_snapshot.META)  # and its topics, apart
        loaded = loading.result(read_bodies=not snapshot_stamp)
        if loaded.errors:
            raise BuildError(loaded.errors)
        clock.lap("load and parse")
        settle()
        # Read before the index is made, so the postings helper that needs them forks the moment it is.
        old_objects = db.object_hashes()
        rules = TopicRules(config.topic_rules) if config.topic_rules else None  # an item's text may give it topics
        carried = CarriedHashes.of(loaded, db, old_objects, rules)
        same_structure = carried is not None and carried.same_structure  # only texts changed
        same_documents = carried is not None and carried.same_documents  # only texts and topics
        # After an edit of texts (and topics) alone, last build's model with the new texts (and
        # topics): no body read back, no index made.
        restored = _restored_model(db, loaded, snapshot_stamp, topics_stamp, carried, rules) if same_documents else None
        if restored:
            site = restored[0]
        else:
            with collector_paused():
                site = build_index(list(zip(loaded.digests, loaded.read_bodies())), config)
        _store_parsed(db, loaded)  # (with those parsed again as the state had lost them: sources._bodies)
        bodies = _keep_bodies_out_of_memory(db, loaded)
        settle()
        old_outputs = present.result()
        postings = LastPostings(db, writer.output, old_outputs, env_fingerprint)
        postings_early = bool(loaded.changed or loaded.removed) and EarlyPostings.worth_it(
            site, old_outputs, workers, postings)
        documents_early = postings_early and EarlyDocuments.worth_it(loaded, db.parsed)
        # The parse results, now in the model's own objects, dropped before any helper forks:
        # dropped after, every page they free would be copied (40 MB less at render's peak).
        loaded.bodies, loaded.fresh = [], {}
        early = None
        if postings_early:
            early = helpers.enter_context(EarlyPostings(site, config, old_outputs, postings, carried))

        years = decision_years(site)
        types = decision_types(years)
        objects = carried.all_hashes(site) if carried else None
        if objects is None:
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
    saved_lists = db.meta(LastModelFiles.META)
    last_model_files = LastModelFiles(objects, old_outputs, writer.output, LastModelFiles.saved_lists(saved_lists),
                                      changed=changed_objects if same_documents else None, texts_only=same_structure)
    early_documents = None
    if early and not remake_model_files:
        early.stop()
        early = None
    elif early and documents_early:  # the rest of the model's files, beside rendering
        early_documents = helpers.enter_context(EarlyDocuments(site, config, old_outputs, last_model_files,
                                                                   writer))
    clock.lap("index")

    plan = plan_pages(lambda: site_pages(site, config.per_page, config.items_per_page, years, types, bodies.html),
                      renderer.env, old_outputs, reading_changed, db.meta(PLAN_META),
                      same_contexts=same_documents, other_contexts=frozenset() if same_structure else TOPIC_TEMPLATES,
                      changed_objects=changed_objects if old_objects else None)
    jobs, produced = plan.jobs, plan.kept
    clock.lap("plan")
    settle()
    db.open_rendered()
    render_pages(PageRenderer(renderer, writer, old_outputs, RenderedRows(db)), jobs, workers, progress)
    rendered = jobs.urls  # their rows wait for the save in a scratch database (render_pages.RenderedRows)
    clock.lap("render")
    settle()
    # Unless helpers started early are making them (a rebuild), the model's own files are made
    # once the page workers are gone: making them alongside was measured slower, as every page
    # of the shared model written while the workers live is copied.
    model_files = (make_model_files(site, config, writer, old_outputs, workers, postings, last_model_files,
                                    carried, early, early_documents)
                   if remake_model_files else [])
    clock.lap("data and search")
    if not remake_model_files:
        produced.update((p, v) for p, v in old_outputs.items() if from_model(p) and p not in produced)
    produced.update((path, (digest, signature)) for path, digest, _, signature in model_files)
    warnings = list(loaded.warnings)
    for rel, data in _other_files(site, config, source_dir, rendered + list(produced), warnings):
        digest = digest_of(data)
        if old_outputs.get(rel, ("",))[0] != digest:
            writer.stage(rel, data)
        produced[rel] = (digest, "")
    removed = set(recorded) - set(produced) - set(rendered)
    clock.lap("other files")
    writer.commit(writer.staged, removed)
    clock.lap("commit")
    made_lists = json.dumps(last_model_files.made_lists) if model_files else saved_lists
    if not (restored and restored[1]):  # the snapshot no longer holds this model: saved again, or forgotten
        snapshot_stamp = snapshot.save(site, snapshot.snapshot_file(db)) if snapshot.worth_saving(
            db, site, same_documents) else ""
        topics_stamp = snapshot.save_topics(site, snapshot.topics_file(db)) if snapshot_stamp else ""
    elif not same_structure:  # the snapshot holds the model but for its topics, saved again alone
        topics_stamp = snapshot.save_topics(site, snapshot.topics_file(db))
    db.save(sources=loaded.fresh_records, removed_sources=loaded.removed,
            objects=objects, old_objects=old_objects,
            # rows that changed besides the pages rendered (stored as they rendered): files with
            # new bytes or fingerprints (not the 14,500 unchanged search files of a one-digest
            # edit at 10,000 digests)
            outputs={p: v for p, v in produced.items() if old_outputs.get(p) != v},
            removed_outputs=removed,
            meta={"environment": env_fingerprint, "version": __version__, "inputs": inputs,
                  "pages": str(plan.pages), "files": str(len(produced) + len(rendered)),
                  "digests": str(len(site.digests)),
                  PLAN_META: json.dumps(plan.templates), snapshot.META: snapshot_stamp or "",
                  topic_snapshot.META: topics_stamp or "",
                  **({LastPostings.META: postings.made} if postings.made else {}),
                  **({LastModelFiles.META: made_lists} if made_lists != saved_lists else {})})  # 3.8 MB at 10,000
    if loaded.changed or loaded.removed:
        db.prune_parsed({s.body_key for s in loaded.digests})
    writer.finish()
    clock.lap("state")
    written = len(writer.staged)
    return BuildResult(site, writer.output, plan.pages, written, len(produced) + len(rendered) - written, len(removed),
                       time.perf_counter() - started, warnings, digests=len(site.digests),
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


def _store_parsed(db: BuildState, loaded) -> None:
    """Store the fresh parse results the workers did not (sources.py: they store what they
    parse): those parsed in this process, a few files' worth. Pages read their bodies' HTML
    from the state."""
    if db.path is not None and loaded.parsed:
        db.save_parsed(loaded.parsed)


def _restored_model(db: BuildState, loaded, stamp: str | None, topics_stamp: str | None, carried: CarriedHashes,
                    rules: TopicRules | None) -> tuple[Site, bool] | None:
    """Last build's model from its snapshot, with the texts of the files read again (and, unless
    only texts changed, their topics, which the site's topic `rules` may find in their texts);
    and whether the snapshot still holds it (snapshot.restore)."""
    saved = snapshot.load(snapshot.snapshot_file(db), stamp)
    saved_topics = snapshot.load(snapshot.topics_file(db), topics_stamp)
    # Pages read their HTML from the state: it must hold every body (but those parsed here, stored next).
    if saved is None or saved_topics is None or not db.has_parsed(
            [s.body_key for s in loaded.digests if s.body_key not in loaded.parsed]):
        return None
    renamed = None if carried.same_structure else _renamed(loaded, carried.before, rules)
    return snapshot.restore(saved, saved_topics, loaded.digests, lambda source: db.texts_of(source.body_key),
                            loaded.fresh, loaded.reread, renamed)


def _renamed(loaded, before: dict[str, ParsedBody], rules: TopicRules | None) -> dict[str, snapshot.Renamed]:
    """The topic names each file read again counted in last build (`before`: its parsed bodies)
    and counts now, and its topics."""
    previous = {source.rel: source for source in loaded.previous}
    renamed = {}
    for source in loaded.digests:
        if source.rel in loaded.reread:
            old_source, body = previous[source.rel], loaded.fresh[source.body_key]
            old_body = before[old_source.body_key]
            items = [item_topics(body, n, rules) for n in range(len(body.items))]
            renamed[source.rel] = snapshot.Renamed(
                [*old_source.topics, *(name for n in range(len(old_body.items))
                                       for name in item_topics(old_body, n, rules))],
                [*source.topics, *(name for names in items for name in names)],
                (distinct_slugs(source.topics), tuple(map(distinct_slugs, items))))
    return renamed


def _keep_bodies_out_of_memory(db: BuildState, loaded) -> BodyStore:
    """Digest HTML is read back when its page renders; the model keeps items, not bodies."""
    if db.path is None:
        return BodyStore(None, {d.body_key: b.html for d, b in zip(loaded.digests, loaded.bodies)})
    loaded.parsed = {}
    for body in loaded.bodies:
        body.html = ""
    return BodyStore(db.path)


def _other_files(site: Site, config: SiteConfig, source_dir: Path, page_urls: list[str], warnings: list[str]
                 ) -> Iterator[tuple[str, bytes]]:
    """The files that are neither pages nor the model's; a file of static/ that takes the
    place of one bulletin makes wins (a hand-made 404.html), and the build says so."""
    made = set(page_urls)
    generated = [(SEARCH_SCRIPT, resources.files("bulletin.search").joinpath("assets", "search.js").read_bytes()),
                 (urls.FEED, atom_feed(site, config))]
    if config.base_url:
        generated += sitemap_files([u for u in page_urls if u.endswith(".html")], config.base_url)
    for rel, data in generated:
        made.add(rel)
        yield rel, data
    for rel, data, own in static_files(source_dir):
        if own and rel in made:
            warnings.append(f"static/{rel} takes the place of the {rel} that bulletin makes; "
                            "rename or remove it unless that is what you want")
        yield rel, data
