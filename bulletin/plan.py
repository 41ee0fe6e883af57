"""Which pages a build renders again: those whose fingerprint changed or that read a changed object.

A page's fingerprint is a hash of its template files (with the site chrome's) and of the
identity of its context (deps.identity). A page whose context is objects named by its URL
(`Page.keyed`: a digest's page, a decision's, a year's, a week's) has the same identity as
long as it has the same URL; when its template files are also those of the last build
(`templates` in the build state), last build's fingerprint is this build's, and is not
computed again: at 10,000 digests that is 140,000 hashes less per rebuild. A page of a list
(`Page.part_of`: a topic's items, a year's decisions of a type) has the same identity as
long as that list's membership hash (deps.py) is last build's: of 4,400 such pages at 10,000
digests, a digest added or deleted makes again the identities of those of its lists only.
When an edit changed only texts (carried_hashes.CarriedHashes.same_structure), every page's
context is made of the same objects in the same lists as last build's; when it changed only
texts and topics (`same_documents`), every page's but the topics'.
"""

from __future__ import annotations

import json
import os
from array import array
from dataclasses import dataclass, field
from typing import Callable, Iterator

import jinja2

from .deps import identity, membership_key, templates_fingerprint
from .pages import CHROME, Page
from .state import digest_of

META = "templates"  # build state meta: template name → hash of its files and the chrome's


KEEP_PAGES = 1500  # jobs kept as pages; past this, as places in the page sequence (see `Jobs`)


class Jobs:
    """The pages to render with their fingerprints, in the order of the site's pages.

    A few are kept as they are. Many (a first build: 146,000 at 10,000 digests) are kept as
    their places in the page sequence only, and each process that renders a share of them
    makes those pages again from the model (`chunk`). Kept whole, the pages and their
    contexts (60 MB) were made before the render workers forked, so each worker copied the
    part of them it rendered while this process kept the rest: the memory of every page, twice,
    at the build's peak."""

    def __init__(self, pages: Callable[[], Iterator[Page]]):
        self._pages = pages  # a fresh walk over the site's pages, in the same order each time
        self.urls: list[str] = []
        self._places = array("q")
        self._fingerprints = bytearray()  # 16 bytes each (digest_of's hex, as bytes)
        self._kept: list[Page] | None = []
        self._walk: tuple[int, Iterator[tuple[int, Page]], int] | None = None  # (pid, walk, places passed)

    def add(self, place: int, page: Page, fingerprint: str) -> None:
        self.urls.append(page.url)
        self._places.append(place)
        self._fingerprints += bytes.fromhex(fingerprint)
        if self._kept is not None:
            self._kept.append(page)
            if len(self._kept) > KEEP_PAGES:
                self._kept = None

    def __len__(self) -> int:
        return len(self.urls)

    @property
    def holds_pages(self) -> bool:
        return self._kept is not None

    def chunk(self, start: int, end: int) -> list[tuple[Page, str]]:
        """Jobs `start` to `end`, as pages and fingerprints. A process asks for its chunks in
        increasing order (workers.run_chunks), so its walk over the site's pages goes forward."""
        fingerprints = [self._fingerprints[16 * n:16 * n + 16].hex() for n in range(start, end)]
        if self._kept is not None:
            return list(zip(self._kept[start:end], fingerprints))
        pages = [self._page_at(self._places[n]) for n in range(start, end)]
        return list(zip(pages, fingerprints))

    def _page_at(self, place: int) -> Page:
        if self._walk is None or self._walk[0] != os.getpid() or self._walk[2] > place:
            self._walk = os.getpid(), enumerate(self._pages()), 0
        pid, walk, _ = self._walk
        for at, page in walk:
            if at == place:
                self._walk = pid, walk, at + 1
                return page
        raise IndexError(f"the site has no page {place}: its pages changed since the plan")


@dataclass
class Plan:
    jobs: Jobs  # pages to render, with their fingerprints
    kept: dict[str, tuple[str, str]] = field(default_factory=dict)  # the others: last build's (hash, fingerprint)
    pages: int = 0
    templates: dict[str, str] = field(default_factory=dict)  # for the next build (META)


def plan_pages(pages: Callable[[], Iterator[Page]], env: jinja2.Environment,
               old_outputs: dict[str, tuple[str, str]], reading_changed: set[str], last_templates: str | None,
               same_contexts: bool = False, other_contexts: frozenset[str] = frozenset(),
               changed_objects: set[str] | None = None) -> Plan:
    """`pages()` walks the site's pages, the same each time it is called (pages.site_pages);
    `same_contexts`: every page's context has last build's identity, but those of the
    templates in `other_contexts`; `changed_objects`: the keys whose hashes changed, which
    say whether the list a page is part of (`Page.part_of`) is last build's."""
    plan = Plan(Jobs(pages))
    last = _saved(last_templates)
    cache: dict[str, str] = {}
    chrome = [templates_fingerprint(env, name, cache) for name in CHROME]
    # per template: (its files' and the chrome's prefix, last build's fingerprint holds for a
    # keyed page, last build's fingerprint holds for any page)
    templates: dict[str, tuple[str, bool, bool]] = {}
    jobs, kept = plan.jobs, plan.kept
    place = -1
    for place, page in enumerate(pages()):  # 146,000 pages at 10,000 digests: the loop is kept short
        known = templates.get(page.template)
        if known is None:
            known = templates[page.template] = _template_terms(env, page.template, chrome, cache, last, plan,
                                                               same_contexts and page.template not in other_contexts)
        url = page.url
        old = old_outputs.get(url)
        if old is not None and len(old[1]) == 32 and (known[2] or known[1] and (
                page.keyed or page.part_of is not None and changed_objects is not None
                and membership_key(*page.part_of) not in changed_objects)):
            if url in reading_changed:  # (its fingerprint is last build's)
                jobs.add(place, page, old[1])
            else:
                kept[url] = old
            continue
        fingerprint = digest_of(f"{known[0]}{identity(page.context)!r}".encode())
        if old is None or old[1] != fingerprint or url in reading_changed:
            jobs.add(place, page, fingerprint)
        else:
            kept[url] = old
    plan.pages = place + 1
    return plan


def _template_terms(env: jinja2.Environment, template: str, chrome: list[str], cache: dict[str, str],
                    last: dict[str, str], plan: Plan, same_context: bool) -> tuple[str, bool, bool]:
    """A template's fingerprint prefix, recorded in `plan.templates`, and whether last build's
    fingerprints hold for its keyed pages (same files) and for all of them (same contexts too)."""
    prefix = repr((chrome, template, templates_fingerprint(env, template, cache)))
    plan.templates[template] = digest_of(prefix.encode())
    same_files = last.get(template) == plan.templates[template]
    return prefix, same_files, same_files and same_context


def _saved(meta: str | None) -> dict[str, str]:
    try:
        return json.loads(meta) if meta else {}
    except ValueError:
        return {}
