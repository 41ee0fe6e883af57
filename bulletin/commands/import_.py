"""`bulletin import FILE…`: published digests (HTML or plain text) → content files.

Each input gives one file at <into>/<ISO year>/<ISO year>-w<WW>.md. The command
goes through every input before it exits, says for each what it produced and
what it could not place, and exits 1 if any input failed (no week range,
unreadable, or its file exists without --force). Nothing is overwritten
unless --force; files are written whole (temp file, then rename).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from ..config import CONFIG_NAME, SiteConfig, load_config
from ..errors import BuildError
from ..importer import ImportResult, digest_path, import_html, import_text, looks_like_html
from ..importer.weeks import iso_week_label
from ..topic_rules import TopicRules

TEXT_ENCODINGS = ("utf-8-sig", "utf-16", "cp1258")  # cp1258: Windows Vietnamese, old saves


class ImportFailed(Exception):
    """One input could not be imported; the message says why and what to do."""


def site_config(into: Path) -> SiteConfig:
    """Settings of the site `into` belongs to: bulletin.toml next to it, else here."""
    for folder in (into.parent, Path(".")):
        if (folder / CONFIG_NAME).exists():
            return load_config(folder)
    return SiteConfig()


def read_input(path: Path, rules: TopicRules) -> tuple[ImportResult, list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read it ({exc.strerror})") from None
    if looks_like_html(path, raw):
        return import_html(raw, rules), []
    for encoding in TEXT_ENCODINGS:
        if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        notes = [] if encoding != "cp1258" else ["not UTF-8: read as Windows-1258 (cp1258); check the accents"]
        return import_text(text, rules), notes
    raise ImportFailed("is neither UTF-8 nor Windows-1258 text; save it as UTF-8 and import again")


def write_new(path: Path, text: str, force: bool) -> None:
    """Write `text` whole; refuse an existing file unless `force`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not force:
        raise ImportFailed(f"{path} already exists; pass --force to overwrite it")
    handle, temp = tempfile.mkstemp(prefix=".import-", suffix=".md", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def import_one(path: Path, into: Path, config: SiteConfig, rules: TopicRules, force: bool,
               written: dict[Path, Path]) -> tuple[Path, ImportResult, list[str]]:
    result, notes = read_input(path, rules)
    digest = result.digest
    if not digest.title:
        raise ImportFailed("has no text in it (an empty file, or a page without an article)")
    if not result.ok:
        title = f' "{digest.title}"'
        raise ImportFailed(
            f"no week range found in the title{title}. The title must say the week it covers, e.g. "
            "\"(ngày 14/12 đến ngày 20/12/2020)\" or \"(từ ngày 12/01/2026 - 18/01/2026)\"; add it to the "
            "title line of the input and import again")
    target = digest_path(into, digest.week[0])
    if target in written:
        raise ImportFailed(f"covers the same week as {written[target]} ({target}); keep one of the two")
    write_new(target, result.markdown(config.issuer), force)
    written[target] = path
    return target, result, notes + digest.notes


def describe(target: Path, result: ImportResult) -> str:
    digest = result.digest
    start, end = digest.week  # type: ignore[misc]
    parts = [f"week {iso_week_label(start)} ({start:%Y-%m-%d}..{end:%Y-%m-%d})",
             f"{len(digest.items)} item{'s' if len(digest.items) != 1 else ''}",
             f"{len(result.decisions)} decision{'s' if len(result.decisions) != 1 else ''}",
             f"author {digest.author}" if digest.author else "no byline found"]
    tagged = sum(1 for item in digest.items if item.topics)
    if digest.items:
        parts.append(f"topics suggested for {tagged} of {len(digest.items)} items")
    return f"-> {target}: " + ", ".join(parts)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=Path("content"),
              show_default=True, help="the content folder to write into")
@click.option("--force", is_flag=True, help="overwrite digests that already exist")
def import_command(files: tuple[Path, ...], into: Path, force: bool) -> None:
    """Turn published digests (saved as HTML or plain text) into Markdown digests."""
    try:
        config = site_config(into)
    except BuildError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)
    rules = TopicRules(config.topic_rules)
    written: dict[Path, Path] = {}
    failed = 0
    for path in files:
        try:
            target, result, notes = import_one(path, into, config, rules, force, written)
        except ImportFailed as exc:
            failed += 1
            click.echo(f"{path}: error: {exc}", err=True)
            continue
        click.echo(f"{path} {describe(target, result)}")
        if not result.digest.items:
            notes.append("no item headings found: everything after the title is in the lead")
        for note in notes:
            click.echo(f"    note: {note}")
    if len(files) > 1:
        click.echo(f"{len(files) - failed} of {len(files)} imported.")
    if failed:
        sys.exit(1)
