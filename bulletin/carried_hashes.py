"""Object hashes carried over from the last build: a rebuild hashes what an edit can reach.

Hashing every object of the model (deps.py) costs about 2 CPU-seconds at 10,000 digests,
on every rebuild. But a decision's own fields are functions of the digests that cite its
document, and its key of the documents that could take the same key: those with the same
key base (type, issuer and number as slugs, see `index._assign_keys`). A digest's own
fields are functions of its file and of the keys of the decisions it cites. So, after some
files were added, edited or removed:

- a decision keeps last build's hash unless one of those files cites, before or after the
  edit, a document with its key base;
- a digest keeps last build's hash unless its file was read again or it cites such a decision.

Memberships (a digest's neighbours, a topic's items, a week's digests…) and the archive's
few other objects are hashed every time: additions and deletions show there. Without last
build's hashes, or the parsed bodies of the files it read, nothing is carried.

Unless the edit left the archive's structure alone (`same_structure`): no file added or
removed, and every file read again the same as before but for its texts (the body's
paragraphs and sentences). The index is then the same, object for object and list for list:
every membership's hash, and every other object's, is last build's, and only the own hashes
of the digests and decisions the edit reaches are made again (a text edit at 10,000 digests:
0.5 s less).

An edit of texts and topics alone (`same_documents`: the same but for the topics of digests
and items) leaves every digest, item and decision where it was, and every list but the
topics' (which topics there are, their names and their members): the topics are hashed
again, all of them, and nothing else is (a topic change at 10,000 digests: 0.3 s less).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from itertools import chain

from .deps import KEYS, object_hash, object_hashes
from .index import Identity, cited_identities, item_topics, key_base
from .model import (
    CitedDocument,
    Decision,
    Digest,
    DigestSource,
    ParsedBody,
    ParsedItem,
    Site,
    Topic,
)
from .sources import LoadedSources
from .state import BuildState
from .topic_rules import TopicRules


@dataclass
class CarriedHashes:
    old: dict[str, str]  # last build's hashes by key
    reread: set[str]  # content files read again (changed or new)
    bases: set[str]  # key bases of the documents those files and the removed ones cite, before or after
    same_structure: bool = False  # only texts changed: the index is last build's (see the module's docstring)
    same_documents: bool = False  # only texts and topics changed: so did only the topics' lists
    before: dict[str, ParsedBody] = field(default_factory=dict)  # last build's bodies of the files read again

    @classmethod
    def of(cls, loaded: LoadedSources, db: BuildState, old: dict[str, str], rules: TopicRules | None = None
           ) -> "CarriedHashes | None":
        """`rules`: the site's topic rules, by which an item's text may give it topics."""
        if not old:
            return None
        before = db.parsed([source.body_key for source in loaded.previous])
        if any(source.body_key not in before for source in loaded.previous):
            return None  # what a changed file cited before is unknown: hash everything
        identities: set[Identity] = set()
        for source in loaded.previous:
            identities |= cited_identities(source, before[source.body_key])
        now = {source.rel: (source, loaded.fresh[source.body_key]) for source in loaded.digests
               if source.rel in loaded.reread}
        for source, body in now.values():
            identities |= cited_identities(source, body)
        same_documents = not loaded.removed and len(now) == len(loaded.previous) and all(
            source.rel in now and documents(source, before[source.body_key]) == documents(*now[source.rel])
            for source in loaded.previous)
        same_structure = same_documents and all(
            structure(source, before[source.body_key], rules) == structure(*now[source.rel], rules)
            for source in loaded.previous)
        return cls(old, loaded.reread, {key_base(*identity) for identity in identities}, same_structure,
                   same_documents, before)

    def own_hash(self, value: object) -> str | None:
        """Last build's hash of this object's own fields, when no edit can have changed them."""
        if type(value) is Decision:
            return None if value.key_base in self.bases else self.old.get("x:" + value.key)
        if type(value) is Digest:
            bases = self.bases
            if value.source.rel in self.reread or any(x.key_base in bases for x in value.decisions):
                return None
            return self.old.get("d:" + value.url)
        return None

    def all_hashes(self, site: Site) -> dict[str, str] | None:
        """Under the same documents, every object's hash: last build's, but for the own hashes
        of the digests and decisions an edit can reach, and, unless the structure is the same
        too, the topics' (None if last build's hashes lack a key of this model: they are then
        not last build's)."""
        if not self.same_documents:
            return None
        old = self.old
        if not all("x:" + x.key in old for x in site.decisions) or not all("d:" + d.url in old for d in site.digests):
            return None
        hashes = dict(old) if self.same_structure else {
            key: value for key, value in old.items() if not key.startswith(_TOPIC_KEYS)}
        # What `own_hash` finds, found from the few objects reached rather than asked of every
        # one (0.1 s at 10,000 digests): a digest cites a decision when it is among its mentions.
        reached = [x for x in site.decisions if x.key_base in self.bases]
        digests = {id(m.digest): m.digest for x in reached for m in x.mentions}
        digests.update((id(d), d) for d in site.digests if d.source.rel in self.reread)
        for value in chain(digests.values(), reached):
            hashes[KEYS[type(value)](value)] = object_hash(value)
        if not self.same_structure:
            for topic in site.topics:
                hashes.update(object_hashes(topic))
        return hashes


