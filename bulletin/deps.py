"""What each page depends on: recorded where templates read it.

Every model object has a key ("d:<url>" for a digest, "x:<key>" for a
decision…) and, per build, a hash of its own fields plus the *keys* of the
objects it refers to. Templates reach objects only through attribute access,
which Jinja routes through `Environment.getattr`; `TrackingEnvironment`
records the key of every object read while a page renders. A page is stale when
an object it read has a different hash now, or its fingerprint (template files
+ the identity of its context) changed. Content reached through an object is
tracked by the object that holds it, so the rule holds for any template.

A list of members that grows with the archive (a topic's items, a week's digests,
a digest's neighbours) has a key and a hash of its own ("t:<slug>/items"), recorded
only when a template reads that attribute (`MEMBERSHIPS`). A page that shows a
topic's name is then not made again each time an item joins the topic: at 10,000
digests, every digest page showing a busy topic's link would be.
"""

from __future__ import annotations

import hashlib
from typing import Callable

import jinja2
import jinja2.meta
from markupsafe import Markup

from .model import Decision, Digest, Item, Topic, Week, Year
from .pages import DecisionType, DecisionYear, Pagination


def _digest_key(d: Digest) -> str:
    return "d:" + d.url


def _item_key(i: Item) -> str:
    """An item is part of its digest: reading it depends on the digest (whose hash covers it)."""
    return "d:" + i.digest.url


def _item_links(i: Item) -> tuple:
    """What an item has beyond its digest's file: the keys of the objects it links to (its
    heading, text and anchor are functions of the file, which the digest's hash covers)."""
    return (_keys(i.topics), _keys(i.decisions))


KEYS: dict[type, Callable[[object], str]] = {
    Digest: _digest_key,
    Item: _item_key,
    Topic: lambda t: "t:" + t.slug,
    Decision: lambda x: "x:" + x.key,
    Week: lambda w: f"w:{w.year}-{w.week}",
    Year: lambda y: f"y:{y.year}",
    DecisionYear: lambda y: f"dy:{y.year}",
    DecisionType: lambda t: f"dt:{t.year}:{t.type}",
}


# Attributes that read a list of members (or a value made from one), by class: attribute →
# the membership's name. Reading any other attribute depends on the object's own hash.
MEMBERSHIPS: dict[type, dict[str, str]] = {
    Digest: {"previous": "neighbours", "next": "neighbours"},
    Topic: {"items": "items", "digests": "digests"},
    Week: {"digests": "digests"},
    Year: {"weeks": "weeks", "digest_count": "weeks"},
    DecisionYear: {"types": "types", "count": "types", "of_type": "types"},
    DecisionType: {"decisions": "decisions"},
}
_MEMBERSHIPS_OF = {cls: MEMBERSHIPS.get(cls, {}) for cls in KEYS}  # every tracked class, for the hot path


def _members(value: object) -> dict[str, tuple]:
    """The memberships' fields (what they list, as keys): membership name → fields."""
    if isinstance(value, Digest):
        return {"neighbours": (value.previous and _digest_key(value.previous), value.next and _digest_key(value.next))}
    if isinstance(value, Topic):  # items as a page's context tells them apart (`identity`): see plan.py
        return {"items": tuple(map(IDENTITIES[Item], value.items)), "digests": _keys(value.digests)}
    if isinstance(value, Week):
        return {"digests": _keys(value.digests)}
    if isinstance(value, Year):  # with each week's digests: `digest_count` counts them
        return {"weeks": tuple((KEYS[Week](w), _keys(w.digests)) for w in value.weeks)}
    if isinstance(value, DecisionYear):  # with each type's decisions: `count` counts them
        return {"types": tuple((KEYS[DecisionType](t), _keys(t.decisions)) for t in value.types)}
    if isinstance(value, DecisionType):
        return {"decisions": _keys(value.decisions)}
    return {}


def _keys(values) -> tuple:
    return tuple(KEYS[type(v)](v) for v in values)


def _fields(value: object) -> tuple:
    """An object's own fields, with referenced objects replaced by their keys.

    Whatever is a function of one content file alone (an item's text, a mention's sentence)
    is covered by that file's content hash, which costs less to hash than the text (the
    parser's settings and code are in the environment fingerprint, which resets all hashes)."""
    if isinstance(value, Digest):
        d = value
        return (d.url, d.title, d.week_start, d.week_end, d.published, d.issuer, d.author, d.summary,
                repr(d.extra), d.source.content_hash, sorted((m, x.url) for m, x in d.link_targets.items()),
                _keys(d.topics), tuple(_item_links(i) for i in d.items), _keys(d.decisions))
    if isinstance(value, Topic):
        return (value.slug, value.name, value.url)
    if isinstance(value, Decision):
        x = value
        return (x.key, x.type, x.type_name, x.number, x.issuer, x.year, x.date, x.title, x.url, x.label,
                tuple((_digest_key(m.digest), m.digest.source.content_hash, m.item and m.item.anchor, m.anchor)
                      for m in x.mentions))
    if isinstance(value, Week):
        return (value.year, value.week, value.url)
    if isinstance(value, Year):
        return (value.year, value.url)
    if isinstance(value, DecisionYear):
        return (value.year, value.url)
    if isinstance(value, DecisionType):
        return (value.type, value.name, value.year, value.url)
    raise TypeError(type(value))


