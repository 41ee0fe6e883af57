"""Stage 3, index: assemble the whole archive (topics, decisions, weeks).

Everything here is a lookup by key (dicts, one sort per list), never a scan of a
list per page: that is what makes some generators quadratic in the number of
terms. The result, `Site`, is complete before any template runs.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import re
from collections import Counter, defaultdict
from functools import lru_cache

from . import urls
from .citations import TYPE_NAMES, parse_ref
from .config import SiteConfig
from .model import (CitedDocument, Decision, Digest, DigestSource, Item, Mention, ParsedBody, Site,
                    Topic, Week, Year)
from .parse import LEAD_ANCHOR, written_label
from .slugs import distinct_slugs, slugify, vietnamese_sort_key
from .topic_rules import TopicRules

Identity = tuple[str, str, str]  # (type, issuer, number)


def key_base(type_: str, issuer: str, number: str) -> str:
    """A decision key without its year (or a collision suffix): documents sharing it may share a key."""
    return f"{slugify(type_)}-{slugify(issuer)}-{slugify(number)}"


def cited_identities(source: DigestSource, body: ParsedBody) -> set[Identity]:
    """Every document a digest cites, in its text or its front-matter `decisions:`, by identity."""
    cited = {(c.type, c.issuer, c.number) for c in body.citations()}
    for ref in source.decision_refs:
        parsed = parse_ref(ref.ref)
        if parsed is not None:
            cited.add((parsed.type, parsed.issuer, parsed.number))
    return cited


class _YearResolver:
    """Gives an undated citation the year of the latest dated citation of the same
    document that is not later than the citing digest (spec: decisions, identity)."""

    def __init__(self, dated: dict[Identity, list[dt.date]]):
        self.dated = {k: sorted(v) if len(v) > 1 else v for k, v in dated.items()}  # most are cited once

    def year(self, identity: Identity, cited: CitedDocument, digest_end: dt.date) -> int:
        if cited.year:
            return cited.year
        dates = self.dated.get(identity)
        if dates:
            position = bisect.bisect_right(dates, digest_end)
            if position:
                return dates[position - 1].year
        return digest_end.year


def best_spelling(counts: Counter) -> str:
    """A topic's name: its most frequent spelling; on a tie, the first in alphabetical order."""
    return min(counts.items(), key=lambda kv: (-kv[1], vietnamese_sort_key(kv[0])))[0]


class _Topics:
    def __init__(self) -> None:
        self.spellings: dict[str, Counter] = defaultdict(Counter)
        self.by_slug: dict[str, Topic] = {}

    def count(self, name: str) -> None:
        slug = slugify(name)
        if slug:
            self.spellings[slug][name] += 1

    def finish(self) -> None:
        for slug, counter in self.spellings.items():
            self.by_slug[slug] = Topic(slug, best_spelling(counter), urls.topic(slug), spellings=dict(counter))

    def lookup(self, names) -> list[Topic]:
        return [self.by_slug[slug] for slug in distinct_slugs(names)]


def digest_order(source: DigestSource) -> tuple:
    return (source.week_start, source.week_end, source.url)


def item_topics(body: ParsedBody, position: int, rules: TopicRules | None) -> tuple[str, ...]:
    """An item's topics: its own, or those whose keywords its heading and text hold (`[topics.rules]`)."""
    parsed = body.items[position]
    return parsed.topics or (tuple(rules.match(f"{parsed.heading}\n{body.item_text(position)}")) if rules else ())


def build_index(entries: list[tuple[DigestSource, ParsedBody]], config: SiteConfig) -> Site:
    entries = sorted(entries, key=lambda e: digest_order(e[0]), reverse=True)
    rules = TopicRules(config.topic_rules) if config.topic_rules else None
    item_topic_names: dict[tuple[int, int], tuple[str, ...]] = {}
    topics = _Topics()
    dated: dict[Identity, list[dt.date]] = defaultdict(list)
    for d_index, (source, body) in enumerate(entries):
        for name in source.topics:
            topics.count(name)
        for i_index, parsed in enumerate(body.items):
            names = item_topics(body, i_index, rules)
            item_topic_names[d_index, i_index] = names
            for name in names:
                topics.count(name)
        for cited in body.citations():
            if cited.date:
                dated[(cited.type, cited.issuer, cited.number)].append(cited.date)
    topics.finish()
    resolver = _YearResolver(dated)
    decisions: dict[tuple, Decision] = {}  # by identity: (type, issuer, number, year)
    digests: list[Digest] = []
    for d_index, (source, body) in enumerate(entries):
        digest = Digest(
            source=source, lead_text=body.lead_text, url=source.url, title=source.title, week_start=source.week_start,
            week_end=source.week_end, published=source.published, issuer=source.issuer,
            author=source.author, summary=source.summary or body.lead_text, extra=source.extra,
            topics=topics.lookup(source.topics), texts=body.texts)
        for topic in digest.topics:
            topic.digests.append(digest)
        cited_here: dict[int, Decision] = {}
        sentence = 0  # the citation's position in the body (`StoredTexts.sentence`)
        for cited in body.lead_citations:
            decision = _decision_for(decisions, resolver, cited, source.week_end)
            _mention(decision, digest, None, LEAD_ANCHOR, cited, cited_here, sentence)
            sentence += 1
        for i_index, parsed in enumerate(body.items):
            item = Item(digest, i_index, parsed.heading, parsed.heading_html, parsed.anchor,
                        topics.lookup(item_topic_names[d_index, i_index]), parsed.text, [])
            for topic in item.topics:
                topic.items.append(item)
            for cited in parsed.citations:
                decision = _decision_for(decisions, resolver, cited, source.week_end)
                if decision not in item.decisions:
                    item.decisions.append(decision)
                _mention(decision, digest, item, parsed.anchor, cited, cited_here, sentence)
                sentence += 1
            digest.items.append(item)
        _apply_front_matter_refs(digest, decisions, resolver, cited_here)
        digest.decisions = list(cited_here.values())
        digests.append(digest)
    _assign_keys(decisions.values())
    for newer, older in zip(digests, digests[1:]):
        newer.previous, older.next = older, newer
    topic_list = sorted(topics.by_slug.values(), key=lambda t: vietnamese_sort_key(t.name))
    decision_list = sorted(decisions.values(), key=decision_order)
    return Site(digests, topic_list, decision_list, archive_of(digests))