_TOPIC_KEYS = KEYS[Topic](Topic("", "", ""))  # "t:", how a topic's key and its lists' keys begin


# Fields of what a content file gives the index that are its texts (the index reads none of
# them), and an item's citations, compared one by one.
_LEFT_OUT = {DigestSource: {"body", "body_line", "content_hash", "body_key"}, ParsedItem: {"text", "citations"},
             CitedDocument: {"sentence"}}
_STRUCTURAL = {cls: tuple(f.name for f in fields(cls) if f.name not in out) for cls, out in _LEFT_OUT.items()}
# and those that are topics (`documents`)
_DOCUMENTAL = {cls: tuple(name for name in names if name != "topics") for cls, names in _STRUCTURAL.items()}


def _fields_of(value, names: dict[type, tuple[str, ...]] = _STRUCTURAL) -> tuple:
    return tuple(getattr(value, name) for name in names[type(value)])


def structure(source: DigestSource, body: ParsedBody, rules: TopicRules | None = None) -> tuple:
    """Everything a content file gives the index but its texts, and what the index reads in
    them: the topics an item without its own takes from its text by `rules`. (Fields are
    listed by what they are not, so that a field added later counts, until it is said to be a
    text.)"""
    return (_fields_of(source), tuple(map(_fields_of, body.lead_citations)),
            tuple((_fields_of(item), tuple(map(_fields_of, item.citations)), item_topics(body, position, rules))
                  for position, item in enumerate(body.items)))


def documents(source: DigestSource, body: ParsedBody) -> tuple:
    """`structure` without the topics: what decides which digests, items and decisions there
    are, and where each sits."""
    def fields_of(value) -> tuple:
        return _fields_of(value, _DOCUMENTAL)

    return (fields_of(source), tuple(map(fields_of, body.lead_citations)),
            tuple((fields_of(item), tuple(map(fields_of, item.citations))) for item in body.items))


def unchanged_objects(carried: CarriedHashes | None) -> UnchangedObjects | None:
    return None if carried is None else UnchangedObjects(carried)


class UnchangedObjects:
    """Whether an object's own fields are last build's (for the search index's document hashes)."""

    def __init__(self, carried: CarriedHashes):
        self.carried = carried

    def __call__(self, value: object) -> bool:
        return self.carried.own_hash(value) is not None

    def each_decision(self, decisions: list[Decision]) -> list[bool]:
        """`self(x)` for each decision, in one pass: 130,000 calls took 0.1 s at 10,000 digests."""
        bases, old = self.carried.bases, self.carried.old
        return [x.key_base not in bases and old.get("x:" + x.key) is not None for x in decisions]
