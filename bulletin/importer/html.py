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

Entities are decoded by the parser; <br> and block elements end lines; a line
whose text is all bold, or an <h2>–<h6>, is hinted as a heading.
"""

from __future__ import annotations

from collections import defaultdict

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
MIN_SCORE_LENGTH = 25  # shorter text nodes are labels, not paragraphs


def make_soup(markup: str | bytes) -> BeautifulSoup:
    try:
        return BeautifulSoup(markup, "lxml")
    except Exception:  # bs4.FeatureNotFound when lxml is missing
        return BeautifulSoup(markup, "html.parser")


def lines_from_html(markup: str | bytes) -> list[Line]:
    soup = make_soup(markup)
    root = soup.body or soup
    title = _find_title(soup, root)
    _drop_chrome(root, title)
    body = _best_block(root)
    lines = _lines(root, title if isinstance(title, Tag) else None, body)
    if isinstance(title, str):
        lines.insert(0, Line(title, True))
    return lines


def _find_title(soup: BeautifulSoup, root: Tag) -> Tag | str | None:
    headings = root.find_all(["h1", "h2", "h3"])
    for heading in headings:
        if parse_week_range(heading.get_text(" ")):
            return heading
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


class _LineBuilder:
    """Walks the tree in document order, one Line per block or <br>."""

    def __init__(self, title: Tag | None, body: Tag):
        self.title, self.body = title, body
        self.lines: list[tuple[Line, bool, bool, bool]] = []  # line, in body, is title, all link
        self.parts: list[tuple[str, bool, bool]] = []  # text, bold, link
        self.flags = (False, False)

    def flush(self) -> None:
        text = clean("".join(part for part, _, _ in self.parts))
        if text:
            visible = [(bold, link) for part, bold, link in self.parts if part.strip()]
            hint = all(bold for bold, _ in visible)
            all_link = all(link for _, link in visible)
            self.lines.append((Line(text, hint), self.flags[0], self.flags[1], all_link))
        self.parts = []

    def walk(self, element: Tag, bold: bool, link: bool, in_body: bool, in_title: bool) -> None:
        for child in element.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # not a Comment, CDATA or doctype
                    self.flags = (in_body, in_title)
                    self.parts.append((str(child), bold, link))
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
            self.walk(child, bold or name in BOLD_TAGS or name in HEADING_TAGS, link or name == "a",
                      in_body or child is self.body, in_title or child is self.title)
            if block:
                self.flush()


def _lines(root: Tag, title: Tag | None, body: Tag) -> list[Line]:
    builder = _LineBuilder(title, body)
    builder.walk(root, False, False, root is body, root is title)
    builder.flush()
    rows = builder.lines
    body_rows = [i for i, row in enumerate(rows) if row[1]]
    if not body_rows:
        return [row[0] for row in rows]
    first_body, last_body = body_rows[0], body_rows[-1]
    title_rows = [i for i, row in enumerate(rows) if row[2]]
    start = title_rows[0] if title_rows and title_rows[0] <= last_body else first_body
    kept = []
    for index in range(start, last_body + 1):
        line, in_body, is_title, all_link = rows[index]
        if all_link and not in_body and not is_title:
            continue  # breadcrumbs, tags, "tin liên quan" between title and body
        kept.append(line)
    if title_rows and start == first_body and title_rows[0] > last_body:
        kept.insert(0, rows[title_rows[0]][0])
    return kept
