"""The `bulletin` command line (click). Exit status: 0 ok, 1 content errors, 2 usage errors."""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
from pathlib import Path

import click

from .errors import BuildError, UsageError

SOURCE_HELP = "the site folder, the one holding content/ (default: the current folder)"


def _fail(exc: Exception) -> None:
    if isinstance(exc, BuildError):
        click.echo(exc.report(), err=True)
        sys.exit(1)
    if isinstance(exc, (OSError, sqlite3.Error)):
        click.echo(f"error: the build could not write: {exc}; the previous site is unchanged "
                   "(free some space or fix the permissions, then build again)", err=True)
        sys.exit(2)
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


class _LazyGroup(click.Group):
    """Commands kept in modules of their own (commands/) are imported when they run, or when the
    help lists them: `build` does not pay for the importer's HTML parsers (0.1 s a run)."""

    LAZY = {"new": ("bulletin.commands.new", "new_command"), "import": ("bulletin.commands.import_", "import_command")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            module, attribute = self.LAZY[name]
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bulletin")
def main() -> None:
    """Build archives of weekly bulletins into static HTML that works offline."""


@main.command()
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=Path("."), help=SOURCE_HELP)
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="where to write the site (default: SOURCE/site)")
@click.option("--drafts", is_flag=True, help="build digests marked `draft: true` too")
@click.option("--base-url", default=None, help="absolute URL the site is published at (feeds and sitemap)")
@click.option("--clean", is_flag=True, help="ignore any cached state and build everything anew")
@click.option("--force", is_flag=True, help="build even if the output holds files bulletin did not write (they are kept)")
def build(source: Path, output: Path | None, drafts: bool, base_url: str | None, clean: bool, force: bool) -> None:
    """Build the site once."""
    from .build import build_site

    try:
        result = build_site(source, output, drafts=drafts, base_url=base_url, force=force, clean=clean,
                            progress=True)
    except (BuildError, UsageError, OSError, sqlite3.Error) as exc:
        _fail(exc)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(result.summary())


@main.command()
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=Path("."), help=SOURCE_HELP)
@click.option("--drafts", is_flag=True, help="check drafts too")
def check(source: Path, drafts: bool) -> None:
    """Validate the content and every link of a build, without writing the site."""
    from .check import check_site

    try:
        problems = check_site(source, drafts=drafts)
    except (BuildError, UsageError) as exc:
        _fail(exc)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} broken link{'s' if len(problems) != 1 else ''}.", err=True)
        sys.exit(1)
    click.echo("content and links are fine.")


@main.command()
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=Path("."), help=SOURCE_HELP)
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="where to write the site (default: SOURCE/site)")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0 picks a free port")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to bind; anything but 127.0.0.1 exposes your drafts to the network")
@click.option("--drafts", is_flag=True, help="build digests marked `draft: true` too")
@click.option("--force", is_flag=True, help="build even if the output holds files bulletin did not write "
                                            "(they are kept)")
def serve(source: Path, output: Path | None, port: int, host: str, drafts: bool, force: bool) -> None:
    """Build, serve on 127.0.0.1, rebuild on every change and reload the open pages."""
    from .serve import serve as run

    if not (source / "content").is_dir():
        _fail(UsageError(f"{source} has no content/ folder; pass --source with the site folder"))
    try:
        run(source, output, port=port, host=host, drafts=drafts, force=force, log=lambda m: click.echo(m, err=True))
    except UsageError as exc:
        _fail(exc)


def run(args: list[str] | None = None, prog_name: str = "bulletin") -> None:
    """The program's entry point (the `bulletin` script, `python -m bulletin`, build.py): `main`,
    then an exit that does not free the model object by object. At 10,000 digests the
    interpreter's own teardown took 1.5 s after the summary was printed. (Tests call `main`.)"""
    try:
        main(args, prog_name=prog_name)
        code = 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

