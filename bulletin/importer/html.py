"""A digest saved from a web portal as HTML → lines of text for `text.py`.

No site-specific selectors: portals change their themes, and an archive spans
many of them. Instead (a small "readability"):

1. the title is the first <h1>–<h3> that carries a week range (else the first
   <h1>, else the page <title> up to its " | site name");
2. scripts, styles, forms, navigation and page header/footer are dropped
   (a <header> is kept when the title is inside it);
3. the article body is the element holding the most paragraph text: each
   paragraph's length counts for its parent, half for its grandparent, and
   blocks made mostly of links (menus, "tin liên quan") count for little;
4. the lines kept run from the title to the end of that body, so a summary
   ("sapo") between the two is kept, and related links after it are not.

Entities are decoded by the parser; <br> and block elements end lines. What
the markup says is passed on as hints: a line all bold (or an <h2>–<h6>) may be
a heading, a bold lead-in ending with ":" is split off as one, a <figcaption>
or an all-italic line is an image caption. The site's name (og:site_name, or
the <title> after " | ") and canonical address become `source`/`source_url`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from .text import Line, clean
from .weeks import parse_week_range

DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "button",
             "select", "input", "textarea", "nav", "aside", "link", "meta", "object", "embed")
CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar"}
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "tr", "td", "th",
              "blockquote", "section", "article", "main", "figure", "figcaption", "header", "footer",
              "pre", "dd", "dt", "dl", "hr", "address", "caption", "tbody", "thead", "center"}
PARAGRAPH_TAGS = {"p", "li", "td", "pre", "blockquote", "h2", "h3", "h4", "h5", "h6", "figcaption"}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BOLD_TAGS = {"strong", "b"}
ITALIC_TAGS = {"em", "i"}
TITLE_LIKE_TAGS = ["h4", "h5", "h6", "p", "div", "span", "td", "strong", "b", "font"]
MIN_SCORE_LENGTH = 25  # shorter text nodes are labels, not paragraphs


def make_soup(markup: str | bytes) -> BeautifulSoup:
    try:
        return BeautifulSoup(markup, "lxml")
    except Exception:  # bs4.FeatureNotFound when lxml is missing
        return BeautifulSoup(markup, "html.parser")


def read_page(markup: str | bytes) -> tuple[list[Line], dict[str, str]]:
    """The article's lines, and where it was published: {"source": site name,
    "source_url": canonical address}, each only when the page says."""
    soup = make_soup(markup)
    return lines_from_soup(soup), page_origin(soup)


def page_origin(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    site = soup.find("meta", attrs={"property": "og:site_name"})
    if site and clean(site.get("content", "")):
        found["source"] = clean(site["content"])
    elif soup.title and " | " in soup.title.get_text():
        found["source"] = clean(soup.title.get_text().rsplit(" | ", 1)[1])
    canonical = soup.find("link", rel="canonical") or soup.find("meta", attrs={"property": "og:url"})
    address = (canonical.get("href") or canonical.get("content") or "") if canonical else ""
    if address.startswith(("http://", "https://")):
        found["source_url"] = address.strip()
    return found


def lines_from_soup(soup: BeautifulSoup) -> list[Line]:
    root = soup.body or soup
    title = _find_title(soup, root)
    _drop_chrome(root, title)
    body = _best_block(root)
    lines = _lines(root, title if isinstance(title, Tag) else None, body)
    if isinstance(title, str):
        lines.insert(0, Line(title, True, True))
    return lines


def _find_title(soup: BeautifulSoup, root: Tag) -> Tag | str | None:
    headings = root.find_all(["h1", "h2", "h3"])
    for heading in headings:
        if parse_week_range(heading.get_text(" ")):
            return heading
    for element in root.find_all(TITLE_LIKE_TAGS):  # old portals: <span class="title">, <td><b>
        text = element.get_text(" ")
        if len(clean(text)) <= 300 and not element.find_parent("a") and not element.find("a") \
                and parse_week_range(text) and not element.find(TITLE_LIKE_TAGS):
            return element
    first_h1 = root.find("h1")
    if first_h1 and clean(first_h1.get_text(" ")):
        return first_h1
    meta = soup.find("meta", attrs={"property": "og:title"})
    text = meta.get("content", "") if meta else (soup.title.get_text() if soup.title else "")
    text = clean(text).split(" | ")[0]
    return text or None


def _drop_chrome(root: Tag, title: Tag | str | None) -> None:
    keep = set(id(parent) for parent in title.parents) if isinstance(title, Tag) else set()
    for element in root.find_all(DROP_TAGS):
        if id(element) not in keep:
            element.decompose()
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for element in root.find_all(True):
        if element.decomposed or id(element) in keep:
            continue
        hidden = "display:none" in (element.get("style") or "").replace(" ", "") or element.has_attr("hidden")
        role = (element.get("role") or "").lower()
        page_chrome = element.name in ("header", "footer") and not element.find_parent(["article", "main"])
        if hidden or role in CHROME_ROLES or page_chrome:
            element.decompose()


def _best_block(root: Tag) -> Tag:
    """The element holding the most paragraph text, links discounted."""
    scores: dict[int, float] = defaultdict(float)
    elements: dict[int, Tag] = {}
    for node in root.find_all(string=True):
        if isinstance(node, Comment):
            continue
        text = clean(str(node))
        parent = node.parent
        if len(text) < MIN_SCORE_LENGTH or parent is None or parent.find_parent("a") or parent.name == "a":
            continue
        block = parent
        while block.name not in PARAGRAPH_TAGS | {"div", "section", "article", "main", "body"} and block.parent:
            block = block.parent
        container = block if block.name not in PARAGRAPH_TAGS else block.parent
        for weight, element in ((1.0, container), (0.5, container.parent if container else None)):
            if element is not None:
                scores[id(element)] += weight * len(text)
                elements[id(element)] = element
    if not scores:
        return root
    return elements[max(scores, key=scores.__getitem__)]


@dataclass
class _Part:
    text: str
    bold: bool
    italic: bool
    link: bool


@dataclass
class _Row:
    line: Line
    in_body: bool
    all_link: bool


class _LineBuilder:
    """Walks the tree in document order, one Line per block or <br>."""

    def __init__(self, title: Tag | None, body: Tag):
        self.title, self.body = title, body
        self.rows: list[_Row] = []
        self.parts: list[_Part] = []
        self.where = (False, False, False)  # in body, in title, in figure

    def flush(self) -> None:
        parts, self.parts = self.parts, []
        visible = [part for part in parts if part.text.strip()]
        if not visible:
            return
        in_body, in_title, in_figure = self.where
        all_link = all(part.link for part in visible)
        bold = all(part.bold for part in visible)
        caption = in_figure or (all(part.italic for part in visible) and not bold)
        run_in = _run_in_heading(visible)
        if run_in and not in_title:
            heading, rest = run_in
            self.rows.append(_Row(Line(heading, True), in_body, False))
            self.rows.append(_Row(Line(rest), in_body, False))
            return
        text = "".join(part.text for part in parts)
        self.rows.append(_Row(Line(text, bold, in_title, caption), in_body, all_link))

    def walk(self, element: Tag, bold: bool, italic: bool, link: bool, where: tuple[bool, bool, bool]) -> None:
        for child in element.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not a Comment, CDATA or doctype
                    if child.strip():
                        self.where = where
                    self.parts.append(_Part(str(child), bold, italic, link))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "br":
                self.flush()
                continue
            block = name in BLOCK_TAGS
            if block:
                self.flush()
            inner = (where[0] or child is self.body, where[1] or child is self.title,
                     where[2] or name in ("figure", "figcaption"))
            self.walk(child, bold or name in BOLD_TAGS or name in HEADING_TAGS, italic or name in ITALIC_TAGS,
                      link or name == "a", inner)
            if block:
                self.flush()


def _run_in_heading(parts: list[_Part]) -> tuple[str, str] | None:
    """A bold lead-in ending with ":" or a dash, then the paragraph, all in one
    <p>: "<b>Công nhận trường học đạt chuẩn:</b> UBND tỉnh vừa …"."""
    bold = []
    for part in parts:
        if not part.bold:
            break
        bold.append(part.text)
    if not bold or len(bold) == len(parts):
        return None
    heading = clean("".join(bold))
    rest = clean("".join(part.text for part in parts[len(bold):]))
    if not heading.endswith((":", " -", " –", "–", "-")) or not 10 <= len(heading) <= 200 or len(rest) < 40:
        return None
    heading = heading.rstrip(" :-–")
    return (heading, rest) if heading[:1].isupper() else None


def _lines(root: Tag, title: Tag | None, body: Tag) -> list[Line]:
    """The lines from the title to the end of the body; links-only lines between
    the two (breadcrumbs, share buttons, tags) are left out."""
    builder = _LineBuilder(title, body)
    builder.walk(root, False, False, False, (root is body, root is title, False))
    builder.flush()
    rows = builder.rows
    body_rows = [i for i, row in enumerate(rows) if row.in_body]
    if not body_rows:
        return [row.line for row in rows]
    first_body, last_body = body_rows[0], body_rows[-1]
    title_rows = [i for i, row in enumerate(rows) if row.line.is_title]
    start = title_rows[0] if title_rows and title_rows[0] <= last_body else first_body
    kept = [row.line for row in rows[start:last_body + 1]
            if row.in_body or row.line.is_title or not row.all_link]
    if title_rows and start == first_body and title_rows[0] > last_body:
        kept.insert(0, rows[title_rows[0]].line)
    return _merge_title_rows(kept)


def _merge_title_rows(lines: list[Line]) -> list[Line]:
    """A title element split by <br> or spans gives several rows: make them one."""
    titles = [line for line in lines if line.is_title]
    if len(titles) <= 1:
        return lines
    merged = Line(" ".join(line.text for line in titles), True, True)
    first = lines.index(titles[0])
    return lines[:first] + [merged] + [line for line in lines[first:] if not line.is_title]
