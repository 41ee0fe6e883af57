"""The offline search index: script files that search.js loads with <script> tags.

`file://` forbids fetch/XHR, so every index file is JavaScript that hands its
data to a global: `window.__bulletinSearch.add("u/1a2b3c4d", {...})`. Nothing is
loaded until a query needs it, and a query needs little:

| file | holds | loaded |
|---|---|---|
| `search/manifest.js` | shard boundaries and sizes, topics, decision types, year ranges | with the page |
| `search/t/<hash>.js` | dictionary: folded terms in sorted order with their document counts | to complete a prefix |
| `search/u/<hash>.js` | postings of a sorted range of folded terms, per exact variant | per query term |
| `search/b/<hash>.js` | postings of word pairs ("nong thon"), for phrases and ranking | per adjacent query pair |
| `search/i/<n>.js` | 8 items: heading, anchor, topic slugs, text (for snippets), their digests' labels | per result shown |
| `search/x/<n>.js` | 32 decisions: label, type, date, title, URL | per result shown |
| `search/f/t<n>.js`, `f/k<n>.js` | items and decisions of a topic, of a decision type | per filter used |

Documents are numbered oldest first (items by digest, and within a digest from
the last item to the first; decisions in the reverse of `site.decisions`), so
"newer first" (and, within a digest, "in reading order") is "higher id first",
and adding a digest leaves the numbering of older ones alone. A postings
list is the sorted ids, delta-coded in base 32 (see `encode_ids`). Each term has
four lists per variant: item headings, item bodies (minus the headings), decision
labels, decision descriptions. Shards are contiguous ranges of terms in sorted
order (so a prefix is a contiguous run of shards), cut at about `SHARD_BYTES`.

What a document is found by: an item by its heading (heading field) and its
text plus the documents it cites written in full, "Quyết định số 2610/QĐ-UBND"
(body field); a digest without `##` items by its title and lead; a decision by
its label as written, its short code ("85/NĐ-CP"), its "85/2020/NĐ-CP" form and
"Quyết định số 85" (label field), and its title, year and date (description field). Pairs never span two of these texts.

Ranking (search.js): per query word, heading or label 4, body 1, +2 for the
exact spelling when the reader typed diacritics, halved for a longer word that
only starts with the word being typed; +3/+2 per neighbouring query pair found
adjacent in a heading/body; then newest first. Words in quotes, or joined
without spaces ("2610/QĐ-UBND"), must be adjacent.

Everything embedded in a script goes through `js_literal` (JSON, with `<`,
U+2028 and U+2029 escaped), so no text from content can end a string or a script.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Iterator, Protocol

from ..citations import TYPE_NAMES
from ..i18n import Messages
from ..model import Decision, Digest, Item, Site
from ..parse import LEAD_ANCHOR
from ..reuse import LastModelFiles, ModelFile
from ..workers import Afterwards
from .fold import term
from .postings import _Postings, encode_ids
from .shards import LastShards, cut, order_of
from .tokens import DocumentHashes, Forward, tokenise

FOLDER = "search/"
MANIFEST = FOLDER + "manifest.js"
SCRIPT = FOLDER + "search.js"
CHUNK_ITEMS = 8
CHUNK_DECISIONS = 32
SHARD_BYTES = 48_000
DICT_BYTES = 16_000
FORMAT = 2
ENCODE_ALL_SHARE = 0.3  # of the shards made again, above which every postings list is encoded at once


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once, not per call


def js_literal(value) -> str:
    """JSON that is also safe inside any script: no `</script>`, `<!--` or raw line separators."""
    text = _JSON.encode(value)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def script(key: str, value) -> bytes:
    return f'__bulletinSearch.add("{key}",{js_literal(value)});\n'.encode("utf-8")


js_order = order_of  # sort key matching JavaScript's `<` on strings (UTF-16 code units)


@dataclass
class SearchData:
    items: list[Item]
    decisions: list[Decision]
    words: _Postings
    pairs: _Postings


def _lead(digest: Digest) -> Item:
    """A digest without `##` items is found by its title and lead, as one result (#mo-dau)."""
    return Item(digest, 0, digest.title, "", LEAD_ANCHOR, list(digest.topics), digest.lead_text or digest.summary,
                list(digest.decisions))


def documents(site: Site) -> tuple[list[Item], list[Decision]]:
    """Items and decisions in id order (see the module docstring)."""
    items = [item for digest in reversed(site.digests) for item in reversed(digest.items or [_lead(digest)])]
    return items, list(reversed(site.decisions))


class PostingsStore(Protocol):
    """Where the build keeps the last build's postings (see build.py)."""

    def recall(self, signature: str) -> tuple[dict[str, list], list[tuple[str, bytes]]] | None:
        """The manifest's "u", "t" and "b" lists and the shard files, if made from `signature`."""

    def remember(self, signature: str, sections: dict[str, list]) -> None:
        """The shards this build made, for the next one."""

    def forward(self, hashes: DocumentHashes | None = None) -> Forward | None:
        """The last build's postings rows (tokens.py), if kept; with `hashes`, those of its
        document hashes that `document_hashes` gave."""

    def document_hashes(self) -> DocumentHashes | None:
        """The last committed build's document hashes, if its rows are the ones kept."""

    def keep_forward(self, forward: Forward) -> None:
        """This build's postings rows, for the next one."""


def collect(site: Site, workers: int = 1, previous: Forward | None = None) -> SearchData:
    """Tokenise every item and decision into postings (see tokens.py)."""
    items, decisions = documents(site)
    words, pairs, _ = tokenise(items, decisions, DocumentHashes.of(items, decisions), workers, previous)
    return SearchData(items, decisions, words, pairs)


def _ranges(values: list[int]) -> dict[int, list[list[int]]]:
    """value → [[first id, last id + 1], …] for a list indexed by id."""
    ranges: dict[int, list[list[int]]] = defaultdict(list)
    for doc, value in enumerate(values):
        spans = ranges[value]
        if spans and spans[-1][1] == doc:
            spans[-1][1] = doc + 1
        else:
            spans.append([doc, doc + 1])
    return ranges


def search_files(site: Site, config=None, workers: int = 1, store: PostingsStore | None = None
                 ) -> Iterator[tuple[str, bytes]]:
    """Every file of the search index (site-root-relative path, bytes), search.js included."""
    index = SearchIndex(site, config, workers, store)
    yield from index.postings()
    yield from ((path, data) for path, data, _ in index.documents())
    yield from index.manifest()


class SearchIndex:
    """The index's files in two independent parts, the postings and the documents (a build may
    make them in two processes), then the manifest, which lists both."""

    def __init__(self, site: Site, config=None, workers: int = 1, store: PostingsStore | None = None,
                 last: LastModelFiles | None = None, unchanged: Callable[[object], bool] | None = None):
        self.site, self.workers, self.store, self.last = site, workers, store, last
        self.unchanged = unchanged  # whether a model object's own fields are last build's
        self.messages = Messages(getattr(config, "language", "vi"))
        self.items, self.decisions = documents(site)
        self.postings_sections: dict = {}  # the manifest's "u", "t" and "b"
        self.document_sections: dict = {}  # its "topics", "types" and "years"
        self.afterwards: Afterwards | None = None  # for the worker that tokenises beside this process

    def postings(self) -> Iterator[tuple[str, bytes]]:
        """The postings shards and the dictionary. With a `store`: the last build's shards when
        no searchable text changed; otherwise only the documents whose texts changed are
        tokenised again, and when no document changed its id, only the shards holding a key
        whose lists changed are made again (shards.py)."""
        items, decisions, store = self.items, self.decisions, self.store
        previous_hashes = store.document_hashes() if store and self.unchanged else None
        hashes = (DocumentHashes.carried(items, decisions, previous_hashes, self.unchanged) if previous_hashes
                  else DocumentHashes.of(items, decisions))
        signature = hashes.signature(FORMAT)
        recalled = store.recall(signature) if store else None
        if recalled:
            sections, files = recalled
            self.postings_sections.update(sections)
            yield from files
            return
        previous = store.forward(previous_hashes) if store else None
        previous_signature = previous.hashes.signature(FORMAT) if previous else None
        words, pairs, forward = tokenise(items, decisions, hashes, self.workers, previous, self.afterwards)
        del previous
        if store:
            store.keep_forward(forward)
        del forward
        words.drop_rows()  # kept: 8 bytes a posting, 170 MB at 10,000 digests
        pairs.drop_rows()
        # The shards made from the rows carried over, which the touched keys are counted against
        # (read now, not beside the rows: 31 MB at 10,000 digests); none if ids moved: every
        # shard is new.
        last = (store.recall(previous_signature) if previous_signature and words.touched is not None
                and pairs.touched is not None else None)
        yield from _postings_files(SearchData(items, decisions, words, pairs), self.postings_sections, last)
        if store:
            store.remember(signature, dict(self.postings_sections))

    def documents(self) -> Iterator[ModelFile]:
        """What a result shows (documents in chunks) and the filters; with `last`, a chunk
        made from the same objects as last build's is given as unchanged (bytes None)."""
        return _document_files(self.site, self.items, self.decisions, self.messages, self.document_sections,
                               self.last)

    def manifest(self) -> Iterator[tuple[str, bytes]]:
        manifest = {"format": FORMAT, "items": len(self.items), "decisions": len(self.decisions),
                    "ic": CHUNK_ITEMS, "xc": CHUNK_DECISIONS, **self.postings_sections, **self.document_sections}
        yield MANIFEST, script("manifest", manifest)
        yield SCRIPT, resources.files("bulletin.search").joinpath("assets", "search.js").read_bytes()


def _postings_files(data: SearchData, manifest: dict,
                    last: tuple[dict[str, list], list[tuple[str, bytes]]] | None = None) -> Iterator[tuple[str, bytes]]:
    """Words: postings shards, then the dictionary that says how common each term is; then pairs.
    With `last` (the sections and files made from the rows this index carried over, see
    tokens.py), a file whose keys were not touched is last build's."""
    names, counts = data.words.names, data.words.counts.tolist()
    by_term: dict[str, list[int]] = defaultdict(list)
    for number, variant_ in enumerate(names):
        by_term[term(variant_)].append(number)
    terms = sorted(by_term, key=js_order)

    def word_part(key: str) -> str:
        variants = sorted(by_term[key], key=lambda n: (-counts[n], js_order(names[n])))
        return f"{js_literal(key)}:{js_literal([[names[n], *data.words.entry(n)] for n in variants])}"

    def dictionary_part(key: str) -> str:
        return f"{js_literal(key)}:{js_literal(sum(counts[n] for n in by_term[key]))}"

    pair_names = data.pairs.names
    pair_numbers = {name: n for n, name in enumerate(pair_names)}

    def pair_part(key: str) -> str:
        return f"{js_literal(key)}:{js_literal(data.pairs.entry(pair_numbers[key]))}"

    touched_terms = sorted({js_order(term(v)) for v in data.words.touched}) if last else []
    touched_pairs = sorted(map(js_order, data.pairs.touched)) if last else []
    last_files = dict(last[1]) if last else {}
    kinds = (("u", terms, word_part, SHARD_BYTES, touched_terms), ("t", terms, dictionary_part, DICT_BYTES, touched_terms),
             ("b", sorted(pair_names, key=js_order), pair_part, SHARD_BYTES, touched_pairs))
    befores = {kind: LastShards([(first, name, last_files[f"{FOLDER}{name}.js"]) for first, name, _ in last[0][kind]],
                                touched) for kind, _, _, _, touched in kinds} if last else {}
    # Encoding every list at once (vectorised) beats one key at a time when most files are made again:
    # for an index made whole, and for a new digest, whose words reach nearly every shard.
    for kind, postings in (("u", data.words), ("b", data.pairs)):
        if kind not in befores or befores[kind].share_touched() > ENCODE_ALL_SHARE:
            postings.encode_all()
    for kind, keys, part, target, touched in kinds:
        before = befores.get(kind)
        manifest[kind] = []
        for first, name, payload in cut(kind, keys, part, target, before):
            manifest[kind].append([first, name, len(payload)])
            yield FOLDER + name + ".js", payload
    for shards in (manifest["u"], manifest["t"], manifest["b"]):
        if shards:
            shards[0][0] = ""  # the first shard takes every key before the second


def _document_files(site: Site, items: list[Item], decisions: list[Decision], messages: Messages,
                    manifest: dict, last: LastModelFiles | None) -> Iterator[ModelFile]:
    """Chunks of documents and the filters; the filters' sections of the manifest go in `manifest`.
    A chunk whose objects' hashes are those of the last build's chunk is not made again."""
    for start in range(0, len(items), CHUNK_ITEMS):
        chunk = items[start:start + CHUNK_ITEMS]
        path = f"{FOLDER}i/{start // CHUNK_ITEMS}.js"
        if last:  # an item is its digest's (whose hash covers the file it comes from) and its position
            keys = ["d:" + item.digest.url for item in chunk]
            signature = last.carried(path, keys) or last.signature(keys, ",".join(str(item.position) for item in chunk))
            if last.unchanged(path, signature):
                yield path, None, signature
                continue
        digests: dict[int, int] = {}
        digest_rows, rows = [], []
        for item in chunk:
            d = item.digest
            local = digests.get(id(d))
            if local is None:
                local = digests[id(d)] = len(digest_rows)
                digest_rows.append([d.url, messages("week_n", week=d.iso_week, year=d.iso_year),
                                    messages.week_range(d.week_start, d.week_end), d.title])
            rows.append([local, item.heading, item.anchor, [t.slug for t in item.topics], item.text])
        yield path, script(f"i/{start // CHUNK_ITEMS}", {"d": digest_rows, "r": rows}), signature if last else ""
    for start in range(0, len(decisions), CHUNK_DECISIONS):
        chunk = decisions[start:start + CHUNK_DECISIONS]
        key = f"x/{start // CHUNK_DECISIONS}"
        path = f"{FOLDER}{key}.js"
        if last:
            keys = ["x:" + x.key for x in chunk]
            signature = last.carried(path, keys) or last.signature(keys)
            if last.unchanged(path, signature):
                yield path, None, signature
                continue
        rows = [[x.label, x.type_name, messages.date(x.date) if x.date else "", x.title or "", x.url,
                 len(x.mentions), x.year] for x in chunk]
        yield path, script(key, {"r": rows}), signature if last else ""

    yield from _filter_files(site, items, decisions, manifest, last)


def _filter_files(site: Site, items: list[Item], decisions: list[Decision], manifest: dict,
                  last: LastModelFiles | None) -> Iterator[ModelFile]:
    """The filters (the ids of a topic's, a decision type's documents) and their sections of the
    manifest. After an edit of texts alone (`last.texts_only`), ids are last build's, and so are
    the files."""
    type_counts = Counter(x.type for x in decisions)
    types = sorted(type_counts, key=lambda t: (-type_counts[t], t))
    manifest["topics"] = [[topic.name, topic.url, len(topic.items), topic.slug] for topic in site.topics]
    manifest["types"] = [[type_, TYPE_NAMES.get(type_, type_), type_counts[type_]] for type_ in types]
    item_years = _ranges([item.digest.iso_year for item in items])
    decision_years = _ranges([x.year for x in decisions])
    manifest["years"] = [[year, item_years.get(year, []), decision_years.get(year, [])]
                         for year in sorted(set(item_years) | set(decision_years), reverse=True)]
    paths = [f"{FOLDER}f/t{n}.js" for n in range(len(site.topics))] + [f"{FOLDER}f/k{n}.js" for n in range(len(types))]
    if last is not None and last.texts_only and all(path in last.outputs for path in paths):
        yield from ((path, None, "") for path in paths)
        return
    # (imported here: Jinja2 must not be imported before the parse workers fork, test_workers.py)
    from ..deps import membership_key

    # After an edit of texts and topics alone (`last.changed`), ids, types and the documents'
    # decisions are last build's: so are the types' filters, and, while the topics are the same
    # ones, each topic's whose lists are.
    same_documents = last is not None and last.changed is not None and all(
        path in last.outputs for path in paths[len(site.topics):])
    same_topics = last is not None and last.changed is not None and not any(
        key.startswith("t:") and "/" not in key for key in last.changed)
    # (a digest without items is found under its own topics: those topics' `digests` lists)
    remade = {id(topic) for n, topic in enumerate(site.topics) if not same_topics or paths[n] not in last.outputs
              or any(membership_key(topic, name) in last.changed for name in ("items", "digests"))}
    decision_ids = {id(x): n for n, x in enumerate(decisions)}
    topic_items: dict[int, list[int]] = defaultdict(list)
    topic_decisions: dict[int, set[int]] = defaultdict(set)
    type_items: dict[str, set[int]] = defaultdict(set)
    for n, item in enumerate(items):
        for topic in item.topics:
            if id(topic) in remade:
                topic_items[id(topic)].append(n)
                topic_decisions[id(topic)].update(decision_ids[id(x)] for x in item.decisions)
        if not same_documents:
            for x in item.decisions:
                type_items[x.type].add(n)
    for n, topic in enumerate(site.topics):
        if id(topic) not in remade:
            yield f"{FOLDER}f/t{n}.js", None, ""
            continue
        yield f"{FOLDER}f/t{n}.js", script(f"f/t{n}", {"i": encode_ids(topic_items[id(topic)]),
                                                         "x": encode_ids(sorted(topic_decisions[id(topic)]))}), ""
    if same_documents:
        yield from ((path, None, "") for path in paths[len(site.topics):])
        return
    type_decisions: dict[str, list[int]] = defaultdict(list)
    for n, x in enumerate(decisions):
        type_decisions[x.type].append(n)
    for n, type_ in enumerate(types):
        yield f"{FOLDER}f/k{n}.js", script(f"f/k{n}", {"i": encode_ids(sorted(type_items[type_])),
                                                         "x": encode_ids(type_decisions[type_])}), ""
