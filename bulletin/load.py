"""Stage 1, load: find the digests, read them, validate their front matter.

Every problem becomes a `ContentError` with the file, the line and the fix; the
stage goes through every file before it reports, so one build lists them all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from . import urls
from .config import SiteConfig
from .errors import ContentError
from .front_matter import parse_yaml, split_front_matter
from .model import DecisionRef, DigestSource
from .slugs import slugify

MAX_WEEK_DAYS = 31
REQUIRED = ("title", "week_start", "week_end")
# Characters the parser uses as placeholders; they never belong in content. (Removed with
# `str.replace`: `str.translate` with a table took 0.85 ms per digest, `replace` 0.02.)
RESERVED_CHARS = ("\ue000", "\ue001")
# Characters no web page, feed (XML 1.0) or Markdown parser takes: C0 controls but tab and
# newline (Markdown uses STX/ETX as its own placeholders), and the noncharacters U+FFFE/U+FFFF.
CONTROL_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_NESTING = 100  # lists/quotes in a body; Python-Markdown recurses per level
MAX_OPEN = 200  # `[` or `<` open at once in a paragraph; Python-Markdown is quadratic in them
OPENERS = re.compile(r"[\[\]>]|<(?=[A-Za-z!/?])")
# Indentation, then the quote and list markers that open a nested block on one line.
CONTAINER_PREFIX = re.compile(r"[ \t]*(?:(?:>|[-*+]|\d{1,9}[.)])(?:[ \t]+|$))*")
CONTAINER_MARKER = re.compile(r"(?:>|[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")


@dataclass
class LoadResult:
    digests: list[DigestSource]
    errors: list[ContentError]
    warnings: list[str]


def discover(content_dir: Path) -> tuple[list[Path], list[str]]:
    """Every digest file under content/, sorted; `_x` and `.x` are skipped, and so
    are symlinks that lead out of content/ (a warning, never followed)."""
    found, warnings = discover_with_stats(content_dir)
    return [path for path, _, _ in found], warnings


def discover_with_stats(content_dir: Path) -> tuple[list[tuple[Path, str, os.stat_result]], list[str]]:
    """`discover`'s files with their path relative to content/ and their stat: all that a
    no-op rebuild looks at. One `os.scandir` per folder and one stat per file: a walk with
    `Path` checks (is_symlink, is_file, stat) took 0.45 s at 10,000 digests."""
    found: list[tuple[Path, str, os.stat_result]] = []
    warnings: list[str] = []
    root = content_dir.resolve()

    def walk(folder: Path, prefix: str) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            return  # as os.walk does: a folder that cannot be listed holds nothing
        folders = []
        for entry in entries:
            name = entry.name
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                if not name.startswith(("_", ".")):
                    folders.append(entry)
                continue
            if name.startswith(("_", ".")) or not name.endswith(".md"):
                continue
            path = folder / name
            if entry.is_symlink() and not path.resolve().is_relative_to(root):
                warnings.append(f"{path}: skipped: a symlink that leads out of {content_dir}")
                continue
            try:
                stat = entry.stat() if entry.is_file() else None
            except OSError:
                stat = None
            if stat is None:
                warnings.append(f"{path}: skipped: not a regular file (a broken symlink, a pipe or a device)")
                continue
            found.append((path, prefix + name, stat))
        for entry in folders:
            sub = folder / entry.name
            if entry.is_symlink():  # never followed; said when it leads out
                if not sub.resolve().is_relative_to(root):
                    warnings.append(f"{sub}: skipped: a symlinked folder that leads out of {content_dir}")
                continue
            walk(sub, f"{prefix}{entry.name}/")

    walk(content_dir, "")
    return found, warnings


def load_content(content_dir: Path, config: SiteConfig, drafts: bool = False) -> LoadResult:
    paths, warnings = discover(content_dir)
    digests: list[DigestSource] = []
    errors: list[ContentError] = []
    for path in paths:
        raw = path.read_bytes()
        rel = path.relative_to(content_dir).as_posix()
        digest, file_errors = read_digest(path, rel, raw, config)
        errors.extend(file_errors)
        if digest is not None and (drafts or not digest.draft):
            digests.append(digest)
    errors.extend(url_collisions(digests))
    return LoadResult(digests, errors, warnings)


def url_collisions(digests: list[DigestSource]) -> list[ContentError]:
    errors = []
    by_url: dict[str, DigestSource] = {}
    for digest in digests:
        other = by_url.setdefault(digest.url, digest)
        if other is not digest:
            errors.append(ContentError(
                digest.path, None,
                f"this digest and {other.path} would both be written to {digest.url}",
                "give one of them a different `slug:` in its front matter, or rename the file"))
    return errors


def decode(path: Path, raw: bytes) -> tuple[str | None, ContentError | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, ContentError(path, line, f"not valid UTF-8 at byte offset {exc.start} "
                                              f"(byte 0x{raw[exc.start]:02x})",
                                  "save the file as UTF-8 (in most editors: Save with encoding → UTF-8)")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return strip_reserved(unicodedata.normalize("NFC", text)), None


def strip_reserved(text: str) -> str:
    for reserved in RESERVED_CHARS:
        text = text.replace(reserved, "")
    return text


def read_digest(path: Path, rel: str, raw: bytes, config: SiteConfig
                ) -> tuple[DigestSource | None, list[ContentError]]:
    text, error = decode(path, raw)
    if error:
        return None, [error]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [ContentError(path, line, "the file contains a NUL byte",
                                   "remove it; the file may have been saved by a binary tool")]
    bad = CONTROL_CHAR.search(text)
    if bad:
        line = text[: bad.start()].count("\n") + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        return None, [ContentError(path, line, f"the file contains {describe_char(bad.group())}, "
                                               "which web pages and feeds cannot hold",
                                   "delete it (it often comes with text pasted from a word processor)", column)]
    front, body, body_line, error = split_front_matter(path, text)
    if error:
        return None, [error]
    data, lines, error = parse_yaml(path, front)
    if error:
        return None, [error]
    error = check_nesting(path, body, body_line)
    if error:
        return None, [error]
    return validate(path, rel, data, lines, body, body_line, hashlib.sha256(raw).hexdigest(), config)


def describe_char(char: str) -> str:
    kind = "control character" if char < " " else "noncharacter"
    return f"the invisible {kind} U+{ord(char):04X}"


def check_nesting(path: Path, body: str, body_line: int) -> ContentError | None:
    """Lists and quotes nested deeper than Markdown can parse: a clear error, not a crash;
    and `[` or `<` left open so deep in a paragraph that Markdown would take minutes (it
    looks for the end of each from each: quadratic time)."""
    start = body_line
    for paragraph in body.split("\n\n"):
        if paragraph.count("[") + paragraph.count("<") > MAX_OPEN:
            brackets = angles = 0
            for match in OPENERS.finditer(paragraph):
                mark = match.group()
                if mark == "[":
                    brackets += 1
                elif mark == "]":
                    brackets = max(brackets - 1, 0)
                elif mark == ">":
                    angles = max(angles - 1, 0)
                else:
                    angles += 1
                if brackets > MAX_OPEN or angles > MAX_OPEN:
                    where = start + paragraph.count("\n", 0, match.start())
                    return ContentError(path, where, f"more than {MAX_OPEN} `{mark}` open at once in one paragraph",
                                        "close them, or write them as &#91; and &lt;")
        start += paragraph.count("\n") + 2
    for number, line in enumerate(body.split("\n")):
        prefix = CONTAINER_PREFIX.match(line).group()
        if len(prefix) < 4 * 10:
            continue  # fewer than 10 levels: the common case, decided cheaply
        indent = len(prefix) - len(prefix.lstrip(" \t"))
        depth = len(prefix[:indent].expandtabs(4)) // 4 + len(CONTAINER_MARKER.findall(prefix[indent:]))
        if depth > MAX_NESTING:
            return ContentError(path, body_line + number, f"lists or quotes nested {depth} levels deep "
                                                          f"(at most {MAX_NESTING})",
                                "flatten the nesting; deep indentation also nests lists")
    return None


class _Fields:
    """Reads typed values out of front matter, collecting errors with their lines."""

    def __init__(self, path: Path, data: dict, lines: dict[str, int]):
        self.path, self.data, self.lines = path, data, lines
        self.errors: list[ContentError] = []

    def error(self, key: str, message: str, hint: str) -> None:
        self.errors.append(ContentError(self.path, self.lines.get(key, 2), message, hint))

    def string(self, key: str, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.errors.append(ContentError(self.path, 2, f"required key `{key}` is missing",
                                                f"add `{key}: …` to the front matter"))
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            self.error(key, f"`{key}` must be a non-empty text, got {value!r}", f'write {key}: "…"')
            return None
        return self.text(key, value.strip())

    def text(self, key: str, value: str) -> str | None:
        """`value`, unless a YAML escape ("\\x01") put a control character in it."""
        bad = CONTROL_CHAR.search(value)
        if bad:
            self.error(key, f"`{key}` contains {describe_char(bad.group())}, which web pages "
                            "and feeds cannot hold", "remove the escape sequence (e.g. \\x01) from the text")
            return None
        return value

    def date(self, key: str, required: bool = False, allow_time: bool = False) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.errors.append(ContentError(self.path, 2, f"required key `{key}` is missing",
                                                f"add `{key}: YYYY-MM-DD` to the front matter"))
            return None
        if isinstance(value, dt.datetime):
            return value if allow_time else value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return (dt.datetime if allow_time and "T" in value else dt.date).fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(key, f"`{key}` must be a date in the form YYYY-MM-DD, got {value!r}",
                   f"write e.g. `{key}: 2020-12-14` (year-month-day)")
        return None

    def topics(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(key, f"`{key}` must be a list of texts, got {value!r}", f'write {key}: ["Đất đai", "Y tế"]')
            return ()
        if any(self.text(key, v) is None for v in value):
            return ()
        return tuple(v.strip() for v in value if v.strip())

    def decisions(self, key: str) -> tuple[DecisionRef, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        hint = 'write e.g. decisions: [{ref: "2610/QĐ-UBND", date: 2020-12-15, title: "…"}]'
        if not isinstance(value, list):
            self.error(key, "`decisions` must be a list", hint)
            return ()
        refs = []
        for entry in value:
            if isinstance(entry, str):
                entry = {"ref": entry}
            if not isinstance(entry, dict) or not isinstance(entry.get("ref"), str):
                self.error(key, f"each entry of `decisions` needs a `ref` text, got {entry!r}", hint)
                continue
            if self.text(key, entry["ref"]) is None or self.text(key, str(entry.get("title") or "")) is None:
                continue
            when = entry.get("date")
            if when is not None and not isinstance(when, dt.date):
                try:
                    when = dt.date.fromisoformat(str(when))
                except ValueError:
                    self.error(key, f"decision {entry['ref']}: date must be YYYY-MM-DD, got {when!r}", hint)
                    when = None
            if isinstance(when, dt.datetime):
                when = when.date()
            title = entry.get("title")
            refs.append(DecisionRef(entry["ref"], when, str(title) if title is not None else None,
                                    self.lines.get(key, 2)))
        return tuple(refs)

    def boolean(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.error(key, f"`{key}` must be true or false, got {value!r}", f"write {key}: true")
            return False
        return value


KNOWN_KEYS = {"title", "week_start", "week_end", "published", "issuer", "author", "summary",
              "topics", "decisions", "draft", "slug"}


def validate(path: Path, rel: str, data: dict, lines: dict[str, int], body: str, body_line: int,
             content_hash: str, config: SiteConfig) -> tuple[DigestSource | None, list[ContentError]]:
    fields = _Fields(path, {str(k): v for k, v in data.items()}, lines)
    title = fields.string("title", required=True)
    week_start = fields.date("week_start", required=True)
    week_end = fields.date("week_end", required=True)
    published = fields.date("published", allow_time=True)
    issuer = fields.string("issuer") or config.issuer
    author = fields.string("author")
    summary = fields.string("summary")
    topics = fields.topics("topics")
    refs = fields.decisions("decisions")
    draft = fields.boolean("draft")
    slug_text = fields.string("slug")
    if week_start and week_end:
        if week_end < week_start:
            fields.error("week_end", f"week_end {week_end} is before week_start {week_start}",
                         "swap them, or correct the dates")
        elif (week_end - week_start).days > MAX_WEEK_DAYS:
            fields.error("week_end", f"week_end is {(week_end - week_start).days} days after week_start "
                                     f"(at most {MAX_WEEK_DAYS})", "check the year and month of both dates")
    slug = slugify(slug_text) if slug_text else slugify(Path(rel).stem)
    if not slug:
        fields.error("slug" if slug_text else "title", "the digest's URL segment would be empty",
                     "give it a `slug:` made of letters or digits")
    if fields.errors:
        return None, fields.errors
    extra = {k: v for k, v in fields.data.items() if k not in KNOWN_KEYS}
    return DigestSource(
        path=str(path), rel=rel, url=urls.digest(_slug_folders(rel), slug), title=title,
        week_start=week_start, week_end=week_end, published=published or week_end,
        issuer=issuer, author=author, summary=summary, topics=topics, decision_refs=refs,
        draft=draft, extra=extra, body=body, body_line=body_line, content_hash=content_hash,
    ), []


def _slug_folders(rel: str) -> str:
    """Folders of a content path, slugged ("Lạng Sơn/2020/a.md" → "lang-son/2020")."""
    return "/".join(slugify(p) or "_" for p in rel.split("/")[:-1])
