"""Stage 2, parse: Markdown body → items, anchors and cited documents.

`parse_body` is a pure function of the body text and the `unsafe_html` switch,
so its result can be cached by content hash and computed in worker processes.

Python-Markdown renders the body; our tree processor then (1) splits it into
items at each `##` heading, reading `{topics="…"}` from the heading's attribute
list, (2) gives each item a stable ASCII anchor, and (3) finds the documents
each paragraph cites, wrapping each citation in a link whose href is a
placeholder: the decision's URL is known only once the whole archive has been
read (an undated citation takes its year from other digests).
"""

from __future__ import annotations

import html as htmllib
import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.serializers import to_html_string
from markdown.treeprocessors import Treeprocessor

from .citations import find_citations
from .model import CitedDocument, ParsedBody, ParsedItem
from .quick_markdown import quicken
from .slugs import UniqueSlugs

LEAD_ANCHOR = "mo-dau"
TEXT_BLOCKS = {"p", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption"}
NO_LINK_INSIDE = {"a", "code", "pre"}
PLACEHOLDER = "\ue000{}\ue001"
PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")
ESCAPED_CHAR_RE = re.compile("\x02(\\d+)\x03")  # Markdown's backslash escapes, before its unescape step
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[^\W\d_a-zđ])", re.UNICODE)
MAX_SENTENCE = 400
# Python-Markdown leaves placeholders (STX … ETX) in the tree for raw HTML and footnote
# marks; plain text (headings, leads, snippets, the feed) must not carry them.
RAW_HTML_RE = re.compile("\x02wzxhzdk:(\\d+)\x03")
MARKDOWN_PLACEHOLDER_RE = re.compile("\x02[^\x02\x03]{0,40}\x03")

SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
SAFE_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
}


def split_topics(value: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in re.split(r"[,;]", value) if t.strip())


class _BodyCollector:
    """Filled by the tree processor during one conversion."""

    def __init__(self) -> None:
        self.lead_text = ""
        self.lead_citations: list[CitedDocument] = []
        self.items: list[ParsedItem] = []


def _text_slots(element: etree.Element, inside_link: bool = False):
    """(element, attribute, text, linkable) for every text node of a text block,
    in reading order, without descending into nested text blocks."""
    if element.text:
        yield element, "text", element.text, not inside_link
    for child in element:
        if child.tag in TEXT_BLOCKS:
            continue
        yield from _text_slots(child, inside_link or child.tag in NO_LINK_INSIDE)
        if child.tail:
            yield child, "tail", child.tail, not inside_link


def _blocks(element: etree.Element):
    """Every text block at or below `element`, outermost first."""
    if element.tag in TEXT_BLOCKS:
        yield element
    for child in element:
        yield from _blocks(child)


_DATE_PART = re.compile(r",?\s+ngày\s", re.IGNORECASE)
_FIRST_DIGIT = re.compile(r"\d")
_LEADING_ZEROS = re.compile(r"^0+(?=\d)")


