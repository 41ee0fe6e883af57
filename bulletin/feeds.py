"""The Atom feed (via feedgen) and the sitemap (only with a base URL).

Both are reproducible: `updated` is the newest digest's publication time, never
the build time. Without a base URL the feed's links are relative to the feed
itself (Atom allows relative IRIs), and entry ids are name-based UUIDs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterator
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator

from . import urls
from .config import SiteConfig
from .model import Digest, Site

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)


def _timestamp(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)


def _link(config: SiteConfig, target: str) -> str:
    return urls.absolute(config.base_url, target) if config.base_url else target


def _id(config: SiteConfig, target: str) -> str:
    if config.base_url:
        return urls.absolute(config.base_url, target)
    return uuid.uuid5(uuid.NAMESPACE_URL, "bulletin:" + target).urn


def atom_feed(site: Site, config: SiteConfig) -> bytes:
    feed = FeedGenerator()
    feed.id(_id(config, urls.HOME))
    feed.title(config.title)
    feed.language(config.language)
    feed.link(href=_link(config, urls.HOME), rel="alternate")
    feed.link(href=_link(config, urls.FEED), rel="self")
    feed.generator("bulletin")
    if config.description:
        feed.subtitle(config.description)
    latest: list[Digest] = sorted(site.digests, key=lambda d: (_timestamp(d.published), d.url),
                                  reverse=True)[: config.feed_size]
    feed.updated(_timestamp(latest[0].published) if latest else dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
    for digest in reversed(latest):  # feedgen prepends entries
        entry = feed.add_entry()
        entry.id(_id(config, digest.url))
        entry.title(digest.title)
        entry.link(href=_link(config, digest.url))
        entry.updated(_timestamp(digest.published))
        entry.published(_timestamp(digest.published))
        if digest.author:
            entry.author(name=digest.author)
        elif digest.issuer:
            entry.author(name=digest.issuer)
        entry.summary(digest.summary or digest.title)
        for topic in digest.topics:
            entry.category(term=topic.slug, label=topic.name)
    return feed.atom_str(pretty=True)


def sitemap_files(page_urls: list[str], base_url: str) -> Iterator[tuple[str, bytes]]:
    """`sitemap.xml`, split into `sitemap-N.xml` files under an index past 50,000 URLs."""
    locs = sorted(urls.absolute(base_url, u) for u in page_urls if u != urls.NOT_FOUND)
    chunks = [locs[i: i + SITEMAP_LIMIT] for i in range(0, len(locs), SITEMAP_LIMIT)] or [[]]
    if len(chunks) == 1:
        yield "sitemap.xml", _urlset(chunks[0])
        return
    names = [f"sitemap-{n}.xml" for n in range(1, len(chunks) + 1)]
    for name, chunk in zip(names, chunks):
        yield name, _urlset(chunk)
    index = "".join(f"<sitemap><loc>{escape(base_url + n)}</loc></sitemap>\n" for n in names)
    yield "sitemap.xml", (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{index}</sitemapindex>\n'
    ).encode()


def _urlset(locs: list[str]) -> bytes:
    body = "".join(f"<url><loc>{escape(loc)}</loc></url>\n" for loc in locs)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</urlset>\n').encode()
