"""The files made from the model alone, not from templates: `data/*.json` and the search
index. A build compares their bytes with the last build's and stages the ones that changed;
pieces made from unchanged objects are not made again (reuse.py)."""

from __future__ import annotations

from itertools import chain
from typing import Callable, Iterable, Iterator

from . import urls
from .carried_hashes import CarriedHashes, unchanged_objects
from .config import SiteConfig
from .data import data_files
from .index import digest_order
from .model import Site
from .reuse import LastModelFiles, ModelFile
from .search.index import MANIFEST as SEARCH_MANIFEST, SCRIPT as SEARCH_SCRIPT, SearchIndex
from .search_state import LastPostings
from .state import digest_of
from .workers import Afterwards, Beside
from .write import OutputWriter

PARALLEL_MODEL_FILES = 2000  # digests; below this, a rebuild makes its model files in this process (no `EarlyPostings`)
# Digests from which a first build makes its model files in this process alone. A forked worker
# costs a copy of every model page either process reads (CPython writes reference counts into
# them): at 10,000 digests the tokenising worker held 560 MB of its own and made the build's
# peak (1.52 GB against 1.15 GB while rendering), to save 5 s of a 43 s build.
ONE_PROCESS_MODEL_FILES = 5000


def from_model(path: str) -> bool:
    """Outputs made from the model alone (data files, search index), not from templates."""
    return path.startswith(("data/", "search/")) and path not in (urls.SEARCH, SEARCH_SCRIPT)


def _compare(files: Iterable[ModelFile], old_outputs: dict[str, tuple[str, str]]
             ) -> Iterator[tuple[str, str, bytes | None, str]]:
    """(path, hash, bytes if they differ from last build's file else None, signature)."""
    for rel, data, signature in files:
        if not from_model(rel):
            continue
        if data is None:  # made from the same objects as last build's file
            yield rel, old_outputs[rel][0], None, signature
            continue
        digest = digest_of(data)
        yield rel, digest, (data if old_outputs.get(rel, ("",))[0] != digest else None), signature


def _whole(files: Iterable[tuple[str, bytes]]) -> Iterator[ModelFile]:
    return ((rel, data, "") for rel, data in files)


class _Early:
    """Model files made in a forked helper while this process goes on; `result()` waits."""

    helper: Beside

    def stop(self) -> None:
        self.helper.stop()

    def __enter__(self):
        return self

    def __exit__(self, *_) -> None:
        self.stop()


class EarlyPostings(_Early):
    """The search postings of a rebuild, made in a forked helper from the moment the model is
    indexed, while this process hashes objects, plans and renders pages (one core's work that
    would otherwise wait for the other's). Only the files whose bytes changed come back.

    For a big site's rebuild only: on a first build every shard would cross the pipe, and the
    postings are the longest piece of work, so this process makes them while a helper makes
    the rest (`EarlyDocuments`). At 10,000 digests a one-digest rebuild spends about 3 s on
    postings."""

    def __init__(self, site: Site, config: SiteConfig, old_outputs: dict[str, tuple[str, str]],
                 postings: LastPostings, carried: CarriedHashes | None):
        def make() -> tuple[list, dict, str | None]:
            index = SearchIndex(site, config, 1, postings, unchanged=unchanged_objects(carried))
            compared = list(_compare(_whole(index.postings()), old_outputs))
            return compared, index.postings_sections, postings.made

        self.postings = postings
        self.helper = Beside(make)

    @staticmethod
    def worth_it(site: Site, old_outputs: dict[str, tuple[str, str]], workers: int, postings: LastPostings) -> bool:
        return (workers > 1 and len(site.digests) >= PARALLEL_MODEL_FILES and SEARCH_MANIFEST in old_outputs
                and postings.has_rows())

    def result(self, index: SearchIndex) -> list[tuple[str, str, bytes | None, str]]:
        compared, sections, self.postings.made = self.helper.result()
        index.postings_sections.update(sections)
        return compared


