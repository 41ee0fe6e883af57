"""The site model: plain dataclasses, complete before any template runs.

Stages hand these to each other: `load` makes `DigestSource`s, `parse` adds a
`ParsedBody`, `index` assembles `Site` (digests, items, topics, decisions,
archive). Templates never see the loader's or parser's internals, only these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from sys import intern


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


def _cited_document(type_: str, number: str, issuer: str, date, year, label: str, sentence: str, marker: int
                    ) -> "CitedDocument":
    """A citation read back (from a parse worker or the build state), its short fields shared
    with every other citation's equal ones: each body is pickled alone, so the archive's
    133,000 citations at 10,000 digests came back as 133,000 copies of "UBND", "QĐ" and
    their numbers (25 MB), in every process that holds the model."""
    shared = _SHARED_VALUES
    return CitedDocument(intern(type_), intern(number), intern(issuer), shared.setdefault(date, date),
                         shared.setdefault(year, year), intern(label), sentence, marker)


def _parsed_item(heading: str, heading_html: str, anchor: str, topics: tuple[str, ...], text: str,
                 citations: list) -> "ParsedItem":
    """An item read back, its heading, anchor and topics shared with equal ones of other
    digests (headings recur week after week: 30 MB of copies at 10,000 generated digests)."""
    heading = intern(heading)
    return ParsedItem(heading, heading if heading_html == heading else intern(heading_html), intern(anchor),
                      tuple(map(intern, topics)), text, citations)


@dataclass(frozen=True, slots=True)
class CitedDocument:
    """One citation in the text, before its year is resolved across the archive."""

    def __reduce__(self):
        return _cited_document, _by_fields(self)[1]

    type: str
    number: str
    issuer: str
    date: dt.date | None
    year: int | None  # from the date or a /YYYY/ in the number
    label: str  # number and code as written, spaces and leading zeros dropped: "15/2020/NĐ-CP", "119-KH/TU"
    sentence: str
    marker: int  # index of the link placeholder in the body HTML (-1: not linked)


@dataclass(slots=True)
class ParsedItem:
    def __reduce__(self):
        return _parsed_item, (self.heading, self.heading_html, self.anchor, self.topics, self.text, self.citations)

    heading: str  # plain text
    heading_html: str
    anchor: str
    topics: tuple[str, ...]  # written in the heading's {topics="…"}
    text: str  # plain text of the paragraphs, for snippets and search
    citations: list[CitedDocument]


@dataclass(slots=True)
class ParsedBody:
    """What `parse` makes of a body; cached by content hash, so it depends on nothing else."""

    html: str  # body HTML; citation hrefs are placeholders filled at render time
    lead_text: str  # plain text of the first paragraph
    lead_citations: list[CitedDocument]
    items: list[ParsedItem]


@dataclass(eq=False, slots=True)
class Topic:
    slug: str
    name: str
    url: str
    items: list["Item"] = field(default_factory=list)  # newest first
    digests: list["Digest"] = field(default_factory=list)  # digests tagged as a whole


@dataclass(eq=False, slots=True)
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


@dataclass(eq=False, slots=True)
class Mention:
    digest: "Digest"
    item: "Item | None"  # None: the lead or the front matter
    anchor: str
    text: str


@dataclass(eq=False, slots=True)
class Item:
    digest: "Digest"
    position: int
    heading: str
    heading_html: str
    anchor: str
    topics: list[Topic]
    text: str
    decisions: list[Decision]

    @property
    def url(self) -> str:
        return f"{self.digest.url}#{self.anchor}"


@dataclass(eq=False, slots=True)
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

    @property
    def iso_year(self) -> int:
        return self.week_start.isocalendar()[0]

    @property
    def iso_week(self) -> int:
        return self.week_start.isocalendar()[1]


@dataclass(eq=False, slots=True)
class Week:
    year: int
    week: int
    url: str
    digests: list[Digest]  # newest first


@dataclass(eq=False, slots=True)
class Year:
    year: int
    url: str
    weeks: list[Week]  # newest first

    @property
    def digest_count(self) -> int:
        return sum(len(w.digests) for w in self.weeks)


@dataclass(eq=False, slots=True, repr=False)
class Site:
    digests: list[Digest]  # newest first
    topics: list[Topic]  # Vietnamese alphabetical order
    decisions: list[Decision]  # newest first by date, undated last
    years: list[Year]  # newest first

    def __repr__(self) -> str:
        # The generated repr would walk every item of every topic of every item (minutes, gigabytes).
        return f"Site({len(self.digests)} digests, {len(self.topics)} topics, {len(self.decisions)} decisions)"