def _decision_for(decisions: dict[tuple, Decision], resolver: _YearResolver, cited: CitedDocument,
                  digest_end: dt.date) -> Decision:
    triple = (cited.type, cited.issuer, cited.number)
    year = resolver.year(triple, cited, digest_end)
    decision = decisions.get((*triple, year))
    if decision is None:
        decision = decisions[(*triple, year)] = Decision(
            key="", type=cited.type, type_name=TYPE_NAMES.get(cited.type, cited.type), number=cited.number,
            issuer=cited.issuer, year=year, date=None, title=None, url="", label=cited.label)
    if cited.date and cited.date.year == year and (decision.date is None or cited.date < decision.date):
        decision.date = cited.date
    return decision


def _mention(decision: Decision, digest: Digest, item: Item | None, anchor: str, cited: CitedDocument,
             cited_here: dict[int, Decision], sentence: int = -1) -> None:
    decision.mentions.append(Mention(digest, item, anchor, cited.sentence, sentence))
    cited_here.setdefault(id(decision), decision)
    if cited.marker >= 0:
        digest.link_targets[cited.marker] = decision


def _assign_keys(decisions) -> None:
    """Keys are slugs, so two documents may share one ("40-TB/TU" of the provincial Party
    committee and "40-TB/TƯ" of the central one): the issuer first in code-point order keeps
    the plain key, the others get a short stable suffix from their exact issuer."""
    by_key: dict[str, list[Decision]] = {}
    for decision in decisions:
        decision.key_base = key_base(decision.type, decision.issuer, decision.number)
        key = f"{decision.key_base}-{decision.year}"
        group = by_key.get(key)
        if group is None:
            by_key[key] = [decision]
        else:
            group.append(decision)
    for key, group in by_key.items():
        if len(group) == 1:  # nearly every key: no collision to settle
            decision = group[0]
            decision.key, decision.url = key, urls.decision(decision.year, key)
            continue
        group.sort(key=lambda d: (d.type, d.issuer, d.number))
        for position, decision in enumerate(group):
            suffix = "" if position == 0 else "-" + hashlib.blake2b(
                f"{decision.type}/{decision.issuer}/{decision.number}".encode(), digest_size=3).hexdigest()
            decision.key = key + suffix
            decision.url = urls.decision(decision.year, decision.key)


def _apply_front_matter_refs(digest: Digest, decisions: dict[tuple, Decision], resolver: _YearResolver,
                             cited_here: dict[int, Decision]) -> None:
    """Front-matter `decisions:` give a cited document its title, or index one the text lacks."""
    for ref in digest.source.decision_refs:
        parsed = parse_ref(ref.ref)
        if parsed is None:
            continue
        match = next((d for d in cited_here.values()
                      if (d.type, d.issuer, d.number) == (parsed.type, parsed.issuer, parsed.number)
                      and (parsed.year is None and ref.date is None
                           or d.year == (ref.date.year if ref.date else parsed.year))), None)
        if match is None:
            cited = CitedDocument(parsed.type, parsed.number, parsed.issuer, ref.date or parsed.date,
                                  (ref.date.year if ref.date else parsed.year), written_label(ref.ref),
                                  ref.title or "", -1)
            match = _decision_for(decisions, resolver, cited, digest.week_end)
            _mention(match, digest, None, LEAD_ANCHOR, cited, cited_here)
        if ref.title and not match.title:
            match.title = ref.title
        if ref.date and match.date is None and ref.date.year == match.year:
            match.date = ref.date


_NUMBER_PARTS = re.compile(r"(\d+)")


def decision_order(decision: Decision) -> tuple:
    """Newest first by date, undated last; then by year, type, issuer and number."""
    natural = _natural(decision.number)
    if decision.date:
        return (0, -decision.date.toordinal(), -decision.year, decision.type, decision.issuer, natural)
    return (1, 0, -decision.year, decision.type, decision.issuer, natural)


@lru_cache(maxsize=65536)
def _natural(number: str) -> tuple:
    """ "15a" → (15, "a"): numbers compare as numbers (the same few thousand recur every year)."""
    return tuple(int(p) if p.isdigit() else p for p in _NUMBER_PARTS.split(number) if p)


def archive_of(digests: list[Digest]) -> list[Year]:
    """The years and weeks of these digests (newest first)."""
    by_week: dict[tuple[int, int], list[Digest]] = defaultdict(list)
    for digest in digests:  # newest first, so each week's list is too
        by_week[digest.iso_year, digest.iso_week].append(digest)
    years: dict[int, Year] = {}
    for (year, week), members in sorted(by_week.items(), reverse=True):
        entry = years.setdefault(year, Year(year, urls.year(year), []))
        entry.weeks.append(Week(year, week, urls.week(year, week), members))
    return list(years.values())
