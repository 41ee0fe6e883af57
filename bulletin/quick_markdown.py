"""Shortcuts through Python-Markdown that give the same HTML, for the parse stage.

Python-Markdown tries each of its ~15 inline patterns on every text, and each of its block
processors' tests on every block, most of them a regular-expression search over the whole
block. A digest's paragraph is plain prose with citations: it holds none of the characters
most of them need to match at all. Knowing those characters (for the processors of the
versions we test, 3.5 to 3.11) lets a text or a block skip the work that cannot succeed.

Most digests are nothing but paragraphs and `##` headings. For such a document the
preprocessors hand the lines back as they got them, and the block parser makes one `<p>` or
`<hN>` per block: `quicken` makes that tree directly (`PlainDocuments`), and leaves every
other document to Python-Markdown's own passes.

A processor we do not know (another version, another extension, a site's own) keeps its
usual path: the inline shortcut turns itself off, and a block processor is shortened only
when it is exactly the class whose test we read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable

import markdown
from markdown import blockprocessors
from markdown.blockprocessors import (
    BlockQuoteProcessor,
    HashHeaderProcessor,
    HRProcessor,
    ReferenceProcessor,
    SetextHeaderProcessor,
)
from markdown.extensions import def_list, sane_lists
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.footnotes import FootnoteBlockProcessor
from markdown.extensions.tables import TableProcessor
from markdown.preprocessors import HtmlBlockPreprocessor, NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor

# What each of Python-Markdown's inline patterns needs in a text to match at all.
INLINE_TRIGGERS = {
    "backtick": "`", "escape": "\\", "footnote": "[", "reference": "[", "link": "[", "image_link": "[",
    "image_reference": "[", "short_reference": "[", "short_image_ref": "[", "autolink": "<", "automail": "<",
    "html": "<", "entity": "&", "em_strong": "*_", "em_strong2": "_", "not_strong": "*_", "strong_em": "*_",
}
LINE_BREAK = "  \n"  # the `linebreak` pattern, two characters wide

# Block processors whose `test` cannot pass on a block holding none of these strings (read
# from their expressions: a `#` header, a `===`/`---` underline, a rule of `-`, `_` or `*`, a
# `>` quote, a `:` definition, a `|` table), by registered name and exact class.
BLOCK_TEST_TRIGGERS: dict[str, tuple[type, tuple[str, ...]]] = {
    "hashheader": (HashHeaderProcessor, ("#",)),
    "setextheader": (SetextHeaderProcessor, ("=", "-")),
    "hr": (HRProcessor, ("-", "_", "*")),
    "quote": (BlockQuoteProcessor, (">",)),
    "deflist": (DefListProcessor, (":",)),
    "table": (TableProcessor, ("|",)),
}
# Block processors whose `test` always passes and whose `run` hands the block back untouched
# (returns False) unless it holds one of these: a footnote's `[^…]:`, a reference's `[…]:`.
BLOCK_RUN_TRIGGERS: dict[str, tuple[type, tuple[str, ...]]] = {
    "footnote": (FootnoteBlockProcessor, ("[^",)),
    "reference": (ReferenceProcessor, ("]:",)),
}


# Preprocessors that hand back the lines they are given when the document holds none of these
# (a fence; raw HTML, whose parser would otherwise read every character), by exact class.
PREPROCESSOR_TRIGGERS: dict[str, tuple[type, tuple[str, ...]]] = {
    "fenced_code_block": (FencedBlockPreprocessor, ("```", "~~~")),
    "html_block": (HtmlBlockPreprocessor, ("<",)),
}
# What `NormalizeWhitespace` changes besides adding two empty lines at the end: Markdown's
# own placeholders, carriage returns, tabs, and lines of spaces only.
_UNNORMAL_CHARACTERS = ("\x02", "\x03", "\r", "\t")
_SPACES_LINE = re.compile("\n +\n")

# The block processors whose tests and runs a plain document was read against: with any
# other one registered (an extension's), every document takes the block parser.
PLAIN_DOCUMENT_PROCESSORS = (
    blockprocessors.EmptyBlockProcessor, blockprocessors.ListIndentProcessor, blockprocessors.CodeBlockProcessor,
    HashHeaderProcessor, SetextHeaderProcessor, HRProcessor, blockprocessors.OListProcessor,
    blockprocessors.UListProcessor, BlockQuoteProcessor, ReferenceProcessor, blockprocessors.ParagraphProcessor,
    TableProcessor, DefListProcessor, def_list.DefListIndentProcessor, FootnoteBlockProcessor,
    sane_lists.SaneOListProcessor, sane_lists.SaneUListProcessor,
)
# A line any of those processors but the paragraph's may claim, or read as part of a block of
# its own: indented (code, lists), a header, quote, list item or rule (`# > * + - _ 1. 1)`),
# an underline (`= -`), a definition (`:`), a reference or footnote (`[`). A block with a `|`
# anywhere may be a table. (Fences and raw HTML are the preprocessors' business: they leave
# a placeholder, which is a paragraph on either path.)
_BLOCK_LINE = re.compile(r"^(?:[ \t#>*+\-=_:|\[]|\d+[.)])", re.MULTILINE)


class PlainDocuments:
    """`BlockParser.parseDocument` for a document of paragraphs and one-line `#` headers with
    blank lines between them, the tree made directly: the same `<p>` and `<hN>` elements, with
    the same text, as the block parser makes by trying every processor on every block (a
    fifth of a digest's parse). Anything else goes to the block parser."""

    def __init__(self, parser, header: re.Pattern):
        self.parser, self.header = parser, header
        self.parse_document = parser.parseDocument

    def __call__(self, lines: list[str]) -> etree.ElementTree:
        text = "\n".join(lines)
        plain = self.blocks(text) if "|" not in text else None
        if plain is None:
            return self.parse_document(lines)
        root = self.parser.root = etree.Element(self.parser.md.doc_tag)
        for tag, content in plain:
            etree.SubElement(root, tag).text = content
        return etree.ElementTree(root)

    def blocks(self, text: str) -> list[tuple[str, str]] | None:
        """(tag, text) of each element, or None if a block is not a paragraph or a header."""
        made = []
        for block in text.split("\n\n"):
            block = block.lstrip("\n")  # (the empty-block processor takes blank lines one by one)
            if not block:
                continue
            if block[0] == "#":
                match = self.header.search(block)  # (one that starts later leaves a paragraph before it)
                if match is None or match.start() or match.end() != len(block):  # (or a block after it)
                    return None
                made.append((f"h{len(match.group('level'))}", match.group("header").strip()))
            elif _BLOCK_LINE.search(block):
                return None
            elif block.strip():  # the paragraph processor drops a block of other white space
                made.append(("p", block.lstrip()))
        return made


def _quick_normalize(run: Callable) -> Callable:
    def normalize(lines: list[str]) -> list[str]:
        text = "\n".join(lines) + "\n\n"
        if any(c in text for c in _UNNORMAL_CHARACTERS) or "\n " in text and _SPACES_LINE.search(text):
            return run(lines)
        return lines + ["", ""]
    return normalize


def _quick_preprocess(run: Callable, needles: tuple[str, ...]) -> Callable:
    def preprocess(lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        return run(lines) if any(needle in text for needle in needles) else lines
    return preprocess


class QuickInlineProcessor(InlineProcessor):
    """Python-Markdown's inline pass, which skips a text holding no character any inline pattern
    starts with: most paragraphs of a digest. Each of the ~15 patterns would otherwise search it
    in turn, a quarter of the parse time. With a pattern not in INLINE_TRIGGERS (another version
    or extension), every text takes the usual path."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self._triggers: frozenset[str] | None = None
        self._known = False

    def run(self, tree, ancestors=None):
        if not self._known:
            priority = getattr(self.md.inlinePatterns, "_priority", None)  # private: without it, no shortcut
            names = [entry.name for entry in priority] if priority is not None else [None]
            if all(name in INLINE_TRIGGERS or name == "linebreak" for name in names):
                # STX: Python-Markdown's own placeholders, left to the usual path to be safe
                self._triggers = frozenset("".join(INLINE_TRIGGERS.get(name, "") for name in names) + "\x02")
            self._known = True
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        triggers = self._triggers
        if triggers is not None and triggers.isdisjoint(data) and LINE_BREAK not in data:
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)


def _holds_any(needles: tuple[str, ...]) -> Callable[[str], bool]:
    if len(needles) == 1:
        needle = needles[0]
        return lambda block: needle in block
    search = re.compile("|".join(map(re.escape, needles))).search
    return lambda block: search(block) is not None


def _quick_test(test: Callable, holds: Callable[[str], bool]) -> Callable:
    return lambda parent, block: holds(block) and test(parent, block)


def _quick_run(run: Callable, holds: Callable[[str], bool]) -> Callable:
    return lambda parent, blocks: run(parent, blocks) if holds(blocks[0]) else False


def quicken(md: markdown.Markdown) -> list[str]:
    """Put the shortcuts on a Markdown instance whose extensions are all loaded: the names of
    the processors shortened, and "parseDocument" for the plain documents' path (the rest are
    as Python-Markdown made them)."""
    if hasattr(InlineProcessor, "_InlineProcessor__handleInline"):
        md.treeprocessors.register(QuickInlineProcessor(md), "inline", 20)
    shortened = []
    processors = md.parser.blockprocessors
    for triggers, method, wrap in ((BLOCK_TEST_TRIGGERS, "test", _quick_test), (BLOCK_RUN_TRIGGERS, "run", _quick_run)):
        for name, (cls, needles) in triggers.items():
            if name in processors and type(processors[name]) is cls:
                processor = processors[name]
                setattr(processor, method, wrap(getattr(processor, method), _holds_any(needles)))
                shortened.append(name)
    preprocessors = md.preprocessors
    if "normalize_whitespace" in preprocessors and type(preprocessors["normalize_whitespace"]) is NormalizeWhitespace:
        preprocessors["normalize_whitespace"].run = _quick_normalize(preprocessors["normalize_whitespace"].run)
        shortened.append("normalize_whitespace")
    for name, (cls, needles) in PREPROCESSOR_TRIGGERS.items():
        if name in preprocessors and type(preprocessors[name]) is cls:
            preprocessors[name].run = _quick_preprocess(preprocessors[name].run, needles)
            shortened.append(name)
    if all(type(p) in PLAIN_DOCUMENT_PROCESSORS for p in processors) and "hashheader" in processors:
        md.parser.parseDocument = PlainDocuments(md.parser, processors["hashheader"].RE)
        shortened.append("parseDocument")
    return shortened
