"""What a build reads besides the content, and the cheap signatures that say it changed.

`inputs_signature` (names, sizes and times of every input) is what makes a no-op rebuild
cost a scan and one comparison; `environment_fingerprint` (settings, UI strings, the
generator's own code) decides whether anything of the last build may be reused at all.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator

from . import __version__, urls
from .config import SiteConfig
from .state import BuildState

# The built-in theme (render.py loads its templates after the site's own).
BUILTIN_TEMPLATES = Path(__file__).parent / "theme" / "templates"
BUILTIN_STATIC = Path(__file__).parent / "theme" / "static"


def static_files(source_dir: Path) -> Iterator[tuple[str, bytes, bool]]:
    """The theme's assets, then the site's static/ (which wins on a clash): (path in the
    output, bytes, whether it is the site's own)."""
    files: dict[str, tuple[Path, bool]] = {}
    for root, prefix in ((BUILTIN_STATIC, urls.ASSETS), (source_dir / "static", "")):
        if not root.is_dir():
            continue
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if not name.startswith("."):
                    path = Path(folder, name)
                    files[prefix + path.relative_to(root).as_posix()] = (path, root != BUILTIN_STATIC)
    for rel, (path, own) in sorted(files.items()):
        yield rel, path.read_bytes(), own


def environment_fingerprint(config: SiteConfig, drafts: bool, search_enabled: bool) -> str:
    """Everything outside the site that shapes every output: settings, UI strings, and the
    generator's own code and assets (a new version must not reuse pickles of the old model)."""
    catalogue = (Path(__file__).parent / "locales" / f"{config.language}.json").read_bytes()
    text = f"{__version__}\0{config.fingerprint()}\0{drafts}\0{search_enabled}\0".encode() + catalogue
    return hashlib.blake2b(text + code_fingerprint().encode(), digest_size=12).hexdigest()


_CODE_FINGERPRINT: list[str] = []


def code_fingerprint() -> str:
    """A hash of the package's Python files and search assets, computed once per process."""
    if not _CODE_FINGERPRINT:
        package = Path(__file__).parent
        digest = hashlib.blake2b(digest_size=12)
        for path in sorted([*package.rglob("*.py"), *package.glob("search/assets/*")]):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
        _CODE_FINGERPRINT.append(digest.hexdigest())
    return _CODE_FINGERPRINT[0]


def inputs_signature(source_dir: Path, content_files, env_fingerprint: str) -> str:
    """Names, sizes and times of every input: equal to the last build's means nothing to do."""
    digest = hashlib.blake2b(env_fingerprint.encode(), digest_size=16)
    for _, rel, stat in content_files:
        digest.update(f"c\0{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for kind, root in (("t", source_dir / "templates"), ("s", source_dir / "static"),
                       ("T", BUILTIN_TEMPLATES), ("S", BUILTIN_STATIC)):
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{kind}\0{folder}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def outputs_look_present(output: Path, db: BuildState) -> bool:
    """For the no-op path, which must not walk the whole output: the folder and a sample of files."""
    if not output.is_dir():
        return False
    return all((output / path).is_file() for path in db.sample_outputs(64))
