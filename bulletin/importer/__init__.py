"""Import published digests (plain text or HTML) into the content format.

    result = import_file(Path("tuan-51.html"), TopicRules(config.topic_rules))
    result.digest.items, result.decisions, result.markdown(issuer)

The pieces: `html.py` finds the article in a page and turns it into lines,
`text.py` reads title, lead, items and byline from lines, `weeks.py` reads the
week range, `writer.py` writes the Markdown file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..citations import Citation, find_citations
from ..topic_rules import TopicRules
from .text import ImportedDigest, digest_from_lines, lines_from_text
from .writer import digest_path, render_markdown

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml", ".php", ".aspx"}

__all__ = ["ImportResult", "import_file", "import_text", "import_html", "digest_path"]


@dataclass
class ImportResult:
    digest: ImportedDigest
    decisions: list[Citation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.digest.week is not None

    def markdown(self, issuer: str = "") -> str:
        return render_markdown(self.digest, issuer)


def looks_like_html(path: Path, raw: bytes) -> bool:
    if path.suffix.lower() in HTML_SUFFIXES:
        return True
    head = raw[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"\xef\xbb\xbf<!doctype", b"\xef\xbb\xbf<html"))


def import_file(path: Path, rules: TopicRules | None = None) -> ImportResult:
    raw = Path(path).read_bytes()
    if looks_like_html(Path(path), raw):
        return import_html(raw, rules)
    return import_text(raw.decode("utf-8-sig", errors="replace"), rules)


def import_text(text: str, rules: TopicRules | None = None) -> ImportResult:
    return _finish(digest_from_lines(lines_from_text(text)), rules)


def import_html(markup: str | bytes, rules: TopicRules | None = None) -> ImportResult:
    from .html import read_page  # BeautifulSoup loads only when a page is imported

    lines, origin = read_page(markup)
    digest = digest_from_lines(lines)
    digest.source = digest.source or origin.get("source", "")
    digest.source_url = origin.get("source_url", "")
    return _finish(digest, rules)


def _finish(digest: ImportedDigest, rules: TopicRules | None) -> ImportResult:
    """Suggest topics per item and list the documents the text cites, once each."""
    for item in digest.items:
        if rules:
            item.topics = rules.match("\n".join([item.heading, *item.paragraphs]))
    seen: dict[tuple, Citation] = {}
    for paragraph in digest.lead + [p for item in digest.items for p in [item.heading, *item.paragraphs]]:
        for citation in find_citations(paragraph):
            key = (citation.type, citation.issuer, citation.number, citation.year)
            seen.setdefault(key, citation)
    return ImportResult(digest, list(seen.values()))
