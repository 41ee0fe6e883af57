"""Link and anchor check of a built site, as a reader browses it from `file://`.

Every `href`/`src` in every page must be relative, point at a file that exists
(an explicit `index.html`, never a bare folder) and, with a `#fragment`, at an
element with that id. Nothing may load from the network. External links that a
reader clicks (`https://…` in `<a href>`) are allowed; anything the page itself
would fetch (`src`, stylesheets, scripts) must be local.
"""

from __future__ import annotations

import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

EXTERNAL_SCHEMES = ("http:", "https:", "mailto:", "tel:")


class _PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            elif name in ("href", "src") or (name == "srcset"):
                self.links.append((tag, name, value))
            elif name == "style" and "url(" in value:
                for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", value):
                    self.links.append((tag, "style", url))


def scan_site(site_dir: Path) -> dict[str, _PageScan]:
    scans = {}
    for folder, _, files in os.walk(site_dir):
        for name in files:
            if name.endswith(".html"):
                path = Path(folder, name)
                scan = _PageScan()
                scan.feed(path.read_text(encoding="utf-8"))
                scans[path.relative_to(site_dir).as_posix()] = scan
    return scans


def check_links(site_dir: Path) -> list[str]:
    """Every broken link or anchor, root-absolute URL and network load, one line each."""
    site_dir = Path(site_dir)
    scans = scan_site(site_dir)
    problems: list[str] = []
    for page, scan in sorted(scans.items()):
        for tag, attribute, value in scan.links:
            problem = _check_one(site_dir, page, tag, attribute, value, scans)
            if problem:
                problems.append(f"{page}: <{tag} {attribute}=\"{value}\">: {problem}")
    for css in site_dir.rglob("*.css"):
        rel = css.relative_to(site_dir).as_posix()
        for value in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            problem = _check_one(site_dir, rel, "css", "url", value, scans)
            if problem:
                problems.append(f"{rel}: url({value}): {problem}")
    return problems


def _check_one(site_dir: Path, page: str, tag: str, attribute: str, value: str,
               scans: dict[str, _PageScan]) -> str | None:
    value = value.strip()
    lowered = value.lower()
    if lowered.startswith(("javascript:", "vbscript:")):
        return "script URL"
    if lowered.startswith("data:"):
        return None
    if lowered.startswith("//") or lowered.startswith(EXTERNAL_SCHEMES):
        if tag == "a" and attribute == "href":
            return None  # a link out that the reader may click
        return "loads from the network"
    if value.startswith("/"):
        return "root-absolute URL (breaks under a sub-path and on file://)"
    parts = urlsplit(value)
    if parts.scheme:
        return f"unexpected scheme {parts.scheme}:"
    target = page if not parts.path else os.path.normpath(
        os.path.join(os.path.dirname(page), unquote(parts.path))).replace(os.sep, "/")
    if target.startswith("../"):
        return "leads outside the site"
    if parts.path.endswith("/") or (site_dir / target).is_dir():
        return "points at a folder: link to its index.html (file:// shows no folder index)"
    if not (site_dir / target).is_file():
        return "no such file"
    if parts.fragment and target.endswith(".html"):
        scan = scans.get(target)
        if scan is not None and unquote(parts.fragment) not in scan.ids:
            return f"no element with id \"{parts.fragment}\" in {target}"
    return None


def check_site(source_dir: Path, drafts: bool = False) -> list[str]:
    """Build into a temporary folder, check its links, and remove it: the site is not touched."""
    from .build import build_site

    with tempfile.TemporaryDirectory(prefix="bulletin-check-") as tmp:
        output = Path(tmp) / "site"
        build_site(Path(source_dir), output, drafts=drafts, state=False)
        return check_links(output)
