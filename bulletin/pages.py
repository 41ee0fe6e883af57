"""Which pages a site has, and the small context each template gets.

Every page is a `Page(url, template, context)`; pages are produced lazily so a
large archive never holds all of its rendered HTML at once. Template contexts:

| template | context |
|---|---|
| home.html | `digests` (this page's), `pagination` |
| digest.html | `digest` (with `.items`, `.topics`, `.decisions`, `.previous`, `.next`), `body` (HTML) |
| archive.html | `years` |
| archive_year.html | `year` (with `.weeks`) |
| archive_week.html | `week` (with `.digests`), `year` |
| topics.html | `topics` |
| topic.html | `topic`, `items` (this page's), `pagination` |
| decisions.html | `years` (list of `DecisionYear`), `types` (list of `DecisionType` over all years) |
| decisions_year.html | `year` (a `DecisionYear`) |
| decisions_type.html | `year`, `type` (a `DecisionType`), `decisions` (this page's), `pagination` |
| decision.html | `decision` (with `.mentions`) |
| 404.html | nothing more |
| search.html | nothing more (search.js reads the index under search/) |

Every template also gets the globals listed in `render.py` and `page_title`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterator

from markupsafe import Markup

from . import urls
from .citations import TYPE_NAMES
from .model import Decision, Digest, Site
from .parse import PLACEHOLDER_RE
from .slugs import slugify


@dataclass(eq=False, slots=True)  # not frozen: a frozen dataclass's __init__ costs 2.5 times as much (146,000 pages)
class Page:
    url: str
    template: str
    context: dict
    late: Callable[[], dict] | None = None  # context computed only when the page is rendered
    keyed: bool = False  # the context is objects whose keys the URL names (see plan.py)
    # A page of a list (object, membership name: deps.MEMBERSHIPS), whose context is the same
    # as long as that list is, and the URL names the object and the page (see plan.py).
    part_of: tuple[object, str] | None = None


@dataclass(frozen=True, slots=True)
class Pagination:
    """Where a page sits in a list shown newest first (see `paginate`).

    Pages are numbered from the oldest (1), so a numbered page keeps its entries and its
    URL as the archive grows. `previous_url`/`next_url` are the newer/older page (rel=prev/next).
    """
    number: int  # 1 is the oldest page; the newest page has the highest number
    first_url: str  # the newest page, at the list's own URL
    previous_url: str | None  # the next newer page
    next_url: str | None  # the next older page

    @property
    def newest(self) -> bool:
        return self.previous_url is None

    @property
    def url(self) -> str:
        return self.first_url if self.newest else urls.paged(self.first_url, self.number)

    @property
    def newest_url(self) -> str | None:
        """The newest page, when it is not this one or the next newer one."""
        return self.first_url if self.previous_url not in (None, self.first_url) else None

    @property
    def oldest_url(self) -> str | None:
        """Page 1, when it is not this one or the next older one."""
        return urls.paged(self.first_url, 1) if self.number > 2 else None


@dataclass(eq=False, slots=True)
class DecisionType:
    type: str
    name: str
    year: int | None
    url: str | None
    decisions: list[Decision] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class DecisionYear:
    year: int
    url: str
    types: list[DecisionType]

    @property
    def count(self) -> int:
        return sum(len(t.decisions) for t in self.types)

    def of_type(self, type_: str) -> DecisionType | None:
        return next((t for t in self.types if t.type == type_), None)


TEMPLATES = ["home.html", "digest.html", "archive.html", "archive_year.html", "archive_week.html",
             "topics.html", "topic.html", "decisions.html", "decisions_year.html", "decisions_type.html",
             "decision.html", "404.html", "search.html"]
CHROME = ["partials/site_header.html", "partials/site_footer.html"]  # used by every page via chrome()
TOPIC_TEMPLATES = frozenset({"topics.html", "topic.html"})  # those whose contexts hold topics (see the table above)


def paginate(entries: list, per_page: int, first_url: str) -> Iterator[tuple[list, Pagination]]:
    """`entries` (newest first) in pages of `per_page`, counted from the oldest: the newest
    page, at `first_url`, takes the rest, between `per_page` and 2 × `per_page` − 1 entries.

    So page k always holds the same entries: a new digest changes the newest page, and once
    every `per_page` additions the page it fills, never the pages further back (which a
    host's cache, an upload of the changes and a rebuild then leave alone). Numbered from
    the newest, every page would shift by one entry with each new digest."""
    older = max(0, len(entries) // per_page - 1)  # pages of exactly per_page, the oldest entries
    newest_size = len(entries) - older * per_page
    newest = older + 1

    def url(number: int) -> str | None:
        if number < 1:
            return None
        return first_url if number == newest else urls.paged(first_url, number)

    yield entries[:newest_size], Pagination(newest, first_url, None, url(older))
    for number in range(older, 0, -1):
        end = len(entries) - (number - 1) * per_page
        yield entries[end - per_page:end], Pagination(number, first_url, url(number + 1), url(number - 1))


def decision_years(site: Site) -> list[DecisionYear]:
    grouped: dict[int, dict[str, list[Decision]]] = defaultdict(lambda: defaultdict(list))
    for decision in site.decisions:
        grouped[decision.year][decision.type].append(decision)
    years = []
    for year in sorted(grouped, reverse=True):
        types = [DecisionType(t, TYPE_NAMES.get(t, t), year, urls.decisions_type(year, slugify(t)), members)
                 for t, members in sorted(grouped[year].items(), key=lambda kv: (-len(kv[1]), kv[0]))]
        years.append(DecisionYear(year, urls.decisions_year(year), types))
    return years


def decision_types(years: list[DecisionYear]) -> list[DecisionType]:
    """Types over all years, most cited first; each keeps its per-year lists in `.decisions`."""
    totals: dict[str, DecisionType] = {}
    for year in years:
        for entry in year.types:
            total = totals.setdefault(entry.type, DecisionType(entry.type, entry.name, None, None))
            total.decisions.extend(entry.decisions)
    return sorted(totals.values(), key=lambda t: (-len(t.decisions), t.type))


def _digest_body(digest: Digest, body_html: Callable[[Digest], str]) -> Callable[[], dict]:
    return lambda: {"body": link_citations(body_html(digest), digest.link_targets, urls.root_of(digest.url))}


def link_citations(html: str, targets: dict[int, Decision], root: str) -> Markup:
    """Fill the citation placeholders of a parsed body with links relative to the page."""
    return Markup(PLACEHOLDER_RE.sub(lambda m: root + targets[int(m.group(1))].url, html))


def site_pages(site: Site, per_page: int, items_per_page: int, years: list[DecisionYear],
               types: list[DecisionType], body_html: Callable[[Digest], str]) -> Iterator[Page]:
    """Every page of the site; `years`/`types` from decision_years()/decision_types();
    `body_html(digest)` gives a digest's parsed HTML (kept out of memory on big builds)."""
    for digests, pagination in paginate(site.digests, per_page, urls.HOME):
        yield Page(pagination.url, "home.html", {"digests": digests, "pagination": pagination})
    for digest in site.digests:
        yield Page(digest.url, "digest.html", {"digest": digest}, late=_digest_body(digest, body_html), keyed=True)
    yield Page(urls.ARCHIVE, "archive.html", {"years": site.years})
    for year in site.years:
        yield Page(year.url, "archive_year.html", {"year": year}, keyed=True)
        for week in year.weeks:
            yield Page(week.url, "archive_week.html", {"week": week, "year": year}, keyed=True)
    yield Page(urls.TOPICS, "topics.html", {"topics": site.topics})
    for topic in site.topics:
        for items, pagination in paginate(topic.items, items_per_page, topic.url):
            yield Page(pagination.url, "topic.html",
                       {"topic": topic, "items": items, "pagination": pagination}, part_of=(topic, "items"))
    yield Page(urls.DECISIONS, "decisions.html", {"years": years, "types": types})
    for year in years:
        yield Page(year.url, "decisions_year.html", {"year": year}, keyed=True)
        for entry in year.types:
            for decisions, pagination in paginate(entry.decisions, items_per_page, entry.url):
                yield Page(pagination.url, "decisions_type.html",
                           {"year": year, "type": entry, "decisions": decisions, "pagination": pagination},
                           part_of=(entry, "decisions"))
    for decision in site.decisions:
        yield Page(decision.url, "decision.html", {"decision": decision}, keyed=True)
    yield Page(urls.NOT_FOUND, "404.html", {})
    yield Page(urls.SEARCH, "search.html", {})
