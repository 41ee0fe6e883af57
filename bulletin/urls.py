"""Where every page lives. All URLs are site-root-relative paths to real files.

Keeping the scheme in one module lets pages link to each other with `relative()`
(no leading slash, explicit `index.html`), so the output works from `file://`,
under any sub-path and on any host.
"""

from __future__ import annotations

import posixpath

HOME = "index.html"
SEARCH = "search/index.html"
FEED = "feed.xml"
NOT_FOUND = "404.html"
TOPICS = "topics/index.html"
DECISIONS = "decisions/index.html"
ARCHIVE = "archive/index.html"
ASSETS = "assets/"


def paged(first_page: str, page: int) -> str:
    """`x/index.html`, page 3 → `x/page/3/index.html` (pages count from the oldest, see pages.py)."""
    folder = posixpath.dirname(first_page)
    return posixpath.join(folder, "page", str(page), "index.html")


def digest(folders: str, slug: str) -> str:
    """content/2020/2020-w51.md → digests/2020/2020-w51/index.html (content folders kept)."""
    return posixpath.join("digests", folders, slug, "index.html")


def topic(slug: str) -> str:
    return f"topics/{slug}/index.html"


def decision(year: int, key: str) -> str:
    """A file, not a folder of its own: at 10,000 digests, 120,000 folders took 470 MB of the
    site's 1.8 GB on disk and half the time to copy it. A key never reads "index", "page" or
    "type-…", so no other page clashes."""
    return f"decisions/{year}/{key}.html"


def decisions_year(year: int) -> str:
    return f"decisions/{year}/index.html"


def decisions_type(year: int, type_slug: str) -> str:
    return f"decisions/{year}/type-{type_slug}/index.html"


def year(value: int) -> str:
    return f"archive/{value}/index.html"


def week(value_year: int, value_week: int) -> str:
    return f"archive/{value_year}/w{value_week:02d}/index.html"


def root_of(page_url: str) -> str:
    """The prefix that leads from a page back to the site root: "" or "../../"."""
    return "../" * page_url.count("/")


def relative(page_url: str, target: str) -> str:
    """Link from one page to another site-root-relative URL (anchors kept)."""
    return root_of(page_url) + target


def absolute(base_url: str, target: str) -> str:
    """For feeds and the sitemap only; folder index pages get their folder URL."""
    if target.endswith("index.html"):
        target = target[: -len("index.html")]
    return base_url + target
