"""Front matter: the YAML between the `---` lines, read into a dict with each key's line.

Part of stage 1 (load.py), kept apart because YAML fails in its own ways: each failure
becomes a `ContentError` at the line to fix, and front matter that would expand without
bound (an alias inside itself, aliases of aliases) is refused before anything reads it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import frontmatter
import yaml

from .errors import ContentError

# libyaml's parser when present: the pure-Python one is most of the load time.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 20  # nested lists/mappings in front matter
MAX_VALUES = 10_000  # values front matter may stand for, once YAML aliases are expanded


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
        unclosed = _unclosed(path, exc, front, offset)
        if unclosed:
            return {}, {}, unclosed
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + offset if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if "\t" in (exc.problem or "") or "tab" in problem:
            hint = "YAML does not allow tabs for indentation: use spaces"
        elif "escape" in problem:
            hint = "inside double quotes a backslash starts an escape: write `\\\\`, or use single quotes"
        else:
            hint = "check the quoting and indentation; quote values that contain `: ` or `#`"
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


# A quote, `[` or `{` left open: YAML notices it lines later (at the end of the front matter,
# or at the next key it cannot read), but the line to fix is the one that opened it.
# YAML's context → (its problem starts with, what was opened, how to close it).
UNCLOSED = {
    "while parsing a flow sequence": ("did not find expected ',' or ']'", "a `[`",
                                      "end the list with `]` on the same line, or quote a value that starts with `[`"),
    "while parsing a flow mapping": ("did not find expected ',' or '}'", "a `{`",
                                     "end it with `}` on the same line, or quote a value that starts with `{`"),
}
QUOTE_HINT = "end the value with the quote mark it starts with, on the same line"
QUOTED_VALUE = re.compile(r"""^(?:\s*-\s+)?(?:[^\s#"'-][^#]*?:\s+)?(["'])""")


def _unclosed(path: Path, exc: yaml.MarkedYAMLError, front: str, offset: int) -> ContentError | None:
    """The error at the line where a quote, `[` or `{` was opened and never closed, if one was."""
    noticed = exc.problem_mark
    if noticed is None:
        return None
    quote = _open_quote(front.split("\n")[:noticed.line])
    if quote is not None:
        line, column = quote
        what, hint = "a quote mark", QUOTE_HINT
    else:
        known = UNCLOSED.get(exc.context or "")
        opened = exc.context_mark
        if not known or not opened or opened.line >= noticed.line or not (exc.problem or "").startswith(known[0]):
            return None
        line, column = opened.line, opened.column
        _, what, hint = known
    return ContentError(path, line + offset, f"front matter is not valid YAML: {what} opened here is not "
                        f"closed (YAML noticed on line {noticed.line + offset})", hint, column + 1)


def _open_quote(rows: list[str]) -> tuple[int, int] | None:
    """(row, column) of the first value that opens a quote its row does not close. Such a
    value may go on over several rows in YAML, but in a file that YAML cannot read, that
    is nearly always a quote mark forgotten at the end of the row."""
    for number, row in enumerate(rows):
        match = QUOTED_VALUE.match(row)
        if match and not _closes(row[match.end():], match.group(1)):
            return number, match.start(1)
    return None


def _closes(rest: str, quote: str) -> bool:
    position = 0
    while position < len(rest):
        char = rest[position]
        if quote == '"' and char == "\\":
            position += 2
            continue
        if char == quote:
            if quote == "'" and rest[position + 1:position + 2] == "'":
                position += 2  # '' stands for one ' inside single quotes
                continue
            return True
        position += 1
    return False
