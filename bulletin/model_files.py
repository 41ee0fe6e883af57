"""The files made from the model alone, not from templates: `data/*.json` and the search
index. A build compares their bytes with the last build's and stages the ones that changed;
pieces made from unchanged objects are not made again (reuse.py)."""

from __future__ import annotations

from itertools import chain
from typing import Iterable, Iterator

from . import urls
from .config import SiteConfig
from .data import data_files
from .model import Site
from .reuse import LastModelFiles, ModelFile
from .search.index import MANIFEST as SEARCH_MANIFEST, SCRIPT as SEARCH_SCRIPT, SearchIndex
from .search_state import LastPostings
from .state import digest_of
from .workers import run_beside
from .write import OutputWriter

PARALLEL_MODEL_FILES = 2000  # digests; below this, forking a helper for the data files costs more than it saves


def from_model(path: str) -> bool:
    """Outputs made from the model alone (data files, search index), not from templates."""
    return path.startswith(("data/", "search/")) and path not in (urls.SEARCH, SEARCH_SCRIPT)


def make_model_files(site: Site, config: SiteConfig, writer: OutputWriter, old_outputs: dict[str, tuple[str, str]],
                     workers: int, postings: LastPostings, last: LastModelFiles) -> list[tuple[str, str, bool, str]]:
    """The data files and the search index, functions of the model alone: (path, hash, staged?,
    signature) of each; staged if its bytes changed. A search document chunk or a data file
    element made from the same objects as last build's is not made again (reuse.py).

    On a rebuild of a big site, a forked helper makes the data files and the search documents
    while this process makes the postings, and sends back only the files whose bytes changed.
    Not on a first build: every file would cross the pipe, and the helper would copy the model
    pages it reads while the tokenising workers hold theirs (the build's memory peak). At 10,000
    digests this saves about 4 s of a one-digest rebuild."""
    index = SearchIndex(site, config, workers, postings, last)

    def compare(files: Iterable[ModelFile]) -> Iterator[tuple[str, str, bytes | None, str]]:
        for rel, data, signature in files:
            if not from_model(rel):
                continue
            if data is None:  # made from the same objects as last build's file
                yield rel, old_outputs[rel][0], None, signature
                continue
            digest = digest_of(data)
            yield rel, digest, (data if old_outputs.get(rel, ("",))[0] != digest else None), signature

    def stage(compared: Iterable[tuple[str, str, bytes | None, str]]) -> list[tuple[str, str, bool, str]]:
        results = []
        for rel, digest, data, signature in compared:
            if data is not None:
                writer.stage(rel, data)
            results.append((rel, digest, data is not None, signature))
        return results

    def whole(files: Iterable[tuple[str, bytes]]) -> Iterator[ModelFile]:
        return ((rel, data, "") for rel, data in files)

    side_by_side = (workers > 1 and len(site.digests) >= PARALLEL_MODEL_FILES and SEARCH_MANIFEST in old_outputs
                    and postings.has_rows())  # else tokenising everything forks workers of its own
    if side_by_side:
        def side() -> tuple[list, dict, dict]:
            compared = list(compare(chain(whole(data_files(site, last)), index.documents())))
            return compared, index.document_sections, last.made_lists

        (compared, index.document_sections, last.made_lists), results = run_beside(
            side, lambda: stage(compare(whole(index.postings()))))
        results += stage(compared)
    else:
        results = stage(compare(chain(whole(data_files(site, last)), whole(index.postings()), index.documents())))
    return results + stage(compare(whole(index.manifest())))
