"""A published digest as lines of text → title, lead, items and byline.

Portals give us a flat run of lines; the structure is read from how these
digests are always written:

- the title is the first line that carries the week range (a range split off
  onto its own "(ngày … đến ngày …)" line is joined back to the line before);
  what comes before it is site chrome (skip links, slogans) and is dropped,
  and so is everything from "Tin liên quan" or the page footer on;
- a heading is a short line with no final punctuation, starting with a capital
  or a digit, followed by body text; a body paragraph is anything else;
- the same heading twice in a row (an image caption repeating it) is kept once;
- the last line, when it is a short personal name, is the byline.

Lines that fit nowhere are kept as paragraphs (never silently lost); they, and
whatever was dropped that is not known chrome, are reported in `notes` so a
person can check them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from .chrome import is_chrome, is_end_marker
from .weeks import parse_week_range

MAX_HEADING = 250
MAX_HINTED_HEADING = 200  # a bold line may end with a period and still be a heading
MAX_TITLE = 300
FINAL_PUNCTUATION = ".:;,!?…"
LIST_MARKERS = ("-", "+", "*", "•", "–", "—", "·")

_SPACES = re.compile(r"[\s\u00a0\u200b\u200c\u200d\ufeff]+")
_TRAILING_CAPTION = re.compile(r"\s*\(\s*ảnh(?:\s*minh\s*h(?:ọa|oạ)|\s*:)[^)]*\)\s*$", re.IGNORECASE)
_BYLINE_PREFIX = re.compile(r"^(?:tác giả|người viết|bài và ảnh|bài|tin, ảnh)\s*:\s*", re.IGNORECASE)
_BYLINE_SUFFIX = re.compile(
    r"\s*(?:[-–(,]\s*)?(?:tổng hợp|\(?th\)?|sưu tầm|lược ghi|st)\s*\)?\s*$", re.IGNORECASE)
_SOURCE = re.compile(r"^nguồn\s*:\s*(.+)$", re.IGNORECASE)


@dataclass
class Line:
    """One line of the published text, with what the markup said about it (HTML
    only): a heading (an <h2>, or all bold), the page's title element, an image
    caption (a <figcaption>, or all italic)."""
    text: str
    heading_hint: bool = False
    is_title: bool = False
    caption: bool = False


@dataclass
class ImportedItem:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


@dataclass
class ImportedDigest:
    title: str = ""
    week: tuple[dt.date, dt.date] | None = None
    lead: list[str] = field(default_factory=list)
    items: list[ImportedItem] = field(default_factory=list)
    author: str = ""
    source: str = ""
    source_url: str = ""
    notes: list[str] = field(default_factory=list)


def clean(text: str) -> str:
    """NFC, every kind of space (nbsp, zero-width) made one plain space, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def lines_from_text(text: str) -> list[Line]:
    return [Line(line) for line in text.splitlines()]


def digest_from_lines(raw_lines: list[Line]) -> ImportedDigest:
    digest = ImportedDigest()
    lines = []
    for line in raw_lines:
        text = clean(line.text)
        if text and not is_chrome(text):
            lines.append(Line(text, line.heading_hint, line.is_title, line.caption))
    body = _cut_at_end_marker(_take_title(lines, digest), digest)
    _take_byline(body, digest)
    _take_sections(body, digest)
    return digest


def _take_title(lines: list[Line], digest: ImportedDigest) -> list[Line]:
    """Set the title and week; return the lines after the title.

    The title is the line the markup calls the title, else the first short line
    with a week range. Without a range in it, the week may come from the first
    lines of text (noted); without any, `week` stays None for the caller."""
    marked = [i for i, line in enumerate(lines) if line.is_title]
    ranged = [i for i, line in enumerate(lines) if len(line.text) <= MAX_TITLE and parse_week_range(line.text)]
    if not lines:
        return []
    index = (marked or ranged or [0])[0]
    title, first = lines[index].text, index
    if title.startswith("(") and index and _is_candidate(lines[index - 1].text):
        title, first = f"{lines[index - 1].text} {title}", index - 1  # "(ngày … đến ngày …)" on its own line
    digest.title = title
    digest.week = parse_week_range(title)
    dropped = [line.text for line in lines[:first]]
    if dropped:
        shown = " | ".join(_short(t, 60) for t in dropped[:5]) + (f" | … ({len(dropped)} lines)" if len(dropped) > 5 else "")
        digest.notes.append("dropped before the title: " + shown)
    rest = [line for line in lines[index + 1:]]
    while rest and rest[0].text == title:  # the title repeated at the top of the article body
        rest.pop(0)
    if digest.week is None:
        for line in rest[:5]:
            digest.week = parse_week_range(line.text)
            if digest.week:
                digest.notes.append(f"the title has no week range; took it from the text: {_short(line.text)!r}")
                break
    return rest


