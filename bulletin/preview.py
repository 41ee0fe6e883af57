"""Instant preview for `serve`: the page of a just-saved digest, in milliseconds.

The exact incremental rebuild of a 10,000-digest archive takes seconds (the
search index and data files are made whole). An author who saves a digest wants
to see that digest now, so `serve` first asks `Preview` for the pages of the
saved files: each is read, validated and parsed alone, indexed with its two
neighbours in the archive (for its previous/next links) and rendered with the
site's templates. `serve` shows those pages at once, then runs the exact
rebuild, whose files replace them.

Until then a preview may differ from the final page in what only the whole
archive knows: a topic's most frequent spelling, the year of an undated citation
that other digests date, the suffix of a colliding decision key.
"""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

from .config import load_config
from .errors import BuildError
from .index import build_index, digest_order
from .load import read_digest
from .model import DigestSource, ParsedBody
from .pages import link_citations
from .parse import parse_body
from .render import Renderer
from .sources import body_key
from .write import state_file
from . import urls

_EMPTY = ParsedBody("", "", [], [])


class Preview:
    def __init__(self, source_dir: Path, output: Path, drafts: bool):
        self.source_dir, self.output, self.drafts = source_dir, output, drafts
        self._sources: dict[str, DigestSource] | None = None
        self._renderer: Renderer | None = None

    def forget(self) -> None:
        """After every exact build: the archive, templates or settings may have changed."""
        self._sources = None
        self._renderer = None

    def warm(self) -> None:
        """Read the archive's front matter and compile the template now, not on the next save."""
        self._known_sources()
        self._renderer = Renderer(self.source_dir, load_config(self.source_dir), search_enabled=True)
        self._renderer.template("digest.html")

    def pages(self, rels: list[str]) -> dict[str, bytes]:
        """URL → HTML of the digest page of every saved content file (`rels` relative to
        content/) that the last exact build knows. Raises BuildError for bad content."""
        config = load_config(self.source_dir)
        known = self._known_sources()
        errors, pages = [], {}
        for rel in rels:
            path = self.source_dir / "content" / rel
            if rel not in known or not path.is_file():
                continue  # new, moved or deleted: only the exact build knows where it goes
            source, file_errors = read_digest(path, rel, path.read_bytes(), config)
            errors.extend(file_errors)
            if source is None or file_errors or (source.draft and not self.drafts) or source.url != known[rel].url:
                continue
            source.body_key = body_key(source.body, config.unsafe_html)
            body = parse_body(source.body, config.unsafe_html)
            older, newer = _neighbours(known, rel, source, self.drafts)
            site = build_index([(source, body), *((s, _EMPTY) for s in (older, newer) if s)], config)
            digest = next(d for d in site.digests if d.source is source)
            html = link_citations(body.html, digest.link_targets, urls.root_of(digest.url))
            renderer = self._renderer or Renderer(self.source_dir, config, search_enabled=True)
            self._renderer = renderer
            pages[digest.url] = renderer.render("digest.html", digest.url, {"digest": digest, "body": html}
                                                ).encode("utf-8")
        if errors:
            raise BuildError(errors)
        return pages

    def _known_sources(self) -> dict[str, DigestSource]:
        """The validated front matter of every digest, as the build state holds it."""
        if self._sources is None:
            path = state_file(self.source_dir, self.output)
            self._sources = {}
            if path.exists():
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                try:
                    self._sources = {rel: pickle.loads(record)
                                     for rel, record in db.execute("SELECT rel, record FROM sources")}
                except sqlite3.Error:
                    pass
                finally:
                    db.close()
        return self._sources


def _neighbours(known: dict[str, DigestSource], rel: str, source: DigestSource, drafts: bool
                ) -> tuple[DigestSource | None, DigestSource | None]:
    """The digests just older and just newer than `source` in the archive's order."""
    key = digest_order(source)
    others = [(digest_order(other), other) for other_rel, other in known.items()
              if other_rel != rel and (drafts or not other.draft)]
    older = max((entry for entry in others if entry[0] < key), key=lambda e: e[0], default=None)
    newer = min((entry for entry in others if entry[0] > key), key=lambda e: e[0], default=None)
    return older and older[1], newer and newer[1]
