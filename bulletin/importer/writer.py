"""An imported digest → one Markdown file in the content format.

Front matter goes through `yaml.safe_dump`, so a title with a colon, quotes or
a leading "[" stays a string; dates are written as YYYY-MM-DD. The body text
is escaped only where it would otherwise become markup, so the file reads as
the portal's text: a paragraph that starts with "#" or "2020." stays a
paragraph, and "*", "_", "`", "[", "<" stay characters.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .text import ImportedDigest

_ESCAPABLE = "\\`*_{}[]()>#+-.!"
_BACKSLASH = re.compile(r"\\(?=[\\`*_{}\[\]()>#+\-.!])")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_LINK = re.compile(r"\[(?=[^\]]*\]\s*[(\[:])")
_BLOCK_START = re.compile(r"^(?:(#)|(>)|(\d+)(?=\.\s))")
_ATTR_LIST_END = re.compile(r"(\{[^{}]*\})\s*$")


def digest_path(root: Path, week_start: dt.date) -> Path:
    """<root>/<ISO year>/<ISO year>-w<WW>.md for the ISO week `week_start` falls in."""
    year, week, _ = week_start.isocalendar()
    return root / str(year) / f"{year}-w{week:02d}.md"


def escape_text(text: str, block: bool = True) -> str:
    """Markdown that renders as exactly `text`. Escapes are added only where the
    text would otherwise turn into markup (a pair of "*", a "[…](", a "<b"), so
    ordinary text stays as the portal wrote it. A line starting "- " stays a
    list item, which is how the portal showed it. `block=False` for headings,
    where "#" or "1." at the start is just text."""
    text = _BACKSLASH.sub(r"\\\\", text)
    for char in "*_`":
        if text.count(char) >= 2:
            text = text.replace(char, "\\" + char)
    text = _LINK.sub(r"\\[", text)
    text = _TAG_START.sub("&lt;", text)
    text = _ATTR_LIST_END.sub(lambda m: "\\" + m.group(1), text)
    match = _BLOCK_START.match(text) if block else None
    if match and match.group(3):  # "2020. …" is not an ordered list
        text = f"{match.group(3)}\\{text[match.end():]}"
    elif match:  # "# …" is not a heading, "> …" not a quote
        text = "\\" + text
    return text


def escape_heading(text: str) -> str:
    """Heading text: a trailing "#" would be read as a closing sequence."""
    text = escape_text(text, block=False)
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    return text


def front_matter(digest: ImportedDigest, issuer: str) -> dict:
    start, end = digest.week  # type: ignore[misc]
    data: dict = {"title": digest.title, "week_start": start, "week_end": end}
    if issuer:
        data["issuer"] = issuer
    if digest.author:
        data["author"] = digest.author
    if digest.source:
        data["source"] = digest.source
    if digest.source_url:
        data["source_url"] = digest.source_url
    return data


def render_markdown(digest: ImportedDigest, issuer: str = "") -> str:
    """The whole file: front matter, lead, then one `## heading` per item."""
    yaml_text = yaml.safe_dump(front_matter(digest, issuer), allow_unicode=True, sort_keys=False,
                               default_flow_style=False, width=10_000)
    blocks = [escape_text(p) for p in digest.lead]
    for item in digest.items:
        heading = "## " + escape_heading(item.heading)
        if item.topics:
            names = ", ".join(t.replace('"', "'") for t in item.topics)
            heading += f' {{topics="{names}"}}'
        blocks.append(heading)
        blocks.extend(escape_text(p) for p in item.paragraphs)
    return f"---\n{yaml_text}---\n\n" + "\n\n".join(blocks) + "\n"
