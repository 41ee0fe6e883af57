"""The last build's index, saved whole in files beside the build state.

After an edit of texts alone (carried_hashes.CarriedHashes.same_structure) the index is last
build's, object for object and list for list, but for the texts of the files read again. A
rebuild then restores it from these files, puts in those files' new texts, and neither reads
every other parsed body back nor indexes the archive again: at 10,000 digests, reading and
restoring them takes 0.45 s where those took 1.4 s. After an edit of texts and topics alone
(`same_documents`), the same, with the topics worked out again (topic_snapshot.py).

The model's file holds what the index made of the content files, not the files' fields (a
digest's title, dates… come from the sources the build reads anyway), nor their longest texts
(items' texts and citations' sentences are read from the build state when something asks, as
they are after a read-back), nor its topics, saved apart (`save_topics`) so that an edit of
topics saves them alone. Each file is `marshal` of plain tuples, with objects as positions in
the lists of digests, topics and decisions: 36 MB at 10,000 digests, read in 0.25 s where the
same model pickled took 0.7 s (and 4.5 s to save, recursing through the digests' linked list).

Each is trusted only with the stamp that the build state saved with the build that wrote it:
a build that failed after writing it, or a state reset since, leaves it unused. A build that
changes the structure forgets them; one that finds the documents unchanged saves them
(`worth_saving`).
"""

from __future__ import annotations

import datetime as dt
import marshal
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from . import topic_snapshot
from .index import archive_of
from .memory import collector_paused
from .model import (
    Decision,
    Digest,
    DigestSource,
    Item,
    Mention,
    ParsedBody,
    Site,
    StoredTexts,
)
from .state import BuildState

FORMAT = 2
META = "model snapshot"  # build state meta: the stamp of the snapshot of the last build's model
# Digests from which a build saves its model's snapshot: at 1,000 digests, reading the bodies
# back and indexing them takes 0.14 s, and saving the snapshot 0.06 s.
MIN_DIGESTS = 2000


def snapshot_file(db: BuildState) -> Path | None:
    return db.path.with_name(db.path.stem + "-model.marshal") if db.path else None


def topics_file(db: BuildState) -> Path | None:
    return db.path.with_name(db.path.stem + "-topics.marshal") if db.path else None


def worth_saving(db: BuildState, site: Site, same_documents: bool) -> bool:
    """Whether this build saves its model (unless the snapshot holds it already). Saving costs
    0.7-0.8 s at 10,000 digests, about what one restore saves: it is done by a build that
    found the documents unchanged (an edit of texts or topics, of a template…), as the next
    edit will most likely be one too, and not by every first build or change of structure (an
    added digest, a citation), whose next build may as well change the structure again."""
    return db.path is not None and same_documents and len(site.digests) >= MIN_DIGESTS


def save(site: Site, path: Path) -> str:
    """Write the model's snapshot; the stamp to save in the build state with this build. The
    lists are made and written one after the other: at 10,000 digests each is a few hundred
    thousand tuples, not to be held all at once at the end of a build. Its topics are saved
    apart (`save_topics`), so that an edit of topics saves them alone."""
    digest_at = {id(d): n for n, d in enumerate(site.digests)}
    decision_at = {id(x): n for n, x in enumerate(site.decisions)}

    def digests() -> list[tuple]:
        return [(d.source.rel, d.lead_text, tuple([decision_at[id(x)] for x in d.decisions]),
                 tuple([(marker, decision_at[id(x)]) for marker, x in d.link_targets.items()]),
                 tuple([(i.heading, i.heading_html, i.anchor, tuple([decision_at[id(x)] for x in i.decisions]))
                        for i in d.items]))
                for d in site.digests]

    def decisions() -> list[tuple]:
        return [(x.key, x.type, x.type_name, x.number, x.issuer, x.year, x.date and x.date.toordinal(), x.title,
                 x.url, x.label, x.key_base,
                 tuple([(digest_at[id(m.digest)], m.item.position if m.item else -1, m.anchor,
                         m.stored_text if m.sentence < 0 else None, m.sentence) for m in x.mentions]))
                for x in site.decisions]

    stamp = secrets.token_hex(8)
    write(path, stamp, (digests, decisions))
    return stamp


def save_topics(site: Site, path: Path) -> str:
    """Write the snapshot of the model's topics (topic_snapshot.py); its stamp."""
    stamp = secrets.token_hex(8)
    write(path, stamp, topic_snapshot.parts(site))
    return stamp


