"""The whole pipeline, stage by stage: load → parse → index → render → write.

`build_site` is what `bulletin build`, `python build.py`, `serve` and `check`
all call. Content errors from every file are gathered before anything is
written; the output folder is replaced only by a complete new build.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import urls
from .config import SiteConfig, load_config
from .data import data_files
from .errors import BuildError, UsageError
from .feeds import atom_feed, sitemap_files
from .index import build_index
from .load import load_content
from .model import DigestSource, ParsedBody, Site
from .pages import TEMPLATES, site_pages
from .parse import parse_body
from .render import Renderer
from .write import OutputWriter

BUILTIN_STATIC = Path(__file__).parent / "theme" / "static"
PARALLEL_THRESHOLD = 64  # below this, starting worker processes costs more than it saves


@dataclass
class BuildResult:
    site: Site
    output: Path
    pages: int
    files: int
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"built {len(self.site.digests)} digests: {self.pages} pages, {self.files} files "
                f"in {self.output} ({self.seconds:.2f} s)")


def _parse_one(args: tuple[str, bool]) -> ParsedBody:
    body, unsafe_html = args
    return parse_body(body, unsafe_html)


def parse_all(sources: list[DigestSource], config: SiteConfig, workers: int | None = None) -> list[ParsedBody]:
    """Markdown is the costliest stage: spread it over every core for big archives."""
    jobs = [(s.body, config.unsafe_html) for s in sources]
    workers = workers or os.cpu_count() or 1
    if len(jobs) < PARALLEL_THRESHOLD or workers == 1:
        return [_parse_one(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_parse_one, jobs, chunksize=32))


def load_site(source_dir: Path, drafts: bool = False, base_url: str | None = None
              ) -> tuple[SiteConfig, Site, list[str]]:
    """Load, parse and index the content; raise BuildError listing every content error."""
    if not (source_dir / "content").is_dir():
        raise UsageError(f"{source_dir} has no content/ folder; pass --source with the site folder "
                         "(the one holding content/)")
    config = load_config(source_dir, base_url)
    loaded = load_content(source_dir / "content", config, drafts)
    if loaded.errors:
        raise BuildError(loaded.errors)
    bodies = parse_all(loaded.digests, config)
    site = build_index(list(zip(loaded.digests, bodies)), config)
    return config, site, loaded.warnings


def build_site(source_dir: Path, output: Path | None = None, drafts: bool = False,
               base_url: str | None = None, force: bool = False, clean: bool = False,
               state: bool = True) -> BuildResult:
    """One complete build; `state=False` leaves no trace in the site folder (for `check`)."""
    started = time.perf_counter()
    source_dir = Path(source_dir)
    output = Path(output) if output else source_dir / "site"
    writer = OutputWriter(source_dir, output, force, keep_manifest=state)
    writer.check_safe()
    config, site, warnings = load_site(source_dir, drafts, base_url)
    renderer = Renderer(source_dir, config, search_enabled=False)
    renderer.check_templates(TEMPLATES)
    writer.open()
    try:
        page_urls = []
        for page in site_pages(site, config.per_page, config.items_per_page):
            writer.write(page.url, renderer.render(page.template, page.url, page.context))
            page_urls.append(page.url)
        for name, data in data_files(site):
            writer.write(name, data)
        writer.write(urls.FEED, atom_feed(site, config))
        if config.base_url:
            for name, data in sitemap_files(page_urls, config.base_url):
                writer.write(name, data)
        writer.copy_tree(BUILTIN_STATIC, urls.ASSETS)
        writer.copy_tree(source_dir / "static")
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return BuildResult(site, writer.output, len(page_urls), len(writer.written),
                       time.perf_counter() - started, warnings)
