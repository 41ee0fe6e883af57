"""The content files of a build, read again only when they changed.

A file whose size and modification time match the last build reuses its
validated front matter from the build state; any other is read and validated
(`load.read_digest`). Parsed bodies come from the cache by content hash; the
ones missing are parsed, in parallel worker processes when there are many.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from .config import SiteConfig
from .errors import ContentError
from .load import discover, read_digest, url_collisions
from .model import DigestSource, ParsedBody
from .parse import parse_body
from .state import BuildState, digest_of

PARSER_VERSION = "1"  # bump when parse output changes, to invalidate cached bodies
PARALLEL_THRESHOLD = 48  # below this, starting worker processes costs more than it saves


@dataclass
class LoadedSources:
    digests: list[DigestSource]
    errors: list[ContentError]
    warnings: list[str]
    records: dict[str, tuple[int, int, str, bytes]]  # rel -> (size, mtime_ns, hash, pickled source)
    removed: set[str]
    changed: int  # files read again


def body_key(body: str, unsafe_html: bool) -> str:
    return digest_of(f"{PARSER_VERSION}\0{int(unsafe_html)}\0{body}".encode())


def scan(content_dir: Path) -> tuple[list[tuple[Path, str, os.stat_result]], list[str]]:
    """Every digest file with its stat: all a no-op rebuild needs to look at."""
    paths, warnings = discover(content_dir)
    return [(p, p.relative_to(content_dir).as_posix(), p.stat()) for p in paths], warnings


def load_sources(content_dir: Path, config: SiteConfig, drafts: bool, state: BuildState,
                 reuse: bool, scanned=None) -> LoadedSources:
    files, warnings = scanned or scan(content_dir)
    cached = state.sources() if reuse else {}
    records: dict[str, tuple[int, int, str, bytes]] = {}
    digests: list[DigestSource] = []
    errors: list[ContentError] = []
    changed = 0
    for path, rel, stat in files:
        old = cached.get(rel)
        if old and old[0] == stat.st_size and old[1] == stat.st_mtime_ns:
            digest = pickle.loads(old[3])
            records[rel] = old
        else:
            changed += 1
            digest, file_errors = read_digest(path, rel, path.read_bytes(), config)
            errors.extend(file_errors)
            if digest is None:
                continue
            digest.body_key = body_key(digest.body, config.unsafe_html)
            stored = dataclasses.replace(digest, body="")
            records[rel] = (stat.st_size, stat.st_mtime_ns, digest.content_hash,
                            pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL))
        if drafts or not digest.draft:
            digests.append(digest)
    errors.extend(url_collisions(digests))
    removed = set(cached) - set(records)
    return LoadedSources(digests, errors, warnings, records, removed, changed)


def _parse_job(job: tuple[str, bool]) -> ParsedBody:
    return parse_body(*job)


def parse_sources(sources: list[DigestSource], content_dir: Path, config: SiteConfig,
                  state: BuildState, workers: int | None = None) -> tuple[list[ParsedBody], dict[str, ParsedBody]]:
    """Bodies for every digest, and the ones parsed now (to store in the cache)."""
    cached = state.parsed(list({s.body_key for s in sources}))
    missing = [s for s in sources if s.body_key not in cached]
    unique: dict[str, DigestSource] = {}
    for source in missing:
        if not source.body:  # its front matter came from the state: read the body again
            _, reread = _reread(source, content_dir, config)
            source.body = reread
        unique.setdefault(source.body_key, source)
    jobs = [(s.body, config.unsafe_html) for s in unique.values()]
    workers = workers or os.cpu_count() or 1
    if len(jobs) >= PARALLEL_THRESHOLD and workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_parse_job, jobs, chunksize=16)
    else:
        results = [_parse_job(job) for job in jobs]
    fresh = dict(zip(unique.keys(), results))
    cached.update(fresh)
    for source in missing:
        source.body = ""  # the text is parsed; do not keep 10 KB per digest in memory
    return [cached[s.body_key] for s in sources], fresh


def _reread(source: DigestSource, content_dir: Path, config: SiteConfig) -> tuple[DigestSource | None, str]:
    path = content_dir / source.rel
    digest, _ = read_digest(path, source.rel, path.read_bytes(), config)
    return digest, digest.body if digest else ""
