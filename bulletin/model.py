"""The site model: plain dataclasses, complete before any template runs.

Stages hand these to each other: `load` makes `DigestSource`s, `parse` adds a
`ParsedBody`, `index` assembles `Site` (digests, items, topics, decisions,
archive). Templates never see the loader's or parser's internals, only these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from sys import intern
from typing import Protocol


def _by_fields(self):
    """Pickles a frozen slotted dataclass as its class and field values: dataclasses' own way
    sets field after field through `object.__setattr__`, 40 % slower to load (133,000
    citations are read back on every rebuild of 10,000 digests)."""
    return self.__class__, tuple(getattr(self, name) for name in self.__slots__)


@dataclass(frozen=True, slots=True)
class DecisionRef:
    """A document listed in front matter under `decisions:`."""

    __reduce__ = _by_fields

    ref: str
    date: dt.date | None
    title: str | None
    line: int


@dataclass(slots=True)
class DigestSource:
    """One content file, read and validated (front matter typed, body untouched)."""

    path: str  # as given on disk, for messages
    rel: str  # posix path relative to content/, e.g. "2020/2020-w51.md"
    url: str  # site-root-relative URL of its page, e.g. "digests/2020/2020-w51/index.html"
    title: str
    week_start: dt.date
    week_end: dt.date
    published: dt.date | dt.datetime
    issuer: str
    author: str | None
    summary: str | None
    topics: tuple[str, ...]
    decision_refs: tuple[DecisionRef, ...]
    draft: bool
    extra: dict
    body: str
    body_line: int  # line number of the body's first line in the file
    content_hash: str  # sha256 of the file's bytes
    body_key: str = ""  # cache key of the parsed body (content + parser settings)


_SHARED_VALUES: dict = {}  # dates and years of citations: a few thousand values in any archive


def _cited_document(type_: str, number: str, issuer: str, date, year, label: str, sentence: str | None,
                    marker: int) -> CitedDocument:
    """A citation read back (from a parse worker or the build state), its short fields shared
    with every other citation's equal ones: each body is pickled alone, so the archive's
    133,000 citations at 10,000 digests came back as 133,000 copies of "UBND", "QĐ" and
    their numbers (25 MB), in every process that holds the model."""
    shared = _SHARED_VALUES
    return CitedDocument(intern(type_), intern(number), intern(issuer), shared.setdefault(date, date),
                         shared.setdefault(year, year), intern(label), sentence, marker)


def _parsed_item(heading: str, heading_html: str, anchor: str, topics: tuple[str, ...], text: str | None,
                 citations: list) -> ParsedItem:
    """An item read back, its heading, anchor and topics shared with equal ones of other
    digests (headings recur week after week: 30 MB of copies at 10,000 generated digests)."""
    heading = intern(heading)
    return ParsedItem(heading, heading if heading_html == heading else intern(heading_html), intern(anchor),
                      tuple(map(intern, topics)), text, citations)


@dataclass(slots=True)
class CitedDocument:
    """One citation in the text, before its year is resolved across the archive. (Not frozen:
    a frozen dataclass sets each field through `object.__setattr__`, and 133,000 of them are
    made on every rebuild of 10,000 digests, 4 times slower.)"""

    def __reduce__(self):
        return _cited_document, _by_fields(self)[1]

    type: str
    number: str
    issuer: str
    date: dt.date | None
    year: int | None  # from the date or a /YYYY/ in the number
    label: str  # number and code as written, spaces and leading zeros dropped: "15/2020/NĐ-CP", "119-KH/TU"
    sentence: str | None  # None: read back without it (`StoredTexts`)
    marker: int  # index of the link placeholder in the body HTML (-1: not linked)


@dataclass(slots=True)
class ParsedItem:
    def __reduce__(self):
        return _parsed_item, (self.heading, self.heading_html, self.anchor, self.topics, self.text, self.citations)

    heading: str  # plain text
    heading_html: str
    anchor: str
    topics: tuple[str, ...]  # written in the heading's {topics="…"}
    text: str | None  # plain text of the paragraphs, for snippets and search (None: read back without it)
    citations: list[CitedDocument]


class StoredTexts(Protocol):
    """A parsed body's longest texts, read back from the build state only when first asked for
    (stored_bodies.py): its items' texts, and its citations' sentences, lead's first, in order."""

    def item(self, position: int) -> str: ...

    def sentence(self, position: int) -> str: ...


@dataclass(slots=True)
class ParsedBody:
    """What `parse` makes of a body; cached by content hash, so it depends on nothing else.

    As a rebuild reads it back from the build state, its items' texts and its citations'
    sentences are None, and `texts` reads them when something asks (`Item.text`,
    `Mention.text`): the index needs every other field of every body, but a one-digest edit at
    10,000 digests shows only a few hundred of those texts (107 of the 142 MB read back)."""

    html: str  # body HTML; citation hrefs are placeholders filled at render time
    lead_text: str  # plain text of the first paragraph
    lead_citations: list[CitedDocument]
    items: list[ParsedItem]
    texts: StoredTexts | None = None

    def citations(self) -> Iterator[CitedDocument]:
        """Every citation, in the order of `StoredTexts.sentence`."""
        yield from self.lead_citations
        for item in self.items:
            yield from item.citations

    def item_text(self, position: int) -> str:
        text = self.items[position].text
        return text if text is not None else self.texts.item(position)