def _cut_at_end_marker(lines: list[Line], digest: ImportedDigest) -> list[Line]:
    """Drop "Tin liên quan", the footer and all after them (once the text began)."""
    for index, line in enumerate(lines):
        if index and is_end_marker(line.text):
            digest.notes.append(f"dropped {len(lines) - index} lines from {_short(line.text, 40)!r} on (page footer)")
            return lines[:index]
    return lines


def _take_byline(lines: list[Line], digest: ImportedDigest) -> None:
    """The last lines: a "Nguồn: …" source and the writer's name."""
    while lines:
        source = _SOURCE.match(lines[-1].text)
        name = byline_name(lines[-1].text.rstrip("."))
        if source and not digest.source:
            digest.source = source.group(1).strip()
        elif name and not digest.author:
            digest.author = name
        else:
            return
        lines.pop()


def _is_candidate(text: str, hint: bool = False) -> bool:
    """Could be a heading: short, no final punctuation (a bold line may end with a
    period), not a list item, capitalised."""
    if hint and len(text) <= MAX_HINTED_HEADING and text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    if len(text) > MAX_HEADING or text.endswith(tuple(FINAL_PUNCTUATION)) or text.startswith(LIST_MARKERS):
        return False
    first = text.lstrip("\"“'(")[:1]
    return first.isdigit() or first.isupper()


def _same(a: str, b: str) -> bool:
    return _TRAILING_CAPTION.sub("", a).casefold().rstrip(".") == _TRAILING_CAPTION.sub("", b).casefold().rstrip(".")


def _take_sections(lines: list[Line], digest: ImportedDigest) -> None:
    """Lead and items: each run of short lines followed by text gives one heading."""
    current: list[str] = digest.lead
    index = 0
    while index < len(lines):
        if not _is_candidate(lines[index].text, lines[index].heading_hint):
            current.append(lines[index].text)
            index += 1
            continue
        run_end = index
        while run_end < len(lines) and _is_candidate(lines[run_end].text, lines[run_end].heading_hint):
            run_end += 1
        heading, extras, captions = _pick_heading(lines[index:run_end], at_end=run_end == len(lines))
        for caption in captions:
            digest.notes.append(f"dropped an image caption: {_short(caption)!r}")
        for extra in extras:
            digest.notes.append(f"kept as a paragraph (a short line with no text of its own): {_short(extra)!r}")
            current.append(extra)
        if heading:
            item = ImportedItem(_TRAILING_CAPTION.sub("", heading).rstrip("."))
            digest.items.append(item)
            current = item.paragraphs
        index = run_end


def _pick_heading(run: list[Line], at_end: bool) -> tuple[str, list[str], list[str]]:
    """(heading, other lines kept, captions dropped) for short lines before a body.

    Twins are kept once (a caption repeating the heading); captions are never the
    heading unless nothing else is; then the line the markup calls a heading,
    else the last (captions and labels come before headings)."""
    unique: list[Line] = []
    for line in run:
        twin = next((u for u in unique if _same(u.text, line.text)), None)
        if twin is None:
            unique.append(line)
        elif twin.caption and not line.caption or line.heading_hint and not twin.heading_hint:
            unique[unique.index(twin)] = line
    captions = [line.text for line in unique if line.caption]
    lines = [line for line in unique if not line.caption]
    if at_end or not lines:
        return "", [line.text for line in lines], captions
    hinted = [line for line in lines if line.heading_hint]
    heading = hinted[-1] if len(hinted) == 1 else lines[-1]
    return heading.text, [line.text for line in lines if line is not heading], captions


def byline_name(text: str) -> str:
    """The personal name in a byline ("Hoàng Tùng", "Minh Anh (tổng hợp)",
    "HOÀNG TÙNG - Văn phòng UBND tỉnh"), or ""."""
    text = _BYLINE_SUFFIX.sub("", _BYLINE_PREFIX.sub("", text)).strip(" -–,")
    for candidate in (text, re.split(r"\s[-–]\s|,\s", text)[0]):
        words = candidate.split()
        if 1 <= len(words) <= 5 and len(candidate) <= 40 and all(
                word[0].isupper() and word.replace(".", "").isalpha() for word in words):
            if candidate.isupper() and len(candidate.replace(" ", "")) > 5:
                candidate = candidate.title()  # "HOÀNG TÙNG" -> "Hoàng Tùng"; "PV" stays
            return candidate
    return ""


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
