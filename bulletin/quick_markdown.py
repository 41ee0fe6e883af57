"""Shortcuts through Python-Markdown that give the same HTML, for the parse stage.

Python-Markdown tries each of its ~15 inline patterns on every text, and each of its block
processors' tests on every block, most of them a regular-expression search over the whole
block. A digest's paragraph is plain prose with citations: it holds none of the characters
most of them need to match at all. Knowing those characters (for the processors of the
versions we test, 3.5 to 3.11) lets a text or a block skip the work that cannot succeed.

A processor we do not know (another version, another extension, a site's own) keeps its
usual path: the inline shortcut turns itself off, and a block processor is shortened only
when it is exactly the class whose test we read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import markdown
from markdown.blockprocessors import (
    BlockQuoteProcessor,
    HashHeaderProcessor,
    HRProcessor,
    ReferenceProcessor,
    SetextHeaderProcessor,
)
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.footnotes import FootnoteBlockProcessor
from markdown.extensions.tables import TableProcessor
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
    the block processors shortened (the rest are as Python-Markdown made them)."""
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
    return shortened