@dataclass(eq=False, slots=True, repr=False)
class Topic:
    slug: str
    name: str
    url: str
    items: list["Item"] = field(default_factory=list)  # newest first
    digests: list["Digest"] = field(default_factory=list)  # digests tagged as a whole
    spellings: dict[str, int] = field(default_factory=dict)  # how often each spelling is written (the name: the most)

    def __repr__(self) -> str:  # (the generated one walks the whole model)
        return f"Topic({self.slug})"


@dataclass(eq=False, slots=True, repr=False)
class Decision:
    key: str  # set once every decision is known (keys that would collide get a suffix)
    type: str
    type_name: str
    number: str
    issuer: str
    year: int
    date: dt.date | None
    title: str | None
    url: str
    label: str  # as the newest digest citing it writes it: "2610/QĐ-UBND", "15/2020/NĐ-CP", "119-KH/TU"
    mentions: list["Mention"] = field(default_factory=list)  # newest first
    key_base: str = ""  # the key without year or suffix, shared by documents whose keys could collide

    @property
    def code(self) -> str:
        """The usual short form, whatever the label: "85/NĐ-CP", "119/KH-TU", "815/UBND-KT"."""
        if self.type in ("CV", "Luật") or not self.issuer:
            return f"{self.number}/{self.issuer or self.type}"
        return f"{self.number}/{self.type}-{self.issuer}"

    def __repr__(self) -> str:  # (the generated one walks the whole model)
        return f"Decision({self.key or self.label})"


def _stored_text(read: Callable[[object], str], doc: str) -> property:
    """A text kept in `stored_text`, or read (`read(self)`) from its digest's `StoredTexts` the
    first time it is asked for, and kept."""
    def get(self) -> str:
        text = self.stored_text
        if text is None:
            text = self.stored_text = read(self)
        return text

    def set(self, value: str) -> None:
        self.stored_text = value

    return property(get, set, doc=doc)


@dataclass(eq=False, slots=True, repr=False)
class Mention:
    digest: "Digest"
    item: "Item | None"  # None: the lead or the front matter
    anchor: str
    stored_text: str | None  # None until read from the build state (`text`)
    sentence: int = -1  # which of its digest's citations it is (`StoredTexts.sentence`)

    text = _stored_text(lambda m: m.digest.texts.sentence(m.sentence),
                        "The sentence of the digest that cites the document.")

    def __repr__(self) -> str:  # (the generated one walks the whole model)
        return f"Mention({self.digest.url}#{self.anchor})"


@dataclass(eq=False, slots=True, repr=False)
class Item:
    digest: "Digest"
    position: int
    heading: str
    heading_html: str
    anchor: str
    topics: list[Topic]
    stored_text: str | None  # None until read from the build state (`text`)
    decisions: list[Decision]

    text = _stored_text(lambda i: i.digest.texts.item(i.position), "Plain text of the item's paragraphs.")

    @property
    def url(self) -> str:
        return f"{self.digest.url}#{self.anchor}"

    def __repr__(self) -> str:  # (the generated one walks the whole model)
        return f"Item({self.url})"


@dataclass(eq=False, slots=True, repr=False)
class Digest:
    source: DigestSource
    lead_text: str  # plain text of the body's first paragraph (its parse is not kept: items hold it)
    url: str
    title: str
    week_start: dt.date
    week_end: dt.date
    published: dt.date | dt.datetime
    issuer: str
    author: str | None
    summary: str
    extra: dict
    topics: list[Topic] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)  # every document it cites or lists
    link_targets: dict[int, "Decision"] = field(default_factory=dict)  # citation placeholder -> decision
    previous: "Digest | None" = None
    next: "Digest | None" = None
    texts: StoredTexts | None = None  # its items' texts and citations' sentences, if not in them

    @property
    def iso_year(self) -> int:
        return self.week_start.isocalendar()[0]

    @property
    def iso_week(self) -> int:
        return self.week_start.isocalendar()[1]

    def __repr__(self) -> str:  # (the generated one walks the whole model)
        return f"Digest({self.url})"


@dataclass(eq=False, slots=True, repr=False)
class Week:
    year: int
    week: int
    url: str
    digests: list[Digest]  # newest first

    def __repr__(self) -> str:  # (the generated one walks the whole model)
        return f"Week({self.year}-W{self.week:02d})"


@dataclass(eq=False, slots=True, repr=False)
class Year:
    year: int
    url: str
    weeks: list[Week]  # newest first

    @property
    def digest_count(self) -> int:
        return sum(len(w.digests) for w in self.weeks)

    def __repr__(self) -> str:  # (the generated one walks the whole model)
        return f"Year({self.year})"


@dataclass(eq=False, slots=True, repr=False)
class Site:
    digests: list[Digest]  # newest first
    topics: list[Topic]  # Vietnamese alphabetical order
    decisions: list[Decision]  # newest first by date, undated last
    years: list[Year]  # newest first

    def __repr__(self) -> str:
        # The generated repr would walk every item of every topic of every item (minutes, gigabytes).
        return f"Site({len(self.digests)} digests, {len(self.topics)} topics, {len(self.decisions)} decisions)"