def _hash(fields: tuple) -> str:
    return hashlib.blake2b(repr(fields).encode(), digest_size=12).hexdigest()


def object_hash(value: object) -> str:
    """The hash of an object's own fields (not its memberships)."""
    return _hash(_fields(value))


def membership_key(value: object, name: str) -> str:
    """The key of one of an object's memberships (`object_hashes`)."""
    return f"{KEYS[type(value)](value)}/{name}"


def object_hashes(value: object, own: str | None = None) -> list[tuple[str, str]]:
    """(key, hash) of an object and of each of its memberships; `own` is the object's own
    hash when it is known already (carried_hashes.py)."""
    cls = type(value)
    key = KEYS[cls](value)
    if own and cls not in MEMBERSHIPS:  # a carried decision: 120,000 at 10,000 digests
        return [(key, own)]
    return [(key, own or _hash(_fields(value))), *((f"{key}/{name}", _hash(fields))
                                                    for name, fields in _members(value).items())]


# What tells a page's context objects apart: their keys, except that an item's key is its
# digest's (what it shows is the digest's), and two items of one digest are two entries.
IDENTITIES: dict[type, Callable[[object], str]] = {**KEYS, Item: lambda i: f"d:{i.digest.url}#{i.position}"}


def identity(value: object) -> object:
    """What a page's context *is*, cheaply: objects by key, lists by their members' keys."""
    cls = type(value)
    maker = IDENTITIES.get(cls)
    if maker:
        return maker(value)
    if cls is dict and len(value) == 1:  # most pages: one object (a digest, a decision)
        for key, member in value.items():
            return ((key, identity(member)),)
    if isinstance(value, (list, tuple)):
        if value and (maker := IDENTITIES.get(type(value[0]))) and all(type(v) is type(value[0]) for v in value):
            return tuple(map(maker, value))  # a page's digests, items or decisions
        return tuple(map(identity, value))
    if isinstance(value, Pagination):
        return ("page", value.number, value.first_url, value.previous_url, value.next_url)
    if isinstance(value, dict):
        return tuple(sorted((k, identity(v)) for k, v in value.items()))
    if isinstance(value, Markup):
        return None  # derived from an object in the same context (a digest's body)
    return value


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that records which model objects a render reads.

    `recorder` collects the objects themselves (cheap: a set add by identity);
    `recorded_keys()` turns them into keys once per page.
    """

    recorder: set | None = None

    def __init__(self, *args, **options):
        super().__init__(*args, **options)
        self.key_strings: dict[object, str] = {}  # recorded object → its key, made once (`recorded_keys`)

    def getattr(self, obj, attribute):  # Jinja's hook for `a.b`; same lookup rules as Jinja's own
        recorder = self.recorder
        if recorder is not None and obj.__class__ in KEYS:
            membership = _MEMBERSHIPS_OF[obj.__class__].get(attribute)
            recorder.add((obj, membership) if membership else obj)
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj, argument):
        recorder = self.recorder
        if recorder is not None and obj.__class__ in KEYS:
            membership = _MEMBERSHIPS_OF[obj.__class__].get(argument) if isinstance(argument, str) else None
            recorder.add((obj, membership) if membership else obj)
        return super().getitem(obj, argument)

    def record(self, obj, memberships: bool = True) -> None:
        """For filters and functions that read objects passed as arguments: the object and,
        unless the caller reads only its own fields, all of its memberships."""
        if self.recorder is not None and obj.__class__ in KEYS:
            self.recorder.add(obj)
            if memberships:
                self.recorder.update((obj, name) for name in set(_MEMBERSHIPS_OF[obj.__class__].values()))

    def recorded_keys(self) -> frozenset[str]:
        """One string per key for all the pages of a process, made once: at 10,000 digests the
        pages read 950,000 keys, 163,000 of them distinct (and a worker's results, pickled
        together, stay shared)."""
        known = self.key_strings
        keys = []
        for o in self.recorder or ():
            key = known.get(o)
            if key is None:
                key = known[o] = (f"{KEYS[o[0].__class__](o[0])}/{o[1]}" if type(o) is tuple
                                  else KEYS[o.__class__](o))
            keys.append(key)
        return frozenset(keys)


def template_closure(env: jinja2.Environment, name: str) -> set[str] | None:
    """Every template file a template extends or includes; None if any name is dynamic."""
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            source, _, _ = env.loader.get_source(env, current)
        except jinja2.TemplateNotFound:
            continue  # `include … ignore missing`: its absence is part of the fingerprint
        for referenced in jinja2.meta.find_referenced_templates(env.parse(source)):
            if referenced is None:
                return None
            pending.append(referenced)
    return seen


def templates_fingerprint(env: jinja2.Environment, name: str, cache: dict[str, str]) -> str:
    """Hash of the files a template uses, as the loader resolves them (a site override wins)."""
    if name in cache:
        return cache[name]
    closure = template_closure(env, name)
    names = sorted(closure) if closure is not None else sorted(env.list_templates())
    digest = hashlib.blake2b(digest_size=12)
    for member in names:
        try:
            source, filename, _ = env.loader.get_source(env, member)
        except jinja2.TemplateNotFound:
            source, filename = "", "(missing)"
        digest.update(f"{member}\0{filename}\0{source}\0".encode())
    cache[name] = digest.hexdigest()
    return cache[name]
