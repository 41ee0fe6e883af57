"""The content files of a build, read again only when they changed.

A file whose size and modification time match the last build reuses its
validated front matter from the build state, and its parsed body from the cache
(by content hash). Every other file is read, validated and parsed in one job;
with many such files (a cold build) the jobs run in worker processes, one per
core, since Markdown is the costliest stage of a build; they store the parse
results in the build state themselves. They start as soon as the build knows it has
work (build.py), before it imports and sets up the rest of itself (`SourcesLoading`).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from .config import SiteConfig
from .connections import ProcessConnection
from .errors import ContentError
from .load import discover_with_stats, read_digest, url_collisions
from .model import DigestSource, ParsedBody
from .parse import parse_body
from .state import BuildState, digest_of
from .stored_bodies import StoredBody, insert_parsed, pack_body, unpack_body

PARSER_VERSION = "4"  # part of the cache key (with the code fingerprint, see build.py)
PARALLEL_THRESHOLD = 48  # below this, starting worker processes costs more than it saves
PICKLE = pickle.HIGHEST_PROTOCOL


@dataclass
class LoadedSources:
    digests: list[DigestSource]
    bodies: list[ParsedBody]  # in the order of `digests`
    errors: list[ContentError]
    warnings: list[str]
    records: dict[str, tuple[int, int, str, bytes]]  # rel -> (size, mtime_ns, hash, pickled source)
    removed: set[str]
    parsed: dict[str, StoredBody]  # body key -> body parsed in this build and not stored yet (the workers
    # store theirs), as stored (stored_bodies.pack_body)
    reread: set[str]  # files read again (changed or new)
    previous: list[DigestSource]  # what the last build read of them and of the removed files
    fresh: dict[str, ParsedBody] = field(default_factory=dict)  # the bodies of the files read again, by key
    _unread: Callable[[], list[ParsedBody]] | None = None  # reads `bodies` (`result(read_bodies=False)`)

    def read_bodies(self) -> list[ParsedBody]:
        """`bodies`, read from the build state now if `result` left them unread."""
        if self._unread is not None:
            self.bodies, self._unread = self._unread(), None
        return self.bodies

    @property
    def changed(self) -> int:
        return len(self.reread)

    @property
    def fresh_records(self) -> dict[str, tuple[int, int, str, bytes]]:
        """The records of the files read again: the others are in the build state already
        (rewriting all 10,000 of them took 0.6 s of every rebuild)."""
        return {rel: self.records[rel] for rel in self.reread if rel in self.records}


def body_key(body: str, unsafe_html: bool) -> str:
    return digest_of(f"{PARSER_VERSION}\0{int(unsafe_html)}\0{body}".encode())


def scan(content_dir: Path) -> tuple[list[tuple[Path, str, os.stat_result]], list[str]]:
    """Every digest file with its stat: all a no-op rebuild needs to look at."""
    return discover_with_stats(content_dir)


_CONFIG: SiteConfig | None = None  # set before forking the workers
_STORE: ProcessConnection | None = None  # the build state the workers store parse results in (None: they return them)
BATCH = 16  # files a worker reads, parses and stores at a time (one transaction)


def _read_and_parse(job: tuple[str, str]) -> tuple[DigestSource | None, list[ContentError], StoredBody | None]:
    path, rel = job
    digest, errors = read_digest(Path(path), rel, Path(path).read_bytes(), _CONFIG)
    if digest is None:
        return None, errors, None
    digest.body_key = body_key(digest.body, _CONFIG.unsafe_html)
    parsed = pack_body(parse_body(digest.body, _CONFIG.unsafe_html))
    digest.body = ""  # parsed now; do not carry 10 KB per digest around
    return digest, errors, parsed


def _parse_and_store(batch: list[tuple[str, str]]) -> list[tuple[DigestSource | None, list[ContentError],
                                                                 StoredBody | None, bool]]:
    """In a worker: read and parse a batch of files, and store their parse results in the build
    state itself, through a connection of its own (WAL: the workers and the main process take
    turns writing), so that only the bodies without their HTML come back. The main process
    used to receive them whole and hand 250 MB of them (at 10,000 digests) to a forked helper
    to store: each held a copy of what the other changed, 460 MB."""
    results = [_read_and_parse(job) for job in batch]
    if _STORE is None:
        return [(*result, False) for result in results]
    insert_parsed(_STORE.get(), {digest.body_key: stored for digest, _, stored in results if digest})
    return [(digest, errors, (*stored[:2], "") if stored else None, stored is not None)
            for digest, errors, stored in results]


class _Jobs:
    """(digest, errors, parsed body as stored, whether it is stored already) of every job; with
    many jobs, in worker processes that store what they parse in `store` (when given), started
    at once: the workers parse while this process goes on (`results` waits for them)."""

    def __init__(self, jobs: list[tuple[str, str]], config: SiteConfig, workers: int, store: Path | None):
        global _CONFIG, _STORE
        _CONFIG, _STORE = config, ProcessConnection(store) if store else None
        self.jobs, self.pool, self.parts = jobs, None, None
        if len(jobs) >= PARALLEL_THRESHOLD and workers > 1:
            batches = [jobs[start:start + BATCH] for start in range(0, len(jobs), BATCH)]
            self.pool = multiprocessing.get_context("fork").Pool(workers)
            self.parts = self.pool.imap(_parse_and_store, batches)

    def results(self):
        try:
            if self.pool is not None:
                for results in self.parts:
                    yield from results
                return
            for job in self.jobs:
                yield (*_read_and_parse(job), False)
        finally:
            self.close()

    def close(self) -> None:
        global _CONFIG, _STORE
        if self.pool is not None:
            self.pool.terminate()  # done, or given up (an error elsewhere): the workers end with it
            self.pool = self.parts = None
        _CONFIG = _STORE = None


class SourcesLoading:
    """Reading the content files, started as soon as the build knows it has work: the parse
    workers fork from a small process and parse while this one imports and sets up the rest
    of the build (0.25 s at the start of every build that has work). `result()` waits."""

    def __init__(self, content_dir: Path, config: SiteConfig, drafts: bool, state: BuildState,
                 reuse: bool, scanned=None, workers: int | None = None):
        self.content_dir, self.config, self.drafts, self.state = content_dir, config, drafts, state
        self.files, self.warnings = scanned or scan(content_dir)
        self.cached = state.sources() if reuse else {}
        self.records: dict[str, tuple[int, int, str, bytes]] = {}
        self.entries: dict[str, DigestSource] = {}
        self.jobs: list[tuple[str, str]] = []
        self.stats = {}
        for path, rel, stat in self.files:
            old = self.cached.get(rel)
            if old and old[0] == stat.st_size and old[1] == stat.st_mtime_ns:
                self.entries[rel] = pickle.loads(old[3])
                self.records[rel] = old
            else:
                self.jobs.append((str(path), rel))
                self.stats[rel] = stat
        self.running = _Jobs(self.jobs, config, workers or os.cpu_count() or 1, state.path)

    def result(self, read_bodies: bool = True) -> LoadedSources:
        """Once: what the load keeps is not held beside the build until it ends (last build's
        records of every file: 10 MB at 10,000 digests). Without `read_bodies`, the parsed
        bodies of the files not read again are left in the build state until
        `LoadedSources.read_bodies` (a rebuild that restores last build's model needs none)."""
        entries, records, stats, cached = self.entries, self.records, self.stats, self.cached
        self.entries = self.records = self.stats = self.cached = None
        errors: list[ContentError] = []
        parsed: dict[str, StoredBody] = {}  # fresh parse results the state does not have yet (the workers store theirs)
        fresh: dict[str, ParsedBody] = {}
        for digest, file_errors, body, stored in self.running.results():
            errors.extend(file_errors)
            if digest is None:
                continue
            stat = stats[digest.rel]
            entries[digest.rel] = digest
            records[digest.rel] = (stat.st_size, stat.st_mtime_ns, digest.content_hash,
                                   pickle.dumps(digest, protocol=PICKLE))
            fresh[digest.body_key] = unpack_body(body)
            if not stored:
                parsed[digest.body_key] = body
        files, drafts = self.files, self.drafts
        digests = [entries[rel] for _, rel, _ in files if rel in entries and (drafts or not entries[rel].draft)]
        errors.extend(url_collisions(digests))
        removed = set(cached) - set(records)
        reread = {rel for _, rel in self.jobs}
        previous = [pickle.loads(cached[rel][3]) for rel in sorted(reread | removed) if rel in cached]
        state, content_dir, config = self.state, self.content_dir, self.config

        def all_bodies() -> list[ParsedBody]:
            return _bodies(digests, dict(fresh), parsed, state, content_dir, config) if not errors else []

        loaded = LoadedSources(digests, [], errors, self.warnings, records, removed, parsed, reread, previous,
                               fresh, all_bodies)
        if read_bodies:
            loaded.read_bodies()
        return loaded

    def close(self) -> None:
        self.running.close()


def load_sources(content_dir: Path, config: SiteConfig, drafts: bool, state: BuildState,
                 reuse: bool, scanned=None, workers: int | None = None) -> LoadedSources:
    with closing(SourcesLoading(content_dir, config, drafts, state, reuse, scanned, workers)) as loading:
        return loading.result()


def _bodies(digests: list[DigestSource], bodies: dict[str, ParsedBody], parsed: dict[str, StoredBody],
            state: BuildState, content_dir: Path, config: SiteConfig) -> list[ParsedBody]:
    """Parsed bodies: fresh ones, cached ones, and (rarely: the cache was pruned) parsed again."""
    bodies.update(state.parsed([d.body_key for d in digests if d.body_key not in bodies]))
    for digest in digests:
        if digest.body_key not in bodies:
            path = content_dir / digest.rel
            fresh, _ = read_digest(path, digest.rel, path.read_bytes(), config)
            body = parse_body(fresh.body if fresh else "", config.unsafe_html)
            bodies[digest.body_key] = body
            parsed[digest.body_key] = pack_body(body)
    return [bodies[d.body_key] for d in digests]
