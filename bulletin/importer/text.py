"""A published digest as lines of text → title, lead, items and byline.

Portals give us a flat run of lines; the structure is read from how these
digests are always written:

- the title is the first line that carries the week range (a range split off
  onto its own "(ngày … đến ngày …)" line is joined back to the line before);
  what comes before it is site chrome (skip links, slogans) and is dropped;
- a heading is a short line with no final punctuation, starting with a capital
  or a digit, followed by body text; a body paragraph is anything else;
- the same heading twice in a row (an image caption repeating it) is kept once;
- the last line, when it is a short personal name, is the byline.

Lines that fit nowhere are kept as paragraphs (never silently lost) and
reported in `notes` so a person can check them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from .weeks import parse_week_range

MAX_HEADING = 250
MAX_TITLE_SEARCH = 25  # lines: the title is near the top, not in the body
FINAL_PUNCTUATION = ".:;,!?…"
LIST_MARKERS = ("-", "+", "*", "•", "–", "—", "·")

_SPACES = re.compile(r"[\s\u00a0\u200b\u200c\u200d\ufeff]+")
CHROME_LINES = {
    "nhảy đến nội dung", "skip to main content", "chuyển đến nội dung chính", "bỏ qua nội dung",
    "ảnh minh họa", "ảnh minh hoạ", "ảnh: minh họa", "ảnh: minh hoạ", "ảnh internet", "ảnh: internet",
    "in bài viết", "in bài", "bản in", "chia sẻ", "gửi email", "gửi bài viết", "quay lại", "về đầu trang",
    "tin liên quan", "tin khác", "các tin khác", "bài viết liên quan", "lượt xem", "cỡ chữ", "font size",
    "print", "share", "facebook", "twitter", "zalo", "email", "a a a", "a- a a+", "tweet",
}
_CHROME_PATTERNS = re.compile(
    r"^(?:\(?\s*ảnh\s*(?:minh\s*h(?:ọa|oạ)|:)[^\n]{0,80}\)?"          # image credits and captions
    r"|quyết tâm thực hiện thắng lợi nghị quyết.*"                      # slogans
    r"|(?:nhiệt liệt )?chào mừng (?:đại hội|kỷ niệm|năm mới).*"
    r"|lượt xem\s*:?\s*\d+|cỡ chữ\s*:?.*|(?:trang chủ|home)(?:\s*[>»/›|].*)?)$",  # counters, breadcrumbs
    re.IGNORECASE,
)
# What a date/view-count line is made of ("Thứ Hai, 21/12/2020 08:30 | Lượt xem: 1234").
_META_PARTS = re.compile(
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}:\d{2}(?::\d{2})?|\d+|thứ (?:hai|ba|tư|năm|sáu|bảy)|chủ nhật"
    r"|ngày đăng|đăng ngày|cập nhật(?: lúc)?|ngày|lúc|giờ|lượt xem|lượt đọc|lượt truy cập|views?|am|pm"
    r"|[\s,:|/()\-–—·•]+", re.IGNORECASE)
_HAS_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|lượt xem", re.IGNORECASE)
_TRAILING_CAPTION = re.compile(r"\s*\(\s*ảnh(?:\s*minh\s*h(?:ọa|oạ)|\s*:)[^)]*\)\s*$", re.IGNORECASE)
_BYLINE_PREFIX = re.compile(r"^(?:tác giả|người viết|bài và ảnh|bài)\s*:\s*", re.IGNORECASE)
_BYLINE_SUFFIX = re.compile(
    r"\s*(?:[-–(,]\s*)?(?:tổng hợp|\(?th\)?|sưu tầm|lược ghi|st)\s*\)?\s*$", re.IGNORECASE)
_SOURCE = re.compile(r"^nguồn\s*:\s*(.+)$", re.IGNORECASE)


@dataclass
class Line:
    """One line of the published text; `heading_hint` when the markup says heading
    (an <h2>, or a paragraph that is all bold)."""
    text: str
    heading_hint: bool = False


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
    notes: list[str] = field(default_factory=list)


def clean(text: str) -> str:
    """NFC, every kind of space (nbsp, zero-width) made one plain space, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def is_chrome(text: str) -> bool:
    key = text.casefold().strip(" .:|")
    return key in CHROME_LINES or bool(_CHROME_PATTERNS.match(key)) or _is_meta_line(key)


def _is_meta_line(text: str) -> bool:
    """A publication date or a view counter, with nothing else on the line."""
    return len(text) <= 100 and bool(_HAS_DATE.search(text)) and not _META_PARTS.sub("", text)


