"""Rebuild the golden output of the small fixture site:

    python tests/regenerate_golden.py

Builds tests/sites/small (a copy, so no build state lands in the fixture) and
writes tests/sites/small/expected/: `files.txt` (every path of the output) and
the files listed in GOLDEN, byte for byte. Review the diff (`git diff
tests/sites/small/expected`) before you commit it: every change there is a
change users will see.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SMALL = TESTS / "sites" / "small"
EXPECTED = SMALL / "expected"

# The output files compared byte for byte (files.txt covers the names of all the others).
GOLDEN = [
    "data/digests.json",
    "data/decisions.json",
    "data/topics.json",
    "feed.xml",
    "index.html",
    "page/1/index.html",
    "digests/2020/2020-w51/index.html",
    "digests/2021/2021-w01/index.html",
    "archive/2020/w53/index.html",
    "topics/index.html",
    "topics/dat-dai/index.html",
    "decisions/index.html",
    "decisions/2020/ct-ttg-16-2020.html",
    "decisions/2021/qd-ubnd-2610-2021.html",
    "404.html",
]
MANIFEST = "files.txt"


def build_small(workdir: Path) -> Path:
    """Build a copy of the small site under `workdir`; return its output folder."""
    sys.path.insert(0, str(TESTS.parent))
    from bulletin.build import build_site

    source = workdir / "small"
    shutil.copytree(SMALL, source, ignore=shutil.ignore_patterns("expected", "site", ".bulletin"))
    return build_site(source, workdir / "out", state=False, workers=1).output


def manifest(output: Path) -> str:
    """Every output path, except the search index's shards (content-hashed names that
    change with every tweak of the index format; tests/test_search_*.py cover them)."""
    paths = (p.relative_to(output).as_posix() for p in sorted(output.rglob("*")) if p.is_file())
    return "".join(p + "\n" for p in paths if not p.startswith("search/") or p == "search/index.html")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bulletin-golden-") as tmp:
        output = build_small(Path(tmp))
        if EXPECTED.exists():
            shutil.rmtree(EXPECTED)
        EXPECTED.mkdir()
        (EXPECTED / MANIFEST).write_text(manifest(output), encoding="utf-8")
        for rel in GOLDEN:
            target = EXPECTED / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((output / rel).read_bytes())
    print(f"wrote {len(GOLDEN) + 1} files to {EXPECTED.relative_to(TESTS.parent)}; review with "
          f"`git diff {EXPECTED.relative_to(TESTS.parent)}` before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
