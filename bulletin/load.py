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

import frontmatter
import yaml

from . import urls
from .config import SiteConfig
from .errors import ContentError
from .model import DecisionRef, DigestSource
from .slugs import slugify

# libyaml's parser when present: the pure-Python one is most of the load time.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_WEEK_DAYS = 31
REQUIRED = ("title", "week_start", "week_end")
# Characters the parser uses as placeholders; they never belong in content.
RESERVED_CHARS = {ord("\ue000"): None, ord("\ue001"): None}
# Characters no web page, feed (XML 1.0) or Markdown parser takes: C0 controls but tab and
# newline (Markdown uses STX/ETX as its own placeholders), and the noncharacters U+FFFE/U+FFFF.
CONTROL_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_NESTING = 100  # lists/quotes in a body; Python-Markdown recurses per level
MAX_OPEN = 200  # `[` or `<` open at once in a paragraph; Python-Markdown is quadratic in them
OPENERS = re.compile(r"[\[\]>]|<(?=[A-Za-z!/?])")
MAX_DEPTH = 20  # nested lists/mappings in front matter
MAX_VALUES = 10_000  # values front matter may stand for, once YAML aliases are expanded
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
    found: list[Path] = []
    warnings: list[str] = []
    root = content_dir.resolve()
    for folder, dirs, files in os.walk(content_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        for name in sorted(files):
            if name.startswith(("_", ".")) or not name.endswith(".md"):
                continue
            path = Path(folder) / name
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    warnings.append(f"{path}: skipped: a symlink that leads out of {content_dir}")
                    continue
            if not path.is_file():
                warnings.append(f"{path}: skipped: not a regular file (a broken symlink, a pipe or a device)")
                continue
            found.append(path)
        for name in list(dirs):
            sub = Path(folder) / name
            if sub.is_symlink() and not sub.resolve().is_relative_to(root):
                warnings.append(f"{sub}: skipped: a symlinked folder that leads out of {content_dir}")
                dirs.remove(name)
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
    return unicodedata.normalize("NFC", text).translate(RESERVED_CHARS), None


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


def split_front_matter(path: Path, text: str) -> tuple[str, str, int, ContentError | None]:
    handler = frontmatter.YAMLHandler()
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        return "", "", 0, ContentError(path, 1, "no front matter: the file must start with a `---` line",
                                       "add front matter at the very top:\n"
                                       "    ---\n    title: …\n    week_start: 2020-12-14\n"
                                       "    week_end: 2020-12-20\n    ---")
    try:
        front, body = handler.split(text)
    except ValueError:
        return "", "", 0, ContentError(path, 1, "front matter is not closed: no second `---` line",
                                       "end the front matter with a line holding only `---`")
    body_line = text[: len(text) - len(body)].count("\n") + 1 if body else text.count("\n") + 1
    return front, body, body_line, None


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


def _too_big(data: dict) -> tuple[str, str] | None:
    """(key, what) when front matter nests deeper than MAX_DEPTH (a YAML alias inside itself
    is infinitely deep), or when aliases repeat so much that it stands for more than
    MAX_VALUES values: every stage that reads it would expand it."""
    checked: dict[int, int] = {}  # id of a list/mapping -> the deepest level it was fine at

    def deeper(value, depth: int) -> bool:
        if not isinstance(value, (list, dict)):
            return False
        if depth > MAX_DEPTH:
            return True
        if checked.get(id(value), -1) >= depth:
            return False  # aliases share objects: each is walked once per depth at most
        checked[id(value)] = depth
        return any(deeper(v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))

    sizes: dict[int, int] = {}

    def size(value) -> int:  # values it expands to; finite, since no key nests too deep
        if not isinstance(value, (list, dict)):
            return 1
        if id(value) not in sizes:
            children = list(value.values()) + list(value) if isinstance(value, dict) else value
            sizes[id(value)] = 1 + sum(size(v) for v in children)
        return sizes[id(value)]

    for key, value in data.items():
        if deeper(value, 1):
            return str(key), f"nests lists or mappings more than {MAX_DEPTH} levels deep"
    total = 0
    for key, value in data.items():
        total += size(value)
        if total > MAX_VALUES:
            return str(key), f"stands for more than {MAX_VALUES:,} values (YAML aliases repeat them)"
    return None


YAML_TIMESTAMP = re.compile(r"(?<![\w.-])(\d{4})-(\d\d?)-(\d\d?)(?:[Tt ]+(\d\d?):(\d\d):(\d\d))?")


def _impossible_timestamp(text: str) -> bool:
    for match in YAML_TIMESTAMP.finditer(text):
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            dt.datetime(year, month, day, hour, minute, second)
        except ValueError:
            return True
    return False


def parse_yaml(path: Path, front: str) -> tuple[dict, dict[str, int], ContentError | None]:
    """YAML → dict, plus the file line of each top-level key."""
    # YAML line 0 is the file's line 2 (after `---`), unless the text kept that line's newline.
    offset = 1 if front.startswith("\n") else 2
    try:
        loader = SafeLoader(front)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else {}
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + offset if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "YAML does not allow tabs for indentation: use spaces" if "\t" in (exc.problem or "") or \
            "tab" in problem else "check the quoting and indentation; quote values that contain `: ` or `#`"
        return {}, {}, ContentError(path, line, f"front matter is not valid YAML: {problem}", hint, column)
    except yaml.YAMLError as exc:
        return {}, {}, ContentError(path, 2, f"front matter is not valid YAML: {exc}", "fix the YAML syntax")
    except RecursionError:
        return {}, {}, ContentError(path, 2, "front matter is nested too deeply", "flatten the lists and mappings")
    except (ValueError, OverflowError) as exc:  # a YAML date or time that does not exist: 2020-02-30
        rows = front.split("\n")
        row = next((n for n, text in enumerate(rows) if _impossible_timestamp(text)), None)
        return {}, {}, ContentError(path, row + offset if row is not None else 2,
                                    f"front matter holds a date or time that does not exist ({exc})",
                                    "check the day, month and time; write dates as YYYY-MM-DD")
    if not isinstance(data, dict):
        return {}, {}, ContentError(path, 2, "front matter must be `key: value` lines",
                                    "write e.g. `title: …` on its own line")
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = key_node.start_mark.line + offset
    too_big = _too_big(data)
    if too_big is not None:
        key, what = too_big
        return {}, {}, ContentError(path, lines.get(key, 2), f"`{key}` {what}",
                                    "write the values out plainly, without deep nesting or repeated aliases")
    return data, lines, None


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