def lines_from_text(text: str) -> list[Line]:
    return [Line(line) for line in text.splitlines()]


def digest_from_lines(raw_lines: list[Line]) -> ImportedDigest:
    digest = ImportedDigest()
    lines = []
    for line in raw_lines:
        text = clean(line.text)
        if text and not is_chrome(text):
            lines.append(Line(text, line.heading_hint))
    body = _take_title(lines, digest)
    _take_sections(body, digest)
    return digest


def _take_title(lines: list[Line], digest: ImportedDigest) -> list[Line]:
    """Set the title and week; return the lines after the title."""
    for index, line in enumerate(lines[:MAX_TITLE_SEARCH]):
        week = parse_week_range(line.text)
        if not week:
            continue
        title, first = line.text, index
        if title.startswith("(") and index and _is_candidate(lines[index - 1].text):
            title, first = f"{lines[index - 1].text} {title}", index - 1
        digest.title, digest.week = title, week
        dropped = [line.text for line in lines[:first]]
        if dropped:
            digest.notes.append("dropped before the title: " + " | ".join(_short(t) for t in dropped))
        return lines[index + 1:]
    if lines:
        digest.title = lines[0].text
        return lines[1:]
    return []


def _is_candidate(text: str) -> bool:
    """Could be a heading (or a byline): short, no final punctuation, capitalised."""
    if len(text) > MAX_HEADING or text.endswith(tuple(FINAL_PUNCTUATION)) or text.endswith("..."):
        return False
    if text.startswith(LIST_MARKERS):
        return False
    first = text.lstrip("\"“'(")[:1]
    return first.isdigit() or first.isupper()


def _same(a: str, b: str) -> bool:
    return _TRAILING_CAPTION.sub("", a).casefold() == _TRAILING_CAPTION.sub("", b).casefold()


def _take_sections(lines: list[Line], digest: ImportedDigest) -> None:
    """Lead, items and byline from the lines after the title."""
    current: list[str] = digest.lead
    index = 0
    while index < len(lines):
        if not _is_candidate(lines[index].text):
            current.append(lines[index].text)
            index += 1
            continue
        run_end = index
        while run_end < len(lines) and _is_candidate(lines[run_end].text):
            run_end += 1
        run = lines[index:run_end]
        if run_end == len(lines):
            _take_tail(run, digest, current)
        else:
            heading, extras = _pick_heading(run)
            for extra in extras:
                digest.notes.append(f"kept as a paragraph (a short line with no text of its own): {_short(extra)!r}")
                current.append(extra)
            item = ImportedItem(_TRAILING_CAPTION.sub("", heading))
            digest.items.append(item)
            current = item.paragraphs
        index = run_end


def _pick_heading(run: list[Line]) -> tuple[str, list[str]]:
    """The heading among short lines before a body: duplicates kept once; the one
    the markup calls a heading, else the last (captions come before headings)."""
    unique: list[Line] = []
    for line in run:
        twin = next((u for u in unique if _same(u.text, line.text)), None)
        if twin is None:
            unique.append(line)
        elif line.heading_hint and not twin.heading_hint:
            unique[unique.index(twin)] = line
    hinted = [line for line in unique if line.heading_hint]
    heading = hinted[-1] if len(hinted) == 1 else unique[-1]
    return heading.text, [line.text for line in unique if line is not heading]


def _take_tail(run: list[Line], digest: ImportedDigest, current: list[str]) -> None:
    """Short lines at the very end: the byline, a "Nguồn: …" source, or leftovers."""
    run = list(run)
    for line in list(run):
        source = _SOURCE.match(line.text)
        if source:
            digest.source = source.group(1).strip()
            run.remove(line)
    if run:
        name = byline_name(run[-1].text)
        if name:
            digest.author = name
            run.pop()
    for line in run:
        digest.notes.append(f"kept as a paragraph (a short line at the end, not a name): {_short(line.text)!r}")
        current.append(line.text)


def byline_name(text: str) -> str:
    """The personal name in a byline ("Hoàng Tùng", "Minh Anh (tổng hợp)"), or ""."""
    text = _BYLINE_SUFFIX.sub("", _BYLINE_PREFIX.sub("", text)).strip(" -–,")
    words = text.split()
    if not 1 <= len(words) <= 5 or len(text) > 40:
        return ""
    if all(word[0].isupper() and word.replace(".", "").isalpha() for word in words):
        return text
    return ""


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
