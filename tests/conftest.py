"""Shared helpers: inline fixture sites, builds, and one Chromium for the browser tests.

    def test_x(make_site, build):
        site = make_site({"content/2020/a.md": digest_md("A", "2020-12-14", "2020-12-20", "## Mục\\n\\nx")})
        out = build(site)            # -> the output folder (site/ inside the fixture site)
        assert (out / "index.html").exists()

`make_site` writes a site into a fresh temporary folder (str content as UTF-8,
bytes as they are), like MkDocs' `tempdir` helper; `build` runs the real
pipeline (`bulletin.build.build_site`) on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SITES = TESTS / "sites"
SMALL = SITES / "small"
INVALID = SITES / "invalid"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


# -- writing sites -----------------------------------------------------------------

def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `{relative path: text or bytes}` under `root`; return `root`."""
    root = Path(root)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates shared by many in-process builds (Jinja checks each against its
    source, so an edited template is compiled again): speed only, for the long test modules.
    One per language: the compiled templates hold the UI strings (render._MessagesEnvironment)."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.codes:
            bucket.bytecode_from_string(self.codes[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


def digest_md(title: str, week_start: str, week_end: str, body: str = "", **front) -> str:
    """A digest file: front matter (extra keys as YAML literals written as given) and a body."""
    lines = ["---", f'title: "{title}"', f"week_start: {week_start}", f"week_end: {week_end}"]
    lines += [f"{key}: {value}" for key, value in front.items()]
    lines += ["---", "", body]
    return "\n".join(lines) + "\n"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, by posix path."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_site(source: Path, target: Path) -> Path:
    """Copy a fixture site without any output or build state it may have."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("site", ".bulletin", "expected"))
    return target


def run_cli(*args: str, cwd: Path | None = None, script: str | None = None) -> subprocess.CompletedProcess:
    """The real entry point: the `bulletin` console script (or `script`, e.g. build.py)."""
    if script:
        command = [sys.executable, script, *args]
    else:
        exe = shutil.which("bulletin")
        command = [exe, *args] if exe else [sys.executable, "-m", "bulletin", *args]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=120)


@pytest.fixture()
def make_site(tmp_path):
    """`make_site(files, config=None, name="site-src")` → a site folder under tmp_path."""
    counter = iter(range(1, 1000))

    def factory(files: dict[str, str | bytes], config: str | None = None, name: str | None = None) -> Path:
        root = tmp_path / (name or f"src{next(counter)}")
        root.mkdir(parents=True)
        (root / "content").mkdir()
        if config is not None:
            (root / "bulletin.toml").write_text(config, encoding="utf-8")
        return write_files(root, files)

    return factory


@pytest.fixture()
def build():
    """`build(site_dir, output=None, **options)` → the output folder of a clean build."""
    from bulletin.build import build_site

    def run(site_dir: Path, output: Path | None = None, **options) -> Path:
        options.setdefault("state", False)
        options.setdefault("workers", 1)
        result = build_site(Path(site_dir), Path(output) if output else None, **options)
        return result.output

    return run


@pytest.fixture()
def load():
    """`load(site_dir, drafts=False)` → the indexed `Site`, without writing anything."""
    from bulletin.build import load_site

    def run(site_dir: Path, **options):
        return load_site(Path(site_dir), **options)[1]

    return run


@pytest.fixture(scope="session")
def small_site(tmp_path_factory) -> tuple[Path, Path]:
    """The small fixture site, copied and built once: (source copy, output)."""
    from bulletin.build import build_site

    source = copy_site(SMALL, tmp_path_factory.mktemp("small") / "small")
    result = build_site(source, state=False, workers=1)
    return source, result.output


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> tuple[Path, Path]:
    """The repository's own sample site (content/, templates/, bulletin.toml), copied and built."""
    from bulletin.build import build_site

    source = tmp_path_factory.mktemp("sample") / "sample"
    source.mkdir()
    for name in ("content", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name)
    shutil.copy2(REPO / "bulletin.toml", source / "bulletin.toml")
    result = build_site(source, state=False, workers=1)
    return source, result.output


# -- the browser ---------------------------------------------------------------------

def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Debian's chromium through Playwright")


def _no_browser(reason: str):
    if os.environ.get("BULLETIN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and BULLETIN_REQUIRE_BROWSER=1", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium (Debian's) through Playwright, shared by a module's tests.

    Module-scoped rather than session-scoped: Playwright's sync API allows one running
    instance per thread, so a session-wide one would break any module that starts its
    own (tests/test_search_browser.py does). Launching costs about a second per module."""
    if not os.path.exists(CHROMIUM):
        _no_browser(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
