"""Stage 5, write: the output moves from the previous build to the next in one step.

Everything a build changes is first written to a staging folder beside the
output (same filesystem). Only when every page rendered does the build write a
journal (the files to move in, the files to remove) and apply it: a new output
folder is a single rename; an existing one gets `os.replace` per changed file.
If the process dies while applying, the next run finds the journal and finishes
it; if it dies before, the output was never touched and the staging folder is
discarded. A failed build therefore always leaves the previous site as it was.

`bulletin` deletes only files it wrote (the build state lists them), and refuses
an output folder that holds files it did not write unless `--force`, in which
case those files are kept as they are.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Iterable

from .errors import UsageError
from .workers import Beside

STATE_DIR = ".bulletin"
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def state_dir(source_dir: Path) -> Path:
    return source_dir / STATE_DIR


def output_key(output_dir: Path) -> str:
    """Names the build state and journal of one output folder (a site may build to several)."""
    return hashlib.sha1(str(output_dir.resolve()).encode()).hexdigest()[:12]


def state_file(source_dir: Path, output_dir: Path) -> Path:
    return state_dir(source_dir) / f"state-{output_key(output_dir)}.sqlite"


class OutputWriter:
    def __init__(self, source_dir: Path, output_dir: Path, force: bool = False):
        self.source_dir = source_dir.resolve()
        self.output = output_dir.resolve()
        self.force = force
        name = self.output.name or "root"  # "/" has no name; check_safe refuses it
        self.staging = self.output.parent / f".{name}.bulletin-new"
        key = output_key(self.output)
        self.state_key = key
        self.journal = state_dir(self.source_dir) / f"journal-{key}.json"
        self.staged: set[str] = set()
        self._folders: set[str] = set()

    # -- safety ----------------------------------------------------------------
    def check_safe(self) -> None:
        home = Path.home().resolve()
        if self.output in (Path(self.output.anchor), home):
            raise UsageError(f"refusing to build into {self.output}: it is the filesystem root or your "
                             "home folder; pass --output with a folder of its own, e.g. ./site")
        if self.output == self.source_dir or self.source_dir.is_relative_to(self.output):
            raise UsageError(f"refusing to build into {self.output}: it holds the site's sources; "
                             "pass --output with a folder of its own, e.g. ./site")
        for inside in ("content", "templates", "static", STATE_DIR):
            if self.output.is_relative_to(self.source_dir / inside):
                raise UsageError(f"refusing to build into {self.output}: it is inside {inside}/")
        if self.output.exists() and not self.output.is_dir():
            raise UsageError(f"{self.output} exists and is not a folder")

    def foreign_files(self, ours: set[str]) -> list[str]:
        """Files in the output that no build of ours wrote."""
        if not self.output.is_dir():
            return []
        foreign = []
        for folder, _, files in os.walk(self.output):
            for name in files:
                rel = Path(folder, name).relative_to(self.output).as_posix()
                if rel not in ours:
                    foreign.append(rel)
        return sorted(foreign)

    def open(self, ours: set[str]) -> None:
        """Get ready to stage; `ours` is every file the previous builds wrote."""
        self.check_safe()
        self.recover()
        self.ours = ours
        self.foreign = self.foreign_files(ours) if not ours else []
        if self.foreign and not self.force:
            shown = ", ".join(self.foreign[:5]) + (f" and {len(self.foreign) - 5} more"
                                                   if len(self.foreign) > 5 else "")
            raise UsageError(f"{self.output} holds files bulletin did not write ({shown}); it will not "
                             "mix a site into them. Move them to static/ (copied into every build), "
                             "choose another --output, or pass --force to build around them (they are kept)")
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)

    # -- staging ---------------------------------------------------------------
    def stage(self, rel: str, data: bytes) -> None:
        """Through the system calls themselves: a Python file object (a FileIO and a buffer)
        for each of 160,000 files cost a third of the writing (5 µs a file)."""
        folder = rel.rpartition("/")[0]
        if folder and folder not in self._folders:
            (self.staging / folder).mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        handle = os.open(f"{self.staging}{os.sep}{rel}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _BINARY, 0o666)
        try:
            left = memoryview(data)
            while left:
                left = left[os.write(handle, left):]
        finally:
            os.close(handle)
        self.staged.add(rel)

    def abort(self) -> None:
        """Drop the staged files, unless a commit began: then the journal needs them."""
        if self.staging.exists() and not self.journal.exists():
            shutil.rmtree(self.staging, ignore_errors=True)

    # -- applying ----------------------------------------------------------------
    def commit(self, staged: set[str], removed: set[str]) -> None:
        if self.output.exists():  # else nothing can be in the way (a first build: 160,000 stats saved)
            self._check_not_replacing(staged)
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.journal.with_suffix(".tmp")
        tmp.write_text(json.dumps({"staged": sorted(staged), "removed": sorted(removed)}), encoding="utf-8")
        os.replace(tmp, self.journal)
        self._apply(staged, removed)

    def _check_not_replacing(self, staged: set[str]) -> None:
        """A file the build now makes where the publisher put one of their own (at any time)."""
        foreign = set(getattr(self, "foreign", ()))
        ours = getattr(self, "ours", set())
        root, exists = f"{self.output}{os.sep}", os.path.exists
        for rel in sorted(staged):
            if rel in foreign or (rel not in ours and exists(root + rel)):
                raise UsageError(f"{self.output / rel} was not written by bulletin, and the build would "
                                 "replace it; move it away first (or into static/ to publish it)")

    def _apply(self, staged, removed) -> None:
        if not self.output.exists() and self.staging.exists():
            os.rename(self.staging, self.output)
        else:
            made: set[str] = set()
            for rel in staged:
                source = self.staging / rel
                if not source.exists():
                    continue  # already moved by an interrupted run
                folder = rel.rpartition("/")[0]
                if folder and folder not in made:
                    (self.output / folder).mkdir(parents=True, exist_ok=True)
                    made.add(folder)
                os.replace(source, self.output / rel)
            for rel in removed:
                target = self.output / rel
                try:
                    target.unlink()
                except FileNotFoundError:
                    continue
                self._prune_empty(target.parent)
            shutil.rmtree(self.staging, ignore_errors=True)

    def finish(self) -> None:
        """The build state now matches the output: the journal is no longer needed."""
        self.journal.unlink(missing_ok=True)

    def recover(self) -> set[str]:
        """Finish a commit that a crash or error interrupted; drop an unfinished staging folder.
        Returns the files that commit touched (the build state no longer describes them)."""
        touched: set[str] = set()
        if self.journal.exists():
            try:
                plan = json.loads(self.journal.read_text(encoding="utf-8"))
                touched = set(plan["staged"]) | set(plan["removed"])
                self._apply(set(plan["staged"]), set(plan["removed"]))
            except (ValueError, KeyError, OSError):
                pass
            self.journal.unlink(missing_ok=True)
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        return touched

    def _prune_empty(self, folder: Path) -> None:
        while folder != self.output and folder.is_relative_to(self.output):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent


def missing_outputs(output: Path, paths: Iterable[str]) -> list[str]:
    """The recorded outputs that are no longer in the output folder.

    One stat per recorded file (0.5 s for 161,000 files) rather than a walk of the output:
    decision pages are folders of their own, and reading 150,000 folders took up to 6 s."""
    root = f"{output}{os.sep}"
    isfile = os.path.isfile
    return [p for p in paths if not isfile(root + p)]


PARALLEL_STATS = 20_000  # recorded outputs; below this, forking a helper to stat them costs more than it saves


class OutputsPresent:
    """The recorded outputs still in the output folder; on a big site, found by a forked helper
    while this process loads and indexes (0.8 s of stats at 10,000 digests)."""

    def __init__(self, output: Path, recorded: dict[str, tuple[str, str]], workers: int):
        self.output, self.recorded = output, recorded
        self.helper = None
        if output.is_dir() and workers > 1 and len(recorded) >= PARALLEL_STATS:
            self.helper = Beside(lambda: missing_outputs(output, recorded))

    def result(self) -> dict[str, tuple[str, str]]:
        if not self.output.is_dir():
            return {}
        missing = set(self.helper.result() if self.helper else missing_outputs(self.output, self.recorded))
        return {p: v for p, v in self.recorded.items() if p not in missing}

    def stop(self) -> None:
        if self.helper:
            self.helper.stop()
