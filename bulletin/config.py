"""Site settings from `bulletin.toml`: typed, validated, every key optional.

Settings are read once into a frozen dataclass and passed to the stages that
need them (never threaded through as a dict), so every key is declared here
with its type, default and meaning.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BuildError, ContentError

CONFIG_NAME = "bulletin.toml"
LANGUAGES = ("vi", "en")
# What an XML feed cannot hold (C0 controls but tab/newline/return, U+FFFE, U+FFFF).
CONTROL_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Bản tin chỉ đạo, điều hành"
    """Site name, shown in the header and the feed."""
    issuer: str = ""
    """Default `issuer` of digests that name none."""
    description: str = ""
    """One sentence under the site name and in the feed."""
    language: str = "vi"
    """UI language: "vi" (default) or "en"."""
    base_url: str = ""
    """Absolute URL the site is published at; only feeds and the sitemap use it."""
    per_page: int = 10
    """Digests per home/archive page."""
    items_per_page: int = 50
    """Items per topic page and decisions per decisions-list page."""
    feed_size: int = 20
    """Digests in the Atom feed."""
    unsafe_html: bool = False
    """Keep raw HTML in Markdown as written (default: sanitised)."""
    new_title: str = "Chỉ đạo, điều hành nổi bật trong tuần (ngày {start} đến ngày {end})"
    """Title `bulletin new` writes; {start} is dd/mm, {end} dd/mm/yyyy, {week} and {year} the ISO week."""
    topic_rules: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """[topics.rules]: topic -> keywords; items without topics get every matching topic."""
    extra: dict = field(default_factory=dict)
    """Unknown keys, passed to templates as `site.extra`."""

    def fingerprint(self) -> str:
        """A stable text of every setting, for build-state hashing."""
        return repr(sorted((f.name, repr(getattr(self, f.name))) for f in dataclasses.fields(self)))


_SCALARS = {
    "title": str,
    "issuer": str,
    "description": str,
    "language": str,
    "base_url": str,
    "per_page": int,
    "items_per_page": int,
    "feed_size": int,
    "unsafe_html": bool,
}


def load_config(site_dir: Path, base_url: str | None = None) -> SiteConfig:
    """Read `bulletin.toml` from the site folder (missing file: all defaults)."""
    path = site_dir / CONFIG_NAME
    if not path.exists():
        data: dict = {}
    else:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BuildError([ContentError(path, None, f"bulletin.toml does not parse: {exc}",
                                           "fix the TOML syntax (https://toml.io)")]) from None
    return config_from_mapping(data, path, base_url)


def config_from_mapping(data: dict, path: Path, base_url: str | None = None) -> SiteConfig:
    errors: list[ContentError] = []
    values: dict = {}
    extra: dict = {}
    for key, value in data.items():
        if key in _SCALARS:
            expected = _SCALARS[key]
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                errors.append(ContentError(path, None, f"`{key}` must be {_allowed(key, expected)}, got {value!r}",
                                           f"write e.g. {key} = {_example(key, expected)}"))
                continue
            if expected is str and CONTROL_CHAR.search(value):
                char = CONTROL_CHAR.search(value).group()
                errors.append(ContentError(path, None, f"`{key}` contains the invisible character "
                                                       f"U+{ord(char):04X}, which web pages and feeds cannot hold",
                                           "remove the escape sequence (e.g. \\u0001) from the text"))
                continue
            values[key] = value
        elif key == "new":
            if isinstance(value, dict) and isinstance(value.get("title"), str):
                values["new_title"] = value["title"]
            else:
                errors.append(ContentError(path, None, "[new] must have a string `title`",
                                           'write [new] title = "… (ngày {start} đến ngày {end})"'))
        elif key == "topics":
            rules = value.get("rules", {}) if isinstance(value, dict) else None
            if not isinstance(rules, dict) or not all(
                    isinstance(k, str) and isinstance(v, list) and all(isinstance(w, str) for w in v)
                    for k, v in rules.items()):
                errors.append(ContentError(path, None, "[topics.rules] must map topic names to lists of keywords",
                                           '"Giáo dục" = ["trường học", "giáo viên"]'))
            else:
                values["topic_rules"] = {k: tuple(v) for k, v in rules.items()}
        else:
            extra[key] = value
    if values.get("language", "vi") not in LANGUAGES:
        errors.append(ContentError(path, None, f"`language` must be {_allowed('language', str)}, "
                                               f"got {values['language']!r}", 'write language = "vi"'))
    for key in ("per_page", "items_per_page", "feed_size"):
        if key in values and values[key] < 1:
            errors.append(ContentError(path, None, f"`{key}` must be {_allowed(key, int)}, got {values[key]!r}",
                                       f"write {key} = 10"))
    if errors:
        raise BuildError(errors)
    if base_url is not None:
        values["base_url"] = base_url
    if values.get("base_url"):
        values["base_url"] = values["base_url"].rstrip("/") + "/"
    return SiteConfig(**values, extra=extra)


def _allowed(key: str, kind: type) -> str:
    """The values a key takes, as the error message names them."""
    if key == "language":
        return "one of " + ", ".join(f'"{code}"' for code in LANGUAGES)
    if kind is int:
        return "a whole number, 1 or more"
    return {str: "a text in quotes", bool: "true or false"}[kind]


def _example(key: str, kind: type) -> str:
    return '"vi"' if key == "language" else {str: '"…"', int: "10", bool: "false"}[kind]