def write(path: Path, stamp: str, parts) -> None:
    """A stamped file of `marshal` parts (each a value, or a function that makes it when its turn
    comes), written under another name and renamed: a reader sees the old file or the new one."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.new")
    try:
        with open(temporary, "wb") as file:
            for part in ((FORMAT, stamp), *parts):
                data = marshal.dumps(part() if callable(part) else part)
                file.write(len(data).to_bytes(8, "little") + data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def load(path: Path | None, stamp: str | None, count: int = 2) -> tuple | None:
    """The `count` parts of the file at `path` (the model's: digests, decisions) after its
    header, if it is the one stamped `stamp`. Read with the collector off: a million tuples, no
    garbage, and the collections their making set off took 0.5 s at 10,000 digests
    (`collector_paused`)."""
    if path is None or not stamp:
        return None
    try:
        data = memoryview(path.read_bytes())
    except OSError:
        return None
    parts = []
    start = 0
    with collector_paused():
        while start < len(data) and len(parts) < count + 1:  # (marshal.load of a file: object by object, 1 s)
            end = start + 8 + int.from_bytes(data[start:start + 8], "little")
            try:
                parts.append(marshal.loads(data[start + 8:end]))
            except (EOFError, ValueError, TypeError):
                return None
            if parts[0] != (FORMAT, stamp):
                return None
            start = end
    return tuple(parts[1:]) if len(parts) == count + 1 and start == len(data) else None


def restore(saved: tuple, saved_topics: tuple, sources: list[DigestSource],
            texts_of: Callable[[DigestSource], StoredTexts], fresh: dict[str, ParsedBody], reread: set[str],
            renamed: dict[str, Renamed] | None = None) -> tuple[Site, bool] | None:
    """The saved model, made of this build's `sources` (the digests' files, as read now), with
    the files read again (`reread`) given their new texts from their `fresh` bodies, and every
    other digest's texts read when asked (`texts_of`); and whether the snapshot still holds it
    (the one text it holds, a lead, unchanged). Its topics are the saved ones
    (topic_snapshot.py), but for the files whose topics may have changed (`renamed`). None if
    it is not a model of these sources."""
    digest_rows, decision_rows = saved
    by_rel = {source.rel: source for source in sources}
    if len(digest_rows) != len(by_rel) or any(row[0] not in by_rel for row in digest_rows):
        return None
    topics = topic_snapshot.slugs_of(saved_topics, len(digest_rows))
    if topics is None:
        return None
    spellings, slugs = topics
    try:
        for n, row in enumerate(digest_rows):
            change = renamed.get(row[0]) if renamed else None
            if change is not None:
                topic_snapshot.respell(spellings, change.old_names, change.new_names)
                slugs[n] = change.slugs
        with collector_paused():
            return _restore(digest_rows, decision_rows, by_rel, texts_of, fresh, reread, spellings, slugs)
    except ValueError:  # topics that are not those of these sources
        return None


@dataclass
class Renamed:
    """A file read again whose topics may have changed: the topic names its last version and
    this one count (`index._Topics.count`), and its topics now (`topic_snapshot.TopicSlugs`)."""

    old_names: list[str]
    new_names: list[str]
    slugs: topic_snapshot.TopicSlugs


def _restore(digest_rows: list, decision_rows: list, by_rel: dict[str, DigestSource],
             texts_of: Callable[[DigestSource], StoredTexts], fresh: dict[str, ParsedBody], reread: set[str],
             spellings: dict, slugs: list) -> tuple[Site, bool] | None:
    dates: dict[int, dt.date] = {}

    def date(ordinal: int | None) -> dt.date | None:
        if not ordinal:
            return None
        value = dates.get(ordinal)
        if value is None:
            value = dates[ordinal] = dt.date.fromordinal(ordinal)
        return value

    decisions = [Decision(key, type_, type_name, number, issuer, year, date(ordinal), title, url, label, [], base)
                 for key, type_, type_name, number, issuer, year, ordinal, title, url, label, base, _
                 in decision_rows]
    digests = []
    for rel, lead_text, decision_places, link_targets, item_rows in digest_rows:
        source = by_rel[rel]
        digest = Digest(source=source, lead_text=lead_text, url=source.url, title=source.title,
                        week_start=source.week_start, week_end=source.week_end, published=source.published,
                        issuer=source.issuer, author=source.author, summary=source.summary or lead_text,
                        extra=source.extra, topics=[], texts=texts_of(source))
        digest.decisions = [decisions[n] for n in decision_places]
        digest.link_targets = {marker: decisions[n] for marker, n in link_targets}
        digest.items = [Item(digest, position, heading, heading_html, anchor, [], None,
                             [decisions[n] for n in decision_places])
                        for position, (heading, heading_html, anchor, decision_places) in enumerate(item_rows)]
        digests.append(digest)
    if any(len(items) != len(digest.items) for digest, (_, items) in zip(digests, slugs)):
        return None
    topics = topic_snapshot.put_topics(digests, slugs, spellings)
    for decision, row in zip(decisions, decision_rows):
        decision.mentions = [Mention(digests[d], digests[d].items[position] if position >= 0 else None, anchor,
                                     text, sentence)
                             for d, position, anchor, text, sentence in row[11]]
    for newer, older in pairwise(digests):
        newer.previous, older.next = older, newer
    held = True
    for digest in digests:
        if digest.source.rel in reread:
            body = fresh.get(digest.source.body_key)
            if body is None or len(body.items) != len(digest.items):
                return None
            held = held and body.lead_text == digest.lead_text
            _put_texts(digest, body)
    return Site(digests, topics, decisions, archive_of(digests)), held


def _put_texts(digest: Digest, body: ParsedBody) -> None:
    """A digest read again gets its file's texts, as the index gives them (index.build_index)."""
    digest.lead_text = body.lead_text
    digest.summary = digest.source.summary or body.lead_text
    digest.texts = body.texts
    for item, parsed in zip(digest.items, body.items):
        item.stored_text = parsed.text
    sentences = [cited.sentence for cited in body.citations()]
    for decision in digest.decisions:
        for mention in decision.mentions:
            if mention.digest is digest and mention.sentence >= 0:
                mention.stored_text = sentences[mention.sentence]
