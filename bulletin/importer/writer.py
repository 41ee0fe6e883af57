"""An imported digest → one Markdown file in the content format.

Front matter goes through `yaml.safe_dump`, so a title with a colon, quotes or
a leading "[" stays a string; dates are written as YYYY-MM-DD. The body text
is escaped just enough that Markdown shows it as the portal did: a paragraph
that starts with "#" or "1." stays a paragraph, and "*", "_", "`", "<" are
literal characters, never markup.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .text import ImportedDigest

_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]])")
_BLOCK_START = re.compile(r"^(#|>|[-+](?=\s)|-{3,}|\\\*(?=\s)|\d+(?=[.)]\s))")
_ATTR_LIST_END = re.compile(r"(\{[^{}]*\})\s*$")


def digest_path(root: Path, week_start: dt.date) -> Path:
    """<root>/<ISO year>/<ISO year>-w<WW>.md for the ISO week `week_start` falls in."""
    year, week, _ = week_start.isocalendar()
    return root / str(year) / f"{year}-w{week:02d}.md"


def escape_text(text: str) -> str:
    """Markdown that renders as exactly `text` (one paragraph or heading)."""
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    text = text.replace("<", "&lt;")
    text = _ATTR_LIST_END.sub(lambda m: "\\" + m.group(1), text)
    match = _BLOCK_START.match(text)
    if match and match.group(1)[0].isdigit():  # "2020. …" is not an ordered list
        text = f"{match.group(1)}\\{text[match.end():]}"
    elif match and not match.group(1).startswith("\\"):  # "\*" is escaped already
        text = "\\" + text
    return text


def escape_heading(text: str) -> str:
    """Heading text: also a trailing "#" would be read as a closing sequence."""
    text = escape_text(text)
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