def written_label(citation_text: str) -> str:
    """ "Quyết định số 07/2020/NĐ- CP ngày 1/2/2020" → "7/2020/NĐ-CP": the document's number as written."""
    start = _FIRST_DIGIT.search(citation_text)
    code = _DATE_PART.split(citation_text[start.start() if start else 0:], maxsplit=1)[0]
    return _LEADING_ZEROS.sub("", "".join(code.split()))


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of `text` holding [start, end); a long one is cut to its clause."""
    begin, finish = 0, len(text)
    for match in SENTENCE_END.finditer(text):
        if match.end() <= start:
            begin = match.end()
        elif match.start() >= end:
            finish = match.start()
            break
    sentence = text[begin:finish].strip()
    if len(sentence) > MAX_SENTENCE:
        left = text.rfind(";", begin, start) + 1 or begin
        right = text.find(";", end, finish)
        clause = text[max(left, begin):right if right != -1 else finish].strip()
        sentence = clause if len(clause) <= MAX_SENTENCE else _window(text, start, end)
    return " ".join(sentence.split())


def _window(text: str, start: int, end: int) -> str:
    half = (MAX_SENTENCE - (end - start)) // 2
    left = max(0, start - half)
    right = min(len(text), end + half)
    return ("…" if left else "") + text[left:right].strip() + ("…" if right < len(text) else "")


class ItemTreeprocessor(Treeprocessor):
    def __init__(self, md: markdown.Markdown, collector: _BodyCollector):
        super().__init__(md)
        self.collector = collector

    def run(self, root: etree.Element) -> None:
        anchors = UniqueSlugs({LEAD_ANCHOR})
        lead = etree.Element("div", {"class": "lead", "id": LEAD_ANCHOR})
        sections: list[tuple[etree.Element, list[etree.Element]]] = []
        for child in list(root):
            root.remove(child)
            if child.tag == "h2":
                sections.append((child, []))
            elif sections:
                sections[-1][1].append(child)
            else:
                lead.append(child)
        markers = 0
        root.append(lead)  # even when empty: front-matter decisions link to #mo-dau
        if len(lead):
            citations, markers = self.link_citations(lead, markers)
            self.collector.lead_citations = citations
            first_paragraph = next((e for e in lead if e.tag == "p"), None)
            if first_paragraph is not None:
                self.collector.lead_text = " ".join(self._plain("".join(first_paragraph.itertext())).split())
        for heading, blocks in sections:
            topics = split_topics(heading.attrib.pop("topics", None) or "")  # `{topics=}` gives None
            heading_text = " ".join(self._plain("".join(heading.itertext())).split())
            anchor = heading.attrib.pop("id", None)
            anchor = anchors.claim(anchor or heading_text)
            section = etree.SubElement(root, "section", {"class": "item", "id": anchor})
            section.append(heading)
            section.extend(blocks)
            citations, markers = self.link_citations(section, markers)
            heading_html = self._inner_html(heading)
            text = " ".join(self._plain(" ".join("".join(b.itertext()) for b in blocks)).split())
            self.collector.items.append(ParsedItem(heading_text, heading_html, anchor, topics, text, citations))

    def _plain(self, text: str) -> str:
        """Text with Markdown's placeholders replaced: raw HTML by its text, other marks by
        nothing; entities (code spans keep `<` as `&lt;` at this stage) decoded."""
        if "\x02" not in text:
            return htmllib.unescape(text) if "&" in text else text
        blocks = self.md.htmlStash.rawHtmlBlocks

        def raw_text(match: re.Match) -> str:
            index = int(match.group(1))
            if index >= len(blocks):
                return ""
            raw = blocks[index]
            raw = raw if isinstance(raw, str) else etree.tostring(raw, encoding="unicode", method="html")
            return htmllib.unescape(nh3.clean(raw, tags=set(), strip_comments=True))

        text = ESCAPED_CHAR_RE.sub(lambda m: chr(int(m.group(1))), RAW_HTML_RE.sub(raw_text, text))
        text = MARKDOWN_PLACEHOLDER_RE.sub("", text)
        return htmllib.unescape(text) if "&" in text else text

    def _inner_html(self, element: etree.Element) -> str:
        html = to_html_string(element)  # Markdown's serializer: a bare `{x}` attribute has no value
        inner = html[html.index(">") + 1: html.rindex("<")]
        return self.md.postprocessors["raw_html"].run(inner) if "raw_html" in self.md.postprocessors else inner

    def link_citations(self, container: etree.Element, markers: int) -> tuple[list[CitedDocument], int]:
        found: list[CitedDocument] = []
        for block in _blocks(container):
            slots = list(_text_slots(block))
            full = "".join(s[2] for s in slots)
            if "/" not in full:
                continue
            citations = find_citations(full)
            if not citations:
                continue
            offsets, position = [], 0
            for slot in slots:
                offsets.append(position)
                position += len(slot[2])
            linked: dict[int, list[tuple[int, int, int]]] = {}
            for citation in citations:
                marker = -1
                for index, (slot, offset) in enumerate(zip(slots, offsets)):
                    if offset <= citation.start and citation.end <= offset + len(slot[2]) and slot[3]:
                        marker = markers
                        markers += 1
                        linked.setdefault(index, []).append((citation.start - offset, citation.end - offset, marker))
                        break
                found.append(CitedDocument(
                    citation.type, citation.number, citation.issuer, citation.date, citation.year,
                    written_label(full[citation.start:citation.end]),
                    " ".join(self._plain(sentence_around(full, citation.start, citation.end)).split()), marker))
            parents = {child: parent for parent in block.iter() for child in parent} if linked else {}
            for index, spans in linked.items():
                self._wrap(slots[index], spans, parents)
        return found, markers

    @staticmethod
    def _wrap(slot, spans: list[tuple[int, int, int]], parents: dict) -> None:
        """Split one text node into text + <a> links, in place."""
        element, attribute, text, _ = slot
        pieces: list[etree.Element] = []
        cursor = 0
        head = None
        for start, end, marker in spans:
            link = etree.Element("a", {"class": "cite", "href": PLACEHOLDER.format(marker)})
            link.text = text[start:end]
            if not pieces:
                head = text[cursor:start]
            else:
                pieces[-1].tail = text[cursor:start]
            pieces.append(link)
            cursor = end
        pieces[-1].tail = text[cursor:]
        if attribute == "text":
            element.text = head
            for i, piece in enumerate(pieces):
                element.insert(i, piece)
        else:
            parent = parents[element]
            element.tail = head
            position = list(parent).index(element) + 1
            for i, piece in enumerate(pieces):
                parent.insert(position + i, piece)


class BulletinExtension(Extension):
    def __init__(self, collector: _BodyCollector):
        super().__init__()
        self.collector = collector

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After inline parsing (20) and attr_list (8), so we see final text and attributes.
        md.treeprocessors.register(ItemTreeprocessor(md, self.collector), "bulletin-items", 6)


class BodyParser:
    """One Markdown instance, reset between bodies (building one per file is slow)."""

    def __init__(self, unsafe_html: bool = False):
        self.unsafe_html = unsafe_html
        self.collector = _BodyCollector()
        self.md = markdown.Markdown(
            extensions=["attr_list", "tables", "def_list", "footnotes", "fenced_code", "sane_lists",
                        BulletinExtension(self.collector)],
            output_format="html",
        )
        quicken(self.md)  # same HTML, less searching (quick_markdown.py)

    def parse(self, body: str) -> ParsedBody:
        collector = self.collector
        collector.__init__()
        self.md.reset()
        try:
            html = self.md.convert(body) or f'<div class="lead" id="{LEAD_ANCHOR}"></div>'  # blank body
        except RecursionError:
            # Nesting deeper than Python-Markdown can follow (load.py refuses the usual shapes
            # of it with a clear error): keep the text, readable and escaped, as the lead.
            collector.__init__()
            self.md.reset()
            html = f'<div class="lead" id="{LEAD_ANCHOR}"><pre>{htmllib.escape(body)}</pre></div>'
        if not self.unsafe_html:
            html = sanitize(html)
        return ParsedBody(html, collector.lead_text, collector.lead_citations, collector.items)


def sanitize(html: str) -> str:
    """Drop scripts, event handlers and unsafe URL schemes from author HTML."""
    return nh3.clean(html, tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, link_rel=None,
                     url_schemes={"http", "https", "mailto", "tel"}, strip_comments=True)


_PARSERS: dict[bool, BodyParser] = {}


def parse_body(body: str, unsafe_html: bool = False) -> ParsedBody:
    parser = _PARSERS.get(unsafe_html)
    if parser is None:
        parser = _PARSERS[unsafe_html] = BodyParser(unsafe_html)
    return parser.parse(body)
