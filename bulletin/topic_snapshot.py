"""The topics of the last build's model, saved apart from the rest of its snapshot (snapshot.py).

An edit of texts and topics alone (carried_hashes.CarriedHashes.same_documents) leaves every
digest, item and decision where it was: only which topics there are, their names, and who is
in them may differ. Such a build restores the rest of the model from its snapshot and works
the topics out again here, from last build's and the files read again, as `index.build_index`
would from every file: at 10,000 digests that spares reading every parsed body back (0.5 s)
and indexing them (0.9 s). The file is small (a topic's spellings and each digest's and item's
topics by place), so such a build saves it again without saving the rest.

A topic's name is the most frequent of its spellings (`index._Topics`): so each topic keeps
how often each spelling is written, and a file read again takes its old spellings off and
adds its new ones. The topics' order and their lists follow from the digests' order, as in
`build_index`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from . import urls
from .index import best_spelling
from .model import Digest, Site, Topic
from .slugs import slugify, vietnamese_sort_key

META = "topics snapshot"  # build state meta: the stamp of the snapshot of the last build's topics

# Per digest: (its own topics, each item's topics), as slugs.
TopicSlugs = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]


def parts(site: Site) -> tuple[tuple, tuple]:
    """What the file holds (snapshot.save_topics writes it): each topic's slug, name and
    spellings, and each digest's and item's topics, by their places in that list."""
    # (spellings sorted: counted in, a new spelling comes last, where a first build counts it where first written)
    topic_rows = tuple((t.slug, t.name, tuple(sorted(t.spellings.items()))) for t in site.topics)
    places = {t.slug: n for n, t in enumerate(site.topics)}
    digest_rows = tuple((tuple([places[t.slug] for t in d.topics]),
                         tuple([tuple([places[t.slug] for t in i.topics]) for i in d.items]))
                        for d in site.digests)
    return topic_rows, digest_rows


def slugs_of(saved: tuple, digests: int) -> tuple[dict[str, Counter], list[TopicSlugs]] | None:
    """Last build's spellings of each topic, and each digest's topics as slugs; None if the
    snapshot is not of as many digests."""
    topic_rows, digest_rows = saved
    if len(digest_rows) != digests:
        return None
    slugs = [row[0] for row in topic_rows]
    spellings = {slug: Counter(dict(counts)) for slug, _, counts in topic_rows}
    return spellings, [(tuple([slugs[n] for n in own]), tuple([tuple([slugs[n] for n in item]) for item in items]))
                       for own, items in digest_rows]


def respell(spellings: dict[str, Counter], old_names: Iterable[str], new_names: Iterable[str]) -> None:
    """A file read again: its old topic names counted off, its new ones counted in (as
    `index._Topics.count` counts them); a spelling, or a topic, no longer written is gone."""
    for name in old_names:
        slug = slugify(name)
        if slug:
            counts = spellings.get(slug)
            if counts is None or counts[name] <= 0:
                raise ValueError(f"the topics' snapshot does not count {name!r}")
            counts[name] -= 1
            if not counts[name]:
                del counts[name]
                if not counts:
                    del spellings[slug]
    for name in new_names:
        slug = slugify(name)
        if slug:
            spellings.setdefault(slug, Counter())[name] += 1


def put_topics(digests: list[Digest], slugs: list[TopicSlugs], spellings: dict[str, Counter]) -> list[Topic]:
    """Give the digests and their items their topics, and each topic its lists; the topics in
    the order `build_index` gives them. A topic is made at its first mention, digests newest
    first, a digest's own topics before its items' (as `index._Topics` counts them)."""
    topics: dict[str, Topic] = {}

    def topic(slug: str) -> Topic:
        found = topics.get(slug)
        if found is None:
            counts = spellings[slug]
            found = topics[slug] = Topic(slug, best_spelling(counts), urls.topic(slug), spellings=dict(counts))
        return found

    for digest, (own, per_item) in zip(digests, slugs):
        digest.topics = [topic(slug) for slug in own]
        for t in digest.topics:
            t.digests.append(digest)
        for item, item_slugs in zip(digest.items, per_item):
            item.topics = [topic(slug) for slug in item_slugs]
            for t in item.topics:
                t.items.append(item)
    if topics.keys() != spellings.keys():
        raise ValueError("the topics' snapshot counts topics no digest has")
    return sorted(topics.values(), key=lambda t: vietnamese_sort_key(t.name))