class EarlyDocuments(_Early):
    """The data files and the search documents, made in a forked helper that stages the files
    whose bytes changed itself (only their names come back).

    On a rebuild it starts once the objects' hashes are known (which say what can be reused),
    beside planning and rendering, and only beside `EarlyPostings`, for the same reasons.

    On a first build (`after_tokens`) they are the work of the worker that tokenises the
    postings beside this process, once no document is left to tokenise (`Afterwards`), while
    this process merges and encodes the postings: at 10,000 digests, 6 s of data files and
    documents and 14,500 files written, neither after the postings nor beside this process
    tokenising them alone."""

    def __init__(self, site: Site, config: SiteConfig, old_outputs: dict[str, tuple[str, str]],
                 last: LastModelFiles, writer: OutputWriter, after_tokens: bool = False):
        def make() -> tuple[list, dict, dict]:
            index = SearchIndex(site, config, 1, None, last)
            staged = _stage(writer, _compare(chain(_whole(data_files(site, last)), index.documents()), old_outputs))
            return staged, index.document_sections, last.made_lists

        self.last, self.writer = last, writer
        self.helper = Afterwards(make) if after_tokens else Beside(make)

    @staticmethod
    def worth_it(loaded, parsed_before: Callable[[list[str]], dict]) -> bool:
        """Whether a rebuild's search documents may take other ids than last build's: a digest
        added or removed (or drafted), moved in time, or with another number of items. Then thousands of
        document chunks are made again (5,099 for a digest added in the middle of 10,000), worth a
        helper beside rendering. Otherwise few are, and a helper only adds a copy of the model
        (150-300 MB at 10,000 digests; paired text edits took the same time without it).
        `parsed_before(keys)` gives last build's parsed bodies that the state still has."""
        if loaded.removed:
            return True
        previous = {source.rel: source for source in loaded.previous}
        now = {source.rel: (source, loaded.fresh[source.body_key]) for source in loaded.digests
               if source.rel in loaded.reread}
        if now.keys() != previous.keys() & loaded.reread:  # a new file, or a digest now a draft
            return True
        if any(digest_order(source) != digest_order(previous[rel]) or source.draft != previous[rel].draft
               for rel, (source, _) in now.items()):
            return True
        before = parsed_before([previous[rel].body_key for rel in now])
        return any(previous[rel].body_key not in before or
                   len(before[previous[rel].body_key].items) != len(body.items) for rel, (_, body) in now.items())

    def result(self, index: SearchIndex) -> list[tuple[str, str, bool, str]]:
        staged, sections, self.last.made_lists = self.helper.result()
        index.document_sections.update(sections)
        self.writer.staged.update(rel for rel, _, was_staged, _ in staged if was_staged)
        return staged


def _stage(writer: OutputWriter, compared: Iterable[tuple[str, str, bytes | None, str]]
           ) -> list[tuple[str, str, bool, str]]:
    """Stage the files whose bytes changed: (path, hash, staged?, signature) of each."""
    results = []
    for rel, digest, data, signature in compared:
        if data is not None:
            writer.stage(rel, data)
        results.append((rel, digest, data is not None, signature))
    return results


def make_model_files(site: Site, config: SiteConfig, writer: OutputWriter, old_outputs: dict[str, tuple[str, str]],
                     workers: int, postings: LastPostings, last: LastModelFiles, carried: CarriedHashes | None,
                     early: EarlyPostings | None = None, early_documents: EarlyDocuments | None = None
                     ) -> list[tuple[str, str, bool, str]]:
    """The data files and the search index, functions of the model alone: (path, hash, staged?,
    signature) of each; staged if its bytes changed. A search document chunk or a data file
    element made from the same objects as last build's is not made again (reuse.py).

    With `early`, a helper is making the postings already, and with `early_documents` another
    the rest; on a big site's rebuild a postings helper is started now otherwise (see
    `EarlyPostings`), while this process makes the data files and the search documents."""
    if early is None and early_documents is None and len(site.digests) >= ONE_PROCESS_MODEL_FILES:
        workers = 1
    index = SearchIndex(site, config, workers, postings, last, unchanged_objects(carried))

    def stage(compared: Iterable[tuple[str, str, bytes | None, str]]) -> list[tuple[str, str, bool, str]]:
        return _stage(writer, compared)

    def compare(files: Iterable[ModelFile]) -> Iterator[tuple[str, str, bytes | None, str]]:
        return _compare(files, old_outputs)

    if early is None and EarlyPostings.worth_it(site, old_outputs, workers, postings):
        early = EarlyPostings(site, config, old_outputs, postings, carried)  # late, but beside the data files
    if early is not None:
        with early:
            results = (early_documents.result(index) if early_documents else
                       stage(compare(chain(_whole(data_files(site, last)), index.documents()))))
            results += stage(early.result(index))
    else:  # no rows to carry: a first build, mostly
        with EarlyDocuments(site, config, old_outputs, last, writer, after_tokens=True) as documents:
            index.afterwards = documents.helper  # made here, after the postings, if no worker tokenises
            results = stage(compare(_whole(index.postings())))
            results += documents.result(index)
    return results + stage(compare(_whole(index.manifest())))
