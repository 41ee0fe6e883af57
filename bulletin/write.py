"""Stage 5, write: a complete new site or none at all.

The build writes into a staging folder beside the output (same filesystem), then
swaps it in with two renames; the old tree is removed only after the new one is
in place. A crash between the renames is repaired by the next run. A manifest of
what `bulletin` wrote (kept in the site's `.bulletin/` folder, not in the
output) lets it refuse an output folder holding files it did not write, and
ensures it never deletes one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from .errors import UsageError

STATE_DIR = ".bulletin"


class OutputWriter:
    def __init__(self, source_dir: Path, output_dir: Path, force: bool = False, keep_manifest: bool = True):
        self.keep_manifest = keep_manifest
        self.source_dir = source_dir.resolve()
        self.output = output_dir.resolve()
        self.force = force
        self.staging = self.output.with_name(f".{self.output.name}.bulletin-new")
        self.backup = self.output.with_name(f".{self.output.name}.bulletin-old")
        key = hashlib.sha1(str(self.output).encode()).hexdigest()[:12]
        self.manifest_path = self.source_dir / STATE_DIR / f"manifest-{key}.json"
        self.written: set[str] = set()
        self._folders: set[str] = set()

    # -- safety -----------------------------------------------------------------
    def check_safe(self) -> None:
        home = Path.home().resolve()
        if self.output in (Path(self.output.anchor), home):
            raise UsageError(f"refusing to build into {self.output}: it is the filesystem root or your "
                             "home folder; pass --output with a folder of its own, e.g. ./site")
        if self.output == self.source_dir or self.source_dir.is_relative_to(self.output):
            raise UsageError(f"refusing to build into {self.output}: it holds the site's sources; "
                             "pass --output with a folder of its own, e.g. ./site")
        if self.output.is_relative_to(self.source_dir / "content"):
            raise UsageError(f"refusing to build into {self.output}: it is inside content/")

    def foreign_files(self) -> list[str]:
        """Files in the output that the last build did not write."""
        if not self.output.is_dir():
            return []
        known = set(self._load_manifest())
        foreign = []
        for folder, _, files in os.walk(self.output):
            for name in files:
                rel = Path(folder, name).relative_to(self.output).as_posix()
                if rel not in known:
                    foreign.append(rel)
        return sorted(foreign)

    def _load_manifest(self) -> list[str]:
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError):
            return []

    # -- writing ----------------------------------------------------------------
    def open(self) -> None:
        self.check_safe()
        self.recover()
        foreign = self.foreign_files()
        if foreign and not self.force:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise UsageError(f"{self.output} holds files bulletin did not write ({shown}); "
                             "bulletin replaces the whole folder, so it stops here. Move them to static/ "
                             "(copied into every build), choose another --output, or pass --force to keep "
                             "them alongside the build")
        self._foreign = foreign
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)

    def recover(self) -> None:
        """Finish or undo a swap that a crash interrupted."""
        if self.backup.exists():
            if not self.output.exists():
                os.rename(self.backup, self.output)
            else:
                shutil.rmtree(self.backup)

    def write(self, rel: str, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        if rel in self.written:
            raise RuntimeError(f"two outputs claim {rel}")  # a bug in the URL scheme, not in content
        self.written.add(rel)
        folder = rel.rpartition("/")[0]
        if folder and folder not in self._folders:
            (self.staging / folder).mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        with open(self.staging / rel, "wb") as handle:
            handle.write(data)

    def copy_tree(self, source: Path, prefix: str = "") -> None:
        if not source.is_dir():
            return
        for folder, dirs, files in os.walk(source):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                path = Path(folder, name)
                rel = prefix + path.relative_to(source).as_posix()
                self.written.discard(rel)  # a site's static file replaces a built-in asset
                self.write(rel, path.read_bytes())

    def commit(self) -> None:
        for rel in self._foreign:  # kept, never deleted: carried into the new tree
            target = self.staging / rel
            if target.exists():
                raise UsageError(f"{self.output / rel} was not written by bulletin and the build "
                                 "now writes a file there; move it away first")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(self.output / rel, target)
        # During the swap the manifest lists old and new files, so a crash at any
        # point leaves every file in the output known as ours.
        self._save_manifest(self.written | set(self._load_manifest()))
        if self.output.exists():
            os.rename(self.output, self.backup)
        os.rename(self.staging, self.output)
        self._save_manifest(self.written)
        if self.backup.exists():
            shutil.rmtree(self.backup)

    def _save_manifest(self, files: set[str]) -> None:
        if not self.keep_manifest:
            return
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"files": sorted(files)}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.manifest_path)

    def abort(self) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
